/* s7 inventory: the command.  `s7 inventory SUBCOMMAND FILE [options]` takes no HOST (the
 * partners come from FILE), so main.c hands it its raw arguments (as `server`).  This
 * file parses the options, loads the inventory (s7config's s7_config_load_plant, which
 * validates it with the plant model) and runs the subcommand: validate (here), check,
 * firewall, report (inventory_*.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "inventory.h"
#include "s7/config.h"
#include "s7/diag_plant.h"
#include "s7/plant.h"
#include "s7/tag.h"
#include "s7/wire.h"

int cmd_inventory(cli *c);
int cmd_inventory_main(const cli_cmd *cmd, int argc, char **argv);

const char inv_help[] =
    "Works from a connection inventory: a YAML file that documents every S7 connection of a\n"
    "plant (partners with address, cell, rack/slot or TSAPs, connection type; per connection\n"
    "the active partner that connects, the passive CPU that serves port 102, and what it\n"
    "exchanges: GET = the active partner reads, PUT = it writes, DB/area ranges, cycle).\n"
    "docs/inventory.md describes the file; docs/inventory-example.yaml is an example.\n\n"
    "Subcommands:\n"
    "  validate FILE     load and check the file, print a summary (exit 0 valid, 2 not)\n"
    "  check FILE        for each connection, live from this machine: reachable, connection\n"
    "                    request accepted, PUT/GET permitted, each DB present, not optimized and\n"
    "                    long enough for the documented ranges (the doctor's verdicts); each GET\n"
    "                    range read; PUT ranges only with --allow-write (read, then the same "
    "bytes\n"
    "                    written back).  Exit 0 only when every connection passes.\n"
    "      --allow-write       verify PUT exchanges by writing back the bytes just read\n"
    "      --json              one JSON object (for report --check)\n"
    "      --timeout TIME      per connection step: 3000 (ms), 3s, ... up to 10min (default 3s)\n"
    "      --connection NAME   only this connection (repeatable)\n"
    "      --as PARTNER        check from PARTNER's documented address: bound when this\n"
    "                          machine holds it; as root, a network namespace (ip netns) that\n"
    "                          holds it is entered.  Without --as each connection is checked\n"
    "                          from its active partner's address when this machine holds it.\n"
    "                          A connection not checked from its active partner is UNPROVEN.\n"
    "  firewall FILE     packet filter rules: TCP 102 passes only from each active partner to\n"
    "                    its passive partner (new connections and their established traffic);\n"
    "                    every other S7 packet is dropped.  Other rules are left alone.\n"
    "      --format F          nftables (nft -f script, table inet s7kit), iptables (sh script,\n"
    "                          chains S7KIT-* in iptables and ip6tables, --noflush),\n"
    "                          iptables-restore (the IPv4 file) or ip6tables-restore (IPv6)\n"
    "      --host PARTNER      rules for that partner's own INPUT/OUTPUT, its connections inside\n"
    "                          its cell too (default: FORWARD rules for a router between the\n"
    "                          cells: connections between two cells only)\n"
    "      --router NAME       FORWARD rules bound to that router's interfaces (routers: in the\n"
    "                          inventory; the default when it documents one)\n"
    "      -o FILE             write to FILE (default stdout)\n"
    "  verify-firewall FILE --as PARTNER\n"
    "                    from this host as PARTNER (binding its documented address when this\n"
    "                    host has it): every documented path of PARTNER must connect, every\n"
    "                    other documented CPU's S7 port (in its cell and others) must be\n"
    "                    dropped; prints the matrix with the rule behind each row.  Exit 0\n"
    "                    only when every row is as documented.\n"
    "      --rules RULEFILE    the rule file applied: its SHA-256 is printed, each row's rule\n"
    "                          is looked up in it\n"
    "      --timeout TIME      how long a probe waits (default 2s)\n"
    "      --json              one JSON object (for report --verify)\n"
    "  audit FILE        the audit log of s7 guard or s7 server (JSON lines) against the\n"
    "                    inventory: undocumented partners, writes where only GET is\n"
    "                    documented, accesses outside the documented ranges, undocumented\n"
    "                    services, each with its count and first and last time.  Exit 0 when\n"
    "                    everything in the log is documented, 1 when not.\n"
    "      --log LOG           the audit log (JSON lines)\n"
    "      --cpu NAME          only the connections to this CPU\n"
    "  report FILE       the commissioning document: DIR/index.html, DIR/report.md,\n"
    "                    DIR/report.txt and the diagram DIR/cells.svg; NOT READY while a\n"
    "                    connection failed, is unproven or was not checked; the sign-off\n"
    "                    states only what the results prove\n"
    "      -o DIR              output directory (created)\n"
    "      --check FILE.json   results of `s7 inventory check --json` (repeatable: checks from\n"
    "                          several hosts merge, each connection takes the one made from\n"
    "                          its active partner)\n"
    "      --verify FILE.json  a firewall verification (`verify-firewall --json`, repeatable)\n"
    "  monitor FILE      the check, round after round: per connection and exchange the state\n"
    "                    (pass / fail / unproven with the doctor's verdict), since when, how long\n"
    "                    its check took, failed rounds; a change is printed with its cause and\n"
    "                    fix.  Exit 0 when nothing changed, 1 when something did.\n"
    "      --every TIME        time between rounds: 10s (default), 500ms, 1min ...\n"
    "      --count N           stop after N rounds\n"
    "      --duration TIME     stop after TIME\n"
    "      --json-lines FILE   one JSON object per connection and round (- for stdout)\n"
    "      --on-change CMD     run CMD (sh -c) at each change; S7_MONITOR_CONNECTION,\n"
    "                          S7_MONITOR_STATUS, S7_MONITOR_VERDICT, S7_MONITOR_PREVIOUS,\n"
    "                          S7_MONITOR_PREVIOUS_VERDICT, S7_MONITOR_CAUSE,\n"
    "                          S7_MONITOR_ROUND and S7_MONITOR_EXCHANGE (when only an\n"
    "                          exchange changed: \"#1 pass ok -> fail db_missing\") describe it\n"
    "      --exit-on-change    stop at the first change (exit 1)\n"
    "      --metrics ADDR:PORT Prometheus /metrics endpoint, e.g. 127.0.0.1:9102\n"
    "      --timeout TIME      per connection step, as for check (default 3s)\n"
    "      --connection NAME   only this connection (repeatable)\n"
    "      --as PARTNER        check from PARTNER's documented address, as for check\n"
    "  simulate FILE     the plant brought up on this machine: emulated CPUs, the documented\n"
    "                    exchanges, faults (s7 inventory simulate --help)\n\n"
    "Exit codes: 0 success, 1 a check failed (or a file could not be written), 2 usage error\n"
    "or an invalid inventory.\n\n"
    "Examples:\n"
    "  s7 inventory validate plant.yaml\n"
    "  s7 inventory check plant.yaml --json > check.json\n"
    "  s7 inventory firewall plant.yaml --format nftables -o s7.nft\n"
    "  s7 inventory firewall plant.yaml --format iptables --host plc-line -o plc-line.sh\n"
    "  s7 inventory report plant.yaml -o report --check hmi.json --check scada.json\n"
    "  s7 inventory monitor plant.yaml --every 10s --metrics 127.0.0.1:9102\n";

int cmd_inventory(cli *c)
{
    (void)c; /* main.c hands `inventory` its raw arguments: see cmd_inventory_main */
    return CLI_USAGE;
}

static int usage(const char *fmt, const char *a)
{
    fputs("error: ", stderr);
    fprintf(stderr, fmt, a);
    fputs("\nusage: s7 inventory "
          "validate|check|monitor|firewall|report|verify-firewall|audit|simulate FILE [options]\n"
          "run 's7 help inventory' for details\n",
          stderr);
    return CLI_USAGE;
}

/* Prints one problem of the inventory file ("error: FILE:LINE: ..."); counts it; 0: go on
 * (every problem of the file in one run). */
int inv_print_problem(void *ctx, const char *msg)
{
    ++*(size_t *)ctx;
    fprintf(stderr, "error: %s\n", msg);
    return 0;
}

/* s7 inventory validate: a summary of what the file documents. */
static int validate(const s7_plant *p)
{
    size_t nex = 0;
    char buf[64], cyc[32], tsap[16], aa[320], pa[320];
    for (size_t i = 0; i < p->nconns; i++)
        nex += p->conns[i].nex;
    printf("%s: valid: %zu partner%s in %zu cell%s, %zu connection%s, %zu exchange%s\n", p->file,
           p->npartners, p->npartners == 1 ? "" : "s", p->ncells, p->ncells == 1 ? "" : "s",
           p->nconns, p->nconns == 1 ? "" : "s", nex, nex == 1 ? "" : "s");
    for (size_t i = 0; i < p->nrouters; i++) {
        const s7_plant_router *r = &p->routers[i];
        printf("  router %s:", r->name);
        for (size_t k = 0; k < r->nifs; k++) {
            const s7_plant_router_if *ri = &r->ifs[k];
            printf("%s %s", k ? "," : "", ri->name);
            if (ri->has_v4)
                printf(" %s/%d", ri->address, ri->prefix);
            if (ri->has_v6)
                printf(" %s/%d", ri->address6, ri->prefix6);
            printf(" (cell %s)", p->cells[ri->cell].name);
        }
        putchar('\n');
    }
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        s7_plant_partner_addr_text(a, aa, sizeof aa);
        s7_plant_partner_addr_text(pp, pa, sizeof pa);
        printf(pp->family == S7_PLANT_AF_INET6
                   ? "  %s: %s (%s) -> %s (%s, port %u), type %s, TSAPs %s\n"
                   : "  %s: %s (%s) -> %s (%s:%u), type %s, TSAPs %s\n",
               c->name, a->name, aa, pp->name, pa, pp->port, s7_plant_type_name(c->type),
               s7_plant_tsap_text(c->local_tsap, c->remote_tsap, tsap, sizeof tsap));
        for (size_t e = 0; e < c->nex; e++) {
            const s7_plant_exchange *x = &c->ex[e];
            printf("    %s", s7_plant_dir_name(x->dir));
            for (size_t r = 0; r < x->nranges; r++)
                printf("%s%s", r ? ", " : " ", s7_plant_range_text(&x->ranges[r], buf, sizeof buf));
            printf(" (%s)\n", s7_plant_cycle_text(x->cycle_ms, cyc, sizeof cyc));
        }
    }
    return CLI_OK;
}

int inv_audit_main(int argc, char **argv);

/* every subcommand, for the messages that name them */
#define INV_SUBCOMMANDS \
    "validate, check, monitor, firewall, report, verify-firewall, audit or simulate"

enum { SUB_VALIDATE, SUB_CHECK, SUB_FIREWALL, SUB_REPORT, SUB_VERIFY, SUB_MONITOR };

int cmd_inventory_main(const cli_cmd *cmd, int argc, char **argv)
{
    static const char *const subs[] = {"validate", "check",           "firewall",
                                       "report",   "verify-firewall", "monitor"};
    inv_opts o;
    int sub = -1, rc;
    memset(&o, 0, sizeof o);
    (void)cmd;
    if (argc >= 1 && strcmp(argv[0], "simulate") == 0) /* own options: inventory_simulate.c */
        return inv_cmd_simulate_main(argc, argv);
    if (argc < 1)
        return usage("%s", "s7 inventory needs a subcommand: " INV_SUBCOMMANDS);
    if (strcmp(argv[0], "audit") == 0) /* the audit log against the inventory (guard, issue 12) */
        return inv_audit_main(argc - 1, argv + 1);
    if (strcmp(argv[0], "--help") == 0 || strcmp(argv[0], "-h") == 0 ||
        strcmp(argv[0], "help") == 0) {
        printf("usage: s7 inventory "
               "validate|check|monitor|firewall|report|verify-firewall|audit|simulate FILE "
               "[options]\n\n%s",
               inv_help);
        return CLI_OK;
    }
    for (int i = 0; i < (int)(sizeof subs / sizeof subs[0]); i++)
        if (strcmp(argv[0], subs[i]) == 0)
            sub = i;
    if (sub < 0)
        return usage("unknown subcommand '%s' (subcommands: " INV_SUBCOMMANDS ")", argv[0]);
    o.only = calloc((size_t)argc + 1, sizeof *o.only);
    o.checks = calloc((size_t)argc + 1, sizeof *o.checks);
    o.verifies = calloc((size_t)argc + 1, sizeof *o.verifies);
    if (!o.only || !o.checks || !o.verifies) {
        fprintf(stderr, "error: out of memory\n");
        free(o.only);
        free(o.checks);
        free(o.verifies);
        return CLI_FAIL;
    }
    rc = CLI_OK;
    int no_more = 0;
    for (int i = 1; i < argc && rc == CLI_OK; i++) {
        const char *a = argv[i], *v = NULL;
        char name[40];
        if (!no_more && strcmp(a, "--") == 0) {
            no_more = 1;
            continue;
        }
        if (no_more || a[0] != '-' || !a[1]) {
            if (o.file)
                rc = usage("unexpected argument '%s': one inventory FILE per command", a);
            o.file = a;
            continue;
        }
        const char *eq = a[1] == '-' ? strchr(a, '=') : NULL;
        snprintf(name, sizeof name, "%.*s", (int)(eq ? (size_t)(eq - a) : strlen(a)), a);
        if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
            printf("usage: s7 inventory "
                   "validate|check|monitor|firewall|report|verify-firewall|audit|simulate FILE "
                   "[options]\n\n%s",
                   inv_help);
            free(o.only);
            free(o.checks);
            free(o.verifies);
            return CLI_OK;
        }
        /* flags */
        if (sub == SUB_MONITOR && strcmp(name, "--exit-on-change") == 0) {
            if (eq)
                rc = usage("%s takes no value", name);
            o.exit_on_change = 1;
            continue;
        }
        if (strcmp(name, "--json") == 0 || strcmp(name, "--allow-write") == 0) {
            if (eq)
                rc = usage("%s takes no value", name);
            else if (sub != SUB_CHECK && !(sub == SUB_VERIFY && strcmp(name, "--json") == 0))
                rc = usage("%s is an option of s7 inventory check", name);
            else if (strcmp(name, "--json") == 0)
                o.json = 1;
            else
                o.allow_write = 1;
            continue;
        }
        static const struct {
            const char *name, *alias;
            int sub;
            const char *example;
        } vopts[] = {
            {"--timeout", NULL, SUB_CHECK, "--timeout 3000"},
            {"--as", NULL, SUB_CHECK, "--as hmi1"},
            {"--connection", NULL, SUB_CHECK, "--connection hmi1-plc"},
            {"--format", NULL, SUB_FIREWALL, "--format nftables"},
            {"--host", NULL, SUB_FIREWALL, "--host plc-line"},
            {"--output", "-o", -1, "-o FILE"},
            {"--check", NULL, SUB_REPORT, "--check check.json"},
            {"--verify", NULL, SUB_REPORT, "--verify verify.json"},
            {"--router", NULL, SUB_FIREWALL, "--router fw1"},
            {"--rules", NULL, SUB_VERIFY, "--rules router.nft"},
            {"--every", NULL, SUB_MONITOR, "--every 10s"},
            {"--count", NULL, SUB_MONITOR, "--count 3"},
            {"--duration", NULL, SUB_MONITOR, "--duration 1min"},
            {"--json-lines", NULL, SUB_MONITOR, "--json-lines monitor.jsonl"},
            {"--on-change", NULL, SUB_MONITOR, "--on-change 'logger s7 changed'"},
            {"--metrics", NULL, SUB_MONITOR, "--metrics 127.0.0.1:9102"},
        };
        int k, found = -1;
        for (k = 0; k < (int)(sizeof vopts / sizeof vopts[0]); k++)
            if (strcmp(name, vopts[k].name) == 0 ||
                (vopts[k].alias && strcmp(name, vopts[k].alias) == 0))
                found = k;
        if (found < 0) {
            rc = usage("unknown option '%s' (s7 help inventory lists the options)", name);
            continue;
        }
        if (vopts[found].sub >= 0 && vopts[found].sub != sub &&
            !(sub == SUB_VERIFY && (found == 0 || found == 1)) &&
            !(sub == SUB_MONITOR && found <= 2)) {
            fprintf(stderr, "error: %s is an option of s7 inventory %s, not of %s\n", name,
                    subs[vopts[found].sub], subs[sub]);
            rc = CLI_USAGE;
            continue;
        }
        if (found == 5 && sub != SUB_FIREWALL && sub != SUB_REPORT) {
            rc = usage("%s is an option of s7 inventory firewall and report", name);
            continue;
        }
        if (eq)
            v = eq + 1;
        else if (i + 1 < argc)
            v = argv[++i];
        else {
            fprintf(stderr, "error: %s needs a value, e.g. %s\n", name, vopts[found].example);
            rc = CLI_USAGE;
            continue;
        }
        char msg[320];
        switch (found) {
        case 0:
            if (s7_duration_parse(v, 1, 1, 600000, &o.timeout_ms, NULL, 0))
                rc = usage("--timeout %s: must be 1 ms..10 min (a bare number is milliseconds), "
                           "e.g. --timeout 3000 or --timeout 3s",
                           v);
            break;
        case 1: o.as = v; break;
        case 2: o.only[o.nonly++] = v; break;
        case 3: o.format = v; break;
        case 4: o.host = v; break;
        case 5:
            if (!*v)
                rc = usage("%s", "-o: the name is empty");
            o.out = v;
            break;
        case 6: o.checks[o.nchecks++] = v; break;
        case 7: o.verifies[o.nverifies++] = v; break;
        case 8: o.router = v; break;
        case 9: o.rules = v; break;
        case 10:
            if (cli_duration_unit(name, v, 100, 86400000, &o.every_ms, msg, sizeof msg))
                rc = usage("%s", msg);
            break;
        case 11:
            if (cli_parse_long(v, 1, 100000000, &o.count))
                rc = usage("--count %s: must be a number of rounds, 1 or more", v);
            break;
        case 12:
            if (cli_duration_unit(name, v, 1, 31L * 86400000, &o.duration_ms, msg, sizeof msg))
                rc = usage("%s", msg);
            break;
        case 13: o.json_lines = v; break;
        case 14: o.on_change = v; break;
        case 15: o.metrics = v; break;
        }
    }
    if (rc == CLI_OK && !o.file)
        rc =
            usage("s7 inventory %s needs the inventory FILE, e.g. s7 inventory validate plant.yaml",
                  subs[sub]);
    if (rc == CLI_OK && sub == SUB_REPORT && !o.out)
        rc =
            usage("%s", "s7 inventory report needs -o DIR (the directory for index.html, report.md "
                        "and cells.svg)");
    if (rc == CLI_OK && o.router && o.host)
        rc = usage("%s", "--host and --router: rules are for one host or for one router");
    if (rc == CLI_OK && sub == SUB_VERIFY && !o.as)
        rc = usage("%s", "s7 inventory verify-firewall needs --as PARTNER (the partner whose paths "
                         "this host probes)");
    if (rc == CLI_OK && sub == SUB_FIREWALL && !o.format)
        rc = usage("%s", "s7 inventory firewall needs --format nftables or --format iptables");
    if (rc != CLI_OK) {
        free(o.only);
        free(o.checks);
        free(o.verifies);
        return rc;
    }

    s7_plant *p;
    char err[1024];
    size_t nerr = 0;
    if (s7_config_load_plant_each(o.file, &p, inv_print_problem, &nerr)) {
        if (nerr > 1)
            fprintf(stderr, "%s: %zu problems\n", o.file, nerr);
        fprintf(stderr, "docs/inventory.md describes the file; docs/inventory-example.yaml is a "
                        "commented example\n");
        free(o.only);
        free(o.checks);
        free(o.verifies);
        return CLI_USAGE;
    }
    for (size_t i = 0; i < o.nonly; i++)
        if (!s7_plant_find_conn(p, o.only[i])) {
            fprintf(stderr,
                    "error: --connection %s: no such connection in %s (connections:", o.only[i],
                    o.file);
            for (size_t k = 0; k < p->nconns; k++)
                fprintf(stderr, " %s", p->conns[k].name);
            fputs(")\n", stderr);
            rc = CLI_USAGE;
        }
    if (rc == CLI_OK && o.as && !s7_plant_find_partner(p, o.as)) {
        fprintf(stderr, "error: --as %s: no such partner in %s\n", o.as, o.file);
        rc = CLI_USAGE;
    }
    /* host names are resolved when the addresses are used: rules, live checks */
    if (rc == CLI_OK &&
        (sub == SUB_CHECK || sub == SUB_FIREWALL || sub == SUB_VERIFY || sub == SUB_MONITOR) &&
        s7_plant_has_unresolved(p)) {
        int r = s7_plant_resolve_hosts(p, s7_diag_plant_resolver, NULL, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "error: %s\n", err);
            rc = r == S7_ERR_RESOLVE ? CLI_FAIL : CLI_USAGE;
        }
    }
    /* the report shows addresses: names it cannot resolve stay names (a warning) */
    if (rc == CLI_OK && sub == SUB_REPORT && s7_plant_has_unresolved(p) &&
        s7_plant_resolve_hosts(p, s7_diag_plant_resolver, NULL, err, sizeof err) < 0)
        fprintf(stderr, "warning: %s\n", err);
    if (rc == CLI_OK) {
        switch (sub) {
        case SUB_VALIDATE: rc = validate(p); break;
        case SUB_CHECK: rc = inv_cmd_check(p, &o); break;
        case SUB_FIREWALL: rc = inv_cmd_firewall(p, &o); break;
        case SUB_VERIFY: rc = inv_cmd_verify(p, &o); break;
        case SUB_MONITOR: rc = inv_cmd_monitor(p, &o); break;
        default: rc = inv_cmd_report(p, &o); break;
        }
    }
    s7_plant_free(p);
    free(o.only);
    free(o.checks);
    free(o.verifies);
    return rc;
}
