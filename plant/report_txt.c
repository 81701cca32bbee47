/* s7kit plant report: the commissioning document as plain text (include/s7/plant.h
 * s7_plant_report_text), for a ticket or an e-mail: READY / NOT READY, one line per
 * connection with its result and where and when it was checked, the firewall verifications,
 * and the sign-off statement of what was proven. */
#include <stdio.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

typedef struct so_ctx {
    FILE *o;
    int last;
} so_ctx;

static void so_item(void *ctx, int kind, const char *text)
{
    so_ctx *x = ctx;
    static const char *const head[] = {"Proven live", "Not proven", "Firewall"};
    if (kind == S7__SO_CLOSE) {
        fprintf(x->o, "\n%s\n", text);
        return;
    }
    if (kind != x->last)
        fprintf(x->o, "\n%s:\n", head[kind]);
    x->last = kind;
    fprintf(x->o, "  - %s\n", text);
}

int s7_plant_report_text(const s7_plant *p, const s7_plant_check_report *k,
                         const s7_plant_report_opts *opts, FILE *o)
{
    char why[300];
    int ready = s7_plant_report_ready(p, k, opts, why, sizeof why);
    fprintf(o, "S7 connection inventory: %s\n", s7__plant_title(p));
    fprintf(o, "%s: %s\n\n", ready ? "READY to sign" : "NOT READY", why);
    fprintf(o, "Inventory file: %s\n", p->file ? p->file : "");
    if (p->revision)
        fprintf(o, "Revision: %s\n", p->revision);
    fprintf(o, "Report generated: %s by %s (s7kit)\n", opts && opts->today ? opts->today : "",
            s7__report_generator(opts));
    fputs("\nConnections:\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        const s7_plant_check_conn *cc = s7__report_result(k, c);
        char aa[160], pa[200];
        s7_plant_partner_addr_text(a, aa, sizeof aa);
        s7__report_addr_port_text(pp, pa, sizeof pa);
        fprintf(o, "  %-11s %s: %s %s -> %s %s (%s)\n", s7__report_status_word(cc), c->name,
                a->name, aa, pp->name, pa, s7_plant_type_name(c->type));
        if (!cc)
            continue;
        fprintf(o, "              checked from %s%s%s%s on %s%s%s at %s\n",
                cc->source[0] ? cc->source : "?", cc->from_partner[0] ? " (" : "", cc->from_partner,
                cc->from_partner[0] ? (cc->from_active ? ", the active partner)" : ")") : "",
                cc->host[0] ? cc->host : "?", cc->netns[0] ? ", network namespace " : "", cc->netns,
                cc->time[0] ? cc->time : "?");
        if (cc->status != S7_PLANT_PASS && cc->verdict[0] && strcmp(cc->verdict, "ok") != 0)
            fprintf(o, "              %s: %s\n", cc->verdict, cc->detail);
        if (cc->unproven[0])
            fprintf(o, "              unproven: %s\n", cc->unproven);
    }
    for (size_t i = 0; opts && i < opts->nverify; i++) {
        const s7_plant_fw_verify *v = opts->verify[i];
        if (!v)
            continue;
        fprintf(o,
                "\nFirewall verification%s%s: rule file %s, SHA-256 %s, %zu of %zu paths as "
                "documented\n",
                v->as[0] ? " as " : "", v->as, v->rules_file[0] ? v->rules_file : "(not named)",
                v->rules_sha256[0] ? v->rules_sha256 : "not recorded", v->passed, v->npaths);
        char vwhy[400];
        if (s7_plant_fw_verify_mismatch(p, v, vwhy, sizeof vwhy))
            fprintf(o,
                    "  NOT of this inventory: %s. This verification proves nothing about this "
                    "plant's firewall.\n",
                    vwhy);
        for (size_t j = 0; j < v->npaths; j++) {
            const s7_plant_fw_path *pa = &v->paths[j];
            fprintf(o,
                    strchr(pa->address, ':')
                        ? "  %-4s %s -> %s [%s]:%u must be %s, observed %s%s%s\n"
                        : "  %-4s %s -> %s %s:%u must be %s, observed %s%s%s\n",
                    s7_plant_status_name(pa->status), pa->from, pa->to, pa->address, pa->port,
                    pa->expect_open ? "open" : "dropped",
                    pa->observed[0] ? pa->observed
                    : pa->open      ? "open"
                                    : "dropped",
                    pa->rule[0] ? "; rule: " : "", pa->rule);
        }
    }
    fputs("\nSign-off: what the results given to this report prove, and what they do not:\n", o);
    so_ctx sx = {o, -1};
    s7__report_signoff(p, k, opts, so_item, &sx);
    fputs("\nCommissioning engineer:    name ____________  date ________  signature ____________\n"
          "Plant operator / customer: name ____________  date ________  signature ____________\n"
          "OT / network security:     name ____________  date ________  signature ____________\n",
          o);
    return ferror(o) ? S7_ERR_IO : 0;
}
