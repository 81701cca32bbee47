/* s7kit firewall rules: the iptables renderers.  Our own chains S7KIT-IN / -OUT / -FWD,
 * loaded with iptables-restore --noflush (every other rule of the system stays), in which
 * documented flows RETURN to the system's chain (never ACCEPT past its rules): as a sh
 * script (iptables) or as the bare file (iptables-restore). */
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

static void ipt_rules(const s7_fw *f, FILE *o, int chain)
{
    const char *n = ipt_chain(chain);
    if (chain == S7_FW_INPUT)
        fprintf(o, "-A %s -i lo -m comment --comment \"loopback is no network path\" -j RETURN\n",
                n);
    if (chain == S7_FW_OUTPUT)
        fprintf(o, "-A %s -o lo -m comment --comment \"loopback is no network path\" -j RETURN\n",
                n);
    for (size_t i = 0; i < f->nrules; i++) {
        const s7_fw_rule *r = &f->rules[i];
        if (r->chain != chain)
            continue;
        fprintf(o,
                "-A %s -s %s/32 -d %s/32 -p tcp -m tcp --%s %u -m conntrack --ctstate %s "
                "-m comment --comment \"%s\" -j RETURN\n",
                n, r->saddr, r->daddr, r->dport ? "dport" : "sport", r->dport ? r->dport : r->sport,
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

/* The *filter block: our chains declared (created, or emptied when they exist) and filled. */
static void ipt_table(const s7_fw *f, FILE *o)
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
        ipt_rules(f, o, chains[i]);
    fputs("COMMIT\n", o);
}

void s7__fw_iptables(const s7_fw *f, const s7_fw_render_opts *op, FILE *o)
{
    char remove[400];
    if (f->host)
        snprintf(remove, sizeof remove,
                 "iptables -D INPUT -j S7KIT-IN; iptables -D OUTPUT -j S7KIT-OUT;\n"
                 "#         iptables -F S7KIT-IN; iptables -F S7KIT-OUT; iptables -X S7KIT-IN; "
                 "iptables -X S7KIT-OUT");
    else
        snprintf(remove, sizeof remove,
                 "iptables -D FORWARD -j S7KIT-FWD; iptables -F S7KIT-FWD; iptables -X S7KIT-FWD");
    fputs("#!/bin/sh\n", o);
    s7__fw_header(f, S7_FW_IPTABLES, op, o,
                  "sh THIS_FILE   (as root; IPTABLES=iptables-legacy sh THIS_FILE for the legacy "
                  "backend)",
                  remove);
    fputs(
        "# IPv4 only: iptables does not see IPv6; block TCP 102 with ip6tables separately if the\n"
        "# hosts have IPv6 addresses (the nftables format covers both).\n"
        "# Documented flows RETURN to the system's chain (never ACCEPT past its rules).\n\n"
        "set -e\n"
        "IPTABLES=\"${IPTABLES:-iptables}\"\n"
        "IPTABLES_RESTORE=\"${IPTABLES_RESTORE:-$IPTABLES-restore}\"\n\n"
        "# our chains only, atomically: --noflush keeps every other rule of the system\n"
        "\"$IPTABLES_RESTORE\" --noflush <<'S7KIT_RULES'\n",
        o);
    ipt_table(f, o);
    fputs("S7KIT_RULES\n\n# the jump into our chains, once (a second run does not add another)\n",
          o);
    int chains[2] = {f->host ? S7_FW_INPUT : S7_FW_FORWARD, S7_FW_OUTPUT};
    for (int i = 0; i < (f->host ? 2 : 1); i++)
        fprintf(o, "\"$IPTABLES\" -C %s -j %s 2>/dev/null || \"$IPTABLES\" -I %s 1 -j %s\n",
                ipt_builtin(chains[i]), ipt_chain(chains[i]), ipt_builtin(chains[i]),
                ipt_chain(chains[i]));
}

void s7__fw_iptables_restore(const s7_fw *f, const s7_fw_render_opts *op, FILE *o)
{
    char apply[300];
    if (f->host)
        snprintf(apply, sizeof apply,
                 "iptables-restore --noflush THIS_FILE, then once:\n"
                 "#         iptables -I INPUT 1 -j S7KIT-IN; iptables -I OUTPUT 1 -j S7KIT-OUT");
    else
        snprintf(apply, sizeof apply,
                 "iptables-restore --noflush THIS_FILE, then once: iptables -I FORWARD 1 -j "
                 "S7KIT-FWD");
    s7__fw_header(f, S7_FW_IPTABLES_RESTORE, op, o, apply,
                  f->host ? "iptables -D INPUT -j S7KIT-IN; iptables -D OUTPUT -j S7KIT-OUT; then "
                            "-F and -X both chains"
                          : "iptables -D FORWARD -j S7KIT-FWD; iptables -F S7KIT-FWD; iptables -X "
                            "S7KIT-FWD");
    fputs("# Without --noflush iptables-restore would replace the whole filter table.\n"
          "# IPv4 only; documented flows RETURN to the system's chain.\n",
          o);
    ipt_table(f, o);
}
