/* s7 inventory simulate: the documented plant brought up on this machine (libs7's
 * s7_sim, include/s7/exchange_sim.h).  As root, in network namespaces with the documented
 * addresses and the router applying the inventory's firewall rules (simnet.c); otherwise, or
 * with --loopback, on loopback addresses of their own, with --write-inventory naming them
 * for s7 doctor, s7 inventory check and monitor.  Faults at the start (--fault) and while
 * running (--control SOCK, then `s7 inventory simulate --control SOCK --send 'fault X'`).
 * Every namespace is removed on exit, SIGINT and SIGTERM; those left by a killed run are
 * removed by the next one. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"
#include "inventory.h"
#include "s7/config.h"
#include "s7/exchange_sim.h"
#include "s7/server_config.h"
#include "s7/tag.h"
#include "s7/wire.h"
#include "simctl.h"
#include "simnet.h"

static const char sim_help[] =
    "usage: s7 inventory simulate FILE [--loopback] [--write-inventory OUT.yaml]\n"
    "                             [--fault SPEC]... [--cpu PARTNER=FILE]... [--control SOCK]\n"
    "                             [--for TIME] [-v]\n"
    "       s7 inventory simulate --control SOCK --send 'fault SPEC' | 'clear SPEC' | status | "
    "summary\n\n"
    "Brings the documented plant up on this machine: every CPU of FILE (a partner that is\n"
    "passive in a connection, or a plc) is an emulated CPU with its profile, rack/slot and DBs\n"
    "covering the documented ranges, PUT/GET permitted; every connection runs on its active\n"
    "partner at the documented cycle (GET reads, PUT writes): as that CPU's own GET/PUT jobs\n"
    "(STATUS words in its DB9000) when it is an emulated CPU, as a polling client for an\n"
    "HMI, SCADA or engineering station.  One process, one event loop.  Prints each\n"
    "exchange's state when it changes.\n\n"
    "As root: one network namespace per cell (s7sim<PID>-<CELL>) with the documented\n"
    "addresses, joined by a router namespace (s7sim<PID>-router) applying the rules of\n"
    "`s7 inventory firewall`; reach them with `ip netns exec` or `s7 inventory check --as`.\n"
    "Otherwise (or --loopback): each partner on a loopback address of its own (127.77.0.N),\n"
    "each CPU on a free port.\n\n"
    "  --loopback              loopback addresses even as root\n"
    "  --loopback-base A       first loopback network (default 127.77.0.0)\n"
    "  --port N                loopback: the CPUs' port (default: a free one each)\n"
    "  --cpu PARTNER=FILE      PARTNER's CPU from FILE, an s7 server configuration\n"
    "                          (docs/server.md: profile, DBs, values, put_get, identity...);\n"
    "                          documented DBs it lacks are added (repeatable)\n"
    "  --write-inventory OUT   write the inventory as simulated (loopback addresses and\n"
    "                          ports) to OUT once everything listens\n"
    "  --fault SPEC            inject at the start (repeatable): CPU:put_get_off, CPU:stop,\n"
    "                          CPU:optimized:DBn, CPU:budget[:pg|op|basic], CPU:db_missing:DBn,\n"
    "                          CPU:db_short:DBn:LEN, CPU:slot:N, CPU:port_closed; in the\n"
    "                          namespaces only: CPU:down, router:drop:CONNECTION,\n"
    "                          router:reject:CONNECTION, router:reset:CONNECTION,\n"
    "                          router:drop_replies:CONNECTION; docs/simulate.md lists what\n"
    "                          doctor and inventory check report for each\n"
    "  --control SOCK          a Unix socket taking one command per connection:\n"
    "                          fault SPEC, clear SPEC, status (a line per exchange),\n"
    "                          summary (one line of counts)\n"
    "  --send CMD              send CMD to a running simulation's --control SOCK, print the\n"
    "                          answer (exit 0 ok, 1 refused)\n"
    "  --for TIME              stop after TIME (10s, 2min; default: until SIGINT/SIGTERM)\n"
    "  -v, --verbose           print the ip/nft commands and the engine's log\n";

static volatile sig_atomic_t stop_flag;
static void on_signal(int sig)
{
    (void)sig;
    stop_flag = 1;
}

typedef struct simctx {
    const s7_plant *p;
    s7_sim *sim;
    simnet *net;
    int verbose;
    /* last printed state per exchange: 0 none, 1 ok, 2 error */
    int *shown;
    char (*shown_err)[160];
} simctx;

static int enter_hook(void *ctx, const s7_plant_partner *pt, int on, char *err, size_t cap)
{
    simctx *x = ctx;
    return simnet_enter(x->net, (size_t)(pt - x->p->partners), on, err, cap);
}

static void log_hook(void *ctx, int level, const char *msg)
{
    simctx *x = ctx;
    if (x->verbose || level <= S7_LOG_WARN)
        fprintf(stderr, "simulate: %s\n", msg);
}

static void stamp(char *buf, size_t cap)
{
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    strftime(buf, cap, "%H:%M:%S", &tm);
}

/* One exchange as a line: "hmi-line #1 GET DB10.DBB0..DBB63 (500 ms)". */
static void ex_name(const s7_plant *p, size_t c, size_t e, char *buf, size_t cap)
{
    const s7_plant_exchange *x = &p->conns[c].ex[e];
    char r[64], cy[32];
    size_t l = (size_t)snprintf(buf, cap, "%s #%zu %s", p->conns[c].name, e + 1,
                                s7_plant_dir_name(x->dir));
    for (size_t i = 0; i < x->nranges && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", i ? ", " : " ",
                              s7_plant_range_text(&x->ranges[i], r, sizeof r));
    if (l < cap)
        snprintf(buf + l, cap - l, " (%s)", s7_plant_cycle_text(x->cycle_ms, cy, sizeof cy));
}

/* Prints the exchanges whose state changed since the last call. */
static void report_changes(simctx *x)
{
    size_t n = s7_sim_nex(x->sim);
    for (size_t i = 0; i < n; i++) {
        s7_sim_ex_state st;
        if (s7_sim_ex_get(x->sim, i, &st) < 0)
            continue;
        int now = st.last_rc ? 2 : st.ok ? 1 : 0;
        if (!now || (now == x->shown[i] && (now == 1 || !strcmp(x->shown_err[i], st.last_err))))
            continue;
        char name[300], ts[16];
        ex_name(x->p, st.conn, st.ex, name, sizeof name);
        stamp(ts, sizeof ts);
        if (now == 1)
            printf("%s %s: ok\n", ts, name);
        else
            printf("%s %s: ERROR %s\n", ts, name, st.last_err);
        x->shown[i] = now;
        snprintf(x->shown_err[i], sizeof x->shown_err[i], "%s", st.last_err);
    }
    fflush(stdout);
}

/* ---------------------------------------------------------------- the written inventory */

static const char *area_key(uint8_t area)
{
    switch (area) {
    case S7_AREA_I: return "I";
    case S7_AREA_Q: return "Q";
    case S7_AREA_M: return "M";
    default: return "DB";
    }
}

/* s as the inside of a YAML double-quoted scalar: a quote and a backslash escaped, a newline,
 * a tab and other control characters as escapes (a title with quotes must not end the
 * scalar early). */
static void yaml_dq(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(f, "\\%c", *c);
        else if (*c == '\n')
            fputs("\\n", f);
        else if (*c == '\t')
            fputs("\\t", f);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(f, "\\x%02x", *c);
        else
            fputc(*c, f);
    }
}

/* The plant as simulated, in the inventory's YAML (no subnets: loopback addresses are in
 * none; no routers). */
static int write_inventory(const s7_plant *p, const s7_sim *sim, int loopback, const char *out,
                           char *err, size_t cap)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp%d", out, (int)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        snprintf(err, cap, "--write-inventory %s: %s", out, strerror(errno));
        return -1;
    }
    fprintf(f, "# %s as simulated by s7 inventory simulate (%s)\nversion: 1\nplant: \"",
            p->file ? p->file : "inventory", loopback ? "loopback addresses" : "namespaces");
    yaml_dq(f, p->title ? p->title : "plant");
    fputs(" (simulated)\"\n", f);
    fputs("cells:\n", f);
    for (size_t i = 0; i < p->ncells; i++) {
        fprintf(f, "  - name: %s\n", p->cells[i].name);
        if (!loopback && p->cells[i].has_subnet)
            fprintf(f, "    subnet: %u.%u.%u.%u/%d\n", p->cells[i].net >> 24,
                    (p->cells[i].net >> 16) & 255, (p->cells[i].net >> 8) & 255,
                    p->cells[i].net & 255, p->cells[i].prefix);
    }
    fputs("partners:\n", f);
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        uint16_t port = 0;
        const char *a = s7_sim_address(sim, i, &port);
        fprintf(f, "  - name: %s\n    address: \"%s\"\n", pt->name, a);
        if (port && port != 102)
            fprintf(f, "    port: %u\n", port);
        else if (!port && pt->port != 102)
            fprintf(f, "    port: %u\n", pt->port);
        if (pt->cell < p->ncells)
            fprintf(f, "    cell: %s\n", p->cells[pt->cell].name);
        if (pt->roles & ~(1u << pt->kind)) {
            /* every role, the first one first: a role plc makes a CPU of a gateway or PC
             * (its connections' cpu_stopped, its jobs' PDU check) */
            fprintf(f, "    roles: [%s", s7_plant_kind_name(pt->kind));
            for (int k = 0; k < S7_PLANT_KIND__COUNT; k++)
                if (k != pt->kind && (pt->roles >> k) & 1u)
                    fprintf(f, ", %s", s7_plant_kind_name(k));
            fputs("]\n", f);
        } else {
            fprintf(f, "    kind: %s\n", s7_plant_kind_name(pt->kind));
        }
        if (pt->profile)
            fprintf(f, "    profile: %s\n", pt->profile);
        if (pt->remote_tsap) {
            char t[16];
            fprintf(f, "    tsap: \"%s\"\n",
                    s7_plant_tsap_text(pt->local_tsap, pt->remote_tsap, t, sizeof t));
        } else if (pt->rack >= 0 && pt->slot >= 0) {
            fprintf(f, "    rack: %d\n    slot: %d\n", pt->rack, pt->slot);
        }
        if (pt->type)
            fprintf(f, "    type: %s\n", s7_plant_type_name(pt->type));
    }
    fputs("connections:\n", f);
    for (size_t c = 0; c < p->nconns; c++) {
        const s7_plant_conn *cn = &p->conns[c];
        fprintf(f, "  - name: %s\n    active: %s\n    passive: %s\n    type: %s\n", cn->name,
                p->partners[cn->active].name, p->partners[cn->passive].name,
                s7_plant_type_name(cn->type));
        if (cn->explicit_tsap) {
            char t[16];
            fprintf(f, "    tsap: \"%s\"\n",
                    s7_plant_tsap_text(cn->local_tsap, cn->remote_tsap, t, sizeof t));
        }
        fputs("    exchanges:\n", f);
        for (size_t e = 0; e < cn->nex; e++) {
            const s7_plant_exchange *x = &cn->ex[e];
            fprintf(f, "      - direction: %s\n        range:\n", s7_plant_dir_name(x->dir));
            for (size_t r = 0; r < x->nranges; r++) {
                const s7_plant_range *rg = &x->ranges[r];
                char t[64];
                if (rg->area == S7_AREA_DB)
                    fprintf(f, "          - {db: %u, offset: %u, length: %u}\n", rg->db, rg->offset,
                            rg->length);
                else if (rg->area == S7_AREA_T || rg->area == S7_AREA_C)
                    /* the mapping form has no timers or counters: "T0..T15", "C0..C7" */
                    fprintf(f, "          - \"%s\"\n", s7_plant_range_text(rg, t, sizeof t));
                else
                    fprintf(f, "          - {area: %s, offset: %u, length: %u}\n",
                            area_key(rg->area), rg->offset, rg->length);
            }
            if (x->cycle_ms > 0)
                fprintf(f, "        cycle: %ld\n", x->cycle_ms);
            else
                fputs("        cycle: event\n", f);
        }
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad || rename(tmp, out) != 0) {
        snprintf(err, cap, "--write-inventory %s: %s", out, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- control socket */

/* Why a network fault cannot be made on loopback. */
static void net_needs(const s7_sim_fault *f, const char *spec, char *err, size_t cap)
{
    if (f->kind == S7_SIM_FAULT_DOWN)
        snprintf(err, cap,
                 "%.120s: a host that is down needs the namespaces (run as root without "
                 "--loopback): a loopback address always answers; on loopback try "
                 "CPU:port_closed (RST) instead",
                 spec);
    else
        snprintf(err, cap,
                 "%.120s: a router fault needs the namespaces (run as root without --loopback)",
                 spec);
}

/* A network fault applied in the namespaces. */
static int net_fault(simnet *net, const s7_sim_fault *f, int on, char *err, size_t cap)
{
    if (f->kind == S7_SIM_FAULT_DOWN)
        return simnet_host(net, f->partner, on, err, cap);
    return simnet_router(net, f->conn, f->kind, on, err, cap);
}

/* One command line: "fault SPEC", "clear SPEC", "status" or "summary" (simctl_cmd_fn): the
 * answer, malloc'd. */
static char *control_cmd(void *ctx, const char *line)
{
    simctx *x = ctx;
    char *out = NULL;
    size_t outlen = 0;
    FILE *o = open_memstream(&out, &outlen);
    if (!o)
        return NULL;
    if (strcmp(line, "status") == 0) {
        size_t n = s7_sim_nex(x->sim);
        for (size_t i = 0; i < n; i++) {
            s7_sim_ex_state st;
            char name[300];
            s7_sim_ex_get(x->sim, i, &st);
            ex_name(x->p, st.conn, st.ex, name, sizeof name);
            fprintf(o, "%s: %s, %llu ok / %llu err%s%s\n", name, st.up ? "up" : "down",
                    (unsigned long long)st.ok, (unsigned long long)st.err,
                    st.last_rc ? ", last error " : "", st.last_rc ? st.last_err : "");
        }
        if (!n)
            fputs("no exchanges\n", o);
    } else if (strcmp(line, "summary") == 0) {
        size_t cpus = 0, listening = 0, up = 0, n = s7_sim_nex(x->sim), done = 0;
        unsigned long long ok = 0, bad = 0;
        s7_sim_counts(x->sim, &cpus, &listening, &up);
        for (size_t i = 0; i < n; i++) {
            s7_sim_ex_state st;
            s7_sim_ex_get(x->sim, i, &st);
            done += st.ok > 0 && st.last_rc == 0;
            ok += st.ok;
            bad += st.err;
        }
        fprintf(o,
                "cpus %zu listening %zu connections_up %zu/%zu exchanges_ok %zu/%zu done %llu "
                "failed %llu\n",
                cpus, listening, up, x->p->nconns, done, n, ok, bad);
    } else if (strncmp(line, "fault ", 6) != 0 && strncmp(line, "clear ", 6) != 0) {
        fprintf(o, "error: unknown command '%.200s%s': fault SPEC, clear SPEC, status or summary\n",
                line, strlen(line) > 200 ? "..." : "");
    } else {
        int on = line[0] == 'f';
        s7_sim_fault f;
        char err[1024]; /* the unknown-kind message lists every form (about 330 bytes) */
        int rc = s7_sim_fault_parse(x->p, line + 6, &f, err, sizeof err);
        if (rc == 0 && s7_sim_fault_is_net(&f)) {
            if (!x->net) {
                net_needs(&f, line + 6, err, sizeof err);
                rc = -1;
            } else {
                rc = net_fault(x->net, &f, on, err, sizeof err);
            }
        } else if (rc == 0) {
            rc = s7_sim_fault_set(x->sim, &f, on, err, sizeof err);
        }
        if (rc < 0) {
            fprintf(o, "error: %s\n", err);
        } else {
            char t[160];
            fprintf(o, "ok: %s %s\n", s7_sim_fault_text(x->p, &f, t, sizeof t),
                    on ? "injected" : "cleared");
            stamp(err, sizeof err);
            printf("%s fault %s %s\n", err, t, on ? "injected" : "cleared");
            fflush(stdout);
        }
    }
    if (fclose(o) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---------------------------------------------------------------- overrides */

/* --cpu NAME=FILE: the partner's CPU built from an s7 server configuration; what the file
 * leaves unset comes from the inventory (profile, rack/slot) and PUT/GET is permitted. */
static int override_cpu(const s7_plant *p, s7_sim *sim, const char *spec, char *err, size_t cap)
{
    const char *eq = strchr(spec, '=');
    char name[64];
    if (!eq || eq == spec || !eq[1] || (size_t)(eq - spec) >= sizeof name) {
        snprintf(err, cap, "--cpu %s: expected PARTNER=FILE, e.g. --cpu plc-line=plc-line.yaml",
                 spec);
        return -1;
    }
    snprintf(name, sizeof name, "%.*s", (int)(eq - spec), spec);
    const s7_plant_partner *pt = s7_plant_find_partner(p, name);
    if (!pt || !s7_sim_cpu(sim, name)) {
        snprintf(err, cap, "--cpu %s: %s is %s", spec, name,
                 pt ? "not an emulated CPU (it serves no connection and is no plc)"
                    : "no partner of the inventory");
        return -1;
    }
    s7_server_config sc;
    s7_server_config_init(&sc);
    char e2[600];
    if (s7_config_load_server(eq + 1, &sc, e2, sizeof e2) != 0) {
        snprintf(err, cap, "--cpu %s: %s", spec, e2);
        s7_server_config_free(&sc);
        return -1;
    }
    if (!sc.profile && pt->profile)
        sc.profile = strdup(pt->profile);
    if (sc.rack < 0 && sc.slot < 0) {
        sc.rack = pt->rack >= 0 ? pt->rack : pt->profile_rack;
        sc.slot = pt->slot >= 0 ? pt->slot : pt->profile_slot;
    }
    if (sc.put_get < 0)
        sc.put_get = 1;
    /* the documented DBs the file does not define, so that its values can address them */
    size_t pi = (size_t)(pt - p->partners);
    for (size_t c = 0; c < p->nconns; c++)
        for (size_t e = 0; p->conns[c].passive == pi && e < p->conns[c].nex; e++)
            for (size_t r = 0; r < p->conns[c].ex[e].nranges; r++) {
                const s7_plant_range *rg = &p->conns[c].ex[e].ranges[r];
                int have = 0;
                for (size_t d = 0; d < sc.ndbs; d++)
                    have |= sc.dbs[d].num == rg->db;
                if (rg->area != S7_AREA_DB || have)
                    continue;
                s7_server_db db;
                memset(&db, 0, sizeof db);
                db.num = rg->db;
                db.access = -1;
                for (size_t c2 = 0; c2 < p->nconns; c2++)
                    for (size_t x2 = 0; p->conns[c2].passive == pi && x2 < p->conns[c2].nex; x2++)
                        for (size_t r2 = 0; r2 < p->conns[c2].ex[x2].nranges; r2++) {
                            const s7_plant_range *g = &p->conns[c2].ex[x2].ranges[r2];
                            if (g->area == S7_AREA_DB && g->db == rg->db &&
                                g->offset + g->length > db.size)
                                db.size = g->offset + g->length;
                        }
                snprintf(db.from, sizeof db.from, "%s (documented)", p->file ? p->file : "");
                s7_server_config_put_db(&sc, &db);
            }
    s7_cpu *cpu = NULL;
    int rc = s7_server_config_build_cpu(&sc, &cpu, e2, sizeof e2);
    s7_server_config_free(&sc);
    if (rc < 0) {
        snprintf(err, cap, "--cpu %s: %s", spec, e2);
        return -1;
    }
    if (s7_sim_replace_cpu(sim, name, cpu, e2, sizeof e2) < 0) {
        snprintf(err, cap, "--cpu %s: %s", spec, e2);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- the command */

static long rss_kb(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static int simulate(const s7_plant *p, int loopback, const char *base, uint16_t port,
                    const char *out, const char **faults, size_t nfaults, const char **cpus,
                    size_t ncpus, const char *control, long for_ms, int verbose)
{
    simctx x;
    memset(&x, 0, sizeof x);
    x.p = p;
    x.verbose = verbose;
    char err[1024];
    int rc = CLI_FAIL;
    simctl *ctl = NULL;
    s7_sim_fault *fs = calloc(nfaults + 1, sizeof *fs);
    size_t nex = 0;
    for (size_t c = 0; c < p->nconns; c++)
        nex += p->conns[c].nex;
    x.shown = calloc(nex + 1, sizeof *x.shown);
    x.shown_err = calloc(nex + 1, sizeof *x.shown_err);
    if (!fs || !x.shown || !x.shown_err) {
        fprintf(stderr, "error: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < nfaults; i++) {
        if (s7_sim_fault_parse(p, faults[i], &fs[i], err, sizeof err) < 0) {
            fprintf(stderr, "error: --fault: %s\n", err);
            rc = CLI_USAGE;
            goto done;
        }
        if (s7_sim_fault_is_net(&fs[i]) && loopback) {
            net_needs(&fs[i], faults[i], err, sizeof err);
            fprintf(stderr, "error: --fault %s\n", err);
            rc = CLI_USAGE;
            goto done;
        }
        /* one router fault a connection, one CPU:down a partner (the CPU faults are checked
         * as they are set): refused here, before anything is made, as a usage error */
        for (size_t j = 0; s7_sim_fault_is_net(&fs[i]) && j < i; j++) {
            int down = fs[i].kind == S7_SIM_FAULT_DOWN;
            if (!s7_sim_fault_is_net(&fs[j]) || (fs[j].kind == S7_SIM_FAULT_DOWN) != down ||
                (down ? fs[j].partner != fs[i].partner : fs[j].conn != fs[i].conn))
                continue;
            char t[160];
            s7_sim_fault_text(p, &fs[j], t, sizeof t);
            if (down)
                fprintf(stderr, "error: --fault %s: given twice\n", faults[i]);
            else if (fs[j].kind == fs[i].kind)
                fprintf(stderr, "error: --fault %s: connection %s holds %s already\n", faults[i],
                        p->conns[fs[i].conn].name, t);
            else
                fprintf(stderr,
                        "error: --fault %s: connection %s holds the fault %s: one router fault "
                        "a connection (give one of them)\n",
                        faults[i], p->conns[fs[i].conn].name, t);
            rc = CLI_USAGE;
            goto done;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    int64_t t0 = cli_now_ms();
    /* two sockets per connection, one listener and one loop per CPU: lift the soft limit */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    s7_sim_opts so;
    s7_sim_opts_init(&so);
    so.loopback = loopback;
    if (base)
        so.loopback_base = base;
    so.port = port;
    so.log = log_hook;
    so.log_ctx = &x;
    if (!loopback) {
        int stale = simnet_stale();
        if (stale)
            fprintf(stderr, "simulate: removed %d namespace%s of an earlier run that was killed\n",
                    stale, stale == 1 ? "" : "s");
        x.net = simnet_up(p, verbose, err, sizeof err);
        if (!x.net) {
            fprintf(stderr,
                    "error: namespaces: %s\n(run with --loopback to simulate on loopback "
                    "addresses instead)\n",
                    err);
            goto done;
        }
        so.enter = enter_hook;
        so.enter_ctx = &x;
    }
    x.sim = s7_sim_new(p, &so, err, sizeof err);
    if (!x.sim) {
        fprintf(stderr, "error: %s\n", err);
        goto done;
    }
    for (size_t i = 0; i < ncpus; i++)
        if (override_cpu(p, x.sim, cpus[i], err, sizeof err) < 0) {
            fprintf(stderr, "error: %s\n", err);
            rc = CLI_USAGE;
            goto done;
        }
    for (size_t i = 0; i < nfaults; i++) {
        int r =
            s7_sim_fault_is_net(&fs[i]) ? 0 : s7_sim_fault_set(x.sim, &fs[i], 1, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "error: --fault %s: %s\n", faults[i], err);
            rc = CLI_USAGE;
            goto done;
        }
    }
    if (s7_sim_start(x.sim, err, sizeof err) < 0) {
        fprintf(stderr, "error: %s\n", err);
        goto done;
    }
    for (size_t i = 0; i < nfaults; i++)
        if (s7_sim_fault_is_net(&fs[i]) && net_fault(x.net, &fs[i], 1, err, sizeof err) < 0) {
            fprintf(stderr, "error: --fault %s: %s\n", faults[i], err);
            goto done;
        }
    if (control && !(ctl = simctl_open(control, control_cmd, &x, err, sizeof err))) {
        fprintf(stderr, "error: %s\n", err);
        goto done;
    }
    if (out && write_inventory(p, x.sim, loopback, out, err, sizeof err) < 0) {
        fprintf(stderr, "error: %s\n", err);
        goto done;
    }
    size_t ncpu = 0, nl = 0;
    s7_sim_counts(x.sim, &ncpu, &nl, NULL);
    printf("simulating %s: %zu CPU%s listening, %zu connection%s, %zu exchange%s, %s; up in "
           "%lld ms\n",
           p->title ? p->title : p->file, nl, nl == 1 ? "" : "s", p->nconns,
           p->nconns == 1 ? "" : "s", nex, nex == 1 ? "" : "s",
           loopback ? "loopback addresses" : "network namespaces", (long long)(cli_now_ms() - t0));
    for (size_t i = 0; i < p->npartners; i++) {
        uint16_t pt = 0;
        const char *a = s7_sim_address(x.sim, i, &pt);
        if (pt)
            printf("  %-16s %s:%u%s%s\n", p->partners[i].name, a, pt, x.net ? "  netns " : "",
                   x.net ? simnet_ns_name(x.net, p->partners[i].cell) : "");
    }
    for (size_t i = 0; i < nfaults; i++)
        printf("  fault %s\n", faults[i]);
    fflush(stdout);
    int64_t end = for_ms > 0 ? cli_now_ms() + for_ms : -1, next_report = 0;
    while (!stop_flag && (end < 0 || cli_now_ms() < end)) {
        if (s7_sim_run_once(x.sim, 100) < 0)
            break;
        simctl_serve(ctl);
        int64_t now = cli_now_ms();
        if (now >= next_report) {
            report_changes(&x);
            next_report = now + 500;
        }
    }
    report_changes(&x);
    if (verbose)
        fprintf(stderr, "simulate: peak RSS %ld kB\n", rss_kb());
    rc = CLI_OK;
done:
    simctl_close(ctl);
    s7_sim_free(x.sim);
    if (x.net) {
        simnet_down(x.net);
        printf("namespaces removed\n");
    }
    free(fs);
    free(x.shown);
    free(x.shown_err);
    return rc;
}

int inv_cmd_simulate_main(int argc, char **argv)
{
    const char *file = NULL, *out = NULL, *control = NULL, *send = NULL, *base = NULL;
    int loopback = 0, verbose = 0;
    long port = 0, for_ms = 0;
    const char **faults = calloc((size_t)argc + 1, sizeof *faults);
    const char **cpus = calloc((size_t)argc + 1, sizeof *cpus);
    size_t nfaults = 0, ncpus = 0;
    int rc = CLI_OK;
    if (!faults || !cpus) {
        free(faults);
        free(cpus);
        return CLI_FAIL;
    }
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            fputs(sim_help, stdout);
            free(faults);
            free(cpus);
            return CLI_OK;
        }
        if (strcmp(a, "--loopback") == 0) {
            loopback = 1;
            continue;
        }
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            verbose = 1;
            continue;
        }
        if (a[0] != '-') {
            if (file) {
                fprintf(stderr, "error: unexpected argument '%s': one inventory FILE\n", a);
                rc = CLI_USAGE;
            }
            file = a;
            continue;
        }
        static const char *const vo[] = {
            "--write-inventory", "--fault", "--control", "--send", "--for", "--port",
            "--loopback-base",   "--cpu"};
        int k = -1;
        for (int j = 0; j < 8; j++)
            if (strcmp(a, vo[j]) == 0)
                k = j;
        if (k < 0) {
            fprintf(stderr, "error: unknown option '%s' (s7 inventory simulate --help)\n", a);
            rc = CLI_USAGE;
            break;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "error: %s needs a value (s7 inventory simulate --help)\n", a);
            rc = CLI_USAGE;
            break;
        }
        const char *v = argv[++i];
        char msg[320];
        switch (k) {
        case 0: out = v; break;
        case 1: faults[nfaults++] = v; break;
        case 2: control = v; break;
        case 3: send = v; break;
        case 4:
            if (cli_duration_unit("--for", v, 1, 86400000L, &for_ms, msg, sizeof msg)) {
                fprintf(stderr, "error: %s\n", msg);
                rc = CLI_USAGE;
            }
            break;
        case 5:
            if (cli_parse_long(v, 1, 65535, &port) < 0) {
                fprintf(stderr, "error: --port %s: a TCP port 1..65535\n", v);
                rc = CLI_USAGE;
            }
            break;
        case 6: {
            /* checked here, a usage error: the engine refused it only once it started (exit
             * 1, not naming the option) */
            unsigned b, c3;
            char again[32];
            if (sscanf(v, "127.%u.%u.0", &b, &c3) != 2 || b > 255 || c3 > 255 ||
                (snprintf(again, sizeof again, "127.%u.%u.0", b, c3), strcmp(again, v) != 0)) {
                fprintf(stderr,
                        "error: --loopback-base '%s': expected a loopback network 127.B.C.0 (B "
                        "and C 0..255), e.g. 127.77.0.0\n",
                        v);
                rc = CLI_USAGE;
            }
            base = v;
            break;
        }
        case 7: cpus[ncpus++] = v; break;
        }
    }
    if (rc == CLI_OK && send) {
        free(faults);
        free(cpus);
        if (!control) {
            fprintf(stderr, "error: --send needs --control SOCK (the running simulation's)\n");
            return CLI_USAGE;
        }
        return simctl_send(control, send) ? CLI_FAIL : CLI_OK;
    }
    if (rc == CLI_OK && !file) {
        fprintf(stderr, "error: s7 inventory simulate needs the inventory FILE, e.g. s7 inventory "
                        "simulate plant.yaml --loopback\n");
        rc = CLI_USAGE;
    }
    if (rc != CLI_OK) {
        free(faults);
        free(cpus);
        return rc;
    }
    if (!loopback && geteuid() != 0) {
        fprintf(stderr, "simulate: not root: on loopback addresses (network namespaces need "
                        "root)\n");
        loopback = 1;
    }
    s7_plant *p;
    size_t nerr = 0;
    if (s7_config_load_plant_each(file, &p, inv_print_problem, &nerr)) {
        if (nerr > 1)
            fprintf(stderr, "%s: %zu problems\n", file, nerr);
        free(faults);
        free(cpus);
        return CLI_USAGE;
    }
    if (s7_plant_has_unresolved(p)) {
        size_t n = 0;
        for (size_t i = 0; i < p->npartners; i++) {
            const s7_plant_partner *pt = &p->partners[i];
            if (pt->address[0])
                continue;
            n++;
            if (pt->line > 0)
                fprintf(stderr, "error: %s:%d: ", file, pt->line);
            else
                fprintf(stderr, "error: %s: ", file);
            fprintf(stderr,
                    "partner %s is known by its host name only (%s), which the simulation "
                    "does not look up: give its address too (host: %s plus address: "
                    "10.0.0.5)\n",
                    pt->name, pt->host ? pt->host : "no address", pt->host ? pt->host : "NAME");
        }
        if (n > 1)
            fprintf(stderr, "%s: %zu problems\n", file, n);
        s7_plant_free(p);
        free(faults);
        free(cpus);
        return CLI_USAGE;
    }
    rc = simulate(p, loopback, base, (uint16_t)port, out, faults, nfaults, cpus, ncpus, control,
                  for_ms, verbose);
    s7_plant_free(p);
    free(faults);
    free(cpus);
    return rc;
}
