/* s7_client_read_dbread: DB byte ranges read with DBREAD items (syntax id 0xB0), packed as
 * many to a request as the PDU holds (request: 16 + 5 bytes per range, at most 50 ranges;
 * answer: 18 + 1 + length per range), one raw job of the engine, request by request. */
#include <string.h>

#include "client/internal.h"

#define MAX_RANGES 50 /* the address block's length byte: 2 + 5 * 50 = 252 */

typedef struct dbr_ctx {
    s7_item *items;
    size_t n;
    size_t *order; /* indices of the items that are sent */
    size_t nsend;
    size_t at;    /* the first item of the request in flight (index into order) */
    unsigned cnt; /* its ranges */
    int failed;
} dbr_ctx;

static int valid(const s7_item *it)
{
    return it->area == S7_AREA_DB && (it->ts == 0 || it->ts == S7_TS_BYTE) && it->bit == 0 &&
           it->count >= 1 && it->count <= 255 && it->start <= 0xFFFF && it->buf;
}

static int dbr_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)sub;
    dbr_ctx *x = j->ctx;
    size_t pdu = s7_client_pdu(c);
    size_t req = 16, ans = 18;
    s7_dbread_range r[MAX_RANGES];
    unsigned k = 0;
    while (x->at + k < x->nsend && k < MAX_RANGES) {
        const s7_item *it = &x->items[x->order[x->at + k]];
        if (k && (req + 5 > pdu || ans + 1 + it->count > pdu))
            break;
        r[k].len = (uint8_t)it->count;
        r[k].db = it->db;
        r[k].start = (uint16_t)it->start;
        req += 5;
        ans += 1 + it->count;
        k++;
    }
    x->cnt = k;
    return s7_dbread_req_encode(buf, cap, 0, r, k);
}

static int dbr_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    dbr_ctx *x = j->ctx;
    s7_dbread_range r[MAX_RANGES];
    uint8_t rcs[MAX_RANGES];
    const uint8_t *data[MAX_RANGES];
    for (unsigned k = 0; k < x->cnt; k++) {
        const s7_item *it = &x->items[x->order[x->at + k]];
        r[k].len = (uint8_t)it->count;
        r[k].db = it->db;
        r[k].start = (uint16_t)it->start;
    }
    int rc = s7_dbread_resp_decode(pdu, r, x->cnt, rcs, data);
    if (rc == S7_ERR_PLC) {
        s7__set_error(c, S7_EX_HEADER, (uint16_t)(pdu->err_class << 8 | pdu->err_code));
        for (unsigned k = 0; k < x->cnt; k++)
            x->items[x->order[x->at + k]].status = S7_ERR_PLC;
        return rc;
    }
    if (rc < 0) {
        s7__set_problem(c,
                        "DBREAD of %u ranges: the answer is not one item of transport size 0x09 "
                        "whose ranges (a return code each, then the bytes asked) fill it",
                        x->cnt);
        for (unsigned k = 0; k < x->cnt; k++)
            x->items[x->order[x->at + k]].status = S7_ERR_PARAM;
        return rc;
    }
    for (unsigned k = 0; k < x->cnt; k++) {
        s7_item *it = &x->items[x->order[x->at + k]];
        it->rc = rcs[k];
        if (rcs[k] == S7_RC_OK) {
            memcpy(it->buf, data[k], it->count);
            it->status = 0;
        } else {
            it->status = S7_ERR_ITEM;
            x->failed = 1;
            s7__set_error(c, S7_EX_ITEM, rcs[k]);
        }
    }
    x->at += x->cnt;
    if (x->at < x->nsend)
        j->nsubs++;
    j->result = x->failed ? S7_ERR_ITEM : 0;
    return 0;
}

int s7_client_read_dbread(s7_client *c, s7_item *items, size_t n)
{
    if (!c || (!items && n))
        return S7_ERR_INVAL;
    size_t order[4096];
    if (n > sizeof order / sizeof order[0])
        return S7_ERR_TOOBIG;
    dbr_ctx x;
    memset(&x, 0, sizeof x);
    x.items = items;
    x.n = n;
    x.order = order;
    for (size_t i = 0; i < n; i++) {
        items[i].rc = 0;
        if (valid(&items[i])) {
            items[i].status = S7_ERR_AGAIN;
            order[x.nsend++] = i;
        } else {
            items[i].status = S7_ERR_INVAL;
            x.failed = 1;
        }
    }
    if (!x.nsend)
        return n ? S7_ERR_ITEM : 0;
    int rc = s7__run_raw(c, dbr_enc, dbr_rep, &x);
    if (rc == 0 && x.failed)
        rc = S7_ERR_ITEM;
    if (rc < 0 && rc != S7_ERR_ITEM)
        for (size_t i = 0; i < n; i++)
            if (items[i].status == S7_ERR_AGAIN)
                items[i].status = rc;
    return rc;
}
