/* s7bench: the "raw" diagnostic (--raw): the least a client can do against the same server.
 * A hand-rolled connection (CR/CC, setup) replays the exact request frames s7kit's client
 * sent for one operation of a case (taken with its frame tap), keeping as many requests in
 * flight as s7kit may (the negotiated AmQ) in the pipelined cases and one otherwise, and
 * checks only the size of each reply.  No planning, no decoding, no copying: the gap
 * between s7kit and raw is the client's own cost; raw itself is bounded by the server and
 * the machine. */
#include "bench.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define RAW_BUF (1u << 20)

typedef struct raw {
    int fd;
    const bench_script *s;
    unsigned depth;
    size_t have; /* bytes in in[] */
    uint8_t *in, *out;
    size_t *off; /* offset of request frame i in s->wire */
} raw;

static int raw_connect(raw *x, const char *host, uint16_t port, uint16_t pdu, unsigned amq,
                       char *msg)
{
    char service[8];
    snprintf(service, sizeof service, "%u", (unsigned)port);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, service, &hints, &res) != 0 || !res) {
        snprintf(msg, BENCH_MSG, "raw: cannot resolve %s", host);
        return -1;
    }
    x->fd = socket(res->ai_family, SOCK_STREAM, 0);
    int ok = x->fd >= 0 && connect(x->fd, res->ai_addr, res->ai_addrlen) == 0;
    freeaddrinfo(res);
    if (!ok) {
        snprintf(msg, BENCH_MSG, "raw: connect: %s", strerror(errno));
        return -1;
    }
    int one = 1;
    setsockopt(x->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

    /* COTP CR: TPDU size 1024, calling TSAP 0x0100, called 0x0101 (PG, rack 0, slot 1). */
    static const uint8_t cr[] = {3,    0, 0,    22,   17, 0xE0, 0, 0,    0, 1, 0,
                                 0xC0, 1, 0x0A, 0xC1, 2,  1,    0, 0xC2, 2, 1, 1};
    uint8_t setup[] = {3,
                       0,
                       0,
                       25,
                       2,
                       0xF0,
                       0x80,
                       0x32,
                       1,
                       0,
                       0,
                       0,
                       0,
                       0,
                       8,
                       0,
                       0,
                       0xF0,
                       0,
                       (uint8_t)(amq >> 8),
                       (uint8_t)amq,
                       (uint8_t)(amq >> 8),
                       (uint8_t)amq,
                       (uint8_t)(pdu >> 8),
                       (uint8_t)pdu};
    int n;
    if (bench_send_all(x->fd, cr, sizeof cr) != 0 ||
        (n = bench_read_frame(x->fd, x->in, RAW_BUF)) < 6 || x->in[5] != 0xD0) {
        snprintf(msg, BENCH_MSG, "raw: no COTP CC");
        return -1;
    }
    if (bench_send_all(x->fd, setup, sizeof setup) != 0 ||
        (n = bench_read_frame(x->fd, x->in, RAW_BUF)) < 27 || x->in[8] != 3 || x->in[17] != 0 ||
        x->in[18] != 0) {
        snprintf(msg, BENCH_MSG, "raw: setup communication failed");
        return -1;
    }
    unsigned amq_called = ((unsigned)x->in[23] << 8) | x->in[24];
    if (amq_called < x->depth)
        x->depth = amq_called ? amq_called : 1;
    return 0;
}

/* Count the whole reply frames at the start of in[]; checks each size against the script
 * (reply i of the operation is s->rep[(*done + k) % n]); consumes them. */
static int take_replies(raw *x, size_t *done, size_t *took, char *msg)
{
    size_t pos = 0;
    *took = 0;
    while (x->have - pos >= 4) {
        size_t len = ((size_t)x->in[pos + 2] << 8) | x->in[pos + 3];
        if (x->in[pos] != 3 || len < 7) {
            snprintf(msg, BENCH_MSG, "raw: bad TPKT in a reply");
            return -1;
        }
        if (x->have - pos < len)
            break;
        size_t want = x->s->rep[*done % x->s->n];
        if (len != want) {
            snprintf(msg, BENCH_MSG, "raw: reply of %zu bytes, expected %zu", len, want);
            return -1;
        }
        pos += len;
        (*done)++;
        (*took)++;
    }
    memmove(x->in, x->in + pos, x->have - pos);
    x->have -= pos;
    return 0;
}

static int recv_some(raw *x, char *msg)
{
    for (;;) {
        ssize_t r = recv(x->fd, x->in + x->have, RAW_BUF - x->have, 0);
        if (r > 0) {
            x->have += (size_t)r;
            return 0;
        }
        if (r < 0 && errno == EINTR)
            continue;
        snprintf(msg, BENCH_MSG, "raw: connection lost: %s", r == 0 ? "closed" : strerror(errno));
        return -1;
    }
}

/* Queue requests [from, to) of the script into one send. */
static int send_range(raw *x, size_t from, size_t to)
{
    size_t len = 0;
    for (size_t i = from; i < to; i++) {
        size_t k = i % x->s->n;
        memcpy(x->out + len, x->s->wire + x->off[k], x->s->req[k]);
        len += x->s->req[k];
    }
    return bench_send_all(x->fd, x->out, len);
}

/* One operation: the whole script, up to depth requests in flight. */
static int raw_op(void *ctx, char *msg)
{
    raw *x = ctx;
    size_t n = x->s->n, sent = 0, done = 0, took;
    while (done < n) {
        size_t to = done + x->depth < n ? done + x->depth : n;
        if (sent < to) {
            if (send_range(x, sent, to) != 0) {
                snprintf(msg, BENCH_MSG, "raw: send: %s", strerror(errno));
                return -1;
            }
            sent = to;
        }
        if (recv_some(x, msg) != 0 || take_replies(x, &done, &took, msg) != 0)
            return -1;
    }
    if (x->have != 0) {
        snprintf(msg, BENCH_MSG, "raw: unexpected bytes after the last reply");
        return -1;
    }
    return 0;
}

/* Case b: single-request operations, depth of them always in flight, for dur seconds.
 * Returns the rate over the replies taken. */
static int raw_stream(raw *x, double dur, double *rate, char *msg)
{
    size_t done = 0, took;
    unsigned long n = 0;
    if (send_range(x, 0, x->depth) != 0) {
        snprintf(msg, BENCH_MSG, "raw: send: %s", strerror(errno));
        return -1;
    }
    size_t inflight = x->depth;
    double start = bench_now(), now = start;
    while (now - start < dur) {
        if (recv_some(x, msg) != 0 || take_replies(x, &done, &took, msg) != 0)
            return -1;
        now = bench_now();
        n += took;
        if (took > 0 && send_range(x, 0, took) != 0) {
            snprintf(msg, BENCH_MSG, "raw: send: %s", strerror(errno));
            return -1;
        }
    }
    *rate = (double)n / (now - start);
    /* drain what is still in flight */
    size_t left = inflight;
    while (left > 0) {
        if (take_replies(x, &done, &took, msg) != 0)
            return -1;
        left = took > left ? 0 : left - took;
        if (left > 0 && recv_some(x, msg) != 0)
            return -1;
    }
    return 0;
}

int raw_measure(const char *host, uint16_t port, uint16_t pdu, const bench_script *s,
                unsigned depth, int stream, double warm, double run, double *rate, char *msg)
{
    if (s->n == 0 || !s->wire || (stream && s->n != 1)) {
        snprintf(msg, BENCH_MSG, "raw: no recorded request frames");
        return -1;
    }
    raw x;
    memset(&x, 0, sizeof x);
    x.fd = -1;
    x.s = s;
    x.depth = depth ? depth : 1;
    x.in = malloc(RAW_BUF);
    x.out = malloc(RAW_BUF);
    x.off = malloc(s->n * sizeof *x.off);
    int rc = -1;
    if (!x.in || !x.out || !x.off) {
        snprintf(msg, BENCH_MSG, "raw: out of memory");
        goto done;
    }
    size_t total = 0;
    for (size_t i = 0; i < s->n; i++) {
        x.off[i] = total;
        total += s->req[i];
    }
    if (total > s->wire_len || (size_t)x.depth * total > RAW_BUF) {
        snprintf(msg, BENCH_MSG, "raw: recorded frames do not add up");
        goto done;
    }
    if (raw_connect(&x, host, port, pdu, depth < 8 ? 8 : depth, msg) != 0)
        goto done;
    if (stream) {
        double ignore;
        rc = raw_stream(&x, warm, &ignore, msg);
        if (rc == 0)
            rc = raw_stream(&x, run, rate, msg);
    } else {
        rc = bench_measure(raw_op, &x, warm, run, 3, rate, msg);
    }
done:
    if (x.fd >= 0)
        close(x.fd);
    free(x.in);
    free(x.out);
    free(x.off);
    return rc;
}
