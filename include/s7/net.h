/* s7kit net: TCP helpers shared by the engines (client, server, diagnostics): a
 * non-blocking connect with errors mapped to what they mean on a cell network, socket
 * options, and a monotonic clock.  Used only by engines, never by wire/ or conn/. */
#ifndef S7_NET_H
#define S7_NET_H

#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Resolve host and start a non-blocking connect to port.  *fd gets the socket.  Returns 0
 * when connected at once, S7_AGAIN while the connect is in progress (wait for POLLOUT and
 * call s7_tcp_connect_finish), or S7_ERR_RESOLVE / S7_ERR_REFUSED / S7_ERR_UNREACH /
 * S7_ERR_IO (no socket is left open on error).  S7_ERR_RESOLVE also for an ambiguous
 * numeric host ("1.2.3", "010.1.1.1", a bare number: see s7_host_check in client.h), which
 * is never dialled. */
S7_API int s7_tcp_connect_start(const char *host, uint16_t port, int *fd);
/* After POLLOUT: 0 when connected, else the mapped error (the socket stays open: close
 * it). */
S7_API int s7_tcp_connect_finish(int fd);
/* TCP_NODELAY, keepalive (idle 30 s, interval 5 s, 3 probes), close-on-exec. */
S7_API void s7_tcp_configure(int fd);
/* Map an errno value from connect/send/recv to an S7_ERR_*. */
S7_API int s7_tcp_errno(int e);
/* Milliseconds of CLOCK_MONOTONIC. */
S7_API int64_t s7_now_ms(void);

#ifdef __cplusplus
}
#endif
#endif
