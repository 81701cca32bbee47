/* The type table of tag/: names and sizes of s7_type, and how a tag maps onto an S7ANY
 * request (transport size, count, address) and its size on the wire. */
#include <string.h>

#include "s7/tag.h"
#include "tag/internal.h"
#include "util/hot.h"

static const char *const type_names[S7_T__COUNT] = {
    "BOOL",    "BYTE",  "WORD", "DWORD", "LWORD",  "SINT",          "USINT", "INT",   "UINT",
    "DINT",    "UDINT", "LINT", "ULINT", "REAL",   "LREAL",         "CHAR",  "WCHAR", "STRING",
    "WSTRING", "DATE",  "TIME", "TOD",   "S5TIME", "DATE_AND_TIME", "DTL",   "TIMER", "COUNTER",
};

static const unsigned char type_sizes[S7_T__COUNT] = {
    1, 1, 2, 4, 8, 1, 1, 2, 2, 4, 4, 8, 8, 4, 8, 1, 2, 0, 0, 2, 4, 4, 2, 8, 12, 2, 2,
};

/* Other spellings accepted by s7_type_from_name. */
static const struct {
    const char *name;
    s7_type type;
} type_aliases[] = {
    {"DT", S7_T_DATE_AND_TIME},
    {"TIME_OF_DAY", S7_T_TOD},
    {"BIT", S7_T_BOOL},
};

const char *s7_type_name(s7_type type)
{
    if ((unsigned)type >= S7_T__COUNT)
        return "?";
    return type_names[type];
}

static int name_eq(const char *a, size_t alen, const char *b)
{
    size_t blen = strlen(b);
    if (alen != blen)
        return 0;
    for (size_t i = 0; i < alen; i++) {
        char c = a[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != b[i])
            return 0;
    }
    return 1;
}

int s7_type_from_name(const char *name, size_t len, s7_type *out)
{
    if (!name)
        return S7_ERR_INVAL;
    for (int i = 0; i < S7_T__COUNT; i++) {
        if (name_eq(name, len, type_names[i])) {
            if (out)
                *out = (s7_type)i;
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof type_aliases / sizeof type_aliases[0]; i++) {
        if (name_eq(name, len, type_aliases[i].name)) {
            if (out)
                *out = type_aliases[i].type;
            return 0;
        }
    }
    return S7_ERR_TYPE;
}

S7_HOT uint32_t s7_type_size(s7_type type, uint16_t strlen_)
{
    if (type == S7_T_STRING)
        return (uint32_t)strlen_ + 2;
    if (type == S7_T_WSTRING)
        return 2u * strlen_ + 4;
    if ((unsigned)type >= S7_T__COUNT)
        return 0;
    return type_sizes[type];
}

S7_HOT uint32_t s7_tag_size(const s7_tag *t)
{
    uint64_t n = (uint64_t)s7_type_size(t->type, t->strlen) * t->count;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

S7_HOT uint32_t s7_tag_wire_size(const s7_tag *t)
{
    if (t->type == S7_T_BOOL) {
        if (t->count <= 1)
            return 1;
        return (uint32_t)(((uint64_t)t->bit + t->count + 7) / 8);
    }
    return s7_tag_size(t);
}

S7_HOT void s7_tag_spec(const s7_tag *t, s7_var_spec *spec)
{
    memset(spec, 0, sizeof *spec);
    spec->area = t->area;
    spec->db = (t->area == S7_AREA_DB || t->area == S7_AREA_DI) ? t->db : 0;
    if (t->type == S7_T_TIMER || t->type == S7_T_COUNTER) {
        spec->ts = t->type == S7_T_TIMER ? S7_TS_TIMER : S7_TS_COUNTER;
        spec->count = (uint16_t)t->count;
        spec->addr = t->byte;
    } else if (t->type == S7_T_BOOL && t->count <= 1) {
        spec->ts = S7_TS_BIT;
        spec->count = 1;
        spec->addr = t->byte * 8u + (t->bit & 7u);
    } else {
        spec->ts = S7_TS_BYTE;
        spec->count = (uint16_t)s7_tag_wire_size(t);
        spec->addr = t->byte * 8u;
    }
}
