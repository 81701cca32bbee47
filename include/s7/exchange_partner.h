/* s7kit exchange: BSEND/BRCV and USEND/URCV partners (the "PBC" services a CPU's BSEND,
 * BRCV, USEND and URCV instructions use over an S7 connection).
 *
 * Two levels:
 *  - s7_pconn: one partner connection as a sans-I/O state machine (bytes in, bytes out,
 *    events through callbacks, the clock passed in).  Either side may be active (sends the
 *    COTP CR and the Setup Communication) or passive (answers them); once linked both
 *    sides send and receive on the same connection.  A BSEND block (up to 65,534 bytes) is
 *    cut into segments that fill the negotiated PDU; each segment waits for the receiver's
 *    acknowledgement, whose sequence number the next segment carries.  The receiver
 *    reassembles per R_ID and hands the block over when its last segment arrived.  A USEND
 *    is one PDU, not acknowledged.
 *  - s7_partner: the I/O around one s7_pconn (a TCP socket, listen or connect, reconnect
 *    after loss), with BRCV receive areas registered per R_ID and the status each job
 *    reports as the instructions do (DONE/NDR/ERROR/STATUS/LEN).
 *
 * Wire layouts: docs/exchange.md (BSEND/BRCV section); codec: wire.h (s7_bsend_*). */
#ifndef S7_EXCHANGE_PARTNER_H
#define S7_EXCHANGE_PARTNER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "exchange.h"
#include "log.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- sans-I/O connection */

enum s7_pconn_state {
    S7_PC_IDLE = 0,   /* active: nothing sent yet; passive: waiting for the CR */
    S7_PC_CR_SENT,    /* active: waiting for the CC */
    S7_PC_SETUP_SENT, /* active: waiting for the Setup Communication reply */
    S7_PC_WAIT_SETUP, /* passive: CC sent, waiting for the Setup Communication */
    S7_PC_LINKED,     /* blocks may be sent and received */
    S7_PC_FAILED      /* s7_pconn_error() says why */
};

/* A finished BSEND (err 0: every segment acknowledged). */
typedef void (*s7_pconn_sent_fn)(void *ctx, uint32_t r_id, int err, void *job);
/* A whole block received (BRCV), or a USEND (URCV, usend = 1).  data is valid during the
 * call only. */
typedef void (*s7_pconn_recv_fn)(void *ctx, uint32_t r_id, const uint8_t *data, size_t len,
                                 int usend);

typedef struct s7_pconn_cfg {
    int active;                  /* 1: this side sends the CR and the Setup Communication */
    uint16_t local_tsap;         /* active: the CR's calling TSAP */
    uint16_t remote_tsap;        /* active: the CR's called TSAP */
    uint16_t pdu_request;        /* active: PDU length asked for; passive: the most granted
                               (default 480, at most 960) */
    uint32_t ack_timeout_ms;     /* a segment not acknowledged in time fails the BSEND and
                                    the connection (default 3000) */
    uint32_t segment_timeout_ms; /* a block whose next segment does not come in time is
                                    dropped (default 3000) */
    s7_pconn_sent_fn on_sent;
    s7_pconn_recv_fn on_recv;
    void *ctx;
    s7_tap_fn tap; /* optional: every frame in and out */
    void *tap_ctx;
} s7_pconn_cfg;

typedef struct s7_pconn s7_pconn;

/* Defaults as documented in s7_pconn_cfg. */
S7_API void s7_pconn_cfg_init(s7_pconn_cfg *cfg);
/* A new connection (copies cfg); NULL on out of memory. */
S7_API s7_pconn *s7_pconn_new(const s7_pconn_cfg *cfg);
S7_API void s7_pconn_free(s7_pconn *pc);
/* Back to S7_PC_IDLE after a lost connection: buffered bytes and blocks being received are
 * dropped; the BSEND being sent fails with S7_ERR_CLOSED (its on_sent is called); queued
 * BSENDs stay queued for the next link. */
S7_API void s7_pconn_reset(s7_pconn *pc);
/* Active side: queue the CR (state S7_PC_CR_SENT). */
S7_API int s7_pconn_start(s7_pconn *pc, int64_t now_ms);

S7_API int s7_pconn_state(const s7_pconn *pc);
S7_API int s7_pconn_error(const s7_pconn *pc);
/* Why the connection failed, one sentence ("" while it has not). */
S7_API const char *s7_pconn_reason(const s7_pconn *pc);
/* The negotiated PDU length (0 before the link). */
S7_API uint16_t s7_pconn_pdu(const s7_pconn *pc);

/* Queue a BSEND of len bytes (1..65,534, copied) under r_id; job comes back in on_sent.
 * Sent when linked, one block at a time in queue order.  0 or S7_ERR_INVAL / NOMEM. */
S7_API int s7_pconn_bsend(s7_pconn *pc, uint32_t r_id, const void *data, size_t len, void *job,
                          int64_t now_ms);
/* Send a USEND now (linked only; len at most s7_usend_max(pdu)).  0, S7_ERR_STATE,
 * S7_ERR_TOOBIG or S7_ERR_INVAL. */
S7_API int s7_pconn_usend(s7_pconn *pc, uint32_t r_id, const void *data, size_t len);
/* Is a BSEND being sent or queued? */
S7_API size_t s7_pconn_pending(const s7_pconn *pc);

/* Received bytes.  Returns 0 or the fatal error that failed the connection (a malformed
 * frame, a DR, a PDU that is not what the partner protocol allows). */
S7_API int s7_pconn_feed(s7_pconn *pc, const uint8_t *buf, size_t len, int64_t now_ms);
/* Bytes waiting to be sent, and how many were sent. */
S7_API size_t s7_pconn_tx_pending(const s7_pconn *pc, const uint8_t **p);
S7_API void s7_pconn_tx_done(s7_pconn *pc, size_t n);
/* Timeouts: call now and then (every 100 ms is plenty).  Returns 0 or the fatal error. */
S7_API int s7_pconn_tick(s7_pconn *pc, int64_t now_ms);
/* The earliest time s7_pconn_tick has something to do (INT64_MAX: nothing). */
S7_API int64_t s7_pconn_deadline(const s7_pconn *pc);

/* ---------------------------------------------------------------- partner (with I/O) */

/* The status a BSEND/BRCV/USEND/URCV instance reports (its output parameters). */
typedef struct s7_partner_status {
    uint8_t done;    /* BSEND/USEND: the last job finished without error */
    uint8_t ndr;     /* BRCV/URCV: new data received (this call) */
    uint8_t error;   /* the last job failed: status says why */
    uint8_t busy;    /* a job is under way */
    uint16_t status; /* 0 ok; 1 connection problem (down, lost, no acknowledgement in
                        time); 2 negative acknowledgement from the partner; 4 LEN out of
                        range or the block larger than the receive area; 11 (warning) a
                        job is still under way */
    uint32_t len;    /* BRCV/URCV: bytes received */
    uint64_t count;  /* jobs finished without error */
    uint64_t errors; /* jobs that failed */
} s7_partner_status;

typedef struct s7_partner s7_partner;

/* A block received by BSEND (usend 0) or USEND (usend 1), under a registered R_ID or not
 * (a block of an R_ID nobody registered is acknowledged and dropped after this call).
 * data points into the receive area when the R_ID is registered; valid during the call. */
typedef void (*s7_partner_recv_fn)(void *ctx, uint32_t r_id, const uint8_t *data, size_t len,
                                   int usend);

typedef struct s7_partner_cfg {
    int active;           /* 1: connect to host:port; 0: listen on host:port */
    char host[256];       /* active: the partner; passive: the local address to listen on
                              ("" = any) */
    uint16_t port;        /* default 102 */
    char source[64];      /* active: connect from this local address ("" = any) */
    char peer[64];        /* passive: accept only this partner address ("" = any) */
    uint16_t local_tsap;  /* default 0x1000 */
    uint16_t remote_tsap; /* default 0x1000 */
    uint16_t pdu_request; /* default 480 */
    uint32_t ack_timeout_ms, segment_timeout_ms; /* default 3000 each */
    uint32_t reconnect_ms;      /* active: wait before connecting again (default 500) */
    s7_partner_recv_fn on_recv; /* any received block (after its area is written) */
    void *ctx;
    s7_tap_fn tap;
    void *tap_ctx;
} s7_partner_cfg;

S7_API void s7_partner_cfg_init(s7_partner_cfg *cfg);
/* A partner (not started); NULL on out of memory. */
S7_API s7_partner *s7_partner_new(const s7_partner_cfg *cfg);
S7_API void s7_partner_free(s7_partner *p);
/* Passive: bind and listen (0 or S7_ERR_IO with errno's meaning in s7_partner_reason);
 * active: the first connect starts in s7_partner_run. */
S7_API int s7_partner_start(s7_partner *p);
/* The port a passive partner listens on (after s7_partner_start; useful with port 0). */
S7_API uint16_t s7_partner_port(const s7_partner *p);

/* Passive: take fd, a connected socket another engine accepted (the emulator's port:
 * s7_xpartner_attach), and the bytes it read from it so far (the COTP CR and whatever
 * followed), as if this partner had accepted it itself: the CR is answered with the CC here.
 * A connection the partner had is replaced (the partner connected again).  The descriptor
 * belongs to the partner from this call on.  0, or S7_ERR_INVAL (an active partner, fd < 0;
 * fd is then the caller's). */
S7_API int s7_partner_adopt(s7_partner *p, int fd, const uint8_t *bytes, size_t len);
/* Is a socket connected (linked or still setting up)? */
S7_API int s7_partner_connected(const s7_partner *p);

/* Register a BRCV (usend 0) or URCV (usend 1) receive area of cap bytes for r_id (the area
 * stays the caller's).  0, S7_ERR_INVAL or S7_ERR_NOMEM. */
S7_API int s7_partner_brcv(s7_partner *p, uint32_t r_id, uint8_t *area, size_t cap, int usend);
/* Start a BSEND of len bytes from data (copied) under r_id.  The job's status (DONE/ERROR/
 * STATUS) is read with s7_partner_send_status.  0, or S7_ERR_BUSY (status 11: the previous
 * BSEND of this r_id is still under way), S7_ERR_INVAL (status 4: len 0 or > 65,534). */
S7_API int s7_partner_bsend(s7_partner *p, uint32_t r_id, const void *data, size_t len);
/* Send a USEND now: 0, S7_ERR_NOTCONN (status 1), S7_ERR_TOOBIG (status 4). */
S7_API int s7_partner_usend(s7_partner *p, uint32_t r_id, const void *data, size_t len);
/* Status of the send (BSEND/USEND) and receive (BRCV/URCV) side of r_id; NDR is reported
 * once per block (cleared by this call).  0 or S7_ERR_INVAL (r_id unknown). */
S7_API int s7_partner_send_status(s7_partner *p, uint32_t r_id, s7_partner_status *st);
S7_API int s7_partner_recv_status(s7_partner *p, uint32_t r_id, s7_partner_status *st);

/* Is the connection linked (CR/CC and Setup Communication done)? */
S7_API int s7_partner_linked(const s7_partner *p);
/* The last connection error and its reason ("" when none). */
S7_API const char *s7_partner_reason(const s7_partner *p);
/* Negotiated PDU (0 when not linked). */
S7_API uint16_t s7_partner_pdu(const s7_partner *p);

/* One round of I/O: wait up to timeout_ms for the socket(s), then read, write, accept,
 * connect or reconnect and run the timeouts.  Returns 0 or S7_ERR_INVAL. */
S7_API int s7_partner_run(s7_partner *p, int timeout_ms);
/* The descriptor to wait on and the poll events wanted (for an outer loop: when ready, or
 * at least every 100 ms, call s7_partner_run(p, 0)); -1 when none. */
S7_API int s7_partner_pollfd(const s7_partner *p, short *events);

/* Run until the BSEND of r_id finished or timeout_ms passed: 0 when DONE, else the error
 * (S7_ERR_TIMEOUT when time ran out). */
S7_API int s7_partner_bsend_wait(s7_partner *p, uint32_t r_id, int timeout_ms);
/* Run until linked or timeout_ms passed: 0 or S7_ERR_TIMEOUT. */
S7_API int s7_partner_wait_linked(s7_partner *p, int timeout_ms);

/* ---------------------------------------------------------------- the emulator's jobs
 * exchange/cpu_partner.c: an emulated CPU (s7_cpu) runs the BSEND/BRCV/USEND/URCV jobs of
 * an s7_exchange (jobs of other kinds are left to s7_xengine) as the instructions behave:
 * one s7_partner per connection the jobs use (side ACTIVE: connects to the connection's
 * host and port with its TSAPs, again after a loss; PASSIVE / UNSPECIFIED: attached to the
 * CPU's server (s7_xpartner_attach), the CRs for it come through the server's port; else it
 * listens on listen_addr and the connection's port (0: 102), accepting only the
 * connection's host when it has one).  A BSEND/USEND job starts cyclically or on a rising
 * edge of its REQ bit and sends
 * its local area (areas[0].local: SD_1) under its r_id; a BRCV/URCV job writes each block
 * received under its r_id into its local area (RD_1; a block longer than the area: ERROR,
 * STATUS 4).  The jobs are called once per scan (s7_exchange.scan_ms, default
 * S7_XSCAN_DEFAULT), as s7_xengine calls the GET/PUT jobs, with the same outputs model
 * (exchange/job_out.h): DONE (BSEND/USEND) or NDR (BRCV/URCV), ERROR and STATUS are written
 * to local memory where configured in the scan a run completes and taken back in the next
 * (s7_xjob.latch: held until the next result); a BSEND under way shows STATUS 25 with ERROR
 * 0 in each scan (started, and while its segments go), a trigger while it is under way
 * STATUS 11 for that scan (counted; the running job goes on); latched jobs show neither.
 * STATUS of a result: 0, or the s7_partner_status code (1 connection, 2 negative
 * acknowledgement, 4 length). */

typedef struct s7_xpartner s7_xpartner;

/* A runner for the partner jobs of x (copied) on cpu (not owned); listen_addr ("" or NULL:
 * any) for the passive connections.  What a BRCV/URCV receives and every job output lands
 * through s7_cpu_write (reported to the CPU's event handler as S7_EV_WRITE, sess NULL,
 * which is where a retentive store journals it).  NULL on out of memory or when a partner job's
 * connection is missing. */
S7_API s7_xpartner *s7_xpartner_new(s7_cpu *cpu, const s7_exchange *x, const char *listen_addr);
S7_API void s7_xpartner_free(s7_xpartner *e);
/* Log each partner connection linked (INFO) and lost, with the reason (WARN), and each change
 * of a job's result ("job rx (brcv, R_ID 5): ERROR 1 STATUS 4: ..." WARN, "job rx (brcv,
 * R_ID 5): ok" INFO once it works again), as the GET/PUT jobs log theirs: a change, never
 * each run; NULL: none. */
S7_API void s7_xpartner_set_log(s7_xpartner *e, s7_log_fn log, void *ctx);
/* Serve the passive and unspecified connections on srv's port, as a real CPU serves its
 * configured connections on its one port 102 (call before s7_xpartner_start; srv must
 * outlive e or be freed after it).  Every CR srv receives is offered first to the
 * connection table: one whose called TSAP is a passive connection's local TSAP and, for
 * side PASSIVE, whose calling TSAP is that connection's remote TSAP and whose source is its
 * host (UNSPECIFIED: any calling TSAP and source) is handed to that connection's partner,
 * which answers it with its CC (s7_partner_adopt); any other CR stays a PUT/GET client
 * under the CPU's TSAP rules.  A passive entry without TSAPs (remote_tsap 0) waits for the
 * partner default, 10.00 called and calling.  Each connection of the table (active ones too)
 * reserves one
 * connection resource of its type in srv's budget (s7_server_conn_acquire) for as long as
 * e lives, as configured connections hold theirs on a real CPU.  0, or S7_ERR_BUSY with
 * "WHERE: connection N: no free ... connection resource ...: the fix" in err (nothing
 * reserved). */
S7_API int s7_xpartner_attach(s7_xpartner *e, s7_server *srv, char *err, size_t errcap);
/* Passive connections start listening (not when attached: their CRs come through the
 * server); 0, or the first error with its reason in err. */
S7_API int s7_xpartner_start(s7_xpartner *e, char *err, size_t errcap);
/* The port the passive connection conn_id listens on (after start; 0 when none). */
S7_API uint16_t s7_xpartner_port(const s7_xpartner *e, uint16_t conn_id);
/* One turn: waits up to timeout_ms (at most 10) for the partners' sockets and, when
 * attached, the server's (s7_server_fd: run s7_server_run_once(srv, 0) after this call),
 * runs the partners' I/O and the jobs that are due.  Returns 0. */
S7_API int s7_xpartner_run_once(s7_xpartner *e, int timeout_ms);
/* For one poll over several engines (s7 server waits once for its own socket, the GET/PUT
 * engine's (s7_xengine_fds) and the partners'): the partners' sockets (fd, events) into
 * pfd (at most cap; returns how many) and *timeout_ms lowered (or set when < 0) to when
 * the partners must run next (at most 10 ms: their timers, the next scan).  After the
 * poll, s7_xpartner_process with the same entries runs the partners' I/O and the scan
 * when it is due.  Returns 0. */
S7_API size_t s7_xpartner_fds(s7_xpartner *e, struct pollfd *pfd, size_t cap, int *timeout_ms);
S7_API int s7_xpartner_process(s7_xpartner *e, const struct pollfd *pfd, size_t n);
/* The one-line spelling of a partner job (exchange/partner_job.c), added to x with its
 * connection (an entry with the same partner, side, port, TSAPs and PDU is reused):
 *   bsend|usend PARTNER R_ID [every TIME | on BIT] from LOCAL [OPTIONS]
 *   brcv|urcv   PARTNER|any R_ID into LOCAL [OPTIONS]
 * PARTNER HOST[:PORT] (this side connects, port 102 unless given) or any (this side
 * listens, any partner); R_ID decimal or 16#hex; LOCAL a range (DB10.DBB0..DBB99), an ANY
 * pointer (P#DB10.DBX0.0 BYTE 100) or a tag, 1..65,534 bytes (USEND/URCV: what one PDU
 * carries).  OPTIONS: --passive (this side listens and accepts only PARTNER) --port N (the
 * port a passive side listens on without a server, default 102: port 0 in the entry;
 * attached to a server it waits on the server's port) --tsap LOCAL:REMOTE (default 1000:1000)
 * --pdu N (default 480) --id N --name NAME --done BIT (bsend/usend) --ndr BIT (brcv/urcv)
 * --error BIT --status WORD --outputs pulse|latch (or the bare word latch / pulse).  A sender
 * needs its trigger (every or on), as a GET/PUT job does.  The job is checked as every job of the model (s7_xjob_validate).  0, or S7_ERR_INVAL with "WHERE:
 * what is wrong; what would be right" in err (x unchanged). */
S7_API int s7_exchange_parse_partner_job(s7_exchange *x, const char *line, const char *where,
                                         char *err, size_t errcap);
/* The partner job kind a one-line job starts with (its first word, in any case: bsend,
 * usend, brcv, urcv), or -1 when it is none of them (a GET/PUT job, say). */
S7_API int s7_exchange_partner_job_kind(const char *line);

/* The partner jobs and what each reported last (NULL / S7_ERR_INVAL out of range). */
S7_API size_t s7_xpartner_njobs(const s7_xpartner *e);
S7_API const s7_xjob *s7_xpartner_job(const s7_xpartner *e, size_t i);
S7_API int s7_xpartner_state(const s7_xpartner *e, size_t i, s7_partner_status *st);

#ifdef __cplusplus
}
#endif
#endif
