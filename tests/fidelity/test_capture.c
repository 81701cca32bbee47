/* The capture reader of tests/capture.c: synthetic captures built here (classic pcap in both
 * byte orders, pcapng, Ethernet with a VLAN tag, Linux SLL, raw IP) holding a connection whose
 * frames are split over segments, retransmitted, cut by bytes missing from the capture, and
 * PDUs in DT fragments with STEP 7's empty DTs; every one must give the same messages and
 * pairs.  Then the real captures in tests/vectors/real/: requests and answers counted as
 * tshark's s7comm dissector counts them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "t.h"

#ifndef S7_SOURCE_DIR
#define S7_SOURCE_DIR "."
#endif

/* ------------------------------------------------------------ building captures */
static uint8_t img[65536];
static size_t ilen;
static int fmt;       /* 0 pcap LE, 1 pcap BE, 2 pcapng LE, 3 pcapng BE */
static uint32_t link; /* 1 Ethernet (with a VLAN tag), 113 SLL, 101 raw IP */

static void put(const void *p, size_t n)
{
    memcpy(img + ilen, p, n);
    ilen += n;
}
static void put32(uint32_t v, int big)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = (uint8_t)(big ? v >> (24 - 8 * i) : v >> (8 * i));
    put(b, 4);
}
static void put16(uint16_t v, int big)
{
    uint8_t b[2] = {(uint8_t)(big ? v >> 8 : v), (uint8_t)(big ? v : v >> 8)};
    put(b, 2);
}

static void begin(void)
{
    ilen = 0;
    int big = fmt & 1;
    if (fmt < 2) {
        put32(0xA1B2C3D4, big);
        put16(2, big);
        put16(4, big);
        put32(0, big);
        put32(0, big);
        put32(65535, big);
        put32(link, big);
    } else {
        put32(0x0A0D0D0A, big);
        put32(28, big);
        put32(0x1A2B3C4D, big);
        put16(1, big);
        put16(0, big);
        put32(0xFFFFFFFF, big);
        put32(0xFFFFFFFF, big);
        put32(28, big);
        put32(1, big); /* interface */
        put32(20, big);
        put16((uint16_t)link, big);
        put16(0, big);
        put32(65535, big);
        put32(20, big);
    }
}

/* A TCP segment from the client (dir 0) or the server. */
static void seg(int dir, uint32_t seq, const uint8_t *data, size_t n)
{
    uint8_t pkt[2048];
    size_t l = 0;
    if (link == 1) {
        memset(pkt, 0x11, 12);
        const uint8_t tag[] = {0x81, 0x00, 0x00, 0x05, 0x08, 0x00};
        memcpy(pkt + 12, tag, sizeof tag);
        l = 18;
    } else if (link == 113) {
        memset(pkt, 0, 14);
        pkt[14] = 0x08;
        pkt[15] = 0x00;
        l = 16;
    }
    uint8_t *ip = pkt + l;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    size_t tot = 40 + n;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 6;
    const uint8_t c[4] = {10, 0, 0, 2}, s[4] = {10, 0, 0, 1};
    memcpy(ip + 12, dir ? s : c, 4);
    memcpy(ip + 16, dir ? c : s, 4);
    uint8_t *t = ip + 20;
    uint16_t sp = dir ? 102 : 40000, dp = dir ? 40000 : 102;
    t[0] = (uint8_t)(sp >> 8);
    t[1] = (uint8_t)sp;
    t[2] = (uint8_t)(dp >> 8);
    t[3] = (uint8_t)dp;
    for (int i = 0; i < 4; i++)
        t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
    t[12] = 0x50;
    memcpy(t + 20, data, n);
    l += tot;
    int big = fmt & 1;
    if (fmt < 2) {
        put32(0, big);
        put32(0, big);
        put32((uint32_t)l, big);
        put32((uint32_t)l, big);
        put(pkt, l);
    } else {
        size_t pad = (4 - l % 4) % 4;
        put32(6, big);
        put32((uint32_t)(32 + l + pad), big);
        put32(0, big);
        put32(0, big);
        put32(0, big);
        put32((uint32_t)l, big);
        put32((uint32_t)l, big);
        put(pkt, l);
        static const uint8_t zero[4] = {0};
        put(zero, pad);
        put32((uint32_t)(32 + l + pad), big);
    }
}

static uint8_t hx[4096];
static size_t H(const char *s) { return t_hex(s, hx, sizeof hx); }

/* The connection every synthetic capture holds (sequence numbers: client 1000, server
 * 5000). */
static void conversation(void)
{
    uint32_t cs = 1000, ss = 5000;
    size_t n = H("0300001611e00000000100c0010ac1020100c2020102"); /* CR */
    seg(0, cs, hx, n);
    cs += (uint32_t)n;
    n = H("0300001611d00001000100c0010ac1020100c2020102"); /* CC */
    seg(1, ss, hx, n);
    ss += (uint32_t)n;
    /* setup (ref 0x0100) in two segments, the second also carrying the last 4 bytes of the
     * first again, then the second once more */
    n = H("0300001902f080320100000100000800 00f0000001000101e0");
    seg(0, cs, hx, 10);
    seg(0, cs + 6, hx + 6, n - 6);
    seg(0, cs + 10, hx + 10, n - 10);
    cs += (uint32_t)n;
    n = H("0300001b02f080320300000100000800 000000f0000001000100f0");
    seg(1, ss, hx, n);
    ss += (uint32_t)n;
    /* an empty non-EOT DT, then a read (ref 0x0200) in two DT fragments in one segment */
    n = H("03000007 02f000 "
          "0300000f 02f000 32010000 0200000e "
          "03000017 02f080 0000 0401 120a10020001000184000000");
    seg(0, cs, hx, n);
    cs += (uint32_t)n;
    /* the answer, and in the same segment an unrelated push (ref 0) */
    n = H("0300001a 02f080 32030000020000020005 0000 0401 ff040008 2a "
          "03000011 02f080 32070000000000000000");
    seg(1, ss, hx, n);
    ss += (uint32_t)n;
    /* bytes lost: the next client segment starts 50 bytes later, mid-frame */
    cs += 50;
    n = H("aabbccdd0102");
    seg(0, cs, hx, n);
    cs += (uint32_t)n;
    /* a Userdata SZL request (ref 0x0300) after the gap */
    n = H("0300002102f080 3207000003000008 0008 0001120411440100 ff09000400110001");
    seg(0, cs, hx, n);
    cs += (uint32_t)n;
    /* a request never answered (ref 0x0400), then the SZL answer */
    n = H("0300001902f080320100000400000800 00f0000001000101e0");
    seg(0, cs, hx, n);
    n = H("0300002102f080 320700000300000c 0004 000112081284010000000000 0a000000");
    seg(1, ss, hx, n);
    ss += (uint32_t)n;
    cs += 25;
    /* two reads in flight (refs 0x0500, 0x0600) answered in the other order */
    n = H("0300001f02f080 32010000050000 0e0000 0401 120a10020001000184000000 "
          "0300001f02f080 32010000060000 0e0000 0401 120a10020001000184000000");
    seg(0, cs, hx, n);
    n = H("0300001a02f080 32030000060000020005 0000 0401 ff040008 2b "
          "0300001a02f080 32030000050000020005 0000 0401 ff040008 2a");
    seg(1, ss, hx, n);
}

static void check_conversation(const capture *c, const char *what)
{
    fprintf(stderr, "  %s\n", what);
    CHECK_INT(c->nconns, 1);
    if (c->nconns != 1)
        return;
    const cap_conn *k = &c->conns[0];
    CHECK_INT(k->cli_port, 40000);
    CHECK_INT(k->srv_port, 102);
    CHECK_INT(k->cli_ip[3], 2);
    CHECK_INT(k->srv_ip[3], 1);
    CHECK_INT(k->resyncs, 1);
    CHECK_INT(k->nmsgs, 14);
    if (k->nmsgs != 14)
        return;
    const cap_msg *m = k->msgs;
    CHECK_INT(m[0].cotp, 0xE0);
    CHECK_INT(m[0].dir, CAP_C2S);
    CHECK_INT(m[0].raw_len, 22);
    CHECK_INT(m[1].cotp, 0xD0);
    CHECK_INT(m[1].dir, CAP_S2C);
    CHECK_INT(m[2].cotp, 0xF0);
    CHECK_INT(m[2].len, 18);
    CHECK_INT(m[2].pkt, 4); /* completed by its second segment, the fourth packet */
    CHECK(m[2].is_req);
    CHECK_INT(m[2].answer, 3);
    CHECK_INT(cap_rosctr(m[3].pdu, m[3].len), 3);
    /* the read joined from its fragments; raw keeps the empty DT and both fragments */
    CHECK_INT(m[4].len, 24);
    CHECK_INT(m[4].raw_len, 7 + 15 + 23);
    CHECK_INT(cap_ref(m[4].pdu, m[4].len), 0x0200);
    CHECK_INT(m[4].pdu[10], 0x04);
    CHECK_INT(m[4].pdu[23], 0x00);
    CHECK_INT(m[4].answer, 5);
    CHECK_INT(m[5].dir, CAP_S2C);
    CHECK_INT(m[5].len, 19);
    CHECK(!m[6].is_req); /* the push */
    CHECK_INT(m[6].dir, CAP_S2C);
    CHECK(m[7].is_req);
    CHECK_INT(cap_rosctr(m[7].pdu, m[7].len), 7);
    CHECK_INT(m[7].answer, 9);
    CHECK_INT(m[7].len, 26);
    CHECK(m[8].is_req); /* never answered */
    CHECK_INT(m[8].answer, -1);
    CHECK_INT(cap_ref(m[9].pdu, m[9].len), 0x0300);
    /* paired by reference, not by order */
    CHECK_INT(cap_ref(m[10].pdu, m[10].len), 0x0500);
    CHECK_INT(m[10].answer, 13);
    CHECK_INT(m[11].answer, 12);
    CHECK_INT(m[13].pdu[m[13].len - 1], 0x2A);
}

/* The real captures: S7 requests of the client and the ones answered, as tshark counts
 * them (the downloads' Jobs that the CPU sends to the PG are not client requests). */
static void real(const char *file, size_t conns, int reqs, int answered)
{
    char path[512], err[256];
    snprintf(path, sizeof path, "%s/tests/vectors/real/%s", S7_SOURCE_DIR, file);
    capture c;
    int rc = cap_load(&c, path, err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc < 0) {
        fprintf(stderr, "  %s\n", err);
        return;
    }
    int q = 0, a = 0;
    for (size_t i = 0; i < c.nconns; i++)
        for (size_t j = 0; j < c.conns[i].nmsgs; j++) {
            q += c.conns[i].msgs[j].is_req;
            a += c.conns[i].msgs[j].answer >= 0;
        }
    if (c.nconns != conns || q != reqs || a != answered)
        fprintf(stderr, "  %s: %zu connections, %d requests, %d answered\n", file, c.nconns, q, a);
    CHECK_INT(c.nconns, conns);
    CHECK_INT(q, reqs);
    CHECK_INT(a, answered);
    cap_free(&c);
}

int main(void)
{
    static const struct {
        int fmt;
        uint32_t link;
        const char *what;
    } kinds[] = {
        {0, 1, "pcap little-endian, Ethernet + VLAN"},
        {1, 113, "pcap big-endian, Linux SLL"},
        {2, 101, "pcapng little-endian, raw IP"},
        {3, 1, "pcapng big-endian, Ethernet + VLAN"},
    };
    char err[256];
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        fmt = kinds[i].fmt;
        link = kinds[i].link;
        begin();
        conversation();
        capture c;
        int rc = cap_parse(&c, img, ilen, err, sizeof err);
        CHECK_INT(rc, 0);
        if (rc < 0) {
            fprintf(stderr, "  %s\n", err);
            continue;
        }
        check_conversation(&c, kinds[i].what);
        cap_free(&c);
    }
    /* refused input: a message saying what is wrong */
    CHECK_INT(cap_parse(&(capture){0}, (const uint8_t *)"hello, world", 12, err, sizeof err), -1);
    CHECK(strstr(err, "neither pcap nor pcapng") != NULL);
    fmt = 0;
    link = 1;
    begin();
    conversation();
    capture c;
    CHECK_INT(cap_parse(&c, img, ilen - 3, err, sizeof err), -1);
    CHECK(strstr(err, "claims") != NULL);
    fmt = 2;
    begin();
    conversation();
    CHECK_INT(cap_parse(&c, img, ilen - 4, err, sizeof err), -1);
    CHECK(strstr(err, "pcapng block") != NULL);
    CHECK_INT(cap_load(&c, "/nonexistent/x.pcap", err, sizeof err), -1);
    CHECK(strstr(err, "/nonexistent/x.pcap: ") != NULL);

    real("snap7_s300_everything.pcapng", 1, 32, 32);
    real("step7_s300_readVarTab.pcapng", 1, 113, 113);
    real("s7comm_reading_plc_status.pcap", 1, 72, 72);
    real("wincc_s400_production.pcapng", 1, 445, 445);
    return t_done();
}
