/* s7kit diagnostics on the plant model: what needs the network and the system's resolver
 * (an engine in diag/, over the plant model of plant.h).
 *
 *   s7_diag_plant_resolver  the system resolver (getaddrinfo) as a plant resolver, for
 *                           s7_plant_resolve_hosts (plant.h): partners known by host name
 *                           get their address when rules are made or paths checked. */
#ifndef S7_DIAG_PLANT_H
#define S7_DIAG_PLANT_H

#include <stddef.h>

#include "err.h"
#include "plant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An s7_plant_resolver over getaddrinfo (any family, TCP); ctx unused.  The addresses in
 * the order the resolver gives them, at most cap; < 0 with its words in err when the name
 * does not resolve.  Numeric shorthand ("10.1.2", "010.0.0.1") is refused with the
 * client's sentence (s7_host_check, client.h). */
S7_API int s7_diag_plant_resolver(void *ctx, const char *host, s7_plant_addr *out, size_t cap,
                                  char *err, size_t errcap);

#ifdef __cplusplus
}
#endif

#endif
