/* s7config: the connection keys of a partner entry (profile, rack, slot, tsap, type), read
 * the same way by the files that list partners: the connection inventory (plant_yaml.c) and
 * the file of `s7 exchange` (bridge_yaml.c), whose partner lists may be copied from an
 * inventory.  Internal to s7config.  Each reads scalar v of key KEY (the name used in the
 * message) and returns 0, or -1 with "FILE:LINE: KEY: ..." in y->err. */
#ifndef S7_CONFIG_PARTNER_YAML_H
#define S7_CONFIG_PARTNER_YAML_H

#include <stddef.h>
#include <stdint.h>

#include "config/yaml.h"
#include "s7/cpu.h"

/* profile: a built-in profile's name (s7_profile_find): the text as written into s (of size
 * cap), the profile into *out. */
int s7__yaml_partner_profile(yaml_cx *y, struct fy_node *v, const char *key, char *s, size_t cap,
                             const s7_profile **out);

/* rack: 0..7; slot: 0..31. */
int s7__yaml_partner_rack(yaml_cx *y, struct fy_node *v, const char *key, int *out);
int s7__yaml_partner_slot(yaml_cx *y, struct fy_node *v, const char *key, int *out);

/* tsap: "LOCAL:REMOTE" in hex, the remote one not 0. */
int s7__yaml_partner_tsap(yaml_cx *y, struct fy_node *v, const char *key, uint16_t *local,
                          uint16_t *remote);

/* type: pg, op or basic (s7_plant_parse_type) into *out. */
int s7__yaml_partner_type(yaml_cx *y, struct fy_node *v, const char *key, int *out);

#endif
