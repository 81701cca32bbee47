/* The bridge engine (exchange_bridge.h): jobs that copy areas between CPUs, many CPUs on one
 * thread: every partner's client handle is driven through its fd/events/step interface from
 * one readiness loop (net/loop.h: epoll), so a wake-up costs the handles that are ready, not
 * every handle.
 *
 * Each partner is one client handle.  Completion callbacks only record what happened; the
 * next step of a job (the write after the read, the handshake after the transfer) and every
 * reconnect are started from s7_bridge_run() after the poll, so no callback re-enters a
 * handle.  A partner that is down makes only its own jobs fail; the connects are
 * non-blocking and retried with a back-off that doubles up to backoff_max_ms. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <poll.h>

#include "client/fixed.h"
#include "exchange/bridge_int.h"
#include "exchange/resolve.h"
#include "exchange/status.h"
#include "net/loop.h"
#include "s7/exchange.h"
#include "s7/exchange_bridge.h"
#include "s7/explain.h"
#include "s7/net.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/text.h"
#include "util/hot.h"
#include "util/hotmem.h"

enum { PH_IDLE = 0, PH_TRIG, PH_READ, PH_WRITE, PH_HS };

typedef struct partner {
    char *name, *host;
    char addr[64]; /* host resolved when it was added: the engine dials this */
    uint16_t port;
    s7_client *c;
    int fd_reg;      /* the fd registered in the loop (-1 none) */
    uint32_t ev_reg; /* its events */
    int up, connecting, tried;
    int connect_rc, connect_done; /* set by the callback */
    /* what the client said when last called (sync_fd), so that a turn of the loop does not
     * visit every client: touched (a call may have changed its connection) and deadline
     * (s7_now_ms() when its connect or request timeout runs out; -1 none) */
    int touched, listed; /* listed: in the bridge's list of touched partners */
    int64_t deadline;
    int64_t next_try, backoff;
    int64_t up_ms; /* s7_now_ms() when it was last connected */
    s7_bridge_partner_stats st;
} partner;

typedef struct job {
    s7_bridge_job spec;
    char *name;
    uint8_t *buf, *prev; /* the areas' bytes back to back; prev: last written (on change) */
    size_t len;
    int have_prev;
    s7_item *src, *dst;  /* n each */
    s7_item trig, hs[3]; /* hs: the configured ones of done, error, status */
    size_t nhs;
    uint8_t trig_val, done_val, err_val, status_val[2];
    int last_trig, hs_pending;   /* hs_pending: 1 write done/error, 2 clear them */
    int poll_err, poll_was;      /* the REQ bit could not be polled (the state before: poll_was) */
    uint32_t need_src, need_dst; /* a job model's GET/PUT: the bytes the source's read and the
                                  * destination's write take in one PDU each (both CPUs
                                  * move the areas in one request: s7__bridge_job_whole), 0 none */
    int phase, result_ready, result;
    char *why;  /* keep_why: what in the reply of a failed request did not fit */
    size_t idx; /* in the bridge's j and due */
    int64_t t0_us;
    struct s7_bridge *b;
    s7_hist hist;
    s7_bridge_job_stats st;
} job;

/* The receive and send buffers every partner's client shares (one thread drives them all):
 * they stay in the cache, where 100 connections' own buffers would not. */
#define RXBUF (S7_FRAME_MAX + 4096)
#define TXBUF (S7_FRAME_MAX + 4096)

struct s7_bridge {
    s7_bridge_opts o;
    s7_loop *loop;
    uint8_t *rxbuf, *txbuf;
    partner *p;
    size_t np, capp;
    job **j;
    int64_t *due; /* per job (as j): s7_now_ms() when it is due next; apart from the jobs so
                   * that looking for the due ones reads one array, not every job */
    size_t nj, capj;
    int started; /* s7_bridge_run ran: the jobs added before it start together at its first
                  * pass (adding them took a few ms; apart, each would cost its own wake-up
                  * every cycle) */
    /* so that a turn of the loop visits the jobs that have something to do, not all: the
     * jobs whose answer arrived (on_done), and the earliest due time of all */
    job **ready;
    size_t nready;
    int64_t min_due;
    /* and the partners that need a look, not all: while every partner is up, the ones
     * touched since the last look (indices in p), and the earliest deadline (a bound: no
     * partner's deadline is earlier) */
    uint32_t *touch;
    size_t ntouch;
    size_t ndown; /* partners not up (then every partner is looked at) */
    int64_t min_deadline;
    uint64_t max_runs; /* s7_bridge_set_max_runs (0: none) */
};

void s7_bridge_opts_init(s7_bridge_opts *o)
{
    memset(o, 0, sizeof *o);
    o->backoff_min_ms = 200;
    o->backoff_max_ms = 5000;
}

s7_bridge *s7_bridge_new(const s7_bridge_opts *opts)
{
    s7_bridge *b = calloc(1, sizeof *b);
    if (!b)
        return NULL;
    if (opts)
        b->o = *opts;
    else
        s7_bridge_opts_init(&b->o);
    if (b->o.backoff_min_ms <= 0)
        b->o.backoff_min_ms = 200;
    if (b->o.backoff_max_ms < b->o.backoff_min_ms)
        b->o.backoff_max_ms = b->o.backoff_min_ms;
    b->min_deadline = INT64_MAX;
    b->loop = s7_loop_new(0);
    b->rxbuf = malloc(RXBUF);
    b->txbuf = malloc(TXBUF);
    if (!b->loop || !b->rxbuf || !b->txbuf) {
        s7_loop_free(b->loop);
        free(b->rxbuf);
        free(b->txbuf);
        free(b);
        return NULL;
    }
    return b;
}

/* A job's records: from the memory of records every cycle touches (util/hotmem.h). */
static void job_free(job *j)
{
    free(j->name);
    free(j->why);
    s7__hot_free(j->buf, 2 * (j->len ? j->len : 1));
    s7__hot_free(j->src, j->spec.n * sizeof *j->src);
    s7__hot_free(j->dst, j->spec.n * sizeof *j->dst);
    s7__hot_free(j, sizeof *j);
}

void s7_bridge_free(s7_bridge *b)
{
    if (!b)
        return;
    /* close first: the callbacks of jobs still in flight run now, into live records */
    for (size_t i = 0; i < b->np; i++)
        s7_client_close(b->p[i].c);
    for (size_t i = 0; i < b->np; i++) {
        s7_client_free(b->p[i].c);
        free(b->p[i].name);
        free(b->p[i].host);
    }
    for (size_t i = 0; i < b->nj; i++)
        job_free(b->j[i]);
    s7_loop_free(b->loop);
    free(b->rxbuf);
    free(b->txbuf);
    free(b->p);
    free(b->touch);
    free(b->j);
    free(b->due);
    free(b->ready);
    free(b);
}

static void blog(s7_bridge *b, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void blog(s7_bridge *b, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s7__logv(b->o.log, b->o.log_ctx, level, 512, fmt, ap);
    va_end(ap);
}

int s7_bridge_add_partner(s7_bridge *b, const char *name, const char *host, uint16_t port,
                          const s7_client_opts *co)
{
    if (!name || !*name || !host || !*host)
        return S7_ERR_INVAL;
    for (size_t i = 0; i < b->np; i++)
        if (strcmp(b->p[i].name, name) == 0)
            return S7_ERR_INVAL;
    char addr[64];
    int rr = s7__xhost_resolve(host, addr, sizeof addr, NULL, 0); /* now, not in the engine */
    if (rr < 0)
        return rr;
    if (b->np == b->capp) {
        size_t cap = b->capp ? b->capp * 2 : 8;
        partner *p = realloc(b->p, cap * sizeof *p);
        if (!p)
            return S7_ERR_NOMEM;
        b->p = p;
        uint32_t *t = realloc(b->touch, cap * sizeof *t);
        if (!t)
            return S7_ERR_NOMEM;
        b->touch = t;
        b->capp = cap;
    }
    partner *p = &b->p[b->np];
    memset(p, 0, sizeof *p);
    p->name = s7__strdup(name);
    p->host = s7__strdup(host);
    memcpy(p->addr, addr, sizeof addr);
    p->port = port ? port : 102;
    p->c = s7_client_new(co);
    if (p->c) {
        s7_client_set_rx_buffer(p->c, b->rxbuf, RXBUF);
        s7_client_set_tx_buffer(p->c, b->txbuf, TXBUF);
        s7_client_set_whole_requests(p->c, 1); /* a job's areas: one request, whole */
    }
    p->fd_reg = -1;
    p->deadline = -1;
    if (!p->name || !p->host || !p->c) {
        s7_client_free(p->c);
        free(p->name);
        free(p->host);
        return S7_ERR_NOMEM;
    }
    p->backoff = b->o.backoff_min_ms;
    p->st.since_ms = s7__wall_ms();
    b->ndown++;
    return (int)b->np++;
}

static int bool_tag(const s7_tag *t) { return t->type == S7_T_BOOL && t->count == 1; }

int s7_bridge_add_job(s7_bridge *b, const s7_bridge_job *sj, char *err, size_t errcap)
{
    const char *nm = sj->name && *sj->name ? sj->name : "(unnamed)";
    char a[64], c2[64];
#define FAIL(...)                               \
    do {                                        \
        if (err)                                \
            snprintf(err, errcap, __VA_ARGS__); \
        return S7_ERR_INVAL;                    \
    } while (0)
    if (!sj->name || !*sj->name)
        FAIL("a job has no name: give each job a name (it labels the table and the metrics)");
    for (size_t i = 0; i < b->nj; i++)
        if (strcmp(b->j[i]->name, sj->name) == 0)
            FAIL("job '%s': the name is used twice; give each job its own name", nm);
    if (sj->src < 0 || (size_t)sj->src >= b->np || sj->dst < 0 || (size_t)sj->dst >= b->np)
        FAIL("job '%s': names no known partner as source or destination", nm);
    if (sj->n < 1 || sj->n > S7_BRIDGE_MAX_TAGS || !sj->from || !sj->to)
        FAIL("job '%s': %zu areas; a job copies 1 to %d areas", nm, sj->n, S7_BRIDGE_MAX_TAGS);
    if (sj->mode < S7_BRIDGE_CYCLIC || sj->mode > S7_BRIDGE_TRIGGER)
        FAIL("job '%s': unknown start mode %d (cyclic, on change or trigger)", nm, sj->mode);
    if (sj->cycle_ms < 1 || sj->cycle_ms > 86400000L)
        FAIL("job '%s': cycle %ld ms is out of range; give 1 ms to 24 h", nm, sj->cycle_ms);
    size_t len = 0;
    for (size_t i = 0; i < sj->n; i++) {
        uint32_t ls = s7_tag_wire_size(&sj->from[i]), ld = s7_tag_wire_size(&sj->to[i]);
        if (ls != ld) {
            s7_tag_format(&sj->from[i], a, sizeof a);
            s7_tag_format(&sj->to[i], c2, sizeof c2);
            FAIL("job '%s': area %zu copies %s (%u bytes) into %s (%u bytes); both sides of an "
                 "area must have the same size",
                 nm, i + 1, a, ls, c2, ld);
        }
        len += ls;
    }
    if (sj->mode == S7_BRIDGE_TRIGGER) {
        if (sj->hs < 0 || (size_t)sj->hs >= b->np)
            FAIL("job '%s': the trigger names no known partner", nm);
        if (!bool_tag(&sj->trigger))
            FAIL("job '%s': the trigger must be one BOOL (e.g. DB40.DBX0.0)", nm);
        if (sj->has_done && !bool_tag(&sj->done))
            FAIL("job '%s': the done bit must be one BOOL (e.g. DB40.DBX0.1)", nm);
        if (sj->has_error && !bool_tag(&sj->error))
            FAIL("job '%s': the error bit must be one BOOL (e.g. DB40.DBX0.2)", nm);
        if (sj->has_status && s7_tag_wire_size(&sj->status) != 2)
            FAIL("job '%s': the status must be one WORD (e.g. DB40.DBW2)", nm);
    }
#undef FAIL
    if (b->nj == b->capj) {
        size_t cap = b->capj ? b->capj * 2 : 16;
        job **jj = realloc(b->j, cap * sizeof *jj);
        if (!jj)
            return S7_ERR_NOMEM;
        b->j = jj;
        jj = realloc(b->ready, cap * sizeof *jj);
        if (!jj)
            return S7_ERR_NOMEM;
        b->ready = jj;
        int64_t *due = realloc(b->due, cap * sizeof *due);
        if (!due)
            return S7_ERR_NOMEM;
        b->due = due;
        b->capj = cap;
    }
    job *j = s7__hot_zalloc(sizeof *j);
    if (!j)
        return S7_ERR_NOMEM;
    j->spec = *sj;
    j->len = len;
    j->name = s7__strdup(sj->name);
    j->buf = s7__hot_zalloc(2 * (len ? len : 1));
    j->src = s7__hot_zalloc(sj->n * sizeof *j->src);
    j->dst = s7__hot_zalloc(sj->n * sizeof *j->dst);
    if (!j->name || !j->buf || !j->src || !j->dst) {
        job_free(j);
        return S7_ERR_NOMEM;
    }
    j->spec.from = j->spec.to = NULL; /* the caller's; the items below hold what is needed */
    j->spec.name = j->name;
    j->prev = j->buf + len;
    size_t off = 0;
    for (size_t i = 0; i < sj->n; i++) {
        s7_item_from_tag(&j->src[i], &sj->from[i], j->buf + off);
        s7_item_from_tag(&j->dst[i], &sj->to[i], j->buf + off);
        off += s7_tag_wire_size(&sj->from[i]);
    }
    /* src and dst never change from here on, and only their clients write their results:
     * a cycle then does not read them to check its cached plans (s7__client_items_fixed;
     * on a failure to remember that, they are checked every cycle) */
    (void)s7__client_items_fixed(b->p[sj->src].c, j->src);
    (void)s7__client_items_fixed(b->p[sj->dst].c, j->dst);
    if (sj->mode == S7_BRIDGE_TRIGGER) {
        s7_item_from_tag(&j->trig, &sj->trigger, &j->trig_val);
        if (sj->has_done)
            s7_item_from_tag(&j->hs[j->nhs++], &sj->done, &j->done_val);
        if (sj->has_error)
            s7_item_from_tag(&j->hs[j->nhs++], &sj->error, &j->err_val);
        if (sj->has_status)
            s7_item_from_tag(&j->hs[j->nhs++], &sj->status, j->status_val);
    }
    j->st.name = j->name;
    j->st.since_ms = s7__wall_ms();
    j->st.status = S7_XST_OK;
    j->st.status_cause = "waiting"; /* no run yet: STATUS 0, nothing to report */
    j->b = b;
    j->idx = b->nj;
    b->min_due = INT64_MIN; /* the next turn looks at every job */
    b->due[b->nj] = s7_now_ms();
    b->j[b->nj] = j;
    return (int)b->nj++;
}

void s7_bridge_set_max_runs(s7_bridge *b, uint64_t n) { b->max_runs = n; }

size_t s7_bridge_njobs(const s7_bridge *b) { return b->nj; }
size_t s7_bridge_npartners(const s7_bridge *b) { return b->np; }

/* ---------------------------------------------------------------- errors */

/* Item 0x05 on a DB: the DB is shorter than the range, or it has optimized block access (0x05
 * even at offset 0).  s7 read and the doctor find out which with one-byte reads; the bridge
 * does not probe between its cycles, so it names both with this DB and range, and the command
 * that tells which (and the DB's length), instead of the table's general text. */
static void db_range_error(s7_bridge_error *e, const partner *p, const s7_item *it)
{
    uint8_t ts = it->ts ? it->ts : S7_TS_BYTE;
    uint32_t n = ts == S7_TS_BIT ? 1 : it->count * s7_ts_elem_size(ts);
    uint32_t end = it->start + (n ? n : 1);
    char tgt[300];
    if (p->port == 102)
        snprintf(tgt, sizeof tgt, "%s", p->host);
    else if (strchr(p->host, ':'))
        snprintf(tgt, sizeof tgt, "[%s]:%u", p->host, (unsigned)p->port);
    else
        snprintf(tgt, sizeof tgt, "%s:%u", p->host, (unsigned)p->port);
    s7__errf(e->cause, sizeof e->cause,
             "DB%u refuses bytes %u..%u: it is shorter than %u bytes, or it has optimized block "
             "access (0x05 even at offset 0)",
             (unsigned)it->db, (unsigned)it->start, (unsigned)end - 1, (unsigned)end);
    s7__errf(e->fix, sizeof e->fix,
             "s7 doctor %s --db %u:%u tells which, and the DB's length; then untick \"Optimized "
             "block access\" in DB%u's properties, or make it longer, and download it",
             tgt, (unsigned)it->db, (unsigned)end, (unsigned)it->db);
}

static void set_error(s7_bridge_error *e, const partner *p, const char *what, int rc,
                      const s7_client *c, const char *why, const s7_item *items, size_t n)
{
    memset(e, 0, sizeof *e);
    e->err = rc;
    snprintf(e->where, sizeof e->where, "%s %s", p->name, what);
    if (rc == S7_ERR_ITEM) {
        for (size_t i = 0; i < n; i++) {
            if (items[i].status == S7_ERR_ITEM) {
                e->plc = items[i].rc;
                s7_item_status_id(S7_ERR_ITEM, items[i].rc, e->id, sizeof e->id);
                s7_item_explain(items[i].rc, items[i].area, items[i].db, 0, e->cause,
                                sizeof e->cause, e->fix, sizeof e->fix);
                if (items[i].rc == S7_RC_ADDR_OUT_OF_RANGE &&
                    (items[i].area == S7_AREA_DB || items[i].area == S7_AREA_DI))
                    db_range_error(e, p, &items[i]);
                snprintf(e->text, sizeof e->text, "item error 0x%02X: %s", items[i].rc,
                         s7_explain_code(S7_EX_ITEM, items[i].rc)->text);
                return;
            }
            if (items[i].status < 0) {
                rc = items[i].status;
                break;
            }
        }
        if (rc == S7_ERR_ITEM) {
            snprintf(e->id, sizeof e->id, "%s", s7_err_id(rc));
            snprintf(e->text, sizeof e->text, "%s", s7_strerror(rc));
            return;
        }
        e->err = rc;
    }
    if (rc == S7_ERR_PLC && c) {
        const s7_explain *x = s7_client_last_error(c);
        e->plc = x->code;
        s7_explain_id(x, e->id, sizeof e->id);
        snprintf(e->cause, sizeof e->cause, "%s", x->cause && *x->cause ? x->cause : x->text);
        snprintf(e->fix, sizeof e->fix, "%s", x->fix ? x->fix : "");
        snprintf(e->text, sizeof e->text, "the PLC answered 0x%04X: %s", x->code, x->text);
        return;
    }
    snprintf(e->id, sizeof e->id, "%s", s7_err_id(rc));
    if (!why && c && (rc == S7_ERR_PARAM || rc == S7_ERR_PROTO))
        why = s7_client_peer_problem(c);
    if (why && *why) /* what in the reply did not fit: "the reply answers 1 of ..." */
        snprintf(e->text, sizeof e->text, "%s: %s", s7_strerror(rc), why);
    else
        snprintf(e->text, sizeof e->text, "%s", s7_strerror(rc));
    s7_err_ctx ctx;
    memset(&ctx, 0, sizeof ctx);
    ctx.host = p->host;
    ctx.port = p->port;
    /* a CPU that served the bridge before: its address was right, something changed */
    if (p->st.connects &&
        s7_err_explain_served(rc, &ctx, e->cause, sizeof e->cause, e->fix, sizeof e->fix))
        return;
    if (!s7_err_explain(rc, &ctx, e->cause, sizeof e->cause, e->fix, sizeof e->fix))
        snprintf(e->cause, sizeof e->cause, "%s", s7_strerror(rc));
}

/* ---------------------------------------------------------------- the loop */

/* Keep p's registration in the loop in line with its client: called right after every call
 * that may open, close or change the socket (connect, step), before any other partner can
 * open one, so a closed descriptor's number is never taken for another partner's. */
S7_HOT static void sync_fd(s7_bridge *b, partner *p)
{
    int fd = s7_client_fd(p->c);
    p->touched = 1;
    if (!p->listed) {
        p->listed = 1;
        b->touch[b->ntouch++] = (uint32_t)(p - b->p);
    }
    p->deadline = -1;
    if (fd >= 0 && (p->connecting || s7_client_pending(p->c))) {
        p->deadline = s7_client_deadline_ms(p->c); /* connect and request timeouts */
        if (p->deadline >= 0 && p->deadline < b->min_deadline)
            b->min_deadline = p->deadline;
    }
    short e = fd >= 0 ? s7_client_events(p->c) : 0;
    uint32_t want = ((e & POLLIN) ? S7_LOOP_IN : 0) | ((e & POLLOUT) ? S7_LOOP_OUT : 0);
    if (fd != p->fd_reg) {
        if (p->fd_reg >= 0)
            s7_loop_del(b->loop, p->fd_reg); /* closed already: epoll forgot it, poll must */
        p->fd_reg = -1;
        if (fd >= 0 && s7_loop_add(b->loop, fd, want, p) == 0) {
            p->fd_reg = fd;
            p->ev_reg = want;
        }
    } else if (fd >= 0 && want != p->ev_reg) {
        if (s7_loop_mod(b->loop, fd, want, p) == 0)
            p->ev_reg = want;
    }
}

/* Send what was queued on p now. */
static void kick(s7_bridge *b, partner *p)
{
    s7_client_step(p->c, 0);
    sync_fd(b, p);
}

/* ---------------------------------------------------------------- partners */

static void on_connect(s7_client *c, int rc, void *ud)
{
    partner *p = ud;
    (void)c;
    p->connect_rc = rc;
    p->connect_done = 1;
}

static void partner_lost(s7_bridge *b, partner *p, int rc, const char *what, const s7_item *it,
                         size_t n)
{
    int64_t now = s7_now_ms();
    set_error(&p->st.last_error, p, what, rc, p->c, NULL, it, n);
    if (p->up || !p->tried) {
        p->st.since_ms = s7__wall_ms();
        blog(b, S7_LOG_WARN, "%s (%s:%u): %s: %s", p->name, p->host, p->port, what,
             s7_strerror(rc));
    }
    if (p->up) {
        /* a loss after a while up: try again soon; one right after connecting (a partner
         * that accepts and then answers garbage or nothing) goes on doubling the pause */
        if (now - p->up_ms >= b->o.backoff_max_ms)
            p->backoff = b->o.backoff_min_ms;
        b->ndown++;
    }
    p->up = 0;
    p->st.up = 0;
    p->st.losses++;
    p->next_try = now + p->backoff;
    p->backoff = p->backoff * 2 > b->o.backoff_max_ms ? b->o.backoff_max_ms : p->backoff * 2;
}

/* p's connection is set up again: the CPU may have restarted meanwhile, its memory as its
 * start left it.  An on-change job that writes to p writes at its next run whatever it
 * reads (what it wrote before may be gone), and a triggered job whose REQ bit p holds takes
 * the bit as 0 before its first poll (as the instruction's instance data after a restart:
 * a REQ found set then is a rising edge; after a mere network break with REQ still set,
 * the transfer runs once more). */
static void partner_anew(s7_bridge *b, const partner *p)
{
    int pi = (int)(p - b->p);
    for (size_t i = 0; i < b->nj; i++) {
        job *j = b->j[i];
        if (j->spec.dst == pi)
            j->have_prev = 0;
        if (j->spec.mode == S7_BRIDGE_TRIGGER && j->spec.hs == pi)
            j->last_trig = 0;
    }
}

S7_HOT static void partner_service(s7_bridge *b, partner *p, int64_t now)
{
    if (p->connect_done) {
        p->connect_done = 0;
        p->connecting = 0;
        p->tried = 1;
        if (p->connect_rc == 0) {
            p->up = 1;
            p->st.up = 1;
            b->ndown--;
            p->st.connects++;
            p->st.since_ms = s7__wall_ms();
            p->up_ms = s7_now_ms(); /* the pause is reset by a loss after a while up */
            blog(b, S7_LOG_INFO, "%s (%s:%u): connected", p->name, p->host, p->port);
            partner_anew(b, p);
        } else {
            partner_lost(b, p, p->connect_rc, "connect", NULL, 0);
        }
    }
    if (p->up && p->touched) {
        p->touched = 0;
        if (!s7_client_connected(p->c)) /* lost between jobs (the peer closed): the jobs' */
            partner_lost(b, p, S7_ERR_CLOSED, "connection", NULL, 0); /* callbacks said so too */
    }
    if (!p->up && !p->connecting && now >= p->next_try) {
        p->connecting = 1;
        /* the connect closes the socket the client may still hold (after a malformed reply)
         * and opens one that may get the same number: registered anew, not taken for the
         * old one, which the loop forgot when it was closed */
        if (p->fd_reg >= 0) {
            s7_loop_del(b->loop, p->fd_reg);
            p->fd_reg = -1;
        }
        int rc = s7_client_connect_async(p->c, p->addr, p->port, on_connect, p);
        sync_fd(b, p);
        if (rc < 0) {
            p->connecting = 0;
            p->tried = 1;
            partner_lost(b, p, rc, "connect", NULL, 0);
        }
    }
}

/* partner_service for the partners that may need it: every one while some partner is not
 * up (connects, retries), else those touched since the last look; then the list keeps the
 * partners touched again meanwhile. */
static void service_partners(s7_bridge *b, int64_t now)
{
    if (b->ndown) {
        for (size_t i = 0; i < b->np; i++)
            partner_service(b, &b->p[i], now);
    } else {
        size_t n = b->ntouch;
        for (size_t i = 0; i < n; i++)
            partner_service(b, &b->p[b->touch[i]], now);
    }
    size_t k = 0;
    for (size_t i = 0; i < b->ntouch; i++) {
        partner *p = &b->p[b->touch[i]];
        if (p->touched)
            b->touch[k++] = b->touch[i];
        else
            p->listed = 0;
    }
    b->ntouch = k;
}

/* Kick the partners whose connect or request timeout ran out, and make min_deadline the
 * earliest deadline again (a full look, when the bound says one may have run out). */
static void run_deadlines(s7_bridge *b, int64_t now)
{
    if (now < b->min_deadline)
        return;
    for (size_t i = 0; i < b->np; i++) {
        partner *p = &b->p[i];
        if (p->fd_reg >= 0 && p->deadline >= 0 && p->deadline <= now)
            kick(b, p);
    }
    int64_t m = INT64_MAX;
    for (size_t i = 0; i < b->np; i++) {
        const partner *p = &b->p[i];
        if (p->fd_reg >= 0 && p->deadline >= 0 && p->deadline < m)
            m = p->deadline;
    }
    b->min_deadline = m;
}

/* ---------------------------------------------------------------- jobs */

/* What in a reply did not fit, kept with the job when its request fails for it: the client
 * says it only until its next call, and the job's error is set later (job_step). */
S7_COLD S7_NOINLINE static void keep_why(job *j, const s7_client *c)
{
    const char *w = s7_client_peer_problem(c);
    free(j->why);
    j->why = w && *w ? s7__strdup(w) : NULL;
}

S7_HOT static void on_done(s7_client *c, int rc, void *ud)
{
    job *j = ud;
    if (rc == S7_ERR_PARAM || rc == S7_ERR_PROTO)
        keep_why(j, c);
    j->result = rc;
    if (!j->result_ready)
        j->b->ready[j->b->nready++] = j; /* a job is in the list at most once */
    j->result_ready = 1;
}

/* The next step of the jobs whose answers arrived; answers that come during those steps
 * wait for the next pass, as they did when every job was visited in turn. */
static void job_step(s7_bridge *b, job *j);
S7_HOT static void run_ready(s7_bridge *b)
{
    size_t n = b->nready;
    for (size_t i = 0; i < n; i++)
        if (b->ready[i]->result_ready)
            job_step(b, b->ready[i]);
    memmove(b->ready, b->ready + n, (b->nready - n) * sizeof *b->ready);
    b->nready -= n;
}

static void job_state(job *j, int state)
{
    if (j->st.state != state) {
        j->st.state = state;
        j->st.since_ms = s7__wall_ms();
    }
}

/* The area of the first item that failed on its own (its error concerns it), else a DB. */
static uint8_t failed_area(const s7_item *it, size_t n)
{
    for (size_t i = 0; it && i < n; i++)
        if (it[i].status == S7_ERR_ITEM)
            return it[i].area;
    return S7_AREA_DB;
}

/* Job j failed at partner p: its last error (rc's, or with rc 0 the partner's own, when it
 * is down), the STATUS the GET/PUT instructions would report, its state; a fatal error takes
 * the partner's connection down.  Nothing is counted here. */
static void job_error(s7_bridge *b, job *j, partner *p, const char *what, int rc, const s7_item *it,
                      size_t n)
{
    s7_bridge_error *e = &j->st.last_error;
    if (rc)
        set_error(e, p, what, rc, p->c, j->why, it, n);
    else
        *e = p->st.last_error;
    free(j->why); /* taken (or stale: kept only for the failure it came with) */
    j->why = NULL;
    uint16_t plc = e->err == S7_ERR_PLC ? e->plc : 0;
    uint8_t item = e->err == S7_ERR_ITEM ? (uint8_t)e->plc : 0;
    const char *cause = "error";
    j->st.status = (int)s7__exchange_status_in(e->err, plc, item, failed_area(it, n), &cause);
    j->st.status_cause = cause;
    job_state(j, S7_BRIDGE_ERROR);
    if (rc && (s7_err_is_fatal(rc) || rc == S7_ERR_NOTCONN) && p->up) {
        /* the partner's error, which its other jobs show while it is down: about the
         * connection, not about this job's read or write */
        char w[48];
        snprintf(w, sizeof w, "connection (lost on a %s)", what);
        partner_lost(b, p, rc, w, it, n);
    }
}

/* A run of job j failed (rc 0: p is down): the error, counted. */
static void job_fail(s7_bridge *b, job *j, partner *p, const char *what, int rc, const s7_item *it,
                     size_t n)
{
    job_error(b, j, p, what, rc, it, n);
    j->st.err++;
    j->have_prev = 0; /* on change: the next good read is written whatever it holds */
}

/* A triggered job could not poll its REQ bit (its CPU down, the read failed): the job shows
 * the error, but nothing ran, so nothing is counted (docs/exchange.md: while the bit does not
 * rise the job only polls it); a poll that works again takes the error back (poll_ok). */
static void poll_fail(s7_bridge *b, job *j, partner *p, const char *what, int rc, const s7_item *it,
                      size_t n)
{
    if (!j->poll_err) {
        j->poll_err = 1;
        j->poll_was = j->st.state;
    }
    job_error(b, j, p, what, rc, it, n);
}

static void poll_ok(job *j)
{
    if (!j->poll_err)
        return;
    j->poll_err = 0;
    if (j->poll_was != S7_BRIDGE_ERROR) { /* the last transfer (if any) had succeeded */
        j->st.status = S7_XST_OK;
        j->st.status_cause = "ok";
        job_state(j, j->poll_was == S7_BRIDGE_WAITING ? S7_BRIDGE_OK : j->poll_was);
    }
}

S7_HOT static void job_ok(job *j)
{
    int64_t us = s7__mono_us() - j->t0_us;
    s7_hist_add(&j->hist, us < 0 ? 0 : us > UINT32_MAX ? UINT32_MAX : (uint32_t)us);
    j->st.ok++;
    j->st.last_ok_ms = s7__wall_ms();
    j->st.status = S7_XST_OK;
    j->st.status_cause = "ok";
    job_state(j, S7_BRIDGE_OK);
}

static partner *P(s7_bridge *b, int i) { return &b->p[i]; }

/* A job model's GET/PUT whose CPU p (the source for what "read", the destination for
 * "write") negotiated a smaller PDU than the job's areas need in one request: the run fails
 * with 1/4 pdu_exceeded (the areas are moved at one moment; the client would split them). */
static int too_big(s7_bridge *b, job *j, partner *p, uint32_t need, const char *what)
{
    if (!need) /* no job model's job: nothing to check (case a's jobs, every run) */
        return 0;
    uint16_t pdu = (uint16_t)s7_client_pdu(p->c);
    if (!pdu || pdu >= need)
        return 0; /* no PDU: the connection just went, which the request's call reports */
    job_fail(b, j, p, what, S7_ERR_TOOBIG, NULL, 0);
    snprintf(j->st.last_error.text, sizeof j->st.last_error.text,
             "%s negotiated a PDU of %u bytes; the job needs %u in one request", p->name, pdu,
             (unsigned)need);
    snprintf(j->st.last_error.cause, sizeof j->st.last_error.cause,
             "%s offers a smaller PDU than the job was checked against (its pdu: in the file): a "
             "GET or PUT moves its areas in one request, as the instructions do, and is not split",
             p->name);
    snprintf(j->st.last_error.fix, sizeof j->st.last_error.fix,
             "give %s's pdu: as the CPU negotiates it (s7 info shows it) and make the job's "
             "areas fit it, or split the job",
             p->name);
    return 1;
}

void s7__bridge_job_whole(s7_bridge *b, int j, uint32_t need_src, uint32_t need_dst)
{
    if (j >= 0 && (size_t)j < b->nj) {
        b->j[j]->need_src = need_src;
        b->j[j]->need_dst = need_dst;
    }
}

/* Start the transfer's read; returns 0 or the error already recorded. */
S7_HOT static int start_read(s7_bridge *b, job *j)
{
    partner *src = P(b, j->spec.src);
    if (too_big(b, j, src, j->need_src, "read")) {
        j->phase = PH_IDLE;
        return S7_ERR_TOOBIG;
    }
    j->t0_us = s7__mono_us();
    int rc = s7_client_read_async(src->c, j->src, j->spec.n, on_done, j);
    if (rc < 0) {
        job_fail(b, j, src, "read", rc, NULL, 0);
        j->phase = PH_IDLE;
        return rc;
    }
    j->phase = PH_READ;
    kick(b, src);
    return 0;
}

static void start_hs(s7_bridge *b, job *j, int ok)
{
    partner *hp = P(b, j->spec.hs);
    uint16_t code = s7_exchange_status_code((s7_xstatus)j->st.status);
    if (j->hs_pending == 1) {
        j->done_val = ok ? 1 : 0;
        j->err_val = ok ? 0 : 1;
        s7_set_u16(j->status_val, ok ? 0 : code);
    } else {
        j->done_val = j->err_val = 0;
        s7_set_u16(j->status_val, ok ? 0 : code);
    }
    j->hs_pending = 0;
    if (!j->nhs || !hp->up)
        return;
    if (s7_client_write_async(hp->c, j->hs, j->nhs, on_done, j) == 0) {
        j->phase = PH_HS;
        kick(b, hp);
    }
}

static void job_due(s7_bridge *b, job *j, int64_t now)
{
    partner *src = P(b, j->spec.src), *dst = P(b, j->spec.dst);
    int64_t *due = &b->due[j->idx];
    if (b->max_runs && j->st.ok + j->st.err >= b->max_runs) {
        *due = INT64_MAX; /* it has run its runs: never due again */
        return;
    }
    *due += j->spec.cycle_ms;
    if (*due <= now)
        *due = now + j->spec.cycle_ms; /* late: skip the missed cycles, no burst */
    if (j->phase != PH_IDLE) {
        /* a REQ job's bit is not polled while its transfer is out: a skipped poll refused
         * no edge, so it is no overrun (0/11) */
        if (j->spec.mode != S7_BRIDGE_TRIGGER)
            j->st.overruns++;
        return;
    }
    /* a triggered job needs only the CPU with its REQ bit to poll it: the partners of its
     * transfer are looked at on the edge (job_step), which then reports through ERROR */
    int trig = j->spec.mode == S7_BRIDGE_TRIGGER;
    partner *need[3] = {trig ? P(b, j->spec.hs) : src, trig ? NULL : dst, NULL};
    for (int k = 0; k < 3; k++) {
        partner *p = need[k];
        if (!p || p->up)
            continue;
        if (p->tried && trig) /* the REQ bit's CPU is down: no poll, nothing runs */
            poll_fail(b, j, p, "trigger read", 0, NULL, 0);
        else if (p->tried) /* down: this cycle fails with the partner's error */
            job_fail(b, j, p, "", 0, NULL, 0);
        return;
    }
    if (j->spec.mode == S7_BRIDGE_TRIGGER) {
        partner *hp = P(b, j->spec.hs);
        int rc = s7_client_read_async(hp->c, &j->trig, 1, on_done, j);
        if (rc < 0) {
            poll_fail(b, j, hp, "trigger read", rc, NULL, 0);
        } else {
            j->phase = PH_TRIG;
            kick(b, hp);
        }
        return;
    }
    start_read(b, j);
}

/* A job's answer arrived: take the next step. */
static void job_step(s7_bridge *b, job *j)
{
    int rc = j->result;
    j->result_ready = 0;
    partner *src = P(b, j->spec.src), *dst = P(b, j->spec.dst);
    switch (j->phase) {
    case PH_TRIG: {
        partner *hp = P(b, j->spec.hs);
        j->phase = PH_IDLE;
        if (rc < 0) {
            poll_fail(b, j, hp, "trigger read", rc, &j->trig, 1);
            return;
        }
        poll_ok(j);
        int t = j->trig_val & 1;
        if (t && !j->last_trig) {
            partner *down = !src->up ? src : !dst->up ? dst : NULL;
            if (down && !down->tried)
                return; /* its first connect is still out: the edge is seen again next time */
            j->last_trig = 1;
            j->st.triggers++;
            if (down) /* as a GET/PUT on a REQ edge without its connection: ERROR, 1/1 */
                job_fail(b, j, down, "", 0, NULL, 0);
            if (down || start_read(b, j) < 0) {
                j->hs_pending = 1;
                start_hs(b, j, 0);
            }
        } else if (!t && j->last_trig) {
            j->last_trig = 0;
            j->hs_pending = 2;
            start_hs(b, j, 0);
        } else if (j->st.state == S7_BRIDGE_WAITING) {
            j->st.status_cause = "ok";
            job_state(j, S7_BRIDGE_OK); /* polled fine, nothing to do yet */
        }
        return;
    }
    case PH_READ:
        if (rc < 0) {
            j->phase = PH_IDLE;
            job_fail(b, j, src, "read", rc, j->src, j->spec.n);
            break;
        }
        if (j->spec.mode == S7_BRIDGE_ON_CHANGE && j->have_prev &&
            memcmp(j->buf, j->prev, j->len) == 0) {
            j->phase = PH_IDLE;
            job_ok(j);
            return;
        }
        if (too_big(b, j, dst, j->need_dst, "write")) {
            j->phase = PH_IDLE;
            break;
        }
        rc = s7_client_write_async(dst->c, j->dst, j->spec.n, on_done, j);
        if (rc < 0) {
            j->phase = PH_IDLE;
            job_fail(b, j, dst, "write", rc, NULL, 0);
            break;
        }
        j->phase = PH_WRITE;
        kick(b, dst);
        return;
    case PH_WRITE:
        j->phase = PH_IDLE;
        if (rc < 0) {
            job_fail(b, j, dst, "write", rc, j->dst, j->spec.n);
            j->have_prev = 0;
            break;
        }
        j->st.writes++;
        if (j->spec.mode == S7_BRIDGE_ON_CHANGE) { /* what the next read is compared with */
            memcpy(j->prev, j->buf, j->len);
            j->have_prev = 1;
        }
        job_ok(j);
        if (j->spec.mode == S7_BRIDGE_TRIGGER) {
            j->hs_pending = 1;
            start_hs(b, j, 1);
        }
        return;
    case PH_HS:
        j->phase = PH_IDLE;
        if (rc < 0)
            job_fail(b, j, P(b, j->spec.hs), "handshake write", rc, j->hs, j->nhs);
        return;
    default: return;
    }
    /* a failed transfer of a triggered job reports through the error bit */
    if (j->spec.mode == S7_BRIDGE_TRIGGER && j->phase == PH_IDLE) {
        j->hs_pending = 1;
        start_hs(b, j, 0);
    }
}

S7_HOT int s7_bridge_run(s7_bridge *b, int timeout_ms)
{
    s7_loop_event ev[64];
    int64_t now = s7_now_ms(), end = now + (timeout_ms > 0 ? timeout_ms : 0);
    if (!b->started) {
        b->started = 1;
        for (size_t i = 0; i < b->nj; i++)
            b->due[i] = now;
    }
    for (;;) {
        now = s7_now_ms();
        service_partners(b, now);
        int64_t next = end;
        run_ready(b);
        if (now >= b->min_due) {
            int64_t m = INT64_MAX;
            for (size_t i = 0; i < b->nj; i++) {
                if (now >= b->due[i])
                    job_due(b, b->j[i], now);
                if (b->due[i] < m)
                    m = b->due[i];
            }
            b->min_due = m;
        }
        if (b->min_due < next)
            next = b->min_due;
        if (b->nready)
            next = now; /* failed at once: handle on the next pass */
        for (size_t i = 0; b->ndown && i < b->np; i++) {
            partner *p = &b->p[i];
            if (p->connect_done)
                next = now;
            if (!p->up && !p->connecting && p->next_try < next)
                next = p->next_try;
        }
        if (b->min_deadline < next)
            next = b->min_deadline; /* connect and request timeouts */
        int wait = next > now ? (int)(next - now) : 0;
        int n = s7_loop_wait(b->loop, ev, (int)(sizeof ev / sizeof ev[0]), wait);
        if (n < 0)
            return S7_ERR_IO;
        for (int k = 0; k < n; k++) {
            partner *p = ev[k].ptr;
            short re = (short)(((ev[k].events & S7_LOOP_IN) ? POLLIN : 0) |
                               ((ev[k].events & S7_LOOP_OUT) ? POLLOUT : 0) |
                               ((ev[k].events & S7_LOOP_ERR) ? (POLLERR | POLLHUP) : 0));
            s7_client_step(p->c, re);
            sync_fd(b, p);
        }
        /* timeouts that ran out: the client reports them to its jobs */
        now = s7_now_ms();
        run_deadlines(b, now);
        /* answers that arrived: their next step now, so a write follows its read at once */
        run_ready(b);
        if (now >= end)
            break;
    }
    service_partners(b, s7_now_ms()); /* what the last pass's callbacks said, in the stats */
    return 0;
}

int s7_bridge_job_stat(const s7_bridge *b, size_t i, s7_bridge_job_stats *out)
{
    if (i >= b->nj)
        return S7_ERR_INVAL;
    const job *j = b->j[i];
    *out = j->st;
    out->p50_us = s7_hist_quantile(&j->hist, 0.5);
    out->p99_us = s7_hist_quantile(&j->hist, 0.99);
    out->max_us = j->hist.max_us;
    out->lat_count = j->hist.count;
    out->lat_sum_s = (double)j->hist.sum_us / 1e6;
    return 0;
}

int s7_bridge_partner_stat(const s7_bridge *b, size_t i, s7_bridge_partner_stats *out)
{
    if (i >= b->np)
        return S7_ERR_INVAL;
    *out = b->p[i].st;
    out->name = b->p[i].name;
    out->host = b->p[i].host;
    out->port = b->p[i].port;
    return 0;
}

const char *s7_bridge_state_name(int state)
{
    switch (state) {
    case S7_BRIDGE_OK: return "ok";
    case S7_BRIDGE_ERROR: return "error";
    default: return "waiting";
    }
}

const char *s7_bridge_mode_name(int mode)
{
    switch (mode) {
    case S7_BRIDGE_ON_CHANGE: return "on_change";
    case S7_BRIDGE_TRIGGER: return "trigger";
    default: return "cyclic";
    }
}
