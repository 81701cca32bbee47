/* s7kit net: TCP helpers shared by the engines (client, server, diagnostics): a
 * non-blocking connect with errors mapped to what they mean on a cell network, socket
 * options, and a monotonic clock.  Used only by engines, never by wire/ or conn/. */
#ifndef S7_NET_H
#define S7_NET_H

#include <stddef.h>
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
/* As s7_tcp_connect_start, from source (a numeric IPv4 or IPv6 address of this machine;
 * NULL or "": the kernel chooses): the socket is bound to it (port 0) before the connect.
 * S7_ERR_SOURCE when source is no address, of another family than host's, or not an
 * address of this machine (EADDRNOTAVAIL). */
S7_API int s7_tcp_connect_start_from(const char *host, uint16_t port, const char *source, int *fd);
/* Binds socket fd (of family) to source, port 0: 0 or S7_ERR_SOURCE (see above). */
S7_API int s7_tcp_bind_source(int fd, int family, const char *source);
/* Is source an address this machine can send from (a socket binds to it)?  0 or
 * S7_ERR_SOURCE. */
S7_API int s7_tcp_source_check(const char *source);
/* The source address the kernel would use towards host (a UDP socket connected to it,
 * nothing sent), numeric into buf (cap bytes; 46 hold any IPv4 or IPv6 address); source
 * (NULL: none) binds first.  0, S7_ERR_RESOLVE, S7_ERR_UNREACH (no route), S7_ERR_SOURCE, or
 * S7_ERR_NOSPACE when the address does not fit cap (buf then "": a cut address would be
 * another one). */
S7_API int s7_tcp_source_for(const char *host, uint16_t port, const char *source, char *buf,
                             size_t cap);
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
