/* PLC control jobs: PLC Stop (0x29) and PI service start (0x28, hot or cold restart of
 * "P_PROGRAM"), their server-side decoder and the Ack_Data replies. */
#include <string.h>

#include "wire/wire_int.h"

static const uint8_t PROGRAM[9] = {'P', '_', 'P', 'R', 'O', 'G', 'R', 'A', 'M'};
static const uint8_t COLD_ARG[2] = {'C', ' '};

int s7_plc_stop_req_encode(uint8_t *buf, size_t cap, uint16_t ref)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_JOB, ref);
    s7__w8(&w, S7_FN_STOP);
    s7__wzero(&w, 5); /* unknown, zero in every known client */
    s7__w8(&w, sizeof PROGRAM);
    s7__wbytes(&w, PROGRAM, sizeof PROGRAM);
    return s7__pdu_finish(&w, S7_JOB, w.pos);
}

int s7__pi_req(uint8_t *buf, size_t cap, uint16_t ref, const uint8_t *arg, uint16_t arg_len,
               const void *service, uint8_t service_len)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_JOB, ref);
    s7__w8(&w, S7_FN_PI);
    s7__wzero(&w, 6);
    s7__w8(&w, 0xFD);
    s7__w16(&w, arg_len);
    s7__wbytes(&w, arg, arg_len);
    s7__w8(&w, service_len);
    s7__wbytes(&w, service, service_len);
    return s7__pdu_finish(&w, S7_JOB, w.pos);
}

int s7_plc_start_req_encode(uint8_t *buf, size_t cap, uint16_t ref, int mode)
{
    if (mode != S7_START_HOT && mode != S7_START_COLD)
        return S7_ERR_INVAL;
    int cold = mode == S7_START_COLD;
    return s7__pi_req(buf, cap, ref, cold ? COLD_ARG : NULL, cold ? sizeof COLD_ARG : 0, PROGRAM,
                      sizeof PROGRAM);
}

int s7_plc_ctrl_decode(const s7_pdu *pdu, s7_plc_ctrl *out)
{
    memset(out, 0, sizeof *out);
    if (pdu->rosctr != S7_JOB || pdu->data_len != 0 || !pdu->param)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    out->fn = s7__r8(&c);
    if (out->fn == S7_FN_STOP) {
        (void)s7__rview(&c, 5);
    } else if (out->fn == S7_FN_PI) {
        (void)s7__rview(&c, 7); /* 6 unknown bytes and 0xFD */
        out->arg_len = s7__r16(&c);
        out->arg = out->arg_len ? s7__rview(&c, out->arg_len) : NULL;
    } else {
        return S7_ERR_PARAM;
    }
    out->service_len = s7__r8(&c);
    out->service = out->service_len ? s7__rview(&c, out->service_len) : NULL;
    if (c.bad || s7__rleft(&c) != 0)
        return S7_ERR_PARAM;
    out->mode = (out->fn == S7_FN_PI && out->arg_len == sizeof COLD_ARG &&
                 memcmp(out->arg, COLD_ARG, sizeof COLD_ARG) == 0)
                    ? S7_START_COLD
                    : S7_START_HOT;
    return (int)pdu->param_len;
}

int s7_plc_ctrl_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t fn, uint8_t status)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_ACK_DATA, ref);
    s7__w8(&w, fn);
    if (status)
        s7__w8(&w, status);
    return s7__pdu_finish(&w, S7_ACK_DATA, w.pos);
}

int s7_plc_ctrl_resp_decode(const s7_pdu *pdu, uint8_t *fn, uint8_t *status)
{
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) && (pdu->err_class || pdu->err_code))
        return S7_ERR_PLC;
    if (pdu->rosctr != S7_ACK_DATA || pdu->param_len < 1 || pdu->param_len > 2 ||
        pdu->data_len != 0 || !pdu->param)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    uint8_t f = s7__r8(&c);
    uint8_t st = pdu->param_len == 2 ? s7__r8(&c) : 0;
    if (c.bad || (f != S7_FN_STOP && f != S7_FN_PI))
        return S7_ERR_PARAM;
    *fn = f;
    *status = st;
    return (int)pdu->param_len;
}
