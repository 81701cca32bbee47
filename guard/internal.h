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
#include "util/bucket.h"

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
    uint8_t msg;     /* a message service request (group 4 subfunction 0x02): push.c decides */
    size_t len;      /* bytes written to out (rewritten request or local reply) */
    const char *why; /* CLOSE: why */
} s7__gplan;

/* An allowed Read/Write Var item's decision, held until the CPU answers the item: its audit
 * record carries the CPU's return code for it ("0x0A object does not exist"), as the
 * emulator's log does, not the guard's "ok".  The rule is copied (a reload frees the
 * policy it names). */
typedef struct s7__gheld {
    s7_guard_decision d;
    char rule[96];
    uint8_t item; /* its index in the client's request */
} s7__gheld;

/* The text of an item return code as in the emulator's audit log ("ok", "0x0A object does
 * not exist"; tmp for the others). */
const char *s7__guard_rc_text(uint8_t rc, char *tmp, size_t cap);

/* The filter's view of one client. */
typedef struct s7__gctx {
    const s7_policy_partner *pt;
    int dry_run;
    int szl_ok; /* an SZL continuation is allowed (the first part was): 1; 2 in a dry run
                 * when the first part would have been refused (logged would-refuse) */
    /* called for every decision with the request's fields filled (time, peer, partner and
     * conn are the caller's); may be NULL */
    void (*decide)(void *ctx, s7_guard_decision *d);
    void *ctx;
    /* the client's negotiated PDU (0: none known): a Job or Userdata request larger than it,
     * or a Read Var whose answer would be larger, is answered Ack 0x8500 here, as a CPU
     * answers it (a shared upstream carries a larger PDU than the client's, so the CPU would
     * not) */
    size_t pdu;
    /* room for S7_ITEMS_MAX held decisions (may be NULL: every decision made at once): the
     * allowed S7ANY items of a Read/Write Var are put here instead, nheld of them */
    s7__gheld *held;
    unsigned nheld;
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

/* ---------------------------------------------------------------- push.c */

/* Per upstream connection: whose each push of the CPU is.  Clients are the engine's own
 * pointers (never looked into).  Cyclic data: the CPU's job number names the subscription
 * (the answer to the subscribe request tells it).  The message service (alarms, mode
 * changes, diagnostics): the CPU keeps one registration per connection (the events, and
 * each alarm type on its own), so the guard keeps each client's (its events and the set
 * of alarm types it registered) and gives the CPU the union of them: a
 * registration that adds nothing and an end that others still need are answered by the
 * guard itself; what the last client of an event or alarm type leaves behind is ended on
 * the CPU when it goes. */
typedef struct s7__gmsg {
    void *cli;
    uint8_t ev;  /* events registered (byte 0 of the request without 0x80) */
    uint8_t alm; /* alarm types registered: bit 0 SCAN (0x01), 1 ALARM (0x05), 2 ALARM_S (0x09) */
} s7__gmsg;

typedef struct s7__gpush {
    void *sub_owner[256];
    uint8_t sub_fn[256];
    uint8_t unsub_job[256], unsub_fn[256];
    unsigned nunsub;
    s7__gmsg *msg;
    size_t nmsg, capmsg;
    uint8_t up_ev;   /* events registered on the CPU */
    uint8_t up_alm;  /* alarm types registered on the CPU (bit 0 SCAN, 1 ALARM, 2 ALARM_S) */
    uint8_t owe_ev;  /* 1: the CPU's events must be narrowed to the clients' union */
    uint8_t owe_alm; /* alarm types to end on the CPU (bits as up_alm) */
    uint8_t user[8]; /* the user name of the last registration (sent with what is owed) */
} s7__gpush;

void s7__gpush_free(s7__gpush *p);
/* Non-zero when the cyclic job is cli's subscription. */
int s7__gpush_owns_job(const s7__gpush *p, const void *cli, uint8_t job);
/* Non-zero when cli holds a cyclic subscription or a message service registration. */
int s7__gpush_holds(const s7__gpush *p, const void *cli);
/* The CPU's answer to a cyclic request planned by pl of cli (NULL: the client is gone). */
void s7__gpush_cyc_reply(s7__gpush *p, void *cli, const s7__gplan *pl, const s7_pdu *reply);
/* cli leaves the upstream: its jobs and registrations are owed to the CPU. */
void s7__gpush_detach(s7__gpush *p, void *cli);
/* Non-zero when a request is owed to the CPU. */
int s7__gpush_owes(const s7__gpush *p);
/* The next request owed to the CPU (an unsubscribe, an end of registration) into out:
 * its length, 0 when nothing is owed; what (wcap bytes) says what it is, for the log. */
int s7__gpush_owed(s7__gpush *p, uint8_t *out, size_t cap, char *what, size_t wcap);
/* A message service request of cli (pdu, allowed by the filter): into out either the
 * guard's own answer (*local 1) or the request to forward (*local 0, the events the other
 * clients registered added).  Returns the length or a negative error. */
int s7__gpush_msg(s7__gpush *p, void *cli, const uint8_t *pdu, size_t len, uint8_t *out, size_t cap,
                  int *local);
/* The clients a push of the CPU goes to (at most max into to): returns how many. */
size_t s7__gpush_route(const s7__gpush *p, const s7_pdu *push, void **to, size_t max);

/* ---------------------------------------------------------------- coalesce.c */

/* Items a shared upstream's request of several clients' reads carries at most (what
 * every CPU and the Snap7 server take in one Read Var). */
#define S7__GCO_MAX 20

/* 1 when pdu (len bytes) is a Read Var Job that may go to the CPU with other clients'
 * reads (S7ANY items only, at most S7__GCO_MAX), with its item count in *n and in
 * *reply_data the bytes its items take at most in an answer's data (header, bytes and a
 * fill each); 0 otherwise. */
int s7__gco_read(const uint8_t *pdu, size_t len, unsigned *n, size_t *reply_data);
/* One client's answer out of the CPU's answer rep to a request of several clients' reads
 * (items: rep's items decoded): items [first, first + n) as a whole Ack_Data PDU of
 * their own (rep's header, param 04 n, no fill after its last item) into out.  Returns
 * its length or S7_ERR_NOSPACE. */
int s7__gco_part(const s7_pdu *rep, const s7_data_item *items, unsigned first, unsigned n,
                 uint8_t *out, size_t cap);
/* The whole of rep as bytes again (a header error: every client gets it as the CPU sent
 * it).  Returns its length or S7_ERR_NOSPACE. */
int s7__gco_whole(const s7_pdu *rep, uint8_t *out, size_t cap);

/* Per policy partner: what the engine counts (metrics.c prints it). */
typedef struct s7__guard_part {
    unsigned conns;
    s7__bucket rate; /* the partner's rate limit in this engine (util/bucket.h) */
    uint64_t allowed, refused, connects, refused_cr;
    uint64_t rate_delayed; /* requests held back by the partner's rate limit */
    uint64_t *range_hits;
} s7__guard_part;

/* The Prometheus text of st and parts (one per partner of pol) into a malloc'd *out;
 * returns its length or S7_ERR_NOMEM. */
int s7__guard_metrics_text(const s7_guard_stats *st, uint64_t batches, uint64_t batched,
                           const s7_policy *pol, const s7__guard_part *parts, char **out);

#endif
