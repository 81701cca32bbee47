/* s7kit firewall rules: the iptables renderers.  Our own chains S7KIT-IN / -OUT / -FWD,
 * loaded with iptables-restore and ip6tables-restore --noflush (every other rule of the
 * system stays), in which documented flows RETURN to the system's chain (never ACCEPT past
 * its rules): as a sh script that loads both families (iptables), or as the bare file of
 * one family (iptables-restore, ip6tables-restore).  IPv4 rules go to iptables, IPv6 ones
 * to ip6tables; the S7 ports are dropped in both. */
#include <stdio.h>

#include "plant/fw_int.h"
#include "s7/plant.h"

static const char *ipt_chain(int chain)
{
    return chain == S7_FW_INPUT ? "S7KIT-IN" : chain == S7_FW_OUTPUT ? "S7KIT-OUT" : "S7KIT-FWD";
}

static const char *ipt_builtin(int chain)
{
    return chain == S7_FW_INPUT ? "INPUT" : chain == S7_FW_OUTPUT ? "OUTPUT" : "FORWARD";
}

static void ipt_rules(const s7_fw *f, FILE *o, int chain, int family)
{
    const char *n = ipt_chain(chain);
    int bits = family == S7_PLANT_AF_INET6 ? 128 : 32;
    if (chain == S7_FW_INPUT)
        fprintf(o, "-A %s -i lo -m comment --comment \"loopback is no network path\" -j RETURN\n",
                n);
    if (chain == S7_FW_OUTPUT)
        fprintf(o, "-A %s -o lo -m comment --comment \"loopback is no network path\" -j RETURN\n",
                n);
    /* anti-spoofing first: an S7 packet entering from outside the interface's cell */
    for (size_t g = 0; chain == S7_FW_FORWARD && g < f->nguards; g++) {
        const s7_fw_guard *gd = &f->guards[g];
        if (gd->family != family)
            continue;
        for (size_t i = 0; i < f->nports; i++)
            for (int dir = 0; dir < 2; dir++)
                fprintf(o,
                        "-A %s -i %s ! -s %s -p tcp -m tcp --%s %u -m comment --comment \"%s\" "
                        "-j DROP\n",
                        n, gd->iif, gd->net, dir ? "sport" : "dport", f->ports[i], gd->comment);
    }
    for (size_t i = 0; i < f->nrules; i++) {
        const s7_fw_rule *r = &f->rules[i];
        if (r->chain != chain || r->family != family)
            continue;
        fprintf(o, "-A %s", n);
        if (r->iif)
            fprintf(o, " -i %s", r->iif);
        if (r->oif)
            fprintf(o, " -o %s", r->oif);
        fprintf(o,
                " -s %s/%d -d %s/%d -p tcp -m tcp --%s %u -m conntrack --ctstate %s "
                "-m comment --comment \"%s\" -j RETURN\n",
                r->saddr, bits, r->daddr, bits, r->dport ? "dport" : "sport",
                r->dport ? r->dport : r->sport,
                r->state == S7_FW_NEW_ESTABLISHED ? "NEW,ESTABLISHED" : "ESTABLISHED", r->comment);
    }
    for (size_t i = 0; i < f->nports; i++)
        fprintf(o,
                "-A %s -p tcp -m tcp --dport %u -m comment --comment \"S7 connection not in the "
                "inventory\" -j DROP\n",
                n, f->ports[i]);
    for (size_t i = 0; i < f->nports; i++)
        fprintf(o,
                "-A %s -p tcp -m tcp --sport %u -m comment --comment \"S7 traffic not in the "
                "inventory\" -j DROP\n",
                n, f->ports[i]);
}

/* The *filter block of one family: our chains declared (created, or emptied when they
 * exist) and filled. */
static void ipt_table(const s7_fw *f, FILE *o, int family)
{
    int chains[2], nch = 0;
    if (f->host) {
        chains[nch++] = S7_FW_INPUT;
        chains[nch++] = S7_FW_OUTPUT;
    } else {
        chains[nch++] = S7_FW_FORWARD;
    }
    fputs("*filter\n", o);
    for (int i = 0; i < nch; i++)
        fprintf(o, ":%s - [0:0]\n", ipt_chain(chains[i]));
    for (int i = 0; i < nch; i++)
        ipt_rules(f, o, chains[i], family);
    fputs("COMMIT\n", o);
}

static void ipt_jumps(const s7_fw *f, FILE *o, const char *var)
{
    int chains[2] = {f->host ? S7_FW_INPUT : S7_FW_FORWARD, S7_FW_OUTPUT};
    for (int i = 0; i < (f->host ? 2 : 1); i++)
        fprintf(o, "\"$%s\" -C %s -j %s 2>/dev/null || \"$%s\" -I %s 1 -j %s\n", var,
                ipt_builtin(chains[i]), ipt_chain(chains[i]), var, ipt_builtin(chains[i]),
                ipt_chain(chains[i]));
}

void s7__fw_iptables(const s7_fw *f, const s7_fw_render_opts *op, FILE *o)
{
    char remove[600];
    if (f->host)
        snprintf(remove, sizeof remove,
                 "for T in iptables ip6tables; do $T -D INPUT -j S7KIT-IN; $T -D OUTPUT -j "
                 "S7KIT-OUT;\n"
                 "#         $T -F S7KIT-IN; $T -F S7KIT-OUT; $T -X S7KIT-IN; $T -X S7KIT-OUT; "
                 "done");
    else
        snprintf(remove, sizeof remove,
                 "for T in iptables ip6tables; do $T -D FORWARD -j S7KIT-FWD; $T -F S7KIT-FWD;\n"
                 "#         $T -X S7KIT-FWD; done");
    fputs("#!/bin/sh\n", o);
    s7__fw_header(f, S7_FW_IPTABLES, op, o,
                  "sh THIS_FILE   (as root; IPTABLES=iptables-legacy sh THIS_FILE for the legacy "
                  "backend)",
                  remove);
    fputs("# IPv4 rules go to iptables, IPv6 rules to ip6tables: both drop the S7 ports.\n"
          "# Documented flows RETURN to the system's chain (never ACCEPT past its rules).\n\n"
          "set -e\n"
          "IPTABLES=\"${IPTABLES:-iptables}\"\n"
          "IPTABLES_RESTORE=\"${IPTABLES_RESTORE:-$IPTABLES-restore}\"\n"
          "# ip6tables of the same backend: iptables-legacy -> ip6tables-legacy\n"
          "IP6TABLES=\"${IP6TABLES:-${IPTABLES%iptables*}ip6tables${IPTABLES##*iptables}}\"\n"
          "IP6TABLES_RESTORE=\"${IP6TABLES_RESTORE:-$IP6TABLES-restore}\"\n"
          "if ! command -v \"$IP6TABLES_RESTORE\" >/dev/null 2>&1; then\n"
          "    echo \"error: $IP6TABLES_RESTORE not found: IPv6 TCP 102 would stay open; "
          "install it (Debian: iptables) or use --format nftables\" >&2\n"
          "    exit 1\n"
          "fi\n\n"
          "# our chains only, atomically: --noflush keeps every other rule of the system\n"
          "\"$IPTABLES_RESTORE\" --noflush <<'S7KIT_RULES'\n",
          o);
    ipt_table(f, o, S7_PLANT_AF_INET);
    fputs("S7KIT_RULES\n\n# IPv6\n\"$IP6TABLES_RESTORE\" --noflush <<'S7KIT_RULES6'\n", o);
    ipt_table(f, o, S7_PLANT_AF_INET6);
    fputs("S7KIT_RULES6\n\n# the jump into our chains, once (a second run does not add another)\n",
          o);
    ipt_jumps(f, o, "IPTABLES");
    ipt_jumps(f, o, "IP6TABLES");
}

void s7__fw_iptables_restore(const s7_fw *f, const s7_fw_render_opts *op, FILE *o, int family)
{
    char apply[400], remove[300];
    const char *t = family == S7_PLANT_AF_INET6 ? "ip6tables" : "iptables";
    if (f->host) {
        snprintf(apply, sizeof apply,
                 "%s-restore --noflush THIS_FILE, then once:\n"
                 "#         %s -I INPUT 1 -j S7KIT-IN; %s -I OUTPUT 1 -j S7KIT-OUT",
                 t, t, t);
        snprintf(remove, sizeof remove,
                 "%s -D INPUT -j S7KIT-IN; %s -D OUTPUT -j S7KIT-OUT; then -F and -X both chains",
                 t, t);
    } else {
        snprintf(apply, sizeof apply,
                 "%s-restore --noflush THIS_FILE, then once: %s -I FORWARD 1 -j S7KIT-FWD", t, t);
        snprintf(remove, sizeof remove,
                 "%s -D FORWARD -j S7KIT-FWD; %s -F S7KIT-FWD; %s -X S7KIT-FWD", t, t, t);
    }
    s7__fw_header(f, family == S7_PLANT_AF_INET6 ? S7_FW_IP6TABLES_RESTORE : S7_FW_IPTABLES_RESTORE,
                  op, o, apply, remove);
    fprintf(o,
            "# Without --noflush %s-restore would replace the whole filter table.\n"
            "# %s only: %s; documented flows RETURN to the system's chain.\n",
            t, family == S7_PLANT_AF_INET6 ? "IPv6" : "IPv4",
            family == S7_PLANT_AF_INET6 ? "--format iptables-restore makes the IPv4 file"
                                        : "--format ip6tables-restore makes the IPv6 file (load "
                                          "both, or IPv6 TCP 102 stays open)");
    ipt_table(f, o, family);
}
