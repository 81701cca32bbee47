/* s7kit plant model: partners known by host name (include/s7/plant.h
 * s7_plant_resolve_hosts).  The plant model does no I/O: the caller passes the resolver (the
 * system's is in diag/, tests pass a table), and this file takes an address of the right
 * family for each partner that has none and checks it as validation checks a written one:
 * inside the cell's subnet, not another partner's address. */
#include <stdio.h>
#include <string.h>

#include "plant/internal.h"
#include "util/text.h"
#include "s7/plant.h"

/* "FILE:LINE: " or "FILE: " or "" into buf. */
static void where_prefix(const s7_plant *p, int line, char *buf, size_t cap)
{
    if (p->file && line > 0)
        snprintf(buf, cap, "%s:%d: ", p->file, line);
    else if (p->file)
        snprintf(buf, cap, "%s: ", p->file);
    else
        snprintf(buf, cap, "%s", "");
}

/* The family a partner in cell c should get: the cell's subnet decides when it has only one
 * family; 0: any (IPv4 first). */
static int cell_family(const s7_plant *p, const s7_plant_partner *pt)
{
    if (pt->cell >= p->ncells)
        return 0;
    const s7_plant_cell *c = &p->cells[pt->cell];
    if (c->has_subnet && !c->has_subnet6)
        return S7_PLANT_AF_INET;
    if (c->has_subnet6 && !c->has_subnet)
        return S7_PLANT_AF_INET6;
    return 0;
}

static int in_cell(const s7_plant *p, const s7_plant_partner *pt, const s7_plant_addr *a)
{
    if (pt->cell >= p->ncells)
        return 1;
    const s7_plant_cell *c = &p->cells[pt->cell];
    s7_plant_addr n;
    memset(&n, 0, sizeof n);
    n.family = a->family;
    if (a->family == S7_PLANT_AF_INET && c->has_subnet) {
        n.ip = c->net;
        return s7_plant_addr_in(a, &n, c->prefix);
    }
    if (a->family == S7_PLANT_AF_INET6 && c->has_subnet6) {
        memcpy(n.ip6, c->net6, 16);
        return s7_plant_addr_in(a, &n, c->prefix6);
    }
    return 1;
}

int s7_plant_resolve_hosts(s7_plant *p, s7_plant_resolver fn, void *ctx, char *err, size_t errcap)
{
    char pre[300];
    if (err && errcap)
        err[0] = 0;
    for (size_t i = 0; i < p->npartners; i++) {
        s7_plant_partner *pt = &p->partners[i];
        if (pt->address[0] || !pt->host)
            continue;
        s7_plant_addr got[8];
        char why[256] = "";
        where_prefix(p, pt->line, pre, sizeof pre);
        int n = fn ? fn(ctx, pt->host, got, sizeof got / sizeof got[0], why, sizeof why) : -1;
        if (n <= 0) {
            /* the example address: one of its cell's subnet (not another cell's) */
            char eg[96] = "address: 10.10.1.10";
            if (pt->cell < p->ncells && p->cells[pt->cell].has_subnet &&
                p->cells[pt->cell].prefix < 31) {
                uint32_t a = p->cells[pt->cell].net + (p->cells[pt->cell].prefix <= 28 ? 10u : 1u);
                snprintf(eg, sizeof eg, "address: %u.%u.%u.%u, in cell %s's subnet",
                         (unsigned)(a >> 24), (unsigned)(a >> 16 & 255), (unsigned)(a >> 8 & 255),
                         (unsigned)(a & 255), p->cells[pt->cell].name);
            }
            s7__errf(err, errcap,
                     "%spartner %s: host '%s' does not resolve (%s): fix the name in DNS or "
                     "/etc/hosts, or give its address (%s)",
                     pre, pt->name, pt->host, why[0] ? why : "no address", eg);
            return S7_ERR_RESOLVE;
        }
        if ((size_t)n > sizeof got / sizeof got[0])
            n = (int)(sizeof got / sizeof got[0]);
        int want = cell_family(p, pt), pick = -1, peer = 0;
        /* the family its connection peers have: a TCP connection joins one family */
        for (size_t k = 0; k < p->nconns && !peer; k++) {
            const s7_plant_conn *c = &p->conns[k];
            const s7_plant_partner *o = c->active == i    ? &p->partners[c->passive]
                                        : c->passive == i ? &p->partners[c->active]
                                                          : NULL;
            if (o && o->address[0])
                peer = o->family;
        }
        for (int k = 0; k < n && pick < 0; k++)
            if ((!want || got[k].family == want) && (!peer || got[k].family == peer) &&
                in_cell(p, pt, &got[k]))
                pick = k;
        for (int k = 0; k < n && pick < 0; k++)
            if ((!want || got[k].family == want) && in_cell(p, pt, &got[k]))
                pick = k;
        if (pick < 0) {
            const s7_plant_cell *c = pt->cell < p->ncells ? &p->cells[pt->cell] : NULL;
            s7__errf(err, errcap,
                     "%spartner %s: host '%s' resolves to %s%s, not an address in cell %s's "
                     "subnet: fix the name's address or the cell",
                     pre, pt->name, pt->host, got[0].text, n > 1 ? " (and others)" : "",
                     c && c->name ? c->name : "?");
            return S7_ERR_INVAL;
        }
        for (size_t k = 0; k < p->npartners; k++) {
            const s7_plant_partner *o = &p->partners[k];
            if (k != i && o->address[0] && o->family == got[pick].family && o->port == pt->port &&
                strcmp(o->address, got[pick].text) == 0) {
                s7__errf(err, errcap,
                         "%spartner %s: host '%s' resolves to %s, partner %s's address: one "
                         "partner per address",
                         pre, pt->name, pt->host, got[pick].text, o->name);
                return S7_ERR_INVAL;
            }
        }
        s7__plant_partner_take(pt, &got[pick]);
        pt->host_resolved = 1;
    }
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        if (a->address[0] && pp->address[0] && a->family != pp->family) {
            where_prefix(p, c->line, pre, sizeof pre);
            s7__errf(err, errcap,
                     "%sconnection %s: %s is %s%s and %s is %s%s: a TCP connection joins two "
                     "addresses of one family; give the names addresses of one family",
                     pre, c->name, a->name, a->address, a->host_resolved ? " (resolved)" : "",
                     pp->name, pp->address, pp->host_resolved ? " (resolved)" : "");
            return S7_ERR_INVAL;
        }
    }
    return 0;
}

int s7_plant_has_unresolved(const s7_plant *p)
{
    for (size_t i = 0; i < p->npartners; i++)
        if (!p->partners[i].address[0])
            return 1;
    return 0;
}
