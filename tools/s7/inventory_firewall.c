/* s7 inventory firewall: packet filter rules from the connection inventory.
 *
 * TCP port 102 (and any other port a partner documents) passes exactly between the
 * documented partners, in the documented direction: new connections from the active
 * partner to the passive one's port and the established traffic of those connections;
 * every other S7 packet is dropped.  The rules only take away: documented flows are not
 * accepted past the system's own rules (nftables: our own table, whose accept does not
 * override other tables; iptables: our own chain, which RETURNs documented flows to the
 * system's chain), and nothing else is touched: no flush of the system's rules.
 *
 * Two scopes (docs/inventory.md):
 *   router (default)  one FORWARD chain for a router / firewall between the cells
 *   --host PARTNER    that partner's own INPUT and OUTPUT chains
 * Formats: nftables (an `nft -f` script, table inet s7kit), iptables (a sh script around
 * `iptables-restore --noflush` with chains S7KIT-*), iptables-restore (the bare file). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "inventory.h"

enum { CH_IN, CH_OUT, CH_FWD };
enum { ST_NEW_EST, ST_EST };
enum { FMT_NFT, FMT_IPT, FMT_IPT_RESTORE };

typedef struct fw_rule {
    int chain;
    const char *saddr, *daddr;
    uint16_t dport, sport; /* one of them is set */
    int state;
    char comment[128];
} fw_rule;

typedef struct fw {
    const inv_plant *p;
    const inv_partner *host; /* NULL: router scope */
    int fmt;
    fw_rule *rules;
    size_t nrules;
    uint16_t ports[64];
    size_t nports;
} fw;

/* Printable ASCII only, no quotes or backslashes: safe inside "..." in nft and in
 * iptables-restore's quoted --comment. */
static void clean(char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7E || *s == '"' || *s == '\\' || *s == '\'' || *s == '`' ||
            *s == '$')
            *s = '_';
}

static int add_rule(fw *f, int chain, const char *saddr, const char *daddr, uint16_t dport,
                    uint16_t sport, int state, const char *comment)
{
    fw_rule *n = realloc(f->rules, (f->nrules + 1) * sizeof *n);
    if (!n)
        return -1;
    f->rules = n;
    fw_rule *r = &f->rules[f->nrules++];
    memset(r, 0, sizeof *r);
    r->chain = chain;
    r->saddr = saddr;
    r->daddr = daddr;
    r->dport = dport;
    r->sport = sport;
    r->state = state;
    snprintf(r->comment, sizeof r->comment, "%.120s", comment);
    clean(r->comment);
    return 0;
}

static void add_port(fw *f, uint16_t port)
{
    for (size_t i = 0; i < f->nports; i++)
        if (f->ports[i] == port)
            return;
    if (f->nports < sizeof f->ports / sizeof f->ports[0])
        f->ports[f->nports++] = port;
    /* keep them sorted for a stable output */
    for (size_t i = f->nports - 1; i > 0 && f->ports[i] < f->ports[i - 1]; i--) {
        uint16_t t = f->ports[i];
        f->ports[i] = f->ports[i - 1];
        f->ports[i - 1] = t;
    }
}

/* The rules of every connection for the scope. */
static int build(fw *f)
{
    const inv_plant *p = f->p;
    add_port(f, 102);
    for (size_t i = 0; i < p->npartners; i++)
        add_port(f, p->partners[i].port);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const inv_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        char fwd[160], back[160];
        snprintf(fwd, sizeof fwd, "%s: %s -> %s:%u", c->name, a->name, pp->name, pp->port);
        snprintf(back, sizeof back, "%s: %s:%u replies to %s", c->name, pp->name, pp->port, a->name);
        int rc = 0;
        if (!f->host) {
            rc |= add_rule(f, CH_FWD, a->address, pp->address, pp->port, 0, ST_NEW_EST, fwd);
            rc |= add_rule(f, CH_FWD, pp->address, a->address, 0, pp->port, ST_EST, back);
        } else {
            /* a partner connecting to itself is rejected by the loader: at most one applies */
            if (pp == f->host) {
                rc |= add_rule(f, CH_IN, a->address, pp->address, pp->port, 0, ST_NEW_EST, fwd);
                rc |= add_rule(f, CH_OUT, pp->address, a->address, 0, pp->port, ST_EST, back);
            }
            if (a == f->host) {
                rc |= add_rule(f, CH_OUT, a->address, pp->address, pp->port, 0, ST_NEW_EST, fwd);
                rc |= add_rule(f, CH_IN, pp->address, a->address, 0, pp->port, ST_EST, back);
            }
        }
        if (rc)
            return -1;
    }
    return 0;
}

static const char *ports_text(const fw *f, char *buf, size_t cap)
{
    size_t l = 0;
    buf[0] = 0;
    for (size_t i = 0; i < f->nports && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%u", i ? ", " : "", f->ports[i]);
    return buf;
}

/* A line of text for a '#' comment: control characters become spaces. */
static void comment_text(FILE *o, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++)
        fputc(*c < 0x20 || *c == 0x7F ? ' ' : *c, o);
}

/* The header: what the file is, for which scope, and every connection it serves. */
static void header(const fw *f, FILE *o, const char *apply, const char *remove)
{
    const inv_plant *p = f->p;
    char buf[200], cyc[32], tsap[16];
    fputs("# S7 firewall rules from the connection inventory ", o);
    comment_text(o, p->file);
    fputs("\n# plant: ", o);
    comment_text(o, p->plant);
    if (p->revision) {
        fputs(", revision ", o);
        comment_text(o, p->revision);
    }
    fprintf(o, "\n# generated by s7 %s: s7 inventory firewall --format %s%s%s\n#\n",
            S7_CLI_VERSION,
            f->fmt == FMT_NFT ? "nftables" : f->fmt == FMT_IPT ? "iptables" : "iptables-restore",
            f->host ? " --host " : "", f->host ? f->host->name : "");
    if (f->host)
        fprintf(o, "# Scope: the host %s (%s) itself: its INPUT and OUTPUT traffic.\n", f->host->name,
                f->host->address);
    else
        fputs("# Scope: a router / firewall between the cells: traffic it FORWARDs.\n", o);
    fprintf(o, "# TCP port(s) %s pass only for the connections below: new connections from the\n"
               "# active partner to the passive one, and their established traffic.  Every other\n"
               "# packet to or from these ports is dropped.  These rules only take away: documented\n"
               "# traffic still has to pass the system's own rules; nothing else is changed.\n#\n",
            ports_text(f, buf, sizeof buf));
    size_t shown = 0;
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const inv_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        if (f->host && a != f->host && pp != f->host)
            continue;
        shown++;
        fprintf(o, "# connection %s: %s (%s) -> %s (%s:%u), type %s, TSAPs %s\n", c->name, a->name,
                a->address, pp->name, pp->address, pp->port, inv_type_name(c->type),
                inv_tsap_text(c->local_tsap, c->remote_tsap, tsap, sizeof tsap));
        for (size_t e = 0; e < c->nex; e++) {
            const inv_exchange *x = &c->ex[e];
            fprintf(o, "#     %s", inv_dir_name(x->dir));
            for (size_t r = 0; r < x->nranges; r++)
                fprintf(o, "%s%s", r ? ", " : " ", inv_range_text(&x->ranges[r], buf, sizeof buf));
            fprintf(o, " (%s)", inv_cycle_text(x->cycle_ms, cyc, sizeof cyc));
            if (x->description) {
                fputs(": ", o);
                comment_text(o, x->description);
            }
            fputc('\n', o);
        }
    }
    if (!shown)
        fputs("# (no documented connection: every S7 packet is dropped)\n", o);
    fprintf(o, "#\n# Apply:  %s\n# Remove: %s\n", apply, remove);
}

/* ---------------------------------------------------------------- nftables */

static void nft_rule(FILE *o, const fw_rule *r)
{
    fprintf(o, "\t\tip saddr %s ip daddr %s tcp %s %u ct state %s accept comment \"%s\"\n", r->saddr,
            r->daddr, r->dport ? "dport" : "sport", r->dport ? r->dport : r->sport,
            r->state == ST_NEW_EST ? "new,established" : "established", r->comment);
}

static void nft_chain(const fw *f, FILE *o, int chain)
{
    const char *name = chain == CH_IN ? "input" : chain == CH_OUT ? "output" : "forward";
    char ports[200], set[220];
    ports_text(f, ports, sizeof ports);
    if (f->nports > 1)
        snprintf(set, sizeof set, "{ %s }", ports);
    else
        snprintf(set, sizeof set, "%s", ports);
    fprintf(o, "\tchain %s {\n\t\ttype filter hook %s priority filter; policy accept;\n", name, name);
    if (chain == CH_IN)
        fputs("\t\tiifname \"lo\" accept comment \"loopback is no network path\"\n", o);
    if (chain == CH_OUT)
        fputs("\t\toifname \"lo\" accept comment \"loopback is no network path\"\n", o);
    for (size_t i = 0; i < f->nrules; i++)
        if (f->rules[i].chain == chain)
            nft_rule(o, &f->rules[i]);
    fprintf(o, "\t\ttcp dport %s drop comment \"S7 connection not in the inventory\"\n", set);
    fprintf(o, "\t\ttcp sport %s drop comment \"S7 traffic not in the inventory\"\n", set);
    fputs("\t}\n", o);
}

static void nftables(const fw *f, FILE *o)
{
    fputs("#!/usr/sbin/nft -f\n", o);
    header(f, o, "nft -f THIS_FILE   (replaces only the table inet s7kit)",
           "nft delete table inet s7kit");
    fputs("\n# create the table if it is missing, then drop it: the file replaces it atomically\n"
          "table inet s7kit\ndelete table inet s7kit\n\ntable inet s7kit {\n",
          o);
    if (f->host) {
        nft_chain(f, o, CH_IN);
        nft_chain(f, o, CH_OUT);
    } else {
        nft_chain(f, o, CH_FWD);
    }
    fputs("}\n", o);
}

/* ---------------------------------------------------------------- iptables */

static const char *ipt_chain(int chain)
{
    return chain == CH_IN ? "S7KIT-IN" : chain == CH_OUT ? "S7KIT-OUT" : "S7KIT-FWD";
}

static const char *ipt_builtin(int chain)
{
    return chain == CH_IN ? "INPUT" : chain == CH_OUT ? "OUTPUT" : "FORWARD";
}

static void ipt_rules(const fw *f, FILE *o, int chain)
{
    const char *n = ipt_chain(chain);
    if (chain == CH_IN)
        fprintf(o, "-A %s -i lo -m comment --comment \"loopback is no network path\" -j RETURN\n", n);
    if (chain == CH_OUT)
        fprintf(o, "-A %s -o lo -m comment --comment \"loopback is no network path\" -j RETURN\n", n);
    for (size_t i = 0; i < f->nrules; i++) {
        const fw_rule *r = &f->rules[i];
        if (r->chain != chain)
            continue;
        fprintf(o, "-A %s -s %s/32 -d %s/32 -p tcp -m tcp --%s %u -m conntrack --ctstate %s "
                   "-m comment --comment \"%s\" -j RETURN\n",
                n, r->saddr, r->daddr, r->dport ? "dport" : "sport", r->dport ? r->dport : r->sport,
                r->state == ST_NEW_EST ? "NEW,ESTABLISHED" : "ESTABLISHED", r->comment);
    }
    for (size_t i = 0; i < f->nports; i++)
        fprintf(o, "-A %s -p tcp -m tcp --dport %u -m comment --comment \"S7 connection not in the "
                   "inventory\" -j DROP\n",
                n, f->ports[i]);
    for (size_t i = 0; i < f->nports; i++)
        fprintf(o, "-A %s -p tcp -m tcp --sport %u -m comment --comment \"S7 traffic not in the "
                   "inventory\" -j DROP\n",
                n, f->ports[i]);
}

/* The *filter block: our chains declared (created, or emptied when they exist) and filled. */
static void ipt_table(const fw *f, FILE *o)
{
    int chains[2], nch = 0;
    if (f->host) {
        chains[nch++] = CH_IN;
        chains[nch++] = CH_OUT;
    } else {
        chains[nch++] = CH_FWD;
    }
    fputs("*filter\n", o);
    for (int i = 0; i < nch; i++)
        fprintf(o, ":%s - [0:0]\n", ipt_chain(chains[i]));
    for (int i = 0; i < nch; i++)
        ipt_rules(f, o, chains[i]);
    fputs("COMMIT\n", o);
}

static void iptables(const fw *f, FILE *o)
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
    header(f, o, "sh THIS_FILE   (as root; IPTABLES=iptables-legacy sh THIS_FILE for the legacy "
                 "backend)",
           remove);
    fputs("# IPv4 only: iptables does not see IPv6; block TCP 102 with ip6tables separately if the\n"
          "# hosts have IPv6 addresses (the nftables format covers both).\n"
          "# Documented flows RETURN to the system's chain (never ACCEPT past its rules).\n\n"
          "set -e\n"
          "IPTABLES=\"${IPTABLES:-iptables}\"\n"
          "IPTABLES_RESTORE=\"${IPTABLES_RESTORE:-$IPTABLES-restore}\"\n\n"
          "# our chains only, atomically: --noflush keeps every other rule of the system\n"
          "\"$IPTABLES_RESTORE\" --noflush <<'S7KIT_RULES'\n",
          o);
    ipt_table(f, o);
    fputs("S7KIT_RULES\n\n# the jump into our chains, once (a second run does not add another)\n", o);
    int chains[2] = {f->host ? CH_IN : CH_FWD, CH_OUT};
    for (int i = 0; i < (f->host ? 2 : 1); i++)
        fprintf(o, "\"$IPTABLES\" -C %s -j %s 2>/dev/null || \"$IPTABLES\" -I %s 1 -j %s\n",
                ipt_builtin(chains[i]), ipt_chain(chains[i]), ipt_builtin(chains[i]),
                ipt_chain(chains[i]));
}

static void iptables_restore(const fw *f, FILE *o)
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
    header(f, o, apply,
           f->host ? "iptables -D INPUT -j S7KIT-IN; iptables -D OUTPUT -j S7KIT-OUT; then -F and "
                     "-X both chains"
                   : "iptables -D FORWARD -j S7KIT-FWD; iptables -F S7KIT-FWD; iptables -X "
                     "S7KIT-FWD");
    fputs("# Without --noflush iptables-restore would replace the whole filter table.\n"
          "# IPv4 only; documented flows RETURN to the system's chain.\n",
          o);
    ipt_table(f, o);
}

/* ---------------------------------------------------------------- command */

int inv_cmd_firewall(const inv_plant *p, const inv_opts *o)
{
    fw f;
    memset(&f, 0, sizeof f);
    f.p = p;
    if (!o->format)
        return cli_usage_error(NULL, "s7 inventory firewall needs --format nftables or --format "
                                     "iptables (or iptables-restore)");
    if (strcmp(o->format, "nftables") == 0 || strcmp(o->format, "nft") == 0)
        f.fmt = FMT_NFT;
    else if (strcmp(o->format, "iptables") == 0)
        f.fmt = FMT_IPT;
    else if (strcmp(o->format, "iptables-restore") == 0)
        f.fmt = FMT_IPT_RESTORE;
    else
        return cli_usage_error(NULL, "--format %s: expected nftables, iptables (a sh script) or "
                                     "iptables-restore (the bare file)",
                               o->format);
    if (o->host) {
        if (!(f.host = inv_find_partner(p, o->host))) {
            fprintf(stderr, "error: --host %s: no such partner in %s (partners:", o->host, p->file);
            for (size_t i = 0; i < p->npartners; i++)
                fprintf(stderr, " %s", p->partners[i].name);
            fputs(")\n", stderr);
            return CLI_USAGE;
        }
    }
    if (build(&f)) {
        free(f.rules);
        fprintf(stderr, "error: out of memory\n");
        return CLI_FAIL;
    }
    FILE *out = stdout;
    if (o->out && !(out = fopen(o->out, "w"))) {
        fprintf(stderr, "error: cannot write %s: %s\n", o->out, strerror(errno));
        free(f.rules);
        return CLI_FAIL;
    }
    if (f.fmt == FMT_NFT)
        nftables(&f, out);
    else if (f.fmt == FMT_IPT)
        iptables(&f, out);
    else
        iptables_restore(&f, out);
    int bad = ferror(out);
    if (out != stdout)
        bad |= fclose(out) != 0;
    else
        bad |= fflush(out) != 0;
    free(f.rules);
    if (bad) {
        fprintf(stderr, "error: writing %s failed: %s\n", o->out ? o->out : "the rules",
                strerror(errno));
        return CLI_FAIL;
    }
    if (o->out)
        fprintf(stderr, "%s: %zu connection rules for %s written to %s\n",
                f.fmt == FMT_NFT ? "nftables" : "iptables", f.nrules,
                f.host ? f.host->name : "the router between the cells", o->out);
    return CLI_OK;
}
