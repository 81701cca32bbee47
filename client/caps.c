/* What SZL capacity and protection figures a CPU can report (s7_cpu_caps_implausible): a
 * protection level is 1..3, the mode switch 0..4, a CPU offers at most a few hundred
 * connections (S7_CAPS_CONN_LIMIT) and never has more in use than it offers, and its
 * largest PDU is not below the one it just negotiated.  Figures outside are shown as
 * implausible, with the raw value, and no diagnosis is drawn from them. */
#include <stdio.h>

#include "s7/client.h"

unsigned s7_cpu_caps_implausible(const s7_cpu_caps *k, unsigned pdu)
{
    unsigned bad = 0;
    if (!k)
        return 0;
    if (k->max_pdu >= 0 && (k->max_pdu == 0 || (pdu && (unsigned)k->max_pdu < pdu)))
        bad |= S7_CAPS_MAX_PDU;
    if (k->max_connections >= 0 &&
        (k->max_connections == 0 || k->max_connections > S7_CAPS_CONN_LIMIT))
        bad |= S7_CAPS_MAX_CONN;
    if (k->used_connections >= 0 && (k->used_connections > S7_CAPS_CONN_LIMIT ||
                                     (k->max_connections > 0 && !(bad & S7_CAPS_MAX_CONN) &&
                                      k->used_connections > k->max_connections)))
        bad |= S7_CAPS_USED_CONN;
    if (k->protection_level >= 0 && (k->protection_level < 1 || k->protection_level > 3))
        bad |= S7_CAPS_PROT_LEVEL;
    if (k->protection_switch > 4)
        bad |= S7_CAPS_PROT_SWITCH;
    return bad;
}

const char *s7_cpu_caps_why(const s7_cpu_caps *k, unsigned pdu, unsigned field, char *buf,
                            size_t cap)
{
    if (!buf || !cap)
        return buf;
    buf[0] = 0;
    if (!(s7_cpu_caps_implausible(k, pdu) & field))
        return buf;
    switch (field) {
    case S7_CAPS_MAX_PDU:
        if (k->max_pdu == 0)
            snprintf(buf, cap, "a CPU's largest PDU is not 0");
        else
            snprintf(buf, cap, "below the PDU of %u bytes this connection negotiated", pdu);
        break;
    case S7_CAPS_MAX_CONN:
        if (k->max_connections == 0)
            snprintf(buf, cap, "a CPU that holds this connection offers at least one");
        else
            snprintf(buf, cap, "more than any CPU offers: the largest offer %d",
                     S7_CAPS_CONN_LIMIT);
        break;
    case S7_CAPS_USED_CONN:
        if (k->used_connections > S7_CAPS_CONN_LIMIT)
            snprintf(buf, cap, "more than any CPU offers: the largest offer %d",
                     S7_CAPS_CONN_LIMIT);
        else
            snprintf(buf, cap, "more in use than the %d the CPU offers", k->max_connections);
        break;
    case S7_CAPS_PROT_LEVEL: snprintf(buf, cap, "a CPU reports protection level 1, 2 or 3"); break;
    case S7_CAPS_PROT_SWITCH:
        snprintf(buf, cap, "a mode switch position is 0..4 (undefined, RUN, RUN-P, STOP, MRES)");
        break;
    default: break;
    }
    return buf;
}
