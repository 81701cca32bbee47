/* s7 inventory verify-firewall: does the firewall do what the inventory says?  The probes
 * and the rows are libs7's (include/s7/diag_plant.h s7_diag_fw_verify); this file prints
 * the matrix (or the JSON docs/schema/s7-inventory-verify-firewall.schema.json describes)
 * and sets the exit code.  docs/inventory.md describes the command. */
#include <stdio.h>
#include <string.h>

#include "common.h"
#include "inventory.h"
#include "s7/diag_plant.h"
#include "s7/plant.h"

/* The rows the run could not decide (a documented path refused with a RST). */
static size_t unproven_rows(const s7_plant_fw_verify *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->npaths; i++)
        n += v->paths[i].status == S7_PLANT_UNPROVEN;
    return n;
}

static void json(const s7_plant *p, const s7_plant_fw_verify *v, int from_partner, const char *note)
{
    printf("{\"file\": ");
    cli_json_str(stdout, p->file ? p->file : "");
    printf(", \"time\": ");
    cli_json_str(stdout, v->time);
    printf(", \"host\": ");
    cli_json_str(stdout, v->host);
    printf(", \"as\": ");
    cli_json_str(stdout, v->as);
    printf(", \"source\": ");
    if (v->source[0])
        cli_json_str(stdout, v->source);
    else
        fputs("null", stdout);
    printf(", \"from_partner\": %s, \"note\": ", from_partner ? "true" : "false");
    if (note && note[0])
        cli_json_str(stdout, note);
    else
        fputs("null", stdout);
    printf(", \"rules\": ");
    if (v->rules_file[0]) {
        printf("{\"file\": ");
        cli_json_str(stdout, v->rules_file);
        printf(", \"sha256\": ");
        cli_json_str(stdout, v->rules_sha256);
        printf("}");
    } else {
        fputs("null", stdout);
    }
    printf(",\n \"paths\": [");
    for (size_t i = 0; i < v->npaths; i++) {
        const s7_plant_fw_path *r = &v->paths[i];
        printf("%s\n  {\"from\": ", i ? "," : "");
        cli_json_str(stdout, r->from);
        printf(", \"to\": ");
        cli_json_str(stdout, r->to);
        printf(", \"address\": ");
        cli_json_str(stdout, r->address);
        printf(", \"port\": %u, \"expected\": \"%s\", \"observed\": ", r->port,
               r->expect_open ? "open" : "dropped");
        cli_json_str(stdout, r->observed);
        printf(", \"status\": \"%s\", \"rule\": ", s7_plant_status_name(r->status));
        cli_json_str(stdout, r->rule);
        printf("}");
    }
    size_t unproven = unproven_rows(v);
    printf("%s],\n \"summary\": {\"paths\": %zu, \"passed\": %zu, \"failed\": %zu, "
           "\"unproven\": %zu}}\n",
           v->npaths ? "\n " : "", v->npaths, v->passed, v->failed - unproven, unproven);
}

static void table(const s7_plant *p, const s7_plant_fw_verify *v, int from_partner,
                  const char *note)
{
    const s7_plant_partner *as = s7_plant_find_partner(p, v->as);
    char at[320];
    printf("firewall verification of %s as %s (%s) from host %s, %s\n", p->file, v->as,
           as ? s7_plant_partner_addr_text(as, at, sizeof at) : "?", v->host, v->time);
    if (from_partner)
        printf("source: %s (the partner's documented address, bound by every probe)\n", v->source);
    else
        printf("NOT FROM THE PARTNER: %s\n", note);
    if (from_partner && note && note[0])
        printf("note: %s\n", note);
    if (v->rules_file[0])
        printf("rules: %s  sha256 %s\n", v->rules_file, v->rules_sha256);
    else
        printf("rules: not named (--rules RULEFILE records the file's SHA-256)\n");
    size_t wt = 2, wa = 7;
    for (size_t i = 0; i < v->npaths; i++) {
        size_t l = strlen(v->paths[i].to), m = strlen(v->paths[i].address) + 6;
        wt = l > wt ? l : wt;
        wa = m > wa ? m : wa;
    }
    printf("\n  %-*s  %-*s  %-8s  %-8s  %-6s  %s\n", (int)wt, "TO", (int)wa, "ADDRESS", "EXPECTED",
           "OBSERVED", "STATUS", "RULE");
    for (size_t i = 0; i < v->npaths; i++) {
        const s7_plant_fw_path *r = &v->paths[i];
        char addr[80];
        snprintf(addr, sizeof addr, strchr(r->address, ':') ? "[%s]:%u" : "%s:%u", r->address,
                 r->port);
        printf("  %-*s  %-*s  %-8s  %-8s  %-6s  %s\n", (int)wt, r->to, (int)wa, addr,
               r->expect_open ? "open" : "dropped", r->observed, s7_plant_status_name(r->status),
               r->rule);
    }
    size_t unproven = unproven_rows(v);
    printf("\n%zu path%s: %zu as documented, %zu not%s\n", v->npaths, v->npaths == 1 ? "" : "s",
           v->passed, v->failed - unproven,
           v->failed > unproven ? ": a documented path that does not open, or an undocumented one "
                                  "that does, is a firewall fault"
                                : "");
    if (unproven)
        printf("%zu documented path%s unproven: refused with a TCP RST, so the packet got through "
               "to something that refused port %u: the CPU's own port (nothing listens there: "
               "its owner acts, not the firewall's) or a firewall that rejects with a reset; "
               "s7 doctor --inventory %s --as %s TARGET tells which\n",
               unproven, unproven == 1 ? " is" : "s are", v->paths[0].port, p->file, v->as);
}

int inv_cmd_verify(const s7_plant *p, const inv_opts *o)
{
    s7_diag_fw_verify_opts vo = {o->as, o->rules, o->timeout_ms};
    s7_plant_fw_verify *v = NULL;
    int from_partner = 0;
    char note[700];
    int rc = s7_diag_fw_verify(p, &vo, &v, &from_partner, note, sizeof note);
    if (rc == S7_ERR_INVAL) {
        fprintf(stderr, "error: %s\n", note);
        return CLI_USAGE;
    }
    if (rc < 0) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    if (o->json)
        json(p, v, from_partner, note);
    else
        table(p, v, from_partner, note);
    int ok = v->failed == 0;
    s7_plant_fw_verify_free(v);
    return ok ? CLI_OK : CLI_FAIL;
}
