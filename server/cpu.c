/* The CPU model's state: memory areas and DBs (owned or application memory), access
 * rules, PUT/GET permission, RUN/STOP state, the CPU clock, sessions and the TSAP /
 * connection-budget rules of s7_cpu_accept.  Requests are answered in dispatch.c
 * (Job PDUs) and userdata.c (Userdata PDUs).
 *
 * Choices (see also cpu.h):
 * - P (0x80, peripheral I/O) is not an area of its own: reads go to I, writes to Q, as
 *   PIW/PQW reach the input and output modules behind the process images.
 * - DI (0x85) addresses the DB table, like DB (0x84).
 * - T and C hold 2 bytes per element, element N at byte 2N.
 * - LOGO! 8 and S7-200 SMART get V memory as DB1 when created (851 / 8192 bytes); adding
 *   DB1 again replaces it with the new size, any other DB number is refused.
 * - A cold restart restores every DB that is neither S7_DB_RETAIN nor application
 *   memory to the image it had at the first request (DBs added later: to zeros).
 * - The CPU clock is UTC: the host's clock plus an offset that Set Clock changes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "server/cpu_int.h"
#include "s7/tag.h"
#include "util/date.h"
#include "util/hot.h"

#define AREA_MAX 65536u /* I/Q/M bytes, T/C elements: byte offsets are 16-bit */
#define DB_MAX 65535u

/* ---------------------------------------------------------------- helpers */

/* Index of an area code in cpu->areas, -1 for others. */
static int area_index(uint8_t area)
{
    switch (area) {
    case S7_AREA_I: return S7__A_I;
    case S7_AREA_Q: return S7__A_Q;
    case S7_AREA_M: return S7__A_M;
    case S7_AREA_T: return S7__A_T;
    case S7_AREA_C: return S7__A_C;
    default: return -1;
    }
}

/* Non-zero for the two area codes that address the DB table. */
static int is_db_area(uint8_t area) { return area == S7_AREA_DB || area == S7_AREA_DI; }

/* Position of db in the sorted table (where it is or would be inserted). */
static size_t db_pos(const s7_cpu *cpu, uint16_t db)
{
    size_t lo = 0, hi = cpu->ndbs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cpu->dbs[mid].db < db)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

S7_HOT s7__mem *s7__cpu_db(const s7_cpu *cpu, uint16_t db)
{
    size_t i = db_pos(cpu, db);
    return i < cpu->ndbs && cpu->dbs[i].db == db ? &cpu->dbs[i] : NULL;
}

s7__mem *s7__cpu_db_shown(const s7_cpu *cpu, uint16_t db)
{
    s7__mem *m = s7__cpu_db(cpu, db);
    return m && !m->hidden ? m : NULL;
}

/* The bytes a region holds (a DB shown shorter holds more than it shows). */
static uint32_t mem_held(const s7__mem *m) { return m->full > m->size ? m->full : m->size; }

/* Release what a region owns (not application memory). */
static void mem_release(s7__mem *m)
{
    if (!m->app)
        free(m->mem);
    free(m->init);
    m->mem = NULL;
    m->init = NULL;
    m->size = 0;
    m->full = 0;
    m->hidden = 0;
}

/* Make room for one more DB; returns 0 or S7_ERR_NOMEM. */
static int db_reserve(s7_cpu *cpu)
{
    if (cpu->ndbs < cpu->dbcap)
        return 0;
    size_t cap = cpu->dbcap ? cpu->dbcap * 2 : 16;
    s7__mem *n = realloc(cpu->dbs, cap * sizeof *n);
    if (!n)
        return S7_ERR_NOMEM;
    cpu->dbs = n;
    cpu->dbcap = cap;
    return 0;
}

/* Insert a zeroed region for db at its sorted place; returns it or NULL (no memory). */
static s7__mem *db_insert(s7_cpu *cpu, uint16_t db)
{
    if (db_reserve(cpu) < 0)
        return NULL;
    size_t i = db_pos(cpu, db);
    memmove(&cpu->dbs[i + 1], &cpu->dbs[i], (cpu->ndbs - i) * sizeof cpu->dbs[0]);
    cpu->ndbs++;
    s7__mem *m = &cpu->dbs[i];
    memset(m, 0, sizeof *m);
    m->area = S7_AREA_DB;
    m->db = db;
    return m;
}

/* Length of a possibly NULL string plus its NUL. */
static size_t slen(const char *s) { return (s ? strlen(s) : 0) + 1; }

/* Copy s (NULL = "") to *dst and advance it; returns the copy. */
static const char *scopy(char **dst, const char *s)
{
    char *d = *dst;
    size_t n = slen(s);
    memcpy(d, s ? s : "", n - 1);
    d[n - 1] = 0;
    *dst += n;
    return d;
}

/* ---------------------------------------------------------------- clock */

int s7__ms_to_dt(int64_t ms, s7_datetime *out)
{
    int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
    int64_t rest = ms - days * 86400000;
    int64_t y;
    unsigned mo, d;
    s7__civil_from_days(days, &y, &mo, &d);
    if (y < 1990 || y > 2089)
        return S7_ERR_VALUE;
    out->year = (uint16_t)y;
    out->month = (uint8_t)mo;
    out->day = (uint8_t)d;
    out->hour = (uint8_t)(rest / 3600000);
    out->min = (uint8_t)(rest / 60000 % 60);
    out->sec = (uint8_t)(rest / 1000 % 60);
    out->msec = (uint16_t)(rest % 1000);
    out->wday = (uint8_t)((days % 7 + 7 + 4) % 7 + 1); /* 1970-01-01 was a Thursday (5) */
    return 0;
}

int64_t s7__dt_to_ms(const s7_datetime *t)
{
    int64_t days = s7__days_from_civil(t->year, t->month, t->day);
    return days * 86400000 + (int64_t)t->hour * 3600000 + (int64_t)t->min * 60000 +
           (int64_t)t->sec * 1000 + t->msec;
}

/* The host's clock in ms since 1970 (UTC). */
static int64_t host_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return 0;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t s7__cpu_now_ms(const s7_cpu *cpu) { return host_ms() + cpu->clock_off_ms; }

/* ---------------------------------------------------------------- create / free */

/* A new CPU of profile p (NULL = "s7-300"), its strings copied; NULL on out of memory. */
s7_cpu *s7_cpu_new(const s7_profile *p)
{
    if (!p)
        p = s7_profile_find("s7-300");
    s7_cpu *cpu = calloc(1, sizeof *cpu);
    if (!cpu)
        return NULL;
    cpu->prof = *p;
    size_t n = slen(p->name) + slen(p->order_code) + slen(p->module_type) + slen(p->as_name) +
               slen(p->module_name) + slen(p->plant_id) + slen(p->copyright) + slen(p->serial);
    cpu->strs = malloc(n);
    if (!cpu->strs) {
        free(cpu);
        return NULL;
    }
    char *d = cpu->strs;
    cpu->prof.name = scopy(&d, p->name);
    cpu->prof.order_code = scopy(&d, p->order_code);
    cpu->prof.module_type = scopy(&d, p->module_type);
    cpu->prof.as_name = scopy(&d, p->as_name);
    cpu->prof.module_name = scopy(&d, p->module_name);
    cpu->prof.plant_id = scopy(&d, p->plant_id);
    cpu->prof.copyright = scopy(&d, p->copyright);
    cpu->prof.serial = scopy(&d, p->serial);
    cpu->ext = s7__profile_ext_of(p);
    cpu->put_get = p->put_get != 0;
    cpu->state = S7_CPU_STATE_RUN;
    cpu->state_ms = s7__cpu_now_ms(cpu);
    /* a power-on into RUN, as its diagnostic buffer records it */
    static const uint16_t POWER_ON[4] = {0x4300, 0x4301, 0x1382, 0x4302};
    for (int i = 0; i < 4; i++)
        s7__diag_add(cpu, POWER_ON[i]);

    static const uint8_t codes[S7__A_COUNT] = {S7_AREA_I, S7_AREA_Q, S7_AREA_M, S7_AREA_T,
                                               S7_AREA_C};
    for (int i = 0; i < S7__A_COUNT; i++) {
        s7__mem *m = &cpu->areas[i];
        m->area = codes[i];
        if ((i == S7__A_T || i == S7__A_C) && !p->has_timers)
            continue;
        m->size = i == S7__A_T || i == S7__A_C ? 2 * 256 : 1024;
        m->mem = calloc(1, m->size);
        if (!m->mem) {
            s7_cpu_free(cpu);
            return NULL;
        }
    }
    if (cpu->ext->vmem_size) {
        if (s7_cpu_add_db(cpu, 1, cpu->ext->vmem_size, 0) < 0) {
            s7_cpu_free(cpu);
            return NULL;
        }
        s7__cpu_db(cpu, 1)->auto_v = 1;
    }
    return cpu;
}

/* Frees the CPU and everything it owns (not application memory); NULL is a no-op. */
void s7_cpu_free(s7_cpu *cpu)
{
    if (!cpu)
        return;
    for (int i = 0; i < S7__A_COUNT; i++)
        mem_release(&cpu->areas[i]);
    for (size_t i = 0; i < cpu->ndbs; i++)
        mem_release(&cpu->dbs[i]);
    free(cpu->dbs);
    s7__blocks_free(cpu);
    free(cpu->strs);
    s7__alarms_free(cpu);
    free(cpu);
}

/* The CPU's copy of its profile (lives as long as the CPU). */
const s7_profile *s7_cpu_profile(const s7_cpu *cpu) { return cpu ? &cpu->prof : NULL; }

/* ---------------------------------------------------------------- memory */

int s7_cpu_add_db(s7_cpu *cpu, uint16_t num, uint32_t size, unsigned flags)
{
    if (!cpu || num == 0 || size == 0 || size > DB_MAX ||
        (flags & ~(unsigned)(S7_DB_OPTIMIZED | S7_DB_READONLY | S7_DB_RETAIN)))
        return S7_ERR_INVAL;
    int vonly = cpu->ext->family == S7__FAM_LOGO || cpu->ext->family == S7__FAM_S7200;
    if (vonly && num != 1)
        return S7_ERR_INVAL; /* V memory (DB1) is the only DB of a LOGO! / S7-200 */
    s7__mem *m = s7__cpu_db(cpu, num);
    if (m && !m->auto_v)
        return S7_ERR_INVAL;
    uint8_t *mem = calloc(1, size);
    if (!mem)
        return S7_ERR_NOMEM;
    if (m) {
        mem_release(m); /* the CPU's own V memory, replaced with the size asked for */
        m->auto_v = 0;
    } else if (!(m = db_insert(cpu, num))) {
        free(mem);
        return S7_ERR_NOMEM;
    }
    m->mem = mem;
    m->size = size;
    m->flags = flags;
    return 0;
}

int s7_cpu_set_area_size(s7_cpu *cpu, uint8_t area, uint32_t size)
{
    int i = area_index(area);
    if (!cpu || i < 0 || size == 0 || size > AREA_MAX)
        return S7_ERR_INVAL;
    int tc = i == S7__A_T || i == S7__A_C;
    if (tc && !cpu->prof.has_timers)
        return S7_ERR_UNSUPPORTED;
    s7__mem *m = &cpu->areas[i];
    if (m->app)
        return S7_ERR_STATE;
    uint32_t bytes = tc ? 2 * size : size;
    uint8_t *n = realloc(m->mem, bytes);
    if (!n)
        return S7_ERR_NOMEM;
    if (bytes > m->size)
        memset(n + m->size, 0, bytes - m->size);
    m->mem = n;
    m->size = bytes;
    return 0;
}

S7_HOT uint8_t *s7_cpu_mem(s7_cpu *cpu, uint8_t area, uint16_t db, uint32_t *size)
{
    s7__mem *m = NULL;
    if (cpu) {
        int i = area_index(area);
        if (is_db_area(area))
            m = s7__cpu_db_shown(cpu, db);
        else if (i >= 0 && cpu->areas[i].mem)
            m = &cpu->areas[i];
    }
    if (size)
        *size = m ? m->size : 0;
    return m ? m->mem : NULL;
}

unsigned s7_cpu_db_flags(const s7_cpu *cpu, uint16_t db)
{
    const s7__mem *m = cpu ? s7__cpu_db(cpu, db) : NULL;
    return m ? m->flags : 0;
}

int s7_cpu_set_db_shown(s7_cpu *cpu, uint16_t db, uint32_t len)
{
    s7__mem *m = cpu ? s7__cpu_db(cpu, db) : NULL;
    if (!m || m->app)
        return S7_ERR_INVAL;
    uint32_t held = mem_held(m);
    m->hidden = len == 0;
    if (len == 0 || len >= held) {
        m->size = held;
        m->full = 0;
    } else {
        m->size = len;
        m->full = held;
    }
    return 0;
}

int s7_cpu_set_db_flags(s7_cpu *cpu, uint16_t db, unsigned flags)
{
    s7__mem *m = cpu ? s7__cpu_db(cpu, db) : NULL;
    if (!m || (flags & ~(unsigned)(S7_DB_OPTIMIZED | S7_DB_READONLY)))
        return S7_ERR_INVAL;
    m->flags = (m->flags & S7_DB_RETAIN) | flags;
    return 0;
}

S7_HOT s7__mem *s7__cpu_region(s7_cpu *cpu, uint8_t area, uint16_t db, int write)
{
    if (is_db_area(area))
        return db ? s7__cpu_db_shown(cpu, db) : NULL;
    if (area == S7_AREA_P)
        area = write ? S7_AREA_Q : S7_AREA_I;
    int i = area_index(area);
    if (i < 0 || !cpu->areas[i].mem)
        return NULL;
    return &cpu->areas[i];
}

S7_HOT int s7__cpu_access(const s7_cpu *cpu, const s7__mem *m)
{
    int a = m->access;
    if (m->area == S7_AREA_DB && cpu->db_access > a)
        a = cpu->db_access;
    return a;
}

/* See cpu.h.  size is in bytes (T/C: 2 per element); a DB registered over an existing
 * one replaces its memory and keeps its flags and access; the CPU never frees mem. */
int s7_cpu_register_area(s7_cpu *cpu, uint8_t area, uint16_t db, uint8_t *mem, uint32_t size,
                         void (*lock)(void *ctx), void (*unlock)(void *ctx), void *ctx)
{
    if (!cpu || !mem || size == 0)
        return S7_ERR_INVAL;
    s7__mem *m;
    if (is_db_area(area)) {
        if (db == 0 || size > DB_MAX)
            return S7_ERR_INVAL;
        int vonly = cpu->ext->family == S7__FAM_LOGO || cpu->ext->family == S7__FAM_S7200;
        if (vonly && db != 1)
            return S7_ERR_INVAL;
        m = s7__cpu_db(cpu, db);
        if (m) {
            mem_release(m);
            m->auto_v = 0;
        } else if (!(m = db_insert(cpu, db))) {
            return S7_ERR_NOMEM;
        }
    } else {
        int i = area_index(area);
        if (i < 0)
            return S7_ERR_INVAL;
        if ((i == S7__A_T || i == S7__A_C) && !cpu->prof.has_timers)
            return S7_ERR_UNSUPPORTED;
        if (size > 2 * AREA_MAX)
            return S7_ERR_INVAL;
        m = &cpu->areas[i];
        mem_release(m);
    }
    m->mem = mem;
    m->size = size;
    m->app = 1;
    m->lock = lock;
    m->unlock = unlock;
    m->ctx = ctx;
    return 0;
}

/* Writes a formatted message into err (when not NULL); returns rc. */
static int fail(int rc, char *err, size_t errcap, const char *fmt, const char *a, unsigned x,
                unsigned y)
{
    if (err && errcap)
        snprintf(err, errcap, fmt, a, x, y);
    return rc;
}

int s7_cpu_set_value(s7_cpu *cpu, const char *assignment, char *err, size_t errcap)
{
    if (err && errcap)
        err[0] = 0;
    if (!cpu || !assignment)
        return S7_ERR_INVAL;
    const char *eq = strchr(assignment, '=');
    if (!eq)
        return fail(S7_ERR_VALUE, err, errcap,
                    "'%s' is no assignment: write ADDRESS=VALUE, e.g. MW10=7", assignment, 0, 0);
    const char *a = assignment, *b = eq;
    while (a < b && (*a == ' ' || *a == '\t'))
        a++;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t'))
        b--;
    char addr[160];
    if ((size_t)(b - a) >= sizeof addr || a == b)
        return fail(S7_ERR_ADDR, err, errcap, "no usable address before '=' in '%s'", assignment, 0,
                    0);
    memcpy(addr, a, (size_t)(b - a));
    addr[b - a] = 0;
    const char *value = eq + 1;
    while (*value == ' ' || *value == '\t')
        value++;

    s7_tag t;
    int rc = s7_tag_parse(addr, &t, err, errcap);
    if (rc < 0)
        return rc;
    s7__mem *m = s7__cpu_region(cpu, t.area, t.db, 0);
    if (!m) {
        if (is_db_area(t.area))
            return fail(S7_ERR_ADDR, err, errcap, "%s: DB%u does not exist on this CPU", addr, t.db,
                        0);
        return fail(S7_ERR_ADDR, err, errcap, "%s: this CPU has no such area (16#%02X)", addr,
                    t.area, 0);
    }
    uint32_t n = s7_tag_wire_size(&t);
    uint64_t off = (t.area == S7_AREA_T || t.area == S7_AREA_C) ? 2ull * t.byte : t.byte;
    if (n == 0 || off + n > m->size)
        return fail(S7_ERR_ADDR, err, errcap,
                    "%s is past the end of its area (%u bytes there, %u needed)", addr, m->size,
                    (unsigned)(off + n));
    uint8_t *buf = malloc(n);
    if (!buf)
        return S7_ERR_NOMEM;
    if (m->lock)
        m->lock(m->ctx);
    memcpy(buf, m->mem + off, n); /* BOOLs replace only their bits */
    if (m->unlock)
        m->unlock(m->ctx);
    int single_bit = t.type == S7_T_BOOL && t.count <= 1; /* parsed as one 0/1 byte */
    rc = s7_value_parse(&t, value, buf, n, err, errcap);
    if (rc >= 0) {
        s7__cpu_land(m, (uint32_t)off, single_bit ? (int)(t.bit & 7u) : -1, buf, n);
        rc = 0;
    }
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- writes */

S7_HOT void s7__cpu_land(s7__mem *m, uint32_t off, int bit, const uint8_t *data, uint32_t n)
{
    if (m->lock)
        m->lock(m->ctx);
    if (bit >= 0) {
        uint8_t mask = (uint8_t)(1u << (bit & 7));
        m->mem[off] = (uint8_t)(data[0] & 1u ? m->mem[off] | mask : m->mem[off] & ~mask);
    } else {
        memcpy(m->mem + off, data, n);
    }
    if (m->unlock)
        m->unlock(m->ctx);
}

S7_HOT int s7_cpu_write(s7_cpu *cpu, uint8_t area, uint16_t db, uint32_t start, int bit,
                        const uint8_t *data, uint32_t len)
{
    if (!cpu || !data || len == 0 || bit < -1 || bit > 7 || (bit >= 0 && len != 1))
        return S7_ERR_INVAL;
    if (area == S7_AREA_P)
        return S7_ERR_INVAL; /* the peripheral area names no memory of its own */
    s7__mem *m = s7__cpu_region(cpu, area, db, 1);
    if (!m || start > m->size || len > m->size - start)
        return S7_ERR_ADDR;
    s7__cpu_land(m, start, bit, data, len);
    if (cpu->ev) { /* no session: the CPU itself wrote */
        s7_cpu_event ev = {.kind = S7_EV_WRITE,
                           .area = m->area,
                           .db = m->db,
                           .start = start,
                           .len = len,
                           .rc = S7_RC_OK,
                           .data = data,
                           .ts = bit >= 0 ? S7_TS_BIT : S7_TS_BYTE,
                           .bit = (uint8_t)(bit >= 0 ? bit : 0)};
        s7__cpu_emit(cpu, &ev);
    }
    return 0;
}

/* ---------------------------------------------------------------- settings */

void s7_cpu_set_put_get(s7_cpu *cpu, int permitted)
{
    if (cpu)
        cpu->put_get = permitted != 0;
}

int s7_cpu_put_get(const s7_cpu *cpu) { return cpu ? cpu->put_get : 0; }

int s7_cpu_set_access(s7_cpu *cpu, uint8_t area, uint16_t db, int access)
{
    if (!cpu || access < S7_ACCESS_RW || access > S7_ACCESS_NONE)
        return S7_ERR_INVAL;
    if (is_db_area(area)) {
        if (db == 0) {
            cpu->db_access = access;
            return 0;
        }
        s7__mem *m = s7__cpu_db(cpu, db);
        if (!m)
            return S7_ERR_INVAL;
        m->access = access;
        return 0;
    }
    int i = area_index(area);
    if (i < 0 || !cpu->areas[i].mem)
        return S7_ERR_INVAL;
    cpu->areas[i].access = access;
    return 0;
}

void s7_cpu_set_location(s7_cpu *cpu, uint8_t rack, uint8_t slot)
{
    if (cpu) {
        cpu->prof.rack = (uint8_t)(rack & 7);
        cpu->prof.slot = (uint8_t)(slot & 31);
    }
}

void s7_cpu_set_max_conn(s7_cpu *cpu, int type, uint16_t n)
{
    if (cpu && type >= 0 && type <= 3)
        cpu->prof.max_conn[type] = n;
}

S7_HOT int s7_cpu_state(const s7_cpu *cpu) { return cpu ? cpu->state : 0; }

/* The state change and its diagnostic buffer entries; restart is the request's event
 * (0x1381 warm, 0x1385 cold) when going into RUN. */
static void set_state(s7_cpu *cpu, int state, uint16_t restart)
{
    if (cpu->state != state) {
        cpu->state = state;
        cpu->state_ms = s7__cpu_now_ms(cpu);
        if (state == S7_CPU_STATE_STOP) {
            s7__diag_add(cpu, 0x4304);
        } else {
            s7__diag_add(cpu, 0x4301);
            s7__diag_add(cpu, restart);
            s7__diag_add(cpu, 0x4302);
        }
    }
}

void s7__cpu_set_state(s7_cpu *cpu, int state) { set_state(cpu, state, 0x1381); }

void s7__cpu_start(s7_cpu *cpu, int cold)
{
    set_state(cpu, S7_CPU_STATE_RUN, cold ? 0x1385 : 0x1381);
}

void s7_cpu_set_state(s7_cpu *cpu, int state)
{
    if (cpu && (state == S7_CPU_STATE_RUN || state == S7_CPU_STATE_STOP))
        s7__cpu_set_state(cpu, state);
}

void s7_cpu_on_event(s7_cpu *cpu, s7_cpu_event_fn fn, void *ctx)
{
    if (cpu) {
        cpu->ev = fn;
        cpu->ev_ctx = ctx;
    }
}

S7_HOT void s7__cpu_emit(s7_cpu *cpu, const s7_cpu_event *ev)
{
    if (cpu->ev)
        cpu->ev(cpu->ev_ctx, ev);
}

S7_HOT s7_cpu_event s7__cpu_event(int kind, const s7_cpu_session *sess)
{
    s7_cpu_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.sess = sess;
    return ev;
}

void s7_cpu_set_conn_use(s7_cpu *cpu, const uint16_t in_use[4])
{
    if (cpu && in_use)
        memcpy(cpu->conn_use, in_use, sizeof cpu->conn_use);
}

/* ---------------------------------------------------------------- restart images */

S7_HOT void s7__cpu_first_request(s7_cpu *cpu)
{
    if (cpu->started)
        return;
    cpu->started = 1;
    for (size_t i = 0; i < cpu->ndbs; i++) {
        s7__mem *m = &cpu->dbs[i];
        if (m->app || (m->flags & S7_DB_RETAIN) || m->init)
            continue;
        m->init = malloc(mem_held(m));
        if (m->init) /* without memory the DB restarts as zeros */
            memcpy(m->init, m->mem, mem_held(m));
    }
}

void s7__cpu_cold_restore(s7_cpu *cpu)
{
    for (size_t i = 0; i < cpu->ndbs; i++) {
        s7__mem *m = &cpu->dbs[i];
        if (m->app || (m->flags & S7_DB_RETAIN))
            continue;
        if (m->init)
            memcpy(m->mem, m->init, mem_held(m));
        else
            memset(m->mem, 0, mem_held(m));
    }
}

/* ---------------------------------------------------------------- sessions */

void s7__cpu_session_init(s7_cpu_session *s)
{
    if (s)
        memset(s, 0, sizeof *s);
}

void s7__ud_pending_drop(s7_cpu_session *s)
{
    if (!s)
        return;
    free(s->ud_pending);
    s->ud_pending = NULL;
    s->ud_len = s->ud_off = 0;
}

void s7__cpu_session_release(s7_cpu_session *s)
{
    s7__ud_pending_drop(s);
    s7__cyclic_release(s);
    s7__alarm_release(s);
}

s7_cpu_session *s7_cpu_session_new(void) { return calloc(1, sizeof(s7_cpu_session)); }

void s7_cpu_session_free(s7_cpu_session *s)
{
    if (!s)
        return;
    s7__prog_release(s);
    s7__cpu_session_release(s);
    s7__blocks_session_end(s);
    free(s);
}

void s7_cpu_session_reset(s7_cpu_session *s)
{
    s7__prog_release(s);
    s7__cpu_session_release(s);
    s7__blocks_session_end(s);
    s7__cpu_session_init(s);
}

void s7_cpu_session_set_peer(s7_cpu_session *s, const char *peer, uint32_t ip4)
{
    snprintf(s->peer, sizeof s->peer, "%s", peer ? peer : "");
    s->peer_ip = ip4;
}

const char *s7_cpu_session_peer(const s7_cpu_session *s) { return s->peer; }
uint32_t s7_cpu_session_peer_ip(const s7_cpu_session *s) { return s->peer_ip; }
int s7_cpu_session_conn_type(const s7_cpu_session *s) { return s->conn_type; }
uint16_t s7_cpu_session_pdu(const s7_cpu_session *s) { return s->pdu; }
uint16_t s7_cpu_session_amq(const s7_cpu_session *s) { return s->amq; }

static const char *const TYPE_NAMES[4] = {"", "PG", "OP", "S7 basic"};

/* Connection type of a called-TSAP high byte (0 when no S7 type). */
static int conn_type_of(uint8_t hi)
{
    if (hi == 1 || hi == 2)
        return hi;
    return hi >= 3 && hi <= 0x10 ? 3 : 0;
}

/* Check a TSAP against the rack/slot rule; returns the connection type or 0 with
 * cpu->reason set. */
static int rackslot_rule(s7_cpu *cpu, uint16_t tsap)
{
    uint8_t hi = (uint8_t)(tsap >> 8), lo = (uint8_t)tsap;
    int t = conn_type_of(hi);
    if (!t) {
        snprintf(cpu->reason, sizeof cpu->reason,
                 "called TSAP %04X has connection type %02X; this CPU takes 01 (PG), 02 (OP) or "
                 "03..10 (S7 basic)",
                 tsap, hi);
        return 0;
    }
    uint8_t want = (uint8_t)(cpu->prof.rack << 5 | cpu->prof.slot);
    /* an S7-1200 / 1500 at slot 1 answers slot 0 too (the Snap7 author's table: "rack 0,
     * slot 0 or 1"; nmap's s7-info asks 0x0102 and then 0x0200) */
    int plus0 = cpu->ext->family == S7__FAM_PLUS && cpu->prof.slot == 1 &&
                lo == (uint8_t)(cpu->prof.rack << 5);
    if (lo != want && !plus0) {
        snprintf(cpu->reason, sizeof cpu->reason,
                 "called TSAP %04X names rack %u slot %u; this CPU is at rack %u slot %u", tsap,
                 lo >> 5, lo & 31u, cpu->prof.rack, cpu->prof.slot);
        return 0;
    }
    return t;
}

/* TSAPs accepted besides (S7-200) or instead of (LOGO!) the rack/slot rule. */
static const uint16_t LOGO_TSAPS[] = {0x0200, 0x0201, 0x2000, 0x0102};
static const uint16_t S7200_TSAPS[] = {0x1000, 0x0200};

/* Non-zero when tsap is one of l[0..n-1]. */
static int in_list(uint16_t tsap, const uint16_t *l, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (l[i] == tsap)
            return 1;
    return 0;
}

/* TSAP rules:
 * - S7_TSAP_RACKSLOT: high byte 01 PG, 02 OP, 03..10 S7 basic; low byte must be
 *   rack << 5 | slot of this CPU (s7_cpu_set_location).
 * - S7_TSAP_LOGO (LOGO! 8 server connections): called TSAP 02.00, 02.01, 20.00
 *   (python-snap7 logo.py) or 01.02 (S7NetPlus); type by high byte (01 PG, 02 OP, else
 *   S7 basic).
 * - S7_TSAP_S7200 (S7-200 SMART): the rack/slot rule at its location (rack 0 slot 1:
 *   01.01, 02.01, 03.01 ... 10.01 as with a CP243-1) plus 10.00 (S7 basic) and 02.00 (OP).
 * The calling TSAP is not checked (S7-1500 does not either).
 * Budgets: max_conn[type] and max_conn[0] (0 = none of that type). */
int s7_cpu_accept(s7_cpu *cpu, s7_cpu_session *sess, const s7_cotp *cr, const uint16_t in_use[4],
                  const char **reason)
{
    if (reason)
        *reason = NULL;
    if (!cpu || !sess || !cr)
        return S7_ERR_INVAL;
    cpu->reason[0] = 0;
    int t = 0;
    if (cr->called_len != 2 || !cr->called) {
        if (cr->called_len == 0)
            snprintf(cpu->reason, sizeof cpu->reason,
                     "the connection request names no called TSAP");
        else
            snprintf(cpu->reason, sizeof cpu->reason,
                     "called TSAP of %u bytes is no PUT/GET TSAP (S7CommPlus/TIA uses long TSAPs)",
                     (unsigned)cr->called_len);
    } else {
        uint16_t tsap = (uint16_t)(cr->called[0] << 8 | cr->called[1]);
        switch (cpu->prof.tsap_mode) {
        case S7_TSAP_LOGO:
            if (in_list(tsap, LOGO_TSAPS, sizeof LOGO_TSAPS / sizeof LOGO_TSAPS[0])) {
                t = conn_type_of(cr->called[0]);
                if (!t)
                    t = 3;
            } else {
                snprintf(
                    cpu->reason, sizeof cpu->reason,
                    "called TSAP %04X is not one this LOGO! serves (02.00, 02.01, 20.00 or 01.02)",
                    tsap);
            }
            break;
        case S7_TSAP_S7200:
            if (in_list(tsap, S7200_TSAPS, sizeof S7200_TSAPS / sizeof S7200_TSAPS[0]))
                t = conn_type_of(cr->called[0]);
            else
                t = rackslot_rule(cpu, tsap);
            break;
        default: t = rackslot_rule(cpu, tsap); break;
        }
    }
    if (t) {
        static const uint16_t zero[4] = {0, 0, 0, 0};
        const uint16_t *u = in_use ? in_use : zero;
        if (u[t] >= cpu->prof.max_conn[t]) {
            snprintf(cpu->reason, sizeof cpu->reason, "no free %s connection: %u of %u in use",
                     TYPE_NAMES[t], u[t], cpu->prof.max_conn[t]);
            t = 0;
        } else if (u[0] >= cpu->prof.max_conn[0]) {
            snprintf(cpu->reason, sizeof cpu->reason, "no free connection: %u of %u in use", u[0],
                     cpu->prof.max_conn[0]);
            t = 0;
        }
    }
    if (!t) {
        if (reason)
            *reason = cpu->reason;
        /* one entry for a run of refusals */
        int last = (cpu->diag_head + S7__DIAG_MAX - 1) % S7__DIAG_MAX;
        if (cpu->ndiag == 0 ||
            (cpu->diag[last][0] << 8 | cpu->diag[last][1]) != S7__DIAG_CR_REFUSED)
            s7__diag_add(cpu, S7__DIAG_CR_REFUSED);
        return S7_ERR_CR_REJECTED;
    }
    sess->conn_type = (uint8_t)t;
    return 0;
}
