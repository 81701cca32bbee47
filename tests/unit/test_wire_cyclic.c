/* wire/cyclic.c: the cycle coding, the subscribe / unsubscribe requests byte for byte, the
 * data of a captured answer and push, the captured S7-400 alarm query answer, and every
 * truncated prefix of them (an error, never a crash).  Captured bytes from
 * tests/vectors/real/wincc_s400_production.pcapng (frames 18, 26, 63, 84). */
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static uint8_t buf[4096];

static void test_cycle(void)
{
    uint8_t b, f;
    CHECK_INT(s7_cyclic_cycle(100, &b, &f), 100);
    CHECK_INT(b, 0);
    CHECK_INT(f, 1);
    CHECK_INT(s7_cyclic_cycle(40, &b, &f), 100); /* below a step: one step */
    CHECK_INT(s7_cyclic_cycle(2000, &b, &f), 2000);
    CHECK_INT(b, 0);
    CHECK_INT(f, 20);
    CHECK_INT(s7_cyclic_cycle(60000, &b, &f), 60000);
    CHECK_INT(b, 1);
    CHECK_INT(f, 60);
    CHECK_INT(s7_cyclic_cycle(600000, &b, &f), 600000);
    CHECK_INT(b, 2);
    CHECK_INT(s7_cyclic_cycle(0, &b, &f), S7_ERR_INVAL);
    CHECK_INT(s7_cyclic_cycle(3000000, &b, &f), S7_ERR_VALUE);
}

static void test_requests(void)
{
    s7_var_spec sp = {S7_TS_BYTE, 4, 81, S7_AREA_DB, 370 * 8};
    int n = s7_cyclic_req_encode(buf, sizeof buf, 0x0F00, S7_CYC_CHANGE, 0, 1000, &sp, 1);
    uint8_t want[64];
    size_t wn = t_hex("32 07 00 00 0f 00 00 08 00 14 00 01 12 04 11 42 05 00 "
                      "ff 09 00 10 00 01 00 0a 12 0a 10 02 00 04 00 51 84 00 0b 90",
                      want, sizeof want);
    CHECK_INT(n, (int)wn);
    CHECK_MEM(buf, want, wn);
    /* modify: the job in the sequence number */
    n = s7_cyclic_req_encode(buf, sizeof buf, 1, S7_CYC_MODIFY, 2, 100, &sp, 1);
    CHECK(n > 0);
    CHECK_INT(buf[16], 0x07);
    CHECK_INT(buf[17], 2);
    CHECK_INT(buf[24], 0); /* time base 100 ms */
    CHECK_INT(buf[25], 1);
    CHECK_INT(s7_cyclic_req_encode(buf, sizeof buf, 1, S7_CYC_UNSUBSCRIBE, 0, 100, &sp, 1),
              S7_ERR_INVAL);
    CHECK_INT(s7_cyclic_req_encode(buf, 20, 1, S7_CYC_CHANGE, 0, 100, &sp, 1), S7_ERR_NOSPACE);
    /* unsubscribe as WinCC sends it (frame 26, reference aside) */
    n = s7_cyclic_unsub_encode(buf, sizeof buf, 0x0E00, 5, 1);
    wn = t_hex("32 07 00 00 0e 00 00 08 00 06 00 01 12 04 11 42 04 00 ff 09 00 02 05 01", want,
               sizeof want);
    CHECK_INT(n, (int)wn);
    CHECK_MEM(buf, want, wn);
    /* the alarm query as the 315-2 is asked */
    n = s7_alarm_query_encode(buf, sizeof buf, 2, S7_ALARM_S);
    wn = t_hex("32 07 00 00 00 02 00 08 00 10 00 01 12 04 11 44 13 00 "
               "ff 09 00 0c 00 01 12 08 1a 00 01 34 00 00 00 04",
               want, sizeof want);
    CHECK_INT(n, (int)wn);
    CHECK_MEM(buf, want, wn);
    /* the message service: ALARM_S registration (12 bytes), the events alone (10 bytes) */
    n = s7_msg_service_encode(buf, sizeof buf, 3, 0x81, "s7test  ", 0x09);
    wn = t_hex("32 07 00 00 00 03 00 08 00 10 00 01 12 04 11 44 02 00 "
               "ff 09 00 0c 81 00 73 37 74 65 73 74 20 20 09 00",
               want, sizeof want);
    CHECK_INT(n, (int)wn);
    CHECK_MEM(buf, want, wn);
    n = s7_msg_service_encode(buf, sizeof buf, 3, 0x01, "s7test  ", -1);
    wn = t_hex("32 07 00 00 00 03 00 08 00 0e 00 01 12 04 11 44 02 00 "
               "ff 09 00 0a 01 00 73 37 74 65 73 74 20 20",
               want, sizeof want);
    CHECK_INT(n, (int)wn);
    CHECK_MEM(buf, want, wn);
}

static void test_decode(void)
{
    s7_data_item d[4];
    /* frame 63's data after its 4-byte item header: one DBREAD item of two ranges */
    uint8_t p[64];
    size_t pn = t_hex("00 01 ff 09 00 0b ff 43 f6 90 35 60 ff 80 00 00 00", p, sizeof p);
    CHECK_INT(s7_cyclic_data_decode(p, pn, d, 4), 1);
    CHECK_INT(d[0].rc, 0xFF);
    CHECK_INT(d[0].nbytes, 11);
    for (size_t k = 0; k < pn; k++)
        CHECK(s7_cyclic_data_decode(p, k, d, 4) < 0);
    CHECK_INT(s7_cyclic_data_decode(p, pn, d, 0), S7_ERR_PARAM);
    /* frame 84 (a push) */
    pn = t_hex("00 01 ff 09 00 0b ff 00 00 00 00 00 00 ff 00 00 00", p, sizeof p);
    CHECK_INT(s7_cyclic_data_decode(p, pn, d, 4), 1);

    /* frame 18: four ALARM_8 objects */
    uint8_t a[128];
    size_t an = t_hex("00 01 ff 09 00 30 0a 00 00 02 00 00 00 2f 00 00 cf cf "
                      "0a 00 00 02 00 00 00 af 00 01 fe fe 0a 00 00 02 00 00 00 bb 00 04 ff fb "
                      "0a 00 00 02 00 00 00 c2 00 30 ff cf",
                      a, sizeof a);
    s7_alarm al[8];
    CHECK_INT(s7_alarm_query_decode(a, an, al, 8), 4);
    CHECK_INT(al[0].event_id, 0x2F);
    CHECK_INT(al[1].event_id, 0xAF);
    CHECK_INT(al[1].state, 0x01);
    CHECK_INT(al[2].ack_coming, 0xFB);
    CHECK_INT(al[3].event_id, 0xC2);
    CHECK_INT(al[3].state, 0x30);
    CHECK_INT(al[3].type, S7_ALARM_8);
    CHECK_INT(s7_alarm_query_decode(a, an, al, 2), 4); /* counts past max */
    for (size_t k = 0; k < an; k++)
        CHECK(s7_alarm_query_decode(a, k, al, 8) < 0);
    static const uint8_t none[6] = {0x00, 0x01, 0x0A, 0x00, 0x00, 0x00};
    CHECK_INT(s7_alarm_query_decode(none, 6, al, 8), 0);
}

int main(void)
{
    test_cycle();
    test_requests();
    test_decode();
    return t_done();
}
