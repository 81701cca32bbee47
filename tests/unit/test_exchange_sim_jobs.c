/* Unit tests for exchange/sim_jobs.c: the PDU two CPUs' profiles negotiate for a CPU's
 * GET/PUT jobs (s7_sim_conn_pdu), the check that every job fits it (s7_sim_check_jobs: a GET
 * or PUT of a CPU is one request, never split; a polling client is not limited so; an
 * exchange of more than four ranges is several jobs), and the simulation's jobs asking the
 * PDU of their own CPU's profile, an exchange too large for what the two CPUs negotiate
 * polled instead of failing for ever. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "s7/exchange_sim.h"
#include "s7/plant.h"
#include "t.h"

/* a (kind plc unless hmi, profile pa or none) connects to b (a CPU, profile pb or none) and
 * GETs / PUTs len bytes of DB20 (or nranges ranges of len bytes each), at line 12. */
static s7_plant *pair(const char *pa, const char *pb, int hmi, int dir, unsigned nranges,
                      uint32_t len)
{
    s7_plant *p = s7_plant_new();
    char err[300];
    s7_plant_set_file(p, "jobs.yaml");
    s7_plant_partner *pt = s7_plant_add_partner(p, "a");
    s7_plant_partner_set_address(pt, "10.0.0.10");
    s7_plant_partner_set_cell(pt, "line");
    s7_plant_partner_add_role(pt, hmi ? S7_PLANT_KIND_HMI : S7_PLANT_KIND_PLC);
    if (pa)
        s7_plant_partner_set_profile(pt, pa, 0, 1, 0);
    pt = s7_plant_add_partner(p, "b");
    s7_plant_partner_set_address(pt, "10.0.0.11");
    s7_plant_partner_set_cell(pt, "line");
    s7_plant_partner_add_role(pt, S7_PLANT_KIND_PLC);
    if (pb)
        s7_plant_partner_set_profile(pt, pb, 0, strcmp(pb, "s7-300") == 0 ? 2 : 1, 0);
    s7_plant_conn *c = s7_plant_add_conn(p, "a-b", "a", "b");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(c, dir, 100);
    e->line = 12;
    for (unsigned r = 0; r < nranges; r++)
        s7_plant_exchange_add_range(e, S7_AREA_DB, 20, r * 1000, len);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    return p;
}

typedef struct msgs {
    int n;
    char first[1200];
} msgs;

static int keep(void *ctx, const char *m)
{
    msgs *k = ctx;
    if (!k->n++)
        snprintf(k->first, sizeof k->first, "%s", m);
    return 0;
}

static int problems(s7_plant *p, msgs *k)
{
    memset(k, 0, sizeof *k);
    int n = s7_sim_check_jobs(p, keep, k);
    CHECK_INT(n, k->n);
    s7_plant_free(p);
    return n;
}

static void test_conn_pdu(void)
{
    s7_plant *p = pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 1, 8);
    CHECK_INT(s7_sim_conn_pdu(p, 0), 240);
    CHECK_INT(s7_sim_conn_pdu(p, 1), 0); /* out of range */
    s7_plant_free(p);
    p = pair("s7-1500", "s7-400", 0, S7_PLANT_GET, 1, 8);
    CHECK_INT(s7_sim_conn_pdu(p, 0), 480);
    s7_plant_free(p);
    p = pair("s7-1500", NULL, 0, S7_PLANT_GET, 1, 8); /* no profile: does not limit */
    CHECK_INT(s7_sim_conn_pdu(p, 0), 960);
    s7_plant_free(p);
    p = pair(NULL, "s7-300", 0, S7_PLANT_GET, 1, 8);
    CHECK_INT(s7_sim_conn_pdu(p, 0), 240);
    s7_plant_free(p);
    p = pair(NULL, NULL, 0, S7_PLANT_GET, 1, 8); /* no CPU negotiates more than 960 */
    CHECK_INT(s7_sim_conn_pdu(p, 0), 960);
    s7_plant_free(p);
}

static void test_check(void)
{
    msgs k;
    /* the evaluator's case: 300 bytes from an S7-1200 by the S7-1500's GET */
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 1, 300), &k), 1);
    const char *head = "jobs.yaml:12: connection a-b, exchange 1 (GET DB20.DBB0..DBB299): ";
    CHECK(strncmp(k.first, head, strlen(head)) == 0);
    CHECK(strstr(k.first, "a runs it as a GET job, one request that is never split, and it needs "
                          "a PDU of 318 bytes (request 24, reply 318)") != NULL);
    CHECK(strstr(k.first, "a (s7-1500: up to 960) and b (s7-1200: up to 240) negotiate at most "
                          "240, where a GET of 1 area moves at most 222 bytes: split it into "
                          "exchanges of at most 222 bytes each") != NULL);
    /* the limits of the job model: a GET of 222 bytes fits 240, 223 does not; a PUT 212 */
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 1, 222), &k), 0);
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 1, 224), &k), 1);
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_PUT, 1, 212), &k), 0);
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_PUT, 1, 214), &k), 1);
    CHECK(strstr(k.first, "(PUT DB20.DBB0..DBB213)") != NULL);
    CHECK(strstr(k.first, "a PUT of 1 area moves at most 212 bytes") != NULL);
    /* the active CPU's own profile limits too; 300 bytes fit between two S7-1500 */
    CHECK_INT(problems(pair("s7-300", "s7-1500", 0, S7_PLANT_GET, 1, 300), &k), 1);
    CHECK(strstr(k.first, "a (s7-300: up to 240) and b (s7-1500: up to 960)") != NULL);
    CHECK_INT(problems(pair("s7-1500", "s7-1500", 0, S7_PLANT_GET, 1, 300), &k), 0);
    /* no profiles: only what no CPU negotiates */
    CHECK_INT(problems(pair(NULL, NULL, 0, S7_PLANT_GET, 1, 900), &k), 0);
    CHECK_INT(problems(pair(NULL, NULL, 0, S7_PLANT_GET, 1, 950), &k), 1);
    CHECK(strstr(k.first, "a (no profile) and b (no profile) negotiate at most 960") != NULL);
    /* a polling client splits its reads: not limited */
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 1, S7_PLANT_GET, 1, 300), &k), 0);
    /* four ranges are one job (4 x 52 + 4 x 4 + 14 = 238 fits, 4 x 54 does not); six ranges
     * two jobs, the second of two ranges */
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 4, 52), &k), 0);
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 4, 54), &k), 1);
    CHECK(strstr(k.first, "a GET of 4 areas moves at most 210 bytes") != NULL);
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 6, 52), &k), 0);
    CHECK_INT(problems(pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 6, 110), &k), 2);
    CHECK(strstr(k.first, "(ranges 1..4, one job)") != NULL);
    /* timers count two bytes each: 110 timers (220 bytes) fit 240, 120 do not (120 bytes
     * would) */
    s7_plant *t = pair("s7-1500", "s7-300", 0, S7_PLANT_GET, 1, 110);
    t->conns[0].ex[0].ranges[0].area = S7_AREA_T;
    t->conns[0].ex[0].ranges[0].db = 0;
    CHECK_INT(problems(t, &k), 0);
    t = pair("s7-1500", "s7-300", 0, S7_PLANT_GET, 1, 120);
    t->conns[0].ex[0].ranges[0].area = S7_AREA_T;
    t->conns[0].ex[0].ranges[0].db = 0;
    CHECK_INT(problems(t, &k), 1);
    CHECK(strstr(k.first, "(GET T0..T119)") != NULL);
    CHECK(strstr(k.first, "needs a PDU of 258 bytes") != NULL);
    /* fn may stop the walk, and may be NULL */
    s7_plant *p = pair("s7-1500", "s7-1200", 0, S7_PLANT_GET, 6, 110);
    CHECK_INT(s7_sim_check_jobs(p, NULL, NULL), 2);
    s7_plant_free(p);
    CHECK_INT(s7_sim_check_jobs(NULL, NULL, NULL), 0);
}

typedef struct logbuf {
    char text[8192];
    size_t n;
} logbuf;

static void on_log(void *ctx, int level, const char *msg)
{
    (void)level;
    logbuf *l = ctx;
    int w = snprintf(l->text + l->n, sizeof l->text - l->n, "%s\n", msg);
    if (w > 0 && (size_t)w < sizeof l->text - l->n)
        l->n += (size_t)w;
}

/* Runs until exchange 0 has done one, or failed three times; 1 when it did. */
static int first_ok(s7_sim *s, s7_sim_ex_state *st)
{
    for (int i = 0; i < 500; i++) {
        if (s7_sim_run_once(s, 10) < 0)
            return 0;
        if (s7_sim_ex_get(s, 0, st) == 0 && (st->ok >= 1 || st->err >= 3))
            return st->ok >= 1;
    }
    return 0;
}

/* The simulation: the job of an S7-300 asks 240 (its own profile's, the default the job
 * spelling leaves out), not 960. */
static void test_sim_own_pdu(void)
{
    s7_plant *p = pair("s7-300", "s7-1500", 0, S7_PLANT_GET, 1, 200);
    char err[300];
    logbuf l;
    memset(&l, 0, sizeof l);
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.6.0";
    o.log = on_log;
    o.log_ctx = &l;
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    CHECK(strstr(l.text, "a: job a-b#1: get ") != NULL);
    CHECK(strstr(l.text, " --pdu ") == NULL); /* 240, the default: not written */
    s7_sim_ex_state st;
    CHECK(first_ok(s, &st));
    s7_sim_free(s);
    s7_plant_free(p);
}

/* A CPU emulated because it serves another connection, but of no plc role (a gateway), is
 * not refused at load: its exchange too large for the PDU its and its partner's profiles
 * negotiate is polled from its address (the reads split), not a job that fails every time
 * with pdu_exceeded. */
static void test_sim_too_large_polled(void)
{
    s7_plant *p = s7_plant_new();
    char err[300];
    s7_plant_set_file(p, "gw.yaml");
    s7_plant_partner *pt = s7_plant_add_partner(p, "gw");
    s7_plant_partner_set_address(pt, "10.0.0.10");
    s7_plant_partner_set_cell(pt, "line");
    s7_plant_partner_add_role(pt, S7_PLANT_KIND_GATEWAY);
    s7_plant_partner_set_profile(pt, "s7-1500", 0, 1, 0);
    pt = s7_plant_add_partner(p, "b");
    s7_plant_partner_set_address(pt, "10.0.0.11");
    s7_plant_partner_set_cell(pt, "line");
    s7_plant_partner_add_role(pt, S7_PLANT_KIND_PLC);
    s7_plant_partner_set_profile(pt, "s7-1200", 0, 1, 0);
    pt = s7_plant_add_partner(p, "hmi");
    s7_plant_partner_set_address(pt, "10.0.0.12");
    s7_plant_partner_set_cell(pt, "line");
    s7_plant_partner_add_role(pt, S7_PLANT_KIND_HMI);
    s7_plant_conn *c = s7_plant_add_conn(p, "gw-b", "gw", "b");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 50), S7_AREA_DB, 20, 0,
                                300);
    c = s7_plant_add_conn(p, "hmi-gw", "hmi", "gw");
    s7_plant_exchange_add_range(s7_plant_conn_add_exchange(c, S7_PLANT_GET, 500), S7_AREA_DB, 10, 0,
                                8);
    CHECK_INT(s7_plant_validate(p, err, sizeof err), 0);
    CHECK_INT(s7_sim_check_jobs(p, NULL, NULL), 0);
    logbuf l;
    memset(&l, 0, sizeof l);
    s7_sim_opts o;
    s7_sim_opts_init(&o);
    o.loopback = 1;
    o.loopback_base = "127.78.7.0";
    o.log = on_log;
    o.log_ctx = &l;
    s7_sim *s = s7_sim_new(p, &o, err, sizeof err);
    CHECK(s != NULL);
    CHECK(strstr(l.text, "connection gw-b: an exchange cannot be a GET/PUT job (larger than the "
                         "PDU of 240 its CPUs negotiate") != NULL);
    CHECK_INT(s7_sim_start(s, err, sizeof err), 0);
    s7_sim_ex_state st;
    CHECK(first_ok(s, &st));
    CHECK_INT(st.err, 0);
    s7_sim_free(s);
    s7_plant_free(p);
}

int main(void)
{
    test_conn_pdu();
    test_check();
    test_sim_own_pdu();
    test_sim_too_large_polled();
    return t_done();
}
