/* server_protect: s7kit's client, and hand-built frames over plain sockets, against s7kit's
 * CPU emulator (`s7 server`) for every protection case, each asserting the exact bytes or
 * codes.  Driven by test_server_protect.sh, which starts a server per case:
 *
 *   server_protect CASE PORT SLOT [LOGFILE]
 *
 * CASE (the server the script starts for it):
 *   putget     s7-1500, PUT/GET off (default), DB1 64, DB2 16 optimized
 *   putget300  s7-300 --put-get off, DB1 64
 *   items      s7-1500 --put-get on, DB1 100 (DBW0 = 0x1234), DB2 64 optimized, DB3 32 ro
 *   pdu        same as items: PDU limit (0x8500), unknown functions / groups / SZL
 *   setup-P    profile P (s7-1200, s7-300, s7-400, s7-1500): Setup Communication answers
 *   types      s7-300, DB1 64 (DBW0 = 0x1234, DBD4:REAL = 3.5), MB3 = 0x20: transport sizes
 *   wire       any CPU with DB1 >= 1 byte, slot given: a few error answers for a capture
 *   prog       an S7-300/400: programmer commands (modify, VarTab and their pushes, job list)
 *   budget     s7-300 --max-conn op=2
 *   tsap       s7-300 (rack 0 slot 2)
 *   tsap14     s7-300 --rack 1 --slot 4
 *   deny       s7-300 --allow 10.0.0.0/8
 *   allow      s7-300 --allow 127.0.0.0/8
 *   malformed  s7-300, DB1 64 (DBW0 = 0x1234)
 *
 * Frames follow shared/docs/s7-protocol.md (sections 1.3, 3, 4, 5, 6, 10).  Prints
 * "N passed, N failed"; exit 0 / 1, 2 for a usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "s7/client.h"
#include "t.h"

static uint16_t g_port;
static uint8_t g_slot;
static const char *g_log;
static const char *g_case = "";

/* ---------------------------------------------------------------- reporting */

static void hexdump(const char *label, const uint8_t *p, size_t n)
{
    fprintf(stderr, "    %s (%zu):", label, n);
    for (size_t i = 0; i < n && i < 300; i++)
        fprintf(stderr, " %02X", p[i]);
    fprintf(stderr, "%s\n", n > 300 ? " ..." : "");
}

/* Counts one check; prints what failed. */
static void ok(int cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void ok(int cond, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (cond) {
        t_pass++;
    } else {
        t_fail++;
        fprintf(stderr, "FAIL [%s] ", g_case);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
    }
    va_end(ap);
}

/* got[0..n) must equal the hex string want exactly. */
static int expect_hex(const char *what, const uint8_t *got, int n, const char *want)
{
    uint8_t w[4096];
    size_t wn = t_hex(want, w, sizeof w);
    int same = n >= 0 && (size_t)n == wn && memcmp(got, w, wn) == 0;
    ok(same, "%s: bytes differ", what);
    if (!same) {
        hexdump("want", w, wn);
        if (n >= 0)
            hexdump("got ", got, (size_t)n);
        else
            fprintf(stderr, "    got : nothing (%s)\n",
                    n == 0    ? "closed"
                    : n == -1 ? "timeout"
                              : "error");
    }
    return same;
}

/* ---------------------------------------------------------------- sockets */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int tcp_open(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons(g_port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static unsigned local_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t sl = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &sl) != 0)
        return 0;
    return ntohs(sa.sin_port);
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* recv with a deadline: >0 bytes, 0 EOF, -1 timeout, -2 reset / error. */
static int recv_until(int fd, uint8_t *p, size_t n, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return -1;
        struct pollfd pf = {fd, POLLIN, 0};
        int r = poll(&pf, 1, (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return -1;
        ssize_t k = recv(fd, p, n, 0);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0)
            return -2;
        return (int)k;
    }
}

/* One TPKT: its length, 0 closed, -1 timeout, -2 reset, -3 not a TPKT / too long. */
static int rd_tpkt(int fd, uint8_t *buf, size_t cap, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    size_t got = 0, want = 4;
    while (got < want) {
        int k = recv_until(fd, buf + got, want - got, deadline);
        if (k <= 0)
            return got ? -3 : k;
        got += (size_t)k;
        if (got == 4 && want == 4) {
            if (buf[0] != 3)
                return -3;
            want = (size_t)buf[2] << 8 | buf[3];
            if (want < 7 || want > cap)
                return -3;
        }
    }
    return (int)got;
}

/* Waits until the peer closes: 1 closed (EOF or reset), 0 still open after timeout_ms.
 * *bytes gets what arrived before the close. */
static int wait_closed(int fd, int timeout_ms, size_t *bytes)
{
    int64_t deadline = now_ms() + timeout_ms;
    uint8_t junk[4096];
    *bytes = 0;
    for (;;) {
        int k = recv_until(fd, junk, sizeof junk, deadline);
        if (k == 0 || k == -2)
            return 1;
        if (k == -1)
            return 0;
        *bytes += (size_t)k;
    }
}

/* Still open: nothing to read and no hang-up within ms. */
static int still_open(int fd, int ms)
{
    struct pollfd pf = {fd, POLLIN, 0};
    int r = poll(&pf, 1, ms);
    return r == 0;
}

/* ---------------------------------------------------------------- frames */

/* COTP CR with 2-byte TSAPs; order 0 = C0 C1 C2 (Snap7), 1 = C1 C2 C0 (nmap). */
static size_t mk_cr(uint8_t *b, uint16_t src_ref, uint16_t calling, uint16_t called, uint8_t tpdu,
                    int order)
{
    uint8_t c0[3] = {0xC0, 1, tpdu};
    uint8_t c1[4] = {0xC1, 2, (uint8_t)(calling >> 8), (uint8_t)calling};
    uint8_t c2[4] = {0xC2, 2, (uint8_t)(called >> 8), (uint8_t)called};
    size_t n = 0;
    b[n++] = 3, b[n++] = 0, b[n++] = 0, b[n++] = 22;
    b[n++] = 0x11, b[n++] = 0xE0, b[n++] = 0, b[n++] = 0;
    b[n++] = (uint8_t)(src_ref >> 8), b[n++] = (uint8_t)src_ref, b[n++] = 0;
    if (order == 0) {
        memcpy(b + n, c0, 3), n += 3;
        memcpy(b + n, c1, 4), n += 4;
        memcpy(b + n, c2, 4), n += 4;
    } else {
        memcpy(b + n, c1, 4), n += 4;
        memcpy(b + n, c2, 4), n += 4;
        memcpy(b + n, c0, 3), n += 3;
    }
    return n;
}

/* TPKT + DT (EOT) around an S7 PDU. */
static size_t mk_dt(uint8_t *b, const uint8_t *pdu, size_t n)
{
    size_t t = n + 7;
    b[0] = 3, b[1] = 0, b[2] = (uint8_t)(t >> 8), b[3] = (uint8_t)t;
    b[4] = 2, b[5] = 0xF0, b[6] = 0x80;
    memmove(b + 7, pdu, n);
    return t;
}

/* 10-byte S7 header (Job / Userdata) + param + data; returns the PDU length. */
static size_t mk_pdu(uint8_t *p, uint8_t rosctr, uint16_t ref, const uint8_t *par, size_t pl,
                     const uint8_t *data, size_t dl)
{
    p[0] = 0x32, p[1] = rosctr, p[2] = 0, p[3] = 0;
    p[4] = (uint8_t)(ref >> 8), p[5] = (uint8_t)ref;
    p[6] = (uint8_t)(pl >> 8), p[7] = (uint8_t)pl;
    p[8] = (uint8_t)(dl >> 8), p[9] = (uint8_t)dl;
    memcpy(p + 10, par, pl);
    if (dl)
        memcpy(p + 10 + pl, data, dl);
    return 10 + pl + dl;
}

/* S7ANY item spec (12 bytes). */
static size_t put_spec(uint8_t *p, uint8_t ts, uint16_t count, uint16_t db, uint8_t area,
                       uint32_t addr)
{
    uint8_t s[12] = {0x12,
                     0x0A,
                     0x10,
                     ts,
                     (uint8_t)(count >> 8),
                     (uint8_t)count,
                     (uint8_t)(db >> 8),
                     (uint8_t)db,
                     area,
                     (uint8_t)(addr >> 16),
                     (uint8_t)(addr >> 8),
                     (uint8_t)addr};
    memcpy(p, s, 12);
    return 12;
}

typedef struct spec {
    uint8_t ts;
    uint16_t count;
    uint16_t db;
    uint8_t area;
    uint32_t byte; /* byte offset; element for T/C; for BIT (ts 0x01) the bit address byte*8+bit */
} spec;

/* A Read Var job frame for n byte items; returns the frame length. */
static size_t mk_read(uint8_t *b, uint16_t ref, const spec *s, unsigned n)
{
    uint8_t par[2 + 12 * 255], pdu[8192];
    size_t pl = 0;
    par[pl++] = 0x04;
    par[pl++] = (uint8_t)n;
    for (unsigned i = 0; i < n; i++)
        pl += put_spec(par + pl, s[i].ts ? s[i].ts : 0x02, s[i].count, s[i].db, s[i].area,
                       s[i].area == 0x1C || s[i].area == 0x1D || s[i].ts == 0x01 ? s[i].byte
                                                                                 : s[i].byte * 8);
    size_t k = mk_pdu(pdu, 1, ref, par, pl, NULL, 0);
    return mk_dt(b, pdu, k);
}

/* A Write Var job frame: one byte item (data TS 0x04, length in bits). */
static size_t mk_write(uint8_t *b, uint16_t ref, uint16_t db, uint8_t area, uint32_t byte,
                       const uint8_t *val, uint16_t len)
{
    uint8_t par[14], data[8192], pdu[9000];
    par[0] = 0x05, par[1] = 1;
    put_spec(par + 2, 0x02, len, db, area, byte * 8);
    data[0] = 0, data[1] = 0x04, data[2] = (uint8_t)((len * 8) >> 8), data[3] = (uint8_t)(len * 8);
    memcpy(data + 4, val, len);
    size_t k = mk_pdu(pdu, 1, ref, par, 14, data, 4u + len);
    return mk_dt(b, pdu, k);
}

/* Setup Communication frame (AmQ 1/1). */
static size_t mk_setup(uint8_t *b, uint16_t ref, uint16_t pdu_len)
{
    uint8_t par[8] = {0xF0, 0, 0, 1, 0, 1, (uint8_t)(pdu_len >> 8), (uint8_t)pdu_len}, pdu[32];
    return mk_dt(b, pdu, mk_pdu(pdu, 1, ref, par, 8, NULL, 0));
}

/* SZL read request (userdata group 4 subfunction 1). */
static size_t mk_szl(uint8_t *b, uint16_t ref, uint16_t id, uint16_t index)
{
    uint8_t par[8] = {0x00, 0x01, 0x12, 0x04, 0x11, 0x44, 0x01, 0x00};
    uint8_t data[8] = {
        0xFF,          0x09, 0x00, 0x04, (uint8_t)(id >> 8), (uint8_t)id, (uint8_t)(index >> 8),
        (uint8_t)index};
    uint8_t pdu[64];
    return mk_dt(b, pdu, mk_pdu(pdu, 7, ref, par, 8, data, 8));
}

/* Sends a frame, reads one TPKT reply (>0 length, or rd_tpkt's codes). */
static int xchg(int fd, const uint8_t *f, size_t n, uint8_t *r, size_t cap)
{
    if (send_all(fd, f, n) < 0)
        return -2;
    return rd_tpkt(fd, r, cap, 3000);
}

static uint16_t tsap(uint8_t type, uint8_t rack, uint8_t slot)
{
    return (uint16_t)(type << 8 | rack << 5 | slot);
}

/* TCP + CR (+ setup asking pdu when pdu != 0).  Returns the fd or -1 (counted as failures). */
static int raw_session(uint8_t type, uint16_t pdu, uint16_t *negotiated)
{
    uint8_t f[64], r[512];
    int fd = tcp_open();
    ok(fd >= 0, "TCP connect to 127.0.0.1:%u", g_port);
    if (fd < 0)
        return -1;
    int n = xchg(fd, f, mk_cr(f, 0x0007, 0x0100, tsap(type, 0, g_slot), 0x0A, 0), r, sizeof r);
    ok(n == 22 && r[5] == 0xD0, "CC for a type %u connection (got %d bytes)", type, n);
    if (n != 22 || r[5] != 0xD0) {
        close(fd);
        return -1;
    }
    if (pdu) {
        n = xchg(fd, f, mk_setup(f, 0x0000, pdu), r, sizeof r);
        ok(n == 27 && r[8] == 0x03 && r[17] == 0 && r[18] == 0,
           "setup reply (27-byte Ack_Data, got %d)", n);
        if (n != 27) {
            close(fd);
            return -1;
        }
        if (negotiated)
            *negotiated = (uint16_t)(r[25] << 8 | r[26]);
    }
    return fd;
}

/* ---------------------------------------------------------------- log */

/* Non-zero when line says why a connection ended or was refused (ASCII, any case). */
static int has_reason_word(const char *line)
{
    static const char *const words[] = {"close",  "refus",  "reject", "malformed", "invalid",
                                        "denied", "drop",   "error",  "protocol",  "bad",
                                        "allow",  "budget", "limit"};
    char low[1024];
    size_t i = 0;
    for (; line[i] && i + 1 < sizeof low; i++)
        low[i] = (char)(line[i] >= 'A' && line[i] <= 'Z' ? line[i] + 32 : line[i]);
    low[i] = 0;
    for (size_t k = 0; k < sizeof words / sizeof words[0]; k++)
        if (strstr(low, words[k]))
            return 1;
    return 0;
}

/* The server log has a line naming 127.0.0.1:port with a reason (a close / refusal).
 * Polls up to 2 s. */
static int log_names(unsigned port, char *line_out, size_t cap)
{
    if (!g_log || !*g_log)
        return 1;
    char needle[32];
    snprintf(needle, sizeof needle, "127.0.0.1:%u", port);
    int64_t deadline = now_ms() + 2000;
    do {
        FILE *f = fopen(g_log, "r");
        if (f) {
            char line[1024];
            while (fgets(line, sizeof line, f)) {
                /* refusals and cuts are logged at most 20 a second (docs/server.md,
                 * "Limits"); the rest are counted in a line when their second ends */
                if (strstr(line, "more refusals not logged")) {
                    snprintf(line_out, cap, "%s", line);
                    line_out[strcspn(line_out, "\n")] = 0;
                    fclose(f);
                    return 1;
                }
                char *at = strstr(line, needle);
                if (!at || (at[strlen(needle)] >= '0' && at[strlen(needle)] <= '9'))
                    continue;
                if (!has_reason_word(line))
                    continue;
                snprintf(line_out, cap, "%s", line);
                line_out[strcspn(line_out, "\n")] = 0;
                fclose(f);
                return 1;
            }
            fclose(f);
        }
        usleep(50000);
    } while (now_ms() < deadline);
    return 0;
}

/* ---------------------------------------------------------------- our client */

typedef struct tapbuf {
    uint8_t in[70000], out[70000];
    size_t in_len, out_len;
} tapbuf;
static tapbuf g_tap;

static void tap(void *ctx, int outgoing, const uint8_t *frame, size_t len)
{
    tapbuf *t = ctx;
    if (len > sizeof t->in)
        len = sizeof t->in;
    if (outgoing) {
        memcpy(t->out, frame, len);
        t->out_len = len;
    } else {
        memcpy(t->in, frame, len);
        t->in_len = len;
    }
}

/* Our client connected to the server (NULL on failure, *rc says why); counts nothing. */
static s7_client *client_rc(uint8_t type, int with_tap, int *rc)
{
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = g_slot;
    o.type = (s7_conn_type)type;
    o.connect_timeout_ms = 3000;
    o.request_timeout_ms = 3000;
    if (with_tap) {
        o.tap = tap;
        o.log_ctx = &g_tap;
    }
    s7_client *c = s7_client_new(&o);
    *rc = c ? s7_client_connect(c, "127.0.0.1", g_port) : S7_ERR_NOMEM;
    if (*rc != 0) {
        s7_client_free(c);
        return NULL;
    }
    return c;
}

/* Our client connected to the server; a failure to connect is counted. */
static s7_client *client(uint8_t type, int with_tap)
{
    int rc = 0;
    s7_client *c = client_rc(type, with_tap, &rc);
    ok(c != NULL, "our client connects (type %u): %s", type, s7_strerror(rc));
    return c;
}

/* The last reply our client received is exactly the 19-byte Ack `32 02 0000 <ref> 0000
 * 0000 <cls> <code>` answering the last request it sent. */
static void expect_tapped_ack(const char *what, uint8_t cls, uint8_t code)
{
    char want[128];
    uint16_t ref = g_tap.out_len >= 13 ? (uint16_t)(g_tap.out[11] << 8 | g_tap.out[12]) : 0xFFFF;
    snprintf(want, sizeof want, "03 00 00 13 02 F0 80 32 02 00 00 %02X %02X 00 00 00 00 %02X %02X",
             ref >> 8, ref & 0xFF, cls, code);
    expect_hex(what, g_tap.in, (int)g_tap.in_len, want);
}

/* ---------------------------------------------------------------- cases */

/* PUT/GET not permitted: every read and write gets the 12-byte Ack 81 04; SZL works. */
static void case_putget(const char *order_code)
{
    uint8_t buf[64] = {0};
    s7_client *c = client(S7_CONN_PG, 1);
    if (c) {
        int rc = s7_client_db_read(c, 1, 0, buf, 4);
        ok(rc == S7_ERR_PLC, "db_read with PUT/GET off: S7_ERR_PLC, got %s", s7_err_name(rc));
        ok(s7_client_last_error(c)->code == 0x8104, "db_read: last PLC error 0x8104, got 0x%04X",
           s7_client_last_error(c)->code);
        expect_tapped_ack("db_read DB1.0 x4 answered by the 81 04 Ack", 0x81, 0x04);
        rc = s7_client_db_write(c, 1, 0, "\x01\x02", 2);
        ok(rc == S7_ERR_PLC && s7_client_last_error(c)->code == 0x8104,
           "db_write: 0x8104, got %s / 0x%04X", s7_err_name(rc), s7_client_last_error(c)->code);
        expect_tapped_ack("db_write DB1.0 x2 answered by the 81 04 Ack", 0x81, 0x04);
        static const uint8_t areas[] = {S7_AREA_I, S7_AREA_Q, S7_AREA_M};
        for (size_t i = 0; i < sizeof areas; i++) {
            rc = s7_client_read_area(c, areas[i], 0, 0, buf, 1);
            ok(rc == S7_ERR_PLC, "read of area 0x%02X: S7_ERR_PLC, got %s", areas[i],
               s7_err_name(rc));
            expect_tapped_ack("area read answered by the 81 04 Ack", 0x81, 0x04);
            rc = s7_client_write_area(c, areas[i], 0, 0, buf, 1);
            ok(rc == S7_ERR_PLC, "write of area 0x%02X: S7_ERR_PLC, got %s", areas[i],
               s7_err_name(rc));
            expect_tapped_ack("area write answered by the 81 04 Ack", 0x81, 0x04);
        }
        /* missing and optimized DBs too: the permission is checked first */
        rc = s7_client_db_read(c, 9, 0, buf, 1);
        ok(rc == S7_ERR_PLC, "read of a missing DB with PUT/GET off: S7_ERR_PLC, got %s",
           s7_err_name(rc));
        expect_tapped_ack("missing DB read answered by the 81 04 Ack", 0x81, 0x04);
        s7_cpu_info info;
        memset(&info, 0, sizeof info);
        rc = s7_client_cpu_info(c, &info);
        ok(rc == 0, "SZL identity still served with PUT/GET off: %s", s7_err_name(rc));
        ok(strcmp(info.order_code, order_code) == 0, "order code '%s', want '%s'", info.order_code,
           order_code);
        int state = 0;
        rc = s7_client_cpu_state(c, &state);
        ok(rc == 0 && state == S7_CPU_RUN, "SZL 0x0424 with PUT/GET off: RUN (rc %d, state %d)", rc,
           state);
        s7_client_free(c);
    }

    /* raw frames: exact replies to our own references */
    uint8_t f[512], r[1024];
    int fd = raw_session(1, 240, NULL);
    if (fd < 0)
        return;
    spec rd = {0x02, 4, 1, 0x84, 0};
    int n = xchg(fd, f, mk_read(f, 0x1234, &rd, 1), r, sizeof r);
    expect_hex("raw Read Var (ref 0x1234) -> 81 04 Ack", r, n,
               "03 00 00 13 02 F0 80 32 02 00 00 12 34 00 00 00 00 81 04");
    n = xchg(fd, f, mk_write(f, 0x4321, 1, 0x84, 0, (const uint8_t *)"\x05\x06", 2), r, sizeof r);
    expect_hex("raw Write Var (ref 0x4321) -> 81 04 Ack", r, n,
               "03 00 00 13 02 F0 80 32 02 00 00 43 21 00 00 00 00 81 04");
    spec multi[3] = {{0x02, 1, 1, 0x84, 0}, {0x02, 2, 0, 0x83, 4}, {0x02, 1, 2, 0x84, 0}};
    n = xchg(fd, f, mk_read(f, 0xBEEF, multi, 3), r, sizeof r);
    expect_hex("raw 3-item Read Var (ref 0xBEEF) -> 81 04 Ack", r, n,
               "03 00 00 13 02 F0 80 32 02 00 00 BE EF 00 00 00 00 81 04");
    n = xchg(fd, f, mk_szl(f, 0x0A0B, 0x0011, 0x0000), r, sizeof r);
    ok(n > 33 && r[8] == 0x07 && r[11] == 0x0A && r[12] == 0x0B,
       "raw SZL 0x0011 answered (Userdata, ref echoed), got %d", n);
    ok(n > 33 && r[27] == 0 && r[28] == 0 && r[29] == 0xFF,
       "raw SZL 0x0011: no error, data rc 0xFF");
    close(fd);
}

/* Items: optimized DB 0x05 everywhere, missing DB 0x0A, past the end 0x05, read-only 0x03. */
static void case_items(void)
{
    uint8_t f[512], r[1024];
    char want[512];
    int fd = raw_session(1, 240, NULL);
    if (fd < 0)
        return;
    static const struct {
        uint16_t db;
        uint32_t off;
        uint16_t len;
        uint8_t rc;
        const char *what;
    } reads[] = {
        {2, 0, 1, 0x05, "optimized DB2 at offset 0"},
        {2, 10, 4, 0x05, "optimized DB2 at offset 10"},
        {2, 63, 1, 0x05, "optimized DB2 at its last byte"},
        {2, 200, 2, 0x05, "optimized DB2 past its end"},
        {9, 0, 1, 0x0A, "missing DB9"},
        {9, 40, 4, 0x0A, "missing DB9 at offset 40"},
        {1, 99, 2, 0x05, "DB1 (100 bytes) at 99 x2: past the end"},
        {1, 100, 1, 0x05, "DB1 at 100: past the end"},
        {1, 0, 101, 0x05, "DB1 0 x101: past the end"},
    };
    uint16_t ref = 0x0100;
    for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++, ref++) {
        spec s = {0x02, reads[i].len, reads[i].db, 0x84, reads[i].off};
        int n = xchg(fd, f, mk_read(f, ref, &s, 1), r, sizeof r);
        snprintf(want, sizeof want,
                 "03 00 00 19 02 F0 80 32 03 00 00 %02X %02X 00 02 00 04 00 00 04 01 %02X 00 00 00",
                 ref >> 8, ref & 0xFF, reads[i].rc);
        char what[160];
        snprintf(what, sizeof what, "read %s -> item %02X 00 0000", reads[i].what, reads[i].rc);
        expect_hex(what, r, n, want);
    }
    static const struct {
        uint16_t db;
        uint32_t off;
        uint16_t len;
        uint8_t rc;
        const char *what;
    } writes[] = {
        {2, 0, 1, 0x05, "optimized DB2 at offset 0"},
        {2, 30, 2, 0x05, "optimized DB2 at offset 30"},
        {9, 0, 1, 0x0A, "missing DB9"},
        {1, 99, 2, 0x05, "DB1 at 99 x2: past the end"},
        {3, 0, 1, 0x03, "read-only DB3 at 0"},
        {3, 31, 1, 0x03, "read-only DB3 at its last byte"},
    };
    for (size_t i = 0; i < sizeof writes / sizeof writes[0]; i++, ref++) {
        int n = xchg(fd, f,
                     mk_write(f, ref, writes[i].db, 0x84, writes[i].off,
                              (const uint8_t *)"\xAA\xBB", writes[i].len),
                     r, sizeof r);
        snprintf(want, sizeof want,
                 "03 00 00 16 02 F0 80 32 03 00 00 %02X %02X 00 02 00 01 00 00 05 01 %02X",
                 ref >> 8, ref & 0xFF, writes[i].rc);
        char what[160];
        snprintf(what, sizeof what, "write %s -> item %02X", writes[i].what, writes[i].rc);
        expect_hex(what, r, n, want);
    }
    /* read-only DB3 still readable; DB1 untouched by the refused writes */
    spec s3 = {0x02, 2, 3, 0x84, 30};
    int n = xchg(fd, f, mk_read(f, 0x0300, &s3, 1), r, sizeof r);
    expect_hex("read-only DB3 readable", r, n,
               "03 00 00 1B 02 F0 80 32 03 00 00 03 00 00 02 00 06 00 00 04 01 FF 04 00 10 00 00");
    /* one request, every outcome; fill byte only after the odd-length good item that is not last */
    spec multi[6] = {{0x02, 2, 1, 0x84, 0},  {0x02, 1, 9, 0x84, 0}, {0x02, 1, 2, 0x84, 0},
                     {0x02, 2, 1, 0x84, 99}, {0x02, 1, 1, 0x84, 1}, {0x02, 1, 3, 0x84, 0}};
    n = xchg(fd, f, mk_read(f, 0x0301, multi, 6), r, sizeof r);
    expect_hex("6-item read: ok, missing, optimized, past end, odd ok (fill), read-only ok (last, "
               "no fill)",
               r, n,
               "03 00 00 32 02 F0 80 32 03 00 00 03 01 00 02 00 1D 00 00 04 06"
               " FF 04 00 10 12 34 | 0A 00 00 00 | 05 00 00 00 | 05 00 00 00 | FF 04 00 08 34 00 | "
               "FF 04 00 08 00");
    /* one write of three items: good, read-only, missing */
    {
        uint8_t par[2 + 36], data[64], pdu[256];
        size_t pl = 0, dl = 0;
        par[pl++] = 0x05, par[pl++] = 3;
        pl += put_spec(par + pl, 0x02, 1, 1, 0x84, 50 * 8);
        pl += put_spec(par + pl, 0x02, 1, 3, 0x84, 0);
        pl += put_spec(par + pl, 0x02, 1, 9, 0x84, 0);
        for (int i = 0; i < 3; i++) {
            data[dl++] = 0, data[dl++] = 0x04, data[dl++] = 0, data[dl++] = 8,
            data[dl++] = (uint8_t)(0x51 + i);
            if (i < 2)
                data[dl++] = 0;
        }
        n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0302, par, pl, data, dl)), r, sizeof r);
        expect_hex("3-item write: ok, read-only 03, missing 0A", r, n,
                   "03 00 00 18 02 F0 80 32 03 00 00 03 02 00 02 00 03 00 00 05 03 FF 03 0A");
        spec chk = {0x02, 1, 1, 0x84, 50};
        n = xchg(fd, f, mk_read(f, 0x0303, &chk, 1), r, sizeof r);
        ok(n == 26 && r[25] == 0x51, "the good item of the 3-item write landed (DB1.DBB50 = 0x51)");
    }
    close(fd);

    /* our client: the same codes through its API */
    s7_client *c = client(S7_CONN_PG, 1);
    if (!c)
        return;
    uint8_t b1[4], b2[4], b3[4], b4[4];
    s7_item it[4];
    memset(it, 0, sizeof it);
    it[0] =
        (s7_item){.area = S7_AREA_DB, .db = 2, .ts = S7_TS_BYTE, .start = 0, .count = 1, .buf = b1};
    it[1] =
        (s7_item){.area = S7_AREA_DB, .db = 9, .ts = S7_TS_BYTE, .start = 0, .count = 1, .buf = b2};
    it[2] = (s7_item){
        .area = S7_AREA_DB, .db = 1, .ts = S7_TS_BYTE, .start = 98, .count = 4, .buf = b3};
    it[3] =
        (s7_item){.area = S7_AREA_DB, .db = 1, .ts = S7_TS_WORD, .start = 0, .count = 1, .buf = b4};
    int rc = s7_client_read(c, it, 4);
    ok(rc == S7_ERR_ITEM, "client read: S7_ERR_ITEM, got %s", s7_err_name(rc));
    ok(it[0].status == S7_ERR_ITEM && it[0].rc == 0x05,
       "client: optimized DB2 rc 0x05 (got %d/0x%02X)", it[0].status, it[0].rc);
    ok(it[1].status == S7_ERR_ITEM && it[1].rc == 0x0A,
       "client: missing DB9 rc 0x0A (got %d/0x%02X)", it[1].status, it[1].rc);
    ok(it[2].status == S7_ERR_ITEM && it[2].rc == 0x05,
       "client: past the end rc 0x05 (got %d/0x%02X)", it[2].status, it[2].rc);
    ok(it[3].status == 0 && b4[0] == 0x12 && b4[1] == 0x34,
       "client: DB1.DBW0 = 0x1234 next to failed items");
    uint32_t len = 0;
    rc = s7_client_db_length(c, 1, &len);
    ok(rc >= 0 && len == 100, "client db_length DB1 = 100 (got %u, %s)", len, s7_err_name(rc));
    rc = s7_client_db_length(c, 2, &len);
    ok(rc == S7_ERR_ITEM && s7_client_last_error(c)->code == 0x05,
       "client db_length of optimized DB2: item 0x05 at offset 0");
    rc = s7_client_db_length(c, 9, &len);
    ok(rc == S7_ERR_ITEM && s7_client_last_error(c)->code == 0x0A,
       "client db_length of DB9: item 0x0A");
    rc = s7_client_db_write(c, 3, 0, "\x01", 1);
    ok(rc == S7_ERR_ITEM && s7_client_last_error(c)->code == 0x03,
       "client write to read-only DB3: item 0x03 (%s, 0x%02X)", s7_err_name(rc),
       s7_client_last_error(c)->code);
    expect_hex(
        "client write to read-only DB3: reply bytes", g_tap.in, (int)g_tap.in_len,
        g_tap.out_len >= 13
            ? (snprintf(want, sizeof want,
                        "03 00 00 16 02 F0 80 32 03 00 00 %02X %02X 00 02 00 01 00 00 05 01 03",
                        g_tap.out[11], g_tap.out[12]),
               want)
            : "00");
    s7_client_free(c);
}

/* PDU limit, unknown functions, unknown userdata groups, unknown SZL, setup and CC bytes. */
static void case_pdu(void)
{
    uint8_t f[2048], r[2048];
    int fd = tcp_open();
    ok(fd >= 0, "connect");
    if (fd < 0)
        return;
    int n = xchg(fd, f, mk_cr(f, 0x1D00, 0x0100, tsap(1, 0, g_slot), 0x0A, 0), r, sizeof r);
    ok(n == 22, "CC is 22 bytes (got %d)", n);
    if (n == 22) {
        ok(r[8] || r[9], "CC source reference is non-zero");
        r[8] = r[9] = 0;
        expect_hex("CC echoes dst-ref and C0/C1/C2", r, n,
                   "03 00 00 16 11 D0 1D 00 00 00 00 C0 01 0A C1 02 01 00 C2 02 01 01");
    }
    n = xchg(fd, f, mk_setup(f, 0x0000, 240), r, sizeof r);
    expect_hex("setup asking AmQ 1/1, PDU 240 -> exactly that (27 bytes)", r, n,
               "03 00 00 1B 02 F0 80 32 03 00 00 00 00 00 08 00 00 00 00 F0 00 00 01 00 01 00 F0");

    /* request size: 19 items = 238 bytes fits, 20 items = 250 bytes does not */
    spec many[20];
    for (int i = 0; i < 20; i++)
        many[i] = (spec){0x02, 1, 1, 0x84, (uint32_t)i};
    n = xchg(fd, f, mk_read(f, 0x0501, many, 19), r, sizeof r);
    ok(n > 21 && r[8] == 0x03 && r[17] == 0 && r[18] == 0 && r[20] == 19,
       "19-item read (request 240 = PDU 240) answered with 19 items (got %d bytes)", n);
    n = xchg(fd, f, mk_read(f, 0x0502, many, 20), r, sizeof r);
    expect_hex("20-item read (request 250 > PDU 240) -> Ack 85 00", r, n,
               "03 00 00 13 02 F0 80 32 02 00 00 05 02 00 00 00 00 85 00");
    /* reply size: 222 bytes = a 240-byte reply fits, 223 does not (DB4: 1024 bytes) */
    spec big = {0x02, 222, 4, 0x84, 0};
    n = xchg(fd, f, mk_read(f, 0x0503, &big, 1), r, sizeof r);
    ok(n == 247 && r[21] == 0xFF, "read of 222 bytes: 240-byte reply (frame %d)", n);
    big.count = 223;
    n = xchg(fd, f, mk_read(f, 0x0504, &big, 1), r, sizeof r);
    expect_hex("read of 223 bytes (reply would be 241 > 240) -> Ack 85 00", r, n,
               "03 00 00 13 02 F0 80 32 02 00 00 05 04 00 00 00 00 85 00");
    /* write size: 212 data bytes = a 240-byte request fits, 213 does not */
    uint8_t val[300];
    memset(val, 0x5A, sizeof val);
    n = xchg(fd, f, mk_write(f, 0x0505, 4, 0x84, 0, val, 212), r, sizeof r);
    ok(n == 22 && r[21] == 0xFF, "write of 212 bytes (request 240) succeeds (frame %d)", n);
    n = xchg(fd, f, mk_write(f, 0x0506, 4, 0x84, 0, val, 213), r, sizeof r);
    expect_hex("write of 213 bytes (request 241 > 240) -> Ack 85 00", r, n,
               "03 00 00 13 02 F0 80 32 02 00 00 05 06 00 00 00 00 85 00");
    /* a 1000-byte request in COTP fragments is still one PDU larger than 240 */
    {
        uint8_t pdu[1100], frag[1200];
        uint8_t par[14];
        par[0] = 0x05, par[1] = 1;
        put_spec(par + 2, 0x02, 970, 4, 0x84, 0);
        uint8_t data[980];
        data[0] = 0, data[1] = 0x04, data[2] = (uint8_t)((970 * 8) >> 8),
        data[3] = (uint8_t)(970 * 8);
        memset(data + 4, 0x33, 970);
        size_t pl = mk_pdu(pdu, 1, 0x0507, par, 14, data, 974);
        size_t half = pl / 2, k = 0;
        frag[k++] = 3, frag[k++] = 0, frag[k++] = (uint8_t)((half + 7) >> 8),
        frag[k++] = (uint8_t)(half + 7);
        frag[k++] = 2, frag[k++] = 0xF0, frag[k++] = 0x00;
        memcpy(frag + k, pdu, half), k += half;
        size_t rest = pl - half;
        frag[k++] = 3, frag[k++] = 0, frag[k++] = (uint8_t)((rest + 7) >> 8),
        frag[k++] = (uint8_t)(rest + 7);
        frag[k++] = 2, frag[k++] = 0xF0, frag[k++] = 0x80;
        memcpy(frag + k, pdu + half, rest), k += rest;
        n = xchg(fd, frag, k, r, sizeof r);
        expect_hex("998-byte write in 2 COTP fragments at PDU 240 -> Ack 85 00", r, n,
                   "03 00 00 13 02 F0 80 32 02 00 00 05 07 00 00 00 00 85 00");
    }
    spec one = {0x02, 2, 4, 0x84, 0};
    n = xchg(fd, f, mk_read(f, 0x0508, &one, 1), r, sizeof r);
    ok(n == 27 && r[21] == 0xFF && r[25] == 0x5A,
       "connection still served after the 0x8500 answers");

    /* three requests in one TCP segment: three replies, in order, references echoed */
    {
        uint8_t three[256];
        size_t k = 0;
        for (int i = 0; i < 3; i++) {
            spec s = {0x02, 1, 1, 0x84, (uint32_t)i};
            k += mk_read(three + k, (uint16_t)(0x0B01 + i), &s, 1);
        }
        send_all(fd, three, k);
        for (int i = 0; i < 3; i++) {
            n = rd_tpkt(fd, r, sizeof r, 3000);
            ok(n == 26 && r[11] == 0x0B && r[12] == 0x01 + i && r[21] == 0xFF,
               "pipelined request %d of 3 answered in order (frame %d, ref %02X%02X)", i + 1, n,
               n > 12 ? r[11] : 0, n > 12 ? r[12] : 0);
        }
    }
    /* an empty DT ("fast acknowledge") is ignored */
    {
        static const uint8_t empty[] = {0x03, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x00};
        send_all(fd, empty, sizeof empty);
        spec s = {0x02, 2, 1, 0x84, 0};
        n = xchg(fd, f, mk_read(f, 0x0B10, &s, 1), r, sizeof r);
        ok(n == 27 && r[11] == 0x0B && r[12] == 0x10 && r[21] == 0xFF,
           "empty DT ignored, the next read answered (frame %d)", n);
    }
    /* a write whose data block carries a fill byte after the last (odd) item, counted in the
     * data length (STEP 7 Micro/WIN does this; s7-protocol.md 4.6 and 10.7: tolerate it) */
    {
        uint8_t par[14], data[6] = {0x00, 0x04, 0x00, 0x08, 0x77, 0x00}, pdu[64];
        par[0] = 0x05, par[1] = 1;
        put_spec(par + 2, 0x02, 1, 1, 0x84, 60 * 8);
        n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0B11, par, 14, data, 6)), r, sizeof r);
        expect_hex("write with a trailing fill byte after its last item: accepted", r, n,
                   "03 00 00 16 02 F0 80 32 03 00 00 0B 11 00 02 00 01 00 00 05 01 FF");
        if (n < 0) { /* the connection was dropped: carry on with a new one */
            close(fd);
            fd = raw_session(1, 240, NULL);
            if (fd < 0)
                return;
        }
    }
    /* SZL 0x001C at PDU 240 (10 x 34 bytes): first part, then continuation requests */
    {
        uint8_t all[4096];
        size_t got = 0;
        n = xchg(fd, f, mk_szl(f, 0x0B20, 0x001C, 0x0000), r, sizeof r);
        ok(n > 33 && n <= 247, "SZL 0x001C first part fits the PDU (frame %d)", n);
        int parts = 1;
        while (n > 33 && r[8] == 0x07 && r[26] == 0x01 && parts < 20) {
            ok(r[24] != 0, "part %d: the CPU assigned a sequence number (%02X)", parts, r[24]);
            ok(r[27] == 0 && r[28] == 0 && r[29] == 0xFF && r[30] == 0x09,
               "part %d: no error, data FF 09", parts);
            size_t dl = (size_t)r[31] << 8 | r[32];
            if (got + dl <= sizeof all && 33 + dl <= (size_t)n)
                memcpy(all + got, r + 33, dl), got += dl;
            uint8_t par[12] = {0x00, 0x01,  0x12, 0x08, 0x12, 0x44,
                               0x01, r[24], 0x00, 0x00, 0x00, 0x00};
            uint8_t data[4] = {0x0A, 0x00, 0x00, 0x00}, pdu[64];
            n = xchg(fd, f,
                     mk_dt(f, pdu, mk_pdu(pdu, 7, (uint16_t)(0x0B20 + parts), par, 12, data, 4)), r,
                     sizeof r);
            ok(n > 33 && n <= 247, "SZL 0x001C continuation %d answered within the PDU (frame %d)",
               parts, n);
            parts++;
        }
        if (n > 33 && r[26] == 0x00) {
            size_t dl = (size_t)r[31] << 8 | r[32];
            if (got + dl <= sizeof all && 33 + dl <= (size_t)n)
                memcpy(all + got, r + 33, dl), got += dl;
        }
        ok(parts >= 2, "SZL 0x001C came in %d parts at PDU 240", parts);
        ok(got >= 8 && all[0] == 0x00 && all[1] == 0x1C && all[4] == 0x00 && all[5] == 0x22,
           "reassembled SZL starts with ID 001C, LENTHDR 34");
        size_t nrec = got >= 8 ? (size_t)all[6] << 8 | all[7] : 0;
        ok(got == 8 + 34 * nrec && nrec >= 7,
           "reassembled SZL 0x001C: %zu bytes = 8 + 34 x %zu records", got, nrec);
    }
    /* unknown Job functions: an error Ack echoing the reference, never silence */
    static const uint8_t fns[] = {0x99, 0x00, 0x07, 0x1A, 0x1D};
    for (size_t i = 0; i < sizeof fns; i++) {
        uint8_t par[2] = {fns[i], 0}, pdu[32];
        uint16_t ref = (uint16_t)(0x0600 + i);
        n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, ref, par, 2, NULL, 0)), r, sizeof r);
        ok(n == 19, "Job function 0x%02X answered (19-byte Ack), got %d", fns[i], n);
        if (n == 19) {
            ok(r[8] == 0x02 && r[11] == (ref >> 8) && r[12] == (ref & 0xFF) && r[13] == 0 &&
                   r[14] == 0 && r[15] == 0 && r[16] == 0,
               "function 0x%02X: ROSCTR 2, ref echoed, no param/data", fns[i]);
            ok(r[17] != 0, "function 0x%02X: error class non-zero (got %02X %02X)", fns[i], r[17],
               r[18]);
        }
    }
    /* unknown userdata groups / subfunctions: a Userdata reply with a parameter error */
    static const uint8_t grp[][2] = {{0x42, 0x01}, {0x41, 0x16}, {0x4F, 0x01}, {0x44, 0x7F}};
    for (size_t i = 0; i < sizeof grp / sizeof grp[0]; i++) {
        uint8_t par[8] = {0x00, 0x01, 0x12, 0x04, 0x11, grp[i][0], grp[i][1], 0x00};
        uint8_t data[4] = {0x0A, 0x00, 0x00, 0x00}, pdu[64];
        uint16_t ref = (uint16_t)(0x0700 + i);
        n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 7, ref, par, 8, data, 4)), r, sizeof r);
        ok(n >= 29, "Userdata type+group 0x%02X subfunction 0x%02X answered, got %d", grp[i][0],
           grp[i][1], n);
        if (n >= 29) {
            ok(r[8] == 0x07 && r[11] == (ref >> 8) && r[12] == (ref & 0xFF),
               "userdata 0x%02X/%02X: ROSCTR 7, ref echoed", grp[i][0], grp[i][1]);
            ok(r[13] == 0 && r[14] == 12 && r[21] == 0x12 && (r[22] & 0xF0) == 0x80 &&
                   (r[22] & 0x0F) == (grp[i][0] & 0x0F) && r[23] == grp[i][1],
               "userdata 0x%02X/%02X: 12-byte response param, same group and subfunction",
               grp[i][0], grp[i][1]);
            ok(r[27] || r[28], "userdata 0x%02X/%02X: parameter error code set (got %02X%02X)",
               grp[i][0], grp[i][1], r[27], r[28]);
        }
    }
    /* unknown SZL: 0xD401 / 0xD402 with data 0A 00 00 00 */
    n = xchg(fd, f, mk_szl(f, 0x0800, 0x0999, 0x0000), r, sizeof r);
    ok(n == 33, "unknown SZL 0x0999: 33-byte reply (got %d)", n);
    if (n == 33) {
        uint16_t err = (uint16_t)(r[27] << 8 | r[28]);
        ok(err == 0xD401 || err == 0xD402, "unknown SZL: param error D401/D402 (got %04X)", err);
        ok(r[24] != 0, "unknown SZL: the reply carries a sequence number of its own (got %u)",
           r[24]);
        r[24] = r[27] = r[28] = 0;
        expect_hex("unknown SZL reply layout", r, n,
                   "03 00 00 21 02 F0 80 32 07 00 00 08 00 00 0C 00 04 00 01 12 08 12 84 01 00 00 "
                   "00 00 00 0A 00 00 00");
    }
    /* clock: weekday nibble 1 = Sunday (2031-05-17 is a Saturday: 7) */
    {
        uint8_t par[8] = {0x00, 0x01, 0x12, 0x04, 0x11, 0x47, 0x02, 0x00};
        uint8_t data[14] = {0xFF, 0x09, 0x00, 0x0A, 0x00, 0x20, 0x31,
                            0x05, 0x17, 0x10, 0x20, 0x30, 0x00, 0x07},
                pdu[64];
        n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 7, 0x0900, par, 8, data, 14)), r, sizeof r);
        ok(n >= 29 && r[27] == 0 && r[28] == 0,
           "clock set to 2031-05-17 10:20:30 accepted (frame %d)", n);
        uint8_t par2[8] = {0x00, 0x01, 0x12, 0x04, 0x11, 0x47, 0x01, 0x00};
        uint8_t d2[4] = {0x0A, 0x00, 0x00, 0x00};
        n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 7, 0x0901, par2, 8, d2, 4)), r, sizeof r);
        ok(n == 43 && r[29] == 0xFF && r[30] == 0x09 && r[32] == 0x0A,
           "clock read: 10-byte payload (frame %d)", n);
        if (n == 43) {
            ok(r[35] == 0x31 && r[36] == 0x05 && r[37] == 0x17 && r[38] == 0x10 && r[39] == 0x20,
               "clock read back 31-05-17 10:20 (BCD)");
            ok((r[42] & 0x0F) == 7, "clock weekday nibble 7 = Saturday (1 = Sunday), got %u",
               r[42] & 0x0F);
        }
    }
    /* a CR asking TPDU 512 and a PDU of 960: a 900-byte read reply comes in DT fragments
     * whose TPDUs (COTP header + data, TPKT excluded) are at most 512 bytes, EOT only on
     * the last */
    {
        int c3 = tcp_open();
        if (c3 >= 0) {
            int m = xchg(c3, f, mk_cr(f, 0x0007, 0x0100, tsap(1, 0, g_slot), 0x09, 0), r, sizeof r);
            ok(m == 22 && r[13] == 0x09, "CR with TPDU 512: CC confirms 512 (got %d, code %02X)", m,
               m == 22 ? r[13] : 0);
            m = xchg(c3, f, mk_setup(f, 0, 960), r, sizeof r);
            ok(m == 27 && r[25] == 0x03 && r[26] == 0xC0, "PDU 960 negotiated next to TPDU 512");
            spec s = {0x02, 900, 4, 0x84, 0};
            send_all(c3, f, mk_read(f, 0x0B30, &s, 1));
            uint8_t whole[2048];
            size_t wl = 0;
            int frags = 0, eot = 0, toobig = 0;
            while (!eot && frags < 10) {
                m = rd_tpkt(c3, r, sizeof r, 3000);
                if (m < 7 || r[4] != 2 || r[5] != 0xF0)
                    break;
                frags++;
                toobig |= m - 4 > 512; /* the TPDU (COTP header + data) excludes the TPKT */
                printf("  TPDU 512: DT fragment %d: TPKT %d bytes, EOT %d\n", frags, m,
                       (r[6] & 0x80) != 0);
                eot = (r[6] & 0x80) != 0;
                if (wl + (size_t)m - 7 <= sizeof whole)
                    memcpy(whole + wl, r + 7, (size_t)m - 7), wl += (size_t)m - 7;
            }
            ok(eot && frags >= 2 && !toobig,
               "900-byte read reply in %d DT fragments, each TPDU <= 512 bytes, EOT on the last",
               frags);
            ok(wl == 918 && whole[0] == 0x32 && whole[1] == 0x03 && whole[4] == 0x0B &&
                   whole[5] == 0x30 && whole[14] == 0xFF && whole[16] == 0x1C &&
                   whole[17] == 0x20 && whole[18] == 0x5A,
               "reassembled reply: 918-byte Ack_Data, item FF 04 1C20, DB4 data (%zu bytes)", wl);
            close(c3);
        }
    }
    /* COTP DR: answered with a DC (LI 5, references swapped), then closed */
    {
        uint8_t cc[64];
        int c2 = tcp_open();
        if (c2 >= 0) {
            int m =
                xchg(c2, f, mk_cr(f, 0x0007, 0x0100, tsap(1, 0, g_slot), 0x0A, 0), cc, sizeof cc);
            ok(m == 22, "CC before the DR test");
            if (m == 22) {
                uint8_t dr[11] = {0x03,  0x00,  0x00, 0x0B, 0x06, 0x80,
                                  cc[8], cc[9], 0x00, 0x07, 0x80};
                m = xchg(c2, dr, sizeof dr, r, sizeof r);
                char want[64];
                snprintf(want, sizeof want, "03 00 00 0A 05 C0 00 07 %02X %02X", cc[8], cc[9]);
                expect_hex("DR answered by a DC (LI 5, dst = our src-ref, src = the server's)", r,
                           m, want);
                size_t bytes = 0;
                ok(wait_closed(c2, 3000, &bytes) == 1, "connection closed after the DC");
            }
            close(c2);
        }
    }
    close(fd);
}

/* Transport sizes and item checks on an S7-300 (DB1 64: DBW0 = 0x1234, DBD4 = 3.5;
 * MB3 = 0x20; T/C present): reply data items byte-exact. */
static void case_types(void)
{
    uint8_t f[1024], r[1024];
    char want[512];
    int fd = raw_session(1, 240, NULL);
    if (fd < 0)
        return;
    static const struct {
        spec s;
        const char *data; /* the reply's data block */
        const char *what;
    } rd[] = {
        {{0x01, 1, 0, 0x83, (3 * 8 + 5)},
         "FF 03 00 01 01",
         "BIT M3.5 (set): TS 03, length 1 bit, one byte 01"},
        {{0x01, 1, 0, 0x83, (3 * 8 + 4)}, "FF 03 00 01 00", "BIT M3.4 (clear)"},
        {{0x02, 2, 1, 0x84, 0}, "FF 04 00 10 12 34", "BYTE x2: TS 04, length in bits"},
        {{0x04, 1, 1, 0x84, 0}, "FF 04 00 10 12 34", "WORD: TS 04, 16 bits"},
        {{0x06, 1, 1, 0x84, 4}, "FF 04 00 20 40 60 00 00", "DWORD: TS 04, 32 bits"},
        {{0x08, 1, 1, 0x84, 4}, "FF 07 00 04 40 60 00 00", "REAL: TS 07, length in bytes"},
        {{0x1D, 2, 0, 0x1D, 3}, "FF 09 00 04 00 00 00 00", "TIMER T3 x2: TS 09, length in bytes"},
        {{0x1C, 2, 0, 0x1C, 3}, "FF 09 00 04 00 00 00 00", "COUNTER C3 x2: TS 09"},
        {{0x01, 2, 0, 0x83, 0}, "05 00 00 00", "BIT with count 2: 0x05"},
        {{0x04, 1, 1, 0x84, 0}, NULL, NULL}, /* placeholder: misaligned below */
        {{0x02, 1, 0, 0x1D, 0}, "05 00 00 00", "BYTE on the timer area: 0x05"},
        {{0x1D, 1, 1, 0x84, 0}, "05 00 00 00", "TIMER on a DB: 0x05"},
        {{0x1D, 1, 0, 0x1D, 256}, "05 00 00 00", "T256 (256 timers: T0..T255): 0x05"},
    };
    uint16_t ref = 0x0C00;
    for (size_t i = 0; i < sizeof rd / sizeof rd[0]; i++, ref++) {
        if (!rd[i].data)
            continue;
        int n = xchg(fd, f, mk_read(f, ref, &rd[i].s, 1), r, sizeof r);
        uint8_t d[64];
        size_t dl = t_hex(rd[i].data, d, sizeof d);
        snprintf(want, sizeof want,
                 "03 00 00 %02X 02 F0 80 32 03 00 00 %02X %02X 00 02 00 %02X 00 00 04 01 %s",
                 (unsigned)(21 + dl), ref >> 8, ref & 0xFF, (unsigned)dl, rd[i].data);
        expect_hex(rd[i].what, r, n, want);
    }
    /* a WORD at a bit address (DB1.DBX0.3 as WORD): misaligned, 0x05 */
    {
        uint8_t par[14], pdu[64];
        par[0] = 0x04, par[1] = 1;
        put_spec(par + 2, 0x04, 1, 1, 0x84, 3);
        int n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0C40, par, 14, NULL, 0)), r, sizeof r);
        expect_hex("WORD at a bit address: 0x05", r, n,
                   "03 00 00 19 02 F0 80 32 03 00 00 0C 40 00 02 00 04 00 00 04 01 05 00 00 00");
    }
    /* bit write: only that bit changes */
    {
        uint8_t par[14], data[5] = {0x00, 0x03, 0x00, 0x01, 0x01}, pdu[64];
        par[0] = 0x05, par[1] = 1;
        put_spec(par + 2, 0x01, 1, 0, 0x83, 3 * 8 + 1);
        int n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0C41, par, 14, data, 5)), r, sizeof r);
        expect_hex("BIT write M3.1 := 1", r, n,
                   "03 00 00 16 02 F0 80 32 03 00 00 0C 41 00 02 00 01 00 00 05 01 FF");
        spec mb3 = {0x02, 1, 0, 0x83, 3};
        n = xchg(fd, f, mk_read(f, 0x0C42, &mb3, 1), r, sizeof r);
        expect_hex("MB3 after the bit write: 0x22 (M3.5 kept, M3.1 set)", r, n,
                   "03 00 00 1A 02 F0 80 32 03 00 00 0C 42 00 02 00 05 00 00 04 01 FF 04 00 08 22");
    }
    /* write data that does not match count x size: 0x07 */
    {
        uint8_t par[14], data[7] = {0x00, 0x04, 0x00, 0x18, 1, 2, 3}, pdu[64];
        par[0] = 0x05, par[1] = 1;
        put_spec(par + 2, 0x02, 2, 1, 0x84, 40 * 8);
        int n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0C43, par, 14, data, 7)), r, sizeof r);
        expect_hex("write of 3 data bytes for BYTE x2: 0x07", r, n,
                   "03 00 00 16 02 F0 80 32 03 00 00 0C 43 00 02 00 01 00 00 05 01 07");
    }
    /* timers and counters written and read by element: T5 := 0x0123 */
    {
        uint8_t par[14], data[6] = {0x00, 0x09, 0x00, 0x02, 0x01, 0x23}, pdu[64];
        par[0] = 0x05, par[1] = 1;
        put_spec(par + 2, 0x1D, 1, 0, 0x1D, 5);
        int n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0C44, par, 14, data, 6)), r, sizeof r);
        expect_hex("TIMER write T5", r, n,
                   "03 00 00 16 02 F0 80 32 03 00 00 0C 44 00 02 00 01 00 00 05 01 FF");
        spec t = {0x1D, 3, 0, 0x1D, 4};
        n = xchg(fd, f, mk_read(f, 0x0C45, &t, 1), r, sizeof r);
        expect_hex("TIMER read T4..T6", r, n,
                   "03 00 00 1F 02 F0 80 32 03 00 00 0C 45 00 02 00 0A 00 00 04 01 FF 09 00 06 00 "
                   "00 01 23 00 00");
    }
    close(fd);
}

/* Setup Communication answered per profile (argument: the profile name), byte-exact:
 * min(asked, the CPU's) for the PDU and both AmQ values.  Field data points
 * (s7-protocol.md 3): an S7-1200 answers 1/1/480 with 1/1/240 and 8/8/960 with 3/3/240;
 * S7-300 240 and AmQ 2 (a real 315-2 answers WinCC's 1/3 with 1/2,
 * tests/vectors/real/wincc_s300_*); S7-400 480; S7-1500 960. */
static void case_setup(const char *profile)
{
    static const struct {
        const char *profile;
        uint16_t pdu, amq;
    } P[] = {{"s7-1200", 240, 3}, {"s7-300", 240, 2}, {"s7-400", 480, 16}, {"s7-1500", 960, 8}};
    uint16_t max_pdu = 0, max_amq = 0;
    for (size_t i = 0; i < sizeof P / sizeof P[0]; i++)
        if (!strcmp(P[i].profile, profile))
            max_pdu = P[i].pdu, max_amq = P[i].amq;
    ok(max_pdu != 0, "known profile %s", profile);
    if (!max_pdu)
        return;
    static const uint16_t asks[][3] = {{1, 1, 480}, {8, 8, 960}, {2, 5, 240}, {16, 16, 8192}};
    for (size_t i = 0; i < sizeof asks / sizeof asks[0]; i++) {
        uint8_t f[64], r[64], pdu[32];
        int fd = tcp_open();
        if (fd < 0) {
            ok(0, "connect");
            return;
        }
        int n = xchg(fd, f, mk_cr(f, 0x0007, 0x0100, tsap(1, 0, g_slot), 0x0A, 0), r, sizeof r);
        ok(n == 22, "CC (got %d)", n);
        uint8_t par[8] = {0xF0,
                          0,
                          (uint8_t)(asks[i][0] >> 8),
                          (uint8_t)asks[i][0],
                          (uint8_t)(asks[i][1] >> 8),
                          (uint8_t)asks[i][1],
                          (uint8_t)(asks[i][2] >> 8),
                          (uint8_t)asks[i][2]};
        n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0100, par, 8, NULL, 0)), r, sizeof r);
        uint16_t a1 = asks[i][0] < max_amq ? asks[i][0] : max_amq,
                 a2 = asks[i][1] < max_amq ? asks[i][1] : max_amq;
        uint16_t p = asks[i][2] < max_pdu ? asks[i][2] : max_pdu;
        char want[160], what[160];
        snprintf(want, sizeof want,
                 "03 00 00 1B 02 F0 80 32 03 00 00 01 00 00 08 00 00 00 00 F0 00 %02X %02X %02X "
                 "%02X %02X %02X",
                 a1 >> 8, a1 & 0xFF, a2 >> 8, a2 & 0xFF, p >> 8, p & 0xFF);
        snprintf(what, sizeof what, "%s: setup asking %u/%u/%u answered %u/%u/%u", profile,
                 asks[i][0], asks[i][1], asks[i][2], a1, a2, p);
        expect_hex(what, r, n, want);
        close(fd);
    }
}

/* For the capture test: well-formed requests the CPU answers with errors (PDU limit in
 * both directions, unknown SZL, an unknown Job function, an unknown userdata group). */
static void case_wire(void)
{
    uint8_t f[2048], r[2048];
    int fd = raw_session(1, 240, NULL);
    if (fd < 0)
        return;
    spec many[20];
    for (int i = 0; i < 20; i++)
        many[i] = (spec){0x02, 1, 1, 0x84, (uint32_t)i};
    int n = xchg(fd, f, mk_read(f, 0x0A01, many, 20), r, sizeof r);
    ok(n == 19 && r[17] == 0x85 && r[18] == 0x00, "20-item read at PDU 240: Ack 85 00");
    spec big = {0x02, 223, 1, 0x84, 0};
    n = xchg(fd, f, mk_read(f, 0x0A02, &big, 1), r, sizeof r);
    ok(n == 19 && r[17] == 0x85 && r[18] == 0x00, "223-byte read at PDU 240: Ack 85 00");
    uint8_t val[213];
    memset(val, 0x11, sizeof val);
    n = xchg(fd, f, mk_write(f, 0x0A03, 1, 0x84, 0, val, 213), r, sizeof r);
    ok(n == 19 && r[17] == 0x85 && r[18] == 0x00, "213-byte write at PDU 240: Ack 85 00");
    n = xchg(fd, f, mk_szl(f, 0x0A04, 0x0999, 0x0000), r, sizeof r);
    ok(n == 33 && (r[27] || r[28]), "unknown SZL: userdata error");
    uint8_t par[2] = {0x99, 0x00}, pdu[32];
    n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 1, 0x0A05, par, 2, NULL, 0)), r, sizeof r);
    ok(n == 19 && r[8] == 0x02 && r[17] != 0, "unknown function 0x99: error Ack");
    uint8_t upar[8] = {0x00, 0x01, 0x12, 0x04, 0x11, 0x41, 0x0B, 0x00}, udata[4] = {0x0A, 0, 0, 0};
    n = xchg(fd, f, mk_dt(f, pdu, mk_pdu(pdu, 7, 0x0A06, upar, 8, udata, 4)), r, sizeof r);
    ok(n >= 29 && r[8] == 0x07 && (r[27] || r[28]), "unknown userdata subfunction: userdata error");
    close(fd);
}

/* Programmer commands (Userdata group 1) as STEP 7 sends them (the captured requests of
 * tests/vectors/real/step7_s300_rwVarTab.pcapng and _readDiagData.pcapng): each answered,
 * and the results of modify / VarTab jobs arriving as pushes after the answer, with the
 * values written.  Any S7-300/400 with M and I areas of >= 9 bytes. */
static void case_prog(void)
{
    uint8_t f[2048], r[2048], pdu[512];
    int fd = raw_session(1, 240, NULL);
    if (fd < 0)
        return;
    /* modify MD0, MW4, I8.1 immediately (frame 22): answer, then the push (3 items ok) */
    static const char MODIFY_NOW[] =
        "320700006d03000c0044000112081241080000000000ff0900400014002800000000000100060001000100"
        "010001000100000003030100000000020100000004100100000008000900044133851f00090002dead0009"
        "00010100";
    size_t n = t_hex(MODIFY_NOW, pdu, sizeof pdu);
    int k = xchg(fd, f, mk_dt(f, pdu, n), r, sizeof r);
    ok(k == 33 && r[8] == 0x07 && r[22] == 0x81 && r[23] == 0x08 && r[24] != 0 && r[27] == 0 &&
           r[28] == 0,
       "modify: answered with a job number, error 0 (got %d bytes)", k);
    uint8_t job = k == 33 ? r[24] : 0;
    k = rd_tpkt(fd, r, sizeof r, 3000);
    ok(k == 7 + 40 && r[8] == 0x07 && r[22] == 0x01 && r[23] == 0x08 && r[24] == job &&
           !memcmp(r + 33, "\x00\x04\x00\x06\x01\x00\x00\x01\x00\x03\xFF\xFF\xFF\x00", 14),
       "modify: its push with three return codes 0xFF (got %d bytes)", k);
    /* VarTab MB0 x6 and IB8 immediately (frame 17): the values just written */
    static const char VARTAB[] =
        "320700006c03000c002a000112081241020000000000ff0900260014000e00000000000100120001000100"
        "010001000100000002010600000000110100000008";
    n = t_hex(VARTAB, pdu, sizeof pdu);
    k = xchg(fd, f, mk_dt(f, pdu, n), r, sizeof r);
    ok(k == 33 && r[23] == 0x02 && r[24] != 0 && r[27] == 0 && r[28] == 0, "VarTab: answered");
    k = rd_tpkt(fd, r, sizeof r, 3000);
    ok(k == 7 + 52 && r[22] == 0x01 && r[23] == 0x02 &&
           !memcmp(r + 41, "\x00\x02\xFF\x09\x00\x06\x41\x33\x85\x1F\xDE\xAD\xFF\x09\x00\x01\x02",
                   17),
       "VarTab: its push with MB0..5 = 41 33 85 1F DE AD and IB8 = 02 (got %d bytes)", k);
    /* the job list (frame 13): the read itself only */
    static const char JOBLIST[] = "320700006606000c0020000112081241100000000000ff09001c00140004"
                                  "000000000001000000010001000100010001000000000000";
    n = t_hex(JOBLIST, pdu, sizeof pdu);
    k = xchg(fd, f, mk_dt(f, pdu, n), r, sizeof r);
    ok(k == 45 && r[23] == 0x10 && r[41] == 0x10, "job list: no job but the read (got %d)", k);
    /* flash LED (tia_s300_flashLed.pcapng frame 1) */
    static const char FLASH[] = "320700006c01000c001c000112081241160000000000ff0900180014000000000"
                                "00000010000000000010001000100010000";
    n = t_hex(FLASH, pdu, sizeof pdu);
    k = xchg(fd, f, mk_dt(f, pdu, n), r, sizeof r);
    ok(k == 33 && r[23] == 0x16 && r[27] == 0 && r[28] == 0, "flash LED: accepted");
    close(fd);
}

/* Connection budget: --max-conn op=2. */
static void case_budget(void)
{
    uint8_t f[64], r[512];
    size_t bytes = 0;
    int op1 = raw_session(2, 240, NULL);
    int op2 = raw_session(2, 240, NULL);
    int op3 = tcp_open();
    ok(op3 >= 0, "third OP connection: TCP accepted");
    if (op3 >= 0) {
        unsigned port = local_port(op3);
        send_all(op3, f, mk_cr(f, 0x0007, 0x0100, tsap(2, 0, g_slot), 0x0A, 0));
        ok(wait_closed(op3, 3000, &bytes) == 1, "third OP connection closed after its CR");
        ok(bytes == 0, "third OP connection: no CC, no bytes at all (got %zu)", bytes);
        char line[1024] = "";
        ok(log_names(port, line, sizeof line), "server logged the refusal of 127.0.0.1:%u", port);
        if (line[0])
            fprintf(stderr, "    log: %s\n", line);
        close(op3);
    }
    /* the OP connections already open keep working */
    if (op1 >= 0) {
        spec s = {0x02, 1, 1, 0x84, 0};
        int n = xchg(op1, f, mk_read(f, 0x0101, &s, 1), r, sizeof r);
        ok(n == 26 && r[21] == 0xFF, "first OP connection still served (frame %d)", n);
    }
    /* PG and S7 basic pools are separate */
    s7_client *pg = client(S7_CONN_PG, 0);
    if (pg) {
        uint8_t b[2];
        ok(s7_client_db_read(pg, 1, 0, b, 2) == 0, "PG connection served while OP is exhausted");
    }
    s7_client *basic = client(S7_CONN_BASIC, 0);
    if (basic) {
        uint8_t b[2];
        ok(s7_client_db_read(basic, 1, 0, b, 2) == 0,
           "S7 basic connection served while OP is exhausted");
        s7_cpu_caps caps;
        int rc = s7_client_cpu_caps(basic, &caps);
        ok(rc == 0 && caps.max_connections == 16, "SZL 0x0131: 16 connections at most (got %d)",
           caps.max_connections);
        ok(rc == 0 && caps.used_connections == 4,
           "SZL 0x0132: 4 connections in use (2 OP, PG, basic), got %d", caps.used_connections);
    }
    int orc = 0;
    s7_client *op = client_rc(S7_CONN_OP, 0, &orc);
    ok(op == NULL && orc == S7_ERR_CR_REJECTED,
       "our client's OP connection refused while 2 OP are open (%s)", s7_err_name(orc));
    s7_client_free(op);
    /* a freed OP connection can be taken again */
    if (op1 >= 0)
        close(op1);
    int again = -1;
    for (int i = 0; i < 40 && again < 0; i++) {
        usleep(50000);
        int fd = tcp_open();
        if (fd < 0)
            continue;
        int n = xchg(fd, f, mk_cr(f, 0x0007, 0x0100, tsap(2, 0, g_slot), 0x0A, 0), r, sizeof r);
        if (n == 22 && r[5] == 0xD0)
            again = fd;
        else
            close(fd);
    }
    ok(again >= 0, "an OP connection is accepted again once one of the two closed");
    if (again >= 0)
        close(again);
    if (op2 >= 0)
        close(op2);
    s7_client_free(pg);
    s7_client_free(basic);
}

/* CR to the configured rack/slot accepted (exact CC), any other refused without a CC. */
static void case_tsap(uint8_t rack, uint8_t slot)
{
    uint8_t f[64], r[512];
    for (int order = 0; order < 2; order++) {
        int fd = tcp_open();
        if (fd < 0) {
            ok(0, "connect");
            return;
        }
        int n =
            xchg(fd, f, mk_cr(f, 0x0014, 0x0100, tsap(1, rack, slot), 0x0A, order), r, sizeof r);
        ok(n == 22 && r[5] == 0xD0, "CR (%s order) to rack %u slot %u: 22-byte CC (got %d)",
           order ? "C1 C2 C0" : "C0 C1 C2", rack, slot, n);
        if (n == 22) {
            /* parameters echoed: find each, whatever the order */
            int c0 = 0, c1 = 0, c2 = 0;
            for (int i = 11; i + 1 < 22;) {
                uint8_t code = r[i], len = r[i + 1];
                if (code == 0xC0 && len == 1)
                    c0 = r[i + 2] == 0x0A;
                if (code == 0xC1 && len == 2)
                    c1 = r[i + 2] == 0x01 && r[i + 3] == 0x00;
                if (code == 0xC2 && len == 2)
                    c2 = r[i + 2] == 0x01 && r[i + 3] == (uint8_t)(rack << 5 | slot);
                i += 2 + len;
            }
            ok(r[4] == 0x11 && r[6] == 0x00 && r[7] == 0x14 && r[10] == 0x00,
               "CC: LI 17, dst-ref = CR src-ref, class 0");
            ok(c0 && c1 && c2, "CC echoes C0 (1024), C1 0100, C2 %04X", tsap(1, rack, slot));
        }
        close(fd);
    }
    /* TPDU size 8192 asked: the CC confirms at most 2048 (class 0 over RFC 1006) */
    int fd = tcp_open();
    if (fd >= 0) {
        int n = xchg(fd, f, mk_cr(f, 0x0014, 0x0100, tsap(1, rack, slot), 0x0D, 0), r, sizeof r);
        ok(n == 22 && r[11] == 0xC0 && r[13] >= 0x07 && r[13] <= 0x0B,
           "TPDU 8192 asked: CC confirms 128..2048 (code %02X)", n == 22 ? r[13] : 0);
        close(fd);
    }
    const uint16_t bad[] = {
        tsap(1, rack, (uint8_t)(slot + 1)), tsap(1, rack, (uint8_t)(slot ? slot - 1 : 3)),
        tsap(1, (uint8_t)((rack + 1) & 7), slot), tsap(2, (uint8_t)((rack + 2) & 7), slot)};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fd = tcp_open();
        if (fd < 0) {
            ok(0, "connect");
            continue;
        }
        unsigned port = local_port(fd);
        size_t bytes = 0;
        send_all(fd, f, mk_cr(f, 0x0014, 0x0100, bad[i], 0x0A, 0));
        ok(wait_closed(fd, 3000, &bytes) == 1 && bytes == 0,
           "CR to TSAP %04X (not this CPU's rack/slot): closed, no CC (%zu bytes)", bad[i], bytes);
        char line[1024] = "";
        ok(log_names(port, line, sizeof line), "server logged the refused TSAP %04X", bad[i]);
        close(fd);
    }
    /* our client with the right rack/slot */
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.rack = rack;
    o.slot = slot;
    s7_client *c = s7_client_new(&o);
    ok(c && s7_client_connect(c, "127.0.0.1", g_port) == 0,
       "our client connects to rack %u slot %u", rack, slot);
    s7_client_free(c);
    s7_client_opts_init(&o);
    o.rack = rack;
    o.slot = (uint8_t)(slot + 1);
    c = s7_client_new(&o);
    int rc = c ? s7_client_connect(c, "127.0.0.1", g_port) : 0;
    ok(rc == S7_ERR_CR_REJECTED, "our client at slot %u: S7_ERR_CR_REJECTED (got %s)", slot + 1,
       s7_err_name(rc));
    s7_client_free(c);
}

/* Allow-list: outside -> closed at accept, before any byte (it never holds a slot or a
 * descriptor for long), inside -> served. */
static void case_allow(int allowed)
{
    uint8_t f[64], r[512];
    int fd = tcp_open();
    ok(fd >= 0, "TCP accepted by the kernel");
    if (fd < 0)
        return;
    unsigned port = local_port(fd);
    if (allowed) {
        ok(still_open(fd, 300), "a partner inside the allow-list gets time for its CR");
        int n = xchg(fd, f, mk_cr(f, 0x0007, 0x0100, tsap(1, 0, g_slot), 0x0A, 0), r, sizeof r);
        ok(n == 22 && r[5] == 0xD0, "127.0.0.1 inside 127.0.0.0/8: CC (got %d)", n);
        close(fd);
        s7_client *c = client(S7_CONN_PG, 0);
        if (c) {
            uint8_t b[2] = {0xEE, 0xEE};
            ok(s7_client_db_read(c, 1, 0, b, 2) == 0 && b[0] == 0 && b[1] == 0,
               "allowed client reads DB1");
        }
        s7_client_free(c);
        return;
    }
    size_t bytes = 0;
    ok(wait_closed(fd, 3000, &bytes) == 1,
       "127.0.0.1 outside 10.0.0.0/8: closed at accept, without waiting for a CR");
    ok(bytes == 0, "no CC, no bytes (got %zu)", bytes);
    char line[1024] = "";
    ok(log_names(port, line, sizeof line), "server logged the refused partner 127.0.0.1:%u", port);
    if (line[0])
        fprintf(stderr, "    log: %s\n", line);
    close(fd);
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = g_slot;
    s7_client *c = s7_client_new(&o);
    int rc = c ? s7_client_connect(c, "127.0.0.1", g_port) : 0;
    ok(rc == S7_ERR_CR_REJECTED, "our client outside the allow-list: S7_ERR_CR_REJECTED (got %s)",
       s7_err_name(rc));
    s7_client_free(c);
}

/* ---------------------------------------------------------------- malformed frames */

enum { PRE_NONE = 0, PRE_CR = 1, PRE_SETUP = 2 };

typedef struct bad {
    const char *what;
    int prefix;
    const char *hex; /* the bad bytes */
    int may_answer;  /* well framed, wrong in context or in its parameter: an error Ack
                        (ROSCTR 2, error set; 0x8404 for a parameter that does not parse)
                        instead of the close is accepted too */
} bad;

static const bad BAD[] = {
    {"bad TPKT version (0x04) instead of the CR", PRE_NONE,
     "04 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", 0},
    {"bad TPKT version (0x02) after setup", PRE_SETUP,
     "02 00 00 1F 02 F0 80 32 01 00 00 05 00 00 0E 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00",
     0},
    {"TPKT length 5 (< 7) after setup", PRE_SETUP, "03 00 00 05 02", 0},
    {"TPKT length 4 after setup", PRE_SETUP, "03 00 00 04", 0},
    {"TPKT length 0 before the CR", PRE_NONE, "03 00 00 00", 0},
    {"TPKT length 6 (< 7) before the CR", PRE_NONE, "03 00 00 06 11 E0", 0},
    {"COTP LI longer than the TPKT", PRE_SETUP, "03 00 00 0B 1F F0 80 32 01 00 00", 0},
    {"COTP LI 0", PRE_SETUP, "03 00 00 08 00 F0 80 32", 0},
    {"unknown COTP TPDU type 0x30", PRE_SETUP, "03 00 00 07 02 30 80", 0},
    {"wrong protocol id 0x33", PRE_SETUP,
     "03 00 00 1F 02 F0 80 33 01 00 00 05 00 00 0E 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00",
     0},
    {"wrong protocol id 0x72 (S7CommPlus)", PRE_SETUP,
     "03 00 00 1F 02 F0 80 72 01 00 00 05 00 00 0E 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00",
     0},
    {"item count that lies (2 announced, 1 present)", PRE_SETUP,
     "03 00 00 1F 02 F0 80 32 01 00 00 05 01 00 0E 00 00 04 02 12 0A 10 02 00 01 00 01 84 00 00 00",
     1},
    {"item count that lies (1 announced, 2 present)", PRE_SETUP,
     "03 00 00 2B 02 F0 80 32 01 00 00 05 02 00 1A 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00 "
     "12 0A 10 02 00 01 00 01 84 00 00 08",
     1},
    {"item count 0", PRE_SETUP, "03 00 00 13 02 F0 80 32 01 00 00 05 03 00 02 00 00 04 00", 1},
    {"parameter length that lies (0x20, 14 present)", PRE_SETUP,
     "03 00 00 1F 02 F0 80 32 01 00 00 05 04 00 20 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00",
     0},
    {"data length that lies (write: 0x10 announced, 5 present)", PRE_SETUP,
     "03 00 00 24 02 F0 80 32 01 00 00 05 05 00 0E 00 10 05 01 12 0A 10 02 00 01 00 01 84 00 00 00 "
     "00 04 00 08 77",
     0},
    {"write data item length that lies (64 bits announced, 1 byte present)", PRE_SETUP,
     "03 00 00 24 02 F0 80 32 01 00 00 05 06 00 0E 00 05 05 01 12 0A 10 02 00 08 00 01 84 00 00 00 "
     "00 04 00 40 77",
     1},
    {"truncated item (spec length 10, 6 bytes present)", PRE_SETUP,
     "03 00 00 1B 02 F0 80 32 01 00 00 05 07 00 0A 00 00 04 01 12 0A 10 02 00 01 00 01", 1},
    {"truncated item spec length 0x20", PRE_SETUP,
     "03 00 00 1F 02 F0 80 32 01 00 00 05 08 00 0E 00 00 04 01 12 20 10 02 00 01 00 01 84 00 00 00",
     1},
    {"S7 PDU shorter than its header", PRE_SETUP, "03 00 00 0C 02 F0 80 32 01 00 00 05", 0},
    {"read with a data block", PRE_SETUP,
     "03 00 00 23 02 F0 80 32 01 00 00 05 09 00 0E 00 04 04 01 12 0A 10 02 00 01 00 01 84 00 00 00 "
     "FF 04 00 08",
     1},
    {"Ack_Data (ROSCTR 3) sent to the CPU", PRE_SETUP,
     "03 00 00 15 02 F0 80 32 03 00 00 05 0A 00 02 00 00 00 00 04 01", 1},
    {"unknown ROSCTR 0x09", PRE_SETUP,
     "03 00 00 1F 02 F0 80 32 09 00 00 05 0B 00 0E 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00",
     1},
    {"userdata with a parameter length that lies", PRE_SETUP,
     "03 00 00 21 02 F0 80 32 07 00 00 05 0C 00 30 00 08 00 01 12 04 11 44 01 00 FF 09 00 04 00 11 "
     "00 00",
     0},
    {"a DT before the CR", PRE_NONE,
     "03 00 00 1F 02 F0 80 32 01 00 00 05 0D 00 0E 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00",
     0},
    {"Read Var before Setup Communication", PRE_CR,
     "03 00 00 1F 02 F0 80 32 01 00 00 05 0E 00 0E 00 00 04 01 12 0A 10 02 00 01 00 01 84 00 00 00",
     1},
    {"a second CR on an open connection", PRE_SETUP,
     "03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", 0},
    {"garbage instead of the CR", PRE_NONE, "47 45 54 20 2F 20 48 54 54 50 2F 31 2E 31 0D 0A 0D 0A",
     0},
    {"garbage after setup", PRE_SETUP, "9C 1F 00 E3 55 AA 01 02 03 04 05 06 07 08 09 0A 0B 0C", 0},
};

static int witness_read(s7_client *w, const char *when, const char *what)
{
    uint8_t b[2] = {0, 0};
    int rc = w ? s7_client_db_read(w, 1, 0, b, 2) : S7_ERR_NOTCONN;
    ok(rc == 0 && b[0] == 0x12 && b[1] == 0x34, "witness client served %s '%s' (%s)", when, what,
       s7_err_name(rc));
    return rc == 0;
}

static void case_malformed(void)
{
    s7_client *w = client(S7_CONN_PG, 0);
    uint8_t f[256], r[512];
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        const bad *b = &BAD[i];
        int fd = b->prefix == PRE_NONE ? tcp_open()
                                       : raw_session(1, b->prefix == PRE_SETUP ? 240 : 0, NULL);
        if (fd < 0) {
            ok(0, "'%s': could not open the bad connection", b->what);
            continue;
        }
        unsigned port = local_port(fd);
        witness_read(w, "before", b->what);
        size_t n = t_hex(b->hex, f, sizeof f);
        send_all(fd, f, n);
        if (b->may_answer) {
            int m = rd_tpkt(fd, r, sizeof r, 3000);
            if (m > 0) {
                ok(m == 19 && r[7] == 0x32 && r[8] == 0x02 && r[17] != 0,
                   "'%s': answered with an error Ack (ROSCTR 2, error set)", b->what);
                if (m != 19)
                    hexdump("got", r, (size_t)m);
                printf("  %-62s -> answered %02X %02X\n", b->what, m == 19 ? r[17] : 0,
                       m == 19 ? r[18] : 0);
                close(fd);
                witness_read(w, "after", b->what);
                continue;
            }
            ok(m == 0 || m == -2, "'%s': closed or answered with an error, not silence (%d)",
               b->what, m);
        } else {
            size_t bytes = 0;
            int closed = wait_closed(fd, 3000, &bytes);
            ok(closed == 1, "'%s': connection closed by the server (%zu bytes came back first)",
               b->what, bytes);
        }
        close(fd);
        witness_read(w, "after", b->what);
        char line[1024] = "";
        ok(log_names(port, line, sizeof line), "'%s': server logged a reason for 127.0.0.1:%u",
           b->what, port);
        if (line[0])
            printf("  %-62s -> %s\n", b->what, line);
    }
    ok(w && s7_client_connected(w), "witness never lost its connection");
    s7_client_free(w);
    /* still accepting: a new client works */
    s7_client *c = client(S7_CONN_PG, 0);
    if (c) {
        uint8_t b[2];
        ok(s7_client_db_read(c, 1, 0, b, 2) == 0,
           "a new client is served after all malformed frames");
    }
    s7_client_free(c);
    /* a frame split byte by byte is not malformed */
    int fd = raw_session(1, 240, NULL);
    if (fd >= 0) {
        spec s = {0x02, 2, 1, 0x84, 0};
        size_t n = mk_read(f, 0x0F0F, &s, 1);
        for (size_t k = 0; k < n; k++) {
            send_all(fd, f + k, 1);
            usleep(2000);
        }
        int m = rd_tpkt(fd, r, sizeof r, 3000);
        expect_hex(
            "a read sent one byte at a time is answered", r, m,
            "03 00 00 1B 02 F0 80 32 03 00 00 0F 0F 00 02 00 06 00 00 04 01 FF 04 00 10 12 34");
        close(fd);
    }
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: server_protect CASE PORT SLOT [LOGFILE]\n");
        return 2;
    }
    g_case = argv[1];
    g_port = (uint16_t)atoi(argv[2]);
    g_slot = (uint8_t)atoi(argv[3]);
    g_log = argc > 4 ? argv[4] : NULL;
    if (!strcmp(g_case, "putget"))
        case_putget("6ES7 516-3AN02-0AB0");
    else if (!strcmp(g_case, "putget300"))
        case_putget("6ES7 315-2EH14-0AB0");
    else if (!strcmp(g_case, "items"))
        case_items();
    else if (!strcmp(g_case, "pdu"))
        case_pdu();
    else if (!strncmp(g_case, "setup-", 6))
        case_setup(g_case + 6);
    else if (!strcmp(g_case, "types"))
        case_types();
    else if (!strcmp(g_case, "wire"))
        case_wire();
    else if (!strcmp(g_case, "prog"))
        case_prog();
    else if (!strcmp(g_case, "budget"))
        case_budget();
    else if (!strcmp(g_case, "tsap"))
        case_tsap(0, 2);
    else if (!strcmp(g_case, "tsap14"))
        case_tsap(1, 4);
    else if (!strcmp(g_case, "deny"))
        case_allow(0);
    else if (!strcmp(g_case, "allow"))
        case_allow(1);
    else if (!strcmp(g_case, "malformed"))
        case_malformed();
    else {
        fprintf(stderr, "server_protect: unknown case %s\n", g_case);
        return 2;
    }
    return t_done();
}
