/* The STATUS mapping of include/s7/exchange.h with the area an item error concerns, for the
 * engines that know it (the emulator's jobs, the bridge, the simulation's clients). */
#ifndef S7_EXCHANGE_STATUS_H
#define S7_EXCHANGE_STATUS_H

#include <stdint.h>

#include "s7/exchange.h"

/* s7_exchange_status_of for an item error in area (S7_AREA_*): item 0x0A is "db_missing" for
 * a DB and "area_missing" for a timer, counter or other area the partner does not have;
 * s7_exchange_status_of itself assumes a DB. */
s7_xstatus s7__exchange_status_in(int rc, uint16_t plc_code, uint8_t item_rc, uint8_t area,
                                  const char **cause);

#endif
