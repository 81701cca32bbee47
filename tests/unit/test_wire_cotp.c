/* Unit tests of the transport layer codec (wire/tpkt.c, wire/cotp.c): TPKT peek, CR/CC
 * from Snap7, nmap and nodes7 (docs/s7-protocol.md 1.3), DT and the empty "fast
 * acknowledge" DT, DR/DC/ER, the ISO DT wrapper, truncated prefixes and corrupted frames;
 * the frame decoder's short way for a DT against TPKT peek and TPDU decode for every change
 * of a DT frame's first seven bytes. */
#include <stdint.h>
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static uint8_t buf[70000], src[70000];

/* Every proper prefix of a frame is incomplete. */
static void check_prefixes(const uint8_t *f, size_t n)
{
    s7_cotp t;
    int again = 0;
    for (size_t k = 0; k < n; k++)
        again += s7_frame_decode(f, k, &t) == S7_AGAIN;
    CHECK_INT(again, n);
    CHECK_INT(s7_tpkt_peek(f, n), n);
    for (size_t k = 0; k < 4 && k < n; k++)
        CHECK_INT(s7_tpkt_peek(f, k), S7_AGAIN);
    /* the TPDU alone, cut short, is a COTP error (never a crash) */
    int bad = 0;
    for (size_t k = 0; k + 4 < n; k++)
        bad += s7_cotp_decode(f + 4, k, &t) < 0;
    CHECK(bad >= 1);
}

/* Decode a frame from hex, check it is consumed whole, re-encode and compare. */
static size_t decode_hex(const char *hex, uint8_t *f, s7_cotp *t)
{
    size_t n = t_hex(hex, f, 512);
    CHECK_INT(s7_frame_decode(f, n, t), n);
    check_prefixes(f, n);
    return n;
}

static void check_reencode(const uint8_t *f, size_t n, const s7_cotp *t)
{
    uint8_t out[600];
    CHECK_INT(s7_cotp_encode(out, sizeof out, t), n);
    CHECK_MEM(out, f, n);
    /* every too-small buffer is refused */
    int nospace = 0;
    for (size_t cap = 0; cap < n; cap++)
        nospace += s7_cotp_encode(out, cap, t) == S7_ERR_NOSPACE;
    CHECK_INT(nospace, n);
}

static void test_tpkt(void)
{
    uint8_t b[8];
    CHECK_INT(s7_tpkt_peek((const uint8_t *)"", 0), S7_AGAIN);
    t_hex("03 00 00 07", b, sizeof b);
    CHECK_INT(s7_tpkt_peek(b, 4), 7);
    t_hex("03 00 00 06", b, sizeof b);
    CHECK_INT(s7_tpkt_peek(b, 4), S7_ERR_TPKT);
    t_hex("02 00 00 16", b, sizeof b);
    CHECK_INT(s7_tpkt_peek(b, 4), S7_ERR_TPKT);
    t_hex("03 00 FF FF", b, sizeof b);
    CHECK_INT(s7_tpkt_peek(b, 4), 65535);
    CHECK_INT(s7_tpkt_encode(b, sizeof b, 0x16), 4);
    CHECK_MEM(b, "\x03\x00\x00\x16", 4);
    CHECK_INT(s7_tpkt_encode(b, 3, 0x16), S7_ERR_NOSPACE);
    CHECK_INT(s7_tpkt_encode(b, sizeof b, 6), S7_ERR_INVAL);
    CHECK_INT(s7_tpkt_encode(b, sizeof b, 65536), S7_ERR_NOSPACE);
    CHECK_INT(s7_tpkt_encode(b, sizeof b, 65535), 4);
    CHECK_MEM(b, "\x03\x00\xFF\xFF", 4);
}

static void test_helpers(void)
{
    CHECK_INT(s7_tpdu_size_bytes(0x0A), 1024);
    CHECK_INT(s7_tpdu_size_bytes(0x07), 128);
    CHECK_INT(s7_tpdu_size_bytes(0x0D), 8192);
    CHECK_INT(s7_tpdu_size_bytes(0x06), 0);
    CHECK_INT(s7_tpdu_size_bytes(0x0E), 0);
    CHECK_INT(s7_tpdu_size_bytes(0), 0);
    CHECK_INT(s7_tsap_make(0x01, 0, 2), 0x0102);
    CHECK_INT(s7_tsap_make(0x03, 0, 1), 0x0301);
    CHECK_INT(s7_tsap_make(0x02, 1, 3), 0x0223);
    CHECK_INT(s7_tsap_make(0x01, 7, 31), 0x01FF);
}

/* Snap7 client CR and Snap7 server CC [CAP]. */
static void test_snap7_cr_cc(void)
{
    uint8_t f[512];
    s7_cotp t;
    size_t n = decode_hex(
        "03 00 00 16 | 11 E0 00 00 00 01 00 | C0 01 0A | C1 02 01 00 | C2 02 01 02", f, &t);
    CHECK_INT(n, 22);
    CHECK_INT(t.code, S7_COTP_CR);
    CHECK_INT(t.dst_ref, 0x0000);
    CHECK_INT(t.src_ref, 0x0001);
    CHECK_INT(t.class_opt, 0);
    CHECK_INT(t.tpdu_size, 0x0A);
    CHECK_INT(s7_tpdu_size_bytes(t.tpdu_size), 1024);
    CHECK_INT(t.calling_len, 2);
    CHECK_INT(t.called_len, 2);
    CHECK_MEM(t.calling, "\x01\x00", 2);
    CHECK_MEM(t.called, "\x01\x02", 2);
    CHECK(t.calling == f + 16 && t.called == f + 20); /* views into the input */
    CHECK_INT(t.param_order[0], 0xC0);
    CHECK_INT(t.param_order[1], 0xC1);
    CHECK_INT(t.param_order[2], 0xC2);
    CHECK_INT(t.user_len, 0);
    check_reencode(f, n, &t);

    /* the same CR from fields, param_order all zero = C0, C1, C2 */
    s7_cotp e;
    memset(&e, 0, sizeof e);
    e.code = S7_COTP_CR;
    e.src_ref = 1;
    e.tpdu_size = 0x0A;
    uint8_t calling[2] = {0x01, 0x00}, called[2] = {0x01, 0x02};
    e.calling = calling;
    e.calling_len = 2;
    e.called = called;
    e.called_len = 2;
    check_reencode(f, n, &e);

    n = decode_hex("03 00 00 16 | 11 D0 00 01 00 01 00 | C0 01 0A | C1 02 01 00 | C2 02 01 02", f,
                   &t);
    CHECK_INT(t.code, S7_COTP_CC);
    CHECK_INT(t.dst_ref, 0x0001);
    CHECK_INT(t.src_ref, 0x0001);
    CHECK_INT(t.tpdu_size, 0x0A);
    CHECK_MEM(t.called, "\x01\x02", 2);
    check_reencode(f, n, &t);
    e.code = S7_COTP_CC;
    e.dst_ref = 1;
    check_reencode(f, n, &e);
}

/* nmap s7-info CR: parameters in the order C1, C2, C0 (what LOGO! 0BA7 needs). */
static void test_nmap_nodes7_cr(void)
{
    uint8_t f[512];
    s7_cotp t;
    size_t n =
        decode_hex("03 00 00 16 11 E0 00 00 00 14 00 C1 02 01 00 C2 02 01 02 C0 01 0A", f, &t);
    CHECK_INT(t.code, S7_COTP_CR);
    CHECK_INT(t.src_ref, 0x0014);
    CHECK_INT(t.tpdu_size, 0x0A);
    CHECK_MEM(t.calling, "\x01\x00", 2);
    CHECK_MEM(t.called, "\x01\x02", 2);
    CHECK_INT(t.param_order[0], 0xC1);
    CHECK_INT(t.param_order[1], 0xC2);
    CHECK_INT(t.param_order[2], 0xC0);
    check_reencode(f, n, &t);

    /* nmap fallback: src-ref 0005, called TSAP 02 00 */
    n = decode_hex("03 00 00 16 11 E0 00 00 00 05 00 C1 02 01 00 C2 02 02 00 C0 01 0A", f, &t);
    CHECK_INT(t.src_ref, 0x0005);
    CHECK_MEM(t.called, "\x02\x00", 2);
    check_reencode(f, n, &t);

    /* nodes7 */
    n = decode_hex("03 00 00 16 11 E0 00 00 00 02 00 C0 01 0A C1 02 01 00 C2 02 01 02", f, &t);
    CHECK_INT(t.src_ref, 0x0002);
    CHECK_INT(t.param_order[0], 0xC0);
    check_reencode(f, n, &t);

    /* partial param_order: listed ones first, the rest in C0, C1, C2 order */
    s7_cotp e = t;
    memset(e.param_order, 0, sizeof e.param_order);
    e.param_order[0] = 0xC2;
    uint8_t out[64];
    CHECK_INT(s7_cotp_encode(out, sizeof out, &e), 22);
    uint8_t want[32];
    t_hex("03 00 00 16 11 E0 00 00 00 02 00 C2 02 01 02 C0 01 0A C1 02 01 00", want, sizeof want);
    CHECK_MEM(out, want, 22);
    e.param_order[1] = 0xC2; /* duplicate */
    CHECK_INT(s7_cotp_encode(out, sizeof out, &e), S7_ERR_INVAL);
    e.param_order[1] = 0xC3; /* not a C0/C1/C2 code */
    CHECK_INT(s7_cotp_encode(out, sizeof out, &e), S7_ERR_INVAL);
}

/* TSAP lengths other than 2, absent parameters, unknown parameters, credit nibble. */
static void test_cr_variants(void)
{
    uint8_t f[512];
    s7_cotp t;
    /* 16-byte called TSAP (S7-1200/1500 S7CommPlus style) and 1-byte calling TSAP */
    size_t n = decode_hex("03 00 00 23 1E E0 00 00 00 01 00 C0 01 0A C1 01 07 "
                          "C2 10 53 49 4D 41 54 49 43 2D 52 4F 4F 54 2D 48 4D 49",
                          f, &t);
    CHECK_INT(n, 35);
    CHECK_INT(t.calling_len, 1);
    CHECK_INT(t.calling[0], 7);
    CHECK_INT(t.called_len, 16);
    CHECK_MEM(t.called, "SIMATIC-ROOT-HMI", 16);
    check_reencode(f, n, &t);

    /* no parameters at all (a 14-byte CC as some stacks send) */
    n = decode_hex("03 00 00 0B 06 D0 00 01 00 02 00", f, &t);
    CHECK_INT(t.code, S7_COTP_CC);
    CHECK_INT(t.tpdu_size, 0);
    CHECK_INT(t.calling_len, 0);
    CHECK(t.calling == NULL);
    CHECK_INT(t.param_order[0], 0);
    check_reencode(f, n, &t);

    /* unknown parameters (C3 checksum, C6 options, F0 preferred max TPDU) are skipped */
    n = decode_hex("03 00 00 1D 18 E0 00 00 00 01 00 C6 01 00 C0 01 09 F0 02 00 10 C1 02 01 00 "
                   "C2 02 01 02",
                   f, &t);
    CHECK_INT(t.tpdu_size, 0x09);
    CHECK_MEM(t.called, "\x01\x02", 2);
    CHECK_INT(t.param_order[0], 0xC0);
    CHECK_INT(t.param_order[1], 0xC1);
    CHECK_INT(t.param_order[2], 0xC2);

    /* credit nibble in a CR is dropped */
    n = decode_hex("03 00 00 16 11 E3 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", f, &t);
    CHECK_INT(t.code, S7_COTP_CR);

    /* a 255-byte TSAP cannot fit a CR header (LI <= 254) */
    s7_cotp e;
    memset(&e, 0, sizeof e);
    e.code = S7_COTP_CR;
    uint8_t big[255];
    memset(big, 'x', sizeof big);
    e.called = big;
    e.called_len = 255;
    CHECK_INT(s7_cotp_encode(buf, sizeof buf, &e), S7_ERR_INVAL);
    e.called_len = 246; /* LI = 6 + 2 + 246 = 254 */
    int r = s7_cotp_encode(buf, sizeof buf, &e);
    CHECK_INT(r, 4 + 1 + 254);
    CHECK_INT(s7_frame_decode(buf, (size_t)r, &t), r);
    CHECK_INT(t.called_len, 246);
    e.calling_len = 2; /* length without bytes */
    CHECK_INT(s7_cotp_encode(buf, sizeof buf, &e), S7_ERR_INVAL);
}

static void test_dt(void)
{
    uint8_t f[512];
    s7_cotp t;
    /* empty "fast acknowledge" DT */
    size_t n = decode_hex("03 00 00 07 02 F0 00", f, &t);
    CHECK_INT(n, 7);
    CHECK_INT(t.code, S7_COTP_DT);
    CHECK_INT(t.eot, 0);
    CHECK_INT(t.nr, 0);
    CHECK_INT(t.user_len, 0);
    check_reencode(f, n, &t);

    /* setup request DT, EOT set */
    n = decode_hex("03 00 00 19 02 F0 80 32 01 00 00 00 00 00 08 00 00 F0 00 00 01 00 01 01 E0", f,
                   &t);
    CHECK_INT(t.eot, 1);
    CHECK_INT(t.user_len, 18);
    CHECK(t.user == f + 7);
    check_reencode(f, n, &t);

    /* a non-final fragment with TPDU number 5 */
    n = decode_hex("03 00 00 0A 02 F0 05 32 01 00", f, &t);
    CHECK_INT(t.eot, 0);
    CHECK_INT(t.nr, 5);
    CHECK_INT(t.user_len, 3);
    check_reencode(f, n, &t);

    /* s7_iso_dt_wrap */
    uint8_t b[64];
    memcpy(b + S7_ISO_HDR_LEN, f + 7, 3);
    CHECK_INT(s7_iso_dt_wrap(b, sizeof b, 3, 1), 10);
    CHECK_MEM(b, "\x03\x00\x00\x0A\x02\xF0\x80\x32\x01\x00", 10);
    CHECK_INT(s7_iso_dt_wrap(b, sizeof b, 3, 0), 10);
    CHECK_INT(b[6], 0x00);
    CHECK_INT(s7_iso_dt_wrap(b, 9, 3, 1), S7_ERR_NOSPACE);
    CHECK_INT(s7_iso_dt_wrap(buf, sizeof buf, 65528, 1), 65535);
    CHECK_INT(s7_iso_dt_wrap(buf, sizeof buf, 65529, 1), S7_ERR_NOSPACE);

    /* DT whose user data does not fit a TPKT */
    s7_cotp e;
    memset(&e, 0, sizeof e);
    e.code = S7_COTP_DT;
    e.user = src;
    e.user_len = 65528;
    CHECK_INT(s7_cotp_encode(buf, sizeof buf, &e), 65535);
    e.user_len = 65529;
    CHECK_INT(s7_cotp_encode(buf, sizeof buf, &e), S7_ERR_NOSPACE);
    e.user = NULL;
    CHECK_INT(s7_cotp_encode(buf, sizeof buf, &e), S7_ERR_INVAL);
}

/* s7_frame_decode takes a DT (TPKT version 3, LI 2) without walking its headers field by
 * field: for every change of a DT frame's first seven bytes, alone, cut short and followed
 * by another frame, it must give what s7_tpkt_peek and s7_cotp_decode give - the same
 * result and the same fields. */
static void test_dt_header(void)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x08, 0x0F, 0x10, 0x11,
                                   0x1D, 0x1E, 0x1F, 0x80, 0x81, 0xE0, 0xF0, 0xF1, 0xF8, 0xFF};
    uint8_t frame[64];
    size_t fl = (size_t)s7_iso_dt_wrap(frame, sizeof frame, 12, 1);
    for (size_t i = S7_ISO_HDR_LEN; i < fl; i++)
        frame[i] = (uint8_t)(0x30 + i);
    memcpy(frame + fl, frame, fl); /* a second frame behind it */
    int bad = 0, dts = 0, errors = 0, waits = 0;
    for (size_t pos = 0; pos < S7_ISO_HDR_LEN; pos++)
        for (size_t v = 0; v < sizeof vals; v++)
            for (size_t len = fl - 1; len <= 2 * fl; len += fl / 2 + 1) {
                uint8_t f[64];
                memcpy(f, frame, len);
                f[pos] = vals[v];
                s7_cotp got, want;
                memset(&want, 0, sizeof want);
                int g = s7_frame_decode(f, len, &got);
                int w = s7_tpkt_peek(f, len);
                if (w >= 0 && len < (size_t)w)
                    w = S7_AGAIN;
                else if (w >= 0) {
                    int r = s7_cotp_decode(f + S7_TPKT_LEN, (size_t)w - S7_TPKT_LEN, &want);
                    if (r < 0)
                        w = r;
                }
                bad += g != w;
                if (w >= 0) {
                    dts += want.code == S7_COTP_DT;
                    bad += got.code != want.code || got.eot != want.eot || got.nr != want.nr ||
                           got.user != want.user || got.user_len != want.user_len ||
                           got.dst_ref != want.dst_ref || got.src_ref != want.src_ref ||
                           got.reason != want.reason;
                } else {
                    errors += w != S7_AGAIN;
                    waits += w == S7_AGAIN;
                }
            }
    CHECK_INT(bad, 0);
    CHECK(dts > 0 && errors > 0 && waits > 0); /* each outcome was tried */
}

static void test_dr_dc_er(void)
{
    uint8_t f[512];
    s7_cotp t;
    /* DR, reason 128 normal disconnect */
    size_t n = decode_hex("03 00 00 0B 06 80 00 01 00 02 80", f, &t);
    CHECK_INT(t.code, S7_COTP_DR);
    CHECK_INT(t.dst_ref, 1);
    CHECK_INT(t.src_ref, 2);
    CHECK_INT(t.reason, 128);
    check_reencode(f, n, &t);
    /* DR with an additional-information parameter (E0) */
    n = decode_hex("03 00 00 0E 09 80 00 01 00 02 00 E0 01 41", f, &t);
    CHECK_INT(t.reason, 0);
    CHECK_INT(t.user_len, 0);

    /* well-formed DC (LI 5) */
    n = decode_hex("03 00 00 0A 05 C0 00 02 00 01", f, &t);
    CHECK_INT(t.code, S7_COTP_DC);
    CHECK_INT(t.dst_ref, 2);
    CHECK_INT(t.src_ref, 1);
    check_reencode(f, n, &t);
    /* Snap7 server's DC: LI 6, the DR reason byte copied */
    n = decode_hex("03 00 00 0B 06 C0 00 02 00 01 80", f, &t);
    CHECK_INT(t.code, S7_COTP_DC);
    CHECK_INT(t.dst_ref, 2);
    CHECK_INT(t.reason, 0x80);

    /* ER, reject cause 2 (invalid TPDU type), with and without the invalid-TPDU param */
    n = decode_hex("03 00 00 09 04 70 00 01 02", f, &t);
    CHECK_INT(t.code, S7_COTP_ER);
    CHECK_INT(t.dst_ref, 1);
    CHECK_INT(t.reason, 2);
    check_reencode(f, n, &t);
    n = decode_hex("03 00 00 0D 08 70 00 01 02 C1 02 11 E0", f, &t);
    CHECK_INT(t.reason, 2);
}

/* Corrupted frames give the specific error. */
static void test_corrupt(void)
{
    uint8_t f[512];
    s7_cotp t;
    size_t n;
#define BAD(hex, err)                              \
    do {                                           \
        n = t_hex(hex, f, sizeof f);               \
        CHECK_INT(s7_frame_decode(f, n, &t), err); \
    } while (0)
    BAD("04 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", S7_ERR_TPKT);
    BAD("03 00 00 05 02 F0", S7_ERR_TPKT);
    BAD("03 00 00 00", S7_ERR_TPKT);
    /* LI larger than the TPDU */
    BAD("03 00 00 16 12 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", S7_ERR_COTP);
    /* LI one short: the last parameter runs past the header */
    BAD("03 00 00 16 10 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", S7_ERR_COTP);
    /* LI smaller than the fixed CR part */
    BAD("03 00 00 0A 05 E0 00 00 00 01", S7_ERR_COTP);
    /* LI 0, LI 255 */
    BAD("03 00 00 07 00 F0 80", S7_ERR_COTP);
    BAD("03 00 00 07 FF F0 80", S7_ERR_COTP);
    /* DT LI must be 2 */
    BAD("03 00 00 08 03 F0 80 00", S7_ERR_COTP);
    BAD("03 00 00 08 01 F0 80 00", S7_ERR_COTP);
    /* unknown TPDU (AK), DT with a low nibble */
    BAD("03 00 00 09 04 60 00 01 00", S7_ERR_COTP);
    BAD("03 00 00 07 02 F1 80", S7_ERR_COTP);
    /* CR params: TPDU size length 2, out-of-range size, empty TSAP, duplicate TSAP */
    BAD("03 00 00 17 12 E0 00 00 00 01 00 C0 02 00 0A C1 02 01 00 C2 02 01 02", S7_ERR_COTP);
    BAD("03 00 00 16 11 E0 00 00 00 01 00 C0 01 0E C1 02 01 00 C2 02 01 02", S7_ERR_COTP);
    BAD("03 00 00 14 0F E0 00 00 00 01 00 C0 01 0A C1 00 C2 02 01 02", S7_ERR_COTP);
    BAD("03 00 00 16 11 E0 00 00 00 01 00 C1 02 01 00 C1 02 01 00 C2 02 01 02", S7_ERR_COTP);
    /* parameter length byte missing at the end of the header */
    BAD("03 00 00 0D 08 E0 00 00 00 01 00 C0 01 0A", S7_ERR_COTP);
    BAD("03 00 00 0C 07 E0 00 00 00 01 00 C0", S7_ERR_COTP);
    /* DC / ER with trailing bytes after the header */
    BAD("03 00 00 0B 05 C0 00 02 00 01 00", S7_ERR_COTP);
    BAD("03 00 00 0A 04 70 00 01 02 00", S7_ERR_COTP);
    /* DC LI 6 followed by an incomplete parameter is not the Snap7 form */
    BAD("03 00 00 0C 07 C0 00 02 00 01 C1 02", S7_ERR_COTP);
#undef BAD
    /* s7_cotp_decode of an empty or one-byte TPDU */
    CHECK_INT(s7_cotp_decode(f, 0, &t), S7_ERR_COTP);
    CHECK_INT(s7_cotp_decode((const uint8_t *)"\x02", 1, &t), S7_ERR_COTP);
    /* unknown type on encode */
    s7_cotp e;
    memset(&e, 0, sizeof e);
    e.code = 0x60;
    CHECK_INT(s7_cotp_encode(f, sizeof f, &e), S7_ERR_INVAL);
}

/* Several frames back to back in one buffer, consumed one by one. */
static void test_stream(void)
{
    uint8_t f[512];
    size_t n =
        t_hex("03 00 00 07 02 F0 00 "
              "03 00 00 1B 02 F0 80 32 03 00 00 00 00 00 08 00 00 00 00 F0 00 00 01 00 01 01 E0 "
              "03 00 00 0A 05 C0 00 02 00 01 03 00",
              f, sizeof f);
    size_t off = 0;
    int kinds[4] = {0}, k = 0;
    s7_cotp t;
    for (;;) {
        int r = s7_frame_decode(f + off, n - off, &t);
        if (r == S7_AGAIN)
            break;
        CHECK(r > 0);
        if (r <= 0)
            break;
        kinds[k++ & 3] = t.code;
        off += (size_t)r;
    }
    CHECK_INT(k, 3);
    CHECK_INT(off, n - 2);
    CHECK_INT(kinds[0], S7_COTP_DT);
    CHECK_INT(kinds[1], S7_COTP_DT);
    CHECK_INT(kinds[2], S7_COTP_DC);
}

int main(void)
{
    test_tpkt();
    test_helpers();
    test_snap7_cr_cc();
    test_nmap_nodes7_cr();
    test_cr_variants();
    test_dt();
    test_dt_header();
    test_dr_dc_er();
    test_corrupt();
    test_stream();
    return t_done();
}
