/* s7 server: an emulated S7 CPU on one event loop.  Options (and a YAML file read by
 * s7config into libs7's server configuration model, include/s7/server_config.h) describe
 * the CPU; with none it serves an embedded demo CPU (S7-1500,
 * PUT/GET on, DBs with recognisable values).  It logs connections and refusals on stderr,
 * journals writes to retentive DBs (retain.h) before they are acknowledged, keeps an
 * audit log (audit.h), and on SIGINT/SIGTERM stops the loop, compacts the retentive store
 * and prints a summary.  docs/server.md describes every option and the file. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "s7/audit.h"
#include "s7/config.h"
#include "s7/exchange.h"
#include "s7/exchange_partner.h"
#include "s7/retain.h"
#include "s7/server.h"
#include "s7/server_config.h"
#include "util/clock.h"

int cmd_server(cli *c);
int cmd_server_main(const cli_cmd *cmd, int argc, char **argv);

/* The signal that asked the loop to stop, and the server it stops (the tool's only
 * global state: a signal handler has no other way in). */
static volatile sig_atomic_t g_signal;
static volatile sig_atomic_t g_hup;
static s7_server *volatile g_srv;

const char srv_help[] =
    "Emulates a Siemens S7 CPU that S7 PUT/GET clients (HMIs, SCADA, Snap7, nodes7, this s7\n"
    "command) can read and write: profiles, PUT/GET permission, optimized and read-only DBs,\n"
    "connection budgets, an allow-list, retentive DBs that survive a restart and an audit log.\n"
    "With no options it serves a demo S7-1500 with PUT/GET enabled and a few DBs with\n"
    "recognisable values on 127.0.0.1:1102 (127.0.0.1:102 when run as root) and prints what\n"
    "it serves.  Flags override the --config file.  docs/server.md has the details.\n\n"
    "Options:\n"
    "  --config FILE          YAML description of the CPU (docs/server-example.yaml)\n"
    "  --listen ADDR:PORT     address to serve (default 127.0.0.1:1102, as root :102;\n"
    "                         port 0 picks a free one); 0.0.0.0:102 serves every interface\n"
    "  --profile NAME         s7-300, s7-400, s7-1200, s7-1500, logo8, s7-200smart\n"
    "  --db N:SIZE[:optimized][:ro][:retain]   a DB of SIZE bytes (repeatable)\n"
    "  --alarm ID:DBn.DBXb.i[:NAME]   an alarm (S7-300/400) active while that DB bit is set\n"
    "                                 (repeatable); s7 alarms HOST lists the active ones\n"
    "  --set ADDRESS=VALUE    initial value, e.g. DB1.DBD4:REAL=3.5, MW10=7 (repeatable)\n"
    "  --put-get on|off       permit PUT/GET (default: the profile's; off on 1200/1500)\n"
    "  --max-conn TYPE=N      connection budget, TYPE pg, op, basic or total (repeatable)\n"
    "  --rack R --slot S      where the CPU sits (default: the profile's)\n"
    "  --allow CIDR           partners allowed to connect (repeatable; default everybody)\n"
    "  --audit FILE           JSON-lines audit log of writes and refused accesses\n"
    "  --audit-reads          log every read in the audit log too\n"
    "  --state FILE           keep retentive DBs (:retain) in FILE across restarts\n"
    "  --retain sync|async    sync (default): every acknowledged write is on disk;\n"
    "                         async: flushed every second\n"
    "  --retain-resize refuse|fit   a retentive DB whose size changed (default refuse)\n"
    "  --repair               start even though the state file or its journal is damaged:\n"
    "                         keep the damaged files aside (FILE.damaged-TIME) and keep\n"
    "                         every write that can be trusted (without it a damaged state\n"
    "                         refuses the start and says what --repair would keep and lose)\n"
    "  --idle-timeout TIME    close a connection with no request for this long\n"
    "                         (ms, or 10min, 5s ...; default 600000: 10 minutes; 0 = never);\n"
    "                         not one waiting for pushes (cyclic data, alarms)\n"
    "  --cr-timeout TIME      close a connection with no COTP CR this long after it\n"
    "                         opened (default 5000; 0 = never)\n"
    "  --setup-timeout TIME   the same for Setup Communication after the CC (default 5000)\n"
    "  --max-per-source N     connections from one address at most (default 64; 0 = no\n"
    "                         limit); a gateway with more dedicated connections needs more\n"
    "  --max-clients N        connections in all at most (default 65000)\n"
    "  --max-held BYTES       memory for unsent replies and partial frames of all\n"
    "                         connections (default 64M; past half of it the greediest are\n"
    "                         not read, past it the one holding most is closed)\n"
    "  --max-held-conn BYTES  unsent replies after which a connection is not read until\n"
    "                         it takes them (default 64K)\n"
    "  --sock-buf BYTES       each connection's kernel send buffer (default 64K; 0 = the\n"
    "                         kernel's autotuning, up to 4M per connection)\n"
    "  --job 'get|put PARTNER ADDR... every TIME|on BIT into|from LOCAL... [options]'\n"
    "                         a GET/PUT job this CPU runs as the active partner (repeatable;\n"
    "                         docs/exchange.md), e.g. --job 'get 10.0.0.2 DB20.DBB0..DBB31\n"
    "                         every 100ms --slot 2 into DB40.DBB0 --status DB40.DBW32'\n"
    "  --job 'bsend|usend PARTNER R_ID every TIME|on BIT from LOCAL [options]'\n"
    "  --job 'brcv|urcv PARTNER|any R_ID into LOCAL [options]'\n"
    "                         a BSEND/BRCV (USEND/URCV) partner job (repeatable; its\n"
    "                         options and outputs: docs/exchange.md), e.g. --job 'brcv any 3\n"
    "                         into DB20.DBB0..DBB999'; passive ones are served on this\n"
    "                         CPU's own port, told from PUT/GET clients by the CR's TSAPs\n"
    "  --scan TIME            the CPU's scan (OB1 cycle) time: its jobs (GET/PUT and partner)\n"
    "                         are called and REQ bits sampled once per scan, NDR/DONE/ERROR/STATUS "
    "set\n"
    "                         for one scan (a job ending in 'latch' holds them); default\n"
    "                         10ms (scan: in the config file)\n"
    "  --quiet                log only warnings and errors\n\n"
    "Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start (address in use, state file\n"
    "damaged ...) or could not persist a write, 2 bad option or config.\n\n"
    "Examples:\n"
    "  s7 server\n"
    "  s7 server --profile s7-300 --db 1:256 --db 2:64:retain --state plc.state\n"
    "  s7 server --config docs/server-example.yaml --listen 127.0.0.1:1102\n"
    "  s7 server --db 40:64 --job 'get 127.0.0.1:1103 DB20.DBB0..DBB31 every 100ms into "
    "DB40.DBB0'\n";

/* ---------------------------------------------------------------- run state */

typedef struct srv_run {
    s7_server_config cfg;
    int demo;
    int quiet;
    char listen[128];
    s7_cpu *cpu;
    s7_server *srv;
    s7_retain *retain;
    s7_audit *audit;
    int audit_warned;
    s7_exchange jobs;      /* the CPU's GET/PUT jobs: the file's jobs:, then each --job */
    const char **job_args; /* the --job lines as given */
    size_t njob_args;
    const char *scan_arg; /* --scan as given (NULL: the file's scan:, else 10 ms) */
    s7_xengine *xe;
    s7_exchange pjobs; /* the CPU's BSEND/BRCV/USEND/URCV jobs (--job 'bsend ...') */
    s7_xpartner *xp;
    uint64_t conns, refused_conns, reads, writes, refused, failed, controls;
    s7_server_stats st; /* the engine's, taken when it stops */
    int have_st;
    int64_t started_ms;
    int64_t rl_sec; /* refusal lines: the second being counted */
    unsigned rl_count;
    uint64_t rl_hidden;
} srv_run;

#define REFUSALS_PER_SEC 20u

static void tlog(const srv_run *r, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void tlog(const srv_run *r, int level, const char *fmt, ...)
{
    if (r && r->quiet && level >= S7_LOG_INFO)
        return;
    char msg[2400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_log_line(level, msg);
}

/* ---------------------------------------------------------------- hooks */

/* The engine's log: connections, refusals, listen errors. */
static void on_log(void *ctx, int level, const char *msg) { tlog(ctx, level, "%s", msg); }

/* Every refused or cut connection is an audit line (the log has them too, rate-limited). */
static void on_refuse(void *ctx, const char *peer, const char *why)
{
    srv_run *r = ctx;
    static const char pre[] = "connection request refused: ";
    if (strncmp(why, pre, sizeof pre - 1) == 0)
        why += sizeof pre - 1;
    r->refused_conns++;
    if (r->audit)
        s7_audit_connect(r->audit, peer, why);
}

static void retain_log(void *ctx, int level, const char *msg)
{
    tlog(ctx, level, "retain: %s", msg);
}

static void on_connect(void *ctx, const char *peer, int type)
{
    srv_run *r = ctx;
    (void)peer;
    (void)type;
    r->conns++; /* set up: the CR accepted (the most open at once is the engine's) */
}

/* Why an item failed, in words, looking at the CPU for the detail. */
static void why_text(const srv_run *r, const s7_cpu_event *ev, char *out, size_t cap)
{
    int is_db = ev->area == S7_AREA_DB || ev->area == S7_AREA_DI;
    uint32_t size = 0;
    const uint8_t *mem = s7_cpu_mem(r->cpu, is_db ? S7_AREA_DB : ev->area, ev->db, &size);
    unsigned flags = is_db ? s7_cpu_db_flags(r->cpu, ev->db) : 0;
    if (ev->err == 0x8104 && !s7_cpu_put_get(r->cpu)) {
        snprintf(out, cap,
                 "PUT/GET is not permitted on this CPU (error 0x8104; --put-get on or "
                 "put_get: true permits it)");
        return;
    }
    if (ev->err == 0xD20E && is_db && (flags & S7_DB_RETAIN) && mem && size != ev->len) {
        snprintf(out, cap,
                 "error 0xD20E: a download of DB%u with %u bytes; DB%u is retentive with %u "
                 "bytes and is not resized (the state file holds it at that size): download "
                 "it with %u bytes, or change its size in the configuration and restart",
                 ev->db, ev->len, ev->db, size, size);
        return;
    }
    if (ev->err) {
        snprintf(out, cap, "error 0x%04X%s", ev->err,
                 ev->err == 0x8500   ? ": the request is larger than the negotiated PDU"
                 : ev->err == 0x8104 ? ": the function is not available on this CPU"
                                     : "");
        return;
    }
    switch (ev->rc) {
    case S7_RC_NOT_FOUND:
        if (is_db)
            snprintf(out, cap, "0x0A: DB%u does not exist on this CPU", ev->db);
        else {
            char an[16];
            const char *a = cli_area_name(ev->area, an, sizeof an);
            snprintf(out, cap, "0x0A: this CPU has no %s%s", a, a == an ? "" : " area");
        }
        return;
    case S7_RC_ADDR_OUT_OF_RANGE:
        if (flags & S7_DB_OPTIMIZED)
            snprintf(out, cap, "0x05: DB%u has optimized block access (no absolute addresses)",
                     ev->db);
        else if (mem && (uint64_t)ev->start + ev->len > size)
            snprintf(out, cap, "0x05: past the end (%s%s%.0u is %u bytes)",
                     s7_server_area_text(ev->area), is_db ? "" : " area", is_db ? ev->db : 0u,
                     size);
        else
            snprintf(out, cap, "0x05: address out of range (transport size or alignment)");
        return;
    case S7_RC_ACCESS_DENIED:
        if (flags & S7_DB_READONLY)
            snprintf(out, cap, "0x03: DB%u is read-only", ev->db);
        else
            snprintf(out, cap, "0x03: access denied by an access rule");
        return;
    case S7_RC_TYPE_UNSUPPORTED: snprintf(out, cap, "0x06: data type not supported"); return;
    case S7_RC_TYPE_INCONSISTENT:
        snprintf(out, cap, "0x07: data length does not match the item");
        return;
    default: snprintf(out, cap, "item code 0x%02X", ev->rc); return;
    }
}

/* Starts a new second of the refusal log, reporting what the last one did not show. */
static void refusals_second(srv_run *r)
{
    int64_t sec = s7__wall_ms() / 1000;
    if (sec == r->rl_sec)
        return;
    if (r->rl_hidden)
        tlog(r, S7_LOG_WARN,
             "%llu more refused or failed items not shown (at most %u lines a second)",
             (unsigned long long)r->rl_hidden, REFUSALS_PER_SEC);
    r->rl_sec = sec;
    r->rl_count = 0;
    r->rl_hidden = 0;
}

static void log_refusal(srv_run *r, const s7_cpu_event *ev)
{
    refusals_second(r);
    if (r->rl_count >= REFUSALS_PER_SEC) {
        r->rl_hidden++;
        return;
    }
    r->rl_count++;
    const char *peer = ev->sess ? s7_cpu_session_peer(ev->sess) : "?";
    char why[256];
    why_text(r, ev, why, sizeof why);
    if (ev->kind == S7_EV_REFUSED && ev->ctrl) {
        tlog(r, S7_LOG_WARN, "refused %s: control request: %s", peer, why);
        return;
    }
    const char *what = ev->kind == S7_EV_WRITE || ev->fn == S7_FN_WRITE ? "write"
                       : ev->kind == S7_EV_READ || ev->fn == S7_FN_READ ? "read"
                                                                        : "access";
    if (!ev->area) {
        tlog(r, S7_LOG_WARN, "refused %s: %s", peer, why);
        return;
    }
    int tc = ev->area == S7_AREA_T || ev->area == S7_AREA_C;
    char an[16];
    if (ev->area == S7_AREA_DB || ev->area == S7_AREA_DI)
        tlog(r, S7_LOG_WARN, "refused %s: %s DB%u offset %u, %u byte%s: %s", peer, what, ev->db,
             ev->start, ev->len, ev->len == 1 ? "" : "s", why);
    else {
        uint32_t n = tc ? ev->len / 2 : ev->len;
        tlog(r, S7_LOG_WARN, "refused %s: %s %s %s %u, %u %s%s: %s", peer, what,
             cli_area_name(ev->area, an, sizeof an), tc ? "element" : "offset",
             tc ? ev->start / 2 : ev->start, n, tc ? "element" : "byte", n == 1 ? "" : "s", why);
    }
}

/* Stops the process before a write that is not durable is acknowledged. */
static _Noreturn void retain_failed(srv_run *r, int partner)
{
    if (partner)
        tlog(r, S7_LOG_ERROR,
             "retain: %s. Stopping now, before this write is acknowledged: a write the "
             "partner sees acknowledged must survive a restart. Fix the cause (disk full?) "
             "and restart; the state file holds every write acknowledged so far",
             s7_retain_error(r->retain));
    else
        tlog(r, S7_LOG_ERROR, "retain: %s; stopping (a job's result could not be kept)",
             s7_retain_error(r->retain));
    fflush(NULL);
    _exit(CLI_FAIL);
}

/* The group commit (sync mode): at the end of a turn of the server's loop, one fdatasync
 * for every write job whose reply the turn held; the replies leave after it. */
static int on_commit(void *ctx)
{
    srv_run *r = ctx;
    if (s7_retain_sync(r->retain) < 0)
        retain_failed(r, 1);
    return 0;
}

static void on_event(void *ctx, const s7_cpu_event *ev)
{
    srv_run *r = ctx;
    /* First the journal: in sync mode the write is on disk before the reply is sent (a
     * job's reply is held for the turn's group commit, on_commit; what cannot be held is
     * synced now). */
    int jr = r->retain ? s7_retain_event(r->retain, ev) : 0;
    if (jr > 0 && s7_server_hold_replies(r->srv) < 0)
        jr = s7_retain_sync(r->retain);
    if (jr < 0)
        retain_failed(r, ev->sess != NULL);
    if (!ev->sess) /* the CPU's own write (a job's result or output): journaled, no access */
        return;
    if (r->audit && s7_audit_event(r->audit, ev) < 0 && !r->audit_warned) {
        tlog(r, S7_LOG_ERROR, "audit log: cannot append (%s); lines are being lost",
             strerror(errno));
        r->audit_warned = 1;
    }
    switch (ev->kind) {
    case S7_EV_READ:
        if (ev->rc == S7_RC_OK)
            r->reads++;
        else {
            r->failed++;
            log_refusal(r, ev);
        }
        break;
    case S7_EV_WRITE:
        if (ev->rc == S7_RC_OK)
            r->writes++;
        else {
            r->failed++;
            log_refusal(r, ev);
        }
        break;
    case S7_EV_REFUSED:
        r->refused++;
        log_refusal(r, ev);
        break;
    case S7_EV_CONTROL: {
        static const char *const names[] = {"control",    "stop",      "hot start",
                                            "cold start", "clock set", "control"};
        r->controls++;
        tlog(r, S7_LOG_INFO, "%s: %s (CPU now in %s)",
             ev->sess ? s7_cpu_session_peer(ev->sess) : "?", names[ev->ctrl < 6 ? ev->ctrl : 0],
             s7_cpu_state(r->cpu) == S7_CPU_STATE_STOP ? "STOP" : "RUN");
        break;
    }
    default: break;
    }
}

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        g_hup = 1;
        return;
    }
    g_signal = sig;
    if (g_srv)
        s7_server_stop(g_srv);
}

/* ---------------------------------------------------------------- options */

enum {
    O_CONFIG,
    O_LISTEN,
    O_PROFILE,
    O_DB,
    O_SET,
    O_PUTGET,
    O_MAXCONN,
    O_RACK,
    O_SLOT,
    O_ALLOW,
    O_AUDIT,
    O_AUDIT_READS,
    O_STATE,
    O_RETAIN,
    O_RESIZE,
    O_REPAIR,
    O_IDLE,
    O_CR_TIMEOUT,
    O_SETUP_TIMEOUT,
    O_PER_SOURCE,
    O_MAX_CLIENTS,
    O_MAX_HELD,
    O_MAX_HELD_CONN,
    O_SOCK_BUF,
    O_QUIET,
    O_JOB,
    O_SCAN,
    O_HELP,
    O_ALARM
};

static const struct sopt {
    const char *name;
    int id;
    int has_value;
    const char *example;
} SOPTS[] = {
    {"--config", O_CONFIG, 1, "--config plc.yaml"},
    {"--listen", O_LISTEN, 1, "--listen 127.0.0.1:1102"},
    {"--profile", O_PROFILE, 1, "--profile s7-1500"},
    {"--db", O_DB, 1, "--db 1:256"},
    {"--alarm", O_ALARM, 1, "--alarm 0x1001:DB5.DBX1.3:tank_high"},
    {"--set", O_SET, 1, "--set DB1.DBD4:REAL=3.5"},
    {"--put-get", O_PUTGET, 1, "--put-get on"},
    {"--max-conn", O_MAXCONN, 1, "--max-conn pg=4"},
    {"--rack", O_RACK, 1, "--rack 0"},
    {"--slot", O_SLOT, 1, "--slot 2"},
    {"--allow", O_ALLOW, 1, "--allow 10.0.0.0/8"},
    {"--audit", O_AUDIT, 1, "--audit audit.jsonl"},
    {"--audit-reads", O_AUDIT_READS, 0, NULL},
    {"--state", O_STATE, 1, "--state plc.state"},
    {"--retain", O_RETAIN, 1, "--retain sync"},
    {"--retain-resize", O_RESIZE, 1, "--retain-resize fit"},
    {"--repair", O_REPAIR, 0, NULL},
    {"--idle-timeout", O_IDLE, 1, "--idle-timeout 60000"},
    {"--cr-timeout", O_CR_TIMEOUT, 1, "--cr-timeout 5000"},
    {"--setup-timeout", O_SETUP_TIMEOUT, 1, "--setup-timeout 5000"},
    {"--max-per-source", O_PER_SOURCE, 1, "--max-per-source 128"},
    {"--max-clients", O_MAX_CLIENTS, 1, "--max-clients 10000"},
    {"--max-held", O_MAX_HELD, 1, "--max-held 64M"},
    {"--max-held-conn", O_MAX_HELD_CONN, 1, "--max-held-conn 64K"},
    {"--sock-buf", O_SOCK_BUF, 1, "--sock-buf 64K"},
    {"--quiet", O_QUIET, 0, NULL},
    {"--job", O_JOB, 1, "--job 'get 10.0.0.2 DB20.DBB0..DBB31 every 100ms into DB40.DBB0'"},
    {"--scan", O_SCAN, 1, "--scan 10ms"},
    {"--help", O_HELP, 0, NULL},
    {"-h", O_HELP, 0, NULL},
    {"-q", O_QUIET, 0, NULL},
};

static int set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
    return *dst ? 0 : -1;
}

/* One option into the flag configuration fl.  0 or CLI_USAGE after the message. */
static int apply(const cli_cmd *cmd, s7_server_config *fl, const char **config, int id,
                 const char *v)
{
    char err[400];
    long n;
    switch (id) {
    case O_CONFIG:
        if (!*v)
            return cli_usage_error(cmd, "--config: the file name is empty, e.g. --config plc.yaml");
        *config = v;
        return 0;
    case O_LISTEN: {
        char out[128];
        if (s7_server_parse_listen(v, out, sizeof out, err, sizeof err))
            return cli_usage_error(cmd, "--listen %s", err);
        return set_str(&fl->listen, out) ? CLI_FAIL : 0;
    }
    case O_PROFILE:
        if (!s7_profile_find(v))
            return cli_usage_error(cmd,
                                   "--profile %s: unknown profile (profiles: s7-300, s7-400, "
                                   "s7-1200, s7-1500, logo8, s7-200smart)",
                                   v);
        return set_str(&fl->profile, v) ? CLI_FAIL : 0;
    case O_DB: {
        s7_server_db d;
        if (s7_server_parse_db(v, &d, err, sizeof err))
            return cli_usage_error(cmd, "--db %s", err);
        return s7_server_config_put_db(fl, &d) ? CLI_FAIL : 0;
    }
    case O_ALARM: {
        s7_server_alarm a;
        if (s7_server_parse_alarm(v, &a, err, sizeof err))
            return cli_usage_error(cmd, "--alarm %s", err);
        snprintf(a.from, sizeof a.from, "--alarm");
        return s7_server_config_add_alarm(fl, &a) ? CLI_FAIL : 0;
    }
    case O_SET:
        if (!strchr(v, '='))
            return cli_usage_error(
                cmd, "--set %s: expected ADDRESS=VALUE, e.g. --set DB1.DBD4:REAL=3.5", v);
        return s7_server_config_add_value(fl, v, "--set") ? CLI_FAIL : 0;
    case O_PUTGET: {
        int b;
        if (s7_server_parse_bool(v, &b))
            return cli_usage_error(cmd, "--put-get %s: expected on or off", v);
        fl->put_get = b;
        return 0;
    }
    case O_MAXCONN: {
        const char *eq = strchr(v, '=');
        char type[16];
        int t;
        if (!eq || (size_t)(eq - v) >= sizeof type)
            return cli_usage_error(cmd,
                                   "--max-conn %s: expected TYPE=N with TYPE pg, op, basic or "
                                   "total, e.g. --max-conn pg=4",
                                   v);
        snprintf(type, sizeof type, "%.*s", (int)(eq - v), v);
        if (s7_server_parse_conn_type(type, &t))
            return cli_usage_error(cmd, "--max-conn %s: unknown type '%s' (pg, op, basic or total)",
                                   v, type);
        if (cli_parse_long(eq + 1, 0, 65535, &n))
            return cli_usage_error(cmd, "--max-conn %s: N must be 0..65535, e.g. --max-conn %s=4",
                                   v, type);
        fl->max_conn[t] = (int)n;
        return 0;
    }
    case O_RACK:
        if (cli_parse_long(v, 0, 7, &n))
            return cli_usage_error(cmd, "--rack %s: rack must be 0..7", v);
        fl->rack = (int)n;
        return 0;
    case O_SLOT:
        if (cli_parse_long(v, 0, 31, &n))
            return cli_usage_error(
                cmd, "--slot %s: slot must be 0..31 (1 on S7-1200/1500, 2 on S7-300)", v);
        fl->slot = (int)n;
        return 0;
    case O_ALLOW:
        fl->allow_set = 1;
        if (s7_server_config_add_allow(fl, v) == S7_ERR_INVAL)
            return cli_usage_error(cmd, "--allow '%s': %s", v, s7_server_allow_hint());
        return 0;
    case O_AUDIT:
        if (!*v)
            return cli_usage_error(cmd,
                                   "--audit: the file name is empty, e.g. --audit audit.jsonl");
        return set_str(&fl->audit, v) ? CLI_FAIL : 0;
    case O_AUDIT_READS: fl->audit_reads = 1; return 0;
    case O_STATE:
        if (!*v)
            return cli_usage_error(cmd, "--state: the file name is empty, e.g. --state plc.state");
        return set_str(&fl->state, v) ? CLI_FAIL : 0;
    case O_RETAIN:
        if (strcmp(v, "sync") == 0)
            fl->retain = S7_RETAIN_SYNC;
        else if (strcmp(v, "async") == 0)
            fl->retain = S7_RETAIN_ASYNC;
        else
            return cli_usage_error(cmd,
                                   "--retain %s: expected sync (every acknowledged write is on "
                                   "disk) or async (flushed every second)",
                                   v);
        return 0;
    case O_RESIZE:
        if (strcmp(v, "refuse") == 0)
            fl->retain_resize = S7_RETAIN_RESIZE_REFUSE;
        else if (strcmp(v, "fit") == 0)
            fl->retain_resize = S7_RETAIN_RESIZE_FIT;
        else
            return cli_usage_error(cmd, "--retain-resize %s: expected refuse or fit", v);
        return 0;
    case O_IDLE:
        if (s7_duration_parse(v, 1, 0, 86400000, &n, NULL, 0))
            return cli_usage_error(
                cmd,
                "--idle-timeout %s: must be 0 ms..24 h (0 = never; a bare number "
                "is milliseconds), e.g. --idle-timeout 60000 or 1min",
                v);
        fl->idle_timeout_ms = n;
        return 0;
    case O_CR_TIMEOUT:
    case O_SETUP_TIMEOUT:
        if (s7_duration_parse(v, 1, 0, 3600000, &n, NULL, 0))
            return cli_usage_error(cmd,
                                   "%s %s: must be 0 ms..1 h (0 = never; a bare number is "
                                   "milliseconds), e.g. %s 5000 or 5s",
                                   id == O_CR_TIMEOUT ? "--cr-timeout" : "--setup-timeout", v,
                                   id == O_CR_TIMEOUT ? "--cr-timeout" : "--setup-timeout");
        *(id == O_CR_TIMEOUT ? &fl->cr_timeout_ms : &fl->setup_timeout_ms) = n;
        return 0;
    case O_PER_SOURCE:
        if (cli_parse_long(v, 0, 1000000, &n))
            return cli_usage_error(cmd,
                                   "--max-per-source %s: must be 0..1000000 (0 = no limit), "
                                   "e.g. --max-per-source 128",
                                   v);
        fl->max_per_source = n;
        return 0;
    case O_MAX_CLIENTS:
        if (cli_parse_long(v, 1, 1000000, &n))
            return cli_usage_error(cmd,
                                   "--max-clients %s: must be 1..1000000, e.g. --max-clients "
                                   "10000",
                                   v);
        fl->max_clients = n;
        return 0;
    case O_MAX_HELD:
    case O_MAX_HELD_CONN:
        if (cli_parse_bytes(v, id == O_MAX_HELD ? (1L << 40) : (1L << 30), &n))
            return cli_usage_error(cmd,
                                   "%s %s: must be a byte count 0..%s, with an optional K, M "
                                   "or G (0 = no bound), e.g. %s",
                                   id == O_MAX_HELD ? "--max-held" : "--max-held-conn", v,
                                   id == O_MAX_HELD ? "1024G" : "1G",
                                   id == O_MAX_HELD ? "--max-held 64M" : "--max-held-conn 64K");
        *(id == O_MAX_HELD ? &fl->max_held : &fl->max_held_conn) = n;
        return 0;
    case O_SOCK_BUF:
        if (cli_parse_bytes(v, 1L << 30, &n))
            return cli_usage_error(cmd,
                                   "--sock-buf %s: must be a byte count 0..1G, with an optional "
                                   "K, M or G (0 = the kernel's autotuning), e.g. --sock-buf 64K",
                                   v);
        fl->sock_buf = n;
        return 0;
    case O_QUIET: fl->quiet = 1; return 0;
    default: return 0;
    }
}

static int parse_flags(const cli_cmd *cmd, int argc, char **argv, s7_server_config *fl,
                       const char **config, int *repair, srv_run *r)
{
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (a[0] != '-' || !a[1])
            return cli_usage_error(cmd,
                                   "unexpected argument '%s': s7 server takes only options, "
                                   "e.g. --listen 127.0.0.1:1102 --db 1:256",
                                   a);
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        const struct sopt *o = NULL;
        for (size_t k = 0; k < sizeof SOPTS / sizeof SOPTS[0]; k++)
            if (strlen(SOPTS[k].name) == nlen && strncmp(SOPTS[k].name, a, nlen) == 0)
                o = &SOPTS[k];
        if (!o)
            return cli_usage_error(cmd,
                                   "unknown option '%.*s' (options: --config --listen --profile "
                                   "--db --set --put-get --max-conn --rack --slot --allow --audit "
                                   "--audit-reads --state --retain --retain-resize --idle-timeout "
                                   "--cr-timeout --setup-timeout --max-per-source --max-clients "
                                   "--max-held --max-held-conn --repair --job --scan --quiet)",
                                   (int)nlen, a);
        if (o->id == O_HELP) {
            printf("usage: s7 %s %s [options]\n\n%s", cmd->name, cmd->usage, cmd->help);
            return CLI_HELP_SHOWN;
        }
        const char *v = NULL;
        if (o->has_value) {
            if (eq)
                v = eq + 1;
            else if (i + 1 < argc)
                v = argv[++i];
            else
                return cli_usage_error(cmd, "%s needs a value, e.g. %s", o->name, o->example);
        } else if (eq) {
            return cli_usage_error(cmd, "%s takes no value (got '%s')", o->name, eq + 1);
        }
        if (o->id == O_REPAIR) { /* an action of this start, not a setting of the CPU */
            *repair = 1;
            continue;
        }
        if (o->id == O_SCAN) { /* with the jobs: load_jobs */
            r->scan_arg = v;
            continue;
        }
        if (o->id == O_JOB) { /* parsed after the file's jobs: load_jobs */
            const char **n = realloc(r->job_args, (r->njob_args + 1) * sizeof *n);
            if (!n)
                return CLI_FAIL;
            r->job_args = n;
            r->job_args[r->njob_args++] = v;
            continue;
        }
        int rc = apply(cmd, fl, config, o->id, v);
        if (rc)
            return rc;
    }
    return 0;
}

/* Moves what fl sets onto base: scalars replace, DBs replace by number, values and access
 * rules append (later wins), an allow list given by flags replaces the file's. */
static void merge(s7_server_config *base, s7_server_config *fl)
{
#define TAKE_STR(f)      \
    if (fl->f) {         \
        free(base->f);   \
        base->f = fl->f; \
        fl->f = NULL;    \
    }
#define TAKE_INT(f)  \
    if (fl->f != -1) \
        base->f = fl->f;
    TAKE_STR(listen)
    TAKE_STR(profile)
    TAKE_STR(audit)
    TAKE_STR(state)
    TAKE_INT(rack)
    TAKE_INT(slot)
    TAKE_INT(put_get)
    TAKE_INT(audit_reads)
    TAKE_INT(retain)
    TAKE_INT(retain_resize)
    TAKE_INT(idle_timeout_ms)
    TAKE_INT(max_clients)
    TAKE_INT(cr_timeout_ms)
    TAKE_INT(setup_timeout_ms)
    TAKE_INT(max_per_source)
    TAKE_INT(max_held)
    TAKE_INT(max_held_conn)
    TAKE_INT(sock_buf)
    TAKE_INT(quiet)
    for (int i = 0; i < 4; i++)
        TAKE_INT(max_conn[i])
#undef TAKE_STR
#undef TAKE_INT
    for (size_t i = 0; i < fl->ndbs; i++)
        s7_server_config_put_db(base, &fl->dbs[i]);
    for (size_t i = 0; i < fl->nvalues; i++)
        s7_server_config_add_value(base, fl->values[i], fl->value_from[i]);
    for (size_t i = 0; i < fl->nalarms; i++)
        s7_server_config_add_alarm(base, &fl->alarms[i]);
    if (fl->allow_set) {
        for (size_t i = 0; i < base->nallow; i++)
            free(base->allow[i]);
        free(base->allow);
        base->allow = fl->allow;
        base->nallow = fl->nallow;
        base->allow_set = 1;
        fl->allow = NULL;
        fl->nallow = 0;
    }
}

/* ---------------------------------------------------------------- the demo CPU */

static const s7_server_db DEMO_DBS[] = {
    {1, 256, 0, -1, ""},
    {2, 64, S7_DB_OPTIMIZED, -1, ""},
    {3, 32, S7_DB_READONLY, -1, ""},
    {10, 256, S7_DB_RETAIN, -1, ""},
};

static const char *const DEMO_VALUES[] = {
    "DB1.DBW0:INT=42",
    "DB1.DBD4:REAL=3.14159",
    "DB1.DBX8.0=true",
    "DB1.DBX8.2=true",
    "DB1.DBB10:STRING[20]=hello from s7kit",
    "DB1.DBD32:DINT=123456789",
    "DB3.DBW0:INT=7",
    "DB3.DBB2:STRING[16]=read only",
    "MW10:INT=100",
};

static int demo_config(s7_server_config *c)
{
    if (set_str(&c->profile, "s7-1500"))
        return -1;
    if (c->put_get < 0)
        c->put_get = 1;
    /* the demo's DBs and values first: --set values come after and win */
    s7_server_config tmp;
    s7_server_config_init(&tmp);
    for (size_t i = 0; i < sizeof DEMO_DBS / sizeof DEMO_DBS[0]; i++)
        if (s7_server_config_put_db(&tmp, &DEMO_DBS[i]))
            return -1;
    for (size_t i = 0; i < sizeof DEMO_VALUES / sizeof DEMO_VALUES[0]; i++)
        if (s7_server_config_add_value(&tmp, DEMO_VALUES[i], "the demo CPU"))
            return -1;
    for (size_t i = 0; i < c->nvalues; i++)
        if (s7_server_config_add_value(&tmp, c->values[i], c->value_from[i]))
            return -1;
    for (size_t i = 0; i < c->nvalues; i++) {
        free(c->values[i]);
        free(c->value_from[i]);
    }
    free(c->values);
    free(c->value_from);
    c->values = tmp.values;
    c->value_from = tmp.value_from;
    c->nvalues = tmp.nvalues;
    free(c->dbs);
    c->dbs = tmp.dbs;
    c->ndbs = tmp.ndbs;
    return 0;
}

/* ---------------------------------------------------------------- building the CPU */

/* Builds r->cpu from r->cfg (libs7: s7_server_config_build_cpu).  0, or CLI_USAGE /
 * CLI_FAIL after saying what is wrong. */
static int build_cpu(srv_run *r)
{
    char err[800];
    int rc = s7_server_config_build_cpu(&r->cfg, &r->cpu, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "error: %s\n", err);
        return rc == S7_ERR_NOMEM ? CLI_FAIL : CLI_USAGE;
    }
    if (r->demo) { /* DB1 from byte 64 on counts: byte n holds n */
        uint8_t *m = s7_cpu_mem(r->cpu, S7_AREA_DB, 1, NULL);
        for (unsigned i = 64; i < 256; i++)
            m[i] = (uint8_t)i;
        /* the initial values come after the counting bytes (a --set there wins): again */
        for (size_t i = 0; i < r->cfg.nvalues; i++)
            s7_cpu_set_value(r->cpu, r->cfg.values[i], err, sizeof err);
    }
    return 0;
}

/* ---------------------------------------------------------------- start-up helpers */

/* The state file, its journal and temporary snapshot, the audit log and the configuration
 * file are distinct regular files (libs7: s7_retain_check_files); --repair needs a state
 * file.  0, or CLI_USAGE after the message. */
static int check_files(const srv_run *r, const char *config, const char *state_opt,
                       const char *audit_opt, int repair)
{
    const s7_server_config *c = &r->cfg;
    if (repair && !c->state) {
        fprintf(stderr, "error: --repair: there is no state file to repair; it repairs the "
                        "state file given with --state FILE (or state_file: in the file)\n");
        return CLI_USAGE;
    }
    const char *paths[] = {c->audit, config};
    const char *names[] = {audit_opt, "--config"};
    char err[2048];
    if (s7_retain_check_files(c->state, state_opt, paths, names, 2, err, sizeof err) < 0) {
        fprintf(stderr, "error: %s\n", err);
        return CLI_USAGE;
    }
    return 0;
}

static void raise_nofile(const srv_run *r)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    rlim_t before = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        rlim_t want = rl.rlim_max;
        if (want == RLIM_INFINITY) {
            long nr = 1048576;
            FILE *f = fopen("/proc/sys/fs/nr_open", "r");
            if (f) {
                if (fscanf(f, "%ld", &nr) != 1)
                    nr = 1048576;
                fclose(f);
            }
            want = (rlim_t)nr;
        }
        rl.rlim_cur = want;
        if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
            rl.rlim_cur = before;
    }
    if (rl.rlim_cur < 10240) {
        /* each client takes one descriptor: what the limit leaves of those open now (the
         * listener, the engine's own, the state file, the audit log ...) */
        unsigned long open_now = 0;
        for (rlim_t fd = 0; fd < rl.rlim_cur; fd++)
            open_now += fcntl((int)fd, F_GETFD) != -1;
        unsigned long left = rl.rlim_cur > open_now ? (unsigned long)rl.rlim_cur - open_now : 0;
        tlog(r, S7_LOG_WARN,
             "file descriptor limit %lu (hard limit %lu): at most %lu clients can connect at "
             "once (the limit less the %lu descriptors the server holds; partner jobs take "
             "theirs from them too); raise it with ulimit -Hn (or LimitNOFILE= in a systemd "
             "unit)",
             (unsigned long)rl.rlim_cur, (unsigned long)rl.rlim_max, left, open_now);
    } else if (rl.rlim_cur != before)
        tlog(r, S7_LOG_INFO, "file descriptor limit raised from %lu to %lu", (unsigned long)before,
             (unsigned long)rl.rlim_cur);
}

/* The address a local client uses to reach a listen address. */
static void client_addr(const srv_run *r, char *out, size_t cap)
{
    const char *l = r->listen;
    if (strncmp(l, "0.0.0.0:", 8) == 0)
        snprintf(out, cap, "127.0.0.1:%u", s7_server_port(r->srv));
    else if (strncmp(l, "[::]:", 5) == 0)
        snprintf(out, cap, "[::1]:%u", s7_server_port(r->srv));
    else if (l[0] == '[')
        snprintf(out, cap, "%.*s:%u", (int)(strchr(l, ']') - l + 1), l, s7_server_port(r->srv));
    else
        snprintf(out, cap, "%.*s:%u", (int)(strrchr(l, ':') - l), l, s7_server_port(r->srv));
}

static int is_loopback(const char *l)
{
    return strncmp(l, "127.", 4) == 0 || strncmp(l, "[::1]", 5) == 0;
}

/* The engine's limits as they are set, one line. */
static void print_limits(const srv_run *r)
{
    int64_t idle = s7_server_limit(r->srv, S7_SLIM_IDLE_TIMEOUT_MS);
    int64_t ps = s7_server_limit(r->srv, S7_SLIM_MAX_PER_SOURCE);
    char idle_s[32], ps_s[32];
    if (idle)
        snprintf(idle_s, sizeof idle_s, "%lld ms", (long long)idle);
    else
        snprintf(idle_s, sizeof idle_s, "never");
    if (ps)
        snprintf(ps_s, sizeof ps_s, "%lld", (long long)ps);
    else
        snprintf(ps_s, sizeof ps_s, "no limit");
    printf("  limits        idle %s, CR within %lld ms, setup within %lld ms;\n"
           "                %s connections per address; unsent replies %lld KiB per\n"
           "                connection, %lld MiB in all\n",
           idle_s, (long long)s7_server_limit(r->srv, S7_SLIM_CR_TIMEOUT_MS),
           (long long)s7_server_limit(r->srv, S7_SLIM_SETUP_TIMEOUT_MS), ps_s,
           (long long)s7_server_limit(r->srv, S7_SLIM_CONN_HELD) / 1024,
           (long long)s7_server_limit(r->srv, S7_SLIM_HELD) >> 20);
}

static void print_banner(const srv_run *r)
{
    const s7_profile *p = s7_cpu_profile(r->cpu);
    const s7_server_config *c = &r->cfg;
    char addr[160], conn[64] = "";
    client_addr(r, addr, sizeof addr);
    if (p->tsap_mode == S7_TSAP_LOGO)
        snprintf(conn, sizeof conn, " --tsap 0100:0200");
    else if (p->rack != 0 || p->slot != 1)
        snprintf(conn, sizeof conn, " --rack %u --slot %u", p->rack, p->slot);

    printf("s7 server: %s%s (%s, %s, firmware V%u.%u.%u)\n", r->demo ? "demo " : "", p->name,
           p->module_type, p->order_code, p->fw[0], p->fw[1], p->fw[2]);
    printf("  listening on  %.*s:%u\n", (int)(strrchr(r->listen, ':') - r->listen), r->listen,
           s7_server_port(r->srv));
    if (p->tsap_mode == S7_TSAP_LOGO)
        printf("  TSAPs         LOGO! server TSAPs 02.00, 02.01, 20.00, 01.02\n");
    else
        printf("  rack/slot     %u/%u%s\n", p->rack, p->slot,
               p->tsap_mode == S7_TSAP_S7200 ? " (and the S7-200 TSAPs 10.00, 02.00)" : "");
    printf("  names         module %s, station %s, serial %s\n", p->module_name, p->as_name,
           p->serial);
    printf("  PUT/GET       %s\n",
           s7_cpu_put_get(r->cpu) ? "permitted"
                                  : "NOT permitted (reads and writes answer 0x8104; --put-get on)");
    printf("  PDU / jobs    %u bytes / %u in flight\n", p->max_pdu, p->max_amq);
    if (s7_cpu_state(r->cpu) == S7_CPU_STATE_STOP)
        printf("  CPU state     STOP (cpu_state: stop; a client's hot start puts it in RUN)\n");
    printf("  connections   %u in all: %u PG, %u OP, %u S7 basic\n", p->max_conn[0], p->max_conn[1],
           p->max_conn[2], p->max_conn[3]);
    if (c->nallow) {
        printf("  partners      only");
        for (size_t i = 0; i < c->nallow; i++)
            printf("%s %s", i ? "," : "", c->allow[i]);
        printf("\n");
    } else {
        printf("  partners      everybody (no --allow list)\n");
    }
    uint32_t si = 0, sq = 0, sm = 0, st = 0, sc = 0;
    s7_cpu_mem(r->cpu, S7_AREA_I, 0, &si);
    s7_cpu_mem(r->cpu, S7_AREA_Q, 0, &sq);
    s7_cpu_mem(r->cpu, S7_AREA_M, 0, &sm);
    s7_cpu_mem(r->cpu, S7_AREA_T, 0, &st);
    s7_cpu_mem(r->cpu, S7_AREA_C, 0, &sc);
    printf("  areas         I %u bytes, Q %u bytes, M %u bytes", si, sq, sm);
    if (st || sc)
        printf(", T %u timers, C %u counters\n", st / 2, sc / 2);
    else
        printf(" (no timers and counters on this CPU)\n");
    for (size_t i = 0; i < c->naccess; i++) {
        static const char *const acc[] = {"read-write", "read-only", "no access"};
        if (c->access[i].db)
            printf("  access        DB%u %s\n", c->access[i].db, acc[c->access[i].access]);
        else
            printf("  access        %s%s %s\n", s7_server_area_text(c->access[i].area),
                   c->access[i].area == S7_AREA_DB ? " (every DB)" : "", acc[c->access[i].access]);
    }
    size_t nret = 0;
    for (size_t i = 0; i < c->ndbs; i++) {
        const s7_server_db *d = &c->dbs[i];
        if (d->flags & S7_DB_RETAIN)
            nret++;
        if (i >= 40) {
            if (i == 40)
                printf("  ... and %zu more DBs\n", c->ndbs - 40);
            continue;
        }
        char name[16];
        snprintf(name, sizeof name, "DB%u", d->num);
        printf("  %-13s %u bytes%s%s%s%s\n", name, d->size,
               d->flags & S7_DB_OPTIMIZED ? ", optimized (absolute access answers 0x05)" : "",
               d->flags & S7_DB_READONLY ? ", read-only" : "",
               d->flags & S7_DB_RETAIN ? ", retentive" : "",
               d->access == S7_ACCESS_RO     ? ", access read-only"
               : d->access == S7_ACCESS_NONE ? ", no access"
                                             : "");
        if (r->demo && d->num == 1)
            printf("                DBW0 INT 42, DBD4 REAL 3.14159, DBX8.0 true, DBX8.2 true,\n"
                   "                DBB10 STRING[20] 'hello from s7kit', DBD32 DINT 123456789,\n"
                   "                DBB64..DBB255 count up (byte n holds n)\n");
        if (r->demo && d->num == 3)
            printf("                DBW0 INT 7, DBB2 STRING[16] 'read only'\n");
        if (r->demo && d->num == 10)
            printf("                zeros: a scratch DB for writes\n");
    }
    /* LOGO! 8 and S7-200 SMART serve V memory as DB1 of their profile's size without any
     * --db: the banner shows it (it said "none (add --db N:SIZE)", and another DB is
     * refused on those) */
    uint32_t vsize = 0;
    int vmem = !c->ndbs && s7_cpu_mem(r->cpu, S7_AREA_DB, 1, &vsize) && vsize;
    if (vmem)
        printf("  DB1           %u bytes, V memory (VB0 = DB1.DBB0; --db 1:SIZE resizes it)\n",
               vsize);
    else if (!c->ndbs)
        printf("  DBs           none (add --db N:SIZE)\n");
    if (r->demo)
        printf("  M             MW10 INT 100\n");
    if (c->state)
        printf("  state file    %s (%s)\n", c->state,
               c->retain == S7_RETAIN_ASYNC ? "async: written at once, flushed to disk every second"
                                            : "sync: every acknowledged write is on disk");
    else if (nret)
        printf("  state file    none: retentive DBs keep their values only while the server runs "
               "(--state FILE)\n");
    printf("  audit log     %s%s\n", c->audit ? c->audit : "none (--audit FILE)",
           c->audit && c->audit_reads > 0 ? " (reads too)" : "");
    if (r->jobs.njobs || r->pjobs.njobs)
        printf("  scan          %ld ms: the jobs are called once per scan\n",
               r->jobs.scan_ms > 0 ? r->jobs.scan_ms : (long)S7_XSCAN_DEFAULT);
    for (size_t i = 0; i < r->jobs.njobs; i++) {
        char line[700];
        s7_xjob_format(&r->jobs, &r->jobs.jobs[i], line, sizeof line);
        printf("  job           %s\n", line);
    }
    for (size_t i = 0; i < r->pjobs.njobs; i++) { /* BSEND/BRCV/USEND/URCV */
        const s7_xjob *j = &r->pjobs.jobs[i];
        const s7_xconn *pc = s7_exchange_conn(&r->pjobs, j->conn_id);
        int snd = j->kind == S7_XJOB_BSEND || j->kind == S7_XJOB_USEND;
        char area[80] = "", trig[80] = "";
        if (j->nareas)
            s7_xjob_addr_format(&j->areas[0].local, area, sizeof area);
        if (snd && j->trigger == S7_XTRIG_REQ) {
            char b[60];
            s7_tag_format(&j->req, b, sizeof b);
            snprintf(trig, sizeof trig, " on %s", b);
        } else if (snd) {
            snprintf(trig, sizeof trig, " every %ld ms", j->cycle_ms);
        }
        char peer[80] = "any";
        if (pc && pc->side != S7_XCONN_UNSPECIFIED)
            snprintf(peer, sizeof peer, strchr(pc->host, ':') ? "[%s]" : "%s", pc->host);
        if (pc && pc->side == S7_XCONN_ACTIVE && pc->port)
            snprintf(peer + strlen(peer), sizeof peer - strlen(peer), ":%u", pc->port);
        printf("  job           %s %s R_ID %u%s %s %s (connection %u, %s) --name %s\n",
               s7_xjob_kind_name(j->kind), peer, j->r_id, trig, snd ? "from" : "into", area,
               j->conn_id,
               !pc                            ? "?"
               : pc->side == S7_XCONN_ACTIVE  ? "active"
               : pc->side == S7_XCONN_PASSIVE ? "passive"
                                              : "unspecified",
               j->name);
    }
    print_limits(r);
    printf("try:\n  s7 info %s%s\n", addr, conn);
    if (r->demo) {
        printf("  s7 read %s DB1.DBW0:INT DB1.DBD4:REAL 'DB1.DBB10:STRING[20]'\n", addr);
        printf("  s7 write %s DB10.DBW0:INT=7\n", addr);
    } else if (vmem) {
        printf("  s7 read %s%s DB1.DBB0\n", addr, conn);
    } else {
        for (size_t i = 0; i < c->ndbs; i++)
            if (!(c->dbs[i].flags & S7_DB_OPTIMIZED)) {
                printf("  s7 read %s%s DB%u.DBB0\n", addr, conn, c->dbs[i].num);
                break;
            }
    }
    printf("Ctrl-C or SIGTERM stops the server.\n");
    fflush(stdout);
}

static void print_summary(const srv_run *r, const s7_retain_stats *rs, int retain_rc, int sig)
{
    double secs = (double)(s7__wall_ms() - r->started_ms) / 1000.0;
    /* sockets as the engine counts them: a socket that never sent its CR (a scanner, a
     * flood) is a connection too; "set up" are those whose CR was accepted (a CC sent) */
    printf("s7 server stopped (%s) after %.1f s: %llu connections accepted (at most %llu open at "
           "once), %llu set up, %llu refused or cut; %llu reads, %llu writes, %llu refused "
           "items, %llu failed items, %llu control requests\n",
           sig == SIGINT    ? "SIGINT"
           : sig == SIGTERM ? "SIGTERM"
                            : "error",
           secs, (unsigned long long)r->st.accepted, (unsigned long long)r->st.connections_peak,
           (unsigned long long)r->conns, (unsigned long long)r->refused_conns,
           (unsigned long long)r->reads, (unsigned long long)r->writes,
           (unsigned long long)r->refused, (unsigned long long)r->failed,
           (unsigned long long)r->controls);
    if (r->have_st) {
        const s7_server_stats st = r->st;
        printf("  limits: %llu refused at accept (allow-list %llu, per address %llu, in all %llu, "
               "out of descriptors %llu); closed %llu without a CR in time, %llu without setup, "
               "%llu idle, %llu by the memory bound, %llu for malformed frames; reads paused "
               "%llu times, at most %llu bytes held (%llu by one connection)\n",
               (unsigned long long)(st.refused_allow + st.refused_source + st.refused_clients +
                                    st.refused_fd),
               (unsigned long long)st.refused_allow, (unsigned long long)st.refused_source,
               (unsigned long long)st.refused_clients, (unsigned long long)st.refused_fd,
               (unsigned long long)st.closed_cr_timeout,
               (unsigned long long)st.closed_setup_timeout, (unsigned long long)st.closed_idle,
               (unsigned long long)st.closed_memory, (unsigned long long)st.closed_protocol,
               (unsigned long long)st.read_pauses, (unsigned long long)st.held_peak,
               (unsigned long long)st.held_conn_peak);
    }
    if (r->cfg.state) {
        if (retain_rc == 0)
            printf("  state file %s: compacted (generation %llu, %u retentive DBs); %llu writes "
                   "journaled, %llu syncs\n",
                   r->cfg.state, (unsigned long long)rs->generation, rs->dbs,
                   (unsigned long long)rs->records, (unsigned long long)rs->syncs);
        else
            printf("  state file %s: NOT compacted (see the error above); the journal holds every "
                   "write\n",
                   r->cfg.state);
    }
    if (r->audit) {
        uint64_t lost = 0;
        uint64_t n = s7_audit_lines(r->audit, &lost);
        printf("  audit log %s: %llu lines%s\n", r->cfg.audit, (unsigned long long)n,
               lost ? " (some lost: see the errors above)" : "");
    }
    fflush(stdout);
}

/* ---------------------------------------------------------------- the command */

/* The partner jobs of the file (kind: bsend ...) move from jobs to pjobs, each with its
 * connection (same id): s7_xengine runs GET/PUT, s7_xpartner the partner services.  0 or -1
 * (out of memory). */
static int split_partner_jobs(s7_exchange *jobs, s7_exchange *pjobs)
{
    size_t keep = 0;
    for (size_t i = 0; i < jobs->njobs; i++) {
        s7_xjob *j = &jobs->jobs[i];
        if (j->kind == S7_XJOB_GET || j->kind == S7_XJOB_PUT) {
            jobs->jobs[keep++] = *j;
            continue;
        }
        const s7_xconn *c = s7_exchange_conn(jobs, j->conn_id);
        if (c && !s7_exchange_conn(pjobs, c->id) && !s7_exchange_add_conn(pjobs, c))
            return -1;
        if (!s7_exchange_add_job(pjobs, j))
            return -1;
    }
    jobs->njobs = keep;
    return 0;
}

/* The jobs of the --config file, then each --job; all validated.  0, or -1 after the
 * message. */
static int load_jobs(srv_run *r, const char *config)
{
    char err[1200];
    if (config && s7_config_load_exchange(config, &r->jobs, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        fprintf(stderr, "docs/exchange.md describes connections: and jobs:\n");
        return -1;
    }
    if (split_partner_jobs(&r->jobs, &r->pjobs) < 0) {
        fprintf(stderr, "error: out of memory\n");
        return -1;
    }
    /* GET/PUT and partner jobs go to two tables (two engines) that share one connection
     * table and one set of job names: before each --job its table gets the other's
     * connections (so a new one takes a free id, and --id N of another partner is refused),
     * and those it did not come to use are dropped afterwards. */
    static uint16_t mirrored[2][4096]; /* connection ids are 1..4095 */
    size_t nmir[2] = {0, 0};
    for (size_t i = 0; i < r->njob_args; i++) {
        char where[32];
        snprintf(where, sizeof where, "--job %zu", i + 1);
        int pj = s7_exchange_partner_job_kind(r->job_args[i]) >= 0;
        s7_exchange *to = pj ? &r->pjobs : &r->jobs, *from = pj ? &r->jobs : &r->pjobs;
        for (size_t k = 0; k < from->nconns; k++) {
            if (s7_exchange_conn(to, from->conns[k].id) || nmir[pj] == 4096)
                continue;
            if (!s7_exchange_add_conn(to, &from->conns[k])) {
                fprintf(stderr, "error: out of memory\n");
                return -1;
            }
            mirrored[pj][nmir[pj]++] = from->conns[k].id;
        }
        if (pj) {
            if (s7_exchange_parse_partner_job(&r->pjobs, r->job_args[i], where, err, sizeof err)) {
                fprintf(stderr, "error: %s\n", err);
                return -1;
            }
            continue;
        }
        if (s7_exchange_parse_job(&r->jobs, r->job_args[i], where, err, sizeof err)) {
            fprintf(stderr, "error: %s\n", err);
            fprintf(stderr, "docs/exchange.md describes the job spelling\n");
            return -1;
        }
    }
    for (int t = 0; t < 2; t++) { /* the other table's connections no job here took */
        s7_exchange *x = t ? &r->pjobs : &r->jobs;
        size_t keep = 0;
        for (size_t k = 0; k < x->nconns; k++) {
            int drop = 0;
            for (size_t m = 0; m < nmir[t] && !drop; m++)
                drop = mirrored[t][m] == x->conns[k].id;
            for (size_t jj = 0; jj < x->njobs && drop; jj++)
                drop = x->jobs[jj].conn_id != x->conns[k].id;
            if (!drop)
                x->conns[keep++] = x->conns[k];
        }
        x->nconns = keep;
    }
    for (size_t k = 0; k < r->pjobs.njobs; k++) { /* one set of job names */
        const s7_xjob *pj = &r->pjobs.jobs[k], *g = s7_exchange_job(&r->jobs, pj->name);
        if (g) {
            fprintf(stderr,
                    "error: %s%sjob %s: the name is already used%s%s: give each job its own "
                    "name (--name NAME, name:)\n",
                    pj->where, pj->where[0] ? ": " : "", pj->name, g->where[0] ? " at " : "",
                    g->where);
            return -1;
        }
    }
    if (r->scan_arg &&
        s7_duration_parse(r->scan_arg, 1, 1, 10000L, &r->jobs.scan_ms, err, sizeof err)) {
        fprintf(stderr,
                "error: --scan %s: %s (the CPU's scan time its jobs are called at, e.g. "
                "--scan 10ms)\n",
                r->scan_arg, err);
        return -1;
    }
    r->pjobs.scan_ms = r->jobs.scan_ms; /* the partner jobs are called in the same scan */
    if (s7_exchange_validate(&r->jobs, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        return -1;
    }
    /* partner names are looked up now, once: the engines dial the addresses, so a slow or
     * dead resolver never holds up the other connections while they run */
    if (s7_exchange_resolve(&r->jobs, err, sizeof err) ||
        s7_exchange_resolve(&r->pjobs, err, sizeof err)) {
        fprintf(stderr, "error: %s\n", err);
        return -1;
    }
    return 0;
}

/* A job wrote local memory: a retentive DB journals it like a partner's write. */
/* One wait for everything the emulator serves and runs: its own socket, the GET/PUT
 * engine's connections and the partner connections, for the shortest time any of them
 * asks (so a partner's segment is answered when it comes, not after the GET/PUT engine's
 * wait).  Then the server, the engine and the partners each take what is ready. */
static int run_engines(srv_run *r, int wait_ms)
{
    enum { CAP = 256 };
    struct pollfd pfd[1 + 2 * CAP];
    size_t n = 0;
    int t = r->xp ? 10 : 100; /* the server's own timers (idle, handshake deadlines) */
    if (wait_ms < t)
        t = wait_ms;
    int sfd = s7_server_fd(r->srv);
    if (sfd >= 0)
        pfd[n++] = (struct pollfd){.fd = sfd, .events = POLLIN};
    size_t xe0 = n, nxe = r->xe ? s7_xengine_fds(r->xe, pfd + n, CAP, &t) : 0;
    n += nxe;
    size_t xp0 = n, nxp = r->xp ? s7_xpartner_fds(r->xp, pfd + n, CAP, &t) : 0;
    n += nxp;
    if (poll(pfd, (nfds_t)n, t) < 0) {
        if (errno != EINTR)
            return S7_ERR_IO;
        for (size_t i = 0; i < n; i++)
            pfd[i].revents = 0;
    }
    int rc = s7_server_run_once(r->srv, 0);
    if (rc < 0)
        return rc;
    if (r->xe)
        s7_xengine_process(r->xe, pfd + xe0, nxe);
    if (r->xp)
        s7_xpartner_process(r->xp, pfd + xp0, nxp);
    return rc;
}

int cmd_server(cli *c)
{
    (void)c; /* main.c hands `server` its raw arguments: see cmd_server_main */
    return CLI_USAGE;
}

int cmd_server_main(const cli_cmd *cmd, int argc, char **argv)
{
    srv_run run;
    srv_run *r = &run;
    memset(r, 0, sizeof *r);
    s7_server_config fl;
    s7_server_config_init(&fl);
    s7_server_config_init(&r->cfg);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN); /* a file size limit makes write() fail (handled), not kill us */
    const char *config = NULL;
    int repair = 0;
    s7_exchange_init(&r->jobs);
    s7_exchange_init(&r->pjobs);
    int rc = parse_flags(cmd, argc, argv, &fl, &config, &repair, r);
    if (rc) {
        free(r->job_args);
        s7_server_config_free(&fl);
        s7_server_config_free(&r->cfg);
        return rc == CLI_HELP_SHOWN ? CLI_OK : rc;
    }
    if (config) {
        char err[800];
        if (s7_config_load_server(config, &r->cfg, err, sizeof err)) {
            fprintf(stderr, "error: %s\n", err);
            fprintf(stderr, "docs/server.md describes the file; docs/server-example.yaml is a "
                            "commented example\n");
            s7_server_config_free(&fl);
            s7_server_config_free(&r->cfg);
            free(r->job_args);
            return CLI_USAGE;
        }
    }
    if (load_jobs(r, config)) {
        s7_server_config_free(&fl);
        s7_server_config_free(&r->cfg);
        s7_exchange_free(&r->jobs);
        s7_exchange_free(&r->pjobs);
        free(r->job_args);
        return CLI_USAGE;
    }
    r->demo = !config && !fl.profile && !fl.ndbs;
    const char *state_opt = fl.state || !config ? "--state" : "state_file:";
    const char *audit_opt = fl.audit || !config ? "--audit" : "audit_file:";
    merge(&r->cfg, &fl);
    s7_server_config_free(&fl);
    s7_server_config *c = &r->cfg;
    if (r->demo && demo_config(c)) {
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    r->quiet = c->quiet > 0;
    if (c->listen)
        snprintf(r->listen, sizeof r->listen, "%s", c->listen);
    else
        snprintf(r->listen, sizeof r->listen, "127.0.0.1:%u", geteuid() == 0 ? 102u : 1102u);

    rc = build_cpu(r);
    if (rc == 0) {
        char err[800];
        if (s7_exchange_check_cpu(&r->jobs, r->cpu, err, sizeof err)) {
            fprintf(stderr, "error: %s\n", err);
            rc = CLI_USAGE;
        }
    }
    s7_server_opts so;
    s7_server_opts_init(&so);
    so.listen = r->listen;
    if (c->idle_timeout_ms >= 0)
        so.idle_timeout_ms = (int)c->idle_timeout_ms;
    if (c->max_clients > 0)
        so.max_clients = (uint32_t)c->max_clients;
    so.log = on_log;
    so.log_ctx = r;
    so.hooks.on_connect = on_connect;
    so.hooks.on_event = on_event;
    so.hooks.ctx = r;
    if (rc == 0 && !(r->srv = s7_server_new(r->cpu, &so))) {
        fprintf(stderr, "error: out of memory\n");
        rc = CLI_FAIL;
    }
    if (rc == 0) {
        const struct {
            int which;
            long v;
        } lim[] = {{S7_SLIM_CR_TIMEOUT_MS, c->cr_timeout_ms},
                   {S7_SLIM_SETUP_TIMEOUT_MS, c->setup_timeout_ms},
                   {S7_SLIM_MAX_PER_SOURCE, c->max_per_source},
                   {S7_SLIM_HELD, c->max_held},
                   {S7_SLIM_CONN_HELD, c->max_held_conn},
                   {S7_SLIM_SOCK_BUF, c->sock_buf}};
        for (size_t i = 0; i < sizeof lim / sizeof lim[0]; i++)
            if (lim[i].v >= 0)
                s7_server_set_limit(r->srv, lim[i].which, lim[i].v);
        s7_server_on_refuse(r->srv, on_refuse, r);
    }
    for (size_t i = 0; rc == 0 && i < c->nallow; i++)
        if (s7_server_allow(r->srv, c->allow[i]) < 0) {
            fprintf(stderr, "error: allow '%s': %s\n", c->allow[i], s7_server_allow_hint());
            rc = CLI_USAGE;
        }
    if (rc) {
        if (rc == CLI_USAGE)
            fprintf(stderr,
                    "run 's7 help server' for the options, docs/server.md for the config file\n");
        goto out;
    }

    /* Everything that can refuse to start, before the port is taken. */
    if ((rc = check_files(r, config, state_opt, audit_opt, repair)) != 0)
        goto out;
    if (c->state) {
        s7_retain_opts ro;
        s7_retain_opts_init(&ro);
        if (c->retain >= 0)
            ro.mode = c->retain;
        if (c->retain_resize >= 0)
            ro.resize = c->retain_resize;
        if (c->compact_bytes > 0)
            ro.compact_bytes = (uint64_t)c->compact_bytes;
        ro.log = retain_log;
        ro.log_ctx = r;
        char err[2048];
        if (s7_retain_open_ex(&r->retain, r->cpu, c->state, &ro,
                              repair ? S7_RETAIN_OPEN_REPAIR : 0u, err, sizeof err) < 0) {
            tlog(NULL, S7_LOG_ERROR, "cannot start: %s", err);
            rc = CLI_FAIL;
            goto out;
        }
        if (ro.mode == S7_RETAIN_SYNC) {
            /* group commit: the writes of one turn of the loop share one fdatasync, and
             * their replies wait for it (docs/server.md, "Retentive data") */
            s7_retain_set_group(r->retain, 1);
            s7_server_on_commit(r->srv, on_commit, r);
        }
        s7_retain_stats st;
        s7_retain_stats_get(r->retain, &st);
        if (!st.dbs)
            tlog(r, S7_LOG_WARN,
                 "state file %s: no DB is retentive, so nothing is kept (flag a DB "
                 "with :retain, e.g. --db 5:100:retain, or retain: true in the file)",
                 c->state);
    } else if (c->retain >= 0 || c->retain_resize >= 0) {
        tlog(r, S7_LOG_WARN,
             "--retain / retain: has no effect without a state file (--state FILE)");
    }
    if (c->audit) {
        char err[600];
        unsigned mask = S7_AUDIT_DEFAULT | (c->audit_reads > 0 ? S7_AUDIT_READS : 0u);
        if (s7_audit_open(&r->audit, c->audit, mask, err, sizeof err) < 0) {
            tlog(NULL, S7_LOG_ERROR, "cannot start: %s", err);
            rc = CLI_FAIL;
            goto out;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_srv = r->srv;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    /* BSEND/BRCV/USEND/URCV: passive ones come through our own port; their connections
     * take their resources from the CPU's budget before the port is taken, so that a
     * passive job given a port of its own or a budget too small for them starts nothing. */
    if (r->pjobs.njobs) {
        char perr[600];
        const char *lp = strrchr(r->listen, ':');
        long port = lp ? strtol(lp + 1, NULL, 10) : 0;
        for (size_t i = 0; i < r->pjobs.nconns; i++) {
            const s7_xconn *pc = &r->pjobs.conns[i];
            if (pc->side != S7_XCONN_ACTIVE && pc->port && pc->port != port) {
                fprintf(stderr,
                        "error: %s: connection %u: a passive partner connection is served on "
                        "this CPU's own port (%ld, --listen), as on a real CPU, not on port %u: "
                        "drop its port (--port / port:)\n",
                        pc->where[0] ? pc->where : "partner job", pc->id, port, pc->port);
                rc = CLI_USAGE;
                goto out;
            }
        }
        if (!(r->xp = s7_xpartner_new(r->cpu, &r->pjobs, NULL))) {
            fprintf(stderr, "error: out of memory\n");
            rc = CLI_FAIL;
            goto out;
        }
        s7_xpartner_set_log(r->xp, on_log, r);
        if (s7_xpartner_attach(r->xp, r->srv, perr, sizeof perr) < 0) {
            fprintf(stderr, "error: partner jobs: %s\n", perr);
            rc = CLI_USAGE;
            goto out;
        }
    }
    if (s7_server_start(r->srv) < 0) {
        rc = CLI_FAIL; /* the engine logged why (address in use, permission) */
        goto out;
    }
    raise_nofile(r); /* once the listener and the engine hold their descriptors */
    if (r->jobs.njobs) {
        s7_xengine_opts xo;
        s7_xengine_opts_init(&xo);
        xo.log = on_log;
        xo.log_ctx = r;
        /* the jobs' local writes reach on_event as the CPU's own (s7_cpu_write): a
         * retentive DB journals them there, as it does a partner's PUT */
        if (!(r->xe = s7_xengine_new(r->cpu, r->srv, &r->jobs, &xo))) {
            fprintf(stderr, "error: out of memory\n");
            rc = CLI_FAIL;
            goto out;
        }
        s7_xengine_start(r->xe);
    }
    if (r->xp) {
        char perr[600];
        if (s7_xpartner_start(r->xp, perr, sizeof perr) < 0) {
            fprintf(stderr, "error: partner jobs: %s\n", perr);
            rc = CLI_FAIL;
            goto out;
        }
    }
    if (!is_loopback(r->listen) && !c->nallow)
        tlog(r, S7_LOG_WARN,
             "serving %s to every partner that can reach it: PUT/GET is "
             "unauthenticated memory access; restrict it with --allow CIDR",
             r->listen);
    r->started_ms = s7__wall_ms();
    print_banner(r);

    while (!g_signal) {
        int wait_ms = r->retain ? 250 : 1000;
        int n = r->xp   ? run_engines(r, wait_ms) /* partner jobs (and GET/PUT ones): one wait */
                : r->xe ? s7_xengine_run_once(r->xe, wait_ms)
                        : s7_server_run_once(r->srv, wait_ms);
        if (n < 0) {
            tlog(r, S7_LOG_ERROR, "event loop failed: %s", s7_strerror(n));
            rc = CLI_FAIL;
            break;
        }
        if (r->rl_hidden)
            refusals_second(r);
        if (r->retain && s7_retain_tick(r->retain) < 0) {
            tlog(r, S7_LOG_ERROR, "retain: %s; stopping", s7_retain_error(r->retain));
            fflush(NULL);
            _exit(CLI_FAIL);
        }
        if (g_hup) {
            g_hup = 0;
            if (r->audit)
                tlog(r, S7_LOG_INFO, "SIGHUP: audit log %s %s", c->audit,
                     s7_audit_reopen(r->audit) == 0 ? "reopened"
                                                    : "could not be reopened, still "
                                                      "writing to the old file");
        }
    }
    int sig = g_signal;
    if (sig)
        tlog(r, S7_LOG_INFO, "%s: stopping, %zu connections to close",
             sig == SIGINT ? "SIGINT" : "SIGTERM", s7_server_connections(r->srv, NULL));
    g_srv = NULL;
    for (size_t i = 0; r->xe && i < s7_xengine_njobs(r->xe); i++) {
        s7_xjob_state st;
        s7_xengine_state(r->xe, i, &st);
        printf("job %s: %llu runs, %llu ok, %llu errors, %llu triggers while busy; last: ERROR %d "
               "STATUS %u (%s%s%s)\n",
               s7_xengine_job(r->xe, i)->name, (unsigned long long)st.runs,
               (unsigned long long)st.ok, (unsigned long long)st.errors,
               (unsigned long long)st.busy_hits, s7_exchange_status_error(st.status),
               s7_exchange_status_code(st.status), s7_exchange_status_id(st.status),
               st.status == S7_XST_OK ? "" : ", ", st.status == S7_XST_OK ? "" : st.cause);
    }
    for (size_t i = 0; r->xp && i < s7_xpartner_njobs(r->xp); i++) {
        s7_partner_status st;
        if (s7_xpartner_state(r->xp, i, &st) < 0)
            continue;
        printf("job %s: %llu ok, %llu errors; last: ERROR %d STATUS %u\n",
               s7_xpartner_job(r->xp, i)->name, (unsigned long long)st.count,
               (unsigned long long)st.errors, st.error ? 1 : 0, st.status);
    }
    s7_xengine_free(r->xe); /* its connections count in the server's budget */
    r->xe = NULL;
    s7_xpartner_free(r->xp);
    r->xp = NULL;
    s7_server_stats_get(r->srv, &r->st, sizeof r->st);
    r->have_st = 1;
    s7_server_free(r->srv);
    r->srv = NULL;
    s7_retain_stats rs;
    memset(&rs, 0, sizeof rs);
    int retain_rc = 0;
    if (r->retain) {
        retain_rc = s7_retain_compact(r->retain);
        if (retain_rc < 0) {
            tlog(r, S7_LOG_ERROR,
                 "retain: the state could not be compacted at shutdown (%s); the "
                 "journal still holds every write and is replayed at the next start",
                 s7_retain_error(r->retain));
            rc = CLI_FAIL;
        }
        s7_retain_stats_get(r->retain, &rs);
        s7_retain_free(r->retain);
        r->retain = NULL;
    }
    print_summary(r, &rs, retain_rc, sig);
out:
    g_srv = NULL;
    s7_xengine_free(r->xe);
    s7_exchange_free(&r->jobs);
    s7_xpartner_free(r->xp);
    s7_exchange_free(&r->pjobs);
    free(r->job_args);
    s7_server_free(r->srv);
    s7_retain_free(r->retain);
    s7_audit_close(r->audit);
    s7_cpu_free(r->cpu);
    s7_server_config_free(&r->cfg);
    return rc;
}
