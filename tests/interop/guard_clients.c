/* Helper of test_guard.sh: N clients through the guard on one thread (s7_multi), each
 * writing its own 32-byte region of a DB, then ROUNDS times reading it back with four reads
 * in flight per client (pipelined: the guard queues them on the shared upstream), checking
 * that every client gets exactly its own bytes (no cross-talk).
 *
 *   guard_clients HOST PORT SLOT N ROUNDS DB
 *
 * Prints "N clients, R rounds: K reads checked, E errors" and exits 0 only when E is 0.
 *
 *   guard_clients dbread HOST PORT SLOT DB:START:COUNT...
 *
 * reads the ranges as DBREAD items (syntax id 0xB0, one PG connection) and prints a line
 * per range: "ok HEXBYTES" or "rc XX" (its item return code).
 *
 *   guard_clients alarms HOST PORT SLOT NSUB NPLAIN EXPECT WAIT_MS
 *
 * NSUB + NPLAIN OP connections (libs7's sans-I/O s7_conn on one thread); the first NSUB
 * register with the message service for ALARM_S (as WinCC registers with a 300) and the
 * first of them asks the alarm query too; then it prints "ready" and counts the alarm
 * indications (Userdata group 4 pushes) each connection gets until every subscriber has
 * EXPECT, then 500 ms more (a duplicate would show), at most WAIT_MS.  Then the
 * subscribers but the last end their registration (alarm type 08) and the last just
 * closes.  Prints a line per connection ("client K subscribed|plain: N indications, event
 * IDs ...", "query: answered to client 0 only" when so) and exits 0 when the counts are
 * EXPECT and 0.
 *
 *   guard_clients almtypes HOST PORT SLOT WAIT_MS
 *
 * two OP connections on one shared upstream: A registers for ALARM_S (alarm type 09) and
 * then SCAN (01), B for ALARM (05); prints "ready", then counts the indications each gets
 * (ALARM_S 0x12, ALARM_8 0x05, others) until A has an ALARM_S one and B an ALARM_8 one,
 * then 500 ms more (a duplicate would show), at most WAIT_MS, and prints "phase 1: ...".
 * A ends SCAN (00); prints "ready2" and counts again until A has 2 and B has 2 ("phase 2:
 * ..."); then A ends ALARM_S (08) and B just closes.  Exits 0 when A got exactly 1 / 2
 * ALARM_S indications and nothing else, B exactly 1 / 2 ALARM_8 ones and nothing else, and
 * every registration was answered for its alarm type.
 *
 *   guard_clients szl HOST PORT SLOT PDU ID INDEX
 *
 * asks for a PDU of PDU bytes (OP connection), reads the SZL (following its continuations)
 * and prints "szl ID: N records of L bytes, PDU P" and the records' bytes in hex.
 *
 *   guard_clients hold HOST PORT SLOT N FILE
 *
 * connects N clients (OP), prints "ready", waits until FILE exists (at most 30 s), then
 * reads DB1.DBB0..3 on each and prints "N of N clients still served". */
#include <poll.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"
#include "s7/conn.h"
#include "s7/net.h"
#include "s7/wire.h"

#define MAXC 256

typedef struct slot {
    s7_item it;
    uint8_t buf[8];
    int done, result;
} slot;

static void on_done(s7_client *c, int result, void *ud)
{
    (void)c;
    slot *s = ud;
    s->done = 1;
    s->result = result;
}

static uint8_t pattern(int client, int byte) { return (uint8_t)(client * 7 + byte * 3 + 1); }

static int dbread_mode(int argc, char **argv)
{
    if (argc < 6 || argc - 5 > 16)
        return 2;
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = (uint8_t)atoi(argv[4]);
    o.type = S7_CONN_PG;
    o.connect_timeout_ms = 8000;
    o.request_timeout_ms = 8000;
    s7_client *c = s7_client_new(&o);
    int rc = c ? s7_client_connect(c, argv[2], (uint16_t)atoi(argv[3])) : S7_ERR_NOMEM;
    if (rc < 0) {
        fprintf(stderr, "connect: %s\n", s7_strerror(rc));
        s7_client_free(c);
        return 1;
    }
    s7_item it[16];
    uint8_t buf[16][255];
    size_t n = (size_t)(argc - 5);
    memset(it, 0, sizeof it);
    for (size_t i = 0; i < n; i++) {
        unsigned db, start, count;
        if (sscanf(argv[5 + i], "%u:%u:%u", &db, &start, &count) != 3 || count < 1 || count > 255)
            return 2;
        it[i].area = S7_AREA_DB;
        it[i].db = (uint16_t)db;
        it[i].start = start;
        it[i].count = count;
        it[i].buf = buf[i];
    }
    rc = s7_client_read_dbread(c, it, n);
    if (rc < 0 && rc != S7_ERR_ITEM) {
        fprintf(stderr, "read: %s\n", s7_strerror(rc));
        s7_client_free(c);
        return 1;
    }
    for (size_t i = 0; i < n; i++) {
        if (it[i].status == 0) {
            printf("ok ");
            for (uint32_t k = 0; k < it[i].count; k++)
                printf("%02X", buf[i][k]);
            printf("\n");
        } else {
            printf("rc %02X\n", it[i].rc);
        }
    }
    s7_client_free(c);
    return 0;
}

/* ---------------------------------------------------------------- alarms mode */

typedef struct acli {
    int fd, sub;
    s7_conn *c;
    int replies, reply_bad, query_ok;
    int ind;          /* ALARM_S indications received */
    uint32_t ids[16]; /* their event IDs */
    int ind8;         /* ALARM_8 indications received */
    int other_push;
} acli;

static void a_reply(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    acli *a = ctx;
    s7_ud u;
    a->replies++;
    if (pdu->rosctr != S7_USERDATA || s7_ud_decode(pdu, &u) < 0 || u.err) {
        a->reply_bad++;
        return;
    }
    if ((intptr_t)job == 2 && u.subfn == 0x13)
        a->query_ok = 1;
    if ((intptr_t)job == 1 && !(u.plen == 5 && u.payload[0] == 0x02 && u.payload[2] == 0x09))
        a->reply_bad++;
    /* 0x100 | alarm type: a registration of that type (almtypes mode) */
    if ((intptr_t)job >= 0x100 && !(u.subfn == 0x02 && u.plen == 5 && u.payload[0] == 0x02 &&
                                    u.payload[2] == ((intptr_t)job & 0xFF)))
        a->reply_bad++;
}

static void a_push(void *ctx, const s7_pdu *pdu)
{
    acli *a = ctx;
    s7_ud u;
    if (s7_ud_decode(pdu, &u) >= 0 && u.group == S7_UD_GRP_CPU && u.subfn == 0x05 && u.plen >= 22) {
        a->ind8++;
        return;
    }
    if (s7_ud_decode(pdu, &u) < 0 || u.group != S7_UD_GRP_CPU || u.subfn != 0x12 || u.plen < 22) {
        a->other_push++;
        return;
    }
    if (a->ind < 16)
        a->ids[a->ind] = (uint32_t)u.payload[14] << 24 | (uint32_t)u.payload[15] << 16 |
                         (uint32_t)u.payload[16] << 8 | u.payload[17];
    a->ind++;
}

/* Send what c has queued, receive what is there (wait up to ms).  -1 on a failure. */
static int a_step(acli *a, int n, int ms)
{
    struct pollfd pf[MAXC];
    for (int i = 0; i < n; i++) {
        const uint8_t *p;
        size_t k;
        while (a[i].fd >= 0 && (k = s7_conn_tx_pending(a[i].c, &p)) > 0) {
            ssize_t w = send(a[i].fd, p, k, MSG_NOSIGNAL);
            if (w <= 0)
                return -1;
            s7_conn_tx_done(a[i].c, (size_t)w);
        }
        pf[i].fd = a[i].fd;
        pf[i].events = POLLIN;
        pf[i].revents = 0;
    }
    if (poll(pf, (nfds_t)n, ms) < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        if (!(pf[i].revents & (POLLIN | POLLERR | POLLHUP)))
            continue;
        size_t space;
        uint8_t *p = s7_conn_rx_space(a[i].c, &space);
        ssize_t r = p ? recv(a[i].fd, p, space, 0) : -1;
        if (r <= 0 || s7_conn_rx_commit(a[i].c, (size_t)r) < 0) {
            fprintf(stderr, "client %d: connection lost\n", i);
            return -1;
        }
    }
    return 0;
}

/* A message service request: events ev, alarm type alm. */
static int a_msg(acli *a, uint8_t ev, uint8_t alm, intptr_t job)
{
    size_t cap;
    uint8_t *b = s7_conn_submit_begin(a->c, &cap);
    int n = b ? s7_msg_service_encode(b, cap, 0, ev, "s7test  ", alm) : -1;
    return n < 0 ? -1 : s7_conn_submit_end(a->c, (size_t)n, (void *)job, 0);
}

/* Connect n OP connections to host:port (slot slotn) and wait until each is ready. */
static int a_open(acli *a, int n, const char *host, uint16_t port, int slotn)
{
    for (int i = 0; i < n; i++) {
        s7_conn_cfg cfg;
        s7_conn_cfg_init(&cfg);
        cfg.local_tsap = 0x0100;
        cfg.remote_tsap = (uint16_t)(0x0200 | slotn);
        cfg.pdu_request = 240;
        cfg.amq_request = 2;
        cfg.src_ref = (uint16_t)(0x100 + i);
        cfg.on_reply = a_reply;
        cfg.on_push = a_push;
        cfg.ctx = &a[i];
        a[i].c = s7_conn_new(&cfg);
        int rc = a[i].c ? s7_tcp_connect_start(host, port, &a[i].fd) : S7_ERR_NOMEM;
        if (rc == S7_AGAIN) {
            struct pollfd pf = {a[i].fd, POLLOUT, 0};
            rc = poll(&pf, 1, 5000) == 1 ? s7_tcp_connect_finish(a[i].fd) : S7_ERR_TIMEOUT;
        }
        if (rc < 0) {
            fprintf(stderr, "client %d: connect: %s\n", i, s7_strerror(rc));
            return 1;
        }
        s7_conn_start(a[i].c);
    }
    int64_t end = s7_now_ms() + 8000;
    for (int ready = 0; !ready;) {
        ready = 1;
        for (int i = 0; i < n; i++)
            ready &= s7_conn_state(a[i].c) == S7_CS_READY;
        if (ready)
            break;
        if (s7_now_ms() > end || a_step(a, n, 50) < 0) {
            fprintf(stderr, "not every connection got ready\n");
            return 1;
        }
    }
    return 0;
}

static int alarms_mode(int argc, char **argv)
{
    if (argc != 9)
        return 2;
    uint16_t port = (uint16_t)atoi(argv[3]);
    int slotn = atoi(argv[4]), nsub = atoi(argv[5]), nplain = atoi(argv[6]);
    int expect = atoi(argv[7]), wait_ms = atoi(argv[8]);
    int n = nsub + nplain;
    if (nsub < 0 || nplain < 0 || n < 1 || n > 64 || wait_ms < 1 || wait_ms > 60000)
        return 2;
    static acli a[64];
    for (int i = 0; i < n; i++)
        a[i].sub = i < nsub;
    if (a_open(a, n, argv[2], port, slotn) != 0)
        return 1;
    for (int i = 0; i < nsub; i++)
        if (a_msg(&a[i], 0x81, 0x09, 1) < 0)
            return 1;
    if (nsub) { /* the alarm query, by the first subscriber */
        size_t cap;
        uint8_t *b = s7_conn_submit_begin(a[0].c, &cap);
        int k = b ? s7_alarm_query_encode(b, cap, 0, S7_ALARM_S) : -1;
        if (k < 0 || s7_conn_submit_end(a[0].c, (size_t)k, (void *)(intptr_t)2, 0) < 0)
            return 1;
    }
    int64_t end = s7_now_ms() + 8000;
    for (;;) {
        int want = 0, got = 0;
        for (int i = 0; i < nsub; i++) {
            want += i == 0 ? 2 : 1;
            got += a[i].replies;
        }
        if (got >= want)
            break;
        if (s7_now_ms() > end || a_step(a, n, 50) < 0) {
            fprintf(stderr, "the registrations were not all answered\n");
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    end = s7_now_ms() + wait_ms;
    int64_t settle = -1;
    while (s7_now_ms() < end) {
        int all = 1;
        for (int i = 0; i < nsub; i++)
            all &= a[i].ind >= expect;
        if (all && settle < 0)
            settle = s7_now_ms() + 500;
        if (settle >= 0 && s7_now_ms() >= settle)
            break;
        if (a_step(a, n, 50) < 0)
            return 1;
    }
    int bad = 0;
    for (int i = 0; i < n; i++) {
        printf("client %d %s: %d indications, event IDs", i, a[i].sub ? "subscribed" : "plain",
               a[i].ind);
        for (int k = 0; k < a[i].ind && k < 16; k++)
            printf(" 0x%X", a[i].ids[k]);
        printf("%s\n", a[i].other_push ? " (and other pushes)" : "");
        bad |=
            a[i].ind != (a[i].sub ? expect : 0) || a[i].ind8 || a[i].other_push || a[i].reply_bad;
    }
    int query_only0 = nsub && a[0].query_ok;
    for (int i = 1; i < n; i++)
        query_only0 &= !a[i].query_ok && a[i].replies == (a[i].sub ? 1 : 0);
    if (nsub)
        printf("query: %s\n", query_only0 ? "answered to client 0 only" : "misrouted");
    bad |= nsub && !query_only0;
    /* the subscribers but the last end their registration; the last just goes */
    for (int i = 0; i + 1 < nsub; i++)
        if (a_msg(&a[i], 0x80, 0x08, 3) < 0)
            return 1;
    end = s7_now_ms() + 5000;
    for (;;) {
        int pending = 0;
        for (int i = 0; i + 1 < nsub; i++)
            pending += s7_conn_inflight(a[i].c) > 0;
        if (!pending || s7_now_ms() > end || a_step(a, n, 50) < 0)
            break;
    }
    for (int i = 0; i < n; i++) {
        close(a[i].fd);
        s7_conn_free(a[i].c);
    }
    return bad ? 1 : 0;
}

/* Step until every connection of a[0..n) has no request in flight (at most 5 s). */
static int a_settle_replies(acli *a, int n)
{
    int64_t end = s7_now_ms() + 5000;
    for (;;) {
        int pending = 0;
        for (int i = 0; i < n; i++)
            pending += s7_conn_inflight(a[i].c) > 0;
        if (!pending)
            return 0;
        if (s7_now_ms() > end || a_step(a, n, 50) < 0) {
            fprintf(stderr, "a registration was not answered\n");
            return -1;
        }
    }
}

/* Count indications until A has want ALARM_S ones and B want ALARM_8 ones, then 500 ms
 * more, at most wait_ms; print the phase's counts; 0 when they are exactly right. */
static int a_phase(acli *a, int phase, int want, int wait_ms)
{
    int64_t end = s7_now_ms() + wait_ms, settle = -1;
    while (s7_now_ms() < end) {
        if (settle < 0 && a[0].ind >= want && a[1].ind8 >= want)
            settle = s7_now_ms() + 500;
        if (settle >= 0 && s7_now_ms() >= settle)
            break;
        if (a_step(a, 2, 50) < 0)
            return -1;
    }
    printf("phase %d: A ALARM_S %d ALARM_8 %d other %d; B ALARM_S %d ALARM_8 %d other %d\n", phase,
           a[0].ind, a[0].ind8, a[0].other_push, a[1].ind, a[1].ind8, a[1].other_push);
    fflush(stdout);
    return a[0].ind == want && a[0].ind8 == 0 && a[0].other_push == 0 && a[1].ind == 0 &&
                   a[1].ind8 == want && a[1].other_push == 0
               ? 0
               : -1;
}

static int almtypes_mode(int argc, char **argv)
{
    if (argc != 6)
        return 2;
    int wait_ms = atoi(argv[5]);
    if (wait_ms < 1 || wait_ms > 60000)
        return 2;
    static acli a[2];
    if (a_open(a, 2, argv[2], (uint16_t)atoi(argv[3]), atoi(argv[4])) != 0)
        return 1;
    /* A: ALARM_S, then SCAN (one after the other, as a client would); B: ALARM */
    if (a_msg(&a[0], 0x81, 0x09, 0x109) < 0 || a_msg(&a[1], 0x81, 0x05, 0x105) < 0 ||
        a_settle_replies(a, 2) < 0 || a_msg(&a[0], 0x81, 0x01, 0x101) < 0 ||
        a_settle_replies(a, 2) < 0)
        return 1;
    printf("ready\n");
    fflush(stdout);
    int bad = a_phase(a, 1, 1, wait_ms) < 0;
    /* A ends SCAN: its ALARM_S stays */
    if (a_msg(&a[0], 0x80, 0x00, 0x100) < 0 || a_settle_replies(a, 2) < 0)
        return 1;
    printf("ready2\n");
    fflush(stdout);
    bad |= a_phase(a, 2, 2, wait_ms) < 0;
    /* A ends ALARM_S; B just goes */
    if (a_msg(&a[0], 0x80, 0x08, 0x108) < 0 || a_settle_replies(a, 2) < 0)
        return 1;
    for (int i = 0; i < 2; i++) {
        if (a[i].reply_bad)
            printf("client %c: %d registrations answered wrong\n", 'A' + i, a[i].reply_bad);
        bad |= a[i].reply_bad != 0;
        close(a[i].fd);
        s7_conn_free(a[i].c);
    }
    return bad ? 1 : 0;
}

static int szl_mode(int argc, char **argv)
{
    if (argc != 8) {
        fprintf(stderr, "usage: guard_clients szl HOST PORT SLOT PDU ID INDEX\n");
        return 2;
    }
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = (uint8_t)atoi(argv[4]);
    o.type = S7_CONN_OP;
    o.pdu_request = (uint16_t)atoi(argv[5]);
    s7_client *c = s7_client_new(&o);
    int rc = c ? s7_client_connect(c, argv[2], (uint16_t)atoi(argv[3])) : S7_ERR_NOMEM;
    if (rc < 0) {
        fprintf(stderr, "connect: %s\n", s7_strerror(rc));
        s7_client_free(c);
        return 1;
    }
    static uint8_t buf[65536];
    s7_szl_hdr h;
    int n = s7_client_read_szl(c, (uint16_t)strtoul(argv[6], NULL, 16),
                               (uint16_t)strtoul(argv[7], NULL, 16), &h, buf, sizeof buf);
    if (n < 0) {
        fprintf(stderr, "szl: %s\n", s7_strerror(n));
        s7_client_free(c);
        return 1;
    }
    printf("szl %s: %u records of %u bytes, PDU %u\n", argv[6], h.rec_count, h.rec_len,
           s7_client_pdu(c));
    for (int i = 0; i < n; i++)
        printf("%02x%s", buf[i], (i + 1) % 32 == 0 || i + 1 == n ? "\n" : "");
    s7_client_free(c);
    return 0;
}

static int hold_mode(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: guard_clients hold HOST PORT SLOT N FILE\n");
        return 2;
    }
    int n = atoi(argv[5]);
    if (n < 1 || n > MAXC)
        return 2;
    static s7_client *cl[MAXC];
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = (uint8_t)atoi(argv[4]);
    o.type = S7_CONN_OP;
    for (int i = 0; i < n; i++) {
        cl[i] = s7_client_new(&o);
        int rc = cl[i] ? s7_client_connect(cl[i], argv[2], (uint16_t)atoi(argv[3])) : S7_ERR_NOMEM;
        if (rc < 0) {
            fprintf(stderr, "client %d: connect: %s\n", i, s7_strerror(rc));
            return 1;
        }
    }
    printf("ready\n");
    fflush(stdout);
    struct stat st;
    for (int k = 0; k < 600 && stat(argv[6], &st) != 0; k++)
        usleep(50000);
    int ok = 0;
    for (int i = 0; i < n; i++) {
        uint8_t b[4];
        int rc = s7_client_db_read(cl[i], 1, 0, b, 4);
        if (rc < 0)
            fprintf(stderr, "client %d: read: %s\n", i, s7_strerror(rc));
        else
            ok++;
        s7_client_free(cl[i]);
    }
    printf("%d of %d clients still served\n", ok, n);
    return ok == n ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "hold") == 0)
        return hold_mode(argc, argv);
    if (argc > 1 && strcmp(argv[1], "szl") == 0)
        return szl_mode(argc, argv);
    if (argc > 1 && strcmp(argv[1], "dbread") == 0)
        return dbread_mode(argc, argv);
    if (argc > 1 && strcmp(argv[1], "alarms") == 0)
        return alarms_mode(argc, argv);
    if (argc > 1 && strcmp(argv[1], "almtypes") == 0)
        return almtypes_mode(argc, argv);
    if (argc != 7) {
        fprintf(stderr, "usage: guard_clients HOST PORT SLOT N ROUNDS DB\n");
        return 2;
    }
    const char *host = argv[1];
    uint16_t port = (uint16_t)atoi(argv[2]);
    int slotn = atoi(argv[3]), n = atoi(argv[4]), rounds = atoi(argv[5]), db = atoi(argv[6]);
    if (n < 1 || n > MAXC || rounds < 1 || rounds > 1000)
        return 2;
    static s7_client *cl[MAXC];
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = (uint8_t)slotn;
    o.type = S7_CONN_OP;
    o.connect_timeout_ms = 8000;
    o.request_timeout_ms = 8000;
    long errors = 0, checked = 0;
    for (int i = 0; i < n; i++) {
        cl[i] = s7_client_new(&o);
        int rc = cl[i] ? s7_client_connect(cl[i], host, port) : S7_ERR_NOMEM;
        if (rc < 0) {
            fprintf(stderr, "client %d: connect: %s\n", i, s7_strerror(rc));
            return 1;
        }
        uint8_t w[32];
        for (int b = 0; b < 32; b++)
            w[b] = pattern(i, b);
        rc = s7_client_db_write(cl[i], (uint16_t)db, (uint32_t)(i * 32), w, 32);
        if (rc < 0) {
            fprintf(stderr, "client %d: write: %s\n", i, s7_strerror(rc));
            return 1;
        }
    }
    s7_multi *m = s7_multi_new();
    for (int i = 0; i < n; i++)
        s7_multi_add(m, cl[i]);
    static slot sl[MAXC][4];
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 4; k++) {
                slot *s = &sl[i][k];
                memset(s, 0, sizeof *s);
                s->it.area = S7_AREA_DB;
                s->it.db = (uint16_t)db;
                s->it.start = (uint32_t)(i * 32 + k * 8);
                s->it.count = 8;
                s->it.buf = s->buf;
                if (s7_client_read_async(cl[i], &s->it, 1, on_done, s) < 0) {
                    errors++;
                    s->done = 1;
                    s->result = -1;
                }
            }
        }
        int64_t end = s7_now_ms() + 15000;
        while (s7_now_ms() < end) {
            int pending = 0;
            for (int i = 0; i < n; i++)
                for (int k = 0; k < 4; k++)
                    pending += !sl[i][k].done;
            if (!pending)
                break;
            s7_multi_poll(m, 100);
        }
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < 4; k++) {
                slot *s = &sl[i][k];
                checked++;
                if (!s->done || s->result < 0 || s->it.status != 0) {
                    if (errors < 5)
                        fprintf(stderr, "client %d read %d: %s\n", i, k,
                                !s->done ? "no answer" : s7_strerror(s->result));
                    errors++;
                    continue;
                }
                for (int b = 0; b < 8; b++) {
                    if (s->buf[b] != pattern(i, k * 8 + b)) {
                        if (errors < 5)
                            fprintf(stderr, "client %d read %d byte %d: 0x%02X, expected 0x%02X\n",
                                    i, k, b, s->buf[b], pattern(i, k * 8 + b));
                        errors++;
                        break;
                    }
                }
            }
        }
    }
    printf("%d clients, %d rounds: %ld reads checked, %ld errors\n", n, rounds, checked, errors);
    s7_multi_free(m);
    for (int i = 0; i < n; i++)
        s7_client_free(cl[i]);
    return errors ? 1 : 0;
}
