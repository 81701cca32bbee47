/* The plan cache: a client that reads or writes the same items again and again (a bridge
 * job every cycle, a watch loop) plans them once.  Each entry keeps, for one items array
 * and one kind (read / write), the plan and its requests encoded once; it is used again
 * while the items ask for the same things (area, DB, type, start, count, bit) and the
 * negotiated PDU, the merge gap and the items-per-PDU cap are unchanged.  Encoding a request
 * is then a copy of its bytes (the connection sets the PDU reference) plus, for a write, the
 * items' current data copied to where it goes.  Only first passes of plans in which every
 * item is valid are kept; a retry pass plans its items on its own, as before.
 *
 * The per-cycle work is kept flat: the items are compared field by field with the entry's
 * keys (what each item asks for and its buffer, 24 bytes an item: with 100 connections the
 * entries' bytes are read from far caches each cycle, so the fewer the better), a
 * write's data and a read's reply move through lists of (item, offset, length) made with
 * the template, and a reply in which every item is answered fine is applied from those
 * lists; any other reply goes through s7_plan_apply, which judges it item by item. */
#include <stdlib.h>
#include <string.h>

#include "client/fixed.h"
#include "client/internal.h"
#include "conn/plan_int.h"
#include "util/hot.h"
#include "util/hotmem.h"

#define S7__PCACHE_MAX 16 /* entries per client */

/* What the plan of one item depends on, and its buffer (where the copies go). */
typedef struct s7__pkey {
    void *buf;
    uint32_t start, count;
    uint16_t db;
    uint8_t area, ts, bit;
} s7__pkey;

/* One copy of a cycle: ptr in an item's buffer, off in the PDU (write) or in the k-th item's
 * data of the reply (read), len bytes (0: bit `bit` of the byte at off). */
typedef struct s7__hcopy {
    uint8_t *ptr;
    uint32_t off;
    uint16_t len;
    uint8_t k, bit;
} s7__hcopy;

/* One request of a cycle: its template bytes, its copies [c0, c1), its item count and its
 * first spec; of a read, once a reply answered every item fine, the length of that
 * reply's data (0 before): the reply's shape is then known (see s7__hshape). */
typedef struct s7__hreq {
    uint32_t toff, tlen, c0, c1, n, s0, dlen;
    uint32_t narrow; /* with kbase: the copies are in hk16 (all within 64 KiB), not hk */
    /* a write with kbase whose data items are the copies' 4 bytes each behind one and the
     * same 4-byte header, back to back up to the PDU's end (the usual write of tags of one
     * type): whead bytes of the template before them (0: not so), and that header; the
     * request is then whead bytes of template plus header and value per copy */
    uint32_t whead, wdata;
    uint8_t *kbase; /* every copy of the request 4 bytes (the usual tag) and their buffers
                      * within 4 GiB: the copies are kept in hk too, half the size (NULL:
                      * not so) */
} s7__hreq;

/* A copy of a request whose copies are all 4 bytes: kbase + p in the items' buffers,
 * off in the PDU (write) or the reply's data (read, once its shape is known).  The loops of
 * a cycle read these 8 bytes a copy rather than hc's 16; hk16's 4 bytes when the buffers
 * lie within 64 KiB (a bridge job's values are one block: the usual case). */
typedef struct s7__hk {
    uint32_t p, off;
} s7__hk;
typedef struct s7__hk16 {
    uint16_t p, off;
} s7__hk16;

/* One item of a read's reply as the first reply that answered every item fine had it:
 * its 4 header bytes (return code, transport size, length) and where they are in the data.
 * A reply of the same data length with the same headers at the same places conforms as
 * that one did, and its data sits at the same places: the copies of the request then take
 * their bytes at absolute offsets in the reply's data (s7__plan_apply). */
typedef struct s7__hshape {
    uint32_t hdr, off;
} s7__hshape;

struct s7__pentry {
    /* what a hit reads, in the first line (the entry is cache-line aligned) */
    const s7_item *items; /* the caller's array (compared, never read through) */
    size_t n;
    int kind;
    uint16_t pdu;
    int merge;
    unsigned cap;
    unsigned users; /* jobs in flight on this plan */
    unsigned span;  /* jobs that took it since it was last idle */
    int clean;      /* the items are as the plan left them (s7__plan_clean) */
    uint64_t stamp; /* last use (eviction of the oldest unused entry) */
    uint8_t *tmpl;  /* the requests' PDUs back to back (NULL: encode each time) */
    /* what a cycle reads, in one block (few cache lines and pages for many entries) */
    void *hot;
    s7__hreq *hr;    /* per request */
    s7__hk *hk;      /* per copy as hc, for the requests with kbase */
    s7__hk16 *hk16;  /* likewise, for the requests with kbase and narrow */
    s7__hcopy *hc;   /* per copy, cp's order, with where in its item's buffer (resolved while
                      * the items are what keys hold: a hit never reads the items again) */
    s7__hshape *hsh; /* reads: the reply shape of every request back to back (plan order) */
    s7_var_spec *hs; /* reads: the specs of every request back to back (plan order; used
                      * until the reply's shape is known) */
    /* the rest */
    size_t hot_size, tmpl_size; /* what hot and tmpl were taken with (s7__hot_zalloc) */
    s7__pkey *keys;
    s7_plan plan;
    size_t *toff; /* per request: its offset in tmpl, and its length */
    size_t *tlen;
    uint32_t *doff;    /* writes: per plan order index, the payload's offset in its PDU */
    s7__plan_copy *cp; /* the copies of every request, request by request: a write's data
                        * into the PDU (chunk_off: offset in the PDU), a read's reply into
                        * the items (NULL: none; the general paths then) */
};

static void key_of(const s7_item *it, s7__pkey *k)
{
    k->buf = it->buf;
    k->start = it->start;
    k->count = it->count;
    k->db = it->db;
    k->area = it->area;
    k->ts = it->ts;
    k->bit = it->bit;
}

/* The compact copies (hk) of request h from hc, when its copies are all 4 bytes and their
 * buffers lie within 4 GiB of each other. */
static void compact(s7__pentry *e, s7__hreq *h)
{
    h->kbase = NULL;
    if (h->c1 == h->c0)
        return;
    uint8_t *lo = e->hc[h->c0].ptr, *hi = lo;
    for (uint32_t i = h->c0; i < h->c1; i++) {
        if (e->hc[i].len != 4)
            return;
        if (e->hc[i].ptr < lo)
            lo = e->hc[i].ptr;
        if (e->hc[i].ptr > hi)
            hi = e->hc[i].ptr;
    }
    if ((uintptr_t)(hi - lo) > UINT32_MAX)
        return;
    h->narrow = (uintptr_t)(hi - lo) <= UINT16_MAX;
    for (uint32_t i = h->c0; i < h->c1; i++) {
        if (e->hc[i].off > UINT16_MAX)
            h->narrow = 0;
        e->hk[i].p = (uint32_t)(e->hc[i].ptr - lo);
        e->hk[i].off = e->hc[i].off;
    }
    for (uint32_t i = h->c0; h->narrow && i < h->c1; i++) {
        e->hk16[i].p = (uint16_t)e->hk[i].p;
        e->hk16[i].off = (uint16_t)e->hk[i].off;
    }
    h->kbase = lo;
    h->whead = 0;
    if (e->kind == S7__JOB_WRITE && e->tmpl && h->c1 - h->c0 == h->n) {
        const uint8_t *t = e->tmpl + h->toff;
        uint32_t first = e->hk[h->c0].off;
        int same = first >= 16 && first - 4 + 8 * h->n == h->tlen; /* header, fn, count */
        uint32_t head;
        memcpy(&head, t + (same ? first - 4 : 0), 4);
        for (uint32_t i = h->c0; same && i < h->c1; i++)
            same = e->hk[i].off == first + 8 * (i - h->c0) &&
                   memcmp(t + e->hk[i].off - 4, &head, 4) == 0;
        if (same) {
            h->whead = first - 4;
            h->wdata = head;
        }
    }
}

/* Where each copy goes in (comes from) its item's buffer, for the items as they are now. */
static void resolve(s7__pentry *e, const s7_item *items)
{
    if (!e->hot)
        return;
    for (uint32_t i = 0; i < e->hr[e->plan.nreqs - 1].c1; i++)
        e->hc[i].ptr = (uint8_t *)items[e->cp[i].item].buf + e->cp[i].buf_off;
    for (uint32_t r = 0; r < e->plan.nreqs; r++)
        compact(e, &e->hr[r]);
}

/* Do the items ask for what e was planned for?  Marks them as the planner marks valid
 * items on the way (on a mismatch they are planned again, which marks them anew); an item
 * already marked so is not written (its cache line stays clean). */
static int same_items(s7__pentry *e, s7_item *items)
{
    int moved = 0;
    for (size_t i = 0; i < e->n; i++) {
        s7_item *it = &items[i];
        s7__pkey *k = &e->keys[i];
        if (k->start != it->start || k->count != it->count || k->db != it->db ||
            k->area != it->area || k->ts != it->ts || k->bit != it->bit || !it->buf)
            return 0;
        if (k->buf != it->buf) {
            k->buf = it->buf;
            moved = 1;
        }
        if (it->status != 0 || it->rc != S7_RC_OK) {
            it->status = 0;
            it->rc = S7_RC_OK;
        }
    }
    if (moved)
        resolve(e, items);
    return 1;
}

static void entry_clear(s7__pentry *e)
{
    s7_plan_free(&e->plan);
    free(e->keys);
    s7__hot_free(e->tmpl, e->tmpl_size);
    free(e->toff);
    free(e->tlen);
    free(e->doff);
    free(e->cp);
    s7__hot_free(e->hot, e->hot_size);
    memset(e, 0, sizeof *e);
}

void s7__pcache_free(s7_client *c)
{
    for (size_t i = 0; i < c->npc; i++) {
        entry_clear(c->pc[i]);
        s7__hot_free(c->pc[i], sizeof *c->pc[i]);
    }
    free(c->pc);
    c->pc = NULL;
    c->npc = 0;
    free(c->fixed);
    c->fixed = NULL;
    c->nfixed = 0;
}

/* Small copies inline (4-byte tags are the usual case), others through memcpy. */
static inline void copy_bytes(uint8_t *d, const uint8_t *s, uint32_t n)
{
    if (n == 4) { /* the usual tag first: one compare */
        memcpy(d, s, 4);
        return;
    }
    switch (n) {
    case 1: *d = *s; return;
    case 2: memcpy(d, s, 2); return;
    case 8: memcpy(d, s, 8); return;
    default: memcpy(d, s, n); return;
    }
}

/* Every one of the n return codes rcs is S7_RC_OK (0xFF), eight at a time. */
static int all_ok(const uint8_t *rcs, unsigned n)
{
    unsigned i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, rcs + i, 8);
        if (w != UINT64_MAX)
            return 0;
    }
    for (; i < n; i++)
        if (rcs[i] != S7_RC_OK)
            return 0;
    return 1;
}

/* The flat lists of copies of a templated entry (in one block with the per-request facts
 * and the specs).   On a failure the entry
 * keeps none of them and takes the general paths. */
static void make_copies(s7__pentry *e, const s7_item *items)
{
    const s7_plan *p = &e->plan;
    int write = e->kind == S7__JOB_WRITE;
    size_t total = 0;
    if (!p->nreqs)
        return;
    for (uint32_t r = 0; r < p->nreqs; r++)
        total += write ? p->reqs[r].n : s7__plan_read_copies(p, items, r, NULL, 0);
    size_t nspecs = write ? 0 : p->nchunks;
    e->cp = malloc((total ? total : 1) * sizeof *e->cp);
    /* the hot block: what a cycle reads first (requests, compact copies, shapes), then hc
     * and the specs (used while no shape is known, or for copies of mixed sizes) */
    size_t n16 = (total + 1) / 2 * 2; /* what follows hk16 stays 8-byte aligned */
    e->hot_size = p->nreqs * sizeof *e->hr + n16 * sizeof *e->hk16 + total * sizeof *e->hk +
                  nspecs * sizeof *e->hsh + total * sizeof *e->hc + nspecs * sizeof *e->hs;
    e->hot = s7__hot_zalloc(e->hot_size);
    if (!e->cp || !e->hot)
        goto none;
    e->hr = (s7__hreq *)e->hot;
    e->hk16 = (s7__hk16 *)(e->hr + p->nreqs);
    e->hk = (s7__hk *)(e->hk16 + n16);
    e->hsh = (s7__hshape *)(e->hk + total);
    e->hc = (s7__hcopy *)(e->hsh + nspecs);
    e->hs = (s7_var_spec *)(e->hc + total);
    size_t at = 0;
    for (uint32_t r = 0; r < p->nreqs; r++) {
        const s7_plan_req *q = &p->reqs[r];
        s7__hreq *h = &e->hr[r];
        h->toff = (uint32_t)e->toff[r];
        h->tlen = (uint32_t)e->tlen[r];
        h->n = q->n;
        h->s0 = q->first;
        h->dlen = 0;
        h->c0 = (uint32_t)at;
        if (!write) {
            for (uint32_t k = 0; k < q->n; k++)
                e->hs[q->first + k] = p->chunks[p->order[q->first + k]].spec;
            at += s7__plan_read_copies(p, items, r, e->cp + at, total - at);
        } else {
            for (uint32_t k = 0; k < q->n; k++, at++) {
                const s7_plan_chunk *ch = &p->chunks[p->order[q->first + k]];
                s7__plan_copy *c = &e->cp[at];
                memset(c, 0, sizeof *c);
                c->k = k;
                c->item = p->members[p->ranges[ch->range].first];
                c->chunk_off = e->doff[q->first + k];
                c->buf_off = ch->offset;
                c->len = ch->nbytes;
            }
        }
        h->c1 = (uint32_t)at;
    }
    for (size_t i = 0; i < at; i++) {
        const s7__plan_copy *c = &e->cp[i];
        if (c->len > UINT16_MAX || c->k > UINT8_MAX)
            goto none;
        e->hc[i].off = c->chunk_off;
        e->hc[i].len = (uint16_t)c->len;
        e->hc[i].k = (uint8_t)c->k;
        e->hc[i].bit = c->bit;
    }
    resolve(e, items);
    return;
none:
    free(e->cp);
    s7__hot_free(e->hot, e->hot_size);
    e->cp = NULL;
    e->hot = NULL;
    e->hc = NULL;
    e->hk = NULL;
    e->hk16 = NULL;
    e->hr = NULL;
    e->hsh = NULL;
    e->hs = NULL;
}

/* Encode every request once (the data of a write is whatever the items hold now: it is
 * replaced at each use) and find where each write payload sits.  On any failure the entry
 * keeps no template and its requests are encoded each time. */
static void make_template(s7__pentry *e, const s7_item *items)
{
    const s7_plan *p = &e->plan;
    int write = e->kind == S7__JOB_WRITE;
    size_t total = (size_t)p->nreqs * e->pdu;
    e->tmpl_size = total ? total : 1;
    e->tmpl = s7__hot_zalloc(e->tmpl_size);
    e->toff = malloc((p->nreqs ? p->nreqs : 1) * sizeof *e->toff);
    e->tlen = malloc((p->nreqs ? p->nreqs : 1) * sizeof *e->tlen);
    e->doff = write ? malloc((p->nchunks ? p->nchunks : 1) * sizeof *e->doff) : NULL;
    if (!e->tmpl || !e->toff || !e->tlen || (write && !e->doff))
        goto none;
    size_t at = 0;
    for (uint32_t r = 0; r < p->nreqs; r++) {
        int len = s7_plan_encode(p, items, r, write, e->tmpl + at, e->pdu);
        if (len < 0)
            goto none;
        e->toff[r] = at;
        e->tlen[r] = (size_t)len;
        if (write) {
            /* the data items as the wire layer reads them back: their payload pointers */
            s7_pdu pdu;
            s7_data_item di[S7_ITEMS_MAX];
            const s7_plan_req *q = &p->reqs[r];
            if (s7_pdu_decode(e->tmpl + at, (size_t)len, &pdu) < 0 || q->n > S7_ITEMS_MAX ||
                s7_data_items_decode(pdu.data, pdu.data_len, 1, di, q->n) < 0)
                goto none;
            for (uint32_t k = 0; k < q->n; k++) {
                const s7_plan_chunk *ch = &p->chunks[p->order[q->first + k]];
                if (di[k].nbytes != ch->nbytes || (ch->nbytes && !di[k].data))
                    goto none;
                e->doff[q->first + k] = (uint32_t)(di[k].data - (e->tmpl + at));
            }
        }
        at += (size_t)len;
    }
    make_copies(e, items);
    return;
none:
    s7__hot_free(e->tmpl, e->tmpl_size);
    free(e->toff);
    free(e->tlen);
    free(e->doff);
    e->tmpl = NULL;
    e->toff = e->tlen = NULL;
    e->doff = NULL;
}

static int is_fixed(const s7_client *c, const s7_item *items)
{
    for (size_t i = 0; i < c->nfixed; i++)
        if (c->fixed[i] == items)
            return 1;
    return 0;
}

int s7__client_items_fixed(s7_client *c, const s7_item *items)
{
    if (is_fixed(c, items))
        return 0;
    const s7_item **f = realloc(c->fixed, (c->nfixed + 1) * sizeof *f);
    if (!f)
        return S7_ERR_NOMEM;
    c->fixed = f;
    c->fixed[c->nfixed++] = items;
    return 0;
}

/* The entry for (items, n, kind): a hit, a slot to fill, or NULL (every slot busy). */
static s7__pentry *slot_for(s7_client *c, s7_item *items, size_t n, int kind, int *hit, int merge)
{
    s7__pentry *free_slot = NULL, *oldest = NULL;
    *hit = 0;
    for (size_t i = 0; i < c->npc; i++) {
        s7__pentry *e = c->pc[i];
        if (e->items == items && e->n == n && e->kind == kind) {
            if (e->pdu == s7_conn_pdu(c->conn) && e->merge == merge && e->cap == c->item_cap &&
                ((e->clean && is_fixed(c, items)) || same_items(e, items))) {
                *hit = 1;
                return e;
            }
            return e->users ? NULL : e; /* changed items: planned again in the same slot */
        }
        if (!e->plan.nreqs && !e->users && !free_slot)
            free_slot = e;
        if (!e->users && (!oldest || e->stamp < oldest->stamp))
            oldest = e;
    }
    if (free_slot)
        return free_slot;
    if (c->npc < S7__PCACHE_MAX) {
        s7__pentry **pc = realloc(c->pc, (c->npc + 1) * sizeof *pc);
        if (!pc)
            return NULL;
        c->pc = pc;
        s7__pentry *e = s7__hot_zalloc(sizeof *e);
        if (!e)
            return NULL;
        c->pc[c->npc++] = e;
        return e;
    }
    return oldest;
}

S7_HOT int s7__plan_get(s7_client *c, s7__job *j, int merge)
{
    int hit;
    uint16_t pdu = s7_conn_pdu(c->conn);
    j->pe = NULL;
    s7__pentry *e = slot_for(c, j->items, j->n, j->kind, &hit, merge);
    if (!e || !hit) {
        int nreq = s7_plan_make(&j->plan, j->items, j->n, pdu, j->kind == S7__JOB_WRITE, merge,
                                c->item_cap);
        if (nreq <= 0 || !e)
            return nreq;
        for (size_t i = 0; i < j->n; i++)
            if (j->items[i].status != 0)
                return nreq; /* an invalid item: this plan is the job's alone */
        /* keep it: the entry takes the plan over */
        entry_clear(e);
        e->keys = malloc((j->n ? j->n : 1) * sizeof *e->keys);
        if (!e->keys)
            return nreq;
        for (size_t i = 0; i < j->n; i++)
            key_of(&j->items[i], &e->keys[i]);
        e->plan = j->plan;
        memset(&j->plan, 0, sizeof j->plan);
        e->items = j->items;
        e->n = j->n;
        e->kind = j->kind;
        e->pdu = pdu;
        e->merge = merge;
        e->cap = c->item_cap;
        make_template(e, j->items);
    }
    if (!e->users)
        e->span = 0;
    e->users++;
    e->span++;
    e->clean = 0; /* until a job on it ends answered fine (s7__plan_clean) */
    e->stamp = ++c->pc_clock;
    j->pe = e;
    return (int)e->plan.nreqs;
}

S7_HOT const s7_plan *s7__job_plan(const s7__job *j) { return j->pe ? &j->pe->plan : &j->plan; }

S7_HOT void s7__plan_clean(s7__job *j)
{
    /* only when no other job took the entry meanwhile: one that failed wrote the items */
    if (j->pe && j->pe->users == 1 && j->pe->span == 1)
        j->pe->clean = 1;
}

void s7__plan_dirty(s7_client *c, const s7_item *items)
{
    for (size_t i = 0; i < c->npc; i++)
        if (c->pc[i]->items == items)
            c->pc[i]->clean = 0;
}

S7_HOT void s7__plan_release(s7__job *j)
{
    if (j->pe) {
        j->pe->users--;
        j->pe = NULL;
    } else {
        s7_plan_free(&j->plan);
    }
}

/* The copies of request h whose copies are all 4 bytes (kbase): into the PDU being encoded
 * (pdu_out, a write) or out of a reply's data (pdu_in, a read) - one loop without tests
 * over the narrow or the wide records. */
static inline void copies4(const s7__pentry *e, const s7__hreq *h, uint8_t *pdu_out,
                           const uint8_t *pdu_in)
{
    uint8_t *base = h->kbase;
    if (h->narrow) {
        for (const s7__hk16 *k = e->hk16 + h->c0, *end = e->hk16 + h->c1; k < end; k++)
            if (pdu_out)
                memcpy(pdu_out + k->off, base + k->p, 4);
            else
                memcpy(base + k->p, pdu_in + k->off, 4);
    } else {
        for (const s7__hk *k = e->hk + h->c0, *end = e->hk + h->c1; k < end; k++)
            if (pdu_out)
                memcpy(pdu_out + k->off, base + k->p, 4);
            else
                memcpy(base + k->p, pdu_in + k->off, 4);
    }
}

S7_HOT int s7__plan_encode(const s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    const s7__pentry *e = j->pe;
    int write = j->kind == S7__JOB_WRITE;
    if (!e || !e->tmpl)
        return s7_plan_encode(s7__job_plan(j), j->items, sub, write, buf, cap);
    if (e->hot) {
        const s7__hreq *h = &e->hr[sub];
        if (h->tlen > cap)
            return S7_ERR_TOOBIG;
        if (write && h->kbase && h->whead) {
            /* tags of one type: the template up to the data, then per tag (the copies are in
             * the order of the data items, 8 bytes each: compact) the one header and the
             * value, in one pass */
            memcpy(buf, e->tmpl + h->toff, h->whead);
            uint8_t *d = buf + h->whead;
            const uint8_t *base = h->kbase;
            if (h->narrow) {
                for (const s7__hk16 *k = e->hk16 + h->c0, *end = e->hk16 + h->c1; k < end;
                     k++, d += 8) {
                    memcpy(d, &h->wdata, 4);
                    memcpy(d + 4, base + k->p, 4);
                }
            } else {
                for (const s7__hk *k = e->hk + h->c0, *end = e->hk + h->c1; k < end; k++, d += 8) {
                    memcpy(d, &h->wdata, 4);
                    memcpy(d + 4, base + k->p, 4);
                }
            }
            return (int)h->tlen;
        }
        memcpy(buf, e->tmpl + h->toff, h->tlen);
        if (write && h->kbase) { /* 4-byte tags, the usual case */
            copies4(e, h, buf, NULL);
        } else if (write) {
            /* in locals: the stores into buf would make the compiler load them again */
            for (const s7__hcopy *c = e->hc + h->c0, *end = e->hc + h->c1; c < end; c++)
                copy_bytes(buf + c->off, c->ptr, c->len);
        }
        return (int)h->tlen;
    }
    size_t len = e->tlen[sub];
    if (len > cap)
        return S7_ERR_TOOBIG;
    memcpy(buf, e->tmpl + e->toff[sub], len);
    if (write) {
        const s7_plan *p = &e->plan;
        const s7_plan_req *q = &p->reqs[sub];
        for (uint32_t k = 0; k < q->n; k++) {
            const s7_plan_chunk *ch = &p->chunks[p->order[q->first + k]];
            const s7_item *it = &j->items[p->members[p->ranges[ch->range].first]];
            memcpy(buf + e->doff[q->first + k], (const uint8_t *)it->buf + ch->offset, ch->nbytes);
        }
    }
    return (int)len;
}

static uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

/* The bytes of a read's reply at the places its shape says, into the items of request h. */
S7_HOT static void apply_copies(const s7__pentry *e, const s7__hreq *h, const uint8_t *data)
{
    if (h->kbase) { /* 4-byte tags, the usual case */
        copies4(e, h, NULL, data);
        return;
    }
    for (const s7__hcopy *c = e->hc + h->c0, *end = e->hc + h->c1; c < end; c++) {
        const uint8_t *d = data + c->off;
        if (c->len)
            copy_bytes(c->ptr, d, c->len);
        else
            c->ptr[0] = (uint8_t)((d[0] >> c->bit) & 1u);
    }
}

S7_HOT int s7__plan_apply(const s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    s7__pentry *e = j->pe;
    int write = j->kind == S7__JOB_WRITE;
    if (e && e->hot) {
        /* the usual reply: conforming, every item answered fine */
        s7__hreq *h = &e->hr[sub];
        unsigned k = 0;
        if (write) {
            uint8_t rcs[S7_ITEMS_MAX];
            if (s7_write_resp_check(pdu, NULL, h->n, rcs, NULL, 0) >= 0 && all_ok(rcs, h->n))
                return 0;
        } else if (h->dlen) {
            /* the shape known: the same headers at the same places */
            const s7__hshape *sh = e->hsh + h->s0;
            if (pdu->rosctr == S7_ACK_DATA && !pdu->err_class && !pdu->err_code &&
                pdu->param_len == 2 && pdu->param[0] == S7_FN_READ && pdu->param[1] == h->n &&
                pdu->data_len == h->dlen) {
                const uint8_t *data = pdu->data;
                while (k < h->n && load32(data + sh[k].off) == sh[k].hdr)
                    k++;
                if (k == h->n) {
                    apply_copies(e, h, data);
                    return 0;
                }
            }
        } else {
            s7_data_item di[S7_ITEMS_MAX];
            if (s7_read_resp_check(pdu, e->hs + h->s0, h->n, di, NULL, 0) >= 0)
                while (k < h->n && di[k].rc == S7_RC_OK)
                    k++;
            if (k == h->n) {
                /* the first reply that answers every item fine: its shape is learnt and the
                 * copies take absolute offsets in the data from now on */
                s7__hshape *sh = e->hsh + h->s0;
                for (k = 0; k < h->n; k++) {
                    sh[k].off = (uint32_t)(di[k].data - pdu->data) - S7_DATA_ITEM_HDR;
                    sh[k].hdr = load32(pdu->data + sh[k].off);
                }
                for (s7__hcopy *c = e->hc + h->c0, *end = e->hc + h->c1; c < end; c++)
                    c->off += sh[c->k].off + S7_DATA_ITEM_HDR;
                compact(e, h);
                h->dlen = pdu->data_len;
                apply_copies(e, h, pdu->data);
                return 0;
            }
        }
    }
    /* anything else: judged item by item */
    return s7_plan_apply(s7__job_plan(j), j->items, sub, write, pdu);
}
