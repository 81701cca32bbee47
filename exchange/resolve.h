/* Host names resolved at load (exchange/resolve.c): internal to exchange/. */
#ifndef S7_EXCHANGE_RESOLVE_H
#define S7_EXCHANGE_RESOLVE_H

#include <stddef.h>

/* host (an address or a name) into its numeric address in addr (cap bytes; 64 hold any
 * IPv4/IPv6 form): a blocking lookup, for load time only.  0, or S7_ERR_RESOLVE /
 * S7_ERR_INVAL with a sentence in err naming the host and what would be right. */
int s7__xhost_resolve(const char *host, char *addr, size_t cap, char *err, size_t errcap);

#endif
