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
    /* bytes on the wire: a timer or counter is two */
    CHECK_INT((int)s7_plant_range_bytes(&m), 16);
    s7_plant_range t = {S7_AREA_T, 0, 0, 16, 0}, c = {S7_AREA_C, 0, 0, 8, 0};
    CHECK_INT((int)s7_plant_range_bytes(&t), 32);
    CHECK_INT((int)s7_plant_range_bytes(&c), 16);
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
    /* peripheral I/O is no range (timers and counters are: test_plant_policy) */
    CHECK_INT(s7_plant_parse_range("PIW256", "range", &r, err, sizeof err), -1);
    CHECK(strstr(err, "is not in a DB, the I, Q or M area, the timers or the counters") != NULL);
    CHECK(strstr(err, s7_plant_range_forms()) != NULL);
}

/* IPv6 text both ways: the RFC 4291 forms in, the RFC 5952 form out. */
static void test_ipv6(void)
{
    uint8_t a[16];
    char b[64];
    static const struct {
        const char *in, *out;
    } good[] = {
        {"::1", "::1"},
        {"::", "::"},
        {"fd00:10:1::10", "fd00:10:1::10"},
        {"FD00:0010:0001:0000:0000:0000:0000:0010", "fd00:10:1::10"},
        {"2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"},    /* the first of equal runs */
        {"2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"}, /* one zero group stays */
        {"1::", "1::"},
        {"1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"},
        {"::ffff:10.0.0.1", "::ffff:10.0.0.1"},
        {"64:ff9b::192.0.2.33", "64:ff9b::c000:221"},
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        memset(a, 0xAA, sizeof a);
        CHECK_INT(s7_plant_parse_ipv6(good[i].in, a), 0);
        CHECK_STR(s7_plant_ipv6_text(a, b, sizeof b), good[i].out);
    }
    CHECK_INT(s7_plant_parse_ipv6("fd00:10:1::10", a), 0);
    CHECK_INT(a[0], 0xFD);
    CHECK_INT(a[5], 0x01);
    CHECK_INT(a[15], 0x10);
    static const char *const bad[] = {"",
                                      ":",
                                      ":::",
                                      "1:2",
                                      "1::2::3",
                                      "1:2:3:4:5:6:7:8:9",
                                      "1:2:3:4::5:6:7:8",
                                      "12345::",
                                      "g::1",
                                      "1::2:",
                                      ":1::2",
                                      "::1.2.3",
                                      "fe80::1%eth0",
                                      "[::1]",
                                      "10.0.0.1",
                                      "1:2:3:4:5:6:7:1.2.3.4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(s7_plant_parse_ipv6(bad[i], a), -1);
    s7_plant_addr ad;
    CHECK_INT(s7_plant_parse_addr("10.0.0.1", &ad), 0);
    CHECK_INT(ad.family, S7_PLANT_AF_INET);
    CHECK_STR(ad.text, "10.0.0.1");
    CHECK_INT(s7_plant_parse_addr("FD00::5", &ad), 0);
    CHECK_INT(ad.family, S7_PLANT_AF_INET6);
    CHECK_STR(ad.text, "fd00::5");
    CHECK_INT(s7_plant_parse_addr("plc.local", &ad), -1);
    int pfx = -1;
    s7_plant_addr net;
    CHECK_INT(s7_plant_parse_cidr("fd00:10:1::/64", &net, &pfx), 0);
    CHECK_INT(pfx, 64);
    CHECK_INT(s7_plant_parse_cidr("fd00:10:1::/129", &net, &pfx), -1);
    CHECK_INT(s7_plant_parse_cidr("10.0.0.0/33", &net, &pfx), -1);
    CHECK_INT(s7_plant_parse_cidr("10.0.0.0", &net, &pfx), -1);
    CHECK_INT(s7_plant_parse_addr("fd00:10:1:0:ffff::1", &ad), 0);
    CHECK(s7_plant_addr_in(&ad, &net, 64));
    CHECK_INT(s7_plant_parse_addr("fd00:10:2::1", &ad), 0);
    CHECK(!s7_plant_addr_in(&ad, &net, 64));
    CHECK(s7_plant_addr_in(&ad, &net, 32));
    CHECK_INT(s7_plant_parse_addr("fd00:10:1::81", &ad), 0);
    CHECK_INT(s7_plant_parse_cidr("fd00:10:1::80/121", &net, &pfx), 0);
    CHECK(s7_plant_addr_in(&ad, &net, 121));
    CHECK_INT(s7_plant_parse_addr("fd00:10:1::7f", &ad), 0);
    CHECK(!s7_plant_addr_in(&ad, &net, 121));
    CHECK_INT(s7_plant_parse_cidr("10.10.1.1/24", &net, &pfx), 0);
    CHECK_INT(s7_plant_parse_addr("10.10.1.200", &ad), 0);
    CHECK(s7_plant_addr_in(&ad, &net, 24));
    CHECK(!s7_plant_addr_in(&ad, &net, 25));
    CHECK_INT(s7_plant_parse_addr("fd00::1", &ad), 0);
    CHECK(!s7_plant_addr_in(&ad, &net, 0)); /* another family is never inside */
}

static void test_names_roles(void)
{
    CHECK(s7_plant_host_name_ok("plc1.plant.local"));
    CHECK(s7_plant_host_name_ok("localhost"));
    CHECK(s7_plant_host_name_ok("a-b.c1"));
    CHECK(!s7_plant_host_name_ok("10.0.0.256")); /* a bad address, not a name */
    CHECK(!s7_plant_host_name_ok("-a.b"));
    CHECK(!s7_plant_host_name_ok("a-.b"));
    CHECK(!s7_plant_host_name_ok("a..b"));
    CHECK(!s7_plant_host_name_ok("a.b."));
    CHECK(!s7_plant_host_name_ok("a_b"));
    CHECK(!s7_plant_host_name_ok(""));
    CHECK(s7_plant_ifname_ok("eth1"));
    CHECK(s7_plant_ifname_ok("br-line1.10"));
    CHECK(!s7_plant_ifname_ok("eth0:1"));
    CHECK(!s7_plant_ifname_ok("a234567890123456"));
    CHECK(!s7_plant_ifname_ok("my if"));

    s7_plant *p = s7_plant_new();
    s7_plant_partner *pt = s7_plant_add_partner(p, "ws1");
    char b[96];
    CHECK_INT(s7_plant_partner_add_role(pt, S7_PLANT_KIND_SCADA), 0);
    CHECK_INT(s7_plant_partner_add_role(pt, S7_PLANT_KIND_ENGINEERING), 0);
    CHECK_INT(s7_plant_partner_add_role(pt, 99), S7_ERR_INVAL);
    CHECK_INT(pt->kind, S7_PLANT_KIND_SCADA);
    CHECK(s7_plant_partner_has_role(pt, S7_PLANT_KIND_ENGINEERING));
    CHECK(!s7_plant_partner_has_role(pt, S7_PLANT_KIND_HMI));
    CHECK_STR(s7_plant_partner_roles_text(pt, b, sizeof b), "scada+engineering");
    CHECK_INT(s7_plant_partner_set_host(pt, "ws1 .local"), S7_ERR_INVAL);
    CHECK_INT(s7_plant_partner_set_host(pt, "ws1.plant.local"), 0);
    CHECK_STR(s7_plant_partner_addr_text(pt, b, sizeof b), "ws1.plant.local (not resolved)");
    CHECK_INT(s7_plant_partner_set_address(pt, "FD00:20::5"), 0);
    CHECK_INT(pt->family, S7_PLANT_AF_INET6);
    CHECK_INT(pt->ip, 0);
    CHECK_STR(pt->address, "fd00:20::5");
    CHECK_STR(s7_plant_partner_addr_text(pt, b, sizeof b), "ws1.plant.local (fd00:20::5)");
    CHECK_INT(s7_plant_partner_set_address(pt, "10.20.0.5"), 0);
    CHECK_INT(pt->family, S7_PLANT_AF_INET);
    CHECK_INT(s7_plant_partner_set_host(pt, NULL), 0);
    CHECK_STR(s7_plant_partner_addr_text(pt, b, sizeof b), "10.20.0.5");

    s7_plant_router *r = s7_plant_add_router(p, "fw1");
    CHECK(r != NULL);
    s7_plant_router_if *ri = s7_plant_router_add_if(r, "eth1", "line1");
    CHECK(ri != NULL);
    CHECK_INT(s7_plant_router_if_set_address(ri, "10.10.1.1/24"), 0);
    CHECK_INT(s7_plant_router_if_set_address(ri, "FD00:10:1::1/64"), 0);
    CHECK_INT(s7_plant_router_if_set_address(ri, "10.10.1.1"), S7_ERR_INVAL);
    CHECK_INT(ri->has_v4, 1);
    CHECK_INT(ri->ip, 0x0A0A0101u);
    CHECK_INT(ri->prefix, 24);
    CHECK_STR(ri->address, "10.10.1.1");
    CHECK_INT(ri->has_v6, 1);
    CHECK_INT(ri->prefix6, 64);
    CHECK_STR(ri->address6, "fd00:10:1::1");
    CHECK_STR(ri->cell_name, "line1");
    CHECK_INT(p->nrouters, 1);
    CHECK_INT(r->nifs, 1);
    s7_plant_free(p); /* frees routers, hosts (ASan checks) */
}

int main(void)
{
    test_build();
    test_ipv6();
    test_names_roles();
    test_texts();
    test_parsers();
    test_ranges();
    return t_done();
}
