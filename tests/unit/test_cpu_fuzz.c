/* CPU model robustness: valid requests of every kind (cyclic data and the alarm query too),
 * mutated (bytes flipped, lengths changed, truncated, extended) and fed to s7_cpu_handle on
 * every profile.  Every call must return a reply that fits the PDU and decodes as an S7 PDU
 * with the request's reference, or a negative error; never crash (run under ASan/UBSan).  Also a
 * sequence-number wrap of the Userdata continuation. */
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

static uint8_t out[70000];

static uint32_t rng = 12345;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

/* Seed requests (S7 PDUs). */
static int seeds(uint8_t bufs[][600], int *lens)
{
    int n = 0;
    s7_var_spec sp[3] = {{S7_TS_BYTE, 4, 1, S7_AREA_DB, 0},
                         {S7_TS_BIT, 1, 0, S7_AREA_M, 13},
                         {S7_TS_TIMER, 2, 0, S7_AREA_T, 3}};
    lens[n] = s7_read_req_encode(bufs[n], 600, 0x0100, sp, 3);
    n++;
    s7_data_item d[3];
    memset(d, 0, sizeof d);
    d[0].data = (const uint8_t *)"abcd";
    d[0].nbytes = 4;
    d[1].data = (const uint8_t *)"\1";
    d[1].nbytes = 1;
    d[2].data = (const uint8_t *)"wxyz";
    d[2].nbytes = 4;
    lens[n] = s7_write_req_encode(bufs[n], 600, 0x0200, sp, d, 3);
    n++;
    lens[n] = s7_szl_req_encode(bufs[n], 600, 0x0300, 0x001C, 1);
    n++;
    lens[n] = s7_szl_next_req_encode(bufs[n], 600, 0x0301, 1);
    n++;
    lens[n] = s7_clock_read_req_encode(bufs[n], 600, 0x0400);
    n++;
    s7_datetime t = {2030, 1, 2, 3, 4, 5, 6, 0};
    lens[n] = s7_clock_set_req_encode(bufs[n], 600, 0x0401, &t);
    n++;
    lens[n] = s7_plc_stop_req_encode(bufs[n], 600, 0x0500);
    n++;
    lens[n] = s7_plc_start_req_encode(bufs[n], 600, 0x0501, S7_START_COLD);
    n++;
    s7_setup su = {8, 8, 480};
    lens[n] = s7_setup_req_encode(bufs[n], 600, 0x0600, &su);
    n++;
    lens[n] = (int)t_hex(
        "32 07 0000 0700 0008 000C 00 01 12 04 11 43 03 00 FF 09 0008 30 41 30 30 30 30 31 41",
        bufs[n], 600);
    n++;
    lens[n] = (int)t_hex("32 07 0000 0701 0008 0006 00 01 12 04 11 43 02 00 FF 09 0002 30 41",
                         bufs[n], 600);
    n++;
    /* cyclic data: a subscription of S7ANY items, the captured DBREAD modify of job 1
     * (wincc_s400_production.pcapng frame 62), an unsubscribe; the alarm query */
    lens[n] = s7_cyclic_req_encode(bufs[n], 600, 0x0800, S7_CYC_CHANGE, 0, 100, sp, 3);
    n++;
    lens[n] = (int)t_hex("32 07 0000 0801 0008 0016 00 01 12 04 11 42 07 01 ff 09 0012 00 01 01 01 "
                         "12 0c b0 02 05 00 51 01 72 04 00 83 01 48",
                         bufs[n], 600);
    n++;
    lens[n] = s7_cyclic_unsub_encode(bufs[n], 600, 0x0802, S7_CYC_CHANGE, 1);
    n++;
    lens[n] = s7_alarm_query_encode(bufs[n], 600, 0x0900, S7_ALARM_8);
    n++;
    return n;
}

/* A reply must fit and carry the request's reference. */
static int reply_ok(int r, const uint8_t *req, size_t len, size_t lim)
{
    if (r < 0)
        return 1;
    if (r == 0 || (size_t)r > lim)
        return 0;
    s7_pdu p;
    if (s7_pdu_decode(out, (size_t)r, &p) < 0)
        return 0;
    if (len >= 6 && p.ref != (uint16_t)(req[4] << 8 | req[5]))
        return 0;
    return 1;
}

static void test_mutations(void)
{
    static uint8_t bufs[16][600];
    int lens[16];
    int ns = seeds(bufs, lens);
    const char *const *names = s7_profile_names();
    static uint8_t m[700];
    int bad = 0;
    long calls = 0;
    for (int pi = 0; names[pi]; pi++) {
        s7_cpu *cpu = s7_cpu_new(s7_profile_find(names[pi]));
        s7_cpu_set_put_get(cpu, pi & 1);
        s7_cpu_add_db(cpu, 1, 100, 0);
        s7_cpu_session s;
        s7__cpu_session_init(&s);
        for (int it = 0; it < 40000; it++) {
            if (it % 500 == 0) { /* a fresh setup now and then, small PDUs too */
                s7_setup su = {1, 1, (uint16_t)(it % 1000 == 0 ? 64 : 240)};
                int n = s7_setup_req_encode(m, sizeof m, 0, &su);
                s7_cpu_handle(cpu, &s, m, (size_t)n, out, sizeof out);
            }
            int k = (int)(rnd() % (uint32_t)ns);
            int len = lens[k];
            memcpy(m, bufs[k], (size_t)len);
            int muts = 1 + (int)(rnd() % 4);
            for (int j = 0; j < muts; j++) {
                uint32_t op = rnd() % 6;
                if (op <= 2 && len > 0) {
                    m[rnd() % (uint32_t)len] ^= (uint8_t)(1u << (rnd() % 8));
                } else if (op == 3 && len > 0) {
                    m[rnd() % (uint32_t)len] = (uint8_t)rnd();
                } else if (op == 4) {
                    len = (int)(rnd() % (uint32_t)(len + 1));
                } else if (len < 650) {
                    m[len++] = (uint8_t)rnd();
                }
            }
            /* keep the header lengths consistent half of the time, to get deeper */
            if ((rnd() & 1) && len >= 10) {
                size_t hl = (m[1] == 2 || m[1] == 3) ? 12 : 10;
                if ((size_t)len >= hl) {
                    uint16_t pl = (uint16_t)(m[6] << 8 | m[7]);
                    if (pl > len - (int)hl)
                        pl = (uint16_t)(len - (int)hl);
                    uint16_t dl = (uint16_t)(len - (int)hl - pl);
                    m[6] = (uint8_t)(pl >> 8);
                    m[7] = (uint8_t)pl;
                    m[8] = (uint8_t)(dl >> 8);
                    m[9] = (uint8_t)dl;
                }
            }
            size_t cap = (rnd() % 8 == 0) ? 12 + rnd() % 300 : sizeof out;
            int r = s7_cpu_handle(cpu, &s, m, (size_t)len, out, cap);
            size_t lim = s.pdu && s.pdu < cap ? s.pdu : cap;
            calls++;
            if (!reply_ok(r, m, (size_t)len, lim)) {
                if (bad++ < 5)
                    fprintf(stderr, "  profile %s seed %d: reply %d does not fit %zu or decode\n",
                            names[pi], k, r, lim);
            }
        }
        s7__cpu_session_release(&s);
        s7_cpu_free(cpu);
    }
    CHECK_INT(bad, 0);
    CHECK(calls == 6 * 40000);
}

/* 300 continuations in a row: the sequence number wraps past 255 without taking 0. */
static void test_seq_wrap(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_cpu_session s;
    s7__cpu_session_init(&s);
    static uint8_t req[64];
    s7_setup su = {1, 1, 240};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out), 20);
    int zero = 0, ok = 1;
    uint8_t prev = 0;
    for (int i = 0; i < 300; i++) {
        n = s7_szl_req_encode(req, sizeof req, 1, 0x001C, 0);
        int r = s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out);
        s7_pdu p;
        s7_ud u;
        if (s7_pdu_decode(out, (size_t)r, &p) < 0 || s7_ud_decode(&p, &u) < 0 || !u.last) {
            ok = 0;
            break;
        }
        zero |= u.seq == 0;
        ok &= u.seq != prev;
        prev = u.seq;
        n = s7_szl_next_req_encode(req, sizeof req, 2, u.seq);
        r = s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out);
        ok &= s7_pdu_decode(out, (size_t)r, &p) >= 0 && s7_ud_decode(&p, &u) >= 0 && u.err == 0 &&
              !u.last;
    }
    CHECK(ok);
    CHECK(!zero);
    CHECK(s.ud_pending == NULL);
    s7__cpu_session_release(&s);
    s7_cpu_free(cpu);
}

int main(void)
{
    test_mutations();
    test_seq_wrap();
    return t_done();
}
