/* Unit tests for exchange/job_out.c, the outputs of an emulated CPU's job and their scan
 * model, scan by scan on a CPU's marker memory: a result set for one scan and taken back in
 * the next; a result held over scans when latched; a warning STATUS (25, 11) for the scan
 * that shows it, held over consecutive scans with one write, never over a result of the
 * same scan and never on a latched job; outputs the job does not name left alone; the
 * write hook called once per changed output. */
#include <string.h>

#include "exchange/job_out.h"
#include "s7/cpu.h"
#include "t.h"

static int writes;
static void on_wrote(void *ctx, const s7_tag *t, uint32_t len)
{
    (void)t;
    (void)len;
    (*(int *)ctx)++;
}

static s7_tag tag(const char *text)
{
    s7_tag t;
    char err[200];
    CHECK_INT(s7_tag_parse(text, &t, err, sizeof err), 0);
    return t;
}

static uint8_t *mk(s7_cpu *c)
{
    uint32_t size;
    return s7_cpu_mem(c, S7_AREA_M, 0, &size);
}

/* DONE M0.1, ERROR M0.2, STATUS MW2 as the scan left them: "d e status" */
static int state(s7_cpu *c)
{
    uint8_t *m = mk(c);
    return ((m[0] >> 1) & 1) * 100000 + ((m[0] >> 2) & 1) * 10000 + (m[2] << 8 | m[3]);
}

/* One scan: the call begins, fn shows something (or nothing), the call ends. */
enum { NOTHING, RESULT_OK, RESULT_ERR, RUNNING25, RUNNING11, RESULT_THEN_25 };
static void scan(s7__xout *o, int what)
{
    s7__xout_scan(o);
    if (what == RESULT_OK || what == RESULT_THEN_25)
        s7__xout_result(o, 1, 0, 0);
    else if (what == RESULT_ERR)
        s7__xout_result(o, 0, 1, 8);
    else if (what == RUNNING25)
        s7__xout_running(o, 25);
    else if (what == RUNNING11)
        s7__xout_running(o, 11);
    if (what == RESULT_THEN_25) /* a job started again in the scan that took its result */
        s7__xout_running(o, 25);
    s7__xout_end(o);
}

int main(void)
{
    s7_cpu *c = s7_cpu_new(s7_profile_find("s7-300"));
    CHECK(c != NULL);
    s7_xjob j;
    s7_xjob_init(&j);
    j.has_done = j.has_error = j.has_status = 1;
    j.done = tag("M0.1");
    j.error = tag("M0.2");
    j.status = tag("MW2");
    mk(c)[0] = 0x01; /* M0.0, not an output: left alone */
    s7__xout o;
    s7__xout_init(&o, c, &j, on_wrote, &writes);

    /* pulse: started (25, twice: one write), result for one scan, then 0 */
    scan(&o, RUNNING25);
    CHECK_INT(state(c), 25);
    CHECK_INT(writes, 1);
    scan(&o, RUNNING25);
    CHECK_INT(state(c), 25);
    CHECK_INT(writes, 1); /* held: not taken back and set again */
    scan(&o, RESULT_OK);
    CHECK_INT(state(c), 100000); /* DONE, STATUS 0 */
    CHECK_INT(writes, 3);
    scan(&o, NOTHING);
    CHECK_INT(state(c), 0);
    scan(&o, NOTHING);
    CHECK_INT(state(c), 0);
    CHECK_INT(writes, 4);
    /* an error for one scan; 11 for one scan, then 25 again */
    scan(&o, RESULT_ERR);
    CHECK_INT(state(c), 10008);
    scan(&o, RUNNING11);
    CHECK_INT(state(c), 11);
    scan(&o, RUNNING25);
    CHECK_INT(state(c), 25);
    /* a result and a start in one scan: the result is what this scan shows */
    scan(&o, RESULT_THEN_25);
    CHECK_INT(state(c), 100000);
    scan(&o, RUNNING25);
    CHECK_INT(state(c), 25);
    scan(&o, NOTHING);
    CHECK_INT(state(c), 0);
    CHECK_INT(mk(c)[0] & 1, 1);

    /* latch: a result stays over the scans after; 25 and 11 are not shown */
    j.latch = 1;
    s7__xout_init(&o, c, &j, on_wrote, &writes);
    scan(&o, RESULT_ERR);
    CHECK_INT(state(c), 10008);
    writes = 0;
    scan(&o, RUNNING25);
    scan(&o, RUNNING11);
    scan(&o, NOTHING);
    CHECK_INT(state(c), 10008);
    CHECK_INT(writes, 0);
    scan(&o, RESULT_OK);
    CHECK_INT(state(c), 100000);
    scan(&o, NOTHING);
    CHECK_INT(state(c), 100000);

    /* a job without outputs: nothing written */
    s7_xjob none;
    s7_xjob_init(&none);
    memset(mk(c), 0, 4);
    writes = 0;
    s7__xout_init(&o, c, &none, on_wrote, &writes);
    scan(&o, RESULT_ERR);
    scan(&o, RUNNING25);
    CHECK_INT(state(c), 0);
    CHECK_INT(writes, 0);
    s7_cpu_free(c);
    return t_done();
}
