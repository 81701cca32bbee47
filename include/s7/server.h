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
    int idle_timeout_ms;  /* close connections idle this long; 0 = never (default) */
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

/* Connections open now, in total and per type (1 PG, 2 OP, 3 basic; 0 = before the CR). */
S7_API size_t s7_server_connections(const s7_server *s, uint16_t per_type[4]);

#ifdef __cplusplus
}
#endif
#endif
