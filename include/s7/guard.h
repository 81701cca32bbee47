/* s7kit guard: an enforcing S7 proxy in front of one CPU (docs/guard.md).
 *
 * The guard terminates each client's ISO-on-TCP connection (COTP CR/CC, Setup
 * Communication) and talks to the CPU over its own client-role connections.  Every request
 * is checked against a policy (plant_policy.h): Read/Write Var items outside the partner's
 * documented ranges are answered with item return code 0x03 (access denied) while the
 * allowed items of the same request are forwarded and their answers merged back in order;
 * refused services (CPU stop/start, clock set, block functions, password, ...) get the
 * error a protected CPU sends (Ack 0xD241 for jobs, Userdata error 0xD241); a client whose
 * address, connection type or TSAPs no partner documents gets its CR closed without a CC.
 * The CPU never sees a refused request.
 *
 * Upstream connections are dedicated (one per client, negotiated with the client's PDU
 * size) or shared: the clients of a shared partner and one connection type use a small
 * pool of upstream connections (PDU references remapped, the CPU's AmQ served round-robin,
 * Userdata continuations kept on the client that started them, each client held to the
 * upstream PDU size at its setup).
 *
 * One thread, one event loop; the engine starts no threads.  Several engines may serve one
 * port from several threads (reuse_port, engine/engines and count in s7_guard_opts): each
 * is still used by one thread only.  Fail closed: when the guard
 * stops nothing is forwarded, a malformed frame closes only its own client, an upstream
 * failure closes the clients it served. */
#ifndef S7_GUARD_H
#define S7_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "log.h"
#include "plant_policy.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_guard s7_guard;

/* Decisions (s7_guard_decision.action). */
enum { S7_GUARD_ALLOW = 0, S7_GUARD_REFUSE = 1, S7_GUARD_WOULD_REFUSE = 2 };

/* One decision, handed to the decision hook (the audit log).  Strings live during the call. */
typedef struct s7_guard_decision {
    int64_t time_ms;     /* wall clock, ms since 1970 UTC */
    const char *peer;    /* "ADDR:PORT" of the client */
    const char *partner; /* the policy partner it matched ("" none) */
    uint64_t conn;       /* the guard's connection number (1, 2, ...) */
    const char *op;      /* "connect", "read", "write", "szl", "clock-read", "clock-set",
                            "stop", "hot-start", "cold-start", "pi", "upload", "download",
                            "blocks", "password", "programmer", "cyclic", "alarms", "job" */
    uint8_t rosctr;      /* 1 Job, 7 Userdata (0 for connect) */
    uint8_t fn;          /* Job function code, or Userdata group */
    uint8_t subfn;       /* Userdata subfunction */
    uint16_t pdu_ref;    /* the client's PDU reference */
    int has_range;       /* area, db, offset, length (and bit >= 0) are set */
    uint8_t area;
    uint16_t db;
    uint32_t offset, length;
    int bit;            /* -1 unless a bit item */
    int szl_id;         /* -1 unless an SZL read */
    int action;         /* S7_GUARD_* */
    const char *rule;   /* the policy entry that decided ("" none: refused by default) */
    const char *result; /* "ok" (forwarded), "0x03 access denied", "refused: 0xD241
                           protection level", "refused: REASON" (connect) */
} s7_guard_decision;

typedef void (*s7_guard_decision_fn)(void *ctx, const s7_guard_decision *d);

/* Listener limits (s7_guard_opts), as the emulator's (server.h S7_SLIM_*); 0 turns one
 * off. */
typedef struct s7_guard_opts {
    const char *listen;         /* "ADDR:PORT" (default "127.0.0.1:102") */
    const char *upstream;       /* the CPU: "HOST[:PORT]" (IPv6 in brackets) */
    uint16_t upstream_tsap;     /* 0: the TSAP the client asked for */
    int dry_run;                /* forward everything, log what would be refused */
    int64_t cr_timeout_ms;      /* accept to CR (default 5000) */
    int64_t setup_timeout_ms;   /* CC to setup (default 5000) */
    int64_t idle_timeout_ms;    /* no PDU either way, nothing subscribed (default 600000;
                                   0: none) */
    int64_t connect_timeout_ms; /* upstream connect and setup (default 5000) */
    unsigned max_per_source;    /* connections from one address (default 64) */
    unsigned max_clients;       /* connections in all (default 4096) */
    size_t conn_queue;          /* requests queued per client before it is no longer read
                                 (default 64) */
    size_t held_max;            /* bytes all clients may hold (default 64 MiB): past it the
                                 client holding most is closed */
    s7_log_fn log;              /* optional */
    void *log_ctx;
    s7_guard_decision_fn on_decision; /* optional: the audit log */
    void *decision_ctx;
    /* Several guards serving one port, each in its own thread (s7 guard --threads): */
    int reuse_port;  /* SO_REUSEPORT on the listener: each guard binds the same ADDR:PORT
                        and the kernel spreads the connections over them */
    unsigned engine; /* this guard's index of `engines` (default 0 of 1): it opens its share
                        of the policy's shared upstreams (shared_upstreams / engines, at
                        least one) and numbers its connections engine + 1, engine + 1 +
                        engines, ... (unique over the guards) */
    unsigned engines;
    /* Optional: connection counts shared by the guards, so that max_clients, max_per_source
     * and the partners' connection limits hold over all of them: adds delta (+1 or -1) to
     * the count named key ("*" every client, "src ADDR" one source address, "partner NAME"
     * one partner) and returns the new count.  Called from every guard's thread: it must
     * be thread-safe.  NULL: each guard counts its own connections. */
    long (*count)(void *ctx, const char *key, int delta);
    void *count_ctx;
    /* Optional: the partners' rate limits shared by the guards, so that a partner's rate
     * holds over all of them: takes one request's token from the bucket of the partner
     * named partner (rate requests per second, at most rate tokens kept), refilled up to
     * now_ms (s7_now_ms); returns 1 when a token was taken, 0 when the bucket is empty (the
     * request waits).  Called from every guard's thread: it must be thread-safe.  NULL:
     * each guard keeps its own buckets. */
    int (*rate_take)(void *ctx, const char *partner, unsigned rate, int64_t now_ms);
    void *rate_ctx;
    /* a request sent to the CPU and not answered this long: the upstream connection is
     * taken as broken, closed with the clients it served (they reconnect to a fresh one,
     * which gives the CPU's AmQ back); default 10000, 0 none */
    int64_t request_timeout_ms;
} s7_guard_opts;

S7_API void s7_guard_opts_init(s7_guard_opts *o);

/* A new guard with policy pol (owned by the guard from this call, also on failure).
 * Returns 0 with *out, S7_ERR_INVAL (no upstream) or S7_ERR_NOMEM. */
S7_API int s7_guard_new(s7_guard **out, const s7_guard_opts *o, s7_policy *pol);
/* Binds and listens.  0, or S7_ERR_IO with the reason logged. */
S7_API int s7_guard_start(s7_guard *g);
/* The port the listener is bound to (after s7_guard_start). */
S7_API uint16_t s7_guard_port(const s7_guard *g);
/* Serves for up to timeout_ms (-1: until s7_guard_stop).  Returns 0, 1 when stopped, or a
 * negative error. */
S7_API int s7_guard_run(s7_guard *g, int timeout_ms);
/* Ask s7_guard_run to return (async-signal-safe). */
S7_API void s7_guard_stop(s7_guard *g);
/* Replace the policy (owned from this call): every open connection is matched again;
 * those the new policy still allows keep going, the others are closed (and logged).
 * Returns the number closed. */
S7_API int s7_guard_set_policy(s7_guard *g, s7_policy *pol);
/* Reads of several clients together (on by default; call before s7_guard_start): on a
 * shared upstream connection the Read Var requests waiting for it go to the CPU as the
 * items of one request (at most 20 items, within the CPU's PDU), and each client gets its
 * own part of the answer, the bytes the CPU gives to its read alone.  0 sends every
 * client's request on its own.  A dedicated connection's requests always go as they are. */
S7_API void s7_guard_set_coalesce(s7_guard *g, int on);
S7_API const s7_policy *s7_guard_policy(const s7_guard *g);
/* Closes every connection (NULL is a no-op). */
S7_API void s7_guard_free(s7_guard *g);

/* Counters: per partner of the current policy (index) and per range of it. */
typedef struct s7_guard_stats {
    uint64_t accepted, refused_cr, closed_protocol, closed_timeout, closed_memory;
    uint64_t clients;   /* open now */
    uint64_t upstreams; /* open now */
    uint64_t forwarded; /* requests sent to the CPU */
    uint64_t answered_locally;
    uint64_t items_allowed, items_refused, services_refused;
    uint64_t held;   /* bytes held now */
    uint64_t pushes; /* CPU pushes (cyclic data, alarms) passed on to a client */
} s7_guard_stats;
S7_API void s7_guard_stats_get(const s7_guard *g, s7_guard_stats *st);
/* The Prometheus text exposition of the counters (per partner and per rule) into a
 * malloc'd string (*out, length returned), or S7_ERR_NOMEM. */
S7_API int s7_guard_metrics(const s7_guard *g, char **out);

/* The audit line of a decision (JSON, docs/schema/s7-audit.schema.json, with the closing
 * newline) into buf; snprintf-style length. */
S7_API int s7_guard_audit_format(const s7_guard_decision *d, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
