/* The CPU's answers to Userdata PDUs: SZL reads (group 4, built in szl.c), the clock
 * (group 7), security (group 5), block functions (group 3) and the continuation of
 * answers longer than the negotiated PDU.
 *
 * Choices:
 * - Userdata is answered whatever PUT/GET says (as real CPUs: identity, state and
 *   protection stay readable).
 * - Reply sequence numbers: real CPUs number their Userdata replies themselves (the
 *   request's is 0) from internal counters (tests/vectors/real/: a 315-2 keeps one number
 *   per connection for a while, an S7-400 counts its SZL answers up).  The emulator counts
 *   1..255 per connection, one number per reply.  The block functions answer as the 300s
 *   captured do: 0 for list blocks and block info, 1 for the list of a type.
 * - Long answers (SZL, list of blocks of a type) are cut into parts of PDU - 26 payload
 *   bytes: the first reply has `last data unit` 0x01 and a data unit reference of its own
 *   (1..255, per session); every part repeats the first part's sequence number and data
 *   unit reference; the rest waits in sess->ud_pending until the client asks for it
 *   (method 0x12, type request, same group, subfunction and sequence number).  A new
 *   request drops what is pending; a continuation request that matches nothing pending
 *   gets param error 0xD401.
 * - Unknown groups or subfunctions, and Userdata that is not a request: param error
 *   0x8104 with data 0A 00 00 00.  Unknown SZL id: 0xD401, unknown index of a known
 *   id: 0xD402.
 * - Clock: read = host clock (UTC) + the CPU's offset, weekday 1 = Sunday; set stores
 *   the offset (the weekday sent is ignored), reply data 0A 00 00 00 with error 0; a set
 *   with an invalid date gets 0xDC01.  Subfunctions 3 and 4 act as 1 and 2.
 * - Security: no password is configured, so entering (5/01) and cancelling (5/02) a
 *   password both succeed: error 0, data 0A 00 00 00.
 * - Block functions on S7-300/400 only (0x8104 elsewhere): the CPU's DBs and program
 *   blocks (server/blocks.c) counted per type, listed per type (number, flags, language;
 *   cut into parts of whole entries) and described (the 78-byte info); a missing block
 *   or a malformed name 0xD209.
 * - Before Setup Communication: Ack 0x84 0x01, as Job PDUs. */
#include <stdlib.h>
#include <string.h>

#include "server/cpu_int.h"

#define UD_OVERHEAD 26u /* header 10 + parameter 12 + data item header 4 */

/* One Userdata reply. */
static int ud_reply(uint8_t *out, size_t lim, uint16_t ref, const s7_ud *req, uint8_t seq,
                    uint8_t dur, uint8_t last, uint16_t err, int has_data, const uint8_t *payload,
                    uint16_t plen)
{
    s7_ud r;
    s7_ud_resp_init(&r, req);
    r.seq = seq;
    r.dur = dur;
    r.last = last;
    r.err = err;
    if (has_data && !err) {
        r.rc = S7_RC_OK;
        r.dts = S7_DTS_OCTET;
        r.payload = payload;
        r.plen = plen;
    } else {
        r.rc = S7_RC_NOT_FOUND;
    }
    return s7_ud_encode(out, lim, ref, &r);
}

int s7__ud_reply(uint8_t *out, size_t lim, uint16_t ref, const s7_ud *req, uint8_t seq,
                 uint16_t err, int has_data, const uint8_t *payload, uint16_t plen)
{
    return ud_reply(out, lim, ref, req, seq, 0, 0, err, has_data, payload, plen);
}

uint8_t s7__ud_seq(s7_cpu_session *sess)
{
    sess->ud_no = (uint8_t)(sess->ud_no + 1);
    if (sess->ud_no == 0)
        sess->ud_no = 1;
    return sess->ud_no;
}

int s7__ud_push(uint8_t *out, size_t lim, uint8_t group, uint8_t subfn, uint8_t seq,
                const uint8_t *payload, uint16_t plen)
{
    s7_ud u;
    memset(&u, 0, sizeof u);
    u.method = 0x12;
    u.type = S7_UD_TYPE_PUSH;
    u.group = group;
    u.subfn = subfn;
    u.seq = seq;
    u.rc = S7_RC_OK;
    u.dts = S7_DTS_OCTET;
    u.payload = payload;
    u.plen = plen;
    return s7_ud_encode(out, lim, 0, &u);
}

/* The sequence number of a new reply to req. */
static uint8_t reply_seq(s7_cpu_session *sess, const s7_ud *req)
{
    if (req->group == S7_UD_GRP_BLOCK)
        return req->subfn == 2 ? 1 : 0;
    return s7__ud_seq(sess);
}

/* A reply with a parameter error code and data 0A 00 00 00. */
static int ud_error(s7_cpu_session *sess, uint8_t *out, size_t lim, uint16_t ref, const s7_ud *req,
                    uint16_t err)
{
    return ud_reply(out, lim, ref, req, reply_seq(sess, req), 0, 0, err, 0, NULL, 0);
}

/* The payload bytes one reply carries: PDU - 26, or for a list of blocks whole 4-byte
 * entries of PDU - 30 (a 315-2 sends 208 bytes of list in a 240-byte PDU). */
static size_t part_max(const s7_ud *req, size_t lim)
{
    if (req->group == S7_UD_GRP_BLOCK)
        return (lim - UD_OVERHEAD - 4) / 4 * 4;
    return lim - UD_OVERHEAD;
}

/* Send the next part of the pending answer. */
static int next_part(s7_cpu_session *sess, uint8_t *out, size_t lim, uint16_t ref, const s7_ud *req)
{
    size_t maxp = part_max(req, lim);
    uint32_t left = sess->ud_len - sess->ud_off;
    uint32_t n = left < maxp ? left : (uint32_t)maxp;
    uint8_t last = n < left ? 1 : 0;
    int r = ud_reply(out, lim, ref, req, sess->ud_seq, sess->ud_dur, last, 0, 1,
                     sess->ud_pending + sess->ud_off, (uint16_t)n);
    if (r < 0)
        return r;
    sess->ud_off += n;
    if (!last)
        s7__ud_pending_drop(sess);
    return r;
}

/* Answer with a whole payload (buf malloc'd, ownership taken), cut into parts when it
 * does not fit one reply. */
static int send_long(s7_cpu_session *sess, uint8_t *out, size_t lim, uint16_t ref, const s7_ud *req,
                     uint8_t *buf, uint32_t len)
{
    size_t maxp = part_max(req, lim);
    if (len <= maxp) {
        int r = ud_reply(out, lim, ref, req, reply_seq(sess, req), 0, 0, 0, 1, buf, (uint16_t)len);
        free(buf);
        return r;
    }
    s7__ud_pending_drop(sess);
    sess->ud_seq = reply_seq(sess, req);
    sess->ud_dur_no = (uint8_t)(sess->ud_dur_no + 1);
    if (sess->ud_dur_no == 0)
        sess->ud_dur_no = 1;
    sess->ud_dur = sess->ud_dur_no;
    sess->ud_pending = buf;
    sess->ud_len = len;
    sess->ud_off = 0;
    sess->ud_group = req->group;
    sess->ud_subfn = req->subfn;
    return next_part(sess, out, lim, ref, req);
}

/* ---------------------------------------------------------------- groups */

/* Group 4 subfunction 1: read an SZL (continued in parts when long). */
static int szl(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
               size_t lim)
{
    /* a request's data item return code is not looked at, here or in any other userdata
     * function: python-snap7 sends 0x0A, which a real S7-1500 answers (python-snap7 issue
     * #783) */
    if (u->plen != 4)
        return ud_error(sess, out, lim, ref, u, 0xD401);
    uint16_t id = (uint16_t)(u->payload[0] << 8 | u->payload[1]);
    uint16_t index = (uint16_t)(u->payload[2] << 8 | u->payload[3]);
    uint8_t *buf;
    uint32_t len;
    int r = s7__szl_build(cpu, id, index, &buf, &len);
    if (r == S7_ERR_UNSUPPORTED)
        return ud_error(sess, out, lim, ref, u, 0xD401);
    if (r == S7_ERR_ADDR)
        return ud_error(sess, out, lim, ref, u, 0xD402);
    if (r < 0)
        return r;
    return send_long(sess, out, lim, ref, u, buf, len);
}

/* Group 7: read / set the CPU clock. */
static int clock_fn(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                    size_t lim)
{
    if (u->subfn == 1 || u->subfn == 3) {
        s7_datetime t;
        uint8_t p[10];
        if (s7__ms_to_dt(s7__cpu_now_ms(cpu), &t) < 0 || s7_clock_payload_encode(p, &t) < 0)
            return ud_error(sess, out, lim, ref, u, 0xDC01);
        p[1] = 0x19; /* year-high as the captured CPUs send it (a 315-2 and an IM151-8 in
                      * 2014 and 2016: 0x19), whatever the year; readers take the DT's yy */
        return ud_reply(out, lim, ref, u, reply_seq(sess, u), 0, 0, 0, 1, p, sizeof p);
    }
    if (u->subfn == 2 || u->subfn == 4) {
        s7_datetime t;
        if (s7_clock_payload_decode(u->payload, u->plen, &t) < 0)
            return ud_error(sess, out, lim, ref, u, 0xDC01);
        cpu->clock_off_ms = s7__dt_to_ms(&t) - (s7__cpu_now_ms(cpu) - cpu->clock_off_ms);
        if (cpu->ev) {
            s7_cpu_event ev = s7__cpu_event(S7_EV_CONTROL, sess);
            ev.ctrl = S7_CTRL_CLOCK_SET;
            ev.data = u->payload;
            ev.len = u->plen;
            s7__cpu_emit(cpu, &ev);
        }
        return ud_reply(out, lim, ref, u, reply_seq(sess, u), 0, 0, 0, 0, NULL, 0);
    }
    return ud_error(sess, out, lim, ref, u, 0x8104);
}

/* Group 3: list blocks, list blocks of a type, block info (S7-300/400 only; the blocks
 * are server/blocks.c's). */
static int blocks(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                  size_t lim)
{
    if (cpu->ext->family != S7__FAM_CLASSIC)
        return ud_error(sess, out, lim, ref, u, 0x8104);
    if (u->subfn == 1) {
        uint8_t p[28];
        s7__blocks_counts(cpu, p);
        return ud_reply(out, lim, ref, u, reply_seq(sess, u), 0, 0, 0, 1, p, sizeof p);
    }
    if (u->subfn == 2) {
        if (u->plen != 2 || u->payload[0] != 0x30)
            return ud_error(sess, out, lim, ref, u, 0x8104);
        uint8_t *buf;
        uint32_t n;
        int r = s7__blocks_of_type(cpu, u->payload[1], &buf, &n);
        if (r < 0)
            return r;
        return send_long(sess, out, lim, ref, u, buf, n);
    }
    if (u->subfn == 3) {
        s7_block_id id;
        uint8_t p[78];
        if (u->plen != 8 || s7_block_id_decode(u->payload, 8, &id) < 0 ||
            s7__blocks_info(cpu, &id, p) < 0)
            return ud_error(sess, out, lim, ref, u, 0xD209);
        return ud_reply(out, lim, ref, u, reply_seq(sess, u), 0, 0, 0, 1, p, sizeof p);
    }
    return ud_error(sess, out, lim, ref, u, 0x8104);
}

/* Group 4 subfunction 0x02 (message service: register for events) of a 300/400, answered
 * as the captured ones answer it: 02 00 (and, when alarms are asked for, the alarm type
 * and 01 00 after it).  Data: the events byte (0x80: alarms), a byte, the 8-character
 * user name, and with alarms the alarm type (odd: register, even: end) and a byte.  An
 * alarm registration makes alarms.c push the alarms that come and go (ALARM_S / ALARM_8
 * indications); the other events (mode changes, diagnostics) are not pushed (see
 * docs/server.md); the alarm query (0x13) is alarms.c. */
static int messages(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                    size_t lim)
{
    uint8_t p[6];
    uint16_t n;
    if (u->plen != 10 && u->plen != 12)
        return ud_error(sess, out, lim, ref, u, 0xD401);
    if (u->plen == 12 && (u->payload[10] & 1) && !(u->payload[0] & 0x80))
        return ud_error(sess, out, lim, ref, u, 0xD401); /* an alarm type without alarms */
    if (u->plen == 12 && s7__alarm_register(cpu, sess, u->payload[10]) < 0)
        return S7_ERR_NOMEM;
    p[0] = 0x02;
    p[1] = 0x00;
    n = 2;
    if (u->plen == 12) {
        p[2] = u->payload[10];
        p[3] = 0x01;
        p[4] = 0x00;
        n = 5;
    }
    return ud_reply(out, lim, ref, u, reply_seq(sess, u), 0, 0, 0, 1, p, n);
}

/* ---------------------------------------------------------------- entry */

int s7__userdata(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, uint8_t *out, size_t cap)
{
    s7_ud u;
    if (s7_ud_decode(pdu, &u) < 0)
        return S7_ERR_PARAM;
    size_t lim = s7__reply_limit(sess, cap);
    if (sess->pdu == 0)
        return s7_ack_error_encode(out, lim, pdu->ref, 0x84, 0x01);
    size_t req_len = 10u + pdu->param_len + pdu->data_len;
    if (req_len > sess->pdu)
        return s7_ack_error_encode(out, lim, pdu->ref, 0x85, 0x00);
    if (lim < UD_OVERHEAD + 8)
        return S7_ERR_NOSPACE;
    if (u.type != S7_UD_TYPE_REQ)
        return ud_error(sess, out, lim, pdu->ref, &u, 0x8104);
    if (u.method == 0x12 && u.group != S7_UD_GRP_PROG) { /* group 1 asks in the long form */
        if (sess->ud_pending && u.group == sess->ud_group && u.subfn == sess->ud_subfn &&
            u.seq == sess->ud_seq)
            return next_part(sess, out, lim, pdu->ref, &u);
        return ud_error(sess, out, lim, pdu->ref, &u, 0xD401);
    }
    s7__ud_pending_drop(sess); /* a new request: what was pending is abandoned */
    switch (u.group) {
    case S7_UD_GRP_CPU:
        if (u.subfn == S7_UD_SZL_READ)
            return szl(cpu, sess, &u, pdu->ref, out, lim);
        if (cpu->ext->family == S7__FAM_CLASSIC && u.subfn == 0x02)
            return messages(cpu, sess, &u, pdu->ref, out, lim);
        if (cpu->ext->family == S7__FAM_CLASSIC && u.subfn == 0x13)
            return s7__alarm_query(cpu, sess, &u, pdu->ref, out, lim);
        break;
    case S7_UD_GRP_TIME: return clock_fn(cpu, sess, &u, pdu->ref, out, lim);
    case S7_UD_GRP_CYCLIC:
        if (cpu->ext->family == S7__FAM_CLASSIC)
            return s7__cyclic(cpu, sess, &u, pdu->ref, out, lim);
        break;
    case S7_UD_GRP_SECURITY:
        if (u.subfn == 1 || u.subfn == 2)
            return ud_reply(out, lim, pdu->ref, &u, reply_seq(sess, &u), 0, 0, 0, 0, NULL, 0);
        break;
    case S7_UD_GRP_BLOCK: return blocks(cpu, sess, &u, pdu->ref, out, lim);
    case S7_UD_GRP_PROG:
        if (cpu->ext->family == S7__FAM_CLASSIC)
            return s7__ud_prog(cpu, sess, &u, pdu->ref, out, lim);
        break;
    default: break;
    }
    return ud_error(sess, out, lim, pdu->ref, &u, 0x8104);
}
