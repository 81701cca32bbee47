/* Fuzz target: the client's SZL / Userdata path (SZL reads with continuation, CPU identity
 * and order code, CPU state, capacity and protection, clock read and set, stop and start)
 * and its read/write jobs, fed hostile replies.  The real client (client/) runs over a
 * socketpair against the scripted peer of peer.c, which answers the CR, the setup and
 * every request with the next action of the script: the CPU model's answer, that answer
 * changed or cut, fuzz bytes framed (whole, fragmented, with the request's reference) or
 * unframed, in pieces of any size, silence or a close.
 *
 * Input: byte 0 flags (bit 0 the model answers CR and setup, bits 1-2 the profile, bit 3
 * PUT/GET, bit 4 the model answers once the script is used up, bits 5-6 the PDU asked
 * for, bit 7 one item per PDU); byte 1: 1 + (b & 7) calls follow (bits 3-7 the AmQ asked
 * for); then one byte per call (low nibble which, high nibble a variant); the rest is the
 * peer's script.  A fatal error drops the connection: the next call connects again (twice
 * at most).  Whatever the replies, nothing may crash or leak, every call must return,
 * lengths must stay within what was asked, strings must stay terminated. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/peer.h"
#include "s7/client.h"

static const char *const profiles[4] = {"s7-1500", "s7-300", "s7-1200", "logo8"};
static const uint16_t szl_ids[16][2] = {
    {0x0011, 0x0000}, {0x001C, 0x0000}, {0x0424, 0x0000}, {0x0131, 0x0001},
    {0x0132, 0x0001}, {0x0232, 0x0004}, {0x0000, 0x0000}, {0x0111, 0x0001},
    {0x0011, 0x0001}, {0x001C, 0x0001}, {0x0019, 0x0000}, {0x0074, 0x0000},
    {0x00A0, 0x0000}, {0x0F11, 0x0000}, {0x0124, 0x0000}, {0xFFFF, 0xFFFF}};

static int debug = -1; /* S7_FUZZ_DEBUG set: the client's log and each call's result on stderr */

static void log_fn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    fprintf(stderr, "log %d: %s\n", level, msg);
}

static void terminated(const char *s, size_t cap)
{
    if (!memchr(s, 0, cap))
        abort(); /* a field of s7_cpu_info without its NUL */
}

static void call(s7_client *c, uint8_t op)
{
    int variant = op >> 4, rc = 0;
    switch (op & 15) {
    case 0:
    case 1: {
        static uint8_t buf[8192];
        size_t cap = op & 1 ? 16 : sizeof buf;
        s7_szl_hdr h;
        int n = rc = s7_client_read_szl(c, szl_ids[variant][0], szl_ids[variant][1], &h, buf, cap);
        if (n > (int)cap)
            abort(); /* more record bytes than the buffer holds */
        break;
    }
    case 2: {
        s7_cpu_info id;
        rc = s7_client_cpu_info(c, &id);
        terminated(id.order_code, sizeof id.order_code);
        terminated(id.version, sizeof id.version);
        terminated(id.as_name, sizeof id.as_name);
        terminated(id.module_name, sizeof id.module_name);
        terminated(id.plant_id, sizeof id.plant_id);
        terminated(id.copyright, sizeof id.copyright);
        terminated(id.serial, sizeof id.serial);
        terminated(id.module_type, sizeof id.module_type);
        break;
    }
    case 3: {
        int st = -1;
        rc = s7_client_cpu_state(c, &st);
        if (strcmp(s7_cpu_state_name(st), "unknown") == 0 && st != S7_CPU_UNKNOWN)
            abort(); /* a state outside the enum */
        break;
    }
    case 4: {
        s7_cpu_caps k;
        rc = s7_client_cpu_caps(c, &k);
        break;
    }
    case 5: {
        s7_datetime t;
        memset(&t, 0, sizeof t);
        rc = s7_client_get_clock(c, &t);
        break;
    }
    case 6: {
        s7_datetime t;
        memset(&t, 0, sizeof t);
        t.year = 2026;
        t.month = 1 + variant % 12;
        t.day = 1 + variant;
        t.hour = 12;
        rc = s7_client_set_clock(c, &t);
        break;
    }
    case 7:
        if (variant & 1)
            rc = s7_client_plc_start(c, variant & 2 ? S7_START_COLD : S7_START_HOT);
        else
            rc = s7_client_plc_stop(c);
        break;
    case 8:
    case 9: {
        /* several items of several areas: packing, splitting, per-item codes, retries */
        static uint8_t b[6][700];
        s7_item it[6];
        memset(it, 0, sizeof it);
        static const uint8_t areas[6] = {S7_AREA_DB, S7_AREA_DB, S7_AREA_M,
                                         S7_AREA_DB, S7_AREA_DB, S7_AREA_I};
        static const uint16_t dbs[6] = {1, 10, 0, 2, 99, 0};
        static const uint32_t counts[6] = {4, 600, 2, 1, 8, 1};
        size_t n = 1 + (size_t)variant % 6;
        for (size_t i = 0; i < n; i++) {
            it[i].area = areas[i];
            it[i].db = dbs[i];
            it[i].ts = i == 2 && (variant & 8) ? S7_TS_BIT : S7_TS_BYTE;
            it[i].start = (uint32_t)i * 3;
            it[i].count = it[i].ts == S7_TS_BIT ? 1 : counts[i];
            it[i].buf = b[i];
        }
        if (op & 1)
            rc = s7_client_write(c, it, n);
        else
            rc = s7_client_read(c, it, n);
        break;
    }
    case 10: {
        uint32_t len = 0;
        static const uint16_t dbs[4] = {1, 2, 99, 10};
        rc = s7_client_db_length(c, dbs[variant & 3], &len);
        break;
    }
    case 11: {
        static uint8_t b[2000];
        rc = s7_client_read_area(c, S7_AREA_DB, 10, (uint32_t)variant, b, 700 - (uint32_t)variant);
        break;
    }
    default: {
        static uint8_t b[64];
        memset(b, variant, sizeof b);
        rc = s7_client_db_write(c, 1, (uint32_t)variant, b, 64 - (uint32_t)variant);
        break;
    }
    }
    if (debug)
        fprintf(stderr, "call 0x%02X: %d (%s)\n", op, rc, s7_err_name(rc));
    const s7_explain *e = s7_client_last_error(c);
    if (!e || (e->code && (!e->name || !e->text)))
        abort(); /* a PLC error without its explanation */
    if (s7_client_pending(c) != 0)
        abort(); /* a blocking call returned with its job still queued */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint16_t pdus[4] = {240, 480, 960, 1920};
    if (size < 2)
        return 0;
    uint8_t flags = data[0], b1 = data[1];
    size_t ncalls = 1 + (b1 & 7);
    if (size < 2 + ncalls)
        return 0;
    const uint8_t *ops = data + 2;
    fz_peer_cfg pc = {profiles[flags >> 1 & 3], flags >> 3 & 1, flags & 1, flags >> 4 & 1};
    fz_peer *peer = fz_peer_new(data + 2 + ncalls, size - 2 - ncalls, &pc);
    if (!peer)
        return 0;
    if (debug < 0)
        debug = getenv("S7_FUZZ_DEBUG") != NULL;
    s7_client_opts o;
    s7_client_opts_init(&o);
    if (debug)
        o.log = log_fn;
    if (strcmp(pc.profile, "logo8") == 0) {
        o.local_tsap = 0x0100;
        o.remote_tsap = 0x0200;
    } else if (strcmp(pc.profile, "s7-300") == 0) {
        o.slot = 2;
    }
    o.pdu_request = pdus[flags >> 5 & 3];
    o.amq_request = (uint16_t)(1 + (b1 >> 3));
    o.max_items = flags & 0x80 ? 1 : 0;
    o.connect_timeout_ms = 1000;
    o.request_timeout_ms = 1000;
    s7_client *c = s7_client_new(&o);
    if (!c) {
        fz_peer_free(peer);
        return 0;
    }
    fz_peer_activate(peer);
    int connects = 0;
    for (size_t i = 0; i < ncalls; i++) {
        if (!s7_client_connected(c)) {
            if (connects++ == 3)
                break;
            int fd = fz_peer_socketpair(peer);
            if (fd < 0 || s7_client_connect_fd(c, fd) < 0)
                continue;
        }
        call(c, ops[i]);
    }
    s7_client_free(c);
    fz_peer_free(peer);
    return 0;
}
