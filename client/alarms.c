/* The alarm query of the client (Userdata group 4 subfunction 0x13): the CPU's active and
 * unacknowledged alarms, decoded by wire/cyclic.c. */
#include <string.h>

#include "client/internal.h"

typedef struct alarm_ctx {
    uint8_t type;
    s7_alarm *out;
    size_t max;
    int count;
} alarm_ctx;

static int alarm_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)c;
    (void)sub;
    alarm_ctx *x = j->ctx;
    return s7_alarm_query_encode(buf, cap, 0, x->type);
}

static int alarm_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    alarm_ctx *x = j->ctx;
    s7_ud u;
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) &&
        (pdu->err_class || pdu->err_code)) {
        s7__set_error(c, S7_EX_HEADER, (uint16_t)(pdu->err_class << 8 | pdu->err_code));
        return S7_ERR_PLC;
    }
    if (pdu->rosctr != S7_USERDATA || s7_ud_decode(pdu, &u) < 0) {
        s7__set_problem(c, "the answer to the alarm query is not a Userdata answer");
        return S7_ERR_PARAM;
    }
    if (u.err) {
        s7__set_error(c, S7_EX_USERDATA, u.err);
        return S7_ERR_PLC;
    }
    if (u.rc != S7_RC_OK) {
        s7__set_error(c, S7_EX_ITEM, u.rc);
        return S7_ERR_PLC;
    }
    int n = s7_alarm_query_decode(u.payload, u.plen, x->out, (unsigned)x->max);
    if (n < 0) {
        s7__set_problem(c,
                        "the alarm query answer's %u data bytes do not hold whole alarm "
                        "objects (length, alarm type, event ID, states)",
                        u.plen);
        return S7_ERR_PARAM;
    }
    x->count = n;
    return 0;
}

int s7_client_alarms(s7_client *c, uint8_t alarm_type, s7_alarm *out, size_t max)
{
    if (!c || (alarm_type != S7_ALARM_S && alarm_type != S7_ALARM_8) || (max && !out))
        return S7_ERR_INVAL;
    alarm_ctx x;
    memset(&x, 0, sizeof x);
    x.type = alarm_type;
    x.out = out;
    x.max = max;
    int rc = s7__run_raw(c, alarm_enc, alarm_rep, &x);
    return rc < 0 ? rc : x.count;
}
