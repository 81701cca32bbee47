/* The transport table (net/transport.h): a socket, and the in-memory pair for tests. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/transport.h"
#include "s7/net.h"

/* ---------------------------------------------------------------- socket */

static int fd_send(void *ctx, const uint8_t *p, size_t n)
{
    ssize_t w = send((int)(intptr_t)ctx, p, n, MSG_NOSIGNAL);
    if (w >= 0)
        return (int)w;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return S7_AGAIN;
    return s7_tcp_errno(errno);
}

static int fd_recv(void *ctx, uint8_t *p, size_t cap)
{
    ssize_t r = recv((int)(intptr_t)ctx, p, cap, 0);
    if (r >= 0)
        return (int)r;
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
        return S7_AGAIN;
    return s7_tcp_errno(errno);
}

static void fd_close(void *ctx) { close((int)(intptr_t)ctx); }

void s7_transport_fd(s7_transport *t, int fd)
{
    t->ctx = (void *)(intptr_t)fd;
    t->send = fd_send;
    t->recv = fd_recv;
    t->close = fd_close;
}

/* ---------------------------------------------------------------- in memory */

typedef struct mem_pipe {
    uint8_t *buf;
    size_t len;
    int writer_closed;
} mem_pipe;

typedef struct mem_shared {
    mem_pipe dir[2]; /* dir[i]: bytes sent by end i */
    size_t cap;
    int open_ends;
} mem_shared;

typedef struct mem_end {
    mem_shared *sh;
    int side; /* 0 or 1 */
    size_t chunk;
    int closed;
} mem_end;

static int mem_send(void *ctx, const uint8_t *p, size_t n)
{
    mem_end *e = ctx;
    mem_shared *sh = e->sh;
    if (e->closed)
        return S7_ERR_IO;
    if (sh->open_ends < 2)
        return S7_ERR_CLOSED;
    mem_pipe *q = &sh->dir[e->side];
    size_t room = sh->cap - q->len;
    if (room == 0)
        return n ? S7_AGAIN : 0;
    size_t k = n < room ? n : room;
    memcpy(q->buf + q->len, p, k);
    q->len += k;
    return (int)k;
}

static int mem_recv(void *ctx, uint8_t *p, size_t cap)
{
    mem_end *e = ctx;
    if (e->closed)
        return S7_ERR_IO;
    mem_pipe *q = &e->sh->dir[!e->side];
    if (q->len == 0)
        return q->writer_closed ? 0 : S7_AGAIN;
    size_t k = q->len < cap ? q->len : cap;
    if (e->chunk && k > e->chunk)
        k = e->chunk;
    memcpy(p, q->buf, k);
    memmove(q->buf, q->buf + k, q->len - k);
    q->len -= k;
    return (int)k;
}

static void mem_close(void *ctx)
{
    mem_end *e = ctx;
    mem_shared *sh = e->sh;
    e->closed = 1;
    sh->dir[e->side].writer_closed = 1;
    if (--sh->open_ends == 0) {
        free(sh->dir[0].buf);
        free(sh->dir[1].buf);
        free(sh);
    }
    free(e);
}

int s7_transport_mem_pair(s7_transport *a, s7_transport *b, size_t cap)
{
    mem_shared *sh = calloc(1, sizeof *sh);
    mem_end *ea = calloc(1, sizeof *ea), *eb = calloc(1, sizeof *eb);
    if (sh) {
        sh->dir[0].buf = malloc(cap ? cap : 1);
        sh->dir[1].buf = malloc(cap ? cap : 1);
    }
    if (!sh || !ea || !eb || !sh->dir[0].buf || !sh->dir[1].buf) {
        if (sh) {
            free(sh->dir[0].buf);
            free(sh->dir[1].buf);
        }
        free(sh);
        free(ea);
        free(eb);
        return S7_ERR_NOMEM;
    }
    sh->cap = cap;
    sh->open_ends = 2;
    ea->sh = eb->sh = sh;
    ea->side = 0;
    eb->side = 1;
    a->ctx = ea;
    b->ctx = eb;
    a->send = b->send = mem_send;
    a->recv = b->recv = mem_recv;
    a->close = b->close = mem_close;
    return 0;
}

void s7_transport_mem_chunk(s7_transport *t, size_t n) { ((mem_end *)t->ctx)->chunk = n; }

size_t s7_transport_mem_pending(const s7_transport *t)
{
    const mem_end *e = t->ctx;
    return e->sh->dir[!e->side].len;
}
