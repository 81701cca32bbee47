/* The emulated CPU's diagnostic buffer: the events it records itself (its start, mode
 * changes), newest first, as SZL 0x00A0 (every entry) and 0x0124 (the last mode change)
 * report them.
 *
 * Each entry is 20 bytes as real CPUs give them: event ID, a byte 0xFF, the OB number /
 * priority, the data ID (2), additional information (2 + 4), the time (8 bytes, BCD
 * DATE_AND_TIME).  The bytes between the event ID and the time are those a CPU 315-2 PN/DP
 * gives for the same events (tests/vectors/real/tia_s300_goOnline.pcapng, and the IM151-8's
 * power-on entries in s7comm_reading_plc_status.pcap):
 *   0x4300 backed-up power on, 0x4301 mode transition STOP -> STARTUP, 0x1381 request for a
 *   manual warm restart, 0x1382 request for an automatic warm restart, 0x4302 STARTUP ->
 *   RUN, 0x4304 STOP caused by a PG stop operation.  0x1385, request for a manual cold
 *   restart (a PG's cold start), is in no capture: the 0x1381 entry with OB102. */
#include <string.h>

#include "server/cpu_int.h"

static const struct {
    uint16_t id;
    uint8_t b[10]; /* bytes 2..11 */
} EVENTS[] = {
    {0x4300, {0xFF, 0xF3, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
    {0x4301, {0xFF, 0x46, 0xC7, 0x72, 0x43, 0x04, 0x08, 0x14, 0x77, 0x14}},
    {0x1381, {0x1B, 0x64, 0xC7, 0x72, 0x43, 0x04, 0x08, 0x14, 0x77, 0x14}},
    {0x1382, {0x1B, 0x64, 0xC7, 0x72, 0x49, 0x4E, 0x08, 0x14, 0x77, 0x14}},
    /* a manual cold restart: no capture holds one; the warm restart's entry with the cold
     * restart's OB (OB102) */
    {0x1385, {0x1B, 0x66, 0xC7, 0x72, 0x43, 0x04, 0x08, 0x14, 0x77, 0x14}},
    {0x4302, {0xFF, 0x68, 0xC7, 0x00, 0x00, 0x00, 0x08, 0x14, 0x77, 0x14}},
    {0x4304, {0xFF, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00}},
};

void s7__diag_add(s7_cpu *cpu, uint16_t event)
{
    uint8_t *e = cpu->diag[cpu->diag_head];
    memset(e, 0, S7__DIAG_LEN);
    e[0] = (uint8_t)(event >> 8);
    e[1] = (uint8_t)event;
    e[2] = 0xFF;
    for (size_t i = 0; i < sizeof EVENTS / sizeof EVENTS[0]; i++)
        if (EVENTS[i].id == event)
            memcpy(e + 2, EVENTS[i].b, 10);
    s7_datetime t;
    if (s7__ms_to_dt(s7__cpu_now_ms(cpu), &t) == 0)
        s7_dt_encode(e + 12, &t);
    cpu->diag_head = (cpu->diag_head + 1) % S7__DIAG_MAX;
    if (cpu->ndiag < S7__DIAG_MAX)
        cpu->ndiag++;
}

size_t s7__diag_get(const s7_cpu *cpu, uint8_t *out, size_t max, int mode_only)
{
    size_t n = 0;
    for (int k = 0; k < cpu->ndiag && n < max; k++) {
        int at = (cpu->diag_head - 1 - k + 2 * S7__DIAG_MAX) % S7__DIAG_MAX;
        const uint8_t *e = cpu->diag[at];
        if (mode_only && e[0] != 0x43)
            continue;
        memcpy(out + S7__DIAG_LEN * n++, e, S7__DIAG_LEN);
    }
    return n;
}
