/* client/alarms.c against the server engine on loopback (in a thread): no alarm, then an
 * alarm raised by its DB bit (written by the client), in both query forms, cleared again;
 * an S7-1500 refuses with userdata error 0x8104. */
#include <pthread.h>
#include <string.h>

#include "s7/client.h"
#include "loopback_server.h"
#include "s7/server.h"
#include "t.h"

static s7_client *start(t_server *v, const char *profile, uint8_t slot)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profile));
    s7_cpu_add_db(cpu, 3, 8, 0);
    s7_cpu_alarm_add(cpu, 0x1001, "tank high", 3, 2, 5);
    s7_cpu_alarm_add(cpu, 0x1002, "by call", 0, 0, -1);
    CHECK(t_server_start(v, cpu) > 0);
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.slot = slot;
    s7_client *c = s7_client_new(&co);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", s7_server_port(v->s)), 0);
    return c;
}

static void stop(t_server *v, s7_client *c)
{
    s7_client_free(c);
    t_server_stop(v);
}

int main(void)
{
    t_server v;
    s7_client *c = start(&v, "s7-300", 2);
    s7_alarm a[4];
    CHECK_INT(s7_client_alarms(c, S7_ALARM_S, a, 4), 0);
    uint8_t on = 0x20;
    CHECK_INT(s7_client_db_write(c, 3, 2, &on, 1), 0);
    CHECK_INT(s7_client_alarms(c, S7_ALARM_S, a, 4), 1);
    CHECK_INT(a[0].event_id, 0x1001);
    CHECK_INT(a[0].type, S7_ALARM_S);
    CHECK_INT(a[0].state, 1);
    CHECK_INT(a[0].has_came, 1);
    CHECK_INT(s7_client_alarms(c, S7_ALARM_8, a, 4), 1);
    CHECK_INT(a[0].type, S7_ALARM_8);
    CHECK_INT(s7_client_alarms(c, S7_ALARM_8, NULL, 0), 1);
    uint8_t off = 0;
    CHECK_INT(s7_client_db_write(c, 3, 2, &off, 1), 0);
    CHECK_INT(s7_client_alarms(c, S7_ALARM_S, a, 4), 0);
    CHECK_INT(s7_client_alarms(c, 9, a, 4), S7_ERR_INVAL);
    stop(&v, c);

    c = start(&v, "s7-1500", 1);
    CHECK_INT(s7_client_alarms(c, S7_ALARM_S, a, 4), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(c)->code, 0x8104);
    stop(&v, c);
    return t_done();
}
