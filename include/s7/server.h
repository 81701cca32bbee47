/* s7kit server: the engine that serves an s7_cpu to many clients on one event loop.
 *
 * One thread, epoll (poll where epoll is missing), no thread per client, bounded buffers
 * per connection, idle timeouts.  The application can own the loop (s7_server_start,
 * s7_server_run_once, s7_server_stop) or call s7_server_run.  COTP and S7 framing come
 * from conn/ (server role); answers from the CPU model (cpu.h). */
#ifndef S7_SERVER_H
#define S7_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "err.h"
#include "log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_server s7_server;

typedef struct s7_server_hooks {
    void (*on_connect)(void *ctx, const char *peer, int conn_type);
    void (*on_disconnect)(void *ctx, const char *peer, const char *reason);
    /* every read, write and refused access, as the CPU reports them */
    void (*on_event)(void *ctx, const s7_cpu_event *ev);
    void *ctx;
} s7_server_hooks;

typedef struct s7_server_opts {
    const char *listen;   /* "ADDR:PORT"; default "127.0.0.1:102" */
    int idle_timeout_ms;  /* close a connection that has had no whole PDU either way for this
                             long, unless it holds a cyclic-data job or an alarm registration
                             (s7_cpu_session_subscribed); 0 = never; default 600000 */
    uint32_t max_clients; /* sockets at most (beyond the CPU's budgets), default 65000 */
    int backlog;          /* listen backlog, default 1024 */
    s7_log_fn log;        /* connections, refusals, errors */
    void *log_ctx;
    s7_server_hooks hooks;
} s7_server_opts;

S7_API void s7_server_opts_init(s7_server_opts *o);

/* A server for cpu (not owned; it must outlive the server). */
S7_API s7_server *s7_server_new(s7_cpu *cpu, const s7_server_opts *o);
S7_API void s7_server_free(s7_server *s);

/* Partners allowed to connect (CIDR "10.0.0.0/8", "127.0.0.1", IPv6 too); none added =
 * everybody.  A partner outside the list is closed right after its CR, without a CC. */
S7_API int s7_server_allow(s7_server *s, const char *cidr);

/* Bind and listen.  Returns 0 or S7_ERR_IO (the log says why, e.g. address in use). */
S7_API int s7_server_start(s7_server *s);
/* Closes the listening socket and every accepted connection: a SYN to the port is then
 * answered with a RST, as on a host where nothing listens (fault injection).  A later
 * s7_server_start listens again (on the port it had, also when opened with port 0). */
S7_API void s7_server_unlisten(s7_server *s);
/* The port bound (useful with port 0). */
S7_API uint16_t s7_server_port(const s7_server *s);
/* One turn of the loop: wait up to timeout_ms for activity, serve it.  Returns the number
 * of events served or a negative error. */
S7_API int s7_server_run_once(s7_server *s, int timeout_ms);
/* Run until s7_server_stop. */
S7_API int s7_server_run(s7_server *s);
/* Ask the loop to return (async-signal-safe). */
S7_API void s7_server_stop(s7_server *s);
/* The loop's file descriptor, to nest it in the application's own poll. */
S7_API int s7_server_fd(const s7_server *s);

/* Connections open now, in total and per type (1 PG, 2 OP, 3 basic; 0 = before the CR).
 * The per-type counts include the connections the CPU holds itself (s7_server_conn_acquire);
 * the total counts only accepted sockets. */
S7_API size_t s7_server_connections(const s7_server *s, uint16_t per_type[4]);

/* Connections the CPU holds itself (the active connections of its GET/PUT jobs: exchange.h)
 * count against the same budgets as accepted ones (profile max_conn, SZL 0x0132): acquire
 * one of type (1 PG, 2 OP, 3 basic) before connecting, release it when the connection is
 * gone.  Returns 0, S7_ERR_BUSY when the budget of that type or the total is used up
 * (nothing counted), or S7_ERR_INVAL.  Releasing what is not counted does nothing. */
S7_API int s7_server_conn_acquire(s7_server *s, int type);
S7_API void s7_server_conn_release(s7_server *s, int type);

/* Serve fd, a connected stream socket (TCP, or a socketpair for tests and embedding), as
 * if it had been accepted: the allow-list and the limits apply.  The descriptor belongs
 * to the server from this call on, also when it fails (it is then closed).  Works with or
 * without s7_server_start.  Returns 0, S7_ERR_CR_REJECTED (refused: allow-list, a limit),
 * S7_ERR_INVAL or S7_ERR_NOMEM. */
S7_API int s7_server_adopt(s7_server *s, int fd);

/* The engine's limits (docs/server.md has each default and why).  0 turns a timeout or a
 * count limit off. */
enum {
    S7_SLIM_CR_TIMEOUT_MS = 1,    /* accept to COTP CR; default 5000 */
    S7_SLIM_SETUP_TIMEOUT_MS = 2, /* CC to Setup Communication; default 5000 */
    S7_SLIM_IDLE_TIMEOUT_MS = 3,  /* no whole PDU either way; = opts.idle_timeout_ms */
    S7_SLIM_MAX_PER_SOURCE = 4,   /* sockets from one address; default 64 (an adopted
                                     socketpair has no address and is not counted) */
    S7_SLIM_CONN_HELD = 5,        /* unsent reply bytes after which a connection is no longer
                                     read; default 65536 */
    S7_SLIM_HELD = 6,             /* bytes all connections may hold (replies, partial frames);
                                     past half of it the greediest are no longer read, past
                                     it the one holding most is closed; default 64 MiB */
    S7_SLIM_SOCK_BUF = 7          /* SO_SNDBUF of each TCP connection (the kernel doubles it);
                                     default 65536; 0 = the kernel's autotuning (up to
                                     net.ipv4.tcp_wmem's maximum, 4 MiB, per connection) */
};
/* Set a limit.  Returns 0, or S7_ERR_INVAL for an unknown limit or a negative value. */
S7_API int s7_server_set_limit(s7_server *s, int which, int64_t value);
/* A limit's value, -1 for an unknown one. */
S7_API int64_t s7_server_limit(const s7_server *s, int which);

/* A refused or cut connection (allow-list, per-source limit, max_clients, out of
 * descriptors, a refused CR, a deadline, the memory bound, a malformed frame): peer
 * "ADDR:PORT" and why.  The engine logs these at most 20 lines a second (then a count)
 * and closes them without a "closed" line of their own; the hook sees every one. */
typedef void (*s7_server_refuse_fn)(void *ctx, const char *peer, const char *reason);
S7_API void s7_server_on_refuse(s7_server *s, s7_server_refuse_fn fn, void *ctx);

/* A connection request another engine of this CPU may claim: the passive partner
 * connections of its connection table (exchange_partner.h, s7_xpartner_attach), which a real
 * CPU serves on its one port 102 and tells from PUT/GET clients by the CR's TSAPs. */
typedef struct s7_server_cr {
    const s7_cotp *cr;     /* the decoded CR: cr->called / cr->calling are the TSAPs */
    const char *peer;      /* "ADDR:PORT" */
    const char *peer_addr; /* the numeric address alone ("10.0.0.2", "::1"; an IPv4 client
                              of an IPv6 socket as IPv4); "" for a socketpair */
    int fd;                /* the connected socket (non-blocking) */
    const uint8_t *bytes;  /* the CR frame and whatever arrived after it */
    size_t len;
} s7_server_cr;
/* Called for every CR before the CPU's PUT/GET rules.  Returns 0: not claimed (the CPU's
 * TSAP rules and budgets decide, as without the hook); 1: claimed: from now on the socket
 * and the bytes are the callee's (it answers the CR itself), the server forgets the
 * connection without closing it and logs *why (what took it); negative: refused, the server
 * closes it as a refused CR with *why as the reason.  NULL fn removes the hook. */
typedef int (*s7_server_cr_fn)(void *ctx, const s7_server_cr *cr, const char **why);
S7_API void s7_server_on_cr(s7_server *s, s7_server_cr_fn fn, void *ctx);

/* Group commit: the replies of requests whose effect must be durable before they are
 * acknowledged (writes to retentive DBs: retain.h) are held, and one commit at the end of
 * a turn of the loop covers all of them, instead of one fdatasync per request.
 *
 * s7_server_hold_replies: called from the on_event hook while a client's request is being
 * answered (the hook sees the request's events, then S7_EV_DONE, before its reply is
 * made), it holds that request's reply.  From then on the connection sends nothing (its
 * later replies queue behind, in order) until the commit.  Replies not held (reads,
 * writes to other DBs) of other connections go out at once.  Returns 0 (held), or
 * S7_ERR_INVAL when nothing can be held: no commit hook is registered, or no request of
 * this server's clients is being answered (a write of the CPU's own, a request another
 * engine serves); the caller must then make the effect durable itself before returning.
 *
 * The commit hook is called once at the end of every turn (s7_server_run_once) in which
 * replies were held, after every ready connection was served: it returns 0 when what the
 * held requests did is durable (s7_retain_sync), and then the held replies are sent; or a
 * negative error: then no held reply is ever sent, the connections holding them are
 * closed, and s7_server_run_once (s7_server_run) returns that error.  A connection closed
 * while it holds replies (by its client, a deadline, the memory bound) drops them: they
 * were never acknowledged.  NULL fn removes the hook (nothing is held after that).
 * Without the hook the server behaves as it always did. */
typedef int (*s7_server_commit_fn)(void *ctx);
S7_API void s7_server_on_commit(s7_server *s, s7_server_commit_fn fn, void *ctx);
S7_API int s7_server_hold_replies(s7_server *s);

/* The engine's own accounting.  Pass sizeof(s7_server_stats): a library with a larger
 * struct fills only what the caller knows of (fields are only added at the end). */
typedef struct s7_server_stats {
    uint64_t accepted;        /* sockets accepted or adopted (the refused_* ones too) */
    uint64_t refused_allow;   /* closed at accept: outside the allow-list */
    uint64_t refused_source;  /* closed at accept: the per-source limit */
    uint64_t refused_clients; /* closed at accept: max_clients */
    uint64_t refused_fd;      /* accepted on the reserve descriptor and closed */
    uint64_t refused_cr;      /* CRs refused (TSAP, budgets) */
    uint64_t closed_cr_timeout;
    uint64_t closed_setup_timeout;
    uint64_t closed_idle;
    uint64_t closed_memory;    /* closed by the memory bound (S7_SLIM_HELD) */
    uint64_t closed_protocol;  /* malformed or unexpected frames (an oversized frame before
                                 the CR, a bad TPKT or COTP, a malformed request) */
    uint64_t read_pauses;      /* times a connection stopped being read (backpressure) */
    uint64_t connections;      /* open now */
    uint64_t paused;           /* open now and not being read */
    uint64_t held;             /* bytes held now: unsent replies, partial frames */
    uint64_t held_peak;        /* the most held at once since the start */
    uint64_t held_conn_max;    /* the most one connection holds now */
    uint64_t held_conn_peak;   /* the most one connection ever held */
    uint64_t pushes;           /* cyclic-data pushes sent (added with cyclic data) */
    uint64_t connections_peak; /* the most sockets open at once (served: before or after
                                  their CR), since the start */
} s7_server_stats;
S7_API void s7_server_stats_get(const s7_server *s, s7_server_stats *st, size_t size);

#ifdef __cplusplus
}
#endif
#endif
