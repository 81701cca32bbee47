/* s7kit firewall rules as data (include/s7/plant.h s7_fw_*): from a validated plant, the
 * TCP flows that pass.  Per connection: new connections from the active partner to the
 * passive one's port and the established traffic back; every other packet to or from the
 * plant's S7 ports is dropped by the renderers (fw_nft.c, fw_ipt.c).  Two scopes: a router
 * between the cells (FORWARD) or one partner's own INPUT and OUTPUT.  No I/O but the
 * caller's FILE *. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant/fw_int.h"
#include "s7/plant.h"
#include "util/text.h"

/* The longest rule comment in characters (nft refuses more than 128). */
#define FW_COMMENT_MAX 120

/* Printable ASCII only, no quotes or backslashes: safe inside "..." in nft and in
 * iptables-restore's quoted --comment. */
static void clean(char *s)
{
    for (; *s; s++)
        if (*s < 0x20 || *s > 0x7E || *s == '"' || *s == '\\' || *s == '\'' || *s == '`' ||
            *s == '$')
            *s = '_';
}

static int add_rule(s7_fw *f, int chain, const char *saddr, const char *daddr, uint16_t dport,
                    uint16_t sport, int state, size_t conn, const char *comment, int family,
                    const char *iif, const char *oif)
{
    s7_fw_rule *n = realloc(f->rules, (f->nrules + 1) * sizeof *n);
    if (!n)
        return -1;
    f->rules = n;
    s7_fw_rule *r = &f->rules[f->nrules++];
    memset(r, 0, sizeof *r);
    r->chain = chain;
    r->saddr = saddr;
    r->daddr = daddr;
    r->dport = dport;
    r->sport = sport;
    r->state = state;
    r->conn = conn;
    r->family = family;
    r->iif = iif;
    r->oif = oif;
    /* the callers fit it (fit_comment); cut here only at a character boundary */
    snprintf(r->comment, sizeof r->comment, "%.*s", (int)s7__utf8_prefix(comment, FW_COMMENT_MAX),
             comment);
    clean(r->comment);
    if (family == S7_PLANT_AF_INET6)
        f->has_v6 = 1;
    return 0;
}

static void add_port(s7_fw *f, uint16_t port)
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

/* "hmi1" or "hmi1 (hmi1.plant.local)": the name in comments, with the host name when the
 * address came from (or goes with) one. */
/* Piece i of a comment: whole when keep >= its length, else its first keep - 3
 * characters and "..." (a visible cut). */
static void piece(char *buf, size_t cap, const char *s, size_t keep)
{
    size_t n = strlen(s); /* names and host names are ASCII (s7_plant_name_ok) */
    if (keep >= n)
        snprintf(buf, cap, "%s", s);
    else
        snprintf(buf, cap, "%.*s...", (int)s7__utf8_prefix(s, keep > 3 ? keep - 3 : 0), s);
}

/* A rule's comment within FW_COMMENT_MAX characters (nft takes 128 at most, iptables' comment
 * match 255): "CONN: A -> P:PORT", or back "CONN: P:PORT replies to A".  When it is longer,
 * the longest of the three names loses characters first, each cut shown by "..."; the port
 * and the words between always stay. */
static void fit_comment(char *out, size_t cap, int back, const char *conn, const char *a,
                        const char *p, unsigned port)
{
    const char *s[3] = {conn, a, p};
    size_t keep[3] = {strlen(conn), strlen(a), strlen(p)};
    char x[3][300];
    for (;;) {
        for (int i = 0; i < 3; i++)
            piece(x[i], sizeof x[i], s[i], keep[i]);
        if (back)
            snprintf(out, cap, "%s: %s:%u replies to %s", x[0], x[2], port, x[1]);
        else
            snprintf(out, cap, "%s: %s -> %s:%u", x[0], x[1], x[2], port);
        int longest = 0;
        for (int i = 1; i < 3; i++)
            if (keep[i] > keep[longest])
                longest = i;
        if (strlen(out) <= FW_COMMENT_MAX || keep[longest] <= 8)
            return;
        keep[longest]--; /* a cut name shows keep - 3 characters and "..." */
    }
}

static const char *who(const s7_plant_partner *pt, char *buf, size_t cap)
{
    if (pt->host)
        snprintf(buf, cap, "%s (%s)", pt->name, pt->host);
    else
        snprintf(buf, cap, "%s", pt->name);
    return buf;
}

/* The router's interface on a cell, NULL when it has none there. */
static const s7_plant_router_if *if_on(const s7_plant_router *r, size_t cell)
{
    for (size_t i = 0; r && i < r->nifs; i++)
        if (r->ifs[i].cell == cell)
            return &r->ifs[i];
    return NULL;
}

static int add_guards(s7_fw *f)
{
    const s7_plant *p = f->plant;
    const s7_plant_router *r = f->router;
    for (size_t i = 0; r && i < r->nifs; i++) {
        const s7_plant_router_if *ri = &r->ifs[i];
        const s7_plant_cell *c = &p->cells[ri->cell];
        for (int fam = 4; fam <= 6; fam += 2) {
            s7_plant_addr a, net;
            int prefix;
            memset(&a, 0, sizeof a);
            if (fam == 4 && c->has_subnet) {
                a.family = S7_PLANT_AF_INET;
                a.ip = c->net;
                prefix = c->prefix;
            } else if (fam == 4 && ri->has_v4) {
                a.family = S7_PLANT_AF_INET;
                a.ip = ri->ip & (ri->prefix ? 0xFFFFFFFFu << (32 - ri->prefix) : 0);
                prefix = ri->prefix;
            } else if (fam == 6 && (c->has_subnet6 || ri->has_v6)) {
                a.family = S7_PLANT_AF_INET6;
                memcpy(a.ip6, c->has_subnet6 ? c->net6 : ri->ip6, 16);
                prefix = c->has_subnet6 ? c->prefix6 : ri->prefix6;
                for (int b = prefix; b < 128; b++)
                    a.ip6[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
            } else {
                continue;
            }
            net = a;
            if (fam == 4)
                snprintf(net.text, sizeof net.text, "%u.%u.%u.%u", a.ip >> 24, (a.ip >> 16) & 0xFF,
                         (a.ip >> 8) & 0xFF, a.ip & 0xFF);
            else
                s7_plant_ipv6_text(a.ip6, net.text, sizeof net.text);
            s7_fw_guard *g = realloc(f->guards, (f->nguards + 1) * sizeof *g);
            if (!g)
                return -1;
            f->guards = g;
            g = &f->guards[f->nguards++];
            memset(g, 0, sizeof *g);
            g->family = a.family;
            g->iif = ri->name;
            snprintf(g->net, sizeof g->net, "%s/%d", net.text, prefix);
            snprintf(g->comment, sizeof g->comment,
                     "anti-spoofing: S7 from %.20s must come from cell %.40s", ri->name, c->name);
            clean(g->comment);
        }
    }
    return 0;
}

int s7_fw_build(const s7_plant *p, const char *name, s7_fw **out)
{
    *out = NULL;
    s7_fw *f = calloc(1, sizeof *f);
    if (!f)
        return S7_ERR_NOMEM;
    f->plant = p;
    if (name && !(f->host = s7_plant_find_partner(p, name))) {
        for (size_t i = 0; i < p->nrouters && !f->router; i++)
            if (p->routers[i].name && strcmp(p->routers[i].name, name) == 0)
                f->router = &p->routers[i];
        if (!f->router) {
            free(f);
            return S7_ERR_INVAL;
        }
    }
    if (!name && p->nrouters == 1)
        f->router = &p->routers[0];
    for (size_t i = 0; i < p->npartners; i++)
        if (!p->partners[i].address[0]) {
            free(f);
            return S7_ERR_RESOLVE;
        }
    add_port(f, 102);
    for (size_t i = 0; i < p->npartners; i++)
        add_port(f, p->partners[i].port);
    int rc = f->host ? 0 : add_guards(f);
    for (size_t i = 0; i < p->nconns && !rc; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        char fwd[1024], back[1024], wa[300], wp[300];
        who(a, wa, sizeof wa);
        who(pp, wp, sizeof wp);
        fit_comment(fwd, sizeof fwd, 0, c->name, wa, wp, pp->port);
        fit_comment(back, sizeof back, 1, c->name, wa, wp, pp->port);
        int fam = a->family;
        if (!f->host) {
            if (a->cell == pp->cell) { /* inside one cell: never through the router */
                size_t *l = realloc(f->local, (f->nlocal + 1) * sizeof *l);
                if (!l) {
                    rc = -1;
                    break;
                }
                f->local = l;
                f->local[f->nlocal++] = i;
                continue;
            }
            const s7_plant_router_if *ia = if_on(f->router, a->cell);
            const s7_plant_router_if *ip = if_on(f->router, pp->cell);
            const char *na = ia ? ia->name : NULL, *np = ip ? ip->name : NULL;
            rc |= add_rule(f, S7_FW_FORWARD, a->address, pp->address, pp->port, 0,
                           S7_FW_NEW_ESTABLISHED, i, fwd, fam, na, np);
            rc |= add_rule(f, S7_FW_FORWARD, pp->address, a->address, 0, pp->port,
                           S7_FW_ESTABLISHED, i, back, fam, np, na);
        } else {
            /* a partner connecting to itself is refused by validation: at most one applies */
            if (pp == f->host) {
                rc |= add_rule(f, S7_FW_INPUT, a->address, pp->address, pp->port, 0,
                               S7_FW_NEW_ESTABLISHED, i, fwd, fam, NULL, NULL);
                rc |= add_rule(f, S7_FW_OUTPUT, pp->address, a->address, 0, pp->port,
                               S7_FW_ESTABLISHED, i, back, fam, NULL, NULL);
            }
            if (a == f->host) {
                rc |= add_rule(f, S7_FW_OUTPUT, a->address, pp->address, pp->port, 0,
                               S7_FW_NEW_ESTABLISHED, i, fwd, fam, NULL, NULL);
                rc |= add_rule(f, S7_FW_INPUT, pp->address, a->address, 0, pp->port,
                               S7_FW_ESTABLISHED, i, back, fam, NULL, NULL);
            }
        }
    }
    if (rc) {
        s7_fw_free(f);
        return S7_ERR_NOMEM;
    }
    *out = f;
    return 0;
}

long s7_fw_match(const s7_fw *f, const char *saddr, const char *daddr, uint16_t dport)
{
    s7_plant_addr s, d;
    if (!f || s7_plant_parse_addr(saddr, &s) || s7_plant_parse_addr(daddr, &d))
        return -1;
    for (size_t i = 0; i < f->nrules; i++) {
        const s7_fw_rule *r = &f->rules[i];
        if (r->state != S7_FW_NEW_ESTABLISHED || r->dport != dport || r->family != s.family)
            continue;
        if (f->host && r->chain == S7_FW_FORWARD)
            continue;
        if (strcmp(r->saddr, s.text) == 0 && strcmp(r->daddr, d.text) == 0)
            return (long)i;
    }
    return -1;
}

void s7_fw_free(s7_fw *f)
{
    if (!f)
        return;
    free(f->rules);
    free(f->guards);
    free(f->local);
    free(f);
}

int s7_fw_format_parse(const char *name)
{
    if (!name)
        return -1;
    if (strcmp(name, "nftables") == 0 || strcmp(name, "nft") == 0)
        return S7_FW_NFTABLES;
    if (strcmp(name, "iptables") == 0)
        return S7_FW_IPTABLES;
    if (strcmp(name, "iptables-restore") == 0)
        return S7_FW_IPTABLES_RESTORE;
    if (strcmp(name, "ip6tables-restore") == 0)
        return S7_FW_IP6TABLES_RESTORE;
    return -1;
}

const char *s7_fw_format_name(int format)
{
    return format == S7_FW_NFTABLES            ? "nftables"
           : format == S7_FW_IPTABLES          ? "iptables"
           : format == S7_FW_IP6TABLES_RESTORE ? "ip6tables-restore"
                                               : "iptables-restore";
}

const char *s7__fw_ports_text(const s7_fw *f, char *buf, size_t cap)
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

void s7__fw_header(const s7_fw *f, int format, const s7_fw_render_opts *op, FILE *o,
                   const char *apply, const char *remove)
{
    const s7_plant *p = f->plant;
    char buf[200], cyc[32], tsap[16];
    (void)format;
    fputs("# S7 firewall rules from the connection inventory ", o);
    comment_text(o, p->file);
    fputs("\n# plant: ", o);
    comment_text(o, p->title);
    if (p->revision) {
        fputs(", revision ", o);
        comment_text(o, p->revision);
    }
    fputs("\n# generated by ", o);
    comment_text(o, op && op->generator ? op->generator : "s7kit");
    fputs("\n#\n", o);
    if (f->host) {
        fprintf(o, "# Scope: the host %s (%s) itself: its INPUT and OUTPUT traffic.\n",
                f->host->name, s7_plant_partner_addr_text(f->host, buf, sizeof buf));
    } else if (f->router) {
        fprintf(o,
                "# Scope: router %s between the cells: traffic it FORWARDs, bound to its\n"
                "# interfaces:",
                f->router->name);
        for (size_t i = 0; i < f->router->nifs; i++)
            fprintf(o, "%s %s (cell %s)", i ? "," : "", f->router->ifs[i].name,
                    p->cells[f->router->ifs[i].cell].name);
        fputs(".\n# A packet for an S7 port passes only from the interface of its source's cell\n"
              "# to the interface of its destination's cell; one entering an interface with a\n"
              "# source outside that cell's network is dropped (anti-spoofing).\n",
              o);
    } else {
        fputs("# Scope: a router / firewall between the cells: traffic it FORWARDs.\n", o);
    }
    fprintf(o,
            "# TCP port(s) %s pass only for the connections below: new connections from the\n"
            "# active partner to the passive one, and their established traffic.  Every other\n"
            "# packet to or from these ports is dropped.  These rules only take away: documented\n"
            "# traffic still has to pass the system's own rules; nothing else is changed.\n#\n",
            s7__fw_ports_text(f, buf, sizeof buf));
    size_t shown = 0;
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        char aa[320], pa[320];
        if (f->host && a != f->host && pp != f->host)
            continue;
        if (!f->host && a->cell == pp->cell)
            continue; /* listed below */
        shown++;
        fprintf(o, "# connection %s: %s (%s) -> %s (%s, port %u), type %s, TSAPs %s\n", c->name,
                a->name, s7_plant_partner_addr_text(a, aa, sizeof aa), pp->name,
                s7_plant_partner_addr_text(pp, pa, sizeof pa), pp->port,
                s7_plant_type_name(c->type),
                s7_plant_tsap_text(c->local_tsap, c->remote_tsap, tsap, sizeof tsap));
        for (size_t e = 0; e < c->nex; e++) {
            const s7_plant_exchange *x = &c->ex[e];
            fprintf(o, "#     %s", s7_plant_dir_name(x->dir));
            for (size_t r = 0; r < x->nranges; r++)
                fprintf(o, "%s%s", r ? ", " : " ",
                        s7_plant_range_text(&x->ranges[r], buf, sizeof buf));
            fprintf(o, " (%s)", s7_plant_cycle_text(x->cycle_ms, cyc, sizeof cyc));
            if (x->description) {
                fputs(": ", o);
                comment_text(o, x->description);
            }
            fputc('\n', o);
        }
    }
    if (!shown)
        fputs("# (no documented connection: every S7 packet is dropped)\n", o);
    if (f->nlocal) {
        fputs("#\n# Inside one cell (they never cross the router: put them in the hosts' own\n"
              "# rules, s7 inventory firewall --host PARTNER):",
              o);
        for (size_t i = 0; i < f->nlocal; i++)
            fprintf(o, "%s %s", i ? "," : "", p->conns[f->local[i]].name);
        fputc('\n', o);
    }
    fprintf(o, "#\n# IPv6: %s\n",
            f->has_v6 ? "documented IPv6 paths pass as listed; every other IPv6 packet of the S7 "
                        "ports is dropped"
                      : "no documented partner has an IPv6 address: the S7 ports are dropped for "
                        "IPv6");
    fprintf(o, "#\n# Apply:  %s\n# Remove: %s\n", apply, remove);
}

int s7_fw_render(const s7_fw *f, int format, const s7_fw_render_opts *o, FILE *out)
{
    if (!f || !out)
        return S7_ERR_INVAL;
    if (format == S7_FW_NFTABLES)
        s7__fw_nftables(f, o, out);
    else if (format == S7_FW_IPTABLES)
        s7__fw_iptables(f, o, out);
    else if (format == S7_FW_IPTABLES_RESTORE)
        s7__fw_iptables_restore(f, o, out, S7_PLANT_AF_INET);
    else if (format == S7_FW_IP6TABLES_RESTORE)
        s7__fw_iptables_restore(f, o, out, S7_PLANT_AF_INET6);
    else
        return S7_ERR_INVAL;
    return ferror(out) ? S7_ERR_IO : 0;
}
