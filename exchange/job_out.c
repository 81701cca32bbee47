/* The outputs of an emulated CPU's job and their one-scan pulse (exchange/job_out.h). */
#include "exchange/job_out.h"

#include <string.h>

uint8_t *s7__xout_local(s7_cpu *cpu, const s7_tag *t, uint32_t len)
{
    uint32_t size = 0;
    uint8_t *m = s7_cpu_mem(cpu, t->area, t->area == S7_AREA_DB ? t->db : 0, &size);
    if (!m || t->byte > size || len > size - t->byte)
        return NULL;
    return m + t->byte;
}

void s7__xout_init(s7__xout *o, s7_cpu *cpu, const s7_xjob *j, s7__xout_wrote_fn wrote, void *ctx)
{
    memset(o, 0, sizeof *o);
    o->cpu = cpu;
    o->j = j;
    o->wrote = wrote;
    o->ctx = ctx;
}

static void put_bit(s7__xout *o, const s7_tag *t, int v)
{
    uint8_t *p = s7__xout_local(o->cpu, t, 1);
    if (!p)
        return;
    uint8_t old = *p;
    *p = (uint8_t)(v ? *p | (1u << t->bit) : *p & ~(1u << t->bit));
    if (*p != old && o->wrote)
        o->wrote(o->ctx, t, 1);
}

static void put_word(s7__xout *o, const s7_tag *t, uint16_t v)
{
    uint8_t *p = s7__xout_local(o->cpu, t, 2);
    if (!p || (p[0] == (uint8_t)(v >> 8) && p[1] == (uint8_t)v))
        return;
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    if (o->wrote)
        o->wrote(o->ctx, t, 2);
}

void s7__xout_write(s7__xout *o, int done, int error, uint16_t status)
{
    const s7_xjob *j = o->j;
    if (j->has_done)
        put_bit(o, &j->done, done);
    if (j->has_error)
        put_bit(o, &j->error, error);
    if (j->has_status)
        put_word(o, &j->status, status);
}

void s7__xout_scan(s7__xout *o)
{
    o->shown = 0;
    o->take_back = o->pulsed;
    o->pulsed = 0;
}

void s7__xout_end(s7__xout *o)
{
    if (o->take_back && !o->shown) /* nothing new in this call: the pulse ends */
        s7__xout_write(o, 0, 0, 0);
    o->take_back = 0;
}

void s7__xout_result(s7__xout *o, int done, int error, uint16_t status)
{
    s7__xout_write(o, done, error, status);
    o->pulsed = !o->j->latch; /* valid for this scan: the next one takes them back */
    o->shown = 1;
}

void s7__xout_running(s7__xout *o, uint16_t status)
{
    if (o->j->latch || o->shown)
        return;
    s7__xout_write(o, 0, 0, status);
    o->pulsed = 1;
    o->shown = 1;
}
