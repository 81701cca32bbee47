/* BSEND/BRCV between s7kit's partner (exchange/partner.c) and Snap7's (class TSnap7Partner,
 * compiled into node-snap7's snap7.a), in one process: Snap7 runs its own worker threads,
 * s7kit's partner runs in this thread.
 *
 *   A. s7kit passive on 127.0.0.1 (a port the kernel picks), Snap7 active (PDU 480);
 *   B. s7kit active, Snap7 passive on 127.0.0.<n>:102 (Snap7 listens on port 102 only:
 *      root), s7kit connecting from another loopback address, as Snap7 accepts a partner
 *      only from the address it was given (PDU 960).
 * In each: blocks of 1, 444, 445, 1000, 30000 and 65,534 bytes under several R_IDs, Snap7 to
 * s7kit and s7kit to Snap7, content checked byte for byte, and the status both report.
 *   C. (argument c only) an emulated CPU already running on 127.0.0.1:102 (`s7 server` with a
 *      passive `brcv any 5 into P#DB20.DBX0.0 BYTE 65534 --ndr M0.1 --error M0.2 --status
 *      MW2 --outputs latch` job: tests/interop/test_server_partner_snap7.sh starts it in a
 *      namespace): Snap7's active partner BSENDs 65,534 bytes to that one port while
 *      Snap7's client reads the CPU through the same port; then the client reads the block
 *      back byte for byte with
 *      NDR and STATUS, and a client whose CR names TSAP 10.01 (no partner connection's) is
 *      served as a PUT/GET client.
 *   D. (argument d only) faults, s7kit passive and Snap7 active (case_d below).
 * Prints "N passed, N failed"; exit 0, or 1 on a failure.  Argument a or b runs one case
 * (tests/interop/test_partner_snap7.sh runs B inside a network namespace of its own, so
 * that Snap7's port 102 is nobody else's); none runs both, B only as root (77 when it was
 * skipped and A passed). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <cstring>
#include <new>

#include "s7_client.h"
#include "s7_partner.h"

extern "C" {
#include "s7/exchange_partner.h"
#include "s7/net.h"
#include "s7/wire.h"
}

static int n_pass, n_fail;
#define CHECK(cond, ...)                                              \
    do {                                                              \
        if (cond) {                                                   \
            n_pass++;                                                 \
        } else {                                                      \
            n_fail++;                                                 \
            std::fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); \
            std::fprintf(stderr, __VA_ARGS__);                        \
            std::fputc('\n', stderr);                                 \
        }                                                             \
    } while (0)

/* What Snap7's receive callback got (its worker thread writes, this thread reads). */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static uint8_t snap_got[65536];
static int snap_got_size, snap_got_result, snap_got_count;
static uint32_t snap_got_rid;

static void S7API snap_recv(void *, int op, longword r_id, void *data, int size)
{
    pthread_mutex_lock(&mu);
    snap_got_result = op;
    snap_got_rid = (uint32_t)r_id;
    snap_got_size = size;
    if (op == 0 && size > 0 && size <= (int)sizeof snap_got)
        std::memcpy(snap_got, data, (size_t)size);
    snap_got_count++;
    pthread_mutex_unlock(&mu);
}

static int snap_count(void)
{
    pthread_mutex_lock(&mu);
    int c = snap_got_count;
    pthread_mutex_unlock(&mu);
    return c;
}

static uint8_t blk[S7_BSEND_MAX], area[S7_BSEND_MAX];

/* Snap7 leaves members that decide whether its passive partner takes a connection
 * uninitialized: TSnap7Partner::Stopping (only Stop() sets it) and the connection server's
 * Destroying (created inside Snap7).  Plain new happens to get zeroed pages; ASan fills new
 * memory with 0xbe and the passive partner then closes every connection at once.  So the
 * partner is constructed on zeroed memory here, and under ASan this test runs with
 * max_malloc_fill_size=0 (tests/interop/CMakeLists.txt) for the connection server. */
static TSnap7Partner *snap7_partner_new(bool active)
{
    void *mem = std::calloc(1, sizeof(TSnap7Partner));
    return mem ? new (mem) TSnap7Partner(active) : nullptr;
}

static void snap7_partner_free(TSnap7Partner *sp)
{
    if (!sp)
        return;
    sp->~TSnap7Partner();
    std::free(sp);
}

static void fill(uint32_t seed, size_t n)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        blk[i] = (uint8_t)(x >> 16);
    }
}

/* Run s7kit's partner until cond holds or ms passed (bounded in time). */
template <typename F> static bool pump(s7_partner *p, int ms, F cond)
{
    int64_t end = s7_now_ms() + ms;
    while (!cond()) {
        if (s7_now_ms() >= end)
            return false;
        s7_partner_run(p, 2);
    }
    return true;
}

static const size_t sizes[] = {1, 444, 445, 1000, 30000, S7_BSEND_MAX};
static const uint32_t rids[] = {1, 2, 0x12345678u, 100, 7, 0xFFFFFFF0u};

static void exchange(const char *tag, s7_partner *p, TSnap7Partner *sp)
{
    bool up = pump(p, 8000, [&] { return s7_partner_linked(p) && sp->Linked; });
    CHECK(up, "%s: linked (s7kit: %s)", tag, s7_partner_reason(p));
    if (!up)
        return;
    std::printf("%s: linked, PDU %u\n", tag, s7_partner_pdu(p));
    for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
        size_t n = sizes[k];
        uint32_t rid = rids[k];
        /* Snap7 -> s7kit */
        fill(rid, n);
        std::memset(area, 0, sizeof area);
        s7_partner_brcv(p, rid, area, sizeof area, 0);
        int rc = sp->AsBSend(rid, blk, (int)n);
        CHECK(rc == 0, "%s: Snap7 AsBSend R_ID %u: 0x%X", tag, rid, rc);
        s7_partner_status st{};
        int op = -1;
        bool got = pump(p, 8000, [&] {
            s7_partner_status s2;
            if (s7_partner_recv_status(p, rid, &s2) == 0 && (s2.ndr || s2.error))
                st = s2;
            return (st.ndr || st.error) && sp->CheckAsBSendCompletion(op);
        });
        CHECK(got && st.ndr && st.len == n && std::memcmp(area, blk, n) == 0,
              "%s: Snap7 -> s7kit R_ID %u, %zu bytes: ndr %d len %u error %d status %u", tag, rid,
              n, st.ndr, st.len, st.error, st.status);
        CHECK(op == 0, "%s: Snap7's BSEND of R_ID %u reports 0x%X", tag, rid, op);
        /* s7kit -> Snap7 */
        fill(rid + 1000, n);
        int before = snap_count();
        rc = s7_partner_bsend(p, rid, blk, n);
        CHECK(rc == 0, "%s: s7kit bsend R_ID %u: %d", tag, rid, rc);
        s7_partner_status ss{};
        got = pump(p, 8000, [&] {
            s7_partner_send_status(p, rid, &ss);
            return !ss.busy && snap_count() > before;
        });
        pthread_mutex_lock(&mu);
        bool same = snap_got_result == 0 && snap_got_rid == rid && snap_got_size == (int)n &&
                    std::memcmp(snap_got, blk, n) == 0;
        int res = snap_got_result, sz = snap_got_size;
        uint32_t grid = snap_got_rid;
        pthread_mutex_unlock(&mu);
        CHECK(got && same,
              "%s: s7kit -> Snap7 R_ID %u, %zu bytes: Snap7 got result 0x%X R_ID %u, %d bytes", tag,
              rid, n, res, grid, sz);
        CHECK(ss.done && !ss.error && ss.status == 0,
              "%s: s7kit BSEND R_ID %u: done %d error %d status %u", tag, rid, ss.done, ss.error,
              ss.status);
    }
    std::printf("%s: %zu blocks each way checked\n", tag, sizeof sizes / sizeof sizes[0]);
}

/* S7_TRACE=1 in the environment: every frame of s7kit's side on stderr */
static void trace(void *, int out, const uint8_t *f, size_t n)
{
    std::fprintf(stderr, "%s %zu:", out ? ">" : "<", n);
    for (size_t i = 0; i < n && i < 48; i++)
        std::fprintf(stderr, " %02x", f[i]);
    std::fprintf(stderr, "%s\n", n > 48 ? " ..." : "");
}

static s7_partner *mk(int active, const char *host, uint16_t port, const char *source, uint16_t pdu)
{
    s7_partner_cfg c;
    s7_partner_cfg_init(&c);
    c.active = active;
    std::snprintf(c.host, sizeof c.host, "%s", host);
    if (source)
        std::snprintf(c.source, sizeof c.source, "%s", source);
    c.port = port;
    c.pdu_request = pdu;
    c.local_tsap = 0x1000;
    c.remote_tsap = 0x1000;
    if (std::getenv("S7_TRACE"))
        c.tap = trace;
    s7_partner *p = s7_partner_new(&c);
    if (p && s7_partner_start(p) < 0) {
        std::fprintf(stderr, "s7kit partner: %s\n", s7_partner_reason(p));
        s7_partner_free(p);
        return nullptr;
    }
    return p;
}

static void case_a(void)
{
    s7_partner *p = mk(0, "127.0.0.1", 0, nullptr, 480);
    CHECK(p != nullptr, "A: s7kit listens");
    if (!p)
        return;
    uint16_t port = s7_partner_port(p);
    TSnap7Partner *sp = snap7_partner_new(true);
    sp->SetParam(p_u16_RemotePort, &port);
    sp->SetRecvCallback(snap_recv, nullptr);
    int rc = sp->StartTo("127.0.0.1", "127.0.0.1", 0x1000, 0x1000);
    CHECK(rc == 0, "A: Snap7 active StartTo: 0x%X", rc);
    exchange("A (s7kit passive, Snap7 active)", p, sp);
    sp->Stop();
    snap7_partner_free(sp);
    s7_partner_free(p);
}

static void case_b(void)
{
    /* addresses of our own in 127/8, so no other test's port 102 is in the way */
    char a[32], b[32];
    unsigned n = (unsigned)getpid() % 200u + 20u;
    std::snprintf(a, sizeof a, "127.0.%u.71", n);
    std::snprintf(b, sizeof b, "127.0.%u.72", n);
    TSnap7Partner *sp = snap7_partner_new(false);
    sp->SetRecvCallback(snap_recv, nullptr);
    int rc = sp->StartTo(a, b, 0x1000, 0x1000);
    CHECK(rc == 0, "B: Snap7 passive StartTo %s (port 102): 0x%X", a, rc);
    s7_partner *p = mk(1, a, 102, b, 960);
    CHECK(p != nullptr, "B: s7kit partner");
    if (rc == 0 && p)
        exchange("B (s7kit active, Snap7 passive)", p, sp);
    sp->Stop();
    snap7_partner_free(sp);
    s7_partner_free(p);
}

static void sleep_ms(int ms) { usleep((useconds_t)ms * 1000u); }

static void case_c(void)
{
    const char *cpu = "127.0.0.1";
    TSnap7Client *cl = new TSnap7Client();
    int rc = cl->ConnectTo(cpu, 0, 1);
    CHECK(rc == 0, "C: Snap7 client connects to the CPU's port 102 (PUT/GET): 0x%X", rc);
    TSnap7Partner *sp = snap7_partner_new(true);
    rc = sp->StartTo(cpu, cpu, 0x1000, 0x1000);
    CHECK(rc == 0, "C: Snap7 active partner StartTo %s port 102: 0x%X", cpu, rc);
    uint8_t w[2];
    int reads = 0, reads_ok = 0;
    for (int i = 0; i < 800 && !sp->Linked; i++) { /* 8 s at most */
        sleep_ms(10);
        reads++;
        reads_ok += cl->DBRead(20, 0, 2, w) == 0;
    }
    CHECK(sp->Linked, "C: Snap7's partner linked through the CPU's port 102");
    if (!sp->Linked) {
        snap7_partner_free(sp);
        delete cl;
        return;
    }
    fill(5, S7_BSEND_MAX);
    rc = sp->AsBSend(5, blk, S7_BSEND_MAX);
    CHECK(rc == 0, "C: Snap7 AsBSend R_ID 5, 65534 bytes: 0x%X", rc);
    int op = -1, during = 0, during_ok = 0;
    bool done = false;
    int64_t t0 = s7_now_ms();
    for (int i = 0; i < 1500 && !done; i++) { /* 30 s at most */
        during++;
        during_ok += cl->DBRead(20, 0, 2, w) == 0; /* PUT/GET on the same port meanwhile */
        if (!(done = sp->CheckAsBSendCompletion(op)))
            sleep_ms(5);
    }
    CHECK(done && op == 0, "C: Snap7's BSEND of 65534 bytes done: result 0x%X", op);
    CHECK(reads_ok == reads && during_ok == during && during >= 1,
          "C: the PUT/GET client read the CPU on the same port meanwhile: %d of %d before the "
          "link, %d of %d during the BSEND",
          reads_ok, reads, during_ok, during);
    std::printf("C: BSEND of 65534 bytes done in about %lld ms; %d PUT/GET reads on port 102 "
                "during it, all ok\n",
                (long long)(s7_now_ms() - t0), during);
    /* what the CPU's program sees: NDR (M0.1), STATUS (MW2), the block in DB20 */
    uint8_t m = 0;
    for (int i = 0; i < 500 && !(m & 2); i++) {
        if (cl->MBRead(0, 1, &m) != 0)
            m = 0;
        if (!(m & 2))
            sleep_ms(10);
    }
    CHECK(m & 2, "C: NDR (M0.1) set in the CPU's memory");
    uint8_t st[2] = {0xFF, 0xFF};
    rc = cl->MBRead(2, 2, st);
    CHECK(rc == 0 && st[0] == 0 && st[1] == 0, "C: STATUS (MW2) 0: rc 0x%X, %02X%02X", rc, st[0],
          st[1]);
    std::memset(area, 0, sizeof area);
    rc = cl->DBRead(20, 0, S7_BSEND_MAX, area);
    CHECK(rc == 0 && std::memcmp(area, blk, S7_BSEND_MAX) == 0,
          "C: DB20 holds the 65534 bytes Snap7 sent, byte for byte (read rc 0x%X)", rc);
    /* a CR naming TSAP 10.01: no partner connection's, so the CPU's PUT/GET rules (type 10 is
     * S7 basic, rack 0 slot 1: this CPU) */
    TSnap7Client *c2 = new TSnap7Client();
    c2->SetConnectionParams(cpu, 0x1000, 0x1001);
    rc = c2->Connect();
    int rr = rc == 0 ? c2->DBRead(20, 0, 2, w) : -1;
    CHECK(rc == 0 && rr == 0 && w[0] == blk[0] && w[1] == blk[1],
          "C: a CR with TSAP 10.01 is a PUT/GET client: connect 0x%X, read 0x%X", rc, rr);
    c2->Disconnect();
    delete c2;
    sp->Stop();
    snap7_partner_free(sp);
    cl->Disconnect();
    delete cl;
}

/* A TCP relay on 127.0.0.1 between Snap7 and s7kit, in a thread of its own, that the test
 * can cut (both sockets closed at once, as a partner that drops off the network): stopping
 * Snap7's partner in the middle of a transfer instead cancels its worker thread, which
 * aborts the process ("exception not rethrown") under ASan. */
struct relay {
    int lfd = -1;
    uint16_t port = 0, target = 0;
    std::atomic<int> cut{0}, quit{0}, links{0};
    pthread_t th{};
};

static void *relay_main(void *arg)
{
    relay *r = static_cast<relay *>(arg);
    while (!r->quit) {
        pollfd lp = {r->lfd, POLLIN, 0};
        if (poll(&lp, 1, 20) <= 0)
            continue;
        int a = accept(r->lfd, nullptr, nullptr);
        if (a < 0)
            continue;
        int b = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(r->target);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (b < 0 || connect(b, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0) {
            close(a);
            if (b >= 0)
                close(b);
            continue;
        }
        r->cut = 0;
        r->links++;
        uint8_t buf[4096];
        bool open = true;
        while (open && !r->cut && !r->quit) {
            pollfd pf[2] = {{a, POLLIN, 0}, {b, POLLIN, 0}};
            if (poll(pf, 2, 10) <= 0)
                continue;
            for (int i = 0; i < 2 && open; i++) {
                if (!(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
                    continue;
                ssize_t n = read(pf[i].fd, buf, sizeof buf);
                if (n <= 0 || write(pf[1 - i].fd, buf, (size_t)n) != n)
                    open = false;
            }
        }
        close(a);
        close(b);
    }
    return nullptr;
}

static bool relay_start(relay *r, uint16_t target)
{
    r->target = target;
    r->lfd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t sl = sizeof sa;
    if (r->lfd < 0 || bind(r->lfd, reinterpret_cast<sockaddr *>(&sa), sizeof sa) < 0 ||
        listen(r->lfd, 4) < 0 || getsockname(r->lfd, reinterpret_cast<sockaddr *>(&sa), &sl) < 0)
        return false;
    r->port = ntohs(sa.sin_port);
    return pthread_create(&r->th, nullptr, relay_main, r) == 0;
}

static void relay_stop(relay *r)
{
    r->quit = 1;
    pthread_join(r->th, nullptr);
    close(r->lfd);
}

/* Frames s7kit's side sent (out) and got (in), counted by its tap. */
static int tap_out, tap_in;
static void count_tap(void *, int out, const uint8_t *, size_t) { (out ? tap_out : tap_in)++; }

/* D: faults between s7kit passive and Snap7 active (loopback, no root):
 *   1. R_ID mismatch: Snap7 BSENDs R_ID 77 while s7kit's BRCV waits on 78: s7kit
 *      acknowledges and drops the block (Snap7 reports it done), its BRCV 78 shows
 *      neither NDR nor ERROR; a block of R_ID 78 then arrives as usual;
 *   2. the link (a relay between them) cut in the middle of s7kit's 65,534-byte BSEND: the
 *      BSEND ends with ERROR and STATUS 1 (connection problem), the link is lost with a
 *      reason;
 *   3. Snap7 links again by itself; the link cut in the middle of its own 65,534-byte
 *      BSEND: s7kit's BRCV shows neither NDR nor ERROR (the partial block is dropped), the
 *      link is lost with a reason (Snap7 reports its interrupted BSEND done: printed). */
static void case_d(void)
{
    s7_partner_cfg c;
    s7_partner_cfg_init(&c);
    c.active = 0;
    std::snprintf(c.host, sizeof c.host, "127.0.0.1");
    c.port = 0;
    c.pdu_request = 480;
    c.local_tsap = 0x1000;
    c.remote_tsap = 0x1000;
    c.tap = count_tap;
    s7_partner *p = s7_partner_new(&c);
    CHECK(p && s7_partner_start(p) == 0, "D: s7kit listens");
    if (!p)
        return;
    relay rl;
    CHECK(relay_start(&rl, s7_partner_port(p)), "D: the relay listens");
    uint16_t port = rl.port;
    TSnap7Partner *sp = snap7_partner_new(true);
    sp->SetParam(p_u16_RemotePort, &port);
    sp->SetRecvCallback(snap_recv, nullptr);
    int rc = sp->StartTo("127.0.0.1", "127.0.0.1", 0x1000, 0x1000);
    bool up = rc == 0 && pump(p, 8000, [&] { return s7_partner_linked(p) && sp->Linked; });
    CHECK(up, "D: linked through the relay (Snap7 StartTo 0x%X, s7kit: %s)", rc,
          s7_partner_reason(p));
    if (up) {
        /* 1. R_ID mismatch */
        std::memset(area, 0, sizeof area);
        s7_partner_brcv(p, 78, area, sizeof area, 0);
        fill(77, 100);
        rc = sp->AsBSend(77, blk, 100);
        int op = -1;
        bool fin = pump(p, 8000, [&] { return sp->CheckAsBSendCompletion(op); });
        s7_partner_status st{};
        s7_partner_recv_status(p, 78, &st);
        CHECK(rc == 0 && fin && op == 0,
              "D1: Snap7's BSEND of R_ID 77 is acknowledged by s7kit (rc 0x%X, done %d, result "
              "0x%X)",
              rc, fin, op);
        CHECK(!st.ndr && !st.error && area[0] == 0,
              "D1: s7kit's BRCV of R_ID 78 got nothing from R_ID 77: ndr %d error %d", st.ndr,
              st.error);
        fill(78, 100);
        rc = sp->AsBSend(78, blk, 100);
        bool got = pump(p, 8000, [&] {
            s7_partner_status s2;
            if (s7_partner_recv_status(p, 78, &s2) == 0 && (s2.ndr || s2.error))
                st = s2;
            return st.ndr || st.error;
        });
        CHECK(rc == 0 && got && st.ndr && st.len == 100 && std::memcmp(area, blk, 100) == 0,
              "D1: then R_ID 78 arrives: ndr %d len %u", st.ndr, st.len);
        pump(p, 8000, [&] { return sp->CheckAsBSendCompletion(op); });
        /* 2. the link cut while s7kit sends 65,534 bytes */
        fill(9, S7_BSEND_MAX);
        int out0 = tap_out;
        rc = s7_partner_bsend(p, 9, blk, S7_BSEND_MAX);
        bool some = pump(p, 8000, [&] { return tap_out >= out0 + 3; });
        rl.cut = 1;
        s7_partner_status ss{};
        bool ended = pump(p, 8000, [&] {
            s7_partner_send_status(p, 9, &ss);
            return !ss.busy;
        });
        CHECK(rc == 0 && some && ended && !ss.done && ss.error && ss.status == 1,
              "D2: the link cut after 3 of s7kit's segments: BSEND done %d error %d STATUS %u "
              "(want ERROR, STATUS 1)",
              ss.done, ss.error, ss.status);
        CHECK(!s7_partner_linked(p) && s7_partner_reason(p)[0],
              "D2: s7kit's link is lost with a reason: '%s'", s7_partner_reason(p));
        std::printf("D2: s7kit's BSEND: ERROR, STATUS %u; link lost: %s\n", ss.status,
                    s7_partner_reason(p));
        /* 3. the link cut while Snap7 sends 65,534 bytes (Snap7 connects again by itself) */
        up = pump(p, 15000, [&] { return s7_partner_linked(p) && sp->Linked; });
        CHECK(up, "D3: Snap7 linked again through the relay by itself");
        if (up) {
            s7_partner_brcv(p, 10, area, sizeof area, 0);
            fill(10, S7_BSEND_MAX);
            int in0 = tap_in;
            rc = sp->AsBSend(10, blk, S7_BSEND_MAX);
            some = pump(p, 8000, [&] { return tap_in >= in0 + 3; });
            rl.cut = 1;
            pump(p, 8000, [&] { return !s7_partner_linked(p); });
            st = s7_partner_status{};
            s7_partner_recv_status(p, 10, &st);
            CHECK(rc == 0 && some && !st.ndr && !st.error,
                  "D3: the link cut after 3 of Snap7's segments: s7kit's BRCV ndr %d error %d "
                  "(the partial block dropped)",
                  st.ndr, st.error);
            CHECK(!s7_partner_linked(p) && s7_partner_reason(p)[0],
                  "D3: s7kit's link is lost with a reason: '%s'", s7_partner_reason(p));
            op = -1;
            fin = pump(p, 15000, [&] { return sp->CheckAsBSendCompletion(op); });
            (void)fin; /* Snap7 reports its interrupted BSEND done (result 0): printed only */
            std::printf("D3: s7kit's BRCV: no NDR, no ERROR; link lost: %s; Snap7's BSEND "
                        "result 0x%X\n",
                        s7_partner_reason(p), op);
        }
    }
    sp->Stop();
    snap7_partner_free(sp);
    relay_stop(&rl);
    s7_partner_free(p);
}

int main(int argc, char **argv)
{
    if (argc > 1 && std::strcmp(argv[1], "d") == 0) {
        case_d();
        std::printf("%d passed, %d failed\n", n_pass, n_fail);
        return n_fail ? 1 : 0;
    }
    if (argc > 1 && std::strcmp(argv[1], "c") == 0) {
        case_c();
        std::printf("%d passed, %d failed\n", n_pass, n_fail);
        return n_fail ? 1 : 0;
    }
    if (argc > 1 && (std::strcmp(argv[1], "a") == 0 || std::strcmp(argv[1], "b") == 0)) {
        argv[1][0] == 'a' ? case_a() : case_b();
        std::printf("%d passed, %d failed\n", n_pass, n_fail);
        return n_fail ? 1 : 0;
    }
    case_a();
    int skipped = 0;
    if (geteuid() == 0)
        case_b();
    else {
        std::printf("B skipped: Snap7's passive partner listens on port 102 only (needs root)\n");
        skipped = 1;
    }
    std::printf("%d passed, %d failed\n", n_pass, n_fail);
    if (n_fail)
        return 1;
    return skipped ? 77 : 0;
}
