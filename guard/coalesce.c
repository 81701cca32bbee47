/* Reads of several clients in one request (internal.h): on a shared upstream connection the
 * Read Var requests of the clients waiting for it go to the CPU together, as the items of
 * one request, and the CPU's answer is cut into each client's own answer.  The CPU then
 * works one request for many clients' reads (its communication load, the AmQ slots they
 * take); each client gets, byte for byte, the answer the CPU gives to its read alone: the
 * items are answered one by one (a return code per item, no consistency across items), and
 * a fill byte follows an odd item only when another item follows it. */
#include <string.h>

#include "guard/internal.h"

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static void put16(uint8_t *p, size_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

int s7__gco_read(const uint8_t *pdu, size_t len, unsigned *n, size_t *reply_data)
{
    if (len < 12 || pdu[0] != 0x32 || pdu[1] != S7_JOB)
        return 0;
    size_t plen = be16(pdu + 6), dlen = be16(pdu + 8);
    unsigned k = pdu[11];
    if (dlen || len != 10 + plen || pdu[10] != S7_FN_READ || !k || k > S7__GCO_MAX ||
        plen != 2 + (size_t)S7_ITEM_SPEC_LEN * k)
        return 0;
    size_t rd = 0;
    for (unsigned i = 0; i < k; i++) {
        const uint8_t *it = pdu + 12 + (size_t)S7_ITEM_SPEC_LEN * i;
        if (it[0] != 0x12 || it[1] != 0x0a || it[2] != 0x10)
            return 0; /* S7ANY only (a DBREAD item is answered as a whole) */
        uint32_t el = s7_ts_elem_size(it[3]), count = be16(it + 4);
        if (!el || !count || (it[3] == S7_TS_BIT && count != 1))
            return 0;
        size_t bytes = (size_t)el * count;
        rd += S7_DATA_ITEM_HDR + bytes + (bytes & 1);
    }
    *n = k;
    *reply_data = rd;
    return 1;
}

int s7__gco_part(const s7_pdu *rep, const s7_data_item *items, unsigned first, unsigned n,
                 uint8_t *out, size_t cap)
{
    size_t o = 14;
    for (unsigned i = first; i < first + n; i++) {
        const s7_data_item *it = &items[i];
        size_t fill = (it->nbytes & 1) && i + 1 < first + n;
        if (o + S7_DATA_ITEM_HDR + it->nbytes + fill > cap)
            return S7_ERR_NOSPACE;
        out[o] = it->rc;
        out[o + 1] = it->ts;
        put16(out + o + 2, it->len_field);
        o += S7_DATA_ITEM_HDR;
        if (it->nbytes)
            memcpy(out + o, it->data, it->nbytes);
        o += it->nbytes;
        if (fill)
            out[o++] = 0;
    }
    if (o > 0xFFFF + 14u)
        return S7_ERR_NOSPACE;
    /* the header as the CPU's (its reference is the client's once merged), param 04 n */
    out[0] = 0x32;
    out[1] = rep->rosctr;
    put16(out + 2, rep->redundancy);
    put16(out + 4, rep->ref);
    put16(out + 6, 2);
    put16(out + 8, o - 14);
    out[10] = rep->err_class;
    out[11] = rep->err_code;
    out[12] = S7_FN_READ;
    out[13] = (uint8_t)n;
    return (int)o;
}

int s7__gco_whole(const s7_pdu *rep, uint8_t *out, size_t cap)
{
    int h = s7_pdu_encode_header(out, cap, rep);
    if (h < 0 || (size_t)h + rep->param_len + rep->data_len > cap)
        return S7_ERR_NOSPACE;
    if (rep->param_len)
        memcpy(out + h, rep->param, rep->param_len);
    if (rep->data_len)
        memcpy(out + h + rep->param_len, rep->data, rep->data_len);
    return h + rep->param_len + rep->data_len;
}
