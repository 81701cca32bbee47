/* Durations with units (include/s7/tag.h s7_duration_parse / s7_duration_format): the one
 * reader of "500ms", "0.5s", "2 s", "1min" for the inventory's cycles, the CLI's
 * --timeout / --every and the configuration files' timeouts.  No I/O. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "s7/err.h"
#include "s7/tag.h"
#include "tag/internal.h"

static const char EXAMPLES[] = "e.g. 500ms, 0.5s, 2 s, 1min";

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c; }

/* 1 when s (n chars) is unit u, case-insensitive. */
static int is_unit(const char *s, size_t n, const char *u)
{
    if (strlen(u) != n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != u[i])
            return 0;
    return 1;
}

int s7_duration_parse(const char *text, long bare_unit_ms, long min_ms, long max_ms, long *ms,
                      char *err, size_t errcap)
{
    char t[64];
    if (err && errcap)
        err[0] = 0;
    if (!text || !ms)
        return S7_ERR_INVAL;
    while (*text == ' ' || *text == '\t')
        text++;
    size_t n = strlen(text);
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    if (n == 0) {
        if (err && errcap)
            snprintf(err, errcap, "empty duration: give a time with its unit, %s", EXAMPLES);
        return S7_ERR_INVAL;
    }
    if (n >= sizeof t) {
        if (err && errcap)
            snprintf(err, errcap, "'%.20s...' is too long for a duration; %s", text, EXAMPLES);
        return S7_ERR_INVAL;
    }
    memcpy(t, text, n);
    t[n] = 0;
    const char *s = t;
    uint64_t ip = 0, frac = 0, scale = 1;
    int digits = 0, fdigits = 0;
    while (*s >= '0' && *s <= '9' && digits < 12) {
        ip = ip * 10 + (uint64_t)(*s++ - '0');
        digits++;
    }
    if (*s == '.') {
        s++;
        while (*s >= '0' && *s <= '9' && fdigits < 6) {
            frac = frac * 10 + (uint64_t)(*s++ - '0');
            scale *= 10;
            fdigits++;
        }
        if (!fdigits)
            digits = 0; /* "2." */
    }
    if (!digits && !fdigits) {
        if (err && errcap)
            snprintf(err, errcap, "'%s' is not a duration: a number with its unit, %s%s", t,
                     EXAMPLES, t[0] == '-' ? " (no negative times)" : "");
        return S7_ERR_INVAL;
    }
    if (*s >= '0' && *s <= '9') {
        if (err && errcap)
            snprintf(err, errcap, "'%s' has too many digits for a duration; %s", t, EXAMPLES);
        return S7_ERR_INVAL;
    }
    while (*s == ' ')
        s++;
    long unit;
    if (!*s) {
        if (!bare_unit_ms) {
            if (err && errcap)
                snprintf(err, errcap, "'%s' needs a unit (ms, s, min or h), %s", t, EXAMPLES);
            return S7_ERR_INVAL;
        }
        unit = bare_unit_ms;
    } else if (is_unit(s, strlen(s), "ms")) {
        unit = 1;
    } else if (is_unit(s, strlen(s), "s") || is_unit(s, strlen(s), "sec")) {
        unit = 1000;
    } else if (is_unit(s, strlen(s), "min")) {
        unit = 60000;
    } else if (is_unit(s, strlen(s), "h")) {
        unit = 3600000;
    } else {
        if (err && errcap)
            snprintf(err, errcap, "'%s': unknown unit '%s' (units: ms, s, min, h), %s", t, s,
                     EXAMPLES);
        return S7_ERR_INVAL;
    }
    /* (ip + frac/scale) * unit in whole milliseconds */
    uint64_t whole = (ip * scale + frac) * (uint64_t)unit;
    if (whole % scale) {
        if (err && errcap)
            snprintf(err, errcap,
                     "'%s' is not a whole number of milliseconds (the finest step is 1 ms)", t);
        return S7_ERR_INVAL;
    }
    uint64_t v = whole / scale;
    if (v < (uint64_t)min_ms || v > (uint64_t)max_ms) {
        char lo[32], hi[32];
        s7_duration_format(min_ms, lo, sizeof lo);
        s7_duration_format(max_ms, hi, sizeof hi);
        if (err && errcap)
            snprintf(err, errcap, "'%s' is outside %s..%s", t, lo, hi);
        return S7_ERR_INVAL;
    }
    *ms = (long)v;
    return 0;
}

int s7_duration_format(long ms, char *buf, size_t cap)
{
    s7__sb b;
    s7__sb_init(&b, buf, cap);
    if (ms > 0 && ms % 3600000 == 0)
        s7__sb_printf(&b, "%ld h", ms / 3600000);
    else if (ms > 0 && ms % 60000 == 0)
        s7__sb_printf(&b, "%ld min", ms / 60000);
    else if (ms >= 1000 && ms % 1000 == 0)
        s7__sb_printf(&b, "%ld s", ms / 1000);
    else if (ms >= 1000 && ms % 100 == 0)
        s7__sb_printf(&b, "%ld.%ld s", ms / 1000, (ms % 1000) / 100);
    else
        s7__sb_printf(&b, "%ld ms", ms);
    return s7__sb_done(&b);
}
