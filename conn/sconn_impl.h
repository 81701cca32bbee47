/* The struct behind the opaque s7_sconn (conn.h), for conn/sconn.c and for unit tests
 * that look inside.  Not part of the public API. */
#ifndef S7_CONN_SCONN_IMPL_H
#define S7_CONN_SCONN_IMPL_H

#include <stdint.h>

#include "s7/conn.h"

struct s7_sconn {
    uint8_t state;     /* S7_SS_* */
    uint8_t owe_reply; /* a PDU was handed out and is not answered yet */
    uint32_t tpdu;     /* the TPDU size confirmed in the CC (0: no limit) */
    uint8_t *frag;     /* reassembly of EOT=0 fragments */
    uint32_t frag_len;
    uint8_t *done;   /* a reassembled PDU handed out (freed at the next call) */
    size_t reply_at; /* out->len when s7_sconn_reply_begin reserved the room */
    uint8_t *crbuf;  /* S7_SS_CR_PENDING: a copy of the CR's frame, which u.cr views (the
                       engine may answer it after the input it came in is gone) */
    union {
        s7_cotp cr;       /* S7_SS_CR_PENDING: the CR to answer (views into crbuf) */
        char reason[160]; /* S7_SS_CLOSED: why the connection must close */
    } u;
};

#endif
