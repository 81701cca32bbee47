/* Does the firewall do what the inventory says (include/s7/diag_plant.h
 * s7_diag_fw_verify): the rows to probe from a partner (its documented paths and every
 * other documented CPU's S7 port), the probes themselves (non-blocking TCP connects, all at
 * once, bound to the partner's address when this host has it), and the rule behind each
 * row (plant/firewall.c's rules for the scope that carries it, looked up in the rule file
 * applied, whose SHA-256 is recorded). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "s7/diag_plant.h"
#include "s7/net.h"
#include "util/sha256.h"

#define RULES_MAX (8u << 20) /* a rule file larger than 8 MB is not a rule file */

/* addr text + port into ss; 0 or -1. */
static int sockaddr_of(const char *addr, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, addr, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons(port);
        *len = sizeof *a4;
        return 0;
    }
    if (inet_pton(AF_INET6, addr, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons(port);
        *len = sizeof *a6;
        return 0;
    }
    return -1;
}

/* 1 when this host holds addr (a socket binds it). */
static int is_local(const char *addr)
{
    struct sockaddr_storage ss;
    socklen_t len;
    if (sockaddr_of(addr, 0, &ss, &len))
        return 0;
    int fd = socket(ss.ss_family, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    int ok = bind(fd, (struct sockaddr *)&ss, len) == 0;
    close(fd);
    return ok;
}

/* The rule file whole (malloc'd, NUL-terminated) and its SHA-256; NULL with note. */
static char *read_rules(const char *path, char hex[65], char *note, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(note, cap, "--rules %s: cannot read it: %s", path, strerror(errno));
        return NULL;
    }
    size_t n = 0, room = 65536;
    char *buf = malloc(room + 1);
    s7__sha256 s;
    s7__sha256_init(&s);
    while (buf) {
        if (n == room) {
            if (room >= RULES_MAX) {
                snprintf(note, cap, "--rules %s: larger than 8 MB: not a rule file", path);
                free(buf);
                fclose(f);
                return NULL;
            }
            char *nb = realloc(buf, room * 2 + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            room *= 2;
        }
        size_t got = fread(buf + n, 1, room - n, f);
        if (!got)
            break;
        s7__sha256_update(&s, buf + n, got);
        n += got;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf || bad) {
        snprintf(note, cap, "--rules %s: %s", path, buf ? "read error" : "out of memory");
        free(buf);
        return NULL;
    }
    buf[n] = 0;
    uint8_t d[32];
    s7__sha256_final(&s, d);
    s7__sha256_to_hex(d, hex);
    return buf;
}

/* The comment of the rule that carries the row from a to t (router scope between two
 * cells, t's host scope inside one cell), or the final drop's. */
static void rule_of(const s7_plant *p, const s7_fw *router, const s7_plant_partner *a,
                    const s7_plant_partner *t, int expect_open, char *out, size_t cap)
{
    const s7_fw *f = router;
    s7_fw *host = NULL;
    int inside = a->cell == t->cell;
    if (inside && s7_fw_build(p, t->name, &host) == 0)
        f = host;
    long i = f ? s7_fw_match(f, a->address, t->address, t->port) : -1;
    if (i >= 0)
        snprintf(out, cap, "%s", f->rules[i].comment);
    else
        snprintf(out, cap, "%s", "S7 connection not in the inventory");
    (void)expect_open;
    s7_fw_free(host);
}

typedef struct probe {
    int fd;
    int done;
} probe;

static void set_observed(s7_plant_fw_path *r, int err)
{
    if (err == 0) {
        r->open = 1;
        snprintf(r->observed, sizeof r->observed, "open");
    } else if (err == ETIMEDOUT) {
        snprintf(r->observed, sizeof r->observed, "dropped");
    } else if (err == ENETUNREACH) {
        snprintf(r->observed, sizeof r->observed, "no_route"); /* this host has no route */
    } else if (err == ECONNREFUSED) {
        /* a TCP RST: from the target (nothing listens on the port) or from a firewall that
         * rejects with a reset; a connect cannot tell which */
        snprintf(r->observed, sizeof r->observed, "refused");
    } else if (err == EHOSTUNREACH || err == EACCES || err == EPERM || err == EHOSTDOWN) {
        snprintf(r->observed, sizeof r->observed, "rejected");
    } else {
        snprintf(r->observed, sizeof r->observed, "error");
    }
}

/* Every row probed at once; each gets observed/open. */
static void probe_all(s7_plant_fw_verify *v, const char *src, long timeout_ms)
{
    probe *pr = calloc(v->npaths ? v->npaths : 1, sizeof *pr);
    struct pollfd *pf = calloc(v->npaths ? v->npaths : 1, sizeof *pf);
    if (!pr || !pf) {
        for (size_t i = 0; i < v->npaths; i++)
            snprintf(v->paths[i].observed, sizeof v->paths[i].observed, "error");
        free(pr);
        free(pf);
        return;
    }
    for (size_t i = 0; i < v->npaths; i++) {
        s7_plant_fw_path *r = &v->paths[i];
        struct sockaddr_storage ss, sa;
        socklen_t len, slen;
        pr[i].fd = -1;
        pr[i].done = 1;
        if (sockaddr_of(r->address, r->port, &ss, &len)) {
            set_observed(r, EINVAL);
            continue;
        }
        int fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            set_observed(r, errno);
            continue;
        }
        if (src && src[0] && sockaddr_of(src, 0, &sa, &slen) == 0 &&
            bind(fd, (struct sockaddr *)&sa, slen) != 0) {
            set_observed(r, errno);
            close(fd);
            continue;
        }
        if (connect(fd, (struct sockaddr *)&ss, len) == 0) {
            set_observed(r, 0);
            close(fd);
            continue;
        }
        if (errno != EINPROGRESS) {
            set_observed(r, errno);
            close(fd);
            continue;
        }
        pr[i].fd = fd;
        pr[i].done = 0;
    }
    int64_t deadline = s7_now_ms() + timeout_ms;
    /* bounded: each pass either finishes a probe or waits until the deadline */
    for (size_t pass = 0; pass <= v->npaths + 1; pass++) {
        nfds_t n = 0;
        size_t idx[1024];
        for (size_t i = 0; i < v->npaths && n < 1024; i++)
            if (!pr[i].done) {
                pf[n].fd = pr[i].fd;
                pf[n].events = POLLOUT;
                pf[n].revents = 0;
                idx[n++] = i;
            }
        if (!n)
            break;
        int64_t left = deadline - s7_now_ms();
        if (left <= 0)
            break;
        int rc = poll(pf, n, (int)left);
        if (rc <= 0)
            break; /* timeout (or an interrupted poll: the rest count as no answer) */
        for (nfds_t k = 0; k < n; k++) {
            if (!pf[k].revents)
                continue;
            size_t i = idx[k];
            int e = 0;
            socklen_t el = sizeof e;
            if (getsockopt(pr[i].fd, SOL_SOCKET, SO_ERROR, &e, &el) != 0)
                e = errno;
            set_observed(&v->paths[i], e);
            close(pr[i].fd);
            pr[i].fd = -1;
            pr[i].done = 1;
        }
    }
    for (size_t i = 0; i < v->npaths; i++)
        if (!pr[i].done) {
            set_observed(&v->paths[i], ETIMEDOUT);
            close(pr[i].fd);
        }
    free(pr);
    free(pf);
}

static int is_cpu(const s7_plant *p, const s7_plant_partner *pt)
{
    return s7_plant_is_passive(p, pt) || s7_plant_partner_has_role(pt, S7_PLANT_KIND_PLC);
}

/* One row of the matrix: as -> t's S7 port, expected open (a documented path) or dropped;
 * a target already listed is not listed again, one of another address family is counted in
 * *skipped (this host cannot probe it from as's address). */
static void add_path(const s7_plant *p, const s7_fw *router, const s7_plant_partner *as,
                     const s7_plant_partner *t, int expect_open, s7_plant_fw_verify *v, size_t *n,
                     size_t *skipped)
{
    for (size_t k = 0; k < *n; k++)
        if (strcmp(v->paths[k].to, t->name) == 0 && v->paths[k].port == t->port)
            return;
    if (t->family != as->family) {
        (*skipped)++;
        return;
    }
    s7_plant_fw_path *r = &v->paths[(*n)++];
    snprintf(r->from, sizeof r->from, "%s", as->name);
    snprintf(r->to, sizeof r->to, "%s", t->name);
    snprintf(r->address, sizeof r->address, "%s", t->address);
    r->port = t->port;
    r->expect_open = expect_open;
    rule_of(p, router, as, t, expect_open, r->rule, sizeof r->rule);
}

int s7_diag_fw_verify(const s7_plant *p, const s7_diag_fw_verify_opts *o, s7_plant_fw_verify **out,
                      int *from_partner, char *note, size_t notecap)
{
    char hex[65] = "", *rules = NULL;
    *out = NULL;
    *from_partner = 0;
    if (note && notecap)
        note[0] = 0;
    const s7_plant_partner *as = o && o->as ? s7_plant_find_partner(p, o->as) : NULL;
    if (!as) {
        snprintf(note, notecap, "--as %s: no such partner in the inventory",
                 o && o->as ? o->as : "(none)");
        return S7_ERR_INVAL;
    }
    if (!as->address[0]) {
        snprintf(note, notecap, "--as %s: the partner has no address (host name not resolved)",
                 as->name);
        return S7_ERR_INVAL;
    }
    if (o->rules_file && !(rules = read_rules(o->rules_file, hex, note, notecap)))
        return S7_ERR_INVAL;
    /* the rows: documented paths first, then the other CPUs */
    size_t n = 0, skipped = 0;
    s7_plant_fw_verify *v = s7_plant_fw_verify_new(p->nconns + p->npartners);
    s7_fw *router = NULL;
    if (!v || s7_fw_build(p, NULL, &router) < 0) {
        s7_plant_fw_verify_free(v);
        free(rules);
        return S7_ERR_NOMEM;
    }
    for (size_t i = 0; i < p->nconns; i++) {
        const s7_plant_conn *c = &p->conns[i];
        if (&p->partners[c->active] == as)
            add_path(p, router, as, &p->partners[c->passive], 1, v, &n, &skipped);
    }
    for (size_t i = 0; i < p->npartners; i++) {
        const s7_plant_partner *t = &p->partners[i];
        if (t != as && is_cpu(p, t))
            add_path(p, router, as, t, 0, v, &n, &skipped);
    }
    v->npaths = n;
    s7_fw_free(router);
    if (rules)
        for (size_t i = 0; i < n; i++)
            if (!strstr(rules, v->paths[i].rule)) {
                size_t l = strlen(v->paths[i].rule);
                snprintf(v->paths[i].rule + l, sizeof v->paths[i].rule - l, " (not in %s)",
                         strrchr(o->rules_file, '/') ? strrchr(o->rules_file, '/') + 1
                                                     : o->rules_file);
            }
    free(rules);

    *from_partner = is_local(as->address);
    v->from_partner = *from_partner;
    if (*from_partner)
        snprintf(v->source, sizeof v->source, "%s", as->address);
    probe_all(v, *from_partner ? as->address : NULL, o->timeout_ms > 0 ? o->timeout_ms : 2000);
    for (size_t i = 0; i < n; i++) {
        s7_plant_fw_path *r = &v->paths[i];
        /* a documented path answered with a RST reached something that refused the port:
         * the CPU's own (nothing listens: its owner acts, not the firewall's) or a firewall
         * resetting; unproven, not a firewall fault (s7 doctor tells the sender) */
        r->status = r->open == r->expect_open                           ? S7_PLANT_PASS
                    : r->expect_open && !strcmp(r->observed, "refused") ? S7_PLANT_UNPROVEN
                                                                        : S7_PLANT_FAIL;
        if (r->status == S7_PLANT_PASS)
            v->passed++;
        else
            v->failed++;
    }
    snprintf(v->as, sizeof v->as, "%s", as->name);
    if (o->rules_file) {
        snprintf(v->rules_file, sizeof v->rules_file, "%s", o->rules_file);
        snprintf(v->rules_sha256, sizeof v->rules_sha256, "%s", hex);
    }
    if (gethostname(v->host, sizeof v->host - 1) != 0)
        snprintf(v->host, sizeof v->host, "%s", "?");
    time_t now = time(NULL);
    struct tm tm;
    if (gmtime_r(&now, &tm))
        strftime(v->time, sizeof v->time, "%Y-%m-%dT%H:%M:%SZ", &tm);
    size_t l = 0;
    if (!*from_partner)
        l += (size_t)snprintf(note + l, notecap - l,
                              "not from %s: its address %s is not on this host, so the probes "
                              "left from this host's own address; run it on %s (or in the "
                              "namespace that holds %s) to prove its paths",
                              as->name, as->address, as->name, as->address);
    if (skipped && l < notecap)
        snprintf(note + l, notecap - l,
                 "%s%zu target%s of the other address family than %s's %s not probed",
                 l ? "; " : "", skipped, skipped == 1 ? "" : "s", as->address,
                 skipped == 1 ? "was" : "were");
    *out = v;
    return 0;
}
