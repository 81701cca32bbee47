/* s7kit plant simulation: a documented plant (plant.h) brought up in one process.
 *
 * Every CPU of the plant (a partner that is passive in a connection, or of kind plc)
 * becomes an emulated CPU (cpu.h, server.h) with its profile, rack/slot and DBs sized to
 * cover every documented range, PUT/GET permitted; each listens on its own address (the
 * documented one, or a loopback address of its own).  Every documented connection runs
 * on its active partner: GET ranges read, PUT ranges written, at the documented cycle (an
 * exchange without a cycle once).  An emulated CPU runs them as its own GET/PUT jobs
 * (exchange.h s7_xengine; STATUS/NDR/ERROR words and areas in a DB9000 added to it,
 * docs/simulate.md); any other partner as a polling client from its address (once per
 * connection without a cycle).  All of it on one event loop: no threads.
 *
 * Faults make a CPU behave as a faulty one does, at start or while running:
 *   put_get_off       PUT/GET not permitted (reads and writes refused with 0x8104)
 *   stop              the CPU in STOP
 *   optimized:DBn     DB n made optimized (no absolute access)
 *   budget            every connection resource taken: new connection requests refused
 * A router fault (router:drop:CONNECTION) is parsed here and applied by the caller (the
 * packet filter is the caller's business).
 *
 * The engine opens sockets only in s7_sim_start and when a client or job connection
 * (re)connects; around
 * each it calls the enter hook with the partner concerned, so a caller can open the socket
 * in that partner's network namespace.  One thread uses a simulation at a time. */
#ifndef S7_EXCHANGE_SIM_H
#define S7_EXCHANGE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "err.h"
#include "log.h"
#include "plant.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_sim s7_sim;

/* Called with enter 1 before the sockets of partner p are opened and with enter 0 after;
 * returns 0, or -1 with a message in err (the start then fails with it). */
typedef int (*s7_sim_enter_fn)(void *ctx, const s7_plant_partner *p, int enter, char *err,
                               size_t cap);

typedef struct s7_sim_opts {
    /* 1: every partner gets a loopback address of its own (loopback_base + its index + 1,
     * skipping .0 and .255) and every CPU listens there on port (0: a free port); 0: the
     * documented addresses and ports */
    int loopback;
    const char *loopback_base; /* default "127.77.0.0" */
    uint16_t port;             /* loopback: the CPUs' port; 0 = a free one each */
    int request_timeout_ms;    /* the polling clients' timeout, default 2000 */
    int retry_ms;              /* a lost or refused connection is tried again after, 1000 */
    s7_sim_enter_fn enter;
    void *enter_ctx;
    s7_log_fn log; /* CPUs up, connections lost and back, faults */
    void *log_ctx;
} s7_sim_opts;

S7_API void s7_sim_opts_init(s7_sim_opts *o);

/* The emulated CPUs of validated plant p (not owned: it must outlive the simulation) with
 * their DBs; nothing is opened yet.  NULL with a message in err (a profile unknown, out of
 * memory). */
S7_API s7_sim *s7_sim_new(const s7_plant *p, const s7_sim_opts *o, char *err, size_t cap);
S7_API void s7_sim_free(s7_sim *s);

/* The emulated CPU of partner name (to set values or DBs before the start), NULL when that
 * partner is not emulated. */
S7_API s7_cpu *s7_sim_cpu(s7_sim *s, const char *name);

/* Replaces the emulated CPU of partner name with cpu (owned from this call on, also when
 * it fails: then freed), before the start: an override from a side file (the emulator's
 * own configuration).  The documented DBs it lacks are added at their documented size and
 * I/Q/M grown to cover the documented ranges; what it has is kept as it is (a DB shorter
 * than documented stays short: a fault to try).  The GET/PUT jobs of the connections it
 * takes part in are planned for the PDU it negotiates (s7_profile.max_pdu of cpu): its own
 * jobs ask it, and a job of it or of its partner that no longer fits the PDU the two
 * negotiate refuses the replacement (the documented CPU is kept).  0, or S7_ERR_INVAL (no
 * such emulated partner, already started, a job that would not fit: the message names the
 * connection, the exchange, the PDU and the fix) with a message in err. */
S7_API int s7_sim_replace_cpu(s7_sim *s, const char *name, s7_cpu *cpu, char *err, size_t cap);

/* ---------------------------------------------------------------- the CPUs' jobs
 * A documented exchange whose active partner is a CPU (role plc) is that CPU's GET/PUT job
 * (up to four ranges a job; an exchange of more ranges is several jobs), one request and one
 * reply that are never split, so each job must fit the PDU the two CPUs negotiate.  A
 * polling client (an HMI, SCADA, a PC) splits what does not fit and is not limited so. */

/* The PDU the jobs of connection conn (plant index) of validated plant p can count on: the
 * smaller of the maximum PDUs of the two partners' CPU profiles (cpu.h s7_profile.max_pdu,
 * what each negotiates at most); a partner without a profile the emulator knows does not
 * limit it, and with neither it is the largest any profile negotiates (960: the S7-1500's,
 * the profile the simulation gives a CPU without one).  0 for a conn out of range. */
S7_API uint16_t s7_sim_conn_pdu(const s7_plant *p, size_t conn);

/* Checks every job of every CPU of validated plant p against s7_sim_conn_pdu (the job
 * model's s7_xjob_pdu_need and s7_xjob_payload_limit): fn is called with "FILE:LINE:
 * connection NAME, exchange N (GET RANGE): what it needs, what the CPUs negotiate, the
 * fix" for each job that cannot fit (stops when fn returns nonzero; fn may be NULL).
 * Returns the number of such jobs, 0 when all fit.  s7_config_load_plant refuses a plant
 * with any. */
S7_API int s7_sim_check_jobs(const s7_plant *p, int (*fn)(void *ctx, const char *msg), void *ctx);

/* Bind every CPU's listening socket and start the clients.  0, or a negative error with a
 * message in err (an address not held, a port in use). */
S7_API int s7_sim_start(s7_sim *s, char *err, size_t cap);

/* One turn of the loop: waits up to timeout_ms (at most 1000) for sockets and timers, serves
 * the CPUs, runs the exchanges that are due.  Returns 0 or a negative error. */
S7_API int s7_sim_run_once(s7_sim *s, int timeout_ms);

/* Where partner i (plant index) listens or connects from: its address ("127.77.0.3" or the
 * documented one) and, for an emulated CPU, the port bound (0 otherwise).  "" for an index
 * out of range. */
S7_API const char *s7_sim_address(const s7_sim *s, size_t i, uint16_t *port);

/* ---------------------------------------------------------------- faults */

enum {
    S7_SIM_FAULT_PUT_GET_OFF = 1,
    S7_SIM_FAULT_STOP = 2,
    S7_SIM_FAULT_OPTIMIZED = 3,
    S7_SIM_FAULT_BUDGET = 4,
    S7_SIM_FAULT_ROUTER_DROP = 5,         /* the router drops a connection both ways */
    S7_SIM_FAULT_DB_MISSING = 6,          /* DB n deleted: item 0x0A */
    S7_SIM_FAULT_DB_SHORT = 7,            /* DB n downloaded shorter: 0x05 from offset len */
    S7_SIM_FAULT_SLOT = 8,                /* the CPU sits at another slot: the documented TSAP's
                                        CR is closed without a CC */
    S7_SIM_FAULT_PORT_CLOSED = 9,         /* nothing listens on its port: RST */
    S7_SIM_FAULT_DOWN = 10,               /* the host is gone (its address leaves the network) */
    S7_SIM_FAULT_ROUTER_REJECT = 11,      /* the router rejects the SYN: ICMP admin-prohibited */
    S7_SIM_FAULT_ROUTER_RESET = 12,       /* the router rejects the SYN with a TCP reset */
    S7_SIM_FAULT_ROUTER_DROP_REPLIES = 13 /* the router passes the SYN, drops what comes back */
};

typedef struct s7_sim_fault {
    int kind;       /* S7_SIM_FAULT_* */
    size_t partner; /* the CPU (plant index); not for the router faults */
    uint16_t db;    /* OPTIMIZED, DB_MISSING, DB_SHORT */
    size_t conn;    /* router faults: the connection (plant index) */
    uint32_t len;   /* DB_SHORT: the length shown */
    uint8_t slot;   /* SLOT: where the CPU now sits (rack as documented) */
    uint8_t ctype;  /* BUDGET: the connection type whose resources are taken (1 PG, 2 OP,
                       3 S7 basic), 0 every one */
} s7_sim_fault;

/* Parses a fault against plant p: "CPU:put_get_off", "CPU:stop", "CPU:optimized:DBn",
 * "CPU:budget", "CPU:budget:pg|op|basic", "CPU:db_missing:DBn", "CPU:db_short:DBn:LEN", "CPU:slot:N",
 * "CPU:port_closed", "CPU:down", "router:drop:CONNECTION", "router:reject:CONNECTION",
 * "router:reset:CONNECTION" or "router:drop_replies:CONNECTION".  0, or -1 with a message
 * naming what was wrong and the forms in err. */
S7_API int s7_sim_fault_parse(const s7_plant *p, const char *spec, s7_sim_fault *f, char *err,
                              size_t cap);
/* 1 for the faults the network makes (the router faults and DOWN): the caller's, applied
 * by its packet filter or namespaces; 0 for the faults of the emulated CPU. */
S7_API int s7_sim_fault_is_net(const s7_sim_fault *f);
/* Applies (on 1) or clears (on 0) a CPU fault (before or after s7_sim_start); a network
 * fault is S7_ERR_UNSUPPORTED (the caller's).  0 or a negative error with a message in
 * err. */
S7_API int s7_sim_fault_set(s7_sim *s, const s7_sim_fault *f, int on, char *err, size_t cap);
/* The fault in the text form s7_sim_fault_parse reads, into buf. */
S7_API const char *s7_sim_fault_text(const s7_plant *p, const s7_sim_fault *f, char *buf,
                                     size_t cap);

/* ---------------------------------------------------------------- state */

typedef struct s7_sim_ex_state {
    size_t conn, ex;    /* plant indices */
    int up;             /* the connection is set up */
    uint64_t ok, err;   /* exchanges done / failed */
    int last_rc;        /* 0, or the error of the last failure */
    char last_err[160]; /* what the last failure was ("" none) */
} s7_sim_ex_state;

/* Number of exchanges (over all connections) and the state of the i-th (in plant order). */
S7_API size_t s7_sim_nex(const s7_sim *s);
S7_API int s7_sim_ex_get(const s7_sim *s, size_t i, s7_sim_ex_state *st);
/* Emulated CPUs, listening sockets bound and connections set up now. */
S7_API void s7_sim_counts(const s7_sim *s, size_t *cpus, size_t *listening, size_t *conns_up);

#ifdef __cplusplus
}
#endif
#endif
