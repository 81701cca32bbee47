/* s7pairprobe: the round trip of a 4-byte read (DB1.DBD0) to several S7 servers already
 * running, taken in turns request by request, to compare two builds (or two settings) of a
 * server on one machine with the noise of a shared VM spread evenly over them: s7xbench's
 * case b measures each side in its own 5-second round, and rounds differ by more than the
 * few microseconds a change of the server's cold path makes.
 *
 *   s7pairprobe [--period MS] [--time S] [--slot N] PORT...
 *
 * One connection to 127.0.0.1:PORT each (COTP CR to rack 0 slot --slot, default 2, then a
 * Setup Communication); then every --period ms (default 10, so each server has slept before
 * its request, as under a cyclic job) the next connection in turn gets the read request,
 * written and read back with blocking calls.  Per port: the count and the 25th, 50th and
 * 75th percentile of the round trip in microseconds, and its median against the first
 * port's.  Example: two builds of `s7 server --profile s7-300 --db 1:64` on ports 12001 and
 * 12002, then `s7pairprobe --time 30 12001 12002`.
 *
 * Per-process differences (where the scheduler wakes each server, its memory's layout) are of
 * the same order as such a change: run several servers of each build, the probe and the
 * servers pinned to one CPU (`taskset -c 1`), and the ports in both orders.
 *
 *   s7pairprobe --clock [--period MS] [--time S]
 *
 * What the first reading of the clock after a sleep costs (the reason `s7 server` reads it
 * only after its reply): every --period ms, after the sleep, clock_gettime(CLOCK_MONOTONIC)
 * through the vDSO as the library calls it, between two readings by the system call itself
 * (which does not touch the vDSO's pages), then a second vDSO reading the same way; the
 * medians of both brackets, the system calls' own cost included in each. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "s7/wire.h"

#define MAX_PORTS 8
#define MAX_SAMPLES 50000
#define WARM 3 /* requests per port not counted */

/* Sleep until *due + period_ms, which becomes the new *due (a cadence that does not drift). */
static void sleep_period(double *due, int period_ms)
{
    *due += period_ms / 1000.0;
    struct timespec ts = {(time_t)*due, (long)((*due - (double)(time_t)*due) * 1e9)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
}

/* The whole frame of an S7 PDU that enc wrote at buf + S7_ISO_HDR_LEN (its length), or -1. */
static int dt_frame(uint8_t *buf, size_t cap, int pdu_len)
{
    return pdu_len < 0 ? -1 : s7_iso_dt_wrap(buf, cap, (size_t)pdu_len, 1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void usage(void)
{
    fprintf(stderr, "usage: s7pairprobe [--period MS] [--time S] [--slot N] PORT...\n"
                    "       s7pairprobe --clock [--period MS] [--time S]\n");
    exit(2);
}

/* ns of a vDSO reading of the clock, bracketed by two readings through the system call */
static double bracket_ns(void)
{
    struct timespec a, v, b;
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &a);
    clock_gettime(CLOCK_MONOTONIC, &v);
    syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &b);
    return (double)(b.tv_sec - a.tv_sec) * 1e9 + (double)(b.tv_nsec - a.tv_nsec);
}

static int clock_probe(int period_ms, double run_s)
{
    static double first[MAX_SAMPLES], second[MAX_SAMPLES];
    int n = 0;
    double end = bench_now() + run_s, due = bench_now();
    while (bench_now() < end && n < MAX_SAMPLES) {
        sleep_period(&due, period_ms);
        first[n] = bracket_ns();
        second[n] = bracket_ns();
        n++;
    }
    qsort(first, (size_t)n, sizeof(double), cmp_double);
    qsort(second, (size_t)n, sizeof(double), cmp_double);
    printf("a vDSO reading of the clock between two system-call readings, %d sleeps of %d ms:\n"
           "  first after the sleep: p50 %.0f ns; the next one: p50 %.0f ns\n",
           n, period_ms, first[n / 2], second[n / 2]);
    return 0;
}

int main(int argc, char **argv)
{
    int period_ms = 10, slot = 2, nports = 0, clock_mode = 0;
    double run_s = 20;
    int port[MAX_PORTS];
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--period") && i + 1 < argc)
            period_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--time") && i + 1 < argc)
            run_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--clock"))
            clock_mode = 1;
        else if (!strcmp(argv[i], "--slot") && i + 1 < argc)
            slot = atoi(argv[++i]);
        else if (argv[i][0] != '-' && nports < MAX_PORTS)
            port[nports++] = atoi(argv[i]);
        else
            usage();
    }
    if (clock_mode && !nports && period_ms >= 1 && run_s > 0)
        return clock_probe(period_ms, run_s);
    if (!nports || clock_mode || period_ms < 1 || run_s <= 0 || slot < 0 || slot > 31)
        usage();
    /* COTP CR (calling TSAP 01.00, called 01.SLOT, TPDU 1024) and Setup Communication (PDU
     * 240), from libs7's encoders */
    uint8_t cr[64], setup[64], req[64];
    uint8_t calling[2] = {0x01, 0x00}, called[2] = {0x01, (uint8_t)slot};
    s7_cotp t;
    memset(&t, 0, sizeof t);
    t.code = S7_COTP_CR;
    t.src_ref = 1;
    t.tpdu_size = 0x0A;
    t.calling_len = t.called_len = 2;
    t.calling = calling;
    t.called = called;
    s7_setup su = {1, 1, 240};
    int crl = s7_cotp_encode(cr, sizeof cr, &t);
    int sul = dt_frame(
        setup, sizeof setup,
        s7_setup_req_encode(setup + S7_ISO_HDR_LEN, sizeof setup - S7_ISO_HDR_LEN, 0, &su));
    if (crl < 0 || sul < 0)
        return 1;
    uint8_t b[1024];
    int fd[MAX_PORTS], one = 1;
    for (int i = 0; i < nports; i++) {
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_port = htons((uint16_t)port[i]);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        fd[i] = socket(AF_INET, SOCK_STREAM, 0);
        if (fd[i] < 0 || connect(fd[i], (struct sockaddr *)&a, sizeof a)) {
            fprintf(stderr, "s7pairprobe: nothing listens on 127.0.0.1:%d\n", port[i]);
            return 1;
        }
        setsockopt(fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (bench_send_all(fd[i], cr, (size_t)crl) || bench_read_frame(fd[i], b, sizeof b) < 0 ||
            b[5] != S7_COTP_CC) {
            fprintf(stderr, "s7pairprobe: port %d refused the connection (rack 0 slot %d)\n",
                    port[i], slot);
            return 1;
        }
        if (bench_send_all(fd[i], setup, (size_t)sul) || bench_read_frame(fd[i], b, sizeof b) < 0 ||
            b[8] != S7_ACK_DATA) {
            fprintf(stderr, "s7pairprobe: port %d did not set up communication\n", port[i]);
            return 1;
        }
    }
    static double lat[MAX_PORTS][MAX_SAMPLES];
    int cnt[MAX_PORTS] = {0};
    double end = bench_now() + run_s, due = bench_now();
    s7_var_spec db1_dbd0 = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    for (unsigned k = 0; bench_now() < end; k++) {
        int i = (int)(k % (unsigned)nports);
        uint16_t ref = (uint16_t)k;
        int rql = dt_frame(req, sizeof req,
                           s7_read_req_encode(req + S7_ISO_HDR_LEN, sizeof req - S7_ISO_HDR_LEN,
                                              ref, &db1_dbd0, 1));
        double t0 = bench_now();
        int n = rql < 0 || bench_send_all(fd[i], req, (size_t)rql)
                    ? -1
                    : bench_read_frame(fd[i], b, sizeof b);
        double t1 = bench_now();
        /* an Ack-Data answering this reference, its item's return code 0xFF */
        if (n != 29 || b[8] != S7_ACK_DATA || (b[11] << 8 | b[12]) != ref || b[21] != 0xFF) {
            fprintf(stderr, "s7pairprobe: port %d did not answer the read of DB1.DBD0\n", port[i]);
            return 1;
        }
        if (k >= (unsigned)(WARM * nports) && cnt[i] < MAX_SAMPLES)
            lat[i][cnt[i]++] = (t1 - t0) * 1e6;
        sleep_period(&due, period_ms);
    }
    double first = 0;
    printf("round trip of a 4-byte read every %d ms, the ports in turn (us):\n", period_ms);
    for (int i = 0; i < nports; i++) {
        int c = cnt[i];
        if (!c)
            continue;
        qsort(lat[i], (size_t)c, sizeof(double), cmp_double);
        double p50 = lat[i][c / 2];
        if (i == 0)
            first = p50;
        printf("  port %5d: %6d requests, p25 %6.1f  p50 %6.1f  p75 %6.1f  p50 / first %.3f\n",
               port[i], c, lat[i][c / 4], p50, lat[i][c * 3 / 4], first > 0 ? p50 / first : 0);
    }
    return 0;
}
