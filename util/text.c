/* Small text helpers the library's parsers share (util/text.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/text.h"

int s7__errf(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && cap)
        vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return -1;
}

int s7__parse_dec(const char *s, long min, long max, long *out)
{
    if (!s || !*s || !isdigit((unsigned char)*s))
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

size_t s7__utf8_seq(const char *s)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n;
    unsigned char lo = 0x80, hi = 0xBF; /* the second byte's range (RFC 3629, table 3-7) */
    if (u[0] < 0x80)
        return 1;
    if (u[0] >= 0xC2 && u[0] <= 0xDF)
        n = 2;
    else if (u[0] >= 0xE0 && u[0] <= 0xEF) {
        n = 3;
        lo = u[0] == 0xE0 ? 0xA0 : 0x80; /* overlong */
        hi = u[0] == 0xED ? 0x9F : 0xBF; /* surrogates */
    } else if (u[0] >= 0xF0 && u[0] <= 0xF4) {
        n = 4;
        lo = u[0] == 0xF0 ? 0x90 : 0x80; /* overlong */
        hi = u[0] == 0xF4 ? 0x8F : 0xBF; /* above U+10FFFF */
    } else
        return 0;
    if (u[1] < lo || u[1] > hi)
        return 0;
    for (size_t i = 2; i < n; i++)
        if (u[i] < 0x80 || u[i] > 0xBF)
            return 0;
    return n;
}

size_t s7__utf8_prefix(const char *s, size_t max)
{
    size_t at = 0;
    for (size_t chars = 0; s[at] && chars < max; chars++) {
        size_t n = s7__utf8_seq(s + at);
        at += n ? n : 1;
    }
    return at;
}

char *s7__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void s7__jb_printf(s7__jbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        b->len += (size_t)n;
}

void s7__jb_json_str(s7__jbuf *b, const char *s)
{
    s7__jb_printf(b, "\"");
    for (const unsigned char *q = (const unsigned char *)(s ? s : ""); *q; q++) {
        if (*q == '"' || *q == '\\')
            s7__jb_printf(b, "\\%c", *q);
        else if (*q < 0x20)
            s7__jb_printf(b, "\\u%04x", *q);
        else
            s7__jb_printf(b, "%c", *q);
    }
    s7__jb_printf(b, "\"");
}
