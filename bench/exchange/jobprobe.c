/* s7jobprobe: the latency of a GET job of an emulated CPU (s7_xengine with the CPU's own
 * server, run by s7_xengine_run_once), to compare two builds of the requesting side on one
 * noisy machine.  s7xbench's case b measures the job in rounds of its own, and rounds differ
 * by more than the few microseconds a change of the job's path makes; two probes of two
 * builds running at once against one server, their cycles 5 ms apart, see the same machine.
 *
 *   s7jobprobe [--period MS] [--phase MS] [--time S] [--slot N] [--label TEXT] PORT
 *
 * The job reads DB1.DBD0 of the S7 server at 127.0.0.1:PORT (rack 0, slot --slot, default
 * 2) into its own DB2.DBD0 every --period ms (default 10); its first run starts --phase ms
 * (default 0) after a multiple of the period on the monotonic clock, so that two probes
 * started together with phases 0 and 5 take turns.  After 0.5 s of warm-up, each run's own
 * figure (s7_xjob_state.last_us, from the job's request to its reply) is kept for --time s
 * (default 30); printed: the label, the count and the 25th, 50th and 75th percentile.
 * libs7's public API only: it builds against any build's libs7.a, e.g.
 *   gcc -O2 -I include -I BUILD/include bench/exchange/jobprobe.c BUILD/libs7.a -o jp
 * Example, two builds against one `s7 server --profile s7-300 --db 1:64 --listen
 * 127.0.0.1:12100`: `jp_a --phase 0 --label a 12100 & jp_b --phase 5 --label b 12100`, then
 * again with the phases swapped. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s7/cpu.h"
#include "s7/exchange.h"
#include "s7/server.h"

#define MAX_SAMPLES 200000

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void usage(void)
{
    fprintf(stderr, "usage: s7jobprobe [--period MS] [--phase MS] [--time S] [--slot N] "
                    "[--label TEXT] PORT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    int period_ms = 10, slot = 2, port = 0;
    double phase_ms = 0, run_s = 30;
    const char *label = "job";
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--period") && i + 1 < argc)
            period_ms = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--phase") && i + 1 < argc)
            phase_ms = atof(argv[++i]);
        else if (!strcmp(argv[i], "--time") && i + 1 < argc)
            run_s = atof(argv[++i]);
        else if (!strcmp(argv[i], "--slot") && i + 1 < argc)
            slot = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--label") && i + 1 < argc)
            label = argv[++i];
        else if (argv[i][0] != '-' && !port)
            port = atoi(argv[i]);
        else
            usage();
    }
    if (port <= 0 || port > 65535 || period_ms < 1 || run_s <= 0 || slot < 0 || slot > 31 ||
        phase_ms < 0 || phase_ms >= period_ms)
        usage();
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    s7_server *srv = cpu && s7_cpu_add_db(cpu, 2, 64, 0) == 0 ? s7_server_new(cpu, &o) : NULL;
    if (!srv || s7_server_start(srv) != 0) {
        fprintf(stderr, "s7jobprobe: the emulated CPU did not start\n");
        return 1;
    }
    s7_exchange x;
    s7_exchange_init(&x);
    char line[256], err[256];
    snprintf(line, sizeof line,
             "get 127.0.0.1:%d DB1.DBD0 every %dms --slot %d into DB2.DBD0 --ndr DB2.DBX4.0 "
             "--status DB2.DBW6",
             port, period_ms, slot);
    if (s7_exchange_parse_job(&x, line, "s7jobprobe", err, sizeof err) < 0) {
        fprintf(stderr, "s7jobprobe: %s\n", err);
        return 1;
    }
    /* the first run at phase_ms past a multiple of the period (the job starts at once) */
    double p = period_ms / 1000.0,
           start = ((double)(long long)(now_s() / p) + 2) * p + phase_ms / 1000.0;
    struct timespec ts = {(time_t)start, (long)((start - (double)(time_t)start) * 1e9)};
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
    s7_xengine *e = s7_xengine_new(cpu, srv, &x, NULL);
    if (!e || s7_xengine_start(e) < 0) {
        fprintf(stderr, "s7jobprobe: the GET job did not start\n");
        return 1;
    }
    static uint32_t v[MAX_SAMPLES];
    size_t n = 0;
    unsigned long errors = 0;
    uint64_t runs = 0;
    s7_xjob_state st;
    double warm = now_s() + 0.5, end = warm + run_s;
    while (now_s() < end) {
        s7_xengine_run_once(e, 1000);
        s7_xengine_state(e, 0, &st);
        if (st.runs == runs)
            continue;
        runs = st.runs;
        if (st.status != S7_XST_OK)
            errors++;
        else if (now_s() >= warm && n < MAX_SAMPLES)
            v[n++] = st.last_us;
    }
    qsort(v, n, sizeof v[0], cmp_u32);
    printf("%s: %zu runs, %lu failed; latency us p25 %u p50 %u p75 %u\n", label, n, errors,
           n ? v[n / 4] : 0, n ? v[n / 2] : 0, n ? v[3 * n / 4] : 0);
    s7_xengine_free(e);
    s7_server_free(srv);
    s7_cpu_free(cpu);
    s7_exchange_free(&x);
    return n ? 0 : 1;
}
