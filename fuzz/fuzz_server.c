/* Fuzz target: the server-role conn and the CPU model's dispatch fed arbitrary client
 * bytes, wired together the way the server engine does it (events pulled from the conn,
 * answered with s7_cpu_accept / s7_cpu_handle).  The first input byte picks the profile, PUT/GET and a valid handshake prefix;
 * the second how the rest is split into reads.  Whatever arrives, nothing may crash, and
 * everything the server sends must be well-formed frames. */
#include <stdlib.h>
#include <string.h>

#include "s7/conn.h"
#include "s7/cpu.h"

static void check_output(const s7_buf *out)
{
    size_t off = 0;
    while (off < out->len) {
        s7_cotp t;
        int n = s7_frame_decode(out->p + off, out->len - off, &t);
        if (n <= 0)
            abort(); /* the server wrote a frame it could not parse itself */
        if (t.code == S7_COTP_DT && t.eot && t.user_len) {
            s7_pdu pdu;
            if (s7_pdu_decode(t.user, t.user_len, &pdu) < 0)
                abort();
        }
        off += (size_t)n;
    }
}

/* Pull and answer every event of the frames in in[0..len), as the server engine does.
 * Returns the bytes consumed or a negative error (the connection is closed). */
static int serve(s7_sconn *sc, s7_cpu *cpu, s7_cpu_session *sess, const uint8_t *in, size_t len,
                 s7_buf *out, const uint16_t in_use[4])
{
    size_t off = 0;
    for (;;) {
        s7_sconn_event ev;
        int n = s7_sconn_recv(sc, in + off, len - off, out, &ev);
        if (n < 0)
            return n;
        off += (size_t)n;
        int rc = 0;
        if (ev.kind == S7_SEV_CONNECT) {
            const char *why = NULL;
            if (s7_cpu_accept(cpu, sess, &ev.cr, in_use, &why) < 0)
                rc = s7_sconn_refuse(sc, why ? why : "refused");
            else
                rc = s7_sconn_accept(sc, out);
        } else if (ev.kind == S7_SEV_PDU) {
            size_t cap;
            uint8_t *reply = s7_sconn_reply_begin(sc, out, &cap);
            if (!reply)
                return S7_ERR_NOMEM;
            int k = s7_cpu_handle(cpu, sess, ev.pdu, ev.len, reply, cap);
            rc = k < 0 ? s7_sconn_fail(sc, k, "malformed request")
                       : s7_sconn_reply_end(sc, out, (size_t)k);
        } else {
            return (int)off;
        }
        if (rc < 0)
            return rc;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t cr[] = {0x03, 0x00, 0x00, 0x16, 0x11, 0xE0, 0x00, 0x00, 0x00, 0x01, 0x00,
                                 0xC0, 0x01, 0x0A, 0xC1, 0x02, 0x01, 0x00, 0xC2, 0x02, 0x01, 0x01};
    static const uint8_t setup[] = {0x03, 0x00, 0x00, 0x19, 0x02, 0xF0, 0x80, 0x32, 0x01,
                                    0x00, 0x00, 0x00, 0x01, 0x00, 0x08, 0x00, 0x00, 0xF0,
                                    0x00, 0x00, 0x08, 0x00, 0x08, 0x03, 0xC0};
    static const char *const profiles[4] = {"s7-1500", "s7-300", "s7-1200", "logo8"};
    if (size < 2)
        return 0;
    uint8_t mode = data[0], split = data[1];
    data += 2;
    size -= 2;
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profiles[mode & 3]));
    if (!cpu)
        return 0;
    s7_cpu_set_put_get(cpu, !(mode & 4));
    s7_cpu_add_db(cpu, 1, 1024, 0);
    s7_cpu_add_db(cpu, 2, 16, S7_DB_OPTIMIZED);
    s7_cpu_add_db(cpu, 3, 64, S7_DB_READONLY);
    s7_cpu_session *sess = s7_cpu_session_new();
    s7_sconn *sc = s7_sconn_new();
    if (!sess || !sc) {
        s7_cpu_session_free(sess);
        s7_sconn_free(sc);
        s7_cpu_free(cpu);
        return 0;
    }
    s7_buf out = {0};
    uint16_t in_use[4] = {0, 0, 0, 0};
    int dead = 0;
    /* valid prefix: CR (rack 0 slot 1), then setup */
    if (mode & 0x08) {
        dead = serve(sc, cpu, sess, cr, sizeof cr, &out, in_use) < 0;
        if (!dead && (mode & 0x10))
            dead = serve(sc, cpu, sess, setup, sizeof setup, &out, in_use) < 0;
        check_output(&out);
    }
    /* the rest as a stream in chunks, carrying incomplete frames like the engine */
    uint8_t *pend = malloc(size + 1);
    size_t plen = 0, chunk = split ? split : size;
    for (size_t off = 0; !dead && pend && off < size; off += chunk) {
        size_t n = size - off < chunk ? size - off : chunk;
        memcpy(pend + plen, data + off, n);
        plen += n;
        out.len = 0;
        int used = serve(sc, cpu, sess, pend, plen, &out, in_use);
        check_output(&out);
        if (used < 0) {
            if (!s7_sconn_reason(sc)[0])
                abort(); /* every close has a reason for the log */
            dead = 1;
            break;
        }
        memmove(pend, pend + used, plen - (size_t)used);
        plen -= (size_t)used;
    }
    free(pend);
    s7_buf_free(&out);
    s7_sconn_free(sc);
    s7_cpu_session_free(sess);
    s7_cpu_free(cpu);
    return 0;
}
