/* The CPU's diagnostic buffer as the client reads it: SZL 0x00A0 (every entry, newest
 * first), each 20-byte entry decoded (event ID, priority class, OB, data ID, additional
 * information, time), with a text for the event IDs s7kit knows. */
#include <stdlib.h>
#include <string.h>

#include "client/internal.h"

static const struct {
    uint16_t id;
    const char *text;
} EVENTS[] = {
    {0x1381, "request for a manual warm restart"},
    {0x1382, "request for an automatic warm restart"},
    {0x1385, "request for a manual cold restart"},
    {0x4300, "power on, backed up"},
    {0x4301, "mode change from STOP to STARTUP"},
    {0x4302, "mode change from STARTUP to RUN"},
    {0x4304, "STOP by a stop command (programming device or SFB 20)"},
    /* what s7kit's emulator records in the user range (server/cpu_int.h) */
    {0xA0F1, "connection request refused (s7kit emulator)"},
    {0xA0F2, "retentive DBs restored from the state file (s7kit emulator)"},
};

const char *s7_diag_event_text(uint16_t id)
{
    for (size_t i = 0; i < sizeof EVENTS / sizeof EVENTS[0]; i++)
        if (EVENTS[i].id == id)
            return EVENTS[i].text;
    return NULL;
}

int s7_diag_entry_decode(const uint8_t in[20], s7_diag_entry *e)
{
    if (!in || !e)
        return S7_ERR_INVAL;
    memset(e, 0, sizeof *e);
    e->event_id = (uint16_t)(in[0] << 8 | in[1]);
    e->prio = in[2];
    e->ob = in[3];
    e->dat_id = (uint16_t)(in[4] << 8 | in[5]);
    e->info1 = (uint16_t)(in[6] << 8 | in[7]);
    e->info2 = (uint32_t)in[8] << 24 | (uint32_t)in[9] << 16 | (uint32_t)in[10] << 8 | in[11];
    e->has_time = s7_dt_decode(in + 12, &e->time) >= 0;
    return 0;
}

int s7_client_diag_buffer(s7_client *c, s7_diag_entry *out, size_t max)
{
    if (!c || (max && !out))
        return S7_ERR_INVAL;
    size_t cap = 20u * 3200u; /* the largest buffers real CPUs keep */
    uint8_t *buf = malloc(cap);
    if (!buf)
        return S7_ERR_NOMEM;
    s7_szl_hdr h;
    int n = s7_client_read_szl(c, 0x00A0, 0x0000, &h, buf, cap);
    if (n < 0) {
        free(buf);
        return n;
    }
    if (n > 0 && h.rec_len != 20) {
        s7__set_problem(c,
                        "SZL 0x00A0: records of %u bytes, where a diagnostic buffer entry has "
                        "20",
                        h.rec_len);
        free(buf);
        return S7_ERR_PARAM;
    }
    size_t k = 0;
    for (size_t o = 0; o + 20 <= (size_t)n && k < max; o += 20)
        s7_diag_entry_decode(buf + o, &out[k++]);
    free(buf);
    return (int)k;
}
