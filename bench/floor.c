/* s7bench: the loopback floor.  A thread pair plays a case's frames as a plain TCP
 * ping-pong over 127.0.0.1 (TCP_NODELAY, blocking sockets, one exchange at a time): the
 * client thread writes a request frame of the scripted size and reads the whole reply; the
 * server thread reads the whole request and writes the reply.  No S7 work is done, so this
 * is what moving the same bytes one round trip at a time costs on this machine. */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

typedef struct floor_ctx {
    const bench_script *s;
    int listen_fd;
    int fd; /* the client's socket (main thread) */
    uint8_t buf[65536 + 64];
} floor_ctx;

static uint8_t srv_buf[65536 + 64];

static int read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t r = recv(fd, p, n, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static void nodelay(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* Server thread: answer the script over and over until the client closes. */
static void *floor_server(void *arg)
{
    floor_ctx *f = arg;
    int fd = accept(f->listen_fd, NULL, NULL);
    if (fd < 0)
        return NULL;
    nodelay(fd);
    memset(srv_buf, 0x5A, sizeof srv_buf);
    for (;;) {
        for (size_t i = 0; i < f->s->n; i++) {
            if (read_all(fd, srv_buf, f->s->req[i]) != 0 ||
                bench_send_all(fd, srv_buf, f->s->rep[i]) != 0) {
                close(fd);
                return NULL;
            }
        }
    }
}

static int floor_op(void *ctx, char *msg)
{
    floor_ctx *f = ctx;
    for (size_t i = 0; i < f->s->n; i++) {
        if (bench_send_all(f->fd, f->buf, f->s->req[i]) != 0 ||
            read_all(f->fd, f->buf, f->s->rep[i]) != 0) {
            snprintf(msg, BENCH_MSG, "floor: ping-pong failed: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

int floor_measure(const bench_script *s, double warm, double run, double *rate, char *msg)
{
    static floor_ctx f;
    memset(&f, 0, sizeof f);
    f.s = s;
    f.fd = -1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->req[i] == 0 || s->req[i] > 65536 || s->rep[i] == 0 || s->rep[i] > 65536) {
            snprintf(msg, BENCH_MSG, "floor: bad frame size in script");
            return -1;
        }
    }
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    f.listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (f.listen_fd < 0 || bind(f.listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(f.listen_fd, 1) != 0 ||
        getsockname(f.listen_fd, (struct sockaddr *)&a, &alen) != 0) {
        snprintf(msg, BENCH_MSG, "floor: listen on 127.0.0.1: %s", strerror(errno));
        if (f.listen_fd >= 0)
            close(f.listen_fd);
        return -1;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, floor_server, &f) != 0) {
        snprintf(msg, BENCH_MSG, "floor: cannot start the server thread");
        close(f.listen_fd);
        return -1;
    }
    bench_pin_thread((unsigned long)th, bench_cpu_server);
    int rc = -1;
    f.fd = socket(AF_INET, SOCK_STREAM, 0);
    if (f.fd < 0 || connect(f.fd, (struct sockaddr *)&a, sizeof a) != 0) {
        snprintf(msg, BENCH_MSG, "floor: connect to 127.0.0.1: %s", strerror(errno));
    } else {
        nodelay(f.fd);
        memset(f.buf, 0xA5, sizeof f.buf);
        rc = bench_measure(floor_op, &f, warm, run, 3, rate, msg);
    }
    if (f.fd >= 0) {
        shutdown(f.fd, SHUT_RDWR);
        close(f.fd);
    } else {
        shutdown(f.listen_fd, SHUT_RDWR); /* wakes accept() */
    }
    pthread_join(th, NULL);
    close(f.listen_fd);
    return rc;
}
