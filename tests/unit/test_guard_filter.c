/* The guard's request filter and reply merge (guard/filter.c): a mixed read forwarded
 * without its refused items and the CPU's answer merged back in order with 0x03; a write
 * where only reading is allowed answered by the guard; CPU stop, PI, upload refused with
 * Ack 0xD241; identity SZL allowed, other SZL and clock set refused with the Userdata error
 * 0xD241; continuations; dry run; malformed input closes; DBREAD items (syntax id 0xB0)
 * checked range by range (refused ones 0x03, the allowed forwarded, merged back); cyclic
 * subscriptions allowed when every item is readable, unsubscribes of the client's own jobs
 * only; timer and counter items (transport size TIMER / COUNTER) checked by number against
 * the partner's T and C ranges. */
#include <string.h>

#include "guard/internal.h"
#include "s7/plant_policy.h"
#include "s7/wire.h"
#include "t.h"

static s7_policy *pol;
static int ndec, nrefused;
static char last_op[32], last_result[120], last_rule[96];
static unsigned last_area, last_offset, last_length;

static void on_dec(void *ctx, s7_guard_decision *d)
{
    (void)ctx;
    ndec++;
    if (d->action != S7_GUARD_ALLOW)
        nrefused++;
    snprintf(last_op, sizeof last_op, "%s", d->op);
    snprintf(last_result, sizeof last_result, "%s", d->result);
    snprintf(last_rule, sizeof last_rule, "%s", d->rule ? d->rule : "");
    last_area = d->area;
    last_offset = d->offset;
    last_length = d->length;
}

static void ctx_init(s7__gctx *g, int dry)
{
    memset(g, 0, sizeof *g);
    g->pt = &pol->partners[0];
    g->dry_run = dry;
    g->decide = on_dec;
    ndec = nrefused = 0;
}

static uint8_t out[70000];

static void test_read_mixed(void)
{
    s7__gctx g;
    ctx_init(&g, 0);
    s7_var_spec sp[3] = {{S7_TS_BYTE, 4, 10, S7_AREA_DB, 0},      /* allowed */
                         {S7_TS_BYTE, 2, 11, S7_AREA_DB, 0},      /* DB11: write only */
                         {S7_TS_WORD, 1, 10, S7_AREA_DB, 8 * 8}}; /* allowed */
    uint8_t req[128];
    int n = s7_read_req_encode(req, sizeof req, 0x1234, sp, 3);
    CHECK(n > 0);
    s7__gplan pl;
    CHECK_INT(s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out), 0);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.rewritten, 1);
    CHECK_INT(pl.n, 3);
    CHECK_INT(ndec, 3);
    CHECK_INT(nrefused, 1);
    CHECK_INT(g.items_allowed, 2);
    CHECK_INT(g.items_refused, 1);
    /* the forwarded request holds the two allowed items only */
    s7_pdu p;
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    uint8_t fn;
    s7_var_spec got[4];
    unsigned k = 0;
    CHECK_INT(s7_var_req_decode(&p, &fn, got, 4, &k), 2);
    CHECK_INT(got[0].db, 10);
    CHECK_INT(got[1].addr, 64);
    /* the CPU answers the two; the client gets three in order, the middle one 0x03 */
    uint8_t a[4] = {1, 2, 3, 4}, b[2] = {5, 6};
    s7_data_item it[2];
    memset(it, 0, sizeof it);
    it[0].rc = S7_RC_OK;
    it[0].ts = S7_DTS_BYTE;
    it[0].data = a;
    it[0].nbytes = 4;
    it[1].rc = S7_RC_OK;
    it[1].ts = S7_DTS_BYTE;
    it[1].data = b;
    it[1].nbytes = 2;
    uint8_t rep[128];
    int rn = s7_read_resp_encode(rep, sizeof rep, 0x0007, it, 2);
    s7_pdu rp;
    CHECK(s7_pdu_decode(rep, (size_t)rn, &rp) > 0);
    int m = s7__guard_merge(&pl, &rp, out, sizeof out);
    CHECK(m > 0);
    s7_pdu cp;
    CHECK(s7_pdu_decode(out, (size_t)m, &cp) > 0);
    CHECK_INT(cp.ref, 0x1234);
    s7_data_item ci[3];
    CHECK_INT(s7_read_resp_check(&cp, sp, 3, ci, NULL, 0), 3);
    CHECK_INT(ci[0].rc, S7_RC_OK);
    CHECK_MEM(ci[0].data, a, 4);
    CHECK_INT(ci[1].rc, S7_RC_ACCESS_DENIED);
    CHECK_INT(ci[2].rc, S7_RC_OK);
    CHECK_MEM(ci[2].data, b, 2);
    /* a reply with fewer items than forwarded does not merge */
    rn = s7_read_resp_encode(rep, sizeof rep, 7, it, 1);
    CHECK(s7_pdu_decode(rep, (size_t)rn, &rp) > 0);
    CHECK(s7__guard_merge(&pl, &rp, out, sizeof out) < 0);
    /* a header error passes through with the client's reference */
    rn = s7_ack_error_encode(rep, sizeof rep, 7, 0x81, 0x04);
    CHECK(s7_pdu_decode(rep, (size_t)rn, &rp) > 0);
    m = s7__guard_merge(&pl, &rp, out, sizeof out);
    CHECK_INT(m, 12);
    CHECK(s7_pdu_decode(out, (size_t)m, &cp) > 0);
    CHECK_INT(cp.ref, 0x1234);
    CHECK_INT(cp.err_class, 0x81);
}

static void test_write_refused(void)
{
    s7__gctx g;
    ctx_init(&g, 0);
    s7_var_spec sp[1] = {{S7_TS_BYTE, 2, 10, S7_AREA_DB, 0}}; /* DB10 is GET only */
    uint8_t v[2] = {9, 9};
    s7_data_item d[1];
    memset(d, 0, sizeof d);
    d[0].data = v;
    d[0].nbytes = 2;
    uint8_t req[128];
    int n = s7_write_req_encode(req, sizeof req, 0x0042, sp, d, 1);
    s7__gplan pl;
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL); /* never reaches the CPU */
    s7_pdu p;
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    uint8_t rc = 0;
    CHECK_INT(s7_write_resp_decode(&p, &rc, 1), 1);
    CHECK_INT(rc, S7_RC_ACCESS_DENIED);
    CHECK_INT(p.ref, 0x42);
    CHECK_STR(last_result, "0x03 access denied");
    /* dry run: forwarded as is, logged as would-refuse */
    ctx_init(&g, 1);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.rewritten, 0);
    CHECK_INT(nrefused, 1);
    /* a mixed write: the DB11 item forwarded alone, the answer merged */
    ctx_init(&g, 0);
    s7_var_spec sp2[2] = {{S7_TS_BYTE, 2, 10, S7_AREA_DB, 0}, {S7_TS_BYTE, 1, 11, S7_AREA_DB, 8}};
    s7_data_item d2[2];
    memset(d2, 0, sizeof d2);
    d2[0].data = v;
    d2[0].nbytes = 2;
    d2[1].data = v;
    d2[1].nbytes = 1;
    n = s7_write_req_encode(req, sizeof req, 0x0043, sp2, d2, 2);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.rewritten, 1);
    uint8_t ok = S7_RC_OK, rep[64];
    int rn = s7_write_resp_encode(rep, sizeof rep, 3, &ok, 1);
    s7_pdu rp;
    s7_pdu_decode(rep, (size_t)rn, &rp);
    int m = s7__guard_merge(&pl, &rp, out, sizeof out);
    CHECK(m > 0);
    s7_pdu_decode(out, (size_t)m, &p);
    uint8_t rcs[2];
    CHECK_INT(s7_write_resp_decode(&p, rcs, 2), 2);
    CHECK_INT(rcs[0], S7_RC_ACCESS_DENIED);
    CHECK_INT(rcs[1], S7_RC_OK);
}

/* Timers and counters: the partner reads T0..T15 and reads and writes C0..C7 (ranges by
 * number); an item covers count elements from its number. */
static void test_timer_counter(void)
{
    s7__gctx g;
    ctx_init(&g, 0);
    s7_var_spec sp[6] = {
        {S7_TS_TIMER, 1, 0, S7_AREA_T, 0},   /* T0: allowed */
        {S7_TS_TIMER, 2, 0, S7_AREA_T, 14},  /* T14..T15: allowed */
        {S7_TS_TIMER, 3, 0, S7_AREA_T, 14},  /* T14..T16: T16 is not named */
        {S7_TS_COUNTER, 8, 0, S7_AREA_C, 0}, /* C0..C7: allowed */
        {S7_TS_BYTE, 2, 0, S7_AREA_T, 0},    /* bytes of the timer area: not a timer item */
        {S7_TS_TIMER, 1, 0, S7_AREA_C, 0}};  /* a TIMER item of the counters: refused */
    uint8_t req[256];
    int n = s7_read_req_encode(req, sizeof req, 0x0101, sp, 6);
    CHECK(n > 0);
    s7__gplan pl;
    CHECK_INT(s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out), 0);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.rewritten, 1);
    CHECK_INT(ndec, 6);
    CHECK_INT(nrefused, 3);
    CHECK_INT(g.items_allowed, 3);
    s7_pdu p;
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    uint8_t fn;
    s7_var_spec got[8];
    unsigned k = 0;
    CHECK_INT(s7_var_req_decode(&p, &fn, got, 8, &k), 3);
    CHECK_INT(got[0].area, S7_AREA_T);
    CHECK_INT(got[0].addr, 0);
    CHECK_INT(got[1].addr, 14);
    CHECK_INT(got[1].count, 2);
    CHECK_INT(got[2].area, S7_AREA_C);
    CHECK_INT(got[2].count, 8);
    /* one counter item alone: its decision names the range that allows it */
    ctx_init(&g, 0);
    n = s7_read_req_encode(req, sizeof req, 0x0102, &sp[3], 1);
    CHECK_INT(s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out), 0);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.rewritten, 0);
    CHECK_INT(last_area, S7_AREA_C);
    CHECK_INT(last_offset, 0);
    CHECK_INT(last_length, 8);
    CHECK_STR(last_rule, "rules C0..C7");
    /* T16 alone: answered here with 0x03, naming timer 16 */
    ctx_init(&g, 0);
    s7_var_spec t16 = {S7_TS_TIMER, 1, 0, S7_AREA_T, 16};
    n = s7_read_req_encode(req, sizeof req, 0x0103, &t16, 1);
    CHECK_INT(s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out), 0);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK_INT(last_offset, 16);
    CHECK_STR(last_result, "0x03 access denied");
    /* writes: T0 is readable only, C7 writable */
    uint8_t v[2] = {0x00, 0x42};
    s7_data_item d[1];
    memset(d, 0, sizeof d);
    d[0].data = v;
    d[0].nbytes = 2;
    ctx_init(&g, 0);
    n = s7_write_req_encode(req, sizeof req, 0x0104, &sp[0], d, 1);
    CHECK(n > 0);
    CHECK_INT(s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out), 0);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    uint8_t rc = 0;
    CHECK_INT(s7_write_resp_decode(&p, &rc, 1), 1);
    CHECK_INT(rc, S7_RC_ACCESS_DENIED);
    ctx_init(&g, 0);
    s7_var_spec c7 = {S7_TS_COUNTER, 1, 0, S7_AREA_C, 7};
    n = s7_write_req_encode(req, sizeof req, 0x0105, &c7, d, 1);
    CHECK(n > 0);
    CHECK_INT(s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out), 0);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(nrefused, 0);
}

static void test_services(void)
{
    s7__gctx g;
    ctx_init(&g, 0);
    uint8_t req[128];
    s7__gplan pl;
    int n = s7_plc_stop_req_encode(req, sizeof req, 5);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    s7_pdu p;
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    CHECK_INT(p.rosctr, S7_ACK);
    CHECK_INT(p.err_class, 0xD2);
    CHECK_INT(p.err_code, 0x41);
    CHECK_STR(last_op, "stop");
    n = s7_plc_start_req_encode(req, sizeof req, 6, S7_START_COLD);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK_STR(last_op, "cold-start");
    /* allowed when the partner has control */
    pol->partners[0].services |= S7_POL_CONTROL;
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    pol->partners[0].services &= ~(unsigned)S7_POL_CONTROL;
    /* upload start: 0x1D */
    n = (int)t_hex(
        "32 01 0000 0007 0012 0000 | 1d 00 00 00 00 00 00 00 09 5f 30 41 30 30 30 30 31 50", req,
        sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK_STR(last_op, "upload");
    /* an unknown job function: 0x8104 */
    n = (int)t_hex("32 01 0000 0008 0001 0000 | 77", req, sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    s7_pdu_decode(out, pl.len, &p);
    CHECK_INT(p.err_class, 0x81);
    /* SZL 0x0011 (identity) allowed, 0x00A0 (diagnostic buffer) refused */
    n = s7_szl_req_encode(req, sizeof req, 9, 0x0011, 0);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.is_ud, 1);
    CHECK_INT(g.szl_ok, 1);
    n = s7_szl_next_req_encode(req, sizeof req, 10, 3);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD); /* its continuation */
    n = s7_szl_req_encode(req, sizeof req, 11, 0x00A0, 0);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK_INT(g.szl_ok, 0);
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    s7_ud u;
    CHECK(s7_ud_decode(&p, &u) > 0);
    CHECK_INT(u.err, 0xD241);
    CHECK_INT(u.type, S7_UD_TYPE_RESP);
    CHECK_INT(p.ref, 11);
    n = s7_szl_next_req_encode(req, sizeof req, 12, 4);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL); /* no continuation of a refused read */
    {
        /* dry run: the refused read and its continuation forwarded, both logged as
         * would-refuse (the continuation was logged allowed, with the partner's rule); an
         * identity read's continuation stays allowed */
        s7__gctx d;
        ctx_init(&d, 1);
        n = s7_szl_req_encode(req, sizeof req, 15, 0x00A0, 0);
        s7__guard_filter(&d, req, (size_t)n, &pl, out, sizeof out);
        CHECK_INT(pl.verdict, S7__GV_FORWARD);
        CHECK_INT(nrefused, 1);
        n = s7_szl_next_req_encode(req, sizeof req, 16, 5);
        s7__guard_filter(&d, req, (size_t)n, &pl, out, sizeof out);
        CHECK_INT(pl.verdict, S7__GV_FORWARD);
        CHECK_INT(ndec, 2);
        CHECK_INT(nrefused, 2);
        CHECK(strstr(last_result, "0xD241") != NULL);
        CHECK_STR(last_rule, "");
        n = s7_szl_req_encode(req, sizeof req, 17, 0x0011, 0);
        s7__guard_filter(&d, req, (size_t)n, &pl, out, sizeof out);
        n = s7_szl_next_req_encode(req, sizeof req, 18, 6);
        s7__guard_filter(&d, req, (size_t)n, &pl, out, sizeof out);
        CHECK_INT(pl.verdict, S7__GV_FORWARD);
        CHECK_INT(ndec, 4);
        CHECK_INT(nrefused, 2);
        CHECK_STR(last_result, "ok");
    }
    /* clock read allowed, clock set refused */
    n = s7_clock_read_req_encode(req, sizeof req, 13);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    s7_datetime t = {2026, 1, 2, 3, 4, 5, 6, 0};
    n = s7_clock_set_req_encode(req, sizeof req, 14, &t);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK_STR(last_op, "clock-set");
    /* setup is the engine's */
    s7_setup s = {1, 1, 480};
    n = s7_setup_req_encode(req, sizeof req, 1, &s);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_SETUP);
}

static void test_malformed(void)
{
    s7__gctx g;
    ctx_init(&g, 0);
    uint8_t req[128];
    s7__gplan pl;
    /* an Ack_Data from a client, a bad protocol id, a Userdata that does not decode */
    int n = (int)t_hex("32 03 0000 0001 0002 0000 0000 | 04 01", req, sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_CLOSE);
    n = (int)t_hex("33 01 0000 0001 0002 0000 | 04 00", req, sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_CLOSE);
    n = (int)t_hex("32 07 0000 0001 0002 0000 | 00 01", req, sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_CLOSE);
    /* a Read Var whose item count lies: answered 0x8404, not forwarded */
    n = (int)t_hex("32 01 0000 0001 000e 0000 | 04 02 12 0a 10 02 00 01 00 01 84 00 00 00", req,
                   sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    s7_pdu p;
    s7_pdu_decode(out, pl.len, &p);
    CHECK_INT(p.err_class, 0x84);
    /* every truncated prefix of a valid request: never forwarded as is when it does not
     * decode, never a crash */
    s7_var_spec sp[2] = {{S7_TS_BYTE, 4, 10, S7_AREA_DB, 0}, {S7_TS_BYTE, 2, 11, S7_AREA_DB, 0}};
    n = s7_read_req_encode(req, sizeof req, 1, sp, 2);
    for (int k = 0; k < n; k++) {
        s7__guard_filter(&g, req, (size_t)k, &pl, out, sizeof out);
        CHECK(pl.verdict != S7__GV_FORWARD);
    }
}

/* DBREAD: one item of two ranges, and mixed with S7ANY items */
static void test_dbread(void)
{
    s7__gctx g;
    ctx_init(&g, 0);
    uint8_t req[256];
    s7__gplan pl;
    s7_pdu p;
    /* both ranges inside DB10 0..64: forwarded as is */
    s7_dbread_range ok[2] = {{4, 10, 0}, {8, 10, 56}};
    int n = s7_dbread_req_encode(req, sizeof req, 0x21, ok, 2);
    CHECK(n > 0);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.rewritten, 0);
    CHECK_INT(ndec, 2);
    CHECK_INT(nrefused, 0);
    CHECK_INT(g.items_allowed, 1);
    /* one range past DB10's 64 bytes: the item refused, answered by the guard with 0x03 */
    ctx_init(&g, 0);
    s7_dbread_range bad[2] = {{4, 10, 0}, {8, 10, 60}};
    n = s7_dbread_req_encode(req, sizeof req, 0x22, bad, 2);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK_INT(nrefused, 1);
    CHECK_INT(g.items_refused, 1);
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    CHECK_INT(p.ref, 0x22);
    s7_data_item it[2];
    CHECK_INT(s7_read_resp_decode(&p, it, 1), 1);
    CHECK_INT(it[0].rc, S7_RC_ACCESS_DENIED);
    /* dry run: forwarded, logged as would-refuse */
    ctx_init(&g, 1);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(nrefused, 1);
    /* S7ANY DB11 (write only: refused) then a DBREAD of DB10 (allowed): the DBREAD item
     * forwarded alone, byte for byte, the answer merged back */
    ctx_init(&g, 0);
    n = (int)t_hex("32 01 0000 0023 001c 0000 | 04 02 12 0a 10 02 00 02 00 0b 84 00 00 00"
                   " 12 0c b0 02 02 00 0a 00 00 01 00 0a 00 3f",
                   req, sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.rewritten, 1);
    CHECK_INT(pl.n, 2);
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    CHECK_INT(p.ref, 0x23);
    CHECK_INT(p.param_len, 16);
    CHECK_INT(p.param[1], 1);
    CHECK_MEM(p.param + 2, req + 10 + 14, 14);
    uint8_t rep[64];
    /* one data item (transport size 0x09): FF 11 22 (range 1), FF 33 (range 2) */
    int rn = (int)t_hex("32 03 0000 0007 0002 0009 0000 | 04 01 | ff 09 0005 ff 11 22 ff 33", rep,
                        sizeof rep);
    s7_pdu rp;
    CHECK(s7_pdu_decode(rep, (size_t)rn, &rp) > 0);
    int m = s7__guard_merge(&pl, &rp, out, sizeof out);
    CHECK(m > 0);
    CHECK(s7_pdu_decode(out, (size_t)m, &p) > 0);
    CHECK_INT(p.ref, 0x23);
    CHECK_INT(s7_read_resp_decode(&p, it, 2), 2);
    CHECK_INT(it[0].rc, S7_RC_ACCESS_DENIED);
    CHECK_INT(it[1].rc, S7_RC_OK);
    CHECK_INT(it[1].ts, S7_DTS_OCTET);
    CHECK_INT(it[1].nbytes, 5);
    CHECK_MEM(it[1].data, "\xff\x11\x22\xff\x33", 5);
    /* a DBREAD block whose length disagrees with its range count: 0x8404 */
    n = (int)t_hex("32 01 0000 0024 0009 0000 | 04 01 12 05 b0 02 02 00 0a", req, sizeof req);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    s7_pdu_decode(out, pl.len, &p);
    CHECK_INT(p.err_class, 0x84);
}

static int owned;
static int owns(void *ctx, uint8_t job)
{
    (void)ctx;
    return job == owned;
}

/* cyclic data: subscriptions by their items, unsubscribes by their owner */
static void test_cyclic(void)
{
    s7__gctx g;
    ctx_init(&g, 0);
    g.owns_job = owns;
    owned = 3;
    uint8_t req[256];
    s7__gplan pl;
    s7_pdu p;
    s7_ud u;
    s7_var_spec sp[2] = {{S7_TS_BYTE, 4, 10, S7_AREA_DB, 0},
                         {S7_TS_WORD, 1, 10, S7_AREA_DB, 62 * 8}};
    int n = s7_cyclic_req_encode(req, sizeof req, 0x31, S7_CYC_CHANGE, 0, 500, sp, 2);
    CHECK(n > 0);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.is_ud, 1);
    CHECK_INT(pl.cyc, 1);
    CHECK_INT(pl.cyc_subfn, S7_CYC_CHANGE);
    CHECK_INT(nrefused, 0);
    CHECK_INT(g.items_allowed, 2);
    /* DB11 is not readable: the whole subscription refused with the Userdata error */
    ctx_init(&g, 0);
    g.owns_job = owns;
    sp[1].db = 11;
    sp[1].addr = 0;
    n = s7_cyclic_req_encode(req, sizeof req, 0x32, S7_CYC_TRANSFER, 0, 500, sp, 2);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    CHECK_INT(pl.cyc, 0);
    CHECK(s7_pdu_decode(out, pl.len, &p) > 0);
    CHECK(s7_ud_decode(&p, &u) > 0);
    CHECK_INT(u.err, 0xD241);
    CHECK_INT(u.group, S7_UD_GRP_CYCLIC);
    CHECK_INT(p.ref, 0x32);
    CHECK_STR(last_op, "cyclic");
    /* the cyclic service of the policy does not lift the item check */
    pol->partners[0].services |= S7_POL_CYCLIC;
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    pol->partners[0].services &= ~(unsigned)S7_POL_CYCLIC;
    /* unsubscribe: the client's own job only */
    n = s7_cyclic_unsub_encode(req, sizeof req, 0x33, S7_CYC_CHANGE, 4);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
    n = s7_cyclic_unsub_encode(req, sizeof req, 0x34, S7_CYC_CHANGE, 3);
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_FORWARD);
    CHECK_INT(pl.cyc, 2);
    CHECK_INT(pl.cyc_job, 3);
    /* a subscription whose item count disagrees with its length: refused */
    n = s7_cyclic_req_encode(req, sizeof req, 0x35, S7_CYC_CHANGE, 0, 500, sp, 1);
    CHECK(n > 0);
    s7_pdu_decode(req, (size_t)n, &p);
    req[n - 12 - 4 + 1] = 2; /* the count byte of 00 NN base factor */
    s7__guard_filter(&g, req, (size_t)n, &pl, out, sizeof out);
    CHECK_INT(pl.verdict, S7__GV_LOCAL);
}

int main(void)
{
    pol = s7_policy_new();
    s7_policy_partner *pt = s7_policy_add_partner(pol, "scada");
    s7_policy_add_range(pt, S7_AREA_DB, 10, 0, 64, S7_POL_READ);
    s7_policy_add_range(pt, S7_AREA_DB, 11, 0, 16, S7_POL_WRITE);
    s7_policy_range *r = s7_policy_add_range(pt, S7_AREA_T, 0, 0, 16, S7_POL_READ);
    if (r)
        snprintf(r->rule, sizeof r->rule, "rules T0..T15");
    r = s7_policy_add_range(pt, S7_AREA_C, 0, 0, 8, S7_POL_READ | S7_POL_WRITE);
    if (r)
        snprintf(r->rule, sizeof r->rule, "rules C0..C7");
    test_read_mixed();
    test_write_refused();
    test_timer_counter();
    test_services();
    test_malformed();
    test_dbread();
    test_cyclic();
    s7_policy_free(pol);
    return t_done();
}
