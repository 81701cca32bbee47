/* s7 inventory: loading and validating the inventory file (inventory.h; the schema is in
 * docs/inventory.md, a commented example in docs/inventory-example.yaml).  libfyaml reads
 * the YAML; only the s7 tool links it.  Every error names FILE:LINE, what is wrong and
 * what would be right; unknown keys are errors (a misspelt key must not silently drop a
 * connection from the firewall rules).  After parsing, references are resolved (cells,
 * active/passive partners) and the TSAPs of each connection are worked out. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "inventory.h"
#include "yaml.h"
#include "s7/cpu.h"
#include "s7/tag.h"
#include "s7/wire.h"

/* ---------------------------------------------------------------- names and texts */

static const char *const KIND_NAMES[INV_KIND__COUNT] = {"plc", "hmi", "scada", "engineering",
                                                        "gateway", "pc", "other"};

const char *inv_kind_name(int kind)
{
    return kind >= 0 && kind < INV_KIND__COUNT ? KIND_NAMES[kind] : "other";
}

const char *inv_dir_name(int dir) { return dir == INV_PUT ? "PUT" : "GET"; }

const char *inv_type_name(int type)
{
    return type == 2 ? "op" : type == 3 ? "basic" : "pg";
}

const char *inv_cycle_text(long ms, char *buf, size_t cap)
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

const char *inv_tsap_text(uint16_t local, uint16_t remote, char *buf, size_t cap)
{
    snprintf(buf, cap, "%04X:%04X", local, remote);
    return buf;
}

static const char *area_letter(uint8_t area)
{
    switch (area) {
    case S7_AREA_I:
        return "I";
    case S7_AREA_Q:
        return "Q";
    case S7_AREA_M:
        return "M";
    default:
        return "DB";
    }
}

const char *inv_range_text(const inv_range *r, char *buf, size_t cap)
{
    uint32_t last = r->offset + r->length - 1;
    if (r->area == S7_AREA_DB) {
        if (r->length == 1)
            snprintf(buf, cap, "DB%u.DBB%u", r->db, r->offset);
        else
            snprintf(buf, cap, "DB%u.DBB%u..DBB%u", r->db, r->offset, last);
    } else {
        const char *a = area_letter(r->area);
        if (r->length == 1)
            snprintf(buf, cap, "%sB%u", a, r->offset);
        else
            snprintf(buf, cap, "%sB%u..%sB%u", a, r->offset, a, last);
    }
    return buf;
}

const inv_partner *inv_find_partner(const inv_plant *p, const char *name)
{
    for (size_t i = 0; i < p->npartners; i++)
        if (strcmp(p->partners[i].name, name) == 0)
            return &p->partners[i];
    return NULL;
}

const inv_conn *inv_find_conn(const inv_plant *p, const char *name)
{
    for (size_t i = 0; i < p->nconns; i++)
        if (strcmp(p->conns[i].name, name) == 0)
            return &p->conns[i];
    return NULL;
}

void inv_xml_str(FILE *f, const char *s)
{
    for (const unsigned char *c = (const unsigned char *)(s ? s : ""); *c; c++) {
        switch (*c) {
        case '<':
            fputs("&lt;", f);
            break;
        case '>':
            fputs("&gt;", f);
            break;
        case '&':
            fputs("&amp;", f);
            break;
        case '"':
            fputs("&quot;", f);
            break;
        case '\'':
            fputs("&#39;", f);
            break;
        default:
            if (*c < 0x20 && *c != '\n' && *c != '\t')
                fputc(' ', f); /* not allowed in XML 1.0 */
            else
                fputc(*c, f);
        }
    }
}

/* ---------------------------------------------------------------- lifecycle */

static void free_exchange(inv_exchange *e)
{
    free(e->ranges);
    free(e->description);
}

void inv_free(inv_plant *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->ncells; i++) {
        free(p->cells[i].name);
        free(p->cells[i].description);
    }
    for (size_t i = 0; i < p->npartners; i++) {
        free(p->partners[i].name);
        free(p->partners[i].profile);
        free(p->partners[i].description);
    }
    for (size_t i = 0; i < p->nconns; i++) {
        inv_conn *c = &p->conns[i];
        for (size_t e = 0; e < c->nex; e++)
            free_exchange(&c->ex[e]);
        free(c->ex);
        free(c->name);
        free(c->description);
    }
    free(p->cells);
    free(p->partners);
    free(p->conns);
    free(p->file);
    free(p->plant);
    free(p->description);
    free(p->revision);
    memset(p, 0, sizeof *p);
}

/* A new zeroed element at the end of *arr (n elements of size sz); NULL on out of memory. */
static void *push(void *arr_ptr, size_t *n, size_t sz)
{
    void **arr = arr_ptr;
    char *a = realloc(*arr, (*n + 1) * sz);
    if (!a)
        return NULL;
    *arr = a;
    memset(a + *n * sz, 0, sz);
    return a + (*n)++ * sz;
}

/* ---------------------------------------------------------------- YAML helpers */

/* The plant being loaded (the yaml_cx's user). */
static inv_plant *plant_of(yaml_cx *y) { return y->user; }

/* A name: letters, digits, '_', '-', '.', starting with a letter, at most 40 characters
 * (names appear in firewall comments, SVG ids and file names). */
static int get_name(yaml_cx *y, struct fy_node *v, const char *key, char **out)
{
    char s[256];
    if (yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    size_t n = strlen(s);
    int ok = n >= 1 && n <= 40 && isalpha((unsigned char)s[0]);
    for (size_t i = 0; ok && i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
            ok = 0;
    if (!ok)
        return yaml_err(y, v,
                        "%s: '%s' is not a usable name: 1..40 letters, digits, '_', '-' or '.', "
                        "starting with a letter, e.g. plc-line1",
                        key, s);
    free(*out);
    if (!(*out = yaml_strdup(s)))
        return yaml_oom(y);
    return 0;
}

/* Exactly 1..4 hex digits; 0 or -1. */
static int parse_hex16(const char *s, size_t len, uint16_t *out)
{
    unsigned v = 0;
    if (len < 1 || len > 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        int d = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
        v = v << 4 | (unsigned)d;
    }
    *out = (uint16_t)v;
    return 0;
}

/* tsap: "LOCAL:REMOTE" in hex. */
static int get_tsap(yaml_cx *y, struct fy_node *v, const char *key, uint16_t *local,
                    uint16_t *remote)
{
    char s[64];
    if (yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    const char *colon = strchr(s, ':');
    uint16_t l, r;
    if (!colon || parse_hex16(s, (size_t)(colon - s), &l) ||
        parse_hex16(colon + 1, strlen(colon + 1), &r))
        return yaml_err(y, v,
                        "%s: '%s' must be LOCAL:REMOTE in hex, quoted, e.g. %s: \"0100:0200\" "
                        "(LOGO!) or \"1000:1001\" (S7-200 CP243-1)",
                        key, s, key);
    if (r == 0)
        return yaml_err(y, v, "%s: '%s': the remote TSAP must not be 0000", key, s);
    *local = l;
    *remote = r;
    return 0;
}

static int parse_type(const char *s)
{
    if (yaml_ieq(s, "pg"))
        return 1;
    if (yaml_ieq(s, "op") || yaml_ieq(s, "hmi"))
        return 2;
    if (yaml_ieq(s, "basic") || yaml_ieq(s, "s7") || yaml_ieq(s, "s7-basic"))
        return 3;
    return 0;
}

static int get_type(yaml_cx *y, struct fy_node *v, const char *key, int *out)
{
    char s[64];
    if (yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (!(*out = parse_type(s)))
        return yaml_err(y, v,
                        "%s: '%s' is no connection type: pg (programming device), op (operator "
                        "panel / HMI) or basic (S7 basic, e.g. PLC to PLC)",
                        key, s);
    return 0;
}

/* ---------------------------------------------------------------- ranges */

static int area_of(const char *s)
{
    if (yaml_ieq(s, "DB"))
        return S7_AREA_DB;
    if (yaml_ieq(s, "I") || yaml_ieq(s, "E") || yaml_ieq(s, "inputs"))
        return S7_AREA_I;
    if (yaml_ieq(s, "Q") || yaml_ieq(s, "A") || yaml_ieq(s, "outputs"))
        return S7_AREA_Q;
    if (yaml_ieq(s, "M") || yaml_ieq(s, "flags") || yaml_ieq(s, "markers"))
        return S7_AREA_M;
    return -1;
}

static const char RANGE_FORMS[] =
    "a range is DB10.DBB0..DBB63, DB10.DBW4, 'DB10.DBB0:BYTE[64]', MB0..MB15, IB0..IB7, or "
    "{db: 10, offset: 0, length: 64}";

/* First byte and byte count of a parsed address. */
static void tag_extent(const s7_tag *t, uint32_t *first, uint32_t *len)
{
    *first = t->byte;
    if (t->type == S7_T_BOOL)
        *len = (t->bit + (t->count ? t->count : 1) + 7) / 8;
    else
        *len = s7_tag_size(t) ? s7_tag_size(t) : 1;
}

static int check_tag_area(yaml_cx *y, struct fy_node *v, const char *key, const char *text,
                          const s7_tag *t)
{
    if (t->area == S7_AREA_DB || t->area == S7_AREA_I || t->area == S7_AREA_Q ||
        t->area == S7_AREA_M)
        return 0;
    return yaml_err(y, v,
                    "%s: '%s' is not in a DB or the I, Q or M area (timers, counters and "
                    "peripheral addresses are not documented as byte ranges: copy them into a "
                    "DB); %s",
                    key, text, RANGE_FORMS);
}

/* A range written as text: "DB10.DBB0..DBB63", "DB10.DBB0..63", "DB10.DBW4", "MB0..MB15". */
static int parse_range_text(yaml_cx *y, struct fy_node *v, const char *key, const char *s,
                            inv_range *r)
{
    char left[200], right[200], perr[256] = "";
    const char *dots = strstr(s, "..");
    s7_tag t;
    uint32_t first, len;
    if (dots) {
        if ((size_t)(dots - s) >= sizeof left || strlen(dots + 2) >= sizeof right - 16)
            return yaml_err(y, v, "%s: '%s' is too long; %s", key, s, RANGE_FORMS);
        snprintf(left, sizeof left, "%.*s", (int)(dots - s), s);
        snprintf(right, sizeof right, "%s", dots + 2);
    } else {
        if (strlen(s) >= sizeof left)
            return yaml_err(y, v, "%s: '%.40s...' is too long; %s", key, s, RANGE_FORMS);
        memcpy(left, s, strlen(s) + 1);
    }
    if (s7_tag_parse(left, &t, perr, sizeof perr) < 0)
        return yaml_err(y, v, "%s: '%s': %s; %s", key, left, perr[0] ? perr : "not an address",
                        RANGE_FORMS);
    if (check_tag_area(y, v, key, left, &t))
        return -1;
    tag_extent(&t, &first, &len);
    r->area = t.area;
    r->db = t.db;
    r->offset = first;
    r->length = len;
    if (dots) {
        long last;
        if (yaml_parse_num(right, 0, 65535, &last) == 0) {
            /* DB10.DBB0..63: the last byte */
        } else {
            char full[220];
            s7_tag u;
            int has_db = (right[0] == 'D' || right[0] == 'd') && (right[1] == 'B' || right[1] == 'b') &&
                         isdigit((unsigned char)right[2]);
            if (t.area == S7_AREA_DB && !has_db && right[0] != '%')
                snprintf(full, sizeof full, "DB%u.%s", t.db, right);
            else
                snprintf(full, sizeof full, "%s", right);
            perr[0] = 0;
            if (s7_tag_parse(full, &u, perr, sizeof perr) < 0)
                return yaml_err(y, v, "%s: '%s': the end '%s' is not an address (%s); %s", key, s,
                                right, perr[0] ? perr : "?", RANGE_FORMS);
            if (u.area != t.area || u.db != t.db)
                return yaml_err(y, v, "%s: '%s': both ends must be in the same %s, e.g. "
                                      "DB10.DBB0..DBB63",
                                key, s, t.area == S7_AREA_DB ? "DB" : "area");
            uint32_t f2, l2;
            tag_extent(&u, &f2, &l2);
            last = (long)(f2 + l2 - 1);
        }
        if ((uint32_t)last < first)
            return yaml_err(y, v, "%s: '%s' ends (byte %ld) before it starts (byte %u)", key, s,
                            last, first);
        r->length = (uint32_t)last - first + 1;
    }
    if (r->offset + r->length > 65536)
        return yaml_err(y, v,
                        "%s: '%s' ends beyond byte 65535: PUT/GET addresses at most 64 KB of an "
                        "area (an S7-1500 DB larger than that is optimized)",
                        key, s);
    return 0;
}

typedef struct range_cx {
    inv_range *r;
    int have_db, have_area, have_off, have_len;
    char where[64];
} range_cx;

static int on_range_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    range_cx *rc = ctx;
    char key[128], s[64];
    long n;
    snprintf(key, sizeof key, "%s.%s", rc->where, k);
    if (strcmp(k, "db") == 0) {
        if (yaml_get_long(y, v, key, 1, 65535, "db: 10", &n))
            return -1;
        rc->r->db = (uint16_t)n;
        rc->have_db = 1;
    } else if (strcmp(k, "area") == 0) {
        int a;
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if ((a = area_of(s)) < 0)
            return yaml_err(y, v, "%s: '%s' is no area: DB, I, Q or M (timers and counters are not "
                                  "documented as byte ranges)",
                            key, s);
        rc->r->area = (uint8_t)a;
        rc->have_area = 1;
    } else if (strcmp(k, "offset") == 0 || strcmp(k, "start") == 0) {
        if (yaml_get_long(y, v, key, 0, 65535, "offset: 0", &n))
            return -1;
        rc->r->offset = (uint32_t)n;
        rc->have_off = 1;
    } else if (strcmp(k, "length") == 0 || strcmp(k, "size") == 0) {
        if (yaml_get_long(y, v, key, 1, 65536, "length: 64 (bytes)", &n))
            return -1;
        rc->r->length = (uint32_t)n;
        rc->have_len = 1;
    } else {
        return yaml_err(y, kn, "%s: unknown key '%s' (keys: db, area, offset, length)", rc->where,
                        k);
    }
    return 0;
}

static int parse_range(yaml_cx *y, struct fy_node *v, const char *where, inv_range *r)
{
    memset(r, 0, sizeof *r);
    r->line = yaml_line(v);
    if (yaml_is_null(v))
        return yaml_err(y, v, "%s: no range given; %s", where, RANGE_FORMS);
    if (fy_node_is_scalar(v)) {
        char s[200];
        if (yaml_scalar(y, v, where, s, sizeof s))
            return -1;
        return parse_range_text(y, v, where, s, r);
    }
    if (!fy_node_is_mapping(v))
        return yaml_err(y, v, "%s: expected one range, got a list; %s", where, RANGE_FORMS);
    range_cx rc;
    memset(&rc, 0, sizeof rc);
    rc.r = r;
    snprintf(rc.where, sizeof rc.where, "%s", where);
    if (yaml_each_pair(y, v, where, on_range_key, &rc))
        return -1;
    if (!rc.have_area)
        r->area = S7_AREA_DB;
    if (r->area == S7_AREA_DB && !rc.have_db)
        return yaml_err(y, v, "%s: no db (e.g. {db: 10, offset: 0, length: 64}; for I/Q/M give "
                              "area: M)",
                        where);
    if (r->area != S7_AREA_DB && rc.have_db)
        return yaml_err(y, v, "%s: db given for area %s: a DB number belongs only to area DB",
                        where, area_letter(r->area));
    if (!rc.have_len)
        return yaml_err(y, v, "%s: no length (bytes), e.g. {db: %u, offset: %u, length: 64}", where,
                        r->db, r->offset);
    if (r->offset + r->length > 65536)
        return yaml_err(y, v,
                        "%s: offset %u + length %u ends beyond byte 65535: PUT/GET addresses at "
                        "most 64 KB of an area",
                        where, r->offset, r->length);
    return 0;
}

/* ---------------------------------------------------------------- exchanges */

typedef struct ex_cx {
    inv_exchange *e;
    int have_dir;
    struct fy_node *range;
    const char *range_key;
    char where[96];
} ex_cx;

static int set_dir(yaml_cx *y, ex_cx *x, struct fy_node *at, int dir)
{
    if (x->have_dir && x->e->dir != dir)
        return yaml_err(y, at, "%s: both GET and PUT: one exchange has one direction (write two "
                               "exchanges)",
                        x->where);
    if (x->have_dir && x->range)
        return yaml_err(y, at, "%s: the direction is given twice", x->where);
    x->e->dir = dir;
    x->have_dir = 1;
    return 0;
}

static int on_ex_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    ex_cx *x = ctx;
    char key[160], s[64];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (strcmp(k, "direction") == 0) {
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        int d = yaml_ieq(s, "get") ? INV_GET : yaml_ieq(s, "put") ? INV_PUT : -1;
        if (d < 0)
            return yaml_err(y, v,
                            "%s: '%s' must be GET (the active partner reads) or PUT (the active "
                            "partner writes)",
                            key, s);
        return set_dir(y, x, kn, d);
    }
    if (strcmp(k, "get") == 0 || strcmp(k, "put") == 0 || strcmp(k, "GET") == 0 ||
        strcmp(k, "PUT") == 0) {
        if (x->range)
            return yaml_err(y, kn, "%s: ranges given twice (with %s and %s)", x->where,
                            x->range_key, k);
        if (set_dir(y, x, kn, yaml_ieq(k, "put") ? INV_PUT : INV_GET))
            return -1;
        x->range = v;
        x->range_key = yaml_ieq(k, "put") ? "put" : "get";
        return 0;
    }
    if (strcmp(k, "range") == 0 || strcmp(k, "ranges") == 0) {
        if (x->range)
            return yaml_err(y, kn, "%s: ranges given twice (with %s and %s)", x->where,
                            x->range_key, k);
        x->range = v;
        x->range_key = strcmp(k, "range") == 0 ? "range" : "ranges";
        return 0;
    }
    if (strcmp(k, "cycle") == 0 || strcmp(k, "cycle_ms") == 0) {
        char c[64];
        if (yaml_is_null(v)) {
            x->e->cycle_ms = 0;
            return 0;
        }
        if (yaml_scalar(y, v, key, c, sizeof c))
            return -1;
        if (yaml_ieq(c, "event") || yaml_ieq(c, "on-event") || yaml_ieq(c, "on event") ||
            yaml_ieq(c, "on-demand") || yaml_ieq(c, "acyclic")) {
            x->e->cycle_ms = 0;
            return 0;
        }
        char *end;
        errno = 0;
        long n = isdigit((unsigned char)c[0]) ? strtol(c, &end, 10) : -1;
        long mul = 0;
        if (n >= 0 && !errno) {
            while (*end == ' ')
                end++;
            if (!*end || yaml_ieq(end, "ms"))
                mul = 1;
            else if (yaml_ieq(end, "s"))
                mul = 1000;
            else if (yaml_ieq(end, "min"))
                mul = 60000;
        }
        if (!mul || n < 1 || n > 86400000 / mul)
            return yaml_err(y, v,
                            "%s: '%s' must be a time of 1 ms..24 h: milliseconds (cycle: 500), "
                            "500ms, 2s, 1min, or 'event' for an exchange that is not cyclic",
                            key, c);
        x->e->cycle_ms = n * mul;
        return 0;
    }
    if (strcmp(k, "description") == 0)
        return yaml_is_null(v) ? 0 : yaml_get_str(y, v, key, &x->e->description);
    return yaml_err(y, kn,
                    "%s: unknown key '%s' (keys: direction, range, cycle, description; or the "
                    "short form get: RANGE / put: RANGE)",
                    x->where, k);
}

static int load_exchange(yaml_cx *y, struct fy_node *v, const char *where, inv_exchange *e)
{
    ex_cx x;
    memset(&x, 0, sizeof x);
    x.e = e;
    e->line = yaml_line(v);
    snprintf(x.where, sizeof x.where, "%s", where);
    if (!fy_node_is_mapping(v))
        return yaml_err(y, v,
                        "%s: expected a mapping such as {direction: GET, range: DB10.DBB0..DBB63, "
                        "cycle: 500}",
                        where);
    if (yaml_each_pair(y, v, where, on_ex_key, &x))
        return -1;
    if (!x.have_dir)
        return yaml_err(y, v,
                        "%s: no direction: add direction: GET (the active partner reads) or PUT "
                        "(it writes)",
                        where);
    if (!x.range || yaml_is_null(x.range))
        return yaml_err(y, v, "%s: no range: add range: DB10.DBB0..DBB63 (or a list of ranges)",
                        where);
    if (fy_node_is_sequence(x.range)) {
        void *it = NULL;
        struct fy_node *r;
        int i = 0;
        while ((r = fy_node_sequence_iterate(x.range, &it))) {
            char w[128];
            snprintf(w, sizeof w, "%s.%s[%d]", where, x.range_key, i++);
            inv_range *nr = push(&e->ranges, &e->nranges, sizeof *nr);
            if (!nr)
                return yaml_oom(y);
            if (parse_range(y, r, w, nr))
                return -1;
        }
        if (!e->nranges)
            return yaml_err(y, x.range, "%s.%s: the list is empty: give at least one range", where,
                            x.range_key);
        return 0;
    }
    char w[128];
    snprintf(w, sizeof w, "%s.%s", where, x.range_key);
    inv_range *nr = push(&e->ranges, &e->nranges, sizeof *nr);
    if (!nr)
        return yaml_oom(y);
    return parse_range(y, x.range, w, nr);
}

/* ---------------------------------------------------------------- connections */

typedef struct conn_cx {
    inv_conn *c;
    char *active, *passive;
    int active_line, passive_line;
    struct fy_node *exchanges;
    int have_tsap;
    char where[64];
} conn_cx;

static int on_conn_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    conn_cx *x = ctx;
    char key[128];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (strcmp(k, "exchanges") == 0) {
        x->exchanges = v;
        return 0;
    }
    if (yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0)
        return get_name(y, v, key, &x->c->name);
    if (strcmp(k, "active") == 0) {
        x->active_line = yaml_line(v);
        return get_name(y, v, key, &x->active);
    }
    if (strcmp(k, "passive") == 0) {
        x->passive_line = yaml_line(v);
        return get_name(y, v, key, &x->passive);
    }
    if (strcmp(k, "type") == 0)
        return get_type(y, v, key, &x->c->type);
    if (strcmp(k, "tsap") == 0) {
        if (get_tsap(y, v, key, &x->c->local_tsap, &x->c->remote_tsap))
            return -1;
        x->c->explicit_tsap = 1;
        return 0;
    }
    if (strcmp(k, "description") == 0)
        return yaml_get_str(y, v, key, &x->c->description);
    return yaml_err(y, kn,
                    "%s: unknown key '%s' (keys: name, active, passive, type, tsap, description, "
                    "exchanges)",
                    x->where, k);
}

static int load_conns(yaml_cx *y, struct fy_node *v)
{
    if (yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return yaml_err(y, v, "connections: expected a list (lines starting with '- name: ...')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        inv_conn *c = push(&plant_of(y)->conns, &plant_of(y)->nconns, sizeof *c);
        if (!c)
            return yaml_oom(y);
        conn_cx x;
        memset(&x, 0, sizeof x);
        x.c = c;
        c->line = yaml_line(e);
        c->rack = c->slot = -1;
        snprintf(x.where, sizeof x.where, "connections[%d]", i);
        int rc = fy_node_is_mapping(e) ? yaml_each_pair(y, e, x.where, on_conn_key, &x)
                                       : yaml_err(y, e, "%s: expected a mapping with name, active, "
                                                        "passive and exchanges",
                                                  x.where);
        if (rc == 0 && !c->name)
            rc = yaml_err(y, e, "%s: no name (e.g. name: hmi1-plc-line)", x.where);
        if (rc == 0)
            snprintf(x.where, sizeof x.where, "connection %s", c->name);
        if (rc == 0 && !x.active)
            rc = yaml_err(y, e, "%s: no active partner: active: NAME is the partner that connects "
                                "(the client)",
                          x.where);
        if (rc == 0 && !x.passive)
            rc = yaml_err(y, e, "%s: no passive partner: passive: NAME is the CPU that serves port "
                                "102",
                          x.where);
        for (size_t k = 0; rc == 0 && k + 1 < plant_of(y)->nconns; k++)
            if (strcmp(plant_of(y)->conns[k].name, c->name) == 0)
                rc = yaml_err(y, e,
                              "%s: the name is used twice (first at line %d): connection names "
                              "must be unique",
                              x.where, plant_of(y)->conns[k].line);
        if (rc == 0) {
            const inv_partner *a = inv_find_partner(plant_of(y), x.active);
            const inv_partner *pp = inv_find_partner(plant_of(y), x.passive);
            if (!a)
                rc = yaml_err_line(y, x.active_line, "%s: active partner '%s' is not in partners",
                                   x.where, x.active);
            else if (!pp)
                rc = yaml_err_line(y, x.passive_line, "%s: passive partner '%s' is not in partners",
                                   x.where, x.passive);
            else if (a == pp)
                rc = yaml_err_line(y, x.passive_line,
                                   "%s: '%s' is both active and passive: a connection "
                                   "joins two partners",
                                   x.where, x.active);
            if (rc == 0) {
                c->active = (size_t)(a - plant_of(y)->partners);
                c->passive = (size_t)(pp - plant_of(y)->partners);
            }
        }
        if (rc == 0) {
            if (!x.exchanges || yaml_is_null(x.exchanges))
                rc = yaml_err(y, e,
                              "%s: no exchanges: list what it reads or writes, e.g. exchanges: "
                              "[{direction: GET, range: DB10.DBB0..DBB63, cycle: 500}]",
                              x.where);
            else if (!fy_node_is_sequence(x.exchanges))
                rc = yaml_err(y, x.exchanges,
                              "%s: exchanges: expected a list (lines starting with '- "
                              "direction: GET')",
                              x.where);
        }
        if (rc == 0) {
            void *it2 = NULL;
            struct fy_node *xe;
            int j = 0;
            while (rc == 0 && (xe = fy_node_sequence_iterate(x.exchanges, &it2))) {
                char w[96];
                snprintf(w, sizeof w, "%s exchanges[%d]", x.where, j++);
                inv_exchange *ex = push(&c->ex, &c->nex, sizeof *ex);
                rc = ex ? load_exchange(y, xe, w, ex) : yaml_oom(y);
            }
            if (rc == 0 && !c->nex)
                rc = yaml_err(y, x.exchanges, "%s: exchanges: the list is empty", x.where);
        }
        free(x.active);
        free(x.passive);
        if (rc)
            return -1;
        i++;
    }
    return 0;
}

/* ---------------------------------------------------------------- partners */

typedef struct partner_cx {
    inv_partner *pt;
    char *cell;
    int cell_line;
    int have_tsap, have_rs;
    char where[64];
} partner_cx;

static int parse_ipv4(const char *s, uint32_t *ip)
{
    struct in_addr a;
    unsigned b[4];
    char tail;
    /* inet_pton is strict (no leading zeros) but accepts nothing else: fine */
    if (inet_pton(AF_INET, s, &a) != 1)
        return -1;
    if (sscanf(s, "%u.%u.%u.%u%c", &b[0], &b[1], &b[2], &b[3], &tail) != 4)
        return -1;
    *ip = ntohl(a.s_addr);
    return 0;
}

static int on_partner_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v,
                          void *ctx)
{
    partner_cx *x = ctx;
    inv_partner *pt = x->pt;
    char key[128], s[128];
    long n;
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0)
        return get_name(y, v, key, &pt->name);
    if (strcmp(k, "address") == 0 || strcmp(k, "ip") == 0) {
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (strchr(s, ':') && !strchr(strchr(s, ':') + 1, ':'))
            return yaml_err(y, v,
                            "%s: '%s': give the port separately (port: %s), the address is an "
                            "IPv4 address such as 192.168.0.10",
                            key, s, strchr(s, ':') + 1);
        if (parse_ipv4(s, &pt->ip))
            return yaml_err(y, v, "%s: '%s' is not an IPv4 address: four numbers 0..255 without "
                                  "leading zeros, e.g. 192.168.0.10 (names and IPv6 are not "
                                  "supported: firewall rules need the address)",
                            key, s);
        if (pt->ip == 0 || pt->ip == 0xFFFFFFFFu || (pt->ip >> 28) == 0xE || (pt->ip >> 24) == 0)
            return yaml_err(y, v, "%s: '%s' is not a host address (0.x, broadcast and multicast "
                                  "addresses cannot be S7 partners)",
                            key, s);
        struct in_addr na = {htonl(pt->ip)};
        inet_ntop(AF_INET, &na, pt->address, sizeof pt->address);
        return 0;
    }
    if (strcmp(k, "port") == 0) {
        if (yaml_get_long(y, v, key, 1, 65535, "port: 102 (S7 serves TCP port 102)", &n))
            return -1;
        pt->port = (uint16_t)n;
        return 0;
    }
    if (strcmp(k, "cell") == 0 || strcmp(k, "segment") == 0) {
        x->cell_line = yaml_line(v);
        return get_name(y, v, key, &x->cell);
    }
    if (strcmp(k, "kind") == 0) {
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        for (int i = 0; i < INV_KIND__COUNT; i++)
            if (yaml_ieq(s, KIND_NAMES[i])) {
                pt->kind = i;
                return 0;
            }
        return yaml_err(y, v,
                        "%s: '%s' is no kind (kinds: plc, hmi, scada, engineering, gateway, pc, "
                        "other)",
                        key, s);
    }
    if (strcmp(k, "profile") == 0) {
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (!s7_profile_find(s))
            return yaml_err(y, v, "%s: unknown profile '%s' (profiles: s7-300, s7-400, s7-1200, "
                                  "s7-1500, logo8, s7-200smart)",
                            key, s);
        return yaml_get_str(y, v, key, &pt->profile);
    }
    if (strcmp(k, "rack") == 0) {
        if (yaml_get_long(y, v, key, 0, 7, "rack: 0", &n))
            return -1;
        pt->rack = (int)n;
        x->have_rs = 1;
        return 0;
    }
    if (strcmp(k, "slot") == 0) {
        if (yaml_get_long(y, v, key, 0, 31, "slot: 1 (S7-1200/1500; S7-300 uses 2)", &n))
            return -1;
        pt->slot = (int)n;
        x->have_rs = 1;
        return 0;
    }
    if (strcmp(k, "tsap") == 0) {
        x->have_tsap = 1;
        return get_tsap(y, v, key, &pt->local_tsap, &pt->remote_tsap);
    }
    if (strcmp(k, "type") == 0)
        return get_type(y, v, key, &pt->type);
    if (strcmp(k, "description") == 0)
        return yaml_get_str(y, v, key, &pt->description);
    return yaml_err(y, kn,
                    "%s: unknown key '%s' (keys: name, address, port, cell, kind, profile, rack, "
                    "slot, tsap, type, description)",
                    x->where, k);
}

static int load_partners(yaml_cx *y, struct fy_node *v, int cells_declared)
{
    if (yaml_is_null(v) || !fy_node_is_sequence(v))
        return yaml_err(y, v, "partners: expected a list (lines starting with '- name: ...')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        inv_partner *pt = push(&plant_of(y)->partners, &plant_of(y)->npartners, sizeof *pt);
        if (!pt)
            return yaml_oom(y);
        partner_cx x;
        memset(&x, 0, sizeof x);
        x.pt = pt;
        pt->rack = pt->slot = -1;
        pt->port = 102;
        pt->kind = INV_KIND_OTHER;
        pt->line = yaml_line(e);
        snprintf(x.where, sizeof x.where, "partners[%d]", i);
        int rc = fy_node_is_mapping(e) ? yaml_each_pair(y, e, x.where, on_partner_key, &x)
                                       : yaml_err(y, e,
                                                  "%s: expected a mapping with name, address and "
                                                  "cell",
                                                  x.where);
        if (rc == 0 && !pt->name)
            rc = yaml_err(y, e, "%s: no name (e.g. name: plc-line1)", x.where);
        if (rc == 0)
            snprintf(x.where, sizeof x.where, "partner %s", pt->name);
        if (rc == 0 && !pt->address[0])
            rc = yaml_err(y, e, "%s: no address (e.g. address: 192.168.0.10)", x.where);
        if (rc == 0 && !x.cell)
            rc = yaml_err(y, e,
                          "%s: no cell: name the cell or network segment it sits in (e.g. cell: "
                          "line1)",
                          x.where);
        if (rc == 0 && x.have_tsap && x.have_rs)
            rc = yaml_err(y, e,
                          "%s: tsap and rack/slot both given: the remote TSAP already names the "
                          "rack and slot; keep one of them",
                          x.where);
        for (size_t k = 0; rc == 0 && k + 1 < plant_of(y)->npartners; k++) {
            const inv_partner *o = &plant_of(y)->partners[k];
            if (strcmp(o->name, pt->name) == 0)
                rc = yaml_err(y, e,
                              "%s: the name is used twice (first at line %d): partner names must "
                              "be unique",
                              x.where, o->line);
            else if (o->ip == pt->ip && o->port == pt->port)
                rc = yaml_err(y, e,
                              "%s: address %s:%u is also partner %s's (line %d): one partner per "
                              "address",
                              x.where, pt->address, pt->port, o->name, o->line);
        }
        if (rc == 0) {
            size_t c;
            for (c = 0; c < plant_of(y)->ncells; c++)
                if (strcmp(plant_of(y)->cells[c].name, x.cell) == 0)
                    break;
            if (c == plant_of(y)->ncells && cells_declared) {
                char names[400] = "";
                for (size_t k = 0; k < plant_of(y)->ncells; k++) {
                    size_t l = strlen(names);
                    snprintf(names + l, sizeof names - l, "%s%s", k ? ", " : "",
                             plant_of(y)->cells[k].name);
                }
                rc = yaml_err_line(y, x.cell_line, "%s: cell '%s' is not in cells (cells: %s)",
                                   x.where, x.cell, names);
            } else if (c ==
                       plant_of(y)->ncells) { /* no cells: list, cells come from the partners */
                inv_cell *nc = push(&plant_of(y)->cells, &plant_of(y)->ncells, sizeof *nc);
                if (!nc || !(nc->name = yaml_strdup(x.cell)))
                    rc = yaml_oom(y);
                else
                    nc->line = x.cell_line;
            }
            if (rc == 0) {
                const inv_cell *cl = &plant_of(y)->cells[c];
                uint32_t mask = cl->prefix ? 0xFFFFFFFFu << (32 - cl->prefix) : 0;
                pt->cell = c;
                if (cl->has_subnet && (pt->ip & mask) != cl->net) {
                    struct in_addr na = {htonl(cl->net)};
                    char nb[16];
                    inet_ntop(AF_INET, &na, nb, sizeof nb);
                    rc = yaml_err(y, e, "%s: address %s is not in cell %s's subnet %s/%d: fix the "
                                        "address or the cell",
                                  x.where, pt->address, cl->name, nb, cl->prefix);
                }
            }
        }
        free(x.cell);
        if (rc)
            return -1;
        i++;
    }
    if (!plant_of(y)->npartners)
        return yaml_err(y, v,
                        "partners: the list is empty: document at least the two partners of a "
                        "connection");
    return 0;
}

/* ---------------------------------------------------------------- cells */

typedef struct cell_cx {
    inv_cell *c;
    char where[48];
} cell_cx;

static int on_cell_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    cell_cx *x = ctx;
    char key[96], s[64];
    snprintf(key, sizeof key, "%s.%s", x->where, k);
    if (yaml_is_null(v))
        return 0;
    if (strcmp(k, "name") == 0)
        return get_name(y, v, key, &x->c->name);
    if (strcmp(k, "description") == 0)
        return yaml_get_str(y, v, key, &x->c->description);
    if (strcmp(k, "subnet") == 0) {
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        char *slash = strchr(s, '/');
        long pfx;
        uint32_t ip;
        if (!slash)
            return yaml_err(y, v, "%s: '%s' must be NETWORK/PREFIX, e.g. 10.10.1.0/24", key, s);
        *slash = 0;
        if (parse_ipv4(s, &ip) || yaml_parse_num(slash + 1, 0, 32, &pfx))
            return yaml_err(y, v,
                            "%s: '%s/%s' must be an IPv4 NETWORK/PREFIX with a prefix 0..32, e.g. "
                            "10.10.1.0/24",
                            key, s, slash + 1);
        uint32_t mask = pfx ? 0xFFFFFFFFu << (32 - pfx) : 0;
        if (ip & ~mask) {
            struct in_addr na = {htonl(ip & mask)};
            char nb[16];
            inet_ntop(AF_INET, &na, nb, sizeof nb);
            return yaml_err(y, v, "%s: '%s/%ld' has host bits set: the network is %s/%ld", key, s,
                            pfx, nb, pfx);
        }
        x->c->has_subnet = 1;
        x->c->net = ip;
        x->c->prefix = (int)pfx;
        return 0;
    }
    return yaml_err(y, kn, "%s: unknown key '%s' (keys: name, subnet, description)", x->where, k);
}

static int load_cells(yaml_cx *y, struct fy_node *v)
{
    if (yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return yaml_err(y, v, "cells: expected a list (lines starting with '- name: ...')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        inv_cell *c = push(&plant_of(y)->cells, &plant_of(y)->ncells, sizeof *c);
        if (!c)
            return yaml_oom(y);
        cell_cx x = {c, ""};
        c->line = yaml_line(e);
        snprintf(x.where, sizeof x.where, "cells[%d]", i);
        if (fy_node_is_scalar(e)) { /* - line1 */
            if (get_name(y, e, x.where, &c->name))
                return -1;
        } else if (yaml_each_pair(y, e, x.where, on_cell_key, &x)) {
            return -1;
        }
        if (!c->name)
            return yaml_err(y, e, "%s: no name (e.g. name: line1)", x.where);
        for (size_t k = 0; k + 1 < plant_of(y)->ncells; k++)
            if (strcmp(plant_of(y)->cells[k].name, c->name) == 0)
                return yaml_err(y, e, "cell %s: the name is used twice (first at line %d)", c->name,
                                plant_of(y)->cells[k].line);
        i++;
    }
    return 0;
}

/* ---------------------------------------------------------------- top level */

typedef struct top_cx {
    struct fy_node *cells, *partners, *conns;
    int have_cells;
} top_cx;

static int on_top(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    top_cx *t = ctx;
    long n;
    if (strcmp(k, "cells") == 0) {
        t->cells = v;
        t->have_cells = !yaml_is_null(v);
        return 0;
    }
    if (strcmp(k, "partners") == 0) {
        t->partners = v;
        return 0;
    }
    if (strcmp(k, "connections") == 0) {
        t->conns = v;
        return 0;
    }
    if (yaml_is_null(v))
        return 0;
    if (strcmp(k, "version") == 0) {
        if (yaml_get_long(y, v, k, 1, 1, "version: 1", &n))
            return yaml_err(y, v, "version: this s7 reads inventory version 1 (docs/inventory.md)");
        return 0;
    }
    if (strcmp(k, "plant") == 0 || strcmp(k, "title") == 0)
        return yaml_get_str(y, v, k, &plant_of(y)->plant);
    if (strcmp(k, "description") == 0)
        return yaml_get_str(y, v, k, &plant_of(y)->description);
    if (strcmp(k, "revision") == 0)
        return yaml_get_str(y, v, k, &plant_of(y)->revision);
    return yaml_err(y, kn, "unknown key '%s' (keys: version, plant, description, revision, cells, "
                           "partners, connections)",
                    k);
}

/* Connection type and TSAPs of each connection from the file's partners. */
static int resolve(yaml_cx *y)
{
    for (size_t i = 0; i < plant_of(y)->nconns; i++) {
        inv_conn *c = &plant_of(y)->conns[i];
        const inv_partner *a = &plant_of(y)->partners[c->active];
        const inv_partner *pp = &plant_of(y)->partners[c->passive];
        const s7_profile *prof = pp->profile ? s7_profile_find(pp->profile) : NULL;
        if (!c->type)
            c->type = a->type ? a->type : 1;
        if (c->explicit_tsap)
            continue;
        if (pp->remote_tsap) {
            c->local_tsap = pp->local_tsap;
            c->remote_tsap = pp->remote_tsap;
            c->explicit_tsap = 1;
            continue;
        }
        if (prof && prof->tsap_mode == S7_TSAP_LOGO && pp->rack < 0 && pp->slot < 0) {
            c->local_tsap = 0x0100; /* LOGO! 8 serves 02.00 */
            c->remote_tsap = 0x0200;
            c->explicit_tsap = 1;
            continue;
        }
        c->rack = pp->rack >= 0 ? pp->rack : prof ? prof->rack : 0;
        c->slot = pp->slot >= 0 ? pp->slot : prof ? prof->slot : 1;
        c->local_tsap = 0x0100;
        c->remote_tsap = s7_tsap_make((uint8_t)c->type, (uint8_t)c->rack, (uint8_t)c->slot);
    }
    return 0;
}

int inv_load(inv_plant *p, const char *path, char *err, size_t errcap)
{
    memset(p, 0, sizeof *p);
    yaml_cx y = {.file = path, .err = err, .cap = errcap, .user = p,
                 .msg_cap = 700, .str_cap = 2048, .nul_ok = 0, .num = NULL};
    struct fy_node *root = yaml_open(&y, "the inventory", "partners: and connections:");
    int rc = root ? 0 : -1;
    if (root) {
        top_cx t;
        memset(&t, 0, sizeof t);
        if (!fy_node_is_mapping(root))
            rc = yaml_err(&y, root, "the top level must be a mapping of keys (plant:, cells:, "
                                    "partners:, connections:)");
        else
            rc = yaml_each_pair(&y, root, "inventory", on_top, &t);
        if (rc == 0 && !t.partners)
            rc = yaml_err_line(&y, 1,
                               "no partners: list the partners (partners: - name: ... address: "
                               "...)");
        if (rc == 0)
            rc = load_cells(&y, t.cells);
        if (rc == 0)
            rc = load_partners(&y, t.partners, t.have_cells);
        if (rc == 0)
            rc = load_conns(&y, t.conns);
        if (rc == 0)
            rc = resolve(&y);
        yaml_close(&y);
    }
    if (rc == 0 &&
        (!(p->file = yaml_strdup(path)) || (!p->plant && !(p->plant = yaml_strdup(path)))))
        rc = yaml_set_err(err, errcap, "out of memory");
    if (rc)
        inv_free(p);
    return rc;
}
