/* Internal structures of the client engine, shared by the files of client/ only. */
#ifndef S7_CLIENT_INTERNAL_H
#define S7_CLIENT_INTERNAL_H

#include "s7/client.h"
#include "s7/conn.h"

enum { S7__DISCONNECTED = 0, S7__TCP_CONNECTING, S7__HANDSHAKE, S7__READY };
enum { S7__JOB_READ = 1, S7__JOB_WRITE, S7__JOB_RAW };

typedef struct s7__job s7__job;
typedef struct s7__pentry s7__pentry; /* plancache.c */
/* Raw jobs: encode request sub into buf; handle its reply (return 0, or < 0 to fail the
 * job; to ask for another request, increment j->nsubs). */
typedef int (*s7__enc_fn)(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap);
typedef int (*s7__rep_fn)(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu);

struct s7__job {
    int kind;
    s7__job *next;
    int done;
    int result;
    uint32_t next_sub, nsubs, outstanding;
    /* READ / WRITE */
    s7_item *items;
    size_t n;
    s7_plan plan;   /* the job's own plan, when pe is NULL */
    s7__pentry *pe; /* the cached plan it uses (plancache.c), NULL none */
    int no_merge;
    int owned;            /* allocated by an async call: freed after its callback */
    int pass;             /* 1, then one more per retry */
    int trouble;          /* some reply of this pass failed an item or the request */
    s7_item *retry_items; /* later passes: copies of the items to do again */
    uint32_t *retry_map;  /* their indices in items */
    size_t nretry;
    /* RAW */
    s7__enc_fn enc;
    s7__rep_fn rep;
    void *ctx;
    /* completion */
    s7_done_fn cb;
    void *ud;
};

struct s7_client {
    /* first what every request and reply reads (two cache lines: with many handles on one
     * thread each is read from far caches once a cycle, so the fewer lines the better) */
    s7_conn *conn;
    int fd;
    int state;
    uint8_t *rxbuf; /* a receive buffer shared with other handles (NULL: the connection's) */
    size_t rxcap;
    uint8_t *txbuf; /* a send buffer shared with other handles (NULL: the connection's) */
    size_t txcap;
    int64_t inflight_since; /* last progress while requests are in flight (0: none) */
    int64_t now_ms;         /* the clock as a step read it (client.c clock_ms; 0: not yet
                             * in this step, -1: not in a step) */
    s7__job *jobs;
    s7__job *spare; /* a finished job of an async call, kept for the next one */
    s7_done_fn conn_cb;
    unsigned item_cap; /* items per PDU this peer answers (0: no limit seen) */
    uint8_t whole;     /* s7_client_set_whole_requests: fewer items answered fail */
    s7__pentry **pc;   /* plan cache (plancache.c) */
    size_t npc;
    uint64_t pc_clock;
    const s7_item **fixed; /* arrays whose requests never change (s7__client_items_fixed) */
    size_t nfixed;
    struct s7__sub *subs; /* cyclic-data subscriptions (cyclic.c) */
    size_t nsubs;
    /* then the rest */
    s7_client_opts o;
    char host[256];
    uint16_t port;
    int64_t deadline; /* connect deadline */
    void *conn_ud;
    int last_connect_error;
    s7_explain last_error;
    char problem[400]; /* why the last answer did not conform ("" none) */
    uint64_t pushes;   /* pushes delivered */
    struct s7__dl *dl; /* a block download in progress (download.c), NULL none */
};

void s7__log(s7_client *c, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void s7__set_error(s7_client *c, s7_explain_kind kind, uint16_t code);
/* Remember why an answer does not conform to its request (s7_client_peer_problem) and log it
 * (warning). */
void s7__set_problem(s7_client *c, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* What a raw job's reply function checks first (client.c).  s7__header_error: an error
 * class and code on an Ack / Ack_Data, remembered as s7_explain_service explains it (these
 * are never Read/Write Var jobs: 0x8104 is the service not implemented, not PUT/GET),
 * S7_ERR_PLC; else 0. */
int s7__header_error(s7_client *c, const s7_pdu *pdu);
/* pdu decoded into u as a Userdata answer of function group `group` (any when negative):
 * a header error as s7__header_error; S7_ERR_PARAM when it is no such answer (the caller
 * says why: s7__set_problem); a Userdata error code remembered, S7_ERR_PLC; else 0. */
int s7__ud_answer(s7_client *c, const s7_pdu *pdu, s7_ud *u, int group);
/* The data item of Userdata answer u, for answers that must carry data: a return code
 * other than 0xFF remembered, S7_ERR_PLC; else 0. */
int s7__ud_item(s7_client *c, const s7_ud *u);
int s7__job_queue(s7_client *c, s7__job *j);
int s7__run(s7_client *c, s7__job *j);
/* Queues a raw job of one request (enc/rep on ctx) and runs it to completion: its result. */
int s7__run_raw(s7_client *c, s7__enc_fn enc, s7__rep_fn rep, void *ctx);
/* jobs.c: dispatch by kind */
int s7__job_encode(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap);
int s7__job_reply(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu);
/* At the end of a pass: start another for the items a peer left unanswered and, for
 * reads, the items of merged ranges that failed (read alone).  Returns 1 when a pass was
 * started, 0 when the job is complete (result set). */
int s7__job_next_pass(s7_client *c, s7__job *j);
/* READ / WRITE job j ends with err before every request of its pass was answered (the
 * connection dropped or timed out, or a request could not be encoded): the items of the
 * requests first_unsent.. and of the ninflight requests in inflight (sent, not answered)
 * get status err; an item whose every request was answered keeps its result (read: its
 * data; write: written).  Other jobs: nothing. */
void s7__job_abort(s7__job *j, int err, uint32_t first_unsent, const uint32_t *inflight,
                   size_t ninflight);

/* plancache.c: plan a first pass of READ / WRITE job j (j->items, j->n, j->kind), from the
 * client's cache when the same items were planned before for the same PDU (j->pe set),
 * else with s7_plan_make into j->plan (kept in the cache when every item is valid).
 * Returns as s7_plan_make.  s7__job_plan: the plan j uses; s7__plan_release: j is done
 * with it (frees its own plan); s7__plan_encode: request sub of the plan as
 * s7_plan_encode does it (a copy of the request encoded once, when cached). */
int s7__plan_get(s7_client *c, s7__job *j, int merge);
const s7_plan *s7__job_plan(const s7__job *j);
void s7__plan_release(s7__job *j);
/* j, on its cached plan, answered every item fine (s7__job_next_pass): its items are as the
 * plan left them. */
void s7__plan_clean(s7__job *j);
/* items were given results outside a job on a cached plan (a call refused at once): the
 * entries of that array compare their items again. */
void s7__plan_dirty(s7_client *c, const s7_item *items);
int s7__plan_encode(const s7__job *j, uint32_t sub, uint8_t *buf, size_t cap);
/* s7_plan_apply of the reply to request sub of a first pass (a conforming reply that
 * answers every item fine straight from the entry's lists of copies). */
int s7__plan_apply(const s7__job *j, uint32_t sub, const s7_pdu *pdu);
void s7__pcache_free(s7_client *c);

/* download.c: a Job of the CPU (on_job): the parts of the block being downloaded */
void s7__on_job(void *ctx, const s7_pdu *pdu);
/* cyclic.c: a push from conn/ (on_push); drop every subscription (the connection ended) */
void s7__on_push(void *ctx, const s7_pdu *pdu);
void s7__subs_free(s7_client *c);

#endif
