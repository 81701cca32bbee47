/* Typed values as text (s7_value_format): wire bytes (big-endian, as read from the PLC)
 * of a tag to human text or JSON.  The reverse is tag/value_parse.c. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/tag.h"
#include "tag/internal.h"

/* ------------------------------------------------------------------ numbers */

/* Shortest decimal text that reads back to the same float (single) or double. */
static void put_float(s7__sb *b, double v, int single, int json)
{
    if (isnan(v)) {
        s7__sb_puts(b, json ? "null" : "nan");
        return;
    }
    if (isinf(v)) {
        s7__sb_puts(b, json ? "null" : (v < 0 ? "-inf" : "inf"));
        return;
    }
    char tmp[48];
    int maxp = single ? 9 : 17;
    for (int prec = 1; prec <= maxp; prec++) {
        snprintf(tmp, sizeof tmp, "%.*e", prec - 1, v);
        if (single ? strtof(tmp, NULL) == (float)v : strtod(tmp, NULL) == v)
            break;
    }
    /* tmp is [-]d[.ddd]e(+|-)XX: collect sign, digits and exponent */
    const char *q = tmp;
    int neg = 0;
    if (*q == '-')
        neg = 1, q++;
    char dig[24];
    int nd = 0;
    while (*q && *q != 'e') {
        if (*q >= '0' && *q <= '9' && nd < (int)sizeof dig - 1)
            dig[nd++] = *q;
        q++;
    }
    int ex = *q == 'e' ? atoi(q + 1) : 0;
    while (nd > 1 && dig[nd - 1] == '0')
        nd--;
    if (neg)
        s7__sb_putc(b, '-');
    if (ex >= -6 && ex < 21) {
        if (ex >= 0) {
            for (int k = 0; k <= ex; k++)
                s7__sb_putc(b, k < nd ? dig[k] : '0');
            if (nd > ex + 1) {
                s7__sb_putc(b, '.');
                s7__sb_putn(b, dig + ex + 1, (size_t)(nd - ex - 1));
            }
        } else {
            s7__sb_puts(b, "0.");
            for (int k = 0; k < -ex - 1; k++)
                s7__sb_putc(b, '0');
            s7__sb_putn(b, dig, (size_t)nd);
        }
    } else {
        s7__sb_putc(b, dig[0]);
        if (nd > 1) {
            s7__sb_putc(b, '.');
            s7__sb_putn(b, dig + 1, (size_t)(nd - 1));
        }
        s7__sb_printf(b, "e%d", ex);
    }
}

/* ------------------------------------------------------------------ strings */

/* A run of characters: bytes (Latin-1) or UTF-16BE units. */
typedef struct strsrc {
    const uint8_t *p;
    size_t n; /* units */
    int wide;
} strsrc;

static uint32_t src_next(const strsrc *s, size_t *i)
{
    if (!s->wide)
        return s->p[(*i)++];
    uint32_t u = s7_get_u16(s->p + 2 * *i);
    (*i)++;
    if (u >= 0xD800 && u <= 0xDBFF && *i < s->n) {
        uint32_t l = s7_get_u16(s->p + 2 * *i);
        if (l >= 0xDC00 && l <= 0xDFFF) {
            (*i)++;
            return 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
        }
    }
    if (u >= 0xD800 && u <= 0xDFFF)
        return 0xFFFD;
    return u;
}

static void put_escaped(s7__sb *b, uint32_t cp)
{
    switch (cp) {
    case '"': s7__sb_puts(b, "\\\""); return;
    case '\\': s7__sb_puts(b, "\\\\"); return;
    case '\n': s7__sb_puts(b, "\\n"); return;
    case '\r': s7__sb_puts(b, "\\r"); return;
    case '\t': s7__sb_puts(b, "\\t"); return;
    case '\b': s7__sb_puts(b, "\\b"); return;
    case '\f': s7__sb_puts(b, "\\f"); return;
    default:
        if (cp < 0x20 || cp == 0x7F) {
            s7__sb_printf(b, "\\u%04X", (unsigned)cp);
            return;
        }
        s7__utf8_put(b, cp);
    }
}

/* A string value: JSON and array elements always quoted; a text-mode scalar is printed as
 * is unless it would not read back that way (edge blanks, a leading quote, controls). */
static void put_string(s7__sb *b, const strsrc *s, int quote)
{
    if (!quote && s->n > 0) {
        size_t i = 0;
        uint32_t first = 0, last = 0;
        int ctl = 0;
        for (int k = 0; i < s->n; k++) {
            uint32_t cp = src_next(s, &i);
            if (k == 0)
                first = cp;
            last = cp;
            if (cp < 0x20 || cp == 0x7F)
                ctl = 1;
        }
        if (ctl || first == ' ' || last == ' ' || first == '"' || first == '\'')
            quote = 1;
    }
    if (quote)
        s7__sb_putc(b, '"');
    for (size_t i = 0; i < s->n;) {
        uint32_t cp = src_next(s, &i);
        if (quote)
            put_escaped(b, cp);
        else
            s7__utf8_put(b, cp);
    }
    if (quote)
        s7__sb_putc(b, '"');
}

/* ------------------------------------------------------------------ times */

/* T#1d2h3m4s5ms style (prefix "T#" or "S5T#"), "0ms" for zero. */
static void put_duration(s7__sb *b, const char *prefix, int64_t ms)
{
    s7__sb_puts(b, prefix);
    uint64_t m = ms < 0 ? (uint64_t)(-(ms + 1)) + 1 : (uint64_t)ms;
    if (ms < 0)
        s7__sb_putc(b, '-');
    if (m == 0) {
        s7__sb_puts(b, "0ms");
        return;
    }
    static const struct {
        uint64_t ms;
        const char *u;
    } units[] = {{86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
        uint64_t q = m / units[k].ms;
        m %= units[k].ms;
        if (q)
            s7__sb_printf(b, "%llu%s", (unsigned long long)q, units[k].u);
    }
}

static void put_hex(s7__sb *b, const uint8_t *p, size_t n)
{
    s7__sb_puts(b, "16#");
    for (size_t i = 0; i < n; i++)
        s7__sb_printf(b, "%02X", p[i]);
}

/* S5TIME word (bits 12-13 time base, 3 BCD digits) in ms, or -1 for bad BCD. */
static int64_t s5time_ms(uint16_t w)
{
    static const int64_t base[4] = {10, 100, 1000, 10000};
    unsigned d2 = (w >> 8) & 0xF, d1 = (w >> 4) & 0xF, d0 = w & 0xF;
    if (d2 > 9 || d1 > 9 || d0 > 9)
        return -1;
    return (int64_t)(d2 * 100 + d1 * 10 + d0) * base[(w >> 12) & 3];
}

/* ------------------------------------------------------------------ elements */

static void fmt_elem(s7__sb *b, const s7_tag *t, const uint8_t *p, int json, int in_array)
{
    switch (t->type) {
    case S7_T_BOOL: s7__sb_puts(b, p[0] ? "true" : "false"); break;
    case S7_T_BYTE:
    case S7_T_USINT: s7__sb_printf(b, "%u", (unsigned)p[0]); break;
    case S7_T_WORD:
    case S7_T_UINT: s7__sb_printf(b, "%u", (unsigned)s7_get_u16(p)); break;
    case S7_T_DWORD:
    case S7_T_UDINT: s7__sb_printf(b, "%lu", (unsigned long)s7_get_u32(p)); break;
    case S7_T_LWORD:
    case S7_T_ULINT: s7__sb_printf(b, "%llu", (unsigned long long)s7_get_u64(p)); break;
    case S7_T_SINT: s7__sb_printf(b, "%d", (int)(int8_t)p[0]); break;
    case S7_T_INT: s7__sb_printf(b, "%d", (int)(int16_t)s7_get_u16(p)); break;
    case S7_T_DINT: s7__sb_printf(b, "%ld", (long)(int32_t)s7_get_u32(p)); break;
    case S7_T_LINT: s7__sb_printf(b, "%lld", (long long)(int64_t)s7_get_u64(p)); break;
    case S7_T_REAL: put_float(b, s7_get_real(p), 1, json); break;
    case S7_T_LREAL: put_float(b, s7_get_lreal(p), 0, json); break;
    case S7_T_CHAR:
    case S7_T_WCHAR: {
        strsrc s = {p, 1, t->type == S7_T_WCHAR};
        put_string(b, &s, json || in_array);
        break;
    }
    case S7_T_STRING: {
        size_t act = p[1];
        if (act > p[0])
            act = p[0];
        if (act > t->strlen)
            act = t->strlen;
        strsrc s = {p + 2, act, 0};
        put_string(b, &s, json || in_array);
        break;
    }
    case S7_T_WSTRING: {
        size_t mx = s7_get_u16(p), act = s7_get_u16(p + 2);
        if (act > mx)
            act = mx;
        if (act > t->strlen)
            act = t->strlen;
        strsrc s = {p + 4, act, 1};
        put_string(b, &s, json || in_array);
        break;
    }
    case S7_T_COUNTER: {
        uint16_t w = s7_get_u16(p);
        unsigned d2 = (w >> 8) & 0xF, d1 = (w >> 4) & 0xF, d0 = w & 0xF;
        if (d2 > 9 || d1 > 9 || d0 > 9 || (w >> 12)) {
            if (json)
                s7__sb_putc(b, '"');
            put_hex(b, p, 2);
            if (json)
                s7__sb_putc(b, '"');
        } else {
            s7__sb_printf(b, "%u", d2 * 100 + d1 * 10 + d0);
        }
        break;
    }
    default: {
        /* date and time types: text, quoted in JSON */
        if (json)
            s7__sb_putc(b, '"');
        switch (t->type) {
        case S7_T_DATE: {
            int64_t y;
            unsigned m, d;
            s7__civil_from_days(S7__DATE_EPOCH + (int64_t)s7_get_u16(p), &y, &m, &d);
            s7__sb_printf(b, "%04lld-%02u-%02u", (long long)y, m, d);
            break;
        }
        case S7_T_TIME: put_duration(b, "T#", (int32_t)s7_get_u32(p)); break;
        case S7_T_TOD: {
            uint32_t ms = s7_get_u32(p);
            if (ms >= 86400000u) {
                put_hex(b, p, 4);
                break;
            }
            s7__sb_printf(b, "%02lu:%02lu:%02lu.%03lu", (unsigned long)(ms / 3600000),
                          (unsigned long)(ms / 60000 % 60), (unsigned long)(ms / 1000 % 60),
                          (unsigned long)(ms % 1000));
            break;
        }
        case S7_T_S5TIME:
        case S7_T_TIMER: {
            int64_t ms = s5time_ms(s7_get_u16(p) & 0x3FFF);
            if (ms < 0)
                put_hex(b, p, 2);
            else
                put_duration(b, "S5T#", ms);
            break;
        }
        case S7_T_DATE_AND_TIME: {
            s7_datetime dt;
            if (s7_dt_decode(p, &dt) < 0)
                put_hex(b, p, 8);
            else
                s7__sb_printf(b, "%04u-%02u-%02u %02u:%02u:%02u.%03u", dt.year, dt.month, dt.day,
                              dt.hour, dt.min, dt.sec, dt.msec);
            break;
        }
        case S7_T_DTL: {
            unsigned y = s7_get_u16(p), mo = p[2], d = p[3], h = p[5], mi = p[6], s = p[7];
            uint32_t ns = s7_get_u32(p + 8);
            if (mo < 1 || mo > 12 || d < 1 || d > s7__days_in_month(y, mo) || h > 23 || mi > 59 ||
                s > 59 || ns > 999999999u || y < 1970 || y > 2262 ||
                (y == 2262 && (mo > 4 || (mo == 4 && d > 11))))
                put_hex(b, p, 12);
            else
                s7__sb_printf(b, "%04u-%02u-%02u %02u:%02u:%02u.%09lu", y, mo, d, h, mi, s,
                              (unsigned long)ns);
            break;
        }
        default: s7__sb_puts(b, "?"); break;
        }
        if (json)
            s7__sb_putc(b, '"');
        break;
    }
    }
}

int s7_value_format(const s7_tag *t, const uint8_t *wire, size_t len, int json, char *buf,
                    size_t cap)
{
    s7__sb b;
    s7__sb_init(&b, buf, cap);
    if (!t || !wire || (unsigned)t->type >= S7_T__COUNT || t->count == 0)
        return S7_ERR_INVAL;
    if ((t->type == S7_T_STRING || t->type == S7_T_WSTRING) && t->strlen == 0)
        return S7_ERR_INVAL;
    uint32_t ws = s7_tag_wire_size(t);
    if (ws == UINT32_MAX || len < ws)
        return S7_ERR_INVAL;
    int arr = t->array || t->count != 1;
    uint32_t es = s7_type_size(t->type, t->strlen);
    if (arr)
        s7__sb_putc(&b, '[');
    for (uint32_t i = 0; i < t->count; i++) {
        if (i)
            s7__sb_puts(&b, ", ");
        if (t->type == S7_T_BOOL) {
            uint8_t v;
            if (t->count == 1) {
                v = wire[0] != 0;
            } else {
                uint64_t k = (uint64_t)t->bit + i;
                v = (uint8_t)((wire[k / 8] >> (k % 8)) & 1);
            }
            fmt_elem(&b, t, &v, json, arr);
        } else {
            fmt_elem(&b, t, wire + (size_t)i * es, json, arr);
        }
    }
    if (arr)
        s7__sb_putc(&b, ']');
    return s7__sb_done(&b);
}
