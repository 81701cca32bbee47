/* s7load: case g, greedy clients (issue 8).  `conns` connections complete CR/CC and Setup
 * Communication, then send 900-byte Read Var requests of DB1 as fast as their sockets take
 * them and never read a reply; their sockets have a small receive buffer (4 KiB asked), so
 * the replies pile up on the server's side.  Meanwhile one well-behaved connection does
 * 4-byte reads one at a time and records how long each took.
 *
 * Two threads: this one is the well-behaved client (its latency is the figure); the greedy
 * connections are driven by a second thread on one epoll set (EPOLLOUT: send whenever the
 * socket takes more), at SCHED_IDLE so that on the generator's CPU it runs only while the
 * well-behaved client waits and does not add its own delay to the latencies.  That thread
 * also samples the server's VmRSS every 20 ms.  Every loop is bounded: a greedy connection
 * sends at most max_reqs requests and stops at the end of the window; each request of the
 * well-behaved client waits 5 s at most. */
#define _GNU_SOURCE /* SCHED_IDLE */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gen.h"

#define REQ_LEN 31u         /* a one-item Read Var request frame */
#define GREEDY_SPAN 72u     /* greedy reads cover DB1 [0, 72 * 900) */
#define SETUP_S 30.0        /* all greedy handshakes together, at most */
#define ANSWER_S 5.0        /* a request of the well-behaved client waits this long */
#define SAMPLE_S 0.02       /* VmRSS sampling period */
#define LAT_MAX (1u << 22)  /* latencies kept per window, at most */
#define GREEDY_EXTRA_S 10.0 /* the greedy thread ends this long after the window at the latest */

enum { G_SENDING, G_CAPPED, G_CLOSED };

typedef struct greedy {
    int pid; /* the server process (VmRSS samples), 0 unknown */
    int ep;
    unsigned n;
    int *fd;
    size_t *sent;
    uint8_t *state;
    const uint8_t *burst;
    size_t burst_len;
    atomic_int stop;
    double hard_end;
    long peak_kb;
    unsigned closed, capped;
} greedy;

static void greedy_done(greedy *g, unsigned k, uint8_t state)
{
    epoll_ctl(g->ep, EPOLL_CTL_DEL, g->fd[k], NULL);
    g->state[k] = state;
    if (state == G_CLOSED)
        g->closed++;
    else
        g->capped++;
}

static void *greedy_main(void *arg)
{
    greedy *g = arg;
    struct sched_param sp;
    memset(&sp, 0, sizeof sp);
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &sp); /* best effort */
    struct epoll_event ev[256];
    double next_sample = 0;
    while (!atomic_load(&g->stop)) {
        double now = gen_now();
        if (now > g->hard_end)
            break;
        if (g->pid > 0 && now >= next_sample) {
            long kb = proc_rss_kb(g->pid);
            if (kb > g->peak_kb)
                g->peak_kb = kb;
            next_sample = now + SAMPLE_S;
        }
        int n = epoll_wait(g->ep, ev, 256, 10);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int i = 0; i < n; i++) {
            unsigned k = ev[i].data.u32;
            if (k >= g->n || g->state[k] != G_SENDING)
                continue;
            if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
                greedy_done(g, k, G_CLOSED);
                continue;
            }
            ssize_t w = send(g->fd[k], g->burst + g->sent[k], g->burst_len - g->sent[k],
                             MSG_NOSIGNAL | MSG_DONTWAIT);
            if (w > 0) {
                g->sent[k] += (size_t)w;
                if (g->sent[k] == g->burst_len)
                    greedy_done(g, k, G_CAPPED);
            } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
                greedy_done(g, k, G_CLOSED);
            }
        }
    }
    return NULL;
}

/* The well-behaved client until `end`: one 4-byte read at a time, each answer checked; with
 * record, the latency of each answered request is kept.  0, or -1 when the connection is
 * gone or a request went unanswered (r->good_closed / r->unanswered). */
static int good_run(const gen_target *t, int fd, double t0, double end, int record, uint16_t *ref,
                    gen_greedy_result *r, size_t *lat_cap)
{
    double slowest = -1;
    uint8_t req[64], rep[512];
    char msg[GEN_MSG];
    for (unsigned long i = 0; i < 100000000ul && gen_now() < end; i++) {
        uint16_t rf = (*ref)++;
        if (*ref == 0)
            *ref = 1;
        uint32_t off = (uint32_t)(rf & 63u) * 4u; /* DB1.DBD0 .. DBD252 */
        int n = gen_read_req(req, sizeof req, rf, off, GEN_SMALL_LEN);
        if (n < 0) {
            snprintf(r->msg, sizeof r->msg, "%s: cannot encode a request", t->name);
            r->errors++;
            return -1;
        }
        double ts = gen_now();
        if (send(fd, req, (size_t)n, MSG_NOSIGNAL) != n) {
            r->good_closed = 1;
            return -1;
        }
        int got = gen_recv_frame(fd, rep, sizeof rep, ts + ANSWER_S);
        double te = gen_now();
        if (got == -2) {
            r->unanswered = 1;
            return -1;
        }
        if (got < 0) {
            r->good_closed = 1;
            return -1;
        }
        if (gen_check_read(t, rep, (size_t)got, rf, off, GEN_SMALL_LEN, msg) < 0) {
            if (!r->errors)
                snprintf(r->msg, sizeof r->msg, "%s", msg);
            r->errors++;
            continue;
        }
        if (!record || r->nlat >= LAT_MAX)
            continue;
        if (r->nlat == *lat_cap) {
            size_t cap = *lat_cap ? *lat_cap * 2 : 4096;
            double *a = realloc(r->lat, cap * sizeof *a);
            if (!a)
                continue;
            r->lat = a;
            *lat_cap = cap;
        }
        r->lat[r->nlat++] = te - ts;
        if (te - ts > slowest) {
            slowest = te - ts;
            r->slowest = slowest;
            r->slowest_at = ts - t0;
        }
    }
    return 0;
}

int gen_greedy_run(const gen_target *t, const gen_greedy_case *k, gen_greedy_result *r)
{
    memset(r, 0, sizeof *r);
    greedy g;
    memset(&g, 0, sizeof g);
    g.ep = -1;
    g.pid = t->pid;
    atomic_init(&g.stop, 0);
    int good = -1, rc = -1;
    uint8_t *burst = NULL;
    unsigned pdu, amq;
    size_t lat_cap = 0;
    uint16_t ref = 1;
    char msg[GEN_MSG];

    good = gen_dial(t, 0, r->msg);
    if (good < 0 || gen_handshake(t, good, &pdu, &amq, r->msg) < 0)
        goto out;

    /* the greedy connections, one handshake at a time */
    g.fd = malloc((k->conns + 1) * sizeof *g.fd);
    g.sent = calloc(k->conns + 1, sizeof *g.sent);
    g.state = calloc(k->conns + 1, 1);
    g.ep = epoll_create1(EPOLL_CLOEXEC);
    g.burst_len = (size_t)k->max_reqs * REQ_LEN;
    burst = malloc(g.burst_len + 1);
    if (!g.fd || !g.sent || !g.state || g.ep < 0 || !burst) {
        snprintf(r->msg, sizeof r->msg, "out of memory or descriptors for %u connections",
                 k->conns);
        goto out;
    }
    for (unsigned i = 0; i < k->max_reqs; i++) {
        if (gen_read_req(burst + (size_t)i * REQ_LEN, REQ_LEN, (uint16_t)(i % 65535u + 1u),
                         (i % GREEDY_SPAN) * GEN_GREEDY_LEN, GEN_GREEDY_LEN) != (int)REQ_LEN) {
            snprintf(r->msg, sizeof r->msg, "cannot encode a greedy request");
            goto out;
        }
    }
    g.burst = burst;
    double setup_end = gen_now() + SETUP_S;
    for (unsigned i = 0; i < k->conns; i++) {
        if (gen_now() > setup_end) {
            snprintf(r->note, sizeof r->note, "%s: %u greedy connections not set up after %.0f s",
                     t->name, k->conns - i, SETUP_S);
            r->greedy_refused += k->conns - i;
            break;
        }
        int fd = gen_dial(t, GEN_GREEDY_RCVBUF, msg);
        if (fd >= 0 && gen_handshake(t, fd, &pdu, &amq, msg) < 0) {
            close(fd);
            fd = -1;
        }
        if (fd < 0) {
            if (!r->greedy_refused)
                snprintf(r->note, sizeof r->note, "%s", msg);
            r->greedy_refused++;
            continue;
        }
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
        struct epoll_event ev;
        memset(&ev, 0, sizeof ev);
        ev.events = EPOLLOUT;
        ev.data.u32 = g.n;
        if (epoll_ctl(g.ep, EPOLL_CTL_ADD, fd, &ev) != 0) {
            close(fd);
            r->greedy_refused++;
            continue;
        }
        g.fd[g.n] = fd;
        g.state[g.n] = G_SENDING;
        g.n++;
    }
    r->greedy_up = g.n;

    /* the well-behaved client alone first; a server that cannot even serve it is a result */
    if (good_run(t, good, 0, gen_now() + k->warm, 0, &ref, r, &lat_cap) < 0) {
        rc = 0;
        goto out;
    }
    r->rss0_kb = t->pid > 0 ? proc_rss_kb(t->pid) : -1;
    r->peak_hwm = t->pid > 0 && proc_reset_hwm(t->pid) == 0;
    g.peak_kb = r->rss0_kb;

    /* the window: the greedy connections start, the well-behaved client is timed */
    unsigned long long srv0 = 0, srv1 = 0, self0 = 0, self1 = 0, busy0 = 0, busy1 = 0, tot0 = 0,
                       tot1 = 0;
    int srv_ok = t->pid > 0 && proc_ticks(t->pid, &srv0) == 0;
    proc_ticks(0, &self0);
    proc_machine(&busy0, &tot0);
    pthread_t th;
    double t0 = gen_now();
    g.hard_end = t0 + k->run + ANSWER_S + GREEDY_EXTRA_S;
    if (pthread_create(&th, NULL, greedy_main, &g) != 0) {
        snprintf(r->msg, sizeof r->msg, "cannot start the greedy thread");
        goto out;
    }
    good_run(t, good, t0, t0 + k->run, 1, &ref, r, &lat_cap);
    r->secs = gen_now() - t0;
    if (srv_ok && proc_ticks(t->pid, &srv1) == 0)
        r->srv_ticks = srv1 - srv0;
    if (proc_ticks(0, &self1) == 0)
        r->self_ticks = self1 - self0;
    if (proc_machine(&busy1, &tot1) == 0 && tot0) {
        r->busy_ticks = busy1 - busy0;
        r->total_ticks = tot1 - tot0;
    }
    long hwm = -1;
    r->rss_kb = r->peak_kb = -1;
    if (t->pid > 0) {
        r->rss_kb = proc_rss_kb(t->pid);
        hwm = r->peak_hwm ? proc_hwm_kb(t->pid) : -1;
    }
    /* the greedy connections still open and sending: what the kernel holds for them now */
    r->kq_ok = proc_tcp_queues(t->port, &r->kq_tx, &r->kq_rx, &r->kq_socks) == 0;
    atomic_store(&g.stop, 1);
    pthread_join(th, NULL);
    if (t->pid > 0) {
        r->peak_hwm = hwm >= 0;
        r->peak_kb = r->peak_hwm ? hwm : g.peak_kb;
        if (r->rss_kb > r->peak_kb)
            r->peak_kb = r->rss_kb;
    }
    r->greedy_closed = g.closed;
    r->greedy_capped = g.capped;
    for (unsigned i = 0; i < g.n; i++)
        r->greedy_reqs += g.sent[i] / REQ_LEN;
    rc = 0;
out:
    if (good >= 0)
        close(good);
    for (unsigned i = 0; g.fd && i < g.n; i++)
        close(g.fd[i]);
    if (g.ep >= 0)
        close(g.ep);
    free(g.fd);
    free(g.sent);
    free(g.state);
    free(burst);
    if (rc < 0) {
        free(r->lat);
        r->lat = NULL;
        r->nlat = 0;
    }
    return rc;
}
