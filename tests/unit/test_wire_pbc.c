/* Unit tests of the BSEND/BRCV and USEND/URCV codec (wire/pbc.c): segments and
 * acknowledgements byte for byte against the layout of docs/exchange.md (the segment as
 * Snap7's partner sends it, the fields as Wireshark's s7comm dissector names them), the
 * segment sizes per PDU, round trips, truncation and corrupted fields. */
#include <stdint.h>
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static uint8_t buf[70000], exp_[512];

static int decode(const uint8_t *b, size_t n, s7_pdu *pdu) { return s7_pdu_decode(b, n, pdu); }

static void test_first_segment(void)
{
    const uint8_t data[3] = {0xAA, 0xBB, 0xCC};
    s7_bsend s = {.seq = 0, .dur = 0, .last = 0, .r_id = 1};
    int n = s7_bsend_seg_encode(buf, sizeof buf, 0x0001, &s, 1, 3, data, 3);
    size_t en = t_hex("32 07 0000 0001 000C 0011 | 00 01 12 08 12 46 01 00 00 00 0000 |"
                      "FF 09 000D 12 06 13 00 00000001 0003 AA BB CC",
                      exp_, sizeof exp_);
    CHECK_INT(n, en);
    CHECK_MEM(buf, exp_, en);
    s7_pdu pdu;
    CHECK_INT(decode(buf, (size_t)n, &pdu), n);
    s7_bsend d;
    CHECK_INT(s7_bsend_decode(&pdu, &d), 0);
    CHECK_INT(d.type, S7_UD_TYPE_REQ);
    CHECK_INT(d.r_id, 1);
    CHECK_INT(d.last, 0);
    CHECK_INT(d.dlen, 5); /* total length + 3 data bytes */
    CHECK_INT(d.data[0], 0x00);
    CHECK_INT(d.data[1], 0x03);
    CHECK_MEM(d.data + 2, data, 3);
}

static void test_next_segment(void)
{
    uint8_t data[100];
    for (int i = 0; i < 100; i++)
        data[i] = (uint8_t)i;
    s7_bsend s = {.seq = 7, .dur = 3, .last = 1, .r_id = 0x01020304};
    int n = s7_bsend_seg_encode(buf, sizeof buf, 0x1234, &s, 0, 0, data, 100);
    CHECK_INT(n, S7_BSEND_OVERHEAD + 100);
    size_t en = t_hex("32 07 0000 1234 000C 0070 | 00 01 12 08 12 46 01 07 03 01 0000 |"
                      "FF 09 006C 12 06 13 00 01020304",
                      exp_, sizeof exp_);
    CHECK_MEM(buf, exp_, en);
    s7_pdu pdu;
    CHECK_INT(decode(buf, (size_t)n, &pdu), n);
    s7_bsend d;
    CHECK_INT(s7_bsend_decode(&pdu, &d), 0);
    CHECK_INT(d.seq, 7);
    CHECK_INT(d.dur, 3);
    CHECK_INT(d.last, 1);
    CHECK_INT(d.r_id, 0x01020304);
    CHECK_INT(d.dlen, 100);
    CHECK_MEM(d.data, data, 100);
}

static void test_ack(void)
{
    int n = s7_bsend_ack_encode(buf, sizeof buf, 0x0001, 5, 0);
    size_t en = t_hex("32 07 0000 0001 000C 0004 | 00 01 12 08 12 86 01 05 00 00 0000 |"
                      "0A 00 0000",
                      exp_, sizeof exp_);
    CHECK_INT(n, en);
    CHECK_MEM(buf, exp_, en);
    s7_pdu pdu;
    CHECK_INT(decode(buf, (size_t)n, &pdu), n);
    s7_bsend d;
    CHECK_INT(s7_bsend_decode(&pdu, &d), 0);
    CHECK_INT(d.type, S7_UD_TYPE_RESP);
    CHECK_INT(d.seq, 5);
    CHECK_INT(d.err, 0);
    n = s7_bsend_ack_encode(buf, sizeof buf, 2, 9, 0xD0A1);
    CHECK_INT(decode(buf, (size_t)n, &pdu), n);
    CHECK_INT(s7_bsend_decode(&pdu, &d), 0);
    CHECK_INT(d.err, 0xD0A1);
}

static void test_sizes(void)
{
    /* a segment fills the negotiated PDU exactly */
    CHECK_INT(s7_bsend_seg_max(480, 1), 444);
    CHECK_INT(s7_bsend_seg_max(480, 0), 446);
    CHECK_INT(s7_bsend_seg_max(240, 0), 206);
    CHECK_INT(s7_bsend_seg_max(30, 0), 0);
    static uint8_t data[1000];
    s7_bsend s = {.r_id = 1};
    CHECK_INT(s7_bsend_seg_encode(buf, sizeof buf, 1, &s, 1, 1000, data,
                                  (uint16_t)s7_bsend_seg_max(480, 1)),
              480);
    CHECK_INT(
        s7_bsend_seg_encode(buf, sizeof buf, 1, &s, 0, 0, data, (uint16_t)s7_bsend_seg_max(960, 0)),
        960);
    CHECK_INT(s7_usend_max(480), 452);
    CHECK_INT(s7_usend_encode(buf, sizeof buf, 1, 1, data, (uint16_t)s7_usend_max(480)), 480);
    /* too small a buffer, never a write past it */
    CHECK_INT(s7_bsend_seg_encode(buf, 40, 1, &s, 0, 0, data, 100), S7_ERR_NOSPACE);
    CHECK_INT(s7_bsend_ack_encode(buf, 20, 1, 0, 0), S7_ERR_NOSPACE);
    CHECK_INT(s7_bsend_seg_encode(buf, sizeof buf, 1, &s, 0, 0, NULL, 3), S7_ERR_INVAL);
}

static void test_usend(void)
{
    const uint8_t data[3] = {1, 2, 3};
    int n = s7_usend_encode(buf, sizeof buf, 2, 0x10, data, 3);
    size_t en = t_hex("32 07 0000 0002 000A 000B | 00 01 12 06 13 00 00000010 |"
                      "FF 00 0001 FF 04 0018 01 02 03",
                      exp_, sizeof exp_);
    CHECK_INT(n, en);
    CHECK_MEM(buf, exp_, en);
    s7_pdu pdu;
    CHECK_INT(decode(buf, (size_t)n, &pdu), n);
    CHECK(s7_usend_is(&pdu));
    uint32_t r_id = 0;
    const uint8_t *p = NULL;
    uint16_t len = 0;
    CHECK_INT(s7_usend_decode(&pdu, &r_id, &p, &len), 0);
    CHECK_INT(r_id, 0x10);
    CHECK_INT(len, 3);
    CHECK_MEM(p, data, 3);
    /* a BSEND is no USEND and the other way round */
    s7_bsend d;
    CHECK_INT(s7_bsend_decode(&pdu, &d), S7_ERR_PARAM);
    n = s7_bsend_ack_encode(buf, sizeof buf, 1, 1, 0);
    CHECK_INT(decode(buf, (size_t)n, &pdu), n);
    CHECK(!s7_usend_is(&pdu));
    CHECK_INT(s7_usend_decode(&pdu, &r_id, &p, &len), S7_ERR_PARAM);
}

/* Every corruption of one byte of the parameter or the data head either decodes to the
 * same kind of frame or is refused; a data length that disagrees is always refused. */
static void test_corrupt(void)
{
    const uint8_t data[4] = {9, 8, 7, 6};
    s7_bsend s = {.r_id = 3};
    int n = s7_bsend_seg_encode(buf, sizeof buf, 1, &s, 1, 4, data, 4);
    static uint8_t c[512];
    int refused = 0;
    for (int i = 10; i < 10 + 12 + 8; i++) {
        memcpy(c, buf, (size_t)n);
        c[i] ^= 0x5A;
        s7_pdu pdu;
        if (s7_pdu_decode(c, (size_t)n, &pdu) < 0)
            continue;
        s7_bsend d;
        refused += s7_bsend_decode(&pdu, &d) < 0;
    }
    CHECK(refused >= 12);
    /* the item length one too long / short */
    memcpy(c, buf, (size_t)n);
    c[10 + 12 + 3]++;
    s7_pdu pdu;
    CHECK_INT(s7_pdu_decode(c, (size_t)n, &pdu), n);
    s7_bsend d;
    CHECK_INT(s7_bsend_decode(&pdu, &d), S7_ERR_PARAM);
    /* a segment whose item is shorter than the PBC head */
    size_t m = t_hex("32 07 0000 0001 000C 0007 | 00 01 12 08 12 46 01 00 00 00 0000 |"
                     "FF 09 0003 12 06 13",
                     c, sizeof c);
    CHECK_INT(s7_pdu_decode(c, m, &pdu), m);
    CHECK_INT(s7_bsend_decode(&pdu, &d), S7_ERR_PARAM);
    /* a USEND whose bit length runs past the data */
    m = t_hex("32 07 0000 0002 000A 000B | 00 01 12 06 13 00 00000010 |"
              "FF 00 0001 FF 04 0020 01 02 03",
              c, sizeof c);
    CHECK_INT(s7_pdu_decode(c, m, &pdu), m);
    uint32_t r_id;
    const uint8_t *p;
    uint16_t len;
    CHECK_INT(s7_usend_decode(&pdu, &r_id, &p, &len), S7_ERR_PARAM);
}

int main(void)
{
    test_first_segment();
    test_next_segment();
    test_ack();
    test_sizes();
    test_usend();
    test_corrupt();
    return t_done();
}
