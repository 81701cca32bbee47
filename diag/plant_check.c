/* s7kit live plant check (include/s7/plant_check.h): every documented connection of a plant,
 * live, from the machine running it.  An engine on the client and the doctor: per
 * connection the doctor's ladder with the connection's TSAPs and a target per DB / area the
 * exchanges touch, then every exchange read over one client connection (PUT exchanges
 * written back with the bytes just read, only with allow_write).  Returns the results as an
 * s7_plant_check_report; never prints.
 *
 * The checks run from this machine: the documented active partner is where the real
 * traffic comes from, so a firewall may treat the two differently (docs/inventory.md). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"
#include "s7/diag.h"
#include "s7/plant.h"
#include "s7/plant_check.h"

/* Copies a verdict name (static, or another result's) into a result's array. */
#define set_verdict(dst, src) snprintf((dst), sizeof(dst), "%s", (src))

/* ---------------------------------------------------------------- helpers */

static const char *verdict_of_connect(int err)
{
    switch (err) {
    case S7_ERR_RESOLVE:
    case S7_ERR_UNREACH: return s7_diag_verdict_name(S7_DIAG_NO_ROUTE);
    case S7_ERR_REFUSED: return s7_diag_verdict_name(S7_DIAG_PORT_CLOSED);
    case S7_ERR_CONNECT_TIMEOUT: return s7_diag_verdict_name(S7_DIAG_PORT_FILTERED);
    case S7_ERR_CR_REJECTED: return s7_diag_verdict_name(S7_DIAG_CR_REJECTED);
    case S7_ERR_NEGOTIATION: return s7_diag_verdict_name(S7_DIAG_NEGOTIATION_FAILED);
    default: return s7_diag_verdict_name(S7_DIAG_PEER_ERROR);
    }
}

static void client_opts(const s7_plant_conn *c, const s7_plant_check_opts *o, s7_client_opts *co)
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
static size_t targets_of(const s7_plant_conn *c, s7_diag_target *t, size_t cap)
{
    size_t n = 0;
    for (size_t e = 0; e < c->nex; e++)
        for (size_t i = 0; i < c->ex[e].nranges; i++) {
            const s7_plant_range *r = &c->ex[e].ranges[i];
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
static const char *range_failure(s7_client *s, const s7_plant_range *r, int rc, const s7_item *it,
                                 const char *what, char *detail, size_t cap)
{
    char rt[64];
    s7_plant_range_text(r, rt, sizeof rt);
    if (rc != S7_ERR_ITEM && rc != S7_ERR_PLC) {
        const char *why = s7_client_peer_problem(s);
        if (why[0])
            snprintf(detail, cap, "%s %s: the answer does not conform to the request: %s", what, rt,
                     why);
        else
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
            if (lr == S7_ERR_ITEM && s7_client_last_error(s)->code == S7_RC_ADDR_OUT_OF_RANGE) {
                snprintf(detail, cap,
                         "%s %s: DB%u refuses absolute access even at offset 0: it is "
                         "optimized",
                         what, rt, r->db);
                return s7_diag_verdict_name(S7_DIAG_DB_OPTIMIZED);
            }
            if (lr < 0) {
                /* the length could not be found out: no verdict about the DB from 0x05 */
                snprintf(detail, cap,
                         "%s %s: address out of range (item 0x05), and DB%u's length could not "
                         "be read: %s",
                         what, rt, r->db, s7_strerror(lr));
                return s7_diag_verdict_name(S7_DIAG_PEER_ERROR);
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
static void check_exchange(s7_client *s, const s7_plant_exchange *x, int allow_write,
                           s7_plant_check_ex *er)
{
    size_t total = 0;
    er->status = S7_PLANT_PASS;
    set_verdict(er->verdict, s7_diag_verdict_name(S7_DIAG_OK));
    for (size_t i = 0; i < x->nranges; i++) {
        const s7_plant_range *r = &x->ranges[i];
        uint8_t *buf = malloc(r->length), *again = malloc(r->length);
        s7_item it;
        int rc;
        if (!buf || !again) {
            free(buf);
            free(again);
            er->status = S7_PLANT_FAIL;
            set_verdict(er->verdict, "");
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
        if (rc == 0 && x->dir == S7_PLANT_PUT && allow_write) {
            /* the same bytes back: the process sees no change */
            s7_item w = it;
            w.status = 0;
            w.rc = 0;
            rc = s7_client_write(s, &w, 1);
            if (rc < 0) {
                set_verdict(er->verdict,
                            range_failure(s, r, rc, &w, "writing", er->detail, sizeof er->detail));
                er->status = S7_PLANT_FAIL;
            } else {
                s7_item a = it;
                a.buf = again;
                a.status = 0;
                rc = s7_client_read(s, &a, 1);
                if (rc < 0) {
                    set_verdict(er->verdict, range_failure(s, r, rc, &a, "reading back", er->detail,
                                                           sizeof er->detail));
                    er->status = S7_PLANT_FAIL;
                } else if (memcmp(buf, again, r->length) != 0) {
                    /* not ours: the process changed it in between; we wrote what it held */
                    char rt[64];
                    snprintf(er->detail, sizeof er->detail,
                             "%s changed between the read and the read-back (written back as "
                             "read: the process writes it too)",
                             s7_plant_range_text(r, rt, sizeof rt));
                }
            }
        } else if (rc < 0) {
            set_verdict(er->verdict,
                        range_failure(s, r, rc, &it, "reading", er->detail, sizeof er->detail));
            er->status = S7_PLANT_FAIL;
        }
        free(buf);
        free(again);
        if (er->status == S7_PLANT_FAIL)
            return;
        total += r->length;
    }
    if (x->dir == S7_PLANT_PUT && !allow_write) {
        er->status = S7_PLANT_SKIP;
        set_verdict(er->verdict, "");
        snprintf(er->detail, sizeof er->detail,
                 "%zu bytes readable; not written (--allow-write writes back the bytes it read)",
                 total);
    } else if (!er->detail[0]) {
        snprintf(er->detail, sizeof er->detail,
                 x->dir == S7_PLANT_PUT
                     ? "%zu bytes read, the same bytes written back and read back "
                       "unchanged"
                     : "%zu bytes read",
                 total);
    }
}

/* The doctor, then the exchanges, for one connection. */
static void check_conn(const s7_plant *p, const s7_plant_check_opts *o, s7_plant_check_conn *cr)
{
    const s7_plant_conn *c = cr->conn;
    const s7_plant_partner *pp = &p->partners[c->passive];
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
    d.expect_profile = pp->profile; /* the documented CPU: profile_mismatch otherwise */
    int v = s7_doctor(&d, &rep);
    if (v < 0) {
        cr->status = S7_PLANT_FAIL;
        set_verdict(cr->verdict, "");
        snprintf(cr->detail, sizeof cr->detail, "the doctor could not run: %s", s7_strerror(v));
        for (size_t e = 0; e < c->nex; e++) {
            cr->ex[e].status = S7_PLANT_SKIP;
            set_verdict(cr->ex[e].verdict, "");
            snprintf(cr->ex[e].detail, sizeof cr->ex[e].detail, "not checked");
        }
        return;
    }
    cr->doctor_json = s7_diag_report_json(&rep);
    set_verdict(cr->verdict, s7_diag_verdict_name(v));
    cr->status = v == S7_DIAG_OK ? S7_PLANT_PASS : S7_PLANT_FAIL;
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
            cr->ex[e].status = S7_PLANT_SKIP;
            set_verdict(cr->ex[e].verdict, cr->verdict);
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
        s7_plant_check_ex *er = &cr->ex[e];
        if (rc < 0) {
            er->status = S7_PLANT_FAIL;
            set_verdict(er->verdict, verdict_of_connect(rc));
            snprintf(er->detail, sizeof er->detail, "connecting again failed: %s", s7_strerror(rc));
        } else {
            check_exchange(s, &c->ex[e], o->allow_write, er);
        }
        if (er->status == S7_PLANT_FAIL && cr->status == S7_PLANT_PASS) {
            cr->status = S7_PLANT_FAIL;
            set_verdict(cr->verdict, er->verdict[0] ? er->verdict : "peer_error");
            snprintf(cr->detail, sizeof cr->detail, "exchange %zu: %s", e + 1, er->detail);
        }
    }
    s7_client_free(s);
}

/* ---------------------------------------------------------------- the check */

void s7_plant_check_opts_init(s7_plant_check_opts *o) { memset(o, 0, sizeof *o); }

static int wanted(const s7_plant_check_opts *o, const char *name)
{
    if (!o || !o->nonly)
        return 1;
    for (size_t k = 0; k < o->nonly; k++)
        if (strcmp(o->only[k], name) == 0)
            return 1;
    return 0;
}

int s7_plant_check(const s7_plant *p, const s7_plant_check_opts *o, s7_plant_check_report **out)
{
    s7_plant_check_opts def;
    size_t n = 0;
    *out = NULL;
    if (!o) {
        s7_plant_check_opts_init(&def);
        o = &def;
    }
    for (size_t k = 0; k < o->nonly; k++)
        if (!s7_plant_find_conn(p, o->only[k]))
            return S7_ERR_INVAL;
    for (size_t i = 0; i < p->nconns; i++)
        n += (size_t)wanted(o, p->conns[i].name);
    s7_plant_check_report *r = s7_plant_check_report_new(n);
    if (!r)
        return S7_ERR_NOMEM;
    r->allow_write = o->allow_write;
    n = 0;
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        if (!wanted(o, c->name))
            continue;
        s7_plant_check_conn *cc = &r->conns[n++];
        cc->conn = c;
        snprintf(cc->name, sizeof cc->name, "%s", c->name);
        if (s7_plant_check_conn_alloc_ex(cc, c->nex)) {
            s7_plant_check_report_free(r);
            return S7_ERR_NOMEM;
        }
    }
    for (size_t i = 0; i < r->nconns; i++) {
        check_conn(p, o, &r->conns[i]);
        if (r->conns[i].status == S7_PLANT_PASS)
            r->passed++;
        else
            r->failed++;
        if (o->on_conn)
            o->on_conn(o->ctx, r, i);
    }
    *out = r;
    return 0;
}
