/* s7kit diagnostics on the plant model: what needs the network and the system's resolver
 * (an engine in diag/, over the plant model of plant.h).
 *
 *   s7_diag_plant_resolver  the system resolver (getaddrinfo) as a plant resolver, for
 *                           s7_plant_resolve_hosts (plant.h): partners known by host name
 *                           get their address when rules are made or paths checked.
 *   s7_diag_fw_verify       from this host as a partner, probe every documented path of
 *                           that partner (must connect) and every other documented CPU's
 *                           S7 port (must be dropped): does the firewall do what the
 *                           inventory says?
 *   s7_diag_scan_inventory  a scan's hosts against the inventory: documented CPUs found,
 *                           documented CPUs missing, undocumented hosts serving S7. */
#ifndef S7_DIAG_PLANT_H
#define S7_DIAG_PLANT_H

#include <stddef.h>

#include "diag.h"
#include "err.h"
#include "plant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* An s7_plant_resolver over getaddrinfo (any family, TCP); ctx unused.  The addresses in
 * the order the resolver gives them, at most cap; < 0 with its words in err when the name
 * does not resolve.  Numeric shorthand ("10.1.2", "010.0.0.1") is refused with the
 * client's sentence (s7_host_check, client.h). */
S7_API int s7_diag_plant_resolver(void *ctx, const char *host, s7_plant_addr *out, size_t cap,
                                  char *err, size_t errcap);

typedef struct s7_diag_fw_verify_opts {
    const char *as;         /* the partner this run stands in for (required) */
    const char *rules_file; /* the rule file applied (hashed, its comments looked up); NULL */
    long timeout_ms;        /* how long a probe waits for an answer; 0: 2000 */
} s7_diag_fw_verify_opts;

/* Probes, all at once, from this host: every documented connection whose active partner
 * is o->as (expected open) and every other documented CPU (a passive partner, or a partner
 * with the plc role) on its S7 port that o->as has no connection to (expected dropped, in
 * its cell and in others).  When the partner's address is on this host, every probe binds
 * it (*from_partner = 1, (*out)->source is the address); otherwise the probes leave from
 * this host's own address and note says so (the run is not from the partner).  A row's
 * rule is the comment of the rule that lets it pass (or of the final drop), with "(not
 * in FILE)" when o->rules_file does not contain it; the file's SHA-256 is recorded.
 * Targets of another address family than the partner's are not probed (counted in note).
 * Observed: open (connected), dropped (no answer within the timeout), rejected (a TCP
 * reset or an ICMP error), no-route (this host has no route), error.  The plant must be validated with every address known
 * (s7_plant_resolve_hosts).  Returns 0 with *out (s7_plant_fw_verify_free), S7_ERR_INVAL
 * with a message in note (o->as is no partner, has no address, or the rule file cannot be
 * read), or S7_ERR_NOMEM. */
S7_API int s7_diag_fw_verify(const s7_plant *p, const s7_diag_fw_verify_opts *o,
                             s7_plant_fw_verify **out, int *from_partner, char *note,
                             size_t notecap);

/* How a scanned host or a documented CPU compares with the inventory. */
enum {
    S7_SCAN_INV_FOUND = 0,        /* documented CPU, answering */
    S7_SCAN_INV_MISSING = 1,      /* documented CPU in the targets, not answering */
    S7_SCAN_INV_UNDOCUMENTED = 2, /* answering, not a documented CPU (maybe another partner) */
    S7_SCAN_INV_NOT_SCANNED = 3   /* documented CPU outside the targets, on another port or
                                  * not IPv4: nothing said about it */
};

typedef struct s7_scan_inv_row {
    int cls;                    /* S7_SCAN_INV_* */
    const s7_plant_partner *pt; /* the partner at that address (NULL: none) */
    const s7_scan_host *host;   /* the scanned host (NULL for not scanned) */
} s7_scan_inv_row;

/* Compares hosts (every host of a scan of port, answering or not) with the plant's
 * documented CPUs (passive partners and partners with the plc role): one row per
 * documented CPU (found, missing or not scanned, in the plant's order) and one per
 * answering host that is not one (undocumented, in the hosts' order).  0 with *rows
 * (free()) and *nrows, or S7_ERR_NOMEM. */
S7_API int s7_diag_scan_inventory(const s7_plant *p, uint16_t port, const s7_scan_host *hosts,
                                  size_t nhosts, s7_scan_inv_row **rows, size_t *nrows);
/* "found", "missing", "undocumented", "not_scanned". */
S7_API const char *s7_scan_inv_name(int cls);

#ifdef __cplusplus
}
#endif

#endif
