/* s7kit live plant check (include/s7/plant_check.h): every documented connection of a plant,
 * live, from the machine running it.  An engine on the client and the doctor: per
 * connection the doctor's ladder with the connection's TSAPs and a target per DB / area the
 * exchanges touch, then every exchange read over one client connection (PUT exchanges
 * written back with the bytes just read, only with allow_write).  Returns the results as an
 * s7_plant_check_report; never prints.
 *
 * Where from: the documented active partner is where the real traffic comes from, and a
 * firewall treats other sources differently.  So each check binds the active partner's
 * address (or o->as's) when this machine holds it, records time, host and source address,
 * and a connection not checked from its active partner is unproven rather than passed
 * (docs/inventory.md).
 *
 * The active side: a connection whose active partner is a documented CPU moves nothing
 * while that CPU is in STOP (its program, which calls the GET/PUT, does not run), even though
 * its passive partner answers.  So the mode of each active CPU is taken from the doctor's
 * reading when it was the passive partner of a connection checked before, or read once per
 * check over a connection documented to it, and a connection whose active CPU is in STOP
 * fails with cpu_stopped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "s7/net.h"

#include "s7/client.h"
#include "s7/diag.h"
#include "s7/plant.h"
#include "s7/plant_check.h"
#include "util/text.h"

#include "diag/internal.h"

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

int s7_plant_check_holds(const char *address)
{
    return address && *address && s7_tcp_source_check(address) == 0;
}

/* Where the check of connection cr runs from: the address of the active partner, or of
 * o->as, bound when this machine holds it (*bind set to it), else whatever the kernel picks
 * towards the passive partner.  Fills time, host, netns, source, from_partner and
 * from_active. */
static void where_from(const s7_plant *p, const s7_plant_check_opts *o, s7_plant_check_conn *cr,
                       const char **bind)
{
    const s7_plant_conn *c = cr->conn;
    const s7_plant_partner *ap = &p->partners[c->active], *pp = &p->partners[c->passive];
    const s7_plant_partner *fp = o->as ? s7_plant_find_partner(p, o->as) : ap;
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(cr->time, sizeof cr->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (gethostname(cr->host, sizeof cr->host - 1) != 0)
        cr->host[0] = 0;
    snprintf(cr->netns, sizeof cr->netns, "%s", o->netns ? o->netns : "");
    *bind = NULL;
    if (fp && s7_plant_check_holds(fp->address)) {
        *bind = fp->address;
        snprintf(cr->source, sizeof cr->source, "%s", fp->address);
    } else if (s7_tcp_source_for(pp->address, pp->port, NULL, cr->source, sizeof cr->source) < 0) {
        cr->source[0] = 0;
    }
    /* the partner whose address the source is (the kernel may pick the right one itself) */
    const s7_plant_partner *sp = NULL;
    if (*bind)
        sp = fp;
    else
        for (size_t i = 0; cr->source[0] && i < p->npartners; i++)
            if (strcmp(p->partners[i].address, cr->source) == 0 && (!sp || &p->partners[i] == ap))
                sp = &p->partners[i];
    snprintf(cr->from_partner, sizeof cr->from_partner, "%s", sp ? sp->name : "");
    cr->from_active = sp == ap;
}

/* A result not made from the active partner proves nothing about the path: what would pass,
 * and what failed on the way to the CPU (the firewall may drop this host by design), is
 * unproven.  What the CPU itself refused stays a failure. */
static void unproven_unless_active(const s7_plant *p, s7_plant_check_conn *cr, int v)
{
    const s7_plant_conn *c = cr->conn;
    const s7_plant_partner *ap = &p->partners[c->active];
    if (cr->from_active)
        return;
    int network = cr->status != S7_PLANT_PASS && (v < 0 || s7_diag_verdict_class(v) == 3);
    if (cr->status != S7_PLANT_PASS && !network)
        return;
    char where[200];
    if (cr->from_partner[0])
        snprintf(where, sizeof where, "from %s's address %s", cr->from_partner, cr->source);
    else if (cr->source[0])
        snprintf(where, sizeof where, "from %s, no address of a partner", cr->source);
    else
        snprintf(where, sizeof where, "from an unknown source address");
    snprintf(cr->unproven, sizeof cr->unproven,
             "checked %s on %s, not from the active partner %s (%s): the path its traffic "
             "takes through the firewalls was not tried%s",
             where, cr->host[0] ? cr->host : "this machine", ap->name,
             ap->address[0] ? ap->address : "no address documented",
             cr->status == S7_PLANT_PASS ? "" : "; the failure seen from here may be by design");
    cr->status = S7_PLANT_UNPROVEN;
}

static const char *area_word(uint8_t area)
{
    return area == S7_AREA_I ? "I" : area == S7_AREA_Q ? "Q" : area == S7_AREA_M ? "M" : "DB";
}

size_t s7_plant_check_targets(const s7_plant_conn *c, s7_diag_target *t, size_t cap)
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
        size_t nb = s7_plant_range_bytes(r);
        uint8_t *buf = malloc(nb), *again = malloc(nb);
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
                } else if (memcmp(buf, again, nb) != 0) {
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
        total += nb;
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
/* A refused CR whose cause is a wrong rack/slot or TSAP, with an alternative the CPU accepts:
 * the doctor's fix names command-line options ("use --rack 0 --slot 2 --type pg"), which
 * s7 inventory check and monitor do not take; what is wrong is the inventory, so the fix
 * names the keys to write and where (FILE:LINE). */
static void inventory_cr_fix(const s7_plant *p, const s7_plant_conn *c, const s7_diag_report *rep,
                             char *fix, size_t cap)
{
    static const char *const tn[] = {"?", "pg", "op", "basic"};
    if (rep->cr_cause != S7_DIAG_CR_WRONG_TSAP || rep->alt_best < 0 ||
        (size_t)rep->alt_best >= rep->nalts)
        return;
    const s7_diag_alt *a = &rep->alts[rep->alt_best];
    const s7_plant_partner *pp = &p->partners[c->passive];
    const char *file = p->file ? p->file : "the inventory";
    char documented[64], want[96], where[320], target[80];
    if (c->explicit_tsap)
        snprintf(documented, sizeof documented, "TSAPs %04X:%04X", c->local_tsap, c->remote_tsap);
    else
        snprintf(documented, sizeof documented, "rack %d slot %d", c->rack, c->slot);
    int rackslot = a->kind == S7_DIAG_ALT_RACKSLOT && a->type >= 1 && a->type <= 3 &&
                   a->local_tsap == 0x0100 &&
                   s7_tsap_make((uint8_t)a->type, a->rack, a->slot) == a->remote_tsap;
    if (rackslot)
        snprintf(want, sizeof want, "rack: %u and slot: %u", a->rack, a->slot);
    else
        snprintf(want, sizeof want, "tsap: \"%04X:%04X\"", a->local_tsap, a->remote_tsap);
    if (c->explicit_tsap && c->tsap_line > 0) /* the connection's own tsap: is the wrong one */
        snprintf(where, sizeof where, "in connection %s (%s:%d, instead of its tsap)", c->name,
                 file, c->tsap_line);
    else if (pp->line > 0)
        snprintf(where, sizeof where, "in partner %s's entry (%s:%d)%s", pp->name, file, pp->line,
                 c->explicit_tsap && rackslot ? ", instead of its tsap" : "");
    else
        snprintf(where, sizeof where, "in partner %s's entry", pp->name);
    char also[320] = "";
    if (rackslot && c->type >= 1 && c->type <= 3 && (int)a->type != c->type) {
        if (c->line > 0)
            snprintf(also, sizeof also, ", and type: %s in connection %s (%s:%d)", tn[a->type],
                     c->name, file, c->line);
        else
            snprintf(also, sizeof also, ", and type: %s in connection %s", tn[a->type], c->name);
    }
    if (strchr(pp->address, ':'))
        snprintf(target, sizeof target, "[%s]:%u", pp->address, (unsigned)pp->port);
    else if (pp->port != 102)
        snprintf(target, sizeof target, "%s:%u", pp->address, (unsigned)pp->port);
    else
        snprintf(target, sizeof target, "%s", pp->address);
    char from_profile[160] = "";
    if (!c->explicit_tsap && pp->slot < 0 && pp->profile)
        snprintf(from_profile, sizeof from_profile,
                 " (the rack/slot came from its profile %s: if the CPU is another model, correct "
                 "the profile instead)",
                 pp->profile);
    s7__errf(fix, cap,
             "the inventory documents %s for %s, which the CPU refuses; write %s %s%s%s (and "
             "in the connection configuration of the partners that dial it) and check again; "
             "s7 discover %s lists every pair that works",
             documented, pp->name, want, where, also, from_profile, target);
}

static void check_conn(const s7_plant *p, const s7_plant_check_opts *o, s7_plant_check_conn *cr)
{
    const s7_plant_conn *c = cr->conn;
    const s7_plant_partner *pp = &p->partners[c->passive];
    s7_diag_target t[64];
    s7_doctor_opts d;
    s7_diag_report rep;
    const char *bind = NULL;
    memset(&rep, 0, sizeof rep);
    where_from(p, o, cr, &bind);
    s7_doctor_opts_init(&d);
    d.host = pp->address;
    d.port = pp->port;
    client_opts(c, o, &d.client);
    if (bind)
        snprintf(d.client.source_addr, sizeof d.client.source_addr, "%s", bind);
    d.ntargets = s7_plant_check_targets(c, t, sizeof t / sizeof t[0]);
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
        unproven_unless_active(p, cr, -1);
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
        if (v == S7_DIAG_CR_REJECTED)
            inventory_cr_fix(p, c, &rep, cr->fix, sizeof cr->fix);
    } else {
        snprintf(cr->detail, sizeof cr->detail, "connected in %d ms, PDU %u, PUT/GET permitted",
                 rep.total_ms, rep.pdu);
    }
    if (rep.have_identity) {
        snprintf(cr->cpu_order, sizeof cr->cpu_order, "%s", rep.identity.order_code);
        snprintf(cr->cpu_module, sizeof cr->cpu_module, "%s", rep.identity.module_name);
        snprintf(cr->cpu_serial, sizeof cr->cpu_serial, "%s", rep.identity.serial);
        snprintf(cr->cpu_version, sizeof cr->cpu_version, "%s", rep.identity.version);
    }
    if (rep.connected && rep.cpu_state != S7_CPU_UNKNOWN)
        snprintf(cr->cpu_state, sizeof cr->cpu_state, "%s", s7_cpu_state_name(rep.cpu_state));
    cr->put_get = rep.put_get;
    cr->conn_used = rep.caps.used_connections;
    cr->conn_max = rep.caps.max_connections;
    if (!rep.connected)
        cr->conn_used = cr->conn_max = -1;
    int no_session = s7_diag_verdict_class(v) == 3;
    s7_diag_report_free(&rep);
    if (no_session) {
        for (size_t e = 0; e < c->nex; e++) {
            cr->ex[e].status = S7_PLANT_SKIP;
            set_verdict(cr->ex[e].verdict, cr->verdict);
            snprintf(cr->ex[e].detail, sizeof cr->ex[e].detail,
                     "not checked: no S7 connection (%s)", cr->verdict);
        }
        unproven_unless_active(p, cr, v);
        return;
    }
    /* connected: every exchange over one client connection */
    s7_client_opts co;
    client_opts(c, o, &co);
    if (bind)
        snprintf(co.source_addr, sizeof co.source_addr, "%s", bind);
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
        if (v == S7_DIAG_CPU_STOPPED && er->status == S7_PLANT_PASS) {
            /* read fine, but nothing produces the values any more: the exchange is dead */
            char was[sizeof er->detail];
            snprintf(was, sizeof was, "%s", er->detail);
            er->status = S7_PLANT_FAIL;
            set_verdict(er->verdict, cr->verdict);
            snprintf(er->detail, sizeof er->detail,
                     "%.400s, but %s is in STOP: the values are frozen, its program does not "
                     "produce or act on them",
                     was, pp->name);
        }
        if (er->status == S7_PLANT_FAIL && cr->status == S7_PLANT_PASS) {
            cr->status = S7_PLANT_FAIL;
            set_verdict(cr->verdict, er->verdict[0] ? er->verdict : "peer_error");
            snprintf(cr->detail, sizeof cr->detail, "exchange %zu: %s", e + 1, er->detail);
        }
    }
    s7_client_free(s);
    unproven_unless_active(
        p, cr, cr->status == S7_PLANT_PASS ? S7_DIAG_OK : s7_diag_verdict_parse(cr->verdict));
}

/* ---------------------------------------------------------------- the active CPU's mode */

enum { MODE_UNKNOWN = 0, MODE_NOT_STOP = 1, MODE_STOP = 2, MODE_UNREADABLE = 3 };

/* The mode of partner a (mode[a], read once): from a connection documented to it, with that
 * connection's TSAPs. */
static int active_mode(const s7_plant *p, const s7_plant_check_opts *o, size_t a, int *mode)
{
    if (mode[a] != MODE_UNKNOWN)
        return mode[a];
    mode[a] = MODE_UNREADABLE;
    const s7_plant_conn *via = NULL;
    for (size_t i = 0; i < p->nconns && !via; i++)
        if (p->conns[i].passive == a)
            via = &p->conns[i];
    const s7_plant_partner *pt = &p->partners[a];
    if (!via || !pt->address[0])
        return mode[a];
    s7_client_opts co;
    client_opts(via, o, &co);
    s7_client *cl = s7_client_new(&co);
    int st = S7_CPU_UNKNOWN;
    if (cl && s7_client_connect(cl, pt->address, pt->port) == 0 &&
        s7_client_cpu_state(cl, &st) == 0 && st != S7_CPU_UNKNOWN)
        mode[a] = st == S7_CPU_STOP ? MODE_STOP : MODE_NOT_STOP;
    s7_client_free(cl);
    return mode[a];
}

/* Connection cr fails with cpu_stopped when its active partner is a CPU in STOP. */
static void check_active(const s7_plant *p, const s7_plant_check_opts *o, s7_plant_check_conn *cr,
                         int *mode)
{
    const s7_plant_conn *c = cr->conn;
    const s7_plant_partner *ap = &p->partners[c->active];
    if (cr->cpu_state[0]) /* the doctor read the passive partner's mode */
        mode[c->passive] =
            strcmp(cr->cpu_state, s7_cpu_state_name(S7_CPU_STOP)) == 0 ? MODE_STOP : MODE_NOT_STOP;
    if (!s7_plant_partner_has_role(ap, S7_PLANT_KIND_PLC) ||
        active_mode(p, o, c->active, mode) != MODE_STOP)
        return;
    if (cr->status == S7_PLANT_FAIL) {
        /* failed already (the passive side's fault leads): the STOP is said beside it, and
         * what was not failed yet is not run either */
        s7__cat(cr->detail, sizeof cr->detail,
                "; besides, the active partner %s (%s) is in STOP: nothing is exchanged until "
                "it runs again",
                ap->name, ap->address);
        s7__cat(cr->fix, sizeof cr->fix,
                "; then PLC operator of %s: remove the cause of its STOP (s7 doctor %s) and "
                "switch it to RUN",
                ap->name, ap->address);
        for (size_t e = 0; e < c->nex; e++) {
            if (cr->ex[e].status == S7_PLANT_FAIL)
                continue;
            cr->ex[e].status = S7_PLANT_FAIL;
            set_verdict(cr->ex[e].verdict, s7_diag_verdict_name(S7_DIAG_CPU_STOPPED));
            snprintf(cr->ex[e].detail, sizeof cr->ex[e].detail,
                     "not run: the active partner %s is in STOP", ap->name);
        }
        return;
    }
    cr->status = S7_PLANT_FAIL;
    cr->unproven[0] = 0;
    set_verdict(cr->verdict, s7_diag_verdict_name(S7_DIAG_CPU_STOPPED));
    snprintf(cr->detail, sizeof cr->detail,
             "the active partner %s (%s) is in STOP: %s answers, but nothing is exchanged",
             ap->name, ap->address, p->partners[c->passive].name);
    snprintf(cr->cause, sizeof cr->cause,
             "%s, the CPU that runs this connection's GET/PUT, is in STOP: its program does not "
             "run, so no GET or PUT is called and the data stands still on both sides",
             ap->name);
    snprintf(cr->fix, sizeof cr->fix,
             "PLC operator of %s: read its diagnostic buffer (s7 doctor %s), remove the cause of "
             "the STOP and switch it to RUN",
             ap->name, ap->address);
    for (size_t e = 0; e < c->nex; e++) {
        cr->ex[e].status = S7_PLANT_FAIL;
        set_verdict(cr->ex[e].verdict, cr->verdict);
        snprintf(cr->ex[e].detail, sizeof cr->ex[e].detail,
                 "not run: the active partner %s is in STOP", ap->name);
    }
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
    if (o->as && !s7_plant_find_partner(p, o->as))
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
    int *mode = calloc(p->npartners ? p->npartners : 1, sizeof *mode);
    if (!mode) {
        s7_plant_check_report_free(r);
        return S7_ERR_NOMEM;
    }
    for (size_t i = 0; i < r->nconns; i++) {
        check_conn(p, o, &r->conns[i]);
        check_active(p, o, &r->conns[i], mode);
        if (r->conns[i].status == S7_PLANT_PASS)
            r->passed++;
        else if (r->conns[i].status == S7_PLANT_UNPROVEN)
            r->unproven++;
        else
            r->failed++;
        if (o->on_conn)
            o->on_conn(o->ctx, r, i);
    }
    free(mode);
    *out = r;
    return 0;
}
