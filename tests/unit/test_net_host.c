/* net/host: the host forms every engine dials.  A dotted quad of decimal 0..255 without
 * leading zeros, a host name and an IPv6 address pass; forms the system resolver would read
 * as another address (inet_aton's shorthand "1.2.3" = 1.2.0.3, octal "010", hex "0x7f", a
 * bare 32-bit number) or look up as a name ("1.2.3.4.5", "256.1.1.1") are refused before
 * anything is dialled, with a message that names the host, what would be right and what
 * would have been dialled.  The resolver and the client's connect go through the check. */
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "net/host.h"
#include "s7/client.h"
#include "s7/net.h"
#include "t.h"

static int has(const char *s, const char *sub) { return strstr(s, sub) != NULL; }

#define BASE                                                                                   \
    "not an IPv4 address (four numbers 0..255 separated by dots, e.g. 192.168.0.1) and not a " \
    "host name"

static void test_accepted(void)
{
    static const char *const ok[] = {"192.168.0.1", "0.0.0.0",      "255.255.255.255", "10.0.0.1",
                                     "127.0.0.1",   "plc-1",        "localhost",       "1e100.net",
                                     "beef",        "a.b.c",        "plc.example.com", "::1",
                                     "fe80::1",     "::ffff:1.2.3", "1a.2.3.4",        "cpu1500"};
    char msg[400];
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        strcpy(msg, "x");
        int rc = s7__host_check(ok[i], msg, sizeof msg);
        if (rc != 0)
            fprintf(stderr, "refused: %s: %s\n", ok[i], msg);
        CHECK_INT(rc, 0);
        CHECK_STR(msg, "");
        CHECK_INT(s7_host_check(ok[i], NULL, 0), 0);
    }
    CHECK_INT(s7__host_check("", msg, sizeof msg), S7_ERR_INVAL);
    CHECK_INT(s7__host_check(NULL, msg, sizeof msg), S7_ERR_INVAL);
}

/* host refused; its message has the base sentence and each of the parts given. */
static void refused(const char *host, const char *part1, const char *part2)
{
    char msg[400], want[64];
    int rc = s7__host_check(host, msg, sizeof msg);
    CHECK_INT(rc, S7_ERR_RESOLVE);
    snprintf(want, sizeof want, "host '%s': ", host);
    CHECK(strncmp(msg, want, strlen(want)) == 0);
    CHECK(has(msg, BASE));
    if (part1 && !has(msg, part1))
        fprintf(stderr, "%s: '%s' not in '%s'\n", host, part1, msg);
    CHECK(!part1 || has(msg, part1));
    CHECK(!part2 || has(msg, part2));
    if (!part1)
        CHECK(!has(msg, "dialled"));
    CHECK_INT(s7_host_check(host, NULL, 0), S7_ERR_RESOLVE);
}

static void test_refused(void)
{
    refused("1.2.3", "; the system resolver would have dialled 1.2.0.3 (inet_aton's shorthand)",
            NULL);
    refused("1.2", "would have dialled 1.0.0.2", NULL);
    refused("127.1", "would have dialled 127.0.0.1", NULL);
    refused("010.1.1.1", "would have dialled 8.1.1.1",
            "leading zeros are not allowed: write 10.1.1.1 if that address is meant");
    refused("192.168.000.001", "would have dialled 192.168.0.1", "write 192.168.0.1");
    refused("08.1.1.1", "write 8.1.1.1", NULL); /* not octal: inet_aton refuses, DNS would get it */
    refused("0x7f.1", "would have dialled 127.0.0.1", NULL);
    refused("0X7F.0.0.1", "would have dialled 127.0.0.1", NULL);
    refused("3232235521", "would have dialled 192.168.0.1", NULL);
    refused("0", "would have dialled 0.0.0.0", NULL);
    refused("1.2.3.4.5", NULL, NULL);
    refused("256.1.1.1", NULL, NULL);
    refused("1.2.3.4.", NULL, NULL);
    refused("1..2.3", NULL, NULL);
    refused("4294967296", NULL, NULL);
    refused("1.2.3.1000", NULL, NULL);
    /* a message buffer too small is cut, never overrun */
    char small[12];
    memset(small, 'x', sizeof small);
    CHECK_INT(s7__host_check("1.2.3", small, sizeof small), S7_ERR_RESOLVE);
    CHECK_INT(strlen(small), sizeof small - 1);
    CHECK_INT(s7__host_check("1.2.3", NULL, 0), S7_ERR_RESOLVE);
}

static void test_resolve(void)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    int gai = -1, fd = 5;
    CHECK_INT(s7__resolve("127.0.0.1", 1102, &ss, &len, &gai), 0);
    CHECK_INT(gai, 0);
    CHECK_INT(ss.ss_family, AF_INET);
    CHECK_INT(len, sizeof(struct sockaddr_in));
    CHECK_INT(ntohs(((struct sockaddr_in *)(void *)&ss)->sin_port), 1102);
    CHECK_INT(ntohl(((struct sockaddr_in *)(void *)&ss)->sin_addr.s_addr), 0x7F000001);
    /* the check runs first: nothing is resolved, nothing dialled */
    CHECK_INT(s7__resolve("1.2.3", 102, &ss, &len, &gai), S7_ERR_RESOLVE);
    CHECK_INT(gai, 0);
    CHECK_INT(s7__resolve("", 102, &ss, &len, &gai), S7_ERR_INVAL);
    CHECK_INT(s7_tcp_connect_start("1.2.3", 102, &fd), S7_ERR_RESOLVE);
    CHECK_INT(fd, -1);
    CHECK_INT(s7_tcp_connect_start("0x7f.1", 102, &fd), S7_ERR_RESOLVE);
    /* the client's connect: refused before any socket */
    s7_client *c = s7_client_new(NULL);
    CHECK_INT(s7_client_connect(c, "127.1", 102), S7_ERR_RESOLVE);
    CHECK_INT(s7_client_fd(c), -1);
    s7_client_free(c);
    /* the explanation names the form and what to write */
    char cause[400], fix[400];
    s7_err_ctx ex = {.host = "1.2.3"};
    CHECK_INT(s7_err_explain(S7_ERR_RESOLVE, &ex, cause, sizeof cause, fix, sizeof fix), 1);
    CHECK(has(cause, "'1.2.3' is made of numbers and dots"));
    CHECK(has(fix, "four decimal numbers 0..255 without leading zeros, e.g. 192.168.0.1"));
    ex.host = "plc.invalid";
    s7_err_explain(S7_ERR_RESOLVE, &ex, cause, sizeof cause, fix, sizeof fix);
    CHECK(has(cause, "not known to DNS"));
}

int main(void)
{
    test_accepted();
    test_refused();
    test_resolve();
    return t_done();
}
