/* s7kit plant report: the cells diagram as SVG (include/s7/plant.h s7_plant_report_svg).
 * Cells (boxes), partners (boxes inside their cell), arrows from the active to the passive
 * partner labelled with the exchanges.  Plain text with a deterministic layout (cells in
 * columns, in the plant's order; partners stacked in each cell; arrow ends spread along box
 * sides; labels moved off boxes and other labels).
 *
 * Sizes come from the text: every box is as wide as its longest line set in DejaVu Sans
 * (the font the SVG names; report_font.c has its advance widths), plus padding.  Arrows
 * never cross a partner's box: between neighbouring columns and within a column they stay
 * in the gap between the cells; an arrow to a column further away climbs in the gap next to
 * its start to a lane of its own above the cells, crosses there and comes down in the gap
 * next to its end.  Colours: green passed, red failed, grey unproven or not checked (a
 * legend says so), dark grey when no check results were given.
 *
 * Elements carry class and data-* attributes so tools (and the tests) can read the diagram
 * back: g.cell, g.partner, g.connection (one path.arrow each, data-check), g.label
 * [data-connection]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"
#include "util/text.h"

/* ---------------------------------------------------------------- SVG layout */

enum {
    MARGIN = 30,
    TITLE_H = 88, /* title, the line under it, READY / NOT READY */
    BOX_W_MIN = 200,
    BOX_H = 60,
    BOX_GAP = 36,
    CELL_PAD = 18,
    CELL_HEAD = 44,
    LINE_H = 14,
    LANE_H = 12,     /* vertical distance of the lanes above the cells */
    ROUTER_H = 44,   /* a router's box */
    ROUTER_GAP = 70, /* from the cells (or the router above) to a router's box */
    MAXSEG = 5       /* cubic segments of an arrow */
};

/* Text sizes (px) and the padding around text in a box. */
#define FS_LABEL 11.0
#define FS_NAME 13.0
#define FS_ADDR 11.0
#define FS_SUB 10.0
#define TEXT_PAD 10.0

typedef struct rect {
    double x, y, w, h;
} rect;

typedef struct end_ref {
    size_t conn;
    int is_active;
    double other_y; /* for ordering: the centre of the box at the other end */
} end_ref;

typedef struct layout {
    const s7_plant *p;
    double gap;
    double box_w, cell_w;
    int *lane; /* per connection: its lane above the cells (-1: none, a short arrow) */
    size_t nlanes;
    double lanes_top; /* y of the highest lane; the lane arrows' labels sit above it */
    rect *cell;
    rect *box;            /* per partner */
    size_t *col;          /* per partner: its cell's column */
    double (*end)[4];     /* per connection: sx, sy, ex, ey */
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

/* The text lines of a connection's label; returns the count (lines in buf[i]): the name, a
 * line per exchange; when they do not all fit cap, the last line says how many more there
 * are (line i > 0 is exchange i - 1 while i <= shown_ex). */
static size_t label_lines(const s7_plant_conn *c, char (*buf)[400], size_t cap, size_t *shown_ex)
{
    size_t n = 0, fit = c->nex + 1 <= cap ? c->nex : cap - 2;
    snprintf(buf[n++], sizeof buf[0], "%s (%s)", c->name, s7_plant_type_name(c->type));
    for (size_t e = 0; e < fit; e++)
        s7__report_ex_line(&c->ex[e], buf[n++], sizeof buf[0]);
    if (fit < c->nex)
        snprintf(buf[n++], sizeof buf[0], "and %zu more exchanges (index.html lists them)",
                 c->nex - fit);
    if (shown_ex)
        *shown_ex = fit;
    return n;
}

/* The first line of a label (bold) with the check's result appended, as drawn. */
static void label_head(const s7_plant_check_conn *cc, int have_check, char *line, size_t cap)
{
    size_t l = strlen(line);
    if (!have_check || l >= cap)
        return;
    if (!cc)
        snprintf(line + l, cap - l, " - not checked");
    else if (cc->status == S7_PLANT_PASS)
        snprintf(line + l, cap - l, " - check: pass");
    else if (cc->status == S7_PLANT_UNPROVEN)
        snprintf(line + l, cap - l, " - check: unproven");
    else
        snprintf(line + l, cap - l, " - check: %s", cc->verdict[0] ? cc->verdict : "fail");
}

/* Measured in DejaVu Sans: the widest line (the first one bold), and padding. */
static double label_width(char (*lines)[400], size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++) {
        double w = s7__text_width(lines[i], FS_LABEL, i == 0);
        if (w > m)
            m = w;
    }
    return m + 2 * 6 + 4;
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
    free(L->lane);
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

/* The second and third line of a partner's box. */
static void partner_lines(const s7_plant *p, const s7_plant_partner *pt, char *addr, size_t acap,
                          char *sub, size_t scap)
{
    char where[64];
    s7__report_addr_text(pt, addr, acap);
    s7_plant_partner_where(p, pt, where, sizeof where);
    snprintf(sub, scap, "%s%s%s%s%s",
             pt->kind != S7_PLANT_KIND_OTHER ? s7_plant_kind_name(pt->kind) : "",
             pt->profile && pt->kind != S7_PLANT_KIND_OTHER ? ", " : "",
             pt->profile ? pt->profile : "",
             where[0] && (pt->profile || pt->kind != S7_PLANT_KIND_OTHER) ? ", " : "", where);
}

/* The second line of a cell's head: subnet and (the start of) its description. */
static void cell_sub(const s7_plant_cell *cl, char *buf, size_t cap)
{
    char net[120];
    s7__report_subnet_text(cl, net, sizeof net);
    if (cl->description) {
        /* 30 characters, never a UTF-8 sequence cut in two */
        size_t n = s7__utf8_prefix(cl->description, 30);
        snprintf(buf, cap, "%s%s%.*s%s", net, net[0] ? "  " : "", (int)n, cl->description,
                 cl->description[n] ? "..." : "");
    } else
        snprintf(buf, cap, "%s", net);
}

static int layout_build(layout *L, const s7_plant *p, const s7_plant_check_report *k)
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
    L->lane = calloc(nc ? nc : 1, sizeof *L->lane);
    if (!L->cell || !L->box || !L->col || !L->end || !L->side_a || !L->side_p || !L->lane)
        return -1;
    /* boxes as wide as their longest line, cells as wide as their head */
    L->box_w = BOX_W_MIN;
    for (size_t i = 0; i < np; i++) {
        char addr[200], sub[200];
        const s7_plant_partner *pt = &p->partners[i];
        partner_lines(p, pt, addr, sizeof addr, sub, sizeof sub);
        double w = s7__text_width(pt->name, FS_NAME, 1);
        if (s7__text_width(addr, FS_ADDR, 0) > w)
            w = s7__text_width(addr, FS_ADDR, 0);
        if (s7__text_width(sub, FS_SUB, 0) > w)
            w = s7__text_width(sub, FS_SUB, 0);
        if (w + 2 * TEXT_PAD > L->box_w)
            L->box_w = w + 2 * TEXT_PAD;
    }
    L->cell_w = L->box_w + 2 * CELL_PAD;
    for (size_t c = 0; c < ncell; c++) {
        char head[80], sub[200];
        snprintf(head, sizeof head, "cell %s", p->cells[c].name);
        cell_sub(&p->cells[c], sub, sizeof sub);
        double w = s7__text_width(head, 13, 1);
        if (s7__text_width(sub, FS_SUB, 0) > w)
            w = s7__text_width(sub, FS_SUB, 0);
        if (w + 24 > L->cell_w)
            L->cell_w = w + 24;
    }
    /* the gap between columns holds the labels: as wide as the widest, within reason */
    double widest = 160;
    for (size_t i = 0; i < nc; i++) {
        char lines[66][400];
        size_t n = label_lines(&p->conns[i], lines, 66, NULL);
        label_head(s7__report_result(k, &p->conns[i]), k != NULL, lines[0], sizeof lines[0]);
        double w = label_width(lines, n);
        if (w > widest)
            widest = w;
    }
    L->gap = widest + 60 > 900 ? 900 : widest + 60;
    /* lanes above the cells for arrows that jump over a column */
    for (size_t i = 0; i < nc; i++) {
        const s7_plant_conn *c = &p->conns[i];
        size_t ca = p->partners[c->active].cell, cp = p->partners[c->passive].cell;
        L->lane[i] = (ca > cp ? ca - cp : cp - ca) >= 2 ? (int)L->nlanes++ : -1;
    }
    /* above the lanes, a band for the labels of the arrows that take them */
    double band = 0;
    for (size_t i = 0; i < nc; i++)
        if (L->lane[i] >= 0) {
            size_t n = 1 + (p->conns[i].nex < 65 ? p->conns[i].nex : 65);
            if ((double)n * LINE_H + 8 + 12 > band)
                band = (double)n * LINE_H + 8 + 12;
        }
    double top = MARGIN + TITLE_H + band + (double)L->nlanes * LANE_H + (L->nlanes ? 10 : 0);
    L->lanes_top = top - 8 - (double)(L->nlanes ? L->nlanes - 1 : 0) * LANE_H;
    double maxh = 0;
    for (size_t c = 0; c < ncell; c++) {
        size_t nb = 0;
        double x = MARGIN + (double)c * (L->cell_w + L->gap), y = top;
        for (size_t i = 0; i < np; i++) {
            if (p->partners[i].cell != c)
                continue;
            L->box[i] = (rect){x + (L->cell_w - L->box_w) / 2,
                               y + CELL_HEAD + (double)nb * (BOX_H + BOX_GAP), L->box_w, BOX_H};
            L->col[i] = c;
            nb++;
        }
        double h =
            CELL_HEAD + CELL_PAD + (nb ? (double)nb * BOX_H + (double)(nb - 1) * BOX_GAP : 24);
        L->cell[c] = (rect){x, y, L->cell_w, h};
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
        const s7_plant_conn *c = &p->conns[i];
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
                const s7_plant_conn *c = &p->conns[i];
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
    L->width = MARGIN * 2 + (double)ncell * L->cell_w + (double)(ncell ? ncell - 1 : 0) * L->gap;
    /* the title and the line under it must fit */
    char title[400];
    snprintf(title, sizeof title, "%s%s%s%s", s7__plant_title(p), p->revision ? " (revision " : "",
             p->revision ? p->revision : "", p->revision ? ")" : "");
    double tw = MARGIN * 2 + s7__text_width(title, 18, 1);
    if (L->width < tw)
        L->width = tw;
    if (L->width < 860)
        L->width = 860;
    L->height = top + maxh + 90;
    return 0;
}

/* A straight segment as a cubic Bezier (control points at the thirds). */
static void seg_line(double *b, double x0, double y0, double x1, double y1)
{
    double pts[8] = {x0,
                     y0,
                     x0 + (x1 - x0) / 3,
                     y0 + (y1 - y0) / 3,
                     x0 + 2 * (x1 - x0) / 3,
                     y0 + 2 * (y1 - y0) / 3,
                     x1,
                     y1};
    memcpy(b, pts, sizeof pts);
}

/* The path of connection i as up to MAXSEG cubic Bezier segments (8 numbers each) into bz;
 * returns the count, and the SVG path data into d. */
static size_t conn_path(const layout *L, size_t i, char *d, size_t cap, double (*bz)[8])
{
    const s7_plant_conn *c = &L->p->conns[i];
    const double *e = L->end[i];
    size_t n = 0;
    if (L->lane[i] >= 0) {
        /* over the cells: out into the gap beside the start, up to the lane, across, down in
         * the gap beside the end, in */
        double ly = L->cell[0].y - 8 - (double)L->lane[i] * LANE_H;
        double step = 12 + 6 * (double)(L->lane[i] % 8);
        const rect *ca = &L->cell[L->col[c->active]], *cp = &L->cell[L->col[c->passive]];
        double xa = L->side_a[i] > 0 ? ca->x + ca->w + step : ca->x - step;
        double xp = L->side_p[i] > 0 ? cp->x + cp->w + step : cp->x - step;
        seg_line(bz[n++], e[0], e[1], xa, e[1]);
        seg_line(bz[n++], xa, e[1], xa, ly);
        seg_line(bz[n++], xa, ly, xp, ly);
        seg_line(bz[n++], xp, ly, xp, e[3]);
        seg_line(bz[n++], xp, e[3], e[2], e[3]);
    } else if (L->col[c->active] == L->col[c->passive]) {
        /* same cell: a bulge into the gap to the right, wider for ends further apart */
        double span = e[3] > e[1] ? e[3] - e[1] : e[1] - e[3];
        double b = 40 + span * 0.25;
        double pts[8] = {e[0], e[1], e[0] + b, e[1], e[2] + b, e[3], e[2], e[3]};
        memcpy(bz[n++], pts, sizeof pts);
    } else {
        double dx = (e[2] - e[0]) / 2;
        double pts[8] = {e[0], e[1], e[0] + dx, e[1], e[2] - dx, e[3], e[2], e[3]};
        memcpy(bz[n++], pts, sizeof pts);
    }
    size_t l = (size_t)snprintf(d, cap, "M %.1f %.1f", bz[0][0], bz[0][1]);
    for (size_t k = 0; k < n && l < cap; k++)
        l += (size_t)snprintf(d + l, cap - l, " C %.1f %.1f, %.1f %.1f, %.1f %.1f", bz[k][2],
                              bz[k][3], bz[k][4], bz[k][5], bz[k][6], bz[k][7]);
    return n;
}

static void bezier_at(const double bz[8], double t, double *x, double *y)
{
    double u = 1 - t;
    double a = u * u * u, b = 3 * u * u * t, c = 3 * u * t * t, d = t * t * t;
    *x = a * bz[0] + b * bz[2] + c * bz[4] + d * bz[6];
    *y = a * bz[1] + b * bz[3] + c * bz[5] + d * bz[7];
}

/* A connection's path: its segments. */
typedef struct cpath {
    double seg[MAXSEG][8];
    size_t nseg;
} cpath;

/* The point at t (0..1) along the whole path (by segment). */
static void path_at(const cpath *cp, double t, double *x, double *y)
{
    double f = t * (double)cp->nseg;
    size_t k = (size_t)f;
    if (k >= cp->nseg)
        k = cp->nseg - 1;
    bezier_at(cp->seg[k], f - (double)k, x, y);
}

/* A label may cover its own arrow, but no box, no other label and no other arrow. */
static int is_free(const layout *L, const rect *r, const cpath *bzs, size_t nbz, size_t self)
{
    if (r->y < MARGIN + TITLE_H - 10 || r->x < 4)
        return 0;
    for (size_t j = 0; j < L->nocc; j++)
        if (overlaps(r, &L->occupied[j]))
            return 0;
    for (size_t j = 0; j < nbz; j++) {
        if (j == self)
            continue;
        /* a segment lies inside the box of its four control points: only the points of a
         * segment whose box meets r need computing (the same points as without the test) */
        int near[MAXSEG], any = 0;
        for (size_t s = 0; s < bzs[j].nseg; s++) {
            const double *b = bzs[j].seg[s];
            double x0 = b[0], x1 = b[0], y0 = b[1], y1 = b[1];
            for (int q = 2; q < 8; q += 2) {
                x0 = b[q] < x0 ? b[q] : x0;
                x1 = b[q] > x1 ? b[q] : x1;
                y0 = b[q + 1] < y0 ? b[q + 1] : y0;
                y1 = b[q + 1] > y1 ? b[q + 1] : y1;
            }
            near[s] =
                x1 > r->x - 2 && x0 < r->x + r->w + 2 && y1 > r->y - 2 && y0 < r->y + r->h + 2;
            any |= near[s];
        }
        if (!any)
            continue;
        for (int k = 0; k <= 40 * (int)bzs[j].nseg; k++) {
            double t = k / (40.0 * (double)bzs[j].nseg), x, y;
            size_t s = (size_t)(t * (double)bzs[j].nseg); /* path_at's segment of t */
            if (!near[s < bzs[j].nseg ? s : bzs[j].nseg - 1])
                continue;
            path_at(&bzs[j], t, &x, &y);
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
static rect place_label(layout *L, const cpath *bzs, size_t nbz, size_t self, double w, double h,
                        int left_anchor)
{
    const cpath *bz = &bzs[self];
    static const double ts[] = {0.5, 0.42, 0.58, 0.34, 0.66, 0.26, 0.74, 0.18, 0.82};
    rect r, first;
    double x, y;
    path_at(bz, 0.5, &x, &y);
    first = (rect){left_anchor ? x + 4 : x - w / 2, y - h / 2, w, h};
    for (int k = 0; k <= 6; k++)
        for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
            double dy = (k % 2 ? 1 : -1) * (double)((k + 1) / 2) * 12;
            path_at(bz, ts[i], &x, &y);
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

/* The label of an arrow that takes a lane: in the band above the lanes, over the middle of
 * its crossing, moved sideways off other labels.  0 with *out, -1 when no place is free. */
static int place_over_lane(layout *L, const cpath *cp, double w, double h, rect *out)
{
    double x0 = cp->seg[2][0], x1 = cp->seg[2][6];
    double mid = (x0 + x1) / 2;
    for (int k = 0; k < 120; k++) {
        double dx = (k % 2 ? 1 : -1) * (double)((k + 1) / 2) * 16;
        rect r = {mid - w / 2 + dx, L->lanes_top - 6 - h, w, h};
        int ok = r.x >= 4;
        for (size_t j = 0; ok && j < L->nocc; j++)
            if (overlaps(&r, &L->occupied[j]))
                ok = 0;
        if (ok) {
            occupy(L, r);
            if (r.x + r.w + MARGIN > L->width)
                L->width = r.x + r.w + MARGIN;
            *out = r;
            return 0;
        }
    }
    return -1;
}

static const char *kind_fill(int kind)
{
    switch (kind) {
    case S7_PLANT_KIND_PLC: return "#dbe9f7";
    case S7_PLANT_KIND_HMI: return "#dff2df";
    case S7_PLANT_KIND_SCADA: return "#ebe1f5";
    case S7_PLANT_KIND_ENGINEERING: return "#fbf1cf";
    default: return "#eeeeee";
    }
}

/* ---------------------------------------------------------------- routers */

/* Routers (the plant's routers:) below the cells: a box per router, centred under the cells
 * it joins, and per interface a link from the bottom of its cell down to the router with the
 * interface's name and address beside it.  top: the y under which they go; returns the y
 * under the last one. */
static double draw_routers(FILE *o, const layout *L, const s7_plant *p, double top)
{
    if (!p->nrouters)
        return top;
    double y = top;
    fputs("  <g class=\"routers\">\n", o);
    for (size_t r = 0; r < p->nrouters; r++) {
        const s7_plant_router *rt = &p->routers[r];
        double lo = -1, hi = -1, w;
        char line2[320] = "";
        for (size_t i = 0; i < rt->nifs; i++) {
            const rect *c = &L->cell[rt->ifs[i].cell];
            double cx = c->x + c->w / 2;
            if (lo < 0 || cx < lo)
                lo = cx;
            if (hi < 0 || cx > hi)
                hi = cx;
        }
        if (lo < 0)
            lo = hi = L->width / 2;
        const char *rd = rt->description ? rt->description : "";
        size_t rn = s7__utf8_prefix(rd, 60); /* 60 characters, at a character boundary */
        snprintf(line2, sizeof line2, "router%s%.*s%s", rt->description ? ": " : "", (int)rn, rd,
                 rd[rn] ? "..." : "");
        w = s7__text_width(rt->name, FS_NAME, 1);
        if (s7__text_width(line2, FS_SUB, 0) > w)
            w = s7__text_width(line2, FS_SUB, 0);
        w += 2 * TEXT_PAD;
        if (w < 160)
            w = 160;
        double bus = y + ROUTER_GAP - 30 - (double)r * 6; /* down to it, then across */
        rect b = {(lo + hi) / 2 - w / 2, y + ROUTER_GAP, w, ROUTER_H};
        fprintf(o, "    <g class=\"router\" id=\"router-%s\" data-name=\"%s\">\n", rt->name,
                rt->name);
        for (size_t i = 0; i < rt->nifs; i++) {
            const s7_plant_router_if *ri = &rt->ifs[i];
            const rect *c = &L->cell[ri->cell];
            double cx = c->x + c->w / 2 + (double)r * 14;
            double ex = b.x + b.w * (double)(i + 1) / (double)(rt->nifs + 1);
            char v4[64] = "", v6[64] = "";
            if (ri->has_v4)
                snprintf(v4, sizeof v4, " %s/%d", ri->address, ri->prefix);
            if (ri->has_v6)
                snprintf(v6, sizeof v6, " %s/%d", ri->address6, ri->prefix6);
            fprintf(o,
                    "      <g class=\"router-if\" data-router=\"%s\" data-cell=\"%s\" "
                    "data-name=\"",
                    rt->name, p->cells[ri->cell].name);
            s7_plant_xml_str(o, ri->name ? ri->name : "");
            fprintf(o,
                    "\">\n        <path class=\"link\" d=\"M %.1f %.1f L %.1f %.1f L %.1f %.1f L "
                    "%.1f %.1f\" fill=\"none\" stroke=\"#555555\" stroke-width=\"2\"/>\n",
                    cx, c->y + c->h, cx, bus, ex, bus, ex, b.y);
            fprintf(o, "        <text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#333333\">",
                    cx + 6, c->y + c->h + 14 + (double)r * 12);
            s7_plant_xml_str(o, ri->name ? ri->name : "");
            s7_plant_xml_str(o, v4);
            s7_plant_xml_str(o, v6);
            fputs("</text>\n      </g>\n", o);
        }
        fprintf(o,
                "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"8\" "
                "fill=\"#fff3e0\" "
                "stroke=\"#e65100\" stroke-width=\"1.5\"/>\n",
                b.x, b.y, b.w, b.h);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">",
                b.x + TEXT_PAD, b.y + 19);
        s7_plant_xml_str(o, rt->name);
        fputs("</text>\n", o);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#555555\">",
                b.x + TEXT_PAD, b.y + 35);
        s7_plant_xml_str(o, line2);
        fputs("</text>\n    </g>\n", o);
        y = b.y + b.h;
    }
    fputs("  </g>\n", o);
    return y;
}

/* The colour of a connection: by its check result (k given), else neutral. */
static const char *status_colour(const s7_plant_check_conn *cc, int have_check, const char **cls)
{
    if (!have_check) {
        *cls = "";
        return "#333333";
    }
    *cls = s7__report_status_class(cc);
    if (cc && cc->status == S7_PLANT_PASS)
        return "#2e7d32";
    if (cc && cc->status != S7_PLANT_UNPROVEN)
        return "#c62828";
    return "#757575"; /* unproven, or not checked */
}

static void marker(FILE *o, const char *id, const char *fill)
{
    fprintf(o,
            "    <marker id=\"%s\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" "
            "markerWidth=\"8\" markerHeight=\"8\" orient=\"auto\">\n"
            "      <path d=\"M 0 0 L 10 5 L 0 10 z\" fill=\"%s\"/>\n    </marker>\n",
            id, fill);
}

/* Lays the diagram out and writes it to o; with o NULL, only says its size (size[0] width,
 * size[1] height, in px). */
static int svg_render(const s7_plant *p, const s7_plant_check_report *k,
                      const s7_plant_report_opts *opts, FILE *o, double *size)
{
    layout L;
    if (layout_build(&L, p, k)) {
        layout_free(&L);
        return S7_ERR_NOMEM;
    }
    /* READY / NOT READY with the reason, under the title's lines */
    char why[300], banner[340];
    int ready = s7_plant_report_ready(p, k, opts, why, sizeof why);
    snprintf(banner, sizeof banner, "%s: %s", ready ? "READY to sign" : "NOT READY", why);
    double bw = s7__text_width(banner, 12, 1) + 2 * TEXT_PAD;
    if (MARGIN * 2 + bw > L.width)
        L.width = MARGIN * 2 + bw;
    /* labels first (they may make the picture taller), written after the arrows */
    rect *lab = calloc(p->nconns ? p->nconns : 1, sizeof *lab);
    char(*d)[600] = calloc(p->nconns ? p->nconns : 1, sizeof *d);
    cpath *bzs = calloc(p->nconns ? p->nconns : 1, sizeof *bzs);
    if (!lab || !d || !bzs) {
        free(lab);
        free(d);
        free(bzs);
        layout_free(&L);
        return S7_ERR_NOMEM;
    }
    for (size_t i = 0; i < p->nconns; i++) {
        bzs[i].nseg = conn_path(&L, i, d[i], sizeof d[i], bzs[i].seg);
        /* a same-cell bulge reaches past its column */
        for (size_t s = 0; s < bzs[i].nseg; s++)
            for (int q = 0; q < 8; q += 2)
                if (bzs[i].seg[s][q] + MARGIN > L.width)
                    L.width = bzs[i].seg[s][q] + MARGIN;
    }
    for (int pass = 0; pass < 2; pass++) /* the lane arrows' labels first: above the lanes */
        for (size_t i = 0; i < p->nconns; i++) {
            char lines[66][400];
            if ((L.lane[i] >= 0) != (pass == 0))
                continue;
            size_t n = label_lines(&p->conns[i], lines, 66, NULL);
            label_head(s7__report_result(k, &p->conns[i]), k != NULL, lines[0], sizeof lines[0]);
            double w = label_width(lines, n), h = (double)n * LINE_H + 8;
            int same = L.col[p->conns[i].active] == L.col[p->conns[i].passive];
            if (pass == 0 && place_over_lane(&L, &bzs[i], w, h, &lab[i]) == 0)
                continue;
            lab[i] = place_label(&L, bzs, p->nconns, i, w, h, same);
        }
    /* the routers go under the cells and every label */
    double rtop = 0;
    if (p->nrouters) {
        for (size_t c = 0; c < p->ncells; c++)
            if (L.cell[c].y + L.cell[c].h > rtop)
                rtop = L.cell[c].y + L.cell[c].h;
        for (size_t i = 0; i < p->nconns; i++)
            if (lab[i].y + lab[i].h > rtop)
                rtop = lab[i].y + lab[i].h;
        rtop += 4;
        double bottom = rtop + (double)p->nrouters * (ROUTER_GAP + ROUTER_H);
        if (bottom + 60 > L.height)
            L.height = bottom + 60;
    }
    if (k)
        L.height += 20; /* the legend */
    if (size) {
        size[0] = L.width;
        size[1] = L.height;
    }
    if (!o) {
        free(lab);
        free(d);
        free(bzs);
        layout_free(&L);
        return 0;
    }
    fprintf(o,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, "
            "sans-serif\">\n",
            L.width, L.height, L.width, L.height);
    fputs("  <title>S7 connections: ", o);
    s7_plant_xml_str(o, s7__plant_title(p));
    fputs("</title>\n  <defs>\n", o);
    marker(o, "arrowhead", "#333333");
    marker(o, "arrowhead-pass", "#2e7d32");
    marker(o, "arrowhead-fail", "#c62828");
    marker(o, "arrowhead-unproven", "#757575");
    marker(o, "arrowhead-unchecked", "#757575");
    fputs("  </defs>\n  <rect x=\"0\" y=\"0\" width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n",
          o);
    fprintf(o, "  <text class=\"title\" x=\"%d\" y=\"%d\" font-size=\"18\" font-weight=\"bold\">",
            MARGIN, MARGIN + 16);
    s7_plant_xml_str(o, s7__plant_title(p));
    if (p->revision) {
        fputs(" (revision ", o);
        s7_plant_xml_str(o, p->revision);
        fputs(")", o);
    }
    fprintf(o,
            "</text>\n  <text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#555555\">S7 connections: "
            "arrows point from the active partner (it connects) to the passive one (it serves TCP "
            "102). GET: the active partner reads; PUT: it writes.</text>\n",
            MARGIN, MARGIN + 36);
    fprintf(o,
            "  <g class=\"readiness %s\">\n    <rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
            "height=\"24\" rx=\"4\" fill=\"%s\"/>\n    <text x=\"%.1f\" y=\"%d\" "
            "font-size=\"12\" font-weight=\"bold\" fill=\"#ffffff\">",
            ready ? "ready" : "notready", (double)MARGIN, MARGIN + 46, bw,
            ready ? "#2e7d32" : "#c62828", MARGIN + TEXT_PAD, MARGIN + 62);
    s7_plant_xml_str(o, banner);
    fputs("</text>\n  </g>\n", o);

    /* cells */
    fputs("  <g class=\"cells\">\n", o);
    for (size_t c = 0; c < p->ncells; c++) {
        const s7_plant_cell *cl = &p->cells[c];
        const rect *r = &L.cell[c];
        char sub[200];
        fprintf(o, "    <g class=\"cell\" id=\"cell-%s\" data-name=\"%s\">\n", cl->name, cl->name);
        fprintf(o,
                "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"10\" "
                "fill=\"#f7f7f7\" stroke=\"#888888\" stroke-dasharray=\"6 4\"/>\n",
                r->x, r->y, r->w, r->h);
        fprintf(o,
                "      <text class=\"cell-name\" x=\"%.1f\" y=\"%.1f\" font-size=\"13\" "
                "font-weight=\"bold\">cell ",
                r->x + 12, r->y + 20);
        s7_plant_xml_str(o, cl->name);
        fputs("</text>\n", o);
        cell_sub(cl, sub, sizeof sub);
        if (sub[0]) {
            fprintf(o,
                    "      <text class=\"cell-sub\" x=\"%.1f\" y=\"%.1f\" font-size=\"10\" "
                    "fill=\"#555555\">",
                    r->x + 12, r->y + 34);
            s7_plant_xml_str(o, sub);
            fputs("</text>\n", o);
        }
        fputs("    </g>\n", o);
    }
    fputs("  </g>\n", o);

    /* partners */
    fputs("  <g class=\"partners\">\n", o);
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        const rect *r = &L.box[i];
        char addr[200], sub[200];
        partner_lines(p, pt, addr, sizeof addr, sub, sizeof sub);
        fprintf(o,
                "    <g class=\"partner\" id=\"partner-%s\" data-name=\"%s\" data-cell=\"%s\" "
                "data-address=\"%s\">\n",
                pt->name, pt->name, p->cells[pt->cell].name, pt->address);
        if (pt->description) {
            fputs("      <title>", o);
            s7_plant_xml_str(o, pt->description);
            fputs("</title>\n", o);
        }
        fprintf(o,
                "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"6\" "
                "fill=\"%s\" stroke=\"#336699\" stroke-width=\"1.5\"/>\n",
                r->x, r->y, r->w, r->h, kind_fill(pt->kind));
        fprintf(
            o,
            "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">%s</text>\n",
            r->x + TEXT_PAD, r->y + 19, pt->name);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">", r->x + TEXT_PAD,
                r->y + 35);
        s7_plant_xml_str(o, addr);
        fputs("</text>\n", o);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#555555\">",
                r->x + TEXT_PAD, r->y + 50);
        s7_plant_xml_str(o, sub);
        fputs("</text>\n    </g>\n", o);
    }
    fputs("  </g>\n", o);

    /* arrows, then their labels on top */
    fputs("  <g class=\"connections\">\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_check_conn *cc = s7__report_result(k, c);
        const char *cls;
        const char *col = status_colour(cc, k != NULL, &cls);
        fprintf(
            o,
            "    <g class=\"connection%s%s\" id=\"conn-%s\" data-name=\"%s\" data-active=\"%s\" "
            "data-passive=\"%s\"%s%s%s>\n",
            cls[0] ? " " : "", cls, c->name, c->name, p->partners[c->active].name,
            p->partners[c->passive].name, k ? " data-check=\"" : "", k ? cls : "", k ? "\"" : "");
        fprintf(o, "      <title>%s: %s -&gt; %s</title>\n", c->name, p->partners[c->active].name,
                p->partners[c->passive].name);
        fprintf(o,
                "      <path class=\"arrow\" d=\"%s\" fill=\"none\" stroke=\"%s\" "
                "stroke-width=\"1.8\"%s marker-end=\"url(#arrowhead%s%s)\"/>\n",
                d[i], col, k && !cc ? " stroke-dasharray=\"5 4\"" : "", cls[0] ? "-" : "", cls);
        fputs("    </g>\n", o);
    }
    fputs("  </g>\n  <g class=\"labels\">\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_check_conn *cc = s7__report_result(k, c);
        char lines[66][400];
        const char *cls;
        const char *col = status_colour(cc, k != NULL, &cls);
        size_t shown;
        size_t n = label_lines(c, lines, 66, &shown);
        label_head(cc, k != NULL, lines[0], sizeof lines[0]);
        const rect *r = &lab[i];
        fprintf(o, "    <g class=\"label\" data-connection=\"%s\">\n", c->name);
        /* a label pushed away from its arrow gets a dotted leader to the nearest point */
        double bx = 0, by = 0, bd = -1;
        int touches = 0;
        for (int q = 0; q <= 40 * (int)bzs[i].nseg; q++) {
            double x, y;
            path_at(&bzs[i], q / (40.0 * (double)bzs[i].nseg), &x, &y);
            double cx = x < r->x ? r->x : x > r->x + r->w ? r->x + r->w : x;
            double cy = y < r->y ? r->y : y > r->y + r->h ? r->y + r->h : y;
            double dd = (cx - x) * (cx - x) + (cy - y) * (cy - y);
            if (dd < 4)
                touches = 1;
            if (bd < 0 || dd < bd) {
                bd = dd;
                bx = x;
                by = y;
            }
        }
        if (!touches && bd > 0) {
            double cx = bx < r->x ? r->x : bx > r->x + r->w ? r->x + r->w : bx;
            double cy = by < r->y ? r->y : by > r->y + r->h ? r->y + r->h : by;
            fprintf(o,
                    "      <line class=\"leader\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                    "stroke=\"%s\" stroke-width=\"1\" stroke-dasharray=\"2 3\"/>\n",
                    cx, cy, bx, by, k ? col : "#777777");
        }
        fprintf(o,
                "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" "
                "fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#bbbbbb\"/>\n",
                r->x, r->y, r->w, r->h);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">\n", r->x + 6, r->y + 4);
        for (size_t j = 0; j < n; j++) {
            const char *fill = j == 0                             ? (k ? col : "#000000")
                               : j > shown                        ? "#555555"
                               : c->ex[j - 1].dir == S7_PLANT_PUT ? "#b35900"
                                                                  : "#1f5fa8";
            fprintf(o, "        <tspan x=\"%.1f\" dy=\"%d\" fill=\"%s\"%s>", r->x + 6, LINE_H, fill,
                    j == 0 ? " font-weight=\"bold\"" : "");
            s7_plant_xml_str(o, lines[j]);
            fputs("</tspan>\n", o);
        }
        fputs("      </text>\n    </g>\n", o);
    }
    fputs("  </g>\n", o);
    draw_routers(o, &L, p, rtop);
    if (k)
        fprintf(o,
                "  <text class=\"legend\" x=\"%d\" y=\"%.0f\" font-size=\"11\">"
                "<tspan fill=\"#2e7d32\" font-weight=\"bold\">green: passed</tspan>"
                "<tspan fill=\"#555555\"> (checked from the active partner)   </tspan>"
                "<tspan fill=\"#c62828\" font-weight=\"bold\">red: failed</tspan>"
                "<tspan fill=\"#555555\">   </tspan>"
                "<tspan fill=\"#757575\" font-weight=\"bold\">grey: unproven</tspan>"
                "<tspan fill=\"#555555\"> (not checked from the active partner; dashed: not "
                "checked at all)</tspan></text>\n",
                MARGIN, L.height - 36);
    fprintf(o, "  <text x=\"%d\" y=\"%.0f\" font-size=\"10\" fill=\"#777777\">generated by ",
            MARGIN, L.height - 16);
    s7_plant_xml_str(o, s7__report_generator(opts));
    fputs(" (s7kit) from ", o);
    s7_plant_xml_str(o, p->file);
    fputs("</text>\n</svg>\n", o);
    free(lab);
    free(d);
    free(bzs);
    layout_free(&L);
    return ferror(o) ? S7_ERR_IO : 0;
}

int s7_plant_report_svg(const s7_plant *p, const s7_plant_check_report *k,
                        const s7_plant_report_opts *opts, FILE *o)
{
    return svg_render(p, k, opts, o, NULL);
}

int s7__report_svg_size(const s7_plant *p, const s7_plant_check_report *k,
                        const s7_plant_report_opts *opts, double *width, double *height)
{
    double size[2] = {0, 0};
    int r = svg_render(p, k, opts, NULL, size);
    *width = size[0];
    *height = size[1];
    return r;
}
