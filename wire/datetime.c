/* DATE_AND_TIME (8 BCD bytes) encode/decode and the weekday of a date, shared by the
 * clock functions (wire/) and the DATE_AND_TIME values of tag/. */
#include "s7/wire.h"

static uint8_t bcd(unsigned v) { return (uint8_t)(((v / 10) << 4) | (v % 10)); }

/* Two BCD digits of a byte, or -1 when a nibble is above 9. */
static int unbcd(uint8_t b)
{
    unsigned hi = b >> 4, lo = b & 0x0F;
    if (hi > 9 || lo > 9)
        return -1;
    return (int)(hi * 10 + lo);
}

static unsigned month_days(unsigned y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

uint8_t s7_weekday(uint16_t year, uint8_t month, uint8_t day)
{
    /* Sakamoto's method: 0 = Sunday */
    static const unsigned char off[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    unsigned y = year;
    if (month < 1 || month > 12)
        return 0;
    if (month < 3)
        y -= 1;
    unsigned w = (y + y / 4 - y / 100 + y / 400 + off[month - 1] + day) % 7;
    return (uint8_t)(w + 1);
}

int s7_dt_encode(uint8_t out[8], const s7_datetime *t)
{
    if (!out || !t)
        return S7_ERR_INVAL;
    if (t->year < 1990 || t->year > 2089 || t->month < 1 || t->month > 12 || t->day < 1 ||
        t->day > month_days(t->year, t->month) || t->hour > 23 || t->min > 59 || t->sec > 59 ||
        t->msec > 999 || t->wday > 7)
        return S7_ERR_VALUE;
    uint8_t wday = t->wday ? t->wday : s7_weekday(t->year, t->month, t->day);
    out[0] = bcd(t->year % 100);
    out[1] = bcd(t->month);
    out[2] = bcd(t->day);
    out[3] = bcd(t->hour);
    out[4] = bcd(t->min);
    out[5] = bcd(t->sec);
    out[6] = bcd(t->msec / 10);
    out[7] = (uint8_t)(((t->msec % 10) << 4) | wday);
    return 8;
}

int s7_dt_decode(const uint8_t in[8], s7_datetime *out)
{
    if (!in || !out)
        return S7_ERR_INVAL;
    int yy = unbcd(in[0]), mo = unbcd(in[1]), dd = unbcd(in[2]), hh = unbcd(in[3]);
    int mi = unbcd(in[4]), ss = unbcd(in[5]), ms2 = unbcd(in[6]);
    unsigned ms3 = in[7] >> 4, wd = in[7] & 0x0F;
    if (yy < 0 || mo < 0 || dd < 0 || hh < 0 || mi < 0 || ss < 0 || ms2 < 0 || ms3 > 9)
        return S7_ERR_VALUE;
    unsigned year = (unsigned)(yy >= 90 ? 1900 + yy : 2000 + yy);
    if (mo < 1 || mo > 12 || dd < 1 || (unsigned)dd > month_days(year, (unsigned)mo) || hh > 23 ||
        mi > 59 || ss > 59 || wd > 7)
        return S7_ERR_VALUE;
    out->year = (uint16_t)year;
    out->month = (uint8_t)mo;
    out->day = (uint8_t)dd;
    out->hour = (uint8_t)hh;
    out->min = (uint8_t)mi;
    out->sec = (uint8_t)ss;
    out->msec = (uint16_t)(ms2 * 10 + (int)ms3);
    out->wday = (uint8_t)wd;
    return 8;
}
