/* conn, server role (conn/sconn.c): the events it hands out (CR with its TSAPs and TPDU
 * size, whole PDUs) and the bytes it writes, for a client stream fed whole, one byte at a
 * time and split at every point in two (the same events and the same output bytes every
 * time); what it does with every change of a DT frame's header, against the frame decoder;
 * reassembly of a fragmented request; fragmentation of a reply to the TPDU size;
 * refusal, DR/DC and the protocol errors.  The PDUs are answered by a stand-in written
 * here (sconn knows nothing of the CPU), then the real CPU model answers a client-role
 * conn through the in-memory transport pair (net/transport.h), no threads. */
#include <stdlib.h>
#include <string.h>

#include "net/transport.h"
#include "s7/conn.h"
#include "s7/cpu.h"
#include "t.h"

static const char *CR_HEX = "03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 01";
static const char *SETUP_HEX =
    "03 00 00 19 02 F0 80 32 01 00 00 00 01 00 08 00 00 F0 00 00 08 00 08 03 C0";

typedef struct run {
    uint8_t out[4096];
    size_t out_len;
    char log[512]; /* the events: "C0100/0101/1024 P25 P..." */
    int rc;        /* the last negative result, 0 */
} run;

static void logf_(run *r, const char *s) { strncat(r->log, s, sizeof r->log - strlen(r->log) - 1); }

/* The stand-in engine: accept TSAPs 0100 -> 0101, answer setup and read Jobs. */
static int answer(s7_sconn *sc, s7_buf *out, const s7_sconn_event *ev, run *r)
{
    char e[64];
    if (ev->kind == S7_SEV_CONNECT) {
        snprintf(e, sizeof e, "C%04X/%04X/%u ", ev->calling_tsap, ev->called_tsap,
                 (unsigned)ev->tpdu);
        logf_(r, e);
        return ev->called_tsap == 0x0101 ? s7_sconn_accept(sc, out)
                                         : s7_sconn_refuse(sc, "wrong rack/slot");
    }
    snprintf(e, sizeof e, "P%zu ", ev->len);
    logf_(r, e);
    s7_pdu req;
    if (s7_pdu_decode(ev->pdu, ev->len, &req) < 0)
        return s7_sconn_fail(sc, S7_ERR_S7HDR, "bad pdu");
    size_t cap;
    uint8_t *reply = s7_sconn_reply_begin(sc, out, &cap);
    if (!reply)
        return S7_ERR_NOMEM;
    int n;
    if (req.param_len && req.param[0] == S7_FN_SETUP) {
        s7_setup s = {1, 1, 240};
        n = s7_setup_resp_encode(reply, cap, req.ref, &s);
    } else {
        /* a read reply as long as the request asked (DB1, count bytes) */
        static uint8_t data[1000];
        for (size_t i = 0; i < sizeof data; i++)
            data[i] = (uint8_t)i;
        uint16_t count = req.param_len >= 8 ? (uint16_t)(req.param[6] << 8 | req.param[7]) : 4;
        s7_data_item it = {S7_RC_OK, 0, 0, data, count <= sizeof data ? count : 4};
        n = s7_read_resp_encode(reply, cap, req.ref, &it, 1);
    }
    return s7_sconn_reply_end(sc, out, n > 0 ? (size_t)n : 0);
}

/* The client stream in[0..len), cut at cuts[], through one connection, carrying
 * incomplete frames from chunk to chunk as the server engine does. */
static void drive(const uint8_t *in, size_t len, const size_t *cuts, size_t ncuts, run *r)
{
    memset(r, 0, sizeof *r);
    s7_sconn *sc = s7_sconn_new();
    s7_buf out = {0};
    uint8_t *pend = malloc(len + 1);
    size_t plen = 0, from = 0;
    for (size_t i = 0; i <= ncuts && !r->rc; i++) {
        size_t to = i < ncuts ? cuts[i] : len;
        memcpy(pend + plen, in + from, to - from);
        plen += to - from;
        from = to;
        size_t off = 0;
        for (;;) {
            s7_sconn_event ev;
            int n = s7_sconn_recv(sc, pend + off, plen - off, &out, &ev);
            if (n < 0) {
                r->rc = n;
                break;
            }
            off += (size_t)n;
            if (ev.kind == S7_SEV_NONE)
                break;
            int rc = answer(sc, &out, &ev, r);
            if (rc < 0) {
                r->rc = rc;
                break;
            }
        }
        memmove(pend, pend + off, plen - off);
        plen -= off;
    }
    if (out.len && out.len <= sizeof r->out) {
        memcpy(r->out, out.p, out.len);
        r->out_len = out.len;
    }
    if (r->rc)
        logf_(r, s7_sconn_reason(sc));
    free(pend);
    s7_buf_free(&out);
    s7_sconn_free(sc);
}

static size_t client_stream(uint8_t *buf, int fragmented)
{
    size_t n = t_hex(CR_HEX, buf, 64);
    n += t_hex(SETUP_HEX, buf + n, 64);
    s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    uint8_t pdu[64];
    int k = s7_read_req_encode(pdu, sizeof pdu, 2, &spec, 1);
    if (!fragmented) {
        memcpy(buf + n + S7_ISO_HDR_LEN, pdu, (size_t)k);
        return n + (size_t)s7_iso_dt_wrap(buf + n, 128, (size_t)k, 1);
    }
    memcpy(buf + n + S7_ISO_HDR_LEN, pdu, 10);
    n += (size_t)s7_iso_dt_wrap(buf + n, 128, 10, 0);
    n += (size_t)t_hex("03 00 00 07 02 F0 00", buf + n, 16); /* an empty fast acknowledge */
    memcpy(buf + n + S7_ISO_HDR_LEN, pdu + 10, (size_t)k - 10);
    return n + (size_t)s7_iso_dt_wrap(buf + n, 128, (size_t)k - 10, 1);
}

static void test_splits(void)
{
    for (int frag = 0; frag < 2; frag++) {
        uint8_t in[256];
        size_t len = client_stream(in, frag);
        run whole, r;
        drive(in, len, NULL, 0, &whole);
        CHECK_INT(whole.rc, 0);
        CHECK_STR(whole.log, "C0100/0101/1024 P18 P24 ");
        /* CC (22 bytes) + setup reply (27) + read reply (7 + 22) */
        CHECK_INT(whole.out_len, 22 + 27 + 29);
        uint8_t cc[32];
        size_t cl = t_hex("03 00 00 16 11 D0 00 01 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 01", cc,
                          sizeof cc);
        CHECK_MEM(whole.out, cc, cl);
        int bad = 0;
        for (size_t i = 1; i < len; i++) {
            drive(in, len, &i, 1, &r);
            bad += r.rc != 0 || strcmp(r.log, whole.log) != 0 || r.out_len != whole.out_len ||
                   memcmp(r.out, whole.out, whole.out_len) != 0;
        }
        CHECK_INT(bad, 0);
        size_t ones[256];
        for (size_t i = 0; i < len - 1; i++)
            ones[i] = i + 1;
        drive(in, len, ones, len - 1, &r);
        CHECK_STR(r.log, whole.log);
        CHECK_INT(r.out_len, whole.out_len);
        CHECK_MEM(r.out, whole.out, whole.out_len);
        /* a mutated stream (the read's DT with EOT cleared) gives other events */
        in[len - (S7_ISO_HDR_LEN + (frag ? 14 : 24)) + 6] = 0x00;
        drive(in, len, NULL, 0, &r);
        CHECK(strcmp(r.log, whole.log) != 0);
    }
}

/* A connection taken to READY (CR and Setup Communication answered by the stand-in). */
static s7_sconn *ready_conn(s7_buf *out)
{
    uint8_t in[128];
    size_t n = t_hex(CR_HEX, in, 64);
    n += t_hex(SETUP_HEX, in + n, 64);
    s7_sconn *sc = s7_sconn_new();
    run r;
    memset(&r, 0, sizeof r);
    size_t off = 0;
    while (off < n) {
        s7_sconn_event ev;
        int k = s7_sconn_recv(sc, in + off, n - off, out, &ev);
        if (k <= 0 || ev.kind == S7_SEV_NONE || answer(sc, out, &ev, &r) < 0)
            break;
        off += (size_t)k;
    }
    CHECK_INT(s7_sconn_state(sc), S7_SS_READY);
    return sc;
}

/* For every change of a DT frame's first 7 bytes (TPKT version and length, LI, code, EOT),
 * alone and followed by another frame, sconn gives what the frame decoder says of it: the
 * whole PDU it finds, an error, or a wait for more bytes. */
static void test_dt_header(void)
{
    static const uint8_t vals[] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x06, 0x07, 0x08, 0x0F, 0x10, 0x11,
                                   0x1D, 0x1E, 0x1F, 0x80, 0x81, 0xE0, 0xF0, 0xF1, 0xF8, 0xFF};
    s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    uint8_t pdu[64], frame[128];
    int k = s7_read_req_encode(pdu, sizeof pdu, 2, &spec, 1);
    memcpy(frame + S7_ISO_HDR_LEN, pdu, (size_t)k);
    size_t fl = (size_t)s7_iso_dt_wrap(frame, sizeof frame, (size_t)k, 1);
    memcpy(frame + fl, frame, fl); /* a second frame behind it */
    int bad = 0, pdus = 0, errors = 0, waits = 0;
    for (size_t pos = 0; pos < S7_ISO_HDR_LEN; pos++) {
        for (size_t v = 0; v < sizeof vals; v++) {
            for (int two = 0; two < 2; two++) {
                uint8_t f[128];
                size_t len = two ? 2 * fl : fl;
                memcpy(f, frame, len);
                f[pos] = vals[v];
                s7_cotp t;
                int want = s7_frame_decode(f, len, &t);
                s7_buf out = {0};
                s7_sconn *sc = ready_conn(&out);
                s7_sconn_event ev;
                int got = s7_sconn_recv(sc, f, len, &out, &ev);
                if (want == S7_AGAIN) {
                    waits++;
                    bad += got != 0 || ev.kind != S7_SEV_NONE;
                } else if (want < 0) {
                    errors++;
                    bad += got >= 0;
                } else if (t.code == S7_COTP_DT && t.eot && t.user_len) {
                    pdus++;
                    bad += got != want || ev.kind != S7_SEV_PDU || ev.pdu != t.user ||
                           ev.len != t.user_len;
                }
                s7_buf_free(&out);
                s7_sconn_free(sc);
            }
        }
    }
    CHECK_INT(bad, 0);
    CHECK(pdus > 0 && errors > 0 && waits > 0); /* each outcome was tried */
}

/* The CR cr (its CC cc_len bytes), setup, and a read whose reply is 318 bytes: the reply
 * in 3 fragments of at most 128 bytes. */
static void reply_fragments(const char *cr, size_t cc_len, const char *log)
{
    uint8_t in[256];
    size_t n = t_hex(cr, in, 64);
    n += t_hex(SETUP_HEX, in + n, 64);
    s7_var_spec spec = {S7_TS_BYTE, 300, 1, S7_AREA_DB, 0};
    uint8_t pdu[64];
    int k = s7_read_req_encode(pdu, sizeof pdu, 2, &spec, 1);
    memcpy(in + n + S7_ISO_HDR_LEN, pdu, (size_t)k);
    n += (size_t)s7_iso_dt_wrap(in + n, 128, (size_t)k, 1);
    run r;
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, 0);
    CHECK_STR(r.log, log);
    CHECK_INT(r.out[3], cc_len); /* the CC echoes the CR's parameters */
    /* after the CC and the setup reply: 318-byte PDU in 125-byte parts */
    size_t off = cc_len + 27, frames = 0, total = 0;
    uint8_t whole[400];
    int eot = 0;
    while (off < r.out_len) {
        s7_cotp t;
        int f = s7_frame_decode(r.out + off, r.out_len - off, &t);
        if (f <= 0)
            break;
        CHECK(f <= 128 + S7_TPKT_LEN); /* the TPDU size counts the COTP header, not TPKT */
        memcpy(whole + total, t.user, t.user_len);
        total += t.user_len;
        eot = t.eot;
        frames++;
        off += (size_t)f;
    }
    CHECK_INT(frames, 3);
    CHECK_INT(eot, 1);
    CHECK_INT(total, 12 + 2 + 4 + 300);
    s7_pdu p;
    s7_data_item it;
    CHECK(s7_pdu_decode(whole, total, &p) >= 0 && s7_read_resp_decode(&p, &it, 1) >= 0);
    CHECK_INT(it.nbytes, 300);
    CHECK_INT(it.data[299], (uint8_t)299);
}

/* A CR asking for TPDU 128 (0x07): a 300-byte reply leaves in 3 fragments.  So does one
 * with no TPDU size (its CC has none either: ISO 8073's default of 128 octets holds; the
 * reply left as one 325-byte TPDU). */
static void test_reply_fragments(void)
{
    reply_fragments("03 00 00 16 11 E0 00 00 00 01 00 C0 01 07 C1 02 01 00 C2 02 01 01", 22,
                    "C0100/0101/128 P18 P24 ");
    reply_fragments("03 00 00 13 0E E0 00 00 00 01 00 C1 02 01 00 C2 02 01 01", 19,
                    "C0100/0101/0 P18 P24 ");
}

static void test_errors(void)
{
    uint8_t in[128];
    run r;
    /* a CR for another slot: refused, nothing sent */
    size_t n =
        t_hex("03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 02", in, sizeof in);
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, S7_ERR_CR_REJECTED);
    CHECK_INT(r.out_len, 0);
    CHECK(strstr(r.log, "wrong rack/slot") != NULL);
    /* a DR after the handshake: answered with a DC */
    n = t_hex(CR_HEX, in, 64);
    n += t_hex("03 00 00 0B 06 80 00 01 00 07 80", in + n, 32);
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, S7_ERR_CLOSED);
    uint8_t dc[16];
    size_t dl = t_hex("03 00 00 0A 05 C0 00 07 00 01", dc, sizeof dc);
    CHECK_INT(r.out_len, 22 + dl);
    CHECK_MEM(r.out + 22, dc, dl);
    CHECK(strstr(r.log, "disconnect request") != NULL);
    /* a DT before any CR */
    n = t_hex(SETUP_HEX, in, 64);
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, S7_ERR_PROTO);
    CHECK(strstr(r.log, "not a connection request") != NULL);
    /* a first PDU that is not Setup Communication */
    n = t_hex(CR_HEX, in, 64);
    n += t_hex("03 00 00 19 02 F0 80 32 01 00 00 00 01 00 08 00 00 04 00 00 08 00 08 03 C0", in + n,
               64);
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, S7_ERR_PROTO);
    /* a first DT that is empty, with the end mark */
    n = t_hex(CR_HEX, in, 64);
    n += t_hex("03 00 00 07 02 F0 80", in + n, 64);
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, S7_ERR_PROTO);
    CHECK(strstr(r.log, "the first data TPDU was empty (the end mark and no S7 PDU)") != NULL);
    /* a second CR */
    n = t_hex(CR_HEX, in, 64);
    n += t_hex(CR_HEX, in + n, 64);
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, S7_ERR_PROTO);
    /* a malformed TPKT */
    n = t_hex("04 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 01", in, 64);
    drive(in, n, NULL, 0, &r);
    CHECK_INT(r.rc, S7_ERR_TPKT);

    /* the engine must answer an event before it pulls the next */
    s7_sconn *sc = s7_sconn_new();
    s7_buf out = {0};
    s7_sconn_event ev;
    n = t_hex(CR_HEX, in, 64);
    CHECK_STR(s7_sconn_reason(sc), "");
    CHECK_INT(s7_sconn_state(sc), S7_SS_WAIT_CR);
    CHECK_INT(s7_sconn_recv(sc, in, n, &out, &ev), (int)n);
    CHECK_INT(ev.kind, S7_SEV_CONNECT);
    CHECK_INT(s7_sconn_state(sc), S7_SS_CR_PENDING);
    CHECK_INT(s7_sconn_recv(sc, in, n, &out, &ev), S7_ERR_STATE);
    size_t cap;
    CHECK(s7_sconn_reply_begin(sc, &out, &cap) == NULL);
    CHECK_INT(s7_sconn_accept(sc, &out), 0);
    CHECK_INT(s7_sconn_accept(sc, &out), S7_ERR_STATE);
    CHECK_INT(s7_sconn_tpdu(sc), 1024);
    CHECK_INT(s7_sconn_state(sc), S7_SS_WAIT_SETUP);
    n = t_hex(SETUP_HEX, in, 64);
    CHECK_INT(s7_sconn_recv(sc, in, n, &out, &ev), (int)n);
    CHECK_INT(ev.kind, S7_SEV_PDU);
    CHECK_INT(s7_sconn_recv(sc, in, n, &out, &ev), S7_ERR_STATE);
    CHECK_INT(s7_sconn_reply_end(sc, &out, 0), 0); /* no answer */
    CHECK_INT(s7_sconn_state(sc), S7_SS_READY);
    CHECK_INT(s7_sconn_recv(sc, in, 5, &out, &ev), 0); /* an incomplete frame */
    CHECK_INT(ev.kind, S7_SEV_NONE);
    CHECK_INT(s7_sconn_fail(sc, S7_ERR_PARAM, "malformed request: x"), S7_ERR_PARAM);
    CHECK_STR(s7_sconn_reason(sc), "malformed request: x");
    s7_sconn_free(sc);
    s7_buf_free(&out);
    s7_sconn_free(NULL);
    s7_buf_free(NULL);
}

/* ---------------------------------------------------------------- with the CPU model */

typedef struct got {
    int n;
    uint8_t data[4];
} got;

static void on_reply(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu)
{
    got *g = ctx;
    s7_data_item it;
    if (s7_read_resp_decode(pdu, &it, 1) >= 0 && it.nbytes == 4)
        memcpy(g->data, it.data, 4);
    g->n++;
    (void)job;
    (void)sub;
}

/* Move what each side has to send through the pair, and let each side take what it got.
 * Returns 0 or the first error. */
static int pump(s7_conn *c, s7_transport *ct, s7_sconn *sc, s7_cpu *cpu, s7_cpu_session *sess,
                s7_transport *st, uint8_t *pend, size_t *plen)
{
    const uint8_t *p;
    size_t n = s7_conn_tx_pending(c, &p);
    if (n) {
        int w = ct->send(ct->ctx, p, n);
        if (w > 0)
            s7_conn_tx_done(c, (size_t)w);
    }
    int r = st->recv(st->ctx, pend + *plen, 4096 - *plen);
    if (r > 0) {
        *plen += (size_t)r;
        s7_buf out = {0};
        size_t off = 0;
        for (;;) {
            s7_sconn_event ev;
            int k = s7_sconn_recv(sc, pend + off, *plen - off, &out, &ev);
            if (k < 0)
                return k;
            off += (size_t)k;
            if (ev.kind == S7_SEV_CONNECT) {
                const char *why;
                uint16_t in_use[4] = {0, 0, 0, 0};
                if (s7_cpu_accept(cpu, sess, &ev.cr, in_use, &why) < 0)
                    return s7_sconn_refuse(sc, why);
                if (s7_sconn_accept(sc, &out) < 0)
                    return S7_ERR_PROTO;
            } else if (ev.kind == S7_SEV_PDU) {
                size_t cap;
                uint8_t *reply = s7_sconn_reply_begin(sc, &out, &cap);
                int m = s7_cpu_handle(cpu, sess, ev.pdu, ev.len, reply, cap);
                if (m < 0 || s7_sconn_reply_end(sc, &out, (size_t)m) < 0)
                    return S7_ERR_PROTO;
            } else {
                break;
            }
        }
        memmove(pend, pend + off, *plen - off);
        *plen -= off;
        for (size_t o = 0; o < out.len;) {
            int w = st->send(st->ctx, out.p + o, out.len - o);
            if (w <= 0)
                return S7_ERR_IO;
            o += (size_t)w;
        }
        s7_buf_free(&out);
    }
    uint8_t buf[4096];
    int k = ct->recv(ct->ctx, buf, sizeof buf);
    if (k > 0)
        return s7_conn_feed(c, buf, (size_t)k);
    return 0;
}

static void test_cpu_over_memory(size_t chunk)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_cpu_add_db(cpu, 1, 16, 0);
    s7_cpu_set_value(cpu, "DB1.DBD0:DWORD=16#CAFEF00D", NULL, 0);
    s7_cpu_session *sess = s7_cpu_session_new();
    s7_sconn *sc = s7_sconn_new();
    s7_transport ct, st;
    CHECK_INT(s7_transport_mem_pair(&ct, &st, 1 << 17), 0);
    s7_transport_mem_chunk(&ct, chunk);
    s7_transport_mem_chunk(&st, chunk);
    got g;
    memset(&g, 0, sizeof g);
    s7_conn_cfg cfg;
    s7_conn_cfg_init(&cfg);
    cfg.local_tsap = 0x0100;
    cfg.remote_tsap = 0x0102; /* rack 0 slot 2: an S7-300 */
    cfg.on_reply = on_reply;
    cfg.ctx = &g;
    s7_conn *c = s7_conn_new(&cfg);
    s7_conn_start(c);
    uint8_t *pend = malloc(4096);
    size_t plen = 0;
    int rc = 0, submitted = 0;
    for (int turn = 0; turn < 2000 && rc == 0 && g.n == 0; turn++) {
        rc = pump(c, &ct, sc, cpu, sess, &st, pend, &plen);
        if (!submitted && s7_conn_state(c) == S7_CS_READY) {
            size_t cap;
            uint8_t *pdu = s7_conn_submit_begin(c, &cap);
            s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
            int n = s7_read_req_encode(pdu, cap, 0, &spec, 1);
            CHECK(s7_conn_submit_end(c, (size_t)n, NULL, 0) > 0);
            submitted = 1;
        }
    }
    CHECK_INT(rc, 0);
    CHECK_INT(g.n, 1);
    CHECK_MEM(g.data, "\xCA\xFE\xF0\x0D", 4);
    CHECK_INT(s7_cpu_session_conn_type(sess), 1);
    CHECK_INT(s7_cpu_session_pdu(sess), s7_conn_pdu(c));
    free(pend);
    s7_conn_free(c);
    ct.close(ct.ctx);
    st.close(st.ctx);
    s7_sconn_free(sc);
    s7_cpu_session_free(sess);
    s7_cpu_free(cpu);
}

/* The CR answered after the bytes it came in are gone (the guard answers once the CPU
 * accepted its own connection, after the input buffer was freed or reused): the CC
 * still echoes the CR's TSAPs and TPDU size (it read them from the freed buffer). */
static void test_accept_later(void)
{
    s7_sconn *sc = s7_sconn_new();
    s7_buf out = {0};
    s7_sconn_event ev;
    uint8_t in[64], want[64];
    size_t n = t_hex(CR_HEX, in, sizeof in);
    CHECK_INT(s7_sconn_recv(sc, in, n, &out, &ev), (int)n);
    CHECK_INT(ev.kind, S7_SEV_CONNECT);
    memset(in, 0xEE, sizeof in); /* the input buffer reused */
    CHECK_INT(s7_sconn_accept(sc, &out), 0);
    /* the CC: TPKT, 0xD0, dst ref = the CR's src ref, src ref 1, C0 0A, C1 01 00, C2 01 01 */
    size_t wl = t_hex("03 00 00 16 11 D0 00 01 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 01", want,
                      sizeof want);
    CHECK_INT(out.len, wl);
    CHECK_MEM(out.p, want, wl);
    CHECK_INT(s7_sconn_tpdu(sc), 1024);
    s7_buf_free(&out);
    s7_sconn_free(sc);
}

int main(void)
{
    test_accept_later();
    test_splits();
    test_reply_fragments();
    test_dt_header();
    test_errors();
    test_cpu_over_memory(0);
    test_cpu_over_memory(1);
    test_cpu_over_memory(7);
    return t_done();
}
