/* s7kit plant model: the value parsers (include/s7/plant.h) that loaders and forms share:
 * names, IPv4 addresses, TSAP pairs, connection types, kinds, areas, cycles and byte ranges
 * written as addresses (the address grammar is tag/'s).  No I/O. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plant/internal.h"
#include "util/text.h"
#include "s7/plant.h"
#include "s7/tag.h"
#include "s7/wire.h"

int s7__plant_ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

int s7_plant_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    int ok = n >= 1 && n <= 40 && isalpha((unsigned char)s[0]);
    for (size_t i = 0; ok && i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-' && s[i] != '.')
            ok = 0;
    return ok;
}

int s7_plant_parse_ipv4(const char *s, uint32_t *ip)
{
    uint32_t v = 0;
    if (!s)
        return -1;
    for (int part = 0; part < 4; part++) {
        unsigned n = 0;
        size_t digits = 0;
        if (part && *s++ != '.')
            return -1;
        while (isdigit((unsigned char)*s) && digits < 4) {
            n = n * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        /* 1..3 digits, no leading zero, at most 255 */
        if (digits < 1 || digits > 3 || n > 255 || (digits > 1 && s[-(long)digits] == '0'))
            return -1;
        v = v << 8 | n;
    }
    if (*s)
        return -1;
    *ip = v;
    return 0;
}

/* Exactly 1..4 hex digits; 0 or -1. */
static int parse_hex16(const char *s, size_t len, uint16_t *out)
{
    unsigned v = 0;
    if (len < 1 || len > 4)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (!isxdigit((unsigned char)s[i]))
            return -1;
        int d = isdigit((unsigned char)s[i]) ? s[i] - '0' : tolower((unsigned char)s[i]) - 'a' + 10;
        v = v << 4 | (unsigned)d;
    }
    *out = (uint16_t)v;
    return 0;
}

int s7_plant_parse_tsap(const char *s, uint16_t *local, uint16_t *remote)
{
    const char *colon = s ? strchr(s, ':') : NULL;
    uint16_t l = 0, r = 0;
    if (!colon || parse_hex16(s, (size_t)(colon - s), &l) ||
        parse_hex16(colon + 1, strlen(colon + 1), &r))
        return -1;
    *local = l;
    *remote = r;
    return 0;
}

int s7_plant_parse_type(const char *s, int *type)
{
    int t = 0;
    if (s7__plant_ieq(s, "pg"))
        t = 1;
    else if (s7__plant_ieq(s, "op") || s7__plant_ieq(s, "hmi"))
        t = 2;
    else if (s7__plant_ieq(s, "basic") || s7__plant_ieq(s, "s7") || s7__plant_ieq(s, "s7-basic"))
        t = 3;
    if (!t)
        return -1;
    *type = t;
    return 0;
}

int s7_plant_parse_kind(const char *s, int *kind)
{
    for (int i = 0; i < S7_PLANT_KIND__COUNT; i++)
        if (s7__plant_ieq(s, s7_plant_kind_name(i))) {
            *kind = i;
            return 0;
        }
    return -1;
}

int s7_plant_parse_area(const char *s, uint8_t *area)
{
    if (s7__plant_ieq(s, "DB"))
        *area = S7_AREA_DB;
    else if (s7__plant_ieq(s, "I") || s7__plant_ieq(s, "E") || s7__plant_ieq(s, "inputs"))
        *area = S7_AREA_I;
    else if (s7__plant_ieq(s, "Q") || s7__plant_ieq(s, "A") || s7__plant_ieq(s, "outputs"))
        *area = S7_AREA_Q;
    else if (s7__plant_ieq(s, "M") || s7__plant_ieq(s, "flags") || s7__plant_ieq(s, "markers"))
        *area = S7_AREA_M;
    else
        return -1;
    return 0;
}

int s7_plant_parse_cycle(const char *c, long *ms)
{
    if (s7__plant_ieq(c, "event") || s7__plant_ieq(c, "on-event") || s7__plant_ieq(c, "on event") ||
        s7__plant_ieq(c, "on-demand") || s7__plant_ieq(c, "acyclic")) {
        *ms = 0;
        return 0;
    }
    long v;
    if (s7_duration_parse(c, 1, 1, 86400000, &v, NULL, 0))
        return -1;
    *ms = v;
    return 0;
}

/* ---------------------------------------------------------------- ranges as text */

static const char RANGE_FORMS[] =
    "a range is DB10.DBB0..DBB63, DB10.DBW4, 'DB10.DBB0:BYTE[64]', MB0..MB15, IB0..IB7, an ANY "
    "pointer P#DB10.DBX0.0 BYTE 64, {db: 10, offset: 0, length: 64}, or timers T0..T15 (T5, "
    "'T0:TIMER[16]', 'P#T 0 TIMER 16') and counters C0..C7 (Z0..Z7, 'P#C 0 COUNTER 8')";

const char *s7_plant_range_forms(void) { return RANGE_FORMS; }

static int is_tc(uint8_t area) { return area == S7_AREA_T || area == S7_AREA_C; }

/* First byte and byte count of a parsed address (of a timer or counter: first element
 * number and element count). */
static void tag_extent(const s7_tag *t, uint32_t *first, uint32_t *len)
{
    *first = t->byte;
    if (is_tc(t->area))
        *len = t->count ? t->count : 1;
    else if (t->type == S7_T_BOOL)
        *len = (t->bit + (t->count ? t->count : 1) + 7) / 8;
    else
        *len = s7_tag_size(t) ? s7_tag_size(t) : 1;
}

int s7_plant_parse_range(const char *s, const char *key, s7_plant_range *r, char *err,
                         size_t errcap)
{
    char left[200], right[200], perr[256] = "";
    const char *dots = strstr(s, "..");
    s7_tag t;
    uint32_t first, len;
    if (dots) {
        if ((size_t)(dots - s) >= sizeof left || strlen(dots + 2) >= sizeof right - 16)
            return s7__errf(err, errcap, "%s: '%s' is too long; %s", key, s, RANGE_FORMS);
        snprintf(left, sizeof left, "%.*s", (int)(dots - s), s);
        snprintf(right, sizeof right, "%s", dots + 2);
    } else {
        if (strlen(s) >= sizeof left)
            return s7__errf(err, errcap, "%s: '%.40s...' is too long; %s", key, s, RANGE_FORMS);
        memcpy(left, s, strlen(s) + 1);
    }
    if (s7_tag_parse(left, &t, perr, sizeof perr) < 0)
        return s7__errf(err, errcap, "%s: '%s': %s; %s", key, left,
                        perr[0] ? perr : "not an address", RANGE_FORMS);
    if (t.area != S7_AREA_DB && t.area != S7_AREA_I && t.area != S7_AREA_Q && t.area != S7_AREA_M &&
        !is_tc(t.area))
        return s7__errf(err, errcap,
                        "%s: '%s' is not in a DB, the I, Q or M area, the timers or the counters "
                        "(peripheral addresses are not documented as ranges: copy them into a "
                        "DB); %s",
                        key, left, RANGE_FORMS);
    tag_extent(&t, &first, &len);
    s7_plant_range out;
    memset(&out, 0, sizeof out);
    out.line = r->line;
    out.area = t.area;
    out.db = t.db;
    out.offset = first;
    out.length = len;
    if (dots) {
        long last;
        if (s7__parse_dec(right, 0, 65535, &last) == 0) {
            /* DB10.DBB0..63: the last byte; T0..15: the last timer */
        } else {
            char full[220];
            s7_tag u;
            int has_db = (right[0] == 'D' || right[0] == 'd') &&
                         (right[1] == 'B' || right[1] == 'b') && isdigit((unsigned char)right[2]);
            if (t.area == S7_AREA_DB && !has_db && right[0] != '%')
                snprintf(full, sizeof full, "DB%u.%s", t.db, right);
            else
                snprintf(full, sizeof full, "%s", right);
            perr[0] = 0;
            if (s7_tag_parse(full, &u, perr, sizeof perr) < 0)
                return s7__errf(err, errcap, "%s: '%s': the end '%s' is not an address (%s); %s",
                                key, s, right, perr[0] ? perr : "?", RANGE_FORMS);
            if (u.area != t.area || u.db != t.db)
                return s7__errf(err, errcap,
                                "%s: '%s': both ends must be in the same %s, e.g. %s; %s", key, s,
                                t.area == S7_AREA_DB ? "DB" : "area",
                                t.area == S7_AREA_T   ? "T0..T15"
                                : t.area == S7_AREA_C ? "C0..C7"
                                                      : "DB10.DBB0..DBB63",
                                RANGE_FORMS);
            uint32_t f2, l2;
            tag_extent(&u, &f2, &l2);
            last = (long)(f2 + l2 - 1);
        }
        if ((uint32_t)last < first)
            return s7__errf(err, errcap, "%s: '%s' ends (%s %ld) before it starts (%s %u)", key, s,
                            is_tc(t.area) ? "number" : "byte", last,
                            is_tc(t.area) ? "number" : "byte", first);
        out.length = (uint32_t)last - first + 1;
    }
    if (is_tc(t.area) && out.offset + out.length > 65536)
        return s7__errf(err, errcap, "%s: '%s' ends beyond %s 65535", key, s,
                        t.area == S7_AREA_T ? "timer" : "counter");
    if (out.offset + out.length > 65536)
        return s7__errf(err, errcap,
                        "%s: '%s' ends beyond byte 65535: PUT/GET addresses at most 64 KB of an "
                        "area (an S7-1500 DB larger than that is optimized)",
                        key, s);
    *r = out;
    return 0;
}

/* ---------------------------------------------------------------- IPv6, names, prefixes */

int s7_plant_parse_ipv6(const char *s, uint8_t ip6[16])
{
    uint16_t g[8];
    int n = 0, gap = -1; /* groups parsed; where "::" stands (index into g) */
    if (!s || !*s || strlen(s) > 45)
        return -1;
    const char *p = s;
    if (p[0] == ':') {
        if (p[1] != ':')
            return -1;
        gap = 0;
        p += 2;
        if (!*p)
            goto done;
    }
    for (;;) {
        /* an embedded IPv4 address ends the text and fills two groups */
        const char *end = p + strcspn(p, ":");
        if (!*end && memchr(p, '.', (size_t)(end - p))) {
            uint32_t v4;
            if (n > 6 || s7_plant_parse_ipv4(p, &v4))
                return -1;
            g[n++] = (uint16_t)(v4 >> 16);
            g[n++] = (uint16_t)v4;
            break;
        }
        if (n >= 8 || parse_hex16(p, (size_t)(end - p), &g[n]))
            return -1;
        n++;
        if (!*end)
            break;
        p = end + 1;
        if (*p == ':') {
            if (gap >= 0)
                return -1; /* "::" twice */
            gap = n;
            p++;
            if (!*p)
                break;
        }
    }
done:
    if (gap < 0 ? n != 8 : n > 7)
        return -1;
    memset(ip6, 0, 16);
    int tail = gap < 0 ? 0 : n - gap; /* groups after the gap */
    for (int i = 0; i < n - tail; i++) {
        ip6[2 * i] = (uint8_t)(g[i] >> 8);
        ip6[2 * i + 1] = (uint8_t)g[i];
    }
    for (int i = 0; i < tail; i++) {
        int at = 8 - tail + i;
        ip6[2 * at] = (uint8_t)(g[gap + i] >> 8);
        ip6[2 * at + 1] = (uint8_t)g[gap + i];
    }
    return 0;
}

const char *s7_plant_ipv6_text(const uint8_t ip6[16], char *buf, size_t cap)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};
    unsigned g[8];
    int best = -1, bestlen = 0;
    size_t o = 0;
    if (!cap)
        return buf;
    buf[0] = 0;
    if (memcmp(ip6, mapped, 12) == 0) {
        snprintf(buf, cap, "::ffff:%u.%u.%u.%u", ip6[12], ip6[13], ip6[14], ip6[15]);
        return buf;
    }
    for (int i = 0; i < 8; i++)
        g[i] = (unsigned)ip6[2 * i] << 8 | ip6[2 * i + 1];
    for (int i = 0; i < 8;) { /* the longest run of zero groups (the first of equal ones) */
        int j = i;
        while (j < 8 && g[j] == 0)
            j++;
        if (j - i > bestlen) {
            best = i;
            bestlen = j - i;
        }
        i = j > i ? j : i + 1;
    }
    if (bestlen < 2)
        best = -1;
    for (int i = 0; i < 8 && o < cap; i++) {
        if (i == best) {
            o += (size_t)snprintf(buf + o, cap - o, "::");
            i += bestlen - 1;
            continue;
        }
        int sep = i > 0 && i != best + bestlen;
        o += (size_t)snprintf(buf + o, cap - o, "%s%x", sep ? ":" : "", g[i]);
    }
    return buf;
}

int s7_plant_parse_addr(const char *s, s7_plant_addr *a)
{
    s7_plant_addr r;
    memset(&r, 0, sizeof r);
    if (!s)
        return -1;
    if (s7_plant_parse_ipv4(s, &r.ip) == 0) {
        r.family = S7_PLANT_AF_INET;
        snprintf(r.text, sizeof r.text, "%u.%u.%u.%u", r.ip >> 24, (r.ip >> 16) & 0xFF,
                 (r.ip >> 8) & 0xFF, r.ip & 0xFF);
    } else if (s7_plant_parse_ipv6(s, r.ip6) == 0) {
        r.family = S7_PLANT_AF_INET6;
        s7_plant_ipv6_text(r.ip6, r.text, sizeof r.text);
    } else {
        return -1;
    }
    *a = r;
    return 0;
}

int s7_plant_parse_cidr(const char *s, s7_plant_addr *a, int *prefix)
{
    char ab[64];
    const char *slash = s ? strchr(s, '/') : NULL;
    long pfx;
    s7_plant_addr r;
    if (!slash || (size_t)(slash - s) >= sizeof ab)
        return -1;
    memcpy(ab, s, (size_t)(slash - s));
    ab[slash - s] = 0;
    if (s7_plant_parse_addr(ab, &r) ||
        s7__parse_dec(slash + 1, 0, r.family == S7_PLANT_AF_INET ? 32 : 128, &pfx))
        return -1;
    *a = r;
    *prefix = (int)pfx;
    return 0;
}

int s7_plant_addr_in(const s7_plant_addr *a, const s7_plant_addr *net, int prefix)
{
    if (a->family != net->family || prefix < 0)
        return 0;
    if (a->family == S7_PLANT_AF_INET) {
        uint32_t m = prefix >= 32 ? 0xFFFFFFFFu : prefix ? 0xFFFFFFFFu << (32 - prefix) : 0;
        return prefix <= 32 && (a->ip & m) == (net->ip & m);
    }
    if (a->family != S7_PLANT_AF_INET6 || prefix > 128)
        return 0;
    int full = prefix / 8, bits = prefix % 8;
    if (memcmp(a->ip6, net->ip6, (size_t)full) != 0)
        return 0;
    if (bits) {
        uint8_t m = (uint8_t)(0xFF << (8 - bits));
        if ((a->ip6[full] & m) != (net->ip6[full] & m))
            return 0;
    }
    return 1;
}

int s7_plant_host_name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0, label = 0;
    int all_digits = 1;
    if (n < 1 || n > 253 || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i <= n; i++) {
        char c = s[i];
        if (c == '.' || c == 0) {
            if (label < 1 || label > 63 || s[i - 1] == '-')
                return 0;
            if (c == 0)
                return !all_digits;
            label = 0;
            all_digits = 1;
            continue;
        }
        if (!isalnum((unsigned char)c) && c != '-')
            return 0;
        if (c == '-' && label == 0)
            return 0;
        if (!isdigit((unsigned char)c))
            all_digits = 0;
        label++;
    }
    return 0;
}

int s7_plant_ifname_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == ':' || !isgraph((unsigned char)s[i]) || s[i] == '"' ||
            s[i] == '\'' || s[i] == '\\')
            return 0;
    return 1;
}
