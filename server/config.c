/* s7kit server configuration (include/s7/server_config.h): the model's lifecycle, the lists
 * it holds (DBs, allow-list, initial values, access rules), the parsers that flags and
 * files share, and building the CPU model from it.  The LOGO! / S7-200 rules come from the
 * profiles' data (profiles.c), not from their names.  No I/O. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/cpu_int.h"
#include "util/text.h"
#include "s7/cpu.h"
#include "s7/server_config.h"
#include "s7/wire.h"

/* ---------------------------------------------------------------- helpers */

/* Case-insensitive equality of two ASCII words; 1 or 0. */
static int ieq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return 0;
    return *a == *b;
}

/* ---------------------------------------------------------------- lifecycle */

void s7_server_config_init(s7_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->rack = c->slot = -1;
    c->put_get = -1;
    for (int i = 0; i < 4; i++)
        c->max_conn[i] = -1;
    c->pdu = c->amq = -1;
    c->cpu_state = -1;
    for (int i = 0; i < S7_SERVER_NAREAS; i++)
        c->area_size[i] = -1;
    for (int i = 0; i < 3; i++)
        c->id.fw[i] = -1;
    c->audit_reads = -1;
    c->retain = -1;
    c->retain_resize = -1;
    c->compact_bytes = -1;
    c->idle_timeout_ms = -1;
    c->max_clients = -1;
    c->cr_timeout_ms = c->setup_timeout_ms = c->max_per_source = -1;
    c->max_held = c->max_held_conn = c->sock_buf = -1;
    c->quiet = -1;
    c->default_blocks = -1;
}

static void free_list(char **l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(l[i]);
    free(l);
}

void s7_server_config_free(s7_server_config *c)
{
    if (!c)
        return;
    free(c->listen);
    free(c->profile);
    free_list(c->allow, c->nallow);
    free(c->dbs);
    free_list(c->values, c->nvalues);
    free_list(c->value_from, c->nvalues);
    free(c->access);
    free(c->blocks);
    free(c->id.order_code);
    free(c->id.module_type);
    free(c->id.as_name);
    free(c->id.module_name);
    free(c->id.plant_id);
    free(c->id.copyright);
    free(c->id.serial);
    free(c->audit);
    free(c->state);
    free(c->alarms);
    memset(c, 0, sizeof *c);
}

int s7_server_config_add_block(s7_server_config *c, const s7_server_block *b)
{
    s7_server_block *l = realloc(c->blocks, (c->nblocks + 1) * sizeof *l);
    if (!l)
        return S7_ERR_NOMEM;
    c->blocks = l;
    c->blocks[c->nblocks++] = *b;
    return 0;
}

static int push_str(char ***list, size_t *n, const char *s)
{
    char **l = realloc(*list, (*n + 1) * sizeof *l);
    if (!l)
        return -1;
    *list = l;
    if (!(l[*n] = s7__strdup(s)))
        return -1;
    (*n)++;
    return 0;
}

int s7_server_config_add_value(s7_server_config *c, const char *assign, const char *from)
{
    size_t n = c->nvalues, m = c->nvalues;
    if (push_str(&c->values, &n, assign))
        return S7_ERR_NOMEM;
    if (push_str(&c->value_from, &m, from)) {
        free(c->values[n - 1]);
        return S7_ERR_NOMEM;
    }
    c->nvalues = n;
    return 0;
}

const char *s7_server_allow_hint(void)
{
    return "expected an IPv4 or IPv6 address with an optional /PREFIX, e.g. 10.0.0.0/8, "
           "192.168.1.20 or fd00::/64";
}

int s7_server_config_add_allow(s7_server_config *c, const char *s)
{
    int family, prefix;
    uint8_t addr[16];
    if (s7__allow_parse(s, &family, addr, &prefix) < 0)
        return S7_ERR_INVAL;
    if (push_str(&c->allow, &c->nallow, s))
        return S7_ERR_NOMEM;
    c->allow_set = 1;
    return 0;
}

int s7_server_config_put_db(s7_server_config *c, const s7_server_db *d)
{
    for (size_t i = 0; i < c->ndbs; i++)
        if (c->dbs[i].num == d->num) {
            c->dbs[i] = *d;
            return 0;
        }
    s7_server_db *n = realloc(c->dbs, (c->ndbs + 1) * sizeof *n);
    if (!n)
        return S7_ERR_NOMEM;
    c->dbs = n;
    c->dbs[c->ndbs++] = *d;
    return 0;
}

int s7_server_config_add_access(s7_server_config *c, uint8_t area, uint16_t db, int access)
{
    s7_server_access *n = realloc(c->access, (c->naccess + 1) * sizeof *n);
    if (!n)
        return S7_ERR_NOMEM;
    c->access = n;
    c->access[c->naccess].area = area;
    c->access[c->naccess].db = db;
    c->access[c->naccess].access = access;
    c->access[c->naccess].from[0] = 0;
    c->naccess++;
    return 0;
}

/* ---------------------------------------------------------------- shared parsers */

int s7_server_parse_num(const char *s, long min, long max, long *out)
{
    if (!s || !*s || isspace((unsigned char)*s) || *s == '+')
        return -1;
    char *end;
    errno = 0;
    long v = (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) ? strtol(s + 2, &end, 16)
                                                           : strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return -1;
    if ((s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) && end == s + 2)
        return -1;
    *out = v;
    return 0;
}

int s7_server_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"on", "true", "yes", "1", "enabled"};
    static const char *const no[] = {"off", "false", "no", "0", "disabled"};
    for (size_t i = 0; i < 5; i++) {
        if (ieq(s, yes[i])) {
            *out = 1;
            return 0;
        }
        if (ieq(s, no[i])) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int s7_server_parse_access(const char *s, int *out, char *err, size_t errcap)
{
    if (ieq(s, "read-write") || ieq(s, "rw") || ieq(s, "read_write"))
        *out = S7_ACCESS_RW;
    else if (ieq(s, "read-only") || ieq(s, "ro") || ieq(s, "read_only"))
        *out = S7_ACCESS_RO;
    else if (ieq(s, "none") || ieq(s, "no-access"))
        *out = S7_ACCESS_NONE;
    else
        return s7__errf(err, errcap, "access '%s': expected read-write, read-only or none", s);
    return 0;
}

int s7_server_parse_conn_type(const char *s, int *out)
{
    if (ieq(s, "total") || ieq(s, "all"))
        *out = 0;
    else if (ieq(s, "pg"))
        *out = 1;
    else if (ieq(s, "op") || ieq(s, "hmi"))
        *out = 2;
    else if (ieq(s, "basic") || ieq(s, "s7") || ieq(s, "s7-basic"))
        *out = 3;
    else
        return -1;
    return 0;
}

int s7_server_area_code(const char *s)
{
    if (ieq(s, "I") || ieq(s, "E") || ieq(s, "inputs"))
        return S7_AREA_I;
    if (ieq(s, "Q") || ieq(s, "A") || ieq(s, "outputs"))
        return S7_AREA_Q;
    if (ieq(s, "M") || ieq(s, "flags") || ieq(s, "markers"))
        return S7_AREA_M;
    if (ieq(s, "T") || ieq(s, "timers"))
        return S7_AREA_T;
    if (ieq(s, "C") || ieq(s, "Z") || ieq(s, "counters"))
        return S7_AREA_C;
    if (ieq(s, "DB") || ieq(s, "DBs"))
        return S7_AREA_DB;
    return -1;
}

int s7_server_parse_db(const char *spec, s7_server_db *out, char *err, size_t errcap)
{
    char buf[128];
    memset(out, 0, sizeof *out);
    out->access = -1;
    if (strlen(spec) >= sizeof buf)
        return s7__errf(err, errcap,
                        "'%.40s...' is too long: expected N:SIZE[:optimized][:ro][:retain]", spec);
    snprintf(buf, sizeof buf, "%s", spec);
    char *save = NULL;
    char *num = strtok_r(buf, ":", &save);
    char *size = num ? strtok_r(NULL, ":", &save) : NULL;
    long v;
    if (!num || !size)
        return s7__errf(err, errcap,
                        "'%s': expected N:SIZE[:optimized][:ro][:retain], e.g. 1:256 or "
                        "5:100:retain",
                        spec);
    if (s7_server_parse_num(num, 1, 65535, &v))
        return s7__errf(err, errcap, "'%s': DB number '%s' must be 1..65535", spec, num);
    out->num = (uint16_t)v;
    if (s7_server_parse_num(size, 1, 65535, &v))
        return s7__errf(err, errcap, "'%s': size '%s' must be 1..65535 bytes, e.g. %s:256", spec,
                        size, num);
    out->size = (uint32_t)v;
    for (char *f = strtok_r(NULL, ":", &save); f; f = strtok_r(NULL, ":", &save)) {
        if (ieq(f, "optimized") || ieq(f, "opt"))
            out->flags |= S7_DB_OPTIMIZED;
        else if (ieq(f, "ro") || ieq(f, "readonly") || ieq(f, "read-only") || ieq(f, "read_only"))
            out->flags |= S7_DB_READONLY;
        else if (ieq(f, "retain") || ieq(f, "retentive"))
            out->flags |= S7_DB_RETAIN;
        else
            return s7__errf(err, errcap,
                            "'%s': unknown DB flag '%s' (flags: optimized, ro, retain)", spec, f);
    }
    return 0;
}

int s7_server_parse_listen(const char *s, char *out, size_t cap, char *err, size_t errcap)
{
    char host[80];
    const char *port;
    long p;
    const char *ex = "e.g. 127.0.0.1:1102, [::1]:1102, or 0.0.0.0:102 for every interface";
    int n;
    if (s7_server_parse_num(s, 0, 65535, &p) == 0) { /* a bare port: loopback */
        n = snprintf(out, cap, "127.0.0.1:%ld", p);
        goto fits;
    }
    if (s[0] == '[') {
        const char *e = strchr(s, ']');
        if (!e || e[1] != ':' || (size_t)(e - s - 1) >= sizeof host)
            return s7__errf(err, errcap, "'%s': expected [IPv6]:PORT, %s", s, ex);
        snprintf(host, sizeof host, "%.*s", (int)(e - s - 1), s + 1);
        port = e + 2;
        unsigned char a6[16];
        if (inet_pton(AF_INET6, host, a6) != 1)
            return s7__errf(err, errcap, "'%s': '%s' is not an IPv6 address, %s", s, host, ex);
    } else {
        const char *c = strrchr(s, ':');
        if (!c || (size_t)(c - s) >= sizeof host || c == s)
            return s7__errf(err, errcap, "'%s': expected ADDR:PORT, %s", s, ex);
        snprintf(host, sizeof host, "%.*s", (int)(c - s), s);
        port = c + 1;
        unsigned char a4[4];
        if (inet_pton(AF_INET, host, a4) != 1)
            return s7__errf(err, errcap,
                            "'%s': '%s' is not a numeric IPv4 address (IPv6 goes in "
                            "brackets), %s",
                            s, host, ex);
    }
    if (s7_server_parse_num(port, 0, 65535, &p))
        return s7__errf(err, errcap,
                        "'%s': port '%s' must be 0..65535 (S7 uses 102; 0 picks a free "
                        "one)",
                        s, port);
    /* the port as a number (no leading zeros): what was checked is what is kept */
    n = s[0] == '[' ? snprintf(out, cap, "[%s]:%ld", host, p)
                    : snprintf(out, cap, "%s:%ld", host, p);
fits:
    if (n < 0 || (size_t)n >= cap) { /* a cut address or port would be another one */
        if (cap)
            out[0] = 0;
        return s7__errf(err, errcap, "'%s': the address takes %d bytes, %zu given", s, n + 1, cap);
    }
    return 0;
}

/* ---------------------------------------------------------------- building the CPU */

const char *s7_server_area_text(uint8_t area)
{
    switch (area) {
    case S7_AREA_I: return "I";
    case S7_AREA_Q: return "Q";
    case S7_AREA_M: return "M";
    case S7_AREA_T: return "T";
    case S7_AREA_C: return "C";
    case S7_AREA_P: return "P";
    case S7_AREA_DB: return "DB";
    case S7_AREA_DI: return "DI";
    default: return "area";
    }
}

/* "FILE:LINE: " for a message about an entry that came from a file, "" otherwise. */
static const char *at(const char *from, char *buf, size_t cap)
{
    if (!from || !from[0])
        return "";
    snprintf(buf, cap, "%s: ", from);
    return buf;
}

int s7_server_config_add_alarm(s7_server_config *c, const s7_server_alarm *a)
{
    for (size_t i = 0; i < c->nalarms; i++)
        if (c->alarms[i].id == a->id) {
            c->alarms[i] = *a;
            return 0;
        }
    s7_server_alarm *t = realloc(c->alarms, (c->nalarms + 1) * sizeof *t);
    if (!t)
        return S7_ERR_NOMEM;
    c->alarms = t;
    c->alarms[c->nalarms++] = *a;
    return 0;
}

/* "DBn.DBXb.i" into db, byte, bit.  0 or -1. */
static int parse_db_bit(const char *s, uint16_t *db, uint32_t *byte, int *bit)
{
    char *e;
    if ((s[0] != 'D' && s[0] != 'd') || (s[1] != 'B' && s[1] != 'b') || s[2] < '0' || s[2] > '9')
        return -1;
    unsigned long n = strtoul(s + 2, &e, 10);
    if (n == 0 || n > 65535 || strncasecmp(e, ".DBX", 4) != 0 || e[4] < '0' || e[4] > '9')
        return -1;
    unsigned long b = strtoul(e + 4, &e, 10);
    if (*e != '.' || e[1] < '0' || e[1] > '7' || e[2] || b > 0xFFFFFF)
        return -1;
    *db = (uint16_t)n;
    *byte = (uint32_t)b;
    *bit = e[1] - '0';
    return 0;
}

int s7_server_parse_alarm(const char *spec, s7_server_alarm *out, char *err, size_t errcap)
{
    static const char *eg = "e.g. 0x1001:DB5.DBX1.3:tank high";
    memset(out, 0, sizeof *out);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", spec ? spec : "");
    char *c1 = strchr(buf, ':');
    if (!c1) {
        s7__errf(err, errcap, "%s: expected ID:DBn.DBXb.i[:NAME], %s", buf, eg);
        return -1;
    }
    *c1 = 0;
    char *addr = c1 + 1, *c2 = strchr(addr, ':');
    if (c2)
        *c2 = 0;
    long id;
    if (s7_server_parse_num(buf, 1, 0xFFFFFFFFL, &id)) {
        s7__errf(err, errcap, "%s: the alarm's event ID must be a number 1..0xFFFFFFFF, %s", buf,
                 eg);
        return -1;
    }
    if (parse_db_bit(addr, &out->db, &out->byte, &out->bit)) {
        s7__errf(err, errcap,
                 "%s: the bit that raises the alarm must be a DB bit DBn.DBXb.i "
                 "(bit 0..7), %s",
                 addr, eg);
        return -1;
    }
    out->id = (uint32_t)id;
    snprintf(out->name, sizeof out->name, "%s", c2 ? c2 + 1 : "");
    return 0;
}

static int cmp_db(const void *a, const void *b)
{
    const s7_server_db *x = a, *y = b;
    return (int)x->num - (int)y->num;
}

/* The CPU's DBs, areas, rules and values from c (build_cpu's second half).  0, or
 * S7_ERR_INVAL / S7_ERR_NOMEM with the message set. */
static int fill_cpu(const s7_server_config *c, s7_cpu *cpu, const s7_profile *p, char *err,
                    size_t errcap)
{
    static const uint8_t codes[S7_SERVER_NAREAS] = {S7_AREA_I, S7_AREA_Q, S7_AREA_M, S7_AREA_T,
                                                    S7_AREA_C};
    static const char *const names[S7_SERVER_NAREAS] = {"I", "Q", "M", "T", "C"};
    char w[112];
    for (int i = 0; i < S7_SERVER_NAREAS; i++) {
        if (c->area_size[i] < 0)
            continue;
        int rc = s7_cpu_set_area_size(cpu, codes[i], (uint32_t)c->area_size[i]);
        if (rc == S7_ERR_UNSUPPORTED) {
            s7__errf(err, errcap,
                     "%sareas.%s: an %s has no timers and counters (T and C exist on "
                     "s7-300 and s7-400)",
                     at(c->area_from[i], w, sizeof w), names[i], p->name);
            return S7_ERR_INVAL;
        }
        if (rc < 0) {
            s7__errf(err, errcap, "%sareas.%s: size %ld refused (%s)",
                     at(c->area_from[i], w, sizeof w), names[i], c->area_size[i], s7_strerror(rc));
            return rc == S7_ERR_NOMEM ? rc : S7_ERR_INVAL;
        }
    }
    for (size_t i = 0; i < c->ndbs; i++) {
        const s7_server_db *d = &c->dbs[i];
        int rc = s7_cpu_add_db(cpu, d->num, d->size, d->flags);
        if (rc < 0) {
            if (s7__profile_vmem_only(p))
                s7__errf(err, errcap,
                         "%sDB%u: a %s has V memory (DB1) and no other DBs; use DB1 "
                         "(VB0 = DB1.DBB0)",
                         at(d->from, w, sizeof w), d->num, p->name);
            else
                s7__errf(err, errcap, "%sDB%u (%u bytes): %s", at(d->from, w, sizeof w), d->num,
                         d->size, s7_strerror(rc));
            return rc == S7_ERR_NOMEM ? rc : S7_ERR_INVAL;
        }
        if (d->access >= 0)
            s7_cpu_set_access(cpu, S7_AREA_DB, d->num, d->access);
    }
    if (c->default_blocks != 0 && s7_cpu_add_default_blocks(cpu) < 0)
        return S7_ERR_NOMEM;
    for (size_t i = 0; i < c->nblocks; i++) {
        const s7_server_block *b = &c->blocks[i];
        int rc = s7_cpu_add_block(cpu, b->type, b->number, b->size, b->know_how);
        if (rc < 0) {
            s7__errf(err, errcap, "%sblock %s%u: %s", at(b->from, w, sizeof w),
                     s7_block_type_name(b->type), b->number,
                     rc == S7_ERR_NOMEM ? "out of memory"
                                        : "a DB is memory: define it under dbs: instead");
            return rc == S7_ERR_NOMEM ? rc : S7_ERR_INVAL;
        }
    }
    for (size_t i = 0; i < c->naccess; i++) {
        const s7_server_access *a = &c->access[i];
        if (s7_cpu_set_access(cpu, a->area, a->db, a->access) < 0) {
            s7__errf(err, errcap,
                     "%sareas.%s: this %s has no such area (T and C exist on s7-300 and "
                     "s7-400)",
                     at(a->from, w, sizeof w), s7_server_area_text(a->area), p->name);
            return S7_ERR_INVAL;
        }
    }
    for (size_t i = 0; i < c->nvalues; i++) {
        char verr[400];
        if (s7_cpu_set_value(cpu, c->values[i], verr, sizeof verr) < 0) {
            s7__errf(err, errcap, "%s: initial value '%s': %s", c->value_from[i], c->values[i],
                     verr);
            return S7_ERR_INVAL;
        }
    }
    for (size_t i = 0; i < c->nalarms; i++) {
        const s7_server_alarm *a = &c->alarms[i];
        if (cpu->ext->family != S7__FAM_CLASSIC) {
            s7__errf(err, errcap,
                     "%salarm 0x%X: an %s does not answer the alarm query (alarms are served "
                     "by the s7-300 and s7-400 profiles)",
                     at(a->from, w, sizeof w), (unsigned)a->id, p->name);
            return S7_ERR_INVAL;
        }
        const s7__mem *m = a->db ? s7__cpu_db(cpu, a->db) : NULL;
        if (a->db && (!m || a->byte >= m->size)) {
            s7__errf(err, errcap,
                     "%salarm 0x%X: DB%u.DBX%u.%d is not in a DB of this CPU (add the DB, "
                     "e.g. --db %u:%u)",
                     at(a->from, w, sizeof w), (unsigned)a->id, a->db, (unsigned)a->byte, a->bit,
                     a->db, (unsigned)a->byte + 1);
            return S7_ERR_INVAL;
        }
        int rc = s7_cpu_alarm_add(cpu, a->id, a->name, a->db, a->byte, a->db ? a->bit : -1);
        if (rc < 0) {
            s7__errf(err, errcap, "%salarm 0x%X: %s", at(a->from, w, sizeof w), (unsigned)a->id,
                     s7_strerror(rc));
            return rc == S7_ERR_NOMEM ? rc : S7_ERR_INVAL;
        }
    }
    if (c->put_get >= 0)
        s7_cpu_set_put_get(cpu, c->put_get);
    for (int t = 0; t < 4; t++)
        if (c->max_conn[t] >= 0)
            s7_cpu_set_max_conn(cpu, t, (uint16_t)c->max_conn[t]);
    if (c->cpu_state > 0)
        s7_cpu_set_state(cpu, c->cpu_state);
    return 0;
}

int s7_server_config_build_cpu(s7_server_config *c, s7_cpu **out, char *err, size_t errcap)
{
    *out = NULL;
    if (c->ndbs > 1) /* created in number order, and listed so afterwards */
        qsort(c->dbs, c->ndbs, sizeof *c->dbs, cmp_db);
    const s7_profile *base = s7_profile_find(c->profile ? c->profile : "s7-1500");
    if (!base) {
        s7__errf(err, errcap,
                 "unknown profile '%s' (profiles: s7-300, s7-400, s7-1200, s7-1500, "
                 "logo8, s7-200smart)",
                 c->profile);
        return S7_ERR_INVAL;
    }
    s7_profile p = *base;
    const s7_server_identity *id = &c->id;
    if (id->order_code)
        p.order_code = id->order_code;
    if (id->module_type)
        p.module_type = id->module_type;
    if (id->as_name)
        p.as_name = id->as_name;
    if (id->module_name)
        p.module_name = id->module_name;
    if (id->plant_id)
        p.plant_id = id->plant_id;
    if (id->copyright)
        p.copyright = id->copyright;
    if (id->serial)
        p.serial = id->serial;
    if (id->fw[0] >= 0)
        for (int i = 0; i < 3; i++)
            p.fw[i] = (uint8_t)id->fw[i];
    if (c->pdu > 0)
        p.max_pdu = (uint16_t)c->pdu;
    if (c->amq > 0)
        p.max_amq = (uint16_t)c->amq;
    if (c->rack >= 0)
        p.rack = (uint8_t)c->rack;
    if (c->slot >= 0)
        p.slot = (uint8_t)c->slot;
    s7_cpu *cpu = s7_cpu_new(&p);
    if (!cpu) {
        s7__errf(err, errcap, "out of memory");
        return S7_ERR_NOMEM;
    }
    int rc = fill_cpu(c, cpu, &p, err, errcap);
    if (rc < 0) {
        s7_cpu_free(cpu);
        return rc;
    }
    *out = cpu;
    return 0;
}
