/* conn, client role (conn/conn.c): the CR it sends, the CC and Setup Communication
 * exchange, a read answered, fed as whole streams, one byte at a time and split at every
 * point in two; a reply in two DT fragments; the fatal cases (a DR for the CR, a reply
 * that matches no job, a malformed TPKT), each of which also shows the checks can fail; a
 * cyclic-data push carrying the reference of a job in flight goes to on_push, not to it;
 * a Job of the CPU handed to on_job and answered through s7_conn_answer; a lent send
 * buffer (s7_conn_tx_lend / _unlend); a setup held after the CC (s7_conn_hold_setup) until
 * s7_conn_send_setup names the PDU and AmQ to ask. */
#include <stdlib.h>
#include <string.h>

#include "s7/conn.h"
#include "t.h"

typedef struct result {
    int replies;
    uint16_t ref;
    uint8_t data[8];
    size_t nbytes;
} result;

static void on_reply(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu)
{
    result *r = ctx;
    r->replies++;
    r->ref = pdu->ref;
    s7_data_item it;
    if (s7_read_resp_decode(pdu, &it, 1) >= 0 && it.nbytes <= sizeof r->data) {
        memcpy(r->data, it.data, it.nbytes);
        r->nbytes = it.nbytes;
    }
    (void)job;
    (void)sub;
}

/* Frames the server sends: the CC (TPDU 1024), the setup reply (ref 1, PDU 480, AmQ 2). */
static size_t server_hello(uint8_t *out)
{
    uint8_t local[2] = {0x01, 0x00}, remote[2] = {0x01, 0x02};
    s7_cotp cc;
    memset(&cc, 0, sizeof cc);
    cc.code = S7_COTP_CC;
    cc.dst_ref = 1;
    cc.src_ref = 0x4400;
    cc.tpdu_size = 0x0A;
    cc.calling = local;
    cc.calling_len = 2;
    cc.called = remote;
    cc.called_len = 2;
    int n = s7_cotp_encode(out, 64, &cc);
    s7_setup s = {2, 2, 480};
    int k = s7_setup_resp_encode(out + n + S7_ISO_HDR_LEN, 64, 1, &s);
    int f = s7_iso_dt_wrap(out + n, 64, (size_t)k, 1);
    return (size_t)n + (size_t)f;
}

/* The read reply to ref: 4 bytes DE AD BE EF, in one frame or in two DT fragments. */
static size_t read_reply(uint8_t *out, uint16_t ref, int fragments)
{
    static const uint8_t bytes[4] = {0xDE, 0xAD, 0xBE, 0xEF};
    s7_data_item it = {S7_RC_OK, 0, 0, bytes, 4};
    uint8_t pdu[64];
    int k = s7_read_resp_encode(pdu, sizeof pdu, ref, &it, 1);
    if (!fragments) {
        memcpy(out + S7_ISO_HDR_LEN, pdu, (size_t)k);
        return (size_t)s7_iso_dt_wrap(out, 128, (size_t)k, 1);
    }
    size_t cut = (size_t)k / 2;
    memcpy(out + S7_ISO_HDR_LEN, pdu, cut);
    int a = s7_iso_dt_wrap(out, 128, cut, 0);
    memcpy(out + a + S7_ISO_HDR_LEN, pdu + cut, (size_t)k - cut);
    int b = s7_iso_dt_wrap(out + a, 128, (size_t)k - cut, 1);
    return (size_t)a + (size_t)b;
}

/* Feed in[0..len) as the chunks cut at the points in cuts[] (ascending). */
static int feed_cuts(s7_conn *c, const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts)
{
    size_t from = 0;
    for (size_t i = 0; i <= ncuts; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        int rc = s7_conn_feed(c, in + from, to - from);
        if (rc < 0)
            return rc;
        from = to;
    }
    return 0;
}

static s7_conn *new_conn(result *r)
{
    s7_conn_cfg cfg;
    s7_conn_cfg_init(&cfg);
    cfg.local_tsap = 0x0100;
    cfg.remote_tsap = 0x0102;
    cfg.pdu_request = 960;
    cfg.on_reply = on_reply;
    cfg.ctx = r;
    return s7_conn_new(&cfg);
}

/* One whole session: hello cut at cuts_a, a read of 4 bytes, its reply cut at cuts_b.
 * Returns 0 when every step behaved, else the step number that did not. */
static int session(const size_t *cuts_a, size_t na, const size_t *cuts_b, size_t nb, int frags)
{
    result r;
    memset(&r, 0, sizeof r);
    s7_conn *c = new_conn(&r);
    uint8_t hello[128], reply[128];
    size_t hl = server_hello(hello);
    const uint8_t *p;
    if (!c || s7_conn_start(c) < 0)
        return 1;
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    if (feed_cuts(c, hello, hl, cuts_a, na) < 0 || s7_conn_state(c) != S7_CS_READY)
        return 2;
    if (s7_conn_pdu(c) != 480 || s7_conn_amq(c) != 2 || s7_conn_tpdu(c) != 1024)
        return 3;
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    size_t cap;
    uint8_t *pdu = s7_conn_submit_begin(c, &cap);
    s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    int n = s7_read_req_encode(pdu, cap, 0, &spec, 1);
    int ref = s7_conn_submit_end(c, (size_t)n, NULL, 0);
    if (ref != 2 || s7_conn_inflight(c) != 1)
        return 4;
    size_t rl = read_reply(reply, (uint16_t)ref, frags);
    if (feed_cuts(c, reply, rl, cuts_b, nb) < 0)
        return 5;
    if (r.replies != 1 || r.ref != 2 || r.nbytes != 4 || memcmp(r.data, "\xDE\xAD\xBE\xEF", 4) != 0)
        return 6;
    if (s7_conn_inflight(c) != 0 || s7_conn_state(c) != S7_CS_READY)
        return 7;
    s7_conn_free(c);
    return 0;
}

static void test_cr(void)
{
    result r;
    s7_conn *c = new_conn(&r);
    CHECK_INT(s7_conn_state(c), S7_CS_IDLE);
    CHECK_INT(s7_conn_start(c), 0);
    CHECK_INT(s7_conn_state(c), S7_CS_CR_SENT);
    const uint8_t *p;
    size_t n = s7_conn_tx_pending(c, &p);
    uint8_t want[32];
    size_t wl = t_hex("03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", want,
                      sizeof want);
    CHECK_INT(n, wl);
    CHECK_MEM(p, want, wl);
    /* nothing may be submitted before READY */
    size_t cap;
    CHECK(s7_conn_submit_begin(c, &cap) != NULL);
    CHECK_INT(s7_conn_submit_end(c, 20, NULL, 0), S7_ERR_STATE);
    s7_conn_free(c);
    s7_conn_free(NULL);
}

static void test_splits(void)
{
    uint8_t hello[128], reply[128];
    size_t hl = server_hello(hello), rl = read_reply(reply, 2, 0), rlf = read_reply(reply, 2, 1);
    CHECK_INT(session(NULL, 0, NULL, 0, 0), 0);
    CHECK_INT(session(NULL, 0, NULL, 0, 1), 0);
    /* every two-way split of the hello and of the reply */
    int bad = 0;
    for (size_t i = 1; i < hl; i++)
        bad += session(&i, 1, NULL, 0, 0) != 0;
    CHECK_INT(bad, 0);
    bad = 0;
    for (size_t i = 1; i < rl; i++)
        bad += session(NULL, 0, &i, 1, 0) != 0;
    CHECK_INT(bad, 0);
    bad = 0;
    for (size_t i = 1; i < rlf; i++)
        bad += session(NULL, 0, &i, 1, 1) != 0;
    CHECK_INT(bad, 0);
    /* one byte at a time */
    size_t ones[256];
    for (size_t i = 0; i < 255; i++)
        ones[i] = i + 1;
    CHECK_INT(session(ones, hl - 1, ones, rl - 1, 0), 0);
    CHECK_INT(session(ones, hl - 1, ones, rlf - 1, 1), 0);
}

static void test_fatal(void)
{
    result r;
    memset(&r, 0, sizeof r);
    uint8_t hello[128], reply[128];
    size_t hl = server_hello(hello);
    const uint8_t *p;

    /* a DR instead of the CC: refused */
    s7_conn *c = new_conn(&r);
    s7_conn_start(c);
    uint8_t dr[16];
    size_t dl = t_hex("03 00 00 0B 06 80 00 01 00 01 80", dr, sizeof dr);
    CHECK_INT(s7_conn_feed(c, dr, dl), S7_ERR_CR_REJECTED);
    CHECK_INT(s7_conn_state(c), S7_CS_FAILED);
    CHECK_INT(s7_conn_error(c), S7_ERR_CR_REJECTED);
    s7_conn_free(c);

    /* a reply whose reference matches no job: stale data is never returned */
    memset(&r, 0, sizeof r);
    c = new_conn(&r);
    s7_conn_start(c);
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    CHECK_INT(s7_conn_feed(c, hello, hl), 0);
    size_t rl = read_reply(reply, 7, 0);
    CHECK_INT(s7_conn_feed(c, reply, rl), S7_ERR_PDUREF);
    CHECK_INT(r.replies, 0);
    s7_conn_free(c);

    /* the mutated hello (TPKT version 4) fails where the good one passed */
    memset(&r, 0, sizeof r);
    c = new_conn(&r);
    s7_conn_start(c);
    hello[0] = 0x04;
    CHECK_INT(s7_conn_feed(c, hello, hl), S7_ERR_TPKT);
    CHECK(session(NULL, 0, NULL, 0, 0) == 0); /* and the harness still passes good input */
    s7_conn_free(c);

    /* bytes before the CR was sent are a protocol error */
    c = new_conn(&r);
    CHECK_INT(s7_conn_feed(c, dr, dl), S7_ERR_PROTO);
    s7_conn_free(c);
}

static int pushes;
static uint8_t push_seq;

static void on_push(void *ctx, const s7_pdu *pdu)
{
    (void)ctx;
    s7_ud u;
    if (s7_ud_decode(pdu, &u) >= 0 && u.type == S7_UD_TYPE_PUSH) {
        pushes++;
        push_seq = u.seq;
    }
}

/* A cyclic-data push whose PDU reference equals the job in flight's goes to on_push, never
 * to the job: the job stays in flight and gets its own reply after it. */
static void test_push(void)
{
    result r;
    memset(&r, 0, sizeof r);
    s7_conn_cfg cfg;
    s7_conn_cfg_init(&cfg);
    cfg.local_tsap = 0x0100;
    cfg.remote_tsap = 0x0102;
    cfg.on_reply = on_reply;
    cfg.on_push = on_push;
    cfg.ctx = &r;
    s7_conn *c = s7_conn_new(&cfg);
    uint8_t hello[128], reply[128], push[128];
    size_t hl = server_hello(hello);
    const uint8_t *p;
    s7_conn_start(c);
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    CHECK_INT(s7_conn_feed(c, hello, hl), 0);
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    size_t cap;
    uint8_t *pdu = s7_conn_submit_begin(c, &cap);
    s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    int n = s7_read_req_encode(pdu, cap, 0, &spec, 1);
    int ref = s7_conn_submit_end(c, (size_t)n, NULL, 0);
    /* the push of job 3, PDU reference = the read's */
    static const uint8_t vals[6] = {0x00, 0x01, 0xFF, 0x04, 0x00, 0x08};
    uint8_t body[8];
    memcpy(body, vals, 6);
    body[6] = 0x11;
    body[7] = 0x22;
    s7_ud u;
    memset(&u, 0, sizeof u);
    u.method = 0x12;
    u.type = S7_UD_TYPE_PUSH;
    u.group = S7_UD_GRP_CYCLIC;
    u.subfn = S7_CYC_CHANGE;
    u.seq = 3;
    u.rc = S7_RC_OK;
    u.dts = S7_DTS_OCTET;
    u.payload = body;
    u.plen = 7;
    int k = s7_ud_encode(push + S7_ISO_HDR_LEN, 100, (uint16_t)ref, &u);
    int f = s7_iso_dt_wrap(push, 128, (size_t)k, 1);
    CHECK_INT(s7_conn_feed(c, push, (size_t)f), 0);
    CHECK_INT(pushes, 1);
    CHECK_INT(push_seq, 3);
    CHECK_INT(r.replies, 0);
    CHECK_INT(s7_conn_inflight(c), 1);
    size_t rl = read_reply(reply, (uint16_t)ref, 0);
    CHECK_INT(s7_conn_feed(c, reply, rl), 0);
    CHECK_INT(r.replies, 1);
    CHECK_INT(s7_conn_inflight(c), 0);
    s7_conn_free(c);
}

/* A Job of the CPU (a download's 0x1C): a protocol error without on_job; with it, handed to
 * the handler, whose answer s7_conn_answer queues as it is (no job slot taken). */
static s7_conn *job_conn;
static int jobs_seen;
static void on_job(void *ctx, const s7_pdu *pdu)
{
    (void)ctx;
    jobs_seen++;
    uint8_t a[16];
    size_t n = t_hex("32 03 0000 0000 0001 0000 0000 1c", a, sizeof a);
    a[4] = (uint8_t)(pdu->ref >> 8);
    a[5] = (uint8_t)pdu->ref;
    CHECK_INT(s7_conn_answer(job_conn, a, n), 0);
}

static void test_cpu_job(void)
{
    result r;
    memset(&r, 0, sizeof r);
    uint8_t hello[128], job[64];
    size_t hl = server_hello(hello);
    const uint8_t *p;
    size_t jl = t_hex("03 00 00 23 02 f0 80 32 01 0000 0007 0012 0000 1c 00 0000 00000000 09"
                      " 5f 30 41 30 30 30 30 31 50",
                      job, sizeof job);
    for (int with = 0; with < 2; with++) {
        s7_conn_cfg cfg;
        s7_conn_cfg_init(&cfg);
        cfg.local_tsap = 0x0100;
        cfg.remote_tsap = 0x0102;
        cfg.on_reply = on_reply;
        cfg.ctx = &r;
        cfg.on_job = with ? on_job : NULL;
        s7_conn *c = job_conn = s7_conn_new(&cfg);
        uint8_t a[16];
        CHECK_INT(s7_conn_answer(c, a, 13), S7_ERR_STATE); /* before the setup */
        s7_conn_start(c);
        s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
        CHECK_INT(s7_conn_feed(c, hello, hl), 0);
        s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
        CHECK_INT(s7_conn_feed(c, job, jl), with ? 0 : S7_ERR_PROTO);
        if (with) {
            CHECK_INT(jobs_seen, 1);
            size_t n = s7_conn_tx_pending(c, &p);
            uint8_t want[32];
            size_t wn =
                t_hex("03 00 00 14 02 f0 80 32 03 0000 0007 0001 0000 0000 1c", want, sizeof want);
            CHECK_INT((int)n, (int)wn);
            if (n == wn)
                CHECK_MEM(p, want, wn);
            CHECK_INT((int)s7_conn_inflight(c), 0);
            CHECK_INT(s7_conn_state(c), S7_CS_READY);
        }
        s7_conn_free(c);
    }
}

/* Queue a read of DB1.DBB0 (4 bytes); its frame's length, or -1. */
static int queue_read(s7_conn *c)
{
    size_t cap;
    uint8_t *pdu = s7_conn_submit_begin(c, &cap);
    s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    int n = pdu ? s7_read_req_encode(pdu, cap, 0, &spec, 1) : -1;
    if (n < 0 || s7_conn_submit_end(c, (size_t)n, NULL, 0) < 0)
        return -1;
    return n + S7_ISO_HDR_LEN;
}

/* A lent send buffer (s7_conn_tx_lend): requests are encoded into it; what was not sent
 * when it is given back moves to the own buffer byte for byte, and no loan is taken while
 * such bytes wait; a loan too small for a request is given back by the connection. */
static void test_tx_lend(void)
{
    result r;
    memset(&r, 0, sizeof r);
    s7_conn *c = new_conn(&r);
    uint8_t hello[128], lent[4096], small[16], first[64];
    const uint8_t *p;
    CHECK(c && s7_conn_start(c) == 0);
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    CHECK_INT(s7_conn_feed(c, hello, server_hello(hello)), 0);
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p)); /* the setup request */
    CHECK_INT(s7_conn_state(c), S7_CS_READY);

    CHECK_INT(s7_conn_tx_lend(c, lent, sizeof lent), 1);
    CHECK_INT(s7_conn_tx_lend(c, lent, sizeof lent), 0); /* lent already */
    int fl = queue_read(c);
    CHECK(fl > 10);
    size_t n = s7_conn_tx_pending(c, &p);
    CHECK_INT(n, fl);
    CHECK(p == lent); /* encoded into the loan */
    memcpy(first, p, n);
    s7_conn_tx_done(c, 5); /* the socket took 5 bytes */
    CHECK_INT(s7_conn_tx_unlend(c), 0);
    n = s7_conn_tx_pending(c, &p);
    CHECK_INT(n, fl - 5);
    CHECK(p < lent || p >= lent + sizeof lent); /* now in the own buffer */
    CHECK_MEM(p, first + 5, (size_t)fl - 5);
    memset(lent, 0xEE, sizeof lent);                     /* another connection's use of the loan */
    CHECK_INT(s7_conn_tx_lend(c, lent, sizeof lent), 0); /* own bytes wait: no loan */
    CHECK_MEM(p, first + 5, (size_t)fl - 5);
    s7_conn_tx_done(c, n);

    CHECK_INT(s7_conn_tx_lend(c, small, sizeof small), 1);
    fl = queue_read(c); /* does not fit 16 bytes: the own buffer takes it */
    CHECK(fl > 16);
    CHECK_INT(s7_conn_tx_pending(c, &p), fl);
    CHECK(p < small || p >= small + sizeof small);
    CHECK_INT(s7_conn_tx_unlend(c), 0); /* given back already: nothing to do */
    CHECK_INT(s7_conn_tx_pending(c, &p), fl);
    CHECK_INT(s7_conn_inflight(c), 2);
    s7_conn_free(c);

    /* freed while lent: the own buffer is freed, not the loan (ASan checks) */
    c = new_conn(&r);
    CHECK_INT(s7_conn_tx_lend(c, lent, sizeof lent), 1);
    s7_conn_free(c);
}

/* Held: the CC leaves the connection in S7_CS_CC_HELD with nothing to send; the setup then
 * asks what s7_conn_send_setup says, and the session goes on as ever. */
static void test_hold_setup(void)
{
    result r;
    memset(&r, 0, sizeof r);
    s7_conn *c = new_conn(&r);
    s7_conn_hold_setup(c, 1);
    CHECK_INT(s7_conn_send_setup(c, 240, 3), S7_ERR_STATE); /* not before the CC */
    CHECK_INT(s7_conn_start(c), 0);
    const uint8_t *p;
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    uint8_t hello[128];
    size_t hl = server_hello(hello);
    size_t ccl = (size_t)(hello[2] << 8 | hello[3]);
    CHECK_INT(s7_conn_feed(c, hello, ccl), 0);
    CHECK_INT(s7_conn_state(c), S7_CS_CC_HELD);
    CHECK_INT(s7_conn_tx_pending(c, &p), 0);
    CHECK_INT(s7_conn_tpdu(c), 1024);
    CHECK_INT(s7_conn_pdu(c), 0);
    CHECK_INT(s7_conn_send_setup(c, 240, 3), 0);
    CHECK_INT(s7_conn_state(c), S7_CS_SETUP_SENT);
    size_t n = s7_conn_tx_pending(c, &p);
    uint8_t want[32];
    /* TPKT, DT, Setup Communication: ref 1, AmQ 3 / 3, PDU 240 */
    size_t wl = t_hex("03 00 00 19 02 F0 80 32 01 00 00 00 01 00 08 00 00 F0 00 00 03 00 03 00 F0",
                      want, sizeof want);
    CHECK_INT(n, wl);
    CHECK_MEM(p, want, wl);
    s7_conn_tx_done(c, n);
    CHECK_INT(s7_conn_feed(c, hello + ccl, hl - ccl), 0);
    CHECK_INT(s7_conn_state(c), S7_CS_READY);
    CHECK_INT(s7_conn_pdu(c), 240); /* the smaller of the asked 240 and the granted 480 */
    CHECK_INT(s7_conn_amq(c), 2);
    CHECK_INT(s7_conn_send_setup(c, 240, 3), S7_ERR_STATE); /* once only */
    s7_conn_free(c);
}

int main(void)
{
    test_cr();
    test_hold_setup();
    test_tx_lend();
    test_splits();
    test_fatal();
    test_push();
    test_cpu_job();
    return t_done();
}
