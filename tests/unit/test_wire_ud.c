/* Unit tests of the Userdata codec (wire/userdata.c, wire/clock.c) against golden frames
 * from the Snap7 loopback capture (shared/vectors/snap7-loopback.pcap, frame numbers
 * given) and docs/s7-protocol.md section 6: SZL requests and replies (0x0011 with its
 * records, 0x0131, 0x0424, the D402 unknown-SZL reply), the continuation request, clock
 * read/set, block list/info and password.  Decode to exact fields, encode back byte for
 * byte, truncated prefixes and corrupted variants. */
#include <stdint.h>
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static uint8_t encbuf[4096];

typedef int (*sub_fn)(const s7_pdu *p);

/* Load a frame (hex) into f, check stream prefixes, decode frame and PDU, and feed
 * truncated parameter/data blocks to sub.  Returns the frame length. */
static size_t load(const char *hex, uint8_t *f, size_t cap, s7_pdu *pdu, sub_fn sub)
{
    size_t n = t_hex(hex, f, cap);
    s7_cotp t;
    int again = 0;
    for (size_t k = 0; k < n; k++)
        again += s7_frame_decode(f, k, &t) == S7_AGAIN;
    CHECK_INT(again, n);
    CHECK_INT(s7_frame_decode(f, n, &t), n);
    CHECK_INT(t.code, S7_COTP_DT);
    int bad = 0;
    for (size_t k = 0; k < t.user_len; k++)
        bad += s7_pdu_decode(t.user, k, pdu) == S7_ERR_S7HDR;
    CHECK_INT(bad, t.user_len);
    CHECK_INT(s7_pdu_decode(t.user, t.user_len, pdu), t.user_len);
    CHECK_INT(pdu->rosctr, S7_USERDATA);
    if (sub) {
        CHECK(sub(pdu) >= 0);
        int neg = 0, total = 0;
        for (uint16_t k = 0; k < pdu->param_len; k++, total++) {
            s7_pdu q = *pdu;
            q.param_len = k;
            neg += sub(&q) < 0;
        }
        for (uint16_t k = 0; k < pdu->data_len; k++, total++) {
            s7_pdu q = *pdu;
            q.data_len = k;
            neg += sub(&q) < 0;
        }
        CHECK_INT(neg, total);
    }
    return n;
}

static int sub_ud(const s7_pdu *p)
{
    s7_ud u;
    return s7_ud_decode(p, &u);
}

/* Userdata + SZL header of the first reply part. */
static int sub_szl(const s7_pdu *p)
{
    s7_ud u;
    s7_szl_hdr h;
    int r = s7_ud_decode(p, &u);
    if (r < 0)
        return r;
    return s7_szl_hdr_decode(u.payload, u.plen, &h);
}

static int sub_clock(const s7_pdu *p)
{
    s7_ud u;
    s7_datetime t;
    int r = s7_ud_decode(p, &u);
    if (r < 0)
        return r;
    return s7_clock_payload_decode(u.payload, u.plen, &t);
}

static void ud_eq(const s7_ud *u, uint8_t method, uint8_t type, uint8_t group, uint8_t subfn,
                  uint8_t seq, uint8_t rc, uint8_t dts, uint16_t plen)
{
    CHECK_INT(u->method, method);
    CHECK_INT(u->type, type);
    CHECK_INT(u->group, group);
    CHECK_INT(u->subfn, subfn);
    CHECK_INT(u->seq, seq);
    CHECK_INT(u->rc, rc);
    CHECK_INT(u->dts, dts);
    CHECK_INT(u->plen, plen);
}

/* Decode a userdata frame and encode it back from the decoded fields. */
static void roundtrip(const uint8_t *f, size_t n, const s7_pdu *p, const s7_ud *u)
{
    CHECK_ENC(f + 7, n - 7, s7_ud_encode(ob, oc, p->ref, u));
}

static void test_szl_0011(void)
{
    static uint8_t f[64], g[256];
    s7_pdu p;
    s7_ud u;
    /* request (frame 37) */
    size_t n = load(
        "03 00 00 21 02 F0 80 32 07 00 00 11 00 00 08 00 08 00 01 12 04 11 44 01 00 FF 09 00 04 "
        "00 11 00 00",
        f, sizeof f, &p, sub_ud);
    CHECK_INT(n, 33);
    CHECK_INT(p.ref, 0x1100);
    CHECK_INT(s7_ud_decode(&p, &u), 16);
    ud_eq(&u, 0x11, S7_UD_TYPE_REQ, S7_UD_GRP_CPU, S7_UD_SZL_READ, 0, 0xFF, 0x09, 4);
    CHECK_MEM(u.payload, "\x00\x11\x00\x00", 4);
    CHECK_ENC(f + 7, 26, s7_szl_req_encode(ob, oc, 0x1100, 0x0011, 0x0000));
    roundtrip(f, n, &p, &u);

    /* reply (frame 38): 4 records of 28 bytes */
    n = load(
        "03 00 00 99 02 F0 80 32 07 00 00 11 00 00 0C 00 7C 00 01 12 08 12 84 01 00 00 00 00 00 FF "
        "09 "
        "00 78 00 11 00 00 00 1C 00 04 00 01 36 45 53 37 20 33 31 35 2D 32 45 48 31 34 2D 30 41 42 "
        "30 "
        "20 00 C0 00 04 00 01 00 06 36 45 53 37 20 33 31 35 2D 32 45 48 31 34 2D 30 41 42 30 20 00 "
        "C0 "
        "00 04 00 01 00 07 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 20 00 C0 56 03 "
        "02 "
        "06 00 81 42 6F 6F 74 20 4C 6F 61 64 65 72 20 20 20 20 20 20 20 20 20 00 00 41 20 09 09",
        g, sizeof g, &p, sub_szl);
    CHECK_INT(n, 153);
    CHECK_INT(s7_ud_decode(&p, &u), 12 + 124);
    ud_eq(&u, 0x12, S7_UD_TYPE_RESP, S7_UD_GRP_CPU, S7_UD_SZL_READ, 0, 0xFF, 0x09, 0x78);
    CHECK_INT(u.dur, 0);
    CHECK_INT(u.last, 0);
    CHECK_INT(u.err, 0);
    s7_szl_hdr h;
    CHECK_INT(s7_szl_hdr_decode(u.payload, u.plen, &h), 8);
    CHECK_INT(h.id, 0x0011);
    CHECK_INT(h.index, 0x0000);
    CHECK_INT(h.rec_len, 28);
    CHECK_INT(h.rec_count, 4);
    CHECK_INT(8 + h.rec_len * h.rec_count, u.plen);
    const uint8_t *rec = u.payload + 8;
    /* record 1: index 0001, MlfB, BGTyp 00C0, Ausbg 0004, Ausbe 0001 */
    CHECK_MEM(rec, "\x00\x01", 2);
    CHECK_MEM(rec + 2, "6ES7 315-2EH14-0AB0 ", 20);
    CHECK_MEM(rec + 22, "\x00\xC0\x00\x04\x00\x01", 6);
    CHECK_MEM(rec + 28, "\x00\x06", 2);
    /* record 3: index 0007, firmware V3.2.6 in Ausbg/Ausbe */
    CHECK_MEM(rec + 56, "\x00\x07", 2);
    CHECK_MEM(rec + 56 + 22, "\x00\xC0\x56\x03\x02\x06", 6);
    /* record 4: boot loader */
    CHECK_MEM(rec + 84, "\x00\x81", 2);
    CHECK_MEM(rec + 86, "Boot Loader", 11);
    CHECK_ENC(u.payload, 8, s7_szl_hdr_encode(ob, oc, &h));
    roundtrip(g, n, &p, &u);
    /* the same reply built from fields */
    s7_ud e;
    memset(&e, 0, sizeof e);
    e.method = 0x12;
    e.type = S7_UD_TYPE_RESP;
    e.group = S7_UD_GRP_CPU;
    e.subfn = S7_UD_SZL_READ;
    e.rc = S7_RC_OK;
    e.dts = S7_DTS_OCTET;
    e.payload = u.payload;
    e.plen = u.plen;
    CHECK_ENC(g + 7, n - 7, s7_ud_encode(ob, oc, 0x1100, &e));
}

static void test_szl_others(void)
{
    static uint8_t f[64], g[128];
    s7_pdu p;
    s7_ud u;
    s7_szl_hdr h;
    /* 0x0131 index 1 (frames 41/42) */
    load("03 00 00 21 02 F0 80 32 07 00 00 13 00 00 08 00 08 00 01 12 04 11 44 01 00 FF 09 00 04 "
         "01 31 00 01",
         f, sizeof f, &p, sub_ud);
    CHECK_ENC(f + 7, 26, s7_szl_req_encode(ob, oc, 0x1300, 0x0131, 0x0001));
    size_t n = load(
        "03 00 00 51 02 F0 80 32 07 00 00 13 00 00 0C 00 34 00 01 12 08 12 84 01 00 00 00 00 00 "
        "FF 09 00 30 01 31 00 01 00 28 00 01 00 01 08 00 04 00 00 B7 1B 00 00 02 DC 6C 05 F5 E1 "
        "00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00",
        g, sizeof g, &p, sub_szl);
    CHECK_INT(s7_ud_decode(&p, &u), 12 + 0x34);
    CHECK_INT(s7_szl_hdr_decode(u.payload, u.plen, &h), 8);
    CHECK_INT(h.id, 0x0131);
    CHECK_INT(h.index, 1);
    CHECK_INT(h.rec_len, 40);
    CHECK_INT(h.rec_count, 1);
    CHECK_MEM(u.payload + 8, "\x00\x01\x08\x00\x04\x00", 6); /* index 1, pdu 2048, anz 1024 */
    roundtrip(g, n, &p, &u);

    /* 0x0424 CPU state (frames 43/44): RUN (bzu-id 0x?8) */
    load("03 00 00 21 02 F0 80 32 07 00 00 14 00 00 08 00 08 00 01 12 04 11 44 01 00 FF 09 00 04 "
         "04 24 00 00",
         f, sizeof f, &p, sub_ud);
    CHECK_ENC(f + 7, 26, s7_szl_req_encode(ob, oc, 0x1400, 0x0424, 0x0000));
    n = load(
        "03 00 00 3D 02 F0 80 32 07 00 00 14 00 00 0C 00 20 00 01 12 08 12 84 01 00 00 00 00 00 FF "
        "09 "
        "00 1C 04 24 00 00 00 14 00 01 51 44 FF 08 00 00 00 00 00 00 00 00 26 11 21 07 17 56 00 06",
        g, sizeof g, &p, sub_szl);
    CHECK_INT(s7_ud_decode(&p, &u), 12 + 0x20);
    CHECK_INT(s7_szl_hdr_decode(u.payload, u.plen, &h), 8);
    CHECK_INT(h.id, 0x0424);
    CHECK_INT(h.rec_len, 20);
    CHECK_INT(h.rec_count, 1);
    CHECK_INT(u.payload[8 + 3] & 0x0F, 0x08);
    roundtrip(g, n, &p, &u);

    /* unknown SZL 0x9999 (frames 45/46): param error D402, data 0A 00 0000 */
    load("03 00 00 21 02 F0 80 32 07 00 00 15 00 00 08 00 08 00 01 12 04 11 44 01 00 FF 09 00 04 "
         "99 99 00 00",
         f, sizeof f, &p, sub_ud);
    CHECK_ENC(f + 7, 26, s7_szl_req_encode(ob, oc, 0x1500, 0x9999, 0x0000));
    n = load("03 00 00 21 02 F0 80 32 07 00 00 15 00 00 0C 00 04 00 01 12 08 12 84 01 00 00 00 D4 "
             "02 0A 00 00 00",
             g, sizeof g, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 16);
    ud_eq(&u, 0x12, S7_UD_TYPE_RESP, S7_UD_GRP_CPU, S7_UD_SZL_READ, 0, 0x0A, 0x00, 0);
    CHECK_INT(u.err, 0xD402);
    CHECK(u.payload == NULL);
    CHECK_INT(s7_szl_hdr_decode(u.payload, u.plen, &h), S7_ERR_PARAM);
    roundtrip(g, n, &p, &u);
    s7_ud e;
    memset(&e, 0, sizeof e);
    e.method = 0x12;
    e.type = S7_UD_TYPE_RESP;
    e.group = S7_UD_GRP_CPU;
    e.subfn = 1;
    e.err = 0xD402;
    e.rc = S7_RC_NOT_FOUND;
    e.dts = 0x09; /* not written for an error item */
    e.plen = 3;   /* idem */
    CHECK_ENC(g + 7, n - 7, s7_ud_encode(ob, oc, 0x1500, &e));
}

/* Continuation request (docs 6.3) and a fragmented first reply (last data unit = 1). */
static void test_szl_continuation(void)
{
    static uint8_t f[64], g[64];
    s7_pdu p;
    s7_ud u;
    size_t n = load(
        "03 00 00 21 02 F0 80 | 32 07 0000 1600 000C 0004 | 00 01 12 08 12 44 01 05 00 00 00 00 | "
        "0A 00 00 00",
        f, sizeof f, &p, sub_ud);
    CHECK_INT(n, 33);
    CHECK_INT(s7_ud_decode(&p, &u), 16);
    ud_eq(&u, 0x12, S7_UD_TYPE_REQ, S7_UD_GRP_CPU, S7_UD_SZL_READ, 5, 0x0A, 0, 0);
    CHECK_INT(u.last, 0);
    CHECK_ENC(f + 7, 26, s7_szl_next_req_encode(ob, oc, 0x1600, 5));
    roundtrip(f, n, &p, &u);

    n = load(
        "03 00 00 29 02 F0 80 | 32 07 0000 1600 000C 000C | 00 01 12 08 12 84 01 05 01 01 00 00 | "
        "FF 09 00 08 00 11 00 00 00 1C 00 09",
        g, sizeof g, &p, sub_szl);
    CHECK_INT(s7_ud_decode(&p, &u), 24);
    CHECK_INT(u.seq, 5);
    CHECK_INT(u.dur, 1);
    CHECK_INT(u.last, 1);
    s7_szl_hdr h;
    CHECK_INT(s7_szl_hdr_decode(u.payload, u.plen, &h), 8);
    CHECK_INT(h.rec_count, 9);
    roundtrip(g, n, &p, &u);
}

static void test_clock(void)
{
    static uint8_t f[64], g[64];
    s7_pdu p;
    s7_ud u;
    s7_datetime t;
    /* read request (frame 51) */
    size_t n = load(
        "03 00 00 1D 02 F0 80 32 07 00 00 18 00 00 08 00 04 00 01 12 04 11 47 01 00 0A 00 00 00", f,
        sizeof f, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 12);
    ud_eq(&u, 0x11, S7_UD_TYPE_REQ, S7_UD_GRP_TIME, S7_UD_CLOCK_READ, 0, 0x0A, 0, 0);
    CHECK_ENC(f + 7, n - 7, s7_clock_read_req_encode(ob, oc, 0x1800));
    roundtrip(f, n, &p, &u);

    /* read reply (frame 52): 2026-11-21 07:17:56.000, weekday sent as 6 by Snap7 */
    n = load("03 00 00 2B 02 F0 80 32 07 00 00 18 00 00 0C 00 0E 00 01 12 08 12 87 01 00 00 00 00 "
             "00 FF 09 00 "
             "0A 00 20 26 11 21 07 17 56 00 06",
             g, sizeof g, &p, sub_clock);
    CHECK_INT(s7_ud_decode(&p, &u), 26);
    ud_eq(&u, 0x12, S7_UD_TYPE_RESP, S7_UD_GRP_TIME, S7_UD_CLOCK_READ, 0, 0xFF, 0x09, 10);
    CHECK_INT(s7_clock_payload_decode(u.payload, u.plen, &t), 10);
    CHECK_INT(t.year, 2026);
    CHECK_INT(t.month, 11);
    CHECK_INT(t.day, 21);
    CHECK_INT(t.hour, 7);
    CHECK_INT(t.min, 17);
    CHECK_INT(t.sec, 56);
    CHECK_INT(t.msec, 0);
    CHECK_INT(t.wday, 6);
    uint8_t pl[10];
    CHECK_INT(s7_clock_payload_encode(pl, &t), 10);
    CHECK_MEM(pl, u.payload, 10);
    roundtrip(g, n, &p, &u);
    /* the payload length must be 10 */
    CHECK_INT(s7_clock_payload_decode(u.payload, 9, &t), S7_ERR_PARAM);
    CHECK_INT(s7_clock_payload_decode(u.payload, 11, &t), S7_ERR_PARAM);
    /* a non-BCD digit */
    uint8_t badp[10];
    memcpy(badp, u.payload, 10);
    badp[3] = 0x1A;
    CHECK_INT(s7_clock_payload_decode(badp, 10, &t), S7_ERR_VALUE);

    /* set request (frame 53): 2024-01-02 03:04:05.000 Tuesday (3); the Snap7 client writes
     * year-high 0x19 whatever the year, our encoder writes the real century 0x20 */
    n = load("03 00 00 27 02 F0 80 32 07 00 00 19 00 00 08 00 0E 00 01 12 04 11 47 02 00 FF 09 00 "
             "0A 00 19 24 "
             "01 02 03 04 05 00 03",
             f, sizeof f, &p, sub_clock);
    CHECK_INT(s7_ud_decode(&p, &u), 22);
    ud_eq(&u, 0x11, S7_UD_TYPE_REQ, S7_UD_GRP_TIME, S7_UD_CLOCK_SET, 0, 0xFF, 0x09, 10);
    CHECK_INT(s7_clock_payload_decode(u.payload, u.plen, &t), 10);
    CHECK_INT(t.year, 2024);
    CHECK_INT(t.month, 1);
    CHECK_INT(t.day, 2);
    CHECK_INT(t.hour, 3);
    CHECK_INT(t.min, 4);
    CHECK_INT(t.sec, 5);
    CHECK_INT(t.wday, 3);
    roundtrip(f, n, &p, &u);
    uint8_t want[64];
    memcpy(want, f + 7, n - 7);
    want[10 + 8 + 4 + 1] = 0x20;
    CHECK_ENC(want, n - 7, s7_clock_set_req_encode(ob, oc, 0x1900, &t));
    t.wday = 0; /* computed from the date */
    CHECK_ENC(want, n - 7, s7_clock_set_req_encode(ob, oc, 0x1900, &t));
    t.year = 1999;
    t.month = 12;
    t.day = 31;
    CHECK_INT(s7_clock_payload_encode(pl, &t), 10);
    CHECK_MEM(pl, "\x00\x19\x99\x12\x31\x03\x04\x05\x00\x06", 10);
    t.month = 13;
    CHECK_INT(s7_clock_set_req_encode(encbuf, sizeof encbuf, 0, &t), S7_ERR_VALUE);

    /* set reply (frame 54) */
    n = load("03 00 00 21 02 F0 80 32 07 00 00 19 00 00 0C 00 04 00 01 12 08 12 87 02 00 00 00 00 "
             "00 0A 00 00 00",
             g, sizeof g, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 16);
    ud_eq(&u, 0x12, S7_UD_TYPE_RESP, S7_UD_GRP_TIME, S7_UD_CLOCK_SET, 0, 0x0A, 0, 0);
    roundtrip(g, n, &p, &u);
}

/* Block functions and security (frames 55..58, 65..68). */
static void test_blocks_security(void)
{
    static uint8_t f[128];
    s7_pdu p;
    s7_ud u;
    size_t n = load(
        "03 00 00 1D 02 F0 80 32 07 00 00 1A 00 00 08 00 04 00 01 12 04 11 43 01 00 0A 00 00 00", f,
        sizeof f, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 12);
    ud_eq(&u, 0x11, S7_UD_TYPE_REQ, S7_UD_GRP_BLOCK, 0x01, 0, 0x0A, 0, 0);
    roundtrip(f, n, &p, &u);
    n = load(
        "03 00 00 3D 02 F0 80 32 07 00 00 1A 00 00 0C 00 20 00 01 12 08 12 83 01 00 00 00 00 00 FF "
        "09 00 "
        "1C 30 38 00 00 30 45 00 00 30 43 00 00 30 41 00 02 30 42 00 00 30 44 00 00 30 46 00 00",
        f, sizeof f, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 44);
    ud_eq(&u, 0x12, S7_UD_TYPE_RESP, S7_UD_GRP_BLOCK, 0x01, 0, 0xFF, 0x09, 28);
    CHECK_MEM(u.payload + 12, "\x30\x41\x00\x02", 4); /* 2 DBs */
    roundtrip(f, n, &p, &u);
    n = load("03 00 00 25 02 F0 80 32 07 00 00 1B 00 00 08 00 0C 00 01 12 04 11 43 03 00 FF 09 00 "
             "08 30 41 30 30 "
             "30 30 31 41",
             f, sizeof f, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 20);
    ud_eq(&u, 0x11, S7_UD_TYPE_REQ, S7_UD_GRP_BLOCK, 0x03, 0, 0xFF, 0x09, 8);
    CHECK_MEM(u.payload, "0A00001A", 8);
    roundtrip(f, n, &p, &u);
    /* password "abc" (frame 65) and its reply, cancel password (frames 67/68) */
    n = load("03 00 00 25 02 F0 80 32 07 00 00 1F 00 00 08 00 0C 00 01 12 04 11 45 01 00 FF 09 00 "
             "08 34 37 02 42 "
             "77 37 02 42",
             f, sizeof f, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 20);
    ud_eq(&u, 0x11, S7_UD_TYPE_REQ, S7_UD_GRP_SECURITY, 0x01, 0, 0xFF, 0x09, 8);
    roundtrip(f, n, &p, &u);
    n = load("03 00 00 21 02 F0 80 32 07 00 00 1F 00 00 0C 00 04 00 01 12 08 12 85 01 00 00 00 00 "
             "00 0A 00 00 00",
             f, sizeof f, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 16);
    roundtrip(f, n, &p, &u);
    n = load(
        "03 00 00 1D 02 F0 80 32 07 00 00 20 00 00 08 00 04 00 01 12 04 11 45 02 00 0A 00 00 00", f,
        sizeof f, &p, sub_ud);
    CHECK_INT(s7_ud_decode(&p, &u), 12);
    ud_eq(&u, 0x11, S7_UD_TYPE_REQ, S7_UD_GRP_SECURITY, 0x02, 0, 0x0A, 0, 0);
    roundtrip(f, n, &p, &u);
}

static void test_corrupt(void)
{
    uint8_t b[64];
    s7_pdu p;
    s7_ud u;
    size_t n;
#define UD_BAD(hex)                                    \
    do {                                               \
        n = t_hex(hex, b, sizeof b);                   \
        CHECK_INT(s7_pdu_decode(b, n, &p), n);         \
        CHECK_INT(s7_ud_decode(&p, &u), S7_ERR_PARAM); \
    } while (0)
    /* param length byte lies */
    UD_BAD("32 07 0000 1100 0008 0008 00 01 12 08 11 44 01 00 FF 09 00 04 00 11 00 00");
    /* method 0x12 in the 8-byte form, 0x11 in the 12-byte form */
    UD_BAD("32 07 0000 1100 0008 0008 00 01 12 04 12 44 01 00 FF 09 00 04 00 11 00 00");
    UD_BAD("32 07 0000 1600 000C 0004 00 01 12 08 11 44 01 05 00 00 00 00 0A 00 00 00");
    /* parameter head not 00 01 12 */
    UD_BAD("32 07 0000 1100 0008 0008 00 02 12 04 11 44 01 00 FF 09 00 04 00 11 00 00");
    /* data length field lies (too long, too short) */
    UD_BAD("32 07 0000 1100 0008 0008 00 01 12 04 11 44 01 00 FF 09 00 05 00 11 00 00");
    UD_BAD("32 07 0000 1100 0008 0008 00 01 12 04 11 44 01 00 FF 09 00 03 00 11 00 00");
    /* no data item at all */
    UD_BAD("32 07 0000 1100 0008 0000 00 01 12 04 11 44 01 00");
    /* a 10-byte parameter */
    UD_BAD("32 07 0000 1100 000A 0004 00 01 12 06 11 44 01 00 00 00 0A 00 00 00");
    /* a Job is not userdata */
    UD_BAD("32 01 0000 1100 0008 0008 00 01 12 04 11 44 01 00 FF 09 00 04 00 11 00 00");
#undef UD_BAD
    s7_szl_hdr h;
    CHECK_INT(s7_szl_hdr_decode((const uint8_t *)"\x00\x11\x00\x00\x00\x1C\x00", 7, &h),
              S7_ERR_PARAM);
}

/* The mode-transition push a real 315-2 sends after STOP (step7_s300_stop.pcapng, frame
 * 4): group 0, push, mode STOP, no data item; RUN the same way; with a data block it is
 * not one. */
static void test_mode_push(void)
{
    uint8_t b[64];
    size_t n = t_hex("32 07 0000 0000 0008 0000 01 00 10 10 00 00 00 00", b, sizeof b);
    s7_pdu p;
    s7_ud u;
    CHECK_INT(s7_pdu_decode(b, n, &p), (int)n);
    CHECK_INT(s7_ud_decode(&p, &u), 8);
    CHECK_INT(u.type, S7_UD_TYPE_PUSH);
    CHECK_INT(u.group, S7_UD_GRP_MODE);
    CHECK_INT(u.subfn, S7_UD_MODE_STOP);
    CHECK_INT(u.plen, 0);
    b[16] = S7_UD_MODE_RUN;
    CHECK_INT(s7_pdu_decode(b, n, &p), (int)n);
    CHECK_INT(s7_ud_decode(&p, &u), 8);
    CHECK_INT(u.subfn, S7_UD_MODE_RUN);
    n = t_hex("32 07 0000 0000 0008 0004 01 00 10 10 00 00 00 00 0A 00 00 00", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, n, &p), (int)n);
    CHECK_INT(s7_ud_decode(&p, &u), S7_ERR_PARAM);
}

int main(void)
{
    test_mode_push();
    test_szl_0011();
    test_szl_others();
    test_szl_continuation();
    test_clock();
    test_blocks_security();
    test_corrupt();
    return t_done();
}
