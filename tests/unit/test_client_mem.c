/* In-memory client suite: the client against a scripted fake PLC (built on wire/) over a
 * socketpair, for what real peers rarely show on demand: wrong PDU references, replies out
 * of order, COTP fragmentation both ways, the "fast acknowledge", 81 04, Userdata
 * continuation, silence (timeouts), a CR refused, pipelining up to AmQ, replies that do not
 * conform to the request (a longer item, transport size 0x04 counted in bytes, a truncated SZL
 * list): refused as a whole with the evidence in s7_client_peer_problem. */
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "s7/client.h"
#include "s7/net.h"
#include "t.h"

enum {
    F_PUTGET_OFF = 1 << 0,
    F_BAD_REF = 1 << 1,
    F_FRAG = 1 << 2,
    F_FAST_ACK = 1 << 3,
    F_REVERSE = 1 << 4,
    F_CLOSE_AFTER_CR = 1 << 5,
    F_SILENT = 1 << 6,
    F_HOLD = 1 << 7,       /* collect up to amq jobs (or 100 ms) before answering */
    F_TRUNC20 = 1 << 8,    /* answer only the first 20 items, as the Snap7 server */
    F_WRONG_LEN = 1 << 9,  /* read items with data: 4 bytes more than asked, coded consistently */
    F_BAD_TSIZE = 1 << 10, /* read items: transport size 0x04 with the length in bytes */
    F_BAD_SZL = 1 << 11,   /* SZL 0x0011: 4 records of 28 bytes announced, 10 bytes sent */
    F_CLOSE_LATE = 1 << 12 /* with answer_max: close instead of keeping silent */
};

typedef struct fake {
    int fd;
    int flags;
    uint16_t pdu, amq;
    uint8_t tpdu_code; /* TPDU size the CC confirms */
    uint8_t db1[65536];
    uint32_t db1_len;
    int szl_parts;  /* SZL 0x0011 answered in this many parts */
    int jobs;       /* Read/Write jobs received */
    int answer_max; /* > 0: the Read/Write jobs after this many get no answer (F_CLOSE_LATE:
                     * the connection is closed once the answers before are sent) */
    int max_batch;  /* most jobs answered together */
    int stopped;
    s7_datetime clock;
    pthread_t th;
} fake;

static void put(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* Send an S7 PDU built at buf + 7, fragmented into 3 DTs when F_FRAG. */
static void send_pdu(fake *f, uint8_t *buf, size_t len)
{
    if (f->flags & F_FAST_ACK) {
        static const uint8_t ack[] = {3, 0, 0, 7, 2, 0xF0, 0};
        put(f->fd, ack, sizeof ack);
    }
    if (!(f->flags & F_FRAG) || len < 12) {
        int n = s7_iso_dt_wrap(buf, 65536, len, 1);
        put(f->fd, buf, (size_t)n);
        return;
    }
    size_t part = len / 3 + 1;
    for (size_t off = 0; off < len; off += part) {
        uint8_t fr[70000];
        size_t k = len - off < part ? len - off : part;
        memcpy(fr + 7, buf + 7 + off, k);
        int n = s7_iso_dt_wrap(fr, sizeof fr, k, off + k == len);
        put(f->fd, fr, (size_t)n);
    }
}

/* Answer one Read/Write job into out (+7); returns the PDU length. */
static size_t answer_var(fake *f, const s7_pdu *pdu, uint8_t *out)
{
    uint8_t fn;
    s7_var_spec specs[255];
    unsigned n = 0;
    f->jobs++;
    if (f->flags & F_PUTGET_OFF)
        return (size_t)s7_ack_error_encode(out + 7, 65000, pdu->ref, 0x81, 0x04);
    if (s7_var_req_decode(pdu, &fn, specs, 255, &n) < 0)
        return (size_t)s7_ack_error_encode(out + 7, 65000, pdu->ref, 0x85, 0x00);
    if ((f->flags & F_TRUNC20) && n > 20) {
        if (fn == S7_FN_WRITE)
            return (size_t)s7_ack_error_encode(out + 7, 65000, pdu->ref, 0x85, 0x00);
        n = 20;
    }
    if (fn == S7_FN_READ) {
        s7_data_item items[255];
        memset(items, 0, sizeof items);
        for (unsigned i = 0; i < n; i++) {
            uint32_t esz = s7_ts_elem_size(specs[i].ts), nb = esz * specs[i].count;
            uint32_t off = specs[i].addr >> 3;
            if (specs[i].area != S7_AREA_DB || specs[i].db != 1) {
                items[i].rc = S7_RC_NOT_FOUND;
            } else if (specs[i].ts == S7_TS_BIT) {
                if (off >= f->db1_len) {
                    items[i].rc = S7_RC_ADDR_OUT_OF_RANGE;
                } else {
                    items[i].rc = S7_RC_OK;
                    items[i].ts = S7_DTS_BIT;
                    items[i].data = (f->db1[off] >> (specs[i].addr & 7)) & 1
                                        ? (const uint8_t *)"\1"
                                        : (const uint8_t *)"\0";
                    items[i].nbytes = 1;
                }
            } else if (off + nb > f->db1_len) {
                items[i].rc = S7_RC_ADDR_OUT_OF_RANGE;
            } else {
                items[i].rc = S7_RC_OK;
                items[i].data = f->db1 + off;
                items[i].nbytes = nb;
                if (f->flags & F_WRONG_LEN) {
                    items[i].nbytes = nb + 4;
                    items[i].ts = S7_DTS_BYTE;
                    items[i].len_field = (uint16_t)((nb + 4) * 8);
                } else if ((f->flags & F_BAD_TSIZE) && nb == 1) {
                    items[i].ts = S7_DTS_BYTE;
                    items[i].len_field = 1; /* 1 "bit": the byte count where bits are due */
                }
            }
        }
        return (size_t)s7_read_resp_encode(out + 7, 65000, pdu->ref, items, n);
    }
    s7_data_item data[255];
    uint8_t rcs[255];
    if (s7_data_items_decode(pdu->data, pdu->data_len, 1, data, n) < 0)
        return (size_t)s7_ack_error_encode(out + 7, 65000, pdu->ref, 0x85, 0x00);
    for (unsigned i = 0; i < n; i++) {
        uint32_t off = specs[i].addr >> 3;
        if (specs[i].area != S7_AREA_DB || specs[i].db != 1) {
            rcs[i] = S7_RC_NOT_FOUND;
        } else if (specs[i].ts == S7_TS_BIT) {
            uint8_t m = (uint8_t)(1u << (specs[i].addr & 7));
            f->db1[off] = (uint8_t)(data[i].data[0] ? f->db1[off] | m : f->db1[off] & ~m);
            rcs[i] = S7_RC_OK;
        } else if (off + data[i].nbytes > f->db1_len) {
            rcs[i] = S7_RC_ADDR_OUT_OF_RANGE;
        } else {
            memcpy(f->db1 + off, data[i].data, data[i].nbytes);
            rcs[i] = S7_RC_OK;
        }
    }
    return (size_t)s7_write_resp_encode(out + 7, 65000, pdu->ref, rcs, n);
}

/* Answer a Userdata request (SZL 0x0011 in parts, clock). */
static size_t answer_ud(fake *f, const s7_pdu *pdu, uint8_t *out, int *part)
{
    s7_ud u, r;
    if (s7_ud_decode(pdu, &u) < 0)
        return 0;
    memset(&r, 0, sizeof r);
    r.method = 0x12;
    r.type = S7_UD_TYPE_RESP;
    r.group = u.group;
    r.subfn = u.subfn;
    r.rc = S7_RC_OK;
    r.dts = 0x09;
    static uint8_t payload[1024];
    uint16_t szl_id = u.plen >= 2 ? (uint16_t)(u.payload[0] << 8 | u.payload[1]) : 0;
    if (u.group == S7_UD_GRP_CPU && u.subfn == S7_UD_SZL_READ &&
        (szl_id == 0x0011 || u.method == 0x12)) {
        /* the whole list: header + 4 records of 28 bytes, cut into szl_parts pieces */
        static uint8_t all[8 + 4 * 28];
        s7_szl_hdr h = {0x0011, 0x0000, 28, 4};
        s7_szl_hdr_encode(all, sizeof all, &h);
        const char *codes[4] = {"6ES7 511-1AK02-0AB0 ", "6ES7 511-1AK02-0AB0 ",
                                "                    ", "Boot Loader         "};
        uint16_t idx[4] = {1, 6, 7, 0x81};
        for (int i = 0; i < 4; i++) {
            uint8_t *rec = all + 8 + 28 * i;
            rec[0] = 0;
            rec[1] = (uint8_t)idx[i];
            memcpy(rec + 2, codes[i], 20);
            rec[22] = 0;
            rec[23] = 0xC0;
            rec[24] = i == 2 ? 'V' : 0;
            rec[25] = i == 2 ? 2 : 0;
            rec[26] = i == 2 ? 9 : 0;
            rec[27] = i == 2 ? 4 : 1;
        }
        int parts = f->szl_parts > 0 ? f->szl_parts : 1;
        size_t total = (f->flags & F_BAD_SZL) ? 8 + 10 : sizeof all;
        size_t step = (total + (size_t)parts - 1) / (size_t)parts;
        size_t off = (size_t)*part * step;
        size_t n = total - off < step ? total - off : step;
        memcpy(payload, all + off, n);
        r.payload = payload;
        r.plen = (uint16_t)n;
        r.seq = 7;
        r.dur = parts > 1 ? 1 : 0;
        r.last = off + n < total ? 1 : 0;
        *part = r.last ? *part + 1 : 0;
    } else if (u.group == S7_UD_GRP_TIME && u.subfn == S7_UD_CLOCK_READ) {
        s7_clock_payload_encode(payload, &f->clock);
        r.payload = payload;
        r.plen = 10;
    } else if (u.group == S7_UD_GRP_TIME && u.subfn == S7_UD_CLOCK_SET) {
        s7_clock_payload_decode(u.payload, u.plen, &f->clock);
        r.rc = 0x0A;
        r.dts = 0;
    } else {
        r.err = 0xD402;
        r.rc = 0x0A;
        r.dts = 0;
    }
    return (size_t)s7_ud_encode(out + 7, 65000, pdu->ref, &r);
}

static void *fake_main(void *arg)
{
    fake *f = arg;
    static __thread uint8_t in[200000], asm_buf[70000], outs[16][70000];
    size_t inl = 0, asml = 0;
    int szl_part = 0;
    struct {
        size_t len;
    } pend[16];
    int npend = 0, closing = 0;
    while (!closing) {
        struct pollfd p = {f->fd, POLLIN, 0};
        int r = poll(&p, 1, (f->flags & F_HOLD) && npend ? 100 : 2000);
        if (r == 0 && npend == 0)
            continue;
        if (r > 0) {
            ssize_t got = read(f->fd, in + inl, sizeof in - inl);
            if (got <= 0)
                break;
            inl += (size_t)got;
        }
        size_t off = 0;
        for (;;) {
            s7_cotp t;
            int n = s7_frame_decode(in + off, inl - off, &t);
            if (n <= 0)
                break;
            off += (size_t)n;
            if (t.code == S7_COTP_CR) {
                if (f->flags & F_CLOSE_AFTER_CR) {
                    close(f->fd);
                    return NULL;
                }
                s7_cotp cc = t;
                cc.code = S7_COTP_CC;
                cc.dst_ref = t.src_ref;
                cc.src_ref = 0x0044;
                cc.tpdu_size = f->tpdu_code ? f->tpdu_code : t.tpdu_size;
                uint8_t b[64];
                int k = s7_cotp_encode(b, sizeof b, &cc);
                put(f->fd, b, (size_t)k);
                continue;
            }
            if (t.code != S7_COTP_DT)
                continue;
            memcpy(asm_buf + asml, t.user, t.user_len);
            asml += t.user_len;
            if (!t.eot)
                continue;
            s7_pdu pdu;
            int ok = s7_pdu_decode(asm_buf, asml, &pdu);
            asml = 0;
            if (ok < 0)
                continue;
            uint8_t *out = outs[npend];
            size_t len = 0;
            if (pdu.rosctr == S7_JOB && pdu.param_len && pdu.param[0] == S7_FN_SETUP) {
                s7_setup s;
                s7_setup_decode(&pdu, &s);
                s7_setup a = {f->amq, f->amq, f->pdu};
                len = (size_t)s7_setup_resp_encode(out + 7, 64, pdu.ref, &a);
                send_pdu(f, out, len);
                continue;
            }
            if (f->flags & F_SILENT)
                continue;
            int var = pdu.rosctr == S7_JOB && pdu.param_len &&
                      (pdu.param[0] == S7_FN_READ || pdu.param[0] == S7_FN_WRITE);
            if (var && f->answer_max && f->jobs >= f->answer_max) {
                f->jobs++;
                if (f->flags & F_CLOSE_LATE) {
                    closing = 1;
                    break;
                }
                continue;
            }
            if (var)
                len = answer_var(f, &pdu, out);
            else if (pdu.rosctr == S7_JOB && pdu.param_len &&
                     (pdu.param[0] == S7_FN_STOP || pdu.param[0] == S7_FN_PI)) {
                f->stopped = pdu.param[0] == S7_FN_STOP;
                len = (size_t)s7_plc_ctrl_resp_encode(out + 7, 64, pdu.ref, pdu.param[0], 0);
            } else if (pdu.rosctr == S7_USERDATA)
                len = answer_ud(f, &pdu, out, &szl_part);
            if (!len)
                continue;
            if (f->flags & F_BAD_REF) {
                out[7 + 4] ^= 0x55; /* a reference no job has */
            }
            pend[npend++].len = len;
            if (npend == 16)
                break;
        }
        memmove(in, in + off, inl - off);
        inl -= off;
        if (npend && (f->flags & F_HOLD) && npend < f->amq && r > 0 && !closing)
            continue; /* wait for more jobs of the window */
        if (npend > f->max_batch)
            f->max_batch = npend;
        for (int i = 0; i < npend; i++) {
            int k = (f->flags & F_REVERSE) ? npend - 1 - i : i;
            send_pdu(f, outs[k], pend[k].len);
        }
        npend = 0;
    }
    close(f->fd);
    return NULL;
}

/* A client connected to a new fake PLC. */
static s7_client *start(fake *f, int flags, uint16_t pdu, uint16_t amq, int *rc_out)
{
    int sv[2];
    memset(f, 0, sizeof *f);
    f->flags = flags;
    f->pdu = pdu;
    f->amq = amq;
    f->db1_len = 65536;
    for (uint32_t i = 0; i < 65536; i++)
        f->db1[i] = (uint8_t)(i * 7 + 3);
    f->clock = (s7_datetime){2026, 11, 21, 13, 45, 7, 123, 0};
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    f->fd = sv[1];
    pthread_create(&f->th, NULL, fake_main, f);
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.request_timeout_ms = 500;
    o.connect_timeout_ms = 1000;
    s7_client *c = s7_client_new(&o);
    int rc = s7_client_connect_fd(c, sv[0]);
    if (rc_out)
        *rc_out = rc;
    return c;
}

static void stop(fake *f, s7_client *c)
{
    s7_client_free(c);
    pthread_join(f->th, NULL);
}

static fake F; /* large: keep it off the stack */

static void on_done_own(s7_client *c, int result, void *ud)
{
    (void)c;
    *(int *)ud = result;
}

static void test_handshake_and_reads(void)
{
    int rc;
    s7_client *c = start(&F, 0, 480, 3, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(s7_client_pdu(c), 480);
    CHECK_INT(s7_client_amq(c), 3);
    uint8_t b[4];
    CHECK_INT(s7_client_db_read(c, 1, 100, b, 4), 0);
    CHECK_MEM(b, F.db1 + 100, 4);

    /* 1,000 scattered items in one call: the fewest PDUs at PDU 480 is ceil(1000/39) */
    static s7_item items[1000];
    static uint8_t bufs[1000][4];
    memset(items, 0, sizeof items);
    for (int i = 0; i < 1000; i++) {
        items[i].area = S7_AREA_DB;
        items[i].db = 1;
        items[i].start = (uint32_t)i * 64;
        items[i].count = 4;
        items[i].buf = bufs[i];
    }
    int before = F.jobs;
    CHECK_INT(s7_client_read(c, items, 1000), 0);
    CHECK_INT(F.jobs - before, (1000 + 38) / 39);
    int good = 1;
    for (int i = 0; i < 1000; i++)
        good &= memcmp(bufs[i], F.db1 + i * 64, 4) == 0 && items[i].status == 0;
    CHECK(good);

    /* nearby items merge: 100 consecutive words = one range, one PDU */
    before = F.jobs;
    for (int i = 0; i < 100; i++) {
        items[i].start = 2000 + (uint32_t)i * 2;
        items[i].count = 2;
    }
    CHECK_INT(s7_client_read(c, items, 100), 0);
    CHECK_INT(F.jobs - before, 1);
    good = 1;
    for (int i = 0; i < 100; i++)
        good &= memcmp(bufs[i], F.db1 + 2000 + i * 2, 2) == 0;
    CHECK(good);

    /* bits: alone and merged with bytes */
    s7_item bit[2];
    uint8_t v0 = 9, v1 = 9, byte;
    memset(bit, 0, sizeof bit);
    bit[0] = (s7_item){.area = S7_AREA_DB,
                       .db = 1,
                       .ts = S7_TS_BIT,
                       .start = 10,
                       .bit = 3,
                       .count = 1,
                       .buf = &v0};
    CHECK_INT(s7_client_read(c, bit, 1), 0);
    CHECK_INT(v0, (F.db1[10] >> 3) & 1);
    bit[1] = (s7_item){
        .area = S7_AREA_DB, .db = 1, .ts = S7_TS_BYTE, .start = 11, .count = 1, .buf = &byte};
    bit[0].bit = 5;
    bit[0].buf = &v1;
    CHECK_INT(s7_client_read(c, bit, 2), 0);
    CHECK_INT(v1, (F.db1[10] >> 5) & 1);
    CHECK_INT(byte, F.db1[11]);
    stop(&F, c);
}

static void test_big_area_pipelined(void)
{
    int rc;
    s7_client *c = start(&F, F_HOLD, 960, 8, &rc);
    CHECK_INT(rc, 0);
    static uint8_t big[65536];
    CHECK_INT(s7_client_db_read(c, 1, 0, big, 65536), 0);
    CHECK_MEM(big, F.db1, 65536);
    CHECK_INT(F.jobs, (65536 + 941) / 942);
    CHECK_INT(F.max_batch, 8); /* the whole window was in flight */
    /* write a large block and read it back */
    for (int i = 0; i < 5000; i++)
        big[i] = (uint8_t)(i ^ 0x5A);
    CHECK_INT(s7_client_db_write(c, 1, 1000, big, 5000), 0);
    CHECK_MEM(F.db1 + 1000, big, 5000);
    stop(&F, c);
}

static void test_item_errors(void)
{
    int rc;
    s7_client *c = start(&F, 0, 480, 3, &rc);
    F.db1_len = 1000;
    uint8_t a[4] = {0}, b[4] = {0}, d[4] = {0};
    s7_item it[3];
    memset(it, 0, sizeof it);
    it[0] = (s7_item){.area = S7_AREA_DB, .db = 1, .start = 990, .count = 4, .buf = a};
    it[1] = (s7_item){
        .area = S7_AREA_DB, .db = 1, .start = 998, .count = 4, .buf = b}; /* past the end */
    it[2] =
        (s7_item){.area = S7_AREA_DB, .db = 2, .start = 0, .count = 4, .buf = d}; /* missing DB */
    CHECK_INT(s7_client_read(c, it, 3), S7_ERR_ITEM);
    /* the merged range 990..1002 failed; the second pass read item 0 alone */
    CHECK_INT(it[0].status, 0);
    CHECK_MEM(a, F.db1 + 990, 4);
    CHECK_INT(it[1].status, S7_ERR_ITEM);
    CHECK_INT(it[1].rc, 0x05);
    CHECK_INT(it[2].status, S7_ERR_ITEM);
    CHECK_INT(it[2].rc, 0x0A);
    const s7_explain *e = s7_client_last_error(c);
    CHECK_INT(e->kind, S7_EX_ITEM);
    CHECK(e->code == 0x05 || e->code == 0x0A);
    uint32_t len = 0;
    CHECK_INT(s7_client_db_length(c, 1, &len), 0);
    CHECK_INT(len, 1000);
    CHECK_INT(s7_client_db_length(c, 2, &len), S7_ERR_ITEM);
    CHECK_INT(s7_client_last_error(c)->code, 0x0A);
    CHECK(s7_client_connected(c));
    stop(&F, c);
}

static void test_put_get_off(void)
{
    int rc;
    s7_client *c = start(&F, F_PUTGET_OFF, 240, 1, &rc);
    CHECK_INT(rc, 0);
    uint8_t b[4];
    CHECK_INT(s7_client_db_read(c, 1, 0, b, 4), S7_ERR_PLC);
    const s7_explain *e = s7_client_last_error(c);
    CHECK_INT(e->kind, S7_EX_HEADER);
    CHECK_INT(e->code, 0x8104);
    CHECK(e->fix && strstr(e->fix, "PUT/GET") != NULL);
    CHECK(s7_client_connected(c)); /* a PLC error does not drop the connection */
    stop(&F, c);
}

static void test_bad_ref(void)
{
    int rc;
    s7_client *c = start(&F, F_BAD_REF, 480, 1, &rc);
    CHECK_INT(rc, 0);
    uint8_t b[4] = {0xEE, 0xEE, 0xEE, 0xEE};
    CHECK_INT(s7_client_db_read(c, 1, 0, b, 4), S7_ERR_PDUREF);
    CHECK(b[0] == 0xEE && b[3] == 0xEE); /* stale or foreign data is never handed out */
    CHECK(!s7_client_connected(c));
    CHECK_INT(s7_client_db_read(c, 1, 0, b, 4), S7_ERR_NOTCONN);
    stop(&F, c);
}

static void test_fragments_fastack_reverse(void)
{
    int rc;
    s7_client *c = start(&F, F_FRAG | F_FAST_ACK | F_REVERSE | F_HOLD, 960, 4, &rc);
    CHECK_INT(rc, 0);
    static uint8_t big[8000];
    CHECK_INT(s7_client_db_read(c, 1, 100, big, 8000), 0);
    CHECK_MEM(big, F.db1 + 100, 8000);
    CHECK_INT(F.max_batch, 4);
    stop(&F, c);
}

static void test_small_tpdu_request_fragments(void)
{
    int rc;
    memset(&F, 0, sizeof F);
    /* the CC confirms a 128-byte TPDU: a 480-byte write must go out in DT fragments */
    s7_client *c = start(&F, 0, 480, 1, &rc);
    stop(&F, c);
    int sv[2];
    memset(&F, 0, sizeof F);
    F.pdu = 480;
    F.amq = 1;
    F.tpdu_code = 0x07;
    F.db1_len = 65536;
    socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
    F.fd = sv[1];
    pthread_create(&F.th, NULL, fake_main, &F);
    c = s7_client_new(NULL);
    CHECK_INT(s7_client_connect_fd(c, sv[0]), 0);
    uint8_t w[400];
    for (int i = 0; i < 400; i++)
        w[i] = (uint8_t)(i * 3);
    CHECK_INT(s7_client_db_write(c, 1, 50, w, 400), 0);
    CHECK_MEM(F.db1 + 50, w, 400);
    stop(&F, c);
}

static void test_szl_clock_control(void)
{
    int rc;
    s7_client *c = start(&F, 0, 480, 1, &rc);
    F.szl_parts = 3;
    uint8_t recs[512];
    s7_szl_hdr h;
    int n = s7_client_read_szl(c, 0x0011, 0, &h, recs, sizeof recs);
    CHECK_INT(n, 4 * 28);
    CHECK_INT(h.rec_len, 28);
    CHECK_INT(h.rec_count, 4);
    s7_cpu_info info;
    CHECK_INT(s7_client_cpu_info(c, &info), 0);
    CHECK_STR(info.order_code, "6ES7 511-1AK02-0AB0");
    CHECK_STR(info.version, "V2.9.4");
    /* an SZL the fake does not know: userdata error D402 */
    CHECK_INT(s7_client_read_szl(c, 0x0999, 0, &h, recs, sizeof recs), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(c)->code, 0xD402);
    s7_datetime t;
    CHECK_INT(s7_client_get_clock(c, &t), 0);
    CHECK_INT(t.year, 2026);
    CHECK_INT(t.sec, 7);
    CHECK_INT(t.msec, 123);
    CHECK_INT(t.wday, 7); /* 2026-11-21 is a Saturday */
    s7_datetime set = {2030, 1, 2, 3, 4, 5, 600, 0};
    CHECK_INT(s7_client_set_clock(c, &set), 0);
    CHECK_INT(F.clock.year, 2030);
    CHECK_INT(F.clock.msec, 600);
    CHECK_INT(s7_client_plc_stop(c), 0);
    CHECK_INT(F.stopped, 1);
    CHECK_INT(s7_client_plc_start(c, S7_START_COLD), 0);
    CHECK_INT(F.stopped, 0);
    stop(&F, c);
}

/* Replies that do not conform to the request: refused as a whole (S7_ERR_PARAM), the
 * connection stays usable, and s7_client_peer_problem says what was asked and what came. */
static void test_nonconforming(void)
{
    int rc;
    uint8_t b[4] = {0x55, 0x55, 0x55, 0x55};
    uint32_t len = 0;
    s7_client *c = start(&F, F_WRONG_LEN, 480, 1, &rc);
    CHECK_INT(rc, 0);
    CHECK_STR(s7_client_peer_problem(c), "");
    CHECK_INT(s7_client_db_read(c, 1, 0, b, 1), S7_ERR_PARAM);
    CHECK_INT(b[0], 0x55); /* nothing handed out */
    CHECK(strstr(s7_client_peer_problem(c), "(asked: DB1 byte 0, 1 byte)") != NULL);
    CHECK(strstr(s7_client_peer_problem(c), "length 40 = 5 bytes for a 1-byte item") != NULL);
    CHECK(s7_client_connected(c));
    /* the DB length search stops at the first malformed reply (no 0x00 "item code") */
    CHECK_INT(s7_client_db_length(c, 1, &len), S7_ERR_PARAM);
    CHECK_INT(s7_client_last_error(c)->code, 0);
    /* an item error is a conforming answer: the problem is cleared by the next call */
    CHECK_INT(s7_client_db_read(c, 2, 0, b, 1), S7_ERR_ITEM);
    CHECK_STR(s7_client_peer_problem(c), "");
    stop(&F, c);

    c = start(&F, F_BAD_TSIZE, 480, 1, &rc);
    s7_item it = {.area = S7_AREA_DB, .db = 1, .start = 7, .count = 1, .buf = b};
    CHECK_INT(s7_client_read(c, &it, 1), S7_ERR_PARAM);
    CHECK_INT(it.status, S7_ERR_PARAM);
    CHECK(strstr(s7_client_peer_problem(c), "asked: DB1 byte 7, 1 byte") != NULL);
    CHECK(strstr(s7_client_peer_problem(c),
                 "the length field holds the byte count where transport size 0x04 counts bits "
                 "(8 expected)") != NULL);
    /* a 4-byte read of the same peer is right: only the 1-byte answers are miscoded */
    CHECK_INT(s7_client_db_read(c, 1, 0, b, 4), 0);
    CHECK_MEM(b, F.db1, 4);
    stop(&F, c);

    c = start(&F, F_BAD_SZL, 480, 1, &rc);
    s7_cpu_info info;
    s7_szl_hdr h;
    uint8_t recs[256];
    CHECK_INT(s7_client_cpu_info(c, &info), S7_ERR_PARAM);
    CHECK(strstr(s7_client_peer_problem(c), "SZL 0x0011 index 0x0000: the list header announces "
                                            "4 records of 28 bytes (112 bytes), the answer "
                                            "carries 10 bytes of records (truncated)") != NULL);
    CHECK_INT(s7_client_read_szl(c, 0x0011, 0, &h, recs, sizeof recs), S7_ERR_PARAM);
    /* a list the CPU does not offer is its own answer, not a malformed one */
    CHECK_INT(s7_client_read_szl(c, 0x0999, 0, &h, recs, sizeof recs), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(c)->code, 0xD402);
    CHECK_STR(s7_client_peer_problem(c), "");
    stop(&F, c);
}

static void test_refused_and_silent(void)
{
    int rc;
    s7_client *c = start(&F, F_CLOSE_AFTER_CR, 480, 1, &rc);
    CHECK_INT(rc, S7_ERR_CR_REJECTED);
    stop(&F, c);
    c = start(&F, F_SILENT, 480, 1, &rc);
    CHECK_INT(rc, 0);
    uint8_t b[4];
    CHECK_INT(s7_client_db_read(c, 1, 0, b, 4), S7_ERR_TIMEOUT);
    CHECK(!s7_client_connected(c));
    stop(&F, c);
}

/* A call over several requests that ends early (the peer closes, or stays silent, after
 * answering the first ones): the items of the answered requests keep their results (a read
 * item its data, a write item written, status 0), the others get the error; an item split
 * over several requests counts only when every part was answered. */
static void test_ended_after_some_answers(void)
{
    static const int how[2] = {F_CLOSE_LATE, 0};
    static const int err[2] = {S7_ERR_CLOSED, S7_ERR_TIMEOUT};
    for (int h = 0; h < 2; h++) {
        for (uint16_t amq = 1; amq <= 2; amq++) {
            int rc;
            /* writes: 400 bytes each at PDU 480: one request per item */
            static uint8_t w[3][400];
            s7_client *c = start(&F, how[h], 480, amq, &rc);
            CHECK_INT(rc, 0);
            F.answer_max = 1;
            s7_item wi[3];
            memset(wi, 0, sizeof wi);
            for (int i = 0; i < 3; i++) {
                memset(w[i], 0xA0 + i, sizeof w[i]);
                wi[i] = (s7_item){.area = S7_AREA_DB,
                                  .db = 1,
                                  .start = (uint32_t)i * 1000,
                                  .count = 400,
                                  .buf = w[i]};
            }
            CHECK_INT(s7_client_write(c, wi, 3), err[h]);
            CHECK_INT(wi[0].status, 0); /* confirmed by the CPU: written */
            CHECK_INT(wi[1].status, err[h]);
            CHECK_INT(wi[2].status, err[h]);
            CHECK(F.db1[0] == 0xA0 && F.db1[399] == 0xA0);
            stop(&F, c);

            /* reads at PDU 240: MB-less DB1 items; item 0 (200 bytes) in request 0, item 1
             * (300 bytes, split 222 + 78) in requests 1 and 2 */
            static uint8_t r0[200], r1[300];
            c = start(&F, how[h], 240, amq, &rc);
            CHECK_INT(rc, 0);
            F.answer_max = 2;
            memset(r0, 0, sizeof r0);
            s7_item ri[2] = {{.area = S7_AREA_DB, .db = 1, .start = 0, .count = 200, .buf = r0},
                             {.area = S7_AREA_DB, .db = 1, .start = 5000, .count = 300, .buf = r1}};
            CHECK_INT(s7_client_read(c, ri, 2), err[h]);
            CHECK_INT(ri[0].status, 0);
            CHECK_MEM(r0, F.db1, 200);
            CHECK_INT(ri[1].status, err[h]); /* one part came, the other not: failed */
            stop(&F, c);
        }
    }
}

/* An application loop built only on s7_client_fd / _events / _timeout_ms / _step. */
static void test_own_loop(void)
{
    int rc;
    s7_client *c = start(&F, 0, 480, 2, &rc);
    uint8_t b[8] = {0};
    s7_item it = {.area = S7_AREA_DB, .db = 1, .start = 40, .count = 8, .buf = b};
    int res = 1, turns = 0;
    CHECK_INT(s7_client_read_async(c, &it, 1, on_done_own, &res), 0);
    CHECK(s7_client_events(c) & POLLOUT); /* a request waits to be sent */
    CHECK_INT(s7_client_timeout_ms(c), 0);
    CHECK(s7_client_deadline_ms(c) == 0);
    int64_t t0 = s7_now_ms();
    s7_client_step(c, 0); /* sends it: now the request timeout (500 ms) runs */
    int64_t t1 = s7_now_ms(), due = s7_client_deadline_ms(c);
    if (s7_client_pending(c)) {
        CHECK(due >= t0 + 500 && due <= t1 + 500);
        int t = s7_client_timeout_ms(c);
        CHECK(t > 0 && t <= 500);
    }
    while (s7_client_pending(c) && turns++ < 100) {
        struct pollfd p = {s7_client_fd(c), s7_client_events(c), 0};
        int r = poll(&p, 1, s7_client_timeout_ms(c) < 0 ? 1000 : s7_client_timeout_ms(c));
        s7_client_step(c, r > 0 ? p.revents : 0);
    }
    CHECK_INT(res, 0);
    CHECK(s7_client_deadline_ms(c) == -1); /* nothing in flight: nothing timed */
    CHECK_MEM(b, F.db1 + 40, 8);
    CHECK(turns < 10);
    stop(&F, c);
}

static void test_peer_answers_20_items(void)
{
    int rc;
    s7_client *c = start(&F, F_TRUNC20, 960, 2, &rc);
    static s7_item items[300];
    static uint8_t bufs[300][4];
    memset(items, 0, sizeof items);
    for (int i = 0; i < 300; i++)
        items[i] = (s7_item){
            .area = S7_AREA_DB, .db = 1, .start = (uint32_t)i * 100, .count = 4, .buf = bufs[i]};
    CHECK_INT(s7_client_read(c, items, 300), 0);
    int good = 1;
    for (int i = 0; i < 300; i++)
        good &= items[i].status == 0 && memcmp(bufs[i], F.db1 + i * 100, 4) == 0;
    CHECK(good);
    /* the cap is learnt: the next read needs exactly ceil(300/20) requests */
    int before = F.jobs;
    CHECK_INT(s7_client_read(c, items, 300), 0);
    CHECK_INT(F.jobs - before, 15);
    stop(&F, c);
}

static int done_count;
static void on_done(s7_client *c, int result, void *ud)
{
    (void)c;
    if (result == 0)
        done_count++;
    *(int *)ud = result;
}

static void test_async_multi(void)
{
    static fake f2;
    int rc1, rc2;
    s7_client *c1 = start(&F, 0, 480, 2, &rc1);
    s7_client *c2 = start(&f2, 0, 240, 1, &rc2);
    CHECK_INT(rc1 | rc2, 0);
    s7_multi *m = s7_multi_new();
    s7_multi_add(m, c1);
    s7_multi_add(m, c2);
    static uint8_t bufs[20][16];
    s7_item items[20];
    int res[20];
    memset(items, 0, sizeof items);
    done_count = 0;
    for (int i = 0; i < 20; i++) {
        items[i] = (s7_item){
            .area = S7_AREA_DB, .db = 1, .start = (uint32_t)i * 100, .count = 16, .buf = bufs[i]};
        res[i] = 1;
        CHECK_INT(s7_client_read_async(i % 2 ? c2 : c1, &items[i], 1, on_done, &res[i]), 0);
    }
    CHECK_INT(s7_multi_run(m, 3000), 0);
    CHECK_INT(done_count, 20);
    int good = 1;
    for (int i = 0; i < 20; i++)
        good &= res[i] == 0 && memcmp(bufs[i], (i % 2 ? f2.db1 : F.db1) + i * 100, 16) == 0;
    CHECK(good);
    s7_multi_free(m);
    stop(&F, c1);
    stop(&f2, c2);
}

/* The handshake's own timeout: a partner that takes the TCP connection and never answers the
 * CR fails the connect with S7_ERR_TIMEOUT after connect_timeout_ms (S7_ERR_CONNECT_TIMEOUT is
 * TCP's alone), one that closes at the CR with S7_ERR_CR_REJECTED: as client.h lists them. */
static void test_connect_unanswered_cr(void)
{
    int sv[2];
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.connect_timeout_ms = 200;
    s7_client *c = s7_client_new(&o);
    int64_t t0 = s7_now_ms();
    CHECK_INT(s7_client_connect_fd(c, sv[0]), S7_ERR_TIMEOUT); /* sv[1] never answers */
    int64_t took = s7_now_ms() - t0;
    CHECK(took >= 190 && took < 2000);
    CHECK(!s7_client_connected(c));
    close(sv[1]);
    CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    close(sv[1]); /* the partner closes at once */
    CHECK_INT(s7_client_connect_fd(c, sv[0]), S7_ERR_CR_REJECTED);
    s7_client_free(c);
}

int main(void)
{
    test_handshake_and_reads();
    test_big_area_pipelined();
    test_item_errors();
    test_put_get_off();
    test_bad_ref();
    test_fragments_fastack_reverse();
    test_small_tpdu_request_fragments();
    test_szl_clock_control();
    test_refused_and_silent();
    test_connect_unanswered_cr();
    test_nonconforming();
    test_async_multi();
    test_peer_answers_20_items();
    test_own_loop();
    test_ended_after_some_answers();
    return t_done();
}
