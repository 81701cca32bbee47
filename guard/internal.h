/* Internal to guard/: the request filter (filter.c) that the engine (guard.c) and the fuzz
 * target drive: one client PDU in, a verdict out (forward as is, forward a rewritten
 * request, answer locally, close), and the merge of the CPU's reply into the answer the
 * client expects. */
#ifndef S7_GUARD_INTERNAL_H
#define S7_GUARD_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "s7/guard.h"
#include "s7/wire.h"

enum { S7__GV_FORWARD = 0, S7__GV_LOCAL = 1, S7__GV_CLOSE = 2, S7__GV_SETUP = 3 };
enum { S7__GJ_PASS = 0, S7__GJ_READ = 1, S7__GJ_WRITE = 2 };

/* What the filter decided for one request, and what the merge needs later. */
typedef struct s7__gplan {
    int verdict;         /* S7__GV_* */
    int kind;            /* S7__GJ_*: how the reply is merged */
    int rewritten;       /* FORWARD: out holds a new request (else forward the PDU as is) */
    int is_ud;           /* a Userdata request (one in flight per upstream) */
    int szl_first;       /* an SZL first request (1 allowed, -1 refused, 0 not one) */
    uint8_t n;           /* items of the client's Read/Write Var */
    uint8_t refused[32]; /* bitmap of refused items */
    uint16_t ref;        /* the client's PDU reference */
    uint8_t cyc;         /* cyclic data: 1 a subscription (its answer names the job), 2 an
                            unsubscribe of cyc_job */
    uint8_t cyc_subfn, cyc_job;
    size_t len;      /* bytes written to out (rewritten request or local reply) */
    const char *why; /* CLOSE: why */
} s7__gplan;

/* The filter's view of one client. */
typedef struct s7__gctx {
    const s7_policy_partner *pt;
    int dry_run;
    int szl_ok; /* an SZL continuation is allowed (the first part was) */
    /* called for every decision with the request's fields filled (time, peer, partner and
     * conn are the caller's); may be NULL */
    void (*decide)(void *ctx, s7_guard_decision *d);
    void *ctx;
    /* non-zero when the CPU's cyclic-data job number is one of this client's subscriptions;
     * may be NULL (any job) */
    int (*owns_job)(void *ctx, uint8_t job);
    /* counters */
    uint64_t items_allowed, items_refused, services_refused;
    uint64_t *range_hits; /* per range of pt (may be NULL) */
} s7__gctx;

/* Filter one whole client PDU (a Setup Communication gives S7__GV_SETUP without looking
 * further).  out (cap >= the PDU length + 64) gets the rewritten request or the local
 * reply.  Returns 0 with *pl filled. */
int s7__guard_filter(s7__gctx *g, const uint8_t *pdu, size_t len, s7__gplan *pl, uint8_t *out,
                     size_t cap);

/* The client's answer from the CPU's reply to a request planned by pl: the reply with
 * the client's reference, and for a rewritten Read/Write Var the refused items put back in
 * their places with 0x03.  Returns the length written to out, or a negative error (the
 * reply does not fit the request: the client is closed). */
int s7__guard_merge(const s7__gplan *pl, const s7_pdu *reply, uint8_t *out, size_t cap);

/* Per policy partner: what the engine counts (metrics.c prints it). */
typedef struct s7__guard_part {
    unsigned conns;
    double tokens;
    int64_t refill;
    uint64_t allowed, refused, connects, refused_cr;
    uint64_t *range_hits;
} s7__guard_part;

/* The Prometheus text of st and parts (one per partner of pol) into a malloc'd *out;
 * returns its length or S7_ERR_NOMEM. */
int s7__guard_metrics_text(const s7_guard_stats *st, const s7_policy *pol,
                           const s7__guard_part *parts, char **out);

#endif
