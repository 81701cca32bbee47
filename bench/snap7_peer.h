/* s7bench: the reference peer, Snap7 (server and client), behind a small C interface.
 *
 * Implemented in snap7_peer.cpp, which is the only file that includes Snap7's C++ headers.
 * Every function returns 0 on success or a Snap7 error code (> 0), or -1 for a failure
 * outside Snap7 (no memory, no free port).  snap7_err_text() names a code. */
#ifndef S7BENCH_SNAP7_PEER_H
#define S7BENCH_SNAP7_PEER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct snap7_srv snap7_srv;
typedef struct snap7_cli snap7_cli;

/* Start a Snap7 server on 127.0.0.1 on a free port above 1024 with DB1 = db (len bytes,
 * kept by reference: the caller keeps it alive until snap7_srv_stop).  *port gets the port. */
int snap7_srv_start(uint8_t *db, uint16_t len, uint16_t *port, snap7_srv **out);
void snap7_srv_stop(snap7_srv *s);

/* A Snap7 client (TSnap7Client, the class behind Cli_Create) connected to host:port with
 * rack 0 slot 1, requesting a PDU of pdu bytes (0 = Snap7's default). */
int snap7_cli_connect(const char *host, uint16_t port, int pdu, snap7_cli **out);
void snap7_cli_free(snap7_cli *c);
int snap7_cli_pdu(const snap7_cli *c);

/* DB read of len bytes from start into buf (Snap7 splits it into PDU-sized requests). */
int snap7_cli_db_read(snap7_cli *c, int db, int start, int len, void *buf);
/* DB write of len bytes (used to put the pattern into an external server). */
int snap7_cli_db_write(snap7_cli *c, int db, int start, int len, const void *buf);

/* ReadMultiVars: n (<= 20) byte reads from db, item i of lens[i] bytes at starts[i] into
 * bufs[i].  Returns 0 when the call and every item succeeded; *bad_item gets the index of
 * the first failing item or -1. */
int snap7_cli_read_multi(snap7_cli *c, int db, size_t n, const uint32_t *starts,
                         const uint32_t *lens, uint8_t *const *bufs, int *bad_item);
/* WriteMultiVars: the same for n byte writes into db from bufs[i]. */
int snap7_cli_write_multi(snap7_cli *c, int db, size_t n, const uint32_t *starts,
                          const uint32_t *lens, uint8_t *const *bufs, int *bad_item);

/* Text for a Snap7 error code (static storage, overwritten by the next call). */
const char *snap7_err_text(int code);

#ifdef __cplusplus
}
#endif
#endif
