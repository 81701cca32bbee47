/* ANY pointers as engineers write them in GET/PUT blocks and block parameters
 * (include/s7/tag.h s7_anyptr_parse / s7_anyptr_format): "P#DB30.DBX0.0 BYTE 100",
 * "P#M10.0 BYTE 4", "P#I0.0 BOOL 8", "P#Q4.0 WORD 2", "P#T 5 TIMER 3", "P#C0 COUNTER 2".
 * The result is an s7_tag: the start address, the element type and the count, so the
 * same reads and ranges follow as for any other address.  docs/addresses.md lists the
 * forms.  No I/O. */
#include <stdio.h>
#include <string.h>

#include "s7/tag.h"
#include "s7/wire.h"
#include "tag/internal.h"

static const char FORMS[] =
    "an ANY pointer is P#DB30.DBX0.0 BYTE 100, P#M10.0 BYTE 4, P#I0.0 BOOL 8, P#Q4.0 WORD 2, "
    "P#T 5 TIMER 3 or P#C 0 COUNTER 2";

/* The element types an ANY pointer names (Step 7's data type codes 01..0E, TIMER,
 * COUNTER). */
static const struct {
    const char *name;
    s7_type type;
} TYPES[] = {
    {"BOOL", S7_T_BOOL},        {"BYTE", S7_T_BYTE},
    {"CHAR", S7_T_CHAR},        {"WORD", S7_T_WORD},
    {"INT", S7_T_INT},          {"DWORD", S7_T_DWORD},
    {"DINT", S7_T_DINT},        {"REAL", S7_T_REAL},
    {"DATE", S7_T_DATE},        {"TOD", S7_T_TOD},
    {"TIME_OF_DAY", S7_T_TOD},  {"TIME", S7_T_TIME},
    {"S5TIME", S7_T_S5TIME},    {"DATE_AND_TIME", S7_T_DATE_AND_TIME},
    {"DT", S7_T_DATE_AND_TIME}, {"TIMER", S7_T_TIMER},
    {"COUNTER", S7_T_COUNTER},
};

static int up(int c) { return c >= 'a' && c <= 'z' ? c - 'a' + 'A' : c; }
static int dig(int c) { return c >= '0' && c <= '9'; }
static int space(int c) { return c == ' ' || c == '\t'; }

/* Decimal number at *s (1..10 digits); advances. */
static int num(const char **s, uint32_t *v)
{
    uint64_t acc = 0;
    int n = 0;
    while (dig(**s) && n < 11) {
        acc = acc * 10 + (uint64_t)(**s - '0');
        (*s)++;
        n++;
    }
    if (n == 0 || n > 10 || acc > 0xFFFFFFFFu)
        return -1;
    *v = (uint32_t)acc;
    return 0;
}

static int fail(char *err, size_t cap, const char *text, const char *what)
{
    if (err && cap)
        snprintf(err, cap, "ANY pointer '%s': %s; %s", text, what, FORMS);
    return S7_ERR_ADDR;
}

int s7_anyptr_is(const char *text)
{
    while (text && space(*text))
        text++;
    return text && up(text[0]) == 'P' && text[1] == '#';
}

int s7_anyptr_parse(const char *text, s7_tag *out, char *err, size_t errcap)
{
    char t[128], what[160];
    const char *s;
    s7_tag r;
    uint32_t db = 0, byte = 0, bit = 0, count = 0;
    int has_bit = 0, element = 0; /* T and C: element numbers, no bit */
    if (err && errcap)
        err[0] = 0;
    if (!text || !out)
        return S7_ERR_INVAL;
    while (space(*text))
        text++;
    size_t n = strlen(text);
    while (n && (space(text[n - 1]) || text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (n >= sizeof t)
        return fail(err, errcap, "P#...", "too long");
    memcpy(t, text, n);
    t[n] = 0;
    if (!s7_anyptr_is(t))
        return fail(err, errcap, t, "it starts with P#");
    memset(&r, 0, sizeof r);
    s = t + 2;
    int a0 = up(s[0]), a1 = up(s[1]);
    if (a0 == 'D' && a1 == 'B' && dig(s[2])) {
        s += 2;
        if (num(&s, &db) || db < 1 || db > 65535)
            return fail(err, errcap, t, "the DB number must be 1..65535");
        if (s[0] != '.' || up(s[1]) != 'D' || up(s[2]) != 'B' || up(s[3]) != 'X' || !dig(s[4]))
            return fail(err, errcap, t,
                        "after the DB number comes the start as .DBX<byte>.<bit>, e.g. "
                        "P#DB30.DBX0.0");
        s += 4;
        r.area = S7_AREA_DB;
    } else if (a0 == 'M' || a0 == 'I' || a0 == 'E' || a0 == 'Q' || a0 == 'A') {
        if (!dig(a1))
            return fail(err, errcap, t,
                        "the area letter is followed by the start byte and bit, e.g. P#M10.0");
        r.area = a0 == 'M' ? S7_AREA_M : (a0 == 'I' || a0 == 'E') ? S7_AREA_I : S7_AREA_Q;
        s += 1;
    } else if (a0 == 'T' || a0 == 'C' || a0 == 'Z') {
        s += 1;
        while (space(*s))
            s++;
        if (!dig(*s))
            return fail(err, errcap, t, "a timer or counter is named by its number, e.g. P#T 5");
        r.area = a0 == 'T' ? S7_AREA_T : S7_AREA_C;
        element = 1;
    } else {
        /* up to 8 bytes of what follows, never a character cut in two */
        size_t len = strlen(s), k = 0;
        while (k < len) {
            size_t j = k;
            uint32_t cp;
            if (s7__utf8_next(s, len, &j, &cp) < 0)
                j = k + 1;
            if (j > 8)
                break;
            k = j;
        }
        snprintf(what, sizeof what,
                 "unknown area '%.*s': DB, M, I (E), Q (A), T or C (Z) follow P#", (int)k, s);
        return fail(err, errcap, t, what);
    }
    if (num(&s, &byte) || byte > 65535)
        return fail(err, errcap, t,
                    element ? "the element number must be 0..65535"
                            : "the start byte must be 0..65535");
    if (!element) {
        if (s[0] != '.' || !dig(s[1])) {
            snprintf(what, sizeof what, "the start needs its bit: write %.*s.0", (int)(s - t), t);
            return fail(err, errcap, t, what);
        }
        s++;
        if (num(&s, &bit) || bit > 7)
            return fail(err, errcap, t, "the bit must be 0..7");
        has_bit = 1;
    }
    if (!space(*s))
        return fail(err, errcap, t,
                    "the start is followed by a space, the element type and the count");
    while (space(*s))
        s++;
    const char *tw = s;
    while (*s && !space(*s))
        s++;
    size_t tl = (size_t)(s - tw);
    int ti = -1;
    for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0] && ti < 0; k++)
        if (strlen(TYPES[k].name) == tl) {
            size_t j = 0;
            while (j < tl && up(tw[j]) == TYPES[k].name[j])
                j++;
            if (j == tl)
                ti = (int)k;
        }
    if (ti < 0) {
        snprintf(what, sizeof what,
                 "'%.*s' is no element type (BOOL, BYTE, CHAR, WORD, INT, DWORD, DINT, REAL, "
                 "DATE, TOD, TIME, S5TIME, DT, TIMER, COUNTER)",
                 (int)(tl > 20 ? 20 : tl), tw);
        return fail(err, errcap, t, what);
    }
    while (space(*s))
        s++;
    if (!dig(*s))
        return fail(err, errcap, t, "the element type is followed by the count, e.g. BYTE 100");
    if (num(&s, &count) || count < 1 || count > 65535)
        return fail(err, errcap, t, "the count must be 1..65535");
    while (space(*s))
        s++;
    if (*s) {
        snprintf(what, sizeof what, "unexpected '%.20s' after the count", s);
        return fail(err, errcap, t, what);
    }
    s7_type ty = TYPES[ti].type;
    if (element && ty != (r.area == S7_AREA_T ? S7_T_TIMER : S7_T_COUNTER))
        return fail(err, errcap, t,
                    r.area == S7_AREA_T ? "timers are counted as TIMER: P#T 5 TIMER 3"
                                        : "counters are counted as COUNTER: P#C 0 COUNTER 2");
    if (!element && (ty == S7_T_TIMER || ty == S7_T_COUNTER))
        return fail(err, errcap, t, "TIMER and COUNTER elements start at P#T or P#C");
    if (has_bit && bit != 0 && ty != S7_T_BOOL) {
        snprintf(what, sizeof what,
                 "a %s range starts on a byte: the bit must be .0 (only BOOL starts on any bit)",
                 TYPES[ti].name);
        return fail(err, errcap, t, what);
    }
    uint32_t esize = s7_type_size(ty, 0);
    uint64_t end = ty == S7_T_BOOL ? ((uint64_t)byte * 8 + bit + count + 7) / 8
                   : element       ? (uint64_t)byte + count
                                   : (uint64_t)byte + (uint64_t)esize * count;
    if (end > 65536)
        return fail(err, errcap, t, "it ends beyond byte 65535 of the area");
    uint64_t bytes = ty == S7_T_BOOL ? ((uint64_t)bit + count + 7) / 8
                     : element       ? (uint64_t)count * 2
                                     : (uint64_t)esize * count;
    if (bytes > 65535) {
        snprintf(what, sizeof what,
                 "it is %llu bytes; one tag holds at most 65535 (at most %llu %s)",
                 (unsigned long long)bytes, (unsigned long long)(65535 / (element ? 2 : esize)),
                 TYPES[ti].name);
        return fail(err, errcap, t, what);
    }
    r.db = (uint16_t)db;
    r.byte = byte;
    r.bit = (uint8_t)bit;
    r.type = ty;
    r.count = count;
    r.array = 1; /* a range of count elements: an array, also of one (docs/addresses.md) */
    *out = r;
    return 0;
}

int s7_anyptr_format(const s7_tag *t, char *buf, size_t cap)
{
    s7__sb b;
    const char *tn = NULL, *an = NULL;
    for (size_t k = 0; k < sizeof TYPES / sizeof TYPES[0]; k++)
        if (TYPES[k].type == t->type) {
            tn = TYPES[k].name;
            break;
        }
    switch (t->area) {
    case S7_AREA_I: an = "I"; break;
    case S7_AREA_Q: an = "Q"; break;
    case S7_AREA_M: an = "M"; break;
    case S7_AREA_DB:
    case S7_AREA_DI:
    case S7_AREA_T:
    case S7_AREA_C: break;
    default: return S7_ERR_ADDR; /* the peripheral area, L, V, ...: no ANY pointer here */
    }
    unsigned count = t->count ? t->count : 1, bit = t->bit;
    if (!tn) {
        /* a type an ANY pointer does not name (LREAL, STRING, DTL, ...): its bytes */
        tn = "BYTE";
        count = s7_tag_wire_size(t);
        bit = 0;
    }
    s7__sb_init(&b, buf, cap);
    if (t->area == S7_AREA_DB || t->area == S7_AREA_DI)
        s7__sb_printf(&b, "P#DB%u.DBX%u.%u %s %u", t->db, t->byte, bit, tn, count);
    else if (t->area == S7_AREA_T)
        s7__sb_printf(&b, "P#T %u TIMER %u", t->byte, count);
    else if (t->area == S7_AREA_C)
        s7__sb_printf(&b, "P#C %u COUNTER %u", t->byte, count);
    else
        s7__sb_printf(&b, "P#%s%u.%u %s %u", an, t->byte, bit, tn, count);
    return s7__sb_done(&b);
}
