/* The outputs of an emulated CPU's job (NDR/DONE, ERROR, STATUS in its memory) and the
 * scan model they follow, shared by the GET/PUT jobs (cpu_jobs.c) and the partner jobs
 * (cpu_partner.c).  Internal.
 *
 * Per scan, per job (one call of its instruction): s7__xout_scan first, then at most one
 * of s7__xout_result (a completed run: its outputs, valid for this scan, or held when
 * latched) and s7__xout_running (a warning STATUS for this scan only: 11 triggered while
 * busy, 25 under way; never shown on a latched job, whose outputs hold the last result,
 * nor in a call that already showed something), then s7__xout_end, which takes back what
 * the previous scan set when this one set nothing (so a STATUS 25 held over several scans
 * is written once, not taken back and set again). */
#ifndef S7_EXCHANGE_JOB_OUT_H
#define S7_EXCHANGE_JOB_OUT_H

#include <stdint.h>

#include "s7/cpu.h"
#include "s7/exchange.h"

/* Called after a byte range of the CPU's memory changed (may be NULL). */
typedef void (*s7__xout_wrote_fn)(void *ctx, const s7_tag *t, uint32_t len);

typedef struct s7__xout {
    s7_cpu *cpu;
    const s7_xjob *j;
    s7__xout_wrote_fn wrote;
    void *ctx;
    int pulsed;    /* this scan set outputs the next one takes back */
    int shown;     /* this scan set outputs already */
    int take_back; /* the previous scan's outputs end with this scan */
} s7__xout;

void s7__xout_init(s7__xout *o, s7_cpu *cpu, const s7_xjob *j, s7__xout_wrote_fn wrote, void *ctx);
/* NDR/DONE, ERROR and STATUS as given, where the job names them (no pulse bookkeeping). */
void s7__xout_write(s7__xout *o, int done, int error, uint16_t status);
void s7__xout_scan(s7__xout *o);
void s7__xout_end(s7__xout *o);
void s7__xout_result(s7__xout *o, int done, int error, uint16_t status);
void s7__xout_running(s7__xout *o, uint16_t status);

/* The bytes of t in cpu's memory, or NULL when they are not all there. */
uint8_t *s7__xout_local(s7_cpu *cpu, const s7_tag *t, uint32_t len);
/* Writes len bytes of data to t's place in cpu's memory through s7_cpu_write (so the CPU's
 * event handler sees it, and a retentive store journals it).  0 or S7_ERR_ADDR. */
int s7__xout_put(s7_cpu *cpu, const s7_tag *t, const uint8_t *data, uint32_t len);
/* Sets (v != 0) or clears t's bit the same way when it differs: 1 when written, 0 when it
 * held that value already, S7_ERR_ADDR when it is not in cpu's memory. */
int s7__xout_put_bit(s7_cpu *cpu, const s7_tag *t, int v);

#endif
