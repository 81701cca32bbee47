/* s7 inventory check: every documented connection, live, from the machine running it.
 *
 * Per connection: the doctor (libs7's s7_doctor, include/s7/diag.h) walks the ladder with
 * the connection's TSAPs (reachable, CR accepted, setup, PUT/GET permitted) and checks each
 * DB and area the exchanges touch: present, not optimized, as long as the documented
 * ranges need.  Then, over one client connection, every exchange's ranges are read; a PUT
 * exchange is written only with --allow-write, and then only with the bytes just read
 * (read, write the same bytes, read again and compare), so the process is not disturbed.
 * Result: a table of pass/fail per connection and exchange with the doctor's verdicts, or
 * one JSON object (--json) that `s7 inventory report --check` reads.  Exit 0 only when
 * every connection passes.
 *
 * The checks run from this machine: the documented active partner is where the real
 * traffic comes from, so a firewall may treat the two differently (docs/inventory.md). */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "inventory.h"
#include "s7/client.h"
#include "s7/diag.h"

enum { ST_PASS, ST_FAIL, ST_SKIP };
static const char *const ST_NAME[] = {"pass", "fail", "skip"};

typedef struct ex_result {
    int status;
    const char *verdict; /* a doctor verdict name, or "" */
    char detail[600];
} ex_result;

typedef struct conn_result {
    const inv_conn *c;
    int status;
    const char *verdict;
    char detail[700], cause[700], fix[700];
    char *doctor_json; /* s7_diag_report_json, may be NULL */
    ex_result *ex;
} conn_result;

/* ---------------------------------------------------------------- helpers */

static const char *verdict_of_connect(int err)
{
    switch (err) {
    case S7_ERR_RESOLVE:
    case S7_ERR_UNREACH:
        return s7_diag_verdict_name(S7_DIAG_NO_ROUTE);
    case S7_ERR_REFUSED:
        return s7_diag_verdict_name(S7_DIAG_PORT_CLOSED);
    case S7_ERR_CONNECT_TIMEOUT:
        return s7_diag_verdict_name(S7_DIAG_PORT_FILTERED);
    case S7_ERR_CR_REJECTED:
        return s7_diag_verdict_name(S7_DIAG_CR_REJECTED);
    case S7_ERR_NEGOTIATION:
        return s7_diag_verdict_name(S7_DIAG_NEGOTIATION_FAILED);
    default:
        return s7_diag_verdict_name(S7_DIAG_PEER_ERROR);
    }
}

static void client_opts(const inv_conn *c, const inv_opts *o, s7_client_opts *co)
{
    s7_client_opts_init(co);
    if (c->explicit_tsap) {
        co->local_tsap = c->local_tsap;
        co->remote_tsap = c->remote_tsap;
    } else {
        co->rack = (uint8_t)c->rack;
        co->slot = (uint8_t)c->slot;
        co->type = (s7_conn_type)c->type;
    }
    if (o->timeout_ms > 0) {
        co->connect_timeout_ms = (int)o->timeout_ms;
        co->request_timeout_ms = (int)o->timeout_ms;
    }
}

static const char *area_word(uint8_t area)
{
    return area == S7_AREA_I ? "I" : area == S7_AREA_Q ? "Q" : area == S7_AREA_M ? "M" : "DB";
}

/* One target per DB / area the connection touches, as long as its ranges need. */
static size_t targets_of(const inv_conn *c, s7_diag_target *t, size_t cap)
{
    size_t n = 0;
    for (size_t e = 0; e < c->nex; e++)
        for (size_t i = 0; i < c->ex[e].nranges; i++) {
            const inv_range *r = &c->ex[e].ranges[i];
            size_t k;
            for (k = 0; k < n; k++)
                if (t[k].area == r->area && t[k].db == r->db)
                    break;
            if (k == n) {
                if (n == cap)
                    continue;
                memset(&t[n], 0, sizeof t[n]);
                t[n].area = r->area;
                t[n].db = r->area == S7_AREA_DB ? r->db : 0;
                n++;
            }
            if (r->offset + r->length > t[k].length)
                t[k].length = r->offset + r->length;
        }
    return n;
}

/* Why reading or writing range r failed (result rc of s7_client_read/write, item it):
 * a verdict and a detail. */
static const char *range_failure(s7_client *s, const inv_range *r, int rc, const s7_item *it,
                                 const char *what, char *detail, size_t cap)
{
    char rt[64];
    inv_range_text(r, rt, sizeof rt);
    if (rc != S7_ERR_ITEM && rc != S7_ERR_PLC) {
        snprintf(detail, cap, "%s %s: %s", what, rt, s7_strerror(rc));
        return verdict_of_connect(rc);
    }
    if (rc == S7_ERR_PLC) {
        const s7_explain *e = s7_client_last_error(s);
        if (e && e->code == 0x8104) {
            snprintf(detail, cap, "%s %s: the CPU answered 0x8104: PUT/GET is not permitted", what,
                     rt);
            return s7_diag_verdict_name(S7_DIAG_PUT_GET_DISABLED);
        }
        snprintf(detail, cap, "%s %s: the CPU refused it (error 0x%04X %s)", what, rt,
                 e ? e->code : 0, e ? e->name : "?");
        return s7_diag_verdict_name(S7_DIAG_PEER_ERROR);
    }
    int db = r->area == S7_AREA_DB;
    switch (it->rc) {
    case S7_RC_NOT_FOUND:
        if (db)
            snprintf(detail, cap, "%s %s: DB%u does not exist (item 0x0A)", what, rt, r->db);
        else
            snprintf(detail, cap, "%s %s: the %s area does not exist on this CPU (item 0x0A)", what,
                     rt, area_word(r->area));
        return s7_diag_verdict_name(db ? S7_DIAG_DB_MISSING : S7_DIAG_AREA_MISSING);
    case S7_RC_ACCESS_DENIED:
        snprintf(detail, cap, "%s %s: the CPU denies the access (item 0x03%s)", what, rt,
                 strcmp(what, "writing") == 0 ? ": write-protected" : "");
        return s7_diag_verdict_name(S7_DIAG_ACCESS_DENIED);
    case S7_RC_ADDR_OUT_OF_RANGE:
        if (db) {
            uint32_t len = 0;
            int lr = s7_client_db_length(s, r->db, &len);
            if (lr >= 0 && len < r->offset + r->length) {
                snprintf(detail, cap, "%s %s: DB%u is %u bytes long, the range needs %u", what, rt,
                         r->db, len, r->offset + r->length);
                return s7_diag_verdict_name(S7_DIAG_DB_TOO_SHORT);
            }
            if (lr < 0) {
                snprintf(detail, cap, "%s %s: DB%u refuses absolute access even at offset 0: it is "
                                      "optimized",
                         what, rt, r->db);
                return s7_diag_verdict_name(S7_DIAG_DB_OPTIMIZED);
            }
        }
        snprintf(detail, cap, "%s %s: address out of range (item 0x05)", what, rt);
        return s7_diag_verdict_name(db ? S7_DIAG_DB_TOO_SHORT : S7_DIAG_AREA_TOO_SHORT);
    default:
        snprintf(detail, cap, "%s %s: item return code 0x%02X", what, rt, it->rc);
        return s7_diag_verdict_name(S7_DIAG_PEER_ERROR);
    }
}

/* Reads (and for PUT with --allow-write: writes back and re-reads) one exchange. */
static void check_exchange(s7_client *s, const inv_exchange *x, int allow_write, ex_result *er)
{
    size_t total = 0;
    er->status = ST_PASS;
    er->verdict = s7_diag_verdict_name(S7_DIAG_OK);
    for (size_t i = 0; i < x->nranges; i++) {
        const inv_range *r = &x->ranges[i];
        uint8_t *buf = malloc(r->length), *again = malloc(r->length);
        s7_item it;
        int rc;
        if (!buf || !again) {
            free(buf);
            free(again);
            er->status = ST_FAIL;
            er->verdict = "";
            snprintf(er->detail, sizeof er->detail, "out of memory");
            return;
        }
        memset(&it, 0, sizeof it);
        it.area = r->area;
        it.db = r->db;
        it.ts = S7_TS_BYTE;
        it.start = r->offset;
        it.count = r->length;
        it.buf = buf;
        rc = s7_client_read(s, &it, 1);
        if (rc == 0 && x->dir == INV_PUT && allow_write) {
            /* the same bytes back: the process sees no change */
            s7_item w = it;
            w.status = 0;
            w.rc = 0;
            rc = s7_client_write(s, &w, 1);
            if (rc < 0) {
                er->verdict = range_failure(s, r, rc, &w, "writing", er->detail, sizeof er->detail);
                er->status = ST_FAIL;
            } else {
                s7_item a = it;
                a.buf = again;
                a.status = 0;
                rc = s7_client_read(s, &a, 1);
                if (rc < 0) {
                    er->verdict = range_failure(s, r, rc, &a, "reading back", er->detail,
                                                sizeof er->detail);
                    er->status = ST_FAIL;
                } else if (memcmp(buf, again, r->length) != 0) {
                    /* not ours: the process changed it in between; we wrote what it held */
                    char rt[64];
                    snprintf(er->detail, sizeof er->detail,
                             "%s changed between the read and the read-back (written back as "
                             "read: the process writes it too)",
                             inv_range_text(r, rt, sizeof rt));
                }
            }
        } else if (rc < 0) {
            er->verdict = range_failure(s, r, rc, &it, "reading", er->detail, sizeof er->detail);
            er->status = ST_FAIL;
        }
        free(buf);
        free(again);
        if (er->status == ST_FAIL)
            return;
        total += r->length;
    }
    if (x->dir == INV_PUT && !allow_write) {
        er->status = ST_SKIP;
        er->verdict = "";
        snprintf(er->detail, sizeof er->detail,
                 "%zu bytes readable; not written (--allow-write writes back the bytes it read)",
                 total);
    } else if (!er->detail[0]) {
        snprintf(er->detail, sizeof er->detail,
                 x->dir == INV_PUT ? "%zu bytes read, the same bytes written back and read back "
                                     "unchanged"
                                   : "%zu bytes read",
                 total);
    }
}

/* The doctor, then the exchanges, for one connection. */
static void check_conn(const inv_plant *p, const inv_opts *o, conn_result *cr)
{
    const inv_conn *c = cr->c;
    const inv_partner *pp = &p->partners[c->passive];
    s7_diag_target t[64];
    s7_doctor_opts d;
    s7_diag_report rep;
    memset(&rep, 0, sizeof rep);
    s7_doctor_opts_init(&d);
    d.host = pp->address;
    d.port = pp->port;
    client_opts(c, o, &d.client);
    d.ntargets = targets_of(c, t, sizeof t / sizeof t[0]);
    d.targets = t;
    int v = s7_doctor(&d, &rep);
    if (v < 0) {
        cr->status = ST_FAIL;
        cr->verdict = "";
        snprintf(cr->detail, sizeof cr->detail, "the doctor could not run: %s", s7_strerror(v));
        for (size_t e = 0; e < c->nex; e++) {
            cr->ex[e].status = ST_SKIP;
            cr->ex[e].verdict = "";
            snprintf(cr->ex[e].detail, sizeof cr->ex[e].detail, "not checked");
        }
        return;
    }
    cr->doctor_json = s7_diag_report_json(&rep);
    cr->verdict = s7_diag_verdict_name(v);
    cr->status = v == S7_DIAG_OK ? ST_PASS : ST_FAIL;
    const s7_diag_check *f = s7_diag_report_failed(&rep);
    if (f) {
        snprintf(cr->detail, sizeof cr->detail, "%s: %s", f->id, f->detail);
        snprintf(cr->cause, sizeof cr->cause, "%s", f->cause);
        snprintf(cr->fix, sizeof cr->fix, "%s", f->fix);
    } else {
        snprintf(cr->detail, sizeof cr->detail, "connected in %d ms, PDU %u, PUT/GET permitted",
                 rep.total_ms, rep.pdu);
    }
    int no_session = s7_diag_verdict_class(v) == 3;
    s7_diag_report_free(&rep);
    if (no_session) {
        for (size_t e = 0; e < c->nex; e++) {
            cr->ex[e].status = ST_SKIP;
            cr->ex[e].verdict = cr->verdict;
            snprintf(cr->ex[e].detail, sizeof cr->ex[e].detail,
                     "not checked: no S7 connection (%s)", cr->verdict);
        }
        return;
    }
    /* connected: every exchange over one client connection */
    s7_client_opts co;
    client_opts(c, o, &co);
    s7_client *s = s7_client_new(&co);
    int rc = s ? s7_client_connect(s, pp->address, pp->port) : S7_ERR_NOMEM;
    for (size_t e = 0; e < c->nex; e++) {
        ex_result *er = &cr->ex[e];
        if (rc < 0) {
            er->status = ST_FAIL;
            er->verdict = verdict_of_connect(rc);
            snprintf(er->detail, sizeof er->detail, "connecting again failed: %s", s7_strerror(rc));
        } else {
            check_exchange(s, &c->ex[e], o->allow_write, er);
        }
        if (er->status == ST_FAIL && cr->status == ST_PASS) {
            cr->status = ST_FAIL;
            cr->verdict = er->verdict[0] ? er->verdict : "peer_error";
            snprintf(cr->detail, sizeof cr->detail, "exchange %zu: %s", e + 1, er->detail);
        }
    }
    s7_client_free(s);
}

/* ---------------------------------------------------------------- output */

static void ex_text(const inv_exchange *x, char *buf, size_t cap)
{
    char r[64], cyc[32];
    size_t l = (size_t)snprintf(buf, cap, "%s", inv_dir_name(x->dir));
    for (size_t i = 0; i < x->nranges && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", i ? ", " : " ",
                              inv_range_text(&x->ranges[i], r, sizeof r));
    if (l < cap)
        snprintf(buf + l, cap - l, " (%s)", inv_cycle_text(x->cycle_ms, cyc, sizeof cyc));
}

static void print_row(const inv_plant *p, const conn_result *cr, int wname, int wpath)
{
    const inv_conn *c = cr->c;
    const inv_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
    char path[160], ex[300];
    snprintf(path, sizeof path, "%s -> %s %s:%u", a->name, pp->name, pp->address, pp->port);
    printf("%-*s  %-*s  %-18s %s\n", wname, c->name, wpath, path, cr->verdict[0] ? cr->verdict : "-",
           cr->status == ST_PASS ? "pass" : "FAIL");
    if (cr->status != ST_PASS) {
        printf("%*s  %s\n", wname, "", cr->detail);
        if (cr->cause[0])
            printf("%*s  cause: %s\n", wname, "", cr->cause);
        if (cr->fix[0])
            printf("%*s  fix: %s\n", wname, "", cr->fix);
    }
    for (size_t e = 0; e < c->nex; e++) {
        const ex_result *er = &cr->ex[e];
        char num[24];
        snprintf(num, sizeof num, "#%zu", e + 1);
        ex_text(&c->ex[e], ex, sizeof ex);
        printf("%*s  %-*s  %-18s %s\n", wname, num, wpath, ex, er->verdict[0] ? er->verdict : "-",
               er->status == ST_PASS ? "pass" : er->status == ST_SKIP ? "skip" : "FAIL");
        if (er->status != ST_PASS || c->ex[e].dir == INV_PUT)
            printf("%*s    %s\n", wname, "", er->detail);
    }
}

static void json_conn(const inv_plant *p, const conn_result *cr, int last)
{
    const inv_conn *c = cr->c;
    const inv_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
    char buf[300];
    fputs("    {\"name\": ", stdout);
    cli_json_str(stdout, c->name);
    fputs(", \"active\": ", stdout);
    cli_json_str(stdout, a->name);
    fputs(", \"passive\": ", stdout);
    cli_json_str(stdout, pp->name);
    printf(", \"address\": \"%s\", \"port\": %u, \"type\": \"%s\", \"tsap\": \"%s\",\n", pp->address,
           pp->port, inv_type_name(c->type),
           inv_tsap_text(c->local_tsap, c->remote_tsap, buf, sizeof buf));
    printf("     \"status\": \"%s\", \"verdict\": ", ST_NAME[cr->status]);
    cli_json_str(stdout, cr->verdict);
    fputs(", \"detail\": ", stdout);
    cli_json_str(stdout, cr->detail);
    fputs(", \"cause\": ", stdout);
    cli_json_str(stdout, cr->cause);
    fputs(", \"fix\": ", stdout);
    cli_json_str(stdout, cr->fix);
    fputs(",\n     \"exchanges\": [", stdout);
    for (size_t e = 0; e < c->nex; e++) {
        const inv_exchange *x = &c->ex[e];
        const ex_result *er = &cr->ex[e];
        printf("%s\n       {\"index\": %zu, \"direction\": \"%s\", \"ranges\": [", e ? "," : "", e + 1,
               inv_dir_name(x->dir));
        for (size_t r = 0; r < x->nranges; r++) {
            fputs(r ? ", " : "", stdout);
            cli_json_str(stdout, inv_range_text(&x->ranges[r], buf, sizeof buf));
        }
        printf("], \"cycle_ms\": %ld, \"status\": \"%s\", \"verdict\": ", x->cycle_ms,
               ST_NAME[er->status]);
        cli_json_str(stdout, er->verdict);
        fputs(", \"detail\": ", stdout);
        cli_json_str(stdout, er->detail);
        fputs("}", stdout);
    }
    printf("],\n     \"doctor\": %s}%s\n", cr->doctor_json ? cr->doctor_json : "null", last ? "" : ",");
}

int inv_cmd_check(const inv_plant *p, const inv_opts *o)
{
    conn_result *res = calloc(p->nconns ? p->nconns : 1, sizeof *res);
    size_t n = 0, pass = 0, skipped_put = 0;
    char host[256] = "", when[32];
    if (!res) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    gethostname(host, sizeof host - 1);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        int wanted = o->nonly == 0;
        for (size_t k = 0; k < o->nonly; k++)
            if (strcmp(o->only[k], c->name) == 0)
                wanted = 1;
        if (!wanted)
            continue;
        res[n].c = c;
        res[n].verdict = "";
        res[n].ex = calloc(c->nex ? c->nex : 1, sizeof *res[n].ex);
        if (!res[n].ex) {
            fprintf(stderr, "error: out of memory\n");
            break;
        }
        n++;
    }
    int wname = 10, wpath = 20;
    for (size_t i = 0; i < n; i++) {
        const inv_conn *c = res[i].c;
        const inv_partner *pp = &p->partners[c->passive];
        int l = (int)strlen(c->name);
        if (l > wname)
            wname = l;
        l = (int)(strlen(p->partners[c->active].name) + strlen(pp->name) + strlen(pp->address) + 11);
        if (l > wpath)
            wpath = l;
        for (size_t e = 0; e < c->nex; e++) {
            char ex[300];
            ex_text(&c->ex[e], ex, sizeof ex);
            if ((int)strlen(ex) > wpath && strlen(ex) < 70)
                wpath = (int)strlen(ex);
        }
    }
    if (!o->json) {
        printf("s7 inventory check %s: %zu connection%s, checked from %s", p->file, n,
               n == 1 ? "" : "s", host[0] ? host : "this machine");
        if (o->as)
            printf(" standing in for %s", o->as);
        printf("\n%-*s  %-*s  %-18s %s\n", wname, "CONNECTION", wpath, "ACTIVE -> PASSIVE / EXCHANGE",
               "VERDICT", "RESULT");
        fflush(stdout);
    }
    for (size_t i = 0; i < n; i++) {
        check_conn(p, o, &res[i]);
        if (res[i].status == ST_PASS)
            pass++;
        for (size_t e = 0; e < res[i].c->nex; e++)
            if (res[i].c->ex[e].dir == INV_PUT && res[i].ex[e].status == ST_SKIP &&
                !o->allow_write)
                skipped_put++;
        if (!o->json) {
            print_row(p, &res[i], wname, wpath);
            fflush(stdout);
        }
    }
    if (o->json) {
        fputs("{\"inventory\": ", stdout);
        cli_json_str(stdout, p->file);
        fputs(", \"plant\": ", stdout);
        cli_json_str(stdout, p->plant);
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
            json_conn(p, &res[i], i + 1 == n);
        fputs("  ]}\n", stdout);
    } else {
        printf("%zu of %zu connection%s pass", pass, n, n == 1 ? "" : "s");
        if (n - pass)
            printf(", %zu fail", n - pass);
        printf(".\n");
        if (skipped_put)
            printf("%zu PUT exchange%s not written: --allow-write verifies them by writing back the "
                   "bytes just read.\n",
                   skipped_put, skipped_put == 1 ? " was" : "s were");
        printf("The checks ran from %s; the real traffic comes from each connection's active "
               "partner, whose path through the firewalls may differ.\n",
               host[0] ? host : "this machine");
    }
    for (size_t i = 0; i < p->nconns; i++) {
        free(res[i].ex);
        free(res[i].doctor_json);
    }
    free(res);
    return pass == n ? CLI_OK : CLI_FAIL;
}
