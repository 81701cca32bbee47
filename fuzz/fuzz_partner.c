/* Fuzz target: the partner connection's receive path (exchange/pconn.c) fed arbitrary peer
 * bytes.  The first input byte picks the side and how much of a valid set-up precedes the
 * fuzz bytes (passive: nothing, or the CR and the Setup Communication; active: nothing, the
 * CC, or CC + Setup reply with a 3,000-byte BSEND under way), the second how the bytes are
 * split into receive calls.  Whatever the bytes, the connection must not crash, must hand
 * over only whole blocks of 1..65,534 bytes (USENDs of at most a PDU), must finish each
 * BSEND once, and must end linked or failed with a fatal error and a reason. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s7/exchange_partner.h"
#include "s7/wire.h"

static int sent_calls;
static s7_pconn *cur;

static void on_sent(void *ctx, uint32_t r_id, int err, void *job)
{
    (void)ctx;
    (void)err;
    if (r_id != 42 || job != &sent_calls)
        abort(); /* a BSEND that was never queued */
    if (++sent_calls > 1)
        abort(); /* finished twice */
}

static void on_recv(void *ctx, uint32_t r_id, const uint8_t *data, size_t len, int usend)
{
    (void)r_id;
    (void)ctx;
    if (!data || len == 0 || len > S7_BSEND_MAX)
        abort();
    if (usend && len > 0xFFFF / 8) /* one USEND item: its length is counted in bits */
        abort();
    if (s7_pconn_state(cur) != S7_PC_LINKED)
        abort();                                     /* data before the link */
    volatile uint8_t sink = data[0] ^ data[len - 1]; /* the whole block is readable */
    (void)sink;
}

static void drain(s7_pconn *pc)
{
    const uint8_t *p;
    s7_pconn_tx_done(pc, s7_pconn_tx_pending(pc, &p));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* passive side: the CR and Setup Communication an active partner sends */
    static const uint8_t cr[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00,
                                 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x10, 0x00, 0xC2, 0x02, 0x10, 0x00};
    static const uint8_t setup_req[] = {0x03, 0x00, 0x00, 0x19, 0x02, 0xF0, 0x80, 0x32, 0x01,
                                        0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0xF0,
                                        0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0};
    /* active side: the CC and the Setup reply (PDU 480) */
    static const uint8_t cc[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x01, 0x00,
                                 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x10, 0x00, 0xC2, 0x02, 0x10, 0x00};
    static const uint8_t setup_resp[] = {0x03, 0x00, 0x00, 0x1B, 0x02, 0xF0, 0x80, 0x32, 0x03,
                                         0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00,
                                         0x00, 0xF0, 0x00, 0x00, 0x01, 0x00, 0x01, 0x01, 0xE0};
    static uint8_t block[3000];
    if (size < 2)
        return 0;
    uint8_t mode = data[0] % 5, split = data[1];
    data += 2;
    size -= 2;
    s7_pconn_cfg cfg;
    s7_pconn_cfg_init(&cfg);
    cfg.active = mode >= 2;
    cfg.local_tsap = cfg.remote_tsap = 0x1000;
    cfg.on_sent = on_sent;
    cfg.on_recv = on_recv;
    s7_pconn *pc = s7_pconn_new(&cfg);
    if (!pc)
        return 0;
    cur = pc;
    sent_calls = 0;
    int64_t now = 0;
    if (mode == 1) {
        s7_pconn_feed(pc, cr, sizeof cr, now);
        s7_pconn_feed(pc, setup_req, sizeof setup_req, now);
    } else if (mode >= 2) {
        s7_pconn_start(pc, now);
        if (mode >= 3)
            s7_pconn_feed(pc, cc, sizeof cc, now);
        if (mode >= 4) {
            s7_pconn_feed(pc, setup_resp, sizeof setup_resp, now);
            s7_pconn_bsend(pc, 42, block, sizeof block, &sent_calls, now);
        }
    }
    drain(pc);
    /* the fuzz bytes in chunks of 1..256 bytes (split 0: all at once) */
    size_t chunk = split ? split : size ? size : 1;
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        now += 10;
        int r = s7_pconn_feed(pc, data + off, n, now);
        drain(pc);
        if (r < 0) {
            if (s7_pconn_state(pc) != S7_PC_FAILED || !s7_err_is_fatal(r) ||
                !s7_pconn_reason(pc)[0])
                abort(); /* a failure must be fatal and explained */
            break;
        }
    }
    s7_pconn_tick(pc, now + 100000); /* every timeout due */
    int st = s7_pconn_state(pc);
    if (st == S7_PC_FAILED && !s7_pconn_reason(pc)[0])
        abort();
    s7_pconn_reset(pc);
    if (mode >= 4 && s7_pconn_pending(pc) > 1)
        abort();
    s7_pconn_free(pc);
    return 0;
}
