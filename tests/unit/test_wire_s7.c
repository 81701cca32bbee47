/* Unit tests of the S7 PDU codec (wire/pdu.c, setup.c, var.c, ctrl.c) against golden
 * frames: the Snap7 loopback capture (shared/vectors/snap7-loopback.pcap, frame numbers
 * given) and the frames quoted in docs/s7-protocol.md sections 3, 4, 5, 7 and Appendix A.
 * Each frame is decoded to exact fields, encoded back from fields byte for byte, and
 * every truncated prefix is fed to the frame, PDU and parameter/data decoders. */
#include <stdint.h>
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static uint8_t encbuf[4096];
static unsigned g_n; /* item count the sub-decoders expect */

typedef int (*sub_fn)(const s7_pdu *p);

/* Load a frame (hex) into f, check the stream prefixes, decode frame and PDU. Returns
 * the frame length; *pdu views into f. */
static size_t load_bytes(uint8_t *f, size_t n, s7_pdu *pdu, sub_fn sub)
{
    s7_cotp t;
    int again = 0;
    for (size_t k = 0; k < n; k++)
        again += s7_frame_decode(f, k, &t) == S7_AGAIN;
    CHECK_INT(again, n);
    CHECK_INT(s7_frame_decode(f, n, &t), n);
    CHECK_INT(t.code, S7_COTP_DT);
    CHECK_INT(t.eot, 1);
    CHECK(t.user == f + S7_ISO_HDR_LEN);
    CHECK_INT(t.user_len, n - S7_ISO_HDR_LEN);
    /* every truncated PDU is refused by the header decoder */
    int bad = 0;
    for (size_t k = 0; k < t.user_len; k++)
        bad += s7_pdu_decode(t.user, k, pdu) == S7_ERR_S7HDR;
    CHECK_INT(bad, t.user_len);
    /* one byte too many is refused too */
    CHECK_INT(s7_pdu_decode(t.user, t.user_len + 1, pdu), S7_ERR_S7HDR);
    CHECK_INT(s7_pdu_decode(t.user, t.user_len, pdu), t.user_len);
    if (sub) {
        CHECK(sub(pdu) >= 0);
        /* truncated parameter or data block: the sub-decoder fails, never crashes */
        int neg = 0, total = 0;
        for (uint16_t k = 0; k < pdu->param_len; k++, total++) {
            s7_pdu q = *pdu;
            q.param_len = k;
            neg += sub(&q) < 0;
        }
        for (uint16_t k = 0; k < pdu->data_len; k++, total++) {
            s7_pdu q = *pdu;
            q.data_len = k;
            neg += sub(&q) < 0;
        }
        CHECK_INT(neg, total);
    }
    return n;
}

static size_t load(const char *hex, uint8_t *f, size_t cap, s7_pdu *pdu, sub_fn sub)
{
    size_t n = t_hex(hex, f, cap);
    return load_bytes(f, n, pdu, sub);
}

/* ------------------------------------------------------------ sub-decoders */
static int sub_setup(const s7_pdu *p)
{
    s7_setup s;
    return s7_setup_decode(p, &s);
}

static int sub_read_req(const s7_pdu *p)
{
    uint8_t fn;
    s7_var_spec specs[S7_ITEMS_MAX];
    unsigned n;
    int r = s7_var_req_decode(p, &fn, specs, S7_ITEMS_MAX, &n);
    if (r >= 0 && fn != S7_FN_READ)
        return -100;
    return r;
}

static int sub_write_req(const s7_pdu *p)
{
    uint8_t fn;
    s7_var_spec specs[S7_ITEMS_MAX];
    s7_data_item items[S7_ITEMS_MAX];
    unsigned n;
    int r = s7_var_req_decode(p, &fn, specs, S7_ITEMS_MAX, &n);
    if (r < 0)
        return r;
    if (fn != S7_FN_WRITE)
        return -100;
    r = s7_data_items_decode(p->data, p->data_len, 1, items, n);
    if (r < 0)
        return r;
    return r == (int)p->data_len ? r : -101;
}

static int sub_read_resp(const s7_pdu *p)
{
    s7_data_item items[S7_ITEMS_MAX];
    return s7_read_resp_decode(p, items, g_n);
}

static int sub_write_resp(const s7_pdu *p)
{
    uint8_t rcs[S7_ITEMS_MAX];
    return s7_write_resp_decode(p, rcs, g_n);
}

static int sub_ctrl(const s7_pdu *p)
{
    s7_plc_ctrl c;
    return s7_plc_ctrl_decode(p, &c);
}

static int sub_ctrl_resp(const s7_pdu *p)
{
    uint8_t fn, st;
    return s7_plc_ctrl_resp_decode(p, &fn, &st);
}

/* ------------------------------------------------------------ header */
static void test_header(void)
{
    CHECK_INT(s7_pdu_header_len(S7_JOB), 10);
    CHECK_INT(s7_pdu_header_len(S7_USERDATA), 10);
    CHECK_INT(s7_pdu_header_len(S7_ACK), 12);
    CHECK_INT(s7_pdu_header_len(S7_ACK_DATA), 12);

    /* 12-byte Ack 81 04: PUT/GET not permitted (nodes7 issue #4 log, S7-1200) */
    static uint8_t f[64];
    s7_pdu p;
    size_t n =
        load("03 00 00 13 02 f0 80 32 02 00 00 00 02 00 00 00 00 81 04", f, sizeof f, &p, NULL);
    CHECK_INT(n, 19);
    CHECK_INT(p.rosctr, S7_ACK);
    CHECK_INT(p.ref, 0x0002);
    CHECK_INT(p.param_len, 0);
    CHECK_INT(p.data_len, 0);
    CHECK_INT(p.err_class, 0x81);
    CHECK_INT(p.err_code, 0x04);
    CHECK(p.param == NULL && p.data == NULL);
    CHECK_ENC(f + 7, 12, s7_ack_error_encode(ob, oc, 0x0002, 0x81, 0x04));
    CHECK_ENC(f + 7, 12, s7_pdu_encode_header(ob, oc, &p));
    /* a read reply decoder sees the PLC error */
    g_n = 1;
    CHECK_INT(sub_read_resp(&p), S7_ERR_PLC);
    CHECK_INT(sub_write_resp(&p), S7_ERR_PLC);
    CHECK_INT(sub_setup(&p), S7_ERR_PLC);
    CHECK_INT(sub_ctrl_resp(&p), S7_ERR_PLC);
    CHECK_INT(sub_read_req(&p), S7_ERR_PARAM);

    /* Snap7 server refusing an upload: Ack D2 41 [CAP] */
    uint8_t b[32];
    size_t m = t_hex("32 02 0000 00B1 0000 0000 D2 41", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), 12);
    CHECK_INT(p.err_class, 0xD2);
    CHECK_INT(p.err_code, 0x41);
    CHECK_ENC(b, 12, s7_ack_error_encode(ob, oc, 0x00B1, 0xD2, 0x41));
    /* 0x85 0x00: PDU size exceeded */
    CHECK_INT(s7_ack_error_encode(b, sizeof b, 7, 0x85, 0x00), 12);
    CHECK_MEM(b, "\x32\x02\x00\x00\x00\x07\x00\x00\x00\x00\x85\x00", 12);

    /* corrupted headers */
    m = t_hex("33 01 0000 0001 0000 0000", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), S7_ERR_S7HDR);
    m = t_hex("32 04 0000 0001 0000 0000", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), S7_ERR_S7HDR);
    m = t_hex("32 00 0000 0001 0000 0000", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), S7_ERR_S7HDR);
    m = t_hex("32 01 0000 0001 0000 0000", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), 10);
    /* param_len lies (too long, too short) */
    m = t_hex("32 01 0000 0001 0009 0000 | F0 00 00 01 00 01 01 E0", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), S7_ERR_S7HDR);
    m = t_hex("32 01 0000 0001 0007 0000 | F0 00 00 01 00 01 01 E0", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), S7_ERR_S7HDR);
    /* data_len lies */
    m = t_hex("32 03 0000 0001 0002 0009 0000 | 04 01 | FF 04 0020 00 01 02 03", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), S7_ERR_S7HDR);
    /* an Ack_Data header needs 12 bytes */
    m = t_hex("32 03 0000 0001 0000 0000 00", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), S7_ERR_S7HDR);

    /* header encoder */
    s7_pdu h;
    memset(&h, 0, sizeof h);
    h.rosctr = S7_USERDATA;
    h.ref = 0x1100;
    h.param_len = 8;
    h.data_len = 8;
    CHECK_INT(s7_pdu_encode_header(b, sizeof b, &h), 10);
    CHECK_MEM(b, "\x32\x07\x00\x00\x11\x00\x00\x08\x00\x08", 10);
    h.rosctr = 5;
    CHECK_INT(s7_pdu_encode_header(b, sizeof b, &h), S7_ERR_INVAL);
}

/* ------------------------------------------------------------ setup */
static void test_setup(void)
{
    static uint8_t f[64], g[64], h[64];
    s7_pdu p;
    s7_setup s;
    /* Snap7 client request, AmQ 1/1, PDU 480 (frame 3) */
    load("03 00 00 19 02 F0 80 32 01 00 00 00 00 00 08 00 00 F0 00 00 01 00 01 01 E0", f, sizeof f,
         &p, sub_setup);
    CHECK_INT(p.rosctr, S7_JOB);
    CHECK_INT(p.ref, 0);
    CHECK_INT(p.param_len, 8);
    CHECK_INT(s7_setup_decode(&p, &s), 8);
    CHECK_INT(s.amq_calling, 1);
    CHECK_INT(s.amq_called, 1);
    CHECK_INT(s.pdu_len, 480);
    CHECK_ENC(f + 7, 18, s7_setup_req_encode(ob, oc, 0, &s));

    /* Snap7 server reply (frame 4): 27-byte frame */
    size_t n =
        load("03 00 00 1B 02 F0 80 32 03 00 00 00 00 00 08 00 00 00 00 F0 00 00 01 00 01 01 E0", g,
             sizeof g, &p, sub_setup);
    CHECK_INT(n, 27);
    CHECK_INT(p.rosctr, S7_ACK_DATA);
    CHECK_INT(s7_setup_decode(&p, &s), 8);
    CHECK_INT(s.pdu_len, 480);
    CHECK_ENC(g + 7, 20, s7_setup_resp_encode(ob, oc, 0, &s));

    /* nodes7 request AmQ 8/8 PDU 960 (s7-protocol.md 3; PDU reference taken as 0000) */
    load("03 00 00 19 02 F0 80 32 01 00 00 00 00 00 08 00 00 F0 00 00 08 00 08 03 C0", h, sizeof h,
         &p, sub_setup);
    CHECK_INT(s7_setup_decode(&p, &s), 8);
    CHECK_INT(s.amq_calling, 8);
    CHECK_INT(s.amq_called, 8);
    CHECK_INT(s.pdu_len, 960);
    CHECK_ENC(h + 7, 18, s7_setup_req_encode(ob, oc, 0, &s));

    /* wrong function code, data present, Userdata type */
    uint8_t b[32];
    size_t m = t_hex("32 01 0000 0000 0008 0000 F1 00 00 01 00 01 01 E0", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), m);
    CHECK_INT(s7_setup_decode(&p, &s), S7_ERR_PARAM);
    m = t_hex("32 01 0000 0000 0008 0001 F0 00 00 01 00 01 01 E0 00", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), m);
    CHECK_INT(s7_setup_decode(&p, &s), S7_ERR_PARAM);
    m = t_hex("32 07 0000 0000 0008 0000 F0 00 00 01 00 01 01 E0", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), m);
    CHECK_INT(s7_setup_decode(&p, &s), S7_ERR_PARAM);
    /* a setup answered with a header error */
    m = t_hex("32 03 0000 0000 0000 0000 81 04", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, m, &p), m);
    CHECK_INT(s7_setup_decode(&p, &s), S7_ERR_PLC);
}

/* ------------------------------------------------------------ read var */
static void spec_eq(const s7_var_spec *s, uint8_t ts, uint16_t count, uint16_t db, uint8_t area,
                    uint32_t addr)
{
    CHECK_INT(s->ts, ts);
    CHECK_INT(s->count, count);
    CHECK_INT(s->db, db);
    CHECK_INT(s->area, area);
    CHECK_INT(s->addr, addr);
}

/* One single-item read: request and reply frames from the capture. */
static void read_pair(const char *req, const char *resp, uint8_t ts, uint16_t count, uint16_t db,
                      uint8_t area, uint32_t addr, uint8_t rc, uint8_t dts, uint16_t len_field,
                      const char *data_hex)
{
    static uint8_t f[600], g[600];
    s7_pdu p;
    s7_var_spec specs[4];
    unsigned n = 0;
    uint8_t fn = 0;
    load(req, f, sizeof f, &p, sub_read_req);
    CHECK_INT(s7_var_req_decode(&p, &fn, specs, 4, &n), 1);
    CHECK_INT(fn, S7_FN_READ);
    CHECK_INT(n, 1);
    spec_eq(&specs[0], ts, count, db, area, addr);
    size_t plen = 10u + p.param_len;
    CHECK_ENC(f + 7, plen, s7_read_req_encode(ob, oc, p.ref, specs, 1));
    uint16_t ref = p.ref;

    g_n = 1;
    size_t m = load(resp, g, sizeof g, &p, sub_read_resp);
    CHECK_INT(p.ref, ref);
    s7_data_item it[2];
    CHECK_INT(s7_read_resp_decode(&p, it, 1), 1);
    /* the captured reply conforms to the captured request */
    char why[256] = "x";
    CHECK_INT(s7_read_resp_check(&p, specs, 1, it, why, sizeof why), 1);
    CHECK_STR(why, "");
    CHECK_INT(it[0].rc, rc);
    CHECK_INT(it[0].ts, dts);
    CHECK_INT(it[0].len_field, len_field);
    uint8_t want[64];
    size_t wn = t_hex(data_hex, want, sizeof want);
    CHECK_INT(it[0].nbytes, wn);
    if (wn)
        CHECK_MEM(it[0].data, want, wn);
    else
        CHECK(it[0].data == NULL);
    if (rc == S7_RC_OK) {
        CHECK_ENC(g + 7, m - 7, s7_read_resp_encode(ob, oc, ref, it, 1));
        /* and with the length field left for the encoder to derive */
        s7_data_item d = it[0];
        d.len_field = 0;
        CHECK_ENC(g + 7, m - 7, s7_read_resp_encode(ob, oc, ref, &d, 1));
    }
}

static void test_read_single(void)
{
    /* DB1.DBB0 BYTE x4 (frames 5/6) */
    read_pair(
        "03 00 00 1F 02 F0 80 32 01 00 00 01 00 00 0E 00 00 04 01 12 0A 10 02 00 04 00 01 84 00 00 "
        "00",
        "03 00 00 1D 02 F0 80 32 03 00 00 01 00 00 02 00 08 00 00 04 01 FF 04 00 20 00 01 02 03",
        S7_TS_BYTE, 4, 1, S7_AREA_DB, 0, S7_RC_OK, S7_DTS_BYTE, 0x20, "00 01 02 03");
    /* DB1.DBB10 x3, odd single item: no fill (frames 7/8) */
    read_pair("03 00 00 1F 02 F0 80 32 01 00 00 02 00 00 0E 00 00 04 01 12 0A 10 02 00 03 00 01 84 "
              "00 00 50",
              "03 00 00 1C 02 F0 80 32 03 00 00 02 00 00 02 00 07 00 00 04 01 FF 04 00 18 0A 0B 0C",
              S7_TS_BYTE, 3, 1, S7_AREA_DB, 0x50, S7_RC_OK, S7_DTS_BYTE, 0x18, "0A 0B 0C");
    /* M3.5 BIT (frames 19/20): length 1 bit, one byte */
    read_pair("03 00 00 1F 02 F0 80 32 01 00 00 08 00 00 0E 00 00 04 01 12 0A 10 01 00 01 00 00 83 "
              "00 00 1D",
              "03 00 00 1A 02 F0 80 32 03 00 00 08 00 00 02 00 05 00 00 04 01 FF 03 00 01 00",
              S7_TS_BIT, 1, 0, S7_AREA_M, 0x1D, S7_RC_OK, S7_DTS_BIT, 1, "00");
    /* DB1.DBD8 REAL (frames 21/22): length in bytes */
    read_pair(
        "03 00 00 1F 02 F0 80 32 01 00 00 09 00 00 0E 00 00 04 01 12 0A 10 08 00 01 00 01 84 00 00 "
        "40",
        "03 00 00 1D 02 F0 80 32 03 00 00 09 00 00 02 00 08 00 00 04 01 FF 07 00 04 08 09 0A 0B",
        S7_TS_REAL, 1, 1, S7_AREA_DB, 0x40, S7_RC_OK, S7_DTS_REAL, 4, "08 09 0A 0B");
    /* DWORD (frames 23/24) */
    read_pair(
        "03 00 00 1F 02 F0 80 32 01 00 00 0A 00 00 0E 00 00 04 01 12 0A 10 06 00 01 00 01 84 00 00 "
        "40",
        "03 00 00 1D 02 F0 80 32 03 00 00 0A 00 00 02 00 08 00 00 04 01 FF 04 00 20 08 09 0A 0B",
        S7_TS_DWORD, 1, 1, S7_AREA_DB, 0x40, S7_RC_OK, S7_DTS_BYTE, 0x20, "08 09 0A 0B");
    /* T0 TIMER x2 (frames 25/26), octet string */
    read_pair(
        "03 00 00 1F 02 F0 80 32 01 00 00 0B 00 00 0E 00 00 04 01 12 0A 10 1D 00 02 00 00 1D 00 00 "
        "00",
        "03 00 00 1D 02 F0 80 32 03 00 00 0B 00 00 02 00 08 00 00 04 01 FF 09 00 04 00 00 00 00",
        S7_TS_TIMER, 2, 0, S7_AREA_T, 0, S7_RC_OK, S7_DTS_OCTET, 4, "00 00 00 00");
    /* C0 COUNTER x2 (frames 27/28) */
    read_pair(
        "03 00 00 1F 02 F0 80 32 01 00 00 0C 00 00 0E 00 00 04 01 12 0A 10 1C 00 02 00 00 1C 00 00 "
        "00",
        "03 00 00 1D 02 F0 80 32 03 00 00 0C 00 00 02 00 08 00 00 04 01 FF 09 00 04 00 00 00 00",
        S7_TS_COUNTER, 2, 0, S7_AREA_C, 0, S7_RC_OK, S7_DTS_OCTET, 4, "00 00 00 00");
    /* DB99 missing (frames 15/16): Snap7's error item 0A 00 0004, no payload */
    read_pair("03 00 00 1F 02 F0 80 32 01 00 00 06 00 00 0E 00 00 04 01 12 0A 10 02 00 04 00 63 84 "
              "00 00 00",
              "03 00 00 19 02 F0 80 32 03 00 00 06 00 00 02 00 04 00 00 04 01 0A 00 00 04",
              S7_TS_BYTE, 4, 99, S7_AREA_DB, 0, S7_RC_NOT_FOUND, S7_DTS_NULL, 4, "");
    /* DB2 (5 bytes) read 10 (frames 17/18): 05 address out of range */
    read_pair("03 00 00 1F 02 F0 80 32 01 00 00 07 00 00 0E 00 00 04 01 12 0A 10 02 00 0A 00 02 84 "
              "00 00 00",
              "03 00 00 19 02 F0 80 32 03 00 00 07 00 00 02 00 04 00 00 04 01 05 00 00 04",
              S7_TS_BYTE, 10, 2, S7_AREA_DB, 0, S7_RC_ADDR_OUT_OF_RANGE, S7_DTS_NULL, 4, "");

    /* error items are encoded as rc 00 0000: the real-PLC form (S7NetPlus #310) */
    static uint8_t f[64];
    s7_pdu p;
    g_n = 1;
    load("03 00 00 19 02 F0 80 32 03 00 00 00 00 00 02 00 04 00 00 04 01 0A 00 00 00", f, sizeof f,
         &p, sub_read_resp);
    s7_data_item it;
    memset(&it, 0, sizeof it);
    it.rc = S7_RC_NOT_FOUND;
    it.len_field = 4; /* ignored for an error item */
    CHECK_ENC(f + 7, 18, s7_read_resp_encode(ob, oc, 0, &it, 1));
}

/* DBRead(1, 0, 1000) at PDU 480: three requests 462 @0, 462 @0x0E70, 76 @0x1CE0 (frames 9..14).
 * DB1 byte i holds i & 0xFF. */
static void test_read_1000(void)
{
    static const struct {
        uint16_t ref, count;
        uint32_t addr;
    } part[3] = {{0x0300, 462, 0x000000}, {0x0400, 462, 0x000E70}, {0x0500, 76, 0x001CE0}};
    for (int i = 0; i < 3; i++) {
        static uint8_t f[64], g[600];
        char req[200];
        s7_pdu p;
        snprintf(req, sizeof req,
                 "03 00 00 1F 02 F0 80 32 01 00 00 %02X %02X 00 0E 00 00 04 01 12 0A 10 02 %02X "
                 "%02X 00 01 "
                 "84 %02X %02X %02X",
                 part[i].ref >> 8, part[i].ref & 0xFF, part[i].count >> 8, part[i].count & 0xFF,
                 (unsigned)(part[i].addr >> 16), (unsigned)(part[i].addr >> 8) & 0xFF,
                 (unsigned)part[i].addr & 0xFF);
        load(req, f, sizeof f, &p, sub_read_req);
        s7_var_spec s;
        uint8_t fn;
        unsigned n;
        CHECK_INT(s7_var_req_decode(&p, &fn, &s, 1, &n), 1);
        spec_eq(&s, S7_TS_BYTE, part[i].count, 1, S7_AREA_DB, part[i].addr);
        CHECK_ENC(f + 7, 24, s7_read_req_encode(ob, oc, part[i].ref, &s, 1));

        /* reply: 12 + 2 + 4 + count; TPKT 487 for 462 bytes */
        size_t total = 7 + 12 + 2 + 4 + part[i].count;
        char hdr[200];
        snprintf(hdr, sizeof hdr,
                 "03 00 %02X %02X 02 F0 80 32 03 00 00 %02X %02X 00 02 %02X %02X 00 00 04 01 FF 04 "
                 "%02X %02X",
                 (unsigned)(total >> 8), (unsigned)(total & 0xFF), part[i].ref >> 8,
                 part[i].ref & 0xFF, (4 + part[i].count) >> 8, (4 + part[i].count) & 0xFF,
                 (part[i].count * 8) >> 8, (part[i].count * 8) & 0xFF);
        size_t hn = t_hex(hdr, g, sizeof g);
        CHECK_INT(hn, 25);
        uint32_t start = part[i].addr >> 3;
        for (unsigned k = 0; k < part[i].count; k++)
            g[hn + k] = (uint8_t)(start + k);
        g_n = 1;
        size_t m = load_bytes(g, hn + part[i].count, &p, sub_read_resp);
        CHECK_INT(m, i < 2 ? 487 : 101);
        s7_data_item it;
        CHECK_INT(s7_read_resp_decode(&p, &it, 1), 1);
        CHECK_INT(it.rc, S7_RC_OK);
        CHECK_INT(it.ts, S7_DTS_BYTE);
        CHECK_INT(it.nbytes, part[i].count);
        CHECK(it.data == g + 25);
        CHECK_INT(it.data[0], (uint8_t)start);
        CHECK_ENC(g + 7, m - 7, s7_read_resp_encode(ob, oc, part[i].ref, &it, 1));
    }
}

/* Multi-item read: DB1.B0 x3, MB0 x2, DB99.B0 x2 (missing), DB1.W2 x1 (frames 33/34). */
static void test_read_multi(void)
{
    static uint8_t f[128], g[128];
    s7_pdu p;
    load("03 00 00 43 02 F0 80 32 01 00 00 0F 00 00 32 00 00 04 04 12 0A 10 02 00 03 00 01 84 00 "
         "00 00 "
         "12 0A 10 02 00 02 00 00 83 00 00 00 12 0A 10 02 00 02 00 63 84 00 00 00 12 0A 10 04 00 "
         "01 00 01 "
         "84 00 00 10",
         f, sizeof f, &p, sub_read_req);
    s7_var_spec s[4];
    uint8_t fn;
    unsigned n;
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 4, &n), 4);
    spec_eq(&s[0], S7_TS_BYTE, 3, 1, S7_AREA_DB, 0);
    spec_eq(&s[1], S7_TS_BYTE, 2, 0, S7_AREA_M, 0);
    spec_eq(&s[2], S7_TS_BYTE, 2, 99, S7_AREA_DB, 0);
    spec_eq(&s[3], S7_TS_WORD, 1, 1, S7_AREA_DB, 0x10);
    CHECK_ENC(f + 7, 60, s7_read_req_encode(ob, oc, 0x0F00, s, 4));
    CHECK_INT(10 + S7_READ_REQ_SIZE(4) - 10, 2 + 12 * 4 + 10);
    /* too many for the caller's array */
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 3, &n), S7_ERR_NOSPACE);
    CHECK_INT(n, 4);

    g_n = 4;
    size_t m =
        load("03 00 00 2D 02 F0 80 32 03 00 00 0F 00 00 02 00 18 00 00 04 04 FF 04 00 18 00 01 02 "
             "00 FF 04 00 10 00 04 0A 00 00 04 FF 04 00 10 02 03",
             g, sizeof g, &p, sub_read_resp);
    s7_data_item it[4];
    CHECK_INT(s7_read_resp_decode(&p, it, 4), 4);
    CHECK_INT(it[0].rc, 0xFF);
    CHECK_INT(it[0].nbytes, 3);
    CHECK_MEM(it[0].data, "\x00\x01\x02", 3);
    CHECK_INT(it[1].nbytes, 2);
    CHECK_MEM(it[1].data, "\x00\x04", 2);
    CHECK_INT(it[2].rc, S7_RC_NOT_FOUND);
    CHECK_INT(it[2].len_field, 4);
    CHECK_INT(it[2].nbytes, 0);
    CHECK(it[2].data == NULL);
    CHECK_INT(it[3].nbytes, 2);
    CHECK_MEM(it[3].data, "\x02\x03", 2);
    /* wrong item count */
    CHECK_INT(s7_read_resp_decode(&p, it, 3), S7_ERR_PARAM);
    /* our encoder writes the error item as 0A 00 0000 (not Snap7's 0A 00 0004) */
    uint8_t want[64];
    memcpy(want, g + 7, m - 7);
    want[12 + 2 + 8 + 6 + 3] = 0x00;
    CHECK_ENC(want, m - 7, s7_read_resp_encode(ob, oc, 0x0F00, it, 4));
    /* and decodes that form too */
    s7_pdu q;
    CHECK_INT(s7_pdu_decode(want, m - 7, &q), m - 7);
    s7_data_item it2[4];
    CHECK_INT(s7_read_resp_decode(&q, it2, 4), 4);
    CHECK_INT(it2[2].len_field, 0);
    CHECK_INT(it2[3].nbytes, 2);

    /* item count lies: param says 5 items */
    memcpy(want, g + 7, m - 7);
    want[13] = 5;
    CHECK_INT(s7_pdu_decode(want, m - 7, &q), m - 7);
    CHECK_INT(s7_read_resp_decode(&q, it, 4), S7_ERR_PARAM);
    s7_data_item five[5];
    CHECK_INT(s7_data_items_decode(q.data, q.data_len, 0, five, 5), S7_ERR_PARAM);
    /* request item count lies */
    uint8_t rq[128];
    memcpy(rq, f + 7, 60);
    rq[11] = 3;
    CHECK_INT(s7_pdu_decode(rq, 60, &q), 60);
    CHECK_INT(s7_var_req_decode(&q, &fn, s, 4, &n), S7_ERR_PARAM);
    rq[11] = 4;
    rq[14] = 0xB0; /* syntax id DBREAD: not S7ANY */
    CHECK_INT(s7_pdu_decode(rq, 60, &q), 60);
    CHECK_INT(s7_var_req_decode(&q, &fn, s, 4, &n), S7_ERR_PARAM);
    rq[14] = 0x10;
    rq[12] = 0x11; /* variable specification byte */
    CHECK_INT(s7_pdu_decode(rq, 60, &q), 60);
    CHECK_INT(s7_var_req_decode(&q, &fn, s, 4, &n), S7_ERR_PARAM);
}

/* ------------------------------------------------------------ write var */
static void test_write(void)
{
    static uint8_t f[128], g[64];
    s7_pdu p;
    s7_var_spec s[3];
    s7_data_item d[3];
    uint8_t fn, rcs[3];
    unsigned n;

    /* DB1.DBB20 <- 01 02 03 (frames 29/30) */
    load("03 00 00 26 02 F0 80 32 01 00 00 0D 00 00 0E 00 07 05 01 12 0A 10 02 00 03 00 01 84 00 "
         "00 A0 "
         "00 04 00 18 01 02 03",
         f, sizeof f, &p, sub_write_req);
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 3, &n), 1);
    CHECK_INT(fn, S7_FN_WRITE);
    spec_eq(&s[0], S7_TS_BYTE, 3, 1, S7_AREA_DB, 0xA0);
    CHECK_INT(s7_data_items_decode(p.data, p.data_len, 1, d, 1), 7);
    CHECK_INT(d[0].rc, 0);
    CHECK_INT(d[0].ts, S7_DTS_BYTE);
    CHECK_INT(d[0].len_field, 0x18);
    CHECK_INT(d[0].nbytes, 3);
    CHECK_MEM(d[0].data, "\x01\x02\x03", 3);
    CHECK_ENC(f + 7, 31, s7_write_req_encode(ob, oc, 0x0D00, s, d, 1));
    /* ts and length derived from the spec when data.ts is 0 */
    s7_data_item e;
    memset(&e, 0, sizeof e);
    e.data = (const uint8_t *)"\x01\x02\x03";
    e.nbytes = 3;
    CHECK_ENC(f + 7, 31, s7_write_req_encode(ob, oc, 0x0D00, s, &e, 1));
    g_n = 1;
    load("03 00 00 16 02 F0 80 32 03 00 00 0D 00 00 02 00 01 00 00 05 01 FF", g, sizeof g, &p,
         sub_write_resp);
    CHECK_INT(s7_write_resp_decode(&p, rcs, 1), 1);
    CHECK_INT(rcs[0], 0xFF);
    CHECK_ENC(g + 7, 15, s7_write_resp_encode(ob, oc, 0x0D00, rcs, 1));

    /* M1.2 <- 1, BIT (frames 31/32): length 1 */
    load("03 00 00 24 02 F0 80 32 01 00 00 0E 00 00 0E 00 05 05 01 12 0A 10 01 00 01 00 00 83 00 "
         "00 0A "
         "00 03 00 01 01",
         f, sizeof f, &p, sub_write_req);
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 3, &n), 1);
    spec_eq(&s[0], S7_TS_BIT, 1, 0, S7_AREA_M, 0x0A);
    CHECK_INT(s7_data_items_decode(p.data, p.data_len, 1, d, 1), 5);
    CHECK_INT(d[0].ts, S7_DTS_BIT);
    CHECK_INT(d[0].len_field, 1);
    CHECK_INT(d[0].nbytes, 1);
    CHECK_INT(d[0].data[0], 1);
    e.data = (const uint8_t *)"\x01";
    e.nbytes = 1;
    CHECK_ENC(f + 7, 29, s7_write_req_encode(ob, oc, 0x0E00, s, &e, 1));

    /* three items, the third to DB99 (frames 35/36); Snap7's client fill byte is garbage
     * (0x01), ours is 0x00 */
    size_t m =
        load("03 00 00 4A 02 F0 80 32 01 00 00 10 00 00 26 00 13 05 03 12 0A 10 02 00 03 00 01 84 "
             "00 00 F0 12 0A 10 02 00 02 00 00 83 00 00 20 12 0A 10 02 00 01 00 63 84 00 00 00 00 "
             "04 00 18 09 09 09 01 00 04 00 10 07 07 00 04 00 08 01",
             f, sizeof f, &p, sub_write_req);
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 3, &n), 3);
    spec_eq(&s[0], S7_TS_BYTE, 3, 1, S7_AREA_DB, 0xF0);
    spec_eq(&s[1], S7_TS_BYTE, 2, 0, S7_AREA_M, 0x20);
    spec_eq(&s[2], S7_TS_BYTE, 1, 99, S7_AREA_DB, 0);
    CHECK_INT(s7_data_items_decode(p.data, p.data_len, 1, d, 3), 19);
    CHECK_MEM(d[0].data, "\x09\x09\x09", 3);
    CHECK_MEM(d[1].data, "\x07\x07", 2);
    CHECK_INT(d[2].nbytes, 1);
    CHECK_INT(d[2].data[0], 1);
    uint8_t want[128];
    memcpy(want, f + 7, m - 7);
    want[10 + 38 + 7] = 0x00;
    CHECK_ENC(want, m - 7, s7_write_req_encode(ob, oc, 0x1000, s, d, 3));
    g_n = 3;
    load("03 00 00 18 02 F0 80 32 03 00 00 10 00 00 02 00 03 00 00 05 03 FF FF 0A", g, sizeof g, &p,
         sub_write_resp);
    CHECK_INT(s7_write_resp_decode(&p, rcs, 3), 3);
    CHECK_MEM(rcs, "\xFF\xFF\x0A", 3);
    CHECK_ENC(g + 7, 17, s7_write_resp_encode(ob, oc, 0x1000, rcs, 3));
    CHECK_INT(s7_write_resp_decode(&p, rcs, 2), S7_ERR_PARAM);

    /* a trailing fill after the last odd item (STEP 7 Micro/WIN) is tolerated */
    uint8_t b[64];
    size_t bn = t_hex("32 01 0000 0001 000E 0008 05 01 12 0A 10 02 00 03 00 01 84 00 00 A0 "
                      "00 04 00 18 01 02 03 00",
                      b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(sub_write_req(&p), 8);
    /* but not two */
    bn = t_hex("32 01 0000 0001 000E 0009 05 01 12 0A 10 02 00 03 00 01 84 00 00 A0 "
               "00 04 00 18 01 02 03 00 00",
               b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(sub_write_req(&p), -101);
    /* in a read reply too */
    bn = t_hex("32 03 0000 0002 0002 0008 0000 04 01 FF 04 0018 0A 0B 0C 00", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    s7_data_item it;
    CHECK_INT(s7_read_resp_decode(&p, &it, 1), 1);
    CHECK_INT(it.nbytes, 3);
    /* a write request item whose length runs past the data */
    bn = t_hex("32 01 0000 0001 000E 0007 05 01 12 0A 10 02 00 03 00 01 84 00 00 A0 "
               "00 04 00 20 01 02 03",
               b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(sub_write_req(&p), S7_ERR_PARAM);
    /* write request with no data */
    bn = t_hex("32 01 0000 0001 000E 0000 05 01 12 0A 10 02 00 03 00 01 84 00 00 A0", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 3, &n), S7_ERR_PARAM);
    /* read request with data */
    bn = t_hex("32 01 0000 0001 000E 0001 04 01 12 0A 10 02 00 03 00 01 84 00 00 A0 00", b,
               sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 3, &n), S7_ERR_PARAM);
    /* zero items */
    bn = t_hex("32 01 0000 0001 0002 0000 04 00", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(s7_var_req_decode(&p, &fn, s, 3, &n), S7_ERR_PARAM);
}

static void test_encoder_args(void)
{
    s7_var_spec s;
    memset(&s, 0, sizeof s);
    s.ts = S7_TS_BYTE;
    s.count = 1;
    s.area = S7_AREA_M;
    uint8_t b[64];
    CHECK_INT(s7_read_req_encode(b, sizeof b, 0, &s, 0), S7_ERR_INVAL);
    CHECK_INT(s7_read_req_encode(b, sizeof b, 0, &s, 256), S7_ERR_INVAL);
    s.addr = 0x1000000;
    CHECK_INT(s7_read_req_encode(b, sizeof b, 0, &s, 1), S7_ERR_INVAL);
    s.addr = 0;
    /* data item whose length field does not match its bytes */
    s7_data_item d;
    memset(&d, 0, sizeof d);
    d.ts = S7_DTS_BYTE;
    d.len_field = 16;
    d.data = (const uint8_t *)"\x01";
    d.nbytes = 1;
    CHECK_INT(s7_write_req_encode(b, sizeof b, 0, &s, &d, 1), S7_ERR_INVAL);
    d.len_field = 0; /* derived: 8 */
    CHECK_INT(s7_write_req_encode(b, sizeof b, 0, &s, &d, 1), 10 + 14 + 5);
    CHECK_INT(b[26], 0x00);
    CHECK_INT(b[27], 0x08);
    d.data = NULL;
    CHECK_INT(s7_write_req_encode(b, sizeof b, 0, &s, &d, 1), S7_ERR_INVAL);
    /* a read reply of 0 items, or with an OK item whose ts is not given (BYTE assumed) */
    s7_data_item it;
    memset(&it, 0, sizeof it);
    CHECK_INT(s7_read_resp_encode(b, sizeof b, 0, &it, 0), S7_ERR_INVAL);
    it.rc = S7_RC_OK;
    it.data = (const uint8_t *)"\x05\x06";
    it.nbytes = 2;
    CHECK_INT(s7_read_resp_encode(b, sizeof b, 0, &it, 1), 12 + 2 + 6);
    CHECK_MEM(b + 14, "\xFF\x04\x00\x10\x05\x06", 6);
    /* a write reply of 0 items */
    CHECK_INT(s7_write_resp_encode(b, sizeof b, 0, b, 0), S7_ERR_INVAL);

    /* read reply with two odd items: fill 00 after the first only */
    s7_data_item two[2];
    memset(two, 0, sizeof two);
    two[0].rc = two[1].rc = S7_RC_OK;
    two[0].ts = S7_DTS_BYTE;
    two[0].data = (const uint8_t *)"\xAA";
    two[0].nbytes = 1;
    two[1].ts = S7_DTS_BIT;
    two[1].data = (const uint8_t *)"\x01";
    two[1].nbytes = 1;
    CHECK_INT(s7_read_resp_encode(b, sizeof b, 0x0102, two, 2), 12 + 2 + 5 + 1 + 5);
    uint8_t want[32];
    size_t wn = t_hex("32 03 0000 0102 0002 000B 0000 04 02 FF 04 0008 AA 00 FF 03 0001 01", want,
                      sizeof want);
    CHECK_MEM(b, want, wn);
}

static void test_sizes(void)
{
    CHECK_INT(s7_ts_elem_size(S7_TS_BIT), 1);
    CHECK_INT(s7_ts_elem_size(S7_TS_BYTE), 1);
    CHECK_INT(s7_ts_elem_size(S7_TS_CHAR), 1);
    CHECK_INT(s7_ts_elem_size(S7_TS_WORD), 2);
    CHECK_INT(s7_ts_elem_size(S7_TS_INT), 2);
    CHECK_INT(s7_ts_elem_size(S7_TS_DWORD), 4);
    CHECK_INT(s7_ts_elem_size(S7_TS_DINT), 4);
    CHECK_INT(s7_ts_elem_size(S7_TS_REAL), 4);
    CHECK_INT(s7_ts_elem_size(S7_TS_DATE), 2);
    CHECK_INT(s7_ts_elem_size(S7_TS_TOD), 4);
    CHECK_INT(s7_ts_elem_size(S7_TS_TIME), 4);
    CHECK_INT(s7_ts_elem_size(S7_TS_S5TIME), 2);
    CHECK_INT(s7_ts_elem_size(S7_TS_DATE_AND_TIME), 8);
    CHECK_INT(s7_ts_elem_size(S7_TS_COUNTER), 2);
    CHECK_INT(s7_ts_elem_size(S7_TS_TIMER), 2);
    CHECK_INT(s7_ts_elem_size(0x00), 0);
    CHECK_INT(s7_ts_elem_size(0x0D), 0);
    CHECK_INT(s7_ts_data_ts(S7_TS_BIT), S7_DTS_BIT);
    CHECK_INT(s7_ts_data_ts(S7_TS_BYTE), S7_DTS_BYTE);
    CHECK_INT(s7_ts_data_ts(S7_TS_WORD), S7_DTS_BYTE);
    CHECK_INT(s7_ts_data_ts(S7_TS_DWORD), S7_DTS_BYTE);
    CHECK_INT(s7_ts_data_ts(S7_TS_INT), S7_DTS_INT);
    CHECK_INT(s7_ts_data_ts(S7_TS_DINT), S7_DTS_INT);
    CHECK_INT(s7_ts_data_ts(S7_TS_REAL), S7_DTS_REAL);
    CHECK_INT(s7_ts_data_ts(S7_TS_CHAR), S7_DTS_OCTET);
    CHECK_INT(s7_ts_data_ts(S7_TS_TIMER), S7_DTS_OCTET);
    CHECK_INT(s7_ts_data_ts(S7_TS_COUNTER), S7_DTS_OCTET);
    CHECK_INT(s7_ts_data_ts(S7_TS_DATE_AND_TIME), S7_DTS_OCTET);
    CHECK_INT(s7_dts_nbytes(S7_DTS_BIT, 1), 1);
    CHECK_INT(s7_dts_nbytes(S7_DTS_BYTE, 0x20), 4);
    CHECK_INT(s7_dts_nbytes(S7_DTS_BYTE, 0x0E70), 462);
    CHECK_INT(s7_dts_nbytes(S7_DTS_INT, 9), 2);
    CHECK_INT(s7_dts_nbytes(S7_DTS_DINT, 4), 4);
    CHECK_INT(s7_dts_nbytes(S7_DTS_REAL, 4), 4);
    CHECK_INT(s7_dts_nbytes(S7_DTS_OCTET, 4), 4);
    CHECK_INT(s7_dts_nbytes(S7_DTS_BYTE, 0xFFFF), 8192);
    CHECK_INT(s7_dts_len_field(S7_DTS_BIT, 1), 1);
    CHECK_INT(s7_dts_len_field(S7_DTS_BIT, 2), 16);
    CHECK_INT(s7_dts_len_field(S7_DTS_BYTE, 462), 0x0E70);
    CHECK_INT(s7_dts_len_field(S7_DTS_INT, 2), 16);
    CHECK_INT(s7_dts_len_field(S7_DTS_REAL, 4), 4);
    CHECK_INT(s7_dts_len_field(S7_DTS_OCTET, 4), 4);
    /* planner sizes of docs 4.8 */
    CHECK_INT(S7_READ_REQ_SIZE(1), 24);
    CHECK_INT(S7_READ_REQ_SIZE(39), 480);
}

/* ------------------------------------------------------------ PLC control */
static void test_ctrl(void)
{
    static uint8_t f[64], g[64];
    s7_pdu p;
    s7_plc_ctrl c;
    uint8_t fn, st;
    /* PLC Stop (frames 59/60) */
    load("03 00 00 21 02 F0 80 32 01 00 00 1C 00 00 10 00 00 29 00 00 00 00 00 09 50 5F 50 52 4F "
         "47 52 41 4D",
         f, sizeof f, &p, sub_ctrl);
    CHECK_INT(s7_plc_ctrl_decode(&p, &c), 16);
    CHECK_INT(c.fn, S7_FN_STOP);
    CHECK_INT(c.service_len, 9);
    CHECK_MEM(c.service, "P_PROGRAM", 9);
    CHECK_INT(c.arg_len, 0);
    CHECK_ENC(f + 7, 26, s7_plc_stop_req_encode(ob, oc, 0x1C00));
    load("03 00 00 14 02 F0 80 32 03 00 00 1C 00 00 01 00 00 00 00 29", g, sizeof g, &p,
         sub_ctrl_resp);
    CHECK_INT(s7_plc_ctrl_resp_decode(&p, &fn, &st), 1);
    CHECK_INT(fn, S7_FN_STOP);
    CHECK_INT(st, 0);
    CHECK_ENC(g + 7, 13, s7_plc_ctrl_resp_encode(ob, oc, 0x1C00, S7_FN_STOP, 0));

    /* hot start (frames 61/62) */
    load("03 00 00 25 02 F0 80 32 01 00 00 1D 00 00 14 00 00 28 00 00 00 00 00 00 FD 00 00 09 50 "
         "5F 50 52 "
         "4F 47 52 41 4D",
         f, sizeof f, &p, sub_ctrl);
    CHECK_INT(s7_plc_ctrl_decode(&p, &c), 20);
    CHECK_INT(c.fn, S7_FN_PI);
    CHECK_INT(c.mode, S7_START_HOT);
    CHECK_INT(c.arg_len, 0);
    CHECK_MEM(c.service, "P_PROGRAM", 9);
    CHECK_ENC(f + 7, 30, s7_plc_start_req_encode(ob, oc, 0x1D00, S7_START_HOT));
    load("03 00 00 14 02 F0 80 32 03 00 00 1D 00 00 01 00 00 00 00 28", g, sizeof g, &p,
         sub_ctrl_resp);
    CHECK_INT(s7_plc_ctrl_resp_decode(&p, &fn, &st), 1);
    CHECK_INT(fn, S7_FN_PI);
    CHECK_ENC(g + 7, 13, s7_plc_ctrl_resp_encode(ob, oc, 0x1D00, S7_FN_PI, 0));

    /* cold start (frames 63/64) */
    load("03 00 00 27 02 F0 80 32 01 00 00 1E 00 00 16 00 00 28 00 00 00 00 00 00 FD 00 02 43 20 "
         "09 50 5F "
         "50 52 4F 47 52 41 4D",
         f, sizeof f, &p, sub_ctrl);
    CHECK_INT(s7_plc_ctrl_decode(&p, &c), 22);
    CHECK_INT(c.mode, S7_START_COLD);
    CHECK_INT(c.arg_len, 2);
    CHECK_MEM(c.arg, "C ", 2);
    CHECK_ENC(f + 7, 32, s7_plc_start_req_encode(ob, oc, 0x1E00, S7_START_COLD));
    load("03 00 00 14 02 F0 80 32 03 00 00 1E 00 00 01 00 00 00 00 28", g, sizeof g, &p,
         sub_ctrl_resp);
    CHECK_ENC(g + 7, 13, s7_plc_ctrl_resp_encode(ob, oc, 0x1E00, S7_FN_PI, 0));
    CHECK_INT(s7_plc_start_req_encode(encbuf, sizeof encbuf, 0, 2), S7_ERR_INVAL);

    /* reply with a status byte: stop 29 07 = already stopped */
    uint8_t b[32];
    CHECK_INT(s7_plc_ctrl_resp_encode(b, sizeof b, 0x0100, S7_FN_STOP, 0x07), 14);
    CHECK_MEM(b, "\x32\x03\x00\x00\x01\x00\x00\x02\x00\x00\x00\x00\x29\x07", 14);
    CHECK_INT(s7_pdu_decode(b, 14, &p), 14);
    CHECK_INT(s7_plc_ctrl_resp_decode(&p, &fn, &st), 2);
    CHECK_INT(st, 0x07);

    /* service name length lies; unknown function */
    size_t bn = t_hex("32 01 0000 0001 0010 0000 29 00 00 00 00 00 0A 50 5F 50 52 4F 47 52 41 4D",
                      b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(s7_plc_ctrl_decode(&p, &c), S7_ERR_PARAM);
    bn = t_hex("32 01 0000 0001 0010 0000 29 00 00 00 00 00 08 50 5F 50 52 4F 47 52 41 4D", b,
               sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(s7_plc_ctrl_decode(&p, &c), S7_ERR_PARAM);
    bn = t_hex("32 01 0000 0001 0001 0000 1D", b, sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(s7_plc_ctrl_decode(&p, &c), S7_ERR_PARAM);
    /* PI argument block length lies */
    bn = t_hex(
        "32 01 0000 0001 0014 0000 28 00 00 00 00 00 00 FD 00 05 09 50 5F 50 52 4F 47 52 41 4D", b,
        sizeof b);
    CHECK_INT(s7_pdu_decode(b, bn, &p), bn);
    CHECK_INT(s7_plc_ctrl_decode(&p, &c), S7_ERR_PARAM);
}

/* ------------------------------------------------------------ conformance of replies */

/* An Ack_Data reply to a read: param 04 n, data as given (hex). */
static s7_pdu ack_data(uint8_t fn, uint8_t n, const char *data_hex, uint8_t *param, uint8_t *data)
{
    s7_pdu p;
    memset(&p, 0, sizeof p);
    p.rosctr = S7_ACK_DATA;
    param[0] = fn;
    param[1] = n;
    p.param = param;
    p.param_len = 2;
    p.data_len = (uint16_t)t_hex(data_hex, data, 256);
    p.data = data;
    return p;
}

static int has(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

static void test_read_conformance(void)
{
    uint8_t param[2], data[256];
    s7_data_item it[4];
    char why[400];
    s7_var_spec byte1 = {S7_TS_BYTE, 1, 1, S7_AREA_DB, 0};     /* DB1.DBB0 */
    s7_var_spec word = {S7_TS_BYTE, 2, 0, S7_AREA_M, 10 * 8};  /* MB10, 2 bytes */
    s7_var_spec bit = {S7_TS_BIT, 1, 0, S7_AREA_M, 3 * 8 + 5}; /* M3.5 */
    s7_var_spec timers = {S7_TS_TIMER, 2, 0, S7_AREA_T, 4};    /* T4, T5 */
    s7_var_spec two[2] = {{S7_TS_BYTE, 1, 1, S7_AREA_DB, 0}, {S7_TS_BYTE, 1, 1, S7_AREA_DB, 16}};

    /* conforming: data, an error item, a bit, octet-string timers, a REAL-coded answer,
     * fill bytes between odd items, a tolerated trailing fill */
    s7_pdu p = ack_data(0x04, 1, "FF 04 00 08 2A", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), 1);
    CHECK_INT(it[0].nbytes, 1);
    CHECK_INT(it[0].data[0], 0x2A);
    CHECK_STR(why, "");
    p = ack_data(0x04, 1, "FF 04 00 08 2A 00", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), 1);
    p = ack_data(0x04, 1, "0A 00 00 00", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), 1);
    CHECK_INT(it[0].rc, 0x0A);
    p = ack_data(0x04, 1, "05 00 00 04", param, data); /* Snap7's error item: length ignored */
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), 1);
    p = ack_data(0x04, 1, "FF 03 00 01 01", param, data);
    CHECK_INT(s7_read_resp_check(&p, &bit, 1, it, why, sizeof why), 1);
    p = ack_data(0x04, 1, "FF 09 00 04 00 01 00 02", param, data);
    CHECK_INT(s7_read_resp_check(&p, &timers, 1, it, why, sizeof why), 1);
    p = ack_data(0x04, 1, "FF 07 00 02 01 02", param, data);
    CHECK_INT(s7_read_resp_check(&p, &word, 1, it, why, sizeof why), 1);
    p = ack_data(0x04, 2, "FF 04 00 08 AA 00 FF 04 00 08 BB", param, data);
    CHECK_INT(s7_read_resp_check(&p, two, 2, it, why, sizeof why), 2);
    CHECK_INT(it[1].data[0], 0xBB);

    /* 5 bytes for a 1-byte read, consistently coded: refused, the evidence says where */
    p = ack_data(0x04, 1, "FF 04 00 28 00 DE AD BE EF", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "item 1 of 1 (asked: DB1 byte 0, 1 byte)"));
    CHECK(has(why, "at byte 14 of the S7 PDU return code 0xFF, transport size 0x04"));
    CHECK(has(why, "length 40 = 5 bytes for a 1-byte item"));
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, NULL, 0), S7_ERR_PARAM);
    /* transport size 0x04 with the length in bytes */
    p = ack_data(0x04, 1, "FF 04 00 01 2A", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "holds the byte count where transport size 0x04 counts bits (8 expected)"));
    p = ack_data(0x04, 1, "FF 04 00 02 01 02", param, data);
    CHECK_INT(s7_read_resp_check(&p, &word, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "(asked: M byte 10, 2 bytes)"));
    CHECK(has(why, "(16 expected)"));
    p = ack_data(0x04, 1, "FF 04 00 0C 01 02", param, data);
    CHECK_INT(s7_read_resp_check(&p, &word, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "not a whole number of bytes"));
    /* the item count, the function, the PDU type */
    p = ack_data(0x04, 2, "FF 04 00 08 2A 00 FF 04 00 08 2B", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "2 items (byte 13 of the S7 PDU) for the 1 asked"));
    p = ack_data(0x05, 1, "FF", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "function 0x05"));
    p = ack_data(0x04, 1, "FF 04 00 08 2A", param, data);
    p.rosctr = S7_ACK;
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "PDU type (ROSCTR) 0x02"));
    p.err_class = 0x81;
    p.err_code = 0x04;
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PLC);
    /* truncated: the data ends inside the item's data, inside a header, before a fill */
    p = ack_data(0x04, 1, "FF 04 00 20 01 02", param, data);
    s7_var_spec four = {S7_TS_BYTE, 4, 1, S7_AREA_DB, 0};
    CHECK_INT(s7_read_resp_check(&p, &four, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "ends 2 bytes into the item's 4 bytes of data (truncated)"));
    p = ack_data(0x04, 2, "FF 04 00 08 AA 00 FF 04", param, data);
    CHECK_INT(s7_read_resp_check(&p, two, 2, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "item 2 of 2"));
    CHECK(has(why, "4-byte header (truncated)"));
    p = ack_data(0x04, 2, "FF 04 00 08 AA", param, data);
    CHECK_INT(s7_read_resp_check(&p, two, 2, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "without the fill byte"));
    /* more bytes than the items hold */
    p = ack_data(0x04, 1, "FF 04 00 08 2A 00 00", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "2 bytes after the last of the 1 item (at byte 19 of the S7 PDU)"));
    /* transport sizes that do not fit what was asked */
    p = ack_data(0x04, 1, "FF 04 00 08 01", param, data);
    CHECK_INT(s7_read_resp_check(&p, &bit, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "asked: M bit 3.5"));
    CHECK(has(why, "a bit is answered with transport size 0x03"));
    p = ack_data(0x04, 1, "FF 03 00 08 01", param, data);
    CHECK_INT(s7_read_resp_check(&p, &bit, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "a bit has length 1"));
    p = ack_data(0x04, 1, "FF 03 00 08 2A", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "not a transport size for bytes"));
    p = ack_data(0x04, 1, "FF 00 00 01 2A", param, data);
    CHECK_INT(s7_read_resp_check(&p, &byte1, 1, it, why, sizeof why), S7_ERR_PARAM);
    /* s7_read_resp_decode (no specs) still refuses a block the items do not fill */
    p = ack_data(0x04, 1, "FF 04 00 08 2A 00 00", param, data);
    CHECK_INT(s7_read_resp_decode(&p, it, 1), S7_ERR_PARAM);
    /* every truncation of a conforming two-item reply is refused, never a crash */
    p = ack_data(0x04, 2, "FF 04 00 10 AA BB FF 09 00 03 01 02 03", param, data);
    s7_var_spec mixed[2] = {{S7_TS_BYTE, 2, 1, S7_AREA_DB, 0}, {S7_TS_BYTE, 3, 1, S7_AREA_DB, 64}};
    CHECK_INT(s7_read_resp_check(&p, mixed, 2, it, why, sizeof why), 2);
    int refused = 0;
    for (uint16_t k = 0; k < p.data_len; k++) {
        s7_pdu q = p;
        q.data_len = k;
        refused += s7_read_resp_check(&q, mixed, 2, it, why, sizeof why) == S7_ERR_PARAM;
    }
    CHECK_INT(refused, p.data_len);
}

static void test_write_conformance(void)
{
    uint8_t param[2], data[256], rcs[4];
    char why[400];
    s7_pdu p = ack_data(0x05, 2, "FF 0A", param, data);
    CHECK_INT(s7_write_resp_check(&p, NULL, 2, rcs, why, sizeof why), 2);
    CHECK_INT(rcs[1], 0x0A);
    p = ack_data(0x05, 1, "FF FF", param, data);
    CHECK_INT(s7_write_resp_check(&p, NULL, 1, rcs, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "a data block of 2 bytes where 1 return code"));
    p = ack_data(0x04, 1, "FF", param, data);
    CHECK_INT(s7_write_resp_check(&p, NULL, 1, rcs, why, sizeof why), S7_ERR_PARAM);
    CHECK(has(why, "write reply: function 0x04"));
    CHECK_INT(s7_write_resp_decode(&p, rcs, 1), S7_ERR_PARAM);
}

/* s7_dbread_decode: WinCC's DBREAD item (wincc_s400_production.pcapng), every truncated
 * prefix, a count that disagrees with the length, room for fewer ranges. */
static void test_dbread_decode(void)
{
    uint8_t a[32];
    size_t n = t_hex("b00302004a006c04004c0194020051003c", a, sizeof a);
    s7_dbread_range r[4];
    CHECK_INT(s7_dbread_decode(a, n, r, 4), 3);
    CHECK(r[0].len == 2 && r[0].db == 74 && r[0].start == 108);
    CHECK(r[1].len == 4 && r[1].db == 76 && r[1].start == 404);
    CHECK(r[2].len == 2 && r[2].db == 81 && r[2].start == 60);
    for (size_t k = 0; k < n; k++)
        CHECK_INT(s7_dbread_decode(a, k, r, 4), S7_ERR_PARAM);
    CHECK_INT(s7_dbread_decode(a, n, r, 2), S7_ERR_NOSPACE);
    a[1] = 2;
    CHECK_INT(s7_dbread_decode(a, n, r, 4), S7_ERR_PARAM);
    a[1] = 3;
    a[0] = 0x10;
    CHECK_INT(s7_dbread_decode(a, n, r, 4), S7_ERR_PARAM);
}

int main(void)
{
    test_dbread_decode();
    test_header();
    test_setup();
    test_read_single();
    test_read_1000();
    test_read_multi();
    test_write();
    test_encoder_args();
    test_sizes();
    test_ctrl();
    test_read_conformance();
    test_write_conformance();
    return t_done();
}
