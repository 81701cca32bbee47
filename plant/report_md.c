/* s7kit plant report: the commissioning document in Markdown (include/s7/plant.h
 * s7_plant_report_md), for a wiki or a pull request: partners, connections and exchanges
 * with the live check's results when given, and a sign-off table. */
#include <stdio.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

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

int s7_plant_report_md(const s7_plant *p, const s7_plant_check_report *k,
                       const s7_plant_report_opts *opts, FILE *o)
{
    char buf[600], buf2[200];
    const char *today = opts && opts->today ? opts->today : "";
    fputs("# S7 connection inventory: ", o);
    md(o, s7__plant_title(p));
    fputs("\n\n- Inventory file: ", o);
    md(o, p->file);
    if (p->revision) {
        fputs("\n- Revision: ", o);
        md(o, p->revision);
    }
    fputs("\n- Report generated: ", o);
    md(o, today);
    fputs(" by ", o);
    md(o, s7__report_generator(opts));
    fputs(" (s7kit)\n", o);
    if (k) {
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
    fputs("\n![cells, partners and connections](", o);
    md(o, opts && opts->svg_name ? opts->svg_name : "cells.svg");
    fputs(")\n\n## Partners\n\n"
          "| Name | Cell | Kind | Address | Profile | Rack/slot or TSAPs | Description |\n"
          "|---|---|---|---|---|---|---|\n",
          o);
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        fprintf(o, "| %s | %s | %s | %s | ", pt->name, p->cells[pt->cell].name,
                s7_plant_kind_name(pt->kind), s7__report_addr_text(pt, buf, sizeof buf));
        md(o, pt->profile);
        fputs(" | ", o);
        md(o, s7_plant_partner_where(p, pt, buf2, sizeof buf2));
        fputs(" | ", o);
        md(o, pt->description);
        fputs(" |\n", o);
    }
    fputs("\n## Connections and exchanges\n\n"
          "| Connection | Active | Passive | Type | TSAPs | Direction | Ranges | Cycle | "
          "Description |",
          o);
    fputs(k ? " Check |\n|---|---|---|---|---|---|---|---|---|---|\n"
            : "\n|---|---|---|---|---|---|---|---|---|\n",
          o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_check_conn *cc = s7_plant_check_report_find(k, c->name);
        for (size_t e = 0; e < c->nex; e++) {
            const s7_plant_exchange *x = &c->ex[e];
            fprintf(o, "| %s | %s | %s:%u | %s | ", c->name, p->partners[c->active].name,
                    p->partners[c->passive].name, p->partners[c->passive].port,
                    s7_plant_type_name(c->type));
            md(o, s7__report_tsap_or_rs(c, buf2, sizeof buf2));
            fprintf(o, " | %s | ", s7_plant_dir_name(x->dir));
            md(o, s7__report_ranges_text(x, buf, sizeof buf));
            fprintf(o, " | %s | ", s7_plant_cycle_text(x->cycle_ms, buf2, sizeof buf2));
            md(o, x->description ? x->description : c->description);
            if (k) {
                fputs(" | ", o);
                if (cc && e < cc->nex) {
                    md(o, s7_plant_status_name(cc->ex[e].status));
                    if (cc->ex[e].status != S7_PLANT_PASS && cc->ex[e].verdict[0]) {
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
    return ferror(o) ? S7_ERR_IO : 0;
}
