/* s7config: a byte range as a YAML value (range_yaml.h), shared by the inventory loader and
 * the guard's rules file. */
#include <libfyaml.h>
#include <stdio.h>
#include <string.h>

#include "config/range_yaml.h"
#include "config/yaml.h"
#include "s7/plant.h"
#include "s7/wire.h"

/* A range written as text: "DB10.DBB0..DBB63", "DB10.DBB0..63", "DB10.DBW4", "MB0..MB15". */
static int parse_range_text(yaml_cx *y, struct fy_node *v, const char *key, const char *s,
                            s7_plant_range *r)
{
    char msg[700];
    if (s7_plant_parse_range(s, key, r, msg, sizeof msg))
        return s7__yaml_err(y, v, "%s", msg);
    return 0;
}

typedef struct range_cx {
    s7_plant_range *r;
    int have_db, have_area, have_off, have_len;
    char where[64];
} range_cx;

static int on_range_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    range_cx *rc = ctx;
    char key[128], s[64];
    long n;
    snprintf(key, sizeof key, "%s.%s", rc->where, k);
    if (strcmp(k, "db") == 0) {
        if (s7__yaml_get_long(y, v, key, 1, 65535, "db: 10", &n))
            return -1;
        rc->r->db = (uint16_t)n;
        rc->have_db = 1;
    } else if (strcmp(k, "area") == 0) {
        uint8_t a;
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (s7_plant_parse_area(s, &a))
            return s7__yaml_err(y, v,
                                "%s: '%s' is no area: DB, I, Q or M (write timers and counters as "
                                "text: T0..T15, C0..C7)",
                                key, s);
        rc->r->area = a;
        rc->have_area = 1;
    } else if (strcmp(k, "offset") == 0 || strcmp(k, "start") == 0) {
        static const char *const one[] = {"offset", "start", NULL};
        if (s7__yaml_key_once(y, kn, rc->where, k, one))
            return -1;
        if (s7__yaml_get_long(y, v, key, 0, 65535, "offset: 0", &n))
            return -1;
        rc->r->offset = (uint32_t)n;
        rc->have_off = 1;
    } else if (strcmp(k, "length") == 0 || strcmp(k, "size") == 0) {
        static const char *const one[] = {"length", "size", NULL};
        if (s7__yaml_key_once(y, kn, rc->where, k, one))
            return -1;
        if (s7__yaml_get_long(y, v, key, 1, 65536, "length: 64 (bytes)", &n))
            return -1;
        rc->r->length = (uint32_t)n;
        rc->have_len = 1;
    } else {
        return s7__yaml_err(y, kn, "%s: unknown key '%s' (keys: db, area, offset, length)",
                            rc->where, k);
    }
    return 0;
}

int s7__yaml_range(yaml_cx *y, struct fy_node *v, const char *where, s7_plant_range *r)
{
    memset(r, 0, sizeof *r);
    r->line = s7__yaml_line(v);
    if (s7__yaml_is_null(v))
        return s7__yaml_err(y, v, "%s: no range given; %s", where, s7_plant_range_forms());
    if (fy_node_is_scalar(v)) {
        char s[200];
        if (s7__yaml_scalar(y, v, where, s, sizeof s))
            return -1;
        return parse_range_text(y, v, where, s, r);
    }
    if (!fy_node_is_mapping(v))
        return s7__yaml_err(y, v, "%s: expected one range, got a list; %s", where,
                            s7_plant_range_forms());
    range_cx rc;
    memset(&rc, 0, sizeof rc);
    rc.r = r;
    snprintf(rc.where, sizeof rc.where, "%s", where);
    if (s7__yaml_each_pair(y, v, where, on_range_key, &rc))
        return -1;
    if (!rc.have_area)
        r->area = S7_AREA_DB;
    if (r->area == S7_AREA_DB && !rc.have_db)
        return s7__yaml_err(y, v,
                            "%s: no db (e.g. {db: 10, offset: 0, length: 64}; for I/Q/M give "
                            "area: M)",
                            where);
    if (r->area != S7_AREA_DB && rc.have_db)
        return s7__yaml_err(y, v, "%s: db given for area %s: a DB number belongs only to area DB",
                            where,
                            r->area == S7_AREA_I   ? "I"
                            : r->area == S7_AREA_Q ? "Q"
                                                   : "M");
    if (!rc.have_len)
        return s7__yaml_err(y, v, "%s: no length (bytes), e.g. {db: %u, offset: %u, length: 64}",
                            where, r->db, r->offset);
    if (r->offset + r->length > 65536)
        return s7__yaml_err(
            y, v,
            "%s: offset %u + length %u ends beyond byte 65535: PUT/GET addresses at "
            "most 64 KB of an area",
            where, r->offset, r->length);
    return 0;
}
