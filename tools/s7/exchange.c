/* s7 exchange FILE: a PC that bridges CPUs.  FILE (s7config s7_config_load_bridge,
 * docs/exchange.md) lists the CPUs as the inventory does and the jobs of the one job model,
 * each with the CPU of its local side; libs7's bridge engine (exchange_bridge.h) runs them
 * all on this one thread.  This file shows what the engine reports: a live table (redrawn on
 * a terminal, printed every --every otherwise and at the end), --json-lines FILE (one object
 * per job every --every), and --metrics ADDR:PORT (Prometheus).  --duration and --count bound
 * the run.  Exit 0 when the last run of every job succeeded, 1 when one failed, 2 usage. */
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "common.h"
#include "metrics.h"
#include "s7/config.h"
#include "s7/exchange.h"
#include "s7/exchange_bridge.h"
#include "util/clock.h"

int cmd_exchange(cli *c);
int cmd_exchange_main(const cli_cmd *cmd, int argc, char **argv);

const char exchange_help[] =
    "Runs the jobs of FILE between CPUs from this PC: each job copies up to four areas (byte\n"
    "ranges or typed tags) from one CPU to another, cyclically (every TIME), only when they\n"
    "changed (on_change: true), or on a rising edge of a REQ bit with NDR/DONE, ERROR and\n"
    "STATUS written back.  Every CPU is one connection, all on one thread: a CPU that is down\n"
    "only fails its own jobs (STATUS 1/1) and is reconnected with a growing back-off.\n"
    "docs/exchange.md describes FILE; in short:\n"
    "  partners:\n"
    "    - {name: line-m1, address: 10.200.2.10, profile: s7-300}\n"
    "    - {name: plc-line, address: 10.200.1.10, profile: s7-1500, type: basic}\n"
    "  jobs:\n"
    "    - local_cpu: plc-line\n"
    "      job: get line-m1 DB20.DBB0..DBB31 every 100ms into DB40.DBB0\n\n"
    "Options:\n"
    "  --every TIME          table and JSON lines every TIME (default 1s)\n"
    "  --duration TIME       stop after TIME (default: until interrupted)\n"
    "  --count N             each job runs N times (ok or failed); stop when all have\n"
    "  --json-lines FILE     one JSON object per job every --every (- for stdout)\n"
    "  --metrics ADDR:PORT   Prometheus /metrics endpoint, e.g. 127.0.0.1:9102\n"
    "  --timeout TIME        how long a CPU may take to connect or to answer a request\n"
    "                        (default 3s; 100 ms..60 s)\n"
    "  --backoff-max TIME    longest wait between reconnects to a CPU that is down (default 5s;\n"
    "                        the first is 200 ms, each next one twice as long)\n"
    "  --quiet               no table\n\n"
    "Exit codes: 0 the last run of every job succeeded, 1 some job's failed, 2 usage error or\n"
    "an invalid FILE.\n\n"
    "Examples:\n"
    "  s7 exchange bridge.yaml\n"
    "  s7 exchange bridge.yaml --metrics 127.0.0.1:9102 --json-lines bridge.jsonl\n";

int cmd_exchange(cli *c)
{
    (void)c; /* main.c hands `exchange` its raw arguments: see cmd_exchange_main */
    return CLI_USAGE;
}

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct run {
    s7_bridge_config cfg;
    s7_bridge *b;
    metrics *met;
    FILE *jl;
    int tty, quiet;
    size_t table_lines;
    int jl_errno, out_errno; /* a write failed (errno): the run stops, exit 1 */
} run;

static const char *status_text(int st, char *buf, size_t cap)
{
    snprintf(buf, cap, "%d/%u", s7_exchange_status_error((s7_xstatus)st),
             s7_exchange_status_code((s7_xstatus)st));
    return buf;
}

static const char *ms_text(uint32_t us, char *buf, size_t cap)
{
    if (us < 10000)
        snprintf(buf, cap, "%.1f ms", us / 1000.0);
    else
        snprintf(buf, cap, "%u ms", (us + 500) / 1000);
    return buf;
}

/* ---------------------------------------------------------------- the table */

/* One line of the table being built: what a job's row or detail is, for the choice of
 * what fits a terminal. */
typedef struct tline {
    char text[1024];
    int job;    /* its job's index, -1 for the header */
    int detail; /* a where / cause / fix line under an ERROR row */
    int error;  /* the row (or detail) of a job in ERROR */
} tline;

/* The terminal's size, 0 when unknown (not a terminal). */
static void term_size(int *cols, int *rows)
{
    struct winsize ws;
    *cols = *rows = 0;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
        *cols = ws.ws_col;
        *rows = ws.ws_row;
    }
}

/* s cut to at most cols - 1 characters (UTF-8 aware; the last column stays free, so a
 * line never wraps), with "~" where it was cut. */
static void cut_to(char *s, int cols)
{
    if (cols < 2)
        return;
    int n = 0;
    for (char *p = s; *p; p++) {
        if (((unsigned char)*p & 0xC0) == 0x80)
            continue; /* a continuation byte: the same character */
        if (++n == cols - 1) {
            const char *q = p + 1;
            while (((unsigned char)*q & 0xC0) == 0x80)
                q++;
            if (*q) { /* more follows: this character gives way to "~" */
                p[0] = '~';
                p[1] = 0;
            }
            return;
        }
    }
}

/* The table's lines: a header, a row per job, and under each ERROR row its where, cause
 * and fix (lines of the table; n at most njobs * 4 + 1). */
static size_t table_lines(run *r, tline *l)
{
    const s7_bridge_config *c = &r->cfg;
    char t[16], a[24], b[24], st[16];
    int w = 6;
    for (size_t i = 0; i < c->x->njobs; i++) {
        int len = (int)strlen(c->x->jobs[i].name);
        if (len > w)
            w = len;
    }
    size_t n = 0;
    snprintf(l[n].text, sizeof l[n].text, "%s  %zu job%s, %zu CPU%s",
             cli_clock_text(s7__wall_ms(), t, sizeof t), c->x->njobs, c->x->njobs == 1 ? "" : "s",
             c->npartners, c->npartners == 1 ? "" : "s");
    l[n].job = -1;
    l[n].detail = l[n].error = 0;
    n++;
    for (size_t i = 0; i < c->x->njobs; i++) {
        s7_bridge_job_stats s;
        s7_bridge_job_stat(r->b, i, &s);
        const s7_xjob *j = &c->x->jobs[i];
        const char *rem = c->partners[c->remote[i]].name, *loc = c->partners[c->local[i]].name;
        int get = j->kind == S7_XJOB_GET, err = s.state == S7_BRIDGE_ERROR;
        char head[300], tail[400];
        if (snprintf(head, sizeof head, "%-*s %s %s -> %s  ", w, j->name, get ? "GET" : "PUT",
                     get ? rem : loc, get ? loc : rem) < 0)
            head[0] = 0;
        if (err)
            snprintf(tail, sizeof tail, "ERROR since %s %s (STATUS %s), %llu ok / %llu err",
                     cli_clock_text(s.since_ms, t, sizeof t), s.status_cause,
                     status_text(s.status, st, sizeof st), (unsigned long long)s.ok,
                     (unsigned long long)s.err);
        else if (s.state == S7_BRIDGE_WAITING)
            snprintf(tail, sizeof tail, "waiting (connecting)");
        else
            snprintf(tail, sizeof tail, "%llu ok / %llu err, p50 %s, p99 %s",
                     (unsigned long long)s.ok, (unsigned long long)s.err,
                     ms_text(s.p50_us, a, sizeof a), ms_text(s.p99_us, b, sizeof b));
        snprintf(l[n].text, sizeof l[n].text, "%s%s", head, tail);
        l[n].job = (int)i;
        l[n].detail = 0;
        l[n].error = err;
        n++;
        if (!err)
            continue;
        const char *what[3] = {s.last_error.where, "cause: ", "fix: "};
        const char *text[3] = {s.last_error.text, s.last_error.cause, s.last_error.fix};
        for (int k = 0; k < 3; k++) {
            snprintf(l[n].text, sizeof l[n].text, "%*s  %s%s%s", w, "", what[k], k ? "" : ": ",
                     text[k]);
            l[n].job = (int)i;
            l[n].detail = 1;
            l[n].error = 1;
            n++;
        }
    }
    return n;
}

/* One line of the table on stdout, cut to cols when cols > 0; counted for the next redraw. */
static void emit(run *r, const char *text, int cols)
{
    char buf[sizeof((tline *)0)->text];
    snprintf(buf, sizeof buf, "%s", text);
    cut_to(buf, cols);
    fputs(buf, stdout);
    fputs(r->tty ? "\033[K\n" : "\n", stdout); /* on a terminal: the old line's rest erased */
    r->table_lines++;
}

/* Print the table.  On a terminal (live) it replaces the one before and fits the window:
 * lines are cut to its width (a wrapped line would break the redraw), and when the rows do
 * not fit its height the jobs in ERROR come first and a last line counts the rest; the
 * where / cause / fix lines are shown when everything fits.  Elsewhere (a file, a pipe, or
 * the last table at the end) every line is printed whole.  Going back over the table
 * before, line by line (ESC[K) and ESC[J below the last: erasing the whole screen at once,
 * as ESC[J at the top would, puts the screen into tmux's scrollback at every redraw. */
static void print_table(run *r, int live)
{
    size_t jobs = r->cfg.x->njobs;
    tline *l = malloc((jobs * 4 + 1) * sizeof *l);
    if (!l)
        return;
    size_t n = table_lines(r, l);
    if (r->tty && r->table_lines)
        printf("\r\033[%zuA", r->table_lines);
    r->table_lines = 0;
    int cols = 0, rows = 0;
    if (live)
        term_size(&cols, &rows);
    size_t room = rows > 1 ? (size_t)rows - 1 : (size_t)-1; /* the cursor's line stays free */
    if (n <= room || 1 + jobs <= room) { /* every row fits: the details too when they fit */
        for (size_t i = 0; i < n; i++)
            if (!l[i].detail || n <= room)
                emit(r, l[i].text, cols);
    } else { /* the header, the rows in ERROR, then the others, as many as fit, a count */
        size_t fit = room > 2 ? room - 2 : 0, shown = 0, errs = 0;
        emit(r, l[0].text, cols);
        for (int want_err = 1; want_err >= 0; want_err--)
            for (size_t i = 1; i < n; i++) {
                if (l[i].detail || l[i].error != want_err)
                    continue;
                errs += (size_t)want_err;
                if (shown < fit) {
                    emit(r, l[i].text, cols);
                    shown++;
                }
            }
        char count[200];
        snprintf(count, sizeof count,
                 "+%zu more job%s not shown (%zu in ERROR in all; a taller window, or "
                 "--json-lines, shows every job)",
                 jobs - shown, jobs - shown == 1 ? "" : "s", errs);
        emit(r, count, cols);
    }
    if (r->tty)
        fputs("\033[J", stdout);
    int e = cli_flush(stdout); /* a closed pipe (SIGPIPE is ignored), a full disk */
    if (e && !r->out_errno)
        r->out_errno = e;
    free(l);
}

/* ---------------------------------------------------------------- JSON lines */

static void json_lines(run *r)
{
    if (!r->jl)
        return;
    const s7_bridge_config *c = &r->cfg;
    char now[40], t[40], st[16];
    cli_iso_text(s7__wall_ms(), now, sizeof now);
    for (size_t i = 0; i < c->x->njobs; i++) {
        s7_bridge_job_stats s;
        s7_bridge_job_stat(r->b, i, &s);
        const s7_xjob *j = &c->x->jobs[i];
        int get = j->kind == S7_XJOB_GET;
        FILE *f = r->jl;
        fprintf(f, "{\"time\": \"%s\", \"job\": ", now);
        cli_json_str(f, j->name);
        fprintf(f, ", \"kind\": \"%s\", \"mode\": \"%s\", \"from\": ", get ? "get" : "put",
                s7_bridge_mode_name(j->trigger == S7_XTRIG_REQ ? S7_BRIDGE_TRIGGER
                                    : c->on_change[i]          ? S7_BRIDGE_ON_CHANGE
                                                               : S7_BRIDGE_CYCLIC));
        cli_json_str(f, c->partners[get ? c->remote[i] : c->local[i]].name);
        fputs(", \"to\": ", f);
        cli_json_str(f, c->partners[get ? c->local[i] : c->remote[i]].name);
        fprintf(f, ", \"state\": \"%s\", \"since\": \"%s\", \"last_ok\": ",
                s7_bridge_state_name(s.state), cli_iso_text(s.since_ms, t, sizeof t));
        if (s.last_ok_ms)
            fprintf(f, "\"%s\"", cli_iso_text(s.last_ok_ms, t, sizeof t));
        else
            fputs("null", f);
        fprintf(f,
                ", \"ok\": %llu, \"err\": %llu, \"writes\": %llu, \"overruns\": %llu, "
                "\"triggers\": %llu, ",
                (unsigned long long)s.ok, (unsigned long long)s.err, (unsigned long long)s.writes,
                (unsigned long long)s.overruns, (unsigned long long)s.triggers);
        /* the latency of a run, null until one was measured (docs/json.md) */
        if (s.lat_count)
            fprintf(f, "\"p50_ms\": %.3f, \"p99_ms\": %.3f", s.p50_us / 1000.0, s.p99_us / 1000.0);
        else
            fputs("\"p50_ms\": null, \"p99_ms\": null", f);
        fprintf(f, ", \"status\": \"%s\", \"cause\": \"%s\", \"error\": ",
                status_text(s.status, st, sizeof st), s.status_cause);
        if (s.state == S7_BRIDGE_ERROR) {
            char code[8] = "", msg[300];
            if (s.last_error.err == S7_ERR_PLC)
                snprintf(code, sizeof code, "0x%04X", s.last_error.plc);
            else if (s.last_error.err == S7_ERR_ITEM && s.last_error.plc)
                snprintf(code, sizeof code, "0x%02X", s.last_error.plc);
            snprintf(msg, sizeof msg, "%s: %s", s.last_error.where, s.last_error.text);
            fputs("{\"name\": ", f);
            cli_json_str(f, s.last_error.id[0] ? s.last_error.id : "io");
            fputs(", \"code\": ", f);
            cli_json_strn(f, code);
            fputs(", \"message\": ", f);
            cli_json_str(f, msg);
            fputs(", \"cause\": ", f);
            cli_json_strn(f, s.last_error.cause);
            fputs(", \"fix\": ", f);
            cli_json_strn(f, s.last_error.fix);
            fputs("}", f);
        } else {
            fputs("null", f);
        }
        fputs("}\n", f);
    }
    int e = cli_flush(r->jl);
    if (e && !r->jl_errno)
        r->jl_errno = e;
}

/* ---------------------------------------------------------------- metrics */

static void label_job(mbuf *b, const char *metric, const char *job)
{
    mbuf_printf(b, "%s{job=\"", metric);
    mbuf_label(b, job);
    mbuf_printf(b, "\"");
}

static void render(void *ctx, mbuf *b)
{
    run *r = ctx;
    size_t n = s7_bridge_njobs(r->b), np = s7_bridge_npartners(r->b);
    s7_bridge_job_stats *s = calloc(n ? n : 1, sizeof *s);
    if (!s) {
        b->oom = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        s7_bridge_job_stat(r->b, i, &s[i]);
    mbuf_printf(b, "# HELP s7_exchange_runs_total Job runs by result.\n"
                   "# TYPE s7_exchange_runs_total counter\n");
    for (size_t i = 0; i < n; i++) {
        label_job(b, "s7_exchange_runs_total", s[i].name);
        mbuf_printf(b, ",result=\"ok\"} %llu\n", (unsigned long long)s[i].ok);
        label_job(b, "s7_exchange_runs_total", s[i].name);
        mbuf_printf(b, ",result=\"error\"} %llu\n", (unsigned long long)s[i].err);
    }
    static const struct {
        const char *name, *help;
        size_t off;
    } counters[] = {
        {"s7_exchange_writes_total", "Destination writes (on change: only when it changed).",
         offsetof(s7_bridge_job_stats, writes)},
        {"s7_exchange_overruns_total", "Cycles skipped because the previous run was busy.",
         offsetof(s7_bridge_job_stats, overruns)},
        {"s7_exchange_triggers_total", "Rising edges of the REQ bit seen.",
         offsetof(s7_bridge_job_stats, triggers)},
    };
    for (size_t k = 0; k < sizeof counters / sizeof counters[0]; k++) {
        mbuf_printf(b, "# HELP %s %s\n# TYPE %s counter\n", counters[k].name, counters[k].help,
                    counters[k].name);
        for (size_t i = 0; i < n; i++) {
            uint64_t v;
            memcpy(&v, (const char *)&s[i] + counters[k].off, sizeof v);
            label_job(b, counters[k].name, s[i].name);
            mbuf_printf(b, "} %llu\n", (unsigned long long)v);
        }
    }
    mbuf_printf(b, "# HELP s7_exchange_job_ok 1 when the job is ok: its last run succeeded (a REQ "
                   "job that has not run yet: its REQ bit is polled).\n"
                   "# TYPE s7_exchange_job_ok gauge\n");
    for (size_t i = 0; i < n; i++) {
        label_job(b, "s7_exchange_job_ok", s[i].name);
        mbuf_printf(b, "} %d\n", s[i].state == S7_BRIDGE_OK);
    }
    mbuf_printf(b, "# HELP s7_exchange_job_status STATUS of the last run as the GET/PUT "
                   "instructions report it (0 ok, 1 connection, 2 negative ack, 8 partner "
                   "access ...).\n# TYPE s7_exchange_job_status gauge\n");
    for (size_t i = 0; i < n; i++) {
        label_job(b, "s7_exchange_job_status", s[i].name);
        mbuf_printf(b, ",cause=\"%s\"} %u\n", s[i].status_cause,
                    s7_exchange_status_code((s7_xstatus)s[i].status));
    }
    mbuf_printf(b, "# HELP s7_exchange_last_success_timestamp_seconds Unix time of the job's "
                   "last success (0 never).\n"
                   "# TYPE s7_exchange_last_success_timestamp_seconds gauge\n");
    for (size_t i = 0; i < n; i++) {
        label_job(b, "s7_exchange_last_success_timestamp_seconds", s[i].name);
        mbuf_printf(b, "} %.3f\n", (double)s[i].last_ok_ms / 1000.0);
    }
    mbuf_printf(b, "# HELP s7_exchange_latency_seconds Time of a run, from the read's start to "
                   "the write's end.\n# TYPE s7_exchange_latency_seconds summary\n");
    for (size_t i = 0; i < n; i++) {
        /* no run measured yet: the quantiles are unknown (NaN, as Prometheus' clients give
         * an empty summary; the JSON lines say null), not a latency of 0 */
        label_job(b, "s7_exchange_latency_seconds", s[i].name);
        if (s[i].lat_count)
            mbuf_printf(b, ",quantile=\"0.5\"} %.6f\n", s[i].p50_us / 1e6);
        else
            mbuf_printf(b, ",quantile=\"0.5\"} NaN\n");
        label_job(b, "s7_exchange_latency_seconds", s[i].name);
        if (s[i].lat_count)
            mbuf_printf(b, ",quantile=\"0.99\"} %.6f\n", s[i].p99_us / 1e6);
        else
            mbuf_printf(b, ",quantile=\"0.99\"} NaN\n");
        label_job(b, "s7_exchange_latency_seconds_sum", s[i].name);
        mbuf_printf(b, "} %.6f\n", s[i].lat_sum_s);
        label_job(b, "s7_exchange_latency_seconds_count", s[i].name);
        mbuf_printf(b, "} %llu\n", (unsigned long long)s[i].lat_count);
    }
    mbuf_printf(b, "# HELP s7_exchange_partner_up 1 when the connection to the CPU is up.\n"
                   "# TYPE s7_exchange_partner_up gauge\n");
    s7_bridge_partner_stats ps;
    for (size_t i = 0; i < np; i++) {
        s7_bridge_partner_stat(r->b, i, &ps);
        mbuf_printf(b, "s7_exchange_partner_up{partner=\"");
        mbuf_label(b, ps.name);
        mbuf_printf(b, "\"} %d\n", ps.up);
    }
    mbuf_printf(b, "# HELP s7_exchange_partner_losses_total Connections to the CPU lost or "
                   "refused.\n# TYPE s7_exchange_partner_losses_total counter\n");
    for (size_t i = 0; i < np; i++) {
        s7_bridge_partner_stat(r->b, i, &ps);
        mbuf_printf(b, "s7_exchange_partner_losses_total{partner=\"");
        mbuf_label(b, ps.name);
        mbuf_printf(b, "\"} %llu\n", (unsigned long long)ps.losses);
    }
    free(s);
}

/* ---------------------------------------------------------------- the command */

static int usage(const char *fmt, const char *a)
{
    fputs("error: ", stderr);
    fprintf(stderr, fmt, a);
    fputs("\nusage: s7 exchange FILE [--every TIME] [--duration TIME] [--count N] "
          "[--json-lines FILE] [--metrics ADDR:PORT] [--timeout TIME] [--backoff-max TIME] "
          "[--quiet]\nrun 's7 help "
          "exchange' for "
          "details\n",
          stderr);
    return CLI_USAGE;
}

int cmd_exchange_main(const cli_cmd *cmd, int argc, char **argv)
{
    const char *file = NULL, *jl = NULL, *met = NULL;
    long every = 1000, duration = 0, count = 0, backoff_max = 5000, timeout = 0;
    int quiet = 0;
    char msg[320];
    (void)cmd;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *v;
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: s7 exchange FILE [options]\n\n%s", exchange_help);
            return CLI_OK;
        }
        if (a[0] != '-' || !a[1]) {
            if (file)
                return usage("unexpected argument '%s': one exchange FILE per command", a);
            file = a;
            continue;
        }
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        static const char *const valued[] = {"--every",      "--duration", "--count",
                                             "--json-lines", "--metrics",  "--backoff-max",
                                             "--timeout"};
        int k = -1;
        for (int n = 0; n < (int)(sizeof valued / sizeof valued[0]); n++)
            if (strcmp(a, valued[n]) == 0)
                k = n;
        if (k < 0)
            return usage("unknown option '%s' (s7 help exchange lists the options)", a);
        if (i + 1 >= argc)
            return usage("%s needs a value", a);
        v = argv[++i];
        switch (k) {
        case 0:
            if (cli_duration_unit(a, v, 100, 86400000, &every, msg, sizeof msg))
                return usage("%s", msg);
            break;
        case 1:
            if (cli_duration_unit(a, v, 1, 31L * 86400000, &duration, msg, sizeof msg))
                return usage("%s", msg);
            break;
        case 2:
            if (cli_parse_long(v, 1, 1000000000, &count))
                return usage("--count %s: must be a number of runs, 1 to 1000000000", v);
            break;
        case 3: jl = v; break;
        case 4: met = v; break;
        case 5:
            if (cli_duration_unit(a, v, 200, 600000, &backoff_max, msg, sizeof msg))
                return usage("%s", msg);
            break;
        default:
            if (cli_duration_unit(a, v, 100, 60000, &timeout, msg, sizeof msg))
                return usage("%s", msg);
            break;
        }
    }
    if (!file)
        return usage("%s", "s7 exchange needs the FILE of partners and jobs, e.g. s7 exchange "
                           "bridge.yaml");

    run r;
    char err[1024];
    memset(&r, 0, sizeof r);
    if (s7_config_load_bridge(file, &r.cfg, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        fprintf(stderr, "docs/exchange.md describes the file\n");
        return CLI_USAGE;
    }
    for (size_t i = 0; timeout && i < r.cfg.npartners; i++) {
        r.cfg.partners[i].co.connect_timeout_ms = (int)timeout;
        r.cfg.partners[i].co.request_timeout_ms = (int)timeout;
    }
    s7_bridge_opts bo;
    s7_bridge_opts_init(&bo);
    bo.backoff_max_ms = (int)backoff_max;
    int rc = s7_bridge_from_config(&r.cfg, &bo, &r.b, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "error: %s\n", rc == S7_ERR_NOMEM ? "out of memory" : err);
        s7_bridge_config_free(&r.cfg);
        return rc == S7_ERR_NOMEM ? CLI_FAIL : CLI_USAGE;
    }
    if (count > 0)
        s7_bridge_set_max_runs(r.b, (uint64_t)count); /* each job exactly N runs */
    rc = CLI_OK;
    if (jl) {
        r.jl = strcmp(jl, "-") == 0 ? stdout : fopen(jl, "w");
        if (!r.jl) {
            fprintf(stderr,
                    "error: --json-lines %s: cannot create the file (%s); give a writable "
                    "path\n",
                    jl, strerror(errno));
            rc = CLI_USAGE;
            goto out;
        }
    }
    if (met) {
        int bad;
        r.met = metrics_start(met, render, &r, &bad, err, sizeof err);
        if (!r.met) {
            fprintf(stderr, "error: %s\n", err);
            rc = bad ? CLI_USAGE : CLI_FAIL;
            goto out;
        }
        fprintf(stderr, "metrics on %s\n", metrics_url(r.met));
    }
    r.quiet = quiet || r.jl == stdout;
    r.tty = isatty(1);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGHUP, on_signal); /* the terminal closed: the last table and lines, as SIGTERM */
    signal(SIGPIPE, SIG_IGN);
    int64_t start = cli_now_ms(), next_out = start + every;
    for (;;) {
        int64_t now = cli_now_ms();
        int slice = (int)(next_out - now);
        int cap = r.met ? 10 : 100; /* a scrape waits at most this long for the lock */
        if (slice > cap)
            slice = cap;
        if (slice < 0)
            slice = 0;
        if (duration > 0 && start + duration - now < slice)
            slice = (int)(start + duration - now);
        metrics_lock(r.met);
        int brc = s7_bridge_run(r.b, slice > 0 ? slice : 0);
        metrics_unlock(r.met);
        if (brc < 0) {
            fprintf(stderr, "error: %s\n", s7_strerror(brc));
            rc = CLI_FAIL;
            break;
        }
        now = cli_now_ms();
        int done = stop_flag || (duration > 0 && now - start >= duration);
        if (count > 0 && !done) {
            done = 1;
            for (size_t i = 0; i < s7_bridge_njobs(r.b) && done; i++) {
                s7_bridge_job_stats s;
                s7_bridge_job_stat(r.b, i, &s);
                if (s.ok + s.err < (uint64_t)count)
                    done = 0;
            }
        }
        if (now >= next_out || done) {
            next_out = now + every;
            json_lines(&r);
            if (!r.quiet && !done)
                print_table(&r, r.tty);
        }
        if (r.jl_errno || r.out_errno) {
            if (r.jl_errno)
                fprintf(stderr, "error: --json-lines %s: cannot write (%s); the exchange stops\n",
                        jl, strerror(r.jl_errno));
            else
                fprintf(stderr, "error: standard output: cannot write (%s); the exchange stops\n",
                        strerror(r.out_errno));
            rc = CLI_FAIL;
            break;
        }
        if (done)
            break;
    }
    if (!r.quiet && !r.out_errno) /* the last table whole, with every error's cause and fix */
        print_table(&r, 0);
    for (size_t i = 0; i < s7_bridge_njobs(r.b); i++) {
        s7_bridge_job_stats s;
        s7_bridge_job_stat(r.b, i, &s);
        if (s.state != S7_BRIDGE_OK && rc == CLI_OK)
            rc = CLI_FAIL;
    }
out:
    metrics_stop(r.met);
    if (r.jl && r.jl != stdout)
        fclose(r.jl);
    s7_bridge_free(r.b);
    s7_bridge_config_free(&r.cfg);
    return rc;
}
