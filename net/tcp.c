/* TCP helpers: non-blocking connect with errors mapped to cell-network meanings, socket
 * options, monotonic clock. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "net/host.h"
#include "s7/net.h"
#include "util/clock.h"
#include "util/hot.h"

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

/* source as a socket address of family (port 0); -1 when it is not one. */
static int source_addr(const char *source, int family, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET) {
        struct sockaddr_in *a = (struct sockaddr_in *)(void *)ss;
        a->sin_family = AF_INET;
        *len = sizeof *a;
        return inet_pton(AF_INET, source, &a->sin_addr) == 1 ? 0 : -1;
    }
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)(void *)ss;
        a->sin6_family = AF_INET6;
        *len = sizeof *a;
        return inet_pton(AF_INET6, source, &a->sin6_addr) == 1 ? 0 : -1;
    }
    return -1;
}

int s7_tcp_bind_source(int fd, int family, const char *source)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    if (!source || source_addr(source, family, &ss, &len) != 0)
        return S7_ERR_SOURCE;
    return bind(fd, (struct sockaddr *)&ss, len) == 0 ? 0 : S7_ERR_SOURCE;
}

int s7_tcp_source_check(const char *source)
{
    int family = source && strchr(source, ':') ? AF_INET6 : AF_INET;
    int s = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return S7_ERR_SOURCE;
    int rc = s7_tcp_bind_source(s, family, source);
    close(s);
    return rc;
}

int s7_tcp_source_for(const char *host, uint16_t port, const char *source, char *buf, size_t cap)
{
    struct sockaddr_storage ss, me;
    socklen_t sslen = 0, melen = sizeof me;
    if (cap)
        buf[0] = 0;
    int rc = s7__resolve(host, port ? port : 102, &ss, &sslen, NULL);
    if (rc < 0)
        return S7_ERR_RESOLVE;
    int s = socket(ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0)
        return S7_ERR_IO;
    if (source && *source && s7_tcp_bind_source(s, ss.ss_family, source) < 0) {
        close(s);
        return S7_ERR_SOURCE;
    }
    if (connect(s, (struct sockaddr *)&ss, sslen) != 0) {
        int e = errno;
        close(s);
        return s7_tcp_errno(e);
    }
    rc = getsockname(s, (struct sockaddr *)&me, &melen);
    close(s);
    if (rc != 0)
        return S7_ERR_IO;
    char tmp[64];
    const void *a = me.ss_family == AF_INET6
                        ? (const void *)&((struct sockaddr_in6 *)(void *)&me)->sin6_addr
                        : (const void *)&((struct sockaddr_in *)(void *)&me)->sin_addr;
    if (!inet_ntop(me.ss_family, a, tmp, sizeof tmp))
        return S7_ERR_IO;
    if (strlen(tmp) >= cap) /* a cut address would be another address */
        return S7_ERR_NOSPACE;
    memcpy(buf, tmp, strlen(tmp) + 1);
    return 0;
}

int s7_tcp_connect_start(const char *host, uint16_t port, int *fd)
{
    return s7_tcp_connect_start_from(host, port, NULL, fd);
}

int s7_tcp_connect_start_from(const char *host, uint16_t port, const char *source, int *fd)
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
    if (source && *source && s7_tcp_bind_source(s, ss.ss_family, source) < 0) {
        close(s);
        return S7_ERR_SOURCE;
    }
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

S7_HOT int64_t s7_now_ms(void) { return s7__mono_ms(); }
