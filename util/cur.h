/* Bounds-checked big-endian cursors over wire bytes (internal to s7kit).
 * A read past the end or a write past the capacity sets ->bad and yields zeros; callers
 * check ->bad once at the end instead of after every field. */
#ifndef S7_UTIL_CUR_H
#define S7_UTIL_CUR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct s7__rcur {
    const uint8_t *p;
    size_t len;
    size_t pos;
    int bad;
} s7__rcur;

typedef struct s7__wcur {
    uint8_t *p;
    size_t cap;
    size_t pos;
    int bad;
} s7__wcur;

static inline s7__rcur s7__rcur_make(const uint8_t *p, size_t len)
{
    s7__rcur c = {p, len, 0, 0};
    return c;
}

static inline s7__wcur s7__wcur_make(uint8_t *p, size_t cap)
{
    s7__wcur c = {p, cap, 0, 0};
    return c;
}

static inline size_t s7__rleft(const s7__rcur *c) { return c->bad ? 0 : c->len - c->pos; }

static inline int s7__rneed(s7__rcur *c, size_t n)
{
    if (c->bad || c->len - c->pos < n) {
        c->bad = 1;
        return 0;
    }
    return 1;
}

static inline uint8_t s7__r8(s7__rcur *c)
{
    if (!s7__rneed(c, 1))
        return 0;
    return c->p[c->pos++];
}

static inline uint16_t s7__r16(s7__rcur *c)
{
    if (!s7__rneed(c, 2))
        return 0;
    uint16_t v = (uint16_t)((c->p[c->pos] << 8) | c->p[c->pos + 1]);
    c->pos += 2;
    return v;
}

static inline uint32_t s7__r24(s7__rcur *c)
{
    if (!s7__rneed(c, 3))
        return 0;
    uint32_t v =
        ((uint32_t)c->p[c->pos] << 16) | ((uint32_t)c->p[c->pos + 1] << 8) | c->p[c->pos + 2];
    c->pos += 3;
    return v;
}

/* A view of the next n bytes (NULL and ->bad when fewer remain). */
static inline const uint8_t *s7__rview(s7__rcur *c, size_t n)
{
    if (!s7__rneed(c, n))
        return NULL;
    const uint8_t *v = c->p + c->pos;
    c->pos += n;
    return v;
}

static inline int s7__wneed(s7__wcur *c, size_t n)
{
    if (c->bad || c->cap - c->pos < n) {
        c->bad = 1;
        return 0;
    }
    return 1;
}

static inline void s7__w8(s7__wcur *c, uint8_t v)
{
    if (s7__wneed(c, 1))
        c->p[c->pos++] = v;
}

static inline void s7__w16(s7__wcur *c, uint16_t v)
{
    if (s7__wneed(c, 2)) {
        c->p[c->pos] = (uint8_t)(v >> 8);
        c->p[c->pos + 1] = (uint8_t)v;
        c->pos += 2;
    }
}

static inline void s7__w24(s7__wcur *c, uint32_t v)
{
    if (s7__wneed(c, 3)) {
        c->p[c->pos] = (uint8_t)(v >> 16);
        c->p[c->pos + 1] = (uint8_t)(v >> 8);
        c->p[c->pos + 2] = (uint8_t)v;
        c->pos += 3;
    }
}

static inline void s7__wbytes(s7__wcur *c, const void *src, size_t n)
{
    if (n && s7__wneed(c, n)) {
        memcpy(c->p + c->pos, src, n);
        c->pos += n;
    }
}

static inline void s7__wzero(s7__wcur *c, size_t n)
{
    if (n && s7__wneed(c, n)) {
        memset(c->p + c->pos, 0, n);
        c->pos += n;
    }
}

/* The next n bytes to write, taken whole (NULL and ->bad when fewer remain): a fixed
 * header is then one test, not one per field. */
static inline uint8_t *s7__wspan(s7__wcur *c, size_t n)
{
    if (!s7__wneed(c, n))
        return NULL;
    uint8_t *v = c->p + c->pos;
    c->pos += n;
    return v;
}

/* Result of an encoder: bytes written or S7_ERR_NOSPACE (-2). */
static inline int s7__wdone(const s7__wcur *c) { return c->bad ? -2 : (int)c->pos; }

#endif
