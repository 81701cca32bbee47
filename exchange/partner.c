/* A BSEND/BRCV/USEND/URCV partner with its I/O (include/s7/exchange_partner.h): one TCP
 * connection, listened for (passive) or connected (active, again after a loss), driving an
 * s7_pconn; BRCV/URCV receive areas per R_ID and the status each instance reports. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/exchange_partner.h"
#include "s7/net.h"
#include "s7/wire.h"

#define RX_CHUNK 16384
#define RUN_READS 16 /* reads per round at most, so one busy partner cannot starve a loop */

typedef struct rid_entry {
    uint32_t r_id;
    int has_send, has_recv, recv_usend;
    s7_partner_status send, recv;
    uint8_t *area;
    size_t cap;
} rid_entry;

struct s7_partner {
    s7_partner_cfg cfg;
    s7_pconn *pc;
    int lfd, fd, connecting;
    int64_t next_connect;
    uint16_t port;
    char reason[512];
    rid_entry *rids;
    size_t nrids, caprids;
    uint8_t *rx;
};

void s7_partner_cfg_init(s7_partner_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->port = 102;
    cfg->local_tsap = 0x1000;
    cfg->remote_tsap = 0x1000;
    cfg->pdu_request = 480;
    cfg->ack_timeout_ms = 3000;
    cfg->segment_timeout_ms = 3000;
    cfg->reconnect_ms = 500;
}

static rid_entry *rid_get(s7_partner *p, uint32_t r_id, int create)
{
    for (size_t i = 0; i < p->nrids; i++)
        if (p->rids[i].r_id == r_id)
            return &p->rids[i];
    if (!create)
        return NULL;
    if (p->nrids == p->caprids) {
        size_t nc = p->caprids ? p->caprids * 2 : 8;
        rid_entry *n = realloc(p->rids, nc * sizeof *n);
        if (!n)
            return NULL;
        p->rids = n;
        p->caprids = nc;
    }
    rid_entry *e = &p->rids[p->nrids++];
    memset(e, 0, sizeof *e);
    e->r_id = r_id;
    return e;
}

static uint16_t err_status(int err)
{
    switch (err) {
    case 0: return 0;
    case S7_ERR_PLC: return 2; /* negative acknowledgement */
    case S7_ERR_INVAL:
    case S7_ERR_TOOBIG: return 4;
    default: return 1; /* connection problem */
    }
}

static void job_end(s7_partner_status *st, int err)
{
    st->busy = 0;
    st->done = err == 0;
    st->error = err != 0;
    st->status = err_status(err);
    if (err)
        st->errors++;
    else
        st->count++;
}

static void on_sent(void *ctx, uint32_t r_id, int err, void *job)
{
    (void)job;
    s7_partner *p = ctx;
    rid_entry *e = rid_get(p, r_id, 0);
    if (e)
        job_end(&e->send, err);
}

static void on_recv(void *ctx, uint32_t r_id, const uint8_t *data, size_t len, int usend)
{
    s7_partner *p = ctx;
    rid_entry *e = rid_get(p, r_id, 0);
    if (e && e->has_recv && e->recv_usend == usend) {
        if (len > e->cap) { /* the block does not fit the receive area */
            job_end(&e->recv, S7_ERR_TOOBIG);
            e->recv.len = 0;
            return;
        }
        memcpy(e->area, data, len);
        job_end(&e->recv, 0);
        e->recv.ndr = 1;
        e->recv.len = (uint32_t)len;
        data = e->area;
    }
    if (p->cfg.on_recv)
        p->cfg.on_recv(p->cfg.ctx, r_id, data, len, usend);
}

s7_partner *s7_partner_new(const s7_partner_cfg *cfg)
{
    s7_partner *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->cfg = *cfg;
    p->cfg.host[sizeof p->cfg.host - 1] = 0;
    p->cfg.source[sizeof p->cfg.source - 1] = 0;
    p->cfg.peer[sizeof p->cfg.peer - 1] = 0;
    if (!p->cfg.reconnect_ms)
        p->cfg.reconnect_ms = 500;
    s7_pconn_cfg pcfg;
    s7_pconn_cfg_init(&pcfg);
    pcfg.active = cfg->active;
    pcfg.local_tsap = cfg->local_tsap;
    pcfg.remote_tsap = cfg->remote_tsap;
    pcfg.pdu_request = cfg->pdu_request;
    pcfg.ack_timeout_ms = cfg->ack_timeout_ms;
    pcfg.segment_timeout_ms = cfg->segment_timeout_ms;
    pcfg.on_sent = on_sent;
    pcfg.on_recv = on_recv;
    pcfg.ctx = p;
    pcfg.tap = cfg->tap;
    pcfg.tap_ctx = cfg->tap_ctx;
    p->pc = s7_pconn_new(&pcfg);
    p->rx = malloc(RX_CHUNK);
    if (!p->pc || !p->rx) {
        s7_pconn_free(p->pc);
        free(p->rx);
        free(p);
        return NULL;
    }
    p->lfd = p->fd = -1;
    return p;
}

static void conn_close(s7_partner *p, const char *why)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
    p->connecting = 0;
    if (why && *why)
        snprintf(p->reason, sizeof p->reason, "%s", why);
    s7_pconn_reset(p->pc);
    p->next_connect = s7_now_ms() + p->cfg.reconnect_ms;
}

void s7_partner_free(s7_partner *p)
{
    if (!p)
        return;
    if (p->fd >= 0)
        close(p->fd);
    if (p->lfd >= 0)
        close(p->lfd);
    s7_pconn_free(p->pc);
    free(p->rids);
    free(p->rx);
    free(p);
}

int s7_partner_start(s7_partner *p)
{
    if (p->cfg.active) {
        p->next_connect = 0;
        return 0;
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    char port[8];
    snprintf(port, sizeof port, "%u", p->cfg.port);
    int r = getaddrinfo(p->cfg.host[0] ? p->cfg.host : NULL, port, &hints, &ai);
    if (r != 0) {
        snprintf(p->reason, sizeof p->reason,
                 "cannot listen on '%.200s': not a numeric IPv4/IPv6 address of this machine",
                 p->cfg.host);
        return S7_ERR_INVAL;
    }
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 4) < 0) {
        snprintf(p->reason, sizeof p->reason, "cannot listen on %.200s port %u: %s",
                 p->cfg.host[0] ? p->cfg.host : "any address", p->cfg.port, strerror(errno));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(ai);
        return S7_ERR_IO;
    }
    freeaddrinfo(ai);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
        p->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                                 : ((struct sockaddr_in *)&ss)->sin_port);
    p->lfd = fd;
    return 0;
}

uint16_t s7_partner_port(const s7_partner *p) { return p->port; }

int s7_partner_brcv(s7_partner *p, uint32_t r_id, uint8_t *area, size_t cap, int usend)
{
    if (!area || cap == 0)
        return S7_ERR_INVAL;
    rid_entry *e = rid_get(p, r_id, 1);
    if (!e)
        return S7_ERR_NOMEM;
    e->has_recv = 1;
    e->recv_usend = usend ? 1 : 0;
    e->area = area;
    e->cap = cap;
    return 0;
}

int s7_partner_bsend(s7_partner *p, uint32_t r_id, const void *data, size_t len)
{
    rid_entry *e = rid_get(p, r_id, 1);
    if (!e)
        return S7_ERR_NOMEM;
    e->has_send = 1;
    if (e->send.busy) {
        e->send.status = 11; /* the previous job is not complete */
        return S7_ERR_BUSY;
    }
    if (!data || len == 0 || len > S7_BSEND_MAX) {
        job_end(&e->send, S7_ERR_INVAL);
        return S7_ERR_INVAL;
    }
    e->send.busy = 1;
    e->send.done = e->send.error = 0;
    e->send.status = 0;
    e->send.len = (uint32_t)len;
    int r = s7_pconn_bsend(p->pc, r_id, data, len, NULL, s7_now_ms());
    if (r < 0)
        job_end(&e->send, r);
    return r;
}

int s7_partner_usend(s7_partner *p, uint32_t r_id, const void *data, size_t len)
{
    rid_entry *e = rid_get(p, r_id, 1);
    if (!e)
        return S7_ERR_NOMEM;
    e->has_send = 1;
    int r = s7_pconn_usend(p->pc, r_id, data, len);
    if (r == S7_ERR_STATE)
        r = S7_ERR_NOTCONN;
    job_end(&e->send, r);
    return r;
}

int s7_partner_send_status(s7_partner *p, uint32_t r_id, s7_partner_status *st)
{
    rid_entry *e = rid_get(p, r_id, 0);
    if (!e || !e->has_send)
        return S7_ERR_INVAL;
    *st = e->send;
    return 0;
}

int s7_partner_recv_status(s7_partner *p, uint32_t r_id, s7_partner_status *st)
{
    rid_entry *e = rid_get(p, r_id, 0);
    if (!e || !e->has_recv)
        return S7_ERR_INVAL;
    *st = e->recv;
    e->recv.ndr = 0;
    return 0;
}

int s7_partner_linked(const s7_partner *p) { return s7_pconn_state(p->pc) == S7_PC_LINKED; }
const char *s7_partner_reason(const s7_partner *p) { return p->reason; }
uint16_t s7_partner_pdu(const s7_partner *p) { return s7_pconn_pdu(p->pc); }

/* Write what the connection has to send; returns 0 or -1 after a socket error. */
static int flush(s7_partner *p)
{
    const uint8_t *b;
    size_t n;
    while (p->fd >= 0 && !p->connecting && (n = s7_pconn_tx_pending(p->pc, &b)) > 0) {
        ssize_t w = send(p->fd, b, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return 0;
            char why[400];
            snprintf(why, sizeof why, "send to the partner failed: %s", strerror(errno));
            conn_close(p, why);
            return -1;
        }
        s7_pconn_tx_done(p->pc, (size_t)w);
    }
    return 0;
}

static void check_failed(s7_partner *p)
{
    if (s7_pconn_state(p->pc) == S7_PC_FAILED) {
        char why[240];
        snprintf(why, sizeof why, "%s", s7_pconn_reason(p->pc));
        flush(p); /* e.g. the last acknowledgement */
        conn_close(p, why);
    }
}

/* A passive partner's new connection (accepted, or handed over by the CPU's server): it
 * replaces one the partner lost. */
static void take_fd(s7_partner *p, int fd)
{
    if (p->fd >= 0) /* the partner connects again: it lost the old connection */
        conn_close(p, "the partner connected again");
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    s7_tcp_configure(fd);
    p->fd = fd;
}

static void do_accept(s7_partner *p)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept(p->lfd, (struct sockaddr *)&ss, &sl);
    if (fd < 0)
        return;
    if (p->cfg.peer[0]) {
        char a[64] = "";
        if (ss.ss_family == AF_INET)
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, a, sizeof a);
        else if (ss.ss_family == AF_INET6)
            inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, a, sizeof a);
        if (strcmp(a, p->cfg.peer) != 0) { /* not our partner: as a CPU, refuse it */
            close(fd);
            return;
        }
    }
    take_fd(p, fd);
}

int s7_partner_adopt(s7_partner *p, int fd, const uint8_t *bytes, size_t len)
{
    if (!p || fd < 0 || p->cfg.active || (len && !bytes))
        return S7_ERR_INVAL;
    take_fd(p, fd);
    if (len) {
        s7_pconn_feed(p->pc, bytes, len, s7_now_ms());
        check_failed(p);
    }
    flush(p);
    return 0;
}

int s7_partner_connected(const s7_partner *p) { return p->fd >= 0 && !p->connecting; }

static void do_connect(s7_partner *p, int64_t now)
{
    int fd = -1;
    int r = s7_tcp_connect_start_from(p->cfg.host, p->cfg.port,
                                      p->cfg.source[0] ? p->cfg.source : NULL, &fd);
    if (r < 0 && r != S7_AGAIN) {
        snprintf(p->reason, sizeof p->reason, "connect to %.200s port %u: %s", p->cfg.host,
                 p->cfg.port, s7_strerror(r));
        p->next_connect = now + p->cfg.reconnect_ms;
        return;
    }
    p->fd = fd;
    s7_tcp_configure(fd);
    p->connecting = r == S7_AGAIN;
    if (!p->connecting)
        s7_pconn_start(p->pc, now);
}

static void do_read(s7_partner *p, int64_t now)
{
    for (int i = 0; i < RUN_READS && p->fd >= 0; i++) {
        ssize_t n = recv(p->fd, p->rx, RX_CHUNK, 0);
        if (n == 0) {
            conn_close(p, "the partner closed the connection");
            return;
        }
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                char why[400];
                snprintf(why, sizeof why, "receive from the partner failed: %s", strerror(errno));
                conn_close(p, why);
            }
            return;
        }
        s7_pconn_feed(p->pc, p->rx, (size_t)n, now);
        check_failed(p);
        if (flush(p) < 0 || (size_t)n < RX_CHUNK)
            return;
    }
}

int s7_partner_pollfd(const s7_partner *p, short *events)
{
    const uint8_t *b;
    if (p->fd >= 0) {
        *events =
            (short)(POLLIN | ((p->connecting || s7_pconn_tx_pending(p->pc, &b)) ? POLLOUT : 0));
        return p->fd;
    }
    *events = POLLIN;
    return p->lfd;
}

int s7_partner_run(s7_partner *p, int timeout_ms)
{
    int64_t now = s7_now_ms();
    if (p->cfg.active && p->fd < 0 && now >= p->next_connect)
        do_connect(p, now);
    flush(p);
    struct pollfd pf[2];
    int n = 0, li = -1, ci = -1;
    if (p->lfd >= 0) {
        pf[n] = (struct pollfd){.fd = p->lfd, .events = POLLIN};
        li = n++;
    }
    if (p->fd >= 0) {
        const uint8_t *b;
        pf[n] = (struct pollfd){
            .fd = p->fd,
            .events = (short)(POLLIN |
                              ((p->connecting || s7_pconn_tx_pending(p->pc, &b)) ? POLLOUT : 0))};
        ci = n++;
    }
    int64_t dl = s7_pconn_deadline(p->pc);
    if (p->cfg.active && p->fd < 0 && p->next_connect < dl)
        dl = p->next_connect;
    if (timeout_ms < 0 || (dl != INT64_MAX && dl - now < timeout_ms))
        timeout_ms = dl == INT64_MAX ? timeout_ms : (int)(dl > now ? dl - now : 0);
    int r = poll(pf, (nfds_t)n, timeout_ms);
    now = s7_now_ms();
    if (r > 0) {
        if (ci >= 0 && pf[ci].revents) {
            if (p->connecting) {
                int e = s7_tcp_connect_finish(p->fd);
                if (e < 0) {
                    char why[400];
                    snprintf(why, sizeof why, "connect to %.200s port %u: %s", p->cfg.host,
                             p->cfg.port, s7_strerror(e));
                    conn_close(p, why);
                } else {
                    p->connecting = 0;
                    s7_pconn_start(p->pc, now);
                }
            } else {
                if (pf[ci].revents & (POLLIN | POLLERR | POLLHUP))
                    do_read(p, now);
            }
            flush(p);
        }
        if (li >= 0 && (pf[li].revents & POLLIN))
            do_accept(p);
    }
    if (p->fd >= 0) {
        s7_pconn_tick(p->pc, now);
        check_failed(p);
        flush(p);
    }
    return 0;
}

int s7_partner_bsend_wait(s7_partner *p, uint32_t r_id, int timeout_ms)
{
    rid_entry *e = rid_get(p, r_id, 0);
    if (!e || !e->has_send)
        return S7_ERR_INVAL;
    int64_t end = s7_now_ms() + timeout_ms;
    while (e->send.busy) {
        int64_t left = end - s7_now_ms();
        if (left <= 0)
            return S7_ERR_TIMEOUT;
        s7_partner_run(p, left > 100 ? 100 : (int)left);
        e = rid_get(p, r_id, 0);
    }
    return e->send.error ? (e->send.status == 2 ? S7_ERR_PLC : S7_ERR_CLOSED) : 0;
}

int s7_partner_wait_linked(s7_partner *p, int timeout_ms)
{
    int64_t end = s7_now_ms() + timeout_ms;
    while (!s7_partner_linked(p)) {
        int64_t left = end - s7_now_ms();
        if (left <= 0)
            return S7_ERR_TIMEOUT;
        s7_partner_run(p, left > 100 ? 100 : (int)left);
    }
    return 0;
}
