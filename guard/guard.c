/* The guard engine (guard.h): one event loop; per client a server-role session (s7_sconn)
 * whose requests go through the filter (filter.c); upstream client-role sessions (s7_conn)
 * to the CPU, dedicated or shared by the clients of a shared partner. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "guard/internal.h"
#include "net/loop.h"
#include "s7/conn.h"
#include "s7/net.h"
#include "util/clock.h"
#include "util/log.h"

enum { K_LISTEN = 1, K_CLIENT = 2, K_UP = 3, K_WAKE = 4 };
/* CL_WAIT_CC: the policy allowed the CR, whose CC waits for the CPU's (the upstream's) */
enum { CL_OPEN = 0, CL_WAIT_UP, CL_READY, CL_WAIT_CC };
enum { UP_CONNECTING = 0, UP_HANDSHAKE, UP_READY };

typedef struct gcli gcli;
typedef struct gup gup;

/* A request waiting for an upstream slot, then in flight. */
typedef struct gjob {
    gcli *cli; /* NULL once the client is gone: the reply is dropped */
    struct gjob *next;
    s7__gplan pl;
    size_t len;
    uint8_t *pdu;    /* the bytes to send (in the job's own allocation, after it); NULL once sent */
    int rate_waited; /* held by its partner's rate limit (counted once) */
    int64_t sent_at; /* when it went to the CPU (the upstream's request deadline) */
    /* several clients' reads in one request to the CPU (coalesce.c): the batch's job holds
     * its members, in order, linked by next; a member the items of its own it carries */
    struct gjob *members;
    unsigned nitems;
    /* the allowed items' decisions, made when the CPU answers them (audit on only) */
    s7__gheld *held;
    unsigned nheld;
} gjob;

struct gcli {
    int kind;
    int fd;
    uint64_t id;
    char peer[64], addr[48];
    s7_sconn *sc;
    int state;
    long partner;
    gup *up;
    uint8_t *carry; /* a partial frame */
    size_t carry_len;
    uint8_t *tx; /* unsent bytes */
    size_t tx_len, tx_off, tx_cap;
    gjob *qhead, *qtail; /* waiting for the upstream */
    size_t qn, inflight;
    /* in its upstream's list of clients with requests waiting (pump takes them in turn) */
    gcli *rprev, *rnext;
    int ready;
    int64_t opened, cc_at, last_pdu;
    uint16_t calling, called;
    int type;
    uint16_t ask_pdu, ask_amq, ask_amq_called, pdu;
    uint16_t setup_ref;
    int szl_ok, counted, dirty;
    unsigned cpu_jobs; /* the CPU's own jobs (a download's parts) passed to it, unanswered */
    int admitted;      /* counted in the shared counts ("*" and "src ADDR") */
    int want_out, reading;
    int queue_full; /* requests read but left in carry: its queue held conn_queue */
    /* a Userdata answer larger than this client's PDU: the parts not yet sent (held_ud)
     * and the head of that answer */
    uint8_t *ud_rest;
    size_t ud_rest_len;
    uint8_t ud_group, ud_subfn, ud_seq, ud_dur, ud_more;
    const char *doom; /* closed with this reason after the batch of events (cli_doom) */
    int msg_reg;      /* a message service request went as it is (a dedicated upstream) */
    gcli *prev, *next;
};

struct gup {
    int kind;
    int fd;
    s7_conn *c;
    int state;
    int shared, type;
    uint16_t called;
    gcli **clis;
    size_t ncli, capcli;
    /* the clients with requests waiting, in turn: pump takes one request of the first and
     * puts it last while it has more (no scan over the clients that have none) */
    gcli *rhead, *rtail;
    size_t nready;
    gcli *ud_owner;      /* a Userdata reply said more follow: its client's continuations only */
    int64_t ud_owner_at; /* since when (a client that does not go on loses it: UD_HOLD_MS) */
    gcli *dl_owner;      /* the client whose download request went last (the CPU's jobs: its) */
    int cc_seen;         /* the CPU accepted the connection (its CC came) */
    s7_setup cpu_setup;  /* the CPU's answer to the upstream's setup (have_setup) */
    int have_setup;
    uint8_t ud_seq; /* the sequence number of the CPU's last Userdata answer (0 none yet) */
    int ud_busy;
    int64_t started;
    int want_out;
    s7__gpush push; /* whose each push is, what is owed to the CPU (push.c) */
    int pumping;
    int flush_marked; /* in g->uflush: sent at the end of this batch of events */
    s7_guard *g;
    gup *prev, *next;
};

typedef s7__guard_part gpart;

struct s7_guard {
    s7_guard_opts o;
    char listen_spec[128], up_host[128];
    uint16_t up_port;
    s7_policy *pol;
    long nobody; /* a dry run: the partner added last to pol for clients no partner of the
                    policy matches (no ranges, no services); -1 otherwise */
    gpart *parts;
    s7_loop *loop;
    int lfd, wake[2];
    int klisten, kwake;
    uint16_t port;
    volatile int stop;
    gcli *clis, *dead_clis;
    gup *ups, *dead_ups;
    size_t ncli, nup;
    uint64_t next_id;
    s7_buf out;
    uint8_t *in;
    size_t in_cap;
    uint8_t *scratch;   /* filter output */
    s7__gheld *heldbuf; /* the filter's held decisions (S7_ITEMS_MAX; with an audit hook) */
    int64_t next_tick, accept_paused_until;
    int64_t now; /* s7_now_ms() when the batch of events began (one clock read a batch) */
    int defer;   /* replies are queued, sent once per batch (flush_dirty) */
    gcli **dirty;
    size_t ndirty, capdirty;
    /* upstreams with requests to send: one send each after the batch of events (all the
     * requests the batch's clients made for one upstream in one send) */
    int batching;
    gup **uflush;
    size_t nuflush, capuflush;
    int coalesce;              /* clients' reads on a shared upstream go to the CPU together */
    uint8_t *cobuf;            /* a client's part of the answer to such a request */
    uint64_t batches, batched; /* requests of several clients' reads, and the reads in them */
    s7_guard_stats st;
};

#define SCRATCH (65536 + 1024)
/* How long the client of an unfinished Userdata answer (the CPU said more follow) holds its
 * shared connection's Userdata for its continuation: real clients ask for the next part at
 * once; one that reads something else instead, or nothing, gives it up. */
#define UD_HOLD_MS 1000

static void glog(s7_guard *g, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static void glog(s7_guard *g, int level, const char *fmt, ...)
{
    if (!g->o.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    s7__logv(g->o.log, g->o.log_ctx, level, 512, fmt, ap);
    va_end(ap);
}

/* The shared count (s7_guard_opts.count) named PREFIX NAME, moved by delta. */
static long gcount(s7_guard *g, const char *prefix, const char *name, int delta)
{
    char key[200];
    snprintf(key, sizeof key, "%s%s", prefix, name);
    return g->o.count(g->o.count_ctx, key, delta);
}

void s7_guard_opts_init(s7_guard_opts *o)
{
    memset(o, 0, sizeof *o);
    o->listen = "127.0.0.1:102";
    o->cr_timeout_ms = 5000;
    o->setup_timeout_ms = 5000;
    o->connect_timeout_ms = 5000;
    o->request_timeout_ms = 10000;
    o->idle_timeout_ms = 600000; /* as the emulator's (server.h) */
    o->max_per_source = 64;
    o->max_clients = 4096;
    o->conn_queue = 64;
    o->engines = 1;
    o->held_max = (size_t)64 << 20;
}

/* ---------------------------------------------------------------- policy state */

static void parts_free(s7_guard *g)
{
    if (g->parts && g->pol)
        for (size_t i = 0; i < g->pol->npartners; i++)
            free(g->parts[i].range_hits);
    free(g->parts);
    g->parts = NULL;
}

/* A dry run forwards every client's requests, also of a client no partner of the policy
 * matches: it is served as a partner with no ranges and no services, added last to the
 * policy (so it matches every CR the others do not), and everything it asks for is logged
 * as would-refuse. */
static int nobody_add(s7_guard *g)
{
    g->nobody = -1;
    if (!g->o.dry_run)
        return 0;
    s7_policy_partner *pt = s7_policy_add_partner(g->pol, "(no partner)");
    if (!pt)
        return S7_ERR_NOMEM;
    pt->services = 0;
    snprintf(pt->rule, sizeof pt->rule, "dry run: no partner of the policy");
    g->nobody = (long)g->pol->npartners - 1;
    return 0;
}

/* The policy's partner a CR matches, as s7_policy_match, without the dry run's catch-all. */
static long policy_match(const s7_guard *g, const gcli *c, char *why, size_t cap)
{
    s7_policy p = *g->pol;
    if (g->nobody >= 0)
        p.npartners = (size_t)g->nobody;
    return s7_policy_match(&p, c->addr, c->type, c->calling, c->called, why, cap);
}

static int parts_make(s7_guard *g)
{
    size_t n = g->pol->npartners;
    g->parts = calloc(n ? n : 1, sizeof *g->parts);
    if (!g->parts)
        return S7_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        size_t nr = g->pol->partners[i].nranges;
        g->parts[i].range_hits = calloc(nr ? nr : 1, sizeof(uint64_t));
        if (!g->parts[i].range_hits)
            return S7_ERR_NOMEM;
        s7__bucket_init(&g->parts[i].rate, g->pol->partners[i].rate, g->pol->partners[i].rate);
    }
    return 0;
}

int s7_guard_new(s7_guard **out, const s7_guard_opts *o, s7_policy *pol)
{
    *out = NULL;
    if (!o || !o->upstream || !pol) {
        s7_policy_free(pol);
        return S7_ERR_INVAL;
    }
    s7_guard *g = calloc(1, sizeof *g);
    if (!g) {
        s7_policy_free(pol);
        return S7_ERR_NOMEM;
    }
    g->o = *o;
    g->nobody = -1;
    snprintf(g->listen_spec, sizeof g->listen_spec, "%s", o->listen ? o->listen : "127.0.0.1:102");
    g->o.listen = g->listen_spec;
    /* HOST[:PORT], [V6]:PORT */
    const char *u = o->upstream, *pspec = NULL;
    g->up_port = 102;
    if (u[0] == '[') {
        const char *e = strchr(u, ']');
        if (!e) {
            s7_policy_free(pol);
            free(g);
            return S7_ERR_INVAL;
        }
        snprintf(g->up_host, sizeof g->up_host, "%.*s", (int)(e - u - 1), u + 1);
        if (e[1] == ':')
            pspec = e + 2;
    } else {
        const char *c = strrchr(u, ':');
        if (c && !strchr(c + 1, ':') && strchr(u, ':') == c) {
            snprintf(g->up_host, sizeof g->up_host, "%.*s", (int)(c - u), u);
            pspec = c + 1;
        } else {
            snprintf(g->up_host, sizeof g->up_host, "%s", u);
        }
    }
    if (pspec) { /* 1..65535: a port past it would wrap to 16 bits, 0 reaches nothing */
        char *pend;
        unsigned long pn = strtoul(pspec, &pend, 10);
        if (!*pspec || *pend || *pspec == '-' || *pspec == '+' || pn < 1 || pn > 65535) {
            s7_policy_free(pol);
            free(g);
            return S7_ERR_INVAL;
        }
        g->up_port = (uint16_t)pn;
    }
    g->o.upstream = g->up_host;
    g->pol = pol;
    g->lfd = g->wake[0] = g->wake[1] = -1;
    g->klisten = K_LISTEN;
    g->kwake = K_WAKE;
    g->now = s7_now_ms();
    g->loop = s7_loop_new(0);
    g->in_cap = 65536 + 16;
    g->in = malloc(g->in_cap);
    g->scratch = malloc(SCRATCH);
    g->cobuf = malloc(SCRATCH);
    g->coalesce = 1;
    if (o->on_decision)
        g->heldbuf = malloc(S7_ITEMS_MAX * sizeof *g->heldbuf);
    if (!g->loop || !g->in || !g->scratch || !g->cobuf || (o->on_decision && !g->heldbuf) ||
        nobody_add(g) < 0 || parts_make(g) < 0 || pipe(g->wake) != 0) {
        s7_guard_free(g);
        return S7_ERR_NOMEM;
    }
    for (int i = 0; i < 2; i++) {
        fcntl(g->wake[i], F_SETFL, fcntl(g->wake[i], F_GETFL) | O_NONBLOCK);
        fcntl(g->wake[i], F_SETFD, FD_CLOEXEC);
    }
    if (s7_loop_add(g->loop, g->wake[0], S7_LOOP_IN, &g->kwake) < 0) {
        s7_guard_free(g);
        return S7_ERR_IO;
    }
    *out = g;
    return 0;
}

const s7_policy *s7_guard_policy(const s7_guard *g) { return g->pol; }

/* ---------------------------------------------------------------- decisions */

typedef struct dctx {
    s7_guard *g;
    gcli *c;
} dctx;

static void emit(s7_guard *g, gcli *c, s7_guard_decision *d)
{
    if (c && c->partner >= 0 && (size_t)c->partner < g->pol->npartners) {
        gpart *gp = &g->parts[c->partner];
        if (d->action == S7_GUARD_ALLOW)
            gp->allowed++;
        else
            gp->refused++;
    }
    if (!g->o.on_decision)
        return;
    d->time_ms = s7__wall_ms();
    d->peer = c ? c->peer : "";
    d->partner =
        c && c->partner >= 0 && c->partner != g->nobody ? g->pol->partners[c->partner].name : "";
    d->conn = c ? c->id : 0;
    g->o.on_decision(g->o.decision_ctx, d);
}

static void filter_decide(void *ctx, s7_guard_decision *d)
{
    dctx *x = ctx;
    emit(x->g, x->c, d);
}

static int owns_job(void *ctx, uint8_t job)
{
    dctx *x = ctx;
    if (x->c->up && !x->c->up->shared)
        return 1; /* a dedicated connection's jobs are all its client's */
    return x->c->up && s7__gpush_owns_job(&x->c->up->push, x->c, job);
}

static void connect_decision(s7_guard *g, gcli *c, int action, const char *rule, const char *result)
{
    s7_guard_decision d;
    memset(&d, 0, sizeof d);
    d.op = "connect";
    d.bit = -1;
    d.szl_id = -1;
    d.action = action;
    d.rule = rule ? rule : "";
    d.result = result;
    emit(g, c, &d);
}

/* ---------------------------------------------------------------- clients: output */

static size_t cli_held(const gcli *c)
{
    size_t q = 0;
    for (const gjob *j = c->qhead; j; j = j->next)
        q += j->len + sizeof *j;
    return c->carry_len + (c->tx_len - c->tx_off) + c->ud_rest_len + q;
}

static void cli_watch(s7_guard *g, gcli *c)
{
    int want_out = c->tx_len > c->tx_off;
    int reading =
        c->state != CL_WAIT_UP && c->qn < g->o.conn_queue && (c->tx_len - c->tx_off) < 262144;
    if (want_out == c->want_out && reading == c->reading)
        return;
    c->want_out = want_out;
    c->reading = reading;
    s7_loop_mod(g->loop, c->fd, (reading ? S7_LOOP_IN : 0) | (want_out ? S7_LOOP_OUT : 0), c);
}

/* Room for n more bytes at the end of c's unsent output (grown by doubling), or NULL. */
static uint8_t *tx_room(gcli *c, size_t n)
{
    if (c->tx_off && c->tx_off == c->tx_len)
        c->tx_len = c->tx_off = 0;
    if (c->tx_len + n <= c->tx_cap)
        return c->tx + c->tx_len;
    if (c->tx_off) {
        memmove(c->tx, c->tx + c->tx_off, c->tx_len - c->tx_off);
        c->tx_len -= c->tx_off;
        c->tx_off = 0;
        if (c->tx_len + n <= c->tx_cap)
            return c->tx + c->tx_len;
    }
    size_t nc = c->tx_cap * 2;
    if (nc < c->tx_len + n)
        nc = c->tx_len + n;
    uint8_t *t = realloc(c->tx, nc);
    if (!t)
        return NULL;
    c->tx = t;
    c->tx_cap = nc;
    return t + c->tx_len;
}

/* c into the clients the end of this batch of replies sends to (flush_dirty). */
static int dirty_add(s7_guard *g, gcli *c)
{
    if (c->dirty)
        return 0;
    if (g->ndirty == g->capdirty) {
        size_t nc = g->capdirty ? g->capdirty * 2 : 64;
        gcli **d = realloc(g->dirty, nc * sizeof *d);
        if (!d)
            return S7_ERR_NOMEM;
        g->dirty = d;
        g->capdirty = nc;
    }
    g->dirty[g->ndirty++] = c;
    c->dirty = 1;
    return 0;
}

/* c's output grew by n bytes (at tx_room): sent now, or (while a batch of replies is being
 * made) once per client after it (flush_dirty). */
static int cli_queued(s7_guard *g, gcli *c, size_t n)
{
    int was_empty = c->tx_len == c->tx_off;
    c->tx_len += n;
    if (g->defer)
        return dirty_add(g, c);
    if (!was_empty)
        return 0; /* the loop sends it when the socket takes more */
    ssize_t w = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
        return S7_ERR_IO;
    if (w > 0)
        c->tx_off += (size_t)w;
    if (c->tx_off == c->tx_len) { /* an idle client holds no output buffer */
        free(c->tx);
        c->tx = NULL;
        c->tx_len = c->tx_off = c->tx_cap = 0;
    }
    return 0;
}

static int cli_send(s7_guard *g, gcli *c, const uint8_t *p, size_t n)
{
    if (!n)
        return 0;
    uint8_t *t = tx_room(c, n);
    if (!t)
        return S7_ERR_NOMEM;
    memcpy(t, p, n);
    return cli_queued(g, c, n);
}

/* Frame one S7 PDU for the client (DT fragments of its TPDU size) straight into its output
 * (one copy of the PDU's bytes) and send it. */
static int cli_send_pdu(s7_guard *g, gcli *c, const uint8_t *pdu, size_t n)
{
    size_t tpdu = s7_sconn_tpdu(c->sc);
    size_t max = tpdu > S7_DT_HDR_LEN ? tpdu - S7_DT_HDR_LEN : n;
    if (max == 0)
        max = n ? n : 1;
    size_t nfrag = n ? (n + max - 1) / max : 1;
    size_t total = n + nfrag * S7_ISO_HDR_LEN;
    uint8_t *t = tx_room(c, total);
    if (!t)
        return S7_ERR_NOMEM;
    size_t off = 0, w = 0;
    do {
        size_t k = n - off;
        if (k > max)
            k = max;
        memcpy(t + w + S7_ISO_HDR_LEN, pdu + off, k);
        int f = s7_iso_dt_wrap(t + w, total - w, k, off + k == n);
        if (f < 0)
            return f;
        w += (size_t)f;
        off += k;
    } while (off < n);
    return cli_queued(g, c, w);
}

/* ---------------------------------------------------------------- closing */

static void up_close(s7_guard *g, gup *u, const char *why);
static void pump(s7_guard *g, gup *u);

/* NULL is a no-op (the slot of the connection's own Setup Communication has no job). */
static void job_free(gjob *j)
{
    if (!j)
        return;
    for (gjob *m = j->members, *nx; m; m = nx) {
        nx = m->next;
        free(m->held);
        free(m);
    }
    free(j->held);
    free(j);
}

/* The decisions j holds for its allowed items (filter.c), made now for client c: each with
 * the CPU's return code for its item in rp, or with the text fixed when the CPU did not
 * answer them (rp NULL) or its answer does not say. */
static void held_emit(s7_guard *g, gcli *c, gjob *j, const s7_pdu *rp, const char *fixed)
{
    if (!j->nheld)
        return;
    unsigned k = 0; /* items forwarded: the allowed ones of a rewritten request, else all */
    for (unsigned i = 0; i < j->pl.n; i++)
        k += !j->pl.rewritten || !((j->pl.refused[i >> 3] >> (i & 7)) & 1);
    s7_data_item items[S7_ITEMS_MAX];
    uint8_t rcs[S7_ITEMS_MAX];
    char err[64];
    int have = 0;
    if (!fixed && rp) {
        if ((rp->rosctr == S7_ACK || rp->rosctr == S7_ACK_DATA) &&
            (rp->err_class || rp->err_code)) {
            unsigned e = (unsigned)rp->err_class << 8 | rp->err_code;
            snprintf(err, sizeof err, "%s",
                     e == 0x8104   ? "refused: PUT/GET not permitted"
                     : e == 0x8500 ? "refused: request larger than the PDU"
                                   : "");
            if (!err[0])
                snprintf(err, sizeof err, "refused: 0x%04X", e);
            fixed = err;
        } else if (j->held[0].d.fn == S7_FN_WRITE) { /* (kind is PASS when sent as it is) */
            have = s7_write_resp_decode(rp, rcs, k) >= 0;
        } else {
            have = s7_read_resp_decode(rp, items, k) >= 0;
            for (unsigned i = 0; have && i < k; i++)
                rcs[i] = items[i].rc;
        }
        if (!fixed && !have)
            fixed = "no answer: the CPU's reply does not fit the request";
    }
    for (unsigned h = 0; h < j->nheld; h++) {
        s7__gheld *x = &j->held[h];
        unsigned at = x->item; /* its place among the forwarded items */
        if (j->pl.rewritten) {
            at = 0;
            for (unsigned i = 0; i < x->item; i++)
                at += !((j->pl.refused[i >> 3] >> (i & 7)) & 1);
        }
        char tmp[8];
        s7_guard_decision d = x->d;
        d.rule = x->rule;
        d.result = fixed ? fixed : at < k ? s7__guard_rc_text(rcs[at], tmp, sizeof tmp) : "ok";
        emit(g, c, &d);
    }
    free(j->held);
    j->held = NULL;
    j->nheld = 0;
}

/* held_emit for j and, of a request of several clients' reads, each member of c's. */
static void held_emit_all(s7_guard *g, gcli *c, gjob *j, const char *why)
{
    if (j->cli == c)
        held_emit(g, c, j, NULL, why);
    for (gjob *m = j->members; m; m = m->next)
        if (m->cli == c)
            held_emit(g, c, m, NULL, why);
}

/* c (of upstream u) joins the end of u's waiting clients, if not in it yet. */
static void ready_add(gup *u, gcli *c)
{
    if (c->ready)
        return;
    c->ready = 1;
    c->rnext = NULL;
    c->rprev = u->rtail;
    if (u->rtail)
        u->rtail->rnext = c;
    else
        u->rhead = c;
    u->rtail = c;
    u->nready++;
}

static void ready_del(gup *u, gcli *c)
{
    if (!c->ready)
        return;
    if (c->rprev)
        c->rprev->rnext = c->rnext;
    else
        u->rhead = c->rnext;
    if (c->rnext)
        c->rnext->rprev = c->rprev;
    else
        u->rtail = c->rprev;
    c->rprev = c->rnext = NULL;
    c->ready = 0;
    u->nready--;
}

/* The first waiting client of u goes last. */
static void ready_rotate(gup *u)
{
    gcli *c = u->rhead;
    if (!c || c == u->rtail)
        return;
    ready_del(u, c);
    ready_add(u, c);
}

static void up_detach(gup *u, gcli *c)
{
    ready_del(u, c);
    s7__gpush_detach(&u->push, c);
    for (size_t i = 0; i < u->ncli; i++) {
        if (u->clis[i] == c) {
            u->clis[i] = u->clis[--u->ncli];
            break;
        }
    }
    if (u->ud_owner == c)
        u->ud_owner = NULL;
    if (u->dl_owner == c)
        u->dl_owner = NULL;
}

static void cli_close(s7_guard *g, gcli *c, const char *why)
{
    glog(g, S7_LOG_INFO, "closed %s%s%s: %s", c->peer, c->partner >= 0 ? " partner " : "",
         c->partner >= 0 ? g->pol->partners[c->partner].name : "", why);
    while (c->qhead) {
        gjob *j = c->qhead;
        c->qhead = j->next;
        held_emit(g, c, j, NULL, "not sent: the client's connection closed");
        job_free(j);
    }
    gup *u = c->up;
    if (u) {
        /* jobs in flight stay with the upstream until their replies: forget the client */
        void *jobs[256];
        uint32_t subs[256];
        size_t n = s7_conn_inflight_jobs(u->c, jobs, subs, 256);
        for (size_t i = 0; i < n; i++) {
            gjob *j = jobs[i];
            if (j)
                held_emit_all(g, c, j, "no answer: the client's connection closed first");
            if (j && j->cli == c)
                j->cli = NULL;
            for (gjob *m = j ? j->members : NULL; m; m = m->next)
                if (m->cli == c)
                    m->cli = NULL;
        }
        up_detach(u, c);
    }
    if (c->counted && c->partner >= 0 && (size_t)c->partner < g->pol->npartners) {
        if (g->parts[c->partner].conns)
            g->parts[c->partner].conns--;
        if (g->o.count)
            gcount(g, "partner ", g->pol->partners[c->partner].name, -1);
    }
    c->counted = 0;
    if (c->admitted && g->o.count) {
        gcount(g, "*", "", -1);
        gcount(g, "src ", c->addr, -1);
    }
    c->admitted = 0;
    s7_loop_del(g->loop, c->fd);
    close(c->fd);
    s7_sconn_free(c->sc);
    free(c->carry);
    free(c->tx);
    free(c->ud_rest);
    if (c->prev)
        c->prev->next = c->next;
    else
        g->clis = c->next;
    if (c->next)
        c->next->prev = c->prev;
    g->ncli--;
    /* freed after this batch of events (a later event of the batch may name it) */
    c->kind = 0;
    c->next = g->dead_clis;
    g->dead_clis = c;
    if (u && !u->shared && u->ncli == 0)
        up_close(g, u, "its client closed");
    else if (u && !u->pumping)
        pump(g, u); /* what it owes the CPU (push.c) */
}

static void up_close(s7_guard *g, gup *u, const char *why)
{
    glog(g, S7_LOG_INFO, "upstream connection to %s:%u closed: %s", g->up_host, g->up_port, why);
    void *jobs[256];
    uint32_t subs[256];
    size_t n = s7_conn_inflight_jobs(u->c, jobs, subs, 256);
    for (size_t i = 0; i < n; i++) {
        gjob *j = jobs[i];
        if (j && j->cli)
            held_emit_all(g, j->cli, j, "no answer: the connection to the CPU closed");
        for (gjob *m = j ? j->members : NULL; m; m = m->next)
            if (m->cli && m->nheld)
                held_emit(g, m->cli, m, NULL, "no answer: the connection to the CPU closed");
        job_free(j);
    }
    /* fail closed: the clients it served lose their connection */
    char cwhy[200];
    snprintf(cwhy, sizeof cwhy, "the connection to the CPU closed (%s)", why);
    char ccwhy[200];
    snprintf(ccwhy, sizeof ccwhy, "no CC: the CPU did not accept the connection (%s)", why);
    while (u->ncli) {
        gcli *c = u->clis[u->ncli - 1];
        c->up = NULL;
        u->ncli--;
        cli_close(g, c, c->state == CL_WAIT_CC ? ccwhy : cwhy);
    }
    if (u->fd >= 0) {
        s7_loop_del(g->loop, u->fd);
        close(u->fd);
    }
    s7_conn_free(u->c);
    u->c = NULL;
    free(u->clis);
    u->clis = NULL;
    s7__gpush_free(&u->push);
    if (u->prev)
        u->prev->next = u->next;
    else
        g->ups = u->next;
    if (u->next)
        u->next->prev = u->prev;
    g->nup--;
    u->kind = 0;
    u->next = g->dead_ups;
    g->dead_ups = u;
}

/* ---------------------------------------------------------------- upstream */

static void up_flush(s7_guard *g, gup *u);
static void pump(s7_guard *g, gup *u);

static void up_watch(s7_guard *g, gup *u)
{
    const uint8_t *p;
    int want = u->state == UP_CONNECTING || s7_conn_tx_pending(u->c, &p) > 0;
    if (want == u->want_out)
        return;
    u->want_out = want;
    s7_loop_mod(g->loop, u->fd, S7_LOOP_IN | (want ? S7_LOOP_OUT : 0), u);
}

static void up_flush(s7_guard *g, gup *u)
{
    if (u->state == UP_CONNECTING)
        return;
    const uint8_t *p;
    size_t n;
    while ((n = s7_conn_tx_pending(u->c, &p)) > 0) {
        ssize_t w = send(u->fd, p, n, MSG_NOSIGNAL);
        if (w > 0) {
            s7_conn_tx_done(u->c, (size_t)w);
            continue;
        }
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            break;
        s7_conn_fail(u->c, S7_ERR_IO);
        break;
    }
    up_watch(g, u);
}

/* Send what u has to send now, or (during a batch of events) once the batch is done. */
static void up_flush_later(s7_guard *g, gup *u)
{
    if (!g->batching || u->state == UP_CONNECTING) {
        up_flush(g, u);
        return;
    }
    if (u->flush_marked)
        return;
    if (g->nuflush == g->capuflush) {
        size_t nc = g->capuflush ? g->capuflush * 2 : 16;
        gup **n = realloc(g->uflush, nc * sizeof *n);
        if (!n) {
            up_flush(g, u);
            return;
        }
        g->uflush = n;
        g->capuflush = nc;
    }
    g->uflush[g->nuflush++] = u;
    u->flush_marked = 1;
}

/* The end of a batch of events: one send per upstream with something to send. */
static void up_flush_marked(s7_guard *g)
{
    for (size_t i = 0; i < g->nuflush; i++) {
        gup *u = g->uflush[i];
        u->flush_marked = 0;
        if (u->kind != K_UP)
            continue;
        up_flush(g, u);
        if (s7_conn_state(u->c) == S7_CS_FAILED)
            up_close(g, u, s7_strerror(s7_conn_error(u->c)));
    }
    g->nuflush = 0;
}

static void answer_setup(s7_guard *g, gcli *c);

/* The next part of the Userdata answer c holds (ud_split), answered to the request with
 * reference ref: as much as c's PDU takes, "more follow" while anything is left (or the
 * CPU itself said more follow).  0 or an error. */
static int ud_next_part(s7_guard *g, gcli *c, uint16_t ref)
{
    uint8_t b[1024];
    /* Userdata header 10, parameter 12, data item header 4 */
    size_t pdu = c->pdu < sizeof b ? c->pdu : sizeof b;
    size_t room = pdu > 26 ? pdu - 26 : 0;
    if (room == 0)
        return S7_ERR_TOOBIG;
    size_t k = c->ud_rest_len < room ? c->ud_rest_len : room;
    s7_ud u;
    memset(&u, 0, sizeof u);
    u.method = 0x12;
    u.type = S7_UD_TYPE_RESP;
    u.group = c->ud_group;
    u.subfn = c->ud_subfn;
    u.seq = c->ud_seq;
    u.dur = c->ud_dur;
    u.last = (uint8_t)(k < c->ud_rest_len || c->ud_more ? 1 : 0);
    u.rc = S7_RC_OK;
    u.dts = S7_DTS_OCTET;
    u.payload = c->ud_rest;
    u.plen = (uint16_t)k;
    int n = s7_ud_encode(b, sizeof b, ref, &u);
    if (n < 0)
        return n;
    memmove(c->ud_rest, c->ud_rest + k, c->ud_rest_len - k);
    c->ud_rest_len -= k;
    if (c->ud_rest_len == 0) {
        free(c->ud_rest);
        c->ud_rest = NULL;
    }
    return cli_send_pdu(g, c, b, (size_t)n);
}

/* A Userdata answer (an SZL read's part) larger than c's PDU: a shared upstream carries the
 * CPU's largest PDU and the CPU sizes these answers by it, while c may have asked less.  It
 * goes to c in parts of c's PDU, each continuation request of c answered by the guard (as a
 * CPU answers them); after the last part held here, c's next continuation goes to the CPU
 * when the CPU said more follow.  0, or an error (not a Userdata answer with data). */
static int ud_split(s7_guard *g, gcli *c, const uint8_t *pdu, size_t n)
{
    s7_pdu p;
    s7_ud ud;
    if (s7_pdu_decode(pdu, n, &p) < 0 || s7_ud_decode(&p, &ud) < 0 || ud.err || ud.rc != S7_RC_OK ||
        !ud.plen || c->pdu <= 64)
        return S7_ERR_PROTO;
    uint8_t *rest = malloc(ud.plen);
    if (!rest)
        return S7_ERR_NOMEM;
    memcpy(rest, ud.payload, ud.plen);
    free(c->ud_rest);
    c->ud_rest = rest;
    c->ud_rest_len = ud.plen;
    c->ud_group = ud.group;
    c->ud_subfn = ud.subfn;
    /* the parts carry the CPU's sequence number: the continuation after the last part held
     * here goes to the CPU as it is */
    c->ud_seq = ud.seq ? ud.seq : 0xE7;
    c->ud_dur = ud.dur;
    c->ud_more = ud.last;
    return ud_next_part(g, c, p.ref);
}

/* A continuation request of c while it holds parts of an answer: the next part.  1 when
 * answered here, 0 when the request is not one (the held parts are dropped unless it is a
 * continuation the CPU must answer). */
static int ud_continue(s7_guard *g, gcli *c, const uint8_t *pdu, size_t n)
{
    s7_pdu p;
    s7_ud ud;
    if (s7_pdu_decode(pdu, n, &p) < 0 || p.rosctr != S7_USERDATA || s7_ud_decode(&p, &ud) < 0 ||
        ud.method != 0x12 || ud.group != c->ud_group || ud.subfn != c->ud_subfn) {
        free(c->ud_rest);
        c->ud_rest = NULL;
        c->ud_rest_len = 0;
        return 0;
    }
    if (ud_next_part(g, c, p.ref) < 0)
        return S7_ERR_IO;
    return 1;
}

/* A request of c that gets no answer (the CPU's reply does not fit it): c is closed, so
 * that it does not wait for the answer for good, after the batch of replies (closing it
 * now could close the upstream whose input is being read). */
static void cli_doom(s7_guard *g, gcli *c, const char *why)
{
    if (!c->doom)
        c->doom = why;
    if (dirty_add(g, c) < 0)
        glog(g, S7_LOG_WARN, "%s: out of memory: closed when it next sends", c->peer);
}

/* A reply from the CPU to job (a gjob). */
/* The CPU's reply pdu to j, to j's client. */
static void deliver(gup *u, gjob *j, const s7_pdu *pdu)
{
    s7_guard *g = u->g;
    gcli *c = j->cli;
    if (j->pl.is_ud) {
        u->ud_busy = 0;
        s7_ud ud;
        int isud = pdu->rosctr == S7_USERDATA && s7_ud_decode(pdu, &ud) >= 0;
        if (isud && ud.seq)
            u->ud_seq = ud.seq;
        if (isud && ud.last && c) {
            u->ud_owner = c; /* more parts follow: its continuations first */
            u->ud_owner_at = s7_now_ms();
        } else if (u->ud_owner == c)
            u->ud_owner = NULL;
    }
    if (j->pl.cyc)
        s7__gpush_cyc_reply(&u->push, c, &j->pl, pdu);
    if (c) {
        if (c->inflight)
            c->inflight--;
        held_emit(g, c, j, pdu, NULL);
        int n = s7__guard_merge(&j->pl, pdu, g->scratch, SCRATCH);
        if (n < 0 || (c->pdu && (size_t)n > 65536)) {
            glog(g, S7_LOG_WARN, "%s: the CPU's reply does not fit the request (%s)", c->peer,
                 s7_strerror(n < 0 ? n : S7_ERR_TOOBIG));
            cli_doom(g, c, "the CPU's reply to its request does not fit the request");
        } else if (!j->pl.is_ud && c->pdu && (size_t)n > c->pdu) {
            /* a Job's answer the client's PDU does not take (the filter holds requests to
             * it, so an item it cannot size, a DBREAD range): the CPU's answer to it */
            glog(g, S7_LOG_WARN, "%s: an answer of %d bytes does not fit its PDU (%u): 0x8500",
                 c->peer, n, c->pdu);
            n = s7_ack_error_encode(g->scratch, SCRATCH, j->pl.ref, 0x85, 0x00);
            if (n < 0 || cli_send_pdu(g, c, g->scratch, (size_t)n) < 0)
                glog(g, S7_LOG_WARN, "%s: cannot send the reply", c->peer);
        } else if (j->pl.is_ud && c->pdu && (size_t)n > c->pdu) {
            if (ud_split(g, c, g->scratch, (size_t)n) < 0) {
                glog(g, S7_LOG_WARN,
                     "%s: a Userdata answer of %d bytes does not fit its PDU (%u) and "
                     "cannot be split",
                     c->peer, n, c->pdu);
                cli_doom(g, c, "a Userdata answer that does not fit its PDU");
            }
        } else if (cli_send_pdu(g, c, g->scratch, (size_t)n) < 0) {
            glog(g, S7_LOG_WARN, "%s: cannot send the reply", c->peer);
        }
        c->last_pdu = g->now;
    }
}

/* The CPU's reply to several clients' reads in one request: each its own part. */
static void deliver_batch(gup *u, gjob *b, const s7_pdu *pdu)
{
    s7_guard *g = u->g;
    s7_data_item items[S7__GCO_MAX];
    int rc = s7_read_resp_decode(pdu, items, b->nitems); /* nitems <= S7__GCO_MAX: batch_reads */
    unsigned first = 0;
    for (gjob *m = b->members; m; m = m->next) {
        s7_pdu mp;
        int n = rc >= 0            ? s7__gco_part(pdu, items, first, m->nitems, g->cobuf, SCRATCH)
                : rc == S7_ERR_PLC ? s7__gco_whole(pdu, g->cobuf, SCRATCH)
                                   : rc;
        first += m->nitems;
        if (n >= 0)
            n = s7_pdu_decode(g->cobuf, (size_t)n, &mp);
        if (n < 0) {
            /* the CPU's answer to the reads together does not conform: as a reply that does
             * not fit its request, the client gets none */
            if (m->cli) {
                if (m->cli->inflight)
                    m->cli->inflight--;
                held_emit(g, m->cli, m, NULL,
                          "no answer: the CPU's reply does not fit the request");
                glog(g, S7_LOG_WARN, "%s: the CPU's reply does not fit the request (%s)",
                     m->cli->peer, s7_strerror(n));
                cli_doom(g, m->cli, "the CPU's reply to its request does not fit the request");
            }
            continue;
        }
        deliver(u, m, &mp);
    }
}

static void on_reply(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    gjob *j = job;
    if (j->members)
        deliver_batch(ctx, j, pdu);
    else
        deliver(ctx, j, pdu);
    job_free(j);
}

/* A push of the CPU (cyclic data, alarms, events): to every client push.c names for it,
 * or to the only client of a dedicated upstream; dropped otherwise. */
static void on_push(void *ctx, const s7_pdu *pdu)
{
    gup *u = ctx;
    s7_guard *g = u->g;
    void *to[256];
    size_t nto = s7__gpush_route(&u->push, pdu, to, 256);
    if (!nto && !u->shared && u->ncli == 1) {
        to[0] = u->clis[0];
        nto = 1;
    }
    s7__gplan pl;
    memset(&pl, 0, sizeof pl);
    pl.ref = pdu->ref;
    int n = nto ? s7__guard_merge(&pl, pdu, g->scratch, SCRATCH) : -1;
    size_t sent = 0;
    for (size_t i = 0; i < nto && n >= 0; i++) {
        gcli *c = to[i];
        if (c->state != CL_READY)
            continue;
        if (cli_send_pdu(g, c, g->scratch, (size_t)n) < 0) {
            glog(g, S7_LOG_WARN, "%s: cannot pass a push on", c->peer);
            continue;
        }
        g->st.pushes++;
        sent++;
    }
    if (!sent)
        glog(g, S7_LOG_DEBUG, "a push (Userdata parameter %02X %02X %02X) no client takes: dropped",
             pdu->param_len > 5 ? pdu->param[5] : 0, pdu->param_len > 6 ? pdu->param[6] : 0,
             pdu->param_len > 7 ? pdu->param[7] : 0);
}

/* A Job of the CPU (a download's parts: it asks the PG for them, 0x1B, then 0x1C): to the
 * client whose download it is (the only client of a dedicated connection), whose answer
 * goes back to the CPU as it is (serve).  Dropped when that client is gone. */
static void on_job(void *ctx, const s7_pdu *pdu)
{
    gup *u = ctx;
    s7_guard *g = u->g;
    gcli *c = u->shared ? u->dl_owner : u->ncli == 1 ? u->clis[0] : NULL;
    s7__gplan pl;
    memset(&pl, 0, sizeof pl);
    pl.ref = pdu->ref;
    int n = c && c->state == CL_READY ? s7__guard_merge(&pl, pdu, g->scratch, SCRATCH) : -1;
    if (n < 0 || cli_send_pdu(g, c, g->scratch, (size_t)n) < 0) {
        glog(g, S7_LOG_WARN, "a job of the CPU (function %02X) no client takes: dropped",
             pdu->param_len ? pdu->param[0] : 0);
        return;
    }
    c->cpu_jobs++;
}

/* What the CPU answered to the upstream's Setup Communication (its AmQ values as it gave
 * them: setup_reply gives each client the smaller of its own and the CPU's). */
static void up_tap(void *ctx, int out, const uint8_t *p, size_t n)
{
    gup *u = ctx;
    s7_cotp t;
    s7_pdu pdu;
    if (out || u->have_setup || s7_frame_decode(p, n, &t) <= 0 || t.code != S7_COTP_DT || !t.eot ||
        s7_pdu_decode(t.user, t.user_len, &pdu) < 0 || pdu.rosctr != S7_ACK_DATA || pdu.err_class ||
        pdu.err_code || s7_setup_decode(&pdu, &u->cpu_setup) < 0)
        return;
    u->have_setup = 1;
}

static gup *up_new(s7_guard *g, gcli *first, int shared)
{
    gup *u = calloc(1, sizeof *u);
    if (!u)
        return NULL;
    u->kind = K_UP;
    u->g = g;
    u->fd = -1;
    u->shared = shared;
    u->type = first->type;
    u->called = first->called;
    u->started = s7_now_ms();
    s7_conn_cfg cfg;
    s7_conn_cfg_init(&cfg);
    cfg.local_tsap = first->calling ? first->calling : 0x0100;
    cfg.remote_tsap = g->o.upstream_tsap ? g->o.upstream_tsap : first->called;
    /* a shared connection asks the CPU's largest PDU (960 is the most a CPU offers for
     * PUT/GET) and holds each client to what it asked, at most that; Userdata answers the
     * CPU sizes by the connection's PDU reach a client with a smaller one in parts
     * (ud_split).  A dedicated one asks what its client asked: the client and the CPU
     * agree on the PDU through the guard */
    cfg.pdu_request = shared ? 960 : 240;
    cfg.amq_request = shared ? 16 : 1;
    cfg.src_ref = (uint16_t)(0x4000 + (g->next_id & 0x3fff) + 1);
    cfg.on_reply = on_reply;
    cfg.on_push = on_push;
    cfg.on_job = on_job;
    cfg.tap = up_tap;
    cfg.ctx = u;
    u->c = s7_conn_new(&cfg);
    if (!u->c) {
        free(u);
        return NULL;
    }
    /* a dedicated connection is set up at its client's CR, before the client's setup: it
     * asks the CPU what the client asks once the client's setup comes (on_setup) */
    s7_conn_hold_setup(u->c, !shared);
    int rc = s7_tcp_connect_start(g->up_host, g->up_port, &u->fd);
    if (rc < 0 && rc != S7_AGAIN) {
        glog(g, S7_LOG_WARN, "cannot connect to the CPU %s:%u: %s", g->up_host, g->up_port,
             s7_strerror(rc));
        s7_conn_free(u->c);
        free(u);
        return NULL;
    }
    u->next = g->ups;
    if (g->ups)
        g->ups->prev = u;
    g->ups = u;
    g->nup++;
    u->state = UP_CONNECTING;
    u->want_out = 1;
    if (s7_loop_add(g->loop, u->fd, S7_LOOP_IN | S7_LOOP_OUT, u) < 0) {
        up_close(g, u, "event loop");
        return NULL;
    }
    return u;
}

static int up_add_cli(gup *u, gcli *c)
{
    if (u->ncli == u->capcli) {
        size_t nc = u->capcli ? u->capcli * 2 : 4;
        gcli **n = realloc(u->clis, nc * sizeof *n);
        if (!n)
            return S7_ERR_NOMEM;
        u->clis = n;
        u->capcli = nc;
    }
    u->clis[u->ncli++] = c;
    c->up = u;
    if (c->qhead)
        ready_add(u, c);
    return 0;
}

/* The upstream for client c: a dedicated one, or the least used of its pool. */
static gup *up_for(s7_guard *g, gcli *c)
{
    const s7_policy_partner *pt = &g->pol->partners[c->partner];
    gup *u = NULL;
    if (pt->shared) {
        size_t count = 0;
        for (gup *x = g->ups; x; x = x->next) {
            if (!x->shared || x->type != c->type || x->called != c->called)
                continue;
            count++;
            if (!u || x->ncli < u->ncli)
                u = x;
        }
        unsigned max = g->pol->shared_upstreams ? g->pol->shared_upstreams : 1;
        if (g->o.engines > 1) {
            /* this guard's share of the pool, at least one */
            unsigned share = max / g->o.engines + (g->o.engine < max % g->o.engines ? 1 : 0);
            max = share ? share : 1;
        }
        if (!u || (count < max && u->ncli > 0))
            u = up_new(g, c, 1);
    } else {
        u = up_new(g, c, 0);
    }
    if (u && up_add_cli(u, c) < 0)
        return NULL;
    return u;
}

/* Send what the clients of u have queued while the CPU's AmQ has room: one request per
 * client in turn. */
/* The first request of c, out of its queue; c goes last in u's turn while it has more. */
static gjob *take(gup *u, gcli *c)
{
    gjob *j = c->qhead;
    c->qhead = j->next;
    if (!c->qhead)
        c->qtail = NULL;
    c->qn--;
    if (c->qhead) {
        if (u->rhead == c)
            ready_rotate(u); /* c is the first: its next request after the others' */
    } else {
        ready_del(u, c);
    }
    j->next = NULL;
    return j;
}

/* A request of c went to the CPU. */
static void forwarded(s7_guard *g, gcli *c)
{
    c->inflight++;
    g->st.forwarded++;
    cli_watch(g, c);
}

/* j (a read of pick, taken) and the reads of the clients next in u's turn, as many as one
 * request to the CPU carries (coalesce.c): the batch's job with them as its members, its
 * request in b (cap bytes) and its length in *len; NULL when no other read joins j (or
 * out of memory) and j goes alone. */
static gjob *batch_reads(s7_guard *g, gup *u, gjob *j, uint8_t *b, size_t cap, size_t *len)
{
    unsigned n, total;
    size_t rd, total_rd;
    if (!s7__gco_read(j->pdu, j->len, &n, &rd))
        return NULL;
    size_t pdu = s7_conn_pdu(u->c);
    if (pdu > cap)
        pdu = cap;
    gjob *batch = NULL, *last = j;
    unsigned reads = 1;
    total = n;
    total_rd = rd;
    j->nitems = n;
    while (u->rhead) {
        gcli *c = u->rhead;
        gjob *k = c->qhead;
        /* a partner with a rate limit takes its turn alone (its tokens are taken there) */
        if (!k || (c->partner >= 0 && g->pol->partners[c->partner].rate) ||
            !s7__gco_read(k->pdu, k->len, &n, &rd) || total + n > S7__GCO_MAX ||
            S7_READ_REQ_SIZE(total + n) > pdu || 14 + total_rd + rd > pdu)
            break;
        if (!batch && !(batch = calloc(1, sizeof *batch)))
            break;
        k = take(u, c);
        k->nitems = n;
        last->next = k;
        last = k;
        total += n;
        total_rd += rd;
        reads++;
        forwarded(g, c);
    }
    if (!batch)
        return NULL;
    batch->members = j;
    batch->nitems = total;
    /* the first read's header (the connection sets the reference), param 04 total, the
     * items of each read in order */
    memcpy(b, j->pdu, 10);
    size_t plen = 2 + (size_t)S7_ITEM_SPEC_LEN * total, o = 12;
    b[6] = (uint8_t)(plen >> 8);
    b[7] = (uint8_t)plen;
    b[8] = b[9] = 0;
    b[10] = S7_FN_READ;
    b[11] = (uint8_t)total;
    for (gjob *m = j; m; m = m->next) {
        memcpy(b + o, m->pdu + 12, (size_t)S7_ITEM_SPEC_LEN * m->nitems);
        o += (size_t)S7_ITEM_SPEC_LEN * m->nitems;
        m->pdu = NULL;
    }
    *len = o;
    g->batches++;
    g->batched += reads;
    return batch;
}

static void pump(s7_guard *g, gup *u)
{
    if (u->state != UP_READY)
        return;
    int64_t now = g->now;
    u->pumping = 1;
    /* what is owed to the CPU for clients gone (unsubscribes, ends of registrations:
     * push.c) comes first, one Userdata at a time */
    while (s7__gpush_owes(&u->push) && s7_conn_can_submit(u->c) && !u->ud_busy && !u->ud_owner) {
        size_t cap;
        uint8_t *b = s7_conn_submit_begin(u->c, &cap);
        char what[120];
        int n = b ? s7__gpush_owed(&u->push, b, cap, what, sizeof what) : 0;
        if (n <= 0)
            break;
        gjob *j = calloc(1, sizeof *j);
        if (!j)
            break;
        j->pl.is_ud = 1;
        j->sent_at = now;
        if (s7_conn_submit_end(u->c, (size_t)n, j, 0) < 0) {
            free(j);
            break;
        }
        u->ud_busy = 1;
        glog(g, S7_LOG_INFO, "%s", what);
    }
    while (s7_conn_can_submit(u->c) && u->rhead) {
        gcli *pick = NULL;
        /* each waiting client once at most: one that must wait yet goes last */
        for (size_t k = 0, nk = u->nready; k < nk; k++) {
            gcli *c = u->rhead;
            gjob *j = c->qhead;
            if (!j) { /* not expected: the list holds only clients with requests */
                ready_del(u, c);
                continue;
            }
            if (j->pl.is_ud && (u->ud_busy || (u->ud_owner && u->ud_owner != c))) {
                ready_rotate(u);
                continue;
            }
            const s7_policy_partner *pt = c->partner >= 0 ? &g->pol->partners[c->partner] : NULL;
            if (pt && pt->rate) {
                gpart *gp = &g->parts[c->partner];
                int took = g->o.rate_take ? g->o.rate_take(g->o.rate_ctx, pt->name, pt->rate, now)
                                          : s7__bucket_take(&gp->rate, now);
                if (!took) {
                    /* every request queued behind it waits too: each counted once */
                    for (gjob *w = j; w; w = w->next) {
                        if (!w->rate_waited) {
                            w->rate_waited = 1;
                            gp->rate_delayed++;
                        }
                    }
                    ready_rotate(u);
                    continue;
                }
            }
            pick = c;
            break;
        }
        if (!pick)
            break;
        gjob *j = take(u, pick);
        size_t cap;
        uint8_t *b = s7_conn_submit_begin(u->c, &cap);
        if (!b || j->len > cap) {
            /* larger than the CPU's PDU: the answer a CPU gives */
            int n = s7_ack_error_encode(g->scratch, SCRATCH, j->pl.ref, 0x85, 0x00);
            if (n > 0)
                cli_send_pdu(g, pick, g->scratch, (size_t)n);
            held_emit(g, pick, j, NULL, "refused: request larger than the PDU");
            job_free(j);
            cli_watch(g, pick);
            continue;
        }
        int download = j->len > 10 && j->pdu[1] == S7_JOB && j->pdu[10] == S7_FN_REQ_DOWNLOAD;
        size_t blen = 0;
        gjob *batch = u->shared && g->coalesce ? batch_reads(g, u, j, b, cap, &blen) : NULL;
        if (batch) {
            forwarded(g, pick);
            batch->sent_at = now;
            if (s7_conn_submit_end(u->c, blen, batch, 0) < 0)
                job_free(batch);
            continue;
        }
        memcpy(b, j->pdu, j->len);
        j->pdu = NULL;
        j->sent_at = now;
        if (s7_conn_submit_end(u->c, j->len, j, 0) < 0) {
            job_free(j);
            continue;
        }
        if (j->pl.is_ud) {
            u->ud_busy = 1;
            if (u->ud_owner == pick)
                u->ud_owner = NULL;
        }
        if (download)
            u->dl_owner = pick;
        forwarded(g, pick);
    }
    u->pumping = 0;
    up_flush_later(g, u);
}

static int cli_process(s7_guard *g, gcli *c, const uint8_t *in, size_t n);

/* Answer c's CR with the CC (the CPU accepted the connection), then serve what followed
 * the CR.  0, or -1 when c was closed. */
static int cli_accept(s7_guard *g, gcli *c)
{
    c->state = CL_OPEN;
    c->cc_at = s7_now_ms();
    g->out.len = 0;
    int rc = s7_sconn_accept(c->sc, &g->out);
    if (rc >= 0 && g->out.len && cli_send(g, c, g->out.p, g->out.len) < 0)
        rc = S7_ERR_IO;
    g->out.len = 0;
    if (rc < 0) {
        cli_close(g, c, "cannot send the CC");
        return -1;
    }
    return cli_process(g, c, NULL, 0);
}

/* u's clients in state (CL_WAIT_CC: the CPU accepted u, their CRs get the CC; CL_WAIT_UP:
 * u is set up, their setups get the answer).  Answering may close clients (and a dedicated
 * upstream with its last one): the list is taken first, then those still open and still on
 * u are answered. */
static void up_answer(s7_guard *g, gup *u, int state)
{
    size_t n = u->ncli;
    gcli **w = n ? malloc(n * sizeof *w) : NULL;
    if (n && !w) {
        up_close(g, u, "out of memory");
        return;
    }
    if (n)
        memcpy(w, u->clis, n * sizeof *w);
    for (size_t i = 0; i < n; i++) {
        if (w[i]->kind != K_CLIENT || w[i]->up != u || w[i]->state != state)
            continue;
        if (state == CL_WAIT_CC)
            cli_accept(g, w[i]);
        else
            answer_setup(g, w[i]);
    }
    free(w);
}

static void up_ready(s7_guard *g, gup *u)
{
    u->state = UP_READY;
    glog(g, S7_LOG_INFO, "upstream connection to %s:%u ready (PDU %u, AmQ %u)%s", g->up_host,
         g->up_port, s7_conn_pdu(u->c), s7_conn_amq(u->c), u->shared ? " (shared)" : "");
    up_answer(g, u, CL_WAIT_UP);
}

static void cli_event(s7_guard *g, gcli *c, uint32_t ev);

/* Send what the replies of one batch queued for each client (one send per client). */
static void flush_dirty(s7_guard *g)
{
    g->defer = 0;
    for (size_t i = 0; i < g->ndirty; i++) {
        gcli *c = g->dirty[i];
        c->dirty = 0;
        if (c->kind == K_CLIENT)
            cli_event(g, c, S7_LOOP_OUT);
    }
    g->ndirty = 0;
}

static void up_event(s7_guard *g, gup *u, uint32_t ev)
{
    if (u->state == UP_CONNECTING) {
        if (!(ev & (S7_LOOP_OUT | S7_LOOP_ERR)))
            return;
        int rc = s7_tcp_connect_finish(u->fd);
        if (rc < 0) {
            char why[120];
            snprintf(why, sizeof why, "connect failed: %s", s7_strerror(rc));
            up_close(g, u, why);
            return;
        }
        s7_tcp_configure(u->fd);
        u->state = UP_HANDSHAKE;
        s7_conn_start(u->c);
        up_flush(g, u);
        return;
    }
    if (ev & (S7_LOOP_IN | S7_LOOP_ERR)) {
        for (int k = 0; k < 16; k++) {
            size_t space;
            uint8_t *p = s7_conn_rx_space(u->c, &space);
            if (!p || !space) {
                up_close(g, u, "out of memory");
                return;
            }
            ssize_t r = recv(u->fd, p, space, 0);
            if (r == 0) {
                up_close(g, u, "the CPU closed the connection");
                return;
            }
            if (r < 0) {
                if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                    break;
                up_close(g, u, strerror(errno));
                return;
            }
            g->defer = 1;
            int rc = s7_conn_rx_commit(u->c, (size_t)r);
            if (rc >= 0 && u->state == UP_READY) {
                /* the slots the replies freed go back to the CPU first, then the replies to
                 * their clients: the CPU works on the next requests meanwhile */
                pump(g, u);
                up_flush(g, u);
            }
            flush_dirty(g);
            if (u->kind != K_UP) /* a client whose send failed took its dedicated upstream */
                return;
            if (rc < 0) {
                char why[120];
                snprintf(why, sizeof why, "%s", s7_strerror(rc));
                up_close(g, u, why);
                return;
            }
            if ((size_t)r < space || s7_conn_state(u->c) == S7_CS_FAILED)
                break;
        }
        if (!u->cc_seen && u->state == UP_HANDSHAKE) {
            int cs = s7_conn_state(u->c);
            if (cs == S7_CS_CC_HELD || cs == S7_CS_SETUP_SENT || cs == S7_CS_READY) {
                u->cc_seen = 1;
                up_answer(g, u, CL_WAIT_CC);
                if (u->kind != K_UP) /* closed meanwhile */
                    return;
            }
        }
        if (u->state == UP_HANDSHAKE && s7_conn_state(u->c) == S7_CS_READY) {
            up_ready(g, u);
            if (u->kind != K_UP) /* closed meanwhile */
                return;
        }
    }
    up_flush(g, u);
    if (s7_conn_state(u->c) == S7_CS_FAILED) {
        up_close(g, u, s7_strerror(s7_conn_error(u->c)));
        return;
    }
    pump(g, u);
}

/* ---------------------------------------------------------------- clients: input */

/* Send the setup answer (the client held to the upstream PDU).  0 or an error. */
static int setup_reply(s7_guard *g, gcli *c)
{
    gup *u = c->up;
    uint16_t pdu = c->ask_pdu, updu = s7_conn_pdu(u->c);
    if (pdu > updu)
        pdu = updu;
    if (pdu < 64)
        pdu = 64;
    uint16_t amq = c->ask_amq ? c->ask_amq : 1;
    if (amq > s7_conn_amq(u->c))
        amq = s7_conn_amq(u->c);
    s7_setup s = {amq, amq, pdu};
    if (u->have_setup) {
        /* the AmQ values as the CPU gives them (a 315-2 asked for calling 1, called 3
         * answers 1, 2): the upstream asked at least the larger of the client's two, so
         * each is the smaller of the client's and the CPU's */
        uint16_t acl = c->ask_amq ? c->ask_amq : 1, acd = c->ask_amq_called ? c->ask_amq_called : 1;
        s.amq_calling = acl < u->cpu_setup.amq_calling ? acl : u->cpu_setup.amq_calling;
        s.amq_called = acd < u->cpu_setup.amq_called ? acd : u->cpu_setup.amq_called;
        if (!s.amq_calling)
            s.amq_calling = 1;
        if (!s.amq_called)
            s.amq_called = 1;
    }
    uint8_t b[32];
    int n = s7_setup_resp_encode(b, sizeof b, c->setup_ref, &s);
    c->pdu = pdu;
    c->state = CL_READY;
    c->last_pdu = s7_now_ms();
    if (n < 0 || cli_send_pdu(g, c, b, (size_t)n) < 0)
        return S7_ERR_IO;
    return 0;
}

/* The upstream is ready: answer the setup that waited, then serve what followed it. */
static void answer_setup(s7_guard *g, gcli *c)
{
    if (setup_reply(g, c) < 0) {
        cli_close(g, c, "cannot answer the setup");
        return;
    }
    cli_process(g, c, NULL, 0);
}

static int on_setup(s7_guard *g, gcli *c, const uint8_t *pdu, size_t len)
{
    s7_pdu p;
    s7_setup s;
    if (s7_pdu_decode(pdu, len, &p) < 0 || s7_setup_decode(&p, &s) < 0)
        return S7_ERR_PROTO;
    c->ask_pdu = s.pdu_len;
    c->ask_amq = s.amq_calling;
    c->ask_amq_called = s.amq_called;
    c->setup_ref = p.ref;
    if (c->state == CL_READY)
        return 1; /* a second setup: the same answer */
    if (!c->up && !up_for(g, c))
        return S7_ERR_REFUSED;
    gup *u = c->up;
    if (s7_conn_state(u->c) == S7_CS_CC_HELD) {
        /* a dedicated connection: the CPU is asked what the client asks */
        uint16_t amq = c->ask_amq > c->ask_amq_called ? c->ask_amq : c->ask_amq_called;
        if (s7_conn_send_setup(u->c, c->ask_pdu >= 64 ? c->ask_pdu : 64, amq ? amq : 1) < 0)
            return S7_ERR_REFUSED;
        u->started = s7_now_ms(); /* --connect-timeout for the setup's answer */
        up_flush_later(g, u);
    }
    c->state = CL_WAIT_UP;
    return u->state == UP_READY ? 1 : 0;
}

/* The CR: the policy decides. */
static int on_cr(s7_guard *g, gcli *c, const s7_sconn_event *ev)
{
    char why[200];
    c->calling = ev->calling_tsap;
    c->called = ev->called_tsap;
    c->type = ev->called_tsap >> 8;
    long i = policy_match(g, c, why, sizeof why);
    int shared_count = 0, over = 0;
    if (i >= 0 && g->o.count) {
        /* the partner's connections over every guard of the port */
        long n = gcount(g, "partner ", g->pol->partners[i].name, +1);
        shared_count = 1;
        if (g->pol->partners[i].max_conn && n > (long)g->pol->partners[i].max_conn)
            gcount(g, "partner ", g->pol->partners[i].name, -1);
        else
            shared_count = 2;
    }
    if (i >= 0 && g->pol->partners[i].max_conn &&
        (shared_count ? shared_count == 1 : g->parts[i].conns >= g->pol->partners[i].max_conn)) {
        snprintf(why, sizeof why, "partner %s already holds its %u connections",
                 g->pol->partners[i].name, g->pol->partners[i].max_conn);
        g->parts[i].refused_cr++;
        if (g->o.dry_run) {
            over = 1; /* served all the same, logged as would-refuse */
            if (shared_count == 1)
                gcount(g, "partner ", g->pol->partners[i].name, +1);
        } else {
            c->partner = i;
            i = -1;
        }
    }
    if (i < 0 && g->nobody >= 0) {
        i = g->nobody;
        over = 1;
        if (g->o.count)
            gcount(g, "partner ", g->pol->partners[i].name, +1);
    }
    if (i < 0) {
        char res[240];
        snprintf(res, sizeof res, "refused: %s", why);
        g->st.refused_cr++;
        connect_decision(g, c, S7_GUARD_REFUSE, "", res);
        c->partner = -1;
        return s7_sconn_refuse(c->sc, why);
    }
    c->partner = i;
    c->counted = 1;
    g->parts[i].conns++;
    g->parts[i].connects++;
    if (over) {
        char res[240];
        snprintf(res, sizeof res, "refused: %s", why);
        connect_decision(g, c, S7_GUARD_WOULD_REFUSE, "", res);
    } else {
        connect_decision(g, c, S7_GUARD_ALLOW, g->pol->partners[i].rule, "ok");
    }
    /* the CC waits for the CPU's: a CPU that refuses the connection (its resources of
     * the type are used up, it is off) refuses the client's CR too, as without the guard */
    c->state = CL_OPEN;
    if (!c->up && !up_for(g, c)) {
        g->st.refused_cr++;
        return s7_sconn_refuse(c->sc, "no connection to the CPU");
    }
    if (!c->up->cc_seen) {
        c->state = CL_WAIT_CC;
        return 0;
    }
    c->cc_at = s7_now_ms();
    return s7_sconn_accept(c->sc, &g->out);
}

static void enqueue(gcli *c, gjob *j)
{
    if (c->qtail)
        c->qtail->next = j;
    else
        c->qhead = j;
    c->qtail = j;
    c->qn++;
    if (c->up)
        ready_add(c->up, c);
}

/* Serve in[0..n) for c; keeps what is left as its carry.  Returns 0, or -1 when c was
 * closed. */
static int serve(s7_guard *g, gcli *c, const uint8_t *in, size_t len)
{
    size_t off = 0;
    int rc = 0;
    const char *why = NULL;
    while (c->state != CL_WAIT_UP && c->state != CL_WAIT_CC && c->qn < g->o.conn_queue) {
        s7_sconn_event ev;
        g->out.len = 0;
        int k = s7_sconn_recv(c->sc, in + off, len - off, &g->out, &ev);
        if (g->out.len && cli_send(g, c, g->out.p, g->out.len) < 0) {
            rc = S7_ERR_IO;
            why = "send failed";
            break;
        }
        if (k < 0) {
            rc = k;
            why = s7_sconn_reason(c->sc);
            break;
        }
        off += (size_t)k;
        if (ev.kind == S7_SEV_NONE)
            break;
        g->out.len = 0;
        if (ev.kind == S7_SEV_CONNECT) {
            rc = on_cr(g, c, &ev);
            if (rc == S7_ERR_CR_REJECTED) {
                why = s7_sconn_reason(c->sc);
                break;
            }
        } else {
            c->last_pdu = g->now;
            if (c->ud_rest_len) {
                int h = ud_continue(g, c, ev.pdu, ev.len);
                if (h < 0) {
                    rc = h;
                    why = "send failed";
                    break;
                }
                if (h == 1) {
                    rc = s7_sconn_reply_end(c->sc, &g->out, 0);
                    if (rc < 0) {
                        why = s7_sconn_reason(c->sc);
                        break;
                    }
                    continue;
                }
            }
            if (c->cpu_jobs && c->up && ev.len > 1 &&
                (ev.pdu[1] == S7_ACK_DATA || ev.pdu[1] == S7_ACK)) {
                /* the PG's answer to the CPU's own job (a download's part): to the CPU */
                c->cpu_jobs--;
                if (s7_conn_answer(c->up->c, ev.pdu, ev.len) < 0)
                    glog(g, S7_LOG_WARN, "%s: cannot pass its answer to the CPU's job on", c->peer);
                up_flush_later(g, c->up);
                rc = s7_sconn_reply_end(c->sc, &g->out, 0);
                if (rc < 0) {
                    why = s7_sconn_reason(c->sc);
                    break;
                }
                continue;
            }
            if (c->up && c->up->ud_owner == c &&
                !(ev.len > 14 && ev.pdu[1] == S7_USERDATA && ev.pdu[14] == 0x12))
                c->up->ud_owner = NULL; /* not the next part: the answer in parts is given up */
            s7__gplan pl;
            dctx dx = {g, c};
            s7__gctx x;
            memset(&x, 0, sizeof x);
            x.pt = &g->pol->partners[c->partner];
            x.dry_run = g->o.dry_run;
            x.szl_ok = c->szl_ok;
            x.decide = filter_decide;
            x.ctx = &dx;
            x.range_hits = g->parts[c->partner].range_hits;
            x.owns_job = owns_job;
            x.pdu = c->pdu;
            x.held = g->heldbuf;
            s7__guard_filter(&x, ev.pdu, ev.len, &pl, g->scratch, SCRATCH);
            c->szl_ok = x.szl_ok;
            g->st.items_allowed += x.items_allowed;
            g->st.items_refused += x.items_refused;
            g->st.services_refused += x.services_refused;
            if (pl.verdict == S7__GV_CLOSE) {
                rc = s7_sconn_fail(c->sc, S7_ERR_PROTO, pl.why);
                why = pl.why;
                g->st.closed_protocol++;
                break;
            }
            if (pl.verdict == S7__GV_FORWARD && pl.msg && c->up && !c->up->shared)
                c->msg_reg = 1; /* its registration is the CPU's alone: kept until it goes */
            if (pl.verdict == S7__GV_FORWARD && pl.msg && c->up && c->up->shared) {
                /* the message service on a shared connection: answered here or forwarded
                 * as push.c says (a dedicated one's client holds the CPU's registration
                 * alone: its requests go as they are) */
                int local = 0;
                int mk =
                    s7__gpush_msg(&c->up->push, c, ev.pdu, ev.len, g->scratch, SCRATCH, &local);
                if (mk < 0) {
                    rc = mk;
                    why = "out of memory";
                    break;
                }
                pl.verdict = local ? S7__GV_LOCAL : S7__GV_FORWARD;
                pl.rewritten = !local;
                pl.len = (size_t)mk;
                if (local && mk > 17 && !g->scratch[17])
                    /* numbered as the CPU numbers its Userdata answers (never 0): its
                     * last number on this connection */
                    g->scratch[17] = c->up->ud_seq ? c->up->ud_seq : 1;
            }
            if (pl.verdict == S7__GV_SETUP) {
                int s = on_setup(g, c, ev.pdu, ev.len);
                rc = s7_sconn_reply_end(c->sc, &g->out, 0);
                if (s < 0) {
                    rc = s;
                    why = s == S7_ERR_PROTO ? "malformed Setup Communication"
                                            : "no connection to the CPU";
                    break;
                }
                if (s == 1) {
                    if (setup_reply(g, c) < 0) {
                        rc = S7_ERR_IO;
                        why = "send failed";
                        break;
                    }
                    continue;
                }
                /* the rest waits for the upstream */
                break;
            } else if (pl.verdict == S7__GV_LOCAL) {
                size_t cap;
                uint8_t *r = s7_sconn_reply_begin(c->sc, &g->out, &cap);
                if (!r || pl.len > cap) {
                    rc = S7_ERR_NOMEM;
                    why = "out of memory";
                    break;
                }
                memcpy(r, g->scratch, pl.len);
                rc = s7_sconn_reply_end(c->sc, &g->out, pl.len);
                g->st.answered_locally++;
            } else {
                const uint8_t *src = pl.rewritten ? g->scratch : ev.pdu;
                size_t n = pl.rewritten ? pl.len : ev.len;
                /* the job and its bytes in one allocation */
                gjob *j = malloc(sizeof *j + n);
                if (!j) {
                    rc = S7_ERR_NOMEM;
                    why = "out of memory";
                    break;
                }
                memset(j, 0, sizeof *j);
                j->pdu = (uint8_t *)(j + 1);
                memcpy(j->pdu, src, n);
                j->len = n;
                j->pl = pl;
                j->cli = c;
                if (x.nheld) {
                    j->held = malloc(x.nheld * sizeof *j->held);
                    if (!j->held) {
                        free(j);
                        rc = S7_ERR_NOMEM;
                        why = "out of memory";
                        break;
                    }
                    memcpy(j->held, g->heldbuf, x.nheld * sizeof *j->held);
                    j->nheld = x.nheld;
                }
                enqueue(c, j);
                rc = s7_sconn_reply_end(c->sc, &g->out, 0);
            }
            if (rc < 0) {
                why = s7_sconn_reason(c->sc);
                break;
            }
        }
        if (g->out.len && cli_send(g, c, g->out.p, g->out.len) < 0) {
            rc = S7_ERR_IO;
            why = "send failed";
            break;
        }
    }
    if (rc < 0) {
        cli_close(g, c, why && why[0] ? why : s7_strerror(rc));
        return -1;
    }
    /* requests past a full queue wait in carry: served once the queue drains (cli_event),
     * as the socket may have nothing more to say */
    c->queue_full = off < len && c->qn >= g->o.conn_queue;
    /* the state may have changed under answer_setup (it served the rest then) */
    if (off < len) {
        size_t left = len - off;
        uint8_t *k = realloc(c->carry, left);
        if (!k) {
            cli_close(g, c, "out of memory");
            return -1;
        }
        memmove(k, in + off, left);
        c->carry = k;
        c->carry_len = left;
    }
    return 0;
}

static int cli_process(s7_guard *g, gcli *c, const uint8_t *in, size_t n)
{
    /* carry + new bytes in one buffer */
    size_t total = c->carry_len + n;
    uint8_t *buf;
    int own = 0;
    if (c->carry_len == 0) {
        buf = (uint8_t *)in;
    } else {
        buf = malloc(total ? total : 1);
        if (!buf) {
            cli_close(g, c, "out of memory");
            return -1;
        }
        own = 1;
        memcpy(buf, c->carry, c->carry_len);
        if (n)
            memcpy(buf + c->carry_len, in, n);
        free(c->carry);
        c->carry = NULL;
        c->carry_len = 0;
    }
    int rc = total ? serve(g, c, buf, total) : 0;
    if (own)
        free(buf);
    if (rc < 0)
        return -1;
    if (c->up)
        pump(g, c->up);
    cli_watch(g, c);
    return 0;
}

static void cli_event(s7_guard *g, gcli *c, uint32_t ev)
{
    if (c->doom) {
        g->st.closed_protocol++;
        cli_close(g, c, c->doom);
        return;
    }
    if (ev & S7_LOOP_OUT) {
        while (c->tx_len > c->tx_off) {
            ssize_t w = send(c->fd, c->tx + c->tx_off, c->tx_len - c->tx_off, MSG_NOSIGNAL);
            if (w > 0) {
                c->tx_off += (size_t)w;
                continue;
            }
            if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
                break;
            cli_close(g, c, "send failed");
            return;
        }
        if (c->tx_len == c->tx_off) {
            /* an idle client holds no output buffer */
            free(c->tx);
            c->tx = NULL;
            c->tx_len = c->tx_off = c->tx_cap = 0;
        }
    }
    if (ev & (S7_LOOP_IN | S7_LOOP_ERR)) {
        ssize_t r = recv(c->fd, g->in, g->in_cap, 0);
        if (r == 0) {
            cli_close(g, c, "the client closed the connection");
            return;
        }
        if (r < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                cli_close(g, c, strerror(errno));
            return;
        }
        if (cli_process(g, c, g->in, (size_t)r) < 0)
            return;
    }
    /* requests it sent past its full queue were read already: no event of the socket
     * brings them back once its answers drained the queue */
    if (c->queue_full && c->carry_len && c->qn < g->o.conn_queue) {
        c->queue_full = 0;
        if (cli_process(g, c, NULL, 0) < 0)
            return;
    }
    cli_watch(g, c);
}

/* ---------------------------------------------------------------- accept, timers */

static void peer_text(const struct sockaddr_storage *ss, char *addr, size_t acap, char *peer,
                      size_t pcap)
{
    char a[INET6_ADDRSTRLEN] = "?";
    unsigned port = 0;
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
        port = ntohs(s4->sin_port);
        snprintf(peer, pcap, "%s:%u", a, port);
    } else if (ss->ss_family == AF_INET6) {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
        port = ntohs(s6->sin6_port);
        if (strncmp(a, "::ffff:", 7) == 0 && strchr(a, '.'))
            memmove(a, a + 7, strlen(a + 7) + 1);
        snprintf(peer, pcap, strchr(a, ':') ? "[%s]:%u" : "%s:%u", a, port);
    } else {
        snprintf(peer, pcap, "?");
    }
    snprintf(addr, acap, "%s", a);
}

static void do_accept(s7_guard *g, int64_t now)
{
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage ss;
        socklen_t sl = sizeof ss;
        int fd = accept4(g->lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE) {
                glog(g, S7_LOG_ERROR,
                     "out of file descriptors at %zu clients: not accepting "
                     "for 100 ms (raise ulimit -n)",
                     g->ncli);
                g->accept_paused_until = now + 100;
                s7_loop_mod(g->loop, g->lfd, 0, &g->klisten);
            }
            return;
        }
        gcli *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            return;
        }
        /* keepalive: a client that vanished without a FIN (cable, power, a crashed HMI) is
         * found within a minute and gives back its partner's connection and its CPU
         * connection, as the emulator's own clients do */
        s7_tcp_configure(fd);
        c->kind = K_CLIENT;
        c->fd = fd;
        c->partner = -1;
        c->id = g->next_id++ * (g->o.engines ? g->o.engines : 1) + g->o.engine + 1;
        c->opened = c->last_pdu = now;
        peer_text(&ss, c->addr, sizeof c->addr, c->peer, sizeof c->peer);
        g->st.accepted++;
        const char *refuse = NULL;
        char msg[160];
        if (g->o.count) {
            /* the limits hold over every guard of the port */
            long all = gcount(g, "*", "", +1);
            long same = gcount(g, "src ", c->addr, +1);
            c->admitted = 1;
            if (g->o.max_clients && all > (long)g->o.max_clients) {
                snprintf(msg, sizeof msg, "refused: %u clients already connected (max_clients)",
                         g->o.max_clients);
                refuse = msg;
            } else if (g->o.max_per_source && same > (long)g->o.max_per_source) {
                snprintf(msg, sizeof msg,
                         "refused: %u connections from %s already (per-source "
                         "limit)",
                         g->o.max_per_source, c->addr);
                refuse = msg;
            }
        } else if (g->o.max_clients && g->ncli >= g->o.max_clients) {
            snprintf(msg, sizeof msg, "refused: %u clients already connected (max_clients)",
                     g->o.max_clients);
            refuse = msg;
        } else if (g->o.max_per_source) {
            unsigned same = 0;
            for (gcli *x = g->clis; x; x = x->next)
                same += strcmp(x->addr, c->addr) == 0;
            if (same >= g->o.max_per_source) {
                snprintf(msg, sizeof msg,
                         "refused: %u connections from %s already (per-source "
                         "limit)",
                         same, c->addr);
                refuse = msg;
            }
        }
        c->sc = refuse ? NULL : s7_sconn_new();
        if (refuse || !c->sc) {
            connect_decision(g, c, S7_GUARD_REFUSE, "", refuse ? refuse : "refused: out of memory");
            g->st.refused_cr++;
            if (c->admitted) {
                gcount(g, "*", "", -1);
                gcount(g, "src ", c->addr, -1);
            }
            close(fd);
            free(c);
            continue;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, 1 /* TCP_NODELAY */, &one, sizeof one);
        c->next = g->clis;
        if (g->clis)
            g->clis->prev = c;
        g->clis = c;
        g->ncli++;
        c->reading = 1;
        if (s7_loop_add(g->loop, fd, S7_LOOP_IN, c) < 0)
            cli_close(g, c, "event loop");
    }
}

/* Non-zero when a request of u has been with the CPU longer than the request deadline. */
static int up_overdue(const s7_guard *g, gup *u, int64_t now)
{
    void *jobs[256];
    uint32_t subs[256];
    size_t n = s7_conn_inflight_jobs(u->c, jobs, subs, 256);
    for (size_t i = 0; i < n; i++) {
        const gjob *j = jobs[i];
        if (j && j->sent_at && now - j->sent_at >= g->o.request_timeout_ms)
            return 1;
    }
    return 0;
}

/* c waits for the CPU's pushes (a cyclic subscription, a message service registration):
 * quiet is what it expects, the idle timeout spares it. */
static int cli_subscribed(const gcli *c)
{
    return c->msg_reg || (c->up && s7__gpush_holds(&c->up->push, c));
}

static void tick(s7_guard *g, int64_t now)
{
    if (now < g->next_tick)
        return;
    g->next_tick = now + 100;
    if (g->accept_paused_until && now >= g->accept_paused_until) {
        g->accept_paused_until = 0;
        s7_loop_mod(g->loop, g->lfd, S7_LOOP_IN, &g->klisten);
    }
    size_t held = 0;
    gcli *greedy = NULL;
    size_t greedy_n = 0;
    for (gcli *c = g->clis, *nx; c; c = nx) {
        nx = c->next;
        int st = s7_sconn_state(c->sc);
        char msg[160];
        if (st == S7_SS_WAIT_CR && g->o.cr_timeout_ms && now - c->opened >= g->o.cr_timeout_ms) {
            snprintf(msg, sizeof msg, "no connection request within %lld ms of connecting",
                     (long long)g->o.cr_timeout_ms);
            g->st.closed_timeout++;
            cli_close(g, c, msg);
            continue;
        }
        if (st == S7_SS_WAIT_SETUP && g->o.setup_timeout_ms &&
            now - c->cc_at >= g->o.setup_timeout_ms) {
            snprintf(msg, sizeof msg, "no Setup Communication within %lld ms of the CC",
                     (long long)g->o.setup_timeout_ms);
            g->st.closed_timeout++;
            cli_close(g, c, msg);
            continue;
        }
        if (c->state == CL_WAIT_UP && g->o.connect_timeout_ms && c->cc_at &&
            now - c->cc_at >= g->o.setup_timeout_ms + g->o.connect_timeout_ms) {
            g->st.closed_timeout++;
            cli_close(g, c, "the CPU did not answer in time");
            continue;
        }
        if (c->state == CL_READY && g->o.idle_timeout_ms && !c->inflight && !c->qn &&
            now - c->last_pdu >= g->o.idle_timeout_ms && !cli_subscribed(c)) {
            g->st.closed_timeout++;
            cli_close(g, c, "idle timeout");
            continue;
        }
        size_t h = cli_held(c);
        held += h;
        if (h > greedy_n) {
            greedy_n = h;
            greedy = c;
        }
    }
    g->st.held = held;
    if (g->o.held_max && held > g->o.held_max && greedy) {
        g->st.closed_memory++;
        cli_close(g, greedy, "the guard's memory bound: this client held the most");
    }
    for (gup *u = g->ups, *nx; u; u = nx) {
        nx = u->next;
        if (u->state != UP_READY && s7_conn_state(u->c) != S7_CS_CC_HELD &&
            g->o.connect_timeout_ms && now - u->started >= g->o.connect_timeout_ms) {
            up_close(g, u, "no connection to the CPU in time");
            continue;
        }
        if (u->state == UP_READY && g->o.request_timeout_ms && up_overdue(g, u, now)) {
            /* a CPU that leaves a request unanswered keeps its AmQ slot for good: the
             * connection is broken, and a fresh one gives the slots back */
            char why[160];
            snprintf(why, sizeof why, "the CPU did not answer a request within %lld ms",
                     (long long)g->o.request_timeout_ms);
            glog(g, S7_LOG_WARN, "upstream connection to %s:%u: %s: closing it", g->up_host,
                 g->up_port, why);
            g->st.closed_timeout++;
            up_close(g, u, why);
            continue;
        }
        if (u->ud_owner && now - u->ud_owner_at >= UD_HOLD_MS) {
            glog(g, S7_LOG_INFO,
                 "%s did not ask for the next part of a Userdata answer within %d ms: the "
                 "other clients' Userdata go on",
                 u->ud_owner->peer, UD_HOLD_MS);
            u->ud_owner = NULL;
        }
        pump(g, u);
    }
}

/* ---------------------------------------------------------------- public */

int s7_guard_start(s7_guard *g)
{
    const char *spec = g->o.listen;
    char host[80], port[16];
    const char *colon;
    if (spec[0] == '[') {
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':')
            return S7_ERR_INVAL;
        snprintf(host, sizeof host, "%.*s", (int)(end - spec - 1), spec + 1);
        colon = end + 1;
    } else {
        colon = strrchr(spec, ':');
        if (!colon) {
            glog(g, S7_LOG_ERROR, "listen address '%s': expected ADDR:PORT", spec);
            return S7_ERR_INVAL;
        }
        snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    }
    snprintf(port, sizeof port, "%s", colon + 1);
    /* getaddrinfo takes a numeric service past 65535 and wraps it to 16 bits */
    char *pend;
    errno = 0;
    unsigned long pn = strtoul(port, &pend, 10);
    if (!port[0] || *pend || errno || pn > 65535 || port[0] == '-' || port[0] == '+') {
        glog(g, S7_LOG_ERROR, "listen address '%s': port '%s' must be 0..65535", spec, port);
        return S7_ERR_INVAL;
    }
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
    if (getaddrinfo(host, port, &hints, &res) != 0 || !res) {
        glog(g, S7_LOG_ERROR, "listen address '%s': not a numeric address and port", spec);
        return S7_ERR_INVAL;
    }
    int one = 1;
    /* SO_REUSEPORT lets any process of the same user join the port, and the kernel would
     * spread the clients over it too (a second guard with another policy, one started
     * while the old one still runs): the first guard of the port checks with a plain bind
     * that nobody listens there yet.  Port 0 (the kernel's choice) needs no check. */
    if (g->o.reuse_port && g->o.engine == 0 && strcmp(port, "0") != 0) {
        int probe = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (probe >= 0) {
            setsockopt(probe, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
            if (bind(probe, res->ai_addr, res->ai_addrlen) != 0 && errno == EADDRINUSE) {
                glog(g, S7_LOG_ERROR,
                     "cannot listen on %s: another process listens there already (a guard "
                     "still running, an s7 server?): stop it or give another --listen",
                     spec);
                close(probe);
                freeaddrinfo(res);
                return S7_ERR_IO;
            }
            close(probe);
        }
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd >= 0 && g->o.reuse_port &&
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
        glog(g, S7_LOG_ERROR, "cannot share %s between guards (SO_REUSEPORT): %s", spec,
             strerror(errno));
        close(fd);
        freeaddrinfo(res);
        return S7_ERR_IO;
    }
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 1024) != 0) {
        int e = errno;
        glog(g, S7_LOG_ERROR, "cannot listen on %s: %s", spec, strerror(e));
        if (fd >= 0)
            close(fd);
        freeaddrinfo(res);
        return S7_ERR_IO;
    }
    freeaddrinfo(res);
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    getsockname(fd, (struct sockaddr *)&ss, &sl);
    g->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    g->lfd = fd;
    if (s7_loop_add(g->loop, fd, S7_LOOP_IN, &g->klisten) < 0)
        return S7_ERR_IO;
    glog(g, S7_LOG_INFO, "listening on %s, upstream %s:%u, policy %s%s", spec, g->up_host,
         g->up_port, g->pol->source,
         g->o.dry_run ? " (dry run: every request is forwarded, also of a client no partner "
                        "of the policy matches; what would be refused is logged)"
                      : "");
    return 0;
}

uint16_t s7_guard_port(const s7_guard *g) { return g->port; }

void s7_guard_stop(s7_guard *g)
{
    g->stop = 1;
    if (g->wake[1] >= 0) {
        ssize_t r = write(g->wake[1], "x", 1);
        (void)r;
    }
}

/* Free what was closed during the last batch of events. */
static void bury(s7_guard *g)
{
    while (g->dead_clis) {
        gcli *c = g->dead_clis;
        g->dead_clis = c->next;
        free(c);
    }
    while (g->dead_ups) {
        gup *u = g->dead_ups;
        g->dead_ups = u->next;
        free(u);
    }
}

int s7_guard_run(s7_guard *g, int timeout_ms)
{
    int64_t end = timeout_ms >= 0 ? s7_now_ms() + timeout_ms : 0;
    s7_loop_event evs[128];
    while (!g->stop) {
        int64_t now = s7_now_ms();
        if (timeout_ms >= 0 && now >= end)
            return 0;
        int wait = 100;
        if (timeout_ms >= 0 && end - now < wait)
            wait = (int)(end - now);
        int n = s7_loop_wait(g->loop, evs, 128, wait);
        now = s7_now_ms();
        g->now = now;
        g->batching = 1;
        for (int i = 0; i < n; i++) {
            int kind = *(int *)evs[i].ptr;
            if (kind == K_LISTEN) {
                do_accept(g, now);
            } else if (kind == K_WAKE) {
                char b[16];
                while (read(g->wake[0], b, sizeof b) > 0) {
                }
            } else if (kind == K_CLIENT) {
                cli_event(g, evs[i].ptr, evs[i].events);
            } else if (kind == K_UP) {
                up_event(g, evs[i].ptr, evs[i].events);
            }
        }
        tick(g, now);
        g->batching = 0;
        up_flush_marked(g);
        bury(g);
    }
    g->stop = 0;
    return 1;
}

void s7_guard_set_coalesce(s7_guard *g, int on) { g->coalesce = on != 0; }

/* After a reload: the counters of a partner of the old policy go on under the new one's of
 * the same name, a range's under the range with the same rule (a counter of Prometheus
 * never goes back to 0 while the process runs); conns are counted anew below. */
static void parts_carry(s7_guard *g, const s7_policy *old, const gpart *was)
{
    for (size_t i = 0; i < g->pol->npartners; i++) {
        const s7_policy_partner *np = &g->pol->partners[i];
        for (size_t j = 0; j < old->npartners; j++) {
            const s7_policy_partner *op = &old->partners[j];
            if (strcmp(np->name, op->name) != 0)
                continue;
            gpart *d = &g->parts[i];
            d->allowed = was[j].allowed;
            d->refused = was[j].refused;
            d->connects = was[j].connects;
            d->refused_cr = was[j].refused_cr;
            d->rate_delayed = was[j].rate_delayed;
            for (size_t r = 0; r < np->nranges; r++)
                for (size_t q = 0; q < op->nranges; q++)
                    if (strcmp(np->ranges[r].rule, op->ranges[q].rule) == 0)
                        d->range_hits[r] = was[j].range_hits[q];
            break;
        }
    }
}

int s7_guard_set_policy(s7_guard *g, s7_policy *pol)
{
    if (!pol)
        return S7_ERR_INVAL;
    /* the shared partner counts follow the clients to their partners of the new policy */
    for (gcli *c = g->clis; c; c = c->next) {
        if (c->counted && g->o.count && c->partner >= 0 && (size_t)c->partner < g->pol->npartners)
            gcount(g, "partner ", g->pol->partners[c->partner].name, -1);
        c->counted = 0;
    }
    gpart *old_parts = g->parts; /* freed after parts_carry */
    g->parts = NULL;
    s7_policy *old = g->pol;
    long old_nobody = g->nobody;
    g->pol = pol;
    int made = nobody_add(g) == 0 && parts_make(g) == 0;
    if (made)
        parts_carry(g, old, old_parts);
    for (size_t i = 0; old_parts && i < old->npartners; i++)
        free(old_parts[i].range_hits);
    free(old_parts);
    if (!made) {
        /* keep going with the new policy but no counters is not possible: fail closed */
        for (gcli *c = g->clis, *nx; c; c = nx) {
            nx = c->next;
            cli_close(g, c, "out of memory reloading the policy");
        }
        s7_policy_free(old);
        return S7_ERR_NOMEM;
    }
    int closed = 0;
    for (gcli *c = g->clis, *nx; c; c = nx) {
        nx = c->next;
        if (c->partner < 0) /* before its CR */
            continue;
        char why[200];
        long i = policy_match(g, c, why, sizeof why);
        if (i < 0 && g->nobody >= 0) {
            /* a dry run keeps it, as a client no partner matches */
            char res[260];
            snprintf(res, sizeof res, "refused: no longer allowed after the reload: %s", why);
            int was = c->partner == old_nobody;
            i = c->partner = g->nobody;
            if (!was)
                connect_decision(g, c, S7_GUARD_WOULD_REFUSE, "", res);
        }
        if (i < 0) {
            char res[260];
            snprintf(res, sizeof res, "refused: no longer allowed after the reload: %s", why);
            c->partner = -1;
            connect_decision(g, c, S7_GUARD_REFUSE, "", res);
            c->counted = 0;
            cli_close(g, c, res + 9);
            closed++;
            continue;
        }
        c->partner = i;
        c->counted = 1;
        g->parts[i].conns++;
        if (g->o.count)
            gcount(g, "partner ", pol->partners[i].name, +1);
    }
    s7_policy_free(old);
    glog(g, S7_LOG_INFO, "policy reloaded: %s (%zu partners); %d connection(s) closed", pol->source,
         pol->npartners, closed);
    return closed;
}

void s7_guard_free(s7_guard *g)
{
    if (!g)
        return;
    while (g->clis)
        cli_close(g, g->clis, "the guard stops");
    while (g->ups)
        up_close(g, g->ups, "the guard stops");
    if (g->lfd >= 0)
        close(g->lfd);
    for (int i = 0; i < 2; i++)
        if (g->wake[i] >= 0)
            close(g->wake[i]);
    bury(g);
    s7_loop_free(g->loop);
    parts_free(g);
    s7_policy_free(g->pol);
    s7_buf_free(&g->out);
    free(g->dirty);
    free(g->uflush);
    free(g->in);
    free(g->scratch);
    free(g->heldbuf);
    free(g->cobuf);
    free(g);
}

void s7_guard_stats_get(const s7_guard *g, s7_guard_stats *st)
{
    *st = g->st;
    st->clients = g->ncli;
    st->upstreams = g->nup;
}

int s7_guard_metrics(const s7_guard *g, char **out)
{
    s7_guard_stats st;
    s7_guard_stats_get(g, &st);
    size_t held = 0;
    for (const gcli *c = g->clis; c; c = c->next)
        held += cli_held(c);
    st.held = held;
    return s7__guard_metrics_text(&st, g->batches, g->batched, g->pol, g->parts, out);
}
