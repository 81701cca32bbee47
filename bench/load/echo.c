/* s7echo: the server benchmark's floor.  A TCP server on one epoll loop (the shape of our
 * server, minus S7) that answers every TPKT frame with a frame of the size an S7 server's
 * Read Var reply would have: 25 bytes plus the item's byte count (read at the request's
 * offset 23, where a one-item Read Var request carries it), with the request's PDU reference
 * copied to offset 11 so that the generator can match replies.  No decoding, no data
 * copying, no per-request allocation: this is what moving the same frames costs on this
 * machine.  The answers to the frames one recv() brought leave in one send() (up to 64 KiB
 * of answers a send).  A client that does not read its answers: what its socket does not
 * take is kept (at most one such batch, 64 KiB) and the connection is not read until it is
 * gone, so the requests wait in the kernel; every other connection is served meanwhile.
 *
 * Usage: s7echo [--port N]   (127.0.0.1; 0 or no --port picks a free port).  Prints
 * "port N" on stdout once listening; runs until SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_CAP (64u * 1024u)
#define BATCH (64u * 1024u) /* replies built before a send(); one reply (<= 65535) fits */

typedef struct econn {
    int fd;
    uint32_t have;
    uint8_t *pend; /* replies the socket did not take (NULL when none) */
    uint32_t pend_len, pend_off;
    uint8_t rx[RX_CAP];
} econn;

static uint8_t tx[BATCH];

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static void drop(int ep, econn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->pend);
    free(c);
}

static void watch(int ep, econn *c, uint32_t events)
{
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.ptr = c;
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send tx[0, out).  What the socket does not take is kept in c->pend and the connection
 * waits for room (EPOLLOUT only: it is not read meanwhile, so a client that does not read
 * its answers holds at most one batch here).  0: all sent; 1: kept; -1: the peer is gone. */
static int flush(int ep, econn *c, size_t out)
{
    size_t off = 0;
    for (int tries = 0; off < out && tries < 1000; tries++) {
        ssize_t w = send(c->fd, tx + off, out - off, MSG_NOSIGNAL);
        if (w > 0) {
            off += (size_t)w;
        } else if (w < 0 && errno == EAGAIN) {
            c->pend = malloc(out - off);
            if (!c->pend)
                return -1;
            memcpy(c->pend, tx + off, out - off);
            c->pend_len = (uint32_t)(out - off);
            c->pend_off = 0;
            watch(ep, c, EPOLLOUT);
            return 1;
        } else if (w < 0 && errno != EINTR) {
            return -1;
        }
    }
    return off == out ? 0 : -1;
}

/* Answer the whole frames in c->rx, a batch per send(); stops early when the socket does
 * not take a batch (the rest stays in rx).  -1: the connection was dropped. */
static int answer(int ep, econn *c)
{
    uint32_t pos = 0;
    size_t out = 0;
    int kept = 0;
    while (c->have - pos >= 4) {
        const uint8_t *f = c->rx + pos;
        uint32_t len = (uint32_t)f[2] << 8 | f[3];
        if (f[0] != 3 || len < 7) {
            drop(ep, c);
            return -1;
        }
        if (c->have - pos < len)
            break;
        uint32_t data = len >= 25 ? ((uint32_t)f[23] << 8 | f[24]) : 0;
        uint32_t rep = 25u + data;
        if (rep > 65535u)
            rep = 65535u;
        if (out + rep > BATCH) {
            int rc = flush(ep, c, out);
            out = 0;
            if (rc < 0) {
                drop(ep, c);
                return -1;
            }
            if (rc > 0) {
                kept = 1;
                break;
            }
        }
        uint8_t *o = tx + out;
        o[0] = 3;
        o[1] = 0;
        o[2] = (uint8_t)(rep >> 8);
        o[3] = (uint8_t)rep;
        if (len >= 13) {
            o[11] = f[11];
            o[12] = f[12];
        }
        out += rep;
        pos += len;
    }
    if (pos) {
        memmove(c->rx, c->rx + pos, c->have - pos);
        c->have -= pos;
    }
    if (!kept && out && flush(ep, c, out) < 0) {
        drop(ep, c);
        return -1;
    }
    return 0;
}

static void serve(int ep, econn *c)
{
    ssize_t r = recv(c->fd, c->rx + c->have, RX_CAP - c->have, 0);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
        drop(ep, c);
        return;
    }
    if (r < 0)
        return;
    c->have += (uint32_t)r;
    answer(ep, c);
}

/* Room again on a connection with replies kept: send them; once all are gone, read again
 * (and answer the frames that waited in rx). */
static void resume(int ep, econn *c)
{
    ssize_t w = send(c->fd, c->pend + c->pend_off, c->pend_len - c->pend_off, MSG_NOSIGNAL);
    if (w < 0) {
        if (errno != EAGAIN && errno != EINTR)
            drop(ep, c);
        return;
    }
    c->pend_off += (uint32_t)w;
    if (c->pend_off < c->pend_len)
        return;
    free(c->pend);
    c->pend = NULL;
    c->pend_len = c->pend_off = 0;
    watch(ep, c, EPOLLIN);
    answer(ep, c);
}

int main(int argc, char **argv)
{
    unsigned port = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--port") == 0 && i + 1 < argc) {
            port = (unsigned)strtoul(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: s7echo [--port N]\n");
            return 2;
        }
    }
    raise_nofile();
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)port);
    socklen_t al = sizeof a;
    if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
        bind(lfd, (struct sockaddr *)&a, sizeof a) != 0 || listen(lfd, 1024) != 0 ||
        getsockname(lfd, (struct sockaddr *)&a, &al) != 0) {
        fprintf(stderr, "s7echo: cannot listen on 127.0.0.1:%u: %s\n", port, strerror(errno));
        return 1;
    }
    fcntl(lfd, F_SETFL, fcntl(lfd, F_GETFL) | O_NONBLOCK);
    int ep = epoll_create1(0);
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.ptr = NULL;
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0) {
        fprintf(stderr, "s7echo: epoll: %s\n", strerror(errno));
        return 1;
    }
    printf("port %u\n", (unsigned)ntohs(a.sin_port));
    fflush(stdout);
    struct epoll_event evs[256];
    for (;;) {
        int n = epoll_wait(ep, evs, 256, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return 1;
        }
        for (int i = 0; i < n; i++) {
            econn *c = evs[i].data.ptr;
            if (c) {
                if (c->pend)
                    resume(ep, c);
                else
                    serve(ep, c);
                continue;
            }
            for (int k = 0; k < 64; k++) {
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0)
                    break;
                econn *nc = malloc(sizeof *nc);
                if (!nc) {
                    close(fd);
                    continue;
                }
                nc->fd = fd;
                nc->have = 0;
                nc->pend = NULL;
                nc->pend_len = nc->pend_off = 0;
                fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                ev.events = EPOLLIN;
                ev.data.ptr = nc;
                if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
                    close(fd);
                    free(nc);
                }
            }
        }
    }
}
