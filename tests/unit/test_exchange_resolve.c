/* exchange/resolve.c: partner host names are looked up when the configuration loads, once
 * (s7_exchange_resolve, s7_bridge_add_partner): a name from /etc/hosts ("localhost") gets
 * its numeric address, the engines dial that; a name that does not resolve is refused at
 * load with its WHERE (FILE:LINE), its connection and the name; a passive entry without a
 * partner is left alone; the bridge refuses such a partner with S7_ERR_RESOLVE and its
 * config loader names FILE:LINE. */
#include <stdio.h>
#include <string.h>

#include "s7/exchange.h"
#include "s7/exchange_bridge.h"
#include "t.h"

#define BAD "no-such-plc.invalid" /* .invalid never resolves (RFC 2606) */

static int has(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

static void test_table(void)
{
    s7_exchange x;
    char err[800];
    s7_exchange_init(&x);
    CHECK_INT(s7_exchange_parse_job(&x, "get localhost DB20.DBW0 every 100ms into DB40.DBW0",
                                    "f.yaml:3", err, sizeof err),
              0);
    CHECK_INT(s7_exchange_parse_job(&x, "get 10.200.2.10 DB20.DBW0 every 100ms into DB40.DBW2",
                                    "f.yaml:4", err, sizeof err),
              0);
    CHECK_INT(x.nconns, 2);
    CHECK_STR(x.conns[0].addr, "");
    CHECK_INT(s7_exchange_resolve(&x, err, sizeof err), 0);
    CHECK_STR(x.conns[0].host, "localhost"); /* the name stays for the messages */
    CHECK_STR(x.conns[0].addr, "127.0.0.1"); /* /etc/hosts: 127.0.0.1 localhost */
    CHECK_STR(x.conns[1].addr, "10.200.2.10");

    CHECK_INT(s7_exchange_parse_job(&x, "get " BAD " DB20.DBW0 every 100ms into DB40.DBW4",
                                    "f.yaml:9", err, sizeof err),
              0); /* a well-formed name: the parser and validate take it */
    CHECK_INT(s7_exchange_validate(&x, err, sizeof err), 0);
    strcpy(err, "x");
    CHECK_INT(s7_exchange_resolve(&x, err, sizeof err), S7_ERR_RESOLVE);
    CHECK(has(err, "f.yaml:9: connection 3: host '" BAD "' does not resolve ("));
    CHECK(has(err, "give the partner's address (e.g. 10.200.2.10)"));
    s7_exchange_free(&x);

    /* a passive entry for any partner has no host to look up */
    s7_exchange_init(&x);
    s7_xconn c;
    memset(&c, 0, sizeof c);
    c.id = 5;
    c.side = S7_XCONN_UNSPECIFIED;
    CHECK(s7_exchange_add_conn(&x, &c) != NULL);
    CHECK_INT(s7_exchange_resolve(&x, err, sizeof err), 0);
    CHECK_STR(x.conns[0].addr, "");
    s7_exchange_free(&x);
}

static void test_bridge(void)
{
    s7_bridge *b = s7_bridge_new(NULL);
    CHECK(b != NULL);
    CHECK_INT(s7_bridge_add_partner(b, "a", "localhost", 1, NULL), 0);
    CHECK_INT(s7_bridge_add_partner(b, "b", BAD, 2, NULL), S7_ERR_RESOLVE);
    CHECK_INT(s7_bridge_add_partner(b, "b", "127.0.0.1", 2, NULL), 1);
    s7_bridge_partner_stats st;
    CHECK_INT(s7_bridge_partner_stat(b, 0, &st), 0);
    CHECK_STR(st.host, "localhost");
    s7_bridge_free(b);

    s7_bridge_partner_cfg p[2];
    memset(p, 0, sizeof p);
    snprintf(p[0].name, sizeof p[0].name, "line1");
    snprintf(p[0].host, sizeof p[0].host, "localhost");
    snprintf(p[0].where, sizeof p[0].where, "b.yaml:3");
    snprintf(p[1].name, sizeof p[1].name, "line2");
    snprintf(p[1].host, sizeof p[1].host, BAD);
    snprintf(p[1].where, sizeof p[1].where, "b.yaml:8");
    s7_bridge_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.partners = p;
    cfg.npartners = 2;
    char err[600] = "";
    s7_bridge *out = (s7_bridge *)&cfg;
    CHECK_INT(s7_bridge_from_config(&cfg, NULL, &out, err, sizeof err), S7_ERR_RESOLVE);
    CHECK(out == NULL);
    CHECK(has(err, "b.yaml:8: partner line2: host '" BAD "' does not resolve ("));
}

int main(void)
{
    test_table();
    test_bridge();
    return t_done();
}
