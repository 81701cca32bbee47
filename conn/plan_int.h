/* The planner's internals shared with the client's plan cache (client/plancache.c), which
 * turns a plan into flat lists of copies once and reuses them every cycle. */
#ifndef S7_CONN_PLAN_INT_H
#define S7_CONN_PLAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "s7/conn.h"

/* One copy of a read reply's payload into an item: bytes [chunk_off, chunk_off + len) of
 * the data of the request's k-th item go to the item's buffer at buf_off; len 0 is a bit
 * item of a shared byte: bit `bit` of the byte at chunk_off becomes the item's byte. */
typedef struct s7__plan_copy {
    uint32_t k, item, chunk_off, buf_off, len;
    uint8_t bit;
} s7__plan_copy;

/* The copies s7_plan_apply makes for a fully answered reply to read request r, in its
 * order, into out (up to cap); returns how many there are (call with cap 0 to count). */
size_t s7__plan_read_copies(const s7_plan *p, const s7_item *items, uint32_t r, s7__plan_copy *out,
                            size_t cap);

/* Request r got no answer (the connection ended first, or it could not be sent): every item
 * with a part in it that has no result yet (status 0) gets status, rc 0.  An item whose
 * every part was answered keeps its result, so a read item keeps its data and a write item
 * stays written (status 0). */
void s7__plan_fail_req(const s7_plan *p, s7_item *items, uint32_t r, int status);

#endif
