/* s7kit plant report: whether check results and firewall verifications belong to this
 * inventory (plant/report_int.h s7__check_mismatch, s7__check_unwritten; include/s7/plant.h
 * s7_plant_fw_verify_mismatch).
 *
 * A check result is matched to a connection by name only; what it proves is about the
 * address, port, TSAPs and exchanges it checked, from the source it ran from.  A result of
 * another plant (a simulation's loopback addresses, an older revision) must not count as
 * proof here, so each of these is compared with the inventory, and a difference is said
 * with both sides.  Likewise a verification of the firewall is about the partner it stood
 * in for and the rows it probed. */
#include <stdio.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

/* 1 when address texts a and b name the same address (normalised when both parse). */
static int same_addr(const char *a, const char *b)
{
    s7_plant_addr x, y;
    if (s7_plant_parse_addr(a, &x) == 0 && s7_plant_parse_addr(b, &y) == 0)
        return strcmp(x.text, y.text) == 0;
    return strcmp(a, b) == 0;
}

/* "10.0.0.5:102", "[fd00::5]:102" */
static const char *addr_port(const char *addr, unsigned port, char *buf, size_t cap)
{
    snprintf(buf, cap, strchr(addr, ':') ? "[%s]:%u" : "%s:%u", addr, port);
    return buf;
}

/* The inventory's ranges of exchange x, as the check's JSON lists them. */
static const char *ranges_of(const s7_plant_exchange *x, char *buf, size_t cap)
{
    return s7__report_ranges_text(x, buf, cap);
}

int s7__check_mismatch(const s7_plant *p, const s7_plant_conn *c, const s7_plant_check_conn *cc,
                       char *why, size_t cap)
{
    const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
    char x[96], y[96], t[16], r[300];
    if (cc->conn == c) /* a live check of this very plant */
        return 0;
    if (cc->active[0] && strcmp(cc->active, a->name) != 0) {
        snprintf(why, cap,
                 "these results are of a connection from %s, but the inventory documents %s "
                 "from %s: results of another inventory prove nothing here",
                 cc->active, c->name, a->name);
        return 1;
    }
    if (cc->passive[0] && strcmp(cc->passive, pp->name) != 0) {
        snprintf(why, cap,
                 "these results are of a connection to %s, but the inventory documents %s to "
                 "%s: results of another inventory prove nothing here",
                 cc->passive, c->name, pp->name);
        return 1;
    }
    if (!cc->address[0] || !cc->port) {
        snprintf(why, cap,
                 "the results do not name the address and port checked, so nothing ties them "
                 "to %s at %s: run s7 inventory check %s --json again",
                 pp->name, addr_port(pp->address[0] ? pp->address : "?", pp->port, y, sizeof y),
                 p->file ? p->file : "FILE");
        return 1;
    }
    /* a partner known by host name only: the address it had at check time cannot be told
     * from here; the port and the rest still are */
    if ((pp->address[0] && !same_addr(cc->address, pp->address)) || cc->port != pp->port) {
        snprintf(why, cap,
                 "checked %s at %s, but the inventory documents %s at %s: results of another "
                 "inventory (or of older addresses) prove nothing here",
                 pp->name, addr_port(cc->address, cc->port, x, sizeof x), pp->name,
                 addr_port(pp->address[0] ? pp->address : cc->address, pp->port, y, sizeof y));
        return 1;
    }
    if (cc->from_active && a->address[0] && cc->source[0] && !same_addr(cc->source, a->address)) {
        snprintf(why, cap,
                 "checked from %s as %s, but the inventory documents %s at %s: not proven from "
                 "the active partner's documented address",
                 cc->source, cc->from_partner[0] ? cc->from_partner : a->name, a->name, a->address);
        return 1;
    }
    if (cc->from_active && cc->from_partner[0] && strcmp(cc->from_partner, a->name) != 0) {
        snprintf(why, cap,
                 "checked from %s's address, but the inventory documents %s as the active "
                 "partner",
                 cc->from_partner, a->name);
        return 1;
    }
    s7_plant_tsap_text(c->local_tsap, c->remote_tsap, t, sizeof t);
    if (cc->tsap[0] && strcmp(cc->tsap, t) != 0) {
        snprintf(why, cap, "checked with TSAPs %s, but the inventory documents TSAPs %s", cc->tsap,
                 t);
        return 1;
    }
    if (cc->nex != c->nex) {
        snprintf(why, cap,
                 "the results list %zu exchange%s, but the inventory documents %zu for %s: "
                 "results of another inventory prove nothing here",
                 cc->nex, cc->nex == 1 ? "" : "s", c->nex, c->name);
        return 1;
    }
    for (size_t e = 0; e < c->nex; e++) {
        const s7_plant_exchange *ex = &c->ex[e];
        const s7_plant_check_ex *ce = &cc->ex[e];
        const char *dir = ex->dir == S7_PLANT_PUT ? "put" : "get";
        ranges_of(ex, r, sizeof r);
        if ((ce->dir[0] && strcmp(ce->dir, dir) != 0) || (ce->ranges[0] && strcmp(ce->ranges, r))) {
            snprintf(why, cap,
                     "exchange %zu was checked as %s %s, but the inventory documents %s %s: "
                     "results of another inventory prove nothing here",
                     e + 1, ce->dir[0] ? ce->dir : dir, ce->ranges[0] ? ce->ranges : r, dir, r);
            return 1;
        }
    }
    return 0;
}

size_t s7__check_unwritten(const s7_plant_conn *c, const s7_plant_check_conn *cc, char *ranges,
                           size_t cap)
{
    size_t n = 0, l = 0;
    char r[300];
    if (ranges && cap)
        ranges[0] = 0;
    for (size_t e = 0; e < c->nex && e < cc->nex; e++)
        if (c->ex[e].dir == S7_PLANT_PUT && cc->ex[e].status == S7_PLANT_SKIP) {
            n++;
            if (ranges && l < cap)
                l += (size_t)snprintf(ranges + l, cap - l, "%s%s", l ? ", " : "",
                                      ranges_of(&c->ex[e], r, sizeof r));
        }
    return n;
}

/* 1 when p documents a connection from partner a to partner t. */
static int documented(const s7_plant *p, const s7_plant_partner *a, const s7_plant_partner *t)
{
    for (size_t i = 0; i < p->nconns; i++)
        if (&p->partners[p->conns[i].active] == a && &p->partners[p->conns[i].passive] == t)
            return 1;
    return 0;
}

/* The row of v probing t's S7 port, NULL when none. */
static const s7_plant_fw_path *row_of(const s7_plant_fw_verify *v, const s7_plant_partner *t)
{
    for (size_t k = 0; k < v->npaths; k++)
        if (strcmp(v->paths[k].to, t->name) == 0 && v->paths[k].port == t->port)
            return &v->paths[k];
    return NULL;
}

int s7_plant_fw_verify_mismatch(const s7_plant *p, const s7_plant_fw_verify *v, char *why,
                                size_t cap)
{
    char tmp[400], x[96], y[96];
    if (!why || !cap) {
        why = tmp;
        cap = sizeof tmp;
    }
    const s7_plant_partner *as = v->as[0] ? s7_plant_find_partner(p, v->as) : NULL;
    if (!as) {
        snprintf(why, cap,
                 v->as[0] ? "it was made as %s, a partner %s does not document: a verification "
                            "of another inventory proves nothing about this plant's firewall"
                          : "it does not name the partner it was made as%s%s: nothing ties it to "
                            "this plant's firewall",
                 v->as, v->as[0] ? (p->file ? p->file : "the inventory") : "");
        return 1;
    }
    if (v->source[0] && as->address[0] && !same_addr(v->source, as->address)) {
        snprintf(why, cap,
                 "it was probed from %s, but the inventory documents %s at %s: it proves "
                 "nothing about %s's paths",
                 v->source, as->name, as->address, as->name);
        return 1;
    }
    for (size_t k = 0; k < v->npaths; k++) {
        const s7_plant_fw_path *r = &v->paths[k];
        const s7_plant_partner *t = r->to[0] ? s7_plant_find_partner(p, r->to) : NULL;
        if (r->from[0] && strcmp(r->from, as->name) != 0) {
            snprintf(why, cap,
                     "its row %zu is a path from %s, not from %s: not a verification made as "
                     "one partner of this inventory",
                     k + 1, r->from, as->name);
            return 1;
        }
        if (!t) {
            snprintf(why, cap,
                     "its row %zu probes %s, a partner %s does not document: a verification of "
                     "another inventory proves nothing here",
                     k + 1, r->to[0] ? r->to : addr_port(r->address, r->port, x, sizeof x),
                     p->file ? p->file : "the inventory");
            return 1;
        }
        if ((t->address[0] && r->address[0] && !same_addr(r->address, t->address)) ||
            r->port != t->port) {
            snprintf(why, cap,
                     "its row %zu probed %s at %s, but the inventory documents %s at %s: a "
                     "verification of another inventory (or of older addresses) proves nothing "
                     "here",
                     k + 1, t->name,
                     addr_port(r->address[0] ? r->address : "?", r->port, x, sizeof x), t->name,
                     addr_port(t->address[0] ? t->address : "?", t->port, y, sizeof y));
            return 1;
        }
        if (r->expect_open != documented(p, as, t)) {
            snprintf(why, cap,
                     "its row %zu expects %s -> %s %s, but the inventory %s that path: it was "
                     "made for another inventory",
                     k + 1, as->name, t->name, r->expect_open ? "open" : "dropped",
                     r->expect_open ? "does not document" : "documents");
            return 1;
        }
    }
    /* every row verify-firewall probes for this plant: the documented paths from as, and
     * every other CPU's S7 port (of as's address family) */
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *t = &p->partners[i];
        int doc = documented(p, as, t);
        int cpu = s7_plant_is_passive(p, t) || s7_plant_partner_has_role(t, S7_PLANT_KIND_PLC);
        if (t == as || !(doc || cpu) || (t->family && as->family && t->family != as->family))
            continue;
        if (!row_of(v, t)) {
            snprintf(why, cap,
                     "it does not probe %s -> %s at %s (%s here): it was made for another "
                     "inventory, or a partial one",
                     as->name, t->name,
                     addr_port(t->address[0] ? t->address : "?", t->port, x, sizeof x),
                     doc ? "a documented path" : "a CPU that must be dropped");
            return 1;
        }
    }
    return 0;
}
