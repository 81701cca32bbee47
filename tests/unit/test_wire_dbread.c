/* wire/dbread.c: the DBREAD Read Var request and its answer, against the request WinCC
 * sent an S7-400 and the S7-400's answer (tests/vectors/real/wincc_s400_production.pcapng,
 * packets 24 and 25); every truncated answer; malformed answers. */
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static uint8_t encbuf[512];

int main(void)
{
    const s7_dbread_range r[3] = {{2, 0x4A, 0x6C}, {4, 0x4C, 0x194}, {2, 0x51, 0x3C}};
    uint8_t want[64], b[64];
    size_t wn =
        t_hex("320100000d000015000004011211b00302004a006c04004c0194020051003c", want, sizeof want);
    CHECK_ENC(want, wn, s7_dbread_req_encode(ob, oc, 0x0D00, r, 3));
    /* the server side reads its own address block back */
    s7_dbread_range back[4];
    CHECK_INT(s7_dbread_decode(want + 14, 17, back, 4), 3);
    CHECK(back[1].len == 4 && back[1].db == 0x4C && back[1].start == 0x194);
    CHECK_INT(s7_dbread_req_encode(encbuf, sizeof encbuf, 1, r, 0), S7_ERR_INVAL);
    s7_dbread_range z = {0, 1, 0};
    CHECK_INT(s7_dbread_req_encode(encbuf, sizeof encbuf, 1, &z, 1), S7_ERR_INVAL);

    size_t an = t_hex("320300000d000002000f00000401ff09000bff040aff0544053eff040a", b, sizeof b);
    s7_pdu p;
    uint8_t rcs[3];
    const uint8_t *data[3];
    CHECK(s7_pdu_decode(b, an, &p) > 0);
    CHECK_INT(s7_dbread_resp_decode(&p, r, 3, rcs, data), 3);
    CHECK(rcs[0] == 0xFF && rcs[1] == 0xFF && rcs[2] == 0xFF);
    CHECK(data[1] && memcmp(data[1], "\x05\x44\x05\x3E", 4) == 0);
    CHECK(data[2] && data[2][0] == 0x04 && data[2][1] == 0x0A);
    for (size_t k = 0; k < an; k++)
        if (s7_pdu_decode(b, k, &p) >= 0)
            CHECK(s7_dbread_resp_decode(&p, r, 3, rcs, data) < 0);
    /* a range refused (0x0A) carries no bytes */
    an = t_hex("320300000d000002000b00000401ff090007ff040a0aff040a", b, sizeof b);
    CHECK(s7_pdu_decode(b, an, &p) > 0);
    CHECK_INT(s7_dbread_resp_decode(&p, r, 3, rcs, data), 3);
    CHECK(rcs[1] == 0x0A && data[1] == NULL && rcs[2] == 0xFF && data[2][1] == 0x0A);
    /* the whole item refused; a header error; ranges that do not fill the item */
    an = t_hex("320300000d00000200040000 0401 0a000000", b, sizeof b);
    CHECK(s7_pdu_decode(b, an, &p) > 0);
    CHECK_INT(s7_dbread_resp_decode(&p, r, 3, rcs, data), 3);
    CHECK(rcs[0] == 0x0A && rcs[2] == 0x0A && data[0] == NULL);
    an = t_hex("320200000d0000000000 8104", b, sizeof b);
    CHECK(s7_pdu_decode(b, an, &p) > 0);
    CHECK_INT(s7_dbread_resp_decode(&p, r, 3, rcs, data), S7_ERR_PLC);
    an = t_hex("320300000d000002000c00000401ff090008ff040aff0544053e", b, sizeof b);
    CHECK(s7_pdu_decode(b, an, &p) > 0);
    CHECK_INT(s7_dbread_resp_decode(&p, r, 3, rcs, data), S7_ERR_PARAM);
    return t_done();
}
