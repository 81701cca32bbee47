/* The S7comm header (protocol id 0x32): decoding a whole S7 PDU into header, parameter
 * and data views, writing headers, the error-only Ack, and the header helpers the other
 * PDU encoders share. */
#include <string.h>

#include "wire/wire_int.h"
#include "util/be.h"
#include "util/hot.h"

/* Non-zero for the four PDU types S7comm defines. */
static int rosctr_known(uint8_t r)
{
    return r == S7_JOB || r == S7_ACK || r == S7_ACK_DATA || r == S7_USERDATA;
}

S7_HOT size_t s7_pdu_header_len(uint8_t rosctr)
{
    return (rosctr == S7_ACK || rosctr == S7_ACK_DATA) ? 12 : 10;
}

S7_HOT int s7_pdu_decode(const uint8_t *buf, size_t len, s7_pdu *out)
{
    memset(out, 0, sizeof *out);
    if (len < 10 || buf[0] != S7_PROTO_ID || !rosctr_known(buf[1]))
        return S7_ERR_S7HDR;
    size_t hl = s7_pdu_header_len(buf[1]);
    if (len < hl)
        return S7_ERR_S7HDR;
    out->rosctr = buf[1];
    out->redundancy = s7__be16(buf + 2);
    out->ref = s7__be16(buf + 4);
    out->param_len = s7__be16(buf + 6);
    out->data_len = s7__be16(buf + 8);
    if (hl == 12) {
        out->err_class = buf[10];
        out->err_code = buf[11];
    }
    if (len - hl != (size_t)out->param_len + out->data_len)
        return S7_ERR_S7HDR;
    out->param = out->param_len ? buf + hl : NULL;
    out->data = out->data_len ? buf + hl + out->param_len : NULL;
    return (int)len;
}

/* Write the header fields of h into w. */
S7_HOT static void write_header(s7__wcur *w, const s7_pdu *h)
{
    size_t hl = s7_pdu_header_len(h->rosctr);
    uint8_t *p = s7__wspan(w, hl);
    if (!p)
        return;
    p[0] = S7_PROTO_ID;
    p[1] = h->rosctr;
    s7__put_be16(p + 2, h->redundancy);
    s7__put_be16(p + 4, h->ref);
    s7__put_be16(p + 6, h->param_len);
    s7__put_be16(p + 8, h->data_len);
    if (hl == 12) {
        p[10] = h->err_class;
        p[11] = h->err_code;
    }
}

S7_HOT int s7_pdu_encode_header(uint8_t *buf, size_t cap, const s7_pdu *h)
{
    if (!rosctr_known(h->rosctr))
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    write_header(&w, h);
    return s7__wdone(&w);
}

int s7_ack_error_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t err_class, uint8_t err_code)
{
    s7_pdu h;
    memset(&h, 0, sizeof h);
    h.rosctr = S7_ACK;
    h.ref = ref;
    h.err_class = err_class;
    h.err_code = err_code;
    return s7_pdu_encode_header(buf, cap, &h);
}

void s7__pdu_begin(s7__wcur *w, uint8_t rosctr, uint16_t ref)
{
    s7_pdu h;
    memset(&h, 0, sizeof h);
    h.rosctr = rosctr;
    h.ref = ref;
    write_header(w, &h);
}

int s7__pdu_finish(s7__wcur *w, uint8_t rosctr, size_t data_off)
{
    size_t hl = s7_pdu_header_len(rosctr);
    if (w->bad || data_off < hl || data_off > w->pos)
        return S7_ERR_NOSPACE;
    size_t plen = data_off - hl, dlen = w->pos - data_off;
    if (plen > 0xFFFF || dlen > 0xFFFF || w->pos > S7_FRAME_MAX - S7_ISO_HDR_LEN)
        return S7_ERR_NOSPACE;
    s7__wcur lw = s7__wcur_make(w->p + 6, 4);
    s7__w16(&lw, (uint16_t)plen);
    s7__w16(&lw, (uint16_t)dlen);
    return (int)w->pos;
}

void s7__ud_item_write(s7__wcur *w, uint8_t rc, uint8_t ts, const uint8_t *payload, uint16_t plen)
{
    if (rc != S7_RC_OK) {
        s7__w8(w, rc);
        s7__w8(w, 0);
        s7__w16(w, 0);
        return;
    }
    s7__w8(w, rc);
    s7__w8(w, ts);
    s7__w16(w, plen);
    s7__wbytes(w, payload, plen);
}
