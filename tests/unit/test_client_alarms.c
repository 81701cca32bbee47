/* client/alarms.c against the server engine on loopback (in a thread): no alarm, then an
 * alarm raised by its DB bit (written by the client), in both query forms, cleared again;
 * an S7-1500 refuses with userdata error 0x8104. */
#include <pthread.h>
#include <string.h>

#include "s7/client.h"
#include "s7/server.h"
#include "t.h"

typedef struct srv {
    s7_cpu *cpu;
    s7_server *s;
    pthread_t th;
} srv;

static void *serve(void *arg)
{
    s7_server_run(((srv *)arg)->s);
    return NULL;
}

static s7_client *start(srv *v, const char *profile, uint8_t slot)
{
    v->cpu = s7_cpu_new(s7_profile_find(profile));
    s7_cpu_add_db(v->cpu, 3, 8, 0);
    s7_cpu_alarm_add(v->cpu, 0x1001, "tank high", 3, 2, 5);
    s7_cpu_alarm_add(v->cpu, 0x1002, "by call", 0, 0, -1);
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    v->s = s7_server_new(v->cpu, &o);
    CHECK_INT(s7_server_start(v->s), 0);
    pthread_create(&v->th, NULL, serve, v);
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.slot = slot;
    s7_client *c = s7_client_new(&co);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", s7_server_port(v->s)), 0);
    return c;
}

static void stop(srv *v, s7_client *c)
{
    s7_client_free(c);
    s7_server_stop(v->s);
    pthread_join(v->th, NULL);
    s7_server_free(v->s);
    s7_cpu_free(v->cpu);
}

int main(void)
{
    srv v;
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
