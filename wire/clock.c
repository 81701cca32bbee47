/* Clock functions (Userdata group 7): read and set requests and the 10-byte clock
 * payload (reserved byte, year-high BCD, 8-byte DATE_AND_TIME from wire/datetime.c). */
#include <string.h>

#include "wire/wire_int.h"

#define CLOCK_PAYLOAD_LEN 10

int s7_clock_payload_encode(uint8_t out[10], const s7_datetime *t)
{
    uint8_t dt[8];
    int r = s7_dt_encode(dt, t);
    if (r < 0)
        return r;
    s7__wcur w = s7__wcur_make(out, CLOCK_PAYLOAD_LEN);
    s7__w8(&w, 0x00);                          /* reserved */
    s7__w8(&w, t->year >= 2000 ? 0x20 : 0x19); /* year-high BCD (ignored by readers) */
    s7__wbytes(&w, dt, sizeof dt);
    return s7__wdone(&w);
}

int s7_clock_payload_decode(const uint8_t *p, size_t len, s7_datetime *out)
{
    if (len != CLOCK_PAYLOAD_LEN || !p)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(p, len);
    (void)s7__rview(&c, 2); /* reserved, year-high: the year comes from the DT's yy */
    const uint8_t *dt = s7__rview(&c, 8);
    if (c.bad)
        return S7_ERR_PARAM;
    int r = s7_dt_decode(dt, out);
    return r < 0 ? r : CLOCK_PAYLOAD_LEN;
}

/* A group-7 request with the given subfunction and data item. */
static int clock_req(uint8_t *buf, size_t cap, uint16_t ref, uint8_t subfn, const uint8_t *payload,
                     uint16_t plen)
{
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_TIME, subfn, 0, payload, plen);
}

int s7_clock_read_req_encode(uint8_t *buf, size_t cap, uint16_t ref)
{
    return clock_req(buf, cap, ref, S7_UD_CLOCK_READ, NULL, 0);
}

int s7_clock_set_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_datetime *t)
{
    uint8_t p[CLOCK_PAYLOAD_LEN];
    int r = s7_clock_payload_encode(p, t);
    if (r < 0)
        return r;
    return clock_req(buf, cap, ref, S7_UD_CLOCK_SET, p, sizeof p);
}
