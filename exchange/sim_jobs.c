/* s7kit plant simulation: the GET/PUT jobs a CPU runs for the documented exchanges it is the
 * active partner of (include/s7/exchange_sim.h): their shape (up to four ranges a job, its
 * status words and areas in the job DB), the PDU the two CPUs negotiate for them, and the
 * check that each job fits that PDU (s7_sim_check_jobs, which the inventory loader runs).
 * A CPU's GET/PUT is one request and one reply, never split: a job that does not fit the
 * negotiated PDU fails every time it runs. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "exchange/sim_int.h"
#include "s7/cpu.h"
#include "s7/exchange.h"

static s7_tag db_tag(uint16_t db, uint32_t byte, uint8_t bit, s7_type type, uint32_t count)
{
    s7_tag t;
    memset(&t, 0, sizeof t);
    t.area = S7_AREA_DB;
    t.db = db;
    t.byte = byte;
    t.bit = bit;
    t.type = type;
    t.count = count;
    t.array = count > 1 || type == S7_T_BYTE;
    return t;
}

void s7__sim_job_of(const s7_plant_conn *cn, size_t e, size_t r0, size_t r1, int parts,
                    uint16_t conn_id, uint16_t db, uint32_t off, s7_xjob *j)
{
    const s7_plant_exchange *pe = &cn->ex[e];
    s7_xjob_init(j);
    if (parts > 1)
        snprintf(j->name, sizeof j->name, "%.40s#%u.%u", cn->name, (unsigned)(e + 1),
                 (unsigned)(r0 / S7_XJOB_AREAS + 1));
    else
        snprintf(j->name, sizeof j->name, "%.40s#%u", cn->name, (unsigned)(e + 1));
    j->kind = pe->dir == S7_PLANT_GET ? S7_XJOB_GET : S7_XJOB_PUT;
    j->conn_id = conn_id;
    if (pe->cycle_ms > 0) {
        j->trigger = S7_XTRIG_CYCLIC;
        j->cycle_ms = pe->cycle_ms;
    } else { /* once: a REQ the simulation sets at start (write 0, then 1 to run again) */
        j->trigger = S7_XTRIG_REQ;
        j->req = db_tag(db, off + 2, 2, S7_T_BOOL, 1);
    }
    j->has_status = j->has_done = j->has_error = 1;
    j->latch = 1; /* the status words hold the last result, for s7 read and the monitor */
    j->status = db_tag(db, off, 0, S7_T_WORD, 1);
    j->done = db_tag(db, off + 2, 0, S7_T_BOOL, 1);
    j->error = db_tag(db, off + 2, 1, S7_T_BOOL, 1);
    uint32_t at = off + S7__SIM_JOB_HDR;
    for (size_t r = r0; r < r1; r++) {
        const s7_plant_range *rg = &pe->ranges[r];
        s7_xarea *a = &j->areas[j->nareas++];
        memset(&a->remote, 0, sizeof a->remote);
        a->remote.area = rg->area;
        a->remote.db = rg->area == S7_AREA_DB ? rg->db : 0;
        a->remote.byte = rg->offset;
        /* a timer or counter range counts elements of two bytes each (the simulation keeps
         * such exchanges polled: its job DB holds bytes only) */
        a->remote.type = rg->area == S7_AREA_T   ? S7_T_TIMER
                         : rg->area == S7_AREA_C ? S7_T_COUNTER
                                                 : S7_T_BYTE;
        a->remote.count = rg->length;
        a->remote.array = 1;
        a->local = db_tag(db, at, 0, S7_T_BYTE, rg->length);
        at += rg->length;
    }
    snprintf(j->where, sizeof j->where, "inventory connection %.100s, exchange %zu", cn->name,
             e + 1);
}

uint32_t s7__sim_job_size(const s7_plant_exchange *pe, size_t r0, size_t r1)
{
    uint32_t n = S7__SIM_JOB_HDR;
    for (size_t r = r0; r < r1; r++)
        n += pe->ranges[r].length;
    return n + (n & 1);
}

/* The largest PDU any profile negotiates (960: the S7-1500's). */
static uint16_t largest_pdu(void)
{
    uint16_t m = 0;
    for (const char *const *n = s7_profile_names(); n && *n; n++) {
        const s7_profile *pf = s7_profile_find(*n);
        if (pf && pf->max_pdu > m)
            m = pf->max_pdu;
    }
    return m;
}

/* The maximum PDU of partner pt's profile, 0 when it names none the emulator knows. */
static uint16_t partner_pdu(const s7_plant_partner *pt)
{
    const s7_profile *pf = pt->profile ? s7_profile_find(pt->profile) : NULL;
    return pf ? pf->max_pdu : 0;
}

uint16_t s7_sim_conn_pdu(const s7_plant *p, size_t conn)
{
    if (!p || conn >= p->nconns)
        return 0;
    const s7_plant_conn *cn = &p->conns[conn];
    uint16_t m = largest_pdu();
    uint16_t a = partner_pdu(&p->partners[cn->active]);
    uint16_t b = partner_pdu(&p->partners[cn->passive]);
    if (a && a < m)
        m = a;
    if (b && b < m)
        m = b;
    return m;
}

/* "PARTNER (PROFILE: up to N)" or "PARTNER (no profile)" into buf. */
static const char *pdu_of(const s7_plant_partner *pt, char *buf, size_t cap)
{
    uint16_t n = partner_pdu(pt);
    if (n)
        snprintf(buf, cap, "%s (%s: up to %u)", pt->name, pt->profile, n);
    else
        snprintf(buf, cap, "%s (no profile)", pt->name);
    return buf;
}

/* Reports the job of ranges [r0, r1) of exchange e of connection c when it does not fit
 * the PDU; returns 1 when fn asked to stop. */
static int check_job(const s7_plant *p, size_t c, size_t e, size_t r0, size_t r1, uint16_t pdu,
                     int *count, int (*fn)(void *ctx, const char *msg), void *ctx)
{
    const s7_plant_conn *cn = &p->conns[c];
    const s7_plant_exchange *pe = &cn->ex[e];
    s7_xjob j;
    s7__sim_job_of(cn, e, r0, r1, 1, 1, 9000, 0, &j);
    uint32_t req, rep, need = s7_xjob_pdu_need(&j, &req, &rep);
    if (need <= pdu)
        return 0;
    uint32_t lim = s7_xjob_payload_limit(j.kind, j.nareas, pdu);
    uint32_t one = s7_xjob_payload_limit(j.kind, 1, pdu);
    char what[160], rg[64], pa[96], pb[96], part[48] = "", msg[900];
    size_t n = 0;
    for (size_t r = r0; r < r1 && n < sizeof what; r++)
        n += (size_t)snprintf(what + n, sizeof what - n, "%s%s", r > r0 ? ", " : "",
                              s7_plant_range_text(&pe->ranges[r], rg, sizeof rg));
    if (pe->nranges > S7_XJOB_AREAS)
        snprintf(part, sizeof part, " (ranges %zu..%zu, one job)", r0 + 1, r1);
    const char *kind = pe->dir == S7_PLANT_GET ? "GET" : "PUT";
    snprintf(msg, sizeof msg,
             "connection %s, exchange %zu (%s %s)%s: %s runs it as a %s job, one request that "
             "is never split, and it needs a PDU of %u bytes (request %u, reply %u); %s and %s "
             "negotiate at most %u, where a %s of %u area%s moves at most %u bytes: split it "
             "into exchanges of at most %u bytes each (the program calls one %s for each)",
             cn->name, e + 1, kind, what, part, p->partners[cn->active].name, kind, need, req, rep,
             pdu_of(&p->partners[cn->active], pa, sizeof pa),
             pdu_of(&p->partners[cn->passive], pb, sizeof pb), pdu, kind, j.nareas,
             j.nareas == 1 ? "" : "s", lim, one, kind);
    char full[1100];
    if (p->file && pe->line > 0)
        snprintf(full, sizeof full, "%s:%d: %s", p->file, pe->line, msg);
    else if (p->file)
        snprintf(full, sizeof full, "%s: %s", p->file, msg);
    else
        snprintf(full, sizeof full, "%s", msg);
    (*count)++;
    return fn ? fn(ctx, full) != 0 : 0;
}

int s7_sim_check_jobs(const s7_plant *p, int (*fn)(void *ctx, const char *msg), void *ctx)
{
    int count = 0;
    if (!p)
        return 0;
    for (size_t c = 0; c < p->nconns; c++) {
        const s7_plant_conn *cn = &p->conns[c];
        if (cn->active >= p->npartners || cn->passive >= p->npartners ||
            !s7_plant_partner_has_role(&p->partners[cn->active], S7_PLANT_KIND_PLC))
            continue; /* a polling client splits what does not fit */
        uint16_t pdu = s7_sim_conn_pdu(p, c);
        for (size_t e = 0; e < cn->nex; e++)
            for (size_t r0 = 0; r0 < cn->ex[e].nranges; r0 += S7_XJOB_AREAS) {
                size_t r1 =
                    r0 + S7_XJOB_AREAS < cn->ex[e].nranges ? r0 + S7_XJOB_AREAS : cn->ex[e].nranges;
                if (check_job(p, c, e, r0, r1, pdu, &count, fn, ctx))
                    return count;
            }
    }
    return count;
}
