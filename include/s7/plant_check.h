/* s7kit live plant check: every documented connection of a plant checked from the machine
 * running it (an engine in diag/, built on the client and the doctor; docs/plant.md).
 *
 * Where from: each connection is checked from its active partner's documented address when
 * this machine holds it (the sockets are bound to it), or from the address of the partner
 * o->as names.  Each result records its time, host, source address and whether that is the
 * active partner's; checked from anywhere else, a result that would pass (or a network
 * failure) is S7_PLANT_UNPROVEN (plant.h).
 *
 * Per connection: the doctor (diag.h) walks the ladder with the connection's TSAPs
 * (reachable, CR accepted, setup, PUT/GET permitted) and checks each DB and area the
 * exchanges touch; then, over one client connection, every exchange's ranges are read.  A
 * PUT exchange is written only with allow_write, and then only with the bytes just read
 * (read, write the same bytes, read again and compare), so the process is not disturbed.
 * A connection whose active partner is a documented CPU (role plc) in STOP fails with
 * cpu_stopped: that CPU's program calls no GET/PUT.  Its mode comes from the doctor's
 * reading when it was checked as a passive partner before, else it is read once per check
 * over a connection documented to it.
 * The result is an s7_plant_check_report (plant.h); printing it is the caller's. */
#ifndef S7_PLANT_CHECK_H
#define S7_PLANT_CHECK_H

#include <stddef.h>

#include "diag.h"
#include "err.h"
#include "plant.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_plant_check_opts {
    int allow_write;         /* verify PUT exchanges by writing back the bytes just read */
    long timeout_ms;         /* per connection step; 0: the client's defaults */
    const char *const *only; /* connection names to check (nonly of them); none: every one */
    size_t nonly;
    /* called after each connection is checked (for progress output), i its index in the
     * report; may be NULL */
    void (*on_conn)(void *ctx, const s7_plant_check_report *r, size_t i);
    void *ctx;
    /* check from this partner's address (a partner name; NULL: each connection's active
     * partner's).  Its address is bound when this machine holds it. */
    const char *as;
    /* recorded in each result: the network namespace the caller entered (NULL none) */
    const char *netns;
} s7_plant_check_opts;

/* Defaults: no writes, default timeouts, every connection, no callback, each connection from
 * its active partner's address when this machine holds it. */
S7_API void s7_plant_check_opts_init(s7_plant_check_opts *o);

/* The connections of a validated plant that o selects (o may be NULL: every one), in the
 * plant's order: each report entry's conn points at it.  Returns 0 with *out
 * (s7_plant_check_report_free), S7_ERR_INVAL (a name in o->only is no connection) or
 * S7_ERR_NOMEM (S7_ERR_INVAL too for an o->as that is no partner).  Runs the checks, which
 * take up to a few timeouts per connection; report fields time, from and as are left for
 * the caller. */
S7_API int s7_plant_check(const s7_plant *p, const s7_plant_check_opts *o,
                          s7_plant_check_report **out);

/* Can this machine (in its current network namespace) send from address (a socket binds
 * to it)?  1 yes, 0 no. */
S7_API int s7_plant_check_holds(const char *address);

/* The DBs and areas the exchanges of connection c touch, one target each (DB number and
 * area kept apart), each as long as its ranges need (T and C: elements): what
 * s7_plant_check has the doctor check for a connection, and what s7 doctor --inventory
 * --as checks when no --db or --area is given.  Writes at most cap targets into t and
 * returns how many. */
S7_API size_t s7_plant_check_targets(const s7_plant_conn *c, s7_diag_target *t, size_t cap);

#ifdef __cplusplus
}
#endif

#endif
