/* Userdata PDUs (ROSCTR 7): the 8/12-byte parameter block and its data item, the SZL
 * read requests (first part and continuation) and the SZL list header. */
#include <string.h>

#include "wire/wire_int.h"

#define UD_METHOD_REQ 0x11
#define UD_METHOD_RESP 0x12

int s7_ud_decode(const s7_pdu *pdu, s7_ud *out)
{
    memset(out, 0, sizeof *out);
    if (pdu->rosctr != S7_USERDATA || !pdu->param)
        return S7_ERR_PARAM;
    if (pdu->param_len != 8 && pdu->param_len != 12)
        return S7_ERR_PARAM;
    if (pdu->param_len == 8 && pdu->data_len == 0 && pdu->param[5] == 0x00) {
        /* a mode-transition push: its own parameter head, no data item */
        out->method = pdu->param[4];
        out->type = S7_UD_TYPE_PUSH;
        out->group = S7_UD_GRP_MODE;
        out->subfn = pdu->param[6];
        out->seq = pdu->param[7];
        return 8;
    }
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    uint8_t h0 = s7__r8(&c), h1 = s7__r8(&c), h2 = s7__r8(&c);
    uint8_t rest = s7__r8(&c);
    out->method = s7__r8(&c);
    uint8_t tg = s7__r8(&c);
    out->type = (uint8_t)(tg >> 4);
    out->group = (uint8_t)(tg & 0x0F);
    out->subfn = s7__r8(&c);
    out->seq = s7__r8(&c);
    if (h0 != 0x00 || h1 != 0x01 || h2 != 0x12 || (size_t)rest + 4 != pdu->param_len)
        return S7_ERR_PARAM;
    if (pdu->param_len == 8 ? out->method != UD_METHOD_REQ : out->method != UD_METHOD_RESP)
        return S7_ERR_PARAM;
    if (pdu->param_len == 12) {
        out->dur = s7__r8(&c);
        out->last = s7__r8(&c);
        out->err = s7__r16(&c);
    }
    if (c.bad)
        return S7_ERR_PARAM;

    /* data item: rc, ts, byte length, payload; it fills the data block exactly */
    s7__rcur d = s7__rcur_make(pdu->data, pdu->data_len);
    out->rc = s7__r8(&d);
    out->dts = s7__r8(&d);
    out->plen = s7__r16(&d);
    if (d.bad || s7__rleft(&d) != out->plen)
        return S7_ERR_PARAM;
    out->payload = out->plen ? s7__rview(&d, out->plen) : NULL;
    return (int)(pdu->param_len + pdu->data_len);
}

void s7_ud_resp_init(s7_ud *r, const s7_ud *req)
{
    memset(r, 0, sizeof *r);
    r->method = 0x12;
    r->type = S7_UD_TYPE_RESP;
    r->group = req->group;
    r->subfn = req->subfn;
    r->seq = req->seq;
}

int s7_ud_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_ud *u)
{
    if (u->plen && !u->payload && u->rc == S7_RC_OK)
        return S7_ERR_INVAL;
    int short_form = u->method == UD_METHOD_REQ;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_USERDATA, ref);
    s7__w8(&w, 0x00);
    s7__w8(&w, 0x01);
    s7__w8(&w, 0x12);
    s7__w8(&w, short_form ? 4 : 8);
    s7__w8(&w, u->method);
    s7__w8(&w, (uint8_t)((u->type << 4) | (u->group & 0x0F)));
    s7__w8(&w, u->subfn);
    s7__w8(&w, u->seq);
    if (!short_form) {
        s7__w8(&w, u->dur);
        s7__w8(&w, u->last);
        s7__w16(&w, u->err);
    }
    size_t data_off = w.pos;
    s7__ud_item_write(&w, u->rc, u->dts, u->payload, u->plen);
    return s7__pdu_finish(&w, S7_USERDATA, data_off);
}

int s7__ud_req(uint8_t *buf, size_t cap, uint16_t ref, uint8_t group, uint8_t subfn, uint8_t seq,
               const uint8_t *payload, uint16_t plen)
{
    s7_ud u;
    memset(&u, 0, sizeof u);
    u.method = UD_METHOD_REQ;
    u.type = S7_UD_TYPE_REQ;
    u.group = group;
    u.subfn = subfn;
    u.seq = seq;
    u.rc = payload ? S7_RC_OK : S7_RC_NOT_FOUND;
    u.dts = payload ? S7_DTS_OCTET : S7_DTS_NULL;
    u.payload = payload;
    u.plen = plen;
    return s7_ud_encode(buf, cap, ref, &u);
}

int s7_szl_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint16_t id, uint16_t index)
{
    uint8_t payload[4];
    s7__wcur pw = s7__wcur_make(payload, sizeof payload);
    s7__w16(&pw, id);
    s7__w16(&pw, index);
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_CPU, S7_UD_SZL_READ, 0, payload, sizeof payload);
}

/* The request for the next part of a multi-part answer: the long (0x12) form with the
 * sequence number the last part carried, the empty item. */
int s7_ud_next_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t group, uint8_t subfn,
                          uint8_t seq)
{
    s7_ud u;
    memset(&u, 0, sizeof u);
    u.method = UD_METHOD_RESP;
    u.type = S7_UD_TYPE_REQ;
    u.group = group;
    u.subfn = subfn;
    u.seq = seq;
    u.rc = S7_RC_NOT_FOUND;
    return s7_ud_encode(buf, cap, ref, &u);
}

int s7_szl_next_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t seq)
{
    return s7_ud_next_req_encode(buf, cap, ref, S7_UD_GRP_CPU, S7_UD_SZL_READ, seq);
}

int s7_szl_hdr_decode(const uint8_t *payload, size_t len, s7_szl_hdr *out)
{
    s7__rcur c = s7__rcur_make(payload, len);
    out->id = s7__r16(&c);
    out->index = s7__r16(&c);
    out->rec_len = s7__r16(&c);
    out->rec_count = s7__r16(&c);
    return c.bad ? S7_ERR_PARAM : 8;
}

int s7_szl_hdr_encode(uint8_t *buf, size_t cap, const s7_szl_hdr *h)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__w16(&w, h->id);
    s7__w16(&w, h->index);
    s7__w16(&w, h->rec_len);
    s7__w16(&w, h->rec_count);
    return s7__wdone(&w);
}
