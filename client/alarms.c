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

/* 0xD401 / 0xD402 ("information function unavailable") to the alarm query: the table words
 * it for an SZL; here it is the message service the device does not offer. */
static void alarm_unavailable(s7_client *c)
{
    s7_explain *e = &c->last_error;
    if (e->kind != S7_EX_USERDATA || (e->code != 0xD401 && e->code != 0xD402))
        return;
    e->cause = "this device does not answer the alarm query of the message service (the active "
               "ALARM_S / ALARM_8 alarms): the Snap7 server, S7-200 and LOGO! do not offer it";
    e->fix = "nothing to fix on the device: read the alarm bits the program sets (s7 read), or "
             "see the messages on the HMI or in TIA Portal (ALARM_8: ask an S7-400 with "
             "--alarm8)";
}

static int alarm_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    alarm_ctx *x = j->ctx;
    s7_ud u;
    int rc = s7__ud_answer(c, pdu, &u, -1);
    if (rc == S7_ERR_PARAM)
        s7__set_problem(c, "the answer to the alarm query is not a Userdata answer");
    if (rc == 0)
        rc = s7__ud_item(c, &u);
    if (rc == S7_ERR_PLC)
        alarm_unavailable(c);
    if (rc < 0)
        return rc;
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
