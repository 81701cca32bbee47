/* Unit tests for plant/plant.c and plant/parse.c: building a plant through the API (no
 * YAML), queries by name, the shared texts, the value parsers, and *_free(NULL). */
#include <stdlib.h>
#include <string.h>

#include "s7/plant.h"
#include "s7/wire.h"
#include "t.h"

static void test_build(void)
{
    s7_plant *p = s7_plant_new();
    CHECK(p != NULL);
    CHECK_INT(s7_plant_set_title(p, "Line 1"), 0);
    s7_plant_cell *c = s7_plant_add_cell(p, "line1");
    CHECK(c != NULL);
    CHECK_INT(p->cells_declared, 1);
    s7_plant_cell_set_subnet(c, 0x0A0A0100u, 24);
    s7_plant_partner *pt = s7_plant_add_partner(p, "plc1");
    CHECK(pt != NULL);
    CHECK_INT(pt->port, 102);
    CHECK_INT(pt->rack, -1);
    CHECK_INT(pt->slot, -1);
    CHECK_INT(pt->kind, S7_PLANT_KIND_OTHER);
    CHECK_INT(s7_plant_partner_set_address(pt, "10.10.1.10"), 0);
    CHECK_STR(pt->address, "10.10.1.10");
    CHECK_INT(pt->ip, 0x0A0A010Au);
    CHECK_INT(s7_plant_partner_set_address(pt, "10.10.1.010"), S7_ERR_INVAL);
    CHECK_INT(s7_plant_partner_set_address(pt, "plc.local"), S7_ERR_INVAL);
    CHECK_STR(pt->address, "10.10.1.10"); /* unchanged after a refusal */
    s7_plant_conn *cn = s7_plant_add_conn(p, "hmi-plc", "hmi", "plc1");
    CHECK(cn != NULL);
    CHECK_STR(cn->active_name, "hmi");
    CHECK_STR(cn->passive_name, "plc1");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(cn, S7_PLANT_PUT, 500);
    CHECK(e != NULL);
    s7_plant_range *r = s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 64);
    CHECK(r != NULL);
    CHECK_INT(e->nranges, 1);
    CHECK(s7_plant_find_partner(p, "plc1") == &p->partners[0]);
    CHECK(s7_plant_find_partner(p, "nope") == NULL);
    CHECK(s7_plant_find_conn(p, "hmi-plc") == &p->conns[0]);
    CHECK(s7_plant_find_conn(p, NULL) == NULL);
    s7_plant_free(p);
    s7_plant_free(NULL); /* a no-op */
    s7_fw_free(NULL);
    s7_plant_check_report_free(NULL);
}

static void test_texts(void)
{
    char b[64];
    s7_plant_range r = {S7_AREA_DB, 10, 0, 64, 0};
    CHECK_STR(s7_plant_range_text(&r, b, sizeof b), "DB10.DBB0..DBB63");
    r.length = 1;
    r.offset = 4;
    CHECK_STR(s7_plant_range_text(&r, b, sizeof b), "DB10.DBB4");
    s7_plant_range m = {S7_AREA_M, 0, 0, 16, 0};
    CHECK_STR(s7_plant_range_text(&m, b, sizeof b), "MB0..MB15");
    CHECK_STR(s7_plant_cycle_text(0, b, sizeof b), "on event");
    CHECK_STR(s7_plant_cycle_text(500, b, sizeof b), "500 ms");
    CHECK_STR(s7_plant_cycle_text(2000, b, sizeof b), "2 s");
    CHECK_STR(s7_plant_cycle_text(120000, b, sizeof b), "2 min");
    CHECK_STR(s7_plant_tsap_text(0x0100, 0x0301, b, sizeof b), "0100:0301");
    CHECK_STR(s7_plant_dir_name(S7_PLANT_PUT), "PUT");
    CHECK_STR(s7_plant_dir_name(S7_PLANT_GET), "GET");
    CHECK_STR(s7_plant_type_name(2), "op");
    CHECK_STR(s7_plant_type_name(3), "basic");
    CHECK_STR(s7_plant_kind_name(S7_PLANT_KIND_HMI), "hmi");
    CHECK_STR(s7_plant_kind_name(99), "other");
    CHECK_STR(s7_plant_status_name(S7_PLANT_SKIP), "skip");
}

static void test_parsers(void)
{
    uint32_t ip = 0;
    uint16_t l = 0, rt = 0;
    int t = 0;
    long ms = -1;
    uint8_t area = 0;
    CHECK(s7_plant_name_ok("plc-line1"));
    CHECK(s7_plant_name_ok("a.b_c"));
    CHECK(!s7_plant_name_ok("1plc"));
    CHECK(!s7_plant_name_ok("plc line"));
    CHECK(!s7_plant_name_ok(""));
    CHECK(!s7_plant_name_ok("a23456789012345678901234567890123456789012"));
    CHECK_INT(s7_plant_parse_ipv4("192.168.0.10", &ip), 0);
    CHECK_INT(ip, 0xC0A8000Au);
    CHECK_INT(s7_plant_parse_ipv4("256.1.1.1", &ip), -1);
    CHECK_INT(s7_plant_parse_ipv4("1.2.3", &ip), -1);
    CHECK_INT(s7_plant_parse_ipv4("1.2.3.4.5", &ip), -1);
    CHECK_INT(s7_plant_parse_ipv4("01.2.3.4", &ip), -1);
    CHECK_INT(s7_plant_parse_tsap("0100:0200", &l, &rt), 0);
    CHECK_INT(l, 0x0100);
    CHECK_INT(rt, 0x0200);
    CHECK_INT(s7_plant_parse_tsap("0100-0200", &l, &rt), -1);
    CHECK_INT(s7_plant_parse_tsap("10000:1", &l, &rt), -1);
    CHECK_INT(s7_plant_parse_type("HMI", &t), 0);
    CHECK_INT(t, 2);
    CHECK_INT(s7_plant_parse_type("s7-basic", &t), 0);
    CHECK_INT(t, 3);
    CHECK_INT(s7_plant_parse_type("xx", &t), -1);
    CHECK_INT(s7_plant_parse_kind("SCADA", &t), 0);
    CHECK_INT(t, S7_PLANT_KIND_SCADA);
    CHECK_INT(s7_plant_parse_area("outputs", &area), 0);
    CHECK_INT(area, S7_AREA_Q);
    CHECK_INT(s7_plant_parse_area("T", &area), -1);
    CHECK_INT(s7_plant_parse_cycle("2s", &ms), 0);
    CHECK_INT(ms, 2000);
    CHECK_INT(s7_plant_parse_cycle("1min", &ms), 0);
    CHECK_INT(ms, 60000);
    CHECK_INT(s7_plant_parse_cycle("on event", &ms), 0);
    CHECK_INT(ms, 0);
    CHECK_INT(s7_plant_parse_cycle("25h", &ms), -1);
    CHECK_INT(s7_plant_parse_cycle("0", &ms), -1);
}

static void test_ranges(void)
{
    s7_plant_range r;
    char err[512];
    memset(&r, 0, sizeof r);
    CHECK_INT(s7_plant_parse_range("DB10.DBB0..DBB63", "range", &r, err, sizeof err), 0);
    CHECK_INT(r.area, S7_AREA_DB);
    CHECK_INT(r.db, 10);
    CHECK_INT(r.offset, 0);
    CHECK_INT(r.length, 64);
    CHECK_INT(s7_plant_parse_range("DB10.DBB0..63", "range", &r, err, sizeof err), 0);
    CHECK_INT(r.length, 64);
    CHECK_INT(s7_plant_parse_range("DB10.DBW4", "range", &r, err, sizeof err), 0);
    CHECK_INT(r.offset, 4);
    CHECK_INT(r.length, 2);
    CHECK_INT(s7_plant_parse_range("MB0..MB15", "range", &r, err, sizeof err), 0);
    CHECK_INT(r.area, S7_AREA_M);
    CHECK_INT(r.length, 16);
    CHECK_INT(s7_plant_parse_range("DB10.DBB8..DBB4", "ex.range", &r, err, sizeof err), -1);
    CHECK_STR(err, "ex.range: 'DB10.DBB8..DBB4' ends (byte 4) before it starts (byte 8)");
    CHECK_INT(s7_plant_parse_range("DB1.DBB0..DB2.DBB4", "range", &r, err, sizeof err), -1);
    CHECK(strstr(err, "both ends must be in the same DB") != NULL);
    CHECK_INT(s7_plant_parse_range("T5", "range", &r, err, sizeof err), -1);
    CHECK(strstr(err, "is not in a DB or the I, Q or M area") != NULL);
    CHECK(strstr(err, s7_plant_range_forms()) != NULL);
}

int main(void)
{
    test_build();
    test_texts();
    test_parsers();
    test_ranges();
    return t_done();
}
