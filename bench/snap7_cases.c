/* s7bench: the cases as the Snap7 client performs them (one request at a time, its only
 * mode): DBRead for the 4-byte and 64 KB reads, ReadMultiVars of 20 items for the
 * scattered reads.  Every operation checks the bytes read against the DB1 pattern. */
#include "bench.h"
#include "snap7_peer.h"

#include <stdio.h>
#include <string.h>

typedef struct snap7_ctx {
    snap7_cli *c;
    enum bench_case k;
    uint32_t starts[BENCH_CYCLE_N];
    uint32_t lens[BENCH_CYCLE_N];
    uint8_t *bufs[BENCH_CYCLE_N];
    uint8_t data[BENCH_DB_LEN];
} snap7_ctx;

static int check(const uint8_t *got, uint32_t off, uint32_t len, char *msg)
{
    if (memcmp(got, bench_db + off, len) == 0)
        return 0;
    for (uint32_t i = 0; i < len; i++) {
        if (got[i] != bench_db[off + i]) {
            snprintf(msg, BENCH_MSG, "Snap7: wrong data at DB1.DBB%u: 0x%02X, expected 0x%02X",
                     (unsigned)(off + i), got[i], bench_db[off + i]);
            break;
        }
    }
    return -1;
}

static int fail(int rc, const char *what, char *msg)
{
    snprintf(msg, BENCH_MSG, "Snap7: %s failed: %s (0x%X)", what, snap7_err_text(rc), (unsigned)rc);
    return -1;
}

static int multi(snap7_ctx *x, size_t first, size_t n, char *msg)
{
    int bad = -1;
    int rc = snap7_cli_read_multi(x->c, BENCH_DB, n, x->starts + first, x->lens + first,
                                  x->bufs + first, &bad);
    if (rc != 0)
        return fail(rc, bad >= 0 ? "ReadMultiVars item" : "ReadMultiVars", msg);
    for (size_t i = first; i < first + n; i++)
        if (check(x->bufs[i], x->starts[i], x->lens[i], msg) != 0)
            return -1;
    return 0;
}

static int snap7_op(void *ctx, char *msg)
{
    snap7_ctx *x = ctx;
    int rc;
    switch (x->k) {
    case CASE_A:
    case CASE_B:
        memset(x->data, 0xA5, BENCH_TAG_LEN);
        rc = snap7_cli_db_read(x->c, BENCH_DB, 0, BENCH_TAG_LEN, x->data);
        if (rc != 0)
            return fail(rc, "DBRead", msg);
        return check(x->data, 0, BENCH_TAG_LEN, msg);
    case CASE_C:
        memset(x->data, 0xA5, BENCH_MULTI_N * BENCH_TAG_LEN);
        return multi(x, 0, BENCH_MULTI_N, msg);
    case CASE_D:
        memset(x->data, 0xA5, BENCH_DB_LEN);
        rc = snap7_cli_db_read(x->c, BENCH_DB, 0, (int)BENCH_DB_LEN, x->data);
        if (rc != 0)
            return fail(rc, "DBRead", msg);
        return check(x->data, 0, BENCH_DB_LEN, msg);
    case CASE_E:
        memset(x->data, 0xA5, BENCH_CYCLE_N * BENCH_TAG_LEN);
        for (size_t i = 0; i < BENCH_CYCLE_N; i += BENCH_SNAP7_MAXVARS)
            if (multi(x, i, BENCH_SNAP7_MAXVARS, msg) != 0)
                return -1;
        return 0;
    default: snprintf(msg, BENCH_MSG, "Snap7: unknown case"); return -1;
    }
}

int snap7_side_measure(snap7_cli *c, enum bench_case k, double warm, double run, double *rate,
                       char *msg)
{
    static snap7_ctx x;
    x.c = c;
    x.k = k;
    size_t n = k == CASE_C ? BENCH_MULTI_N : BENCH_CYCLE_N;
    for (size_t i = 0; i < n; i++) {
        x.starts[i] = k == CASE_C ? bench_multi_off((uint32_t)i) : bench_cycle_off((uint32_t)i);
        x.lens[i] = BENCH_TAG_LEN;
        x.bufs[i] = x.data + i * BENCH_TAG_LEN;
    }
    return bench_measure(snap7_op, &x, warm, run, 3, rate, msg);
}
