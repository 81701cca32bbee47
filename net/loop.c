/* Readiness loop: epoll where available, poll as the fallback. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

#include "net/loop.h"
#include "s7/err.h"
#include "util/hot.h"

struct s7_loop {
    int epfd; /* -1: poll backend */
    /* poll backend */
    struct pollfd *pfd;
    void **ptr;
    int n, cap;
    int *index; /* fd -> slot + 1 (0 = absent) */
    int index_cap;
};

s7_loop *s7_loop_new(int force_poll)
{
    s7_loop *l = calloc(1, sizeof *l);
    if (!l)
        return NULL;
    l->epfd = -1;
#ifdef __linux__
    const char *env = getenv("S7_USE_POLL");
    if (!force_poll && !(env && *env == '1'))
        l->epfd = epoll_create1(EPOLL_CLOEXEC);
#endif
    return l;
}

void s7_loop_free(s7_loop *l)
{
    if (!l)
        return;
    if (l->epfd >= 0)
        close(l->epfd);
    free(l->pfd);
    free(l->ptr);
    free(l->index);
    free(l);
}

S7_HOT int s7_loop_fd(const s7_loop *l) { return l->epfd; }

static short to_poll(uint32_t ev)
{
    return (short)((ev & S7_LOOP_IN ? POLLIN : 0) | (ev & S7_LOOP_OUT ? POLLOUT : 0));
}

#ifdef __linux__
/* epoll_ctl ADD or MOD of fd for events. */
static int ep_ctl(s7_loop *l, int op, int fd, uint32_t events, void *ptr)
{
    struct epoll_event e;
    memset(&e, 0, sizeof e);
    /* the peer's FIN only while reading: a paused connection must not be woken by it on
     * every turn (level-triggered) */
    e.events =
        (events & S7_LOOP_IN ? EPOLLIN | EPOLLRDHUP : 0u) | (events & S7_LOOP_OUT ? EPOLLOUT : 0u);
    e.data.ptr = ptr;
    return epoll_ctl(l->epfd, op, fd, &e) == 0 ? 0 : S7_ERR_IO;
}
#endif

static int poll_slot(s7_loop *l, int fd)
{
    return fd >= 0 && fd < l->index_cap ? l->index[fd] - 1 : -1;
}

int s7_loop_add(s7_loop *l, int fd, uint32_t events, void *ptr)
{
#ifdef __linux__
    if (l->epfd >= 0)
        return ep_ctl(l, EPOLL_CTL_ADD, fd, events, ptr);
#endif
    if (fd >= l->index_cap) {
        int cap = l->index_cap ? l->index_cap : 64;
        while (cap <= fd)
            cap *= 2;
        int *ix = realloc(l->index, (size_t)cap * sizeof *ix);
        if (!ix)
            return S7_ERR_NOMEM;
        memset(ix + l->index_cap, 0, (size_t)(cap - l->index_cap) * sizeof *ix);
        l->index = ix;
        l->index_cap = cap;
    }
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 64;
        struct pollfd *p = realloc(l->pfd, (size_t)cap * sizeof *p);
        if (!p)
            return S7_ERR_NOMEM;
        l->pfd = p;
        void **q = realloc(l->ptr, (size_t)cap * sizeof *q);
        if (!q)
            return S7_ERR_NOMEM;
        l->ptr = q;
        l->cap = cap;
    }
    l->pfd[l->n].fd = fd;
    l->pfd[l->n].events = to_poll(events);
    l->pfd[l->n].revents = 0;
    l->ptr[l->n] = ptr;
    l->index[fd] = ++l->n;
    return 0;
}

int s7_loop_mod(s7_loop *l, int fd, uint32_t events, void *ptr)
{
#ifdef __linux__
    if (l->epfd >= 0)
        return ep_ctl(l, EPOLL_CTL_MOD, fd, events, ptr);
#endif
    int i = poll_slot(l, fd);
    if (i < 0)
        return S7_ERR_INVAL;
    l->pfd[i].events = to_poll(events);
    l->ptr[i] = ptr;
    return 0;
}

int s7_loop_del(s7_loop *l, int fd)
{
#ifdef __linux__
    if (l->epfd >= 0)
        return epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : S7_ERR_IO;
#endif
    int i = poll_slot(l, fd);
    if (i < 0)
        return S7_ERR_INVAL;
    l->index[fd] = 0;
    l->n--;
    if (i != l->n) {
        l->pfd[i] = l->pfd[l->n];
        l->ptr[i] = l->ptr[l->n];
        l->index[l->pfd[i].fd] = i + 1;
    }
    return 0;
}

S7_HOT int s7_loop_wait(s7_loop *l, s7_loop_event *ev, int max, int timeout_ms)
{
#ifdef __linux__
    if (l->epfd >= 0) {
        struct epoll_event e[256];
        int r = epoll_wait(l->epfd, e, max < 256 ? max : 256, timeout_ms);
        if (r < 0)
            return errno == EINTR ? 0 : S7_ERR_IO;
        for (int i = 0; i < r; i++) {
            ev[i].ptr = e[i].data.ptr;
            ev[i].events = (e[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP) ? S7_LOOP_IN : 0u) |
                           (e[i].events & EPOLLOUT ? S7_LOOP_OUT : 0u) |
                           (e[i].events & (EPOLLERR | EPOLLHUP) ? S7_LOOP_ERR : 0u);
        }
        return r;
    }
#endif
    int r = poll(l->pfd, (nfds_t)l->n, timeout_ms);
    if (r < 0)
        return errno == EINTR ? 0 : S7_ERR_IO;
    int k = 0;
    for (int i = 0; i < l->n && k < max; i++) {
        short re = l->pfd[i].revents;
        if (!re)
            continue;
        ev[k].ptr = l->ptr[i];
        ev[k].events = (re & (POLLIN | POLLHUP) ? S7_LOOP_IN : 0u) |
                       (re & POLLOUT ? S7_LOOP_OUT : 0u) |
                       (re & (POLLERR | POLLHUP | POLLNVAL) ? S7_LOOP_ERR : 0u);
        k++;
    }
    return k;
}
