/* The server engine (server/server.c) in one thread: clients are non-blocking loopback
 * sockets written and read between turns of s7_server_run_once, no client library, no
 * threads.  Covers: the CC and setup replies, a read answered from the CPU model, a
 * request delivered one byte per turn, two frames in one segment answered in one send,
 * a refused CR (another slot; outside the allow-list) closed without a CC, a DR answered
 * with a DC, the connect/disconnect hooks and the connection counts, the idle timeout, and
 * the CR hook (s7_server_on_cr): a CR it claims leaves the server with the socket open and
 * the CR's bytes handed over, one it refuses is closed without a CC, one it leaves gets the
 * CPU's CC; a CPU's own event handler stays when the server has no on_event hook; the
 * group commit (s7_server_hold_replies, s7_server_on_commit). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/server.h"
#include "loopback_sock.h"
#include "t.h"

static const char *CR_HEX = "03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02";
static const char *SETUP_HEX =
    "03 00 00 19 02 F0 80 32 01 00 00 00 01 00 08 00 00 F0 00 00 08 00 08 03 C0";

static int connects, disconnects;
static char last_reason[200];

static void on_connect(void *ctx, const char *peer, int type)
{
    connects++;
    (void)ctx;
    (void)peer;
    (void)type;
}

static void on_disconnect(void *ctx, const char *peer, const char *reason)
{
    disconnects++;
    snprintf(last_reason, sizeof last_reason, "%s", reason);
    (void)ctx;
    (void)peer;
}

static int refusals;
static char refuse_peer[80], refuse_reason[200];

static void on_refuse(void *ctx, const char *peer, const char *reason)
{
    refusals++;
    snprintf(refuse_peer, sizeof refuse_peer, "%s", peer);
    snprintf(refuse_reason, sizeof refuse_reason, "%s", reason);
    (void)ctx;
}

/* The CPU's own event handler: a server without an on_event hook leaves it in place. */
static int own_reads;
static void own_event(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    if (ev->kind == S7_EV_READ && ev->area == S7_AREA_DB && ev->db == 1 && ev->len == 4)
        own_reads++;
}

/* A non-blocking connection to the server (the test turns the server's loop itself). */
static int dial(uint16_t port)
{
    int fd = t_dial(port);
    if (fd >= 0)
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    return fd;
}

/* Turn the server's loop until fd has want bytes (or the server closed it: returns what
 * came, and *eof = 1). */
static size_t collect(s7_server *s, int fd, uint8_t *buf, size_t want, int *eof)
{
    size_t got = 0;
    *eof = 0;
    for (int turn = 0; turn < 200 && got < want; turn++) {
        s7_server_run_once(s, 10);
        ssize_t r = recv(fd, buf + got, want - got, 0);
        if (r > 0)
            got += (size_t)r;
        else if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
            *eof = 1;
            break;
        }
    }
    return got;
}

/* Turn the loop until fd reads end of stream (1) or 100 turns pass (0). */
static int closed_by_server(s7_server *s, int fd)
{
    uint8_t b[64];
    for (int turn = 0; turn < 100; turn++) {
        s7_server_run_once(s, 10);
        ssize_t r = recv(fd, b, sizeof b, 0);
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            return 1;
    }
    return 0;
}

static void send_hex(int fd, const char *hex)
{
    uint8_t b[256];
    size_t n = t_hex(hex, b, sizeof b);
    CHECK_INT(send(fd, b, n, 0), n);
}

static s7_server *start(s7_cpu *cpu, int idle_ms)
{
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    o.idle_timeout_ms = idle_ms;
    o.hooks.on_connect = on_connect;
    o.hooks.on_disconnect = on_disconnect;
    s7_server *s = s7_server_new(cpu, &o);
    CHECK(s != NULL);
    CHECK_INT(s7_server_start(s), 0);
    return s;
}

static void test_session(s7_cpu *cpu)
{
    s7_server *s = start(cpu, 0);
    int fd = dial(s7_server_port(s));
    CHECK(fd >= 0);
    uint8_t buf[256], want[64];
    int eof;
    send_hex(fd, CR_HEX);
    CHECK_INT(collect(s, fd, buf, 22, &eof), 22);
    size_t wl = t_hex("03 00 00 16 11 D0 00 01 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", want,
                      sizeof want);
    CHECK_MEM(buf, want, wl);
    CHECK_INT(connects, 1);
    uint16_t per[4];
    CHECK_INT(s7_server_connections(s, per), 1);
    CHECK_INT(per[1], 1); /* one PG connection */

    /* the setup request one byte per turn */
    uint8_t setup[64];
    size_t sl = t_hex(SETUP_HEX, setup, sizeof setup);
    for (size_t i = 0; i < sl; i++) {
        CHECK_INT(send(fd, setup + i, 1, 0), 1);
        s7_server_run_once(s, 5);
    }
    CHECK_INT(collect(s, fd, buf, 27, &eof), 27);
    CHECK_INT(buf[8], S7_ACK_DATA);

    /* two reads of DB1.DBB0 (4 bytes) in one segment: both answered */
    uint8_t req[128];
    s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    int n = s7_read_req_encode(req + S7_ISO_HDR_LEN, 64, 2, &spec, 1);
    int f = s7_iso_dt_wrap(req, 64, (size_t)n, 1);
    memcpy(req + f, req, (size_t)f);
    req[f + S7_ISO_HDR_LEN + 5] = 3; /* the second one's PDU reference */
    CHECK_INT(send(fd, req, 2 * (size_t)f, 0), 2 * f);
    CHECK_INT(collect(s, fd, buf, 2 * 29, &eof), 2 * 29);
    CHECK_MEM(buf + 29 - 4, "\xCA\xFE\xF0\x0D", 4);
    CHECK_INT(buf[29 + S7_ISO_HDR_LEN + 5], 3);
    CHECK_INT(own_reads, 2); /* the server has no on_event hook: the CPU's handler saw both */

    /* a DR: answered with a DC, then closed */
    send_hex(fd, "03 00 00 0B 06 80 00 01 00 07 80");
    CHECK_INT(collect(s, fd, buf, 10, &eof), 10);
    CHECK_INT(buf[5], S7_COTP_DC);
    CHECK(closed_by_server(s, fd));
    CHECK_INT(disconnects, 1);
    CHECK(strstr(last_reason, "disconnect request") != NULL);
    CHECK_INT(s7_server_connections(s, NULL), 0);
    close(fd);
    s7_server_free(s);
}

static void test_refusals(s7_cpu *cpu)
{
    s7_server *s = start(cpu, 0);
    uint8_t buf[64];
    int eof;
    /* rack 0 slot 3: another CPU; closed without a CC */
    int fd = dial(s7_server_port(s));
    send_hex(fd, "03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 03");
    CHECK_INT(collect(s, fd, buf, 22, &eof), 0);
    CHECK_INT(eof, 1);
    CHECK(strstr(last_reason, "connection request refused") != NULL);
    close(fd);
    s7_server_free(s);

    /* garbage instead of a CR */
    s = start(cpu, 0);
    fd = dial(s7_server_port(s));
    send_hex(fd, "47 45 54 20 2F 20 48 54 54 50");
    CHECK(closed_by_server(s, fd));
    CHECK(strstr(last_reason, "malformed frame") != NULL);
    close(fd);
    s7_server_free(s);

    /* outside the allow-list: closed at accept, before any byte, through the refusal hook
     * (never a connection: no disconnect hook) */
    s = start(cpu, 0);
    refusals = 0;
    s7_server_on_refuse(s, on_refuse, NULL);
    CHECK_INT(s7_server_allow(s, "10.0.0.0/8"), 0);
    CHECK_INT(s7_server_allow(s, "not-an-address"), S7_ERR_INVAL);
    int before = disconnects;
    fd = dial(s7_server_port(s));
    CHECK(closed_by_server(s, fd));
    CHECK_INT(refusals, 1);
    CHECK(strstr(refuse_reason, "allow-list") != NULL);
    CHECK(strncmp(refuse_peer, "127.0.0.1:", 10) == 0);
    CHECK_INT(disconnects, before);
    s7_server_stats st;
    s7_server_stats_get(s, &st, sizeof st);
    CHECK_INT(st.refused_allow, 1);
    CHECK_INT(st.connections, 0);
    close(fd);
    s7_server_free(s);
}

static void test_idle(s7_cpu *cpu)
{
    s7_server *s = start(cpu, 50);
    int fd = dial(s7_server_port(s));
    int before = disconnects;
    uint8_t buf[64];
    int eof;
    send_hex(fd, CR_HEX);
    CHECK_INT(collect(s, fd, buf, 22, &eof), 22);
    send_hex(fd, SETUP_HEX);
    CHECK_INT(collect(s, fd, buf, 27, &eof), 27);
    CHECK(closed_by_server(s, fd));
    CHECK_INT(disconnects, before + 1);
    CHECK_STR(last_reason, "idle timeout");
    close(fd);
    s7_server_free(s);
    s7_server_free(NULL);
}

/* A connection that sends a request every 20 ms stays open under a 100 ms idle timeout
 * for 0.6 s (each request stamps it, though the server reads the clock only after the
 * reply went out), and is closed for idleness once it stops. */
static void test_idle_active(s7_cpu *cpu)
{
    s7_server *s = start(cpu, 100);
    int fd = dial(s7_server_port(s));
    int before = disconnects;
    uint8_t buf[64], req[64];
    int eof;
    send_hex(fd, CR_HEX);
    CHECK_INT(collect(s, fd, buf, 22, &eof), 22);
    send_hex(fd, SETUP_HEX);
    CHECK_INT(collect(s, fd, buf, 27, &eof), 27);
    s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    int n = s7_read_req_encode(req + S7_ISO_HDR_LEN, 64, 2, &spec, 1);
    int f = s7_iso_dt_wrap(req, 64, (size_t)n, 1);
    for (int k = 0; k < 30; k++) {
        CHECK_INT(send(fd, req, (size_t)f, 0), f);
        CHECK_INT(collect(s, fd, buf, 29, &eof), 29);
        CHECK_INT(eof, 0);
        for (int t = 0; t < 4; t++)
            s7_server_run_once(s, 5); /* some 20 ms, timers run */
    }
    CHECK_INT(disconnects, before);
    CHECK(closed_by_server(s, fd));
    CHECK_INT(disconnects, before + 1);
    CHECK_STR(last_reason, "idle timeout");
    close(fd);
    s7_server_free(s);
}

/* The CR hook: claims called TSAP 10.00, refuses 10.05, leaves the rest to the CPU. */
static int claimed_fd = -1, offers;
static uint8_t claimed_bytes[64];
static size_t claimed_len;
static char offered_addr[64];

static int on_cr(void *ctx, const s7_server_cr *cr, const char **why)
{
    (void)ctx;
    offers++;
    snprintf(offered_addr, sizeof offered_addr, "%s", cr->peer_addr);
    uint16_t called =
        cr->cr->called_len == 2 ? (uint16_t)(cr->cr->called[0] << 8 | cr->cr->called[1]) : 0;
    if (called == 0x1000) {
        claimed_fd = cr->fd;
        claimed_len = cr->len < sizeof claimed_bytes ? cr->len : sizeof claimed_bytes;
        memcpy(claimed_bytes, cr->bytes, claimed_len);
        *why = "the test's partner connection";
        return 1;
    }
    if (called == 0x1005) {
        *why = "test: not this one";
        return S7_ERR_CR_REJECTED;
    }
    return 0;
}

static void test_cr_hook(s7_cpu *cpu)
{
    s7_server *s = start(cpu, 0);
    s7_server_on_cr(s, on_cr, NULL);
    s7_server_on_refuse(s, on_refuse, NULL);
    uint8_t buf[64], want[64];
    int eof;
    /* claimed: no CC from the server, the socket stays open in the hook's hands */
    int fd = dial(s7_server_port(s));
    const char *cr_partner = "03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 10 00 C2 02 10 00";
    send_hex(fd, cr_partner);
    int conn0 = connects;
    CHECK_INT(collect(s, fd, buf, 1, &eof), 0);
    CHECK_INT(eof, 0);
    CHECK(claimed_fd >= 0);
    size_t wl = t_hex(cr_partner, want, sizeof want);
    CHECK_INT(claimed_len, wl);
    CHECK_MEM(claimed_bytes, want, wl);
    CHECK_STR(offered_addr, "127.0.0.1");
    CHECK_INT(s7_server_connections(s, NULL), 0);
    CHECK_INT(connects, conn0); /* never the server's connection */
    CHECK_INT(send(claimed_fd, "x", 1, 0), 1);
    for (int i = 0; i < 100 && recv(fd, buf, 1, 0) != 1; i++)
        s7_server_run_once(s, 5);
    CHECK_INT(buf[0], 'x');
    close(claimed_fd);
    close(fd);
    /* refused: closed without a CC, counted and reported as a refused CR */
    refusals = 0;
    fd = dial(s7_server_port(s));
    send_hex(fd, "03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 10 00 C2 02 10 05");
    CHECK_INT(collect(s, fd, buf, 22, &eof), 0);
    CHECK_INT(eof, 1);
    CHECK_INT(refusals, 1);
    CHECK_STR(refuse_reason, "connection request refused: test: not this one");
    s7_server_stats st;
    s7_server_stats_get(s, &st, sizeof st);
    CHECK_INT(st.refused_cr, 1);
    close(fd);
    /* left to the CPU: its CC */
    fd = dial(s7_server_port(s));
    send_hex(fd, CR_HEX);
    CHECK_INT(collect(s, fd, buf, 22, &eof), 22);
    CHECK_INT(buf[5], S7_COTP_CC);
    CHECK_INT(offers, 3);
    close(fd);
    s7_server_free(s);
}

/* ---------------------------------------------------------------- group commit */

static s7_server *g_gs;
static int g_hold_rc, g_commits, g_commit_rc;
static int g_fd_a = -1, g_fd_b = -1;
static ssize_t g_seen_a, g_seen_b; /* bytes each client had received when the commit ran */

/* The application's on_event: holds the reply of every Write Var (as `s7 server` does for
 * a write job that journaled retentive data). */
static void hold_writes(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    if (ev->kind == S7_EV_DONE && ev->fn == S7_FN_WRITE)
        g_hold_rc = s7_server_hold_replies(g_gs);
}

static ssize_t peek(int fd)
{
    uint8_t b[512];
    ssize_t r = recv(fd, b, sizeof b, MSG_PEEK | MSG_DONTWAIT);
    return r < 0 ? 0 : r;
}

static int commit_hook(void *ctx)
{
    (void)ctx;
    g_commits++;
    g_seen_a = peek(g_fd_a);
    g_seen_b = peek(g_fd_b);
    return g_commit_rc;
}

/* A DT frame: Read Var of DB1.DBB0, 4 bytes (its reply: 29 bytes), or Write Var of 2
 * bytes at DB1.DBB8 (its reply: 22 bytes). */
static size_t rw_frame(uint8_t *out, int write, uint16_t ref)
{
    uint8_t pdu[64];
    s7_var_spec spec = {S7_TS_BYTE, write ? 2 : 4, 1, S7_AREA_DB, write ? 64u : 0u};
    s7_data_item d = {0, 0, 0, (const uint8_t *)"\x12\x34", 2};
    int n = write ? s7_write_req_encode(pdu, sizeof pdu, ref, &spec, &d, 1)
                  : s7_read_req_encode(pdu, sizeof pdu, ref, &spec, 1);
    memcpy(out + S7_ISO_HDR_LEN, pdu, (size_t)n);
    return (size_t)s7_iso_dt_wrap(out, 128, (size_t)n, 1);
}

/* Turn the loop until the commit hook has run `want` times (at most 100 turns). */
static int turn_until_commit(s7_server *s, int want)
{
    int rc = 0;
    for (int t = 0; t < 100 && g_commits < want; t++)
        if ((rc = s7_server_run_once(s, 10)) < 0)
            break;
    return rc < 0 ? rc : 0;
}

static uint16_t ref_at(const uint8_t *frame) { return (uint16_t)(frame[11] << 8 | frame[12]); }

/* s7_server_hold_replies / s7_server_on_commit: a held write's reply leaves only after the
 * turn's one commit, while another client's read is answered before it; on one
 * connection the replies before the held one go at once and those after it wait behind it,
 * in order; without the hook nothing is held; a failed commit closes the holding
 * connection without a byte of its replies, and stops the loop. */
static void test_group_commit(s7_cpu *cpu)
{
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    o.hooks.on_event = hold_writes;
    o.hooks.on_disconnect = on_disconnect;
    s7_server *s = g_gs = s7_server_new(cpu, &o);
    CHECK(s != NULL);
    CHECK_INT(s7_server_start(s), 0);
    CHECK_INT(s7_server_hold_replies(s), S7_ERR_INVAL); /* no request being served */
    s7_server_on_commit(s, commit_hook, NULL);
    CHECK_INT(s7_server_hold_replies(s), S7_ERR_INVAL);
    CHECK_INT(s7_server_hold_replies(NULL), S7_ERR_INVAL);
    g_fd_a = dial(s7_server_port(s));
    g_fd_b = dial(s7_server_port(s));
    uint8_t buf[512], req[512];
    int eof;
    for (int i = 0; i < 2; i++) {
        int fd = i ? g_fd_b : g_fd_a;
        send_hex(fd, CR_HEX);
        CHECK_INT(collect(s, fd, buf, 22, &eof), 22);
        send_hex(fd, SETUP_HEX);
        CHECK_INT(collect(s, fd, buf, 27, &eof), 27);
    }
    CHECK_INT(g_commits, 0); /* nothing held so far */

    /* two writes on A, a read on B, in the same turn: one commit; B's answer before it */
    size_t n = rw_frame(req, 1, 5);
    n += rw_frame(req + n, 1, 6);
    CHECK_INT(send(g_fd_a, req, n, 0), (ssize_t)n);
    size_t m = rw_frame(req, 0, 1);
    CHECK_INT(send(g_fd_b, req, m, 0), (ssize_t)m);
    usleep(20000); /* both on the server's side before its next turn */
    g_hold_rc = -1;
    CHECK_INT(turn_until_commit(s, 1), 0);
    CHECK_INT(g_hold_rc, 0);
    CHECK_INT(g_commits, 1);
    CHECK_INT(g_seen_a, 0);  /* no write acknowledged before the commit */
    CHECK_INT(g_seen_b, 29); /* the read was not held */
    CHECK_INT(collect(s, g_fd_a, buf, 44, &eof), 44);
    CHECK_INT(ref_at(buf), 5);
    CHECK_INT(ref_at(buf + 22), 6);
    CHECK_INT(buf[21], 0xFF);
    CHECK_INT(collect(s, g_fd_b, buf, 29, &eof), 29);
    CHECK_INT(g_commits, 1); /* one commit for both writes */

    /* read, write, read on A: the first read's answer goes before the commit, the second
     * waits behind the held write */
    n = rw_frame(req, 0, 7);
    n += rw_frame(req + n, 1, 8);
    n += rw_frame(req + n, 0, 9);
    CHECK_INT(send(g_fd_a, req, n, 0), (ssize_t)n);
    CHECK_INT(turn_until_commit(s, 2), 0);
    CHECK_INT(g_seen_a, 29);
    CHECK_INT(collect(s, g_fd_a, buf, 29 + 22 + 29, &eof), 29 + 22 + 29);
    CHECK_INT(ref_at(buf), 7);
    CHECK_INT(ref_at(buf + 29), 8);
    CHECK_INT(ref_at(buf + 29 + 22), 9);

    /* without the hook: nothing held, the write answered at once */
    s7_server_on_commit(s, NULL, NULL);
    n = rw_frame(req, 1, 10);
    CHECK_INT(send(g_fd_a, req, n, 0), (ssize_t)n);
    g_hold_rc = 0;
    CHECK_INT(collect(s, g_fd_a, buf, 22, &eof), 22);
    CHECK_INT(g_hold_rc, S7_ERR_INVAL);
    CHECK_INT(g_commits, 2);

    /* a failed commit: A's held reply never leaves, A is closed, the loop returns the
     * error; B (a read) was answered */
    s7_server_on_commit(s, commit_hook, NULL);
    g_commit_rc = S7_ERR_IO;
    n = rw_frame(req, 1, 11);
    CHECK_INT(send(g_fd_a, req, n, 0), (ssize_t)n);
    m = rw_frame(req, 0, 12);
    CHECK_INT(send(g_fd_b, req, m, 0), (ssize_t)m);
    usleep(20000);
    int before = disconnects;
    CHECK_INT(turn_until_commit(s, 3), S7_ERR_IO);
    CHECK_INT(g_seen_a, 0);
    CHECK_INT(g_seen_b, 29);
    CHECK_INT(disconnects, before + 1);
    CHECK(strstr(last_reason, "durable") != NULL);
    CHECK_INT(recv(g_fd_a, buf, sizeof buf, 0), 0); /* end of stream, no reply byte */
    CHECK_INT(collect(s, g_fd_b, buf, 29, &eof), 29);
    CHECK_INT(s7_server_connections(s, NULL), 1);
    close(g_fd_a);
    close(g_fd_b);
    s7_server_free(s);
    g_gs = NULL;
}

int main(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_cpu_add_db(cpu, 1, 16, 0);
    s7_cpu_set_value(cpu, "DB1.DBD0:DWORD=16#CAFEF00D", NULL, 0);
    s7_cpu_on_event(cpu, own_event, NULL);
    test_session(cpu);
    test_refusals(cpu);
    test_idle(cpu);
    test_idle_active(cpu);
    test_cr_hook(cpu);
    test_group_commit(cpu);
    s7_cpu_free(cpu);
    return t_done();
}
