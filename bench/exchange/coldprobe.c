/* s7coldprobe: what answering one read costs s7kit's server in user space when the request
 * arrives after the process slept, as every request of a job with a cycle of 10 ms or more
 * does.  A benchmark of the cold path (case b of s7xbench measures the whole round trip, in
 * which this part is a few microseconds among some 60 of waking two processes).
 *
 * Two answering sides take turns, each in a child process, each answering the very request
 * bytes of a 4-byte read (DB1.DBD0, recorded once from s7kit's client) sent every --period ms
 * (default 10) with a blocking write and read by this process:
 *   server  an emulated S7-1500 served by s7_server_run_once, as `s7 server` and the case b
 *           CPU B serve it;
 *   echo    a loop that waits in epoll_wait, receives and sends the recorded reply: the same
 *           three system calls with no S7 work.
 * In the answering process, epoll_wait, recv and send are wrapped (the linker's --wrap, so
 * the calls from libs7 are timed too): per request the user-space time from epoll_wait's
 * return to recv's call and from recv's return to send's call.  Per round and side the
 * medians of --count requests (default 300) after 20 warm-up requests; at the end the median
 * of the rounds (--rounds, default 5).  Options: --period MS --count N --rounds N; --maps DIR
 * writes each answering process's /proc/self/maps, as it is after the warm-up, to
 * DIR/maps.PID (bench/exchange/coldlines.sh --list names the pages a request touches by it). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "xpeers.h"
#include "s7/client.h"

#define WARM 20
#define MAX_COUNT 20000
#define MAX_ROUNDS 50

static int period_ms = 10, count = 300, rounds = 5;
static const char *maps_dir;

/* ---------------------------------------------------------------- the wrapped calls */

ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
int __real_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout);

static int probing; /* in an answering child, once it serves */
static double t_wake, t_rx;
static double d_wake[MAX_COUNT + WARM], d_serve[MAX_COUNT + WARM];
static int n_wake, n_serve;

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

int __wrap_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
    int r = __real_epoll_wait(ep, ev, max, timeout);
    if (probing && r > 0)
        t_wake = now_us();
    return r;
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
    double t = probing ? now_us() : 0;
    ssize_t r = __real_recv(fd, buf, len, flags);
    if (probing && r > 0) {
        if (t_wake > 0 && n_wake < MAX_COUNT + WARM)
            d_wake[n_wake++] = t - t_wake;
        t_wake = 0;
        t_rx = now_us();
    }
    return r;
}

/* This process's mappings to maps_dir/maps.PID. */
static void dump_maps(void)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/maps.%ld", maps_dir, (long)getpid());
    int in = open("/proc/self/maps", O_RDONLY),
        out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    char buf[4096];
    ssize_t n;
    while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof buf)) > 0)
        if (write(out, buf, (size_t)n) != n)
            break;
    if (in >= 0)
        close(in);
    if (out >= 0)
        close(out);
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
    if (probing && t_rx > 0 && n_serve < MAX_COUNT + WARM) {
        d_serve[n_serve++] = now_us() - t_rx;
        t_rx = 0;
        if (maps_dir && n_serve == WARM) /* after the timed span, in a warm-up request */
            dump_maps();
    }
    return __real_send(fd, buf, len, flags);
}

/* ---------------------------------------------------------------- figures */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The median of v[from..n). */
static double median_from(double *v, int n, int from)
{
    if (n <= from)
        return 0;
    qsort(v + from, (size_t)(n - from), sizeof *v, cmp_double);
    return v[from + (n - from) / 2];
}

static double median(double *v, int n)
{
    double *c = malloc((size_t)n * sizeof *c);
    if (!c)
        return 0;
    memcpy(c, v, (size_t)n * sizeof *c);
    double m = median_from(c, n, 0);
    free(c);
    return m;
}

static void die(const char *what)
{
    fprintf(stderr, "s7coldprobe: %s\n", what);
    exit(1);
}

/* ---------------------------------------------------------------- the answering sides */

static uint8_t req[512], rep[512];
static size_t req_len, rep_len;
static int recording, got_req;

static void tap(void *ctx, int out, const uint8_t *frame, size_t len)
{
    (void)ctx;
    if (!recording || len > sizeof req)
        return;
    if (out) {
        memcpy(req, frame, len);
        req_len = len;
        got_req = 1;
    } else if (got_req) {
        memcpy(rep, frame, len);
        rep_len = len;
        got_req = 0;
    }
}

/* In the child: once count requests past the warm-up were measured, their medians to fd
 * (once); the child answers on until this process ends it. */
static void report(int fd)
{
    static int done;
    if (done || n_serve < count + WARM)
        return;
    done = 1;
    probing = 0;
    double m[2] = {median_from(d_wake, n_wake, WARM), median_from(d_serve, n_serve, WARM)};
    if (write(fd, m, sizeof m) != (ssize_t)sizeof m)
        _exit(1);
}

static void serve_s7(int lfd_port, int rfd)
{
    s7_cpu *cpu;
    s7_server *s = emu_cpu_start(1, 1024, &cpu);
    if (!s)
        _exit(1);
    uint16_t port = s7_server_port(s);
    if (write(lfd_port, &port, sizeof port) != (ssize_t)sizeof port)
        _exit(1);
    probing = 1;
    for (;;) {
        if (s7_server_run_once(s, 1000) < 0 || getppid() == 1)
            _exit(1);
        report(rfd);
    }
}

static void serve_echo(int lfd_port, int rfd)
{
    uint16_t port;
    int ls = loopback_listen(&port), one = 1;
    if (ls < 0)
        _exit(1);
    if (write(lfd_port, &port, sizeof port) != (ssize_t)sizeof port)
        _exit(1);
    int c = accept(ls, NULL, NULL), ep = epoll_create1(0);
    struct epoll_event ev = {.events = EPOLLIN};
    if (c < 0 || ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev))
        _exit(1);
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint8_t buf[512];
    probing = 1;
    for (;;) {
        if (epoll_wait(ep, &ev, 1, 1000) < 0 && errno != EINTR)
            _exit(1);
        ssize_t r = recv(c, buf, sizeof buf, 0);
        if (r <= 0)
            _exit(0); /* this process closed: the turn is over */
        if (send(c, rep, rep_len, MSG_NOSIGNAL) != (ssize_t)rep_len)
            _exit(1);
        report(rfd);
    }
}

/* A child answering with side (0: server, 1: echo); its port in *port, its report pipe's
 * read end in *rfd. */
static pid_t start(int side, uint16_t *port, int *rfd)
{
    int pp[2], pr[2];
    if (pipe(pp) || pipe(pr))
        die("no pipe");
    pid_t pid = fork();
    if (pid < 0)
        die("fork failed");
    if (pid == 0) {
        close(pp[0]);
        close(pr[0]);
        if (side == 0)
            serve_s7(pp[1], pr[1]);
        else
            serve_echo(pp[1], pr[1]);
        _exit(0);
    }
    close(pp[1]);
    close(pr[1]);
    if (read(pp[0], port, sizeof *port) != (ssize_t)sizeof *port)
        die("an answering side did not start");
    close(pp[0]);
    *rfd = pr[0];
    return pid;
}

/* This process's end: the recorded request every period, a blocking write and read. */
static void ask(int fd)
{
    uint8_t buf[512];
    struct timespec per = {0, (long)period_ms * 1000000L};
    for (int i = 0; i < count + WARM; i++) {
        if (write(fd, req, req_len) != (ssize_t)req_len)
            die("write failed");
        size_t got = 0;
        while (got < rep_len) {
            ssize_t r = read(fd, buf + got, rep_len - got);
            if (r <= 0)
                die("read failed");
            got += (size_t)r;
        }
        nanosleep(&per, NULL);
    }
}

/* One turn of side: answers count + WARM requests; the child's two medians into m. */
static void turn(int side, double m[2])
{
    uint16_t port;
    int rfd, one = 1;
    pid_t pid = start(side, &port, &rfd);
    int fd;
    s7_client *c = NULL;
    if (side == 0) { /* connected and set up by s7kit's client, then its socket used raw */
        s7_client_opts co;
        s7_client_opts_init(&co);
        co.pdu_request = 240;
        co.merge_gap = 0;
        co.tap = tap;
        c = s7_client_new(&co);
        if (!c || s7_client_connect(c, "127.0.0.1", port))
            die("connect to the emulated CPU failed");
        if (!req_len) {
            uint8_t v[4];
            recording = 1;
            if (s7_client_db_read(c, 1, 0, v, 4) || !req_len || !rep_len)
                die("could not record the read's bytes");
            recording = 0;
        }
        fd = s7_client_fd(c);
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    } else {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a))
            die("connect to the echo failed");
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    ask(fd);
    if (read(rfd, m, 2 * sizeof *m) != (ssize_t)(2 * sizeof *m))
        die("an answering side did not report");
    close(rfd);
    if (c)
        s7_client_free(c);
    else
        close(fd);
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--period") && i + 1 < argc)
            period_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--count") && i + 1 < argc)
            count = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
            rounds = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--maps") && i + 1 < argc)
            maps_dir = argv[++i];
        else {
            fprintf(stderr,
                    "usage: s7coldprobe [--period MS] [--count N] [--rounds N] [--maps DIR]\n");
            return 2;
        }
    }
    if (period_ms < 0 || period_ms > 1000 || count < 1 || count > MAX_COUNT || rounds < 1 ||
        rounds > MAX_ROUNDS) {
        fprintf(stderr, "s7coldprobe: --period 0..1000, --count 1..%d, --rounds 1..%d\n", MAX_COUNT,
                MAX_ROUNDS);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    printf("s7coldprobe: one 4-byte read every %d ms, %d requests per turn after %d warm-up, "
           "%d rounds (the sides take turns)\n",
           period_ms, count, WARM, rounds);
    double w[2][MAX_ROUNDS], s[2][MAX_ROUNDS], t[2][MAX_ROUNDS];
    for (int r = 0; r < rounds; r++) {
        for (int side = 0; side < 2; side++) {
            double m[2];
            turn(side, m);
            w[side][r] = m[0];
            s[side][r] = m[1];
            t[side][r] = m[0] + m[1];
        }
        printf("  round %d: server %.2f + %.2f = %.2f us, echo %.2f + %.2f = %.2f us\n", r + 1,
               w[0][r], s[0][r], t[0][r], w[1][r], s[1][r], t[1][r]);
    }
    printf("user space per request, medians of the rounds (epoll_wait's return to recv, recv to "
           "send, both):\n");
    for (int side = 0; side < 2; side++)
        printf("  %-7s %6.2f us %6.2f us %6.2f us\n", side ? "echo" : "server",
               median(w[side], rounds), median(s[side], rounds), median(t[side], rounds));
    return 0;
}
