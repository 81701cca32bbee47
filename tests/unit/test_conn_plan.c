/* conn, the planner (conn/plan.c): nearby reads merged into one range, a gap beyond
 * merge_gap kept apart, writes never merged, an item larger than a PDU split into chunks
 * that each fit, the max_items cap, invalid items marked and left out, every request
 * encoded as a Read Var the server-role decoder accepts, and replies applied back into the
 * items (data copied, a failed chunk, a short answer, a reply that does not conform: every
 * item failed, nothing copied, s7_plan_reply_why names the item). */
#include <stdlib.h>
#include <string.h>

#include "s7/conn.h"
#include "t.h"

static void item(s7_item *it, uint8_t area, uint16_t db, uint32_t start, uint32_t count, void *buf)
{
    memset(it, 0, sizeof *it);
    it->area = area;
    it->db = db;
    it->ts = S7_TS_BYTE;
    it->start = start;
    it->count = count;
    it->buf = buf;
}

/* Every request of p encodes and decodes back within pdu; returns the items in all. */
static unsigned check_requests(const s7_plan *p, const s7_item *items, uint16_t pdu, int write)
{
    unsigned total = 0;
    for (uint32_t r = 0; r < p->nreqs; r++) {
        uint8_t buf[2048];
        int n = s7_plan_encode(p, items, r, write, buf, sizeof buf);
        CHECK(n > 0 && n <= pdu);
        CHECK(p->reqs[r].req_bytes <= pdu && p->reqs[r].resp_bytes <= pdu);
        s7_pdu d;
        s7_var_spec specs[64];
        uint8_t fn;
        unsigned k = 0;
        CHECK(s7_pdu_decode(buf, (size_t)n, &d) >= 0);
        CHECK(s7_var_req_decode(&d, &fn, specs, 64, &k) >= 0);
        CHECK_INT(fn, write ? S7_FN_WRITE : S7_FN_READ);
        total += k;
    }
    return total;
}

static void test_merge(void)
{
    uint8_t a[4], b[2], c[2], d[1];
    s7_item it[4];
    item(&it[0], S7_AREA_DB, 1, 0, 4, a);
    item(&it[1], S7_AREA_DB, 1, 10, 2, b);  /* gap 6 <= 16: merged with it[0] */
    item(&it[2], S7_AREA_DB, 1, 100, 2, c); /* gap 88: apart */
    item(&it[3], S7_AREA_M, 0, 0, 1, d);    /* another area */
    s7_plan p;
    CHECK_INT(s7_plan_make(&p, it, 4, 240, 0, 16, 0), 1);
    CHECK_INT(p.nranges, 3);
    CHECK_INT(p.ranges[0].nbytes + p.ranges[1].nbytes + p.ranges[2].nbytes, 12 + 2 + 1);
    CHECK_INT(check_requests(&p, it, 240, 0), 3);
    for (int i = 0; i < 4; i++)
        CHECK_INT(it[i].status, 0);
    s7_plan_free(&p);
    /* merge_gap < 0: never merge */
    CHECK_INT(s7_plan_make(&p, it, 4, 240, 0, -1, 0), 1);
    CHECK_INT(p.nranges, 4);
    s7_plan_free(&p);
    /* writes are never merged */
    CHECK_INT(s7_plan_make(&p, it, 2, 240, 1, 16, 0), 1);
    CHECK_INT(p.nranges, 2);
    CHECK_INT(check_requests(&p, it, 240, 1), 2);
    s7_plan_free(&p);
}

static void test_split_and_cap(void)
{
    uint8_t *big = calloc(1, 1000);
    s7_item it;
    item(&it, S7_AREA_DB, 5, 0, 1000, big);
    s7_plan p;
    int n = s7_plan_make(&p, &it, 1, 240, 0, 16, 0);
    /* 240-byte PDU: 240 - 14 - 4 = 222 data bytes per reply at most */
    CHECK(n >= 5);
    CHECK(p.nchunks >= 5);
    uint32_t sum = 0;
    for (uint32_t i = 0; i < p.nchunks; i++) {
        CHECK(p.chunks[i].nbytes <= 222);
        sum += p.chunks[i].nbytes;
    }
    CHECK_INT(sum, 1000);
    check_requests(&p, &it, 240, 0);
    s7_plan_free(&p);

    /* max_items 2: ten items far apart need five requests */
    uint8_t bufs[10][2];
    s7_item many[10];
    for (int i = 0; i < 10; i++)
        item(&many[i], S7_AREA_DB, 1, (uint32_t)i * 100, 2, bufs[i]);
    CHECK_INT(s7_plan_make(&p, many, 10, 960, 0, 16, 2), 5);
    CHECK_INT(check_requests(&p, many, 960, 0), 10);
    s7_plan_free(&p);
    CHECK_INT(s7_plan_make(&p, many, 10, 960, 0, 16, 0), 1);
    s7_plan_free(&p);
    /* a PDU too small for anything */
    CHECK_INT(s7_plan_make(&p, many, 1, 16, 0, 16, 0), S7_ERR_TOOBIG);
    s7_plan_free(&p);
    free(big);
}

static void test_invalid(void)
{
    uint8_t b[4];
    s7_item it[3];
    item(&it[0], 0x77, 0, 0, 1, b); /* no such area */
    item(&it[1], S7_AREA_M, 0, 0, 2, b);
    it[1].ts = S7_TS_BIT; /* a bit item of two bits */
    item(&it[2], S7_AREA_M, 0, 0, 1, b);
    s7_plan p;
    CHECK_INT(s7_plan_make(&p, it, 3, 240, 0, 16, 0), 1);
    CHECK_INT(it[0].status, S7_ERR_INVAL);
    CHECK_INT(it[1].status, S7_ERR_INVAL);
    CHECK_INT(it[2].status, 0);
    CHECK_INT(check_requests(&p, it, 240, 0), 1);
    s7_plan_free(&p);
    s7_plan_free(NULL);

    /* an item whose end lies past the 64 KB an area has (128 KB of timers or counters) only
     * by wrapping past 2^32 is invalid like any other past the end: these were planned
     * (status 0) as T0-ish, a DB range at start*8 cut to 32 bits, and 4 bytes of a 2^31-word
     * item */
    uint8_t w[64];
    s7_item ov[5];
    memset(ov, 0, sizeof ov);
    ov[0] = (s7_item){.area = S7_AREA_T, .start = 0x80000000u, .count = 1, .buf = w};
    ov[1] = (s7_item){.area = S7_AREA_DB, .db = 1, .start = 0xFFFFFFF0u, .count = 0x20, .buf = w};
    ov[2] =
        (s7_item){.area = S7_AREA_DB, .db = 1, .ts = S7_TS_WORD, .count = 0x80000002u, .buf = w};
    ov[3] = (s7_item){.area = S7_AREA_C, .start = 0, .count = 0x80000001u, .buf = w};
    ov[4] = (s7_item){.area = S7_AREA_DB, .db = 1, .start = 65532, .count = 4, .buf = w}; /* fits */
    CHECK_INT(s7_plan_make(&p, ov, 5, 240, 0, 16, 0), 1);
    for (int i = 0; i < 4; i++)
        CHECK_INT(ov[i].status, S7_ERR_INVAL);
    CHECK_INT(ov[4].status, 0);
    CHECK_INT(p.nchunks, 1);
    s7_plan_free(&p);
}

static void test_apply(void)
{
    uint8_t a[2], b[2], c[2];
    s7_item it[3];
    item(&it[0], S7_AREA_DB, 1, 0, 2, a);
    item(&it[1], S7_AREA_DB, 1, 100, 2, b);
    item(&it[2], S7_AREA_DB, 2, 0, 2, c);
    s7_plan p;
    CHECK_INT(s7_plan_make(&p, it, 3, 240, 0, 16, 0), 1);
    /* the reply in the order the request asked (chunks in request order) */
    uint8_t req[256];
    int n = s7_plan_encode(&p, it, 0, 0, req, sizeof req);
    s7_pdu d;
    s7_var_spec specs[8];
    uint8_t fn;
    unsigned k = 0;
    CHECK(s7_pdu_decode(req, (size_t)n, &d) >= 0 && s7_var_req_decode(&d, &fn, specs, 8, &k) == 3);
    s7_data_item di[3];
    uint8_t payload[3][2];
    for (unsigned i = 0; i < k; i++) {
        payload[i][0] = (uint8_t)specs[i].db;
        payload[i][1] = (uint8_t)(specs[i].addr >> 3);
        di[i] = (s7_data_item){S7_RC_OK, 0, 0, payload[i], 2};
    }
    uint8_t rep[256];
    int rl = s7_read_resp_encode(rep, sizeof rep, 0, di, k);
    s7_pdu r;
    CHECK(s7_pdu_decode(rep, (size_t)rl, &r) >= 0);
    CHECK_INT(s7_plan_apply(&p, it, 0, 0, &r), 0);
    CHECK(a[0] == 1 && a[1] == 0);
    CHECK(b[0] == 1 && b[1] == 100);
    CHECK(c[0] == 2 && c[1] == 0);
    /* one chunk refused by the PLC (0x0A: object does not exist) */
    di[1] = (s7_data_item){0x0A, 0, 0, NULL, 0};
    rl = s7_read_resp_encode(rep, sizeof rep, 0, di, k);
    CHECK(s7_pdu_decode(rep, (size_t)rl, &r) >= 0);
    CHECK_INT(s7_plan_apply(&p, it, 0, 0, &r), S7_ERR_ITEM);
    int failed = 0;
    for (int i = 0; i < 3; i++)
        failed += it[i].status == S7_ERR_ITEM && it[i].rc == 0x0A;
    CHECK_INT(failed, 1);
    /* a short answer (the Snap7 server answers at most 20 items): the rest is AGAIN */
    rl = s7_read_resp_encode(rep, sizeof rep, 0, di, 1);
    CHECK(s7_pdu_decode(rep, (size_t)rl, &r) >= 0);
    CHECK_INT(s7_plan_apply(&p, it, 0, 0, &r), S7_ERR_AGAIN);
    char why[400];
    CHECK_INT(s7_plan_reply_why(&p, 0, 0, &r, why, sizeof why), 0); /* fewer items: no fault */
    CHECK_STR(why, "");

    /* a reply that does not conform (one item 2 bytes longer than asked, coded consistently):
     * every item of the request fails with S7_ERR_PARAM, none is judged from it */
    for (int i = 0; i < 3; i++)
        it[i].status = 0, it[i].rc = 0;
    a[0] = b[0] = c[0] = 0x55;
    uint8_t longer[4] = {9, 9, 9, 9};
    di[1] = (s7_data_item){S7_RC_OK, S7_DTS_BYTE, 32, longer, 4};
    rl = s7_read_resp_encode(rep, sizeof rep, 0, di, k);
    CHECK(s7_pdu_decode(rep, (size_t)rl, &r) >= 0);
    CHECK_INT(s7_plan_apply(&p, it, 0, 0, &r), S7_ERR_PARAM);
    int param = 0;
    for (int i = 0; i < 3; i++)
        param += it[i].status == S7_ERR_PARAM && it[i].rc == 0;
    CHECK_INT(param, 3);
    CHECK(a[0] == 0x55 && b[0] == 0x55 && c[0] == 0x55); /* nothing copied */
    CHECK_INT(s7_plan_reply_why(&p, 0, 0, &r, why, sizeof why), S7_ERR_PARAM);
    CHECK(strstr(why, "item 2 of 3") != NULL);
    CHECK(strstr(why, "4 bytes for a 2-byte item") != NULL);
    CHECK_INT(s7_plan_reply_why(&p, 5, 0, &r, why, sizeof why), S7_ERR_INVAL);
    s7_plan_free(&p);
}

int main(void)
{
    test_merge();
    test_split_and_cap();
    test_invalid();
    test_apply();
    return t_done();
}
