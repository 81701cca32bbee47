/* CPU model, Job PDUs: Setup Communication, Read Var / Write Var on every area with
 * each item check (exact reply bytes), PUT/GET refusal, PDU size limits, malformed
 * PDUs, PLC control, upload/download and unknown functions, and the events; the CPU's own
 * writes (s7_cpu_write) and their events. */
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

static uint8_t out[70000];
static uint8_t req[70000];

/* Compare n reply bytes with a hex string (length too); prints both on a mismatch. */
#define CHECK_HEX(buf, n, hex)                                               \
    do {                                                                     \
        static uint8_t t_exp[4096];                                          \
        size_t t_n = t_hex(hex, t_exp, sizeof t_exp);                        \
        int t_ok = (long)(n) == (long)t_n && memcmp((buf), t_exp, t_n) == 0; \
        CHECK(t_ok);                                                         \
        if (!t_ok) {                                                         \
            fprintf(stderr, "  got (%ld):", (long)(n));                      \
            for (long t_i = 0; t_i < (long)(n) && t_i < 64; t_i++)           \
                fprintf(stderr, " %02X", (buf)[t_i]);                        \
            fprintf(stderr, "\n  want: %s\n", hex);                          \
        }                                                                    \
    } while (0)

/* ---------------------------------------------------------------- events */
static s7_cpu_event evs[2048];
static uint8_t evdata[2048][8];
static int nev;
static int ndone, done_fn, items_after_done;

static void on_ev(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    if (ev->kind == S7_EV_DONE) { /* once per Read/Write job, after its items */
        ndone++;
        done_fn = ev->fn;
        return;
    }
    if (ndone)
        items_after_done++;
    if (nev < 2048) {
        evs[nev] = *ev;
        if (ev->data && ev->len) {
            memcpy(evdata[nev], ev->data, ev->len < 8 ? ev->len : 8);
            evs[nev].data = evdata[nev];
        }
        nev++;
    }
}

/* A CPU of a profile with a session set up at PDU pdu. */
static s7_cpu *mk(const char *profile, s7_cpu_session *s, uint16_t pdu)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profile));
    s7_cpu_on_event(cpu, on_ev, NULL);
    s7__cpu_session_init(s);
    s7_setup su = {1, 1, pdu};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    int r = s7_cpu_handle(cpu, s, req, (size_t)n, out, sizeof out);
    CHECK_INT(r, 20);
    nev = 0;
    return cpu;
}

static int run(s7_cpu *cpu, s7_cpu_session *s, int n)
{
    return s7_cpu_handle(cpu, s, req, (size_t)n, out, sizeof out);
}

static int read1(s7_cpu *cpu, s7_cpu_session *s, uint16_t ref, uint8_t area, uint16_t db,
                 uint8_t ts, uint16_t count, uint32_t addr)
{
    s7_var_spec sp = {ts, count, db, area, addr};
    int n = s7_read_req_encode(req, sizeof req, ref, &sp, 1);
    return run(cpu, s, n);
}

static int write1(s7_cpu *cpu, s7_cpu_session *s, uint16_t ref, uint8_t area, uint16_t db,
                  uint8_t ts, uint16_t count, uint32_t addr, const void *data, uint32_t nb)
{
    s7_var_spec sp = {ts, count, db, area, addr};
    s7_data_item d;
    memset(&d, 0, sizeof d);
    d.data = data;
    d.nbytes = nb;
    int n = s7_write_req_encode(req, sizeof req, ref, &sp, &d, 1);
    return run(cpu, s, n);
}

/* ---------------------------------------------------------------- setup */

static void test_setup(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_cpu_session s;
    s7__cpu_session_init(&s);
    /* before setup: a read gets Ack 84 01 */
    s7_var_spec sp = {S7_TS_BYTE, 1, 0, S7_AREA_M, 0};
    int n = s7_read_req_encode(req, sizeof req, 0x0700, &sp, 1);
    int r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0700 0000 0000 84 01");
    n = s7_szl_req_encode(req, sizeof req, 0x0800, 0x0011, 0);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0800 0000 0000 84 01");

    /* Snap7's request: AmQ 1/1, PDU 480 -> 240 on a 300 */
    n = (int)t_hex("32 01 0000 0000 0008 0000 F0 00 0001 0001 01E0", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0000 0008 0000 0000 F0 00 0001 0001 00F0");
    CHECK_INT(r + 7, 27);
    CHECK_INT(s.pdu, 240);
    CHECK_INT(s.amq, 1);
    /* nodes7 asks 8/8/960; a second setup is negotiated again: a 315-2 grants 2 */
    n = (int)t_hex("32 01 0000 0100 0008 0000 F0 00 0008 0008 03C0", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0100 0008 0000 0000 F0 00 0002 0002 00F0");
    CHECK_INT(s.amq, 2);
    /* WinCC asks 1/3: a real 315-2 answers 1/2 (wincc_s300_setup-alarm-read.pcapng) */
    n = (int)t_hex("32 01 0000 0100 0008 0000 F0 00 0001 0003 00F0", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0100 0008 0000 0000 F0 00 0001 0002 00F0");
    CHECK_INT(s.amq, 1);
    /* a tiny PDU is raised to 64 */
    n = (int)t_hex("32 01 0000 0200 0008 0000 F0 00 0001 0001 0010", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0200 0008 0000 0000 F0 00 0001 0001 0040");
    /* a malformed setup (param length 6): Ack 0x8404, the connection kept */
    n = (int)t_hex("32 01 0000 0300 0006 0000 F0 00 0001 0001", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0300 0000 0000 84 04");
    s7_cpu_free(cpu);

    /* 1200: 8/8/960 -> 3/3/240; 1500: 960; 400: 480 */
    const char *names[3] = {"s7-1200", "s7-1500", "s7-400"};
    const char *want[3] = {"32 03 0000 0000 0008 0000 0000 F0 00 0003 0003 00F0",
                           "32 03 0000 0000 0008 0000 0000 F0 00 0008 0008 03C0",
                           "32 03 0000 0000 0008 0000 0000 F0 00 0008 0008 01E0"};
    for (int i = 0; i < 3; i++) {
        cpu = s7_cpu_new(s7_profile_find(names[i]));
        s7__cpu_session_init(&s);
        n = (int)t_hex("32 01 0000 0000 0008 0000 F0 00 0008 0008 03C0", req, sizeof req);
        r = run(cpu, &s, n);
        CHECK_HEX(out, r, want[i]);
        s7_cpu_free(cpu);
    }
}

/* ---------------------------------------------------------------- reads / writes */

static void test_read_areas(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-300", &s, 480);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 100, 0), 0);
    uint32_t sz;
    uint8_t *db1 = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    CHECK_INT(sz, 100);
    for (int i = 0; i < 100; i++)
        db1[i] = (uint8_t)i;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_M, 0, &sz);
    CHECK_INT(sz, 1024);
    m[3] = 0x20; /* M3.5 */
    m[0] = 0x11;
    m[1] = 0x22;

    /* DB1.DBB0 BYTE x4 (captured Snap7 request) */
    int r = read1(cpu, &s, 0x0100, S7_AREA_DB, 1, S7_TS_BYTE, 4, 0);
    CHECK_HEX(out, r, "32 03 0000 0100 0002 0008 0000 04 01 FF 04 0020 00 01 02 03");
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].kind, S7_EV_READ);
    CHECK_INT(evs[0].fn, S7_FN_READ);
    CHECK_INT(ndone, 1);
    CHECK_INT(done_fn, S7_FN_READ);
    CHECK_INT(items_after_done, 0);
    CHECK_INT(evs[0].area, S7_AREA_DB);
    CHECK_INT(evs[0].db, 1);
    CHECK_INT(evs[0].start, 0);
    CHECK_INT(evs[0].len, 4);
    CHECK_INT(evs[0].rc, 0xFF);
    /* 3 bytes at 10: odd, single item, no fill */
    r = read1(cpu, &s, 0x0200, S7_AREA_DB, 1, S7_TS_BYTE, 3, 80);
    CHECK_HEX(out, r, "32 03 0000 0200 0002 0007 0000 04 01 FF 04 0018 0A 0B 0C");
    /* bit M3.5 */
    r = read1(cpu, &s, 0x0300, S7_AREA_M, 0, S7_TS_BIT, 1, 3 * 8 + 5);
    CHECK_HEX(out, r, "32 03 0000 0300 0002 0005 0000 04 01 FF 03 0001 01");
    /* REAL, DWORD, INT, WORD, CHAR data TS */
    r = read1(cpu, &s, 0x0400, S7_AREA_DB, 1, S7_TS_REAL, 1, 64);
    CHECK_HEX(out, r, "32 03 0000 0400 0002 0008 0000 04 01 FF 07 0004 08 09 0A 0B");
    r = read1(cpu, &s, 0x0400, S7_AREA_DB, 1, S7_TS_DWORD, 1, 64);
    CHECK_HEX(out, r, "32 03 0000 0400 0002 0008 0000 04 01 FF 04 0020 08 09 0A 0B");
    r = read1(cpu, &s, 0x0400, S7_AREA_DB, 1, S7_TS_INT, 2, 64);
    CHECK_HEX(out, r, "32 03 0000 0400 0002 0008 0000 04 01 FF 05 0020 08 09 0A 0B");
    r = read1(cpu, &s, 0x0400, S7_AREA_DB, 1, S7_TS_DINT, 1, 64);
    CHECK_HEX(out, r, "32 03 0000 0400 0002 0008 0000 04 01 FF 05 0020 08 09 0A 0B");
    r = read1(cpu, &s, 0x0400, S7_AREA_DB, 1, S7_TS_WORD, 1, 64);
    CHECK_HEX(out, r, "32 03 0000 0400 0002 0006 0000 04 01 FF 04 0010 08 09");
    r = read1(cpu, &s, 0x0400, S7_AREA_DB, 1, S7_TS_CHAR, 2, 64);
    CHECK_HEX(out, r, "32 03 0000 0400 0002 0006 0000 04 01 FF 09 0002 08 09");
    r = read1(cpu, &s, 0x0400, S7_AREA_DB, 1, S7_TS_DATE_AND_TIME, 1, 8);
    CHECK_HEX(out, r, "32 03 0000 0400 0002 000C 0000 04 01 FF 09 0008 01 02 03 04 05 06 07 08");
    /* DI addresses the DB table */
    r = read1(cpu, &s, 0x0500, S7_AREA_DI, 1, S7_TS_BYTE, 2, 16);
    CHECK_HEX(out, r, "32 03 0000 0500 0002 0006 0000 04 01 FF 04 0010 02 03");

    /* I, Q, M, P: P reads I */
    uint8_t *in = s7_cpu_mem(cpu, S7_AREA_I, 0, &sz);
    uint8_t *q = s7_cpu_mem(cpu, S7_AREA_Q, 0, &sz);
    in[4] = 0xA5;
    q[4] = 0x5A;
    r = read1(cpu, &s, 1, S7_AREA_I, 0, S7_TS_BYTE, 1, 32);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0005 0000 04 01 FF 04 0008 A5");
    r = read1(cpu, &s, 1, S7_AREA_Q, 0, S7_TS_BYTE, 1, 32);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0005 0000 04 01 FF 04 0008 5A");
    nev = 0;
    r = read1(cpu, &s, 1, S7_AREA_P, 0, S7_TS_BYTE, 1, 32);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0005 0000 04 01 FF 04 0008 A5");
    CHECK_INT(evs[0].area, S7_AREA_I);

    /* T and C: element N at byte 2N, TS TIMER/COUNTER, data TS 0x09 */
    uint8_t *tm = s7_cpu_mem(cpu, S7_AREA_T, 0, &sz);
    CHECK_INT(sz, 512);
    uint8_t *cm = s7_cpu_mem(cpu, S7_AREA_C, 0, &sz);
    tm[10] = 0x12;
    tm[11] = 0x34; /* T5 */
    cm[6] = 0x05;
    cm[7] = 0x67; /* C3 */
    r = read1(cpu, &s, 2, S7_AREA_T, 0, S7_TS_TIMER, 1, 5);
    CHECK_HEX(out, r, "32 03 0000 0002 0002 0006 0000 04 01 FF 09 0002 12 34");
    r = read1(cpu, &s, 2, S7_AREA_C, 0, S7_TS_COUNTER, 2, 2);
    CHECK_HEX(out, r, "32 03 0000 0002 0002 0008 0000 04 01 FF 09 0004 00 00 05 67");
    /* TS/area mismatch both ways: 0x05 */
    r = read1(cpu, &s, 2, S7_AREA_T, 0, S7_TS_BYTE, 1, 5);
    CHECK_HEX(out, r, "32 03 0000 0002 0002 0004 0000 04 01 05 00 0000");
    r = read1(cpu, &s, 2, S7_AREA_C, 0, S7_TS_TIMER, 1, 5);
    CHECK_HEX(out, r, "32 03 0000 0002 0002 0004 0000 04 01 05 00 0000");
    r = read1(cpu, &s, 2, S7_AREA_M, 0, S7_TS_COUNTER, 1, 0);
    CHECK_HEX(out, r, "32 03 0000 0002 0002 0004 0000 04 01 05 00 0000");
    /* past the end of T (256 elements) */
    r = read1(cpu, &s, 2, S7_AREA_T, 0, S7_TS_TIMER, 2, 255);
    CHECK_HEX(out, r, "32 03 0000 0002 0002 0004 0000 04 01 05 00 0000");

    /* the captured multi-item read: DB1.B0x3, MB0x2, DB99.B0x2, DB1.W2x1 */
    s7_var_spec sp[4] = {{S7_TS_BYTE, 3, 1, S7_AREA_DB, 0},
                         {S7_TS_BYTE, 2, 0, S7_AREA_M, 0},
                         {S7_TS_BYTE, 2, 99, S7_AREA_DB, 0},
                         {S7_TS_WORD, 1, 1, S7_AREA_DB, 16}};
    int n = s7_read_req_encode(req, sizeof req, 0x0F00, sp, 4);
    nev = 0;
    r = run(cpu, &s, n);
    CHECK_HEX(out, r,
              "32 03 0000 0F00 0002 0018 0000 04 04 FF 04 0018 00 01 02 00 FF 04 0010 11 22 "
              "0A 00 0000 FF 04 0010 02 03");
    CHECK_INT(nev, 4);
    CHECK_INT(evs[2].kind, S7_EV_REFUSED);
    CHECK_INT(evs[2].rc, 0x0A);
    CHECK_INT(evs[2].db, 99);
    /* odd item then error item: fill after the odd one, none after the last */
    s7_var_spec sp2[2] = {{S7_TS_BYTE, 1, 1, S7_AREA_DB, 0}, {S7_TS_BYTE, 1, 1, S7_AREA_DB, 8}};
    n = s7_read_req_encode(req, sizeof req, 0x1000, sp2, 2);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 1000 0002 000B 0000 04 02 FF 04 0008 00 00 FF 04 0008 01");
    s7_cpu_free(cpu);
}

static void test_item_errors(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-300", &s, 240);
    CHECK_INT(s7_cpu_add_db(cpu, 2, 5, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 3, 100, S7_DB_OPTIMIZED), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 4, 100, S7_DB_READONLY), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 5, 100, 0), 0);
    CHECK_INT(s7_cpu_set_access(cpu, S7_AREA_DB, 5, S7_ACCESS_NONE), 0);
    static const char *e05 = "32 03 0000 0001 0002 0004 0000 04 01 05 00 0000";
    static const char *e0a = "32 03 0000 0001 0002 0004 0000 04 01 0A 00 0000";
    static const char *e03 = "32 03 0000 0001 0002 0004 0000 04 01 03 00 0000";
    static const char *e06 = "32 03 0000 0001 0002 0004 0000 04 01 06 00 0000";
    int r;
    /* DB99 missing (captured frame) */
    r = read1(cpu, &s, 1, S7_AREA_DB, 99, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e0a);
    /* DB2 (5 bytes) read 10 */
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BYTE, 10, 0);
    CHECK_HEX(out, r, e05);
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BYTE, 5, 0);
    CHECK_INT(r, 14 + 4 + 5);
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BIT, 1, 5 * 8);
    CHECK_HEX(out, r, e05);
    /* optimized: 0x05 at every offset, reads and writes, reported as refused */
    nev = 0;
    r = read1(cpu, &s, 1, S7_AREA_DB, 3, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e05);
    CHECK_INT(evs[0].kind, S7_EV_REFUSED);
    r = read1(cpu, &s, 1, S7_AREA_DB, 3, S7_TS_BYTE, 1, 50 * 8);
    CHECK_HEX(out, r, e05);
    uint8_t v[4] = {1, 2, 3, 4};
    r = write1(cpu, &s, 1, S7_AREA_DB, 3, S7_TS_BYTE, 1, 0, v, 1);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 05");
    /* read-only DB: reads fine, writes 0x03 */
    r = read1(cpu, &s, 1, S7_AREA_DB, 4, S7_TS_BYTE, 1, 0);
    CHECK_INT(r, 19);
    nev = 0;
    r = write1(cpu, &s, 1, S7_AREA_DB, 4, S7_TS_BYTE, 2, 0, v, 2);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 03");
    CHECK_INT(evs[0].kind, S7_EV_REFUSED);
    CHECK_INT(evs[0].rc, 0x03);
    /* access NONE: 0x03 both ways */
    r = read1(cpu, &s, 1, S7_AREA_DB, 5, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e03);
    r = write1(cpu, &s, 1, S7_AREA_DB, 5, S7_TS_BYTE, 1, 0, v, 1);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 03");
    /* area access RO on M; every DB NONE */
    CHECK_INT(s7_cpu_set_access(cpu, S7_AREA_M, 0, S7_ACCESS_RO), 0);
    r = read1(cpu, &s, 1, S7_AREA_M, 0, S7_TS_BYTE, 1, 0);
    CHECK_INT(r, 19);
    r = write1(cpu, &s, 1, S7_AREA_M, 0, S7_TS_BYTE, 1, 0, v, 1);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 03");
    CHECK_INT(s7_cpu_set_access(cpu, S7_AREA_DB, 0, S7_ACCESS_NONE), 0);
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e03);
    CHECK_INT(s7_cpu_set_access(cpu, S7_AREA_DB, 0, S7_ACCESS_RW), 0);
    CHECK_INT(s7_cpu_set_access(cpu, S7_AREA_DB, 77, S7_ACCESS_RO), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_set_access(cpu, S7_AREA_M, 0, 9), S7_ERR_INVAL);
    /* BIT count 2, misaligned byte address, count 0 */
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BIT, 2, 0);
    CHECK_HEX(out, r, e05);
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BYTE, 1, 3);
    CHECK_HEX(out, r, e05);
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BYTE, 0, 0);
    CHECK_HEX(out, r, e05);
    /* unknown TS 0x11 and the S7-200 IEC timer: 0x06 */
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, 0x11, 1, 0);
    CHECK_HEX(out, r, e06);
    r = read1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_IEC_TIMER, 1, 0);
    CHECK_HEX(out, r, e06);
    /* areas this CPU has not: L, V, S7-200 SM; DB 0 */
    r = read1(cpu, &s, 1, S7_AREA_L, 0, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e0a);
    r = read1(cpu, &s, 1, S7_AREA_V, 0, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e0a);
    r = read1(cpu, &s, 1, S7_AREA_SM200, 0, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e0a);
    r = read1(cpu, &s, 1, S7_AREA_DB, 0, S7_TS_BYTE, 1, 0);
    CHECK_HEX(out, r, e0a);
    /* past the end of M (1024) */
    r = read1(cpu, &s, 1, S7_AREA_M, 0, S7_TS_WORD, 1, 1023 * 8);
    CHECK_HEX(out, r, e05);
    /* write length mismatch 0x07, unknown data TS 0x06 */
    r = write1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_BYTE, 2, 0, v, 3);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 07");
    r = write1(cpu, &s, 1, S7_AREA_DB, 2, S7_TS_WORD, 2, 0, v, 2);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 07");
    int n =
        (int)t_hex("32 01 0000 0001 000E 0005 05 01 12 0A 10 02 0001 0002 84 000000 00 02 0001 7F",
                   req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 06");
    /* a non-S7ANY item (syntax 0xB0, DBREAD) is well-formed: item 0x05 */
    n = (int)t_hex("32 01 0000 0001 0012 0000 04 02 12 0A 10 02 0001 0002 84 000000 12 02 B0 01",
                   req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 000A 0000 04 02 FF 04 0008 00 00 05 00 0000");

    /* T/C on a 1200: 0x0A */
    s7_cpu_free(cpu);
    cpu = mk("s7-1200", &s, 240);
    s7_cpu_set_put_get(cpu, 1);
    r = read1(cpu, &s, 1, S7_AREA_T, 0, S7_TS_TIMER, 1, 0);
    CHECK_HEX(out, r, e0a);
    r = read1(cpu, &s, 1, S7_AREA_C, 0, S7_TS_COUNTER, 1, 0);
    CHECK_HEX(out, r, e0a);
    CHECK(s7_cpu_mem(cpu, S7_AREA_T, 0, NULL) == NULL);
    s7_cpu_free(cpu);
}

static void test_writes(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-300", &s, 480);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 100, 0), 0);
    uint32_t sz;
    uint8_t *db1 = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    /* the captured write: DB1.DBB20 <- 01 02 03 */
    int n = (int)t_hex(
        "32 01 0000 0D00 000E 0007 05 01 12 0A 10 02 0003 0001 84 0000A0 00 04 0018 01 02 03", req,
        sizeof req);
    int r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0D00 0002 0001 0000 05 01 FF");
    CHECK(db1[20] == 1 && db1[21] == 2 && db1[22] == 3);
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].kind, S7_EV_WRITE);
    CHECK_INT(evs[0].start, 20);
    CHECK_INT(evs[0].len, 3);
    CHECK(evs[0].data && memcmp(evs[0].data, "\1\2\3", 3) == 0);
    /* M1.2 <- 1 (bit), then 0 */
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_M, 0, &sz);
    m[1] = 0x80;
    n = (int)t_hex("32 01 0000 0E00 000E 0005 05 01 12 0A 10 01 0001 0000 83 00000A 00 03 0001 01",
                   req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0E00 0002 0001 0000 05 01 FF");
    CHECK_INT(m[1], 0x84);
    CHECK_INT(evs[1].bit, 2);
    CHECK_INT(evs[1].start, 1);
    uint8_t zero = 0;
    r = write1(cpu, &s, 1, S7_AREA_M, 0, S7_TS_BIT, 1, 10, &zero, 1);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 FF");
    CHECK_INT(m[1], 0x80);
    /* P writes Q */
    uint8_t v = 0x77;
    nev = 0;
    r = write1(cpu, &s, 1, S7_AREA_P, 0, S7_TS_BYTE, 1, 16, &v, 1);
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_Q, 0, &sz)[2], 0x77);
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_I, 0, &sz)[2], 0);
    CHECK_INT(evs[0].area, S7_AREA_Q);
    /* T and C writes */
    uint8_t tv[4] = {0x21, 0x00, 0x00, 0x99};
    r = write1(cpu, &s, 1, S7_AREA_T, 0, S7_TS_TIMER, 2, 3, tv, 4);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 FF");
    CHECK_MEM(s7_cpu_mem(cpu, S7_AREA_T, 0, &sz) + 6, tv, 4);
    r = write1(cpu, &s, 1, S7_AREA_C, 0, S7_TS_COUNTER, 1, 7, tv + 2, 2);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 FF");
    CHECK_MEM(s7_cpu_mem(cpu, S7_AREA_C, 0, &sz) + 14, tv + 2, 2);
    /* values that are not BCD (or a counter above 999, a timer with bits 14-15): 0x03 and
     * nothing written, as a real 315-2 answers Snap7's EF BE / FE CA
     * (snap7_s300_everything.pcapng) */
    static const uint8_t bad_t[3][2] = {{0xEF, 0xBE}, {0x40, 0x00}, {0x00, 0x0A}};
    for (int k = 0; k < 3; k++) {
        r = write1(cpu, &s, 1, S7_AREA_T, 0, S7_TS_TIMER, 1, 3, bad_t[k], 2);
        CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 03");
    }
    CHECK_MEM(s7_cpu_mem(cpu, S7_AREA_T, 0, &sz) + 6, tv, 2);
    static const uint8_t bad_c[3][2] = {{0xFE, 0xCA}, {0x10, 0x00}, {0x00, 0xA0}};
    for (int k = 0; k < 3; k++) {
        r = write1(cpu, &s, 1, S7_AREA_C, 0, S7_TS_COUNTER, 1, 7, bad_c[k], 2);
        CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 03");
    }
    CHECK_MEM(s7_cpu_mem(cpu, S7_AREA_C, 0, &sz) + 14, tv + 2, 2);
    /* 3 items, the 3rd to DB99 (captured: FF FF 0A); odd first item with fill */
    s7_var_spec sp[3] = {{S7_TS_BYTE, 1, 1, S7_AREA_DB, 0},
                         {S7_TS_WORD, 1, 1, S7_AREA_DB, 16},
                         {S7_TS_BYTE, 1, 99, S7_AREA_DB, 0}};
    s7_data_item d[3];
    memset(d, 0, sizeof d);
    d[0].data = (const uint8_t *)"\x55";
    d[0].nbytes = 1;
    d[1].data = (const uint8_t *)"\x66\x67";
    d[1].nbytes = 2;
    d[2].data = (const uint8_t *)"\x01";
    d[2].nbytes = 1;
    n = s7_write_req_encode(req, sizeof req, 0x2000, sp, d, 3);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 2000 0002 0003 0000 05 03 FF FF 0A");
    CHECK(db1[0] == 0x55 && db1[2] == 0x66 && db1[3] == 0x67);
    /* a trailing fill after the last odd item is tolerated (Micro/WIN) */
    n = (int)t_hex(
        "32 01 0000 0001 000E 0006 05 01 12 0A 10 02 0001 0001 84 000020 00 04 0008 44 00", req,
        sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0001 0000 05 01 FF");
    CHECK_INT(db1[4], 0x44);
    /* data items that do not fill the data block: malformed, Ack 0x8404 */
    n = (int)t_hex(
        "32 01 0000 0001 000E 0007 05 01 12 0A 10 02 0001 0001 84 000020 00 04 0008 44 00 00", req,
        sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0001 0000 0000 84 04");
    s7_cpu_free(cpu);
}

/* ---------------------------------------------------------------- the CPU's own writes */

static int nlock, nunlock;
static void app_lock(void *ctx)
{
    (void)ctx;
    nlock++;
}
static void app_unlock(void *ctx)
{
    (void)ctx;
    nunlock++;
}

/* s7_cpu_write: bytes and bits land as a Write Var's do (under the application's lock) and
 * come to the event handler as S7_EV_WRITE without a session, with no S7_EV_DONE; DI names
 * the DB; a range not all in memory, area P and bad arguments are refused untouched. */
static void test_own_writes(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-300", &s, 480);
    CHECK_INT(s7_cpu_add_db(cpu, 7, 10, S7_DB_RETAIN), 0);
    static uint8_t app[4];
    CHECK_INT(s7_cpu_register_area(cpu, S7_AREA_DB, 8, app, sizeof app, app_lock, app_unlock, NULL),
              0);
    uint32_t sz;
    uint8_t *db7 = s7_cpu_mem(cpu, S7_AREA_DB, 7, &sz);
    nev = ndone = 0;
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 6, -1, (const uint8_t *)"\x12\x34\x56\x78", 4), 0);
    CHECK_MEM(db7 + 6, "\x12\x34\x56\x78", 4);
    CHECK_INT(nev, 1);
    CHECK_INT(ndone, 0);
    CHECK_INT(evs[0].kind, S7_EV_WRITE);
    CHECK(evs[0].sess == NULL);
    CHECK_INT(evs[0].area, S7_AREA_DB);
    CHECK_INT(evs[0].db, 7);
    CHECK_INT(evs[0].start, 6);
    CHECK_INT(evs[0].len, 4);
    CHECK_INT(evs[0].rc, S7_RC_OK);
    CHECK_INT(evs[0].ts, S7_TS_BYTE);
    CHECK(evs[0].data && memcmp(evs[0].data, "\x12\x34\x56\x78", 4) == 0);
    /* a bit (an NDR): only that bit changes, from data[0] & 1 */
    db7[1] = 0x81;
    const uint8_t on = 0x03, off = 0x02;
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DI, 7, 1, 4, &on, 1), 0);
    CHECK_INT(db7[1], 0x91);
    CHECK_INT(evs[1].area, S7_AREA_DB);
    CHECK_INT(evs[1].ts, S7_TS_BIT);
    CHECK_INT(evs[1].bit, 4);
    CHECK_INT(evs[1].start, 1);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 1, 0, &off, 1), 0);
    CHECK_INT(db7[1], 0x90);
    /* M and the application's DB (its lock taken once around the write) */
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_M, 0, 1023, -1, &on, 1), 0);
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_M, 0, &sz)[1023], 3);
    CHECK_INT(evs[3].area, S7_AREA_M);
    CHECK_INT(evs[3].db, 0);
    nlock = nunlock = 0;
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 8, 2, -1, (const uint8_t *)"ab", 2), 0);
    CHECK_MEM(app + 2, "ab", 2);
    CHECK_INT(nlock, 1);
    CHECK_INT(nunlock, 1);
    CHECK_INT(nev, 5);
    /* refused: nothing written, nothing reported */
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 8, -1, (const uint8_t *)"xyz", 3), S7_ERR_ADDR);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 11, -1, &on, 1), S7_ERR_ADDR);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 99, 0, -1, &on, 1), S7_ERR_ADDR);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_P, 0, 0, -1, &on, 1), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 0, 8, &on, 1), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 0, 1, (const uint8_t *)"ab", 2), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 0, -1, NULL, 1), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 7, 0, -1, &on, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_write(NULL, S7_AREA_DB, 7, 0, -1, &on, 1), S7_ERR_INVAL);
    CHECK_INT(nev, 5);
    CHECK_MEM(db7 + 8, "\x56\x78", 2);
    CHECK_INT(db7[0], 0);
    s7_cpu_free(cpu);
}

/* ---------------------------------------------------------------- protection, sizes */

static void test_putget_and_sizes(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-1500", &s, 960);
    CHECK(!s7_cpu_put_get(cpu));
    CHECK_INT(s7_cpu_add_db(cpu, 1, 100, 0), 0);
    int r = read1(cpu, &s, 0x0001, S7_AREA_DB, 1, S7_TS_BYTE, 4, 0);
    CHECK_HEX(out, r, "32 02 0000 0001 0000 0000 81 04");
    CHECK_INT(r + 7, 0x13);
    CHECK_INT(nev, 1);
    CHECK_INT(evs[0].kind, S7_EV_REFUSED);
    CHECK_INT(evs[0].err, 0x8104);
    CHECK_INT(evs[0].db, 1);
    uint8_t v = 1;
    r = write1(cpu, &s, 0x0203, S7_AREA_M, 0, S7_TS_BYTE, 1, 0, &v, 1);
    CHECK_HEX(out, r, "32 02 0000 0203 0000 0000 81 04");
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_M, 0, NULL)[0], 0);
    /* even a read of a missing DB or a malformed item list */
    r = read1(cpu, &s, 0x0300, S7_AREA_DB, 999, S7_TS_BYTE, 4, 0);
    CHECK_HEX(out, r, "32 02 0000 0300 0000 0000 81 04");
    int n = (int)t_hex("32 01 0000 0400 0003 0000 04 05 12", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0400 0000 0000 81 04");
    /* userdata still works */
    n = s7_szl_req_encode(req, sizeof req, 0x0500, 0x0424, 0);
    r = run(cpu, &s, n);
    CHECK(r > 0 && out[1] == S7_USERDATA);
    /* permitted: data */
    s7_cpu_set_put_get(cpu, 1);
    r = read1(cpu, &s, 0x0001, S7_AREA_DB, 1, S7_TS_BYTE, 4, 0);
    CHECK_HEX(out, r, "32 03 0000 0001 0002 0008 0000 04 01 FF 04 0020 00 00 00 00");

    /* reply larger than the PDU (960): 943 bytes -> 85 00; 942 fits */
    CHECK_INT(s7_cpu_add_db(cpu, 2, 2000, 0), 0);
    r = read1(cpu, &s, 0x0600, S7_AREA_DB, 2, S7_TS_BYTE, 943, 0);
    CHECK_HEX(out, r, "32 02 0000 0600 0000 0000 85 00");
    r = read1(cpu, &s, 0x0600, S7_AREA_DB, 2, S7_TS_BYTE, 942, 0);
    CHECK_INT(r, 960);
    /* two 512-byte items (the Snap7 server answered 1046 bytes) */
    s7_var_spec two[2] = {{S7_TS_BYTE, 512, 2, S7_AREA_DB, 0}, {S7_TS_BYTE, 512, 2, S7_AREA_DB, 0}};
    n = s7_read_req_encode(req, sizeof req, 0x0700, two, 2);
    nev = 0;
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0700 0000 0000 85 00");
    CHECK_INT(nev, 2);
    CHECK_INT(evs[1].err, 0x8500);
    /* a request larger than the PDU: 80 items = 972 bytes */
    static s7_var_spec many[80];
    for (int i = 0; i < 80; i++)
        many[i] = (s7_var_spec){S7_TS_BYTE, 1, 2, S7_AREA_DB, 0};
    n = s7_read_req_encode(req, sizeof req, 0x0800, many, 80);
    CHECK_INT(n, 972);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0800 0000 0000 85 00");
    /* 79 items fit both ways, no item cap */
    n = s7_read_req_encode(req, sizeof req, 0x0900, many, 79);
    r = run(cpu, &s, n);
    CHECK_INT(r, 14 + 79 * 6 - 1);
    CHECK_INT(out[13], 79);
    /* write request over the PDU */
    static uint8_t big[1000];
    r = write1(cpu, &s, 0x0A00, S7_AREA_DB, 2, S7_TS_BYTE, 933, 0, big, 933);
    CHECK_HEX(out, r, "32 02 0000 0A00 0000 0000 85 00");
    r = write1(cpu, &s, 0x0A00, S7_AREA_DB, 2, S7_TS_BYTE, 932, 0, big, 932);
    CHECK_HEX(out, r, "32 03 0000 0A00 0002 0001 0000 05 01 FF");
    s7_cpu_free(cpu);

    /* 1200 at 240: 19 items is the most a request holds; 222 data bytes per reply */
    cpu = mk("s7-1200", &s, 240);
    s7_cpu_set_put_get(cpu, 1);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 1000, 0), 0);
    r = read1(cpu, &s, 1, S7_AREA_DB, 1, S7_TS_BYTE, 222, 0);
    CHECK_INT(r, 240);
    r = read1(cpu, &s, 1, S7_AREA_DB, 1, S7_TS_BYTE, 223, 0);
    CHECK_HEX(out, r, "32 02 0000 0001 0000 0000 85 00");
    s7_cpu_free(cpu);
}

static void test_malformed(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-300", &s, 240);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 100, 0), 0);
    /* a malformed header: an error (the engine closes the connection) */
    const char *bad[] = {
        "32 01 0000 0001 000E 0000 04 01 12 0A 10 02 0001 0001 84 0000",   /* header lies */
        "33 01 0000 0001 000E 0000 04 01 12 0A 10 02 0001 0001 84 000000", /* protocol id */
        "32 03 0000 0001 0002 0000 0000 04 01",                            /* an Ack_Data */
        "32 01 00",                                                        /* truncated */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int n = (int)t_hex(bad[i], req, sizeof req);
        int r = run(cpu, &s, n);
        CHECK(r < 0);
        if (r >= 0)
            fprintf(stderr, "  case %zu answered %d bytes\n", i, r);
    }
    /* a well-framed Job whose parameter or data does not parse: Ack 0x8404, and the
     * session goes on */
    const char *badparam[] = {
        "32 01 0000 0001 000E 0000 04 02 12 0A 10 02 0001 0001 84 000000", /* count 2, one item */
        "32 01 0000 0001 0002 0000 04 00",                                 /* count 0 */
        "32 01 0000 0001 000E 0000 04 01 11 0A 10 02 0001 0001 84 000000", /* spec type 0x11 */
        "32 01 0000 0001 000E 0001 04 01 12 0A 10 02 0001 0001 84 000000 00", /* read with data */
        "32 01 0000 0001 0000 0000",                                          /* no parameter */
        "32 01 0000 0001 000E 0005 05 01 12 0A 10 02 0001 0001 84 000000 00 04 0010 01", /* data short */
        "32 01 0000 0001 000F 0000 29 00 00 00 00 00 09 50 5F 50 52 4F 47 52 41", /* stop, name short */
    };
    for (size_t i = 0; i < sizeof badparam / sizeof badparam[0]; i++) {
        int n = (int)t_hex(badparam[i], req, sizeof req);
        int r = run(cpu, &s, n);
        CHECK_HEX(out, r, "32 02 0000 0001 0000 0000 84 04");
    }
    CHECK_INT(read1(cpu, &s, 7, S7_AREA_DB, 1, S7_TS_BYTE, 1, 0), 14 + 5);
    /* every truncated prefix of a good request fails cleanly */
    s7_var_spec sp = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    int n = s7_read_req_encode(req, sizeof req, 1, &sp, 1);
    for (int k = 0; k < n; k++)
        CHECK(s7_cpu_handle(cpu, &s, req, (size_t)k, out, sizeof out) < 0);
    CHECK_INT(s7_cpu_handle(cpu, &s, req, (size_t)n, out, 11), S7_ERR_NOSPACE);
    s7_cpu_free(cpu);
}

/* ---------------------------------------------------------------- control, others */

static void test_control(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_cpu_on_event(cpu, on_ev, NULL);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 10, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 2, 10, S7_DB_RETAIN), 0);
    uint32_t sz;
    uint8_t *db1 = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    uint8_t *db2 = s7_cpu_mem(cpu, S7_AREA_DB, 2, &sz);
    db1[0] = 0x11; /* before the first request: the initial value */
    db2[0] = 0x22;
    s7__cpu_session_init(&s);
    s7_setup su = {1, 1, 240};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    run(cpu, &s, n); /* first request: images taken */
    nev = 0;
    db1[0] = 0x99;
    db2[0] = 0x98;
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_RUN);
    n = s7_plc_stop_req_encode(req, sizeof req, 0x1C00);
    int r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 1C00 0001 0000 0000 29");
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_STOP);
    CHECK_INT(evs[0].kind, S7_EV_CONTROL);
    CHECK_INT(evs[0].ctrl, S7_CTRL_STOP);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 1C00 0002 0000 0000 29 07");
    /* hot start keeps data */
    n = s7_plc_start_req_encode(req, sizeof req, 0x1D00, S7_START_HOT);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 1D00 0001 0000 0000 28");
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_RUN);
    CHECK_INT(db1[0], 0x99);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 1D00 0002 0000 0000 28 03");
    /* cold start from STOP restores the non-retentive DB */
    n = s7_plc_stop_req_encode(req, sizeof req, 1);
    run(cpu, &s, n);
    n = s7_plc_start_req_encode(req, sizeof req, 0x1E00, S7_START_COLD);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 1E00 0001 0000 0000 28");
    CHECK_INT(db1[0], 0x11);
    CHECK_INT(db2[0], 0x98);
    CHECK_INT(evs[nev - 1].ctrl, S7_CTRL_COLD_START);
    /* compress (_GARB) and copy RAM to ROM (_MODU): Ack_Data 28 as a real 315-2
     * (snap7_s300_everything.pcapng, step7_s300_copyRamToRom.pcapng) */
    n = (int)t_hex("32 01 0000 0001 0010 0000 28 00 00 00 00 00 00 FD 0000 05 5F 47 41 52 42", req,
                   sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 0001 0001 0000 0000 28");
    CHECK(evs[nev - 1].kind == S7_EV_CONTROL && evs[nev - 1].ctrl == S7_CTRL_OTHER);
    n = (int)t_hex("32 01 0000 001d 0012 0000 28 00 00 00 00 00 00 fd 0002 45 50 05 5f 4d 4f 44 55",
                   req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 03 0000 001D 0001 0000 0000 28");
    /* other PI services: 81 04 */
    n = (int)t_hex("32 01 0000 0001 0010 0000 28 00 00 00 00 00 00 FD 0000 05 5F 58 58 58 58", req,
                   sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0001 0000 0000 81 04");
    /* _DELE without a block named: the parameter does not parse (84 04) */
    n = (int)t_hex("32 01 0000 0001 0010 0000 28 00 00 00 00 00 00 FD 0000 05 5F 44 45 4C 45", req,
                   sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0001 0000 0000 84 04");
    /* upload of a block the CPU does not have: D2 0C, as a 315-2 answers for OB0
     * (snap7_s300_everything.pcapng); an upload Job without a start: D2 09 */
    n = (int)t_hex("32 01 0000 00B1 0012 0000 1D 00 0000 00000000 09 5F 30 41 30 30 30 37 37 41",
                   req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 00B1 0000 0000 D2 0C");
    n = (int)t_hex("32 01 0000 0001 0008 0000 1F 00 0000 00000001", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0001 0000 0000 D2 09");
    /* unknown function 0x33 -> 81 00 on a 300 */
    n = (int)t_hex("32 01 0000 0042 0002 0000 33 00", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0042 0000 0000 81 00");
    s7_cpu_free(cpu);

    /* 1500: control, upload and unknown functions -> 81 04 */
    cpu = mk("s7-1500", &s, 960);
    s7_cpu_set_put_get(cpu, 1);
    n = s7_plc_stop_req_encode(req, sizeof req, 0x1C00);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 1C00 0000 0000 81 04");
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_RUN);
    CHECK_INT(evs[0].kind, S7_EV_REFUSED);
    CHECK_INT(evs[0].err, 0x8104);
    n = (int)t_hex("32 01 0000 00B1 0012 0000 1D 00 0000 00000000 09 5F 30 41 30 30 30 30 31 41",
                   req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 00B1 0000 0000 81 04");
    n = (int)t_hex("32 01 0000 0042 0002 0000 33 00", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "32 02 0000 0042 0000 0000 81 04");
    s7_cpu_free(cpu);
}

/* DBREAD (syntax id 0xB0): WinCC's request to an S7-400 and the real CPU's answer's layout
 * (tests/vectors/real/wincc_s400_production.pcapng: 2 bytes of DB74 @108, 4 of DB76 @404, 2
 * of DB81 @60 -> FF 09 000B, FF + 2 bytes, FF + 4, FF + 2); a range past its DB and one of
 * a missing DB fail alone; an odd item is followed by a fill byte when another comes. */
static void test_dbread(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-400", &s, 480);
    CHECK_INT(s7_cpu_add_db(cpu, 74, 200, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 76, 500, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 81, 100, 0), 0);
    uint32_t sz;
    s7_cpu_mem(cpu, S7_AREA_DB, 74, &sz)[108] = 0x04;
    s7_cpu_mem(cpu, S7_AREA_DB, 74, &sz)[109] = 0x0A;
    memcpy(s7_cpu_mem(cpu, S7_AREA_DB, 76, &sz) + 404, "\x05\x44\x05\x3E", 4);
    s7_cpu_mem(cpu, S7_AREA_DB, 81, &sz)[61] = 0x0A;
    int n = (int)t_hex("320100000d000015000004011211b00302004a006c04004c0194020051003c", req,
                       sizeof req);
    nev = 0;
    int r = run(cpu, &s, n);
    CHECK_HEX(out, r, "320300000d000002000f00000401ff09000bff040aff0544053eff000a");
    CHECK_INT(nev, 3); /* each range reported as a read of its DB */
    CHECK(evs[1].kind == S7_EV_READ && evs[1].db == 76 && evs[1].start == 404 && evs[1].len == 4);
    /* DB81 @99 (2 bytes: past its end) and DB99 (missing): their codes, no bytes; then a
     * second item: the first gets a fill byte */
    n = (int)t_hex("32010000 0e00 0021 0000 0402 1211b003 02004a006c 020051 0063 020063 0000"
                   "120a10020001004a84000000",
                   req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "320300000e000002000f00000402ff090005ff040a050a 00 ff040008 00");
    /* a malformed DBREAD block (count disagrees with the length): item 0x05 */
    n = (int)t_hex("320100000f00000d000004011209b00202004a006c0200", req, sizeof req);
    r = run(cpu, &s, n);
    CHECK_HEX(out, r, "320300000f000002000400000401 05000000");
    s7_cpu_free(cpu);
}

int main(void)
{
    test_setup();
    test_read_areas();
    test_item_errors();
    test_writes();
    test_putget_and_sizes();
    test_malformed();
    test_control();
    test_dbread();
    test_own_writes();
    return t_done();
}
