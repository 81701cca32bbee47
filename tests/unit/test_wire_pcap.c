/* Decodes the real Snap7 traffic in tests/vectors/snap7-loopback.pcap with the wire
 * codec: a small capture reader (pcapng or classic pcap; Ethernet or raw IP; IPv4/IPv6 +
 * TCP), per-direction TCP reassembly by sequence number, TPKT framing with
 * s7_frame_decode, COTP reassembly of DT fragments, then every S7 PDU and its
 * parameter/data through the matching decoder.  Asserts that everything decodes, the
 * number of frames of each kind, and selected contents (1000-byte read split over three
 * PDUs, missing DB99, SZL 0x0011 records).  The capture ships with the sources
 * (tests/vectors/README.md): a missing file is a failure, not a skip. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/wire.h"
#include "t.h"

#ifndef S7_SOURCE_DIR
#define S7_SOURCE_DIR "."
#endif

/* ------------------------------------------------------------ capture reader */
typedef struct seg {
    uint32_t seq;
    const uint8_t *p;
    size_t len;
} seg;

typedef struct flow {
    uint8_t key[36]; /* src addr(16), dst addr(16), sport, dport */
    seg *segs;
    size_t nsegs, cap;
    int first_pkt;   /* capture order of its first segment */
    uint8_t *stream; /* reassembled payload */
    size_t slen;
} flow;

static flow flows[8];
static int nflows, npackets;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint32_t rd32(const uint8_t *p, int swap)
{
    return swap ? be32(p)
                : ((uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0]);
}
static uint16_t rd16(const uint8_t *p, int swap)
{
    return swap ? be16(p) : (uint16_t)(p[1] << 8 | p[0]);
}

static void add_segment(const uint8_t *key, uint32_t seq, const uint8_t *p, size_t len)
{
    if (len == 0)
        return;
    flow *f = NULL;
    for (int i = 0; i < nflows; i++)
        if (memcmp(flows[i].key, key, sizeof flows[i].key) == 0)
            f = &flows[i];
    if (!f) {
        if (nflows == (int)(sizeof flows / sizeof flows[0]))
            return;
        f = &flows[nflows++];
        memcpy(f->key, key, sizeof f->key);
        f->first_pkt = npackets;
    }
    if (f->nsegs == f->cap) {
        f->cap = f->cap ? 2 * f->cap : 64;
        f->segs = realloc(f->segs, f->cap * sizeof *f->segs);
    }
    f->segs[f->nsegs++] = (seg){seq, p, len};
}

/* One captured packet of the given link type. */
static void packet(const uint8_t *p, size_t len, uint32_t linktype)
{
    npackets++;
    uint16_t etype;
    if (linktype == 1) { /* Ethernet */
        if (len < 14)
            return;
        etype = be16(p + 12);
        p += 14;
        len -= 14;
        while (etype == 0x8100 && len >= 4) { /* VLAN tags */
            etype = be16(p + 2);
            p += 4;
            len -= 4;
        }
    } else if (linktype == 101 || linktype == 12) { /* raw IP */
        if (len < 1)
            return;
        etype = (p[0] >> 4) == 6 ? 0x86DD : 0x0800;
    } else {
        return;
    }
    uint8_t key[36];
    memset(key, 0, sizeof key);
    const uint8_t *tcp;
    size_t tlen;
    if (etype == 0x0800) {
        if (len < 20 || p[9] != 6)
            return;
        size_t ihl = (size_t)(p[0] & 0x0F) * 4, tot = be16(p + 2);
        if (ihl < 20 || tot < ihl || tot > len)
            return;
        memcpy(key, p + 12, 4);
        memcpy(key + 16, p + 16, 4);
        tcp = p + ihl;
        tlen = tot - ihl;
    } else if (etype == 0x86DD) {
        if (len < 40 || p[6] != 6)
            return;
        size_t pl = be16(p + 4);
        if (40 + pl > len)
            return;
        memcpy(key, p + 8, 16);
        memcpy(key + 16, p + 24, 16);
        tcp = p + 40;
        tlen = pl;
    } else {
        return;
    }
    if (tlen < 20)
        return;
    size_t doff = (size_t)(tcp[12] >> 4) * 4;
    if (doff < 20 || doff > tlen)
        return;
    memcpy(key + 32, tcp, 4); /* ports */
    add_segment(key, be32(tcp + 4), tcp + doff, tlen - doff);
}

/* Parse a pcapng or classic pcap image.  Returns 0, or -1 if the format is unknown. */
static int parse_capture(const uint8_t *d, size_t n, uint32_t *linktype_out)
{
    if (n >= 24 && (be32(d) == 0xA1B2C3D4 || be32(d) == 0xA1B23C4D || be32(d) == 0xD4C3B2A1 ||
                    be32(d) == 0x4D3CB2A1)) {
        int swap = be32(d) == 0xA1B2C3D4 || be32(d) == 0xA1B23C4D;
        uint32_t lt = rd32(d + 20, swap);
        *linktype_out = lt;
        size_t off = 24;
        while (off + 16 <= n) {
            uint32_t incl = rd32(d + off + 8, swap);
            if (incl > n - off - 16)
                return -1;
            packet(d + off + 16, incl, lt);
            off += 16 + incl;
        }
        return 0;
    }
    if (n >= 12 && be32(d) == 0x0A0D0D0A) {
        uint32_t lts[16];
        int nif = 0, swap = 0;
        size_t off = 0;
        while (off + 12 <= n) {
            uint32_t type = rd32(d + off, swap), blen;
            if (type == 0x0A0D0D0A) {
                swap = be32(d + off + 8) == 0x1A2B3C4D;
                nif = 0;
            }
            blen = rd32(d + off + 4, swap);
            if (blen < 12 || blen > n - off || blen % 4)
                return -1;
            const uint8_t *b = d + off + 8;
            size_t bl = blen - 12;
            if (type == 1 && bl >= 8 && nif < 16) {
                lts[nif++] = rd16(b, swap);
                *linktype_out = lts[0];
            } else if (type == 6 && bl >= 20) {
                uint32_t ifc = rd32(b, swap), caplen = rd32(b + 12, swap);
                if ((int)ifc < nif && caplen <= bl - 20)
                    packet(b + 20, caplen, lts[ifc]);
            } else if (type == 3 && bl >= 4 && nif > 0) {
                uint32_t olen = rd32(b, swap);
                packet(b + 4, olen < bl - 4 ? olen : bl - 4, lts[0]);
            }
            off += blen;
        }
        return 0;
    }
    return -1;
}

static int seg_cmp(const void *a, const void *b)
{
    const seg *x = a, *y = b;
    /* sequence numbers relative to the first one are compared by the caller's base */
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Concatenate each flow's segments in sequence order (duplicates and overlaps dropped). */
static void reassemble(void)
{
    for (int i = 0; i < nflows; i++) {
        flow *f = &flows[i];
        uint32_t base = f->segs[0].seq;
        for (size_t k = 1; k < f->nsegs; k++)
            if ((int32_t)(f->segs[k].seq - base) < 0)
                base = f->segs[k].seq;
        for (size_t k = 0; k < f->nsegs; k++)
            f->segs[k].seq -= base;
        qsort(f->segs, f->nsegs, sizeof *f->segs, seg_cmp);
        size_t total = 0;
        for (size_t k = 0; k < f->nsegs; k++)
            total += f->segs[k].len;
        f->stream = malloc(total ? total : 1);
        size_t next = 0;
        for (size_t k = 0; k < f->nsegs; k++) {
            seg *s = &f->segs[k];
            if (s->seq > next)
                break; /* a hole: stop at the gap */
            size_t skip = next - s->seq;
            if (skip >= s->len)
                continue;
            memcpy(f->stream + next, s->p + skip, s->len - skip);
            next += s->len - skip;
        }
        f->slen = next;
    }
}

/* ------------------------------------------------------------ S7 decoding */
typedef struct job {
    int used;
    uint16_t ref;
    uint8_t fn;
    unsigned n;
    s7_var_spec specs[S7_ITEMS_MAX];
} job;

static job jobs[64];

static struct {
    int cr, cc, dt, dt_empty, dr, dc, other_cotp;
    int job, ack, ack_data, userdata;
    int setup_req, setup_resp, read_req, read_resp, write_req, write_resp, ctrl_req, ctrl_resp;
    int read_items, read_err_items, write_items, write_err_rcs;
    int ud_req, ud_resp, szl_req, szl_resp, szl_err, clock_read, clock_set;
    int errors;
    int read1000_parts;
    int db99_missing;
    int szl11_checked;
} cnt;

#define FAIL(...)                              \
    do {                                       \
        cnt.errors++;                          \
        fprintf(stderr, "pcap: " __VA_ARGS__); \
        fprintf(stderr, "\n");                 \
    } while (0)

static job *find_job(uint16_t ref)
{
    for (size_t i = 0; i < sizeof jobs / sizeof jobs[0]; i++)
        if (jobs[i].used && jobs[i].ref == ref)
            return &jobs[i];
    return NULL;
}

static job *new_job(uint16_t ref)
{
    job *j = find_job(ref);
    for (size_t i = 0; !j && i < sizeof jobs / sizeof jobs[0]; i++)
        if (!jobs[i].used)
            j = &jobs[i];
    if (j) {
        memset(j, 0, sizeof *j);
        j->used = 1;
        j->ref = ref;
    }
    return j;
}

static uint8_t enc[70000];

static void job_pdu(const s7_pdu *p, const uint8_t *raw, size_t len)
{
    cnt.job++;
    uint8_t fn = p->param_len ? p->param[0] : 0;
    job *j = new_job(p->ref);
    if (!j) {
        FAIL("too many jobs");
        return;
    }
    j->fn = fn;
    if (fn == S7_FN_SETUP) {
        s7_setup s;
        if (s7_setup_decode(p, &s) != 8)
            FAIL("setup request");
        cnt.setup_req++;
        int r = s7_setup_req_encode(enc, sizeof enc, p->ref, &s);
        if (r != (int)len || memcmp(enc, raw, len))
            FAIL("setup request re-encode");
    } else if (fn == S7_FN_READ || fn == S7_FN_WRITE) {
        uint8_t f;
        int r = s7_var_req_decode(p, &f, j->specs, S7_ITEMS_MAX, &j->n);
        if (r < 0 || f != fn) {
            FAIL("var request ref %04X: %d", p->ref, r);
            return;
        }
        if (fn == S7_FN_READ) {
            cnt.read_req++;
            r = s7_read_req_encode(enc, sizeof enc, p->ref, j->specs, j->n);
            if (r != (int)len || memcmp(enc, raw, len))
                FAIL("read request re-encode ref %04X", p->ref);
            /* DBRead(1, 0, 1000) at PDU 480: 462 @0, 462 @0x0E70, 76 @0x1CE0 */
            static const struct {
                uint16_t count;
                uint32_t addr;
            } parts[3] = {{462, 0x000000}, {462, 0x000E70}, {76, 0x001CE0}};
            if (j->n == 1 && j->specs[0].db == 1 && j->specs[0].ts == S7_TS_BYTE &&
                cnt.read1000_parts < 3 && j->specs[0].count == parts[cnt.read1000_parts].count &&
                j->specs[0].addr == parts[cnt.read1000_parts].addr)
                cnt.read1000_parts++;
        } else {
            cnt.write_req++;
            s7_data_item items[S7_ITEMS_MAX];
            r = s7_data_items_decode(p->data, p->data_len, 1, items, j->n);
            if (r != (int)p->data_len)
                FAIL("write request data ref %04X: %d", p->ref, r);
            cnt.write_items += (int)j->n;
        }
    } else if (fn == S7_FN_STOP || fn == S7_FN_PI) {
        s7_plc_ctrl c;
        if (s7_plc_ctrl_decode(p, &c) < 0 || c.service_len != 9 ||
            memcmp(c.service, "P_PROGRAM", 9))
            FAIL("control request");
        cnt.ctrl_req++;
        int r = fn == S7_FN_STOP ? s7_plc_stop_req_encode(enc, sizeof enc, p->ref)
                                 : s7_plc_start_req_encode(enc, sizeof enc, p->ref, c.mode);
        if (r != (int)len || memcmp(enc, raw, len))
            FAIL("control request re-encode");
    } else {
        FAIL("unknown job function %02X", fn);
    }
}

static void ack_data_pdu(const s7_pdu *p, const uint8_t *raw, size_t len)
{
    cnt.ack_data++;
    job *j = find_job(p->ref);
    if (!j) {
        FAIL("reply %04X matches no job", p->ref);
        return;
    }
    if (j->fn == S7_FN_SETUP) {
        s7_setup s;
        if (s7_setup_decode(p, &s) != 8 || s.pdu_len != 480)
            FAIL("setup reply");
        cnt.setup_resp++;
        int r = s7_setup_resp_encode(enc, sizeof enc, p->ref, &s);
        if (r != (int)len || memcmp(enc, raw, len))
            FAIL("setup reply re-encode");
    } else if (j->fn == S7_FN_READ) {
        s7_data_item items[S7_ITEMS_MAX];
        int r = s7_read_resp_decode(p, items, j->n);
        if (r != (int)j->n) {
            FAIL("read reply ref %04X: %d", p->ref, r);
            return;
        }
        cnt.read_resp++;
        cnt.read_items += (int)j->n;
        int errs = 0;
        for (unsigned i = 0; i < j->n; i++) {
            const s7_var_spec *s = &j->specs[i];
            if (items[i].rc != S7_RC_OK) {
                cnt.read_err_items++;
                errs++;
                if (s->db == 99 && s->area == S7_AREA_DB && items[i].rc == S7_RC_NOT_FOUND)
                    cnt.db99_missing++;
                continue;
            }
            /* the bytes the spec asked for */
            uint32_t want = s->ts == S7_TS_BIT ? 1 : s7_ts_elem_size(s->ts) * s->count;
            if (items[i].nbytes != want)
                FAIL("read reply ref %04X item %u: %u bytes for %u", p->ref, i, items[i].nbytes,
                     want);
            /* DB1 byte k holds k & 0xFF in this capture */
            if (s->area == S7_AREA_DB && s->db == 1 && s->ts == S7_TS_BYTE)
                for (uint32_t k = 0; k < items[i].nbytes; k++)
                    if (items[i].data[k] != (uint8_t)((s->addr >> 3) + k)) {
                        FAIL("DB1 content at %u", (s->addr >> 3) + k);
                        break;
                    }
        }
        /* re-encode: exact unless Snap7's error items (0A 00 0004) are present */
        r = s7_read_resp_encode(enc, sizeof enc, p->ref, items, j->n);
        if (r < 0)
            FAIL("read reply re-encode %d", r);
        else if (!errs && (r != (int)len || memcmp(enc, raw, len)))
            FAIL("read reply re-encode ref %04X", p->ref);
        else if (errs && r != (int)len)
            FAIL("read reply re-encode length ref %04X", p->ref);
    } else if (j->fn == S7_FN_WRITE) {
        uint8_t rcs[S7_ITEMS_MAX];
        int r = s7_write_resp_decode(p, rcs, j->n);
        if (r != (int)j->n) {
            FAIL("write reply ref %04X: %d", p->ref, r);
            return;
        }
        cnt.write_resp++;
        for (unsigned i = 0; i < j->n; i++)
            cnt.write_err_rcs += rcs[i] != S7_RC_OK;
        r = s7_write_resp_encode(enc, sizeof enc, p->ref, rcs, j->n);
        if (r != (int)len || memcmp(enc, raw, len))
            FAIL("write reply re-encode");
    } else if (j->fn == S7_FN_STOP || j->fn == S7_FN_PI) {
        uint8_t fn, st;
        if (s7_plc_ctrl_resp_decode(p, &fn, &st) < 0 || fn != j->fn)
            FAIL("control reply");
        cnt.ctrl_resp++;
        int r = s7_plc_ctrl_resp_encode(enc, sizeof enc, p->ref, fn, st);
        if (r != (int)len || memcmp(enc, raw, len))
            FAIL("control reply re-encode");
    }
    j->used = 0;
}

static void check_szl_0011(const s7_ud *u)
{
    s7_szl_hdr h;
    if (s7_szl_hdr_decode(u->payload, u->plen, &h) != 8 || h.rec_len != 28 || h.rec_count != 4 ||
        8u + 28u * 4u != u->plen) {
        FAIL("SZL 0x0011 header");
        return;
    }
    static const uint16_t idx[4] = {0x0001, 0x0006, 0x0007, 0x0081};
    for (int i = 0; i < 4; i++) {
        const uint8_t *r = u->payload + 8 + 28 * i;
        if (be16(r) != idx[i])
            FAIL("SZL 0x0011 record %d index %04X", i, be16(r));
    }
    const uint8_t *r = u->payload + 8;
    CHECK_MEM(r + 2, "6ES7 315-2EH14-0AB0", 19);
    CHECK_MEM(r + 28 + 2, "6ES7 315-2EH14-0AB0", 19);
    CHECK_MEM(r + 56 + 22, "\x00\xC0\x56\x03\x02\x06", 6); /* firmware V3.2.6 */
    CHECK_MEM(r + 84 + 2, "Boot Loader", 11);
    cnt.szl11_checked++;
}

static void userdata_pdu(const s7_pdu *p, const uint8_t *raw, size_t len)
{
    cnt.userdata++;
    s7_ud u;
    int r = s7_ud_decode(p, &u);
    if (r < 0) {
        FAIL("userdata ref %04X: %d", p->ref, r);
        return;
    }
    r = s7_ud_encode(enc, sizeof enc, p->ref, &u);
    if (r != (int)len || memcmp(enc, raw, len))
        FAIL("userdata re-encode ref %04X", p->ref);
    if (u.type == S7_UD_TYPE_REQ) {
        cnt.ud_req++;
        if (u.group == S7_UD_GRP_CPU && u.subfn == S7_UD_SZL_READ) {
            cnt.szl_req++;
            s7_szl_hdr h;
            if (u.plen != 4 || s7_szl_hdr_decode(u.payload, u.plen, &h) != S7_ERR_PARAM)
                FAIL("SZL request payload");
            job *j = new_job(p->ref);
            if (j)
                j->fn = 0xF4; /* remembers the SZL id in n */
            if (j && u.plen == 4)
                j->n = be16(u.payload);
            int e =
                s7_szl_req_encode(enc, sizeof enc, p->ref, be16(u.payload), be16(u.payload + 2));
            if (e != (int)len || memcmp(enc, raw, len))
                FAIL("SZL request re-encode");
        } else if (u.group == S7_UD_GRP_TIME && u.subfn == S7_UD_CLOCK_SET) {
            s7_datetime t;
            if (s7_clock_payload_decode(u.payload, u.plen, &t) != 10)
                FAIL("clock set payload");
            cnt.clock_set++;
        } else if (u.group == S7_UD_GRP_TIME && u.subfn == S7_UD_CLOCK_READ) {
            int e = s7_clock_read_req_encode(enc, sizeof enc, p->ref);
            if (e != (int)len || memcmp(enc, raw, len))
                FAIL("clock read request re-encode");
        }
    } else if (u.type == S7_UD_TYPE_RESP) {
        cnt.ud_resp++;
        if (u.group == S7_UD_GRP_CPU && u.subfn == S7_UD_SZL_READ) {
            cnt.szl_resp++;
            job *j = find_job(p->ref);
            if (u.err) {
                cnt.szl_err++;
                if (u.err != 0xD402 || u.rc != 0x0A || u.plen != 0)
                    FAIL("SZL error reply");
            } else {
                s7_szl_hdr h;
                if (s7_szl_hdr_decode(u.payload, u.plen, &h) != 8)
                    FAIL("SZL reply header");
                else if (!j || h.id != j->n)
                    FAIL("SZL reply id %04X", h.id);
                else if (8u + (uint32_t)h.rec_len * h.rec_count != u.plen)
                    FAIL("SZL reply length");
                if (h.id == 0x0011)
                    check_szl_0011(&u);
            }
            if (j)
                j->used = 0;
        } else if (u.group == S7_UD_GRP_TIME && u.subfn == S7_UD_CLOCK_READ) {
            s7_datetime t;
            if (s7_clock_payload_decode(u.payload, u.plen, &t) != 10)
                FAIL("clock read payload");
            else {
                CHECK_INT(t.year, 2026);
                CHECK_INT(t.month, 11);
                CHECK_INT(t.day, 21);
            }
            cnt.clock_read++;
        }
    }
}

/* One reassembled S7 PDU. */
static void s7_pdu_in(const uint8_t *b, size_t len)
{
    s7_pdu p;
    int r = s7_pdu_decode(b, len, &p);
    if (r != (int)len) {
        FAIL("S7 PDU: %d", r);
        return;
    }
    switch (p.rosctr) {
    case S7_JOB: job_pdu(&p, b, len); break;
    case S7_ACK_DATA: ack_data_pdu(&p, b, len); break;
    case S7_ACK: cnt.ack++; break;
    default: userdata_pdu(&p, b, len); break;
    }
}

/* Split a direction's stream into frames; returns the number of frames. */
static int run_stream(const uint8_t *s, size_t n)
{
    static uint8_t pdu[70000];
    size_t plen = 0, off = 0;
    int frames = 0;
    while (off < n) {
        s7_cotp t;
        int r = s7_frame_decode(s + off, n - off, &t);
        if (r == S7_AGAIN) {
            FAIL("stream ends inside a frame");
            break;
        }
        if (r < 0) {
            FAIL("frame at %zu: %d", off, r);
            break;
        }
        frames++;
        /* every proper prefix of the frame is incomplete */
        for (int k = 0; k < r; k++)
            if (s7_frame_decode(s + off, (size_t)k, &t) != S7_AGAIN) {
                FAIL("prefix %d of frame at %zu", k, off);
                break;
            }
        s7_frame_decode(s + off, (size_t)r, &t);
        switch (t.code) {
        case S7_COTP_CR: cnt.cr++; break;
        case S7_COTP_CC: cnt.cc++; break;
        case S7_COTP_DR: cnt.dr++; break;
        case S7_COTP_DC: cnt.dc++; break;
        case S7_COTP_DT:
            cnt.dt++;
            if (t.user_len == 0 && !t.eot) {
                cnt.dt_empty++;
                break;
            }
            if (plen + t.user_len > sizeof pdu) {
                FAIL("PDU too long");
                plen = 0;
                break;
            }
            memcpy(pdu + plen, t.user, t.user_len);
            plen += t.user_len;
            if (t.eot) {
                s7_pdu_in(pdu, plen);
                plen = 0;
            }
            break;
        default: cnt.other_cotp++; break;
        }
        if (t.code == S7_COTP_CR || t.code == S7_COTP_CC) {
            uint8_t e[300];
            int w = s7_cotp_encode(e, sizeof e, &t);
            if (w != r || memcmp(e, s + off, (size_t)r))
                FAIL("CR/CC re-encode");
        }
        off += (size_t)r;
    }
    return frames;
}

static void test_capture(void)
{
    const char *path = S7_SOURCE_DIR "/tests/vectors/snap7-loopback.pcap";
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        printf("FAIL: %s cannot be opened\n", path);
        CHECK(fp != NULL);
        return;
    }
    static uint8_t img[1 << 20];
    size_t n = fread(img, 1, sizeof img, fp);
    fclose(fp);
    uint32_t lt = 0;
    CHECK_INT(parse_capture(img, n, &lt), 0);
    CHECK_INT(lt, 1); /* Ethernet */
    CHECK_INT(npackets, 68);
    CHECK_INT(nflows, 2);
    if (nflows != 2)
        return;
    reassemble();
    /* the client's direction is the one that starts with the CR */
    int client = flows[0].slen > 5 && flows[0].stream[5] == S7_COTP_CR ? 0 : 1;
    CHECK(flows[client].slen > 5 && flows[client].stream[5] == S7_COTP_CR);
    int fc = run_stream(flows[client].stream, flows[client].slen);
    int fs = run_stream(flows[1 - client].stream, flows[1 - client].slen);
    printf(
        "frames: client %d, server %d; CR %d CC %d DT %d; Job %d Ack_Data %d Ack %d Userdata %d\n",
        fc, fs, cnt.cr, cnt.cc, cnt.dt, cnt.job, cnt.ack_data, cnt.ack, cnt.userdata);
    printf(
        "setup %d/%d read %d/%d write %d/%d ctrl %d/%d; read items %d (errors %d), write items %d "
        "(errors %d)\n",
        cnt.setup_req, cnt.setup_resp, cnt.read_req, cnt.read_resp, cnt.write_req, cnt.write_resp,
        cnt.ctrl_req, cnt.ctrl_resp, cnt.read_items, cnt.read_err_items, cnt.write_items,
        cnt.write_err_rcs);
    printf("userdata req %d resp %d; SZL req %d resp %d (error %d); clock read %d set %d\n",
           cnt.ud_req, cnt.ud_resp, cnt.szl_req, cnt.szl_resp, cnt.szl_err, cnt.clock_read,
           cnt.clock_set);
    CHECK_INT(cnt.errors, 0);
    CHECK_INT(fc + fs, 68);
    CHECK_INT(fc, 34);
    CHECK_INT(fs, 34);
    CHECK_INT(cnt.cr, 1);
    CHECK_INT(cnt.cc, 1);
    CHECK_INT(cnt.dt, 66);
    CHECK_INT(cnt.dt_empty, 0);
    CHECK_INT(cnt.dr + cnt.dc + cnt.other_cotp, 0);
    CHECK_INT(cnt.job, 20);
    CHECK_INT(cnt.ack_data, 20);
    CHECK_INT(cnt.ack, 0);
    CHECK_INT(cnt.userdata, 26);
    CHECK_INT(cnt.setup_req, 1);
    CHECK_INT(cnt.setup_resp, 1);
    CHECK_INT(cnt.read_req, 13);
    CHECK_INT(cnt.read_resp, 13);
    CHECK_INT(cnt.write_req, 3);
    CHECK_INT(cnt.write_resp, 3);
    CHECK_INT(cnt.ctrl_req, 3);
    CHECK_INT(cnt.ctrl_resp, 3);
    CHECK_INT(cnt.read_items, 16);
    CHECK_INT(cnt.read_err_items, 3);
    CHECK_INT(cnt.write_items, 5);
    CHECK_INT(cnt.write_err_rcs, 1);
    CHECK_INT(cnt.ud_req, 13);
    CHECK_INT(cnt.ud_resp, 13);
    CHECK_INT(cnt.szl_req, 7);
    CHECK_INT(cnt.szl_resp, 7);
    CHECK_INT(cnt.szl_err, 1);
    CHECK_INT(cnt.clock_read, 1);
    CHECK_INT(cnt.clock_set, 1);
    CHECK_INT(cnt.read1000_parts, 3);
    CHECK_INT(cnt.db99_missing, 2);
    CHECK_INT(cnt.szl11_checked, 1);
    for (int i = 0; i < nflows; i++) {
        free(flows[i].segs);
        free(flows[i].stream);
    }
}

/* The reader itself on a tiny classic pcap built here (raw IPv4, two segments out of order). */
static void test_reader_classic(void)
{
    static uint8_t img[512];
    size_t o = 0;
    const uint8_t ghdr[24] = {0xD4, 0xC3, 0xB2, 0xA1, 2,    0,    4, 0, 0,   0, 0, 0,
                              0,    0,    0,    0,    0xFF, 0xFF, 0, 0, 101, 0, 0, 0};
    memcpy(img, ghdr, sizeof ghdr);
    o = sizeof ghdr;
    const uint8_t frame[] = {0x03, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x00,
                             0x03, 0x00, 0x00, 0x07, 0x02, 0xF0, 0x80};
    /* second half first, then first half */
    for (int part = 1; part >= 0; part--) {
        size_t plen = 7, tot = 20 + 20 + plen;
        uint8_t *r = img + o;
        memset(r, 0, 16 + tot);
        r[8] = (uint8_t)tot;
        r[12] = (uint8_t)tot;
        uint8_t *ip = r + 16;
        ip[0] = 0x45;
        ip[3] = (uint8_t)tot;
        ip[9] = 6;
        ip[12] = 10, ip[15] = 2, ip[16] = 10, ip[19] = 1;
        uint8_t *tcp = ip + 20;
        tcp[1] = 0x50, tcp[3] = 102;
        tcp[7] = (uint8_t)(100 + 7 * part);
        tcp[12] = 0x50;
        memcpy(tcp + 20, frame + 7 * part, plen);
        o += 16 + tot;
    }
    int save_p = npackets, save_f = nflows;
    npackets = 0;
    nflows = 0;
    uint32_t lt = 0;
    CHECK_INT(parse_capture(img, o, &lt), 0);
    CHECK_INT(lt, 101);
    CHECK_INT(npackets, 2);
    CHECK_INT(nflows, 1);
    reassemble();
    CHECK_INT(flows[0].slen, 14);
    CHECK_MEM(flows[0].stream, frame, 14);
    s7_cotp t;
    CHECK_INT(s7_frame_decode(flows[0].stream, 14, &t), 7);
    CHECK_INT(t.user_len, 0);
    CHECK_INT(t.eot, 0);
    free(flows[0].segs);
    free(flows[0].stream);
    memset(flows, 0, sizeof flows);
    npackets = save_p;
    nflows = save_f;
}

int main(void)
{
    test_reader_classic();
    test_capture();
    return t_done();
}
