/* Setup Communication (function 0xF0): the request and response PDUs and the decoder of
 * their common 8-byte parameter block. */
#include "wire/wire_int.h"

#define SETUP_PARAM_LEN 8

/* Whole setup PDU of type rosctr. */
static int setup_encode(uint8_t *buf, size_t cap, uint8_t rosctr, uint16_t ref, const s7_setup *s)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, rosctr, ref);
    s7__w8(&w, S7_FN_SETUP);
    s7__w8(&w, 0);
    s7__w16(&w, s->amq_calling);
    s7__w16(&w, s->amq_called);
    s7__w16(&w, s->pdu_len);
    return s7__pdu_finish(&w, rosctr, w.pos);
}

int s7_setup_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_setup *s)
{
    return setup_encode(buf, cap, S7_JOB, ref, s);
}

int s7_setup_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_setup *s)
{
    return setup_encode(buf, cap, S7_ACK_DATA, ref, s);
}

int s7_setup_decode(const s7_pdu *pdu, s7_setup *out)
{
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) && (pdu->err_class || pdu->err_code))
        return S7_ERR_PLC;
    if (pdu->rosctr != S7_JOB && pdu->rosctr != S7_ACK_DATA)
        return S7_ERR_PARAM;
    if (pdu->param_len != SETUP_PARAM_LEN || pdu->data_len != 0 || !pdu->param)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    uint8_t fn = s7__r8(&c);
    (void)s7__r8(&c); /* reserved */
    out->amq_calling = s7__r16(&c);
    out->amq_called = s7__r16(&c);
    out->pdu_len = s7__r16(&c);
    if (c.bad || fn != S7_FN_SETUP)
        return S7_ERR_PARAM;
    return SETUP_PARAM_LEN;
}
