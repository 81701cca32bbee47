/* s7 inventory monitor: the documented connections and exchanges watched over time.  Every
 * round is one live inventory check (libs7's s7_plant_check: the doctor per connection,
 * then every exchange read), so the monitor says what `s7 inventory check` says, round after
 * round.  Per connection and exchange it keeps the state (pass / fail / unproven / skip with
 * the doctor's verdict), since when, how long the connection's check took, and how many
 * rounds failed; a change against the previous round is printed, written as a JSON line,
 * counted in the metrics and handed to --on-change CMD.  Exit 0 when nothing changed, 1 when
 * something did (with --exit-on-change at the first change), 2 usage. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "hook.h"
#include "inventory.h"
#include "metrics.h"
#include "s7/diag.h"
#include "s7/explain.h"
#include "s7/plant.h"
#include "s7/plant_check.h"
#include "util/clock.h"

/* What the monitor keeps of one connection (and its exchanges) across rounds. */
typedef struct mon_ex {
    int status;
    char verdict[32];
    int64_t since_ms;
} mon_ex;

typedef struct mon_conn {
    const s7_plant_conn *conn;
    int seen;
    int status;
    char verdict[32], detail[700], cause[700], fix[700];
    int64_t since_ms;
    int passed;    /* it passed in an earlier round: its address, port and TSAPs were right */
    long check_ms; /* how long its check took in the last round */
    uint64_t rounds, failed_rounds, changes;
    mon_ex *ex;
} mon_conn;

typedef struct mon {
    const s7_plant *p;
    const inv_opts *o;
    mon_conn *c;
    size_t n;
    uint64_t rounds, changes;
    int64_t round_start, last_cb;
    FILE *jl;
    int jl_errno; /* a write to jl failed (errno): the monitor stops, exit 1 */
    metrics *met;
} mon;

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static const char *status_word(int st) { return s7_plant_status_name(st); }

/* ---------------------------------------------------------------- metrics */

static void render(void *ctx, mbuf *b)
{
    mon *m = ctx;
    static const int states[] = {S7_PLANT_PASS, S7_PLANT_FAIL, S7_PLANT_UNPROVEN};
    mbuf_printf(b,
                "# HELP s7_inventory_rounds_total Rounds of live checks done.\n"
                "# TYPE s7_inventory_rounds_total counter\n"
                "s7_inventory_rounds_total %llu\n",
                (unsigned long long)m->rounds);
    mbuf_printf(b,
                "# HELP s7_inventory_changes_total State changes seen (connections and "
                "exchanges).\n# TYPE s7_inventory_changes_total counter\n"
                "s7_inventory_changes_total %llu\n",
                (unsigned long long)m->changes);
    mbuf_printf(b, "# HELP s7_inventory_connection_status 1 for the connection's state in the "
                   "last round.\n# TYPE s7_inventory_connection_status gauge\n");
    for (size_t i = 0; i < m->n; i++) {
        if (!m->c[i].seen)
            continue;
        for (size_t k = 0; k < 3; k++) {
            mbuf_printf(b, "s7_inventory_connection_status{connection=\"");
            mbuf_label(b, m->c[i].conn->name);
            mbuf_printf(b, "\",status=\"%s\"} %d\n", status_word(states[k]),
                        m->c[i].status == states[k]);
        }
    }
    mbuf_printf(b, "# HELP s7_inventory_check_seconds How long the connection's check took in "
                   "the last round.\n# TYPE s7_inventory_check_seconds gauge\n");
    for (size_t i = 0; i < m->n; i++) {
        if (!m->c[i].seen)
            continue;
        mbuf_printf(b, "s7_inventory_check_seconds{connection=\"");
        mbuf_label(b, m->c[i].conn->name);
        mbuf_printf(b, "\"} %.3f\n", (double)m->c[i].check_ms / 1000.0);
    }
    mbuf_printf(b, "# HELP s7_inventory_failed_rounds_total Rounds in which the connection did "
                   "not pass.\n# TYPE s7_inventory_failed_rounds_total counter\n");
    for (size_t i = 0; i < m->n; i++) {
        if (!m->c[i].seen)
            continue;
        mbuf_printf(b, "s7_inventory_failed_rounds_total{connection=\"");
        mbuf_label(b, m->c[i].conn->name);
        mbuf_printf(b, "\"} %llu\n", (unsigned long long)m->c[i].failed_rounds);
    }
    mbuf_printf(b, "# HELP s7_inventory_state_since_seconds Unix time of the last change of "
                   "the connection's state.\n# TYPE s7_inventory_state_since_seconds gauge\n");
    for (size_t i = 0; i < m->n; i++) {
        if (!m->c[i].seen)
            continue;
        mbuf_printf(b, "s7_inventory_state_since_seconds{connection=\"");
        mbuf_label(b, m->c[i].conn->name);
        mbuf_printf(b, "\"} %.3f\n", (double)m->c[i].since_ms / 1000.0);
    }
}

/* ---------------------------------------------------------------- output */

static void json_line(mon *m, const mon_conn *mc, const char *event, int prev_status,
                      const char *prev_verdict)
{
    if (!m->jl)
        return;
    char t[40], s[40];
    FILE *f = m->jl;
    fprintf(f, "{\"time\": \"%s\", \"event\": \"%s\", \"round\": %llu, \"connection\": ",
            cli_iso_text(s7__wall_ms(), t, sizeof t), event, (unsigned long long)m->rounds);
    cli_json_str(f, mc->conn->name);
    fprintf(f, ", \"status\": \"%s\", \"verdict\": ", status_word(mc->status));
    cli_json_strn(f, mc->verdict);
    fprintf(f, ", \"since\": \"%s\", \"check_ms\": %ld, \"failed_rounds\": %llu",
            cli_iso_text(mc->since_ms, s, sizeof s), mc->check_ms,
            (unsigned long long)mc->failed_rounds);
    if (prev_status >= 0) {
        fprintf(f, ", \"previous\": {\"status\": \"%s\", \"verdict\": ", status_word(prev_status));
        cli_json_strn(f, prev_verdict);
        fputs("}", f);
    } else {
        fputs(", \"previous\": null", f);
    }
    fputs(", \"detail\": ", f);
    cli_json_strn(f, mc->status == S7_PLANT_PASS ? "" : mc->detail);
    fputs(", \"cause\": ", f);
    cli_json_strn(f, mc->status == S7_PLANT_PASS ? "" : mc->cause);
    fputs(", \"fix\": ", f);
    cli_json_strn(f, mc->status == S7_PLANT_PASS ? "" : mc->fix);
    fputs(", \"exchanges\": [", f);
    for (size_t e = 0; e < mc->conn->nex; e++) {
        fprintf(f, "%s{\"index\": %zu, \"direction\": \"%s\", \"status\": \"%s\", \"verdict\": ",
                e ? ", " : "", e + 1, mc->conn->ex[e].dir == S7_PLANT_PUT ? "put" : "get",
                status_word(mc->ex[e].status));
        cli_json_strn(f, mc->ex[e].verdict);
        fprintf(f, ", \"since\": \"%s\"}", cli_iso_text(mc->ex[e].since_ms, s, sizeof s));
    }
    fputs("]}\n", f);
    int e = cli_flush(f);
    if (e && !m->jl_errno)
        m->jl_errno = e;
}

/* The hook of a change, started beside the monitor (hook.h): the rounds, the metrics and
 * --duration go on while it runs. */
static void run_hook(mon *m, const mon_conn *mc, int prev_status, const char *prev_verdict,
                     const char *exch)
{
    if (!m->o->on_change)
        return;
    char v[8][800];
    snprintf(v[0], sizeof v[0], "S7_MONITOR_CONNECTION=%s", mc->conn->name);
    snprintf(v[1], sizeof v[1], "S7_MONITOR_STATUS=%s", status_word(mc->status));
    snprintf(v[2], sizeof v[2], "S7_MONITOR_VERDICT=%s", mc->verdict);
    snprintf(v[3], sizeof v[3], "S7_MONITOR_PREVIOUS=%s",
             prev_status >= 0 ? status_word(prev_status) : "");
    snprintf(v[4], sizeof v[4], "S7_MONITOR_PREVIOUS_VERDICT=%s", prev_verdict ? prev_verdict : "");
    snprintf(v[5], sizeof v[5], "S7_MONITOR_CAUSE=%s",
             mc->status == S7_PLANT_PASS ? "" : mc->cause);
    snprintf(v[6], sizeof v[6], "S7_MONITOR_ROUND=%llu", (unsigned long long)m->rounds);
    snprintf(v[7], sizeof v[7], "S7_MONITOR_EXCHANGE=%s", exch ? exch : "");
    const char *env[8];
    for (int i = 0; i < 8; i++)
        env[i] = v[i];
    hook_start(m->o->on_change, env, 8, m->jl == stdout); /* stdout: JSON lines only */
}

static void print_table(const mon *m)
{
    char t[16], s[16];
    int w = 10;
    for (size_t i = 0; i < m->n; i++) {
        int l = (int)strlen(m->c[i].conn->name);
        if (l > w)
            w = l;
    }
    printf("-- round %llu at %s: ", (unsigned long long)m->rounds,
           cli_clock_text(s7__wall_ms(), t, sizeof t));
    size_t pass = 0;
    for (size_t i = 0; i < m->n; i++)
        pass += m->c[i].status == S7_PLANT_PASS;
    printf("%zu of %zu connection%s pass\n", pass, m->n, m->n == 1 ? "" : "s");
    for (size_t i = 0; i < m->n; i++) {
        const mon_conn *mc = &m->c[i];
        printf("%-*s  %-8s %-22s since %s  check %ld ms, %llu of %llu rounds failed\n", w,
               mc->conn->name, mc->status == S7_PLANT_PASS ? "pass" : status_word(mc->status),
               mc->verdict[0] ? mc->verdict : "-", cli_clock_text(mc->since_ms, s, sizeof s),
               mc->check_ms, (unsigned long long)mc->failed_rounds, (unsigned long long)mc->rounds);
        for (size_t e = 0; e < mc->conn->nex; e++) {
            char num[24], r[64];
            const s7_plant_exchange *x = &mc->conn->ex[e];
            snprintf(num, sizeof num, "#%zu", e + 1);
            printf("%*s  %s %s%s  %-8s %s\n", w, num, s7_plant_dir_name(x->dir),
                   x->nranges ? s7_plant_range_text(&x->ranges[0], r, sizeof r) : "",
                   x->nranges > 1 ? ", ..." : "", status_word(mc->ex[e].status),
                   mc->ex[e].verdict[0] ? mc->ex[e].verdict : "-");
        }
        if (mc->status != S7_PLANT_PASS && mc->cause[0])
            printf("%*s  cause: %s\n%*s  fix: %s\n", w, "", mc->cause, w, "", mc->fix);
    }
    fflush(stdout);
}

/* ---------------------------------------------------------------- rounds */

static void on_conn(void *ctx, const s7_plant_check_report *r, size_t i)
{
    mon *m = ctx;
    int64_t now = cli_now_ms();
    (void)r;
    for (size_t k = 0; k < m->n; k++)
        if (m->c[k].conn == r->conns[i].conn)
            m->c[k].check_ms = (long)(now - m->last_cb);
    m->last_cb = now;
}

/* A connection that passed before and now finds the port closed or gets no answer: the
 * doctor's first-contact cause ("not the CPU's address") does not fit an address that
 * worked; the library's wording for a partner that served before does.  (A refused CR keeps
 * the doctor's cause: its probes of other TSAPs tell full pools, a wrong TSAP and a partner
 * gone during the check apart.) */
static void served_cause(const mon *m, mon_conn *mc)
{
    static const struct {
        int verdict, err;
    } map[] = {{S7_DIAG_PORT_CLOSED, S7_ERR_REFUSED}, {S7_DIAG_NO_ANSWER, S7_ERR_CONNECT_TIMEOUT}};
    if (!mc->passed || mc->status == S7_PLANT_PASS)
        return;
    int v = s7_diag_verdict_parse(mc->verdict);
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
        if (map[i].verdict == v) {
            const s7_plant_partner *pp = &m->p->partners[mc->conn->passive];
            s7_err_ctx ctx;
            memset(&ctx, 0, sizeof ctx);
            ctx.host = pp->address[0] ? pp->address : pp->host;
            ctx.port = pp->port;
            s7_err_explain_served(map[i].err, &ctx, mc->cause, sizeof mc->cause, mc->fix,
                                  sizeof mc->fix);
            return;
        }
}

/* Takes one round's report into m; returns the number of changes. */
static size_t take(mon *m, const s7_plant_check_report *r)
{
    size_t changed = 0;
    int64_t now = s7__wall_ms();
    for (size_t i = 0; i < r->nconns; i++) {
        const s7_plant_check_conn *cr = &r->conns[i];
        mon_conn *mc = NULL;
        for (size_t k = 0; k < m->n; k++)
            if (m->c[k].conn == cr->conn)
                mc = &m->c[k];
        if (!mc)
            continue;
        int prev = mc->seen ? mc->status : -1;
        char prev_verdict[32];
        snprintf(prev_verdict, sizeof prev_verdict, "%s", mc->verdict);
        int diff = !mc->seen || mc->status != cr->status || strcmp(mc->verdict, cr->verdict) != 0;
        int cdiff = diff;    /* the connection's own state changed (not only an exchange's) */
        char exch[160] = ""; /* else: the first exchange that changed, as "#1 pass -> fail x" */
        for (size_t e = 0; e < mc->conn->nex && e < cr->nex; e++) {
            int ediff = !mc->seen || mc->ex[e].status != cr->ex[e].status ||
                        strcmp(mc->ex[e].verdict, cr->ex[e].verdict) != 0;
            if (ediff) {
                mc->ex[e].since_ms = now;
                if (mc->seen && !exch[0])
                    snprintf(exch, sizeof exch, "#%zu %s%s%s -> %s%s%s", e + 1,
                             status_word(mc->ex[e].status), mc->ex[e].verdict[0] ? " " : "",
                             mc->ex[e].verdict, status_word(cr->ex[e].status),
                             cr->ex[e].verdict[0] ? " " : "", cr->ex[e].verdict);
                if (mc->seen)
                    diff = 1;
            }
            mc->ex[e].status = cr->ex[e].status;
            snprintf(mc->ex[e].verdict, sizeof mc->ex[e].verdict, "%s", cr->ex[e].verdict);
        }
        mc->status = cr->status;
        snprintf(mc->verdict, sizeof mc->verdict, "%s", cr->verdict);
        snprintf(mc->detail, sizeof mc->detail, "%s", cr->detail);
        snprintf(mc->cause, sizeof mc->cause, "%s", cr->cause);
        snprintf(mc->fix, sizeof mc->fix, "%s", cr->fix);
        served_cause(m, mc);
        if (cr->status == S7_PLANT_PASS)
            mc->passed = 1;
        mc->rounds++;
        if (cr->status != S7_PLANT_PASS)
            mc->failed_rounds++;
        if (cdiff)
            mc->since_ms = now; /* since when the connection is in its state */
        int first = !mc->seen;
        if (first) {
            mc->seen = 1;
            if (mc->status == S7_PLANT_PASS) {
                json_line(m, mc, "state", -1, NULL);
                continue;
            }
            /* failing when the monitor starts (or starts again): a change from the start, so
             * that a monitor started after the fault does not hide it (no previous verdict) */
        }
        if (diff) {
            char t[16], only[180] = "";
            changed++;
            mc->changes++;
            if (!cdiff) /* only an exchange changed: name it */
                snprintf(only, sizeof only, " (exchange %s)", exch);
            FILE *say = m->jl == stdout ? stderr : stdout; /* stdout: JSON lines only */
            fprintf(say, "%s CHANGE %s: %s%s%s -> %s%s%s%s\n", cli_clock_text(now, t, sizeof t),
                    mc->conn->name, first ? "(start)" : status_word(prev),
                    prev_verdict[0] ? " " : "", prev_verdict, status_word(mc->status),
                    mc->verdict[0] ? " " : "", mc->verdict, only);
            if (mc->status != S7_PLANT_PASS && mc->cause[0])
                fprintf(say, "  cause: %s\n  fix: %s\n", mc->cause, mc->fix);
            fflush(say);
            json_line(m, mc, "change", prev, prev_verdict);
            run_hook(m, mc, prev, prev_verdict, !cdiff ? exch : "");
        } else {
            json_line(m, mc, "state", -1, NULL);
        }
    }
    return changed;
}

int inv_cmd_monitor(const s7_plant *p, const inv_opts *o)
{
    mon m;
    int rc = CLI_OK;
    memset(&m, 0, sizeof m);
    m.p = p;
    m.o = o;
    m.c = calloc(p->nconns ? p->nconns : 1, sizeof *m.c);
    if (!m.c) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        int want = o->nonly == 0;
        for (size_t k = 0; k < o->nonly; k++)
            if (strcmp(o->only[k], c->name) == 0)
                want = 1;
        if (!want)
            continue;
        m.c[m.n].conn = c;
        m.c[m.n].ex = calloc(c->nex ? c->nex : 1, sizeof *m.c[m.n].ex);
        if (!m.c[m.n].ex) {
            fprintf(stderr, "error: out of memory\n");
            rc = CLI_FAIL;
            goto out;
        }
        m.n++;
    }
    if (o->json_lines) {
        m.jl = strcmp(o->json_lines, "-") == 0 ? stdout : fopen(o->json_lines, "w");
        if (!m.jl) {
            fprintf(stderr,
                    "error: --json-lines %s: cannot create the file (%s); give a writable path\n",
                    o->json_lines, strerror(errno));
            rc = CLI_USAGE;
            goto out;
        }
    }
    if (o->metrics) {
        char err[256];
        int bad;
        m.met = metrics_start(o->metrics, render, &m, &bad, err, sizeof err);
        if (!m.met) {
            fprintf(stderr, "error: %s\n", err);
            rc = bad ? CLI_USAGE : CLI_FAIL;
            goto out;
        }
        fprintf(stderr, "metrics on %s\n", metrics_url(m.met));
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    long every = o->every_ms > 0 ? o->every_ms : 10000;
    int64_t start = cli_now_ms();
    int quiet_table = m.jl == stdout;
    for (;;) {
        s7_plant_check_opts co;
        s7_plant_check_opts_init(&co);
        co.timeout_ms = o->timeout_ms;
        co.only = o->only;
        co.nonly = o->nonly;
        co.as = o->as;
        co.on_conn = on_conn;
        co.ctx = &m;
        m.round_start = m.last_cb = cli_now_ms();
        s7_plant_check_report *r = NULL;
        int crc = s7_plant_check(p, &co, &r);
        if (crc < 0) {
            fprintf(stderr, "error: %s\n",
                    crc == S7_ERR_NOMEM ? "out of memory" : s7_strerror(crc));
            rc = CLI_FAIL;
            break;
        }
        metrics_lock(m.met);
        m.rounds++;
        size_t ch = take(&m, r);
        m.changes += ch;
        metrics_unlock(m.met);
        s7_plant_check_report_free(r);
        if (o->on_change)
            hook_reap(o->on_change, 0);
        if (!quiet_table)
            print_table(&m);
        if (m.jl_errno) {
            fprintf(stderr, "error: --json-lines %s: cannot write (%s); the monitor stops\n",
                    o->json_lines, strerror(m.jl_errno));
            rc = CLI_FAIL;
            break;
        }
        if (ch && o->exit_on_change)
            break;
        if (stop_flag || (o->count > 0 && m.rounds >= (uint64_t)o->count))
            break;
        int64_t next = m.round_start + every, now = cli_now_ms();
        /* no round starts after --duration, also when a round took longer than --every */
        if (o->duration_ms > 0 && (next > now ? next : now) - start >= o->duration_ms)
            break;
        /* sleep in slices so a signal ends the wait at once */
        while (!stop_flag && now < next) {
            cli_sleep_ms(next - now > 200 ? 200 : (long)(next - now));
            now = cli_now_ms();
        }
        if (stop_flag)
            break;
    }
    if (rc == CLI_OK && m.changes)
        rc = CLI_FAIL;
    /* the hooks still running get 10 s to end, then they are stopped */
    if (o->on_change && hook_reap(o->on_change, 10000) > 0) {
        int left = hook_stop_all(o->on_change);
        fprintf(stderr,
                "warning: --on-change '%s': %d hook%s still ran after 10 s; stopped (SIGTERM)\n",
                o->on_change, left, left == 1 ? "" : "s");
    }
out:
    metrics_stop(m.met);
    if (m.jl && m.jl != stdout)
        fclose(m.jl);
    for (size_t i = 0; i < m.n; i++)
        free(m.c[i].ex);
    free(m.c);
    return rc;
}
