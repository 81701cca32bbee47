/* Client jobs: item reads and writes through the planner (with a second pass that reads
 * alone the items of merged ranges that failed), and the blocking calls over them. */
#include <stdlib.h>
#include <string.h>

#include "client/internal.h"
#include "conn/plan_int.h"
#include "util/hot.h"
#include "util/hotmem.h"

#define S7__MAX_PASSES 64

static s7_item *job_items(s7__job *j) { return j->pass > 1 ? j->retry_items : j->items; }
static size_t job_count(const s7__job *j) { return j->pass > 1 ? j->nretry : j->n; }

S7_HOT int s7__job_encode(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    if (j->kind == S7__JOB_RAW)
        return j->enc(c, j, sub, buf, cap);
    if (j->pass == 1)
        return s7__plan_encode(j, sub, buf, cap);
    return s7_plan_encode(&j->plan, job_items(j), sub, j->kind == S7__JOB_WRITE, buf, cap);
}

S7_HOT int s7__job_reply(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    if (j->kind == S7__JOB_RAW)
        return j->rep(c, j, sub, pdu);
    const s7_plan *plan = s7__job_plan(j);
    int rc = j->pass == 1 ? s7__plan_apply(j, sub, pdu)
                          : s7_plan_apply(plan, job_items(j), sub, j->kind == S7__JOB_WRITE, pdu);
    if (rc)
        j->trouble = 1;
    if (rc == S7_ERR_PLC) {
        s7__set_error(c, S7_EX_HEADER, (uint16_t)(pdu->err_class << 8 | pdu->err_code));
        return rc;
    }
    if (rc == S7_ERR_AGAIN && c->whole) {
        s7__set_problem(c,
                        "the reply answers %u of the request's %u items (the request is one "
                        "job's areas, taken whole or not at all)",
                        (unsigned)pdu->param[1], (unsigned)plan->reqs[sub].n);
        return S7_ERR_PARAM;
    }
    if (rc == S7_ERR_AGAIN) {
        unsigned answered = pdu->param[1];
        if (!c->item_cap || answered < c->item_cap) {
            c->item_cap = answered;
            s7__log(c, S7_LOG_INFO,
                    "the peer answered %u of %u items: at most %u items per PDU from now on",
                    answered, (unsigned)plan->reqs[sub].n, answered);
        }
        return 0;
    }
    if (rc == S7_ERR_PARAM) {
        char why[sizeof c->problem];
        s7_plan_reply_why(plan, sub, j->kind == S7__JOB_WRITE, pdu, why, sizeof why);
        s7__set_problem(c, "%s", why[0] ? why : "the reply does not fit its request");
    }
    return rc == S7_ERR_ITEM ? 0 : rc; /* item failures are judged at the end */
}

/* Is item k of the current pass in a range that holds other items too? */
static int item_was_merged(const s7__job *j, size_t k)
{
    const s7_plan *p = s7__job_plan(j);
    for (uint32_t r = 0; r < p->nranges; r++) {
        const s7_plan_range *rg = &p->ranges[r];
        for (uint32_t m = 0; m < rg->nmembers; m++)
            if (p->members[rg->first + m] == k)
                return rg->nmembers > 1;
    }
    return 0;
}

/* Set the job's result from its items and remember the first failing item's code. */
static void finalize(s7_client *c, s7__job *j)
{
    if (j->result == S7_ERR_PLC || (j->result < 0 && j->result != S7_ERR_ITEM)) {
        /* the call failed: an item a reply left unanswered is not done either */
        for (size_t i = 0; i < j->n; i++)
            if (j->items[i].status == S7_ERR_AGAIN)
                j->items[i].status = j->result;
        return;
    }
    j->result = 0;
    for (size_t i = 0; i < j->n; i++) {
        if (j->items[i].status == 0)
            continue;
        if (j->items[i].status == S7_ERR_AGAIN)
            j->items[i].status = S7_ERR_PROTO; /* never answered, even alone */
        if (j->result == 0 && j->items[i].status == S7_ERR_ITEM) {
            s7__set_error(c, S7_EX_ITEM, j->items[i].rc);
            c->last_error.area = j->items[i].area;
            c->last_error.db = j->items[i].db;
            c->last_error.start = j->items[i].start;
        }
        j->result = S7_ERR_ITEM;
    }
}

S7_HOT int s7__job_next_pass(s7_client *c, s7__job *j)
{
    if (j->kind == S7__JOB_RAW)
        return 0;
    if (j->pass == 1 && j->pe && !j->trouble && j->result == 0) {
        /* every reply answered every item: a cached plan holds only valid items, so all
         * are done (what the checks below would find, item by item) */
        s7__plan_clean(j);
        s7__plan_release(j);
        return 0;
    }
    s7_item *cur = job_items(j);
    size_t ncur = job_count(j);
    int fatal = j->result == S7_ERR_PLC || (j->result < 0 && j->result != S7_ERR_ITEM);
    /* which items of this pass go again: unanswered ones, and failed members of merged
     * reads (a neighbour past the end of a DB must not fail an item that is fine alone) */
    size_t again = 0;
    for (size_t k = 0; k < ncur && !fatal; k++) {
        int redo =
            cur[k].status == S7_ERR_AGAIN ||
            (j->kind == S7__JOB_READ && cur[k].status == S7_ERR_ITEM && item_was_merged(j, k));
        if (redo)
            again++;
        cur[k].rc = redo ? 0 : cur[k].rc;
        if (redo)
            cur[k].status = S7_ERR_AGAIN; /* marker for the copy below */
    }
    uint32_t *map = NULL;
    s7_item *next = NULL;
    if (again && j->pass < S7__MAX_PASSES) {
        map = malloc(again * sizeof *map);
        next = malloc(again * sizeof *next);
    }
    size_t m = 0;
    for (size_t k = 0; k < ncur; k++) {
        size_t orig = j->pass > 1 ? j->retry_map[k] : k;
        if (j->pass > 1) {
            j->items[orig].status = cur[k].status;
            j->items[orig].rc = cur[k].rc;
        }
        if (map && cur[k].status == S7_ERR_AGAIN) {
            next[m] = j->items[orig];
            map[m++] = (uint32_t)orig;
        }
    }
    free(j->retry_items);
    free(j->retry_map);
    j->retry_items = NULL;
    j->retry_map = NULL;
    s7__plan_release(j);
    if (!map || !next) {
        free(map);
        free(next);
        finalize(c, j);
        return 0;
    }
    j->retry_items = next;
    j->retry_map = map;
    j->nretry = m;
    int nreq = s7_plan_make(&j->plan, next, m, s7_conn_pdu(c->conn), j->kind == S7__JOB_WRITE, -1,
                            c->item_cap);
    if (nreq <= 0) {
        j->pass++;
        return s7__job_next_pass(c, j); /* copies the planner's verdicts back */
    }
    j->pass++;
    j->result = 0;
    j->trouble = 0;
    j->next_sub = 0;
    j->nsubs = (uint32_t)nreq;
    return 1;
}

void s7__job_abort(s7__job *j, int err, uint32_t first_unsent, const uint32_t *inflight,
                   size_t ninflight)
{
    if (j->kind != S7__JOB_READ && j->kind != S7__JOB_WRITE)
        return;
    const s7_plan *p = s7__job_plan(j);
    s7_item *cur = job_items(j);
    size_t ncur = job_count(j);
    for (uint32_t r = first_unsent; r < j->nsubs; r++)
        s7__plan_fail_req(p, cur, r, err);
    for (size_t k = 0; k < ninflight; k++)
        s7__plan_fail_req(p, cur, inflight[k], err);
    for (size_t k = 0; k < ncur; k++) {
        if (cur[k].status == S7_ERR_AGAIN) { /* left out of an answer, not asked again */
            cur[k].status = err;
            cur[k].rc = 0;
        }
        if (j->pass > 1) {
            j->items[j->retry_map[k]].status = cur[k].status;
            j->items[j->retry_map[k]].rc = cur[k].rc;
        }
    }
    for (size_t i = 0; i < j->n; i++)
        if (j->items[i].status == S7_ERR_AGAIN)
            j->items[i].status = err;
}

/* Plan and queue a READ / WRITE job. */
S7_HOT static int var_start(s7_client *c, s7__job *j, int kind, s7_item *items, size_t n,
                            int no_merge, s7_done_fn cb, void *ud)
{
    memset(j, 0, sizeof *j);
    j->kind = kind;
    j->no_merge = no_merge;
    j->items = items;
    j->n = n;
    j->pass = 1;
    j->cb = cb;
    j->ud = ud;
    if (c->state != S7__READY) {
        for (size_t i = 0; i < n; i++)
            items[i].status = S7_ERR_NOTCONN;
        s7__plan_dirty(c, items); /* a cached plan of them is no longer what they hold */
        return S7_ERR_NOTCONN;
    }
    int merge = j->no_merge || kind == S7__JOB_WRITE ? -1 : (int)c->o.merge_gap;
    int nreq = s7__plan_get(c, j, merge);
    if (nreq < 0) {
        /* nothing was sent: no item may look done */
        for (size_t i = 0; i < n; i++)
            if (items[i].status == 0)
                items[i].status = nreq;
        s7__plan_dirty(c, items);
        return nreq;
    }
    j->nsubs = (uint32_t)nreq;
    if (nreq == 0) {
        /* nothing valid to send: finish at once */
        s7__plan_release(j);
        finalize(c, j);
        j->done = 1;
        if (cb)
            cb(c, j->result, ud);
        return 0;
    }
    return s7__job_queue(c, j);
}

/* A job for an async call: the client's spare one, else a new one. */
static s7__job *job_alloc(s7_client *c)
{
    s7__job *j = c->spare;
    if (j) {
        c->spare = NULL;
        return j;
    }
    return s7__hot_zalloc(sizeof *j);
}

S7_HOT int s7_client_read_async(s7_client *c, s7_item *items, size_t n, s7_done_fn cb, void *ud)
{
    s7__job *j = job_alloc(c);
    if (!j)
        return S7_ERR_NOMEM;
    int rc = var_start(c, j, S7__JOB_READ, items, n, 0, cb, ud);
    if (rc < 0 || j->done) {
        s7__hot_free(j, sizeof *j);
        return rc;
    }
    j->owned = 1;
    return 0;
}

S7_HOT int s7_client_write_async(s7_client *c, s7_item *items, size_t n, s7_done_fn cb, void *ud)
{
    s7__job *j = job_alloc(c);
    if (!j)
        return S7_ERR_NOMEM;
    int rc = var_start(c, j, S7__JOB_WRITE, items, n, 0, cb, ud);
    if (rc < 0 || j->done) {
        s7__hot_free(j, sizeof *j);
        return rc;
    }
    j->owned = 1;
    return 0;
}

static int var_run(s7_client *c, int kind, s7_item *items, size_t n, int no_merge)
{
    s7__job j;
    if (n == 0)
        return 0;
    int rc = var_start(c, &j, kind, items, n, no_merge, NULL, NULL);
    if (rc < 0)
        return rc;
    if (j.done)
        return j.result;
    return s7__run(c, &j);
}

int s7_client_read(s7_client *c, s7_item *items, size_t n)
{
    return var_run(c, S7__JOB_READ, items, n, 0);
}

int s7_client_write(s7_client *c, s7_item *items, size_t n)
{
    return var_run(c, S7__JOB_WRITE, items, n, 0);
}

/* One item over a whole range; the planner splits it. */
static int area_io(s7_client *c, int kind, uint8_t area, uint16_t db, uint32_t start, void *buf,
                   uint32_t len)
{
    s7_item it;
    memset(&it, 0, sizeof it);
    it.area = area;
    it.db = db;
    it.ts = S7_TS_BYTE;
    it.start = start;
    it.count = len;
    it.buf = buf;
    if (area == S7_AREA_T || area == S7_AREA_C) {
        if (len % 2)
            return S7_ERR_INVAL;
        it.ts = area == S7_AREA_T ? S7_TS_TIMER : S7_TS_COUNTER;
        it.count = len / 2;
    }
    int rc = var_run(c, kind, &it, 1, 0);
    if (rc == S7_ERR_ITEM && it.status != S7_ERR_ITEM)
        return it.status;
    return rc;
}

int s7_client_read_area(s7_client *c, uint8_t area, uint16_t db, uint32_t start, void *buf,
                        uint32_t len)
{
    return area_io(c, S7__JOB_READ, area, db, start, buf, len);
}

int s7_client_write_area(s7_client *c, uint8_t area, uint16_t db, uint32_t start, const void *buf,
                         uint32_t len)
{
    return area_io(c, S7__JOB_WRITE, area, db, start, (void *)buf, len);
}

int s7_client_db_read(s7_client *c, uint16_t db, uint32_t start, void *buf, uint32_t len)
{
    return s7_client_read_area(c, S7_AREA_DB, db, start, buf, len);
}

int s7_client_db_write(s7_client *c, uint16_t db, uint32_t start, const void *buf, uint32_t len)
{
    return s7_client_write_area(c, S7_AREA_DB, db, start, buf, len);
}

#define DB_PROBES 32u

/* The binary search of s7_client_db_length; with denied_ends, an item refused with 0x03
 * (access denied) ends the readable part as 0x05 does. */
static int db_probe(s7_client *c, uint16_t db, uint32_t *len, int denied_ends)
{
    uint8_t b[DB_PROBES];
    s7_item it[DB_PROBES];
    *len = 0;
    /* offset 0 tells missing (0x0A) from optimized or empty (0x05) */
    memset(it, 0, sizeof it[0]);
    it[0].area = S7_AREA_DB;
    it[0].db = db;
    it[0].ts = S7_TS_BYTE;
    it[0].count = 1;
    it[0].buf = b;
    int rc = var_run(c, S7__JOB_READ, it, 1, 1);
    if (rc < 0)
        return rc;
    /* invariant: byte lo-1 is readable; byte hi-1 is not (hi = 65537: unknown) */
    uint32_t lo = 1, hi = 65537;
    while (hi - lo > 1) {
        uint32_t span = hi - lo, k = span - 1 < DB_PROBES ? span - 1 : DB_PROBES;
        for (uint32_t i = 0; i < k; i++) {
            uint32_t p = lo + (uint32_t)((uint64_t)(i + 1) * span / (k + 1));
            memset(&it[i], 0, sizeof it[i]);
            it[i].area = S7_AREA_DB;
            it[i].db = db;
            it[i].ts = S7_TS_BYTE;
            it[i].start = p - 1;
            it[i].count = 1;
            it[i].buf = &b[i];
        }
        rc = var_run(c, S7__JOB_READ, it, k, 1);
        if (rc < 0 && rc != S7_ERR_ITEM)
            return rc;
        uint32_t new_lo = lo, new_hi = hi;
        for (uint32_t i = 0; i < k; i++) {
            uint32_t p = it[i].start + 1;
            if (it[i].status == 0) {
                if (p > new_lo)
                    new_lo = p;
            } else if (it[i].status == S7_ERR_ITEM &&
                       (it[i].rc == S7_RC_ADDR_OUT_OF_RANGE ||
                        (denied_ends && it[i].rc == S7_RC_ACCESS_DENIED))) {
                if (p < new_hi)
                    new_hi = p;
            } else {
                return it[i].status == S7_ERR_ITEM ? S7_ERR_ITEM : it[i].status;
            }
        }
        if (new_hi <= new_lo)
            return S7_ERR_PROTO; /* readable past an unreadable byte: not a plain DB */
        lo = new_lo;
        hi = new_hi;
    }
    memset(&c->last_error, 0, sizeof c->last_error);
    *len = lo;
    return 0;
}

int s7_client_db_length(s7_client *c, uint16_t db, uint32_t *len)
{
    return db_probe(c, db, len, 0);
}

int s7_client_db_readable(s7_client *c, uint16_t db, uint32_t *len)
{
    return db_probe(c, db, len, 1);
}
