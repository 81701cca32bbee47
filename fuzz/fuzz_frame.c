/* Fuzz target for the wire codec: splits the input into TPKT frames with s7_frame_decode,
 * reassembles DT fragments, and runs every S7 PDU (and the raw input as one PDU) through
 * s7_pdu_decode and every sub-decoder (setup, var request, data items, read/write
 * replies, userdata, SZL header, PLC control, clock payload).  Where cheap, decoded values
 * are encoded again and decoded once more; any disagreement aborts. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s7/wire.h"

#define REQUIRE(c)   \
    do {             \
        if (!(c))    \
            abort(); \
    } while (0)

static uint8_t enc[70000];

/* Our encoding equals the input PDU except the reserved redundancy id (bytes 2..3). */
static int same_pdu(const uint8_t *a, const uint8_t *b, size_t n)
{
    return n >= 10 && memcmp(a, b, 2) == 0 && memcmp(a + 4, b + 4, n - 4) == 0;
}

/* A view must lie inside [base, base + len]. */
static void in_buf(const uint8_t *v, size_t n, const uint8_t *base, size_t len)
{
    if (n == 0)
        return;
    REQUIRE(v && v >= base && n <= len && (size_t)(v - base) <= len - n);
}

static void same_specs(const s7_var_spec *a, const s7_var_spec *b, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        REQUIRE(a[i].ts == b[i].ts && a[i].count == b[i].count && a[i].db == b[i].db &&
                a[i].area == b[i].area && a[i].addr == b[i].addr);
}

static void fuzz_setup(const s7_pdu *p)
{
    s7_setup s, s2;
    if (s7_setup_decode(p, &s) != 8)
        return;
    int n = p->rosctr == S7_JOB ? s7_setup_req_encode(enc, sizeof enc, p->ref, &s)
                                : s7_setup_resp_encode(enc, sizeof enc, p->ref, &s);
    REQUIRE(n > 0);
    s7_pdu q;
    REQUIRE(s7_pdu_decode(enc, (size_t)n, &q) == n);
    REQUIRE(s7_setup_decode(&q, &s2) == 8);
    REQUIRE(memcmp(&s, &s2, sizeof s) == 0 && q.ref == p->ref && q.rosctr == p->rosctr);
}

static void fuzz_var_req(const s7_pdu *p, const uint8_t *b, size_t len)
{
    static s7_var_spec specs[S7_ITEMS_MAX], specs2[S7_ITEMS_MAX];
    static s7_data_item items[S7_ITEMS_MAX], items2[S7_ITEMS_MAX];
    uint8_t fn = 0, fn2 = 0;
    unsigned n = 0, n2 = 0;
    (void)s7_var_req_decode(p, &fn, specs, 2, &n);
    int r = s7_var_req_decode(p, &fn, specs, S7_ITEMS_MAX, &n);
    if (r < 0)
        return;
    REQUIRE(r == (int)n && n >= 1 && n <= S7_ITEMS_MAX);
    if (fn == S7_FN_READ) {
        int e = s7_read_req_encode(enc, sizeof enc, p->ref, specs, n);
        REQUIRE(e == (int)(10 + p->param_len) && same_pdu(enc, b, (size_t)e));
        return;
    }
    int d = s7_data_items_decode(p->data, p->data_len, 1, items, n);
    if (d < 0)
        return;
    REQUIRE((size_t)d <= p->data_len);
    for (unsigned i = 0; i < n; i++) {
        in_buf(items[i].data, items[i].nbytes, b, len);
        REQUIRE(items[i].nbytes == s7_dts_nbytes(items[i].ts, items[i].len_field));
        if (items[i].ts == 0)
            return; /* the encoder would derive another ts: no round trip */
    }
    int e = s7_write_req_encode(enc, sizeof enc, p->ref, specs, items, n);
    REQUIRE(e > 0);
    s7_pdu q;
    REQUIRE(s7_pdu_decode(enc, (size_t)e, &q) == e);
    REQUIRE(s7_var_req_decode(&q, &fn2, specs2, S7_ITEMS_MAX, &n2) == (int)n && fn2 == fn);
    same_specs(specs, specs2, n);
    REQUIRE(s7_data_items_decode(q.data, q.data_len, 1, items2, n) == (int)q.data_len);
    for (unsigned i = 0; i < n; i++)
        REQUIRE(
            items2[i].ts == items[i].ts && items2[i].len_field == items[i].len_field &&
            items2[i].nbytes == items[i].nbytes &&
            (items[i].nbytes == 0 || memcmp(items2[i].data, items[i].data, items[i].nbytes) == 0));
}

static void fuzz_replies(const s7_pdu *p, const uint8_t *b, size_t len)
{
    static s7_data_item items[S7_ITEMS_MAX], items2[S7_ITEMS_MAX];
    static uint8_t rcs[S7_ITEMS_MAX], rcs2[S7_ITEMS_MAX];
    unsigned n = p->param_len >= 2 && p->param ? p->param[1] : 1;
    /* raw data items both ways, whatever the PDU type */
    (void)s7_data_items_decode(p->data, p->data_len, 0, items, n);
    (void)s7_data_items_decode(p->data, p->data_len, 1, items, n);

    if (s7_read_resp_decode(p, items, n) == (int)n) {
        int ok = 1;
        for (unsigned i = 0; i < n; i++) {
            in_buf(items[i].data, items[i].nbytes, b, len);
            if (items[i].rc == S7_RC_OK && items[i].ts == 0 && items[i].nbytes)
                ok = 0;
        }
        if (ok) {
            int e = s7_read_resp_encode(enc, sizeof enc, p->ref, items, n);
            REQUIRE(e > 0);
            s7_pdu q;
            REQUIRE(s7_pdu_decode(enc, (size_t)e, &q) == e);
            REQUIRE(s7_read_resp_decode(&q, items2, n) == (int)n);
            for (unsigned i = 0; i < n; i++) {
                REQUIRE(items2[i].rc == items[i].rc && items2[i].nbytes == items[i].nbytes);
                if (items[i].rc == S7_RC_OK && items[i].nbytes)
                    REQUIRE(memcmp(items2[i].data, items[i].data, items[i].nbytes) == 0);
            }
        }
    }
    if (s7_write_resp_decode(p, rcs, n) == (int)n) {
        int e = s7_write_resp_encode(enc, sizeof enc, p->ref, rcs, n);
        REQUIRE(e > 0);
        s7_pdu q;
        REQUIRE(s7_pdu_decode(enc, (size_t)e, &q) == e);
        REQUIRE(s7_write_resp_decode(&q, rcs2, n) == (int)n && memcmp(rcs, rcs2, n) == 0);
    }
}

static void fuzz_ud(const s7_pdu *p, const uint8_t *b, size_t len)
{
    s7_ud u, u2;
    if (s7_ud_decode(p, &u) < 0)
        return;
    in_buf(u.payload, u.plen, b, len);
    s7_szl_hdr h, h2;
    if (s7_szl_hdr_decode(u.payload, u.plen, &h) == 8) {
        uint8_t hb[8];
        REQUIRE(s7_szl_hdr_encode(hb, sizeof hb, &h) == 8 && memcmp(hb, u.payload, 8) == 0);
        REQUIRE(s7_szl_hdr_decode(hb, 8, &h2) == 8);
    }
    s7_datetime t, t2;
    if (s7_clock_payload_decode(u.payload, u.plen, &t) == 10) {
        uint8_t cp[10];
        REQUIRE(s7_clock_payload_encode(cp, &t) == 10);
        REQUIRE(s7_clock_payload_decode(cp, 10, &t2) == 10);
        REQUIRE(t.year == t2.year && t.month == t2.month && t.day == t2.day && t.hour == t2.hour &&
                t.min == t2.min && t.sec == t2.sec && t.msec == t2.msec);
        REQUIRE(t.wday == 0 || t.wday == t2.wday);
        REQUIRE(memcmp(cp + 2, u.payload + 2, 7) == 0);
    }
    if (u.type == S7_UD_TYPE_PUSH && u.group == S7_UD_GRP_MODE && p->data_len == 0)
        return; /* a mode-transition push (its own head, no data item): s7_ud_encode writes
                 * the 8- or 12-byte form with a data item, never this one */
    int e = s7_ud_encode(enc, sizeof enc, p->ref, &u);
    REQUIRE(e > 0);
    s7_pdu q;
    REQUIRE(s7_pdu_decode(enc, (size_t)e, &q) == e);
    REQUIRE(s7_ud_decode(&q, &u2) >= 0);
    REQUIRE(u2.method == u.method && u2.type == u.type && u2.group == u.group &&
            u2.subfn == u.subfn && u2.seq == u.seq && u2.dur == u.dur && u2.last == u.last &&
            u2.err == u.err && u2.rc == u.rc);
    if (u.rc == S7_RC_OK) {
        REQUIRE(u2.dts == u.dts && u2.plen == u.plen);
        REQUIRE(e == (int)(10 + p->param_len + p->data_len));
        REQUIRE(same_pdu(enc, b, (size_t)e));
    }
}

static void fuzz_ctrl(const s7_pdu *p, const uint8_t *b, size_t len)
{
    s7_plc_ctrl c, c2;
    if (s7_plc_ctrl_decode(p, &c) >= 0) {
        in_buf(c.service, c.service_len, b, len);
        in_buf(c.arg, c.arg_len, b, len);
        int e = c.fn == S7_FN_STOP ? s7_plc_stop_req_encode(enc, sizeof enc, p->ref)
                                   : s7_plc_start_req_encode(enc, sizeof enc, p->ref, c.mode);
        REQUIRE(e > 0);
        s7_pdu q;
        REQUIRE(s7_pdu_decode(enc, (size_t)e, &q) == e);
        REQUIRE(s7_plc_ctrl_decode(&q, &c2) >= 0 && c2.fn == c.fn && c2.mode == c.mode);
    }
    uint8_t fn, st, fn2, st2;
    if (s7_plc_ctrl_resp_decode(p, &fn, &st) >= 0) {
        int e = s7_plc_ctrl_resp_encode(enc, sizeof enc, p->ref, fn, st);
        REQUIRE(e > 0);
        s7_pdu q;
        REQUIRE(s7_pdu_decode(enc, (size_t)e, &q) == e);
        REQUIRE(s7_plc_ctrl_resp_decode(&q, &fn2, &st2) >= 0 && fn2 == fn && st2 == st);
    }
}

/* One S7 PDU: header, then every sub-decoder. */
static void fuzz_pdu(const uint8_t *b, size_t len)
{
    s7_pdu p;
    int r = s7_pdu_decode(b, len, &p);
    if (r < 0)
        return;
    REQUIRE((size_t)r == len);
    in_buf(p.param, p.param_len, b, len);
    in_buf(p.data, p.data_len, b, len);
    uint8_t hb[12];
    REQUIRE(s7_pdu_encode_header(hb, sizeof hb, &p) == (int)s7_pdu_header_len(p.rosctr));
    REQUIRE(memcmp(hb, b, s7_pdu_header_len(p.rosctr)) == 0);
    fuzz_setup(&p);
    fuzz_var_req(&p, b, len);
    fuzz_replies(&p, b, len);
    fuzz_ud(&p, b, len);
    fuzz_ctrl(&p, b, len);
}

/* Encode a decoded TPDU again and decode it: the fields must agree. */
static void cotp_roundtrip(const s7_cotp *t)
{
    int e = s7_cotp_encode(enc, sizeof enc, t);
    REQUIRE(e >= 7);
    s7_cotp u;
    REQUIRE(s7_frame_decode(enc, (size_t)e, &u) == e);
    REQUIRE(u.code == t->code && u.dst_ref == t->dst_ref && u.src_ref == t->src_ref &&
            u.class_opt == t->class_opt && u.tpdu_size == t->tpdu_size &&
            u.calling_len == t->calling_len && u.called_len == t->called_len && u.eot == t->eot &&
            u.nr == t->nr && u.user_len == t->user_len &&
            memcmp(u.param_order, t->param_order, 3) == 0);
    if (t->code != S7_COTP_DC)
        REQUIRE(u.reason == t->reason);
    if (t->calling_len)
        REQUIRE(memcmp(u.calling, t->calling, t->calling_len) == 0);
    if (t->called_len)
        REQUIRE(memcmp(u.called, t->called, t->called_len) == 0);
    if (t->user_len)
        REQUIRE(memcmp(u.user, t->user, t->user_len) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t pdu[S7_FRAME_MAX * 2];
    size_t plen = 0, off = 0;
    while (off < size) {
        s7_cotp t;
        int r = s7_frame_decode(data + off, size - off, &t);
        REQUIRE(r != 0);
        if (r < 0)
            break;
        REQUIRE(r >= 7 && (size_t)r <= size - off);
        REQUIRE(s7_tpkt_peek(data + off, size - off) == r);
        REQUIRE(s7_frame_decode(data + off, (size_t)r - 1, &t) == S7_AGAIN);
        REQUIRE(s7_frame_decode(data + off, (size_t)r, &t) == r);
        in_buf(t.user, t.user_len, data + off, (size_t)r);
        in_buf(t.calling, t.calling_len, data + off, (size_t)r);
        in_buf(t.called, t.called_len, data + off, (size_t)r);
        cotp_roundtrip(&t);
        if (t.code == S7_COTP_DT) {
            fuzz_pdu(t.user, t.user_len);
            if (plen + t.user_len <= sizeof pdu) {
                if (t.user_len)
                    memcpy(pdu + plen, t.user, t.user_len);
                plen += t.user_len;
            } else {
                plen = 0;
            }
            if (t.eot) {
                fuzz_pdu(pdu, plen);
                plen = 0;
            }
        }
        off += (size_t)r;
    }
    /* the whole input as a bare S7 PDU, and its data block as read/write items */
    fuzz_pdu(data, size);
    s7_data_item items[8];
    (void)s7_data_items_decode(data, size, 0, items, 8);
    (void)s7_data_items_decode(data, size, 1, items, 8);
    s7_datetime dt;
    (void)s7_clock_payload_decode(data, size, &dt);
    s7_szl_hdr h;
    (void)s7_szl_hdr_decode(data, size, &h);
    return 0;
}
