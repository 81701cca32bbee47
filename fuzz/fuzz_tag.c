/* Fuzz target for the address grammar and typed values (tag/).  The input is an address
 * (or value) text.  Properties checked (abort() on violation):
 *   - parse(format(t)) == t and format is stable for every address that parses;
 *   - the spec and wire size of a parsed tag stay within S7ANY limits;
 *   - formatting wire bytes taken from the input never overflows a bounded buffer, and
 *     text or JSON output that fits parses back to bytes that format to the same text;
 *   - s7_value_parse of the input for every type (scalar and array) never crashes, and a
 *     value it accepts formats, re-parses and re-formats to the same text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s7/tag.h"

#define TEXT_MAX 4096
#define OUT_CAP 2048

static int tag_eq(const s7_tag *a, const s7_tag *b)
{
    return a->area == b->area && a->db == b->db && a->byte == b->byte && a->bit == b->bit &&
           a->type == b->type && a->strlen == b->strlen && a->count == b->count &&
           a->array == b->array;
}

/* Format wire as text; if it fits, parse it back and require the same text again. */
static void value_roundtrip(const s7_tag *t, const uint8_t *wire, size_t ws, uint8_t *scratch)
{
    static const size_t caps[] = {0, 1, 7, OUT_CAP};
    char out[OUT_CAP], out2[OUT_CAP], err[128];
    for (int json = 0; json <= 1; json++) {
        for (size_t k = 0; k < sizeof caps / sizeof caps[0]; k++) {
            memset(out, 0x5A, sizeof out);
            int n = s7_value_format(t, wire, ws, json, caps[k] ? out : NULL, caps[k]);
            if (n < 0)
                abort();
            if (caps[k] && strlen(out) != ((size_t)n < caps[k] ? (size_t)n : caps[k] - 1))
                abort();
            if (caps[k] < sizeof out && caps[k] && out[caps[k]] != 0x5A)
                abort();
        }
    }
    for (int json = 0; json <= 1; json++) {
        int n = s7_value_format(t, wire, ws, json, out, sizeof out);
        if (n < 0 || (size_t)n >= sizeof out)
            return;
        memcpy(scratch, wire, ws); /* BOOL arrays merge into the current bytes */
        int rc = s7_value_parse(t, out, scratch, ws, err, sizeof err);
        if (rc != (int)ws)
            abort();
        int n2 = s7_value_format(t, scratch, ws, json, out2, sizeof out2);
        if (n2 != n || strcmp(out, out2) != 0)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > TEXT_MAX)
        return 0;
    char *text = malloc(size + 1);
    uint8_t *wire = malloc(65536), *scratch = malloc(65536);
    if (!text || !wire || !scratch)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';

    s7_tag t, t2;
    char err[256], f1[128], f2[128];
    if (s7_tag_parse(text, &t, err, sizeof err) == 0) {
        int n = s7_tag_format(&t, f1, sizeof f1);
        if (n <= 0 || (size_t)n >= sizeof f1)
            abort();
        if (s7_tag_parse(f1, &t2, err, sizeof err) != 0 || !tag_eq(&t, &t2))
            abort();
        s7_tag_format(&t2, f2, sizeof f2);
        if (strcmp(f1, f2) != 0)
            abort();
        uint32_t ws = s7_tag_wire_size(&t);
        if (ws == 0 || ws > 65535)
            abort();
        s7_var_spec sp;
        s7_tag_spec(&t, &sp);
        if (sp.ts == S7_TS_BYTE && (sp.count != ws || sp.addr % 8 || sp.addr / 8 + ws > 65536))
            abort();
        if (sp.ts == S7_TS_BIT && (sp.count != 1 || ws != 1))
            abort();
        if ((sp.ts == S7_TS_TIMER || sp.ts == S7_TS_COUNTER) &&
            (ws != 2u * sp.count || sp.addr + sp.count > 65536))
            abort();
        for (size_t k = 0; k < ws; k++) /* wire bytes: the input repeated */
            wire[k] = size ? data[k % size] : 0;
        value_roundtrip(&t, wire, ws, scratch);
        memset(scratch, 0, ws);
        s7_value_parse(&t, text, scratch, ws, err, sizeof err);
    }

    /* the value grammar of every type on its own */
    for (int ty = 0; ty < S7_T__COUNT; ty++) {
        for (int shape = 0; shape < 2; shape++) {
            s7_tag v;
            memset(&v, 0, sizeof v);
            v.area = ty == S7_T_TIMER ? S7_AREA_T : ty == S7_T_COUNTER ? S7_AREA_C : S7_AREA_M;
            v.type = (s7_type)ty;
            v.bit = 3;
            v.strlen = ty == S7_T_STRING || ty == S7_T_WSTRING ? 6 : 0;
            v.count = shape ? 3 : 1;
            v.array = (uint8_t)shape;
            uint32_t ws = s7_tag_wire_size(&v);
            memset(scratch, 0, ws);
            int rc = s7_value_parse(&v, text, scratch, ws, err, sizeof err);
            if (rc >= 0) {
                if (rc != (int)ws)
                    abort();
                value_roundtrip(&v, scratch, ws, scratch + ws);
            }
            if (size >= ws)
                value_roundtrip(&v, data, ws, scratch);
        }
    }
    free(text);
    free(wire);
    free(scratch);
    return 0;
}
