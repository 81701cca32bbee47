/* The guard's rules file (config/guard_yaml.c): every key read into the policy, and each
 * mistake refused with FILE:LINE and what would be right. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "s7/config.h"
#include "s7/plant_policy.h"
#include "s7/wire.h"
#include "t.h"

static char path[64];

static int load(const char *text, s7_policy **pol, char *err, size_t cap)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -99;
    fputs(text, f);
    fclose(f);
    return s7_config_load_guard_rules(path, pol, err, cap);
}

/* The policy of a rules file that must load (NULL, with the loader's message, when not). */
static s7_policy *good(const char *text)
{
    s7_policy *p = NULL;
    char err[800] = "";
    int rc = load(text, &p, err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc)
        fprintf(stderr, "%s\n", err);
    return rc ? NULL : p;
}

static void test_full(void)
{
    s7_policy *p = good("shared_upstreams: 3\n"
                        "partners:\n"
                        "  - name: scada1\n"
                        "    address: 10.0.0.5\n"
                        "    type: op\n"
                        "    tsap: \"0100:0301\"\n"
                        "    read: [DB10.DBB0..63, MB0..MB15]\n"
                        "    write: [DB11.DBB0..7]\n"
                        "    services: [szl, clock-set]\n"
                        "    max_conn: 2\n"
                        "    rate: 50\n"
                        "    upstream: shared\n"
                        "  - name: anyone\n"
                        "    address: any\n");
    if (!p)
        return;
    CHECK_INT(p->shared_upstreams, 3);
    CHECK_INT(p->npartners, 2);
    s7_policy_partner *a = &p->partners[0];
    CHECK_STR(a->name, "scada1");
    CHECK_INT(a->any_addr, 0);
    CHECK_STR(a->addr.text, "10.0.0.5");
    CHECK_INT(a->type, 2);
    CHECK_INT(a->local_tsap, 0x0100);
    CHECK_INT(a->remote_tsap, 0x0301);
    CHECK_INT(a->services, S7_POL_SZL | S7_POL_CLOCK_SET);
    CHECK_INT(a->max_conn, 2);
    CHECK_INT(a->rate, 50);
    CHECK_INT(a->shared, 1);
    CHECK_INT(a->nranges, 3);
    CHECK_INT(a->ranges[0].area, S7_AREA_DB);
    CHECK_INT(a->ranges[0].db, 10);
    CHECK_INT(a->ranges[0].length, 64);
    CHECK_INT(a->ranges[0].access, S7_POL_READ);
    CHECK_INT(a->ranges[1].area, S7_AREA_M);
    CHECK_INT(a->ranges[2].access, S7_POL_WRITE);
    CHECK_INT(a->ranges[2].line, 8);
    CHECK(strstr(a->ranges[2].rule, ":8 scada1 write DB11.DBB0..7") != NULL);
    CHECK(strstr(a->rule, ":3 partner scada1") != NULL);
    CHECK_INT(p->partners[1].any_addr, 1);
    CHECK_INT(p->partners[1].services, S7_POL_DEFAULT);
    CHECK_INT(p->partners[1].shared, 0);
    CHECK(strstr(p->source, "rules ") == p->source);
    s7_policy_free(p);
}

/* Timers and counters by number: T0..T15 readable, C0..C7 (German Z) readable and writable
 * as DB ranges are. */
static void test_timer_counter(void)
{
    s7_policy *p = good("partners:\n"
                        "  - name: wincc\n"
                        "    address: 10.0.0.7\n"
                        "    read: [DB1.DBB0..9, T0..T15, Z0..Z7]\n"
                        "    write: ['C0:COUNTER[8]', T20, '%T30..%T31']\n");
    if (!p)
        return;
    s7_policy_partner *a = &p->partners[0];
    CHECK_INT(a->nranges, 6);
    CHECK_INT(a->ranges[5].area, S7_AREA_T);
    CHECK_INT(a->ranges[5].offset, 30);
    CHECK_INT(a->ranges[5].length, 2);
    CHECK_INT(a->ranges[1].area, S7_AREA_T);
    CHECK_INT(a->ranges[1].offset, 0);
    CHECK_INT(a->ranges[1].length, 16);
    CHECK_INT(a->ranges[2].area, S7_AREA_C);
    CHECK_INT(a->ranges[2].length, 8);
    CHECK_INT(a->ranges[3].access, S7_POL_WRITE);
    CHECK_INT(a->ranges[4].offset, 20);
    CHECK_INT(a->ranges[4].length, 1);
    CHECK(strstr(a->ranges[1].rule, ":4 wincc read T0..T15") != NULL);
    CHECK_INT(s7_policy_check(a, S7_AREA_T, 0, 15, 1, S7_POL_READ), 1);
    CHECK_INT(s7_policy_check(a, S7_AREA_T, 0, 16, 1, S7_POL_READ), -1);
    CHECK_INT(s7_policy_check(a, S7_AREA_C, 0, 3, 2, S7_POL_WRITE), 3);
    CHECK_INT(s7_policy_check(a, S7_AREA_T, 0, 20, 1, S7_POL_WRITE), 4);
    s7_policy_free(p);
}

/* The mapping form of a range the inventory takes ({db, area, offset, length}), which the
 * range error message offers too: read as the same range, named by its text form. */
static void test_mapping_range(void)
{
    s7_policy *p = good("partners:\n"
                        "  - name: scada1\n"
                        "    read: [{db: 10, offset: 4, length: 60}, DB11.DBB0..3]\n"
                        "    write:\n"
                        "      - area: M\n"
                        "        offset: 2\n"
                        "        length: 4\n");
    if (!p)
        return;
    s7_policy_partner *a = &p->partners[0];
    CHECK_INT(a->nranges, 3);
    CHECK_INT(a->ranges[0].area, S7_AREA_DB);
    CHECK_INT(a->ranges[0].db, 10);
    CHECK_INT(a->ranges[0].offset, 4);
    CHECK_INT(a->ranges[0].length, 60);
    CHECK_INT(a->ranges[0].access, S7_POL_READ);
    CHECK(strstr(a->ranges[0].rule, ":3 scada1 read DB10.DBB4..DBB63") != NULL);
    CHECK_INT(a->ranges[2].area, S7_AREA_M);
    CHECK_INT(a->ranges[2].offset, 2);
    CHECK_INT(a->ranges[2].length, 4);
    CHECK_INT(a->ranges[2].access, S7_POL_WRITE);
    CHECK_INT(a->ranges[2].line, 5);
    CHECK(strstr(a->ranges[2].rule, ":5 scada1 write MB2..MB5") != NULL);
    CHECK_INT(s7_policy_check(a, S7_AREA_DB, 10, 63, 1, S7_POL_READ), 0);
    CHECK_INT(s7_policy_check(a, S7_AREA_DB, 10, 3, 1, S7_POL_READ), -1);
    s7_policy_free(p);
}

static void bad(const char *text, const char *want, const char *what)
{
    s7_policy *p = (s7_policy *)1;
    char err[800] = "";
    int rc = load(text, &p, err, sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
    CHECK(p == NULL);
    if (!strstr(err, want)) {
        fprintf(stderr, "%s: '%s' not in '%s'\n", what, want, err);
        CHECK(0);
    } else {
        CHECK(1);
    }
}

static void test_errors(void)
{
    bad("partners:\n  - name: a\n    raed: [DB1.DBB0..3]\n", ":3: unknown key 'raed' in a partner",
        "misspelt key");
    bad("partners:\n  - name: a\n    read: [DB1.DBQ0]\n", ":3: read", "bad range");
    bad("partners:\n  - name: a\n    services: [stop]\n", ":3: services: 'stop' is not a service",
        "bad service");
    bad("partners:\n  - name: a\n    address: 10.0.0.256\n", ":3: address: '10.0.0.256' is not",
        "bad address");
    bad("partners:\n  - address: any\n", ":2: a partner without name", "no name");
    bad("partners:\n  - name: a\n  - name: a\n", ":3: partner a is listed twice (first at line 2)",
        "duplicate");
    bad("partners:\n  - name: a\n    upstream: pooled\n",
        "upstream: 'pooled' must be shared or dedicated", "bad upstream");
    bad("partners:\n  - name: a\n    type: fast\n", "type: 'fast' is not a connection type",
        "type");
    bad("shared_upstreams: 0\npartners:\n  - name: a\n", ":1: shared_upstreams", "zero upstreams");
    /* 0 is the policy's "no limit": max_conn: 0 or rate: 0 let everything through */
    bad("partners:\n  - name: a\n    max_conn: 0\n",
        ":3: max_conn: 0 would not refuse the partner's connections (0 is no limit): give "
        "1..65535 connections at once, leave max_conn out for no limit",
        "max_conn 0");
    bad("partners:\n  - name: a\n    rate: 0\n",
        ":3: rate: 0 would not hold back the partner's requests (0 is no limit): give 1..1000000 "
        "requests per second",
        "rate 0");
    bad("rules: []\n", ":1: unknown key 'rules'", "unknown top key");
    bad("shared_upstreams: 2\n", "no partners", "no partners");
    bad("partners: 5\n", "partners: expected a list", "not a list");
    /* timers and counters: the line, what is wrong and the accepted forms */
    bad("partners:\n  - name: a\n    read: [T0..C7]\n",
        ":3: read: 'T0..C7': both ends must be in the same area, e.g. T0..T15", "timer to counter");
    bad("partners:\n  - name: a\n    write: [TB2]\n", ":3: write: 'TB2': ", "timer bytes");
    bad("partners:\n  - name: a\n    write: [TB2]\n", "; a range is DB10.DBB0..DBB63", "forms");
    bad("partners:\n  - name: a\n    write: [TB2]\n", "counters C0..C7 (Z0..Z7", "T/C forms");
    bad("partners:\n  - name: a\n    read: [T5..T1]\n",
        ":3: read: 'T5..T1' ends (number 1) before it starts (number 5)", "backwards");
    bad("partners:\n  - name: a\n    read: [{db: 10, offset: 0}]\n",
        ":3: read: no length (bytes), e.g. {db: 10, offset: 0, length: 64}", "mapping, no length");
    bad("partners:\n  - name: a\n    read: [{db: 10, lenght: 4}]\n",
        ":3: read: unknown key 'lenght' (keys: db, area, offset, length)", "mapping, bad key");
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/s7-test-guard-rules.%d.yaml", (int)getpid());
    test_full();
    test_timer_counter();
    test_mapping_range();
    test_errors();
    unlink(path);
    s7_policy *p = NULL;
    char err[300];
    CHECK_INT(s7_config_load_guard_rules("/nonexistent/rules.yaml", &p, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "/nonexistent/rules.yaml") != NULL);
    return t_done();
}
