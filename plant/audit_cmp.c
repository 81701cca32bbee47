/* An audit record against the inventory (plant_policy.h s7_plant_audit_classify): which
 * partner an address belongs to, and whether what it did is one of its documented
 * exchanges. */
#include <string.h>

#include "s7/plant_policy.h"
#include "s7/wire.h"

static const s7_plant_partner *by_addr(const s7_plant *p, const char *addr)
{
    s7_plant_addr a;
    if (!addr || s7_plant_parse_addr(addr, &a) < 0)
        return NULL;
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        if (pt->family == S7_PLANT_AF_INET && a.family == S7_PLANT_AF_INET && pt->ip == a.ip)
            return pt;
        if (pt->family == S7_PLANT_AF_INET6 && a.family == S7_PLANT_AF_INET6 &&
            memcmp(pt->ip6, a.ip6, 16) == 0)
            return pt;
    }
    return NULL;
}

/* 1 when [off, off + len) of area/db is inside the ranges of exchanges of direction dir
 * (-1: either) of the connections of pt (to cpu when given), adjoining ranges joined. */
static int covered(const s7_plant *p, const s7_plant_partner *pt, const s7_plant_partner *cpu,
                   int dir, uint8_t area, uint16_t db, uint32_t off, uint32_t len)
{
    uint64_t pos = off, end = (uint64_t)off + (len ? len : 1);
    for (int guard = 0; guard < 4096; guard++) {
        uint64_t best = pos;
        for (size_t i = 0; i < p->nconns; i++) {
            const s7_plant_conn *c = &p->conns[i];
            if (s7_plant_conn_active(p, c) != pt || (cpu && s7_plant_conn_passive(p, c) != cpu))
                continue;
            for (size_t e = 0; e < c->nex; e++) {
                if (dir >= 0 && c->ex[e].dir != dir)
                    continue;
                for (size_t k = 0; k < c->ex[e].nranges; k++) {
                    const s7_plant_range *r = &c->ex[e].ranges[k];
                    if (r->area != area || (area == S7_AREA_DB && r->db != db))
                        continue;
                    uint64_t rs = r->offset, re = (uint64_t)r->offset + r->length;
                    if (rs <= pos && re > best)
                        best = re;
                }
            }
        }
        if (best == pos)
            return 0;
        if (best >= end)
            return 1;
        pos = best;
    }
    return 0;
}

int s7_plant_audit_classify(const s7_plant *p, const char *cpu, const s7_plant_audit_rec *r,
                            const s7_plant_partner **partner)
{
    const s7_plant_partner *pt = by_addr(p, r->addr);
    const s7_plant_partner *cp = cpu ? s7_plant_find_partner(p, cpu) : NULL;
    if (partner)
        *partner = pt;
    if (!pt)
        return S7_PLANT_AUDIT_UNDOC_PARTNER;
    /* the partner must have a documented connection (to that CPU) at all */
    int any = 0;
    for (size_t i = 0; i < p->nconns; i++)
        if (s7_plant_conn_active(p, &p->conns[i]) == pt &&
            (!cp || s7_plant_conn_passive(p, &p->conns[i]) == cp))
            any = 1;
    if (!any)
        return S7_PLANT_AUDIT_UNDOC_PARTNER;
    const char *op = r->op ? r->op : "";
    if (strcmp(op, "connect") == 0)
        return S7_PLANT_AUDIT_DOCUMENTED;
    int is_write = strcmp(op, "write") == 0;
    if (!is_write && strcmp(op, "read") != 0 && strcmp(op, "access") != 0)
        return strcmp(op, "szl") == 0 || strcmp(op, "clock-read") == 0
                   ? S7_PLANT_AUDIT_DOCUMENTED
                   : S7_PLANT_AUDIT_UNDOC_SERVICE;
    if (!r->has_range)
        return S7_PLANT_AUDIT_OUTSIDE;
    uint8_t area = r->area;
    if (area != S7_AREA_DB && area != S7_AREA_I && area != S7_AREA_Q && area != S7_AREA_M &&
        area != S7_AREA_T && area != S7_AREA_C)
        return S7_PLANT_AUDIT_OUTSIDE;
    if (is_write) {
        if (covered(p, pt, cp, S7_PLANT_PUT, area, r->db, r->offset, r->length))
            return S7_PLANT_AUDIT_DOCUMENTED;
        if (covered(p, pt, cp, S7_PLANT_GET, area, r->db, r->offset, r->length))
            return S7_PLANT_AUDIT_WRITE_GET_ONLY;
        return S7_PLANT_AUDIT_OUTSIDE;
    }
    /* a read, or an access the log does not name: GET documents reads */
    if (covered(p, pt, cp, strcmp(op, "read") == 0 ? S7_PLANT_GET : -1, area, r->db, r->offset,
                r->length))
        return S7_PLANT_AUDIT_DOCUMENTED;
    return S7_PLANT_AUDIT_OUTSIDE;
}

const char *s7_plant_audit_class_name(int cls)
{
    switch (cls) {
    case S7_PLANT_AUDIT_DOCUMENTED: return "documented";
    case S7_PLANT_AUDIT_UNDOC_PARTNER: return "undocumented partner";
    case S7_PLANT_AUDIT_WRITE_GET_ONLY: return "write where only GET is documented";
    case S7_PLANT_AUDIT_OUTSIDE: return "outside the documented ranges";
    case S7_PLANT_AUDIT_UNDOC_SERVICE: return "undocumented service";
    default: return "?";
    }
}
