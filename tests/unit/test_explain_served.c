/* client/explain_served.c: the cause and the fix of a connection error of a partner that
 * served before (s7_err_explain_served): no first-contact wording ("wrong IP address"),
 * the address and port named, 0 and "" for any other error. */
#include <string.h>

#include "s7/explain.h"
#include "s7/wire.h"
#include "t.h"

static void test_the_four_errors(void)
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
    CHECK(strstr(fix, "s7 doctor 10.1.2.3") != NULL);

    CHECK_INT(s7_err_explain_served(S7_ERR_UNREACH, &ctx, cause, sizeof cause, fix, sizeof fix), 1);
    CHECK(strstr(cause, "it was reached before") != NULL);

    CHECK_INT(s7_err_explain_served(S7_ERR_CR_REJECTED, &ctx, cause, sizeof cause, fix, sizeof fix),
              1);
    CHECK(strstr(cause, "refused the connection request it accepted before") != NULL);
    CHECK(strstr(fix, "free connection resources") != NULL);
}

static void test_other_errors_and_buffers(void)
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
    test_the_four_errors();
    test_other_errors_and_buffers();
    return t_done();
}
