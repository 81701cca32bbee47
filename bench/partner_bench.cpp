/* s7bench-partner: BSEND of 65,534-byte blocks, s7kit partner -> s7kit partner against
 * Snap7 partner -> Snap7 partner (class TSnap7Partner from node-snap7's snap7.a), in one run,
 * printed side by side with the ratio.  A benchmark, not a test: nothing is timed against
 * a threshold; it fails (exit 1) only when a block arrives wrong or a pair cannot link.
 *
 * Each pair runs on loopback with the same PDU (--pdu, default 480), receiver and sender in
 * their own threads (Snap7's partners run worker threads of their own; s7kit's receiver
 * gets a thread so that both pairs use two).  The sender sends --blocks blocks one after
 * the other (a BSEND waits for the last segment's acknowledgement before the next starts;
 * Snap7 sends at most 30 with WorkInterval 1 ms and 10 with its defaults, as it is slow);
 * throughput = bytes / wall time, with the per-block time p50/p99.  Every block carries its
 * number in its first 4 bytes and a pattern the receiver checks.
 *
 * Snap7's passive partner listens on port 102 only (root); its worker loop waits up to its
 * WorkInterval (100 ms by default) before it sees a new BSEND, so Snap7 is measured twice:
 * with its defaults and with WorkInterval 1 ms (its best).  The ratio is against the better
 * of the two. */
/* Snap7's header first: it declares its own `byte`, which C++17's std::byte would make
 * ambiguous inside it */
#include "s7_partner.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

extern "C" {
#include "s7/exchange_partner.h"
#include "s7/net.h"
#include "s7/wire.h"
}

static const size_t BLK = S7_BSEND_MAX;
static uint8_t pattern[BLK];

static void make_block(uint8_t *b, uint32_t n)
{
    std::memcpy(b, pattern, BLK);
    b[0] = (uint8_t)(n >> 24);
    b[1] = (uint8_t)(n >> 16);
    b[2] = (uint8_t)(n >> 8);
    b[3] = (uint8_t)n;
}

static bool check_block(const uint8_t *b, size_t len, uint32_t n)
{
    uint32_t got = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    return len == BLK && got == n && std::memcmp(b + 4, pattern + 4, BLK - 4) == 0;
}

struct result {
    bool ok;
    double secs;
    std::vector<double> ms; /* per block */
    int bad;
};

static double pct(std::vector<double> v, double p)
{
    if (v.empty())
        return 0;
    std::sort(v.begin(), v.end());
    size_t i = (size_t)(p * (double)(v.size() - 1) + 0.5);
    return v[i];
}

static double secs_between(const struct timespec &a, const struct timespec &b)
{
    return (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
}

/* The measuring loop of both pairs: `blocks` blocks, each made and passed to send (true
 * when it was sent and acknowledged; it says why not), each timed; then up to 1 s for the
 * receiver to count them all (received, bad).  who names the pair in messages. */
template <class Send>
static void send_blocks(result &r, const char *who, int blocks, const std::atomic<int> &received,
                        const std::atomic<int> &bad, Send send)
{
    static uint8_t b[BLK];
    struct timespec ts0, ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    r.ok = true;
    for (int i = 0; i < blocks; i++) {
        struct timespec a0, a1;
        clock_gettime(CLOCK_MONOTONIC, &a0);
        make_block(b, (uint32_t)i);
        if (!send(i, b)) {
            r.ok = false;
            break;
        }
        clock_gettime(CLOCK_MONOTONIC, &a1);
        r.ms.push_back(secs_between(a0, a1) * 1e3);
    }
    /* the last block's acknowledgement means the receiver has it */
    for (int i = 0; i < 1000 && received.load() < blocks; i++)
        usleep(1000);
    clock_gettime(CLOCK_MONOTONIC, &ts1);
    r.secs = secs_between(ts0, ts1);
    if (received.load() != blocks || bad.load()) {
        std::fprintf(stderr, "%s: %d of %d blocks arrived, %d wrong\n", who, received.load(),
                     blocks, bad.load());
        r.ok = false;
    }
}

/* ---------------------------------------------------------------- s7kit pair */

static std::atomic<int> s7_recv_count, s7_recv_bad;
static std::atomic<bool> s7_stop;

static void s7_on_recv(void *, uint32_t, const uint8_t *d, size_t n, int)
{
    int k = s7_recv_count.load();
    if (!check_block(d, n, (uint32_t)k))
        s7_recv_bad++;
    s7_recv_count++;
}

static void *s7_rx_thread(void *arg)
{
    s7_partner *p = (s7_partner *)arg;
    while (!s7_stop.load())
        s7_partner_run(p, 20);
    return nullptr;
}

static result run_s7kit(int blocks, uint16_t pdu)
{
    result r{false, 0, {}, 0};
    s7_partner_cfg c;
    s7_partner_cfg_init(&c);
    std::strcpy(c.host, "127.0.0.1");
    c.port = 0;
    c.pdu_request = pdu;
    c.on_recv = s7_on_recv;
    s7_partner *rx = s7_partner_new(&c);
    if (!rx || s7_partner_start(rx) < 0) {
        std::fprintf(stderr, "s7kit: cannot listen: %s\n", rx ? s7_partner_reason(rx) : "");
        s7_partner_free(rx);
        return r;
    }
    s7_partner_cfg a;
    s7_partner_cfg_init(&a);
    a.active = 1;
    std::strcpy(a.host, "127.0.0.1");
    a.port = s7_partner_port(rx);
    a.pdu_request = pdu;
    s7_partner *tx = s7_partner_new(&a);
    s7_recv_count = 0;
    s7_recv_bad = 0;
    s7_stop = false;
    pthread_t th;
    pthread_create(&th, nullptr, s7_rx_thread, rx);
    if (s7_partner_wait_linked(tx, 5000) == 0) {
        send_blocks(r, "s7kit", blocks, s7_recv_count, s7_recv_bad, [tx](int i, uint8_t *b) {
            if (s7_partner_bsend(tx, 1, b, BLK) == 0 && s7_partner_bsend_wait(tx, 1, 10000) == 0)
                return true;
            std::fprintf(stderr, "s7kit: BSEND %d failed: %s\n", i, s7_partner_reason(tx));
            return false;
        });
    } else {
        std::fprintf(stderr, "s7kit: not linked: %s\n", s7_partner_reason(tx));
    }
    s7_stop = true;
    pthread_join(th, nullptr);
    s7_partner_free(tx);
    s7_partner_free(rx);
    return r;
}

/* ---------------------------------------------------------------- Snap7 pair */

static std::atomic<int> sn_recv_count, sn_recv_bad;

static void S7API sn_on_recv(void *, int op, longword, void *data, int size)
{
    int k = sn_recv_count.load();
    if (op != 0 || !check_block((const uint8_t *)data, (size_t)size, (uint32_t)k))
        sn_recv_bad++;
    sn_recv_count++;
}

static result run_snap7(int blocks, uint16_t pdu, int work_interval)
{
    result r{false, 0, {}, 0};
    /* the passive one on an address of its own in 127/8 (port 102 is Snap7's only choice);
     * Snap7's active partner does not bind a source, so it connects from 127.0.0.1 */
    char a[32];
    unsigned n = (unsigned)getpid() % 200u + 20u + (unsigned)work_interval % 3u;
    std::snprintf(a, sizeof a, "127.0.%u.81", n);
    const char *b = "127.0.0.1";
    TSnap7Partner *rx = new TSnap7Partner(false);
    TSnap7Partner *tx = new TSnap7Partner(true);
    int pdu_i = pdu;
    if (work_interval > 0) {
        rx->SetParam(p_i32_WorkInterval, &work_interval);
        tx->SetParam(p_i32_WorkInterval, &work_interval);
    }
    rx->SetParam(p_i32_PDURequest, &pdu_i);
    tx->SetParam(p_i32_PDURequest, &pdu_i);
    int timeout = 10000;
    tx->SetParam(p_i32_BSendTimeout, &timeout);
    rx->SetRecvCallback(sn_on_recv, nullptr);
    sn_recv_count = 0;
    sn_recv_bad = 0;
    int rc = rx->StartTo(a, b, 0x1000, 0x1000);
    if (rc == 0)
        rc = tx->StartTo(b, a, 0x1000, 0x1000);
    for (int i = 0; i < 500 && rc == 0 && !(tx->Linked && rx->Linked); i++)
        usleep(10000);
    if (rc == 0 && tx->Linked) {
        send_blocks(r, "Snap7", blocks, sn_recv_count, sn_recv_bad, [tx](int i, uint8_t *blk) {
            /* Snap7 signals completion before it clears its "send pending" flag: a BSend
             * right after the last one can get errParBusy; an application retries */
            int e = tx->BSend(1, blk, (int)BLK);
            for (int k = 0; k < 1000 && e == (int)errParBusy; k++) {
                usleep(50);
                e = tx->BSend(1, blk, (int)BLK);
            }
            if (e == 0)
                return true;
            std::fprintf(stderr, "Snap7: BSend %d failed: 0x%X\n", i, e);
            return false;
        });
    } else {
        std::fprintf(stderr, "Snap7: pair did not link (StartTo 0x%X; passive on %s:102)\n", rc, a);
    }
    tx->Stop();
    rx->Stop();
    delete tx;
    delete rx;
    return r;
}

static void row(const char *name, const result &r)
{
    if (!r.ok) {
        std::printf("| %-34s | %10s | %9s | %9s | %9s |\n", name, "failed", "-", "-", "-");
        return;
    }
    double mb = (double)BLK * (double)r.ms.size() / r.secs / 1e6;
    std::printf("| %-34s | %10.1f | %9.0f | %9.2f | %9.2f |\n", name, mb,
                (double)r.ms.size() / r.secs, pct(r.ms, 0.5), pct(r.ms, 0.99));
}

static double mbps(const result &r)
{
    return r.ok && r.secs > 0 ? (double)BLK * (double)r.ms.size() / r.secs / 1e6 : 0;
}

int main(int argc, char **argv)
{
    int blocks = 200, snap_default_blocks = 10;
    uint16_t pdu = 480;
    for (int i = 1; i < argc; i++) {
        if (!std::strcmp(argv[i], "--blocks") && i + 1 < argc)
            blocks = std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--pdu") && i + 1 < argc)
            pdu = (uint16_t)std::atoi(argv[++i]);
        else if (!std::strcmp(argv[i], "--quick"))
            blocks = 20, snap_default_blocks = 5;
        else {
            std::fprintf(stderr,
                         "usage: s7bench-partner [--blocks N] [--pdu 240..960] [--quick]\n");
            return 2;
        }
    }
    if (blocks < 1 || blocks > 100000 || pdu < 240 || pdu > 960) {
        std::fprintf(stderr, "s7bench-partner: --blocks 1..100000, --pdu 240..960\n");
        return 2;
    }
    setvbuf(stdout, nullptr, _IOLBF, 0);
    for (size_t i = 0; i < BLK; i++)
        pattern[i] = (uint8_t)(i * 31u + (i >> 8));
    std::printf("BSEND of %zu-byte blocks, PDU %u, loopback, sender and receiver in their own "
                "threads\n\n",
                BLK, pdu);
    std::printf("| %-34s | %10s | %9s | %9s | %9s |\n", "pair", "MB/s", "blocks/s", "p50 ms",
                "p99 ms");
    std::printf("|------------------------------------|------------|-----------|-----------|"
                "-----------|\n");
    result ours = run_s7kit(blocks, pdu);
    row("s7kit -> s7kit", ours);
    bool root = geteuid() == 0;
    result sd{false, 0, {}, 0}, sf{false, 0, {}, 0};
    if (root) {
        sf = run_snap7(std::min(blocks, 30), pdu, 1); /* ~0.1 s a block: 30 are plenty */
        row("Snap7 -> Snap7 (WorkInterval 1 ms)", sf);
        sd = run_snap7(snap_default_blocks, pdu, 0);
        row("Snap7 -> Snap7 (defaults, 100 ms)", sd);
    }
    std::printf("\n");
    if (!root) {
        std::printf("Snap7 pairs not run: Snap7's passive partner listens on port 102 only "
                    "(run as root)\n");
    } else {
        double best = std::max(mbps(sf), mbps(sd));
        if (best > 0 && ours.ok)
            std::printf("s7kit / Snap7 (its best): %.1fx the throughput\n", mbps(ours) / best);
    }
    bool fail = !ours.ok || (root && (!sf.ok || !sd.ok));
    return fail ? 1 : 0;
}
