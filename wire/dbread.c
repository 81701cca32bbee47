/* DBREAD on the client side: the Read Var Job of one item with syntax id 0xB0 (several DB
 * ranges, what WinCC sends an S7-400) and its answer, per range a return code and the
 * range's bytes (tests/vectors/real/wincc_s400_production.pcapng).  The address block's
 * decoder for the server side is s7_dbread_decode (var.c). */
#include <string.h>

#include "wire/wire_int.h"

int s7_dbread_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_dbread_range *ranges,
                         unsigned n)
{
    if (n == 0 || n > 255 || !ranges)
        return S7_ERR_INVAL;
    for (unsigned i = 0; i < n; i++)
        if (ranges[i].len == 0)
            return S7_ERR_INVAL;
    size_t alen = 2 + 5u * n; /* B0, count, 5 bytes per range */
    if (alen > 255)
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_JOB, ref);
    s7__w8(&w, S7_FN_READ);
    s7__w8(&w, 1);
    s7__w8(&w, 0x12);
    s7__w8(&w, (uint8_t)alen);
    s7__w8(&w, 0xB0);
    s7__w8(&w, (uint8_t)n);
    for (unsigned i = 0; i < n; i++) {
        s7__w8(&w, ranges[i].len);
        s7__w16(&w, ranges[i].db);
        s7__w16(&w, ranges[i].start);
    }
    return s7__pdu_finish(&w, S7_JOB, w.pos);
}

int s7_dbread_resp_decode(const s7_pdu *pdu, const s7_dbread_range *ranges, unsigned n,
                          uint8_t *rcs, const uint8_t **data)
{
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) && (pdu->err_class || pdu->err_code))
        return S7_ERR_PLC;
    if (pdu->rosctr != S7_ACK_DATA || pdu->param_len != 2 || pdu->param[0] != S7_FN_READ ||
        pdu->param[1] != 1)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->data, pdu->data_len);
    uint8_t rc = s7__r8(&c), ts = s7__r8(&c);
    uint16_t len = s7__r16(&c);
    if (c.bad)
        return S7_ERR_PARAM;
    if (rc != S7_RC_OK) {
        for (unsigned i = 0; i < n; i++) {
            rcs[i] = rc;
            data[i] = NULL;
        }
        return (int)n;
    }
    if (ts != S7_DTS_OCTET || len != s7__rleft(&c))
        return S7_ERR_PARAM;
    for (unsigned i = 0; i < n; i++) {
        rcs[i] = s7__r8(&c);
        data[i] = rcs[i] == S7_RC_OK ? s7__rview(&c, ranges[i].len) : NULL;
        if (c.bad)
            return S7_ERR_PARAM;
    }
    return s7__rleft(&c) == 0 ? (int)n : S7_ERR_PARAM;
}
