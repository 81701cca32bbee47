/* s7echo: the server benchmark's floor.  A TCP server on one epoll loop (the shape of our
 * server, minus S7) that answers every TPKT frame with a frame of the size an S7 server's
 * Read Var reply would have: 25 bytes plus the item's byte count (read at the request's
 * offset 23, where a one-item Read Var request carries it), with the request's PDU reference
 * copied to offset 11 so that the generator can match replies.  No decoding, no data
 * copying, no per-request allocation: this is what moving the same frames costs on this
 * machine.  The answers to the frames one recv() brought leave in one send().
 *
 * Usage: s7echo [--port N]   (127.0.0.1; 0 or no --port picks a free port).  Prints
 * "port N" on stdout once listening; runs until SIGTERM/SIGINT. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_CAP (64u * 1024u)
#define TX_CAP (1024u * 1024u)

typedef struct econn {
    int fd;
    uint32_t have;
    uint8_t rx[RX_CAP];
} econn;

static uint8_t tx[TX_CAP];

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Send all of p, waiting for room if the socket is full (rare on loopback).  0 or -1. */
static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pf = {fd, POLLOUT, 0};
                poll(&pf, 1, 1000);
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void drop(int ep, econn *c)
{
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c);
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
    uint32_t pos = 0;
    size_t out = 0;
    while (c->have - pos >= 4) {
        const uint8_t *f = c->rx + pos;
        uint32_t len = (uint32_t)f[2] << 8 | f[3];
        if (f[0] != 3 || len < 7) {
            drop(ep, c);
            return;
        }
        if (c->have - pos < len)
            break;
        uint32_t data = len >= 25 ? ((uint32_t)f[23] << 8 | f[24]) : 0;
        uint32_t rep = 25u + data;
        if (rep > 65535u)
            rep = 65535u;
        if (out + rep > TX_CAP) {
            if (send_all(c->fd, tx, out) < 0) {
                drop(ep, c);
                return;
            }
            out = 0;
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
    if (out && send_all(c->fd, tx, out) < 0)
        drop(ep, c);
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
            if (evs[i].data.ptr) {
                serve(ep, evs[i].data.ptr);
                continue;
            }
            for (int k = 0; k < 64; k++) {
                int fd = accept(lfd, NULL, NULL);
                if (fd < 0)
                    break;
                econn *c = malloc(sizeof *c);
                if (!c) {
                    close(fd);
                    continue;
                }
                c->fd = fd;
                c->have = 0;
                fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
                setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                ev.events = EPOLLIN;
                ev.data.ptr = c;
                if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
                    close(fd);
                    free(c);
                }
            }
        }
    }
}
