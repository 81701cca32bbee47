/* client/cyclic.c against the server engine (s7_server on loopback, in a thread): a
 * subscription's answer fills the items, pushes arrive (counted within a generous bound,
 * no timing asserted), reads in between are answered as reads (pushes never taken for
 * them), values follow a write, a change-driven job pushes only after a change,
 * unsubscribing stops the callbacks, and an S7-1500 profile refuses with userdata error
 * 0x8104 (what `s7 watch --push` falls back to polling on); the async subscribe reports its
 * job number from the loop and its pushes come. */
#include <pthread.h>
#include <string.h>

#include "s7/client.h"
#include "loopback_server.h"
#include "s7/server.h"
#include "t.h"

static int srv_start(t_server *v, const char *profile)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find(profile));
    s7_cpu_add_db(cpu, 1, 16, 0);
    return t_server_start(v, cpu);
}

typedef struct seen {
    int pushes[4];
    uint8_t last[4][2];
    int job_seen;
} seen;

static void on_push(s7_client *c, int job, s7_item *items, size_t n, void *ud)
{
    seen *x = ud;
    (void)c;
    (void)n;
    if (job < 1 || job > 3)
        return;
    x->pushes[job]++;
    memcpy(x->last[job], items[0].buf, 2);
}

static void on_done(s7_client *c, int result, void *ud)
{
    (void)c;
    *(int *)ud = result;
}

/* Wait (bounded: 60 turns of 100 ms) until cond holds. */
#define WAIT_UNTIL(c, cond)                                    \
    do {                                                       \
        for (int t_turn = 0; t_turn < 60 && !(cond); t_turn++) \
            CHECK(s7_client_wait((c), 100) >= 0);              \
    } while (0)

/* A client for the CPU at rack 0, slot. */
static s7_client *client(uint8_t slot)
{
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = slot;
    return s7_client_new(&o);
}

static void test_push(void)
{
    t_server v;
    int port = srv_start(&v, "s7-300");
    CHECK(port > 0);
    s7_client *c = client(2);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", (uint16_t)port), 0);
    uint8_t w0[2] = {0x12, 0x34};
    CHECK_INT(s7_client_db_write(c, 1, 0, w0, 2), 0);

    uint8_t b0[2] = {0}, b1[1] = {0};
    s7_item it[2];
    memset(it, 0, sizeof it);
    it[0].area = S7_AREA_DB;
    it[0].db = 1;
    it[0].start = 0;
    it[0].count = 2;
    it[0].buf = b0;
    it[1].area = S7_AREA_DB;
    it[1].db = 1;
    it[1].start = 2;
    it[1].ts = S7_TS_BIT;
    it[1].bit = 0;
    it[1].count = 1;
    it[1].buf = b1;
    seen x;
    memset(&x, 0, sizeof x);
    int job = s7_client_subscribe(c, it, 2, 100, S7_CYC_TRANSFER, on_push, &x);
    CHECK_INT(job, 1);
    CHECK_INT(b0[0], 0x12); /* the answer's values */
    CHECK_INT(it[0].status, 0);
    CHECK_INT(s7_client_subscriptions(c), 1);

    /* pushes come; reads in between stay reads */
    WAIT_UNTIL(c, x.pushes[1] >= 3);
    CHECK(x.pushes[1] >= 3);
    for (int i = 0; i < 10; i++) {
        uint8_t r[2];
        CHECK_INT(s7_client_db_read(c, 1, 0, r, 2), 0);
        CHECK_INT(r[1], 0x34);
    }
    /* values follow a write */
    uint8_t w1[2] = {0x56, 0x78};
    CHECK_INT(s7_client_db_write(c, 1, 0, w1, 2), 0);
    WAIT_UNTIL(c, x.last[1][0] == 0x56);
    CHECK_INT(x.last[1][1], 0x78);

    /* change driven: a push only after a change */
    uint8_t b2[2];
    s7_item ch = it[0];
    ch.buf = b2;
    int job2 = s7_client_subscribe(c, &ch, 1, 100, S7_CYC_CHANGE, on_push, &x);
    CHECK_INT(job2, 2);
    int before1 = x.pushes[1];
    WAIT_UNTIL(c, x.pushes[1] >= before1 + 3); /* three cycles of job 1 went by */
    CHECK_INT(x.pushes[2], 0);
    uint8_t w2[2] = {0x9A, 0xBC};
    CHECK_INT(s7_client_db_write(c, 1, 0, w2, 2), 0);
    WAIT_UNTIL(c, x.pushes[2] >= 1);
    CHECK_INT(x.pushes[2], 1);
    CHECK_INT(x.last[2][0], 0x9A);

    /* an async subscription: done tells the job number from the loop */
    uint8_t b3[2];
    s7_item as = it[0];
    as.buf = b3;
    int done_job = 0;
    CHECK_INT(
        s7_client_subscribe_async(c, &as, 1, 100, S7_CYC_TRANSFER, on_push, &x, on_done, &done_job),
        0);
    WAIT_UNTIL(c, done_job != 0 && x.pushes[3] >= 1);
    CHECK_INT(done_job, 3);
    CHECK(x.pushes[3] >= 1);
    CHECK_INT(b3[0], 0x9A);
    CHECK_INT(s7_client_unsubscribe(c, 3), 0);

    /* unsubscribe: no callback after it */
    CHECK_INT(s7_client_unsubscribe(c, job), 0);
    CHECK_INT(s7_client_unsubscribe(c, job2), 0);
    CHECK_INT(s7_client_unsubscribe(c, job2), S7_ERR_INVAL);
    int p1 = x.pushes[1], p2 = x.pushes[2];
    CHECK_INT(s7_client_db_write(c, 1, 0, w0, 2), 0);
    CHECK_INT(s7_client_wait(c, 400), 0);
    CHECK_INT(x.pushes[1], p1);
    CHECK_INT(x.pushes[2], p2);
    CHECK_INT(s7_client_subscriptions(c), 0);
    s7_server_stats st;
    s7_server_stats_get(v.s, &st, sizeof st);
    CHECK(st.pushes >= 4);
    s7_client_free(c);
    t_server_stop(&v);
}

static void test_refused(void)
{
    t_server v;
    int port = srv_start(&v, "s7-1500");
    s7_client *c = client(1);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", (uint16_t)port), 0);
    uint8_t b[2];
    s7_item it;
    memset(&it, 0, sizeof it);
    it.area = S7_AREA_DB;
    it.db = 1;
    it.count = 2;
    it.buf = b;
    seen x;
    memset(&x, 0, sizeof x);
    CHECK_INT(s7_client_subscribe(c, &it, 1, 500, S7_CYC_TRANSFER, on_push, &x), S7_ERR_PLC);
    CHECK_INT(s7_client_last_error(c)->code, 0x8104);
    CHECK_INT(s7_client_subscriptions(c), 0);
    CHECK_INT(s7_client_subscribe(c, &it, 1, 500, 3, on_push, &x), S7_ERR_INVAL);
    /* the connection is still good */
    int state;
    CHECK_INT(s7_client_cpu_state(c, &state), 0);
    s7_client_free(c);
    t_server_stop(&v);
}

int main(void)
{
    test_push();
    test_refused();
    return t_done();
}
