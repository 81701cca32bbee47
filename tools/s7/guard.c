/* `s7 guard`: the enforcing S7 proxy in front of one CPU (guard.h, docs/guard.md).  Parses
 * its options, loads the policy (an inventory and a CPU name, or a rules file), writes the
 * audit log, reloads the policy on SIGHUP and runs the engine until SIGINT / SIGTERM. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
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
#include "util/bucket.h"

int cmd_guard(cli *c);
int cmd_guard_main(const cli_cmd *cmd, int argc, char **argv);

static volatile sig_atomic_t g_signal;

/* One engine of --threads N: its own loop in its own thread, all on one port
 * (SO_REUSEPORT).  The signal handler stops every engine's loop (s7_guard_stop is
 * async-signal-safe); each thread then looks at what the signal asked for. */
typedef struct gworker {
    s7_guard *g;
    struct grun *r;
    unsigned idx;
    pthread_t th;
    int started, rc;
    volatile sig_atomic_t hup_seen;
    /* its metrics text, rendered in its thread once a second, read under metrics_lock */
    char *mtext;
    size_t mlen;
} gworker;

static gworker *volatile g_workers;
static volatile unsigned g_nworkers;
static volatile sig_atomic_t g_hup_gen;
static volatile int g_failed;

/* The engines' metrics summed: the text of engine 0 with each sample's value replaced by
 * the sum of that sample (the same name and labels) over every engine. */
static void render_metrics(void *ctx, mbuf *out)
{
    (void)ctx;
    gworker *w = g_workers;
    unsigned n = g_nworkers;
    if (!w || !n || !w[0].mtext)
        return;
    const char *t = w[0].mtext, *end = t + w[0].mlen;
    while (t < end) {
        const char *nl = memchr(t, '\n', (size_t)(end - t));
        size_t len = nl ? (size_t)(nl - t) : (size_t)(end - t);
        const char *sp = NULL;
        for (const char *q = t + len; q > t; q--)
            if (q[-1] == ' ') {
                sp = q - 1;
                break;
            }
        if (t[0] == '#' || !sp || n == 1) {
            mbuf_printf(out, "%.*s\n", (int)len, t);
        } else {
            size_t klen = (size_t)(sp - t) + 1; /* the key and its space */
            double sum = strtod(sp + 1, NULL);
            for (unsigned i = 1; i < n; i++) {
                const char *o = w[i].mtext, *oe = o ? o + w[i].mlen : NULL;
                while (o && o < oe) {
                    const char *onl = memchr(o, '\n', (size_t)(oe - o));
                    size_t olen = onl ? (size_t)(onl - o) : (size_t)(oe - o);
                    if (olen > klen && memcmp(o, t, klen) == 0) {
                        sum += strtod(o + klen, NULL);
                        break;
                    }
                    o = onl ? onl + 1 : oe;
                }
            }
            if (sum == (double)(long long)sum)
                mbuf_printf(out, "%.*s%lld\n", (int)klen, t, (long long)sum);
            else
                mbuf_printf(out, "%.*s%g\n", (int)klen, t, sum);
        }
        t = nl ? nl + 1 : end;
    }
}

/* The connection counts the engines share (s7_guard_opts.count): one lock, a short list
 * of names ("*", "src ADDR", "partner NAME"). */
typedef struct gcount_ent {
    char key[160];
    long n;
} gcount_ent;
static pthread_mutex_t g_count_lock = PTHREAD_MUTEX_INITIALIZER;
static gcount_ent *g_counts;
static size_t g_ncounts, g_capcounts;

static long shared_count(void *ctx, const char *key, int delta)
{
    (void)ctx;
    long v = 0;
    pthread_mutex_lock(&g_count_lock);
    size_t i;
    for (i = 0; i < g_ncounts; i++)
        if (strcmp(g_counts[i].key, key) == 0)
            break;
    if (i == g_ncounts && g_ncounts == g_capcounts) {
        size_t nc = g_capcounts ? g_capcounts * 2 : 16;
        gcount_ent *e = realloc(g_counts, nc * sizeof *e);
        if (e) {
            g_counts = e;
            g_capcounts = nc;
        }
    }
    if (i < g_capcounts) {
        if (i == g_ncounts) {
            snprintf(g_counts[i].key, sizeof g_counts[i].key, "%s", key);
            g_counts[i].n = 0;
            g_ncounts++;
        }
        g_counts[i].n += delta;
        v = g_counts[i].n;
        if (v <= 0)
            g_counts[i] = g_counts[--g_ncounts];
    }
    pthread_mutex_unlock(&g_count_lock);
    /* out of memory: counted as over every limit */
    return i < g_capcounts ? v : 0x7fffffffL;
}

/* The partners' rate limits over every engine (s7_guard_opts.rate_take): a token bucket
 * (util/bucket.h) per partner name, refilled at its rate, at most rate tokens kept. */
typedef struct grate_ent {
    char name[128];
    s7__bucket b;
} grate_ent;
static pthread_mutex_t g_rate_lock = PTHREAD_MUTEX_INITIALIZER;
static grate_ent *g_rates;
static size_t g_nrates, g_caprates;

static int shared_rate_take(void *ctx, const char *partner, unsigned rate, int64_t now_ms)
{
    (void)ctx;
    int took = 0;
    pthread_mutex_lock(&g_rate_lock);
    size_t i;
    for (i = 0; i < g_nrates; i++)
        if (strcmp(g_rates[i].name, partner) == 0)
            break;
    if (i == g_nrates && g_nrates == g_caprates) {
        size_t nc = g_caprates ? g_caprates * 2 : 8;
        grate_ent *e = realloc(g_rates, nc * sizeof *e);
        if (e) {
            g_rates = e;
            g_caprates = nc;
        }
    }
    if (i < g_caprates) { /* out of memory: no token (the request waits) */
        grate_ent *e = &g_rates[i];
        if (i == g_nrates) {
            snprintf(e->name, sizeof e->name, "%s", partner);
            s7__bucket_init(&e->b, rate, rate);
            g_nrates++;
        }
        e->b.rate = e->b.burst = rate; /* a reloaded policy's rate counts from now on */
        took = s7__bucket_take(&e->b, now_ms);
    }
    pthread_mutex_unlock(&g_rate_lock);
    return took;
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
    "  --allow PARTNER:SERVICE[,SERVICE...]  add services to a partner of the policy (e.g.\n"
    "                         hmi1:alarms for an HMI of the inventory; repeatable)\n"
    "  --dry-run              forward every request, also of clients no partner matches;\n"
    "                         log what would be refused\n"
    "  --audit FILE           JSON-lines audit log of every decision\n"
    "                         (docs/schema/s7-audit.schema.json)\n"
    "  --metrics ADDR:PORT    Prometheus counters (per partner and rule) at\n"
    "                         http://ADDR:PORT/metrics\n"
    "  --upstream-tsap HEX    the TSAP asked of the CPU (default: the client's)\n"
    "  --no-coalesce          send each client's read on a shared upstream on its own (by\n"
    "                         default the reads waiting for it go to the CPU together, as\n"
    "                         the items of one request, each client answered its part)\n"
    "  --idle-timeout MS      close a client with no request for this long, unless it holds a\n"
    "                         subscription (default 600000: 10 min; 0: never)\n"
    "  --cr-timeout MS        close a client with no CR this long after connecting (5000)\n"
    "  --setup-timeout MS     the same for Setup Communication after the CC (5000)\n"
    "  --request-timeout MS   a request the CPU leaves unanswered this long: its connection\n"
    "                         is closed (with its clients) and a new one opened (10000; 0 never)\n"
    "  --max-per-source N     connections from one address (default 64)\n"
    "  --max-clients N        connections in all (default 4096)\n"
    "  --max-held BYTES       memory all clients may hold (default 64M)\n"
    "  --threads N            N event loops, each in its own thread, sharing the listening\n"
    "                         port (default: the number of online CPUs, but no more than\n"
    "                         the policy's shared upstreams when a partner is shared).\n"
    "                         Each opens its share of the shared upstreams (at least one);\n"
    "                         the connection and rate limits, counters, metrics and audit\n"
    "                         log cover all of them\n"
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
    int dry_run, quiet, no_coalesce;
    const char *allow[32]; /* --allow PARTNER:SERVICES */
    int nallow;
    long threads;
    int audit_fd;
    uint64_t audit_lost;
    pthread_mutex_t audit_lock; /* the engines' threads write one line each under it */
    /* SIGHUP: the policy is read once per signal and every loop gets a copy of that one
     * load (each reading the file itself could see it half rewritten while another saw
     * it whole, and the loops would serve different policies) */
    pthread_mutex_t hup_lock;
    sig_atomic_t hup_loaded; /* the generation of hup_pol */
    s7_policy *hup_pol;      /* NULL: that load failed */
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

/* " DB10 offset 8, 2 bytes" (or " M4.3", " T5, 2 elements") of a decision with a range. */
static void range_text(const s7_guard_decision *d, char *buf, size_t cap)
{
    buf[0] = 0;
    if (!d->has_range)
        return;
    char a[24], an[16];
    if (d->area == S7_AREA_DB || d->area == S7_AREA_DI)
        snprintf(a, sizeof a, "%s%u", d->area == S7_AREA_DB ? "DB" : "DI", (unsigned)d->db);
    else
        snprintf(a, sizeof a, "%s", cli_area_name(d->area, an, sizeof an));
    if (d->bit >= 0)
        snprintf(buf, cap, " %s byte %lu bit %d", a, (unsigned long)d->offset, d->bit);
    else
        snprintf(buf, cap, " %s offset %lu, %lu %s", a, (unsigned long)d->offset,
                 (unsigned long)d->length,
                 d->area == S7_AREA_T || d->area == S7_AREA_C ? "elements" : "bytes");
}

static void on_decision(void *ctx, const s7_guard_decision *d)
{
    grun *r = ctx;
    if (d->action != S7_GUARD_ALLOW) {
        char rg[96];
        range_text(d, rg, sizeof rg);
        /* what, where and why: the audit log has the same, this is the operator's view */
        tlog(r, S7_LOG_INFO, "%s %s %s: %s%s%s%s",
             d->action == S7_GUARD_REFUSE ? "refused" : "would refuse", d->peer,
             d->partner[0] ? d->partner : "(no partner)", d->op, rg,
             d->result && d->result[0] ? ": " : "", d->result ? d->result : "");
    }
    if (!r->audit) /* the path, set once: audit_fd may be swapped by a reopen meanwhile */
        return;
    char line[1200];
    int n = s7_guard_audit_format(d, line, sizeof line);
    pthread_mutex_lock(&r->audit_lock);
    if (n <= 0 || (size_t)n >= sizeof line) {
        r->audit_lost++;
        pthread_mutex_unlock(&r->audit_lock);
        return;
    }
    size_t off = 0;
    while (off < (size_t)n) {
        ssize_t w = write(r->audit_fd, line + off, (size_t)n - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            r->audit_lost++;
            break;
        }
        off += (size_t)w;
    }
    pthread_mutex_unlock(&r->audit_lock);
}

static void stop_all(void)
{
    gworker *w = g_workers;
    for (unsigned i = 0; w && i < g_nworkers; i++)
        if (w[i].g)
            s7_guard_stop(w[i].g);
}

static void on_signal(int sig)
{
    if (sig == SIGHUP) {
        g_hup_gen++;
    } else {
        g_signal = sig;
    }
    stop_all();
}

/* The policy the options name.  0 with *out, or CLI_USAGE after the message. */
static int load_policy_src(const grun *r, s7_policy **out)
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

/* --allow PARTNER:SERVICE[,SERVICE...]: the services added to that partner of pol.  0, or
 * CLI_USAGE with the reason logged. */
static int apply_allow(const grun *r, s7_policy *pol)
{
    for (int i = 0; i < r->nallow; i++) {
        const char *a = r->allow[i], *colon = strchr(a, ':');
        if (!colon || colon == a || !colon[1]) {
            tlog(NULL, S7_LOG_ERROR, "--allow '%s': expected PARTNER:SERVICE[,SERVICE...]", a);
            return CLI_USAGE;
        }
        s7_policy_partner *pt = NULL;
        for (size_t k = 0; k < pol->npartners; k++)
            if (strlen(pol->partners[k].name) == (size_t)(colon - a) &&
                strncmp(pol->partners[k].name, a, (size_t)(colon - a)) == 0)
                pt = &pol->partners[k];
        if (!pt) {
            char names[400] = "";
            size_t o = 0;
            for (size_t k = 0; k < pol->npartners && o < sizeof names; k++)
                o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", k ? ", " : "",
                                      pol->partners[k].name);
            tlog(NULL, S7_LOG_ERROR,
                 "--allow '%s': the policy (%s) has no partner '%.*s' (it has: %s)", a, pol->source,
                 (int)(colon - a), a, names);
            return CLI_USAGE;
        }
        const char *p = colon + 1;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int)(n < sizeof name ? n : sizeof name - 1), p);
            unsigned bit = s7_policy_service_parse(name);
            if (!bit) {
                tlog(NULL, S7_LOG_ERROR, "--allow '%s': unknown service '%s' (known: %s)", a, name,
                     s7_policy_service_names());
                return CLI_USAGE;
            }
            pt->services |= bit;
            p += n;
            if (*p == ',')
                p++;
        }
    }
    return 0;
}

/* The policy (inventory or rules file) with --allow applied: 0 or CLI_USAGE. */
static int load_policy(const grun *r, s7_policy **out)
{
    int rc = load_policy_src(r, out);
    if (rc == 0 && (rc = apply_allow(r, *out)) != 0) {
        s7_policy_free(*out);
        *out = NULL;
    }
    return rc;
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

static metrics *g_metrics;

/* One engine's loop: runs until SIGINT/SIGTERM (or an engine failed), reloads its policy
 * on SIGHUP (engine 0 also reopens the audit log), renders its metrics once a second. */
static void *worker_main(void *arg)
{
    gworker *w = arg;
    grun *r = w->r;
    while (!g_signal && !g_failed) {
        int k = s7_guard_run(w->g, r->metrics ? 1000 : -1);
        if (r->metrics) {
            char *text = NULL;
            int n = s7_guard_metrics(w->g, &text);
            if (n >= 0) {
                metrics_lock(g_metrics);
                free(w->mtext);
                w->mtext = text;
                w->mlen = (size_t)n;
                metrics_unlock(g_metrics);
            }
        }
        if (k < 0) {
            tlog(r, S7_LOG_ERROR, "event loop failed: %s", s7_strerror(k));
            w->rc = CLI_FAIL;
            g_failed = 1;
            stop_all();
            break;
        }
        sig_atomic_t gen = g_hup_gen;
        if (gen != w->hup_seen) {
            w->hup_seen = gen;
            s7_policy *np = NULL;
            pthread_mutex_lock(&r->hup_lock);
            if (r->hup_loaded != gen) {
                s7_policy_free(r->hup_pol);
                r->hup_pol = NULL;
                if (load_policy(r, &r->hup_pol) != 0)
                    r->hup_pol = NULL;
                r->hup_loaded = gen;
            }
            np = r->hup_pol ? s7_policy_dup(r->hup_pol) : NULL;
            pthread_mutex_unlock(&r->hup_lock);
            if (!np) {
                tlog(r, S7_LOG_WARN, "SIGHUP: the policy did not load; keeping the old one");
            } else {
                int closed = s7_guard_set_policy(w->g, np);
                if (w->idx == 0 || closed > 0)
                    tlog(r, S7_LOG_INFO,
                         "SIGHUP: policy reloaded, %d connection(s) no longer "
                         "allowed were closed (thread %u of %u)",
                         closed < 0 ? 0 : closed, w->idx + 1, (unsigned)g_nworkers);
            }
            if (w->idx == 0 && r->audit) {
                int fd = open(r->audit, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
                if (fd >= 0) {
                    pthread_mutex_lock(&r->audit_lock);
                    close(r->audit_fd);
                    r->audit_fd = fd;
                    pthread_mutex_unlock(&r->audit_lock);
                }
            }
        }
    }
    return NULL;
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
        } else if (strcmp(a, "--allow") == 0) {
            NEEDV;
            if (r->nallow == (int)(sizeof r->allow / sizeof r->allow[0]))
                return usage("%s", "--allow given more than 32 times");
            r->allow[r->nallow++] = v;
        } else if (strcmp(a, "--audit") == 0) {
            NEEDV;
            r->audit = v;
        } else if (strcmp(a, "--metrics") == 0) {
            NEEDV;
            r->metrics = v;
        } else if (strcmp(a, "--dry-run") == 0) {
            r->dry_run = 1;
        } else if (strcmp(a, "--no-coalesce") == 0) {
            r->no_coalesce = 1;
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
        } else if (strcmp(a, "--request-timeout") == 0) {
            NEEDV;
            if (num(a, v, 600000L, &n))
                return CLI_USAGE;
            o.request_timeout_ms = n;
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
        } else if (strcmp(a, "--threads") == 0) {
            NEEDV;
            if (num(a, v, 256L, &n))
                return CLI_USAGE;
            if (n < 1)
                return usage("--threads '%s': expected 1..256 event loops", v);
            r->threads = n;
        } else if (strcmp(a, "--max-held") == 0) {
            NEEDV;
            if (cli_parse_bytes(v, 1L << 40, &n)) {
                fprintf(stderr,
                        "error: --max-held '%s': must be a byte count 0..1024G, with an optional "
                        "K, M or G (0 = no bound), e.g. --max-held 64M\n",
                        v);
                return CLI_USAGE;
            }
            o.held_max = (size_t)n;
        } else {
            return usage("unknown option '%s'", a);
        }
#undef NEEDV
    }
    int threads_given = r->threads != 0;
    if (r->threads == 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        r->threads = cpus < 1 ? 1 : cpus > 256 ? 256 : cpus;
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
    /* the ports as s7 server checks its --listen: in range, never wrapped to 16 bits */
    {
        const char *lp = r->listen[0] == '[' ? strstr(r->listen, "]:") : strrchr(r->listen, ':');
        long v;
        if (lp && (lp += lp[0] == ']' ? 2 : 1, cli_parse_long(lp, 0, 65535, &v) != 0)) {
            fprintf(stderr,
                    "error: --listen '%s': port '%s' must be 0..65535 (S7 uses 102; 0 picks a "
                    "free one)\n",
                    r->listen, lp);
            return CLI_USAGE;
        }
        char host[128], err[300];
        uint16_t port;
        if (cli_parse_target(r->upstream, host, sizeof host, &port, err, sizeof err) != 0) {
            fprintf(stderr, "error: --upstream '%s': %s\n", r->upstream, err);
            return CLI_USAGE;
        }
        /* a host no call dials ("1.2.3", "010.1.1.1"): refused here, not at each client's
         * connection once the guard runs (it started and refused every client) */
        if (s7_host_check(host, err, sizeof err) != 0) {
            fprintf(stderr, "error: --upstream '%s': %s\n", r->upstream, err);
            return CLI_USAGE;
        }
    }
    s7_policy *pol = NULL;
    int rc = load_policy(r, &pol);
    if (rc)
        return rc;
    if (r->audit) {
        r->audit_fd = open(r->audit, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
        if (r->audit_fd < 0) {
            tlog(NULL, S7_LOG_ERROR,
                 "--audit %s: cannot open it for appending: %s; create its directory, let the "
                 "guard's user write there, or give another --audit FILE",
                 r->audit, strerror(errno));
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
    /* --listen ADDR without a port: the default port (102 as root, 1102 otherwise) */
    char listen_full[160];
    if (r->listen[0] == '[' ? !strstr(r->listen, "]:") : !strchr(r->listen, ':')) {
        snprintf(listen_full, sizeof listen_full, "%s:%u", r->listen,
                 geteuid() == 0 ? 102u : 1102u);
        r->listen = listen_full;
    }
    o.listen = r->listen;
    o.upstream = r->upstream;
    o.dry_run = r->dry_run;
    o.log = on_log;
    o.log_ctx = r;
    o.on_decision = on_decision;
    o.decision_ctx = r;
    /* each loop opens at least one shared upstream: by default no more loops than the
     * policy's shared upstreams, so the CPU sees the connections the policy says */
    if (!threads_given) {
        long sup = pol->shared_upstreams ? (long)pol->shared_upstreams : 1;
        for (size_t i = 0; i < pol->npartners; i++)
            if (pol->partners[i].shared && r->threads > sup)
                r->threads = sup;
    }
    unsigned nw = (unsigned)r->threads;
    gworker *ws = calloc(nw, sizeof *ws);
    if (!ws) {
        s7_policy_free(pol);
        return CLI_FAIL;
    }
    pthread_mutex_init(&r->audit_lock, NULL);
    pthread_mutex_init(&r->hup_lock, NULL);
    if (nw > 1) {
        unsigned sup = pol->shared_upstreams ? pol->shared_upstreams : 1;
        for (size_t i = 0; i < pol->npartners; i++) {
            if (pol->partners[i].shared && sup < nw) {
                tlog(r, S7_LOG_WARN,
                     "%u threads open up to %u shared upstream connections per connection type "
                     "where "
                     "the policy says %u (each thread opens at least one): give --threads %u to "
                     "keep to %u",
                     nw, nw, sup, sup, sup);
                break;
            }
        }
        o.held_max /= nw; /* each engine its share of the memory bound */
        o.reuse_port = 1;
        o.engines = nw;
        o.count = shared_count;
        o.rate_take = shared_rate_take;
    }
    /* engine 0 binds first (its port when --listen names port 0), the others the same */
    char listen_n[160];
    rc = CLI_OK;
    for (unsigned i = 0; i < nw && rc == CLI_OK; i++) {
        /* every loop a copy of the one load */
        s7_policy *p = i + 1 < nw ? s7_policy_dup(pol) : pol;
        if (i + 1 == nw)
            pol = NULL;
        if (!p) {
            tlog(NULL, S7_LOG_ERROR, "cannot start: out of memory");
            rc = CLI_FAIL;
            break;
        }
        if (i == 1) {
            const char *colon = strrchr(r->listen, ':');
            int hl = colon ? (int)(colon - r->listen) : (int)strlen(r->listen);
            snprintf(listen_n, sizeof listen_n, "%.*s:%u", hl, r->listen,
                     (unsigned)s7_guard_port(ws[0].g));
            o.listen = listen_n;
        }
        o.engine = i;
        ws[i].r = r;
        ws[i].idx = i;
        if (s7_guard_new(&ws[i].g, &o, p) < 0) {
            tlog(NULL, S7_LOG_ERROR, "cannot start: bad --upstream '%s' or out of memory",
                 r->upstream);
            rc = CLI_USAGE;
        } else {
            s7_guard_set_coalesce(ws[i].g, !r->no_coalesce);
            if (s7_guard_start(ws[i].g) < 0)
                rc = CLI_FAIL;
        }
    }
    metrics *mx = NULL;
    if (rc == CLI_OK && r->metrics) {
        char err[300];
        int bad;
        if (!(mx = metrics_start(r->metrics, render_metrics, NULL, &bad, err, sizeof err))) {
            tlog(NULL, S7_LOG_ERROR, "%s", err);
            rc = CLI_FAIL;
        }
    }
    if (rc != CLI_OK) {
        for (unsigned i = 0; i < nw; i++)
            s7_guard_free(ws[i].g);
        free(ws);
        if (r->audit_fd >= 0)
            close(r->audit_fd);
        pthread_mutex_destroy(&r->audit_lock);
        pthread_mutex_destroy(&r->hup_lock);
        s7_policy_free(pol);
        return rc;
    }
    g_metrics = mx;
    g_nworkers = nw;
    g_workers = ws;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* engines 1.. in threads of their own (signals blocked there: this thread takes them
     * and stops every engine), engine 0 in this one */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    for (unsigned i = 1; i < nw; i++) {
        if (pthread_create(&ws[i].th, NULL, worker_main, &ws[i]) != 0) {
            tlog(r, S7_LOG_ERROR, "cannot start thread %u of %u", i + 1, nw);
            g_failed = 1;
            rc = CLI_FAIL;
            break;
        }
        ws[i].started = 1;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!g_failed)
        worker_main(&ws[0]);
    g_failed = 1; /* the others stop too */
    stop_all();
    for (unsigned i = 1; i < nw; i++)
        if (ws[i].started)
            pthread_join(ws[i].th, NULL);
    s7_guard_stats st, sum;
    memset(&sum, 0, sizeof sum);
    for (unsigned i = 0; i < nw; i++) {
        s7_guard_stats_get(ws[i].g, &st);
        sum.accepted += st.accepted;
        sum.refused_cr += st.refused_cr;
        sum.forwarded += st.forwarded;
        sum.answered_locally += st.answered_locally;
        sum.items_refused += st.items_refused;
        if (ws[i].rc)
            rc = ws[i].rc;
    }
    tlog(r, S7_LOG_INFO,
         "stopping: %llu accepted, %llu refused at connect, %llu forwarded, %llu answered by the "
         "guard, %llu items refused",
         (unsigned long long)sum.accepted, (unsigned long long)sum.refused_cr,
         (unsigned long long)sum.forwarded, (unsigned long long)sum.answered_locally,
         (unsigned long long)sum.items_refused);
    metrics_stop(mx);
    g_metrics = NULL;
    g_workers = NULL;
    g_nworkers = 0;
    for (unsigned i = 0; i < nw; i++) {
        free(ws[i].mtext);
        s7_guard_free(ws[i].g);
    }
    free(ws);
    pthread_mutex_lock(&g_count_lock);
    free(g_counts);
    g_counts = NULL;
    g_ncounts = g_capcounts = 0;
    pthread_mutex_unlock(&g_count_lock);
    if (r->audit_fd >= 0)
        close(r->audit_fd);
    pthread_mutex_destroy(&r->audit_lock);
    pthread_mutex_destroy(&r->hup_lock);
    s7_policy_free(r->hup_pol);
    g_failed = 0;
    return rc;
}
