/* Shared helpers of tag/: the bounded text builder and UTF-8 encoding/decoding (calendar
 * arithmetic: util/date.c). */
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
