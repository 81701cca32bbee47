/* TCP helpers: non-blocking connect with errors mapped to cell-network meanings, socket
 * options, monotonic clock. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/host.h"
#include "s7/net.h"

int s7_tcp_errno(int e)
{
    switch (e) {
    case ECONNREFUSED: return S7_ERR_REFUSED;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
    case EHOSTDOWN: return S7_ERR_UNREACH;
    case ETIMEDOUT: return S7_ERR_CONNECT_TIMEOUT;
    case ECONNRESET:
    case EPIPE: return S7_ERR_CLOSED;
    default: return S7_ERR_IO;
    }
}

void s7_tcp_configure(int fd)
{
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
#ifdef TCP_KEEPIDLE
    int idle = 30, intvl = 5, cnt = 3;
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl);
    setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt);
#endif
    fcntl(fd, F_SETFD, FD_CLOEXEC);
}

int s7_tcp_connect_start(const char *host, uint16_t port, int *fd)
{
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    *fd = -1;
    int rc = s7__resolve(host, port, &ss, &sslen, NULL);
    if (rc < 0)
        return rc == S7_ERR_INVAL ? S7_ERR_RESOLVE : rc;
    int s = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return S7_ERR_IO;
    s7_tcp_configure(s);
    rc = connect(s, (struct sockaddr *)&ss, sslen);
    int e = errno;
    if (rc == 0) {
        *fd = s;
        return 0;
    }
    if (e == EINPROGRESS) {
        *fd = s;
        return S7_AGAIN;
    }
    close(s);
    return s7_tcp_errno(e);
}

int s7_tcp_connect_finish(int fd)
{
    int e = 0;
    socklen_t len = sizeof e;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
        return S7_ERR_IO;
    return e ? s7_tcp_errno(e) : 0;
}

int64_t s7_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
