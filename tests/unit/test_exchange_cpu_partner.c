/* Unit tests of the emulator's partner jobs (exchange/cpu_partner.c): two emulated CPUs on
 * loopback, one with BSEND/USEND jobs on an active connection, the other with BRCV/URCV jobs
 * on a passive one: a 65,534-byte DB sent on a REQ edge lands in the partner's DB byte for
 * byte, DONE/NDR/ERROR/STATUS in local memory as a program would read them (held from the
 * last completed run while the next is under way; a trigger meanwhile counted), a cyclic USEND, a block longer than the receive area
 * (ERROR, STATUS 4), the sender's CPU in STOP (no job called) and back in RUN, and the
 * partner gone (ERROR, STATUS 1). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "s7/cpu.h"
#include "s7/exchange_partner.h"
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

#define RUN_UNTIL(cond)                                                        \
    do {                                                                       \
        int64_t end_ = s7_now_ms() + 5000;                                     \
        for (int i_ = 0; i_ < 100000 && !(cond) && s7_now_ms() < end_; i_++) { \
            s7_xpartner_run_once(ea, 1);                                       \
            if (eb)                                                            \
                s7_xpartner_run_once(eb, 1);                                   \
        }                                                                      \
    } while (0)

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
    s7_xpartner *eb = s7_xpartner_new(b, &xb, "127.0.0.1");
    CHECK(eb != NULL);
    CHECK_INT(s7_xpartner_njobs(eb), 3);
    /* port 0: the kernel picks one */
    char err[200];
    CHECK_INT(s7_xpartner_start(eb, err, sizeof err), 0);

    /* A: the active side */
    s7_exchange xa;
    s7_exchange_init(&xa);
    s7_xconn_init(&c);
    c.id = 1;
    snprintf(c.host, sizeof c.host, "127.0.0.1");
    c.port = s7_xpartner_port(eb, 1);
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
    CHECK_INT(s7_xpartner_start(ea, err, sizeof err), 0);

    /* REQ edge: the whole DB goes; the outputs hold until it is done, then DONE */
    RUN_UNTIL(bit(b, 9, 1)); /* the cyclic USEND arrives once linked */
    CHECK_INT(bit(b, 9, 1), 1);
    CHECK(memcmp(db(b, 30), db(a, 10), 100) == 0);
    CHECK_INT(word(b, 100 + 18), 0);
    set_bit(a, 0, 0, 1);
    s7_xpartner_run_once(ea, 0);
    CHECK_INT(word(a, 110), 0);
    CHECK_INT(bit(a, 5, 1), 0); /* nothing completed yet */
    RUN_UNTIL(bit(a, 5, 1) && bit(b, 5, 1));
    CHECK_INT(bit(a, 5, 1), 1); /* DONE */
    CHECK_INT(bit(a, 5, 2), 0);
    CHECK_INT(word(a, 110), 0);
    CHECK_INT(bit(b, 5, 1), 1); /* NDR */
    CHECK_INT(word(b, 110), 0);
    CHECK(memcmp(db(b, 20), db(a, 10), S7_BSEND_MAX) == 0);
    s7_partner_status st;
    CHECK_INT(s7_xpartner_state(eb, 0, &st), 0);
    CHECK_INT(st.len, S7_BSEND_MAX);
    CHECK_INT(st.count, 1);

    /* triggered again while under way: the running job goes on, the outputs hold DONE */
    set_bit(a, 0, 0, 0);
    s7_xpartner_run_once(ea, 0);
    db(a, 10)[0] ^= 0xFF;
    set_bit(a, 0, 0, 1);
    s7_xpartner_run_once(ea, 0);
    set_bit(a, 0, 0, 0);
    s7_xpartner_run_once(ea, 0);
    set_bit(a, 0, 0, 1);
    s7_xpartner_run_once(ea, 0);
    CHECK_INT(word(a, 110), 0);
    CHECK_INT(bit(a, 5, 1), 1);
    CHECK_INT(s7_xpartner_state(ea, 0, &st), 0);
    RUN_UNTIL((s7_xpartner_state(eb, 0, &st), st.count == 2));
    CHECK_INT(db(b, 20)[0], db(a, 10)[0]);

    /* a block longer than the receive area: the BRCV reports ERROR, STATUS 4 */
    set_bit(a, 0, 3, 1);
    RUN_UNTIL(bit(b, 6, 2));
    CHECK_INT(bit(b, 6, 2), 1);
    CHECK_INT(word(b, 112), 4);
    CHECK_INT(bit(b, 6, 1), 0);

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
    s7_xpartner_run_once(ea, 0);
    set_bit(a, 0, 0, 1);
    RUN_UNTIL(bit(a, 5, 2));
    CHECK_INT(bit(a, 5, 2), 1);
    CHECK_INT(word(a, 110), 1);

    s7_xpartner_free(ea);
    s7_exchange_free(&xa);
    s7_exchange_free(&xb);
    s7_cpu_free(a);
    s7_cpu_free(b);
    return t_done();
}
