/* The client engine: one handle = one socket + one conn (sans-I/O) + a queue of jobs.
 * The async API drives it from the application's loop (s7_client_step) or s7_multi; the
 * blocking API queues one job and runs the same loop until it is done. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/internal.h"
#include "net/host.h"
#include "s7/net.h"
#include "util/log.h"
#include "util/hot.h"
#include "util/hotmem.h"

void s7_client_opts_init(s7_client_opts *o)
{
    memset(o, 0, sizeof *o);
    o->rack = 0;
    o->slot = 1;
    o->type = S7_CONN_PG;
    o->local_tsap = 0x0100;
    o->tpdu_size = 0x0A;
    o->pdu_request = 960;
    o->amq_request = 8;
    o->connect_timeout_ms = 3000;
    o->request_timeout_ms = 3000;
    o->merge_gap = 16;
}

void s7__log(s7_client *c, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s7__logv(c->o.log, c->o.log_ctx, level, 512, fmt, ap);
    va_end(ap);
}

static void on_reply(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu);

static void conn_tap(void *ctx, int out, const uint8_t *frame, size_t len)
{
    s7_client *c = ctx;
    if (c->o.tap)
        c->o.tap(c->o.log_ctx, out, frame, len);
}

s7_client *s7_client_new(const s7_client_opts *opts)
{
    s7_client *c = s7__hot_zalloc(sizeof *c);
    if (!c)
        return NULL;
    c->now_ms = -1;
    if (opts)
        c->o = *opts;
    else
        s7_client_opts_init(&c->o);
    if (!c->o.pdu_request)
        c->o.pdu_request = 960;
    if (!c->o.amq_request)
        c->o.amq_request = 8;
    if (c->o.connect_timeout_ms <= 0)
        c->o.connect_timeout_ms = 3000;
    if (c->o.request_timeout_ms <= 0)
        c->o.request_timeout_ms = 3000;
    if (!c->o.tpdu_size)
        c->o.tpdu_size = 0x0A;
    c->fd = -1;
    s7_conn_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    s7_client_tsaps(c, &cfg.local_tsap, &cfg.remote_tsap);
    cfg.tpdu_size = c->o.tpdu_size;
    cfg.pdu_request = c->o.pdu_request;
    cfg.amq_request = c->o.amq_request;
    cfg.src_ref = 0x0001;
    cfg.on_reply = on_reply;
    cfg.on_push = s7__on_push;
    cfg.on_job = s7__on_job;
    cfg.ctx = c;
    cfg.tap = c->o.tap ? conn_tap : NULL;
    c->conn = s7_conn_new(&cfg);
    if (!c->conn) {
        s7__hot_free(c, sizeof *c);
        return NULL;
    }
    return c;
}

void s7_client_tsaps(const s7_client *c, uint16_t *local, uint16_t *remote)
{
    if (c->o.remote_tsap) {
        *local = c->o.local_tsap ? c->o.local_tsap : 0x0100;
        *remote = c->o.remote_tsap;
    } else {
        *local = 0x0100;
        *remote = s7_tsap_make((uint8_t)c->o.type, c->o.rack, c->o.slot);
    }
}

/* s7_now_ms() for the stamps and the timeout check of one s7_client_step: read once in
 * the step (a frame of replies, a request and the check at the end take one reading), and
 * read anew after a job's callback (it may have taken a while) and outside a step. */
S7_HOT static int64_t clock_ms(s7_client *c)
{
    if (c->now_ms < 0)
        return s7_now_ms();
    if (c->now_ms == 0)
        c->now_ms = s7_now_ms();
    return c->now_ms;
}

/* Finish a job: unlink it and call its callback. */
S7_HOT static void job_finish(s7_client *c, s7__job *j, int result)
{
    if (j->done)
        return;
    s7__job **pp = &c->jobs;
    while (*pp && *pp != j)
        pp = &(*pp)->next;
    if (*pp)
        *pp = j->next;
    j->next = NULL;
    j->done = 1;
    j->result = result;
    if (j->kind == S7__JOB_READ || j->kind == S7__JOB_WRITE)
        s7__plan_release(j);
    if (j->retry_items) {
        free(j->retry_items);
        free(j->retry_map);
        j->retry_items = NULL;
        j->retry_map = NULL;
    }
    if (j->cb) {
        j->cb(c, result, j->ud);
        if (c->now_ms > 0)
            c->now_ms = 0;
    }
    if (j->owned) {
        if (!c->spare)
            c->spare = j; /* the next async call takes it: no allocation per request */
        else
            s7__hot_free(j, sizeof *j);
    }
}

#define MAX_INFLIGHT 256 /* requests in flight at most (conn/conn.c S7__SLOTS) */

/* Drop the connection: close the socket and end every job with err (the items of the
 * requests that were answered keep their results). */
S7_COLD static void drop(s7_client *c, int err)
{
    if (c->fd >= 0) {
        close(c->fd);
        c->fd = -1;
    }
    /* the requests sent and not answered: their items fail, the answered ones' stand */
    void *fl_job[MAX_INFLIGHT];
    uint32_t fl_sub[MAX_INFLIGHT], mine[MAX_INFLIGHT];
    size_t nfl = s7_conn_inflight_jobs(c->conn, fl_job, fl_sub, MAX_INFLIGHT);
    s7_conn_reset(c->conn);
    c->state = S7__DISCONNECTED;
    c->inflight_since = 0; /* else the next connection times out at once after a timeout */
    s7__subs_free(c);      /* subscriptions live as long as the connection */
    while (c->jobs) {
        s7__job *j = c->jobs;
        size_t n = 0;
        for (size_t k = 0; k < nfl; k++)
            if (fl_job[k] == j)
                mine[n++] = fl_sub[k];
        s7__job_abort(j, err, j->next_sub, mine, n);
        job_finish(c, j, err);
    }
    if (c->conn_cb) {
        s7_done_fn cb = c->conn_cb;
        c->conn_cb = NULL;
        cb(c, err, c->conn_ud);
    }
}

void s7_client_close(s7_client *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        s7__log(c, S7_LOG_DEBUG, "closing connection to %s:%u", c->host, c->port);
    drop(c, S7_ERR_NOTCONN);
}

void s7_client_free(s7_client *c)
{
    if (!c)
        return;
    s7_client_close(c);
    s7__hot_free(c->spare, sizeof *c->spare);
    s7__pcache_free(c);
    s7_conn_free(c->conn);
    s7__hot_free(c, sizeof *c);
}

S7_HOT int s7_client_connected(const s7_client *c) { return c->state == S7__READY; }
S7_HOT uint16_t s7_client_pdu(const s7_client *c) { return s7_conn_pdu(c->conn); }
uint16_t s7_client_amq(const s7_client *c) { return s7_conn_amq(c->conn); }
const s7_explain *s7_client_last_error(const s7_client *c) { return &c->last_error; }

void s7__set_error(s7_client *c, s7_explain_kind kind, uint16_t code)
{
    const s7_explain *e = s7_explain_code(kind, code);
    c->last_error = *e;
    c->last_error.kind = kind;
    c->last_error.code = code; /* the exact code, also for ones the table only knows by class */
}

void s7__set_problem(s7_client *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->problem, sizeof c->problem, fmt, ap);
    va_end(ap);
    s7__log(c, S7_LOG_WARN, "%s: %s", c->host, c->problem);
}

const char *s7_client_peer_problem(const s7_client *c) { return c->problem; }

int s7__header_error(s7_client *c, const s7_pdu *pdu)
{
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) &&
        (pdu->err_class || pdu->err_code)) {
        /* never a Read/Write Var job's answer (jobs.c, dbread.c): explained by the service */
        uint16_t code = (uint16_t)(pdu->err_class << 8 | pdu->err_code);
        c->last_error = *s7_explain_service(code);
        c->last_error.kind = S7_EX_HEADER;
        c->last_error.code = code;
        return S7_ERR_PLC;
    }
    return 0;
}

int s7__ud_answer(s7_client *c, const s7_pdu *pdu, s7_ud *u, int group)
{
    int rc = s7__header_error(c, pdu);
    if (rc < 0)
        return rc;
    if (pdu->rosctr != S7_USERDATA || s7_ud_decode(pdu, u) < 0 || (group >= 0 && u->group != group))
        return S7_ERR_PARAM;
    if (u->err) {
        s7__set_error(c, S7_EX_USERDATA, u->err);
        return S7_ERR_PLC;
    }
    return 0; /* data 0A 00 00 00 with no error code is a plain "no data" (clock set) */
}

int s7__ud_item(s7_client *c, const s7_ud *u)
{
    if (u->rc != S7_RC_OK) {
        s7__set_error(c, S7_EX_ITEM, u->rc);
        return S7_ERR_PLC;
    }
    return 0;
}

int s7_host_check(const char *host, char *msg, size_t cap)
{
    return s7__host_check(host, msg, cap);
}

int s7_client_connect_async(s7_client *c, const char *host, uint16_t port, s7_done_fn cb, void *ud)
{
    if (!host || !*host)
        return S7_ERR_INVAL;
    if (c->fd >= 0 || c->state != S7__DISCONNECTED)
        drop(c, S7_ERR_NOTCONN); /* the old socket goes first */
    snprintf(c->host, sizeof c->host, "%s", host);
    c->port = port ? port : 102;
    memset(&c->last_error, 0, sizeof c->last_error);
    c->problem[0] = 0;
    c->item_cap = c->o.max_items;
    c->conn_cb = cb;
    c->conn_ud = ud;
    c->deadline = s7_now_ms() + c->o.connect_timeout_ms;
    int rc = s7_tcp_connect_start_from(c->host, c->port, c->o.source_addr, &c->fd);
    if (rc == S7_AGAIN) {
        c->state = S7__TCP_CONNECTING;
        return 0;
    }
    if (rc < 0) {
        c->conn_cb = NULL;
        s7__log(c, S7_LOG_INFO, "connect %s:%u: %s", c->host, c->port, s7_strerror(rc));
        return rc;
    }
    c->state = S7__HANDSHAKE;
    return s7_conn_start(c->conn);
}

/* Send what conn has queued; returns 0 or a fatal error. */
static int flush(s7_client *c)
{
    const uint8_t *p;
    size_t n;
    while ((n = s7_conn_tx_pending(c->conn, &p)) > 0) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR)
                continue;
            return s7_tcp_errno(errno);
        }
        s7_conn_tx_done(c->conn, (size_t)w);
    }
    return 0;
}

/* Submit requests of queued jobs while the window has room. */
static int pump(s7_client *c)
{
    if (c->state != S7__READY)
        return 0;
    for (s7__job *j = c->jobs; j && s7_conn_can_submit(c->conn); j = j->next) {
        while (j->next_sub < j->nsubs && s7_conn_can_submit(c->conn)) {
            size_t cap;
            uint8_t *buf = s7_conn_submit_begin(c->conn, &cap);
            if (!buf)
                return S7_ERR_NOMEM;
            int len = s7__job_encode(c, j, j->next_sub, buf, cap);
            if (len < 0) {
                /* this job cannot be encoded: fail it alone (what was answered stands) */
                s7__job_abort(j, len, j->next_sub, NULL, 0);
                j->next_sub = j->nsubs;
                if (j->outstanding == 0) {
                    s7__job *next = j->next;
                    job_finish(c, j, len);
                    j = next;
                    if (!j)
                        return 0;
                    continue;
                }
                j->result = len;
                break;
            }
            int ref = s7_conn_submit_end(c->conn, (size_t)len, j, j->next_sub);
            if (ref < 0)
                return ref;
            if (c->inflight_since == 0)
                c->inflight_since = clock_ms(c);
            j->next_sub++;
            j->outstanding++;
        }
    }
    return 0;
}

/* The conn calls this for every matched reply. */
S7_HOT static void on_reply(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu)
{
    s7_client *c = ctx;
    s7__job *j = job;
    c->inflight_since = s7_conn_inflight(c->conn) ? clock_ms(c) : 0;
    if (!j)
        return;
    j->outstanding--;
    int rc = s7__job_reply(c, j, sub, pdu);
    if (rc < 0 && (j->result == 0 || j->result == S7_ERR_ITEM))
        j->result = rc;
    if (j->next_sub >= j->nsubs && j->outstanding == 0) {
        if (s7__job_next_pass(c, j))
            return;
        job_finish(c, j, j->result);
    }
}

/* After the CC and setup: READY. */
static void check_ready(s7_client *c)
{
    if (c->state == S7__HANDSHAKE && s7_conn_state(c->conn) == S7_CS_READY) {
        c->state = S7__READY;
        s7__log(c, S7_LOG_INFO, "connected to %s:%u, PDU %u, AmQ %u", c->host, c->port,
                s7_conn_pdu(c->conn), s7_conn_amq(c->conn));
        if (c->conn_cb) {
            s7_done_fn cb = c->conn_cb;
            c->conn_cb = NULL;
            cb(c, 0, c->conn_ud);
        }
    }
}

/* Map a handshake failure to what it means. */
S7_COLD static int handshake_error(s7_client *c, int err)
{
    int cs = s7_conn_state(c->conn);
    if (err == S7_ERR_CLOSED || err == S7_ERR_IO) {
        if (cs == S7_CS_CR_SENT)
            return S7_ERR_CR_REJECTED;
        if (cs == S7_CS_SETUP_SENT)
            return S7_ERR_NEGOTIATION;
    }
    return err;
}

void s7_client_set_rx_buffer(s7_client *c, uint8_t *buf, size_t cap)
{
    c->rxbuf = buf && cap >= 4096 ? buf : NULL;
    c->rxcap = c->rxbuf ? cap : 0;
}

void s7_client_set_whole_requests(s7_client *c, int on)
{
    if (c)
        c->whole = on != 0;
}

void s7_client_set_tx_buffer(s7_client *c, uint8_t *buf, size_t cap)
{
    c->txbuf = buf && cap >= 4096 ? buf : NULL;
    c->txcap = c->txbuf ? cap : 0;
}

/* The shared buffers this thread is using, innermost last: receive buffers it is handling
 * frames from, send buffers lent to a connection (a callback that steps another handle of
 * one of them meanwhile uses that handle's own buffer). */
#define BUF_NEST 8
static _Thread_local const uint8_t *buf_busy[BUF_NEST];
static _Thread_local unsigned buf_nbusy;

/* Can shared buffer b (NULL: none) be used now? */
static int shared_free(const uint8_t *b)
{
    if (!b || buf_nbusy == BUF_NEST)
        return 0;
    for (unsigned i = 0; i < buf_nbusy; i++)
        if (buf_busy[i] == b)
            return 0;
    return 1;
}

static int receive(s7_client *c)
{
    for (;;) {
        size_t space = c->rxcap;
        int shared = shared_free(c->rxbuf);
        uint8_t *dst = shared ? c->rxbuf : s7_conn_rx_space(c->conn, &space);
        ssize_t r = recv(c->fd, dst, space, 0);
        if (r > 0) {
            int rc;
            if (shared) {
                buf_busy[buf_nbusy++] = dst;
                rc = s7_conn_feed(c->conn, dst, (size_t)r);
                buf_nbusy--;
            } else {
                rc = s7_conn_rx_commit(c->conn, (size_t)r);
            }
            if (rc < 0)
                return rc;
            check_ready(c);
            if ((size_t)r < space)
                return 0;
            continue;
        }
        if (r == 0)
            return S7_ERR_CLOSED;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        if (errno == EINTR)
            continue;
        return s7_tcp_errno(errno);
    }
}

S7_HOT int s7_client_fd(const s7_client *c) { return c->fd; }

/* Queued requests that the window has room for: s7_client_step must run to submit them. */
static int needs_pump(const s7_client *c)
{
    if (c->state != S7__READY || !s7_conn_can_submit(c->conn))
        return 0;
    for (const s7__job *j = c->jobs; j; j = j->next)
        if (j->next_sub < j->nsubs)
            return 1;
    return 0;
}

S7_HOT short s7_client_events(const s7_client *c)
{
    if (c->fd < 0)
        return 0;
    if (c->state == S7__TCP_CONNECTING)
        return POLLOUT;
    const uint8_t *p;
    /* POLLOUT also when requests wait to be submitted, so a loop built on fd/events/step
     * comes back at once to send them */
    return (short)(POLLIN | (s7_conn_tx_pending(c->conn, &p) || needs_pump(c) ? POLLOUT : 0));
}

S7_HOT int64_t s7_client_deadline_ms(const s7_client *c)
{
    if (needs_pump(c))
        return 0;
    if (c->state == S7__TCP_CONNECTING || c->state == S7__HANDSHAKE)
        return c->deadline;
    if (c->state == S7__READY && c->inflight_since)
        return c->inflight_since + c->o.request_timeout_ms;
    return -1;
}

S7_HOT int s7_client_timeout_ms(const s7_client *c)
{
    int64_t due = s7_client_deadline_ms(c);
    if (due < 0)
        return -1; /* nothing timed: no clock read */
    int64_t now = s7_now_ms();
    return due <= now ? 0 : (int)(due - now);
}

S7_HOT size_t s7_client_pending(const s7_client *c)
{
    size_t n = c->conn_cb ? 1 : 0;
    for (const s7__job *j = c->jobs; j; j = j->next)
        n++;
    return n;
}

static int step(s7_client *c, short revents);

S7_HOT int s7_client_step(s7_client *c, short revents)
{
    int64_t outer = c->now_ms; /* a step from a callback of a step keeps the outer one's */
    c->now_ms = 0;
    int rc = step(c, revents);
    c->now_ms = outer;
    return rc;
}

S7_HOT static int step(s7_client *c, short revents)
{
    int rc = 0;
    if (c->fd < 0)
        return 0;
    if (c->state == S7__TCP_CONNECTING) {
        if (revents & (POLLOUT | POLLERR | POLLHUP)) {
            rc = s7_tcp_connect_finish(c->fd);
            if (rc < 0)
                goto fail;
            c->state = S7__HANDSHAKE;
            rc = s7_conn_start(c->conn);
            if (rc < 0)
                goto fail;
        }
    } else if (revents & (POLLIN | POLLERR | POLLHUP)) {
        rc = receive(c);
        if (rc < 0)
            goto fail;
    }
    if (c->state == S7__HANDSHAKE || c->state == S7__READY) {
        /* the requests go out of the shared send buffer when it is free (and nothing of
         * the connection's own waits); what a full socket leaves goes back to the own */
        int lent = shared_free(c->txbuf) && s7_conn_tx_lend(c->conn, c->txbuf, c->txcap);
        if (lent)
            buf_busy[buf_nbusy++] = c->txbuf;
        rc = pump(c);
        if (rc >= 0)
            rc = flush(c);
        if (lent) {
            buf_nbusy--;
            int urc = s7_conn_tx_unlend(c->conn);
            if (rc >= 0)
                rc = urc;
        }
        if (rc < 0)
            goto fail;
    }
    /* timeouts */
    int64_t due = c->fd >= 0 ? s7_client_deadline_ms(c) : -1;
    if (due >= 0 && due <= clock_ms(c)) {
        if (c->state == S7__TCP_CONNECTING)
            rc = S7_ERR_CONNECT_TIMEOUT;
        else /* no answer to the CR or to the setup in time: the time ran out, whatever the
              * answer would have been (a late setup answer is no rejection) */
            rc = S7_ERR_TIMEOUT;
        goto fail;
    }
    return 0;
fail:
    if (c->state == S7__HANDSHAKE || c->state == S7__TCP_CONNECTING)
        rc = handshake_error(c, rc);
    s7__log(c, S7_LOG_INFO, "%s:%u: %s", c->host, c->port, s7_strerror(rc));
    drop(c, rc);
    return rc;
}

/* Queue a job (kept by reference until it finishes). */
S7_HOT int s7__job_queue(s7_client *c, s7__job *j)
{
    if (c->state != S7__READY)
        return S7_ERR_NOTCONN;
    c->problem[0] = 0; /* a new question: the last answer's problem is history */
    j->next = NULL;
    j->done = 0;
    s7__job **pp = &c->jobs;
    while (*pp)
        pp = &(*pp)->next;
    *pp = j;
    return 0;
}

/* Run the loop until job j is done (or, with j NULL, until connected). */
int s7__run(s7_client *c, s7__job *j)
{
    for (;;) {
        if (j ? j->done : c->state != S7__TCP_CONNECTING && c->state != S7__HANDSHAKE)
            break;
        int rc = s7_client_step(c, 0); /* submit and flush what is queued */
        if (rc < 0 || (j ? j->done : c->state == S7__READY || c->fd < 0))
            break;
        struct pollfd pfd = {c->fd, s7_client_events(c), 0};
        int r = poll(&pfd, 1, s7_client_timeout_ms(c));
        if (r < 0 && errno != EINTR) {
            drop(c, S7_ERR_IO);
            break;
        }
        s7_client_step(c, r > 0 ? pfd.revents : 0);
    }
    return j ? j->result : (c->state == S7__READY ? 0 : c->last_connect_error);
}

int s7__run_raw(s7_client *c, s7__enc_fn enc, s7__rep_fn rep, void *ctx)
{
    s7__job j;
    memset(&j, 0, sizeof j);
    j.kind = S7__JOB_RAW;
    j.enc = enc;
    j.rep = rep;
    j.ctx = ctx;
    j.nsubs = 1;
    int rc = s7__job_queue(c, &j);
    if (rc < 0)
        return rc;
    return s7__run(c, &j);
}

static void connect_done(s7_client *c, int result, void *ud)
{
    (void)ud;
    c->last_connect_error = result;
}

int s7_client_connect(s7_client *c, const char *host, uint16_t port)
{
    c->last_connect_error = S7_ERR_NOTCONN;
    int rc = s7_client_connect_async(c, host, port, connect_done, NULL);
    if (rc < 0)
        return rc;
    rc = s7__run(c, NULL);
    return c->state == S7__READY ? 0 : (rc < 0 ? rc : S7_ERR_NOTCONN);
}

int s7_client_connect_fd(s7_client *c, int fd)
{
    if (fd < 0)
        return S7_ERR_INVAL;
    if (c->fd >= 0 || c->state != S7__DISCONNECTED)
        drop(c, S7_ERR_NOTCONN);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    snprintf(c->host, sizeof c->host, "fd:%d", fd);
    c->port = 0;
    memset(&c->last_error, 0, sizeof c->last_error);
    c->problem[0] = 0;
    c->item_cap = c->o.max_items;
    c->fd = fd;
    c->state = S7__HANDSHAKE;
    c->deadline = s7_now_ms() + c->o.connect_timeout_ms;
    c->last_connect_error = S7_ERR_NOTCONN;
    c->conn_cb = connect_done;
    int rc = s7_conn_start(c->conn);
    if (rc < 0) {
        drop(c, rc);
        return rc;
    }
    s7__run(c, NULL);
    return c->state == S7__READY ? 0 : c->last_connect_error;
}

int s7_client_reconnect(s7_client *c, int attempts)
{
    if (!c->host[0] || c->port == 0)
        return S7_ERR_NOTCONN; /* never connected, or connected over a caller's socket */
    char host[sizeof c->host];
    memcpy(host, c->host, sizeof host);
    int rc = S7_ERR_NOTCONN, delay = 100;
    for (int i = 0; i < (attempts > 0 ? attempts : 1); i++) {
        if (i) {
            struct timespec ts = {delay / 1000, (long)(delay % 1000) * 1000000L};
            nanosleep(&ts, NULL);
            delay = delay * 2 > 2000 ? 2000 : delay * 2;
        }
        rc = s7_client_connect(c, host, c->port); /* closes the old socket first */
        if (rc == 0)
            return 0;
    }
    return rc;
}
