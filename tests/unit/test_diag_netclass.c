/* Unit tests of the doctor's network rule (diag/netclass.c, s7__net_classify): a table of
 * evidence -> verdict, each row also asserting the team named in the fix and a piece of the
 * finding, and that the verdict comes from the evidence alone (the same evidence gives the
 * same verdict whatever the timeout was).  Also the order-code families of
 * s7_diag_family_of_order_code (--expect-profile). */
#include <errno.h>
#include <string.h>

#include "diag/net_int.h"
#include "s7/diag.h"
#include "t.h"

static int has(const char *s, const char *sub) { return s && sub && strstr(s, sub) != NULL; }

static s7__net_ev base(int syn)
{
    s7__net_ev e;
    s7__net_ev_init(&e);
    snprintf(e.target, sizeof e.target, "10.0.2.2");
    e.port = 102;
    e.timeout_ms = 3000;
    e.syn = syn;
    return e;
}

typedef struct row {
    const char *what;
    s7__net_ev ev;
    int want;
    const char *fix_has;     /* the team */
    const char *finding_has; /* the evidence named */
} row;

static void run(const row *r)
{
    char f[400], c[640], x[640];
    int v = s7__net_classify(&r->ev, f, sizeof f, c, sizeof c, x, sizeof x);
    if (v != r->want)
        fprintf(stderr, "  row '%s': got %s, want %s\n", r->what, s7_diag_verdict_name(v),
                s7_diag_verdict_name(r->want));
    CHECK_INT(v, r->want);
    CHECK(has(x, r->fix_has));
    CHECK(has(f, r->finding_has));
    CHECK(c[0] != 0);
    if (!has(x, r->fix_has) || !has(f, r->finding_has))
        fprintf(stderr, "  row '%s':\n    finding: %s\n    fix: %s\n", r->what, f, x);
}

static void test_table(void)
{
    row rows[48];
    size_t n = 0;
    s7__net_ev e;

    /* timeout, host proven alive three ways -> port_filtered */
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 1;
    e.neigh = S7__NEIGH_VALID;
    rows[n++] = (row){"drop, ARP answers", e, S7_DIAG_PORT_FILTERED, "network team (firewall)",
                      "answers ARP"};
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 0;
    e.echo = S7__LIVE_ANSWER;
    rows[n++] =
        (row){"drop, echo answers", e, S7_DIAG_PORT_FILTERED, "cell firewall rule", "ICMP echo"};
    /* the echo requests after the first reply show loss: the loss is named first */
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 0;
    e.echo = S7__LIVE_ANSWER;
    e.echo_upto = 10;
    e.echo_gaps = 4;
    rows[n++] = (row){"lossy path, echo answers 6 of 10", e, S7_DIAG_PORT_FILTERED,
                      "find the packet loss first", "4 of the first 10 echo requests"};
    /* every echo answered: no loss, the firewall rule as before */
    e.echo_gaps = 0;
    rows[n++] =
        (row){"no loss, 10 of 10", e, S7_DIAG_PORT_FILTERED, "cell firewall rule", "ICMP echo"};
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 0;
    e.echo = S7__LIVE_NONE;
    e.other = S7__LIVE_ANSWER;
    e.other_port = 80;
    rows[n++] = (row){"drop, port 80 answers", e, S7_DIAG_PORT_FILTERED, "before touching PLC",
                      "TCP port 80"};
    /* timeout, host proven down -> host_unreachable */
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 1;
    e.neigh = S7__NEIGH_FAILED;
    rows[n++] = (row){"same segment, ARP failed", e, S7_DIAG_HOST_UNREACHABLE, "power",
                      "no device answers ARP for 10.0.2.2"};
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 0;
    e.echo = S7__LIVE_UNREACH;
    snprintf(e.live_from, sizeof e.live_from, "10.0.1.1");
    rows[n++] = (row){"router reports echo unreachable", e, S7_DIAG_HOST_UNREACHABLE, "cabling",
                      "10.0.1.1 reports"};
    /* timeout, nothing proven -> no_answer (never port_filtered by guess) */
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 0;
    e.echo = S7__LIVE_NONE;
    e.other = S7__LIVE_NONE;
    rows[n++] = (row){"nothing answers behind a router", e, S7_DIAG_NO_ANSWER, "network team",
                      "no probe could prove"};
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 1;
    e.neigh = S7__NEIGH_INCOMPLETE;
    rows[n++] = (row){"ARP still asking", e, S7_DIAG_NO_ANSWER, "whoever owns the CPU",
                      "neither SYN-ACK nor RST"};
    /* on the segment, the kernel's ARP entry from before the check: not proof; our own ARP
     * requests unanswered: down; answered: up */
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 1;
    e.neigh = S7__NEIGH_OLD;
    e.neigh_age_ms = 5000;
    rows[n++] = (row){"old ARP entry, no ARP of our own", e, S7_DIAG_NO_ANSWER, "as root",
                      "last confirmed 5 s before the check"};
    e.arp = S7__LIVE_NONE;
    rows[n++] = (row){"old ARP entry, our ARP unanswered", e, S7_DIAG_HOST_UNREACHABLE, "power",
                      "our own requests got no answer"};
    e.neigh = S7__NEIGH_VALID;
    rows[n++] = (row){"valid ARP entry, our ARP unanswered", e, S7_DIAG_HOST_UNREACHABLE, "power",
                      "our own requests got no answer"};
    e.arp = S7__LIVE_ANSWER;
    e.neigh = S7__NEIGH_OLD;
    rows[n++] = (row){"old ARP entry, our ARP answered", e, S7_DIAG_PORT_FILTERED,
                      "network team (firewall)", "answers ARP on this segment now"};
    /* an ICMP error for the SYN */
    e = base(S7__SYN_ICMP);
    e.icmp_type = 3;
    e.icmp_code = 13;
    snprintf(e.offender, sizeof e.offender, "10.0.1.1");
    e.offender_is_target = 0;
    rows[n++] = (row){"admin prohibited", e, S7_DIAG_PORT_REJECTED, "network team (firewall)",
                      "administratively prohibited"};
    e.icmp_code = 3;
    rows[n++] = (row){"port unreachable from a router", e, S7_DIAG_PORT_REJECTED, "on 10.0.1.1",
                      "not from the target"};
    e.offender_is_target = 1;
    snprintf(e.offender, sizeof e.offender, "10.0.2.2");
    rows[n++] = (row){"port unreachable from the target's own filter", e, S7_DIAG_PORT_REJECTED,
                      "firewall", "the target itself"};
    /* an IPv6 target: the ICMPv6 error as the probe maps it */
    e = base(S7__SYN_ICMP);
    snprintf(e.target, sizeof e.target, "fd00::6");
    e.v6 = 1;
    e.icmp_type = 3;
    e.icmp_code = 13;
    snprintf(e.offender, sizeof e.offender, "fd00:1::1");
    e.offender_is_target = 0;
    rows[n++] = (row){"ICMPv6 admin prohibited", e, S7_DIAG_PORT_REJECTED, "on fd00:1::1",
                      "ICMPv6 administratively prohibited from fd00:1::1"};
    e = base(S7__SYN_ICMP);
    e.icmp_type = 3;
    e.icmp_code = 1;
    snprintf(e.offender, sizeof e.offender, "10.0.1.1");
    e.offender_is_target = 0;
    e.offender_is_local = 0;
    rows[n++] = (row){"router: host unreachable", e, S7_DIAG_HOST_UNREACHABLE,
                      "a firewall is not the cause", "from 10.0.1.1"};
    e.offender_is_local = 1;
    snprintf(e.offender, sizeof e.offender, "10.0.2.1");
    e.on_link = 1;
    rows[n++] = (row){"own ARP failed (EHOSTUNREACH)", e, S7_DIAG_HOST_UNREACHABLE, "VLAN",
                      "no device answers ARP"};
    /* a host unreachable for the SYN while the host answers ping: a filter's message */
    e = base(S7__SYN_ICMP);
    e.icmp_type = 3;
    e.icmp_code = 1;
    snprintf(e.offender, sizeof e.offender, "10.0.1.1");
    e.offender_is_target = 0;
    e.offender_is_local = 0;
    e.on_link = 0;
    e.echo = S7__LIVE_ANSWER;
    rows[n++] = (row){"host unreachable, but ping answers", e, S7_DIAG_PORT_REJECTED,
                      "network team (firewall)", "while 10.0.2.2 is up (it answers ICMP echo"};
    /* behind a gateway that answers no ARP: this machine's routing (SYN failed locally, or
     * timed out with the gateway's entry FAILED) */
    e = base(S7__SYN_ICMP);
    e.icmp_type = 3;
    e.icmp_code = 1;
    e.offender_is_local = 1;
    e.on_link = 0;
    snprintf(e.gateway, sizeof e.gateway, "10.0.1.77");
    rows[n++] = (row){"dead gateway (EHOSTUNREACH)", e, S7_DIAG_NO_ROUTE, "its gateway 10.0.1.77",
                      "no device answers ARP for 10.0.1.77"};
    e = base(S7__SYN_TIMEOUT);
    e.on_link = 0;
    e.neigh = S7__NEIGH_FAILED;
    snprintf(e.gateway, sizeof e.gateway, "10.0.1.77");
    rows[n++] = (row){"dead gateway (timeout)", e, S7_DIAG_NO_ROUTE, "ip route get 10.0.2.2",
                      "behind the gateway 10.0.1.77"};
    /* RST: verified, from the path, unverifiable */
    e = base(S7__SYN_RST);
    e.raw = 1;
    e.rst_ttl = 63;
    e.echo = S7__LIVE_ANSWER;
    e.echo_ttl = 63;
    rows[n++] =
        (row){"RST with the target's TTL", e, S7_DIAG_PORT_CLOSED, "PLC owner", "sender verified"};
    e.rst_ttl = 64;
    rows[n++] = (row){"RST with another TTL", e, S7_DIAG_PORT_REJECTED, "network team (firewall)",
                      "from a device on the path"};
    e = base(S7__SYN_RST);
    e.raw = 1;
    e.rst_ttl = 61;
    e.other = S7__LIVE_ANSWER;
    e.other_port = 80;
    e.other_ttl = 61;
    e.echo = S7__LIVE_ANSWER;
    e.echo_ttl = 64; /* another port's answer counts first: the same stack as the RST */
    rows[n++] = (row){"RST as port 80's", e, S7_DIAG_PORT_CLOSED, "PLC owner", "TTL 61"};
    e = base(S7__SYN_RST);
    e.raw = 1;
    e.rst_ttl = 64;
    e.on_link = 0;
    snprintf(e.gateway, sizeof e.gateway, "10.0.1.1");
    rows[n++] = (row){"RST zero hops away, target behind a router", e, S7_DIAG_PORT_REJECTED,
                      "firewall", "zero hops"};
    /* ... also when the "other answers" have that TTL too (a filter resetting every port) */
    e.other = S7__LIVE_ANSWER;
    e.other_port = 80;
    e.other_ttl = 64;
    rows[n++] = (row){"every RST zero hops away", e, S7_DIAG_PORT_REJECTED, "firewall",
                      "so did the other answers"};
    e = base(S7__SYN_RST);
    e.raw = 0;
    rows[n++] = (row){"RST without a raw socket", e, S7_DIAG_PORT_CLOSED,
                      "whether a firewall rejects", "could not be verified"};
    e = base(S7__SYN_RST);
    e.raw = 1;
    e.rst_ttl = 63;
    e.on_link = 0;
    rows[n++] = (row){"RST, nothing to compare", e, S7_DIAG_PORT_CLOSED, "PLC owner",
                      "no other answer to compare"};
    /* local faults */
    e = base(S7__SYN_NOROUTE);
    rows[n++] = (row){"no route", e, S7_DIAG_NO_ROUTE, "ip route get 10.0.2.2", "no route"};
    e = base(S7__SYN_LOCAL_FW);
    rows[n++] =
        (row){"own firewall", e, S7_DIAG_PORT_FILTERED, "whoever runs this machine", "EPERM"};
    e = base(S7__SYN_OTHER);
    e.syn_errno = EADDRNOTAVAIL;
    snprintf(e.source, sizeof e.source, "10.0.1.20");
    rows[n++] = (row){"source address not held", e, S7_DIAG_NO_ROUTE, "ip netns exec",
                      "does not hold the source address 10.0.1.20"};
    for (size_t i = 0; i < n; i++)
        run(&rows[i]);

    /* the verdict depends on the evidence, not on the timeout the SYN had */
    for (int t = 500; t <= 8000; t *= 2) {
        char f[400], c[640], x[640];
        e = base(S7__SYN_TIMEOUT);
        e.timeout_ms = t;
        e.on_link = 1;
        e.neigh = S7__NEIGH_FAILED;
        CHECK_INT(s7__net_classify(&e, f, sizeof f, c, sizeof c, x, sizeof x),
                  S7_DIAG_HOST_UNREACHABLE);
        e.neigh = S7__NEIGH_VALID;
        CHECK_INT(s7__net_classify(&e, f, sizeof f, c, sizeof c, x, sizeof x),
                  S7_DIAG_PORT_FILTERED);
    }
    /* connected: nothing to say */
    {
        char f[400], c[640], x[640];
        e = base(S7__SYN_CONNECTED);
        CHECK_INT(s7__net_classify(&e, f, sizeof f, c, sizeof c, x, sizeof x), S7_DIAG_OK);
        CHECK(f[0] == 0 && x[0] == 0);
    }
}

static void test_families(void)
{
    CHECK_STR(s7_diag_family_of_order_code("6ES7 315-2EH14-0AB0"), "s7-300");
    CHECK_STR(s7_diag_family_of_order_code("6ES7 416-3XR05-0AB0"), "s7-400");
    CHECK_STR(s7_diag_family_of_order_code("6ES7 214-1AG40-0XB0"), "s7-1200");
    CHECK_STR(s7_diag_family_of_order_code("6ES7 516-3AN02-0AB0"), "s7-1500");
    CHECK_STR(s7_diag_family_of_order_code("6ES7 288-1SR20-0AA0"), "s7-200smart");
    CHECK_STR(s7_diag_family_of_order_code("6ED1052-1MD08-0BA1"), "logo8");
    CHECK(s7_diag_family_of_order_code("6GK7 343-1EX30-0XE0") == NULL);
    CHECK(s7_diag_family_of_order_code("") == NULL);
    CHECK(s7_diag_family_of_order_code(NULL) == NULL);
}

int main(void)
{
    test_table();
    test_families();
    return t_done();
}
