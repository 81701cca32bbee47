/* s7xbench: the exchange engine of `s7 exchange` (libs7's bridge, exchange_bridge.h) against
 * the way Snap7 applications do the same work (one Snap7 client per CPU), measured in one run
 * against the same CPU emulators, printed side by side with ratios.  A benchmark, not a test:
 * it prints figures and fails only when a transfer fails.
 *
 *   a. tags: N emulated CPUs (default 100), each with T scattered 4-byte tags (default 100)
 *      copied every C ms (default 100) from DB1 to DB2 of the same CPU: the bridge runs one
 *      job of T tags per CPU (its client packs them into PDUs; all CPUs on this one thread);
 *      Snap7 runs one client per CPU in its own thread, ReadMultiVars then WriteMultiVars of
 *      20 items at a time (Snap7's limit).  Figure: CPU time of this process (getrusage) per
 *      second of work, as % of one core; the CPU emulators run in a child process and are
 *      not counted.
 *   b. a GET job between two emulated CPUs (the case): CPU A, an emulated CPU in
 *      this process with its server and its GET job (s7_xengine, as `s7 server --job` runs
 *      it), reads DB1.DBD0 of CPU B; CPU B is an emulated CPU served alone by a child
 *      process (the loop of `s7 server`).  Latency p50/p99 of each run as the job reports it
 *      (from its request to its reply), against the loopback floor (the very request and
 *      reply bytes of that read as a TCP ping-pong between this process and a child
 *      process; and the same with each end waiting as an event loop does, in poll /
 *      epoll_wait before its read), s7kit's blocking client and a Snap7 client
 *      (Cli_DBRead) doing the same read, and the floor's requesting end against CPU B (how
 *      much of the distance is the answering server's).  Every side has its own answering
 *      process, and the sides take turns operation by operation, one operation every
 *      --period ms (b_round), so that every operation follows the same idle gap and every
 *      side is sampled over the same span.  Quantiles are exact (sorted samples of all
 *      rounds); CPU time of this process per operation beside them.
 *
 * Rounds (--rounds N, default 5): in case a the sides take turns, each measured --time
 * seconds per turn (bridge, Snap7, floor, bridge, ...), so a busy moment of a shared machine
 * lands on one round of each side rather than on one whole side; a figure is the median of
 * its side's rounds (the mean of the middle two for an even count) and a ratio the ratio of
 * those medians.  In case b a round gives each side --time seconds' worth of operations.
 * Beside each ratio the lowest..highest of the same ratio taken within each round.
 *
 * The CPU emulators are s7kit's (s7 server's engine): in case a a child process serving them
 * all from one thread.  Options: --cpus N --tags N --cycle MS (case a) --period MS (case b: one
 * operation every MS, the sides in turn, default 10) --time S --rounds N --cases ab --markdown
 * --verbose (every round's figures before each table) --engine-only (case a: the engine's
 * side alone, each round's CPU and its runs since its start; for a profiler and
 * cachelines.sh, not a comparison). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "s7/client.h"
#include "s7/cpu.h"
#include "s7/exchange.h"
#include "s7/exchange_bridge.h"
#include "xpeers.h"
#include "s7/server.h"
#include "snap7_peer.h"

#define DB_LEN 1024u
#define TAG_STEP 8u /* tag i of a CPU at DBi*8 (scattered: a gap after each) */
#define SNAP7_VARS 20u

#define MAX_ROUNDS 100

static int n_cpus = 100, n_tags = 100, cycle_ms = 100, markdown = 0, n_rounds = 5, verbose = 0;
static int engine_only = 0; /* case a: the engine's side alone (profiling, cachelines.sh) */
static double run_s = 5.0;
static int b_cycle_ms = 10; /* case b: one operation every this many ms, the sides in turn */

/* Sleep until a period of case b after t (its sides take turns a period apart, so each
 * pays the same wake-up costs of an idle machine); returns that time. */
static double next_period(double t)
{
    double next = t + b_cycle_ms / 1000.0, wait;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    wait = next - ((double)now.tv_sec + now.tv_nsec / 1e9);
    if (wait > 0) {
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        nanosleep(&ts, NULL);
    }
    return next;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

/* The user-space part of cpu_s(). */
static double user_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
}

static void die(const char *fmt, const char *a)
{
    fprintf(stderr, "s7xbench: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[0..n-1] (the mean of the middle two for an even n; v is left as it was). */
static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    if (n <= 0)
        return 0;
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* "lo..hix": the lowest and highest of num[r] / den[r] over the rounds whose den is > 0, with
 * prec decimals. */
static void spread(char *out, size_t len, int prec, const double *num, const double *den, int n)
{
    double lo = 0, hi = 0;
    int k = 0;
    for (int r = 0; r < n; r++) {
        if (den[r] <= 0)
            continue;
        double q = num[r] / den[r];
        if (!k++ || q < lo)
            lo = q;
        if (k == 1 || q > hi)
            hi = q;
    }
    if (k)
        snprintf(out, len, "%.*fx..%.*fx", prec, lo, prec, hi);
    else
        snprintf(out, len, "-");
}

/* ---------------------------------------------------------------- the CPU farm (child) */

static pid_t farm_pid;
static uint16_t *farm_ports;

static void farm_run(int n, int wfd)
{
    s7_cpu **cpu = calloc((size_t)n, sizeof *cpu);
    s7_server **srv = calloc((size_t)n, sizeof *srv);
    struct pollfd *pfd = calloc((size_t)n, sizeof *pfd);
    if (!cpu || !srv || !pfd)
        _exit(1);
    for (int i = 0; i < n; i++) {
        srv[i] = emu_cpu_start(1, DB_LEN, &cpu[i]);
        if (!srv[i])
            _exit(1);
        s7_cpu_add_db(cpu[i], 2, DB_LEN, 0);
        uint8_t *m = s7_cpu_mem(cpu[i], S7_AREA_DB, 1, NULL);
        for (uint32_t k = 0; k < DB_LEN; k++)
            m[k] = (uint8_t)(k * 7 + (uint32_t)i);
        uint16_t port = s7_server_port(srv[i]);
        if (write(wfd, &port, sizeof port) != (ssize_t)sizeof port)
            _exit(1);
        pfd[i].fd = s7_server_fd(srv[i]);
        pfd[i].events = POLLIN;
    }
    close(wfd);
    if (n == 1) /* one CPU: the loop `s7 server` runs */
        for (;;) {
            if (s7_server_run_once(srv[0], 1000) < 0 || getppid() == 1)
                _exit(0);
        }
    for (;;) {
        if (poll(pfd, (nfds_t)n, 1000) < 0 && errno != EINTR)
            _exit(1);
        for (int i = 0; i < n; i++)
            if (pfd[i].revents)
                s7_server_run_once(srv[i], 0);
        if (getppid() == 1)
            _exit(0);
    }
}

/* n CPU emulators served from one child process; their ports into ports. */
static pid_t farm_start(int n, uint16_t *ports)
{
    int p[2];
    if (pipe(p))
        die("%s", "pipe failed");
    pid_t pid = fork();
    if (pid < 0)
        die("%s", "fork failed");
    if (pid == 0) {
        close(p[0]);
        farm_run(n, p[1]);
        _exit(0);
    }
    close(p[1]);
    for (int i = 0; i < n; i++)
        if (read(p[0], &ports[i], sizeof ports[i]) != (ssize_t)sizeof ports[i])
            die("%s", "the CPU emulators did not start");
    close(p[0]);
    return pid;
}

static void farm_stop(pid_t *pid)
{
    if (*pid > 0) {
        kill(*pid, SIGTERM);
        waitpid(*pid, NULL, 0);
        *pid = 0;
    }
}

/* ---------------------------------------------------------------- a. tags */

typedef struct side {
    double cpu_pct;  /* % of one core */
    double user_pct; /* of which in user space */
    double tags_s;   /* tags copied per second */
    unsigned long errors;
    unsigned long long runs; /* the engine's: jobs run fine since its start (warm-up too) */
} side;

/* The tags of case a: n_tags DWORDs at every TAG_STEP bytes of DB1 (from) and DB2 (to). */
static void case_a_tags(s7_tag *from, s7_tag *to)
{
    for (int t = 0; t < n_tags; t++) {
        from[t].area = to[t].area = S7_AREA_DB;
        from[t].db = 1;
        to[t].db = 2;
        from[t].byte = to[t].byte = (uint32_t)t * TAG_STEP;
        from[t].type = to[t].type = S7_T_DWORD;
        from[t].count = to[t].count = 1;
    }
}

static int wr(int fd, const uint8_t *p, size_t n);

static void case_a_bridge(side *out)
{
    s7_bridge_opts bo;
    s7_bridge_opts_init(&bo);
    s7_bridge *b = s7_bridge_new(&bo);
    s7_tag *from = calloc((size_t)n_tags, sizeof *from), *to = calloc((size_t)n_tags, sizeof *to);
    char name[32], err[256];
    case_a_tags(from, to);
    for (int i = 0; i < n_cpus; i++) {
        snprintf(name, sizeof name, "cpu%d", i);
        s7_bridge_add_partner(b, name, "127.0.0.1", farm_ports[i], NULL);
        s7_bridge_job j;
        memset(&j, 0, sizeof j);
        snprintf(name, sizeof name, "job%d", i);
        j.name = name;
        j.src = j.dst = i;
        j.n = (size_t)n_tags;
        j.from = from;
        j.to = to;
        j.mode = S7_BRIDGE_CYCLIC;
        j.cycle_ms = cycle_ms;
        if (s7_bridge_add_job(b, &j, err, sizeof err) < 0)
            die("%s", err);
    }
    /* warm up: every CPU connected and a few cycles done */
    double t0 = now_s();
    while (now_s() - t0 < 1.5)
        s7_bridge_run(b, 50);
    uint64_t ok0 = 0, err0 = 0, ok1 = 0, err1 = 0;
    s7_bridge_job_stats st;
    for (int i = 0; i < n_cpus; i++) {
        s7_bridge_job_stat(b, (size_t)i, &st);
        ok0 += st.ok;
        err0 += st.err;
    }
    double c0 = cpu_s(), u0 = user_s(), w0 = now_s();
    while (now_s() - w0 < run_s)
        s7_bridge_run(b, 50);
    double c1 = cpu_s(), u1 = user_s(), w1 = now_s();
    out->user_pct = 100.0 * (u1 - u0) / (w1 - w0);
    for (int i = 0; i < n_cpus; i++) {
        s7_bridge_job_stat(b, (size_t)i, &st);
        ok1 += st.ok;
        err1 += st.err;
    }
    out->cpu_pct = 100.0 * (c1 - c0) / (w1 - w0);
    out->tags_s = (double)(ok1 - ok0) * n_tags / (w1 - w0);
    out->errors = (unsigned long)(err1 - err0);
    out->runs = ok1;
    s7_bridge_free(b);
    free(from);
    free(to);
}

typedef struct s7cli_thread {
    pthread_t th;
    int idx;
    volatile int *stop;
    unsigned long runs, errors;
} s7cli_thread;

static void *snap7_worker(void *arg)
{
    s7cli_thread *t = arg;
    snap7_cli *c = NULL;
    if (snap7_cli_connect("127.0.0.1", farm_ports[t->idx], 960, &c) != 0) {
        t->errors++;
        return NULL;
    }
    uint32_t starts[SNAP7_VARS], lens[SNAP7_VARS];
    uint8_t vals[SNAP7_VARS][4];
    uint8_t *bufs[SNAP7_VARS];
    for (unsigned k = 0; k < SNAP7_VARS; k++)
        bufs[k] = vals[k];
    double next = now_s();
    while (!*t->stop) {
        for (int base = 0; base < n_tags; base += (int)SNAP7_VARS) {
            unsigned n =
                (unsigned)(n_tags - base < (int)SNAP7_VARS ? n_tags - base : (int)SNAP7_VARS);
            for (unsigned k = 0; k < n; k++) {
                starts[k] = (uint32_t)(base + (int)k) * TAG_STEP;
                lens[k] = 4;
            }
            int bad;
            if (snap7_cli_read_multi(c, 1, n, starts, lens, bufs, &bad) != 0 ||
                snap7_cli_write_multi(c, 2, n, starts, lens, bufs, &bad) != 0)
                t->errors++;
        }
        t->runs++;
        next += cycle_ms / 1000.0;
        double wait = next - now_s();
        if (wait > 0) {
            struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
            nanosleep(&ts, NULL);
        } else {
            next = now_s();
        }
    }
    snap7_cli_free(c);
    return NULL;
}

static void case_a_snap7(side *out)
{
    volatile int stop = 0;
    s7cli_thread *t = calloc((size_t)n_cpus, sizeof *t);
    for (int i = 0; i < n_cpus; i++) {
        t[i].idx = i;
        t[i].stop = &stop;
        if (pthread_create(&t[i].th, NULL, snap7_worker, &t[i]))
            die("%s", "pthread_create failed");
    }
    struct timespec warm = {1, 500000000};
    nanosleep(&warm, NULL);
    unsigned long r0 = 0, r1 = 0, e = 0;
    for (int i = 0; i < n_cpus; i++)
        r0 += t[i].runs;
    double c0 = cpu_s(), u0 = user_s(), w0 = now_s();
    while (now_s() - w0 < run_s) {
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    double c1 = cpu_s(), u1 = user_s(), w1 = now_s();
    out->user_pct = 100.0 * (u1 - u0) / (w1 - w0);
    for (int i = 0; i < n_cpus; i++)
        r1 += t[i].runs;
    stop = 1;
    for (int i = 0; i < n_cpus; i++) {
        pthread_join(t[i].th, NULL);
        e += t[i].errors;
    }
    out->cpu_pct = 100.0 * (c1 - c0) / (w1 - w0);
    out->tags_s = (double)(r1 - r0) * n_tags / (w1 - w0);
    out->errors = e;
    free(t);
}

/* The floor of case a: the very request and reply bytes of one CPU's cycle (its read, then
 * its write, as the bridge's client sends them: recorded once with a frame tap), sent to
 * every CPU by one thread waiting in epoll, with no S7 work at all (no planning, encoding or
 * decoding: only the bytes counted).  What the engine spends above it is its own work. */
typedef struct opbytes {
    uint8_t req[16384];
    size_t req_len, rep_len;
} opbytes;

static opbytes *rec_cur;

static void rec_tap(void *ctx, int out, const uint8_t *frame, size_t len)
{
    (void)ctx;
    if (!rec_cur)
        return;
    if (!out) {
        rec_cur->rep_len += len;
    } else if (rec_cur->req_len + len <= sizeof rec_cur->req) {
        memcpy(rec_cur->req + rec_cur->req_len, frame, len);
        rec_cur->req_len += len;
    } else {
        die("%s", "a: a cycle's requests are larger than the floor's buffer");
    }
}

typedef struct floor_cpu {
    s7_client *c;
    int fd, phase; /* 0 idle, 1 the read under way, 2 the write */
    size_t got;
} floor_cpu;

static void floor_send(const floor_cpu *k, const opbytes *op)
{
    if (wr(k->fd, op->req, op->req_len))
        die("%s", "a: floor: send failed");
}

static void case_a_floor(side *out)
{
    static opbytes rd_op, wr_op;
    s7_tag *from = calloc((size_t)n_tags, sizeof *from), *to = calloc((size_t)n_tags, sizeof *to);
    s7_item *ri = calloc((size_t)n_tags, sizeof *ri), *wi = calloc((size_t)n_tags, sizeof *wi);
    uint8_t *vals = calloc((size_t)n_tags, 4);
    floor_cpu *k = calloc((size_t)n_cpus, sizeof *k);
    if (!from || !to || !ri || !wi || !vals || !k)
        die("%s", "out of memory");
    case_a_tags(from, to);
    for (int t = 0; t < n_tags; t++) {
        s7_item_from_tag(&ri[t], &from[t], vals + 4 * t);
        s7_item_from_tag(&wi[t], &to[t], vals + 4 * t);
    }
    /* the bytes of one cycle, from a client with the bridge's settings (the defaults) */
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.tap = rec_tap;
    s7_client *rec = s7_client_new(&co);
    memset(&rd_op, 0, sizeof rd_op);
    memset(&wr_op, 0, sizeof wr_op);
    if (s7_client_connect(rec, "127.0.0.1", farm_ports[0]))
        die("%s", "a: floor: connect failed");
    rec_cur = &rd_op;
    int rc = s7_client_read(rec, ri, (size_t)n_tags);
    rec_cur = &wr_op;
    rc = rc ? rc : s7_client_write(rec, wi, (size_t)n_tags);
    rec_cur = NULL;
    s7_client_free(rec);
    if (rc || !rd_op.rep_len || !wr_op.rep_len)
        die("%s", "a: floor: could not record a cycle's bytes");

    int ep = epoll_create1(0);
    s7_client_opts_init(&co);
    for (int i = 0; i < n_cpus; i++) {
        k[i].c = s7_client_new(&co);
        if (!k[i].c || s7_client_connect(k[i].c, "127.0.0.1", farm_ports[i]))
            die("%s", "a: floor: connect failed");
        k[i].fd = s7_client_fd(k[i].c);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, k[i].fd, &ev))
            die("%s", "a: floor: epoll_ctl failed");
    }
    static uint8_t buf[65536];
    struct epoll_event ev[64];
    unsigned long cycles = 0, c_at0 = 0;
    double t0 = now_s(), due = t0, w0 = t0 + 1.5, end = w0 + run_s, c0 = 0, u0 = 0;
    int measuring = 0;
    for (;;) {
        double now = now_s();
        if (!measuring && now >= w0) {
            measuring = 1;
            c0 = cpu_s();
            u0 = user_s();
            w0 = now;
            end = w0 + run_s;
            c_at0 = cycles;
        }
        if (now >= end)
            break;
        if (now >= due) {
            for (int i = 0; i < n_cpus; i++)
                if (k[i].phase == 0) {
                    k[i].phase = 1;
                    k[i].got = 0;
                    floor_send(&k[i], &rd_op);
                }
            due += cycle_ms / 1000.0;
            if (due <= now)
                due = now + cycle_ms / 1000.0;
        }
        double wait = due < end ? due - now_s() : end - now_s();
        int n = epoll_wait(ep, ev, 64, wait > 0 ? (int)(wait * 1000.0) + 1 : 0);
        for (int e = 0; e < n; e++) {
            floor_cpu *q = &k[ev[e].data.u32];
            ssize_t r = recv(q->fd, buf, sizeof buf, MSG_DONTWAIT);
            if (r <= 0) {
                if (r < 0 && errno == EAGAIN)
                    continue;
                die("%s", "a: floor: a CPU closed the connection");
            }
            q->got += (size_t)r;
            if (q->phase == 1 && q->got >= rd_op.rep_len) {
                q->got -= rd_op.rep_len;
                q->phase = 2;
                floor_send(q, &wr_op);
            }
            if (q->phase == 2 && q->got >= wr_op.rep_len) {
                q->got -= wr_op.rep_len;
                q->phase = 0;
                cycles++;
            }
        }
    }
    double c1 = cpu_s(), u1 = user_s(), w1 = now_s();
    out->cpu_pct = 100.0 * (c1 - c0) / (w1 - w0);
    out->user_pct = 100.0 * (u1 - u0) / (w1 - w0);
    out->tags_s = (double)(cycles - c_at0) * n_tags / (w1 - w0);
    out->errors = 0;
    for (int i = 0; i < n_cpus; i++)
        s7_client_free(k[i].c);
    close(ep);
    free(k);
    free(vals);
    free(wi);
    free(ri);
    free(to);
    free(from);
}

/* ---------------------------------------------------------------- b. latency */

/* Exact latency samples (the bridge's histogram buckets are 12.5 % wide: too coarse for a
 * 1.1x goal). */
typedef struct samples {
    uint32_t *v;
    size_t n, cap;
    double cpu_s; /* CPU time of this process while they were taken */
} samples;

static void sample_add(samples *s, uint32_t us)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->v = realloc(s->v, s->cap * sizeof *s->v);
        if (!s->v)
            die("%s", "out of memory");
    }
    s->v[s->n++] = us;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

typedef struct lat {
    uint32_t p50, p99;
    size_t n;
    double cpu_us; /* CPU of this process per operation */
} lat;

static lat of(samples *s)
{
    lat l = {0, 0, s->n, 0};
    if (s->n) {
        qsort(s->v, s->n, sizeof *s->v, cmp_u32);
        l.p50 = s->v[(s->n - 1) / 2];
        l.p99 = s->v[(size_t)((double)(s->n - 1) * 0.99)];
        l.cpu_us = s->cpu_s * 1e6 / (double)s->n;
    }
    free(s->v);
    memset(s, 0, sizeof *s);
    return l;
}

/* The request and the reply of one read, as whole frames (TPKT + COTP + S7 PDU). */
typedef struct frames {
    uint8_t req[512], rep[512];
    size_t req_len, rep_len;
    int got_req;
} frames;

static void tap(void *ctx, int out, const uint8_t *frame, size_t len)
{
    frames *f = ctx;
    if (len > sizeof f->req)
        return;
    if (out) {
        memcpy(f->req, frame, len);
        f->req_len = len;
        f->got_req = 1;
        f->rep_len = 0;
    } else if (f->got_req) {
        memcpy(f->rep, frame, len);
        f->rep_len = len;
        f->got_req = 0;
    }
}

static int rd(int fd, uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = read(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

static int wr(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t r = write(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* Wait until fd is readable: in poll (the requesting side) or epoll_wait (the answering
 * side, as the server's loop does); evloop 0: not at all (the blocking read waits). */
static void evwait(int evloop, int fd, int ep)
{
    if (evloop && ep >= 0) {
        struct epoll_event ev;
        epoll_wait(ep, &ev, 1, 1000);
    } else if (evloop) {
        struct pollfd p = {fd, POLLIN, 0};
        poll(&p, 1, 1000);
    }
}

/* One operation of a case b side (0 or -1); ctx is the side's own. */
typedef int (*op_fn)(void *ctx);

/* The requesting end of a ping-pong: f's request written to fd, its reply read back, waiting
 * as an event loop does first when evloop. */
typedef struct pingpong {
    const frames *f;
    int fd, evloop;
    pid_t pid; /* the answering child of a floor, or 0 */
} pingpong;

static int pingpong_op(void *ctx)
{
    pingpong *pp = ctx;
    uint8_t buf[512];
    if (wr(pp->fd, pp->f->req, pp->f->req_len))
        return -1;
    evwait(pp->evloop, pp->fd, -1);
    return rd(pp->fd, buf, pp->f->rep_len);
}

/* The floor: f's request and reply bytes as a TCP ping-pong over 127.0.0.1 between this
 * process and a child process that answers every request with the reply (no S7 work at
 * all).  evloop: each end waits as an event loop does (poll / epoll_wait, then the read)
 * instead of in a blocking read. */
static void floor_open(const frames *f, int evloop, pingpong *pp)
{
    uint16_t port;
    int ls = loopback_listen(&port), one = 1;
    if (ls < 0)
        die("%s", "floor: no socket");
    pid_t pid = fork();
    if (pid < 0)
        die("%s", "floor: fork failed");
    if (pid == 0) { /* the answering side */
        int sfd = accept(ls, NULL, NULL), ep = epoll_create1(0);
        struct epoll_event ev = {.events = EPOLLIN};
        uint8_t buf[512];
        setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sfd, &ev))
            _exit(1);
        for (;;) {
            evwait(evloop, sfd, ep);
            if (rd(sfd, buf, f->req_len) || wr(sfd, f->rep, f->rep_len))
                break;
        }
        _exit(0);
    }
    close(ls);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c, (struct sockaddr *)&a, sizeof a))
        die("%s", "floor: connect failed");
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pp->f = f;
    pp->fd = c;
    pp->evloop = evloop;
    pp->pid = pid;
}

static void floor_close(pingpong *pp)
{
    close(pp->fd);
    waitpid(pp->pid, NULL, 0);
}

/* The GET job of an emulated CPU (s7kit's s7_xengine with the CPU's own server, as `s7
 * server --job` runs it): CPU A GETs DB1.DBD0 of CPU B (port) into its DB2.DBD0, cyclic
 * every every_ms, NDR and STATUS in DB2.  A run's latency is the job's own figure
 * (s7_xjob_state.last_us: from the job's start, the request, to its reply; the program
 * sees NDR at the CPU's next scan, as on a real CPU). */
typedef struct jobside {
    s7_cpu *cpu;
    s7_server *srv;
    s7_exchange x;
    s7_xengine *e;
    uint64_t runs;
    uint32_t last_us; /* of the last run that succeeded */
    double req_t;     /* now_s() of its request, about */
} jobside;

static void job_open(jobside *j, uint16_t port, int every_ms)
{
    memset(j, 0, sizeof *j);
    j->srv = emu_cpu_start(2, 64, &j->cpu);
    if (!j->srv)
        die("%s", "b: the emulated CPU A did not start");
    s7_exchange_init(&j->x);
    char line[256], err[256];
    snprintf(
        line, sizeof line,
        "get 127.0.0.1:%u DB1.DBD0 every %dms into DB2.DBD0 --ndr DB2.DBX4.0 --status DB2.DBW6",
        (unsigned)port, every_ms);
    if (s7_exchange_parse_job(&j->x, line, "bench", err, sizeof err) < 0)
        die("%s", err);
    j->e = s7_xengine_new(j->cpu, j->srv, &j->x, NULL);
    if (!j->e || s7_xengine_start(j->e) < 0)
        die("%s", "b: the GET job did not start");
}

/* The engine's loop (s7_xengine_run_once, as `s7 server --job` runs it) until the job's next
 * run is done: 0 when it succeeded (its latency in j->last_us), 1 when it failed. */
static int job_op(void *ctx)
{
    jobside *j = ctx;
    s7_xjob_state st;
    double prev = 0, t = now_s();
    for (;;) {
        s7_xengine_run_once(j->e, 1000);
        prev = t;
        t = now_s();
        s7_xengine_state(j->e, 0, &st);
        if (st.runs != j->runs)
            break;
    }
    j->runs = st.runs;
    if (st.status != S7_XST_OK)
        return 1;
    j->last_us = st.last_us;
    /* the reply came in the turn before the scan's (the scan is a scan time later) */
    j->req_t = prev - st.last_us / 1e6;
    return 0;
}

static void job_close(jobside *j)
{
    s7_xengine_free(j->e);
    s7_server_free(j->srv);
    s7_cpu_free(j->cpu);
    s7_exchange_free(&j->x);
}

static int client_op(void *ctx)
{
    uint8_t v[4];
    return s7_client_db_read(ctx, 1, 0, v, 4) ? -1 : 0;
}

/* s7kit's blocking client reading the same 4 bytes of CPU B. */
static s7_client *client_open(uint16_t port)
{
    s7_client_opts co;
    s7_client_opts_init(&co);
    s7_client *c = s7_client_new(&co);
    if (s7_client_connect(c, "127.0.0.1", port))
        die("%s", "b: connect failed");
    return c;
}

/* The floor's requesting end (the recorded request bytes, a blocking write and read) against
 * CPU B itself: the floor with s7kit's server as the answering side, so the table shows how
 * much of the distance to the floor is the answering server's and how much the requesting
 * side's. */
static s7_client *raw_open(const frames *f, uint16_t port, pingpong *pp)
{
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.pdu_request = S7_XPDU_DEFAULT;
    s7_client *c = s7_client_new(&co);
    if (s7_client_connect(c, "127.0.0.1", port))
        die("%s", "b: connect failed");
    int fd = s7_client_fd(c), one = 1;
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    pp->f = f;
    pp->fd = fd;
    pp->evloop = 0;
    pp->pid = 0;
    return c;
}

static int snap7_op(void *ctx)
{
    uint8_t v[4];
    return snap7_cli_db_read(ctx, 1, 0, 4, v) ? -1 : 0;
}

enum { B_JOB, B_CLIENT, B_RAW, B_FLOOR, B_FLOOR_EV, B_SNAP7, B_ROWS };

/* Every sample of each side over all rounds (the table's p50 and p99 are theirs). */
static samples b_all[B_ROWS];
/* Per side: the sum and count of the idle gaps before its operations (ms, --verbose). */
static double b_gap[B_ROWS];
static unsigned long b_ngap[B_ROWS];

/* The order of the turns.  The job's run ends at CPU A's next scan, S7_XSCAN_DEFAULT after
 * its start, when its program takes the reply: the side after it has the machine idle for a
 * period since that scan but for two since the job's traffic, so it is Snap7's, whose
 * operation is a millisecond long (it sleeps for its reply) and the same to a percent either
 * way.  The side after Snap7's starts a period after Snap7's operation ended. */
static const int b_order[B_ROWS] = {B_JOB, B_SNAP7, B_CLIENT, B_RAW, B_FLOOR, B_FLOOR_EV};

/* The job's cycle: its scan, a period for each other side, and Snap7's operation (about
 * 1 ms), so that it starts a period after the last side's operation as every side does. */
#define B_JOB_CYCLE_MS (S7_XSCAN_DEFAULT + B_ROWS * b_cycle_ms + 1)

/* One round of case b: every side connected at once, each to its own answering process,
 * taking turns operation by operation in b_order, one operation a period (b_cycle_ms) after
 * the one before, so that every operation follows the same idle gap and a moment of the
 * machine lands on every side alike.  Each side gets run_s seconds' worth of operations
 * (B_ROWS * run_s seconds) after a 0.3 s warm-up.  A side's CPU time is that of this process
 * from the end of the operation before to the end of its own (the wake-up included, in the
 * job's case inside the engine's wait). */
static void b_round(const frames *f, const uint16_t port[B_ROWS], lat out[B_ROWS][MAX_ROUNDS],
                    int r)
{
    jobside j;
    pingpong raw, fl, fle;
    job_open(&j, port[B_JOB], B_JOB_CYCLE_MS);
    s7_client *cli = client_open(port[B_CLIENT]), *rawc = raw_open(f, port[B_RAW], &raw);
    floor_open(f, 0, &fl);
    floor_open(f, 1, &fle);
    snap7_cli *s7 = NULL;
    if (snap7_cli_connect("127.0.0.1", port[B_SNAP7], 960, &s7))
        die("%s", "b: Snap7 connect failed");
    static const char *what[B_ROWS] = {"b: the GET job failed",       "b: read failed",
                                       "b: raw read of CPU B failed", "floor: ping-pong failed",
                                       "floor: ping-pong failed",     "b: Snap7 read failed"};
    op_fn op[B_ROWS] = {job_op, client_op, pingpong_op, pingpong_op, pingpong_op, snap7_op};
    void *ctx[B_ROWS] = {&j, cli, &raw, &fl, &fle, s7};
    samples s[B_ROWS];
    double cpu[B_ROWS];
    memset(s, 0, sizeof s);
    memset(cpu, 0, sizeof cpu);
    double warm = now_s() + 0.3, end = warm + B_ROWS * run_s, c_prev = cpu_s();
    double per = 0, last_end = now_s(), d7 = 1.1e-3, base = 0;
    while (now_s() < end)
        for (int q = 0; q < B_ROWS; q++) {
            int k = b_order[q];
            if (k != B_JOB) /* the job's run starts when its cycle is due */
                per = next_period(per);
            double t0 = now_s();
            int bad = op[k](ctx[k]);
            double t1 = now_s(), c1 = cpu_s();
            if (bad < 0 || (bad && j.runs > 1)) /* the job's first run may start before
                                                  * its connection is up */
                die("%s", what[k]);
            double start = k == B_JOB ? j.req_t : t0; /* the job's: its request */
            if (!bad && t0 >= warm) {
                sample_add(&s[k], k == B_JOB ? j.last_us : (uint32_t)((t1 - t0) * 1e6));
                cpu[k] += c1 - c_prev;
                b_gap[k] += (start - last_end) * 1e3;
                b_ngap[k]++;
            }
            c_prev = c1;
            /* the next side's time, on a grid from the job's request (so that no sleep's
             * lateness adds up): its scan time and 1 ms (Snap7's operation), then a period
             * a side; Snap7's operation starts its mean duration so far (d7) earlier, and
             * the grid 0.15 ms early, so that the job (whose cycle is whole milliseconds)
             * does not get the shortest idle time (--verbose prints them) */
            if (k == B_SNAP7)
                d7 = d7 * 0.9 + (t1 - t0) * 0.1;
            if (k == B_JOB)
                base = j.req_t + (S7_XSCAN_DEFAULT + 1) / 1e3 - 0.15e-3;
            per = base + q * (b_cycle_ms / 1e3) -
                  (q + 1 < B_ROWS && b_order[q + 1] == B_SNAP7 ? d7 : 0);
            last_end = k == B_JOB ? start + j.last_us / 1e6 : t1;
        }
    for (int k = 0; k < B_ROWS; k++) {
        for (size_t i = 0; i < s[k].n; i++)
            sample_add(&b_all[k], s[k].v[i]);
        s[k].cpu_s = cpu[k];
        out[k][r] = of(&s[k]);
    }
    snap7_cli_free(s7);
    floor_close(&fle);
    floor_close(&fl);
    s7_client_free(rawc);
    s7_client_free(cli);
    job_close(&j);
}

/* Case b: job, client, floor, event-loop floor, Snap7, n_rounds rounds: out[row][round].
 * CPU B is an emulated CPU served alone by a child process (the loop of `s7 server`), one
 * for each side that reads it, as each floor has its own answering child: every answering
 * process sits idle between its side's operations alike. */
static void case_b(lat out[B_ROWS][MAX_ROUNDS])
{
    pid_t pid[B_ROWS] = {0};
    uint16_t port[B_ROWS] = {0};
    for (int k = 0; k < B_ROWS; k++)
        if (k != B_FLOOR && k != B_FLOOR_EV)
            pid[k] = farm_start(1, &port[k]);

    /* the request and reply bytes of the job's read: a client with the job connection's
     * settings (PDU 240, one item per area) reading the same item */
    frames f;
    memset(&f, 0, sizeof f);
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.pdu_request = S7_XPDU_DEFAULT;
    co.merge_gap = 0;
    co.tap = tap;
    co.log_ctx = &f;
    s7_client *rec = s7_client_new(&co);
    uint8_t v[4];
    if (s7_client_connect(rec, "127.0.0.1", port[B_RAW]) || s7_client_db_read(rec, 1, 0, v, 4) ||
        !f.req_len || !f.rep_len)
        die("%s", "b: could not record the frames");
    s7_client_free(rec);

    for (int r = 0; r < n_rounds; r++) {
        b_round(&f, port, out, r);
        if (verbose)
            printf("  round %d: p50 / p99 us: job %u / %u, client %u / %u, to CPU B %u / %u, floor "
                   "%u / %u, "
                   "event-loop floor %u / %u, Snap7 %u / %u; job p50 / floor p50 %.2fx\n",
                   r + 1, out[B_JOB][r].p50, out[B_JOB][r].p99, out[B_CLIENT][r].p50,
                   out[B_CLIENT][r].p99, out[B_RAW][r].p50, out[B_RAW][r].p99, out[B_FLOOR][r].p50,
                   out[B_FLOOR][r].p99, out[B_FLOOR_EV][r].p50, out[B_FLOOR_EV][r].p99,
                   out[B_SNAP7][r].p50, out[B_SNAP7][r].p99,
                   out[B_FLOOR][r].p50 ? (double)out[B_JOB][r].p50 / out[B_FLOOR][r].p50 : 0);
    }
    for (int k = 0; k < B_ROWS; k++)
        farm_stop(&pid[k]);
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
    fputs("usage: s7xbench [--cpus N] [--tags N] [--cycle MS] [--period MS] [--time S] "
          "[--rounds N] [--cases ab] [--markdown] [--verbose] [--engine-only]\n"
          "  --cpus 2..1000, --tags 1..128, --cycle and --period >= 1 ms, --time > 0 s, "
          "--rounds 1..100; --engine-only: case a's engine alone, no table\n",
          stderr);
    exit(2);
}

static void row(const char *a, const char *b, const char *c, const char *d, const char *e)
{
    if (markdown)
        printf("| %s | %s | %s | %s | %s |\n", a, b, c, d, e);
    else
        printf("  %-44s %-22s %-22s %-14s %s\n", a, b, c, d, e);
}

/* A table of case a: the engine against another side (other: its CPU % and tags/s per
 * round), medians and the per-round spread of the ratio; ours_over 0: other / engine (how
 * many times the engine's CPU the other takes), 1: engine / other. */
static void a_table(const char *title_md, const char *title, const char *ratio_name,
                    const double *uc, const double *oc, const double *ut, const double *ot,
                    int ours_over)
{
    char x[64], y[64], z[64], w[40];
    double mu = median(uc, n_rounds), mo = median(oc, n_rounds);
    double mut = median(ut, n_rounds), mot = median(ot, n_rounds);
    if (markdown)
        printf("\n| | s7 exchange engine (1 thread) | %s | %s | per round (min..max) "
               "|\n|---|---|---|---|---|\n",
               title_md, ratio_name);
    else
        row("", "s7 exchange engine", title, ratio_name, "per round");
    /* the ratio's numerator and denominator: the other over the engine, or the reverse */
    const double *cn = ours_over ? uc : oc, *cd = ours_over ? oc : uc;
    const double *tn = ours_over ? ut : ot, *td = ours_over ? ot : ut;
    double mcn = ours_over ? mu : mo, mcd = ours_over ? mo : mu;
    double mtn = ours_over ? mut : mot, mtd = ours_over ? mot : mut;
    int prec = ours_over ? 2 : 1;
    snprintf(x, sizeof x, "%.1f %%", mu);
    snprintf(y, sizeof y, "%.1f %%", mo);
    snprintf(z, sizeof z, "%.*fx", prec, mcd > 0 ? mcn / mcd : 0);
    spread(w, sizeof w, prec, cn, cd, n_rounds);
    row("CPU time per second of work (% of one core)", x, y, z, w);
    snprintf(x, sizeof x, "%.0f", mut);
    snprintf(y, sizeof y, "%.0f", mot);
    snprintf(z, sizeof z, "%.2fx", mtd > 0 ? mtn / mtd : 0);
    spread(w, sizeof w, 2, tn, td, n_rounds);
    row("tags copied per second", x, y, z, w);
}

int main(int argc, char **argv)
{
    const char *cases = "ab";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc && strcmp(a, "--markdown") != 0 && strcmp(a, "--verbose") != 0 &&
            strcmp(a, "--engine-only") != 0)
            usage();
        if (strcmp(a, "--cpus") == 0)
            n_cpus = atoi(argv[++i]);
        else if (strcmp(a, "--tags") == 0)
            n_tags = atoi(argv[++i]);
        else if (strcmp(a, "--cycle") == 0)
            cycle_ms = atoi(argv[++i]);
        else if (strcmp(a, "--time") == 0)
            run_s = atof(argv[++i]);
        else if (strcmp(a, "--cases") == 0)
            cases = argv[++i];
        else if (strcmp(a, "--period") == 0)
            b_cycle_ms = atoi(argv[++i]);
        else if (strcmp(a, "--rounds") == 0)
            n_rounds = atoi(argv[++i]);
        else if (strcmp(a, "--markdown") == 0)
            markdown = 1;
        else if (strcmp(a, "--verbose") == 0)
            verbose = 1;
        else if (strcmp(a, "--engine-only") == 0)
            engine_only = 1;
        else
            usage();
    }
    if (n_cpus < 2 || n_cpus > 1000 || n_tags < 1 || n_tags > (int)(DB_LEN / TAG_STEP) ||
        cycle_ms < 1 || b_cycle_ms < 1 || run_s <= 0 || n_rounds < 1 || n_rounds > MAX_ROUNDS)
        usage();
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (strchr(cases, 'a')) {
        farm_ports = calloc((size_t)n_cpus, sizeof *farm_ports);
        farm_pid = farm_start(n_cpus, farm_ports);
    }
    char x[64], y[64];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    double load[3] = {0, 0, 0};
    int have_load = getloadavg(load, 3) == 3;
    printf("s7xbench: %d emulated CPUs (s7kit, one child process), %.1f s per measurement, "
           "%d rounds (the sides take turns; figures: median of the rounds), %ld CPUs on this "
           "machine",
           n_cpus, run_s, n_rounds, ncpu);
    if (have_load)
        printf(", load average at start %.2f %.2f %.2f", load[0], load[1], load[2]);
    printf("\n\n");
    int rc = 0;
    if (strchr(cases, 'a')) {
        side us[MAX_ROUNDS], them[MAX_ROUNDS], fl[MAX_ROUNDS];
        double uc[MAX_ROUNDS], tc[MAX_ROUNDS], ut[MAX_ROUNDS], tt[MAX_ROUNDS];
        double fc[MAX_ROUNDS], ft[MAX_ROUNDS];
        unsigned long ue = 0, te = 0;
        printf("a. %d CPUs x %d scattered 4-byte tags every %d ms, copied DB1 -> DB2 (%.0f "
               "tags/s)\n",
               n_cpus, n_tags, cycle_ms, (double)n_cpus * n_tags * 1000.0 / cycle_ms);
        for (int r = 0; engine_only && r < n_rounds; r++) {
            case_a_bridge(&us[r]);
            printf(
                "  round %d: engine CPU %.2f %% (user space %.2f), tags/s %.0f, failed runs %lu, "
                "runs since its start %llu\n",
                r + 1, us[r].cpu_pct, us[r].user_pct, us[r].tags_s, us[r].errors, us[r].runs);
            ue += us[r].errors;
        }
        for (int r = 0; !engine_only && r < n_rounds; r++) {
            case_a_bridge(&us[r]);
            case_a_snap7(&them[r]);
            case_a_floor(&fl[r]);
            fc[r] = fl[r].cpu_pct;
            ft[r] = fl[r].tags_s;
            uc[r] = us[r].cpu_pct;
            tc[r] = them[r].cpu_pct;
            ut[r] = us[r].tags_s;
            tt[r] = them[r].tags_s;
            ue += us[r].errors;
            te += them[r].errors;
            if (verbose)
                printf("  round %d: CPU %.2f %% / %.2f %% / floor %.2f %% (user space %.2f / %.2f "
                       "/ %.2f) (Snap7 / s7kit %.1fx, s7kit / floor %.2fx), tags/s %.0f / %.0f / "
                       "floor %.0f, failed runs %lu / %lu\n",
                       r + 1, uc[r], tc[r], fc[r], us[r].user_pct, them[r].user_pct, fl[r].user_pct,
                       uc[r] > 0 ? tc[r] / uc[r] : 0, fc[r] > 0 ? uc[r] / fc[r] : 0, ut[r], tt[r],
                       ft[r], us[r].errors, them[r].errors);
        }
        /* against Snap7 (Snap7 / s7kit: how many times our CPU it takes), then against the
         * floor (s7kit / floor: how far above what the same bytes cost we are) */
        if (!engine_only)
            a_table("Snap7 (1 client per CPU)", "Snap7, client per CPU", "Snap7 / s7kit", uc, tc,
                    ut, tt, 0);
        snprintf(x, sizeof x, "%lu", ue);
        snprintf(y, sizeof y, "%lu", te);
        if (!engine_only) {
            row("failed runs (all rounds)", x, y, "", "");
            a_table("floor: the same bytes, 1 thread, no S7 work", "floor, same bytes",
                    "s7kit / floor", uc, fc, ut, ft, 1);
        }
        printf("\n");
        if (ue || te)
            rc = 1;
    }
    if (strchr(cases, 'b')) {
        static lat b[B_ROWS][MAX_ROUNDS];
        printf("b. a GET job between two emulated CPUs: CPU A's job reads DB1.DBD0 of CPU B (each "
               "CPU in its own process); the sides take turns, one operation every %d ms (the "
               "job every %d ms)\n",
               b_cycle_ms, B_JOB_CYCLE_MS);
        case_b(b);
        size_t runs = 0;
        for (int r = 0; r < n_rounds; r++)
            runs += b[B_JOB][r].n;
        printf("   latency p50 / p99: exact over every round's samples (the job's %zu runs over "
               "%d rounds, every side sampled over the same span); per round: the lowest..highest "
               "of the ratio within one round\n",
               runs, n_rounds);
        if (verbose) {
            static const char *name[B_ROWS] = {"job",   "client",           "to CPU B",
                                               "floor", "event-loop floor", "Snap7"};
            printf("   idle before an operation (ms, mean, from the end of the one before):");
            for (int k = 0; k < B_ROWS; k++)
                printf("%s %s %.2f", k ? "," : "", name[k],
                       b_ngap[k] ? b_gap[k] / (double)b_ngap[k] : 0);
            printf("\n");
        }
        if (markdown)
            printf("\n| | p50 / p99 | / floor (p50) | per round (min..max) | CPU of the "
                   "requesting side per operation |\n|---|---|---|---|---|\n");
        else
            printf("  %-74s %-18s %-14s %-16s %s\n", "", "p50 / p99", "/ floor (p50)", "per round",
                   "CPU per op (requesting side)");
        static const char *what[B_ROWS] = {
            "GET job of emulated CPU A (s7_xengine, request to reply)",
            "s7kit client, blocking read of the same 4 bytes",
            "the floor's request bytes sent to CPU B (s7kit's server answers)",
            "loopback floor: the same request/reply bytes, TCP ping-pong",
            "the floor with each end waiting as an event loop (poll/epoll, then read)",
            "Snap7 client, Cli_DBRead of the same 4 bytes",
        };
        double p50[B_ROWS][MAX_ROUNDS], cpu[MAX_ROUNDS];
        lat all[B_ROWS];
        for (int k = 0; k < B_ROWS; k++) {
            all[k] = of(&b_all[k]);
            for (int r = 0; r < n_rounds; r++)
                p50[k][r] = b[k][r].p50;
        }
        double floor50 = all[B_FLOOR].p50;
        for (int k = 0; k < B_ROWS; k++) {
            for (int r = 0; r < n_rounds; r++)
                cpu[r] = b[k][r].cpu_us;
            char c1[48], c2[16], c3[24], c4[40];
            snprintf(c1, sizeof c1, "%u / %u us", all[k].p50, all[k].p99);
            snprintf(c2, sizeof c2, "%.2fx", floor50 > 0 ? all[k].p50 / floor50 : 0);
            spread(c4, sizeof c4, 2, p50[k], p50[B_FLOOR], n_rounds);
            snprintf(c3, sizeof c3, "%.1f us", median(cpu, n_rounds));
            if (markdown)
                printf("| %s | %s | %s | %s | %s |\n", what[k], c1, c2, c4, c3);
            else
                printf("  %-74s %-18s %-14s %-16s %s\n", what[k], c1, c2, c4, c3);
        }
        printf("\n");
    }
    if (getloadavg(load, 3) == 3)
        printf("load average at end %.2f %.2f %.2f\n", load[0], load[1], load[2]);
    farm_stop(&farm_pid);
    return rc;
}
