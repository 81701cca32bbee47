/* Typed values from text (s7_value_parse): what s7_value_format prints plus the common
 * forms engineers type (16#FF, 0xFF, 2#1010, on/off, T#5s, S5T#2s, DT#..., quoted or bare
 * strings, arrays as [a, b] or a,b), encoded into wire bytes (big-endian). */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/tag.h"
#include "tag/internal.h"

typedef struct vctx {
    const s7_tag *t;
    char *err;
    size_t errcap;
} vctx;

#define QV(s, n) (int)((n) > 60 ? 60 : (n)), (s)

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static int
verr(vctx *c, const char *fmt, ...)
{
    if (c->err && c->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(c->err, c->errcap, fmt, ap);
        va_end(ap);
    }
    return S7_ERR_VALUE;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static char up(char c) { return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c; }

static void trim(const char **s, size_t *n)
{
    while (*n && is_space(**s))
        (*s)++, (*n)--;
    while (*n && is_space((*s)[*n - 1]))
        (*n)--;
}

/* Case-insensitive: does s[0..n) start with the literal p? */
static int has_prefix(const char *s, size_t n, const char *p)
{
    size_t k = strlen(p);
    if (n < k)
        return 0;
    for (size_t i = 0; i < k; i++)
        if (up(s[i]) != p[i])
            return 0;
    return 1;
}

static int eq_word(const char *s, size_t n, const char *w)
{
    return strlen(w) == n && has_prefix(s, n, w);
}

/* Skip the first matching prefix of list (NULL-terminated); returns 1 if one matched. */
static int skip_prefix(const char **s, size_t *n, const char *const *list)
{
    for (; *list; list++) {
        if (has_prefix(*s, *n, *list)) {
            size_t k = strlen(*list);
            *s += k;
            *n -= k;
            return 1;
        }
    }
    return 0;
}

static const char *article(s7_type t)
{
    const char *nm = s7_type_name(t);
    return (nm[0] == 'I' || nm[0] == 'A') ? "an" : "a";
}

/* ------------------------------------------------------------------ integers */

/* Parse an integer literal: [TYPE#][+|-](digits | 16#hex | 2#bin | 8#oct | 0xhex | 0bbin)
 * with '_' between digits.  Returns 0, -1 (not a number) or -2 (too large). */
static int parse_integer(const char *s, size_t n, int *neg, uint64_t *mag)
{
    static const char *const tprefix[] = {"BYTE#", "WORD#",  "DWORD#", "LWORD#", "USINT#",
                                          "UINT#", "UDINT#", "ULINT#", "SINT#",  "INT#",
                                          "DINT#", "LINT#",  "DW#",    "LW#",    "B#",
                                          "W#",    "L#",     "C#",     NULL};
    skip_prefix(&s, &n, tprefix);
    *neg = 0;
    if (n && (s[0] == '-' || s[0] == '+')) {
        *neg = s[0] == '-';
        s++, n--;
    }
    unsigned base = 10;
    if (has_prefix(s, n, "16#"))
        base = 16, s += 3, n -= 3;
    else if (has_prefix(s, n, "2#"))
        base = 2, s += 2, n -= 2;
    else if (has_prefix(s, n, "8#"))
        base = 8, s += 2, n -= 2;
    else if (has_prefix(s, n, "0X"))
        base = 16, s += 2, n -= 2;
    else if (has_prefix(s, n, "0B"))
        base = 2, s += 2, n -= 2;
    if (n == 0)
        return -1;
    uint64_t v = 0;
    int big = 0, nd = 0;
    for (size_t i = 0; i < n; i++) {
        char c = up(s[i]);
        if (c == '_' && nd > 0 && i + 1 < n && s[i + 1] != '_')
            continue;
        unsigned d;
        if (c >= '0' && c <= '9')
            d = (unsigned)(c - '0');
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return -1;
        if (d >= base)
            return -1;
        nd++;
        if (v > (UINT64_MAX - d) / base)
            big = 1;
        else
            v = v * base + d;
    }
    *mag = v;
    return big ? -2 : 0;
}

/* Range of an integer type as text and limits. */
static void int_range(s7_type t, int *sgn, uint64_t *max, const char **txt)
{
    switch (t) {
    case S7_T_BYTE:
    case S7_T_USINT: *sgn = 0, *max = 255, *txt = "0..255"; break;
    case S7_T_WORD:
    case S7_T_UINT: *sgn = 0, *max = 65535, *txt = "0..65535"; break;
    case S7_T_DWORD:
    case S7_T_UDINT: *sgn = 0, *max = 4294967295u, *txt = "0..4294967295"; break;
    case S7_T_LWORD:
    case S7_T_ULINT: *sgn = 0, *max = UINT64_MAX, *txt = "0..18446744073709551615"; break;
    case S7_T_SINT: *sgn = 1, *max = 127, *txt = "-128..127"; break;
    case S7_T_INT: *sgn = 1, *max = 32767, *txt = "-32768..32767"; break;
    case S7_T_DINT: *sgn = 1, *max = 2147483647, *txt = "-2147483648..2147483647"; break;
    default: /* LINT */
        *sgn = 1, *max = INT64_MAX, *txt = "-9223372036854775808..9223372036854775807";
        break;
    }
}

static int parse_int_elem(vctx *c, s7_type t, const char *s, size_t n, uint8_t *out)
{
    int neg, sgn;
    uint64_t mag, max;
    const char *txt;
    int_range(t, &sgn, &max, &txt);
    int rc = parse_integer(s, n, &neg, &mag);
    if (rc == -1)
        return verr(c, "'%.*s' is not %s %s (e.g. %s, 16#FF, 2#1010)", QV(s, n), article(t),
                    s7_type_name(t), sgn ? "-42" : "42");
    int ok = rc == 0;
    if (ok) {
        if (!sgn)
            ok = (!neg || mag == 0) && mag <= max;
        else
            ok = neg ? mag <= max + 1 : mag <= max;
    }
    if (!ok)
        return verr(c, "'%.*s' is out of range for %s (%s)", QV(s, n), s7_type_name(t), txt);
    uint64_t v = neg ? (uint64_t)0 - mag : mag;
    switch (s7_type_size(t, 0)) {
    case 1: out[0] = (uint8_t)v; break;
    case 2: s7_set_u16(out, (uint16_t)v); break;
    case 4: s7_set_u32(out, (uint32_t)v); break;
    default: s7_set_u64(out, v); break;
    }
    return 0;
}

/* ------------------------------------------------------------------ floats */

static int parse_float_elem(vctx *c, s7_type t, const char *s, size_t n, uint8_t *out)
{
    char tmp[128];
    int single = t == S7_T_REAL;
    const char *eg = "(e.g. 3.5, -1e3)";
    if (n == 0 || n >= sizeof tmp)
        return verr(c, "'%.*s' is not %s %s %s", QV(s, n), article(t), s7_type_name(t), eg);
    if (eq_word(s, n, "NULL")) { /* what JSON output prints for NaN and infinities */
        if (single)
            s7_set_real(out, NAN);
        else
            s7_set_lreal(out, NAN);
        return 0;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (is_space(tmp[i]))
            return verr(c, "'%.*s' is not %s %s %s", QV(s, n), article(t), s7_type_name(t), eg);
    char *end = NULL;
    double d;
    float f = 0;
    errno = 0;
    if (single) {
        f = strtof(tmp, &end);
        d = f;
    } else {
        d = strtod(tmp, &end);
    }
    if (end == tmp || *end != '\0')
        return verr(c, "'%.*s' is not %s %s %s", QV(s, n), article(t), s7_type_name(t), eg);
    if (d == 0 && errno == ERANGE) /* 1e-46 for a REAL: it would be written as 0 */
        return verr(c, "'%.*s' is too small for %s: it would be 0 (the smallest is %s)", QV(s, n),
                    s7_type_name(t), single ? "1.4e-45" : "4.9e-324");
    if (isinf(d)) {
        const char *q = tmp;
        if (*q == '+' || *q == '-')
            q++;
        if (up(q[0]) != 'I')
            return verr(c, "'%.*s' is out of range for %s (%s)", QV(s, n), s7_type_name(t),
                        single ? "-3.4028235e38..3.4028235e38"
                               : "-1.7976931348623157e308..1.7976931348623157e308");
    }
    if (single)
        s7_set_real(out, f);
    else
        s7_set_lreal(out, d);
    return 0;
}

/* ------------------------------------------------------------------ text literals */

/* A string literal: "quoted" or 'quoted' with backslash escapes, or bare UTF-8. */
typedef struct lit {
    const char *s;
    size_t n, i;
    int quoted;
} lit;

static void lit_init(lit *L, const char *s, size_t n)
{
    L->quoted = n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0];
    L->s = L->quoted ? s + 1 : s;
    L->n = L->quoted ? n - 2 : n;
    L->i = 0;
}

static int hexval(char c)
{
    c = up(c);
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int read_hex(const lit *L, size_t at, int digits, uint32_t *v)
{
    if (L->n - at < (size_t)digits)
        return -1;
    *v = 0;
    for (int k = 0; k < digits; k++) {
        int h = hexval(L->s[at + (size_t)k]);
        if (h < 0)
            return -1;
        *v = (*v << 4) | (uint32_t)h;
    }
    return 0;
}

/* Next code point: 1 got one, 0 at the end, -1 bad UTF-8, -2 bad escape. */
static int lit_next(lit *L, uint32_t *cp)
{
    if (L->i >= L->n)
        return 0;
    if (L->quoted && L->s[L->i] == '\\') {
        if (L->i + 1 >= L->n)
            return -2;
        char e = L->s[L->i + 1];
        L->i += 2;
        switch (e) {
        case 'n': *cp = '\n'; return 1;
        case 'r': *cp = '\r'; return 1;
        case 't': *cp = '\t'; return 1;
        case 'b': *cp = '\b'; return 1;
        case 'f': *cp = '\f'; return 1;
        case '0': *cp = 0; return 1;
        case '\\':
        case '"':
        case '\'':
        case '/': *cp = (uint32_t)(unsigned char)e; return 1;
        case 'x':
            if (read_hex(L, L->i, 2, cp) < 0)
                return -2;
            L->i += 2;
            return 1;
        case 'u': {
            uint32_t u;
            if (read_hex(L, L->i, 4, &u) < 0)
                return -2;
            L->i += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                uint32_t l;
                if (L->i + 6 <= L->n && L->s[L->i] == '\\' && L->s[L->i + 1] == 'u' &&
                    read_hex(L, L->i + 2, 4, &l) == 0 && l >= 0xDC00 && l <= 0xDFFF) {
                    L->i += 6;
                    *cp = 0x10000 + ((u - 0xD800) << 10) + (l - 0xDC00);
                    return 1;
                }
                return -2;
            }
            if (u >= 0xDC00 && u <= 0xDFFF)
                return -2;
            *cp = u;
            return 1;
        }
        default: return -2;
        }
    }
    return s7__utf8_next(L->s, L->n, &L->i, cp) == 0 ? 1 : -1;
}

static int lit_error(vctx *c, int rc, const char *s, size_t n)
{
    if (rc == -1)
        return verr(c, "'%.*s' is not valid UTF-8 text", QV(s, n));
    return verr(c, "'%.*s' has a bad escape (use \\\\, \\\", \\n, \\t, \\xHH or \\uXXXX)",
                QV(s, n));
}

/* CHAR, WCHAR, STRING[n], WSTRING[n]. */
static int parse_text_elem(vctx *c, const char *s, size_t n, uint8_t *out)
{
    const s7_tag *t = c->t;
    s7_type ty = t->type;
    int wide = ty == S7_T_WCHAR || ty == S7_T_WSTRING;
    uint32_t limit = ty == S7_T_CHAR || ty == S7_T_WCHAR ? 1 : t->strlen;
    lit L;
    uint32_t cp, units = 0, chars = 0;
    int rc;
    /* pass 1: validate and count */
    lit_init(&L, s, n);
    if (n >= 2 && (s[0] == '"' || s[0] == '\'') && !L.quoted) /* a lone quote is itself */
        return verr(c,
                    "'%.*s' starts with a quote but does not end with it: close it (%c...%c), "
                    "or quote the whole text and escape the quote in it (\"\\%c...\")",
                    QV(s, n), s[0], s[0], s[0]);
    while ((rc = lit_next(&L, &cp)) == 1) {
        if (!wide && cp > 0xFF)
            return verr(c,
                        "'%.*s' has a character beyond Latin-1 (U+%04lX) that %s cannot "
                        "hold; use %s",
                        QV(s, n), (unsigned long)cp, ty == S7_T_CHAR ? "CHAR" : "STRING",
                        ty == S7_T_CHAR ? "WCHAR" : "WSTRING");
        if (ty == S7_T_WCHAR && cp > 0xFFFF)
            return verr(c,
                        "'%.*s' (U+%05lX) needs two UTF-16 units and does not fit a WCHAR; "
                        "use WSTRING",
                        QV(s, n), (unsigned long)cp);
        units += cp > 0xFFFF ? 2 : 1;
        chars++;
    }
    if (rc < 0)
        return lit_error(c, rc, s, n);
    if (ty == S7_T_CHAR || ty == S7_T_WCHAR) {
        if (units != 1)
            return verr(c, "'%.*s' is not %s %s (one character, e.g. A or \"A\")", QV(s, n),
                        article(ty), s7_type_name(ty));
    } else if (units > limit && units != chars) {
        /* a WSTRING's length counts UTF-16 units: a character past U+FFFF takes two */
        return verr(c,
                    "'%.*s' is %lu characters in %lu UTF-16 units (one past U+FFFF takes two) "
                    "but %s[%u] holds at most %u units",
                    QV(s, n), (unsigned long)chars, (unsigned long)units, s7_type_name(ty),
                    (unsigned)t->strlen, (unsigned)t->strlen);
    } else if (units > limit) {
        return verr(c, "'%.*s' is %lu characters but %s[%u] holds at most %u", QV(s, n),
                    (unsigned long)units, s7_type_name(ty), (unsigned)t->strlen,
                    (unsigned)t->strlen);
    }
    /* pass 2: write */
    size_t hdr = 0;
    if (ty == S7_T_STRING) {
        memset(out, 0, (size_t)t->strlen + 2);
        out[0] = (uint8_t)t->strlen;
        out[1] = (uint8_t)units;
        hdr = 2;
    } else if (ty == S7_T_WSTRING) {
        memset(out, 0, (size_t)t->strlen * 2 + 4);
        s7_set_u16(out, t->strlen);
        s7_set_u16(out + 2, (uint16_t)units);
        hdr = 4;
    }
    lit_init(&L, s, n);
    size_t k = 0;
    while (lit_next(&L, &cp) == 1) {
        if (!wide) {
            out[hdr + k++] = (uint8_t)cp;
        } else if (cp > 0xFFFF) {
            cp -= 0x10000;
            s7_set_u16(out + hdr + 2 * k++, (uint16_t)(0xD800 + (cp >> 10)));
            s7_set_u16(out + hdr + 2 * k++, (uint16_t)(0xDC00 + (cp & 0x3FF)));
        } else {
            s7_set_u16(out + hdr + 2 * k++, (uint16_t)cp);
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ dates and times */

/* Up to maxd digits at s[*i]; returns the count (0 = none). */
static int digits(const char *s, size_t n, size_t *i, int maxd, uint64_t *v)
{
    int k = 0;
    *v = 0;
    while (*i < n && k < maxd && s[*i] >= '0' && s[*i] <= '9') {
        *v = *v * 10 + (uint64_t)(s[*i] - '0');
        (*i)++, k++;
    }
    return k;
}

/* YYYY-MM-DD at s[*i]. */
static int read_date(const char *s, size_t n, size_t *i, int64_t *y, unsigned *m, unsigned *d)
{
    uint64_t a, b, c;
    if (digits(s, n, i, 4, &a) != 4 || *i >= n || s[*i] != '-')
        return -1;
    (*i)++;
    if (digits(s, n, i, 2, &b) < 1 || *i >= n || s[*i] != '-')
        return -1;
    (*i)++;
    if (digits(s, n, i, 2, &c) < 1)
        return -1;
    if (b < 1 || b > 12 || c < 1 || c > s7__days_in_month((int64_t)a, (unsigned)b))
        return -1;
    *y = (int64_t)a, *m = (unsigned)b, *d = (unsigned)c;
    return 0;
}

/* HH:MM[:SS[.f]] at s[*i]; fraction of up to maxf digits as nanoseconds. */
static int read_hms(const char *s, size_t n, size_t *i, int maxf, unsigned *h, unsigned *mi,
                    unsigned *sec, uint32_t *ns)
{
    uint64_t a, b, c = 0, f = 0;
    int nf = 0;
    if (digits(s, n, i, 2, &a) < 1 || *i >= n || s[*i] != ':')
        return -1;
    (*i)++;
    if (digits(s, n, i, 2, &b) != 2)
        return -1;
    if (*i < n && s[*i] == ':') {
        (*i)++;
        if (digits(s, n, i, 2, &c) != 2)
            return -1;
        if (*i < n && s[*i] == '.') {
            (*i)++;
            nf = digits(s, n, i, maxf, &f);
            if (nf == 0)
                return -1;
        }
    }
    if (a > 23 || b > 59 || c > 59)
        return -1;
    for (int k = nf; k < 9; k++)
        f *= 10;
    *h = (unsigned)a, *mi = (unsigned)b, *sec = (unsigned)c, *ns = (uint32_t)f;
    return 0;
}

/* Date with an optional time: "2026-11-21 13:45:00.123", "2026-11-21-13:45", "...T...". */
static int read_datetime(const char *s, size_t n, int maxf, int64_t *y, unsigned *mo, unsigned *d,
                         unsigned *h, unsigned *mi, unsigned *sec, uint32_t *ns)
{
    size_t i = 0;
    if (read_date(s, n, &i, y, mo, d) < 0)
        return -1;
    *h = *mi = *sec = 0;
    *ns = 0;
    if (i == n)
        return 0;
    if (s[i] != ' ' && s[i] != '-' && s[i] != 'T' && s[i] != 't' && s[i] != '_')
        return -1;
    while (i < n && s[i] == ' ')
        i++;
    if (i < n && (s[i] == '-' || s[i] == 'T' || s[i] == 't' || s[i] == '_'))
        i++;
    if (read_hms(s, n, &i, maxf, h, mi, sec, ns) < 0 || i != n)
        return -1;
    return 0;
}

/* A duration: [-]1d2h3m4s5ms (fractions allowed, '_' between parts) or bare ms.
 * Returns 0, -1 (syntax) or -2 (not whole ms / too large). */
static int parse_duration(const char *s, size_t n, int64_t *ms)
{
    size_t i = 0;
    int neg = 0;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i] == '-', i++;
    if (i == n)
        return -1;
    int64_t total = 0;
    const int64_t cap = (int64_t)1 << 50;
    int parts = 0;
    size_t j = i;
    while (j < n && s[j] >= '0' && s[j] <= '9')
        j++;
    if (j == n) { /* bare number of milliseconds */
        uint64_t v;
        if (digits(s, n, &i, 16, &v) < 1 || i != n)
            return i != n ? -2 : -1;
        *ms = neg ? -(int64_t)v : (int64_t)v;
        return 0;
    }
    while (i < n) {
        if (s[i] == '_' && parts > 0) {
            i++;
            continue;
        }
        uint64_t ip, fp = 0;
        int nf = 0;
        if (digits(s, n, &i, 12, &ip) < 1)
            return -1;
        if (i < n && s[i] == '.') {
            i++;
            nf = digits(s, n, &i, 9, &fp);
            if (nf == 0)
                return -1;
        }
        int64_t unit;
        if (i + 1 < n && up(s[i]) == 'M' && up(s[i + 1]) == 'S')
            unit = 1, i += 2;
        else if (i < n && up(s[i]) == 'D')
            unit = 86400000, i++;
        else if (i < n && up(s[i]) == 'H')
            unit = 3600000, i++;
        else if (i < n && up(s[i]) == 'M')
            unit = 60000, i++;
        else if (i < n && up(s[i]) == 'S')
            unit = 1000, i++;
        else
            return -1;
        if (ip > (uint64_t)(cap / unit))
            return -2;
        int64_t v = (int64_t)ip * unit;
        if (nf) {
            int64_t p10 = 1;
            for (int k = 0; k < nf; k++)
                p10 *= 10;
            int64_t num = (int64_t)fp * unit;
            if (num % p10)
                return -2;
            v += num / p10;
        }
        total += v;
        if (total > cap)
            return -2;
        parts++;
    }
    *ms = neg ? -total : total;
    return 0;
}

/* Raw "16#..." bytes of exactly size bytes (the form printed for undecodable values). */
static int raw_hex(const char *s, size_t n, size_t size, uint8_t *out)
{
    if (!has_prefix(s, n, "16#") || n - 3 != 2 * size)
        return -1;
    for (size_t k = 0; k < size; k++) {
        int a = hexval(s[3 + 2 * k]), b = hexval(s[4 + 2 * k]);
        if (a < 0 || b < 0)
            return -1;
        out[k] = (uint8_t)(a << 4 | b);
    }
    return 0;
}

static int parse_s5time(vctx *c, s7_type ty, const char *s0, size_t n0, uint8_t *out)
{
    static const char *const pfx[] = {"S5TIME#", "S5T#", "TIME#", "T#", NULL};
    const char *s = s0;
    size_t n = n0;
    if (raw_hex(s, n, 2, out) == 0)
        return 0;
    skip_prefix(&s, &n, pfx);
    int64_t ms;
    int rc = parse_duration(s, n, &ms);
    if (rc == -1)
        return verr(c, "'%.*s' is not %s %s (e.g. S5T#2s500ms, T#1m30s)", QV(s0, n0), article(ty),
                    s7_type_name(ty));
    if (rc == 0 && ms < 0)
        return verr(c, "'%.*s' is negative; %s holds 0ms..2h46m30s", QV(s0, n0), s7_type_name(ty));
    static const int64_t base[4] = {10, 100, 1000, 10000};
    for (unsigned k = 0; rc == 0 && k < 4; k++) {
        if (ms % base[k] == 0 && ms / base[k] <= 999) {
            unsigned v = (unsigned)(ms / base[k]);
            s7_set_u16(out, (uint16_t)(k << 12 | (v / 100) << 8 | (v / 10 % 10) << 4 | v % 10));
            return 0;
        }
    }
    return verr(c,
                "'%.*s' cannot be stored as %s: it holds 10ms steps up to 9s990ms, 100ms "
                "steps up to 1m39s900ms, 1s steps up to 16m39s, 10s steps up to 2h46m30s",
                QV(s0, n0), s7_type_name(ty));
}

static int parse_time_elem(vctx *c, s7_type ty, const char *s0, size_t n0, uint8_t *out)
{
    const char *s = s0;
    size_t n = n0;
    switch (ty) {
    case S7_T_DATE: {
        static const char *const pfx[] = {"DATE#", "D#", NULL};
        skip_prefix(&s, &n, pfx);
        int64_t y;
        unsigned m, d;
        size_t i = 0;
        if (read_date(s, n, &i, &y, &m, &d) < 0 || i != n)
            return verr(c, "'%.*s' is not a DATE (e.g. 2026-11-21)", QV(s0, n0));
        int64_t days = s7__days_from_civil(y, m, d) - S7__DATE_EPOCH;
        if (days < 0 || days > 65535)
            return verr(c, "'%.*s' is out of range for DATE (1990-01-01..2169-06-06)", QV(s0, n0));
        s7_set_u16(out, (uint16_t)days);
        return 0;
    }
    case S7_T_TIME: {
        static const char *const pfx[] = {"TIME#", "T#", NULL};
        skip_prefix(&s, &n, pfx);
        int64_t ms;
        int rc = parse_duration(s, n, &ms);
        if (rc == -1)
            return verr(c, "'%.*s' is not a TIME (e.g. T#1d2h3m4s5ms, T#-5s, T#250ms)", QV(s0, n0));
        if (rc == -2 || ms < INT32_MIN || ms > INT32_MAX)
            return verr(c,
                        "'%.*s' is out of range for TIME (T#-24d20h31m23s648ms.."
                        "T#24d20h31m23s647ms, whole milliseconds)",
                        QV(s0, n0));
        s7_set_u32(out, (uint32_t)(int32_t)ms);
        return 0;
    }
    case S7_T_TOD: {
        static const char *const pfx[] = {"TIME_OF_DAY#", "TOD#", NULL};
        if (raw_hex(s, n, 4, out) == 0)
            return 0;
        skip_prefix(&s, &n, pfx);
        size_t i = 0;
        unsigned h, mi, sec;
        uint32_t ns;
        if (read_hms(s, n, &i, 3, &h, &mi, &sec, &ns) < 0 || i != n)
            return verr(c, "'%.*s' is not a TOD (e.g. 13:45:00.123, 00:00..23:59:59.999)",
                        QV(s0, n0));
        s7_set_u32(out, ((h * 60 + mi) * 60 + sec) * 1000u + ns / 1000000u);
        return 0;
    }
    case S7_T_DATE_AND_TIME: {
        static const char *const pfx[] = {"DATE_AND_TIME#", "DT#", NULL};
        if (raw_hex(s, n, 8, out) == 0)
            return 0;
        skip_prefix(&s, &n, pfx);
        int64_t y;
        unsigned mo, d, h, mi, sec;
        uint32_t ns;
        if (read_datetime(s, n, 3, &y, &mo, &d, &h, &mi, &sec, &ns) < 0)
            return verr(c, "'%.*s' is not a DATE_AND_TIME (e.g. 2026-11-21 13:45:00.123)",
                        QV(s0, n0));
        s7_datetime dt = {(uint16_t)y,
                          (uint8_t)mo,
                          (uint8_t)d,
                          (uint8_t)h,
                          (uint8_t)mi,
                          (uint8_t)sec,
                          (uint16_t)(ns / 1000000u),
                          0};
        if (y < 1990 || y > 2089 || s7_dt_encode(out, &dt) < 0)
            return verr(c,
                        "'%.*s' is out of range for DATE_AND_TIME (1990-01-01.."
                        "2089-12-31 23:59:59.999)",
                        QV(s0, n0));
        return 0;
    }
    case S7_T_DTL: {
        static const char *const pfx[] = {"DTL#", NULL};
        if (raw_hex(s, n, 12, out) == 0)
            return 0;
        skip_prefix(&s, &n, pfx);
        int64_t y;
        unsigned mo, d, h, mi, sec;
        uint32_t ns;
        if (read_datetime(s, n, 9, &y, &mo, &d, &h, &mi, &sec, &ns) < 0)
            return verr(c, "'%.*s' is not a DTL (e.g. 2026-11-21 13:45:00.123456789)", QV(s0, n0));
        if (y < 1970 || y > 2262 || (y == 2262 && (mo > 4 || (mo == 4 && d > 11))))
            return verr(c, "'%.*s' is out of range for DTL (1970-01-01..2262-04-11)", QV(s0, n0));
        s7_set_u16(out, (uint16_t)y);
        out[2] = (uint8_t)mo;
        out[3] = (uint8_t)d;
        out[4] = s7_weekday((uint16_t)y, (uint8_t)mo, (uint8_t)d);
        out[5] = (uint8_t)h;
        out[6] = (uint8_t)mi;
        out[7] = (uint8_t)sec;
        s7_set_u32(out + 8, ns);
        return 0;
    }
    case S7_T_COUNTER: {
        if (raw_hex(s, n, 2, out) == 0) /* the raw counter word, as printed for bad BCD */
            return 0;
        int neg;
        uint64_t mag;
        int rc = parse_integer(s, n, &neg, &mag);
        if (rc == -1)
            return verr(c, "'%.*s' is not a COUNTER value (0..999, e.g. 42 or C#42)", QV(s0, n0));
        if (rc != 0 || (neg && mag) || mag > 999)
            return verr(c, "'%.*s' is out of range for COUNTER (0..999)", QV(s0, n0));
        unsigned v = (unsigned)mag;
        s7_set_u16(out, (uint16_t)((v / 100) << 8 | (v / 10 % 10) << 4 | v % 10));
        return 0;
    }
    default: /* S5TIME, TIMER */ return parse_s5time(c, ty, s0, n0, out);
    }
}

/* ------------------------------------------------------------------ elements */

static int parse_bool(vctx *c, const char *s, size_t n, int *v)
{
    static const char *const yes[] = {"TRUE", "1", "ON", "YES", NULL};
    static const char *const no[] = {"FALSE", "0", "OFF", "NO", NULL};
    for (int k = 0; yes[k]; k++) {
        if (eq_word(s, n, yes[k])) {
            *v = 1;
            return 0;
        }
        if (eq_word(s, n, no[k])) {
            *v = 0;
            return 0;
        }
    }
    return verr(c, "'%.*s' is not a BOOL (true/false, 1/0, on/off)", QV(s, n));
}

/* One element (not BOOL) into out (the element's bytes). */
static int parse_elem(vctx *c, const char *s, size_t n, uint8_t *out)
{
    s7_type ty = c->t->type;
    int text = ty == S7_T_CHAR || ty == S7_T_WCHAR || ty == S7_T_STRING || ty == S7_T_WSTRING;
    if (!text && n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0]) {
        s++, n -= 2; /* JSON quotes around a date, time or number */
        trim(&s, &n);
    }
    switch (ty) {
    case S7_T_BYTE:
    case S7_T_WORD:
    case S7_T_DWORD:
    case S7_T_LWORD:
    case S7_T_SINT:
    case S7_T_USINT:
    case S7_T_INT:
    case S7_T_UINT:
    case S7_T_DINT:
    case S7_T_UDINT:
    case S7_T_LINT:
    case S7_T_ULINT: return parse_int_elem(c, ty, s, n, out);
    case S7_T_REAL:
    case S7_T_LREAL: return parse_float_elem(c, ty, s, n, out);
    case S7_T_CHAR:
    case S7_T_WCHAR:
    case S7_T_STRING:
    case S7_T_WSTRING: return parse_text_elem(c, s, n, out);
    default: return parse_time_elem(c, ty, s, n, out);
    }
}

/* Split an array text at top-level commas (quotes respected); calls back per element.
 * Returns the element count or a negative error from the callback. */
typedef int (*elem_fn)(vctx *c, uint32_t idx, const char *s, size_t n, uint8_t *out);

static int split(vctx *c, const char *s, size_t n, elem_fn fn, uint8_t *out, uint32_t max,
                 uint32_t *count)
{
    uint32_t k = 0;
    size_t i = 0;
    *count = 0;
    {
        const char *ts = s;
        size_t tn = n;
        trim(&ts, &tn);
        if (tn == 0)
            return 0;
    }
    while (i <= n) {
        size_t st = i;
        while (i < n && is_space(s[i]))
            i++;
        if (i < n && (s[i] == '"' || s[i] == '\'')) {
            char q = s[i++];
            while (i < n && s[i] != q) {
                if (s[i] == '\\' && i + 1 < n)
                    i++;
                i++;
            }
            if (i < n)
                i++;
        }
        while (i < n && s[i] != ',')
            i++;
        const char *es = s + st;
        size_t en = i - st;
        trim(&es, &en);
        if (fn && k < max) {
            int rc = fn(c, k, es, en, out);
            if (rc < 0)
                return rc;
        }
        k++;
        i++; /* past ',' (or the end) */
    }
    *count = k;
    return 0;
}

static int elem_cb(vctx *c, uint32_t idx, const char *s, size_t n, uint8_t *out)
{
    const s7_tag *t = c->t;
    if (t->type == S7_T_BOOL) {
        int v = 0;
        if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
            s++, n -= 2;
        int rc = parse_bool(c, s, n, &v);
        if (rc)
            return rc;
        if (t->count == 1) {
            out[0] = (uint8_t)v;
        } else {
            uint64_t k = (uint64_t)t->bit + idx;
            if (v)
                out[k / 8] = (uint8_t)(out[k / 8] | (1u << (k % 8)));
            else
                out[k / 8] = (uint8_t)(out[k / 8] & ~(1u << (k % 8)));
        }
        return 0;
    }
    size_t es = s7_type_size(t->type, t->strlen);
    return parse_elem(c, s, n, out + es * idx);
}

static int count_cb(vctx *c, uint32_t idx, const char *s, size_t n, uint8_t *out)
{
    (void)c, (void)idx, (void)s, (void)n, (void)out;
    return 0;
}

int s7_value_parse(const s7_tag *t, const char *text, uint8_t *out, size_t cap, char *err,
                   size_t errcap)
{
    vctx c = {t, err, err ? errcap : 0};
    if (c.errcap)
        err[0] = '\0';
    if (!t || !text || !out || (unsigned)t->type >= S7_T__COUNT || t->count == 0 ||
        ((t->type == S7_T_STRING || t->type == S7_T_WSTRING) && t->strlen == 0)) {
        verr(&c, "invalid tag or value");
        return S7_ERR_INVAL;
    }
    uint32_t ws = s7_tag_wire_size(t);
    if (ws == UINT32_MAX || cap < ws) {
        verr(&c, "the value needs %lu bytes, the buffer holds %lu", (unsigned long)ws,
             (unsigned long)cap);
        return S7_ERR_NOSPACE;
    }
    const char *s = text;
    size_t n = strlen(text);
    trim(&s, &n);
    int arr = t->array || t->count != 1;
    if (!arr)
        return elem_cb(&c, 0, s, n, out) < 0 ? S7_ERR_VALUE : (int)ws;
    if (n && s[0] == '[') {
        if (s[n - 1] != ']')
            return verr(&c, "'%.*s' misses the closing ']'", QV(s, n));
        s++, n -= 2;
    }
    uint32_t got;
    int rc = split(&c, s, n, count_cb, out, t->count, &got);
    if (rc < 0)
        return rc;
    if (got != t->count) {
        if (t->type == S7_T_STRING || t->type == S7_T_WSTRING)
            return verr(&c, "%s[%u][%lu] needs %lu values, got %lu", s7_type_name(t->type),
                        (unsigned)t->strlen, (unsigned long)t->count, (unsigned long)t->count,
                        (unsigned long)got);
        return verr(&c, "%s[%lu] needs %lu values, got %lu", s7_type_name(t->type),
                    (unsigned long)t->count, (unsigned long)t->count, (unsigned long)got);
    }
    rc = split(&c, s, n, elem_cb, out, t->count, &got);
    if (rc < 0)
        return rc;
    return (int)ws;
}
