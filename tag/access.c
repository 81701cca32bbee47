/* Big-endian typed access to PLC memory images (the byte order of S7 CPUs). */
#include <string.h>

#include "s7/tag.h"

uint16_t s7_get_u16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }

uint32_t s7_get_u32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

uint64_t s7_get_u64(const uint8_t *p)
{
    return ((uint64_t)s7_get_u32(p) << 32) | s7_get_u32(p + 4);
}

float s7_get_real(const uint8_t *p)
{
    uint32_t u = s7_get_u32(p);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

double s7_get_lreal(const uint8_t *p)
{
    uint64_t u = s7_get_u64(p);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

void s7_set_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

void s7_set_u32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void s7_set_u64(uint8_t *p, uint64_t v)
{
    s7_set_u32(p, (uint32_t)(v >> 32));
    s7_set_u32(p + 4, (uint32_t)v);
}

void s7_set_real(uint8_t *p, float v)
{
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    s7_set_u32(p, u);
}

void s7_set_lreal(uint8_t *p, double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    s7_set_u64(p, u);
}
