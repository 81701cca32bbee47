/* Unit tests for exchange/cpu_jobs.c: an emulated CPU running GET/PUT jobs against
 * emulated partners, all in this one thread on loopback (each server's loop turned by the
 * test).  Covers: values landing and the NDR/ERROR/STATUS outputs, the on_write and
 * on_status hooks, the results and outputs reported to the CPU's event handler as its own
 * writes (s7_cpu_write, no session), a PUT on a rising REQ edge (and not again while REQ stays set), the
 * STATUS of a missing DB, an optimized DB, PUT/GET off and a partner PDU smaller than the
 * job, 0/11 while a request is out, a partner that goes away and comes back, the connection
 * budget (counted while the connection is up, released by s7_xengine_free; 1/20 when there
 * is none), local areas outside the CPU (refused by s7_exchange_check_cpu; 1/10 at run
 * time); NDR and ERROR/STATUS as one-scan pulses, latched outputs held; a CPU in STOP that
 * calls no job (counters and data stand still, a reply out at the STOP dropped, REQ unseen)
 * and goes on in RUN; 0/25 from the scan a REQ job starts while its request is out, 0/11
 * for the scan a trigger meets it, neither on a latched job. */
#include <stdio.h>
#include <string.h>

#include "s7/cpu.h"
#include "s7/exchange.h"
#include "s7/net.h"
#include "s7/server.h"
#include "t.h"

typedef struct plc {
    s7_cpu *cpu;
    s7_server *srv;
    uint16_t port;
} plc;

/* The CPU's own writes (sess NULL) its server passed on to the watched PLC's hook: where the
 * jobs' results and outputs land through s7_cpu_write, as a retentive store sees them. */
static const plc *g_watch;
static int own_rd, own_ndr, own_other;
static void on_cpu_event(void *ctx, const s7_cpu_event *ev)
{
    if (ctx != g_watch || ev->kind != S7_EV_WRITE || ev->sess)
        return;
    if (ev->area == S7_AREA_DB && ev->db == 40 && ev->start == 0 && ev->len == 8 && ev->data &&
        memcmp(ev->data, "\x01\x02\x03\x04\x05\x06\x07\x08", 8) == 0)
        own_rd++;
    else if (ev->area == S7_AREA_DB && ev->db == 40 && ev->start == 100 && ev->len == 1 &&
             ev->ts == S7_TS_BIT && ev->bit == 0)
        own_ndr++;
    else
        own_other++;
}

/* A CPU of profile serving on 127.0.0.1:port (0: any); DB20 counts 1, 2, 3 ..., DB21 is
 * optimized. */
static int plc_start(plc *p, const char *profile, uint16_t port, int put_get)
{
    char listen[40];
    memset(p, 0, sizeof *p);
    p->cpu = s7_cpu_new(s7_profile_find(profile));
    if (!p->cpu)
        return -1;
    s7_cpu_add_db(p->cpu, 20, 400, 0);
    s7_cpu_add_db(p->cpu, 21, 16, S7_DB_OPTIMIZED);
    s7_cpu_add_db(p->cpu, 40, 400, 0);
    uint8_t *m = s7_cpu_mem(p->cpu, S7_AREA_DB, 20, NULL);
    for (int i = 0; i < 400; i++)
        m[i] = (uint8_t)(i + 1);
    s7_cpu_set_put_get(p->cpu, put_get);
    s7_server_opts o;
    s7_server_opts_init(&o);
    snprintf(listen, sizeof listen, "127.0.0.1:%u", port);
    o.listen = listen;
    o.hooks.on_event = on_cpu_event;
    o.hooks.ctx = p;
    p->srv = s7_server_new(p->cpu, &o);
    if (!p->srv || s7_server_start(p->srv) < 0)
        return -1;
    p->port = s7_server_port(p->srv);
    return 0;
}

static void plc_stop(plc *p)
{
    s7_server_free(p->srv);
    s7_cpu_free(p->cpu);
    memset(p, 0, sizeof *p);
}

static plc *partners[3];

/* Turns the partners' loops and the engine's for up to ms (bounded in turns too) until
 * cond(ctx) holds; returns 1 when it did. */
static int run_until(s7_xengine *e, int ms, int (*cond)(void *), void *ctx)
{
    int64_t end = s7_now_ms() + ms;
    for (int turn = 0; turn < 5000 && s7_now_ms() < end; turn++) {
        for (int i = 0; i < 3; i++)
            if (partners[i] && partners[i]->srv)
                s7_server_run_once(partners[i]->srv, 0);
        s7_xengine_run_once(e, 2);
        if (cond && cond(ctx))
            return 1;
    }
    return cond ? cond(ctx) : 1;
}

typedef struct want {
    s7_xengine *e;
    size_t job;
    uint64_t runs; /* at least this many runs */
    int status;    /* and this status (-1 any) */
} want;

static int job_reached(void *ctx)
{
    want *w = ctx;
    s7_xjob_state st;
    if (s7_xengine_state(w->e, w->job, &st))
        return 0;
    return st.runs >= w->runs && (w->status < 0 || (int)st.status == w->status);
}

/* Runs until job i has had `runs` runs with status st; CHECKs it. */
static void expect(s7_xengine *e, size_t i, uint64_t runs, int status, int ms, const char *what)
{
    want w = {e, i, runs, status};
    int ok = run_until(e, ms, job_reached, &w);
    if (!ok) {
        s7_xjob_state st;
        s7_xengine_state(e, i, &st);
        fprintf(stderr, "%s: job %zu has %llu runs, status %d (%s) '%s'\n", what, i,
                (unsigned long long)st.runs, st.status, st.cause, st.detail);
    }
    CHECK(ok);
}

static int writes, statuses;
static uint8_t w_area;
static uint16_t w_db;
static uint32_t w_start, w_len;
static void on_write(void *ctx, uint8_t area, uint16_t db, uint32_t start, uint32_t len)
{
    (void)ctx;
    writes++;
    w_area = area;
    w_db = db;
    w_start = start;
    w_len = len;
}
static void on_status(void *ctx, const s7_xjob *job, const s7_xjob_state *st)
{
    (void)ctx;
    (void)job;
    (void)st;
    statuses++;
}

static s7_xengine *engine(plc *me, s7_exchange *x, const char *const *lines, size_t n)
{
    char err[800];
    s7_exchange_init(x);
    for (size_t i = 0; i < n; i++) {
        int rc = s7_exchange_parse_job(x, lines[i], "t", err, sizeof err);
        if (rc)
            fprintf(stderr, "%s\n", err);
        CHECK_INT(rc, 0);
    }
    s7_xengine_opts o;
    s7_xengine_opts_init(&o);
    o.retry_min_ms = 20;
    o.retry_max_ms = 80;
    o.scan_ms = 2;
    o.on_write = on_write;
    o.on_status = on_status;
    s7_xengine *e = s7_xengine_new(me->cpu, me->srv, x, &o);
    CHECK(e != NULL);
    if (e)
        s7_xengine_start(e);
    return e;
}

static uint8_t *db(plc *p, uint16_t n) { return s7_cpu_mem(p->cpu, S7_AREA_DB, n, NULL); }

static void test_get_put(void)
{
    plc a, off, me;
    CHECK_INT(plc_start(&a, "s7-1500", 0, 1), 0);
    CHECK_INT(plc_start(&off, "s7-1500", 0, 0), 0);
    CHECK_INT(plc_start(&me, "s7-300", 0, 1), 0);
    partners[0] = &a;
    partners[1] = &off;
    char l[8][300];
    snprintf(l[0], sizeof l[0],
             "get 127.0.0.1:%u DB20.DBB0..DBB7 every 20ms into DB40.DBB0 --ndr DB40.DBX100.0 "
             "--error DB40.DBX100.1 --status DB40.DBW102 --outputs latch",
             a.port);
    snprintf(l[1], sizeof l[1],
             "put 127.0.0.1:%u DB20.DBW30 on M0.0 from DB40.DBW30 --done M0.1 --error M0.2 "
             "--status MW2 latch",
             a.port);
    snprintf(l[2], sizeof l[2], "get 127.0.0.1:%u DB99.DBW0 every 20ms into DB40.DBW50", a.port);
    snprintf(l[3], sizeof l[3], "get 127.0.0.1:%u DB21.DBW0 every 20ms into DB40.DBW52", a.port);
    snprintf(l[4], sizeof l[4],
             "get 127.0.0.1:%u DB20.DBW0 every 20ms into DB40.DBW54 --error DB40.DBX104.1 "
             "--status DB40.DBW106 --outputs latch",
             off.port);
    /* 300 bytes need PDU 480; the S7-300 partner (me, slot 2) negotiates 240 */
    snprintf(l[5], sizeof l[5],
             "get 127.0.0.1:%u DB20.DBB0..DBB299 every 20ms --slot 2 --pdu 480 into DB40.DBB0",
             me.port);
    /* an S7-1500 has no timers: item 0x0A, and the cause is no DB's */
    snprintf(l[6], sizeof l[6], "get 127.0.0.1:%u P#T 0 TIMER 2 every 20ms into DB40.DBB60..DBB63",
             a.port);
    const char *lines[7] = {l[0], l[1], l[2], l[3], l[4], l[5], l[6]};
    s7_exchange x;
    writes = statuses = 0;
    g_watch = &me;
    s7_xengine *e = engine(&me, &x, lines, 7);
    if (!e)
        return;
    CHECK_INT(s7_xengine_njobs(e), 7);
    CHECK_STR(s7_xengine_job(e, 1)->name, "job2");
    CHECK(s7_xengine_job(e, 7) == NULL);

    expect(e, 0, 1, S7_XST_OK, 3000, "GET");
    CHECK_MEM(db(&me, 40), "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    CHECK_INT(db(&me, 40)[100], 0x01); /* NDR, not ERROR */
    CHECK_INT(db(&me, 40)[102] << 8 | db(&me, 40)[103], 0);
    CHECK(writes > 0);
    CHECK(statuses > 0);
    /* RD_1 and NDR went through s7_cpu_write: the CPU's handler saw them as its own writes */
    CHECK(own_rd > 0);
    CHECK_INT(own_ndr, 1); /* latched: set once */
    s7_xjob_state st;
    CHECK_INT(s7_xengine_state(e, 0, &st), 0);
    CHECK_INT(st.conn_up, 1);
    CHECK(st.last_ok_ms > 0);
    CHECK_STR(st.cause, "ok");
    CHECK_INT(s7_xengine_state(e, 9, &st), S7_ERR_INVAL);
    /* the job's connections count in this CPU's budget: 3 PG (a, off, me), none accepted
     * (me's job to itself is also accepted by me: one socket) */
    uint16_t per[4];
    size_t accepted = s7_server_connections(me.srv, per);
    CHECK_INT(accepted, 1);
    CHECK_INT(per[1], 3 + 1);
    CHECK_INT(per[0], 0);

    /* the partner's answers -> STATUS */
    expect(e, 2, 1, S7_XST_PARTNER_ACCESS, 3000, "missing DB");
    CHECK_INT(s7_xengine_state(e, 2, &st), 0);
    CHECK_STR(st.cause, "db_missing");
    CHECK(strstr(st.detail, "ADDR_1 DB99.DBW0: item return code 0x0A") != NULL);
    expect(e, 6, 1, S7_XST_PARTNER_ACCESS, 3000, "no timers");
    CHECK_INT(s7_xengine_state(e, 6, &st), 0);
    CHECK_STR(st.cause, "area_missing");
    expect(e, 3, 1, S7_XST_PARTNER_ACCESS, 3000, "optimized DB");
    s7_xengine_state(e, 3, &st);
    CHECK_STR(st.cause, "address_out_of_range");
    expect(e, 4, 1, S7_XST_NEGATIVE_ACK, 3000, "PUT/GET off");
    s7_xengine_state(e, 4, &st);
    CHECK_STR(st.cause, "put_get_disabled");
    CHECK_INT(db(&me, 40)[104], 0x02); /* ERROR */
    CHECK_INT(db(&me, 40)[106] << 8 | db(&me, 40)[107], 2);
    CHECK_INT(st.errors >= 1, 1);
    CHECK_INT(st.ok, 0);
    expect(e, 5, 1, S7_XST_LENGTH, 3000, "partner PDU too small");
    s7_xengine_state(e, 5, &st);
    CHECK_STR(st.cause, "pdu_exceeded");
    CHECK(strstr(st.detail, "negotiated a PDU of 240 bytes; the job needs 318") != NULL);

    /* PUT on a rising edge of M0.0 */
    uint8_t *m = s7_cpu_mem(me.cpu, S7_AREA_M, 0, NULL);
    db(&me, 40)[30] = 0xBE;
    db(&me, 40)[31] = 0xEF;
    run_until(e, 60, NULL, NULL);
    s7_xengine_state(e, 1, &st);
    CHECK_INT(st.runs, 0); /* no REQ, no run */
    CHECK_INT(db(&a, 20)[30] << 8 | db(&a, 20)[31], 31 << 8 | 32);
    m[0] |= 1;
    expect(e, 1, 1, S7_XST_OK, 3000, "PUT on REQ");
    CHECK_INT(db(&a, 20)[30] << 8 | db(&a, 20)[31], 0xBEEF);
    CHECK_INT(m[0] & 0x06, 0x02); /* DONE, not ERROR */
    run_until(e, 60, NULL, NULL);
    s7_xengine_state(e, 1, &st);
    CHECK_INT(st.runs, 1); /* REQ still set: no second run */
    m[0] &= (uint8_t)~1;
    run_until(e, 20, NULL, NULL);
    m[0] |= 1;
    expect(e, 1, 2, S7_XST_OK, 3000, "PUT on the next edge");

    /* 0/11: the partner's loop stands still while the cyclic job triggers again */
    s7_xengine_state(e, 0, &st);
    uint64_t hits = st.busy_hits;
    for (int i = 0; i < 40; i++)
        s7_xengine_run_once(e, 2); /* only the engine: its GET stays unanswered */
    s7_xengine_state(e, 0, &st);
    CHECK(st.busy_hits > hits);
    CHECK_INT(st.busy, 1);
    expect(e, 0, st.runs + 1, S7_XST_OK, 3000, "GET after the partner answered again");

    /* the partner goes away (1/1) and comes back on its port (0 again) */
    uint16_t port = a.port;
    plc_stop(&a);
    partners[0] = NULL;
    s7_xengine_state(e, 0, &st);
    expect(e, 0, st.runs + 1, S7_XST_CONNECTION, 3000, "partner gone");
    s7_xengine_state(e, 0, &st);
    CHECK_INT(st.conn_up, 0);
    CHECK_STR(st.cause, "partner_down");
    CHECK_INT(db(&me, 40)[100], 0x02);
    CHECK_INT(db(&me, 40)[103], 1);
    CHECK_INT(plc_start(&a, "s7-1500", port, 1), 0);
    partners[0] = &a;
    db(&a, 20)[0] = 0x55;
    s7_xengine_state(e, 0, &st);
    expect(e, 0, st.runs + 1, S7_XST_OK, 3000, "partner back");
    CHECK_INT(db(&me, 40)[0], 0x55);
    CHECK_INT(db(&me, 40)[100], 0x01);

    /* freeing the engine gives the budget back */
    s7_xengine_free(e);
    for (int i = 0; i < 20; i++)
        s7_server_run_once(me.srv, 1);
    s7_server_connections(me.srv, per);
    CHECK_INT(per[1], 0);
    s7_exchange_free(&x);
    partners[0] = partners[1] = NULL;
    plc_stop(&a);
    plc_stop(&off);
    plc_stop(&me);
}

static void test_budget_and_local(void)
{
    plc a, me;
    CHECK_INT(plc_start(&a, "s7-1500", 0, 1), 0);
    CHECK_INT(plc_start(&me, "s7-300", 0, 1), 0);
    partners[0] = &a;
    s7_cpu_set_max_conn(me.cpu, 3, 0); /* no S7 basic connection */
    char l[3][300];
    snprintf(l[0], sizeof l[0], "get 127.0.0.1:%u DB20.DBW0 every 20ms --type basic into DB40.DBW0",
             a.port);
    snprintf(l[1], sizeof l[1], "get 127.0.0.1:%u DB20.DBW0 every 20ms into DB41.DBW0", a.port);
    snprintf(l[2], sizeof l[2],
             "get 127.0.0.1:%u DB20.DBW0 every 20ms into DB40.DBW300 --status DB40.DBW399", a.port);
    const char *lines[3] = {l[0], l[1], l[2]};
    s7_exchange x;
    char err[800];
    s7_xengine *e = engine(&me, &x, lines, 3);
    if (!e)
        return;
    CHECK_INT(s7_exchange_check_cpu(&x, me.cpu, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "t: job job2: RD_1 DB41.DBW0 is not in this CPU's memory: add the DB (--db "
                   "41:2, or dbs: - {number: 41, size: 2})");
    expect(e, 0, 1, S7_XST_TOO_MANY_JOBS, 3000, "no basic connection left");
    s7_xjob_state st;
    s7_xengine_state(e, 0, &st);
    CHECK_STR(st.cause, "no_connection_resource");
    expect(e, 1, 1, S7_XST_LOCAL_ACCESS, 3000, "RD outside the CPU");
    s7_xengine_state(e, 1, &st);
    CHECK_STR(st.detail, "RD_1 DB41.DBW0 is not in this CPU's memory (DB missing or too short)");
    s7_xengine_free(e);
    s7_exchange_free(&x);

    /* an output beyond its DB */
    s7_exchange_init(&x);
    CHECK_INT(s7_exchange_parse_job(&x, lines[2], "t", err, sizeof err), 0);
    CHECK_INT(s7_exchange_check_cpu(&x, me.cpu, err, sizeof err), S7_ERR_INVAL);
    CHECK_STR(err, "t: job job1: STATUS DB40.DBW399 is not in this CPU's memory: DB40 has 400 "
                   "bytes: make it at least 401");
    s7_exchange_free(&x);
    /* no jobs, no server: an engine that has nothing to do */
    e = s7_xengine_new(me.cpu, NULL, &x, NULL);
    CHECK(e != NULL);
    if (e) {
        CHECK_INT(s7_xengine_start(e), 0);
        CHECK_INT(s7_xengine_run_once(e, 1), 0);
        CHECK_INT(s7_xengine_njobs(e), 0);
    }
    s7_xengine_free(e);
    s7_xengine_free(NULL);
    partners[0] = NULL;
    plc_stop(&a);
    plc_stop(&me);
}

/* The enter hook: calls with on 1 and on 0 counted; refuses while `refuse` is set. */
static int enters[2], refuse, refused;
static int enter_hook(void *ctx, const s7_xconn *c, int on, char *err, size_t cap)
{
    (void)ctx;
    enters[on ? 1 : 0]++;
    if (on && refuse) {
        refused++;
        snprintf(err, cap, "cannot enter the namespace of connection %u", c->id);
        return -1;
    }
    return 0;
}

/* A connection's source address is bound before connect (one the machine holds works, one
 * it does not hold fails the connection: 1/1); the enter hook brackets each socket's
 * creation, and a refusal fails that attempt (1/1) until it stops refusing. */
static void test_source_and_enter(void)
{
    plc a, me;
    CHECK_INT(plc_start(&a, "s7-1500", 0, 1), 0);
    CHECK_INT(plc_start(&me, "s7-300", 0, 1), 0);
    partners[0] = &a;
    char l[2][200], err[800];
    snprintf(l[0], sizeof l[0], "get 127.0.0.1:%u DB20.DBW0 every 20ms into DB40.DBW0", a.port);
    snprintf(l[1], sizeof l[1], "get 127.0.0.1:%u DB20.DBW2 every 20ms --type op into DB40.DBW2",
             a.port);
    s7_exchange x;
    s7_exchange_init(&x);
    for (int i = 0; i < 2; i++)
        CHECK_INT(s7_exchange_parse_job(&x, l[i], "t", err, sizeof err), 0);
    CHECK_INT(x.nconns, 2);
    snprintf(x.conns[0].source, sizeof x.conns[0].source, "127.0.0.9");
    snprintf(x.conns[1].source, sizeof x.conns[1].source, "192.0.2.77"); /* not held here */
    s7_xengine_opts o;
    s7_xengine_opts_init(&o);
    o.retry_min_ms = 20;
    o.retry_max_ms = 40;
    o.enter = enter_hook;
    enters[0] = enters[1] = refused = 0;
    refuse = 1;
    s7_xengine *e = s7_xengine_new(me.cpu, me.srv, &x, &o);
    CHECK(e != NULL);
    if (!e) {
        s7_exchange_free(&x);
        plc_stop(&a);
        plc_stop(&me);
        return;
    }
    s7_xengine_start(e);
    expect(e, 0, 1, S7_XST_CONNECTION, 3000, "enter refused");
    CHECK(refused >= 1);
    CHECK_INT(enters[1], refused);
    CHECK_INT(enters[0], 0); /* a refused enter is not left */
    refuse = 0;
    expect(e, 0, 1, S7_XST_OK, 3000, "from 127.0.0.9");
    CHECK_INT(db(&me, 40)[0] << 8 | db(&me, 40)[1], 0x0102);
    expect(e, 1, 2, S7_XST_CONNECTION, 3000, "from an address not held here");
    CHECK_INT(db(&me, 40)[2] << 8 | db(&me, 40)[3], 0);
    CHECK(enters[0] >= 2);
    CHECK_INT(enters[1] - enters[0], refused); /* the others entered and left */
    s7_xengine_free(e);
    s7_exchange_free(&x);
    partners[0] = NULL;
    plc_stop(&a);
    plc_stop(&me);
}

/* The engine dials the address the load resolved (s7_xconn.addr), never the name: a
 * connection whose host is a name that does not resolve but whose addr is the partner's
 * gets its data; resolving "localhost" at load gives that addr. */
static void test_dials_resolved(void)
{
    plc a, me;
    CHECK_INT(plc_start(&a, "s7-1500", 0, 1), 0);
    CHECK_INT(plc_start(&me, "s7-300", 0, 1), 0);
    partners[0] = &a;
    char l[200], err[800];
    snprintf(l, sizeof l, "get localhost:%u DB20.DBW0 every 20ms into DB40.DBW0", a.port);
    s7_exchange x;
    s7_exchange_init(&x);
    CHECK_INT(s7_exchange_parse_job(&x, l, "t", err, sizeof err), 0);
    CHECK_INT(s7_exchange_resolve(&x, err, sizeof err), 0);
    CHECK_STR(x.conns[0].addr, "127.0.0.1");
    snprintf(x.conns[0].host, sizeof x.conns[0].host, "no-such-plc.invalid");
    s7_xengine_opts o;
    s7_xengine_opts_init(&o);
    o.retry_min_ms = 20;
    o.retry_max_ms = 40;
    s7_xengine *e = s7_xengine_new(me.cpu, me.srv, &x, &o);
    CHECK(e != NULL);
    if (e) {
        s7_xengine_start(e);
        expect(e, 0, 1, S7_XST_OK, 3000, "dialled the resolved address");
        CHECK_INT(db(&me, 40)[0] << 8 | db(&me, 40)[1], 0x0102);
        s7_xengine_free(e);
    }
    s7_exchange_free(&x);
    partners[0] = NULL;
    plc_stop(&a);
    plc_stop(&me);
}

/* Pulse and latch outputs: what the on_write hook sees of NDR (DB40.DBX200.0, pulse) and of
 * a latched NDR (DB40.DBX201.0) and ERROR (DB40.DBX201.1) as the jobs run. */
static int ndr_rises, ndr_falls, latch_falls, err_falls, err_rises;
static plc *watched;
static uint8_t prev200, prev201;
static void on_write_bits(void *ctx, uint8_t area, uint16_t dbn, uint32_t start, uint32_t len)
{
    (void)ctx;
    if (area != S7_AREA_DB || dbn != 40 || !watched)
        return;
    uint8_t *m = db(watched, 40);
    if (start <= 200 && start + len > 200) {
        uint8_t now = m[200] & 1;
        ndr_rises += now && !(prev200 & 1);
        ndr_falls += !now && (prev200 & 1);
        prev200 = m[200];
    }
    if (start <= 201 && start + len > 201) {
        latch_falls += !(m[201] & 1) && (prev201 & 1);
        err_rises += (m[201] & 2) && !(prev201 & 2);
        err_falls += !(m[201] & 2) && (prev201 & 2);
        prev201 = m[201];
    }
}

static s7_xengine *engine_w(plc *me, s7_exchange *x, const char *const *lines, size_t n)
{
    char err[800];
    s7_exchange_init(x);
    for (size_t i = 0; i < n; i++)
        CHECK_INT(s7_exchange_parse_job(x, lines[i], "t", err, sizeof err), 0);
    s7_xengine_opts o;
    s7_xengine_opts_init(&o);
    o.retry_min_ms = 20;
    o.retry_max_ms = 80;
    o.scan_ms = 2;
    o.on_write = on_write_bits;
    s7_xengine *e = s7_xengine_new(me->cpu, me->srv, x, &o);
    CHECK(e != NULL);
    if (e)
        s7_xengine_start(e);
    return e;
}

static void test_pulse_latch(void)
{
    plc a, me;
    CHECK_INT(plc_start(&a, "s7-1500", 0, 1), 0);
    CHECK_INT(plc_start(&me, "s7-300", 0, 1), 0);
    partners[0] = &a;
    char l[3][300];
    snprintf(l[0], sizeof l[0],
             "get 127.0.0.1:%u DB20.DBW0 every 10ms into DB40.DBW0 --ndr DB40.DBX200.0", a.port);
    snprintf(l[1], sizeof l[1],
             "get 127.0.0.1:%u DB20.DBW0 every 10ms into DB40.DBW2 --ndr DB40.DBX201.0 "
             "--outputs latch",
             a.port);
    /* a missing DB on the partner: ERROR with STATUS 8, pulsed */
    snprintf(l[2], sizeof l[2],
             "get 127.0.0.1:%u DB99.DBW0 every 10ms into DB40.DBW4 --error DB40.DBX201.1 "
             "--status DB40.DBW202",
             a.port);
    const char *lines[3] = {l[0], l[1], l[2]};
    s7_exchange x;
    watched = &me;
    prev200 = prev201 = 0;
    ndr_rises = ndr_falls = latch_falls = err_falls = err_rises = 0;
    s7_xengine *e = engine_w(&me, &x, lines, 3);
    if (!e)
        return;
    expect(e, 0, 5, S7_XST_OK, 3000, "five GETs");
    expect(e, 2, 3, S7_XST_PARTNER_ACCESS, 3000, "three errors");
    run_until(e, 30, NULL, NULL); /* the last pulse is taken back */
    s7_xjob_state st0, st1;
    s7_xengine_state(e, 0, &st0);
    s7_xengine_state(e, 1, &st1);
    /* pulse: NDR rose once per result and fell again after each */
    CHECK(ndr_rises >= 5);
    CHECK(ndr_falls >= ndr_rises - 1);
    CHECK_INT(ndr_rises, (int)st0.ok); /* a result in the next scan: taken back, set again */
    /* the value landed with it */
    CHECK_INT(db(&me, 40)[0] << 8 | db(&me, 40)[1], 0x0102);
    /* latch: set by the first result, never taken back */
    CHECK(st1.ok >= 1);
    CHECK_INT(db(&me, 40)[201] & 1, 1);
    CHECK_INT(latch_falls, 0);
    /* ERROR and STATUS pulse too */
    s7_xjob_state st2;
    s7_xengine_state(e, 2, &st2);
    CHECK(err_rises >= 3);
    CHECK_INT(err_rises, (int)st2.errors);
    CHECK(err_falls >= err_rises - 1);
    int in_pulse = (db(&me, 40)[201] & 2) != 0;
    uint16_t status = (uint16_t)(db(&me, 40)[202] << 8 | db(&me, 40)[203]);
    /* STATUS is 8 only in the scan with ERROR (11 in a scan that triggered it while busy, 25
     * while a request is out) */
    CHECK(in_pulse ? status == 8 : status == 0 || status == 11 || status == 25);
    s7_xengine_free(e);
    s7_exchange_free(&x);
    watched = NULL;
    partners[0] = NULL;
    plc_stop(&a);
    plc_stop(&me);
}

/* 0/25 and 0/11 as the instructions report them.  What the on_write hook sees of a REQ
 * GET's outputs (REQ DB40.DBX210.0, NDR .1, ERROR .2, STATUS DB40.DBW214) and a latched
 * one's (REQ DB40.DBX216.0, NDR .1, STATUS DB40.DBW220), as events in order: NDR rising
 * (1) and falling (0), each STATUS written (100 + its value).  While the partner's server
 * is not turned no reply can come, so the request stays out for as many scans as the test
 * turns the engine alone. */
static int ev[2][32], nev[2];
static uint8_t prev_bits[2];
static void on_write_started(void *ctx, uint8_t area, uint16_t dbn, uint32_t start, uint32_t len)
{
    (void)ctx;
    if (area != S7_AREA_DB || dbn != 40 || !watched)
        return;
    const uint8_t *m = db(watched, 40);
    static const uint32_t bits_at[2] = {210, 216}, status_at[2] = {214, 220};
    for (int k = 0; k < 2; k++) {
        if (start <= bits_at[k] && start + len > bits_at[k]) {
            int now = (m[bits_at[k]] >> 1) & 1, was = (prev_bits[k] >> 1) & 1;
            if (now != was && nev[k] < 32)
                ev[k][nev[k]++] = now;
            prev_bits[k] = m[bits_at[k]];
        }
        if (start <= status_at[k] && start + len > status_at[k] && nev[k] < 32)
            ev[k][nev[k]++] = 100 + (m[status_at[k]] << 8 | m[status_at[k] + 1]);
    }
}

static void check_events(int k, const int *expect_ev, int n, int line)
{
    int ok = nev[k] == n;
    for (int i = 0; ok && i < n; i++)
        ok = ev[k][i] == expect_ev[i];
    if (!ok) {
        fprintf(stderr, "line %d: job %d events", line, k);
        for (int i = 0; i < nev[k]; i++)
            fprintf(stderr, " %d", ev[k][i]);
        fprintf(stderr, "; expected");
        for (int i = 0; i < n; i++)
            fprintf(stderr, " %d", expect_ev[i]);
        fprintf(stderr, "\n");
    }
    CHECK(ok);
}

static int conn_up(void *ctx)
{
    s7_xjob_state st;
    return s7_xengine_state(ctx, 0, &st) == 0 && st.conn_up;
}

static uint16_t word40(plc *p, unsigned at)
{
    return (uint16_t)(db(p, 40)[at] << 8 | db(p, 40)[at + 1]);
}

/* Turns only the engine (the partner stays silent): n scans at least (scan 2 ms). */
static void engine_alone(s7_xengine *e, int n)
{
    for (int i = 0; i < n; i++)
        s7_xengine_run_once(e, 3);
}

static int events_done(void *ctx)
{
    (void)ctx;
    return nev[0] >= 6 && nev[1] >= 1;
}

static void test_started(void)
{
    plc a, me;
    CHECK_INT(plc_start(&a, "s7-1500", 0, 1), 0);
    CHECK_INT(plc_start(&me, "s7-300", 0, 1), 0);
    partners[0] = &a;
    char l[2][300];
    snprintf(l[0], sizeof l[0],
             "get 127.0.0.1:%u DB20.DBW0 on DB40.DBX210.0 into DB40.DBW212 --ndr DB40.DBX210.1 "
             "--error DB40.DBX210.2 --status DB40.DBW214",
             a.port);
    snprintf(l[1], sizeof l[1],
             "get 127.0.0.1:%u DB20.DBW0 on DB40.DBX216.0 into DB40.DBW218 --ndr DB40.DBX216.1 "
             "--status DB40.DBW220 --outputs latch",
             a.port);
    const char *lines[2] = {l[0], l[1]};
    s7_exchange x;
    char err[800];
    s7_exchange_init(&x);
    for (size_t i = 0; i < 2; i++)
        CHECK_INT(s7_exchange_parse_job(&x, lines[i], "t", err, sizeof err), 0);
    s7_xengine_opts o;
    s7_xengine_opts_init(&o);
    o.scan_ms = 2;
    o.on_write = on_write_started;
    watched = &me;
    nev[0] = nev[1] = 0;
    prev_bits[0] = prev_bits[1] = 0;
    s7_xengine *e = s7_xengine_new(me.cpu, me.srv, &x, &o);
    CHECK(e != NULL);
    if (!e)
        return;
    s7_xengine_start(e);
    CHECK(run_until(e, 3000, conn_up, e));
    CHECK_INT(nev[0] + nev[1], 0); /* no REQ yet: nothing written */

    /* REQ rises: the scan that starts the request shows 0/25, and so does every scan while
     * it is out; the latched job's outputs stay as they were */
    uint8_t *m = db(&me, 40);
    m[210] |= 1;
    m[216] |= 1;
    engine_alone(e, 10);
    CHECK_INT(word40(&me, 214), 25);
    CHECK_INT(m[210] & 6, 0); /* NDR and ERROR false */
    CHECK_INT(word40(&me, 220), 0);
    const int started[] = {125};
    check_events(0, started, 1, __LINE__); /* one write of 25, held while under way */
    CHECK_INT(nev[1], 0);

    /* REQ falls and rises while the request is out: 0/11 for that scan, then 0/25 again */
    m[210] &= (uint8_t)~1;
    engine_alone(e, 5);
    m[210] |= 1;
    engine_alone(e, 5);
    const int busy[] = {125, 111, 125};
    check_events(0, busy, 3, __LINE__);
    s7_xjob_state st;
    s7_xengine_state(e, 0, &st);
    CHECK_INT(st.busy_hits, 1);

    /* the partner answers: NDR with STATUS 0 in the scan that takes the reply, taken back
     * in the next; the latched job's NDR rises and stays */
    run_until(e, 3000, events_done, NULL);
    engine_alone(e, 5); /* scans after: nothing more */
    const int done[] = {125, 111, 125, 1, 100, 0};
    check_events(0, done, 6, __LINE__);
    const int latched[] = {1};
    check_events(1, latched, 1, __LINE__);
    CHECK_INT(m[216] & 2, 2);
    CHECK_INT(word40(&me, 212), 0x0102); /* the value landed */
    s7_xengine_free(e);
    s7_exchange_free(&x);
    watched = NULL;
    partners[0] = NULL;
    plc_stop(&a);
    plc_stop(&me);
}

/* A CPU in STOP calls no job: counters and data stand still, REQ is not seen, a reply to a
 * request out at the STOP is dropped; back in RUN the jobs go on. */
static void test_stop(void)
{
    plc a, me;
    CHECK_INT(plc_start(&a, "s7-1500", 0, 1), 0);
    CHECK_INT(plc_start(&me, "s7-300", 0, 1), 0);
    partners[0] = &a;
    char l[2][300];
    snprintf(l[0], sizeof l[0],
             "get 127.0.0.1:%u DB20.DBW0 every 10ms into DB40.DBW0 --ndr DB40.DBX200.0 latch",
             a.port);
    snprintf(l[1], sizeof l[1],
             "put 127.0.0.1:%u DB20.DBW10 on M0.0 from DB40.DBW10 --done M0.1 latch", a.port);
    const char *lines[2] = {l[0], l[1]};
    s7_exchange x;
    s7_xengine *e = engine(&me, &x, lines, 2);
    if (!e)
        return;
    expect(e, 0, 2, S7_XST_OK, 3000, "GET in RUN");
    s7_xjob_state st;

    /* a request out when the CPU stops: the partner holds its answer until after the STOP */
    s7_xengine_state(e, 0, &st);
    uint64_t runs = st.runs;
    for (int i = 0; i < 100 && !st.busy; i++) {
        s7_xengine_run_once(e, 2); /* only the engine: the partner does not answer */
        s7_xengine_state(e, 0, &st);
    }
    CHECK_INT(st.busy, 1);
    runs = st.runs;
    db(&a, 20)[0] = 0x77;
    s7_cpu_set_state(me.cpu, S7_CPU_STATE_STOP);
    run_until(e, 150, NULL, NULL); /* partner answers; the CPU in STOP takes nothing */
    s7_xengine_state(e, 0, &st);
    CHECK_INT(st.stopped, 1);
    CHECK_INT(st.runs, runs);
    CHECK_INT(st.dropped, 1);
    CHECK_INT(st.busy, 0);
    CHECK_INT(db(&me, 40)[0], 0x01); /* the partner's 0x77 did not land */
    /* REQ set in STOP: not seen while stopped */
    s7_cpu_mem(me.cpu, S7_AREA_M, 0, NULL)[0] |= 1;
    db(&me, 40)[10] = 0xAB;
    run_until(e, 60, NULL, NULL);
    s7_xengine_state(e, 1, &st);
    CHECK_INT(st.runs, 0);
    CHECK_INT(db(&a, 20)[10], 11);
    s7_xengine_state(e, 0, &st);
    CHECK_INT(st.runs, runs);

    /* RUN: the cyclic job goes on, the REQ set meanwhile is an edge for the first scan */
    s7_cpu_set_state(me.cpu, S7_CPU_STATE_RUN);
    expect(e, 0, runs + 2, S7_XST_OK, 3000, "GET back in RUN");
    CHECK_INT(db(&me, 40)[0], 0x77);
    expect(e, 1, 1, S7_XST_OK, 3000, "PUT on the REQ set during STOP");
    CHECK_INT(db(&a, 20)[10], 0xAB);
    s7_xengine_state(e, 0, &st);
    CHECK_INT(st.stopped, 0);
    CHECK_INT(st.dropped, 1);
    run_until(e, 40, NULL, NULL);
    s7_xengine_state(e, 1, &st);
    CHECK_INT(st.runs, 1); /* REQ still set: no new edge */
    s7_xengine_free(e);
    s7_exchange_free(&x);
    partners[0] = NULL;
    plc_stop(&a);
    plc_stop(&me);
}

int main(void)
{
    test_pulse_latch();
    test_started();
    test_stop();
    test_get_put();
    test_budget_and_local();
    test_source_and_enter();
    test_dials_resolved();
    return t_done();
}
