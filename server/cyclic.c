/* Cyclic data (Userdata function group 2) as an S7-300/400 serves it: a client subscribes
 * to items at a cycle, the CPU answers with their current values and then sends them
 * unsolicited (Userdata type push) at that cycle to that connection only.
 *
 * Layouts, from what a real S7-400 answered WinCC (tests/vectors/real/
 * wincc_s400_production.pcapng) and the Wireshark s7comm dissector's field names:
 * - Request (subfunction 0x01 cyclic transfer, 0x05 change driven, 0x07 change driven
 *   modify): data item 00 NN (item count), time base (0 = 100 ms, 1 = 1 s, 2 = 10 s),
 *   factor, then NN variable specifications as in Read Var (S7ANY 0x10 or DBREAD 0xB0),
 *   a fill byte after an odd-length one but the last.  A modify (0x07) carries the job
 *   to change in the parameter's sequence number.
 * - Answer: sequence number = the job's number (the lowest free, from 1, per
 *   connection), data item 00 NN and the data items as a Read Var answer has them.
 * - Push: parameter 00 01 12 08 12 02 SUBFN JOB 00 00 0000 (method 0x12, type push,
 *   PDU reference 0), the same data as the answer.  0x01 pushes at every cycle; 0x05 and
 *   0x07 push only when a value changed since the last push (the cycle is how often the
 *   CPU looks); a job changed by 0x07 pushes as 0x07 from then on.
 * - Unsubscribe (0x04): data FUNCTION JOB (the subfunction that made it, its number);
 *   answered with error 0 and the empty item 0A 00 0000, as the captured CPU answers
 *   every unsubscribe.  The job ends there; a disconnect ends all of the connection's.
 *
 * Choices where no capture shows the real answer (each a code from the S7 parameter
 * error table): more than S7__CYC_PER_CONN jobs on a connection or s7__cyc_per_cpu() on the
 * CPU (the maximum its SZL 0x0131 index 3 reports): 0xD062 (resource error: job list full); a time base above 2 or a factor 0: 0xD008
 * (illegal scan rate); a modify of a job that does not exist: 0xD0A5 (referenced job not
 * found); items that do not parse: 0xD401; values that do not fit one PDU: 0x8500.
 * Served on the 300/400 families; the others answer 0x8104 (userdata.c), as for any
 * group they do not serve.  Pushes are not reported as read events (the answer to the
 * request is). */
#include <stdlib.h>
#include <string.h>

#include "server/cpu_int.h"
#include "util/hot.h"

#define PUSH_OVERHEAD 26u /* header 10 + parameter 12 + data item header 4 */

struct s7__cyc_job {
    uint8_t id;      /* 1..255, the sequence number of its answers and pushes */
    uint8_t subfn;   /* what its pushes carry: 0x01, 0x05 or 0x07 */
    uint16_t nitems; /* variable specifications in spec */
    uint8_t *spec;   /* the request's specifications (owned) */
    size_t spec_len; /* bytes in spec */
    uint32_t cycle;  /* ms */
    int64_t due;     /* the next look (the pushing engine's clock), -1 before the first */
    uint8_t *last;   /* the values last sent (change driven), owned */
    size_t last_len; /* bytes in last */
};

/* A session's subscriptions (allocated with the first; the session holds one pointer so
 * an idle connection stays small). */
struct s7__cyc {
    s7_cpu *cpu; /* whose per-CPU count they take part in */
    uint8_t n;
    struct s7__cyc_job jobs[S7__CYC_PER_CONN];
};

static void job_free(struct s7__cyc_job *j)
{
    free(j->spec);
    free(j->last);
    memset(j, 0, sizeof *j);
}

void s7__cyclic_release(s7_cpu_session *sess)
{
    if (!sess || !sess->cyc)
        return;
    struct s7__cyc *y = sess->cyc;
    for (uint8_t i = 0; i < y->n; i++)
        job_free(&y->jobs[i]);
    y->cpu->cyc_total -= y->n;
    free(y);
    sess->cyc = NULL;
}

unsigned s7__cyclic_count(const s7_cpu_session *sess)
{
    return sess && sess->cyc ? sess->cyc->n : 0;
}

static struct s7__cyc_job *find_job(s7_cpu_session *sess, uint8_t id)
{
    for (uint8_t i = 0; sess->cyc && i < sess->cyc->n; i++)
        if (sess->cyc->jobs[i].id == id)
            return &sess->cyc->jobs[i];
    return NULL;
}

/* The lowest job number the session does not use. */
static uint8_t free_id(s7_cpu_session *sess)
{
    for (unsigned id = 1; id < 256; id++)
        if (!find_job(sess, (uint8_t)id))
            return (uint8_t)id;
    return 0;
}

/* The values of job's items as the answer's and pushes' payload: 00 NN and the data
 * items, into buf (cap bytes).  Returns the length or a negative error. */
static int values(s7_cpu *cpu, s7_cpu_session *sess, const uint8_t *spec, size_t spec_len,
                  uint16_t n, uint8_t *buf, size_t cap)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__w16(&w, n);
    int r = s7__read_specs(cpu, sess, spec, spec_len, n, &w);
    return r < 0 ? r : (int)w.pos;
}

/* An error answer: error code err, the empty data item. */
static int fail(const s7_ud *u, uint16_t ref, uint8_t seq, uint16_t err, uint8_t *out, size_t lim)
{
    return s7__ud_reply(out, lim, ref, u, seq, err, 0, NULL, 0);
}

/* Subscribe (0x01, 0x05) or change a job (0x07). */
static int subscribe(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                     size_t lim)
{
    uint8_t seq = u->subfn == 0x07 ? u->seq : s7__ud_seq(sess);
    if (u->plen < 4 + 4)
        return fail(u, ref, seq, 0xD401, out, lim);
    uint16_t n = (uint16_t)(u->payload[0] << 8 | u->payload[1]);
    uint8_t base = u->payload[2], factor = u->payload[3];
    const uint8_t *spec = u->payload + 4;
    size_t spec_len = u->plen - 4u;
    if (n == 0 || n > 255 || s7__read_specs(cpu, sess, spec, spec_len, n, NULL) < 0)
        return fail(u, ref, seq, 0xD401, out, lim);
    if (base > 2 || factor == 0)
        return fail(u, ref, seq, 0xD008, out, lim);
    static const uint32_t base_ms[3] = {100, 1000, 10000};
    struct s7__cyc_job *j = NULL;
    if (u->subfn == 0x07) {
        j = find_job(sess, u->seq);
        if (!j)
            return fail(u, ref, seq, 0xD0A5, out, lim);
    } else if (s7__cyclic_count(sess) >= S7__CYC_PER_CONN ||
               cpu->cyc_total >= s7__cyc_per_cpu(cpu)) {
        return fail(u, ref, seq, 0xD062, out, lim);
    }
    size_t cap = lim > PUSH_OVERHEAD ? lim - PUSH_OVERHEAD : 0;
    uint8_t *buf = malloc(cap ? cap : 1);
    uint8_t *keep = malloc(spec_len);
    if (!buf || !keep) {
        free(buf);
        free(keep);
        return S7_ERR_NOMEM;
    }
    int len = values(cpu, sess, spec, spec_len, n, buf, cap);
    if (len < 0) {
        free(buf);
        free(keep);
        return fail(u, ref, seq, len == S7_ERR_NOSPACE ? 0x8500 : 0xD401, out, lim);
    }
    if (!j) {
        if (!sess->cyc) {
            sess->cyc = calloc(1, sizeof *sess->cyc);
            if (!sess->cyc) {
                free(buf);
                free(keep);
                return S7_ERR_NOMEM;
            }
            sess->cyc->cpu = cpu;
        }
        uint8_t id = free_id(sess);
        j = &sess->cyc->jobs[sess->cyc->n++];
        memset(j, 0, sizeof *j);
        j->id = id;
        cpu->cyc_total++;
    }
    memcpy(keep, spec, spec_len);
    free(j->spec);
    free(j->last);
    j->spec = keep;
    j->spec_len = spec_len;
    j->nitems = n;
    j->subfn = u->subfn;
    j->cycle = base_ms[base] * factor;
    j->due = -1;
    j->last = NULL;
    j->last_len = 0;
    if (u->subfn != 0x01) {
        j->last = malloc((size_t)len);
        if (j->last) {
            memcpy(j->last, buf, (size_t)len);
            j->last_len = (size_t)len;
        }
    }
    int r = s7__ud_reply(out, lim, ref, u, j->id, 0, 1, buf, (uint16_t)len);
    free(buf);
    return r;
}

/* Unsubscribe (0x04): FUNCTION JOB. */
static int unsubscribe(s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out, size_t lim)
{
    uint8_t seq = s7__ud_seq(sess);
    if (u->plen != 2)
        return fail(u, ref, seq, 0xD401, out, lim);
    struct s7__cyc_job *j = find_job(sess, u->payload[1]);
    if (j) {
        struct s7__cyc *y = sess->cyc;
        job_free(j);
        *j = y->jobs[--y->n];
        y->cpu->cyc_total--;
        if (y->n == 0) {
            free(y);
            sess->cyc = NULL;
        }
    }
    return s7__ud_reply(out, lim, ref, u, seq, 0, 0, NULL, 0);
}

int s7__cyclic(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
               size_t lim)
{
    if (u->subfn == 0x01 || u->subfn == 0x05 || u->subfn == 0x07)
        return subscribe(cpu, sess, u, ref, out, lim);
    if (u->subfn == 0x04)
        return unsubscribe(sess, u, ref, out, lim);
    return fail(u, ref, s7__ud_seq(sess), 0x8104, out, lim);
}

/* ---------------------------------------------------------------- pushes */

S7_HOT int64_t s7_cpu_session_next_push(const s7_cpu_session *sess)
{
    int64_t next = -1;
    if (!sess)
        return -1;
    if (s7__prog_pending(sess))
        return 0;                /* a programmer job's result (ud_prog.c) waits */
    next = s7__alarm_next(sess); /* alarm indications (alarms.c) */
    for (uint8_t i = 0; sess->cyc && i < sess->cyc->n; i++) {
        int64_t d = sess->cyc->jobs[i].due < 0 ? 0 : sess->cyc->jobs[i].due;
        if (next < 0 || d < next)
            next = d;
    }
    return next;
}

int s7_cpu_session_subscribed(const s7_cpu_session *sess)
{
    return sess && ((sess->cyc && sess->cyc->n) || s7__alarm_registered(sess));
}

int s7_cpu_session_push(s7_cpu *cpu, s7_cpu_session *sess, int64_t now_ms, uint8_t *out, size_t cap)
{
    if (!cpu || !sess || !out)
        return S7_ERR_INVAL;
    int pn = s7__prog_push(sess, out, cap); /* programmer jobs' results first (ud_prog.c) */
    if (pn != 0)
        return pn;
    if ((!sess->cyc && !sess->alm) || sess->pdu == 0)
        return 0;
    size_t lim = s7__reply_limit(sess, cap);
    if (lim <= PUSH_OVERHEAD)
        return S7_ERR_NOSPACE;
    int an = s7__alarm_push(cpu, sess, now_ms, out, lim); /* alarm indications (alarms.c) */
    if (an != 0 || !sess->cyc)
        return an;
    for (uint8_t i = 0; i < sess->cyc->n; i++) {
        struct s7__cyc_job *j = &sess->cyc->jobs[i];
        if (j->due < 0) {
            j->due = now_ms + j->cycle;
            continue;
        }
        if (j->due > now_ms)
            continue;
        j->due += j->cycle;
        if (j->due <= now_ms) /* fell behind (a busy loop): the next cycle from now */
            j->due = now_ms + j->cycle;
        /* the payload goes where the reply's data will be */
        uint8_t *buf = out + PUSH_OVERHEAD;
        s7_cpu_event_fn ev = cpu->ev; /* pushes are not read events */
        cpu->ev = NULL;
        int len = values(cpu, sess, j->spec, j->spec_len, j->nitems, buf, lim - PUSH_OVERHEAD);
        cpu->ev = ev;
        if (len < 0)
            continue; /* an area removed meanwhile no longer fits: nothing to push */
        if (j->subfn != 0x01) {
            if (j->last && j->last_len == (size_t)len && !memcmp(j->last, buf, (size_t)len))
                continue;
            uint8_t *t = realloc(j->last, (size_t)len);
            if (t) {
                memcpy(t, buf, (size_t)len);
                j->last = t;
                j->last_len = (size_t)len;
            }
        }
        uint8_t *tmp = malloc((size_t)len);
        if (!tmp)
            return S7_ERR_NOMEM;
        memcpy(tmp, buf, (size_t)len);
        int r = s7__ud_push(out, lim, S7_UD_GRP_CYCLIC, j->subfn, j->id, tmp, (uint16_t)len);
        free(tmp);
        return r;
    }
    return 0;
}
