/* s7kit plant simulation: faults of the emulated CPUs and of the network
 * (include/s7/exchange_sim.h): parsed from "CPU:KIND[:ARG]" or "router:KIND:CONNECTION";
 * the CPU's applied to, or cleared from, the CPU model while it serves (the network's are
 * applied by the caller, which owns the namespaces). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/sim_int.h"
#include "s7/wire.h"

static const char FORMS[] =
    "CPU:put_get_off, CPU:stop, CPU:optimized:DBn, CPU:budget[:pg|op|basic], CPU:db_missing:DBn, "
    "CPU:db_short:DBn:LEN, CPU:slot:N, CPU:port_closed, CPU:down, router:drop:CONNECTION, "
    "router:reject:CONNECTION, router:reset:CONNECTION or router:drop_replies:CONNECTION";

static const struct {
    const char *name;
    int kind;
} ROUTER_KINDS[] = {{"drop", S7_SIM_FAULT_ROUTER_DROP},
                    {"reject", S7_SIM_FAULT_ROUTER_REJECT},
                    {"reset", S7_SIM_FAULT_ROUTER_RESET},
                    {"drop_replies", S7_SIM_FAULT_ROUTER_DROP_REPLIES}};
#define NROUTER_KINDS (sizeof ROUTER_KINDS / sizeof ROUTER_KINDS[0])

static ptrdiff_t partner_named(const s7_plant *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->npartners; i++)
        if (strlen(p->partners[i].name) == len && strncmp(p->partners[i].name, name, len) == 0)
            return (ptrdiff_t)i;
    return -1;
}

static int router_kind(int kind)
{
    return kind == S7_SIM_FAULT_ROUTER_DROP || kind == S7_SIM_FAULT_ROUTER_REJECT ||
           kind == S7_SIM_FAULT_ROUTER_RESET || kind == S7_SIM_FAULT_ROUTER_DROP_REPLIES;
}

int s7_sim_fault_is_net(const s7_sim_fault *f)
{
    return f && (router_kind(f->kind) || f->kind == S7_SIM_FAULT_DOWN);
}

/* "router:KIND:CONNECTION" (kind points past "router:"). */
static int parse_router(const s7_plant *p, const char *spec, const char *kind, s7_sim_fault *f,
                        char *err, size_t cap)
{
    const char *c2 = strchr(kind, ':');
    size_t kl = c2 ? (size_t)(c2 - kind) : strlen(kind);
    int k = 0;
    for (size_t i = 0; i < NROUTER_KINDS; i++)
        if (strlen(ROUTER_KINDS[i].name) == kl && strncmp(ROUTER_KINDS[i].name, kind, kl) == 0)
            k = ROUTER_KINDS[i].kind;
    if (!k || !c2 || !c2[1]) {
        snprintf(err, cap,
                 "fault '%s': a router fault is router:drop:CONNECTION, router:reject:CONNECTION "
                 "(ICMP admin-prohibited), router:reset:CONNECTION (TCP reset) or "
                 "router:drop_replies:CONNECTION",
                 spec);
        return -1;
    }
    const char *conn = c2 + 1;
    for (size_t c = 0; c < p->nconns; c++)
        if (strcmp(p->conns[c].name, conn) == 0) {
            const s7_plant_conn *cn = &p->conns[c];
            if (p->partners[cn->active].cell == p->partners[cn->passive].cell) {
                snprintf(err, cap,
                         "fault '%s': connection %s stays inside cell %s, no router is on "
                         "its path; name a connection between two cells",
                         spec, cn->name, p->cells[p->partners[cn->active].cell].name);
                return -1;
            }
            f->kind = k;
            f->conn = c;
            return 0;
        }
    snprintf(err, cap, "fault '%s': no connection named '%s' in the inventory", spec, conn);
    return -1;
}

/* "DBn" or "n" at d, up to end-of-string or ':' (*rest gets what follows). */
static int parse_db(const char *d, uint16_t *db, const char **rest)
{
    char *end = NULL;
    if ((d[0] == 'D' || d[0] == 'd') && (d[1] == 'B' || d[1] == 'b'))
        d += 2;
    if (d[0] < '0' || d[0] > '9')
        return -1;
    unsigned long n = strtoul(d, &end, 10);
    if ((*end && *end != ':') || n == 0 || n > 65535)
        return -1;
    *db = (uint16_t)n;
    *rest = end;
    return 0;
}

/* name appended to the list in buf ("a, b, c") when it fits with room left for the end
 * that names_end writes; the first name that does not fit ends the list with "...", and
 * the names after it are left out (a cut list is never shown as the whole one). */
static void add_name(char *buf, size_t cap, const char *name)
{
    size_t l = strlen(buf);
    if (l >= 3 && strcmp(buf + l - 3, "...") == 0)
        return;
    if (l + 2 + strlen(name) + 24 < cap)
        snprintf(buf + l, cap - l, "%s%s", l ? ", " : "", name);
    else if (l + 5 < cap)
        snprintf(buf + l, cap - l, "%s...", l ? ", " : "");
}

/* A list cut by add_name gets the count of all its names: "a, b, ... (90 in all)". */
static void names_end(char *buf, size_t cap, size_t n)
{
    size_t l = strlen(buf);
    if (l >= 3 && strcmp(buf + l - 3, "...") == 0)
        snprintf(buf + l, cap - l, " (%zu in all)", n);
}

/* The budget a CPU:budget fault takes: [0] all, [1..3] PG, OP, basic. */
static int budget_slot(const s7_sim_fault *f)
{
    return f->ctype >= 1 && f->ctype <= 3 ? f->ctype : 0;
}

int s7_sim_fault_parse(const s7_plant *p, const char *spec, s7_sim_fault *f, char *err, size_t cap)
{
    memset(f, 0, sizeof *f);
    const char *colon = spec ? strchr(spec, ':') : NULL;
    if (!colon || colon == spec) {
        snprintf(err, cap, "fault '%s': expected %s", spec ? spec : "", FORMS);
        return -1;
    }
    const char *kind = colon + 1;
    if (strncmp(spec, "router:", 7) == 0 && partner_named(p, "router", 6) < 0)
        return parse_router(p, spec, kind, f, err, cap);
    ptrdiff_t pi = partner_named(p, spec, (size_t)(colon - spec));
    if (pi < 0) {
        char names[400] = "";
        for (size_t i = 0; i < p->npartners; i++)
            add_name(names, sizeof names, p->partners[i].name);
        names_end(names, sizeof names, p->npartners);
        snprintf(err, cap,
                 "fault '%s': no partner named '%.*s' in the inventory (partners: %s; %s)", spec,
                 (int)(colon - spec), spec, names, FORMS);
        return -1;
    }
    int cl = (int)(colon - spec);
    f->partner = (size_t)pi;
    const char *rest = "";
    if (strcmp(kind, "put_get_off") == 0) {
        f->kind = S7_SIM_FAULT_PUT_GET_OFF;
    } else if (strcmp(kind, "stop") == 0) {
        f->kind = S7_SIM_FAULT_STOP;
    } else if (strcmp(kind, "budget") == 0 || strncmp(kind, "budget:", 7) == 0) {
        f->kind = S7_SIM_FAULT_BUDGET;
        static const char *const types[] = {"pg", "op", "basic"};
        for (int t = 0; kind[6] == ':' && t < 3; t++)
            if (strcmp(kind + 7, types[t]) == 0)
                f->ctype = (uint8_t)(t + 1);
        if (kind[6] == ':' && !f->ctype) {
            snprintf(err, cap,
                     "fault '%s': expected %.*s:budget (every connection resource) or "
                     "%.*s:budget:pg, :op or :basic (those of one connection type)",
                     spec, cl, spec, cl, spec);
            return -1;
        }
    } else if (strcmp(kind, "port_closed") == 0) {
        f->kind = S7_SIM_FAULT_PORT_CLOSED;
    } else if (strcmp(kind, "down") == 0) {
        f->kind = S7_SIM_FAULT_DOWN;
    } else if (strncmp(kind, "optimized:", 10) == 0 || strncmp(kind, "db_missing:", 11) == 0) {
        int opt = kind[0] == 'o';
        if (parse_db(kind + (opt ? 10 : 11), &f->db, &rest) < 0 || *rest) {
            snprintf(err, cap, "fault '%s': expected a DB number 1..65535, e.g. %.*s:%s:DB10", spec,
                     cl, spec, opt ? "optimized" : "db_missing");
            return -1;
        }
        f->kind = opt ? S7_SIM_FAULT_OPTIMIZED : S7_SIM_FAULT_DB_MISSING;
    } else if (strncmp(kind, "db_short:", 9) == 0) {
        char *end = NULL;
        unsigned long len = 0;
        if (parse_db(kind + 9, &f->db, &rest) == 0 && *rest == ':' && rest[1] >= '0' &&
            rest[1] <= '9')
            len = strtoul(rest + 1, &end, 10);
        if (!end || *end || len == 0 || len > 65534) {
            snprintf(err, cap,
                     "fault '%s': expected a DB number 1..65535 and the length it shows, "
                     "1..65534 bytes, e.g. %.*s:db_short:DB10:16",
                     spec, cl, spec);
            return -1;
        }
        f->kind = S7_SIM_FAULT_DB_SHORT;
        f->len = (uint32_t)len;
    } else if (strncmp(kind, "slot:", 5) == 0) {
        char *end = NULL;
        unsigned long n = strtoul(kind + 5, &end, 10);
        if (kind[5] < '0' || kind[5] > '9' || *end || n > 31) {
            snprintf(err, cap,
                     "fault '%s': expected the slot the CPU moves to, 0..31, e.g. %.*s:slot:3",
                     spec, cl, spec);
            return -1;
        }
        f->kind = S7_SIM_FAULT_SLOT;
        f->slot = (uint8_t)n;
    } else {
        snprintf(err, cap, "fault '%s': unknown fault '%s'; expected %s", spec, kind, FORMS);
        return -1;
    }
    return 0;
}

const char *s7_sim_fault_text(const s7_plant *p, const s7_sim_fault *f, char *buf, size_t cap)
{
    const char *pn = f->partner < p->npartners ? p->partners[f->partner].name : "?";
    const char *cn = f->conn < p->nconns ? p->conns[f->conn].name : "?";
    switch (f->kind) {
    case S7_SIM_FAULT_PUT_GET_OFF: snprintf(buf, cap, "%s:put_get_off", pn); break;
    case S7_SIM_FAULT_STOP: snprintf(buf, cap, "%s:stop", pn); break;
    case S7_SIM_FAULT_BUDGET:
        snprintf(buf, cap, "%s:budget%s", pn,
                 f->ctype == 1   ? ":pg"
                 : f->ctype == 2 ? ":op"
                 : f->ctype == 3 ? ":basic"
                                 : "");
        break;
    case S7_SIM_FAULT_PORT_CLOSED: snprintf(buf, cap, "%s:port_closed", pn); break;
    case S7_SIM_FAULT_DOWN: snprintf(buf, cap, "%s:down", pn); break;
    case S7_SIM_FAULT_OPTIMIZED: snprintf(buf, cap, "%s:optimized:DB%u", pn, f->db); break;
    case S7_SIM_FAULT_DB_MISSING: snprintf(buf, cap, "%s:db_missing:DB%u", pn, f->db); break;
    case S7_SIM_FAULT_DB_SHORT:
        snprintf(buf, cap, "%s:db_short:DB%u:%u", pn, f->db, (unsigned)f->len);
        break;
    case S7_SIM_FAULT_SLOT: snprintf(buf, cap, "%s:slot:%u", pn, f->slot); break;
    default: {
        const char *k = NULL;
        for (size_t i = 0; i < NROUTER_KINDS; i++)
            if (ROUTER_KINDS[i].kind == f->kind)
                k = ROUTER_KINDS[i].name;
        if (k)
            snprintf(buf, cap, "router:%s:%s", k, cn);
        else
            snprintf(buf, cap, "?");
        break;
    }
    }
    return buf;
}

/* A DB fault needs a DB of the CPU (the documented ones are): its size as held into *size,
 * what it shows now into *shown (0: shown as absent). */
static int db_of(s7__sim_cpu *x, const char *name, uint16_t db, uint32_t *size, uint32_t *shown,
                 char *err, size_t cap)
{
    *shown = 0;
    s7_cpu_mem(x->cpu, S7_AREA_DB, db, shown);
    if (s7_cpu_set_db_shown(x->cpu, db, 0xFFFFFFFFu) < 0 ||
        !s7_cpu_mem(x->cpu, S7_AREA_DB, db, size)) {
        snprintf(err, cap, "%s has no DB%u (the inventory documents none on it)", name, db);
        return -1;
    }
    s7_cpu_set_db_shown(x->cpu, db, *shown);
    return 0;
}

/* The DB fault DB db of x holds now (S7_SIM_FAULT_OPTIMIZED, _DB_MISSING, _DB_SHORT with its
 * length in *len; 0 none), -1 when the CPU has no such DB (err says so).  A DB holds at
 * most one of them at a time: they are set on the same DB's flags and shown length. */
static int db_fault_now(s7__sim_cpu *x, const char *name, uint16_t db, uint32_t *size,
                        uint32_t *shown, char *err, size_t cap)
{
    if (db_of(x, name, db, size, shown, err, cap) < 0)
        return -1;
    if (*shown == 0)
        return S7_SIM_FAULT_DB_MISSING;
    if (*shown < *size)
        return S7_SIM_FAULT_DB_SHORT;
    if (s7_cpu_db_flags(x->cpu, db) & S7_DB_OPTIMIZED)
        return S7_SIM_FAULT_OPTIMIZED;
    return 0;
}

/* A fault injected twice, or cleared when it does not hold: refused, saying which. */
static int held_already(const char *name, int on, char *err, size_t cap)
{
    snprintf(err, cap, "%s: %s", name,
             on ? "that fault is injected already"
                : "that fault is not injected (nothing to clear)");
    return S7_ERR_STATE;
}

/* Whether CPU fault f holds on x now (1), does not (0), or cannot be told (-1): injecting a
 * fault that holds, or clearing one that does not, is refused instead of answered ok. */
static int fault_held(s7__sim_cpu *x, const s7_sim_fault *f)
{
    switch (f->kind) {
    case S7_SIM_FAULT_PUT_GET_OFF: return x->put_get ? !s7_cpu_put_get(x->cpu) : -1;
    case S7_SIM_FAULT_STOP: return s7_cpu_state(x->cpu) == S7_CPU_STATE_STOP;
    case S7_SIM_FAULT_BUDGET: return x->budget_on[budget_slot(f)];
    case S7_SIM_FAULT_SLOT: return x->moved ? (int)(s7_cpu_profile(x->cpu)->slot == f->slot) : 0;
    case S7_SIM_FAULT_PORT_CLOSED: return x->closed;
    default: return -1; /* the DB faults: told in s7_sim_fault_set once the DB is found */
    }
}

int s7_sim_fault_set(s7_sim *s, const s7_sim_fault *f, int on, char *err, size_t cap)
{
    if (s7_sim_fault_is_net(f)) {
        snprintf(err, cap, "%s",
                 f->kind == S7_SIM_FAULT_DOWN
                     ? "a host that is down is made by the network (namespaces), not the CPU"
                     : "a router fault is applied by the packet filter, not the CPUs");
        return S7_ERR_UNSUPPORTED;
    }
    if (f->partner >= s->p->npartners || s->cpu_of[f->partner] < 0) {
        char names[400] = "";
        for (size_t i = 0; i < s->ncpus; i++)
            add_name(names, sizeof names, s->p->partners[s->cpus[i].partner].name);
        names_end(names, sizeof names, s->ncpus);
        snprintf(err, cap,
                 "partner %s is not an emulated CPU (it serves no connection); the CPUs: %s",
                 f->partner < s->p->npartners ? s->p->partners[f->partner].name : "?", names);
        return S7_ERR_INVAL;
    }
    s7__sim_cpu *x = &s->cpus[s->cpu_of[f->partner]];
    const char *name = s->p->partners[f->partner].name;
    int held = fault_held(x, f);
    if (held >= 0 && held == on)
        return held_already(name, on, err, cap);
    switch (f->kind) {
    case S7_SIM_FAULT_PUT_GET_OFF: s7_cpu_set_put_get(x->cpu, on ? 0 : x->put_get); break;
    case S7_SIM_FAULT_STOP:
        s7_cpu_set_state(x->cpu, on ? S7_CPU_STATE_STOP : S7_CPU_STATE_RUN);
        break;
    case S7_SIM_FAULT_BUDGET: {
        int k = budget_slot(f);
        s7_cpu_set_max_conn(x->cpu, k, on ? 0 : k ? x->budget_of[k] : x->budget_total);
        x->budget_on[k] = (uint8_t)on;
        break;
    }
    case S7_SIM_FAULT_OPTIMIZED:
    case S7_SIM_FAULT_DB_MISSING:
    case S7_SIM_FAULT_DB_SHORT: {
        uint32_t size = 0, shown = 0;
        int now = db_fault_now(x, name, f->db, &size, &shown, err, cap);
        if (now < 0)
            return S7_ERR_INVAL;
        if (on && f->kind == S7_SIM_FAULT_DB_SHORT && f->len >= size) {
            snprintf(err, cap, "%s's DB%u is %u bytes long: a shorter DB is 1..%u bytes", name,
                     f->db, (unsigned)size, (unsigned)size - 1);
            return S7_ERR_INVAL;
        }
        int dheld = now == f->kind && (now != S7_SIM_FAULT_DB_SHORT || shown == f->len);
        if (now && !dheld) { /* another fault on this DB: one at a time, cleared as injected */
            s7_sim_fault h = *f;
            char t[160];
            h.kind = now;
            h.len = shown;
            s7_sim_fault_text(s->p, &h, t, sizeof t);
            snprintf(err, cap,
                     on ? "%s's DB%u holds the fault %s: one fault a DB; clear it first (clear %s)"
                        : "%s's DB%u holds the fault %s, not this one (clear %s)",
                     name, f->db, t, t);
            return S7_ERR_STATE;
        }
        if (dheld == on)
            return held_already(name, on, err, cap);
        if (f->kind == S7_SIM_FAULT_OPTIMIZED) {
            unsigned fl = s7_cpu_db_flags(x->cpu, f->db);
            fl = on ? (fl | S7_DB_OPTIMIZED) : (fl & ~(unsigned)S7_DB_OPTIMIZED);
            s7_cpu_set_db_flags(x->cpu, f->db, fl & (S7_DB_OPTIMIZED | S7_DB_READONLY));
            break;
        }
        /* the memory is kept: clearing shows the DB whole, with its data */
        s7_cpu_set_db_shown(x->cpu, f->db,
                            !on                                  ? 0xFFFFFFFFu
                            : f->kind == S7_SIM_FAULT_DB_MISSING ? 0
                                                                 : f->len);
        break;
    }
    case S7_SIM_FAULT_SLOT: {
        const s7_profile *pr = s7_cpu_profile(x->cpu);
        if (!x->moved) {
            x->home_rack = pr->rack;
            x->home_slot = pr->slot;
        }
        if (on && f->slot == x->home_slot) {
            snprintf(err, cap, "%s sits at slot %u already: name another slot", name, f->slot);
            return S7_ERR_INVAL;
        }
        x->moved = on;
        s7_cpu_set_location(x->cpu, x->home_rack, on ? f->slot : x->home_slot);
        /* a changed hardware configuration is downloaded: the CPU restarts its connections */
        if (on && x->listening) {
            int rc = s7__sim_listen(s, x, 0, err, cap);
            if (rc == 0)
                rc = s7__sim_listen(s, x, 1, err, cap);
            if (rc < 0)
                return rc;
        }
        break;
    }
    case S7_SIM_FAULT_PORT_CLOSED: {
        x->closed = on;
        int rc = s7__sim_listen(s, x, !on, err, cap);
        if (rc < 0)
            return rc;
        break;
    }
    default: snprintf(err, cap, "unknown fault"); return S7_ERR_INVAL;
    }
    char t[160];
    s7__sim_log(s, S7_LOG_INFO, "fault %s %s", s7_sim_fault_text(s->p, f, t, sizeof t),
                on ? "injected" : "cleared");
    if (!on)
        s7__sim_rerun_failed(s, f->partner);
    return 0;
}
