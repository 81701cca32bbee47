/* Self-test of the C interop path (run_with_snap7.sh): S7_TEST_HOST / S7_TEST_PORT point at
 * the Snap7 standard fixture, which answers hand-built frames over a plain socket.  Uses no
 * libs7 code on purpose, so it tells a harness problem apart from a library problem. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "t.h"

/* Reads exactly n bytes; returns 0, or -1 on EOF, error or timeout. */
static int read_full(int fd, unsigned char *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = recv(fd, buf + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

/* Sends the frame given in hex, reads one TPKT into buf; returns its length or -1. */
static int exchange(int fd, const char *hex, unsigned char *buf, size_t cap)
{
    unsigned char req[256];
    size_t n = t_hex(hex, req, sizeof req);
    if (send(fd, req, n, 0) != (ssize_t)n)
        return -1;
    if (cap < 4 || read_full(fd, buf, 4) != 0 || buf[0] != 0x03)
        return -1;
    size_t len = (size_t)buf[2] << 8 | buf[3];
    if (len < 7 || len > cap || read_full(fd, buf + 4, len - 4) != 0)
        return -1;
    return (int)len;
}

int main(void)
{
    const char *host = getenv("S7_TEST_HOST");
    const char *port = getenv("S7_TEST_PORT");
    if (!host || !port) {
        fprintf(stderr, "S7_TEST_HOST / S7_TEST_PORT not set (run through run_with_snap7.sh)\n");
        return 77;
    }

    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CHECK(fd >= 0);
    struct timeval tv = {3, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(port));
    CHECK_INT(inet_pton(AF_INET, host, &sa.sin_addr), 1);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    CHECK_INT(rc, 0);
    if (rc != 0) {
        perror("connect");
        printf("%d passed, %d failed\n", t_pass, t_fail);
        return 1;
    }

    unsigned char buf[1024];
    /* COTP CR, PG, rack 0 slot 1: a 22-byte CC echoing the parameters. */
    int n = exchange(fd, "03 00 00 16 11 E0 00 00 00 01 00 C0 01 0A C1 02 01 00 C2 02 01 01", buf,
                     sizeof buf);
    CHECK_INT(n, 22);
    CHECK_INT(n > 5 ? buf[5] : 0, 0xD0);

    /* Setup Communication: a 27-byte Ack_Data. */
    n = exchange(fd, "03 00 00 19 02 F0 80 32 01 00 00 00 00 00 08 00 00 F0 00 00 01 00 01 01 E0",
                 buf, sizeof buf);
    CHECK_INT(n, 27);
    CHECK_INT(n > 8 ? buf[7] : 0, 0x32);
    CHECK_INT(n > 8 ? buf[8] : 0, 0x03);

    /* Read Var DB1.DBB0 BYTE 4: the fixture's pattern 00 01 02 03. */
    n = exchange(fd,
                 "03 00 00 1F 02 F0 80 32 01 00 00 00 01 00 0E 00 00"
                 " 04 01 12 0A 10 02 00 04 00 01 84 00 00 00",
                 buf, sizeof buf);
    CHECK_INT(n, 29);
    if (n == 29) {
        unsigned char want[] = {0xFF, 0x04, 0x00, 0x20, 0x00, 0x01, 0x02, 0x03};
        CHECK_MEM(buf + 21, want, sizeof want);
    }
    close(fd);
    printf("%d passed, %d failed\n", t_pass, t_fail);
    return t_fail ? 1 : 0;
}
