/* Load generator of `make bench-guard` (bench/guard/run.sh): N clients, each keeping K
 * reads of BYTES bytes of DB1 in flight, for SECONDS; prints the rate.  With "hold" it
 * only connects the N clients, prints "ready" and keeps them open for SECONDS (the memory
 * per connection is measured on the proxy meanwhile).
 *
 *   guard_bench HOST PORT SLOT N K BYTES SECONDS [hold|multi]
 *
 * The clients are driven by epoll: a wake-up costs what its ready connections cost, so
 * the generator's own CPU per read does not grow with N (a proxy that answers a few of N
 * clients per wake-up, as a shared upstream at the CPU's AmQ does, would otherwise be
 * charged for the generator polling all N).  "multi" drives them by libs7's s7_multi
 * instead (poll over every connection at each wake-up), as before.
 *
 * Output: "reads R rate X/s bytes Y/s errors E". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <unistd.h>

#include "s7/client.h"
#include "s7/net.h"
#include "s7/wire.h"

typedef struct job {
    s7_client *c;
    s7_item it;
    uint8_t *buf;
    int busy;
} job;

static long done_reads, errors, busy;
static int64_t stop_at;

static void on_done(s7_client *c, int result, void *ud);

/* Job j's read sent (an error counted when it cannot be). */
static void start_read(job *j)
{
    j->busy = 1;
    busy++;
    if (s7_client_read_async(j->c, &j->it, 1, on_done, j) < 0) {
        j->busy = 0;
        busy--;
        errors++;
    }
}

static void on_done(s7_client *c, int result, void *ud)
{
    job *j = ud;
    (void)c;
    j->busy = 0;
    busy--;
    if (result < 0 || j->it.status)
        errors++;
    else
        done_reads++;
    if (s7_now_ms() < stop_at && errors < 1000)
        start_read(j);
}

/* Step client c (index ci) with the poll events re and register its fd with ep for what
 * it waits for now (*want: what it is registered for). */
static void ep_step(int ep, s7_client *c, short *want, int ci, short re)
{
    int fd = s7_client_fd(c);
    s7_client_step(c, re);
    if (s7_client_fd(c) < 0) { /* dropped (its jobs failed): closing the fd unregistered it */
        *want = 0;
        return;
    }
    short w = (short)(s7_client_events(c) & (POLLIN | POLLOUT));
    if (w == *want)
        return;
    struct epoll_event e = {.events = (w & POLLIN ? EPOLLIN : 0) | (w & POLLOUT ? EPOLLOUT : 0),
                            .data.u32 = (uint32_t)ci};
    epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
    *want = w;
}

int main(int argc, char **argv)
{
    if (argc < 8) {
        fprintf(stderr, "usage: guard_bench HOST PORT SLOT N K BYTES SECONDS [hold]\n");
        return 2;
    }
    const char *host = argv[1];
    uint16_t port = (uint16_t)atoi(argv[2]);
    int slot = atoi(argv[3]), n = atoi(argv[4]), k = atoi(argv[5]);
    uint32_t bytes = (uint32_t)atol(argv[6]);
    double secs = atof(argv[7]);
    int hold = argc > 8 && strcmp(argv[8], "hold") == 0;
    int multi = argc > 8 && strcmp(argv[8], "multi") == 0;
    if (argc > 8 && !hold && !multi) {
        fprintf(stderr, "guard_bench: '%s': expected hold or multi\n", argv[8]);
        return 2;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    s7_client **cl = calloc((size_t)n, sizeof *cl);
    job *jobs = calloc((size_t)n * (size_t)k, sizeof *jobs);
    s7_client_opts o;
    s7_client_opts_init(&o);
    o.slot = (uint8_t)slot;
    o.type = S7_CONN_OP;
    o.connect_timeout_ms = 10000;
    o.request_timeout_ms = 20000;
    o.amq_request = (uint16_t)(k > 8 ? k : 8);
    for (int i = 0; i < n; i++) {
        cl[i] = s7_client_new(&o);
        int rc = s7_client_connect(cl[i], host, port);
        if (rc < 0) {
            fprintf(stderr, "client %d: connect: %s\n", i, s7_strerror(rc));
            return 1;
        }
    }
    if (hold) {
        printf("ready\n");
        fflush(stdout);
        usleep((useconds_t)(secs * 1e6));
        return 0;
    }
    s7_multi *m = multi ? s7_multi_new() : NULL;
    for (int i = 0; m && i < n; i++)
        s7_multi_add(m, cl[i]);
    int ep = -1;
    short *want = NULL; /* the poll events each client's fd is registered for */
    if (!m) {
        ep = epoll_create1(EPOLL_CLOEXEC);
        want = calloc((size_t)n, sizeof *want);
        if (ep < 0 || !want) {
            fprintf(stderr, "guard_bench: epoll: out of resources\n");
            return 1;
        }
        for (int i = 0; i < n; i++) {
            struct epoll_event e = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
            want[i] = POLLIN;
            if (epoll_ctl(ep, EPOLL_CTL_ADD, s7_client_fd(cl[i]), &e) < 0) {
                fprintf(stderr, "guard_bench: epoll_ctl: client %d\n", i);
                return 1;
            }
        }
    }
    int64_t t0 = s7_now_ms();
    stop_at = t0 + (int64_t)(secs * 1000);
    for (int i = 0; i < n; i++) {
        for (int q = 0; q < k; q++) {
            job *j = &jobs[i * k + q];
            j->c = cl[i];
            j->buf = malloc(bytes);
            j->it.area = S7_AREA_DB;
            j->it.db = 1;
            j->it.start = (uint32_t)((i * k + q) * 4 % 1024);
            if (bytes > 4)
                j->it.start = 0;
            j->it.count = bytes;
            j->it.buf = j->buf;
            start_read(j);
        }
    }
    while (m) {
        int pending = s7_multi_poll(m, 100);
        if (pending <= 0 && s7_now_ms() >= stop_at)
            break;
        if (s7_now_ms() > stop_at + 20000)
            break;
    }
    /* epoll: each client stepped once after its reads were queued (a step sends what is
     * queued), then only the clients with events */
    for (int i = 0; !m && i < n; i++)
        ep_step(ep, cl[i], &want[i], i, 0);
    while (!m) {
        struct epoll_event ev[256];
        int ne = epoll_wait(ep, ev, 256, 100);
        for (int i = 0; i < ne; i++) {
            int ci = (int)ev[i].data.u32;
            short re = (short)((ev[i].events & EPOLLIN ? POLLIN : 0) |
                               (ev[i].events & EPOLLOUT ? POLLOUT : 0) |
                               (ev[i].events & EPOLLERR ? POLLERR : 0) |
                               (ev[i].events & EPOLLHUP ? POLLHUP : 0));
            ep_step(ep, cl[ci], &want[ci], ci, re);
        }
        if (busy <= 0 && s7_now_ms() >= stop_at)
            break;
        if (s7_now_ms() > stop_at + 20000)
            break;
    }
    double el = (double)(s7_now_ms() - t0) / 1000.0;
    printf("reads %ld rate %.0f/s bytes %.0f/s errors %ld\n", done_reads, done_reads / el,
           (double)done_reads * bytes / el, errors);
    return errors ? 1 : 0;
}
