/* Unit tests of the partner engine (exchange/pconn.c, exchange/partner.c): two sans-I/O
 * connections wired together in memory (set-up both sides, 65,534-byte BSENDs both ways at
 * once, segment sizes and sequence numbers, USEND, a negative acknowledgement, an ack that
 * never comes, malformed frames), then two s7_partner on loopback (BRCV areas and the
 * status the instructions report, a block too large for its area, the partner lost and
 * back: the active side connects again by itself). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s7/exchange_partner.h"
#include "s7/net.h"
#include "s7/wire.h"
#include "t.h"

/* ---------------------------------------------------------------- in memory */

typedef struct side {
    s7_pconn *pc;
    uint8_t got[65536];
    size_t got_len;
    uint32_t got_rid;
    int got_usend, recvs, sents, sent_err;
    uint32_t sent_rid;
    /* every segment and ack this side sent: (type, seq) */
    int nseg, nack, max_pdu;
    uint8_t seg_seq[300], ack_seq[300];
} side;

static void tap(void *ctx, int out, const uint8_t *f, size_t n)
{
    side *s = ctx;
    if (!out || n < 7 + 10 + 12 || f[7 + 1] != S7_USERDATA)
        return;
    s7_pdu pdu;
    if (s7_pdu_decode(f + 7, n - 7, &pdu) < 0)
        return;
    s7_bsend b;
    if (s7_bsend_decode(&pdu, &b) < 0)
        return;
    if ((int)(n - 7) > s->max_pdu)
        s->max_pdu = (int)(n - 7);
    if (b.type == S7_UD_TYPE_REQ && s->nseg < 300)
        s->seg_seq[s->nseg++] = b.seq;
    else if (b.type == S7_UD_TYPE_RESP && s->nack < 300)
        s->ack_seq[s->nack++] = b.seq;
}

static void on_sent(void *ctx, uint32_t r_id, int err, void *job)
{
    (void)job;
    side *s = ctx;
    s->sents++;
    s->sent_rid = r_id;
    s->sent_err = err;
}

static void on_recv(void *ctx, uint32_t r_id, const uint8_t *d, size_t n, int usend)
{
    side *s = ctx;
    s->recvs++;
    s->got_rid = r_id;
    s->got_usend = usend;
    s->got_len = n;
    memcpy(s->got, d, n);
}

static void side_init(side *s, int active, uint16_t pdu)
{
    memset(s, 0, sizeof *s);
    s7_pconn_cfg c;
    s7_pconn_cfg_init(&c);
    c.active = active;
    c.local_tsap = 0x1001;
    c.remote_tsap = 0x1002;
    c.pdu_request = pdu;
    c.on_sent = on_sent;
    c.on_recv = on_recv;
    c.ctx = s;
    c.tap = tap;
    c.tap_ctx = s;
    s->pc = s7_pconn_new(&c);
}

/* Move bytes both ways until neither has any (bounded). */
static void pump(side *a, side *b)
{
    for (int i = 0; i < 10000; i++) {
        const uint8_t *p;
        size_t n1 = s7_pconn_tx_pending(a->pc, &p);
        if (n1) {
            uint8_t *copy = malloc(n1);
            memcpy(copy, p, n1);
            s7_pconn_tx_done(a->pc, n1);
            s7_pconn_feed(b->pc, copy, n1, 0);
            free(copy);
        }
        size_t n2 = s7_pconn_tx_pending(b->pc, &p);
        if (n2) {
            uint8_t *copy = malloc(n2);
            memcpy(copy, p, n2);
            s7_pconn_tx_done(b->pc, n2);
            s7_pconn_feed(a->pc, copy, n2, 0);
            free(copy);
        }
        if (!n1 && !n2)
            return;
    }
}

static uint8_t blk_a[S7_BSEND_MAX], blk_b[S7_BSEND_MAX];

static void test_mem_both_ways(void)
{
    static side a, b;
    side_init(&a, 1, 480);
    side_init(&b, 0, 960);
    for (size_t i = 0; i < S7_BSEND_MAX; i++) {
        blk_a[i] = (uint8_t)(i * 7 + 1);
        blk_b[i] = (uint8_t)(i * 13 + 5);
    }
    /* queued before the link: sent once it is up */
    CHECK_INT(s7_pconn_bsend(a.pc, 0x11, blk_a, S7_BSEND_MAX, NULL, 0), 0);
    CHECK_INT(s7_pconn_start(a.pc, 0), 0);
    pump(&a, &b);
    CHECK_INT(s7_pconn_state(a.pc), S7_PC_LINKED);
    CHECK_INT(s7_pconn_state(b.pc), S7_PC_LINKED);
    CHECK_INT(s7_pconn_pdu(a.pc), 480); /* the passive side grants at most what is asked */
    CHECK_INT(b.recvs, 1);
    CHECK_INT(b.got_rid, 0x11);
    CHECK_INT(b.got_len, S7_BSEND_MAX);
    CHECK(memcmp(b.got, blk_a, S7_BSEND_MAX) == 0);
    CHECK_INT(a.sents, 1);
    CHECK_INT(a.sent_err, 0);
    /* 444 bytes in the first segment, 446 in each next: 147 segments, each a full PDU */
    int want = 1 + (int)((S7_BSEND_MAX - 444 + 445) / 446);
    CHECK_INT(a.nseg, want);
    CHECK_INT(b.nack, want);
    CHECK_INT(a.max_pdu, 480);
    /* the first segment has sequence 0, every next one the receiver's acknowledged number */
    CHECK_INT(a.seg_seq[0], 0);
    int seq_ok = 1;
    for (int i = 1; i < a.nseg; i++)
        seq_ok &= a.seg_seq[i] == b.ack_seq[0] && b.ack_seq[i] == b.ack_seq[0];
    CHECK(seq_ok);
    CHECK(b.ack_seq[0] != 0);

    /* both directions at once on the one connection */
    a.nseg = b.nseg = a.nack = b.nack = 0;
    CHECK_INT(s7_pconn_bsend(a.pc, 0x12, blk_b, 1000, NULL, 0), 0);
    CHECK_INT(s7_pconn_bsend(b.pc, 0x21, blk_b, S7_BSEND_MAX, NULL, 0), 0);
    CHECK_INT(s7_pconn_bsend(a.pc, 0x13, blk_a, 1, NULL, 0), 0);
    CHECK_INT(s7_pconn_pending(a.pc), 2);
    pump(&a, &b);
    CHECK_INT(s7_pconn_pending(a.pc), 0);
    CHECK_INT(a.recvs, 1);
    CHECK_INT(a.got_rid, 0x21);
    CHECK(a.got_len == S7_BSEND_MAX && memcmp(a.got, blk_b, S7_BSEND_MAX) == 0);
    CHECK_INT(b.recvs, 3);
    CHECK_INT(b.got_rid, 0x13);
    CHECK_INT(b.got_len, 1);
    CHECK_INT(b.got[0], blk_a[0]);
    CHECK_INT(a.sents, 3);

    /* USEND: one PDU, no acknowledgement */
    a.nack = b.nack = 0;
    CHECK_INT(s7_pconn_usend(a.pc, 0x77, blk_a, 100), 0);
    CHECK_INT(s7_pconn_usend(a.pc, 0x77, blk_a, s7_usend_max(480) + 1), S7_ERR_TOOBIG);
    pump(&a, &b);
    CHECK_INT(b.got_usend, 1);
    CHECK_INT(b.got_rid, 0x77);
    CHECK(b.got_len == 100 && memcmp(b.got, blk_a, 100) == 0);
    CHECK_INT(b.nack, 0);
    CHECK_INT(s7_pconn_bsend(a.pc, 1, blk_a, 0, NULL, 0), S7_ERR_INVAL);
    CHECK_INT(s7_pconn_bsend(a.pc, 1, blk_a, S7_BSEND_MAX + 1, NULL, 0), S7_ERR_INVAL);
    s7_pconn_free(a.pc);
    s7_pconn_free(b.pc);
}

/* Link a to a hand-driven peer; returns the peer's view of a's output. */
static void link_by_hand(side *a)
{
    side_init(a, 1, 480);
    static side b;
    side_init(&b, 0, 480);
    s7_pconn_start(a->pc, 0);
    pump(a, &b);
    CHECK_INT(s7_pconn_state(a->pc), S7_PC_LINKED);
    s7_pconn_free(b.pc);
}

static void feed_pdu(side *a, const uint8_t *pdu, int n)
{
    uint8_t f[600];
    memcpy(f + 7, pdu, (size_t)n);
    int fl = s7_iso_dt_wrap(f, sizeof f, (size_t)n, 1);
    s7_pconn_feed(a->pc, f, (size_t)fl, 0);
}

static void test_mem_faults(void)
{
    static side a;
    uint8_t pdu[600];
    const uint8_t *p;
    /* a negative acknowledgement ends the BSEND with STATUS 2, the link stays */
    link_by_hand(&a);
    CHECK_INT(s7_pconn_bsend(a.pc, 5, blk_a, 10, NULL, 100), 0);
    s7_pconn_tx_done(a.pc, s7_pconn_tx_pending(a.pc, &p));
    feed_pdu(&a, pdu, s7_bsend_ack_encode(pdu, sizeof pdu, 1, 9, 0xD0A1));
    CHECK_INT(a.sents, 1);
    CHECK_INT(a.sent_err, S7_ERR_PLC);
    CHECK_INT(s7_pconn_state(a.pc), S7_PC_LINKED);
    /* an acknowledgement nobody waits for fails the connection */
    feed_pdu(&a, pdu, s7_bsend_ack_encode(pdu, sizeof pdu, 1, 9, 0));
    CHECK_INT(s7_pconn_state(a.pc), S7_PC_FAILED);
    CHECK_INT(s7_pconn_error(a.pc), S7_ERR_PROTO);
    CHECK(strstr(s7_pconn_reason(a.pc), "not sent") != NULL);
    s7_pconn_free(a.pc);

    /* no acknowledgement in time: the BSEND fails (timeout), so does the connection */
    link_by_hand(&a);
    CHECK_INT(s7_pconn_bsend(a.pc, 6, blk_a, 5000, NULL, 1000), 0);
    CHECK_INT(s7_pconn_deadline(a.pc), 1000 + 3000);
    CHECK_INT(s7_pconn_tick(a.pc, 3999), 0);
    CHECK_INT(s7_pconn_tick(a.pc, 4000), S7_ERR_TIMEOUT);
    CHECK(strstr(s7_pconn_reason(a.pc), "R_ID 6") != NULL);
    s7_pconn_reset(a.pc);
    CHECK_INT(a.sents, 1);
    CHECK_INT(a.sent_err, S7_ERR_TIMEOUT);
    CHECK_INT(s7_pconn_state(a.pc), S7_PC_IDLE);
    s7_pconn_free(a.pc);

    /* a first segment announcing more than 65,534 bytes, and segments past the total */
    link_by_hand(&a);
    s7_bsend s = {.r_id = 3, .last = 1};
    feed_pdu(&a, pdu, s7_bsend_seg_encode(pdu, sizeof pdu, 1, &s, 1, 0xFFFF, blk_a, 10));
    CHECK_INT(s7_pconn_error(a.pc), S7_ERR_PROTO);
    CHECK(strstr(s7_pconn_reason(a.pc), "65535") != NULL);
    s7_pconn_free(a.pc);
    link_by_hand(&a);
    feed_pdu(&a, pdu, s7_bsend_seg_encode(pdu, sizeof pdu, 1, &s, 1, 5, blk_a, 10));
    CHECK_INT(s7_pconn_error(a.pc), S7_ERR_PROTO);
    CHECK(strstr(s7_pconn_reason(a.pc), "more than the 5 bytes") != NULL);
    s7_pconn_free(a.pc);
    /* a last segment that leaves the block short */
    link_by_hand(&a);
    s.last = 0;
    feed_pdu(&a, pdu, s7_bsend_seg_encode(pdu, sizeof pdu, 1, &s, 1, 50, blk_a, 10));
    CHECK_INT(s7_pconn_error(a.pc), S7_ERR_PROTO);
    CHECK_INT(a.recvs, 0);
    s7_pconn_free(a.pc);
    /* a Read Var job on a partner connection, and garbage */
    link_by_hand(&a);
    s7_var_spec spec = {.ts = S7_TS_BYTE, .count = 1, .area = 0x84, .db = 1};
    feed_pdu(&a, pdu, s7_read_req_encode(pdu, sizeof pdu, 1, &spec, 1));
    CHECK_INT(s7_pconn_error(a.pc), S7_ERR_PROTO);
    s7_pconn_free(a.pc);
    link_by_hand(&a);
    const uint8_t junk[] = {3, 0, 0, 5, 0xFF};
    CHECK(s7_pconn_feed(a.pc, junk, sizeof junk, 0) < 0);
    CHECK_INT(s7_pconn_state(a.pc), S7_PC_FAILED);
    s7_pconn_free(a.pc);
}

/* ---------------------------------------------------------------- loopback */

static int recv_calls;
static void p_recv(void *ctx, uint32_t r_id, const uint8_t *d, size_t n, int usend)
{
    (void)ctx, (void)r_id, (void)d, (void)n, (void)usend;
    recv_calls++;
}

static s7_partner *mk(int active, uint16_t port)
{
    s7_partner_cfg c;
    s7_partner_cfg_init(&c);
    c.active = active;
    strcpy(c.host, "127.0.0.1");
    c.port = port;
    c.reconnect_ms = 50;
    c.on_recv = p_recv;
    s7_partner *p = s7_partner_new(&c);
    CHECK(p != NULL);
    CHECK_INT(s7_partner_start(p), 0);
    return p;
}

/* Run both until cond or 5 s (bounded in count and time). */
#define RUN_UNTIL(a, b, cond)                                                  \
    do {                                                                       \
        int64_t end_ = s7_now_ms() + 5000;                                     \
        for (int i_ = 0; i_ < 200000 && !(cond) && s7_now_ms() < end_; i_++) { \
            s7_partner_run((a), 1);                                            \
            s7_partner_run((b), 1);                                            \
        }                                                                      \
    } while (0)

static uint8_t area1[S7_BSEND_MAX], area2[100], area3[S7_BSEND_MAX];

static void test_loopback(void)
{
    s7_partner *srv = mk(0, 0);
    uint16_t port = s7_partner_port(srv);
    CHECK(port != 0);
    s7_partner *cli = mk(1, port);
    s7_partner_status st;
    CHECK_INT(s7_partner_brcv(srv, 1, area1, sizeof area1, 0), 0);
    CHECK_INT(s7_partner_brcv(srv, 2, area2, sizeof area2, 0), 0);
    CHECK_INT(s7_partner_brcv(cli, 9, area3, sizeof area3, 0), 0);
    CHECK_INT(s7_partner_brcv(srv, 7, area2, sizeof area2, 1), 0);
    RUN_UNTIL(cli, srv, s7_partner_linked(cli) && s7_partner_linked(srv));
    CHECK(s7_partner_linked(cli));
    CHECK_INT(s7_partner_pdu(cli), 480);

    CHECK_INT(s7_partner_bsend(cli, 1, blk_a, S7_BSEND_MAX), 0);
    CHECK_INT(s7_partner_bsend(cli, 1, blk_a, 10), S7_ERR_BUSY);
    CHECK_INT(s7_partner_send_status(cli, 1, &st), 0);
    CHECK_INT(st.status, 11);
    CHECK_INT(st.busy, 1);
    CHECK_INT(s7_partner_bsend(srv, 9, blk_b, S7_BSEND_MAX), 0);
    s7_partner_status rs = {0};
    RUN_UNTIL(cli, srv, (s7_partner_recv_status(srv, 1, &rs), rs.count == 1));
    CHECK_INT(rs.ndr, 1);
    CHECK_INT(rs.len, S7_BSEND_MAX);
    CHECK(memcmp(area1, blk_a, S7_BSEND_MAX) == 0);
    CHECK_INT(s7_partner_bsend_wait(cli, 1, 5000), 0);
    CHECK_INT(s7_partner_send_status(cli, 1, &st), 0);
    CHECK(st.done && !st.error && st.status == 0 && st.count == 1);
    RUN_UNTIL(cli, srv, (s7_partner_recv_status(cli, 9, &rs), rs.count == 1));
    CHECK(memcmp(area3, blk_b, S7_BSEND_MAX) == 0);
    CHECK_INT(s7_partner_recv_status(cli, 9, &rs), 0);
    CHECK_INT(rs.ndr, 0); /* reported once */

    /* a block larger than its receive area: BRCV ERROR, STATUS 4; the sender is done */
    CHECK_INT(s7_partner_bsend(cli, 2, blk_a, 101), 0);
    RUN_UNTIL(cli, srv,
              (s7_partner_recv_status(srv, 2, &rs), s7_partner_send_status(cli, 2, &st),
               rs.errors == 1 && st.count == 1));
    CHECK(st.done && st.count == 1);
    CHECK(rs.error && rs.status == 4 && rs.len == 0);
    /* USEND into its URCV area */
    CHECK_INT(s7_partner_usend(cli, 7, blk_b, 64), 0);
    RUN_UNTIL(cli, srv, (s7_partner_recv_status(srv, 7, &rs), rs.count == 1));
    CHECK(rs.ndr && rs.len == 64 && memcmp(area2, blk_b, 64) == 0);
    CHECK_INT(recv_calls, 3); /* not the block that did not fit */

    /* the passive partner goes away: the active side's BSEND fails with STATUS 1 ... */
    s7_partner_free(srv);
    CHECK_INT(s7_partner_bsend(cli, 1, blk_a, S7_BSEND_MAX), 0);
    int r = s7_partner_bsend_wait(cli, 1, 5000);
    CHECK(r != 0);
    CHECK_INT(s7_partner_send_status(cli, 1, &st), 0);
    CHECK(st.error && st.status == 1);
    CHECK(s7_partner_reason(cli)[0] != 0);
    /* ... and once it is back the active side connects again by itself */
    srv = mk(0, port);
    CHECK_INT(s7_partner_brcv(srv, 1, area1, sizeof area1, 0), 0);
    memset(area1, 0, sizeof area1);
    RUN_UNTIL(cli, srv, s7_partner_linked(cli) && s7_partner_linked(srv));
    CHECK(s7_partner_linked(cli));
    CHECK_INT(s7_partner_bsend(cli, 1, blk_b, 30000), 0);
    RUN_UNTIL(cli, srv, (s7_partner_recv_status(srv, 1, &rs), rs.count == 1));
    CHECK(rs.len == 30000 && memcmp(area1, blk_b, 30000) == 0);
    s7_partner_free(cli);
    s7_partner_free(srv);
}

int main(void)
{
    test_mem_both_ways();
    test_mem_faults();
    test_loopback();
    return t_done();
}
