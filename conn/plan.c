/* The request planner: any number of items into the fewest Read/Write Var PDUs that fit
 * both the request and the reply budget of the negotiated PDU.  Reads of one area that
 * lie close together are merged into one range; ranges larger than a PDU are split into
 * chunks; chunks are packed first-fit decreasing. */
#include <stdlib.h>
#include <string.h>

#include "conn/plan_int.h"
#include "s7/conn.h"

#define S7__RESP_HDR 14u /* 12-byte Ack_Data header + 04/05 n */
#define S7__REQ_HDR 12u  /* 10-byte Job header + 04/05 n */

/* Byte-class of an item: what it can be merged with. */
static uint8_t item_kind(const s7_item *it)
{
    uint8_t ts = it->ts ? it->ts : S7_TS_BYTE;
    if (it->area == S7_AREA_T)
        return S7_TS_TIMER;
    if (it->area == S7_AREA_C)
        return S7_TS_COUNTER;
    return ts == S7_TS_BIT ? S7_TS_BIT : S7_TS_BYTE;
}

/* Bytes an item transfers (0 when it cannot be planned). */
static uint32_t item_bytes(const s7_item *it)
{
    uint8_t ts = it->ts ? it->ts : S7_TS_BYTE;
    uint8_t kind = item_kind(it);
    if (kind == S7_TS_TIMER || kind == S7_TS_COUNTER) {
        if (ts != kind && ts != S7_TS_BYTE && ts != S7_TS_WORD)
            return 0;
        return it->count <= 65536u ? it->count * 2u : 0u; /* no wrap past 2^32 */
    }
    if (ts == S7_TS_TIMER || ts == S7_TS_COUNTER)
        return 0;
    if (ts == S7_TS_BIT)
        return it->count == 1 ? 1u : 0u;
    uint64_t nb = (uint64_t)it->count * s7_ts_elem_size(ts);
    return nb <= 65536u ? (uint32_t)nb : 0u; /* past any area: cannot be planned */
}

/* Start of an item in the unit its range counts in: bytes, or bytes = 2 * element for
 * T/C so that all offsets in a plan are bytes. */
static uint32_t item_pos(const s7_item *it)
{
    uint8_t kind = item_kind(it);
    return kind == S7_TS_TIMER || kind == S7_TS_COUNTER ? it->start * 2u : it->start;
}

static int valid_area(uint8_t a)
{
    switch (a) {
    case S7_AREA_P:
    case S7_AREA_I:
    case S7_AREA_Q:
    case S7_AREA_M:
    case S7_AREA_DB:
    case S7_AREA_DI:
    case S7_AREA_L:
    case S7_AREA_V:
    case S7_AREA_T:
    case S7_AREA_C:
    case S7_AREA_SI200:
    case S7_AREA_SM200:
    case S7_AREA_AI200:
    case S7_AREA_AQ200:
    case S7_AREA_IEC_C200:
    case S7_AREA_IEC_T200: return 1;
    default: return 0;
    }
}

/* Sort keys (qsort has no context argument in C11, and the library keeps no globals). */
typedef struct item_key {
    uint8_t area;
    uint8_t kind; /* BIT sorts with BYTE */
    uint16_t db;
    uint32_t pos;
    uint32_t idx;
} item_key;

static int cmp_item_keys(const void *a, const void *b)
{
    const item_key *x = a, *y = b;
    if (x->area != y->area)
        return x->area < y->area ? -1 : 1;
    if (x->db != y->db)
        return x->db < y->db ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->pos != y->pos)
        return x->pos < y->pos ? -1 : 1;
    return x->idx < y->idx ? -1 : 1;
}

typedef struct chunk_key {
    uint32_t nbytes;
    uint32_t idx;
} chunk_key;

static int cmp_chunk_keys(const void *a, const void *b)
{
    const chunk_key *x = a, *y = b;
    if (x->nbytes != y->nbytes)
        return x->nbytes > y->nbytes ? -1 : 1;
    return x->idx < y->idx ? -1 : 1;
}

void s7_plan_free(s7_plan *p)
{
    if (!p)
        return;
    free(p->ranges);
    free(p->members);
    free(p->chunks);
    free(p->order);
    free(p->reqs);
    memset(p, 0, sizeof *p);
}

/* Spec for a chunk of a range. */
static void chunk_spec(const s7_plan_range *r, uint32_t off, uint32_t nbytes, s7_var_spec *s)
{
    s->area = r->area;
    s->db = r->db;
    switch (r->kind) {
    case S7_TS_BIT:
        s->ts = S7_TS_BIT;
        s->count = 1;
        s->addr = r->start * 8u + r->bit;
        break;
    case S7_TS_TIMER:
    case S7_TS_COUNTER:
        s->ts = r->kind;
        s->count = (uint16_t)(nbytes / 2u);
        s->addr = r->start + off / 2u;
        break;
    default:
        s->ts = S7_TS_BYTE;
        s->count = (uint16_t)nbytes;
        s->addr = (r->start + off) * 8u;
        break;
    }
}

/* Cost of a chunk in the request and the reply, conservatively counting a fill byte for
 * every odd payload. */
static void chunk_cost(uint32_t nbytes, int write, uint32_t *req, uint32_t *resp)
{
    uint32_t fill = nbytes & 1u;
    if (write) {
        *req = S7_ITEM_SPEC_LEN + S7_DATA_ITEM_HDR + nbytes + fill;
        *resp = 1;
    } else {
        *req = S7_ITEM_SPEC_LEN;
        *resp = S7_DATA_ITEM_HDR + nbytes + fill;
    }
}

int s7_plan_make(s7_plan *p, s7_item *items, size_t n, uint16_t pdu, int write, int merge_gap,
                 unsigned max_items_cap)
{
    memset(p, 0, sizeof *p);
    if (pdu < 64)
        return S7_ERR_TOOBIG;
    uint32_t max_payload = write ? pdu - 28u : pdu - 18u;
    uint32_t max_items = write ? S7_ITEMS_MAX : (pdu - S7__REQ_HDR) / S7_ITEM_SPEC_LEN;
    if (max_items > S7_ITEMS_MAX)
        max_items = S7_ITEMS_MAX;
    if (max_items_cap && max_items > max_items_cap)
        max_items = max_items_cap;
    if (write)
        merge_gap = -1;

    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    p->ranges = malloc((n ? n : 1) * sizeof *p->ranges);
    p->members = malloc((n ? n : 1) * sizeof *p->members);
    if (!idx || !p->ranges || !p->members)
        goto nomem;

    uint32_t nvalid = 0;
    for (size_t i = 0; i < n; i++) {
        s7_item *it = &items[i];
        uint32_t nb = item_bytes(it);
        it->rc = S7_RC_OK;
        if (!valid_area(it->area) || it->count == 0 || nb == 0 || it->bit > 7 || !it->buf ||
            (uint64_t)it->start *
                        (item_kind(it) == S7_TS_BYTE || item_kind(it) == S7_TS_BIT ? 1u : 2u) +
                    nb >
                65536u * (item_kind(it) == S7_TS_BYTE || item_kind(it) == S7_TS_BIT ? 1u : 2u)) {
            it->status = S7_ERR_INVAL;
            continue;
        }
        it->status = 0;
        idx[nvalid++] = (uint32_t)i;
    }
    int sorted = 1; /* callers often pass items in address order: no sort needed then */
    for (uint32_t k = 1; k < nvalid && sorted; k++) {
        const s7_item *a = &items[idx[k - 1]], *b = &items[idx[k]];
        uint8_t ka = item_kind(a) == S7_TS_BIT ? S7_TS_BYTE : item_kind(a);
        uint8_t kb = item_kind(b) == S7_TS_BIT ? S7_TS_BYTE : item_kind(b);
        sorted = a->area < b->area ||
                 (a->area == b->area &&
                  (a->db < b->db ||
                   (a->db == b->db && (ka < kb || (ka == kb && item_pos(a) <= item_pos(b))))));
    }
    if (merge_gap >= 0 && nvalid > 1 && !sorted) {
        item_key *keys = malloc(nvalid * sizeof *keys);
        if (!keys)
            goto nomem;
        for (uint32_t k = 0; k < nvalid; k++) {
            const s7_item *it = &items[idx[k]];
            uint8_t kind = item_kind(it);
            keys[k].area = it->area;
            keys[k].kind = kind == S7_TS_BIT ? S7_TS_BYTE : kind;
            keys[k].db = it->db;
            keys[k].pos = item_pos(it);
            keys[k].idx = idx[k];
        }
        qsort(keys, nvalid, sizeof *keys, cmp_item_keys);
        for (uint32_t k = 0; k < nvalid; k++)
            idx[k] = keys[k].idx;
        free(keys);
    }

    /* ranges */
    uint32_t nr = 0;
    for (uint32_t k = 0; k < nvalid; k++) {
        const s7_item *it = &items[idx[k]];
        uint8_t kind = item_kind(it);
        uint32_t pos = item_pos(it), nb = item_bytes(it);
        if (nr && merge_gap >= 0) {
            s7_plan_range *r = &p->ranges[nr - 1];
            uint8_t rk = r->kind == S7_TS_BIT ? S7_TS_BYTE : r->kind;
            uint8_t ik = kind == S7_TS_BIT ? S7_TS_BYTE : kind;
            uint32_t rstart = rk == S7_TS_BYTE ? r->start : r->start * 2u;
            uint32_t rend = rstart + r->nbytes;
            if (r->area == it->area && r->db == it->db && rk == ik &&
                pos <= rend + (uint32_t)merge_gap) {
                if (r->kind == S7_TS_BIT)
                    r->kind = S7_TS_BYTE; /* a bit that shares a range is read as its byte */
                if (pos + nb > rend)
                    r->nbytes = pos + nb - rstart;
                p->members[r->first + r->nmembers++] = idx[k];
                continue;
            }
        }
        s7_plan_range *r = &p->ranges[nr];
        r->area = it->area;
        r->db = it->db;
        r->kind = kind;
        r->start = it->start;
        r->bit = it->bit;
        r->nbytes = nb;
        r->first = k;
        r->nmembers = 1;
        p->members[k] = idx[k];
        nr++;
    }
    p->nranges = nr;

    /* chunks */
    uint32_t nc = 0, cap = nr ? nr : 1;
    for (uint32_t r = 0; r < nr; r++) {
        uint32_t step = p->ranges[r].kind == S7_TS_BYTE || p->ranges[r].kind == S7_TS_BIT
                            ? max_payload
                            : max_payload & ~1u;
        nc += (p->ranges[r].nbytes + step - 1) / step;
    }
    cap = nc ? nc : 1;
    p->chunks = malloc(cap * sizeof *p->chunks);
    p->order = malloc(cap * sizeof *p->order);
    p->reqs = malloc(cap * sizeof *p->reqs);
    uint32_t *open = malloc(cap * sizeof *open);
    if (!p->chunks || !p->order || !p->reqs || !open) {
        free(open);
        goto nomem;
    }
    nc = 0;
    for (uint32_t r = 0; r < nr; r++) {
        const s7_plan_range *rg = &p->ranges[r];
        uint32_t step =
            rg->kind == S7_TS_BYTE || rg->kind == S7_TS_BIT ? max_payload : max_payload & ~1u;
        for (uint32_t off = 0; off < rg->nbytes; off += step) {
            s7_plan_chunk *ch = &p->chunks[nc];
            ch->range = r;
            ch->offset = off;
            ch->nbytes = rg->nbytes - off < step ? rg->nbytes - off : step;
            chunk_spec(rg, off, ch->nbytes, &ch->spec);
            p->order[nc] = nc;
            nc++;
        }
    }
    p->nchunks = nc;

    /* first-fit decreasing into requests */
    int descending = 1; /* equal-sized chunks (the usual case) need no sort */
    for (uint32_t k = 1; k < nc && descending; k++)
        descending = p->chunks[k - 1].nbytes >= p->chunks[k].nbytes;
    if (nc > 1 && !descending) {
        chunk_key *ck = malloc(nc * sizeof *ck);
        if (!ck) {
            free(open);
            goto nomem;
        }
        for (uint32_t k = 0; k < nc; k++) {
            ck[k].nbytes = p->chunks[k].nbytes;
            ck[k].idx = k;
        }
        qsort(ck, nc, sizeof *ck, cmp_chunk_keys);
        for (uint32_t k = 0; k < nc; k++)
            p->order[k] = ck[k].idx;
        free(ck);
    }
    uint32_t nq = 0, nopen = 0;
    for (uint32_t k = 0; k < nc; k++) {
        s7_plan_chunk *ch = &p->chunks[p->order[k]];
        uint32_t creq, cresp;
        chunk_cost(ch->nbytes, write, &creq, &cresp);
        uint32_t placed = UINT32_MAX;
        for (uint32_t o = 0; o < nopen; o++) {
            s7_plan_req *q = &p->reqs[open[o]];
            if (q->n < max_items && q->req_bytes + creq <= pdu && q->resp_bytes + cresp <= pdu) {
                placed = open[o];
                break;
            }
        }
        if (placed == UINT32_MAX) {
            s7_plan_req *q = &p->reqs[nq];
            q->first = 0;
            q->n = 0;
            q->req_bytes = S7__REQ_HDR;
            q->resp_bytes = S7__RESP_HDR;
            /* a lone chunk never needs its fill byte */
            if (q->req_bytes + creq - (write ? (ch->nbytes & 1u) : 0) > pdu ||
                q->resp_bytes + cresp - (write ? 0 : (ch->nbytes & 1u)) > pdu) {
                free(open);
                s7_plan_free(p);
                free(idx);
                return S7_ERR_TOOBIG;
            }
            placed = nq++;
            open[nopen++] = placed;
        }
        s7_plan_req *q = &p->reqs[placed];
        q->n++;
        q->req_bytes += creq;
        q->resp_bytes += cresp;
        ch->req = placed;
        /* close requests that cannot take even the smallest chunk */
        for (uint32_t o = 0; o < nopen;) {
            s7_plan_req *oq = &p->reqs[open[o]];
            uint32_t mreq, mresp;
            chunk_cost(1, write, &mreq, &mresp);
            if (oq->n >= max_items || oq->req_bytes + mreq > pdu || oq->resp_bytes + mresp > pdu)
                open[o] = open[--nopen];
            else
                o++;
        }
    }
    free(open);
    p->nreqs = nq;

    /* group chunk indices by request, keeping address order inside a request */
    uint32_t *count = calloc(nq ? nq : 1, sizeof *count);
    if (!count)
        goto nomem;
    for (uint32_t k = 0; k < nc; k++)
        count[p->chunks[k].req]++;
    uint32_t acc = 0;
    for (uint32_t q = 0; q < nq; q++) {
        p->reqs[q].first = acc;
        acc += count[q];
        count[q] = 0;
    }
    for (uint32_t k = 0; k < nc; k++) {
        s7_plan_req *q = &p->reqs[p->chunks[k].req];
        p->order[q->first + count[p->chunks[k].req]++] = k;
    }
    free(count);
    free(idx);
    return (int)nq;

nomem:
    free(idx);
    s7_plan_free(p);
    return S7_ERR_NOMEM;
}

int s7_plan_encode(const s7_plan *p, const s7_item *items, uint32_t r, int write, uint8_t *buf,
                   size_t cap)
{
    s7_var_spec specs[S7_ITEMS_MAX];
    s7_data_item data[S7_ITEMS_MAX];
    const s7_plan_req *q = &p->reqs[r];
    for (uint32_t k = 0; k < q->n; k++) {
        const s7_plan_chunk *ch = &p->chunks[p->order[q->first + k]];
        specs[k] = ch->spec;
        if (write) {
            const s7_plan_range *rg = &p->ranges[ch->range];
            const s7_item *it = &items[p->members[rg->first]];
            memset(&data[k], 0, sizeof data[k]);
            data[k].data = (const uint8_t *)it->buf + ch->offset;
            data[k].nbytes = ch->nbytes;
        }
    }
    if (write)
        return s7_write_req_encode(buf, cap, 0, specs, data, q->n);
    return s7_read_req_encode(buf, cap, 0, specs, q->n);
}

/* Mark every item of chunk ch failed with status/rc. */
static void fail_chunk(const s7_plan *p, s7_item *items, const s7_plan_chunk *ch, int status,
                       uint8_t rc)
{
    const s7_plan_range *rg = &p->ranges[ch->range];
    uint32_t rpos =
        rg->kind == S7_TS_TIMER || rg->kind == S7_TS_COUNTER ? rg->start * 2u : rg->start;
    for (uint32_t m = 0; m < rg->nmembers; m++) {
        s7_item *it = &items[p->members[rg->first + m]];
        uint32_t off = item_pos(it) - rpos, nb = item_bytes(it);
        if (off < ch->offset + ch->nbytes && off + nb > ch->offset && it->status == 0) {
            it->status = status;
            it->rc = rc;
        }
    }
}

void s7__plan_fail_req(const s7_plan *p, s7_item *items, uint32_t r, int status)
{
    if (!p || r >= p->nreqs)
        return;
    const s7_plan_req *q = &p->reqs[r];
    for (uint32_t k = 0; k < q->n; k++)
        fail_chunk(p, items, &p->chunks[p->order[q->first + k]], status, 0);
}

/* Copy a chunk's payload into the items of its range. */
static void copy_chunk(const s7_plan *p, s7_item *items, const s7_plan_chunk *ch,
                       const uint8_t *data)
{
    const s7_plan_range *rg = &p->ranges[ch->range];
    if (rg->nmembers == 1 && rg->kind != S7_TS_BYTE) {
        /* lone bit or T/C run: the payload is the item's */
        s7_item *it = &items[p->members[rg->first]];
        memcpy((uint8_t *)it->buf + ch->offset, data, ch->nbytes);
        return;
    }
    uint32_t rpos =
        rg->kind == S7_TS_TIMER || rg->kind == S7_TS_COUNTER ? rg->start * 2u : rg->start;
    uint32_t cs = ch->offset, ce = ch->offset + ch->nbytes;
    for (uint32_t m = 0; m < rg->nmembers; m++) {
        s7_item *it = &items[p->members[rg->first + m]];
        uint32_t is = item_pos(it) - rpos, ie = is + item_bytes(it);
        if (is >= ce || ie <= cs)
            continue;
        if (item_kind(it) == S7_TS_BIT) {
            ((uint8_t *)it->buf)[0] = (uint8_t)((data[is - cs] >> it->bit) & 1u);
            continue;
        }
        uint32_t s = is > cs ? is : cs, e = ie < ce ? ie : ce;
        memcpy((uint8_t *)it->buf + (s - is), data + (s - cs), e - s);
    }
}

size_t s7__plan_read_copies(const s7_plan *p, const s7_item *items, uint32_t r, s7__plan_copy *out,
                            size_t cap)
{
    const s7_plan_req *q = &p->reqs[r];
    size_t n = 0;
    for (uint32_t k = 0; k < q->n; k++) {
        const s7_plan_chunk *ch = &p->chunks[p->order[q->first + k]];
        const s7_plan_range *rg = &p->ranges[ch->range];
        /* as copy_chunk does it */
        if (rg->nmembers == 1 && rg->kind != S7_TS_BYTE) {
            if (n < cap)
                out[n] = (s7__plan_copy){k, p->members[rg->first], 0, ch->offset, ch->nbytes, 0};
            n++;
            continue;
        }
        uint32_t rpos =
            rg->kind == S7_TS_TIMER || rg->kind == S7_TS_COUNTER ? rg->start * 2u : rg->start;
        uint32_t cs = ch->offset, ce = ch->offset + ch->nbytes;
        for (uint32_t m = 0; m < rg->nmembers; m++) {
            uint32_t idx = p->members[rg->first + m];
            const s7_item *it = &items[idx];
            uint32_t is = item_pos(it) - rpos, ie = is + item_bytes(it);
            if (is >= ce || ie <= cs)
                continue;
            if (n < cap) {
                if (item_kind(it) == S7_TS_BIT) {
                    out[n] = (s7__plan_copy){k, idx, is - cs, 0, 0, it->bit};
                } else {
                    uint32_t s = is > cs ? is : cs, e = ie < ce ? ie : ce;
                    out[n] = (s7__plan_copy){k, idx, s - cs, s - is, e - s, 0};
                }
            }
            n++;
        }
    }
    return n;
}

/* Check the reply to request r against the specs sent (the first *answered of them: a peer
 * that answers fewer items than asked, as the Snap7 server beyond 20, is not refused for
 * that) and decode it into di / rcs.  Returns as s7_read_resp_check. */
static int check_reply(const s7_plan *p, uint32_t r, int write, const s7_pdu *pdu, s7_data_item *di,
                       uint8_t *rcs, unsigned *answered, char *why, size_t cap)
{
    const s7_plan_req *q = &p->reqs[r];
    s7_var_spec specs[S7_ITEMS_MAX];
    *answered = q->n;
    if (pdu->rosctr == S7_ACK_DATA && !pdu->err_class && !pdu->err_code && pdu->param_len >= 2 &&
        pdu->param[1] > 0 && pdu->param[1] < q->n)
        *answered = pdu->param[1];
    if (write) /* a write reply holds one code per item, whatever was asked */
        return s7_write_resp_check(pdu, NULL, *answered, rcs, why, cap);
    for (uint32_t k = 0; k < *answered; k++)
        specs[k] = p->chunks[p->order[q->first + k]].spec;
    return s7_read_resp_check(pdu, specs, *answered, di, why, cap);
}

int s7_plan_reply_why(const s7_plan *p, uint32_t r, int write, const s7_pdu *pdu, char *why,
                      size_t cap)
{
    uint8_t rcs[S7_ITEMS_MAX];
    s7_data_item di[S7_ITEMS_MAX];
    unsigned answered;
    if (why && cap)
        why[0] = 0;
    if (!p || r >= p->nreqs || !pdu)
        return S7_ERR_INVAL;
    int rc = check_reply(p, r, write, pdu, di, rcs, &answered, why, cap);
    return rc < 0 ? rc : 0;
}

int s7_plan_apply(const s7_plan *p, s7_item *items, uint32_t r, int write, const s7_pdu *pdu)
{
    const s7_plan_req *q = &p->reqs[r];
    int failed = 0;
    unsigned answered;
    uint8_t rcs[S7_ITEMS_MAX];
    s7_data_item di[S7_ITEMS_MAX];
    /* one decode path: the conformance check decodes; a reply that does not conform fails
     * every item of the request (no item is judged from a malformed reply) */
    int rc = check_reply(p, r, write, pdu, di, rcs, &answered, NULL, 0);
    for (uint32_t k = 0; k < q->n; k++) {
        const s7_plan_chunk *ch = &p->chunks[p->order[q->first + k]];
        if (rc < 0) {
            fail_chunk(p, items, ch, rc == S7_ERR_PLC ? S7_ERR_PLC : S7_ERR_PARAM, 0);
        } else if (k >= answered) {
            fail_chunk(p, items, ch, S7_ERR_AGAIN, 0);
        } else {
            uint8_t code = write ? rcs[k] : di[k].rc;
            if (code != S7_RC_OK) {
                fail_chunk(p, items, ch, S7_ERR_ITEM, code);
                failed = 1;
            } else if (!write) {
                copy_chunk(p, items, ch, di[k].data);
            }
        }
    }
    if (rc < 0)
        return rc == S7_ERR_PLC ? S7_ERR_PLC : S7_ERR_PARAM;
    if (answered < q->n)
        return S7_ERR_AGAIN;
    return failed ? S7_ERR_ITEM : 0;
}
