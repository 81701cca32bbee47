/* s7load: the server benchmark's load generator.  In one run it measures s7kit's server and
 * the Snap7 server (each its own process) and the floor (s7echo: the same frames moved by
 * a server that does no S7 work), and prints one table: requests per second for five cases,
 * the server's CPU time per request (from /proc/PID/stat over each measured window), its
 * resident memory per idle connection at 1,000 and 10,000 connections, and (case g) the
 * latency of a well-behaved client next to greedy clients that never read their replies,
 * with the server's memory meanwhile.  Every reply is matched to its request by PDU
 * reference and its data checked against DB1's pattern.
 *
 * Usage: s7load --ours HOST:PORT[,PID] --snap7 HOST:PORT[,PID] --floor HOST:PORT[,PID]
 *               [--time S] [--rounds N] [--warm S] [--cases abcdeg] [--idle N1,N2]
 *               [--greedy N] [--greedy-reqs N] [--greedy-time S]
 *               [--markdown] [--verbose] [--no-fill] [--label-ours T] [--label-snap7 T]
 *               [--placement T] [--command T]
 * Any peer may be left out (its column shows n/a).  bench/load/run.sh starts the servers
 * and passes all of this; bench/load/README.md says what each figure means.  Exit status:
 * 0, 1 when a reply was wrong or missing, 2 on a usage or set-up error. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum { P_OURS, P_SNAP7, P_FLOOR, P_COUNT };
enum { NCASES = 5, MAX_ROUNDS = 50, NIDLE = 2 };

typedef struct case_def {
    char letter;
    const char *name;
    unsigned conns, depth;
    int big;
} case_def;

static const case_def CASES[NCASES] = {
    {'a', "4 B read, 1 conn, 1 in flight", 1, 1, 0},
    {'b', "4 B read, 1 conn, 8 in flight", 1, 8, 0},
    {'c', "4 B read, 64 conns x 1 in flight", 64, 1, 0},
    {'d', "4 B read, 64 conns x 8 in flight", 64, 8, 0},
    {'e', "64 KB read (70 x 942 B), 8 in flight", 1, 8, 1},
};

typedef struct cell {
    int state; /* 0 not run, 1 measured, -1 failed */
    int n;
    double round[MAX_ROUNDS];
    double rate, mbps; /* median round */
    unsigned long long reqs, bytes, srv_ticks;
    double secs;
    int ticks_ok;
    double self_util, others; /* worst round */
    unsigned long errors;
    unsigned depth;
} cell;

/* Case g on one peer: the well-behaved client's latencies of every round together. */
typedef struct greedy_cell {
    int state; /* 0 not run, 1 measured, -1 failed */
    int n;     /* rounds */
    double *lat;
    size_t nlat, cap;
    double secs;
    int unanswered, good_closed, peak_hwm;
    unsigned up_min, refused_max, closed_max, capped_max;
    unsigned long long greedy_reqs, up_sum;
    long rss0[MAX_ROUNDS], rss[MAX_ROUNDS], peak[MAX_ROUNDS];
    double kq[MAX_ROUNDS]; /* bytes in the server's socket queues at the end, -1 unknown */
    double kq_rx[MAX_ROUNDS];
    unsigned long errors;
    double others;        /* worst round: other processes' share of all CPU time */
    double med, p99, max; /* seconds */
} greedy_cell;

typedef struct idle_cell {
    int state; /* 0 not run, 1 measured, -1 failed */
    unsigned want, held, refused;
    double kb_per_conn;
} idle_cell;

typedef struct peer {
    gen_target t;
    int on;
    const char *label;
    unsigned pdu, amq;
    long nofile;
    long rss0_kb;
    idle_cell idle[NIDLE];
} peer;

typedef struct cfg {
    double time, warm;
    int rounds, markdown, verbose, fill;
    int cases[NCASES];
    unsigned idle[NIDLE];
    int greedy_on;
    unsigned greedy, greedy_reqs;
    double greedy_time;
    const char *placement, *command;
} cfg;

static peer P[P_COUNT];
static cell C[NCASES][P_COUNT];
static greedy_cell GC[P_COUNT];
static cfg G;
static long hz;

static void usage(FILE *f)
{
    fprintf(f,
            "usage: s7load --ours HOST:PORT[,PID] --snap7 HOST:PORT[,PID] --floor HOST:PORT[,PID]\n"
            "              [options]\n"
            "  --ours A        s7kit's server (PID: its process, for CPU time and memory)\n"
            "  --snap7 A       the Snap7 server (snap7srv)\n"
            "  --floor A       the floor's echo server (s7echo)\n"
            "  --time S        seconds measured per peer per case (default 1.5)\n"
            "  --rounds N      split that time into N rounds that interleave the peers; a cell\n"
            "                  is the median round (default 3)\n"
            "  --warm S        warm-up before each measured round (default 0.2)\n"
            "  --cases LIST    cases to run, e.g. ade (default abcdeg)\n"
            "  --greedy N      case g: greedy connections that never read a reply (default 200)\n"
            "  --greedy-reqs N case g: requests each greedy connection sends at most (default\n"
            "                  4096)\n"
            "  --greedy-time S case g: seconds measured per peer, split into the rounds\n"
            "                  (default 3)\n"
            "  --idle N1,N2    idle connection counts for the memory rows (default 1000,10000;\n"
            "                  0 skips them)\n"
            "  --no-fill       do not write the DB1 pattern first (the servers already hold it)\n"
            "  --markdown      print the table as Markdown\n"
            "  --verbose       print every round (stderr)\n"
            "  --label-ours T, --label-snap7 T, --placement T, --command T\n"
            "                  texts for the table's header (run.sh passes them)\n");
}

static int parse_target(const char *v, gen_target *t)
{
    const char *colon = strrchr(v, ':');
    if (!colon || colon == v || (size_t)(colon - v) >= sizeof t->host)
        return -1;
    memcpy(t->host, v, (size_t)(colon - v));
    t->host[colon - v] = 0;
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (end == colon + 1 || port == 0 || port > 65535)
        return -1;
    t->port = (uint16_t)port;
    if (*end == ',') {
        long pid = strtol(end + 1, &end, 10);
        if (pid <= 0)
            return -1;
        t->pid = (int)pid;
    }
    return *end ? -1 : 0;
}

static int parse_args(int argc, char **argv)
{
    G.time = 1.5;
    G.warm = 0.2;
    G.rounds = 3;
    G.fill = 1;
    G.idle[0] = 1000;
    G.idle[1] = 10000;
    for (int k = 0; k < NCASES; k++)
        G.cases[k] = 1;
    G.greedy_on = 1;
    G.greedy = 200;
    G.greedy_reqs = 4096;
    G.greedy_time = 3.0;
    P[P_OURS].t.name = "s7kit server";
    P[P_SNAP7].t.name = "Snap7 server";
    P[P_FLOOR].t.name = "floor (s7echo)";
    P[P_OURS].label = "s7kit server";
    P[P_SNAP7].label = "Snap7 server";
    P[P_FLOOR].label = "s7echo";
    P[P_OURS].t.s7 = P[P_SNAP7].t.s7 = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        int p = strcmp(a, "--ours") == 0    ? P_OURS
                : strcmp(a, "--snap7") == 0 ? P_SNAP7
                : strcmp(a, "--floor") == 0 ? P_FLOOR
                                            : -1;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (strcmp(a, "--markdown") == 0) {
            G.markdown = 1;
        } else if (strcmp(a, "--verbose") == 0) {
            G.verbose = 1;
        } else if (strcmp(a, "--no-fill") == 0) {
            G.fill = 0;
        } else if (!v) {
            fprintf(stderr, "s7load: %s: unknown option or missing value\n", a);
            return -1;
        } else if (p >= 0) {
            if (parse_target(v, &P[p].t) < 0) {
                fprintf(stderr, "s7load: %s %s: expected HOST:PORT or HOST:PORT,PID\n", a, v);
                return -1;
            }
            P[p].on = 1;
            i++;
        } else if (strcmp(a, "--time") == 0) {
            G.time = atof(v);
            i++;
        } else if (strcmp(a, "--warm") == 0) {
            G.warm = atof(v);
            i++;
        } else if (strcmp(a, "--rounds") == 0) {
            G.rounds = atoi(v);
            i++;
        } else if (strcmp(a, "--cases") == 0) {
            for (int k = 0; k < NCASES; k++)
                G.cases[k] = strchr(v, CASES[k].letter) != NULL;
            G.greedy_on = strchr(v, 'g') != NULL;
            i++;
        } else if (strcmp(a, "--greedy") == 0) {
            G.greedy = (unsigned)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--greedy-reqs") == 0) {
            G.greedy_reqs = (unsigned)strtoul(v, NULL, 10);
            i++;
        } else if (strcmp(a, "--greedy-time") == 0) {
            G.greedy_time = atof(v);
            i++;
        } else if (strcmp(a, "--idle") == 0) {
            char *end;
            G.idle[0] = (unsigned)strtoul(v, &end, 10);
            G.idle[1] = *end == ',' ? (unsigned)strtoul(end + 1, NULL, 10) : 0;
            if (G.idle[1] && G.idle[1] < G.idle[0]) {
                fprintf(stderr, "s7load: --idle N1,N2 needs N1 <= N2\n");
                return -1;
            }
            i++;
        } else if (strcmp(a, "--label-ours") == 0) {
            P[P_OURS].label = v;
            i++;
        } else if (strcmp(a, "--label-snap7") == 0) {
            P[P_SNAP7].label = v;
            i++;
        } else if (strcmp(a, "--placement") == 0) {
            G.placement = v;
            i++;
        } else if (strcmp(a, "--command") == 0) {
            G.command = v;
            i++;
        } else {
            fprintf(stderr, "s7load: %s: unknown option\n", a);
            return -1;
        }
    }
    if (G.time <= 0 || G.warm < 0 || G.rounds < 1 || G.rounds > MAX_ROUNDS) {
        fprintf(stderr, "s7load: --time > 0, --warm >= 0, --rounds 1..%d\n", MAX_ROUNDS);
        return -1;
    }
    if (G.greedy_time <= 0 || G.greedy > 100000 || G.greedy_reqs < 1 || G.greedy_reqs > 1000000) {
        fprintf(stderr, "s7load: --greedy-time > 0, --greedy 0..100000, --greedy-reqs "
                        "1..1000000\n");
        return -1;
    }
    if (!P[P_OURS].on && !P[P_SNAP7].on && !P[P_FLOOR].on) {
        usage(stderr);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- measuring */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(const double *v, int n)
{
    double s[MAX_ROUNDS];
    memcpy(s, v, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* One round of case k on peer p.  0, or -1 when it could not run. */
static int run_round(int k, int p, int round)
{
    gen_case gc = {CASES[k].conns, CASES[k].depth, CASES[k].big, G.warm, G.time / G.rounds};
    gen_result r;
    cell *c = &C[k][p];
    int rc = gen_run(&P[p].t, &gc, &r);
    if (rc < 0) {
        fprintf(stderr, "s7load: case %c, %s: %s\n", CASES[k].letter, P[p].t.name, r.msg);
        c->state = -1;
        return -1;
    }
    if (r.errors) {
        fprintf(stderr, "s7load: case %c, %s: %lu wrong or missing replies; first: %s\n",
                CASES[k].letter, P[p].t.name, r.errors, r.msg);
        c->errors += r.errors;
    }
    if (p != P_FLOOR && r.pdu) {
        P[p].pdu = r.pdu;
        P[p].amq = r.amq;
    }
    double rate = r.secs > 0 ? (double)r.reqs / r.secs : 0;
    c->round[c->n++] = rate;
    c->reqs += r.reqs;
    c->bytes += r.bytes;
    c->secs += r.secs;
    c->srv_ticks += r.srv_ticks;
    c->ticks_ok = (c->n == 1 || c->ticks_ok) && r.srv_ticks_ok;
    c->depth = r.depth;
    double self = r.secs > 0 ? (double)r.self_ticks / (double)hz / r.secs : 0;
    if (self > c->self_util)
        c->self_util = self;
    double others = 0;
    if (r.total_ticks) {
        others = ((double)r.busy_ticks - (double)r.self_ticks - (double)r.srv_ticks) /
                 (double)r.total_ticks;
        if (others > c->others)
            c->others = others;
    }
    c->state = 1;
    if (G.verbose)
        fprintf(stderr,
                "  case %c round %d %-15s %10.0f req/s  %6.2f MB/s  server %llu ticks / %llu req, "
                "generator CPU %.0f%%\n",
                CASES[k].letter, round + 1, P[p].t.name, rate,
                r.secs > 0 ? (double)r.bytes / r.secs / 1e6 : 0, r.srv_ticks, r.reqs, self * 100);
    return 0;
}

static void run_cases(void)
{
    for (int k = 0; k < NCASES; k++) {
        if (!G.cases[k])
            continue;
        if (!G.markdown)
            fprintf(stderr, "s7load: case %c: %s ...\n", CASES[k].letter, CASES[k].name);
        for (int round = 0; round < G.rounds; round++) {
            for (int j = 0; j < P_COUNT; j++) {
                int p = (j + round) % P_COUNT; /* rotate who goes first */
                if (P[p].on && C[k][p].state >= 0)
                    run_round(k, p, round);
            }
        }
        for (int p = 0; p < P_COUNT; p++) {
            cell *c = &C[k][p];
            if (c->state == 1) {
                c->rate = median(c->round, c->n);
                c->mbps = c->secs > 0 ? (double)c->bytes / c->secs / 1e6 : 0;
            }
        }
    }
}

/* Wait until a server is back to `threads` threads (Snap7 ends a client's thread within its
 * 100 ms work interval), at most 10 s. */
static void wait_threads(int pid, long threads)
{
    for (int i = 0; i < 100 && pid > 0 && threads > 0; i++) {
        long now = proc_threads(pid);
        if (now < 0 || now <= threads)
            return;
        struct timespec ts = {0, 100 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

/* One round of case g on peer p. */
static void greedy_round(int p, int round)
{
    greedy_cell *c = &GC[p];
    gen_greedy_case gc = {G.greedy, G.greedy_reqs, G.warm, G.greedy_time / G.rounds};
    gen_greedy_result r;
    long threads0 = P[p].t.pid > 0 ? proc_threads(P[p].t.pid) : -1;
    if (gen_greedy_run(&P[p].t, &gc, &r) < 0) {
        fprintf(stderr, "s7load: case g, %s: %s\n", P[p].t.name, r.msg);
        c->state = -1;
        return;
    }
    if (r.errors) {
        fprintf(stderr, "s7load: case g, %s: %lu wrong replies; first: %s\n", P[p].t.name, r.errors,
                r.msg);
        c->errors += r.errors;
    }
    if (r.greedy_refused && G.verbose)
        fprintf(stderr, "s7load: case g, %s: %u greedy connections not set up; first: %s\n",
                P[p].t.name, r.greedy_refused, r.note);
    if (r.nlat) {
        if (c->nlat + r.nlat > c->cap) {
            size_t cap = c->nlat + r.nlat;
            double *a = realloc(c->lat, cap * sizeof *a);
            if (a) {
                c->lat = a;
                c->cap = cap;
            }
        }
        if (c->nlat + r.nlat <= c->cap) {
            memcpy(c->lat + c->nlat, r.lat, r.nlat * sizeof *r.lat);
            c->nlat += r.nlat;
        }
    }
    free(r.lat);
    int i = c->n++;
    c->secs += r.secs;
    c->unanswered |= r.unanswered;
    c->good_closed |= r.good_closed;
    c->peak_hwm = (i == 0 || c->peak_hwm) && r.peak_hwm;
    if (i == 0 || r.greedy_up < c->up_min)
        c->up_min = r.greedy_up;
    if (r.greedy_refused > c->refused_max)
        c->refused_max = r.greedy_refused;
    if (r.greedy_closed > c->closed_max)
        c->closed_max = r.greedy_closed;
    if (r.greedy_capped > c->capped_max)
        c->capped_max = r.greedy_capped;
    c->greedy_reqs += r.greedy_reqs;
    c->up_sum += r.greedy_up;
    c->rss0[i] = r.rss0_kb;
    c->rss[i] = r.rss_kb;
    c->peak[i] = r.peak_kb;
    c->kq[i] = r.kq_ok ? (double)(r.kq_tx + r.kq_rx) : -1;
    c->kq_rx[i] = r.kq_ok ? (double)r.kq_rx : -1;
    double others = 0;
    if (r.total_ticks) {
        others = ((double)r.busy_ticks - (double)r.self_ticks - (double)r.srv_ticks) /
                 (double)r.total_ticks;
        if (others > c->others)
            c->others = others;
    }
    c->state = 1;
    if (G.verbose)
        fprintf(stderr,
                "  case g round %d %-15s %zu answered in %.2f s (slowest %.2f ms, sent at +%.3f "
                "s)%s%s, greedy %u up %u refused %u "
                "closed %u capped %llu req, VmRSS %ld -> %ld KiB (peak %ld%s), server CPU "
                "%.2f s, its %u sockets queue %.1f MiB out %.1f MiB in; other processes %.0f%%\n",
                round + 1, P[p].t.name, r.nlat, r.secs, r.slowest * 1e3, r.slowest_at,
                r.unanswered ? ", one unanswered" : "",
                r.good_closed ? ", closed by the server" : "", r.greedy_up, r.greedy_refused,
                r.greedy_closed, r.greedy_capped, r.greedy_reqs, r.rss0_kb, r.rss_kb, r.peak_kb,
                r.peak_hwm ? ", VmHWM" : ", sampled", (double)r.srv_ticks / (double)hz, r.kq_socks,
                (double)r.kq_tx / 1048576.0, (double)r.kq_rx / 1048576.0, others * 100);
    /* Snap7 ends a client's thread within its 100 ms work interval: let them go first */
    wait_threads(P[p].t.pid, threads0);
}

static void run_greedy(void)
{
    if (!G.greedy_on)
        return;
    if (!G.markdown)
        fprintf(stderr, "s7load: case g: %u greedy connections, one well-behaved ...\n", G.greedy);
    for (int round = 0; round < G.rounds; round++) {
        for (int j = 0; j < P_COUNT; j++) {
            int p = (j + round) % P_COUNT;
            if (P[p].on && GC[p].state >= 0)
                greedy_round(p, round);
        }
    }
    for (int p = 0; p < P_COUNT; p++) {
        greedy_cell *c = &GC[p];
        if (c->state != 1 || !c->nlat)
            continue;
        qsort(c->lat, c->nlat, sizeof *c->lat, cmp_double);
        c->med = c->lat[c->nlat / 2];
        size_t i99 = (c->nlat * 99 + 99) / 100; /* the ceiling of 0.99 n, 1-based */
        c->p99 = c->lat[i99 ? i99 - 1 : 0];
        c->max = c->lat[c->nlat - 1];
    }
}

static void run_idle(int p)
{
    peer *x = &P[p];
    if (!x->t.pid) {
        fprintf(stderr, "s7load: %s: no PID given, no memory figures\n", x->t.name);
        return;
    }
    char msg[GEN_MSG];
    unsigned held = 0, refused = 0;
    long threads0 = proc_threads(x->t.pid);
    gen_idle *g = gen_idle_new(&x->t);
    if (!g)
        return;
    /* one connection first, kept open: first-use costs land in the baseline */
    if (gen_idle_open(g, 1, &held, &refused, msg) < 0 || held != 1) {
        fprintf(stderr, "s7load: %s: cannot open the first idle connection: %s\n", x->t.name, msg);
        gen_idle_free(g);
        return;
    }
    gen_idle_settle(g, 200);
    long rss0 = proc_rss_kb(x->t.pid);
    x->rss0_kb = rss0;
    unsigned opened = 1;
    for (int i = 0; i < NIDLE; i++) {
        idle_cell *ic = &x->idle[i];
        if (!G.idle[i])
            continue;
        ic->want = G.idle[i];
        if (!G.markdown)
            fprintf(stderr, "s7load: %s: %u idle connections ...\n", x->t.name, ic->want);
        unsigned more = ic->want + 1 > opened ? ic->want + 1 - opened : 0;
        int rc = gen_idle_open(g, more, &held, &refused, msg);
        opened += more;
        held = gen_idle_settle(g, 500);
        long rss = proc_rss_kb(x->t.pid);
        ic->held = held > 0 ? held - 1 : 0;
        ic->refused = opened - held;
        if (rc < 0)
            fprintf(stderr, "s7load: %s: %s\n", x->t.name, msg);
        if (rss < 0 || rss0 < 0 || ic->held == 0) {
            ic->state = -1;
            continue;
        }
        ic->kb_per_conn = (double)(rss - rss0) / ic->held;
        ic->state = 1;
        if (G.verbose)
            fprintf(stderr, "  idle %-15s %u asked, %u held, %u refused: VmRSS %ld -> %ld KiB\n",
                    x->t.name, ic->want, ic->held, ic->refused, rss0, rss);
    }
    gen_idle_free(g);
    wait_threads(x->t.pid, threads0);
}

/* ---------------------------------------------------------------- the table */

static void fmt_count(char *out, size_t cap, double v)
{
    unsigned long long n = (unsigned long long)(v + 0.5);
    char digits[32], tmp[48];
    snprintf(digits, sizeof digits, "%llu", n);
    size_t len = strlen(digits), o = 0;
    for (size_t i = 0; i < len; i++) {
        if (i && (len - i) % 3 == 0)
            tmp[o++] = ',';
        tmp[o++] = digits[i];
    }
    tmp[o] = 0;
    snprintf(out, cap, "%s", tmp);
}

static const char *rate_text(const cell *c, int k, char *buf, size_t cap)
{
    char n[48];
    if (c->state == 0)
        return "n/a";
    if (c->state < 0)
        return "FAIL";
    fmt_count(n, sizeof n, c->rate);
    if (CASES[k].big)
        snprintf(buf, cap, "%s req/s (%.1f MB/s)%s", n, c->mbps, c->errors ? " ERR" : "");
    else
        snprintf(buf, cap, "%s req/s%s%s", n, c->self_util > 0.9 ? "*" : "",
                 c->errors ? " ERR" : "");
    return buf;
}

static double cpu_us(const cell *c)
{
    if (c->state != 1 || !c->ticks_ok || !c->reqs)
        return -1;
    return (double)c->srv_ticks * 1e6 / (double)hz / (double)c->reqs;
}

/* All measured cases of a peer together: server ticks over requests served. */
static double cpu_us_all(int p)
{
    unsigned long long ticks = 0, reqs = 0;
    for (int k = 0; k < NCASES; k++) {
        const cell *c = &C[k][p];
        if (c->state != 1 || !c->ticks_ok)
            continue;
        ticks += c->srv_ticks;
        reqs += c->reqs;
    }
    return reqs ? (double)ticks * 1e6 / (double)hz / (double)reqs : -1;
}

static const char *ratio_text(double a, double b, char *buf, size_t cap, const char *suffix)
{
    if (a < 0 || b <= 0)
        return "-";
    snprintf(buf, cap, "%.2f%s", a / b, suffix);
    return buf;
}

static void row(const char *name, const char *c1, const char *c2, const char *c3, const char *c4,
                const char *c5)
{
    if (G.markdown)
        printf("| %s | %s | %s | %s | %s | %s |\n", name, c1, c2, c3, c4, c5);
    else
        printf("%-38s | %-26s | %-26s | %-6s | %-26s | %s\n", name, c1, c2, c3, c4, c5);
}

static const char *lat_text(const greedy_cell *c, double v, char *buf, size_t cap)
{
    if (c->state == 0)
        return "n/a";
    if (c->state < 0)
        return "FAIL";
    if (!c->nlat)
        return "none answered";
    if (v < 1e-3)
        snprintf(buf, cap, "%.0f us", v * 1e6);
    else if (v < 1.0)
        snprintf(buf, cap, "%.2f ms", v * 1e3);
    else
        snprintf(buf, cap, "%.2f s", v);
    return buf;
}

/* The memory of case g: at the end of the window (median round) or its peak (the largest
 * round), in KiB, with the growth over the start of the window; -1 unknown. */
static double greedy_kb(const greedy_cell *c, int peak, double *growth)
{
    double v[MAX_ROUNDS], g[MAX_ROUNDS], best = -1, best_g = 0;
    int n = 0;
    for (int i = 0; i < c->n; i++) {
        long x = peak ? c->peak[i] : c->rss[i];
        if (x < 0 || c->rss0[i] < 0)
            continue;
        v[n] = (double)x;
        g[n] = (double)(x - c->rss0[i]);
        if (v[n] > best) {
            best = v[n];
            best_g = g[n];
        }
        n++;
    }
    if (!n)
        return -1;
    if (peak) {
        *growth = best_g;
        return best;
    }
    *growth = median(g, n);
    return median(v, n);
}

static void print_greedy(void)
{
    char name[96], b[P_COUNT][160], r1[32], r2[32];
    const char *what[3] = {"median", "p99", "max"};
    for (int w = 0; w < 3; w++) {
        double v[P_COUNT];
        const char *t[P_COUNT];
        for (int p = 0; p < P_COUNT; p++) {
            const greedy_cell *c = &GC[p];
            v[p] = c->state == 1 && c->nlat ? (w == 0 ? c->med : w == 1 ? c->p99 : c->max) : -1;
            t[p] = lat_text(c, v[p], b[p], sizeof b[p]);
        }
        snprintf(name, sizeof name, "g. %u greedy: latency, %s", G.greedy, what[w]);
        row(name, t[P_OURS], t[P_SNAP7], ratio_text(v[P_OURS], v[P_SNAP7], r1, sizeof r1, "x"),
            t[P_FLOOR], ratio_text(v[P_OURS], v[P_FLOOR], r2, sizeof r2, ""));
    }
    double rate[P_COUNT];
    const char *t[P_COUNT];
    for (int p = 0; p < P_COUNT; p++) {
        const greedy_cell *c = &GC[p];
        rate[p] = c->state == 1 && c->secs > 0 ? (double)c->nlat / c->secs : -1;
        if (c->state != 1) {
            t[p] = c->state ? "FAIL" : "n/a";
            continue;
        }
        char n1[48], n2[48];
        fmt_count(n1, sizeof n1, (double)c->nlat);
        fmt_count(n2, sizeof n2, rate[p] > 0 ? rate[p] : 0);
        snprintf(b[p], sizeof b[p], "%s (%s/s)%s%s%s", n1, n2,
                 c->unanswered ? ", one unanswered 5 s" : "",
                 c->good_closed ? ", closed by the server" : "", c->errors ? " ERR" : "");
        t[p] = b[p];
    }
    snprintf(name, sizeof name, "g. %u greedy: well-behaved answered", G.greedy);
    row(name, t[P_OURS], t[P_SNAP7], ratio_text(rate[P_OURS], rate[P_SNAP7], r1, sizeof r1, "x"),
        t[P_FLOOR], ratio_text(rate[P_OURS], rate[P_FLOOR], r2, sizeof r2, ""));
    for (int peak = 0; peak < 2; peak++) {
        double kb[P_COUNT];
        for (int p = 0; p < P_COUNT; p++) {
            const greedy_cell *c = &GC[p];
            double growth = 0;
            kb[p] = c->state == 1 ? greedy_kb(c, peak, &growth) : -1;
            if (kb[p] < 0) {
                t[p] = c->state == 1 ? "n/a (no PID)" : c->state ? "FAIL" : "n/a";
                continue;
            }
            snprintf(b[p], sizeof b[p], "%.1f MiB (%+.1f)%s", kb[p] / 1024.0, growth / 1024.0,
                     peak && !c->peak_hwm ? " ~" : "");
            t[p] = b[p];
        }
        snprintf(name, sizeof name, "g. %u greedy: server %s", G.greedy,
                 peak ? "peak RSS (VmHWM)" : "RSS at window end");
        row(name, t[P_OURS], t[P_SNAP7], ratio_text(kb[P_OURS], kb[P_SNAP7], r1, sizeof r1, "x"),
            t[P_FLOOR], ratio_text(kb[P_OURS], kb[P_FLOOR], r2, sizeof r2, ""));
    }
    double kq[P_COUNT];
    for (int p = 0; p < P_COUNT; p++) {
        const greedy_cell *c = &GC[p];
        double v[MAX_ROUNDS], in[MAX_ROUNDS];
        int n = 0;
        for (int i = 0; c->state == 1 && i < c->n; i++) {
            if (c->kq[i] >= 0) {
                v[n] = c->kq[i];
                in[n++] = c->kq_rx[i];
            }
        }
        kq[p] = n ? median(v, n) : -1;
        if (!n) {
            t[p] = c->state == 1 ? "n/a" : c->state ? "FAIL" : "n/a";
            continue;
        }
        snprintf(b[p], sizeof b[p], "%.1f MiB (%.1f unread)", kq[p] / 1048576.0,
                 median(in, n) / 1048576.0);
        t[p] = b[p];
    }
    snprintf(name, sizeof name, "g. %u greedy: server socket queues", G.greedy);
    row(name, t[P_OURS], t[P_SNAP7], ratio_text(kq[P_OURS], kq[P_SNAP7], r1, sizeof r1, "x"),
        t[P_FLOOR], ratio_text(kq[P_OURS], kq[P_FLOOR], r2, sizeof r2, ""));
    for (int p = 0; p < P_COUNT; p++) {
        const greedy_cell *c = &GC[p];
        if (c->state != 1) {
            t[p] = c->state ? "FAIL" : "n/a";
            continue;
        }
        char n1[48];
        /* requests a greedy connection's socket took, on average */
        fmt_count(n1, sizeof n1, c->up_sum ? (double)c->greedy_reqs / (double)c->up_sum : 0);
        snprintf(b[p], sizeof b[p], "%u up, %u closed, %s req each", c->up_min, c->closed_max, n1);
        if (c->refused_max) {
            size_t l = strlen(b[p]);
            snprintf(b[p] + l, sizeof b[p] - l, ", %u refused", c->refused_max);
        }
        t[p] = b[p];
    }
    snprintf(name, sizeof name, "g. %u greedy: greedy connections", G.greedy);
    row(name, t[P_OURS], t[P_SNAP7], "-", t[P_FLOOR], "-");
}

static void print_table(double la0[3], double la1[3])
{
    char b1[96], b2[96], b3[32], b4[96], b5[32], name[96];
    const char *br = G.markdown ? "  " : "";
    if (G.markdown)
        printf("\n");
    printf("s7load: server benchmark, loopback, one run%s\n", br);
    for (int p = 0; p < P_COUNT; p++) {
        if (!P[p].on)
            continue;
        printf("  %-6s %s, %s:%u, pid %d",
               p == P_OURS    ? "s7kit:"
               : p == P_SNAP7 ? "Snap7:"
                              : "floor:",
               P[p].label, P[p].t.host, (unsigned)P[p].t.port, P[p].t.pid);
        if (p != P_FLOOR && P[p].pdu)
            printf(", negotiated PDU %u, AmQ %u", P[p].pdu, P[p].amq);
        if (P[p].nofile > 0)
            printf(", open files <= %ld", P[p].nofile);
        printf("%s\n", br);
    }
    printf("  rounds: %d x %.2f s per peer per case (+%.2f s warm-up each), median round%s\n",
           G.rounds, G.time / G.rounds, G.warm, br);
    if (G.greedy_on)
        printf("  case g: %u greedy connections (SO_RCVBUF %d asked), %u requests of %u bytes "
               "each at most, never a reply read; one well-behaved connection, 4-byte reads one "
               "at a time; %d x %.2f s per peer (+%.2f s of it alone first); latencies of all "
               "rounds together%s\n",
               G.greedy, GEN_GREEDY_RCVBUF, G.greedy_reqs, GEN_GREEDY_LEN, G.rounds,
               G.greedy_time / G.rounds, G.warm, br);
    if (G.placement)
        printf("  CPUs:   %s%s\n", G.placement, br);
    printf("  load average before %.2f %.2f %.2f, after %.2f %.2f %.2f%s\n", la0[0], la0[1], la0[2],
           la1[0], la1[1], la1[2], br);
    if (G.command)
        printf("  command: %s%s\n", G.command, br);
    printf("\n");
    if (G.markdown) {
        printf("| case | s7kit server | Snap7 server | ratio | floor | s7kit/floor |\n");
        printf("|---|---|---|---|---|---|\n");
    } else {
        row("case", "s7kit server", "Snap7 server", "ratio", "floor", "s7kit/floor");
        printf("%.*s\n", 150,
               "-----------------------------------------------------------------------------------"
               "----------------------------------------------------------------------");
    }
    for (int k = 0; k < NCASES; k++) {
        if (!G.cases[k])
            continue;
        const cell *o = &C[k][P_OURS], *s = &C[k][P_SNAP7], *f = &C[k][P_FLOOR];
        snprintf(name, sizeof name, "%c. %s", CASES[k].letter, CASES[k].name);
        double ov = o->state == 1 ? o->rate : -1, sv = s->state == 1 ? s->rate : -1,
               fv = f->state == 1 ? f->rate : -1;
        row(name, rate_text(o, k, b1, sizeof b1), rate_text(s, k, b2, sizeof b2),
            ratio_text(ov, sv, b3, sizeof b3, "x"), rate_text(f, k, b4, sizeof b4),
            ratio_text(ov, fv, b5, sizeof b5, ""));
    }
    if (G.greedy_on)
        print_greedy();
    for (int k = 0; k < NCASES; k++) {
        if (!G.cases[k])
            continue;
        double o = cpu_us(&C[k][P_OURS]), s = cpu_us(&C[k][P_SNAP7]), f = cpu_us(&C[k][P_FLOOR]);
        snprintf(name, sizeof name, "server CPU per request, case %c", CASES[k].letter);
        if (o >= 0)
            snprintf(b1, sizeof b1, "%.2f us", o);
        if (s >= 0)
            snprintf(b2, sizeof b2, "%.2f us", s);
        if (f >= 0)
            snprintf(b4, sizeof b4, "%.2f us", f);
        row(name, o >= 0 ? b1 : "n/a", s >= 0 ? b2 : "n/a", ratio_text(o, s, b3, sizeof b3, "x"),
            f >= 0 ? b4 : "n/a", ratio_text(o, f, b5, sizeof b5, ""));
    }
    double all[P_COUNT];
    for (int p = 0; p < P_COUNT; p++)
        all[p] = cpu_us_all(p);
    if (all[P_OURS] >= 0 || all[P_SNAP7] >= 0) {
        if (all[P_OURS] >= 0)
            snprintf(b1, sizeof b1, "%.2f us", all[P_OURS]);
        if (all[P_SNAP7] >= 0)
            snprintf(b2, sizeof b2, "%.2f us", all[P_SNAP7]);
        if (all[P_FLOOR] >= 0)
            snprintf(b4, sizeof b4, "%.2f us", all[P_FLOOR]);
        row("server CPU per request, over the run", all[P_OURS] >= 0 ? b1 : "n/a",
            all[P_SNAP7] >= 0 ? b2 : "n/a",
            ratio_text(all[P_OURS], all[P_SNAP7], b3, sizeof b3, "x"),
            all[P_FLOOR] >= 0 ? b4 : "n/a",
            ratio_text(all[P_OURS], all[P_FLOOR], b5, sizeof b5, ""));
    }
    for (int i = 0; i < NIDLE; i++) {
        if (!G.idle[i])
            continue;
        const idle_cell *o = &P[P_OURS].idle[i], *s = &P[P_SNAP7].idle[i];
        char n[48];
        fmt_count(n, sizeof n, G.idle[i]);
        snprintf(name, sizeof name, "RSS per idle connection, %s conns", n);
        const char *t[2];
        char *bufs[2] = {b1, b2};
        const idle_cell *cs[2] = {o, s};
        for (int j = 0; j < 2; j++) {
            char h[48];
            fmt_count(h, sizeof h, cs[j]->held);
            if (cs[j]->state == 1) {
                snprintf(bufs[j], 96, "%.2f KiB (%s held)", cs[j]->kb_per_conn, h);
                t[j] = bufs[j];
            } else {
                t[j] = cs[j]->state < 0 ? "FAIL" : "n/a";
            }
        }
        row(name, t[0], t[1],
            ratio_text(o->state == 1 ? o->kb_per_conn : -1, s->state == 1 ? s->kb_per_conn : 0, b3,
                       sizeof b3, "x"),
            "-", "-");
    }
    printf("\n");
}

/* The targets, each met or missed, as measured above. */
static void print_targets(void)
{
    const char *br = G.markdown ? "  " : "";
    char line[512];
    int any_case = G.idle[0] || G.idle[1];
    for (int k = 0; k < NCASES; k++)
        any_case |= G.cases[k];
    if (!any_case)
        return;
    printf("targets (issue 3):%s\n", br);
    const cell *a = &C[0][P_OURS], *af = &C[0][P_FLOOR];
    if (a->state == 1 && af->state == 1)
        printf("  a. one at a time >= 0.9x the floor: %.2f  %s%s\n", a->rate / af->rate,
               a->rate / af->rate >= 0.9 ? "met" : "MISSED", br);
    for (int k = 1; k <= 3; k++) {
        const cell *o = &C[k][P_OURS], *s = &C[k][P_SNAP7];
        if (o->state == 1 && s->state == 1)
            printf("  %c. >= 1.5x Snap7: %.2fx  %s%s\n", CASES[k].letter, o->rate / s->rate,
                   o->rate / s->rate >= 1.5 ? "met" : "MISSED", br);
    }
    size_t off = 0;
    int any = 0, all = 1;
    line[0] = 0;
    for (int k = 0; k < NCASES; k++) {
        double o = cpu_us(&C[k][P_OURS]), s = cpu_us(&C[k][P_SNAP7]);
        if (o < 0 || s <= 0)
            continue;
        any = 1;
        if (o / s > 0.5)
            all = 0;
        off += (size_t)snprintf(line + off, sizeof line - off, "%s%c %.2f", off ? ", " : "",
                                CASES[k].letter, o / s);
    }
    if (any)
        printf("  server CPU per request <= 0.5x Snap7's, per case: %s  %s%s\n", line,
               all ? "met" : "MISSED", br);
    double oa = cpu_us_all(P_OURS), sa = cpu_us_all(P_SNAP7);
    if (oa >= 0 && sa > 0)
        printf("  server CPU per request <= 0.5x Snap7's, over the run: %.2f  %s%s\n", oa / sa,
               oa / sa <= 0.5 ? "met" : "MISSED", br);
    for (int i = 0; i < NIDLE; i++) {
        const idle_cell *o = &P[P_OURS].idle[i], *s = &P[P_SNAP7].idle[i];
        if (o->state == 1 && s->state == 1 && s->kb_per_conn > 0)
            printf("  RSS per idle connection (%u) <= 0.25x Snap7's: %.3f  %s%s\n", o->want,
                   o->kb_per_conn / s->kb_per_conn,
                   o->kb_per_conn / s->kb_per_conn <= 0.25 ? "met" : "MISSED", br);
    }
    for (int i = 0; i < NIDLE; i++) {
        const idle_cell *o = &P[P_OURS].idle[i];
        if (o->state && o->want >= 10000)
            printf("  %u concurrent connections held: %u  %s%s\n", o->want, o->held,
                   o->held >= o->want ? "met" : "MISSED", br);
    }
    printf("\n");
}

int main(int argc, char **argv)
{
    if (parse_args(argc, argv) < 0)
        return 2;
    hz = sysconf(_SC_CLK_TCK);
    unsigned most = G.idle[1] > G.idle[0] ? G.idle[1] : G.idle[0];
    long need = (long)most + 512;
    if (G.greedy_on && (long)G.greedy + 512 > need)
        need = (long)G.greedy + 512;
    long have = proc_raise_nofile(need);
    if (have > 0 && have < need) {
        fprintf(stderr,
                "s7load: open-file limit %ld: cannot open %u connections; raise it (ulimit -n, "
                "ulimit -Hn as root); the idle rows are cut to fit\n",
                have, most);
        for (int i = 0; i < NIDLE; i++)
            if (G.idle[i] + 512 > (unsigned long)have)
                G.idle[i] = have > 600 ? (unsigned)(have - 600) : 0;
    }
    for (int p = 0; p < P_COUNT; p++) {
        if (!P[p].on || !P[p].t.pid)
            continue;
        P[p].nofile = proc_nofile(P[p].t.pid);
        if (p != P_FLOOR && P[p].nofile > 0 && P[p].nofile < (long)most + 64)
            fprintf(stderr,
                    "s7load: warning: %s (pid %d) may open %ld files: it cannot hold %u "
                    "connections\n",
                    P[p].t.name, P[p].t.pid, P[p].nofile, most);
    }
    double la0[3] = {0, 0, 0}, la1[3] = {0, 0, 0};
    proc_loadavg(la0);
    long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
    if (la0[0] > 0.5)
        fprintf(stderr,
                "s7load: warning: load average %.2f on %ld CPUs before the run: other "
                "processes may disturb the figures\n",
                la0[0], ncpu);

    char msg[GEN_MSG];
    if (G.fill) {
        for (int p = P_OURS; p <= P_SNAP7; p++) {
            if (P[p].on && gen_fill(&P[p].t, msg) < 0) {
                fprintf(stderr, "s7load: %s\n", msg);
                return 2;
            }
        }
    }
    /* memory first, on servers that have not served anything else yet */
    if (G.idle[0] || G.idle[1]) {
        for (int p = P_OURS; p <= P_SNAP7; p++)
            if (P[p].on)
                run_idle(p);
    }
    run_cases();
    run_greedy();
    proc_loadavg(la1);

    print_table(la0, la1);
    print_targets();
    int bad = 0, failed = 0, bound = 0, approx = 0;
    double others = 0;
    for (int p = 0; p < P_COUNT; p++) {
        bad |= GC[p].errors != 0;
        failed |= GC[p].state < 0;
        approx |= GC[p].state == 1 && !GC[p].peak_hwm;
        if (GC[p].others > others)
            others = GC[p].others;
    }
    for (int k = 0; k < NCASES; k++) {
        for (int p = 0; p < P_COUNT; p++) {
            bad |= C[k][p].errors != 0;
            failed |= C[k][p].state < 0;
            if (C[k][p].others > others)
                others = C[k][p].others;
            bound |= C[k][p].state == 1 && !CASES[k].big && C[k][p].self_util > 0.9;
        }
    }
    const char *br = G.markdown ? "  " : "";
    printf(
        "machine: %ld CPUs; other processes took up to %.0f%% of all CPU time during a round%s%s\n",
        ncpu, others * 100,
        others > 0.10 ? ": the figures are disturbed, run again on an idle machine" : "", br);
    if (bound)
        printf("*: the generator used more than 90%% of its CPU in that cell: the figure is what "
               "one generator thread can drive, the server may do more%s\n",
               br);
    if (approx)
        printf("~: VmHWM could not be reset before the window (/proc/PID/clear_refs): the peak is "
               "the largest VmRSS sampled every 20 ms%s\n",
               br);
    if (bad)
        printf("ERR: some replies were wrong or missing (see stderr)%s\n", br);
    return bad ? 1 : failed ? 2 : 0;
}
