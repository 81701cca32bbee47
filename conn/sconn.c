/* Server-role connection (sans-I/O): the CR/CC exchange, the Setup Communication check,
 * COTP reassembly and reply fragmentation around the CPU model's s7_cpu_handle(). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/conn.h"
#include "s7/cpu.h"

int s7_buf_reserve(s7_buf *b, size_t more)
{
    if (b->cap - b->len >= more)
        return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more)
        cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p)
        return S7_ERR_NOMEM;
    b->p = p;
    b->cap = cap;
    return 0;
}

void s7_buf_free(s7_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

void s7_sconn_init(s7_sconn *sc, s7_cpu *cpu, s7_cpu_session *sess)
{
    memset(sc, 0, sizeof *sc);
    sc->cpu = cpu;
    sc->sess = sess;
}

void s7_sconn_free(s7_sconn *sc)
{
    free(sc->frag);
    sc->frag = NULL;
    sc->frag_len = 0;
}

static int fail(s7_sconn *sc, int err, const char *fmt, const char *detail)
{
    snprintf(sc->reason, sizeof sc->reason, fmt, detail ? detail : "");
    sc->state = S7_SS_CLOSED;
    return err;
}

/* Answer a CR with a CC that echoes its parameters (22 bytes for 2-byte TSAPs). */
static int on_cr(s7_sconn *sc, const s7_cotp *cr, s7_buf *out, const uint16_t in_use[4])
{
    if (sc->deny)
        return fail(sc, S7_ERR_CR_REJECTED, "%s", sc->deny);
    const char *why = NULL;
    if (s7_cpu_accept(sc->cpu, sc->sess, cr, in_use, &why) < 0)
        return fail(sc, S7_ERR_CR_REJECTED, "connection request refused: %s", why ? why : "no reason given");
    s7_cotp cc = *cr;
    cc.code = S7_COTP_CC;
    cc.dst_ref = cr->src_ref;
    cc.src_ref = 0x0001;
    cc.class_opt = 0;
    cc.user = NULL;
    cc.user_len = 0;
    if (cc.tpdu_size > 0x0B)
        cc.tpdu_size = 0x0B; /* class 0 over RFC 1006: 2048 at most */
    sc->tpdu = s7_tpdu_size_bytes(cc.tpdu_size);
    if (s7_buf_reserve(out, 300) < 0)
        return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
    int n = s7_cotp_encode(out->p + out->len, out->cap - out->len, &cc);
    if (n < 0)
        return fail(sc, S7_ERR_COTP, "cannot echo the CR's parameters%s", NULL);
    out->len += (size_t)n;
    sc->state = S7_SS_WAIT_SETUP;
    return 0;
}

/* Frame the reply PDU written at out->p + out->len + 7 (n bytes), in DT fragments when
 * it is larger than the confirmed TPDU size. */
static int frame_reply(s7_sconn *sc, s7_buf *out, size_t n)
{
    uint8_t *base = out->p + out->len;
    size_t max = sc->tpdu > S7_DT_HDR_LEN ? sc->tpdu - S7_DT_HDR_LEN : n;
    if (n <= max) {
        int k = s7_iso_dt_wrap(base, S7_ISO_HDR_LEN + n, n, 1);
        if (k < 0)
            return k;
        out->len += (size_t)k;
        return 0;
    }
    size_t parts = (n + max - 1) / max;
    if (s7_buf_reserve(out, n + parts * S7_ISO_HDR_LEN + S7_ISO_HDR_LEN) < 0)
        return S7_ERR_NOMEM;
    base = out->p + out->len;
    /* lay the fragments out from the back so the PDU bytes are moved, never overwritten */
    uint8_t *pdu = base + S7_ISO_HDR_LEN;
    memmove(base + parts * S7_ISO_HDR_LEN, pdu, n);
    pdu = base + parts * S7_ISO_HDR_LEN;
    size_t w = 0;
    for (size_t off = 0; off < n; off += max) {
        size_t k = n - off < max ? n - off : max;
        memmove(base + w + S7_ISO_HDR_LEN, pdu + off, k);
        int f = s7_iso_dt_wrap(base + w, S7_ISO_HDR_LEN + k, k, off + k == n);
        if (f < 0)
            return f;
        w += (size_t)f;
    }
    out->len += w;
    return 0;
}

/* A whole S7 PDU from the client. */
static int on_pdu(s7_sconn *sc, const uint8_t *pdu, size_t len, s7_buf *out)
{
    if (sc->state == S7_SS_WAIT_SETUP) {
        /* the first PDU must be Setup Communication */
        if (len < 11 || pdu[0] != S7_PROTO_ID || pdu[1] != S7_JOB || pdu[10] != S7_FN_SETUP)
            return fail(sc, S7_ERR_PROTO, "the first S7 PDU was not Setup Communication%s", NULL);
    }
    size_t cap = 65536;
    if (s7_buf_reserve(out, cap + S7_ISO_HDR_LEN) < 0)
        return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
    int n = s7_cpu_handle(sc->cpu, sc->sess, pdu, len, out->p + out->len + S7_ISO_HDR_LEN, cap);
    if (n < 0)
        return fail(sc, n, "malformed request: %s", s7_strerror(n));
    if (sc->state == S7_SS_WAIT_SETUP)
        sc->state = S7_SS_READY;
    if (n == 0)
        return 0;
    int rc = frame_reply(sc, out, (size_t)n);
    return rc < 0 ? fail(sc, rc, "cannot frame the reply: %s", s7_strerror(rc)) : 0;
}

int s7_sconn_feed(s7_sconn *sc, const uint8_t *in, size_t len, s7_buf *out, const uint16_t in_use[4])
{
    size_t off = 0;
    while (off < len) {
        if (sc->state == S7_SS_CLOSED)
            return S7_ERR_PROTO;
        s7_cotp t;
        int n = s7_frame_decode(in + off, len - off, &t);
        if (n == S7_AGAIN)
            break;
        if (n < 0)
            return fail(sc, n, "malformed frame: %s", s7_strerror(n));
        off += (size_t)n;
        int rc = 0;
        if (sc->state == S7_SS_WAIT_CR) {
            if (t.code != S7_COTP_CR)
                return fail(sc, S7_ERR_PROTO, "the first TPDU was not a connection request%s", NULL);
            rc = on_cr(sc, &t, out, in_use);
        } else if (t.code == S7_COTP_DT) {
            if (!t.eot) {
                if (t.user_len == 0)
                    continue; /* an empty "fast acknowledge" */
                if (sc->frag_len + t.user_len > S7_FRAME_MAX)
                    return fail(sc, S7_ERR_COTP, "fragmented PDU longer than 65535 bytes%s", NULL);
                uint8_t *f = realloc(sc->frag, sc->frag_len + t.user_len);
                if (!f)
                    return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
                sc->frag = f;
                memcpy(sc->frag + sc->frag_len, t.user, t.user_len);
                sc->frag_len += (uint32_t)t.user_len;
                continue;
            }
            if (sc->frag_len) {
                if (sc->frag_len + t.user_len > S7_FRAME_MAX)
                    return fail(sc, S7_ERR_COTP, "fragmented PDU longer than 65535 bytes%s", NULL);
                uint8_t *f = realloc(sc->frag, sc->frag_len + t.user_len);
                if (!f)
                    return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
                if (t.user_len)
                    memcpy(f + sc->frag_len, t.user, t.user_len);
                size_t total = sc->frag_len + t.user_len;
                sc->frag = NULL;
                sc->frag_len = 0;
                rc = on_pdu(sc, f, total, out);
                free(f);
            } else {
                rc = on_pdu(sc, t.user, t.user_len, out);
            }
        } else if (t.code == S7_COTP_DR) {
            s7_cotp dc;
            memset(&dc, 0, sizeof dc);
            dc.code = S7_COTP_DC;
            dc.dst_ref = t.src_ref;
            dc.src_ref = t.dst_ref;
            if (s7_buf_reserve(out, 16) == 0) {
                int k = s7_cotp_encode(out->p + out->len, out->cap - out->len, &dc);
                if (k > 0)
                    out->len += (size_t)k;
            }
            return fail(sc, S7_ERR_CLOSED, "the client sent a disconnect request%s", NULL);
        } else if (t.code == S7_COTP_CR) {
            return fail(sc, S7_ERR_PROTO, "a second connection request on an open connection%s", NULL);
        } else {
            return fail(sc, S7_ERR_COTP, "unexpected COTP TPDU (ER/DC/CC) from the client%s", NULL);
        }
        if (rc < 0)
            return rc;
    }
    return (int)off;
}
