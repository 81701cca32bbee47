/* s7kit plant simulation: faults of the emulated CPUs (include/s7/exchange_sim.h): parsed
 * from "CPU:KIND[:ARG]" and applied to, or cleared from, the CPU model while it serves. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/sim_int.h"
#include "s7/wire.h"

static const char FORMS[] = "CPU:put_get_off, CPU:stop, CPU:optimized:DBn, CPU:budget or "
                            "router:drop:CONNECTION";

static ptrdiff_t partner_named(const s7_plant *p, const char *name, size_t len)
{
    for (size_t i = 0; i < p->npartners; i++)
        if (strlen(p->partners[i].name) == len && strncmp(p->partners[i].name, name, len) == 0)
            return (ptrdiff_t)i;
    return -1;
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
    if (strncmp(spec, "router:", 7) == 0 && partner_named(p, "router", 6) < 0) {
        if (strncmp(kind, "drop:", 5) != 0) {
            snprintf(err, cap, "fault '%s': a router fault is router:drop:CONNECTION", spec);
            return -1;
        }
        for (size_t c = 0; c < p->nconns; c++)
            if (strcmp(p->conns[c].name, kind + 5) == 0) {
                const s7_plant_conn *cn = &p->conns[c];
                if (p->partners[cn->active].cell == p->partners[cn->passive].cell) {
                    snprintf(err, cap,
                             "fault '%s': connection %s stays inside cell %s, no router is on "
                             "its path; name a connection between two cells",
                             spec, cn->name, p->cells[p->partners[cn->active].cell].name);
                    return -1;
                }
                f->kind = S7_SIM_FAULT_ROUTER_DROP;
                f->conn = c;
                return 0;
            }
        snprintf(err, cap, "fault '%s': no connection named '%s' in the inventory", spec, kind + 5);
        return -1;
    }
    ptrdiff_t pi = partner_named(p, spec, (size_t)(colon - spec));
    if (pi < 0) {
        snprintf(err, cap, "fault '%s': no partner named '%.*s' in the inventory (%s)", spec,
                 (int)(colon - spec), spec, FORMS);
        return -1;
    }
    f->partner = (size_t)pi;
    if (strcmp(kind, "put_get_off") == 0) {
        f->kind = S7_SIM_FAULT_PUT_GET_OFF;
    } else if (strcmp(kind, "stop") == 0) {
        f->kind = S7_SIM_FAULT_STOP;
    } else if (strcmp(kind, "budget") == 0) {
        f->kind = S7_SIM_FAULT_BUDGET;
    } else if (strncmp(kind, "optimized:", 10) == 0) {
        const char *d = kind + 10;
        char *end = NULL;
        if ((d[0] == 'D' || d[0] == 'd') && (d[1] == 'B' || d[1] == 'b'))
            d += 2;
        unsigned long n = strtoul(d, &end, 10);
        if (d[0] < '0' || d[0] > '9' || *end || n == 0 || n > 65535) {
            snprintf(err, cap,
                     "fault '%s': expected a DB number 1..65535, e.g. %.*s:optimized:DB10", spec,
                     (int)(colon - spec), spec);
            return -1;
        }
        f->kind = S7_SIM_FAULT_OPTIMIZED;
        f->db = (uint16_t)n;
    } else {
        snprintf(err, cap, "fault '%s': unknown fault '%s'; expected %s", spec, kind, FORMS);
        return -1;
    }
    return 0;
}

const char *s7_sim_fault_text(const s7_plant *p, const s7_sim_fault *f, char *buf, size_t cap)
{
    const char *pn = f->partner < p->npartners ? p->partners[f->partner].name : "?";
    switch (f->kind) {
    case S7_SIM_FAULT_PUT_GET_OFF: snprintf(buf, cap, "%s:put_get_off", pn); break;
    case S7_SIM_FAULT_STOP: snprintf(buf, cap, "%s:stop", pn); break;
    case S7_SIM_FAULT_BUDGET: snprintf(buf, cap, "%s:budget", pn); break;
    case S7_SIM_FAULT_OPTIMIZED: snprintf(buf, cap, "%s:optimized:DB%u", pn, f->db); break;
    case S7_SIM_FAULT_ROUTER_DROP:
        snprintf(buf, cap, "router:drop:%s", f->conn < p->nconns ? p->conns[f->conn].name : "?");
        break;
    default: snprintf(buf, cap, "?"); break;
    }
    return buf;
}

int s7_sim_fault_set(s7_sim *s, const s7_sim_fault *f, int on, char *err, size_t cap)
{
    if (f->kind == S7_SIM_FAULT_ROUTER_DROP) {
        snprintf(err, cap, "a router fault is applied by the packet filter, not the CPUs");
        return S7_ERR_UNSUPPORTED;
    }
    if (f->partner >= s->p->npartners || s->cpu_of[f->partner] < 0) {
        snprintf(err, cap, "partner %s is not an emulated CPU (it serves no connection)",
                 f->partner < s->p->npartners ? s->p->partners[f->partner].name : "?");
        return S7_ERR_INVAL;
    }
    s7__sim_cpu *x = &s->cpus[s->cpu_of[f->partner]];
    const char *name = s->p->partners[f->partner].name;
    switch (f->kind) {
    case S7_SIM_FAULT_PUT_GET_OFF: s7_cpu_set_put_get(x->cpu, on ? 0 : x->put_get); break;
    case S7_SIM_FAULT_STOP:
        s7_cpu_set_state(x->cpu, on ? S7_CPU_STATE_STOP : S7_CPU_STATE_RUN);
        break;
    case S7_SIM_FAULT_BUDGET: s7_cpu_set_max_conn(x->cpu, 0, on ? 0 : x->budget_total); break;
    case S7_SIM_FAULT_OPTIMIZED: {
        unsigned fl = s7_cpu_db_flags(x->cpu, f->db);
        if (!s7_cpu_mem(x->cpu, S7_AREA_DB, f->db, NULL)) {
            snprintf(err, cap, "%s has no DB%u (the inventory documents none on it)", name, f->db);
            return S7_ERR_INVAL;
        }
        fl = on ? (fl | S7_DB_OPTIMIZED) : (fl & ~(unsigned)S7_DB_OPTIMIZED);
        s7_cpu_set_db_flags(x->cpu, f->db, fl & (S7_DB_OPTIMIZED | S7_DB_READONLY));
        break;
    }
    default: snprintf(err, cap, "unknown fault"); return S7_ERR_INVAL;
    }
    char t[160];
    s7__sim_log(s, S7_LOG_INFO, "fault %s %s", s7_sim_fault_text(s->p, f, t, sizeof t),
                on ? "injected" : "cleared");
    return 0;
}
