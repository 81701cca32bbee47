/* s7kit exchange: the one job model of CPU-to-CPU data exchange (docs/exchange.md).
 *
 * A connection table (s7_xconn: local ID, partner, rack/slot or TSAPs, connection type,
 * active / passive / unspecified side) and jobs that behave like the GET and PUT
 * instructions of an S7 CPU (s7_xjob: up to four areas, partner ADDR_i <-> local RD_i / SD_i;
 * triggered every N ms or by a rising edge of a local REQ bit; DONE / NDR / ERROR / STATUS
 * written to local memory where configured).  The same model serves the emulator's jobs
 * (`s7 server --job`, the server YAML's connections: / jobs:), `s7 exchange` (the PC bridge)
 * and `s7 inventory simulate`.  BSEND/BRCV/USEND/URCV jobs are of the same model (kind,
 * r_id, one local area, the outputs) and run by s7_xpartner (exchange_partner.h).
 *
 * Two spellings, one model: the one-line job of the command line, parsed by
 * s7_exchange_parse_job() (exchange/job.c):
 *   get 10.200.2.10 DB20.DBB0..DBB31 every 100ms --slot 2 --type basic into DB40.DBB0
 *   put 10.200.2.10 DB20.DBW0 on M10.0 from DB40.DBW0 --done M10.1 --error M10.2 --status MW12
 * and the YAML mapping with the same fields (config/exchange_yaml.c, s7/config.h).
 *
 * Every job is validated against the PDU its connection assumes (s7_xconn.pdu): a job whose
 * request or reply does not fit one PDU is refused with the limit named.  No I/O here. */
#ifndef S7_EXCHANGE_H
#define S7_EXCHANGE_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "cpu.h"
#include "err.h"
#include "log.h"
#include "server.h"
#include "tag.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- connection table */

/* Which side sets the connection up. */
typedef enum s7_xconn_side {
    S7_XCONN_ACTIVE = 0,      /* this CPU connects to the partner (GET/PUT: always) */
    S7_XCONN_PASSIVE = 1,     /* the partner connects to this CPU */
    S7_XCONN_UNSPECIFIED = 2, /* passive, any partner (no address) */
} s7_xconn_side;

#define S7_XNAME_MAX 64 /* names of jobs and connections, NUL included */
#define S7_XHOST_MAX 256

/* One entry of the connection table.  Partner by rack/slot/type (the called TSAP is
 * type<<8 | rack<<5 | slot) or by explicit TSAPs when remote_tsap != 0. */
typedef struct s7_xconn {
    uint16_t id;             /* local ID (the instructions' ID parameter): 1..0x0FFF */
    char name[S7_XNAME_MAX]; /* optional; "" = none */
    char host[S7_XHOST_MAX]; /* partner address or name; "" only when UNSPECIFIED */
    uint16_t port;           /* 0 = 102 */
    uint8_t rack;            /* 0..7, default 0 */
    uint8_t slot;            /* 0..31, default 1 */
    s7_conn_type type;       /* default S7_CONN_PG */
    uint16_t local_tsap;     /* with remote_tsap: explicit TSAPs; default 0x0100 */
    uint16_t remote_tsap;    /* 0 = from rack/slot/type */
    uint16_t pdu;            /* the PDU jobs are validated against and requested: 240..960,
                               * default S7_XPDU_DEFAULT */
    s7_xconn_side side;      /* default S7_XCONN_ACTIVE */
    char where[160];         /* "FILE:LINE" or "--job 2" the entry came from ("" unknown) */
    char source[48];         /* s7_xengine: connect from this numeric address (bind before
                              * connect); "" = the one the kernel picks */
    char addr[64];           /* host resolved by s7_exchange_resolve (numeric); the engines
                              * dial it, "" = host itself */
} s7_xconn;

#define S7_XPDU_DEFAULT 240 /* what an S7-300/S7-1200 negotiates: the safe assumption */

/* ---------------------------------------------------------------- jobs */

typedef enum s7_xjob_kind {
    S7_XJOB_GET = 1,
    S7_XJOB_PUT = 2,
    /* the partner services (R_ID paired; issue 11 part 2) */
    S7_XJOB_BSEND = 3,
    S7_XJOB_BRCV = 4,
    S7_XJOB_USEND = 5,
    S7_XJOB_URCV = 6,
} s7_xjob_kind;

/* "get", "put", "bsend" ...; "unknown" otherwise (static). */
S7_API const char *s7_xjob_kind_name(s7_xjob_kind k);

typedef enum s7_xtrigger {
    S7_XTRIG_CYCLIC = 1, /* every cycle_ms */
    S7_XTRIG_REQ = 2,    /* rising edge of the local bit req */
} s7_xtrigger;

#define S7_XJOB_AREAS 4 /* ADDR_1..4 / RD_1..4 / SD_1..4 */

/* One area of a job: the partner's ADDR_i and this CPU's RD_i (GET) / SD_i (PUT).  Both are
 * tags (a range "DB20.DBB0..DBB31" is DB20.DBB0:BYTE[32]); s7_item_from_tag() makes the
 * items that move them. */
typedef struct s7_xarea {
    s7_tag remote; /* ADDR_i */
    s7_tag local;  /* RD_i / SD_i */
} s7_xarea;

/* Local outputs a job writes when set (has_* != 0). */
typedef struct s7_xjob {
    char name[S7_XNAME_MAX]; /* unique among the jobs; default "job<N>" */
    s7_xjob_kind kind;
    uint16_t conn_id; /* s7_xconn.id */
    s7_xarea areas[S7_XJOB_AREAS];
    unsigned nareas; /* 1..4 (0 for BRCV/URCV that take what comes) */
    s7_xtrigger trigger;
    long cycle_ms; /* S7_XTRIG_CYCLIC: 1 ms .. 24 h */
    s7_tag req;    /* S7_XTRIG_REQ: a local BOOL */
    /* status outputs in local memory: DONE (PUT) or NDR (GET) is one bit true for one job
     * completion, ERROR a bit, STATUS a WORD (decimal code, e.g. 11 for 0/11) */
    uint8_t has_done, has_error, has_status;
    s7_tag done; /* NDR for GET, DONE for PUT */
    s7_tag error;
    s7_tag status;
    uint32_t r_id;   /* BSEND/BRCV/USEND/URCV pairing (0 for GET/PUT) */
    char where[160]; /* "FILE:LINE" or "--job 2" the job came from ("" unknown) */
    /* how s7_xengine writes NDR/DONE, ERROR and STATUS: 0 (default) for one scan, as the
     * instructions output them; 1 held until the next result, as a program that latches
     * them shows (`--outputs latch`, `outputs: latch`) */
    uint8_t latch;
} s7_xjob;

/* The connection table and the jobs of one CPU (or of one bridge). */
typedef struct s7_exchange {
    s7_xconn *conns;
    size_t nconns;
    s7_xjob *jobs;
    size_t njobs;
    long scan_ms; /* the CPU's scan (OB1 cycle) time its jobs are called at (`scan:` in the
                   * server's file, --scan); 0 = the engine's default */
} s7_exchange;

S7_API void s7_exchange_init(s7_exchange *x);
/* Frees the tables (x itself is the caller's); x is empty afterwards.  NULL is a no-op. */
S7_API void s7_exchange_free(s7_exchange *x);

/* Defaults of a new entry: port 0 (102), rack 0, slot 1, PG, local TSAP 0x0100, PDU 240,
 * active; id 0 (unset). */
S7_API void s7_xconn_init(s7_xconn *c);
/* Defaults of a new job: GET, cyclic every 1000 ms, no areas, no outputs. */
S7_API void s7_xjob_init(s7_xjob *j);

/* Appends a copy of c / j; returns the stored entry (valid until the next add), or NULL on
 * out of memory.  A connection with id 0 gets the lowest free id. */
S7_API s7_xconn *s7_exchange_add_conn(s7_exchange *x, const s7_xconn *c);
S7_API s7_xjob *s7_exchange_add_job(s7_exchange *x, const s7_xjob *j);

/* Lookups; NULL when none. */
S7_API s7_xconn *s7_exchange_conn(const s7_exchange *x, uint16_t id);
S7_API s7_xconn *s7_exchange_conn_by_name(const s7_exchange *x, const char *name);
S7_API s7_xjob *s7_exchange_job(const s7_exchange *x, const char *name);

/* The connection of a one-line job: an entry with the same partner (host, port, rack, slot,
 * type, TSAPs and PDU) is reused, else one is added with the lowest free id.  Returns it or
 * NULL on out of memory. */
S7_API s7_xconn *s7_exchange_conn_for(s7_exchange *x, const s7_xconn *partner);

/* ---------------------------------------------------------------- PDU limits
 * Read Var: request 10 + 2 + 12n <= PDU; reply 12 + 2 + sum(4 + bytes_i + fill_i) <= PDU.
 * Write Var: request 10 + 2 + 12n + sum(4 + bytes_i + fill_i) <= PDU; reply 14 + n.
 * fill_i = 1 when bytes_i is odd and area i is not the last.  One GET area: PDU - 18 bytes
 * (222 at 240, 462 at 480, 942 at 960); one PUT area: PDU - 28 (212, 452, 932); each extra
 * area costs 4 bytes more for GET and 16 for PUT. */

/* The largest total of data bytes a job of kind with nareas areas (all even-sized) moves in
 * one PDU of pdu bytes; 0 when nothing fits or kind is not GET/PUT. */
S7_API uint32_t s7_xjob_payload_limit(s7_xjob_kind kind, unsigned nareas, uint16_t pdu);

/* The PDU bytes the job needs: its request and its reply (either may be NULL).  Returns the
 * larger of the two, the PDU the job needs at least. */
S7_API uint32_t s7_xjob_pdu_need(const s7_xjob *j, uint32_t *request, uint32_t *reply);
/* The bytes the job's local side takes in one PDU: a GET writes its RD areas in one Write Var
 * request, a PUT reads its SD areas in one Read Var (the bridge, which moves both sides over
 * the network, checks this against the local CPU's PDU too). */
S7_API uint32_t s7_xjob_local_need(const s7_xjob *j);

/* Checks one job against x: its connection exists, every area's partner and local tag is
 * an address PUT/GET reaches (DB, I, Q, M; T and C only on the partner side), remote and
 * local sizes agree, REQ / DONE / NDR / ERROR are BOOLs and STATUS a WORD-sized tag, and the
 * job fits the connection's PDU.  A partner job (BSEND/BRCV/USEND/URCV): a connection of any
 * side, one local area (none for a receiver that only takes what comes) in DB, I, Q or M of
 * 1..65,534 bytes (USEND/URCV: s7_usend_max of the connection's PDU, 480 when unset), a
 * trigger for the senders, the outputs as above.  0, or S7_ERR_INVAL with "job NAME
 * (WHERE): what is wrong; the fix" in err. */
S7_API int s7_xjob_validate(const s7_exchange *x, const s7_xjob *j, char *err, size_t errcap);

/* Checks the whole table: unique connection ids (1..0x0FFF) and names, unique job names,
 * partner addresses, and every job (s7_xjob_validate).  0 or S7_ERR_INVAL with the first
 * problem in err. */
S7_API int s7_exchange_validate(const s7_exchange *x, char *err, size_t errcap);

/* Resolves each connection's host (a name: through the system resolver, which may block)
 * into its numeric addr, so the engines never look a name up while they run: call it when
 * the configuration loads (and again when it is reloaded).  0, or S7_ERR_RESOLVE with
 * "WHERE: connection ID: host 'NAME' does not resolve (...): the fix" in err. */
S7_API int s7_exchange_resolve(s7_exchange *x, char *err, size_t errcap);

/* ---------------------------------------------------------------- the one-line spelling
 *   KIND PARTNER ADDR... [TRIGGER] [OPTIONS] into|from LOCAL... [OPTIONS]
 *   KIND     get | put
 *   PARTNER  HOST or HOST:PORT (IPv6 in brackets: [::1]:1102)
 *   ADDR     a tag (DB20.DBW4, MW10:INT[3]), a range (DB20.DBB0..DBB31) or an ANY pointer
 *            (P#DB20.DBX0.0 BYTE 32); up to four, separated by blanks or commas
 *   TRIGGER  every DURATION (cyclic, e.g. every 100ms) | on BIT (rising edge of a local bit)
 *   LOCAL    one per ADDR, same forms (into for get, from for put); a single start address
 *            (DB40.DBB0) takes the size of its ADDR
 *   OPTIONS  --port N --rack N --slot N --type pg|op|basic --tsap LOCAL:REMOTE --pdu N
 *            --id N (the connection's local ID) --name NAME --req BIT (= on BIT)
 *            --ndr BIT (get) --done BIT (put) --error BIT --status WORD
 *            --outputs pulse|latch (or the bare word latch / pulse: s7_xjob.latch)
 * The job and (when new) its connection are added to x; where ("--job 2") is recorded and
 * starts every message.  The job is validated (s7_xjob_validate).  Returns 0, or
 * S7_ERR_INVAL / S7_ERR_NOMEM with "WHERE: what is wrong; what would be right" in err (x
 * unchanged on error). */
S7_API int s7_exchange_parse_job(s7_exchange *x, const char *line, const char *where, char *err,
                                 size_t errcap);

/* 1 when name is a valid job name: 1..S7_XNAME_MAX-1 letters, digits and - _ . # (the rule
 * every spelling's name is checked by); else 0. */
S7_API int s7_xjob_name_ok(const char *name);

/* Parses one area address of a job (a tag, a range "DB20.DBB0..DBB31" or "DB20.DBB0..31", or
 * an ANY pointer) into t.  0, or S7_ERR_ADDR / S7_ERR_TYPE with "address 'TEXT': what is
 * wrong; the forms" (a range: "address: 'TEXT' what is wrong") in err. */
S7_API int s7_xjob_parse_addr(const char *text, s7_tag *t, char *err, size_t errcap);

/* An area address as the job spelling writes it: a BYTE array of DB, I, Q or M as a range
 * ("DB20.DBB0..DBB31"), anything else as s7_tag_format; snprintf-style length. */
S7_API int s7_xjob_addr_format(const s7_tag *t, char *buf, size_t cap);

/* Writes job j back in the one-line spelling (connection from x); snprintf-style length. */
S7_API int s7_xjob_format(const s7_exchange *x, const s7_xjob *j, char *buf, size_t cap);

/* ---------------------------------------------------------------- STATUS
 * What the GET/PUT instructions report in ERROR and STATUS (STATUS a decimal code in a WORD),
 * with the partner fault behind each (docs/exchange.md).
 * X(NAME, error, status, id, meaning, partner fault behind it) */
#define S7_XSTATUS_MAP(X)                                                                        \
    X(OK, 0, 0, "ok", "job completed without error", "none")                                     \
    X(BUSY, 0, 11, "busy", "new job cannot take effect: the previous job is not yet complete",   \
      "triggered again while the previous request is in flight (slow partner, cycle too short)") \
    X(STARTED, 0, 25, "started", "communication has started: the job is being processed",        \
      "none (the request is on its way)")                                                        \
    X(CONNECTION, 1, 1, "connection",                                                            \
      "communication problem: connection not yet established or interrupted",                    \
      "partner down, unreachable or refusing port 102, wrong rack/slot (CR rejected), setup "    \
      "refused, no answer within the timeout")                                                   \
    X(NEGATIVE_ACK, 1, 2, "negative_ack",                                                        \
      "negative acknowledgement from the partner: the task cannot be executed",                  \
      "the partner refused the request as a whole: PUT/GET not permitted (header error "         \
      "0x8104), request larger than its PDU (0x8500) or another header error")                   \
    X(LENGTH, 1, 4, "length_mismatch", "RD_i / SD_i and ADDR_i differ in data length or type",   \
      "the partner answered another length or transport size than asked")                        \
    X(PARTNER_ACCESS, 1, 8, "partner_access", "access error on the partner CPU",                 \
      "item return code 0x0A (DB does not exist), 0x05 (address out of range, or an optimized "  \
      "DB), 0x03 (access not allowed) or another item error")                                    \
    X(LOCAL_ACCESS, 1, 10, "local_access", "access to the local memory not possible",            \
      "none: RD_i / SD_i or a status output lies outside this CPU's memory (DB missing or too "  \
      "short)")                                                                                  \
    X(TOO_MANY_JOBS, 1, 20, "too_many_jobs",                                                     \
      "maximum number of parallel jobs / connections exceeded",                                  \
      "none: this CPU's connection resources are used up (its max_connections)")

typedef enum s7_xstatus {
#define S7__XST_ENUM(name, e, s, id, meaning, fault) S7_XST_##name,
    S7_XSTATUS_MAP(S7__XST_ENUM)
#undef S7__XST_ENUM
        S7_XST__COUNT
} s7_xstatus;

/* "0/11 new job cannot take effect: ..." style pieces (static strings; out of range:
 * "unknown"). */
S7_API const char *s7_exchange_status_str(s7_xstatus st);   /* the meaning */
S7_API const char *s7_exchange_status_id(s7_xstatus st);    /* "negative_ack" */
S7_API const char *s7_exchange_status_fault(s7_xstatus st); /* the partner fault behind it */
/* The ERROR bit and the STATUS word the instruction outputs. */
S7_API int s7_exchange_status_error(s7_xstatus st);
S7_API uint16_t s7_exchange_status_code(s7_xstatus st);
/* The status with ERROR error and STATUS code; -1 when none. */
S7_API int s7_exchange_status_find(int error, uint16_t code);

/* What a GET/PUT job reports for the outcome of its request: rc the client's result (0,
 * S7_ERR_PLC with plc_code the header error class<<8|code, S7_ERR_ITEM with item_rc the first
 * failing item's return code, S7_ERR_PARAM for a reply of another length, a connection
 * error...).  cause (may be NULL) gets a short id of the fault for logs and monitors:
 * "ok", "put_get_disabled" (0x8104), "pdu_exceeded" (0x8500), "plc_error", "db_missing"
 * (0x0A), "address_out_of_range" (0x05, also an optimized DB), "access_denied" (0x03),
 * "item_error", "length_mismatch", "partner_down" (refused, unreachable, timeout, closed),
 * "connection_rejected" (CR / setup refused), "local_access", "error" (static strings). */
S7_API s7_xstatus s7_exchange_status_of(int rc, uint16_t plc_code, uint8_t item_rc,
                                        const char **cause);

/* ---------------------------------------------------------------- the emulator's jobs
 * exchange/cpu_jobs.c: an emulated CPU (s7_cpu, optionally served by an s7_server) runs its
 * GET/PUT jobs as the instructions behave: every connection its jobs use is set up once at
 * s7_xengine_start and kept, set up again after a loss with a growing pause (retry_min_ms
 * doubling up to retry_max_ms).  The jobs are called once per scan (the CPU's OB1 cycle,
 * scan_ms): a cyclic job starts in the first scan at or after its time, a REQ job in the
 * scan that sees its local bit rise; one request in flight per job (a trigger meanwhile is
 * the instruction's 0/11); PUT sends the SD areas as they are when the job starts; a reply
 * is taken by the next scan, which writes the RD areas (GET) and the outputs: NDR/DONE = 1,
 * or ERROR = 1 with the STATUS code.  The outputs are valid for that one scan and are 0 again
 * in the next (s7_xjob.latch: held until the next result instead).  In STOP
 * (s7_cpu_state) no job is called: nothing starts, REQ is not sampled, no output or RD area
 * is written, and a reply to a request that was out when the CPU stopped is dropped; back
 * in RUN the jobs go on (cyclic ones at their next cycle, REQ jobs on an edge).  With a
 * server, each active connection counts against the CPU's connection budget of its type
 * (s7_server_conn_acquire; when none is free its jobs report 1/20).  One thread: the
 * application calls s7_xengine_run_once (which also runs the server) or nests
 * s7_xengine_fds / s7_xengine_process in its own poll. */

typedef struct s7_xengine s7_xengine;

/* Checks that every local address of x's jobs (RD_i / SD_i, REQ, NDR/DONE, ERROR, STATUS)
 * is in cpu's memory: the load-time check of an emulator's configuration (at run time a
 * missing local area reports 1/10).  0, or S7_ERR_INVAL with "WHERE: job NAME: RD_1
 * DB40.DBB0..DBB31 is not in this CPU's memory: the fix" in err. */
S7_API int s7_exchange_check_cpu(const s7_exchange *x, s7_cpu *cpu, char *err, size_t errcap);

/* What a job reported last (for monitors, logs and tests). */
typedef struct s7_xjob_state {
    s7_xstatus status; /* of the last completed run (S7_XST_OK before the first) */
    const char *cause; /* s7_exchange_status_of's cause ("ok", "put_get_disabled" ...) */
    char detail[200];  /* the last error in words, "" when ok */
    int busy;          /* a request is in flight */
    int conn_up;       /* its connection is set up */
    uint64_t runs;     /* runs completed (ok + errors) */
    uint64_t ok, errors;
    uint64_t busy_hits; /* triggers while busy (0/11) */
    int64_t last_ok_ms; /* s7_now_ms() of the last success, 0 none */
    int64_t since_ms;   /* s7_now_ms() since status is what it is */
    uint32_t last_us;   /* duration of the last completed request, microseconds */
    int stopped;        /* the CPU is in STOP: the job is not called */
    uint64_t dropped;   /* replies dropped because the CPU went to STOP while they were out */
} s7_xjob_state;

#define S7_XSCAN_DEFAULT 10 /* ms, the scan time when none is given (profiles carry none) */

typedef struct s7_xengine_opts {
    int connect_timeout_ms; /* TCP + CR/CC + setup; default 3000 */
    int request_timeout_ms; /* one request; default 3000 */
    int retry_min_ms;       /* first pause after a loss or a failed setup; default 250 */
    int retry_max_ms;       /* the pause doubles up to this; default 4000 */
    int scan_ms;            /* the scan time when the job table gives none (s7_exchange.
                             * scan_ms): jobs are called and REQ sampled once per scan;
                             * default S7_XSCAN_DEFAULT */
    s7_log_fn log;          /* connections set up, lost, job status changes (optional) */
    void *log_ctx;
    /* local memory written by a job (results and outputs), told after the write (optional).
     * Every such write also goes through s7_cpu_write, so the CPU's event handler sees it
     * as an S7_EV_WRITE with sess NULL (a retentive store journals it there: do not journal
     * it here again) */
    void (*on_write)(void *ctx, uint8_t area, uint16_t db, uint32_t start, uint32_t len);
    /* a job's status changed (after a completed run whose status or cause differs) */
    void (*on_status)(void *ctx, const s7_xjob *job, const s7_xjob_state *st);
    void *ctx;
    /* called with on 1 before a connection's socket is opened and with on 0 after (e.g. to
     * enter the CPU's network namespace and back); -1 with a message in err: that attempt
     * fails and is retried like a refused one (optional) */
    int (*enter)(void *enter_ctx, const s7_xconn *c, int on, char *err, size_t cap);
    void *enter_ctx;
} s7_xengine_opts;

S7_API void s7_xengine_opts_init(s7_xengine_opts *o);

/* An engine running the jobs of x (copied; validate it first: s7_exchange_validate) on cpu
 * (not owned).  srv (may be NULL) is the server that serves cpu: its connection budgets
 * count the jobs' connections and s7_xengine_run_once runs it.  NULL on out of memory or
 * when x holds a job whose connection is missing. */
S7_API s7_xengine *s7_xengine_new(s7_cpu *cpu, s7_server *srv, const s7_exchange *x,
                                  const s7_xengine_opts *o);
/* Closes the connections (releasing their budget) and frees; NULL is a no-op. */
S7_API void s7_xengine_free(s7_xengine *e);
/* Starts setting up the connections the jobs use and schedules the jobs.  0 or an error. */
S7_API int s7_xengine_start(s7_xengine *e);
/* One turn: waits up to timeout_ms for the server's and the connections' sockets, serves
 * the server, processes the connections and runs what is due.  Returns 0 or a negative
 * error of the server's loop. */
S7_API int s7_xengine_run_once(s7_xengine *e, int timeout_ms);
/* For an application's own poll: the connections' sockets (fd, events) into pfd (at most
 * cap; returns how many were filled) and *timeout_ms lowered to when the engine must run
 * next.  After the poll, s7_xengine_process with the same entries (their revents). */
S7_API size_t s7_xengine_fds(s7_xengine *e, struct pollfd *pfd, size_t cap, int *timeout_ms);
S7_API int s7_xengine_process(s7_xengine *e, const struct pollfd *pfd, size_t n);

/* The jobs and their state; NULL for an index out of range.  The job lives as long as e. */
S7_API size_t s7_xengine_njobs(const s7_xengine *e);
S7_API const s7_xjob *s7_xengine_job(const s7_xengine *e, size_t i);
S7_API int s7_xengine_state(const s7_xengine *e, size_t i, s7_xjob_state *st);

#ifdef __cplusplus
}
#endif
#endif
