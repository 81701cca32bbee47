/* client/plancache.c against the CPU emulator served on loopback (PDU 240, so the items take
 * several requests): the same items read and written again and again carry the buffers'
 * current data each time and send exactly the requests a fresh plan encodes (only the PDU
 * reference differs); items changed in place, an invalid item, a merged read that needs a
 * second pass, bits merged with bytes, the same items over other buffers, one items array
 * queued twice at once and more arrays than the cache holds all give the results they give
 * without a cache; a write reply with one failed item among many is judged item by item.
 * An array marked fixed (client/fixed.h, as the exchange bridge marks its
 * jobs' arrays) reads the current bytes every time, and after a job on it that failed its
 * items are judged anew (their results are not the failed job's).  4-byte items with
 * buffers far apart and close together read and write their values, and their writes are
 * the bytes a fresh plan encodes. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client/fixed.h"
#include "s7/client.h"
#include "s7/conn.h"
#include "s7/cpu.h"
#include "s7/server.h"
#include "t.h"

#define NI 60 /* items of 2 bytes, 5 bytes apart in DB1 */

static void *serve(void *arg)
{
    s7_server_run(arg);
    return NULL;
}

/* The S7 PDUs the client sent, in order (a copy of the last 64). */
typedef struct sent {
    uint8_t pdu[64][240];
    size_t len[64];
    size_t n;
} sent;

static void tap(void *ctx, int out, const uint8_t *frame, size_t len)
{
    sent *s = ctx;
    if (!out || len <= S7_ISO_HDR_LEN || len - S7_ISO_HDR_LEN > sizeof s->pdu[0])
        return;
    size_t k = s->n++ % 64;
    memcpy(s->pdu[k], frame + S7_ISO_HDR_LEN, len - S7_ISO_HDR_LEN);
    s->len[k] = len - S7_ISO_HDR_LEN;
}

static void items_at(s7_item *it, size_t n, uint16_t db, uint32_t first, uint32_t step,
                     uint8_t (*bufs)[4])
{
    memset(it, 0, n * sizeof *it);
    for (size_t i = 0; i < n; i++) {
        it[i].area = S7_AREA_DB;
        it[i].db = db;
        it[i].start = first + (uint32_t)i * step;
        it[i].count = 2;
        it[i].buf = bufs[i];
    }
}

/* The last nreq PDUs sent equal what a fresh plan of items encodes, but for the reference. */
static int sent_as_planned(const sent *s, s7_item *items, size_t n, int write, uint16_t pdu,
                           int merge)
{
    s7_item copy[NI];
    memcpy(copy, items, n * sizeof *items);
    s7_plan p;
    int nreq = s7_plan_make(&p, copy, n, pdu, write, merge, 0);
    int ok = nreq > 0 && s->n >= (size_t)nreq;
    for (int r = 0; ok && r < nreq; r++) {
        uint8_t want[240];
        int len = s7_plan_encode(&p, copy, (uint32_t)r, write, want, sizeof want);
        size_t k = (s->n - (size_t)nreq + (size_t)r) % 64;
        ok = len > 6 && s->len[k] == (size_t)len && memcmp(s->pdu[k], want, 4) == 0 &&
             memcmp(s->pdu[k] + 6, want + 6, (size_t)len - 6) == 0;
    }
    s7_plan_free(&p);
    return ok;
}

static void on_done(s7_client *c, int rc, void *ud)
{
    (void)c;
    *(int *)ud = rc;
}

/* An array marked fixed: read again and again, then a read cut short by a close, then again
 * after a reconnect. */
static void fixed_items(s7_client *c, sent *s, uint16_t port, s7_cpu *cpu)
{
    static uint8_t fb[NI][4], db[NI * 5];
    s7_item f[NI];
    uint16_t pdu = s7_client_pdu(c);
    items_at(f, NI, 1, 0, 5, fb);
    CHECK_INT(s7__client_items_fixed(c, f), 0);
    CHECK_INT(s7__client_items_fixed(c, f), 0); /* twice: the same as once */
    for (int round = 0; round < 5; round++) {
        for (size_t i = 0; i < sizeof db; i++)
            db[i] = (uint8_t)(round * 13 + i);
        CHECK_INT(s7_client_db_write(c, 1, 0, db, sizeof db), 0);
        memset(fb, 0xEE, sizeof fb);
        CHECK_INT(s7_client_read(c, f, NI), 0);
        CHECK(sent_as_planned(s, f, NI, 0, pdu, 16));
        int same = 1;
        for (int i = 0; i < NI; i++)
            same &= f[i].status == 0 && f[i].rc == S7_RC_OK && fb[i][0] == db[5 * i] &&
                    fb[i][1] == db[5 * i + 1];
        CHECK(same);
    }
    /* the replies' shape (plancache.c learns it from the first reply that answers every
     * item fine) guards the copies: 7 items 40 bytes apart (not merged: one request of 7
     * items), read until the shape is known; then DB1 shown 100 bytes long: the items from
     * byte 100 on answered 0x05, the others still their bytes; shown whole again, all fine */
    static uint8_t sb[7][4];
    s7_item sp[7];
    items_at(sp, 7, 1, 0, 40, sb);
    for (int i = 0; i < 7; i++)
        sp[i].count = 4; /* 4-byte items: the copies of one size, kept compact */
    CHECK_INT(s7__client_items_fixed(c, sp), 0);
    for (int round = 0; round < 3; round++) {
        memset(sb, 0xEE, sizeof sb);
        CHECK_INT(s7_client_read(c, sp, 7), 0);
    }
    CHECK(memcmp(sb[2], db + 80, 4) == 0 && memcmp(sb[6], db + 240, 4) == 0);
    CHECK_INT(s7_cpu_set_db_shown(cpu, 1, 100), 0);
    memset(sb, 0xEE, sizeof sb);
    CHECK_INT(s7_client_read(c, sp, 7), S7_ERR_ITEM);
    int as_shown = 1;
    for (int i = 0; i < 7; i++)
        as_shown &= 40 * i < 100 ? sp[i].status == 0 && sp[i].rc == S7_RC_OK &&
                                       memcmp(sb[i], db + 40 * i, 4) == 0
                                 : sp[i].status != 0 && sp[i].rc == 0x05;
    CHECK(as_shown);
    CHECK_INT(s7_cpu_set_db_shown(cpu, 1, 300), 0);
    db[40 * 5] ^= 0x5A;
    CHECK_INT(s7_client_db_write(c, 1, 0, db, sizeof db), 0);
    memset(sb, 0xEE, sizeof sb);
    CHECK_INT(s7_client_read(c, sp, 7), 0);
    int whole = 1;
    for (int i = 0; i < 7; i++)
        whole &= sp[i].status == 0 && sp[i].rc == S7_RC_OK && memcmp(sb[i], db + 40 * i, 4) == 0;
    CHECK(whole);
    /* a read on it that the close fails: its items say so */
    int rc = 99;
    CHECK_INT(s7_client_read_async(c, f, NI, on_done, &rc), 0);
    s7_client_close(c);
    CHECK(rc < 0 && rc != 99);
    int failed = 0;
    for (int i = 0; i < NI; i++)
        failed += f[i].status != 0;
    CHECK(failed > 0);
    /* connected again (the same PDU: the cached plan is used): judged anew, all fine */
    CHECK_INT(s7_client_connect(c, "127.0.0.1", port), 0);
    CHECK_INT(s7_client_pdu(c), pdu);
    memset(fb, 0xEE, sizeof fb);
    CHECK_INT(s7_client_read(c, f, NI), 0);
    int fine = 1;
    for (int i = 0; i < NI; i++)
        fine &= f[i].status == 0 && f[i].rc == S7_RC_OK && fb[i][0] == db[5 * i];
    CHECK(fine);
    /* a read refused at once (not connected) marks its items too: after a reconnect they
     * are judged anew, not taken as the last fine job left them */
    s7_client_close(c);
    rc = 99;
    CHECK_INT(s7_client_read_async(c, f, NI, on_done, &rc), S7_ERR_NOTCONN);
    CHECK_INT(f[0].status, S7_ERR_NOTCONN);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", port), 0);
    CHECK_INT(s7_client_pdu(c), pdu);
    CHECK_INT(s7_client_read(c, f, NI), 0);
    fine = 1;
    for (int i = 0; i < NI; i++)
        fine &= f[i].status == 0 && f[i].rc == S7_RC_OK && fb[i][0] == db[5 * i];
    CHECK(fine);
}

static void body(s7_client *c, sent *s)
{
    static uint8_t wb[NI][4], rb[NI][4];
    s7_item w[NI], r[NI];
    uint16_t pdu = s7_client_pdu(c);
    CHECK_INT(pdu, 240);
    items_at(w, NI, 1, 0, 5, wb);
    items_at(r, NI, 1, 0, 5, rb);
    /* rounds of write then read of the same arrays: new data each round */
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < NI; i++) {
            wb[i][0] = (uint8_t)(round * 31 + i);
            wb[i][1] = (uint8_t)(round * 7 + 2 * i + 1);
        }
        memset(rb, 0xEE, sizeof rb);
        CHECK_INT(s7_client_write(c, w, NI), 0);
        CHECK(sent_as_planned(s, w, NI, 1, pdu, -1));
        CHECK_INT(s7_client_read(c, r, NI), 0);
        CHECK(sent_as_planned(s, r, NI, 0, pdu, 16));
        int same = 1;
        for (int i = 0; i < NI; i++)
            same &= r[i].status == 0 && r[i].rc == S7_RC_OK && rb[i][0] == wb[i][0] &&
                    rb[i][1] == wb[i][1];
        CHECK(same);
    }
    /* the same array asking for other bytes: one byte further on, then a whole other DB area */
    for (int i = 0; i < NI; i++)
        r[i].start += 1;
    CHECK_INT(s7_client_read(c, r, NI), 0);
    int same = 1;
    for (int i = 0; i < NI; i++)
        same &= rb[i][0] == wb[i][1] && rb[i][1] == 0; /* byte 5i+2: never written */
    CHECK(same);
    CHECK(sent_as_planned(s, r, NI, 0, pdu, 16));
    for (int i = 0; i < NI; i++) {
        r[i].start -= 1;
        r[i].count = 1;
    }
    memset(rb, 0xEE, sizeof rb);
    CHECK_INT(s7_client_read(c, r, NI), 0);
    same = 1;
    for (int i = 0; i < NI; i++)
        same &= rb[i][0] == wb[i][0] && rb[i][1] == 0xEE;
    CHECK(same);
    for (int i = 0; i < NI; i++)
        r[i].count = 2;

    /* an invalid item (count 0): refused before sending, every time; then fixed */
    for (int round = 0; round < 2; round++) {
        r[3].count = 0;
        CHECK_INT(s7_client_read(c, r, NI), S7_ERR_ITEM);
        CHECK_INT(r[3].status, S7_ERR_INVAL);
        CHECK(r[2].status == 0 && r[4].status == 0 && rb[4][0] == wb[4][0]);
    }
    r[3].count = 2;
    memset(rb, 0xEE, sizeof rb);
    CHECK_INT(s7_client_read(c, r, NI), 0);
    CHECK(r[3].status == 0 && rb[3][0] == wb[3][0] && rb[3][1] == wb[3][1]);

    /* a merged read past DB2's end (40 bytes): the failing range is read again item by item,
     * the same each time; then every item inside the DB */
    static uint8_t b2[3][4];
    s7_item m[3];
    items_at(m, 3, 2, 30, 4, b2);
    m[2].start = 39; /* 39..40: one byte past the end */
    for (int round = 0; round < 3; round++) {
        CHECK_INT(s7_client_read(c, m, 3), S7_ERR_ITEM);
        CHECK(m[0].status == 0 && m[1].status == 0);
        CHECK(m[2].status == S7_ERR_ITEM && m[2].rc == S7_RC_ADDR_OUT_OF_RANGE);
    }
    m[2].start = 38;
    CHECK_INT(s7_client_read(c, m, 3), 0);
    CHECK(m[0].status == 0 && m[1].status == 0 && m[2].status == 0);

    /* bits and bytes in one merged range read again and again (from the second read on
     * through the entry's kept copies): each read takes the DB's current bits and bytes;
     * then the same items over other buffers: the data land in those, not the old ones */
    static uint8_t xb[4][4], xb2[4][4];
    s7_item x[4];
    items_at(x, 4, 2, 0, 1, xb);
    x[2].start = 2;
    x[1].start = 1;
    x[1].ts = S7_TS_BIT;
    x[1].count = 1;
    x[1].bit = 3; /* DB2.DBX1.3 */
    x[3].start = 3;
    x[3].ts = S7_TS_BIT;
    x[3].count = 1; /* DB2.DBX3.0 */
    const uint8_t pat[2][4] = {{0xA5, 0x08, 0x5A, 0x01}, {0x11, 0xF7, 0x22, 0xFE}};
    for (int round = 0; round < 4; round++) {
        const uint8_t *p = pat[round & 1];
        CHECK_INT(s7_client_db_write(c, 2, 0, p, 4), 0);
        memset(xb, 0xEE, sizeof xb);
        CHECK_INT(s7_client_read(c, x, 4), 0);
        CHECK(xb[0][0] == p[0] && xb[0][1] == p[1] && xb[2][0] == p[2] && xb[2][1] == p[3]);
        CHECK_INT(xb[1][0], (p[1] >> 3) & 1);
        CHECK_INT(xb[3][0], p[3] & 1);
    }
    memset(xb, 0xEE, sizeof xb);
    memset(xb2, 0xEE, sizeof xb2);
    for (int i = 0; i < 4; i++)
        x[i].buf = xb2[i];
    CHECK_INT(s7_client_read(c, x, 4), 0);
    CHECK(xb2[0][0] == pat[1][0] && xb2[2][1] == pat[1][3] && xb2[1][0] == 0 && xb2[3][0] == 0);
    CHECK(xb[0][0] == 0xEE && xb[1][0] == 0xEE && xb[2][0] == 0xEE && xb[3][0] == 0xEE);
    /* a write of the same items over other buffers sends those buffers' bytes */
    static uint8_t yb[2][4] = {{1, 2}, {3, 4}}, yb2[2][4] = {{5, 6}, {7, 8}};
    s7_item y[2];
    items_at(y, 2, 2, 4, 3, yb);
    uint8_t back[5];
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 2; i++)
            y[i].buf = round == 1 ? yb2[i] : yb[i];
        CHECK_INT(s7_client_write(c, y, 2), 0);
        CHECK_INT(s7_client_db_read(c, 2, 4, back, 5), 0);
        const uint8_t(*want)[4] = round == 1 ? yb2 : yb;
        CHECK(back[0] == want[0][0] && back[1] == want[0][1] && back[3] == want[1][0] &&
              back[4] == want[1][1]);
    }

    /* a write of 12 items, planned and templated, whose reply carries one failed item: at
     * index 3 (among the eight return codes the hot path checks as one word) and at index 11
     * (among the last four, checked one by one); the general path judges every item, the
     * others are written all the same; then the item is fixed and the write is clean again */
    static uint8_t vb[12][4];
    s7_item v[12];
    items_at(v, 12, 2, 0, 3, vb); /* DB2.DBB0, 3, ... 33 (2 bytes each) */
    for (int i = 0; i < 12; i++)
        vb[i][0] = (uint8_t)(0x40 + i);
    for (int round = 0; round < 3; round++)
        CHECK_INT(s7_client_write(c, v, 12), 0);
    for (int bad = 3; bad < 12; bad += 8) { /* index 3 in the first eight, 11 in the rest */
        v[bad].start = 39;                  /* 39..40: one byte past DB2's end */
        for (int round = 0; round < 2; round++) {
            vb[0][0] = (uint8_t)(0x60 + bad + round);
            CHECK_INT(s7_client_write(c, v, 12), S7_ERR_ITEM);
            CHECK(v[bad].status == S7_ERR_ITEM && v[bad].rc == S7_RC_ADDR_OUT_OF_RANGE);
            int others = 1;
            for (int i = 0; i < 12; i++)
                others &= i == bad || (v[i].status == 0 && v[i].rc == S7_RC_OK);
            CHECK(others);
            CHECK_INT(s7_client_db_read(c, 2, 0, back, 1), 0);
            CHECK_INT(back[0], 0x60 + bad + round); /* item 0 written all the same */
        }
        v[bad].start = (uint32_t)bad * 3;
        CHECK_INT(s7_client_write(c, v, 12), 0);
        CHECK(v[bad].status == 0 && v[bad].rc == S7_RC_OK);
    }

    /* one array queued twice at once: both answered in full */
    int rc1 = 99, rc2 = 99;
    memset(rb, 0xEE, sizeof rb);
    CHECK_INT(s7_client_read_async(c, r, NI, on_done, &rc1), 0);
    CHECK_INT(s7_client_read_async(c, r, NI, on_done, &rc2), 0);
    for (int k = 0; k < 200 && (rc1 == 99 || rc2 == 99); k++) {
        s7_multi *mu = s7_multi_new();
        s7_multi_add(mu, c);
        s7_multi_run(mu, 100);
        s7_multi_free(mu);
    }
    CHECK(rc1 == 0 && rc2 == 0);
    CHECK(rb[NI - 1][0] == wb[NI - 1][0] && rb[NI - 1][1] == wb[NI - 1][1]);

    /* more arrays than the cache holds, in turn, twice: each reads its own bytes */
    enum { NA = 24 };
    static uint8_t ab[NA][2][4];
    static s7_item a[NA][2];
    for (int round = 0; round < 2; round++) {
        int ok = 1;
        for (int k = 0; k < NA; k++) {
            if (round == 0)
                items_at(a[k], 2, 1, (uint32_t)(5 * k), 5, ab[k]);
            memset(ab[k], 0xEE, sizeof ab[k]);
            ok &= s7_client_read(c, a[k], 2) == 0 && ab[k][0][0] == wb[k][0] &&
                  ab[k][1][0] == wb[k + 1][0];
        }
        CHECK(ok);
    }
}

/* 4-byte items whose buffers lie far apart (more than 64 KiB: the copies kept in 8 bytes
 * each, not 4) and close together (4 bytes each), each read and written again and again in
 * requests of their own: every value arrives where it belongs. */
static void spread_items(s7_client *c, sent *s, s7_cpu *cpu)
{
    static uint8_t far[3 * 70000];
    static uint8_t near[3][4];
    uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, 1, NULL);
    static s7_item arrays[2][3]; /* two arrays: a fixed one's items never change */
    for (int wide = 0; wide < 2; wide++) {
        s7_item *it = arrays[wide];
        for (int i = 0; i < 3; i++) {
            it[i].area = S7_AREA_DB;
            it[i].db = 1;
            it[i].start = 200 + (uint32_t)i * 12; /* not merged: 8 bytes between them */
            it[i].count = 4;
            it[i].buf = wide ? far + i * 70000 : near[i];
        }
        CHECK_INT(s7__client_items_fixed(c, it), 0);
        int ok = 1;
        for (int round = 0; round < 4; round++) {
            for (int i = 0; i < 12 * 3; i++)
                m[200 + i] = (uint8_t)(round * 5 + i + 40 * wide);
            CHECK_INT(s7_client_read(c, it, 3), 0);
            for (int i = 0; i < 3; i++) {
                uint8_t *b = it[i].buf;
                ok &= memcmp(b, m + 200 + 12 * i, 4) == 0;
                for (int k = 0; k < 4; k++)
                    b[k] = (uint8_t)~b[k]; /* written back inverted */
            }
            CHECK_INT(s7_client_write(c, it, 3), 0);
            /* the request byte for byte as a fresh plan encodes it (a write of tags of one
             * type is built from the template's head, then header and value per tag) */
            ok &= sent_as_planned(s, it, 3, 1, s7_client_pdu(c), -1);
            for (int i = 0; i < 3; i++) {
                uint8_t *b = it[i].buf;
                for (int k = 0; k < 4; k++)
                    ok &= m[200 + 12 * i + k] == b[k];
            }
        }
        CHECK(ok);
    }
}

int main(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    CHECK_INT(s7_cpu_add_db(cpu, 1, 300, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 2, 40, 0), 0);
    s7_cpu_set_put_get(cpu, 1);
    s7_server_opts o;
    s7_server_opts_init(&o);
    o.listen = "127.0.0.1:0";
    s7_server *srv = s7_server_new(cpu, &o);
    pthread_t th;
    if (!srv || s7_server_start(srv) != 0 || pthread_create(&th, NULL, serve, srv) != 0) {
        CHECK(!"the emulator on loopback started");
        return t_done();
    }
    sent *s = calloc(1, sizeof *s);
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.pdu_request = 240;
    co.tap = tap;
    co.log_ctx = s;
    s7_client *c = s7_client_new(&co);
    CHECK_INT(s7_client_connect(c, "127.0.0.1", s7_server_port(srv)), 0);
    body(c, s);
    fixed_items(c, s, s7_server_port(srv), cpu);
    spread_items(c, s, cpu);
    s7_client_free(c);
    free(s);
    s7_server_stop(srv);
    pthread_join(th, NULL);
    s7_server_free(srv);
    s7_cpu_free(cpu);
    return t_done();
}
