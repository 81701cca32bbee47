/* s7pageprobe: what a cold memory page costs a round trip after a sleep, apart from its cold
 * cache line: the reason the pages a request's path touches count on this VM, not only its
 * instructions and lines (docs/exchange.md, "Cold pages (session 29)").
 *
 *   s7pageprobe [--period MS] [--count N] [--lines K]
 *
 * A TCP ping-pong of 33 and 29 bytes over 127.0.0.1 (the sizes of case b's read request and
 * reply), blocking reads and writes, one round trip every --period ms (default 10) to each of
 * four answering child processes in turn, --count round trips each (default 300).  Before
 * it answers, each child reads --lines K (default 32) cache lines it has not read for a
 * while, laid out differently per child:
 *   none        no reads (the floor);
 *   packed      K consecutive lines of one region (K cold lines, few pages);
 *   4k-pages    one line in each of K pages of 4 KiB, far apart (K cold lines, K cold pages);
 *   huge-page   K lines 4 KiB + 64 B apart within one 2 MiB page (madvised for a huge page):
 *               K cold lines on one page.
 * Each region is picked at random for every round trip out of 256 MiB touched once at the
 * start.  Per child: the round trip's p50 and p90 in microseconds and p50 less the floor's.
 * "4k-pages" against "huge-page" is what the page walks cost. */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NSIDES 4
#define REGION ((size_t)256 << 20)
#define HUGE ((size_t)2 << 20)
#define REQ_LEN 33
#define REP_LEN 29

static const char *const side_name[NSIDES] = {"none", "packed", "4k-pages", "huge-page"};

static int io_full(int fd, void *buf, size_t n, int wr)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = wr ? write(fd, p, n) : read(fd, p, n);
        if (r <= 0)
            return -1;
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

/* The answering child of one layout: reads K lines, then answers; ends when the socket does. */
static void answer(int fd, int side, int lines)
{
    uint8_t *b = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (b == MAP_FAILED)
        _exit(1);
    (void)madvise(b, REGION, side == 3 ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
    memset(b, 1, REGION);
    uint8_t *huge = (uint8_t *)(((uintptr_t)b + HUGE - 1) & ~(uintptr_t)(HUGE - 1));
    size_t nhuge = (size_t)(b + REGION - huge) / HUGE;
    unsigned seed = 17u * (unsigned)side + 1u;
    volatile unsigned sink = 0;
    uint8_t m[64];
    for (;;) {
        if (io_full(fd, m, REQ_LEN, 0) < 0)
            _exit(0);
        if (side == 1) {
            const uint8_t *p = b + (size_t)(rand_r(&seed) % 4000) * 64 * 1024;
            for (int i = 0; i < lines; i++)
                sink += p[(size_t)i * 64];
        } else if (side == 2) {
            for (int i = 0; i < lines; i++)
                sink += b[((size_t)(rand_r(&seed) % 65000) << 12) + (size_t)(i % 64) * 64];
        } else if (side == 3) {
            const uint8_t *p = huge + (size_t)(rand_r(&seed) % nhuge) * HUGE;
            for (int i = 0; i < lines; i++)
                sink += p[((size_t)i * (4096 + 64)) % HUGE];
        }
        if (io_full(fd, m, REP_LEN, 1) < 0)
            _exit(0);
    }
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static long long now_ns(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

int main(int argc, char **argv)
{
    int period = 10, count = 300, lines = 32;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--period") == 0 && i + 1 < argc)
            period = atoi(argv[++i]);
        else if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
            count = atoi(argv[++i]);
        else if (strcmp(argv[i], "--lines") == 0 && i + 1 < argc)
            lines = atoi(argv[++i]);
        else {
            fprintf(stderr, "usage: s7pageprobe [--period MS] [--count N] [--lines K]\n");
            return 2;
        }
    }
    if (period < 1 || count < 10 || count > 100000 || lines < 0 || lines > 512) {
        fprintf(stderr, "s7pageprobe: --period >= 1, --count 10..100000, --lines 0..512\n");
        return 2;
    }
    int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x7f000001)};
    socklen_t al = sizeof a;
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ls < 0 || bind(ls, (struct sockaddr *)&a, sizeof a) < 0 || listen(ls, NSIDES) < 0 ||
        getsockname(ls, (struct sockaddr *)&a, &al) < 0) {
        perror("s7pageprobe: listen");
        return 1;
    }
    int fd[NSIDES];
    pid_t kid[NSIDES];
    for (int s = 0; s < NSIDES; s++) {
        kid[s] = fork();
        if (kid[s] == 0) {
            int c = socket(AF_INET, SOCK_STREAM, 0);
            if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof a) < 0)
                _exit(1);
            setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            answer(c, s, lines);
        }
        fd[s] = accept(ls, NULL, NULL);
        if (fd[s] < 0) {
            perror("s7pageprobe: accept");
            return 1;
        }
        setsockopt(fd[s], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    long long *t[NSIDES];
    for (int s = 0; s < NSIDES; s++)
        t[s] = calloc((size_t)count, sizeof *t[s]);
    uint8_t m[64] = {0};
    struct timespec due;
    clock_gettime(CLOCK_MONOTONIC, &due);
    for (int r = -3; r < count; r++) /* 3 warm-up round trips a side, not counted */
        for (int s = 0; s < NSIDES; s++) {
            due.tv_nsec += (long)period * 1000000L;
            while (due.tv_nsec >= 1000000000L) {
                due.tv_nsec -= 1000000000L;
                due.tv_sec++;
            }
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL);
            long long t0 = now_ns();
            if (io_full(fd[s], m, REQ_LEN, 1) < 0 || io_full(fd[s], m, REP_LEN, 0) < 0) {
                fprintf(stderr, "s7pageprobe: side %s stopped answering\n", side_name[s]);
                return 1;
            }
            if (r >= 0)
                t[s][r] = now_ns() - t0;
        }
    printf("s7pageprobe: %d round trips a side, one every %d ms in turns, %d lines read before "
           "each answer\n",
           count, period, lines);
    printf("%-10s %10s %10s %16s\n", "layout", "p50 us", "p90 us", "p50 - none, us");
    double floor50 = 0;
    for (int s = 0; s < NSIDES; s++) {
        qsort(t[s], (size_t)count, sizeof *t[s], cmp_ll);
        double p50 = (double)t[s][count / 2] / 1e3, p90 = (double)t[s][count * 9 / 10] / 1e3;
        if (s == 0)
            floor50 = p50;
        printf("%-10s %10.1f %10.1f %16.1f\n", side_name[s], p50, p90, p50 - floor50);
        close(fd[s]);
    }
    for (int s = 0; s < NSIDES; s++)
        waitpid(kid[s], NULL, 0);
    return 0;
}
