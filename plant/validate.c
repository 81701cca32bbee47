/* s7kit plant model: validation (include/s7/plant.h s7_plant_validate).  Every rule of the
 * inventory that is not about a file's syntax: names present, usable and unique, partner
 * and cell references known, addresses unique and inside their cell's subnet, ranges
 * inside 64 KB, each connection with exchanges and each exchange with ranges; against a
 * partner's profile limits (filled by the loader): connection budgets, T/C and V memory,
 * TSAPs that contradict the type or rack/slot; no cell's network or broadcast address as a
 * host's.  Messages
 * name the entry (and FILE:LINE when a loader recorded it) and the fix.  When everything
 * holds, references become indices and the TSAPs are resolved (tsap.c).  No I/O. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant/internal.h"
#include "s7/plant.h"
#include "s7/wire.h"
#include "util/text.h"

typedef struct vcx {
    s7_plant *p;
    int (*fn)(void *ctx, const char *msg);
    void *ctx;
    int count;
    int stop;
    unsigned char *conn_ok; /* per connection: its partners are known (budgets count it) */
} vcx;

/* Reports one problem at line (0: none); returns 1 when the caller should stop. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
problem(vcx *v, int line, const char *fmt, ...)
{
    char msg[700], full[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (v->p->file && line > 0)
        snprintf(full, sizeof full, "%s:%d: %s", v->p->file, line, msg);
    else if (v->p->file)
        snprintf(full, sizeof full, "%s: %s", v->p->file, msg);
    else
        snprintf(full, sizeof full, "%s", msg);
    v->count++;
    if (v->fn && v->fn(v->ctx, full))
        v->stop = 1;
    return v->stop;
}

static const char NAME_RULE[] =
    "1..40 letters, digits, '_', '-' or '.', starting with a letter, e.g. plc-line1";

/* "(first at line N)" or "(first as WHAT[i])" into buf. */
static const char *first_at(int line, const char *what, size_t i, char *buf, size_t cap)
{
    if (line > 0)
        snprintf(buf, cap, "first at line %d", line);
    else
        snprintf(buf, cap, "first as %s[%zu]", what, i);
    return buf;
}

static uint32_t mask_of(int prefix) { return prefix > 0 ? 0xFFFFFFFFu << (32 - prefix) : 0; }

static const char *ip_text(uint32_t ip, char *buf, size_t cap)
{
    snprintf(buf, cap, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
    return buf;
}

static void check_cells(vcx *v)
{
    s7_plant *p = v->p;
    char fb[48], nb[16];
    for (size_t i = 0; i < p->ncells && !v->stop; i++) {
        const s7_plant_cell *c = &p->cells[i];
        if (!c->name) {
            problem(v, c->line, "cells[%zu]: no name (e.g. name: line1)", i);
            continue;
        }
        if (!s7_plant_name_ok(c->name)) {
            problem(v, c->line, "cells[%zu]: '%s' is not a usable name: %s", i, c->name, NAME_RULE);
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (p->cells[k].name && strcmp(p->cells[k].name, c->name) == 0) {
                problem(v, c->line, "cell %s: the name is used twice (%s)", c->name,
                        first_at(p->cells[k].line, "cells", k, fb, sizeof fb));
                break;
            }
        if (!v->stop && c->has_subnet6) {
            s7_plant_addr n;
            char t6[48], n6[48];
            memset(&n, 0, sizeof n);
            n.family = S7_PLANT_AF_INET6;
            if (c->prefix6 < 0 || c->prefix6 > 128) {
                problem(v, c->line,
                        "cell %s: subnet prefix /%d must be 0..128, e.g. fd00:10:1::/64", c->name,
                        c->prefix6);
            } else {
                /* the network of the prefix: clear the host bits of a copy */
                memcpy(n.ip6, c->net6, 16);
                for (int b = c->prefix6; b < 128; b++)
                    n.ip6[b / 8] &= (uint8_t) ~(0x80u >> (b % 8));
                if (memcmp(n.ip6, c->net6, 16) != 0)
                    problem(v, c->line,
                            "cell %s: subnet %s/%d has host bits set: the network is %s/%d",
                            c->name, s7_plant_ipv6_text(c->net6, t6, sizeof t6), c->prefix6,
                            s7_plant_ipv6_text(n.ip6, n6, sizeof n6), c->prefix6);
            }
        }
        if (v->stop || !c->has_subnet)
            continue;
        if (c->prefix < 0 || c->prefix > 32)
            problem(v, c->line, "cell %s: subnet prefix /%d must be 0..32, e.g. 10.10.1.0/24",
                    c->name, c->prefix);
        else if (c->net & ~mask_of(c->prefix))
            problem(v, c->line, "cell %s: subnet %s/%d has host bits set: the network is %s/%d",
                    c->name, ip_text(c->net, fb, sizeof fb), c->prefix,
                    ip_text(c->net & mask_of(c->prefix), nb, sizeof nb), c->prefix);
    }
}

/* The cell of that name, or (cells not declared) a new one; -1 on out of memory, -2 not
 * declared. */
static long cell_index(s7_plant *p, const char *name, int line)
{
    for (size_t c = 0; c < p->ncells; c++)
        if (p->cells[c].name && strcmp(p->cells[c].name, name) == 0)
            return (long)c;
    if (p->cells_declared)
        return -2;
    s7_plant_cell *nc = s7__plant_push(&p->cells, &p->ncells, sizeof *nc);
    if (!nc)
        return -1;
    if (!(nc->name = s7__strdup(name))) {
        p->ncells--;
        return -1;
    }
    nc->line = line;
    return (long)(p->ncells - 1);
}

/* A partner's address that cannot be an S7 partner's; 1 when reported. */
static int addr_problem(vcx *v, const s7_plant_partner *pt, const char *where)
{
    static const uint8_t zero[16] = {0};
    if (pt->family == S7_PLANT_AF_INET6) {
        if (memcmp(pt->ip6, zero, 16) == 0 || pt->ip6[0] == 0xFF)
            return problem(v, pt->line,
                           "%s: '%s' is not a host address (:: and multicast ff00::/8 cannot be "
                           "S7 partners)",
                           where, pt->address),
                   1;
        return 0;
    }
    if (pt->ip == 0 || pt->ip == 0xFFFFFFFFu || (pt->ip >> 28) == 0xE || (pt->ip >> 24) == 0)
        return problem(v, pt->line,
                       "%s: '%s' is not a host address (0.x, broadcast and multicast addresses "
                       "cannot be S7 partners)",
                       where, pt->address),
               1;
    return 0;
}

static int same_address(const s7_plant_partner *a, const s7_plant_partner *b)
{
    return a->address[0] && b->address[0] && a->family == b->family && a->port == b->port &&
           strcmp(a->address, b->address) == 0;
}

static void dup_problem(vcx *v, const s7_plant_partner *pt, const s7_plant_partner *o, size_t k,
                        const char *where)
{
    char fb[48];
    if (o->line > 0)
        snprintf(fb, sizeof fb, "line %d", o->line);
    else
        snprintf(fb, sizeof fb, "partners[%zu]", k);
    problem(v, pt->line,
            pt->family == S7_PLANT_AF_INET6
                ? "%s: address [%s]:%u is also partner %s's (%s): one partner per address"
                : "%s: address %s:%u is also partner %s's (%s): one partner per address",
            where, pt->address, pt->port, o->name, fb);
}

/* The usable host addresses of a cell's IPv4 subnet, "10.34.1.1..10.34.1.254", into buf. */
static const char *usable_range(const s7_plant_cell *cl, char *buf, size_t cap)
{
    char lo[16], hi[16];
    uint32_t bc = cl->net | ~mask_of(cl->prefix);
    snprintf(buf, cap, "%s..%s", ip_text(cl->net + 1, lo, sizeof lo),
             ip_text(bc - 1, hi, sizeof hi));
    return buf;
}

/* An IPv4 address that is its cell's network or broadcast address (a /30 or larger subnet:
 * /31 and /32 have neither): reported with the cell's usable range; 1 when reported. */
static int edge_problem(vcx *v, int line, const char *where, const char *what, const char *text,
                        uint32_t ip, const s7_plant_cell *cl)
{
    char nb[16], ub[40];
    if (!cl->has_subnet || cl->prefix < 0 || cl->prefix > 30 ||
        (ip & mask_of(cl->prefix)) != cl->net)
        return 0;
    uint32_t bc = cl->net | ~mask_of(cl->prefix);
    if (ip != cl->net && ip != bc)
        return 0;
    problem(v, line,
            "%s: %s %s is cell %s's %s address (%s/%d): no host can have it; give an address of "
            "%s",
            where, what, text, cl->name, ip == cl->net ? "network" : "broadcast",
            ip_text(cl->net, nb, sizeof nb), cl->prefix, usable_range(cl, ub, sizeof ub));
    return 1;
}

/* The partner's address outside its cell's subnet of the same family: reported. */
static void subnet_problem(vcx *v, const s7_plant_partner *pt, const s7_plant_cell *cl,
                           const char *where)
{
    char nb[48];
    const char *from = pt->host_resolved ? " (resolved from " : "";
    const char *host = pt->host_resolved ? pt->host : "";
    const char *close = pt->host_resolved ? ")" : "";
    if (pt->family == S7_PLANT_AF_INET && cl->has_subnet && cl->prefix >= 0 && cl->prefix <= 32 &&
        (pt->ip & mask_of(cl->prefix)) != cl->net)
        problem(v, pt->line,
                "%s: address %s%s%s%s is not in cell %s's subnet %s/%d: fix the address or the "
                "cell",
                where, pt->address, from, host, close, cl->name, ip_text(cl->net, nb, sizeof nb),
                cl->prefix);
    else if (pt->family == S7_PLANT_AF_INET && cl->has_subnet)
        edge_problem(v, pt->line, where, "address", pt->address, pt->ip, cl);
    if (pt->family == S7_PLANT_AF_INET6 && cl->has_subnet6 && cl->prefix6 >= 0 &&
        cl->prefix6 <= 128) {
        s7_plant_addr a, n;
        s7__plant_partner_addr(pt, &a);
        memset(&n, 0, sizeof n);
        n.family = S7_PLANT_AF_INET6;
        memcpy(n.ip6, cl->net6, 16);
        if (!s7_plant_addr_in(&a, &n, cl->prefix6))
            problem(v, pt->line,
                    "%s: address %s%s%s%s is not in cell %s's subnet %s/%d: fix the address or "
                    "the cell",
                    where, pt->address, from, host, close, cl->name,
                    s7_plant_ipv6_text(cl->net6, nb, sizeof nb), cl->prefix6);
    }
}

/* The connection type a called TSAP's high byte names (01 PG, 02 OP, 03..10 S7 basic, as
 * the CPUs and the emulator take it); 0: none. */
static int tsap_type(uint8_t hi)
{
    if (hi == 1 || hi == 2)
        return hi;
    return hi >= 3 && hi <= 0x10 ? 3 : 0;
}

/* Where the CPU behind pp sits when it takes called TSAPs by the rack/slot rule (an
 * S7-300/400/1200/1500 profile, or rack/slot documented): 1 with *rack, *slot; 0 when its
 * TSAPs follow another rule (LOGO!, S7-200 SMART's own) or nothing says where it sits. */
static int rackslot_of(const s7_plant_partner *pp, uint16_t tsap, int *rack, int *slot)
{
    const s7_plant_cpu_limits *l = &pp->limits;
    if (l->known && l->tsap_rule == S7_PLANT_TSAP_LOGO)
        return 0;
    if (l->known && l->tsap_rule == S7_PLANT_TSAP_S7200 && (tsap == 0x1000 || tsap == 0x0200))
        return 0;
    if (pp->rack >= 0 || pp->slot >= 0) {
        *rack = pp->rack >= 0 ? pp->rack : 0;
        *slot = pp->slot >= 0 ? pp->slot : 1;
        return 1;
    }
    if (l->known && pp->profile && pp->profile_rack >= 0 && pp->profile_slot >= 0) {
        *rack = pp->profile_rack;
        *slot = pp->profile_slot;
        return 1;
    }
    return 0;
}

/* A partner's own TSAP whose low byte names another rack/slot than its profile's. */
static void check_partner_tsap(vcx *v, const s7_plant_partner *pt, const char *where)
{
    int rack, slot;
    if (!pt->remote_tsap || pt->rack >= 0 || pt->slot >= 0 ||
        !rackslot_of(pt, pt->remote_tsap, &rack, &slot))
        return;
    uint8_t hi = (uint8_t)(pt->remote_tsap >> 8), lo = (uint8_t)pt->remote_tsap;
    int want = rack << 5 | slot;
    if (tsap_type(hi) && lo != want && !(pt->limits.slot0_too && slot == 1 && lo == rack << 5))
        problem(v, pt->tsap_line ? pt->tsap_line : pt->line,
                "%s: tsap %04X:%04X names rack %u slot %u, but its profile %s sits at rack %d "
                "slot %d: give tsap %04X:%02X%02X",
                where, pt->local_tsap, pt->remote_tsap, lo >> 5, lo & 31u,
                pt->profile ? pt->profile : "?", rack, slot, pt->local_tsap, hi, want);
}

static int check_partners(vcx *v)
{
    s7_plant *p = v->p;
    char where[64], fb[48];
    for (size_t i = 0; i < p->npartners && !v->stop; i++) {
        s7_plant_partner *pt = &p->partners[i];
        if (!pt->name) {
            problem(v, pt->line, "partners[%zu]: no name (e.g. name: plc-line1)", i);
            continue;
        }
        if (!s7_plant_name_ok(pt->name)) {
            problem(v, pt->line, "partners[%zu]: '%s' is not a usable name: %s", i, pt->name,
                    NAME_RULE);
            continue;
        }
        snprintf(where, sizeof where, "partner %s", pt->name);
        if (!pt->address[0] && !pt->host) {
            problem(v, pt->line,
                    "%s: no address (e.g. address: 192.168.0.10, address: fd00:10::5, or a "
                    "host name: address: plc1.plant.local)",
                    where);
            continue;
        }
        if (pt->address[0] && addr_problem(v, pt, where))
            continue;
        if (pt->kind < 0 || pt->kind >= S7_PLANT_KIND__COUNT ||
            pt->roles >= 1u << S7_PLANT_KIND__COUNT) {
            problem(v, pt->line,
                    "%s: unknown role: roles are plc, hmi, scada, engineering, gateway, pc, other",
                    where);
            continue;
        }
        if (pt->port == 0) {
            problem(v, pt->line, "%s: port 0: S7 serves TCP port 102 (port: 102)", where);
            continue;
        }
        if (!pt->cell_name) {
            problem(v, pt->line,
                    "%s: no cell: name the cell or network segment it sits in (e.g. cell: line1)",
                    where);
            continue;
        }
        if (pt->remote_tsap && (pt->rack >= 0 || pt->slot >= 0)) {
            problem(v, pt->line,
                    "%s: tsap and rack/slot both given: the remote TSAP already names the rack "
                    "and slot; keep one of them",
                    where);
            continue;
        }
        if (pt->rack > 7 || pt->slot > 31) {
            problem(v, pt->line,
                    "%s: rack %d slot %d: rack is 0..7, slot 0..31 (e.g. rack: 0, "
                    "slot: 1)",
                    where, pt->rack, pt->slot);
            continue;
        }
        if (pt->type < 0 || pt->type > 3) {
            problem(v, pt->line, "%s: type %d: pg (1), op (2) or basic (3)", where, pt->type);
            continue;
        }
        check_partner_tsap(v, pt, where);
        int bad = 0;
        for (size_t k = 0; k < i && !bad; k++) {
            const s7_plant_partner *o = &p->partners[k];
            if (!o->name)
                continue;
            if (strcmp(o->name, pt->name) == 0) {
                problem(v, pt->line,
                        "%s: the name is used twice (%s): partner names must be unique", where,
                        first_at(o->line, "partners", k, fb, sizeof fb));
                bad = 1;
            } else if (same_address(o, pt)) {
                dup_problem(v, pt, o, k, where);
                bad = 1;
            } else if (o->host && pt->host && s7__plant_ieq(o->host, pt->host)) {
                problem(v, pt->line,
                        "%s: host %s is also partner %s's (%s): one partner per host name", where,
                        pt->host, o->name, first_at(o->line, "partners", k, fb, sizeof fb));
                bad = 1;
            }
        }
        if (bad)
            continue;
        long c = cell_index(p, pt->cell_name, pt->cell_line);
        if (c == -1)
            return S7_ERR_NOMEM;
        if (c == -2) {
            char names[400] = "";
            for (size_t k = 0; k < p->ncells; k++) {
                size_t l = strlen(names);
                snprintf(names + l, sizeof names - l, "%s%s", k ? ", " : "",
                         p->cells[k].name ? p->cells[k].name : "?");
            }
            problem(v, pt->cell_line ? pt->cell_line : pt->line,
                    "%s: cell '%s' is not in cells (cells: %s)", where, pt->cell_name, names);
            continue;
        }
        pt->cell = (size_t)c;
        if (pt->address[0])
            subnet_problem(v, pt, &p->cells[c], where);
    }
    return 0;
}

/* One interface's address of one family against its cell and the partners in it. */
static void check_if_addr(vcx *v, const char *where, const s7_plant_router_if *ri,
                          const s7_plant_addr *a, int prefix, size_t cell)
{
    const s7_plant *p = v->p;
    const s7_plant_cell *cl = &p->cells[cell];
    s7_plant_addr net;
    int cprefix = -1;
    char nb[48];
    memset(&net, 0, sizeof net);
    net.family = a->family;
    if (a->family == S7_PLANT_AF_INET && cl->has_subnet) {
        net.ip = cl->net;
        cprefix = cl->prefix;
        ip_text(cl->net, nb, sizeof nb);
    } else if (a->family == S7_PLANT_AF_INET6 && cl->has_subnet6) {
        memcpy(net.ip6, cl->net6, 16);
        cprefix = cl->prefix6;
        s7_plant_ipv6_text(cl->net6, nb, sizeof nb);
    }
    if (cprefix >= 0 && (!s7_plant_addr_in(a, &net, cprefix) || prefix != cprefix)) {
        problem(v, ri->line,
                "%s: %s/%d is not an address of cell %s's subnet %s/%d: give the router's "
                "address in that subnet with the same prefix",
                where, a->text, prefix, cl->name, nb, cprefix);
        return;
    }
    if (a->family == S7_PLANT_AF_INET) {
        /* the cell's subnet, or (none declared) the interface's own network */
        s7_plant_cell own = *cl;
        if (!own.has_subnet && prefix >= 0 && prefix <= 32) {
            own.has_subnet = 1;
            own.prefix = prefix;
            own.net = a->ip & mask_of(prefix);
        }
        if (edge_problem(v, ri->line, where, "address", a->text, a->ip, &own))
            return;
    }
    for (size_t k = 0; k < p->npartners && !v->stop; k++) {
        const s7_plant_partner *pt = &p->partners[k];
        s7_plant_addr pa;
        if (!pt->address[0] || pt->family != a->family || !pt->name)
            continue;
        s7__plant_partner_addr(pt, &pa);
        if (strcmp(pa.text, a->text) == 0) {
            problem(v, ri->line,
                    "%s: %s is also partner %s's address: the router's interface needs its own "
                    "address",
                    where, a->text, pt->name);
            return;
        }
        /* a cell without a declared subnet: its partners must be on the interface's network */
        if (cprefix < 0 && pt->cell == cell && pt->cell_name && cl->name &&
            strcmp(pt->cell_name, cl->name) == 0 && !s7_plant_addr_in(&pa, a, prefix))
            problem(v, pt->line,
                    "partner %s: address %s is not on router interface %s (%s/%d) of its cell "
                    "%s: fix the address, the cell or the interface",
                    pt->name, pt->address, ri->name, a->text, prefix, cl->name);
    }
}

static int check_routers(vcx *v)
{
    s7_plant *p = v->p;
    char where[112], fb[48];
    for (size_t i = 0; i < p->nrouters && !v->stop; i++) {
        s7_plant_router *r = &p->routers[i];
        if (!r->name) {
            problem(v, r->line, "routers[%zu]: no name (e.g. name: router1)", i);
            continue;
        }
        if (!s7_plant_name_ok(r->name)) {
            problem(v, r->line, "routers[%zu]: '%s' is not a usable name: %s", i, r->name,
                    NAME_RULE);
            continue;
        }
        int bad = 0;
        for (size_t k = 0; k < i && !bad; k++)
            if (p->routers[k].name && strcmp(p->routers[k].name, r->name) == 0) {
                problem(v, r->line, "router %s: the name is used twice (%s)", r->name,
                        first_at(p->routers[k].line, "routers", k, fb, sizeof fb));
                bad = 1;
            }
        const s7_plant_partner *same = s7_plant_find_partner(p, r->name);
        if (!bad && same) {
            problem(v, r->line,
                    "router %s: the name is also a partner's (%s): routers and partners need "
                    "different names",
                    r->name,
                    first_at(same->line, "partners", (size_t)(same - p->partners), fb, sizeof fb));
            bad = 1;
        }
        if (bad)
            continue;
        if (!r->nifs) {
            problem(v, r->line,
                    "router %s: no interfaces: list one per cell it joins, e.g. interfaces: "
                    "[{name: eth1, address: 10.10.1.1/24, cell: line1}]",
                    r->name);
            continue;
        }
        for (size_t j = 0; j < r->nifs && !v->stop; j++) {
            s7_plant_router_if *ri = &r->ifs[j];
            int line = ri->line ? ri->line : r->line;
            if (!ri->name) {
                problem(v, line, "router %s interfaces[%zu]: no name (e.g. name: eth1)", r->name,
                        j);
                continue;
            }
            snprintf(where, sizeof where, "router %s interface %s", r->name, ri->name);
            if (!s7_plant_ifname_ok(ri->name)) {
                problem(v, line,
                        "router %s interfaces[%zu]: '%s' is not an interface name: 1..15 "
                        "characters without '/', ':', quotes or spaces, e.g. eth1",
                        r->name, j, ri->name);
                continue;
            }
            bad = 0;
            for (size_t k = 0; k < j && !bad; k++)
                if (r->ifs[k].name && strcmp(r->ifs[k].name, ri->name) == 0) {
                    problem(v, line, "%s: the interface is listed twice (%s)", where,
                            first_at(r->ifs[k].line, "interfaces", k, fb, sizeof fb));
                    bad = 1;
                }
            if (bad)
                continue;
            if (!ri->cell_name) {
                problem(v, line, "%s: no cell: name the cell this interface is in (cell: line1)",
                        where);
                continue;
            }
            if (!ri->has_v4 && !ri->has_v6) {
                problem(v, line,
                        "%s: no address: give the router's address on that cell with its "
                        "prefix, e.g. address: 10.10.1.1/24 (or fd00:10:1::1/64)",
                        where);
                continue;
            }
            long c = cell_index(p, ri->cell_name, ri->cell_line);
            if (c == -1)
                return S7_ERR_NOMEM;
            if (c == -2) {
                problem(v, ri->cell_line ? ri->cell_line : line,
                        "%s: cell '%s' is not in cells: name one of the cells listed", where,
                        ri->cell_name);
                continue;
            }
            ri->cell = (size_t)c;
            for (size_t k = 0; k < j && !bad; k++)
                if (r->ifs[k].cell_name && strcmp(r->ifs[k].cell_name, ri->cell_name) == 0) {
                    problem(v, line,
                            "%s: interface %s already joins cell %s: one interface per cell "
                            "(give both address families to that one interface)",
                            where, r->ifs[k].name, ri->cell_name);
                    bad = 1;
                }
            if (bad)
                continue;
            s7_plant_addr a;
            if (ri->has_v4) {
                memset(&a, 0, sizeof a);
                a.family = S7_PLANT_AF_INET;
                a.ip = ri->ip;
                snprintf(a.text, sizeof a.text, "%s", ri->address);
                check_if_addr(v, where, ri, &a, ri->prefix, ri->cell);
            }
            if (ri->has_v6 && !v->stop) {
                memset(&a, 0, sizeof a);
                a.family = S7_PLANT_AF_INET6;
                memcpy(a.ip6, ri->ip6, 16);
                snprintf(a.text, sizeof a.text, "%s", ri->address6);
                check_if_addr(v, where, ri, &a, ri->prefix6, ri->cell);
            }
        }
    }
    return 0;
}

/* What the passive partner's profile offers: T/C, the V memory DB of a LOGO! or S7-200. */
static void range_vs_profile(vcx *v, const char *where, const s7_plant_range *r,
                             const s7_plant_partner *pp)
{
    const s7_plant_cpu_limits *l = &pp->limits;
    int tc = r->area == S7_AREA_T || r->area == S7_AREA_C;
    const char *prof = pp->profile ? pp->profile : "?";
    if (!l->known)
        return;
    if (tc && !l->has_timers)
        problem(v, r->line,
                "%s: %s%u..%s%llu on %s: its profile %s serves no timers or counters over PUT/GET "
                "(S7-1200, S7-1500, LOGO!, S7-200): copy them into a DB in the CPU's program and "
                "exchange that DB",
                where, r->area == S7_AREA_T ? "timers T" : "counters C", r->offset,
                r->area == S7_AREA_T ? "T" : "C", (unsigned long long)r->offset + r->length - 1,
                pp->name, prof);
    else if (r->area == S7_AREA_DB && l->vmem && r->db != 1)
        problem(v, r->line,
                "%s: DB%u on %s: its profile %s has one DB, DB1 (its V memory, %u bytes: "
                "DB1.DBB0..DBB%u): exchange DB1 (VB n is DB1.DBB n)",
                where, r->db, pp->name, prof, l->vmem, l->vmem - 1);
    else if (r->area == S7_AREA_DB && l->vmem && (uint64_t)r->offset + r->length > l->vmem)
        problem(v, r->line,
                "%s: DB1 bytes %u..%llu on %s: its profile %s has %u bytes of V memory "
                "(DB1.DBB0..DBB%u): keep the range inside them",
                where, r->offset, (unsigned long long)r->offset + r->length - 1, pp->name, prof,
                l->vmem, l->vmem - 1);
}

static void check_range(vcx *v, const char *where, const s7_plant_range *r,
                        const s7_plant_partner *pp)
{
    int line = r->line;
    int tc = r->area == S7_AREA_T || r->area == S7_AREA_C;
    if (r->area != S7_AREA_DB && r->area != S7_AREA_I && r->area != S7_AREA_Q &&
        r->area != S7_AREA_M && !tc)
        problem(v, line,
                "%s: area 0x%02X is no area for a range: DB, I, Q, M, timers (T0..T15) or "
                "counters (C0..C7)",
                where, r->area);
    else if (r->area == S7_AREA_DB && r->db == 0)
        problem(v, line,
                "%s: no db (e.g. {db: 10, offset: 0, length: 64}; for I/Q/M give "
                "area: M)",
                where);
    else if (r->area != S7_AREA_DB && r->db != 0)
        problem(v, line, "%s: db given for area %s: a DB number belongs only to area DB", where,
                s7__plant_area_letter(r->area));
    else if (r->length == 0)
        problem(v, line, "%s: no length (bytes), e.g. {db: %u, offset: %u, length: 64}", where,
                r->db, r->offset);
    else if (tc && (uint64_t)r->offset + r->length > 65536)
        problem(v, line, "%s: %ss %u..%llu end beyond number 65535", where,
                r->area == S7_AREA_T ? "timer" : "counter", r->offset,
                (unsigned long long)r->offset + r->length - 1);
    else if ((uint64_t)r->offset + r->length > 65536)
        problem(v, line,
                "%s: offset %u + length %u ends beyond byte 65535: PUT/GET addresses at most 64 "
                "KB of an area",
                where, r->offset, r->length);
    else if (pp)
        range_vs_profile(v, where, r, pp);
}

/* A called TSAP given for the connection (or its passive partner) that contradicts the
 * documented connection type, or the rack and slot of the CPU (S7-300/400/1200/1500). */
static void check_conn_tsap(vcx *v, const s7_plant_conn *c, const char *where,
                            const s7_plant_partner *a, const s7_plant_partner *pp)
{
    uint16_t tsap = c->explicit_tsap ? c->remote_tsap : pp->remote_tsap;
    int line = c->explicit_tsap ? (c->tsap_line ? c->tsap_line : c->line)
                                : (c->type_line ? c->type_line : c->line);
    int rack, slot;
    if (!tsap || !rackslot_of(pp, tsap, &rack, &slot))
        return;
    uint8_t hi = (uint8_t)(tsap >> 8), lo = (uint8_t)tsap;
    int t = tsap_type(hi), doc = c->type ? c->type : a->type;
    const char *from = c->explicit_tsap ? "tsap" : "the passive partner's tsap";
    static const char *const TN[4] = {"?", "pg (01)", "op (02)", "basic (03)"};
    if (!t) {
        problem(v, line,
                "%s: %s %04X:%04X: the called TSAP's high byte %02X is no connection type: 01 "
                "(PG), 02 (OP) or 03 (S7 basic), e.g. %04X:%02X%02X",
                where, from, c->explicit_tsap ? c->local_tsap : pp->local_tsap, tsap, hi,
                c->explicit_tsap ? c->local_tsap : pp->local_tsap, doc ? doc : 1, lo);
        return;
    }
    if (doc >= 1 && doc <= 3 && t != doc) {
        problem(v, line,
                "%s: %s %04X:%04X calls connection type %s, but the type is %s%s: make them "
                "agree (tsap %04X:%02X%02X, or type: %s)",
                where, from, c->explicit_tsap ? c->local_tsap : pp->local_tsap, tsap, TN[t],
                TN[doc], c->type ? "" : " (the active partner's)",
                c->explicit_tsap ? c->local_tsap : pp->local_tsap, doc, lo, s7_plant_type_name(t));
        return;
    }
    if (!c->explicit_tsap)
        return; /* the partner's own TSAP against its rack and slot: check_partner_tsap */
    int want = rack << 5 | slot;
    if (lo != want && !(pp->limits.known && pp->limits.slot0_too && slot == 1 && lo == rack << 5))
        problem(v, line,
                "%s: tsap %04X:%04X names rack %u slot %u, but %s sits at rack %d slot %d%s%s%s: "
                "give tsap %04X:%02X%02X (or fix the rack and slot)",
                where, c->local_tsap, tsap, lo >> 5, lo & 31u, pp->name, rack, slot,
                pp->rack < 0 && pp->slot < 0 ? " (its profile " : "",
                pp->rack < 0 && pp->slot < 0 && pp->profile ? pp->profile : "",
                pp->rack < 0 && pp->slot < 0 ? ")" : "", c->local_tsap, hi, want);
}

static const char *const BUDGET_NAME[4] = {"", "PG", "OP", "S7 basic"};

/* The documented connections of each CPU with a profile, per type, against the connection
 * resources the profile serves (the emulator's budgets; s7 inventory simulate refuses the
 * connection over the budget, as the CPU does).  A passive CPU counts a connection by its
 * called TSAP's type, an active one by the connection's type; both count in the total. */
static void check_budgets(vcx *v)
{
    s7_plant *p = v->p;
    for (size_t i = 0; i < p->npartners && !v->stop; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        const s7_plant_cpu_limits *l = &pt->limits;
        if (!l->known || !pt->name)
            continue;
        int total[4] = {0, 0, 0, 0};
        int as_active[4] = {0, 0, 0, 0};
        /* two rounds: the counts, then the first connection over each budget */
        for (int round = 0; round < 2 && !v->stop; round++) {
            int use[4] = {0, 0, 0, 0}, told[4] = {0, 0, 0, 0};
            for (size_t k = 0; k < p->nconns && !v->stop; k++) {
                const s7_plant_conn *c = &p->conns[k];
                if (!v->conn_ok[k] || (c->active != i && c->passive != i))
                    continue;
                s7__plant_cr r;
                s7__plant_conn_tsaps(p, c, &r);
                int t;
                if (c->active == i)
                    t = r.type;
                else if (l->tsap_rule == S7_PLANT_TSAP_LOGO)
                    t = tsap_type((uint8_t)(r.remote_tsap >> 8))
                            ? tsap_type((uint8_t)(r.remote_tsap >> 8))
                            : 3;
                else
                    t = tsap_type((uint8_t)(r.remote_tsap >> 8));
                if (t < 1 || t > 3)
                    continue;
                use[t]++;
                use[0]++;
                if (round == 0) {
                    as_active[t] += c->active == i;
                    as_active[0] += c->active == i;
                    continue;
                }
                /* the budget that binds: the type's when it is below the total's */
                int over = use[t] > l->max_conn[t] && l->max_conn[t] < l->max_conn[0] ? t
                           : use[0] > l->max_conn[0]                                  ? 0
                           : use[t] > l->max_conn[t]                                  ? t
                                                                                      : -1;
                if (over < 0 || told[over])
                    continue;
                told[over] = 1;
                char what[48];
                if (over)
                    snprintf(what, sizeof what, "%s connection", BUDGET_NAME[over]);
                else
                    snprintf(what, sizeof what, "connection");
                problem(v, c->line,
                        "connection %s: it is %s's %d%s %s (%d documented: %d with it as the "
                        "passive partner, %d as the active one), but its profile %s serves %d "
                        "(%d PG, %d OP, %d S7 basic, %d in all): carry more exchanges over one "
                        "connection (a connection lists any number of exchanges), %s",
                        c->name, pt->name, use[over],
                        use[over] % 10 == 1 && use[over] % 100 != 11   ? "st"
                        : use[over] % 10 == 2 && use[over] % 100 != 12 ? "nd"
                        : use[over] % 10 == 3 && use[over] % 100 != 13 ? "rd"
                                                                       : "th",
                        what, total[over], total[over] - as_active[over], as_active[over],
                        pt->profile ? pt->profile : "?", l->max_conn[over], l->max_conn[1],
                        l->max_conn[2], l->max_conn[3], l->max_conn[0],
                        over ? "or give some connections another type (type: pg, op or basic)"
                             : "or spread them over more CPUs");
            }
            if (round == 0)
                memcpy(total, use, sizeof total);
        }
    }
}

static void check_conns(vcx *v)
{
    s7_plant *p = v->p;
    char where[64], fb[48];
    for (size_t i = 0; i < p->nconns && !v->stop; i++) {
        s7_plant_conn *c = &p->conns[i];
        if (!c->name) {
            problem(v, c->line, "connections[%zu]: no name (e.g. name: hmi1-plc-line)", i);
            continue;
        }
        if (!s7_plant_name_ok(c->name)) {
            problem(v, c->line, "connections[%zu]: '%s' is not a usable name: %s", i, c->name,
                    NAME_RULE);
            continue;
        }
        snprintf(where, sizeof where, "connection %s", c->name);
        if (!c->active_name) {
            problem(v, c->line,
                    "%s: no active partner: active: NAME is the partner that connects (the "
                    "client)",
                    where);
            continue;
        }
        if (!c->passive_name) {
            problem(v, c->line,
                    "%s: no passive partner: passive: NAME is the CPU that serves port 102", where);
            continue;
        }
        int bad = 0;
        for (size_t k = 0; k < i && !bad; k++)
            if (p->conns[k].name && strcmp(p->conns[k].name, c->name) == 0) {
                problem(v, c->line,
                        "%s: the name is used twice (%s): connection names must be unique", where,
                        first_at(p->conns[k].line, "connections", k, fb, sizeof fb));
                bad = 1;
            }
        if (bad)
            continue;
        const s7_plant_partner *a = s7_plant_find_partner(p, c->active_name);
        const s7_plant_partner *pp = s7_plant_find_partner(p, c->passive_name);
        if (!a) {
            problem(v, c->active_line ? c->active_line : c->line,
                    "%s: active partner '%s' is not in partners", where, c->active_name);
            continue;
        }
        if (!pp) {
            problem(v, c->passive_line ? c->passive_line : c->line,
                    "%s: passive partner '%s' is not in partners", where, c->passive_name);
            continue;
        }
        if (a == pp) {
            problem(v, c->passive_line ? c->passive_line : c->line,
                    "%s: '%s' is both active and passive: a connection joins two partners", where,
                    c->active_name);
            continue;
        }
        c->active = (size_t)(a - p->partners);
        c->passive = (size_t)(pp - p->partners);
        if (a->address[0] && pp->address[0] && a->family != pp->family) {
            problem(v, c->line,
                    "%s: %s has an %s address (%s) and %s an %s one (%s): a TCP connection joins "
                    "two addresses of one family; document the address %s uses for it",
                    where, a->name, a->family == S7_PLANT_AF_INET6 ? "IPv6" : "IPv4", a->address,
                    pp->name, pp->family == S7_PLANT_AF_INET6 ? "IPv6" : "IPv4", pp->address,
                    a->name);
            continue;
        }
        if (c->type < 0 || c->type > 3) {
            problem(v, c->line, "%s: type %d: pg (1), op (2) or basic (3)", where, c->type);
            continue;
        }
        if (c->explicit_tsap && c->remote_tsap == 0) {
            problem(v, c->line, "%s: the remote TSAP must not be 0000", where);
            continue;
        }
        if (v->conn_ok)
            v->conn_ok[i] = 1;
        check_conn_tsap(v, c, where, a, pp);
        if (!c->nex) {
            problem(v, c->line,
                    "%s: no exchanges: list what it reads or writes, e.g. exchanges: "
                    "[{direction: GET, range: DB10.DBB0..DBB63, cycle: 500}]",
                    where);
            continue;
        }
        for (size_t e = 0; e < c->nex && !v->stop; e++) {
            const s7_plant_exchange *x = &c->ex[e];
            char w[96];
            snprintf(w, sizeof w, "%s exchanges[%zu]", where, e);
            if (x->dir != S7_PLANT_GET && x->dir != S7_PLANT_PUT)
                problem(v, x->line,
                        "%s: no direction: add direction: GET (the active partner reads) or PUT "
                        "(it writes)",
                        w);
            else if (x->cycle_ms < 0 || x->cycle_ms > 86400000)
                problem(v, x->line,
                        "%s: cycle %ld ms: a cycle is 1 ms..24 h, or 0 for an exchange that is "
                        "not cyclic",
                        w, x->cycle_ms);
            else if (!x->nranges)
                problem(v, x->line,
                        "%s: no range: add range: DB10.DBB0..DBB63 (or a list of ranges)", w);
            for (size_t r = 0; r < x->nranges && !v->stop; r++) {
                char rw[128];
                snprintf(rw, sizeof rw, "%s.range[%zu]", w, r);
                check_range(v, rw, &x->ranges[r], pp);
            }
        }
    }
}

int s7_plant_validate_each(s7_plant *p, int (*fn)(void *ctx, const char *msg), void *ctx)
{
    vcx v;
    memset(&v, 0, sizeof v);
    v.p = p;
    v.fn = fn;
    v.ctx = ctx;
    check_cells(&v);
    if (!v.stop && check_partners(&v) < 0)
        return S7_ERR_NOMEM;
    if (!v.stop && !p->npartners)
        problem(&v, 0,
                "partners: the list is empty: document at least the two partners of a "
                "connection");
    if (!v.stop && check_routers(&v) < 0)
        return S7_ERR_NOMEM;
    if (p->nconns && !(v.conn_ok = calloc(p->nconns, 1)))
        return S7_ERR_NOMEM;
    if (!v.stop)
        check_conns(&v);
    if (!v.stop)
        check_budgets(&v);
    free(v.conn_ok);
    if (v.count)
        return v.count;
    if (s7__plant_resolve(p) < 0)
        return S7_ERR_NOMEM;
    return 0;
}

typedef struct first_cx {
    char *err;
    size_t cap;
} first_cx;

static int keep_first(void *ctx, const char *msg)
{
    first_cx *f = ctx;
    if (f->err && f->cap)
        snprintf(f->err, f->cap, "%s", msg);
    return 1;
}

int s7_plant_validate(s7_plant *p, char *err, size_t errcap)
{
    first_cx f = {err, errcap};
    int rc = s7_plant_validate_each(p, keep_first, &f);
    if (rc == S7_ERR_NOMEM && err && errcap)
        snprintf(err, errcap, "out of memory");
    return rc > 0 ? S7_ERR_INVAL : rc;
}
