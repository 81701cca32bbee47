/* s7config: one byte range of an area as a YAML value, read the same way by the files that
 * list ranges: the connection inventory's exchanges (plant_yaml.c) and the guard's rules
 * file (guard_yaml.c), whose documentation says it takes the inventory's forms.  Internal to
 * s7config. */
#ifndef S7_CONFIG_RANGE_YAML_H
#define S7_CONFIG_RANGE_YAML_H

#include "config/yaml.h"
#include "s7/plant.h"

/* Range v, named WHERE in messages: text in any form s7_plant_parse_range takes
 * ("DB10.DBB0..DBB63", "MB0..MB15", "T0..T15", ...) or a mapping {db, area, offset,
 * length} (start and size also taken).  0, or -1 with "FILE:LINE: WHERE: ..." in y->err. */
int s7__yaml_range(yaml_cx *y, struct fy_node *v, const char *where, s7_plant_range *r);

#endif
