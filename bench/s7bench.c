/* s7bench: s7kit's client against the Snap7 client, both reading the same Snap7 server in
 * one run, with a plain TCP ping-pong of the same frames as the loopback floor.
 *
 * Usage: s7bench [--quick] [--markdown] [--time S] [--rounds N] [--cases abcde] [--raw]
 *                [--pdu N] [--snap7-pdu N] [--server HOST:PORT] ... (--help lists all)
 * Prints a table: case | s7kit | Snap7 | s7kit/Snap7 | floor | s7kit/floor (with --raw also
 * raw | s7kit/raw).  Exit status 1 when a read failed or returned wrong data, 2 on a usage
 * or set-up error.  bench/README.md says what each figure means. */
#include "bench.h"
#include "snap7_peer.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cfg {
    int quick, markdown, no_pin, rounds, frames, verbose, raw;
    int run_ours, run_snap7, run_floor; /* --peers */
    double run, warm;
    int cases[CASE_COUNT];
    unsigned pdu, snap7_pdu;
    char host[256];
    uint16_t port; /* 0: in-process Snap7 server */
} cfg;

#define MAX_ROUNDS 100

/* A measurement during which other processes took more than this share of the CPUs is
 * "disturbed": left out of the median when the cell has undisturbed ones. */
#define DISTURBED 0.10

typedef struct cell {
    int state;   /* 0 not run, 1 measured, -1 failed, -2 not available */
    double rate; /* the median of the (undisturbed) rounds */
    int n;
    double round[MAX_ROUNDS];
    double others[MAX_ROUNDS]; /* other processes' CPU share during the round, -1 unknown */
    int only_disturbed;        /* every round was disturbed */
} cell;

typedef struct row {
    cell ours, snap7, floor, raw;
    size_t ours_frames, snap7_frames; /* request frames per operation */
    int floor_from_ours;
} row;

static const char *case_name[CASE_COUNT] = {
    "a. 4-byte read (DB1.DBD0), 1 at a time", "b. 4-byte read, 8 in flight",
    "c. 20-item read (20 x 4 B, scattered)",  "d. 64 KB DB read (65535 B)",
    "e. 1,000-tag cycle (4 B every 64 B)",
};
static const char *case_unit[CASE_COUNT] = {"req/s", "req/s", "reads/s", "reads/s", "cycles/s"};

static void usage(FILE *f)
{
    fprintf(f,
            "usage: s7bench [options]\n"
            "  --quick            short run (0.5 s per peer per case)\n"
            "  --time S           seconds per peer per case (default 2)\n"
            "  --rounds N         split that time into N interleaved rounds and report each\n"
            "                     side's median round (default 5)\n"
            "  --markdown         print the table as Markdown\n"
            "  --cases LETTERS    cases to run, e.g. ad (default abcde)\n"
            "  --pdu N            PDU size s7kit requests (default 960)\n"
            "  --snap7-pdu N      PDU size Snap7's client requests (default: same as --pdu)\n"
            "  --peers LIST       measure only these of s7kit,snap7,floor,raw (for profiling)\n"
            "  --verbose          print every round's figure (stderr)\n"
            "  --raw              add a column: a hand-rolled client replaying s7kit's request\n"
            "                     frames with the same requests in flight (the least a client\n"
            "                     can do against this server), and s7kit/raw\n"
            "  --frames           print the frame sizes of one operation of each case\n"
            "  --no-pin           leave threads to the scheduler (default: clients on one CPU,\n"
            "                     server threads on another)\n"
            "  --server HOST:PORT bench against that server instead of an in-process Snap7\n"
            "                     server; DB1 (>= 65535 bytes, writable) gets the pattern first\n");
}

static int parse_args(int argc, char **argv, cfg *c)
{
    memset(c, 0, sizeof *c);
    c->run = 2.0;
    c->rounds = 5;
    c->run_ours = c->run_snap7 = c->run_floor = 1;
    c->pdu = 960;
    for (int k = 0; k < CASE_COUNT; k++)
        c->cases[k] = 1;
    int have_time = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quick") == 0) {
            c->quick = 1;
        } else if (v && strcmp(a, "--peers") == 0) {
            c->run_ours = strstr(v, "s7kit") != NULL;
            c->run_snap7 = strstr(v, "snap7") != NULL;
            c->run_floor = strstr(v, "floor") != NULL;
            c->raw |= strstr(v, "raw") != NULL;
            i++;
            if (!c->run_ours && !c->run_snap7 && !c->run_floor && !c->raw)
                return -1;
        } else if (strcmp(a, "--verbose") == 0 || strcmp(a, "-v") == 0) {
            c->verbose = 1;
        } else if (strcmp(a, "--raw") == 0) {
            c->raw = 1;
        } else if (strcmp(a, "--frames") == 0) {
            c->frames = 1;
        } else if (strcmp(a, "--no-pin") == 0) {
            c->no_pin = 1;
        } else if (strcmp(a, "--markdown") == 0) {
            c->markdown = 1;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage(stdout);
            exit(0);
        } else if (v && strcmp(a, "--time") == 0) {
            c->run = atof(v);
            have_time = 1;
            i++;
            if (c->run <= 0)
                return -1;
        } else if (v && strcmp(a, "--rounds") == 0) {
            c->rounds = atoi(v);
            i++;
            if (c->rounds < 1 || c->rounds > MAX_ROUNDS)
                return -1;
        } else if (v && strcmp(a, "--cases") == 0) {
            memset(c->cases, 0, sizeof c->cases);
            for (const char *p = v; *p; p++) {
                if (*p < 'a' || *p >= 'a' + CASE_COUNT)
                    return -1;
                c->cases[*p - 'a'] = 1;
            }
            i++;
        } else if (v && strcmp(a, "--pdu") == 0) {
            c->pdu = (unsigned)atoi(v);
            i++;
            if (c->pdu < 240 || c->pdu > 65535)
                return -1;
        } else if (v && strcmp(a, "--snap7-pdu") == 0) {
            c->snap7_pdu = (unsigned)atoi(v);
            i++;
            if (c->snap7_pdu < 240 || c->snap7_pdu > 4096)
                return -1;
        } else if (v && strcmp(a, "--server") == 0) {
            const char *colon = strrchr(v, ':');
            if (!colon || colon == v || (size_t)(colon - v) >= sizeof c->host)
                return -1;
            memcpy(c->host, v, (size_t)(colon - v));
            c->host[colon - v] = 0;
            int port = atoi(colon + 1);
            if (port <= 0 || port > 65535)
                return -1;
            c->port = (uint16_t)port;
            i++;
        } else {
            return -1;
        }
    }
    if (c->quick && !have_time)
        c->run = 0.5;
    c->warm = c->run / c->rounds / 8 < 0.2 ? c->run / c->rounds / 8 : 0.2;
    if (!c->snap7_pdu)
        c->snap7_pdu = c->pdu > 4096 ? 4096 : c->pdu;
    return 0;
}

/* "12,345" style rate with three significant digits below 100; "?" when every round of the
 * cell was disturbed by other processes. */
static void fmt_rate(char *out, size_t cap, const cell *c, const char *na)
{
    if (c->state == 1) {
        double r = c->rate;
        if (r >= 100.0) {
            char digits[32];
            snprintf(digits, sizeof digits, "%.0f", r);
            size_t n = strlen(digits), j = 0;
            for (size_t i = 0; i < n && j + 2 < cap; i++) {
                if (i > 0 && (n - i) % 3 == 0)
                    out[j++] = ',';
                out[j++] = digits[i];
            }
            out[j] = 0;
        } else if (r >= 10.0) {
            snprintf(out, cap, "%.1f", r);
        } else {
            snprintf(out, cap, "%.2f", r);
        }
        size_t len = strlen(out);
        if (c->only_disturbed && len + 1 < cap) {
            out[len] = '?';
            out[len + 1] = 0;
        }
    } else if (c->state == -1) {
        snprintf(out, cap, "FAIL");
    } else if (c->state == -2) {
        snprintf(out, cap, "%s", na);
    } else {
        snprintf(out, cap, "-");
    }
}

static void fmt_ratio(char *out, size_t cap, const cell *a, const cell *b)
{
    if (a->state == 1 && b->state == 1 && b->rate > 0) {
        double r = a->rate / b->rate;
        snprintf(out, cap, r >= 10 ? "%.0fx" : "%.2fx", r);
    } else {
        snprintf(out, cap, "-");
    }
}

static void print_table(const cfg *c, row *rows, const char *server, unsigned pdu, unsigned amq,
                        int snap7_pdu, const char *ours_note, const char *load)
{
    const char *hdr[8] = {"case",  "s7kit",       "Snap7", "s7kit/Snap7",
                          "floor", "s7kit/floor", "raw",   "s7kit/raw"};
    int ncol = c->raw ? 8 : 6;
    char cellv[CASE_COUNT + 1][8][96];
    int nrows = 0;
    for (int k = 0; k < CASE_COUNT; k++) {
        if (!c->cases[k])
            continue;
        row *r = &rows[k];
        for (int mb = 0; mb < (k == CASE_D ? 2 : 1); mb++) {
            /* case d also in MB/s */
            double scale = mb ? BENCH_DB_LEN / 1e6 : 1.0;
            cell co = r->ours, cs = r->snap7, cf = r->floor, cr = r->raw;
            co.rate *= scale;
            cs.rate *= scale;
            cf.rate *= scale;
            cr.rate *= scale;
            char(*v)[96] = cellv[nrows++];
            char a[48], b[48], f[48], w[48];
            fmt_rate(a, sizeof a, &co, "n/a");
            fmt_rate(b, sizeof b, &cs, "n/a");
            fmt_rate(f, sizeof f, &cf, "n/a");
            fmt_rate(w, sizeof w, &cr, "n/a");
            if (mb)
                snprintf(v[0], 96, "d. 64 KB DB read, MB/s");
            else
                snprintf(v[0], 96, "%s, %s", case_name[k], case_unit[k]);
            int star = !mb && (k == CASE_B || k == CASE_D);
            snprintf(v[1], 96, "%s", a);
            snprintf(v[2], 96, "%s%s", b, k == CASE_B && cs.state == 1 ? " *" : "");
            fmt_ratio(v[3], 96, &co, &cs);
            snprintf(v[4], 96, "%s%s", f, star && cf.state == 1 ? " *" : "");
            fmt_ratio(v[5], 96, &co, &cf);
            snprintf(v[6], 96, "%s", w);
            fmt_ratio(v[7], 96, &co, &cr);
        }
    }

    char pinning[96];
    if (bench_cpu_client >= 0)
        snprintf(pinning, sizeof pinning, "clients on CPU %d, server threads on CPU %d",
                 bench_cpu_client, bench_cpu_server);
    else
        snprintf(pinning, sizeof pinning, "not pinned");
    char neg[160];
    if (pdu)
        snprintf(neg, sizeof neg,
                 "s7kit PDU %u, AmQ %u; Snap7 PDU %d, AmQ 1 (one request at a time)", pdu, amq,
                 snap7_pdu);
    else
        snprintf(neg, sizeof neg, "s7kit not connected; Snap7 PDU %d, AmQ 1", snap7_pdu);

    if (c->markdown) {
        printf("Server: %s. Negotiated: %s. %.1f s per peer per case in %d rounds, median round. "
               "Threads: %s.%s%s\n\n",
               server, neg, c->run, c->rounds, pinning, load[0] ? " Machine: " : "", load);
        for (int j = 0; j < ncol; j++)
            printf("| %s ", hdr[j]);
        printf("|\n|---");
        for (int j = 1; j < ncol; j++)
            printf("|---:");
        printf("|\n");
        for (int i = 0; i < nrows; i++) {
            for (int j = 0; j < ncol; j++)
                printf("| %s ", cellv[i][j]);
            printf("|\n");
        }
    } else {
        printf("server:     %s\nnegotiated: %s\nduration:   %.1f s per peer per case in %d rounds "
               "(each after %.2f s warm-up), median round\n"
               "threads:    %s\n"
               "machine:    %s\n\n",
               server, neg, c->run, c->rounds, c->warm, pinning, load[0] ? load : "-");
        int w[8];
        for (int j = 0; j < ncol; j++) {
            w[j] = (int)strlen(hdr[j]);
            for (int i = 0; i < nrows; i++)
                if ((int)strlen(cellv[i][j]) > w[j])
                    w[j] = (int)strlen(cellv[i][j]);
        }
        printf("%-*s", w[0], hdr[0]);
        for (int j = 1; j < ncol; j++)
            printf("  %*s", w[j], hdr[j]);
        printf("\n");
        for (int i = 0; i < nrows; i++) {
            printf("%-*s", w[0], cellv[i][0]);
            for (int j = 1; j < ncol; j++)
                printf("  %*s", w[j], cellv[i][j]);
            printf("\n");
        }
    }

    const char *br = c->markdown ? "  " : ""; /* Markdown line break */
    int any_from_ours = 0;
    for (int k = 0; k < CASE_COUNT; k++)
        any_from_ours |= c->cases[k] && rows[k].floor_from_ours;
    printf("\n* one request at a time: Snap7's client cannot pipeline, and the floor is the "
           "one-at-a-time round trip.%s\n",
           br);
    printf("requests per operation:");
    for (int k = 0; k < CASE_COUNT; k++) {
        if (!c->cases[k] || k == CASE_B)
            continue;
        char n[24] = "-";
        if (rows[k].ours.state == 1)
            snprintf(n, sizeof n, "%zu", rows[k].ours_frames);
        printf(" %c. s7kit %s, Snap7 %zu;", 'a' + k, n, rows[k].snap7_frames);
    }
    printf("%s\nfloor: a TCP ping-pong over 127.0.0.1 (TCP_NODELAY) moving %s, one round trip at "
           "a time.%s\n",
           br,
           any_from_ours ? "the frames s7kit exchanged (sizes taken with its frame tap)"
                         : "the frames Snap7 exchanges (s7kit not measured)",
           ours_note[0] ? br : "");
    if (c->raw)
        printf("raw: a hand-rolled client replaying s7kit's request frames with as many in flight "
               "(no planning, decoding or copying): what this server and machine allow.%s\n",
               ours_note[0] ? br : "");
    if (ours_note[0])
        printf("s7kit: %s\n", ours_note);
}

/* One line of request/reply frame sizes, runs of equal pairs as "N x req/rep". */
static void print_frames(const char *who, int k, const bench_script *s)
{
    printf("frames %c. %-6s", 'a' + k, who);
    if (s->n == 0)
        printf(" -");
    for (size_t i = 0; i < s->n;) {
        size_t j = i;
        while (j < s->n && s->req[j] == s->req[i] && s->rep[j] == s->rep[i])
            j++;
        printf(" %zu x %u/%u", j - i, (unsigned)s->req[i], (unsigned)s->rep[i]);
        i = j;
    }
    printf(" (request/reply bytes, whole frames)\n");
}

/* Other processes' CPU share while one side is measured. */
typedef struct meter {
    bench_cpu a;
    int ok;
} meter;

/* Off with --server: an external server's own CPU time would count as other processes'. */
static int meter_enabled = 1;

static void meter_start(meter *m) { m->ok = meter_enabled && bench_cpu_read(&m->a) == 0; }

static double meter_stop(const meter *m)
{
    bench_cpu b;
    if (!m->ok || bench_cpu_read(&b) != 0)
        return -1;
    return bench_cpu_others(&m->a, &b);
}

/* Record a round of a side; a failed round marks the side failed for the case. */
static int take(cell *c, int rc, double rate, const meter *m, int k, const char *who, int verbose,
                const char *msg)
{
    double others = meter_stop(m);
    if (rc != 0) {
        fprintf(stderr, "s7bench: case %c: %s\n", 'a' + k, msg);
        c->state = -1;
        return -1;
    }
    if (verbose)
        fprintf(stderr, "s7bench: case %c round %d %-5s %10.1f/s   others %3.0f%%%s\n", 'a' + k,
                c->n + 1, who, rate, others < 0 ? 0 : 100 * others,
                others > DISTURBED ? " (disturbed)" : "");
    if (c->n < MAX_ROUNDS) {
        c->round[c->n] = rate;
        c->others[c->n] = others;
        c->n++;
    }
    c->state = 1;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The cell's figure: the median of its undisturbed rounds, or of all when every round was
 * disturbed.  Counts rounds and disturbed rounds into *all / *bad. */
static void settle(cell *c, int *all, int *bad)
{
    if (c->state != 1 || c->n == 0)
        return;
    double sorted[MAX_ROUNDS];
    int n = 0;
    for (int i = 0; i < c->n; i++) {
        (*all)++;
        if (c->others[i] > DISTURBED)
            (*bad)++;
        else
            sorted[n++] = c->round[i];
    }
    c->only_disturbed = n == 0;
    if (n == 0) {
        memcpy(sorted, c->round, (size_t)c->n * sizeof sorted[0]);
        n = c->n;
    }
    qsort(sorted, (size_t)n, sizeof sorted[0], cmp_double);
    c->rate = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
}

int main(int argc, char **argv)
{
    cfg c;
    if (parse_args(argc, argv, &c) != 0) {
        usage(stderr);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    setvbuf(stdout, NULL, _IOLBF, 0);

    for (uint32_t i = 0; i < BENCH_DB_LEN; i++)
        bench_db[i] = bench_pattern(i);

    /* Server-side threads inherit the CPU of the thread that starts them. */
    if (!c.no_pin && bench_pin_setup() == 0)
        bench_pin_self(bench_cpu_server);

    static uint8_t srv_db[BENCH_DB_LEN];
    snap7_srv *srv = NULL;
    char host[256], server[320];
    uint16_t port;
    int rc;
    if (c.port == 0) {
        memcpy(srv_db, bench_db, sizeof srv_db);
        rc = snap7_srv_start(srv_db, (uint16_t)BENCH_DB_LEN, &port, &srv);
        if (rc != 0) {
            fprintf(stderr, "s7bench: cannot start the Snap7 server: %s\n", snap7_err_text(rc));
            return 2;
        }
        snprintf(host, sizeof host, "127.0.0.1");
        snprintf(server, sizeof server, "Snap7 server in-process, 127.0.0.1:%u, DB1 = 65535 B",
                 (unsigned)port);
    } else {
        meter_enabled = 0;
        snprintf(host, sizeof host, "%s", c.host);
        port = c.port;
        snprintf(server, sizeof server, "external, %s:%u", host, (unsigned)port);
    }

    bench_pin_self(bench_cpu_client);

    snap7_cli *s7c = NULL;
    rc = snap7_cli_connect(host, port, (int)c.snap7_pdu, &s7c);
    if (rc != 0) {
        fprintf(stderr, "s7bench: Snap7 client cannot connect to %s:%u: %s\n", host, (unsigned)port,
                snap7_err_text(rc));
        snap7_srv_stop(srv);
        return 2;
    }
    if (c.port != 0) {
        rc = snap7_cli_db_write(s7c, BENCH_DB, 0, (int)BENCH_DB_LEN, bench_db);
        if (rc != 0) {
            fprintf(stderr, "s7bench: writing the pattern into DB1 of %s:%u failed: %s\n", host,
                    (unsigned)port, snap7_err_text(rc));
            snap7_cli_free(s7c);
            return 2;
        }
    }
    int snap7_pdu = snap7_cli_pdu(s7c);

    int failed = 0;
    char msg[BENCH_MSG], ours_note[BENCH_MSG] = "";
    ours *o = NULL;
    unsigned pdu = 0, amq = 0;
    int ours_state = 0;
    if (ours_connect(host, port, (uint16_t)c.pdu, &o, msg) != 0) {
        fprintf(stderr, "s7bench: %s\n", msg);
        snprintf(ours_note, sizeof ours_note, "%s", msg);
        ours_state = -1;
        failed = 1;
    } else {
        ours_negotiated(o, &pdu, &amq);
    }

    row rows[CASE_COUNT];
    memset(rows, 0, sizeof rows);
    bench_script script = {0}, plan = {0};
    if (!c.markdown)
        fprintf(stderr, "s7bench: measuring (%s)...\n", c.quick ? "quick" : "full");
    double slice = c.run / c.rounds;
    int rounds_all = 0, rounds_bad = 0; /* measurements, and those disturbed */
    for (int k = 0; k < CASE_COUNT; k++) {
        if (!c.cases[k])
            continue;
        row *r = &rows[k];
        enum bench_case kc = (enum bench_case)k;
        r->ours.state = o ? 0 : ours_state;
        bench_script_clear(&script);

        /* Rounds interleave the three sides so that a disturbance on a shared machine
         * hits them alike; each side reports its median round. */
        for (int round = 0; round < c.rounds; round++) {
            double rate = 0;
            meter m;
            if (o && c.run_ours && r->ours.state >= 0) {
                meter_start(&m);
                rc = ours_measure(o, kc, c.warm, slice, &rate, round == 0 ? &script : NULL, msg);
                if (take(&r->ours, rc, rate, &m, k, "s7kit", c.verbose, msg) != 0)
                    failed = 1;
                if (round == 0)
                    r->ours_frames = script.n;
            } else if (o && c.raw && round == 0) {
                /* raw alone: s7kit only records its frames (three operations, untimed) */
                if (ours_measure(o, kc, 0, 0, &rate, &script, msg) != 0) {
                    fprintf(stderr, "s7bench: case %c: %s\n", 'a' + k, msg);
                    failed = 1;
                }
            }
            if (c.run_snap7 && r->snap7.state >= 0) {
                meter_start(&m);
                rc = snap7_side_measure(s7c, kc, c.warm, slice, &rate, msg);
                if (take(&r->snap7, rc, rate, &m, k, "Snap7", c.verbose, msg) != 0)
                    failed = 1;
            }
            /* The floor replays the frames s7kit's tap recorded, else Snap7's; case b's
             * floor is the one-at-a-time 4-byte exchange. */
            if (!c.run_floor) {
                /* not measured */
            } else if (k == CASE_B && c.cases[CASE_A]) {
                r->floor = rows[CASE_A].floor;
                r->floor_from_ours = rows[CASE_A].floor_from_ours;
            } else if (r->floor.state >= 0) {
                const bench_script *fs = &plan;
                bench_script_snap7(&plan, k == CASE_B ? CASE_A : kc, snap7_pdu);
                if (script.n > 0) {
                    fs = &script;
                    r->floor_from_ours = 1;
                }
                meter_start(&m);
                rc = floor_measure(fs, c.warm, slice, &rate, msg);
                if (take(&r->floor, rc, rate, &m, k, "floor", c.verbose, msg) != 0)
                    failed = 1;
            }
            if (c.raw && o && script.n > 0 && r->raw.state >= 0) {
                meter_start(&m);
                rc = raw_measure(host, port, (uint16_t)pdu, &script, amq, k == CASE_B, c.warm,
                                 slice, &rate, msg);
                if (take(&r->raw, rc, rate, &m, k, "raw", c.verbose, msg) != 0)
                    failed = 1;
            }
        }
        settle(&r->ours, &rounds_all, &rounds_bad);
        settle(&r->snap7, &rounds_all, &rounds_bad);
        settle(&r->floor, &rounds_all, &rounds_bad);
        settle(&r->raw, &rounds_all, &rounds_bad);
        bench_script_snap7(&plan, kc, snap7_pdu);
        r->snap7_frames = plan.n;
        if (c.frames && k != CASE_B) {
            print_frames("s7kit", k, &script);
            print_frames("Snap7", k, &plan);
        }
        if (!c.markdown)
            fprintf(stderr, "s7bench: case %c done\n", 'a' + k);
    }

    char load[240];
    int only_bad = 0;
    for (int k = 0; k < CASE_COUNT; k++)
        only_bad |= rows[k].ours.only_disturbed || rows[k].snap7.only_disturbed ||
                    rows[k].floor.only_disturbed || rows[k].raw.only_disturbed;
    if (!meter_enabled)
        snprintf(load, sizeof load,
                 "not metered with --server (the server's own CPU time would "
                 "count as other processes')");
    else if (rounds_bad == 0)
        snprintf(load, sizeof load,
                 "idle: no measurement had other processes above %.0f%% of "
                 "the CPUs",
                 100 * DISTURBED);
    else
        snprintf(load, sizeof load,
                 "%d of %d measurements had other processes above %.0f%% of "
                 "the CPUs and were left out%s",
                 rounds_bad, rounds_all, 100 * DISTURBED,
                 only_bad ? "; figures marked ? had nothing else: run again on an idle machine"
                          : "");
    print_table(&c, rows, server, pdu, amq, snap7_pdu, ours_note, load);

    bench_script_free(&script);
    bench_script_free(&plan);
    ours_free(o);
    snap7_cli_free(s7c);
    snap7_srv_stop(srv);
    return failed ? 1 : 0;
}
