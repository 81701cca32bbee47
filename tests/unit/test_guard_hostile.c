/* The guard (the engine, guard.h, on loopback) against what hostile or broken peers send
 * (issue 12: "nothing a client or the CPU sends can crash it"; a malformed frame closes
 * only its own connection):
 *
 * - clients that connect properly (CR, setup) and then send garbage: random bytes, frames
 *   with a valid TPKT and COTP header around random S7 PDUs, valid requests with bytes
 *   flipped; meanwhile a well-behaved client of the same shared upstream reads and checks
 *   its data after every hostile client, and a new client still gets in at the end;
 * - a CPU that answers the guard's CR and setup properly and then every request with a
 *   broken answer (bytes flipped, cut, lengthened, an unknown reference, a Job or a push
 *   instead, cut into odd DT fragments): the guard may close the clients of that
 *   connection, never itself, and keeps serving new ones.
 *
 * Deterministic (a fixed seed), every loop bounded in count and every wait in time; under
 * ASan and UBSan a memory error or undefined behaviour fails the test. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guard_station.h"
#include "t.h"

#define WAIT_MS 2000

static uint32_t rng = 0x5EED1234u;

static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng;
}

static s7_policy *pol_make(void)
{
    s7_policy *pol = s7_policy_new();
    s7_policy_partner *pt = pol ? s7_policy_add_partner(pol, "hostile") : NULL;
    if (!pt)
        return pol;
    pt->any_addr = 1;
    pt->services = S7_POL__ALL;
    pt->shared = 1;
    pol->shared_upstreams = 1;
    s7_policy_add_range(pt, S7_AREA_DB, 1, 0, 256, S7_POL_READ | S7_POL_WRITE);
    return pol;
}

static int open_client(uint16_t port)
{
    int fd = t_dial(port);
    uint8_t f[64], p[32];
    static rx x;
    s7_setup s = {1, 1, 240};
    if (fd < 0)
        return -1;
    int n = s7_setup_req_encode(p, sizeof p, 1, &s);
    if (tx_all(fd, f, st_cr(f)) < 0 || rx_next(fd, &x, WAIT_MS) != 1 || x.cotp != 0xD0 ||
        tx_all(fd, f, st_dt(f, p, (size_t)n)) < 0 || rx_next(fd, &x, WAIT_MS) != 1) {
        close(fd);
        return -1;
    }
    return fd;
}

static size_t read_pdu(uint8_t *p, size_t cap, uint16_t ref, uint32_t off, uint16_t len)
{
    s7_var_spec sp = {S7_TS_BYTE, len, 1, S7_AREA_DB, off * 8};
    int n = s7_read_req_encode(p, cap, ref, &sp, 1);
    return n > 0 ? (size_t)n : 0;
}

/* A read through fd of DB1 off..off+len: 1 when the answer has the CPU's bytes. */
static int good_read(int fd, const uint8_t *db, uint16_t ref, uint32_t off, uint16_t len)
{
    uint8_t p[64], f[128];
    static rx x;
    size_t n = read_pdu(p, sizeof p, ref, off, len);
    if (tx_all(fd, f, st_dt(f, p, n)) < 0 || rx_next(fd, &x, WAIT_MS) != 1)
        return 0;
    s7_pdu q;
    s7_data_item it;
    return s7_pdu_decode(x.pdu, x.len, &q) > 0 && q.ref == ref &&
           s7_read_resp_decode(&q, &it, 1) >= 0 && it.rc == S7_RC_OK && it.nbytes == len &&
           memcmp(it.data, db + off, len) == 0;
}

/* One burst of garbage of one of several kinds into f: its length. */
static size_t garbage(uint8_t *f, size_t cap)
{
    uint8_t p[600];
    size_t n = 0;
    switch (rnd() % 5) {
    case 0: /* random bytes */
        n = 1 + rnd() % 300;
        for (size_t i = 0; i < n; i++)
            f[i] = (uint8_t)rnd();
        return n;
    case 1: { /* a DT around a random S7 PDU with a plausible header */
        size_t k = 10 + rnd() % 200;
        for (size_t i = 0; i < k; i++)
            p[i] = (uint8_t)rnd();
        p[0] = 0x32;
        p[1] = (uint8_t)(rnd() % 8);
        p[6] = (uint8_t)((k - 10) >> 9);
        p[7] = (uint8_t)(rnd() % 64);
        return st_dt(f, p, k);
    }
    case 2: { /* a valid request with bytes flipped */
        size_t k = read_pdu(p, sizeof p, (uint16_t)rnd(), rnd() % 300, (uint16_t)(1 + rnd() % 40));
        for (int i = 0, m = 1 + (int)(rnd() % 4); i < m; i++)
            p[rnd() % k] ^= (uint8_t)(1u << (rnd() % 8));
        return st_dt(f, p, k);
    }
    case 3: { /* a Userdata request with a random tail (SZL, cyclic, alarms ...) */
        s7_ud u;
        uint8_t pay[64];
        memset(&u, 0, sizeof u);
        u.method = (rnd() & 1) ? 0x11 : 0x12;
        u.type = S7_UD_TYPE_REQ;
        u.group = (uint8_t)(rnd() % 8);
        u.subfn = (uint8_t)(rnd() % 20);
        u.seq = (uint8_t)rnd();
        u.last = (uint8_t)(rnd() & 1);
        u.rc = 0xFF;
        u.dts = S7_DTS_OCTET;
        u.plen = (uint16_t)(rnd() % 40);
        for (int i = 0; i < u.plen; i++)
            pay[i] = (uint8_t)rnd();
        u.payload = pay;
        int k = s7_ud_encode(p, sizeof p, (uint16_t)rnd(), &u);
        return k > 0 ? st_dt(f, p, (size_t)k) : 0;
    }
    default: { /* a request cut in DT fragments with a broken EOT, or a frame cut short */
        size_t k = read_pdu(p, sizeof p, 7, 0, 4);
        size_t a = 1 + rnd() % (k - 1);
        n = (size_t)s7_iso_dt_wrap(f, a + 7, a, rnd() & 1);
        memcpy(f + 7, p, a);
        if (rnd() & 1) {
            f[3] = (uint8_t)(f[3] + 1 + rnd() % 5); /* TPKT longer than what follows */
            return n;
        }
        memcpy(f + n + 7, p + a, k - a);
        n += (size_t)s7_iso_dt_wrap(f + n, k - a + 7, k - a, 1);
        (void)cap;
        return n;
    }
    }
}

static void test_hostile_clients(void)
{
    station s;
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    if (cpu) {
        s7_cpu_set_location(cpu, 0, 2);
        s7_cpu_add_db(cpu, 1, 256, 0);
        uint32_t sz;
        uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
        for (uint32_t i = 0; m && i < sz; i++)
            m[i] = (uint8_t)(i ^ 0x5A);
    }
    CHECK(station_start(&s, cpu, pol_make()) == 0);
    uint8_t db[256];
    for (int i = 0; i < 256; i++)
        db[i] = (uint8_t)(i ^ 0x5A);
    int good = open_client(s.port);
    CHECK(good >= 0);
    int bad_reads = 0;
    for (int round = 0; round < 150; round++) {
        int h = open_client(s.port);
        if (h < 0) {
            bad_reads++;
            continue;
        }
        uint8_t f[1024];
        for (int b = 0; b < 4; b++) {
            size_t n = garbage(f, sizeof f);
            if (n && tx_all(h, f, n) < 0)
                break;
        }
        /* whatever it gets back (answers, refusals, a close), without waiting long */
        static rx x;
        for (int k = 0; k < 8 && rx_next(h, &x, 20) == 1; k++) {
        }
        close(h);
        if (!good_read(good, db, (uint16_t)(0x100 + round), (uint32_t)(round % 200), 16))
            bad_reads++;
    }
    CHECK_INT(bad_reads, 0);
    close(good);
    /* a newcomer still gets in and reads */
    int late = open_client(s.port);
    CHECK(late >= 0);
    CHECK(late >= 0 && good_read(late, db, 0x7777, 100, 32));
    if (late >= 0)
        close(late);
    station_stop(&s);
}

/* ------------------------------------------------------------ a broken CPU */

typedef struct badcpu {
    int lfd;
    uint16_t port;
    volatile int stop;
    pthread_t th;
    int served;
} badcpu;

/* One broken answer to request q (ref) into f: the frames' length. */
static size_t broken_answer(const rx *q, uint8_t *f, size_t cap)
{
    uint8_t p[1200];
    uint16_t ref = q->len > 5 ? st_be16(q->pdu + 4) : 0;
    uint8_t data[64];
    for (int i = 0; i < 64; i++)
        data[i] = (uint8_t)rnd();
    s7_data_item it[2];
    memset(it, 0, sizeof it);
    for (int i = 0; i < 2; i++) {
        it[i].rc = S7_RC_OK;
        it[i].ts = S7_DTS_BYTE;
        it[i].data = data;
        it[i].nbytes = 1 + rnd() % 64;
    }
    int k = s7_read_resp_encode(p, sizeof p, ref, it, 1 + (rnd() % 3 == 0));
    if (k < 0)
        k = 0;
    size_t n = (size_t)k;
    switch (rnd() % 7) {
    case 0:
        for (int i = 0, m = 1 + (int)(rnd() % 6); i < m && n; i++)
            p[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
        break;
    case 1:
        n = n ? 1 + rnd() % n : 0; /* cut */
        break;
    case 2:
        for (size_t i = 0, m = 1 + rnd() % 200; i < m && n < sizeof p; i++)
            p[n++] = (uint8_t)rnd(); /* lengthened */
        break;
    case 3:
        if (n > 5) /* an unknown reference */
            p[4] ^= 0x55;
        break;
    case 4:
        if (n > 2) /* a Job, or a push, instead */
            p[1] = (rnd() & 1) ? S7_JOB : S7_USERDATA;
        break;
    case 5: { /* odd DT fragments (an EOT too early, empty ones) */
        size_t w = 0, off = 0;
        while (off < n && w + 64 < cap) {
            size_t c = 1 + rnd() % 20;
            if (c > n - off)
                c = n - off;
            memcpy(f + w + 7, p + off, c);
            w += (size_t)s7_iso_dt_wrap(f + w, c + 7, c, rnd() % 4 == 0 || off + c == n);
            off += c;
        }
        return w;
    }
    default: break; /* a good answer now and then */
    }
    return n ? st_dt(f, p, n) : 0;
}

static void *badcpu_main(void *a)
{
    badcpu *b = a;
    while (!b->stop) {
        struct pollfd pl = {b->lfd, POLLIN, 0};
        if (poll(&pl, 1, 50) <= 0)
            continue;
        int fd = accept(b->lfd, NULL, NULL);
        if (fd < 0)
            continue;
        b->served++;
        static rx q;
        static uint8_t f[4096];
        /* CR -> CC (echo), setup -> setup answer, then broken answers */
        if (rx_next(fd, &q, WAIT_MS) == 1 && q.cotp == 0xE0) {
            st_cc_echo(fd, &q);
            if (rx_next(fd, &q, WAIT_MS) == 1 && q.cotp == 0xF0) {
                uint8_t p[32];
                s7_setup su = {4, 4, 240};
                int n = s7_setup_resp_encode(p, sizeof p, st_be16(q.pdu + 4), &su);
                tx_all(fd, f, st_dt(f, p, (size_t)n));
                for (int k = 0; k < 40 && !b->stop; k++) {
                    int r = rx_next(fd, &q, 200);
                    if (r < 0)
                        break;
                    if (r == 0)
                        continue;
                    size_t n2 = broken_answer(&q, f, sizeof f);
                    if (n2 && tx_all(fd, f, n2) < 0)
                        break;
                }
            }
        }
        close(fd);
    }
    return NULL;
}

static void test_broken_cpu(void)
{
    badcpu b;
    memset(&b, 0, sizeof b);
    b.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    CHECK(b.lfd >= 0 && bind(b.lfd, (struct sockaddr *)&a, sizeof a) == 0 &&
          listen(b.lfd, 16) == 0 && getsockname(b.lfd, (struct sockaddr *)&a, &al) == 0);
    b.port = ntohs(a.sin_port);
    CHECK(pthread_create(&b.th, NULL, badcpu_main, &b) == 0);
    char up[64];
    snprintf(up, sizeof up, "127.0.0.1:%u", b.port);
    s7_guard_opts o;
    s7_guard_opts_init(&o);
    o.listen = "127.0.0.1:0";
    o.upstream = up;
    s7_guard *g = NULL;
    CHECK(s7_guard_new(&g, &o, pol_make()) == 0 && s7_guard_start(g) == 0);
    pthread_t gt;
    CHECK(pthread_create(&gt, NULL, st_guard_main, g) == 0);
    uint16_t port = s7_guard_port(g);
    int opened = 0, answered = 0, closed = 0;
    for (int round = 0; round < 40; round++) {
        int c = open_client(port);
        if (c < 0)
            continue;
        opened++;
        uint8_t p[64], f[128];
        static rx x;
        for (int k = 0; k < 10; k++) {
            size_t n = read_pdu(p, sizeof p, (uint16_t)(k + 1), (uint32_t)k, 8);
            int r = tx_all(c, f, st_dt(f, p, n)) < 0 ? -1 : rx_next(c, &x, 300);
            answered += r == 1;
            if (r < 0) {
                closed++;
                break;
            }
        }
        close(c);
    }
    printf("broken CPU: %d clients, %d answers passed on, %d clients closed by the guard\n", opened,
           answered, closed);
    CHECK(opened >= 30); /* the guard kept taking clients */
    CHECK(b.served >= 1);
    s7_guard_stop(g);
    pthread_join(gt, NULL);
    s7_guard_free(g);
    b.stop = 1;
    pthread_join(b.th, NULL);
    close(b.lfd);
}

int main(int argc, char **argv)
{
    if (argc > 1) /* another seed, to look further */
        rng = (uint32_t)strtoul(argv[1], NULL, 0) | 1u;
    test_hostile_clients();
    test_broken_cpu();
    return t_done();
}
