/* The CPU's answers to Job PDUs: s7_cpu_handle (entry point), Setup Communication,
 * Read Var / Write Var with every item check, PLC control (stop, hot / cold start) and
 * the services it refuses (upload / download, unknown functions).
 *
 * Choices (the brief left them open; each is what the code does):
 * - A PDU whose S7 header or parameter block lies about its own lengths (item count
 *   that does not match the parameter length, a variable specification that is not
 *   0x12, write data items that do not fill the data block, a read with data, a setup
 *   or control parameter of the wrong length) is malformed: s7_cpu_handle returns a
 *   negative error and the engine closes the connection (as the Snap7 server does on
 *   a length mismatch).  Ack / Ack_Data PDUs from a client: S7_ERR_PROTO.
 * - A well-formed item with another syntax id than S7ANY 0x10 (DBREAD 0xB0, symbolic
 *   0xB2, NCK ...) gets item code 0x05 (address not usable by this CPU).
 * - Anything but Setup Communication before setup: Ack 0x84 0x01 ("invalid service
 *   sequence"); a second setup is negotiated again like the first (min(asked,
 *   profile), a pending Userdata continuation dropped).  A PDU asked below 64 bytes
 *   is raised to 64 (no answer fits in less).
 * - PUT/GET not permitted: every Read/Write Var job gets the 12-byte Ack 0x81 0x04,
 *   before any other check.
 * - Size: a request longer than the negotiated PDU, or a read whose reply would be
 *   longer (counted from the request, as if every item succeeded), gets Ack 0x85 0x00.
 * - Item checks in this order: syntax (0x05), unknown / S7-200-only TS (0x06), area or
 *   DB missing, T/C on a CPU without them (0x0A), access NONE, write to read-only
 *   (0x03), optimized DB (0x05), TS not TIMER/COUNTER on T/C or TIMER/COUNTER
 *   elsewhere (0x05, as the Snap7 server), BIT count != 1, bit address on a non-BIT
 *   item, count 0, past the end (0x05); writes: data TS unknown (0x06), data length
 *   != count * size (0x07).
 * - Unknown Job functions: Ack 0x81 0x04 on S7-1200/1500, Ack 0x81 0x00 ("service
 *   unknown to the module") on the others.  Upload / download (0x1A..0x1F) and the PI
 *   services _INSE / _DELE: server/blocks.c (0x81 0x04 on S7-1200/1500).
 * - Control: S7-1200/1500 answer PLC stop / start with Ack 0x81 0x04 (not available
 *   over PUT/GET).  Others: stop -> STOP (`29`, `29 07` when already in STOP); hot or
 *   cold start -> RUN (`28`, `28 03` when already in RUN, nothing restored then); a
 *   cold start restores the non-retentive DBs.  PI services _MODU (copy RAM to ROM) and
 *   _GARB (compress memory): Ack_Data `28`, as a real 315-2 (nothing to do in an
 *   emulator's memory).  Other PI services: Ack 0x81 0x04.
 * - A Job whose parameter or data block does not parse (items that do not fill it, a
 *   setup or control parameter of the wrong length): Ack 0x84 0x04 ("the function cannot
 *   be performed"), the connection kept.  A PDU whose header is malformed still closes
 *   the connection. */
#include <string.h>

#include "server/cpu_int.h"
#include "wire/wire_int.h"
#include "util/hot.h"

#define PDU_FLOOR 64u

/* ---------------------------------------------------------------- helpers */

size_t s7__reply_limit(const s7_cpu_session *sess, size_t cap)
{
    if (sess->pdu && sess->pdu < cap)
        return sess->pdu;
    return cap;
}

/* A 12-byte Ack with a header error. */
S7_COLD static int ack(uint8_t *out, size_t cap, uint16_t ref, uint16_t err)
{
    return s7_ack_error_encode(out, cap, ref, (uint8_t)(err >> 8), (uint8_t)err);
}

/* Non-zero on S7-1200/1500 profiles (classic services refused with 0x8104). */
static int is_plus(const s7_cpu *cpu) { return cpu->ext->family == S7__FAM_PLUS; }

/* ---------------------------------------------------------------- setup */

/* Setup Communication: negotiate, remember in the session, answer (20 bytes). */
S7_COLD S7_NOINLINE static int setup(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu,
                                     uint8_t *out, size_t cap)
{
    s7_setup s;
    if (s7_setup_decode(pdu, &s) < 0)
        return S7_ERR_PARAM;
    uint16_t max_pdu = cpu->prof.max_pdu ? cpu->prof.max_pdu : 240;
    uint16_t max_amq = cpu->prof.max_amq ? cpu->prof.max_amq : 1;
    uint16_t p = s.pdu_len < max_pdu ? s.pdu_len : max_pdu;
    if (p < PDU_FLOOR)
        p = (uint16_t)(max_pdu < PDU_FLOOR ? max_pdu : PDU_FLOOR);
    s7_setup a;
    a.pdu_len = p;
    a.amq_calling = s.amq_calling < max_amq ? s.amq_calling : max_amq;
    a.amq_called = s.amq_called < max_amq ? s.amq_called : max_amq;
    if (a.amq_calling == 0)
        a.amq_calling = 1;
    if (a.amq_called == 0)
        a.amq_called = 1;
    s7__ud_pending_drop(sess); /* a renegotiation drops a pending continuation */
    sess->pdu = p;
    sess->amq = a.amq_calling < a.amq_called ? a.amq_calling : a.amq_called;
    return s7_setup_resp_encode(out, cap, pdu->ref, &a);
}

/* ---------------------------------------------------------------- items */

/* One request item as parsed from the parameter block. */
typedef struct item {
    s7_var_spec s;
    int s7any;          /* syntax id 0x10 with a 10-byte address */
    const uint8_t *dbr; /* a DBREAD address block (syntax id 0xB0), NULL otherwise */
    uint8_t dbr_len;
} item;

/* Parse n variable specifications from p[0..len): each 0x12, its length, its address;
 * pad: a fill byte follows an odd-length specification that is not the last (the items of
 * a cyclic-data request).  Returns the bytes used or S7_ERR_PARAM. */
S7_HOT static int parse_specs(const uint8_t *p, size_t len, unsigned n, int pad, item *it)
{
    s7__rcur c = s7__rcur_make(p, len);
    for (unsigned i = 0; i < n; i++) {
        uint8_t type = s7__r8(&c);
        uint8_t alen = s7__r8(&c);
        const uint8_t *a = s7__rview(&c, alen);
        if (c.bad || type != 0x12 || alen == 0)
            return S7_ERR_PARAM;
        memset(&it[i], 0, sizeof it[i]);
        if (alen == 10 && a[0] == 0x10) {
            s7__rcur ac = s7__rcur_make(a + 1, 9);
            it[i].s.ts = s7__r8(&ac);
            it[i].s.count = s7__r16(&ac);
            it[i].s.db = s7__r16(&ac);
            it[i].s.area = s7__r8(&ac);
            it[i].s.addr = s7__r24(&ac);
            it[i].s7any = 1;
        } else if (a[0] == 0xB0) {
            it[i].dbr = a;
            it[i].dbr_len = alen;
        }
        if (pad && (alen & 1u) && i + 1 < n)
            (void)s7__r8(&c);
    }
    return c.bad ? S7_ERR_PARAM : (int)c.pos;
}

/* Parse the Read/Write parameter block: fn, count, count variable specifications that
 * fill it exactly.  Returns the count or S7_ERR_PARAM. */
S7_HOT static int parse_items(const s7_pdu *pdu, item *it)
{
    if (pdu->param_len < 2 || pdu->param[1] == 0)
        return S7_ERR_PARAM;
    unsigned n = pdu->param[1];
    int used = parse_specs(pdu->param + 2, pdu->param_len - 2u, n, 0, it);
    if (used < 0 || (size_t)used != pdu->param_len - 2u)
        return S7_ERR_PARAM;
    return (int)n;
}

/* Request transport sizes this CPU serves (the S7-200 IEC / HS types are not). */
static uint32_t elem_size(uint8_t ts)
{
    if (ts == S7_TS_IEC_COUNTER || ts == S7_TS_IEC_TIMER || ts == S7_TS_HS_COUNTER)
        return 0;
    return s7_ts_elem_size(ts);
}

/* The ranges of a well-formed DBREAD item (0 for any other item). */
static int dbread_ranges(const item *it, s7_dbread_range *r)
{
    int n = it->dbr ? s7_dbread_decode(it->dbr, it->dbr_len, r, 255) : 0;
    return n < 0 ? 0 : n;
}

/* A DBREAD item's bytes: a return code per range and every range's bytes (0 when its
 * ranges do not decode).  Not inlined: the ranges' array stays off the common path's stack. */
S7_NOINLINE static uint32_t dbread_bytes(const item *it)
{
    s7_dbread_range r[255];
    int nr = dbread_ranges(it, r);
    uint32_t b = 0;
    for (int k = 0; k < nr; k++)
        b += 1u + r[k].len;
    return nr > 0 ? b : 0;
}

/* Bytes an S7ANY item transfers when it succeeds (0 for items that cannot); a DBREAD
 * item: dbread_bytes. */
S7_HOT static uint32_t item_bytes(const item *it)
{
    if (it->dbr) {
        uint32_t b = dbread_bytes(it);
        if (b)
            return b;
    }
    if (!it->s7any)
        return 0;
    uint32_t es = elem_size(it->s.ts);
    if (it->s.ts == S7_TS_BIT)
        return 1;
    return es * it->s.count;
}

/* The outcome of checking one item. */
typedef struct target {
    uint8_t rc;  /* S7_RC_* */
    int refused; /* report as S7_EV_REFUSED */
    s7__mem *m;
    uint32_t off; /* byte offset in m */
    uint32_t nbytes;
    uint8_t bit;
} target;

/* Non-zero when every 2-byte element of a timer (S5TIME: time base in bits 12-13, three BCD
 * digits) or counter (three BCD digits, the top nibble 0) write is a value the CPU takes;
 * a real CPU answers anything else with 0x03. */
static int tc_values_ok(uint8_t area, const uint8_t *p, uint32_t n)
{
    for (uint32_t i = 0; i + 1 < n; i += 2) {
        uint16_t w = (uint16_t)(p[i] << 8 | p[i + 1]);
        if (w & (area == S7_AREA_T ? 0xC000u : 0xF000u))
            return 0;
        if ((w & 0x0F) > 9 || ((w >> 4) & 0x0F) > 9 || ((w >> 8) & 0x0F) > 9)
            return 0;
    }
    return 1;
}

/* Check an item for a read (d == NULL) or a write with data item d. */
S7_HOT static target check_item(s7_cpu *cpu, const item *it, const s7_data_item *d)
{
    target t;
    memset(&t, 0, sizeof t);
    int write = d != NULL;
    const s7_var_spec *s = &it->s;
    int tc_area = s->area == S7_AREA_T || s->area == S7_AREA_C;
    t.nbytes = item_bytes(it);
    t.off = tc_area ? 2u * s->addr : s->addr >> 3;
    t.bit = (uint8_t)(s->addr & 7);
    if (!it->s7any) {
        t.rc = S7_RC_ADDR_OUT_OF_RANGE;
        return t;
    }
    uint32_t es = elem_size(s->ts);
    if (es == 0) {
        t.rc = S7_RC_TYPE_UNSUPPORTED;
        return t;
    }
    t.m = s7__cpu_region(cpu, s->area, s->db, write);
    if (!t.m) {
        t.rc = S7_RC_NOT_FOUND;
        t.refused = 1;
        return t;
    }
    int acc = s7__cpu_access(cpu, t.m);
    if (acc == S7_ACCESS_NONE ||
        (write && (acc == S7_ACCESS_RO || (t.m->flags & S7_DB_READONLY)))) {
        t.rc = S7_RC_ACCESS_DENIED;
        t.refused = 1;
        return t;
    }
    if (t.m->flags & S7_DB_OPTIMIZED) {
        t.rc = S7_RC_ADDR_OUT_OF_RANGE;
        t.refused = 1;
        return t;
    }
    int tc_ts = s->ts == S7_TS_TIMER || s->ts == S7_TS_COUNTER;
    t.rc = S7_RC_ADDR_OUT_OF_RANGE;
    if (tc_area ? s->ts != (s->area == S7_AREA_T ? S7_TS_TIMER : S7_TS_COUNTER) : tc_ts)
        return t;
    if (s->count == 0 || (s->ts == S7_TS_BIT && s->count != 1))
        return t;
    if (s->ts != S7_TS_BIT && !tc_area && (s->addr & 7))
        return t;
    if ((uint64_t)t.off + t.nbytes > t.m->size)
        return t;
    if (write) {
        uint8_t dts = d->ts;
        if (dts != S7_DTS_BIT && dts != S7_DTS_BYTE && dts != S7_DTS_INT && dts != S7_DTS_DINT &&
            dts != S7_DTS_REAL && dts != S7_DTS_OCTET) {
            t.rc = S7_RC_TYPE_UNSUPPORTED;
            return t;
        }
        if (d->nbytes != t.nbytes) {
            t.rc = S7_RC_TYPE_INCONSISTENT;
            return t;
        }
        if (tc_area && !tc_values_ok(s->area, d->data, d->nbytes)) {
            t.rc = S7_RC_ACCESS_DENIED; /* as a real 315-2 (snap7_s300_everything.pcapng) */
            return t;
        }
    }
    t.rc = S7_RC_OK;
    return t;
}

/* Report one item. */
S7_HOT static void item_event(s7_cpu *cpu, const s7_cpu_session *sess, int kind, const item *it,
                              const target *t, const uint8_t *data, uint16_t err)
{
    if (!cpu->ev)
        return;
    s7_cpu_event ev = s7__cpu_event(kind, sess);
    ev.area = it->s.area;
    if (t->m) /* the memory actually touched: P -> I / Q, DI -> DB */
        ev.area = t->m->area;
    ev.db = (ev.area == S7_AREA_DB || ev.area == S7_AREA_DI) ? it->s.db : 0;
    ev.start = t->off;
    ev.len = t->nbytes;
    ev.rc = err ? (uint8_t)(err >> 8) : t->rc;
    ev.err = err;
    ev.data = data;
    ev.ts = it->s.ts;
    ev.bit = it->s.ts == S7_TS_BIT ? t->bit : 0;
    ev.fn = sess->cur_fn;
    s7__cpu_emit(cpu, &ev);
}

/* Refuse a whole Read/Write job with a header error; reports every parseable item. */
S7_COLD static int refuse_job(s7_cpu *cpu, const s7_cpu_session *sess, const s7_pdu *pdu,
                              uint16_t err, uint8_t *out, size_t cap)
{
    if (cpu->ev) {
        item its[255];
        int n = pdu->param_len >= 2 ? parse_items(pdu, its) : -1;
        for (int i = 0; i < n; i++) {
            target t;
            memset(&t, 0, sizeof t);
            int tc = its[i].s.area == S7_AREA_T || its[i].s.area == S7_AREA_C;
            t.off = tc ? 2u * its[i].s.addr : its[i].s.addr >> 3;
            t.bit = (uint8_t)(its[i].s.addr & 7);
            t.nbytes = item_bytes(&its[i]);
            item_event(cpu, sess, S7_EV_REFUSED, &its[i], &t, NULL, err);
        }
        if (n <= 0) {
            s7_cpu_event ev = s7__cpu_event(S7_EV_REFUSED, sess);
            ev.rc = (uint8_t)(err >> 8);
            ev.err = err;
            ev.fn = sess->cur_fn;
            s7__cpu_emit(cpu, &ev);
        }
    }
    return ack(out, cap, pdu->ref, err);
}

/* Application memory: take / release the caller's lock around one access. */
static void lock(const s7__mem *m)
{
    if (m->lock)
        m->lock(m->ctx);
}

static void unlock(const s7__mem *m)
{
    if (m->unlock)
        m->unlock(m->ctx);
}

#define NOT_DBREAD UINT32_MAX

/* One DBREAD item (room checked by the caller): return code 0xFF, transport size 0x09,
 * then per range its return code and, when 0xFF, its bytes; each range is checked and
 * reported as a byte read of its DB.  Returns the item's data bytes, NOT_DBREAD (nothing
 * written) when its ranges do not decode.  Not inlined: the ranges' array stays off the
 * stack of the common path. */
S7_NOINLINE static uint32_t read_dbread(s7_cpu *cpu, s7_cpu_session *sess, const item *it,
                                        s7__wcur *w)
{
    s7_dbread_range rg[255];
    int nr = dbread_ranges(it, rg);
    if (nr <= 0)
        return NOT_DBREAD;
    s7__w8(w, S7_RC_OK);
    s7__w8(w, S7_DTS_OCTET);
    size_t at = w->pos;
    s7__w16(w, 0); /* the length, once known */
    for (int k = 0; k < nr; k++) {
        item one;
        memset(&one, 0, sizeof one);
        one.s7any = 1;
        one.s.ts = S7_TS_BYTE;
        one.s.count = rg[k].len;
        one.s.db = rg[k].db;
        one.s.area = S7_AREA_DB;
        one.s.addr = (uint32_t)rg[k].start << 3;
        target t = check_item(cpu, &one, NULL);
        s7__w8(w, t.rc);
        if (t.rc != S7_RC_OK) {
            item_event(cpu, sess, t.refused ? S7_EV_REFUSED : S7_EV_READ, &one, &t, NULL, 0);
            continue;
        }
        if (!s7__wneed(w, t.nbytes))
            return 0;
        lock(t.m);
        memcpy(w->p + w->pos, t.m->mem + t.off, t.nbytes);
        unlock(t.m);
        w->pos += t.nbytes;
        item_event(cpu, sess, S7_EV_READ, &one, &t, NULL, 0);
    }
    uint32_t nb = (uint32_t)(w->pos - at - 2);
    if (!w->bad) {
        w->p[at] = (uint8_t)(nb >> 8);
        w->p[at + 1] = (uint8_t)nb;
    }
    return nb;
}

/* The data items answering its[0..n) (room checked by the caller): per item its return
 * code, transport size, length and bytes, a fill byte after an odd length but the last. */
S7_HOT static void read_items(s7_cpu *cpu, s7_cpu_session *sess, const item *its, unsigned n,
                              s7__wcur *w)
{
    for (unsigned i = 0; i < n; i++) {
        const item *it = &its[i];
        if (it->dbr) { /* DBREAD (0xB0): only such items pay for decoding their ranges */
            uint32_t nb = read_dbread(cpu, sess, it, w);
            if (nb != NOT_DBREAD) {
                if ((nb & 1u) && i + 1 < n)
                    s7__w8(w, 0);
                continue;
            }
        }
        target t = check_item(cpu, it, NULL);
        if (t.rc != S7_RC_OK) {
            s7__w8(w, t.rc);
            s7__w8(w, S7_DTS_NULL);
            s7__w16(w, 0);
            item_event(cpu, sess, t.refused ? S7_EV_REFUSED : S7_EV_READ, it, &t, NULL, 0);
            continue;
        }
        uint8_t dts = s7_ts_data_ts(it->s.ts);
        s7__w8(w, S7_RC_OK);
        s7__w8(w, dts);
        s7__w16(w, s7_dts_len_field(dts, t.nbytes));
        if (!s7__wneed(w, t.nbytes))
            break;
        uint8_t *dst = w->p + w->pos;
        lock(t.m);
        if (it->s.ts == S7_TS_BIT)
            dst[0] = (uint8_t)((t.m->mem[t.off] >> t.bit) & 1u);
        else
            memcpy(dst, t.m->mem + t.off, t.nbytes);
        unlock(t.m);
        w->pos += t.nbytes;
        if ((t.nbytes & 1u) && i + 1 < n)
            s7__w8(w, 0);
        item_event(cpu, sess, S7_EV_READ, it, &t, NULL, 0);
    }
}

/* Bytes the data items answering its[0..n) take at most. */
S7_HOT static uint64_t items_need(const item *its, unsigned n)
{
    uint64_t need = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t b = item_bytes(&its[i]);
        need += s7__rvar_item_len(b, i + 1 == n);
    }
    return need;
}

/* Read Var: items parsed, reply built straight into out (data copied under the lock). */
S7_HOT static int read_var(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, const item *its,
                           unsigned n, uint8_t *out, size_t lim)
{
    uint64_t need = 14 + items_need(its, n);
    if (need > lim)
        return refuse_job(cpu, sess, pdu, 0x8500, out, lim);

    s7__wcur w = s7__wcur_make(out, lim);
    s7__wzero(&w, 12); /* header, written last */
    s7__w8(&w, S7_FN_READ);
    s7__w8(&w, (uint8_t)n);
    read_items(cpu, sess, its, n, &w);
    if (w.bad)
        return S7_ERR_NOSPACE; /* cannot happen: need was checked */
    s7_pdu h;
    memset(&h, 0, sizeof h);
    h.rosctr = S7_ACK_DATA;
    h.ref = pdu->ref;
    h.param_len = 2;
    h.data_len = (uint16_t)(w.pos - 14);
    s7_pdu_encode_header(out, 12, &h);
    return (int)w.pos;
}

int s7__read_specs(s7_cpu *cpu, s7_cpu_session *sess, const uint8_t *spec, size_t len, unsigned n,
                   s7__wcur *w)
{
    item its[255];
    if (n == 0 || n > 255)
        return S7_ERR_PARAM;
    int used = parse_specs(spec, len, n, 1, its);
    if (used < 0 || (size_t)used != len)
        return S7_ERR_PARAM;
    if (!w)
        return 0;
    if (w->bad || items_need(its, n) > w->cap - w->pos)
        return S7_ERR_NOSPACE;
    read_items(cpu, sess, its, n, w);
    return w->bad ? S7_ERR_NOSPACE : 0;
}

/* Write Var: every item checked and written in order (events after each write).  Not
 * inlined: its arrays stay off the stack of a read. */
S7_HOT S7_NOINLINE static int write_var(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu,
                                        const item *its, unsigned n, uint8_t *out, size_t lim)
{
    s7_data_item d[255];
    int used = s7_data_items_decode(pdu->data, pdu->data_len, 1, d, n);
    if (used < 0 || (size_t)used != pdu->data_len)
        return S7_ERR_PARAM;
    if (14u + n > lim)
        return refuse_job(cpu, sess, pdu, 0x8500, out, lim);
    uint8_t rcs[255];
    for (unsigned i = 0; i < n; i++) {
        const item *it = &its[i];
        target t = check_item(cpu, it, &d[i]);
        rcs[i] = t.rc;
        if (t.rc != S7_RC_OK) {
            item_event(cpu, sess, t.refused ? S7_EV_REFUSED : S7_EV_WRITE, it, &t, NULL, 0);
            continue;
        }
        s7__cpu_land(t.m, t.off, it->s.ts == S7_TS_BIT ? t.bit : -1, d[i].data, t.nbytes);
        item_event(cpu, sess, S7_EV_WRITE, it, &t, d[i].data, 0);
    }
    return s7_write_resp_encode(out, lim, pdu->ref, rcs, n);
}

/* Read Var / Write Var with its items parsed into its[] (room for the count the request
 * names). */
S7_HOT static int var_items(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, item *its,
                            uint8_t *out, size_t lim)
{
    int n = parse_items(pdu, its);
    if (n < 0)
        return n;
    if (pdu->param[0] == S7_FN_READ) {
        if (pdu->data_len != 0)
            return S7_ERR_PARAM;
        return read_var(cpu, sess, pdu, its, (unsigned)n, out, lim);
    }
    return write_var(cpu, sess, pdu, its, (unsigned)n, out, lim);
}

/* Items of a job held on var_job's own stack; a job naming more (up to 255) takes
 * var_job_long's array (var_job's frame: 656 bytes instead of 14,704, gcc -fstack-usage). */
#define ITEMS_SHORT 20

S7_NOINLINE static int var_job_long(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu,
                                    uint8_t *out, size_t lim)
{
    item its[255];
    return var_items(cpu, sess, pdu, its, out, lim);
}

/* Read Var / Write Var: PUT/GET permission, request size, items.  Returns the reply
 * length or a negative error (malformed). */
S7_HOT static int var_job(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, size_t req_len,
                          uint8_t *out, size_t lim)
{
    if (!cpu->put_get)
        return refuse_job(cpu, sess, pdu, 0x8104, out, lim);
    if (pdu->param_len < 2)
        return S7_ERR_PARAM;
    if (req_len > sess->pdu)
        return refuse_job(cpu, sess, pdu, 0x8500, out, lim);
    if (pdu->param[1] > ITEMS_SHORT)
        return var_job_long(cpu, sess, pdu, out, lim);
    item its[ITEMS_SHORT];
    return var_items(cpu, sess, pdu, its, out, lim);
}

/* ---------------------------------------------------------------- control */

/* Report a control job (done or refused). */
static void ctrl_event(s7_cpu *cpu, const s7_cpu_session *sess, int kind, uint8_t ctrl,
                       uint8_t status, uint16_t err)
{
    if (!cpu->ev)
        return;
    s7_cpu_event ev = s7__cpu_event(kind, sess);
    ev.ctrl = ctrl;
    ev.rc = err ? (uint8_t)(err >> 8) : status;
    ev.err = err;
    s7__cpu_emit(cpu, &ev);
}

/* PLC stop / PI start.  Returns the reply length or S7_ERR_PARAM (malformed). */
S7_COLD S7_NOINLINE static int control(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu,
                                       uint8_t *out, size_t lim)
{
    s7_plc_ctrl c;
    if (s7_plc_ctrl_decode(pdu, &c) < 0)
        return S7_ERR_PARAM;
    uint8_t what = c.fn == S7_FN_STOP        ? S7_CTRL_STOP
                   : c.mode == S7_START_COLD ? S7_CTRL_COLD_START
                                             : S7_CTRL_HOT_START;
    int program = c.service_len == 9 && memcmp(c.service, "P_PROGRAM", 9) == 0;
    int ram_rom = c.fn == S7_FN_PI && c.service_len == 5 &&
                  (memcmp(c.service, "_MODU", 5) == 0 || memcmp(c.service, "_GARB", 5) == 0);
    if (c.fn == S7_FN_PI && c.service_len == 5 &&
        (memcmp(c.service, "_INSE", 5) == 0 || memcmp(c.service, "_DELE", 5) == 0)) {
        int r = s7__blocks_pi(cpu, sess, &c, pdu->ref, out, lim);
        if (r >= 0)
            ctrl_event(cpu, sess, out[1] == S7_ACK_DATA ? S7_EV_CONTROL : S7_EV_REFUSED,
                       S7_CTRL_OTHER, 0,
                       out[1] == S7_ACK_DATA ? 0 : (uint16_t)(out[10] << 8 | out[11]));
        return r;
    }
    if (ram_rom && !is_plus(cpu)) {
        /* copy RAM to ROM, compress memory: done at once (the emulator's memory needs
         * neither), answered as a real 315-2 answers them */
        ctrl_event(cpu, sess, S7_EV_CONTROL, S7_CTRL_OTHER, 0, 0);
        return s7_plc_ctrl_resp_encode(out, lim, pdu->ref, c.fn, 0);
    }
    if (is_plus(cpu) || !program) {
        ctrl_event(cpu, sess, S7_EV_REFUSED, program ? what : S7_CTRL_OTHER, 0, 0x8104);
        return ack(out, lim, pdu->ref, 0x8104);
    }
    uint8_t status = 0;
    if (c.fn == S7_FN_STOP) {
        if (cpu->state == S7_CPU_STATE_STOP)
            status = 0x07;
        else
            s7__cpu_set_state(cpu, S7_CPU_STATE_STOP);
    } else if (cpu->state == S7_CPU_STATE_RUN) {
        status = 0x03;
    } else {
        if (c.mode == S7_START_COLD)
            s7__cpu_cold_restore(cpu);
        s7__cpu_start(cpu, c.mode == S7_START_COLD);
    }
    ctrl_event(cpu, sess, S7_EV_CONTROL, what, status, 0);
    return s7_plc_ctrl_resp_encode(out, lim, pdu->ref, c.fn, status);
}

/* ---------------------------------------------------------------- entry */

S7_HOT int s7__job(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, size_t req_len,
                   uint8_t *out, size_t cap)
{
    if (pdu->param_len < 1)
        return S7_ERR_PARAM;
    uint8_t fn = pdu->param[0];
    if (fn == S7_FN_SETUP)
        return setup(cpu, sess, pdu, out, cap);
    size_t lim = s7__reply_limit(sess, cap);
    if (sess->pdu == 0)
        return ack(out, lim, pdu->ref, 0x8401);
    if (fn == S7_FN_READ || fn == S7_FN_WRITE)
        return var_job(cpu, sess, pdu, req_len, out, lim);
    if (req_len > sess->pdu)
        return ack(out, lim, pdu->ref, 0x8500);
    if (fn == S7_FN_STOP || fn == S7_FN_PI)
        return control(cpu, sess, pdu, out, lim);
    if (fn >= S7_FN_REQ_DOWNLOAD && fn <= S7_FN_UPLOAD_END)
        return s7__blocks_job(cpu, sess, pdu, out, lim);
    return ack(out, lim, pdu->ref, is_plus(cpu) ? 0x8104 : 0x8100);
}

/* Answer one whole S7 PDU; see cpu.h.  Returns the reply length, 0, or a negative
 * error (malformed PDU: the engine closes the connection). */
S7_HOT int s7_cpu_handle(s7_cpu *cpu, s7_cpu_session *sess, const uint8_t *pdu, size_t len,
                         uint8_t *out, size_t cap)
{
    if (!cpu || !sess || !pdu || !out)
        return S7_ERR_INVAL;
    if (cap < 12)
        return S7_ERR_NOSPACE;
    s7__cpu_first_request(cpu);
    s7_pdu p;
    int r = s7_pdu_decode(pdu, len, &p);
    if (r < 0)
        return r;
    if (p.rosctr == S7_JOB) {
        uint8_t fn = p.param_len ? p.param[0] : 0;
        sess->cur_fn = fn == S7_FN_READ || fn == S7_FN_WRITE ? fn : 0;
        r = s7__job(cpu, sess, &p, len, out, cap);
        if (r == S7_ERR_PARAM)
            /* a well-framed Job whose parameter (or data) does not parse: an error Ack
             * and the connection kept (closing cost clients a reconnect per such job) */
            r = ack(out, s7__reply_limit(sess, cap), p.ref, 0x8404);
        if (sess->cur_fn && cpu->ev) {
            s7_cpu_event ev = s7__cpu_event(S7_EV_DONE, sess);
            ev.fn = sess->cur_fn;
            s7__cpu_emit(cpu, &ev);
        }
        sess->cur_fn = 0;
        return r;
    }
    if (p.rosctr == S7_USERDATA)
        return s7__userdata(cpu, sess, &p, out, cap);
    if (p.rosctr == S7_ACK_DATA || p.rosctr == S7_ACK)
        return s7__blocks_ack(cpu, sess, &p); /* the PG answering the CPU's download Jobs */
    return S7_ERR_PROTO;
}
