/* The outputs of an emulated CPU's job and their one-scan pulse (exchange/job_out.h). */
#include "exchange/job_out.h"
#include "util/hot.h"

#include <string.h>

/* The DB a tag names (0 for the other areas). */
static uint16_t db_of(const s7_tag *t) { return t->area == S7_AREA_DB ? t->db : 0; }

S7_HOT uint8_t *s7__xout_local(s7_cpu *cpu, const s7_tag *t, uint32_t len)
{
    uint32_t size = 0;
    uint8_t *m = s7_cpu_mem(cpu, t->area, db_of(t), &size);
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

S7_HOT int s7__xout_put(s7_cpu *cpu, const s7_tag *t, const uint8_t *data, uint32_t len)
{
    int rc = s7_cpu_write(cpu, t->area, db_of(t), t->byte, -1, data, len);
    return rc < 0 ? S7_ERR_ADDR : 0;
}

S7_HOT int s7__xout_put_bit(s7_cpu *cpu, const s7_tag *t, int v)
{
    const uint8_t *p = s7__xout_local(cpu, t, 1);
    if (!p)
        return S7_ERR_ADDR;
    uint8_t b = (uint8_t)(v != 0);
    if (((*p >> t->bit) & 1u) == b)
        return 0;
    int rc = s7_cpu_write(cpu, t->area, db_of(t), t->byte, t->bit & 7, &b, 1);
    return rc < 0 ? S7_ERR_ADDR : 1;
}

static void put_bit(s7__xout *o, const s7_tag *t, int v)
{
    if (s7__xout_put_bit(o->cpu, t, v) > 0 && o->wrote)
        o->wrote(o->ctx, t, 1);
}

static void put_word(s7__xout *o, const s7_tag *t, uint16_t v)
{
    const uint8_t *p = s7__xout_local(o->cpu, t, 2);
    const uint8_t w[2] = {(uint8_t)(v >> 8), (uint8_t)v};
    if (!p || memcmp(p, w, 2) == 0)
        return;
    if (s7__xout_put(o->cpu, t, w, 2) == 0 && o->wrote)
        o->wrote(o->ctx, t, 2);
}

S7_HOT void s7__xout_write(s7__xout *o, int done, int error, uint16_t status)
{
    const s7_xjob *j = o->j;
    if (j->has_done)
        put_bit(o, &j->done, done);
    if (j->has_error)
        put_bit(o, &j->error, error);
    if (j->has_status)
        put_word(o, &j->status, status);
}

S7_HOT void s7__xout_scan(s7__xout *o)
{
    o->shown = 0;
    o->take_back = o->pulsed;
    o->pulsed = 0;
}

S7_HOT void s7__xout_end(s7__xout *o)
{
    if (o->take_back && !o->shown) /* nothing new in this call: the pulse ends */
        s7__xout_write(o, 0, 0, 0);
    o->take_back = 0;
}

S7_HOT void s7__xout_result(s7__xout *o, int done, int error, uint16_t status)
{
    s7__xout_write(o, done, error, status);
    o->pulsed = !o->j->latch; /* valid for this scan: the next one takes them back */
    o->shown = 1;
}

S7_HOT void s7__xout_running(s7__xout *o, uint16_t status)
{
    if (o->j->latch || o->shown)
        return;
    s7__xout_write(o, 0, 0, status);
    o->pulsed = 1;
    o->shown = 1;
}
