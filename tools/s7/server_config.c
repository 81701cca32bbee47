/* s7 server: the configuration (server.h): its lifecycle, the parsers that flags and the
 * YAML file share, and the YAML loader (libfyaml; only the s7 tool links it, never libs7).
 * The schema is documented in docs/server.md and shown in docs/server-example.yaml.
 * Unknown keys are errors (a misspelt key must not silently fall back to a default). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libfyaml.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server.h"
#include "yaml.h"
#include "s7/retain.h"
#include "s7/wire.h"

/* ---------------------------------------------------------------- lifecycle */

void srv_config_init(srv_config *c)
{
    memset(c, 0, sizeof *c);
    c->rack = c->slot = -1;
    c->put_get = -1;
    for (int i = 0; i < 4; i++)
        c->max_conn[i] = -1;
    c->pdu = c->amq = -1;
    c->cpu_state = -1;
    for (int i = 0; i < SRV_NAREAS; i++)
        c->area_size[i] = -1;
    for (int i = 0; i < 3; i++)
        c->id.fw[i] = -1;
    c->audit_reads = -1;
    c->retain = -1;
    c->retain_resize = -1;
    c->compact_bytes = -1;
    c->idle_timeout_ms = -1;
    c->max_clients = -1;
    c->quiet = -1;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void srv_config_free(srv_config *c)
{
    free(c->listen);
    free(c->profile);
    free_list(c->allow, c->nallow);
    free(c->dbs);
    free_list(c->values, c->nvalues);
    free_list(c->value_from, c->nvalues);
    free(c->access);
    free(c->id.order_code);
    free(c->id.module_type);
    free(c->id.as_name);
    free(c->id.module_name);
    free(c->id.plant_id);
    free(c->id.copyright);
    free(c->id.serial);
    free(c->audit);
    free(c->state);
    memset(c, 0, sizeof *c);
}

int srv_config_push(char ***list, size_t *n, const char *s)
{
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return -1;
    *list = l;
    if (!(l[*n] = yaml_strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

int srv_config_add_value(srv_config *c, const char *assign, const char *from)
{
    size_t n = c->nvalues, m = c->nvalues;
    if (srv_config_push(&c->values, &n, assign))
        return -1;
    if (srv_config_push(&c->value_from, &m, from)) {
        free(c->values[n - 1]);
        return -1;
    }
    c->nvalues = n;
    return 0;
}

int srv_config_put_db(srv_config *c, const srv_db *d)
{
    for (size_t i = 0; i < c->ndbs; i++)
        if (c->dbs[i].num == d->num) {
            c->dbs[i] = *d;
            return 0;
        }
    srv_db *n = realloc(c->dbs, (c->ndbs + 1) * sizeof *n);
    if (!n)
        return -1;
    c->dbs = n;
    c->dbs[c->ndbs++] = *d;
    return 0;
}

int srv_config_push_access(srv_config *c, uint8_t area, uint16_t db, int access)
{
    srv_access *n = realloc(c->access, (c->naccess + 1) * sizeof *n);
    if (!n)
        return -1;
    c->access = n;
    c->access[c->naccess].area = area;
    c->access[c->naccess].db = db;
    c->access[c->naccess].access = access;
    c->naccess++;
    return 0;
}

/* ---------------------------------------------------------------- shared parsers */

/* Decimal (or 0x hex) in [min, max].  0 or -1. */
static int parse_num(const char *s, long min, long max, long *out)
{
    if (!s || !*s || isspace((unsigned char)*s) || *s == '+')
        return -1;
    char *end;
    errno = 0;
    long v = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? strtol(s + 2, &end, 16) : strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return -1;
    if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && end == s + 2)
        return -1;
    *out = v;
    return 0;
}

int srv_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"on", "true", "yes", "1", "enabled"};
    static const char *const no[] = {"off", "false", "no", "0", "disabled"};
    for (size_t i = 0; i < 5; i++) {
        if (yaml_ieq(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (yaml_ieq(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int srv_parse_access(const char *s, int *out, char *err, size_t errcap)
{
    if (yaml_ieq(s, "read-write") || yaml_ieq(s, "rw") || yaml_ieq(s, "read_write"))
        *out = S7_ACCESS_RW;
    else if (yaml_ieq(s, "read-only") || yaml_ieq(s, "ro") || yaml_ieq(s, "read_only"))
        *out = S7_ACCESS_RO;
    else if (yaml_ieq(s, "none") || yaml_ieq(s, "no-access"))
        *out = S7_ACCESS_NONE;
    else
        return yaml_set_err(err, errcap, "access '%s': expected read-write, read-only or none", s);
    return 0;
}

int srv_parse_conn_type(const char *s, int *out)
{
    if (yaml_ieq(s, "total") || yaml_ieq(s, "all"))
        *out = 0;
    else if (yaml_ieq(s, "pg"))
        *out = 1;
    else if (yaml_ieq(s, "op") || yaml_ieq(s, "hmi"))
        *out = 2;
    else if (yaml_ieq(s, "basic") || yaml_ieq(s, "s7") || yaml_ieq(s, "s7-basic"))
        *out = 3;
    else
        return -1;
    return 0;
}

int srv_area_code(const char *s)
{
    if (yaml_ieq(s, "I") || yaml_ieq(s, "E") || yaml_ieq(s, "inputs"))
        return S7_AREA_I;
    if (yaml_ieq(s, "Q") || yaml_ieq(s, "A") || yaml_ieq(s, "outputs"))
        return S7_AREA_Q;
    if (yaml_ieq(s, "M") || yaml_ieq(s, "flags") || yaml_ieq(s, "markers"))
        return S7_AREA_M;
    if (yaml_ieq(s, "T") || yaml_ieq(s, "timers"))
        return S7_AREA_T;
    if (yaml_ieq(s, "C") || yaml_ieq(s, "Z") || yaml_ieq(s, "counters"))
        return S7_AREA_C;
    if (yaml_ieq(s, "DB") || yaml_ieq(s, "DBs"))
        return S7_AREA_DB;
    return -1;
}

int srv_parse_db(const char *spec, srv_db *out, char *err, size_t errcap)
{
    char buf[128];
    memset(out, 0, sizeof *out);
    out->access = -1;
    if (strlen(spec) >= sizeof buf)
        return yaml_set_err(
            err, errcap, "'%.40s...' is too long: expected N:SIZE[:optimized][:ro][:retain]", spec);
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    char *num = strtok_r(buf, ":", &save);
    char *size = num ? strtok_r(NULL, ":", &save) : NULL;
    long v;
    if (!num || !size)
        return yaml_set_err(err, errcap,
                            "'%s': expected N:SIZE[:optimized][:ro][:retain], e.g. 1:256 or "
                            "5:100:retain",
                            spec);
    if (parse_num(num, 1, 65535, &v))
        return yaml_set_err(err, errcap, "'%s': DB number '%s' must be 1..65535", spec, num);
    out->num = (uint16_t)v;
    if (parse_num(size, 1, 65535, &v))
        return yaml_set_err(err, errcap, "'%s': size '%s' must be 1..65535 bytes, e.g. %s:256",
                            spec, size, num);
    out->size = (uint32_t)v;
    for (char *f = strtok_r(NULL, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
        if (yaml_ieq(f, "optimized") || yaml_ieq(f, "opt"))
            out->flags |= S7_DB_OPTIMIZED;
        else if (yaml_ieq(f, "ro") || yaml_ieq(f, "readonly") || yaml_ieq(f, "read-only") ||
                 yaml_ieq(f, "read_only"))
            out->flags |= S7_DB_READONLY;
        else if (yaml_ieq(f, "retain") || yaml_ieq(f, "retentive"))
            out->flags |= S7_DB_RETAIN;
        else
            return yaml_set_err(
                err, errcap, "'%s': unknown DB flag '%s' (flags: optimized, ro, retain)", spec, f);
    }
    return 0;
}

int srv_parse_listen(const char *s, char *out, size_t cap, char *err, size_t errcap)
{
    char host[80];
    const char *port;
    long p;
    const char *ex = "e.g. 127.0.0.1:1102, [::1]:1102, or 0.0.0.0:102 for every interface";
    if (parse_num(s, 0, 65535, &p) == 0) { /* a bare port: loopback */
        snprintf(out, cap, "127.0.0.1:%ld", p);
        return 0;
    }
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            return yaml_set_err(err, errcap, "'%s': expected [IPv6]:PORT, %s", s, ex);
        snprintf(host, sizeof host, "%.*s", (int)(e - s - 1), s + 1);
        port = e + 2;
        unsigned char a6[16];
        if (inet_pton(AF_INET6, host, a6) != 1)
            return yaml_set_err(err, errcap, "'%s': '%s' is not an IPv6 address, %s", s, host, ex);
    } else {
        const char *c = strrchr(s, ':');
        if (!c || (size_t)(c - s) >= sizeof host || c == s)
            return yaml_set_err(err, errcap, "'%s': expected ADDR:PORT, %s", s, ex);
        snprintf(host, sizeof host, "%.*s", (int)(c - s), s);
        port = c + 1;
        unsigned char a4[4];
        if (inet_pton(AF_INET, host, a4) != 1)
            return yaml_set_err(err, errcap,
                                "'%s': '%s' is not a numeric IPv4 address (IPv6 goes in "
                                "brackets), %s",
                                s, host, ex);
    }
    if (parse_num(port, 0, 65535, &p))
        return yaml_set_err(err, errcap,
                            "'%s': port '%s' must be 0..65535 (S7 uses 102; 0 picks a free "
                            "one)",
                            s, port);
    snprintf(out, cap, "%s", s);
    return 0;
}

/* ---------------------------------------------------------------- YAML */

/* The configuration being loaded (the yaml_cx's user). */
static srv_config *cfg_of(yaml_cx *y) { return y->user; }

/* yaml_get_long in the flags' number syntax, with "KEY: EX" as the example. */
static int get_long(yaml_cx *y, struct fy_node *v, const char *key, long min, long max,
                    const char *ex, long *out)
{
    char example[256];
    snprintf(example, sizeof example, "%s: %s", key, ex);
    return yaml_get_long(y, v, key, min, max, example, out);
}

static int get_bool(yaml_cx *y, struct fy_node *v, const char *key, int *out)
{
    char s[32];
    if (yaml_scalar(y, v, key, s, sizeof s))
        return -1;
    if (srv_parse_bool(s, out))
        return yaml_err(y, v, "%s: '%s' is not a yes/no value: use true or false", key, s);
    return 0;
}

/* max_connections: {total, pg, op, basic} */
static int on_maxconn(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    (void)ctx;
    int t;
    long n;
    if (srv_parse_conn_type(k, &t))
        return yaml_err(y, kn, "max_connections: unknown type '%s' (types: total, pg, op, basic)",
                        k);
    if (yaml_is_null(v))
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
    srv_identity *id = &cfg_of(y)->id;
    if (yaml_is_null(v))
        return 0;
    char key[64];
    snprintf(key, sizeof key, "identity.%s", k);
    if (strcmp(k, "firmware") == 0) {
        char s[32];
        unsigned a, b, c;
        char tail;
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        const char *p = (s[0] == 'V' || s[0] == 'v') ? s + 1 : s;
        if (sscanf(p, "%u.%u.%u%c", &a, &b, &c, &tail) != 3 || a > 255 || b > 255 || c > 255)
            return yaml_err(y, v, "%s: '%s' must be a version a.b.c with numbers 0..255, e.g. "
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
        if (yaml_get_str(y, v, key, f[i].dst))
            return -1;
        if (strlen(*f[i].dst) > f[i].max)
            return yaml_err(y, v, "%s: '%s' is %zu characters; the SZL record holds at most %zu",
                            key, *f[i].dst, strlen(*f[i].dst), f[i].max);
        return 0;
    }
    return yaml_err(y, kn, "identity: unknown key '%s' (keys: order_code, firmware, module_type, "
                           "as_name, module_name, plant_id, copyright, serial)",
                    k);
}

/* areas: {I: {size, access}, Q: ..., M: ..., T: ..., C: ..., DB: {access}}; a plain value
 * is the access. */
typedef struct area_cx {
    uint8_t area;
    const char *name;
} area_cx;

static int on_area_key(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    area_cx *a = ctx;
    char key[64], s[64];
    snprintf(key, sizeof key, "areas.%s.%s", a->name, k);
    if (yaml_is_null(v))
        return 0;
    if (strcmp(k, "size") == 0) {
        if (a->area == S7_AREA_DB)
            return yaml_err(y, kn, "%s: DBs have no common size: give each its size under dbs",
                            key);
        int tc = a->area == S7_AREA_T || a->area == S7_AREA_C;
        long n;
        if (get_long(y, v, key, 1, tc ? 32768 : 65536, tc ? "256" : "1024", &n))
            return -1;
        int idx = a->area == S7_AREA_I ? SRV_I : a->area == S7_AREA_Q ? SRV_Q : a->area == S7_AREA_M ? SRV_M
                  : a->area == S7_AREA_T ? SRV_T : SRV_C;
        cfg_of(y)->area_size[idx] = n;
        return 0;
    }
    if (strcmp(k, "access") == 0) {
        int acc;
        char msg[200];
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (srv_parse_access(s, &acc, msg, sizeof msg))
            return yaml_err(y, v, "%s: %s", key, msg);
        if (srv_config_push_access(cfg_of(y), a->area, 0, acc))
            return yaml_oom(y);
        return 0;
    }
    return yaml_err(y, kn, "areas.%s: unknown key '%s' (keys: size, access)", a->name, k);
}

static int on_area(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    (void)ctx;
    int code = srv_area_code(k);
    if (code < 0)
        return yaml_err(y, kn, "areas: unknown area '%s' (areas: I, Q, M, T, C, DB)", k);
    if (yaml_is_null(v))
        return 0;
    area_cx a = {(uint8_t)code, k};
    if (fy_node_is_scalar(v)) { /* areas: {M: read-only} */
        char s[64], msg[200], key[64];
        int acc;
        snprintf(key, sizeof key, "areas.%s", k);
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (srv_parse_access(s, &acc, msg, sizeof msg))
            return yaml_err(y, v, "%s: %s", key, msg);
        return srv_config_push_access(cfg_of(y), a.area, 0, acc) ? yaml_oom(y) : 0;
    }
    char what[64];
    snprintf(what, sizeof what, "areas.%s", k);
    return yaml_each_pair(y, v, what, on_area_key, &a);
}

/* A value node as the text s7_value_parse takes: a scalar as is, a list as [a, b, c]. */
static int value_text(yaml_cx *y, struct fy_node *v, const char *key, char *out, size_t cap)
{
    if (yaml_is_null(v))
        return yaml_err(y, v, "%s: no value given", key);
    if (fy_node_is_scalar(v))
        return yaml_scalar(y, v, key, out, cap);
    if (!fy_node_is_sequence(v))
        return yaml_err(y, v, "%s: expected a value or a list of values, got a mapping", key);
    size_t len = 0;
    out[len++] = '[';
    void *it = NULL;
    struct fy_node *e;
    int first = 1;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        char s[512];
        if (yaml_scalar(y, e, key, s, sizeof s))
            return -1;
        int n = snprintf(out + len, cap - len, "%s%s", first ? "" : ", ", s);
        if (n < 0 || (size_t)n >= cap - len)
            return yaml_err(y, v, "%s: list too long", key);
        len += (size_t)n;
        first = 0;
    }
    if (len + 2 > cap)
        return yaml_err(y, v, "%s: list too long", key);
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
                   ((k[0] == 'D' || k[0] == 'd') && (k[1] == 'B' || k[1] == 'b') && isdigit((unsigned char)k[2]));
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
    snprintf(from, sizeof from, "%s:%d", y->file, yaml_line(kn));
    return srv_config_add_value(cfg_of(y), assign, from) ? yaml_oom(y) : 0;
}

static int load_values(yaml_cx *y, struct fy_node *v, int db)
{
    values_cx vc = {db};
    if (yaml_is_null(v))
        return 0;
    if (fy_node_is_sequence(v)) { /* - "DB1.DBW0=5" */
        void *it = NULL;
        struct fy_node *e;
        while ((e = fy_node_sequence_iterate(v, &it))) {
            char s[4400];
            if (yaml_scalar(y, e, "values", s, sizeof s))
                return -1;
            if (!strchr(s, '='))
                return yaml_err(y, e, "values: '%s' is no assignment: write ADDRESS: VALUE (or "
                                      "\"ADDRESS=VALUE\"), e.g. DB1.DBD4:REAL: 3.5",
                                s);
            char buf[4420];
            if (db && s[0] != '%' &&
                !((s[0] == 'D' || s[0] == 'd') && (s[1] == 'B' || s[1] == 'b') && isdigit((unsigned char)s[2])))
                snprintf(buf, sizeof buf, "DB%d.%s", db, s);
            else
                snprintf(buf, sizeof buf, "%s", s);
            char from[300];
            snprintf(from, sizeof from, "%s:%d", y->file, yaml_line(e));
            if (srv_config_add_value(cfg_of(y), buf, from))
                return yaml_oom(y);
        }
        return 0;
    }
    return yaml_each_pair(y, v, "values", on_value, &vc);
}

/* dbs: - {number, size, optimized, read_only, retain, access, values} */
typedef struct db_cx {
    srv_db d;
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
    if (yaml_is_null(v))
        return 0;
    if (strcmp(k, "number") == 0 || strcmp(k, "db") == 0) {
        if (get_long(y, v, key, 1, 65535, "1", &n))
            return -1;
        d->d.num = (uint16_t)n;
        d->have_num = 1;
    } else if (strcmp(k, "size") == 0) {
        if (get_long(y, v, key, 1, 65535, "256", &n))
            return -1;
        d->d.size = (uint32_t)n;
        d->have_size = 1;
    } else if (strcmp(k, "optimized") == 0 || strcmp(k, "read_only") == 0 || strcmp(k, "retain") == 0) {
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
        if (yaml_scalar(y, v, key, s, sizeof s))
            return -1;
        if (srv_parse_access(s, &d->d.access, msg, sizeof msg))
            return yaml_err(y, v, "%s: %s", key, msg);
    } else {
        return yaml_err(y, kn,
                        "%s: unknown key '%s' (keys: number, size, optimized, read_only, retain, "
                        "access, values)",
                        d->where, k);
    }
    return 0;
}

static int load_dbs(yaml_cx *y, struct fy_node *v)
{
    if (yaml_is_null(v))
        return 0;
    if (!fy_node_is_sequence(v))
        return yaml_err(y, v, "dbs: expected a list of DBs (lines starting with '- number: N')");
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
            if (yaml_scalar(y, e, d.where, s, sizeof s))
                return -1;
            if (srv_parse_db(s, &d.d, msg, sizeof msg))
                return yaml_err(y, e, "%s: %s", d.where, msg);
        } else {
            if (yaml_each_pair(y, e, d.where, on_db_key, &d))
                return -1;
            if (!d.have_num)
                return yaml_err(y, e, "%s: no number (e.g. number: 1)", d.where);
            if (!d.have_size)
                return yaml_err(y, e, "%s: DB%u has no size (e.g. size: 256, 1..65535 bytes)",
                                d.where, d.d.num);
        }
        for (size_t k = 0; k < cfg_of(y)->ndbs; k++)
            if (cfg_of(y)->dbs[k].num == d.d.num)
                return yaml_err(y, e, "%s: DB%u is defined twice", d.where, d.d.num);
        if (srv_config_put_db(cfg_of(y), &d.d))
            return yaml_oom(y);
        if (d.values && load_values(y, d.values, d.d.num))
            return -1;
        i++;
    }
    return 0;
}

static int load_allow(yaml_cx *y, struct fy_node *v)
{
    cfg_of(y)->allow_set = 1;
    if (yaml_is_null(v))
        return 0;
    char s[128];
    if (fy_node_is_scalar(v)) {
        if (yaml_scalar(y, v, "allow", s, sizeof s))
            return -1;
        return srv_config_push(&cfg_of(y)->allow, &cfg_of(y)->nallow, s) ? yaml_oom(y) : 0;
    }
    if (!fy_node_is_sequence(v))
        return yaml_err(y, v,
                        "allow: expected a list of addresses or CIDR ranges, e.g. - 10.0.0.0/8");
    void *it = NULL;
    struct fy_node *e;
    while ((e = fy_node_sequence_iterate(v, &it))) {
        if (yaml_scalar(y, e, "allow", s, sizeof s))
            return -1;
        if (srv_config_push(&cfg_of(y)->allow, &cfg_of(y)->nallow, s))
            return yaml_oom(y);
    }
    return 0;
}

static int on_top(yaml_cx *y, const char *k, struct fy_node *kn, struct fy_node *v, void *ctx)
{
    (void)ctx;
    srv_config *c = cfg_of(y);
    char s[512], msg[400];
    long n;
    int b;
    if (strcmp(k, "dbs") == 0)
        return load_dbs(y, v);
    if (strcmp(k, "values") == 0)
        return load_values(y, v, 0);
    if (strcmp(k, "allow") == 0)
        return load_allow(y, v);
    if (yaml_is_null(v))
        return 0; /* "key:" or "key: ~" keeps the default */
    if (strcmp(k, "profile") == 0) {
        if (yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (!s7_profile_find(s))
            return yaml_err(y, v,
                            "profile: unknown profile '%s' (profiles: s7-300, s7-400, s7-1200, "
                            "s7-1500, logo8, s7-200smart)",
                            s);
        return yaml_get_str(y, v, k, &c->profile);
    }
    if (strcmp(k, "listen") == 0) {
        char out[128];
        if (yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (srv_parse_listen(s, out, sizeof out, msg, sizeof msg))
            return yaml_err(y, v, "listen: %s", msg);
        free(c->listen);
        return (c->listen = yaml_strdup(out)) ? 0 : yaml_oom(y);
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
        if (yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (yaml_ieq(s, "run"))
            c->cpu_state = S7_CPU_STATE_RUN;
        else if (yaml_ieq(s, "stop"))
            c->cpu_state = S7_CPU_STATE_STOP;
        else
            return yaml_err(y, v, "cpu_state: '%s' must be run or stop", s);
        return 0;
    }
    if (strcmp(k, "max_connections") == 0)
        return yaml_each_pair(y, v, "max_connections", on_maxconn, NULL);
    if (strcmp(k, "identity") == 0)
        return yaml_each_pair(y, v, "identity", on_identity, NULL);
    if (strcmp(k, "areas") == 0)
        return yaml_each_pair(y, v, "areas", on_area, NULL);
    if (strcmp(k, "idle_timeout_ms") == 0) {
        if (get_long(y, v, k, 0, 86400000, "60000", &n))
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
    if (strcmp(k, "audit_file") == 0)
        return yaml_get_str(y, v, k, &c->audit);
    if (strcmp(k, "audit_reads") == 0) {
        if (get_bool(y, v, k, &b))
            return -1;
        c->audit_reads = b;
        return 0;
    }
    if (strcmp(k, "state_file") == 0)
        return yaml_get_str(y, v, k, &c->state);
    if (strcmp(k, "retain") == 0) {
        if (yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (yaml_ieq(s, "sync"))
            c->retain = S7_RETAIN_SYNC;
        else if (yaml_ieq(s, "async"))
            c->retain = S7_RETAIN_ASYNC;
        else
            return yaml_err(y, v,
                            "retain: '%s' must be sync (every acknowledged write is on disk) or "
                            "async (flushed every second)",
                            s);
        return 0;
    }
    if (strcmp(k, "retain_resize") == 0) {
        if (yaml_scalar(y, v, k, s, sizeof s))
            return -1;
        if (yaml_ieq(s, "refuse"))
            c->retain_resize = S7_RETAIN_RESIZE_REFUSE;
        else if (yaml_ieq(s, "fit"))
            c->retain_resize = S7_RETAIN_RESIZE_FIT;
        else
            return yaml_err(y, v, "retain_resize: '%s' must be refuse or fit", s);
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
    return yaml_err(y, kn,
                    "unknown key '%s' (keys: profile, listen, rack, slot, put_get, pdu, amq, "
                    "cpu_state, max_connections, allow, idle_timeout_ms, max_clients, identity, "
                    "areas, dbs, values, audit_file, audit_reads, state_file, retain, "
                    "retain_resize, compact_bytes, quiet)",
                    k);
}

int srv_config_load(srv_config *c, const char *path, char *err, size_t errcap)
{
    yaml_cx y = {.file = path, .err = err, .cap = errcap, .user = c,
                 .msg_cap = 600, .str_cap = 1024, .nul_ok = 1, .num = parse_num};
    struct fy_node *root = yaml_open(&y, "the config file", "keys such as profile: s7-1500");
    if (!root)
        return -1;
    int rc;
    if (!fy_node_is_mapping(root))
        rc = yaml_err(&y, root, "the top level must be a mapping of keys (profile:, dbs:, ...)");
    else
        rc = yaml_each_pair(&y, root, "config", on_top, NULL);
    yaml_close(&y);
    return rc;
}
