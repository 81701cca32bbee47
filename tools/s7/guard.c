/* `s7 guard`: the enforcing S7 proxy in front of one CPU (guard.h, docs/guard.md).  Parses
 * its options, loads the policy (an inventory and a CPU name, or a rules file), writes the
 * audit log, reloads the policy on SIGHUP and runs the engine until SIGINT / SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "common.h"
#include "metrics.h"
#include "s7/config.h"
#include "s7/guard.h"
#include "s7/plant.h"
#include "s7/plant_policy.h"

int cmd_guard(cli *c);
int cmd_guard_main(const cli_cmd *cmd, int argc, char **argv);

static volatile sig_atomic_t g_signal, g_hup;
static s7_guard *volatile g_guard;

/* The metrics text the loop renders once a second (s7_guard_metrics), handed to the
 * endpoint's thread under metrics_lock (metrics.c). */
static char *g_mtext;
static size_t g_mlen;

static void render_metrics(void *ctx, mbuf *out)
{
    (void)ctx;
    if (g_mtext)
        mbuf_printf(out, "%.*s", (int)g_mlen, g_mtext);
}

const char guard_help[] =
    "An enforcing S7 proxy in front of one CPU: clients connect to the guard, which checks\n"
    "every request against the policy and forwards only what it allows.  A Read/Write Var item\n"
    "outside the partner's documented ranges gets item code 0x03 (access denied) while the\n"
    "other items of the request are served; CPU stop/start, clock set, block functions,\n"
    "upload/download and password are refused (error 0xD241) unless allowed; a partner the\n"
    "policy does not document has its connection request closed without a CC.  docs/guard.md\n"
    "has the policy model and a deployment.\n\n"
    "Options:\n"
    "  --listen ADDR[:PORT]   where clients connect (default 127.0.0.1:102 as root, else :1102)\n"
    "  --upstream CPU[:PORT]  the CPU (required)\n"
    "  --inventory FILE --cpu NAME   the policy: the connections FILE documents to CPU NAME\n"
    "                         (GET exchanges readable, PUT exchanges writable)\n"
    "  --rules FILE           the policy from a rules file (docs/guard.md)\n"
    "  --dry-run              forward everything; log what would be refused\n"
    "  --audit FILE           JSON-lines audit log of every decision\n"
    "                         (docs/schema/s7-audit.schema.json)\n"
    "  --metrics ADDR:PORT    Prometheus counters (per partner and rule) at\n"
    "                         http://ADDR:PORT/metrics\n"
    "  --upstream-tsap HEX    the TSAP asked of the CPU (default: the client's)\n"
    "  --idle-timeout MS      close a client with no request for this long (default 0: never)\n"
    "  --cr-timeout MS        close a client with no CR this long after connecting (5000)\n"
    "  --setup-timeout MS     the same for Setup Communication after the CC (5000)\n"
    "  --max-per-source N     connections from one address (default 64)\n"
    "  --max-clients N        connections in all (default 4096)\n"
    "  --max-held BYTES       memory all clients may hold (default 64M)\n"
    "  --quiet                log only warnings and errors\n\n"
    "SIGHUP reloads the policy (connections it still allows keep going) and reopens the\n"
    "audit log.  Exit codes: 0 stopped by SIGINT/SIGTERM, 1 could not start, 2 bad option or\n"
    "policy.\n\n"
    "Examples:\n"
    "  s7 guard --upstream 10.0.1.10 --listen 10.0.2.1:102 --inventory plant.yaml --cpu plc1\n"
    "  s7 guard --upstream 127.0.0.1:1102 --listen 127.0.0.1:1103 --rules guard.yaml --audit "
    "a.log\n";

typedef struct grun {
    const char *listen, *upstream, *inventory, *cpu, *rules, *audit, *metrics;
    int dry_run, quiet;
    int audit_fd;
    uint64_t audit_lost;
} grun;

static void tlog(const grun *r, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void tlog(const grun *r, int level, const char *fmt, ...)
{
    if (r && r->quiet && level >= S7_LOG_INFO)
        return;
    char msg[1200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_log_line(level, msg);
}

static void on_log(void *ctx, int level, const char *msg) { tlog(ctx, level, "%s", msg); }

static void on_decision(void *ctx, const s7_guard_decision *d)
{
    grun *r = ctx;
    if (d->action != S7_GUARD_ALLOW)
        tlog(r, S7_LOG_INFO, "%s %s %s%s: %s",
             d->action == S7_GUARD_REFUSE ? "refused" : "would refuse", d->peer,
             d->partner[0] ? d->partner : "(no partner)", "", d->op);
    if (r->audit_fd < 0)
        return;
    char line[1200];
    int n = s7_guard_audit_format(d, line, sizeof line);
    if (n <= 0 || (size_t)n >= sizeof line) {
        r->audit_lost++;
        return;
    }
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(r->audit_fd, line + off, (size_t)n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            r->audit_lost++;
            return;
        }
        off += (size_t)w;
    }
}

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        g_hup = 1;
        if (g_guard)
            s7_guard_stop(g_guard);
        return;
    }
    g_signal = sig;
    if (g_guard)
        s7_guard_stop(g_guard);
}

/* The policy the options name.  0 with *out, or CLI_USAGE after the message. */
static int load_policy(const grun *r, s7_policy **out)
{
    char err[1000];
    if (r->rules) {
        if (s7_config_load_guard_rules(r->rules, out, err, sizeof err) < 0) {
            tlog(NULL, S7_LOG_ERROR, "%s", err);
            return CLI_USAGE;
        }
        return 0;
    }
    s7_plant *pl = NULL;
    if (s7_config_load_plant(r->inventory, &pl, err, sizeof err) < 0) {
        tlog(NULL, S7_LOG_ERROR, "%s", err);
        return CLI_USAGE;
    }
    int rc = s7_policy_from_plant(pl, r->cpu, out, err, sizeof err);
    s7_plant_free(pl);
    if (rc < 0) {
        tlog(NULL, S7_LOG_ERROR, "%s", err);
        return CLI_USAGE;
    }
    return 0;
}

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "error: ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\nusage: s7 guard --upstream CPU[:PORT] (--inventory FILE --cpu NAME | "
                    "--rules FILE) [options]; s7 help guard has them all\n");
    return CLI_USAGE;
}

static int num(const char *opt, const char *s, long max, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 0 || v > max) {
        fprintf(stderr, "error: %s '%s': expected a number 0..%ld\n", opt, s, max);
        return -1;
    }
    *out = v;
    return 0;
}

int cmd_guard(cli *c)
{
    (void)c;
    return CLI_USAGE;
}

int cmd_guard_main(const cli_cmd *cmd, int argc, char **argv)
{
    (void)cmd;
    grun run;
    grun *r = &run;
    memset(r, 0, sizeof *r);
    r->audit_fd = -1;
    s7_guard_opts o;
    s7_guard_opts_init(&o);
    char listen_buf[64];
    snprintf(listen_buf, sizeof listen_buf, "127.0.0.1:%u", geteuid() == 0 ? 102u : 1102u);
    r->listen = listen_buf;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        long n;
#define NEEDV                                    \
    do {                                         \
        if (!v)                                  \
            return usage("%s needs a value", a); \
        i++;                                     \
    } while (0)
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            printf("usage: s7 guard --upstream CPU[:PORT] (--inventory FILE --cpu NAME | --rules "
                   "FILE) [options]\n\n%s",
                   guard_help);
            return CLI_OK;
        } else if (strcmp(a, "--listen") == 0) {
            NEEDV;
            r->listen = v;
        } else if (strcmp(a, "--upstream") == 0) {
            NEEDV;
            r->upstream = v;
        } else if (strcmp(a, "--inventory") == 0) {
            NEEDV;
            r->inventory = v;
        } else if (strcmp(a, "--cpu") == 0) {
            NEEDV;
            r->cpu = v;
        } else if (strcmp(a, "--rules") == 0) {
            NEEDV;
            r->rules = v;
        } else if (strcmp(a, "--audit") == 0) {
            NEEDV;
            r->audit = v;
        } else if (strcmp(a, "--metrics") == 0) {
            NEEDV;
            r->metrics = v;
        } else if (strcmp(a, "--dry-run") == 0) {
            r->dry_run = 1;
        } else if (strcmp(a, "--quiet") == 0) {
            r->quiet = 1;
        } else if (strcmp(a, "--upstream-tsap") == 0) {
            NEEDV;
            char *end;
            unsigned long t = strtoul(v, &end, 16);
            if (end == v || *end || t == 0 || t > 0xFFFF)
                return usage("--upstream-tsap '%s': expected a TSAP in hex, e.g. 0301", v);
            o.upstream_tsap = (uint16_t)t;
        } else if (strcmp(a, "--idle-timeout") == 0) {
            NEEDV;
            if (num(a, v, 86400000L, &n))
                return CLI_USAGE;
            o.idle_timeout_ms = n;
        } else if (strcmp(a, "--cr-timeout") == 0) {
            NEEDV;
            if (num(a, v, 600000L, &n))
                return CLI_USAGE;
            o.cr_timeout_ms = n;
        } else if (strcmp(a, "--setup-timeout") == 0) {
            NEEDV;
            if (num(a, v, 600000L, &n))
                return CLI_USAGE;
            o.setup_timeout_ms = n;
        } else if (strcmp(a, "--max-per-source") == 0) {
            NEEDV;
            if (num(a, v, 1000000L, &n))
                return CLI_USAGE;
            o.max_per_source = (unsigned)n;
        } else if (strcmp(a, "--max-clients") == 0) {
            NEEDV;
            if (num(a, v, 1000000L, &n))
                return CLI_USAGE;
            o.max_clients = (unsigned)n;
        } else if (strcmp(a, "--max-held") == 0) {
            NEEDV;
            if (num(a, v, 1L << 40, &n))
                return CLI_USAGE;
            o.held_max = (size_t)n;
        } else {
            return usage("unknown option '%s'", a);
        }
#undef NEEDV
    }
    if (!r->upstream)
        return usage("%s",
                     "--upstream CPU[:PORT] is required: the CPU the guard stands in front of");
    if (!r->rules && !r->inventory)
        return usage("%s", "no policy: give --inventory FILE --cpu NAME or --rules FILE");
    if (r->rules && r->inventory)
        return usage("%s", "give either --rules or --inventory, not both");
    if (r->inventory && !r->cpu)
        return usage("%s", "--inventory needs --cpu NAME: the CPU of the inventory the guard "
                           "stands in front of");
    s7_policy *pol = NULL;
    int rc = load_policy(r, &pol);
    if (rc)
        return rc;
    if (r->audit) {
        r->audit_fd = open(r->audit, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (r->audit_fd < 0) {
            tlog(NULL, S7_LOG_ERROR, "cannot open the audit log %s: %s", r->audit, strerror(errno));
            s7_policy_free(pol);
            return CLI_FAIL;
        }
    }
    /* many clients: as many descriptors as the system lets us have */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    o.listen = r->listen;
    o.upstream = r->upstream;
    o.dry_run = r->dry_run;
    o.log = on_log;
    o.log_ctx = r;
    o.on_decision = on_decision;
    o.decision_ctx = r;
    s7_guard *g = NULL;
    if (s7_guard_new(&g, &o, pol) < 0) {
        tlog(NULL, S7_LOG_ERROR, "cannot start: bad --upstream '%s' or out of memory", r->upstream);
        return CLI_USAGE;
    }
    if (s7_guard_start(g) < 0) {
        s7_guard_free(g);
        return CLI_FAIL;
    }
    metrics *mx = NULL;
    if (r->metrics) {
        char err[300];
        if (!(mx = metrics_start(r->metrics, render_metrics, NULL, err, sizeof err))) {
            tlog(NULL, S7_LOG_ERROR, "--metrics: %s", err);
            s7_guard_free(g);
            return CLI_FAIL;
        }
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    g_guard = g;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    while (!g_signal) {
        int k = s7_guard_run(g, r->metrics ? 1000 : -1);
        if (r->metrics) {
            char *text = NULL;
            int n = s7_guard_metrics(g, &text);
            if (n >= 0) {
                metrics_lock(mx);
                free(g_mtext);
                g_mtext = text;
                g_mlen = (size_t)n;
                metrics_unlock(mx);
            }
        }
        if (k < 0) {
            tlog(r, S7_LOG_ERROR, "event loop failed: %s", s7_strerror(k));
            rc = CLI_FAIL;
            break;
        }
        if (g_hup) {
            g_hup = 0;
            s7_policy *np = NULL;
            if (load_policy(r, &np) != 0) {
                tlog(r, S7_LOG_WARN, "SIGHUP: the policy did not load; keeping the old one");
            } else {
                int closed = s7_guard_set_policy(g, np);
                tlog(r, S7_LOG_INFO,
                     "SIGHUP: policy reloaded, %d connection(s) no longer "
                     "allowed were closed",
                     closed < 0 ? 0 : closed);
            }
            if (r->audit_fd >= 0) {
                int fd = open(r->audit, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd >= 0) {
                    close(r->audit_fd);
                    r->audit_fd = fd;
                }
            }
        }
    }
    g_guard = NULL;
    s7_guard_stats st;
    s7_guard_stats_get(g, &st);
    tlog(r, S7_LOG_INFO,
         "stopping: %llu accepted, %llu refused at connect, %llu forwarded, %llu answered by the "
         "guard, %llu items refused",
         (unsigned long long)st.accepted, (unsigned long long)st.refused_cr,
         (unsigned long long)st.forwarded, (unsigned long long)st.answered_locally,
         (unsigned long long)st.items_refused);
    metrics_stop(mx);
    free(g_mtext);
    g_mtext = NULL;
    s7_guard_free(g);
    if (r->audit_fd >= 0)
        close(r->audit_fd);
    return rc;
}
