/* wire/block.c: block names, the upload / download Jobs and their Ack_Data, PI block
 * arguments, the block function requests and the block info, against PDUs captured from
 * a CPU 315-2 PN/DP and an IM151-8 (tests/vectors/real/: snap7_s300_everything.pcapng,
 * s7comm_downloading_block_db1.pcap, s7comm_program_blocklist_onlineview.pcap).  Every
 * decoder also gets every truncated prefix. */
#include <string.h>

#include "s7/wire.h"
#include "t.h"

static uint8_t encbuf[512];

#define CHECK_HEXB(buf, n, hex)                 \
    do {                                        \
        uint8_t w_[512];                        \
        size_t wn_ = t_hex(hex, w_, sizeof w_); \
        CHECK_INT((n), (int)wn_);               \
        if ((n) == (int)wn_)                    \
            CHECK_MEM((buf), w_, wn_);          \
    } while (0)

static void test_names(void)
{
    s7_block_id id = {S7_BLOCK_DB, 1, 'P'};
    uint8_t n[8];
    CHECK_INT(s7_block_id_encode(n, &id), 8);
    CHECK_MEM(n, "0A00001P", 8);
    s7_block_id d;
    CHECK_INT(s7_block_id_decode((const uint8_t *)"0800082A", 8, &d), 8);
    CHECK(d.type == S7_BLOCK_OB && d.number == 82 && d.fs == 'A');
    CHECK_INT(s7_block_id_decode((const uint8_t *)"0Z00001A", 8, &d), S7_ERR_PARAM);
    CHECK_INT(s7_block_id_decode((const uint8_t *)"0A0x001A", 8, &d), S7_ERR_PARAM);
    CHECK_INT(s7_block_id_decode((const uint8_t *)"0A99999A", 8, &d), S7_ERR_PARAM);
    CHECK_INT(s7_block_id_decode((const uint8_t *)"0A00001", 7, &d), S7_ERR_PARAM);
    id.type = 0x47;
    CHECK_INT(s7_block_id_encode(n, &id), S7_ERR_INVAL);
    CHECK_STR(s7_block_type_name(S7_BLOCK_SFB), "SFB");
    CHECK_STR(s7_block_type_name(0x47), "?");
    /* the sub-block type byte of images and block info, both ways */
    CHECK_INT(s7_block_sub_type(S7_BLOCK_OB), 0x08);
    CHECK_INT(s7_block_sub_type(S7_BLOCK_DB), 0x0A);
    CHECK_INT(s7_block_sub_type(S7_BLOCK_SFB), 0x0F);
    CHECK_INT(s7_block_sub_type(0x47), 0);
    CHECK_INT(s7_block_type_of_sub(0x0C), S7_BLOCK_FC);
    CHECK_INT(s7_block_type_of_sub(0x09), 0);
    CHECK_INT(s7_block_type_of_sub(0x10), 0);
    const uint8_t types[7] = {S7_BLOCK_OB,  S7_BLOCK_DB, S7_BLOCK_SDB, S7_BLOCK_FC,
                              S7_BLOCK_SFC, S7_BLOCK_FB, S7_BLOCK_SFB};
    for (int i = 0; i < 7; i++)
        CHECK_INT(s7_block_type_of_sub(s7_block_sub_type(types[i])), types[i]);
}

/* Decode pdu hex as a whole PDU and its every prefix. */
static int pdu_of(const char *hex, uint8_t *buf, size_t cap, s7_pdu *p)
{
    size_t n = t_hex(hex, buf, cap);
    for (size_t k = 0; k < n; k++) {
        s7_pdu q;
        CHECK(s7_pdu_decode(buf, k, &q) < 0);
    }
    return s7_pdu_decode(buf, n, p);
}

static void test_jobs(void)
{
    uint8_t b[512];
    s7_pdu p;
    s7_block_job j;
    /* the download request of DB1 (load 500, MC7 400) as STEP 7 sent it */
    static const char *req1a = "320100000e00002000001a00010000000000095f30413030303031500d31303030"
                               "353030303030343030";
    CHECK(pdu_of(req1a, b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_job_decode(&p, &j), 32);
    CHECK(j.fn == S7_FN_REQ_DOWNLOAD && j.has_name && j.id.type == S7_BLOCK_DB && j.id.number == 1);
    CHECK(j.id.fs == 'P' && j.load_len == 500 && j.mc7_len == 400);
    CHECK_ENC(b, t_hex(req1a, b, sizeof b), s7_block_job_encode(ob, oc, 0x0E00, &j));
    /* the CPU's download Job (0x1B) and end (0x1C) */
    memset(&j, 0, sizeof j);
    j.fn = S7_FN_DOWNLOAD;
    j.id = (s7_block_id){S7_BLOCK_DB, 1, 'P'};
    int n = s7_block_job_encode(encbuf, sizeof encbuf, 0x0100, &j);
    CHECK_HEXB(encbuf, n, "320100000100001200001b00000000000000095f3041303030303150");
    /* upload: start, part, end (Snap7 on a 315-2) */
    static const char *up = "320100000800001200001d00000000000000095f3042303030303041";
    CHECK(pdu_of(up, b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_job_decode(&p, &j), 18);
    CHECK(j.fn == S7_FN_UPLOAD_START && j.id.type == S7_BLOCK_SDB && j.id.number == 0);
    CHECK(pdu_of("320100000900000800001e00000000000007", b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_job_decode(&p, &j), 8);
    CHECK(j.fn == S7_FN_UPLOAD && j.upload_id == 7 && !j.has_name);
    CHECK_ENC(b, 18, s7_block_job_encode(ob, oc, 0x0900, &j));
    /* malformed: a name of 8 characters, lengths that are not digits, data present */
    CHECK(pdu_of("320100000800001100001d00000000000000083042303030303041", b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_job_decode(&p, &j), S7_ERR_PARAM);
    CHECK(pdu_of("320100000e00002000001a00010000000000095f30413030303031500d3130303035303030"
                 "3030343078",
                 b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_job_decode(&p, &j), S7_ERR_PARAM);
    j.fn = 0x20;
    CHECK_INT(s7_block_job_encode(encbuf, sizeof encbuf, 1, &j), S7_ERR_INVAL);
}

static void test_acks(void)
{
    uint8_t b[512];
    s7_pdu p;
    s7_block_ack a;
    /* the upload start's answer: id 7, length "0000216" */
    static const char *st = "320300000800001000000000"
                            "1d000100000000070730303030323136";
    CHECK(pdu_of(st, b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_ack_decode(&p, &a), 16);
    CHECK(a.fn == S7_FN_UPLOAD_START && a.upload_id == 7 && a.block_len == 216);
    CHECK_ENC(b, t_hex(st, b, sizeof b), s7_block_ack_encode(ob, oc, 0x0800, &a));
    /* a part with status 1 (more follows) */
    static const uint8_t part[4] = {0x70, 0x70, 0x01, 0x01};
    memset(&a, 0, sizeof a);
    a.fn = S7_FN_DOWNLOAD;
    a.status = 1;
    a.data = part;
    a.dlen = 4;
    int n = s7_block_ack_encode(encbuf, sizeof encbuf, 0x0001, &a);
    CHECK_HEXB(encbuf, n, "32030000000100020008 0000 1b01 0004 00fb 70700101");
    CHECK(pdu_of("32030000 0001 0002 0008 0000 1b01 0004 00fb 70700101", b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_ack_decode(&p, &a), 2);
    CHECK(a.status == 1 && a.dlen == 4 && memcmp(a.data, part, 4) == 0);
    /* a part whose length does not fill the data block */
    CHECK(pdu_of("32030000 0001 0002 0008 0000 1b01 0005 00fb 70700101", b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_ack_decode(&p, &a), S7_ERR_PARAM);
    /* one-byte answers, and a refusal */
    CHECK(pdu_of("3203000007000001000000001c", b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_ack_decode(&p, &a), 1);
    CHECK(a.fn == S7_FN_DOWNLOAD_END);
    CHECK(pdu_of("320200000b0000000000d20c", b, sizeof b, &p) > 0);
    CHECK_INT(s7_block_ack_decode(&p, &a), S7_ERR_PLC);
}

static void test_pi(void)
{
    uint8_t b[512];
    s7_pdu p;
    static const char *inse = "320100000f00001a000028000000000000fd000a01003041303030303150055f49"
                              "4e5345";
    s7_block_id id = {S7_BLOCK_DB, 1, 'P'};
    CHECK_ENC(b, t_hex(inse, b, sizeof b),
              s7_pi_blocks_req_encode(ob, oc, 0x0F00, "_INSE", &id, 1));
    CHECK(pdu_of(inse, b, sizeof b, &p) > 0);
    s7_plc_ctrl c;
    CHECK(s7_plc_ctrl_decode(&p, &c) > 0);
    s7_block_id ids[4];
    CHECK_INT(s7_pi_blocks_decode(c.arg, c.arg_len, ids, 4), 1);
    CHECK(ids[0].type == S7_BLOCK_DB && ids[0].number == 1 && ids[0].fs == 'P');
    CHECK_INT(s7_pi_blocks_decode(c.arg, c.arg_len - 1, ids, 4), S7_ERR_PARAM);
    CHECK_INT(s7_pi_blocks_decode(c.arg, c.arg_len, ids, 0), S7_ERR_PARAM);
}

static void test_userdata(void)
{
    /* the requests STEP 7 sent an IM151-8 (s7comm_downloading_block_db1.pcap) */
    int n = s7_block_list_req_encode(encbuf, sizeof encbuf, 0x0700);
    CHECK_HEXB(encbuf, n, "3207000007000008000400011204114301000a000000");
    n = s7_block_list_type_req_encode(encbuf, sizeof encbuf, 0x0B00, S7_BLOCK_OB);
    CHECK_HEXB(encbuf, n, "320700000b00000800060001120411430200ff0900023038");
    s7_block_id id = {S7_BLOCK_DB, 1, 'B'};
    n = s7_block_info_req_encode(encbuf, sizeof encbuf, 0x0C00, &id);
    CHECK_HEXB(encbuf, n, "320700000c000008000c0001120411430300ff0900083041303030303142");
    n = s7_ud_next_req_encode(encbuf, sizeof encbuf, 0x5500, S7_UD_GRP_BLOCK, 2, 0x01);
    CHECK_HEXB(encbuf, n, "3207000055 00000c0004 000112081243020100000000 0a000000");
    /* the info of an SFC and of DB1 as the IM151-8 answered them */
    uint8_t p[128];
    size_t pl = t_hex("0100004a423070700109010d00000000005a0000000002c1aac80f7602c1aac80f76000c"
                      "00040000000253494d4154494300434c4b5f46554e435345545f434c4b001000c5a0000000"
                      "0000000000",
                      p, sizeof p);
    s7_block_info bi;
    CHECK_INT(s7_block_info_decode(p, pl, &bi), 78);
    CHECK(bi.type == S7_BLOCK_SFC && bi.number == 0 && bi.know_how && bi.load_len == 90);
    CHECK(bi.mc7_len == 2 && bi.ssb_len == 12 && bi.add_len == 4);
    CHECK_STR(bi.author, "SIMATIC");
    CHECK_STR(bi.family, "CLK_FUNC");
    CHECK_STR(bi.name, "SET_CLK");
    CHECK(bi.version == 0x10 && bi.checksum == 0xC5A0);
    uint8_t again[78];
    CHECK_INT(s7_block_info_encode(again, &bi), 78);
    CHECK_MEM(again, p, 78);
    pl = t_hex("0100004a220070700101050a0001000001f400000000029147602bb5029147602bb5001c0000000001"
               "90545749000000000054657374484d490044415441444200000100c0df0000000000000000",
               p, sizeof p);
    CHECK_INT(s7_block_info_decode(p, pl, &bi), 78);
    CHECK(bi.type == S7_BLOCK_DB && bi.number == 1 && !bi.know_how && bi.mc7_len == 400);
    CHECK(bi.load_len == 500 && bi.lang == 5);
    CHECK_STR(bi.name, "DATADB");
    CHECK_INT(s7_block_info_encode(again, &bi), 78);
    CHECK_MEM(again, p, 78);
    for (size_t k = 0; k < 70; k++)
        CHECK_INT(s7_block_info_decode(p, k, &bi), S7_ERR_PARAM);
    p[11] = 0x09;
    CHECK_INT(s7_block_info_decode(p, pl, &bi), S7_ERR_PARAM);
}

int main(void)
{
    test_names();
    test_jobs();
    test_acks();
    test_pi();
    test_userdata();
    return t_done();
}
