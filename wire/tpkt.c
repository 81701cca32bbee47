/* TPKT (RFC 1006) framing: the 4-byte header in front of every COTP TPDU, and the
 * small TSAP / TPDU-size helpers of the transport layer. */
#include "wire/wire_int.h"
#include "util/hot.h"

S7_HOT int s7_tpkt_peek(const uint8_t *buf, size_t len)
{
    if (len < S7_TPKT_LEN)
        return S7_AGAIN;
    s7__rcur c = s7__rcur_make(buf, len);
    uint8_t version = s7__r8(&c);
    (void)s7__r8(&c); /* reserved: not checked, peers disagree on it */
    uint16_t total = s7__r16(&c);
    if (c.bad || version != 3 || total < S7_TPKT_LEN + 3)
        return S7_ERR_TPKT;
    return (int)total;
}

int s7_tpkt_encode(uint8_t *buf, size_t cap, size_t total_len)
{
    if (total_len < S7_TPKT_LEN + 3)
        return S7_ERR_INVAL;
    if (total_len > S7_FRAME_MAX)
        return S7_ERR_NOSPACE;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__w8(&w, 3);
    s7__w8(&w, 0);
    s7__w16(&w, (uint16_t)total_len);
    return s7__wdone(&w);
}

uint32_t s7_tpdu_size_bytes(uint8_t code)
{
    if (code < 0x07 || code > 0x0D)
        return 0;
    return (uint32_t)1 << code;
}

uint16_t s7_tsap_make(uint8_t conn_type, uint8_t rack, uint8_t slot)
{
    return (uint16_t)(((unsigned)conn_type << 8) | ((rack & 0x07u) << 5) | (slot & 0x1Fu));
}
