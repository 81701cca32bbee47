/* s7kit plant report: the commissioning document as HTML (include/s7/plant.h
 * s7_plant_report_html): a READY / NOT READY banner, partners, cells, connections and
 * exchanges, the port 102 flows the firewall should pass, the live check's results (where
 * and when each was checked) when given, the firewall verification matrices, and the
 * sign-off: a statement of what was proven (report_signoff.c) and the signature block. */
#include <stdio.h>
#include <string.h>

#include "plant/report_int.h"
#include "s7/plant.h"

static void h(FILE *o, const char *s) { s7_plant_xml_str(o, s); }

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
    "td.unproven,td.unchecked{color:#616161;font-weight:bold}"
    ".banner{padding:.8em 1.2em;font-size:1.3em;font-weight:bold;border-radius:4px;margin:1em 0}"
    ".banner.notready{background:#c62828;color:#fff}.banner.ready{background:#2e7d32;color:#fff}"
    ".banner span{display:block;font-size:.7em;font-weight:normal}"
    "ul.proven li{color:#1b5e20}ul.open li{color:#b71c1c}ul.fw li{color:#333}"
    "p.close{font-weight:bold}"
    ".meta td{border:none;padding:.1em 1em .1em 0}"
    ".sign td{height:3.2em;min-width:14em}"
    /* the diagram fitted to the page, but never below 70 % of its size (its text is drawn
     * at 11 px): a larger plant scrolls in its box; on paper, fitted to the page */
    ".diagram{overflow:auto;max-height:85vh}"
    ".diagram img{display:block;box-sizing:border-box;max-width:100%;border:1px solid #ddd}"
    "p.diagram-note{font-size:.85em;color:#555}"
    "@media print{body{margin:1cm}h2{page-break-after:avoid}table{page-break-inside:avoid}"
    ".diagram{overflow:visible;max-height:none}.diagram img{min-width:0!important}}";

static void status_td(FILE *o, int status)
{
    const char *st = s7_plant_status_name(status);
    fprintf(o, "<td class=\"%s\">", st);
    h(o, st);
    fputs("</td>", o);
}

/* The sign-off items as lists: proven, not proven, firewall; then the closing sentence. */
typedef struct so_ctx {
    FILE *o;
    int open_kind; /* the list open now, -1 none */
} so_ctx;

static void so_item(void *ctx, int kind, const char *text)
{
    so_ctx *x = ctx;
    static const char *const cls[] = {"proven", "open", "fw"};
    static const char *const head[] = {"Proven live", "Not proven", "Firewall"};
    if (x->open_kind != kind && x->open_kind >= 0) {
        fputs("</ul>\n", x->o);
        x->open_kind = -1;
    }
    if (kind == S7__SO_CLOSE) {
        fputs("<p class=\"close\">", x->o);
        h(x->o, text);
        fputs("</p>\n", x->o);
        return;
    }
    if (x->open_kind != kind) {
        fprintf(x->o, "<h3>%s</h3>\n<ul class=\"%s\">\n", head[kind], cls[kind]);
        x->open_kind = kind;
    }
    fputs("<li>", x->o);
    h(x->o, text);
    fputs("</li>\n", x->o);
}

static void verify_tables(FILE *o, const s7_plant *p, const s7_plant_report_opts *opts)
{
    for (size_t i = 0; opts && i < opts->nverify; i++) {
        const s7_plant_fw_verify *v = opts->verify[i];
        if (!v)
            continue;
        fputs("<h3>Firewall verification", o);
        if (v->as[0]) {
            fputs(" as ", o);
            h(o, v->as);
        }
        fputs("</h3>\n<p>From ", o);
        h(o, v->source[0] ? v->source : "(source not recorded)");
        fputs(" on host ", o);
        h(o, v->host[0] ? v->host : "(not recorded)");
        fputs(" at ", o);
        h(o, v->time[0] ? v->time : "(time not recorded)");
        fputs("; rule file ", o);
        h(o, v->rules_file[0] ? v->rules_file : "(not named)");
        fputs(", SHA-256 <code>", o);
        h(o, v->rules_sha256[0] ? v->rules_sha256 : "not recorded");
        fprintf(o, "</code>: %zu of %zu paths as documented.</p>\n", v->passed, v->npaths);
        char why[400];
        if (s7_plant_fw_verify_mismatch(p, v, why, sizeof why)) {
            fputs("<p class=\"notours\"><strong>NOT of this inventory:</strong> ", o);
            h(o, why);
            fputs(". This verification proves nothing about this plant's firewall.</p>\n", o);
        }
        fputs("<table class=\"verify\">\n<tr><th>From</th><th>To</th><th>Address</th>"
              "<th>Port</th><th>Must be</th><th>Observed</th><th>Result</th><th>Rule</th></tr>\n",
              o);
        for (size_t k = 0; k < v->npaths; k++) {
            const s7_plant_fw_path *pa = &v->paths[k];
            char port[16];
            snprintf(port, sizeof port, "%u", pa->port);
            fputs("<tr>", o);
            td(o, pa->from);
            td(o, pa->to);
            td(o, pa->address);
            td(o, port);
            td(o, pa->expect_open ? "open (documented)" : "dropped (undocumented)");
            td(o, pa->observed[0] ? pa->observed : pa->open ? "open" : "dropped");
            status_td(o, pa->status);
            td(o, pa->rule);
            fputs("</tr>\n", o);
        }
        fputs("</table>\n", o);
    }
}

int s7_plant_report_html(const s7_plant *p, const s7_plant_check_report *k,
                         const s7_plant_report_opts *opts, FILE *o)
{
    char buf[600], buf2[200];
    const char *today = opts && opts->today ? opts->today : "";
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>S7 "
          "connection inventory: ",
          o);
    h(o, s7__plant_title(p));
    fprintf(o, "</title>\n<style>%s</style>\n</head>\n<body>\n<h1>S7 connection inventory: ", CSS);
    h(o, s7__plant_title(p));
    fputs("</h1>\n", o);
    char why[300];
    int ready = s7_plant_report_ready(p, k, opts, why, sizeof why);
    fprintf(o, "<div class=\"banner %s\" id=\"readiness\">%s<span>", ready ? "ready" : "notready",
            ready ? "READY to sign" : "NOT READY");
    h(o, why);
    fputs("</span></div>\n<table class=\"meta\">\n<tr><td>Inventory file</td><td>", o);
    h(o, p->file);
    fputs("</td></tr>\n", o);
    if (p->revision) {
        fputs("<tr><td>Revision</td><td>", o);
        h(o, p->revision);
        fputs("</td></tr>\n", o);
    }
    fputs("<tr><td>Report generated</td><td>", o);
    h(o, today);
    fputs(" by ", o);
    h(o, s7__report_generator(opts));
    fputs(" (s7kit)</td></tr>\n", o);
    if (k) {
        size_t pass = 0;
        for (size_t i = 0; i < k->nconns; i++)
            pass += k->conns[i].status == S7_PLANT_PASS;
        fputs("<tr><td>Live check</td><td>", o);
        h(o, k->time[0] ? k->time : "(time not recorded)");
        if (k->from[0]) {
            fputs(strchr(k->from, ',') ? " (the latest) from " : " from ", o);
            h(o, k->from);
        }
        if (k->as[0]) {
            fputs(" as ", o);
            h(o, k->as);
        }
        fprintf(o, ": %zu of %zu connections pass%s</td></tr>\n", pass, p->nconns,
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

    const char *svg = opts && opts->svg_name ? opts->svg_name : "cells.svg";
    double sw = 0, sh = 0;
    if (s7__report_svg_size(p, k, opts, &sw, &sh) < 0)
        return S7_ERR_NOMEM;
    fputs("<h2>Diagram</h2>\n<div class=\"diagram\"><a href=\"", o);
    h(o, svg);
    fputs("\"><img src=\"", o);
    h(o, svg);
    fprintf(o, "\" style=\"min-width:%.0fpx\" alt=\"cells, partners and connections\"></a></div>\n",
            sw * 0.7);
    fputs("<p class=\"diagram-note\">Fitted to the page down to 70 % of its size; a larger "
          "plant scrolls in its box. The diagram alone: <a href=\"",
          o);
    h(o, svg);
    fputs("\">", o);
    h(o, svg);
    fputs("</a>.</p>\n", o);

    fputs("<h2>Cells</h2>\n<table>\n<tr><th>Cell</th><th>Subnet</th><th>Partners</th>"
          "<th>Description</th></tr>\n",
          o);
    for (size_t c = 0; c < p->ncells; c++) {
        const s7_plant_cell *cl = &p->cells[c];
        s7__report_subnet_text(cl, buf2, sizeof buf2);
        fputs("<tr>", o);
        td(o, cl->name);
        td(o, buf2);
        /* every partner of the cell, however many (written, not gathered in a buffer) */
        fputs("<td>", o);
        for (size_t i = 0, n = 0; i < p->npartners; i++)
            if (p->partners[i].cell == c) {
                if (n++)
                    fputs(", ", o);
                h(o, p->partners[i].name);
            }
        fputs("</td>", o);
        td(o, cl->description);
        fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);

    fputs("<h2>Partners</h2>\n<table>\n<tr><th>Name</th><th>Cell</th><th>Kind</th><th>Address</th>"
          "<th>Profile</th><th>Rack/slot or TSAPs</th><th>Connection type used</th>"
          "<th>Description</th></tr>\n",
          o);
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *pt = &p->partners[i];
        fputs("<tr>", o);
        td(o, pt->name);
        td(o, p->cells[pt->cell].name);
        td(o, s7_plant_kind_name(pt->kind));
        td(o, s7__report_addr_text(pt, buf, sizeof buf));
        td(o, pt->profile);
        td(o, s7_plant_partner_where(p, pt, buf2, sizeof buf2));
        td(o, pt->type ? s7_plant_type_name(pt->type) : "");
        td(o, pt->description);
        fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);

    fputs("<h2>Connections</h2>\n<p>The active partner connects; the passive partner serves TCP "
          "port 102.</p>\n<table>\n<tr><th>Connection</th><th>Active</th><th>Passive</th>"
          "<th>Type</th><th>Rack/slot, TSAPs</th><th>Description</th>",
          o);
    if (k)
        fputs("<th>Check</th><th>Verdict</th><th>Detail</th><th>Checked from, when</th>", o);
    fputs("</tr>\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        fputs("<tr>", o);
        td(o, c->name);
        char aa[160], pa[200];
        s7_plant_partner_addr_text(a, aa, sizeof aa);
        s7__report_addr_port_text(pp, pa, sizeof pa);
        snprintf(buf, sizeof buf, "%s (%s)", a->name, aa);
        td(o, buf);
        snprintf(buf, sizeof buf, "%s (%s)", pp->name, pa);
        td(o, buf);
        td(o, s7_plant_type_name(c->type));
        td(o, s7__report_tsap_or_rs(c, buf, sizeof buf));
        td(o, c->description);
        if (k) {
            const s7_plant_check_conn *cc = s7_plant_check_report_find(k, c->name);
            if (cc) {
                status_td(o, cc->status);
                td(o, cc->verdict);
                fputs("<td>", o);
                if (cc->unproven[0]) {
                    h(o, cc->unproven);
                    fputs(". ", o);
                }
                h(o, cc->detail);
                fputs("</td>", o);
                snprintf(buf, sizeof buf, "%s%s%s%s on %s%s%s, %s", cc->source,
                         cc->from_partner[0] ? " (" : "", cc->from_partner,
                         cc->from_partner[0] ? (cc->from_active ? ", active partner)" : ")") : "",
                         cc->host[0] ? cc->host : "?", cc->netns[0] ? " netns " : "", cc->netns,
                         cc->time);
                td(o, buf);
            } else {
                fputs("<td class=\"unchecked\">not checked</td><td></td><td></td><td></td>", o);
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
    if (k)
        fputs("<th>Check</th><th>Detail</th>", o);
    fputs("</tr>\n", o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_check_conn *cc = s7_plant_check_report_find(k, c->name);
        for (size_t e = 0; e < c->nex; e++) {
            const s7_plant_exchange *x = &c->ex[e];
            fputs("<tr>", o);
            td(o, c->name);
            fprintf(o, "<td>%zu</td>", e + 1);
            td(o, p->partners[c->active].name);
            td(o, p->partners[c->passive].name);
            td(o, s7_plant_dir_name(x->dir));
            fputs("<td>", o);
            s7__report_ranges_put(o, x);
            fputs("</td>", o);
            fprintf(o, "<td>%zu</td>", s7__report_ex_bytes(x));
            td(o, s7_plant_cycle_text(x->cycle_ms, buf2, sizeof buf2));
            td(o, x->description);
            if (k) {
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

    fputs("<h2>Firewall</h2>\n<p>The documented flows: TCP port 102 should pass only for these "
          "(new connections from the active partner, and their established traffic), every other "
          "S7 packet be dropped. Rules: <code>s7 inventory firewall FILE --format nftables</code> "
          "(router between the cells) or <code>--host PARTNER</code> (each host); whether a "
          "firewall does so is shown only by a verification below.</p>\n<table>\n"
          "<tr><th>From (active)</th><th>To (passive)</th><th>TCP port</th><th>Connection</th>"
          "</tr>\n",
          o);
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        const s7_plant_partner *a = &p->partners[c->active], *pp = &p->partners[c->passive];
        fputs("<tr>", o);
        char aa[160], pa[160];
        s7_plant_partner_addr_text(a, aa, sizeof aa);
        s7_plant_partner_addr_text(pp, pa, sizeof pa);
        snprintf(buf, sizeof buf, "%s %s", a->name, aa);
        td(o, buf);
        snprintf(buf, sizeof buf, "%s %s", pp->name, pa);
        td(o, buf);
        fprintf(o, "<td>%u</td>", pp->port);
        td(o, c->name);
        fputs("</tr>\n", o);
    }
    fputs("</table>\n", o);

    verify_tables(o, p, opts);
    fputs("<h2>Sign-off</h2>\n<p>What the results given to this report prove, and what they do "
          "not:</p>\n",
          o);
    so_ctx sx = {o, -1};
    s7__report_signoff(p, k, opts, so_item, &sx);
    fputs("<table class=\"sign\">\n<tr><th>Role</th><th>Name</th><th>Date</th><th>Signature</th>"
          "</tr>\n"
          "<tr><td>Commissioning engineer</td><td></td><td></td><td></td></tr>\n"
          "<tr><td>Plant operator / customer</td><td></td><td></td><td></td></tr>\n"
          "<tr><td>OT / network security</td><td></td><td></td><td></td></tr>\n"
          "</table>\n</body>\n</html>\n",
          o);
    return ferror(o) ? S7_ERR_IO : 0;
}
