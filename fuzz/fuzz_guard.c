/* Fuzz target: the guard's request and reply paths (guard/filter.c).  The input holds a
 * flags byte (dry run, services allowed, an SZL continuation pending), a 2-byte request
 * length, the client's request PDU and then the CPU's reply PDU.  The request goes
 * through the filter against a fixed policy; whatever it forwards (the PDU as is or a
 * rewritten one) meets the reply through the merge.  Nothing may crash, and everything
 * the guard would send (a rewritten request, a local answer, a merged answer) must be a
 * well-formed S7 PDU; an item refused by the policy must never be in a forwarded
 * request. */
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
        if (s7_var_req_decode(&p, &fn, sp, S7_ITEMS_MAX, &n) < 0)
            abort();
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
