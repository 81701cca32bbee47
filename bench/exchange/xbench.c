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
 *   b. one GET between two CPUs (4 bytes read from CPU 1, written to CPU 2): the bridge job's
 *      latency p50/p99 (start of the read to the end of the write), a TCP ping-pong of the
 *      same frames over 127.0.0.1 (the floor: no S7 work at all), and two Snap7 clients doing
 *      the same read and write.  The read alone too: s7kit's client, the floor, Snap7.
 *
 * The CPU emulators are s7kit's (s7 server's engine): a child process serving them all from
 * one thread.  Options: --cpus N --tags N --cycle MS (case a) --period MS (case b: one
 * operation every MS on every side, default 10) --time S --cases ab --markdown. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "s7/client.h"
#include "s7/cpu.h"
#include "s7/exchange_bridge.h"
#include "s7/server.h"
#include "snap7_peer.h"

#define DB_LEN 1024u
#define TAG_STEP 8u /* tag i of a CPU at DBi*8 (scattered: a gap after each) */
#define SNAP7_VARS 20u

static int n_cpus = 100, n_tags = 100, cycle_ms = 100, markdown = 0;
static double run_s = 5.0;
static int b_cycle_ms = 10; /* case b: one operation every this many ms, on every side */

/* Sleep until the next period of case b (every side keeps the same cadence, so each pays the
 * same wake-up costs of an idle machine). */
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

static void die(const char *fmt, const char *a)
{
    fprintf(stderr, "s7xbench: ");
    fprintf(stderr, fmt, a);
    fputc('\n', stderr);
    exit(1);
}

/* Runs bridge b for secs seconds, turns of at most ms. */
static void bridge_run_for(s7_bridge *b, double secs, int ms)
{
    double t0 = now_s();
    while (now_s() - t0 < secs)
        s7_bridge_run(b, ms);
}

/* The measuring loop of case b: op(ctx) once a period for run_s seconds, the latency of each
 * after the first 0.3 s into h (emptied first); a failed op ends the run with the message
 * fail. */
static void lat_loop(int (*op)(void *), void *ctx, const char *fail, s7_hist *h)
{
    memset(h, 0, sizeof *h);
    double end = now_s() + run_s, warm = now_s() + 0.3, per = now_s();
    while (now_s() < end) {
        double a = now_s();
        if (op(ctx))
            die("%s", fail);
        if (a >= warm)
            s7_hist_add(h, (uint32_t)((now_s() - a) * 1e6));
        per = next_period(per);
    }
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
        cpu[i] = s7_cpu_new(s7_profile_find("s7-1500"));
        s7_cpu_set_put_get(cpu[i], 1);
        s7_cpu_add_db(cpu[i], 1, DB_LEN, 0);
        s7_cpu_add_db(cpu[i], 2, DB_LEN, 0);
        uint8_t *m = s7_cpu_mem(cpu[i], S7_AREA_DB, 1, NULL);
        for (uint32_t k = 0; k < DB_LEN; k++)
            m[k] = (uint8_t)(k * 7 + (uint32_t)i);
        s7_server_opts o;
        s7_server_opts_init(&o);
        o.listen = "127.0.0.1:0";
        srv[i] = s7_server_new(cpu[i], &o);
        if (!srv[i] || s7_server_start(srv[i]) < 0)
            _exit(1);
        uint16_t port = s7_server_port(srv[i]);
        if (write(wfd, &port, sizeof port) != (ssize_t)sizeof port)
            _exit(1);
        pfd[i].fd = s7_server_fd(srv[i]);
        pfd[i].events = POLLIN;
    }
    close(wfd);
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

static void farm_start(int n)
{
    int p[2];
    if (pipe(p))
        die("%s", "pipe failed");
    farm_ports = calloc((size_t)n, sizeof *farm_ports);
    farm_pid = fork();
    if (farm_pid < 0)
        die("%s", "fork failed");
    if (farm_pid == 0) {
        close(p[0]);
        farm_run(n, p[1]);
        _exit(0);
    }
    close(p[1]);
    for (int i = 0; i < n; i++)
        if (read(p[0], &farm_ports[i], sizeof farm_ports[i]) != (ssize_t)sizeof farm_ports[i])
            die("%s", "the CPU emulators did not start");
    close(p[0]);
}

static void farm_stop(void)
{
    if (farm_pid > 0) {
        kill(farm_pid, SIGTERM);
        waitpid(farm_pid, NULL, 0);
    }
}

/* ---------------------------------------------------------------- a. tags */

typedef struct side {
    double cpu_pct; /* % of one core */
    double tags_s;  /* tags copied per second */
    unsigned long errors;
} side;

static void case_a_bridge(side *out)
{
    s7_bridge_opts bo;
    s7_bridge_opts_init(&bo);
    s7_bridge *b = s7_bridge_new(&bo);
    s7_tag *from = calloc((size_t)n_tags, sizeof *from), *to = calloc((size_t)n_tags, sizeof *to);
    char name[32], err[256];
    for (int t = 0; t < n_tags; t++) {
        from[t].area = to[t].area = S7_AREA_DB;
        from[t].db = 1;
        to[t].db = 2;
        from[t].byte = to[t].byte = (uint32_t)t * TAG_STEP;
        from[t].type = to[t].type = S7_T_DWORD;
        from[t].count = to[t].count = 1;
    }
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
    bridge_run_for(b, 1.5, 50);
    uint64_t ok0 = 0, err0 = 0, ok1 = 0, err1 = 0;
    s7_bridge_job_stats st;
    for (int i = 0; i < n_cpus; i++) {
        s7_bridge_job_stat(b, (size_t)i, &st);
        ok0 += st.ok;
        err0 += st.err;
    }
    double c0 = cpu_s(), w0 = now_s();
    while (now_s() - w0 < run_s)
        s7_bridge_run(b, 50);
    double c1 = cpu_s(), w1 = now_s();
    for (int i = 0; i < n_cpus; i++) {
        s7_bridge_job_stat(b, (size_t)i, &st);
        ok1 += st.ok;
        err1 += st.err;
    }
    out->cpu_pct = 100.0 * (c1 - c0) / (w1 - w0);
    out->tags_s = (double)(ok1 - ok0) * n_tags / (w1 - w0);
    out->errors = (unsigned long)(err1 - err0);
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
    double c0 = cpu_s(), w0 = now_s();
    while (now_s() - w0 < run_s) {
        struct timespec ts = {0, 50000000};
        nanosleep(&ts, NULL);
    }
    double c1 = cpu_s(), w1 = now_s();
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

/* ---------------------------------------------------------------- b. latency */

typedef struct frames {
    size_t n;
    uint32_t req[8], rep[8];
    int next_out;
} frames;

static void tap(void *ctx, int out, const uint8_t *frame, size_t len)
{
    frames *f = ctx;
    if (out && f->n < 8) {
        f->req[f->n] = (uint32_t)len;
        f->next_out = 1;
    } else if (!out && f->next_out && f->n < 8) {
        f->rep[f->n++] = (uint32_t)len;
        f->next_out = 0;
    }
    (void)frame;
}

typedef struct floor_srv {
    int fd;
    const frames *f;
    uint8_t *buf; /* the client's side: a buffer of 2048 bytes */
} floor_srv;

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

static void *floor_answer(void *arg)
{
    floor_srv *s = arg;
    uint8_t buf[2048];
    memset(buf, 0x55, sizeof buf);
    for (;;)
        for (size_t k = 0; k < s->f->n; k++)
            if (rd(s->fd, buf, s->f->req[k]) || wr(s->fd, buf, s->f->rep[k]))
                return NULL;
}

/* One sequence of the floor's ping-pong, the client's side. */
static int floor_once(void *arg)
{
    floor_srv *s = arg;
    for (size_t k = 0; k < s->f->n; k++)
        if (wr(s->fd, s->buf, s->f->req[k]) || rd(s->fd, s->buf, s->f->rep[k]))
            return -1;
    return 0;
}

/* The floor: the frames of f (k0..k1-1) as a ping-pong over 127.0.0.1, one at a time;
 * latency of the sequence into h. */
static void floor_run(const frames *f, size_t k0, size_t k1, s7_hist *h)
{
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a;
    socklen_t al = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(ls, (struct sockaddr *)&a, sizeof a) || listen(ls, 1) ||
        getsockname(ls, (struct sockaddr *)&a, &al))
        die("%s", "floor: no socket");
    int c = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(c, (struct sockaddr *)&a, sizeof a))
        die("%s", "floor: connect failed");
    int sfd = accept(ls, NULL, NULL);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(sfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    frames sub;
    memset(&sub, 0, sizeof sub);
    for (size_t k = k0; k < k1; k++) {
        sub.req[sub.n] = f->req[k];
        sub.rep[sub.n++] = f->rep[k];
    }
    floor_srv fs = {sfd, &sub, NULL};
    pthread_t th;
    pthread_create(&th, NULL, floor_answer, &fs);
    uint8_t buf[2048];
    memset(buf, 0x33, sizeof buf);
    floor_srv cs = {c, &sub, buf};
    lat_loop(floor_once, &cs, "floor: ping-pong failed", h);
    close(c);
    pthread_join(th, NULL);
    close(sfd);
    close(ls);
}

typedef struct lat {
    uint32_t p50, p99;
    uint64_t n;
} lat;

static lat of(const s7_hist *h)
{
    lat l = {s7_hist_quantile(h, 0.5), s7_hist_quantile(h, 0.99), h->count};
    return l;
}

/* The peers of case b's operations: s7kit's client, two Snap7 clients, the 4 bytes. */
typedef struct b_peers {
    s7_client *c;
    snap7_cli *s1, *s2;
    uint8_t *v;
} b_peers;

static int ours_read(void *arg)
{
    b_peers *p = arg;
    return s7_client_db_read(p->c, 1, 0, p->v, 4);
}

static int snap7_read(void *arg)
{
    b_peers *p = arg;
    return snap7_cli_db_read(p->s1, 1, 0, 4, p->v);
}

static int snap7_read_write(void *arg)
{
    b_peers *p = arg;
    return snap7_cli_db_read(p->s1, 1, 0, 4, p->v) || snap7_cli_db_write(p->s2, 2, 0, 4, p->v);
}

static void case_b(lat *bridge, lat *floor2, lat *snap2, lat *ours1, lat *floor1, lat *snap1)
{
    /* the frames of one read and one write, recorded from s7kit's client */
    frames f;
    memset(&f, 0, sizeof f);
    s7_client_opts co;
    s7_client_opts_init(&co);
    s7_client *c1 = s7_client_new(&co), *c2 = s7_client_new(&co);
    if (s7_client_connect(c1, "127.0.0.1", farm_ports[0]) ||
        s7_client_connect(c2, "127.0.0.1", farm_ports[1]))
        die("%s", "b: connect failed");
    uint8_t v[4];
    co.tap = tap;
    co.log_ctx = &f;
    s7_client *rec = s7_client_new(&co);
    if (s7_client_connect(rec, "127.0.0.1", farm_ports[0]))
        die("%s", "b: connect failed");
    f.n = 0;
    s7_client_db_read(rec, 1, 0, v, 4);
    s7_client_db_write(rec, 2, 0, v, 4);
    s7_client_free(rec);
    if (f.n != 2)
        die("%s", "b: could not record the frames");

    /* the bridge: one GET job, back to back (cycle 1 ms) */
    s7_bridge *b = s7_bridge_new(NULL);
    s7_bridge_add_partner(b, "cpu1", "127.0.0.1", farm_ports[0], NULL);
    s7_bridge_add_partner(b, "cpu2", "127.0.0.1", farm_ports[1], NULL);
    s7_tag from, to;
    char err[256];
    memset(&from, 0, sizeof from);
    from.area = S7_AREA_DB;
    from.db = 1;
    from.type = S7_T_DWORD;
    from.count = 1;
    to = from;
    to.db = 2;
    s7_bridge_job j;
    memset(&j, 0, sizeof j);
    j.name = "get";
    j.src = 0;
    j.dst = 1;
    j.n = 1;
    j.from = &from;
    j.to = &to;
    j.mode = S7_BRIDGE_CYCLIC;
    j.cycle_ms = b_cycle_ms;
    if (s7_bridge_add_job(b, &j, err, sizeof err) < 0)
        die("%s", err);
    bridge_run_for(b, 0.5, 10);
    s7_bridge_free(b); /* warm-up done: a fresh histogram */
    b = s7_bridge_new(NULL);
    s7_bridge_add_partner(b, "cpu1", "127.0.0.1", farm_ports[0], NULL);
    s7_bridge_add_partner(b, "cpu2", "127.0.0.1", farm_ports[1], NULL);
    s7_bridge_add_job(b, &j, err, sizeof err);
    bridge_run_for(b, 0.3, 10);
    s7_bridge_job_stats st0, st;
    s7_bridge_job_stat(b, 0, &st0);
    bridge_run_for(b, run_s, 10);
    s7_bridge_job_stat(b, 0, &st);
    if (st.err)
        die("%s", "b: the bridge job failed");
    bridge->p50 = st.p50_us;
    bridge->p99 = st.p99_us;
    bridge->n = st.lat_count;
    s7_bridge_free(b);

    s7_hist h;
    floor_run(&f, 0, 2, &h);
    *floor2 = of(&h);
    floor_run(&f, 0, 1, &h);
    *floor1 = of(&h);

    /* s7kit's client: the read alone, blocking */
    b_peers bp = {c1, NULL, NULL, v};
    lat_loop(ours_read, &bp, "b: read failed", &h);
    *ours1 = of(&h);
    s7_client_free(c1);
    s7_client_free(c2);

    /* Snap7: two clients, the read and the write one after the other; then the read alone */
    snap7_cli *s1 = NULL, *s2 = NULL;
    if (snap7_cli_connect("127.0.0.1", farm_ports[0], 960, &s1) ||
        snap7_cli_connect("127.0.0.1", farm_ports[1], 960, &s2))
        die("%s", "b: Snap7 connect failed");
    bp.s1 = s1;
    bp.s2 = s2;
    lat_loop(snap7_read_write, &bp, "b: Snap7 read/write failed", &h);
    *snap2 = of(&h);
    lat_loop(snap7_read, &bp, "b: Snap7 read failed", &h);
    *snap1 = of(&h);
    snap7_cli_free(s1);
    snap7_cli_free(s2);
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
    fputs("usage: s7xbench [--cpus N] [--tags N] [--cycle MS] [--period MS] [--time S] "
          "[--cases ab] [--markdown]\n",
          stderr);
    exit(2);
}

static void row(const char *a, const char *b, const char *c, const char *d)
{
    if (markdown)
        printf("| %s | %s | %s | %s |\n", a, b, c, d);
    else
        printf("  %-44s %-22s %-22s %s\n", a, b, c, d);
}

int main(int argc, char **argv)
{
    const char *cases = "ab";
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (i + 1 >= argc && strcmp(a, "--markdown") != 0)
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
        else if (strcmp(a, "--markdown") == 0)
            markdown = 1;
        else
            usage();
    }
    if (n_cpus < 2 || n_cpus > 1000 || n_tags < 1 || n_tags > (int)(DB_LEN / TAG_STEP) ||
        cycle_ms < 1 || run_s <= 0)
        usage();
    signal(SIGPIPE, SIG_IGN);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    farm_start(n_cpus);
    char x[64], y[64], z[64];
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    printf("s7xbench: %d emulated CPUs (s7kit, one child process), %.1f s per measurement, "
           "%ld CPUs on this machine\n\n",
           n_cpus, run_s, ncpu);
    int rc = 0;
    if (strchr(cases, 'a')) {
        side us, them;
        case_a_bridge(&us);
        case_a_snap7(&them);
        printf("a. %d CPUs x %d scattered 4-byte tags every %d ms, copied DB1 -> DB2 (%.0f "
               "tags/s)\n",
               n_cpus, n_tags, cycle_ms, (double)n_cpus * n_tags * 1000.0 / cycle_ms);
        if (markdown)
            printf("\n| | s7 exchange engine (1 thread) | Snap7 (1 client per CPU) | Snap7 / "
                   "s7kit |\n|---|---|---|---|\n");
        else
            row("", "s7 exchange engine", "Snap7, client per CPU", "Snap7 / s7kit");
        snprintf(x, sizeof x, "%.1f %%", us.cpu_pct);
        snprintf(y, sizeof y, "%.1f %%", them.cpu_pct);
        snprintf(z, sizeof z, "%.1fx", us.cpu_pct > 0 ? them.cpu_pct / us.cpu_pct : 0);
        row("CPU time per second of work (% of one core)", x, y, z);
        snprintf(x, sizeof x, "%.0f", us.tags_s);
        snprintf(y, sizeof y, "%.0f", them.tags_s);
        snprintf(z, sizeof z, "%.2fx", us.tags_s > 0 ? them.tags_s / us.tags_s : 0);
        row("tags copied per second", x, y, z);
        snprintf(x, sizeof x, "%lu", us.errors);
        snprintf(y, sizeof y, "%lu", them.errors);
        row("failed runs", x, y, "");
        printf("\n");
        if (us.errors || them.errors)
            rc = 1;
    }
    if (strchr(cases, 'b')) {
        lat br, f2, s2, o1, f1, s1;
        case_b(&br, &f2, &s2, &o1, &f1, &s1);
        printf("b. one GET between two CPUs: DB1.DBD0 of CPU 1 read, written to DB2.DBD0 of "
               "CPU 2, every %d ms on every side (latency p50 / p99)\n",
               b_cycle_ms);
        if (markdown)
            printf("\n| | s7kit | loopback floor (same frames) | Snap7 | s7kit / floor (p50) "
                   "|\n|---|---|---|---|---|\n");
        else
            printf("  %-34s %-18s %-18s %-18s %s\n", "", "s7kit", "floor (same frames)", "Snap7",
                   "s7kit/floor p50");
        struct {
            const char *what;
            lat a, f, s;
        } rows[2] = {{"GET job: read + write (bridge)", br, f2, s2},
                     {"the read alone (client)", o1, f1, s1}};
        for (int k = 0; k < 2; k++) {
            char c1[40], c2[40], c3[40], c4[16];
            snprintf(c1, sizeof c1, "%u / %u us", rows[k].a.p50, rows[k].a.p99);
            snprintf(c2, sizeof c2, "%u / %u us", rows[k].f.p50, rows[k].f.p99);
            snprintf(c3, sizeof c3, "%u / %u us", rows[k].s.p50, rows[k].s.p99);
            snprintf(c4, sizeof c4, "%.2fx",
                     rows[k].f.p50 ? (double)rows[k].a.p50 / rows[k].f.p50 : 0);
            if (markdown)
                printf("| %s | %s | %s | %s | %s |\n", rows[k].what, c1, c2, c3, c4);
            else
                printf("  %-34s %-18s %-18s %-18s %s\n", rows[k].what, c1, c2, c3, c4);
        }
        printf("\n");
    }
    farm_stop();
    return rc;
}
