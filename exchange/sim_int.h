/* s7kit plant simulation: the engine's state, shared by simulate.c (CPUs, clients, loop)
 * and sim_fault.c (faults).  Internal. */
#ifndef S7_EXCHANGE_SIM_INT_H
#define S7_EXCHANGE_SIM_INT_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>

#include "net/loop.h"
#include "s7/client.h"
#include "s7/exchange.h"
#include "s7/exchange_sim.h"
#include "s7/server.h"

/* One emulated CPU. */
typedef struct s7__sim_cpu {
    size_t partner; /* plant index */
    s7_cpu *cpu;
    s7_server *srv;
    int listening;
    uint16_t port;
    uint16_t budget_total; /* the profile's total connection budget (restored by clear) */
    uint16_t budget_of[4]; /* the same per type [1] PG, [2] OP, [3] basic */
    uint8_t budget_on[4];  /* CPU:budget ([0]) and CPU:budget:TYPE ([1..3]) injected */
    int put_get;           /* PUT/GET as configured before a fault */
    int closed;            /* CPU:port_closed: not listening (also set before start) */
    int moved;             /* CPU:slot: at another slot; home_rack/home_slot documented */
    uint8_t home_rack, home_slot;
    /* its GET/PUT jobs: the documented exchanges it is the active partner of */
    s7_exchange jobs; /* built by s7_sim_new (ports set at start) */
    s7_xengine *xe;   /* from s7_sim_start; NULL when it has no jobs */
    uint16_t job_db;  /* the DB holding the jobs' status words and areas (0 none) */
    uint32_t job_db_size;
    size_t pfd_at, pfd_n; /* its engine's sockets in the simulation's poll */
    struct s7_sim *sim;
} s7__sim_cpu;

/* One documented exchange on its connection. */
typedef struct s7__sim_ex {
    size_t ex; /* index in the connection */
    s7_item *items;
    size_t nitems;
    uint8_t *buf;
    int64_t due;
    int busy;
    int once_done; /* exchanges without a cycle run once per connection */
    uint64_t ok, err;
    int last_rc;
    char last_err[160];
    size_t job0, njobs; /* a CPU's exchange: its jobs in the active CPU's engine */
} s7__sim_ex;

/* One documented connection, run by its active partner. */
typedef struct s7__sim_client {
    size_t conn; /* plant index */
    s7_client *c;
    int state;        /* 0 down, 1 connecting, 2 up */
    int held;         /* counted against the active CPU's connection budget (type held) */
    int job;          /* 1: the active partner is an emulated CPU running the exchanges as its
                * GET/PUT jobs (no polling client) */
    int job_up;       /* job: its connection was set up when last looked (rearm_events) */
    uint16_t job_pdu; /* the PDU those jobs must fit: the smaller of the two CPUs' maximum */
    int64_t retry_at;
    s7__sim_ex *ex;
    size_t nex;
    struct s7_sim *sim;
} s7__sim_client;

struct s7_sim {
    const s7_plant *p;
    s7_sim_opts o;
    char (*addr)[48]; /* per partner: where it listens / connects from */
    s7__sim_cpu *cpus;
    size_t ncpus;
    ptrdiff_t *cpu_of; /* per partner: index into cpus, -1 none */
    s7__sim_client *cl;
    size_t ncl;
    s7_loop *loop; /* the CPUs' loops, nested */
    struct pollfd *pfd;
    int64_t next_timers;
    int started;
};

/* Opens (again) or closes CPU x's listening socket, in its partner's namespace.  0 or a
 * negative error with a message. */
int s7__sim_listen(s7_sim *s, s7__sim_cpu *x, int on, char *err, size_t cap);

/* A fault on partner cleared: its connections' exchanges without a cycle whose last run
 * failed run again (simulate.c). */
void s7__sim_rerun_failed(s7_sim *s, size_t partner);

/* The jobs of the CPUs (sim_jobs.c): a job's block in the job DB starts with STATUS (WORD
 * at +0), NDR/DONE (+2.0), ERROR (+2.1) and REQ (+2.2); its areas follow from +4. */
#define S7__SIM_JOB_HDR 4

/* Fills j with the job of ranges [r0, r1) of exchange e of connection cn (parts > 1: the
 * exchange is split into several jobs, named CONN#E.PART), on connection conn_id, its block
 * at offset off of DB db. */
void s7__sim_job_of(const s7_plant_conn *cn, size_t e, size_t r0, size_t r1, int parts,
                    uint16_t conn_id, uint16_t db, uint32_t off, s7_xjob *j);
/* The size of the block of job [r0, r1) of exchange pe in the job DB (even). */
uint32_t s7__sim_job_size(const s7_plant_exchange *pe, size_t r0, size_t r1);

void s7__sim_log(s7_sim *s, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif
