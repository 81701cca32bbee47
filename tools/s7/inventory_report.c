/* s7 inventory report: the commissioning document of a plant's S7 connections.
 *
 *   DIR/index.html  partners, cells, connections and exchanges, the port 102 flows the
 *                   firewall passes, the results of `inventory check --json` when given
 *                   (--check FILE.json), and a sign-off block (name, date, signature)
 *   DIR/report.md   the same tables in Markdown (for a wiki or a PR)
 *   DIR/cells.svg   the diagram: cells (boxes), partners (boxes inside their cell), arrows
 *                   from the active to the passive partner labelled with the exchanges
 *
 * The SVG is generated as plain text with a deterministic layout (cells in columns, in the
 * file's order; partners stacked in each cell; arrow ends spread along box sides; labels
 * moved off boxes and other labels).  Elements carry class and data-* attributes so tools
 * (and the tests) can read the diagram back: g.cell, g.partner, g.connection (one
 * path.arrow each), g.label[data-connection]. */
#include <errno.h>
#include <libfyaml.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common.h"
#include "inventory.h"
#include "s7/cpu.h"
#include "s7/wire.h"

/* ---------------------------------------------------------------- check results */

typedef struct chk_ex {
    char status[8];
    char verdict[32];
    char detail[400];
} chk_ex;

typedef struct chk_conn {
    char name[48];
    char status[8];
    char verdict[32];
    char detail[600];
    chk_ex ex[64];
    size_t nex;
} chk_conn;

typedef struct chk {
    int loaded;
    char time[40];
    char from[128];
    char as[48];
    int allow_write;
    chk_conn *conns;
    size_t nconns;
} chk;

/* The string value of key in map into dst ("" when missing, null or not a scalar). */
static void copy_scalar(struct fy_node *map, const char *key, char *dst, size_t cap)
{
    struct fy_node *v = map && fy_node_is_mapping(map)
                            ? fy_node_mapping_lookup_value_by_simple_key(map, key, (size_t)-1)
                            : NULL;
    const char *s = NULL;
    size_t n = 0;
    if (v && fy_node_is_scalar(v) && !fy_node_is_null(v))
        s = fy_node_get_scalar(v, &n);
    if (s && fy_node_get_style(v) == FYNS_PLAIN && n == 4 && strncmp(s, "null", 4) == 0)
        s = NULL;
    snprintf(dst, cap, "%.*s", s ? (int)n : 0, s ? s : "");
}

static void diag_discard(struct fy_diag *diag, void *user, const char *buf, size_t len)
{
    (void)diag;
    (void)user;
    (void)buf;
    (void)len;
}

/* Reads the JSON of `s7 inventory check --json`.  0, or -1 after a message. */
static int load_check(chk *k, const char *path)
{
    struct fy_diag_cfg dc;
    fy_diag_cfg_default(&dc);
    dc.fp = NULL;
    dc.output_fn = diag_discard;
    dc.level = FYET_ERROR;
    struct fy_diag *diag = fy_diag_create(&dc);
    if (!diag)
        return -1;
    struct fy_parse_cfg pc;
    memset(&pc, 0, sizeof pc);
    pc.flags = FYPCF_QUIET | FYPCF_JSON_FORCE;
    pc.diag = diag;
    FILE *probe = fopen(path, "r");
    if (!probe) {
        fprintf(stderr, "error: --check %s: cannot read it: %s\n", path, strerror(errno));
        fy_diag_destroy(diag);
        return -1;
    }
    fclose(probe);
    struct fy_document *doc = fy_document_build_from_file(&pc, path);
    struct fy_node *root = doc ? fy_document_root(doc) : NULL;
    struct fy_node *conns = root && fy_node_is_mapping(root)
                                ? fy_node_mapping_lookup_value_by_simple_key(root, "connections",
                                                                             (size_t)-1)
                                : NULL;
    if (!conns || !fy_node_is_sequence(conns)) {
        fprintf(stderr, "error: --check %s: not the JSON output of s7 inventory check --json (no "
                        "connections list)\n",
                path);
        fy_document_destroy(doc);
        fy_diag_destroy(diag);
        return -1;
    }
    copy_scalar(root, "time", k->time, sizeof k->time);
    copy_scalar(root, "from", k->from, sizeof k->from);
    copy_scalar(root, "as", k->as, sizeof k->as);
    char aw[16];
    copy_scalar(root, "allow_write", aw, sizeof aw);
    k->allow_write = strcmp(aw, "true") == 0;
    int n = fy_node_sequence_item_count(conns);
    k->conns = calloc(n > 0 ? (size_t)n : 1, sizeof *k->conns);
    if (!k->conns) {
        fy_document_destroy(doc);
        fy_diag_destroy(diag);
        return -1;
    }
    void *it = NULL;
    struct fy_node *c;
    while ((c = fy_node_sequence_iterate(conns, &it))) {
        if (!fy_node_is_mapping(c))
            continue;
        chk_conn *cc = &k->conns[k->nconns++];
        copy_scalar(c, "name", cc->name, sizeof cc->name);
        copy_scalar(c, "status", cc->status, sizeof cc->status);
        copy_scalar(c, "verdict", cc->verdict, sizeof cc->verdict);
        copy_scalar(c, "detail", cc->detail, sizeof cc->detail);
        struct fy_node *ex = fy_node_mapping_lookup_value_by_simple_key(c, "exchanges", (size_t)-1);
        void *it2 = NULL;
        struct fy_node *e;
        while (ex && fy_node_is_sequence(ex) && (e = fy_node_sequence_iterate(ex, &it2)) &&
               cc->nex < sizeof cc->ex / sizeof cc->ex[0]) {
            chk_ex *ce = &cc->ex[cc->nex++];
            copy_scalar(e, "status", ce->status, sizeof ce->status);
            copy_scalar(e, "verdict", ce->verdict, sizeof ce->verdict);
            copy_scalar(e, "detail", ce->detail, sizeof ce->detail);
        }
    }
    k->loaded = 1;
    fy_document_destroy(doc);
    fy_diag_destroy(diag);
    return 0;
}

static const chk_conn *check_of(const chk *k, const char *name)
{
    for (size_t i = 0; k->loaded && i < k->nconns; i++)
        if (strcmp(k->conns[i].name, name) == 0)
            return &k->conns[i];
    return NULL;
}

/* ---------------------------------------------------------------- shared texts */

static const char *tsap_or_rs(const inv_conn *c, char *buf, size_t cap)
{
    char t[16];
    inv_tsap_text(c->local_tsap, c->remote_tsap, t, sizeof t);
    if (c->explicit_tsap)
        snprintf(buf, cap, "TSAPs %s", t);
    else
        snprintf(buf, cap, "rack %d slot %d, TSAPs %s", c->rack, c->slot, t);
    return buf;
}

static const char *ranges_text(const inv_exchange *x, char *buf, size_t cap)
{
    size_t l = 0;
    char r[64];
    buf[0] = 0;
    for (size_t i = 0; i < x->nranges && l < cap; i++)
        l += (size_t)snprintf(buf + l, cap - l, "%s%s", i ? ", " : "",
                              inv_range_text(&x->ranges[i], r, sizeof r));
    return buf;
}

static uint32_t ex_bytes(const inv_exchange *x)
{
    uint32_t n = 0;
    for (size_t i = 0; i < x->nranges; i++)
        n += x->ranges[i].length;
    return n;
}

static int is_passive(const inv_plant *p, const inv_partner *pt)
{
    for (size_t i = 0; i < p->nconns; i++)
        if (&p->partners[p->conns[i].passive] == pt)
            return 1;
    return 0;
}

/* Where a partner is reached when it is passive: its TSAPs, or rack/slot (from the file or
 * its profile); "" for a partner that only connects. */
static const char *partner_where(const inv_plant *p, const inv_partner *pt, char *buf, size_t cap)
{
    const s7_profile *prof = pt->profile ? s7_profile_find(pt->profile) : NULL;
    if (pt->remote_tsap)
        snprintf(buf, cap, "TSAPs %04X:%04X", pt->local_tsap, pt->remote_tsap);
    else if (prof && prof->tsap_mode == S7_TSAP_LOGO && pt->rack < 0 && pt->slot < 0)
        snprintf(buf, cap, "TSAPs 0100:0200");
    else if (pt->rack >= 0 || pt->slot >= 0 || prof || is_passive(p, pt))
        snprintf(buf, cap, "rack %d slot %d", pt->rack >= 0 ? pt->rack : prof ? prof->rack : 0,
                 pt->slot >= 0 ? pt->slot : prof ? prof->slot : 1);
    else
        snprintf(buf, cap, "%s", "");
    return buf;
}

/* "10.0.0.1", or "10.0.0.1:1102" for a partner on another port than 102. */
static const char *addr_text(const inv_partner *pt, char *buf, size_t cap)
{
    if (pt->port == 102)
        snprintf(buf, cap, "%s", pt->address);
    else
        snprintf(buf, cap, "%s:%u", pt->address, pt->port);
    return buf;
}

/* A label line of an exchange: "GET DB10.DBB0..DBB63 every 500 ms". */
static const char *ex_line(const inv_exchange *x, char *buf, size_t cap)
{
    char r[300], cyc[32];
    if (x->cycle_ms > 0)
        snprintf(buf, cap, "%s %s every %s", inv_dir_name(x->dir), ranges_text(x, r, sizeof r),
                 inv_cycle_text(x->cycle_ms, cyc, sizeof cyc));
    else
        snprintf(buf, cap, "%s %s on event", inv_dir_name(x->dir), ranges_text(x, r, sizeof r));
    return buf;
}

/* ---------------------------------------------------------------- SVG layout */

enum {
    MARGIN = 30,
    TITLE_H = 56,
    BOX_W = 200,
    BOX_H = 60,
    BOX_GAP = 36,
    CELL_PAD = 18,
    CELL_HEAD = 44,
    CELL_W = BOX_W + 2 * CELL_PAD,
    LINE_H = 14,
    CHAR_W = 6 /* font-size 11: an average character */
};

typedef struct rect {
    double x, y, w, h;
} rect;

typedef struct end_ref {
    size_t conn;
    int is_active;
    double other_y; /* for ordering: the centre of the box at the other end */
} end_ref;

typedef struct layout {
    const inv_plant *p;
    double gap;
    rect *cell;
    rect *box;       /* per partner */
    size_t *col;     /* per partner: its cell's column */
    double (*end)[4]; /* per connection: sx, sy, ex, ey */
    int *side_a, *side_p; /* per connection: 1 right, -1 left */
    rect *occupied;
    size_t nocc, capocc;
    double width, height;
} layout;

static int overlaps(const rect *a, const rect *b)
{
    return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

static int occupy(layout *L, rect r)
{
    if (L->nocc == L->capocc) {
        size_t cap = L->capocc ? L->capocc * 2 : 32;
        rect *n = realloc(L->occupied, cap * sizeof *n);
        if (!n)
            return -1;
        L->occupied = n;
        L->capocc = cap;
    }
    L->occupied[L->nocc++] = r;
    return 0;
}

/* The text lines of a connection's label; returns the count (lines in buf[i]). */
static size_t label_lines(const inv_conn *c, char (*buf)[400], size_t cap)
{
    size_t n = 0;
    if (n < cap)
        snprintf(buf[n++], sizeof buf[0], "%s (%s)", c->name, inv_type_name(c->type));
    for (size_t e = 0; e < c->nex && n < cap; e++)
        ex_line(&c->ex[e], buf[n++], sizeof buf[0]);
    return n;
}

static double label_width(char (*lines)[400], size_t n)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (strlen(lines[i]) > m)
            m = strlen(lines[i]);
    return (double)m * CHAR_W + 12;
}

static void layout_free(layout *L)
{
    free(L->cell);
    free(L->box);
    free(L->col);
    free(L->end);
    free(L->side_a);
    free(L->side_p);
    free(L->occupied);
}

static int cmp_end(const void *a, const void *b)
{
    const end_ref *x = a, *y = b;
    if (x->other_y != y->other_y)
        return x->other_y < y->other_y ? -1 : 1;
    if (x->conn != y->conn)
        return x->conn < y->conn ? -1 : 1;
    return x->is_active - y->is_active;
}

static int layout_build(layout *L, const inv_plant *p)
{
    memset(L, 0, sizeof *L);
    L->p = p;
    size_t np = p->npartners, nc = p->nconns, ncell = p->ncells;
    L->cell = calloc(ncell ? ncell : 1, sizeof *L->cell);
    L->box = calloc(np ? np : 1, sizeof *L->box);
    L->col = calloc(np ? np : 1, sizeof *L->col);
    L->end = calloc(nc ? nc : 1, sizeof *L->end);
    L->side_a = calloc(nc ? nc : 1, sizeof *L->side_a);
    L->side_p = calloc(nc ? nc : 1, sizeof *L->side_p);
    if (!L->cell || !L->box || !L->col || !L->end || !L->side_a || !L->side_p)
        return -1;
    /* the gap between columns holds the labels: as wide as the widest, within reason */
    double widest = 160;
    for (size_t i = 0; i < nc; i++) {
        char lines[66][400];
        size_t n = label_lines(&p->conns[i], lines, 66);
        double w = label_width(lines, n);
        if (w > widest)
            widest = w;
    }
    L->gap = widest + 60 > 460 ? 460 : widest + 60;
    double maxh = 0;
    for (size_t c = 0; c < ncell; c++) {
        size_t k = 0;
        double x = MARGIN + (double)c * (CELL_W + L->gap), y = MARGIN + TITLE_H;
        for (size_t i = 0; i < np; i++) {
            if (p->partners[i].cell != c)
                continue;
            L->box[i] = (rect){x + CELL_PAD, y + CELL_HEAD + (double)k * (BOX_H + BOX_GAP), BOX_W,
                               BOX_H};
            L->col[i] = c;
            k++;
        }
        double h = CELL_HEAD + CELL_PAD + (k ? (double)k * BOX_H + (double)(k - 1) * BOX_GAP : 24);
        L->cell[c] = (rect){x, y, CELL_W, h};
        if (h > maxh)
            maxh = h;
    }
    for (size_t c = 0; c < ncell; c++) /* every cell as tall as the tallest: a tidy row */
        L->cell[c].h = maxh;
    for (size_t i = 0; i < np; i++)
        if (occupy(L, L->box[i]))
            return -1;
    for (size_t c = 0; c < ncell; c++)
        if (occupy(L, (rect){L->cell[c].x, L->cell[c].y, L->cell[c].w, 34}))
            return -1;

    /* sides: towards the other partner's column; same column: the right side */
    for (size_t i = 0; i < nc; i++) {
        const inv_conn *c = &p->conns[i];
        size_t ca = L->col[c->active], cp = L->col[c->passive];
        L->side_a[i] = cp >= ca ? 1 : -1;
        L->side_p[i] = cp > ca ? -1 : 1;
    }
    /* spread the arrow ends along each box side, ordered by where the other end is */
    end_ref *refs = calloc(2 * (nc ? nc : 1), sizeof *refs);
    if (!refs)
        return -1;
    for (size_t b = 0; b < np; b++)
        for (int side = -1; side <= 1; side += 2) {
            size_t n = 0;
            for (size_t i = 0; i < nc; i++) {
                const inv_conn *c = &p->conns[i];
                if (c->active == b && L->side_a[i] == side)
                    refs[n++] = (end_ref){i, 1, L->box[c->passive].y};
                if (c->passive == b && L->side_p[i] == side)
                    refs[n++] = (end_ref){i, 0, L->box[c->active].y};
            }
            qsort(refs, n, sizeof *refs, cmp_end);
            for (size_t j = 0; j < n; j++) {
                const rect *r = &L->box[b];
                double x = side > 0 ? r->x + r->w : r->x;
                double y = r->y + r->h * (double)(j + 1) / (double)(n + 1);
                double *e = L->end[refs[j].conn];
                if (refs[j].is_active) {
                    e[0] = x;
                    e[1] = y;
                } else {
                    e[2] = x;
                    e[3] = y;
                }
            }
        }
    free(refs);
    L->width = MARGIN * 2 + (double)ncell * CELL_W + (double)(ncell ? ncell - 1 : 0) * L->gap;
    /* the title and the line under it must fit */
    double tw = MARGIN * 2 + (double)strlen(p->plant) * 11 + (p->revision ? 130 : 0);
    if (L->width < tw)
        L->width = tw;
    if (L->width < 860)
        L->width = 860;
    L->height = MARGIN + TITLE_H + maxh + 70;
    return 0;
}

/* The path of connection i: a cubic Bezier from the active end to the passive end (its
 * four points into bz). */
static void conn_path(const layout *L, size_t i, char *d, size_t cap, double bz[8])
{
    const inv_conn *c = &L->p->conns[i];
    const double *e = L->end[i];
    if (L->col[c->active] == L->col[c->passive]) {
        /* same cell: a bulge into the gap to the right, wider for ends further apart */
        double span = e[3] > e[1] ? e[3] - e[1] : e[1] - e[3];
        double b = 40 + span * 0.25;
        double pts[8] = {e[0], e[1], e[0] + b, e[1], e[2] + b, e[3], e[2], e[3]};
        memcpy(bz, pts, sizeof pts);
    } else {
        double dx = (e[2] - e[0]) / 2;
        double pts[8] = {e[0], e[1], e[0] + dx, e[1], e[2] - dx, e[3], e[2], e[3]};
        memcpy(bz, pts, sizeof pts);
    }
    snprintf(d, cap, "M %.1f %.1f C %.1f %.1f, %.1f %.1f, %.1f %.1f", bz[0], bz[1], bz[2], bz[3],
             bz[4], bz[5], bz[6], bz[7]);
}

static void bezier_at(const double bz[8], double t, double *x, double *y)
{
    double u = 1 - t;
    double a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;
    *x = a * bz[0] + b * bz[2] + c * bz[4] + d * bz[6];
    *y = a * bz[1] + b * bz[3] + c * bz[5] + d * bz[7];
}

/* A label may cover its own arrow, but no box, no other label and no other arrow. */
static int is_free(const layout *L, const rect *r, const double (*bzs)[8], size_t nbz, size_t self)
{
    if (r->y < MARGIN + TITLE_H - 10 || r->x < 4)
        return 0;
    for (size_t j = 0; j < L->nocc; j++)
        if (overlaps(r, &L->occupied[j]))
            return 0;
    for (size_t j = 0; j < nbz; j++) {
        if (j == self)
            continue;
        for (int k = 0; k <= 40; k++) {
            double x, y;
            bezier_at(bzs[j], k / 40.0, &x, &y);
            if (x > r->x - 2 && x < r->x + r->w + 2 && y > r->y - 2 && y < r->y + r->h + 2)
                return 0;
        }
    }
    return 1;
}

/* Place a label of w x h on (or next to) its arrow where it covers no box and no other
 * label: points along the curve first (t = 0.5, 0.4, 0.6 ...), each also a little above and
 * below, then further away.  left_anchor: the label starts at the point (same-cell bulges)
 * instead of being centred on it. */
static rect place_label(layout *L, const double (*bzs)[8], size_t nbz, size_t self, double w,
                        double h, int left_anchor)
{
    const double *bz = bzs[self];
    static const double ts[] = {0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82};
    rect r, first;
    double x, y;
    bezier_at(bz, 0.5, &x, &y);
    first = (rect){left_anchor ? x + 4 : x - w / 2, y - h / 2, w, h};
    for (int k = 0; k <= 6; k++)
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
            double dy = (k % 2 ? 1 : -1) * (double)((k + 1) / 2) * 12;
            bezier_at(bz, ts[i], &x, &y);
            r = (rect){left_anchor ? x + 4 : x - w / 2, y - h / 2 + dy, w, h};
            if (is_free(L, &r, bzs, nbz, self))
                goto found;
        }
    for (int pass = 0; pass < 2; pass++) /* further away; then crossing arrows is allowed */
        for (int k = 0; k < 200; k++) {
            r = first;
            r.y += (k % 2 ? 1 : -1) * (double)((k + 1) / 2) * 10;
            if (is_free(L, &r, bzs, pass ? 0 : nbz, self))
                goto found;
        }
    r = first;
found:
    occupy(L, r);
    if (r.y + r.h + 60 > L->height)
        L->height = r.y + r.h + 60;
    if (r.x + r.w + MARGIN > L->width)
        L->width = r.x + r.w + MARGIN;
    return r;
}

static const char *kind_fill(int kind)
{
    switch (kind) {
    case INV_KIND_PLC:
        return "#dbe9f7";
    case INV_KIND_HMI:
        return "#dff2df";
    case INV_KIND_SCADA:
        return "#ebe1f5";
    case INV_KIND_ENGINEERING:
        return "#fbf1cf";
    default:
        return "#eeeeee";
    }
}

static int write_svg(const inv_plant *p, const chk *k, const char *path)
{
    layout L;
    if (layout_build(&L, p)) {
        layout_free(&L);
        fprintf(stderr, "error: out of memory\n");
        return -1;
    }
    /* labels first (they may make the picture taller), written after the arrows */
    rect *lab = calloc(p->nconns ? p->nconns : 1, sizeof *lab);
    char (*d)[200] = calloc(p->nconns ? p->nconns : 1, sizeof *d);
    double (*bzs)[8] = calloc(p->nconns ? p->nconns : 1, sizeof *bzs);
    if (!lab || !d || !bzs) {
        free(lab);
        free(d);
        free(bzs);
        layout_free(&L);
        return -1;
    }
    for (size_t i = 0; i < p->nconns; i++) {
        conn_path(&L, i, d[i], sizeof d[i], bzs[i]);
        /* a same-cell bulge reaches past its column */
        if (bzs[i][2] + MARGIN > L.width)
            L.width = bzs[i][2] + MARGIN;
    }
    for (size_t i = 0; i < p->nconns; i++) {
        char lines[66][400];
        size_t n = label_lines(&p->conns[i], lines, 66);
        int same = L.col[p->conns[i].active] == L.col[p->conns[i].passive];
        lab[i] = place_label(&L, (const double(*)[8])bzs, p->nconns, i, label_width(lines, n),
                             (double)n * LINE_H + 8, same);
    }
    FILE *o = fopen(path, "w");
    if (!o) {
        fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
        free(lab);
        free(d);
        free(bzs);
        layout_free(&L);
        return -1;
    }
    fprintf(o, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
               "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
               "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, "
               "sans-serif\">\n",
            L.width, L.height, L.width, L.height);
    fputs("  <title>S7 connections: ", o);
    inv_xml_str(o, p->plant);
    fputs("</title>\n  <defs>\n"
          "    <marker id=\"arrowhead\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
          "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\n"
          "      <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#333333\"/>\n    </marker>\n"
          "    <marker id=\"arrowhead-fail\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
          "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\n"
          "      <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"#c62828\"/>\n    </marker>\n"
          "  </defs>\n  <rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
          o);
    fprintf(o, "  <text class=\"title\" x=\"%d\" y=\"%d\" font-size=\"18\" font-weight=\"bold\">",
            MARGIN, MARGIN + 16);
    inv_xml_str(o, p->plant);
    if (p->revision) {
        fputs(" (revision ", o);
        inv_xml_str(o, p->revision);
        fputs(")", o);
    }
    fprintf(o, "</text>\n  <text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555555\">S7 connections: "
               "arrows point from the active partner (it connects) to the passive one (it serves TCP "
               "102). GET: the active partner reads; PUT: it writes.</text>\n",
            MARGIN, MARGIN + 36);

    /* cells */
    fputs("  <g class=\"cells\">\n", o);
    for (size_t c = 0; c < p->ncells; c++) {
        const inv_cell *cl = &p->cells[c];
        const rect *r = &L.cell[c];
        fprintf(o, "    <g class=\"cell\" id=\"cell-%s\" data-name=\"%s\">\n", cl->name, cl->name);
        fprintf(o, "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"10\" "
                   "fill=\"#f7f7f7\" stroke=\"#888888\" stroke-dasharray=\"6 4\"/>\n",
                r->x, r->y, r->w, r->h);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">cell ",
                r->x + 12, r->y + 20);
        inv_xml_str(o, cl->name);
        fputs("</text>\n", o);
        if (cl->has_subnet || cl->description) {
            char net[40] = "";
            if (cl->has_subnet)
                snprintf(net, sizeof net, "%u.%u.%u.%u/%d", cl->net >> 24, (cl->net >> 16) & 255,
                         (cl->net >> 8) & 255, cl->net & 255, cl->prefix);
            fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#555555\">%s",
                    r->x + 12, r->y + 34, net);
            if (cl->description) {
                char desc[40];
                snprintf(desc, sizeof desc, "%s%.30s%s", net[0] ? "  " : "", cl->description,
                         strlen(cl->description) > 30 ? "..." : "");
                inv_xml_str(o, desc);
            }
            fputs("</text>\n", o);
        }
        fputs("    </g>\n", o);
    }
    fputs("  </g>\n", o);

    /* partners */
    fputs("  <g class=\"partners\">\n", o);
    for (size_t i = 0; i < p->npartners; i++) {
        const inv_partner *pt = &p->partners[i];
        const rect *r = &L.box[i];
        char where[64], sub[120];
        fprintf(o, "    <g class=\"partner\" id=\"partner-%s\" data-name=\"%s\" data-cell=\"%s\" "
                   "data-address=\"%s\">\n",
                pt->name, pt->name, p->cells[pt->cell].name, pt->address);
        if (pt->description) {
            fputs("      <title>", o);
            inv_xml_str(o, pt->description);
            fputs("</title>\n", o);
        }
        fprintf(o, "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"6\" "
                   "fill=\"%s\" stroke=\"#336699\" stroke-width=\"1.5\"/>\n",
                r->x, r->y, r->w, r->h, kind_fill(pt->kind));
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n",
                r->x + 10, r->y + 19, pt->name);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s%s", r->x + 10, r->y + 35,
                pt->address, pt->port != 102 ? ":" : "");
        if (pt->port != 102)
            fprintf(o, "%u", pt->port);
        fputs("</text>\n", o);
        partner_where(p, pt, where, sizeof where);
        snprintf(sub, sizeof sub, "%s%s%s%s%s", pt->kind != INV_KIND_OTHER ? inv_kind_name(pt->kind) : "",
                 pt->profile && pt->kind != INV_KIND_OTHER ? ", " : "", pt->profile ? pt->profile : "",
                 where[0] && (pt->profile || pt->kind != INV_KIND_OTHER) ? ", " : "", where);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#555555\">", r->x + 10,
                r->y + 50);
        inv_xml_str(o, sub);
        fputs("</text>\n    </g>\n", o);
    }
    fputs("  </g>\n", o);

    /* arrows, then their labels on top */
    fputs("  <g class=\"connections\">\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const chk_conn *cc = check_of(k, c->name);
        int failed = cc && strcmp(cc->status, "pass") != 0;
        fprintf(o, "    <g class=\"connection%s\" id=\"conn-%s\" data-name=\"%s\" data-active=\"%s\" "
                   "data-passive=\"%s\"%s%s%s>\n",
                cc ? (failed ? " fail" : " pass") : "", c->name, c->name,
                p->partners[c->active].name, p->partners[c->passive].name,
                cc ? " data-check=\"" : "", cc ? (failed ? "fail" : "pass") : "", cc ? "\"" : "");
        fprintf(o, "      <title>%s: %s -&gt; %s</title>\n", c->name, p->partners[c->active].name,
                p->partners[c->passive].name);
        fprintf(o, "      <path class=\"arrow\" d=\"%s\" fill=\"none\" stroke=\"%s\" "
                   "stroke-width=\"1.8\" marker-end=\"url(#%s)\"/>\n",
                d[i], failed ? "#c62828" : "#333333", failed ? "arrowhead-fail" : "arrowhead");
        fputs("    </g>\n", o);
    }
    fputs("  </g>\n  <g class=\"labels\">\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const chk_conn *cc = check_of(k, c->name);
        char lines[66][400];
        size_t n = label_lines(c, lines, 66);
        const rect *r = &lab[i];
        fprintf(o, "    <g class=\"label\" data-connection=\"%s\">\n", c->name);
        fprintf(o, "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" "
                   "fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#bbbbbb\"/>\n",
                r->x, r->y, r->w, r->h);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">\n", r->x + 6, r->y + 4);
        for (size_t j = 0; j < n; j++) {
            const char *fill = j == 0 ? "#000000" : c->ex[j - 1].dir == INV_PUT ? "#b35900" : "#1f5fa8";
            if (j == 0 && cc)
                fill = strcmp(cc->status, "pass") == 0 ? "#2e7d32" : "#c62828";
            fprintf(o, "        <tspan x=\"%.1f\" dy=\"%d\" fill=\"%s\"%s>", r->x + 6, LINE_H, fill,
                    j == 0 ? " font-weight=\"bold\"" : "");
            inv_xml_str(o, lines[j]);
            if (j == 0 && cc) {
                fputs(cc && strcmp(cc->status, "pass") == 0 ? " - check: pass" : " - check: ", o);
                if (strcmp(cc->status, "pass") != 0)
                    inv_xml_str(o, cc->verdict[0] ? cc->verdict : "fail");
            }
            fputs("</tspan>\n", o);
        }
        fputs("      </text>\n    </g>\n", o);
    }
    fputs("  </g>\n", o);
    fprintf(o, "  <text x=\"%d\" y=\"%.0f\" font-size=\"10\" fill=\"#777777\">generated by s7 %s "
               "(s7kit) from ",
            MARGIN, L.height - 16, S7_CLI_VERSION);
    inv_xml_str(o, p->file);
    fputs("</text>\n</svg>\n", o);
    int bad = ferror(o) | (fclose(o) != 0);
    free(lab);
    free(d);
    free(bzs);
    layout_free(&L);
    if (bad) {
        fprintf(stderr, "error: writing %s failed\n", path);
        return -1;
    }
    return 0;
}

/* ---------------------------------------------------------------- HTML */

static void h(FILE *o, const char *s) { inv_xml_str(o, s); }

static void td(FILE *o, const char *s)
{
    fputs("<td>", o);
    h(o, s ? s : "");
    fputs("</td>", o);
}

static const char CSS[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:2em;color:#222;max-width:1200px}"
    "h1{font-size:1.6em}h2{font-size:1.25em;margin-top:1.8em;border-bottom:1px solid #ccc}"
    "table{border-collapse:collapse;margin:.6em 0;font-size:.9em}"
    "th,td{border:1px solid #bbb;padding:.3em .6em;text-align:left;vertical-align:top}"
    "th{background:#eef2f6}td.pass{color:#2e7d32;font-weight:bold}"
    "td.fail{color:#c62828;font-weight:bold}td.skip{color:#777}"
    ".meta td{border:none;padding:.1em 1em .1em 0}"
    ".sign td{height:3.2em;min-width:14em}"
    "img{max-width:100%;border:1px solid #ddd}"
    "@media print{body{margin:1cm}h2{page-break-after:avoid}table{page-break-inside:avoid}}";

static void status_td(FILE *o, const char *st)
{
    const char *cls = strcmp(st, "pass") == 0 ? "pass" : strcmp(st, "skip") == 0 ? "skip" : "fail";
    fprintf(o, "<td class=\"%s\">", cls);
    h(o, st);
    fputs("</td>", o);
}

static int write_html(const inv_plant *p, const chk *k, const char *path, const char *today)
{
    FILE *o = fopen(path, "w");
    char buf[600], buf2[200];
    if (!o) {
        fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>S7 "
          "connection inventory: ",
          o);
    h(o, p->plant);
    fprintf(o, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>S7 connection inventory: ", CSS);
    h(o, p->plant);
    fputs("</h1>\n<table class=\"meta\">\n<tr><td>Inventory file</td><td>", o);
    h(o, p->file);
    fputs("</td></tr>\n", o);
    if (p->revision) {
        fputs("<tr><td>Revision</td><td>", o);
        h(o, p->revision);
        fputs("</td></tr>\n", o);
    }
    fprintf(o, "<tr><td>Report generated</td><td>%s by s7 %s (s7kit)</td></tr>\n", today,
            S7_CLI_VERSION);
    if (k->loaded) {
        size_t pass = 0;
        for (size_t i = 0; i < k->nconns; i++)
            pass += strcmp(k->conns[i].status, "pass") == 0;
        fputs("<tr><td>Live check</td><td>", o);
        h(o, k->time[0] ? k->time : "(time not recorded)");
        if (k->from[0]) {
            fputs(" from ", o);
            h(o, k->from);
        }
        if (k->as[0]) {
            fputs(" standing in for ", o);
            h(o, k->as);
        }
        fprintf(o, ": %zu of %zu connections pass%s</td></tr>\n", pass, k->nconns,
                k->allow_write ? " (PUT exchanges verified by writing back the bytes read)"
                               : " (PUT exchanges not written: run with --allow-write)");
    } else {
        fputs("<tr><td>Live check</td><td>not included (s7 inventory check --json &gt; check.json; "
              "s7 inventory report ... --check check.json)</td></tr>\n",
              o);
    }
    fputs("</table>\n", o);
    if (p->description) {
        fputs("<p>", o);
        h(o, p->description);
        fputs("</p>\n", o);
    }

    fputs("<h2>Diagram</h2>\n<p><img src=\"cells.svg\" alt=\"cells, partners and connections\"></p>\n",
          o);

    fputs("<h2>Cells</h2>\n<table>\n<tr><th>Cell</th><th>Subnet</th><th>Partners</th>"
          "<th>Description</th></tr>\n",
          o);
    for (size_t c = 0; c < p->ncells; c++) {
        const inv_cell *cl = &p->cells[c];
        size_t l = 0;
        buf[0] = 0;
        for (size_t i = 0; i < p->npartners && l < sizeof buf; i++)
            if (p->partners[i].cell == c)
                l += (size_t)snprintf(buf + l, sizeof buf - l, "%s%s", l ? ", " : "",
                                      p->partners[i].name);
        buf2[0] = 0;
        if (cl->has_subnet)
            snprintf(buf2, sizeof buf2, "%u.%u.%u.%u/%d", cl->net >> 24, (cl->net >> 16) & 255,
                     (cl->net >> 8) & 255, cl->net & 255, cl->prefix);
        fputs("<tr>", o);
        td(o, cl->name);
        td(o, buf2);
        td(o, buf);
        td(o, cl->description);
        fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);

    fputs("<h2>Partners</h2>\n<table>\n<tr><th>Name</th><th>Cell</th><th>Kind</th><th>Address</th>"
          "<th>Profile</th><th>Rack/slot or TSAPs</th><th>Connection type used</th>"
          "<th>Description</th></tr>\n",
          o);
    for (size_t i = 0; i < p->npartners; i++) {
        const inv_partner *pt = &p->partners[i];
        fputs("<tr>", o);
        td(o, pt->name);
        td(o, p->cells[pt->cell].name);
        td(o, inv_kind_name(pt->kind));
        td(o, addr_text(pt, buf, sizeof buf));
        td(o, pt->profile);
        td(o, partner_where(p, pt, buf2, sizeof buf2));
        td(o, pt->type ? inv_type_name(pt->type) : "");
        td(o, pt->description);
        fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);

    fputs("<h2>Connections</h2>\n<p>The active partner connects; the passive partner serves TCP "
          "port 102.</p>\n<table>\n<tr><th>Connection</th><th>Active</th><th>Passive</th>"
          "<th>Type</th><th>Rack/slot, TSAPs</th><th>Description</th>",
          o);
    if (k->loaded)
        fputs("<th>Check</th><th>Verdict</th><th>Detail</th>", o);
    fputs("</tr>\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const inv_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        fputs("<tr>", o);
        td(o, c->name);
        snprintf(buf, sizeof buf, "%s (%s)", a->name, a->address);
        td(o, buf);
        snprintf(buf, sizeof buf, "%s (%s:%u)", pp->name, pp->address, pp->port);
        td(o, buf);
        td(o, inv_type_name(c->type));
        td(o, tsap_or_rs(c, buf, sizeof buf));
        td(o, c->description);
        if (k->loaded) {
            const chk_conn *cc = check_of(k, c->name);
            if (cc) {
                status_td(o, cc->status);
                td(o, cc->verdict);
                td(o, cc->detail);
            } else {
                fputs("<td class=\"skip\">not checked</td><td></td><td></td>", o);
            }
        }
        fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);

    fputs("<h2>Exchanges</h2>\n<p>GET: the active partner reads the range from the passive one; "
          "PUT: it writes it.</p>\n<table>\n<tr><th>Connection</th><th>#</th><th>Active</th>"
          "<th>Passive</th><th>Direction</th><th>Ranges</th><th>Bytes</th><th>Cycle</th>"
          "<th>Description</th>",
          o);
    if (k->loaded)
        fputs("<th>Check</th><th>Detail</th>", o);
    fputs("</tr>\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const chk_conn *cc = check_of(k, c->name);
        for (size_t e = 0; e < c->nex; e++) {
            const inv_exchange *x = &c->ex[e];
            fputs("<tr>", o);
            td(o, c->name);
            fprintf(o, "<td>%zu</td>", e + 1);
            td(o, p->partners[c->active].name);
            td(o, p->partners[c->passive].name);
            td(o, inv_dir_name(x->dir));
            td(o, ranges_text(x, buf, sizeof buf));
            fprintf(o, "<td>%u</td>", ex_bytes(x));
            td(o, inv_cycle_text(x->cycle_ms, buf2, sizeof buf2));
            td(o, x->description);
            if (k->loaded) {
                if (cc && e < cc->nex) {
                    status_td(o, cc->ex[e].status);
                    td(o, cc->ex[e].detail);
                } else {
                    fputs("<td class=\"skip\">not checked</td><td></td>", o);
                }
            }
            fputs("</tr>\n", o);
        }
    }
    fputs("</table>\n", o);

    fputs("<h2>Firewall</h2>\n<p>TCP port 102 passes only for these flows (new connections from "
          "the active partner, and their established traffic); every other S7 packet is "
          "dropped. Rules: <code>s7 inventory firewall FILE --format nftables</code> (router "
          "between the cells) or <code>--host PARTNER</code> (each host).</p>\n<table>\n"
          "<tr><th>From (active)</th><th>To (passive)</th><th>TCP port</th><th>Connection</th>"
          "</tr>\n",
          o);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const inv_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        fputs("<tr>", o);
        snprintf(buf, sizeof buf, "%s %s", a->name, a->address);
        td(o, buf);
        snprintf(buf, sizeof buf, "%s %s", pp->name, pp->address);
        td(o, buf);
        fprintf(o, "<td>%u</td>", pp->port);
        td(o, c->name);
        fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);

    fputs("<h2>Sign-off</h2>\n<p>The connections above are complete and correct; each was "
          "checked live",
          o);
    fputs(k->loaded ? " (results above)" : "", o);
    fputs(", and the cell firewalls pass TCP port 102 only for the flows listed.</p>\n"
          "<table class=\"sign\">\n<tr><th>Role</th><th>Name</th><th>Date</th><th>Signature</th>"
          "</tr>\n"
          "<tr><td>Commissioning engineer</td><td></td><td></td><td></td></tr>\n"
          "<tr><td>Plant operator / customer</td><td></td><td></td><td></td></tr>\n"
          "<tr><td>OT / network security</td><td></td><td></td><td></td></tr>\n"
          "</table>\n</body>\n</html>\n",
          o);
    int bad = ferror(o) | (fclose(o) != 0);
    if (bad)
        fprintf(stderr, "error: writing %s failed\n", path);
    return bad ? -1 : 0;
}

/* ---------------------------------------------------------------- Markdown */

/* A table cell: '|' and newlines would break the row. */
static void md(FILE *o, const char *s)
{
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '|')
            fputs("\\|", o);
        else if (*c == '\n' || *c == '\r')
            fputc(' ', o);
        else
            fputc(*c, o);
    }
}

static int write_md(const inv_plant *p, const chk *k, const char *path, const char *today)
{
    FILE *o = fopen(path, "w");
    char buf[600], buf2[200];
    if (!o) {
        fprintf(stderr, "error: cannot write %s: %s\n", path, strerror(errno));
        return -1;
    }
    fputs("# S7 connection inventory: ", o);
    md(o, p->plant);
    fputs("\n\n- Inventory file: ", o);
    md(o, p->file);
    if (p->revision) {
        fputs("\n- Revision: ", o);
        md(o, p->revision);
    }
    fprintf(o, "\n- Report generated: %s by s7 %s (s7kit)\n", today, S7_CLI_VERSION);
    if (k->loaded) {
        fputs("- Live check: ", o);
        md(o, k->time);
        if (k->from[0]) {
            fputs(" from ", o);
            md(o, k->from);
        }
        fputc('\n', o);
    }
    if (p->description) {
        fputs("\n", o);
        md(o, p->description);
        fputs("\n", o);
    }
    fputs("\n![cells, partners and connections](cells.svg)\n\n## Partners\n\n"
          "| Name | Cell | Kind | Address | Profile | Rack/slot or TSAPs | Description |\n"
          "|---|---|---|---|---|---|---|\n",
          o);
    for (size_t i = 0; i < p->npartners; i++) {
        const inv_partner *pt = &p->partners[i];
        fprintf(o, "| %s | %s | %s | %s | ", pt->name, p->cells[pt->cell].name,
                inv_kind_name(pt->kind), addr_text(pt, buf, sizeof buf));
        md(o, pt->profile);
        fputs(" | ", o);
        md(o, partner_where(p, pt, buf2, sizeof buf2));
        fputs(" | ", o);
        md(o, pt->description);
        fputs(" |\n", o);
    }
    fputs("\n## Connections and exchanges\n\n"
          "| Connection | Active | Passive | Type | TSAPs | Direction | Ranges | Cycle | Description |",
          o);
    fputs(k->loaded ? " Check |\n|---|---|---|---|---|---|---|---|---|---|\n"
                    : "\n|---|---|---|---|---|---|---|---|---|\n",
          o);
    for (size_t i = 0; i < p->nconns; i++) {
        const inv_conn *c = &p->conns[i];
        const chk_conn *cc = check_of(k, c->name);
        for (size_t e = 0; e < c->nex; e++) {
            const inv_exchange *x = &c->ex[e];
            fprintf(o, "| %s | %s | %s:%u | %s | ", c->name, p->partners[c->active].name,
                    p->partners[c->passive].name, p->partners[c->passive].port,
                    inv_type_name(c->type));
            md(o, tsap_or_rs(c, buf2, sizeof buf2));
            fprintf(o, " | %s | ", inv_dir_name(x->dir));
            md(o, ranges_text(x, buf, sizeof buf));
            fprintf(o, " | %s | ", inv_cycle_text(x->cycle_ms, buf2, sizeof buf2));
            md(o, x->description ? x->description : c->description);
            if (k->loaded) {
                fputs(" | ", o);
                if (cc && e < cc->nex) {
                    md(o, cc->ex[e].status);
                    if (strcmp(cc->ex[e].status, "pass") != 0 && cc->ex[e].verdict[0]) {
                        fputs(" (", o);
                        md(o, cc->ex[e].verdict);
                        fputs(")", o);
                    }
                } else {
                    fputs("not checked", o);
                }
            }
            fputs(" |\n", o);
        }
    }
    fputs("\n## Sign-off\n\n| Role | Name | Date | Signature |\n|---|---|---|---|\n"
          "| Commissioning engineer | | | |\n| Plant operator / customer | | | |\n"
          "| OT / network security | | | |\n",
          o);
    int bad = ferror(o) | (fclose(o) != 0);
    if (bad)
        fprintf(stderr, "error: writing %s failed\n", path);
    return bad ? -1 : 0;
}

/* ---------------------------------------------------------------- command */

int inv_cmd_report(const inv_plant *p, const inv_opts *o)
{
    chk k;
    memset(&k, 0, sizeof k);
    if (o->check && load_check(&k, o->check)) {
        free(k.conns);
        return CLI_USAGE;
    }
    if (mkdir(o->out, 0777) != 0 && errno != EEXIST) {
        fprintf(stderr, "error: cannot create the directory %s: %s\n", o->out, strerror(errno));
        free(k.conns);
        return CLI_FAIL;
    }
    struct stat st;
    if (stat(o->out, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "error: -o %s: not a directory (the report is index.html, report.md and "
                        "cells.svg in it)\n",
                o->out);
        free(k.conns);
        return CLI_USAGE;
    }
    char today[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d %H:%M", &tm);
    size_t n = strlen(o->out) + 32;
    char *svg = malloc(n), *html = malloc(n), *mdp = malloc(n);
    int rc = CLI_FAIL;
    if (svg && html && mdp) {
        snprintf(svg, n, "%s/cells.svg", o->out);
        snprintf(html, n, "%s/index.html", o->out);
        snprintf(mdp, n, "%s/report.md", o->out);
        if (write_svg(p, &k, svg) == 0 && write_html(p, &k, html, today) == 0 &&
            write_md(p, &k, mdp, today) == 0) {
            printf("report of %s: %s, %s, %s\n", p->file, html, mdp, svg);
            rc = CLI_OK;
        }
    }
    free(svg);
    free(html);
    free(mdp);
    free(k.conns);
    return rc;
}
