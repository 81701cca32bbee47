/* Fuzz target: the real server engine (server/server.c: its receive and transmit path,
 * carry-over of partial frames, backpressure, the memory bound, deadlines and the idle
 * timeout) serving clients over socketpairs it adopted (s7_server_adopt), no listener.
 * The input is a script of client actions: bytes written to a client's end (fuzz bytes,
 * or ready-made CRs and requests the fuzzer can splice), turns of the loop
 * (s7_server_run_once(s, 0) runs after every action), replies read or left unread (the
 * socket buffers are small, so unread replies soon back up into the engine), half and
 * whole closes, new connections, and time passing.  Time is a virtual clock
 * (-Wl,--wrap=clock_gettime) that moves only when the script says, so the CR and setup
 * deadlines and the idle timeout fire at the same point on every run.
 *
 * Input: byte 0 limits (bits 0-1 unsent bytes per connection before it is no longer
 * read, bits 2-3 the memory bound in all, bit 4 at most 3 connections (max_clients)
 * instead of 65000, bit 5 the profile s7-300 instead of s7-1500, bits 6-7 the socket buffer size);
 * byte 1: 1 + (b & 3) connections at the start, bit 2 a group commit (the replies of
 * writes to DB1 held until the turn's commit: s7_server_hold_replies,
 * s7_server_on_commit; bit 3 a commit fails now and then, which must close the holding
 * connections, never send their replies); then actions, each a byte c with
 * operands:
 *   c & 7  0 WRITE   u8 n, n bytes to client (c >> 3) & 3
 *          1 FRAME   u8 k: a ready-made frame (a CR, a setup, reads, writes, an SZL read,
 *                    a fragmented request; k picks which and how) to that client
 *          2 READ    read what that client has and check it
 *          3 SHUT    shutdown(SHUT_WR) of that client's end
 *          4 CLOSE   close that client's end
 *          5 ADOPT   a new socketpair in that client's place (the old end closed)
 *          6 TIME    u8 t: the clock moves by t * 40 ms
 *          7 TURNS   (c >> 3) more turns of the loop
 * Checks: every byte the server sends, read by any client, is a well-formed TPKT frame
 * whose COTP TPDU decodes, and whole DT PDUs decode as S7 PDUs; the engine's accounting
 * agrees with itself (connections, paused, held); once every client closed its end, a few
 * turns close every connection. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "s7/conn.h"
#include "s7/cpu.h"
#include "s7/server.h"
#include "s7/wire.h"

int __real_clock_gettime(clockid_t id, struct timespec *ts);
int __wrap_clock_gettime(clockid_t id, struct timespec *ts);

static int virt_on;
static int64_t virt_ms;

/* CLOCK_MONOTONIC is virtual while an input runs (starting at an hour, moving by TIME). */
int __wrap_clock_gettime(clockid_t id, struct timespec *ts)
{
    if (!virt_on || id != CLOCK_MONOTONIC)
        return __real_clock_gettime(id, ts);
    ts->tv_sec = (time_t)(virt_ms / 1000);
    ts->tv_nsec = (long)(virt_ms % 1000) * 1000000L;
    return 0;
}

#define NCLI 4

typedef struct client {
    int fd;        /* the client's end, -1 closed */
    uint8_t *rx;   /* bytes read, not yet a whole frame */
    size_t rx_len; /* (at most one frame: < 65536) */
    uint8_t pdu[65536 + 8];
    size_t pdu_len; /* DT payloads of a PDU whose last fragment has not come yet */
} client;

static int debug = -1;

static void check_frames(client *k)
{
    size_t off = 0;
    while (k->rx_len - off >= 4) {
        s7_cotp t;
        int n = s7_frame_decode(k->rx + off, k->rx_len - off, &t);
        if (n == S7_AGAIN)
            break;
        if (n <= 0) {
            if (debug)
                fprintf(stderr, "bad frame: %d\n", n);
            abort(); /* the server sent bytes that are not a frame */
        }
        if (t.code == S7_COTP_DT) {
            if (k->pdu_len + t.user_len > sizeof k->pdu)
                abort(); /* a reply larger than any PDU */
            memcpy(k->pdu + k->pdu_len, t.user, t.user_len);
            k->pdu_len += t.user_len;
            if (t.eot) {
                s7_pdu pdu;
                if (s7_pdu_decode(k->pdu, k->pdu_len, &pdu) < 0)
                    abort(); /* a reply that is not an S7 PDU */
                k->pdu_len = 0;
            }
        }
        off += (size_t)n;
    }
    memmove(k->rx, k->rx + off, k->rx_len - off);
    k->rx_len -= off;
}

static void drain(client *k)
{
    if (k->fd < 0)
        return;
    for (;;) {
        ssize_t r = recv(k->fd, k->rx + k->rx_len, 65536 + 8 - k->rx_len, MSG_DONTWAIT);
        if (r <= 0)
            break;
        k->rx_len += (size_t)r;
        check_frames(k);
    }
}

static void put(client *k, const uint8_t *p, size_t n)
{
    if (k->fd >= 0 && n)
        (void)!send(k->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static int bufsize;

static int new_pair(s7_server *s, client *k)
{
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) != 0)
        return -1;
    for (int i = 0; bufsize && i < 2; i++) {
        setsockopt(sp[i], SOL_SOCKET, SO_SNDBUF, &bufsize, sizeof bufsize);
        setsockopt(sp[i], SOL_SOCKET, SO_RCVBUF, &bufsize, sizeof bufsize);
    }
    k->fd = sp[0];
    k->rx_len = k->pdu_len = 0;
    s7_server_adopt(s, sp[1]); /* the server owns sp[1] from here, also when refused */
    return 0;
}

/* A ready-made frame: TPKT + COTP (+ S7 PDU), kind and variant from k. */
static size_t ready_frame(uint8_t k, uint8_t *out, size_t cap)
{
    uint8_t pdu[1024];
    int n = -1;
    uint8_t v = k >> 3;
    switch (k & 7) {
    case 0: { /* CR: TSAPs and TPDU size of the variant */
        static const uint8_t tpdu[4] = {0x0A, 0x07, 0x0B, 0x00};
        uint8_t calling[2] = {0x01, 0x00}, called[2];
        uint16_t t = s7_tsap_make((uint8_t)(1 + v % 3), 0, (uint8_t)(1 + (v >> 2 & 1)));
        called[0] = (uint8_t)(t >> 8);
        called[1] = (uint8_t)t;
        s7_cotp c;
        memset(&c, 0, sizeof c);
        c.code = S7_COTP_CR;
        c.src_ref = 1;
        c.tpdu_size = tpdu[v >> 3 & 3];
        c.calling_len = 2;
        c.calling = calling;
        c.called_len = 2;
        c.called = called;
        int r = s7_cotp_encode(out, cap, &c);
        return r > 0 ? (size_t)r : 0;
    }
    case 1: {
        static const uint16_t pdus[4] = {240, 480, 960, 64};
        s7_setup st = {(uint16_t)(1 + (v & 7)), (uint16_t)(1 + (v & 7)), pdus[v >> 3 & 3]};
        n = s7_setup_req_encode(pdu, sizeof pdu, (uint16_t)(v + 1), &st);
        break;
    }
    case 2:
    case 3: { /* reads: one small item, or many, or a large one */
        s7_var_spec sp[20];
        size_t m = (k & 7) == 2 ? 1 : 1 + v % 20;
        for (size_t i = 0; i < m; i++) {
            sp[i].ts = S7_TS_BYTE;
            sp[i].count = (uint16_t)((k & 7) == 2 ? (v & 1 ? 900 : 4) : 1 + i * 3);
            sp[i].db = (uint16_t)(i % 3 == 2 ? 2 : 1 + 9 * (v & 1));
            sp[i].area = S7_AREA_DB;
            sp[i].addr = (uint32_t)(i * 8 * 8);
        }
        n = s7_read_req_encode(pdu, sizeof pdu, (uint16_t)(0x100 + v), sp, (unsigned)m);
        break;
    }
    case 4: { /* a write of a few bytes */
        s7_var_spec sp = {S7_TS_BYTE, (uint16_t)(1 + (v & 15)), 1, S7_AREA_DB, (uint32_t)v * 8};
        s7_data_item it;
        memset(&it, 0, sizeof it);
        static const uint8_t bytes[16] = "0123456789ABCDEF";
        it.data = bytes;
        it.nbytes = sp.count;
        n = s7_write_req_encode(pdu, sizeof pdu, (uint16_t)(0x200 + v), &sp, &it, 1);
        break;
    }
    case 5: { /* SZL and clock */
        static const uint16_t ids[4] = {0x0011, 0x001C, 0x0424, 0x0132};
        n = v & 8 ? s7_clock_read_req_encode(pdu, sizeof pdu, (uint16_t)(0x300 + v))
                  : s7_szl_req_encode(pdu, sizeof pdu, (uint16_t)(0x300 + v), ids[v & 3], 0);
        break;
    }
    case 6: { /* a read split into DT fragments of (v % 8) + 1 bytes, all but the last
               * without EOT */
        s7_var_spec sp = {S7_TS_BYTE, 8, 1, S7_AREA_DB, 0};
        n = s7_read_req_encode(pdu, sizeof pdu, 0x400, &sp, 1);
        if (n <= 0)
            return 0;
        size_t part = (size_t)(v % 8) + 1, len = 0;
        for (size_t off = 0; off < (size_t)n; off += part) {
            size_t m = (size_t)n - off < part ? (size_t)n - off : part;
            if (len + 7 + m > cap)
                return 0;
            memcpy(out + len + 7, pdu + off, m);
            int f = s7_iso_dt_wrap(out + len, cap - len, m, off + m == (size_t)n);
            if (f <= 0)
                return 0;
            len += (size_t)f;
        }
        return len;
    }
    default: { /* a DR, a PDU of another kind, or a Job the CPU cannot take */
        if (v & 1) {
            static const uint8_t dr[] = {3, 0, 0, 11, 6, 0x80, 0, 1, 0, 1, 0};
            memcpy(out, dr, sizeof dr);
            return sizeof dr;
        }
        if (v & 2) {
            /* a read whose item count says more than its parameters hold */
            s7_var_spec sp = {S7_TS_BYTE, 1, 1, S7_AREA_DB, 0};
            n = s7_read_req_encode(pdu, sizeof pdu, 0x600, &sp, 1);
            if (n > 11)
                pdu[11] = (uint8_t)(2 + (v >> 2));
            break;
        }
        n = s7_plc_stop_req_encode(pdu, sizeof pdu, 0x500);
        break;
    }
    }
    if (n <= 0 || (size_t)n + 7 > cap)
        return 0;
    memcpy(out + 7, pdu, (size_t)n);
    int f = s7_iso_dt_wrap(out, cap, (size_t)n, 1);
    return f > 0 ? (size_t)f : 0;
}

static void on_refuse(void *ctx, const char *peer, const char *reason)
{
    (void)ctx;
    if (!peer || !reason || !reason[0])
        abort(); /* a refusal that does not say why */
    if (debug)
        fprintf(stderr, "refused %s: %s\n", peer, reason);
}

static void on_connect(void *ctx, const char *peer, int type)
{
    (void)ctx;
    if (!peer || type < 1 || type > 3)
        abort();
}

static void on_disconnect(void *ctx, const char *peer, const char *reason)
{
    (void)ctx;
    if (!peer || !reason || !reason[0])
        abort(); /* a close that does not say why */
}

static s7_server *g_srv;
static int g_group, g_fail, g_wrote, g_commits;

static void on_event(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    if (!ev || (ev->kind == S7_EV_WRITE && ev->rc == S7_RC_OK && ev->len && !ev->data))
        abort();
    if (!g_group)
        return;
    if (ev->kind == S7_EV_WRITE && ev->rc == S7_RC_OK && ev->db == 1)
        g_wrote = 1; /* as a retentive DB: its reply waits for the commit */
    if (ev->kind == S7_EV_DONE) {
        if (g_wrote && s7_server_hold_replies(g_srv) != 0)
            abort(); /* a request being served with the hook registered: always held */
        g_wrote = 0;
    }
}

/* The commit: fails every fifth time when asked to (g_fail). */
static int on_commit(void *ctx)
{
    (void)ctx;
    int rc = g_fail && ++g_commits % 5 == 0 ? S7_ERR_IO : 0;
    if (debug)
        fprintf(stderr, "commit: %s\n", rc ? "fails" : "ok");
    return rc;
}

static void log_fn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "log %d: %s\n", level, msg);
}

static void turn(s7_server *s)
{
    int rc = s7_server_run_once(s, 0);
    if (rc < 0 && !(g_fail && rc == S7_ERR_IO))
        abort();
    s7_server_stats st;
    s7_server_stats_get(s, &st, sizeof st);
    if (st.connections != s7_server_connections(s, NULL) || st.paused > st.connections)
        abort(); /* the engine's accounting disagrees with itself */
    if (st.connections == 0 && st.held != 0)
        abort(); /* bytes held for connections that are gone */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int64_t conn_held[4] = {65536, 0, 512, 4096};
    static const int64_t held[4] = {64 << 20, 0, 2048, 16384};
    static const int bufs[4] = {0, 2048, 4608, 16384};
    if (size < 2)
        return 0;
    if (debug < 0)
        debug = getenv("S7_FUZZ_DEBUG") != NULL;
    uint8_t lim = data[0];
    size_t ncli = 1 + (data[1] & 3), pos = 2;
    bufsize = bufs[lim >> 6];
    virt_on = 1;
    virt_ms = 3600 * 1000;
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(lim & 0x20 ? "s7-300" : "s7-1500"));
    if (!cpu) {
        virt_on = 0;
        return 0;
    }
    s7_cpu_set_put_get(cpu, 1);
    s7_cpu_add_db(cpu, 1, 256, 0);
    s7_cpu_add_db(cpu, 2, 64, S7_DB_OPTIMIZED);
    s7_cpu_add_db(cpu, 10, 1024, 0);
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.idle_timeout_ms = 3000;
    o.max_clients = lim & 0x10 ? 3 : 65000;
    if (debug)
        o.log = log_fn;
    o.hooks.on_connect = on_connect;
    o.hooks.on_disconnect = on_disconnect;
    o.hooks.on_event = on_event;
    s7_server *s = s7_server_new(cpu, &o);
    if (!s) {
        s7_cpu_free(cpu);
        virt_on = 0;
        return 0;
    }
    s7_server_on_refuse(s, on_refuse, NULL);
    g_srv = s;
    g_group = data[1] >> 2 & 1;
    g_fail = data[1] >> 3 & 1;
    g_wrote = g_commits = 0;
    if (g_group)
        s7_server_on_commit(s, on_commit, NULL);
    s7_server_set_limit(s, S7_SLIM_CR_TIMEOUT_MS, 1000);
    s7_server_set_limit(s, S7_SLIM_SETUP_TIMEOUT_MS, 1000);
    s7_server_set_limit(s, S7_SLIM_CONN_HELD, conn_held[lim & 3]);
    s7_server_set_limit(s, S7_SLIM_HELD, held[lim >> 2 & 3]);

    static client cli[NCLI];
    static uint8_t rxbuf[NCLI][65536 + 8];
    for (size_t i = 0; i < NCLI; i++) {
        cli[i].fd = -1;
        cli[i].rx = rxbuf[i];
        if (i < ncli)
            new_pair(s, &cli[i]);
    }
    size_t actions = 0;
    while (pos < size && actions++ < 4096) {
        uint8_t c = data[pos++];
        client *k = &cli[c >> 3 & 3];
        switch (c & 7) {
        case 0: {
            size_t n = pos < size ? data[pos++] : 0;
            if (n > size - pos)
                n = size - pos;
            put(k, data + pos, n);
            pos += n;
            break;
        }
        case 1: {
            uint8_t f[2048];
            size_t n = ready_frame(pos < size ? data[pos++] : 0, f, sizeof f);
            put(k, f, n);
            break;
        }
        case 2: drain(k); break;
        case 3:
            if (k->fd >= 0)
                shutdown(k->fd, SHUT_WR);
            break;
        case 4:
            if (k->fd >= 0)
                close(k->fd);
            k->fd = -1;
            break;
        case 5:
            if (k->fd >= 0)
                close(k->fd);
            k->fd = -1;
            new_pair(s, k);
            break;
        case 6: virt_ms += (int64_t)(pos < size ? data[pos++] : 0) * 40; break;
        default:
            for (int t = 0; t < (c >> 3); t++)
                turn(s);
            break;
        }
        turn(s);
    }
    /* the end: read what is left, every client closes, the engine must close them all */
    for (int t = 0; t < 4; t++) {
        for (size_t i = 0; i < NCLI; i++)
            drain(&cli[i]);
        turn(s);
    }
    for (size_t i = 0; i < NCLI; i++) {
        drain(&cli[i]);
        if (cli[i].fd >= 0)
            close(cli[i].fd);
        cli[i].fd = -1;
    }
    for (int t = 0; t < 10 && s7_server_connections(s, NULL); t++)
        turn(s);
    if (debug) {
        s7_server_stats st;
        s7_server_stats_get(s, &st, sizeof st);
        fprintf(stderr,
                "accepted %llu, pauses %llu, held peak %llu (one conn %llu), closed: memory %llu "
                "protocol %llu idle %llu cr %llu setup %llu\n",
                (unsigned long long)st.accepted, (unsigned long long)st.read_pauses,
                (unsigned long long)st.held_peak, (unsigned long long)st.held_conn_peak,
                (unsigned long long)st.closed_memory, (unsigned long long)st.closed_protocol,
                (unsigned long long)st.closed_idle, (unsigned long long)st.closed_cr_timeout,
                (unsigned long long)st.closed_setup_timeout);
    }
    if (s7_server_connections(s, NULL) != 0)
        abort(); /* connections whose clients are gone stay open */
    s7_server_free(s);
    g_srv = NULL;
    s7_cpu_free(cpu);
    virt_on = 0;
    return 0;
}
