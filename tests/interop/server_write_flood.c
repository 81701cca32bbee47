/* server_write_flood: many pipelining writers of a retentive DB, and a reader of another DB
 * next to them, against s7kit's CPU emulator (test_server_retain_group.sh: the group
 * commit of `--retain sync`).  Plain sockets and hand-built frames (COTP CR to rack 0 /
 * SLOT as a PG, Setup Communication asking PDU 960 and AmQ 8, Write Var / Read Var of
 * DB bytes), so that every connection keeps exactly INFLIGHT requests on the wire.
 *
 *   server_write_flood write PORT SLOT DB CONNS INFLIGHT SECONDS RUN OUT
 *       CONNS connections, each keeping INFLIGHT 4-byte writes to DB in flight, for at most
 *       SECONDS (or until SIGTERM, or until every connection was lost: the server was
 *       killed).  Connection w owns the slots w*INFLIGHT .. w*INFLIGHT+INFLIGHT-1 (slot s =
 *       bytes 4s..4s+3); its k-th request (k = 0, 1, ...) writes RUN << 30 | w << 22 |
 *       (k + 1) (big-endian) into slot w*INFLIGHT + k % INFLIGHT, so a slot has at most one
 *       write in flight and its values grow.  Prints "ready" (flushed) once every
 *       connection is set up and its first INFLIGHT writes are sent.  At the end OUT gets
 *       one line per slot, "OFFSET ACKED SENT": the last value the server acknowledged (0:
 *       none) and the last one sent (the one in flight when the connection was lost, if
 *       it is not the acknowledged one); stdout gets "writes acknowledged N, connections
 *       lost L".
 *   server_write_flood read PORT SLOT DB COUNT BOUND_MS LIMIT_S
 *       one connection, COUNT reads of DB.DBW0, one at a time; prints "connect C ms; reads
 *       answered N of COUNT, within BOUND_MS ms: K, slowest M ms".  Gives up (the rest
 *       unanswered) at a read not answered within 3 s or after LIMIT_S seconds in all.
 *
 * Exit 0 when it ran (the script judges the figures), 1 when it could not connect, 2 for a
 * usage error. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAXC 256
#define MAXW 16

static volatile sig_atomic_t g_stop;
static void on_term(int sig)
{
    (void)sig;
    g_stop = 1;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t tpkt(uint8_t *b, size_t payload)
{
    size_t n = payload + 4;
    b[0] = 3;
    b[1] = 0;
    b[2] = (uint8_t)(n >> 8);
    b[3] = (uint8_t)n;
    return n;
}

/* A DT frame around an S7 header (Job) with param and data. */
static size_t job(uint8_t *b, uint16_t ref, const uint8_t *par, size_t pl, const uint8_t *dat,
                  size_t dl)
{
    uint8_t *p = b + 4;
    p[0] = 2, p[1] = 0xF0, p[2] = 0x80;
    uint8_t *h = p + 3;
    h[0] = 0x32, h[1] = 1, h[2] = 0, h[3] = 0;
    h[4] = (uint8_t)(ref >> 8), h[5] = (uint8_t)ref;
    h[6] = (uint8_t)(pl >> 8), h[7] = (uint8_t)pl;
    h[8] = (uint8_t)(dl >> 8), h[9] = (uint8_t)dl;
    memcpy(h + 10, par, pl);
    if (dl)
        memcpy(h + 10 + pl, dat, dl);
    return tpkt(b, 3 + 10 + pl + dl);
}

/* An item of DB db, bytes off..off+len (transport size BYTE). */
static void item(uint8_t *it, uint16_t db, uint32_t off, uint16_t len)
{
    uint32_t bits = off * 8;
    uint8_t v[12] = {0x12,
                     0x0A,
                     0x10,
                     0x02,
                     (uint8_t)(len >> 8),
                     (uint8_t)len,
                     (uint8_t)(db >> 8),
                     (uint8_t)db,
                     0x84,
                     (uint8_t)(bits >> 16),
                     (uint8_t)(bits >> 8),
                     (uint8_t)bits};
    memcpy(it, v, 12);
}

static size_t write_req(uint8_t *b, uint16_t ref, uint16_t db, uint32_t off, uint32_t value)
{
    uint8_t par[14] = {0x05, 0x01};
    item(par + 2, db, off, 4);
    uint8_t dat[8] = {0x00,
                      0x04,
                      0x00,
                      32,
                      (uint8_t)(value >> 24),
                      (uint8_t)(value >> 16),
                      (uint8_t)(value >> 8),
                      (uint8_t)value};
    return job(b, ref, par, sizeof par, dat, sizeof dat);
}

static size_t read_req(uint8_t *b, uint16_t ref, uint16_t db, uint32_t off, uint16_t len)
{
    uint8_t par[14] = {0x04, 0x01};
    item(par + 2, db, off, len);
    return job(b, ref, par, sizeof par, NULL, 0);
}

/* Reads one whole TPKT frame (blocking, with the socket's timeout).  Length or -1. */
static int recv_frame(int fd, uint8_t *b, size_t cap)
{
    size_t got = 0, want = 4;
    while (got < want) {
        ssize_t r = recv(fd, b + got, want - got, 0);
        if (r <= 0)
            return -1;
        got += (size_t)r;
        if (got == 4) {
            want = (size_t)b[2] << 8 | b[3];
            if (want < 4 || want > cap)
                return -1;
        }
    }
    return (int)want;
}

/* A set-up connection (CR/CC, Setup Communication) with a receive timeout; -1 on failure. */
static int dial(uint16_t port, uint8_t slot)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    uint8_t b[1024];
    uint8_t cr[22] = {3,    0, 0,    22,   0x11, 0xE0, 0, 0,    0, 1, 0,
                      0xC0, 1, 0x0A, 0xC1, 2,    1,    0, 0xC2, 2, 1, slot};
    uint8_t setup[8] = {0xF0, 0, 0, 8, 0, 8, 0x03, 0xC0};
    size_t n = job(b, 0, setup, sizeof setup, NULL, 0);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0 || send(fd, cr, sizeof cr, 0) != 22 ||
        recv_frame(fd, b + 100, sizeof b - 100) < 0 || b[105] != 0xD0 ||
        send(fd, b, n, 0) != (ssize_t)n || recv_frame(fd, b, sizeof b) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

typedef struct writer {
    int fd;
    uint32_t k;     /* requests sent */
    uint32_t acked; /* replies taken */
    uint32_t last_acked[MAXW], last_sent[MAXW];
    uint8_t rx[4096];
    size_t rx_len;
} writer;

static int do_write(int argc, char **argv)
{
    if (argc != 10)
        return 2;
    uint16_t port = (uint16_t)atoi(argv[2]);
    uint8_t slot = (uint8_t)atoi(argv[3]);
    uint16_t db = (uint16_t)atoi(argv[4]);
    int conns = atoi(argv[5]), inflight = atoi(argv[6]);
    double secs = atof(argv[7]);
    uint32_t run = (uint32_t)atoi(argv[8]) & 3u;
    const char *out = argv[9];
    if (conns < 1 || conns > MAXC || inflight < 1 || inflight > MAXW || secs <= 0) {
        fprintf(stderr, "server_write_flood: CONNS 1..%d, INFLIGHT 1..%d, SECONDS > 0\n", MAXC,
                MAXW);
        return 2;
    }
    static writer w[MAXC];
    struct pollfd pfd[MAXC];
    for (int i = 0; i < conns; i++) {
        w[i].fd = dial(port, slot);
        if (w[i].fd < 0) {
            fprintf(stderr, "server_write_flood: connection %d could not be set up\n", i);
            return 1;
        }
    }
    uint8_t b[64 * MAXW];
    for (int i = 0; i < conns; i++) {
        size_t n = 0;
        for (int j = 0; j < inflight; j++, w[i].k++) {
            uint32_t s = (uint32_t)(i * inflight) + w[i].k % (uint32_t)inflight;
            uint32_t v = run << 30 | (uint32_t)i << 22 | (w[i].k + 1);
            w[i].last_sent[s % (uint32_t)inflight] = v;
            n += write_req(b + n, (uint16_t)w[i].k, db, 4 * s, v);
        }
        if (send(w[i].fd, b, n, MSG_NOSIGNAL) != (ssize_t)n) {
            fprintf(stderr, "server_write_flood: first send failed\n");
            return 1;
        }
        pfd[i].fd = w[i].fd;
        pfd[i].events = POLLIN;
    }
    printf("ready\n");
    fflush(stdout);
    int64_t end = now_ms() + (int64_t)(secs * 1000);
    int live = conns, lost = 0;
    uint64_t total = 0;
    while (!g_stop && live && now_ms() < end) {
        if (poll(pfd, (nfds_t)conns, 100) < 0)
            continue;
        for (int i = 0; i < conns; i++) {
            if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLERR | POLLHUP)))
                continue;
            writer *c = &w[i];
            ssize_t r = recv(c->fd, c->rx + c->rx_len, sizeof c->rx - c->rx_len, MSG_DONTWAIT);
            if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                close(c->fd);
                pfd[i].fd = c->fd = -1;
                live--;
                lost++;
                continue;
            }
            if (r < 0)
                continue;
            c->rx_len += (size_t)r;
            size_t off = 0, n = 0;
            while (c->rx_len - off >= 4) {
                size_t fl = (size_t)c->rx[off + 2] << 8 | c->rx[off + 3];
                if (fl < 4 || c->rx_len - off < fl)
                    break;
                const uint8_t *f = c->rx + off;
                /* Ack_Data of Write Var, its one item 0xFF */
                int good = fl >= 22 && f[8] == 3 && f[17] == 0 && f[18] == 0 && f[19] == 5 &&
                           f[21] == 0xFF;
                uint16_t ref = (uint16_t)(f[11] << 8 | f[12]);
                if (!good || ref != (uint16_t)c->acked) {
                    fprintf(stderr,
                            "server_write_flood: connection %d: reply %u not the write "
                            "acknowledgement expected (ref %u, %zu bytes)\n",
                            i, c->acked, ref, fl);
                    return 1;
                }
                uint32_t s = c->acked % (uint32_t)inflight;
                c->last_acked[s] = run << 30 | (uint32_t)i << 22 | (c->acked + 1);
                c->acked++;
                total++;
                off += fl;
                /* the next write of the same slot */
                uint32_t slot_no = (uint32_t)(i * inflight) + c->k % (uint32_t)inflight;
                uint32_t v = run << 30 | (uint32_t)i << 22 | (c->k + 1);
                c->last_sent[c->k % (uint32_t)inflight] = v;
                n += write_req(b + n, (uint16_t)c->k, db, 4 * slot_no, v);
                c->k++;
                if (n + 64 > sizeof b) {
                    if (send(c->fd, b, n, MSG_NOSIGNAL) != (ssize_t)n)
                        break;
                    n = 0;
                }
            }
            memmove(c->rx, c->rx + off, c->rx_len - off);
            c->rx_len -= off;
            if (n && send(c->fd, b, n, MSG_NOSIGNAL) != (ssize_t)n) {
                /* the server is gone: the sends that failed were never in flight, but
                 * last_sent may name one; the check accepts it as "in flight" */
            }
        }
    }
    FILE *f = fopen(out, "w");
    if (!f) {
        perror(out);
        return 2;
    }
    for (int i = 0; i < conns; i++)
        for (int j = 0; j < inflight; j++)
            fprintf(f, "%d %u %u\n", 4 * (i * inflight + j), w[i].last_acked[j], w[i].last_sent[j]);
    fclose(f);
    printf("writes acknowledged %llu, connections lost %d\n", (unsigned long long)total, lost);
    return 0;
}

static int do_read(int argc, char **argv)
{
    if (argc != 8)
        return 2;
    uint16_t port = (uint16_t)atoi(argv[2]);
    uint8_t slot = (uint8_t)atoi(argv[3]);
    uint16_t db = (uint16_t)atoi(argv[4]);
    int count = atoi(argv[5]);
    int64_t bound = atoi(argv[6]), limit = (int64_t)atoi(argv[7]) * 1000;
    int64_t t0 = now_ms();
    int fd = dial(port, slot);
    int64_t conn_ms = now_ms() - t0;
    if (fd < 0) {
        printf("connect failed after %lld ms; reads answered 0 of %d, within %lld ms: 0\n",
               (long long)conn_ms, count, (long long)bound);
        return 1;
    }
    int answered = 0, within = 0;
    int64_t slowest = 0;
    uint8_t b[1024];
    for (int i = 0; i < count && now_ms() - t0 < limit; i++) {
        size_t n = read_req(b, (uint16_t)(i + 1), db, 0, 2);
        int64_t s = now_ms();
        if (send(fd, b, n, MSG_NOSIGNAL) != (ssize_t)n)
            break;
        int r = recv_frame(fd, b, sizeof b);
        int64_t d = now_ms() - s;
        if (r < 0)
            break; /* no answer within 3 s */
        if (r < 25 || b[8] != 3 || b[21] != 0xFF) {
            fprintf(stderr, "server_write_flood: read %d: not a good Read Var answer\n", i);
            break;
        }
        answered++;
        if (d <= bound)
            within++;
        if (d > slowest)
            slowest = d;
    }
    close(fd);
    printf("connect %lld ms; reads answered %d of %d, within %lld ms: %d, slowest %lld ms\n",
           (long long)conn_ms, answered, count, (long long)bound, within, (long long)slowest);
    return 0;
}

int main(int argc, char **argv)
{
    signal(SIGTERM, on_term);
    signal(SIGPIPE, SIG_IGN);
    int rc = 2;
    if (argc > 1 && strcmp(argv[1], "write") == 0)
        rc = do_write(argc, argv);
    else if (argc > 1 && strcmp(argv[1], "read") == 0)
        rc = do_read(argc, argv);
    if (rc == 2)
        fprintf(stderr, "usage: server_write_flood write PORT SLOT DB CONNS INFLIGHT SECONDS RUN "
                        "OUT\n       server_write_flood read PORT SLOT DB COUNT BOUND_MS "
                        "LIMIT_S\n");
    return rc;
}
