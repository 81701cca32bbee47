/* The emulated CPU a capture's connection talks to (tests/fidelity/, guard replay): the
 * DBs, areas, program blocks and alarms the real CPU's answers in the capture show, put
 * into an s7_cpu so that the emulator answers the same requests as that CPU did (sizes
 * and return codes alike).  Test code. */
#ifndef S7_TEST_CAPTURE_CPU_H
#define S7_TEST_CAPTURE_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "capture.h"
#include "s7/cpu.h"

/* An item of a Read/Write Var request: S7ANY or one DBREAD sub-item. */
typedef struct cap_item {
    uint8_t area;
    uint16_t db;
    uint32_t start, len; /* bytes (bits rounded to their byte) */
} cap_item;

/* The items of a Read/Write Var request parameter (at most max).  *dbread is set when an
 * item has syntax id 0xB0.  Returns the number of request items (DBREAD counts as one), or
 * -1 when the parameter does not parse. */
int cap_req_items(const uint8_t *p, size_t plen, cap_item *it, int max, int *nit, int *dbread);

/* What the client of a capture's connection asked for: the CPU profile given by the caller
 * and, when its connection request names a rack/slot TSAP, that rack and slot. */
typedef struct setting {
    const char *profile;
    uint8_t rack, slot;
    int have_loc;
} setting;

/* The setting of connection k (profile as given) and its number of requests. */
int cap_conn_setting(const cap_conn *k, const char *profile, setting *st);

/* Fill cpu from connection k of a capture (what its real CPU's answers show). */
void cap_cpu_fill(s7_cpu *cpu, const cap_conn *k);

#endif
