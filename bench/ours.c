/* s7bench: the cases as s7kit's client performs them: s7_client_read for the 4-byte read,
 * the 20-item read and the 1,000-tag cycle (the planner packs the items into PDUs),
 * s7_client_db_read for the 64 KB read, and the async API with 8 jobs kept queued for the
 * pipelined case (driven by s7_multi_poll).  Every operation checks the bytes read against the DB1 pattern.
 *
 * The client functions are referenced weakly (the bench links libs7 whole): while the
 * client is not in the library the benchmark still builds and reports s7kit as not
 * available instead of failing to link. */
#include "bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"

#define MAX_FRAMES 4096

struct ours {
    s7_client *c;
    s7_multi *m; /* drives the async jobs of case b */
    enum bench_case k;
    /* frame tap: sizes of the frames one operation moved */
    int capturing;
    size_t n_out, n_in;
    uint32_t out[MAX_FRAMES], in[MAX_FRAMES];
    bench_script *wire; /* request frame bytes go here while capturing */
    /* items and their destination */
    s7_item items[BENCH_CYCLE_N];
    uint8_t data[BENCH_DB_LEN];
};

static const char *errtext(int rc) { return s7_strerror(rc); }

/* Frame tap: whole TPKT frames are expected; a bare S7 PDU gets the 7-byte ISO header
 * added so the floor moves what went over the socket. */
static void tap(void *ctx, int outgoing, const uint8_t *frame, size_t len)
{
    ours *o = ctx;
    if (!o->capturing)
        return;
    uint32_t size = (uint32_t)len;
    if (!(len >= 4 && frame[0] == 3 && (size_t)((frame[2] << 8) | frame[3]) == len))
        size += 7;
    if (outgoing && o->n_out < MAX_FRAMES) {
        o->out[o->n_out++] = size;
        if (o->wire) {
            if (size != len) { /* a bare S7 PDU: put the ISO header in front */
                uint8_t iso[7] = {3, 0, (uint8_t)(size >> 8), (uint8_t)size, 2, 0xF0, 0x80};
                bench_script_add_wire(o->wire, iso, sizeof iso);
            }
            bench_script_add_wire(o->wire, frame, len);
        }
    } else if (!outgoing && o->n_in < MAX_FRAMES)
        o->in[o->n_in++] = size;
}

int ours_connect(const char *host, uint16_t port, uint16_t pdu, ours **out, char *msg)
{
    *out = NULL;
    ours *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(msg, BENCH_MSG, "s7kit: out of memory");
        return -1;
    }
    s7_client_opts opts;
    s7_client_opts_init(&opts);
    opts.pdu_request = pdu;
    opts.tap = tap;
    opts.log_ctx = o;
    o->c = s7_client_new(&opts);
    if (!o->c) {
        free(o);
        snprintf(msg, BENCH_MSG, "s7kit: s7_client_new failed");
        return -1;
    }
    o->m = s7_multi_new();
    int rc = o->m ? s7_multi_add(o->m, o->c) : S7_ERR_NOMEM;
    if (rc == 0)
        rc = s7_client_connect(o->c, host, port);
    if (rc != 0) {
        snprintf(msg, BENCH_MSG, "s7kit: connect to %s:%u failed: %s", host, (unsigned)port,
                 errtext(rc));
        ours_free(o);
        return -1;
    }
    *out = o;
    return 0;
}

void ours_free(ours *o)
{
    if (!o)
        return;
    s7_multi_free(o->m);
    s7_client_free(o->c);
    free(o);
}

void ours_negotiated(const ours *o, unsigned *pdu, unsigned *amq)
{
    *pdu = s7_client_pdu(o->c);
    *amq = s7_client_amq(o->c);
}

static int check(const uint8_t *got, uint32_t off, uint32_t len, char *msg)
{
    if (memcmp(got, bench_db + off, len) == 0)
        return 0;
    for (uint32_t i = 0; i < len; i++) {
        if (got[i] != bench_db[off + i]) {
            snprintf(msg, BENCH_MSG, "s7kit: wrong data at DB1.DBB%u: 0x%02X, expected 0x%02X",
                     (unsigned)(off + i), got[i], bench_db[off + i]);
            break;
        }
    }
    return -1;
}

static int read_failed(ours *o, int rc, size_t n, char *msg)
{
    if (rc == S7_ERR_ITEM) {
        for (size_t i = 0; i < n; i++) {
            if (o->items[i].status != 0) {
                snprintf(msg, BENCH_MSG, "s7kit: item %zu (DB1.DBB%u) failed: %s, rc 0x%02X", i,
                         (unsigned)o->items[i].start, errtext(o->items[i].status), o->items[i].rc);
                return -1;
            }
        }
    }
    snprintf(msg, BENCH_MSG, "s7kit: read failed: %s", errtext(rc));
    return -1;
}

/* Set up n 4-byte DB1 items at the offsets of the case, destinations in o->data. */
static void tag_items(ours *o, size_t n, uint32_t (*off)(uint32_t))
{
    for (size_t i = 0; i < n; i++) {
        s7_item *it = &o->items[i];
        memset(it, 0, sizeof *it);
        it->area = S7_AREA_DB;
        it->db = BENCH_DB;
        it->ts = S7_TS_BYTE;
        it->start = off ? off((uint32_t)i) : 0;
        it->count = BENCH_TAG_LEN;
        it->buf = o->data + i * BENCH_TAG_LEN;
    }
}

static int read_items(ours *o, size_t n, char *msg)
{
    memset(o->data, 0xA5, n * BENCH_TAG_LEN);
    int rc = s7_client_read(o->c, o->items, n);
    if (rc != 0)
        return read_failed(o, rc, n, msg);
    for (size_t i = 0; i < n; i++)
        if (check(o->items[i].buf, o->items[i].start, BENCH_TAG_LEN, msg) != 0)
            return -1;
    return 0;
}

static int ours_op(void *ctx, char *msg)
{
    ours *o = ctx;
    switch (o->k) {
    case CASE_A:
    case CASE_B: /* one at a time here: the frames of one read, for the floor and raw */
        return read_items(o, 1, msg);
    case CASE_C: return read_items(o, BENCH_MULTI_N, msg);
    case CASE_E: return read_items(o, BENCH_CYCLE_N, msg);
    case CASE_D: {
        memset(o->data, 0xA5, BENCH_DB_LEN);
        int rc = s7_client_db_read(o->c, BENCH_DB, 0, o->data, BENCH_DB_LEN);
        if (rc != 0) {
            snprintf(msg, BENCH_MSG, "s7kit: db_read of 65535 bytes failed: %s", errtext(rc));
            return -1;
        }
        return check(o->data, 0, BENCH_DB_LEN, msg);
    }
    default: snprintf(msg, BENCH_MSG, "s7kit: unknown case"); return -1;
    }
}

/* ---------------------------------------------------------------- pipelined (case b) */

typedef struct slot {
    s7_item item;
    uint8_t buf[BENCH_TAG_LEN];
    int done;
    int result;
} slot;

static void slot_done(s7_client *c, int result, void *ud)
{
    slot *s = ud;
    s->done = 1;
    s->result = result;
}

static int slot_submit(ours *o, slot *s, char *msg)
{
    memset(&s->item, 0, sizeof s->item);
    s->item.area = S7_AREA_DB;
    s->item.db = BENCH_DB;
    s->item.ts = S7_TS_BYTE;
    s->item.count = BENCH_TAG_LEN;
    s->item.buf = s->buf;
    memset(s->buf, 0xA5, sizeof s->buf);
    s->done = 0;
    int rc = s7_client_read_async(o->c, &s->item, 1, slot_done, s);
    if (rc != 0) {
        snprintf(msg, BENCH_MSG, "s7kit: read_async failed: %s", errtext(rc));
        return -1;
    }
    return 0;
}

/* Keep BENCH_DEPTH reads queued for dur seconds (then drain); *n gets the reads completed
 * in that time and *secs the time from the start to the last completion. */
static int pipelined(ours *o, double dur, unsigned long *n, double *secs, char *msg)
{
    slot slots[BENCH_DEPTH];
    *n = 0;
    double start = bench_now(), now = start, last = start, end = start;
    for (size_t i = 0; i < BENCH_DEPTH; i++)
        if (slot_submit(o, &slots[i], msg) != 0)
            return -1;
    int stopping = 0;
    while (s7_client_pending(o->c) > 0) {
        /* s7_multi_poll: submit what is queued, one poll, process; completions call
         * slot_done.  It returns the handles still busy or a negative error. */
        int rc = s7_multi_poll(o->m, 100);
        now = bench_now();
        for (size_t i = 0; i < BENCH_DEPTH; i++) {
            slot *s = &slots[i];
            if (!s->done)
                continue;
            s->done = 0;
            if (s->result != 0) {
                snprintf(msg, BENCH_MSG, "s7kit: async read failed: %s", errtext(s->result));
                return -1;
            }
            if (check(s->buf, 0, BENCH_TAG_LEN, msg) != 0)
                return -1;
            if (!stopping) {
                (*n)++;
                end = now;
                if (slot_submit(o, s, msg) != 0)
                    return -1;
            }
            last = now;
        }
        if (rc < 0) {
            snprintf(msg, BENCH_MSG, "s7kit: multi_poll failed: %s", errtext(rc));
            return -1;
        }
        if (!stopping && now - start >= dur)
            stopping = 1;
        if (now - last > 5.0) {
            snprintf(msg, BENCH_MSG, "s7kit: no async read completed for 5 s");
            return -1;
        }
    }
    *secs = end - start;
    return 0;
}

int ours_measure(ours *o, enum bench_case k, double warm, double run, double *rate,
                 bench_script *script, char *msg)
{
    o->k = k;
    if (k == CASE_C)
        tag_items(o, BENCH_MULTI_N, bench_multi_off);
    else if (k == CASE_E)
        tag_items(o, BENCH_CYCLE_N, bench_cycle_off);
    else
        tag_items(o, 1, NULL);

    /* One operation with the tap on, after one without (the client may learn something
     * about the peer on the first, e.g. its item cap): the frames the floor replays. */
    if (script) {
        if (ours_op(o, msg) != 0)
            return -1;
        o->n_out = o->n_in = 0;
        bench_script_clear(script);
        o->wire = script;
        o->capturing = 1;
        int rc = ours_op(o, msg);
        o->capturing = 0;
        o->wire = NULL;
        if (rc != 0) {
            size_t len = strlen(msg);
            if (o->n_out > 0 && len + 1 < BENCH_MSG)
                snprintf(
                    msg + len, BENCH_MSG - len,
                    " (after %zu request frames, first %u bytes, and %zu replies, first %u bytes)",
                    o->n_out, (unsigned)o->out[0], o->n_in, o->n_in ? (unsigned)o->in[0] : 0u);
            return -1;
        }
        if (o->n_out == o->n_in && o->n_out > 0) {
            for (size_t i = 0; i < o->n_out; i++)
                if (bench_script_add(script, o->out[i], o->in[i]) != 0)
                    return -1;
        }
    }

    if (k != CASE_B)
        return bench_measure(ours_op, o, warm, run, 3, rate, msg);

    unsigned long n;
    double secs;
    if (pipelined(o, warm, &n, &secs, msg) != 0)
        return -1;
    if (pipelined(o, run, &n, &secs, msg) != 0)
        return -1;
    if (n == 0 || secs <= 0) {
        snprintf(msg, BENCH_MSG, "s7kit: no pipelined read completed");
        return -1;
    }
    *rate = (double)n / secs;
    return 0;
}
