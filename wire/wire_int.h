/* Internal helpers shared by the wire/ codec files (not part of the public API; the
 * layers above take s7__rvar_item_len from here too).
 * S7 PDU encoders write the header with zero lengths, then the parameter and data
 * blocks, and finally patch the two lengths with s7__pdu_finish(). */
#ifndef S7_WIRE_INT_H
#define S7_WIRE_INT_H

#include "s7/wire.h"
#include "util/cur.h"

/* Bytes the data item answering a Read Var item of b bytes takes in the answer: its 4-byte
 * header, the data and a fill byte after an odd length unless it is the last item (the
 * emulator's and the guard's check of an answer against the PDU). */
static inline uint32_t s7__rvar_item_len(uint32_t b, int last)
{
    return 4u + b + ((b & 1u) && !last ? 1u : 0u);
}

/* Write an S7 header for rosctr (10 or 12 bytes, lengths and error zero). */
void s7__pdu_begin(s7__wcur *w, uint8_t rosctr, uint16_t ref);

/* Patch the parameter and data lengths of the PDU at w->p: parameters run from the end of
 * the header to data_off, data from data_off to w->pos.  Returns the PDU length, or
 * S7_ERR_NOSPACE when the cursor overflowed or a block exceeds 65535 bytes. */
int s7__pdu_finish(s7__wcur *w, uint8_t rosctr, size_t data_off);

/* Write a userdata-style data item: rc, ts, 16-bit length, payload.  An rc other than
 * 0xFF is written as rc 00 0000 without payload. */
void s7__ud_item_write(s7__wcur *w, uint8_t rc, uint8_t ts, const uint8_t *payload, uint16_t plen);

/* A Userdata request (method 0x11) of group/subfn with sequence number seq and the
 * octet-string payload, or, when payload is NULL, the empty item (rc 0x0A, no data). */
int s7__ud_req(uint8_t *buf, size_t cap, uint16_t ref, uint8_t group, uint8_t subfn, uint8_t seq,
               const uint8_t *payload, uint16_t plen);

/* A PI service Job (0x28): six unknown bytes (zero), 0xFD, the argument with its 16-bit
 * length, the service name with its 8-bit length. */
int s7__pi_req(uint8_t *buf, size_t cap, uint16_t ref, const uint8_t *arg, uint16_t arg_len,
               const void *service, uint8_t service_len);

#endif
