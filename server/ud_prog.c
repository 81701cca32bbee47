/* Userdata function group 1, the programmer commands ("test and installation functions",
 * TIS) of an S7-300/400, as STEP 7 and TIA Portal use them: monitor variables (0x02,
 * VarTab), modify variables (0x08), block status (0x01, 0x13), disable / enable / delete
 * a job (0x0d, 0x0e, 0x0f), read the job list (0x10: forces) and flash LED (0x16).
 * Names from the Wireshark s7comm dissector; layouts and answers from what a CPU 315-2
 * PN/DP answered (tests/vectors/real/step7_s300_readVarTab, _rwVarTab, _readDiagData,
 * tia_s300_goOnline, _flashLed ...).
 *
 * Request data: TIS parameter size (2), TIS data size (2), the parameter (20 bytes; 28 for
 * block status: block type, number, addresses) and the data.  Parameter word 2 is the
 * trigger type, word 3 the frequency, word 4 the answer size, word 10 the trigger event
 * (0x0000 immediately, 0x0200 at the main cycle start ...).
 *
 * - 0x02 / 0x08 / 0x01 / 0x13 set a job up.  The answer: sequence number = the job's number
 *   (the lowest free one of the connection, from 1), error 0, the empty item 0A 00 0000.
 *   A VarTab item is 6 bytes: area (high nibble 0 M, 1 I, 2 Q, 3 PI, 7 DB, 5 T, 6 C; low
 *   nibble 0 bit, 1 byte, 2 word, 3 dword; T 0x54, C 0x64), repetition factor (the bit
 *   number of a bit), DB number (2), start byte / element (2).  A modify job's data holds
 *   the item count, the items, then one data item per item (00 09 LEN bytes, a fill byte
 *   after an odd length).
 * - The job runs when its trigger fires: at once when its trigger event is 0x0000 (then the
 *   job is done and freed), else at each enable (0x0e, data: job function, job number).  A
 *   run queues a push (Userdata type 0, group 1, the job's subfunction and number, PDU
 *   reference 0) carrying TIS parameter 01 00 00 0X (X 2 for a trigger at the cycle start,
 *   1 otherwise, as the 315-2) and the results: for a VarTab the item count, then per item
 *   FF 09 LEN bytes (its return code 00 0000 when it cannot be read), each padded to even;
 *   for a modify the item count, one return code per item, padded to even.  Items are read
 *   and written as Read Var / Write Var items of the same address (same access rules and
 *   events).  Block status never fires: the emulator runs no program, so the code address
 *   it waits for is never reached (STEP 7 keeps waiting, as on a real CPU whose block is
 *   not called).
 * - 0x0d (disable): 0xD0A5 "referenced job not found", as the 315-2 answers it for a
 *   monitoring job (they run once per enable: nothing stays running to disable).
 *   0x0e / 0x0f for a job that does not exist: 0xD0A5.  0x0f data: 00, deletion ID,
 *   function, job number.
 * - 0x10 (read job list): the list holds the connection's jobs and the read itself (function
 *   0x10, its number, 0000), TIS parameter 01 00 00 01; no force job ever exists.
 * - 0x16 (flash LED): accepted (error 0, empty item), reported as a control event
 *   (S7_CTRL_FLASH_LED).
 * - A TIS data block whose sizes disagree with its length: 0xD033 (wrong job length); a
 *   VarTab item of an unknown area: 0xD015 (illegal tag address); more than
 *   S7__PROG_JOBS jobs: 0xD062 (job list full); other subfunctions: 0x8104.  Served on
 *   the 300/400 families only (userdata.c answers 0x8104 elsewhere). */
#include <stdlib.h>
#include <string.h>

#include "server/cpu_int.h"
#include "util/hot.h"
#include "util/be.h"

#define S7__PROG_JOBS 8   /* jobs one connection may hold */
#define S7__PROG_PUSHES 4 /* pushes waiting to be sent */
#define PROG_ITEMS_MAX 64 /* items of one VarTab / modify job */
#define TIS_PARAM_MIN 20u

/* One VarTab / modify item. */
typedef struct prog_item {
    uint8_t area; /* S7_AREA_* */
    uint8_t ts;   /* S7_TS_BIT / BYTE / TIMER / COUNTER */
    uint8_t bit;
    uint16_t count; /* elements of ts */
    uint16_t db;
    uint16_t start; /* byte (element for T / C) */
} prog_item;

typedef struct prog_job {
    uint8_t id;    /* 1..255, 0 = free */
    uint8_t subfn; /* 0x02, 0x08, 0x01 or 0x13 */
    uint8_t resp2; /* TIS response parameter word 2 */
    uint8_t once;  /* trigger frequency 1 (once): the job ends after it ran */
    uint8_t nitems;
    prog_item *items;
    uint8_t *values; /* modify: the data items (owned) */
    size_t values_len;
} prog_job;

struct s7__prog {
    prog_job jobs[S7__PROG_JOBS];
    uint8_t *push[S7__PROG_PUSHES]; /* queued pushes (owned), push_len bytes each */
    size_t push_len[S7__PROG_PUSHES];
    int npush;
};

static void job_free(prog_job *j)
{
    free(j->items);
    free(j->values);
    memset(j, 0, sizeof *j);
}

void s7__prog_release(s7_cpu_session *sess)
{
    if (!sess || !sess->prog)
        return;
    for (int i = 0; i < S7__PROG_JOBS; i++)
        job_free(&sess->prog->jobs[i]);
    for (int i = 0; i < sess->prog->npush; i++)
        free(sess->prog->push[i]);
    free(sess->prog);
    sess->prog = NULL;
}

int s7__prog_push(s7_cpu_session *sess, uint8_t *out, size_t cap)
{
    struct s7__prog *pg = sess ? sess->prog : NULL;
    if (!pg || pg->npush == 0)
        return 0;
    size_t n = pg->push_len[0];
    if (n > cap)
        return S7_ERR_NOSPACE;
    memcpy(out, pg->push[0], n);
    free(pg->push[0]);
    memmove(pg->push, pg->push + 1, (size_t)(pg->npush - 1) * sizeof pg->push[0]);
    memmove(pg->push_len, pg->push_len + 1, (size_t)(pg->npush - 1) * sizeof pg->push_len[0]);
    pg->npush--;
    return (int)n;
}

S7_HOT int s7__prog_pending(const s7_cpu_session *sess)
{
    return sess && sess->prog && sess->prog->npush;
}

/* A reply: 12-byte parameter with seq and err, then the payload (rc 0xFF) or, when
 * payload is NULL, the empty item 0A 00 0000 (userdata.c s7__ud_reply). */
static int reply(uint8_t *out, size_t lim, uint16_t ref, const s7_ud *req, uint8_t seq,
                 uint16_t err, const uint8_t *payload, uint16_t plen)
{
    return s7__ud_reply(out, lim, ref, req, seq, err, payload != NULL, payload, plen);
}

static int error(s7_cpu_session *sess, uint8_t *out, size_t lim, uint16_t ref, const s7_ud *u,
                 uint16_t err)
{
    return reply(out, lim, ref, u, s7__ud_seq(sess), err, NULL, 0);
}

static struct s7__prog *prog_of(s7_cpu_session *sess)
{
    if (!sess->prog)
        sess->prog = calloc(1, sizeof *sess->prog);
    return sess->prog;
}

/* The lowest free job number of the connection, 0 when none. */
static uint8_t free_id(const struct s7__prog *pg)
{
    for (unsigned id = 1; id <= S7__PROG_JOBS; id++) {
        int used = 0;
        for (int i = 0; i < S7__PROG_JOBS; i++)
            used |= pg->jobs[i].id == id;
        if (!used)
            return (uint8_t)id;
    }
    return 0;
}

static prog_job *find_job(struct s7__prog *pg, uint8_t subfn, uint8_t id)
{
    for (int i = 0; pg && i < S7__PROG_JOBS; i++)
        if (pg->jobs[i].id && pg->jobs[i].id == id && pg->jobs[i].subfn == subfn)
            return &pg->jobs[i];
    return NULL;
}

/* One 6-byte VarTab item into it.  0, or -1 for an area code the CPU does not have. */
static int item_decode(const uint8_t *p, prog_item *it)
{
    memset(it, 0, sizeof *it);
    uint8_t code = p[0];
    it->db = s7__be16(p + 2);
    it->start = s7__be16(p + 4);
    it->count = p[1];
    if (code == 0x54 || code == 0x64) {
        it->area = code == 0x54 ? S7_AREA_T : S7_AREA_C;
        it->ts = code == 0x54 ? S7_TS_TIMER : S7_TS_COUNTER;
        it->db = 0;
        return it->count ? 0 : -1;
    }
    switch (code >> 4) {
    case 0: it->area = S7_AREA_M; break;
    case 1: it->area = S7_AREA_I; break;
    case 2: it->area = S7_AREA_Q; break;
    case 3: it->area = S7_AREA_P; break;
    case 7: it->area = S7_AREA_DB; break;
    default: return -1;
    }
    if (it->area != S7_AREA_DB)
        it->db = 0;
    static const uint8_t width[4] = {0, 1, 2, 4};
    uint8_t w = code & 0x0F;
    if (w > 3 || (w == 0 && it->area == S7_AREA_P))
        return -1;
    if (w == 0) {
        if (it->count > 7)
            return -1;
        it->ts = S7_TS_BIT;
        it->bit = it->count;
        it->count = 1;
        return 0;
    }
    if (it->count == 0)
        return -1;
    it->ts = S7_TS_BYTE;
    it->count = (uint16_t)(it->count * width[w]);
    return 0;
}

static s7_var_spec spec_of(const prog_item *it)
{
    s7_var_spec s;
    memset(&s, 0, sizeof s);
    s.ts = it->ts;
    s.count = it->count;
    s.db = it->db;
    s.area = it->area;
    s.addr = it->ts == S7_TS_TIMER || it->ts == S7_TS_COUNTER ? it->start
                                                              : (uint32_t)it->start << 3 | it->bit;
    return s;
}

/* Run one item through the CPU as a one-item Read Var (data NULL) or Write Var job, with
 * the same checks and events as from a client.  Read: copies the value into val (*vlen
 * bytes).  Returns the item's return code. */
static uint8_t run_item(s7_cpu *cpu, s7_cpu_session *sess, const prog_item *it,
                        const s7_data_item *data, uint8_t *val, size_t vcap, uint32_t *vlen)
{
    uint8_t req[1200], rsp[1100];
    s7_var_spec s = spec_of(it);
    int n = data ? s7_write_req_encode(req, sizeof req, 0, &s, data, 1)
                 : s7_read_req_encode(req, sizeof req, 0, &s, 1);
    if (n < 0)
        return S7_RC_ADDR_OUT_OF_RANGE;
    int r = s7_cpu_handle(cpu, sess, req, (size_t)n, rsp, sizeof rsp);
    s7_pdu p;
    if (r < 0 || s7_pdu_decode(rsp, (size_t)r, &p) < 0 || p.rosctr != S7_ACK_DATA)
        return S7_RC_ACCESS_DENIED; /* refused as a whole (PUT/GET off, larger than a PDU) */
    if (data)
        return p.data_len >= 1 ? p.data[0] : S7_RC_ACCESS_DENIED;
    s7_data_item d;
    if (s7_data_items_decode(p.data, p.data_len, 0, &d, 1) < 0)
        return S7_RC_ACCESS_DENIED;
    if (d.rc == S7_RC_OK) {
        if (d.nbytes > vcap)
            return S7_RC_ADDR_OUT_OF_RANGE;
        memcpy(val, d.data, d.nbytes);
        *vlen = d.nbytes;
    }
    return d.rc;
}

/* Queue a push of a job's results (payload = TIS sizes, parameter and data). */
static int queue_push(struct s7__prog *pg, const prog_job *j, const uint8_t *payload, uint16_t plen)
{
    if (pg->npush == S7__PROG_PUSHES)
        return 0; /* the client does not read its pushes: the oldest results stand */
    size_t cap = 26u + plen;
    uint8_t *f = malloc(cap);
    if (!f)
        return S7_ERR_NOMEM;
    int n = s7__ud_push(f, cap, S7_UD_GRP_PROG, j->subfn, j->id, payload, plen);
    if (n < 0) {
        free(f);
        return n;
    }
    pg->push[pg->npush] = f;
    pg->push_len[pg->npush] = (size_t)n;
    pg->npush++;
    return 0;
}

/* Run a VarTab or modify job once and queue its push (lim: the negotiated PDU). */
static int run_job(s7_cpu *cpu, s7_cpu_session *sess, struct s7__prog *pg, const prog_job *j,
                   size_t lim)
{
    if (j->subfn != 0x02 && j->subfn != 0x08)
        return 0; /* block status: the code address never runs */
    size_t cap = lim > 26 ? lim - 26 : 0;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf)
        return S7_ERR_NOMEM;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__w16(&w, 4);
    s7__w16(&w, 0); /* data size, once known */
    s7__w16(&w, 0x0100);
    s7__w16(&w, j->resp2);
    s7__w16(&w, j->nitems);
    if (j->subfn == 0x02) {
        for (unsigned i = 0; i < j->nitems; i++) {
            uint8_t val[1100];
            uint32_t vlen = 0;
            uint8_t rc = run_item(cpu, sess, &j->items[i], NULL, val, sizeof val, &vlen);
            if (rc != S7_RC_OK) {
                s7__w8(&w, rc);
                s7__w8(&w, S7_DTS_NULL);
                s7__w16(&w, 0);
                continue;
            }
            s7__w8(&w, S7_RC_OK);
            s7__w8(&w, S7_DTS_OCTET);
            s7__w16(&w, (uint16_t)vlen);
            s7__wbytes(&w, val, vlen);
            if (vlen & 1u)
                s7__w8(&w, 0);
        }
    } else {
        s7_data_item d[PROG_ITEMS_MAX];
        int used = s7_data_items_decode(j->values, j->values_len, 1, d, j->nitems);
        for (unsigned i = 0; i < j->nitems; i++) {
            uint8_t rc = S7_RC_TYPE_INCONSISTENT;
            if (used >= 0) {
                s7_data_item one = d[i];
                one.rc = 0;
                one.ts = 0; /* derived from the item's transport size */
                rc = run_item(cpu, sess, &j->items[i], &one, NULL, 0, NULL);
            }
            s7__w8(&w, rc);
        }
        if (j->nitems & 1u)
            s7__w8(&w, 0);
    }
    int r = 0;
    if (!w.bad) {
        s7__put_be16(buf + 2, (uint32_t)(w.pos - 8));
        r = queue_push(pg, j, buf, (uint16_t)w.pos);
    }
    free(buf);
    return r;
}

/* Set a job up (0x02, 0x08, 0x01, 0x13). */
static int setup_job(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, const uint8_t *tp,
                     uint16_t tps, const uint8_t *td, uint16_t tds, uint16_t ref, uint8_t *out,
                     size_t lim)
{
    struct s7__prog *pg = prog_of(sess);
    if (!pg)
        return S7_ERR_NOMEM;
    uint16_t trigger = s7__be16(tp + 18);
    prog_job j;
    memset(&j, 0, sizeof j);
    j.subfn = u->subfn;
    j.resp2 = trigger == 0x0200 ? 2 : 1;
    j.once = s7__be16(tp + 4) == 1;
    if (u->subfn == 0x02 || u->subfn == 0x08) {
        if (tds < 2)
            return error(sess, out, lim, ref, u, 0xD033);
        unsigned n = s7__be16(td);
        if (n == 0 || n > PROG_ITEMS_MAX || 2u + 6u * n > tds)
            return error(sess, out, lim, ref, u, n > PROG_ITEMS_MAX ? 0xD064 : 0xD033);
        if (u->subfn == 0x02 && 2u + 6u * n != tds)
            return error(sess, out, lim, ref, u, 0xD033);
        j.items = calloc(n, sizeof *j.items);
        if (!j.items)
            return S7_ERR_NOMEM;
        j.nitems = (uint8_t)n;
        for (unsigned i = 0; i < n; i++)
            if (item_decode(td + 2 + 6 * i, &j.items[i]) < 0) {
                job_free(&j);
                return error(sess, out, lim, ref, u, 0xD015);
            }
        if (u->subfn == 0x08) {
            size_t vlen = tds - 2u - 6u * n;
            s7_data_item d[PROG_ITEMS_MAX];
            const uint8_t *v = td + 2 + 6 * n;
            if (s7_data_items_decode(v, vlen, 1, d, n) < 0) {
                job_free(&j);
                return error(sess, out, lim, ref, u, 0xD033);
            }
            j.values = malloc(vlen);
            if (!j.values) {
                job_free(&j);
                return S7_ERR_NOMEM;
            }
            memcpy(j.values, v, vlen);
            j.values_len = vlen;
        }
    } else if (tps < 28u) {
        return error(sess, out, lim, ref, u, 0xD033); /* block status names its block */
    }
    j.id = free_id(pg);
    if (!j.id) {
        job_free(&j);
        return error(sess, out, lim, ref, u, 0xD062);
    }
    int r = reply(out, lim, ref, u, j.id, 0, NULL, 0);
    if (r < 0) {
        job_free(&j);
        return r;
    }
    if (trigger == 0x0000 && (u->subfn == 0x02 || u->subfn == 0x08)) {
        /* immediately: runs now, once, and is done */
        int e = run_job(cpu, sess, pg, &j, lim);
        job_free(&j);
        return e < 0 ? e : r;
    }
    for (int i = 0; i < S7__PROG_JOBS; i++)
        if (!pg->jobs[i].id) {
            pg->jobs[i] = j;
            break;
        }
    return r;
}

/* 0x10: read the job list. */
static int job_list(s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out, size_t lim)
{
    struct s7__prog *pg = prog_of(sess);
    if (!pg)
        return S7_ERR_NOMEM;
    uint8_t p[8 + 4 * (S7__PROG_JOBS + 1)];
    uint8_t id = free_id(pg);
    uint8_t seq = id ? id : s7__ud_seq(sess);
    size_t n = 8;
    for (int i = 0; i < S7__PROG_JOBS; i++)
        if (pg->jobs[i].id) {
            p[n] = pg->jobs[i].subfn;
            p[n + 1] = pg->jobs[i].id;
            p[n + 2] = p[n + 3] = 0;
            n += 4;
        }
    p[n] = 0x10;
    p[n + 1] = seq;
    p[n + 2] = p[n + 3] = 0;
    n += 4;
    s7__put_be16(p, 4);
    s7__put_be16(p + 2, (uint32_t)(n - 8));
    s7__put_be16(p + 4, 0x0100);
    s7__put_be16(p + 6, 0x0001);
    return reply(out, lim, ref, u, seq, 0, p, (uint16_t)n);
}

int s7__ud_prog(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                size_t lim)
{
    int known = u->subfn == 0x01 || u->subfn == 0x02 || u->subfn == 0x08 || u->subfn == 0x0d ||
                u->subfn == 0x0e || u->subfn == 0x0f || u->subfn == 0x10 || u->subfn == 0x13 ||
                u->subfn == 0x16;
    if (!known)
        return error(sess, out, lim, ref, u, 0x8104);
    /* TIS sizes, parameter, data */
    if (u->plen < 4)
        return error(sess, out, lim, ref, u, 0xD033);
    uint16_t tps = s7__be16(u->payload), tds = s7__be16(u->payload + 2);
    if (tps < TIS_PARAM_MIN || (size_t)4 + tps + tds != u->plen)
        return error(sess, out, lim, ref, u, 0xD033);
    const uint8_t *tp = u->payload + 4, *td = tp + tps;
    switch (u->subfn) {
    case 0x16:
        if (cpu->ev) {
            s7_cpu_event ev = s7__cpu_event(S7_EV_CONTROL, sess);
            ev.ctrl = S7_CTRL_FLASH_LED;
            s7__cpu_emit(cpu, &ev);
        }
        return reply(out, lim, ref, u, s7__ud_seq(sess), 0, NULL, 0);
    case 0x10: return job_list(sess, u, ref, out, lim);
    case 0x0d:
    case 0x0e: {
        if (tds < 2)
            return error(sess, out, lim, ref, u, 0xD033);
        prog_job *j = find_job(sess->prog, td[0], td[1]);
        if (!j || u->subfn == 0x0d)
            return error(sess, out, lim, ref, u, 0xD0A5);
        int r = reply(out, lim, ref, u, s7__ud_seq(sess), 0, NULL, 0);
        if (r < 0)
            return r;
        int e = run_job(cpu, sess, sess->prog, j, lim);
        if (j->once)
            job_free(j);
        return e < 0 ? e : r;
    }
    case 0x0f: {
        if (tds < 4)
            return error(sess, out, lim, ref, u, 0xD033);
        prog_job *j = find_job(sess->prog, td[2], td[3]);
        if (!j)
            return error(sess, out, lim, ref, u, 0xD0A5);
        job_free(j);
        return reply(out, lim, ref, u, s7__ud_seq(sess), 0, NULL, 0);
    }
    default: return setup_job(cpu, sess, u, tp, tps, td, tds, ref, out, lim);
    }
}
