/* server/blocks.c through s7_cpu_handle: list blocks, list of a type (continued), block
 * info (a DB hidden by s7_cpu_set_db_shown absent from all three), upload of a DB with its current data, refusals (system block, missing block,
 * protection level, S7-1500), a download as STEP 7 runs it (request, the CPU's 0x1B / 0x1C
 * Jobs from s7_cpu_next_job, the PG's parts, _INSE making the DB served memory), _DELE,
 * an Ack_Data to no Job, and s7_cpu_load_block. */
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

static uint8_t req[4096], out[4096];

static int run(s7_cpu *cpu, s7_cpu_session *s, int n)
{
    return s7_cpu_handle(cpu, s, req, (size_t)n, out, sizeof out);
}

static s7_cpu *mk(const s7_profile *pf, s7_cpu_session *s, uint16_t pdu)
{
    s7_cpu *cpu = s7_cpu_new(pf);
    s7__cpu_session_init(s);
    s7_setup su = {1, 1, pdu};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(run(cpu, s, n), 20);
    return cpu;
}

/* The header error of an Ack in out (0 when it is an Ack_Data without one). */
static unsigned ack_err(int r)
{
    s7_pdu p;
    if (r <= 0 || s7_pdu_decode(out, (size_t)r, &p) < 0)
        return 0xFFFF;
    return (unsigned)(p.err_class << 8 | p.err_code);
}

static int ud_dec(int r, s7_ud *u)
{
    s7_pdu p;
    if (r <= 0 || s7_pdu_decode(out, (size_t)r, &p) < 0 || s7_ud_decode(&p, u) < 0)
        return -1;
    return 0;
}

static void test_list_info(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk(s7_profile_find("s7-300"), &s, 240);
    CHECK_INT(s7_cpu_add_db(cpu, 1, 100, 0), 0);
    CHECK_INT(s7_cpu_add_default_blocks(cpu), 1 + 77 + 15);
    CHECK_INT((int)s7_cpu_block_count(cpu), 93);
    CHECK_INT(s7_cpu_add_block(cpu, S7_BLOCK_DB, 2, 10, 0), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_add_block(cpu, S7_BLOCK_FC, 7, 120, 1), 0);
    s7_ud u;
    /* counts in the order a real CPU gives them: OB FB FC DB SDB SFC SFB */
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_list_req_encode(req, sizeof req, 1)), &u), 0);
    uint8_t want[28];
    t_hex("3038 0001 3045 0000 3043 0001 3041 0001 3042 0000 3044 004d 3046 000f", want, 28);
    CHECK_INT(u.plen, 28);
    CHECK_MEM(u.payload, want, 28);
    /* SFCs: 308 bytes, 208 in the first part (whole entries), the rest on request */
    CHECK_INT(
        ud_dec(run(cpu, &s, s7_block_list_type_req_encode(req, sizeof req, 2, S7_BLOCK_SFC)), &u),
        0);
    CHECK(u.plen == 208 && u.last == 1 && u.err == 0);
    CHECK(u.payload[0] == 0 && u.payload[1] == 0 && u.payload[2] == 0x42 && u.payload[3] == 1);
    CHECK_INT(
        ud_dec(run(cpu, &s, s7_ud_next_req_encode(req, sizeof req, 3, S7_UD_GRP_BLOCK, 2, u.seq)),
               &u),
        0);
    CHECK(u.plen == 100 && u.last == 0);
    /* FC7 is know-how protected: info says so; an unknown FC: D209 */
    s7_block_id id = {S7_BLOCK_FC, 7, 'A'};
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_info_req_encode(req, sizeof req, 4, &id)), &u), 0);
    s7_block_info bi;
    CHECK_INT(s7_block_info_decode(u.payload, u.plen, &bi), 78);
    CHECK(bi.type == S7_BLOCK_FC && bi.number == 7 && bi.know_how && bi.mc7_len == 120);
    CHECK_INT((int)bi.load_len, 120 + 72);
    id.number = 8;
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_info_req_encode(req, sizeof req, 5, &id)), &u), 0);
    CHECK_INT(u.err, 0xD209);
    id = (s7_block_id){S7_BLOCK_DB, 1, 'A'};
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_info_req_encode(req, sizeof req, 6, &id)), &u), 0);
    CHECK_INT(s7_block_info_decode(u.payload, u.plen, &bi), 78);
    CHECK(bi.type == S7_BLOCK_DB && bi.mc7_len == 100 && bi.load_len == 172 && bi.lang == 5);
    s7__cpu_session_release(&s);
    s7__blocks_session_end(&s);
    s7_cpu_free(cpu);
}

/* The DB count of a block list reply (u: decoded), the pair '0' 'A'; -1 when absent. */
static int db_count(const s7_ud *u)
{
    for (size_t i = 0; i + 4 <= u->plen; i += 4)
        if (u->payload[i] == '0' && u->payload[i + 1] == S7_BLOCK_DB)
            return u->payload[i + 2] << 8 | u->payload[i + 3];
    return -1;
}

/* A DB hidden by s7_cpu_set_db_shown(..., 0) (the simulation's db_missing) is absent from
 * the block list, its DB count, the list of DBs and block info, as on a CPU without it; a
 * DB shown shorter is listed with its shown length; shown whole again, it is back. */
static void test_hidden_db(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk(s7_profile_find("s7-300"), &s, 240);
    for (uint16_t n = 1; n <= 3; n++)
        CHECK_INT(s7_cpu_add_db(cpu, n, 100, 0), 0);
    s7_ud u;
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_list_req_encode(req, sizeof req, 1)), &u), 0);
    CHECK_INT(db_count(&u), 3);
    CHECK_INT(s7_cpu_set_db_shown(cpu, 2, 0), 0);
    CHECK_INT(s7_cpu_set_db_shown(cpu, 3, 10), 0);
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_list_req_encode(req, sizeof req, 2)), &u), 0);
    CHECK_INT(db_count(&u), 2);
    CHECK_INT(
        ud_dec(run(cpu, &s, s7_block_list_type_req_encode(req, sizeof req, 3, S7_BLOCK_DB)), &u),
        0);
    uint8_t want[8];
    t_hex("0001 2205 0003 2205", want, 8);
    CHECK_INT(u.plen, 8);
    CHECK_MEM(u.payload, want, 8);
    s7_block_id id = {S7_BLOCK_DB, 2, 'A'};
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_info_req_encode(req, sizeof req, 4, &id)), &u), 0);
    CHECK_INT(u.err, 0xD209);
    id.number = 3;
    s7_block_info bi;
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_info_req_encode(req, sizeof req, 5, &id)), &u), 0);
    CHECK_INT(s7_block_info_decode(u.payload, u.plen, &bi), 78);
    CHECK_INT(bi.mc7_len, 10);
    CHECK_INT(s7_cpu_set_db_shown(cpu, 2, 100), 0);
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_list_req_encode(req, sizeof req, 6)), &u), 0);
    CHECK_INT(db_count(&u), 3);
    CHECK_INT(
        ud_dec(run(cpu, &s, s7_block_list_type_req_encode(req, sizeof req, 7, S7_BLOCK_DB)), &u),
        0);
    CHECK_INT(u.plen, 12);
    s7__cpu_session_release(&s);
    s7__blocks_session_end(&s);
    s7_cpu_free(cpu);
}

/* Upload type/number through the jobs; returns the length or the header error negated. */
static long upload(s7_cpu *cpu, s7_cpu_session *s, uint8_t type, uint16_t number, uint8_t *buf,
                   size_t cap)
{
    s7_block_job j;
    memset(&j, 0, sizeof j);
    j.fn = S7_FN_UPLOAD_START;
    j.id = (s7_block_id){type, number, 'A'};
    int r = run(cpu, s, s7_block_job_encode(req, sizeof req, 1, &j));
    if (ack_err(r))
        return -(long)ack_err(r);
    s7_pdu p;
    s7_block_ack a;
    CHECK(s7_pdu_decode(out, (size_t)r, &p) > 0 && s7_block_ack_decode(&p, &a) > 0);
    uint32_t total = a.block_len;
    j.fn = S7_FN_UPLOAD;
    j.upload_id = a.upload_id;
    size_t len = 0;
    for (int parts = 0; parts < 1000; parts++) {
        r = run(cpu, s, s7_block_job_encode(req, sizeof req, 2, &j));
        if (s7_pdu_decode(out, (size_t)r, &p) < 0 || s7_block_ack_decode(&p, &a) < 0)
            return -1;
        CHECK(len + a.dlen <= cap);
        if (len + a.dlen > cap)
            return -1;
        memcpy(buf + len, a.data, a.dlen);
        len += a.dlen;
        if (!a.status)
            break;
    }
    j.fn = S7_FN_UPLOAD_END;
    r = run(cpu, s, s7_block_job_encode(req, sizeof req, 3, &j));
    CHECK_INT(ack_err(r), 0);
    CHECK_INT((int)len, (int)total);
    return (long)len;
}

static void test_upload(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk(s7_profile_find("s7-300"), &s, 240);
    CHECK_INT(s7_cpu_add_db(cpu, 10, 500, 0), 0);
    CHECK_INT(s7_cpu_add_default_blocks(cpu) > 0, 1);
    uint32_t size;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 10, &size);
    for (uint32_t i = 0; i < size; i++)
        m[i] = (uint8_t)(i * 7);
    static uint8_t img[4096];
    /* DB10: 500 bytes of data in a 572-byte block, in parts of PDU - 18 */
    CHECK_INT(upload(cpu, &s, S7_BLOCK_DB, 10, img, sizeof img), 572);
    CHECK(img[0] == 0x70 && img[1] == 0x70 && img[5] == 0x0A && img[7] == 10);
    CHECK(img[34] == 0x01 && img[35] == 0xF4);
    CHECK_MEM(img + 36, m, 500);
    /* the upload can be loaded back: DB10 replaced with its own image */
    img[36] = 0x55;
    CHECK_INT(s7_cpu_load_block(cpu, img, 572), 0);
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_DB, 10, &size)[0], 0x55);
    CHECK_INT(s7_cpu_load_block(cpu, img, 571), S7_ERR_INVAL);
    /* OB1 (generated, 38 bytes of code) */
    CHECK_INT(upload(cpu, &s, S7_BLOCK_OB, 1, img, sizeof img), 38 + 72);
    /* refusals: a system block, a block the CPU does not have, an upload Job without start */
    CHECK_INT(upload(cpu, &s, S7_BLOCK_SFC, 1, img, sizeof img), -0xD20E);
    CHECK_INT(upload(cpu, &s, S7_BLOCK_OB, 0, img, sizeof img), -0xD20C);
    s7_block_job j;
    memset(&j, 0, sizeof j);
    j.fn = S7_FN_UPLOAD;
    j.upload_id = 7;
    CHECK_INT(ack_err(run(cpu, &s, s7_block_job_encode(req, sizeof req, 9, &j))), 0xD209);
    s7__blocks_session_end(&s);
    s7_cpu_free(cpu);
    /* protection level 3 (read/write protection): the password is needed first */
    s7_profile pf = *s7_profile_find("s7-300");
    pf.protection_level = 3;
    cpu = mk(&pf, &s, 240);
    CHECK_INT(s7_cpu_add_db(cpu, 10, 50, 0), 0);
    CHECK_INT(upload(cpu, &s, S7_BLOCK_DB, 10, img, sizeof img), -0xD241);
    s7_cpu_free(cpu);
    /* an S7-1500 has no classic block functions */
    cpu = mk(s7_profile_find("s7-1500"), &s, 480);
    CHECK_INT(upload(cpu, &s, S7_BLOCK_DB, 1, img, sizeof img), -0x8104);
    s7_ud u;
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_list_req_encode(req, sizeof req, 1)), &u), 0);
    CHECK_INT(u.err, 0x8104);
    CHECK_INT(s7_cpu_add_default_blocks(cpu), 0);
    s7_cpu_free(cpu);
}

/* The PG's Ack_Data with part data[0..n) (more: status 1). */
static int part(s7_cpu *cpu, s7_cpu_session *s, uint16_t ref, const uint8_t *data, uint16_t n,
                int more)
{
    s7_block_ack a;
    memset(&a, 0, sizeof a);
    a.fn = S7_FN_DOWNLOAD;
    a.status = (uint8_t)more;
    a.data = data;
    a.dlen = n;
    return run(cpu, s, s7_block_ack_encode(req, sizeof req, ref, &a));
}

/* The refusals the CPU reports (S7_EV_REFUSED of a DB). */
static int refused_db, refused_err;
static void on_refused(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    if (ev->kind == S7_EV_REFUSED && ev->area == S7_AREA_DB) {
        refused_db = ev->db;
        refused_err = ev->err;
    }
}

static void test_download(void)
{
    s7_cpu_session s;
    s7_cpu *cpu = mk(s7_profile_find("s7-300"), &s, 240);
    /* a DB5 of 300 bytes: header, data, footer (load 372) */
    static uint8_t img[372];
    memset(img, 0, sizeof img);
    img[0] = img[1] = 0x70;
    img[2] = 1;
    img[3] = 1;
    img[4] = 5;
    img[5] = 0x0A;
    img[7] = 5;
    img[10] = 0x01;
    img[11] = 0x74;
    img[34] = 0x01;
    img[35] = 0x2C;
    for (int i = 0; i < 300; i++)
        img[36 + i] = (uint8_t)(i + 1);
    memcpy(img + 336, "AUTHOR", 6);
    s7_block_job j;
    memset(&j, 0, sizeof j);
    j.fn = S7_FN_REQ_DOWNLOAD;
    j.id = (s7_block_id){S7_BLOCK_DB, 5, 'P'};
    j.load_len = 372;
    j.mc7_len = 300;
    int r = run(cpu, &s, s7_block_job_encode(req, sizeof req, 0x0E00, &j));
    t_hex("32 03 0000 0E00 0001 0000 0000 1A", req, 13);
    CHECK(r == 13 && memcmp(out, req, 13) == 0);
    /* the CPU asks for the parts, then ends */
    uint8_t job[64];
    size_t off = 0;
    int more = 1, jobs = 0;
    while (more && jobs < 10) {
        int n = s7_cpu_next_job(cpu, &s, job, sizeof job);
        uint8_t want[64];
        size_t wn = t_hex("32 01 0000 0000 0012 0000 1b 00 0000 00000000 09 5f 3041303030303550",
                          want, sizeof want);
        CHECK_INT(n, (int)wn);
        CHECK_MEM(job + 10, want + 10, wn - 10);
        CHECK_INT(s7_cpu_next_job(cpu, &s, job, sizeof job), 0); /* one Job at a time */
        uint16_t n_ = (uint16_t)(372 - off < 160 ? 372 - off : 160);
        more = off + n_ < 372;
        CHECK_INT(part(cpu, &s, (uint16_t)(job[4] << 8 | job[5]), img + off, n_, more), 0);
        off += n_;
        jobs++;
    }
    CHECK_INT(jobs, 3);
    r = s7_cpu_next_job(cpu, &s, job, sizeof job);
    CHECK(r == 28 && job[10] == S7_FN_DOWNLOAD_END);
    t_hex("32 03 0000 0004 0001 0000 0000 1c", req, 13);
    CHECK_INT(run(cpu, &s, 13), 0);
    /* passive until _INSE: not listed, not served */
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 5, NULL) == NULL);
    CHECK_INT(ack_err(run(cpu, &s, s7_pi_blocks_req_encode(req, sizeof req, 7, "_INSE", &j.id, 1))),
              0);
    uint32_t size = 0;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 5, &size);
    CHECK(m && size == 300);
    if (m)
        CHECK_MEM(m, img + 36, 300);
    s7_block_id id = {S7_BLOCK_DB, 5, 'A'};
    s7_ud u;
    CHECK_INT(ud_dec(run(cpu, &s, s7_block_info_req_encode(req, sizeof req, 8, &id)), &u), 0);
    CHECK_INT(u.err, 0);
    /* _INSE again: active already, nothing to do; _INSE of what was never downloaded */
    CHECK_INT(ack_err(run(cpu, &s, s7_pi_blocks_req_encode(req, sizeof req, 7, "_INSE", &j.id, 1))),
              0);
    id.number = 6;
    CHECK_INT(ack_err(run(cpu, &s, s7_pi_blocks_req_encode(req, sizeof req, 7, "_INSE", &id, 1))),
              0xD209);
    /* _DELE: the DB is gone */
    id.number = 5;
    CHECK_INT(ack_err(run(cpu, &s, s7_pi_blocks_req_encode(req, sizeof req, 7, "_DELE", &id, 1))),
              0);
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 5, NULL) == NULL);
    /* an Ack_Data to no Job: the connection is closed (a negative return) */
    CHECK(part(cpu, &s, 1, img, 10, 0) < 0);
    /* lengths the CPU cannot hold */
    j.load_len = 10;
    CHECK_INT(ack_err(run(cpu, &s, s7_block_job_encode(req, sizeof req, 9, &j))), 0xD20E);
    /* a download abandoned half-way: the session frees it */
    j.load_len = 372;
    CHECK_INT(ack_err(run(cpu, &s, s7_block_job_encode(req, sizeof req, 9, &j))), 0);
    CHECK(s7_cpu_next_job(cpu, &s, job, sizeof job) > 0);
    CHECK_INT(part(cpu, &s, 1, img, 100, 1), 0);
    s7__blocks_session_end(&s);
    s7_cpu_free(cpu);
    /* a retentive DB is not resized: a download of DB5 with 300 bytes into a retentive DB5
     * of 100 is refused at the request (reported as a refused access to DB5) and, when DB5
     * became retentive after the transfer, at _INSE (the DB as it was) */
    cpu = mk(s7_profile_find("s7-300"), &s, 240);
    CHECK_INT(s7_cpu_add_db(cpu, 5, 100, S7_DB_RETAIN), 0);
    s7_cpu_on_event(cpu, on_refused, NULL);
    refused_db = refused_err = 0;
    CHECK_INT(ack_err(run(cpu, &s, s7_block_job_encode(req, sizeof req, 9, &j))), 0xD20E);
    CHECK_INT(refused_db, 5);
    CHECK_INT(refused_err, 0xD20E);
    CHECK_INT(s7_cpu_next_job(cpu, &s, job, sizeof job), 0); /* nothing is asked for */
    s7_cpu_free(cpu);
    cpu = mk(s7_profile_find("s7-300"), &s, 240);
    CHECK_INT(ack_err(run(cpu, &s, s7_block_job_encode(req, sizeof req, 9, &j))), 0);
    for (off = 0, jobs = 0; off < 372 && jobs < 10; jobs++) {
        CHECK(s7_cpu_next_job(cpu, &s, job, sizeof job) > 0);
        uint16_t n_ = (uint16_t)(372 - off < 160 ? 372 - off : 160);
        CHECK_INT(part(cpu, &s, (uint16_t)(job[4] << 8 | job[5]), img + off, n_, off + n_ < 372),
                  0);
        off += n_;
    }
    CHECK(s7_cpu_next_job(cpu, &s, job, sizeof job) > 0);
    t_hex("32 03 0000 0004 0001 0000 0000 1c", req, 13);
    CHECK_INT(run(cpu, &s, 13), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 5, 100, S7_DB_RETAIN), 0);
    s7_cpu_on_event(cpu, on_refused, NULL);
    refused_db = 0;
    j.id.fs = 'A';
    CHECK_INT(ack_err(run(cpu, &s, s7_pi_blocks_req_encode(req, sizeof req, 7, "_INSE", &j.id, 1))),
              0xD20E);
    CHECK_INT(refused_db, 5);
    size = 0;
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 5, &size) != NULL && size == 100);
    CHECK_INT((int)s7_cpu_db_flags(cpu, 5), S7_DB_RETAIN);
    s7__blocks_session_end(&s);
    s7_cpu_free(cpu);
    /* protection level 2: download needs the password */
    s7_profile pf = *s7_profile_find("s7-400");
    pf.protection_level = 2;
    cpu = mk(&pf, &s, 480);
    j.load_len = 372;
    CHECK_INT(ack_err(run(cpu, &s, s7_block_job_encode(req, sizeof req, 9, &j))), 0xD241);
    CHECK_INT(ack_err(run(cpu, &s, s7_pi_blocks_req_encode(req, sizeof req, 7, "_DELE", &id, 1))),
              0xD241);
    s7_cpu_free(cpu);
}

int main(void)
{
    test_hidden_db();
    test_list_info();
    test_upload();
    test_download();
    return t_done();
}
