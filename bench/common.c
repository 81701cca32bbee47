/* s7bench: the pieces every side shares: the DB1 pattern, the tag offsets, the clock, the
 * timed loop, sending on a socket and the frame scripts the floor replays. */
#include "bench.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

uint8_t bench_db[BENCH_DB_LEN];

uint8_t bench_pattern(uint32_t i)
{
    uint32_t x = (i + 1u) * 2654435761u;
    return (uint8_t)(x >> 24);
}

uint32_t bench_multi_off(uint32_t i)
{
    /* 20 tags spread over the whole DB, 3268 bytes apart: nothing to merge. */
    return (i * 3271u) & ~3u;
}

uint32_t bench_cycle_off(uint32_t i)
{
    return (i * BENCH_CYCLE_STEP) % (BENCH_DB_LEN + 1u - BENCH_TAG_LEN);
}

double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int bench_send_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int bench_read_frame(int fd, uint8_t *buf, size_t cap)
{
    size_t got = 0, need = 4;
    while (got < need) {
        ssize_t r = recv(fd, buf + got, need - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
        if (got == 4) {
            need = ((size_t)buf[2] << 8) | buf[3];
            if (buf[0] != 3 || need < 7 || need > cap)
                return -1;
        }
    }
    return (int)need;
}

int bench_measure(bench_op_fn op, void *ctx, double warm, double run, unsigned min_ops,
                  double *rate, char *msg)
{
    double t0 = bench_now();
    do {
        if (op(ctx, msg) != 0)
            return -1;
    } while (bench_now() - t0 < warm);

    unsigned long n = 0;
    double start = bench_now(), now = start;
    while (now - start < run || n < min_ops) {
        if (op(ctx, msg) != 0)
            return -1;
        n++;
        now = bench_now();
    }
    *rate = (double)n / (now - start);
    return 0;
}

int bench_cpu_read(bench_cpu *c)
{
    memset(c, 0, sizeof *c);
    FILE *f = fopen("/proc/stat", "r");
    if (!f)
        return -1;
    unsigned long long v[8] = {0};
    int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                   &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n < 4)
        return -1;
    for (int i = 0; i < 8; i++)
        c->total += v[i];
    c->busy = c->total - v[3] - v[4]; /* less idle and iowait */

    f = fopen("/proc/self/stat", "r");
    if (!f)
        return -1;
    char buf[1024];
    size_t len = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[len] = 0;
    /* fields after the ")" that ends the command name: state is field 3, utime 14, stime 15 */
    const char *p = strrchr(buf, ')');
    unsigned long long ut = 0, st = 0;
    if (!p ||
        sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
        return -1;
    c->self = ut + st;
    return 0;
}

double bench_cpu_others(const bench_cpu *a, const bench_cpu *b)
{
    if (b->total <= a->total)
        return -1;
    double busy = (double)(b->busy - a->busy) - (double)(b->self - a->self);
    double share = busy / (double)(b->total - a->total);
    return share < 0 ? 0 : share;
}

int bench_script_add(bench_script *s, uint32_t req, uint32_t rep)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint32_t *a = realloc(s->req, cap * sizeof *a);
        if (!a)
            return -1;
        s->req = a;
        uint32_t *b = realloc(s->rep, cap * sizeof *b);
        if (!b)
            return -1;
        s->rep = b;
        s->cap = cap;
    }
    s->req[s->n] = req;
    s->rep[s->n] = rep;
    s->n++;
    return 0;
}

int bench_script_add_wire(bench_script *s, const uint8_t *frame, size_t len)
{
    if (s->wire_len + len > s->wire_cap) {
        size_t cap = s->wire_cap ? s->wire_cap : 4096;
        while (cap < s->wire_len + len)
            cap *= 2;
        uint8_t *w = realloc(s->wire, cap);
        if (!w)
            return -1;
        s->wire = w;
        s->wire_cap = cap;
    }
    memcpy(s->wire + s->wire_len, frame, len);
    s->wire_len += len;
    return 0;
}

void bench_script_clear(bench_script *s)
{
    s->n = 0;
    s->wire_len = 0;
}

void bench_script_free(bench_script *s)
{
    free(s->req);
    free(s->rep);
    free(s->wire);
    memset(s, 0, sizeof *s);
}

/* Frame sizes: TPKT+COTP DT 7, request header 10, reply header 12, read parameter 2,
 * 12 per request item, 4 + data (+ fill when odd and not last) per reply item. */
enum { ISO = 7, REQ_HDR = 10, REP_HDR = 12, RD_PARAM = 2, REQ_ITEM = 12, REP_ITEM = 4 };

static uint32_t read_req(uint32_t items) { return ISO + REQ_HDR + RD_PARAM + REQ_ITEM * items; }

int bench_script_snap7(bench_script *s, enum bench_case k, int pdu)
{
    bench_script_clear(s);
    uint32_t multi_rep =
        ISO + REP_HDR + RD_PARAM + BENCH_SNAP7_MAXVARS * (REP_ITEM + BENCH_TAG_LEN);
    switch (k) {
    case CASE_A:
    case CASE_B:
        return bench_script_add(s, read_req(1),
                                ISO + REP_HDR + RD_PARAM + REP_ITEM + BENCH_TAG_LEN);
    case CASE_C: return bench_script_add(s, read_req(BENCH_MULTI_N), multi_rep);
    case CASE_D: {
        uint32_t chunk = (uint32_t)pdu - REP_HDR - RD_PARAM - REP_ITEM;
        for (uint32_t off = 0; off < BENCH_DB_LEN; off += chunk) {
            uint32_t len = BENCH_DB_LEN - off < chunk ? BENCH_DB_LEN - off : chunk;
            if (bench_script_add(s, read_req(1), ISO + REP_HDR + RD_PARAM + REP_ITEM + len) != 0)
                return -1;
        }
        return 0;
    }
    case CASE_E:
        for (uint32_t i = 0; i < BENCH_CYCLE_N / BENCH_SNAP7_MAXVARS; i++)
            if (bench_script_add(s, read_req(BENCH_SNAP7_MAXVARS), multi_rep) != 0)
                return -1;
        return 0;
    default: return -1;
    }
}
