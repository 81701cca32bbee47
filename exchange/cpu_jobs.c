/* The emulator's GET/PUT jobs (include/s7/exchange.h s7_xengine): an emulated CPU as the
 * active partner.  Connections are s7_client handles driven without blocking from the
 * server's thread.  The jobs are called once per scan, as the instructions in OB1 are: a
 * scan starts the jobs whose cycle is due or whose REQ bit rose, takes the replies that came
 * in since the last one (RD areas, NDR/DONE, ERROR, STATUS) and takes back the outputs the
 * scan before set (one-scan pulses; latched jobs keep them).  A CPU in STOP runs no scan. */
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/cpu_jobs_int.h"
#include "exchange/job_out.h"
#include "exchange/status.h"
#include "s7/client.h"
#include "s7/cpu.h"
#include "s7/exchange.h"
#include "s7/plant.h"
#include "s7/net.h"
#include "s7/server.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/hot.h"

enum { XC_DOWN = 0, XC_CONNECTING = 1, XC_UP = 2 };

typedef struct xconn {
    const s7_xconn *c;
    s7_client *cl;
    int state;
    int used;         /* a job uses it */
    int counted;      /* its budget is acquired */
    int nores;        /* the last attempt found no free connection resource */
    int last_err;     /* why it is down (0 before the first attempt) */
    int settled;      /* the first attempt is over (jobs wait for it) */
    int64_t retry_at; /* when to try again (state DOWN) */
    int backoff;      /* the next pause */
    int queued;       /* a job queued a request on it that is not sent yet */
    struct s7_xengine *e;
} xconn;

typedef struct xjob {
    const s7_xjob *j;
    xconn *conn;
    s7_item items[S7_XJOB_AREAS];
    uint8_t *buf; /* the wire bytes of the areas, one after the other */
    int busy;
    int64_t started_us;
    int64_t next_due;
    int req_prev;
    /* a reply waiting for the next scan (the instruction's next call) */
    int pending;
    s7_xstatus p_st;
    const char *p_cause;
    char p_detail[200];
    int aborted;  /* its request was out when the CPU went to STOP: the reply is dropped */
    s7__xout out; /* NDR/DONE, ERROR, STATUS and their one-scan pulse (job_out.h) */
    s7_xjob_state st;
    struct s7_xengine *e;
} xjob;

struct s7_xengine {
    s7_cpu *cpu;
    s7_server *srv;
    s7_exchange x; /* a copy: conns and jobs owned */
    s7_xengine_opts o;
    xconn *conns;
    xjob *jobs;
    int started;
    int closing;
    int stopped;       /* the CPU was in STOP at the last tick */
    long scan_ms;      /* the scan time */
    int64_t next_scan; /* no scan before this (one scan time after the last) */
    int64_t next_srv;  /* s7_xengine_run_once: the server's turn at the latest then */
};

void s7_xengine_opts_init(s7_xengine_opts *o)
{
    memset(o, 0, sizeof *o);
    o->connect_timeout_ms = 3000;
    o->request_timeout_ms = 3000;
    o->retry_min_ms = 250;
    o->retry_max_ms = 4000;
    o->scan_ms = S7_XSCAN_DEFAULT;
}

static void xlog(const s7_xengine *e, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
S7_COLD static void xlog(const s7_xengine *e, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s7__logv(e->o.log, e->o.log_ctx, level, 600, fmt, ap);
    va_end(ap);
}

/* Microseconds: a run's duration (last_us) is measured, not rounded to milliseconds. */
static int64_t now_us(void) { return s7__mono_us(); }

/* ---------------------------------------------------------------- local memory */

/* The bytes of t in the CPU's memory, or NULL when they are not all there. */
static uint8_t *local_at(s7_xengine *e, const s7_tag *t, uint32_t len)
{
    return s7__xout_local(e->cpu, t, len);
}

static void wrote(s7_xengine *e, const s7_tag *t, uint32_t len)
{
    if (e->o.on_write)
        e->o.on_write(e->o.ctx, t->area, t->area == S7_AREA_DB ? t->db : 0, t->byte, len);
}

static int read_bit(s7_xengine *e, const s7_tag *t)
{
    uint8_t *p = local_at(e, t, 1);
    return p ? (*p >> t->bit) & 1 : 0;
}

/* The job's local writes go through s7_cpu_write (job_out.h): the CPU's event handler sees
 * them as it sees a partner's Write Var, and a retentive store journals them there. */
static void write_bit(s7_xengine *e, const s7_tag *t, int v)
{
    if (s7__xout_put_bit(e->cpu, t, v) > 0)
        wrote(e, t, 1);
}

static void out_wrote(void *ctx, const s7_tag *t, uint32_t len) { wrote(ctx, t, len); }

/* 1 when every local area of the job is in the CPU's memory. */
S7_HOT static int locals_ok(xjob *r, char *why, size_t cap)
{
    const s7_xjob *j = r->j;
    for (unsigned i = 0; i < j->nareas; i++) {
        const s7_tag *l = &j->areas[i].local;
        if (!local_at(r->e, l, l->type == S7_T_BOOL ? 1 : s7_tag_size(l))) {
            char f[80];
            s7_xjob_addr_format(l, f, sizeof f);
            snprintf(why, cap, "%s_%u %s is not in this CPU's memory (DB missing or too short)",
                     j->kind == S7_XJOB_GET ? "RD" : "SD", i + 1, f);
            return 0;
        }
    }
    return 1;
}

/* ---------------------------------------------------------------- results */

S7_HOT static void finish(xjob *r, s7_xstatus st, const char *cause, const char *detail)
{
    s7_xengine *e = r->e;
    int64_t now = s7_now_ms();
    int changed = r->st.runs == 0 || st != r->st.status || strcmp(cause, r->st.cause) != 0;
    r->busy = 0;
    r->st.busy = 0;
    r->st.runs++;
    if (st == S7_XST_OK) {
        r->st.ok++;
        r->st.last_ok_ms = now;
        r->st.detail[0] = 0;
    } else {
        r->st.errors++;
        snprintf(r->st.detail, sizeof r->st.detail, "%s", detail ? detail : "");
    }
    if (changed)
        r->st.since_ms = now;
    r->st.status = st;
    r->st.cause = cause;
    /* valid for this scan (the next one takes them back) unless latched */
    s7__xout_result(&r->out, st == S7_XST_OK, s7_exchange_status_error(st),
                    s7_exchange_status_code(st));
    if (changed) {
        if (st == S7_XST_OK)
            xlog(e, S7_LOG_INFO, "job %s: ok", r->j->name);
        else
            xlog(e, S7_LOG_WARN, "job %s: ERROR %u/%u %s (%s)%s%s", r->j->name,
                 s7_exchange_status_error(st), s7_exchange_status_code(st),
                 s7_exchange_status_id(st), cause, r->st.detail[0] ? ": " : "", r->st.detail);
        if (e->o.on_status)
            e->o.on_status(e->o.ctx, r->j, &r->st);
    }
}

static int cpu_stopped(const s7_xengine *e) { return s7_cpu_state(e->cpu) == S7_CPU_STATE_STOP; }

/* The reply to job r's request: kept for the next scan, which the instruction takes it in. */
S7_HOT static void job_done(s7_client *c, int result, void *ud)
{
    xjob *r = ud;
    s7_xengine *e = r->e;
    const s7_xjob *j = r->j;
    char *detail = r->p_detail; /* written only when the run failed (no formatting on success) */
    size_t dcap = sizeof r->p_detail;
    uint16_t plc = 0;
    uint8_t item_rc = 0xFF, item_area = S7_AREA_DB;
    if (e->closing)
        return;
    detail[0] = 0;
    r->st.last_us = (uint32_t)(now_us() - r->started_us);
    if (result == 0 || result == S7_ERR_PLC || result == S7_ERR_ITEM)
        r->conn->backoff = e->o.retry_min_ms; /* the partner answered: the link works */
    if (r->aborted || cpu_stopped(e)) {       /* the CPU stopped meanwhile: nobody takes it */
        r->aborted = 0;
        r->busy = 0;
        r->st.busy = 0;
        r->st.dropped++;
        return;
    }
    if (result == S7_ERR_PLC) {
        const s7_explain *x = s7_client_last_error(c);
        plc = x ? x->code : 0;
        snprintf(detail, dcap, "the partner answered 0x%04X (%s)", plc, s7_plc_strerror(plc));
    } else if (result == S7_ERR_ITEM) {
        for (unsigned i = 0; i < j->nareas; i++)
            if (r->items[i].status) {
                char f[80];
                item_rc = r->items[i].rc;
                item_area = j->areas[i].remote.area;
                s7_xjob_addr_format(&j->areas[i].remote, f, sizeof f);
                snprintf(detail, dcap, "ADDR_%u %s: item return code 0x%02X (%s)", i + 1, f,
                         item_rc, s7_item_strerror(item_rc));
                break;
            }
    } else if (result == S7_ERR_PARAM) {
        snprintf(detail, dcap, "%s", s7_client_peer_problem(c));
    } else if (result < 0) {
        snprintf(detail, dcap, "%s", s7_strerror(result));
    }
    r->p_st = s7__exchange_status_in(result, plc, item_rc, item_area, &r->p_cause);
    r->pending = 1; /* still busy: the buffer holds a GET's data until the scan copies it */
}

/* The instruction's call that takes a reply: a GET's data into its RD areas, the outputs. */
S7_HOT static void job_take(xjob *r)
{
    s7_xengine *e = r->e;
    const s7_xjob *j = r->j;
    r->pending = 0;
    if (r->p_st == S7_XST_OK && j->kind == S7_XJOB_GET) {
        char why[200];
        if (!locals_ok(r, why, sizeof why)) {
            finish(r, S7_XST_LOCAL_ACCESS, "local_access", why);
            return;
        }
        uint8_t *p = r->buf;
        for (unsigned i = 0; i < j->nareas; i++) {
            const s7_tag *l = &j->areas[i].local;
            uint32_t n = s7_tag_wire_size(&j->areas[i].remote);
            if (l->type == S7_T_BOOL)
                write_bit(e, l, p[0] & 1);
            else {
                if (s7__xout_put(e->cpu, l, p, n) == 0)
                    wrote(e, l, n);
            }
            p += n;
        }
    }
    finish(r, r->p_st, r->p_cause, r->p_detail);
}

/* ---------------------------------------------------------------- connections */

static void conn_lost(xconn *k, int err)
{
    s7_xengine *e = k->e;
    k->settled = 1;
    int was_up = k->state == XC_UP;
    if (k->counted && e->srv)
        s7_server_conn_release(e->srv, k->c->type);
    k->counted = 0;
    k->state = XC_DOWN;
    k->last_err = err;
    k->retry_at = s7_now_ms() + k->backoff;
    if (was_up)
        xlog(e, S7_LOG_WARN, "connection %u to %s lost: %s; setting it up again in %d ms", k->c->id,
             k->c->host, s7_strerror(err), k->backoff);
    else
        xlog(e, S7_LOG_INFO, "connection %u to %s: %s; next attempt in %d ms", k->c->id, k->c->host,
             s7_strerror(err), k->backoff);
    k->backoff = k->backoff * 2 > e->o.retry_max_ms ? e->o.retry_max_ms : k->backoff * 2;
    for (size_t i = 0; i < e->x.njobs; i++)
        if (e->jobs[i].conn == k)
            e->jobs[i].st.conn_up = 0;
}

static void conn_done(s7_client *c, int result, void *ud)
{
    xconn *k = ud;
    s7_xengine *e = k->e;
    (void)c;
    if (e->closing)
        return;
    if (result == 0) {
        k->settled = 1;
        k->state = XC_UP;
        k->last_err = 0; /* the pause is reset by an answered request (job_done), not here:
                            a partner that sets up and then fails each request backs off */
        xlog(e, S7_LOG_INFO, "connection %u to %s set up (PDU %u)", k->c->id, k->c->host,
             s7_client_pdu(k->cl));
        for (size_t i = 0; i < e->x.njobs; i++)
            if (e->jobs[i].conn == k)
                e->jobs[i].st.conn_up = 1;
    } else {
        conn_lost(k, result);
    }
}

static void conn_try(xconn *k)
{
    s7_xengine *e = k->e;
    if (e->srv && !k->counted) {
        if (s7_server_conn_acquire(e->srv, k->c->type) < 0) {
            k->nores = 1;
            k->settled = 1;
            k->state = XC_DOWN;
            k->retry_at = s7_now_ms() + e->o.retry_max_ms;
            return;
        }
        k->counted = 1;
    }
    k->nores = 0;
    k->state = XC_CONNECTING;
    char err[200] = "";
    if (e->o.enter && e->o.enter(e->o.enter_ctx, k->c, 1, err, sizeof err) < 0) {
        xlog(e, S7_LOG_ERROR, "connection %u to %s: %s", k->c->id, k->c->host, err);
        conn_lost(k, S7_ERR_IO);
        return;
    }
    int rc = s7_client_connect_async(k->cl, k->c->addr[0] ? k->c->addr : k->c->host, k->c->port,
                                     conn_done, k); /* resolved at load */
    if (e->o.enter && e->o.enter(e->o.enter_ctx, k->c, 0, err, sizeof err) < 0)
        xlog(e, S7_LOG_ERROR, "connection %u to %s: %s", k->c->id, k->c->host, err);
    if (rc < 0 && k->state == XC_CONNECTING)
        conn_lost(k, rc);
}

/* ---------------------------------------------------------------- jobs */

S7_HOT static void job_start(xjob *r)
{
    s7_xengine *e = r->e;
    const s7_xjob *j = r->j;
    xconn *k = r->conn;
    char why[200];
    if (r->busy) { /* the instruction's 0/11 for this call: the running job goes on */
        s7__xout_running(&r->out, s7_exchange_status_code(S7_XST_BUSY));
        if (r->st.busy_hits++ == 0)
            xlog(e, S7_LOG_WARN,
                 "job %s: 0/11 triggered while the previous request is still out (partner "
                 "slower than the %s); counted, not logged again",
                 j->name, j->trigger == S7_XTRIG_REQ ? "REQ edges" : "cycle");
        return;
    }
    if (!locals_ok(r, why, sizeof why)) {
        finish(r, S7_XST_LOCAL_ACCESS, "local_access", why);
        return;
    }
    if (k->state != XC_UP) {
        if (k->nores) {
            snprintf(why, sizeof why,
                     "this CPU's %s connection resources are used up (connection %u to %.80s)",
                     s7_plant_type_name((int)k->c->type), k->c->id, k->c->host);
            finish(r, S7_XST_TOO_MANY_JOBS, "no_connection_resource", why);
            return;
        }
        const char *cause = "partner_down";
        if (k->last_err)
            s7_exchange_status_of(k->last_err, 0, 0, &cause);
        snprintf(why, sizeof why, "connection %u to %.80s is not set up%s%s", k->c->id, k->c->host,
                 k->last_err ? ": " : "", k->last_err ? s7_strerror(k->last_err) : "");
        finish(r, S7_XST_CONNECTION, cause, why);
        return;
    }
    uint32_t need = s7_xjob_pdu_need(j, NULL, NULL);
    if (need > s7_client_pdu(k->cl)) {
        snprintf(why, sizeof why,
                 "the partner negotiated a PDU of %u bytes; the job needs %u: lower the areas "
                 "or the job's pdu",
                 s7_client_pdu(k->cl), need);
        finish(r, S7_XST_LENGTH, "pdu_exceeded", why);
        return;
    }
    uint8_t *p = r->buf;
    for (unsigned i = 0; i < j->nareas; i++) {
        const s7_tag *rt = &j->areas[i].remote, *l = &j->areas[i].local;
        uint32_t n = s7_tag_wire_size(rt);
        s7_item_from_tag(&r->items[i], rt, p);
        if (j->kind == S7_XJOB_PUT) {
            if (l->type == S7_T_BOOL)
                p[0] = (uint8_t)read_bit(e, l);
            else
                memcpy(p, local_at(e, l, n), n);
        }
        p += n;
    }
    r->busy = 1; /* 0/25 in this scan and while under way (scan()), unless latched */
    r->st.busy = 1;
    s7__xout_running(&r->out, s7_exchange_status_code(S7_XST_STARTED));
    r->started_us = now_us();
    int rc = j->kind == S7_XJOB_GET
                 ? s7_client_read_async(k->cl, r->items, j->nareas, job_done, r)
                 : s7_client_write_async(k->cl, r->items, j->nareas, job_done, r);
    k->queued |= rc >= 0;
    if (rc < 0) {
        const char *cause;
        s7_xstatus st = s7_exchange_status_of(rc, 0, 0, &cause);
        finish(r, st, cause, s7_strerror(rc));
    }
}

/* ---------------------------------------------------------------- configuration check */

static int check_local(s7_xengine *e, const s7_xjob *j, const char *what, const s7_tag *t,
                       char *err, size_t errcap)
{
    uint32_t len = t->type == S7_T_BOOL ? 1 : s7_tag_size(t);
    if (local_at(e, t, len))
        return 0;
    char f[80], fix[120];
    uint32_t size = 0;
    int have = s7_cpu_mem(e->cpu, t->area, t->area == S7_AREA_DB ? t->db : 0, &size) != NULL;
    s7_xjob_addr_format(t, f, sizeof f);
    if (t->area == S7_AREA_DB && !have)
        snprintf(fix, sizeof fix, "add the DB (--db %u:%u, or dbs: - {number: %u, size: %u})",
                 t->db, t->byte + len, t->db, t->byte + len);
    else if (t->area == S7_AREA_DB)
        snprintf(fix, sizeof fix, "DB%u has %u bytes: make it at least %u", t->db, size,
                 t->byte + len);
    else
        snprintf(fix, sizeof fix, "the area has %u bytes: use an address below that", size);
    snprintf(err, errcap, "%s%sjob %s: %s %s is not in this CPU's memory: %s", j->where,
             j->where[0] ? ": " : "", j->name, what, f, fix);
    return S7_ERR_INVAL;
}

int s7_exchange_check_cpu(const s7_exchange *x, s7_cpu *cpu, char *err, size_t errcap)
{
    s7_xengine e;
    memset(&e, 0, sizeof e);
    e.cpu = cpu;
    for (size_t i = 0; i < x->njobs; i++) {
        const s7_xjob *j = &x->jobs[i];
        char what[16];
        for (unsigned a = 0; a < j->nareas; a++) {
            snprintf(what, sizeof what, "%s_%u", j->kind == S7_XJOB_GET ? "RD" : "SD", a + 1);
            if (check_local(&e, j, what, &j->areas[a].local, err, errcap))
                return S7_ERR_INVAL;
        }
        if ((j->trigger == S7_XTRIG_REQ && check_local(&e, j, "REQ", &j->req, err, errcap)) ||
            (j->has_done &&
             check_local(&e, j, j->kind == S7_XJOB_GET ? "NDR" : "DONE", &j->done, err, errcap)) ||
            (j->has_error && check_local(&e, j, "ERROR", &j->error, err, errcap)) ||
            (j->has_status && check_local(&e, j, "STATUS", &j->status, err, errcap)))
            return S7_ERR_INVAL;
    }
    return 0;
}

/* ---------------------------------------------------------------- engine */

s7_xengine *s7_xengine_new(s7_cpu *cpu, s7_server *srv, const s7_exchange *x,
                           const s7_xengine_opts *o)
{
    s7_xengine *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->cpu = cpu;
    e->srv = srv;
    if (o)
        e->o = *o;
    else
        s7_xengine_opts_init(&e->o);
    if (e->o.retry_min_ms <= 0)
        e->o.retry_min_ms = 250;
    if (e->o.retry_max_ms < e->o.retry_min_ms)
        e->o.retry_max_ms = e->o.retry_min_ms;
    if (e->o.scan_ms <= 0)
        e->o.scan_ms = S7_XSCAN_DEFAULT;
    e->scan_ms = x->scan_ms > 0 ? x->scan_ms : e->o.scan_ms;
    e->x.nconns = x->nconns;
    e->x.scan_ms = e->scan_ms;
    e->x.njobs = x->njobs;
    e->x.conns = calloc(x->nconns ? x->nconns : 1, sizeof *e->x.conns);
    e->x.jobs = calloc(x->njobs ? x->njobs : 1, sizeof *e->x.jobs);
    e->conns = calloc(x->nconns ? x->nconns : 1, sizeof *e->conns);
    e->jobs = calloc(x->njobs ? x->njobs : 1, sizeof *e->jobs);
    if (!e->x.conns || !e->x.jobs || !e->conns || !e->jobs)
        goto fail;
    if (x->nconns)
        memcpy(e->x.conns, x->conns, x->nconns * sizeof *x->conns);
    if (x->njobs)
        memcpy(e->x.jobs, x->jobs, x->njobs * sizeof *x->jobs);
    for (size_t i = 0; i < x->nconns; i++) {
        xconn *k = &e->conns[i];
        k->c = &e->x.conns[i];
        k->e = e;
        k->backoff = e->o.retry_min_ms;
    }
    for (size_t i = 0; i < x->njobs; i++) {
        xjob *r = &e->jobs[i];
        r->j = &e->x.jobs[i];
        r->e = e;
        r->st.cause = "ok";
        s7__xout_init(&r->out, cpu, r->j, out_wrote, e);
        for (size_t k = 0; k < x->nconns; k++)
            if (e->x.conns[k].id == r->j->conn_id)
                r->conn = &e->conns[k];
        if (!r->conn)
            goto fail;
        r->conn->used = 1;
        uint32_t n = 0;
        for (unsigned a = 0; a < r->j->nareas; a++)
            n += s7_tag_wire_size(&r->j->areas[a].remote);
        if (!(r->buf = calloc(n ? n : 1, 1)))
            goto fail;
    }
    for (size_t i = 0; i < x->nconns; i++) {
        xconn *k = &e->conns[i];
        if (!k->used || k->c->side != S7_XCONN_ACTIVE)
            continue;
        s7_client_opts co;
        s7_client_opts_init(&co);
        co.rack = k->c->rack;
        co.slot = k->c->slot;
        co.type = k->c->type;
        if (k->c->remote_tsap) {
            co.local_tsap = k->c->local_tsap;
            co.remote_tsap = k->c->remote_tsap;
        }
        co.pdu_request = k->c->pdu;
        co.connect_timeout_ms = e->o.connect_timeout_ms > 0 ? e->o.connect_timeout_ms : 3000;
        co.request_timeout_ms = e->o.request_timeout_ms > 0 ? e->o.request_timeout_ms : 3000;
        co.merge_gap = 0; /* one item per area, as the instruction sends them */
        snprintf(co.source_addr, sizeof co.source_addr, "%s", k->c->source);
        if (!(k->cl = s7_client_new(&co)))
            goto fail;
        s7_client_set_whole_requests(k->cl, 1); /* a job's areas: one request, whole */
    }
    return e;
fail:
    s7_xengine_free(e);
    return NULL;
}

void s7_xengine_free(s7_xengine *e)
{
    if (!e)
        return;
    e->closing = 1;
    for (size_t i = 0; e->conns && i < e->x.nconns; i++) {
        xconn *k = &e->conns[i];
        s7_client_free(k->cl);
        if (k->counted && e->srv)
            s7_server_conn_release(e->srv, k->c->type);
    }
    for (size_t i = 0; e->jobs && i < e->x.njobs; i++)
        free(e->jobs[i].buf);
    free(e->conns);
    free(e->jobs);
    s7_exchange_free(&e->x);
    free(e);
}

int s7_xengine_start(s7_xengine *e)
{
    int64_t now = s7_now_ms();
    e->started = 1;
    for (size_t i = 0; i < e->x.nconns; i++)
        if (e->conns[i].cl)
            conn_try(&e->conns[i]);
    for (size_t i = 0; i < e->x.njobs; i++)
        e->jobs[i].next_due = now; /* cyclic jobs run at once, then every cycle */
    e->next_scan = now;
    e->stopped = cpu_stopped(e);
    for (size_t i = 0; i < e->x.njobs; i++)
        e->jobs[i].st.stopped = e->stopped;
    return 0;
}

/* One scan (one call of every job's instruction in OB1): replies taken, last scan's pulses
 * taken back, due cyclic jobs and risen REQ bits started. */
static void scan(s7_xengine *e, int64_t now)
{
    for (size_t i = 0; i < e->x.njobs; i++) {
        xjob *r = &e->jobs[i];
        const s7_xjob *j = r->j;
        if (!r->conn->settled && r->conn->cl && r->conn->state == XC_CONNECTING)
            continue;           /* the first set-up is under way: the jobs start when it is over */
        s7__xout_scan(&r->out); /* the call begins: the previous scan's pulse ends with it */
        int took = r->pending;
        if (took)
            job_take(r);
        if (j->trigger == S7_XTRIG_CYCLIC) {
            /* the call that reports a result does not start the next job (an instruction
             * reports DONE/NDR in one call and takes the next request in a later one): the
             * next result is never in the scan right after, so each pulse is seen to fall */
            if (now >= r->next_due && !took) {
                r->next_due += j->cycle_ms;
                if (r->next_due <= now) /* overran: the next cycle from now */
                    r->next_due = now + j->cycle_ms;
                job_start(r);
            }
        } else {
            int v = read_bit(e, &j->req);
            if (v && !r->req_prev)
                job_start(r);
            r->req_prev = v;
        }
        if (r->busy && !r->pending) /* under way: 0/25 for this call */
            s7__xout_running(&r->out, s7_exchange_status_code(S7_XST_STARTED));
        s7__xout_end(&r->out);
    }
}

/* When the next scan has work: a reply to take, a pulse to take back, a REQ bit to sample,
 * a cyclic job due. */
S7_HOT static int64_t scan_due(s7_xengine *e)
{
    int64_t due = INT64_MAX;
    for (size_t i = 0; i < e->x.njobs && due > e->next_scan; i++) {
        xjob *r = &e->jobs[i];
        int64_t t = r->pending || r->out.pulsed || r->j->trigger == S7_XTRIG_REQ ? e->next_scan
                                                                                 : r->next_due;
        if (t < due)
            due = t;
    }
    return due < e->next_scan ? e->next_scan : due;
}

/* The CPU went to STOP: its program calls no instruction.  Requests out are dropped when
 * their replies come, replies not yet taken are dropped now; the outputs stay as they are. */
static void enter_stop(s7_xengine *e)
{
    size_t out = 0;
    e->stopped = 1;
    for (size_t i = 0; i < e->x.njobs; i++) {
        xjob *r = &e->jobs[i];
        r->st.stopped = 1;
        if (r->pending) {
            r->pending = 0;
            r->busy = 0;
            r->st.busy = 0;
            r->st.dropped++;
            out++;
        } else if (r->busy) {
            r->aborted = 1;
            out++;
        }
    }
    if (e->x.njobs)
        xlog(e, S7_LOG_INFO, "CPU in STOP: its %zu job%s not called%s", e->x.njobs,
             e->x.njobs == 1 ? " is" : "s are",
             out ? "; the replies to requests still out are dropped" : "");
}

static void leave_stop(s7_xengine *e, int64_t now)
{
    e->stopped = 0;
    for (size_t i = 0; i < e->x.njobs; i++)
        e->jobs[i].st.stopped = 0;
    if (e->next_scan < now)
        e->next_scan = now;
    if (e->x.njobs)
        xlog(e, S7_LOG_INFO, "CPU in RUN: its jobs are called again");
}

/* Runs timers: reconnects and scans.  Returns the ms until the next one. */
S7_HOT static int tick(s7_xengine *e)
{
    int64_t now = s7_now_ms();
    int64_t next = now + 1000;
    if (!e->started)
        return 1000;
    for (size_t i = 0; i < e->x.nconns; i++) {
        xconn *k = &e->conns[i];
        if (!k->cl)
            continue;
        if (k->state == XC_UP && !s7_client_connected(k->cl))
            conn_lost(k, S7_ERR_CLOSED);
        if (k->state == XC_DOWN) {
            if (k->retry_at <= now)
                conn_try(k);
            if (k->state == XC_DOWN && k->retry_at < next)
                next = k->retry_at;
        }
    }
    if (cpu_stopped(e)) {
        if (!e->stopped)
            enter_stop(e);
        for (size_t i = 0; i < e->x.njobs; i++) { /* the cycles go on unseen */
            xjob *r = &e->jobs[i];
            long cy = r->j->cycle_ms;
            if (r->j->trigger == S7_XTRIG_CYCLIC && cy > 0 && r->next_due <= now)
                r->next_due += ((now - r->next_due) / cy + 1) * cy;
        }
        next = next < now + 100 ? next : now + 100; /* look at the mode again */
    } else {
        if (e->stopped)
            leave_stop(e, now);
        if (now >= scan_due(e)) {
            scan(e, now);
            e->next_scan = now + e->scan_ms;
        }
        int64_t due = scan_due(e);
        if (due < next)
            next = due;
    }
    now = s7_now_ms();
    return next <= now ? 0 : (int)(next - now);
}

S7_HOT size_t s7_xengine_fds(s7_xengine *e, struct pollfd *pfd, size_t cap, int *timeout_ms)
{
    size_t n = 0;
    int t = tick(e);
    for (size_t i = 0; i < e->x.nconns && n < cap; i++) {
        xconn *k = &e->conns[i];
        if (!k->cl || s7_client_fd(k->cl) < 0)
            continue;
        s7_client_step(k->cl, 0); /* submit and flush what the jobs queued */
        if (s7_client_fd(k->cl) < 0)
            continue;
        pfd[n].fd = s7_client_fd(k->cl);
        pfd[n].events = s7_client_events(k->cl);
        pfd[n].revents = 0;
        int ct = s7_client_timeout_ms(k->cl);
        if (ct >= 0 && ct < t)
            t = ct;
        n++;
    }
    if (timeout_ms && (*timeout_ms < 0 || t < *timeout_ms))
        *timeout_ms = t;
    return n;
}

/* Step the connections' clients with their poll events; queued_only: just those a job
 * queued a request on (revents none: that submits and flushes it). */
S7_HOT static void step_conns(s7_xengine *e, const struct pollfd *pfd, size_t n, int queued_only)
{
    for (size_t i = 0; i < e->x.nconns; i++) {
        xconn *k = &e->conns[i];
        int fd;
        if (!k->cl || (fd = s7_client_fd(k->cl)) < 0 || (queued_only && !k->queued))
            continue;
        k->queued = 0;
        short rev = 0;
        for (size_t p = 0; pfd && p < n; p++)
            if (pfd[p].fd == fd)
                rev = pfd[p].revents;
        int was = k->state;
        int rc = s7_client_step(k->cl, rev);
        if (rc < 0 && was == XC_UP && k->state == XC_UP)
            conn_lost(k, rc);
    }
}

S7_HOT int s7_xengine_process(s7_xengine *e, const struct pollfd *pfd, size_t n)
{
    step_conns(e, pfd, n, 0);
    tick(e);
    /* the requests of the jobs this tick started go out now: a job's latency runs from its
     * start, and nothing else (the server's turn, the caller's loop) comes in between */
    step_conns(e, NULL, 0, 1);
    return 0;
}

#define MAX_FDS 256

/* The CPU's own server: one turn without waiting; the next at the latest 10 ms from now. */
static int srv_turn(s7_xengine *e, int64_t now)
{
    e->next_srv = now + 10;
    return s7_server_run_once(e->srv, 0);
}

S7_HOT int s7_xengine_run_once(s7_xengine *e, int timeout_ms)
{
    struct pollfd pfd[MAX_FDS + 1];
    int t = timeout_ms;
    size_t n = s7_xengine_fds(e, pfd + 1, MAX_FDS, &t);
    size_t first = 1;
    if (e->srv) {
        pfd[0].fd = s7_server_fd(e->srv);
        pfd[0].events = POLLIN;
        pfd[0].revents = 0;
        first = 0;
        if (t < 0 || t > 100)
            t = 100; /* the server's own timers (idle, handshake deadlines) */
    }
    int r = poll(pfd + first, n + 1 - first, t);
    if (r < 0 && errno != EINTR)
        return S7_ERR_IO;
    if (r < 0)
        for (size_t i = 1; i <= n; i++)
            pfd[i].revents = 0;
    /* The server's turn: when its socket is ready, on a timeout (its timers) and at least
     * every 10 ms.  On a timeout it comes before the jobs, so that a request a job starts
     * is the last thing before the next wait: what runs between a request's send and the
     * wait delays the partner's answer when both share a CPU (the partner, woken by the
     * request, runs once this process sleeps).  Otherwise the jobs' answers come first (an
     * NDR does not wait for the server's turn), then the server. */
    int srv_first = e->srv && r <= 0;
    if (srv_first) {
        int sr = srv_turn(e, s7_now_ms());
        if (sr < 0)
            return sr;
    }
    int rc = s7_xengine_process(e, pfd + 1, n);
    if (e->srv && !srv_first) {
        int64_t now = s7_now_ms();
        if (pfd[0].revents || now >= e->next_srv) {
            int sr = srv_turn(e, now);
            if (sr < 0)
                return sr;
        }
    }
    return rc;
}

size_t s7_xengine_njobs(const s7_xengine *e) { return e ? e->x.njobs : 0; }

const s7_xjob *s7_xengine_job(const s7_xengine *e, size_t i)
{
    return e && i < e->x.njobs ? &e->x.jobs[i] : NULL;
}

void s7__xengine_req_rearm(s7_xengine *e, size_t i)
{
    if (e && i < e->x.njobs && e->jobs[i].j->trigger == S7_XTRIG_REQ)
        e->jobs[i].req_prev = 0;
}

int s7_xengine_state(const s7_xengine *e, size_t i, s7_xjob_state *st)
{
    if (!e || i >= e->x.njobs)
        return S7_ERR_INVAL;
    *st = e->jobs[i].st;
    return 0;
}
