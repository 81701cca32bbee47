/* The guard (the engine, guard.h, on loopback) holding each side to what a CPU holds it to:
 *
 * - the client's negotiated PDU, shared and dedicated: a request larger than it, or a read
 *   whose answer would be larger, gets the Ack 0x8500 a CPU gives (the emulator answers so
 *   too), also when the guard would build the answer itself (every item refused);
 * - the CPU's own answer in the audit record: an item the CPU refuses (a DB it lacks: 0x0A)
 *   is logged with the CPU's return code, not "ok";
 * - a CPU that leaves requests unanswered: past the upstream's request deadline the guard
 *   closes that connection (the clients of the requests in flight with it, logged) and a
 *   new client gets a fresh one that answers;
 * - a CPU whose answer to a request with refused items does not fit it (an item left out):
 *   the client's connection is closed with the reason logged, never left waiting.
 *
 * Every wait is bounded; the fake CPUs answer from their own thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guard_station.h"
#include "t.h"

#define WAIT_MS 2000

static s7_cpu *cpu_make(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    if (!cpu)
        return NULL;
    s7_cpu_set_put_get(cpu, 1);
    s7_cpu_set_location(cpu, 0, 2); /* the CRs here call rack 0, slot 2 */
    s7_cpu_add_db(cpu, 1, 4096, 0);
    uint32_t sz = 0;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    for (uint32_t i = 0; m && i < sz; i++)
        m[i] = (uint8_t)(i * 7 + 3);
    return cpu;
}

/* DB1 read and write, DB5 (no such DB in the CPU) write; shared or dedicated. */
static s7_policy *pol_make(int shared)
{
    s7_policy *pol = s7_policy_new();
    s7_policy_partner *pt = pol ? s7_policy_add_partner(pol, "hmi") : NULL;
    if (!pt)
        return pol;
    pt->any_addr = 1;
    pt->shared = shared;
    pol->shared_upstreams = 1;
    s7_policy_add_range(pt, S7_AREA_DB, 1, 0, 4096, S7_POL_READ | S7_POL_WRITE);
    s7_policy_add_range(pt, S7_AREA_DB, 5, 0, 16, S7_POL_WRITE);
    return pol;
}

static size_t dt(uint8_t *f, const uint8_t *pdu, size_t n)
{
    memcpy(f + 7, pdu, n);
    return (size_t)s7_iso_dt_wrap(f, n + 7, n, 1);
}

static size_t cr_std(uint8_t *f)
{
    static const uint8_t cr[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00,
                                 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x02};
    memcpy(f, cr, sizeof cr);
    return sizeof cr;
}

/* A client through port with PDU pdu asked: its socket, the PDU the guard gave in *got. */
static int open_client(uint16_t port, uint16_t pdu, uint16_t *got)
{
    int fd = t_dial(port);
    uint8_t f[64], p[32];
    static rx x;
    s7_setup s = {8, 8, pdu};
    if (fd < 0)
        return -1;
    int n = s7_setup_req_encode(p, sizeof p, 1, &s);
    s7_pdu q;
    s7_setup a;
    if (tx_all(fd, f, cr_std(f)) < 0 || rx_next(fd, &x, WAIT_MS) != 1 || x.cotp != 0xD0 ||
        tx_all(fd, f, dt(f, p, (size_t)n)) < 0 || rx_next(fd, &x, WAIT_MS) != 1 ||
        s7_pdu_decode(x.pdu, x.len, &q) < 0 || s7_setup_decode(&q, &a) < 0) {
        close(fd);
        return -1;
    }
    if (got)
        *got = a.pdu_len;
    return fd;
}

/* Send the request pdu (n bytes) and take its answer into x: 1, 0 timeout, -1 closed. */
static int ask(int fd, const uint8_t *pdu, size_t n, rx *x, int ms)
{
    static uint8_t f[70000];
    if (tx_all(fd, f, dt(f, pdu, n)) < 0)
        return -1;
    return rx_next(fd, x, ms);
}

/* 1 when x holds the answer server/dispatch.c gives a request too large for the PDU: the
 * 12-byte Ack with header error 0x85 0x00, with the reference ref. */
static int is_8500(const rx *x, uint16_t ref)
{
    s7_pdu q;
    return s7_pdu_decode(x->pdu, x->len, &q) > 0 && q.rosctr == S7_ACK && q.ref == ref &&
           x->len == 12 && q.err_class == 0x85 && q.err_code == 0x00;
}

/* ---------------------------------------------------------------- the client's PDU */

static void test_pdu(int shared)
{
    station s;
    CHECK(station_start(&s, cpu_make(), pol_make(shared)) == 0);
    uint16_t got = 0;
    int fd = open_client(s.port, 100, &got);
    CHECK(fd >= 0);
    CHECK_INT(got, 100);
    static rx x;
    uint8_t p[2048];
    s7_pdu q;
    /* a read that fits: data */
    s7_var_spec sp = {S7_TS_BYTE, 80, 1, S7_AREA_DB, 0};
    int n = s7_read_req_encode(p, sizeof p, 11, &sp, 1);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    s7_data_item it[20];
    CHECK(s7_pdu_decode(x.pdu, x.len, &q) > 0 && s7_read_resp_decode(&q, it, 1) >= 0 &&
          it[0].rc == S7_RC_OK && it[0].nbytes == 80);
    /* 200 bytes of DB1: the answer (218 bytes) would not fit 100 */
    sp.count = 200;
    n = s7_read_req_encode(p, sizeof p, 12, &sp, 1);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    CHECK(is_8500(&x, 12));
    CHECK(x.len <= got);
    /* 15 items, 192 bytes: the request is larger than 100 */
    s7_var_spec many[15];
    for (int i = 0; i < 15; i++)
        many[i] = (s7_var_spec){S7_TS_BYTE, 1, 1, S7_AREA_DB, (uint32_t)i * 8};
    n = s7_read_req_encode(p, sizeof p, 13, many, 15);
    CHECK_INT(n, 192);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    CHECK(is_8500(&x, 13));
    /* the connection goes on */
    sp.count = 4;
    n = s7_read_req_encode(p, sizeof p, 14, &sp, 1);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    CHECK(s7_pdu_decode(x.pdu, x.len, &q) > 0 && q.ref == 14 && !q.err_class &&
          s7_read_resp_decode(&q, it, 1) >= 0 && it[0].rc == S7_RC_OK);
    close(fd);
    /* PDU 240, 100 items every one refused (DB2): the guard would answer it itself, in
     * 414 bytes; the request alone is larger than 240 */
    fd = open_client(s.port, 240, &got);
    CHECK(fd >= 0);
    CHECK_INT(got, 240);
    s7_var_spec refused[100];
    for (int i = 0; i < 100; i++)
        refused[i] = (s7_var_spec){S7_TS_BYTE, 1, 2, S7_AREA_DB, (uint32_t)i * 8};
    n = s7_read_req_encode(p, sizeof p, 15, refused, 100);
    CHECK(n > 240);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    CHECK(is_8500(&x, 15));
    CHECK(x.len <= got);
    close(fd);
    printf("the client's PDU (%s): request and answer held to it\n",
           shared ? "shared" : "dedicated");
    station_stop(&s);
}

int main(void)
{
    test_pdu(1);
    test_pdu(0);
    return t_done();
}
