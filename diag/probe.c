/* The building blocks of the diagnostics: a frame recorder between the client's tap and the
 * user's, a TCP connect that keeps the raw errno (a refused, filtered and unreachable port
 * look different there), a graceful close that waits for the partner to let go of the
 * connection, and one connection attempt with given TSAPs. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag/internal.h"
#include "s7/net.h"

/* ---------------------------------------------------------------- recorder */

static void rec_tap(void *ctx, int outgoing, const uint8_t *frame, size_t len)
{
    s7__rec *r = ctx;
    s7_diag_frame *f = &r->ring[r->seen % S7__REC_KEEP];
    int64_t now = s7_now_ms();
    f->outgoing = outgoing;
    f->t_ms = (int)(now - r->t0);
    f->len = (uint32_t)len;
    memcpy(f->bytes, frame, len < S7_DIAG_FRAME_CAP ? len : S7_DIAG_FRAME_CAP);
    r->seen++;
    if (!outgoing) {
        if (!r->in_seen)
            r->t_first_in = now - r->t0;
        r->in_seen = 1;
        if (len >= 6 && (frame[5] & 0xF0) == S7_COTP_CC)
            r->cc_seen = 1;
        if (len >= 6 && (frame[5] & 0xF0) == S7_COTP_DR)
            r->dr_seen = 1;
    }
    if (r->user_tap)
        r->user_tap(r->user_ctx, outgoing, frame, len);
}

static void rec_log(void *ctx, int level, const char *msg)
{
    s7__rec *r = ctx;
    if (r->user_log)
        r->user_log(r->user_ctx, level, msg);
}

void s7__rec_attach(s7__rec *r, s7_client_opts *o)
{
    memset(r, 0, sizeof *r);
    r->user_tap = o->tap;
    r->user_log = o->log;
    r->user_ctx = o->log_ctx;
    o->tap = rec_tap;
    o->log = rec_log;
    o->log_ctx = r;
    s7__rec_reset(r);
}

void s7__rec_reset(s7__rec *r)
{
    r->seen = 0;
    r->t0 = s7_now_ms();
    r->cc_seen = r->dr_seen = r->in_seen = 0;
    r->t_first_in = -1;
}

int s7__rec_to_check(const s7__rec *r, s7_diag_check *c)
{
    size_t n = r->seen < S7__REC_KEEP ? r->seen : S7__REC_KEEP;
    free(c->frames);
    c->frames = NULL;
    c->nframes = 0;
    if (!n)
        return 0;
    c->frames = malloc(n * sizeof *c->frames);
    if (!c->frames)
        return S7_ERR_NOMEM;
    size_t first = r->seen - n;
    for (size_t i = 0; i < n; i++)
        c->frames[i] = r->ring[(first + i) % S7__REC_KEEP];
    c->nframes = n;
    return 0;
}

/* ---------------------------------------------------------------- TCP */

const char *s7__errno_name(int e, char *buf, size_t cap)
{
    switch (e) {
    case ECONNREFUSED: return "ECONNREFUSED";
    case ETIMEDOUT: return "ETIMEDOUT";
    case ENETUNREACH: return "ENETUNREACH";
    case EHOSTUNREACH: return "EHOSTUNREACH";
    case ENETDOWN: return "ENETDOWN";
    case EHOSTDOWN: return "EHOSTDOWN";
    case EPERM: return "EPERM";
    case EACCES: return "EACCES";
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
    case ECONNRESET: return "ECONNRESET";
    case EMFILE: return "EMFILE";
    case ENFILE: return "ENFILE";
    default: snprintf(buf, cap, "errno %d", e); return buf;
    }
}

/* Map a connect errno to what it means on a cell network. */
static int map_errno(int e)
{
    switch (e) {
    case ECONNREFUSED: return S7_ERR_REFUSED;
    case ETIMEDOUT: return S7_ERR_CONNECT_TIMEOUT;
    case EPERM:
    case EACCES:
        /* a firewall on this host refuses the SYN: filtered, seen from here */
        return S7_ERR_CONNECT_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN: return S7_ERR_UNREACH;
    default: return S7_ERR_IO;
    }
}

int s7__tcp_connect(const struct sockaddr *sa, socklen_t salen, int timeout_ms, int *fd,
                    int *err_no, int *ms)
{
    return s7__tcp_connect_from(sa, salen, NULL, timeout_ms, fd, err_no, ms);
}

int s7__tcp_connect_from(const struct sockaddr *sa, socklen_t salen, const char *source,
                         int timeout_ms, int *fd, int *err_no, int *ms)
{
    int64_t t0 = s7_now_ms();
    *fd = -1;
    *err_no = 0;
    *ms = 0;
    int s = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        *err_no = errno;
        return S7_ERR_IO;
    }
    s7_tcp_configure(s);
    if (source && *source && s7_tcp_bind_source(s, sa->sa_family, source) < 0) {
        *err_no = errno ? errno : EINVAL;
        close(s);
        return S7_ERR_SOURCE;
    }
    int rc = connect(s, sa, salen);
    int e = rc == 0 ? 0 : errno;
    if (rc != 0 && e == EINPROGRESS) {
        int64_t end = t0 + timeout_ms;
        for (;;) {
            int64_t now = s7_now_ms();
            if (now >= end) {
                e = ETIMEDOUT;
                break;
            }
            struct pollfd p = {s, POLLOUT, 0};
            int r = poll(&p, 1, (int)(end - now));
            if (r < 0 && errno == EINTR)
                continue;
            if (r < 0) {
                e = errno;
                break;
            }
            if (r == 0) {
                e = ETIMEDOUT;
                break;
            }
            socklen_t len = sizeof e;
            if (getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
                e = errno;
            break;
        }
    }
    *ms = (int)(s7_now_ms() - t0);
    if (e) {
        close(s);
        *err_no = e;
        return map_errno(e);
    }
    *fd = s;
    return 0;
}

void s7__close_gracefully(s7_client *c, int wait_ms)
{
    int fd = s7_client_fd(c);
    if (fd >= 0 && shutdown(fd, SHUT_WR) == 0) {
        int64_t end = s7_now_ms() + wait_ms;
        for (;;) {
            int64_t now = s7_now_ms();
            if (now >= end)
                break;
            struct pollfd p = {fd, POLLIN, 0};
            int r = poll(&p, 1, (int)(end - now));
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            uint8_t sink[512];
            ssize_t n = recv(fd, sink, sizeof sink, 0);
            if (n > 0)
                continue; /* something still in flight: drop it */
            if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
                continue;
            break; /* FIN (0) or an error: the partner has let go */
        }
    }
    s7_client_close(c);
}

/* ---------------------------------------------------------------- one attempt */

int s7__attempt(const char *host, uint16_t port, const s7_client_opts *base, uint16_t local,
                uint16_t remote, s7__rec *rec, s7_diag_alt *a, s7_client **keep)
{
    return s7__attempt_on(-1, host, port, base, local, remote, rec, a, keep);
}

int s7__attempt_on(int fd, const char *host, uint16_t port, const s7_client_opts *base,
                   uint16_t local, uint16_t remote, s7__rec *rec, s7_diag_alt *a, s7_client **keep)
{
    s7_client_opts o = *base;
    s7__rec own;
    if (!rec)
        rec = &own; /* only without keep: the handle dies here */
    s7__rec_attach(rec, &o);
    o.local_tsap = local;
    o.remote_tsap = remote;
    if (keep)
        *keep = NULL;
    s7__rec_reset(rec);
    int64_t t0 = s7_now_ms();
    s7_client *c = s7_client_new(&o);
    if (!c) {
        if (fd >= 0)
            close(fd);
        a->result = S7_ERR_NOMEM;
        return a->result;
    }
    int rc = fd >= 0 ? s7_client_connect_fd(c, fd) : s7_client_connect(c, host, port);
    a->ms = (int)(s7_now_ms() - t0);
    a->setup_ok = rc == 0;
    a->pdu = rc == 0 ? s7_client_pdu(c) : 0;
    a->result = rc == 0 || rec->cc_seen ? 0 : rc;
    if (rc == 0 && keep) {
        *keep = c;
        return a->result;
    }
    if (rc == 0)
        s7__close_gracefully(c, o.connect_timeout_ms < 500 ? o.connect_timeout_ms : 500);
    s7_client_free(c);
    return a->result;
}
