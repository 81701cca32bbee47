/* s7_client_set_rx_buffer (client/client.c, with s7_conn_feed handling whole frames where
 * they arrived) and s7_client_set_tx_buffer (with s7_conn_tx_lend): three handles on one
 * thread share one receive and one send buffer and read their own regions with four reads
 * in flight each, each getting exactly its bytes; a callback of one handle that reads
 * through another handle of the same buffers (a blocking read, so a receive and a send
 * inside the first one's) gets its own bytes, and the first handle's replies that arrived
 * with the one being handled are not lost or changed; writes of 200 bytes, four in flight
 * per handle and encoded in the shared send buffer, land byte for byte (what a full socket
 * leaves in a lent buffer is test_conn_client's case: loopback takes these at once). */
#include <stdlib.h>
#include <string.h>

#include "loopback_server.h"
#include "s7/client.h"
#include "s7/cpu.h"
#include "t.h"

#define NC 3
#define NR 4

typedef struct slot {
    s7_item it;
    uint8_t buf[8];
    int done, rc;
} slot;

static s7_client *cl[NC];
static slot sl[NC][NR];
static int nested_rc = 99;
static uint8_t nested[8];

/* Drive the handles until every slot of s is done (at most 500 turns of 20 ms). */
static void run_until_done(s7_multi *mu, slot (*s)[NR])
{
    for (int t = 0; t < 500; t++) {
        int pending = 0;
        for (int i = 0; i < NC; i++)
            for (int k = 0; k < NR; k++)
                pending += !s[i][k].done;
        if (!pending)
            break;
        s7_multi_run(mu, 20);
    }
}

static void on_done(s7_client *c, int rc, void *ud)
{
    slot *s = ud;
    s->done = 1;
    s->rc = rc;
    /* the first reply of handle 0: a blocking read through handle 1 (same buffer) */
    if (c == cl[0] && s == &sl[0][0] && nested_rc == 99)
        nested_rc = s7_client_db_read(cl[1], 1, 500, nested, 8);
}

int main(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    CHECK_INT(s7_cpu_add_db(cpu, 1, 1024, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 2, NC * 800, 0), 0);
    s7_cpu_set_put_get(cpu, 1);
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 1, NULL);
    for (int i = 0; i < 1024; i++)
        m[i] = (uint8_t)(i * 7 + 3);
    t_server srv;
    int port = t_server_start(&srv, cpu);
    if (port < 0) {
        CHECK(!"the emulator on loopback started");
        return t_done();
    }
    static uint8_t shared[65536 + 4096], shared_tx[65536 + 4096];
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.pdu_request = 240;
    s7_multi *mu = s7_multi_new();
    for (int i = 0; i < NC; i++) {
        cl[i] = s7_client_new(&co);
        s7_client_set_rx_buffer(cl[i], shared, sizeof shared);
        s7_client_set_tx_buffer(cl[i], shared_tx, sizeof shared_tx);
        CHECK_INT(s7_client_connect(cl[i], "127.0.0.1", (uint16_t)port), 0);
        s7_multi_add(mu, cl[i]);
    }
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < NC; i++)
            for (int k = 0; k < NR; k++) {
                slot *s = &sl[i][k];
                memset(s, 0, sizeof *s);
                s->it.area = S7_AREA_DB;
                s->it.db = 1;
                s->it.start = (uint32_t)(i * 64 + k * 8 + round);
                s->it.count = 8;
                s->it.buf = s->buf;
                CHECK_INT(s7_client_read_async(cl[i], &s->it, 1, on_done, s), 0);
            }
        run_until_done(mu, sl);
        int own = 1;
        for (int i = 0; i < NC; i++)
            for (int k = 0; k < NR; k++) {
                slot *s = &sl[i][k];
                own &= s->done && s->rc == 0 && memcmp(s->buf, m + i * 64 + k * 8 + round, 8) == 0;
            }
        CHECK(own);
    }
    CHECK_INT(nested_rc, 0);
    CHECK(memcmp(nested, m + 500, 8) == 0);

    /* writes: handle i, write k puts 200 bytes at DB2.DBB(i * 800 + k * 200) */
    static uint8_t wdata[NC][NR][200];
    static s7_item wit[NC][NR];
    static slot ws[NC][NR];
    for (int i = 0; i < NC; i++)
        for (int k = 0; k < NR; k++) {
            for (int b = 0; b < 200; b++)
                wdata[i][k][b] = (uint8_t)(i * 31 + k * 7 + b);
            wit[i][k] = (s7_item){.area = S7_AREA_DB,
                                  .db = 2,
                                  .start = (uint32_t)(i * 800 + k * 200),
                                  .count = 200,
                                  .buf = wdata[i][k]};
            CHECK_INT(s7_client_write_async(cl[i], &wit[i][k], 1, on_done, &ws[i][k]), 0);
        }
    run_until_done(mu, ws);
    uint8_t *m2 = s7_cpu_mem(cpu, S7_AREA_DB, 2, NULL);
    int landed = 1;
    for (int i = 0; i < NC; i++)
        for (int k = 0; k < NR; k++)
            landed &= ws[i][k].done && ws[i][k].rc == 0 &&
                      memcmp(m2 + i * 800 + k * 200, wdata[i][k], 200) == 0;
    CHECK(landed);
    s7_multi_free(mu);
    for (int i = 0; i < NC; i++)
        s7_client_free(cl[i]);
    t_server_stop(&srv);
    return t_done();
}
