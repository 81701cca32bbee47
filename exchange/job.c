/* The exchange job model (include/s7/exchange.h): the connection table, GET/PUT jobs, their
 * validation against the PDU, the one-line spelling and the STATUS table of the GET/PUT
 * instructions.  Data and text only: no sockets, no clock. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/status.h"
#include "s7/exchange.h"
#include "s7/plant.h"
#include "net/host.h"
#include "s7/wire.h"
#include "util/text.h"
#include "util/hot.h"

/* ---------------------------------------------------------------- tables */

void s7_exchange_init(s7_exchange *x) { memset(x, 0, sizeof *x); }

void s7_exchange_free(s7_exchange *x)
{
    if (!x)
        return;
    free(x->conns);
    free(x->jobs);
    memset(x, 0, sizeof *x);
}

void s7_xconn_init(s7_xconn *c)
{
    memset(c, 0, sizeof *c);
    c->slot = 1;
    c->type = S7_CONN_PG;
    c->local_tsap = 0x0100;
    c->pdu = S7_XPDU_DEFAULT;
    c->side = S7_XCONN_ACTIVE;
}

void s7_xjob_init(s7_xjob *j)
{
    memset(j, 0, sizeof *j);
    j->kind = S7_XJOB_GET;
    j->trigger = S7_XTRIG_CYCLIC;
    j->cycle_ms = 1000;
}

const char *s7_xjob_kind_name(s7_xjob_kind k)
{
    switch (k) {
    case S7_XJOB_GET: return "get";
    case S7_XJOB_PUT: return "put";
    case S7_XJOB_BSEND: return "bsend";
    case S7_XJOB_BRCV: return "brcv";
    case S7_XJOB_USEND: return "usend";
    case S7_XJOB_URCV: return "urcv";
    }
    return "unknown";
}

s7_xconn *s7_exchange_conn(const s7_exchange *x, uint16_t id)
{
    for (size_t i = 0; i < x->nconns; i++)
        if (x->conns[i].id == id)
            return &x->conns[i];
    return NULL;
}

s7_xconn *s7_exchange_conn_by_name(const s7_exchange *x, const char *name)
{
    if (!name || !*name)
        return NULL;
    for (size_t i = 0; i < x->nconns; i++)
        if (strcmp(x->conns[i].name, name) == 0)
            return &x->conns[i];
    return NULL;
}

s7_xjob *s7_exchange_job(const s7_exchange *x, const char *name)
{
    for (size_t i = 0; i < x->njobs; i++)
        if (strcmp(x->jobs[i].name, name) == 0)
            return &x->jobs[i];
    return NULL;
}

static uint16_t free_id(const s7_exchange *x)
{
    for (unsigned id = 1; id <= 0x0FFF; id++)
        if (!s7_exchange_conn(x, (uint16_t)id))
            return (uint16_t)id;
    return 0;
}

s7_xconn *s7_exchange_add_conn(s7_exchange *x, const s7_xconn *c)
{
    s7_xconn *n = realloc(x->conns, (x->nconns + 1) * sizeof *n);
    if (!n)
        return NULL;
    x->conns = n;
    s7_xconn *e = &n[x->nconns];
    *e = *c;
    if (!e->id)
        e->id = free_id(x);
    x->nconns++;
    return e;
}

s7_xjob *s7_exchange_add_job(s7_exchange *x, const s7_xjob *j)
{
    s7_xjob *n = realloc(x->jobs, (x->njobs + 1) * sizeof *n);
    if (!n)
        return NULL;
    x->jobs = n;
    n[x->njobs] = *j;
    return &n[x->njobs++];
}

static int same_partner(const s7_xconn *a, const s7_xconn *b)
{
    return strcmp(a->host, b->host) == 0 && a->port == b->port && a->rack == b->rack &&
           a->slot == b->slot && a->type == b->type && a->remote_tsap == b->remote_tsap &&
           (!a->remote_tsap || a->local_tsap == b->local_tsap) && a->pdu == b->pdu &&
           a->side == b->side;
}

/* The first setting in which a and b differ, as "slot 2 against 1" (a's, then b's). */
static void partner_diff(const s7_xconn *a, const s7_xconn *b, char *out, size_t cap)
{
    if (strcmp(a->host, b->host) != 0)
        snprintf(out, cap, "the address %.100s against %.100s", a->host, b->host);
    else if (a->port != b->port)
        snprintf(out, cap, "port %u against %u", a->port ? a->port : 102, b->port ? b->port : 102);
    else if (a->rack != b->rack)
        snprintf(out, cap, "rack %u against %u", a->rack, b->rack);
    else if (a->slot != b->slot)
        snprintf(out, cap, "slot %u against %u", a->slot, b->slot);
    else if (a->type != b->type)
        snprintf(out, cap, "type %s against %s", s7_plant_type_name((int)a->type),
                 s7_plant_type_name((int)b->type));
    else if (a->remote_tsap != b->remote_tsap || a->local_tsap != b->local_tsap)
        snprintf(out, cap, "TSAPs %04X:%04X against %04X:%04X", a->local_tsap, a->remote_tsap,
                 b->local_tsap, b->remote_tsap);
    else if (a->pdu != b->pdu)
        snprintf(out, cap, "PDU %u against %u", a->pdu, b->pdu);
    else
        snprintf(out, cap, "its side");
}

s7_xconn *s7_exchange_conn_for(s7_exchange *x, const s7_xconn *partner)
{
    for (size_t i = 0; i < x->nconns; i++)
        if (same_partner(&x->conns[i], partner) && (!partner->id || partner->id == x->conns[i].id))
            return &x->conns[i];
    return s7_exchange_add_conn(x, partner);
}

/* ---------------------------------------------------------------- PDU limits */

uint32_t s7_xjob_payload_limit(s7_xjob_kind kind, unsigned nareas, uint16_t pdu)
{
    long lim;
    if (nareas < 1)
        nareas = 1;
    if (kind == S7_XJOB_GET) {
        if (12 + 12 * (long)nareas > pdu)
            return 0;
        lim = (long)pdu - 14 - 4 * (long)nareas;
    } else if (kind == S7_XJOB_PUT) {
        lim = (long)pdu - 12 - 16 * (long)nareas;
    } else {
        return 0;
    }
    return lim > 0 ? (uint32_t)lim : 0;
}

/* Bytes area i moves on the wire (a single BOOL: one byte). */
static uint32_t area_bytes(const s7_xjob *j, unsigned i)
{
    return s7_tag_wire_size(&j->areas[i].remote);
}

/* Data bytes, fill bytes. */
S7_HOT static void job_bytes(const s7_xjob *j, uint32_t *data, uint32_t *fills)
{
    *data = *fills = 0;
    for (unsigned i = 0; i < j->nareas && i < S7_XJOB_AREAS; i++) {
        uint32_t b = area_bytes(j, i);
        *data += b;
        if ((b & 1) && i + 1 < j->nareas)
            (*fills)++;
    }
}

/* The PDU bytes a Write Var (write != 0) or Read Var of j's areas takes: request, reply, and
 * the larger of the two. */
S7_HOT static uint32_t var_need(const s7_xjob *j, int write, uint32_t *request, uint32_t *reply)
{
    uint32_t data, fills, n = j->nareas, req, rep;
    job_bytes(j, &data, &fills);
    if (write) {
        req = 12 + 12 * n + 4 * n + data + fills;
        rep = 14 + n;
    } else {
        req = 12 + 12 * n;
        rep = 14 + 4 * n + data + fills;
    }
    if (request)
        *request = req;
    if (reply)
        *reply = rep;
    return req > rep ? req : rep;
}

S7_HOT uint32_t s7_xjob_pdu_need(const s7_xjob *j, uint32_t *request, uint32_t *reply)
{
    return var_need(j, j->kind == S7_XJOB_PUT, request, reply);
}

uint32_t s7_xjob_local_need(const s7_xjob *j)
{
    /* the local side moves the same bytes the other way (its areas are as long: checked): a
     * GET writes its RD areas, a PUT reads its SD areas */
    return var_need(j, j->kind == S7_XJOB_GET, NULL, NULL);
}

/* ---------------------------------------------------------------- validation */

static const char *area_name(uint8_t a)
{
    switch (a) {
    case S7_AREA_DB: return "DB";
    case S7_AREA_I: return "I";
    case S7_AREA_Q: return "Q";
    case S7_AREA_M: return "M";
    case S7_AREA_T: return "T";
    case S7_AREA_C: return "C";
    case S7_AREA_DI: return "DI";
    case S7_AREA_P: return "P";
    default: return "another area";
    }
}

/* "WHERE: job NAME" prefix into buf. */
static const char *job_tag(const s7_xjob *j, char *buf, size_t cap)
{
    if (j->where[0])
        snprintf(buf, cap, "%s: job %s", j->where, j->name[0] ? j->name : "(unnamed)");
    else
        snprintf(buf, cap, "job %s", j->name[0] ? j->name : "(unnamed)");
    return buf;
}

static int is_bool1(const s7_tag *t) { return t->type == S7_T_BOOL && t->count <= 1 && !t->array; }

/* "a bit", "1 byte", "32 bytes". */
static const char *size_text(const s7_tag *t, char *buf, size_t cap)
{
    uint32_t n = s7_tag_size(t);
    if (is_bool1(t))
        snprintf(buf, cap, "a bit");
    else
        snprintf(buf, cap, "%u byte%s", n, n == 1 ? "" : "s");
    return buf;
}

static int local_area_ok(uint8_t a)
{
    return a == S7_AREA_DB || a == S7_AREA_I || a == S7_AREA_Q || a == S7_AREA_M;
}

static int check_output(const char *jt, const char *what, const s7_tag *t, int want_word, char *err,
                        size_t errcap)
{
    char f[80];
    s7_tag_format(t, f, sizeof f);
    if (!local_area_ok(t->area))
        return s7__errf(err, errcap,
                        "%s: %s %s is not in local memory this CPU's program sees: use a DB, I, Q "
                        "or M address",
                        jt, what, f);
    if (want_word && (is_bool1(t) || s7_tag_size(t) != 2))
        return s7__errf(err, errcap,
                        "%s: %s %s is not a WORD: give a word address, e.g. MW12 or DB40.DBW34", jt,
                        what, f);
    if (!want_word && !is_bool1(t))
        return s7__errf(err, errcap,
                        "%s: %s %s is not a bit: give a BOOL address, e.g. M10.1 or DB40.DBX32.0",
                        jt, what, f);
    return 0;
}

/* The job's outputs, each where configured: done_name (DONE or NDR) and ERROR bits, the
 * STATUS word.  0, or the first error. */
/* Job j's trigger: a cycle of 1 ms..24 h, or a REQ bit that can be read; 0 or the error. */
static int check_trigger(const s7_xjob *j, const char *jt, char *err, size_t errcap)
{
    if (j->trigger == S7_XTRIG_CYCLIC) {
        if (j->cycle_ms < 1 || j->cycle_ms > 86400000L)
            return s7__errf(err, errcap, "%s: cycle %ld ms is outside 1 ms..24 h: e.g. every 100ms",
                            jt, j->cycle_ms);
        return 0;
    }
    if (j->trigger == S7_XTRIG_REQ)
        return check_output(jt, "REQ", &j->req, 0, err, errcap);
    return s7__errf(err, errcap, "%s: no trigger: give every DURATION or on BIT", jt);
}

static int check_outputs(const s7_xjob *j, const char *jt, const char *done_name, char *err,
                         size_t errcap)
{
    if (j->has_done) {
        int rc = check_output(jt, done_name, &j->done, 0, err, errcap);
        if (rc)
            return rc;
    }
    if (j->has_error) {
        int rc = check_output(jt, "ERROR", &j->error, 0, err, errcap);
        if (rc)
            return rc;
    }
    if (j->has_status)
        return check_output(jt, "STATUS", &j->status, 1, err, errcap);
    return 0;
}

/* 1 when local tags a and b share memory: the same area (and DB), overlapping bytes, and
 * for two single bits the same bit. */
static int tags_meet(const s7_tag *a, const s7_tag *b)
{
    if (a->area != b->area || (a->area == S7_AREA_DB && a->db != b->db))
        return 0;
    uint32_t an = is_bool1(a) ? 1 : s7_tag_size(a), bn = is_bool1(b) ? 1 : s7_tag_size(b);
    if (a->byte >= b->byte + bn || b->byte >= a->byte + an)
        return 0;
    return !(is_bool1(a) && is_bool1(b) && a->bit != b->bit);
}

/* The REQ bit and the outputs of job j may not lie in its own local areas (RD_i / SD_i):
 * the STATUS written every scan would overwrite the data received (or send itself), REQ in
 * RD would be overwritten by the data; nor in one another. */
static int check_overlap(const s7_xjob *j, const char *jt, const char *done_name, char *err,
                         size_t errcap)
{
    const s7_tag *t[4];
    const char *tn[4];
    int n = 0;
    if (j->trigger == S7_XTRIG_REQ) {
        t[n] = &j->req;
        tn[n++] = "REQ";
    }
    if (j->has_done) {
        t[n] = &j->done;
        tn[n++] = done_name;
    }
    if (j->has_error) {
        t[n] = &j->error;
        tn[n++] = "ERROR";
    }
    if (j->has_status) {
        t[n] = &j->status;
        tn[n++] = "STATUS";
    }
    int get = j->kind == S7_XJOB_GET || j->kind == S7_XJOB_BRCV || j->kind == S7_XJOB_URCV;
    char f1[80], f2[80];
    for (int k = 0; k < n; k++) {
        for (unsigned i = 0; i < j->nareas; i++)
            if (tags_meet(t[k], &j->areas[i].local)) {
                s7_xjob_addr_format(t[k], f1, sizeof f1);
                s7_xjob_addr_format(&j->areas[i].local, f2, sizeof f2);
                return s7__errf(err, errcap,
                                "%s: %s %s lies in %s_%u %s: the job would %s; move it out of "
                                "the job's %s areas",
                                jt, tn[k], f1, get ? "RD" : "SD", i + 1, f2,
                                get ? "overwrite it with the data it receives (or the data with "
                                      "it)"
                                    : "send it as data",
                                get ? "RD" : "SD");
            }
        for (int m = 0; m < k; m++)
            if (tags_meet(t[k], t[m])) {
                s7_xjob_addr_format(t[k], f1, sizeof f1);
                s7_xjob_addr_format(t[m], f2, sizeof f2);
                return s7__errf(err, errcap, "%s: %s %s and %s %s share memory: give each its own",
                                jt, tn[m], f2, tn[k], f1);
            }
    }
    return 0;
}

/* A BSEND/BRCV/USEND/URCV job (exchange_partner.h): one local area (SD_1 / RD_1) of 1..65,534
 * bytes (USEND/URCV: what one PDU of the connection carries), a trigger for the senders,
 * the outputs; the connection may be of any side. */
static int validate_partner_job(const s7_xconn *c, const s7_xjob *j, const char *jt, char *err,
                                size_t errcap)
{
    int sender = j->kind == S7_XJOB_BSEND || j->kind == S7_XJOB_USEND;
    int u = j->kind == S7_XJOB_USEND || j->kind == S7_XJOB_URCV;
    const char *kn = s7_xjob_kind_name(j->kind);
    const char *lname = sender ? "SD_1" : "RD_1";
    if (j->nareas > 1)
        return s7__errf(err, errcap,
                        "%s: %u areas: a %s job moves one local area (%s); the partner's job "
                        "with the same R_ID decides where the block lands",
                        jt, j->nareas, kn, lname);
    if (j->nareas == 0 && sender)
        return s7__errf(err, errcap,
                        "%s: no local area: a %s job sends %s, e.g. P#DB10.DBX0.0 BYTE 100", jt, kn,
                        lname);
    if (j->nareas == 1) {
        const s7_tag *l = &j->areas[0].local;
        char lf[80];
        s7_xjob_addr_format(l, lf, sizeof lf);
        if (!local_area_ok(l->area))
            return s7__errf(err, errcap,
                            "%s: %s %s is in the %s area: local areas are DB, I, Q or M addresses",
                            jt, lname, lf, area_name(l->area));
        uint32_t len = is_bool1(l) ? 1 : s7_tag_size(l);
        uint32_t pdu = c->pdu ? c->pdu : 480;
        uint32_t max = u ? s7_usend_max((uint16_t)pdu) : S7_BSEND_MAX;
        if (len == 0 || len > max)
            return s7__errf(err, errcap,
                            "%s: %s %s has %u bytes: a %s moves 1..%u bytes%s: make the area "
                            "smaller%s",
                            jt, lname, lf, len, kn, max, u ? " at the connection's PDU" : "",
                            u ? " or raise the PDU (pdu: 960)" : " or split the block");
    }
    if (sender) {
        int rc = check_trigger(j, jt, err, errcap);
        if (rc)
            return rc;
    }
    int orc = check_outputs(j, jt, sender ? "DONE" : "NDR", err, errcap);
    return orc ? orc : check_overlap(j, jt, sender ? "DONE" : "NDR", err, errcap);
}

static int is_sender(s7_xjob_kind k) { return k == S7_XJOB_BSEND || k == S7_XJOB_USEND; }

/* A connection keeps one sending and one receiving job per R_ID (the partner's job of the
 * same R_ID is the other end): a second BRCV/URCV, or a second BSEND/USEND, of the same R_ID
 * on the same connection is refused.  Checked against the jobs before j in the table (all
 * of them when j is not in it yet). */
static int rid_clash(const s7_exchange *x, const s7_xjob *j, const char *jt, char *err,
                     size_t errcap)
{
    for (size_t k = 0; k < x->njobs && &x->jobs[k] != j; k++) {
        const s7_xjob *o = &x->jobs[k];
        if (o->kind == S7_XJOB_GET || o->kind == S7_XJOB_PUT || o->conn_id != j->conn_id ||
            o->r_id != j->r_id || is_sender(o->kind) != is_sender(j->kind))
            continue;
        int snd = is_sender(j->kind);
        return s7__errf(err, errcap,
                        "%s: R_ID %u on connection %u is already used by job %s (%s%s%s): a "
                        "connection has one %s per R_ID, the one the partner's %s of that R_ID "
                        "talks to: give this job another r_id, and its partner's job the same",
                        jt, j->r_id, j->conn_id, o->name, s7_xjob_kind_name(o->kind),
                        o->where[0] ? ", " : "", o->where,
                        snd ? "sending job (bsend or usend)" : "receiving job (brcv or urcv)",
                        snd ? "BRCV/URCV" : "BSEND/USEND");
    }
    return 0;
}

static int validate_job(const s7_exchange *x, const s7_xjob *j, char *err, size_t errcap)
{
    char jt[260], rf[80], lf[80];
    job_tag(j, jt, sizeof jt);
    if (j->kind < S7_XJOB_GET || j->kind > S7_XJOB_URCV)
        return s7__errf(err, errcap,
                        "%s: kind %d is not a job kind: get, put, bsend, brcv, usend or urcv", jt,
                        (int)j->kind);
    const s7_xconn *c = s7_exchange_conn(x, j->conn_id);
    if (!c)
        return s7__errf(err, errcap,
                        "%s: connection %u is not in the connection table: add it under "
                        "connections: or name one that is there",
                        jt, j->conn_id);
    if (j->kind != S7_XJOB_GET && j->kind != S7_XJOB_PUT) {
        if (rid_clash(x, j, jt, err, errcap))
            return -1;
        return validate_partner_job(c, j, jt, err, errcap);
    }
    if (c->side != S7_XCONN_ACTIVE)
        return s7__errf(err, errcap,
                        "%s: connection %u is %s, but GET and PUT run on the active side: make it "
                        "active (side: active) with the partner's address",
                        jt, c->id, c->side == S7_XCONN_PASSIVE ? "passive" : "unspecified");
    if (j->nareas < 1 || j->nareas > S7_XJOB_AREAS)
        return s7__errf(err, errcap, "%s: %u areas: a %s job moves 1 to 4 areas (ADDR_1..ADDR_4)",
                        jt, j->nareas, s7_xjob_kind_name(j->kind));
    const char *lname = j->kind == S7_XJOB_GET ? "RD" : "SD";
    for (unsigned i = 0; i < j->nareas; i++) {
        const s7_tag *r = &j->areas[i].remote, *l = &j->areas[i].local;
        s7_xjob_addr_format(r, rf, sizeof rf);
        s7_xjob_addr_format(l, lf, sizeof lf);
        if (r->area != S7_AREA_DB && r->area != S7_AREA_I && r->area != S7_AREA_Q &&
            r->area != S7_AREA_M && r->area != S7_AREA_T && r->area != S7_AREA_C)
            return s7__errf(err, errcap,
                            "%s: ADDR_%u %s is in the %s area, which PUT/GET does not reach: use a "
                            "DB, I, Q or M address",
                            jt, i + 1, rf, area_name(r->area));
        if (!local_area_ok(l->area))
            return s7__errf(err, errcap,
                            "%s: %s_%u %s is in the %s area: local areas are DB, I, Q or M "
                            "addresses",
                            jt, lname, i + 1, lf, area_name(l->area));
        if ((r->type == S7_T_BOOL && !is_bool1(r)) || (l->type == S7_T_BOOL && !is_bool1(l)))
            return s7__errf(err, errcap,
                            "%s: area %u is an array of BOOL: move the bytes that hold the bits "
                            "(P#M10.0 BYTE 2) or one BOOL",
                            jt, i + 1);
        if (is_bool1(r) != is_bool1(l) || s7_tag_size(r) != s7_tag_size(l)) {
            char rs[40], ls[40];
            return s7__errf(err, errcap,
                            "%s: ADDR_%u %s is %s but %s_%u %s is %s: the areas must agree in "
                            "length and type (a real CPU reports STATUS 1/4)",
                            jt, i + 1, rf, size_text(r, rs, sizeof rs), lname, i + 1, lf,
                            size_text(l, ls, sizeof ls));
        }
    }
    int trc = check_trigger(j, jt, err, errcap);
    if (trc)
        return trc;
    int orc = check_outputs(j, jt, j->kind == S7_XJOB_GET ? "NDR" : "DONE", err, errcap);
    if (orc)
        return orc;
    orc = check_overlap(j, jt, j->kind == S7_XJOB_GET ? "NDR" : "DONE", err, errcap);
    if (orc)
        return orc;
    uint32_t req, rep, need = s7_xjob_pdu_need(j, &req, &rep), data, fills;
    if (need > c->pdu) {
        job_bytes(j, &data, &fills);
        uint32_t lim = s7_xjob_payload_limit(j->kind, j->nareas, c->pdu);
        char fillnote[96] = "", raise[320];
        if (fills)
            snprintf(fillnote, sizeof fillnote,
                     " and %u fill byte%s after odd-sized areas, %u in all", fills,
                     fills == 1 ? "" : "s", data + fills);
        if (c->name[0]) /* a named connection: its pdu is set where it is defined */
            snprintf(raise, sizeof raise, "the pdu: of %s%s%s, up to 960", c->name,
                     c->where[0] ? " at " : "", c->where);
        else
            snprintf(raise, sizeof raise, "--pdu 480 or 960, pdu: in YAML");
        return s7__errf(err, errcap,
                        "%s: a %s of %u area%s moves %u bytes%s, more than fit one PDU of %u bytes "
                        "(at most %u bytes: PDU - %s - %s per area): make the areas smaller, split "
                        "the job, or raise the PDU (%s) when the partner negotiates it",
                        jt, j->kind == S7_XJOB_GET ? "GET" : "PUT", j->nareas,
                        j->nareas == 1 ? "" : "s", data, fillnote, c->pdu, lim,
                        j->kind == S7_XJOB_GET ? "14" : "12", j->kind == S7_XJOB_GET ? "4" : "16",
                        raise);
    }
    return 0;
}

/* 0 when a connection can be made to host: an IPv4 address (net/host.c's check, with its
 * sentence on typos such as 10.200.2.300 that the resolver would take for a name), an IPv6
 * address, or a host name of letters, digits, '-', '.' and '_'; else -1 with msg set. */
static int host_check(const char *h, char *msg, size_t cap)
{
    struct in6_addr a6;
    if (strchr(h, ':')) {
        if (inet_pton(AF_INET6, h, &a6) == 1)
            return 0;
        snprintf(msg, cap, "host '%s': not an IPv6 address (e.g. fd00::10) and not a host name", h);
        return -1;
    }
    if (s7__host_check(h, msg, cap) < 0)
        return -1;
    for (const char *p = h; *p; p++)
        if (!isalnum((unsigned char)*p) && !strchr("-._", *p)) {
            snprintf(msg, cap,
                     "host '%s': a host name has letters, digits, '-', '.' and '_' only, and an "
                     "address is four numbers 0..255 separated by dots",
                     h);
            return -1;
        }
    return 0;
}

int s7_xjob_name_ok(const char *name)
{
    if (!name || !*name || strlen(name) >= S7_XNAME_MAX)
        return 0;
    for (const char *s = name; *s; s++)
        if (!isalnum((unsigned char)*s) && !strchr("-_.#", *s))
            return 0;
    return 1;
}

static int validate_all(const s7_exchange *x, char *err, size_t errcap)
{
    for (size_t i = 0; i < x->nconns; i++) {
        const s7_xconn *c = &x->conns[i];
        const char *w = c->where[0] ? c->where : "connection";
        if (c->id < 1 || c->id > 0x0FFF)
            return s7__errf(err, errcap, "%s: connection id %u is outside 1..4095 (16#1..16#FFF)",
                            w, c->id);
        for (size_t k = 0; k < i; k++) {
            if (x->conns[k].id == c->id)
                return s7__errf(err, errcap,
                                "%s: connection id %u is already used%s%s: give each connection "
                                "its own id",
                                w, c->id, x->conns[k].where[0] ? " at " : "", x->conns[k].where);
            if (c->name[0] && strcmp(x->conns[k].name, c->name) == 0)
                return s7__errf(err, errcap,
                                "%s: connection name '%s' is already used: give each connection "
                                "its own name",
                                w, c->name);
        }
        char hmsg[400];
        if (c->host[0] && host_check(c->host, hmsg, sizeof hmsg))
            return s7__errf(err, errcap,
                            "%s: connection %u: %s: give the partner's address, e.g. host: "
                            "10.200.2.10",
                            w, c->id, hmsg);
        if (c->side != S7_XCONN_UNSPECIFIED && !c->host[0])
            return s7__errf(err, errcap,
                            "%s: connection %u has no partner address: give host: ADDRESS, or make "
                            "it side: unspecified (passive, any partner)",
                            w, c->id);
        if (c->rack > 7 || c->slot > 31)
            return s7__errf(err, errcap,
                            "%s: connection %u: rack %u / slot %u: rack is 0..7, slot 0..31", w,
                            c->id, c->rack, c->slot);
        if (c->pdu < 240 || c->pdu > 960)
            return s7__errf(err, errcap,
                            "%s: connection %u: PDU %u is outside 240..960 (S7-300/1200: "
                            "240, S7-400: 480, S7-1500: 960)",
                            w, c->id, c->pdu);
    }
    for (size_t i = 0; i < x->njobs; i++) {
        const s7_xjob *j = &x->jobs[i];
        char jt[260];
        if (!s7_xjob_name_ok(j->name))
            return s7__errf(
                err, errcap,
                "%s: job name '%s': use letters, digits and - _ . # (e.g. line-m1-status)",
                job_tag(j, jt, sizeof jt), j->name);
        for (size_t k = 0; k < i; k++)
            if (strcmp(x->jobs[k].name, j->name) == 0)
                return s7__errf(
                    err, errcap, "%s: the name is already used%s%s: give each job its own name",
                    job_tag(j, jt, sizeof jt), x->jobs[k].where[0] ? " at " : "", x->jobs[k].where);
        if (validate_job(x, j, err, errcap))
            return -1;
    }
    return 0;
}

int s7_xjob_validate(const s7_exchange *x, const s7_xjob *j, char *err, size_t errcap)
{
    return validate_job(x, j, err, errcap) ? S7_ERR_INVAL : 0;
}

int s7_exchange_validate(const s7_exchange *x, char *err, size_t errcap)
{
    return validate_all(x, err, errcap) ? S7_ERR_INVAL : 0;
}

/* ---------------------------------------------------------------- addresses */

static const char ADDR_FORMS[] =
    "an address is a tag (DB20.DBW4, MW10, DB20.DBD8:REAL), a range (DB20.DBB0..DBB31, "
    "DB20.DBB0..31) or an ANY pointer (P#DB20.DBX0.0 BYTE 32)";

int s7_xjob_parse_addr(const char *text, s7_tag *t, char *err, size_t errcap)
{
    char perr[400] = "";
    if (strstr(text, "..")) {
        s7_plant_range r;
        memset(&r, 0, sizeof r);
        if (s7_plant_parse_range(text, "address", &r, err, errcap))
            return S7_ERR_ADDR;
        memset(t, 0, sizeof *t);
        t->area = r.area;
        t->db = r.db;
        t->byte = r.offset;
        /* T0..T3 and C0..C3 count timers and counters, two bytes each, as P#T 0 TIMER 4
         * does; a range of another area counts bytes */
        t->type = r.area == S7_AREA_T ? S7_T_TIMER : r.area == S7_AREA_C ? S7_T_COUNTER : S7_T_BYTE;
        t->count = r.length;
        t->array = 1;
        return 0;
    }
    int rc = s7_tag_parse(text, t, perr, sizeof perr);
    if (rc < 0) {
        s7__errf(err, errcap, "address '%s': %s; %s", text, perr[0] ? perr : "not an address",
                 ADDR_FORMS);
        return rc == S7_ERR_TYPE ? S7_ERR_TYPE : S7_ERR_ADDR;
    }
    return 0;
}

/* ---------------------------------------------------------------- the one-line spelling */

#define MAX_TOK 64

typedef struct toks {
    char *v[MAX_TOK];
    int n;
    char *mem;
} toks;

/* Splits line at blanks and commas; "P#X TYPE N" stays one token. */
static int tokenize(const char *line, toks *t, const char *where, char *err, size_t errcap)
{
    size_t len = strlen(line);
    memset(t, 0, sizeof *t);
    t->mem = malloc(2 * len + 2);
    if (!t->mem)
        return S7_ERR_NOMEM;
    char *raw = t->mem, *out = t->mem + len + 1;
    memcpy(raw, line, len + 1);
    char *w[MAX_TOK * 3];
    int nw = 0;
    for (char *p = raw; *p;) {
        while (*p && (isspace((unsigned char)*p) || *p == ','))
            *p++ = 0;
        if (!*p)
            break;
        if (nw == (int)(sizeof w / sizeof w[0]))
            return s7__errf(err, errcap, "%s: too many words in the job (at most %d)", where,
                            MAX_TOK),
                   S7_ERR_INVAL;
        w[nw++] = p;
        while (*p && !isspace((unsigned char)*p) && *p != ',')
            p++;
    }
    for (int i = 0; i < nw; i++) {
        if (t->n == MAX_TOK)
            return s7__errf(err, errcap, "%s: too many words in the job (at most %d)", where,
                            MAX_TOK),
                   S7_ERR_INVAL;
        t->v[t->n++] = out;
        out += sprintf(out, "%s", w[i]) + 1;
        if ((w[i][0] == 'P' || w[i][0] == 'p') && w[i][1] == '#') {
            /* an ANY pointer is one area: P#DB20.DBX0.0 BYTE 32, or with a timer's or
             * counter's number as a word of its own, P#T 0 TIMER 3; its count is a number
             * (without one, the pointer alone goes to the address parser, which says so) */
            const char *a = w[i] + 2;
            int more = a[0] && !a[1] && strchr("TtCcZz", a[0]) && i + 1 < nw &&
                               isdigit((unsigned char)w[i + 1][0])
                           ? 3
                           : 2;
            int take = 0;
            while (take < more && i + take + 1 < nw && strncmp(w[i + take + 1], "--", 2) != 0 &&
                   (take + 1 < more || isdigit((unsigned char)w[i + take + 1][0])))
                take++;
            if (take < more) /* no count: the pointer alone */
                take = 0;
            for (int k = 1; k <= take; k++)
                out += sprintf(out - 1, " %s", w[i + k]);
            i += take;
        }
    }
    return 0;
}

static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

static const char LINE_FORMS[] =
    "e.g. get 10.200.2.10 DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0, "
    "or put 10.200.2.10 DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1";

/* Host or HOST:PORT or [V6]:PORT into c. */
static int parse_partner(const char *s, s7_xconn *c, const char *where, char *err, size_t errcap)
{
    const char *text = s; /* as written, for messages */
    const char *colon = strrchr(s, ':');
    size_t hl = strlen(s);
    const char *port = NULL;
    if (s[0] == '[') {
        const char *rb = strchr(s, ']');
        if (!rb || (rb[1] && rb[1] != ':'))
            return s7__errf(
                err, errcap,
                "%s: partner '%s': an IPv6 address in brackets is [ADDR] or [ADDR]:PORT", where, s);
        hl = (size_t)(rb - s - 1);
        s++;
        port = rb[1] ? rb + 2 : NULL;
    } else if (colon && strchr(s, ':') == colon) {
        hl = (size_t)(colon - s);
        port = colon + 1;
    }
    if (hl == 0 || hl >= sizeof c->host)
        return s7__errf(err, errcap,
                        "%s: partner '%s' is not an address: give HOST or HOST:PORT, %s", where,
                        text, LINE_FORMS);
    memcpy(c->host, s, hl);
    c->host[hl] = 0;
    if (port) {
        long p;
        if (s7__parse_dec(port, 1, 65535, &p))
            return s7__errf(err, errcap, "%s: port '%s' of partner '%s' is not 1..65535", where,
                            port, text);
        c->port = (uint16_t)p;
    }
    return 0;
}

static int opt_num(const char *opt, const char *v, long min, long max, long *out, const char *where,
                   char *err, size_t errcap)
{
    if (s7__parse_dec(v, min, max, out))
        return s7__errf(err, errcap, "%s: %s '%s': must be a number in %ld..%ld", where, opt, v,
                        min, max);
    return 0;
}

static int bit_opt(const char *opt, const char *v, s7_tag *t, const char *where, char *err,
                   size_t errcap)
{
    char perr[300] = "";
    if (s7_tag_parse(v, t, perr, sizeof perr) < 0)
        return s7__errf(err, errcap, "%s: %s '%s': %s", where, opt, v, perr);
    return 0;
}

int s7_exchange_parse_job(s7_exchange *x, const char *line, const char *where, char *err,
                          size_t errcap)
{
    toks tk;
    s7_xjob j;
    s7_xconn c;
    char *remote[S7_XJOB_AREAS + 1], *local[S7_XJOB_AREAS + 1];
    int nremote = 0, nlocal = 0, phase = 0; /* 0 remote addresses, 1 local addresses */
    int rc, have_trigger = 0, have_into = 0;
    long v;
    const char *ndr_opt = NULL;
    char aerr[500];
    size_t nconns0 = x->nconns;

    if (!where)
        where = "job";
    s7_xjob_init(&j);
    s7_xconn_init(&c);
    snprintf(j.where, sizeof j.where, "%s", where);
    snprintf(c.where, sizeof c.where, "%s", where);
    rc = tokenize(line ? line : "", &tk, where, err, errcap);
    if (rc) {
        free(tk.mem);
        return rc == -1 ? S7_ERR_INVAL : rc;
    }
    rc = S7_ERR_INVAL;
    if (tk.n == 0) {
        s7__errf(err, errcap, "%s: empty job: %s", where, LINE_FORMS);
        goto out;
    }
    if (ieq(tk.v[0], "get"))
        j.kind = S7_XJOB_GET;
    else if (ieq(tk.v[0], "put"))
        j.kind = S7_XJOB_PUT;
    else {
        s7__errf(err, errcap, "%s: '%s' is not a job kind: a job starts with get or put, %s", where,
                 tk.v[0], LINE_FORMS);
        goto out;
    }
    if (tk.n < 2 || strncmp(tk.v[1], "--", 2) == 0) {
        s7__errf(err, errcap, "%s: the partner's address is missing after %s: %s", where, tk.v[0],
                 LINE_FORMS);
        goto out;
    }
    if (parse_partner(tk.v[1], &c, where, err, errcap))
        goto out;
    /* a word that names a connection of x (a partner of an exchange file, a connection of a
     * server file) takes that connection as it is */
    const s7_xconn *named = s7_exchange_conn_by_name(x, c.host);
    if (named && strcmp(tk.v[1], c.host) != 0) {
        s7__errf(err, errcap,
                 "%s: partner '%s': %s is the connection of %s, whose port is set there: write "
                 "the partner as %s",
                 where, tk.v[1], named->name, named->where[0] ? named->where : "this file",
                 named->name);
        goto out;
    }
    const char *conn_opt = NULL; /* the first connection option given */
    /* the connection's options first (NCONN_OPTS of them), then the job's; --outputs last */
    static const char *const known[] = {"--port", "--rack",  "--slot",   "--pdu",    "--id",
                                        "--type", "--tsap",  "--name",   "--req",    "--ndr",
                                        "--done", "--error", "--status", "--outputs"};
    enum { NCONN_OPTS = 7, NOPTS = sizeof known / sizeof known[0], OUTPUTS = NOPTS - 1 };
    unsigned opt_seen = 0; /* the options given so far, by their place in known[]; the mode
                            * of the outputs (--outputs, latch, pulse) is the last one given,
                            * as unit.test_exchange_job has it */
    for (int i = 2; i < tk.n; i++) {
        const char *w = tk.v[i];
        const char *val = i + 1 < tk.n ? tk.v[i + 1] : NULL;
        if (strncmp(w, "--", 2) == 0) {
            size_t k = 0;
            while (k < NOPTS && strcmp(w, known[k]) != 0)
                k++;
            if (k == NOPTS) {
                s7__errf(err, errcap,
                         "%s: unknown option %s: the options are --port --rack --slot --type "
                         "--tsap --pdu --id --name --req --ndr (get) --done (put) --error --status "
                         "--outputs",
                         where, w);
                goto out;
            }
            if (!val) {
                s7__errf(err, errcap, "%s: %s needs a value", where, w);
                goto out;
            }
            /* a second --status (or --slot ...) silently replaced the first, where a second
             * 'into' or trigger is refused */
            if (k != OUTPUTS && opt_seen & 1u << k) {
                s7__errf(err, errcap, "%s: %s given twice: give it once", where, w);
                goto out;
            }
            opt_seen |= 1u << k;
            i++;
            if (!conn_opt && k < NCONN_OPTS)
                conn_opt = w;
            if (!strcmp(w, "--port")) {
                if (opt_num(w, val, 1, 65535, &v, where, err, errcap))
                    goto out;
                c.port = (uint16_t)v;
            } else if (!strcmp(w, "--rack")) {
                if (opt_num(w, val, 0, 7, &v, where, err, errcap))
                    goto out;
                c.rack = (uint8_t)v;
            } else if (!strcmp(w, "--slot")) {
                if (opt_num(w, val, 0, 31, &v, where, err, errcap))
                    goto out;
                c.slot = (uint8_t)v;
            } else if (!strcmp(w, "--pdu")) {
                if (opt_num(w, val, 240, 960, &v, where, err, errcap))
                    goto out;
                c.pdu = (uint16_t)v;
            } else if (!strcmp(w, "--id")) {
                if (opt_num(w, val, 1, 4095, &v, where, err, errcap))
                    goto out;
                c.id = (uint16_t)v;
            } else if (!strcmp(w, "--type")) {
                int t;
                if (s7_plant_parse_type(val, &t)) {
                    s7__errf(err, errcap, "%s: --type '%s': the connection type is pg, op or basic",
                             where, val);
                    goto out;
                }
                c.type = (s7_conn_type)t;
            } else if (!strcmp(w, "--tsap")) {
                if (s7_plant_parse_tsap(val, &c.local_tsap, &c.remote_tsap) || !c.remote_tsap) {
                    s7__errf(err, errcap,
                             "%s: --tsap '%s': give LOCAL:REMOTE in hex, e.g. 0100:0102", where,
                             val);
                    goto out;
                }
            } else if (!strcmp(w, "--name")) {
                if (!s7_xjob_name_ok(val)) {
                    s7__errf(err, errcap,
                             "%s: --name '%s': use 1..63 letters, digits and - _ . # (e.g. "
                             "line-m1-status)",
                             where, val);
                    goto out;
                }
                snprintf(j.name, sizeof j.name, "%s", val);
            } else if (!strcmp(w, "--req")) {
                if (bit_opt(w, val, &j.req, where, err, errcap))
                    goto out;
                j.trigger = S7_XTRIG_REQ;
                have_trigger++;
            } else if (!strcmp(w, "--ndr") || !strcmp(w, "--done")) {
                if (bit_opt(w, val, &j.done, where, err, errcap))
                    goto out;
                j.has_done = 1;
                ndr_opt = w;
            } else if (!strcmp(w, "--error")) {
                if (bit_opt(w, val, &j.error, where, err, errcap))
                    goto out;
                j.has_error = 1;
            } else if (!strcmp(w, "--status")) {
                if (bit_opt(w, val, &j.status, where, err, errcap))
                    goto out;
                j.has_status = 1;
            } else if (!strcmp(w, "--outputs")) {
                if (!ieq(val, "pulse") && !ieq(val, "latch")) {
                    s7__errf(err, errcap,
                             "%s: --outputs '%s': pulse (NDR/DONE, ERROR and STATUS for one "
                             "scan, as the instructions) or latch (held until the next result)",
                             where, val);
                    goto out;
                }
                j.latch = ieq(val, "latch");
            }
        } else if (ieq(w, "latch") || ieq(w, "pulse")) {
            j.latch = ieq(w, "latch");
        } else if (ieq(w, "every")) {
            if (!val) {
                s7__errf(err, errcap, "%s: every needs a duration, e.g. every 100ms", where);
                goto out;
            }
            i++;
            char dur[64];
            /* every 2 s: the number and its unit as two words */
            if (i + 1 < tk.n && strspn(val, "0123456789.") == strlen(val) &&
                (ieq(tk.v[i + 1], "ms") || ieq(tk.v[i + 1], "s") || ieq(tk.v[i + 1], "min") ||
                 ieq(tk.v[i + 1], "h")) &&
                strlen(val) < 40) {
                snprintf(dur, sizeof dur, "%s %s", val, tk.v[i + 1]);
                val = dur;
                i++;
            }
            if (s7_duration_parse(val, 0, 1, 86400000L, &j.cycle_ms, aerr, sizeof aerr)) {
                s7__errf(err, errcap, "%s: every %s", where, aerr);
                goto out;
            }
            j.trigger = S7_XTRIG_CYCLIC;
            have_trigger++;
        } else if (ieq(w, "on")) {
            if (!val) {
                s7__errf(err, errcap, "%s: on needs the local REQ bit, e.g. on M10.0", where);
                goto out;
            }
            i++;
            if (bit_opt("on", val, &j.req, where, err, errcap))
                goto out;
            j.trigger = S7_XTRIG_REQ;
            have_trigger++;
        } else if (ieq(w, "into") || ieq(w, "from")) {
            const char *want = j.kind == S7_XJOB_GET ? "into" : "from";
            if (!ieq(w, want)) {
                s7__errf(err, errcap,
                         "%s: a %s job copies %s local memory: write '%s LOCAL', not '%s'", where,
                         tk.v[0], j.kind == S7_XJOB_GET ? "into" : "from", want, w);
                goto out;
            }
            if (have_into) {
                s7__errf(err, errcap, "%s: '%s' appears twice: list the local areas after one %s",
                         where, w, want);
                goto out;
            }
            have_into = 1;
            phase = 1;
        } else if (phase == 0) {
            if (nremote == S7_XJOB_AREAS) {
                s7__errf(err, errcap,
                         "%s: more than 4 partner areas ('%s'): GET and PUT move at most four "
                         "(ADDR_1..ADDR_4); split the job",
                         where, w);
                goto out;
            }
            remote[nremote++] = tk.v[i];
        } else {
            if (nlocal == S7_XJOB_AREAS) {
                s7__errf(err, errcap, "%s: more than 4 local areas ('%s'): one per partner area",
                         where, w);
                goto out;
            }
            local[nlocal++] = tk.v[i];
        }
    }
    if (have_trigger > 1) {
        s7__errf(err, errcap,
                 "%s: more than one trigger: give either every DURATION (cyclic) or on BIT (rising "
                 "edge of REQ)",
                 where);
        goto out;
    }
    if (!have_trigger) {
        s7__errf(
            err, errcap,
            "%s: no trigger: add every DURATION (e.g. every 100ms) or on BIT (a local REQ bit, "
            "e.g. on M10.0)",
            where);
        goto out;
    }
    if (nremote == 0) {
        s7__errf(err, errcap, "%s: no partner address to %s: %s", where, tk.v[0], LINE_FORMS);
        goto out;
    }
    if (!have_into || nlocal == 0) {
        s7__errf(err, errcap, "%s: no local area: add '%s LOCAL' (one per partner area), %s", where,
                 j.kind == S7_XJOB_GET ? "into" : "from", LINE_FORMS);
        goto out;
    }
    if (nlocal != nremote) { /* a word that is no address says more than the counts */
        s7_tag t;
        for (int i = 0; i < nremote + nlocal; i++) {
            int loc = i >= nremote;
            if (s7_xjob_parse_addr(loc ? local[i - nremote] : remote[i], &t, aerr, sizeof aerr)) {
                s7__errf(err, errcap, "%s: %s area %d: %s", where, loc ? "local" : "partner",
                         (loc ? i - nremote : i) + 1, aerr);
                goto out;
            }
        }
        s7__errf(err, errcap,
                 "%s: %d partner area%s but %d local area%s: give one local area per partner area",
                 where, nremote, nremote == 1 ? "" : "s", nlocal, nlocal == 1 ? "" : "s");
        goto out;
    }
    if (ndr_opt && strcmp(ndr_opt, j.kind == S7_XJOB_GET ? "--ndr" : "--done") != 0) {
        s7__errf(err, errcap, "%s: a %s job has no %s output: use %s", where, tk.v[0], ndr_opt + 2,
                 j.kind == S7_XJOB_GET ? "--ndr (new data received)" : "--done");
        goto out;
    }
    for (int i = 0; i < nremote; i++) {
        s7_tag *r = &j.areas[i].remote, *l = &j.areas[i].local;
        if ((rc = s7_xjob_parse_addr(remote[i], r, aerr, sizeof aerr)) != 0) {
            s7__errf(err, errcap, "%s: partner area %d: %s", where, i + 1, aerr);
            rc = S7_ERR_INVAL;
            goto out;
        }
        if ((rc = s7_xjob_parse_addr(local[i], l, aerr, sizeof aerr)) != 0) {
            s7__errf(err, errcap, "%s: local area %d: %s", where, i + 1, aerr);
            rc = S7_ERR_INVAL;
            goto out;
        }
        rc = S7_ERR_INVAL;
        /* a bare start address (DB40.DBB0) takes the size of its partner area */
        if (l->type == S7_T_BYTE && l->count <= 1 && !l->array && !is_bool1(r)) {
            uint32_t n = s7_tag_size(r);
            if (n > 1) {
                l->count = n;
                l->array = 1;
            }
        }
    }
    j.nareas = (unsigned)nremote;
    if (named && conn_opt) {
        s7__errf(err, errcap,
                 "%s: %s: %s is the connection of %s: its port, rack, slot, type, TSAPs, PDU and "
                 "id are set there, not in the job; change them there or leave %s out",
                 where, conn_opt, named->name, named->where[0] ? named->where : "this file",
                 conn_opt);
        goto out;
    }
    if (!named && c.id && s7_exchange_conn(x, c.id) &&
        !same_partner(s7_exchange_conn(x, c.id), &c)) {
        const s7_xconn *o = s7_exchange_conn(x, c.id);
        char diff[400];
        partner_diff(&c, o, diff, sizeof diff);
        s7__errf(err, errcap,
                 "%s: connection id %u is set up otherwise (%s%s%s): %s; give the same settings, "
                 "another --id, or leave --id out",
                 where, c.id, o->host, o->where[0] ? " at " : "", o->where, diff);
        goto out;
    }
    s7_xconn *cc = named ? s7_exchange_conn(x, named->id) : s7_exchange_conn_for(x, &c);
    if (!cc) {
        rc = S7_ERR_NOMEM;
        s7__errf(err, errcap, "%s: out of memory", where);
        goto out;
    }
    j.conn_id = cc->id;
    if (!cc->id) {
        s7__errf(err, errcap, "%s: no free connection id (4095 in use)", where);
        goto undo;
    }
    if (!j.name[0])
        for (size_t k = x->njobs + 1;; k++) {
            snprintf(j.name, sizeof j.name, "job%zu", k);
            if (!s7_exchange_job(x, j.name))
                break;
        }
    else if (s7_exchange_job(x, j.name)) {
        s7__errf(err, errcap, "%s: job name '%s' is already used: give each job its own --name",
                 where, j.name);
        goto undo;
    }
    if (s7_xjob_validate(x, &j, err, errcap))
        goto undo;
    if (!s7_exchange_add_job(x, &j)) {
        rc = S7_ERR_NOMEM;
        s7__errf(err, errcap, "%s: out of memory", where);
        goto undo;
    }
    rc = 0;
    goto out;
undo:
    x->nconns = nconns0; /* drop a connection this job added */
out:
    free(tk.mem);
    return rc;
}

/* ---------------------------------------------------------------- formatting */

int s7_xjob_addr_format(const s7_tag *t, char *buf, size_t cap)
{
    if (t->type == S7_T_BYTE && t->array && t->count > 1 &&
        (t->area == S7_AREA_DB || t->area == S7_AREA_I || t->area == S7_AREA_Q ||
         t->area == S7_AREA_M)) {
        char b[120];
        s7_plant_range r;
        memset(&r, 0, sizeof r);
        r.area = t->area;
        r.db = t->db;
        r.offset = t->byte;
        r.length = t->count;
        s7_plant_range_text(&r, b, sizeof b);
        return snprintf(buf, cap, "%s", b);
    }
    return s7_tag_format(t, buf, cap);
}

static void put_addr(char **p, size_t *left, int *total, const s7_tag *t)
{
    char b[120];
    s7_xjob_addr_format(t, b, sizeof b);
    int n = snprintf(*p, *left, " %s", b);
    *total += n;
    if ((size_t)n >= *left) {
        *p += *left ? *left - 1 : 0;
        *left = *left ? 1 : 0;
    } else {
        *p += n;
        *left -= (size_t)n;
    }
}

#define APPEND(...)                              \
    do {                                         \
        int n_ = snprintf(p, left, __VA_ARGS__); \
        total += n_;                             \
        if ((size_t)n_ >= left) {                \
            p += left ? left - 1 : 0;            \
            left = left ? 1 : 0;                 \
        } else {                                 \
            p += n_;                             \
            left -= (size_t)n_;                  \
        }                                        \
    } while (0)

int s7_xjob_format(const s7_exchange *x, const s7_xjob *j, char *buf, size_t cap)
{
    char tmp[1];
    char *p = cap ? buf : tmp;
    size_t left = cap ? cap : 1;
    int total = 0;
    const s7_xconn *c = s7_exchange_conn(x, j->conn_id);
    char f[80];
    p[0] = 0;
    APPEND("%s", s7_xjob_kind_name(j->kind));
    if (c) {
        if (strchr(c->host, ':'))
            APPEND(c->port ? " [%s]" : " %s", c->host);
        else
            APPEND(" %s", c->host);
        if (c->port)
            APPEND(":%u", c->port);
    }
    for (unsigned i = 0; i < j->nareas; i++)
        put_addr(&p, &left, &total, &j->areas[i].remote);
    if (j->trigger == S7_XTRIG_REQ) {
        s7_tag_format(&j->req, f, sizeof f);
        APPEND(" on %s", f);
    } else {
        char d[40];
        s7_duration_format(j->cycle_ms, d, sizeof d);
        for (char *s = d; *s; s++) /* "100 ms" -> "100ms": one word */
            if (*s == ' ')
                memmove(s, s + 1, strlen(s));
        APPEND(" every %s", d);
    }
    if (c) {
        if (c->rack)
            APPEND(" --rack %u", c->rack);
        if (c->slot != 1)
            APPEND(" --slot %u", c->slot);
        if (c->type != S7_CONN_PG)
            APPEND(" --type %s", c->type == S7_CONN_OP ? "op" : "basic");
        if (c->remote_tsap)
            APPEND(" --tsap %04X:%04X", c->local_tsap, c->remote_tsap);
        if (c->pdu != S7_XPDU_DEFAULT)
            APPEND(" --pdu %u", c->pdu);
        APPEND(" --id %u", c->id);
    }
    APPEND(" --name %s %s", j->name, j->kind == S7_XJOB_PUT ? "from" : "into");
    for (unsigned i = 0; i < j->nareas; i++)
        put_addr(&p, &left, &total, &j->areas[i].local);
    if (j->has_done) {
        s7_tag_format(&j->done, f, sizeof f);
        APPEND(" --%s %s", j->kind == S7_XJOB_PUT ? "done" : "ndr", f);
    }
    if (j->has_error) {
        s7_tag_format(&j->error, f, sizeof f);
        APPEND(" --error %s", f);
    }
    if (j->has_status) {
        s7_tag_format(&j->status, f, sizeof f);
        APPEND(" --status %s", f);
    }
    if (j->latch)
        APPEND(" --outputs latch");
    return total;
}

/* ---------------------------------------------------------------- STATUS */

static const struct {
    int error;
    uint16_t code;
    const char *id, *meaning, *fault;
} XSTATUS[] = {
#define S7__XST_ROW(name, e, s, id, meaning, fault) {e, s, id, meaning, fault},
    S7_XSTATUS_MAP(S7__XST_ROW)
#undef S7__XST_ROW
};

static int st_ok(s7_xstatus st) { return (int)st >= 0 && st < S7_XST__COUNT; }

const char *s7_exchange_status_str(s7_xstatus st)
{
    return st_ok(st) ? XSTATUS[st].meaning : "unknown";
}
const char *s7_exchange_status_id(s7_xstatus st) { return st_ok(st) ? XSTATUS[st].id : "unknown"; }
const char *s7_exchange_status_fault(s7_xstatus st)
{
    return st_ok(st) ? XSTATUS[st].fault : "unknown";
}
S7_HOT int s7_exchange_status_error(s7_xstatus st) { return st_ok(st) ? XSTATUS[st].error : 1; }
S7_HOT uint16_t s7_exchange_status_code(s7_xstatus st)
{
    return st_ok(st) ? XSTATUS[st].code : 0xFFFF;
}

int s7_exchange_status_find(int error, uint16_t code)
{
    for (int i = 0; i < S7_XST__COUNT; i++)
        if (XSTATUS[i].error == (error != 0) && XSTATUS[i].code == code)
            return i;
    return -1;
}

S7_HOT s7_xstatus s7_exchange_status_of(int rc, uint16_t plc_code, uint8_t item_rc,
                                        const char **cause)
{
    return s7__exchange_status_in(rc, plc_code, item_rc, S7_AREA_DB, cause);
}

S7_HOT s7_xstatus s7__exchange_status_in(int rc, uint16_t plc_code, uint8_t item_rc, uint8_t area,
                                         const char **cause)
{
    const char *cz = "error";
    s7_xstatus st;
    switch (rc) {
    case 0:
        st = S7_XST_OK;
        cz = "ok";
        break;
    case S7_ERR_PLC:
        st = S7_XST_NEGATIVE_ACK;
        cz = plc_code == 0x8104   ? "put_get_disabled"
             : plc_code == 0x8500 ? "pdu_exceeded"
                                  : "plc_error";
        break;
    case S7_ERR_ITEM:
        st = S7_XST_PARTNER_ACCESS;
        if (item_rc == 0x0A) /* no such object: a DB, or a timer, counter, area */
            cz = area == S7_AREA_DB || area == S7_AREA_DI ? "db_missing" : "area_missing";
        else if (item_rc == 0x05)
            cz = "address_out_of_range";
        else if (item_rc == 0x03)
            cz = "access_denied";
        else if (item_rc == 0x06 || item_rc == 0x07) {
            st = S7_XST_LENGTH;
            cz = "length_mismatch";
        } else
            cz = "item_error";
        break;
    case S7_ERR_PARAM:
        st = S7_XST_LENGTH;
        cz = "length_mismatch";
        break;
    case S7_ERR_TOOBIG:
        st = S7_XST_LENGTH;
        cz = "pdu_exceeded";
        break;
    case S7_ERR_BUSY:
        st = S7_XST_BUSY;
        cz = "busy";
        break;
    case S7_ERR_CR_REJECTED:
    case S7_ERR_NEGOTIATION:
        st = S7_XST_CONNECTION;
        cz = "connection_rejected";
        break;
    default:
        st = S7_XST_CONNECTION;
        cz = "partner_down";
        break;
    }
    if (cause)
        *cause = cz;
    return st;
}
