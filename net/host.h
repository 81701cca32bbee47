/* Host names for dialling: the check that refuses ambiguous numeric forms ("1.2.3", "010.1.1.1",
 * "0x7f.1", a bare number), and the one resolver every engine dials through (the client's
 * connect, the doctor's resolve step, discover).  Internal (s7__ symbols); applications call
 * s7_host_check() (client.h). */
#ifndef S7_NET_HOST_H
#define S7_NET_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* 0 when host is a dotted quad of decimal numbers 0..255 without leading zeros, or not
 * numeric at all (a host name, an IPv6 address).  A host made only of numbers and dots (or
 * hex numbers "0x..") that is not such a dotted quad ("1.2.3", "1.2", "010.1.1.1",
 * "0x7f.1", "1.2.3.4.5", "3232235521", "1.2.3.4.") gives S7_ERR_RESOLVE with a sentence in
 * msg (cap bytes; may be NULL) that names the host and what would be right, and what the
 * system resolver would have dialled instead ("1.2.3" is 1.2.0.3 to inet_aton).  An empty
 * or NULL host gives S7_ERR_INVAL. */
int s7__host_check(const char *host, char *msg, size_t cap);

/* Resolve host for dialling port: s7__host_check, then getaddrinfo (any family, stream);
 * the first address goes into *ss (*len its length) with the port set.  Returns 0,
 * S7_ERR_INVAL (empty host) or S7_ERR_RESOLVE (refused by the check, or the name does not
 * resolve; *gai gets getaddrinfo's code then, 0 when the check refused it). */
int s7__resolve(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len,
                int *gai);

#endif
