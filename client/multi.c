/* s7_multi: many client handles driven from one thread by one poll(). */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>

#include "client/internal.h"
#include "s7/net.h"

struct s7_multi {
    s7_client **h;
    size_t n, cap;
    struct pollfd *pfd;
};

s7_multi *s7_multi_new(void) { return calloc(1, sizeof(s7_multi)); }

void s7_multi_free(s7_multi *m)
{
    if (!m)
        return;
    free(m->h);
    free(m->pfd);
    free(m);
}

int s7_multi_add(s7_multi *m, s7_client *c)
{
    for (size_t i = 0; i < m->n; i++)
        if (m->h[i] == c)
            return 0;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 8;
        s7_client **h = realloc(m->h, cap * sizeof *h);
        if (!h)
            return S7_ERR_NOMEM;
        m->h = h;
        struct pollfd *p = realloc(m->pfd, cap * sizeof *p);
        if (!p)
            return S7_ERR_NOMEM;
        m->pfd = p;
        m->cap = cap;
    }
    m->h[m->n++] = c;
    return 0;
}

int s7_multi_remove(s7_multi *m, s7_client *c)
{
    for (size_t i = 0; i < m->n; i++) {
        if (m->h[i] == c) {
            m->h[i] = m->h[--m->n];
            return 0;
        }
    }
    return S7_ERR_INVAL;
}

static int count_pending(const s7_multi *m)
{
    int busy = 0;
    for (size_t i = 0; i < m->n; i++)
        if (s7_client_pending(m->h[i]))
            busy++;
    return busy;
}

int s7_multi_poll(s7_multi *m, int timeout_ms)
{
    int wait = timeout_ms;
    for (size_t i = 0; i < m->n; i++) {
        s7_client_step(m->h[i], 0); /* submit and flush what is queued */
        m->pfd[i].fd = s7_client_fd(m->h[i]);
        m->pfd[i].events = s7_client_events(m->h[i]);
        m->pfd[i].revents = 0;
        int t = s7_client_timeout_ms(m->h[i]);
        if (t >= 0 && (wait < 0 || t < wait))
            wait = t;
    }
    int r = poll(m->pfd, m->n, wait);
    if (r < 0 && errno != EINTR)
        return S7_ERR_IO;
    for (size_t i = 0; i < m->n; i++)
        if (m->pfd[i].fd >= 0)
            s7_client_step(m->h[i], r > 0 ? m->pfd[i].revents : 0);
    return count_pending(m);
}

int s7_multi_run(s7_multi *m, int timeout_ms)
{
    int64_t end = timeout_ms >= 0 ? s7_now_ms() + timeout_ms : -1;
    int busy = count_pending(m);
    while (busy > 0) {
        int left = -1;
        if (end >= 0) {
            int64_t now = s7_now_ms();
            if (now >= end)
                break;
            left = (int)(end - now);
        }
        busy = s7_multi_poll(m, left);
        if (busy < 0)
            return busy;
    }
    return busy;
}
