/* s7config: the YAML spelling of the exchange job model (include/s7/exchange.h), shared by
 * the loaders that hold a connection table and jobs: the server configuration
 * (s7_config_load_exchange reads its connections: and jobs:) and other files built on the
 * same model.  Internal to s7config; the format is in docs/exchange.md. */
#ifndef S7_CONFIG_EXCHANGE_YAML_H
#define S7_CONFIG_EXCHANGE_YAML_H

#include "config/yaml.h"
#include "s7/exchange.h"

/* connections: a list of mappings (id, name, host, port, rack, slot, type, tsap, pdu, side)
 * appended to x.  0, or -1 with "FILE:LINE: ..." in y->err. */
int s7__yaml_xconns(yaml_cx *y, struct fy_node *v, s7_exchange *x);

/* jobs: a list of mappings (name, kind, connection or partner keys, addr, local or areas,
 * every or req, ndr / done, error, status) or of one-line jobs (strings), appended to x and
 * each validated (s7_xjob_validate).  Load connections: first.  0, or -1 with
 * "FILE:LINE: job NAME: ..." in y->err. */
int s7__yaml_xjobs(yaml_cx *y, struct fy_node *v, s7_exchange *x);

#endif
