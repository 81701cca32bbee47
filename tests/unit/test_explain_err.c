/* client/explain_err.c: the cause and the fix of library errors (s7_err_explain), the one
 * wording the command line and the doctor share, and s7_err_explain_served. */
#include <errno.h>
#include <string.h>

#include "s7/explain.h"
#include "s7/wire.h"
#include "t.h"

static void test_every_connection_error(void)
{
    static const int errs[] = {
        S7_ERR_RESOLVE,     S7_ERR_UNREACH,     S7_ERR_REFUSED, S7_ERR_CONNECT_TIMEOUT,
        S7_ERR_CR_REJECTED, S7_ERR_NEGOTIATION, S7_ERR_TIMEOUT, S7_ERR_CLOSED,
        S7_ERR_IO,          S7_ERR_TPKT,        S7_ERR_COTP,    S7_ERR_S7HDR,
        S7_ERR_PARAM,       S7_ERR_PDUREF,      S7_ERR_PROTO,   S7_ERR_SOURCE};
    s7_err_ctx ctx = {.host = "10.1.2.3", .port = 102, .timeout_ms = 3000};
    for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        char cause[640] = "x", fix[640] = "x";
        CHECK_INT(s7_err_explain(errs[i], &ctx, cause, sizeof cause, fix, sizeof fix), 1);
        CHECK(strlen(cause) > 20);
        CHECK(strlen(fix) > 10);
    }
}

static void test_context_in_the_text(void)
{
    char cause[640], fix[640];
    s7_err_ctx ctx = {.host = "10.1.2.3", .port = 1102};
    s7_err_explain(S7_ERR_REFUSED, &ctx, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(cause, "port 1102 was refused by 10.1.2.3") != NULL);
    /* a refusal may be a firewall's reject too: the doctor tells which, not this text */
    CHECK(strstr(cause, "or a firewall on the path rejects the port") != NULL);
    /* the command the fix names checks the port that failed, not 102 */
    CHECK(strstr(fix, "s7 doctor 10.1.2.3:1102 tells which") != NULL);
    CHECK(strstr(fix, "S7 listens on TCP port 102") != NULL);

    s7_err_explain(S7_ERR_CONNECT_TIMEOUT, &ctx, cause, sizeof cause, fix, sizeof fix);
    /* a timeout alone does not tell a host that is off from a firewall: neither team is
     * named as the one at fault, the doctor is */
    CHECK(strstr(cause, "the host is off or not on this network") != NULL);
    CHECK(strstr(cause, "cannot tell which") != NULL);
    CHECK(strstr(fix, "s7 doctor 10.1.2.3:1102 tells which") != NULL);
    CHECK(strstr(fix, "passes TCP 1102 from this host to 10.1.2.3") != NULL);
    CHECK(strstr(fix, "nc -vz 10.1.2.3 1102") != NULL);

    /* this machine's own packet filter refused the SYN: not the path */
    ctx.sys_errno = EPERM;
    s7_err_explain(S7_ERR_CONNECT_TIMEOUT, &ctx, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(cause, "filtered on this host") != NULL);

    s7_err_explain(S7_ERR_UNREACH, &ctx, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(fix, "ip route get 10.1.2.3") != NULL);
    /* a firewall's ICMP admin-prohibited reaches a connect as EHOSTUNREACH too */
    CHECK(strstr(cause, "administratively prohibited") != NULL);
    CHECK(strstr(fix, "s7 doctor 10.1.2.3:1102 names who answered") != NULL);

    /* a refused CR: the field notes' answer is s7 discover, which finds the working pair
     * (and the doctor, which tells a wrong TSAP from used-up resources) */
    s7_err_explain(S7_ERR_CR_REJECTED, &ctx, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(fix, "s7 discover 10.1.2.3:1102 finds the rack/slot") != NULL);
    CHECK(strstr(fix, "s7 doctor 10.1.2.3:1102 tells a wrong rack/slot") != NULL);
    CHECK(strstr(fix, "--slot 2 for S7-300") != NULL);

    /* port 102: the host alone; an IPv6 address with another port: in brackets */
    s7_err_ctx c102 = {.host = "10.1.2.3", .port = 102};
    s7_err_explain(S7_ERR_CR_REJECTED, &c102, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(fix, "s7 discover 10.1.2.3 finds") != NULL);
    s7_err_ctx c6 = {.host = "fd00::5", .port = 1102};
    s7_err_explain(S7_ERR_REFUSED, &c6, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(fix, "s7 doctor [fd00::5]:1102 tells which") != NULL);

    /* no context: port 102 and a neutral name */
    s7_err_explain(S7_ERR_REFUSED, NULL, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(cause, "port 102 was refused by the partner") != NULL);
}

/* a CR closed without a CC: also what a guard does to a client its policy does not name */
static void test_cr_rejected_policy(void)
{
    char cause[640], fix[640];
    s7_err_ctx ctx = {.host = "10.1.2.3", .port = 102};
    s7_err_explain(S7_ERR_CR_REJECTED, &ctx, cause, sizeof cause, fix, sizeof fix);
    CHECK(strstr(cause, "wrong rack/slot or TSAP") != NULL);
    CHECK(strstr(cause, "an access policy in front of the CPU (s7 guard") != NULL);
}

static void test_unknown_and_buffers(void)
{
    char cause[64] = "stale", fix[64] = "stale";
    CHECK_INT(s7_err_explain(S7_ERR_NOMEM, NULL, cause, sizeof cause, fix, sizeof fix), 0);
    CHECK_STR(cause, "");
    CHECK_STR(fix, "");
    CHECK_INT(s7_err_explain(0, NULL, cause, sizeof cause, fix, sizeof fix), 0);
    /* NULL buffers, and a small one is cut but terminated */
    CHECK_INT(s7_err_explain(S7_ERR_REFUSED, NULL, NULL, 0, NULL, 0), 1);
    char small[8];
    s7_err_explain(S7_ERR_REFUSED, NULL, small, sizeof small, NULL, 0);
    CHECK_INT(strlen(small), 7);
}

static void test_item_explain(void)
{
    char cause[640], fix[640];
    CHECK_INT(
        s7_item_explain(S7_RC_NOT_FOUND, S7_AREA_DB, 7, 0, cause, sizeof cause, fix, sizeof fix),
        1);
    CHECK_STR(cause, "DB7 does not exist on the CPU");
    CHECK(strstr(fix, "download DB7") != NULL);
    CHECK_INT(
        s7_item_explain(S7_RC_NOT_FOUND, S7_AREA_T, 0, 0, cause, sizeof cause, fix, sizeof fix), 1);
    CHECK(strstr(cause, "the timer (T) area is not available") != NULL);
    CHECK(strstr(cause, "no T/C areas") != NULL);
    CHECK_INT(
        s7_item_explain(S7_RC_NOT_FOUND, S7_AREA_P, 0, 0, cause, sizeof cause, fix, sizeof fix), 1);
    CHECK(strstr(cause, "the peripheral (P) area is not available") != NULL);
    /* 0x05 on a DB: optimized only when the caller found offset 0 failing */
    CHECK_INT(s7_item_explain(S7_RC_ADDR_OUT_OF_RANGE, S7_AREA_DB, 1, S7_ITEM_EX_OFFSET0, cause,
                              sizeof cause, fix, sizeof fix),
              1);
    CHECK(strstr(cause,
                 "DB1 exists but even offset 0 is out of range: it has optimized block access") !=
          NULL);
    CHECK(strstr(fix, "Optimized block access") != NULL);
    CHECK_INT(s7_item_explain(S7_RC_ADDR_OUT_OF_RANGE, S7_AREA_DB, 1, 0, cause, sizeof cause, fix,
                              sizeof fix),
              0);
    CHECK(strstr(cause, "optimized") == NULL || strstr(cause, "DB1 exists") == NULL);
    /* the rest: the table's text, never empty */
    CHECK_INT(
        s7_item_explain(S7_RC_ACCESS_DENIED, S7_AREA_M, 0, 0, cause, sizeof cause, fix, sizeof fix),
        0);
    CHECK(cause[0] != 0 && fix[0] != 0);
}

/* s7_err_explain_served: no first-contact wording ("wrong IP address"), the address and port
 * named, 0 and "" for any other error */
static void test_served_four_errors(void)
{
    s7_err_ctx ctx = {.host = "10.1.2.3", .port = 1102};
    char cause[512], fix[512], first[512];
    CHECK_INT(s7_err_explain_served(S7_ERR_REFUSED, &ctx, cause, sizeof cause, fix, sizeof fix), 1);
    CHECK(strstr(cause, "10.1.2.3 port 1102 refused the connection (TCP RST) but served it "
                        "before") != NULL);
    CHECK(strstr(cause, "an address conflict") != NULL);
    CHECK(strstr(fix, "arping -D 10.1.2.3") != NULL);
    /* what s7_err_explain says at first contact, and this one does not */
    s7_err_explain(S7_ERR_REFUSED, &ctx, first, sizeof first, NULL, 0);
    CHECK(strstr(first, "wrong IP") != NULL);
    CHECK(strstr(cause, "wrong IP") == NULL);

    CHECK_INT(
        s7_err_explain_served(S7_ERR_CONNECT_TIMEOUT, &ctx, cause, sizeof cause, fix, sizeof fix),
        1);
    CHECK(strstr(cause, "10.1.2.3 served it before") != NULL);
    CHECK(strstr(cause, "a firewall now drops TCP port 1102") != NULL);
    CHECK(strstr(fix, "s7 doctor 10.1.2.3:1102 tells") != NULL);

    CHECK_INT(s7_err_explain_served(S7_ERR_UNREACH, &ctx, cause, sizeof cause, fix, sizeof fix), 1);
    CHECK(strstr(cause, "it was reached before") != NULL);

    CHECK_INT(s7_err_explain_served(S7_ERR_CR_REJECTED, &ctx, cause, sizeof cause, fix, sizeof fix),
              1);
    CHECK(strstr(cause, "refused the connection request it accepted before") != NULL);
    CHECK(strstr(fix, "free connection resources") != NULL);
    CHECK(strstr(fix, "s7 doctor 10.1.2.3:1102 shows") != NULL);
}

static void test_served_others_and_buffers(void)
{
    char cause[64] = "x", fix[64] = "x";
    /* not a connection error of a partner that served: nothing said */
    CHECK_INT(s7_err_explain_served(S7_ERR_TIMEOUT, NULL, cause, sizeof cause, fix, sizeof fix), 0);
    CHECK_STR(cause, "");
    CHECK_STR(fix, "");
    CHECK_INT(s7_err_explain_served(S7_ERR_PLC, NULL, cause, sizeof cause, fix, sizeof fix), 0);
    /* no context: "the partner", port 102; a small buffer is cut, NUL-terminated */
    CHECK_INT(s7_err_explain_served(S7_ERR_REFUSED, NULL, cause, sizeof cause, fix, sizeof fix), 1);
    CHECK(strncmp(cause, "the partner port 102 refused", 28) == 0);
    CHECK(strlen(cause) == sizeof cause - 1);
    /* either text may be left out */
    CHECK_INT(s7_err_explain_served(S7_ERR_UNREACH, NULL, NULL, 0, NULL, 0), 1);
}

int main(void)
{
    test_item_explain();
    test_every_connection_error();
    test_context_in_the_text();
    test_cr_rejected_policy();
    test_unknown_and_buffers();
    test_served_four_errors();
    test_served_others_and_buffers();
    return t_done();
}
