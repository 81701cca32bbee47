/* s7config: the server configuration loader (include/s7/config.h s7_config_load_server).
 * Reads the YAML file of `s7 server --config` (the schema is in docs/server.md, an example
 * in docs/server-example.yaml) with the shared YAML layer (yaml.c) into the server
 * configuration model (include/s7/server_config.h), whose parsers it shares with the
 * command line's flags.  Unknown keys are errors (a misspelt key must not silently fall back
 * to a default). */
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <stddef.h>
#include <string.h>
#include <strings.h>

#include "config/yaml.h"
#include "s7/config.h"
#include "s7/cpu.h"
#include "s7/retain.h"
#include "s7/server_config.h"
#include "s7/tag.h"
#include "s7/wire.h"

/* ---------------------------------------------------------------- YAML */

/* The configuration being loaded (the yaml_cx's user). */
static s7_server_config *cfg_of(yaml_cx *y) { return y->user; }

/* s7__yaml_get_long in the flags' number syntax, with "KEY: EX" as the example. */
static int get_long(yaml_cx *y, struct fy_node *v, const char *key, long min, long max,
                    const char *ex, long *out)
{
    char example[256];
    snprintf(example, sizeof example, "%s: %s", key, ex);
    return s7__yaml_get_long(y, v, key, min, max, example, out);
}

/* A timeout: milliseconds (a bare number) or a duration with its unit (tag.h
 * s7_duration_parse: "5s", "500ms", "1min"), min..max ms (0 = never). */
static int get_ms(yaml_cx *y, struct fy_node *v, const char *key, long min, long max,
                  const char *ex, long *out)
{
    char s[64], why[200];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (s7_duration_parse(s, 1, min, max, out, why, sizeof why))
        return s7__yaml_err(
            y, v, "%s: %s (a bare number is milliseconds, 0 = never), e.g. %s: %s or %s: 5s", key,
            why, key, ex, key);
    return 0;
}

static int get_bool(yaml_cx *y, struct fy_node *v, const char *key, int *out)
{
    char s[32];
    if (s7__yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (s7_server_parse_bool(s, out))
        return s7__yaml_err(y, v, "%s: '%s' is not a yes/no value: use true or false", key, s);
    return 0;
}

/* max_connections: {total, pg, op, basic} */
static int on_maxconn(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    (void)ctx;
    int t;
    long n;
    if (s7_server_parse_conn_type(k, &t))
        return s7__yaml_err(y, kn,
                            "max_connections: unknown type '%s' (types: total, pg, op, basic)", k);
    if (s7__yaml_is_null(v))
        return 0;
    char key[64];
    snprintf(key, sizeof key, "max_connections.%s", k);
    if (get_long(y, v, key, 0, 65535, "16", &n))
        return -1;
    cfg_of(y)->max_conn[t] = (int)n;
    return 0;
}

/* identity: {order_code, firmware, module_type, as_name, module_name, plant_id, copyright, serial} */
static int on_identity(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    (void)ctx;
    s7_server_identity *id = &cfg_of(y)->id;
    if (s7__yaml_is_null(v))
        return 0;
    char key[64];
    snprintf(key, sizeof key, "identity.%s", k);
    if (strcmp(k, "firmware") == 0) {
        char s[32];
        unsigned a, b, c;
        char tail;
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        const char *p = (s[0] == 'V' || s[0] == 'v') ? s + 1 : s;
        if (sscanf(p, "%u.%u.%u%c", &a, &b, &c, &tail) != 3 || a > 255 || b > 255 || c > 255)
            return s7__yaml_err(y, v,
                                "%s: '%s' must be a version a.b.c with numbers 0..255, e.g. "
                                "firmware: \"2.9.4\"",
                                key, s);
        id->fw[0] = (int)a;
        id->fw[1] = (int)b;
        id->fw[2] = (int)c;
        return 0;
    }
    struct {
        const char *name;
        char **dst;
        size_t max;
    } f[] = {
        {"order_code", &id->order_code, 20}, {"module_type", &id->module_type, 32},
        {"as_name", &id->as_name, 24},       {"module_name", &id->module_name, 24},
        {"plant_id", &id->plant_id, 32},     {"copyright", &id->copyright, 26},
        {"serial", &id->serial, 24},
    };
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++) {
        if (strcmp(k, f[i].name) != 0)
            continue;
        if (s7__yaml_get_str(y, v, key, f[i].dst))
            return -1;
        if (strlen(*f[i].dst) > f[i].max)
            return s7__yaml_err(y, v,
                                "%s: '%s' is %zu characters; the SZL record holds at most %zu", key,
                                *f[i].dst, strlen(*f[i].dst), f[i].max);
        return 0;
    }
    return s7__yaml_err(y, kn,
                        "identity: unknown key '%s' (keys: order_code, firmware, module_type, "
                        "as_name, module_name, plant_id, copyright, serial)",
                        k);
}

/* areas: {I: {size, access}, Q: ..., M: ..., T: ..., C: ..., DB: {access}}; a plain value
 * is the access. */
typedef struct area_cx {
    uint8_t area;
    const char *name;
} area_cx;

/* The access rule just added came from node at: its FILE:LINE for later messages. */
static void mark_access(yaml_cx *y, struct fy_node *at)
{
    s7_server_access *a = &cfg_of(y)->access[cfg_of(y)->naccess - 1];
    snprintf(a->from, sizeof a->from, "%s:%d", y->file, s7__yaml_line(at));
}

static int on_area_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    area_cx *a = ctx;
    char key[64], s[64];
    snprintf(key, sizeof key, "areas.%s.%s", a->name, k);
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "size") == 0) {
        if (a->area == S7_AREA_DB)
            return s7__yaml_err(y, kn, "%s: DBs have no common size: give each its size under dbs",
                                key);
        int tc = a->area == S7_AREA_T || a->area == S7_AREA_C;
        long n;
        if (get_long(y, v, key, 1, tc ? 32768 : 65536, tc ? "256" : "1024", &n))
            return -1;
        int idx = a->area == S7_AREA_I   ? S7_SERVER_AREA_I
                  : a->area == S7_AREA_Q ? S7_SERVER_AREA_Q
                  : a->area == S7_AREA_M ? S7_SERVER_AREA_M
                  : a->area == S7_AREA_T ? S7_SERVER_AREA_T
                                         : S7_SERVER_AREA_C;
        cfg_of(y)->area_size[idx] = n;
        snprintf(cfg_of(y)->area_from[idx], sizeof cfg_of(y)->area_from[idx], "%s:%d", y->file,
                 s7__yaml_line(kn));
        return 0;
    }
    if (strcmp(k, "access") == 0) {
        int acc;
        char msg[200];
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (s7_server_parse_access(s, &acc, msg, sizeof msg))
            return s7__yaml_err(y, v, "%s: %s", key, msg);
        if (s7_server_config_add_access(cfg_of(y), a->area, 0, acc))
            return s7__yaml_oom(y);
        mark_access(y, v);
        return 0;
    }
    return s7__yaml_err(y, kn, "areas.%s: unknown key '%s' (keys: size, access)", a->name, k);
}

static int on_area(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    (void)ctx;
    int code = s7_server_area_code(k);
    if (code < 0)
        return s7__yaml_err(y, kn, "areas: unknown area '%s' (areas: I, Q, M, T, C, DB)", k);
    if (s7__yaml_is_null(v))
        return 0;
    area_cx a = {(uint8_t)code, k};
    if (fy_node_is_scalar(v)) { /* areas: {M: read-only} */
        char s[64], msg[200], key[64];
        int acc;
        snprintf(key, sizeof key, "areas.%s", k);
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (s7_server_parse_access(s, &acc, msg, sizeof msg))
            return s7__yaml_err(y, v, "%s: %s", key, msg);
        if (s7_server_config_add_access(cfg_of(y), a.area, 0, acc))
            return s7__yaml_oom(y);
        mark_access(y, v);
        return 0;
    }
    char what[64];
    snprintf(what, sizeof what, "areas.%s", k);
    return s7__yaml_each_pair(y, v, what, on_area_key, &a);
}

/* A value node as the text s7_value_parse takes: a scalar as is, a list as [a, b, c]. */
static int value_text(yaml_cx *y, struct fy_node *v, const char *key, char *out, size_t cap)
{
    if (s7__yaml_is_null(v))
        return s7__yaml_err(y, v, "%s: no value given", key);
    if (fy_node_is_scalar(v))
        return s7__yaml_scalar(y, v, key, out, cap);
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v, "%s: expected a value or a list of values, got a mapping", key);
    size_t len = 0;
    out[len++] = '[';
    void *it = NULL;
    struct fy_node *e;
    int first = 1;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        char s[512];
        if (s7__yaml_scalar(y, e, key, s, sizeof s))
            return -1;
        int n = snprintf(out + len, cap - len, "%s%s", first ? "" : ", ", s);
        if (n < 0 || (size_t)n >= cap - len)
            return s7__yaml_err(y, v, "%s: list too long", key);
        len += (size_t)n;
        first = 0;
    }
    if (len + 2 > cap)
        return s7__yaml_err(y, v, "%s: list too long", key);
    out[len++] = ']';
    out[len] = 0;
    return 0;
}

/* values: {ADDRESS: VALUE}, with an optional DB prefix for addresses inside a DB. */
typedef struct values_cx {
    int db; /* 0: addresses are absolute */
} values_cx;

static int on_value(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    values_cx *vc = ctx;
    char addr[200], val[4096], assign[4400];
    int absolute = !vc->db || k[0] == '%' ||
                   ((k[0] == 'D' || k[0] == 'd') && (k[1] == 'B' || k[1] == 'b') &&
                    isdigit((unsigned char)k[2]));
    if (absolute)
        snprintf(addr, sizeof addr, "%s", k);
    else
        snprintf(addr, sizeof addr, "DB%d.%s", vc->db, k);
    char key[240];
    snprintf(key, sizeof key, "values.%s", addr);
    if (value_text(y, v, key, val, sizeof val))
        return -1;
    snprintf(assign, sizeof assign, "%s=%s", addr, val);
    char from[300];
    snprintf(from, sizeof from, "%s:%d", y->file, s7__yaml_line(kn));
    return s7_server_config_add_value(cfg_of(y), assign, from) ? s7__yaml_oom(y) : 0;
}

static int load_values(yaml_cx *y, struct fy_node *v, int db)
{
    values_cx vc = {db};
    if (s7__yaml_is_null(v))
        return 0;
    if (fy_node_is_sequence(v)) { /* - "DB1.DBW0=5" */
        void *it = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it))) {
            char s[4400];
            if (s7__yaml_scalar(y, e, "values", s, sizeof s))
                return -1;
            if (!strchr(s, '='))
                return s7__yaml_err(y, e,
                                    "values: '%s' is no assignment: write ADDRESS: VALUE (or "
                                    "\"ADDRESS=VALUE\"), e.g. DB1.DBD4:REAL: 3.5",
                                    s);
            char buf[4420];
            if (db && s[0] != '%' &&
                !((s[0] == 'D' || s[0] == 'd') && (s[1] == 'B' || s[1] == 'b') &&
                  isdigit((unsigned char)s[2])))
                snprintf(buf, sizeof buf, "DB%d.%s", db, s);
            else
                snprintf(buf, sizeof buf, "%s", s);
            char from[300];
            snprintf(from, sizeof from, "%s:%d", y->file, s7__yaml_line(e));
            if (s7_server_config_add_value(cfg_of(y), buf, from))
                return s7__yaml_oom(y);
        }
        return 0;
    }
    return s7__yaml_each_pair(y, v, "values", on_value, &vc);
}

/* dbs: - {number, size, optimized, read_only, retain, access, values} */
typedef struct db_cx {
    s7_server_db d;
    int have_num, have_size;
    struct fy_node *values;
    char where[32];
} db_cx;

static int on_db_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    db_cx *d = ctx;
    char key[96];
    snprintf(key, sizeof key, "%s.%s", d->where, k);
    long n;
    int b;
    if (strcmp(k, "values") == 0) {
        d->values = v;
        return 0;
    }
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "number") == 0 || strcmp(k, "db") == 0) {
        static const char *const one[] = {"number", "db", NULL};
        if (s7__yaml_key_once(y, kn, d->where, k, one))
            return -1;
        if (get_long(y, v, key, 1, 65535, "1", &n))
            return -1;
        d->d.num = (uint16_t)n;
        d->have_num = 1;
    } else if (strcmp(k, "size") == 0) {
        if (get_long(y, v, key, 1, 65535, "256", &n))
            return -1;
        d->d.size = (uint32_t)n;
        d->have_size = 1;
    } else if (strcmp(k, "optimized") == 0 || strcmp(k, "read_only") == 0 ||
               strcmp(k, "retain") == 0) {
        unsigned f = strcmp(k, "optimized") == 0   ? S7_DB_OPTIMIZED
                     : strcmp(k, "read_only") == 0 ? S7_DB_READONLY
                                                   : S7_DB_RETAIN;
        if (get_bool(y, v, key, &b))
            return -1;
        if (b)
            d->d.flags |= f;
        else
            d->d.flags &= ~f;
    } else if (strcmp(k, "access") == 0) {
        char s[64], msg[200];
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (s7_server_parse_access(s, &d->d.access, msg, sizeof msg))
            return s7__yaml_err(y, v, "%s: %s", key, msg);
    } else {
        return s7__yaml_err(
            y, kn,
            "%s: unknown key '%s' (keys: number, size, optimized, read_only, retain, "
            "access, values)",
            d->where, k);
    }
    return 0;
}

static int load_dbs(yaml_cx *y, struct fy_node *v)
{
    if (s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v,
                            "dbs: expected a list of DBs (lines starting with '- number: N')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        db_cx d;
        memset(&d, 0, sizeof d);
        d.d.access = -1;
        snprintf(d.where, sizeof d.where, "dbs[%d]", i);
        if (fy_node_is_scalar(e)) { /* - "5:100:retain", the flag's syntax */
            char s[128], msg[300];
            if (s7__yaml_scalar(y, e, d.where, s, sizeof s))
                return -1;
            if (s7_server_parse_db(s, &d.d, msg, sizeof msg))
                return s7__yaml_err(y, e, "%s: %s", d.where, msg);
        } else {
            if (s7__yaml_each_pair(y, e, d.where, on_db_key, &d))
                return -1;
            if (!d.have_num)
                return s7__yaml_err(y, e, "%s: no number (e.g. number: 1)", d.where);
            if (!d.have_size)
                return s7__yaml_err(y, e, "%s: DB%u has no size (e.g. size: 256, 1..65535 bytes)",
                                    d.where, d.d.num);
        }
        snprintf(d.d.from, sizeof d.d.from, "%s:%d", y->file, s7__yaml_line(e));
        for (size_t k = 0; k < cfg_of(y)->ndbs; k++)
            if (cfg_of(y)->dbs[k].num == d.d.num)
                return s7__yaml_err(y, e, "%s: DB%u is defined twice", d.where, d.d.num);
        if (s7_server_config_put_db(cfg_of(y), &d.d))
            return s7__yaml_oom(y);
        if (d.values && load_values(y, d.values, d.d.num))
            return -1;
        i++;
    }
    return 0;
}

/* blocks: - {type: FC, number: 1, size: 120, know_how: false} */
typedef struct blk_cx {
    s7_server_block b;
    int have_type, have_num;
    char where[32];
} blk_cx;

static int on_block_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    blk_cx *d = ctx;
    char key[96], s[32];
    snprintf(key, sizeof key, "%s.%s", d->where, k);
    long n;
    int b;
    if (s7__yaml_is_null(v))
        return 0;
    if (strcmp(k, "type") == 0) {
        static const struct {
            const char *n;
            uint8_t t;
        } T[] = {{"OB", S7_BLOCK_OB},   {"FC", S7_BLOCK_FC},   {"FB", S7_BLOCK_FB},
                 {"SDB", S7_BLOCK_SDB}, {"SFC", S7_BLOCK_SFC}, {"SFB", S7_BLOCK_SFB}};
        if (s7__yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        for (size_t i = 0; i < sizeof T / sizeof T[0] && !d->have_type; i++)
            if (strcasecmp(s, T[i].n) == 0) {
                d->b.type = T[i].t;
                d->have_type = 1;
            }
        if (!d->have_type)
            return s7__yaml_err(
                y, v,
                "%s: unknown block type '%s' (types: OB, FC, FB, SDB, SFC, SFB; DBs "
                "go under dbs:)",
                key, s);
    } else if (strcmp(k, "number") == 0) {
        if (get_long(y, v, key, 0, 65535, "1", &n))
            return -1;
        d->b.number = (uint16_t)n;
        d->have_num = 1;
    } else if (strcmp(k, "size") == 0) {
        if (get_long(y, v, key, 0, 65535, "120", &n))
            return -1;
        d->b.size = (uint16_t)n;
    } else if (strcmp(k, "know_how") == 0 || strcmp(k, "know_how_protected") == 0) {
        static const char *const one[] = {"know_how", "know_how_protected", NULL};
        if (s7__yaml_key_once(y, kn, d->where, k, one))
            return -1;
        if (get_bool(y, v, key, &b))
            return -1;
        d->b.know_how = b;
    } else {
        return s7__yaml_err(y, kn, "%s: unknown key '%s' (keys: type, number, size, know_how)",
                            d->where, k);
    }
    return 0;
}

static int load_blocks(yaml_cx *y, struct fy_node *v)
{
    if (s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(y, v,
                            "blocks: expected a list of blocks (lines starting with '- type: FC')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        blk_cx d;
        memset(&d, 0, sizeof d);
        d.b.size = 38;
        snprintf(d.where, sizeof d.where, "blocks[%d]", i);
        if (s7__yaml_each_pair(y, e, d.where, on_block_key, &d))
            return -1;
        if (!d.have_type)
            return s7__yaml_err(y, e, "%s: no type (e.g. type: FC)", d.where);
        if (!d.have_num)
            return s7__yaml_err(y, e, "%s: no number (e.g. number: 1)", d.where);
        snprintf(d.b.from, sizeof d.b.from, "%s:%d", y->file, s7__yaml_line(e));
        if (s7_server_config_add_block(cfg_of(y), &d.b))
            return s7__yaml_oom(y);
        i++;
    }
    return 0;
}

/* alarms: a list of "ID:DBn.DBXb.i[:NAME]" or of {id, bit, name} (server/alarms.c). */
typedef struct alarm_cx {
    char id[32], bit[48], name[64];
    const char *where;
} alarm_cx;

static int on_alarm_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    alarm_cx *a = ctx;
    (void)kn;
    if (strcmp(k, "id") == 0)
        return s7__yaml_scalar(y, v, "id", a->id, sizeof a->id);
    if (strcmp(k, "bit") == 0)
        return s7__yaml_scalar(y, v, "bit", a->bit, sizeof a->bit);
    if (strcmp(k, "name") == 0)
        return s7__yaml_scalar(y, v, "name", a->name, sizeof a->name);
    return s7__yaml_err(y, kn, "%s: unknown key '%s' (keys: id, bit, name)", a->where, k);
}

static int load_alarms(yaml_cx *y, struct fy_node *v)
{
    if (s7__yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(
            y, v, "alarms: expected a list of alarms (lines starting with '- id: 0x1001')");
    void *it = NULL;
    struct fy_node *e;
    int i = 0;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        char where[32], spec[256], msg[300];
        snprintf(where, sizeof where, "alarms[%d]", i++);
        if (fy_node_is_scalar(e)) {
            if (s7__yaml_scalar(y, e, where, spec, sizeof spec))
                return -1;
        } else {
            alarm_cx a;
            memset(&a, 0, sizeof a);
            a.where = where;
            if (s7__yaml_each_pair(y, e, where, on_alarm_key, &a))
                return -1;
            if (!a.id[0] || !a.bit[0])
                return s7__yaml_err(y, e,
                                    "%s: an alarm needs an id and a bit (e.g. id: 0x1001, bit: "
                                    "DB5.DBX1.3)",
                                    where);
            snprintf(spec, sizeof spec, "%s:%s%s%s", a.id, a.bit, a.name[0] ? ":" : "", a.name);
        }
        s7_server_alarm al;
        if (s7_server_parse_alarm(spec, &al, msg, sizeof msg))
            return s7__yaml_err(y, e, "%s: %s", where, msg);
        snprintf(al.from, sizeof al.from, "%s:%d", y->file, s7__yaml_line(e));
        if (s7_server_config_add_alarm(cfg_of(y), &al))
            return s7__yaml_oom(y);
    }
    return 0;
}

/* One allow-list entry, checked here so that a bad one is named with its line. */
static int add_allow(yaml_cx *y, struct fy_node *at, const char *s)
{
    int rc = s7_server_config_add_allow(cfg_of(y), s);
    if (rc == S7_ERR_INVAL)
        return s7__yaml_err(y, at, "allow '%s': %s", s, s7_server_allow_hint());
    return rc ? s7__yaml_oom(y) : 0;
}

static int load_allow(yaml_cx *y, struct fy_node *v)
{
    cfg_of(y)->allow_set = 1;
    if (s7__yaml_is_null(v))
        return 0;
    char s[128];
    if (fy_node_is_scalar(v)) {
        if (s7__yaml_scalar(y, v, "allow", s, sizeof s))
            return -1;
        return add_allow(y, v, s);
    }
    if (!fy_node_is_sequence(v))
        return s7__yaml_err(
            y, v, "allow: expected a list of addresses or CIDR ranges, e.g. - 10.0.0.0/8");
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        if (s7__yaml_scalar(y, e, "allow", s, sizeof s))
            return -1;
        if (add_allow(y, e, s))
            return -1;
    }
    return 0;
}

static int on_top(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    (void)ctx;
    s7_server_config *c = cfg_of(y);
    char s[512], msg[400];
    long n;
    int b;
    if (strcmp(k, "dbs") == 0)
        return load_dbs(y, v);
    if (strcmp(k, "values") == 0)
        return load_values(y, v, 0);
    if (strcmp(k, "allow") == 0)
        return load_allow(y, v);
    if (strcmp(k, "connections") == 0 || strcmp(k, "jobs") == 0 || strcmp(k, "scan") == 0)
        return 0; /* the exchange jobs: s7_config_load_exchange (config/exchange_yaml.c) */
    if (strcmp(k, "alarms") == 0)
        return load_alarms(y, v);
    if (strcmp(k, "blocks") == 0)
        return load_blocks(y, v);
    if (s7__yaml_is_null(v))
        return 0; /* "key:" or "key: ~" keeps the default */
    if (strcmp(k, "profile") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (!s7_profile_find(s))
            return s7__yaml_err(y, v,
                                "profile: unknown profile '%s' (profiles: s7-300, s7-400, s7-1200, "
                                "s7-1500, logo8, s7-200smart)",
                                s);
        return s7__yaml_get_str(y, v, k, &c->profile);
    }
    if (strcmp(k, "listen") == 0) {
        char out[128];
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7_server_parse_listen(s, out, sizeof out, msg, sizeof msg))
            return s7__yaml_err(y, v, "listen: %s", msg);
        free(c->listen);
        return (c->listen = s7__yaml_strdup(out)) ? 0 : s7__yaml_oom(y);
    }
    if (strcmp(k, "rack") == 0) {
        if (get_long(y, v, k, 0, 7, "0", &n))
            return -1;
        c->rack = (int)n;
        return 0;
    }
    if (strcmp(k, "slot") == 0) {
        if (get_long(y, v, k, 0, 31, "1", &n))
            return -1;
        c->slot = (int)n;
        return 0;
    }
    if (strcmp(k, "put_get") == 0) {
        if (get_bool(y, v, k, &b))
            return -1;
        c->put_get = b;
        return 0;
    }
    if (strcmp(k, "pdu") == 0) {
        if (get_long(y, v, k, 240, 960, "480", &n))
            return -1;
        c->pdu = (int)n;
        return 0;
    }
    if (strcmp(k, "amq") == 0) {
        if (get_long(y, v, k, 1, 64, "8", &n))
            return -1;
        c->amq = (int)n;
        return 0;
    }
    if (strcmp(k, "cpu_state") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7__yaml_ieq(s, "run"))
            c->cpu_state = S7_CPU_STATE_RUN;
        else if (s7__yaml_ieq(s, "stop"))
            c->cpu_state = S7_CPU_STATE_STOP;
        else
            return s7__yaml_err(y, v, "cpu_state: '%s' must be run or stop", s);
        return 0;
    }
    if (strcmp(k, "max_connections") == 0)
        return s7__yaml_each_pair(y, v, "max_connections", on_maxconn, NULL);
    if (strcmp(k, "identity") == 0)
        return s7__yaml_each_pair(y, v, "identity", on_identity, NULL);
    if (strcmp(k, "areas") == 0)
        return s7__yaml_each_pair(y, v, "areas", on_area, NULL);
    if (strcmp(k, "idle_timeout_ms") == 0) {
        if (get_ms(y, v, k, 0, 86400000, "60000", &n))
            return -1;
        c->idle_timeout_ms = n;
        return 0;
    }
    if (strcmp(k, "max_clients") == 0) {
        if (get_long(y, v, k, 1, 1000000, "10000", &n))
            return -1;
        c->max_clients = n;
        return 0;
    }
    static const struct {
        const char *key;
        long min, max;
        const char *example;
        size_t off;
    } LIMITS[] = {
        {"cr_timeout_ms", 0, 3600000, "5000", offsetof(s7_server_config, cr_timeout_ms)},
        {"setup_timeout_ms", 0, 3600000, "5000", offsetof(s7_server_config, setup_timeout_ms)},
        {"max_per_source", 0, 1000000, "64", offsetof(s7_server_config, max_per_source)},
        {"max_held_bytes", 0, 1L << 40, "67108864", offsetof(s7_server_config, max_held)},
        {"max_held_conn_bytes", 0, 1L << 30, "65536", offsetof(s7_server_config, max_held_conn)},
        {"sock_buf_bytes", 0, 1L << 30, "65536", offsetof(s7_server_config, sock_buf)},
    };
    for (size_t i = 0; i < sizeof LIMITS / sizeof LIMITS[0]; i++)
        if (strcmp(k, LIMITS[i].key) == 0) {
            int ms = strstr(LIMITS[i].key, "_timeout_ms") != NULL;
            if ((ms ? get_ms : get_long)(y, v, k, LIMITS[i].min, LIMITS[i].max, LIMITS[i].example,
                                         &n))
                return -1;
            *(long *)((char *)c + LIMITS[i].off) = n;
            return 0;
        }
    if (strcmp(k, "audit_file") == 0)
        return s7__yaml_get_str(y, v, k, &c->audit);
    if (strcmp(k, "audit_reads") == 0) {
        if (get_bool(y, v, k, &b))
            return -1;
        c->audit_reads = b;
        return 0;
    }
    if (strcmp(k, "state_file") == 0)
        return s7__yaml_get_str(y, v, k, &c->state);
    if (strcmp(k, "retain") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7__yaml_ieq(s, "sync"))
            c->retain = S7_RETAIN_SYNC;
        else if (s7__yaml_ieq(s, "async"))
            c->retain = S7_RETAIN_ASYNC;
        else
            return s7__yaml_err(
                y, v,
                "retain: '%s' must be sync (every acknowledged write is on disk) or "
                "async (flushed every second)",
                s);
        return 0;
    }
    if (strcmp(k, "retain_resize") == 0) {
        if (s7__yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (s7__yaml_ieq(s, "refuse"))
            c->retain_resize = S7_RETAIN_RESIZE_REFUSE;
        else if (s7__yaml_ieq(s, "fit"))
            c->retain_resize = S7_RETAIN_RESIZE_FIT;
        else
            return s7__yaml_err(y, v, "retain_resize: '%s' must be refuse or fit", s);
        return 0;
    }
    if (strcmp(k, "compact_bytes") == 0) {
        if (get_long(y, v, k, 1024, LONG_MAX, "4194304", &n))
            return -1;
        c->compact_bytes = n;
        return 0;
    }
    if (strcmp(k, "quiet") == 0) {
        if (get_bool(y, v, k, &b))
            return -1;
        c->quiet = b;
        return 0;
    }
    if (strcmp(k, "default_blocks") == 0) {
        if (get_bool(y, v, k, &b))
            return -1;
        c->default_blocks = b;
        return 0;
    }
    return s7__yaml_err(
        y, kn,
        "unknown key '%s' (keys: profile, listen, rack, slot, put_get, pdu, amq, "
        "cpu_state, max_connections, allow, idle_timeout_ms, max_clients, cr_timeout_ms, "
        "setup_timeout_ms, max_per_source, max_held_bytes, max_held_conn_bytes, "
        "sock_buf_bytes, "
        "identity, "
        "areas, dbs, values, alarms, audit_file, audit_reads, state_file, retain, "
        "retain_resize, compact_bytes, quiet, connections, jobs, scan, blocks, default_blocks)",
        k);
}

int s7_config_load_server(const char *path, s7_server_config *c, char *err, size_t errcap)
{
    yaml_cx y = {.file = path,
                 .err = err,
                 .cap = errcap,
                 .user = c,
                 .msg_cap = 600,
                 .str_cap = 1024,
                 .nul_ok = 1,
                 .num = s7_server_parse_num};
    struct fy_node *root = s7__yaml_open(&y, "the config file", "keys such as profile: s7-1500");
    if (!root)
        return S7_ERR_INVAL;
    int rc;
    if (!fy_node_is_mapping(root))
        rc =
            s7__yaml_err(&y, root, "the top level must be a mapping of keys (profile:, dbs:, ...)");
    else
        rc = s7__yaml_each_pair(&y, root, "config", on_top, NULL);
    s7__yaml_close(&y);
    return rc ? S7_ERR_INVAL : 0;
}
