/* A transport table for the engines and their tests (pattern: libmodbus backend table,
 * open62541's test network layer): send, recv and close over a context, with two
 * implementations: a socket, and an in-memory pair of endpoints for deterministic tests
 * (no threads, no kernel, segmentation under the test's control).  Internal to s7kit:
 * the engines still own their sockets directly (see docs/abi.md); the table is what the
 * unit tests of net/ and conn/ drive bytes through. */
#ifndef S7_NET_TRANSPORT_H
#define S7_NET_TRANSPORT_H

#include <stddef.h>
#include <stdint.h>

typedef struct s7_transport {
    void *ctx;
    /* Bytes taken (> 0, may be fewer than n), S7_AGAIN when none can be taken now,
     * S7_ERR_CLOSED when the peer is gone, or S7_ERR_IO. */
    int (*send)(void *ctx, const uint8_t *p, size_t n);
    /* Bytes received (> 0), 0 at the end of the stream (the peer closed and everything
     * was read), S7_AGAIN when nothing is there now, or a negative error. */
    int (*recv)(void *ctx, uint8_t *p, size_t cap);
    /* Closes this end (the peer reads the end of the stream); the table is unusable
     * afterwards. */
    void (*close)(void *ctx);
} s7_transport;

/* A transport over a connected, non-blocking stream socket (owned: close closes it). */
void s7_transport_fd(s7_transport *t, int fd);

/* Two connected in-memory endpoints; each direction buffers up to cap bytes (a send
 * beyond takes what fits).  Returns 0 or S7_ERR_NOMEM.  Both ends must be closed. */
int s7_transport_mem_pair(s7_transport *a, s7_transport *b, size_t cap);
/* In-memory endpoint only: recv hands out at most n bytes per call (0 = no limit), so a
 * test sees a stream cut at every point it likes. */
void s7_transport_mem_chunk(s7_transport *t, size_t n);
/* In-memory endpoint only: bytes waiting to be received at this end. */
size_t s7_transport_mem_pending(const s7_transport *t);

#endif
