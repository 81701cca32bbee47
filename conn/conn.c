/* Client-role connection state machine (sans-I/O): CR/CC, Setup Communication, COTP
 * reassembly, PDU-reference assignment and strict matching, the AmQ window. */
#include <stdlib.h>
#include <string.h>

#include "s7/conn.h"
#include "util/hot.h"
#include "util/hotmem.h"

#define S7__SLOTS 256 /* most jobs in flight we ever allow */
#define S7__RX_CAP (S7_FRAME_MAX + 4096)

typedef struct s7__slot {
    uint16_t ref;
    uint8_t used;
    void *job;
    uint32_t sub;
    uint64_t seq; /* submission order */
} s7__slot;

struct s7_conn {
    s7_conn_cfg cfg;
    int state;
    int err;
    uint16_t pdu;
    uint16_t amq;
    uint32_t tpdu; /* confirmed TPDU size in bytes */
    uint16_t next_ref;
    uint64_t seq;
    size_t inflight;
    s7__slot slots[S7__SLOTS];
    /* receive side */
    uint8_t *rx;
    size_t rx_len;
    uint8_t *frag; /* COTP reassembly of EOT=0 fragments */
    size_t frag_len;
    /* send side */
    uint8_t *tx;
    size_t tx_len, tx_off, tx_cap;
    size_t staged;   /* offset of the PDU being encoded (submit_begin) */
    uint8_t *own_tx; /* the connection's own tx buffer while tx is a lent one (NULL: not) */
    size_t own_cap;
    int hold_setup; /* s7_conn_hold_setup */
};

void s7_conn_cfg_init(s7_conn_cfg *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->src_ref = 1;
    cfg->tpdu_size = 0x0A;
    cfg->pdu_request = 960;
    cfg->amq_request = 8;
}

s7_conn *s7_conn_new(const s7_conn_cfg *cfg)
{
    s7_conn *c = s7__hot_zalloc(sizeof *c);
    if (!c)
        return NULL;
    c->cfg = *cfg;
    if (!c->cfg.src_ref)
        c->cfg.src_ref = 1;
    if (!c->cfg.tpdu_size)
        c->cfg.tpdu_size = 0x0A;
    if (!c->cfg.pdu_request)
        c->cfg.pdu_request = 960;
    if (!c->cfg.amq_request)
        c->cfg.amq_request = 8;
    c->rx = malloc(S7__RX_CAP);
    c->frag = malloc(S7_FRAME_MAX);
    c->tx_cap = 4096;
    c->tx = malloc(c->tx_cap);
    if (!c->rx || !c->frag || !c->tx) {
        s7_conn_free(c);
        return NULL;
    }
    c->next_ref = 1;
    return c;
}

void s7_conn_free(s7_conn *c)
{
    if (!c)
        return;
    free(c->rx);
    free(c->frag);
    free(c->own_tx ? c->own_tx : c->tx);
    s7__hot_free(c, sizeof *c);
}

/* Back to the own tx buffer, dropping what the lent one holds. */
static void tx_own(s7_conn *c)
{
    if (c->own_tx) {
        c->tx = c->own_tx;
        c->tx_cap = c->own_cap;
        c->own_tx = NULL;
    }
}

S7_HOT void s7_conn_reset(s7_conn *c)
{
    c->state = S7_CS_IDLE;
    c->err = 0;
    c->pdu = 0;
    c->amq = 0;
    c->tpdu = 0;
    c->inflight = 0;
    memset(c->slots, 0, sizeof c->slots);
    c->rx_len = 0;
    c->frag_len = 0;
    tx_own(c);
    c->tx_len = c->tx_off = 0;
}

int s7_conn_state(const s7_conn *c) { return c->state; }
int s7_conn_error(const s7_conn *c) { return c->err; }
S7_HOT uint16_t s7_conn_pdu(const s7_conn *c) { return c->state == S7_CS_READY ? c->pdu : 0; }
uint16_t s7_conn_amq(const s7_conn *c) { return c->state == S7_CS_READY ? c->amq : 0; }
uint32_t s7_conn_tpdu(const s7_conn *c) { return c->tpdu; }
S7_HOT size_t s7_conn_inflight(const s7_conn *c) { return c->inflight; }

S7_HOT int s7_conn_can_submit(const s7_conn *c)
{
    return c->state == S7_CS_READY && c->inflight < c->amq;
}

void s7_conn_fail(s7_conn *c, int err)
{
    if (c->state != S7_CS_FAILED) {
        c->state = S7_CS_FAILED;
        c->err = err ? err : S7_ERR_PROTO;
    }
}

S7_HOT int s7_conn_tx_lend(s7_conn *c, uint8_t *buf, size_t cap)
{
    if (c->own_tx || c->tx_len != c->tx_off || !buf)
        return 0; /* lent already, or bytes of the own buffer go first */
    c->own_tx = c->tx;
    c->own_cap = c->tx_cap;
    c->tx = buf;
    c->tx_cap = cap;
    c->tx_len = c->tx_off = 0;
    return 1;
}

S7_HOT int s7_conn_tx_unlend(s7_conn *c)
{
    if (!c->own_tx)
        return 0;
    size_t left = c->tx_len - c->tx_off;
    if (left > c->own_cap) {
        uint8_t *t = realloc(c->own_tx, left);
        if (!t) {
            tx_own(c);
            c->tx_len = c->tx_off = 0;
            s7_conn_fail(c, S7_ERR_NOMEM);
            return S7_ERR_NOMEM;
        }
        c->own_tx = t;
        c->own_cap = left;
    }
    if (left)
        memcpy(c->own_tx, c->tx + c->tx_off, left);
    tx_own(c);
    c->tx_off = 0;
    c->tx_len = left;
    return 0;
}

/* Make room for n more bytes at the end of the tx buffer; returns 0 or S7_ERR_NOMEM. */
S7_HOT static int tx_reserve(s7_conn *c, size_t n)
{
    if (c->tx_off && c->tx_off == c->tx_len)
        c->tx_off = c->tx_len = 0;
    if (c->tx_cap - c->tx_len >= n)
        return 0;
    if (c->own_tx && s7_conn_tx_unlend(c) < 0) /* too small a loan: on in the own buffer */
        return S7_ERR_NOMEM;
    if (c->tx_cap - c->tx_len >= n)
        return 0;
    if (c->tx_off) {
        memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
        c->tx_len -= c->tx_off;
        c->tx_off = 0;
        if (c->tx_cap - c->tx_len >= n)
            return 0;
    }
    size_t cap = c->tx_cap;
    while (cap - c->tx_len < n)
        cap *= 2;
    uint8_t *t = realloc(c->tx, cap);
    if (!t)
        return S7_ERR_NOMEM;
    c->tx = t;
    c->tx_cap = cap;
    return 0;
}

static void tap(s7_conn *c, int out, const uint8_t *p, size_t n)
{
    if (c->cfg.tap)
        c->cfg.tap(c->cfg.ctx, out, p, n);
}

int s7_conn_start(s7_conn *c)
{
    uint8_t local[2] = {(uint8_t)(c->cfg.local_tsap >> 8), (uint8_t)c->cfg.local_tsap};
    uint8_t remote[2] = {(uint8_t)(c->cfg.remote_tsap >> 8), (uint8_t)c->cfg.remote_tsap};
    s7_cotp cr;
    memset(&cr, 0, sizeof cr);
    cr.code = S7_COTP_CR;
    cr.src_ref = c->cfg.src_ref;
    cr.tpdu_size = c->cfg.tpdu_size;
    cr.calling = local;
    cr.calling_len = 2;
    cr.called = remote;
    cr.called_len = 2;
    s7_conn_reset(c);
    int rc = tx_reserve(c, 64);
    if (rc < 0)
        return rc;
    int n = s7_cotp_encode(c->tx + c->tx_len, c->tx_cap - c->tx_len, &cr);
    if (n < 0)
        return n;
    tap(c, 1, c->tx + c->tx_len, (size_t)n);
    c->tx_len += (size_t)n;
    c->state = S7_CS_CR_SENT;
    return 0;
}

/* Find a free slot, record the job and return its reference. */
static unsigned slot_limit(const s7_conn *c) { return c->amq ? c->amq : 1; }

S7_HOT static int slot_take(s7_conn *c, void *job, uint32_t sub)
{
    for (unsigned i = 0, lim = slot_limit(c); i < lim; i++) {
        if (!c->slots[i].used) {
            uint16_t ref = c->next_ref++;
            if (c->next_ref == 0)
                c->next_ref = 1;
            c->slots[i].used = 1;
            c->slots[i].ref = ref;
            c->slots[i].job = job;
            c->slots[i].sub = sub;
            c->slots[i].seq = c->seq++;
            c->inflight++;
            return ref;
        }
    }
    return S7_ERR_BUSY;
}

static s7__slot *slot_find(s7_conn *c, uint16_t ref)
{
    for (unsigned i = 0, lim = slot_limit(c); i < lim; i++)
        if (c->slots[i].used && c->slots[i].ref == ref)
            return &c->slots[i];
    return NULL;
}

S7_HOT uint8_t *s7_conn_submit_begin(s7_conn *c, size_t *cap)
{
    size_t max = c->state == S7_CS_READY ? c->pdu : 64;
    if (tx_reserve(c, S7_ISO_HDR_LEN + max) < 0)
        return NULL;
    c->staged = c->tx_len;
    *cap = max;
    return c->tx + c->tx_len + S7_ISO_HDR_LEN;
}

/* Queue the PDU staged at c->staged (pdu_len bytes after the ISO header room), splitting
 * it into DT fragments when it is larger than the confirmed TPDU size. */
S7_HOT static int queue_staged(s7_conn *c, size_t pdu_len)
{
    uint8_t *base = c->tx + c->staged;
    size_t max_payload = c->tpdu > S7_ISO_HDR_LEN ? c->tpdu - S7_DT_HDR_LEN : pdu_len;
    if (pdu_len <= max_payload) {
        int n = s7_iso_dt_wrap(base, S7_ISO_HDR_LEN + pdu_len, pdu_len, 1);
        if (n < 0)
            return n;
        tap(c, 1, base, (size_t)n);
        c->tx_len = c->staged + (size_t)n;
        return 0;
    }
    /* fragment: copy the PDU aside, then lay out frames */
    uint8_t *copy = malloc(pdu_len);
    if (!copy)
        return S7_ERR_NOMEM;
    memcpy(copy, base + S7_ISO_HDR_LEN, pdu_len);
    size_t frames = (pdu_len + max_payload - 1) / max_payload;
    c->tx_len = c->staged;
    int rc = tx_reserve(c, pdu_len + frames * S7_ISO_HDR_LEN);
    for (size_t off = 0; rc == 0 && off < pdu_len; off += max_payload) {
        size_t part = pdu_len - off < max_payload ? pdu_len - off : max_payload;
        uint8_t *f = c->tx + c->tx_len;
        memcpy(f + S7_ISO_HDR_LEN, copy + off, part);
        int n = s7_iso_dt_wrap(f, S7_ISO_HDR_LEN + part, part, off + part == pdu_len);
        if (n < 0) {
            rc = n;
            break;
        }
        tap(c, 1, f, (size_t)n);
        c->tx_len += (size_t)n;
    }
    free(copy);
    return rc;
}

S7_HOT int s7_conn_submit_end(s7_conn *c, size_t pdu_len, void *job, uint32_t sub)
{
    if (c->state != S7_CS_READY)
        return S7_ERR_STATE;
    if (c->inflight >= c->amq)
        return S7_ERR_BUSY;
    if (pdu_len < 10 || pdu_len > c->pdu)
        return S7_ERR_TOOBIG;
    int ref = slot_take(c, job, sub);
    if (ref < 0)
        return ref;
    uint8_t *pdu = c->tx + c->staged + S7_ISO_HDR_LEN;
    pdu[4] = (uint8_t)(ref >> 8);
    pdu[5] = (uint8_t)ref;
    int rc = queue_staged(c, pdu_len);
    if (rc < 0) {
        slot_find(c, (uint16_t)ref)->used = 0;
        c->inflight--;
        return rc;
    }
    return ref;
}

int s7_conn_answer(s7_conn *c, const uint8_t *pdu, size_t n)
{
    if (c->state != S7_CS_READY)
        return S7_ERR_STATE;
    if (n < 10 || n > c->pdu)
        return S7_ERR_TOOBIG;
    if (tx_reserve(c, S7_ISO_HDR_LEN + n) < 0)
        return S7_ERR_NOMEM;
    c->staged = c->tx_len;
    memcpy(c->tx + c->tx_len + S7_ISO_HDR_LEN, pdu, n);
    return queue_staged(c, n);
}

/* Queue Setup Communication (internal, before READY). */
static int send_setup(s7_conn *c)
{
    s7_setup s = {c->cfg.amq_request, c->cfg.amq_request, c->cfg.pdu_request};
    int rc = tx_reserve(c, 64);
    if (rc < 0)
        return rc;
    c->staged = c->tx_len;
    uint8_t *pdu = c->tx + c->tx_len + S7_ISO_HDR_LEN;
    int n = s7_setup_req_encode(pdu, 32, 0, &s);
    if (n < 0)
        return n;
    c->tpdu = 0; /* setup is small: never fragmented */
    int ref = slot_take(c, NULL, 0);
    if (ref < 0)
        return ref;
    pdu[4] = (uint8_t)(ref >> 8);
    pdu[5] = (uint8_t)ref;
    return queue_staged(c, (size_t)n);
}

static int on_cc(s7_conn *c, const s7_cotp *t)
{
    if (t->code != S7_COTP_CC)
        return t->code == S7_COTP_DR ? S7_ERR_CR_REJECTED : S7_ERR_COTP;
    uint32_t peer = s7_tpdu_size_bytes(t->tpdu_size);
    uint32_t ours = s7_tpdu_size_bytes(c->cfg.tpdu_size);
    uint32_t tpdu = peer ? peer : 128; /* ISO 8073 default when absent */
    if (c->hold_setup) {
        c->state = S7_CS_CC_HELD;
        c->tpdu = tpdu < ours || !ours ? tpdu : ours;
        return 0;
    }
    c->state = S7_CS_SETUP_SENT;
    int rc = send_setup(c);
    c->tpdu = tpdu < ours || !ours ? tpdu : ours;
    return rc;
}

void s7_conn_hold_setup(s7_conn *c, int on) { c->hold_setup = on != 0; }

int s7_conn_send_setup(s7_conn *c, uint16_t pdu, uint16_t amq)
{
    if (c->state != S7_CS_CC_HELD)
        return S7_ERR_STATE;
    if (pdu)
        c->cfg.pdu_request = pdu;
    if (amq)
        c->cfg.amq_request = amq;
    uint32_t tpdu = c->tpdu;
    c->state = S7_CS_SETUP_SENT;
    int rc = send_setup(c);
    c->tpdu = tpdu;
    if (rc < 0)
        s7_conn_fail(c, rc);
    return rc;
}

static int on_setup(s7_conn *c, const s7_pdu *pdu)
{
    s7_setup s;
    s7__slot *sl = slot_find(c, pdu->ref);
    if (!sl)
        return S7_ERR_PDUREF;
    sl->used = 0;
    c->inflight--;
    if (pdu->rosctr != S7_ACK_DATA || pdu->err_class || pdu->err_code)
        return S7_ERR_NEGOTIATION;
    if (s7_setup_decode(pdu, &s) < 0)
        return S7_ERR_NEGOTIATION;
    if (s.pdu_len < 64)
        return S7_ERR_NEGOTIATION;
    uint16_t pdu_len = s.pdu_len < c->cfg.pdu_request ? s.pdu_len : c->cfg.pdu_request;
    uint16_t amq = s.amq_called < s.amq_calling ? s.amq_called : s.amq_calling;
    if (amq > c->cfg.amq_request)
        amq = c->cfg.amq_request;
    if (amq == 0)
        amq = 1;
    if (amq > S7__SLOTS)
        amq = S7__SLOTS;
    c->pdu = pdu_len;
    c->amq = amq;
    c->state = S7_CS_READY;
    return 0;
}

/* One reassembled S7 PDU from the peer. */
S7_HOT static int on_pdu(s7_conn *c, const uint8_t *buf, size_t len)
{
    s7_pdu pdu;
    int rc = s7_pdu_decode(buf, len, &pdu);
    if (rc < 0)
        return rc;
    if (c->state == S7_CS_SETUP_SENT)
        return on_setup(c, &pdu);
    if (pdu.rosctr == S7_JOB) {
        /* the CPU asks for a download's parts; otherwise a client is never asked a job */
        if (!c->cfg.on_job)
            return S7_ERR_PROTO;
        c->cfg.on_job(c->cfg.ctx, &pdu);
        return 0;
    }
    /* an unsolicited Userdata push (cyclic data, alarms, a mode transition) answers no
     * job, whatever its reference: it goes to on_push (or is ignored) */
    if (pdu.rosctr == S7_USERDATA && pdu.param_len >= 6 && (pdu.param[5] >> 4) == 0) {
        if (c->cfg.on_push)
            c->cfg.on_push(c->cfg.ctx, &pdu);
        return 0;
    }
    s7__slot *sl = slot_find(c, pdu.ref);
    if (!sl)
        return S7_ERR_PDUREF;
    void *job = sl->job;
    uint32_t sub = sl->sub;
    sl->used = 0;
    c->inflight--;
    if (c->cfg.on_reply)
        c->cfg.on_reply(c->cfg.ctx, job, sub, &pdu);
    return 0;
}

/* Process one frame; returns 0 or a fatal error. */
static int on_frame(s7_conn *c, const s7_cotp *t)
{
    if (c->state == S7_CS_CR_SENT)
        return on_cc(c, t);
    switch (t->code) {
    case S7_COTP_DT:
        if (!t->eot) {
            if (t->user_len == 0)
                return 0; /* "fast acknowledge" from older PLCs */
            if (c->frag_len + t->user_len > S7_FRAME_MAX)
                return S7_ERR_COTP;
            memcpy(c->frag + c->frag_len, t->user, t->user_len);
            c->frag_len += t->user_len;
            return 0;
        }
        if (c->frag_len) {
            if (c->frag_len + t->user_len > S7_FRAME_MAX)
                return S7_ERR_COTP;
            if (t->user_len)
                memcpy(c->frag + c->frag_len, t->user, t->user_len);
            size_t n = c->frag_len + t->user_len;
            c->frag_len = 0;
            return on_pdu(c, c->frag, n);
        }
        return on_pdu(c, t->user, t->user_len);
    case S7_COTP_DR:
    case S7_COTP_DC: return S7_ERR_CLOSED;
    case S7_COTP_ER: return S7_ERR_COTP;
    default: return S7_ERR_COTP;
    }
}

/* The whole frames at the start of buf[0..len): each handled; *used gets the bytes they
 * took (a partial frame left).  Returns 0 or the error that ends the connection. */
S7_HOT static int parse_frames(s7_conn *c, const uint8_t *buf, size_t len, size_t *used)
{
    size_t off = 0;
    int rc = 0;
    while (c->state != S7_CS_FAILED && off < len) {
        s7_cotp t;
        int n = s7_frame_decode(buf + off, len - off, &t);
        if (n == S7_AGAIN)
            break;
        if (n < 0) {
            rc = n;
            break;
        }
        tap(c, 0, buf + off, (size_t)n);
        off += (size_t)n;
        rc = on_frame(c, &t);
        if (rc < 0)
            break;
    }
    *used = off;
    return rc;
}

/* After parse_frames: the connection failed by rc or on the way, or 0. */
static int parse_end(s7_conn *c, int rc)
{
    if (rc < 0) {
        s7_conn_fail(c, rc);
        return c->err;
    }
    return c->state == S7_CS_FAILED ? c->err : 0;
}

/* Parse every whole frame in rx; keep the remainder. */
static int parse_rx(s7_conn *c)
{
    size_t off;
    int rc = parse_frames(c, c->rx, c->rx_len, &off);
    if (off) {
        memmove(c->rx, c->rx + off, c->rx_len - off);
        c->rx_len -= off;
    }
    return parse_end(c, rc);
}

/* Received bytes may come in: 0, or the error the connection failed with (bytes before
 * the connect end it). */
static int rx_open(s7_conn *c)
{
    if (c->state == S7_CS_FAILED)
        return c->err;
    if (c->state == S7_CS_IDLE) {
        s7_conn_fail(c, S7_ERR_PROTO);
        return c->err;
    }
    return 0;
}

S7_HOT uint8_t *s7_conn_rx_space(s7_conn *c, size_t *space)
{
    *space = S7__RX_CAP - c->rx_len;
    return c->rx + c->rx_len;
}

S7_HOT int s7_conn_rx_commit(s7_conn *c, size_t n)
{
    int rc = rx_open(c);
    if (rc < 0)
        return rc;
    c->rx_len += n;
    return parse_rx(c);
}

S7_HOT int s7_conn_feed(s7_conn *c, const uint8_t *buf, size_t len)
{
    if (!c->rx_len && len) {
        /* nothing held: the whole frames are taken where they are (a receive buffer the
         * caller shares between connections stays in the cache), a partial one is kept */
        int rc = rx_open(c);
        if (rc < 0)
            return rc;
        size_t used;
        rc = parse_end(c, parse_frames(c, buf, len, &used));
        if (rc < 0)
            return rc;
        buf += used;
        len -= used;
    }
    while (len) {
        size_t space;
        uint8_t *dst = s7_conn_rx_space(c, &space);
        size_t n = len < space ? len : space;
        memcpy(dst, buf, n);
        int rc = s7_conn_rx_commit(c, n);
        if (rc < 0)
            return rc;
        buf += n;
        len -= n;
    }
    return 0;
}

S7_HOT size_t s7_conn_tx_pending(const s7_conn *c, const uint8_t **p)
{
    *p = c->tx + c->tx_off;
    return c->tx_len - c->tx_off;
}

S7_HOT void s7_conn_tx_done(s7_conn *c, size_t n)
{
    c->tx_off += n;
    if (c->tx_off >= c->tx_len)
        c->tx_off = c->tx_len = 0;
}

size_t s7_conn_inflight_jobs(const s7_conn *c, void **jobs, uint32_t *subs, size_t max)
{
    /* submission order: small windows, so a selection pass is fine */
    size_t n = 0;
    uint64_t last = 0;
    int first = 1;
    while (n < max) {
        const s7__slot *best = NULL;
        for (unsigned i = 0; i < S7__SLOTS; i++) {
            const s7__slot *s = &c->slots[i];
            if (s->used && (first || s->seq > last) && (!best || s->seq < best->seq))
                best = s;
        }
        if (!best)
            break;
        jobs[n] = best->job;
        subs[n] = best->sub;
        n++;
        last = best->seq;
        first = 0;
    }
    return n;
}
