/* s7kit plant simulation: the emulated CPUs of a documented plant and its connections run
 * by their active partners, on one event loop (include/s7/exchange_sim.h).
 *
 * The CPUs' servers each have their own epoll loop, nested in one loop of the simulation;
 * the polling clients' sockets are polled beside it.  A turn waits for whichever comes
 * first: a socket, an exchange due, a client's timeout, a connection to try again. */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/cpu_jobs_int.h"
#include "exchange/sim_int.h"
#include "exchange/status.h"
#include "s7/exchange.h"
#include "s7/explain.h"
#include "s7/net.h"
#include "util/log.h"
#include "s7/wire.h"

void s7__sim_log(s7_sim *s, int level, const char *fmt, ...)
{
    if (!s->o.log)
        return;
    va_list ap;
    va_start(ap, fmt);
    s7__logv(s->o.log, s->o.log_ctx, level, 512, fmt, ap);
    va_end(ap);
}

static void release(s7__sim_client *k);
static int plan_all_jobs(s7_sim *s, char *err, size_t cap);
static int add_job_db(s7_sim *s, s7__sim_cpu *x, char *err, size_t cap);

void s7_sim_opts_init(s7_sim_opts *o)
{
    memset(o, 0, sizeof *o);
    o->loopback_base = "127.77.0.0";
    o->request_timeout_ms = 2000;
    o->retry_ms = 1000;
}

/* ---------------------------------------------------------------- building */

/* Partner i is emulated: it serves port 102 in some connection, or it is a PLC. */
static int is_cpu(const s7_plant *p, size_t i)
{
    const s7_plant_partner *pt = &p->partners[i];
    if (pt->kind == S7_PLANT_KIND_PLC || (pt->roles & (1u << S7_PLANT_KIND_PLC)))
        return 1;
    for (size_t c = 0; c < p->nconns; c++)
        if (p->conns[c].passive == i)
            return 1;
    return 0;
}

/* The loopback address of partner i: base + i + 1, host bytes .1 to .250. */
static int loop_addr(const char *base, size_t i, char *out, size_t cap)
{
    unsigned a, b, c, d;
    if (sscanf(base, "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || a != 127 || b > 255 || c > 255)
        return -1;
    size_t third = c + i / 250, host = 1 + i % 250;
    if (third > 255)
        return -1;
    snprintf(out, cap, "127.%u.%zu.%zu", b, third, host);
    return 0;
}

/* A walk over the ranges of every exchange of the connections that partner serves, in plant
 * order (connection, exchange, range). */
typedef struct served_ranges {
    const s7_plant *p;
    size_t partner, c, e, r;
} served_ranges;

static served_ranges served_by(const s7_plant *p, size_t partner)
{
    served_ranges w = {p, partner, 0, 0, 0};
    return w;
}

/* The next range of the walk, NULL after the last. */
static const s7_plant_range *next_served(served_ranges *w)
{
    for (; w->c < w->p->nconns; w->c++, w->e = 0, w->r = 0) {
        const s7_plant_conn *cn = &w->p->conns[w->c];
        if (cn->passive != w->partner)
            continue;
        for (; w->e < cn->nex; w->e++, w->r = 0)
            if (w->r < cn->ex[w->e].nranges)
                return &cn->ex[w->e].ranges[w->r++];
    }
    return NULL;
}

/* I, Q and M of CPU x grown to cover every range documented on them (DBs: add_dbs). */
static int size_areas(s7_sim *s, s7__sim_cpu *x, char *err, size_t cap)
{
    served_ranges w = served_by(s->p, x->partner);
    for (const s7_plant_range *rg; (rg = next_served(&w));) {
        uint32_t end = rg->offset + rg->length, have = 0;
        if (rg->area == S7_AREA_DB)
            continue;
        if (s7_cpu_mem(x->cpu, rg->area, 0, &have) && have >= end)
            continue;
        int rc = s7_cpu_set_area_size(x->cpu, rg->area, end);
        if (rc < 0) {
            snprintf(err, cap, "partner %s: cannot give area %s %u bytes: %s",
                     s->p->partners[x->partner].name, s7_area_text(rg->area), end, s7_strerror(rc));
            return rc;
        }
    }
    return 0;
}

/* The largest end of the ranges of each DB on CPU x, so that each DB is added once at its
 * full size. */
static int add_dbs(s7_sim *s, s7__sim_cpu *x, char *err, size_t cap)
{
    served_ranges w = served_by(s->p, x->partner);
    for (const s7_plant_range *rg; (rg = next_served(&w));) {
        if (rg->area != S7_AREA_DB || s7_cpu_mem(x->cpu, S7_AREA_DB, rg->db, NULL))
            continue;
        uint32_t end = 0;
        served_ranges all = served_by(s->p, x->partner);
        for (const s7_plant_range *g; (g = next_served(&all));)
            if (g->area == S7_AREA_DB && g->db == rg->db && g->offset + g->length > end)
                end = g->offset + g->length;
        int rc = s7_cpu_add_db(x->cpu, rg->db, end, 0);
        if (rc < 0) {
            snprintf(err, cap, "partner %s: cannot give it DB%u of %u bytes: %s",
                     s->p->partners[x->partner].name, rg->db, end, s7_strerror(rc));
            return rc;
        }
    }
    return size_areas(s, x, err, cap);
}

static int make_cpu(s7_sim *s, size_t i, s7__sim_cpu *x, char *err, size_t cap)
{
    const s7_plant_partner *pt = &s->p->partners[i];
    const char *pname = pt->profile ? pt->profile : "s7-1500";
    const s7_profile *prof = s7_profile_find(pname);
    if (!prof) {
        snprintf(err, cap, "partner %s: profile '%s' is not one the emulator has", pt->name, pname);
        return S7_ERR_INVAL;
    }
    x->partner = i;
    x->sim = s;
    x->cpu = s7_cpu_new(prof);
    if (!x->cpu) {
        snprintf(err, cap, "out of memory");
        return S7_ERR_NOMEM;
    }
    /* where it sits: as the connections to it name it (they resolved rack/slot) */
    for (size_t c = 0; c < s->p->nconns; c++) {
        const s7_plant_conn *cn = &s->p->conns[c];
        if (cn->passive == i && cn->rack >= 0 && cn->slot >= 0) {
            s7_cpu_set_location(x->cpu, (uint8_t)cn->rack, (uint8_t)cn->slot);
            break;
        }
    }
    if (pt->rack >= 0 && pt->slot >= 0)
        s7_cpu_set_location(x->cpu, (uint8_t)pt->rack, (uint8_t)pt->slot);
    /* documented exchanges need PUT/GET: permitted unless a fault says otherwise */
    s7_cpu_set_put_get(x->cpu, 1);
    x->put_get = 1;
    x->budget_total = s7_cpu_profile(x->cpu)->max_conn[0];
    memcpy(x->budget_of, s7_cpu_profile(x->cpu)->max_conn, sizeof x->budget_of);
    return add_dbs(s, x, err, cap);
}

/* The client of connection c with its exchanges' items and buffers. */
static int make_client(s7_sim *s, size_t c, s7__sim_client *k)
{
    const s7_plant_conn *cn = &s->p->conns[c];
    k->conn = c;
    k->sim = s;
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.type = cn->type >= 1 && cn->type <= 3 ? (s7_conn_type)cn->type : S7_CONN_PG;
    co.local_tsap = cn->local_tsap ? cn->local_tsap : 0x0100;
    co.remote_tsap = cn->remote_tsap;
    if (cn->rack >= 0 && cn->slot >= 0) {
        co.rack = (uint8_t)cn->rack;
        co.slot = (uint8_t)cn->slot;
    }
    co.connect_timeout_ms = s->o.request_timeout_ms;
    co.request_timeout_ms = s->o.request_timeout_ms;
    snprintf(co.source_addr, sizeof co.source_addr, "%s", s->addr[cn->active]);
    k->c = s7_client_new(&co);
    k->ex = calloc(cn->nex ? cn->nex : 1, sizeof *k->ex);
    if (!k->c || !k->ex)
        return S7_ERR_NOMEM;
    k->nex = cn->nex;
    for (size_t e = 0; e < cn->nex; e++) {
        const s7_plant_exchange *pe = &cn->ex[e];
        s7__sim_ex *x = &k->ex[e];
        x->ex = e;
        size_t bytes = 0;
        for (size_t r = 0; r < pe->nranges; r++)
            bytes += s7_plant_range_bytes(&pe->ranges[r]);
        x->items = calloc(pe->nranges ? pe->nranges : 1, sizeof *x->items);
        x->buf = calloc(bytes ? bytes : 1, 1);
        if (!x->items || !x->buf)
            return S7_ERR_NOMEM;
        x->nitems = pe->nranges;
        size_t off = 0;
        for (size_t r = 0; r < pe->nranges; r++) {
            const s7_plant_range *rg = &pe->ranges[r];
            s7_item *it = &x->items[r];
            it->area = rg->area;
            it->db = rg->db;
            it->ts = S7_TS_BYTE;
            it->start = rg->offset;
            it->count = rg->length;
            it->buf = x->buf + off;
            off += s7_plant_range_bytes(rg);
        }
    }
    return 0;
}

s7_sim *s7_sim_new(const s7_plant *p, const s7_sim_opts *o, char *err, size_t cap)
{
    s7_sim *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, cap, "out of memory");
        return NULL;
    }
    s->p = p;
    if (o)
        s->o = *o;
    else
        s7_sim_opts_init(&s->o);
    if (!s->o.loopback_base)
        s->o.loopback_base = "127.77.0.0";
    if (s->o.request_timeout_ms <= 0)
        s->o.request_timeout_ms = 2000;
    if (s->o.retry_ms <= 0)
        s->o.retry_ms = 1000;
    size_t np = p->npartners ? p->npartners : 1;
    s->addr = calloc(np, sizeof *s->addr);
    s->cpu_of = calloc(np, sizeof *s->cpu_of);
    s->cpus = calloc(np, sizeof *s->cpus);
    s->cl = calloc(p->nconns ? p->nconns : 1, sizeof *s->cl);
    s->pfd = calloc(2 * p->nconns + 1, sizeof *s->pfd); /* server loop, clients, jobs */
    s->loop = s7_loop_new(0);
    if (!s->addr || !s->cpu_of || !s->cpus || !s->cl || !s->pfd || !s->loop) {
        snprintf(err, cap, "out of memory");
        s7_sim_free(s);
        return NULL;
    }
    for (size_t i = 0; i < p->npartners; i++) {
        s->cpu_of[i] = -1;
        if (s->o.loopback) {
            if (loop_addr(s->o.loopback_base, i, s->addr[i], sizeof s->addr[i]) < 0) {
                snprintf(err, cap,
                         "loopback base '%s': expected 127.B.C.0 with room for %zu partners",
                         s->o.loopback_base, p->npartners);
                s7_sim_free(s);
                return NULL;
            }
        } else {
            snprintf(s->addr[i], sizeof s->addr[i], "%s", p->partners[i].address);
        }
    }
    for (size_t i = 0; i < p->npartners; i++) {
        if (!is_cpu(p, i))
            continue;
        s->cpu_of[i] = (ptrdiff_t)s->ncpus;
        if (make_cpu(s, i, &s->cpus[s->ncpus++], err, cap) < 0) {
            s7_sim_free(s);
            return NULL;
        }
    }
    for (size_t c = 0; c < p->nconns; c++) {
        if (make_client(s, c, &s->cl[s->ncl++]) < 0) {
            snprintf(err, cap, "out of memory");
            s7_sim_free(s);
            return NULL;
        }
    }
    if (plan_all_jobs(s, err, cap) < 0) {
        s7_sim_free(s);
        return NULL;
    }
    return s;
}

void s7_sim_free(s7_sim *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ncl; i++) {
        s7_client_free(s->cl[i].c);
        if (s->cl[i].sim)
            release(&s->cl[i]);
        for (size_t e = 0; e < s->cl[i].nex; e++) {
            free(s->cl[i].ex[e].items);
            free(s->cl[i].ex[e].buf);
        }
        free(s->cl[i].ex);
    }
    for (size_t i = 0; i < s->ncpus; i++) {
        s7_xengine_free(s->cpus[i].xe);
        s7_exchange_free(&s->cpus[i].jobs);
        s7_server_free(s->cpus[i].srv);
        s7_cpu_free(s->cpus[i].cpu);
    }
    s7_loop_free(s->loop);
    free(s->cl);
    free(s->cpus);
    free(s->cpu_of);
    free(s->addr);
    free(s->pfd);
    free(s);
}

s7_cpu *s7_sim_cpu(s7_sim *s, const char *name)
{
    for (size_t i = 0; s && name && i < s->p->npartners; i++)
        if (strcmp(s->p->partners[i].name, name) == 0)
            return s->cpu_of[i] >= 0 ? s->cpus[s->cpu_of[i]].cpu : NULL;
    return NULL;
}

/* The PDU a CPU negotiates at most (what its jobs ask, what it answers). */
static uint16_t cpu_pdu(const s7_cpu *cpu)
{
    uint16_t n = s7_cpu_profile(cpu)->max_pdu;
    return n ? n : S7_XPDU_DEFAULT;
}

/* The jobs of the connections partner takes part in, planned again for cpu in its place
 * (s7_sim_replace_cpu): a job asks the PDU of its own CPU and gets the smaller of that and
 * its partner's, so a CPU of another profile or PDU (pdu: in its file) changes what its jobs
 * ask and what its partners' jobs get.  check (apply 0): -1 with a message when a job would
 * no longer fit, as the inventory loader refuses one (s7_sim_check_jobs); apply 1: the jobs'
 * connections ask the new PDU. */
static int replan_pdu(s7_sim *s, size_t partner, const s7_cpu *cpu, int apply, char *err,
                      size_t cap)
{
    for (size_t c = 0; c < s->ncl; c++) {
        s7__sim_client *k = &s->cl[c];
        const s7_plant_conn *cn = &s->p->conns[k->conn];
        if (!k->job || (cn->active != partner && cn->passive != partner))
            continue;
        s7__sim_cpu *xa = &s->cpus[s->cpu_of[cn->active]];
        uint16_t own = cn->active == partner ? cpu_pdu(cpu) : cpu_pdu(xa->cpu), pdu = own;
        if (s->cpu_of[cn->passive] >= 0) {
            uint16_t their = cn->passive == partner ? cpu_pdu(cpu)
                                                    : cpu_pdu(s->cpus[s->cpu_of[cn->passive]].cpu);
            if (their < pdu)
                pdu = their;
        }
        if (apply) {
            s7_xconn *xc = s7_exchange_conn_by_name(&xa->jobs, cn->name);
            if (xc)
                xc->pdu = own;
            k->job_pdu = pdu;
            continue;
        }
        for (size_t e = 0; e < k->nex; e++)
            for (size_t j = k->ex[e].job0; j < k->ex[e].job0 + k->ex[e].njobs; j++) {
                const s7_xjob *jb = &xa->jobs.jobs[j];
                uint32_t need = s7_xjob_pdu_need(jb, NULL, NULL);
                if (need <= pdu)
                    continue;
                const s7_plant_exchange *pe = &cn->ex[k->ex[e].ex];
                const char *kind = pe->dir == S7_PLANT_GET ? "GET" : "PUT";
                char what[160], rg[64];
                size_t n = 0;
                for (size_t r = 0; r < jb->nareas && r < pe->nranges && n < sizeof what; r++)
                    n += (size_t)snprintf(
                        what + n, sizeof what - n, "%s%s", r ? ", " : "",
                        s7_plant_range_text(&pe->ranges[(j - k->ex[e].job0) * S7_XJOB_AREAS + r],
                                            rg, sizeof rg));
                char at[300] = "";
                if (s->p->file && pe->line > 0)
                    snprintf(at, sizeof at, ", %s:%d", s->p->file, pe->line);
                else if (s->p->file)
                    snprintf(at, sizeof at, ", in %s", s->p->file);
                snprintf(err, cap,
                         "%s: this CPU (%s) negotiates a PDU of at most %u, so %s and %s "
                         "negotiate %u for connection %s, and its exchange %zu (%s %s%s), a "
                         "GET/PUT job of %s that is never split, needs %u (a %s of %u area%s "
                         "moves at most %u bytes at PDU %u): give this CPU a PDU of at least %u "
                         "(pdu: 480 or 960 in its file, or a profile that negotiates it), or "
                         "split the exchange in the inventory",
                         s->p->partners[partner].name, s7_cpu_profile(cpu)->name, cpu_pdu(cpu),
                         s->p->partners[cn->active].name, s->p->partners[cn->passive].name, pdu,
                         cn->name, k->ex[e].ex + 1, kind, what, at, s->p->partners[cn->active].name,
                         need, kind, (unsigned)jb->nareas, jb->nareas == 1 ? "" : "s",
                         s7_xjob_payload_limit(jb->kind, jb->nareas, pdu), pdu, need);
                return -1;
            }
    }
    return 0;
}

int s7_sim_replace_cpu(s7_sim *s, const char *name, s7_cpu *cpu, char *err, size_t cap)
{
    ptrdiff_t k = -1;
    for (size_t i = 0; s && name && i < s->p->npartners; i++)
        if (strcmp(s->p->partners[i].name, name) == 0)
            k = s->cpu_of[i];
    if (!s || !cpu || k < 0 || s->started) {
        snprintf(err, cap, "%s: %s", name ? name : "?",
                 !cpu              ? "no CPU"
                 : s && s->started ? "the simulation runs already"
                                   : "not an emulated CPU of the inventory (it "
                                     "serves no connection and is no plc)");
        s7_cpu_free(cpu);
        return S7_ERR_INVAL;
    }
    s7__sim_cpu *x = &s->cpus[k];
    if (replan_pdu(s, x->partner, cpu, 0, err, cap) < 0) {
        s7_cpu_free(cpu);
        return S7_ERR_INVAL;
    }
    replan_pdu(s, x->partner, cpu, 1, err, cap);
    s7_cpu_free(x->cpu);
    x->cpu = cpu;
    x->put_get = s7_cpu_put_get(cpu);
    x->budget_total = s7_cpu_profile(cpu)->max_conn[0];
    memcpy(x->budget_of, s7_cpu_profile(cpu)->max_conn, sizeof x->budget_of);
    int rc = add_dbs(s, x, err, cap);
    return rc < 0 ? rc : add_job_db(s, x, err, cap);
}

const char *s7_sim_address(const s7_sim *s, size_t i, uint16_t *port)
{
    if (port)
        *port = 0;
    if (!s || i >= s->p->npartners)
        return "";
    if (port && s->cpu_of[i] >= 0)
        *port = s->cpus[s->cpu_of[i]].port;
    return s->addr[i];
}

/* ---------------------------------------------------------------- the CPUs' jobs
 * An exchange whose active partner is an emulated CPU runs as that CPU's GET/PUT job
 * (include/s7/exchange.h s7_xengine): the job's status outputs and local areas lie in one
 * DB the simulation adds to the CPU (SIM_JOB_DB, or the next free number), one block per
 * job in plant order: STATUS at +0 (WORD), NDR/DONE at +2.0, ERROR at +2.1, REQ at +2.2
 * (exchanges without a cycle), the areas from +4 one after the other (docs/simulate.md). */

#define SIM_JOB_DB 9000

/* Connection k's exchanges as jobs of its active CPU.  0 done, 1 when they cannot be jobs
 * (a job larger than any PDU, a range of another area): k stays a polling client. */
static int plan_jobs(s7_sim *s, s7__sim_client *k)
{
    const s7_plant_conn *cn = &s->p->conns[k->conn];
    s7__sim_cpu *x = &s->cpus[s->cpu_of[cn->active]];
    /* the job asks the PDU of its own CPU's profile; the partner answers with the smaller of
     * that and its own (s7_cpu_handle): what the job must fit */
    uint16_t own = s7_cpu_profile(x->cpu)->max_pdu, pdu;
    if (!own)
        own = S7_XPDU_DEFAULT; /* what the CPU model negotiates then */
    pdu = own;
    if (s->cpu_of[cn->passive] >= 0) {
        uint16_t their = s7_cpu_profile(s->cpus[s->cpu_of[cn->passive]].cpu)->max_pdu;
        if (!their)
            their = S7_XPDU_DEFAULT;
        if (their < pdu)
            pdu = their;
    }
    k->job_pdu = pdu;
    for (size_t e = 0; e < cn->nex; e++) {
        const s7_plant_exchange *pe = &cn->ex[e];
        if (pe->nranges == 0)
            return 1;
        for (size_t r0 = 0; r0 < pe->nranges; r0 += S7_XJOB_AREAS) {
            size_t r1 = r0 + S7_XJOB_AREAS < pe->nranges ? r0 + S7_XJOB_AREAS : pe->nranges;
            s7_xjob j;
            for (size_t r = r0; r < r1; r++) {
                uint8_t a = pe->ranges[r].area;
                if (a != S7_AREA_DB && a != S7_AREA_I && a != S7_AREA_Q && a != S7_AREA_M)
                    return 1;
            }
            s7__sim_job_of(cn, e, r0, r1, 2, 1, SIM_JOB_DB, 0, &j);
            if (s7_xjob_pdu_need(&j, NULL, NULL) > pdu)
                return 1;
        }
    }
    s7_xconn xc;
    s7_xconn_init(&xc);
    snprintf(xc.name, sizeof xc.name, "%.60s", cn->name);
    snprintf(xc.host, sizeof xc.host, "%s", s->addr[cn->passive]);
    xc.port = s->p->partners[cn->passive].port; /* an emulated partner's: set at start */
    if (cn->rack >= 0 && cn->slot >= 0) {
        xc.rack = (uint8_t)cn->rack;
        xc.slot = (uint8_t)cn->slot;
    }
    xc.type = cn->type >= 1 && cn->type <= 3 ? (s7_conn_type)cn->type : S7_CONN_PG;
    if (cn->remote_tsap) {
        xc.local_tsap = cn->local_tsap ? cn->local_tsap : 0x0100;
        xc.remote_tsap = cn->remote_tsap;
    }
    xc.pdu = own;
    snprintf(xc.where, sizeof xc.where, "inventory connection %.100s", cn->name);
    snprintf(xc.source, sizeof xc.source, "%s", s->addr[cn->active]);
    const s7_xconn *c = s7_exchange_add_conn(&x->jobs, &xc);
    if (!c)
        return S7_ERR_NOMEM;
    uint16_t id = c->id;
    for (size_t e = 0; e < cn->nex; e++) {
        const s7_plant_exchange *pe = &cn->ex[e];
        int parts = (int)((pe->nranges + S7_XJOB_AREAS - 1) / S7_XJOB_AREAS);
        k->ex[e].job0 = x->jobs.njobs;
        k->ex[e].njobs = (size_t)parts;
        for (size_t r0 = 0; r0 < pe->nranges; r0 += S7_XJOB_AREAS) {
            size_t r1 = r0 + S7_XJOB_AREAS < pe->nranges ? r0 + S7_XJOB_AREAS : pe->nranges;
            s7_xjob j;
            s7__sim_job_of(cn, e, r0, r1, parts, id, x->job_db, x->job_db_size, &j);
            x->job_db_size += s7__sim_job_size(pe, r0, r1);
            if (!s7_exchange_add_job(&x->jobs, &j))
                return S7_ERR_NOMEM;
        }
    }
    k->job = 1;
    return 0;
}

/* The DB of CPU x's jobs (again after s7_sim_replace_cpu), the REQ bits of the jobs without
 * a cycle set. */
static int add_job_db(s7_sim *s, s7__sim_cpu *x, char *err, size_t cap)
{
    if (!x->jobs.njobs)
        return 0;
    uint32_t have = 0;
    uint8_t *m = s7_cpu_mem(x->cpu, S7_AREA_DB, x->job_db, &have);
    int rc = 0;
    if (!m)
        rc = s7_cpu_add_db(x->cpu, x->job_db, x->job_db_size, 0);
    else if (have < x->job_db_size)
        rc = S7_ERR_INVAL;
    if (rc < 0) {
        snprintf(err, cap, "partner %s: cannot give it DB%u of %u bytes for its GET/PUT jobs: %s",
                 s->p->partners[x->partner].name, x->job_db, x->job_db_size,
                 m ? "the CPU has that DB already, shorter" : s7_strerror(rc));
        return rc;
    }
    m = s7_cpu_mem(x->cpu, S7_AREA_DB, x->job_db, &have);
    for (size_t i = 0; m && i < x->jobs.njobs; i++) {
        const s7_xjob *j = &x->jobs.jobs[i];
        if (j->trigger == S7_XTRIG_REQ && j->req.byte < have)
            m[j->req.byte] = (uint8_t)(m[j->req.byte] | (1u << j->req.bit));
    }
    return 0;
}

/* The jobs of every emulated CPU that is the active partner of connections. */
static int plan_all_jobs(s7_sim *s, char *err, size_t cap)
{
    for (size_t i = 0; i < s->ncpus; i++) {
        s7__sim_cpu *x = &s->cpus[i];
        uint16_t db = SIM_JOB_DB;
        while (s7_cpu_mem(x->cpu, S7_AREA_DB, db, NULL) && db < 65535)
            db++;
        x->job_db = db;
    }
    for (size_t c = 0; c < s->ncl; c++) {
        s7__sim_client *k = &s->cl[c];
        if (s->cpu_of[s->p->conns[k->conn].active] < 0)
            continue;
        int rc = plan_jobs(s, k);
        if (rc < 0) {
            snprintf(err, cap, "out of memory");
            return rc;
        }
        if (rc == 1)
            s7__sim_log(s, S7_LOG_INFO,
                        "connection %s: an exchange cannot be a GET/PUT job (larger than the PDU "
                        "of %u its CPUs negotiate, or an area GET/PUT does not reach); polled from "
                        "%s instead",
                        s->p->conns[k->conn].name, k->job_pdu,
                        s->addr[s->p->conns[k->conn].active]);
    }
    for (size_t i = 0; i < s->ncpus; i++) {
        s7__sim_cpu *x = &s->cpus[i];
        if (x->jobs.njobs && add_job_db(s, x, err, cap) < 0) {
            /* a CPU without DBs of its own (LOGO!, S7-200): its connections are polled */
            for (size_t c = 0; c < s->ncl; c++)
                if (s->cpu_of[s->p->conns[s->cl[c].conn].active] == (ptrdiff_t)i)
                    s->cl[c].job = 0;
            s7__sim_log(s, S7_LOG_INFO, "%s; its connections are polled instead", err);
            s7_exchange_free(&x->jobs);
            x->job_db_size = 0;
            err[0] = 0;
        }
    }
    return 0;
}

static void job_log(void *ctx, int level, const char *msg)
{
    s7__sim_cpu *x = ctx;
    if (level == S7_LOG_WARN && strncmp(msg, "job ", 4) == 0)
        level = S7_LOG_INFO; /* the command prints each exchange's change already */
    s7__sim_log(x->sim, level, "%s: %s", x->sim->p->partners[x->partner].name, msg);
}

static int enter(s7_sim *s, size_t partner, int on, char *err, size_t cap);

static int job_enter(void *ctx, const s7_xconn *c, int on, char *err, size_t cap)
{
    s7__sim_cpu *x = ctx;
    (void)c;
    return enter(x->sim, x->partner, on, err, cap);
}

/* The engine of CPU x, its connections' ports those its partners listen on. */
static int start_jobs(s7_sim *s, s7__sim_cpu *x, char *err, size_t cap)
{
    if (!x->jobs.njobs)
        return 0;
    for (size_t c = 0; c < s->ncl; c++) {
        const s7_plant_conn *cn = &s->p->conns[s->cl[c].conn];
        ptrdiff_t pc = s->cpu_of[cn->passive];
        if (!s->cl[c].job || s->cpu_of[cn->active] != x - s->cpus || pc < 0)
            continue;
        s7_xconn *xc = s7_exchange_conn_by_name(&x->jobs, cn->name);
        if (xc && s->cpus[pc].port) /* known also when port_closed took it away at start */
            xc->port = s->cpus[pc].port;
    }
    s7_xengine_opts eo;
    s7_xengine_opts_init(&eo);
    eo.connect_timeout_ms = s->o.request_timeout_ms;
    eo.request_timeout_ms = s->o.request_timeout_ms;
    eo.retry_max_ms = s->o.retry_ms;
    if (eo.retry_min_ms > eo.retry_max_ms)
        eo.retry_min_ms = eo.retry_max_ms;
    eo.log = job_log;
    eo.log_ctx = x;
    eo.enter = job_enter;
    eo.enter_ctx = x;
    x->xe = s7_xengine_new(x->cpu, x->srv, &x->jobs, &eo);
    if (!x->xe) {
        snprintf(err, cap, "out of memory");
        return S7_ERR_NOMEM;
    }
    for (size_t i = 0; i < x->jobs.njobs; i++) {
        char line[600];
        s7_xjob_format(&x->jobs, &x->jobs.jobs[i], line, sizeof line);
        s7__sim_log(s, S7_LOG_INFO, "%s: job %s: %s", s->p->partners[x->partner].name,
                    x->jobs.jobs[i].name, line);
    }
    return s7_xengine_start(x->xe);
}

/* An exchange without a cycle runs each time its connection is set up: for a CPU's jobs,
 * its program raises REQ again.  When the connection of job client k comes up, each REQ
 * job of k that ran before (it failed at the start, a fault present; or the connection was
 * lost since) and is not under way starts again in the next scan that sees its REQ set (set
 * at start; a user who cleared it keeps it from running).  The first set-up needs nothing:
 * REQ rose at start and the job runs once it is over. */
static void rearm_events(s7_sim *s)
{
    for (size_t c = 0; c < s->ncl; c++) {
        s7__sim_client *k = &s->cl[c];
        if (!k->job || !k->nex)
            continue;
        const s7__sim_cpu *x = &s->cpus[s->cpu_of[s->p->conns[k->conn].active]];
        s7_xjob_state js;
        if (!x->xe || s7_xengine_state(x->xe, k->ex[0].job0, &js) < 0)
            continue;
        int up = js.conn_up != 0, was = k->job_up;
        k->job_up = up;
        if (!up || was)
            continue;
        for (size_t e = 0; e < k->nex; e++) {
            if (s->p->conns[k->conn].ex[k->ex[e].ex].cycle_ms > 0)
                continue;
            for (size_t j = k->ex[e].job0; j < k->ex[e].job0 + k->ex[e].njobs; j++)
                if (s7_xengine_state(x->xe, j, &js) == 0 && js.runs > 0 && !js.busy)
                    s7__xengine_req_rearm(x->xe, j);
        }
    }
}

/* A fault on partner p cleared: each exchange without a cycle of a connection p takes part
 * in, whose last run failed, whose connection is up and that is not under way, runs again:
 * the program raising REQ again once the cause is gone.  A connection that is down needs
 * none of this (the exchange runs when it is set up again, rearm_events); one that stayed up
 * (CPU:put_get_off, a DB fault, CPU:stop of the passive partner) would leave it failed for
 * good. */
void s7__sim_rerun_failed(s7_sim *s, size_t partner)
{
    for (size_t c = 0; c < s->ncl; c++) {
        s7__sim_client *k = &s->cl[c];
        const s7_plant_conn *cn = &s->p->conns[k->conn];
        if (cn->active != partner && cn->passive != partner)
            continue;
        for (size_t e = 0; e < k->nex; e++) {
            s7__sim_ex *x = &k->ex[e];
            if (cn->ex[x->ex].cycle_ms > 0)
                continue;
            if (!k->job) {
                if (k->state == 2 && x->once_done && !x->busy && x->last_rc != 0) {
                    x->once_done = 0;
                    x->due = s7_now_ms();
                }
                continue;
            }
            const s7__sim_cpu *a = &s->cpus[s->cpu_of[cn->active]];
            s7_xjob_state js;
            for (size_t j = x->job0; a->xe && j < x->job0 + x->njobs; j++)
                if (s7_xengine_state(a->xe, j, &js) == 0 && js.conn_up && js.runs > 0 && !js.busy &&
                    js.status != S7_XST_OK)
                    s7__xengine_req_rearm(a->xe, j);
        }
    }
}

/* ---------------------------------------------------------------- start */

static int enter(s7_sim *s, size_t partner, int on, char *err, size_t cap)
{
    if (!s->o.enter)
        return 0;
    return s->o.enter(s->o.enter_ctx, &s->p->partners[partner], on, err, cap);
}

/* CPU x's server started inside its partner's namespace (when there is one): 0 with the
 * server's own result in *rc, or -1 with err set when the namespace could not be entered or
 * left. */
static int start_in_ns(s7_sim *s, s7__sim_cpu *x, int *rc, char *err, size_t cap)
{
    if (enter(s, x->partner, 1, err, cap) < 0)
        return -1;
    *rc = s7_server_start(x->srv);
    char e2[200];
    if (enter(s, x->partner, 0, e2, sizeof e2) < 0 && *rc == 0) {
        snprintf(err, cap, "%s", e2);
        return -1;
    }
    return 0;
}

int s7__sim_listen(s7_sim *s, s7__sim_cpu *x, int on, char *err, size_t cap)
{
    if (!x->srv)
        return 0; /* not started: s7_sim_start looks at x->closed */
    if (!on) {
        s7_server_unlisten(x->srv);
        x->listening = 0;
        return 0;
    }
    int rc;
    if (start_in_ns(s, x, &rc, err, cap) < 0)
        return S7_ERR_IO;
    if (rc < 0) {
        snprintf(err, cap, "partner %s: cannot listen on %s:%u again (address in use?)",
                 s->p->partners[x->partner].name, s->addr[x->partner], (unsigned)x->port);
        return rc;
    }
    x->listening = 1;
    return 0;
}

/* The CPUs' servers log what they refuse at debug level of the simulation's log. */
static void srv_log(void *ctx, int level, const char *msg)
{
    s7_sim *s = ctx;
    if (level <= S7_LOG_WARN)
        s7__sim_log(s, S7_LOG_DEBUG, "%s", msg);
}

int s7_sim_start(s7_sim *s, char *err, size_t cap)
{
    if (s->started) {
        snprintf(err, cap, "already started");
        return S7_ERR_STATE;
    }
    for (size_t i = 0; i < s->ncpus; i++) {
        s7__sim_cpu *x = &s->cpus[i];
        const s7_plant_partner *pt = &s->p->partners[x->partner];
        char listen[80];
        uint16_t port = s->o.loopback ? s->o.port : pt->port;
        snprintf(listen, sizeof listen, strchr(s->addr[x->partner], ':') ? "[%s]:%u" : "%s:%u",
                 s->addr[x->partner], (unsigned)port);
        s7_server_opts so;
        s7_server_opts_init(&so);
        so.listen = listen;
        so.log = srv_log;
        so.log_ctx = s;
        x->srv = s7_server_new(x->cpu, &so);
        if (!x->srv) {
            snprintf(err, cap, "out of memory");
            return S7_ERR_NOMEM;
        }
        int rc;
        if (start_in_ns(s, x, &rc, err, cap) < 0)
            return S7_ERR_IO;
        if (rc < 0) {
            snprintf(err, cap, "partner %s: cannot listen on %s: %s", pt->name, listen,
                     port && port < 1024 ? "address not held here, in use, or not root"
                                         : "address not held here, or in use");
            return rc;
        }
        x->listening = 1;
        x->port = s7_server_port(x->srv);
        if (s7_loop_add(s->loop, s7_server_fd(x->srv), S7_LOOP_IN, x) < 0) {
            snprintf(err, cap, "cannot watch partner %s's server", pt->name);
            return S7_ERR_IO;
        }
        s7__sim_log(s, S7_LOG_INFO, "%s: emulated %s on %s:%u", pt->name,
                    s7_cpu_profile(x->cpu)->name, s->addr[x->partner], (unsigned)x->port);
        if (x->closed) { /* CPU:port_closed from the start: the port is known, nothing on it */
            s7_server_unlisten(x->srv);
            x->listening = 0;
        }
    }
    for (size_t i = 0; i < s->ncpus; i++) {
        int rc = start_jobs(s, &s->cpus[i], err, cap);
        if (rc < 0)
            return rc;
    }
    int64_t now = s7_now_ms();
    for (size_t i = 0; i < s->ncl; i++)
        s->cl[i].retry_at = now;
    s->started = 1;
    return 0;
}

/* ---------------------------------------------------------------- clients */

static void set_fail(s7__sim_ex *x, int rc, const char *what)
{
    x->err++;
    x->last_rc = rc;
    snprintf(x->last_err, sizeof x->last_err, "%s", what);
}

/* What failed as the GET/PUT instructions would report it: "1/2 put_get_disabled:
 * PUT_GET_NOT_PERMITTED (0x8104)" (ERROR/STATUS, the fault's id, what the partner said; a
 * failure of the connection in words, as a CPU's job says it: "1/1 connection_rejected:
 * connect: peer closed the connection after the COTP connection request"). */
static void describe(s7_client *c, int rc, const s7__sim_ex *x, const char *step, char *buf,
                     size_t cap)
{
    const s7_explain *e = s7_client_last_error(c);
    uint16_t plc = rc == S7_ERR_PLC && e ? e->code : 0;
    uint8_t irc = 0, iarea = S7_AREA_DB;
    char what[128];
    snprintf(what, sizeof what, "%s%s", step, s7_strerror(rc));
    if (rc == S7_ERR_PLC && e && e->name)
        snprintf(what, sizeof what, "%s (0x%04X)", e->name, e->code);
    for (size_t i = 0; rc == S7_ERR_ITEM && i < x->nitems; i++)
        if (x->items[i].status != 0) {
            char id[64];
            irc = x->items[i].rc;
            iarea = x->items[i].area;
            snprintf(what, sizeof what, "%s (0x%02X)",
                     s7_item_status_id(x->items[i].status, irc, id, sizeof id), irc);
            break;
        }
    const char *cause = NULL;
    s7_xstatus st = s7__exchange_status_in(rc, plc, irc, iarea, &cause);
    snprintf(buf, cap, "%d/%u %s: %s", s7_exchange_status_error(st),
             (unsigned)s7_exchange_status_code(st), cause ? cause : "error", what);
}

/* The active CPU's connection resource back (when the connection held one). */
static void release(s7__sim_client *k)
{
    s7_sim *s = k->sim;
    size_t a = s->p->conns[k->conn].active;
    if (k->held && s->cpu_of[a] >= 0)
        s7_server_conn_release(s->cpus[s->cpu_of[a]].srv, k->held);
    k->held = 0;
}

static void conn_lost(s7__sim_client *k, int rc)
{
    s7_sim *s = k->sim;
    (void)rc;
    release(k);
    if (k->state == 2)
        s7__sim_log(s, S7_LOG_WARN, "connection %s lost%s%s", s->p->conns[k->conn].name,
                    k->nex && k->ex[0].last_rc ? " after " : "",
                    k->nex && k->ex[0].last_rc ? k->ex[0].last_err : "");
    k->state = 0;
    k->retry_at = s7_now_ms() + s->o.retry_ms;
    for (size_t e = 0; e < k->nex; e++)
        k->ex[e].busy = 0;
}

static void ex_done(s7_client *c, int rc, void *ud)
{
    s7__sim_ex *x = ud;
    x->busy = 0;
    if (rc >= 0) {
        x->ok++;
        x->last_rc = 0;
        return;
    }
    char what[160];
    describe(c, rc, x, "", what, sizeof what);
    set_fail(x, rc, what);
}

static void connect_done(s7_client *c, int rc, void *ud)
{
    s7__sim_client *k = ud;
    if (rc >= 0) {
        k->state = 2;
        s7__sim_log(k->sim, S7_LOG_INFO, "connection %s up", k->sim->p->conns[k->conn].name);
        for (size_t e = 0; e < k->nex; e++) {
            k->ex[e].due = s7_now_ms();
            k->ex[e].once_done = 0;
        }
        return;
    }
    for (size_t e = 0; e < k->nex; e++) {
        char what[160];
        describe(c, rc, &k->ex[e], "connect: ", what, sizeof what);
        set_fail(&k->ex[e], rc, what);
    }
    release(k);
    k->state = 0;
    k->retry_at = s7_now_ms() + k->sim->o.retry_ms;
}

static void client_connect(s7_sim *s, s7__sim_client *k)
{
    const s7_plant_conn *cn = &s->p->conns[k->conn];
    const s7_plant_partner *pp = &s->p->partners[cn->passive];
    uint16_t port = pp->port;
    if (s->cpu_of[cn->passive] >= 0 && s->cpus[s->cpu_of[cn->passive]].listening)
        port = s->cpus[s->cpu_of[cn->passive]].port;
    char err[200];
    /* an emulated CPU's active connection takes one of its own connection resources, as
     * the GET/PUT instructions' connections do; none free: 1/20 */
    ptrdiff_t ac = s->cpu_of[cn->active];
    int type = cn->type >= 1 && cn->type <= 3 ? cn->type : 1;
    if (ac >= 0 && s->cpus[ac].srv && !k->held) {
        if (s7_server_conn_acquire(s->cpus[ac].srv, type) < 0) {
            for (size_t e = 0; e < k->nex; e++) {
                char what[160];
                snprintf(what, sizeof what,
                         "1/20 no_connection_resource: %s's %s connection resources are used "
                         "up (connection %s to %s)",
                         s->p->partners[cn->active].name, s7_plant_type_name(type), cn->name,
                         s->addr[cn->passive]);
                set_fail(&k->ex[e], S7_ERR_BUSY, what);
            }
            k->retry_at = s7_now_ms() + s->o.retry_ms;
            return;
        }
        k->held = type;
    }
    k->state = 1;
    if (enter(s, cn->active, 1, err, sizeof err) < 0) {
        release(k);
        s7__sim_log(s, S7_LOG_ERROR, "connection %s: %s", cn->name, err);
        k->state = 0;
        k->retry_at = s7_now_ms() + s->o.retry_ms;
        return;
    }
    int rc = s7_client_connect_async(k->c, s->addr[cn->passive], port, connect_done, k);
    enter(s, cn->active, 0, err, sizeof err);
    if (rc < 0)
        connect_done(k->c, rc, k);
}

/* Starts the exchanges of k that are due; returns the ms until the next one (-1 none). */
static int64_t client_due(s7_sim *s, s7__sim_client *k, int64_t now)
{
    int64_t next = -1;
    const s7_plant_conn *cn = &s->p->conns[k->conn];
    for (size_t e = 0; e < k->nex; e++) {
        s7__sim_ex *x = &k->ex[e];
        const s7_plant_exchange *pe = &cn->ex[e];
        if (pe->cycle_ms <= 0 && x->once_done)
            continue;
        if (!x->busy && now >= x->due) {
            int rc = pe->dir == S7_PLANT_GET
                         ? s7_client_read_async(k->c, x->items, x->nitems, ex_done, x)
                         : s7_client_write_async(k->c, x->items, x->nitems, ex_done, x);
            if (rc < 0) {
                char what[160];
                describe(k->c, rc, x, "", what, sizeof what);
                set_fail(x, rc, what);
            } else {
                x->busy = 1;
            }
            x->once_done = 1;
            /* on the grid of its cycle; a late turn does not pile jobs up */
            if (pe->cycle_ms > 0) {
                x->due += pe->cycle_ms;
                if (x->due <= now)
                    x->due = now + pe->cycle_ms;
            }
        }
        if (pe->cycle_ms > 0 && !x->busy) {
            int64_t w = x->due - now;
            if (next < 0 || w < next)
                next = w < 0 ? 0 : w;
        }
    }
    return next;
}

/* ---------------------------------------------------------------- loop */

int s7_sim_run_once(s7_sim *s, int timeout_ms)
{
    if (!s->started)
        return S7_ERR_STATE;
    if (timeout_ms < 0 || timeout_ms > 1000)
        timeout_ms = 1000;
    int64_t now = s7_now_ms();
    int64_t wait = timeout_ms;
    /* clients: connect, start what is due, flush, and what to wait for */
    for (size_t i = 0; i < s->ncl; i++) {
        s7__sim_client *k = &s->cl[i];
        if (k->job) { /* the active CPU's engine runs it */
            s->pfd[i + 1].fd = -1;
            s->pfd[i + 1].revents = 0;
            continue;
        }
        if (k->state == 2 && !s7_client_connected(k->c))
            conn_lost(k, S7_ERR_CLOSED);
        if (k->state == 0 && now >= k->retry_at)
            client_connect(s, k);
        if (k->state == 0) {
            if (k->retry_at - now < wait)
                wait = k->retry_at - now < 0 ? 0 : k->retry_at - now;
        } else if (k->state == 2) {
            int64_t w = client_due(s, k, now);
            if (w >= 0 && w < wait)
                wait = w;
        }
        if (k->state != 0) {
            s7_client_step(k->c, 0);
            if (k->state == 2 && !s7_client_connected(k->c))
                conn_lost(k, S7_ERR_CLOSED);
        }
        s->pfd[i + 1].fd = k->state != 0 ? s7_client_fd(k->c) : -1;
        s->pfd[i + 1].events = s->pfd[i + 1].fd >= 0 ? s7_client_events(k->c) : 0;
        s->pfd[i + 1].revents = 0;
        if (s->pfd[i + 1].fd >= 0) {
            int t = s7_client_timeout_ms(k->c);
            if (t >= 0 && t < wait)
                wait = t;
        }
    }
    /* the CPUs' GET/PUT jobs: their connections' sockets after the clients' */
    size_t np = s->ncl + 1, cap = 2 * s->p->nconns + 1;
    for (size_t i = 0; i < s->ncpus; i++) {
        s7__sim_cpu *x = &s->cpus[i];
        x->pfd_at = np;
        x->pfd_n = 0;
        if (!x->xe)
            continue;
        int t = (int)wait;
        x->pfd_n = s7_xengine_fds(x->xe, s->pfd + np, cap - np, &t);
        np += x->pfd_n;
        if (t >= 0 && t < wait)
            wait = t;
    }
    if (s->next_timers - now < wait)
        wait = s->next_timers - now < 0 ? 0 : s->next_timers - now;
    /* the poll backend (S7_USE_POLL=1) has no descriptor to nest: every server gets a turn
     * every 10 ms instead */
    int nested = s7_loop_fd(s->loop) >= 0;
    if (!nested && wait > 10)
        wait = 10;
    s->pfd[0].fd = s7_loop_fd(s->loop);
    s->pfd[0].events = POLLIN;
    s->pfd[0].revents = 0;
    int r = poll(s->pfd, np, (int)wait);
    if (r < 0 && errno != EINTR)
        return S7_ERR_IO;
    now = s7_now_ms();
    if (r > 0 && (s->pfd[0].revents & POLLIN)) {
        s7_loop_event ev[64];
        int n = s7_loop_wait(s->loop, ev, 64, 0);
        for (int i = 0; i < n; i++)
            s7_server_run_once(((s7__sim_cpu *)ev[i].ptr)->srv, 0);
    }
    if (now >= s->next_timers || !nested) {
        /* the servers' own deadlines (setup, idle) are checked in their turns */
        for (size_t i = 0; i < s->ncpus; i++)
            if (s->cpus[i].listening)
                s7_server_run_once(s->cpus[i].srv, 0);
        s->next_timers = now + (nested ? 1000 : 10);
    }
    for (size_t i = 0; i < s->ncl; i++) {
        s7__sim_client *k = &s->cl[i];
        if (s->pfd[i + 1].fd < 0 || k->state == 0)
            continue;
        int t = s7_client_timeout_ms(k->c);
        if (s->pfd[i + 1].revents || t == 0)
            s7_client_step(k->c, r > 0 ? s->pfd[i + 1].revents : 0);
        if (k->state == 2 && !s7_client_connected(k->c))
            conn_lost(k, S7_ERR_CLOSED);
    }
    for (size_t i = 0; i < s->ncpus; i++) {
        s7__sim_cpu *x = &s->cpus[i];
        if (!x->xe)
            continue;
        if (r < 0)
            for (size_t f = 0; f < x->pfd_n; f++)
                s->pfd[x->pfd_at + f].revents = 0;
        s7_xengine_process(x->xe, s->pfd + x->pfd_at, x->pfd_n);
    }
    rearm_events(s);
    return 0;
}

/* ---------------------------------------------------------------- state */

/* A CPU's exchange as its jobs report it: the first job in error (or the first). */
static int job_state(const s7_sim *s, const s7__sim_client *k, const s7__sim_ex *x,
                     s7_sim_ex_state *st)
{
    const s7__sim_cpu *c = &s->cpus[s->cpu_of[s->p->conns[k->conn].active]];
    st->up = 1;
    for (size_t j = x->job0; c->xe && j < x->job0 + x->njobs; j++) {
        s7_xjob_state js;
        if (s7_xengine_state(c->xe, j, &js) < 0)
            continue;
        st->up &= js.conn_up != 0;
        if (j == x->job0 || js.ok < st->ok)
            st->ok = js.ok;
        if (js.errors > st->err)
            st->err = js.errors;
        if (js.status != S7_XST_OK && !st->last_rc) {
            st->last_rc = js.status == S7_XST_NEGATIVE_ACK     ? S7_ERR_PLC
                          : js.status == S7_XST_PARTNER_ACCESS ? S7_ERR_ITEM
                          : js.status == S7_XST_LENGTH         ? S7_ERR_PARAM
                                                               : S7_ERR_IO;
            /* what the partner said, as the polling clients put it: "NAME (0x8104)" */
            char what[128];
            unsigned code = 0;
            const char *a = strstr(js.detail, "answered 0x");
            if (a && sscanf(a, "answered 0x%4x", &code) == 1)
                snprintf(what, sizeof what, "%.80s (0x%04X)",
                         s7_explain_code(S7_EX_HEADER, (uint16_t)code)->name, code);
            else
                snprintf(what, sizeof what, "%.120s", js.detail);
            snprintf(st->last_err, sizeof st->last_err, "%d/%u %.24s: %.110s",
                     s7_exchange_status_error(js.status),
                     (unsigned)s7_exchange_status_code(js.status), js.cause, what);
        }
    }
    if (!c->xe)
        st->up = 0;
    if (s7_cpu_state(c->cpu) == S7_CPU_STATE_STOP) { /* its program calls no GET/PUT */
        st->last_rc = S7_ERR_IO;
        snprintf(st->last_err, sizeof st->last_err,
                 "cpu_stopped: %.60s is in STOP, its program does not run the job",
                 s->p->partners[c->partner].name);
    }
    return 0;
}

size_t s7_sim_nex(const s7_sim *s)
{
    size_t n = 0;
    for (size_t i = 0; s && i < s->ncl; i++)
        n += s->cl[i].nex;
    return n;
}

int s7_sim_ex_get(const s7_sim *s, size_t i, s7_sim_ex_state *st)
{
    for (size_t c = 0; s && c < s->ncl; c++) {
        if (i >= s->cl[c].nex) {
            i -= s->cl[c].nex;
            continue;
        }
        const s7__sim_ex *x = &s->cl[c].ex[i];
        memset(st, 0, sizeof *st);
        st->conn = s->cl[c].conn;
        st->ex = i;
        if (s->cl[c].job)
            return job_state(s, &s->cl[c], x, st);
        st->up = s->cl[c].state == 2;
        st->ok = x->ok;
        st->err = x->err;
        st->last_rc = x->last_rc;
        snprintf(st->last_err, sizeof st->last_err, "%s", x->last_err);
        return 0;
    }
    return S7_ERR_INVAL;
}

void s7_sim_counts(const s7_sim *s, size_t *cpus, size_t *listening, size_t *conns_up)
{
    size_t l = 0, u = 0;
    for (size_t i = 0; i < s->ncpus; i++)
        l += s->cpus[i].listening != 0;
    for (size_t i = 0; i < s->ncl; i++) {
        if (s->cl[i].job && s->cl[i].nex) {
            s7_sim_ex_state st;
            memset(&st, 0, sizeof st);
            job_state(s, &s->cl[i], &s->cl[i].ex[0], &st);
            u += st.up != 0;
        } else {
            u += s->cl[i].state == 2;
        }
    }
    if (cpus)
        *cpus = s->ncpus;
    if (listening)
        *listening = l;
    if (conns_up)
        *conns_up = u;
}
