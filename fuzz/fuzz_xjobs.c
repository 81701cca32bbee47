/* Fuzz target: the emulator's GET/PUT engine (exchange/cpu_jobs.c) against a hostile
 * partner.  The engine's connections dial the scripted peer of peer.c (its loopback
 * listener), which answers the CR, the setup and every request with the next action of
 * the script: the CPU model's answer, that answer changed or cut, fuzz bytes framed or
 * not, in pieces, silence or a close.  The engine's poll() runs the peer; its clock is the
 * peer's virtual clock, moved on by the target whenever nothing is left to do now, so
 * cycles, retries and timeouts pass as the input says and nothing waits in real time.
 *
 * Input: byte 0 flags (bit 0 the model answers CR and setup, bits 1-2 the partner's
 * profile, bit 3 PUT/GET permitted, bit 4 the model answers once the script is used up),
 * byte 1 which of eight jobs run (GET and PUT of one to four areas, bits and bytes, on two
 * connections, cyclic and on REQ edges that the target toggles); the rest is the script.
 * Whatever the partner sends, nothing may crash or leak, every job's state must stay in
 * its table, and the CPU's memory outside the jobs' local areas must stay untouched. */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/peer.h"
#include "s7/cpu.h"
#include "s7/exchange.h"
#include "s7/net.h"

static const char *const profiles[4] = {"s7-1500", "s7-300", "s7-1200", "logo8"};

/* %u: the peer's port.  Local areas in DB40 (and M10/M11 for REQ); DB41 is the canary. */
static const char *const JOBS[8] = {
    "get 127.0.0.1:%u DB1.DBB0..DBB9 every 50ms into DB40.DBB0 --ndr DB40.DBX300.0 "
    "--error DB40.DBX300.1 --status DB40.DBW302",
    "put 127.0.0.1:%u DB10.DBW0 every 70ms from DB40.DBW20 --done DB40.DBX304.0 --error "
    "DB40.DBX304.1 --status DB40.DBW306",
    "get 127.0.0.1:%u DB1.DBB0..DBB2, MB0, P#DB10.DBX0.0 BYTE 4, M3.5 every 30ms into "
    "DB40.DBB40, DB40.DBB43, DB40.DBB44, DB40.DBX48.0",
    "put 127.0.0.1:%u DB10.DBB0..DBB150 MW0 every 40ms from DB40.DBB50 DB40.DBW210",
    "get 127.0.0.1:%u DB1.DBB0..DBB221 every 20ms --slot 2 --type op into DB40.DBB0",
    "get 127.0.0.1:%u DB99.DBW0, DB2.DBW0 every 60ms into DB40.DBW290, DB40.DBW292 --status "
    "DB40.DBW294",
    "get 127.0.0.1:%u DB10.DBD0 on M10.0 --pdu 480 into DB40.DBD270 --ndr M11.0 --error M11.1",
    "put 127.0.0.1:%u M0.0 on M10.1 from DB40.DBX280.0 --done M11.2 --error M11.3 --status "
    "DB40.DBW282",
};

static void log_fn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "log %d: %s\n", level, msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t canary[64];
    if (size < 2)
        return 0;
    uint16_t port = fz_peer_listen_port();
    if (!port)
        return 0;
    uint8_t flags = data[0], sel = data[1];
    fz_peer_cfg pc = {profiles[flags >> 1 & 3], flags >> 3 & 1, flags & 1, flags >> 4 & 1};
    s7_exchange x;
    s7_exchange_init(&x);
    for (int i = 0; i < 8; i++) {
        char line[400], err[600];
        if (!(sel >> i & 1))
            continue;
        snprintf(line, sizeof line, JOBS[i], port);
        if (s7_exchange_parse_job(&x, line, "fuzz", err, sizeof err) == S7_ERR_INVAL) {
            fprintf(stderr, "%s\n", err);
            abort(); /* the target's own jobs are valid */
        }
    }
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    if (!cpu) {
        s7_exchange_free(&x);
        return 0;
    }
    s7_cpu_add_db(cpu, 40, 320, 0);
    s7_cpu_add_db(cpu, 41, sizeof canary, 0);
    for (size_t i = 0; i < sizeof canary; i++)
        canary[i] = (uint8_t)(0xA5 ^ i);
    memcpy(s7_cpu_mem(cpu, S7_AREA_DB, 41, NULL), canary, sizeof canary);
    fz_peer *peer = fz_peer_new(data + 2, size - 2, &pc);
    s7_xengine_opts o;
    s7_xengine_opts_init(&o);
    o.connect_timeout_ms = 500;
    o.request_timeout_ms = 500;
    o.retry_min_ms = 50;
    o.retry_max_ms = 200;
    o.scan_ms = 10;
    if (getenv("S7_FUZZ_DEBUG"))
        o.log = log_fn;
    s7_xengine *e = peer ? s7_xengine_new(cpu, NULL, &x, &o) : NULL;
    if (e) {
        uint8_t *m = s7_cpu_mem(cpu, S7_AREA_M, 0, NULL);
        fz_peer_activate(peer);
        int64_t start = s7_now_ms();
        s7_xengine_start(e);
        for (int turn = 0; turn < 1500 && s7_now_ms() - start < 1500; turn++) {
            struct pollfd pfd[16];
            int t = 100;
            if (turn % 8 == 0)
                m[10] ^= (uint8_t)(turn & 8 ? 1 : 2); /* REQ edges, both ways */
            size_t n = s7_xengine_fds(e, pfd, 16, &t);
            int r = poll(pfd, n, 0); /* the peer answers; nobody waits in real time */
            if (r <= 0)
                for (size_t i = 0; i < n; i++)
                    pfd[i].revents = 0;
            if (s7_xengine_process(e, pfd, n) < 0)
                abort();
            if (r <= 0) /* nothing to do now: the engine's next timer comes */
                fz_peer_advance(t < 1 ? 1 : t > 20 ? 20 : t);
            for (size_t i = 0; i < s7_xengine_njobs(e); i++) {
                s7_xjob_state st;
                if (s7_xengine_state(e, i, &st) || (int)st.status < 0 ||
                    st.status >= S7_XST__COUNT || !st.cause ||
                    !memchr(st.detail, 0, sizeof st.detail) || st.runs != st.ok + st.errors)
                    abort();
            }
        }
        fz_peer_activate(NULL);
        if (getenv("S7_FUZZ_DEBUG"))
            for (size_t i = 0; i < s7_xengine_njobs(e); i++) {
                s7_xjob_state st;
                s7_xengine_state(e, i, &st);
                fprintf(stderr, "job %zu: %llu runs, %llu ok, status %s (%s) %s\n", i,
                        (unsigned long long)st.runs, (unsigned long long)st.ok,
                        s7_exchange_status_id(st.status), st.cause, st.detail);
            }
        s7_xengine_free(e);
    }
    if (memcmp(s7_cpu_mem(cpu, S7_AREA_DB, 41, NULL), canary, sizeof canary) != 0)
        abort(); /* a job wrote outside its local areas */
    fz_peer_free(peer);
    s7_cpu_free(cpu);
    s7_exchange_free(&x);
    return 0;
}
