/* The guard policy (plant/policy.c): ranges (one, adjoining, access direction, areas),
 * timer and counter ranges (by number, written T0..T15 / C0..C7), partner matching by
 * address, type and TSAPs with the reason of a refusal, the policy of one CPU built from a
 * plant, and the service names. */
#include <stdio.h>
#include <string.h>

#include "s7/plant.h"
#include "s7/plant_policy.h"
#include "s7/wire.h"
#include "t.h"

static void test_ranges(void)
{
    s7_policy *p = s7_policy_new();
    CHECK(p != NULL);
    CHECK_INT(p->shared_upstreams, 2);
    s7_policy_partner *pt = s7_policy_add_partner(p, "scada");
    CHECK(pt != NULL);
    CHECK_INT(pt->services, S7_POL_DEFAULT);
    CHECK(s7_policy_add_range(pt, S7_AREA_DB, 10, 0, 64, S7_POL_READ) != NULL);
    CHECK(s7_policy_add_range(pt, S7_AREA_DB, 10, 64, 16, S7_POL_READ) != NULL);
    CHECK(s7_policy_add_range(pt, S7_AREA_DB, 11, 8, 8, S7_POL_WRITE) != NULL);
    CHECK(s7_policy_add_range(pt, S7_AREA_M, 99, 0, 16, S7_POL_READ | S7_POL_WRITE) != NULL);
    CHECK(s7_policy_add_range(pt, S7_AREA_DB, 1, 0, 0, S7_POL_READ) == NULL); /* empty */
    CHECK_INT(pt->ranges[3].db, 0); /* not a DB: no DB number */
    /* inside one range, its first byte, its last byte */
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 0, 4, S7_POL_READ), 0);
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 63, 1, S7_POL_READ), 0);
    /* across two adjoining ranges: allowed, the first named */
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 60, 8, S7_POL_READ), 0);
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 70, 10, S7_POL_READ), 1);
    /* one byte past the end, another DB, the wrong direction */
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 75, 6, S7_POL_READ), -1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 12, 0, 1, S7_POL_READ), -1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 0, 2, S7_POL_WRITE), -1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 11, 8, 8, S7_POL_WRITE), 2);
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 11, 8, 8, S7_POL_READ), -1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 11, 7, 2, S7_POL_WRITE), -1);
    /* M: db ignored, both directions */
    CHECK_INT(s7_policy_check(pt, S7_AREA_M, 0, 15, 1, S7_POL_WRITE), 3);
    CHECK_INT(s7_policy_check(pt, S7_AREA_M, 5, 0, 16, S7_POL_READ), 3);
    CHECK_INT(s7_policy_check(pt, S7_AREA_Q, 0, 0, 1, S7_POL_READ), -1);
    /* an offset near 2^32 does not wrap */
    CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 0xFFFFFFF0u, 0x20, S7_POL_READ), -1);
    s7_policy_free(p);
    s7_policy_free(NULL);
}

static void test_match(void)
{
    s7_policy *p = s7_policy_new();
    s7_policy_partner *a = s7_policy_add_partner(p, "hmi");
    a->any_addr = 0;
    CHECK_INT(s7_plant_parse_addr("10.0.0.5", &a->addr), 0);
    a->type = 2;
    s7_policy_partner *b = s7_policy_add_partner(p, "eng");
    b->any_addr = 0;
    CHECK_INT(s7_plant_parse_addr("fd00::7", &b->addr), 0);
    b->local_tsap = 0x0100;
    b->remote_tsap = 0x0102;
    char why[200];
    CHECK_INT(s7_policy_match(p, "10.0.0.5", 2, 0x0100, 0x0201, why, sizeof why), 0);
    CHECK_INT(s7_policy_match(p, "::ffff:10.0.0.5", 2, 0x0100, 0x0201, why, sizeof why), 0);
    CHECK_INT(s7_policy_match(p, "10.0.0.5", 1, 0x0100, 0x0101, why, sizeof why), -1);
    CHECK_STR(why, "partner hmi is documented with connection type op, asked pg");
    CHECK_INT(s7_policy_match(p, "10.0.0.6", 2, 0x0100, 0x0201, why, sizeof why), -1);
    CHECK_STR(why, "no partner documented for address 10.0.0.6");
    CHECK_INT(s7_policy_match(p, "fd00::7", 1, 0x0100, 0x0102, why, sizeof why), 1);
    CHECK_INT(s7_policy_match(p, "fd00::7", 1, 0x0100, 0x0101, why, sizeof why), -1);
    CHECK(strstr(why, "TSAPs 0100:0102, asked 0100:0101") != NULL);
    CHECK_INT(s7_policy_match(p, "not-an-address", 1, 0, 0, why, sizeof why), -1);
    /* any address */
    s7_policy_partner *c = s7_policy_add_partner(p, "anyone");
    (void)c;
    CHECK_INT(s7_policy_match(p, "192.168.1.1", 3, 0x0100, 0x0301, why, sizeof why), 2);
    s7_policy_free(p);
}

static void test_from_plant(void)
{
    s7_plant *pl = s7_plant_new();
    /* (a partner pointer lives until the next add: set each one up before the next) */
    static const char *const names[4] = {"plc1", "scada", "hmi", "plc2"};
    static const char *const addrs[4] = {"10.0.1.10", "10.0.2.5", "10.0.1.20", "10.0.1.11"};
    static const char *const cells[4] = {"line1", "scada", "line1", "line1"};
    static const int slots[4] = {2, -1, -1, 1};
    for (int i = 0; i < 4; i++) {
        s7_plant_partner *pt = s7_plant_add_partner(pl, names[i]);
        CHECK_INT(s7_plant_partner_set_address(pt, addrs[i]), 0);
        CHECK_INT(s7_plant_partner_set_cell(pt, cells[i]), 0);
        if (slots[i] >= 0) {
            pt->rack = 0;
            pt->slot = slots[i];
        }
    }
    s7_plant_conn *c1 = s7_plant_add_conn(pl, "scada-plc1", "scada", "plc1");
    s7_plant_exchange *e = s7_plant_conn_add_exchange(c1, S7_PLANT_GET, 1000);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 64);
    s7_plant_conn *c2 = s7_plant_add_conn(pl, "hmi-plc1", "hmi", "plc1");
    c2->type = 2;
    e = s7_plant_conn_add_exchange(c2, S7_PLANT_PUT, 0);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 11, 0, 8);
    s7_plant_conn *c3 = s7_plant_add_conn(pl, "hmi-plc2", "hmi", "plc2");
    e = s7_plant_conn_add_exchange(c3, S7_PLANT_GET, 0);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 1, 0, 8);
    char err[400];
    CHECK_INT(s7_plant_validate(pl, err, sizeof err), 0);
    s7_policy *pol = NULL;
    CHECK_INT(s7_policy_from_plant(pl, "plc1", &pol, err, sizeof err), 0);
    CHECK(pol != NULL);
    if (pol) {
        CHECK_INT(pol->npartners, 2);
        CHECK_STR(pol->partners[0].name, "scada");
        CHECK_INT(pol->partners[0].type, 1);
        CHECK_INT(pol->partners[0].remote_tsap, 0x0102);
        CHECK_INT(pol->partners[0].ranges[0].access, S7_POL_READ);
        CHECK_STR(pol->partners[0].ranges[0].rule, "conn scada-plc1 GET DB10.DBB0..DBB63");
        CHECK_INT(pol->partners[1].type, 2);
        CHECK_INT(pol->partners[1].ranges[0].access, S7_POL_WRITE);
        char why[200];
        /* the SCADA host may read DB10, not write it; the HMI only with its type */
        CHECK_INT(s7_policy_match(pol, "10.0.2.5", 1, 0x0100, 0x0102, why, sizeof why), 0);
        CHECK_INT(s7_policy_check(&pol->partners[0], S7_AREA_DB, 10, 4, 4, S7_POL_WRITE), -1);
        CHECK_INT(s7_policy_match(pol, "10.0.1.20", 1, 0x0100, 0x0102, why, sizeof why), -1);
        CHECK_INT(s7_policy_match(pol, "10.0.1.11", 1, 0x0100, 0x0102, why, sizeof why), -1);
    }
    /* audit records against the plant */
    s7_plant_audit_rec r = {"10.0.2.5", "read", 1, S7_AREA_DB, 10, 0, 64};
    const s7_plant_partner *who = NULL;
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &r, &who), S7_PLANT_AUDIT_DOCUMENTED);
    CHECK(who && strcmp(who->name, "scada") == 0);
    r.op = "write";
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &r, NULL), S7_PLANT_AUDIT_WRITE_GET_ONLY);
    r.op = "read";
    r.length = 65;
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &r, NULL), S7_PLANT_AUDIT_OUTSIDE);
    r.op = "stop";
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &r, NULL), S7_PLANT_AUDIT_UNDOC_SERVICE);
    r.addr = "10.0.2.99";
    CHECK_INT(s7_plant_audit_classify(pl, NULL, &r, &who), S7_PLANT_AUDIT_UNDOC_PARTNER);
    CHECK(who == NULL);
    /* the HMI's PUT range: documented as a write, to plc1 only */
    s7_plant_audit_rec w = {"10.0.1.20", "write", 1, S7_AREA_DB, 11, 2, 4};
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &w, NULL), S7_PLANT_AUDIT_DOCUMENTED);
    CHECK_INT(s7_plant_audit_classify(pl, "plc2", &w, NULL), S7_PLANT_AUDIT_OUTSIDE);
    CHECK_STR(s7_plant_audit_class_name(S7_PLANT_AUDIT_WRITE_GET_ONLY),
              "write where only GET is documented");
    s7_policy_free(pol);
    CHECK_INT(s7_policy_from_plant(pl, "nope", &pol, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "no partner named 'nope'") != NULL);
    if (!strstr(err, "the connections go to: plc1, plc2)")) /* the CPUs there are */
        fprintf(stderr, "err: %s\n", err);
    CHECK(strstr(err, "the connections go to: plc1, plc2)") != NULL);
    CHECK_INT(s7_policy_from_plant(pl, "scada", &pol, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "no connection has scada as its passive partner") != NULL);
    s7_plant_free(pl);
}

/* Timers and counters: ranges of numbers, written as text in every spelling the address
 * grammar has, checked element by element, carried from an inventory's exchanges. */
static void test_timer_counter(void)
{
    static const struct {
        const char *text;
        uint8_t area;
        uint32_t first, count;
        const char *back;
    } ok[] = {
        {"T0..T15", S7_AREA_T, 0, 16, "T0..T15"},
        {"T0..15", S7_AREA_T, 0, 16, "T0..T15"},
        {"t3", S7_AREA_T, 3, 1, "T3"},
        {"T0:TIMER[16]", S7_AREA_T, 0, 16, "T0..T15"},
        {"P#T 4 TIMER 2", S7_AREA_T, 4, 2, "T4..T5"},
        {"C0..C7", S7_AREA_C, 0, 8, "C0..C7"},
        {"Z0..Z7", S7_AREA_C, 0, 8, "C0..C7"},
        {"C2..Z3", S7_AREA_C, 2, 2, "C2..C3"},
        {"P#C 0 COUNTER 8", S7_AREA_C, 0, 8, "C0..C7"},
        {"C65535", S7_AREA_C, 65535, 1, "C65535"},
        {"%T0..%T15", S7_AREA_T, 0, 16, "T0..T15"}, /* the PLC4X spelling */
        {"%T2..9", S7_AREA_T, 2, 8, "T2..T9"},
        {"%Z0..%C7", S7_AREA_C, 0, 8, "C0..C7"},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        s7_plant_range r;
        char err[700] = "", txt[48];
        memset(&r, 0, sizeof r);
        CHECK_INT(s7_plant_parse_range(ok[i].text, "read", &r, err, sizeof err), 0);
        if (err[0])
            fprintf(stderr, "%s: %s\n", ok[i].text, err);
        CHECK_INT(r.area, ok[i].area);
        CHECK_INT(r.db, 0);
        CHECK_INT(r.offset, ok[i].first);
        CHECK_INT(r.length, ok[i].count);
        CHECK_STR(s7_plant_range_text(&r, txt, sizeof txt), ok[i].back);
    }
    static const struct {
        const char *text, *want;
    } bad[] = {
        {"T0..C7", "both ends must be in the same area, e.g. T0..T15"},
        {"%T0..%C7", "both ends must be in the same area, e.g. T0..T15"},
        {"C0..T7", "both ends must be in the same area, e.g. C0..C7"},
        {"T9..T3", "ends (number 3) before it starts (number 9)"},
        {"T0..DB1.DBB3", "both ends must be in the same area"},
        {"TB0", "timers are addressed by number only"},
        {"T1.2", "timers have no bits"},
        {"T70000", "must be 0..65535"},
        {"PIW256", "timers T0..T15"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        s7_plant_range r;
        char err[700] = "";
        memset(&r, 0, sizeof r);
        CHECK(s7_plant_parse_range(bad[i].text, "read", &r, err, sizeof err) < 0);
        if (!strstr(err, bad[i].want))
            fprintf(stderr, "%s: '%s' lacks '%s'\n", bad[i].text, err, bad[i].want);
        CHECK(strstr(err, bad[i].want) != NULL);
        /* the accepted forms are named */
        CHECK(strstr(err, "read: ") == err);
    }
    /* the timer range spans 16 numbers, not 16 bytes; a counter is not a timer */
    s7_policy *p = s7_policy_new();
    s7_policy_partner *pt = s7_policy_add_partner(p, "wincc");
    CHECK(s7_policy_add_range(pt, S7_AREA_T, 7, 0, 16, S7_POL_READ) != NULL);
    CHECK(s7_policy_add_range(pt, S7_AREA_C, 0, 0, 8, S7_POL_READ | S7_POL_WRITE) != NULL);
    CHECK(s7_policy_add_range(pt, S7_AREA_T, 0, 16, 4, S7_POL_WRITE) != NULL);
    CHECK_INT(pt->ranges[0].db, 0);
    CHECK_INT(s7_policy_check(pt, S7_AREA_T, 0, 0, 1, S7_POL_READ), 0);
    CHECK_INT(s7_policy_check(pt, S7_AREA_T, 0, 15, 1, S7_POL_READ), 0);
    CHECK_INT(s7_policy_check(pt, S7_AREA_T, 0, 0, 16, S7_POL_READ), 0);
    CHECK_INT(s7_policy_check(pt, S7_AREA_T, 0, 15, 2, S7_POL_READ), -1); /* T16 not readable */
    CHECK_INT(s7_policy_check(pt, S7_AREA_T, 0, 16, 4, S7_POL_WRITE), 2);
    CHECK_INT(s7_policy_check(pt, S7_AREA_T, 0, 0, 1, S7_POL_WRITE), -1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_C, 0, 7, 1, S7_POL_WRITE), 1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_C, 0, 8, 1, S7_POL_READ), -1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_C, 0, 16, 1, S7_POL_WRITE), -1);
    CHECK_INT(s7_policy_check(pt, S7_AREA_M, 0, 0, 1, S7_POL_READ), -1);
    s7_policy_free(p);
    /* from an inventory: a GET exchange naming T0..T15 and C0..C7 */
    s7_plant *pl = s7_plant_new();
    s7_plant_partner *cpu = s7_plant_add_partner(pl, "plc1");
    CHECK_INT(s7_plant_partner_set_address(cpu, "10.0.1.10"), 0);
    CHECK_INT(s7_plant_partner_set_cell(cpu, "line1"), 0);
    cpu->rack = 0;
    cpu->slot = 2;
    s7_plant_partner *hmi = s7_plant_add_partner(pl, "wincc");
    CHECK_INT(s7_plant_partner_set_address(hmi, "10.0.1.20"), 0);
    CHECK_INT(s7_plant_partner_set_cell(hmi, "line1"), 0);
    s7_plant_conn *c = s7_plant_add_conn(pl, "wincc-plc1", "wincc", "plc1");
    c->type = 2;
    s7_plant_exchange *e = s7_plant_conn_add_exchange(c, S7_PLANT_GET, 500);
    s7_plant_exchange_add_range(e, S7_AREA_T, 0, 0, 16);
    s7_plant_exchange_add_range(e, S7_AREA_C, 0, 0, 8);
    char err[400] = "";
    CHECK_INT(s7_plant_validate(pl, err, sizeof err), 0);
    if (err[0])
        fprintf(stderr, "validate: %s\n", err);
    s7_policy *pol = NULL;
    CHECK_INT(s7_policy_from_plant(pl, "plc1", &pol, err, sizeof err), 0);
    if (pol) {
        CHECK_INT(pol->partners[0].nranges, 2);
        CHECK_STR(pol->partners[0].ranges[0].rule, "conn wincc-plc1 GET T0..T15");
        CHECK_STR(pol->partners[0].ranges[1].rule, "conn wincc-plc1 GET C0..C7");
        CHECK_INT(s7_policy_check(&pol->partners[0], S7_AREA_C, 0, 0, 8, S7_POL_READ), 1);
        CHECK_INT(s7_policy_check(&pol->partners[0], S7_AREA_C, 0, 0, 1, S7_POL_WRITE), -1);
    }
    s7_policy_free(pol);
    /* the audit of what the guard logged: T3 read documented, T16 outside, a write GET-only */
    s7_plant_audit_rec r = {"10.0.1.20", "read", 1, S7_AREA_T, 0, 3, 1};
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &r, NULL), S7_PLANT_AUDIT_DOCUMENTED);
    r.offset = 16;
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &r, NULL), S7_PLANT_AUDIT_OUTSIDE);
    r.offset = 0;
    r.op = "write";
    CHECK_INT(s7_plant_audit_classify(pl, "plc1", &r, NULL), S7_PLANT_AUDIT_WRITE_GET_ONLY);
    /* validation: a timer range past number 65535 */
    e->ranges[0].offset = 65530;
    CHECK(s7_plant_validate(pl, err, sizeof err) < 0);
    CHECK(strstr(err, "timers 65530..65545 end beyond number 65535") != NULL);
    s7_plant_free(pl);
}

static void test_services(void)
{
    CHECK_INT(s7_policy_service_parse("clock-set"), S7_POL_CLOCK_SET);
    CHECK_INT(s7_policy_service_parse("all"), S7_POL__ALL);
    CHECK_INT(s7_policy_service_parse("stop"), 0);
    CHECK_INT(s7_policy_service_parse(NULL), 0);
    CHECK_STR(s7_policy_service_name(S7_POL_BLOCKS), "blocks");
    CHECK_STR(s7_policy_service_name(3), "?");
    for (unsigned b = 1; b < S7_POL__ALL; b <<= 1)
        CHECK_INT(s7_policy_service_parse(s7_policy_service_name(b)), b);
    CHECK_INT(s7_policy_szl_identity(0x0011), 1);
    CHECK_INT(s7_policy_szl_identity(0x0424), 1);
    CHECK_INT(s7_policy_szl_identity(0x00A0), 0); /* the diagnostic buffer */
    CHECK_INT(s7_policy_szl_identity(0x0132), 1);
}

/* Several documented connections of one partner to the CPU with the same type and TSAPs
 * (an HMI whose inventory lists one connection per screen, say): a CR cannot tell them
 * apart, so they are one partner of the policy with every exchange of each; one of
 * another type stays a partner of its own. */
static void test_same_partner_conns(void)
{
    s7_plant *pl = s7_plant_new();
    static const char *const names[2] = {"hmi1", "plc1"};
    static const char *const addrs[2] = {"10.0.1.20", "10.0.1.10"};
    for (int i = 0; i < 2; i++) {
        s7_plant_partner *pt = s7_plant_add_partner(pl, names[i]);
        CHECK_INT(s7_plant_partner_set_address(pt, addrs[i]), 0);
        CHECK_INT(s7_plant_partner_set_cell(pt, "line"), 0);
        if (i == 1) {
            pt->rack = 0;
            pt->slot = 2;
        }
    }
    s7_plant_conn *c = s7_plant_add_conn(pl, "a", "hmi1", "plc1");
    c->type = 2;
    s7_plant_exchange *e = s7_plant_conn_add_exchange(c, S7_PLANT_GET, 0);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 0, 8);
    c = s7_plant_add_conn(pl, "b", "hmi1", "plc1");
    c->type = 2;
    e = s7_plant_conn_add_exchange(c, S7_PLANT_GET, 0);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 8, 8);
    e = s7_plant_conn_add_exchange(c, S7_PLANT_PUT, 0);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 11, 0, 2);
    c = s7_plant_add_conn(pl, "c", "hmi1", "plc1");
    c->type = 1;
    e = s7_plant_conn_add_exchange(c, S7_PLANT_GET, 0);
    s7_plant_exchange_add_range(e, S7_AREA_DB, 10, 32, 2);
    char err[400];
    CHECK_INT(s7_plant_validate(pl, err, sizeof err), 0);
    s7_policy *pol = NULL;
    CHECK_INT(s7_policy_from_plant(pl, "plc1", &pol, err, sizeof err), 0);
    if (pol) {
        CHECK_INT(pol->npartners, 2);
        char why[200];
        long i = s7_policy_match(pol, "10.0.1.20", 2, 0x0100, 0x0202, why, sizeof why);
        CHECK_INT(i, 0);
        if (i == 0) {
            const s7_policy_partner *pt = &pol->partners[0];
            CHECK_STR(pt->rule, "conn a, b");
            CHECK_INT(pt->nranges, 3);
            /* b's GET, across a's and b's, b's PUT; not c's range (type pg) */
            long r = s7_policy_check(pt, S7_AREA_DB, 10, 8, 2, S7_POL_READ);
            CHECK_INT(r, 1);
            if (r == 1)
                CHECK_STR(pt->ranges[1].rule, "conn b GET DB10.DBB8..DBB15");
            CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 4, 8, S7_POL_READ), 0);
            CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 11, 0, 2, S7_POL_WRITE), 2);
            CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 8, 2, S7_POL_WRITE), -1);
            CHECK_INT(s7_policy_check(pt, S7_AREA_DB, 10, 32, 2, S7_POL_READ), -1);
        }
        CHECK_INT(s7_policy_match(pol, "10.0.1.20", 1, 0x0100, 0x0102, why, sizeof why), 1);
    }
    s7_policy_free(pol);
    s7_plant_free(pl);
}

/* s7_policy_dup: a copy with memory of its own (the guard gives each loop one of the one
 * load): equal in every field, and freeing or changing the original leaves it whole. */
static void test_dup(void)
{
    s7_policy *p = s7_policy_new();
    s7_policy_partner *a = s7_policy_add_partner(p, "hmi");
    a->max_conn = 3;
    a->shared = 1;
    s7_policy_add_range(a, S7_AREA_DB, 10, 0, 64, S7_POL_READ);
    s7_policy_add_range(&p->partners[0], S7_AREA_DB, 11, 8, 2, S7_POL_WRITE);
    s7_policy_add_partner(p, "scada");
    p->shared_upstreams = 5;
    snprintf(p->source, sizeof p->source, "rules r.yaml");
    s7_policy *d = s7_policy_dup(p);
    CHECK(d != NULL);
    CHECK_INT(d->npartners, 2);
    CHECK_INT(d->shared_upstreams, 5);
    CHECK_STR(d->source, "rules r.yaml");
    CHECK_STR(d->partners[0].name, "hmi");
    CHECK_INT(d->partners[0].max_conn, 3);
    CHECK_INT(d->partners[0].nranges, 2);
    CHECK(d->partners[0].ranges != p->partners[0].ranges);
    CHECK_INT(d->partners[1].nranges, 0);
    p->partners[0].ranges[1].db = 99;
    s7_policy_free(p);
    CHECK_INT(d->partners[0].ranges[1].db, 11);
    CHECK_INT(d->partners[0].ranges[1].offset, 8);
    s7_policy_free(d);
    CHECK(s7_policy_dup(NULL) == NULL);
}

int main(void)
{
    test_dup();
    test_ranges();
    test_match();
    test_from_plant();
    test_same_partner_conns();
    test_timer_counter();
    test_services();
    return t_done();
}
