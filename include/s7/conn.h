/* s7kit conn: one client-role connection as a state machine, and the request planner.
 *
 * Sans-I/O (pattern: nghttp2 mem_recv / mem_send): the engine feeds received bytes, takes
 * bytes to send, and gets replies through a callback.  conn never touches a socket or a
 * clock.  It does the COTP CR/CC, Setup Communication, COTP reassembly, PDU-reference
 * assignment and strict matching (a reply that matches no job in flight fails the
 * connection with S7_ERR_PDUREF: stale data is never returned), and the AmQ window.
 *
 * The planner turns any list of items into the fewest request PDUs that fit both the
 * request and the reply budget of the negotiated PDU: nearby reads merged, items larger
 * than a PDU split, no item cap.
 *
 * The server role (s7_sconn) is sans-I/O the same way: bytes in, events out, answers
 * submitted by the engine. */
#ifndef S7_CONN_H
#define S7_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "log.h"
#include "tag.h"
#include "wire.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_conn s7_conn;

enum s7_conn_state {
    S7_CS_IDLE = 0,   /* nothing sent */
    S7_CS_CR_SENT,    /* waiting for the CC */
    S7_CS_SETUP_SENT, /* waiting for the Setup Communication reply */
    S7_CS_READY,      /* jobs may be submitted */
    S7_CS_FAILED,     /* a fatal error; s7_conn_error() says which */
    S7_CS_CC_HELD     /* the CC came; the setup waits for s7_conn_send_setup (held) */
};

/* Called for each reply matched to a job in flight.  pdu (and its views) are valid only
 * during the call.  The callback may submit new requests. */
typedef void (*s7_conn_reply_fn)(void *ctx, void *job, uint32_t sub, const s7_pdu *pdu);
/* Called for each PDU the CPU sends unsolicited (Userdata of type push: cyclic data, a
 * mode transition, alarms): never matched to a job in flight, whatever its reference.
 * pdu is valid only during the call. */
typedef void (*s7_conn_push_fn)(void *ctx, const s7_pdu *pdu);
/* Called for each Job PDU the CPU sends (during a download it asks the PG for the block's
 * parts: 0x1B, then 0x1C); the handler answers with s7_conn_answer.  pdu is valid only
 * during the call.  Without a handler such a Job is a protocol error. */
typedef void (*s7_conn_job_fn)(void *ctx, const s7_pdu *pdu);

typedef struct s7_conn_cfg {
    uint16_t local_tsap;
    uint16_t remote_tsap;
    uint8_t tpdu_size; /* CR TPDU size code (0x0A = 1024) */
    uint16_t pdu_request;
    uint16_t amq_request;
    uint16_t src_ref; /* COTP source reference (non-zero) */
    s7_conn_reply_fn on_reply;
    void *ctx;
    s7_tap_fn tap;           /* optional */
    s7_conn_push_fn on_push; /* optional (added with cyclic data) */
    s7_conn_job_fn on_job;   /* optional (added with block downloads) */
} s7_conn_cfg;

/* Defaults: no TSAPs, TPDU size 0x0A (1024), PDU 960, AmQ 8, source reference 1, no
 * callbacks.  (s7_conn_new also takes 0 in a field as its default.) */
S7_API void s7_conn_cfg_init(s7_conn_cfg *cfg);

/* A new connection state (copies cfg); NULL on out of memory. */
S7_API s7_conn *s7_conn_new(const s7_conn_cfg *cfg);
/* NULL is a no-op. */
S7_API void s7_conn_free(s7_conn *c);
/* Back to S7_CS_IDLE: drops buffered bytes and every job in flight. */
S7_API void s7_conn_reset(s7_conn *c);

/* Queue the COTP CR (state S7_CS_CR_SENT).  The Setup Communication request follows the
 * CC by itself (unless held: s7_conn_hold_setup). */
S7_API int s7_conn_start(s7_conn *c);

/* on != 0: after the CC the connection stays in S7_CS_CC_HELD, sending no Setup
 * Communication until s7_conn_send_setup (a relay that answers its own client's CR only
 * once the CPU accepted the connection, and asks the CPU the PDU its client asks). */
S7_API void s7_conn_hold_setup(s7_conn *c, int on);
/* In S7_CS_CC_HELD: queue the Setup Communication asking pdu and amq (0: the cfg's
 * pdu_request, amq_request); the state goes to S7_CS_SETUP_SENT.  S7_ERR_STATE in any other
 * state. */
S7_API int s7_conn_send_setup(s7_conn *c, uint16_t pdu, uint16_t amq);

S7_API int s7_conn_state(const s7_conn *c);
/* The fatal error after S7_CS_FAILED (0 otherwise). */
S7_API int s7_conn_error(const s7_conn *c);
/* Mark the connection failed with err (the engine's own errors: timeout, socket). */
S7_API void s7_conn_fail(s7_conn *c, int err);

/* Negotiated values (0 until S7_CS_READY). */
S7_API uint16_t s7_conn_pdu(const s7_conn *c);
S7_API uint16_t s7_conn_amq(const s7_conn *c);
/* TPDU size the peer confirmed (bytes). */
S7_API uint32_t s7_conn_tpdu(const s7_conn *c);

/* Jobs in flight and whether another may be submitted now (READY and below AmQ). */
S7_API size_t s7_conn_inflight(const s7_conn *c);
S7_API int s7_conn_can_submit(const s7_conn *c);

/* Submit a request: s7_conn_submit_begin returns where to encode the S7 PDU (cap is the
 * negotiated PDU length); s7_conn_submit_end takes its length, assigns a PDU reference
 * (written into the PDU) and queues the frame(s), fragmenting to the TPDU size.  job/sub
 * come back in the reply callback.  Returns the reference or a negative error
 * (S7_ERR_STATE when not ready, S7_ERR_BUSY when the window is full, S7_ERR_TOOBIG). */
S7_API uint8_t *s7_conn_submit_begin(s7_conn *c, size_t *cap);
S7_API int s7_conn_submit_end(s7_conn *c, size_t pdu_len, void *job, uint32_t sub);
/* Queue pdu[0..n) as it is, outside the jobs in flight (the PG's Ack_Data to a Job of the
 * CPU, whose reference it carries).  Returns 0, S7_ERR_STATE before the setup, S7_ERR_TOOBIG
 * past the PDU size or S7_ERR_NOMEM. */
S7_API int s7_conn_answer(s7_conn *c, const uint8_t *pdu, size_t n);

/* Received bytes: either copied in with s7_conn_feed, or received straight into
 * s7_conn_rx_space and committed.  Returns 0, or the fatal error that failed the
 * connection (malformed frame, PDU reference mismatch, DR, negotiation failure). */
S7_API int s7_conn_feed(s7_conn *c, const uint8_t *buf, size_t len);
S7_API uint8_t *s7_conn_rx_space(s7_conn *c, size_t *space);
S7_API int s7_conn_rx_commit(s7_conn *c, size_t n);

/* Bytes waiting to be sent, and how many were sent. */
S7_API size_t s7_conn_tx_pending(const s7_conn *c, const uint8_t **p);
S7_API void s7_conn_tx_done(s7_conn *c, size_t n);
/* Encode into buf (cap bytes) for a while instead of the connection's own tx buffer: many
 * connections driven from one thread may share one, which stays in the cache however many
 * there are.  Lent only when nothing waits to be sent (returns 1; 0: not lent).
 * s7_conn_tx_unlend gives it back before another connection takes it: what was not sent
 * yet moves to the own buffer (0, or S7_ERR_NOMEM: the connection then failed).  A loan too
 * small for what is queued is given back by the connection itself. */
S7_API int s7_conn_tx_lend(s7_conn *c, uint8_t *buf, size_t cap);
S7_API int s7_conn_tx_unlend(s7_conn *c);

/* For the engine: each job in flight (job, sub) in submission order; returns the count
 * written (at most max). */
S7_API size_t s7_conn_inflight_jobs(const s7_conn *c, void **jobs, uint32_t *subs, size_t max);

/* ---------------------------------------------------------------- planner */

/* A contiguous span of one area that one or more items fall in. */
typedef struct s7_plan_range {
    uint8_t area;
    uint16_t db;
    uint8_t kind;    /* S7_TS_BYTE, S7_TS_BIT (a lone bit), S7_TS_TIMER, S7_TS_COUNTER */
    uint32_t start;  /* byte offset (element number for T/C) */
    uint8_t bit;     /* lone bit only */
    uint32_t nbytes; /* bytes covered */
    uint32_t first;  /* members[first .. first + nmembers) are the items in it */
    uint32_t nmembers;
} s7_plan_range;

/* One item of one request: a part of a range. */
typedef struct s7_plan_chunk {
    s7_var_spec spec;
    uint32_t range;
    uint32_t offset; /* byte offset of the chunk within its range */
    uint32_t nbytes; /* payload bytes */
    uint32_t req;
} s7_plan_chunk;

typedef struct s7_plan_req {
    uint32_t first; /* chunks[order[first .. first + n)] */
    uint32_t n;
    uint32_t req_bytes, resp_bytes;
} s7_plan_req;

typedef struct s7_plan {
    s7_plan_range *ranges;
    uint32_t nranges;
    uint32_t *members; /* item indices */
    s7_plan_chunk *chunks;
    uint32_t nchunks;
    uint32_t *order; /* chunk indices grouped by request */
    s7_plan_req *reqs;
    uint32_t nreqs;
} s7_plan;

/* Plan a read (write = 0) or write (write = 1) of n items for PDU length pdu.  Reads of
 * one area whose gap is at most merge_gap bytes share one range (merge_gap < 0: never
 * merge); writes are never merged.  max_items caps the items per request (0: as many as
 * the PDU holds).  Items that cannot be planned get status S7_ERR_INVAL
 * (bad area, count, bit, or an end past the area's first 64 KB: s7_item) and take no part;
 * every other item gets status 0.  Returns the
 * number of requests or S7_ERR_NOMEM / S7_ERR_TOOBIG (pdu too small). */
S7_API int s7_plan_make(s7_plan *p, s7_item *items, size_t n, uint16_t pdu, int write,
                        int merge_gap, unsigned max_items);
/* Frees what the plan holds (NULL is a no-op). */
S7_API void s7_plan_free(s7_plan *p);

/* Encode request r of a plan as a whole S7 PDU (ref 0; s7_conn_submit_end sets it). */
S7_API int s7_plan_encode(const s7_plan *p, const s7_item *items, uint32_t r, int write,
                          uint8_t *buf, size_t cap);

/* Apply the reply to request r: copies read data into the items' buffers and sets item
 * status / rc for failed chunks.  A peer that answered fewer items than asked (the Snap7
 * server answers only the first 20) leaves the rest with status S7_ERR_AGAIN and the call
 * returns S7_ERR_AGAIN.  Returns 0, S7_ERR_ITEM when some chunk failed,
 * S7_ERR_PLC for a header error (pdu->err_class / err_code), S7_ERR_PARAM for a reply that
 * does not conform to the request (every item of the request then fails with S7_ERR_PARAM;
 * s7_plan_reply_why says why). */
S7_API int s7_plan_apply(const s7_plan *p, s7_item *items, uint32_t r, int write,
                         const s7_pdu *pdu);
/* Why the reply to request r does not conform to it (s7_read_resp_check /
 * s7_write_resp_check against the specs sent): 0 when it conforms (why ""), S7_ERR_PLC for
 * a header error, S7_ERR_PARAM with one sentence in why (what was asked, what came back,
 * which field or byte is wrong). */
S7_API int s7_plan_reply_why(const s7_plan *p, uint32_t r, int write, const s7_pdu *pdu, char *why,
                             size_t cap);

/* ---------------------------------------------------------------- server role */

/* A growable output buffer (the engine owns it; one may serve many connections). */
typedef struct s7_buf {
    uint8_t *p;
    size_t len, cap;
} s7_buf;
/* Room for more bytes after len.  Returns 0 or S7_ERR_NOMEM. */
S7_API int s7_buf_reserve(s7_buf *b, size_t more);
/* Frees the bytes and empties b (NULL is a no-op). */
S7_API void s7_buf_free(s7_buf *b);

/* States of a server-role connection (s7_sconn_state). */
enum {
    S7_SS_WAIT_CR = 0, /* nothing received yet */
    S7_SS_CR_PENDING,  /* a CR was handed out: the engine must accept or refuse it */
    S7_SS_WAIT_SETUP,  /* CC sent: the first PDU must be Setup Communication */
    S7_SS_READY,       /* PDUs are handed out */
    S7_SS_CLOSED       /* a fatal error or a refusal; s7_sconn_reason() says why */
};

/* Events the engine pulls with s7_sconn_recv. */
enum {
    S7_SEV_NONE = 0,    /* no event: the rest of the input is an incomplete frame */
    S7_SEV_CONNECT = 1, /* a COTP CR: answer with s7_sconn_accept or s7_sconn_refuse */
    S7_SEV_PDU = 2      /* a whole S7 PDU (reassembled): answer with s7_sconn_reply_begin /
                            s7_sconn_reply_end (0 bytes when nothing is to be answered) */
};

typedef struct s7_sconn_event {
    int kind; /* S7_SEV_* */
    /* S7_SEV_CONNECT: the decoded CR (its views point into the input) and its TSAPs as
     * numbers (0 when absent or not 2 bytes long); tpdu is the TPDU size asked for in bytes
     * (0 when absent) */
    s7_cotp cr;
    uint16_t calling_tsap; /* the client's (local) TSAP */
    uint16_t called_tsap;  /* the TSAP the client asks for (remote: type, rack, slot) */
    uint32_t tpdu;
    /* S7_SEV_PDU: the whole S7 PDU (a view into the input or into the connection's
     * reassembly buffer) */
    const uint8_t *pdu;
    size_t len;
} s7_sconn_event;

/* One server-role connection (sans-I/O, the counterpart of s7_conn): TPKT/COTP framing,
 * the CR/CC exchange, the check that the first PDU is Setup Communication, reassembly of
 * COTP DT fragments and fragmentation of replies to the TPDU size confirmed in the CC.  It
 * knows nothing of what answers the PDUs: the engine pulls events and answers them (the
 * CPU model in server/).  Output goes to a buffer the engine passes in, so an idle
 * connection costs its small struct; it allocates only while a fragmented PDU is being
 * reassembled.  Opaque. */
typedef struct s7_sconn s7_sconn;

/* A new connection in S7_SS_WAIT_CR; NULL on out of memory. */
S7_API s7_sconn *s7_sconn_new(void);
/* NULL is a no-op. */
S7_API void s7_sconn_free(s7_sconn *sc);

/* Decode the frames at the start of in (len bytes) until one gives an event or only an
 * incomplete frame is left.  Returns the bytes consumed (>= 0; keep the rest and call
 * again with more bytes appended) with ev->kind set; after S7_SEV_CONNECT / S7_SEV_PDU
 * call again with in + consumed once the event is answered.  The event's views stay valid
 * until the next call on sc; in must not change until then.  An answer the protocol asks
 * for without the engine (the DC to a DR) is appended to out.  A negative return is fatal
 * and closes the connection (s7_sconn_reason says why): S7_ERR_CLOSED after a DR (the DC
 * is in out), S7_ERR_TPKT / COTP / PROTO / ... for a malformed or unexpected frame,
 * S7_ERR_STATE when called while an event is not answered yet. */
S7_API int s7_sconn_recv(s7_sconn *sc, const uint8_t *in, size_t len, s7_buf *out,
                         s7_sconn_event *ev);

/* Accept the pending CR: a CC that echoes its parameters in the order real CPUs send them,
 * C0, C1, C2, whatever the CR's order (22 bytes for 2-byte TSAPs; the
 * TPDU size capped at 2048) is appended to out.  Returns 0 or a fatal error. */
S7_API int s7_sconn_accept(s7_sconn *sc, s7_buf *out);
/* Refuse the pending CR: nothing is sent (as a real CPU, the engine closes the TCP
 * connection); reason (copied) is kept for the log.  Returns S7_ERR_CR_REJECTED. */
S7_API int s7_sconn_refuse(s7_sconn *sc, const char *reason);

/* Where to write the reply to the pending PDU: reserves room in out and returns a pointer
 * to *cap bytes (a whole PDU of up to 65536 bytes), or NULL when out of memory (the
 * connection is then closed).  Nothing is appended until s7_sconn_reply_end. */
S7_API uint8_t *s7_sconn_reply_begin(s7_sconn *sc, s7_buf *out, size_t *cap);
/* The reply is n bytes at the pointer s7_sconn_reply_begin returned (n = 0: no reply):
 * frames it, in DT fragments when it is larger than the TPDU size, appended to out.
 * Returns 0 or a fatal error. */
S7_API int s7_sconn_reply_end(s7_sconn *sc, s7_buf *out, size_t n);
/* A PDU the server sends on its own (a cyclic-data push, a CPU's Job to the PG during a
 * download: s7_cpu_next_job): the n bytes of pdu framed as a reply is (DT fragments past
 * the TPDU size) and appended to out.  Only once the setup is done and while no reply is
 * owed (between requests); returns 0, S7_ERR_STATE when it cannot be sent now, or a fatal
 * error (out of memory). */
S7_API int s7_sconn_send(s7_sconn *sc, s7_buf *out, const uint8_t *pdu, size_t n);

/* Close with err and reason (copied): the engine's own verdicts, e.g. a malformed
 * request.  Returns err. */
S7_API int s7_sconn_fail(s7_sconn *sc, int err, const char *reason);

S7_API int s7_sconn_state(const s7_sconn *sc);
/* Why the connection closed ("" while it is open); lives as long as sc. */
S7_API const char *s7_sconn_reason(const s7_sconn *sc);
/* The TPDU size confirmed in the CC in bytes (128, ISO 8073's default, when the CR and so
 * the CC have none; 0 before). */
S7_API uint32_t s7_sconn_tpdu(const s7_sconn *sc);
/* Bytes sc holds for a PDU being reassembled from DT fragments (for the engine's memory
 * accounting). */
S7_API size_t s7_sconn_buffered(const s7_sconn *sc);

/* The largest frame that can be a COTP CR: TPKT header, length indicator, 254 header
 * bytes.  Before its CR a connection announcing a longer frame is closed at once, so a
 * peer cannot park a 64 KB partial frame on a connection that has not even asked to
 * connect. */
#define S7_CR_FRAME_MAX (S7_TPKT_LEN + 1 + 254)

#ifdef __cplusplus
}
#endif
#endif
