/* s7load: the load generator's engine.  One thread and one epoll set over every connection
 * (level-triggered).  Each connection is a small state machine: TCP connect, COTP CR/CC,
 * Setup Communication, then pipelined Read Var requests matched to their replies by PDU
 * reference.  The requests a batch of replies makes room for leave in one send(), as a
 * pipelining client's would. */
#include "gen.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "s7/wire.h"

enum { ST_CONNECTING, ST_WAIT_CC, ST_WAIT_SETUP, ST_READY, ST_CLOSED };

#define RUN_RX_CAP (64u * 1024u)
#define RUN_TX_CAP (8u * 1024u)
#define IDLE_RX_CAP 256u
#define MAX_PENDING 256u                           /* handshakes at once */
#define REQ_FRAME_LEN (S7_ISO_HDR_LEN + 12u + 12u) /* a one-item Read Var request: 31 */
#define REP_FRAME_LEN(n) (S7_ISO_HDR_LEN + 12u + 2u + 4u + (n)) /* its reply: 25 + data */

typedef struct slot {
    uint16_t ref;
    uint16_t len;
    uint32_t off;
} slot;

typedef struct lc {
    int fd;
    uint8_t state;
    uint8_t out_armed;
    uint16_t next_ref;
    unsigned inflight;
    uint32_t chunk; /* next chunk of the 64 KB read */
    uint8_t *rx;
    uint32_t have, cap;
    uint8_t *tx;
    uint32_t tx_len, tx_off, tx_cap;
    slot *slots;
} lc;

typedef struct eng {
    int ep;
    const gen_target *t;
    lc **c;
    unsigned n, cap;
    unsigned pending, ready, refused, dropped;
    unsigned pdu, amq;
    /* traffic */
    int issuing, big;
    unsigned depth;
    unsigned long long reqs, bytes;
    unsigned long errors;
    char msg[GEN_MSG];
} eng;

static uint8_t expect[GEN_DB_LEN + 1024];
static int expect_ready;

static void fill_expect(void)
{
    if (expect_ready)
        return;
    for (uint32_t i = 0; i < sizeof expect; i++)
        expect[i] = GEN_PATTERN(i);
    expect_ready = 1;
}

/* First error is kept in msg; every error is counted. */
static void err(eng *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void err(eng *e, const char *fmt, ...)
{
    if (!e->errors) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    e->errors++;
}

/* ---------------------------------------------------------------- frames */

/* COTP CR: TPDU size 1024, calling TSAP 01.00, called TSAP 01.01 (PG, rack 0, slot 1). */
static int cr_frame(uint8_t *buf, size_t cap)
{
    static const uint8_t calling[2] = {0x01, 0x00}, called[2] = {0x01, 0x01};
    s7_cotp cr;
    memset(&cr, 0, sizeof cr);
    cr.code = S7_COTP_CR;
    cr.src_ref = 0x0001;
    cr.tpdu_size = 0x0A;
    cr.calling = calling;
    cr.calling_len = 2;
    cr.called = called;
    cr.called_len = 2;
    return s7_cotp_encode(buf, cap, &cr);
}

static int setup_frame(uint8_t *buf, size_t cap)
{
    s7_setup s = {GEN_AMQ, GEN_AMQ, GEN_PDU};
    int n = s7_setup_req_encode(buf + S7_ISO_HDR_LEN, cap - S7_ISO_HDR_LEN, 0, &s);
    return n < 0 ? n : s7_iso_dt_wrap(buf, cap, (size_t)n, 1);
}

/* Decode a whole DT frame carrying one unfragmented S7 PDU. */
static int dt_pdu(const uint8_t *f, size_t len, s7_pdu *p)
{
    s7_cotp t;
    int n = s7_frame_decode(f, len, &t);
    if (n != (int)len || t.code != S7_COTP_DT || !t.eot)
        return -1;
    return s7_pdu_decode(t.user, t.user_len, p) < 0 ? -1 : 0;
}

static int setup_reply(const uint8_t *f, size_t len, unsigned *pdu, unsigned *amq)
{
    s7_pdu p;
    s7_setup s;
    if (dt_pdu(f, len, &p) < 0 || p.rosctr != S7_ACK_DATA || p.err_class || p.err_code ||
        s7_setup_decode(&p, &s) < 0)
        return -1;
    *pdu = s.pdu_len;
    *amq = s.amq_called < s.amq_calling ? s.amq_called : s.amq_calling;
    return 0;
}

/* A one-item Read Var request frame for DB1 [off, off+len). */
static int read_frame(uint8_t *buf, size_t cap, uint16_t ref, uint32_t off, uint16_t len)
{
    s7_var_spec v = {S7_TS_BYTE, len, GEN_DB, S7_AREA_DB, off * 8u};
    int n = s7_read_req_encode(buf + S7_ISO_HDR_LEN, cap - S7_ISO_HDR_LEN, ref, &v, 1);
    return n < 0 ? n : s7_iso_dt_wrap(buf, cap, (size_t)n, 1);
}

static int resolve(const gen_target *t, struct sockaddr_storage *ss, socklen_t *sl)
{
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)t->port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(t->host, service, &hints, &res) != 0 || !res)
        return -1;
    memcpy(ss, res->ai_addr, res->ai_addrlen);
    *sl = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* ---------------------------------------------------------------- connections */

static void ep_set(eng *e, lc *c, int out)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | (out ? EPOLLOUT : 0u);
    ev.data.ptr = c;
    epoll_ctl(e->ep, EPOLL_CTL_MOD, c->fd, &ev);
    c->out_armed = (uint8_t)out;
}

static void lc_close(eng *e, lc *c)
{
    if (c->state == ST_CLOSED)
        return;
    epoll_ctl(e->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    if (c->state == ST_READY) {
        e->ready--;
        e->dropped++;
    } else {
        e->pending--;
        e->refused++;
    }
    c->state = ST_CLOSED;
}

static void lc_free(lc *c)
{
    free(c->rx);
    free(c->tx);
    free(c->slots);
    free(c);
}

/* Start one connection (non-blocking connect).  0 or -1 (msg). */
static int lc_open(eng *e, const struct sockaddr_storage *ss, socklen_t sl, int run)
{
    if (e->n == e->cap) {
        unsigned cap = e->cap ? e->cap * 2 : 64;
        lc **a = realloc(e->c, cap * sizeof *a);
        if (!a)
            return -1;
        e->c = a;
        e->cap = cap;
    }
    lc *c = calloc(1, sizeof *c);
    if (!c)
        return -1;
    c->cap = run ? RUN_RX_CAP : IDLE_RX_CAP;
    c->rx = malloc(c->cap);
    if (run) {
        c->tx_cap = RUN_TX_CAP;
        c->tx = malloc(c->tx_cap);
        c->slots = calloc(GEN_MAX_DEPTH, sizeof *c->slots);
    }
    c->next_ref = 1;
    c->fd = socket(ss->ss_family, SOCK_STREAM, 0);
    if (!c->rx || (run && (!c->tx || !c->slots)) || c->fd < 0) {
        snprintf(e->msg, sizeof e->msg, "%s: socket: %s%s", e->t->name, strerror(errno),
                 errno == EMFILE ? " (raise ulimit -n)" : "");
        if (c->fd >= 0)
            close(c->fd);
        lc_free(c);
        return -1;
    }
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(c->fd, (const struct sockaddr *)ss, sl) != 0 && errno != EINPROGRESS) {
        snprintf(e->msg, sizeof e->msg, "%s: connect to %s:%u: %s", e->t->name, e->t->host,
                 (unsigned)e->t->port, strerror(errno));
        close(c->fd);
        lc_free(c);
        return -1;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN | EPOLLOUT;
    ev.data.ptr = c;
    if (epoll_ctl(e->ep, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
        snprintf(e->msg, sizeof e->msg, "%s: epoll_ctl: %s", e->t->name, strerror(errno));
        close(c->fd);
        lc_free(c);
        return -1;
    }
    c->out_armed = 1;
    c->state = ST_CONNECTING;
    e->c[e->n++] = c;
    e->pending++;
    return 0;
}

static int send_now(int fd, const uint8_t *p, size_t n)
{
    ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
    return w == (ssize_t)n ? 0 : -1; /* a fresh socket takes a 25-byte frame whole */
}

static void lc_ready(eng *e, lc *c)
{
    c->state = ST_READY;
    e->pending--;
    e->ready++;
}

/* Queue the next request of connection c into its tx buffer. */
static void queue_request(eng *e, lc *c)
{
    if (c->tx_cap - c->tx_len < REQ_FRAME_LEN + 8) {
        if (c->tx_off) {
            memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
            c->tx_len -= c->tx_off;
            c->tx_off = 0;
        }
        if (c->tx_cap - c->tx_len < REQ_FRAME_LEN + 8) {
            err(e, "%s: send queue full", e->t->name);
            return;
        }
    }
    uint16_t ref = c->next_ref++;
    if (c->next_ref == 0)
        c->next_ref = 1;
    uint32_t off;
    uint16_t len;
    if (e->big) {
        off = c->chunk * GEN_CHUNK;
        len = (uint16_t)(GEN_DB_LEN - off < GEN_CHUNK ? GEN_DB_LEN - off : GEN_CHUNK);
        c->chunk = (c->chunk + 1) % GEN_CHUNKS;
    } else {
        off = (uint32_t)(ref & 63u) * 4u; /* DB1.DBD0 .. DBD252: a misplaced reply shows */
        len = GEN_SMALL_LEN;
    }
    int n = read_frame(c->tx + c->tx_len, c->tx_cap - c->tx_len, ref, off, len);
    if (n < 0) {
        err(e, "%s: cannot encode a request", e->t->name);
        return;
    }
    c->tx_len += (uint32_t)n;
    slot *s = &c->slots[c->inflight++];
    s->ref = ref;
    s->len = len;
    s->off = off;
}

static void lc_flush(eng *e, lc *c)
{
    while (c->tx_off < c->tx_len) {
        ssize_t w = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            err(e, "%s: send: %s", e->t->name, strerror(errno));
            lc_close(e, c);
            return;
        }
        c->tx_off += (uint32_t)w;
    }
    if (c->tx_off == c->tx_len)
        c->tx_off = c->tx_len = 0;
    int want_out = c->tx_len > c->tx_off;
    if (want_out != c->out_armed)
        ep_set(e, c, want_out);
}

/* A reply on a ready connection: match by reference, check, and make room for the next. */
static void on_reply(eng *e, lc *c, const uint8_t *f, size_t len)
{
    uint16_t ref;
    s7_pdu p;
    if (e->t->s7) {
        if (dt_pdu(f, len, &p) < 0) {
            err(e, "%s: a reply that is not one whole S7 PDU (%u bytes)", e->t->name,
                (unsigned)len);
            return;
        }
        ref = p.ref;
    } else {
        if (len < 13) {
            err(e, "%s: a %u-byte echo frame", e->t->name, (unsigned)len);
            return;
        }
        ref = (uint16_t)((f[11] << 8) | f[12]);
    }
    unsigned i = 0;
    while (i < c->inflight && c->slots[i].ref != ref)
        i++;
    if (i == c->inflight) {
        err(e, "%s: a reply with reference %u that no request in flight has", e->t->name,
            (unsigned)ref);
        return;
    }
    slot s = c->slots[i];
    c->slots[i] = c->slots[--c->inflight];
    if (e->t->s7) {
        s7_data_item it;
        if (s7_read_resp_decode(&p, &it, 1) < 0) {
            if (p.err_class || p.err_code)
                err(e, "%s: the read was refused with error 0x%04x", e->t->name,
                    (unsigned)(p.err_class << 8 | p.err_code));
            else
                err(e, "%s: a malformed read reply (%u bytes)", e->t->name, (unsigned)len);
            return;
        }
        if (it.rc != S7_RC_OK) {
            err(e, "%s: the read item failed with return code 0x%02x", e->t->name, it.rc);
            return;
        }
        if (it.nbytes != s.len || memcmp(it.data, expect + s.off, s.len) != 0) {
            err(e, "%s: wrong data in the reply for DB1 offset %u", e->t->name, s.off);
            return;
        }
    } else if (len != REP_FRAME_LEN(s.len)) {
        err(e, "%s: an echo frame of %u bytes", e->t->name, (unsigned)len);
        return;
    }
    e->reqs++;
    e->bytes += s.len;
    if (e->issuing)
        queue_request(e, c);
}

static void on_frame(eng *e, lc *c, const uint8_t *f, size_t len)
{
    switch (c->state) {
    case ST_WAIT_CC: {
        s7_cotp t;
        uint8_t buf[64];
        int n = s7_frame_decode(f, len, &t);
        if (n != (int)len || t.code != S7_COTP_CC) {
            err(e, "%s: the answer to the CR is not a CC (%u bytes)", e->t->name, (unsigned)len);
            lc_close(e, c);
            return;
        }
        n = setup_frame(buf, sizeof buf);
        if (n < 0 || send_now(c->fd, buf, (size_t)n) < 0) {
            lc_close(e, c);
            return;
        }
        c->state = ST_WAIT_SETUP;
        return;
    }
    case ST_WAIT_SETUP: {
        unsigned pdu, amq;
        if (setup_reply(f, len, &pdu, &amq) < 0) {
            err(e, "%s: Setup Communication failed (%u-byte answer)", e->t->name, (unsigned)len);
            lc_close(e, c);
            return;
        }
        e->pdu = pdu;
        e->amq = amq;
        lc_ready(e, c);
        return;
    }
    case ST_READY:
        if (!c->inflight) {
            err(e, "%s: an unexpected %u-byte frame", e->t->name, (unsigned)len);
            return;
        }
        on_reply(e, c, f, len);
        return;
    default: return;
    }
}

static void on_readable(eng *e, lc *c)
{
    ssize_t r = recv(c->fd, c->rx + c->have, c->cap - c->have, 0);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        if (c->state == ST_READY && (e->issuing || c->inflight))
            err(e, "%s: the server closed a connection during the run", e->t->name);
        lc_close(e, c);
        return;
    }
    if (r < 0)
        return;
    c->have += (uint32_t)r;
    uint32_t pos = 0;
    while (c->have - pos >= 4 && c->state != ST_CLOSED) {
        int flen = s7_tpkt_peek(c->rx + pos, c->have - pos);
        if (flen < 0 || (uint32_t)flen > c->cap) {
            err(e, "%s: a bad TPKT header (%u)", e->t->name, (unsigned)flen);
            lc_close(e, c);
            return;
        }
        if (c->have - pos < (uint32_t)flen)
            break;
        on_frame(e, c, c->rx + pos, (size_t)flen);
        pos += (uint32_t)flen;
    }
    if (c->state == ST_CLOSED)
        return;
    if (pos) {
        memmove(c->rx, c->rx + pos, c->have - pos);
        c->have -= pos;
    }
    if (c->state == ST_READY && c->tx_len > c->tx_off)
        lc_flush(e, c);
}

static void on_writable(eng *e, lc *c)
{
    if (c->state == ST_CONNECTING) {
        int so = 0;
        socklen_t sl = sizeof so;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so, &sl) != 0 || so != 0) {
            lc_close(e, c);
            return;
        }
        if (e->t->s7) {
            uint8_t buf[64];
            int n = cr_frame(buf, sizeof buf);
            if (n < 0 || send_now(c->fd, buf, (size_t)n) < 0) {
                lc_close(e, c);
                return;
            }
            c->state = ST_WAIT_CC;
        } else {
            lc_ready(e, c);
        }
        ep_set(e, c, 0);
        return;
    }
    if (c->state == ST_READY)
        lc_flush(e, c);
}

/* One epoll round: serve whatever is ready within timeout_ms. */
static int pump(eng *e, int timeout_ms)
{
    struct epoll_event ev[256];
    int n = epoll_wait(e->ep, ev, 256, timeout_ms);
    if (n < 0)
        return errno == EINTR ? 0 : -1;
    for (int i = 0; i < n; i++) {
        lc *c = ev[i].data.ptr;
        if (c->state == ST_CLOSED)
            continue;
        if (ev[i].events & EPOLLOUT)
            on_writable(e, c);
        if (c->state != ST_CLOSED && (ev[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP))) {
            if (c->state == ST_CONNECTING)
                lc_close(e, c); /* refused or reset before it was writable */
            else
                on_readable(e, c);
        }
    }
    return n;
}

static int eng_init(eng *e, const gen_target *t)
{
    memset(e, 0, sizeof *e);
    e->t = t;
    e->ep = epoll_create1(EPOLL_CLOEXEC);
    fill_expect();
    return e->ep < 0 ? -1 : 0;
}

static void eng_free(eng *e)
{
    for (unsigned i = 0; i < e->n; i++) {
        if (e->c[i]->state != ST_CLOSED)
            close(e->c[i]->fd);
        lc_free(e->c[i]);
    }
    free(e->c);
    if (e->ep >= 0)
        close(e->ep);
    e->c = NULL;
    e->n = 0;
    e->ep = -1;
}

/* Open `more` connections (at most MAX_PENDING handshakes at once) and wait until each is
 * set up or closed, or for `timeout` seconds.  0 or -1 (e->msg). */
static int open_many(eng *e, unsigned more, int run, double timeout)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (resolve(e->t, &ss, &sl) < 0) {
        snprintf(e->msg, sizeof e->msg, "%s: bad address %s:%u", e->t->name, e->t->host,
                 (unsigned)e->t->port);
        return -1;
    }
    double end = gen_now() + timeout;
    unsigned opened = 0;
    while (opened < more || e->pending) {
        while (opened < more && e->pending < MAX_PENDING) {
            if (lc_open(e, &ss, sl, run) < 0)
                return -1;
            opened++;
        }
        if (pump(e, 50) < 0) {
            snprintf(e->msg, sizeof e->msg, "epoll_wait: %s", strerror(errno));
            return -1;
        }
        if (gen_now() > end) {
            snprintf(e->msg, sizeof e->msg,
                     "%s: %u of %u connections still not set up after %.0f s", e->t->name,
                     e->pending, more, timeout);
            return -1;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- the timed run */

typedef struct snap {
    double t;
    unsigned long long reqs, bytes, srv, self, busy, total;
    int srv_ok;
} snap;

static void take(eng *e, snap *s)
{
    s->t = gen_now();
    s->reqs = e->reqs;
    s->bytes = e->bytes;
    s->srv_ok = e->t->pid > 0 && proc_ticks(e->t->pid, &s->srv) == 0;
    if (proc_ticks(0, &s->self) != 0)
        s->self = 0;
    if (proc_machine(&s->busy, &s->total) != 0)
        s->busy = s->total = 0;
}

int gen_run(const gen_target *t, const gen_case *k, gen_result *r)
{
    eng e;
    memset(r, 0, sizeof *r);
    if (eng_init(&e, t) < 0) {
        snprintf(r->msg, sizeof r->msg, "epoll_create1: %s", strerror(errno));
        return -1;
    }
    e.big = k->big;
    int rc = -1;
    if (open_many(&e, k->conns, 1, 10.0) < 0)
        goto out;
    if (e.ready != k->conns) {
        char first[GEN_MSG];
        snprintf(first, sizeof first, "%s", e.msg);
        snprintf(e.msg, sizeof e.msg, "%s: only %u of %u connections were set up%s%.160s", t->name,
                 e.ready, k->conns, e.errors ? "; first error: " : "", e.errors ? first : "");
        goto out;
    }
    unsigned depth = k->depth < GEN_MAX_DEPTH ? k->depth : GEN_MAX_DEPTH;
    if (t->s7 && e.amq && e.amq < depth)
        depth = e.amq; /* never more than the server allows */
    e.depth = depth;
    r->pdu = e.pdu;
    r->amq = e.amq;
    r->depth = depth;
    if (t->s7 && k->big && e.pdu < GEN_CHUNK + 18u) {
        snprintf(e.msg, sizeof e.msg, "%s: negotiated PDU %u, the 942-byte reads need 960", t->name,
                 e.pdu);
        goto out;
    }
    e.issuing = 1;
    for (unsigned i = 0; i < e.n; i++) {
        for (unsigned d = 0; d < depth; d++)
            queue_request(&e, e.c[i]);
        lc_flush(&e, e.c[i]);
    }
    snap s0, s1;
    double start = gen_now(), warm_end = start + k->warm, end = warm_end + k->run;
    int phase = 0;
    for (;;) {
        double now = gen_now();
        if (phase == 0 && now >= warm_end) {
            take(&e, &s0);
            phase = 1;
        }
        if (phase == 1 && now >= end) {
            take(&e, &s1);
            e.issuing = 0;
            phase = 2;
            end = now + 5.0; /* drain what is in flight */
        }
        if (phase == 2) {
            unsigned left = 0;
            for (unsigned i = 0; i < e.n; i++)
                if (e.c[i]->state == ST_READY)
                    left += e.c[i]->inflight;
            if (!left)
                break;
            if (now > end) {
                err(&e, "%s: %u replies never came", t->name, left);
                break;
            }
        }
        if (e.ready == 0) {
            if (phase < 2)
                take(&e, phase == 0 ? &s0 : &s1);
            if (phase == 0)
                s1 = s0;
            break;
        }
        double wait = (phase == 0 ? warm_end : end) - now;
        int ms = wait <= 0 ? 0 : wait > 0.1 ? 100 : (int)(wait * 1000.0) + 1;
        if (pump(&e, ms) < 0) {
            snprintf(e.msg, sizeof e.msg, "epoll_wait: %s", strerror(errno));
            goto out;
        }
    }
    r->reqs = s1.reqs - s0.reqs;
    r->bytes = s1.bytes - s0.bytes;
    r->secs = s1.t - s0.t;
    r->srv_ticks_ok = s0.srv_ok && s1.srv_ok;
    r->srv_ticks = s1.srv - s0.srv;
    r->self_ticks = s1.self - s0.self;
    r->busy_ticks = s1.busy - s0.busy;
    r->total_ticks = s1.total - s0.total;
    rc = 0;
out:
    r->errors = e.errors;
    snprintf(r->msg, sizeof r->msg, "%s", e.msg);
    eng_free(&e);
    return rc;
}

/* ---------------------------------------------------------------- idle connections */

struct gen_idle {
    eng e;
};

gen_idle *gen_idle_new(const gen_target *t)
{
    gen_idle *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    if (eng_init(&g->e, t) < 0) {
        free(g);
        return NULL;
    }
    return g;
}

int gen_idle_open(gen_idle *g, unsigned more, unsigned *held, unsigned *refused, char *msg)
{
    int rc = open_many(&g->e, more, 0, 60.0);
    *held = g->e.ready;
    *refused = g->e.refused + g->e.dropped;
    if (rc < 0)
        snprintf(msg, GEN_MSG, "%s", g->e.msg);
    return rc;
}

unsigned gen_idle_settle(gen_idle *g, int wait_ms)
{
    double end = gen_now() + wait_ms / 1000.0;
    while (gen_now() < end)
        pump(&g->e, 20);
    return g->e.ready;
}

void gen_idle_free(gen_idle *g)
{
    if (!g)
        return;
    eng_free(&g->e);
    free(g);
}

/* ---------------------------------------------------------------- blocking helpers */

/* Wait until fd is readable or the deadline passes (gen_now() seconds).  1, 0 or -1. */
static int wait_in(int fd, double deadline)
{
    for (int tries = 0; tries < 1000; tries++) {
        double left = deadline - gen_now();
        if (left <= 0)
            return 0;
        struct pollfd pf = {fd, POLLIN, 0};
        int n = poll(&pf, 1, (int)(left * 1000.0) + 1);
        if (n > 0)
            return 1;
        if (n < 0 && errno != EINTR)
            return -1;
    }
    return 0;
}

int gen_recv_frame(int fd, uint8_t *buf, size_t cap, double deadline)
{
    size_t got = 0, need = 4;
    while (got < need) { /* each pass takes at least one byte or ends */
        int w = wait_in(fd, deadline);
        if (w <= 0)
            return w == 0 ? -2 : -1;
        ssize_t r = recv(fd, buf + got, need - got, MSG_DONTWAIT);
        if (r < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
        if (got == 4) {
            int n = s7_tpkt_peek(buf, 4);
            if (n < 7 || (size_t)n > cap)
                return -1;
            need = (size_t)n;
        }
    }
    return (int)need;
}

int gen_dial(const gen_target *t, int rcvbuf, char *msg)
{
    struct sockaddr_storage ss;
    socklen_t sl;
    if (resolve(t, &ss, &sl) < 0) {
        snprintf(msg, GEN_MSG, "%s: bad address %s:%u", t->name, t->host, (unsigned)t->port);
        return -1;
    }
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0) {
        snprintf(msg, GEN_MSG, "%s: socket: %s%s", t->name, strerror(errno),
                 errno == EMFILE ? " (raise ulimit -n)" : "");
        return -1;
    }
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv); /* also bounds connect() */
    if (rcvbuf > 0) /* before connect(): the window is scaled for it */
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&ss, sl) != 0) {
        snprintf(msg, GEN_MSG, "%s: connect to %s:%u: %s", t->name, t->host, (unsigned)t->port,
                 strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int gen_handshake(const gen_target *t, int fd, unsigned *pdu, unsigned *amq, char *msg)
{
    uint8_t buf[256];
    int n;
    s7_cotp cc;
    double deadline = gen_now() + 5.0;
    *pdu = *amq = 0;
    if (!t->s7)
        return 0;
    if ((n = cr_frame(buf, sizeof buf)) < 0 || send_now(fd, buf, (size_t)n) < 0 ||
        (n = gen_recv_frame(fd, buf, sizeof buf, deadline)) < 0 ||
        s7_frame_decode(buf, (size_t)n, &cc) != n || cc.code != S7_COTP_CC) {
        snprintf(msg, GEN_MSG, "%s: no COTP CC for the CR (rack 0, slot 1, PG)", t->name);
        return -1;
    }
    if ((n = setup_frame(buf, sizeof buf)) < 0 || send_now(fd, buf, (size_t)n) < 0 ||
        (n = gen_recv_frame(fd, buf, sizeof buf, deadline)) < 0 ||
        setup_reply(buf, (size_t)n, pdu, amq) < 0) {
        snprintf(msg, GEN_MSG, "%s: Setup Communication failed", t->name);
        return -1;
    }
    return 0;
}

int gen_read_req(uint8_t *buf, size_t cap, uint16_t ref, uint32_t off, uint16_t len)
{
    return read_frame(buf, cap, ref, off, len);
}

int gen_check_read(const gen_target *t, const uint8_t *f, size_t len, uint16_t ref, uint32_t off,
                   uint16_t n, char *msg)
{
    fill_expect();
    if (!t->s7) {
        if (len != REP_FRAME_LEN(n) || len < 13 || ((f[11] << 8) | f[12]) != ref) {
            snprintf(msg, GEN_MSG, "%s: an echo frame of %u bytes for reference %u", t->name,
                     (unsigned)len, (unsigned)ref);
            return -1;
        }
        return 0;
    }
    s7_pdu p;
    s7_data_item it;
    if (dt_pdu(f, len, &p) < 0) {
        snprintf(msg, GEN_MSG, "%s: a reply that is not one whole S7 PDU (%u bytes)", t->name,
                 (unsigned)len);
        return -1;
    }
    if (p.ref != ref) {
        snprintf(msg, GEN_MSG, "%s: a reply with reference %u to request %u", t->name,
                 (unsigned)p.ref, (unsigned)ref);
        return -1;
    }
    if (s7_read_resp_decode(&p, &it, 1) < 0 || it.rc != S7_RC_OK || it.nbytes != n ||
        memcmp(it.data, expect + off, n) != 0) {
        snprintf(msg, GEN_MSG, "%s: a wrong reply to the read of DB1 offset %u (error 0x%04x)",
                 t->name, off, (unsigned)(p.err_class << 8 | p.err_code));
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the fill */

int gen_fill(const gen_target *t, char *msg)
{
    uint8_t buf[2048];
    int fd = gen_dial(t, 0, msg);
    if (fd < 0)
        return -1;
    int rc = -1, n;
    unsigned pdu = 0, amq = 0;
    if (gen_handshake(t, fd, &pdu, &amq, msg) < 0)
        goto out;
    if (pdu < GEN_WCHUNK + 28u) {
        snprintf(msg, GEN_MSG, "%s: negotiated PDU %u, the fill needs 960", t->name, pdu);
        goto out;
    }
    fill_expect();
    uint16_t ref = 1;
    for (uint32_t off = 0; off < GEN_DB_LEN; off += GEN_WCHUNK, ref++) {
        uint32_t len = GEN_DB_LEN - off < GEN_WCHUNK ? GEN_DB_LEN - off : GEN_WCHUNK;
        s7_var_spec v = {S7_TS_BYTE, (uint16_t)len, GEN_DB, S7_AREA_DB, off * 8u};
        s7_data_item d;
        memset(&d, 0, sizeof d);
        d.data = expect + off;
        d.nbytes = len;
        n = s7_write_req_encode(buf + S7_ISO_HDR_LEN, sizeof buf - S7_ISO_HDR_LEN, ref, &v, &d, 1);
        if (n >= 0)
            n = s7_iso_dt_wrap(buf, sizeof buf, (size_t)n, 1);
        s7_pdu p;
        uint8_t rcs[1] = {0};
        if (n < 0 || send_now(fd, buf, (size_t)n) < 0 ||
            (n = gen_recv_frame(fd, buf, sizeof buf, gen_now() + 5.0)) < 0 ||
            dt_pdu(buf, (size_t)n, &p) < 0 || p.ref != ref) {
            snprintf(msg, GEN_MSG, "%s: no answer to the write of DB1 offset %u", t->name, off);
            goto out;
        }
        if (s7_write_resp_decode(&p, rcs, 1) < 0 || rcs[0] != S7_RC_OK) {
            snprintf(msg, GEN_MSG,
                     "%s: writing DB1 offset %u failed (error 0x%04x, item 0x%02x): "
                     "the server must hold a writable 65535-byte DB1 with PUT/GET on",
                     t->name, off, (unsigned)(p.err_class << 8 | p.err_code), rcs[0]);
            goto out;
        }
    }
    rc = 0;
out:
    close(fd);
    return rc;
}
