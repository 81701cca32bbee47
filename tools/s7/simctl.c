/* The simulation's control socket: see simctl.h.  Every client is non-blocking and kept in
 * a small table with its partial line, its deadline and its unsent answer, so serving it is
 * a few system calls a turn of the simulation's loop, never a wait. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "simctl.h"

typedef struct client {
    int fd;
    char in[SIMCTL_LINE_MAX + 1];
    size_t nin;
    int too_long;
    char *out; /* the answer, once the line is complete */
    size_t nout, off;
    int64_t deadline;
} client;

struct simctl {
    int lfd;
    char *path;
    simctl_cmd_fn fn;
    void *ctx;
    client *cl[SIMCTL_MAX_CLIENTS];
    int n;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* What a path holds, for the refusal. */
static const char *kind_of(mode_t m)
{
    return S_ISREG(m)   ? "a file"
           : S_ISLNK(m) ? "a symbolic link"
           : S_ISDIR(m) ? "a directory"
                        : "something that is no socket";
}

simctl *simctl_open(const char *path, simctl_cmd_fn fn, void *ctx, char *err, size_t cap)
{
    struct sockaddr_un a;
    if (strlen(path) >= sizeof a.sun_path) {
        snprintf(err, cap, "--control %s: the path is too long (at most %zu bytes)", path,
                 sizeof a.sun_path - 1);
        return NULL;
    }
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            snprintf(err, cap,
                     "--control %s: the path holds %s, which is kept: give a new path "
                     "for the socket",
                     path, kind_of(st.st_mode));
            return NULL;
        }
        int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int live = probe >= 0 && (connect(probe, (struct sockaddr *)&a, sizeof a) == 0 ||
                                  errno == EAGAIN || errno == EINPROGRESS);
        if (probe >= 0)
            close(probe);
        if (live) {
            snprintf(err, cap,
                     "--control %s: a program listens there (a running simulation: "
                     "s7 inventory simulate --control %s --send summary); give another path",
                     path, path);
            return NULL;
        }
        unlink(path); /* a socket nobody listens on: left by a simulation that was killed */
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    /* only this user may inject faults: the socket is made 0600 */
    mode_t mask = umask(0177);
    int bound = fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    umask(mask);
    if (!bound || listen(fd, 64) != 0) {
        snprintf(err, cap, "--control %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    simctl *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        snprintf(err, cap, "out of memory");
        free(c);
        close(fd);
        unlink(path);
        return NULL;
    }
    c->lfd = fd;
    c->fn = fn;
    c->ctx = ctx;
    return c;
}

static void drop(simctl *c, int i)
{
    close(c->cl[i]->fd);
    free(c->cl[i]->out);
    free(c->cl[i]);
    c->cl[i] = c->cl[--c->n];
}

/* The answer to k's line (complete, or cut by EOF, its length or its deadline). */
static void answer(simctl *c, client *k, int late)
{
    char *a = NULL;
    if (k->too_long) {
        a = strdup(
            "error: the command is longer than 4096 bytes: fault SPEC, clear SPEC, status or "
            "summary\n");
    } else if (late && !memchr(k->in, '\n', k->nin)) {
        a = strdup("error: no command within 5 s: send one line (fault SPEC, clear SPEC, status or "
                   "summary)\n");
    } else {
        size_t l = 0;
        while (l < k->nin && k->in[l] != '\n')
            l++;
        if (l && k->in[l - 1] == '\r')
            l--;
        k->in[l] = 0;
        for (size_t i = 0; i < l; i++) /* NUL, ESC, ...: shown and taken as '?' */
            if ((unsigned char)k->in[i] < 0x20 || k->in[i] == 0x7f)
                k->in[i] = '?';
        a = c->fn(c->ctx, k->in);
    }
    k->out = a ? a : strdup("error: out of memory\n");
    k->nout = k->out ? strlen(k->out) : 0;
    k->off = 0;
}

void simctl_serve(simctl *c)
{
    if (!c)
        return;
    int64_t now = now_ms();
    while (c->n < SIMCTL_MAX_CLIENTS) {
        int fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            break;
        client *k = calloc(1, sizeof *k);
        if (!k) {
            close(fd);
            break;
        }
        k->fd = fd;
        k->deadline = now + SIMCTL_CLIENT_MS;
        c->cl[c->n++] = k;
    }
    for (int i = 0; i < c->n;) {
        client *k = c->cl[i];
        if (!k->out) {
            int eof = 0;
            for (;;) {
                char buf[1024];
                ssize_t r = read(k->fd, buf, sizeof buf);
                if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
                    eof = 1;
                    break;
                }
                if (r < 0)
                    break;
                if (k->nin + (size_t)r > SIMCTL_LINE_MAX) {
                    k->too_long = !memchr(k->in, '\n', k->nin);
                    break; /* what fits is enough to answer */
                }
                memcpy(k->in + k->nin, buf, (size_t)r);
                k->nin += (size_t)r;
                if (memchr(buf, '\n', (size_t)r))
                    break;
            }
            int line = memchr(k->in, '\n', k->nin) != NULL;
            if (line || eof || k->too_long || now >= k->deadline)
                answer(c, k, !line && !eof && now >= k->deadline);
            else {
                i++;
                continue;
            }
        }
        while (k->out && k->off < k->nout) {
            ssize_t w = send(k->fd, k->out + k->off, k->nout - k->off, MSG_NOSIGNAL);
            if (w <= 0)
                break;
            k->off += (size_t)w;
        }
        int blocked = k->out && k->off < k->nout && (errno == EAGAIN || errno == EINTR);
        if (blocked && now < k->deadline + SIMCTL_CLIENT_MS) {
            i++; /* the rest when the client reads it */
            continue;
        }
        drop(c, i); /* answered, gone, or not reading its answer */
    }
}

void simctl_close(simctl *c)
{
    if (!c)
        return;
    while (c->n)
        drop(c, 0);
    close(c->lfd);
    unlink(c->path);
    free(c->path);
    free(c);
}

int simctl_send(const char *path, const char *cmdline)
{
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    snprintf(a.sun_path, sizeof a.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr,
                "error: --control %s: %s (is s7 inventory simulate --control %s running?)\n", path,
                strerror(errno), path);
        if (fd >= 0)
            close(fd);
        return 1;
    }
    size_t cl = strlen(cmdline);
    char *req = malloc(cl + 2);
    if (!req) {
        close(fd);
        return 1;
    }
    memcpy(req, cmdline, cl);
    req[cl] = '\n';
    ssize_t w = send(fd, req, cl + 1, MSG_NOSIGNAL);
    free(req);
    if (w != (ssize_t)(cl + 1)) {
        fprintf(stderr, "error: --control %s: the command could not be sent\n", path);
        close(fd);
        return 1;
    }
    char *buf = NULL;
    size_t got = 0, capb = 0;
    int64_t end = now_ms() + SIMCTL_SEND_TIMEOUT;
    int timed_out = 0;
    for (;;) {
        int64_t left = end - now_ms();
        struct pollfd pf = {fd, POLLIN, 0};
        if (left <= 0 || poll(&pf, 1, (int)left) == 0) {
            timed_out = 1;
            break;
        }
        if (got + 4096 > capb) {
            char *nb = realloc(buf, capb = capb ? 2 * capb : 16384);
            if (!nb)
                break;
            buf = nb;
        }
        ssize_t r = read(fd, buf + got, capb - got - 1);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (timed_out) {
        fprintf(stderr,
                "error: --control %s: no answer within %d s (is the simulation stopped or "
                "busy?)\n",
                path, SIMCTL_SEND_TIMEOUT / 1000);
        free(buf);
        return 1;
    }
    if (buf)
        buf[got] = 0;
    fputs(buf ? buf : "", stdout);
    int rc = !buf || !got || strncmp(buf, "error", 5) == 0;
    free(buf);
    return rc;
}
