/* s7kit file formats (the s7config library, target s7kit::config): loading the plant model
 * (plant.h) and the server configuration model (server_config.h) from YAML files.  libs7
 * itself needs only libc; s7config links libs7 and libfyaml, and programs that read these
 * files (the s7 command line, a GUI, a gateway) link it.
 *
 * Errors are written into the caller's buffer as "FILE:LINE: what is wrong and what would be
 * right" ("FILE: ..." when no line applies; "cannot read the inventory FILE: REASON" when the
 * file cannot be opened).  The formats are described in docs/inventory.md and
 * docs/server.md. */
#ifndef S7_CONFIG_H
#define S7_CONFIG_H

#include <stddef.h>

#include "err.h"
#include "exchange.h"
#include "plant.h"
#include "plant_policy.h"
#include "server_config.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Loads and validates an inventory file (s7_plant_validate), with every entry's line
 * recorded; the plant's file is path and its title defaults to path.  Returns 0 with *out
 * (s7_plant_free), or S7_ERR_INVAL / S7_ERR_NOMEM with the message in err. */
S7_API int s7_config_load_plant(const char *path, s7_plant **out, char *err, size_t errcap);
/* Like s7_config_load_plant, but calls fn with every problem: one for an error of the
 * file's syntax (the reading stops there), else each problem s7_plant_validate_each finds
 * (worded as above; fn returns non-zero to stop).  Returns 0 with *out, the number of
 * problems (> 0), or S7_ERR_NOMEM (fn was told "out of memory"). */
S7_API int s7_config_load_plant_each(const char *path, s7_plant **out,
                                     int (*fn)(void *ctx, const char *msg), void *ctx);

/* Loads a server configuration file into c (initialised with s7_server_config_init; what
 * the file names is set, the rest kept).  Initial values record "FILE:LINE" as where they
 * came from.  Returns 0, or S7_ERR_INVAL / S7_ERR_NOMEM with the message in err (c may
 * then hold part of the file: free it). */
S7_API int s7_config_load_server(const char *path, s7_server_config *c, char *err, size_t errcap);

/* Loads the connection table (connections:) and the GET/PUT jobs (jobs:) of a file into x
 * (s7_exchange_init first; appended), other top-level keys ignored: the server
 * configuration holds them next to its own keys (docs/exchange.md).  Each job is validated
 * against its connection's PDU.  Returns 0, or S7_ERR_INVAL with "FILE:LINE: job NAME: what
 * is wrong; the fix" in err (x may then hold part of the file: s7_exchange_free). */
S7_API int s7_config_load_exchange(const char *path, s7_exchange *x, char *err, size_t errcap);

/* Reads back the JSON that `s7 inventory check --json` printed (the report's --check).
 * Returns 0 with *out (s7_plant_check_report_free; each entry's conn is NULL), or
 * S7_ERR_INVAL / S7_ERR_NOMEM with "cannot read it: REASON" or "not the JSON output of s7
 * inventory check --json (no connections list)" in err. */
S7_API int s7_config_load_check(const char *path, s7_plant_check_report **out, char *err,
                                size_t errcap);

/* Reads back the JSON of a firewall verification (`s7 inventory verify-firewall --json`,
 * the report's --verify; docs/schema/s7-inventory-verify-firewall.schema.json: time, host,
 * as, source, from_partner, note, rules {file, sha256}, paths [{from, to, address, port,
 * expected, observed, status, rule}]).  Returns 0 with *out (s7_plant_fw_verify_free), or
 * S7_ERR_INVAL / S7_ERR_NOMEM with FILE:LINE and what is wrong in err. */
S7_API int s7_config_load_fw_verify(const char *path, s7_plant_fw_verify **out, char *err,
                                    size_t errcap);

/* Loads the file of `s7 exchange FILE` (docs/exchange.md): the partners (as the inventory
 * lists them) and the jobs (the one-line spelling of exchange.h, each with the CPU of its
 * local side) into *out (s7_bridge_config_free).  Returns 0, or S7_ERR_INVAL / S7_ERR_NOMEM
 * with "FILE:LINE: what is wrong and what would be right" in err. */
struct s7_bridge_config;
S7_API int s7_config_load_bridge(const char *path, struct s7_bridge_config *out, char *err,
                                 size_t errcap);

/* Loads the guard's rules file (docs/guard.md: partners with address, type, TSAPs, read
 * and write ranges, services, limits, shared or dedicated upstream).  Returns 0 with *out
 * (s7_policy_free), or S7_ERR_INVAL / S7_ERR_NOMEM with FILE:LINE and what is wrong in err. */
S7_API int s7_config_load_guard_rules(const char *path, s7_policy **out, char *err, size_t errcap);

#ifdef __cplusplus
}
#endif

#endif
