/* Unit tests for the parts of diag/ that need no network: the stable verdict identifiers
 * (names, parsing, exit classes), the rule that tells a wrong TSAP from exhausted
 * connection resources after a refused CR (s7__diag_cr_classify), the scan's target
 * grammar and host counts, the command-line form of an alternative, the JSON of a report
 * (escaping, nulls, frames, implausible SZL figures), and argument checks of the entry
 * points. */
#include <stdlib.h>
#include <string.h>

#include "diag/doctor_int.h"
#include "s7/diag.h"
#include "t.h"

static int has(const char *s, const char *sub) { return s && sub && strstr(s, sub) != NULL; }

/* The identifiers are part of the interface: they may never change. */
static void test_names(void)
{
    static const char *const want[] = {"ok",
                                       "no_route",
                                       "port_closed",
                                       "port_filtered",
                                       "cr_rejected",
                                       "negotiation_failed",
                                       "put_get_disabled",
                                       "db_missing",
                                       "db_optimized",
                                       "db_too_short",
                                       "access_denied",
                                       "area_missing",
                                       "area_too_short",
                                       "peer_error",
                                       "host_unreachable",
                                       "port_rejected",
                                       "name_unresolved",
                                       "no_answer",
                                       "cpu_stopped",
                                       "profile_mismatch",
                                       "path_mtu",
                                       "path_loss"};
    CHECK_INT(S7_DIAG_VERDICT_COUNT, sizeof want / sizeof want[0]);
    for (int v = 0; v < S7_DIAG_VERDICT_COUNT; v++) {
        CHECK_STR(s7_diag_verdict_name(v), want[v]);
        CHECK_INT(s7_diag_verdict_parse(want[v]), v);
        CHECK(strlen(s7_diag_verdict_text(v)) > 10);
    }
    CHECK_INT(S7_DIAG_OK, 0);
    CHECK_INT(S7_DIAG_PORT_FILTERED, 3);
    CHECK_STR(s7_diag_verdict_name(-1), "unknown");
    CHECK_STR(s7_diag_verdict_name(S7_DIAG_VERDICT_COUNT), "unknown");
    CHECK_INT(s7_diag_verdict_parse("nonsense"), -1);
    CHECK_INT(s7_diag_verdict_parse(NULL), -1);
    /* exit classes: 0 ok, 3 no S7 connection, 1 the CPU refuses */
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_OK), 0);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_NO_ROUTE), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PORT_CLOSED), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PORT_FILTERED), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_CR_REJECTED), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_NEGOTIATION_FAILED), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PEER_ERROR), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PUT_GET_DISABLED), 1);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_DB_MISSING), 1);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_DB_OPTIMIZED), 1);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_DB_TOO_SHORT), 1);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_ACCESS_DENIED), 1);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_AREA_MISSING), 1);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_AREA_TOO_SHORT), 1);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_HOST_UNREACHABLE), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PORT_REJECTED), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_NAME_UNRESOLVED), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_NO_ANSWER), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_CPU_STOPPED), 4);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PATH_MTU), 3);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PATH_LOSS), 3);
    CHECK(strstr(s7_diag_verdict_team(S7_DIAG_PATH_MTU), "network team") != NULL);
    CHECK(strstr(s7_diag_verdict_team(S7_DIAG_PATH_LOSS), "network team") != NULL);
    CHECK_INT(s7_diag_verdict_class(S7_DIAG_PROFILE_MISMATCH), 1);
    /* every verdict names who acts on it */
    for (int v = 0; v < S7_DIAG_VERDICT_COUNT; v++)
        CHECK(strcmp(s7_diag_verdict_team(v), "unknown") != 0);
    CHECK_STR(s7_diag_verdict_team(S7_DIAG_PORT_REJECTED), "network team (firewall)");
    CHECK_STR(s7_diag_verdict_team(S7_DIAG_HOST_UNREACHABLE), "cabling, power and IP of the CPU");
    CHECK_STR(s7_diag_status_name(S7_DIAG_PASS), "pass");
    CHECK_STR(s7_diag_status_name(S7_DIAG_FAIL), "fail");
    CHECK_STR(s7_diag_status_name(S7_DIAG_SKIP), "skip");
    CHECK_STR(s7_diag_cr_cause_name(S7_DIAG_CR_RESOURCES_EXHAUSTED), "resources_exhausted");
    CHECK_STR(s7_diag_cr_cause_name(S7_DIAG_CR_WRONG_TSAP), "wrong_tsap");
    CHECK_STR(s7_diag_cr_cause_name(S7_DIAG_CR_ALL_REFUSED), "all_refused");
    CHECK_STR(s7_diag_cr_cause_name(S7_DIAG_CR_NOT_PROBED), "not_probed");
    CHECK_STR(s7_diag_cr_cause_name(S7_DIAG_CR_LATE_ANSWER), "late_answer");
    CHECK_STR(s7_diag_cr_cause_name(S7_DIAG_CR_PARTNER_GONE), "partner_gone");
    CHECK_STR(s7_diag_cr_cause_name(S7_DIAG_CR_NOT_ISO), "not_iso_on_tcp");
    CHECK_STR(s7_scan_state_name(S7_SCAN_FILTERED), "filtered");
    CHECK_STR(s7_scan_state_name(S7_SCAN_ANSWERING), "answering");
}

/* An alternative as the doctor records it. */
static s7_diag_alt alt(s7_diag_alt_kind kind, uint16_t local, uint16_t remote, int accepted)
{
    s7_diag_alt a;
    s7__alt_set(&a, kind, local, remote);
    a.result = accepted ? 0 : S7_ERR_CR_REJECTED;
    a.setup_ok = accepted;
    return a;
}

static void test_classify(void)
{
    s7_diag_alt a[16];
    int best = 99;
    s7_cpu_info logo, s300;
    memset(a, 0, sizeof a);
    memset(&logo, 0, sizeof logo);
    memset(&s300, 0, sizeof s300);
    strcpy(logo.order_code, "6ED1052-1MD08-0BA1");
    strcpy(s300.order_code, "6ES7 315-2EH14-0AB0");

    /* nothing tried */
    CHECK_INT(s7__diag_cr_classify(0x0101, a, 0, NULL, &best), S7_DIAG_CR_NOT_PROBED);
    CHECK_INT(best, -1);

    /* PG 0/1 refused, OP 0/1 accepted: the PG pool is full */
    a[0] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0201, 1);
    a[1] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0301, 1);
    CHECK_INT(s7__diag_cr_classify(0x0101, a, 2, NULL, &best), S7_DIAG_CR_RESOURCES_EXHAUSTED);
    CHECK_INT(best, 0);
    /* only basic accepted at the same address: still resources */
    a[0].result = S7_ERR_CR_REJECTED;
    CHECK_INT(s7__diag_cr_classify(0x0101, a, 2, NULL, &best), S7_DIAG_CR_RESOURCES_EXHAUSTED);
    CHECK_INT(best, 1);

    /* nothing at 0/1, PG at 0/2 accepted: wrong TSAP (S7-300) */
    a[0] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0201, 0);
    a[1] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0301, 0);
    a[2] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0102, 1);
    a[3] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0103, 0);
    a[4] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0100, 0);
    a[5] = alt(S7_DIAG_ALT_LOGO, 0x0100, 0x0200, 0);
    a[6] = alt(S7_DIAG_ALT_LOGO, 0x1000, 0x2000, 0);
    a[7] = alt(S7_DIAG_ALT_S7200, 0x1000, 0x1001, 0);
    CHECK_INT(s7__diag_cr_classify(0x0101, a, 8, &s300, &best), S7_DIAG_CR_WRONG_TSAP);
    CHECK_INT(best, 2);

    /* a LOGO! that also takes 0102: its pair wins when its identity says LOGO! */
    a[5].result = 0;
    CHECK_INT(s7__diag_cr_classify(0x0103, a, 8, &logo, &best), S7_DIAG_CR_WRONG_TSAP);
    CHECK_INT(best, 5);
    CHECK_INT(s7__diag_cr_classify(0x0103, a, 8, NULL, &best), S7_DIAG_CR_WRONG_TSAP);
    CHECK_INT(best, 2); /* identity unknown: the first accepted */
    CHECK_INT(s7__diag_cr_classify(0x0103, a, 8, &s300, &best), S7_DIAG_CR_WRONG_TSAP);
    CHECK_INT(best, 2);

    /* the address accepted only with another type (and the asked type refused there too) */
    a[2].result = S7_ERR_CR_REJECTED;
    a[5].result = S7_ERR_CR_REJECTED;
    a[8] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0202, 1);
    CHECK_INT(s7__diag_cr_classify(0x0101, a, 9, NULL, &best), S7_DIAG_CR_WRONG_TSAP);
    CHECK_INT(best, 8);

    /* nothing accepted */
    a[8].result = S7_ERR_CR_REJECTED;
    CHECK_INT(s7__diag_cr_classify(0x0101, a, 9, NULL, &best), S7_DIAG_CR_ALL_REFUSED);
    CHECK_INT(best, -1);

    /* an explicit pair asked for (0100:2000, no rack/slot type): the rack/slots are "other" */
    a[0] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0101, 1);
    CHECK_INT(s7__diag_cr_classify(0x2000, a, 1, NULL, &best), S7_DIAG_CR_WRONG_TSAP);
    CHECK_INT(best, 0);
    /* the same TSAP as asked is never "another type" */
    a[0] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0101, 1);
    CHECK_INT(s7__diag_cr_classify(0x0101, a, 1, NULL, &best), S7_DIAG_CR_ALL_REFUSED);
    /* 0x0501 (an S7 basic TSAP) refused, PG at the same rack/slot accepted: resources */
    a[0] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0101, 1);
    CHECK_INT(s7__diag_cr_classify(0x0501, a, 1, NULL, &best), S7_DIAG_CR_RESOURCES_EXHAUSTED);
    /* 0x0501 refused, 0x0301 (the same S7 basic pool, the same rack/slot) accepted: the pool
     * has room, the TSAP is what is wrong */
    a[0] = alt(S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0301, 1);
    CHECK_INT(s7__diag_cr_classify(0x0501, a, 1, NULL, &best), S7_DIAG_CR_WRONG_TSAP);
    CHECK_INT(best, 0);
}

static void test_alt_args(void)
{
    s7_diag_alt a;
    char buf[64];
    s7__alt_set(&a, S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0102);
    CHECK_INT(a.rack, 0);
    CHECK_INT(a.slot, 2);
    CHECK_INT(a.type, S7_CONN_PG);
    CHECK_STR(s7_diag_alt_args(&a, buf, sizeof buf), "--rack 0 --slot 2 --type pg");
    s7__alt_set(&a, S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0223);
    CHECK_STR(s7_diag_alt_args(&a, buf, sizeof buf), "--rack 1 --slot 3 --type op");
    s7__alt_set(&a, S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0301);
    CHECK_STR(s7_diag_alt_args(&a, buf, sizeof buf), "--rack 0 --slot 1 --type basic");
    s7__alt_set(&a, S7_DIAG_ALT_LOGO, 0x0100, 0x0200);
    CHECK_STR(s7_diag_alt_args(&a, buf, sizeof buf), "--tsap 0100:0200");
    s7__alt_set(&a, S7_DIAG_ALT_S7200, 0x1000, 0x1001);
    CHECK_STR(s7_diag_alt_args(&a, buf, sizeof buf), "--tsap 1000:1001");
    /* basic 0x05 is not what --type basic sends (0x03): an explicit pair */
    s7__alt_set(&a, S7_DIAG_ALT_RACKSLOT, 0x0100, 0x0501);
    CHECK_STR(s7_diag_alt_args(&a, buf, sizeof buf), "--tsap 0100:0501");
    s7__alt_set(&a, S7_DIAG_ALT_RACKSLOT, 0x1000, 0x0101);
    CHECK_STR(s7_diag_alt_args(&a, buf, sizeof buf), "--tsap 1000:0101");
}

static uint32_t count(const char *t, int *rc, char *err, size_t cap)
{
    uint32_t n = 0;
    *rc = s7_scan_count(t, &n, err, cap);
    return n;
}

static void test_targets(void)
{
    char err[256];
    int rc;
    CHECK_INT(count("10.0.0.0/24", &rc, err, sizeof err), 254);
    CHECK_INT(rc, 0);
    CHECK_INT(count("10.0.0.0/30", &rc, err, sizeof err), 2);
    CHECK_INT(count("10.0.0.0/31", &rc, err, sizeof err), 2);
    CHECK_INT(count("10.0.0.7/32", &rc, err, sizeof err), 1);
    CHECK_INT(count("10.0.0.77/29", &rc, err, sizeof err), 6); /* host bits ignored */
    CHECK_INT(count("10.0.0.0/16", &rc, err, sizeof err), 65534);
    CHECK_INT(count("10.0.0.0/8", &rc, err, sizeof err), 16777214);
    CHECK_INT(count("10.0.0.1-10.0.0.40", &rc, err, sizeof err), 40);
    CHECK_INT(count("10.0.0.1-40", &rc, err, sizeof err), 40);
    CHECK_INT(count("10.0.0.250-10.0.1.5", &rc, err, sizeof err), 12);
    CHECK_INT(count("127.0.0.1", &rc, err, sizeof err), 1);
    CHECK_INT(count("127.0.0.1-8,127.0.0.20, 127.0.0.0/30", &rc, err, sizeof err), 11);
    CHECK_INT(rc, 0);
    static const char *const bad[] = {"",           "10.0.0.256",        "10.0.0.1/33",
                                      "10.0.0.1/",  "10.0.0.9-3",        "10.0.0.1-300",
                                      "10.0.0.1-x", "plc.example",       "10.0.0",
                                      "::1",        "10.0.0.1-10.0.0.0", "10.0.0.1/2x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = 0;
        count(bad[i], &rc, err, sizeof err);
        CHECK_INT(rc, S7_ERR_INVAL);
        CHECK(err[0] != 0);
    }
    count("10.0.0.9-3", &rc, err, sizeof err);
    CHECK(has(err, "ends before it starts"));
    count("10.0.0.1/33", &rc, err, sizeof err);
    CHECK(has(err, "prefix length"));
    /* the scan refuses large lists before sending anything */
    s7_scan_opts o;
    s7_scan_opts_init(&o);
    CHECK_INT(o.port, 102);
    CHECK_INT(o.concurrency, 32);
    CHECK_INT(o.max_hosts, 65536);
    rc = s7_scan("10.0.0.0/8", &o, NULL, NULL, err, sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
    CHECK(has(err, "more than the limit of 65536"));
    o.max_hosts = 10;
    rc = s7_scan("10.0.0.1-11", &o, NULL, NULL, err, sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
    rc = s7_scan("bogus", &o, NULL, NULL, err, sizeof err);
    CHECK_INT(rc, S7_ERR_INVAL);
}

static void test_args(void)
{
    s7_doctor_opts o;
    s7_diag_report r;
    s7_discover_result d;
    s7_doctor_opts_init(&o);
    CHECK_INT(o.port, 102);
    CHECK_INT(o.client.slot, 1);
    CHECK_INT(s7_doctor(&o, &r), S7_ERR_INVAL); /* no host */
    CHECK(r.checks == NULL);
    o.host = "";
    CHECK_INT(s7_doctor(&o, &r), S7_ERR_INVAL);
    o.host = "127.0.0.1";
    o.ntargets = 1; /* without targets */
    CHECK_INT(s7_doctor(&o, &r), S7_ERR_INVAL);
    CHECK_INT(s7_doctor(&o, NULL), S7_ERR_INVAL);
    CHECK_INT(s7_discover(NULL, 102, 100, &d), S7_ERR_INVAL);
    CHECK_INT(s7_discover("x", 102, 100, NULL), S7_ERR_INVAL);
    s7_diag_report_free(NULL);
    memset(&r, 0, sizeof r);
    s7_diag_report_free(&r);
    CHECK(s7_diag_report_failed(&r) == NULL);
}

/* A report built by hand: the JSON has every field, escapes text and writes nulls. */
static void test_json(void)
{
    s7_diag_report r;
    memset(&r, 0, sizeof r);
    r.verdict = S7_DIAG_DB_TOO_SHORT;
    r.nchecks = 2;
    r.checks = calloc(2, sizeof *r.checks);
    CHECK(r.checks != NULL);
    if (!r.checks)
        return;
    strcpy(r.checks[0].id, "tcp");
    r.checks[0].status = S7_DIAG_PASS;
    strcpy(r.checks[0].detail, "connected \"quoted\"\n\\ tab\t");
    strcpy(r.checks[1].id, "db:5");
    r.checks[1].status = S7_DIAG_FAIL;
    r.checks[1].ms = 3;
    strcpy(r.checks[1].cause, "DB5 is 64 bytes long");
    strcpy(r.checks[1].fix, "make DB5 longer");
    r.checks[1].frames = calloc(1, sizeof *r.checks[1].frames);
    r.checks[1].nframes = 1;
    r.checks[1].frames[0].outgoing = 1;
    r.checks[1].frames[0].len = 3;
    memcpy(r.checks[1].frames[0].bytes, "\x03\x00\xab", 3);
    r.failed = 1;
    strcpy(r.host, "plc-1");
    r.port = 102;
    r.caps.max_connections = -1;
    r.caps.used_connections = 7;
    r.caps.protection_level = -1;
    r.caps.protection_switch = -1;
    r.caps.max_pdu = -1;
    r.put_get = -1;
    char *j = s7_diag_report_json(&r);
    CHECK(j != NULL);
    CHECK(has(j, "\"verdict\": \"db_too_short\""));
    CHECK(has(j, "\"failed_check\": \"db:5\""));
    CHECK(has(j, "\"cause\": \"DB5 is 64 bytes long\""));
    CHECK(has(j, "\"fix\": \"make DB5 longer\""));
    CHECK(has(j, "connected \\\"quoted\\\"\\n\\\\ tab\\t"));
    CHECK(has(j, "\"status\": \"pass\""));
    CHECK(has(j, "\"status\": \"fail\""));
    CHECK(has(
        j,
        "{\"dir\": \"out\", \"t_ms\": 0, \"len\": 3, \"hex\": \"0300ab\", \"truncated\": false}"));
    CHECK(has(j, "\"max\": null, \"used\": 7"));
    CHECK(has(j, "\"max_pdu\": null}, \"implausible\": [], \"put_get\": null"));
    CHECK(has(j, "\"put_get\": null"));
    CHECK(has(j, "\"cpu\": null"));
    CHECK(has(j, "\"session\": null"));
    CHECK(has(j, "\"cr\": null"));
    CHECK(has(j, "\"tsap\": null, \"ms\": 0, \"checks\""));
    CHECK(has(j, "\"address\": null"));
    CHECK(has(j, "\"id\": \"tcp\", \"status\": \"pass\", \"ms\": 0, \"detail\": \"connected"));
    CHECK(has(j, "\"cause\": null, \"fix\": null, \"frames\": []"));
    CHECK(!has(j, "\"\""));
    CHECK(!has(j, "total_ms"));
    /* the network step, the mode change, the family, the path: null or empty when unset */
    CHECK(has(j, "\"network\": {\"team\": \"PLC programmer (the TIA Portal / STEP 7 project)\", "
                 "\"probes\": []}, \"mode_changed\": null, \"family\": null, \"path\": null}"));
    free(j);
    r.nprobes = 2;
    strcpy(r.probes[0].id, "syn");
    r.probes[0].ran = 1;
    strcpy(r.probes[0].saw, "ECONNREFUSED after 0 ms");
    strcpy(r.probes[1].id, "ttl");
    strcpy(r.probes[1].saw, "not run: \"root\"");
    strcpy(r.mode_changed, "2026-12-04 10:52:14.857");
    strcpy(r.family, "s7-300");
    strcpy(r.path_note, "not documented");
    r.path_documented = 0;
    j = s7_diag_report_json(&r);
    CHECK(has(j, "\"probes\": [{\"id\": \"syn\", \"ran\": true, \"saw\": \"ECONNREFUSED after 0 "
                 "ms\"}, {\"id\": \"ttl\", \"ran\": false, \"saw\": \"not run: \\\"root\\\"\"}]"));
    CHECK(has(j, "\"mode_changed\": \"2026-12-04 10:52:14.857\", \"family\": \"s7-300\""));
    CHECK(has(j, "\"path\": {\"documented\": false, \"note\": \"not documented\"}"));
    free(j);
    r.nprobes = 0;
    r.mode_changed[0] = r.family[0] = r.path_note[0] = 0;
    /* figures no CPU reports: the raw values stay, the implausible list says so */
    r.caps.protection_level = 8245;
    r.caps.max_connections = 21303;
    r.caps.used_connections = 32411;
    r.pdu = 480;
    j = s7_diag_report_json(&r);
    CHECK(has(j, "\"protection\": {\"level\": 8245, \"switch\": null}"));
    CHECK(has(j, "\"connections\": {\"max\": 21303, \"used\": 32411, \"max_pdu\": null}"));
    CHECK(has(j, "\"implausible\": [{\"field\": \"protection.level\", \"value\": 8245, "
                 "\"reason\": \"a CPU reports protection level 1, 2 or 3\"}, "
                 "{\"field\": \"connections.max\", \"value\": 21303"));
    CHECK(has(j, "{\"field\": \"connections.used\", \"value\": 32411"));
    free(j);
    s7_diag_report_free(&r);
    CHECK(r.checks == NULL);

    s7_scan_host h;
    memset(&h, 0, sizeof h);
    strcpy(h.addr, "10.0.0.9");
    h.state = S7_SCAN_FILTERED;
    h.tcp_ms = -1;
    j = s7_scan_host_json(&h);
    CHECK(
        has(j, "\"host\": \"10.0.0.9\", \"state\": \"filtered\", \"tcp_ms\": null, \"s7\": false"));
    CHECK(has(j, "\"tsap\": null, \"pdu\": null, \"error\": null, \"cpu\": null}"));
    free(j);
    h.state = S7_SCAN_ANSWERING;
    h.tcp_ms = 2;
    h.s7_error = S7_ERR_TIMEOUT;
    h.have_identity = 1;
    strcpy(h.identity.order_code, "6ES7 315-2EH14-0AB0");
    h.cpu_state = S7_CPU_STOP;
    j = s7_scan_host_json(&h);
    CHECK(has(
        j, "\"error\": {\"name\": \"timeout\", \"code\": null, \"message\": \"request timed out\", "
           "\"cause\": null, \"fix\": null}"));
    CHECK(has(j, "\"order_code\": \"6ES7 315-2EH14-0AB0\", \"firmware\": null"));
    CHECK(has(j, "\"plant_id\": null"));
    CHECK(has(j, "\"state\": \"stop\"}"));
    free(j);

    /* every state has its lowercase name */
    CHECK(strcmp(s7_cpu_state_name(S7_CPU_RUN), "run") == 0);
    CHECK(strcmp(s7_cpu_state_name(S7_CPU_STOP), "stop") == 0);
    CHECK(strcmp(s7_cpu_state_name(S7_CPU_STARTUP), "startup") == 0);
    CHECK(strcmp(s7_cpu_state_name(S7_CPU_HOLD), "hold") == 0);
    CHECK(strcmp(s7_cpu_state_name(S7_CPU_DEFECT), "defect") == 0);
    CHECK(strcmp(s7_cpu_state_name(S7_CPU_UNKNOWN), "unknown") == 0);
    CHECK(strcmp(s7_cpu_state_name(99), "unknown") == 0);

    /* the pieces for other printers */
    j = s7_error_json("object_not_found", "0x0A", "DB9 \"x\"", "", NULL);
    CHECK(
        j &&
        strcmp(
            j,
            "{\"name\": \"object_not_found\", \"code\": \"0x0A\", \"message\": \"DB9 \\\"x\\\"\", "
            "\"cause\": null, \"fix\": null}") == 0);
    free(j);
    memset(&h.identity, 0, sizeof h.identity);
    j = s7_cpu_info_json(&h.identity, S7_CPU_RUN);
    CHECK(j &&
          strcmp(j,
                 "{\"order_code\": null, \"firmware\": null, \"module_type\": null, "
                 "\"module_name\": null, \"as_name\": null, \"plant_id\": null, \"serial\": null, "
                 "\"copyright\": null, \"state\": \"run\"}") == 0);
    free(j);
}

int main(void)
{
    test_names();
    test_classify();
    test_alt_args();
    test_targets();
    test_args();
    test_json();
    return t_done();
}
