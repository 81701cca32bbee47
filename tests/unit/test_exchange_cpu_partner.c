/* Unit tests of the emulator's partner jobs (exchange/cpu_partner.c): two emulated CPUs on
 * loopback, one with BSEND/USEND jobs on an active connection, the other with BRCV/URCV jobs
 * on a passive one: a 65,534-byte DB sent on a REQ edge lands in the partner's DB byte for
 * byte, DONE/NDR/ERROR/STATUS in local memory as a program would read them (the received
 * block and NDR reported to the CPU's event handler as its own writes), scan by scan:
 * 0/25 from the scan the BSEND starts while it is under way, DONE (NDR on the receiving
 * CPU) for one scan, then 0 again; a trigger while under way 0/11 for one scan; a cyclic
 * USEND, a block longer than the receive area (ERROR, STATUS 4, latched: held over later
 * scans), the sender's CPU in STOP (no job called) and back in RUN, and the partner gone
 * (ERROR, STATUS 1).
 * On the CPU's own port (s7_xpartner_attach): the receiving CPU's s7_server hands the CR
 * naming its partner connection to the BRCV job while a PUT/GET client on the same port
 * reads that CPU meanwhile; a CR with a TSAP no partner connection has, or from another
 * address than a passive connection's partner, meets the CPU's PUT/GET rules; the
 * connections hold their resources in the server's budget, and a budget too small is
 * refused at attach.  (The first part's passive side is attached to a server too, on a port
 * the kernel picks: a connection's port 0 means 102, which a unit test must not bind.) */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s7/client.h"
#include "s7/cpu.h"
#include "s7/exchange_partner.h"
#include "s7/server.h"
#include "s7/net.h"
#include "s7/wire.h"
#include "t.h"

static s7_tag tag(const char *text)
{
    s7_tag t;
    char err[200];
    int r = s7_tag_parse(text, &t, err, sizeof err);
    if (r < 0)
        fprintf(stderr, "tag %s: %s\n", text, err);
    CHECK_INT(r, 0);
    return t;
}

static void add_job(s7_exchange *x, const char *name, s7_xjob_kind kind, uint32_t r_id,
                    const char *area, const char *req, long cycle_ms)
{
    s7_xjob j;
    s7_xjob_init(&j);
    snprintf(j.name, sizeof j.name, "%s", name);
    j.kind = kind;
    j.conn_id = 1;
    j.r_id = r_id;
    j.nareas = 1;
    j.areas[0].local = tag(area);
    if (req) {
        j.trigger = S7_XTRIG_REQ;
        j.req = tag(req);
    } else {
        j.trigger = S7_XTRIG_CYCLIC;
        j.cycle_ms = cycle_ms;
    }
    /* outputs: M<r_id>.1 DONE/NDR, M<r_id>.2 ERROR, MW<100 + 2 r_id> STATUS */
    char b[32];
    j.has_done = j.has_error = j.has_status = 1;
    snprintf(b, sizeof b, "M%u.1", r_id);
    j.done = tag(b);
    snprintf(b, sizeof b, "M%u.2", r_id);
    j.error = tag(b);
    snprintf(b, sizeof b, "MW%u", 100 + 2 * r_id);
    j.status = tag(b);
    CHECK(s7_exchange_add_job(x, &j) != NULL);
}

static int bit(s7_cpu *c, unsigned byte, unsigned b)
{
    uint32_t size;
    uint8_t *m = s7_cpu_mem(c, S7_AREA_M, 0, &size);
    return (m[byte] >> b) & 1;
}

static void set_bit(s7_cpu *c, unsigned byte, unsigned b, int v)
{
    uint32_t size;
    uint8_t *m = s7_cpu_mem(c, S7_AREA_M, 0, &size);
    m[byte] = (uint8_t)(v ? m[byte] | (1u << b) : m[byte] & ~(1u << b));
}

static unsigned word(s7_cpu *c, unsigned byte)
{
    uint32_t size;
    uint8_t *m = s7_cpu_mem(c, S7_AREA_M, 0, &size);
    return (unsigned)(m[byte] << 8 | m[byte + 1]);
}

static uint8_t *db(s7_cpu *c, uint16_t n)
{
    uint32_t size;
    return s7_cpu_mem(c, S7_AREA_DB, n, &size);
}

static s7_server *g_srv; /* B's server, served between the partners' turns */

/* What B's server passed on of B's own writes (sess NULL): the URCV's block and its NDR land
 * through s7_cpu_write, where a retentive store journals them as it does a PUT. */
static const uint8_t *g_urcv_want;
static int own_block, own_ndr;
static void on_b_event(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    if (ev->kind != S7_EV_WRITE || ev->sess)
        return;
    if (ev->area == S7_AREA_DB && ev->db == 30 && ev->start == 0 && ev->len == 100 && ev->data &&
        g_urcv_want && memcmp(ev->data, g_urcv_want, 100) == 0)
        own_block++;
    if (ev->area == S7_AREA_M && ev->start == 9 && ev->ts == S7_TS_BIT && ev->bit == 1 &&
        ev->data && (ev->data[0] & 1))
        own_ndr++;
}

/* The outputs (DONE/NDR, ERROR, STATUS) of the job with r_id, as a program sees them. */
typedef struct outs {
    int d, e;
    unsigned st;
} outs;

static outs outs_of(s7_cpu *c, unsigned r_id)
{
    return (outs){bit(c, r_id, 1), bit(c, r_id, 2), word(c, 100 + 2 * r_id)};
}

/* The distinct values the outputs went through, in order (at most 8). */
typedef struct trace {
    outs v[8];
    int n;
} trace;

static void trace_add(trace *t, outs o)
{
    if (t->n > 0 && t->v[t->n - 1].d == o.d && t->v[t->n - 1].e == o.e && t->v[t->n - 1].st == o.st)
        return;
    if (t->n < 8)
        t->v[t->n++] = o;
}

static void check_trace(const trace *t, const outs *want, int n, int line)
{
    int ok = t->n == n;
    for (int i = 0; ok && i < n; i++)
        ok = t->v[i].d == want[i].d && t->v[i].e == want[i].e && t->v[i].st == want[i].st;
    if (!ok) {
        fprintf(stderr, "line %d: outputs went", line);
        for (int i = 0; i < t->n; i++)
            fprintf(stderr, " (%d,%d,%u)", t->v[i].d, t->v[i].e, t->v[i].st);
        fprintf(stderr, "; expected");
        for (int i = 0; i < n; i++)
            fprintf(stderr, " (%d,%d,%u)", want[i].d, want[i].e, want[i].st);
        fprintf(stderr, "\n");
    }
    CHECK(ok);
}

#define RUN_UNTIL(cond)                                                        \
    do {                                                                       \
        int64_t end_ = s7_now_ms() + 5000;                                     \
        for (int i_ = 0; i_ < 100000 && !(cond) && s7_now_ms() < end_; i_++) { \
            s7_xpartner_run_once(ea, 1);                                       \
            if (eb)                                                            \
                s7_xpartner_run_once(eb, 1);                                   \
            if (g_srv)                                                         \
                s7_server_run_once(g_srv, 0);                                  \
        }                                                                      \
    } while (0)

/* ---------------------------------------------------------------- the CPU's own port */

typedef struct b_side {
    s7_server *srv;
    s7_xpartner *xp;
    volatile int stop;
} b_side;

static void *b_thread(void *arg)
{
    b_side *bs = arg;
    for (int i = 0; i < 200000 && !bs->stop; i++) { /* bounded: 200,000 turns of 1 ms at most */
        s7_server_run_once(bs->srv, 1);
        s7_xpartner_run_once(bs->xp, 0);
    }
    return NULL;
}

/* A PUT/GET client of B with explicit TSAPs (local, remote); NULL when refused. */
static s7_client *putget(uint16_t port, uint16_t local, uint16_t remote, int *rc)
{
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.rack = 0;
    o.slot = 2;
    if (remote) {
        o.local_tsap = local;
        o.remote_tsap = remote;
    }
    s7_client *cl = s7_client_new(&o);
    *rc = s7_client_connect(cl, "127.0.0.1", port);
    if (*rc < 0) {
        s7_client_free(cl);
        return NULL;
    }
    return cl;
}

static void test_own_port(void)
{
    const s7_profile *prof = s7_profile_find("s7-300"); /* rack 0, slot 2 */
    s7_cpu *a = s7_cpu_new(prof), *b = s7_cpu_new(prof);
    CHECK_INT(s7_cpu_add_db(a, 10, S7_BSEND_MAX, 0), 0);
    CHECK_INT(s7_cpu_add_db(b, 20, S7_BSEND_MAX, 0), 0);
    for (uint32_t i = 0; i < S7_BSEND_MAX; i++)
        db(a, 10)[i] = (uint8_t)(i * 13 + 1);
    s7_server_opts so;
    s7_server_opts_init(&so);
    so.listen = "127.0.0.1:0";
    s7_server *srv = s7_server_new(b, &so);
    CHECK_INT(s7_server_start(srv), 0);
    uint16_t port = s7_server_port(srv);

    /* B: connection 1 for any partner on TSAP 10.00, connection 2 passive for 127.0.0.2 only
     * on TSAP 11.00 */
    s7_exchange xb;
    s7_exchange_init(&xb);
    s7_xconn c;
    s7_xconn_init(&c);
    c.id = 1;
    c.side = S7_XCONN_UNSPECIFIED;
    c.local_tsap = c.remote_tsap = 0x1000;
    c.pdu = 480;
    CHECK(s7_exchange_add_conn(&xb, &c) != NULL);
    c.id = 2;
    c.side = S7_XCONN_PASSIVE;
    snprintf(c.host, sizeof c.host, "127.0.0.2");
    c.local_tsap = 0x1100;
    c.remote_tsap = 0x1200;
    CHECK(s7_exchange_add_conn(&xb, &c) != NULL);
    add_job(&xb, "rx", S7_XJOB_BRCV, 5, "P#DB20.DBX0.0 BYTE 65534", NULL, 0);
    add_job(&xb, "rx2", S7_XJOB_BRCV, 6, "P#DB20.DBX0.0 BYTE 10", NULL, 0);
    xb.jobs[1].conn_id = 2;
    xb.jobs[0].latch = 1; /* NDR held: the PUT/GET client below reads it when it comes */
    s7_xpartner *eb = s7_xpartner_new(b, &xb, NULL);
    char err[400] = "";
    /* a budget too small for the two connections: refused, nothing held */
    s7_cpu_set_max_conn(b, 1, 1);
    CHECK_INT(s7_xpartner_attach(eb, srv, err, sizeof err), S7_ERR_BUSY);
    CHECK_STR(err, "connection 2: no free PG connection resource for this partner connection (1 "
                   "of 1 PG, 1 of 16 in all, in use): raise the CPU's budget (--max-conn) or "
                   "give the connection another type");
    uint16_t use[4];
    s7_server_connections(srv, use);
    CHECK_INT(use[1], 0);
    s7_cpu_set_max_conn(b, 1, prof->max_conn[1]);
    CHECK_INT(s7_xpartner_attach(eb, srv, err, sizeof err), 0);
    CHECK_INT(s7_xpartner_start(eb, err, sizeof err), 0);
    CHECK_INT(s7_xpartner_port(eb, 1), 0); /* no port of its own */
    s7_server_connections(srv, use);
    CHECK_INT(use[1], 2); /* both connections hold a PG resource */
    b_side bs = {srv, eb, 0};
    pthread_t th;
    CHECK_INT(pthread_create(&th, NULL, b_thread, &bs), 0);

    /* a PUT/GET client on B's port before and during the transfer */
    int rc;
    s7_client *cl = putget(port, 0, 0, &rc);
    CHECK(cl != NULL);
    uint8_t w[2] = {0, 0};

    /* A: active to B's own port, TSAP 10.00 */
    s7_exchange xa;
    s7_exchange_init(&xa);
    s7_xconn_init(&c);
    c.id = 1;
    snprintf(c.host, sizeof c.host, "127.0.0.1");
    c.port = port;
    c.local_tsap = c.remote_tsap = 0x1000;
    c.pdu = 480;
    CHECK(s7_exchange_add_conn(&xa, &c) != NULL);
    add_job(&xa, "tx", S7_XJOB_BSEND, 5, "P#DB10.DBX0.0 BYTE 65534", NULL, 100);
    s7_xpartner *ea = s7_xpartner_new(a, &xa, NULL);
    CHECK_INT(s7_xpartner_start(ea, err, sizeof err), 0);
    int reads = 0, read_ok = 0;
    int64_t end = s7_now_ms() + 10000; /* B runs in its thread; A and the client here */
    for (int i = 0; i < 100000 && !bit(a, 5, 1) && s7_now_ms() < end; i++) {
        s7_xpartner_run_once(ea, 1);
        if (i % 4 == 0) {
            reads++;
            read_ok += cl && s7_client_db_read(cl, 20, 0, w, 2) == 0;
        }
    }
    CHECK_INT(bit(a, 5, 1), 1); /* DONE */
    CHECK_INT(word(a, 110), 0);
    CHECK(read_ok == reads && reads > 1); /* PUT/GET went on during the BSEND */
    /* what a program reads in B: NDR, STATUS 0 and the whole block, through PUT/GET */
    uint8_t m[2];
    for (int i = 0; i < 500; i++) {
        CHECK_INT(s7_client_read_area(cl, S7_AREA_M, 0, 5, m, 1), 0);
        if (m[0] & 2)
            break;
        s7_xpartner_run_once(ea, 1);
    }
    CHECK_INT(m[0] & 2, 2);
    uint8_t *got = malloc(S7_BSEND_MAX);
    CHECK_INT(s7_client_db_read(cl, 20, 0, got, S7_BSEND_MAX), 0);
    CHECK(memcmp(got, db(a, 10), S7_BSEND_MAX) == 0);
    free(got);

    /* TSAP 10.02 is no partner connection's: a PUT/GET client as without partner jobs */
    s7_client *c2 = putget(port, 0x0100, 0x1002, &rc);
    CHECK(c2 != NULL);
    CHECK_INT(c2 ? s7_client_db_read(c2, 20, 0, w, 2) : -1, 0);
    s7_client_free(c2);
    /* TSAP 11.00 from 127.0.0.1, not connection 2's partner 127.0.0.2: the CPU's rule refuses
     * rack 0 slot 0 (it sits in slot 2), as it would without partner jobs */
    c2 = putget(port, 0x1200, 0x1100, &rc);
    CHECK(c2 == NULL);
    CHECK_INT(rc, S7_ERR_CR_REJECTED);
    s7_client_free(cl);

    bs.stop = 1;
    pthread_join(th, NULL);
    s7_xpartner_free(ea);
    s7_server_connections(srv, use);
    unsigned held = use[1];
    CHECK(held >= 2);
    s7_xpartner_free(eb);
    s7_server_connections(srv, use);
    CHECK_INT(use[1], held - 2); /* the two resources given back */
    s7_server_free(srv);
    s7_exchange_free(&xa);
    s7_exchange_free(&xb);
    s7_cpu_free(a);
    s7_cpu_free(b);
}

/* What the sender's s7_xpartner logged: "I line\n" / "W line\n" ... */
static char g_log[4096];
static void log_line(void *ctx, int level, const char *msg)
{
    (void)ctx;
    size_t n = strlen(g_log);
    snprintf(g_log + n, sizeof g_log - n, "%c %s\n",
             level == S7_LOG_INFO   ? 'I'
             : level == S7_LOG_WARN ? 'W'
                                    : '?',
             msg);
}

/* What the receiver's s7_xpartner logged, the same way. */
static char g_log_b[4096];
static void log_line_b(void *ctx, int level, const char *msg)
{
    (void)ctx;
    size_t n = strlen(g_log_b);
    snprintf(g_log_b + n, sizeof g_log_b - n, "%c %s\n", level == S7_LOG_WARN ? 'W' : 'I', msg);
}

/* How often needle occurs in hay. */
static int count_of(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

int main(void)
{
    const s7_profile *prof = s7_profile_find("s7-300");
    s7_cpu *a = s7_cpu_new(prof), *b = s7_cpu_new(prof);
    CHECK(a && b);
    CHECK_INT(s7_cpu_add_db(a, 10, S7_BSEND_MAX, 0), 0);
    CHECK_INT(s7_cpu_add_db(b, 20, S7_BSEND_MAX, 0), 0);
    CHECK_INT(s7_cpu_add_db(b, 30, 100, 0), 0);
    for (uint32_t i = 0; i < S7_BSEND_MAX; i++)
        db(a, 10)[i] = (uint8_t)(i * 7 + 3);

    /* B: the passive side, any partner */
    s7_exchange xb;
    s7_exchange_init(&xb);
    s7_xconn c;
    s7_xconn_init(&c);
    c.id = 1;
    c.side = S7_XCONN_UNSPECIFIED;
    c.pdu = 960;
    CHECK(s7_exchange_add_conn(&xb, &c) != NULL);
    add_job(&xb, "rx", S7_XJOB_BRCV, 5, "P#DB20.DBX0.0 BYTE 65534", NULL, 0);
    add_job(&xb, "urx", S7_XJOB_URCV, 9, "P#DB30.DBX0.0 BYTE 100", NULL, 0);
    add_job(&xb, "small", S7_XJOB_BRCV, 6, "P#DB30.DBX0.0 BYTE 10", NULL, 0);
    xb.jobs[2].latch = 1;
    s7_xpartner *eb = s7_xpartner_new(b, &xb, "127.0.0.1");
    CHECK(eb != NULL);
    CHECK_INT(s7_xpartner_njobs(eb), 3);
    s7_xpartner_set_log(eb, log_line_b, NULL);
    /* B's CRs come through its server's port (a port the kernel picks) */
    s7_server_opts so;
    s7_server_opts_init(&so);
    so.listen = "127.0.0.1:0";
    so.hooks.on_event = on_b_event;
    g_urcv_want = db(a, 10);
    g_srv = s7_server_new(b, &so);
    CHECK_INT(s7_server_start(g_srv), 0);
    char err[400];
    CHECK_INT(s7_xpartner_attach(eb, g_srv, err, sizeof err), 0);
    CHECK_INT(s7_xpartner_start(eb, err, sizeof err), 0);

    /* A: the active side */
    s7_exchange xa;
    s7_exchange_init(&xa);
    s7_xconn_init(&c);
    c.id = 1;
    snprintf(c.host, sizeof c.host, "127.0.0.1");
    c.port = s7_server_port(g_srv);
    c.side = S7_XCONN_ACTIVE;
    c.pdu = 960;
    c.remote_tsap = 0x1000;
    c.local_tsap = 0x1000;
    CHECK(c.port != 0);
    CHECK(s7_exchange_add_conn(&xa, &c) != NULL);
    add_job(&xa, "tx", S7_XJOB_BSEND, 5, "P#DB10.DBX0.0 BYTE 65534", "M0.0", 0);
    add_job(&xa, "utx", S7_XJOB_USEND, 9, "P#DB10.DBX0.0 BYTE 100", NULL, 50);
    add_job(&xa, "big", S7_XJOB_BSEND, 6, "P#DB10.DBX0.0 BYTE 100", "M0.3", 0);
    s7_xpartner *ea = s7_xpartner_new(a, &xa, NULL);
    CHECK(ea != NULL);
    s7_xpartner_set_log(ea, log_line, NULL);
    CHECK_INT(s7_xpartner_start(ea, err, sizeof err), 0);

    /* REQ edge: the whole DB goes.  Scan by scan, the sender's outputs go 0/25 in the scan
     * it starts and stay so while the segments go, DONE with STATUS 0 for the one scan that
     * sees it done, then 0 again; the receiver's NDR is likewise true for one scan. */
    int utx_err = 0; /* the cyclic USEND waits for its connection's first set-up: no ERROR */
    RUN_UNTIL((utx_err |= bit(a, 9, 2), bit(b, 9, 1))); /* it arrives once linked: NDR */
    CHECK_INT(utx_err, 0);
    CHECK_INT(bit(b, 9, 1), 1);
    CHECK(memcmp(db(b, 30), db(a, 10), 100) == 0);
    CHECK_INT(word(b, 100 + 18), 0);
    CHECK(own_block >= 1); /* reported as B's own writes, as a retentive store sees them */
    CHECK(own_ndr >= 1);
    RUN_UNTIL(!bit(b, 9, 1)); /* taken back by the next scan */
    CHECK_INT(bit(b, 9, 1), 0);
    trace ta = {.n = 0}, tb = {.n = 0};
    trace_add(&ta, outs_of(a, 5));
    trace_add(&tb, outs_of(b, 5));
    set_bit(a, 0, 0, 1);
    RUN_UNTIL(
        (trace_add(&ta, outs_of(a, 5)), trace_add(&tb, outs_of(b, 5)), ta.n >= 4 && tb.n >= 3));
    const outs sent_a[] = {{0, 0, 0}, {0, 0, 25}, {1, 0, 0}, {0, 0, 0}};
    const outs got_b[] = {{0, 0, 0}, {1, 0, 0}, {0, 0, 0}};
    check_trace(&ta, sent_a, 4, __LINE__);
    check_trace(&tb, got_b, 3, __LINE__);
    CHECK(memcmp(db(b, 20), db(a, 10), S7_BSEND_MAX) == 0);
    s7_partner_status st;
    CHECK_INT(s7_xpartner_state(eb, 0, &st), 0);
    CHECK_INT(st.len, S7_BSEND_MAX);
    CHECK_INT(st.count, 1);
    CHECK_INT(s7_xpartner_state(ea, 0, &st), 0); /* the last completed run, after the pulse */
    CHECK_INT(st.done, 1);

    /* triggered again while under way (only A runs: B acknowledges nothing meanwhile, so
     * the block cannot finish): 0/11 for the one scan that sees the edge, then 0/25 again;
     * the running job goes on.  Each run_once(ea, 10) without traffic waits for one scan. */
    set_bit(a, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        s7_xpartner_run_once(ea, 10);
    db(a, 10)[0] ^= 0xFF;
    set_bit(a, 0, 0, 1);
    for (int i = 0; i < 3; i++)
        s7_xpartner_run_once(ea, 10);
    CHECK_INT(word(a, 110), 25); /* started, under way */
    CHECK_INT(bit(a, 5, 1), 0);
    CHECK_INT(bit(a, 5, 2), 0);
    set_bit(a, 0, 0, 0);
    for (int i = 0; i < 3; i++)
        s7_xpartner_run_once(ea, 10);
    set_bit(a, 0, 0, 1);
    for (int i = 0; i < 50 && word(a, 110) == 25; i++)
        s7_xpartner_run_once(ea, 10);
    CHECK_INT(word(a, 110), 11); /* the instruction's 0/11 */
    CHECK_INT(bit(a, 5, 2), 0);
    for (int i = 0; i < 50 && word(a, 110) == 11; i++)
        s7_xpartner_run_once(ea, 10);
    CHECK_INT(word(a, 110), 25); /* the next scan: under way again */
    RUN_UNTIL((s7_xpartner_state(eb, 0, &st), st.count == 2));
    CHECK_INT(db(b, 20)[0], db(a, 10)[0]);
    RUN_UNTIL(word(a, 110) != 25);
    CHECK_INT(word(a, 110), 0);

    /* a block longer than the receive area: the BRCV reports ERROR, STATUS 4; latched (as
     * the "small" job is) they stay over the scans after */
    set_bit(a, 0, 3, 1);
    RUN_UNTIL(bit(b, 6, 2));
    CHECK_INT(bit(b, 6, 2), 1);
    CHECK_INT(word(b, 112), 4);
    CHECK_INT(bit(b, 6, 1), 0);
    for (int i = 0; i < 5; i++) {
        s7_xpartner_run_once(ea, 10);
        s7_xpartner_run_once(eb, 10);
    }
    CHECK_INT(bit(b, 6, 2), 1);
    CHECK_INT(word(b, 112), 4);
    /* logged as the GET/PUT jobs log theirs: the change, once, not each run */
    CHECK_INT(count_of(g_log_b, "W job small (brcv, R_ID 6): ERROR 1 STATUS 4: length: LEN out "
                                "of range, the block larger than the receive area"),
              1);
    CHECK_INT(count_of(g_log_b, "job rx (brcv, R_ID 5)"), 0); /* ok from the start: quiet */

    /* A in STOP: no job is called, the cyclic USEND (every 50 ms) sends no more; RUN: again */
    s7_cpu_set_state(a, S7_CPU_STATE_STOP);
    s7_xpartner_run_once(ea, 0);
    CHECK_INT(s7_xpartner_state(ea, 1, &st), 0);
    uint64_t sent = st.count;
    int64_t until = s7_now_ms() + 200;
    for (int i = 0; i < 1000 && s7_now_ms() < until; i++) {
        s7_xpartner_run_once(ea, 5);
        s7_xpartner_run_once(eb, 0);
    }
    s7_xpartner_state(ea, 1, &st);
    CHECK_INT(st.count, sent);
    s7_cpu_set_state(a, S7_CPU_STATE_RUN);
    RUN_UNTIL((s7_xpartner_state(ea, 1, &st), st.count > sent));
    CHECK(st.count > sent);

    /* the partner gone: the next BSEND reports ERROR, STATUS 1 */
    s7_xpartner_free(eb);
    eb = NULL;
    set_bit(a, 0, 0, 0);
    for (int i = 0; i < 3; i++) /* scans that see REQ 0 */
        s7_xpartner_run_once(ea, 10);
    set_bit(a, 0, 0, 1);
    RUN_UNTIL(bit(a, 5, 2));
    CHECK_INT(bit(a, 5, 2), 1);
    CHECK_INT(word(a, 110), 1);
    /* the link and its loss were logged, the loss with its reason */
    CHECK(strstr(g_log, "I partner connection 1 to 127.0.0.1 linked (PDU 960)\n") != NULL);
    CHECK(strstr(g_log, "W partner connection 1 to 127.0.0.1 lost: ") != NULL);
    /* and the BSEND's ERROR 1 STATUS 1 once */
    CHECK_INT(count_of(g_log, "W job tx (bsend, R_ID 5): ERROR 1 STATUS 1: connection problem"), 1);

    s7_xpartner_free(ea);
    s7_server_free(g_srv);
    g_srv = NULL;
    s7_exchange_free(&xa);
    s7_exchange_free(&xb);
    s7_cpu_free(a);
    s7_cpu_free(b);
    test_own_port();
    return t_done();
}
