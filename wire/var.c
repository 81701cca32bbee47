/* Read Var (0x04) and Write Var (0x05): S7ANY item specifications, data items with
 * their bit/byte length units and fill bytes, requests and replies in both roles. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wire/wire_int.h"
#include "util/hot.h"

#define VAR_SPEC_TYPE 0x12 /* variable specification */
#define VAR_SPEC_LEN 0x0A  /* length of the S7ANY address that follows */
#define SYNTAX_S7ANY 0x10

S7_HOT uint32_t s7_ts_elem_size(uint8_t ts)
{
    switch (ts) {
    case S7_TS_BIT:
    case S7_TS_BYTE:
    case S7_TS_CHAR: return 1;
    case S7_TS_WORD:
    case S7_TS_INT:
    case S7_TS_DATE:
    case S7_TS_S5TIME:
    case S7_TS_COUNTER:
    case S7_TS_TIMER:
    case S7_TS_IEC_COUNTER:
    case S7_TS_IEC_TIMER: return 2;
    case S7_TS_DWORD:
    case S7_TS_DINT:
    case S7_TS_REAL:
    case S7_TS_TOD:
    case S7_TS_TIME:
    case S7_TS_HS_COUNTER: return 4;
    case S7_TS_DATE_AND_TIME: return 8;
    default: return 0;
    }
}

S7_HOT uint8_t s7_ts_data_ts(uint8_t ts)
{
    switch (ts) {
    case S7_TS_BIT: return S7_DTS_BIT;
    case S7_TS_BYTE:
    case S7_TS_WORD:
    case S7_TS_DWORD: return S7_DTS_BYTE;
    case S7_TS_INT:
    case S7_TS_DINT: return S7_DTS_INT;
    case S7_TS_REAL: return S7_DTS_REAL;
    default: return S7_DTS_OCTET;
    }
}

/* Non-zero when the length field of dts counts bits. */
static int dts_in_bits(uint8_t dts)
{
    return dts == S7_DTS_BIT || dts == S7_DTS_BYTE || dts == S7_DTS_INT;
}

S7_HOT uint32_t s7_dts_nbytes(uint8_t dts, uint16_t len_field)
{
    return dts_in_bits(dts) ? ((uint32_t)len_field + 7u) / 8u : len_field;
}

S7_HOT uint16_t s7_dts_len_field(uint8_t dts, uint32_t nbytes)
{
    if (dts == S7_DTS_BIT && nbytes == 1)
        return 1;
    return (uint16_t)(dts_in_bits(dts) ? nbytes * 8u : nbytes);
}

/* Write one 12-byte S7ANY item. */
static int write_spec(s7__wcur *w, const s7_var_spec *s)
{
    if (s->addr > 0xFFFFFFu)
        return S7_ERR_INVAL;
    s7__w8(w, VAR_SPEC_TYPE);
    s7__w8(w, VAR_SPEC_LEN);
    s7__w8(w, SYNTAX_S7ANY);
    s7__w8(w, s->ts);
    s7__w16(w, s->count);
    s7__w16(w, s->db);
    s7__w8(w, s->area);
    s7__w24(w, s->addr);
    return 0;
}

/* Write the parameter block fn, n, n specs. */
S7_HOT static int write_specs(s7__wcur *w, uint8_t fn, const s7_var_spec *specs, unsigned n)
{
    if (n == 0 || n > S7_ITEMS_MAX || !specs)
        return S7_ERR_INVAL;
    s7__w8(w, fn);
    s7__w8(w, (uint8_t)n);
    for (unsigned i = 0; i < n; i++)
        if (write_spec(w, &specs[i]) < 0)
            return S7_ERR_INVAL;
    return 0;
}

/* Write one data item header + payload + fill (fill when odd and not last).  rc is
 * written as given; ts/len_field must already be consistent with nbytes. */
S7_HOT static int write_item(s7__wcur *w, uint8_t rc, uint8_t ts, uint16_t len_field,
                             const uint8_t *data, uint32_t nbytes, int last)
{
    if (s7_dts_nbytes(ts, len_field) != nbytes || (nbytes && !data))
        return S7_ERR_INVAL;
    s7__w8(w, rc);
    s7__w8(w, ts);
    s7__w16(w, len_field);
    s7__wbytes(w, data, nbytes);
    if ((nbytes & 1u) && !last)
        s7__w8(w, 0);
    return 0;
}

int s7_read_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_var_spec *specs, unsigned n)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_JOB, ref);
    int r = write_specs(&w, S7_FN_READ, specs, n);
    if (r < 0)
        return r;
    return s7__pdu_finish(&w, S7_JOB, w.pos);
}

S7_HOT int s7_write_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_var_spec *specs,
                               const s7_data_item *data, unsigned n)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_JOB, ref);
    int r = write_specs(&w, S7_FN_WRITE, specs, n);
    if (r < 0)
        return r;
    if (!data)
        return S7_ERR_INVAL;
    size_t data_off = w.pos;
    for (unsigned i = 0; i < n; i++) {
        const s7_data_item *d = &data[i];
        uint8_t ts = d->ts ? d->ts : s7_ts_data_ts(specs[i].ts);
        if (d->nbytes > 0xFFFFu)
            return S7_ERR_INVAL;
        uint16_t lf = (d->ts && d->len_field) ? d->len_field : s7_dts_len_field(ts, d->nbytes);
        r = write_item(&w, 0x00, ts, lf, d->data, d->nbytes, i + 1 == n);
        if (r < 0)
            return r;
    }
    return s7__pdu_finish(&w, S7_JOB, data_off);
}

int s7_var_req_decode(const s7_pdu *pdu, uint8_t *fn, s7_var_spec *specs, unsigned max, unsigned *n)
{
    if (pdu->rosctr != S7_JOB || pdu->param_len < 2 || !pdu->param)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    uint8_t f = s7__r8(&c);
    uint8_t count = s7__r8(&c);
    if (f != S7_FN_READ && f != S7_FN_WRITE)
        return S7_ERR_PARAM;
    if (count == 0 || pdu->param_len != 2u + S7_ITEM_SPEC_LEN * count)
        return S7_ERR_PARAM;
    /* a read carries no data; a write carries at least one item header per spec */
    if (f == S7_FN_READ ? pdu->data_len != 0 : pdu->data_len < S7_DATA_ITEM_HDR * count)
        return S7_ERR_PARAM;
    *fn = f;
    *n = count;
    if (count > max)
        return S7_ERR_NOSPACE;
    for (unsigned i = 0; i < count; i++) {
        uint8_t type = s7__r8(&c);
        uint8_t alen = s7__r8(&c);
        uint8_t syntax = s7__r8(&c);
        if (type != VAR_SPEC_TYPE || alen != VAR_SPEC_LEN || syntax != SYNTAX_S7ANY)
            return S7_ERR_PARAM;
        s7_var_spec *s = &specs[i];
        s->ts = s7__r8(&c);
        s->count = s7__r16(&c);
        s->db = s7__r16(&c);
        s->area = s7__r8(&c);
        s->addr = s7__r24(&c);
    }
    return c.bad ? S7_ERR_PARAM : (int)count;
}

int s7_dbread_decode(const uint8_t *addr, size_t len, s7_dbread_range *ranges, unsigned max)
{
    s7__rcur c = s7__rcur_make(addr, len);
    uint8_t syntax = s7__r8(&c);
    uint8_t count = s7__r8(&c);
    if (c.bad || syntax != 0xB0 || count == 0 || len != 2u + 5u * count)
        return S7_ERR_PARAM;
    if (count > max)
        return S7_ERR_NOSPACE;
    for (unsigned i = 0; i < count; i++) {
        ranges[i].len = s7__r8(&c);
        ranges[i].db = s7__r16(&c);
        ranges[i].start = s7__r16(&c);
    }
    return c.bad ? S7_ERR_PARAM : (int)count;
}

S7_HOT int s7_data_items_decode(const uint8_t *data, size_t len, int is_write_req,
                                s7_data_item *items, unsigned n)
{
    if (n > 0 && !data)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(data, len);
    for (unsigned i = 0; i < n; i++) {
        s7_data_item *it = &items[i];
        it->rc = s7__r8(&c);
        it->ts = s7__r8(&c);
        it->len_field = s7__r16(&c);
        it->data = NULL;
        it->nbytes = 0;
        if (c.bad)
            return S7_ERR_PARAM;
        if (!is_write_req && it->rc != S7_RC_OK)
            continue; /* error item: header only, whatever the length field says */
        it->nbytes = s7_dts_nbytes(it->ts, it->len_field);
        if (it->nbytes)
            it->data = s7__rview(&c, it->nbytes);
        if (c.bad)
            return S7_ERR_PARAM;
        if (it->nbytes & 1u) {
            if (i + 1 < n)
                (void)s7__r8(&c); /* fill byte (its value is not checked) */
            else if (s7__rleft(&c) == 1)
                (void)s7__r8(&c); /* tolerated trailing fill after the last item */
            if (c.bad)
                return S7_ERR_PARAM;
        }
    }
    return (int)c.pos;
}

int s7_read_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_data_item *items,
                        unsigned n)
{
    if (n == 0 || n > S7_ITEMS_MAX || !items)
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_ACK_DATA, ref);
    s7__w8(&w, S7_FN_READ);
    s7__w8(&w, (uint8_t)n);
    size_t data_off = w.pos;
    for (unsigned i = 0; i < n; i++) {
        const s7_data_item *it = &items[i];
        int r;
        if (it->rc != S7_RC_OK) {
            r = write_item(&w, it->rc, S7_DTS_NULL, 0, NULL, 0, i + 1 == n);
        } else {
            uint8_t ts = it->ts ? it->ts : S7_DTS_BYTE;
            if (it->nbytes > 0xFFFFu)
                return S7_ERR_INVAL;
            uint16_t lf = it->len_field ? it->len_field : s7_dts_len_field(ts, it->nbytes);
            r = write_item(&w, S7_RC_OK, ts, lf, it->data, it->nbytes, i + 1 == n);
        }
        if (r < 0)
            return r;
    }
    return s7__pdu_finish(&w, S7_ACK_DATA, data_off);
}

int s7_write_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, const uint8_t *rcs, unsigned n)
{
    if (n == 0 || n > S7_ITEMS_MAX || !rcs)
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_ACK_DATA, ref);
    s7__w8(&w, S7_FN_WRITE);
    s7__w8(&w, (uint8_t)n);
    size_t data_off = w.pos;
    s7__wbytes(&w, rcs, n);
    return s7__pdu_finish(&w, S7_ACK_DATA, data_off);
}

/* ---------------------------------------------------------------- conformance of replies */

/* A non-conforming reply: the sentence into why (when given); S7_ERR_PARAM. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
nonconf(char *why, size_t cap, const char *fmt, ...)
{
    if (why && cap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, cap, fmt, ap);
        va_end(ap);
    }
    return S7_ERR_PARAM;
}

/* Bytes a spec asks for (a bit: 1). */
static uint32_t spec_bytes(const s7_var_spec *s)
{
    return s->ts == S7_TS_BIT ? 1u : s7_ts_elem_size(s->ts) * s->count;
}

/* What a spec asks for, in words: "DB1 byte 0, 1 byte", "M bit 10.3", "T 5, 2 bytes". */
static void spec_text(const s7_var_spec *s, char *buf, size_t cap)
{
    char area[16];
    switch (s->area) {
    case S7_AREA_DB: snprintf(area, sizeof area, "DB%u", s->db); break;
    case S7_AREA_DI: snprintf(area, sizeof area, "DI%u", s->db); break;
    case S7_AREA_I: snprintf(area, sizeof area, "I"); break;
    case S7_AREA_Q: snprintf(area, sizeof area, "Q"); break;
    case S7_AREA_M: snprintf(area, sizeof area, "M"); break;
    case S7_AREA_P: snprintf(area, sizeof area, "P"); break;
    case S7_AREA_T: snprintf(area, sizeof area, "T"); break;
    case S7_AREA_C: snprintf(area, sizeof area, "C"); break;
    case S7_AREA_L: snprintf(area, sizeof area, "L"); break;
    case S7_AREA_V: snprintf(area, sizeof area, "V"); break;
    default: snprintf(area, sizeof area, "area 0x%02X", s->area); break;
    }
    uint32_t nb = spec_bytes(s);
    if (s->ts == S7_TS_BIT)
        snprintf(buf, cap, "%s bit %u.%u", area, s->addr >> 3, s->addr & 7u);
    else if (s->area == S7_AREA_T || s->area == S7_AREA_C)
        snprintf(buf, cap, "%s %u, %u byte%s", area, s->addr, nb, nb == 1 ? "" : "s");
    else
        snprintf(buf, cap, "%s byte %u, %u byte%s", area, s->addr >> 3, nb, nb == 1 ? "" : "s");
}

static const char *dts_text(uint8_t dts)
{
    switch (dts) {
    case S7_DTS_NULL: return "NULL";
    case S7_DTS_BIT: return "BIT, length in bits";
    case S7_DTS_BYTE: return "BYTE/WORD/DWORD, length in bits";
    case S7_DTS_INT: return "INTEGER, length in bits";
    case S7_DTS_DINT: return "DINTEGER, length in bytes";
    case S7_DTS_REAL: return "REAL, length in bytes";
    case S7_DTS_OCTET: return "OCTET STRING, length in bytes";
    default: return "not a data transport size";
    }
}

/* The parameter block of a reply: Ack_Data, fn, n items (a header error: S7_ERR_PLC). */
S7_HOT static int check_resp_head(const s7_pdu *pdu, uint8_t fn, unsigned n, char *why, size_t cap)
{
    const char *what = fn == S7_FN_READ ? "read" : "write";
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) && (pdu->err_class || pdu->err_code))
        return S7_ERR_PLC;
    if (n == 0)
        return S7_ERR_INVAL;
    if (pdu->rosctr != S7_ACK_DATA)
        return nonconf(why, cap,
                       "%s reply: PDU type (ROSCTR) 0x%02X where the answer to a %s is "
                       "Ack_Data (0x03)",
                       what, pdu->rosctr, what);
    if (pdu->param_len != 2 || !pdu->param)
        return nonconf(why, cap,
                       "%s reply: a parameter block of %u bytes where 2 are expected "
                       "(function 0x%02X, item count %u)",
                       what, pdu->param_len, fn, n);
    if (pdu->param[0] != fn)
        return nonconf(why, cap,
                       "%s reply: function 0x%02X (byte 12 of the S7 PDU) where 0x%02X "
                       "(%s) was asked",
                       what, pdu->param[0], fn, what);
    if (pdu->param[1] != n)
        return nonconf(why, cap, "%s reply: %u item%s (byte 13 of the S7 PDU) for the %u asked",
                       what, pdu->param[1], pdu->param[1] == 1 ? "" : "s", n);
    return 0;
}

int s7_read_resp_check(const s7_pdu *pdu, const s7_var_spec *specs, unsigned n, s7_data_item *items,
                       char *why, size_t cap)
{
    if (why && cap)
        why[0] = 0;
    if (!specs || !items)
        return S7_ERR_INVAL;
    int r = check_resp_head(pdu, S7_FN_READ, n, why, cap);
    if (r < 0)
        return r;
    /* offsets in the evidence count from the S7 PDU's first byte (0x32) */
    size_t base = s7_pdu_header_len(pdu->rosctr) + pdu->param_len;
    s7__rcur c = s7__rcur_make(pdu->data, pdu->data_len);
    char asked[64];
    int texts = why && cap; /* the evidence is written only for a caller that reads it */
    asked[0] = 0;
    for (unsigned i = 0; i < n; i++) {
        s7_data_item *it = &items[i];
        size_t at = c.pos;
        if (texts)
            spec_text(&specs[i], asked, sizeof asked);
        memset(it, 0, sizeof *it);
        if (s7__rleft(&c) < S7_DATA_ITEM_HDR)
            return nonconf(why, cap,
                           "read reply, item %u of %u (asked: %s): the data block ends "
                           "after %u bytes, inside or before the item's 4-byte header (truncated)",
                           i + 1, n, asked, pdu->data_len);
        it->rc = s7__r8(&c);
        it->ts = s7__r8(&c);
        it->len_field = s7__r16(&c);
        if (it->rc != S7_RC_OK)
            continue; /* an error item: its header only, whatever its length field says */
        uint32_t want = spec_bytes(&specs[i]);
        char got[160];
        got[0] = 0;
        if (texts)
            snprintf(
                got, sizeof got,
                "at byte %zu of the S7 PDU return code 0xFF, transport size 0x%02X (%s), length "
                "%u",
                base + at, it->ts, dts_text(it->ts), it->len_field);
        if (specs[i].ts == S7_TS_BIT) {
            if (it->ts != S7_DTS_BIT)
                return nonconf(why, cap,
                               "read reply, item %u of %u (asked: %s): %s: a bit is "
                               "answered with transport size 0x03 (BIT)",
                               i + 1, n, asked, got);
            if (it->len_field != 1)
                return nonconf(why, cap,
                               "read reply, item %u of %u (asked: %s): %s: a bit has "
                               "length 1",
                               i + 1, n, asked, got);
        } else {
            if (it->ts != S7_DTS_BYTE && it->ts != S7_DTS_INT && it->ts != S7_DTS_DINT &&
                it->ts != S7_DTS_REAL && it->ts != S7_DTS_OCTET)
                return nonconf(why, cap,
                               "read reply, item %u of %u (asked: %s): %s: not a "
                               "transport size for bytes (0x04, 0x05, 0x06, 0x07 or 0x09)",
                               i + 1, n, asked, got);
            if (dts_in_bits(it->ts) && (it->len_field % 8u) != 0) {
                if (it->len_field == want)
                    return nonconf(why, cap,
                                   "read reply, item %u of %u (asked: %s): %s: the "
                                   "length field holds the byte count where transport size "
                                   "0x%02X counts bits (%u expected)",
                                   i + 1, n, asked, got, it->ts, want * 8u);
                return nonconf(why, cap,
                               "read reply, item %u of %u (asked: %s): %s: not a "
                               "whole number of bytes (transport size 0x%02X counts bits)",
                               i + 1, n, asked, got, it->ts);
            }
        }
        it->nbytes = s7_dts_nbytes(it->ts, it->len_field);
        if (it->nbytes != want)
            return nonconf(why, cap,
                           "read reply, item %u of %u (asked: %s): %s = %u byte%s for a "
                           "%u-byte item",
                           i + 1, n, asked, got, it->nbytes, it->nbytes == 1 ? "" : "s", want);
        if (s7__rleft(&c) < it->nbytes)
            return nonconf(why, cap,
                           "read reply, item %u of %u (asked: %s): %s: the data block "
                           "ends %zu byte%s into the item's %u bytes of data (truncated)",
                           i + 1, n, asked, got, s7__rleft(&c), s7__rleft(&c) == 1 ? "" : "s",
                           it->nbytes);
        it->data = it->nbytes ? s7__rview(&c, it->nbytes) : NULL;
        if ((it->nbytes & 1u) && i + 1 < n) {
            if (s7__rleft(&c) < 1)
                return nonconf(why, cap,
                               "read reply, item %u of %u (asked: %s): the data block "
                               "ends without the fill byte after the item's odd length "
                               "(truncated)",
                               i + 1, n, asked);
            (void)s7__r8(&c);
        } else if ((it->nbytes & 1u) && s7__rleft(&c) == 1) {
            (void)s7__r8(&c); /* a trailing fill after the last item is tolerated */
        }
    }
    if (s7__rleft(&c))
        return nonconf(why, cap,
                       "read reply: %zu byte%s after the last of the %u item%s (at byte "
                       "%zu of the S7 PDU): the data block is longer than the items it holds",
                       s7__rleft(&c), s7__rleft(&c) == 1 ? "" : "s", n, n == 1 ? "" : "s",
                       base + c.pos);
    return c.bad ? nonconf(why, cap, "read reply: data block truncated") : (int)n;
}

S7_HOT int s7_write_resp_check(const s7_pdu *pdu, const s7_var_spec *specs, unsigned n,
                               uint8_t *rcs, char *why, size_t cap)
{
    (void)specs; /* a write reply carries one code per item, whatever was written */
    if (why && cap)
        why[0] = 0;
    if (!rcs)
        return S7_ERR_INVAL;
    int r = check_resp_head(pdu, S7_FN_WRITE, n, why, cap);
    if (r < 0)
        return r;
    if (pdu->data_len != n || !pdu->data)
        return nonconf(why, cap,
                       "write reply: a data block of %u byte%s where %u return code%s "
                       "(one per item written) are expected",
                       pdu->data_len, pdu->data_len == 1 ? "" : "s", n, n == 1 ? "" : "s");
    memcpy(rcs, pdu->data, n);
    return (int)n;
}

int s7_read_resp_decode(const s7_pdu *pdu, s7_data_item *items, unsigned n)
{
    /* without the specs: the lengths as the reply states them, checked for consistency */
    int r = check_resp_head(pdu, S7_FN_READ, n, NULL, 0);
    if (r < 0)
        return r == S7_ERR_INVAL ? S7_ERR_PARAM : r;
    r = s7_data_items_decode(pdu->data, pdu->data_len, 0, items, n);
    if (r < 0)
        return r;
    if ((size_t)r != pdu->data_len)
        return S7_ERR_PARAM;
    return (int)n;
}

int s7_write_resp_decode(const s7_pdu *pdu, uint8_t *rcs, unsigned n)
{
    int r = s7_write_resp_check(pdu, NULL, n, rcs, NULL, 0);
    return r == S7_ERR_INVAL ? S7_ERR_PARAM : r;
}
