/* The guard policy (plant_policy.h): partners, ranges and services; built from a plant's
 * documented connections of one CPU or by a rules loader; matching a connection request to
 * a partner and an item to a range. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/plant_policy.h"
#include "s7/wire.h"

s7_policy *s7_policy_new(void)
{
    s7_policy *p = calloc(1, sizeof *p);
    if (p)
        p->shared_upstreams = 2;
    return p;
}

void s7_policy_free(s7_policy *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->npartners; i++)
        free(p->partners[i].ranges);
    free(p->partners);
    free(p);
}

s7_policy *s7_policy_dup(const s7_policy *p)
{
    s7_policy *d = p ? s7_policy_new() : NULL;
    if (!d)
        return NULL;
    memcpy(d->source, p->source, sizeof d->source);
    d->shared_upstreams = p->shared_upstreams;
    if (p->npartners) {
        d->partners = calloc(p->npartners, sizeof *d->partners);
        if (!d->partners) {
            free(d);
            return NULL;
        }
    }
    for (size_t i = 0; i < p->npartners; i++) {
        d->partners[i] = p->partners[i];
        d->partners[i].ranges = NULL;
        d->npartners = i + 1;
        size_t n = p->partners[i].nranges;
        if (n) {
            d->partners[i].ranges = malloc(n * sizeof *d->partners[i].ranges);
            if (!d->partners[i].ranges) {
                s7_policy_free(d);
                return NULL;
            }
            memcpy(d->partners[i].ranges, p->partners[i].ranges, n * sizeof *d->partners[i].ranges);
        }
    }
    return d;
}

s7_policy_partner *s7_policy_add_partner(s7_policy *p, const char *name)
{
    s7_policy_partner *n = realloc(p->partners, (p->npartners + 1) * sizeof *n);
    if (!n)
        return NULL;
    p->partners = n;
    s7_policy_partner *pt = &n[p->npartners++];
    memset(pt, 0, sizeof *pt);
    snprintf(pt->name, sizeof pt->name, "%s", name ? name : "");
    pt->any_addr = 1;
    pt->services = S7_POL_DEFAULT;
    return pt;
}

s7_policy_range *s7_policy_add_range(s7_policy_partner *pt, uint8_t area, uint16_t db,
                                     uint32_t offset, uint32_t length, unsigned access)
{
    if (length == 0)
        return NULL;
    s7_policy_range *n = realloc(pt->ranges, (pt->nranges + 1) * sizeof *n);
    if (!n)
        return NULL;
    pt->ranges = n;
    s7_policy_range *r = &n[pt->nranges++];
    memset(r, 0, sizeof *r);
    r->area = area;
    r->db = area == S7_AREA_DB ? db : 0;
    r->offset = offset;
    r->length = length;
    r->access = access;
    return r;
}

/* ---------------------------------------------------------------- from a plant */

static int add_conn(s7_policy *pol, const s7_plant *pl, const s7_plant_conn *c, char *err,
                    size_t errcap)
{
    const s7_plant_partner *a = s7_plant_conn_active(pl, c);
    if (!a->address[0]) {
        snprintf(err, errcap,
                 "%s%sconnection %s: its active partner %s has no address (give address: or "
                 "resolve its host name) so the guard cannot recognise it",
                 pl->file ? pl->file : "", pl->file ? ": " : "", c->name, a->name);
        return S7_ERR_INVAL;
    }
    s7_plant_addr addr;
    if (s7_plant_parse_addr(a->address, &addr) < 0)
        return S7_ERR_INVAL;
    /* A connection request carries the source address, the type and the TSAPs, nothing
     * more: every documented connection that one CR matches is the same partner of the
     * policy, or the first would hide the others (s7_policy_match takes the first).  So
     * the connections of one active partner with the same type and TSAPs join into one
     * partner with all their exchanges; another partner of the inventory at that address
     * with them cannot be told apart from it and is an error. */
    s7_policy_partner *pt = NULL;
    for (size_t i = 0; i < pol->npartners && !pt; i++) {
        s7_policy_partner *o = &pol->partners[i];
        if (o->addr.family != addr.family ||
            (addr.family == S7_PLANT_AF_INET ? o->addr.ip != addr.ip
                                             : memcmp(o->addr.ip6, addr.ip6, 16) != 0) ||
            o->type != c->type || o->local_tsap != c->local_tsap ||
            o->remote_tsap != c->remote_tsap)
            continue;
        if (strcmp(o->name, a->name) != 0) {
            snprintf(err, errcap,
                     "%s:%d: connection %s: its active partner %s has the address, connection "
                     "type and TSAPs of partner %s (%s, line %d): the guard cannot tell their "
                     "connections apart (give one of them other TSAPs, or document both as one "
                     "partner)",
                     pl->file ? pl->file : "-", c->line, c->name, a->name, o->name, o->rule,
                     o->line);
            return S7_ERR_INVAL;
        }
        pt = o;
        size_t l = strlen(pt->rule);
        if (l + strlen(c->name) + 3 < sizeof pt->rule)
            snprintf(pt->rule + l, sizeof pt->rule - l, ", %s", c->name);
    }
    if (!pt) {
        pt = s7_policy_add_partner(pol, a->name);
        if (!pt)
            return S7_ERR_NOMEM;
        pt->any_addr = 0;
        pt->addr = addr;
        pt->type = c->type;
        pt->local_tsap = c->local_tsap;
        pt->remote_tsap = c->remote_tsap;
        pt->line = c->line;
        snprintf(pt->rule, sizeof pt->rule, "conn %s", c->name);
    }
    for (size_t e = 0; e < c->nex; e++) {
        const s7_plant_exchange *x = &c->ex[e];
        for (size_t i = 0; i < x->nranges; i++) {
            const s7_plant_range *pr = &x->ranges[i];
            s7_policy_range *r =
                s7_policy_add_range(pt, pr->area, pr->db, pr->offset, pr->length,
                                    x->dir == S7_PLANT_PUT ? S7_POL_WRITE : S7_POL_READ);
            if (!r)
                return S7_ERR_NOMEM;
            char txt[48];
            snprintf(r->rule, sizeof r->rule, "conn %s %s %s", c->name, s7_plant_dir_name(x->dir),
                     s7_plant_range_text(pr, txt, sizeof txt));
            r->line = pr->line ? pr->line : x->line;
        }
    }
    return 0;
}

int s7_policy_from_plant(const s7_plant *pl, const char *cpu, s7_policy **out, char *err,
                         size_t errcap)
{
    *out = NULL;
    if (errcap)
        err[0] = 0;
    const s7_plant_partner *cp = cpu ? s7_plant_find_partner(pl, cpu) : NULL;
    if (!cp) {
        char names[400];
        s7_plant_passive_names(pl, names, sizeof names);
        snprintf(err, errcap,
                 "%s%sno partner named '%s' (give --cpu the name of a CPU of the inventory; the "
                 "connections go to: %s)",
                 pl->file ? pl->file : "", pl->file ? ": " : "", cpu ? cpu : "", names);
        return S7_ERR_INVAL;
    }
    s7_policy *pol = s7_policy_new();
    if (!pol)
        return S7_ERR_NOMEM;
    snprintf(pol->source, sizeof pol->source, "inventory %s cpu %s", pl->file ? pl->file : "-",
             cp->name);
    size_t found = 0;
    for (size_t i = 0; i < pl->nconns; i++) {
        const s7_plant_conn *c = &pl->conns[i];
        if (s7_plant_conn_passive(pl, c) != cp)
            continue;
        found++;
        int r = add_conn(pol, pl, c, err, errcap);
        if (r < 0) {
            s7_policy_free(pol);
            return r;
        }
    }
    if (!found) {
        snprintf(err, errcap,
                 "%s%sno connection has %s as its passive partner: the guard would refuse "
                 "everyone (document the connections to it, or name another CPU)",
                 pl->file ? pl->file : "", pl->file ? ": " : "", cp->name);
        s7_policy_free(pol);
        return S7_ERR_INVAL;
    }
    *out = pol;
    return 0;
}

/* ---------------------------------------------------------------- matching */

static const char *type_name(int t)
{
    return t == 1 ? "pg" : t == 2 ? "op" : t == 3 ? "basic" : "other";
}

long s7_policy_match(const s7_policy *p, const char *addr, int type, uint16_t local_tsap,
                     uint16_t remote_tsap, char *why, size_t cap)
{
    s7_plant_addr a;
    int have = addr && s7_plant_parse_addr(addr, &a) == 0;
    /* an IPv4-mapped IPv6 source is its IPv4 address */
    if (have && a.family == S7_PLANT_AF_INET6) {
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(a.ip6, mapped, 12) == 0) {
            a.family = S7_PLANT_AF_INET;
            a.ip = (uint32_t)a.ip6[12] << 24 | (uint32_t)a.ip6[13] << 16 |
                   (uint32_t)a.ip6[14] << 8 | a.ip6[15];
        }
    }
    long addr_match = -1;
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_policy_partner *pt = &p->partners[i];
        if (!pt->any_addr) {
            if (!have || a.family != pt->addr.family)
                continue;
            if (a.family == S7_PLANT_AF_INET ? a.ip != pt->addr.ip
                                             : memcmp(a.ip6, pt->addr.ip6, 16) != 0)
                continue;
        }
        if (addr_match < 0)
            addr_match = (long)i;
        if (pt->type && pt->type != type)
            continue;
        if (pt->remote_tsap && pt->remote_tsap != remote_tsap)
            continue;
        if (pt->local_tsap && pt->local_tsap != local_tsap)
            continue;
        return (long)i;
    }
    if (addr_match < 0) {
        snprintf(why, cap, "no partner documented for address %s", addr ? addr : "(unknown)");
    } else {
        const s7_policy_partner *pt = &p->partners[addr_match];
        if (pt->type && pt->type != type)
            snprintf(why, cap, "partner %s is documented with connection type %s, asked %s",
                     pt->name, type_name(pt->type), type_name(type));
        else
            snprintf(why, cap, "partner %s is documented with TSAPs %04X:%04X, asked %04X:%04X",
                     pt->name, pt->local_tsap, pt->remote_tsap, local_tsap, remote_tsap);
    }
    return -1;
}

long s7_policy_check(const s7_policy_partner *pt, uint8_t area, uint16_t db, uint32_t offset,
                     uint32_t nbytes, unsigned access)
{
    if (area != S7_AREA_DB)
        db = 0;
    uint64_t pos = offset, end = (uint64_t)offset + nbytes;
    long first = -1;
    /* walk forward: each step finds a range that covers pos and moves to its end */
    for (size_t guard = 0; guard <= pt->nranges; guard++) {
        long hit = -1;
        uint64_t best = pos;
        for (size_t i = 0; i < pt->nranges; i++) {
            const s7_policy_range *r = &pt->ranges[i];
            if (r->area != area || r->db != db || !(r->access & access))
                continue;
            uint64_t rs = r->offset, re = (uint64_t)r->offset + r->length;
            if (rs <= pos && re > best) {
                best = re;
                hit = (long)i;
            }
        }
        if (hit < 0)
            return -1;
        if (first < 0)
            first = hit;
        if (best >= end)
            return first;
        pos = best;
    }
    return -1;
}

/* ---------------------------------------------------------------- services */

static const struct {
    const char *name;
    unsigned bit;
} services[] = {
    {"szl-identity", S7_POL_SZL_IDENTITY},
    {"szl", S7_POL_SZL},
    {"clock-read", S7_POL_CLOCK_READ},
    {"clock-set", S7_POL_CLOCK_SET},
    {"control", S7_POL_CONTROL},
    {"blocks", S7_POL_BLOCKS},
    {"upload", S7_POL_UPLOAD},
    {"download", S7_POL_DOWNLOAD},
    {"password", S7_POL_PASSWORD},
    {"programmer", S7_POL_PROGRAMMER},
    {"cyclic", S7_POL_CYCLIC},
    {"alarms", S7_POL_ALARMS},
};

unsigned s7_policy_service_parse(const char *name)
{
    if (!name)
        return 0;
    if (strcmp(name, "all") == 0)
        return S7_POL__ALL;
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (strcmp(services[i].name, name) == 0)
            return services[i].bit;
    return 0;
}

const char *s7_policy_service_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof services / sizeof services[0]; i++)
        if (services[i].bit == bit)
            return services[i].name;
    return "?";
}

const char *s7_policy_service_names(void)
{
    return "szl-identity, szl, clock-read, clock-set, control, blocks, upload, download, "
           "password, programmer, cyclic, alarms, all";
}

int s7_policy_szl_identity(uint16_t id)
{
    switch (id & 0x00FF) {
    case 0x00: /* list of SZL ids */
    case 0x11: /* module identification */
    case 0x12: /* CPU characteristics */
    case 0x13: /* user memory areas */
    case 0x14: /* system areas */
    case 0x15: /* block types */
    case 0x1C: /* component identification */
    case 0x22: /* interrupt status */
    case 0x24: /* operating mode */
    case 0x31: /* communication capabilities */
    case 0x32: /* communication status (protection) */
    case 0x37: /* Ethernet details */
    case 0x74: /* LED status */
    case 0x91: /* module status */ return 1;
    default: return 0;
    }
}
