/* s7kit bridge: a PC that runs exchange jobs between CPUs (exchange/bridge.c; docs/exchange.md).
 *
 * Each job copies up to four areas (byte ranges or typed tags) from one CPU to another:
 * read from the source with one Read Var request, written to the destination with one Write
 * Var request.  Jobs run cyclically, on change (every cycle the source is read; the
 * destination is written only when the bytes changed, and at the first success) or on a
 * trigger bit (a rising edge of a bit on one CPU starts one transfer; a done or an error bit
 * is then written back to 1, and both back to 0 when the trigger falls).
 *
 * Many CPUs on one thread: every partner is one s7_client on one s7_multi; nothing blocks
 * (connects are non-blocking, a lost partner is reconnected with a growing back-off), so a
 * dead CPU never delays the jobs of the others: its jobs turn to ERROR and recover by
 * themselves.  Per job: state, since when, last success, counters, latency p50/p99 from a
 * fixed-bucket histogram (no allocation per sample) and the last error with its cause and
 * fix.  The caller owns the loop: s7_bridge_run() waits at most the time it is given. */
#ifndef S7_EXCHANGE_BRIDGE_H
#define S7_EXCHANGE_BRIDGE_H

#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "err.h"
#include "tag.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_bridge s7_bridge;
struct s7_xjob;

typedef struct s7_bridge_opts {
    int backoff_min_ms; /* first reconnect delay after a loss (default 200) */
    int backoff_max_ms; /* the delay doubles up to this (default 5000) */
    s7_log_fn log;      /* optional: connection losses and recoveries */
    void *log_ctx;
} s7_bridge_opts;

S7_API void s7_bridge_opts_init(s7_bridge_opts *o);

/* How a job is started. */
enum {
    S7_BRIDGE_CYCLIC = 0, /* every cycle_ms */
    S7_BRIDGE_ON_CHANGE,  /* source read every cycle_ms, destination written when it changed */
    S7_BRIDGE_TRIGGER     /* trigger bit polled every cycle_ms, one transfer per rising edge */
};

#define S7_BRIDGE_MAX_TAGS 4096 /* areas of one bridge job (a GET/PUT job of exchange.h: 4) */

/* One job as the bridge runs it (filled from the exchange job model of exchange.h by the
 * loader; the tags are copied).  Areas pair up: from[i] (on partner src) is copied to to[i]
 * (on partner dst); both must transfer the same number of bytes. */
typedef struct s7_bridge_job {
    const char *name;   /* copied; shown in the table, the JSON lines and the metrics */
    int src, dst;       /* partner indexes (s7_bridge_add_partner) */
    size_t n;           /* 1..S7_BRIDGE_MAX_TAGS: the client packs them into as few PDUs as fit */
    const s7_tag *from; /* n tags (copied) */
    const s7_tag *to;   /* n tags (copied) */
    int mode;           /* S7_BRIDGE_* */
    long cycle_ms;      /* 1..86400000 */
    /* S7_BRIDGE_TRIGGER: the BOOL that starts a transfer and the BOOLs written back, all on
     * partner hs (has_done / has_error: 0 when not written). */
    int hs;
    s7_tag trigger, done, error;
    int has_done, has_error;
    /* S7_BRIDGE_TRIGGER: a WORD on partner hs that gets the job's STATUS (exchange.h
     * s7_exchange_status_code: 0, 11, 1, 2, 4, 8 ...) with the done / error bits */
    s7_tag status;
    int has_status;
} s7_bridge_job;

/* Job states. */
enum {
    S7_BRIDGE_WAITING = 0, /* not run yet (partners connecting) */
    S7_BRIDGE_OK,          /* the last run succeeded */
    S7_BRIDGE_ERROR        /* the last run failed (last_error says why) */
};

typedef struct s7_bridge_error {
    int err;         /* S7_ERR_*, 0 none */
    uint16_t plc;    /* PLC code behind S7_ERR_PLC / S7_ERR_ITEM (class<<8|code or item rc) */
    char id[48];     /* JSON identifier: "put_get_not_permitted", "refused", "timeout" ... */
    char where[64];  /* partner and what was done: "line-m2 read" */
    char text[200];  /* what happened: "connection refused (TCP RST): ..." */
    char cause[256]; /* likely cause in the field */
    char fix[256];   /* what to do */
} s7_bridge_error;

typedef struct s7_bridge_job_stats {
    const char *name;
    int state;                       /* S7_BRIDGE_WAITING / _OK / _ERROR */
    int64_t since_ms;                /* wall-clock ms (Unix epoch) of the last state change */
    int64_t last_ok_ms;              /* wall-clock ms of the last success, 0 never */
    uint64_t ok, err;                /* runs that succeeded / failed */
    uint64_t writes;                 /* destination writes (on change: fewer than ok) */
    uint64_t overruns;               /* cycles skipped because the previous run was still busy */
    uint64_t triggers;               /* rising edges seen (S7_BRIDGE_TRIGGER) */
    uint32_t p50_us, p99_us, max_us; /* latency of a run: start of the read to the write's end */
    uint64_t lat_count;              /* samples in the histogram */
    double lat_sum_s;                /* their sum in seconds */
    s7_bridge_error last_error;
    /* the last run as the GET/PUT instructions report it (exchange.h): STATUS (an
     * s7_xstatus, S7_XST_OK after a success) and the fault's id ("put_get_disabled",
     * "partner_down", "db_missing" ...; "ok") */
    int status;
    const char *status_cause;
} s7_bridge_job_stats;

typedef struct s7_bridge_partner_stats {
    const char *name;
    const char *host;
    uint16_t port;
    int up;            /* connected */
    int64_t since_ms;  /* wall-clock ms of the last change of up */
    uint64_t connects; /* successful connects */
    uint64_t losses;   /* connections lost or refused */
    s7_bridge_error last_error;
} s7_bridge_partner_stats;

/* A new bridge (opts copied; NULL: defaults); NULL on out of memory. */
S7_API s7_bridge *s7_bridge_new(const s7_bridge_opts *opts);
/* Closes every connection and frees; NULL is a no-op. */
S7_API void s7_bridge_free(s7_bridge *b);

/* Add a CPU (name and host copied; port 0 = 102; co: client options, NULL defaults).  A
 * host name is resolved here (the system resolver may block), once: the bridge dials the
 * address it resolved to, so a name never stalls the other partners while it runs.
 * Returns its index (>= 0) or S7_ERR_INVAL (empty name, a name already used),
 * S7_ERR_RESOLVE (host does not resolve), S7_ERR_NOMEM. */
S7_API int s7_bridge_add_partner(s7_bridge *b, const char *name, const char *host, uint16_t port,
                                 const s7_client_opts *co);
/* Add a job (copied).  Returns its index or S7_ERR_INVAL with a sentence in err that names the
 * job, what is wrong and what would be right (unknown partner index, no areas or more than
 * four, a source and destination area of different sizes, a trigger or handshake that is no
 * BOOL, a cycle out of range); S7_ERR_NOMEM. */
S7_API int s7_bridge_add_job(s7_bridge *b, const s7_bridge_job *j, char *err, size_t errcap);

/* Adds job j of the one job model (exchange.h) as a bridge job: its partner areas ADDR_i are
 * on partner remote, its local areas RD_i / SD_i (and REQ, NDR/DONE, ERROR, STATUS) on
 * partner local.  A GET copies remote -> local, a PUT local -> remote; a cyclic job runs every
 * cycle_ms (on_change: the destination written only when the bytes changed); a REQ job is
 * S7_BRIDGE_TRIGGER with the handshake on local.  Returns the job's index, or S7_ERR_INVAL
 * with "job NAME (WHERE): what is wrong; the fix" in err (a kind the bridge does not run:
 * BSEND/BRCV/USEND/URCV), S7_ERR_NOMEM. */
S7_API int s7_bridge_add_xjob(s7_bridge *b, const struct s7_xjob *j, int remote, int local,
                              int on_change, char *err, size_t errcap);

/* ---------------------------------------------------------------- configuration
 * What `s7 exchange FILE` reads (config.h s7_config_load_bridge; docs/exchange.md): the CPUs
 * as the inventory names them, and the jobs of the one job model, each with the CPU that
 * holds its local side. */

typedef struct s7_bridge_partner_cfg {
    char name[64];
    char host[256];    /* address or host name */
    uint16_t port;     /* 0 = 102 */
    s7_client_opts co; /* rack, slot, type, TSAPs, PDU of the connection to it */
    char where[160];   /* "FILE:LINE" */
    int pdu_given;     /* pdu: was given (jobs are checked against it, else 240) */
} s7_bridge_partner_cfg;

typedef struct s7_bridge_config {
    char *title; /* "bridge:" (NULL when not given) */
    s7_bridge_partner_cfg *partners;
    size_t npartners;
    struct s7_exchange *x;           /* the jobs (exchange.h); its conns are internal */
    int *remote, *local, *on_change; /* per job of x: partner indexes, on change (0/1) */
} s7_bridge_config;

/* Frees what c holds (c itself is the caller's); NULL is a no-op. */
S7_API void s7_bridge_config_free(s7_bridge_config *c);
/* A bridge with c's partners and jobs (opts as s7_bridge_new).  0 with *out, or S7_ERR_INVAL
 * with the job's message in err, S7_ERR_NOMEM. */
S7_API int s7_bridge_from_config(const s7_bridge_config *c, const s7_bridge_opts *opts,
                                 s7_bridge **out, char *err, size_t errcap);

/* Runs for up to timeout_ms (0: only what is due now): connects, starts the jobs that are
 * due, processes answers.  The jobs added before the first run start their cycles together
 * at it (a job added later, at its adding).  Returns 0 or S7_ERR_IO when poll() fails. */
S7_API int s7_bridge_run(s7_bridge *b, int timeout_ms);

/* Each job runs at most n times (ok or failed; 0, the default: no limit): a job that has
 * run n times is not started again, whatever its cycle, while the others go on.  A run
 * under way when it is set is finished.  For a caller that stops once every job has run n
 * times (`s7 exchange --count`): without it a job of a shorter cycle runs on meanwhile. */
S7_API void s7_bridge_set_max_runs(s7_bridge *b, uint64_t n);

S7_API size_t s7_bridge_njobs(const s7_bridge *b);
S7_API size_t s7_bridge_npartners(const s7_bridge *b);
/* Statistics of job i / partner i (copied into *out).  S7_ERR_INVAL for an index out of
 * range. */
S7_API int s7_bridge_job_stat(const s7_bridge *b, size_t i, s7_bridge_job_stats *out);
S7_API int s7_bridge_partner_stat(const s7_bridge *b, size_t i, s7_bridge_partner_stats *out);
/* "waiting", "ok", "error" (static). */
S7_API const char *s7_bridge_state_name(int state);
/* "cyclic", "on_change", "trigger" (static). */
S7_API const char *s7_bridge_mode_name(int mode);

/* The fixed-bucket latency histogram the bridge keeps per job (exported for tests and the
 * benchmarks): 8 sub-buckets per power of two of microseconds, so a quantile is within 9%
 * of the true value; adding a sample never allocates. */
#define S7_HIST_BUCKETS 256
typedef struct s7_hist {
    uint32_t n[S7_HIST_BUCKETS];
    uint64_t count;
    uint64_t sum_us;
    uint32_t max_us;
} s7_hist;
S7_API void s7_hist_add(s7_hist *h, uint32_t us);
/* The q-quantile (0 < q <= 1) in microseconds: the upper bound of the bucket that holds it,
 * never above the largest sample; 0 when empty. */
S7_API uint32_t s7_hist_quantile(const s7_hist *h, double q);

#ifdef __cplusplus
}
#endif
#endif
