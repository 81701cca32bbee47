/* Read Var (0x04) and Write Var (0x05): S7ANY item specifications, data items with
 * their bit/byte length units and fill bytes, requests and replies in both roles. */
#include <string.h>

#include "wire/wire_int.h"

#define VAR_SPEC_TYPE 0x12 /* variable specification */
#define VAR_SPEC_LEN 0x0A  /* length of the S7ANY address that follows */
#define SYNTAX_S7ANY 0x10

uint32_t s7_ts_elem_size(uint8_t ts)
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

uint8_t s7_ts_data_ts(uint8_t ts)
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

uint32_t s7_dts_nbytes(uint8_t dts, uint16_t len_field)
{
    return dts_in_bits(dts) ? ((uint32_t)len_field + 7u) / 8u : len_field;
}

uint16_t s7_dts_len_field(uint8_t dts, uint32_t nbytes)
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
static int write_specs(s7__wcur *w, uint8_t fn, const s7_var_spec *specs, unsigned n)
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
static int write_item(s7__wcur *w, uint8_t rc, uint8_t ts, uint16_t len_field, const uint8_t *data,
                      uint32_t nbytes, int last)
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

int s7_write_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_var_spec *specs,
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

int s7_data_items_decode(const uint8_t *data, size_t len, int is_write_req, s7_data_item *items,
                         unsigned n)
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

/* Common reply checks: header error, Ack_Data, param = fn n.  Returns 0 or an error. */
static int check_resp(const s7_pdu *pdu, uint8_t fn, unsigned n)
{
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) && (pdu->err_class || pdu->err_code))
        return S7_ERR_PLC;
    if (pdu->rosctr != S7_ACK_DATA || pdu->param_len != 2 || !pdu->param)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    uint8_t f = s7__r8(&c);
    uint8_t count = s7__r8(&c);
    if (c.bad || f != fn || count != n || n == 0)
        return S7_ERR_PARAM;
    return 0;
}

int s7_read_resp_decode(const s7_pdu *pdu, s7_data_item *items, unsigned n)
{
    int r = check_resp(pdu, S7_FN_READ, n);
    if (r < 0)
        return r;
    r = s7_data_items_decode(pdu->data, pdu->data_len, 0, items, n);
    if (r < 0)
        return r;
    if ((size_t)r != pdu->data_len)
        return S7_ERR_PARAM;
    return (int)n;
}

int s7_write_resp_decode(const s7_pdu *pdu, uint8_t *rcs, unsigned n)
{
    int r = check_resp(pdu, S7_FN_WRITE, n);
    if (r < 0)
        return r;
    if (pdu->data_len != n || !pdu->data)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->data, pdu->data_len);
    for (unsigned i = 0; i < n; i++)
        rcs[i] = s7__r8(&c);
    return c.bad ? S7_ERR_PARAM : (int)n;
}
