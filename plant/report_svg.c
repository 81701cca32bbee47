/* s7kit plant report: the cells diagram as SVG (include/s7/plant.h s7_plant_report_svg).
 * Cells (boxes), partners (boxes inside their cell), arrows from the active to the passive
 * partner labelled with the exchanges.  Plain text with a deterministic layout (cells in
 * columns, in the plant's order; partners stacked in each cell; arrow ends spread along box
 * sides; labels moved off boxes and other labels).  Elements carry class and data-*
 * attributes so tools (and the tests) can read the diagram back: g.cell, g.partner,
 * g.connection (one path.arrow each), g.label[data-connection]. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

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
    const s7_plant *p;
    double gap;
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

/* The text lines of a connection's label; returns the count (lines in buf[i]). */
static size_t label_lines(const s7_plant_conn *c, char (*buf)[400], size_t cap)
{
    size_t n = 0;
    if (n < cap)
        snprintf(buf[n++], sizeof buf[0], "%s (%s)", c->name, s7_plant_type_name(c->type));
    for (size_t e = 0; e < c->nex && n < cap; e++)
        s7__report_ex_line(&c->ex[e], buf[n++], sizeof buf[0]);
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

static int layout_build(layout *L, const s7_plant *p)
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
            L->box[i] =
                (rect){x + CELL_PAD, y + CELL_HEAD + (double)k * (BOX_H + BOX_GAP), BOX_W, BOX_H};
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
    L->width = MARGIN * 2 + (double)ncell * CELL_W + (double)(ncell ? ncell - 1 : 0) * L->gap;
    /* the title and the line under it must fit */
    double tw = MARGIN * 2 + (double)strlen(s7__plant_title(p)) * 11 + (p->revision ? 130 : 0);
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
    const s7_plant_conn *c = &L->p->conns[i];
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
    case S7_PLANT_KIND_PLC: return "#dbe9f7";
    case S7_PLANT_KIND_HMI: return "#dff2df";
    case S7_PLANT_KIND_SCADA: return "#ebe1f5";
    case S7_PLANT_KIND_ENGINEERING: return "#fbf1cf";
    default: return "#eeeeee";
    }
}

int s7_plant_report_svg(const s7_plant *p, const s7_plant_check_report *k,
                        const s7_plant_report_opts *opts, FILE *o)
{
    layout L;
    if (layout_build(&L, p)) {
        layout_free(&L);
        return S7_ERR_NOMEM;
    }
    /* labels first (they may make the picture taller), written after the arrows */
    rect *lab = calloc(p->nconns ? p->nconns : 1, sizeof *lab);
    char(*d)[200] = calloc(p->nconns ? p->nconns : 1, sizeof *d);
    double(*bzs)[8] = calloc(p->nconns ? p->nconns : 1, sizeof *bzs);
    if (!lab || !d || !bzs) {
        free(lab);
        free(d);
        free(bzs);
        layout_free(&L);
        return S7_ERR_NOMEM;
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
    fprintf(o,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" "
            "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Arial, "
            "sans-serif\">\n",
            L.width, L.height, L.width, L.height);
    fputs("  <title>S7 connections: ", o);
    s7_plant_xml_str(o, s7__plant_title(p));
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

    /* cells */
    fputs("  <g class=\"cells\">\n", o);
    for (size_t c = 0; c < p->ncells; c++) {
        const s7_plant_cell *cl = &p->cells[c];
        const rect *r = &L.cell[c];
        fprintf(o, "    <g class=\"cell\" id=\"cell-%s\" data-name=\"%s\">\n", cl->name, cl->name);
        fprintf(o,
                "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"10\" "
                "fill=\"#f7f7f7\" stroke=\"#888888\" stroke-dasharray=\"6 4\"/>\n",
                r->x, r->y, r->w, r->h);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" font-weight=\"bold\">cell ",
                r->x + 12, r->y + 20);
        s7_plant_xml_str(o, cl->name);
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
                s7_plant_xml_str(o, desc);
            }
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
        char where[64], sub[120];
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
            r->x + 10, r->y + 19, pt->name);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">%s%s", r->x + 10, r->y + 35,
                pt->address, pt->port != 102 ? ":" : "");
        if (pt->port != 102)
            fprintf(o, "%u", pt->port);
        fputs("</text>\n", o);
        s7_plant_partner_where(p, pt, where, sizeof where);
        snprintf(sub, sizeof sub, "%s%s%s%s%s",
                 pt->kind != S7_PLANT_KIND_OTHER ? s7_plant_kind_name(pt->kind) : "",
                 pt->profile && pt->kind != S7_PLANT_KIND_OTHER ? ", " : "",
                 pt->profile ? pt->profile : "",
                 where[0] && (pt->profile || pt->kind != S7_PLANT_KIND_OTHER) ? ", " : "", where);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"10\" fill=\"#555555\">",
                r->x + 10, r->y + 50);
        s7_plant_xml_str(o, sub);
        fputs("</text>\n    </g>\n", o);
    }
    fputs("  </g>\n", o);

    /* arrows, then their labels on top */
    fputs("  <g class=\"connections\">\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_check_conn *cc = s7_plant_check_report_find(k, c->name);
        int failed = cc && cc->status != S7_PLANT_PASS;
        fprintf(o,
                "    <g class=\"connection%s\" id=\"conn-%s\" data-name=\"%s\" data-active=\"%s\" "
                "data-passive=\"%s\"%s%s%s>\n",
                cc ? (failed ? " fail" : " pass") : "", c->name, c->name,
                p->partners[c->active].name, p->partners[c->passive].name,
                cc ? " data-check=\"" : "", cc ? (failed ? "fail" : "pass") : "", cc ? "\"" : "");
        fprintf(o, "      <title>%s: %s -&gt; %s</title>\n", c->name, p->partners[c->active].name,
                p->partners[c->passive].name);
        fprintf(o,
                "      <path class=\"arrow\" d=\"%s\" fill=\"none\" stroke=\"%s\" "
                "stroke-width=\"1.8\" marker-end=\"url(#%s)\"/>\n",
                d[i], failed ? "#c62828" : "#333333", failed ? "arrowhead-fail" : "arrowhead");
        fputs("    </g>\n", o);
    }
    fputs("  </g>\n  <g class=\"labels\">\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_check_conn *cc = s7_plant_check_report_find(k, c->name);
        char lines[66][400];
        size_t n = label_lines(c, lines, 66);
        const rect *r = &lab[i];
        fprintf(o, "    <g class=\"label\" data-connection=\"%s\">\n", c->name);
        fprintf(o,
                "      <rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" rx=\"4\" "
                "fill=\"#ffffff\" fill-opacity=\"0.92\" stroke=\"#bbbbbb\"/>\n",
                r->x, r->y, r->w, r->h);
        fprintf(o, "      <text x=\"%.1f\" y=\"%.1f\" font-size=\"11\">\n", r->x + 6, r->y + 4);
        for (size_t j = 0; j < n; j++) {
            const char *fill = j == 0                             ? "#000000"
                               : c->ex[j - 1].dir == S7_PLANT_PUT ? "#b35900"
                                                                  : "#1f5fa8";
            if (j == 0 && cc)
                fill = cc->status == S7_PLANT_PASS ? "#2e7d32" : "#c62828";
            fprintf(o, "        <tspan x=\"%.1f\" dy=\"%d\" fill=\"%s\"%s>", r->x + 6, LINE_H, fill,
                    j == 0 ? " font-weight=\"bold\"" : "");
            s7_plant_xml_str(o, lines[j]);
            if (j == 0 && cc) {
                fputs(cc->status == S7_PLANT_PASS ? " - check: pass" : " - check: ", o);
                if (cc->status != S7_PLANT_PASS)
                    s7_plant_xml_str(o, cc->verdict[0] ? cc->verdict : "fail");
            }
            fputs("</tspan>\n", o);
        }
        fputs("      </text>\n    </g>\n", o);
    }
    fputs("  </g>\n", o);
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
