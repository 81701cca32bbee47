/* CPU model, cyclic data (server/cyclic.c): the answer to a subscription (job number, the
 * items' values), pushes at the cycle on a clock the test gives (every cycle for 0x01,
 * only on a change for 0x05), modify (0x07), unsubscribe (the captured 0A answer, pushes
 * stop), the limits per connection and per CPU (0xD062), bad cycles (0xD008), a modify of
 * a job that does not exist (0xD0A5), items that do not parse (0xD401), a 1500 (0x8104),
 * and a session freed with its subscriptions (ASan: nothing leaks). */
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

static uint8_t out[70000];
static uint8_t req[4096];

static s7_cpu *mk(const char *profile, s7_cpu_session *s, uint16_t pdu)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profile));
    s7__cpu_session_init(s);
    s7_setup su = {1, 1, pdu};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, s, req, (size_t)n, out, sizeof out), 20);
    return cpu;
}

/* Decode the Userdata answer in out (n bytes). */
static int answer(int n, s7_ud *u)
{
    s7_pdu p;
    if (n <= 0 || s7_pdu_decode(out, (size_t)n, &p) < 0)
        return -1;
    return s7_ud_decode(&p, u);
}

static int subscribe(s7_cpu *cpu, s7_cpu_session *s, uint8_t subfn, uint8_t job, uint32_t ms,
                     const s7_var_spec *sp, unsigned n, s7_ud *u)
{
    int k = s7_cyclic_req_encode(req, sizeof req, 0x0300, subfn, job, ms, sp, n);
    CHECK(k > 0);
    return answer(s7_cpu_handle(cpu, s, req, (size_t)k, out, sizeof out), u);
}

/* Every push due at now (bounded): how many of job `job` came (the last one into *u). */
static int pushes_of(s7_cpu *cpu, s7_cpu_session *s, int64_t now, uint8_t job, s7_ud *u)
{
    int got = 0;
    for (int i = 0; i < 10; i++) {
        int n = s7_cpu_session_push(cpu, s, now, out, sizeof out);
        if (n <= 0)
            break;
        s7_ud x;
        if (answer(n, &x) >= 0 && x.seq == job && x.type == S7_UD_TYPE_PUSH) {
            *u = x;
            got++;
        }
    }
    return got;
}

static void test_subscribe_push(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk("s7-400", &s, 480);
    s7_cpu_add_db(cpu, 10, 16, 0);
    uint32_t sz;
    uint8_t *db = s7_cpu_mem(cpu, S7_AREA_DB, 10, &sz);
    db[0] = 0x11;
    db[1] = 0x22;
    db[3] = 0x44;
    s7_var_spec sp[2] = {{S7_TS_BYTE, 2, 10, S7_AREA_DB, 0},
                         {S7_TS_BYTE, 1, 10, S7_AREA_DB, 3 * 8}};
    s7_ud u;
    /* no subscription yet: nothing to push */
    CHECK_INT(s7_cpu_session_next_push(&s), -1);
    CHECK(subscribe(cpu, &s, S7_CYC_TRANSFER, 0, 300, sp, 2, &u) >= 0);
    CHECK_INT(u.type, S7_UD_TYPE_RESP);
    CHECK_INT(u.group, S7_UD_GRP_CYCLIC);
    CHECK_INT(u.subfn, S7_CYC_TRANSFER);
    CHECK_INT(u.err, 0);
    CHECK_INT(u.seq, 1); /* job 1 */
    s7_data_item d[4];
    CHECK_INT(s7_cyclic_data_decode(u.payload, u.plen, d, 4), 2);
    CHECK_INT(d[0].nbytes, 2);
    CHECK_INT(d[0].data[1], 0x22);
    CHECK_INT(d[1].data[0], 0x44);

    /* the first call starts the clock; a push every 300 ms of it */
    CHECK_INT(s7_cpu_session_push(cpu, &s, 1000, out, sizeof out), 0);
    CHECK_INT(s7_cpu_session_next_push(&s), 1300);
    CHECK_INT(s7_cpu_session_push(cpu, &s, 1299, out, sizeof out), 0);
    db[3] = 0x55;
    int n = s7_cpu_session_push(cpu, &s, 1300, out, sizeof out);
    CHECK(n > 0);
    s7_pdu p;
    CHECK(s7_pdu_decode(out, (size_t)n, &p) >= 0);
    CHECK_INT(p.rosctr, S7_USERDATA);
    CHECK_INT(p.ref, 0);
    CHECK(answer(n, &u) >= 0);
    CHECK_INT(u.type, S7_UD_TYPE_PUSH);
    CHECK_INT(u.method, 0x12);
    CHECK_INT(u.subfn, S7_CYC_TRANSFER);
    CHECK_INT(u.seq, 1);
    CHECK_INT(s7_cyclic_data_decode(u.payload, u.plen, d, 4), 2);
    CHECK_INT(d[1].data[0], 0x55);
    CHECK_INT(s7_cpu_session_push(cpu, &s, 1300, out, sizeof out), 0); /* once per cycle */
    /* unchanged values are pushed again: 0x01 pushes every cycle */
    CHECK(s7_cpu_session_push(cpu, &s, 1600, out, sizeof out) > 0);

    /* a second, change-driven job gets number 2 and pushes only on a change */
    CHECK(subscribe(cpu, &s, S7_CYC_CHANGE, 0, 100, sp + 1, 1, &u) >= 0);
    CHECK_INT(u.seq, 2);
    CHECK_INT(pushes_of(cpu, &s, 2000, 2, &u), 0); /* job 2's clock starts */
    CHECK_INT(pushes_of(cpu, &s, 2100, 2, &u), 0); /* no change */
    db[3] = 0x66;
    CHECK_INT(pushes_of(cpu, &s, 2200, 2, &u), 1);
    CHECK_INT(u.subfn, S7_CYC_CHANGE);
    CHECK_INT(pushes_of(cpu, &s, 2300, 2, &u), 0);

    /* modify job 2 to two items: answered with job 2, pushes carry 0x07 */
    CHECK(subscribe(cpu, &s, S7_CYC_MODIFY, 2, 100, sp, 2, &u) >= 0);
    CHECK_INT(u.seq, 2);
    CHECK_INT(u.err, 0);
    CHECK_INT(s7_cyclic_data_decode(u.payload, u.plen, d, 4), 2);
    CHECK_INT(pushes_of(cpu, &s, 3000, 2, &u), 0);
    db[0] = 0x77;
    CHECK_INT(pushes_of(cpu, &s, 3100, 2, &u), 1);
    CHECK_INT(u.subfn, S7_CYC_MODIFY);
    CHECK_INT(s7_cyclic_data_decode(u.payload, u.plen, d, 4), 2);
    CHECK_INT(d[0].data[0], 0x77);

    /* unsubscribe job 1: error 0, the empty item as the captured S7-400 answers */
    int k = s7_cyclic_unsub_encode(req, sizeof req, 0x0400, S7_CYC_TRANSFER, 1);
    CHECK(answer(s7_cpu_handle(cpu, &s, req, (size_t)k, out, sizeof out), &u) >= 0);
    CHECK_INT(u.subfn, S7_CYC_UNSUBSCRIBE);
    CHECK_INT(u.err, 0);
    CHECK_INT(u.rc, S7_RC_NOT_FOUND);
    CHECK_INT(u.plen, 0);
    CHECK_INT(s7__cyclic_count(&s), 1);
    CHECK_INT(cpu->cyc_total, 1);
    /* job 1 pushes no more (only job 2 is left and nothing changed) */
    CHECK_INT(pushes_of(cpu, &s, 9000, 1, &u), 0);
    CHECK_INT(s7_cpu_session_push(cpu, &s, 9100, out, sizeof out), 0);
    /* a new job takes the free number 1 */
    CHECK(subscribe(cpu, &s, S7_CYC_TRANSFER, 0, 1000, sp, 1, &u) >= 0);
    CHECK_INT(u.seq, 1);
    s7__cpu_session_release(&s); /* a disconnect: every job ends */
    CHECK_INT(cpu->cyc_total, 0);
    CHECK_INT(s7_cpu_session_next_push(&s), -1);
    s7_cpu_free(cpu);
}

static void test_errors(void)
{
    s7_cpu_session s, s2;
    s7_cpu *cpu = mk("s7-300", &s, 240);
    s7_cpu_add_db(cpu, 1, 8, 0);
    s7_var_spec sp = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    s7_ud u;
    for (int i = 0; i < S7__CYC_PER_CONN; i++) {
        CHECK(subscribe(cpu, &s, S7_CYC_CHANGE, 0, 1000, &sp, 1, &u) >= 0);
        CHECK_INT(u.err, 0);
    }
    CHECK(subscribe(cpu, &s, S7_CYC_CHANGE, 0, 1000, &sp, 1, &u) >= 0);
    CHECK_INT(u.err, 0xD062);
    CHECK_INT(u.rc, S7_RC_NOT_FOUND);
    /* the CPU's limit across connections */
    s7__cpu_session_init(&s2);
    s7_setup su = {1, 1, 240};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    s7_cpu_handle(cpu, &s2, req, (size_t)n, out, sizeof out);
    cpu->cyc_total = s7__cyc_per_cpu(cpu);
    CHECK(subscribe(cpu, &s2, S7_CYC_TRANSFER, 0, 1000, &sp, 1, &u) >= 0);
    CHECK_INT(u.err, 0xD062);
    cpu->cyc_total = S7__CYC_PER_CONN;
    /* modify of a job that does not exist */
    CHECK(subscribe(cpu, &s2, S7_CYC_MODIFY, 9, 1000, &sp, 1, &u) >= 0);
    CHECK_INT(u.err, 0xD0A5);
    /* a time base the CPU does not know, a factor 0 */
    int k = s7_cyclic_req_encode(req, sizeof req, 1, S7_CYC_TRANSFER, 0, 1000, &sp, 1);
    req[k - 12 - 2] = 3; /* time base: before the factor and the 12-byte specification */
    CHECK(answer(s7_cpu_handle(cpu, &s2, req, (size_t)k, out, sizeof out), &u) >= 0);
    CHECK_INT(u.err, 0xD008);
    req[k - 12 - 2] = 1;
    req[k - 12 - 1] = 0;
    CHECK(answer(s7_cpu_handle(cpu, &s2, req, (size_t)k, out, sizeof out), &u) >= 0);
    CHECK_INT(u.err, 0xD008);
    /* a specification that is not 0x12 */
    req[k - 12 - 1] = 1;
    req[k - 12] = 0x11;
    CHECK(answer(s7_cpu_handle(cpu, &s2, req, (size_t)k, out, sizeof out), &u) >= 0);
    CHECK_INT(u.err, 0xD401);
    /* an unknown subfunction */
    req[k - 12] = 0x12;
    req[10 + 6] = 0x03; /* parameter byte 6: the subfunction */
    CHECK(answer(s7_cpu_handle(cpu, &s2, req, (size_t)k, out, sizeof out), &u) >= 0);
    CHECK_INT(u.err, 0x8104);
    CHECK_INT(s7__cyclic_count(&s2), 0);
    /* a DB that does not exist: subscribed, its item answered 0x0A */
    s7_var_spec bad = {S7_TS_BYTE, 4, 77, S7_AREA_DB, 0};
    CHECK(subscribe(cpu, &s2, S7_CYC_TRANSFER, 0, 1000, &bad, 1, &u) >= 0);
    CHECK_INT(u.err, 0);
    s7_data_item d[1];
    CHECK_INT(s7_cyclic_data_decode(u.payload, u.plen, d, 1), 1);
    CHECK_INT(d[0].rc, S7_RC_NOT_FOUND);
    s7__cpu_session_release(&s2);
    s7__cpu_session_release(&s); /* frees 8 jobs (ASan: nothing leaks) */
    s7_cpu_free(cpu);

    /* an S7-1500 does not serve cyclic data */
    cpu = mk("s7-1500", &s, 480);
    s7_cpu_add_db(cpu, 1, 8, 0);
    CHECK(subscribe(cpu, &s, S7_CYC_TRANSFER, 0, 1000, &sp, 1, &u) >= 0);
    CHECK_INT(u.err, 0x8104);
    CHECK_INT(s7_cpu_session_next_push(&s), -1);
    s7__cpu_session_release(&s);
    s7_cpu_free(cpu);

    /* a session freed with subscriptions (the engine's path) */
    cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_cpu_add_db(cpu, 1, 8, 0);
    s7_cpu_session *ps = s7_cpu_session_new();
    n = s7_setup_req_encode(req, sizeof req, 0, &su);
    s7_cpu_handle(cpu, ps, req, (size_t)n, out, sizeof out);
    CHECK(subscribe(cpu, ps, S7_CYC_TRANSFER, 0, 1000, &sp, 1, &u) >= 0);
    CHECK_INT(cpu->cyc_total, 1);
    s7_cpu_session_free(ps);
    CHECK_INT(cpu->cyc_total, 0);
    s7_cpu_free(cpu);
}

/* The CPU's limit is the one its SZL 0x0131 index 3 reports (anz, the maximum number of
 * cyclic read jobs): 16 on a 315-2 (its record in wincc_s300_setup-alarm-read-write), 32 on
 * the captured S7-400 (wincc_s400_production, frame 10).  Jobs on three connections: the
 * 17th is refused on the 300 (the emulator took 32 whatever its SZL said), taken on the
 * 400. */
static void test_cpu_limit_is_szl(void)
{
    static const char *const prof[2] = {"s7-300", "s7-400"};
    static const int anz[2] = {16, 32};
    for (int k = 0; k < 2; k++) {
        s7_cpu_session s[5];
        s7_cpu *cpu = mk(prof[k], &s[0], 240);
        for (int i = 1; i < 5; i++) {
            s7__cpu_session_init(&s[i]);
            s7_setup su = {1, 1, 240};
            int n = s7_setup_req_encode(req, sizeof req, 0, &su);
            CHECK_INT(s7_cpu_handle(cpu, &s[i], req, (size_t)n, out, sizeof out), 20);
        }
        s7_cpu_add_db(cpu, 1, 8, 0);
        s7_var_spec sp = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
        s7_ud u;
        /* the SZL says it */
        int n = s7_szl_req_encode(req, sizeof req, 7, 0x0131, 0x0003);
        CHECK(answer(s7_cpu_handle(cpu, &s[0], req, (size_t)n, out, sizeof out), &u) >= 0);
        CHECK(u.err == 0 && u.plen == 48);
        CHECK_INT(u.plen == 48 ? (u.payload[16] << 8 | u.payload[17]) : -1, anz[k]);
        CHECK_INT(s7__cyc_per_cpu(cpu), anz[k]);
        int taken = 0;
        for (int i = 0; i < anz[k]; i++) {
            CHECK(subscribe(cpu, &s[i / S7__CYC_PER_CONN], S7_CYC_TRANSFER, 0, 1000, &sp, 1, &u) >=
                  0);
            taken += u.err == 0;
        }
        CHECK_INT(taken, anz[k]);
        CHECK(subscribe(cpu, &s[4], S7_CYC_TRANSFER, 0, 1000, &sp, 1, &u) >= 0);
        CHECK_INT(u.err, 0xD062); /* the anz+1st, on the fifth connection */
        for (int i = 0; i < 5; i++)
            s7__cpu_session_release(&s[i]);
        CHECK_INT(cpu->cyc_total, 0);
        s7_cpu_free(cpu);
    }
}

int main(void)
{
    test_subscribe_push();
    test_errors();
    test_cpu_limit_is_szl();
    return t_done();
}
