/* One BSEND/BRCV/USEND/URCV partner connection as a sans-I/O state machine
 * (include/s7/exchange_partner.h): COTP CR/CC and Setup Communication on either side,
 * segmented BSEND with one acknowledgement per segment, BRCV reassembly per R_ID, USEND. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/exchange_partner.h"
#include "s7/wire.h"

#define PC_RX_SLOTS 8
#define PC_PDU_MAX 960
#define PC_PDU_MIN 64

typedef struct pc_send {
    struct pc_send *next;
    uint32_t r_id;
    uint8_t *data;
    size_t len, off;
    void *job;
} pc_send;

typedef struct pc_rx {
    int used;
    uint32_t r_id;
    uint8_t seq_out;
    uint8_t *buf;
    size_t total, got;
    int64_t last_ms;
} pc_rx;

struct s7_pconn {
    s7_pconn_cfg cfg;
    int state, err;
    char reason[200];
    uint16_t pdu;
    uint16_t ref;
    uint8_t next_byte;
    /* received stream bytes, and a PDU being reassembled from DT fragments */
    uint8_t *rx;
    size_t rx_len, rx_cap;
    uint8_t *asm_buf;
    size_t asm_len, asm_cap;
    /* bytes to send */
    uint8_t *tx;
    size_t tx_len, tx_off, tx_cap;
    /* BSEND queue: head is the block being sent while off > 0 or awaiting */
    pc_send *head, *tail;
    size_t queued;
    int awaiting; /* a segment of head waits for its acknowledgement */
    uint8_t seq_in, dur;
    int64_t ack_deadline, now;
    pc_rx slots[PC_RX_SLOTS];
};

void s7_pconn_cfg_init(s7_pconn_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->pdu_request = 480;
    cfg->ack_timeout_ms = 3000;
    cfg->segment_timeout_ms = 3000;
}

s7_pconn *s7_pconn_new(const s7_pconn_cfg *cfg)
{
    s7_pconn *pc = calloc(1, sizeof *pc);
    if (!pc)
        return NULL;
    pc->cfg = *cfg;
    if (!pc->cfg.pdu_request)
        pc->cfg.pdu_request = 480;
    if (pc->cfg.pdu_request > PC_PDU_MAX)
        pc->cfg.pdu_request = PC_PDU_MAX;
    if (pc->cfg.pdu_request < PC_PDU_MIN)
        pc->cfg.pdu_request = PC_PDU_MIN;
    if (!pc->cfg.ack_timeout_ms)
        pc->cfg.ack_timeout_ms = 3000;
    if (!pc->cfg.segment_timeout_ms)
        pc->cfg.segment_timeout_ms = 3000;
    pc->ref = 1;
    return pc;
}

static void rx_drop(pc_rx *s)
{
    free(s->buf);
    memset(s, 0, sizeof *s);
}

void s7_pconn_free(s7_pconn *pc)
{
    if (!pc)
        return;
    for (pc_send *s = pc->head, *n; s; s = n) {
        n = s->next;
        free(s->data);
        free(s);
    }
    for (int i = 0; i < PC_RX_SLOTS; i++)
        rx_drop(&pc->slots[i]);
    free(pc->rx);
    free(pc->asm_buf);
    free(pc->tx);
    free(pc);
}

static int fail(s7_pconn *pc, int err, const char *fmt, ...)
{
    if (pc->state == S7_PC_FAILED)
        return pc->err;
    pc->state = S7_PC_FAILED;
    pc->err = err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pc->reason, sizeof pc->reason, fmt, ap);
    va_end(ap);
    return err;
}

static uint8_t next_byte(s7_pconn *pc)
{
    if (++pc->next_byte == 0xFF || pc->next_byte == 0)
        pc->next_byte = 1;
    return pc->next_byte;
}

static int grow(uint8_t **p, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap : 1024;
    while (c < need)
        c *= 2;
    uint8_t *n = realloc(*p, c);
    if (!n)
        return S7_ERR_NOMEM;
    *p = n;
    *cap = c;
    return 0;
}

/* Room for a frame of up to n bytes at the end of tx. */
static uint8_t *tx_room(s7_pconn *pc, size_t n)
{
    if (pc->tx_off == pc->tx_len)
        pc->tx_off = pc->tx_len = 0;
    if (grow(&pc->tx, &pc->tx_cap, pc->tx_len + n) < 0)
        return NULL;
    return pc->tx + pc->tx_len;
}

static void tx_commit(s7_pconn *pc, size_t n)
{
    if (pc->cfg.tap)
        pc->cfg.tap(pc->cfg.tap_ctx, 1, pc->tx + pc->tx_len, n);
    pc->tx_len += n;
}

/* Frame an S7 PDU that enc writes at buf + 7 (cap bytes there); returns 0 or an error. */
typedef int (*pdu_enc_fn)(s7_pconn *pc, uint8_t *buf, size_t cap, const void *arg);

static int send_pdu(s7_pconn *pc, size_t cap, pdu_enc_fn enc, const void *arg)
{
    uint8_t *f = tx_room(pc, cap + S7_ISO_HDR_LEN);
    if (!f)
        return fail(pc, S7_ERR_NOMEM, "out of memory for a frame to send");
    int n = enc(pc, f + S7_ISO_HDR_LEN, cap, arg);
    if (n < 0)
        return fail(pc, n, "could not encode a PDU: %s", s7_strerror(n));
    int fl = s7_iso_dt_wrap(f, cap + S7_ISO_HDR_LEN, (size_t)n, 1);
    if (fl < 0)
        return fail(pc, fl, "could not frame a PDU: %s", s7_strerror(fl));
    tx_commit(pc, (size_t)fl);
    return 0;
}

static uint16_t take_ref(s7_pconn *pc)
{
    uint16_t r = pc->ref++;
    if (pc->ref == 0)
        pc->ref = 1;
    return r;
}

/* ---------------------------------------------------------------- BSEND (sending side) */

static void send_finish(s7_pconn *pc, int err)
{
    pc_send *s = pc->head;
    if (!s)
        return;
    pc->head = s->next;
    if (!pc->head)
        pc->tail = NULL;
    pc->queued--;
    pc->awaiting = 0;
    if (pc->cfg.on_sent)
        pc->cfg.on_sent(pc->cfg.ctx, s->r_id, err, s->job);
    free(s->data);
    free(s);
}

static int enc_segment(s7_pconn *pc, uint8_t *buf, size_t cap, const void *arg)
{
    (void)arg;
    pc_send *s = pc->head;
    int first = s->off == 0;
    size_t max = s7_bsend_seg_max(pc->pdu, first);
    size_t n = s->len - s->off;
    if (n > max)
        n = max;
    s7_bsend b = {.seq = first ? 0 : pc->seq_in, .r_id = s->r_id};
    if (first)
        pc->dur = n == s->len ? 0 : next_byte(pc);
    b.dur = pc->dur;
    b.last = s->off + n == s->len ? 0 : 1;
    int r = s7_bsend_seg_encode(buf, cap, take_ref(pc), &b, first, (uint16_t)s->len,
                                s->data + s->off, (uint16_t)n);
    if (r >= 0)
        s->off += n;
    return r;
}

/* Send the next segment of the head block when linked and nothing awaits an ack. */
static int send_kick(s7_pconn *pc)
{
    if (pc->state != S7_PC_LINKED || pc->awaiting || !pc->head)
        return 0;
    int r = send_pdu(pc, pc->pdu, enc_segment, NULL);
    if (r < 0)
        return r;
    pc->awaiting = 1;
    pc->ack_deadline = pc->now + pc->cfg.ack_timeout_ms;
    return 0;
}

int s7_pconn_bsend(s7_pconn *pc, uint32_t r_id, const void *data, size_t len, void *job,
                   int64_t now_ms)
{
    if (!pc || !data || len == 0 || len > S7_BSEND_MAX)
        return S7_ERR_INVAL;
    pc_send *s = calloc(1, sizeof *s);
    if (!s || !(s->data = malloc(len))) {
        free(s);
        return S7_ERR_NOMEM;
    }
    memcpy(s->data, data, len);
    s->len = len;
    s->r_id = r_id;
    s->job = job;
    if (pc->tail)
        pc->tail->next = s;
    else
        pc->head = s;
    pc->tail = s;
    pc->queued++;
    pc->now = now_ms;
    send_kick(pc);
    return 0;
}

size_t s7_pconn_pending(const s7_pconn *pc) { return pc->queued; }

static int handle_ack(s7_pconn *pc, const s7_bsend *b)
{
    if (!pc->awaiting || !pc->head)
        return fail(pc, S7_ERR_PROTO,
                    "the partner acknowledged a BSEND segment that was not sent (sequence %u)",
                    b->seq);
    pc->awaiting = 0;
    if (b->err) {
        send_finish(pc, S7_ERR_PLC); /* a negative acknowledgement: STATUS 2 */
        return send_kick(pc);
    }
    pc->seq_in = b->seq;
    if (pc->head->off == pc->head->len)
        send_finish(pc, 0);
    return send_kick(pc);
}

/* ---------------------------------------------------------------- USEND */

typedef struct usend_arg {
    uint32_t r_id;
    const void *data;
    size_t len;
} usend_arg;

static int enc_usend(s7_pconn *pc, uint8_t *buf, size_t cap, const void *arg)
{
    const usend_arg *a = arg;
    return s7_usend_encode(buf, cap, take_ref(pc), a->r_id, a->data, (uint16_t)a->len);
}

int s7_pconn_usend(s7_pconn *pc, uint32_t r_id, const void *data, size_t len)
{
    if (!pc || (len && !data))
        return S7_ERR_INVAL;
    if (pc->state != S7_PC_LINKED)
        return S7_ERR_STATE;
    if (len == 0 || len > s7_usend_max(pc->pdu))
        return S7_ERR_TOOBIG;
    usend_arg a = {r_id, data, len};
    return send_pdu(pc, pc->pdu, enc_usend, &a);
}

/* ---------------------------------------------------------------- BRCV (receiving side) */

static int enc_ack(s7_pconn *pc, uint8_t *buf, size_t cap, const void *arg)
{
    const uint8_t *seq = arg;
    return s7_bsend_ack_encode(buf, cap, take_ref(pc), *seq, 0);
}

static pc_rx *slot_find(s7_pconn *pc, uint32_t r_id)
{
    for (int i = 0; i < PC_RX_SLOTS; i++)
        if (pc->slots[i].used && pc->slots[i].r_id == r_id)
            return &pc->slots[i];
    return NULL;
}

static int handle_segment(s7_pconn *pc, const s7_bsend *b)
{
    pc_rx *s = slot_find(pc, b->r_id);
    const uint8_t *d = b->data;
    size_t n = b->dlen;
    if (!s || b->seq == 0) { /* the first segment of a block: it carries the total length */
        if (n < 2)
            return fail(pc, S7_ERR_PROTO, "the first BSEND segment of R_ID %u has no total length",
                        b->r_id);
        size_t total = ((size_t)d[0] << 8) | d[1];
        if (total == 0 || total > S7_BSEND_MAX)
            return fail(pc, S7_ERR_PROTO,
                        "the first BSEND segment of R_ID %u announces %zu bytes (1..65534)",
                        b->r_id, total);
        if (!s) {
            for (int i = 0; i < PC_RX_SLOTS && !s; i++)
                if (!pc->slots[i].used)
                    s = &pc->slots[i];
            if (!s)
                return fail(pc, S7_ERR_PROTO,
                            "more than %d BSEND blocks are being received at once", PC_RX_SLOTS);
        }
        uint8_t *nb = realloc(s->buf, total);
        if (!nb)
            return fail(pc, S7_ERR_NOMEM, "out of memory for a %zu-byte block", total);
        s->buf = nb;
        s->used = 1;
        s->r_id = b->r_id;
        s->total = total;
        s->got = 0;
        s->seq_out = next_byte(pc);
        d += 2;
        n -= 2;
    }
    if (s->got + n > s->total)
        return fail(pc, S7_ERR_PROTO,
                    "BSEND segments of R_ID %u carry more than the %zu bytes announced", b->r_id,
                    s->total);
    if (n)
        memcpy(s->buf + s->got, d, n);
    s->got += n;
    s->last_ms = pc->now;
    uint8_t seq = s->seq_out;
    int r = send_pdu(pc, 64, enc_ack, &seq);
    if (r < 0)
        return r;
    if (b->last == 0) {
        if (s->got != s->total)
            return fail(pc, S7_ERR_PROTO,
                        "the last BSEND segment of R_ID %u ends the block at %zu of %zu bytes",
                        b->r_id, s->got, s->total);
        if (pc->cfg.on_recv)
            pc->cfg.on_recv(pc->cfg.ctx, s->r_id, s->buf, s->total, 0);
        rx_drop(s);
    }
    return 0;
}

/* ---------------------------------------------------------------- set-up */

static int enc_setup_req(s7_pconn *pc, uint8_t *buf, size_t cap, const void *arg)
{
    (void)arg;
    s7_setup s = {.amq_calling = 1, .amq_called = 1, .pdu_len = pc->cfg.pdu_request};
    return s7_setup_req_encode(buf, cap, take_ref(pc), &s);
}

typedef struct setup_arg {
    uint16_t ref;
    s7_setup s;
} setup_arg;

static int enc_setup_resp(s7_pconn *pc, uint8_t *buf, size_t cap, const void *arg)
{
    (void)pc;
    const setup_arg *a = arg;
    return s7_setup_resp_encode(buf, cap, a->ref, &a->s);
}

int s7_pconn_start(s7_pconn *pc, int64_t now_ms)
{
    if (!pc->cfg.active || pc->state != S7_PC_IDLE)
        return S7_ERR_STATE;
    pc->now = now_ms;
    uint8_t calling[2] = {(uint8_t)(pc->cfg.local_tsap >> 8), (uint8_t)pc->cfg.local_tsap};
    uint8_t called[2] = {(uint8_t)(pc->cfg.remote_tsap >> 8), (uint8_t)pc->cfg.remote_tsap};
    s7_cotp cr = {.code = S7_COTP_CR,
                  .src_ref = 1,
                  .tpdu_size = 0x0A,
                  .calling_len = 2,
                  .calling = calling,
                  .called_len = 2,
                  .called = called};
    uint8_t *f = tx_room(pc, 64);
    if (!f)
        return fail(pc, S7_ERR_NOMEM, "out of memory");
    int n = s7_cotp_encode(f, 64, &cr);
    if (n < 0)
        return fail(pc, n, "could not encode the CR");
    tx_commit(pc, (size_t)n);
    pc->state = S7_PC_CR_SENT;
    return 0;
}

static int handle_cr(s7_pconn *pc, const s7_cotp *t)
{
    if (pc->cfg.active || pc->state != S7_PC_IDLE)
        return fail(pc, S7_ERR_PROTO, "a COTP CR arrived on a connection already set up");
    s7_cotp cc = {.code = S7_COTP_CC,
                  .dst_ref = t->src_ref,
                  .src_ref = 1,
                  .tpdu_size = t->tpdu_size ? (t->tpdu_size > 0x0A ? 0x0A : t->tpdu_size) : 0,
                  .calling_len = t->calling_len,
                  .calling = t->calling,
                  .called_len = t->called_len,
                  .called = t->called};
    uint8_t *f = tx_room(pc, 128 + 2 * S7_TSAP_MAX);
    if (!f)
        return fail(pc, S7_ERR_NOMEM, "out of memory");
    int n = s7_cotp_encode(f, 128 + 2 * S7_TSAP_MAX, &cc);
    if (n < 0)
        return fail(pc, n, "could not encode the CC");
    tx_commit(pc, (size_t)n);
    pc->state = S7_PC_WAIT_SETUP;
    return 0;
}

static int linked(s7_pconn *pc, uint16_t pdu)
{
    if (pdu < PC_PDU_MIN)
        return fail(pc, S7_ERR_NEGOTIATION,
                    "the partner negotiated a PDU of %u bytes (at least %d)", pdu, PC_PDU_MIN);
    pc->pdu = pdu > PC_PDU_MAX ? PC_PDU_MAX : pdu;
    pc->state = S7_PC_LINKED;
    return send_kick(pc);
}

static int handle_pdu(s7_pconn *pc, const uint8_t *buf, size_t len)
{
    s7_pdu pdu;
    int r = s7_pdu_decode(buf, len, &pdu);
    if (r < 0)
        return fail(pc, r, "malformed S7 PDU (%zu bytes): %s", len, s7_strerror(r));
    if (pdu.rosctr == S7_JOB && pdu.param_len >= 1 && pdu.param[0] == S7_FN_SETUP) {
        s7_setup s;
        if (pc->cfg.active || (pc->state != S7_PC_WAIT_SETUP && pc->state != S7_PC_LINKED) ||
            s7_setup_decode(&pdu, &s) < 0)
            return fail(pc, S7_ERR_PROTO, "unexpected or malformed Setup Communication request");
        setup_arg a = {.ref = pdu.ref, .s = s};
        if (a.s.pdu_len > pc->cfg.pdu_request)
            a.s.pdu_len = pc->cfg.pdu_request;
        r = send_pdu(pc, 64, enc_setup_resp, &a);
        return r < 0 ? r : linked(pc, a.s.pdu_len);
    }
    if (pdu.rosctr == S7_ACK_DATA && pdu.param_len >= 1 && pdu.param[0] == S7_FN_SETUP) {
        s7_setup s;
        if (pc->state != S7_PC_SETUP_SENT || s7_setup_decode(&pdu, &s) < 0)
            return fail(pc, S7_ERR_NEGOTIATION,
                        "unexpected or malformed Setup Communication reply");
        if (pdu.err_class || pdu.err_code)
            return fail(pc, S7_ERR_NEGOTIATION,
                        "the partner refused the Setup Communication (error 0x%02X%02X)",
                        pdu.err_class, pdu.err_code);
        return linked(pc, s.pdu_len);
    }
    if (pdu.rosctr != S7_USERDATA)
        return fail(pc, S7_ERR_PROTO,
                    "a partner connection carries only BSEND/USEND Userdata, got PDU type %u",
                    pdu.rosctr);
    if (pc->state != S7_PC_LINKED)
        return fail(pc, S7_ERR_PROTO, "Userdata before the Setup Communication");
    if (s7_usend_is(&pdu)) {
        uint32_t r_id;
        const uint8_t *d;
        uint16_t n;
        if (s7_usend_decode(&pdu, &r_id, &d, &n) < 0)
            return fail(pc, S7_ERR_PARAM, "malformed USEND PDU");
        if (n == 0)
            return fail(pc, S7_ERR_PARAM, "a USEND of R_ID %u without data", r_id);
        if (pc->cfg.on_recv)
            pc->cfg.on_recv(pc->cfg.ctx, r_id, d, n, 1);
        return 0;
    }
    s7_bsend b;
    if (s7_bsend_decode(&pdu, &b) < 0)
        return fail(pc, S7_ERR_PARAM,
                    "malformed or unsupported Userdata on a partner connection (not a BSEND "
                    "segment, acknowledgement or USEND)");
    return b.type == S7_UD_TYPE_REQ ? handle_segment(pc, &b) : handle_ack(pc, &b);
}

static int handle_frame(s7_pconn *pc, const s7_cotp *t, const uint8_t *frame, size_t flen)
{
    if (pc->cfg.tap)
        pc->cfg.tap(pc->cfg.tap_ctx, 0, frame, flen);
    switch (t->code) {
    case S7_COTP_CR: return handle_cr(pc, t);
    case S7_COTP_CC:
        if (!pc->cfg.active || pc->state != S7_PC_CR_SENT)
            return fail(pc, S7_ERR_PROTO, "an unexpected COTP CC");
        pc->state = S7_PC_SETUP_SENT;
        return send_pdu(pc, 64, enc_setup_req, NULL);
    case S7_COTP_DT:
        if (pc->state != S7_PC_SETUP_SENT && pc->state != S7_PC_WAIT_SETUP &&
            pc->state != S7_PC_LINKED)
            return fail(pc, S7_ERR_PROTO, "COTP data before the connection was confirmed");
        if (t->eot && pc->asm_len == 0)
            return handle_pdu(pc, t->user, t->user_len);
        if (pc->asm_len + t->user_len > S7_FRAME_MAX ||
            grow(&pc->asm_buf, &pc->asm_cap, pc->asm_len + t->user_len) < 0)
            return fail(pc, S7_ERR_PROTO, "a fragmented PDU longer than 65535 bytes");
        if (t->user_len) /* a DT without data: nothing to append (t->user may be NULL) */
            memcpy(pc->asm_buf + pc->asm_len, t->user, t->user_len);
        pc->asm_len += t->user_len;
        if (!t->eot)
            return 0;
        size_t n = pc->asm_len;
        pc->asm_len = 0;
        return handle_pdu(pc, pc->asm_buf, n);
    case S7_COTP_DR: return fail(pc, S7_ERR_CLOSED, "the partner disconnected (COTP DR)");
    default: return fail(pc, S7_ERR_COTP, "unexpected COTP TPDU 0x%02X", t->code);
    }
}

int s7_pconn_feed(s7_pconn *pc, const uint8_t *buf, size_t len, int64_t now_ms)
{
    if (pc->state == S7_PC_FAILED)
        return pc->err;
    pc->now = now_ms;
    const uint8_t *p = buf;
    size_t n = len;
    if (pc->rx_len) { /* bytes of an incomplete frame are waiting: append */
        if (grow(&pc->rx, &pc->rx_cap, pc->rx_len + len) < 0)
            return fail(pc, S7_ERR_NOMEM, "out of memory");
        memcpy(pc->rx + pc->rx_len, buf, len);
        pc->rx_len += len;
        p = pc->rx;
        n = pc->rx_len;
    }
    size_t off = 0;
    while (off < n && pc->state != S7_PC_FAILED) {
        s7_cotp t;
        int r = s7_frame_decode(p + off, n - off, &t);
        if (r == S7_AGAIN)
            break;
        if (r < 0)
            return fail(pc, r, "malformed frame: %s", s7_strerror(r));
        int h = handle_frame(pc, &t, p + off, (size_t)r);
        off += (size_t)r;
        if (h < 0)
            return h;
    }
    if (pc->state == S7_PC_FAILED)
        return pc->err;
    /* keep the rest (an incomplete frame) */
    size_t rest = n - off;
    if (p == pc->rx) {
        memmove(pc->rx, pc->rx + off, rest);
        pc->rx_len = rest;
    } else if (rest) {
        if (grow(&pc->rx, &pc->rx_cap, rest) < 0)
            return fail(pc, S7_ERR_NOMEM, "out of memory");
        memcpy(pc->rx, p + off, rest);
        pc->rx_len = rest;
    }
    return 0;
}

size_t s7_pconn_tx_pending(const s7_pconn *pc, const uint8_t **p)
{
    *p = pc->tx ? pc->tx + pc->tx_off : pc->tx; /* nothing sent yet: no buffer */
    return pc->tx_len - pc->tx_off;
}

void s7_pconn_tx_done(s7_pconn *pc, size_t n)
{
    pc->tx_off += n;
    if (pc->tx_off >= pc->tx_len)
        pc->tx_off = pc->tx_len = 0;
}

int s7_pconn_tick(s7_pconn *pc, int64_t now_ms)
{
    pc->now = now_ms;
    if (pc->state == S7_PC_FAILED)
        return pc->err;
    for (int i = 0; i < PC_RX_SLOTS; i++) /* a block whose sender went quiet */
        if (pc->slots[i].used && now_ms - pc->slots[i].last_ms > pc->cfg.segment_timeout_ms)
            rx_drop(&pc->slots[i]);
    if (pc->awaiting && now_ms >= pc->ack_deadline)
        return fail(pc, S7_ERR_TIMEOUT,
                    "the partner did not acknowledge a BSEND segment of R_ID %u within %u ms",
                    pc->head ? pc->head->r_id : 0, pc->cfg.ack_timeout_ms);
    return 0;
}

int64_t s7_pconn_deadline(const s7_pconn *pc)
{
    int64_t d = INT64_MAX;
    if (pc->awaiting)
        d = pc->ack_deadline;
    for (int i = 0; i < PC_RX_SLOTS; i++)
        if (pc->slots[i].used && pc->slots[i].last_ms + pc->cfg.segment_timeout_ms < d)
            d = pc->slots[i].last_ms + pc->cfg.segment_timeout_ms;
    return d;
}

void s7_pconn_reset(s7_pconn *pc)
{
    if (pc->head && (pc->awaiting || pc->head->off > 0))
        send_finish(pc, pc->err == S7_ERR_TIMEOUT ? S7_ERR_TIMEOUT : S7_ERR_CLOSED);
    pc->awaiting = 0;
    for (int i = 0; i < PC_RX_SLOTS; i++)
        rx_drop(&pc->slots[i]);
    pc->rx_len = pc->asm_len = 0;
    pc->tx_len = pc->tx_off = 0;
    pc->state = S7_PC_IDLE;
    pc->err = 0;
    pc->reason[0] = 0;
    pc->pdu = 0;
}

int s7_pconn_state(const s7_pconn *pc) { return pc->state; }
int s7_pconn_error(const s7_pconn *pc) { return pc->state == S7_PC_FAILED ? pc->err : 0; }
const char *s7_pconn_reason(const s7_pconn *pc) { return pc->reason; }
uint16_t s7_pconn_pdu(const s7_pconn *pc) { return pc->state == S7_PC_LINKED ? pc->pdu : 0; }
