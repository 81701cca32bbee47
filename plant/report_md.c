/* s7kit plant report: the commissioning document in Markdown (include/s7/plant.h
 * s7_plant_report_md), for a wiki or a pull request: the READY / NOT READY line, partners,
 * connections and exchanges with the live check's results when given, the firewall
 * verifications, the sign-off statement of what was proven and the signature table. */
#include <stdio.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

/* Text of the plant's (a table cell, a title, a list item): '|' and newlines would break
 * the row, '<' and '&' would reach a wiki as HTML, '*' and '`' would become emphasis or
 * code; an underscore within a word (db_missing) and the brackets of an IPv6 address with
 * its port are left as they are. */
static void md(FILE *o, const char *s)
{
    for (const char *c = s ? s : ""; *c; c++) {
        if (*c == '<')
            fputs("&lt;", o); /* no raw HTML from a description reaches a wiki page */
        else if (*c == '&')
            fputs("&amp;", o);
        else if (strchr("|\\`*", *c))
            fprintf(o, "\\%c", *c); /* no table cell, code or emphasis made of text */
        else if (*c == '\n' || *c == '\r')
            fputc(' ', o);
        else
            fputc(*c, o);
    }
}

typedef struct so_ctx {
    FILE *o;
    int last; /* the kind of the previous item, -1 none */
} so_ctx;

/* A sign-off item as a list entry under its heading. */
static void so_item(void *ctx, int kind, const char *text)
{
    so_ctx *x = ctx;
    FILE *o = x->o;
    static const char *const head[] = {"Proven live", "Not proven", "Firewall"};
    if (kind == S7__SO_CLOSE) {
        fputs("\n**", o);
        md(o, text);
        fputs("**\n", o);
        x->last = -1;
        return;
    }
    if (kind != x->last)
        fprintf(o, "\n%s:\n\n", head[kind]);
    x->last = kind;
    fputs("- ", o);
    md(o, text);
    fputc('\n', o);
}

int s7_plant_report_md(const s7_plant *p, const s7_plant_check_report *k,
                       const s7_plant_report_opts *opts, FILE *o)
{
    char buf[600], buf2[200];
    const char *today = opts && opts->today ? opts->today : "";
    fputs("# S7 connection inventory: ", o);
    md(o, s7__plant_title(p));
    char why[300];
    int ready = s7_plant_report_ready(p, k, opts, why, sizeof why);
    fputs(ready ? "\n\n> **READY to sign**: " : "\n\n> **NOT READY**: ", o);
    md(o, why);
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
            s7__report_ranges_put(o, x);
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
    for (size_t i = 0; opts && i < opts->nverify; i++) {
        const s7_plant_fw_verify *v = opts->verify[i];
        if (!v)
            continue;
        fputs("\n## Firewall verification", o);
        if (v->as[0]) {
            fputs(" as ", o);
            md(o, v->as);
        }
        fputs("\n\nRule file ", o);
        md(o, v->rules_file[0] ? v->rules_file : "(not named)");
        fputs(", SHA-256 `", o);
        md(o, v->rules_sha256[0] ? v->rules_sha256 : "not recorded");
        fprintf(o, "`: %zu of %zu paths as documented.\n\n", v->passed, v->npaths);
        char vwhy[400];
        if (s7_plant_fw_verify_mismatch(p, v, vwhy, sizeof vwhy)) {
            fputs("**NOT of this inventory:** ", o);
            md(o, vwhy);
            fputs(". This verification proves nothing about this plant's firewall.\n\n", o);
        }
        fputs("| From | To | Address | Port | Must be | Observed | Result | Rule |\n"
              "|---|---|---|---|---|---|---|---|\n",
              o);
        for (size_t j = 0; j < v->npaths; j++) {
            const s7_plant_fw_path *pa = &v->paths[j];
            fputs("| ", o);
            md(o, pa->from);
            fputs(" | ", o);
            md(o, pa->to);
            fputs(" | ", o);
            md(o, pa->address);
            fprintf(o, " | %u | %s | ", pa->port, pa->expect_open ? "open" : "dropped");
            md(o, pa->observed[0] ? pa->observed : pa->open ? "open" : "dropped");
            fprintf(o, " | %s | ", s7_plant_status_name(pa->status));
            md(o, pa->rule);
            fputs(" |\n", o);
        }
    }
    fputs("\n## Sign-off\n\nWhat the results given to this report prove, and what they do "
          "not:\n",
          o);
    so_ctx sx = {o, -1};
    s7__report_signoff(p, k, opts, so_item, &sx);
    fputs("\n| Role | Name | Date | Signature |\n|---|---|---|---|\n"
          "| Commissioning engineer | | | |\n| Plant operator / customer | | | |\n"
          "| OT / network security | | | |\n",
          o);
    return ferror(o) ? S7_ERR_IO : 0;
}
