/* Client block functions: list blocks, list blocks of a type (with continuation), block
 * info, upload (start, parts, end) and a DB's size from its block info.  Each is a raw job
 * of the engine (jobs.c) like the SZL read. */
#include <string.h>

#include "client/internal.h"

/* A group 3 Userdata answer with a payload; errors remembered. */
static int ud_answer(s7_client *c, const s7_pdu *pdu, s7_ud *u, const char *what)
{
    int rc = s7__ud_answer(c, pdu, u, S7_UD_GRP_BLOCK);
    if (rc == S7_ERR_PARAM)
        s7__set_problem(c, "%s: the answer is not a well-formed Userdata answer of group 3", what);
    return rc < 0 ? rc : s7__ud_item(c, u);
}

/* ---------------------------------------------------------------- list */
typedef struct list_ctx {
    s7_block_count *out;
    size_t max;
} list_ctx;

static int list_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)c;
    (void)j;
    (void)sub;
    return s7_block_list_req_encode(buf, cap, 0);
}

static int list_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    list_ctx *x = j->ctx;
    s7_ud u;
    int rc = ud_answer(c, pdu, &u, "list blocks");
    if (rc < 0)
        return rc;
    if (u.plen % 4) {
        s7__set_problem(c, "list blocks: %u bytes, not whole 4-byte entries (0, type, count)",
                        u.plen);
        return S7_ERR_PARAM;
    }
    size_t n = 0;
    for (size_t i = 0; i + 4 <= u.plen && n < x->max; i += 4, n++) {
        x->out[n].type = u.payload[i + 1];
        x->out[n].count = (uint16_t)(u.payload[i + 2] << 8 | u.payload[i + 3]);
    }
    j->result = (int)n;
    return 0;
}

int s7_client_list_blocks(s7_client *c, s7_block_count *out, size_t max)
{
    if (!c || (!out && max))
        return S7_ERR_INVAL;
    list_ctx x = {out, max};
    return s7__run_raw(c, list_enc, list_rep, &x);
}

/* ---------------------------------------------------------------- list of a type */
typedef struct type_ctx {
    uint8_t type, seq;
    uint16_t *numbers;
    size_t max, n;
} type_ctx;

static int type_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)c;
    type_ctx *x = j->ctx;
    if (sub == 0)
        return s7_block_list_type_req_encode(buf, cap, 0, x->type);
    return s7_ud_next_req_encode(buf, cap, 0, S7_UD_GRP_BLOCK, 2, x->seq);
}

static int type_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    type_ctx *x = j->ctx;
    s7_ud u;
    int rc = ud_answer(c, pdu, &u, "list blocks of a type");
    if (rc == S7_ERR_PLC && sub == 0 && c->last_error.kind == S7_EX_ITEM) {
        j->result = 0; /* no data item: no block of that type */
        return 0;
    }
    if (rc < 0)
        return rc;
    if (u.plen % 4) {
        s7__set_problem(c,
                        "list blocks of type %s: part %u carries %u bytes, not whole 4-byte "
                        "entries (number, flags, language)",
                        s7_block_type_name(x->type), (unsigned)sub + 1, u.plen);
        return S7_ERR_PARAM;
    }
    for (size_t i = 0; i + 4 <= u.plen; i += 4, x->n++)
        if (x->n < x->max)
            x->numbers[x->n] = (uint16_t)(u.payload[i] << 8 | u.payload[i + 1]);
    if (u.last) {
        if (sub >= 1000)
            return S7_ERR_PROTO; /* a peer that never ends the list */
        x->seq = u.seq;
        j->nsubs++;
        return 0;
    }
    j->result = x->n > x->max ? S7_ERR_NOSPACE : (int)x->n;
    return 0;
}

int s7_client_list_blocks_of_type(s7_client *c, uint8_t type, uint16_t *numbers, size_t max)
{
    if (!c || (!numbers && max) || !strcmp(s7_block_type_name(type), "?"))
        return S7_ERR_INVAL;
    type_ctx x;
    memset(&x, 0, sizeof x);
    x.type = type;
    x.numbers = numbers;
    x.max = max;
    return s7__run_raw(c, type_enc, type_rep, &x);
}

/* ---------------------------------------------------------------- info */
typedef struct info_ctx {
    s7_block_id id;
    s7_block_info *out;
} info_ctx;

static int info_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)c;
    (void)sub;
    info_ctx *x = j->ctx;
    return s7_block_info_req_encode(buf, cap, 0, &x->id);
}

static int info_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    info_ctx *x = j->ctx;
    s7_ud u;
    int rc = ud_answer(c, pdu, &u, "block info");
    if (rc < 0)
        return rc;
    if (s7_block_info_decode(u.payload, u.plen, x->out) < 0) {
        s7__set_problem(c,
                        "block info of %s%u: %u bytes that are not a block info (78 bytes, "
                        "'pp' at bytes 6-7, a known sub-block type at byte 11)",
                        s7_block_type_name(x->id.type), x->id.number, u.plen);
        return S7_ERR_PARAM;
    }
    j->result = 0;
    return 0;
}

int s7_client_block_info(s7_client *c, uint8_t type, uint16_t number, s7_block_info *out)
{
    if (!c || !out || !strcmp(s7_block_type_name(type), "?"))
        return S7_ERR_INVAL;
    info_ctx x = {{type, number, 'A'}, out};
    return s7__run_raw(c, info_enc, info_rep, &x);
}

int s7_client_db_size(s7_client *c, uint16_t db, uint32_t *size)
{
    s7_block_info bi;
    int rc = s7_client_block_info(c, S7_BLOCK_DB, db, &bi);
    if (rc < 0)
        return rc;
    *size = bi.mc7_len;
    return 0;
}

/* ---------------------------------------------------------------- upload */
typedef struct up_ctx {
    s7_block_id id;
    uint8_t *buf;
    size_t cap, len;
    uint32_t upload_id, block_len;
    int overflow, ended;
} up_ctx;

static int up_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)c;
    up_ctx *x = j->ctx;
    s7_block_job bj;
    memset(&bj, 0, sizeof bj);
    bj.id = x->id;
    bj.upload_id = x->upload_id;
    bj.fn = sub == 0 ? S7_FN_UPLOAD_START : x->ended ? S7_FN_UPLOAD_END : S7_FN_UPLOAD;
    return s7_block_job_encode(buf, cap, 0, &bj);
}

static int up_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    up_ctx *x = j->ctx;
    s7_block_ack a;
    int rc = s7__header_error(c, pdu);
    if (rc < 0)
        return rc;
    rc = s7_block_ack_decode(pdu, &a);
    uint8_t want = sub == 0 ? S7_FN_UPLOAD_START : x->ended ? S7_FN_UPLOAD_END : S7_FN_UPLOAD;
    if (rc < 0 || a.fn != want) {
        s7__set_problem(c,
                        "upload of %s%u: the answer to function 0x%02X is not well formed "
                        "(parameter %u bytes, data %u bytes)",
                        s7_block_type_name(x->id.type), x->id.number, want, pdu->param_len,
                        pdu->data_len);
        return S7_ERR_PARAM;
    }
    if (sub > 4096)
        return S7_ERR_PROTO;
    if (want == S7_FN_UPLOAD_START) {
        x->upload_id = a.upload_id;
        x->block_len = a.block_len;
        j->nsubs++;
        return 0;
    }
    if (want == S7_FN_UPLOAD_END) {
        if (x->overflow)
            j->result = S7_ERR_NOSPACE;
        else if (x->len != x->block_len) {
            s7__set_problem(c, "upload of %s%u: %zu bytes received, the start announced %u",
                            s7_block_type_name(x->id.type), x->id.number, x->len, x->block_len);
            j->result = S7_ERR_PARAM;
        } else {
            j->result = (int)x->len;
        }
        return 0;
    }
    if (x->len + a.dlen > x->cap)
        x->overflow = 1;
    else
        memcpy(x->buf + x->len, a.data, a.dlen);
    x->len += a.dlen;
    if (!a.status || x->overflow)
        x->ended = 1; /* the last part (or no room): end the upload */
    j->nsubs++;
    return 0;
}

int s7_client_upload(s7_client *c, uint8_t type, uint16_t number, uint8_t *buf, size_t cap)
{
    if (!c || (!buf && cap) || !strcmp(s7_block_type_name(type), "?"))
        return S7_ERR_INVAL;
    up_ctx x;
    memset(&x, 0, sizeof x);
    x.id.type = type;
    x.id.number = number;
    x.id.fs = 'A';
    x.buf = buf;
    x.cap = cap;
    return s7__run_raw(c, up_enc, up_rep, &x);
}
