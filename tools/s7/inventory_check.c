/* s7 inventory check: every documented connection, live, from the machine running it.
 * The checks are libs7's (include/s7/plant_check.h s7_plant_check: the doctor per
 * connection, then every exchange read; PUT exchanges written back with the bytes just read
 * only with --allow-write).  This file prints the result: a table of pass/fail per
 * connection and exchange with the doctor's verdicts, one row as each connection is done, or
 * one JSON object (--json) that `s7 inventory report --check` reads.  Exit 0 only when every
 * connection passes.
 *
 * The checks run from this machine: the documented active partner is where the real
 * traffic comes from, so a firewall may treat the two differently (docs/inventory.md). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "inventory.h"
#include "s7/plant.h"
#include "s7/plant_check.h"

/* ---------------------------------------------------------------- output */

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
           cr->verdict[0] ? cr->verdict : "-", cr->status == S7_PLANT_PASS ? "pass" : "FAIL");
    if (cr->status != S7_PLANT_PASS) {
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
    fputs(", \"detail\": ", stdout);
    cli_json_strn(stdout, cr->detail);
    fputs(", \"cause\": ", stdout);
    cli_json_strn(stdout, cr->cause);
    fputs(", \"fix\": ", stdout);
    cli_json_strn(stdout, cr->fix);
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
        printf("], \"cycle_ms\": %ld, \"status\": \"%s\", \"verdict\": ", x->cycle_ms,
               s7_plant_status_name(er->status));
        cli_json_strn(stdout, er->verdict);
        fputs(", \"detail\": ", stdout);
        cli_json_strn(stdout, er->detail);
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
        if (o->as)
            printf(" standing in for %s", o->as);
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
        fputs(", \"plant\": ", stdout);
        cli_json_strn(stdout, p->title);
        printf(", \"time\": \"%s\", \"from\": ", when);
        cli_json_str(stdout, host);
        fputs(", \"as\": ", stdout);
        if (o->as)
            cli_json_str(stdout, o->as);
        else
            fputs("null", stdout);
        printf(", \"allow_write\": %s, \"passed\": %zu, \"failed\": %zu,\n  \"connections\": [\n",
               o->allow_write ? "true" : "false", pass, n - pass);
        for (size_t i = 0; i < n; i++)
            json_conn(p, &r->conns[i], i + 1 == n);
        fputs("  ]}\n", stdout);
    } else {
        printf("%zu of %zu connection%s pass", pass, n, n == 1 ? "" : "s");
        if (n - pass)
            printf(", %zu fail", n - pass);
        printf(".\n");
        if (skipped_put)
            printf(
                "%zu PUT exchange%s not written: --allow-write verifies them by writing back the "
                "bytes just read.\n",
                skipped_put, skipped_put == 1 ? " was" : "s were");
        printf("The checks ran from %s; the real traffic comes from each connection's active "
               "partner, whose path through the firewalls may differ.\n",
               host[0] ? host : "this machine");
    }
    s7_plant_check_report_free(r);
    return pass == n ? CLI_OK : CLI_FAIL;
}
