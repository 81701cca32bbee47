/* The guard (the engine, guard.h, in front of an emulated CPU on loopback) under framing a
 * real network and real clients produce (issue 12: "peers you do not have here"):
 *
 * - a TPKT split over TCP segments, one byte per send (CR, setup, requests);
 * - two and more requests in one segment (setup and requests together too);
 * - a request in several COTP DT fragments (EOT bit), with empty non-EOT DTs before it
 *   (STEP 7, TIA Portal);
 * - CRs with odd parameters: TPDU size 0x07, 0x0A, 0x0D, an extra parameter, source TSAPs
 *   of 1 to 4 bytes: a CC like the CPU's, the answers framed in the TPDU size agreed;
 * - a client asking PDU 960 and AmQ 8 of a CPU giving 240 and 2: it gets 240 and 2, a
 *   request larger than that an Ack with error 0x85 (the connection kept), 8 requests
 *   sent at once all answered in order;
 * - SZL answers larger than the client's PDU on a shared connection (0x0011, 0x001C,
 *   0x00A0, 0x0000 of an S7-400 to a client with PDU 96): in parts no larger than its PDU, the
 *   same bytes a direct connection with that PDU gets;
 * - clients leaving with requests in flight (and one in the middle of an SZL answer in
 *   parts) on a shared connection: the other client of it gets every answer right.
 *
 * Dedicated and shared upstream alike where both apply.  Every wait is bounded (2 s). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "guard_station.h"
#include "t.h"

#define WAIT_MS 2000

static void pause_us(long us)
{
    struct timespec ts = {0, us * 1000};
    nanosleep(&ts, NULL);
}

static uint8_t pat(uint32_t i) { return (uint8_t)(i * 7 + 3); }

/* Every service, DB1 read and write, dedicated or shared (one upstream). */
static s7_policy *pol_make(int shared)
{
    s7_policy *pol = s7_policy_new();
    s7_policy_partner *pt = pol ? s7_policy_add_partner(pol, "torture") : NULL;
    if (!pt)
        return pol;
    pt->any_addr = 1;
    pt->services = S7_POL__ALL;
    pt->shared = shared;
    pol->shared_upstreams = 1;
    s7_policy_add_range(pt, S7_AREA_DB, 1, 0, 4096, S7_POL_READ | S7_POL_WRITE);
    return pol;
}

/* A CR: TPDU size code tpdu, calling TSAP of clen bytes (01 00 ..), called 01 02 (rack 0
 * slot 2), and with extra an additional parameter (C6 01 01) after them. */
static size_t cr_make(uint8_t *f, uint8_t tpdu, unsigned clen, int extra)
{
    size_t n = 4;
    f[n++] = 0; /* COTP length, below */
    f[n++] = 0xE0;
    f[n++] = 0;
    f[n++] = 0;
    f[n++] = 0x00;
    f[n++] = 0x05; /* source reference */
    f[n++] = 0;
    f[n++] = 0xC0;
    f[n++] = 1;
    f[n++] = tpdu;
    f[n++] = 0xC1;
    f[n++] = (uint8_t)clen;
    for (unsigned i = 0; i < clen; i++)
        f[n++] = i == 0 ? 0x01 : 0x00;
    f[n++] = 0xC2;
    f[n++] = 2;
    f[n++] = 0x01;
    f[n++] = 0x02;
    if (extra) {
        f[n++] = 0xC6;
        f[n++] = 1;
        f[n++] = 0x01;
    }
    f[0] = 3;
    f[1] = 0;
    f[2] = (uint8_t)(n >> 8);
    f[3] = (uint8_t)n;
    f[4] = (uint8_t)(n - 5);
    return n;
}

static size_t setup_make(uint8_t *f, uint16_t pdu, uint16_t amq)
{
    uint8_t p[32];
    s7_setup s = {amq, amq, pdu};
    int n = s7_setup_req_encode(p, sizeof p, 0x0100, &s);
    return st_dt(f, p, (size_t)n);
}

static size_t read_make(uint8_t *f, uint16_t ref, uint32_t off, uint16_t len)
{
    uint8_t p[64];
    s7_var_spec sp = {S7_TS_BYTE, len, 1, S7_AREA_DB, off * 8};
    int n = s7_read_req_encode(p, sizeof p, ref, &sp, 1);
    return st_dt(f, p, (size_t)n);
}

/* The answer to a read made by read_make: 1 when it holds DB1's bytes off..off+len. */
static int read_ok(const rx *r, uint16_t ref, uint32_t off, uint16_t len)
{
    s7_pdu p;
    s7_data_item it;
    if (r->cotp != 0xF0 || s7_pdu_decode(r->pdu, r->len, &p) < 0 || p.ref != ref ||
        s7_read_resp_decode(&p, &it, 1) < 0 || it.rc != S7_RC_OK || it.nbytes != len)
        return 0;
    for (uint32_t i = 0; i < len; i++)
        if (it.data[i] != pat(off + i))
            return 0;
    return 1;
}

/* Connect, CR (given), CC, setup: the fd, the setup answer in *su; -1 on failure. */
static int open_conn(uint16_t port, const uint8_t *cr, size_t crn, uint16_t pdu, uint16_t amq,
                     s7_setup *su, rx *cc)
{
    static rx x;
    if (!cc)
        cc = &x;
    int fd = t_dial(port);
    uint8_t f[128];
    if (fd < 0)
        return -1;
    if (tx_all(fd, cr, crn) < 0 || rx_next(fd, cc, WAIT_MS) != 1 || cc->cotp != 0xD0) {
        close(fd);
        return -1;
    }
    size_t n = setup_make(f, pdu, amq);
    s7_pdu p;
    if (tx_all(fd, f, n) < 0 || rx_next(fd, &x, WAIT_MS) != 1 ||
        s7_pdu_decode(x.pdu, x.len, &p) < 0 || s7_setup_decode(&p, su) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static int open_std(uint16_t port, uint16_t pdu, uint16_t amq, s7_setup *su)
{
    uint8_t cr[64];
    size_t n = cr_make(cr, 0x0A, 2, 0);
    return open_conn(port, cr, n, pdu, amq, su, NULL);
}

/* ------------------------------------------------------------ the cases */

static void test_byte_per_send(int shared)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(shared)) == 0);
    int fd = t_dial(s.port);
    CHECK(fd >= 0);
    uint8_t f[512];
    size_t n = cr_make(f, 0x0A, 2, 0);
    n += setup_make(f + n, 240, 1);
    size_t r1 = read_make(f + n, 0x0101, 10, 20);
    n += r1;
    for (size_t i = 0; i < n && fd >= 0; i++) {
        CHECK(tx_all(fd, f + i, 1) == 0);
        pause_us(200); /* its own segment */
    }
    static rx x;
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK_INT(x.cotp, 0xD0);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK(x.len > 10 && x.pdu[1] == S7_ACK_DATA && x.pdu[12] == S7_FN_SETUP);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK(read_ok(&x, 0x0101, 10, 20));
    close(fd);
    station_stop(&s);
}

static void test_joined(int shared)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(shared)) == 0);
    /* CR alone, then setup and three reads in one segment */
    int fd = t_dial(s.port);
    uint8_t f[1024];
    size_t n = cr_make(f, 0x0A, 2, 0);
    static rx x;
    CHECK(tx_all(fd, f, n) == 0);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1 && x.cotp == 0xD0);
    n = setup_make(f, 240, 3);
    for (uint16_t i = 0; i < 3; i++)
        n += read_make(f + n, (uint16_t)(0x200 + i), 100u * i, 8);
    CHECK(tx_all(fd, f, n) == 0);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK(x.len > 12 && x.pdu[12] == S7_FN_SETUP);
    for (uint16_t i = 0; i < 3; i++) {
        CHECK(rx_next(fd, &x, WAIT_MS) == 1);
        CHECK(read_ok(&x, (uint16_t)(0x200 + i), 100u * i, 8));
    }
    /* five more in one segment, their frames cut at odd places over two sends */
    n = 0;
    for (uint16_t i = 0; i < 5; i++)
        n += read_make(f + n, (uint16_t)(0x300 + i), 7u * i, 5);
    CHECK(tx_all(fd, f, 13) == 0);
    pause_us(2000);
    CHECK(tx_all(fd, f + 13, n - 13) == 0);
    for (uint16_t i = 0; i < 5; i++) {
        CHECK(rx_next(fd, &x, WAIT_MS) == 1);
        CHECK(read_ok(&x, (uint16_t)(0x300 + i), 7u * i, 5));
    }
    close(fd);
    /* CR, setup and two reads in one segment (a client that does not wait for the CC) */
    fd = t_dial(s.port);
    n = cr_make(f, 0x0A, 2, 0);
    n += setup_make(f + n, 240, 1);
    n += read_make(f + n, 0x0401, 1, 1);
    n += read_make(f + n, 0x0402, 4000, 96);
    CHECK(tx_all(fd, f, n) == 0);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1 && x.cotp == 0xD0);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK(x.len > 12 && x.pdu[12] == S7_FN_SETUP);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK(read_ok(&x, 0x0401, 1, 1));
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK(read_ok(&x, 0x0402, 4000, 96));
    close(fd);
    station_stop(&s);
}

static void test_fragments(int shared)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(shared)) == 0);
    s7_setup su;
    int fd = open_std(s.port, 240, 1, &su);
    CHECK(fd >= 0);
    /* a write of 180 bytes at DB1.DBB1000 in DT fragments of 50 bytes, two empty non-EOT
     * DTs first, and the last fragment sent a byte at a time */
    uint8_t v[180], pdu[512], f[1024];
    for (int i = 0; i < 180; i++)
        v[i] = (uint8_t)(0xA0 ^ i);
    s7_var_spec sp = {S7_TS_BYTE, 180, 1, S7_AREA_DB, 1000 * 8};
    s7_data_item d;
    memset(&d, 0, sizeof d);
    d.ts = S7_DTS_BYTE;
    d.data = v;
    d.nbytes = 180;
    int pn = s7_write_req_encode(pdu, sizeof pdu, 0x0444, &sp, &d, 1);
    CHECK(pn > 200);
    size_t n = 0;
    static const uint8_t empty[7] = {3, 0, 0, 7, 2, 0xF0, 0x00};
    memcpy(f + n, empty, 7);
    n += 7;
    memcpy(f + n, empty, 7);
    n += 7;
    size_t last_at = 0;
    for (size_t off = 0; off < (size_t)pn; off += 50) {
        size_t k = (size_t)pn - off < 50 ? (size_t)pn - off : 50;
        memcpy(f + n + 7, pdu + off, k);
        last_at = n;
        n += (size_t)s7_iso_dt_wrap(f + n, k + 7, k, off + k == (size_t)pn);
    }
    CHECK(tx_all(fd, f, last_at) == 0);
    for (size_t i = last_at; i < n; i++) {
        CHECK(tx_all(fd, f + i, 1) == 0);
        pause_us(100);
    }
    static rx x;
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    s7_pdu p;
    uint8_t rc = 0;
    CHECK(s7_pdu_decode(x.pdu, x.len, &p) > 0 && p.ref == 0x0444);
    CHECK(s7_write_resp_decode(&p, &rc, 1) >= 0);
    CHECK_INT(rc, S7_RC_OK);
    uint32_t sz;
    const uint8_t *m = s7_cpu_mem(s.cpu, S7_AREA_DB, 1, &sz);
    CHECK(m && memcmp(m + 1000, v, 180) == 0);
    close(fd);
    station_stop(&s);
}

/* The CC must be what the CPU itself answers to the same CR (the source reference aside),
 * and the answers come in the TPDU size it agreed. */
static void test_odd_cr(int shared)
{
    static const uint8_t tpdus[3] = {0x07, 0x0A, 0x0D};
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(shared)) == 0);
    for (int t = 0; t < 3; t++)
        for (unsigned clen = 1; clen <= 4; clen++)
            for (int extra = 0; extra < 2; extra++) {
                uint8_t cr[64];
                size_t crn = cr_make(cr, tpdus[t], clen, extra);
                static rx cc, dcc, x;
                s7_setup su, dsu;
                int fd = open_conn(s.port, cr, crn, 240, 1, &su, &cc);
                int dfd = open_conn(s.srv_port, cr, crn, 240, 1, &dsu, &dcc);
                CHECK(fd >= 0);
                CHECK(dfd >= 0);
                if (fd < 0 || dfd < 0) {
                    fprintf(stderr, "CR tpdu %02x calling %u bytes extra %d: no %s\n", tpdus[t],
                            clen, extra, fd < 0 ? "CC through the guard" : "CC directly");
                    if (fd >= 0)
                        close(fd);
                    if (dfd >= 0)
                        close(dfd);
                    continue;
                }
                /* CC: everything but the source reference (bytes 8, 9) */
                int same = cc.len == dcc.len && memcmp(cc.pdu, dcc.pdu, 8) == 0 &&
                           memcmp(cc.pdu + 10, dcc.pdu + 10, cc.len - 10) == 0;
                if (!same)
                    fprintf(stderr, "CR tpdu %02x calling %u bytes extra %d: the CC differs\n",
                            tpdus[t], clen, extra);
                CHECK(same);
                CHECK_INT(su.pdu_len, dsu.pdu_len);
                /* a 200-byte read (a 218-byte answer): in fragments of the TPDU size
                 * agreed (0x07: 128) */
                uint8_t f[128];
                size_t n = read_make(f, 0x0555, 40, 200);
                CHECK(tx_all(fd, f, n) == 0);
                CHECK(rx_next(fd, &x, WAIT_MS) == 1);
                CHECK(read_ok(&x, 0x0555, 40, 200));
                CHECK_INT(x.frags, tpdus[t] == 0x07 ? 2 : 1);
                close(fd);
                close(dfd);
            }
    station_stop(&s);
}

/* PDU 960 and AmQ 8 asked of a CPU giving 240 and 2. */
static void test_pdu_amq(int shared)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(shared)) == 0);
    s7_setup su, dsu;
    int fd = open_std(s.port, 960, 8, &su);
    int dfd = open_std(s.srv_port, 960, 8, &dsu);
    CHECK(fd >= 0 && dfd >= 0);
    CHECK_INT(su.pdu_len, 240);
    CHECK_INT(su.pdu_len, dsu.pdu_len);
    CHECK_INT(su.amq_calling, dsu.amq_calling);
    CHECK_INT(su.amq_called, dsu.amq_called);
    static rx x;
    /* the most a read answer of PDU 240 holds: 222 bytes */
    uint8_t f[2048];
    size_t n = read_make(f, 0x0601, 0, 222);
    CHECK(tx_all(fd, f, n) == 0);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    CHECK(read_ok(&x, 0x0601, 0, 222));
    /* a request larger than the PDU agreed (20 items: 262 bytes): Ack with error class
     * 0x85, nothing closed */
    s7_var_spec sp[20];
    for (int i = 0; i < 20; i++) {
        s7_var_spec one = {S7_TS_BYTE, 1, 1, S7_AREA_DB, (uint32_t)i * 8};
        sp[i] = one;
    }
    uint8_t pdu[512];
    int pn = s7_read_req_encode(pdu, sizeof pdu, 0x0602, sp, 20);
    CHECK(pn > 240);
    n = st_dt(f, pdu, (size_t)pn);
    CHECK(tx_all(fd, f, n) == 0);
    CHECK(rx_next(fd, &x, WAIT_MS) == 1);
    s7_pdu p;
    CHECK(s7_pdu_decode(x.pdu, x.len, &p) > 0);
    CHECK_INT(p.ref, 0x0602);
    CHECK_INT(p.err_class, 0x85);
    /* the CPU itself answers it so too */
    static rx dx;
    s7_pdu dp;
    CHECK(tx_all(dfd, f, n) == 0);
    CHECK(rx_next(dfd, &dx, WAIT_MS) == 1);
    CHECK(s7_pdu_decode(dx.pdu, dx.len, &dp) > 0);
    CHECK_INT(p.rosctr, dp.rosctr);
    CHECK_INT(p.err_class, dp.err_class);
    CHECK_INT(p.err_code, dp.err_code);
    /* 8 reads at once against AmQ 2: every one answered, in order */
    n = 0;
    for (uint16_t i = 0; i < 8; i++)
        n += read_make(f + n, (uint16_t)(0x700 + i), 3u * i, 30);
    CHECK(tx_all(fd, f, n) == 0);
    for (uint16_t i = 0; i < 8; i++) {
        CHECK(rx_next(fd, &x, WAIT_MS) == 1);
        CHECK(read_ok(&x, (uint16_t)(0x700 + i), 3u * i, 30));
    }
    close(fd);
    close(dfd);
    station_stop(&s);
}

/* An SZL read, its parts followed with continuation requests: the data of every part
 * joined into out (*n); 0, or -1 (with *maxpdu the largest part). */
static int szl_all(int fd, uint16_t id, uint16_t index, uint16_t ref, uint8_t *out, size_t *n,
                   size_t *maxpdu)
{
    uint8_t pdu[64], f[128];
    int k = s7_szl_req_encode(pdu, sizeof pdu, ref, id, index);
    *n = 0;
    *maxpdu = 0;
    for (int part = 0; part < 64; part++) {
        static rx x;
        if (k < 0 || tx_all(fd, f, st_dt(f, pdu, (size_t)k)) < 0 || rx_next(fd, &x, WAIT_MS) != 1)
            return -1;
        s7_pdu p;
        s7_ud u;
        if (s7_pdu_decode(x.pdu, x.len, &p) < 0 || s7_ud_decode(&p, &u) < 0 || u.err ||
            u.rc != S7_RC_OK)
            return -1;
        if (x.len > *maxpdu)
            *maxpdu = x.len;
        memcpy(out + *n, u.payload, u.plen);
        *n += u.plen;
        if (!u.last)
            return 0;
        k = s7_szl_next_req_encode(pdu, sizeof pdu, ref, u.seq);
    }
    return -1;
}

static void test_szl_parts(int shared)
{
    static const uint16_t ids[4] = {0x0011, 0x001C, 0x00A0, 0x0000};
    station s;
    CHECK(station_start(&s, st_cpu("s7-400"), pol_make(shared)) == 0);
    s7_setup su, dsu;
    int fd = open_std(s.port, 96, 1, &su);
    int dfd = open_std(s.srv_port, 96, 1, &dsu);
    CHECK(fd >= 0 && dfd >= 0);
    CHECK_INT(su.pdu_len, 96);
    CHECK_INT(dsu.pdu_len, 96);
    for (int i = 0; i < 4 && fd >= 0 && dfd >= 0; i++) {
        static uint8_t a[8192], b[8192];
        size_t an = 0, bn = 0, amax = 0, bmax = 0;
        CHECK(szl_all(fd, ids[i], 0, (uint16_t)(0x800 + i), a, &an, &amax) == 0);
        CHECK(szl_all(dfd, ids[i], 0, (uint16_t)(0x800 + i), b, &bn, &bmax) == 0);
        CHECK(an > 96 - 26); /* more than one part of PDU 96 */
        CHECK(amax <= 96);
        CHECK_INT(an, bn);
        CHECK(an == bn && memcmp(a, b, an) == 0);
    }
    close(fd);
    close(dfd);
    station_stop(&s);
}

/* Clients leaving a shared connection with requests in flight and in the middle of an SZL
 * answer in parts: the client that stays gets every answer right. */
static void test_leave_inflight(void)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-400"), pol_make(1)) == 0);
    s7_setup su;
    int b = open_std(s.port, 480, 4, &su);
    CHECK(b >= 0);
    static rx x;
    uint8_t f[4096];
    for (int round = 0; round < 10 && !t_fail; round++) {
        s7_setup asu;
        int a = open_std(s.port, round & 1 ? 128 : 480, 8, &asu);
        CHECK(a >= 0);
        size_t n = 0;
        for (uint16_t i = 0; i < 8; i++)
            n += read_make(f + n, (uint16_t)(0x900 + i), 50u * i, 100);
        uint8_t pdu[64];
        int k = s7_szl_req_encode(pdu, sizeof pdu, 0x9FF, 0x00A0, 0);
        n += st_dt(f + n, pdu, (size_t)k);
        CHECK(tx_all(a, f, n) == 0);
        if (round & 2) /* the first answers, then away */
            CHECK(rx_next(a, &x, WAIT_MS) == 1);
        close(a);
        /* b: reads and an SZL read of its own */
        n = 0;
        for (uint16_t i = 0; i < 6; i++)
            n += read_make(f + n, (uint16_t)(0xA00 + i), 11u * i + (unsigned)round, 40);
        k = s7_szl_req_encode(pdu, sizeof pdu, 0xAFF, 0x0011, 0);
        n += st_dt(f + n, pdu, (size_t)k);
        CHECK(tx_all(b, f, n) == 0);
        for (uint16_t i = 0; i < 6; i++) {
            CHECK(rx_next(b, &x, WAIT_MS) == 1);
            CHECK(read_ok(&x, (uint16_t)(0xA00 + i), 11u * i + (unsigned)round, 40));
        }
        CHECK(rx_next(b, &x, WAIT_MS) == 1);
        s7_pdu p;
        s7_ud u;
        CHECK(s7_pdu_decode(x.pdu, x.len, &p) > 0 && p.ref == 0xAFF);
        CHECK(s7_ud_decode(&p, &u) >= 0 && u.rc == S7_RC_OK && u.plen > 8);
        /* and nothing else: the answers to the client gone were dropped */
        CHECK_INT(rx_next(b, &x, 50), 0);
    }
    close(b);
    station_stop(&s);
}

/* A client that leaves an SZL answer in parts unfinished (the CPU said more follow; it
 * reads something else instead, then nothing) must not hold up the Userdata requests of
 * the other clients of a shared connection. */
static void test_szl_abandoned(void)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(1)) == 0);
    s7_setup su;
    int a = open_std(s.port, 240, 1, &su);
    int b = open_std(s.port, 240, 1, &su);
    CHECK(a >= 0 && b >= 0);
    uint8_t pdu[64], f[256];
    static rx x;
    /* SZL 0x0000 of a 300 (every SZL ID it has) does not fit PDU 240: more follow */
    int k = s7_szl_req_encode(pdu, sizeof pdu, 0x0B01, 0x0000, 0);
    CHECK(tx_all(a, f, st_dt(f, pdu, (size_t)k)) == 0);
    CHECK(rx_next(a, &x, WAIT_MS) == 1);
    s7_pdu p;
    s7_ud u;
    CHECK(s7_pdu_decode(x.pdu, x.len, &p) > 0 && s7_ud_decode(&p, &u) >= 0);
    CHECK_INT(u.last, 1); /* more follow */
    /* a reads something else instead */
    CHECK(tx_all(a, f, read_make(f, 0x0B02, 0, 4)) == 0);
    CHECK(rx_next(a, &x, WAIT_MS) == 1);
    CHECK(read_ok(&x, 0x0B02, 0, 4));
    /* b's SZL read is answered */
    k = s7_szl_req_encode(pdu, sizeof pdu, 0x0B03, 0x0011, 0);
    CHECK(tx_all(b, f, st_dt(f, pdu, (size_t)k)) == 0);
    CHECK(rx_next(b, &x, WAIT_MS) == 1);
    CHECK(s7_pdu_decode(x.pdu, x.len, &p) > 0 && p.ref == 0x0B03);
    CHECK(s7_ud_decode(&p, &u) >= 0 && u.rc == S7_RC_OK);
    /* and again when a stays silent after the first part */
    k = s7_szl_req_encode(pdu, sizeof pdu, 0x0B04, 0x0000, 0);
    CHECK(tx_all(a, f, st_dt(f, pdu, (size_t)k)) == 0);
    CHECK(rx_next(a, &x, WAIT_MS) == 1);
    k = s7_szl_req_encode(pdu, sizeof pdu, 0x0B05, 0x0011, 0);
    CHECK(tx_all(b, f, st_dt(f, pdu, (size_t)k)) == 0);
    CHECK(rx_next(b, &x, 3 * WAIT_MS) == 1);
    CHECK(s7_pdu_decode(x.pdu, x.len, &p) > 0 && p.ref == 0x0B05);
    close(a);
    close(b);
    station_stop(&s);
}

int main(void)
{
    for (int shared = 0; shared < 2; shared++) {
        test_byte_per_send(shared);
        test_joined(shared);
        test_fragments(shared);
        test_odd_cr(shared);
        test_pdu_amq(shared);
        test_szl_parts(shared);
    }
    test_leave_inflight();
    test_szl_abandoned();
    return t_done();
}
