/* Tests of the bridge engine (exchange/bridge.c) and its histogram (exchange/hist.c): three
 * emulated CPUs in this process on loopback, jobs copying between them; one CPU is shut down
 * mid-run and the others keep their cycle; it comes back and its jobs recover by themselves;
 * jobs added apart start their cycles together at the bridge's first run.
 * Every loop is bounded by a count of passes; no assertion depends on timing beyond counts
 * that are reached within generous bounds, except one: jobs added 40 ms apart have their
 * second runs within 15 ms of each other (both are started in one pass of the loop). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "s7/cpu.h"
#include "s7/exchange.h"
#include "s7/exchange_bridge.h"
#include "s7/net.h"
#include "s7/server.h"
#include "t.h"

static void test_hist(void)
{
    s7_hist h;
    memset(&h, 0, sizeof h);
    CHECK_INT(s7_hist_quantile(&h, 0.5), 0);
    for (uint32_t i = 1; i <= 1000; i++)
        s7_hist_add(&h, i * 10); /* 10 us .. 10 ms */
    CHECK_INT(h.count, 1000);
    CHECK_INT(h.max_us, 10000);
    uint32_t p50 = s7_hist_quantile(&h, 0.5), p99 = s7_hist_quantile(&h, 0.99);
    /* true values 5000 and 9900; a bucket is 1/8 of its power of two wide */
    CHECK(p50 >= 5000 && p50 <= 5000 + 5000 / 8 + 1);
    CHECK(p99 >= 9900 && p99 <= 10000);
    CHECK_INT(s7_hist_quantile(&h, 1.0), 10000);
    /* small values are exact */
    memset(&h, 0, sizeof h);
    s7_hist_add(&h, 3);
    s7_hist_add(&h, 5);
    CHECK_INT(s7_hist_quantile(&h, 0.5), 3);
    CHECK_INT(s7_hist_quantile(&h, 0.99), 5);
    /* the largest value fits a bucket */
    s7_hist_add(&h, UINT32_MAX);
    CHECK_INT(s7_hist_quantile(&h, 1.0), UINT32_MAX);
}

typedef struct cpu_srv {
    s7_cpu *cpu;
    s7_server *srv;
    uint16_t port;
} cpu_srv;

static void srv_start(cpu_srv *c, uint16_t port)
{
    char listen[32];
    s7_server_opts o;
    s7_server_opts_init(&o);
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    o.listen = listen;
    c->srv = s7_server_new(c->cpu, &o);
    CHECK(c->srv != NULL);
    CHECK_INT(s7_server_start(c->srv), 0);
    c->port = s7_server_port(c->srv);
}

static void cpu_init(cpu_srv *c)
{
    c->cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    CHECK(c->cpu != NULL);
    s7_cpu_set_put_get(c->cpu, 1);
    CHECK_INT(s7_cpu_add_db(c->cpu, 20, 64, 0), 0);
    CHECK_INT(s7_cpu_add_db(c->cpu, 40, 64, 0), 0);
    srv_start(c, 0);
}

static uint8_t *db(cpu_srv *c, uint16_t n) { return s7_cpu_mem(c->cpu, S7_AREA_DB, n, NULL); }

/* One pass: the bridge for up to 2 ms, then each live server for what is ready. */
static void pump(s7_bridge *b, cpu_srv *cs, size_t n)
{
    s7_bridge_run(b, 2);
    for (size_t i = 0; i < n; i++)
        if (cs[i].srv)
            for (int k = 0; k < 8; k++)
                s7_server_run_once(cs[i].srv, 0);
}

static s7_tag tag(const char *text)
{
    s7_tag t;
    char err[160];
    int rc = s7_tag_parse(text, &t, err, sizeof err);
    if (rc < 0)
        fprintf(stderr, "%s\n", err);
    CHECK_INT(rc, 0);
    return t;
}

static s7_tag jfrom[2], jto[2]; /* the areas of the job being set up (the bridge copies them) */

static void job_init(s7_bridge_job *j, const char *name, int src, int dst, const char *from,
                     const char *to)
{
    memset(j, 0, sizeof *j);
    j->from = jfrom;
    j->to = jto;
    j->name = name;
    j->src = src;
    j->dst = dst;
    j->n = 1;
    jfrom[0] = tag(from);
    jto[0] = tag(to);
    j->mode = S7_BRIDGE_CYCLIC;
    j->cycle_ms = 10;
}

static void test_add_job_errors(void)
{
    s7_bridge *b = s7_bridge_new(NULL);
    char err[256];
    s7_bridge_job j;
    CHECK_INT(s7_bridge_add_partner(b, "a", "127.0.0.1", 1, NULL), 0);
    CHECK_INT(s7_bridge_add_partner(b, "b", "127.0.0.1", 2, NULL), 1);
    CHECK_INT(s7_bridge_add_partner(b, "a", "127.0.0.1", 3, NULL), S7_ERR_INVAL);

    job_init(&j, "size", 0, 1, "DB20.DBD0", "DB40.DBW0");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "job 'size'") && strstr(err, "4 bytes") && strstr(err, "2 bytes"));

    job_init(&j, "who", 0, 7, "DB20.DBD0", "DB40.DBD0");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "no known partner") != NULL);

    job_init(&j, "trig", 0, 1, "DB20.DBD0", "DB40.DBD0");
    j.mode = S7_BRIDGE_TRIGGER;
    j.hs = 0;
    j.trigger = tag("DB20.DBB0");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "trigger must be one BOOL") != NULL);

    job_init(&j, "cyc", 0, 1, "DB20.DBD0", "DB40.DBD0");
    j.cycle_ms = 0;
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "cycle") != NULL);

    job_init(&j, "ok", 0, 1, "DB20.DBD0:REAL", "DB40.DBB4:BYTE[4]");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 0);
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "used twice") != NULL);
    CHECK_INT(s7_bridge_njobs(b), 1);
    s7_bridge_free(b);
    s7_bridge_free(NULL);
}

/* Three CPUs: A -> B (job ab), C -> B (job cb, on change), B's trigger moves A -> C (job tr).
 * C is shut down mid-run: ab keeps its cycle, cb and tr fail with the refused connection;
 * C comes back on its port and its jobs recover. */
static void test_bridge_live(void)
{
    cpu_srv cs[3];
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < 3; i++)
        cpu_init(&cs[i]);
    s7_bridge_opts o;
    s7_bridge_opts_init(&o);
    o.backoff_min_ms = 20;
    o.backoff_max_ms = 100;
    s7_bridge *b = s7_bridge_new(&o);
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.connect_timeout_ms = 5000; /* generous on a loaded machine: no assertion waits for them */
    co.request_timeout_ms = 5000;
    const char *names[3] = {"cpu-a", "cpu-b", "cpu-c"};
    for (int i = 0; i < 3; i++)
        CHECK_INT(s7_bridge_add_partner(b, names[i], "127.0.0.1", cs[i].port, &co), i);
    char err[256] = "";
    s7_bridge_job j;
    job_init(&j, "ab", 0, 1, "DB20.DBB0:BYTE[8]", "DB40.DBB0:BYTE[8]");
    j.n = 2;
    jfrom[1] = tag("DB20.DBD10:REAL");
    jto[1] = tag("DB40.DBD20:REAL");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 0);
    job_init(&j, "cb", 2, 1, "DB20.DBW0", "DB40.DBW30");
    j.mode = S7_BRIDGE_ON_CHANGE;
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 1);
    job_init(&j, "tr", 0, 2, "DB20.DBB40:BYTE[4]", "DB40.DBB40:BYTE[4]");
    j.mode = S7_BRIDGE_TRIGGER;
    j.hs = 1;
    j.trigger = tag("DB20.DBX60.0");
    j.done = tag("DB20.DBX60.1");
    j.error = tag("DB20.DBX60.2");
    j.has_done = j.has_error = j.has_status = 1;
    j.status = tag("DB20.DBW62");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 2);
    if (*err)
        fprintf(stderr, "%s\n", err);

    memcpy(db(&cs[0], 20), "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    s7_set_real(db(&cs[0], 20) + 10, 2.5f);
    s7_set_u16(db(&cs[2], 20), 0xBEEF);
    memcpy(db(&cs[0], 20) + 40, "ABCD", 4);

    s7_bridge_job_stats st[3];
    int i;
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        for (int k = 0; k < 3; k++)
            s7_bridge_job_stat(b, (size_t)k, &st[k]);
        if (st[0].ok >= 5 && st[1].ok >= 5 && st[2].state == S7_BRIDGE_OK)
            break;
    }
    CHECK(st[0].ok >= 5);
    CHECK_INT(st[0].err, 0);
    CHECK_MEM(db(&cs[1], 40), "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    CHECK(s7_get_real(db(&cs[1], 40) + 20) == 2.5f);
    CHECK_INT(s7_get_u16(db(&cs[1], 40) + 30), 0xBEEF);
    CHECK(st[1].ok >= 5);
    CHECK_INT(st[1].writes, 1); /* on change: written once, the value never changed */
    CHECK(st[0].p50_us > 0 && st[0].p99_us >= st[0].p50_us);
    CHECK_INT(st[2].triggers, 0);

    /* the trigger: a rising edge on B moves A's bytes to C and sets done on B */
    s7_set_u16(db(&cs[1], 20) + 62, 0xFFFF);
    db(&cs[1], 20)[60] = 0x01;
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 2, &st[2]);
        if (db(&cs[1], 20)[60] & 0x02)
            break;
    }
    CHECK_INT(st[2].triggers, 1);
    CHECK_INT(db(&cs[1], 20)[60], 0x03);           /* trigger and done, no error */
    CHECK_INT(s7_get_u16(db(&cs[1], 20) + 62), 0); /* STATUS 0 */
    CHECK_MEM(db(&cs[2], 40) + 40, "ABCD", 4);
    /* the trigger falls: done is cleared */
    db(&cs[1], 20)[60] = 0x00;
    memcpy(db(&cs[0], 20) + 40, "WXYZ", 4);
    for (i = 0; i < 5000 && db(&cs[1], 20)[60] != 0; i++)
        pump(b, cs, 3);
    CHECK_INT(db(&cs[1], 20)[60], 0x00);
    for (i = 0; i < 50; i++)
        pump(b, cs, 3);
    CHECK_MEM(db(&cs[2], 40) + 40, "ABCD", 4); /* no edge, no transfer */
    /* an edge whose transfer stays out (A does not answer for 300 ms): the REQ bit is not
     * polled meanwhile, and those skipped polls are no overruns (no edge was refused) */
    s7_bridge_job_stats tb;
    s7_bridge_job_stat(b, 2, &tb);
    db(&cs[1], 20)[60] = 0x01;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (t1 = t0; (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 300;
         clock_gettime(CLOCK_MONOTONIC, &t1)) {
        s7_bridge_run(b, 2);
        for (int k = 0; k < 8; k++)
            s7_server_run_once(cs[1].srv, 0); /* B answers the polls; A holds the read */
    }
    for (i = 0; i < 5000 && !(db(&cs[1], 20)[60] & 0x02); i++)
        pump(b, cs, 3);
    s7_bridge_job_stat(b, 2, &st[2]);
    CHECK_INT(st[2].triggers, tb.triggers + 1);
    CHECK_INT(st[2].overruns, tb.overruns);
    CHECK_MEM(db(&cs[2], 40) + 40, "WXYZ", 4);
    db(&cs[1], 20)[60] = 0x00;
    for (i = 0; i < 5000 && db(&cs[1], 20)[60] != 0; i++)
        pump(b, cs, 3);

    /* C goes away: cb fails, ab keeps its cycle */
    uint16_t cport = cs[2].port;
    s7_server_free(cs[2].srv);
    cs[2].srv = NULL;
    s7_bridge_job_stats before;
    s7_bridge_job_stat(b, 0, &before);
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 0, &st[0]);
        s7_bridge_job_stat(b, 1, &st[1]);
        if (st[1].state == S7_BRIDGE_ERROR && st[1].err >= 3 && st[0].ok >= before.ok + 20)
            break;
    }
    CHECK_INT(st[1].state, S7_BRIDGE_ERROR);
    CHECK(st[1].err >= 3);
    CHECK(st[0].ok >= before.ok + 20);
    CHECK_INT(st[0].err, before.err);
    CHECK_INT(st[0].state, S7_BRIDGE_OK);
    CHECK(strstr(st[1].last_error.where, "cpu-c") != NULL);
    CHECK_INT(st[1].status, S7_XST_CONNECTION); /* 1/1 as the GET instruction reports it */
    CHECK_STR(st[1].status_cause, "partner_down");
    CHECK(st[1].last_error.id[0] != 0);
    CHECK(st[1].last_error.fix[0] != 0);
    s7_bridge_partner_stats ps;
    CHECK_INT(s7_bridge_partner_stat(b, 2, &ps), 0);
    CHECK_INT(ps.up, 0);
    CHECK(ps.losses >= 1);
    CHECK_STR(ps.name, "cpu-c");

    /* C down and B's trigger rises: tr reports through its handshake, ERROR with STATUS 1
     * (a GET on a REQ edge without its connection), and not once per poll before the edge */
    s7_bridge_job_stat(b, 2, &before);
    CHECK_INT(before.err, 0);
    db(&cs[1], 20)[60] = 0x01;
    for (i = 0; i < 5000 && !(db(&cs[1], 20)[60] & 0x04); i++)
        pump(b, cs, 3);
    s7_bridge_job_stat(b, 2, &st[2]);
    CHECK_INT(db(&cs[1], 20)[60], 0x05);           /* trigger and error, no done */
    CHECK_INT(s7_get_u16(db(&cs[1], 20) + 62), 1); /* STATUS 1: connection problem */
    CHECK_INT(st[2].triggers, 3);
    CHECK_INT(st[2].err, 1);
    CHECK_INT(st[2].status, S7_XST_CONNECTION);
    CHECK(strstr(st[2].last_error.where, "cpu-c") != NULL);
    db(&cs[1], 20)[60] = 0x00;
    for (i = 0; i < 5000 && db(&cs[1], 20)[60] != 0; i++)
        pump(b, cs, 3);
    CHECK_INT(db(&cs[1], 20)[60], 0x00); /* REQ fell: the error bit taken back */

    /* C comes back on the same port: cb recovers by itself */
    s7_set_u16(db(&cs[2], 20), 0x1234);
    srv_start(&cs[2], cport);
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 1, &st[1]);
        if (st[1].state == S7_BRIDGE_OK && s7_get_u16(db(&cs[1], 40) + 30) == 0x1234)
            break;
    }
    CHECK_INT(st[1].state, S7_BRIDGE_OK);
    CHECK_INT(s7_get_u16(db(&cs[1], 40) + 30), 0x1234);
    CHECK_INT(s7_bridge_partner_stat(b, 2, &ps), 0);
    CHECK_INT(ps.up, 1);
    CHECK(ps.connects >= 2);
    CHECK_INT(s7_bridge_job_stat(b, 9, &st[0]), S7_ERR_INVAL);

    /* a missing DB on the destination: the item error with its explanation */
    job_init(&j, "nodb", 0, 1, "DB20.DBB0", "DB99.DBB0");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 3);
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 3, &st[0]);
        if (st[0].err >= 1)
            break;
    }
    CHECK_INT(st[0].state, S7_BRIDGE_ERROR);
    CHECK_INT(st[0].last_error.plc, 0x0A);
    CHECK_INT(st[0].status, S7_XST_PARTNER_ACCESS);
    CHECK_STR(st[0].status_cause, "db_missing");
    CHECK_STR(st[0].last_error.where, "cpu-b write");
    CHECK(strstr(st[0].last_error.cause, "DB99") != NULL || strstr(st[0].last_error.cause, "99"));

    /* past the end of B's DB40 (64 bytes): 0x05, shorter or optimized; the cause names the DB
     * and the range, the fix the doctor run that tells which (with B's port) */
    job_init(&j, "short", 0, 1, "DB20.DBW0", "DB40.DBW70");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 4);
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 4, &st[0]);
        if (st[0].err >= 1)
            break;
    }
    CHECK_INT(st[0].state, S7_BRIDGE_ERROR);
    CHECK_INT(st[0].last_error.plc, 0x05);
    CHECK_STR(st[0].status_cause, "address_out_of_range");
    CHECK(strstr(st[0].last_error.cause, "DB40 refuses bytes 70..71: it is shorter than 72 "
                                         "bytes, or it has optimized block access") != NULL);
    char want[80];
    snprintf(want, sizeof want, "s7 doctor 127.0.0.1:%u --db 40:72 tells which", cs[1].port);
    CHECK(strstr(st[0].last_error.fix, want) != NULL);

    /* PUT/GET switched off on A: 1/2 with put_get_disabled; back on: ok again */
    s7_cpu_set_put_get(cs[0].cpu, 0);
    s7_bridge_job_stat(b, 0, &before);
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 0, &st[0]);
        if (st[0].err > before.err)
            break;
    }
    CHECK_INT(st[0].state, S7_BRIDGE_ERROR);
    CHECK_INT(st[0].status, S7_XST_NEGATIVE_ACK);
    CHECK_STR(st[0].status_cause, "put_get_disabled");
    CHECK_INT(st[0].last_error.plc, 0x8104);
    CHECK_STR(st[0].last_error.id, "put_get_not_permitted");
    s7_cpu_set_put_get(cs[0].cpu, 1);
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 0, &st[0]);
        if (st[0].state == S7_BRIDGE_OK)
            break;
    }
    CHECK_INT(st[0].state, S7_BRIDGE_OK);
    CHECK_INT(st[0].status, S7_XST_OK);

    /* a job of the one job model (the one-line spelling): PUT from B's DB20 into A's DB40 */
    s7_exchange x;
    s7_exchange_init(&x);
    char line[200];
    snprintf(line, sizeof line, "put 127.0.0.1:%u DB40.DBW50 every 10ms from DB20.DBW50",
             cs[0].port);
    CHECK_INT(s7_exchange_parse_job(&x, line, "--job 1", err, sizeof err), 0);
    s7_set_u16(db(&cs[1], 20) + 50, 4711);
    CHECK_INT(s7_bridge_add_xjob(b, &x.jobs[0], 0, 1, 0, err, sizeof err), 5);
    for (i = 0; i < 5000; i++) {
        pump(b, cs, 3);
        s7_bridge_job_stat(b, 5, &st[0]);
        if (st[0].ok >= 1)
            break;
    }
    CHECK_INT(s7_get_u16(db(&cs[0], 40) + 50), 4711);
    /* on change needs a cyclic job; a BSEND job is not the bridge's */
    s7_exchange_free(&x);
    s7_exchange_init(&x);
    snprintf(line, sizeof line, "get 127.0.0.1:%u DB20.DBW0 on DB40.DBX0.0 into DB40.DBW2",
             cs[0].port);
    CHECK_INT(s7_exchange_parse_job(&x, line, "--job 2", err, sizeof err), 0);
    CHECK_INT(s7_bridge_add_xjob(b, &x.jobs[0], 0, 1, 1, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "on change needs a cyclic job") != NULL);
    x.jobs[0].kind = S7_XJOB_BSEND;
    CHECK_INT(s7_bridge_add_xjob(b, &x.jobs[0], 0, 1, 0, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "runs GET and PUT jobs") != NULL);
    /* latched outputs are the emulator's: the bridge has its handshake */
    x.jobs[0].kind = S7_XJOB_GET;
    x.jobs[0].latch = 1;
    CHECK_INT(s7_bridge_add_xjob(b, &x.jobs[0], 0, 1, 0, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "--job 2: job job1: outputs: latch is for an emulated CPU's jobs; the bridge "
                   "holds NDR/DONE and ERROR until REQ falls (its handshake): leave it out");
    s7_exchange_free(&x);

    s7_bridge_free(b);
    for (i = 0; i < 3; i++) {
        s7_server_free(cs[i].srv);
        s7_cpu_free(cs[i].cpu);
    }
}

/* Jobs added some time apart before the bridge first runs start their cycles together at
 * that run: with a 100 ms cycle, the two jobs' second runs come within a few ms of each
 * other although they were added 40 ms apart (each on its own schedule from its adding,
 * they came 40 ms apart). */
static void test_jobs_start_together(void)
{
    cpu_srv cs[2];
    memset(cs, 0, sizeof cs);
    for (int i = 0; i < 2; i++)
        cpu_init(&cs[i]);
    s7_bridge *b = s7_bridge_new(NULL);
    CHECK_INT(s7_bridge_add_partner(b, "cpu-a", "127.0.0.1", cs[0].port, NULL), 0);
    CHECK_INT(s7_bridge_add_partner(b, "cpu-b", "127.0.0.1", cs[1].port, NULL), 1);
    char err[256] = "";
    s7_bridge_job j;
    job_init(&j, "first", 0, 1, "DB20.DBB0:BYTE[4]", "DB40.DBB0:BYTE[4]");
    j.cycle_ms = 100;
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 0);
    struct timespec pause = {0, 40 * 1000000L};
    nanosleep(&pause, NULL);
    job_init(&j, "second", 1, 0, "DB20.DBB8:BYTE[4]", "DB40.DBB8:BYTE[4]");
    j.cycle_ms = 100;
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 1);
    int64_t second_at[2] = {0, 0};
    int64_t t0 = s7_now_ms();
    while (s7_now_ms() - t0 < 1000 && (!second_at[0] || !second_at[1])) {
        pump(b, cs, 2);
        for (int k = 0; k < 2; k++) {
            s7_bridge_job_stats st;
            s7_bridge_job_stat(b, (size_t)k, &st);
            if (st.ok >= 2 && !second_at[k])
                second_at[k] = s7_now_ms();
        }
    }
    CHECK(second_at[0] && second_at[1]);
    int64_t apart = second_at[0] - second_at[1];
    if (apart < 0)
        apart = -apart;
    CHECK(apart <= 15);
    if (apart > 15)
        fprintf(stderr, "the jobs' second runs came %lld ms apart\n", (long long)apart);
    s7_bridge_free(b);
    for (int i = 0; i < 2; i++) {
        s7_server_free(cs[i].srv);
        s7_cpu_free(cs[i].cpu);
    }
}

/* s7_bridge_set_max_runs: a job of a 10 ms cycle and one of 60 ms each run 3 times, the
 * faster one not again while the slower one finishes. */
static void test_max_runs(void)
{
    cpu_srv cs[1];
    memset(cs, 0, sizeof cs);
    cpu_init(&cs[0]);
    s7_bridge *b = s7_bridge_new(NULL);
    CHECK_INT(s7_bridge_add_partner(b, "cpu", "127.0.0.1", cs[0].port, NULL), 0);
    char err[256] = "";
    s7_bridge_job j;
    job_init(&j, "fast", 0, 0, "DB20.DBB0:BYTE[4]", "DB40.DBB0:BYTE[4]");
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 0);
    job_init(&j, "slow", 0, 0, "DB20.DBB8:BYTE[4]", "DB40.DBB8:BYTE[4]");
    j.cycle_ms = 60;
    CHECK_INT(s7_bridge_add_job(b, &j, err, sizeof err), 1);
    s7_bridge_set_max_runs(b, 3);
    s7_bridge_job_stats st[2];
    int64_t t0 = s7_now_ms(), done_at = 0;
    while (s7_now_ms() - t0 < 2000 && (!done_at || s7_now_ms() - done_at < 150)) {
        pump(b, cs, 1);
        for (size_t k = 0; k < 2; k++)
            s7_bridge_job_stat(b, k, &st[k]);
        if (!done_at && st[1].ok + st[1].err >= 3)
            done_at = s7_now_ms(); /* then 150 ms more: nothing may run again */
    }
    CHECK(done_at != 0);
    for (size_t k = 0; k < 2; k++) {
        CHECK(st[k].ok == 3 && st[k].err == 0);
        if (st[k].ok != 3 || st[k].err)
            fprintf(stderr, "job %zu ran %llu ok, %llu failed, not 3\n", k,
                    (unsigned long long)st[k].ok, (unsigned long long)st[k].err);
    }
    s7_bridge_free(b);
    s7_server_free(cs[0].srv);
    s7_cpu_free(cs[0].cpu);
}

int main(void)
{
    test_hist();
    test_add_job_errors();
    test_bridge_live();
    test_jobs_start_together();
    test_max_runs();
    return t_done();
}
