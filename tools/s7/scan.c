/* s7 scan CIDR|RANGE: which hosts answer on TCP port 102 and what they are (libs7's s7_scan:
 * concurrent, bounded in rate).  Takes targets instead of a HOST, so it parses its own
 * options (main.c sends it here before the shared parser); a progress bar on stderr when
 * stderr is a terminal. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "s7/config.h"
#include "s7/diag.h"
#include "s7/diag_plant.h"
#include "s7/plant.h"

const char scan_help[] =
    "Connects to TCP port 102 (or --port) of every address of TARGETS and reports which answer\n"
    "(closed: RST, filtered: no answer within the timeout, unreachable: no route) and, for\n"
    "those that accept TCP, whether they speak S7 (the called TSAPs 0101, 0102, 0103 and the\n"
    "LOGO! pair 0100:0200 in turn) and their identity (SZL 0x0011, 0x001C, 0x0424).  Every\n"
    "connection is closed before the host is reported.\n"
    "TARGETS: IPv4 only; comma-separated items, each a CIDR block (10.0.0.0/24: network and\n"
    "broadcast addresses left out), a range (10.0.0.1-10.0.0.40 or 10.0.0.1-40) or an address.\n"
    "At most 65,536 hosts.  Scan only networks you are responsible for.\n\n"
    "Options:\n"
    "  --port P           TCP port, 1..65535 (default 102)\n"
    "  --rate N[/s]       new connections per second at most, 1..10000 (default 100)\n"
    "  --concurrency N    hosts in progress at once, 1..256 (default 32)\n"
    "  --timeout MS       per connection attempt, 1..600000 ms (default 1000)\n"
    "  --no-identify      only TCP and one connection request: no SZL reads, no other TSAPs\n"
    "  --all              list every host, not only those answering\n"
    "  --inventory FILE   compare with the connection inventory: documented CPUs found,\n"
    "                     documented CPUs missing (in TARGETS, not answering), undocumented\n"
    "                     hosts answering; exit 0 only when every documented CPU in TARGETS\n"
    "                     answers and nothing undocumented does\n"
    "  --json             {targets, port, ms, hosts: [{host, state, tcp_ms, s7, tsap, pdu, error, "
    "cpu}],\n"
    "                     summary: {hosts, answering, s7, closed, filtered, unreachable}}\n"
    "Ctrl-C (SIGINT) stops the scan: the hosts found so far are printed with the summary,\n"
    "which says it was interrupted (JSON: \"interrupted\": true); a second Ctrl-C ends at once.\n"
    "Exit codes: 0 at least one host answers, 1 none answers, 2 usage error, 130 interrupted.\n\n"
    "Examples:\n"
    "  s7 scan 192.168.0.0/24\n"
    "  s7 scan 10.1.2.1-40 --rate 20/s --json\n"
    "  s7 scan 10.10.1.0/24 --inventory plant.yaml\n\n";

static volatile sig_atomic_t interrupted;

static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

typedef struct scan_out {
    s7_scan_host *hosts;
    size_t n, cap;
    int all;
    int tty;
    int oom;
    uint32_t answering, s7, closed, filtered, unreach;
    uint32_t done; /* hosts reported */
} scan_out;

static void progress(const scan_out *o, uint32_t done, uint32_t total)
{
    int width = 30, fill = total ? (int)((uint64_t)done * (uint64_t)width / total) : width;
    fprintf(stderr, "\r[");
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %u/%u hosts, %u answering", done, total, o->answering);
    fflush(stderr);
}

static void on_host(void *ud, const s7_scan_host *h, uint32_t done, uint32_t total)
{
    scan_out *o = ud;
    o->done = done;
    switch (h->state) {
    case S7_SCAN_ANSWERING:
        o->answering++;
        o->s7 += h->s7 != 0;
        break;
    case S7_SCAN_CLOSED: o->closed++; break;
    case S7_SCAN_FILTERED: o->filtered++; break;
    default: o->unreach++; break;
    }
    if (o->all || h->state == S7_SCAN_ANSWERING) {
        if (o->n == o->cap) {
            size_t cap = o->cap ? o->cap * 2 : 64;
            s7_scan_host *p = realloc(o->hosts, cap * sizeof *p);
            if (!p) {
                o->oom = 1;
                return;
            }
            o->hosts = p;
            o->cap = cap;
        }
        o->hosts[o->n++] = *h;
    }
    if (o->tty)
        progress(o, done, total);
}

static int by_ip(const void *a, const void *b)
{
    uint32_t x = ((const s7_scan_host *)a)->ip, y = ((const s7_scan_host *)b)->ip;
    return x < y ? -1 : x > y;
}

static const char *state_text(int st)
{
    return st == S7_CPU_RUN ? "RUN" : st == S7_CPU_STOP ? "STOP" : "";
}

static void print_host(const s7_scan_host *h, uint16_t port)
{
    char where[32];
    snprintf(where, sizeof where, "%s:%u", h->addr, port);
    printf("%-21s %-11s", where, s7_scan_state_name(h->state));
    if (h->tcp_ms >= 0)
        printf(" %4d ms", h->tcp_ms);
    else
        printf("        ");
    if (h->state == S7_SCAN_ANSWERING) {
        if (h->s7) {
            printf("  S7 (TSAPs %04X:%04X, PDU %u)", h->local_tsap, h->remote_tsap, h->pdu);
            if (h->have_identity) {
                const s7_cpu_info *id = &h->identity;
                printf("  %s, %s, %s", id->module_type[0] ? id->module_type : id->module_name,
                       id->order_code, id->version[0] ? id->version : "?");
                if (id->module_name[0])
                    printf(", '%s'", id->module_name);
                if (state_text(h->cpu_state)[0])
                    printf(", %s", state_text(h->cpu_state));
            }
        } else {
            printf("  no S7 session (%s)", h->s7_error ? s7_strerror(h->s7_error) : "not tried");
        }
    }
    fputc('\n', stdout);
}

/* The table's entry point; main.c runs cmd_scan_main (scan takes no HOST). */
int cmd_scan(cli *c)
{
    (void)c;
    return CLI_USAGE;
}

/* "10.0.0.5" or "10.0.0.5 (plc1)" into buf. */
static const char *who(const s7_scan_inv_row *r, char *buf, size_t cap)
{
    char a[320];
    if (r->pt)
        snprintf(buf, cap, "%s %s", r->pt->name, s7_plant_partner_addr_text(r->pt, a, sizeof a));
    else
        snprintf(buf, cap, "%s", r->host ? r->host->addr : "?");
    return buf;
}

static void inv_text(const s7_plant *p, const s7_scan_inv_row *r, size_t n, uint16_t port,
                     int stopped)
{
    static const char *const head[] = {"documented and found", "documented but missing",
                                       "undocumented (answering)", "documented, not scanned"};
    char b[400];
    printf("\ninventory %s (port %u):\n", p->file, port);
    for (int cls = 0; cls < 4; cls++) {
        size_t k = 0;
        for (size_t i = 0; i < n; i++)
            k += r[i].cls == cls;
        printf("  %s: %zu\n", head[cls], k);
        for (size_t i = 0; i < n; i++) {
            if (r[i].cls != cls)
                continue;
            printf("    %s", who(&r[i], b, sizeof b));
            if (cls == S7_SCAN_INV_MISSING)
                printf(": %s", s7_scan_state_name(r[i].host->state));
            if (cls == S7_SCAN_INV_UNDOCUMENTED && r[i].pt)
                printf(": partner %s (%s) serves port %u but is not documented as a CPU",
                       r[i].pt->name, s7_plant_kind_name(r[i].pt->kind), port);
            if (cls == S7_SCAN_INV_UNDOCUMENTED && !r[i].pt)
                printf(": in no inventory entry%s", r[i].host->s7 ? " (speaks S7)" : "");
            if (cls == S7_SCAN_INV_NOT_SCANNED)
                printf(": %s", r[i].pt->family != S7_PLANT_AF_INET ? "not IPv4"
                               : r[i].pt->port != port             ? "another port"
                               : stopped ? "not reached before the scan was interrupted"
                                         : "not in TARGETS");
            if (cls == S7_SCAN_INV_FOUND && r[i].host->have_identity)
                printf(": %s", r[i].host->identity.order_code);
            putchar('\n');
        }
        if (cls == S7_SCAN_INV_MISSING && k > 0)
            /* a scan sees one TCP attempt: who must act is the doctor's to say (field notes
             * 1b), not the state's */
            printf("    (the state is what one TCP attempt saw, not who acts: a firewall that "
                   "rejects shows as closed (TCP reset, ICMP port unreachable) or unreachable "
                   "(ICMP administratively prohibited), a CPU that is off as filtered when "
                   "--timeout ends before the ARP timeout; s7 inventory check %s, or s7 doctor "
                   "HOST, tells which and names the team)\n",
                   p->file);
    }
}

static void inv_json(const s7_plant *p, const s7_scan_inv_row *r, size_t n)
{
    printf(",\n \"inventory\": {\"file\": ");
    cli_json_str(stdout, p->file);
    for (int cls = 0; cls < 4; cls++) {
        printf(", \"%s\": [", s7_scan_inv_name(cls));
        int first = 1;
        for (size_t i = 0; i < n; i++) {
            if (r[i].cls != cls)
                continue;
            printf("%s{\"partner\": ", first ? "" : ", ");
            first = 0;
            if (r[i].pt)
                cli_json_str(stdout, r[i].pt->name);
            else
                fputs("null", stdout);
            printf(", \"address\": ");
            cli_json_str(stdout, r[i].pt ? r[i].pt->address : r[i].host->addr);
            printf(", \"state\": ");
            if (r[i].host)
                printf("\"%s\"", s7_scan_state_name(r[i].host->state));
            else
                fputs("null", stdout);
            printf("}");
        }
        printf("]");
    }
    printf("}");
}

int cmd_scan_main(const cli_cmd *cmd, int argc, char **argv)
{
    const char *inv_file = NULL;
    s7_scan_opts so;
    scan_out out;
    const char *targets = NULL;
    int json = 0;
    long v;
    s7_scan_opts_init(&so);
    memset(&out, 0, sizeof out);
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        const char *eq = strncmp(a, "--", 2) == 0 ? strchr(a, '=') : NULL;
        size_t nlen = eq ? (size_t)(eq - a) : strlen(a);
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            printf("s7 %s %s [options]\n\n%s", cmd->name, cmd->usage, cmd->help);
            return CLI_OK;
        }
        if (a[0] != '-' || !a[1]) {
            if (targets)
                return cli_usage_error(cmd,
                                       "unexpected argument '%s': give the targets as one list, "
                                       "e.g. 10.0.0.1-40,10.0.1.0/28",
                                       a);
            targets = a;
            continue;
        }
#define IS(name) (nlen == strlen(name) && strncmp(a, name, nlen) == 0)
        int has_value = IS("--port") || IS("--rate") || IS("--concurrency") || IS("--timeout") ||
                        IS("--inventory");
        if (has_value) {
            if (eq)
                val = eq + 1;
            else if (i + 1 < argc)
                val = argv[++i];
            else
                return cli_usage_error(cmd, "%.*s needs a value", (int)nlen, a);
        } else if (eq) {
            return cli_usage_error(cmd, "%.*s takes no value", (int)nlen, a);
        }
        if (IS("--port")) {
            if (cli_parse_long(val, 1, 65535, &v))
                return cli_usage_error(cmd, "--port %s: must be 1..65535 (S7 uses 102)", val);
            so.port = (uint16_t)v;
        } else if (IS("--rate")) {
            char tmp[24];
            size_t l = strlen(val);
            if (l >= 2 && strcmp(val + l - 2, "/s") == 0)
                l -= 2;
            if (l >= sizeof tmp)
                l = sizeof tmp - 1;
            memcpy(tmp, val, l);
            tmp[l] = 0;
            if (cli_parse_long(tmp, 1, 10000, &v))
                return cli_usage_error(
                    cmd, "--rate %s: connections per second 1..10000, e.g. --rate 50/s", val);
            so.rate = (int)v;
        } else if (IS("--concurrency")) {
            if (cli_parse_long(val, 1, 256, &v))
                return cli_usage_error(
                    cmd, "--concurrency %s: hosts at once 1..256, e.g. --concurrency 32", val);
            so.concurrency = (int)v;
        } else if (IS("--timeout")) {
            if (cli_parse_long(val, 1, 600000, &v))
                return cli_usage_error(cmd, "--timeout %s: 1..600000 ms, e.g. --timeout 1000", val);
            so.timeout_ms = (int)v;
        } else if (IS("--inventory")) {
            inv_file = val;
        } else if (IS("--json")) {
            json = 1;
        } else if (IS("--all")) {
            out.all = 1;
        } else if (IS("--no-identify")) {
            so.identify = 0;
        } else {
            return cli_usage_error(
                cmd,
                "unknown option '%.*s' (s7 scan takes --port --rate --concurrency "
                "--timeout --no-identify --all --inventory --json)",
                (int)nlen, a);
        }
#undef IS
    }
    if (!targets)
        return cli_usage_error(
            cmd, "missing targets, e.g. s7 scan 192.168.0.0/24 or s7 scan 10.0.0.1-40");
    uint32_t count = 0;
    char err[300];
    if (s7_scan_count(targets, &count, err, sizeof err) < 0)
        return cli_usage_error(cmd, "%s", err);
    if (count > so.max_hosts)
        return cli_usage_error(cmd,
                               "%s names %u hosts, more than the limit of %u: scan smaller ranges",
                               targets, count, so.max_hosts);

    s7_plant *plant = NULL;
    if (inv_file) {
        char perr[1024];
        if (s7_config_load_plant(inv_file, &plant, perr, sizeof perr)) {
            fprintf(stderr, "error: --inventory: %s\n", perr);
            return CLI_USAGE;
        }
        if (s7_plant_has_unresolved(plant) &&
            s7_plant_resolve_hosts(plant, s7_diag_plant_resolver, NULL, perr, sizeof perr) < 0) {
            fprintf(stderr, "error: --inventory: %s\n", perr);
            s7_plant_free(plant);
            return CLI_FAIL;
        }
    }
    int all = out.all;
    if (plant)
        out.all = 1; /* the missing ones are among the silent hosts */
    out.tty = isatty(2);
    /* Ctrl-C ends the scan with what it found so far; a second one ends at once */
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sa.sa_flags = (int)SA_RESETHAND; /* no SA_RESTART: the scan's poll returns at once */
    sigemptyset(&sa.sa_mask);
    interrupted = 0;
    sigaction(SIGINT, NULL, &old_sa);
    if (old_sa.sa_handler != SIG_IGN) /* started with SIGINT ignored (nohup, &): keep it so */
        sigaction(SIGINT, &sa, NULL);
    int64_t t0 = cli_now_ms();
    int n = s7_scan_until(targets, &so, on_host, &out, &interrupted, err, sizeof err);
    sigaction(SIGINT, &old_sa, NULL);
    int stopped = interrupted != 0;
    int64_t ms = cli_now_ms() - t0;
    if (out.tty)
        fputc('\n', stderr);
    if (n < 0) {
        fprintf(stderr, "error: scan failed: %s\n", err[0] ? err : s7_strerror(n));
        free(out.hosts);
        return n == S7_ERR_INVAL ? CLI_USAGE : CLI_FAIL;
    }
    if (out.oom)
        fprintf(stderr, "warning: out of memory: some hosts are missing from the list\n");
    if (out.n)
        qsort(out.hosts, out.n, sizeof *out.hosts, by_ip);
    s7_scan_inv_row *rows = NULL;
    size_t nrows = 0;
    int inv_ok = 1;
    if (plant && s7_diag_scan_inventory(plant, so.port, out.hosts, out.n, &rows, &nrows) < 0) {
        fprintf(stderr, "error: out of memory\n");
        s7_plant_free(plant);
        free(out.hosts);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < nrows; i++)
        if (rows[i].cls == S7_SCAN_INV_MISSING || rows[i].cls == S7_SCAN_INV_UNDOCUMENTED)
            inv_ok = 0;
    /* the list shows what it showed without --inventory (rows point into out.hosts: the
     * list is a copy) */
    s7_scan_host *list = calloc(out.n ? out.n : 1, sizeof *list);
    size_t shown = 0;
    if (!list) {
        fprintf(stderr, "error: out of memory\n");
        s7_plant_free(plant);
        free(rows);
        free(out.hosts);
        return CLI_FAIL;
    }
    for (size_t i = 0; i < out.n; i++)
        if (all || out.hosts[i].state == S7_SCAN_ANSWERING)
            list[shown++] = out.hosts[i];
    if (json) {
        printf("{\"targets\": ");
        cli_json_str(stdout, targets);
        printf(", \"port\": %u, \"ms\": %lld, \"hosts\": [", so.port, (long long)ms);
        for (size_t i = 0; i < shown; i++) {
            char *j = s7_scan_host_json(&list[i]);
            printf("%s\n  %s", i ? "," : "", j ? j : "null");
            free(j);
        }
        printf(
            "],\n \"interrupted\": %s,\n \"summary\": {\"hosts\": %u, \"scanned\": %u, "
            "\"answering\": %u, \"s7\": %u, \"closed\": %u, \"filtered\": %u, \"unreachable\": %u}",
            stopped ? "true" : "false", count, out.done, out.answering, out.s7, out.closed,
            out.filtered, out.unreach);
        if (plant)
            inv_json(plant, rows, nrows);
        printf("}\n");
    } else {
        for (size_t i = 0; i < shown; i++)
            print_host(&list[i], so.port);
        if (stopped)
            printf("interrupted (Ctrl-C) after %.1f s: scanned %u of %u hosts on port %u: %u "
                   "answering (%u speak S7), %u closed, %u filtered, %u unreachable; the other %u "
                   "were not scanned\n",
                   (double)ms / 1000.0, out.done, count, so.port, out.answering, out.s7, out.closed,
                   out.filtered, out.unreach, count - out.done);
        else
            printf("scanned %u hosts on port %u in %.1f s: %u answering (%u speak S7), %u closed, "
                   "%u filtered, %u unreachable\n",
                   count, so.port, (double)ms / 1000.0, out.answering, out.s7, out.closed,
                   out.filtered, out.unreach);
        if (plant)
            inv_text(plant, rows, nrows, so.port, stopped);
    }
    free(out.hosts);
    free(list);
    free(rows);
    if (plant)
        s7_plant_free(plant);
    if (stopped) {
        fprintf(stderr,
                "s7 scan: interrupted: %u of %u hosts scanned, the list above is "
                "incomplete\n",
                out.done, count);
        return CLI_INTERRUPTED;
    }
    if (plant)
        return inv_ok ? CLI_OK : CLI_FAIL;
    return out.answering ? CLI_OK : CLI_FAIL;
}
