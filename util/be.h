/* Big-endian 16 and 32-bit loads and stores at a place the caller has checked is long
 * enough: fields patched in place, SZL records, block images, the S7 header once its length
 * is checked.  (The rest of a PDU is written and read through the bounds-checked cursors of
 * util/cur.h.) */
#ifndef S7_UTIL_BE_H
#define S7_UTIL_BE_H

#include <stdint.h>

static inline void s7__put_be16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void s7__put_be32(uint8_t *p, uint32_t v)
{
    s7__put_be16(p, v >> 16);
    s7__put_be16(p + 2, v);
}

static inline uint16_t s7__be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static inline uint32_t s7__be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#endif
