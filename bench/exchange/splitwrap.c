/* s7xsplit: s7xbench with the engine's system calls timed (the linker's --wrap of send,
 * recv and epoll_wait, and of s7_bridge_run), for `s7xsplit --cases a --engine-only`: at
 * exit, per CPU and cycle (a cycle of case a is two sends), the time inside send and recv
 * and the user-space time between calls, split by the calls it lies between (recv -> recv:
 * the rest of one reply's step and the next client's step up to its receive; send -> send:
 * a job's next request encoded and sent).  Only what runs inside s7_bridge_run counts; the
 * time inside epoll_wait (mostly sleep) does not.  The clock is read twice per call, a few
 * tens of nanoseconds each: the figures compare builds, they are not the bench's. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

ssize_t __real_send(int fd, const void *buf, size_t len, int flags);
ssize_t __real_recv(int fd, void *buf, size_t len, int flags);
int __real_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout);
int __real_s7_bridge_run(void *b, int timeout_ms);

enum { RUN, EPOLL, SEND, RECV, KINDS };
static const char *const kind_name[KINDS] = {"run", "epoll_wait", "send", "recv"};
static int in_run, last = -1;
static double t_last, inside[KINDS], between[KINDS][KINDS];
static long calls[KINDS], n_between[KINDS][KINDS];

static double now_us(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e6 + (double)t.tv_nsec / 1e3;
}

/* The user-space time since the last call ended, charged to (last, k). */
static double call_begins(int k)
{
    double t = now_us();
    if (in_run && last >= 0) {
        between[last][k] += t - t_last;
        n_between[last][k]++;
    }
    return t;
}

static void call_ends(int k, double t0)
{
    double t = now_us();
    if (in_run) {
        inside[k] += t - t0;
        calls[k]++;
        last = k;
        t_last = t;
    }
}

ssize_t __wrap_send(int fd, const void *buf, size_t len, int flags)
{
    double t = call_begins(SEND);
    ssize_t r = __real_send(fd, buf, len, flags);
    call_ends(SEND, t);
    return r;
}

ssize_t __wrap_recv(int fd, void *buf, size_t len, int flags)
{
    double t = call_begins(RECV);
    ssize_t r = __real_recv(fd, buf, len, flags);
    call_ends(RECV, t);
    return r;
}

int __wrap_epoll_wait(int ep, struct epoll_event *ev, int max, int timeout)
{
    double t = call_begins(EPOLL);
    int r = __real_epoll_wait(ep, ev, max, timeout);
    call_ends(EPOLL, t);
    return r;
}

int __wrap_s7_bridge_run(void *b, int timeout_ms)
{
    in_run = 1;
    last = RUN;
    t_last = now_us();
    int r = __real_s7_bridge_run(b, timeout_ms);
    call_begins(RUN);
    in_run = 0;
    last = -1;
    return r;
}

__attribute__((destructor)) static void report(void)
{
    if (!calls[SEND])
        return; /* not the engine's process (the CPUs' child), or no cycle ran */
    double cycles = calls[SEND] / 2.0, user = 0;
    for (int a = 0; a < KINDS; a++)
        for (int b = 0; b < KINDS; b++)
            user += between[a][b];
    fprintf(stderr,
            "s7xsplit: per CPU and cycle (%.0f cycles, connecting included): send %.2f us, recv "
            "%.2f us, user space between calls %.2f us; epoll_wait called %ld times\n",
            cycles, inside[SEND] / cycles, inside[RECV] / cycles, user / cycles, calls[EPOLL]);
    for (int a = 0; a < KINDS; a++)
        for (int b = 0; b < KINDS; b++)
            if (n_between[a][b] && between[a][b] / cycles >= 0.05)
                fprintf(stderr, "  %-10s -> %-10s %7ld times, %6.2f us each, %5.2f us per cycle\n",
                        kind_name[a], kind_name[b], n_between[a][b],
                        between[a][b] / n_between[a][b], between[a][b] / cycles);
}
