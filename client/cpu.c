/* Client calls that are one request (or a chain of Userdata parts): SZL read with
 * continuation, CPU identity / state / capacity, clock, PLC stop and start. */
#include <stdio.h>
#include <string.h>

#include "client/internal.h"

/* ---------------------------------------------------------------- SZL */
typedef struct szl_ctx {
    uint16_t id, index;
    s7_szl_hdr *hdr;
    uint8_t *buf;
    size_t cap, len;
    size_t total; /* record bytes received (also those beyond cap) */
    uint8_t seq;
    int overflow;
} szl_ctx;

static int szl_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    szl_ctx *x = j->ctx;
    if (sub == 0)
        return s7_szl_req_encode(buf, cap, 0, x->id, x->index);
    return s7_szl_next_req_encode(buf, cap, 0, x->seq);
}

static int szl_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    szl_ctx *x = j->ctx;
    s7_ud u;
    int rc = s7__ud_answer(c, pdu, &u, -1);
    if (rc == S7_ERR_PARAM)
        s7__set_problem(c,
                        "SZL 0x%04X index 0x%04X: the answer (part %u) is not a well-formed "
                        "Userdata answer (PDU type 0x%02X, parameter block %u bytes, data block %u "
                        "bytes whose item length must fill it)",
                        x->id, x->index, (unsigned)sub + 1, pdu->rosctr, pdu->param_len,
                        pdu->data_len);
    if (rc == 0)
        rc = s7__ud_item(c, &u);
    if (rc < 0)
        return rc;
    const uint8_t *rec = u.payload;
    size_t n = u.plen;
    if (sub == 0) {
        if (s7_szl_hdr_decode(u.payload, u.plen, x->hdr) < 0) {
            s7__set_problem(c,
                            "SZL 0x%04X index 0x%04X: the answer carries %u bytes, fewer than the "
                            "8-byte list header (SZL-ID, index, record length, record count)",
                            x->id, x->index, u.plen);
            return S7_ERR_PARAM;
        }
        if (x->hdr->id != x->id) {
            s7__set_problem(c,
                            "SZL 0x%04X index 0x%04X asked: the answer is the list SZL 0x%04X "
                            "index 0x%04X (payload bytes 0..3)",
                            x->id, x->index, x->hdr->id, x->hdr->index);
            return S7_ERR_PARAM;
        }
        if (x->hdr->rec_len == 0 && x->hdr->rec_count > 0) {
            s7__set_problem(c,
                            "SZL 0x%04X index 0x%04X: the list header announces %u records of 0 "
                            "bytes (payload bytes 4..7)",
                            x->id, x->index, x->hdr->rec_count);
            return S7_ERR_PARAM;
        }
        rec += 8;
        n -= 8;
    }
    x->total += n;
    if (x->len + n > x->cap) {
        x->overflow = 1;
        n = x->cap - x->len;
    }
    if (n)
        memcpy(x->buf + x->len, rec, n);
    x->len += n;
    if (u.last) {
        if (sub >= 255)
            return S7_ERR_PROTO; /* a peer that never ends the list */
        x->seq = u.seq;
        j->nsubs++;
        return 0;
    }
    size_t want = (size_t)x->hdr->rec_len * x->hdr->rec_count;
    if (x->total != want) {
        s7__set_problem(c,
                        "SZL 0x%04X index 0x%04X: the list header announces %u records of %u bytes "
                        "(%zu bytes), the answer carries %zu bytes of records (%s)",
                        x->id, x->index, x->hdr->rec_count, x->hdr->rec_len, want, x->total,
                        x->total < want ? "truncated" : "more than announced");
        return S7_ERR_PARAM;
    }
    j->result = x->overflow ? S7_ERR_NOSPACE : (int)x->len;
    return 0;
}

int s7_client_read_szl(s7_client *c, uint16_t id, uint16_t index, s7_szl_hdr *hdr, uint8_t *buf,
                       size_t cap)
{
    s7_szl_hdr h;
    szl_ctx x;
    memset(&x, 0, sizeof x);
    x.id = id;
    x.index = index;
    x.hdr = hdr ? hdr : &h;
    x.buf = buf;
    x.cap = cap;
    memset(x.hdr, 0, sizeof *x.hdr);
    return s7__run_raw(c, szl_enc, szl_rep, &x);
}

/* Copy a space/NUL padded field into a C string, trimmed. */
static void field(char *dst, size_t cap, const uint8_t *src, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n && k + 1 < cap && src[i]; i++)
        dst[k++] = (char)(src[i] >= 0x20 && src[i] < 0x7F ? src[i] : '?');
    while (k && dst[k - 1] == ' ')
        k--;
    dst[k] = 0;
}

int s7_client_cpu_info(s7_client *c, s7_cpu_info *out)
{
    uint8_t buf[2048];
    s7_szl_hdr h;
    int have_order = 0;
    memset(out, 0, sizeof *out);
    int n = s7_client_read_szl(c, 0x0011, 0x0000, &h, buf, sizeof buf);
    if (n < 0 && n != S7_ERR_NOSPACE)
        return n;
    if (n == S7_ERR_NOSPACE)
        n = (int)sizeof buf;
    if (h.rec_len < 28) {
        s7__set_problem(c,
                        "SZL 0x0011: records of %u bytes, where an identification record has 28 "
                        "(index, 20-character order number, type, versions)",
                        h.rec_len);
        return S7_ERR_PARAM;
    }
    for (size_t off = 0; off + h.rec_len <= (size_t)n; off += h.rec_len) {
        const uint8_t *r = buf + off;
        uint16_t idx = (uint16_t)(r[0] << 8 | r[1]);
        if (idx == 0x0001) {
            field(out->order_code, sizeof out->order_code, r + 2, 20);
            have_order = 1;
        }
        if (idx == 0x0007 && r[24] == 'V')
            snprintf(out->version, sizeof out->version, "V%u.%u.%u", r[25], r[26], r[27]);
    }
    if (!out->order_code[0]) {
        s7__set_problem(c,
                        have_order ? "SZL 0x0011: the record with index 0x0001 holds no order "
                                     "number (20 blanks)"
                                   : "SZL 0x0011: none of its %u records has index 0x0001 (the "
                                     "module's order number)",
                        h.rec_count);
        return S7_ERR_PARAM;
    }
    if (!out->version[0] && n >= 3)
        snprintf(out->version, sizeof out->version, "V%u.%u.%u", buf[n - 3], buf[n - 2],
                 buf[n - 1]);
    s7_explain saved = c->last_error;
    int m = s7_client_read_szl(c, 0x001C, 0x0000, &h, buf, sizeof buf);
    if (m == S7_ERR_NOSPACE)
        m = (int)sizeof buf;
    if (m > 0 && h.rec_len < 34) {
        s7__set_problem(c,
                        "SZL 0x001C: records of %u bytes, where a component name record has 34 "
                        "(index, 32-character name)",
                        h.rec_len);
        return S7_ERR_PARAM;
    }
    if (m > 0) {
        for (size_t off = 0; off + h.rec_len <= (size_t)m; off += h.rec_len) {
            const uint8_t *r = buf + off;
            uint16_t idx = (uint16_t)(r[0] << 8 | r[1]);
            char *dst = NULL;
            switch (idx) {
            case 1: dst = out->as_name; break;
            case 2: dst = out->module_name; break;
            case 3: dst = out->plant_id; break;
            case 4: dst = out->copyright; break;
            case 5: dst = out->serial; break;
            case 7: dst = out->module_type; break;
            default: break;
            }
            if (dst)
                field(dst, sizeof out->as_name, r + 2, 32);
        }
    } else if (m < 0 && !s7_err_is_fatal(m)) {
        c->last_error = saved; /* identity without names is still an answer */
    } else if (m < 0) {
        return m;
    }
    return 0;
}

int s7_client_cpu_state(s7_client *c, int *state)
{
    uint8_t buf[256];
    s7_szl_hdr h;
    *state = S7_CPU_UNKNOWN;
    int n = s7_client_read_szl(c, 0x0424, 0x0000, &h, buf, sizeof buf);
    if (n == S7_ERR_NOSPACE)
        n = (int)sizeof buf;
    if (n < 0)
        return n;
    if (h.rec_count < 1 || h.rec_len < 4) {
        s7__set_problem(c,
                        "SZL 0x0424: %u record%s of %u bytes, where the state record has 20 (its "
                        "byte 3 is the operating mode)",
                        h.rec_count, h.rec_count == 1 ? "" : "s", h.rec_len);
        return S7_ERR_PARAM;
    }
    uint8_t mode = buf[3] & 0x0F;
    switch (mode) {
    case 0x03:
    case 0x04: *state = S7_CPU_STOP; break;
    case 0x05:
    case 0x06:
    case 0x07: *state = S7_CPU_STARTUP; break;
    case 0x08: *state = S7_CPU_RUN; break;
    case 0x0A: *state = S7_CPU_HOLD; break;
    case 0x0D: *state = S7_CPU_DEFECT; break;
    default: *state = S7_CPU_UNKNOWN; break;
    }
    return 0;
}

const char *s7_cpu_state_name(int state)
{
    switch (state) {
    case S7_CPU_RUN: return "run";
    case S7_CPU_STOP: return "stop";
    case S7_CPU_STARTUP: return "startup";
    case S7_CPU_HOLD: return "hold";
    case S7_CPU_DEFECT: return "defect";
    default: return "unknown";
    }
}

/* The first record of a one-record SZL as nw 16-bit words (what); returns nw, S7_ERR_PARAM
 * when the record is shorter, or the read's error. */
static int szl_words(s7_client *c, uint16_t id, uint16_t index, uint16_t *w, int nw,
                     const char *what)
{
    uint8_t buf[512];
    s7_szl_hdr h;
    int n = s7_client_read_szl(c, id, index, &h, buf, sizeof buf);
    if (n == S7_ERR_NOSPACE)
        n = (int)sizeof buf;
    if (n < 0)
        return n;
    if (h.rec_count < 1 || h.rec_len < 2 * nw) {
        s7__set_problem(c,
                        "SZL 0x%04X index 0x%04X: %u record%s of %u bytes, where %s needs one of "
                        "at least %d bytes",
                        id, index, h.rec_count, h.rec_count == 1 ? "" : "s", h.rec_len, what,
                        2 * nw);
        return S7_ERR_PARAM;
    }
    for (int k = 0; k < nw; k++)
        w[k] = (uint16_t)(buf[2 * k] << 8 | buf[2 * k + 1]);
    return nw;
}

int s7_client_cpu_caps(s7_client *c, s7_cpu_caps *out)
{
    uint16_t w[10];
    s7_explain saved = c->last_error;
    out->max_pdu = out->max_connections = out->used_connections = -1;
    out->protection_level = out->protection_switch = -1;
    int n = szl_words(c, 0x0131, 0x0001, w, 3, "the communication capability (PDU, connections)");
    if (n < 0 && s7_err_is_fatal(n))
        return n;
    if (n >= 3) {
        out->max_pdu = w[1];
        out->max_connections = w[2];
    }
    n = szl_words(c, 0x0132, 0x0001, w, 9, "the communication status (connections in use)");
    if (n < 0 && s7_err_is_fatal(n))
        return n;
    if (n >= 9)
        out->used_connections = w[3] + w[4] + w[8]; /* u_pg + u_os + used */
    n = szl_words(c, 0x0232, 0x0004, w, 5, "the protection status");
    if (n < 0 && s7_err_is_fatal(n))
        return n;
    if (n >= 5) {
        out->protection_level = w[3]; /* sch_rel: the protection level in force */
        out->protection_switch = w[4];
    }
    c->last_error = saved;
    return 0;
}

/* ---------------------------------------------------------------- clock */
typedef struct clock_ctx {
    s7_datetime *t;
    int set;
} clock_ctx;

static int clock_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    clock_ctx *x = j->ctx;
    return x->set ? s7_clock_set_req_encode(buf, cap, 0, x->t)
                  : s7_clock_read_req_encode(buf, cap, 0);
}

static int clock_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    clock_ctx *x = j->ctx;
    s7_ud u;
    int rc = s7__ud_answer(c, pdu, &u, -1);
    if (rc < 0)
        return rc;
    if (x->set)
        return 0;
    rc = s7__ud_item(c, &u);
    if (rc < 0)
        return rc;
    return s7_clock_payload_decode(u.payload, u.plen, x->t) < 0 ? S7_ERR_PARAM : 0;
}

int s7_client_get_clock(s7_client *c, s7_datetime *t)
{
    clock_ctx x = {t, 0};
    return s7__run_raw(c, clock_enc, clock_rep, &x);
}

int s7_client_set_clock(s7_client *c, const s7_datetime *t)
{
    s7_datetime copy = *t;
    clock_ctx x = {&copy, 1};
    return s7__run_raw(c, clock_enc, clock_rep, &x);
}

/* ---------------------------------------------------------------- stop / start */
typedef struct ctrl_ctx {
    int start;
    int mode;
} ctrl_ctx;

static int ctrl_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    ctrl_ctx *x = j->ctx;
    return x->start ? s7_plc_start_req_encode(buf, cap, 0, x->mode)
                    : s7_plc_stop_req_encode(buf, cap, 0);
}

static int ctrl_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    ctrl_ctx *x = j->ctx;
    int rc = s7__header_error(c, pdu);
    if (rc < 0)
        return rc;
    if (pdu->rosctr != S7_ACK_DATA || pdu->param_len < 1 ||
        pdu->param[0] != (x->start ? S7_FN_PI : S7_FN_STOP))
        return S7_ERR_PARAM;
    /* status byte: 0x07 already in STOP, 0x03 already in RUN (both fine); 0x02 cannot start */
    if (pdu->param_len >= 2 && x->start && pdu->param[1] == 0x02) {
        s7__log(c, S7_LOG_WARN,
                "the CPU cannot start (check its mode switch and diagnostic buffer)");
        return S7_ERR_STATE;
    }
    return 0;
}

int s7_client_plc_stop(s7_client *c)
{
    ctrl_ctx x = {0, 0};
    return s7__run_raw(c, ctrl_enc, ctrl_rep, &x);
}

int s7_client_plc_start(s7_client *c, int mode)
{
    ctrl_ctx x = {1, mode};
    return s7__run_raw(c, ctrl_enc, ctrl_rep, &x);
}
