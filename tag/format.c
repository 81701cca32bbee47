/* The canonical form of a tag (s7_tag_format): Step 7 English spelling, the width letter
 * from the type size, and a ":TYPE" suffix whenever the type is not the width's default
 * or the tag is an array or a string.  s7_tag_parse() reads every form back. */
#include "s7/tag.h"
#include "tag/internal.h"

/* Width letter of a non-BOOL type from its element size. */
static char width_of(const s7_tag *t)
{
    if (t->type == S7_T_BOOL)
        return 'X';
    switch (s7_type_size(t->type, t->strlen)) {
    case 2: return 'W';
    case 4: return 'D';
    default: return 'B';
    }
}

static s7_type default_type(char width)
{
    switch (width) {
    case 'X': return S7_T_BOOL;
    case 'W': return S7_T_WORD;
    case 'D': return S7_T_DWORD;
    default: return S7_T_BYTE;
    }
}

int s7_tag_format(const s7_tag *t, char *buf, size_t cap)
{
    s7__sb b;
    s7__sb_init(&b, buf, cap);
    if (!t)
        return s7__sb_done(&b);
    char w = width_of(t);
    int is_bool = t->type == S7_T_BOOL;
    s7_type def;
    switch (t->area) {
    case S7_AREA_DB:
    case S7_AREA_DI: {
        const char *pfx = t->area == S7_AREA_DB ? "DB" : "DI";
        s7__sb_printf(&b, "%s%u.%s%c%u", pfx, (unsigned)t->db, pfx, w, (unsigned)t->byte);
        def = default_type(w);
        break;
    }
    case S7_AREA_I:
    case S7_AREA_Q:
    case S7_AREA_M:
    case S7_AREA_P: {
        const char *pfx = t->area == S7_AREA_I   ? "I"
                          : t->area == S7_AREA_Q ? "Q"
                          : t->area == S7_AREA_M ? "M"
                                                 : "PI";
        if (is_bool)
            s7__sb_printf(&b, "%s%u", pfx, (unsigned)t->byte);
        else
            s7__sb_printf(&b, "%s%c%u", pfx, w, (unsigned)t->byte);
        def = default_type(w);
        break;
    }
    case S7_AREA_T:
        s7__sb_printf(&b, "T%u", (unsigned)t->byte);
        def = S7_T_TIMER;
        break;
    case S7_AREA_C:
        s7__sb_printf(&b, "C%u", (unsigned)t->byte);
        def = S7_T_COUNTER;
        break;
    default:
        /* not produced by s7_tag_parse: printed for diagnostics only */
        s7__sb_printf(&b, "AREA16#%02X.%c%u", (unsigned)t->area, w, (unsigned)t->byte);
        def = default_type(w);
        break;
    }
    if (is_bool && t->area != S7_AREA_T && t->area != S7_AREA_C)
        s7__sb_printf(&b, ".%u", (unsigned)t->bit);
    int is_str = t->type == S7_T_STRING || t->type == S7_T_WSTRING;
    int is_arr = t->array || t->count != 1;
    if (t->type != def || is_str || is_arr) {
        s7__sb_putc(&b, ':');
        s7__sb_puts(&b, s7_type_name(t->type));
        if (is_str)
            s7__sb_printf(&b, "[%u]", (unsigned)t->strlen);
        if (is_arr)
            s7__sb_printf(&b, "[%u]", (unsigned)t->count);
    }
    return s7__sb_done(&b);
}
