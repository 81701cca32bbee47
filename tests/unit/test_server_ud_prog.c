/* Userdata group 1 (programmer commands, server/ud_prog.c): the real requests of STEP 7 and
 * TIA Portal sent to an emulated S7-300, each answer compared with the CPU 315-2 PN/DP's
 * structurally (header, parameter but for the sequence number's value, data item return
 * code, transport size and length) and the pushes that carry VarTab / modify results byte
 * for byte (the emulator's memory holds what the real CPU's did).
 *
 * Sources (tests/vectors/real/, frame numbers as Wireshark counts them):
 *   step7_s300_rwVarTab.pcapng    1/2 modify, 4/5 enable, 7 its push, 17/18/20 VarTab,
 *                                 22/23/24 modify at once
 *   step7_s300_readVarTab.pcapng  527/530 disable job (D0A5)
 *   step7_s300_readDiagData.pcapng 13/14 read job list, 22/23 block status, 25/26 enable,
 *                                 673/676 delete job
 *   tia_s300_flashLed.pcapng      1/2 flash LED */
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "s7/wire.h"
#include "server/cpu_int.h" /* s7__prog_push */
#include "t.h"

static uint8_t out[4096];
static uint8_t req[4096];
static uint8_t exp_buf[4096];

static s7_cpu_event last_ev;
static int nev;

static void on_ev(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    if (ev->kind == S7_EV_CONTROL)
        last_ev = *ev;
    nev++;
}

static s7_cpu *mk(const char *profile, s7_cpu_session *s)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profile));
    s7_cpu_on_event(cpu, on_ev, NULL);
    s7_setup su = {1, 1, 240};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, s, req, (size_t)n, out, sizeof out), 20);
    return cpu;
}

/* Send the request in hex (its job number byte at job_at replaced by job when job_at > 0). */
static int send_hex(s7_cpu *cpu, s7_cpu_session *s, const char *hex, size_t job_at, uint8_t job)
{
    size_t n = t_hex(hex, req, sizeof req);
    if (job_at)
        req[job_at] = job;
    return s7_cpu_handle(cpu, s, req, n, out, sizeof out);
}

/* The answer (out, n bytes) against the real one: header, parameter (sequence number zero
 * or not), data item return code, transport size and length. */
static int same_struct(const uint8_t *a, int n, const char *real_hex, const char *what)
{
    size_t rn = t_hex(real_hex, exp_buf, sizeof exp_buf);
    s7_pdu pa, pr;
    s7_ud ua, ur;
    if (n <= 0 || s7_pdu_decode(a, (size_t)n, &pa) < 0 || s7_ud_decode(&pa, &ua) < 0 ||
        s7_pdu_decode(exp_buf, rn, &pr) < 0 || s7_ud_decode(&pr, &ur) < 0) {
        fprintf(stderr, "%s: the answer does not decode (%d bytes)\n", what, n);
        return 0;
    }
    int ok = pa.rosctr == pr.rosctr && pa.ref == pr.ref && pa.param_len == pr.param_len &&
             pa.data_len == pr.data_len && ua.method == ur.method && ua.type == ur.type &&
             ua.group == ur.group && ua.subfn == ur.subfn && (ua.seq != 0) == (ur.seq != 0) &&
             ua.dur == ur.dur && ua.last == ur.last && ua.err == ur.err && ua.rc == ur.rc &&
             ua.dts == ur.dts && ua.plen == ur.plen;
    if (!ok) {
        fprintf(stderr, "%s: differs\n  got ", what);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "%02x", a[i]);
        fprintf(stderr, "\n  real %s\n", real_hex);
    }
    return ok;
}

/* The next push against the captured one byte for byte, its sequence number (the job
 * number) excepted, which must be job. */
static int same_push(s7_cpu_session *s, const char *real_hex, uint8_t job, const char *what)
{
    uint8_t p[1024];
    int n = s7__prog_push(s, p, sizeof p);
    size_t rn = t_hex(real_hex, exp_buf, sizeof exp_buf);
    int ok = n == (int)rn && n > 17 && p[17] == job;
    if (ok) {
        exp_buf[17] = job;
        ok = memcmp(p, exp_buf, rn) == 0;
    }
    if (!ok) {
        fprintf(stderr, "%s: push differs (job %u)\n  got ", what, job);
        for (int i = 0; i < n; i++)
            fprintf(stderr, "%02x", p[i]);
        fprintf(stderr, "\n  real %s\n", real_hex);
    }
    return ok;
}

/* step7_s300_rwVarTab.pcapng */
static const char MODIFY[] =
    "320700006803000c0044000112081241080000000000ff0900400014002800000001000100060001000100"
    "010001000102000003030100000000020100000004100100000008000900044133851f00090002dead0009"
    "00010100";
static const char MODIFY_ANS[] = "320700006803000c00040001120812810802000000000a000000";
static const char ENABLE_MODIFY[] = "320700006903000c001e0001120812410e0000000000ff09001a001400"
                                    "02000000000001000000000001000100010001000008"
                                    "02";
static const char ENABLE_ANS[] = "320700006903000c00040001120812810e03000000000a000000";
static const char MODIFY_PUSH[] =
    "320700000000000c0012000112081201080200000000ff09000e00040006010000020003ffffff00";
static const char VARTAB[] =
    "320700006c03000c002a000112081241020000000000ff0900260014000e00000000000100120001000100"
    "010001000100000002010600000000110100000008";
static const char VARTAB_ANS[] = "320700006c03000c00040001120812810202000000000a000000";
static const char VARTAB_PUSH[] = "320700000000000c001e000112081201020200000000ff09001a000400"
                                  "12010000010002ff0900064133851fdeadff0900010200";
static const char MODIFY_NOW[] =
    "320700006d03000c0044000112081241080000000000ff0900400014002800000000000100060001000100"
    "010001000100000003030100000000020100000004100100000008000900044133851f00090002dead0009"
    "00010100";
static const char MODIFY_NOW_ANS[] = "320700006d03000c00040001120812810802000000000a000000";
static const char MODIFY_NOW_PUSH[] =
    "320700000000000c0012000112081201080200000000ff09000e00040006010000010003ffffff00";
/* step7_s300_readVarTab.pcapng */
static const char DISABLE[] = "32070000d803000c001e0001120812410d0000000000ff09001a0014000200"
                              "000000000100000000000100010001000100000202";
static const char DISABLE_ANS[] = "32070000d803000c00040001120812810d030000d0a50a000000";
/* step7_s300_readDiagData.pcapng */
static const char JOBLIST[] = "320700006606000c0020000112081241100000000000ff09001c0014000400"
                              "0000000001000000010001000100010001000000000000";
static const char JOBLIST_ANS[] =
    "320700006606000c0010000112081281100300000000ff09000c000400040100000110030000";
static const char BLOCKSTAT[] =
    "320700006906000c0040000112081241130000000000ff09003c001c001c000000010000002e0001000100"
    "0100010001060000080001000000100006000300000001000200010006000300080002000a0003000e0003";
static const char BLOCKSTAT_ANS[] = "320700006906000c00040001120812811303000000000a000000";
static const char ENABLE_BS[] = "320700006a06000c001e0001120812410e0000000000ff09001a00140002"
                                "00000000000100000000000100010001000100001303";
static const char ENABLE_BS_ANS[] = "320700006a06000c00040001120812810e02000000000a000000";
static const char DELETE_BS[] = "32070000ec06000c00200001120812410f0000000000ff09001c00140004"
                                "000000000001000000000001000100010001000000011303";
static const char DELETE_BS_ANS[] = "32070000ec06000c00040001120812810f02000000000a000000";
/* tia_s300_flashLed.pcapng */
static const char FLASH[] = "320700006c01000c001c000112081241160000000000ff0900180014000000000000"
                            "00010000000000010001000100010000";
static const char FLASH_ANS[] = "320700006c01000c00040001120812811603000000000a000000";

/* The job number the last answer gave. */
static uint8_t job_of(int n) { return n > 17 ? out[17] : 0; }

static void test_modify_and_vartab(void)
{
    s7_cpu_session *s = s7_cpu_session_new();
    s7_cpu *cpu = mk("s7-300", s);
    /* modify MD0, MW4, I8.1 at the cycle start: set up, nothing pushed yet */
    int n = send_hex(cpu, s, MODIFY, 0, 0);
    CHECK(same_struct(out, n, MODIFY_ANS, "modify"));
    uint8_t job = job_of(n);
    CHECK(job != 0);
    CHECK_INT(s7__prog_pending(s), 0);
    /* enabled: runs, pushes one return code per item */
    nev = 0;
    n = send_hex(cpu, s, ENABLE_MODIFY, t_hex(ENABLE_MODIFY, req, sizeof req) - 1, job);
    CHECK(same_struct(out, n, ENABLE_ANS, "enable modify"));
    CHECK(same_push(s, MODIFY_PUSH, job, "modify push"));
    CHECK_INT(s7__prog_pending(s), 0);
    CHECK(nev >= 3); /* the writes were reported as writes */
    uint32_t sz = 0;
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_M, 0, &sz);
    CHECK(m && sz >= 6 && memcmp(m, "\x41\x33\x85\x1f\xde\xad", 6) == 0);
    uint8_t *in = s7_cpu_mem(cpu, S7_AREA_I, 0, &sz);
    CHECK(in && sz > 8 && in[8] == 0x02);
    /* a job of frequency "once" is done after it ran: enabling it again finds nothing */
    n = send_hex(cpu, s, ENABLE_MODIFY, t_hex(ENABLE_MODIFY, req, sizeof req) - 1, job);
    CHECK(n > 21 && out[20] == 0xD0 && out[21] == 0xA5);
    /* VarTab of MB0 x6 and IB8, immediately: answered, then its push with the values */
    n = send_hex(cpu, s, VARTAB, 0, 0);
    CHECK(same_struct(out, n, VARTAB_ANS, "vartab"));
    job = job_of(n);
    CHECK(same_push(s, VARTAB_PUSH, job, "vartab push"));
    /* the same modify, immediately */
    n = send_hex(cpu, s, MODIFY_NOW, 0, 0);
    CHECK(same_struct(out, n, MODIFY_NOW_ANS, "modify at once"));
    CHECK(same_push(s, MODIFY_NOW_PUSH, job_of(n), "modify at once push"));
    /* the engine takes pushes through s7_cpu_session_push: due at once, then none */
    n = send_hex(cpu, s, MODIFY_NOW, 0, 0);
    job = job_of(n);
    CHECK_INT(s7_cpu_session_next_push(s), 0);
    uint8_t pb[512];
    int pn = s7_cpu_session_push(cpu, s, 0, pb, sizeof pb);
    size_t en = t_hex(MODIFY_NOW_PUSH, exp_buf, sizeof exp_buf);
    exp_buf[17] = job;
    CHECK(pn == (int)en && memcmp(pb, exp_buf, en) == 0);
    CHECK_INT(s7_cpu_session_push(cpu, s, 0, pb, sizeof pb), 0);
    CHECK_INT(s7_cpu_session_next_push(s), -1);
    /* disable: D0A5, as the 315-2 answers it */
    n = send_hex(cpu, s, DISABLE, 0, 0);
    CHECK(same_struct(out, n, DISABLE_ANS, "disable"));
    s7_cpu_free(cpu);
    s7_cpu_session_free(s);
}

static void test_jobs_and_led(void)
{
    s7_cpu_session *s = s7_cpu_session_new();
    s7_cpu *cpu = mk("s7-300", s);
    /* the job list: only the read itself (no force job) */
    int n = send_hex(cpu, s, JOBLIST, 0, 0);
    CHECK(same_struct(out, n, JOBLIST_ANS, "job list"));
    CHECK(n == 38 && out[34] == 0x10 && out[35] == out[17] && out[36] == 0 && out[37] == 0);
    /* block status: set up, enabled (no push: the emulator runs no code), deleted */
    n = send_hex(cpu, s, BLOCKSTAT, 0, 0);
    CHECK(same_struct(out, n, BLOCKSTAT_ANS, "block status"));
    uint8_t job = job_of(n);
    n = send_hex(cpu, s, ENABLE_BS, t_hex(ENABLE_BS, req, sizeof req) - 1, job);
    CHECK(same_struct(out, n, ENABLE_BS_ANS, "enable block status"));
    CHECK_INT(s7__prog_pending(s), 0);
    /* the job list now names it */
    n = send_hex(cpu, s, JOBLIST, 0, 0);
    CHECK(n == 42 && out[34] == 0x13 && out[35] == job && out[38] == 0x10);
    n = send_hex(cpu, s, DELETE_BS, t_hex(DELETE_BS, req, sizeof req) - 1, job);
    CHECK(same_struct(out, n, DELETE_BS_ANS, "delete"));
    n = send_hex(cpu, s, DELETE_BS, t_hex(DELETE_BS, req, sizeof req) - 1, job);
    CHECK(n > 21 && out[20] == 0xD0 && out[21] == 0xA5); /* gone */
    /* flash LED: accepted and reported */
    memset(&last_ev, 0, sizeof last_ev);
    n = send_hex(cpu, s, FLASH, 0, 0);
    CHECK(same_struct(out, n, FLASH_ANS, "flash LED"));
    CHECK_INT(last_ev.ctrl, S7_CTRL_FLASH_LED);
    s7_cpu_free(cpu);
    s7_cpu_session_free(s);
}

/* The parameter error code of the answer in out. */
static unsigned err_of(int n) { return n > 21 ? (unsigned)(out[20] << 8 | out[21]) : 0xFFFFu; }

static void test_bad_requests(void)
{
    s7_cpu_session *s = s7_cpu_session_new();
    s7_cpu *cpu = mk("s7-300", s);
    size_t n0 = t_hex(VARTAB, req, sizeof req);
    /* TIS data size one more than the data holds: D033 (wrong job length) */
    req[29]++;
    int n = s7_cpu_handle(cpu, s, req, n0, out, sizeof out);
    CHECK_INT(err_of(n), 0xD033);
    /* data item shorter than the TIS sizes say (the frame shortened consistently) */
    n0 = t_hex(VARTAB, req, sizeof req);
    req[8] = 0x00;
    req[9] = 0x29;
    req[25]--;
    n = s7_cpu_handle(cpu, s, req, n0 - 1, out, sizeof out);
    CHECK_INT(err_of(n), 0xD033);
    /* an area the CPU does not have (0x40): D015 */
    n0 = t_hex(VARTAB, req, sizeof req);
    req[52] = 0x40;
    n = s7_cpu_handle(cpu, s, req, n0, out, sizeof out);
    CHECK_INT(err_of(n), 0xD015);
    /* no TIS sizes at all */
    static const char EMPTY[] = "320700000103000c0004000112081241020000000000ff090000";
    n = send_hex(cpu, s, EMPTY, 0, 0);
    CHECK_INT(err_of(n), 0xD033);
    /* enable of a job that does not exist: D0A5 */
    n = send_hex(cpu, s, ENABLE_BS, 0, 0);
    CHECK_INT(err_of(n), 0xD0A5);
    /* a subfunction the emulator does not serve (0x0A breakpoint): 8104 */
    n0 = t_hex(FLASH, req, sizeof req);
    req[16] = 0x0A;
    n = s7_cpu_handle(cpu, s, req, n0, out, sizeof out);
    CHECK_INT(err_of(n), 0x8104);
    /* a DB that does not exist read by a VarTab: the item answers 0A, the others their data */
    static const char VT_DB[] =
        "320700000203000c002a000112081241020000000000ff0900260014000e00000000000100120001000100"
        "010001000100000002710400630000110100000008";
    n = send_hex(cpu, s, VT_DB, 0, 0);
    CHECK_INT(err_of(n), 0);
    uint8_t p[512];
    int pn = s7__prog_push(s, p, sizeof p);
    CHECK(pn == 26 + 8 + 2 + 4 + 6 && p[36] == 0x0A && p[37] == 0 && p[40] == 0xFF);
    /* an item larger than a PDU (DB1.DBD0, 255 of them): refused in the push, no overrun */
    CHECK_INT(s7_cpu_add_db(cpu, 1, 2000, 0), 0);
    static const char VT_BIG[] =
        "320700000303000c0024000112081241020000000000ff090020001400080000000000010012000100010001"
        "000100010000"
        "000173ff00010000";
    n = send_hex(cpu, s, VT_BIG, 0, 0);
    CHECK_INT(err_of(n), 0);
    pn = s7__prog_push(s, p, sizeof p);
    CHECK(pn == 26 + 8 + 2 + 4 && p[36] != 0xFF && p[37] == 0);
    /* the job list fills at 8 jobs: D062 */
    int full = 0;
    for (int i = 0; i < 9; i++) {
        n = send_hex(cpu, s, BLOCKSTAT, 0, 0);
        full += err_of(n) == 0xD062;
    }
    CHECK_INT(full, 1);
    s7_cpu_free(cpu);
    s7_cpu_session_free(s);
    /* an S7-1500 does not serve group 1: 8104 */
    s = s7_cpu_session_new();
    cpu = mk("s7-1500", s);
    n = send_hex(cpu, s, JOBLIST, 0, 0);
    CHECK_INT(err_of(n), 0x8104);
    s7_cpu_free(cpu);
    s7_cpu_session_free(s);
}

int main(void)
{
    test_modify_and_vartab();
    test_jobs_and_led();
    test_bad_requests();
    return t_done();
}
