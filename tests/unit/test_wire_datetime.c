/* Tests of the DATE_AND_TIME BCD codec (s7_dt_encode / s7_dt_decode) and s7_weekday:
 * both centuries of the two-digit year, weekday computation, every range check. */
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static void enc_(int line, s7_datetime t, const char *hex)
{
    unsigned char want[8], out[8];
    t_hex(hex, want, sizeof want);
    memset(out, 0xEE, sizeof out);
    int rc = s7_dt_encode(out, &t);
    if (rc != 8 || memcmp(out, want, 8) != 0)
        fprintf(stderr, "line %d: encode -> %d %02X %02X %02X %02X %02X %02X %02X %02X\n", line, rc,
                out[0], out[1], out[2], out[3], out[4], out[5], out[6], out[7]);
    CHECK_INT(rc, 8);
    CHECK_MEM(out, want, 8);
    s7_datetime back;
    CHECK_INT(s7_dt_decode(out, &back), 8);
    CHECK_INT(back.year, t.year);
    CHECK_INT(back.month, t.month);
    CHECK_INT(back.day, t.day);
    CHECK_INT(back.hour, t.hour);
    CHECK_INT(back.min, t.min);
    CHECK_INT(back.sec, t.sec);
    CHECK_INT(back.msec, t.msec);
    CHECK_INT(back.wday, t.wday ? t.wday : s7_weekday(t.year, t.month, t.day));
}
#define ENC(t, hex) enc_(__LINE__, t, hex)

static s7_datetime dt(unsigned y, unsigned mo, unsigned d, unsigned h, unsigned mi, unsigned s,
                      unsigned ms, unsigned wd)
{
    s7_datetime t = {(uint16_t)y, (uint8_t)mo, (uint8_t)d,   (uint8_t)h,
                     (uint8_t)mi, (uint8_t)s,  (uint16_t)ms, (uint8_t)wd};
    return t;
}

static void bad_dec(const char *hex)
{
    unsigned char in[8];
    s7_datetime t;
    t_hex(hex, in, sizeof in);
    int rc = s7_dt_decode(in, &t);
    if (rc != S7_ERR_VALUE)
        fprintf(stderr, "decode %s -> %d\n", hex, rc);
    CHECK_INT(rc, S7_ERR_VALUE);
}

int main(void)
{
    /* weekdays: 1 = Sunday .. 7 = Saturday */
    CHECK_INT(s7_weekday(2026, 11, 21), 7);
    CHECK_INT(s7_weekday(1990, 1, 1), 2);
    CHECK_INT(s7_weekday(1999, 12, 31), 6);
    CHECK_INT(s7_weekday(2000, 2, 29), 3);
    CHECK_INT(s7_weekday(2089, 12, 31), 7);
    CHECK_INT(s7_weekday(2024, 3, 3), 1);
    CHECK_INT(s7_weekday(2024, 13, 3), 0);

    ENC(dt(2026, 11, 21, 13, 45, 0, 123, 0), "26 11 21 13 45 00 12 37");
    ENC(dt(2026, 11, 21, 13, 45, 0, 123, 7), "26 11 21 13 45 00 12 37");
    ENC(dt(1999, 12, 31, 23, 59, 59, 999, 0), "99 12 31 23 59 59 99 96");
    ENC(dt(1990, 1, 1, 0, 0, 0, 0, 0), "90 01 01 00 00 00 00 02");
    ENC(dt(2000, 2, 29, 12, 0, 0, 5, 0), "00 02 29 12 00 00 00 53");
    ENC(dt(2089, 12, 31, 23, 59, 59, 999, 0), "89 12 31 23 59 59 99 97");
    /* the clock capture of s7-protocol.md 6.5: 2026-11-21 07:17:56, weekday 6 as Snap7
     * server sends it (off by one) is still decoded, weekday reported as sent */
    {
        unsigned char in[8];
        s7_datetime t;
        t_hex("26 11 21 07 17 56 00 06", in, sizeof in);
        CHECK_INT(s7_dt_decode(in, &t), 8);
        CHECK_INT(t.year, 2026);
        CHECK_INT(t.hour, 7);
        CHECK_INT(t.sec, 56);
        CHECK_INT(t.msec, 0);
        CHECK_INT(t.wday, 6);
        t_hex("24 01 02 03 04 05 00 03", in, sizeof in);
        CHECK_INT(s7_dt_decode(in, &t), 8);
        CHECK_INT(t.year, 2024);
        CHECK_INT(t.month, 1);
        CHECK_INT(t.day, 2);
        t_hex("26 11 21 07 17 56 00 00", in, sizeof in); /* weekday 0 tolerated */
        CHECK_INT(s7_dt_decode(in, &t), 8);
        CHECK_INT(t.wday, 0);
    }
    /* encode range checks */
    unsigned char out[8];
    s7_datetime t = dt(1989, 12, 31, 0, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2090, 1, 1, 0, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 13, 1, 0, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 0, 1, 0, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 2, 29, 0, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 4, 31, 0, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 1, 0, 0, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 1, 1, 24, 0, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 1, 1, 0, 60, 0, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 1, 1, 0, 0, 60, 0, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 1, 1, 0, 0, 0, 1000, 0);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    t = dt(2026, 1, 1, 0, 0, 0, 0, 8);
    CHECK_INT(s7_dt_encode(out, &t), S7_ERR_VALUE);
    CHECK_INT(s7_dt_encode(NULL, &t), S7_ERR_INVAL);
    CHECK_INT(s7_dt_encode(out, NULL), S7_ERR_INVAL);
    /* decode: bad BCD in every position, then bad ranges */
    bad_dec("2A 11 21 13 45 00 12 37");
    bad_dec("26 1A 21 13 45 00 12 37");
    bad_dec("26 11 2A 13 45 00 12 37");
    bad_dec("26 11 21 1A 45 00 12 37");
    bad_dec("26 11 21 13 4A 00 12 37");
    bad_dec("26 11 21 13 45 0A 12 37");
    bad_dec("26 11 21 13 45 00 1A 37");
    bad_dec("26 11 21 13 45 00 12 A7");
    bad_dec("26 13 21 13 45 00 12 37");
    bad_dec("26 00 21 13 45 00 12 37");
    bad_dec("26 02 29 13 45 00 12 37");
    bad_dec("26 11 00 13 45 00 12 37");
    bad_dec("26 11 31 13 45 00 12 37");
    bad_dec("26 11 21 24 45 00 12 37");
    bad_dec("26 11 21 13 60 00 12 37");
    bad_dec("26 11 21 13 45 60 12 37");
    bad_dec("26 11 21 13 45 00 12 38");
    s7_datetime d;
    CHECK_INT(s7_dt_decode(NULL, &d), S7_ERR_INVAL);
    /* every day of the century survives encode/decode with the computed weekday */
    int bad = 0;
    for (unsigned y = 1990; y <= 2089; y++)
        for (unsigned m = 1; m <= 12; m++)
            for (unsigned dd = 1; dd <= 31; dd++) {
                s7_datetime a = dt(y, m, dd, 1, 2, 3, 456, 0), b;
                int rc = s7_dt_encode(out, &a);
                if (rc < 0)
                    continue;
                if (s7_dt_decode(out, &b) != 8 || b.year != y || b.month != m || b.day != dd ||
                    b.wday != s7_weekday((uint16_t)y, (uint8_t)m, (uint8_t)dd))
                    bad++;
            }
    CHECK_INT(bad, 0);
    return t_done();
}
