/* Cyclic data (Userdata group 2) and the alarm query (group 4, subfunction 0x13): the
 * client's requests and the decoding of what the CPU answers and pushes.  Layouts as
 * server/cyclic.c and server/alarms.c describe them (from the captures of a real S7-400
 * and 315-2 answering WinCC, tests/vectors/real/). */
#include <string.h>

#include "wire/wire_int.h"

int s7_cyclic_cycle(uint32_t ms, uint8_t *base, uint8_t *factor)
{
    static const uint32_t unit[3] = {100, 1000, 10000};
    if (ms == 0 || !base || !factor)
        return S7_ERR_INVAL;
    for (uint8_t b = 0; b < 3; b++) {
        uint32_t f = (ms + unit[b] / 2) / unit[b];
        if (f <= 255) {
            *base = b;
            *factor = (uint8_t)(f ? f : 1);
            return (int)(unit[b] * *factor);
        }
    }
    return S7_ERR_VALUE;
}

int s7_cyclic_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t subfn, uint8_t job,
                         uint32_t cycle_ms, const s7_var_spec *specs, unsigned n)
{
    if (subfn != S7_CYC_TRANSFER && subfn != S7_CYC_CHANGE && subfn != S7_CYC_MODIFY)
        return S7_ERR_INVAL;
    uint8_t base, factor;
    int r = s7_cyclic_cycle(cycle_ms, &base, &factor);
    if (r < 0)
        return r;
    /* the specifications as a Read Var request lays them out (12 bytes each) */
    uint8_t tmp[S7_READ_REQ_SIZE(S7_ITEMS_MAX)];
    int len = s7_read_req_encode(tmp, sizeof tmp, 0, specs, n);
    if (len < 0)
        return len;
    s7_pdu p;
    if (s7_pdu_decode(tmp, (size_t)len, &p) < 0 || p.param_len < 2)
        return S7_ERR_INVAL;
    uint8_t payload[4 + S7_READ_REQ_SIZE(S7_ITEMS_MAX)];
    size_t slen = p.param_len - 2u;
    payload[0] = 0x00;
    payload[1] = (uint8_t)n;
    payload[2] = base;
    payload[3] = factor;
    memcpy(payload + 4, p.param + 2, slen);
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_CYCLIC, subfn, subfn == S7_CYC_MODIFY ? job : 0,
                      payload, (uint16_t)(4 + slen));
}

int s7_cyclic_unsub_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t subfn, uint8_t job)
{
    uint8_t payload[2] = {subfn, job};
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_CYCLIC, S7_CYC_UNSUBSCRIBE, 0, payload,
                      sizeof payload);
}

int s7_cyclic_data_decode(const uint8_t *payload, size_t plen, s7_data_item *items, unsigned max)
{
    if (!payload || plen < 2)
        return S7_ERR_PARAM;
    unsigned n = (unsigned)(payload[0] << 8 | payload[1]);
    if (n == 0 || n > max)
        return S7_ERR_PARAM;
    int used = s7_data_items_decode(payload + 2, plen - 2, 0, items, n);
    if (used < 0 || (size_t)used != plen - 2)
        return S7_ERR_PARAM;
    return (int)n;
}

/* ---------------------------------------------------------------- message service */

int s7_msg_service_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t events,
                          const char user[8], int alarm_type)
{
    uint8_t payload[12] = {events, 0x00};
    memcpy(payload + 2, user, 8);
    payload[10] = (uint8_t)(alarm_type < 0 ? 0 : alarm_type);
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_CPU, S7_UD_MSG_SERVICE, 0, payload,
                      alarm_type < 0 ? 10 : 12);
}

/* ---------------------------------------------------------------- alarm query */

int s7_alarm_query_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t alarm_type)
{
    /* function 00, one object: 12 08 1A 00 query type (1: by alarm type) 34 00 00 00 type */
    uint8_t payload[12] = {0x00, 0x01, 0x12, 0x08, 0x1A, 0x00,
                           0x01, 0x34, 0x00, 0x00, 0x00, alarm_type};
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_CPU, S7_UD_ALARM_QUERY, 0, payload, sizeof payload);
}

int s7_alarm_query_decode(const uint8_t *payload, size_t plen, s7_alarm *out, unsigned max)
{
    if (!payload || plen < 6 || payload[0] != 0x00)
        return S7_ERR_PARAM;
    if (payload[2] != S7_RC_OK)
        return 0; /* 0A 00 0000: no alarm */
    size_t total = (size_t)(payload[4] << 8 | payload[5]);
    if (total == 0xFFFF)
        total = plen - 6;
    if (6 + total > plen)
        return S7_ERR_PARAM;
    unsigned n = 0;
    size_t o = 6, end = 6 + total;
    while (o < end) {
        if (o + 12 > end)
            return S7_ERR_PARAM;
        size_t len = 2u + payload[o];
        if (len < 12 || o + len > end)
            return S7_ERR_PARAM;
        if (n < max && out) {
            s7_alarm *a = &out[n];
            memset(a, 0, sizeof *a);
            a->type = payload[o + 3];
            a->event_id = (uint32_t)payload[o + 4] << 24 | (uint32_t)payload[o + 5] << 16 |
                          (uint32_t)payload[o + 6] << 8 | payload[o + 7];
            a->state = payload[o + 9];
            a->ack_going = payload[o + 10];
            a->ack_coming = payload[o + 11];
            if (a->type == S7_ALARM_S && len >= 20 && s7_dt_decode(payload + o + 12, &a->came) >= 0)
                a->has_came = 1;
        }
        n++;
        o += len;
    }
    return (int)n;
}
