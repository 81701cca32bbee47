/* The emulator's BSEND/BRCV/USEND/URCV jobs (include/s7/exchange_partner.h, "the
 * emulator's jobs"): s7_partner connections per the connection table, triggers, local
 * areas and the DONE/NDR/ERROR/STATUS outputs in the CPU's memory.  The jobs are called
 * once per scan, their outputs pulse (or latch) as the GET/PUT jobs' do (exchange/job_out.c). */
#define _POSIX_C_SOURCE 200809L
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/job_out.h"
#include "s7/exchange_partner.h"
#include "s7/net.h"
#include "s7/server.h"
#include "s7/wire.h"

typedef struct xp_conn {
    uint16_t id;
    s7_partner *p;
    s7_xconn c;           /* the entry of the connection table */
    uint16_t local_tsap;  /* this side's TSAP (a passive CR's called one) */
    uint16_t remote_tsap; /* the partner's TSAP (explicit, or from its rack/slot/type) */
    int counted;          /* its connection resource is reserved (attached) */
    int linked;           /* linked when last looked at (a change is logged) */
    int settled;          /* its first set-up came to an end: linked, or an attempt failed */
} xp_conn;

typedef struct xp_job {
    s7_xjob j;
    s7_partner *p;
    size_t conn; /* its connection: e->conns[conn] */
    uint8_t *rx; /* BRCV/URCV: what the partner writes before the job copies it */
    int busy, last_req;
    uint64_t busy_hits; /* triggers while a BSEND was under way (STATUS 11) */
    int64_t next_ms;
    s7_partner_status st; /* the last completed run (s7_xpartner_state) */
    s7__xout out;         /* DONE/NDR, ERROR, STATUS in memory and their pulse (job_out.h) */
    uint16_t logged;      /* the STATUS of the last result logged (0: ok, as at the start) */
    struct s7_xpartner *e;
} xp_job;

struct s7_xpartner {
    s7_cpu *cpu;
    s7_server *srv; /* attached: the passive connections come through its port */
    char why[200];  /* what the last CR handed over or refused was (s7_server_cr_fn) */
    char listen[64];
    xp_conn *conns;
    size_t nconns;
    xp_job *jobs;
    size_t njobs;
    long scan_ms;      /* the jobs are called once per scan, as the GET/PUT jobs are */
    int64_t next_scan; /* no scan before this */
    s7_log_fn log;     /* s7_xpartner_set_log: connections linked and lost, job results */
    void *log_ctx;
    uint32_t unmatched[16]; /* R_IDs of blocks no job took, logged once each */
    size_t nunmatched;
};

/* Any block a partner connection received (s7_partner_cfg.on_recv): one that no BRCV
 * (URCV) job of this CPU has the R_ID of is acknowledged and dropped, as the partner's
 * BSEND reports it done; logged once per R_ID so that the mismatch can be found. */
static void on_block(void *ctx, uint32_t r_id, const uint8_t *data, size_t len, int usend)
{
    s7_xpartner *e = ctx;
    (void)data;
    s7_xjob_kind want = usend ? S7_XJOB_URCV : S7_XJOB_BRCV;
    for (size_t i = 0; i < e->njobs; i++)
        if (e->jobs[i].j.kind == want && e->jobs[i].j.r_id == r_id)
            return;
    for (size_t i = 0; i < e->nunmatched; i++)
        if (e->unmatched[i] == r_id)
            return;
    if (e->nunmatched < sizeof e->unmatched / sizeof e->unmatched[0])
        e->unmatched[e->nunmatched++] = r_id;
    if (e->log) {
        char line[300];
        snprintf(line, sizeof line,
                 "a %s block of R_ID %u (%zu bytes) came, but no %s job of this CPU has that "
                 "R_ID: dropped (the partner's %s reports it done); give the jobs the same R_ID",
                 usend ? "USEND" : "BSEND", r_id, len, usend ? "urcv" : "brcv",
                 usend ? "USEND" : "BSEND");
        e->log(e->log_ctx, S7_LOG_WARN, line);
    }
}

void s7_xpartner_set_log(s7_xpartner *e, s7_log_fn log, void *ctx)
{
    e->log = log;
    e->log_ctx = ctx;
}

/* A partner connection linked or lost since the last look: one log line with its reason. */
static void log_link(s7_xpartner *e, xp_conn *k)
{
    int now = s7_partner_linked(k->p);
    if (now || s7_partner_reason(k->p)[0])
        k->settled = 1;
    if (now == k->linked)
        return;
    k->linked = now;
    if (!e->log)
        return;
    char line[400];
    if (now)
        snprintf(line, sizeof line, "partner connection %u%s%s to %s linked (PDU %u)", k->id,
                 k->c.name[0] ? " " : "", k->c.name,
                 k->c.side == S7_XCONN_UNSPECIFIED ? "any partner" : k->c.host,
                 s7_partner_pdu(k->p));
    else
        snprintf(line, sizeof line, "partner connection %u%s%s to %s lost: %s", k->id,
                 k->c.name[0] ? " " : "", k->c.name,
                 k->c.side == S7_XCONN_UNSPECIFIED ? "any partner" : k->c.host,
                 s7_partner_reason(k->p)[0] ? s7_partner_reason(k->p) : "closed");
    e->log(e->log_ctx, now ? S7_LOG_INFO : S7_LOG_WARN, line);
}

static int is_partner_kind(s7_xjob_kind k)
{
    return k == S7_XJOB_BSEND || k == S7_XJOB_BRCV || k == S7_XJOB_USEND || k == S7_XJOB_URCV;
}

static int is_sender(s7_xjob_kind k) { return k == S7_XJOB_BSEND || k == S7_XJOB_USEND; }

/* ---------------------------------------------------------------- local memory */

static uint8_t *local_at(s7_cpu *cpu, const s7_tag *t, uint32_t len)
{
    return s7__xout_local(cpu, t, len);
}

static uint32_t area_len(const s7_tag *t) { return t->type == S7_T_BOOL ? 1 : s7_tag_size(t); }

static int read_bit(s7_cpu *cpu, const s7_tag *t)
{
    uint8_t *p = local_at(cpu, t, 1);
    return p ? (*p >> t->bit) & 1 : 0;
}

/* What STATUS s of a partner job says (s7_partner_status). */
static const char *status_text(uint16_t s)
{
    switch (s) {
    case 1: return "connection problem (down, lost, or no acknowledgement in time)";
    case 2: return "negative acknowledgement from the partner";
    case 4:
        return "length: LEN out of range, the block larger than the receive area, or the "
               "local area not in this CPU's memory";
    default: return "see docs/exchange.md";
    }
}

/* A result whose ERROR/STATUS differs from the last one logged: one line, as the GET/PUT jobs
 * log theirs (s7_xengine: each change, never each run). */
static void log_change(xp_job *r, int error, uint16_t status)
{
    uint16_t now = error ? (status ? status : 1) : 0;
    if (now == r->logged)
        return;
    r->logged = now;
    s7_xpartner *e = r->e;
    if (!e || !e->log)
        return;
    char line[400];
    if (!now)
        snprintf(line, sizeof line, "job %s (%s, R_ID %u): ok", r->j.name,
                 s7_xjob_kind_name(r->j.kind), r->j.r_id);
    else
        snprintf(line, sizeof line, "job %s (%s, R_ID %u): ERROR 1 STATUS %u: %s", r->j.name,
                 s7_xjob_kind_name(r->j.kind), r->j.r_id, now, status_text(now));
    e->log(e->log_ctx, now ? S7_LOG_WARN : S7_LOG_INFO, line);
}

/* A completed run: its outputs for this scan (held when latched), what s7_xpartner_state
 * reports, and a log line when ERROR/STATUS changed. */
static void outputs(xp_job *r, int done, int error, uint16_t status)
{
    const s7_xjob *j = &r->j;
    r->st.done = (uint8_t)(done && is_sender(j->kind));
    r->st.ndr = (uint8_t)(done && !is_sender(j->kind));
    r->st.error = (uint8_t)error;
    r->st.status = status;
    s7__xout_result(&r->out, done, error, status);
    log_change(r, error, status);
}

/* ---------------------------------------------------------------- set-up */

/* The place in e->conns of connection c's partner, made at its first job; -1 out of memory. */
static long conn_partner(s7_xpartner *e, const s7_xconn *c)
{
    for (size_t i = 0; i < e->nconns; i++)
        if (e->conns[i].id == c->id)
            return (long)i;
    s7_partner_cfg cfg;
    s7_partner_cfg_init(&cfg);
    cfg.active = c->side == S7_XCONN_ACTIVE;
    cfg.port = c->port ? c->port : 102;
    if (cfg.active) {
        snprintf(cfg.host, sizeof cfg.host, "%s", c->addr[0] ? c->addr : c->host); /* at load */
    } else {
        snprintf(cfg.host, sizeof cfg.host, "%s", e->listen);
        if (c->side == S7_XCONN_PASSIVE)
            snprintf(cfg.peer, sizeof cfg.peer, "%.63s", c->addr[0] ? c->addr : c->host);
    }
    cfg.local_tsap = c->local_tsap;
    cfg.remote_tsap =
        c->remote_tsap ? c->remote_tsap : s7_tsap_make((uint8_t)c->type, c->rack, c->slot);
    if (!cfg.active && !c->remote_tsap) /* a passive entry without TSAPs: the partner default */
        cfg.local_tsap = cfg.remote_tsap = 0x1000;
    cfg.pdu_request = c->pdu ? c->pdu : 480;
    cfg.on_recv = on_block;
    cfg.ctx = e;
    s7_partner *p = s7_partner_new(&cfg);
    if (!p)
        return -1;
    xp_conn *n = realloc(e->conns, (e->nconns + 1) * sizeof *n);
    if (!n) {
        s7_partner_free(p);
        return -1;
    }
    e->conns = n;
    memset(&e->conns[e->nconns], 0, sizeof e->conns[e->nconns]);
    e->conns[e->nconns].id = c->id;
    e->conns[e->nconns].p = p;
    e->conns[e->nconns].c = *c;
    e->conns[e->nconns].local_tsap = cfg.local_tsap;
    e->conns[e->nconns].remote_tsap = cfg.remote_tsap;
    return (long)e->nconns++;
}

s7_xpartner *s7_xpartner_new(s7_cpu *cpu, const s7_exchange *x, const char *listen_addr)
{
    s7_xpartner *e = calloc(1, sizeof *e);
    if (!e)
        return NULL;
    e->cpu = cpu;
    e->scan_ms = x->scan_ms > 0 ? x->scan_ms : S7_XSCAN_DEFAULT;
    snprintf(e->listen, sizeof e->listen, "%s", listen_addr ? listen_addr : "");
    size_t n = 0;
    for (size_t i = 0; i < x->njobs; i++)
        n += is_partner_kind(x->jobs[i].kind) != 0;
    e->jobs = n ? calloc(n, sizeof *e->jobs) : NULL;
    if (n && !e->jobs)
        goto fail;
    for (size_t i = 0; i < x->njobs; i++) {
        const s7_xjob *j = &x->jobs[i];
        if (!is_partner_kind(j->kind))
            continue;
        const s7_xconn *c = s7_exchange_conn(x, j->conn_id);
        if (!c)
            goto fail;
        xp_job *r = &e->jobs[e->njobs++];
        r->j = *j;
        r->e = e;
        s7__xout_init(&r->out, cpu, &r->j, NULL, NULL);
        long k = conn_partner(e, c);
        if (k < 0)
            goto fail;
        r->conn = (size_t)k;
        r->p = e->conns[k].p;
        if (!is_sender(j->kind)) {
            r->rx = malloc(S7_BSEND_MAX);
            if (!r->rx ||
                s7_partner_brcv(r->p, j->r_id, r->rx, S7_BSEND_MAX, j->kind == S7_XJOB_URCV) < 0)
                goto fail;
        }
    }
    return e;
fail:
    s7_xpartner_free(e);
    return NULL;
}

static int conn_type(const s7_xconn *c)
{
    return c->type >= S7_CONN_PG && c->type <= S7_CONN_BASIC ? (int)c->type : S7_CONN_BASIC;
}

void s7_xpartner_free(s7_xpartner *e)
{
    if (!e)
        return;
    if (e->srv) {
        s7_server_on_cr(e->srv, NULL, NULL);
        for (size_t i = 0; i < e->nconns; i++)
            if (e->conns[i].counted)
                s7_server_conn_release(e->srv, conn_type(&e->conns[i].c));
    }
    for (size_t i = 0; i < e->nconns; i++)
        s7_partner_free(e->conns[i].p);
    for (size_t i = 0; i < e->njobs; i++)
        free(e->jobs[i].rx);
    free(e->conns);
    free(e->jobs);
    free(e);
}

int s7_xpartner_start(s7_xpartner *e, char *err, size_t errcap)
{
    int64_t now = s7_now_ms();
    for (size_t i = 0; i < e->njobs; i++)
        e->jobs[i].next_ms = now;
    e->next_scan = now;
    for (size_t i = 0; i < e->nconns; i++) {
        if (e->srv && e->conns[i].c.side != S7_XCONN_ACTIVE)
            continue; /* its CRs come through the server's port (s7_xpartner_attach) */
        int r = s7_partner_start(e->conns[i].p);
        if (r < 0) {
            snprintf(err, errcap, "connection %u: %s", e->conns[i].id,
                     s7_partner_reason(e->conns[i].p));
            return r;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- the CPU's own port */

static const char *const TYPE_NAMES[4] = {"?", "PG", "OP", "S7 basic"};

/* The passive connection a CR names: called TSAP = its local TSAP; calling TSAP = its
 * partner's TSAP and the source its partner's address (side passive), or any (unspecified).
 * A passive entry before an unspecified one; of several alike, one not connected first. */
static xp_conn *cr_match(s7_xpartner *e, const s7_server_cr *in)
{
    const s7_cotp *cr = in->cr;
    if (cr->called_len != 2 || !cr->called)
        return NULL;
    uint16_t called = (uint16_t)(cr->called[0] << 8 | cr->called[1]);
    int calling_ok = cr->calling_len == 2 && cr->calling;
    uint16_t calling = calling_ok ? (uint16_t)(cr->calling[0] << 8 | cr->calling[1]) : 0;
    xp_conn *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < e->nconns; i++) {
        xp_conn *k = &e->conns[i];
        if (k->c.side == S7_XCONN_ACTIVE || k->local_tsap != called)
            continue;
        int rank;
        if (k->c.side == S7_XCONN_PASSIVE) {
            if (!calling_ok || calling != k->remote_tsap ||
                strcmp(in->peer_addr, k->c.addr[0] ? k->c.addr : k->c.host) != 0)
                continue;
            rank = 4;
        } else {
            rank = 2;
        }
        if (!s7_partner_connected(k->p))
            rank++;
        if (rank > best_rank) {
            best = k;
            best_rank = rank;
        }
    }
    return best;
}

static int on_cr(void *ctx, const s7_server_cr *in, const char **why)
{
    s7_xpartner *e = ctx;
    xp_conn *k = cr_match(e, in);
    if (!k)
        return 0; /* a PUT/GET client, or a TSAP no partner connection has: the CPU's rules */
    char cname[S7_XNAME_MAX + 8] = "";
    if (k->c.name[0])
        snprintf(cname, sizeof cname, " (%s)", k->c.name);
    if (!k->counted) { /* not reserved: no free resource when attached (cannot happen) */
        snprintf(e->why, sizeof e->why, "partner connection %u%s has no connection resource", k->id,
                 cname);
        *why = e->why;
        return S7_ERR_CR_REJECTED;
    }
    if (s7_partner_adopt(k->p, in->fd, in->bytes, in->len) < 0) {
        snprintf(e->why, sizeof e->why, "partner connection %u%s could not take the socket", k->id,
                 cname);
        *why = e->why;
        return S7_ERR_CR_REJECTED;
    }
    snprintf(e->why, sizeof e->why, "partner connection %u%s (TSAP %04X, %s)", k->id, cname,
             k->local_tsap, k->c.side == S7_XCONN_PASSIVE ? "passive" : "unspecified partner");
    *why = e->why;
    return 1;
}

int s7_xpartner_attach(s7_xpartner *e, s7_server *srv, char *err, size_t errcap)
{
    if (!e || !srv || e->srv)
        return S7_ERR_INVAL;
    for (size_t i = 0; i < e->nconns; i++) {
        xp_conn *k = &e->conns[i];
        int t = conn_type(&k->c);
        if (s7_server_conn_acquire(srv, t) < 0) {
            uint16_t use[4];
            s7_server_connections(srv, use);
            use[0] = (uint16_t)(use[1] + use[2] + use[3]);
            const s7_profile *pr = s7_cpu_profile(e->cpu);
            snprintf(err, errcap,
                     "%s%sconnection %u: no free %s connection resource for this partner "
                     "connection (%u of %u %s, %u of %u in all, in use): raise the CPU's budget "
                     "(--max-conn) or give the connection another type",
                     k->c.where, k->c.where[0] ? ": " : "", k->id, TYPE_NAMES[t], use[t],
                     pr->max_conn[t], TYPE_NAMES[t], use[0], pr->max_conn[0]);
            for (size_t j = 0; j < i; j++)
                s7_server_conn_release(srv, conn_type(&e->conns[j].c));
            for (size_t j = 0; j < i; j++)
                e->conns[j].counted = 0;
            return S7_ERR_BUSY;
        }
        k->counted = 1;
    }
    e->srv = srv;
    s7_server_on_cr(srv, on_cr, e);
    return 0;
}

uint16_t s7_xpartner_port(const s7_xpartner *e, uint16_t conn_id)
{
    for (size_t i = 0; i < e->nconns; i++)
        if (e->conns[i].id == conn_id)
            return s7_partner_port(e->conns[i].p);
    return 0;
}

/* ---------------------------------------------------------------- the jobs */

static void start_send(s7_xpartner *e, xp_job *r)
{
    const s7_xjob *j = &r->j;
    if (r->busy) { /* the instruction's 0/11 for this call: the running job goes on */
        r->busy_hits++;
        s7__xout_running(&r->out, 11);
        return;
    }
    const s7_tag *sd = &j->areas[0].local;
    uint32_t len = j->nareas ? area_len(sd) : 0;
    uint8_t *src = len ? local_at(e->cpu, sd, len) : NULL;
    if (!src) { /* SD_1 missing or not in this CPU's memory: a length/area error */
        outputs(r, 0, 1, 4);
        r->st.errors++;
        return;
    }
    if (j->kind == S7_XJOB_USEND) {
        int rc = s7_partner_usend(r->p, j->r_id, src, len);
        s7_partner_status ps;
        s7_partner_send_status(r->p, j->r_id, &ps);
        outputs(r, rc == 0, rc != 0, rc == 0 ? 0 : ps.status ? ps.status : 1);
        rc == 0 ? r->st.count++ : r->st.errors++;
        return;
    }
    int rc = s7_partner_bsend(r->p, j->r_id, src, len);
    if (rc < 0) {
        outputs(r, 0, 1, rc == S7_ERR_INVAL ? 4 : 1);
        r->st.errors++;
        return;
    }
    r->busy = 1;
    r->st.busy = 1;
    s7__xout_running(&r->out, 25); /* 0/25: started (latched: the last run stays) */
}

static void check_send(s7_xpartner *e, xp_job *r)
{
    s7_partner_status ps;
    if (!r->busy || s7_partner_send_status(r->p, r->j.r_id, &ps) < 0 || ps.busy)
        return;
    r->busy = 0;
    r->st.busy = 0;
    outputs(r, ps.done, ps.error, ps.status);
    ps.error ? r->st.errors++ : r->st.count++;
}

static void check_recv(s7_xpartner *e, xp_job *r)
{
    s7_partner_status ps;
    if (s7_partner_recv_status(r->p, r->j.r_id, &ps) < 0)
        return;
    if (ps.ndr) {
        const s7_tag *rd = &r->j.areas[0].local;
        uint32_t cap = r->j.nareas ? area_len(rd) : 0;
        uint8_t *dst = cap ? local_at(e->cpu, rd, cap) : NULL;
        if (r->j.nareas && (!dst || ps.len > cap)) { /* does not fit RD_1 */
            outputs(r, 0, 1, 4);
            r->st.errors++;
            return;
        }
        if (dst && ps.len) /* through s7_cpu_write: reported, journaled when retentive */
            s7__xout_put(e->cpu, rd, r->rx, ps.len);
        r->st.len = ps.len;
        outputs(r, 1, 0, 0);
        r->st.count++;
    }
}

/* One scan (one call of each job's instruction): the last scan's pulse taken back, a
 * completed run's outputs set, due senders started, a running BSEND shown as 0/25. */
static void run_jobs(s7_xpartner *e)
{
    int64_t now = s7_now_ms();
    if (s7_cpu_state(e->cpu) == S7_CPU_STATE_STOP)
        return; /* no program runs: no BSEND/BRCV is called (docs/exchange.md) */
    if (now < e->next_scan)
        return;
    e->next_scan = now + e->scan_ms;
    for (size_t i = 0; i < e->njobs; i++) {
        xp_job *r = &e->jobs[i];
        s7__xout_scan(&r->out);
        if (!is_sender(r->j.kind)) {
            check_recv(e, r);
            s7__xout_end(&r->out);
            continue;
        }
        check_send(e, r);
        int fire = 0;
        if (r->j.trigger == S7_XTRIG_REQ) {
            int req = read_bit(e->cpu, &r->j.req);
            fire = req && !r->last_req;
            r->last_req = req;
        } else if (now >= r->next_ms) {
            const xp_conn *k = &e->conns[r->conn];
            /* a cyclic job waits for its active connection's first set-up, as a GET/PUT job
             * does: no ERROR 1/1 in the first scans of a CPU before it could link */
            if (k->settled || k->c.side != S7_XCONN_ACTIVE) {
                fire = 1;
                r->next_ms = now + (r->j.cycle_ms > 0 ? r->j.cycle_ms : 1000);
            }
        }
        if (fire && s7_partner_linked(r->p))
            start_send(e, r);
        else if (fire) { /* not linked: the instruction reports a connection problem */
            outputs(r, 0, 1, 1);
            r->st.errors++;
        }
        if (r->busy) /* under way: 0/25 for this call */
            s7__xout_running(&r->out, 25);
        s7__xout_end(&r->out);
    }
}

size_t s7_xpartner_fds(s7_xpartner *e, struct pollfd *pfd, size_t cap, int *timeout_ms)
{
    size_t n = 0;
    for (size_t i = 0; i < e->nconns && n < cap; i++) {
        short ev;
        int fd = s7_partner_pollfd(e->conns[i].p, &ev);
        if (fd >= 0)
            pfd[n++] = (struct pollfd){.fd = fd, .events = ev};
    }
    /* at most 10 ms: the partners' timers, and the scans that sample REQ bits and cycles */
    int t = 10;
    if (e->njobs && s7_cpu_state(e->cpu) != S7_CPU_STATE_STOP) {
        int64_t left = e->next_scan - s7_now_ms();
        if (left < t)
            t = left < 0 ? 0 : (int)left;
    }
    if (timeout_ms && (*timeout_ms < 0 || t < *timeout_ms))
        *timeout_ms = t;
    return n;
}

int s7_xpartner_process(s7_xpartner *e, const struct pollfd *pfd, size_t n)
{
    (void)pfd; /* each partner looks at its own sockets without waiting */
    (void)n;
    for (size_t i = 0; i < e->nconns; i++) {
        s7_partner_run(e->conns[i].p, 0);
        log_link(e, &e->conns[i]);
    }
    run_jobs(e);
    return 0;
}

int s7_xpartner_run_once(s7_xpartner *e, int timeout_ms)
{
    struct pollfd pf[65];
    int t = timeout_ms;
    size_t n = s7_xpartner_fds(e, pf, 64, &t);
    if (e->srv) { /* attached: the server's activity ends the wait too */
        int sfd = s7_server_fd(e->srv);
        if (sfd >= 0)
            pf[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    }
    poll(pf, (nfds_t)n, t);
    return s7_xpartner_process(e, pf, n);
}

size_t s7_xpartner_njobs(const s7_xpartner *e) { return e->njobs; }

const s7_xjob *s7_xpartner_job(const s7_xpartner *e, size_t i)
{
    return i < e->njobs ? &e->jobs[i].j : NULL;
}

int s7_xpartner_state(const s7_xpartner *e, size_t i, s7_partner_status *st)
{
    if (i >= e->njobs)
        return S7_ERR_INVAL;
    *st = e->jobs[i].st;
    return 0;
}
