/* Unit tests for plant/report_html.c, report_md.c, report_txt.c, report_svg.c,
 * report_merge.c and report_signoff.c: names and descriptions are escaped for each format,
 * check results show, and the SVG carries the classes and data-* attributes tools read
 * back; several check results merge (the one from the active partner wins); the documents
 * say NOT READY unless every connection passed from its active partner and every firewall
 * path was as documented, and their sign-off states only what was proven. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/plant.h"
#include "s7/wire.h"
#include "t.h"

/* hmi1 -> plc1 (GET DB10); with_plc9: a CPU plc9 in line1 too, that nobody connects to;
 * with_put: the connection also PUTs DB12.DBB0..DBB7, and hmi1-plc1w only PUTs DB13. */
static s7_plant *plant_of(int with_plc9, int with_put)
{
    s7_plant *p = s7_plant_new();
    char err[256];
    s7_plant_set_file(p, "plant.yaml");
    s7_plant_set_title(p, "Line <1> & co");
    s7_plant_cell *c = s7_plant_add_cell(p, "line1");
    s7_plant_cell_set_description(c, "press | line");
    s7_plant_add_cell(p, "scada");
    s7_plant_partner *pt = s7_plant_add_partner(p, "plc1");
    s7_plant_partner_set_address(pt, "10.10.1.10");
    s7_plant_partner_set_cell(pt, "line1");
    s7_plant_partner_set_description(pt, "<script>alert('x')</script>");
    s7_plant_partner_set_profile(pt, "s7-1500", 0, 1, 0);
    pt->kind = S7_PLANT_KIND_PLC;
    pt = s7_plant_add_partner(p, "hmi1");
    s7_plant_partner_set_address(pt, "10.20.0.5");
    s7_plant_partner_set_cell(pt, "scada");
    s7_plant_conn *cn = s7_plant_add_conn(p, "hmi1-plc1", "hmi1", "plc1");
    s7_plant_conn_set_description(cn, "a | b");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(cn, S7_PLANT_GET, 500);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 64);
    if (with_put) {
        e = s7_plant_conn_add_exchange(cn, S7_PLANT_PUT, 0);
        s7_plant_exchange_add_range(e, S7_AREA_DB, 12, 0, 8);
        cn = s7_plant_add_conn(p, "hmi1-plc1w", "hmi1", "plc1");
        e = s7_plant_conn_add_exchange(cn, S7_PLANT_PUT, 0);
        s7_plant_exchange_add_range(e, S7_AREA_DB, 13, 0, 4);
    }
    if (with_plc9) {
        pt = s7_plant_add_partner(p, "plc9");
        s7_plant_partner_set_address(pt, "10.10.1.99");
        s7_plant_partner_set_cell(pt, "line1");
        pt->kind = S7_PLANT_KIND_PLC;
    }
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    return p;
}

static s7_plant *small(void) { return plant_of(0, 0); }

typedef int (*render_fn)(const s7_plant *, const s7_plant_check_report *,
                         const s7_plant_report_opts *, FILE *);

static char *render_v(render_fn fn, const s7_plant *p, const s7_plant_check_report *k,
                      const s7_plant_fw_verify *v)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    const s7_plant_fw_verify *vs[1] = {v};
    s7_plant_report_opts ro = {"s7 test", "2026-01-31 12:00", "cells.svg", v ? vs : NULL,
                               v ? 1 : 0};
    CHECK_INT(fn(p, k, &ro, o), 0);
    fclose(o);
    return buf;
}

static char *render(render_fn fn, const s7_plant *p, const s7_plant_check_report *k)
{
    return render_v(fn, p, k, NULL);
}

static int has(const char *s, const char *sub) { return s && strstr(s, sub) != NULL; }

/* A check report: the one connection failed with db_missing, its exchange too. */
static s7_plant_check_report *failed_check(void)
{
    s7_plant_check_report *k = s7_plant_check_report_new(1);
    snprintf(k->conns[0].name, sizeof k->conns[0].name, "hmi1-plc1");
    k->conns[0].status = S7_PLANT_FAIL;
    snprintf(k->conns[0].verdict, sizeof k->conns[0].verdict, "db_missing");
    snprintf(k->conns[0].detail, sizeof k->conns[0].detail, "DB10 <missing>");
    s7_plant_check_conn_alloc_ex(&k->conns[0], 1);
    k->conns[0].ex[0].status = S7_PLANT_FAIL;
    snprintf(k->conns[0].ex[0].verdict, sizeof k->conns[0].ex[0].verdict, "db_missing");
    snprintf(k->time, sizeof k->time, "2026-01-31T11:00:00Z");
    k->failed = 1;
    return k;
}

static void test_html(void)
{
    s7_plant *p = small();
    char *t = render(s7_plant_report_html, p, NULL);
    CHECK(has(t, "<title>S7 connection inventory: Line &lt;1&gt; &amp; co</title>"));
    CHECK(has(t, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    CHECK(!has(t, "<script>"));
    CHECK(has(t, "<tr><td>Report generated</td><td>2026-01-31 12:00 by s7 test (s7kit)</td></tr>"));
    CHECK(has(t, "<img src=\"cells.svg\""));
    CHECK(has(t, "<td>rack 0 slot 1</td>"));
    CHECK(has(t, "Live check</td><td>not included"));
    free(t);
    s7_plant_check_report *k = failed_check();
    t = render(s7_plant_report_html, p, k);
    CHECK(has(t, "0 of 1 connections pass"));
    CHECK(has(t, "<td class=\"fail\">fail</td><td>db_missing</td><td>DB10 &lt;missing&gt;</td>"));
    free(t);
    s7_plant_check_report_free(k);
    s7_plant_free(p);
}

static void test_md(void)
{
    s7_plant *p = small();
    s7_plant_check_report *k = failed_check();
    char *t = render(s7_plant_report_md, p, k);
    CHECK(strncmp(t, "# S7 connection inventory: Line &lt;1> &amp; co\n", 48) == 0);
    /* a description is text on a wiki page, not HTML or Markdown of its own */
    CHECK(has(t, "| &lt;script>alert('x')&lt;/script> |"));
    CHECK(!has(t, "<script>"));
    CHECK(has(t, "| hmi1-plc1 | hmi1 | plc1:102 | pg | rack 0 slot 1, TSAPs 0100:0101 | GET | "
                 "DB10.DBB0..DBB63 | 500 ms | a \\| b | fail (db_missing) |\n"));
    CHECK(has(t, "![cells, partners and connections](cells.svg)"));
    free(t);
    s7_plant_check_report_free(k);
    s7_plant_free(p);
}

static void test_svg(void)
{
    s7_plant *p = small();
    char *t = render(s7_plant_report_svg, p, NULL);
    CHECK(strncmp(t, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg ", 44) == 0);
    CHECK(has(t, "<title>S7 connections: Line &lt;1&gt; &amp; co</title>"));
    CHECK(has(t, "<g class=\"cell\" id=\"cell-line1\" data-name=\"line1\">"));
    CHECK(has(t, "<g class=\"partner\" id=\"partner-plc1\" data-name=\"plc1\" data-cell=\"line1\" "
                 "data-address=\"10.10.1.10\">"));
    CHECK(has(t, "<g class=\"connection\" id=\"conn-hmi1-plc1\" data-name=\"hmi1-plc1\" "
                 "data-active=\"hmi1\" data-passive=\"plc1\">"));
    CHECK(has(t, "<g class=\"label\" data-connection=\"hmi1-plc1\">"));
    CHECK(has(t, "GET DB10.DBB0..DBB63 every 500 ms"));
    CHECK(has(t, "generated by s7 test (s7kit) from plant.yaml</text>\n</svg>\n"));
    free(t);
    s7_plant_check_report *k = failed_check();
    t = render(s7_plant_report_svg, p, k);
    CHECK(has(t, "class=\"connection fail\""));
    CHECK(has(t, "data-check=\"fail\""));
    CHECK(has(t, " - check: db_missing"));
    free(t);
    s7_plant_check_report_free(k);
    s7_plant_free(p);
}

/* One result for hmi1-plc1 (plc1 10.10.1.10:102, as check --json names it): status,
 * checked at time, from the active partner or not. */
static s7_plant_check_report *one(int status, const char *time, int from_active)
{
    s7_plant_check_report *k = s7_plant_check_report_new(1);
    s7_plant_check_conn *c = &k->conns[0];
    snprintf(c->name, sizeof c->name, "hmi1-plc1");
    snprintf(c->active, sizeof c->active, "hmi1");
    snprintf(c->passive, sizeof c->passive, "plc1");
    snprintf(c->address, sizeof c->address, "10.10.1.10");
    c->port = 102;
    snprintf(c->tsap, sizeof c->tsap, "0100:0101");
    c->status = status;
    snprintf(c->verdict, sizeof c->verdict, "ok");
    snprintf(c->time, sizeof c->time, "%s", time);
    snprintf(c->host, sizeof c->host, "%s", from_active ? "hmi-box" : "scada-box");
    snprintf(c->source, sizeof c->source, "%s", from_active ? "10.20.0.5" : "10.20.0.99");
    if (from_active)
        snprintf(c->from_partner, sizeof c->from_partner, "hmi1");
    c->from_active = from_active;
    if (status == S7_PLANT_UNPROVEN)
        snprintf(c->unproven, sizeof c->unproven, "checked from 10.20.0.99, not hmi1");
    snprintf(c->cpu_order, sizeof c->cpu_order, "6ES7 516-3AN02-0AB0");
    snprintf(c->cpu_module, sizeof c->cpu_module, "CPU 1516-3 PN/DP");
    snprintf(c->cpu_state, sizeof c->cpu_state, "run");
    c->put_get = 1;
    c->conn_used = 3;
    c->conn_max = 256;
    s7_plant_check_conn_alloc_ex(c, 1);
    snprintf(k->time, sizeof k->time, "%s", time);
    snprintf(k->from, sizeof k->from, "%s", c->host);
    return k;
}

static void test_merge(void)
{
    s7_plant *p = small();
    /* the later check from elsewhere does not replace the earlier one from the active partner */
    s7_plant_check_report *a = one(S7_PLANT_PASS, "2026-01-31T10:00:00Z", 1);
    s7_plant_check_report *b = one(S7_PLANT_UNPROVEN, "2026-01-31T11:00:00Z", 0);
    const s7_plant_check_report *in[2] = {b, a}, *in2[2] = {a, b};
    s7_plant_check_report *m = NULL;
    CHECK_INT(s7_plant_check_merge(p, in, 2, &m), 0);
    CHECK_INT((int)m->nconns, 1);
    CHECK_STR(m->conns[0].unproven, "");
    CHECK_INT(m->conns[0].status, S7_PLANT_PASS);
    CHECK_STR(m->conns[0].host, "hmi-box");
    CHECK(m->conns[0].conn == &p->conns[0]);
    CHECK_INT((int)m->passed, 1);
    CHECK_INT((int)m->unproven, 0);
    CHECK(has(m->from, "scada-box") && has(m->from, "hmi-box"));
    s7_plant_check_report_free(m);
    CHECK_INT(s7_plant_check_merge(p, in2, 2, &m), 0);
    CHECK_INT(m->conns[0].status, S7_PLANT_PASS);
    s7_plant_check_report_free(m);
    /* two from the active partner: the later one */
    s7_plant_check_report *c = one(S7_PLANT_FAIL, "2026-01-31T12:00:00Z", 1);
    const s7_plant_check_report *in3[3] = {a, c, b};
    CHECK_INT(s7_plant_check_merge(p, in3, 3, &m), 0);
    CHECK_INT(m->conns[0].status, S7_PLANT_FAIL);
    CHECK_INT((int)m->failed, 1);
    s7_plant_check_report_free(m);
    /* only from elsewhere: unproven; a connection the plant does not have is dropped */
    snprintf(c->conns[0].name, sizeof c->conns[0].name, "gone");
    const s7_plant_check_report *in4[2] = {b, c};
    CHECK_INT(s7_plant_check_merge(p, in4, 2, &m), 0);
    CHECK_INT((int)m->nconns, 1);
    CHECK_INT(m->conns[0].status, S7_PLANT_UNPROVEN);
    CHECK_INT((int)m->unproven, 1);
    s7_plant_check_report_free(m);
    s7_plant_check_report_free(a);
    s7_plant_check_report_free(b);
    s7_plant_check_report_free(c);
    CHECK_STR(s7_plant_status_name(S7_PLANT_UNPROVEN), "unproven");
    CHECK_INT(s7_plant_status_parse("unproven"), S7_PLANT_UNPROVEN);
    CHECK_INT(s7_plant_status_parse("bogus"), S7_PLANT_FAIL);
    s7_plant_free(p);
}

static void test_ready_and_signoff(void)
{
    s7_plant *p = plant_of(1, 0);
    char why[300];
    /* nothing checked */
    CHECK_INT(s7_plant_report_ready(p, NULL, NULL, why, sizeof why), 0);
    CHECK(has(why, "no live check results"));
    char *t = render(s7_plant_report_html, p, NULL);
    CHECK(has(t, "<div class=\"banner notready\" id=\"readiness\">NOT READY"));
    CHECK(!has(t, "each was checked live"));
    CHECK(!has(t, "pass TCP port 102 only for the flows listed"));
    CHECK(has(t, "hmi1-plc1 (hmi1 10.20.0.5 -&gt; plc1 10.10.1.10:102) was not checked live"));
    free(t);
    /* unproven: NOT READY, said as such */
    s7_plant_check_report *u = one(S7_PLANT_UNPROVEN, "2026-01-31T11:00:00Z", 0);
    t = render(s7_plant_report_text, p, u);
    CHECK(has(t, "NOT READY: 0 of 1 connections passed, 1 unproven"));
    CHECK(has(t, "hmi1-plc1 (hmi1 -> plc1) is UNPROVEN: checked from 10.20.0.99, not hmi1"));
    CHECK(!has(t, "Proven live"));
    free(t);
    t = render(s7_plant_report_svg, p, u);
    CHECK(has(t, "class=\"connection unproven\""));
    CHECK(has(t, "stroke=\"#757575\""));
    CHECK(has(t, " - check: unproven"));
    free(t);
    s7_plant_check_report_free(u);
    /* passed from the active partner: READY, the sign-off says what was proven */
    s7_plant_check_report *k = one(S7_PLANT_PASS, "2026-01-31T10:00:00Z", 1);
    CHECK_INT(s7_plant_report_ready(p, k, NULL, why, sizeof why), 1);
    t = render(s7_plant_report_md, p, k);
    CHECK(has(t, "> **READY to sign**"));
    CHECK(has(t, "- hmi1-plc1: hmi1 10.20.0.5 -> plc1 10.10.1.10 port 102, checked live from "
                 "hmi1's address 10.20.0.5 on host hmi-box at 2026-01-31T10:00:00Z"));
    CHECK(has(t, "the CPU answered as 6ES7 516-3AN02-0AB0 (CPU 1516-3 PN/DP), in RUN, PUT/GET "
                 "permitted, 3 of 256 connection resources in use"));
    CHECK(has(t, "The firewalls were not verified"));
    free(t);
    t = render(s7_plant_report_svg, p, k);
    CHECK(has(t, "class=\"connection pass\""));
    CHECK(has(t, "stroke=\"#2e7d32\""));
    free(t);
    /* a firewall verification with a path open that must be dropped: NOT READY, matrix shown */
    s7_plant_fw_verify *v = s7_plant_fw_verify_new(2);
    snprintf(v->as, sizeof v->as, "hmi1");
    snprintf(v->rules_file, sizeof v->rules_file, "router.nft");
    snprintf(v->rules_sha256, sizeof v->rules_sha256, "%064d", 7);
    v->paths[0] = (s7_plant_fw_path){"hmi1",        "plc1",      "10.10.1.10",     102, 1, 1,
                                     S7_PLANT_PASS, "connected", "s7kit hmi1-plc1"};
    v->paths[1] =
        (s7_plant_fw_path){"hmi1", "plc9", "10.10.1.99", 102, 0, 1, S7_PLANT_FAIL, "connected", ""};
    v->passed = 1;
    v->failed = 1;
    v->from_partner = 1;
    snprintf(v->source, sizeof v->source, "10.20.0.5");
    t = render_v(s7_plant_report_html, p, k, v);
    CHECK(has(t, "NOT READY<span>1 of 1 connections passed; 1 firewall path not as documented"));
    CHECK(has(t, "<td>dropped (undocumented)</td><td>connected</td><td class=\"fail\">fail</td>"));
    CHECK(has(t, "with rule file router.nft (SHA-256 "
                 "0000000000000000000000000000000000000000000000000000000000000007)"));
    free(t);
    v->paths[1].status = S7_PLANT_PASS;
    v->paths[1].open = 0;
    v->failed = 0;
    v->passed = 2;
    t = render_v(s7_plant_report_html, p, k, v);
    CHECK(has(t, "<div class=\"banner ready\" id=\"readiness\">READY to sign"));
    CHECK(has(t, "1 of 1 documented paths open, 1 of 1 undocumented paths dropped."));
    free(t);
    /* the same matrix probed from another address than the partner's proves nothing */
    v->from_partner = 0;
    snprintf(v->note, sizeof v->note, "this host does not have 10.20.0.5");
    t = render_v(s7_plant_report_text, p, k, v);
    CHECK(has(t, "NOT READY: 1 of 1 connections passed; 1 firewall verification not from its "
                 "partner"));
    CHECK(has(t, "Firewall probed as hmi1 on host "));
    CHECK(has(t, "but NOT from hmi1's address (this host does not have 10.20.0.5): unproven"));
    CHECK(!has(t, "Firewall verified"));
    free(t);
    s7_plant_fw_verify_free(v);
    s7_plant_check_report_free(k);
    s7_plant_free(p);
}

/* s7_plant_check_merge on a result alone (the report's one --check); the merged result. */
static s7_plant_check_report *merged(const s7_plant *p, const s7_plant_check_report *k)
{
    const s7_plant_check_report *in[1] = {k};
    s7_plant_check_report *m = NULL;
    CHECK_INT(s7_plant_check_merge(p, in, 1, &m), 0);
    return m;
}

/* Results of another plant (a simulation on loopback, older addresses) matched by name
 * only: unproven, with both sides named; never READY, never "checked live". */
/* s7_plant_xml_str keeps well-formed UTF-8 and writes U+FFFD for a byte that is not (a
 * CPU's identity text, a cut made elsewhere): an XML parser refuses the file for one. */
static void test_xml_utf8(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *o = open_memstream(&buf, &len);
    s7_plant_xml_str(o, "Pr\xC3\xBC"
                        "f \xE2\x86\x92 <\xC3.\xBC>");
    fclose(o);
    CHECK_STR(buf, "Pr\xC3\xBC"
                   "f \xE2\x86\x92 &lt;\xEF\xBF\xBD.\xEF\xBF\xBD&gt;");
    free(buf);
}

static void test_foreign(void)
{
    s7_plant *p = small();
    char why[300];
    s7_plant_check_report *k = one(S7_PLANT_PASS, "2026-01-31T10:00:00Z", 1);
    /* the CPU checked at another address and port */
    snprintf(k->conns[0].address, sizeof k->conns[0].address, "127.34.0.4");
    k->conns[0].port = 34102;
    s7_plant_check_report *m = merged(p, k);
    CHECK_INT(m->conns[0].status, S7_PLANT_UNPROVEN);
    CHECK_INT(m->conns[0].foreign, 1);
    CHECK_INT((int)m->passed, 0);
    CHECK_INT((int)m->unproven, 1);
    CHECK(has(m->conns[0].unproven, "checked plc1 at 127.34.0.4:34102, but the inventory "
                                    "documents plc1 at 10.10.1.10:102"));
    CHECK_INT(s7_plant_report_ready(p, m, NULL, why, sizeof why), 0);
    CHECK_STR(why, "0 of 1 connections passed, 1 unproven (results of other addresses than the "
                   "inventory's)");
    char *t = render(s7_plant_report_text, p, m);
    CHECK(!has(t, "checked live from"));
    CHECK(has(t, "hmi1-plc1 (hmi1 -> plc1) is UNPROVEN: checked plc1 at 127.34.0.4:34102"));
    free(t);
    s7_plant_check_report_free(m);
    /* the right CPU, but checked from another address than the active partner's */
    snprintf(k->conns[0].address, sizeof k->conns[0].address, "10.10.1.10");
    k->conns[0].port = 102;
    snprintf(k->conns[0].source, sizeof k->conns[0].source, "127.34.0.1");
    m = merged(p, k);
    CHECK_INT(m->conns[0].status, S7_PLANT_UNPROVEN);
    CHECK(has(m->conns[0].unproven, "checked from 127.34.0.1 as hmi1, but the inventory "
                                    "documents hmi1 at 10.20.0.5"));
    s7_plant_check_report_free(m);
    /* a failure seen there is not this plant's failure either */
    snprintf(k->conns[0].source, sizeof k->conns[0].source, "10.20.0.5");
    snprintf(k->conns[0].passive, sizeof k->conns[0].passive, "plc-press");
    k->conns[0].status = S7_PLANT_FAIL;
    m = merged(p, k);
    CHECK_INT(m->conns[0].status, S7_PLANT_UNPROVEN);
    CHECK(has(m->conns[0].unproven, "a connection to plc-press, but the inventory documents "
                                    "hmi1-plc1 to plc1"));
    s7_plant_check_report_free(m);
    /* a result that names no address proves nothing about which CPU answered */
    snprintf(k->conns[0].passive, sizeof k->conns[0].passive, "plc1");
    k->conns[0].status = S7_PLANT_PASS;
    k->conns[0].address[0] = 0;
    m = merged(p, k);
    CHECK_INT(m->conns[0].status, S7_PLANT_UNPROVEN);
    CHECK(has(m->conns[0].unproven, "do not name the address and port checked"));
    s7_plant_check_report_free(m);
    /* other exchanges than the inventory's */
    snprintf(k->conns[0].address, sizeof k->conns[0].address, "10.10.1.10");
    snprintf(k->conns[0].ex[0].dir, sizeof k->conns[0].ex[0].dir, "get");
    snprintf(k->conns[0].ex[0].ranges, sizeof k->conns[0].ex[0].ranges, "DB11.DBB0..DBB63");
    m = merged(p, k);
    CHECK_INT(m->conns[0].status, S7_PLANT_UNPROVEN);
    CHECK(has(m->conns[0].unproven, "exchange 1 was checked as get DB11.DBB0..DBB63, but the "
                                    "inventory documents get DB10.DBB0..DBB63"));
    s7_plant_check_report_free(m);
    /* the same, as documented: pass; and a matching result wins over a later foreign one */
    snprintf(k->conns[0].ex[0].ranges, sizeof k->conns[0].ex[0].ranges, "DB10.DBB0..DBB63");
    m = merged(p, k);
    CHECK_INT(m->conns[0].status, S7_PLANT_PASS);
    s7_plant_check_report_free(m);
    s7_plant_check_report *f = one(S7_PLANT_PASS, "2026-01-31T12:00:00Z", 1);
    snprintf(f->conns[0].address, sizeof f->conns[0].address, "127.0.0.1");
    const s7_plant_check_report *in[2] = {f, k};
    CHECK_INT(s7_plant_check_merge(p, in, 2, &m), 0);
    CHECK_INT(m->conns[0].status, S7_PLANT_PASS);
    CHECK_STR(m->conns[0].time, "2026-01-31T10:00:00Z");
    s7_plant_check_report_free(m);
    s7_plant_check_report_free(f);
    s7_plant_check_report_free(k);
    s7_plant_free(p);
}

/* PUT ranges read but not written (a check without --allow-write) prove no write: the
 * connection is unproven and the report names --allow-write; a PUT-only connection is
 * never said to have had its "GET ranges read". */
static void test_put_unwritten(void)
{
    s7_plant *p = plant_of(0, 1);
    char why[300];
    s7_plant_check_report *k = s7_plant_check_report_new(2);
    for (int i = 0; i < 2; i++) {
        s7_plant_check_report *o = one(S7_PLANT_PASS, "2026-01-31T10:00:00Z", 1);
        CHECK_INT(s7_plant_check_conn_copy(&k->conns[i], &o->conns[0]), 0);
        s7_plant_check_report_free(o);
    }
    snprintf(k->conns[1].name, sizeof k->conns[1].name, "hmi1-plc1w");
    CHECK_INT(s7_plant_check_conn_alloc_ex(&k->conns[0], 2), 0);
    k->conns[0].ex[0].status = S7_PLANT_PASS;
    k->conns[0].ex[1].status = S7_PLANT_SKIP; /* read, not written */
    k->conns[1].ex[0].status = S7_PLANT_PASS;
    s7_plant_check_report *m = merged(p, k);
    CHECK_INT(m->conns[0].status, S7_PLANT_UNPROVEN);
    CHECK(has(m->conns[0].unproven, "the PUT range DB12.DBB0..DBB7 was read but not written"));
    CHECK(has(m->conns[0].unproven, "--allow-write"));
    CHECK_INT(m->conns[1].status, S7_PLANT_PASS);
    CHECK_INT(s7_plant_report_ready(p, m, NULL, why, sizeof why), 0);
    CHECK_STR(why, "1 of 2 connections passed, 1 unproven (PUT ranges not written: check with "
                   "--allow-write)");
    char *t = render(s7_plant_report_md, p, m);
    CHECK(has(t, "- hmi1-plc1w: hmi1 10.20.0.5 -> plc1 10.10.1.10 port 102, checked live"));
    CHECK(has(t, "(pg connection), every PUT range written back and read back;"));
    CHECK(!has(t, "every GET range read"));
    CHECK(!has(t, "Signing confirms"));
    free(t);
    /* not merged (a library caller's own results): the same judgement */
    CHECK_INT(s7_plant_report_ready(p, k, NULL, why, sizeof why), 0);
    CHECK(has(why, "PUT ranges not written: check with --allow-write"));
    t = render(s7_plant_report_text, p, k);
    CHECK(has(t, "hmi1-plc1 (hmi1 -> plc1) is UNPROVEN: the PUT range DB12.DBB0..DBB7 was read "
                 "but not written"));
    free(t);
    s7_plant_check_report_free(m);
    /* written back (--allow-write): proven, and said so */
    k->conns[0].ex[1].status = S7_PLANT_PASS;
    m = merged(p, k);
    CHECK_INT((int)m->passed, 2);
    CHECK_INT(s7_plant_report_ready(p, m, NULL, why, sizeof why), 1);
    t = render(s7_plant_report_text, p, m);
    CHECK(has(t, "every GET range read, every PUT range written back and read back"));
    free(t);
    s7_plant_check_report_free(m);
    s7_plant_check_report_free(k);
    s7_plant_free(p);
}

/* A firewall verification of another inventory (a partner this one does not have, other
 * addresses, rows missing) proves nothing here: NOT READY, said as such. */
static void test_verify_mismatch(void)
{
    s7_plant *p = plant_of(1, 0);
    char why[400];
    s7_plant_check_report *k = one(S7_PLANT_PASS, "2026-01-31T10:00:00Z", 1);
    s7_plant_fw_verify *v = s7_plant_fw_verify_new(2);
    snprintf(v->as, sizeof v->as, "hmi1");
    snprintf(v->source, sizeof v->source, "10.20.0.5");
    v->from_partner = 1;
    v->paths[0] =
        (s7_plant_fw_path){"hmi1", "plc1", "10.10.1.10", 102, 1, 1, S7_PLANT_PASS, "", ""};
    v->paths[1] =
        (s7_plant_fw_path){"hmi1", "plc9", "10.10.1.99", 102, 0, 0, S7_PLANT_PASS, "", ""};
    v->passed = 2;
    CHECK_INT(s7_plant_fw_verify_mismatch(p, v, why, sizeof why), 0);
    /* made as a partner this inventory does not have */
    snprintf(v->as, sizeof v->as, "hmi-operator-panel-press-line-four-north");
    CHECK_INT(s7_plant_fw_verify_mismatch(p, v, why, sizeof why), 1);
    CHECK(has(why, "made as hmi-operator-panel-press-line-four-north, a partner plant.yaml does "
                   "not document"));
    char *t = render_v(s7_plant_report_text, p, k, v);
    CHECK(has(t, "NOT READY: 1 of 1 connections passed; 1 firewall verification not of this "
                 "inventory"));
    CHECK(has(t, "is NOT of this inventory, so it is unproven here"));
    CHECK(!has(t, "Firewall verified"));
    free(t);
    t = render_v(s7_plant_report_html, p, k, v);
    CHECK(has(t, "<strong>NOT of this inventory:</strong> it was made as"));
    free(t);
    snprintf(v->as, sizeof v->as, "hmi1");
    /* probed from another address than hmi1's */
    snprintf(v->source, sizeof v->source, "10.34.0.5");
    CHECK_INT(s7_plant_fw_verify_mismatch(p, v, why, sizeof why), 1);
    CHECK(has(why, "probed from 10.34.0.5, but the inventory documents hmi1 at 10.20.0.5"));
    snprintf(v->source, sizeof v->source, "10.20.0.5");
    /* a row at another address */
    snprintf(v->paths[0].address, sizeof v->paths[0].address, "10.34.1.10");
    CHECK_INT(s7_plant_fw_verify_mismatch(p, v, why, sizeof why), 1);
    CHECK(has(why, "row 1 probed plc1 at 10.34.1.10:102, but the inventory documents plc1 at "
                   "10.10.1.10:102"));
    snprintf(v->paths[0].address, sizeof v->paths[0].address, "10.10.1.10");
    /* a path expected open that the inventory does not document */
    v->paths[1].expect_open = 1;
    CHECK_INT(s7_plant_fw_verify_mismatch(p, v, why, sizeof why), 1);
    CHECK(has(why, "expects hmi1 -> plc9 open, but the inventory does not document that path"));
    v->paths[1].expect_open = 0;
    /* a row missing: "1 of 1 documented paths open" would say nothing of the others */
    v->npaths = 1;
    CHECK_INT(s7_plant_fw_verify_mismatch(p, v, why, sizeof why), 1);
    CHECK(has(why, "does not probe hmi1 -> plc9 at 10.10.1.99:102"));
    v->npaths = 2;
    CHECK_INT(s7_plant_report_ready(p, k, NULL, why, sizeof why), 1);
    s7_plant_fw_verify_free(v);
    s7_plant_check_report_free(k);
    s7_plant_free(p);
}

/* IPv6: a cell's IPv6 subnet is shown, an address with its port is [ADDRESS]:PORT (in the
 * connections, the sign-off and a verification's rows), an IPv4 one ADDRESS:PORT. */
static void test_ipv6(void)
{
    s7_plant *p = s7_plant_new();
    char err[256];
    s7_plant_set_file(p, "v6.yaml");
    s7_plant_cell *c = s7_plant_add_cell(p, "a");
    const uint8_t net6[16] = {0xfd, 0, 0, 0x10, 0, 1};
    s7_plant_cell_set_subnet6(c, net6, 64);
    s7_plant_partner *pt = s7_plant_add_partner(p, "plc1");
    s7_plant_partner_set_address(pt, "fd00:10:1::10");
    s7_plant_partner_set_cell(pt, "a");
    pt = s7_plant_add_partner(p, "hmi1");
    s7_plant_partner_set_address(pt, "fd00:10:1::20");
    s7_plant_partner_set_cell(pt, "a");
    s7_plant_conn *cn = s7_plant_add_conn(p, "hmi1-plc1", "hmi1", "plc1");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(cn, S7_PLANT_GET, 500);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 64);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_plant_fw_verify *v = s7_plant_fw_verify_new(2);
    v->paths[0] =
        (s7_plant_fw_path){"hmi1", "plc1", "fd00:10:1::10", 102, 1, 1, S7_PLANT_PASS, "open", ""};
    v->paths[1] =
        (s7_plant_fw_path){"hmi1", "plc9", "10.10.1.99", 102, 0, 0, S7_PLANT_PASS, "dropped", ""};
    char *t = render_v(s7_plant_report_text, p, NULL, v);
    CHECK(has(t, "not checked hmi1-plc1: hmi1 fd00:10:1::20 -> plc1 [fd00:10:1::10]:102 (pg)"));
    CHECK(has(t, "hmi1 -> plc1 [fd00:10:1::10]:102 must be open"));
    CHECK(has(t, "hmi1 -> plc9 10.10.1.99:102 must be dropped"));
    CHECK(!has(t, "fd00:10:1::10:102"));
    free(t);
    t = render(s7_plant_report_html, p, NULL);
    CHECK(has(t, "<tr><td>a</td><td>fd00:10:1::/64</td>"));
    CHECK(has(t, "<td>plc1 ([fd00:10:1::10]:102)</td>"));
    CHECK(has(t, "(hmi1 fd00:10:1::20 -&gt; plc1 [fd00:10:1::10]:102) was not checked live"));
    free(t);
    t = render(s7_plant_report_svg, p, NULL);
    CHECK(has(t, ">fd00:10:1::/64</text>"));
    free(t);
    s7_plant_fw_verify_free(v);
    s7_plant_free(p);
}

int main(void)
{
    test_html();
    test_md();
    test_svg();
    test_merge();
    test_ready_and_signoff();
    test_xml_utf8();
    test_foreign();
    test_put_unwritten();
    test_verify_mismatch();
    test_ipv6();
    return t_done();
}
