/* client/dbread.c against the CPU emulator served on loopback: ranges of several DBs in
 * DBREAD items, packed over several requests at PDU 240, a missing DB and a range past a
 * DB's end refused per range, items of another form refused before sending, an S7-1500
 * with PUT/GET off refusing every request. */
#include <pthread.h>
#include <string.h>

#include "loopback_server.h"
#include "s7/client.h"
#include "s7/cpu.h"
#include "s7/server.h"
#include "t.h"

static void run(const char *profile, int put_get, void (*body)(s7_client *, s7_cpu *))
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profile));
    CHECK_INT(s7_cpu_add_db(cpu, 1, 300, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 2, 40, 0), 0);
    s7_cpu_set_put_get(cpu, put_get);
    uint32_t size;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 1, &size);
    for (uint32_t i = 0; i < size; i++)
        m[i] = (uint8_t)i;
    t_server v;
    int port = t_server_start(&v, cpu);
    CHECK(port > 0);
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.slot = strcmp(profile, "s7-400") == 0 ? 3 : 1;
    co.pdu_request = 240;
    s7_client *c = s7_client_new(&co);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", (uint16_t)port), 0);
    body(c, cpu);
    s7_client_free(c);
    t_server_stop(&v);
}

static void s7400(s7_client *c, s7_cpu *cpu)
{
    (void)cpu;
    /* 40 ranges of 10 bytes: 440 answer bytes do not fit one PDU of 240 */
    static uint8_t bufs[44][16];
    s7_item it[44];
    memset(it, 0, sizeof it);
    for (int i = 0; i < 40; i++) {
        it[i].area = S7_AREA_DB;
        it[i].db = 1;
        it[i].start = (uint32_t)(7 * i);
        it[i].count = 10;
        it[i].buf = bufs[i];
    }
    CHECK_INT(s7_client_read_dbread(c, it, 40), 0);
    int same = 1;
    for (int i = 0; i < 40; i++)
        for (int k = 0; k < 10; k++)
            same &= it[i].status == 0 && bufs[i][k] == (uint8_t)(7 * i + k);
    CHECK(same);
    /* per range: a missing DB (0x0A), past DB2's end (0x05), a bit item (not sent) */
    it[40] = it[0];
    it[40].db = 9;
    it[40].buf = bufs[40];
    it[41] = it[0];
    it[41].db = 2;
    it[41].start = 35;
    it[41].buf = bufs[41];
    it[42] = it[0];
    it[42].ts = S7_TS_BIT;
    it[42].buf = bufs[42];
    CHECK_INT(s7_client_read_dbread(c, it + 38, 5), S7_ERR_ITEM);
    CHECK(it[38].status == 0 && it[39].status == 0);
    CHECK(it[40].status == S7_ERR_ITEM && it[40].rc == 0x0A);
    CHECK(it[41].status == S7_ERR_ITEM && it[41].rc == 0x05);
    CHECK(it[42].status == S7_ERR_INVAL);
    CHECK_INT(s7_client_read_dbread(c, it, 0), 0);
    CHECK_INT(s7_client_read_dbread(NULL, it, 1), S7_ERR_INVAL);
}

static void pg_off(s7_client *c, s7_cpu *cpu)
{
    (void)cpu;
    uint8_t b[4];
    s7_item it;
    memset(&it, 0, sizeof it);
    it.area = S7_AREA_DB;
    it.db = 1;
    it.count = 4;
    it.buf = b;
    CHECK_INT(s7_client_read_dbread(c, &it, 1), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(c)->code, 0x8104);
    CHECK_INT(it.status, S7_ERR_PLC);
}

int main(void)
{
    run("s7-400", 1, s7400);
    run("s7-1500", 0, pg_off);
    return t_done();
}
