/* server_write_burst: a write burst for the retentive-data test (test_server_retain.sh).
 *
 *   server_write_burst PORT SLOT DB RECORD WRITER NWRITERS [MAX]
 *
 * Connects with s7kit's client and writes 4-byte values into DB as fast as the server
 * acknowledges them, one write at a time, until MAX writes (default: forever) or until
 * the connection is lost (the server was killed).  Writer WRITER of NWRITERS owns the
 * slots WRITER, WRITER + NWRITERS, ... (slot s = bytes 4s..4s+3; 256 slots in a 1 KB DB);
 * its k-th write (k = 1, 2, ...) puts the big-endian value WRITER << 24 | k into slot
 * WRITER + NWRITERS * (k % (256 / NWRITERS)).  RECORD gets one line per event, flushed
 * before the next step:
 *   S OFFSET VALUE    about to send (the write may or may not reach the DB)
 *   A OFFSET VALUE    acknowledged by the server (must survive a kill -9 with retain sync)
 *   E CODE TEXT       the write failed (the end of the burst)
 * Exit 0 after MAX writes or after a lost connection once at least one write was
 * acknowledged; 1 when nothing could be written; 2 for a usage error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"

int main(int argc, char **argv)
{
    if (argc < 7) {
        fprintf(stderr, "usage: server_write_burst PORT SLOT DB RECORD WRITER NWRITERS [MAX]\n");
        return 2;
    }
    uint16_t port = (uint16_t)atoi(argv[1]);
    uint8_t slot = (uint8_t)atoi(argv[2]);
    uint16_t db = (uint16_t)atoi(argv[3]);
    const char *record = argv[4];
    unsigned writer = (unsigned)atoi(argv[5]), nwriters = (unsigned)atoi(argv[6]);
    long max = argc > 7 ? atol(argv[7]) : -1;
    if (nwriters == 0 || nwriters > 256 || writer >= nwriters) {
        fprintf(stderr, "server_write_burst: WRITER must be below NWRITERS (1..256)\n");
        return 2;
    }
    FILE *rec = fopen(record, "w");
    if (!rec) {
        perror(record);
        return 2;
    }
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = slot;
    o.request_timeout_ms = 5000;
    s7_client *c = s7_client_new(&o);
    int rc = c ? s7_client_connect(c, "127.0.0.1", port) : S7_ERR_NOMEM;
    if (rc != 0) {
        fprintf(rec, "E %d %s\n", rc, s7_strerror(rc));
        fclose(rec);
        fprintf(stderr, "server_write_burst: connect: %s\n", s7_strerror(rc));
        s7_client_free(c);
        return 1;
    }
    unsigned per = 256 / nwriters;
    unsigned long acked = 0;
    for (unsigned long k = 1; max < 0 || (long)k <= max; k++) {
        uint32_t v = (uint32_t)(writer << 24) | (uint32_t)(k & 0xFFFFFF);
        uint32_t off = 4u * (writer + nwriters * (unsigned)(k % per));
        uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
        fprintf(rec, "S %u %u\n", off, v);
        fflush(rec);
        rc = s7_client_db_write(c, db, off, b, 4);
        if (rc != 0) {
            fprintf(rec, "E %d %s\n", rc, s7_strerror(rc));
            fflush(rec);
            break;
        }
        fprintf(rec, "A %u %u\n", off, v);
        fflush(rec);
        acked++;
    }
    fclose(rec);
    s7_client_free(c);
    printf("writer %u: %lu writes acknowledged\n", writer, acked);
    return acked ? 0 : 1;
}
