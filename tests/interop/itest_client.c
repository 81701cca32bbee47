/* Interop: the s7kit client against the Snap7 server of node-snap7 (standard fixture:
 * DB1 1024 bytes pattern i&0xFF, DB2 5 bytes, DB3 65535 bytes pattern, DB10 256 zero, MK 256
 * pattern, PE 256 pattern, PA 256 zero, TM/CT 512 zero).  Every area, typed tags, 1,000
 * items in one call, 64 KB reads and writes, SZL, identity, clock, stop/start, errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"
#include "t.h"

static uint8_t pat(uint32_t i) { return (uint8_t)(i & 0xFF); }

static s7_client *connect_fixture(void)
{
    const char *host = getenv("S7_TEST_HOST");
    const char *port = getenv("S7_TEST_PORT");
    if (!host || !port) {
        printf("SKIP: S7_TEST_HOST/S7_TEST_PORT not set (run through run_with_snap7.sh)\n");
        exit(77);
    }
    s7_client *c = s7_client_new(NULL);
    int rc = s7_client_connect(c, host, (uint16_t)atoi(port));
    CHECK_INT(rc, 0);
    if (rc) {
        fprintf(stderr, "connect: %s\n", s7_strerror(rc));
        exit(t_done());
    }
    return c;
}

static void test_areas(s7_client *c)
{
    static uint8_t big[65535];
    CHECK_INT(s7_client_pdu(c), 960);
    CHECK_INT(s7_client_db_read(c, 1, 0, big, 1024), 0);
    int ok = 1;
    for (uint32_t i = 0; i < 1024; i++)
        ok &= big[i] == pat(i);
    CHECK(ok);
    /* 64 KB: read, write the inverse, read back, restore */
    CHECK_INT(s7_client_db_read(c, 3, 0, big, 65535), 0);
    ok = 1;
    for (uint32_t i = 0; i < 65535; i++)
        ok &= big[i] == pat(i);
    CHECK(ok);
    for (uint32_t i = 0; i < 65535; i++)
        big[i] = (uint8_t)(0xFFu - pat(i));
    CHECK_INT(s7_client_db_write(c, 3, 0, big, 65535), 0);
    memset(big, 0, sizeof big);
    CHECK_INT(s7_client_db_read(c, 3, 0, big, 65535), 0);
    ok = 1;
    for (uint32_t i = 0; i < 65535; i++)
        ok &= (unsigned)big[i] + pat(i) == 0xFFu;
    CHECK(ok);
    for (uint32_t i = 0; i < 65535; i++)
        big[i] = pat(i);
    CHECK_INT(s7_client_db_write(c, 3, 0, big, 65535), 0);

    /* M, I, Q */
    uint8_t b[8];
    CHECK_INT(s7_client_read_area(c, S7_AREA_M, 0, 10, b, 4), 0);
    CHECK(b[0] == 10 && b[3] == 13);
    CHECK_INT(s7_client_read_area(c, S7_AREA_I, 0, 200, b, 2), 0);
    CHECK(b[0] == 200 && b[1] == 201);
    uint8_t q[3] = {1, 2, 3};
    CHECK_INT(s7_client_write_area(c, S7_AREA_Q, 0, 5, q, 3), 0);
    CHECK_INT(s7_client_read_area(c, S7_AREA_Q, 0, 5, b, 3), 0);
    CHECK_MEM(b, q, 3);
    /* timers and counters (2 bytes per element) */
    uint8_t tw[4] = {0x12, 0x34, 0x05, 0x67};
    CHECK_INT(s7_client_write_area(c, S7_AREA_T, 0, 4, tw, 4), 0);
    CHECK_INT(s7_client_read_area(c, S7_AREA_T, 0, 4, b, 4), 0);
    CHECK_MEM(b, tw, 4);
    uint8_t cw[2] = {0x01, 0x23};
    CHECK_INT(s7_client_write_area(c, S7_AREA_C, 0, 8, cw, 2), 0);
    CHECK_INT(s7_client_read_area(c, S7_AREA_C, 0, 8, b, 2), 0);
    CHECK_MEM(b, cw, 2);
}

static void test_many_items(s7_client *c)
{
    enum { N = 1000 };
    static s7_item it[N];
    static uint8_t buf[N][4];
    memset(it, 0, sizeof it);
    for (int i = 0; i < N; i++) {
        it[i].area = S7_AREA_DB;
        it[i].db = 3;
        it[i].start = (uint32_t)i * 64 % 65532;
        it[i].count = 4;
        it[i].buf = buf[i];
    }
    CHECK_INT(s7_client_read(c, it, N), 0);
    int ok = 1;
    for (int i = 0; i < N; i++)
        for (int k = 0; k < 4; k++)
            ok &= it[i].status == 0 && buf[i][k] == pat(it[i].start + (uint32_t)k);
    CHECK(ok);
    /* 150 mixed items over four areas and bits */
    static s7_item m[150];
    static uint8_t mb[150][2];
    memset(m, 0, sizeof m);
    for (int i = 0; i < 150; i++) {
        static const uint8_t areas[4] = {S7_AREA_DB, S7_AREA_M, S7_AREA_I, S7_AREA_DB};
        m[i].area = areas[i % 4];
        m[i].db = m[i].area == S7_AREA_DB ? (i % 4 == 0 ? 1 : 3) : 0;
        m[i].start = (uint32_t)(i * 37) % 250;
        m[i].buf = mb[i];
        if (i % 5 == 0) {
            m[i].ts = S7_TS_BIT;
            m[i].bit = (uint8_t)(i % 8);
            m[i].count = 1;
        } else {
            m[i].count = 2;
        }
    }
    CHECK_INT(s7_client_read(c, m, 150), 0);
    ok = 1;
    for (int i = 0; i < 150; i++) {
        uint8_t want0 = pat(m[i].start);
        if (m[i].ts == S7_TS_BIT)
            ok &= mb[i][0] == ((want0 >> m[i].bit) & 1);
        else
            ok &= mb[i][0] == want0 && mb[i][1] == pat(m[i].start + 1);
    }
    CHECK(ok);
}

static void roundtrip(s7_client *c, const char *addr, const char *value, const char *want)
{
    s7_tag t;
    char err[256], out[512];
    uint8_t buf[600] = {0};
    int rc = s7_tag_parse(addr, &t, err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc)
        return;
    uint32_t n = s7_tag_wire_size(&t);
    s7_item it;
    s7_item_from_tag(&it, &t, buf);
    CHECK_INT(s7_client_read(c, &it, 1), 0); /* current bytes, for BOOL writes */
    rc = s7_value_parse(&t, value, buf, sizeof buf, err, sizeof err);
    CHECK(rc >= 0);
    CHECK_INT(s7_client_write(c, &it, 1), 0);
    memset(buf, 0, n);
    CHECK_INT(s7_client_read(c, &it, 1), 0);
    s7_value_format(&t, buf, n, 0, out, sizeof out);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "%s: wrote %s, read back %s, want %s\n", addr, value, out, want);
    CHECK_STR(out, want);
}

static void test_types(s7_client *c)
{
    roundtrip(c, "DB10.DBX0.3", "true", "true");
    roundtrip(c, "DB10.DBB1", "200", "200");
    roundtrip(c, "DB10.DBW2", "65535", "65535");
    roundtrip(c, "DB10.DBW4:INT", "-1234", "-1234");
    roundtrip(c, "DB10.DBD6", "4000000000", "4000000000");
    roundtrip(c, "DB10.DBD10:DINT", "-2000000000", "-2000000000");
    roundtrip(c, "DB10.DBD14:REAL", "3.5", "3.5");
    roundtrip(c, "DB10.DBB18:LREAL", "-2.25e+100", "-2.25e100");
    roundtrip(c, "DB10.DBB26:LINT", "-9000000000000000000", "-9000000000000000000");
    roundtrip(c, "DB10.DBB34:STRING[10]", "hello", "hello");
    roundtrip(c, "DB10.DBB46:WSTRING[4]", "äbc", "äbc");
    roundtrip(c, "DB10.DBB58:CHAR", "Z", "Z");
    roundtrip(c, "DB10.DBW60:DATE", "2026-11-21", "2026-11-21");
    roundtrip(c, "DB10.DBD62:TIME", "T#1d2h3m4s5ms", "T#1d2h3m4s5ms");
    roundtrip(c, "DB10.DBD66:TOD", "13:45:00.123", "13:45:00.123");
    roundtrip(c, "DB10.DBW70:S5TIME", "S5T#2s500ms", "S5T#2s500ms");
    roundtrip(c, "DB10.DBB72:DATE_AND_TIME", "2026-11-21 13:45:07.250", "2026-11-21 13:45:07.250");
    roundtrip(c, "DB10.DBB80:DTL", "2026-11-21 13:45:07.123456789",
              "2026-11-21 13:45:07.123456789");
    roundtrip(c, "DB10.DBW92:INT[3]", "[1, -2, 3]", "[1, -2, 3]");
    roundtrip(c, "%DB10:100:REAL", "-0.5", "-0.5");
    roundtrip(c, "DB10,INT104", "42", "42");
    roundtrip(c, "MW20", "4660", "4660");
    roundtrip(c, "Q1.7", "true", "true");
    roundtrip(c, "C5", "123", "123");
}

static void test_cpu(s7_client *c)
{
    s7_cpu_info info;
    CHECK_INT(s7_client_cpu_info(c, &info), 0);
    CHECK_STR(info.order_code, "6ES7 315-2EH14-0AB0");
    CHECK(strstr(info.module_type, "CPU 315") != NULL);
    CHECK_STR(info.as_name, "SNAP7-SERVER");
    int st = 0;
    CHECK_INT(s7_client_cpu_state(c, &st), 0);
    CHECK_INT(st, S7_CPU_RUN);
    CHECK_INT(s7_client_plc_stop(c), 0);
    CHECK_INT(s7_client_cpu_state(c, &st), 0);
    CHECK_INT(st, S7_CPU_STOP);
    CHECK_INT(s7_client_plc_start(c, S7_START_HOT), 0);
    CHECK_INT(s7_client_cpu_state(c, &st), 0);
    CHECK_INT(st, S7_CPU_RUN);
    s7_datetime t;
    CHECK_INT(s7_client_get_clock(c, &t), 0);
    CHECK(t.year >= 2024 && t.year <= 2089 && t.month >= 1 && t.month <= 12);
    s7_datetime set = {2030, 6, 7, 8, 9, 10, 0, 0};
    CHECK_INT(s7_client_set_clock(c, &set), 0); /* Snap7 accepts and ignores it */
    uint8_t recs[4096];
    s7_szl_hdr h;
    int n = s7_client_read_szl(c, 0x0011, 0, &h, recs, sizeof recs);
    CHECK(n >= 3 * 28);
    CHECK_INT(h.rec_len, 28);
    CHECK_INT(s7_client_read_szl(c, 0x0F99, 0, &h, recs, sizeof recs), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(c)->code, 0xD402);
    s7_cpu_caps caps;
    CHECK_INT(s7_client_cpu_caps(c, &caps), 0);
    CHECK_INT(caps.max_connections, 1024);
}

static void test_errors(s7_client *c)
{
    uint8_t b[16];
    CHECK_INT(s7_client_db_read(c, 99, 0, b, 4), S7_ERR_ITEM);
    CHECK_INT(s7_client_last_error(c)->code, 0x0A);
    CHECK(strlen(s7_client_last_error(c)->cause) > 0);
    CHECK_INT(s7_client_db_read(c, 2, 0, b, 10), S7_ERR_ITEM);
    CHECK_INT(s7_client_last_error(c)->code, 0x05);
    uint32_t len = 0;
    CHECK_INT(s7_client_db_length(c, 2, &len), 0);
    CHECK_INT(len, 5);
    CHECK_INT(s7_client_db_length(c, 1, &len), 0);
    CHECK_INT(len, 1024);
    CHECK_INT(s7_client_db_length(c, 3, &len), 0);
    CHECK_INT(len, 65535);
    CHECK_INT(s7_client_db_length(c, 99, &len), S7_ERR_ITEM);
    /* a mixed call: partial results per item */
    s7_item it[3];
    uint8_t x[4], y[4], z[4];
    memset(it, 0, sizeof it);
    it[0] = (s7_item){.area = S7_AREA_DB, .db = 1, .start = 0, .count = 4, .buf = x};
    it[1] = (s7_item){.area = S7_AREA_DB, .db = 99, .start = 0, .count = 4, .buf = y};
    it[2] = (s7_item){.area = S7_AREA_DB, .db = 2, .start = 2, .count = 4, .buf = z};
    CHECK_INT(s7_client_read(c, it, 3), S7_ERR_ITEM);
    CHECK_INT(it[0].status, 0);
    CHECK(x[3] == 3);
    CHECK_INT(it[1].rc, 0x0A);
    CHECK_INT(it[2].rc, 0x05);
    CHECK(s7_client_connected(c));
}

int main(void)
{
    s7_client *c = connect_fixture();
    test_areas(c);
    test_many_items(c);
    test_types(c);
    test_errors(c);
    test_cpu(c);
    s7_client_free(c);
    return t_done();
}
