/* The guard against real clients' traffic (issue 12): the client side of every connection
 * of the captures in tests/vectors/real/ (STEP 7, TIA Portal, WinCC, libnodave, Snap7
 * talking to real S7-300 / S7-400 CPUs) is replayed over TCP to the emulator (its CPU filled
 * from what the real CPU's answers show, tests/fidelity/capture_cpu.c) directly, and
 * through `s7 guard` (the engine, guard.h) in front of an identical emulator:
 *
 * (a) with a policy that allows every service and the ranges the capture uses, dedicated
 *     and shared upstream: every answer through the guard is byte for byte the direct one
 *     (the clock's value aside), the CC too, and no connection is closed.  With dedicated
 *     upstream the policy also names the timers and counters the connection reads or writes
 *     (ranges of the numbers its items cover: WinCC reads T0 and C0), and those items pass
 *     as they do directly; with shared upstream it names none, and each timer or counter
 *     item gets 0x03;
 * (b) with the default services (identity SZLs, clock read) and the same ranges: each
 *     request the policy refuses gets the answer docs/guard.md gives (Ack 0xD241 for CPU
 *     control, PI, upload, download; Ack 0x8104 for other jobs; the Userdata answer with
 *     error 0xD241 and data 0A 00 00 00), the connection stays open, and each allowed one
 *     gets byte for byte what a direct connection gets that sends the allowed requests
 *     only.
 *
 * Each connection's requests are sent one at a time, the next after the answer to the last
 * (as the captured clients did); the CPU's own jobs of a download (0x1B, 0x1C) are
 * answered with the PG's captured answers; pushes (cyclic data, alarms) are counted and
 * set aside.  Every wait is bounded (2 s per answer).
 *
 * (c) Connections that leave the CPU as it was (reads, SZL, alarm queries, block lists,
 * clock reads, cyclic data) are also replayed by three clients at once through one shared
 * connection: each gets what one client alone gets directly (Userdata sequence numbers and
 * data unit references zero or not).
 *
 * (d) A dry run of the default policy (--dry-run, commissioning) forwards everything: every
 * answer is the direct one, timer and counter items too.
 *
 *   test_guard_replay [NAME]   only the captures whose file name holds NAME;
 *   REPLAY_DEBUG=1             prints every request and the answer it got */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "capture.h"
#include "capture_cpu.h"
#include "guard_station.h"
#include "s7/cpu.h"
#include "s7/guard.h"
#include "s7/plant_policy.h"
#include "s7/server.h"
#include "s7/wire.h"
#include "t.h"

#ifndef S7_SOURCE_DIR
#define S7_SOURCE_DIR "."
#endif

#define WAIT_MS 2000

#define be16 st_be16
static void hex(char *out, size_t cap, const uint8_t *p, size_t n);

/* The items of a cyclic-data subscription (00 NN, time base, factor, the items as a Read
 * Var's, a fill byte after an odd-length one) as a Read Var parameter into par: its length,
 * 0 when they do not parse. */
static size_t cyc_param(const s7_ud *u, uint8_t *par, size_t cap)
{
    if (u->plen < 4)
        return 0;
    size_t n = u->payload[1], off = 4, w = 2;
    par[0] = 4;
    par[1] = (uint8_t)n;
    for (size_t j = 0; j < n; j++) {
        if (off + 2 > u->plen)
            return 0;
        size_t sl = u->payload[off + 1];
        if (off + 2 + sl > u->plen || w + 2 + sl > cap)
            return 0;
        memcpy(par + w, u->payload + off, 2 + sl);
        w += 2 + sl;
        off += 2 + sl + ((sl & 1) && j + 1 < n ? 1 : 0);
    }
    return off == u->plen ? w : 0;
}

/* ------------------------------------------------------------ the stations */

/* The policy: one partner (any address) with a read-write range over every DB and area
 * the connection's requests name, and services; tc: timer and counter ranges too, the runs
 * of the numbers its timer and counter items cover (T0..T3 as one range). */
static int ntc_ranges;

static s7_policy *policy_for_tc(const cap_conn *k, unsigned services, int shared, int tc)
{
    s7_policy *pol = s7_policy_new();
    s7_policy_partner *pt = pol ? s7_policy_add_partner(pol, "replay") : NULL;
    if (!pt)
        return pol;
    pt->any_addr = 1;
    pt->services = services;
    pt->shared = shared;
    pol->shared_upstreams = 1;
    uint8_t seen_area[256];
    static uint8_t seen_db[65536], seen_num[2][65536]; /* timers, counters */
    memset(seen_area, 0, sizeof seen_area);
    memset(seen_db, 0, sizeof seen_db);
    memset(seen_num, 0, sizeof seen_num);
    for (size_t i = 0; i < k->nmsgs; i++) {
        const cap_msg *m = &k->msgs[i];
        if (!m->is_req || m->len < 12)
            continue;
        s7_pdu p;
        if (s7_pdu_decode(m->pdu, m->len, &p) < 0)
            continue;
        cap_item it[256];
        int nit = 0, dbr = 0;
        if (p.rosctr == S7_JOB && p.param_len >= 2 && (p.param[0] == 4 || p.param[0] == 5)) {
            cap_req_items(p.param, p.param_len, it, 256, &nit, &dbr);
        } else if (p.rosctr == S7_USERDATA) {
            s7_ud u;
            if (s7_ud_decode(&p, &u) < 0 || u.group != S7_UD_GRP_CYCLIC || u.plen < 4)
                continue;
            uint8_t par[4096];
            size_t pn = cyc_param(&u, par, sizeof par);
            if (pn)
                cap_req_items(par, pn, it, 256, &nit, &dbr);
        }
        for (int j = 0; j < nit; j++) {
            uint8_t a = it[j].area;
            if (a == S7_AREA_DB || a == 0x85) {
                if (!seen_db[it[j].db]) {
                    seen_db[it[j].db] = 1;
                    s7_policy_add_range(pt, S7_AREA_DB, it[j].db, 0, 65536,
                                        S7_POL_READ | S7_POL_WRITE);
                }
            } else if ((a == S7_AREA_I || a == S7_AREA_Q || a == S7_AREA_M) && !seen_area[a]) {
                seen_area[a] = 1;
                s7_policy_add_range(pt, a, 0, 0, 65536, S7_POL_READ | S7_POL_WRITE);
            } else if (a == S7_AREA_T || a == S7_AREA_C) {
                /* cap_item counts 2 bytes per timer / counter */
                for (uint32_t e = it[j].start / 2; e < (it[j].start + it[j].len) / 2 && e < 65536;
                     e++)
                    seen_num[a == S7_AREA_C][e] = 1;
            }
        }
    }
    for (int w = 0; tc && w < 2; w++)
        for (uint32_t e = 0; e < 65536;) {
            if (!seen_num[w][e]) {
                e++;
                continue;
            }
            uint32_t f = e;
            while (e < 65536 && seen_num[w][e])
                e++;
            s7_policy_add_range(pt, w ? S7_AREA_C : S7_AREA_T, 0, f, e - f,
                                S7_POL_READ | S7_POL_WRITE);
            ntc_ranges++;
        }
    return pol;
}

static s7_policy *policy_for(const cap_conn *k, unsigned services, int shared)
{
    return policy_for_tc(k, services, shared, 0);
}

/* Timer and counter items among a connection's Read/Write Var requests. */
static int tc_items(const cap_conn *k)
{
    int n = 0;
    for (size_t i = 0; i < k->nmsgs; i++) {
        const cap_msg *m = &k->msgs[i];
        s7_pdu p;
        if (!m->is_req || m->dir != CAP_C2S || s7_pdu_decode(m->pdu, m->len, &p) < 0 ||
            p.rosctr != S7_JOB || p.param_len < 2 || (p.param[0] != 4 && p.param[0] != 5))
            continue;
        cap_item it[256];
        int nit = 0, dbr = 0;
        cap_req_items(p.param, p.param_len, it, 256, &nit, &dbr);
        for (int j = 0; j < nit; j++)
            n += it[j].area == S7_AREA_T || it[j].area == S7_AREA_C;
    }
    return n;
}

static int station_open_dry(station *s, const capture *c, size_t ci, const setting *st,
                            s7_policy *pol, int dry_run)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(st->profile));
    if (cpu && st->have_loc)
        s7_cpu_set_location(cpu, st->rack, st->slot);
    if (cpu)
        cap_cpu_fill(cpu, &c->conns[ci]);
    return station_start_dry(s, cpu, pol, dry_run);
}

static int station_open(station *s, const capture *c, size_t ci, const setting *st, s7_policy *pol)
{
    return station_open_dry(s, c, ci, st, pol, 0);
}

/* ------------------------------------------------------------ the client side */

/* What one replay got: per message of the connection its answer. */
typedef struct got {
    uint8_t *p;
    size_t n;
} got;

typedef struct run {
    got *ans; /* per message index */
    uint8_t cc[300];
    size_t cclen;
    int closed; /* the peer closed the connection */
    int pushes, sent, answered;
    char why[200];
} run;

static void run_free(run *r, size_t n)
{
    for (size_t i = 0; r->ans && i < n; i++)
        free(r->ans[i].p);
    free(r->ans);
    memset(r, 0, sizeof *r);
}

/* Which requests a replay sends: all, or those the default policy allows. */
typedef int (*want_fn)(void *ctx, const cap_msg *m);

/* The offset in a Userdata PDU of the job number a programmer command (group 1) names
 * (enable / disable / delete a job), which the CPU gave in its answer's sequence number; 0
 * for any other PDU (as tests/fidelity/fidelity_compare.c maps it). */
static size_t prog_job_at(const uint8_t *p, size_t len)
{
    if (len < 30 || p[1] != S7_USERDATA || p[6] != 0 || p[7] != 12 || (p[15] & 0x0F) != 1 ||
        (p[15] >> 4) != 4)
        return 0;
    uint8_t sub = p[16];
    size_t tps = be16(p + 26), tds = be16(p + 28), td = 30 + tps;
    if (td + tds > len)
        return 0;
    if ((sub == 0x0d || sub == 0x0e) && tds >= 2)
        return td + 1;
    if (sub == 0x0f && tds >= 4)
        return td + 3;
    return 0;
}

/* Send the synthesized CR (and Setup) of a connection captured mid-way. */
static int open_synth(int fd, const setting *st, const s7_profile *pr, run *r, int setup)
{
    uint16_t called =
        s7_tsap_make(1, st->have_loc ? st->rack : pr->rack, st->have_loc ? st->slot : pr->slot);
    uint8_t calling[2] = {0x01, 0x00}, cd[2] = {(uint8_t)(called >> 8), (uint8_t)called};
    s7_cotp cr;
    memset(&cr, 0, sizeof cr);
    cr.code = S7_COTP_CR;
    cr.src_ref = 1;
    cr.tpdu_size = 0x0A;
    cr.calling = calling;
    cr.calling_len = 2;
    cr.called = cd;
    cr.called_len = 2;
    uint8_t f[256];
    int n = s7_cotp_encode(f, sizeof f, &cr);
    rx *x = malloc(sizeof *x);
    int rc = -1;
    if (!x || n < 0 || tx_all(fd, f, (size_t)n) < 0 || rx_next(fd, x, WAIT_MS) != 1 ||
        x->cotp != 0xD0)
        goto out;
    memcpy(r->cc, x->pdu, x->len < sizeof r->cc ? x->len : sizeof r->cc);
    r->cclen = x->len;
    rc = 0;
    if (!setup)
        goto out;
    s7_setup su = {1, 1, 960};
    n = s7_setup_req_encode(f + 7, sizeof f - 7, 0xFFFF, &su);
    if (n < 0 || s7_iso_dt_wrap(f, sizeof f, (size_t)n, 1) < 0 ||
        tx_all(fd, f, (size_t)n + 7) < 0 || rx_next(fd, x, WAIT_MS) != 1)
        rc = -1;
out:
    free(x);
    return rc;
}

/* Replay connection k to port; the requests want says no to are not sent. */
static int replay(uint16_t port, const cap_conn *k, const setting *st, want_fn want, void *wctx,
                  run *r)
{
    memset(r, 0, sizeof *r);
    r->ans = calloc(k->nmsgs ? k->nmsgs : 1, sizeof *r->ans);
    int fd = t_dial(port);
    if (!r->ans || fd < 0) {
        snprintf(r->why, sizeof r->why, "cannot connect");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    const s7_profile *pr = s7_profile_find(st->profile);
    /* per call: replays run in threads side by side (c) */
    struct bufs {
        rx x;
        uint8_t fr[70000];
    } *bf = malloc(sizeof *bf);
    if (!bf) {
        close(fd);
        return -1;
    }
    rx *const xp = &bf->x;
    uint8_t *const fr = bf->fr;
    uint8_t seqmap[256];
    memset(seqmap, 0, sizeof seqmap);
    uint16_t cpu_jobs[64]; /* references of the CPU's own jobs not yet answered */
    size_t njobs = 0;
    int open = 0, dl_active = 0, rc = 0;
    for (size_t i = 0; i < k->nmsgs && !r->closed; i++) {
        const cap_msg *q = &k->msgs[i];
        if (q->dir != CAP_C2S)
            continue;
        if (q->cotp == 0xE0) {
            if (open)
                break; /* a second connection in one stream: not replayed */
            if (tx_all(fd, q->raw, q->raw_len) < 0 || rx_next(fd, xp, WAIT_MS) != 1 ||
                xp->cotp != 0xD0) {
                snprintf(r->why, sizeof r->why, "no CC");
                rc = -1;
                break;
            }
            memcpy(r->cc, xp->pdu, xp->len < sizeof r->cc ? xp->len : sizeof r->cc);
            r->cclen = xp->len;
            open = 1;
            continue;
        }
        if (q->cotp != 0xF0 || !q->len)
            continue;
        int is_setup = q->len > 10 && q->pdu[1] == S7_JOB && q->pdu[10] == S7_FN_SETUP;
        if (!open) {
            if (open_synth(fd, st, pr, r, !is_setup) < 0) {
                snprintf(r->why, sizeof r->why, "cannot open the connection");
                rc = -1;
                break;
            }
            open = 1;
        }
        if (!q->is_req && q->len > 1 && (q->pdu[1] == S7_ACK_DATA || q->pdu[1] == S7_ACK)) {
            /* the PG's answer to the CPU's own job (a download's part) */
            while (!njobs && dl_active) {
                int g = rx_next(fd, xp, WAIT_MS);
                if (g < 0)
                    r->closed = 1;
                if (g <= 0)
                    break;
                if (xp->cotp == 0xF0 && xp->len > 5 && xp->pdu[1] == S7_JOB && njobs < 64)
                    cpu_jobs[njobs++] = be16(xp->pdu + 4);
                else if (xp->cotp == 0xF0 && xp->len > 1 && xp->pdu[1] == S7_USERDATA)
                    r->pushes++;
            }
            if (!njobs)
                continue;
            if (q->len + 7 > sizeof bf->fr)
                continue;
            memcpy(fr + 7, q->pdu, q->len);
            fr[7 + 4] = (uint8_t)(cpu_jobs[0] >> 8);
            fr[7 + 5] = (uint8_t)cpu_jobs[0];
            memmove(cpu_jobs, cpu_jobs + 1, --njobs * sizeof cpu_jobs[0]);
            if (q->len > 12 && q->pdu[12] == S7_FN_DOWNLOAD_END)
                dl_active = 0;
            if (s7_iso_dt_wrap(fr, sizeof bf->fr, q->len, 1) < 0 || tx_all(fd, fr, q->len + 7) < 0)
                r->closed = 1;
            continue;
        }
        if (!q->is_req || (want && !want(wctx, q)))
            continue;
        /* continuations and programmer jobs name the CPU's numbers: this emulator's */
        const uint8_t *in = q->raw;
        size_t inlen = q->raw_len;
        if (q->len + 7 <= sizeof bf->fr && q->len >= 18 && q->pdu[1] == S7_USERDATA) {
            memcpy(fr + 7, q->pdu, q->len);
            size_t at = prog_job_at(q->pdu, q->len);
            if (q->pdu[14] == 0x12 && q->pdu[17] != 0)
                fr[7 + 17] = seqmap[q->pdu[17]] ? seqmap[q->pdu[17]] : q->pdu[17];
            else if (at)
                fr[7 + at] = seqmap[q->pdu[at]] ? seqmap[q->pdu[at]] : q->pdu[at];
            if (s7_iso_dt_wrap(fr, sizeof bf->fr, q->len, 1) > 0) {
                in = fr;
                inlen = q->len + 7;
            }
        }
        if (tx_all(fd, in, inlen) < 0) {
            r->closed = 1;
            break;
        }
        r->sent++;
        /* its answer: pushes and the CPU's own jobs are set aside */
        for (;;) {
            int g = rx_next(fd, xp, WAIT_MS);
            if (g < 0) {
                r->closed = 1;
                break;
            }
            if (g == 0)
                break;
            if (xp->cotp != 0xF0) {
                if (xp->cotp == 0x80 || xp->cotp == 0xC0)
                    r->closed = 1;
                break;
            }
            if (xp->len < 10)
                continue;
            if (xp->pdu[1] == S7_JOB) {
                if (njobs < 64)
                    cpu_jobs[njobs++] = be16(xp->pdu + 4);
                continue;
            }
            if (xp->pdu[1] == S7_USERDATA && xp->len > 15 && (xp->pdu[15] >> 4) == 0) {
                r->pushes++;
                continue;
            }
            if (getenv("REPLAY_DEBUG")) {
                char h1[80], h2[80];
                hex(h1, sizeof h1, q->pdu, q->len < 30 ? q->len : 30);
                hex(h2, sizeof h2, xp->pdu, xp->len < 30 ? xp->len : 30);
                fprintf(stderr, "[fd %d] %u: %s -> %s\n", fd, q->pkt, h1, h2);
            }
            r->ans[i].p = malloc(xp->len);
            if (r->ans[i].p) {
                memcpy(r->ans[i].p, xp->pdu, xp->len);
                r->ans[i].n = xp->len;
            }
            r->answered++;
            break;
        }
        if (!r->ans[i].p)
            continue;
        const uint8_t *a = r->ans[i].p;
        if (q->len > 10 && q->pdu[1] == S7_JOB && q->pdu[10] == S7_FN_REQ_DOWNLOAD)
            dl_active = a[1] == S7_ACK_DATA && !a[10] && !a[11];
        if (q->answer >= 0 && r->ans[i].n >= 18 && a[1] == S7_USERDATA) {
            const cap_msg *ra = &k->msgs[q->answer];
            if (ra->len >= 18 && ra->pdu[1] == S7_USERDATA)
                seqmap[ra->pdu[17]] = a[17];
        }
    }
    if (r->closed && !r->why[0])
        snprintf(r->why, sizeof r->why, "the connection was closed");
    free(bf);
    close(fd);
    return rc;
}

/* ------------------------------------------------------------ what the policy allows */

/* The default policy's view of a request (docs/guard.md), mirroring what a client of it
 * would see: 1 allowed, 0 refused.  szl_ok: the last SZL first request was allowed (its
 * continuations are). */
typedef struct deflt {
    int szl_ok;
} deflt;

static int default_allows(void *ctx, const cap_msg *m)
{
    deflt *d = ctx;
    s7_pdu p;
    if (s7_pdu_decode(m->pdu, m->len, &p) < 0 || p.param_len < 1)
        return 0;
    if (p.rosctr == S7_JOB) {
        uint8_t fn = p.param[0];
        return fn == S7_FN_SETUP || fn == S7_FN_READ || fn == S7_FN_WRITE;
    }
    s7_ud u;
    if (p.rosctr != S7_USERDATA || s7_ud_decode(&p, &u) < 0)
        return 0;
    if (u.group == S7_UD_GRP_CPU && u.subfn == S7_UD_SZL_READ) {
        if (u.method == 0x11) {
            d->szl_ok = u.plen >= 4 && s7_policy_szl_identity(be16(u.payload));
            return d->szl_ok;
        }
        return d->szl_ok;
    }
    if (u.group == S7_UD_GRP_TIME)
        return u.subfn == 1 || u.subfn == 3;
    if (u.group == S7_UD_GRP_CYCLIC) {
        /* a subscription of items within the read ranges (policy_for makes them so),
         * a change of one, an unsubscribe of the client's own job */
        if (u.subfn == S7_CYC_UNSUBSCRIBE)
            return u.plen == 2;
        if (u.subfn != S7_CYC_TRANSFER && u.subfn != S7_CYC_CHANGE && u.subfn != S7_CYC_MODIFY)
            return 0;
        uint8_t par[4096];
        size_t pn = cyc_param(&u, par, sizeof par);
        cap_item it[256];
        int nit = 0, dbr = 0;
        if (!pn || cap_req_items(par, pn, it, 256, &nit, &dbr) <= 0)
            return 0;
        for (int i = 0; i < nit; i++)
            if (it[i].area != S7_AREA_DB && it[i].area != S7_AREA_I && it[i].area != S7_AREA_Q &&
                it[i].area != S7_AREA_M)
                return 0;
        return 1;
    }
    return 0;
}

/* The answer the guard gives a refused request: 1 when a is it. */
static int is_refusal(const cap_msg *q, const uint8_t *a, size_t n, char *why, size_t cap)
{
    s7_pdu p, r;
    if (s7_pdu_decode(q->pdu, q->len, &p) < 0 || s7_pdu_decode(a, n, &r) < 0) {
        snprintf(why, cap, "does not decode");
        return 0;
    }
    if (r.ref != p.ref) {
        snprintf(why, cap, "reference %04x for %04x", r.ref, p.ref);
        return 0;
    }
    if (p.rosctr == S7_JOB) {
        uint8_t fn = p.param[0];
        unsigned want = (fn == S7_FN_STOP || fn == S7_FN_PI ||
                         (fn >= S7_FN_REQ_DOWNLOAD && fn <= S7_FN_UPLOAD_END))
                            ? 0xD241
                            : 0x8104;
        unsigned err = (unsigned)r.err_class << 8 | r.err_code;
        if (r.rosctr != S7_ACK || err != want || r.param_len || r.data_len) {
            snprintf(why, cap, "job %02x: ROSCTR %u error %04x, expected an Ack with %04x", fn,
                     r.rosctr, err, want);
            return 0;
        }
        return 1;
    }
    s7_ud u, ru;
    if (s7_ud_decode(&p, &u) < 0 || r.rosctr != S7_USERDATA || s7_ud_decode(&r, &ru) < 0) {
        snprintf(why, cap, "not a Userdata answer");
        return 0;
    }
    static const uint8_t data[4] = {0x0A, 0, 0, 0};
    if (ru.type != S7_UD_TYPE_RESP || ru.group != u.group || ru.subfn != u.subfn ||
        ru.err != 0xD241 || r.data_len != 4 || memcmp(r.data, data, 4) != 0) {
        snprintf(why, cap, "Userdata %u/%02x: error %04x, %u data bytes", u.group, u.subfn, ru.err,
                 r.data_len);
        return 0;
    }
    return 1;
}

/* ------------------------------------------------------------ comparison */

static void hex(char *out, size_t cap, const uint8_t *p, size_t n)
{
    size_t o = 0;
    out[0] = 0;
    for (size_t i = 0; i < n && o + 3 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", p[i]);
}

/* The answer a request gets through the guard, made from the direct one: a timer or
 * counter item of a Read/Write Var gets 0x03 (a policy that names no timers or counters,
 * docs/guard.md, refuses every T and C item).  Returns the length in out,
 * or 0 when the direct answer stands as it is. */
static size_t tc_refused(const uint8_t *req, size_t rn, const uint8_t *d, size_t dn, uint8_t *out,
                         size_t cap)
{
    s7_pdu q, a;
    if (s7_pdu_decode(req, rn, &q) < 0 || s7_pdu_decode(d, dn, &a) < 0 || q.rosctr != S7_JOB ||
        a.rosctr != S7_ACK_DATA || q.param_len < 2 || (q.param[0] != 4 && q.param[0] != 5))
        return 0;
    cap_item it[S7_ITEMS_MAX];
    int nit = 0, dbr = 0;
    int n = cap_req_items(q.param, q.param_len, it, S7_ITEMS_MAX, &nit, &dbr);
    if (n <= 0 || dbr || nit != n)
        return 0;
    int any = 0;
    for (int i = 0; i < n; i++)
        any |= it[i].area == 0x1C || it[i].area == 0x1D;
    if (!any)
        return 0;
    int k;
    if (q.param[0] == 4) {
        s7_data_item di[S7_ITEMS_MAX];
        if (s7_read_resp_decode(&a, di, (unsigned)n) < 0)
            return 0;
        for (int i = 0; i < n; i++)
            if (it[i].area == 0x1C || it[i].area == 0x1D) {
                memset(&di[i], 0, sizeof di[i]);
                di[i].rc = S7_RC_ACCESS_DENIED;
            }
        k = s7_read_resp_encode(out, cap, a.ref, di, (unsigned)n);
    } else {
        uint8_t rcs[S7_ITEMS_MAX];
        if (s7_write_resp_decode(&a, rcs, (unsigned)n) < 0)
            return 0;
        for (int i = 0; i < n; i++)
            if (it[i].area == 0x1C || it[i].area == 0x1D)
                rcs[i] = S7_RC_ACCESS_DENIED;
        k = s7_write_resp_encode(out, cap, a.ref, rcs, (unsigned)n);
    }
    return k > 0 ? (size_t)k : 0;
}

/* 1 when the answer through the guard is the direct one (after tc_refused unless tc_pass: timer and counter items pass): byte for byte,
 * but times: a clock read answers the time of its reading, and the records of SZL 0x0424
 * (the CPU state) and of the diagnostic buffer (0x00A0, 0x0124, 0x01A0) end with the
 * DATE_AND_TIME of their event, which two emulated CPUs started apart put milliseconds
 * apart. */
static int same_answer(const uint8_t *req, size_t rn, const uint8_t *d0, size_t dn0,
                       const uint8_t *g, size_t gn, int shared, int tc_pass)
{
    static uint8_t tc[70000];
    const uint8_t *d = d0;
    size_t dn = dn0, k = tc_pass ? 0 : tc_refused(req, rn, d0, dn0, tc, sizeof tc);
    if (k) {
        d = tc;
        dn = k;
    }
    if (dn != gn)
        return 0;
    static uint8_t mask[70000];
    memset(mask, 1, dn);
    s7_pdu p;
    s7_ud u;
    if (shared && dn > 18 && d[1] == S7_USERDATA) {
        /* the CPU numbers its Userdata answers (sequence number, data unit reference) per
         * connection: on a shared one the numbers count every client's requests, and the
         * guard answers some itself: zero or not, as tests/fidelity compares real CPUs' */
        for (int i = 17; i <= 18; i++) {
            if (!d[i] != !g[i])
                return 0;
            mask[i] = 0;
        }
    }
    if (s7_pdu_decode(d, dn, &p) >= 0 && p.rosctr == S7_USERDATA && s7_ud_decode(&p, &u) >= 0 &&
        u.plen) {
        size_t at = (size_t)(u.payload - d);
        if (u.group == S7_UD_GRP_TIME)
            memset(mask + at, 0, u.plen);
        if (u.group == S7_UD_GRP_CPU && u.subfn == S7_UD_SZL_READ && u.plen >= 8) {
            uint16_t id = be16(u.payload), rl = be16(u.payload + 4), nr = be16(u.payload + 6);
            if ((id & 0xFF) == 0x24 || (id & 0xFF) == 0xA0)
                for (size_t r = 0; rl >= 8 && r < nr && 8 + (r + 1) * rl <= u.plen; r++)
                    memset(mask + at + 8 + (r + 1) * rl - 8, 0, 8);
        }
    }
    for (size_t i = 0; i < dn; i++)
        if (mask[i] && d[i] != g[i])
            return 0;
    return 1;
}

static int nfail_conn;

static void compare(const char *what, const char *file, size_t ci, const cap_conn *k, const run *dr,
                    const run *gr, int shared, int tc_pass)
{
    int bad = 0;
    if (gr->closed) {
        fprintf(stderr, "%s %s conn %zu: closed through the guard (%s); directly %s\n", what, file,
                ci, gr->why, dr->closed ? "closed too" : "not");
        bad++;
    }
    if (dr->cclen != gr->cclen ||
        (dr->cclen > 8 && memcmp(dr->cc + 8, gr->cc + 8, dr->cclen - 8) != 0)) {
        char x[200], y[200];
        hex(x, sizeof x, dr->cc, dr->cclen);
        hex(y, sizeof y, gr->cc, gr->cclen);
        fprintf(stderr, "%s %s conn %zu: CC %s, through the guard %s\n", what, file, ci, x, y);
        bad++;
    }
    for (size_t i = 0; i < k->nmsgs; i++) {
        const got *d = &dr->ans[i], *g = &gr->ans[i];
        if (!d->p && !g->p)
            continue;
        if (d->p && g->p &&
            same_answer(k->msgs[i].pdu, k->msgs[i].len, d->p, d->n, g->p, g->n, shared, tc_pass))
            continue;
        if (bad < 8) {
            char x[700], y[700], rq[700];
            hex(rq, sizeof rq, k->msgs[i].pdu, k->msgs[i].len);
            hex(x, sizeof x, d->p ? d->p : (const uint8_t *)"", d->n);
            hex(y, sizeof y, g->p ? g->p : (const uint8_t *)"", g->n);
            fprintf(stderr, "%s %s conn %zu packet %u: request %s\n  direct %s\n  guard  %s\n",
                    what, file, ci, k->msgs[i].pkt, rq, d->p ? x : "(none)", g->p ? y : "(none)");
        }
        bad++;
    }
    CHECK_INT(bad, 0);
    if (bad)
        nfail_conn++;
}

/* ------------------------------------------------------------ side by side (c) */

/* A connection whose requests leave the CPU as it was (reads, SZL and alarm queries, block
 * lists, clock reads, cyclic data): several clients may replay it at once through one
 * shared connection and each must get what one alone gets directly. */
static int leaves_cpu_alone(const cap_conn *k)
{
    for (size_t i = 0; i < k->nmsgs; i++) {
        const cap_msg *m = &k->msgs[i];
        if (m->dir != CAP_C2S || m->cotp != 0xF0)
            continue;
        s7_pdu p;
        s7_ud u;
        if (!m->is_req || s7_pdu_decode(m->pdu, m->len, &p) < 0 || p.param_len < 1)
            return 0; /* also the PG's answers to the CPU's jobs */
        if (p.rosctr == S7_JOB) {
            if (p.param[0] != S7_FN_READ && p.param[0] != S7_FN_SETUP)
                return 0;
            continue;
        }
        if (s7_ud_decode(&p, &u) < 0)
            return 0;
        if (u.group == S7_UD_GRP_TIME && u.subfn != 1 && u.subfn != 3)
            return 0;
        if (u.group != S7_UD_GRP_CPU && u.group != S7_UD_GRP_BLOCK && u.group != S7_UD_GRP_TIME &&
            u.group != S7_UD_GRP_CYCLIC)
            return 0;
    }
    return 1;
}

typedef struct sbs {
    uint16_t port;
    const cap_conn *k;
    const setting *st;
    run r;
    int rc;
} sbs;

static void *sbs_main(void *a)
{
    sbs *x = a;
    x->rc = replay(x->port, x->k, x->st, NULL, NULL, &x->r);
    return NULL;
}

static int nsbs;

/* ------------------------------------------------------------ one capture */

static int nconns, nreqs, nrefused_checked, nallowed_checked, ntc_passed, ntc_refused;

static void run_capture(const char *dir, const char *file, const char *profile)
{
    char path[1024], err[512];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    capture c;
    if (cap_load(&c, path, err, sizeof err) < 0) {
        fprintf(stderr, "%s\n", err);
        CHECK(0);
        return;
    }
    for (size_t ci = 0; ci < c.nconns; ci++) {
        const cap_conn *k = &c.conns[ci];
        setting st;
        int reqs = cap_conn_setting(k, profile, &st);
        if (!reqs)
            continue;
        nconns++;
        nreqs += reqs;
        /* (a) every service, dedicated then shared, against the direct answers */
        station s;
        run direct, thru;
        CHECK(station_open(&s, &c, ci, &st, NULL) == 0);
        CHECK(replay(s.port, k, &st, NULL, NULL, &direct) == 0);
        station_stop(&s);
        for (int shared = 0; shared < 2; shared++) {
            /* dedicated: timers and counters named, passing as directly; shared: refused */
            int tc = !shared;
            CHECK(station_open(&s, &c, ci, &st, policy_for_tc(k, S7_POL__ALL, shared, tc)) == 0);
            CHECK(replay(s.port, k, &st, NULL, NULL, &thru) == 0);
            station_stop(&s);
            int bad0 = nfail_conn;
            compare(shared ? "(a shared)" : "(a)", file, ci, k, &direct, &thru, shared, tc);
            if (nfail_conn == bad0)
                *(tc ? &ntc_passed : &ntc_refused) += tc_items(k);
            run_free(&thru, k->nmsgs);
        }
        /* (d) a dry run of the default policy (commissioning): everything forwarded, the
         * direct answers */
        CHECK(station_open_dry(&s, &c, ci, &st, policy_for(k, S7_POL_DEFAULT, 0), 1) == 0);
        CHECK(replay(s.port, k, &st, NULL, NULL, &thru) == 0);
        station_stop(&s);
        compare("(d dry run)", file, ci, k, &direct, &thru, 0, 1);
        run_free(&thru, k->nmsgs);
        /* (c) three clients replaying it at once through one shared connection */
        if (leaves_cpu_alone(k)) {
            sbs x[3];
            CHECK(station_open(&s, &c, ci, &st, policy_for(k, S7_POL__ALL, 1)) == 0);
            pthread_t th[3];
            for (int j = 0; j < 3; j++) {
                memset(&x[j], 0, sizeof x[j]);
                x[j].port = s.port;
                x[j].k = k;
                x[j].st = &st;
                CHECK(pthread_create(&th[j], NULL, sbs_main, &x[j]) == 0);
            }
            for (int j = 0; j < 3; j++)
                pthread_join(th[j], NULL);
            station_stop(&s);
            for (int j = 0; j < 3; j++) {
                CHECK_INT(x[j].rc, 0);
                compare("(c side by side)", file, ci, k, &direct, &x[j].r, 1, 0);
                run_free(&x[j].r, k->nmsgs);
            }
            nsbs++;
        }
        run_free(&direct, k->nmsgs);
        /* (b) the default services: the allowed requests alone directly, everything
         * through the guard */
        deflt d1 = {0}, d2 = {0};
        CHECK(station_open(&s, &c, ci, &st, NULL) == 0);
        CHECK(replay(s.port, k, &st, default_allows, &d1, &direct) == 0);
        station_stop(&s);
        CHECK(station_open(&s, &c, ci, &st, policy_for(k, S7_POL_DEFAULT, 0)) == 0);
        CHECK(replay(s.port, k, &st, NULL, NULL, &thru) == 0);
        station_stop(&s);
        if (thru.closed) {
            fprintf(stderr, "(b) %s conn %zu: closed through the guard: %s\n", file, ci, thru.why);
            CHECK(0);
        }
        for (size_t i = 0; i < k->nmsgs; i++) {
            const cap_msg *q = &k->msgs[i];
            if (!q->is_req || q->dir != CAP_C2S)
                continue;
            int allowed = default_allows(&d2, q);
            if (!thru.ans[i].p)
                continue;
            char why[200];
            if (allowed) {
                nallowed_checked++;
                if (!direct.ans[i].p ||
                    !same_answer(q->pdu, q->len, direct.ans[i].p, direct.ans[i].n, thru.ans[i].p,
                                 thru.ans[i].n, 0, 0)) {
                    char x[160], y[160];
                    hex(x, sizeof x, direct.ans[i].p ? direct.ans[i].p : (const uint8_t *)"",
                        direct.ans[i].n);
                    hex(y, sizeof y, thru.ans[i].p, thru.ans[i].n);
                    fprintf(stderr,
                            "(b) %s conn %zu packet %u allowed:\n  direct %s\n  guard  %s\n", file,
                            ci, q->pkt, x, y);
                    CHECK(0);
                }
            } else {
                nrefused_checked++;
                if (!is_refusal(q, thru.ans[i].p, thru.ans[i].n, why, sizeof why)) {
                    fprintf(stderr, "(b) %s conn %zu packet %u refused: %s\n", file, ci, q->pkt,
                            why);
                    CHECK(0);
                }
            }
        }
        CHECK_INT(thru.answered, thru.sent);
        run_free(&direct, k->nmsgs);
        run_free(&thru, k->nmsgs);
    }
    cap_free(&c);
}

int main(int argc, char **argv)
{
    const char *only = argc > 1 ? argv[1] : NULL;
    const char *dir = S7_SOURCE_DIR "/tests/vectors/real";
    FILE *lf = fopen(S7_SOURCE_DIR "/tests/fidelity/captures.txt", "r");
    CHECK(lf != NULL);
    if (!lf)
        return t_done();
    char line[512];
    int ncap = 0, nwincc = 0;
    while (fgets(line, sizeof line, lf)) {
        char file[256], prof[64];
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        if (sscanf(line, "%255s %63s", file, prof) != 2)
            continue;
        if (only && !strstr(file, only))
            continue;
        run_capture(dir, file, prof);
        ncap++;
        nwincc += strstr(file, "wincc") != NULL;
    }
    fclose(lf);
    printf("%d captures, %d connections, %d requests; (a) %d timer/counter items passed (%d "
           "ranges), %d refused; (b) %d refused answers and %d allowed checked; (c) %d "
           "connections replayed by 3 clients at once; %d connections differ\n",
           ncap, nconns, nreqs, ntc_passed, ntc_ranges, ntc_refused, nrefused_checked,
           nallowed_checked, nsbs, nfail_conn);
    /* WinCC reads timers and counters (issue 12): they pass when the policy names them */
    if (nwincc) {
        CHECK(ntc_passed > 0);
        CHECK(ntc_refused > 0);
    }
    CHECK(only || ncap >= 20);
    return t_done();
}
