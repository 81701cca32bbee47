/* The scripted S7 peer of the client-side fuzz targets (peer.h): the CPU model behind a
 * server-role conn per connection, a script of actions read from the fuzz input, and the
 * poll() / clock_gettime() wrappers that run it inside the client's own waits.
 *
 * Script: one action per CR and per request PDU, each a control byte c and its operands:
 *   c & 7   0 AUTO      the model's answer (a refused CR closes the connection, as a CPU)
 *           1 PDU       u16 n, n bytes: framed as one COTP DT (TPKT only for a CR)
 *           2 FRAG      u8 k, u16 n, n bytes: framed as 1 + k % 4 DT fragments
 *           3 RAW       u16 n, n bytes: written as they are
 *           4 MUTATE    u8 k, then 1 + k % 4 times u16 pos, u8 x: the model's answer with
 *                       byte pos ^= x (x = 0: cut there)
 *           5 SILENT    no answer; when the client waits, its timeout passes at once
 *           6 CLOSE     the connection is closed
 *           7 EXTRA     the model's answer, then u16 n, n bytes framed as an unsolicited DT
 *   c & 0x80            PDU / FRAG / EXTRA: the request's PDU reference is put into the
 *                       bytes (offset 4 of the PDU)
 *   (c >> 3) & 15 = s   the answer is written in pieces of s * s bytes (0: at once), each
 *                       piece in its own poll() of the client
 * Numbers are big-endian; an operand past the end of the script is cut short. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "fuzz/peer.h"
#include "s7/conn.h"
#include "s7/cpu.h"

int __real_poll(struct pollfd *fds, nfds_t n, int timeout);
int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout);
int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

enum { A_AUTO, A_PDU, A_FRAG, A_RAW, A_MUTATE, A_SILENT, A_CLOSE, A_EXTRA };

#define MAX_CONNS 32
#define MAX_SEGS 4096

typedef struct seg {
    uint8_t *p;
    size_t len, off;
    int close; /* close the connection when this segment is reached */
} seg;

typedef struct pconn {
    int fd;
    s7_sconn *sc;
    s7_cpu_session *sess;
    uint8_t *in; /* received, not yet consumed by the conn */
    size_t in_len, in_cap;
    seg *segs;
    size_t nsegs, head;
    int spoke;  /* the client sent bytes on it */
    int silent; /* the script said nothing more is answered */
    int dead;   /* the conn closed it: what the client sends is dropped */
    int pdus;   /* PDUs answered (the first one is the setup) */
} pconn;

struct fz_peer {
    const uint8_t *s;
    size_t len, off;
    fz_peer_cfg cfg;
    s7_cpu *cpu;
    pconn *conns[MAX_CONNS];
    unsigned served;
};

static fz_peer *active;
static int64_t virt_ms; /* the virtual clock's advance over the real one at activation */
static struct timespec virt_base;
static int trace = -1; /* S7_FUZZ_DEBUG set: what the peer does, on stderr */
static int listen_fd = -1;
static uint16_t listen_port;

/* ---------------------------------------------------------------- script */

static int sbyte(fz_peer *p) { return p->off < p->len ? p->s[p->off++] : 0; }

static size_t su16(fz_peer *p)
{
    size_t hi = (size_t)sbyte(p);
    return hi << 8 | (size_t)sbyte(p);
}

/* n bytes of the script (fewer at its end): a view, *got the count. */
static const uint8_t *sbytes(fz_peer *p, size_t n, size_t *got)
{
    const uint8_t *v = p->s + p->off;
    *got = p->len - p->off < n ? p->len - p->off : n;
    p->off += *got;
    return v;
}

/* ---------------------------------------------------------------- connections */

static void conn_close(fz_peer *p, size_t i)
{
    pconn *c = p->conns[i];
    if (!c)
        return;
    if (trace)
        fprintf(stderr, "peer fd %d: closed\n", c->fd);
    close(c->fd);
    for (size_t k = c->head; k < c->nsegs; k++)
        free(c->segs[k].p);
    free(c->segs);
    free(c->in);
    s7_sconn_free(c->sc);
    s7_cpu_session_free(c->sess);
    free(c);
    p->conns[i] = NULL;
}

static int conn_add(fz_peer *p, int fd)
{
    size_t i = 0;
    while (i < MAX_CONNS && p->conns[i])
        i++;
    pconn *c = i < MAX_CONNS ? calloc(1, sizeof *c) : NULL;
    if (c) {
        c->sc = s7_sconn_new();
        c->sess = s7_cpu_session_new();
    }
    if (!c || !c->sc || !c->sess) {
        if (c) {
            s7_sconn_free(c->sc);
            s7_cpu_session_free(c->sess);
            free(c);
        }
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    c->fd = fd;
    p->conns[i] = c;
    p->served++;
    return 0;
}

/* Queues len bytes at b in pieces of chunk bytes (0: one piece). */
static void push(pconn *c, const uint8_t *b, size_t len, size_t chunk)
{
    if (!chunk)
        chunk = len ? len : 1;
    for (size_t off = 0; off < len; off += chunk) {
        size_t n = len - off < chunk ? len - off : chunk;
        if (c->nsegs >= MAX_SEGS)
            return;
        seg *ns = realloc(c->segs, (c->nsegs + 1) * sizeof *ns);
        if (!ns)
            return;
        c->segs = ns;
        seg *s = &c->segs[c->nsegs];
        memset(s, 0, sizeof *s);
        s->p = malloc(n);
        if (!s->p)
            return;
        memcpy(s->p, b + off, n);
        s->len = n;
        c->nsegs++;
    }
}

static void push_close(pconn *c)
{
    seg *ns = realloc(c->segs, (c->nsegs + 1) * sizeof *ns);
    if (!ns)
        return;
    c->segs = ns;
    memset(&c->segs[c->nsegs], 0, sizeof c->segs[c->nsegs]);
    c->segs[c->nsegs].close = 1;
    c->nsegs++;
}

/* A TPKT around a COTP DT (eot) holding pdu[0..n) into out; returns the frame length. */
static size_t frame_dt(uint8_t *out, const uint8_t *pdu, size_t n, int eot)
{
    size_t len = 7 + n;
    out[0] = 3;
    out[1] = 0;
    out[2] = (uint8_t)(len >> 8);
    out[3] = (uint8_t)len;
    out[4] = 2;
    out[5] = 0xF0;
    out[6] = eot ? 0x80 : 0x00;
    memcpy(out + 7, pdu, n);
    return len;
}

/* Fuzz bytes as a PDU, framed (in k DT fragments; a CR's answer: TPKT only). */
static void push_pdu(pconn *c, const uint8_t *pdu, size_t n, int k, int connect, int ref,
                     size_t chunk)
{
    uint8_t *copy = malloc(n + 1), *out = malloc(4 * 7 + n + 4);
    if (!copy || !out) {
        free(copy);
        free(out);
        return;
    }
    memcpy(copy, pdu, n);
    if (ref >= 0 && n >= 6) {
        copy[4] = (uint8_t)(ref >> 8);
        copy[5] = (uint8_t)ref;
    }
    size_t len = 0;
    if (connect) {
        size_t t = n + 4 > 0xFFFF ? 0xFFFF - 4 : n;
        out[0] = 3;
        out[1] = 0;
        out[2] = (uint8_t)((t + 4) >> 8);
        out[3] = (uint8_t)(t + 4);
        memcpy(out + 4, copy, t);
        len = t + 4;
    } else {
        if (n > 0xFFFF - 7)
            n = 0xFFFF - 7;
        size_t part = k > 1 ? (n + (size_t)k - 1) / (size_t)k : n;
        size_t off = 0;
        for (int i = 0; i < k; i++) {
            size_t m = n - off < part ? n - off : part;
            len += frame_dt(out + len, copy + off, m, i == k - 1);
            off += m;
        }
    }
    push(c, out, len, chunk);
    free(copy);
    free(out);
}

/* The action for one event whose model answer is auto[0..alen); ref the request's PDU
 * reference (-1 for a CR); accepted: the model accepted the CR (or answered the PDU). */
static void act(fz_peer *p, pconn *c, const uint8_t *autob, size_t alen, int ref, int forced_auto,
                int accepted)
{
    int connect = ref < 0;
    if (c->silent)
        return;
    int ctl = 0;
    if (!forced_auto) {
        if (p->off >= p->len) {
            if (!p->cfg.auto_when_done) {
                push_close(c);
                return;
            }
        } else {
            ctl = sbyte(p);
        }
    }
    size_t s = (size_t)(ctl >> 3 & 15), chunk = s * s;
    if (trace) {
        fprintf(stderr, "peer fd %d: %s ref %d, action 0x%02X%s, answer", c->fd,
                connect ? "CR" : "PDU", ref, ctl, forced_auto ? " (model)" : "");
        for (size_t i = 0; i < alen; i++)
            fprintf(stderr, " %02X", autob[i]);
        fprintf(stderr, "\n");
    }
    int pref = ctl & 0x80 ? ref : -1;
    size_t n;
    const uint8_t *b;
    switch (ctl & 7) {
    case A_AUTO:
        push(c, autob, alen, chunk);
        if (connect && !accepted)
            push_close(c);
        return;
    case A_PDU:
        b = sbytes(p, su16(p), &n);
        push_pdu(c, b, n, 1, connect, pref, chunk);
        return;
    case A_FRAG: {
        int k = 1 + sbyte(p) % 4;
        b = sbytes(p, su16(p), &n);
        push_pdu(c, b, n, k, connect, pref, chunk);
        return;
    }
    case A_RAW:
        b = sbytes(p, su16(p), &n);
        push(c, b, n, chunk);
        return;
    case A_MUTATE: {
        uint8_t *m = malloc(alen + 1);
        if (!m)
            return;
        if (alen)
            memcpy(m, autob, alen);
        size_t mlen = alen;
        int edits = 1 + sbyte(p) % 4;
        for (int i = 0; i < edits; i++) {
            size_t pos = su16(p);
            int x = sbyte(p);
            if (!mlen)
                break;
            pos %= mlen;
            if (x)
                m[pos] ^= (uint8_t)x;
            else
                mlen = pos;
        }
        push(c, m, mlen, chunk);
        free(m);
        if (connect && !accepted)
            push_close(c);
        return;
    }
    case A_SILENT: c->silent = 1; return;
    case A_CLOSE: push_close(c); return;
    case A_EXTRA:
        push(c, autob, alen, chunk);
        b = sbytes(p, su16(p), &n);
        push_pdu(c, b, n, 1, connect, pref, chunk);
        if (connect && !accepted)
            push_close(c);
        return;
    }
}

/* Feeds what the client sent to the server-role conn and answers every event. */
static void serve(fz_peer *p, pconn *c)
{
    size_t off = 0;
    s7_buf out = {0};
    int rc = 0;
    while (!rc && !c->dead) {
        s7_sconn_event ev;
        out.len = 0;
        int n = s7_sconn_recv(c->sc, c->in + off, c->in_len - off, &out, &ev);
        if (trace && n < 0)
            fprintf(stderr, "peer fd %d: the conn says %s: %s\n", c->fd, s7_err_name(n),
                    s7_sconn_reason(c->sc));
        if (n < 0) {
            /* the conn closed it (a DR, a frame it cannot take): what it says goes first */
            push(c, out.p, out.len, 0);
            push_close(c);
            c->dead = 1;
            break;
        }
        off += (size_t)n;
        if (ev.kind == S7_SEV_CONNECT) {
            uint16_t in_use[4] = {0, 0, 0, 0};
            const char *why = NULL;
            int ok = s7_cpu_accept(p->cpu, c->sess, &ev.cr, in_use, &why) == 0;
            if (ok)
                ok = s7_sconn_accept(c->sc, &out) == 0;
            else
                s7_sconn_refuse(c->sc, why ? why : "refused");
            act(p, c, out.p, out.len, -1, p->cfg.auto_handshake, ok);
            if (!ok)
                c->dead = 1;
        } else if (ev.kind == S7_SEV_PDU) {
            int ref = ev.len >= 6 ? ev.pdu[4] << 8 | ev.pdu[5] : 0;
            size_t cap;
            uint8_t *reply = s7_sconn_reply_begin(c->sc, &out, &cap);
            if (!reply) {
                push_close(c);
                c->dead = 1;
                break;
            }
            int k = s7_cpu_handle(p->cpu, c->sess, ev.pdu, ev.len, reply, cap);
            int ok = k >= 0 && s7_sconn_reply_end(c->sc, &out, (size_t)k) == 0;
            act(p, c, out.p, out.len, ref, p->cfg.auto_handshake && c->pdus == 0, ok);
            c->pdus++;
            if (!ok) {
                push_close(c);
                c->dead = 1;
            }
        } else {
            rc = 1;
        }
    }
    s7_buf_free(&out);
    if (c->dead)
        off = c->in_len;
    memmove(c->in, c->in + off, c->in_len - off);
    c->in_len -= off;
}

/* Accepts, reads, answers and writes one piece per connection.  Returns 0 when nothing
 * happened, 1 when something did, 3 when bytes were written. */
static int service(fz_peer *p)
{
    int progress = 0;
    if (listen_fd >= 0) {
        int fd;
        while ((fd = accept(listen_fd, NULL, NULL)) >= 0) {
            /* each piece leaves at once (no Nagle wait for the client's delayed ACK) */
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            conn_add(p, fd);
            progress |= 1;
        }
    }
    for (size_t i = 0; i < MAX_CONNS; i++) {
        pconn *c = p->conns[i];
        if (!c)
            continue;
        int eof = 0;
        for (;;) {
            if (c->in_cap - c->in_len < 4096) {
                uint8_t *nb = realloc(c->in, c->in_cap + 8192);
                if (!nb)
                    break;
                c->in = nb;
                c->in_cap += 8192;
            }
            ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
            if (r > 0) {
                if (trace)
                    fprintf(stderr, "peer fd %d: %zd bytes in\n", c->fd, r);
                c->in_len += (size_t)r;
                c->spoke = 1;
                progress |= 1;
                continue;
            }
            if (r == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
                eof = 1;
            break;
        }
        if (c->in_len)
            serve(p, c);
        if (eof) {
            conn_close(p, i);
            progress |= 1;
            continue;
        }
        if (c->head < c->nsegs) {
            seg *s = &c->segs[c->head];
            if (s->close) {
                conn_close(p, i);
                progress |= 1;
                continue;
            }
            ssize_t w = send(c->fd, s->p + s->off, s->len - s->off, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (trace)
                fprintf(stderr, "peer fd %d: wrote %zd of %zu\n", c->fd, w, s->len - s->off);
            if (w > 0) {
                s->off += (size_t)w;
                progress |= 3;
            } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                conn_close(p, i);
                progress |= 1;
                continue;
            }
            if (s->off == s->len) {
                free(s->p);
                s->p = NULL;
                c->head++;
            }
        }
    }
    return progress;
}

static int pending(const fz_peer *p)
{
    for (size_t i = 0; i < MAX_CONNS; i++)
        if (p->conns[i] && p->conns[i]->head < p->conns[i]->nsegs)
            return 1;
    return 0;
}

/* ---------------------------------------------------------------- wrappers */

int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
    if (!active || id != CLOCK_MONOTONIC)
        return __real_clock_gettime(id, ts);
    int64_t ns = (int64_t)virt_base.tv_nsec + (virt_ms % 1000) * 1000000;
    ts->tv_sec = virt_base.tv_sec + (time_t)(virt_ms / 1000) + (time_t)(ns / 1000000000);
    ts->tv_nsec = (long)(ns % 1000000000);
    return 0;
}

int __wrap_poll(struct pollfd *fds, nfds_t n, int timeout)
{
    fz_peer *p = active;
    if (!p)
        return __real_poll(fds, n, timeout);
    int wants_in = 0;
    for (nfds_t i = 0; i < n; i++)
        wants_in |= fds[i].events & POLLIN;
    for (int round = 0; round < 100000; round++) {
        int did = service(p);
        /* a piece just written on loopback TCP may take a moment to be readable */
        int r = __real_poll(fds, n, did == 3 ? 10 : 0);
        if (r != 0)
            return r;
        if (did || pending(p))
            continue;
        if (timeout == 0)
            return 0; /* a look, not a wait */
        /* the peer has nothing more to say on any connection */
        if (trace)
            fprintf(stderr, "peer: idle, the client polls fd %d for 0x%X (timeout %d)\n",
                    n ? fds[0].fd : -1, n ? fds[0].events : 0, timeout);
        int closed = 0, silent = 0;
        for (size_t i = 0; i < MAX_CONNS; i++) {
            pconn *c = p->conns[i];
            if (!c || !c->spoke || !wants_in)
                continue;
            if (c->silent) {
                silent = 1;
                continue;
            }
            conn_close(p, i);
            closed = 1;
        }
        if (closed)
            continue;
        if (silent && timeout >= 0) {
            virt_ms += timeout; /* the client's wait passes */
            return 0;
        }
        if (silent) {
            for (size_t i = 0; i < MAX_CONNS; i++)
                if (p->conns[i] && p->conns[i]->silent)
                    conn_close(p, i);
            continue;
        }
        /* a connect in progress, or a wait on a socket the peer does not hold */
        r = __real_poll(fds, n, timeout >= 0 && timeout < 50 ? timeout : 50);
        if (r != 0 || round > 20) {
            if (r == 0 && timeout > 0)
                virt_ms += timeout;
            return r;
        }
    }
    return 0;
}

/* ---------------------------------------------------------------- the peer */

fz_peer *fz_peer_new(const uint8_t *script, size_t len, const fz_peer_cfg *cfg)
{
    fz_peer *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (trace < 0)
        trace = getenv("S7_FUZZ_DEBUG") != NULL;
    p->s = script;
    p->len = len;
    p->cfg = *cfg;
    const s7_profile *prof = s7_profile_find(cfg->profile);
    p->cpu = s7_cpu_new(prof ? prof : s7_profile_find("s7-1500"));
    if (!p->cpu) {
        free(p);
        return NULL;
    }
    s7_cpu_set_put_get(p->cpu, cfg->put_get);
    s7_cpu_add_db(p->cpu, 1, 64, 0);
    s7_cpu_add_db(p->cpu, 2, 32, S7_DB_OPTIMIZED);
    s7_cpu_add_db(p->cpu, 3, 16, S7_DB_READONLY);
    s7_cpu_add_db(p->cpu, 10, 700, 0);
    return p;
}

void fz_peer_free(fz_peer *p)
{
    if (!p)
        return;
    if (active == p)
        fz_peer_activate(NULL);
    for (size_t i = 0; i < MAX_CONNS; i++)
        conn_close(p, i);
    /* connections the client opened but nobody accepted */
    if (listen_fd >= 0) {
        int fd;
        while ((fd = accept(listen_fd, NULL, NULL)) >= 0)
            close(fd);
    }
    s7_cpu_free(p->cpu);
    free(p);
}

int fz_peer_socketpair(fz_peer *p)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0)
        return -1;
    if (conn_add(p, sp[1]) < 0) {
        close(sp[0]);
        return -1;
    }
    return sp[0];
}

uint16_t fz_peer_listen_port(void)
{
    if (listen_fd >= 0)
        return listen_port;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &al) != 0) {
        close(fd);
        return 0;
    }
    listen_fd = fd;
    listen_port = ntohs(a.sin_port);
    return listen_port;
}

void fz_peer_activate(fz_peer *p)
{
    if (p && !active) {
        __real_clock_gettime(CLOCK_MONOTONIC, &virt_base);
        virt_ms = 0;
    }
    active = p;
}

void fz_peer_advance(int ms)
{
    if (ms > 0)
        virt_ms += ms;
}

unsigned fz_peer_connections(const fz_peer *p) { return p->served; }
