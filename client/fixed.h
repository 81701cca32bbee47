/* A promise from an engine above the client (the exchange bridge) about an items array it
 * gives a client's reads or writes again and again (plancache.c). */
#ifndef S7_CLIENT_FIXED_H
#define S7_CLIENT_FIXED_H

#include "s7/client.h"

/* items will be given to c's reads and writes with the same request fields (area, db, ts,
 * start, bit, count) and buffers for as long as c lives, and nothing but c writes their
 * results.  A cached plan of them is then used without comparing the items with it, as
 * long as the last job on it answered every item fine (the items are then as the plan left
 * them); after anything else they are compared as usual.  Returns 0 or S7_ERR_NOMEM (the
 * items are then compared every time, as without the call). */
int s7__client_items_fixed(s7_client *c, const s7_item *items);

#endif
