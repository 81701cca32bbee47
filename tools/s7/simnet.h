/* s7 inventory simulate: the plant's network in network namespaces (simnet.c).
 *
 * One namespace per cell (s7sim<PID>-<CELL>) holding every documented address of the cell
 * on one interface, one router namespace (s7sim<PID>-router) with an interface in each
 * cell (the documented router's names and addresses, else the cell's last host address),
 * IPv4 forwarding and the rules `s7 inventory firewall` generates (nftables), plus a table
 * of its own (inet s7sim) where router faults drop a connection's packets.  Root only. */
#ifndef S7_TOOLS_SIMNET_H
#define S7_TOOLS_SIMNET_H

#include <stddef.h>

#include "s7/plant.h"

typedef struct simnet simnet;

/* Builds the namespaces of validated plant p.  NULL with a message in err (what failed,
 * and how to run without namespaces); whatever was made is removed again. */
simnet *simnet_up(const s7_plant *p, int verbose, char *err, size_t cap);
/* Removes every namespace it made (the veth pairs go with them) and frees. */
void simnet_down(simnet *n);
/* The namespace of partner i (its cell's), entered (on 1) or left for the original one
 * (on 0).  0 or -1 with a message. */
int simnet_enter(simnet *n, size_t partner, int on, char *err, size_t cap);
/* Applies the router fault kind (S7_SIM_FAULT_ROUTER_*: drop, reject, reset,
 * drop_replies) to connection conn (on 1), or lets its packets pass again (on 0; the kind
 * must be the one applied).  0 or -1 with a message. */
int simnet_router(simnet *n, size_t conn, int kind, int on, char *err, size_t cap);
/* Takes partner i's address off its cell's interface (on 1: the host is gone, ARP for it
 * fails) or puts it back (on 0).  0 or -1 with a message. */
int simnet_host(simnet *n, size_t partner, int on, char *err, size_t cap);
/* The namespace name of cell i, or of the router (i == (size_t)-1). */
const char *simnet_ns_name(const simnet *n, size_t cell);
/* Removes namespaces s7sim<PID>-* left by simulations whose process is gone.  Returns how
 * many were removed. */
int simnet_stale(void);

#endif
