/* Fuzz target: the guard's request and reply paths (guard/filter.c).  The input holds a
 * flags byte (dry run, services allowed, an SZL continuation pending), a 2-byte request
 * length, the client's request PDU and then the CPU's reply PDU.  The request goes
 * through the filter against a fixed policy; whatever it forwards (the PDU as is or a
 * rewritten one) meets the reply through the merge.  Nothing may crash, and everything
 * the guard would send (a rewritten request, a local answer, a merged answer) must be a
 * well-formed S7 PDU; an item refused by the policy must never be in a forwarded
 * request.  A message service request also goes through the push routing (guard/push.c)
 * of two clients on one upstream: its answer or forwarded request, the reply routed as a
 * push, and what is owed when the clients go must be well-formed too. */
#include <stdlib.h>
#include <string.h>

#include "guard/internal.h"
#include "s7/plant_policy.h"
#include "s7/wire.h"

static s7_policy *pol;
static uint8_t out[70000], merged[70000];

static void must_decode(const uint8_t *p, size_t n)
{
    s7_pdu pdu;
    if (s7_pdu_decode(p, n, &pdu) < 0)
        abort();
}

/* A rewritten Read Var with DBREAD items (syntax id 0xB0): every range of every DBREAD
 * item, and every S7ANY item, must be allowed. */
static void dbread_check(const s7__gctx *g, const s7_pdu *p)
{
    if (p->param_len < 2 || p->param[0] != S7_FN_READ)
        abort();
    size_t pos = 2;
    for (unsigned i = 0; i < p->param[1]; i++) {
        if (pos + 2 > p->param_len)
            abort();
        const uint8_t *a = p->param + pos + 2;
        size_t l = p->param[pos + 1];
        if (pos + 2 + l > p->param_len)
            abort();
        if (a[0] == 0xB0) {
            s7_dbread_range rg[255];
            int nr = s7_dbread_decode(a, l, rg, 255);
            if (nr < 0)
                abort();
            for (int k = 0; k < nr; k++)
                if (s7_policy_check(g->pt, S7_AREA_DB, rg[k].db, rg[k].start, rg[k].len,
                                    S7_POL_READ) < 0)
                    abort();
        } else if (a[0] == 0x10 && l == 10) {
            uint8_t ts = a[1];
            uint32_t cnt = (uint32_t)(a[2] << 8 | a[3]);
            uint16_t db = (uint16_t)(a[4] << 8 | a[5]);
            uint8_t area = a[6];
            uint32_t addr = (uint32_t)(a[7] << 16 | a[8] << 8 | a[9]);
            uint32_t nb = ts == S7_TS_BIT ? 1 : s7_ts_elem_size(ts) * cnt;
            if (s7_policy_check(g->pt, area, db, addr >> 3, nb, S7_POL_READ) < 0)
                abort();
        } else {
            abort();
        }
        pos += 2 + l;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!pol) {
        pol = s7_policy_new();
        s7_policy_partner *pt = s7_policy_add_partner(pol, "fuzz");
        s7_policy_add_range(pt, S7_AREA_DB, 1, 0, 64, S7_POL_READ);
        s7_policy_add_range(pt, S7_AREA_DB, 2, 8, 8, S7_POL_WRITE);
        s7_policy_add_range(pt, S7_AREA_M, 0, 0, 16, S7_POL_READ | S7_POL_WRITE);
    }
    if (size < 3)
        return 0;
    uint8_t flags = data[0];
    size_t rl = (size_t)data[1] << 8 | data[2];
    data += 3;
    size -= 3;
    if (rl > size)
        rl = size;
    pol->partners[0].services = (flags & 2) ? S7_POL__ALL : S7_POL_DEFAULT;
    s7__gctx g;
    memset(&g, 0, sizeof g);
    g.pt = &pol->partners[0];
    g.dry_run = flags & 1;
    g.szl_ok = (flags >> 2) & 1;
    s7__gplan pl;
    s7__guard_filter(&g, data, rl, &pl, out, sizeof out);
    if (pl.verdict == S7__GV_LOCAL) {
        must_decode(out, pl.len);
        return 0;
    }
    if (pl.verdict != S7__GV_FORWARD)
        return 0;
    if (pl.msg) {
        static s7__gpush P;
        static int A, B;
        int local = 0;
        int k = s7__gpush_msg(&P, (flags & 8) ? &A : &B, data, rl, out, sizeof out, &local);
        if (k > 0)
            must_decode(out, (size_t)k);
        s7_pdu rp;
        void *to[4];
        if (s7_pdu_decode(data + rl, size - rl, &rp) >= 0 && s7__gpush_route(&P, &rp, to, 4) > 4)
            abort();
        s7__gpush_detach(&P, &A);
        s7__gpush_detach(&P, &B);
        char what[120];
        for (int i = 0; i < 600 && s7__gpush_owes(&P); i++) {
            int n = s7__gpush_owed(&P, out, sizeof out, what, sizeof what);
            if (n > 0)
                must_decode(out, (size_t)n);
        }
        if (s7__gpush_owes(&P))
            abort(); /* what is owed comes to an end */
        s7__gpush_free(&P);
        return 0;
    }
    const uint8_t *fwd = pl.rewritten ? out : data;
    size_t fl = pl.rewritten ? pl.len : rl;
    must_decode(fwd, fl);
    if (pl.rewritten) {
        /* the forwarded request holds only items the policy allows */
        s7_pdu p;
        s7_pdu_decode(fwd, fl, &p);
        uint8_t fn;
        s7_var_spec sp[S7_ITEMS_MAX];
        unsigned n = 0;
        if (s7_var_req_decode(&p, &fn, sp, S7_ITEMS_MAX, &n) < 0) {
            dbread_check(&g, &p);
            n = 0;
        }
        for (unsigned i = 0; i < n; i++) {
            uint32_t nb = sp[i].ts == S7_TS_BIT ? 1 : s7_ts_elem_size(sp[i].ts) * sp[i].count;
            if (s7_policy_check(g.pt, sp[i].area, sp[i].db, sp[i].addr >> 3, nb,
                                fn == S7_FN_WRITE ? S7_POL_WRITE : S7_POL_READ) < 0)
                abort();
        }
    }
    s7_pdu rp;
    if (s7_pdu_decode(data + rl, size - rl, &rp) < 0)
        return 0;
    int m = s7__guard_merge(&pl, &rp, merged, sizeof merged);
    if (m > 0)
        must_decode(merged, (size_t)m);
    return 0;
}
