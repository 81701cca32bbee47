/* The server engine: one event loop serving an s7_cpu to many connections.  Each readiness
 * event reads once into a shared buffer, pulls the events of every whole frame from the
 * connection's server-role conn (conn/: a CR, a whole PDU), answers them with the CPU
 * model (s7_cpu_accept, s7_cpu_handle), and sends the answers of frames that arrived
 * together in one send().
 * Only an incomplete frame or unsent output is kept per connection, so an idle connection
 * costs its struct.
 *
 * Hygiene (docs/server.md, "Limits"): the allow-list and a per-source limit are applied at
 * accept; a CR and then Setup Communication must come within their deadlines; a
 * connection with no whole PDU either way for the idle timeout is closed, unless it holds
 * a cyclic-data job or an alarm registration (it is waiting for pushes).  Every byte
 * held for a connection (unsent replies, a partial frame, a PDU being reassembled) is
 * accounted: a connection whose unsent replies reach S7_SLIM_CONN_HELD is not read until
 * they drain (frames already received wait too); past half of S7_SLIM_HELD in all, the
 * connections holding more than the average are not read; past S7_SLIM_HELD the one
 * holding most is closed.  A reserve descriptor lets the listener accept and close (with
 * a log line) when the process is out of descriptors.
 *
 * Group commit (s7_server_hold_replies, s7_server_on_commit): a reply the application
 * holds (a write that must be durable first) keeps its connection's output back until the
 * end of the turn, where one commit covers every reply held in it; nothing else waits. */
#define _GNU_SOURCE 1 /* accept4 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/loop.h"
#include "s7/conn.h"
#include "s7/net.h"
#include "s7/server.h"
#include "server/sources.h"
#include "util/log.h"
#include "util/hot.h"

#define RX_SCRATCH (2u * S7_FRAME_MAX + 1024u)
#define DEF_CR_TIMEOUT 5000
#define DEF_SETUP_TIMEOUT 5000
#define DEF_IDLE_TIMEOUT 600000
#define DEF_PER_SOURCE 64
#define DEF_CONN_HELD 65536
#define DEF_HELD (64u << 20)
#define DEF_SOCK_BUF 65536
#define S7_PUSH_CAP 65536u
#define REFUSE_LOG_PER_SEC 20 /* refusal log lines a second; the rest are counted */

typedef struct srv_conn {
    int fd;
    uint32_t slot;
    uint8_t handed;   /* claimed by the on_cr hook: the socket is no longer ours */
    uint8_t counted;  /* its type is counted in in_use (after the CC) */
    uint8_t reading;  /* EPOLLIN armed */
    uint8_t writing;  /* EPOLLOUT armed */
    uint8_t squeezed; /* not read: the server is over half its memory bound */
    uint8_t paused;   /* counted in st.paused */
    uint8_t cut;      /* refused or cut: refused() logged it, so conn_close does not */
    uint8_t holding;  /* its output waits for the turn's commit (s7_server_hold_replies) */
    uint8_t src[16];  /* the source address (sources.h) */
    int64_t opened;   /* accept */
    int64_t cc_at;    /* the CC was queued */
    int64_t last_pdu; /* the last whole PDU either way */
    size_t held;      /* bytes accounted to it in st.held */
    uint8_t *rx;      /* an incomplete frame carried to the next read */
    uint32_t rx_len;
    uint8_t *tx; /* output the socket did not take yet */
    uint32_t tx_len, tx_off;
    s7_sconn *sc;
    s7_cpu_session *sess;
} srv_conn;

typedef struct allow_rule {
    int family;
    uint8_t addr[16];
    int prefix;
} allow_rule;

struct s7_server {
    s7_cpu *cpu;
    s7_server_opts o;
    char listen_spec[128];
    int lfd;
    uint16_t port;
    s7_loop *loop;
    int wake[2];
    srv_conn **conns;
    size_t nconns, cap;
    uint16_t in_use[4];
    uint16_t own; /* of in_use[0]: connections the CPU holds itself (s7_server_conn_acquire) */
    allow_rule *allow;
    size_t nallow;
    uint8_t *in;
    s7_buf out;
    int64_t next_timer_check;
    int64_t next_push; /* the earliest cyclic-data push due (-1: none) */
    int64_t turn_now;  /* srv_now's reading in this turn of s7_server_run_once (-1: none yet) */
    uint8_t *push;     /* a push PDU being built (S7_PUSH_CAP bytes, made at the first) */
    volatile int stopping;
    int accept_paused;
    int reserve_fd; /* /dev/null, given up to accept and close when out of descriptors */
    int64_t lim[S7_SLIM_SOCK_BUF + 1];
    s7__sources sources;
    s7_server_stats st;
    int pressure; /* over half the memory bound */
    s7_server_refuse_fn on_refuse;
    void *refuse_ctx;
    s7_server_cr_fn on_cr; /* another engine may claim a CR (s7_server_on_cr) */
    void *cr_ctx;
    s7_server_commit_fn on_commit; /* group commit (s7_server_on_commit) */
    void *commit_ctx;
    srv_conn *serving;          /* the connection whose request the CPU is answering (on_pdu) */
    int hold_req;               /* s7_server_hold_replies was called for that request */
    size_t hold_split;          /* process(): where the held part of out begins (SIZE_MAX:
                                   the connection did not begin to hold in this serve) */
    size_t nholding;            /* connections holding output for the commit */
    int64_t refuse_win;         /* the refusal log's window began (-1: none open) */
    int64_t refuse_hidden_from; /* the first refusal the window left out */
    unsigned refuse_logged, refuse_suppressed;
};

static void slog(s7_server *s, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

S7_COLD static void slog(s7_server *s, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s7__logv(s->o.log, s->o.log_ctx, level, 512, fmt, ap);
    va_end(ap);
}

void s7_server_opts_init(s7_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:102";
    o->max_clients = 65000;
    o->backlog = 1024;
    o->idle_timeout_ms = DEF_IDLE_TIMEOUT;
}

/* The CPU's handler while the server has an on_event hook (s7_server_new installs it only
 * then). */
S7_HOT static void on_cpu_event(void *ctx, const s7_cpu_event *ev)
{
    s7_server *s = ctx;
    s->o.hooks.on_event(s->o.hooks.ctx, ev);
}

s7_server *s7_server_new(s7_cpu *cpu, const s7_server_opts *o)
{
    s7_server *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->cpu = cpu;
    if (o)
        s->o = *o;
    else
        s7_server_opts_init(&s->o);
    snprintf(s->listen_spec, sizeof s->listen_spec, "%s",
             s->o.listen ? s->o.listen : "127.0.0.1:102");
    s->o.listen = s->listen_spec;
    if (!s->o.max_clients)
        s->o.max_clients = 65000;
    if (s->o.backlog <= 0)
        s->o.backlog = 1024;
    s->lfd = -1;
    s->reserve_fd = -1;
    s->wake[0] = s->wake[1] = -1;
    s->next_push = -1;
    s->turn_now = -1;
    s->refuse_win = -1;
    s->lim[S7_SLIM_CR_TIMEOUT_MS] = DEF_CR_TIMEOUT;
    s->lim[S7_SLIM_SETUP_TIMEOUT_MS] = DEF_SETUP_TIMEOUT;
    s->lim[S7_SLIM_IDLE_TIMEOUT_MS] = s->o.idle_timeout_ms > 0 ? s->o.idle_timeout_ms : 0;
    s->lim[S7_SLIM_MAX_PER_SOURCE] = DEF_PER_SOURCE;
    s->lim[S7_SLIM_CONN_HELD] = DEF_CONN_HELD;
    s->lim[S7_SLIM_HELD] = DEF_HELD;
    s->lim[S7_SLIM_SOCK_BUF] = DEF_SOCK_BUF;
    s->in = malloc(RX_SCRATCH);
    s->loop = s7_loop_new(0);
    if (!s->in || !s->loop) {
        s7_server_free(s);
        return NULL;
    }
    if (s->o.hooks.on_event) /* without a hook the CPU builds no events at all */
        s7_cpu_on_event(cpu, on_cpu_event, s);
    return s;
}

static void conn_close(s7_server *s, srv_conn *c, const char *reason);

void s7_server_free(s7_server *s)
{
    if (!s)
        return;
    while (s->nconns)
        conn_close(s, s->conns[s->nconns - 1], "server shutting down");
    if (s->lfd >= 0)
        close(s->lfd);
    if (s->reserve_fd >= 0)
        close(s->reserve_fd);
    s7__sources_free(&s->sources);
    for (int i = 0; i < 2; i++)
        if (s->wake[i] >= 0)
            close(s->wake[i]);
    s7_loop_free(s->loop);
    if (s->cpu && s->o.hooks.on_event)
        s7_cpu_on_event(s->cpu, NULL, NULL);
    free(s->conns);
    free(s->allow);
    free(s->in);
    free(s->push);
    s7_buf_free(&s->out);
    free(s);
}

/* ---------------------------------------------------------------- allow-list */

int s7__allow_parse(const char *cidr, int *family, uint8_t addr[16], int *prefix)
{
    char host[80];
    if (!cidr)
        return S7_ERR_INVAL;
    const char *slash = strchr(cidr, '/');
    size_t hl = slash ? (size_t)(slash - cidr) : strlen(cidr);
    if (hl == 0 || hl >= sizeof host)
        return S7_ERR_INVAL;
    memcpy(host, cidr, hl);
    host[hl] = 0;
    memset(addr, 0, 16);
    if (inet_pton(AF_INET, host, addr) == 1) {
        *family = AF_INET;
        *prefix = 32;
    } else if (inet_pton(AF_INET6, host, addr) == 1) {
        *family = AF_INET6;
        *prefix = 128;
    } else {
        return S7_ERR_INVAL;
    }
    if (slash) {
        char *end;
        long p = strtol(slash + 1, &end, 10);
        if (*end || end == slash + 1 || p < 0 || p > *prefix)
            return S7_ERR_INVAL;
        *prefix = (int)p;
    }
    return 0;
}

int s7_server_allow(s7_server *s, const char *cidr)
{
    allow_rule r;
    memset(&r, 0, sizeof r);
    int family = 0, prefix = 0;
    if (s7__allow_parse(cidr, &family, r.addr, &prefix) < 0)
        return S7_ERR_INVAL;
    r.family = family;
    r.prefix = prefix;
    allow_rule *a = realloc(s->allow, (s->nallow + 1) * sizeof *a);
    if (!a)
        return S7_ERR_NOMEM;
    s->allow = a;
    s->allow[s->nallow++] = r;
    return 0;
}

static int prefix_match(const uint8_t *a, const uint8_t *b, int bits)
{
    int full = bits / 8, rest = bits % 8;
    if (memcmp(a, b, (size_t)full) != 0)
        return 0;
    if (!rest)
        return 1;
    uint8_t mask = (uint8_t)(0xFF << (8 - rest));
    return (a[full] & mask) == (b[full] & mask);
}

static int allowed(const s7_server *s, const struct sockaddr_storage *ss)
{
    if (!s->nallow)
        return 1;
    if (ss->ss_family != AF_INET && ss->ss_family != AF_INET6)
        return 1; /* a socketpair the application handed over: no address to check */
    uint8_t v4[4], v6[16];
    const uint8_t *a4 = NULL, *a6 = NULL;
    if (ss->ss_family == AF_INET) {
        memcpy(v4, &((const struct sockaddr_in *)ss)->sin_addr, 4);
        a4 = v4;
    } else if (ss->ss_family == AF_INET6) {
        memcpy(v6, &((const struct sockaddr_in6 *)ss)->sin6_addr, 16);
        a6 = v6;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
        if (memcmp(v6, mapped, 12) == 0) {
            memcpy(v4, v6 + 12, 4);
            a4 = v4;
        }
    }
    for (size_t i = 0; i < s->nallow; i++) {
        const allow_rule *r = &s->allow[i];
        if (r->family == AF_INET && a4 && prefix_match(a4, r->addr, r->prefix))
            return 1;
        if (r->family == AF_INET6 && a6 && prefix_match(a6, r->addr, r->prefix))
            return 1;
    }
    return 0;
}

/* ---------------------------------------------------------------- listen */

static int split_spec(const char *spec, char *host, size_t hcap, char *port, size_t pcap)
{
    const char *colon;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':')
            return S7_ERR_INVAL;
        snprintf(host, hcap, "%.*s", (int)(end - spec - 1), spec + 1);
        colon = end + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon)
            return S7_ERR_INVAL;
        snprintf(host, hcap, "%.*s", (int)(colon - spec), spec);
    }
    snprintf(port, pcap, "%s", colon + 1);
    return host[0] && port[0] ? 0 : S7_ERR_INVAL;
}

/* The wake pipe (s7_server_stop), made once. */
static int wake_init(s7_server *s)
{
    if (s->wake[0] >= 0)
        return 0;
    if (pipe(s->wake) != 0)
        return S7_ERR_IO;
    for (int i = 0; i < 2; i++) {
        fcntl(s->wake[i], F_SETFL, fcntl(s->wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(s->wake[i], F_SETFD, FD_CLOEXEC);
    }
    return s7_loop_add(s->loop, s->wake[0], S7_LOOP_IN, s->wake) < 0 ? S7_ERR_IO : 0;
}

int s7_server_start(s7_server *s)
{
    char host[80], port[16];
    if (split_spec(s->o.listen, host, sizeof host, port, sizeof port) < 0) {
        slog(s, S7_LOG_ERROR, "listen address '%s': expected ADDR:PORT, e.g. 127.0.0.1:1102",
             s->o.listen);
        return S7_ERR_INVAL;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) {
        slog(s, S7_LOG_ERROR, "listen address '%s': not a numeric address and port", s->o.listen);
        return S7_ERR_INVAL;
    }
    if (s->lfd >= 0) {
        freeaddrinfo(res);
        return 0; /* listening already */
    }
    if (s->port && strcmp(port, "0") == 0) {
        /* listening again after s7_server_unlisten: on the port it had */
        if (res->ai_family == AF_INET6)
            ((struct sockaddr_in6 *)res->ai_addr)->sin6_port = htons(s->port);
        else
            ((struct sockaddr_in *)res->ai_addr)->sin_port = htons(s->port);
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, s->o.backlog) != 0) {
        int e = errno;
        slog(s, S7_LOG_ERROR, "cannot listen on %s: %s%s", s->o.listen, strerror(e),
             e == EACCES       ? " (ports below 1024 need root)"
             : e == EADDRINUSE ? " (another server holds it)"
                               : "");
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return S7_ERR_IO;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    s->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    s->lfd = fd;
    if (s->reserve_fd < 0)
        s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (wake_init(s) < 0 || s7_loop_add(s->loop, fd, S7_LOOP_IN, s) < 0)
        return S7_ERR_IO;
    slog(s, S7_LOG_INFO, "listening on %s (%s)", s->o.listen,
         s7_loop_fd(s->loop) >= 0 ? "epoll" : "poll");
    return 0;
}

void s7_server_unlisten(s7_server *s)
{
    if (!s || s->lfd < 0)
        return;
    s7_loop_del(s->loop, s->lfd);
    close(s->lfd);
    s->lfd = -1;
    s->accept_paused = 0;
    while (s->nconns)
        conn_close(s, s->conns[s->nconns - 1], "the server stopped listening");
    slog(s, S7_LOG_INFO, "no longer listening on %s", s->o.listen);
}

uint16_t s7_server_port(const s7_server *s) { return s->port; }
S7_HOT int s7_server_fd(const s7_server *s)
{
    return s7_loop_fd(s->loop) >= 0 ? s7_loop_fd(s->loop) : s->wake[0];
}

size_t s7_server_connections(const s7_server *s, uint16_t per_type[4])
{
    if (per_type) {
        memcpy(per_type, s->in_use, sizeof s->in_use);
        size_t counted = (size_t)s->in_use[0] - s->own; /* accepted sockets past their CR */
        per_type[0] =
            (uint16_t)(s->nconns >= counted && s->nconns - counted < 0xFFFF ? s->nconns - counted
                                                                            : 0xFFFF);
    }
    return s->nconns;
}

int s7_server_conn_acquire(s7_server *s, int type)
{
    if (!s || type < 1 || type > 3)
        return S7_ERR_INVAL;
    const s7_profile *p = s7_cpu_profile(s->cpu);
    if (s->in_use[type] >= p->max_conn[type] || s->in_use[0] >= p->max_conn[0])
        return S7_ERR_BUSY;
    s->in_use[0]++;
    s->in_use[type]++;
    s->own++;
    s7_cpu_set_conn_use(s->cpu, s->in_use);
    return 0;
}

void s7_server_conn_release(s7_server *s, int type)
{
    if (!s || type < 1 || type > 3 || !s->in_use[type] || !s->in_use[0] || !s->own)
        return;
    s->own--;
    s->in_use[0]--;
    s->in_use[type]--;
    s7_cpu_set_conn_use(s->cpu, s->in_use);
}

void s7_server_stop(s7_server *s)
{
    s->stopping = 1;
    if (s->wake[1] >= 0) {
        ssize_t w = write(s->wake[1], "x", 1);
        (void)w;
    }
}

/* ---------------------------------------------------------------- limits and accounting */

int s7_server_set_limit(s7_server *s, int which, int64_t value)
{
    if (which < S7_SLIM_CR_TIMEOUT_MS || which > S7_SLIM_SOCK_BUF || value < 0 ||
        (which == S7_SLIM_SOCK_BUF && value > (1 << 30)))
        return S7_ERR_INVAL;
    if (which == S7_SLIM_IDLE_TIMEOUT_MS) {
        if (value > 0x7FFFFFFF)
            return S7_ERR_INVAL;
        s->o.idle_timeout_ms = (int)value;
    }
    s->lim[which] = value;
    return 0;
}

int64_t s7_server_limit(const s7_server *s, int which)
{
    if (which < S7_SLIM_CR_TIMEOUT_MS || which > S7_SLIM_SOCK_BUF)
        return -1;
    return s->lim[which];
}

void s7_server_on_refuse(s7_server *s, s7_server_refuse_fn fn, void *ctx)
{
    s->on_refuse = fn;
    s->refuse_ctx = ctx;
}

void s7_server_on_cr(s7_server *s, s7_server_cr_fn fn, void *ctx)
{
    s->on_cr = fn;
    s->cr_ctx = ctx;
}

void s7_server_on_commit(s7_server *s, s7_server_commit_fn fn, void *ctx)
{
    s->on_commit = fn;
    s->commit_ctx = ctx;
}

int s7_server_hold_replies(s7_server *s)
{
    if (!s || !s->serving || !s->on_commit)
        return S7_ERR_INVAL; /* nothing to hold, or nobody to commit: the caller syncs */
    s->hold_req = 1;
    return 0;
}

void s7_server_stats_get(const s7_server *s, s7_server_stats *st, size_t size)
{
    s7_server_stats now = s->st;
    now.connections = s->nconns;
    now.held_conn_max = 0;
    for (size_t i = 0; i < s->nconns; i++)
        if (s->conns[i]->held > now.held_conn_max)
            now.held_conn_max = s->conns[i]->held;
    memcpy(st, &now, size < sizeof now ? size : sizeof now);
}

/* The time of this turn of s7_server_run_once, read from the clock at its first use. */
static int64_t srv_now(s7_server *s)
{
    if (s->turn_now < 0)
        s->turn_now = s7_now_ms();
    return s->turn_now;
}

/* Ends the refusal log's window once its second is over: the count of the refusals it
 * left out, with the span they fell in.  Called by the next refusal and at the end of
 * every turn of the loop (which wakes up for it), so the count comes when the second
 * ends, also when no refusal follows. */
static void refuse_flush(s7_server *s, int64_t now)
{
    if (s->refuse_win < 0 || now - s->refuse_win < 1000)
        return;
    if (s->refuse_suppressed)
        slog(s, S7_LOG_WARN,
             "%u more refusals not logged in the %.1f s before this line (at most %d lines a "
             "second)",
             s->refuse_suppressed, (double)(now - s->refuse_hidden_from) / 1000.0,
             REFUSE_LOG_PER_SEC);
    s->refuse_win = -1;
    s->refuse_logged = s->refuse_suppressed = 0;
}

/* A refusal: the hook sees every one; the log at most REFUSE_LOG_PER_SEC in a second
 * from the first (a flood of refused sockets must not become a flood of log lines), then
 * one line with the count of those left out. */
static void refused(s7_server *s, const char *peer, const char *why, int64_t now)
{
    if (s->on_refuse)
        s->on_refuse(s->refuse_ctx, peer, why);
    refuse_flush(s, now);
    if (s->refuse_win < 0)
        s->refuse_win = now;
    if (s->refuse_logged < REFUSE_LOG_PER_SEC) {
        s->refuse_logged++;
        slog(s, S7_LOG_WARN, "refused %s: %s", peer, why);
    } else {
        if (!s->refuse_suppressed)
            s->refuse_hidden_from = now;
        s->refuse_suppressed++;
    }
}

static size_t tx_pending(const srv_conn *c) { return c->tx_len - c->tx_off; }

/* Bring c's share of st.held up to date. */
S7_HOT static void account(s7_server *s, srv_conn *c)
{
    size_t h = tx_pending(c) + c->rx_len + s7_sconn_buffered(c->sc);
    s->st.held = s->st.held - c->held + h;
    c->held = h;
    if (h > s->st.held_conn_peak)
        s->st.held_conn_peak = h;
    if (s->st.held > s->st.held_peak)
        s->st.held_peak = s->st.held;
}

/* ---------------------------------------------------------------- connections */

/* The connection type counted for c (1 PG, 2 OP, 3 basic). */
static int conn_type(const srv_conn *c)
{
    int t = s7_cpu_session_conn_type(c->sess);
    return t < 4 ? t : 3;
}

S7_COLD static void conn_close(s7_server *s, srv_conn *c, const char *reason)
{
    s7_loop_del(s->loop, c->fd);
    if (!c->handed)
        close(c->fd);
    if (c->counted) {
        s->in_use[0]--;
        s->in_use[conn_type(c)]--;
        s7_cpu_set_conn_use(s->cpu, s->in_use);
    }
    s7__sources_remove(&s->sources, c->src);
    s->st.held -= c->held;
    if (c->paused)
        s->st.paused--;
    if (c->holding) /* its held replies go with it: they were never acknowledged */
        s->nholding--;
    if (c->handed)
        slog(s, S7_LOG_INFO, "handed %s over: %s", s7_cpu_session_peer(c->sess), reason);
    else if (!c->cut) /* a cut has its rate-limited line already (refused) */
        slog(s, S7_LOG_INFO, "closed %s: %s", s7_cpu_session_peer(c->sess), reason);
    if (s->o.hooks.on_disconnect && !c->handed)
        s->o.hooks.on_disconnect(s->o.hooks.ctx, s7_cpu_session_peer(c->sess), reason);
    s->conns[c->slot] = s->conns[--s->nconns];
    s->conns[c->slot]->slot = c->slot;
    s7_sconn_free(c->sc);
    s7_cpu_session_free(c->sess);
    free(c->rx);
    free(c->tx);
    free(c);
    if (s->accept_paused && s->lfd >= 0) {
        s->accept_paused = 0;
        s7_loop_mod(s->loop, s->lfd, S7_LOOP_IN, s);
    }
}

/* A refused CR or a cut (a deadline, a malformed frame, the memory bound): reported like
 * a refusal at accept (the hook, which audits it; the rate-limited log), then closed
 * without a second, unlimited log line: a flood of such peers costs at most
 * REFUSE_LOG_PER_SEC lines a second. */
S7_COLD static void conn_cut(s7_server *s, srv_conn *c, const char *why, int64_t now)
{
    refused(s, s7_cpu_session_peer(c->sess), why, now);
    c->cut = 1;
    conn_close(s, c, why);
}

/* Bytes still missing from the frame at the start of c's carry (0: it is whole). */
static size_t frame_need(const srv_conn *c)
{
    if (c->rx_len < S7_TPKT_LEN)
        return S7_TPKT_LEN - c->rx_len;
    size_t tl = (size_t)c->rx[2] << 8 | c->rx[3];
    return tl > c->rx_len ? tl - c->rx_len : 0;
}

/* Whether c may be read now: it is not squeezed by the memory bound, and it holds less
 * than its limit, or it has no unsent replies and only part of a frame (which it must be
 * able to complete). */
S7_HOT static int may_read(const s7_server *s, const srv_conn *c)
{
    size_t cap = (size_t)s->lim[S7_SLIM_CONN_HELD];
    if (c->squeezed)
        return 0;
    return !cap || c->held < cap || (tx_pending(c) == 0 && frame_need(c) > 0);
}

/* How much to read for c: what its limit leaves, but at least what completes the frame
 * it has begun; so a connection holds at most its limit, one frame being received and one
 * PDU being reassembled. */
static size_t read_budget(const s7_server *s, const srv_conn *c)
{
    size_t room = RX_SCRATCH - c->rx_len, cap = (size_t)s->lim[S7_SLIM_CONN_HELD];
    if (!cap)
        return room;
    size_t want = cap > c->held ? cap - c->held : 0, need = frame_need(c);
    if (want < need)
        want = need;
    return want < room ? want : room;
}

S7_HOT static void set_events(s7_server *s, srv_conn *c)
{
    uint8_t reading = (uint8_t)may_read(s, c);
    uint8_t writing = tx_pending(c) > 0 && !c->holding;
    if (reading != c->reading || writing != c->writing) {
        c->reading = reading;
        c->writing = writing;
        s7_loop_mod(s->loop, c->fd, (reading ? S7_LOOP_IN : 0u) | (writing ? S7_LOOP_OUT : 0u), c);
    }
    if ((uint8_t)!reading != c->paused) {
        c->paused = !reading;
        if (c->paused) {
            s->st.paused++;
            s->st.read_pauses++;
        } else {
            s->st.paused--;
        }
    }
}

/* Send out (or queue behind what is pending, or while c holds its output for the commit).
 * Returns 0 or an error to close. */
S7_HOT static int conn_send(s7_server *s, srv_conn *c, const uint8_t *p, size_t n)
{
    if (c->tx_len == c->tx_off && n && !c->holding) {
        ssize_t w = send(c->fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return S7_ERR_IO;
        if (w > 0) {
            p += w;
            n -= (size_t)w;
        }
    }
    if (n) {
        if (c->tx_off) {
            memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
            c->tx_len -= c->tx_off;
            c->tx_off = 0;
        }
        uint8_t *t = realloc(c->tx, c->tx_len + n);
        if (!t)
            return S7_ERR_NOMEM;
        memcpy(t + c->tx_len, p, n);
        c->tx = t;
        c->tx_len += (uint32_t)n;
    }
    return 0;
}

/* The CR of c: the CPU's TSAP rules and budgets.  Returns 0 (CC queued, the connection
 * counted) or a negative error (the connection must close). */
S7_COLD S7_NOINLINE static int on_connect(s7_server *s, srv_conn *c, const s7_sconn_event *ev,
                                          int64_t now)
{
    const char *why = NULL;
    if (s7_cpu_accept(s->cpu, c->sess, &ev->cr, s->in_use, &why) < 0) {
        char msg[200];
        snprintf(msg, sizeof msg, "connection request refused: %s", why ? why : "no reason given");
        return s7_sconn_refuse(c->sc, msg);
    }
    int rc = s7_sconn_accept(c->sc, &s->out);
    if (rc < 0)
        return rc;
    c->counted = 1;
    c->cc_at = now;
    s->in_use[0]++;
    s->in_use[conn_type(c)]++;
    s7_cpu_set_conn_use(s->cpu, s->in_use);
    static const char *const names[4] = {"?", "PG", "OP", "S7 basic"};
    slog(s, S7_LOG_INFO, "connected %s (%s connection)", s7_cpu_session_peer(c->sess),
         names[conn_type(c)]);
    if (s->o.hooks.on_connect)
        s->o.hooks.on_connect(s->o.hooks.ctx, s7_cpu_session_peer(c->sess),
                              s7_cpu_session_conn_type(c->sess));
    return 0;
}

/* The numeric address of c's peer ("" for a socketpair). */
static void peer_addr(const srv_conn *c, char *out, size_t cap)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    static const uint8_t none[16] = {0};
    out[0] = 0;
    if (memcmp(c->src, none, 16) == 0)
        return;
    if (memcmp(c->src, mapped, 12) == 0)
        inet_ntop(AF_INET, c->src + 12, out, (socklen_t)cap);
    else
        inet_ntop(AF_INET6, c->src, out, (socklen_t)cap);
}

/* The CR of c offered to the on_cr hook.  0: not claimed; S7_ERR_CLOSED: claimed (c->handed
 * set: the caller forgets c without closing its socket); S7_ERR_CR_REJECTED: refused. */
S7_COLD S7_NOINLINE static int offer_cr(s7_server *s, srv_conn *c, const s7_sconn_event *ev,
                                        const uint8_t *bytes, size_t len)
{
    char addr[64];
    peer_addr(c, addr, sizeof addr);
    s7_server_cr info = {.cr = &ev->cr,
                         .peer = s7_cpu_session_peer(c->sess),
                         .peer_addr = addr,
                         .fd = c->fd,
                         .bytes = bytes,
                         .len = len};
    const char *why = NULL;
    int r = s->on_cr(s->cr_ctx, &info, &why);
    if (r == 0)
        return 0;
    if (r > 0) {
        c->handed = 1;
        return s7_sconn_fail(c->sc, S7_ERR_CLOSED, why ? why : "claimed by another engine");
    }
    char msg[200];
    snprintf(msg, sizeof msg, "connection request refused: %s", why ? why : "no reason given");
    return s7_sconn_refuse(c->sc, msg);
}

/* A request of len bytes the CPU model could not parse: c is closed with the reason. */
S7_COLD S7_NOINLINE static int malformed(srv_conn *c, int n, size_t len)
{
    char msg[160];
    if (len == 0) /* a DT of no bytes with the end mark, no fragment before it */
        snprintf(msg, sizeof msg,
                 "malformed request: an empty data TPDU with the end mark: no S7 PDU in it");
    else
        snprintf(msg, sizeof msg, "malformed request: %s", s7_strerror(n));
    return s7_sconn_fail(c->sc, n, msg);
}

/* A whole request PDU of c: the CPU model writes the answer straight into the output.  A
 * reply the on_event hook held (s7_server_hold_replies) makes c hold its output from there
 * on until the turn's commit. */
S7_HOT static int on_pdu(s7_server *s, srv_conn *c, const s7_sconn_event *ev)
{
    c->last_pdu = s->turn_now; /* -1 before the turn's first clock reading: process() stamps it */
    size_t cap, before = s->out.len;
    uint8_t *reply = s7_sconn_reply_begin(c->sc, &s->out, &cap);
    if (!reply)
        return S7_ERR_NOMEM;
    s->serving = c;
    s->hold_req = 0;
    int n = s7_cpu_handle(s->cpu, c->sess, ev->pdu, ev->len, reply, cap);
    s->serving = NULL;
    if (s->hold_req) {
        s->hold_req = 0;
        if (!c->holding) {
            c->holding = 1;
            s->nholding++;
            s->hold_split = before; /* the replies before this one may go now */
        }
    }
    if (n < 0)
        return malformed(c, n, ev->len);
    int r = s7_sconn_reply_end(c->sc, &s->out, (size_t)n);
    if (r < 0)
        return r;
    /* a Job the CPU sends on its own (the next step of a download) */
    uint8_t job[64];
    int k = s7_cpu_next_job(s->cpu, c->sess, job, sizeof job);
    return k > 0 ? s7_sconn_send(c->sc, &s->out, job, (size_t)k) : 0;
}

/* Every whole frame in in[0..len), while c's unsent replies stay under its limit: pull
 * the connection's events and answer them into s->out.  Returns the bytes consumed (the
 * rest waits) or a negative error after which c must close. */
S7_HOT static int serve(s7_server *s, srv_conn *c, const uint8_t *in, size_t len)
{
    size_t off = 0;
    size_t cap = (size_t)s->lim[S7_SLIM_CONN_HELD];
    for (;;) {
        if (off == len || (cap && tx_pending(c) + s->out.len >= cap))
            return (int)off; /* all taken (the reply already freed what a PDU held) */
        s7_sconn_event ev;
        size_t start = off;
        int n = s7_sconn_recv(c->sc, in + off, len - off, &s->out, &ev);
        if (n < 0)
            return n;
        off += (size_t)n;
        int rc = 0;
        if (ev.kind == S7_SEV_CONNECT && s->on_cr &&
            (rc = offer_cr(s, c, &ev, in + start, len - start)) != 0)
            return rc; /* claimed (S7_ERR_CLOSED with c->handed) or refused */
        if (ev.kind == S7_SEV_CONNECT)
            rc = on_connect(s, c, &ev, srv_now(s));
        else if (ev.kind == S7_SEV_PDU)
            rc = on_pdu(s, c, &ev);
        else
            return (int)off;
        if (rc < 0)
            return rc;
    }
}

/* Serve what s->in[0..total) holds for c, send the answers, keep the rest as c's carry.
 * Returns 0, or -1 when c was closed. */
S7_HOT static int process(s7_server *s, srv_conn *c, size_t total)
{
again:
    s->out.len = 0;
    s->hold_split = SIZE_MAX;
    int used = serve(s, c, s->in, total);
    if (s->out.len) {
        int rc;
        size_t split = s->hold_split;
        if (split != SIZE_MAX && split) {
            /* c began to hold in this serve: what came before the held reply goes now */
            c->holding = 0;
            rc = conn_send(s, c, s->out.p, split);
            c->holding = 1;
            if (rc == 0)
                rc = conn_send(s, c, s->out.p + split, s->out.len - split);
        } else {
            rc = conn_send(s, c, s->out.p, s->out.len);
        }
        if (rc < 0) {
            conn_close(s, c, "send failed");
            return -1;
        }
    }
    if (c->last_pdu < 0) /* served before the turn read the clock: read it now, replies sent */
        c->last_pdu = srv_now(s);
    if (used < 0) {
        const char *why = s7_sconn_reason(c->sc);
        if (!why[0])
            why = s7_strerror(used);
        if (used == S7_ERR_CR_REJECTED) {
            s->st.refused_cr++;
            conn_cut(s, c, why, srv_now(s));
        } else if (used == S7_ERR_CLOSED || used == S7_ERR_NOMEM) {
            conn_close(s, c, why); /* the client's DR, a hand-over, or the server's memory */
        } else {
            /* a frame the peer should not have sent: an oversized frame before the CR, a
             * bad TPKT or COTP, a malformed request; a cut like the others */
            s->st.closed_protocol++;
            conn_cut(s, c, why, srv_now(s));
        }
        return -1;
    }
    size_t left = total - (size_t)used;
    if (left) {
        uint8_t *k = left == c->rx_len ? c->rx : realloc(c->rx, left);
        if (!k) {
            conn_close(s, c, "out of memory");
            return -1;
        }
        memmove(k, s->in + used, left);
        c->rx = k;
    } else if (c->rx) {
        free(c->rx);
        c->rx = NULL;
    }
    c->rx_len = (uint32_t)left;
    account(s, c);
    /* serve() stopped at the connection's limit and the socket took the replies at once:
     * the whole frames still waiting are served now, as no read event may come for them
     * (the client may have sent everything and be waiting for the answers) */
    if (left && frame_need(c) == 0 && may_read(s, c)) {
        memcpy(s->in, c->rx, left);
        total = left;
        goto again;
    }
    set_events(s, c);
    return 0;
}

S7_HOT static void conn_read(s7_server *s, srv_conn *c)
{
    uint32_t carry = c->rx_len;
    size_t want = read_budget(s, c);
    if (!want)
        return; /* not read now: set_events disarms it */
    if (s->lim[S7_SLIM_HELD] && s->st.held > (uint64_t)s->lim[S7_SLIM_HELD])
        return; /* over the memory bound: memory_check makes room at the end of this turn */
    if (carry)
        memcpy(s->in, c->rx, carry);
    ssize_t r = recv(c->fd, s->in + carry, want, 0);
    if (r == 0) {
        conn_close(s, c,
                   s7_sconn_state(c->sc) == S7_SS_WAIT_CR
                       ? "closed by the client before a connection request"
                       : "closed by the client");
        return;
    }
    if (r < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            return;
        conn_close(s, c, errno == ECONNRESET ? "reset by the client" : "receive failed");
        return;
    }
    process(s, c, carry + (size_t)r);
}

S7_NOINLINE static void conn_flush(s7_server *s, srv_conn *c, int64_t now)
{
    if (c->holding) { /* nothing of it leaves before the commit */
        set_events(s, c);
        return;
    }
    while (c->tx_off < c->tx_len) {
        ssize_t w = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                break;
            if (errno == EINTR)
                continue;
            conn_close(s, c, "send failed");
            return;
        }
        c->tx_off += (uint32_t)w;
    }
    if (c->tx_off == c->tx_len) {
        free(c->tx);
        c->tx = NULL;
        c->tx_len = c->tx_off = 0;
        c->last_pdu = now; /* the last reply went out whole */
    }
    account(s, c);
    /* Frames that waited while the replies were over the limit: serve them now (their
     * socket may have nothing new to read, so no read event would bring them back). */
    if (c->rx_len && may_read(s, c)) {
        memcpy(s->in, c->rx, c->rx_len);
        process(s, c, c->rx_len);
        return;
    }
    set_events(s, c);
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t cap, uint32_t *ip4,
                      uint8_t key[16])
{
    char host[64] = "?";
    unsigned port = 0;
    *ip4 = 0;
    memset(key, 0, 16);
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        *ip4 = ntohl(a->sin_addr.s_addr);
        key[10] = key[11] = 0xFF;
        memcpy(key + 12, &a->sin_addr, 4);
        snprintf(out, cap, "%s:%u", host, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        memcpy(key, &a->sin6_addr, 16);
        snprintf(out, cap, "[%s]:%u", host, port);
    } else if (ss->ss_family == AF_UNIX) {
        snprintf(out, cap, "local");
    } else {
        snprintf(out, cap, "unknown");
    }
}

/* Serve a connected socket: the allow-list, max_clients and the per-source limit first (a
 * refused peer is closed at once and never holds a slot).  Returns 0, S7_ERR_CR_REJECTED
 * (refused, closed) or another error (closed). */
static int take(s7_server *s, int fd, const struct sockaddr_storage *ss, int64_t now)
{
    char peer[64];
    uint32_t ip4;
    uint8_t key[16];
    peer_name(ss, peer, sizeof peer, &ip4, key);
    s->st.accepted++;
    const char *why = NULL;
    char msg[160];
    if (!allowed(s, ss)) {
        s->st.refused_allow++;
        why = "not in the allow-list (closed at accept)";
    } else if (s->nconns >= s->o.max_clients) {
        s->st.refused_clients++;
        snprintf(msg, sizeof msg, "%zu connections open, the server's limit (max_clients)",
                 s->nconns);
        why = msg;
    } else if (s->lim[S7_SLIM_MAX_PER_SOURCE] &&
               (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) &&
               s7__sources_count(&s->sources, key) >= (uint64_t)s->lim[S7_SLIM_MAX_PER_SOURCE]) {
        s->st.refused_source++;
        snprintf(msg, sizeof msg,
                 "%lld connections open from this address, the per-source limit "
                 "(--max-per-source)",
                 (long long)s->lim[S7_SLIM_MAX_PER_SOURCE]);
        why = msg;
    }
    if (why) {
        close(fd);
        refused(s, peer, why, now);
        return S7_ERR_CR_REJECTED;
    }
    if (s->nconns == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        srv_conn **n = realloc(s->conns, cap * sizeof *n);
        if (!n) {
            close(fd);
            return S7_ERR_NOMEM;
        }
        s->conns = n;
        s->cap = cap;
    }
    srv_conn *c = calloc(1, sizeof *c);
    if (!c) {
        close(fd);
        return S7_ERR_NOMEM;
    }
    if (ss->ss_family == AF_INET || ss->ss_family == AF_INET6) {
        int one = 1, idle = 30, intvl = 10, cnt = 3; /* a dead peer is noticed within ~60 s */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        if (s->lim[S7_SLIM_SOCK_BUF]) {
            /* a fixed send buffer: without it Linux grows a socket's buffer to 4 MiB for a
             * client that does not read, memory outside the engine's own bounds */
            int sb = (int)s->lim[S7_SLIM_SOCK_BUF];
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof sb);
        }
#ifdef TCP_KEEPIDLE
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
#else
        (void)idle, (void)intvl, (void)cnt;
#endif
    }
    c->fd = fd;
    c->opened = c->last_pdu = now;
    memcpy(c->src, key, 16);
    c->sc = s7_sconn_new();
    c->sess = s7_cpu_session_new();
    if (!c->sc || !c->sess || !s7__sources_add(&s->sources, key)) {
        s7_sconn_free(c->sc);
        s7_cpu_session_free(c->sess);
        close(fd);
        free(c);
        return S7_ERR_NOMEM;
    }
    s7_cpu_session_set_peer(c->sess, peer, ip4);
    c->reading = 1;
    if (s7_loop_add(s->loop, fd, S7_LOOP_IN, c) < 0) {
        s7__sources_remove(&s->sources, key);
        close(fd);
        s7_sconn_free(c->sc);
        s7_cpu_session_free(c->sess);
        free(c);
        return S7_ERR_IO;
    }
    c->slot = (uint32_t)s->nconns;
    s->conns[s->nconns++] = c;
    if (s->nconns > s->st.connections_peak)
        s->st.connections_peak = s->nconns;
    return 0;
}

int s7_server_adopt(s7_server *s, int fd)
{
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    memset(&ss, 0, sizeof ss);
    if (fd < 0)
        return S7_ERR_INVAL;
    if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0) {
        close(fd);
        return S7_ERR_INVAL;
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0 || wake_init(s) < 0) {
        close(fd);
        return S7_ERR_IO;
    }
    return take(s, fd, &ss, s7_now_ms());
}

/* Out of descriptors: give up the reserve, accept the first waiting peer on it, close it
 * with a log line, take the reserve back.  Returns 0 (one was refused: try the next), 1
 * (nobody is waiting; Linux reports EMFILE before it looks at the queue) or -1 (no
 * reserve: the listener pauses until a connection closes). */
static int accept_on_reserve(s7_server *s, int64_t now)
{
    if (s->reserve_fd < 0)
        return -1;
    close(s->reserve_fd);
    s->reserve_fd = -1;
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_CLOEXEC);
    if (fd >= 0) {
        char peer[64], msg[160];
        uint32_t ip4;
        uint8_t key[16];
        peer_name(&ss, peer, sizeof peer, &ip4, key);
        close(fd);
        s->st.accepted++; /* accepted too, as the other refusals at accept are */
        s->st.refused_fd++;
        snprintf(msg, sizeof msg,
                 "out of file descriptors at %zu connections (raise ulimit -n, or lower "
                 "--max-clients)",
                 s->nconns);
        refused(s, peer, msg, now);
    }
    int e = errno;
    s->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (s->reserve_fd < 0)
        return -1;
    if (fd < 0)
        return e == EAGAIN || e == EWOULDBLOCK || e == EINTR || e == ECONNABORTED ? 1 : -1;
    return 0;
}

S7_NOINLINE static void do_accept(s7_server *s, int64_t now)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                int r = accept_on_reserve(s, now);
                if (r == 0)
                    continue;
                if (r == 1)
                    return;
                slog(s, S7_LOG_ERROR,
                     "out of file descriptors at %zu connections: not accepting until one closes "
                     "(raise ulimit -n)",
                     s->nconns);
                s->accept_paused = 1;
                s7_loop_mod(s->loop, s->lfd, 0, s);
            }
            return;
        }
        take(s, fd, &ss, now);
    }
}

/* Deadlines: the CR after accept, Setup Communication after the CC, the idle timeout. */
S7_NOINLINE static void timer_run(s7_server *s, int64_t now)
{
    s->next_timer_check = now + 200;
    int64_t cr = s->lim[S7_SLIM_CR_TIMEOUT_MS], setup = s->lim[S7_SLIM_SETUP_TIMEOUT_MS];
    int64_t idle = s->o.idle_timeout_ms > 0 ? s->o.idle_timeout_ms : 0;
    char msg[160];
    for (size_t i = s->nconns; i-- > 0;) {
        srv_conn *c = s->conns[i];
        int st = s7_sconn_state(c->sc);
        if (st == S7_SS_WAIT_CR && cr && now - c->opened >= cr) {
            s->st.closed_cr_timeout++;
            snprintf(msg, sizeof msg, "no connection request within %lld ms of connecting",
                     (long long)cr);
            conn_cut(s, c, msg, now);
        } else if (st == S7_SS_WAIT_SETUP && setup && now - c->cc_at >= setup) {
            s->st.closed_setup_timeout++;
            snprintf(msg, sizeof msg,
                     "no Setup Communication within %lld ms of the connection "
                     "confirm",
                     (long long)setup);
            conn_cut(s, c, msg, now);
        } else if (st == S7_SS_READY && idle && now - c->last_pdu >= idle &&
                   !s7_cpu_session_subscribed(c->sess)) {
            /* a client with a cyclic-data job or an alarm registration waits for pushes
             * that come only when a value or an alarm changes: its silence is the
             * subscription working, and closing it would end the subscription */
            s->st.closed_idle++;
            conn_close(s, c, "idle timeout");
        }
    }
}

/* timer_run every 200 ms at most: the test stays in the turn, the look at the connections not. */
static void timer_check(s7_server *s, int64_t now)
{
    if (now >= s->next_timer_check)
        timer_run(s, now);
}

/* The memory bound.  Over half of it, connections holding more than the average are not
 * read (the greediest first stop growing); under three eighths they are read again; over
 * it, the connection holding most is closed until the total is under it again. */
S7_NOINLINE static void memory_run(s7_server *s, int64_t now)
{
    uint64_t bound = (uint64_t)s->lim[S7_SLIM_HELD];
    while (s->st.held > bound && s->nconns) {
        srv_conn *worst = s->conns[0];
        for (size_t i = 1; i < s->nconns; i++)
            if (s->conns[i]->held > worst->held)
                worst = s->conns[i];
        char msg[200];
        snprintf(msg, sizeof msg,
                 "holds %zu bytes of unsent replies and partial frames, the most of all, "
                 "with the server over its memory bound (%llu bytes, --max-held)",
                 worst->held, (unsigned long long)bound);
        s->st.closed_memory++;
        /* a reset, not a FIN behind what the kernel still buffers for it: its socket
         * buffers are freed at once too */
        struct linger lg = {1, 0};
        setsockopt(worst->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        conn_cut(s, worst, msg, now);
    }
    int was = s->pressure;
    if (!was && s->st.held > bound / 2)
        s->pressure = 1;
    else if (was && s->st.held < bound / 8 * 3)
        s->pressure = 0;
    if (!s->pressure && !was)
        return;
    uint64_t avg = s->nconns ? s->st.held / s->nconns : 0;
    for (size_t i = 0; i < s->nconns; i++) {
        srv_conn *c = s->conns[i];
        uint8_t sq = (uint8_t)(s->pressure && c->held > avg && tx_pending(c) > 0);
        if (sq != c->squeezed) {
            c->squeezed = sq;
            if (!sq && c->rx_len && may_read(s, c)) {
                memcpy(s->in, c->rx, c->rx_len);
                if (process(s, c, c->rx_len) < 0) {
                    i--; /* the last connection moved into slot i */
                    continue;
                }
            }
            set_events(s, c);
        }
    }
}

/* memory_run when there is something to do: over half the bound, or under pressure. */
static void memory_check(s7_server *s, int64_t now)
{
    uint64_t bound = (uint64_t)s->lim[S7_SLIM_HELD];
    if (bound && (s->pressure || s->st.held > bound / 2))
        memory_run(s, now);
}

/* Cyclic-data pushes (s7_cpu_session_push) due at now, sent to the connections whose
 * subscriptions they are; a connection that has not taken its earlier output yet gets
 * its pushes later.  Sets s->next_push. */
S7_HOT static void push_check(s7_server *s, int64_t now)
{
    int64_t next = -1;
    for (size_t i = s->nconns; i-- > 0;) {
        srv_conn *c = s->conns[i];
        int64_t d = s7_cpu_session_next_push(c->sess);
        if (d < 0)
            continue;
        if (d <= now && tx_pending(c) == 0 && !c->holding) {
            if (!s->push && !(s->push = malloc(S7_PUSH_CAP)))
                return;
            s->out.len = 0;
            for (int k = 0; k < 256; k++) {
                int n = s7_cpu_session_push(s->cpu, c->sess, now, s->push, S7_PUSH_CAP);
                if (n <= 0 || s7_sconn_send(c->sc, &s->out, s->push, (size_t)n) < 0)
                    break;
                s->st.pushes++;
            }
            if (s->out.len) {
                c->last_pdu = now;
                if (conn_send(s, c, s->out.p, s->out.len) < 0) {
                    conn_close(s, c, "send failed");
                    continue;
                }
                account(s, c);
                set_events(s, c);
            }
            d = s7_cpu_session_next_push(c->sess);
        }
        if (d >= 0 && d <= now)
            d = now + 20; /* output still pending: look again soon */
        if (d >= 0 && (next < 0 || d < next))
            next = d;
    }
    s->next_push = next;
}

/* The group commit at the end of a turn (s7_server_on_commit): one call makes what the held
 * requests did durable, then their connections send their output (and serve the frames
 * that waited behind it; one that holds again waits for the next turn, which does not
 * sleep).  A failed commit closes every holding connection without sending anything.
 * Returns 0 or the commit's error. */
S7_NOINLINE static int commit_run(s7_server *s, int64_t now)
{
    int rc = s->on_commit ? s->on_commit(s->commit_ctx) : S7_ERR_INVAL;
    if (rc > 0)
        rc = 0;
    for (size_t i = s->nconns; i-- > 0;) {
        if (i >= s->nconns) /* a flush below closed connections */
            continue;
        srv_conn *c = s->conns[i];
        if (!c->holding)
            continue;
        if (rc < 0) {
            /* the writes are not durable: their acknowledgements must never leave */
            conn_close(s, c, "the server could not make its writes durable (replies not sent)");
            continue;
        }
        c->holding = 0;
        s->nholding--;
        conn_flush(s, c, now); /* may close c (moving the last one, already seen, here) */
    }
    if (rc < 0) {
        slog(s, S7_LOG_ERROR, "the commit of held replies failed (%s): stopping", s7_strerror(rc));
        s->stopping = 1;
    }
    return rc;
}

/* Events taken per turn: the rest waits for the next turn (level-triggered); the array is
 * on the stack above every frame of a request's path, so it is kept small (1 KiB). */
#define TURN_EVENTS 64

S7_HOT int s7_server_run_once(s7_server *s, int timeout_ms)
{
    s7_loop_event ev[TURN_EVENTS];
    if (timeout_ms < 0 || timeout_ms > 200)
        timeout_ms = s->nconns ? 200 : (timeout_ms < 0 || timeout_ms > 1000 ? 1000 : timeout_ms);
    if (s->next_push >= 0) {
        int64_t wait = s->next_push - s7_now_ms();
        if (wait < timeout_ms)
            timeout_ms = wait < 0 ? 0 : (int)wait;
    }
    if (s->nholding) /* replies held by the last commit's flush: serve and commit at once */
        timeout_ms = 0;
    if (s->refuse_suppressed) { /* the count of refusals left out is due when the second ends */
        int64_t wait = s->refuse_win + 1000 - s7_now_ms();
        if (wait < timeout_ms)
            timeout_ms = wait < 0 ? 0 : (int)wait;
    }
    int n = s7_loop_wait(s->loop, ev, TURN_EVENTS, timeout_ms);
    if (n < 0)
        return n;
    /* The clock is read when something needs it (srv_now; turn_now is -1 outside a turn):
     * a request served after the process slept is answered first, as the first reading of
     * the clock after a sleep costs more than a microsecond on some machines (a VM's clock
     * page). */
    for (int i = 0; i < n; i++) {
        if (ev[i].ptr == s) {
            do_accept(s, srv_now(s));
        } else if (ev[i].ptr == (void *)s->wake) {
            char buf[64];
            while (read(s->wake[0], buf, sizeof buf) > 0) {
            }
        } else {
            srv_conn *c = ev[i].ptr;
            if (ev[i].events & S7_LOOP_OUT) /* reading waits for the next turn (level-triggered) */
                conn_flush(s, c, srv_now(s));
            else if ((ev[i].events & S7_LOOP_ERR) && !may_read(s, c))
                conn_close(s, c, "connection lost with replies unsent"); /* HUP while paused */
            else if (ev[i].events & (S7_LOOP_IN | S7_LOOP_ERR))
                conn_read(s, c);
        }
    }
    int64_t now = srv_now(s);
    memory_check(s, now);
    if (s->nholding) {
        int rc = commit_run(s, now);
        if (rc < 0) {
            s->turn_now = -1;
            return rc;
        }
    }
    timer_check(s, now);
    refuse_flush(s, now);
    push_check(s, s7_now_ms());
    s->turn_now = -1;
    return n;
}

int s7_server_run(s7_server *s)
{
    while (!s->stopping) {
        int rc = s7_server_run_once(s, 1000);
        if (rc < 0)
            return rc;
    }
    s->stopping = 0;
    return 0;
}
