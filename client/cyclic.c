/* Cyclic-data subscriptions of the client (Userdata group 2): subscribe items at a cycle,
 * the CPU's pushes delivered to the subscription's callback by whatever drives the handle
 * (a blocking call, s7_client_step, s7_multi_poll, s7_client_wait).  A push is matched to
 * its subscription by its job number, never to a job in flight (conn/ hands pushes out on
 * their own).  Subscriptions end with s7_client_unsubscribe or with the connection. */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "client/internal.h"
#include "s7/net.h"
#include "util/hotmem.h"

struct s7__sub {
    uint8_t job;   /* the CPU's job number */
    uint8_t subfn; /* S7_CYC_TRANSFER / S7_CYC_CHANGE */
    s7_item *items;
    size_t n;
    s7_push_fn cb;
    void *ud;
};

/* Bytes an item transfers in one piece (BIT 1; T/C 2 each), 0 when it cannot. */
static uint32_t item_bytes(const s7_item *it)
{
    uint8_t ts = it->ts ? it->ts : S7_TS_BYTE;
    if (it->area == S7_AREA_T || it->area == S7_AREA_C)
        return it->count * 2u;
    if (ts == S7_TS_BIT)
        return it->count == 1 ? 1u : 0u;
    return it->count * s7_ts_elem_size(ts);
}

/* The variable specification of an item read whole. */
static int item_spec(const s7_item *it, s7_var_spec *s)
{
    memset(s, 0, sizeof *s);
    uint32_t nb = item_bytes(it);
    if (nb == 0 || nb > 0xFFFF || it->count == 0)
        return S7_ERR_INVAL;
    s->area = it->area;
    s->db = it->db;
    if (it->area == S7_AREA_T || it->area == S7_AREA_C) {
        s->ts = it->area == S7_AREA_T ? S7_TS_TIMER : S7_TS_COUNTER;
        s->count = (uint16_t)it->count;
        s->addr = it->start;
    } else if ((it->ts ? it->ts : S7_TS_BYTE) == S7_TS_BIT) {
        s->ts = S7_TS_BIT;
        s->count = 1;
        s->addr = it->start * 8u + it->bit;
    } else {
        s->ts = S7_TS_BYTE;
        s->count = (uint16_t)nb;
        s->addr = it->start * 8u;
    }
    return 0;
}

/* Copy the data items of an answer or a push into the items; returns 0 or S7_ERR_PARAM
 * when their number or sizes do not match (the item then gets S7_ERR_PROTO). */
static int apply(s7_item *items, size_t n, const uint8_t *payload, size_t plen)
{
    s7_data_item d[S7_ITEMS_MAX];
    int k = s7_cyclic_data_decode(payload, plen, d, S7_ITEMS_MAX);
    if (k < 0 || (size_t)k != n)
        return S7_ERR_PARAM;
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        s7_item *it = &items[i];
        it->rc = d[i].rc;
        if (d[i].rc != S7_RC_OK) {
            it->status = S7_ERR_ITEM;
            continue;
        }
        if (d[i].nbytes != item_bytes(it)) {
            it->status = S7_ERR_PROTO;
            bad = 1;
            continue;
        }
        memcpy(it->buf, d[i].data, d[i].nbytes);
        it->status = 0;
    }
    return bad ? S7_ERR_PARAM : 0;
}

void s7__subs_free(s7_client *c)
{
    free(c->subs);
    c->subs = NULL;
    c->nsubs = 0;
}

static struct s7__sub *find(s7_client *c, uint8_t job)
{
    for (size_t i = 0; i < c->nsubs; i++)
        if (c->subs[i].job == job)
            return &c->subs[i];
    return NULL;
}

void s7__on_push(void *ctx, const s7_pdu *pdu)
{
    s7_client *c = ctx;
    s7_ud u;
    if (s7_ud_decode(pdu, &u) < 0 || u.group != S7_UD_GRP_CYCLIC)
        return; /* alarms, mode transitions: nothing subscribes to them here */
    struct s7__sub *s = find(c, u.seq);
    if (!s) {
        s7__log(c, S7_LOG_DEBUG, "a cyclic-data push for job %u, which is not ours: ignored",
                u.seq);
        return;
    }
    if (u.rc != S7_RC_OK || apply(s->items, s->n, u.payload, u.plen) < 0) {
        s7__set_problem(c,
                        "a cyclic-data push for job %u does not carry one data item of the "
                        "subscribed size per item (%zu items)",
                        u.seq, s->n);
        return;
    }
    c->pushes++;
    s->cb(c, s->job, s->items, s->n, s->ud);
}

/* ---------------------------------------------------------------- requests */

typedef struct sub_ctx {
    uint8_t subfn, job;
    uint32_t cycle;
    s7_item *items;
    size_t n;
    s7_var_spec specs[S7_ITEMS_MAX];
    int unsub;
    uint8_t got_job;
    /* the subscription to make (and, async, whom to tell) */
    s7_push_fn push;
    void *push_ud;
    s7_done_fn done;
    void *done_ud;
} sub_ctx;

static int sub_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)c;
    (void)sub;
    sub_ctx *x = j->ctx;
    if (x->unsub)
        return s7_cyclic_unsub_encode(buf, cap, 0, x->subfn, x->job);
    return s7_cyclic_req_encode(buf, cap, 0, x->subfn, x->job, x->cycle, x->specs, (unsigned)x->n);
}

static int sub_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    sub_ctx *x = j->ctx;
    s7_ud u;
    int rc = s7__ud_answer(c, pdu, &u, S7_UD_GRP_CYCLIC);
    if (rc == S7_ERR_PARAM)
        s7__set_problem(c, "the answer to a cyclic-data request is not a Userdata answer of "
                           "function group 2");
    if (rc < 0)
        return rc;
    if (x->unsub)
        return 0; /* answered with the empty item (0A 00 0000), as real CPUs do */
    rc = s7__ud_item(c, &u);
    if (rc < 0)
        return rc;
    if (u.seq == 0) {
        s7__set_problem(c, "the answer to a subscription carries no job number (sequence "
                           "number 0)");
        return S7_ERR_PARAM;
    }
    if (apply(x->items, x->n, u.payload, u.plen) < 0) {
        s7__set_problem(c,
                        "the answer to a subscription of %zu items does not carry one data "
                        "item of the subscribed size per item",
                        x->n);
        return S7_ERR_PARAM;
    }
    x->got_job = u.seq;
    return 0;
}

static int run(s7_client *c, sub_ctx *x) { return s7__run_raw(c, sub_enc, sub_rep, x); }

/* A subscribe request's context for items at cycle_ms (checked), or NULL with *rc set. */
static sub_ctx *sub_new(s7_client *c, s7_item *items, size_t n, uint32_t cycle_ms, int mode,
                        s7_push_fn cb, void *ud, int *rc)
{
    uint8_t base, factor;
    *rc = S7_ERR_INVAL;
    if (!c || !items || n == 0 || n > S7_ITEMS_MAX || !cb ||
        (mode != S7_CYC_TRANSFER && mode != S7_CYC_CHANGE) ||
        s7_cyclic_cycle(cycle_ms, &base, &factor) < 0)
        return NULL;
    sub_ctx *x = calloc(1, sizeof *x);
    if (!x) {
        *rc = S7_ERR_NOMEM;
        return NULL;
    }
    x->subfn = (uint8_t)mode;
    x->cycle = cycle_ms;
    x->items = items;
    x->n = n;
    x->push = cb;
    x->push_ud = ud;
    size_t need = 12u + 8u + 4u + 4u, answer = 12u + 12u + 4u + 2u;
    for (size_t i = 0; i < n; i++) {
        if (item_spec(&items[i], &x->specs[i]) < 0 || !items[i].buf) {
            free(x);
            return NULL;
        }
        uint32_t nb = item_bytes(&items[i]);
        need += S7_ITEM_SPEC_LEN;
        answer += 4u + nb + (nb & 1u);
    }
    if (c->state == S7__READY && (need > s7_client_pdu(c) || answer > s7_client_pdu(c))) {
        free(x);
        *rc = S7_ERR_TOOBIG;
        return NULL;
    }
    return x;
}

/* The CPU took the subscription of x: remember it.  Returns the job number or an error. */
static int sub_register(s7_client *c, const sub_ctx *x)
{
    struct s7__sub *t = realloc(c->subs, (c->nsubs + 1) * sizeof *t);
    if (!t)
        return S7_ERR_NOMEM;
    c->subs = t;
    struct s7__sub *s = find(c, x->got_job);
    if (!s)
        s = &c->subs[c->nsubs++];
    s->job = x->got_job;
    s->subfn = x->subfn;
    s->items = x->items;
    s->n = x->n;
    s->cb = x->push;
    s->ud = x->push_ud;
    return x->got_job;
}

int s7_client_subscribe(s7_client *c, s7_item *items, size_t n, uint32_t cycle_ms, int mode,
                        s7_push_fn cb, void *ud)
{
    int rc;
    sub_ctx *x = sub_new(c, items, n, cycle_ms, mode, cb, ud, &rc);
    if (!x)
        return rc;
    rc = run(c, x);
    if (rc >= 0)
        rc = sub_register(c, x);
    free(x);
    return rc;
}

/* The end of an async subscribe job: register, tell the caller, free the context. */
static void sub_done(s7_client *c, int result, void *ud)
{
    sub_ctx *x = ud;
    if (result >= 0)
        result = sub_register(c, x);
    if (x->done)
        x->done(c, result, x->done_ud);
    free(x);
}

int s7_client_subscribe_async(s7_client *c, s7_item *items, size_t n, uint32_t cycle_ms, int mode,
                              s7_push_fn cb, void *ud, s7_done_fn done, void *done_ud)
{
    int rc;
    sub_ctx *x = sub_new(c, items, n, cycle_ms, mode, cb, ud, &rc);
    if (!x)
        return rc;
    x->done = done;
    x->done_ud = done_ud;
    s7__job *j = s7__hot_zalloc(sizeof *j);
    if (!j) {
        free(x);
        return S7_ERR_NOMEM;
    }
    j->kind = S7__JOB_RAW;
    j->enc = sub_enc;
    j->rep = sub_rep;
    j->ctx = x;
    j->nsubs = 1;
    j->owned = 1;
    j->cb = sub_done;
    j->ud = x;
    rc = s7__job_queue(c, j);
    if (rc < 0) {
        s7__hot_free(j, sizeof *j);
        free(x);
    }
    return rc;
}

int s7_client_unsubscribe(s7_client *c, int job)
{
    if (!c || job <= 0 || job > 255)
        return S7_ERR_INVAL;
    struct s7__sub *s = find(c, (uint8_t)job);
    if (!s)
        return S7_ERR_INVAL;
    sub_ctx x;
    memset(&x, 0, sizeof x);
    x.unsub = 1;
    x.subfn = s->subfn;
    x.job = s->job;
    /* the subscription ends here whatever the CPU answers: pushes still on their way for
     * it are ignored */
    *s = c->subs[--c->nsubs];
    return run(c, &x);
}

size_t s7_client_subscriptions(const s7_client *c) { return c ? c->nsubs : 0; }

int s7_client_wait(s7_client *c, int timeout_ms)
{
    if (!c || timeout_ms < 0)
        return S7_ERR_INVAL;
    if (c->fd < 0)
        return S7_ERR_NOTCONN;
    uint64_t before = c->pushes;
    int64_t end = s7_now_ms() + timeout_ms;
    for (;;) {
        int64_t now = s7_now_ms();
        if (now >= end)
            break;
        int rc = s7_client_step(c, 0);
        if (rc < 0)
            return rc;
        if (c->fd < 0)
            return S7_ERR_CLOSED;
        int t = (int)(end - now), tt = s7_client_timeout_ms(c);
        if (tt >= 0 && tt < t)
            t = tt;
        struct pollfd pfd = {c->fd, s7_client_events(c), 0};
        int r = poll(&pfd, 1, t);
        if (r < 0 && errno != EINTR)
            return S7_ERR_IO;
        rc = s7_client_step(c, r > 0 ? pfd.revents : 0);
        if (rc < 0)
            return rc;
    }
    return (int)(c->pushes - before);
}
