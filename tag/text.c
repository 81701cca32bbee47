/* Shared helpers of tag/: the bounded text builder, calendar arithmetic (civil dates
 * <-> day numbers) and UTF-8 encoding/decoding. */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tag/internal.h"

void s7__sb_init(s7__sb *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = buf ? cap : 0;
    b->len = 0;
    if (b->cap)
        b->buf[0] = '\0';
}

void s7__sb_putc(s7__sb *b, char c)
{
    if (b->len + 1 < b->cap) {
        b->buf[b->len] = c;
        b->buf[b->len + 1] = '\0';
    }
    b->len++;
}

void s7__sb_putn(s7__sb *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s7__sb_putc(b, s[i]);
}

void s7__sb_puts(s7__sb *b, const char *s) { s7__sb_putn(b, s, strlen(s)); }

void s7__sb_printf(s7__sb *b, const char *fmt, ...)
{
    char tmp[160];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof tmp)
        n = (int)sizeof tmp - 1;
    s7__sb_putn(b, tmp, (size_t)n);
}

int s7__sb_done(s7__sb *b) { return b->len > (size_t)INT_MAX ? INT_MAX : (int)b->len; }

/* Day number of a civil date: shift the year to start in March so the leap day is
 * last, count whole 400-year eras, then days within the era. */
int64_t s7__days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;                         /* 0..399 */
    int64_t mp = (m + 9) % 12;                           /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;   /* 0..365 */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy; /* 0..146096 */
    return era * 146097 + doe - 719468;
}

void s7__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

unsigned s7__days_in_month(int64_t y, unsigned m)
{
    static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return 29;
    return dim[m - 1];
}

void s7__utf8_put(s7__sb *b, uint32_t cp)
{
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    if (cp < 0x80) {
        s7__sb_putc(b, (char)cp);
    } else if (cp < 0x800) {
        s7__sb_putc(b, (char)(0xC0 | (cp >> 6)));
        s7__sb_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        s7__sb_putc(b, (char)(0xE0 | (cp >> 12)));
        s7__sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        s7__sb_putc(b, (char)(0x80 | (cp & 0x3F)));
    } else {
        s7__sb_putc(b, (char)(0xF0 | (cp >> 18)));
        s7__sb_putc(b, (char)(0x80 | ((cp >> 12) & 0x3F)));
        s7__sb_putc(b, (char)(0x80 | ((cp >> 6) & 0x3F)));
        s7__sb_putc(b, (char)(0x80 | (cp & 0x3F)));
    }
}

int s7__utf8_next(const char *s, size_t n, size_t *i, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t k = *i;
    if (k >= n)
        return -1;
    unsigned c = u[k];
    size_t need;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        *i = k + 1;
        return 0;
    } else if ((c & 0xE0) == 0xC0) {
        need = 1, v = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        need = 2, v = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        need = 3, v = c & 0x07, min = 0x10000;
    } else {
        return -1;
    }
    if (n - k - 1 < need)
        return -1;
    for (size_t j = 1; j <= need; j++) {
        if ((u[k + j] & 0xC0) != 0x80)
            return -1;
        v = (v << 6) | (u[k + j] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return -1;
    *cp = v;
    *i = k + 1 + need;
    return 0;
}
