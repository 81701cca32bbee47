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
 *   guard_clients szl HOST PORT SLOT PDU ID INDEX
 *
 * asks for a PDU of PDU bytes (OP connection), reads the SZL (following its continuations)
 * and prints "szl ID: N records of L bytes, PDU P" and the records' bytes in hex.
 *
 *   guard_clients hold HOST PORT SLOT N FILE
 *
 * connects N clients (OP), prints "ready", waits until FILE exists (at most 30 s), then
 * reads DB1.DBB0..3 on each and prints "N of N clients still served". */
#include <sys/stat.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"
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
