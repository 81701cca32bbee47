/* Unit tests for exchange/simulate.c: a small plant (an HMI and a line PLC polling two
 * machine PLCs) simulated on loopback addresses: which partners become CPUs, DBs sized to
 * the documented ranges, every CPU listening on its own address, the exchanges done at
 * their cycle (a PUT without a cycle once), CPU faults seen by the exchanges and cleared,
 * an override, an emulated CPU's own connections counted against its budget; the first
 * scenario again with the poll backend of the loops (S7_USE_POLL=1). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/sim_int.h"
#include "s7/client.h"
#include "s7/exchange_sim.h"
#include "s7/plant.h"
#include "s7/wire.h"
#include "t.h"

/* A partner of p in cell "line" (profile NULL: none). */
static s7_plant_partner *add_pt(s7_plant *p, const char *name, const char *addr, int kind,
                                const char *profile, unsigned slot)
{
    s7_plant_partner *pt = s7_plant_add_partner(p, name);
    s7_plant_partner_set_address(pt, addr);
    s7_plant_partner_set_cell(pt, "line");
    pt->kind = kind;
    if (profile)
        s7_plant_partner_set_profile(pt, profile, 0, slot, 0);
    return pt;
}

static s7_plant *plant(void)
{
    s7_plant *p = s7_plant_new();
    char err[256];
    s7_plant_set_file(p, "sim.yaml");
    s7_plant_partner *pt = s7_plant_add_partner(p, "hmi");
    s7_plant_partner_set_address(pt, "10.0.0.20");
    s7_plant_partner_set_cell(pt, "line");
    pt->kind = S7_PLANT_KIND_HMI;
    pt = s7_plant_add_partner(p, "plc-line");
    s7_plant_partner_set_address(pt, "10.0.0.10");
    s7_plant_partner_set_cell(pt, "line");
    pt->kind = S7_PLANT_KIND_PLC;
    s7_plant_partner_set_profile(pt, "s7-1500", 0, 1, 0);
    pt = s7_plant_add_partner(p, "plc-m1");
    s7_plant_partner_set_address(pt, "10.0.1.10");
    s7_plant_partner_set_cell(pt, "machines");
    s7_plant_partner_set_profile(pt, "s7-300", 0, 2, 0);
    pt = s7_plant_add_partner(p, "plc-m2");
    s7_plant_partner_set_address(pt, "10.0.1.11");
    s7_plant_partner_set_cell(pt, "machines");
    s7_plant_partner_set_profile(pt, "s7-1200", 0, 1, 0);
    s7_plant_conn *c = s7_plant_add_conn(p, "hmi-line", "hmi", "plc-line");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 64);
    s7_plant_exchange_add_range(e, S7_AREA_M, 0, 2000, 16); /* M grown past 1024 */
    c = s7_plant_add_conn(p, "line-m1", "plc-line", "plc-m1");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50), S7_AREA_DB, 20, 0,
                                32);
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_PUT, 0), S7_AREA_DB, 21, 4,
                                8);
    c = s7_plant_add_conn(p, "line-m2", "plc-line", "plc-m2");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50), S7_AREA_DB, 20,
                                100, 20);
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50), S7_AREA_DB, 20, 0,
                                10);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    return p;
}

/* Runs the loop until every exchange has as many done (want_ok) or failed (!want_ok) as
 * asked, at most 5 s of turns. */
static int run_until(s7_sim *s, int want_ok, size_t ex, uint64_t n)
{
    for (int i = 0; i < 500; i++) {
        s7_sim_ex_state st;
        if (s7_sim_run_once(s, 10) < 0)
            return 0;
        if (s7_sim_ex_get(s, ex, &st) == 0 && (want_ok ? st.ok : st.err) >= n)
            return 1;
    }
    return 0;
}

static void test_cpus_and_exchanges(void)
{
    s7_plant *p = plant();
    char err[300];
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.3.0";
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    if (!s) {
        fprintf(stderr, "%s\n", err);
        s7_plant_free(p);
        return;
    }
    /* the HMI connects only: no CPU; the line PLC is a plc (and passive): a CPU */
    CHECK(s7_sim_cpu(s, "hmi") == NULL);
    CHECK(s7_sim_cpu(s, "plc-line") != NULL);
    uint32_t sz = 0;
    CHECK(s7_cpu_mem(s7_sim_cpu(s, "plc-m2"), S7_AREA_DB, 20, &sz) != NULL);
    CHECK_INT(sz, 120); /* the larger of the two ranges on DB20 */
    CHECK(s7_cpu_mem(s7_sim_cpu(s, "plc-m1"), S7_AREA_DB, 21, &sz) != NULL);
    CHECK_INT(sz, 12);
    CHECK(s7_cpu_mem(s7_sim_cpu(s, "plc-line"), S7_AREA_M, 0, &sz) != NULL);
    CHECK_INT(sz, 2016);
    CHECK_INT(s7_cpu_put_get(s7_sim_cpu(s, "plc-m2")),
              1); /* on, though the 1200's default is off */
    CHECK_INT(s7_sim_nex(s), 5);
    /* plc-line's exchanges are its GET/PUT jobs: their status words and areas in DB9000,
     * one block per job (STATUS +0, NDR/DONE +2.0, ERROR +2.1, REQ +2.2, areas from +4):
     * line-m1#1 at 0 (32 bytes), line-m1#2 at 36 (8), line-m2#1 at 48 (20), line-m2#2 at 72 */
    uint8_t *jd = s7_cpu_mem(s7_sim_cpu(s, "plc-line"), S7_AREA_DB, 9000, &sz);
    CHECK(jd != NULL);
    CHECK_INT(sz, 86);
    uint8_t *m1db20 = s7_cpu_mem(s7_sim_cpu(s, "plc-m1"), S7_AREA_DB, 20, NULL);
    uint8_t *m1db21 = s7_cpu_mem(s7_sim_cpu(s, "plc-m1"), S7_AREA_DB, 21, NULL);
    if (!jd || !m1db20 || !m1db21) {
        s7_sim_free(s);
        s7_plant_free(p);
        return;
    }
    CHECK_INT(jd[38], 0x04); /* the PUT without a cycle: its REQ set, it runs once */
    memcpy(m1db20, "\x11\x22\x33", 3);
    memcpy(jd + 40, "ABCDEFGH", 8); /* SD_1 of the PUT */

    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    size_t cpus = 0, listening = 0, up = 0;
    s7_sim_counts(s, &cpus, &listening, &up);
    CHECK_INT(cpus, 3);
    CHECK_INT(listening, 3);
    uint16_t port = 0;
    CHECK_STR(s7_sim_address(s, 0, &port), "127.78.3.1");
    CHECK_INT(port, 0);
    CHECK_STR(s7_sim_address(s, 2, &port), "127.78.3.3");
    CHECK(port != 0);

    /* the PUT (no cycle) runs once: what it wrote is what plc-m1's DB21 holds */
    s7_sim_ex_state st;
    CHECK(run_until(s, 1, 2, 1));
    CHECK(run_until(s, 1, 1, 3)); /* the 50 ms GET, three times */
    CHECK(run_until(s, 1, 4, 3));
    CHECK_INT(s7_sim_ex_get(s, 2, &st), 0);
    CHECK_INT(st.ok, 1);
    CHECK_INT(st.err, 0);
    CHECK_INT(st.conn, 1);
    CHECK_INT(st.ex, 1);
    CHECK(st.up);
    s7_sim_counts(s, NULL, NULL, &up);
    CHECK_INT(up, 3);
    CHECK(s7_sim_ex_get(s, 5, &st) < 0);
    /* what the jobs moved and their outputs: STATUS 0, NDR / DONE set, ERROR clear */
    CHECK(memcmp(jd + 4, "\x11\x22\x33", 3) == 0);
    CHECK(memcmp(m1db21 + 4, "ABCDEFGH", 8) == 0);
    CHECK_INT(jd[0] << 8 | jd[1], 0);
    CHECK_INT(jd[2], 0x01);
    CHECK_INT(jd[38] & 0x03, 0x01);
    CHECK_INT(jd[48] << 8 | jd[49], 0);

    /* a fault: plc-m2 refuses PUT/GET; its exchanges fail with the PLC's code, the others
     * go on */
    s7_sim_fault f;
    CHECK_INT(s7_sim_fault_parse(p, "plc-m2:put_get_off", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK(run_until(s, 0, 3, 1));
    CHECK_INT(s7_sim_ex_get(s, 3, &st), 0);
    CHECK_STR(st.last_err, "1/2 put_get_disabled: PUT_GET_NOT_PERMITTED (0x8104)");
    CHECK_INT(st.last_rc, S7_ERR_PLC);
    /* the job's outputs on plc-line: STATUS 2, ERROR set (as the instruction reports 1/2) */
    CHECK_INT(jd[48] << 8 | jd[49], 2);
    CHECK_INT(jd[50] & 0x03, 0x02);
    CHECK_INT(jd[0] << 8 | jd[1], 0); /* line-m1's job goes on */
    uint64_t before = 0;
    s7_sim_ex_get(s, 1, &st);
    before = st.ok;
    CHECK(run_until(s, 1, 1, before + 2));
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    s7_sim_ex_get(s, 3, &st);
    CHECK(run_until(s, 1, 3, st.ok + 1));
    s7_sim_ex_get(s, 3, &st);
    CHECK_INT(st.last_rc, 0);
    CHECK_INT(jd[48] << 8 | jd[49], 0);

    /* DB20 of plc-m1 made optimized: an item error */
    CHECK_INT(s7_sim_fault_parse(p, "plc-m1:optimized:DB20", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK(s7_cpu_db_flags(s7_sim_cpu(s, "plc-m1"), 20) & S7_DB_OPTIMIZED);
    s7_sim_ex_get(s, 1, &st);
    CHECK(run_until(s, 0, 1, st.err + 1));
    s7_sim_ex_get(s, 1, &st);
    CHECK_INT(st.last_rc, S7_ERR_ITEM);
    CHECK(strncmp(st.last_err, "1/8 address_out_of_range: ", 26) == 0);
    CHECK(strstr(st.last_err, "0x05") != NULL);
    CHECK_INT(jd[0] << 8 | jd[1], 8);
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK_INT(s7_cpu_db_flags(s7_sim_cpu(s, "plc-m1"), 20), 0);

    s7_sim_free(s);
    s7_plant_free(p);
}

/* An override: what the replacement CPU has is kept (a DB shorter than documented stays
 * short), what it lacks of the documented DBs is added. */
static void test_replace(void)
{
    s7_plant *p = plant();
    char err[300];
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    s7_cpu *c = s7_cpu_new(s7_profile_find("s7-300"));
    CHECK_INT(s7_cpu_add_db(c, 20, 16, 0), 0);
    CHECK_INT(s7_sim_replace_cpu(s, "plc-m1", c, err, sizeof err), 0);
    CHECK(s7_sim_cpu(s, "plc-m1") == c);
    uint32_t sz = 0;
    CHECK(s7_cpu_mem(c, S7_AREA_DB, 20, &sz) != NULL);
    CHECK_INT(sz, 16);
    CHECK(s7_cpu_mem(c, S7_AREA_DB, 21, &sz) != NULL);
    CHECK_INT(sz, 12);
    CHECK(s7_sim_replace_cpu(s, "hmi", s7_cpu_new(s7_profile_find("s7-300")), err, sizeof err) < 0);
    CHECK(strstr(err, "hmi: not an emulated CPU") != NULL);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    CHECK(s7_sim_replace_cpu(s, "plc-m1", s7_cpu_new(s7_profile_find("s7-300")), err, sizeof err) <
          0);
    CHECK(strstr(err, "runs already") != NULL);
    s7_sim_free(s);
    s7_plant_free(p);
}

/* An emulated CPU's active connections take its own connection resources: with none left
 * its exchanges report 1/20, the HMI's (not a CPU) are refused by the CPU's CR check; once
 * cleared all run, the one without a cycle too. */
static void test_active_budget(void)
{
    s7_plant *p = plant();
    char err[300];
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.4.0";
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    s7_sim_fault f;
    CHECK_INT(s7_sim_fault_parse(p, "plc-line:budget", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    s7_sim_ex_state st;
    CHECK(run_until(s, 0, 1, 1));
    CHECK_INT(s7_sim_ex_get(s, 1, &st), 0);
    CHECK(strncmp(st.last_err, "1/20 no_connection_resource: ", 29) == 0);
    CHECK(strstr(st.last_err, "connection resources are used up (connection ") != NULL);
    CHECK_INT(s7_cpu_mem(s7_sim_cpu(s, "plc-line"), S7_AREA_DB, 9000, NULL)[1], 20);
    CHECK(run_until(s, 0, 0, 1));
    s7_sim_ex_get(s, 0, &st);
    CHECK_STR(st.last_err, "1/1 connection_rejected: connect: peer closed the connection after the "
                           "COTP connection request");
    /* cleared: both come up (retried every second) */
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK(run_until(s, 1, 1, 1));
    CHECK(run_until(s, 1, 0, 1));
    /* the PUT without a cycle too, though it failed 1/20 at the start */
    CHECK(run_until(s, 1, 2, 1));
    s7_sim_free(s);
    s7_plant_free(p);
}

/* CPU:port_closed from the start on loopback: the jobs of the CPU's partners dial the port
 * it got (nothing listens on it yet), so that they connect once the fault is cleared (they
 * dialled port 102 and never did); the job without a cycle, which failed at the start,
 * runs again once its connection is set up (it stayed 1/1 partner_down). */
static void test_closed_at_start(void)
{
    s7_plant *p = plant();
    char err[300];
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.5.0";
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    s7_sim_fault f;
    CHECK_INT(s7_sim_fault_parse(p, "plc-m1:port_closed", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    CHECK(run_until(s, 0, 1, 1)); /* plc-line's GET from plc-m1 fails */
    CHECK(run_until(s, 0, 2, 1)); /* and its PUT without a cycle, once */
    CHECK(run_until(s, 1, 3, 1)); /* the one from plc-m2 runs */
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK(run_until(s, 1, 1, 1));
    /* the PUT without a cycle runs again once its connection is set up (it stayed 1/1) */
    CHECK(run_until(s, 1, 2, 1));
    s7_sim_ex_state st;
    CHECK_INT(s7_sim_ex_get(s, 2, &st), 0);
    CHECK(st.up);
    CHECK_INT(st.ok, 1);
    CHECK_INT(st.err, 1);
    /* and only once: not again while the connection stays up */
    for (int i = 0; i < 30; i++)
        s7_sim_run_once(s, 10);
    CHECK_INT(s7_sim_ex_get(s, 2, &st), 0);
    CHECK_INT(st.ok, 1);
    s7_sim_free(s);
    s7_plant_free(p);
}

/* A fault that leaves the connection up (CPU:put_get_off) fails an exchange without a cycle
 * once; when it is cleared the exchange runs again, once, as a program raises REQ again
 * once the cause is gone: the HMI's polled PUT and plc-line's PUT job both (they stayed
 * 1/2 for good: nothing set their connections up again). */
static void test_event_after_clear(void)
{
    s7_plant *p = plant();
    char err[300];
    s7_plant_exchange *e = s7_plant_conn_add_exchange(&p->conns[0], S7_PLANT_PUT, 0);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 11, 0, 16);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.6.0";
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    s7_sim_fault fl, fm;
    CHECK_INT(s7_sim_fault_parse(p, "plc-line:put_get_off", &fl, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_parse(p, "plc-m1:put_get_off", &fm, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &fl, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &fm, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    s7_sim_ex_state st;
    CHECK(run_until(s, 0, 1, 1)); /* the HMI's PUT without a cycle: 1/2 */
    CHECK(run_until(s, 0, 3, 1)); /* plc-line's PUT job without a cycle: 1/2 */
    CHECK_INT(s7_sim_ex_get(s, 3, &st), 0);
    CHECK(strncmp(st.last_err, "1/2 put_get_disabled", 20) == 0);
    CHECK(st.up);
    /* cleared in the other order than set: plc-m1 first, then plc-line */
    CHECK_INT(s7_sim_fault_set(s, &fm, 0, err, sizeof err), 0);
    CHECK(run_until(s, 1, 3, 1));
    CHECK_INT(s7_sim_ex_get(s, 1, &st), 0);
    CHECK_INT(st.ok, 0); /* plc-line's PUT/GET is still off: the HMI's PUT is not run */
    CHECK_INT(s7_sim_fault_set(s, &fl, 0, err, sizeof err), 0);
    CHECK(run_until(s, 1, 1, 1));
    /* once each, not again while the connections stay up */
    for (int i = 0; i < 30; i++)
        s7_sim_run_once(s, 10);
    CHECK_INT(s7_sim_ex_get(s, 1, &st), 0);
    CHECK_INT(st.ok, 1);
    CHECK_INT(st.err, 1);
    CHECK_INT(s7_sim_ex_get(s, 3, &st), 0);
    CHECK_INT(st.ok, 1);
    CHECK_INT(st.err, 1);
    s7_sim_free(s);
    s7_plant_free(p);
}

static void test_refusals(void)
{
    s7_plant *p = plant();
    char err[300];
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "10.0.0.0";
    CHECK(s7_sim_new(p, &o, err, sizeof err) == NULL);
    CHECK(strstr(err, "loopback base '10.0.0.0'") != NULL);
    /* an unknown profile is named */
    s7_plant_partner_set_profile(&p->partners[2], "s7-999", 0, 2, 0);
    o.loopback_base = NULL;
    CHECK(s7_sim_new(p, &o, err, sizeof err) == NULL);
    CHECK(strstr(err, "partner plc-m1: profile 's7-999'") != NULL);
    s7_plant_free(p);

    /* the run loop refuses before the start */
    p = plant();
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    CHECK_INT(s7_sim_run_once(s, 0), S7_ERR_STATE);
    s7_sim_free(s);
    s7_sim_free(NULL);
    s7_plant_free(p);
}

/* The log line of a job connection set up: "... set up (PDU N)". */
static void pdu_log(void *ctx, int level, const char *msg)
{
    (void)level;
    const char *a = strstr(msg, "set up (PDU ");
    if (a)
        *(unsigned *)ctx = (unsigned)atoi(a + 12);
}

/* An override of another PDU: a CPU's jobs ask the PDU of the CPU that runs them and get
 * the smaller of that and their partner's, so a replacement that negotiates less (an
 * S7-300 in place of a documented S7-1500, or pdu: in its file) is planned again: the jobs
 * ask its PDU, and one that would no longer fit is refused as the loader refuses it (not
 * run with a PDU the CPU cannot negotiate). */
static void test_replace_pdu(void)
{
    s7_plant *p = s7_plant_new();
    char err[600];
    s7_plant_set_file(p, "pdu.yaml");
    const char *names[] = {"plc-a", "plc-b"};
    for (int i = 0; i < 2; i++)
        add_pt(p, names[i], i ? "10.0.0.11" : "10.0.0.10", S7_PLANT_KIND_PLC, "s7-1500", 1);
    s7_plant_conn *c = s7_plant_add_conn(p, "a-b", "plc-a", "plc-b");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50), S7_AREA_DB, 20, 0,
                                300);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    unsigned pdu = 0;
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.log = pdu_log;
    o.log_ctx = &pdu;
    /* an S7-300 (PDU 240) in place of either CPU: the 300-byte GET needs 318 */
    for (int i = 0; i < 2; i++) {
        s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
        CHECK(s != NULL);
        CHECK(s7_sim_replace_cpu(s, names[i], s7_cpu_new(s7_profile_find("s7-300")), err,
                                 sizeof err) < 0);
        CHECK(strstr(err, "negotiate 240 for connection a-b") != NULL);
        CHECK(strstr(err, "needs 318") != NULL);
        CHECK(strstr(err, "pdu.yaml") != NULL);
        CHECK(s7_sim_cpu(s, names[i]) != NULL); /* the documented CPU is kept */
        s7_sim_free(s);
    }
    /* an S7-1500 configured for PDU 480 as the active CPU: its job asks 480, not 960 */
    s7_profile pf = *s7_profile_find("s7-1500");
    pf.max_pdu = 480;
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK_INT(s7_sim_replace_cpu(s, "plc-a", s7_cpu_new(&pf), err, sizeof err), 0);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    CHECK(run_until(s, 1, 0, 1));
    CHECK_INT(pdu, 480);
    s7_sim_free(s);
    s7_plant_free(p);
}

/* An emulated CPU whose connection is polled (a gateway's GET larger than the PDU its
 * partner negotiates cannot be a job) reports its own budget used up as the jobs do:
 * "1/20 no_connection_resource: ..." (the cause where the STATUS id "too_many_jobs" was). */
static void test_polled_budget(void)
{
    s7_plant *p = s7_plant_new();
    char err[300];
    s7_plant_set_file(p, "gw.yaml");
    add_pt(p, "hmi", "10.0.0.20", S7_PLANT_KIND_HMI, NULL, 0);
    add_pt(p, "gw", "10.0.0.21", S7_PLANT_KIND_GATEWAY, NULL, 0);
    add_pt(p, "plc-b", "10.0.0.22", S7_PLANT_KIND_PLC, "s7-300", 2);
    s7_plant_conn *c = s7_plant_add_conn(p, "hmi-gw", "hmi", "gw");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50), S7_AREA_DB, 1, 0,
                                4);
    c = s7_plant_add_conn(p, "gw-b", "gw", "plc-b");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50), S7_AREA_DB, 2, 0,
                                300);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.5.0";
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    s7_sim_fault f;
    CHECK_INT(s7_sim_fault_parse(p, "gw:budget", &f, err, sizeof err), 0);
    CHECK_INT(s7_sim_fault_set(s, &f, 1, err, sizeof err), 0);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    s7_sim_ex_state st;
    CHECK(run_until(s, 0, 1, 1));
    CHECK_INT(s7_sim_ex_get(s, 1, &st), 0);
    CHECK_STR(st.last_err, "1/20 no_connection_resource: gw's pg connection resources are used up "
                           "(connection gw-b to 127.78.5.3)");
    CHECK_INT(s7_sim_fault_set(s, &f, 0, err, sizeof err), 0);
    CHECK(run_until(s, 1, 1, 1));
    s7_sim_free(s);
    s7_plant_free(p);
}

/* A polled exchange with timers and counters: each is two bytes on the wire (read with
 * transport size TIMER / COUNTER), so the exchange's buffer holds two bytes a timer and
 * the ranges after it start past them (the buffer was sized one byte a timer: the reply
 * ran past it, and the DB range after the timers overlapped them). */
static void test_timer_ranges(void)
{
    s7_plant *p = s7_plant_new();
    char err[300];
    s7_plant_set_file(p, "tc.yaml");
    add_pt(p, "hmi", "10.0.0.20", S7_PLANT_KIND_HMI, NULL, 0);
    add_pt(p, "plc", "10.0.0.21", S7_PLANT_KIND_PLC, "s7-300", 2);
    s7_plant_conn *c = s7_plant_add_conn(p, "hmi-plc", "hmi", "plc");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50);
    s7_plant_exchange_add_range(e, S7_AREA_T, 0, 0, 4);  /* T0..T3: 8 bytes */
    s7_plant_exchange_add_range(e, S7_AREA_C, 0, 0, 2);  /* C0..C1: 4 bytes */
    s7_plant_exchange_add_range(e, S7_AREA_DB, 1, 0, 4); /* DB1.DBB0..DBB3 */
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.6.0";
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    s7_cpu *cpu = s7_sim_cpu(s, "plc");
    uint32_t sz = 0;
    uint8_t *t = s7_cpu_mem(cpu, S7_AREA_T, 0, &sz), *cc = s7_cpu_mem(cpu, S7_AREA_C, 0, NULL);
    uint8_t *db = s7_cpu_mem(cpu, S7_AREA_DB, 1, NULL);
    CHECK(t && cc && db && sz >= 8);
    static const uint8_t tv[8] = {0x10, 0x01, 0x20, 0x02, 0x30, 0x03, 0x00, 0x04};
    static const uint8_t cv[4] = {0x01, 0x23, 0x04, 0x56};
    static const uint8_t dv[4] = {0xA1, 0xA2, 0xA3, 0xA4};
    if (t && cc && db) {
        memcpy(t, tv, 8);
        memcpy(cc, cv, 4);
        memcpy(db, dv, 4);
    }
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    CHECK(run_until(s, 1, 0, 1));
    const s7__sim_ex *x = &s->cl[0].ex[0];
    CHECK_INT(x->nitems, 3);
    CHECK(x->items[1].buf == x->buf + 8);
    CHECK(x->items[2].buf == x->buf + 12);
    CHECK(memcmp(x->buf, tv, 8) == 0);
    CHECK(memcmp(x->items[1].buf, cv, 4) == 0);
    CHECK(memcmp(x->items[2].buf, dv, 4) == 0);
    s7_sim_free(s);
    s7_plant_free(p);
}

int main(void)
{
    test_cpus_and_exchanges();
    test_replace();
    test_replace_pdu();
    test_active_budget();
    test_polled_budget();
    test_timer_ranges();
    test_closed_at_start();
    test_event_after_clear();
    test_refusals();
    /* the same with the poll backend of the loops (no epoll descriptor to nest) */
    setenv("S7_USE_POLL", "1", 1);
    test_cpus_and_exchanges();
    return t_done();
}
