/* CPU model API: profiles, TSAP rules and connection budgets of s7_cpu_accept (with the
 * reasons), DBs and areas, s7_cpu_set_value, application memory with lock/unlock,
 * access settings, state, sessions staying small. */
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

static uint8_t out[4096];
static uint8_t req[4096];

/* A CR with a 2-byte called TSAP (and calling 0x0100). */
static s7_cotp cr_of(uint16_t called, uint8_t *buf)
{
    s7_cotp t;
    memset(&t, 0, sizeof t);
    t.code = S7_COTP_CR;
    t.src_ref = 0x0014;
    t.tpdu_size = 0x0A;
    buf[0] = 0x01;
    buf[1] = 0x00;
    buf[2] = (uint8_t)(called >> 8);
    buf[3] = (uint8_t)called;
    t.calling = buf;
    t.calling_len = 2;
    t.called = buf + 2;
    t.called_len = 2;
    return t;
}

static int accept_tsap(s7_cpu *cpu, uint16_t called, const uint16_t use[4], const char **why,
                       uint8_t *type)
{
    uint8_t b[4];
    s7_cotp t = cr_of(called, b);
    s7_cpu_session s;
    s7__cpu_session_init(&s);
    int r = s7_cpu_accept(cpu, &s, &t, use, why);
    *type = s.conn_type;
    return r;
}

static void test_profiles(void)
{
    const char *const *names = s7_profile_names();
    int n = 0;
    for (; names[n]; n++) {
        const s7_profile *p = s7_profile_find(names[n]);
        CHECK(p != NULL);
        CHECK_STR(p->name, names[n]);
        CHECK(p->max_pdu >= 240);
        CHECK(p->max_amq >= 1);
        CHECK(p->max_conn[0] >= p->max_conn[1] && p->max_conn[0] >= p->max_conn[3]);
        CHECK(p->order_code && strlen(p->order_code) <= 20);
        CHECK(p->protection_level >= 1 && p->protection_level <= 3);
    }
    CHECK_INT(n, 6);
    CHECK(s7_profile_find("S7-1200") == s7_profile_find("s7-1200"));
    CHECK(s7_profile_find("s7-999") == NULL);
    CHECK(s7_profile_find(NULL) == NULL);
    const s7_profile *p = s7_profile_find("s7-300");
    CHECK_STR(p->order_code, "6ES7 315-2EH14-0AB0");
    CHECK(p->slot == 2 && p->max_pdu == 240 && p->has_timers && p->put_get);
    p = s7_profile_find("s7-400");
    CHECK(p->slot == 3 && p->max_pdu == 480);
    p = s7_profile_find("s7-1200");
    CHECK_STR(p->order_code, "6ES7 214-1AG40-0XB0");
    CHECK(p->slot == 1 && p->max_pdu == 240 && p->max_amq == 3 && !p->has_timers && !p->put_get);
    p = s7_profile_find("s7-1500");
    CHECK_STR(p->order_code, "6ES7 516-3AN02-0AB0");
    CHECK(p->slot == 1 && p->max_pdu == 960 && !p->has_timers && !p->put_get);
    p = s7_profile_find("logo8");
    CHECK_STR(p->order_code, "6ED1052-1MD08-0BA1");
    CHECK(p->tsap_mode == S7_TSAP_LOGO && p->max_pdu == 240);
    p = s7_profile_find("s7-200smart");
    CHECK_STR(p->order_code, "6ES7 288-1SR20-0AA1");
    CHECK(p->tsap_mode == S7_TSAP_S7200);

    /* a custom profile is copied, strings included */
    char name[32], oc[32];
    strcpy(name, "my-300");
    strcpy(oc, "6ES7 317-2EK14-0AB0");
    s7_profile mine = *s7_profile_find("s7-300");
    mine.name = name;
    mine.order_code = oc;
    mine.module_type = NULL;
    s7_cpu *cpu = s7_cpu_new(&mine);
    memset(name, 'x', sizeof name - 1);
    memset(oc, 'x', sizeof oc - 1);
    CHECK_STR(s7_cpu_profile(cpu)->name, "my-300");
    CHECK_STR(s7_cpu_profile(cpu)->order_code, "6ES7 317-2EK14-0AB0");
    CHECK_STR(s7_cpu_profile(cpu)->module_type, "");
    s7_cpu_free(cpu);
    cpu = s7_cpu_new(NULL);
    CHECK_STR(s7_cpu_profile(cpu)->name, "s7-300");
    s7_cpu_free(cpu);
    s7_cpu_free(NULL);
}

static void test_accept(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1200"));
    const char *why;
    uint8_t type;
    uint16_t none[4] = {0, 0, 0, 0};
    CHECK_INT(accept_tsap(cpu, 0x0101, none, &why, &type), 0);
    CHECK_INT(type, 1);
    CHECK(why == NULL);
    CHECK_INT(accept_tsap(cpu, 0x0201, none, &why, &type), 0);
    CHECK_INT(type, 2);
    CHECK_INT(accept_tsap(cpu, 0x0301, none, &why, &type), 0);
    CHECK_INT(type, 3);
    CHECK_INT(accept_tsap(cpu, 0x1001, none, &why, &type), 0);
    CHECK_INT(type, 3);
    CHECK_INT(accept_tsap(cpu, 0x0102, none, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "called TSAP 0102 names rack 0 slot 2; this CPU is at rack 0 slot 1");
    CHECK_INT(accept_tsap(cpu, 0x1101, none, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "called TSAP 1101 has connection type 11; this CPU takes 01 (PG), 02 (OP) or "
                   "03..10 (S7 basic)");
    CHECK_INT(accept_tsap(cpu, 0x0001, none, &why, &type), S7_ERR_CR_REJECTED);
    /* slot 0 as well as 1 (rack 0, slot 0 or 1 on a 1200 / 1500): nmap's fallback 0x0200 */
    CHECK_INT(accept_tsap(cpu, 0x0100, none, &why, &type), 0);
    CHECK_INT(type, 1);
    CHECK_INT(accept_tsap(cpu, 0x0200, none, &why, &type), 0);
    CHECK_INT(type, 2);
    CHECK_INT(accept_tsap(cpu, 0x0120, none, &why, &type), S7_ERR_CR_REJECTED); /* rack 1 */
    /* moved to rack 1 slot 3 */
    s7_cpu_set_location(cpu, 1, 3);
    CHECK_INT(accept_tsap(cpu, 0x0123, none, &why, &type), 0);
    CHECK_INT(accept_tsap(cpu, 0x0101, none, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "called TSAP 0101 names rack 0 slot 1; this CPU is at rack 1 slot 3");
    CHECK_INT(accept_tsap(cpu, 0x0120, none, &why, &type), S7_ERR_CR_REJECTED); /* slot 0 */
    s7_cpu_set_location(cpu, 0, 1);
    /* budgets: 1200 has 16 total, 4 PG, 12 OP, 8 basic */
    uint16_t use[4] = {5, 4, 1, 0};
    CHECK_INT(accept_tsap(cpu, 0x0101, use, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "no free PG connection: 4 of 4 in use");
    CHECK_INT(accept_tsap(cpu, 0x0201, use, &why, &type), 0);
    s7_cpu_set_max_conn(cpu, 2, 2);
    uint16_t use2[4] = {3, 1, 2, 0};
    CHECK_INT(accept_tsap(cpu, 0x0201, use2, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "no free OP connection: 2 of 2 in use");
    uint16_t use3[4] = {16, 0, 0, 7};
    CHECK_INT(accept_tsap(cpu, 0x0301, use3, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "no free connection: 16 of 16 in use");
    s7_cpu_set_max_conn(cpu, 3, 0);
    CHECK_INT(accept_tsap(cpu, 0x0301, none, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "no free S7 basic connection: 0 of 0 in use");
    /* no called TSAP; a 16-byte S7CommPlus TSAP */
    s7_cotp t;
    memset(&t, 0, sizeof t);
    t.code = S7_COTP_CR;
    s7_cpu_session s;
    s7__cpu_session_init(&s);
    CHECK_INT(s7_cpu_accept(cpu, &s, &t, none, &why), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "the connection request names no called TSAP");
    t.called = (const uint8_t *)"SIMATIC-ROOT-HMI";
    t.called_len = 16;
    CHECK_INT(s7_cpu_accept(cpu, &s, &t, none, &why), S7_ERR_CR_REJECTED);
    CHECK(strstr(why, "16 bytes") != NULL);
    CHECK_INT(s7_cpu_accept(cpu, &s, &t, none, NULL), S7_ERR_CR_REJECTED);
    s7_cpu_free(cpu);

    /* 300 at slot 2: nmap's 0x0102 accepted, its fallback 0x0200 refused */
    cpu = s7_cpu_new(s7_profile_find("s7-300"));
    CHECK_INT(accept_tsap(cpu, 0x0102, none, &why, &type), 0);
    CHECK_INT(accept_tsap(cpu, 0x0200, none, &why, &type), S7_ERR_CR_REJECTED);
    s7_cpu_free(cpu);
    /* a 1500 answers nmap's fallback too */
    cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    CHECK_INT(accept_tsap(cpu, 0x0200, none, &why, &type), 0);
    s7_cpu_free(cpu);

    /* LOGO!: its own TSAPs only */
    cpu = s7_cpu_new(s7_profile_find("logo8"));
    CHECK_INT(accept_tsap(cpu, 0x0200, none, &why, &type), 0);
    CHECK_INT(type, 2);
    CHECK_INT(accept_tsap(cpu, 0x0201, none, &why, &type), 0);
    CHECK_INT(accept_tsap(cpu, 0x2000, none, &why, &type), 0);
    CHECK_INT(type, 3);
    CHECK_INT(accept_tsap(cpu, 0x0102, none, &why, &type), 0);
    CHECK_INT(type, 1);
    CHECK_INT(accept_tsap(cpu, 0x0101, none, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "called TSAP 0101 is not one this LOGO! serves (02.00, 02.01, 20.00 or 01.02)");
    s7_cpu_free(cpu);

    /* S7-200 SMART: rack 0 slot 1 rules plus 10.00 / 02.00 */
    cpu = s7_cpu_new(s7_profile_find("s7-200smart"));
    CHECK_INT(accept_tsap(cpu, 0x0101, none, &why, &type), 0);
    CHECK_INT(accept_tsap(cpu, 0x1001, none, &why, &type), 0);
    CHECK_INT(type, 3);
    CHECK_INT(accept_tsap(cpu, 0x1000, none, &why, &type), 0);
    CHECK_INT(accept_tsap(cpu, 0x0200, none, &why, &type), 0);
    CHECK_INT(type, 2);
    CHECK_INT(accept_tsap(cpu, 0x0102, none, &why, &type), S7_ERR_CR_REJECTED);
    /* one PG connection only */
    uint16_t pg1[4] = {1, 1, 0, 0};
    CHECK_INT(accept_tsap(cpu, 0x0101, pg1, &why, &type), S7_ERR_CR_REJECTED);
    CHECK_STR(why, "no free PG connection: 1 of 1 in use");
    s7_cpu_free(cpu);
}

static int locks, unlocks;
static void lk(void *ctx)
{
    CHECK(ctx == (void *)&locks);
    locks++;
}
static void ulk(void *ctx)
{
    (void)ctx;
    unlocks++;
}

static void test_memory(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    uint32_t sz;
    CHECK(s7_cpu_mem(cpu, S7_AREA_I, 0, &sz) && sz == 1024);
    CHECK(s7_cpu_mem(cpu, S7_AREA_Q, 0, &sz) && sz == 1024);
    CHECK(s7_cpu_mem(cpu, S7_AREA_M, 0, &sz) && sz == 1024);
    CHECK(s7_cpu_mem(cpu, S7_AREA_T, 0, &sz) && sz == 512);
    CHECK(s7_cpu_mem(cpu, S7_AREA_C, 0, &sz) && sz == 512);
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz) == NULL && sz == 0);
    CHECK(s7_cpu_mem(cpu, S7_AREA_P, 0, &sz) == NULL);
    /* DBs */
    CHECK_INT(s7_cpu_add_db(cpu, 0, 10, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 0, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 65536, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 10, 0x80), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_add_db(cpu, 65535, 65535, S7_DB_RETAIN), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 65535, 10, 0), S7_ERR_INVAL);
    for (uint16_t i = 1000; i > 1; i--)
        CHECK_INT(s7_cpu_add_db(cpu, i, i, 0), 0);
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 500, &sz) && sz == 500);
    CHECK(s7_cpu_mem(cpu, S7_AREA_DI, 65535, &sz) && sz == 65535);
    CHECK_INT(s7_cpu_db_flags(cpu, 65535), S7_DB_RETAIN);
    CHECK_INT(s7_cpu_db_flags(cpu, 1), 0);
    /* area sizes */
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_M, 0, &sz);
    m[1023] = 0x42;
    CHECK_INT(s7_cpu_set_area_size(cpu, S7_AREA_M, 4096), 0);
    m = s7_cpu_mem(cpu, S7_AREA_M, 0, &sz);
    CHECK(sz == 4096 && m[1023] == 0x42 && m[4095] == 0);
    CHECK_INT(s7_cpu_set_area_size(cpu, S7_AREA_T, 10), 0);
    CHECK(s7_cpu_mem(cpu, S7_AREA_T, 0, &sz) && sz == 20);
    CHECK_INT(s7_cpu_set_area_size(cpu, S7_AREA_DB, 10), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_set_area_size(cpu, S7_AREA_M, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_set_area_size(cpu, S7_AREA_M, 65537), S7_ERR_INVAL);

    /* set_value: types through tag.h */
    char err[200];
    CHECK_INT(s7_cpu_add_db(cpu, 1, 100, 0), 0);
    CHECK_INT(s7_cpu_set_value(cpu, "DB1.DBD4:REAL=3.5", err, sizeof err), 0);
    uint8_t *db1 = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    CHECK(memcmp(db1 + 4, "\x40\x60\x00\x00", 4) == 0);
    CHECK_INT(s7_cpu_set_value(cpu, " MW10 = 7 ", err, sizeof err), 0);
    CHECK(m[10] == 0 && m[11] == 7);
    m[2] = 0x01;
    CHECK_INT(s7_cpu_set_value(cpu, "M2.3=true", err, sizeof err), 0);
    CHECK_INT(m[2], 0x09);
    CHECK_INT(s7_cpu_set_value(cpu, "DB1.DBB10:STRING[4]='abc'", err, sizeof err), 0);
    CHECK(memcmp(db1 + 10,
                 "\x04\x03"
                 "abc",
                 5) == 0);
    CHECK_INT(s7_cpu_set_value(cpu, "T3=S5T#2s", err, sizeof err), 0);
    CHECK(s7_cpu_mem(cpu, S7_AREA_T, 0, &sz)[6] != 0 || s7_cpu_mem(cpu, S7_AREA_T, 0, &sz)[7] != 0);
    CHECK_INT(s7_cpu_set_value(cpu, "C2=5", err, sizeof err), 0);
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_C, 0, &sz)[5], 0x05);
    CHECK_INT(s7_cpu_set_value(cpu, "IB3=16#A5", err, sizeof err), 0);
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_I, 0, &sz)[3], 0xA5);
    /* errors with messages */
    CHECK(s7_cpu_set_value(cpu, "DB1001.DBW0=1", err, sizeof err) < 0);
    CHECK_STR(err, "DB1001.DBW0: DB1001 does not exist on this CPU");
    CHECK(s7_cpu_set_value(cpu, "DB1.DBD98=1", err, sizeof err) < 0);
    CHECK(strstr(err, "past the end") != NULL);
    CHECK(s7_cpu_set_value(cpu, "MB0=300", err, sizeof err) < 0);
    CHECK(strstr(err, "300") != NULL);
    CHECK(s7_cpu_set_value(cpu, "MB0", err, sizeof err) < 0);
    CHECK(strstr(err, "ADDRESS=VALUE") != NULL);
    CHECK(s7_cpu_set_value(cpu, "XY0=1", err, sizeof err) < 0);
    CHECK(err[0] != 0);
    CHECK(s7_cpu_set_value(cpu, "=1", NULL, 0) < 0);
    s7_cpu_free(cpu);

    /* LOGO!: V memory is DB1 (851 bytes), VW10 sets it, no other DB */
    cpu = s7_cpu_new(s7_profile_find("logo8"));
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz) && sz == 851);
    CHECK(s7_cpu_mem(cpu, S7_AREA_T, 0, &sz) == NULL);
    CHECK_INT(s7_cpu_add_db(cpu, 2, 10, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_set_value(cpu, "VW10=258", err, sizeof err), 0);
    uint8_t *v = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    CHECK(v[10] == 1 && v[11] == 2);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 1024, 0), 0); /* replaces the V memory */
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz) && sz == 1024);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 1024, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_set_area_size(cpu, S7_AREA_T, 10), S7_ERR_UNSUPPORTED);
    s7_cpu_free(cpu);
    cpu = s7_cpu_new(s7_profile_find("s7-200smart"));
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz) && sz == 8192);
    s7_cpu_free(cpu);

    /* application memory: served and written in place, locked around each access */
    static uint8_t app[64], appm[16];
    cpu = s7_cpu_new(s7_profile_find("s7-300"));
    CHECK_INT(s7_cpu_register_area(cpu, S7_AREA_DB, 5, app, sizeof app, lk, ulk, &locks), 0);
    CHECK_INT(s7_cpu_register_area(cpu, S7_AREA_M, 0, appm, sizeof appm, lk, ulk, &locks), 0);
    CHECK_INT(s7_cpu_register_area(cpu, S7_AREA_L, 0, appm, sizeof appm, NULL, NULL, NULL),
              S7_ERR_INVAL);
    CHECK_INT(s7_cpu_register_area(cpu, S7_AREA_DB, 6, NULL, 4, NULL, NULL, NULL), S7_ERR_INVAL);
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 5, &sz) == app && sz == 64);
    CHECK_INT(s7_cpu_set_area_size(cpu, S7_AREA_M, 100), S7_ERR_STATE);
    app[3] = 0x33;
    s7_cpu_session s;
    s7__cpu_session_init(&s);
    s7_setup su = {1, 1, 240};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out), 20);
    s7_var_spec sp[2] = {{S7_TS_BYTE, 1, 5, S7_AREA_DB, 24}, {S7_TS_BYTE, 2, 0, S7_AREA_M, 8}};
    appm[1] = 0x44;
    n = s7_read_req_encode(req, sizeof req, 1, sp, 2);
    int r = s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out);
    CHECK_INT(r, 14 + 5 + 1 + 6);
    CHECK(out[18] == 0x33 && out[24] == 0x44);
    CHECK(locks == 2 && unlocks == 2);
    s7_data_item d[2];
    memset(d, 0, sizeof d);
    d[0].data = (const uint8_t *)"\x77";
    d[0].nbytes = 1;
    d[1].data = (const uint8_t *)"\x88\x99";
    d[1].nbytes = 2;
    n = s7_write_req_encode(req, sizeof req, 2, sp, d, 2);
    r = s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out);
    CHECK_INT(r, 16);
    CHECK(app[3] == 0x77 && appm[1] == 0x88 && appm[2] == 0x99);
    CHECK(locks == 4 && unlocks == 4);
    CHECK_INT(s7_cpu_set_value(cpu, "DB5.DBB0=9", err, sizeof err), 0);
    CHECK_INT(app[0], 9);
    CHECK(locks == unlocks && locks >= 5);
    /* a plain DB registered over an existing one keeps its flags */
    CHECK_INT(s7_cpu_add_db(cpu, 7, 10, S7_DB_READONLY), 0);
    static uint8_t app7[10];
    CHECK_INT(s7_cpu_register_area(cpu, S7_AREA_DB, 7, app7, sizeof app7, NULL, NULL, NULL), 0);
    CHECK_INT(s7_cpu_db_flags(cpu, 7), S7_DB_READONLY);
    s7_cpu_free(cpu);
}

static void test_settings_and_sessions(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1200"));
    CHECK_INT(s7_cpu_put_get(cpu), 0);
    s7_cpu_set_put_get(cpu, 5);
    CHECK_INT(s7_cpu_put_get(cpu), 1);
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_RUN);
    s7_cpu_set_state(cpu, S7_CPU_STATE_STOP);
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_STOP);
    s7_cpu_set_state(cpu, 99);
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_STOP);
    s7_cpu_free(cpu);

    /* an idle session holds no buffers: its size is the struct, ud_pending NULL; what a
     * service needs (programmer jobs, cyclic subscriptions, a block transfer, an alarm
     * registration) is allocated while it runs and costs the idle session one pointer
     * each */
    s7_cpu_session s;
    memset(&s, 0x5A, sizeof s);
    s7__cpu_session_init(&s);
    CHECK(s.ud_pending == NULL && s.pdu == 0 && s.conn_type == 0);
    CHECK(s.xfer == NULL && s.cyc == NULL && s.prog == NULL && s.alm == NULL);
    CHECK(sizeof s <= 144);
    s7__cpu_session_release(&s);
    s7_cpu_session_free(NULL);
    /* the public, opaque session */
    s7_cpu_session *ps = s7_cpu_session_new();
    CHECK(ps != NULL);
    CHECK_STR(s7_cpu_session_peer(ps), "");
    CHECK_INT(s7_cpu_session_conn_type(ps), 0);
    CHECK_INT(s7_cpu_session_pdu(ps), 0);
    s7_cpu_session_set_peer(ps, "10.0.0.7:49152", 0x0A000007u);
    CHECK_STR(s7_cpu_session_peer(ps), "10.0.0.7:49152");
    CHECK_INT(s7_cpu_session_peer_ip(ps), 0x0A000007u);
    s7_cpu_session_reset(ps);
    CHECK_STR(s7_cpu_session_peer(ps), "");
    s7_cpu_session_free(ps);
    /* API calls with NULL */
    CHECK_INT(s7_cpu_add_db(NULL, 1, 1, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_handle(NULL, &s, req, 10, out, sizeof out), S7_ERR_INVAL);
    CHECK(s7_cpu_profile(NULL) == NULL);
}

int main(void)
{
    test_profiles();
    test_accept();
    test_memory();
    test_settings_and_sessions();
    return t_done();
}
