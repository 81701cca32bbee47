/* A scripted S7 peer for the fuzz targets of the client side (fuzz_client_ud.c,
 * fuzz_doctor.c): the other end of the client's socket, answering each CR and each request
 * PDU with the next action of a script taken from the fuzz input: the CPU model's own
 * answer (server/ through the server-role conn), that answer with bytes changed or cut,
 * fuzz bytes framed as a PDU (whole, in COTP fragments, or with the request's reference put
 * in), raw bytes, silence, or a close; every answer written in pieces of a size the script
 * chooses.
 *
 * The client and the doctor own their sockets and block in poll() (include/s7/diag.h, and
 * docs/abi.md: net/transport.h is not plugged into them).  So the peer runs inside their
 * poll(): these targets link with -Wl,--wrap=poll,--wrap=clock_gettime and, while a peer
 * is active, every poll() first lets the peer accept, read and answer (one piece per call),
 * and CLOCK_MONOTONIC is a virtual clock that only moves when the peer stays silent and the
 * client waits out its timeout.  One thread, no sleeping, the same bytes in the same pieces
 * every run: an input replays exactly.  When the client waits for bytes the script will
 * never send, the peer closes the connection (or, after a SILENT action, lets the timeout
 * pass at once). */
#ifndef S7_FUZZ_PEER_H
#define S7_FUZZ_PEER_H

#include <stddef.h>
#include <stdint.h>

typedef struct fz_peer fz_peer;

typedef struct fz_peer_cfg {
    const char *profile; /* CPU profile of the model (s7_profile_find) */
    int put_get;         /* PUT/GET permitted */
    int auto_handshake;  /* the CR and the setup are answered by the model, not the script */
    int auto_when_done;  /* once the script is used up: 1 the model answers, 0 close */
} fz_peer_cfg;

/* A peer playing script[0..len) (not copied: it must outlive the peer).  NULL when out of
 * memory. */
fz_peer *fz_peer_new(const uint8_t *script, size_t len, const fz_peer_cfg *cfg);
/* Closes the peer's ends of every connection and frees it (NULL is a no-op). */
void fz_peer_free(fz_peer *p);
/* A socketpair: the peer keeps one end; returns the client's end (or -1). */
int fz_peer_socketpair(fz_peer *p);
/* The process-wide 127.0.0.1 listener whose connections the active peer accepts; its port,
 * 0 when there is none (no loopback). */
uint16_t fz_peer_listen_port(void);
/* The peer poll() and the virtual clock serve (NULL: the real ones). */
void fz_peer_activate(fz_peer *p);
/* Moves the virtual clock on by ms: for a target that owns its loop and polls without
 * waiting (fuzz_xjobs.c), time passes when the loop says so. */
void fz_peer_advance(int ms);
/* Connections the peer has served so far. */
unsigned fz_peer_connections(const fz_peer *p);

#endif
