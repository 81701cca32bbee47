/* s7 inventory check: every documented connection, live, from the machine running it, each
 * from its active partner's address when this machine holds it (or from --as PARTNER's).
 * The checks are libs7's (include/s7/plant_check.h s7_plant_check: the doctor per
 * connection, then every exchange read; PUT exchanges written back with the bytes just read
 * only with --allow-write).  This file prints the result: a table of pass/fail per
 * connection and exchange with the doctor's verdicts, one row as each connection is done, or
 * one JSON object (--json) that `s7 inventory report --check` reads.  Exit 0 only when every
 * connection passes.
 *
 * --as PARTNER: when this machine does not hold the partner's address, a named network
 * namespace that does (ip netns) is entered as root (netns.c), or the way to run it there
 * is printed; a connection not checked from its active partner is unproven, never pass
 * (docs/inventory.md). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "inventory.h"
#include "netns.h"
#include "s7/plant.h"
#include "s7/plant_check.h"

/* ---------------------------------------------------------------- output */

/* One string member of the check JSON: sep (", " or ""), "key": and value (null when empty). */
static void json_kv(const char *sep, const char *key, const char *value)
{
    printf("%s\"%s\": ", sep, key);
    cli_json_strn(stdout, value);
}

static void ex_text(const s7_plant_exchange *x, char *buf, size_t cap)
{
    char r[64], cyc[32];
    size_t l = (size_t)snprintf(buf, cap, "%s", s7_plant_dir_name(x->dir));
    for (size_t i = 0; i < x->nranges && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", i ? ", " : " ",
                              s7_plant_range_text(&x->ranges[i], r, sizeof r));
    if (l < cap)
        snprintf(buf + l, cap - l, " (%s)", s7_plant_cycle_text(x->cycle_ms, cyc, sizeof cyc));
}

static void print_row(const s7_plant *p, const s7_plant_check_conn *cr, int wname, int wpath)
{
    const s7_plant_conn *c = cr->conn;
    const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
    char path[160], ex[300];
    snprintf(path, sizeof path, "%s -> %s %s:%u", a->name, pp->name, pp->address, pp->port);
    printf("%-*s  %-*s  %-18s %s\n", wname, c->name, wpath, path,
           cr->verdict[0] ? cr->verdict : "-",
           cr->status == S7_PLANT_PASS       ? "pass"
           : cr->status == S7_PLANT_UNPROVEN ? "UNPROVEN"
                                             : "FAIL");
    printf("%*s  from %s%s%s%s at %s\n", wname, "", cr->source[0] ? cr->source : "?",
           cr->from_partner[0] ? " (" : "", cr->from_partner,
           cr->from_partner[0] ? (cr->from_active ? ", the active partner)" : ")") : "", cr->time);
    if (cr->unproven[0])
        printf("%*s  unproven: %s\n", wname, "", cr->unproven);
    if (cr->status != S7_PLANT_PASS && strcmp(cr->verdict, "ok") != 0) {
        printf("%*s  %s\n", wname, "", cr->detail);
        if (cr->cause[0])
            printf("%*s  cause: %s\n", wname, "", cr->cause);
        if (cr->fix[0])
            printf("%*s  fix: %s\n", wname, "", cr->fix);
    }
    for (size_t e = 0; e < c->nex; e++) {
        const s7_plant_check_ex *er = &cr->ex[e];
        char num[24];
        snprintf(num, sizeof num, "#%zu", e + 1);
        ex_text(&c->ex[e], ex, sizeof ex);
        printf("%*s  %-*s  %-18s %s\n", wname, num, wpath, ex, er->verdict[0] ? er->verdict : "-",
               er->status == S7_PLANT_PASS   ? "pass"
               : er->status == S7_PLANT_SKIP ? "skip"
                                             : "FAIL");
        if (er->status != S7_PLANT_PASS || c->ex[e].dir == S7_PLANT_PUT)
            printf("%*s    %s\n", wname, "", er->detail);
    }
}

static void json_conn(const s7_plant *p, const s7_plant_check_conn *cr, int last)
{
    const s7_plant_conn *c = cr->conn;
    const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
    char buf[300];
    fputs("    {\"name\": ", stdout);
    cli_json_str(stdout, c->name);
    fputs(", \"active\": ", stdout);
    cli_json_str(stdout, a->name);
    fputs(", \"passive\": ", stdout);
    cli_json_str(stdout, pp->name);
    printf(", \"address\": \"%s\", \"port\": %u, \"type\": \"%s\", \"tsap\": \"%s\",\n",
           pp->address, pp->port, s7_plant_type_name(c->type),
           s7_plant_tsap_text(c->local_tsap, c->remote_tsap, buf, sizeof buf));
    printf("     \"status\": \"%s\", \"verdict\": ", s7_plant_status_name(cr->status));
    cli_json_strn(stdout, cr->verdict);
    json_kv(", ", "detail", cr->detail);
    json_kv(", ", "cause", cr->cause);
    json_kv(", ", "fix", cr->fix);
    printf(",\n     \"time\": \"%s\", \"host\": ", cr->time);
    cli_json_strn(stdout, cr->host);
    json_kv(", ", "netns", cr->netns);
    json_kv(", ", "source", cr->source);
    json_kv(", ", "source_partner", cr->from_partner);
    printf(", \"from_active\": %s, \"unproven\": ", cr->from_active ? "true" : "false");
    cli_json_strn(stdout, cr->unproven);
    fputs(",\n     \"cpu\": ", stdout);
    if (cr->cpu_order[0] || cr->cpu_state[0]) {
        /* the "cpu" object of every command (docs/json.md); what the check does not keep
         * is null */
        fputs("{\"order_code\": ", stdout);
        cli_json_strn(stdout, cr->cpu_order);
        json_kv(", ", "firmware", cr->cpu_version);
        fputs(", \"module_type\": null", stdout);
        json_kv(", ", "module_name", cr->cpu_module);
        fputs(", \"as_name\": null, \"plant_id\": null", stdout);
        json_kv(", ", "serial", cr->cpu_serial);
        fputs(", \"copyright\": null", stdout);
        printf(", \"state\": \"%s\"}", cr->cpu_state[0] ? cr->cpu_state : "unknown");
    } else {
        fputs("null", stdout);
    }
    printf(", \"put_get\": %s", cr->put_get < 0 ? "null" : cr->put_get ? "true" : "false");
    if (cr->conn_used >= 0)
        printf(", \"connections_used\": %d", cr->conn_used);
    else
        fputs(", \"connections_used\": null", stdout);
    if (cr->conn_max >= 0)
        printf(", \"connections_max\": %d", cr->conn_max);
    else
        fputs(", \"connections_max\": null", stdout);
    fputs(",\n     \"exchanges\": [", stdout);
    for (size_t e = 0; e < c->nex; e++) {
        const s7_plant_exchange *x = &c->ex[e];
        const s7_plant_check_ex *er = &cr->ex[e];
        printf("%s\n       {\"index\": %zu, \"direction\": \"%s\", \"ranges\": [", e ? "," : "",
               e + 1, x->dir == S7_PLANT_PUT ? "put" : "get");
        for (size_t r = 0; r < x->nranges; r++) {
            fputs(r ? ", " : "", stdout);
            cli_json_str(stdout, s7_plant_range_text(&x->ranges[r], buf, sizeof buf));
        }
        if (x->cycle_ms > 0) /* null: an exchange on event has no period (docs/json.md) */
            printf("], \"cycle_ms\": %ld", x->cycle_ms);
        else
            fputs("], \"cycle_ms\": null", stdout);
        printf(", \"status\": \"%s\", \"verdict\": ", s7_plant_status_name(er->status));
        cli_json_strn(stdout, er->verdict);
        json_kv(", ", "detail", er->detail);
        fputs("}", stdout);
    }
    printf("],\n     \"doctor\": %s}%s\n", cr->doctor_json ? cr->doctor_json : "null",
           last ? "" : ",");
}

typedef struct progress {
    const s7_plant *p;
    int json, wname, wpath;
} progress;

/* s7_plant_check's callback: the table row of a connection as soon as it is checked. */
static void on_conn(void *ctx, const s7_plant_check_report *r, size_t i)
{
    const progress *pr = ctx;
    if (pr->json)
        return;
    print_row(pr->p, &r->conns[i], pr->wname, pr->wpath);
    fflush(stdout);
}

/* --as: this machine holds the partner's address, or a network namespace does (entered as
 * root; else how to run there is printed), or the results will say they are not from the
 * partner.  ns gets the namespace entered.  0, or -1 after a message. */
static int where_as(const s7_plant *p, const inv_opts *o, char *ns, size_t cap)
{
    const s7_plant_partner *fp = s7_plant_find_partner(p, o->as);
    char names[512], err[600];
    FILE *say = o->json ? stderr : stdout;
    if (!fp->address[0]) {
        fprintf(say,
                "note: --as %s: the partner has no address in %s: the checks are not from it "
                "(unproven)\n",
                o->as, p->file);
        return 0;
    }
    if (s7_plant_check_holds(fp->address))
        return 0;
    int r = netns_find(fp->address, ns, cap, names, sizeof names);
    if (r == 1) {
        if (netns_enter(ns, err, sizeof err) != 0) {
            fprintf(stderr, "error: --as %s: network namespace %s holds %s, but %s\n", o->as, ns,
                    fp->address, err);
            return -1;
        }
        fprintf(say, "note: --as %s: entered network namespace %s, which holds %s\n", o->as, ns,
                fp->address);
        return 0;
    }
    ns[0] = 0;
    if (r < 0)
        fprintf(say,
                "note: --as %s: this machine does not hold %s, and the network namespaces here "
                "(%s) can be looked into only as root: run as root (s7 enters the one that holds "
                "it), or run the check inside it: ip netns exec NS s7 inventory check %s --as %s. "
                "The checks below are not from %s (unproven).\n",
                o->as, fp->address, names, p->file, o->as, o->as);
    else
        fprintf(say,
                "note: --as %s: neither this machine nor a network namespace here%s%s%s holds %s: "
                "the checks below are not from %s (unproven); run them on %s.\n",
                o->as, names[0] ? " (" : "", names, names[0] ? ")" : "", fp->address, o->as, o->as);
    return 0;
}

int inv_cmd_check(const s7_plant *p, const inv_opts *o)
{
    size_t n = 0, skipped_put = 0;
    char host[256] = "", when[32];
    gethostname(host, sizeof host - 1);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    progress pr = {p, o->json, 10, 20};
    char ns[256] = "";
    if (o->as && where_as(p, o, ns, sizeof ns) < 0)
        return CLI_FAIL;
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        int wanted = o->nonly == 0;
        for (size_t k = 0; k < o->nonly; k++)
            if (strcmp(o->only[k], c->name) == 0)
                wanted = 1;
        if (!wanted)
            continue;
        n++;
        const s7_plant_partner *pp = &p->partners[c->passive];
        int l = (int)strlen(c->name);
        if (l > pr.wname)
            pr.wname = l;
        l = (int)(strlen(p->partners[c->active].name) + strlen(pp->name) + strlen(pp->address) +
                  11);
        if (l > pr.wpath)
            pr.wpath = l;
        for (size_t e = 0; e < c->nex; e++) {
            char ex[300];
            ex_text(&c->ex[e], ex, sizeof ex);
            if ((int)strlen(ex) > pr.wpath && strlen(ex) < 70)
                pr.wpath = (int)strlen(ex);
        }
    }
    if (!o->json) {
        printf("s7 inventory check %s: %zu connection%s, checked from %s", p->file, n,
               n == 1 ? "" : "s", host[0] ? host : "this machine");
        if (ns[0])
            printf(" in network namespace %s", ns);
        if (o->as)
            printf(" as %s", o->as);
        else
            printf(", each from its active partner's address where this machine holds it");
        printf("\n%-*s  %-*s  %-18s %s\n", pr.wname, "CONNECTION", pr.wpath,
               "ACTIVE -> PASSIVE / EXCHANGE", "VERDICT", "RESULT");
        fflush(stdout);
    }
    s7_plant_check_opts co;
    s7_plant_check_opts_init(&co);
    co.allow_write = o->allow_write;
    co.timeout_ms = o->timeout_ms;
    co.only = o->only;
    co.nonly = o->nonly;
    co.on_conn = on_conn;
    co.ctx = &pr;
    co.as = o->as;
    co.netns = ns[0] ? ns : NULL;
    s7_plant_check_report *r = NULL;
    int rc = s7_plant_check(p, &co, &r);
    if (rc < 0) {
        fprintf(stderr, "error: %s\n", rc == S7_ERR_NOMEM ? "out of memory" : s7_strerror(rc));
        return CLI_FAIL;
    }
    for (size_t i = 0; i < r->nconns; i++)
        for (size_t e = 0; e < r->conns[i].nex; e++)
            if (r->conns[i].conn->ex[e].dir == S7_PLANT_PUT &&
                r->conns[i].ex[e].status == S7_PLANT_SKIP && !o->allow_write)
                skipped_put++;
    size_t pass = r->passed;
    if (o->json) {
        fputs("{\"inventory\": ", stdout);
        cli_json_str(stdout, p->file);
        json_kv(", ", "plant", p->title);
        printf(", \"time\": \"%s\", \"from\": ", when);
        cli_json_str(stdout, host);
        fputs(", \"as\": ", stdout);
        if (o->as)
            cli_json_str(stdout, o->as);
        else
            fputs("null", stdout);
        json_kv(", ", "netns", ns);
        printf(", \"allow_write\": %s, \"passed\": %zu, \"failed\": %zu, \"unproven\": %zu,\n"
               "  \"connections\": [\n",
               o->allow_write ? "true" : "false", pass, r->failed, r->unproven);
        for (size_t i = 0; i < n; i++)
            json_conn(p, &r->conns[i], i + 1 == n);
        fputs("  ]}\n", stdout);
    } else {
        printf("%zu of %zu connection%s pass", pass, n, n == 1 ? "" : "s");
        if (r->failed)
            printf(", %zu fail", r->failed);
        if (r->unproven)
            printf(", %zu unproven (not checked from their active partner)", r->unproven);
        printf(".\n");
        if (skipped_put)
            printf(
                "%zu PUT exchange%s not written: --allow-write verifies them by writing back the "
                "bytes just read.\n",
                skipped_put, skipped_put == 1 ? " was" : "s were");
        if (r->unproven)
            printf("A connection passes only when checked from its active partner's address: run "
                   "the check on (or as) that partner, e.g. s7 inventory check %s --as PARTNER, "
                   "and merge the JSON results with s7 inventory report --check A --check B.\n",
                   p->file);
    }
    s7_plant_check_report_free(r);
    return pass == n ? CLI_OK : CLI_FAIL;
}
