/* s7xbench: what the exchange benchmark needs of Snap7's client beyond bench/snap7_peer.h. */
#ifndef S7XBENCH_SNAP7_XPEER_H
#define S7XBENCH_SNAP7_XPEER_H

#include <stddef.h>
#include <stdint.h>

#include "snap7_peer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* WriteMultiVars: n (<= 20) byte writes into db, item i of lens[i] bytes at starts[i] from
 * bufs[i].  0 when the call and every item succeeded; *bad_item the first failing item or -1. */
int snap7x_cli_write_multi(snap7_cli *c, int db, size_t n, const uint32_t *starts,
                           const uint32_t *lens, uint8_t *const *bufs, int *bad_item);

#ifdef __cplusplus
}
#endif
#endif
