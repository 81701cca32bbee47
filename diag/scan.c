/* s7_scan: which hosts of a CIDR block or an address range answer on TCP port 102, and what
 * they are.  One poll loop (s7_multi) drives up to `concurrency` hosts at once; new TCP
 * connections start at most `rate` per second.  A host that accepts TCP is asked for an S7
 * session with the usual called TSAPs in turn (0101, 0102, 0103, then the LOGO! pair
 * 0100:0200) and, once one is accepted, for its identity (SZL 0x0011 / 0x001C, 0x0424);
 * every connection is closed before the host is reported. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/internal.h"
#include "diag/net_int.h"
#include "s7/net.h"

void s7_scan_opts_init(s7_scan_opts *o)
{
    memset(o, 0, sizeof *o);
    o->port = 102;
    o->concurrency = 32;
    o->rate = 100;
    o->timeout_ms = 1000;
    o->identify = 1;
    o->max_hosts = 65536;
}

/* ---------------------------------------------------------------- targets */

typedef struct range {
    uint32_t a, b; /* inclusive, host order */
} range;

#define MAX_ITEMS 256

static int parse_ip(const char *s, size_t n, uint32_t *ip)
{
    char tmp[32];
    struct in_addr in;
    if (n == 0 || n >= sizeof tmp)
        return -1;
    memcpy(tmp, s, n);
    tmp[n] = 0;
    if (inet_pton(AF_INET, tmp, &in) != 1)
        return -1;
    *ip = ntohl(in.s_addr);
    return 0;
}

static int parse_num(const char *s, size_t n, unsigned max, unsigned *v)
{
    unsigned x = 0;
    if (n == 0 || n > 3)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        x = x * 10 + (unsigned)(s[i] - '0');
    }
    if (x > max)
        return -1;
    *v = x;
    return 0;
}

/* One item "a.b.c.d", "a.b.c.d/p", "a.b.c.d-e.f.g.h" or "a.b.c.d-n". */
static int parse_item(const char *s, size_t n, range *r, char *err, size_t errcap)
{
    const char *slash = memchr(s, '/', n), *dash = memchr(s, '-', n);
    uint32_t a, b;
    unsigned v;
    if (slash) {
        if (parse_ip(s, (size_t)(slash - s), &a) < 0)
            goto bad_addr;
        if (parse_num(slash + 1, n - (size_t)(slash - s) - 1, 32, &v) < 0) {
            snprintf(err, errcap, "'%.*s': the prefix length must be 0..32, e.g. 10.0.0.0/24",
                     (int)n, s);
            return -1;
        }
        uint32_t mask = v ? 0xFFFFFFFFu << (32 - v) : 0;
        a &= mask;
        b = a | ~mask;
        if (v <= 30) {
            a++;
            b--;
        }
    } else if (dash) {
        if (parse_ip(s, (size_t)(dash - s), &a) < 0)
            goto bad_addr;
        const char *e = dash + 1;
        size_t en = n - (size_t)(dash - s) - 1;
        if (memchr(e, '.', en)) {
            if (parse_ip(e, en, &b) < 0)
                goto bad_addr;
        } else if (parse_num(e, en, 255, &v) == 0) {
            b = (a & 0xFFFFFF00u) | v;
        } else {
            snprintf(err, errcap,
                     "'%.*s': the end of a range is an address or the last number, e.g. "
                     "10.0.0.1-10.0.0.40 or 10.0.0.1-40",
                     (int)n, s);
            return -1;
        }
        if (b < a) {
            snprintf(err, errcap, "'%.*s': the range ends before it starts", (int)n, s);
            return -1;
        }
    } else {
        if (parse_ip(s, n, &a) < 0)
            goto bad_addr;
        b = a;
    }
    r->a = a;
    r->b = b;
    return 0;
bad_addr:
    snprintf(err, errcap,
             "'%.*s': expected an IPv4 address, a CIDR block (10.0.0.0/24) or a range "
             "(10.0.0.1-10.0.0.40, 10.0.0.1-40)",
             (int)n, s);
    return -1;
}

/* Split targets into ranges (at most MAX_ITEMS); *total gets the number of hosts. */
static int parse_targets(const char *spec, range *out, size_t *nout, uint64_t *total, char *err,
                         size_t errcap)
{
    char dummy[8];
    if (!err || !errcap) {
        err = dummy;
        errcap = sizeof dummy;
    }
    err[0] = 0;
    *nout = 0;
    *total = 0;
    if (!spec || !*spec) {
        snprintf(err, errcap, "no targets: expected e.g. 10.0.0.0/24 or 10.0.0.1-40");
        return S7_ERR_INVAL;
    }
    const char *p = spec;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ')
            e++;
        if (*nout >= MAX_ITEMS) {
            snprintf(err, errcap, "more than %d items in the target list", MAX_ITEMS);
            return S7_ERR_INVAL;
        }
        range r;
        if (parse_item(p, (size_t)(e - p), &r, err, errcap) < 0)
            return S7_ERR_INVAL;
        if (r.b >= r.a) {
            out[(*nout)++] = r;
            *total += (uint64_t)(r.b - r.a) + 1;
        }
        p = e;
    }
    if (*total == 0) {
        snprintf(err, errcap, "'%s' names no host", spec);
        return S7_ERR_INVAL;
    }
    return 0;
}

int s7_scan_count(const char *targets, uint32_t *n, char *err, size_t errcap)
{
    range *rs = malloc(MAX_ITEMS * sizeof *rs);
    size_t nr;
    uint64_t total;
    if (!rs)
        return S7_ERR_NOMEM;
    int rc = parse_targets(targets, rs, &nr, &total, err, errcap);
    free(rs);
    if (rc < 0)
        return rc;
    *n = total > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)total;
    return 0;
}

/* ---------------------------------------------------------------- the loop */

/* Called TSAPs asked for in turn once TCP is accepted (local TSAP 0100). */
static const uint16_t CANDIDATES[] = {0x0101, 0x0102, 0x0103, 0x0200};
#define NCAND (sizeof CANDIDATES / sizeof CANDIDATES[0])

typedef struct slot {
    int active;
    int waiting;  /* ready for its next attempt, waiting for a rate token */
    int finished; /* the attempt ended: result holds how */
    int result;
    int cand;
    int64_t t_start; /* start of the attempt */
    s7_client *c;
    s7__rec rec;
    s7_scan_host h;
} slot;

typedef struct scan {
    const s7_scan_opts *o;
    s7_multi *m;
    slot *slots;
    int nslots;
    int64_t t0;
    uint64_t started; /* TCP connections started (rate) */
    uint32_t done, total;
    s7_scan_fn cb;
    void *ud;
    int answering;
} scan;

static void on_connect(s7_client *c, int result, void *ud)
{
    slot *s = ud;
    (void)c;
    s->finished = 1;
    s->result = result;
}

/* May another TCP connection start now? */
static int token(const scan *x, int64_t now)
{
    uint64_t allowed = (uint64_t)((now - x->t0) * (int64_t)x->o->rate / 1000) + 1;
    return x->started < allowed;
}

/* Milliseconds until the next token. */
static int token_wait(const scan *x, int64_t now)
{
    int64_t due = x->t0 + (int64_t)(x->started * 1000 / (uint64_t)x->o->rate);
    return due <= now ? 0 : (int)(due - now);
}

static void release(scan *x, slot *s)
{
    if (s->c) {
        s7_multi_remove(x->m, s->c);
        s7_client_free(s->c);
        s->c = NULL;
    }
}

static void report(scan *x, slot *s)
{
    release(x, s);
    s->active = s->waiting = s->finished = 0;
    x->done++;
    if (s->h.state == S7_SCAN_ANSWERING)
        x->answering++;
    if (x->cb)
        x->cb(x->ud, &s->h, x->done, x->total);
}

static void start_attempt(scan *x, slot *s)
{
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.connect_timeout_ms = co.request_timeout_ms = x->o->timeout_ms;
    co.local_tsap = 0x0100;
    co.remote_tsap = CANDIDATES[s->cand];
    s7__rec_attach(&s->rec, &co);
    s->waiting = 0;
    s->finished = 0;
    s->t_start = s7_now_ms();
    x->started++;
    s->c = s7_client_new(&co);
    if (!s->c) {
        s->finished = 1;
        s->result = S7_ERR_NOMEM;
        return;
    }
    if (s7_multi_add(x->m, s->c) < 0) {
        s->finished = 1;
        s->result = S7_ERR_NOMEM;
        return;
    }
    int rc = s7_client_connect_async(s->c, s->h.addr, x->o->port, on_connect, s);
    if (rc < 0) {
        s->finished = 1;
        s->result = rc;
    }
}

/* An attempt ended: decide what the host is, or try the next TSAP. */
static void attempt_done(scan *x, slot *s)
{
    int rc = s->result;
    int tcp_up = s->rec.seen > 0; /* the CR went out: TCP was accepted */
    s->finished = 0;
    if (s->cand == 0) {
        if (!tcp_up) {
            int64_t ms = s7_now_ms() - s->t_start;
            if (rc == S7_ERR_REFUSED) {
                s->h.state = S7_SCAN_CLOSED;
                s->h.tcp_ms = (int)ms;
            } else if (rc == S7_ERR_CONNECT_TIMEOUT &&
                       !s7__net_nobody_home((struct in_addr){htonl(s->h.ip)})) {
                s->h.state = S7_SCAN_FILTERED;
                s->h.tcp_ms = -1;
            } else {
                /* refused by a router or a firewall (ICMP), no route, or on this machine's
                 * own network with nobody answering ARP for the address: no host there to
                 * filter anything, whatever the timeout cut short */
                if (rc == S7_ERR_CONNECT_TIMEOUT)
                    rc = S7_ERR_UNREACH;
                s->h.state = S7_SCAN_UNREACH;
                s->h.tcp_ms = (int)ms;
                s->h.s7_error = rc;
            }
            report(x, s);
            return;
        }
        s->h.state = S7_SCAN_ANSWERING;
        s->h.tcp_ms = s->rec.ring[0].t_ms;
    }
    if (rc == 0) {
        s->h.s7 = 1;
        s->h.s7_error = 0;
        s7_client_tsaps(s->c, &s->h.local_tsap, &s->h.remote_tsap);
        s->h.pdu = s7_client_pdu(s->c);
        s7_multi_remove(x->m, s->c);
        if (x->o->identify) {
            if (s7_client_cpu_info(s->c, &s->h.identity) == 0)
                s->h.have_identity = 1;
            int st = S7_CPU_UNKNOWN;
            if (s7_client_cpu_state(s->c, &st) == 0)
                s->h.cpu_state = st;
        }
        s7__close_gracefully(s->c, x->o->timeout_ms < 200 ? x->o->timeout_ms : 200);
        report(x, s);
        return;
    }
    s->h.s7_error = s->rec.cc_seen ? S7_ERR_NEGOTIATION : rc;
    if (x->o->identify && !s->rec.cc_seen && (rc == S7_ERR_CR_REJECTED || rc == S7_ERR_CLOSED) &&
        (size_t)s->cand + 1 < NCAND) {
        release(x, s);
        s->cand++;
        s->waiting = 1;
        return;
    }
    report(x, s);
}

int s7_scan(const char *targets, const s7_scan_opts *opts, s7_scan_fn cb, void *ud, char *err,
            size_t errcap)
{
    return s7_scan_until(targets, opts, cb, ud, NULL, err, errcap);
}

int s7_scan_until(const char *targets, const s7_scan_opts *opts, s7_scan_fn cb, void *ud,
                  const volatile sig_atomic_t *stop, char *err, size_t errcap)
{
    s7_scan_opts o;
    char dummy[8];
    if (!err || !errcap) {
        err = dummy;
        errcap = sizeof dummy;
    }
    err[0] = 0;
    if (opts)
        o = *opts;
    else
        s7_scan_opts_init(&o);
    if (!o.port)
        o.port = 102;
    if (o.concurrency <= 0)
        o.concurrency = 32;
    if (o.concurrency > 256)
        o.concurrency = 256;
    if (o.rate <= 0)
        o.rate = 100;
    if (o.timeout_ms <= 0)
        o.timeout_ms = 1000;
    if (!o.max_hosts)
        o.max_hosts = 65536;

    range *rs = malloc(MAX_ITEMS * sizeof *rs);
    if (!rs)
        return S7_ERR_NOMEM;
    size_t nr;
    uint64_t total;
    int rc = parse_targets(targets, rs, &nr, &total, err, errcap);
    if (rc < 0) {
        free(rs);
        return rc;
    }
    if (total > o.max_hosts) {
        snprintf(err, errcap,
                 "'%s' names %llu hosts, more than the limit of %u: scan a smaller range", targets,
                 (unsigned long long)total, o.max_hosts);
        free(rs);
        return S7_ERR_INVAL;
    }

    scan x;
    memset(&x, 0, sizeof x);
    x.o = &o;
    x.total = (uint32_t)total;
    x.cb = cb;
    x.ud = ud;
    x.nslots = o.concurrency < (int)total ? o.concurrency : (int)total;
    x.slots = calloc((size_t)x.nslots, sizeof *x.slots);
    x.m = s7_multi_new();
    if (!x.slots || !x.m) {
        free(x.slots);
        s7_multi_free(x.m);
        free(rs);
        return S7_ERR_NOMEM;
    }
    x.t0 = s7_now_ms();
    size_t ri = 0;
    uint64_t off = 0; /* next host: rs[ri].a + off */
    uint32_t issued = 0;
    int failed = 0;

    while (x.done < x.total && !(stop && *stop)) {
        int64_t now = s7_now_ms();
        int wait = -1;
        /* attempts waiting for a token first, then new hosts */
        for (int i = 0; i < x.nslots; i++) {
            slot *s = &x.slots[i];
            if (s->active && s->waiting) {
                if (!token(&x, now)) {
                    wait = token_wait(&x, now);
                    break;
                }
                start_attempt(&x, s);
            }
        }
        for (int i = 0; i < x.nslots && issued < x.total; i++) {
            slot *s = &x.slots[i];
            if (s->active)
                continue;
            if (!token(&x, now)) {
                wait = token_wait(&x, now);
                break;
            }
            memset(&s->h, 0, sizeof s->h);
            s->h.ip = (uint32_t)(rs[ri].a + off);
            struct in_addr in;
            in.s_addr = htonl(s->h.ip);
            inet_ntop(AF_INET, &in, s->h.addr, sizeof s->h.addr);
            s->h.cpu_state = S7_CPU_UNKNOWN;
            s->h.tcp_ms = -1;
            if (rs[ri].a + off >= rs[ri].b) {
                ri++;
                off = 0;
            } else {
                off++;
            }
            issued++;
            s->active = 1;
            s->cand = 0;
            start_attempt(&x, s);
        }
        /* attempts that ended at once (refused synchronously, out of memory) */
        int again = 0;
        for (int i = 0; i < x.nslots; i++) {
            slot *s = &x.slots[i];
            if (s->active && s->finished) {
                attempt_done(&x, s);
                again = 1;
            }
        }
        if (again)
            continue;
        if (stop && *stop)
            break; /* before a poll that may wait up to the timeout */
        if (wait == 0)
            wait = 1;
        int pr = s7_multi_poll(x.m, wait);
        if (pr < 0) {
            snprintf(err, errcap, "poll failed: %s", s7_strerror(pr));
            failed = pr;
            break;
        }
        for (int i = 0; i < x.nslots; i++) {
            slot *s = &x.slots[i];
            if (s->active && s->finished)
                attempt_done(&x, s);
        }
    }
    for (int i = 0; i < x.nslots; i++)
        release(&x, &x.slots[i]);
    free(x.slots);
    s7_multi_free(x.m);
    free(rs);
    return failed ? failed : x.answering;
}
