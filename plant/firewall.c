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
                    uint16_t sport, int state, size_t conn, const char *comment)
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
    snprintf(r->comment, sizeof r->comment, "%.120s", comment);
    clean(r->comment);
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

int s7_fw_build(const s7_plant *p, const char *host, s7_fw **out)
{
    *out = NULL;
    s7_fw *f = calloc(1, sizeof *f);
    if (!f)
        return S7_ERR_NOMEM;
    f->plant = p;
    if (host && !(f->host = s7_plant_find_partner(p, host))) {
        free(f);
        return S7_ERR_INVAL;
    }
    add_port(f, 102);
    for (size_t i = 0; i < p->npartners; i++)
        add_port(f, p->partners[i].port);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        char fwd[160], back[160];
        snprintf(fwd, sizeof fwd, "%s: %s -> %s:%u", c->name, a->name, pp->name, pp->port);
        snprintf(back, sizeof back, "%s: %s:%u replies to %s", c->name, pp->name, pp->port,
                 a->name);
        int rc = 0;
        if (!f->host) {
            rc |= add_rule(f, S7_FW_FORWARD, a->address, pp->address, pp->port, 0,
                           S7_FW_NEW_ESTABLISHED, i, fwd);
            rc |= add_rule(f, S7_FW_FORWARD, pp->address, a->address, 0, pp->port,
                           S7_FW_ESTABLISHED, i, back);
        } else {
            /* a partner connecting to itself is refused by validation: at most one applies */
            if (pp == f->host) {
                rc |= add_rule(f, S7_FW_INPUT, a->address, pp->address, pp->port, 0,
                               S7_FW_NEW_ESTABLISHED, i, fwd);
                rc |= add_rule(f, S7_FW_OUTPUT, pp->address, a->address, 0, pp->port,
                               S7_FW_ESTABLISHED, i, back);
            }
            if (a == f->host) {
                rc |= add_rule(f, S7_FW_OUTPUT, a->address, pp->address, pp->port, 0,
                               S7_FW_NEW_ESTABLISHED, i, fwd);
                rc |= add_rule(f, S7_FW_INPUT, pp->address, a->address, 0, pp->port,
                               S7_FW_ESTABLISHED, i, back);
            }
        }
        if (rc) {
            s7_fw_free(f);
            return S7_ERR_NOMEM;
        }
    }
    *out = f;
    return 0;
}

void s7_fw_free(s7_fw *f)
{
    if (!f)
        return;
    free(f->rules);
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
    return -1;
}

const char *s7_fw_format_name(int format)
{
    return format == S7_FW_NFTABLES   ? "nftables"
           : format == S7_FW_IPTABLES ? "iptables"
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
    if (f->host)
        fprintf(o, "# Scope: the host %s (%s) itself: its INPUT and OUTPUT traffic.\n",
                f->host->name, f->host->address);
    else
        fputs("# Scope: a router / firewall between the cells: traffic it FORWARDs.\n", o);
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
        if (f->host && a != f->host && pp != f->host)
            continue;
        shown++;
        fprintf(o, "# connection %s: %s (%s) -> %s (%s:%u), type %s, TSAPs %s\n", c->name, a->name,
                a->address, pp->name, pp->address, pp->port, s7_plant_type_name(c->type),
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
        s7__fw_iptables_restore(f, o, out);
    else
        return S7_ERR_INVAL;
    return ferror(out) ? S7_ERR_IO : 0;
}
