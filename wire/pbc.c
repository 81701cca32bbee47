/* BSEND/BRCV and USEND/URCV PDUs (Userdata, function group 6 "PBC").
 *
 * A BSEND segment: Userdata header; a 12-byte parameter 00 01 12 08 12 <type|6> 01 <seq>
 * <data unit ref> <last> <err:2>; one data item FF 09 <len:2> whose bytes are the PBC head
 * 12 06 13 00 <R_ID:4>, then (first segment only) the block's total length <2>, then the
 * segment's data.  The acknowledgement: the same parameter with type 8, the receiver's
 * sequence number, last 0, and the data item 0A 00 0000.  A USEND: parameter
 * 00 01 12 06 13 00 <R_ID:4>; data FF 00 <item count:2>, one item FF 04 <bits:2> <data>. */
#include <string.h>

#include "wire/wire_int.h"

#define PBC_SUBFN 0x01
#define PBC_SYNTAX_EXT 0x12
#define PBC_SYNTAX_RID 0x13
#define PBC_HEAD 8u

static int seg_write(uint8_t *buf, size_t cap, uint16_t ref, uint8_t type, uint8_t seq, uint8_t dur,
                     uint8_t last, uint16_t err)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_USERDATA, ref);
    s7__w8(&w, 0x00);
    s7__w8(&w, 0x01);
    s7__w8(&w, 0x12);
    s7__w8(&w, 8);
    s7__w8(&w, PBC_SYNTAX_EXT);
    s7__w8(&w, (uint8_t)((type << 4) | S7_UD_GRP_PBC));
    s7__w8(&w, PBC_SUBFN);
    s7__w8(&w, seq);
    s7__w8(&w, dur);
    s7__w8(&w, last);
    s7__w16(&w, err);
    return w.bad ? S7_ERR_NOSPACE : (int)w.pos;
}

int s7_bsend_seg_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_bsend *s, int first,
                        uint16_t total, const uint8_t *data, uint16_t n)
{
    if (n && !data)
        return S7_ERR_INVAL;
    int off = seg_write(buf, cap, ref, S7_UD_TYPE_REQ, s->seq, s->dur, s->last, s->err);
    if (off < 0)
        return off;
    size_t item = PBC_HEAD + (first ? 2u : 0u) + n;
    if (item > 0xFFFF)
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    w.pos = (size_t)off;
    s7__w8(&w, S7_RC_OK);
    s7__w8(&w, S7_DTS_OCTET);
    s7__w16(&w, (uint16_t)item);
    s7__w8(&w, PBC_SYNTAX_EXT);
    s7__w8(&w, 0x06);
    s7__w8(&w, PBC_SYNTAX_RID);
    s7__w8(&w, 0x00);
    s7__w16(&w, (uint16_t)(s->r_id >> 16));
    s7__w16(&w, (uint16_t)s->r_id);
    if (first)
        s7__w16(&w, total);
    s7__wbytes(&w, data, n);
    return s7__pdu_finish(&w, S7_USERDATA, (size_t)off);
}

int s7_bsend_ack_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t seq, uint16_t err)
{
    int off = seg_write(buf, cap, ref, S7_UD_TYPE_RESP, seq, 0, 0, err);
    if (off < 0)
        return off;
    s7__wcur w = s7__wcur_make(buf, cap);
    w.pos = (size_t)off;
    s7__ud_item_write(&w, 0x0A, 0, NULL, 0);
    return s7__pdu_finish(&w, S7_USERDATA, (size_t)off);
}

int s7_bsend_decode(const s7_pdu *pdu, s7_bsend *out)
{
    memset(out, 0, sizeof *out);
    if (pdu->rosctr != S7_USERDATA || pdu->param_len != 12 || !pdu->param)
        return S7_ERR_PARAM;
    const uint8_t *p = pdu->param;
    if (p[0] != 0x00 || p[1] != 0x01 || p[2] != 0x12 || p[3] != 8 || p[4] != PBC_SYNTAX_EXT ||
        (p[5] & 0x0F) != S7_UD_GRP_PBC)
        return S7_ERR_PARAM;
    out->type = (uint8_t)(p[5] >> 4);
    if (out->type != S7_UD_TYPE_REQ && out->type != S7_UD_TYPE_RESP)
        return S7_ERR_PARAM;
    out->seq = p[7];
    out->dur = p[8];
    out->last = p[9];
    out->err = (uint16_t)((p[10] << 8) | p[11]);
    s7__rcur d = s7__rcur_make(pdu->data, pdu->data_len);
    uint8_t rc = s7__r8(&d);
    s7__r8(&d); /* transport size */
    uint16_t len = s7__r16(&d);
    if (d.bad || s7__rleft(&d) != len)
        return S7_ERR_PARAM;
    if (out->type == S7_UD_TYPE_RESP)
        return 0; /* an acknowledgement: its item (0A 00 0000 from real partners) is not used */
    if (rc != S7_RC_OK || len < PBC_HEAD)
        return S7_ERR_PARAM;
    const uint8_t *h = s7__rview(&d, PBC_HEAD);
    if (h[0] != PBC_SYNTAX_EXT || h[1] != 0x06 || h[2] != PBC_SYNTAX_RID)
        return S7_ERR_PARAM;
    out->r_id = ((uint32_t)h[4] << 24) | ((uint32_t)h[5] << 16) | ((uint32_t)h[6] << 8) | h[7];
    out->dlen = (uint16_t)(len - PBC_HEAD);
    out->data = out->dlen ? s7__rview(&d, out->dlen) : NULL;
    return 0;
}

uint32_t s7_bsend_seg_max(uint16_t pdu, int first)
{
    uint32_t over = S7_BSEND_OVERHEAD + (first ? 2u : 0u);
    return pdu > over ? pdu - over : 0;
}

int s7_usend_encode(uint8_t *buf, size_t cap, uint16_t ref, uint32_t r_id, const uint8_t *data,
                    uint16_t n)
{
    if ((n && !data) || n > 0xFFFF / 8)
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_USERDATA, ref);
    s7__w8(&w, 0x00);
    s7__w8(&w, 0x01);
    s7__w8(&w, 0x12);
    s7__w8(&w, 0x06);
    s7__w8(&w, PBC_SYNTAX_RID);
    s7__w8(&w, 0x00);
    s7__w16(&w, (uint16_t)(r_id >> 16));
    s7__w16(&w, (uint16_t)r_id);
    size_t data_off = w.pos;
    s7__w8(&w, S7_RC_OK);
    s7__w8(&w, 0x00);
    s7__w16(&w, 1); /* one item */
    s7__w8(&w, S7_RC_OK);
    s7__w8(&w, S7_DTS_BYTE);
    s7__w16(&w, (uint16_t)(n * 8u));
    s7__wbytes(&w, data, n);
    return s7__pdu_finish(&w, S7_USERDATA, data_off);
}

int s7_usend_is(const s7_pdu *pdu)
{
    return pdu->rosctr == S7_USERDATA && pdu->param && pdu->param_len >= 5 &&
           pdu->param[2] == 0x12 && pdu->param[4] == PBC_SYNTAX_RID;
}

int s7_usend_decode(const s7_pdu *pdu, uint32_t *r_id, const uint8_t **data, uint16_t *n)
{
    if (!s7_usend_is(pdu) || pdu->param_len != 10 || pdu->param[3] != 0x06)
        return S7_ERR_PARAM;
    const uint8_t *p = pdu->param;
    *r_id = ((uint32_t)p[6] << 24) | ((uint32_t)p[7] << 16) | ((uint32_t)p[8] << 8) | p[9];
    s7__rcur d = s7__rcur_make(pdu->data, pdu->data_len);
    s7__r8(&d); /* return code */
    s7__r8(&d);
    uint16_t count = s7__r16(&d);
    s7__r8(&d); /* the item's return code */
    uint8_t ts = s7__r8(&d);
    uint16_t len = s7__r16(&d);
    if (d.bad || count < 1)
        return S7_ERR_PARAM;
    uint32_t bytes =
        (ts == S7_DTS_BIT || ts == S7_DTS_BYTE || ts == S7_DTS_INT) ? (len + 7u) / 8u : len;
    if (bytes > s7__rleft(&d) || (count == 1 && bytes != s7__rleft(&d)))
        return S7_ERR_PARAM;
    *n = (uint16_t)bytes;
    *data = bytes ? s7__rview(&d, bytes) : NULL;
    return 0;
}

uint32_t s7_usend_max(uint16_t pdu)
{
    return pdu > S7_USEND_OVERHEAD ? pdu - S7_USEND_OVERHEAD : 0;
}
