/* COTP class 0 (ISO 8073) TPDUs as S7 uses them: CR, CC, DT, DR, DC, ER.  Decodes one
 * TPDU or one whole TPKT frame; encodes whole frames (TPKT + TPDU). */
#include <string.h>

#include "wire/wire_int.h"
#include "util/be.h"
#include "util/hot.h"

/* Fixed header length after LI (code byte included) per TPDU type; 0 = not supported. */
static size_t fixed_len(uint8_t code)
{
    switch (code) {
    case S7_COTP_CR:
    case S7_COTP_CC: return 6; /* code, dst-ref, src-ref, class/option */
    case S7_COTP_DR: return 6; /* code, dst-ref, src-ref, reason */
    case S7_COTP_DC: return 5; /* code, dst-ref, src-ref */
    case S7_COTP_ER: return 4; /* code, dst-ref, reject cause */
    case S7_COTP_DT: return 2; /* code, EOT/TPDU-nr */
    default: return 0;
    }
}

/* Parse the parameters of a CR/CC (conn != 0: C0/C1/C2 recorded, others skipped) or of a
 * DR/DC/ER (all skipped).  p covers exactly the variable part of the header.
 * Returns 0 or S7_ERR_COTP. */
static int parse_params(s7__rcur *p, s7_cotp *out, int conn)
{
    unsigned k = 0;
    while (s7__rleft(p) > 0) {
        uint8_t code = s7__r8(p);
        uint8_t plen = s7__r8(p);
        if (p->bad || s7__rleft(p) < plen)
            return S7_ERR_COTP;
        if (!conn || (code != S7_COTP_P_TPDU_SIZE && code != S7_COTP_P_CALLING &&
                      code != S7_COTP_P_CALLED)) {
            (void)s7__rview(p, plen); /* unknown parameter: skip */
            continue;
        }
        for (unsigned i = 0; i < k; i++)
            if (out->param_order[i] == code)
                return S7_ERR_COTP; /* duplicate */
        if (code == S7_COTP_P_TPDU_SIZE) {
            if (plen != 1)
                return S7_ERR_COTP;
            uint8_t v = s7__r8(p);
            if (v < 0x07 || v > 0x0D)
                return S7_ERR_COTP;
            out->tpdu_size = v;
        } else {
            if (plen == 0)
                return S7_ERR_COTP;
            const uint8_t *v = s7__rview(p, plen);
            if (code == S7_COTP_P_CALLING) {
                out->calling = v;
                out->calling_len = plen;
            } else {
                out->called = v;
                out->called_len = plen;
            }
        }
        out->param_order[k++] = code;
    }
    return p->bad ? S7_ERR_COTP : 0;
}

S7_HOT int s7_cotp_decode(const uint8_t *tpdu, size_t len, s7_cotp *out)
{
    memset(out, 0, sizeof *out);
    if (len < 2 || len > S7_FRAME_MAX)
        return S7_ERR_COTP;
    s7__rcur c = s7__rcur_make(tpdu, len);
    uint8_t li = s7__r8(&c);
    uint8_t raw = s7__r8(&c);
    uint8_t code = (uint8_t)(raw & 0xF0);
    size_t fixed = fixed_len(code);
    /* credit nibble only exists in CR/CC; LI 255 is reserved by ISO 8073 */
    if (fixed == 0 || (raw != code && code != S7_COTP_CR && code != S7_COTP_CC))
        return S7_ERR_COTP;
    if (li == 255 || li < fixed || (size_t)li + 1 > len)
        return S7_ERR_COTP;
    out->code = code;

    /* the header (after LI) as its own cursor; user data follows it */
    s7__rcur h = s7__rcur_make(tpdu + 1, li);
    (void)s7__r8(&h);
    if (code == S7_COTP_DT) {
        if (li != 2)
            return S7_ERR_COTP;
        uint8_t b = s7__r8(&h);
        out->eot = (uint8_t)(b >> 7);
        out->nr = (uint8_t)(b & 0x7F);
    } else {
        out->dst_ref = s7__r16(&h);
        if (code != S7_COTP_ER)
            out->src_ref = s7__r16(&h);
        if (code == S7_COTP_CR || code == S7_COTP_CC)
            out->class_opt = s7__r8(&h);
        else if (code == S7_COTP_DR || code == S7_COTP_ER)
            out->reason = s7__r8(&h);
        else if (code == S7_COTP_DC && li == 6)
            out->reason = s7__r8(&h); /* Snap7's DC: LI 6, one extra byte copied from the DR */
        int r = parse_params(&h, out, code == S7_COTP_CR || code == S7_COTP_CC);
        if (r < 0)
            return r;
        /* DC and ER carry no user data */
        if ((code == S7_COTP_DC || code == S7_COTP_ER) && (size_t)li + 1 != len)
            return S7_ERR_COTP;
    }
    if (h.bad)
        return S7_ERR_COTP;
    (void)s7__rview(&c, (size_t)li - 1); /* the header parsed above */
    out->user_len = s7__rleft(&c);
    out->user = out->user_len ? s7__rview(&c, out->user_len) : NULL;
    return (int)len;
}

S7_HOT int s7_frame_decode(const uint8_t *buf, size_t len, s7_cotp *out)
{
    /* the usual frame first: a DT (TPKT version 3, LI 2), read as the general path below
     * reads it, without walking the TPKT and TPDU headers field by field */
    if (len >= S7_TPKT_LEN + 3 && buf[0] == 3 && buf[4] == 2 && buf[5] == S7_COTP_DT) {
        size_t n = s7__be16(buf + 2);
        if (n < S7_TPKT_LEN + 3)
            return S7_ERR_TPKT;
        if (len < n)
            return S7_AGAIN;
        memset(out, 0, sizeof *out);
        out->code = S7_COTP_DT;
        out->eot = (uint8_t)(buf[6] >> 7);
        out->nr = (uint8_t)(buf[6] & 0x7F);
        out->user_len = n - S7_TPKT_LEN - 3;
        out->user = out->user_len ? buf + S7_TPKT_LEN + 3 : NULL;
        return (int)n;
    }
    int n = s7_tpkt_peek(buf, len);
    if (n < 0)
        return n;
    if (len < (size_t)n)
        return S7_AGAIN;
    int r = s7_cotp_decode(buf + S7_TPKT_LEN, (size_t)n - S7_TPKT_LEN, out);
    return r < 0 ? r : n;
}

/* Write one CR/CC parameter if it is present. */
static int write_param(s7__wcur *w, const s7_cotp *t, uint8_t code)
{
    switch (code) {
    case S7_COTP_P_TPDU_SIZE:
        if (t->tpdu_size) {
            s7__w8(w, code);
            s7__w8(w, 1);
            s7__w8(w, t->tpdu_size);
        }
        return 0;
    case S7_COTP_P_CALLING:
    case S7_COTP_P_CALLED: {
        uint8_t n = code == S7_COTP_P_CALLING ? t->calling_len : t->called_len;
        const uint8_t *v = code == S7_COTP_P_CALLING ? t->calling : t->called;
        if (n) {
            if (!v)
                return S7_ERR_INVAL;
            s7__w8(w, code);
            s7__w8(w, n);
            s7__wbytes(w, v, n);
        }
        return 0;
    }
    default: return S7_ERR_INVAL;
    }
}

/* Write the CR/CC parameters: those named in param_order first, in that order, then the
 * remaining present ones in the order C0, C1, C2. */
static int write_conn_params(s7__wcur *w, const s7_cotp *t)
{
    static const uint8_t dflt[3] = {S7_COTP_P_TPDU_SIZE, S7_COTP_P_CALLING, S7_COTP_P_CALLED};
    uint8_t done[3] = {0, 0, 0};
    for (unsigned i = 0; i < 3; i++) {
        uint8_t code = t->param_order[i];
        if (code == 0)
            continue;
        unsigned j = 0;
        while (j < 3 && dflt[j] != code)
            j++;
        if (j == 3 || done[j])
            return S7_ERR_INVAL;
        done[j] = 1;
        int r = write_param(w, t, code);
        if (r < 0)
            return r;
    }
    for (unsigned j = 0; j < 3; j++) {
        if (done[j])
            continue;
        int r = write_param(w, t, dflt[j]);
        if (r < 0)
            return r;
    }
    return 0;
}

int s7_cotp_encode(uint8_t *buf, size_t cap, const s7_cotp *t)
{
    uint8_t code = t->code;
    if (fixed_len(code) == 0)
        return S7_ERR_INVAL;
    if (t->user_len && !t->user)
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__wzero(&w, S7_TPKT_LEN + 1); /* TPKT and LI, patched below */
    s7__w8(&w, code);
    int with_user = 0;
    switch (code) {
    case S7_COTP_DT:
        s7__w8(&w, (uint8_t)((t->eot ? 0x80 : 0) | (t->nr & 0x7F)));
        with_user = 1;
        break;
    case S7_COTP_CR:
    case S7_COTP_CC: {
        s7__w16(&w, t->dst_ref);
        s7__w16(&w, t->src_ref);
        s7__w8(&w, t->class_opt);
        int r = write_conn_params(&w, t);
        if (r < 0)
            return r;
        with_user = 1;
        break;
    }
    case S7_COTP_DR:
        s7__w16(&w, t->dst_ref);
        s7__w16(&w, t->src_ref);
        s7__w8(&w, t->reason);
        with_user = 1;
        break;
    case S7_COTP_DC:
        s7__w16(&w, t->dst_ref);
        s7__w16(&w, t->src_ref);
        break;
    default: /* ER */
        s7__w16(&w, t->dst_ref);
        s7__w8(&w, t->reason);
        break;
    }
    if (w.bad)
        return S7_ERR_NOSPACE;
    size_t li = w.pos - S7_TPKT_LEN - 1;
    if (li > 254)
        return S7_ERR_INVAL;
    if (with_user)
        s7__wbytes(&w, t->user, t->user_len);
    if (w.bad || w.pos > S7_FRAME_MAX)
        return S7_ERR_NOSPACE;
    size_t total = w.pos;
    s7__wcur hw = s7__wcur_make(buf, S7_TPKT_LEN + 1);
    s7__w8(&hw, 3);
    s7__w8(&hw, 0);
    s7__w16(&hw, (uint16_t)total);
    s7__w8(&hw, (uint8_t)li);
    return (int)total;
}

S7_HOT int s7_iso_dt_wrap(uint8_t *buf, size_t cap, size_t pdu_len, int eot)
{
    if (pdu_len > S7_FRAME_MAX - S7_ISO_HDR_LEN || pdu_len + S7_ISO_HDR_LEN > cap)
        return S7_ERR_NOSPACE;
    size_t total = pdu_len + S7_ISO_HDR_LEN;
    s7__wcur w = s7__wcur_make(buf, S7_ISO_HDR_LEN);
    s7__w8(&w, 3);
    s7__w8(&w, 0);
    s7__w16(&w, (uint16_t)total);
    s7__w8(&w, 2);
    s7__w8(&w, S7_COTP_DT);
    s7__w8(&w, eot ? 0x80 : 0x00);
    return w.bad ? S7_ERR_NOSPACE : (int)total;
}
