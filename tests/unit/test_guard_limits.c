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
 *   the client's connection is closed with the reason logged, never left waiting;
 * - a client that sends more requests at once than the guard queues for it (64): it is not
 *   read while its queue is full and gets every answer once the queue drains (the requests
 *   past the 64th, already read, were left unserved: the client waited for good).
 *
 * Every wait is bounded; the fake CPUs answer from their own thread. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "guard_station.h"
#include "t.h"

#define WAIT_MS 2000

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
    /* past DB1's end in the CPU (4096 bytes): items the CPU refuses (0x05) */
    s7_policy_add_range(pt, S7_AREA_DB, 1, 0, 8192, S7_POL_READ | S7_POL_WRITE);
    s7_policy_add_range(pt, S7_AREA_DB, 5, 0, 16, S7_POL_WRITE);
    return pol;
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
    if (tx_all(fd, f, st_cr(f)) < 0 || rx_next(fd, &x, WAIT_MS) != 1 || x.cotp != 0xD0 ||
        tx_all(fd, f, st_dt(f, p, (size_t)n)) < 0 || rx_next(fd, &x, WAIT_MS) != 1 ||
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
    if (tx_all(fd, f, st_dt(f, pdu, n)) < 0)
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
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(shared)) == 0);
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

/* ---------------------------------------------------------------- a fake CPU */

/* A CPU on loopback, its own thread, up to 8 connections at once: CC to every CR, AmQ 4
 * and PDU 240 to the setup, and to a Read Var the items' bytes (zero), except: a read whose
 * first item starts at byte 1000 or later is never answered (silent); with fewer, an answer
 * to two or more items leaves the last one out. */
typedef struct fakecpu {
    int lfd;
    uint16_t port;
    int fewer;
    volatile int stop;
    pthread_t th;
    int conns; /* connections accepted */
} fakecpu;

static void fake_serve(fakecpu *fc, int fd)
{
    static rx q;
    static uint8_t f[8192];
    uint8_t p[4096], zero[1024];
    memset(zero, 0, sizeof zero);
    int r = rx_next(fd, &q, 200);
    if (r <= 0)
        return;
    if (q.cotp == 0xE0) { /* CR -> CC (its parameters echoed) */
        st_cc_echo(fd, &q);
        return;
    }
    if (q.cotp != 0xF0)
        return;
    s7_pdu pd;
    if (s7_pdu_decode(q.pdu, q.len, &pd) < 0 || pd.rosctr != S7_JOB || pd.param_len < 2)
        return;
    int n = -1;
    if (pd.param[0] == S7_FN_SETUP) {
        s7_setup su = {4, 4, 240};
        n = s7_setup_resp_encode(p, sizeof p, pd.ref, &su);
    } else if (pd.param[0] == S7_FN_READ) {
        uint8_t fn;
        s7_var_spec sp[20];
        unsigned k = 0;
        if (s7_var_req_decode(&pd, &fn, sp, 20, &k) < 0 || k == 0 || (sp[0].addr >> 3) >= 1000)
            return;
        s7_data_item it[20];
        memset(it, 0, sizeof it);
        for (unsigned i = 0; i < k; i++) {
            it[i].rc = S7_RC_OK;
            it[i].ts = S7_DTS_BYTE;
            it[i].data = zero;
            it[i].nbytes = sp[i].count < sizeof zero ? sp[i].count : sizeof zero;
        }
        n = s7_read_resp_encode(p, sizeof p, pd.ref, it, fc->fewer && k > 1 ? k - 1 : k);
    }
    if (n > 0)
        tx_all(fd, f, st_dt(f, p, (size_t)n));
}

static void *fake_main(void *a)
{
    fakecpu *fc = a;
    int fds[8];
    int nfd = 0;
    while (!fc->stop) {
        struct pollfd pl[9];
        pl[0] = (struct pollfd){fc->lfd, POLLIN, 0};
        for (int i = 0; i < nfd; i++)
            pl[i + 1] = (struct pollfd){fds[i], POLLIN, 0};
        if (poll(pl, (nfds_t)nfd + 1, 50) <= 0)
            continue;
        /* the connections polled (one accepted now waits for the next round) */
        for (int i = nfd - 1; i >= 0; i--) {
            if (!(pl[i + 1].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            char c;
            if (recv(fds[i], &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0) {
                close(fds[i]);
                fds[i] = fds[--nfd];
                continue;
            }
            fake_serve(fc, fds[i]);
        }
        if ((pl[0].revents & POLLIN) && nfd < 8) {
            int fd = accept(fc->lfd, NULL, NULL);
            if (fd >= 0) {
                fds[nfd++] = fd;
                fc->conns++;
            }
        }
    }
    for (int i = 0; i < nfd; i++)
        close(fds[i]);
    return NULL;
}

static int fake_start(fakecpu *fc, int fewer)
{
    memset(fc, 0, sizeof *fc);
    fc->fewer = fewer;
    fc->lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t al = sizeof a;
    if (fc->lfd < 0 || bind(fc->lfd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(fc->lfd, 16) != 0 || getsockname(fc->lfd, (struct sockaddr *)&a, &al) != 0)
        return -1;
    fc->port = ntohs(a.sin_port);
    return pthread_create(&fc->th, NULL, fake_main, fc) == 0 ? 0 : -1;
}

static void fake_stop(fakecpu *fc)
{
    fc->stop = 1;
    pthread_join(fc->th, NULL);
    close(fc->lfd);
}

/* The audit records a guard made (its thread writes, the test reads). */
typedef struct rec {
    char op[16], result[80];
    int action;
    uint16_t db;
    uint32_t offset;
} rec;
static rec recs[64];
static int nrecs;
static pthread_mutex_t recs_mu = PTHREAD_MUTEX_INITIALIZER;

static void on_decision(void *ctx, const s7_guard_decision *d)
{
    (void)ctx;
    pthread_mutex_lock(&recs_mu);
    if (nrecs < 64 && d->has_range) {
        rec *r = &recs[nrecs++];
        snprintf(r->op, sizeof r->op, "%s", d->op);
        snprintf(r->result, sizeof r->result, "%s", d->result);
        r->action = d->action;
        r->db = d->db;
        r->offset = d->offset;
    }
    pthread_mutex_unlock(&recs_mu);
}

/* The result of the record of op on DB db at offset ("" none). */
static const char *rec_result(const char *op, uint16_t db, uint32_t offset)
{
    static char out[80];
    out[0] = 0;
    pthread_mutex_lock(&recs_mu);
    for (int i = 0; i < nrecs; i++)
        if (strcmp(recs[i].op, op) == 0 && recs[i].db == db && recs[i].offset == offset)
            snprintf(out, sizeof out, "%s", recs[i].result);
    pthread_mutex_unlock(&recs_mu);
    return out;
}

/* A guard (its own thread) in front of the CPU on port cpu with policy pol and the
 * request deadline ms (audit records into recs). */
static s7_guard *guard_at(uint16_t cpu, s7_policy *pol, int64_t request_ms, pthread_t *th)
{
    char up[64];
    snprintf(up, sizeof up, "127.0.0.1:%u", cpu);
    s7_guard_opts o;
    s7_guard_opts_init(&o);
    o.listen = "127.0.0.1:0";
    o.upstream = up;
    o.request_timeout_ms = request_ms;
    o.on_decision = on_decision;
    s7_guard *g = NULL;
    int ok = s7_guard_new(&g, &o, pol) == 0 && s7_guard_start(g) == 0;
    if (ok) /* each read a request of its own: the CPU's AmQ counts them */
        s7_guard_set_coalesce(g, 0);
    if (!ok || pthread_create(th, NULL, st_guard_main, g) != 0) {
        s7_guard_free(g);
        return NULL;
    }
    return g;
}

static s7_guard *guard_on(const fakecpu *fc, s7_policy *pol, int64_t request_ms, pthread_t *th)
{
    return guard_at(fc->port, pol, request_ms, th);
}

static void guard_off(s7_guard *g, pthread_t th)
{
    s7_guard_stop(g);
    pthread_join(th, NULL);
    s7_guard_free(g);
}

static size_t read1(uint8_t *p, size_t cap, uint16_t ref, uint16_t db, uint32_t off, uint16_t len)
{
    s7_var_spec sp = {S7_TS_BYTE, len, db, S7_AREA_DB, off * 8};
    int n = s7_read_req_encode(p, cap, ref, &sp, 1);
    return n > 0 ? (size_t)n : 0;
}

/* ---------------------------------------------------------------- unanswered requests */

/* A client pipelines 8 reads the CPU never answers (AmQ 4: the shared connection's slots
 * all taken) and leaves; another's unanswered read is in flight at the deadline: its
 * connection is closed; a client after that reads on a fresh upstream connection. */
static void test_unanswered(void)
{
    fakecpu fc;
    CHECK(fake_start(&fc, 0) == 0);
    pthread_t th;
    s7_guard *g = guard_on(&fc, pol_make(1), 400, &th);
    CHECK(g != NULL);
    if (!g) {
        fake_stop(&fc);
        return;
    }
    uint16_t port = s7_guard_port(g);
    uint8_t p[64], f[128];
    static rx x;
    int a = open_client(port, 240, NULL);
    CHECK(a >= 0);
    for (int i = 0; i < 8; i++) {
        size_t n = read1(p, sizeof p, (uint16_t)(100 + i), 1, 2000, 4);
        CHECK(tx_all(a, f, st_dt(f, p, n)) == 0);
    }
    usleep(100000);
    close(a);
    int d = open_client(port, 240, NULL);
    CHECK(d >= 0);
    /* its read waits for a slot the CPU never gives back, until the deadline */
    size_t n = read1(p, sizeof p, 7, 1, 0, 4);
    int r = ask(d, p, n, &x, 3000);
    CHECK_INT(r, -1);
    close(d);
    int c = open_client(port, 240, NULL);
    CHECK(c >= 0);
    n = read1(p, sizeof p, 8, 1, 0, 4);
    r = ask(c, p, n, &x, 3000);
    CHECK_INT(r, 1);
    s7_pdu q;
    s7_data_item it;
    CHECK(r == 1 && s7_pdu_decode(x.pdu, x.len, &q) > 0 && q.ref == 8 &&
          s7_read_resp_decode(&q, &it, 1) >= 0 && it.rc == S7_RC_OK);
    close(c);
    s7_guard_stats st;
    s7_guard_stats_get(g, &st);
    CHECK(st.closed_timeout >= 1);
    CHECK(fc.conns >= 2); /* a fresh connection to the CPU */
    printf("unanswered requests: %llu connections closed by a deadline, %d CPU connections\n",
           (unsigned long long)st.closed_timeout, fc.conns);
    guard_off(g, th);
    fake_stop(&fc);
}

/* ---------------------------------------------------------------- ports */

/* A port outside 1..65535 (upstream) or 0..65535 (listen) is refused, not wrapped to 16
 * bits (70000 would connect to 4464, 99999 listen on 34463). */
static void test_ports(void)
{
    static const char *const ups[] = {"127.0.0.1:70000", "127.0.0.1:0", "[::1]:65536", "h:-1"};
    for (size_t i = 0; i < sizeof ups / sizeof ups[0]; i++) {
        s7_guard_opts o;
        s7_guard_opts_init(&o);
        o.upstream = ups[i];
        s7_guard *g = NULL;
        CHECK_INT(s7_guard_new(&g, &o, pol_make(0)), S7_ERR_INVAL);
        CHECK(g == NULL);
    }
    s7_guard_opts o;
    s7_guard_opts_init(&o);
    o.upstream = "127.0.0.1:65535";
    o.listen = "127.0.0.1:99999";
    s7_guard *g = NULL;
    CHECK_INT(s7_guard_new(&g, &o, pol_make(0)), 0);
    if (g)
        CHECK_INT(s7_guard_start(g), S7_ERR_INVAL);
    s7_guard_free(g);
}

/* ---------------------------------------------------------------- the CPU's results */

/* Items the policy allows and the CPU refuses (DB5, which the CPU lacks: 0x0A): the audit
 * record carries the CPU's code, as the emulator's log does; the others "ok", the item the
 * policy refuses "0x03 access denied". */
static void test_audit_result(int shared)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), NULL) == 0);
    pthread_t th;
    pthread_mutex_lock(&recs_mu);
    nrecs = 0;
    pthread_mutex_unlock(&recs_mu);
    s7_guard *g = guard_at(s.srv_port, pol_make(shared), 10000, &th);
    CHECK(g != NULL);
    if (!g) {
        station_stop(&s);
        return;
    }
    int fd = open_client(s7_guard_port(g), 240, NULL);
    CHECK(fd >= 0);
    uint8_t p[256], v[2] = {1, 2};
    static rx x;
    s7_pdu q;
    /* DB5.DBW0 (allowed, missing in the CPU), DB1.DBW2 (allowed), DB2.DBW0 (refused) */
    s7_var_spec w[3] = {{S7_TS_BYTE, 2, 5, S7_AREA_DB, 0},
                        {S7_TS_BYTE, 2, 1, S7_AREA_DB, 16},
                        {S7_TS_BYTE, 2, 2, S7_AREA_DB, 0}};
    s7_data_item d[3];
    memset(d, 0, sizeof d);
    for (int i = 0; i < 3; i++) {
        d[i].data = v;
        d[i].nbytes = 2;
    }
    int n = s7_write_req_encode(p, sizeof p, 21, w, d, 3);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    uint8_t rcs[3] = {0, 0, 0};
    CHECK(s7_pdu_decode(x.pdu, x.len, &q) > 0 && s7_write_resp_decode(&q, rcs, 3) >= 0);
    CHECK_INT(rcs[0], S7_RC_NOT_FOUND);
    CHECK_INT(rcs[1], S7_RC_OK);
    CHECK_INT(rcs[2], S7_RC_ACCESS_DENIED);
    /* a write of DB5 alone: the request passed as it is */
    s7_var_spec w5 = {S7_TS_BYTE, 2, 5, S7_AREA_DB, 4 * 8};
    n = s7_write_req_encode(p, sizeof p, 23, &w5, d, 1);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    /* a read of DB1 past its end (0x05) and within it */
    s7_var_spec r[2] = {{S7_TS_BYTE, 4, 1, S7_AREA_DB, 4094 * 8},
                        {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0}};
    n = s7_read_req_encode(p, sizeof p, 22, r, 2);
    CHECK(ask(fd, p, (size_t)n, &x, WAIT_MS) == 1);
    close(fd);
    CHECK_STR(rec_result("write", 5, 0), "0x0A object does not exist");
    CHECK_STR(rec_result("write", 5, 4), "0x0A object does not exist");
    CHECK_STR(rec_result("write", 1, 2), "ok");
    CHECK_STR(rec_result("write", 2, 0), "0x03 access denied");
    CHECK_STR(rec_result("read", 1, 4094), "0x05 address out of range");
    CHECK_STR(rec_result("read", 1, 0), "ok");
    printf("the CPU's results in the audit (%s)\n", shared ? "shared" : "dedicated");
    guard_off(g, th);
    station_stop(&s);
}

/* ---------------------------------------------------------------- replies that do not fit */

/* A read with an item the policy refuses goes to the CPU without it; the CPU's answer to
 * the two items left answers one only: the client's connection is closed (it would wait
 * for good), another client of the same upstream goes on. */
static void test_reply_misfit(int shared)
{
    fakecpu fc;
    CHECK(fake_start(&fc, 1) == 0);
    pthread_t th;
    s7_guard *g = guard_on(&fc, pol_make(shared), 10000, &th);
    CHECK(g != NULL);
    if (!g) {
        fake_stop(&fc);
        return;
    }
    uint16_t port = s7_guard_port(g);
    int a = open_client(port, 240, NULL), b = open_client(port, 240, NULL);
    CHECK(a >= 0 && b >= 0);
    uint8_t p[128];
    static rx x;
    s7_var_spec sp[3] = {{S7_TS_BYTE, 2, 1, S7_AREA_DB, 0},
                         {S7_TS_BYTE, 2, 2, S7_AREA_DB, 0},
                         {S7_TS_BYTE, 2, 1, S7_AREA_DB, 64}};
    int n = s7_read_req_encode(p, sizeof p, 31, sp, 3);
    CHECK_INT(ask(a, p, (size_t)n, &x, WAIT_MS), -1);
    n = (int)read1(p, sizeof p, 32, 1, 0, 4);
    CHECK_INT(ask(b, p, (size_t)n, &x, WAIT_MS), 1);
    s7_pdu q;
    CHECK(s7_pdu_decode(x.pdu, x.len, &q) > 0 && q.ref == 32);
    close(a);
    close(b);
    printf("a reply that does not fit its request (%s): the client closed\n",
           shared ? "shared" : "dedicated");
    guard_off(g, th);
    fake_stop(&fc);
}

/* ---------------------------------------------------------------- a full queue */

/* 100 reads in one send, past the 64 the guard queues per client: all 100 answered, in
 * order, each with its bytes of DB1 (byte i = i * 7 + 3). */
static void test_queue_full(int shared)
{
    station s;
    CHECK(station_start(&s, st_cpu("s7-300"), pol_make(shared)) == 0);
    uint16_t got = 0;
    int fd = open_client(s.port, 240, &got);
    CHECK(fd >= 0);
    static uint8_t f[100 * 48];
    size_t len = 0;
    for (int i = 0; i < 100; i++) {
        uint8_t p[64];
        size_t n = read1(p, sizeof p, (uint16_t)(200 + i), 1, (uint32_t)i, 2);
        len += st_dt(f + len, p, n);
    }
    CHECK(tx_all(fd, f, len) == 0);
    static rx x;
    int answers = 0, right = 0;
    while (answers < 100 && rx_next(fd, &x, WAIT_MS) == 1) {
        s7_pdu q;
        s7_data_item it[1];
        if (s7_pdu_decode(x.pdu, x.len, &q) > 0 && q.ref == 200 + answers &&
            s7_read_resp_decode(&q, it, 1) >= 0 && it[0].rc == S7_RC_OK && it[0].nbytes == 2 &&
            it[0].data[0] == (uint8_t)(answers * 7 + 3) &&
            it[0].data[1] == (uint8_t)((answers + 1) * 7 + 3))
            right++;
        answers++;
    }
    CHECK_INT(answers, 100);
    CHECK_INT(right, 100);
    close(fd);
    printf("100 requests at once (%s): %d answered, %d with their own bytes\n",
           shared ? "shared" : "dedicated", answers, right);
    station_stop(&s);
}

int main(void)
{
    test_ports();
    test_queue_full(1);
    test_queue_full(0);
    test_pdu(1);
    test_pdu(0);
    test_unanswered();
    test_audit_result(1);
    test_audit_result(0);
    test_reply_misfit(1);
    test_reply_misfit(0);
    return t_done();
}
