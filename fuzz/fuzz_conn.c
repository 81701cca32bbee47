/* Fuzz target: the client-role conn fed arbitrary peer bytes.  The first input byte picks
 * how much of a valid handshake precedes the fuzz bytes (none, the CC, CC + setup reply),
 * the second how they are split into receive calls; jobs are submitted so that replies
 * can match.  Whatever the bytes, conn must not crash, must never report a reply for a
 * reference it did not hand out, and must end READY or FAILED with a fatal error. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s7/conn.h"

static int replies;

static void on_reply(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu)
{
    (void)ctx;
    (void)sub;
    if (job != (void *)&replies || pdu->ref == 0)
        abort(); /* a reply for something never submitted */
    replies++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t cc[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xD0, 0x00, 0x01, 0x00, 0x01, 0x00,
                                 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01};
    /* setup reply with ref 1 (the conn numbers from 1): AmQ 3/3, PDU 480 */
    static const uint8_t setup[] = {0x03, 0x00, 0x00, 0x1B, 0x02, 0xF0, 0x80, 0x32, 0x03,
                                    0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0x00,
                                    0x00, 0xF0, 0x00, 0x00, 0x03, 0x00, 0x03, 0x01, 0xE0};
    if (size < 2)
        return 0;
    uint8_t mode = data[0] % 3, split = data[1];
    data += 2;
    size -= 2;
    s7_conn_cfg cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.local_tsap = 0x0100;
    cfg.remote_tsap = 0x0101;
    cfg.on_reply = on_reply;
    s7_conn *c = s7_conn_new(&cfg);
    if (!c)
        return 0;
    replies = 0;
    s7_conn_start(c);
    const uint8_t *p;
    s7_conn_tx_done(c, s7_conn_tx_pending(c, &p));
    if (mode >= 1)
        s7_conn_feed(c, cc, sizeof cc);
    if (mode >= 2) {
        s7_conn_feed(c, setup, sizeof setup);
        /* three jobs in flight: refs 2, 3, 4 */
        for (int i = 0; i < 3 && s7_conn_can_submit(c); i++) {
            size_t cap;
            uint8_t *buf = s7_conn_submit_begin(c, &cap);
            s7_var_spec spec = {S7_TS_BYTE, 4, 1, S7_AREA_DB, (uint32_t)i * 32};
            int n = s7_read_req_encode(buf, cap, 0, &spec, 1);
            if (n > 0)
                s7_conn_submit_end(c, (size_t)n, &replies, (uint32_t)i);
        }
    }
    size_t chunk = split ? split : size;
    for (size_t off = 0; off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        if (s7_conn_feed(c, data + off, n) < 0)
            break;
    }
    int st = s7_conn_state(c);
    if (st == S7_CS_FAILED && !s7_err_is_fatal(s7_conn_error(c)))
        abort();
    if (replies > 3)
        abort();
    s7_conn_free(c);
    return 0;
}
