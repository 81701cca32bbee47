/* The control socket of `s7 inventory simulate --control SOCK`: a Unix socket taking one
 * command line per connection and answering it, served beside the simulation's event loop
 * without ever waiting for a client (a client that connects and sends nothing, or sends
 * slowly, holds up neither the CPUs nor the other clients), and its client side for
 * `--send CMD`.  The commands themselves are the caller's (simctl_cmd_fn). */
#ifndef S7_TOOL_SIMCTL_H
#define S7_TOOL_SIMCTL_H

#include <stddef.h>

#define SIMCTL_MAX_CLIENTS 32     /* served at once; more wait in the listen backlog */
#define SIMCTL_LINE_MAX 4096      /* a longer command is refused, whole, as too long */
#define SIMCTL_CLIENT_MS 5000     /* a client's line must be complete within this */
#define SIMCTL_SEND_TIMEOUT 10000 /* --send: how long the answer may take */

/* The answer to one command line (without its newline), malloc'd, ending in a newline; the
 * caller frees it.  NULL: out of memory. */
typedef char *(*simctl_cmd_fn)(void *ctx, const char *line);

typedef struct simctl simctl;

/* Listens on path (mode 0600).  A path that holds anything but a socket no program listens
 * on is refused: a file, a link, or the socket of a simulation that still runs (it would
 * lose its control).  NULL with the reason in err. */
simctl *simctl_open(const char *path, simctl_cmd_fn fn, void *ctx, char *err, size_t cap);

/* Accepts, reads and answers what is ready, without waiting. */
void simctl_serve(simctl *c);

/* Closes the clients and the socket and removes its path; NULL is a no-op. */
void simctl_close(simctl *c);

/* --send: cmdline to the simulation at path, its answer on stdout; 0 when the answer is
 * not an error, 1 when it is or when there is none (the reason on stderr). */
int simctl_send(const char *path, const char *cmdline);

#endif
