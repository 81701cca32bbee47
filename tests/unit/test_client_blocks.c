/* client/blocks.c against the CPU emulator served by s7_server on loopback (a thread runs
 * the server's loop): list blocks, list of a type over continuation parts (PDU 240),
 * block info, upload (several parts, and into a buffer too small), the DB size from block
 * info, refusals with their codes (missing block, system block, protection level 3,
 * S7-1500), and argument checks. */
#include <pthread.h>
#include <string.h>

#include "s7/client.h"
#include "s7/cpu.h"
#include "s7/server.h"
#include "t.h"

static void *serve(void *arg)
{
    s7_server_run(arg);
    return NULL;
}

typedef struct rig {
    s7_cpu *cpu;
    s7_server *srv;
    pthread_t th;
    s7_client *c;
} rig;

static void fill300(s7_cpu *cpu)
{
    CHECK_INT(s7_cpu_add_db(cpu, 1, 10, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 10, 1000, 0), 0);
    CHECK(s7_cpu_add_default_blocks(cpu) > 0);
    uint32_t size;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 10, &size);
    for (uint32_t i = 0; i < size; i++)
        m[i] = (uint8_t)(i ^ 0x5A);
}

/* The CPU (filled before the server's thread starts), its server, a client connected. */
static int up(rig *r, const s7_profile *pf, uint8_t slot, void (*fill)(s7_cpu *))
{
    memset(r, 0, sizeof *r);
    r->cpu = s7_cpu_new(pf);
    if (fill)
        fill(r->cpu);
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    r->srv = s7_server_new(r->cpu, &o);
    if (!r->srv || s7_server_start(r->srv) < 0 || pthread_create(&r->th, NULL, serve, r->srv))
        return -1;
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.slot = slot;
    co.pdu_request = 240;
    r->c = s7_client_new(&co);
    return s7_client_connect(r->c, "127.0.0.1", s7_server_port(r->srv));
}

static void down(rig *r)
{
    s7_client_free(r->c);
    s7_server_stop(r->srv);
    pthread_join(r->th, NULL);
    s7_server_free(r->srv);
    s7_cpu_free(r->cpu);
}

static void test_s7300(void)
{
    rig r;
    s7_profile pf = *s7_profile_find("s7-300");
    CHECK_INT(up(&r, &pf, 2, fill300), 0);
    uint8_t m[1000];
    for (uint32_t i = 0; i < 1000; i++)
        m[i] = (uint8_t)(i ^ 0x5A);
    uint32_t size;
    s7_block_count k[8];
    CHECK_INT(s7_client_list_blocks(r.c, k, 8), 7);
    CHECK(k[0].type == S7_BLOCK_OB && k[0].count == 1);
    CHECK(k[3].type == S7_BLOCK_DB && k[3].count == 2);
    CHECK(k[5].type == S7_BLOCK_SFC && k[5].count == 77);
    CHECK_INT(s7_client_list_blocks(r.c, k, 2), 2);
    uint16_t nums[100];
    CHECK_INT(s7_client_list_blocks_of_type(r.c, S7_BLOCK_SFC, nums, 100), 77);
    CHECK(nums[0] == 0 && nums[52] == 68 && nums[76] == 127); /* numbers in order */
    CHECK_INT(s7_client_list_blocks_of_type(r.c, S7_BLOCK_SFC, nums, 10), S7_ERR_NOSPACE);
    CHECK_INT(s7_client_list_blocks_of_type(r.c, S7_BLOCK_FC, nums, 100), 0);
    CHECK_INT(s7_client_list_blocks_of_type(r.c, 0x47, nums, 100), S7_ERR_INVAL);
    s7_block_info bi;
    CHECK_INT(s7_client_block_info(r.c, S7_BLOCK_DB, 10, &bi), 0);
    CHECK(bi.type == S7_BLOCK_DB && bi.number == 10 && bi.mc7_len == 1000 && bi.load_len == 1072);
    CHECK_INT(s7_client_db_size(r.c, 10, &size), 0);
    CHECK_INT((int)size, 1000);
    CHECK_INT(s7_client_block_info(r.c, S7_BLOCK_DB, 11, &bi), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0xD209);
    /* upload: 1072 bytes in parts of 222 */
    static uint8_t blk[4096];
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_DB, 10, blk, sizeof blk), 1072);
    CHECK(blk[0] == 0x70 && blk[5] == 0x0A);
    CHECK_MEM(blk + 36, m, 1000);
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_DB, 10, blk, 500), S7_ERR_NOSPACE);
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_SFC, 1, blk, sizeof blk), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0xD20E);
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_OB, 9, blk, sizeof blk), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0xD20C);
    /* the connection is still good */
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_OB, 1, blk, sizeof blk), 38 + 72);
    /* download: DB10's image as DB20 (the CPU asks for the parts, _INSE activates it) */
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_DB, 10, blk, sizeof blk), 1072);
    blk[36] = 0xA5;
    CHECK_INT(s7_client_download(r.c, blk, 1072, 20), 0);
    uint8_t b20[4];
    CHECK_INT(s7_client_db_read(r.c, 20, 0, b20, 4), 0);
    CHECK(b20[0] == 0xA5 && b20[1] == m[1] && b20[3] == m[3]);
    CHECK_INT(s7_client_db_size(r.c, 20, &size), 0);
    CHECK_INT((int)size, 1000);
    /* not a block image: refused before anything is sent */
    CHECK_INT(s7_client_download(r.c, blk, 1071, -1), S7_ERR_INVAL);
    blk[5] = 0x0D; /* an SFC */
    CHECK_INT(s7_client_download(r.c, blk, 1072, -1), S7_ERR_INVAL);
    blk[5] = 0x0A;
    down(&r);
    /* protection level 3: the upload needs the password */
    pf.protection_level = 3;
    CHECK_INT(up(&r, &pf, 2, fill300), 0);
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_DB, 1, blk, sizeof blk), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0xD241);
    CHECK_INT(s7_client_download(r.c, blk, 1072, 30), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0xD241);
    CHECK(strstr(s7_client_last_error(r.c)->fix, "password") != NULL);
    down(&r);
}

static void test_s71500(void)
{
    rig r;
    CHECK_INT(up(&r, s7_profile_find("s7-1500"), 1, NULL), 0);
    s7_block_count k[8];
    CHECK_INT(s7_client_list_blocks(r.c, k, 8), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0x8104);
    uint32_t size;
    CHECK_INT(s7_client_db_size(r.c, 1, &size), S7_ERR_PLC);
    static uint8_t img[80] = {0x70, 0x70, 1, 1, 5, 0x0A, 0, 1, 0, 0, 0, 80};
    img[35] = 8;
    CHECK_INT(s7_client_download(r.c, img, 80, -1), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0x8104);
    /* 0x8104 to a download or an upload is the service this CPU does not offer, with PUT/GET
     * permitted or not: not the PUT/GET refusal of a Read/Write Var */
    CHECK_INT(s7_client_last_error(r.c)->kind, S7_EX_HEADER);
    CHECK_STR(s7_client_last_error(r.c)->name, "FUNCTION_NOT_IMPLEMENTED");
    CHECK(strstr(s7_client_last_error(r.c)->cause, "S7-1200/1500 do not offer this service"));
    s7_cpu_set_put_get(r.cpu, 1);
    static uint8_t blk[512];
    CHECK_INT(s7_client_upload(r.c, S7_BLOCK_DB, 1, blk, sizeof blk), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(r.c)->code, 0x8104);
    CHECK_STR(s7_client_last_error(r.c)->name, "FUNCTION_NOT_IMPLEMENTED");
    CHECK(!strstr(s7_client_last_error(r.c)->fix, "Permit access with PUT/GET"));
    uint8_t b[2];
    CHECK_INT(s7_client_read_area(r.c, S7_AREA_M, 0, 0, b, 2), 0); /* PUT/GET is permitted */
    s7_cpu_set_put_get(r.cpu, 0);
    CHECK_INT(s7_client_read_area(r.c, S7_AREA_M, 0, 0, b, 2), S7_ERR_PLC);
    CHECK_STR(s7_client_last_error(r.c)->name, "PUT_GET_NOT_PERMITTED"); /* a Read Var: PUT/GET */
    down(&r);
    CHECK_INT(s7_client_list_blocks(NULL, k, 8), S7_ERR_INVAL);
}

int main(void)
{
    test_s7300();
    test_s71500();
    return t_done();
}
