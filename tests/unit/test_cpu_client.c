/* The in-repo client against the CPU model, over socketpairs.  A test-only loop per
 * connection frames PDUs with the wire functions (CR -> s7_cpu_accept -> CC echoing the
 * parameters, DT reassembly -> s7_cpu_handle -> DT) and keeps the connection counts;
 * no engine from server/ is involved.  Covers: TSAP refusal, connection budget,
 * identity, state, capacity, every area read and written, 1,000 items, a 64 KB DB,
 * stop/start, clock, PUT/GET refusal, optimized and missing DBs, DB length, LOGO!. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/client.h"
#include "s7/cpu.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

typedef struct srv {
    s7_cpu *cpu;
    pthread_mutex_t mu;
    uint16_t in_use[4];
    int refused;
} srv;

typedef struct conn {
    srv *s;
    int fd;
    pthread_t th;
} conn;

static void put(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w <= 0)
            return;
        p += w;
        n -= (size_t)w;
    }
}

/* One connection: frames in, answers out, until the peer closes or the CPU refuses. */
static void *loop(void *arg)
{
    conn *c = arg;
    srv *sv = c->s;
    size_t incap = 200000;
    uint8_t *in = malloc(incap), *asmb = malloc(70000), *ob = malloc(70000);
    size_t inl = 0, asml = 0;
    s7_cpu_session sess;
    s7__cpu_session_init(&sess);
    int type = 0, quit = 0;
    while (!quit) {
        ssize_t got = read(c->fd, in + inl, incap - inl);
        if (got <= 0)
            break;
        inl += (size_t)got;
        size_t off = 0;
        for (;;) {
            s7_cotp t;
            int n = s7_frame_decode(in + off, inl - off, &t);
            if (n == S7_AGAIN)
                break;
            if (n < 0) {
                quit = 1;
                break;
            }
            off += (size_t)n;
            if (t.code == S7_COTP_CR) {
                const char *why = NULL;
                pthread_mutex_lock(&sv->mu);
                int r = s7_cpu_accept(sv->cpu, &sess, &t, sv->in_use, &why);
                if (r == 0) {
                    type = sess.conn_type;
                    sv->in_use[0]++;
                    sv->in_use[type]++;
                    s7_cpu_set_conn_use(sv->cpu, sv->in_use);
                } else {
                    sv->refused++;
                }
                pthread_mutex_unlock(&sv->mu);
                if (r < 0) {
                    quit = 1; /* close without a CC, as the CPU does */
                    break;
                }
                s7_cotp cc = t;
                cc.code = S7_COTP_CC;
                cc.dst_ref = t.src_ref;
                cc.src_ref = 0x0001;
                uint8_t b[64];
                int k = s7_cotp_encode(b, sizeof b, &cc);
                put(c->fd, b, (size_t)k);
            } else if (t.code == S7_COTP_DT) {
                memcpy(asmb + asml, t.user, t.user_len);
                asml += t.user_len;
                if (!t.eot || asml == 0)
                    continue;
                pthread_mutex_lock(&sv->mu);
                int r = s7_cpu_handle(sv->cpu, &sess, asmb, asml, ob + 7, 65000);
                pthread_mutex_unlock(&sv->mu);
                asml = 0;
                if (r < 0) {
                    quit = 1;
                    break;
                }
                if (r > 0) {
                    int k = s7_iso_dt_wrap(ob, 70000, (size_t)r, 1);
                    put(c->fd, ob, (size_t)k);
                }
            } else {
                quit = 1;
                break;
            }
        }
        memmove(in, in + off, inl - off);
        inl -= off;
    }
    pthread_mutex_lock(&sv->mu);
    if (type) {
        sv->in_use[0]--;
        sv->in_use[type]--;
        s7_cpu_set_conn_use(sv->cpu, sv->in_use);
    }
    pthread_mutex_unlock(&sv->mu);
    s7__cpu_session_release(&sess);
    close(c->fd);
    free(in);
    free(asmb);
    free(ob);
    return NULL;
}

/* A client connected to the model through a new loop thread.  *rc gets the result. */
static s7_client *dial(srv *sv, conn *c, const s7_client_opts *o, int *rc)
{
    int sp[2];
    socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
    c->s = sv;
    c->fd = sp[1];
    pthread_create(&c->th, NULL, loop, c);
    s7_client_opts def;
    if (!o) {
        s7_client_opts_init(&def);
        o = &def;
    }
    s7_client_opts oo = *o;
    oo.request_timeout_ms = 3000;
    oo.connect_timeout_ms = 3000;
    s7_client *cl = s7_client_new(&oo);
    *rc = s7_client_connect_fd(cl, sp[0]);
    return cl;
}

static void hangup(conn *c, s7_client *cl)
{
    s7_client_free(cl);
    pthread_join(c->th, NULL);
}

static void srv_init(srv *sv, const char *profile)
{
    memset(sv, 0, sizeof *sv);
    sv->cpu = s7_cpu_new(s7_profile_find(profile));
    pthread_mutex_init(&sv->mu, NULL);
}

static void srv_free(srv *sv)
{
    s7_cpu_free(sv->cpu);
    pthread_mutex_destroy(&sv->mu);
}

/* ---------------------------------------------------------------- S7-300 */

static void test_s7300(void)
{
    srv sv;
    srv_init(&sv, "s7-300");
    s7_cpu *cpu = sv.cpu;
    CHECK_INT(s7_cpu_add_db(cpu, 1, 1000, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 100, 65535, 0), 0);
    uint32_t sz;
    uint8_t *db1 = s7_cpu_mem(cpu, S7_AREA_DB, 1, &sz);
    for (uint32_t i = 0; i < 1000; i++)
        db1[i] = (uint8_t)(i * 13 + 1);
    char err[128];
    CHECK_INT(s7_cpu_set_value(cpu, "DB1.DBD500:REAL=3.5", err, sizeof err), 0);

    /* default rack 0 slot 1: the 300 in slot 2 refuses the CR */
    conn c;
    int rc;
    s7_client *cl = dial(&sv, &c, NULL, &rc);
    CHECK_INT(rc, S7_ERR_CR_REJECTED);
    hangup(&c, cl);
    CHECK_INT(sv.refused, 1);

    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = 2;
    cl = dial(&sv, &c, &o, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(s7_client_pdu(cl), 240);
    CHECK_INT(s7_client_amq(cl), 2); /* a 315-2 grants 2 */

    /* identity (0x001C arrives in two parts at PDU 240) */
    s7_cpu_info info;
    CHECK_INT(s7_client_cpu_info(cl, &info), 0);
    CHECK_STR(info.order_code, "6ES7 315-2EH14-0AB0");
    CHECK_STR(info.version, "V3.2.6");
    CHECK_STR(info.as_name, "SIMATIC 300(1)");
    CHECK_STR(info.module_name, "CPU 315-2 PN/DP");
    CHECK_STR(info.copyright, "Original Siemens Equipment");
    CHECK_STR(info.serial, "S C-H4T327152015");
    CHECK_STR(info.module_type, "CPU 315-2 PN/DP");
    int st;
    CHECK_INT(s7_client_cpu_state(cl, &st), 0);
    CHECK_INT(st, S7_CPU_RUN);
    s7_cpu_caps caps;
    CHECK_INT(s7_client_cpu_caps(cl, &caps), 0);
    CHECK_INT(caps.max_pdu, 240);
    CHECK_INT(caps.max_connections, 16);
    CHECK_INT(caps.used_connections, 1);
    CHECK_INT(caps.protection_level, 1);
    CHECK_INT(caps.protection_switch, 2);

    /* every area, typed items and bits */
    uint8_t *ib = s7_cpu_mem(cpu, S7_AREA_I, 0, &sz);
    ib[7] = 0x81;
    uint8_t vi[2], vq[2] = {0xAB, 0xCD}, vm[4] = {1, 2, 3, 4}, vt[4] = {0x12, 0x34, 0x26, 0x78},
                   vc[2] = {0x09, 0x99}, bit = 1, vreal[4], vp;
    s7_item w[6];
    memset(w, 0, sizeof w);
    w[0] = (s7_item){.area = S7_AREA_Q, .start = 10, .count = 2, .buf = vq};
    w[1] = (s7_item){.area = S7_AREA_M, .ts = S7_TS_DWORD, .start = 20, .count = 1, .buf = vm};
    w[2] = (s7_item){.area = S7_AREA_T, .ts = S7_TS_TIMER, .start = 5, .count = 2, .buf = vt};
    w[3] = (s7_item){.area = S7_AREA_C, .ts = S7_TS_COUNTER, .start = 3, .count = 1, .buf = vc};
    w[4] = (s7_item){
        .area = S7_AREA_M, .ts = S7_TS_BIT, .start = 30, .bit = 6, .count = 1, .buf = &bit};
    w[5] = (s7_item){
        .area = S7_AREA_DB, .db = 1, .ts = S7_TS_BYTE, .start = 900, .count = 4, .buf = vm};
    CHECK_INT(s7_client_write(cl, w, 6), 0);
    CHECK(memcmp(s7_cpu_mem(cpu, S7_AREA_Q, 0, &sz) + 10, vq, 2) == 0);
    CHECK(memcmp(s7_cpu_mem(cpu, S7_AREA_M, 0, &sz) + 20, vm, 4) == 0);
    CHECK(memcmp(s7_cpu_mem(cpu, S7_AREA_T, 0, &sz) + 10, vt, 4) == 0); /* T5 at byte 10 */
    CHECK(memcmp(s7_cpu_mem(cpu, S7_AREA_C, 0, &sz) + 6, vc, 2) == 0);  /* C3 at byte 6 */
    CHECK_INT(s7_cpu_mem(cpu, S7_AREA_M, 0, &sz)[30], 0x40);
    CHECK(memcmp(db1 + 900, vm, 4) == 0);
    uint8_t rq[2], rt[4], rc3[2], rbit = 9, rdb[4];
    s7_item r[8];
    memset(r, 0, sizeof r);
    r[0] = (s7_item){.area = S7_AREA_I, .start = 6, .count = 2, .buf = vi};
    r[1] = (s7_item){.area = S7_AREA_Q, .start = 10, .count = 2, .buf = rq};
    r[2] = (s7_item){.area = S7_AREA_T, .ts = S7_TS_TIMER, .start = 5, .count = 2, .buf = rt};
    r[3] = (s7_item){.area = S7_AREA_C, .ts = S7_TS_COUNTER, .start = 3, .count = 1, .buf = rc3};
    r[4] = (s7_item){
        .area = S7_AREA_M, .ts = S7_TS_BIT, .start = 30, .bit = 6, .count = 1, .buf = &rbit};
    r[5] = (s7_item){
        .area = S7_AREA_DB, .db = 1, .ts = S7_TS_REAL, .start = 500, .count = 1, .buf = vreal};
    r[6] = (s7_item){.area = S7_AREA_DI, .db = 1, .start = 0, .count = 4, .buf = rdb};
    r[7] = (s7_item){.area = S7_AREA_P, .start = 7, .count = 1, .buf = &vp};
    CHECK_INT(s7_client_read(cl, r, 8), 0);
    CHECK(vi[0] == 0 && vi[1] == 0x81);
    CHECK_MEM(rq, vq, 2);
    CHECK_MEM(rt, vt, 4);
    CHECK_MEM(rc3, vc, 2);
    CHECK_INT(rbit, 1);
    CHECK(memcmp(vreal, "\x40\x60\x00\x00", 4) == 0);
    CHECK_MEM(rdb, db1, 4);
    CHECK_INT(vp, 0x81);

    /* 1,000 items in one call */
    static s7_item items[1000];
    static uint8_t bufs[1000];
    memset(items, 0, sizeof items);
    for (int i = 0; i < 1000; i++)
        items[i] = (s7_item){.area = S7_AREA_DB,
                             .db = 1,
                             .start = (uint32_t)(i * 997) % 1000,
                             .count = 1,
                             .buf = &bufs[i]};
    CHECK_INT(s7_client_read(cl, items, 1000), 0);
    int good = 1;
    for (int i = 0; i < 1000; i++)
        good &= bufs[i] == db1[(i * 997) % 1000] && items[i].status == 0;
    CHECK(good);

    /* a 64 KB DB both ways */
    static uint8_t big[65535], back[65535];
    for (uint32_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 31 + 7);
    CHECK_INT(s7_client_db_write(cl, 100, 0, big, sizeof big), 0);
    CHECK(memcmp(s7_cpu_mem(cpu, S7_AREA_DB, 100, &sz), big, sizeof big) == 0);
    CHECK_INT(s7_client_db_read(cl, 100, 0, back, sizeof back), 0);
    CHECK(memcmp(back, big, sizeof big) == 0);
    uint32_t len = 0;
    CHECK_INT(s7_client_db_length(cl, 100, &len), 0);
    CHECK_INT(len, 65535);
    CHECK_INT(s7_client_db_length(cl, 1, &len), 0);
    CHECK_INT(len, 1000);

    /* item errors */
    uint8_t x[4];
    CHECK_INT(s7_client_db_read(cl, 99, 0, x, 4), S7_ERR_ITEM);
    CHECK_INT(s7_client_last_error(cl)->code, 0x0A);
    CHECK_INT(s7_client_db_read(cl, 1, 998, x, 4), S7_ERR_ITEM);
    CHECK_INT(s7_client_last_error(cl)->code, 0x05);

    /* stop / start */
    CHECK_INT(s7_client_plc_stop(cl), 0);
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_STOP);
    CHECK_INT(s7_client_cpu_state(cl, &st), 0);
    CHECK_INT(st, S7_CPU_STOP);
    CHECK_INT(s7_client_cpu_caps(cl, &caps), 0);
    CHECK_INT(caps.protection_switch, 3);
    CHECK_INT(s7_client_plc_stop(cl), 0); /* already stopped: fine */
    CHECK_INT(s7_client_plc_start(cl, S7_START_HOT), 0);
    CHECK_INT(s7_client_cpu_state(cl, &st), 0);
    CHECK_INT(st, S7_CPU_RUN);
    CHECK_INT(s7_client_plc_start(cl, S7_START_HOT), 0); /* already running: fine */
    CHECK_INT(s7_client_plc_stop(cl), 0);
    CHECK_INT(s7_client_plc_start(cl, S7_START_COLD), 0);
    CHECK_INT(s7_cpu_state(cpu), S7_CPU_STATE_RUN);
    CHECK_INT(db1[900], (uint8_t)(900 * 13 + 1)); /* cold restart: the initial image */

    /* clock */
    s7_datetime t = {2026, 11, 21, 13, 45, 7, 250, 0}, g;
    CHECK_INT(s7_client_set_clock(cl, &t), 0);
    CHECK_INT(s7_client_get_clock(cl, &g), 0);
    CHECK(g.year == 2026 && g.month == 11 && g.day == 21 && g.hour == 13 && g.min == 45);
    CHECK(g.sec == 7 || g.sec == 8);
    CHECK_INT(g.wday, 7);

    /* a second OP client while the PG one is connected; budget of PG set to 1 */
    s7_cpu_set_max_conn(cpu, 1, 1);
    conn c2;
    s7_client *cl2 = dial(&sv, &c2, &o, &rc);
    CHECK_INT(rc, S7_ERR_CR_REJECTED);
    hangup(&c2, cl2);
    s7_client_opts o2 = o;
    o2.type = S7_CONN_OP;
    cl2 = dial(&sv, &c2, &o2, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(s7_client_cpu_caps(cl2, &caps), 0);
    CHECK_INT(caps.used_connections, 2);
    hangup(&c2, cl2);
    hangup(&c, cl);
    CHECK_INT(sv.in_use[0], 0);
    srv_free(&sv);
}

/* ---------------------------------------------------------------- S7-1500 */

static void test_s71500(void)
{
    srv sv;
    srv_init(&sv, "s7-1500");
    s7_cpu *cpu = sv.cpu;
    CHECK_INT(s7_cpu_add_db(cpu, 1, 1234, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 2, 100, S7_DB_OPTIMIZED), 0);
    conn c;
    int rc;
    s7_client *cl = dial(&sv, &c, NULL, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(s7_client_pdu(cl), 960);
    /* PUT/GET off: 81 04 on every read and write, identity still readable */
    uint8_t x[8];
    CHECK_INT(s7_client_db_read(cl, 1, 0, x, 8), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(cl)->code, 0x8104);
    CHECK_INT(s7_client_db_write(cl, 1, 0, x, 8), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(cl)->code, 0x8104);
    s7_cpu_info info;
    CHECK_INT(s7_client_cpu_info(cl, &info), 0);
    CHECK_STR(info.order_code, "6ES7 516-3AN02-0AB0");
    CHECK_STR(info.version, "V2.9.4");
    CHECK_INT(s7_client_plc_stop(cl), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(cl)->code, 0x8104);
    /* permitted: data; optimized DB 0x05 at offset 0; DB length */
    s7_cpu_set_put_get(cpu, 1);
    memcpy(s7_cpu_mem(cpu, S7_AREA_DB, 1, NULL), "ABCDEFGH", 8);
    CHECK_INT(s7_client_db_read(cl, 1, 0, x, 8), 0);
    CHECK(memcmp(x, "ABCDEFGH", 8) == 0);
    CHECK_INT(s7_client_db_read(cl, 2, 0, x, 1), S7_ERR_ITEM);
    CHECK_INT(s7_client_last_error(cl)->code, 0x05);
    uint32_t len = 0;
    CHECK_INT(s7_client_db_length(cl, 1, &len), 0);
    CHECK_INT(len, 1234);
    CHECK(s7_client_db_length(cl, 2, &len) < 0);
    /* T/C do not exist */
    uint8_t tv[2];
    s7_item it = {.area = S7_AREA_T, .ts = S7_TS_TIMER, .start = 0, .count = 1, .buf = tv};
    CHECK_INT(s7_client_read(cl, &it, 1), S7_ERR_ITEM);
    CHECK_INT(it.rc, 0x0A);
    hangup(&c, cl);
    srv_free(&sv);
}

/* ---------------------------------------------------------------- LOGO! */

static void test_logo(void)
{
    srv sv;
    srv_init(&sv, "logo8");
    char err[128];
    CHECK_INT(s7_cpu_set_value(sv.cpu, "VW100=4660", err, sizeof err), 0);
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.local_tsap = 0x0100;
    o.remote_tsap = 0x0200;
    conn c;
    int rc;
    s7_client *cl = dial(&sv, &c, &o, &rc);
    CHECK_INT(rc, 0);
    CHECK_INT(s7_client_pdu(cl), 240);
    uint8_t v[2];
    CHECK_INT(s7_client_db_read(cl, 1, 100, v, 2), 0);
    CHECK(v[0] == 0x12 && v[1] == 0x34);
    CHECK_INT(s7_client_db_read(cl, 2, 0, v, 2), S7_ERR_ITEM);
    hangup(&c, cl);
    /* rack/slot TSAPs are not LOGO! TSAPs */
    cl = dial(&sv, &c, NULL, &rc);
    CHECK_INT(rc, S7_ERR_CR_REJECTED);
    hangup(&c, cl);
    srv_free(&sv);
}

int main(void)
{
    test_s7300();
    test_s71500();
    test_logo();
    return t_done();
}
