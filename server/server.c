/* The server engine: one event loop serving an s7_cpu to many connections.  Each readiness
 * event reads once into a shared buffer, pulls the events of every whole frame from the
 * connection's server-role conn (conn/: a CR, a whole PDU), answers them with the CPU
 * model (s7_cpu_accept, s7_cpu_handle), and sends the answers of frames that arrived
 * together in one send().
 * Only an incomplete frame or unsent output is kept per connection, so an idle connection
 * costs its struct. */
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

#define RX_SCRATCH (2u * S7_FRAME_MAX + 1024u)
#define TX_HIGH_WATER (1u << 20) /* stop reading a client that does not read its answers */

typedef struct srv_conn {
    int fd;
    uint32_t slot;
    uint8_t counted; /* its type is counted in in_use (after the CC) */
    uint8_t reading; /* EPOLLIN armed */
    uint8_t writing; /* EPOLLOUT armed */
    int64_t last_active;
    uint8_t *rx; /* an incomplete frame carried to the next read */
    uint32_t rx_len;
    uint8_t *tx; /* output the socket did not take yet */
    uint32_t tx_len, tx_off;
    s7_sconn *sc;
    s7_cpu_session *sess;
    const char *deny; /* refuse the CR with this reason (allow-list) */
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
    allow_rule *allow;
    size_t nallow;
    uint8_t *in;
    s7_buf out;
    int64_t next_idle_check;
    volatile int stopping;
    int accept_paused;
};

static void slog(s7_server *s, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void slog(s7_server *s, int level, const char *fmt, ...)
{
    if (!s->o.log)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    s->o.log(s->o.log_ctx, level, msg);
}

void s7_server_opts_init(s7_server_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:102";
    o->max_clients = 65000;
    o->backlog = 1024;
}

static void on_cpu_event(void *ctx, const s7_cpu_event *ev)
{
    s7_server *s = ctx;
    if (s->o.hooks.on_event)
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
    s->wake[0] = s->wake[1] = -1;
    s->in = malloc(RX_SCRATCH);
    s->loop = s7_loop_new(0);
    if (!s->in || !s->loop) {
        s7_server_free(s);
        return NULL;
    }
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
    for (int i = 0; i < 2; i++)
        if (s->wake[i] >= 0)
            close(s->wake[i]);
    s7_loop_free(s->loop);
    if (s->cpu)
        s7_cpu_on_event(s->cpu, NULL, NULL);
    free(s->conns);
    free(s->allow);
    free(s->in);
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
    if (pipe(s->wake) != 0)
        return S7_ERR_IO;
    for (int i = 0; i < 2; i++)
        fcntl(s->wake[i], F_SETFL, fcntl(s->wake[i], F_GETFL) | O_NONBLOCK);
    if (s7_loop_add(s->loop, fd, S7_LOOP_IN, s) < 0 ||
        s7_loop_add(s->loop, s->wake[0], S7_LOOP_IN, s->wake) < 0)
        return S7_ERR_IO;
    slog(s, S7_LOG_INFO, "listening on %s (%s)", s->o.listen,
         s7_loop_fd(s->loop) >= 0 ? "epoll" : "poll");
    return 0;
}

uint16_t s7_server_port(const s7_server *s) { return s->port; }
int s7_server_fd(const s7_server *s)
{
    return s7_loop_fd(s->loop) >= 0 ? s7_loop_fd(s->loop) : s->wake[0];
}

size_t s7_server_connections(const s7_server *s, uint16_t per_type[4])
{
    if (per_type) {
        memcpy(per_type, s->in_use, sizeof s->in_use);
        per_type[0] =
            (uint16_t)(s->nconns - s->in_use[0] < 0xFFFF ? s->nconns - s->in_use[0] : 0xFFFF);
    }
    return s->nconns;
}

void s7_server_stop(s7_server *s)
{
    s->stopping = 1;
    if (s->wake[1] >= 0) {
        ssize_t w = write(s->wake[1], "x", 1);
        (void)w;
    }
}

/* ---------------------------------------------------------------- connections */

/* The connection type counted for c (1 PG, 2 OP, 3 basic). */
static int conn_type(const srv_conn *c)
{
    int t = s7_cpu_session_conn_type(c->sess);
    return t < 4 ? t : 3;
}

static void conn_close(s7_server *s, srv_conn *c, const char *reason)
{
    s7_loop_del(s->loop, c->fd);
    close(c->fd);
    if (c->counted) {
        s->in_use[0]--;
        s->in_use[conn_type(c)]--;
        s7_cpu_set_conn_use(s->cpu, s->in_use);
    }
    slog(s, S7_LOG_INFO, "closed %s: %s", s7_cpu_session_peer(c->sess), reason);
    if (s->o.hooks.on_disconnect)
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

static void set_events(s7_server *s, srv_conn *c)
{
    uint8_t reading = c->tx_len - c->tx_off < TX_HIGH_WATER;
    uint8_t writing = c->tx_len > c->tx_off;
    if (reading != c->reading || writing != c->writing) {
        c->reading = reading;
        c->writing = writing;
        s7_loop_mod(s->loop, c->fd, (reading ? S7_LOOP_IN : 0u) | (writing ? S7_LOOP_OUT : 0u), c);
    }
}

/* Send out (or queue behind what is pending).  Returns 0 or an error to close. */
static int conn_send(s7_server *s, srv_conn *c, const uint8_t *p, size_t n)
{
    if (c->tx_len == c->tx_off && n) {
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
    set_events(s, c);
    return 0;
}

static void conn_flush(s7_server *s, srv_conn *c)
{
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
    }
    set_events(s, c);
}

/* The CR of c: the allow-list, then the CPU's TSAP rules and budgets.  Returns 0 (CC
 * queued, the connection counted) or a negative error (the connection must close). */
static int on_connect(s7_server *s, srv_conn *c, const s7_sconn_event *ev)
{
    if (c->deny)
        return s7_sconn_refuse(c->sc, c->deny);
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

/* A whole request PDU of c: the CPU model writes the answer straight into the output. */
static int on_pdu(s7_server *s, srv_conn *c, const s7_sconn_event *ev)
{
    size_t cap;
    uint8_t *reply = s7_sconn_reply_begin(c->sc, &s->out, &cap);
    if (!reply)
        return S7_ERR_NOMEM;
    int n = s7_cpu_handle(s->cpu, c->sess, ev->pdu, ev->len, reply, cap);
    if (n < 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "malformed request: %s", s7_strerror(n));
        return s7_sconn_fail(c->sc, n, msg);
    }
    return s7_sconn_reply_end(c->sc, &s->out, (size_t)n);
}

/* Every whole frame in in[0..len): pull the connection's events and answer them.  Returns
 * the bytes consumed or a negative error after which c must close. */
static int serve(s7_server *s, srv_conn *c, const uint8_t *in, size_t len)
{
    size_t off = 0;
    for (;;) {
        s7_sconn_event ev;
        int n = s7_sconn_recv(c->sc, in + off, len - off, &s->out, &ev);
        if (n < 0)
            return n;
        off += (size_t)n;
        int rc = 0;
        if (ev.kind == S7_SEV_CONNECT)
            rc = on_connect(s, c, &ev);
        else if (ev.kind == S7_SEV_PDU)
            rc = on_pdu(s, c, &ev);
        else
            return (int)off;
        if (rc < 0)
            return rc;
    }
}

static void conn_read(s7_server *s, srv_conn *c, int64_t now)
{
    uint32_t carry = c->rx_len;
    if (carry)
        memcpy(s->in, c->rx, carry);
    ssize_t r = recv(c->fd, s->in + carry, RX_SCRATCH - carry, 0);
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
    c->last_active = now;
    size_t total = carry + (size_t)r;
    s->out.len = 0;
    int used = serve(s, c, s->in, total);
    if (s->out.len && conn_send(s, c, s->out.p, s->out.len) < 0) {
        conn_close(s, c, "send failed");
        return;
    }
    if (used < 0) {
        if (used == S7_ERR_CR_REJECTED)
            slog(s, S7_LOG_WARN, "refused %s: %s", s7_cpu_session_peer(c->sess),
                 s7_sconn_reason(c->sc));
        const char *why = s7_sconn_reason(c->sc);
        conn_close(s, c, why[0] ? why : s7_strerror(used));
        return;
    }
    size_t left = total - (size_t)used;
    if (left) {
        uint8_t *k = left == c->rx_len ? c->rx : realloc(c->rx, left);
        if (!k) {
            conn_close(s, c, "out of memory");
            return;
        }
        memmove(k, s->in + used, left);
        c->rx = k;
    } else if (c->rx) {
        free(c->rx);
        c->rx = NULL;
    }
    c->rx_len = (uint32_t)left;
}

static void peer_name(const struct sockaddr_storage *ss, char *out, size_t cap, uint32_t *ip4)
{
    char host[64] = "?";
    unsigned port = 0;
    *ip4 = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
        port = ntohs(a->sin_port);
        *ip4 = ntohl(a->sin_addr.s_addr);
        snprintf(out, cap, "%s:%u", host, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
        port = ntohs(a->sin6_port);
        snprintf(out, cap, "[%s]:%u", host, port);
    } else {
        snprintf(out, cap, "unknown");
    }
}

static void do_accept(s7_server *s, int64_t now)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(s->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                slog(s, S7_LOG_ERROR,
                     "out of file descriptors at %zu connections: not accepting until one closes "
                     "(raise ulimit -n)",
                     s->nconns);
                s->accept_paused = 1;
                s7_loop_mod(s->loop, s->lfd, 0, s);
            }
            return;
        }
        char peer[64];
        uint32_t ip4;
        peer_name(&ss, peer, sizeof peer, &ip4);
        if (s->nconns >= s->o.max_clients) {
            slog(s, S7_LOG_WARN, "refused %s: %zu connections open, the server's limit", peer,
                 s->nconns);
            close(fd);
            continue;
        }
        if (s->nconns == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 64;
            srv_conn **n = realloc(s->conns, cap * sizeof *n);
            if (!n) {
                close(fd);
                return;
            }
            s->conns = n;
            s->cap = cap;
        }
        srv_conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
        c->fd = fd;
        c->last_active = now;
        c->sc = s7_sconn_new();
        c->sess = s7_cpu_session_new();
        if (!c->sc || !c->sess) {
            s7_sconn_free(c->sc);
            s7_cpu_session_free(c->sess);
            close(fd);
            free(c);
            return;
        }
        s7_cpu_session_set_peer(c->sess, peer, ip4);
        if (!allowed(s, &ss))
            c->deny = "partner not in the allow-list";
        c->reading = 1;
        if (s7_loop_add(s->loop, fd, S7_LOOP_IN, c) < 0) {
            close(fd);
            s7_sconn_free(c->sc);
            s7_cpu_session_free(c->sess);
            free(c);
            continue;
        }
        c->slot = (uint32_t)s->nconns;
        s->conns[s->nconns++] = c;
    }
}

static void idle_check(s7_server *s, int64_t now)
{
    if (s->o.idle_timeout_ms <= 0 || now < s->next_idle_check)
        return;
    s->next_idle_check = now + (s->o.idle_timeout_ms < 1000 ? s->o.idle_timeout_ms : 1000);
    for (size_t i = s->nconns; i-- > 0;) {
        srv_conn *c = s->conns[i];
        if (now - c->last_active >= s->o.idle_timeout_ms)
            conn_close(s, c, "idle timeout");
    }
}

int s7_server_run_once(s7_server *s, int timeout_ms)
{
    s7_loop_event ev[256];
    if (s->o.idle_timeout_ms > 0 && (timeout_ms < 0 || timeout_ms > 1000))
        timeout_ms = 1000;
    int n = s7_loop_wait(s->loop, ev, 256, timeout_ms);
    if (n < 0)
        return n;
    int64_t now = s7_now_ms();
    for (int i = 0; i < n; i++) {
        if (ev[i].ptr == s) {
            do_accept(s, now);
        } else if (ev[i].ptr == (void *)s->wake) {
            char buf[64];
            while (read(s->wake[0], buf, sizeof buf) > 0) {
            }
        } else {
            srv_conn *c = ev[i].ptr;
            if (ev[i].events & S7_LOOP_OUT)
                conn_flush(s, c); /* reading waits for the next turn (level-triggered) */
            else if (ev[i].events & (S7_LOOP_IN | S7_LOOP_ERR))
                conn_read(s, c, now);
        }
    }
    idle_check(s, now);
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
