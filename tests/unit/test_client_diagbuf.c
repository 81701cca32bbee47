/* client/diagbuf.c: an entry decoded field by field (bytes of a 315-2's entry as
 * server/diagbuf.c records them), the event texts, and the buffer read from the server
 * engine on loopback after two refused connection requests (one entry, 0xA0F1, for the
 * run), a STOP and a start: newest first, 0x4302 (STARTUP -> RUN) before 0x4304 (STOP),
 * every entry with a valid time. */
#include <pthread.h>
#include <string.h>

#include "loopback_server.h"
#include "s7/client.h"
#include "s7/server.h"
#include "t.h"

int main(void)
{
    uint8_t e[20];
    t_hex("43 02 ff 68 c7 00 00 00 08 14 77 14 26 12 04 13 45 00 12 36", e, sizeof e);
    s7_diag_entry d;
    CHECK_INT(s7_diag_entry_decode(e, &d), 0);
    CHECK_INT(d.event_id, 0x4302);
    CHECK_INT(d.prio, 0xFF);
    CHECK_INT(d.ob, 0x68);
    CHECK_INT(d.dat_id, 0xC700);
    CHECK_INT(d.info1, 0x0000);
    CHECK_INT(d.info2, 0x08147714);
    CHECK_INT(d.has_time, 1);
    CHECK_INT(d.time.year, 2026);
    CHECK_INT(d.time.hour, 13);
    CHECK_INT(d.time.msec, 123);
    CHECK_STR(s7_diag_event_text(0x4302), "mode change from STARTUP to RUN");
    CHECK(s7_diag_event_text(0x7777) == NULL);
    e[13] = 0x13; /* month 13: no valid time */
    s7_diag_entry_decode(e, &d);
    CHECK_INT(d.has_time, 0);

    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    t_server v;
    CHECK(t_server_start(&v, cpu) > 0);
    s7_server *s = v.s;
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.slot = 2;
    s7_client *c = s7_client_new(&co);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", s7_server_port(s)), 0);
    /* two refused connection requests (another slot): one entry for the run */
    for (int k = 0; k < 2; k++) {
        s7_client_opts bo = co;
        bo.slot = 5;
        s7_client *bad = s7_client_new(&bo);
        CHECK_INT(s7_client_connect(bad, "127.0.0.1", s7_server_port(s)), S7_ERR_CR_REJECTED);
        s7_client_free(bad);
    }
    s7_diag_entry r[8];
    CHECK(s7_client_diag_buffer(c, r, 8) >= 2);
    CHECK_INT(r[0].event_id, 0xA0F1);
    CHECK(r[1].event_id != 0xA0F1);
    CHECK(s7_diag_event_text(0xA0F1) != NULL);
    CHECK_INT(s7_client_plc_stop(c), 0);
    CHECK_INT(s7_client_plc_start(c, S7_START_HOT), 0);
    s7_diag_entry b[200];
    int n = s7_client_diag_buffer(c, b, 200);
    CHECK(n >= 5);
    if (n >= 5) {
        CHECK_INT(b[0].event_id, 0x4302);
        int stop_at = -1;
        for (int i = 0; i < n; i++) {
            CHECK_INT(b[i].has_time, 1);
            if (b[i].event_id == 0x4304 && stop_at < 0)
                stop_at = i;
        }
        CHECK(stop_at > 0);
    }
    CHECK_INT(s7_client_diag_buffer(c, b, 2), 2);
    s7_client_free(c);
    t_server_stop(&v);
    return t_done();
}
