/* s7kit plant model (include/s7/plant.h): the plant's lifecycle, the builder functions that
 * loaders and programs fill it with, queries by name, and the texts every renderer shares
 * (ranges, cycles, TSAPs, kinds).  No I/O. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant/internal.h"
#include "s7/plant.h"
#include "s7/wire.h"
#include "util/text.h"

/* ---------------------------------------------------------------- helpers */

int s7__plant_set_str(char **dst, const char *s)
{
    char *n = NULL;
    if (s && !(n = s7__strdup(s)))
        return S7_ERR_NOMEM;
    free(*dst);
    *dst = n;
    return 0;
}

void *s7__plant_push(void *arr_ptr, size_t *n, size_t sz)
{
    void **arr = arr_ptr;
    char *a = realloc(*arr, (*n + 1) * sz);
    if (!a)
        return NULL;
    *arr = a;
    memset(a + *n * sz, 0, sz);
    return a + (*n)++ * sz;
}

/* ---------------------------------------------------------------- lifecycle */

s7_plant *s7_plant_new(void) { return calloc(1, sizeof(s7_plant)); }

static void free_conn(s7_plant_conn *c)
{
    for (size_t e = 0; e < c->nex; e++) {
        free(c->ex[e].ranges);
        free(c->ex[e].description);
    }
    free(c->ex);
    free(c->name);
    free(c->active_name);
    free(c->passive_name);
    free(c->description);
}

void s7_plant_free(s7_plant *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ncells; i++) {
        free(p->cells[i].name);
        free(p->cells[i].description);
    }
    for (size_t i = 0; i < p->nrouters; i++) {
        for (size_t k = 0; k < p->routers[i].nifs; k++) {
            free(p->routers[i].ifs[k].name);
            free(p->routers[i].ifs[k].cell_name);
        }
        free(p->routers[i].ifs);
        free(p->routers[i].name);
        free(p->routers[i].description);
    }
    free(p->routers);
    for (size_t i = 0; i < p->npartners; i++) {
        free(p->partners[i].host);
        free(p->partners[i].name);
        free(p->partners[i].cell_name);
        free(p->partners[i].profile);
        free(p->partners[i].description);
    }
    for (size_t i = 0; i < p->nconns; i++)
        free_conn(&p->conns[i]);
    free(p->cells);
    free(p->partners);
    free(p->conns);
    free(p->file);
    free(p->title);
    free(p->description);
    free(p->revision);
    free(p);
}

int s7_plant_set_file(s7_plant *p, const char *s) { return s7__plant_set_str(&p->file, s); }
int s7_plant_set_title(s7_plant *p, const char *s) { return s7__plant_set_str(&p->title, s); }
int s7_plant_set_description(s7_plant *p, const char *s)
{
    return s7__plant_set_str(&p->description, s);
}
int s7_plant_set_revision(s7_plant *p, const char *s) { return s7__plant_set_str(&p->revision, s); }

/* ---------------------------------------------------------------- cells */

s7_plant_cell *s7_plant_add_cell(s7_plant *p, const char *name)
{
    s7_plant_cell *c = s7__plant_push(&p->cells, &p->ncells, sizeof *c);
    if (!c)
        return NULL;
    p->cells_declared = 1;
    if (name && !(c->name = s7__strdup(name))) {
        p->ncells--;
        return NULL;
    }
    return c;
}

int s7_plant_cell_set_name(s7_plant_cell *c, const char *s)
{
    return s7__plant_set_str(&c->name, s);
}
int s7_plant_cell_set_description(s7_plant_cell *c, const char *s)
{
    return s7__plant_set_str(&c->description, s);
}

void s7_plant_cell_set_subnet(s7_plant_cell *c, uint32_t net, int prefix)
{
    c->has_subnet = 1;
    c->net = net;
    c->prefix = prefix;
}

void s7_plant_cell_set_subnet6(s7_plant_cell *c, const uint8_t net6[16], int prefix6)
{
    c->has_subnet6 = 1;
    memcpy(c->net6, net6, sizeof c->net6);
    c->prefix6 = prefix6;
}

/* ---------------------------------------------------------------- routers */

s7_plant_router *s7_plant_add_router(s7_plant *p, const char *name)
{
    s7_plant_router *r = s7__plant_push(&p->routers, &p->nrouters, sizeof *r);
    if (!r)
        return NULL;
    if (name && !(r->name = s7__strdup(name))) {
        p->nrouters--;
        return NULL;
    }
    return r;
}

int s7_plant_router_set_description(s7_plant_router *r, const char *s)
{
    return s7__plant_set_str(&r->description, s);
}

s7_plant_router_if *s7_plant_router_add_if(s7_plant_router *r, const char *name, const char *cell)
{
    s7_plant_router_if *ri = s7__plant_push(&r->ifs, &r->nifs, sizeof *ri);
    if (!ri)
        return NULL;
    if ((name && !(ri->name = s7__strdup(name))) || (cell && !(ri->cell_name = s7__strdup(cell)))) {
        free(ri->name);
        r->nifs--;
        return NULL;
    }
    return ri;
}

int s7_plant_router_if_set_address(s7_plant_router_if *ri, const char *cidr)
{
    s7_plant_addr a;
    int prefix;
    if (!cidr || s7_plant_parse_cidr(cidr, &a, &prefix))
        return S7_ERR_INVAL;
    if (a.family == S7_PLANT_AF_INET) {
        ri->has_v4 = 1;
        ri->ip = a.ip;
        ri->prefix = prefix;
        snprintf(ri->address, sizeof ri->address, "%s", a.text);
    } else {
        ri->has_v6 = 1;
        memcpy(ri->ip6, a.ip6, sizeof ri->ip6);
        ri->prefix6 = prefix;
        snprintf(ri->address6, sizeof ri->address6, "%s", a.text);
    }
    return 0;
}

/* ---------------------------------------------------------------- partners */

s7_plant_partner *s7_plant_add_partner(s7_plant *p, const char *name)
{
    s7_plant_partner *pt = s7__plant_push(&p->partners, &p->npartners, sizeof *pt);
    if (!pt)
        return NULL;
    pt->rack = pt->slot = -1;
    pt->profile_rack = pt->profile_slot = -1;
    pt->port = 102;
    pt->kind = S7_PLANT_KIND_OTHER;
    if (name && !(pt->name = s7__strdup(name))) {
        p->npartners--;
        return NULL;
    }
    return pt;
}

int s7_plant_partner_set_name(s7_plant_partner *pt, const char *s)
{
    return s7__plant_set_str(&pt->name, s);
}

int s7_plant_partner_set_address(s7_plant_partner *pt, const char *ip)
{
    s7_plant_addr a;
    if (!ip || s7_plant_parse_addr(ip, &a))
        return S7_ERR_INVAL;
    s7__plant_partner_take(pt, &a);
    pt->host_resolved = 0;
    return 0;
}

void s7__plant_partner_take(s7_plant_partner *pt, const s7_plant_addr *a)
{
    pt->family = a->family;
    pt->ip = a->family == S7_PLANT_AF_INET ? a->ip : 0;
    memcpy(pt->ip6, a->ip6, sizeof pt->ip6);
    snprintf(pt->address, sizeof pt->address, "%s", a->text);
}

void s7__plant_partner_addr(const s7_plant_partner *pt, s7_plant_addr *a)
{
    memset(a, 0, sizeof *a);
    a->family = pt->family;
    a->ip = pt->ip;
    memcpy(a->ip6, pt->ip6, sizeof a->ip6);
    snprintf(a->text, sizeof a->text, "%s", pt->address);
}

int s7_plant_partner_set_host(s7_plant_partner *pt, const char *name)
{
    if (name && !s7_plant_host_name_ok(name))
        return S7_ERR_INVAL;
    return s7__plant_set_str(&pt->host, name);
}

int s7_plant_partner_add_role(s7_plant_partner *pt, int kind)
{
    if (kind < 0 || kind >= S7_PLANT_KIND__COUNT)
        return S7_ERR_INVAL;
    if (!pt->roles)
        pt->kind = kind;
    pt->roles |= 1u << kind;
    return 0;
}

int s7_plant_partner_has_role(const s7_plant_partner *pt, int kind)
{
    return pt->kind == kind ||
           (kind >= 0 && kind < S7_PLANT_KIND__COUNT && (pt->roles >> kind) & 1u);
}

const char *s7_plant_partner_roles_text(const s7_plant_partner *pt, char *buf, size_t cap)
{
    size_t o = 0;
    if (!cap)
        return buf;
    o = (size_t)snprintf(buf, cap, "%s", s7_plant_kind_name(pt->kind));
    for (int k = 0; k < S7_PLANT_KIND__COUNT && o < cap; k++)
        if (k != pt->kind && (pt->roles >> k) & 1u)
            o += (size_t)snprintf(buf + o, cap - o, "+%s", s7_plant_kind_name(k));
    return buf;
}

const char *s7_plant_partner_addr_text(const s7_plant_partner *pt, char *buf, size_t cap)
{
    if (pt->host && pt->address[0])
        snprintf(buf, cap, "%s (%s)", pt->host, pt->address);
    else if (pt->host)
        snprintf(buf, cap, "%s (not resolved)", pt->host);
    else
        snprintf(buf, cap, "%s", pt->address);
    return buf;
}

int s7_plant_partner_set_cell(s7_plant_partner *pt, const char *cell)
{
    return s7__plant_set_str(&pt->cell_name, cell);
}

int s7_plant_partner_set_profile(s7_plant_partner *pt, const char *profile, int rack, int slot,
                                 int logo_tsap)
{
    int rc = s7__plant_set_str(&pt->profile, profile);
    if (rc)
        return rc;
    pt->profile_rack = profile ? rack : -1;
    pt->profile_slot = profile ? slot : -1;
    pt->profile_logo_tsap = profile ? logo_tsap != 0 : 0;
    return 0;
}

int s7_plant_partner_set_description(s7_plant_partner *pt, const char *s)
{
    return s7__plant_set_str(&pt->description, s);
}

void s7_plant_partner_set_tsap(s7_plant_partner *pt, uint16_t local, uint16_t remote)
{
    pt->local_tsap = local;
    pt->remote_tsap = remote;
}

/* ---------------------------------------------------------------- connections */

s7_plant_conn *s7_plant_add_conn(s7_plant *p, const char *name, const char *active,
                                 const char *passive)
{
    s7_plant_conn *c = s7__plant_push(&p->conns, &p->nconns, sizeof *c);
    if (!c)
        return NULL;
    c->rack = c->slot = -1;
    if ((name && !(c->name = s7__strdup(name))) ||
        (active && !(c->active_name = s7__strdup(active))) ||
        (passive && !(c->passive_name = s7__strdup(passive)))) {
        free_conn(c);
        p->nconns--;
        return NULL;
    }
    return c;
}

int s7_plant_conn_set_name(s7_plant_conn *c, const char *s)
{
    return s7__plant_set_str(&c->name, s);
}
int s7_plant_conn_set_active(s7_plant_conn *c, const char *s)
{
    return s7__plant_set_str(&c->active_name, s);
}
int s7_plant_conn_set_passive(s7_plant_conn *c, const char *s)
{
    return s7__plant_set_str(&c->passive_name, s);
}
int s7_plant_conn_set_description(s7_plant_conn *c, const char *s)
{
    return s7__plant_set_str(&c->description, s);
}

void s7_plant_conn_set_tsap(s7_plant_conn *c, uint16_t local, uint16_t remote)
{
    c->local_tsap = local;
    c->remote_tsap = remote;
    c->explicit_tsap = 1;
}

s7_plant_exchange *s7_plant_conn_add_exchange(s7_plant_conn *c, int dir, long cycle_ms)
{
    s7_plant_exchange *e = s7__plant_push(&c->ex, &c->nex, sizeof *e);
    if (!e)
        return NULL;
    e->dir = dir;
    e->cycle_ms = cycle_ms;
    return e;
}

int s7_plant_exchange_set_description(s7_plant_exchange *e, const char *s)
{
    return s7__plant_set_str(&e->description, s);
}

s7_plant_range *s7_plant_exchange_add_range(s7_plant_exchange *e, uint8_t area, uint16_t db,
                                            uint32_t offset, uint32_t length)
{
    s7_plant_range *r = s7__plant_push(&e->ranges, &e->nranges, sizeof *r);
    if (!r)
        return NULL;
    r->area = area;
    r->db = db;
    r->offset = offset;
    r->length = length;
    return r;
}

/* ---------------------------------------------------------------- queries */

const s7_plant_partner *s7_plant_find_partner(const s7_plant *p, const char *name)
{
    for (size_t i = 0; name && i < p->npartners; i++)
        if (p->partners[i].name && strcmp(p->partners[i].name, name) == 0)
            return &p->partners[i];
    return NULL;
}

const s7_plant_conn *s7_plant_find_conn(const s7_plant *p, const char *name)
{
    for (size_t i = 0; name && i < p->nconns; i++)
        if (p->conns[i].name && strcmp(p->conns[i].name, name) == 0)
            return &p->conns[i];
    return NULL;
}

const s7_plant_partner *s7_plant_conn_active(const s7_plant *p, const s7_plant_conn *c)
{
    return c->active < p->npartners ? &p->partners[c->active] : NULL;
}

const s7_plant_partner *s7_plant_conn_passive(const s7_plant *p, const s7_plant_conn *c)
{
    return c->passive < p->npartners ? &p->partners[c->passive] : NULL;
}

int s7_plant_is_passive(const s7_plant *p, const s7_plant_partner *pt)
{
    for (size_t i = 0; i < p->nconns; i++)
        if (&p->partners[p->conns[i].passive] == pt)
            return 1;
    return 0;
}

void s7_plant_passive_names(const s7_plant *p, char *buf, size_t cap)
{
    size_t n = 0;
    if (cap)
        buf[0] = 0;
    for (size_t i = 0; i < p->npartners && n < cap; i++)
        if (s7_plant_is_passive(p, &p->partners[i])) {
            int w = snprintf(buf + n, cap - n, "%s%s", n ? ", " : "", p->partners[i].name);
            if (w < 0)
                break;
            n += (size_t)w;
        }
}

/* ---------------------------------------------------------------- texts */

static const char *const KIND_NAMES[S7_PLANT_KIND__COUNT] = {
    "plc", "hmi", "scada", "engineering", "gateway", "pc", "other"};

const char *s7_plant_kind_name(int kind)
{
    return kind >= 0 && kind < S7_PLANT_KIND__COUNT ? KIND_NAMES[kind] : "other";
}

const char *s7_plant_dir_name(int dir) { return dir == S7_PLANT_PUT ? "PUT" : "GET"; }

const char *s7_plant_type_name(int type) { return type == 2 ? "op" : type == 3 ? "basic" : "pg"; }

const char *s7_plant_cycle_text(long ms, char *buf, size_t cap)
{
    if (ms <= 0)
        snprintf(buf, cap, "on event");
    else if (ms % 60000 == 0)
        snprintf(buf, cap, "%ld min", ms / 60000);
    else if (ms % 1000 == 0)
        snprintf(buf, cap, "%ld s", ms / 1000);
    else
        snprintf(buf, cap, "%ld ms", ms);
    return buf;
}

const char *s7_plant_tsap_text(uint16_t local, uint16_t remote, char *buf, size_t cap)
{
    snprintf(buf, cap, "%04X:%04X", local, remote);
    return buf;
}

const char *s7__plant_area_letter(uint8_t area)
{
    switch (area) {
    case S7_AREA_I: return "I";
    case S7_AREA_Q: return "Q";
    case S7_AREA_M: return "M";
    default: return "DB";
    }
}

size_t s7_plant_range_bytes(const s7_plant_range *r)
{
    return r->area == S7_AREA_T || r->area == S7_AREA_C ? 2 * (size_t)r->length : (size_t)r->length;
}

const char *s7_plant_range_text(const s7_plant_range *r, char *buf, size_t cap)
{
    uint32_t last = r->offset + r->length - 1;
    if (r->area == S7_AREA_T || r->area == S7_AREA_C) {
        /* timers and counters by number: T5, T0..T15, C0..C7 */
        const char *a = r->area == S7_AREA_T ? "T" : "C";
        if (r->length == 1)
            snprintf(buf, cap, "%s%u", a, r->offset);
        else
            snprintf(buf, cap, "%s%u..%s%u", a, r->offset, a, last);
    } else if (r->area == S7_AREA_DB) {
        if (r->length == 1)
            snprintf(buf, cap, "DB%u.DBB%u", r->db, r->offset);
        else
            snprintf(buf, cap, "DB%u.DBB%u..DBB%u", r->db, r->offset, last);
    } else {
        const char *a = s7__plant_area_letter(r->area);
        if (r->length == 1)
            snprintf(buf, cap, "%sB%u", a, r->offset);
        else
            snprintf(buf, cap, "%sB%u..%sB%u", a, r->offset, a, last);
    }
    return buf;
}

const char *s7_plant_partner_where(const s7_plant *p, const s7_plant_partner *pt, char *buf,
                                   size_t cap)
{
    int has_prof = pt->profile != NULL;
    if (pt->remote_tsap)
        snprintf(buf, cap, "TSAPs %04X:%04X", pt->local_tsap, pt->remote_tsap);
    else if (has_prof && pt->profile_logo_tsap && pt->rack < 0 && pt->slot < 0)
        snprintf(buf, cap, "TSAPs 0100:0200");
    else if (pt->rack >= 0 || pt->slot >= 0 || has_prof || s7_plant_is_passive(p, pt))
        snprintf(buf, cap, "rack %d slot %d",
                 pt->rack >= 0                       ? pt->rack
                 : has_prof && pt->profile_rack >= 0 ? pt->profile_rack
                                                     : 0,
                 pt->slot >= 0                       ? pt->slot
                 : has_prof && pt->profile_slot >= 0 ? pt->profile_slot
                                                     : 1);
    else
        snprintf(buf, cap, "%s", "");
    return buf;
}

void s7_plant_xml_str(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        if (*c >= 0x80) {
            /* well-formed UTF-8 as it is; a byte that is not (text a CPU reported, a cut
             * made elsewhere) becomes U+FFFD: an XML parser refuses the whole file for it */
            size_t n = s7__utf8_seq((const char *)c);
            if (n)
                fwrite(c, 1, n, f);
            else
                fputs("\xEF\xBF\xBD", f);
            c += n ? n - 1 : 0;
            continue;
        }
        switch (*c) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            if (*c < 0x20 && *c != '\n' && *c != '\t')
                fputc(' ', f); /* not allowed in XML 1.0 */
            else
                fputc(*c, f);
        }
    }
}

/* ---------------------------------------------------------------- check results */

static const char *const STATUS_NAMES[] = {"pass", "fail", "skip", "unproven"};

const char *s7_plant_status_name(int status)
{
    return status >= 0 && status <= 3 ? STATUS_NAMES[status] : "fail";
}

int s7_plant_status_parse(const char *s)
{
    for (int i = 0; i <= 3; i++)
        if (s && strcmp(s, STATUS_NAMES[i]) == 0)
            return i;
    return S7_PLANT_FAIL;
}

s7_plant_check_report *s7_plant_check_report_new(size_t nconns)
{
    s7_plant_check_report *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->conns = calloc(nconns ? nconns : 1, sizeof *r->conns);
    if (!r->conns) {
        free(r);
        return NULL;
    }
    r->nconns = nconns;
    for (size_t i = 0; i < nconns; i++) {
        r->conns[i].put_get = -1;
        r->conns[i].conn_used = r->conns[i].conn_max = -1;
    }
    return r;
}

int s7_plant_check_conn_alloc_ex(s7_plant_check_conn *cc, size_t nex)
{
    s7_plant_check_ex *e = calloc(nex ? nex : 1, sizeof *e);
    if (!e)
        return S7_ERR_NOMEM;
    free(cc->ex);
    cc->ex = e;
    cc->nex = nex;
    return 0;
}

const s7_plant_check_conn *s7_plant_check_report_find(const s7_plant_check_report *r,
                                                      const char *name)
{
    for (size_t i = 0; r && i < r->nconns; i++)
        if (strcmp(r->conns[i].name, name) == 0)
            return &r->conns[i];
    return NULL;
}

void s7_plant_check_report_free(s7_plant_check_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nconns; i++) {
        free(r->conns[i].ex);
        free(r->conns[i].doctor_json);
    }
    free(r->conns);
    free(r);
}
