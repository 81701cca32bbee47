/* Server-role connection (sans-I/O): TPKT/COTP framing, the CR/CC exchange, the Setup
 * Communication check, COTP reassembly and reply fragmentation.  The engine pulls the
 * events (a CR, a whole PDU) and answers them; what the answers say (the CPU model) is
 * not known here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn/sconn_impl.h"
#include "util/hot.h"

S7_HOT int s7_buf_reserve(s7_buf *b, size_t more)
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
    if (!b)
        return;
    free(b->p);
    memset(b, 0, sizeof *b);
}

s7_sconn *s7_sconn_new(void) { return calloc(1, sizeof(s7_sconn)); }

void s7_sconn_free(s7_sconn *sc)
{
    if (!sc)
        return;
    free(sc->frag);
    free(sc->done);
    free(sc->crbuf);
    free(sc);
}

int s7_sconn_state(const s7_sconn *sc) { return sc->state; }
size_t s7_sconn_buffered(const s7_sconn *sc) { return sc->frag_len; }
uint32_t s7_sconn_tpdu(const s7_sconn *sc) { return sc->tpdu; }

const char *s7_sconn_reason(const s7_sconn *sc)
{
    return sc->state == S7_SS_CLOSED ? sc->u.reason : "";
}

S7_COLD static int fail(s7_sconn *sc, int err, const char *fmt, const char *detail)
{
    snprintf(sc->u.reason, sizeof sc->u.reason, fmt, detail ? detail : "");
    sc->state = S7_SS_CLOSED;
    sc->owe_reply = 0;
    return err;
}

int s7_sconn_fail(s7_sconn *sc, int err, const char *reason)
{
    return fail(sc, err, "%s", reason ? reason : "");
}

int s7_sconn_refuse(s7_sconn *sc, const char *reason)
{
    if (sc->state != S7_SS_CR_PENDING)
        return S7_ERR_STATE;
    return fail(sc, S7_ERR_CR_REJECTED, "%s", reason ? reason : "connection request refused");
}

/* Answer the pending CR with a CC that echoes its parameters (22 bytes for 2-byte
 * TSAPs). */
int s7_sconn_accept(s7_sconn *sc, s7_buf *out)
{
    if (sc->state != S7_SS_CR_PENDING)
        return S7_ERR_STATE;
    s7_cotp cc = sc->u.cr;
    cc.code = S7_COTP_CC;
    cc.dst_ref = sc->u.cr.src_ref;
    cc.src_ref = 0x0001;
    cc.class_opt = 0;
    cc.user = NULL;
    cc.user_len = 0;
    memset(cc.param_order, 0, sizeof cc.param_order); /* C0, C1, C2 as real CPUs send them */
    if (cc.tpdu_size > 0x0B)
        cc.tpdu_size = 0x0B; /* class 0 over RFC 1006: 2048 at most */
    /* a CR without the TPDU size gets a CC without it: ISO 8073's default of 128 octets
     * then holds both ways, as the client side takes it (conn.c on_cc) */
    sc->tpdu = cc.tpdu_size ? s7_tpdu_size_bytes(cc.tpdu_size) : 128;
    if (s7_buf_reserve(out, 300) < 0)
        return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
    int n = s7_cotp_encode(out->p + out->len, out->cap - out->len, &cc);
    if (n < 0)
        return fail(sc, S7_ERR_COTP, "cannot echo the CR's parameters%s", NULL);
    out->len += (size_t)n;
    memset(&sc->u, 0, sizeof sc->u);
    free(sc->crbuf);
    sc->crbuf = NULL;
    sc->state = S7_SS_WAIT_SETUP;
    return 0;
}

S7_HOT uint8_t *s7_sconn_reply_begin(s7_sconn *sc, s7_buf *out, size_t *cap)
{
    *cap = 0;
    if (!sc->owe_reply)
        return NULL;
    if (s7_buf_reserve(out, 65536 + S7_ISO_HDR_LEN) < 0) {
        fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
        return NULL;
    }
    sc->reply_at = out->len;
    *cap = 65536;
    return out->p + out->len + S7_ISO_HDR_LEN;
}

/* Frame the reply PDU written at out->p + out->len + 7 (n bytes), in DT fragments when
 * it is larger than the confirmed TPDU size. */
S7_HOT static int frame_reply(s7_sconn *sc, s7_buf *out, size_t n)
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

S7_HOT int s7_sconn_reply_end(s7_sconn *sc, s7_buf *out, size_t n)
{
    if (!sc->owe_reply)
        return sc->state == S7_SS_CLOSED ? S7_ERR_PROTO : S7_ERR_STATE;
    sc->owe_reply = 0;
    free(sc->done);
    sc->done = NULL;
    if (sc->state == S7_SS_WAIT_SETUP)
        sc->state = S7_SS_READY;
    if (n == 0)
        return 0;
    if (n > 65536 || out->len != sc->reply_at || out->cap - out->len < n + S7_ISO_HDR_LEN)
        return fail(sc, S7_ERR_STATE, "the reply does not fit the room reserved for it%s", NULL);
    int rc = frame_reply(sc, out, n);
    return rc < 0 ? fail(sc, rc, "cannot frame the reply: %s", s7_strerror(rc)) : 0;
}

int s7_sconn_send(s7_sconn *sc, s7_buf *out, const uint8_t *pdu, size_t n)
{
    if (sc->owe_reply || sc->state != S7_SS_READY || n == 0 || n > 65536)
        return S7_ERR_STATE;
    if (s7_buf_reserve(out, n + S7_ISO_HDR_LEN) < 0)
        return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
    memcpy(out->p + out->len + S7_ISO_HDR_LEN, pdu, n);
    int rc = frame_reply(sc, out, n);
    return rc < 0 ? fail(sc, rc, "cannot frame a PDU: %s", s7_strerror(rc)) : 0;
}

/* A whole S7 PDU from the client: hand it out. */
S7_HOT static int on_pdu(s7_sconn *sc, const uint8_t *pdu, size_t len, s7_sconn_event *ev)
{
    if (sc->state == S7_SS_WAIT_SETUP) {
        /* the first PDU must be Setup Communication */
        if (len == 0)
            return fail(sc, S7_ERR_PROTO,
                        "the first data TPDU was empty (the end mark and no S7 PDU): expected "
                        "Setup Communication%s",
                        NULL);
        if (len < 11 || pdu[0] != S7_PROTO_ID || pdu[1] != S7_JOB || pdu[10] != S7_FN_SETUP)
            return fail(sc, S7_ERR_PROTO, "the first S7 PDU was not Setup Communication%s", NULL);
    }
    ev->kind = S7_SEV_PDU;
    ev->pdu = pdu;
    ev->len = len;
    sc->owe_reply = 1;
    return 0;
}

static uint16_t tsap_value(const uint8_t *p, uint8_t len)
{
    return len == 2 ? (uint16_t)(p[0] << 8 | p[1]) : 0;
}

/* Append a DT fragment's payload to the reassembly buffer. */
static int frag_add(s7_sconn *sc, const s7_cotp *t)
{
    if (sc->frag_len + t->user_len > S7_FRAME_MAX)
        return fail(sc, S7_ERR_COTP, "fragmented PDU longer than 65535 bytes%s", NULL);
    uint8_t *f = realloc(sc->frag, sc->frag_len + t->user_len);
    if (!f)
        return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
    sc->frag = f;
    if (t->user_len)
        memcpy(sc->frag + sc->frag_len, t->user, t->user_len);
    sc->frag_len += (uint32_t)t->user_len;
    return 0;
}

S7_HOT int s7_sconn_recv(s7_sconn *sc, const uint8_t *in, size_t len, s7_buf *out,
                         s7_sconn_event *ev)
{
    memset(ev, 0, sizeof *ev);
    free(sc->done);
    sc->done = NULL;
    if (sc->state == S7_SS_CR_PENDING || sc->owe_reply)
        return S7_ERR_STATE;
    size_t off = 0;
    while (off < len) {
        if (sc->state == S7_SS_CLOSED)
            return S7_ERR_PROTO;
        if (sc->state == S7_SS_WAIT_CR && len - off >= S7_TPKT_LEN && in[off] == 3) {
            unsigned tl = (unsigned)in[off + 2] << 8 | in[off + 3];
            if (tl > S7_CR_FRAME_MAX) {
                char why[40];
                snprintf(why, sizeof why, "%u", tl);
                return fail(sc, S7_ERR_TPKT,
                            "a %s-byte frame before the connection request (a CR has at most "
                            "259 bytes)",
                            why);
            }
        }
        s7_cotp t;
        int n = s7_frame_decode(in + off, len - off, &t);
        if (n == S7_AGAIN)
            break;
        if (n < 0)
            return fail(sc, n, "malformed frame: %s", s7_strerror(n));
        off += (size_t)n;
        if (sc->state == S7_SS_WAIT_CR) {
            if (t.code != S7_COTP_CR)
                return fail(sc, S7_ERR_PROTO, "the first TPDU was not a connection request%s",
                            NULL);
            /* the CR kept whole: s7_sconn_accept may come after the input is gone (a
             * guard answers once the CPU accepted its own connection) */
            free(sc->crbuf);
            sc->crbuf = malloc((size_t)n);
            if (!sc->crbuf)
                return fail(sc, S7_ERR_NOMEM, "out of memory%s", NULL);
            memcpy(sc->crbuf, in + off - (size_t)n, (size_t)n);
            if (s7_frame_decode(sc->crbuf, (size_t)n, &sc->u.cr) != n)
                return fail(sc, S7_ERR_COTP, "malformed frame%s", NULL);
            sc->state = S7_SS_CR_PENDING;
            ev->kind = S7_SEV_CONNECT;
            ev->cr = t;
            ev->calling_tsap = tsap_value(t.calling, t.calling_len);
            ev->called_tsap = tsap_value(t.called, t.called_len);
            ev->tpdu = s7_tpdu_size_bytes(t.tpdu_size);
            return (int)off;
        } else if (t.code == S7_COTP_DT) {
            if (!t.eot) {
                if (t.user_len == 0)
                    continue; /* an empty "fast acknowledge" */
                int rc = frag_add(sc, &t);
                if (rc < 0)
                    return rc;
                continue;
            }
            int rc;
            if (sc->frag_len) {
                rc = frag_add(sc, &t);
                if (rc < 0)
                    return rc;
                sc->done = sc->frag;
                size_t total = sc->frag_len;
                sc->frag = NULL;
                sc->frag_len = 0;
                rc = on_pdu(sc, sc->done, total, ev);
            } else {
                rc = on_pdu(sc, t.user, t.user_len, ev);
            }
            return rc < 0 ? rc : (int)off;
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
            return fail(sc, S7_ERR_PROTO, "a second connection request on an open connection%s",
                        NULL);
        } else {
            return fail(sc, S7_ERR_COTP, "unexpected COTP TPDU (ER/DC/CC) from the client%s", NULL);
        }
    }
    return (int)off;
}
