/* net/tcp: a non-blocking connect to a listening loopback port succeeds, one to a closed
 * port is refused (S7_ERR_REFUSED), errno values map to what they mean on a cell network,
 * and the clock is monotonic.  A connect from a source address arrives from it (the
 * listener sees it as the peer); a source this machine does not hold is S7_ERR_SOURCE. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "s7/net.h"
#include "t.h"

/* A listening socket on 127.0.0.1 (port 0); *port gets the port bound. */
static int listener(uint16_t *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0)
        return -1;
    socklen_t sl = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &sl);
    *port = ntohs(a.sin_port);
    return fd;
}

/* Connect and wait for the result (the way the engines do it). */
static int connect_wait(uint16_t port)
{
    int fd = -1;
    int rc = s7_tcp_connect_start("127.0.0.1", port, &fd);
    if (rc == S7_AGAIN) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, 2000);
        rc = s7_tcp_connect_finish(fd);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* Connect from source to 127.0.0.1:port of listener lfd; the peer address the listener
 * saw into peer ("" when refused); returns the connect's result. */
static int connect_from(int lfd, uint16_t port, const char *source, char *peer, size_t cap)
{
    int fd = -1;
    peer[0] = 0;
    int rc = s7_tcp_connect_start_from("127.0.0.1", port, source, &fd);
    if (rc == S7_AGAIN) {
        struct pollfd p = {fd, POLLOUT, 0};
        poll(&p, 1, 2000);
        rc = s7_tcp_connect_finish(fd);
    }
    if (rc == 0) {
        struct sockaddr_in a;
        socklen_t sl = sizeof a;
        int afd = accept(lfd, (struct sockaddr *)&a, &sl);
        if (afd >= 0) {
            inet_ntop(AF_INET, &a.sin_addr, peer, (socklen_t)cap);
            close(afd);
        }
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

static void test_source(void)
{
    uint16_t port = 0;
    char peer[64], src[64];
    int lfd = listener(&port);
    CHECK(lfd >= 0);
    /* every 127/8 address is this machine's: the listener sees the one bound */
    CHECK_INT(connect_from(lfd, port, "127.0.0.7", peer, sizeof peer), 0);
    CHECK_STR(peer, "127.0.0.7");
    CHECK_INT(connect_from(lfd, port, "", peer, sizeof peer), 0);
    CHECK_STR(peer, "127.0.0.1");
    /* TEST-NET-1: nobody's address here */
    CHECK_INT(connect_from(lfd, port, "192.0.2.77", peer, sizeof peer), S7_ERR_SOURCE);
    CHECK_INT(connect_from(lfd, port, "not-an-address", peer, sizeof peer), S7_ERR_SOURCE);
    CHECK_INT(connect_from(lfd, port, "::1", peer, sizeof peer), S7_ERR_SOURCE); /* family */
    close(lfd);
    CHECK_INT(s7_tcp_source_check("127.0.0.9"), 0);
    CHECK_INT(s7_tcp_source_check("192.0.2.77"), S7_ERR_SOURCE);
    CHECK_INT(s7_tcp_source_check("1.2.3"), S7_ERR_SOURCE);
    CHECK_INT(s7_tcp_source_check(NULL), S7_ERR_SOURCE);
    CHECK_INT(s7_tcp_source_for("127.0.0.1", 102, NULL, src, sizeof src), 0);
    CHECK_STR(src, "127.0.0.1");
    CHECK_INT(s7_tcp_source_for("127.0.0.1", 102, "127.0.0.8", src, sizeof src), 0);
    CHECK_STR(src, "127.0.0.8");
    CHECK_INT(s7_tcp_source_for("127.0.0.1", 102, "192.0.2.77", src, sizeof src), S7_ERR_SOURCE);
    CHECK_STR(src, "");
    /* a buffer too small for the address: refused, not cut to another address ("127.0") */
    char small[6];
    memset(small, 'x', sizeof small);
    CHECK_INT(s7_tcp_source_for("127.0.0.1", 102, NULL, small, sizeof small), S7_ERR_NOSPACE);
    CHECK_STR(small, "");
    char exact[10]; /* "127.0.0.1" and its NUL */
    CHECK_INT(s7_tcp_source_for("127.0.0.1", 102, NULL, exact, sizeof exact), 0);
    CHECK_STR(exact, "127.0.0.1");
}

int main(void)
{
    test_source();
    uint16_t port = 0;
    int lfd = listener(&port);
    CHECK(lfd >= 0);
    CHECK_INT(connect_wait(port), 0);
    close(lfd);
    /* the port is closed now: refused */
    CHECK_INT(connect_wait(port), S7_ERR_REFUSED);

    CHECK_INT(s7_tcp_errno(ECONNREFUSED), S7_ERR_REFUSED);
    CHECK_INT(s7_tcp_errno(EHOSTUNREACH), S7_ERR_UNREACH);
    CHECK_INT(s7_tcp_errno(ENETUNREACH), S7_ERR_UNREACH);
    CHECK_INT(s7_tcp_errno(ETIMEDOUT), S7_ERR_CONNECT_TIMEOUT);
    CHECK_INT(s7_tcp_errno(ECONNRESET), S7_ERR_CLOSED);
    CHECK_INT(s7_tcp_errno(EPIPE), S7_ERR_CLOSED);
    CHECK_INT(s7_tcp_errno(EBADF), S7_ERR_IO);

    int64_t a = s7_now_ms();
    usleep(20000);
    int64_t b = s7_now_ms();
    CHECK(b - a >= 15 && b - a < 5000);
    return t_done();
}
