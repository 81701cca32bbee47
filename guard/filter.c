/* The guard's request filter and reply merge (internal.h): pure functions over one PDU.
 *
 * Answers to what the policy refuses, as a protected CPU answers (docs/guard.md):
 * - a Read/Write Var item outside the partner's ranges (bytes of DBs, I, Q, M; timer and
 *   counter items by number): item return code 0x03 (access denied); when every item is
 *   refused the guard answers the whole request itself;
 * - CPU stop, hot / cold start, other PI services, upload, download: Ack with error
 *   0xD241 (function not permitted in the current protection level);
 * - Userdata services (SZL other than identity, clock set, block functions, password,
 *   programmer, alarms, a cyclic-data subscription with an item outside the read ranges
 *   or an unsubscribe of another client's job): the Userdata answer with parameter error
 *   0xD241 and data 0A 00 00 00;
 * - a Job function the guard does not know: Ack 0x8104 (service not available);
 * - a DBREAD item (syntax id 0xB0, several DB ranges in one item) is checked range by
 *   range as a DB read: one range outside the partner's ranges refuses the item (0x03);
 * - a Read/Write Var whose parameter or data does not parse (also symbolic items, which
 *   the guard cannot check): Ack 0x8404, the connection kept;
 * - a PDU that is not a request (Ack / Ack_Data from a client), or a Userdata PDU that
 *   does not decode: the client's connection is closed. */
#include <stdio.h>
#include <string.h>

#include "guard/internal.h"
#include "wire/wire_int.h"

#define ERR_PROTECTION 0xD241u
#define ERR_NOT_AVAILABLE 0x8104u
#define ERR_CANNOT 0x8404u
#define ERR_PDU 0x8500u

static void bit_set(uint8_t *m, unsigned i) { m[i >> 3] = (uint8_t)(m[i >> 3] | (1u << (i & 7))); }
static int bit_get(const uint8_t *m, unsigned i) { return (m[i >> 3] >> (i & 7)) & 1; }

static void decide(s7__gctx *g, s7_guard_decision *d)
{
    if (g->decide)
        g->decide(g->ctx, d);
}

static void dec_init(s7_guard_decision *d, const s7_pdu *p, const char *op)
{
    memset(d, 0, sizeof *d);
    d->op = op;
    d->rosctr = p->rosctr;
    d->pdu_ref = p->ref;
    d->bit = -1;
    d->szl_id = -1;
    d->rule = "";
}

/* A local Ack with a header error. */
static int local_ack(s7__gplan *pl, const s7_pdu *p, uint16_t err, uint8_t *out, size_t cap)
{
    int n = s7_ack_error_encode(out, cap, p->ref, (uint8_t)(err >> 8), (uint8_t)err);
    if (n < 0)
        return n;
    pl->verdict = S7__GV_LOCAL;
    pl->len = (size_t)n;
    return 0;
}

/* A request the client's PDU does not take (the request itself, or the answer it asks
 * for): Ack 0x8500, as server/dispatch.c and a CPU answer it, with one decision. */
static int too_big(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, const char *op, uint8_t fn,
                   const char *result, uint8_t *out, size_t cap)
{
    s7_guard_decision d;
    dec_init(&d, p, op);
    d.fn = fn;
    d.action = S7_GUARD_REFUSE;
    d.result = result;
    decide(g, &d);
    memset(pl->refused, 0, sizeof pl->refused);
    pl->n = 0;
    pl->kind = S7__GJ_PASS;
    pl->is_ud = 0;
    return local_ack(pl, p, ERR_PDU, out, cap);
}

/* Bytes an item covers: *off byte offset, return the length (0: not a range the policy
 * can name).  A timer or counter item (transport size TIMER / COUNTER, its address the
 * element number) covers count elements from *off. */
static uint32_t item_span(const s7_var_spec *s, uint32_t *off, int *bit)
{
    *off = s->addr >> 3;
    *bit = -1;
    if ((s->area == S7_AREA_T && s->ts == S7_TS_TIMER) ||
        (s->area == S7_AREA_C && s->ts == S7_TS_COUNTER)) {
        *off = s->addr;
        return s->count;
    }
    switch (s->area) {
    case S7_AREA_DB:
    case S7_AREA_I:
    case S7_AREA_Q:
    case S7_AREA_M: break;
    default: *off = s->addr; return 0;
    }
    if (s->ts == S7_TS_BIT) {
        *bit = (int)(s->addr & 7);
        return 1;
    }
    uint32_t es = s7_ts_elem_size(s->ts);
    if (es == 0 || s->count == 0 || s->ts == S7_TS_COUNTER || s->ts == S7_TS_TIMER)
        return 0;
    return es * s->count;
}

/* The decision on a range the policy allows by its range r (r >= 0) or refuses (r < 0),
 * with the result text of either. */
static void decide_range(s7__gctx *g, s7_guard_decision *d, long r, const char *allowed,
                         const char *refused)
{
    if (r >= 0) {
        if (g->range_hits)
            g->range_hits[r]++;
        d->action = S7_GUARD_ALLOW;
        d->rule = g->pt->ranges[r].rule;
        d->result = allowed;
    } else {
        d->action = g->dry_run ? S7_GUARD_WOULD_REFUSE : S7_GUARD_REFUSE;
        d->rule = "";
        d->result = refused;
    }
    decide(g, d);
}

/* One S7ANY item checked against the policy (a decision made); non-zero when allowed. */
static int check_spec(s7__gctx *g, const s7_pdu *p, uint8_t fn, const s7_var_spec *s, int write,
                      const char *op, int item)
{
    s7_guard_decision d;
    uint32_t off;
    int bit;
    uint32_t len = item_span(s, &off, &bit);
    long r = -1;
    if (len)
        r = s7_policy_check(g->pt, s->area, s->db, off, len, write ? S7_POL_WRITE : S7_POL_READ);
    dec_init(&d, p, op);
    d.fn = fn;
    d.has_range = 1;
    d.area = s->area;
    d.db = s->area == S7_AREA_DB ? s->db : 0;
    d.offset = off;
    d.length = len ? len : s->count;
    d.bit = bit;
    if (r >= 0)
        g->items_allowed++;
    else
        g->items_refused++;
    if (r >= 0 && item >= 0 && g->held) {
        /* decided when the CPU answers it, with its return code (the engine) */
        if (g->range_hits)
            g->range_hits[r]++;
        s7__gheld *h = &g->held[g->nheld++];
        d.action = S7_GUARD_ALLOW;
        snprintf(h->rule, sizeof h->rule, "%s", g->pt->ranges[r].rule);
        d.rule = NULL;
        d.result = NULL;
        h->d = d;
        h->item = (uint8_t)item;
        return 1;
    }
    decide_range(g, &d, r, "ok", "0x03 access denied");
    return r >= 0;
}

/* A DBREAD item (syntax id 0xB0): every range checked as a DB read (a decision each);
 * non-zero when all are allowed. */
static int check_dbread(s7__gctx *g, const s7_pdu *p, const s7_dbread_range *rg, int nr,
                        const char *op)
{
    int ok = 1;
    for (int i = 0; i < nr; i++) {
        s7_guard_decision d;
        long r = s7_policy_check(g->pt, S7_AREA_DB, rg[i].db, rg[i].start, rg[i].len, S7_POL_READ);
        dec_init(&d, p, op);
        d.fn = S7_FN_READ;
        d.has_range = 1;
        d.area = S7_AREA_DB;
        d.db = rg[i].db;
        d.offset = rg[i].start;
        d.length = rg[i].len;
        if (r < 0)
            ok = 0;
        decide_range(g, &d, r, "ok (DBREAD range)", "0x03 access denied (DBREAD range)");
    }
    if (ok)
        g->items_allowed++;
    else
        g->items_refused++;
    return ok;
}

/* Decode one 12-byte S7ANY specification (12 0A 10 ...) through the Read Var decoder. */
static int spec_decode(const uint8_t *item, s7_var_spec *s)
{
    uint8_t par[2 + 12];
    par[0] = S7_FN_READ;
    par[1] = 1;
    memcpy(par + 2, item, 12);
    s7_pdu q;
    memset(&q, 0, sizeof q);
    q.rosctr = S7_JOB;
    q.param = par;
    q.param_len = sizeof par;
    uint8_t fn;
    unsigned n = 0;
    return s7_var_req_decode(&q, &fn, s, 1, &n) == 1 ? 0 : -1;
}

/* After the n items of a Read/Write Var were checked (allowed of them; the refused ones
 * marked in pl->refused): a dry run or every item allowed forwards the request as it is;
 * none allowed answers it here, every item 0x03 (what a CPU answers when it refuses every
 * item).  1 when so settled, 0 when the allowed items are to be forwarded alone, a
 * negative error. */
static int settle_items(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, unsigned n, unsigned allowed,
                        int write, uint8_t *out, size_t cap)
{
    if (g->dry_run || allowed == n) {
        memset(pl->refused, 0, sizeof pl->refused);
        pl->kind = S7__GJ_PASS;
        pl->verdict = S7__GV_FORWARD;
        return 1;
    }
    if (allowed)
        return 0;
    int k;
    if (write) {
        uint8_t rcs[S7_ITEMS_MAX];
        memset(rcs, S7_RC_ACCESS_DENIED, n);
        k = s7_write_resp_encode(out, cap, p->ref, rcs, n);
    } else {
        s7_data_item it[S7_ITEMS_MAX];
        memset(it, 0, sizeof it[0] * n);
        for (unsigned i = 0; i < n; i++)
            it[i].rc = S7_RC_ACCESS_DENIED;
        k = s7_read_resp_encode(out, cap, p->ref, it, n);
    }
    if (k < 0)
        return k;
    pl->verdict = S7__GV_LOCAL;
    pl->len = (size_t)k;
    return 1;
}

/* A Read Var with DBREAD items (syntax id 0xB0) besides S7ANY ones: each item checked
 * (a DBREAD item is allowed when every range is), the refused ones answered 0x03 as S7ANY
 * items are.  Returns 1 when handled, 0 when the request is not such a Read Var (the
 * caller answers 0x8404), a negative error. */
static int filter_read_dbread(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, uint8_t *out, size_t cap)
{
    if (p->param_len < 2 || p->param[0] != S7_FN_READ || p->data_len)
        return 0;
    unsigned n = p->param[1];
    if (n == 0 || n > S7_ITEMS_MAX)
        return 0;
    size_t pos = 2, at[S7_ITEMS_MAX], alen[S7_ITEMS_MAX];
    int any_dbr = 0;
    for (unsigned i = 0; i < n; i++) {
        if (pos + 2 > p->param_len || p->param[pos] != 0x12)
            return 0;
        size_t l = p->param[pos + 1];
        if (l == 0 || pos + 2 + l > p->param_len)
            return 0;
        at[i] = pos;
        alen[i] = l + 2;
        const uint8_t *a = p->param + pos + 2;
        if (a[0] == 0xB0) {
            s7_dbread_range rg[255];
            if (s7_dbread_decode(a, l, rg, 255) < 0)
                return 0;
            any_dbr = 1;
        } else if (a[0] != 0x10 || l != 10) {
            return 0;
        }
        pos += 2 + l;
    }
    if (pos != p->param_len || !any_dbr)
        return 0;
    pl->n = (uint8_t)n;
    pl->kind = S7__GJ_READ;
    unsigned allowed = 0;
    for (unsigned i = 0; i < n; i++) {
        const uint8_t *a = p->param + at[i] + 2;
        int ok;
        if (a[0] == 0xB0) {
            s7_dbread_range rg[255];
            int nr = s7_dbread_decode(a, alen[i] - 2, rg, 255);
            ok = check_dbread(g, p, rg, nr, "read");
        } else {
            s7_var_spec s;
            if (spec_decode(p->param + at[i], &s) < 0)
                return 0;
            ok = check_spec(g, p, S7_FN_READ, &s, 0, "read", -1);
        }
        if (ok)
            allowed++;
        else
            bit_set(pl->refused, i);
    }
    int settled = settle_items(g, p, pl, n, allowed, 0, out, cap);
    if (settled != 0)
        return settled;
    /* the allowed items' bytes, in their order */
    uint8_t par[2 + 255 * 2 + S7_ITEMS_MAX * 12];
    size_t pn = 2;
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (bit_get(pl->refused, i))
            continue;
        if (pn + alen[i] > sizeof par)
            return S7_ERR_NOSPACE;
        memcpy(par + pn, p->param + at[i], alen[i]);
        pn += alen[i];
        k++;
    }
    par[0] = S7_FN_READ;
    par[1] = (uint8_t)k;
    s7_pdu h;
    memset(&h, 0, sizeof h);
    h.rosctr = S7_JOB;
    h.ref = p->ref;
    h.param_len = (uint16_t)pn;
    int hl = s7_pdu_encode_header(out, cap, &h);
    if (hl < 0)
        return hl;
    if ((size_t)hl + pn > cap)
        return S7_ERR_NOSPACE;
    memcpy(out + hl, par, pn);
    pl->verdict = S7__GV_FORWARD;
    pl->rewritten = 1;
    pl->len = (size_t)hl + pn;
    return 1;
}

/* Read / Write Var. */
static int filter_var(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, uint8_t *out, size_t cap)
{
    uint8_t fn;
    s7_var_spec specs[S7_ITEMS_MAX];
    s7_data_item data[S7_ITEMS_MAX];
    unsigned n = 0;
    int write = p->param[0] == S7_FN_WRITE;
    s7_guard_decision d;
    if (s7_var_req_decode(p, &fn, specs, S7_ITEMS_MAX, &n) < 0 ||
        (write && s7_data_items_decode(p->data, p->data_len, 1, data, n) < 0) ||
        (!write && p->data_len)) {
        int h = write ? 0 : filter_read_dbread(g, p, pl, out, cap);
        if (h != 0)
            return h < 0 ? h : 0;
        memset(pl->refused, 0, sizeof pl->refused);
        pl->n = 0;
        pl->kind = S7__GJ_PASS;
        dec_init(&d, p, write ? "write" : "read");
        d.fn = p->param[0];
        d.action = S7_GUARD_REFUSE;
        d.result = "refused: 0x8404 request the guard cannot check (malformed or symbolic "
                   "items)";
        g->services_refused++;
        decide(g, &d);
        return local_ack(pl, p, ERR_CANNOT, out, cap);
    }
    if (!write && g->pdu) {
        /* the answer counted as if every item succeeded (server/dispatch.c read_var) */
        uint64_t need = 14;
        for (unsigned i = 0; i < n; i++) {
            uint32_t b =
                specs[i].ts == S7_TS_BIT ? 1 : s7_ts_elem_size(specs[i].ts) * specs[i].count;
            need += s7__rvar_item_len(b, i + 1 == n);
        }
        if (need > g->pdu)
            return too_big(g, p, pl, "read", fn, "refused: 0x8500 the answer would not fit the PDU",
                           out, cap);
    }
    pl->n = (uint8_t)n;
    pl->kind = write ? S7__GJ_WRITE : S7__GJ_READ;
    unsigned allowed = 0;
    for (unsigned i = 0; i < n; i++) {
        if (check_spec(g, p, fn, &specs[i], write, write ? "write" : "read", (int)i))
            allowed++;
        else
            bit_set(pl->refused, i);
    }
    int settled = settle_items(g, p, pl, n, allowed, write, out, cap);
    if (settled != 0)
        return settled < 0 ? settled : 0;
    /* the allowed items only, in their order */
    s7_var_spec ss[S7_ITEMS_MAX];
    s7_data_item sd[S7_ITEMS_MAX];
    unsigned k = 0;
    for (unsigned i = 0; i < n; i++) {
        if (bit_get(pl->refused, i))
            continue;
        ss[k] = specs[i];
        if (write)
            sd[k] = data[i];
        k++;
    }
    int w = write ? s7_write_req_encode(out, cap, p->ref, ss, sd, k)
                  : s7_read_req_encode(out, cap, p->ref, ss, k);
    if (w < 0)
        return w;
    pl->verdict = S7__GV_FORWARD;
    pl->rewritten = 1;
    pl->len = (size_t)w;
    return 0;
}

/* A service decision made by the caller (ok): allowed forwards, refused answers with the
 * protection error. */
static int service_ok(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, int ok, unsigned bit,
                      const char *op, uint8_t fn, uint8_t subfn, int szl_id, const s7_ud *ud,
                      uint8_t *out, size_t cap)
{
    s7_guard_decision d;
    dec_init(&d, p, op);
    d.fn = fn;
    d.subfn = subfn;
    d.szl_id = szl_id;
    d.rule = ok ? g->pt->rule : "";
    if (ok) {
        d.action = S7_GUARD_ALLOW;
        d.result = "ok";
    } else {
        g->services_refused++;
        d.action = g->dry_run ? S7_GUARD_WOULD_REFUSE : S7_GUARD_REFUSE;
        d.result = ud    ? "refused: 0xD241 function not permitted in the current protection level"
                   : bit ? "refused: 0xD241 function not permitted in the current protection level"
                         : "refused: 0x8104 service not available";
    }
    decide(g, &d);
    if (ok || g->dry_run) {
        pl->verdict = S7__GV_FORWARD;
        return 1;
    }
    if (!ud)
        return local_ack(pl, p, bit ? ERR_PROTECTION : ERR_NOT_AVAILABLE, out, cap) < 0 ? -1 : 0;
    s7_ud r;
    s7_ud_resp_init(&r, ud);
    r.err = ERR_PROTECTION;
    r.rc = S7_RC_NOT_FOUND;
    int k = s7_ud_encode(out, cap, p->ref, &r);
    if (k < 0)
        return -1;
    pl->verdict = S7__GV_LOCAL;
    pl->len = (size_t)k;
    return 0;
}

/* A service check by the partner's allowed services. */
static int service(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, unsigned bit, const char *op,
                   uint8_t fn, uint8_t subfn, int szl_id, const s7_ud *ud, uint8_t *out, size_t cap)
{
    int ok = bit && (g->pt->services & bit) == bit;
    return service_ok(g, p, pl, ok, bit, op, fn, subfn, szl_id, ud, out, cap);
}

/* Cyclic data (group 2).  A subscription (or a change of one) is allowed when every item
 * is within the partner's readable ranges, checked as Read Var items (the cyclic service
 * of the policy allows it too, the items still checked); an unsubscribe when the job is
 * the client's own (g->owns_job). */
static int filter_cyclic(s7__gctx *g, const s7_pdu *p, const s7_ud *u, s7__gplan *pl, uint8_t *out,
                         size_t cap)
{
    int ok;
    if (u->subfn == S7_CYC_TRANSFER || u->subfn == S7_CYC_CHANGE || u->subfn == S7_CYC_MODIFY) {
        /* 00 NN, time base, factor, then the items as a Read Var's: S7ANY, or DBREAD
         * (syntax id 0xB0: WinCC subscribes an S7-400's DB ranges so), a fill byte after an
         * odd-length one that is not the last */
        unsigned n = u->plen >= 4 ? u->payload[1] : 0;
        ok = n > 0 && n <= S7_ITEMS_MAX;
        if (ok && u->subfn == S7_CYC_MODIFY && g->owns_job && !g->owns_job(g->ctx, u->seq))
            ok = 0;
        size_t off = 4;
        for (unsigned i = 0; ok && i < n; i++) {
            size_t sl = off + 2 <= u->plen ? u->payload[off + 1] : 0;
            if (!sl || u->payload[off] != 0x12 || off + 2 + sl > u->plen) {
                ok = 0;
                break;
            }
            const uint8_t *a = u->payload + off + 2;
            s7_var_spec s;
            s7_dbread_range rg[255];
            int nr;
            if (a[0] == 0x10 && sl == 10)
                ok = spec_decode(u->payload + off, &s) == 0 &&
                     check_spec(g, p, S7_FN_READ, &s, 0, "cyclic", -1);
            else if (a[0] == 0xB0 && (nr = s7_dbread_decode(a, sl, rg, 255)) >= 0)
                ok = check_dbread(g, p, rg, nr, "cyclic");
            else
                ok = 0;
            off += 2 + sl + ((sl & 1) && i + 1 < n ? 1 : 0);
        }
        if (off != u->plen)
            ok = 0;
        if (ok) {
            pl->cyc = 1;
            pl->cyc_subfn = u->subfn;
        }
    } else if (u->subfn == S7_CYC_UNSUBSCRIBE) {
        ok = u->plen == 2 && (!g->owns_job || g->owns_job(g->ctx, u->payload[1]));
        if (ok) {
            pl->cyc = 2;
            pl->cyc_job = u->payload[1];
        }
    } else {
        return service(g, p, pl, S7_POL_CYCLIC, "cyclic", u->group, u->subfn, -1, u, out, cap);
    }
    return service_ok(g, p, pl, ok, S7_POL_CYCLIC, "cyclic", u->group, u->subfn, -1, u, out, cap);
}

static int filter_job(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, uint8_t *out, size_t cap)
{
    if (p->param_len < 1)
        return local_ack(pl, p, ERR_CANNOT, out, cap);
    uint8_t fn = p->param[0];
    if (fn == S7_FN_SETUP) {
        pl->verdict = S7__GV_SETUP;
        return 0;
    }
    if (fn == S7_FN_READ || fn == S7_FN_WRITE)
        return filter_var(g, p, pl, out, cap);
    const char *op = "job";
    unsigned bit = 0;
    if (fn == S7_FN_STOP || fn == S7_FN_PI) {
        s7_plc_ctrl c;
        bit = S7_POL_CONTROL;
        if (s7_plc_ctrl_decode(p, &c) < 0)
            op = fn == S7_FN_STOP ? "stop" : "pi";
        else if (fn == S7_FN_STOP)
            op = "stop";
        else if (c.service_len == 9 && memcmp(c.service, "P_PROGRAM", 9) == 0)
            op = c.mode == S7_START_COLD ? "cold-start" : "hot-start";
        else
            op = "pi";
    } else if (fn >= S7_FN_REQ_DOWNLOAD && fn <= S7_FN_DOWNLOAD_END) {
        bit = S7_POL_DOWNLOAD;
        op = "download";
    } else if (fn >= S7_FN_UPLOAD_START && fn <= S7_FN_UPLOAD_END) {
        bit = S7_POL_UPLOAD;
        op = "upload";
    }
    int r = service(g, p, pl, bit, op, fn, 0, -1, NULL, out, cap);
    return r < 0 ? r : 0;
}

static int filter_ud(s7__gctx *g, const s7_pdu *p, s7__gplan *pl, uint8_t *out, size_t cap)
{
    s7_ud u;
    if (s7_ud_decode(p, &u) < 0 || u.type != S7_UD_TYPE_REQ) {
        pl->verdict = S7__GV_CLOSE;
        pl->why = "a Userdata PDU that is not a well-formed request";
        return 0;
    }
    pl->is_ud = 1;
    unsigned bit = S7_POL_PROGRAMMER;
    const char *op = "programmer";
    int szl = -1;
    switch (u.group) {
    case S7_UD_GRP_CPU:
        if (u.subfn == S7_UD_SZL_READ) {
            op = "szl";
            if (u.method == 0x11) {
                if (u.plen < 4) {
                    bit = S7_POL_SZL;
                } else {
                    szl = u.payload[0] << 8 | u.payload[1];
                    bit = s7_policy_szl_identity((uint16_t)szl) ? S7_POL_SZL_IDENTITY : S7_POL_SZL;
                }
                /* the allowed services of the partner decide; remember it for the
                 * continuations that follow */
                if ((g->pt->services & bit) == bit || g->dry_run) {
                    pl->szl_first = 1;
                    /* 2: forwarded by a dry run only, its continuations would be refused */
                    g->szl_ok = (g->pt->services & bit) == bit ? 1 : 2;
                } else {
                    pl->szl_first = -1;
                    g->szl_ok = 0;
                }
            } else {
                bit = g->szl_ok ? 0 : S7_POL_SZL;
                if (g->szl_ok) {
                    /* a continuation of an allowed SZL read (or, in a dry run, of one that
                     * would have been refused: logged as such) */
                    s7_guard_decision d;
                    dec_init(&d, p, op);
                    d.fn = u.group;
                    d.subfn = u.subfn;
                    d.action = g->szl_ok == 1 ? S7_GUARD_ALLOW : S7_GUARD_WOULD_REFUSE;
                    d.rule = g->szl_ok == 1 ? g->pt->rule : "";
                    d.result = g->szl_ok == 1 ? "ok"
                                              : "refused: 0xD241 function not permitted in "
                                                "the current protection level";
                    decide(g, &d);
                    pl->verdict = S7__GV_FORWARD;
                    return 0;
                }
            }
        } else {
            bit = S7_POL_ALARMS;
            op = "alarms";
            pl->msg = u.subfn == 0x02; /* the message service: the engine routes it (push.c) */
        }
        break;
    case S7_UD_GRP_TIME:
        if (u.subfn == 1 || u.subfn == 3) {
            bit = S7_POL_CLOCK_READ;
            op = "clock-read";
        } else {
            bit = S7_POL_CLOCK_SET;
            op = "clock-set";
        }
        break;
    case S7_UD_GRP_BLOCK:
        bit = S7_POL_BLOCKS;
        op = "blocks";
        break;
    case S7_UD_GRP_SECURITY:
        bit = S7_POL_PASSWORD;
        op = "password";
        break;
    case S7_UD_GRP_CYCLIC: {
        int r = filter_cyclic(g, p, &u, pl, out, cap);
        return r < 0 ? r : 0;
    }
    default: break;
    }
    int r = service(g, p, pl, bit, op, u.group, u.subfn, szl, &u, out, cap);
    return r < 0 ? r : 0;
}

int s7__guard_filter(s7__gctx *g, const uint8_t *pdu, size_t len, s7__gplan *pl, uint8_t *out,
                     size_t cap)
{
    memset(pl, 0, sizeof *pl);
    g->nheld = 0;
    s7_pdu p;
    if (s7_pdu_decode(pdu, len, &p) < 0) {
        pl->verdict = S7__GV_CLOSE;
        pl->why = "malformed S7 header";
        return 0;
    }
    pl->ref = p.ref;
    int r;
    if (g->pdu && len > g->pdu && (p.rosctr == S7_JOB || p.rosctr == S7_USERDATA) &&
        !(p.rosctr == S7_JOB && p.param_len >= 1 && p.param[0] == S7_FN_SETUP)) {
        /* larger than the client's PDU: a CPU refuses it whole */
        uint8_t fn = p.rosctr == S7_JOB && p.param_len ? p.param[0] : 0;
        const char *op = p.rosctr == S7_USERDATA ? "job"
                         : fn == S7_FN_READ      ? "read"
                         : fn == S7_FN_WRITE     ? "write"
                                                 : "job";
        r = too_big(g, &p, pl, op, fn, "refused: 0x8500 request larger than the PDU", out, cap);
        if (r < 0) {
            pl->verdict = S7__GV_CLOSE;
            pl->why = "the answer does not fit";
        }
        return 0;
    }
    if (p.rosctr == S7_JOB)
        r = filter_job(g, &p, pl, out, cap);
    else if (p.rosctr == S7_USERDATA)
        r = filter_ud(g, &p, pl, out, cap);
    else {
        pl->verdict = S7__GV_CLOSE;
        pl->why = "an Ack / Ack_Data PDU sent by a client";
        return 0;
    }
    if (r < 0) {
        pl->verdict = S7__GV_CLOSE;
        pl->why = "the answer does not fit";
    }
    return 0;
}

/* ---------------------------------------------------------------- merge */

/* The reply as is with the client's reference. */
static int pass(const s7__gplan *pl, const s7_pdu *rp, uint8_t *out, size_t cap)
{
    s7_pdu h = *rp;
    h.ref = pl->ref;
    int hl = s7_pdu_encode_header(out, cap, &h);
    if (hl < 0)
        return hl;
    size_t n = (size_t)hl + rp->param_len + rp->data_len;
    if (n > cap)
        return S7_ERR_NOSPACE;
    if (rp->param_len)
        memcpy(out + hl, rp->param, rp->param_len);
    if (rp->data_len)
        memcpy(out + hl + rp->param_len, rp->data, rp->data_len);
    return (int)n;
}

int s7__guard_merge(const s7__gplan *pl, const s7_pdu *rp, uint8_t *out, size_t cap)
{
    if (!pl->rewritten || pl->kind == S7__GJ_PASS ||
        ((rp->rosctr == S7_ACK || rp->rosctr == S7_ACK_DATA) && (rp->err_class || rp->err_code)))
        return pass(pl, rp, out, cap);
    unsigned k = 0;
    for (unsigned i = 0; i < pl->n; i++)
        k += !bit_get(pl->refused, i);
    if (pl->kind == S7__GJ_READ) {
        s7_data_item got[S7_ITEMS_MAX], all[S7_ITEMS_MAX];
        if (s7_read_resp_decode(rp, got, k) < 0)
            return S7_ERR_PARAM;
        unsigned j = 0;
        for (unsigned i = 0; i < pl->n; i++) {
            if (bit_get(pl->refused, i)) {
                memset(&all[i], 0, sizeof all[i]);
                all[i].rc = S7_RC_ACCESS_DENIED;
            } else {
                all[i] = got[j++];
            }
        }
        return s7_read_resp_encode(out, cap, pl->ref, all, pl->n);
    }
    uint8_t got[S7_ITEMS_MAX], all[S7_ITEMS_MAX];
    if (s7_write_resp_decode(rp, got, k) < 0)
        return S7_ERR_PARAM;
    unsigned j = 0;
    for (unsigned i = 0; i < pl->n; i++)
        all[i] = bit_get(pl->refused, i) ? S7_RC_ACCESS_DENIED : got[j++];
    return s7_write_resp_encode(out, cap, pl->ref, all, pl->n);
}
