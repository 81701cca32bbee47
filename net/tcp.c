/* TCP helpers: non-blocking connect with errors mapped to cell-network meanings, socket
 * options, monotonic clock. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

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
    struct addrinfo hints, *res = NULL;
    char service[8];
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    snprintf(service, sizeof service, "%u", (unsigned)port);
    *fd = -1;
    if (getaddrinfo(host, service, &hints, &res) != 0 || !res)
        return S7_ERR_RESOLVE;
    int s = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0) {
        freeaddrinfo(res);
        return S7_ERR_IO;
    }
    s7_tcp_configure(s);
    int rc = connect(s, res->ai_addr, res->ai_addrlen);
    int e = errno;
    freeaddrinfo(res);
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
