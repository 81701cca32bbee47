/* s7_client_download: a block image to an S7-300/400.  The request (0x1A) is a raw job;
 * then the CPU drives: it sends Jobs of its own (0x1B: the next part, 0x1C: the end), which
 * s7__on_job answers from the image while the call waits for the end (bounded by the
 * request timeout between two of them); then PI _INSE activates the block. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "client/internal.h"
#include "s7/net.h"

struct s7__dl {
    const uint8_t *img;
    size_t len, off;
    s7_block_id id;
    int state;       /* 0 running, 1 ended, < 0 failed */
    int64_t last_ms; /* the CPU's last Job */
};

/* The type of a block image's sub-block byte, 0 unless a PG can download it (SFC / SFB are
 * the CPU's own). */
static uint8_t download_type(uint8_t sub)
{
    uint8_t t = s7_block_type_of_sub(sub);
    return t == S7_BLOCK_SFC || t == S7_BLOCK_SFB ? 0 : t;
}

void s7__on_job(void *ctx, const s7_pdu *pdu)
{
    s7_client *c = ctx;
    struct s7__dl *d = c->dl;
    s7_block_job j;
    uint8_t out[1024];
    int n;
    if (!d || d->state || s7_block_job_decode(pdu, &j) < 0 ||
        (j.fn != S7_FN_DOWNLOAD && j.fn != S7_FN_DOWNLOAD_END) || j.id.type != d->id.type ||
        j.id.number != d->id.number) {
        /* a Job nobody asked for: refused as a PG does not serve it */
        s7__set_problem(c, "the CPU sent a Job (function 0x%02X) outside a download of its block",
                        pdu->param_len ? pdu->param[0] : 0);
        n = s7_ack_error_encode(out, sizeof out, pdu->ref, 0x81, 0x04);
        if (n > 0)
            s7_conn_answer(c->conn, out, (size_t)n);
        return;
    }
    d->last_ms = s7_now_ms();
    s7_block_ack a;
    memset(&a, 0, sizeof a);
    a.fn = j.fn;
    if (j.fn == S7_FN_DOWNLOAD) {
        size_t room = s7_client_pdu(c) - 18u;
        if (room > sizeof out - 32)
            room = sizeof out - 32;
        size_t k = d->len - d->off < room ? d->len - d->off : room;
        a.data = d->img + d->off;
        a.dlen = (uint16_t)k;
        a.status = d->off + k < d->len ? 1 : 0;
        d->off += k;
    } else {
        d->state = 1;
    }
    n = s7_block_ack_encode(out, sizeof out, pdu->ref, &a);
    if (n < 0 || s7_conn_answer(c->conn, out, (size_t)n) < 0)
        d->state = S7_ERR_NOMEM;
}

/* ---------------------------------------------------------------- the request, _INSE */
typedef struct req_ctx {
    const struct s7__dl *d;
    uint32_t mc7;
    int inse;
} req_ctx;

static int req_enc(s7_client *c, s7__job *j, uint32_t sub, uint8_t *buf, size_t cap)
{
    (void)c;
    (void)sub;
    req_ctx *x = j->ctx;
    s7_block_id id = x->d->id;
    id.fs = 'P';
    if (x->inse)
        return s7_pi_blocks_req_encode(buf, cap, 0, "_INSE", &id, 1);
    s7_block_job b;
    memset(&b, 0, sizeof b);
    b.fn = S7_FN_REQ_DOWNLOAD;
    b.id = id;
    b.load_len = (uint32_t)x->d->len;
    b.mc7_len = x->mc7;
    return s7_block_job_encode(buf, cap, 0, &b);
}

static int req_rep(s7_client *c, s7__job *j, uint32_t sub, const s7_pdu *pdu)
{
    (void)sub;
    req_ctx *x = j->ctx;
    if (s7__header_error(c, pdu) < 0)
        return S7_ERR_PLC;
    uint8_t fn, st;
    s7_block_ack a;
    if (x->inse ? s7_plc_ctrl_resp_decode(pdu, &fn, &st) < 0
                : s7_block_ack_decode(pdu, &a) < 0 || a.fn != S7_FN_REQ_DOWNLOAD) {
        s7__set_problem(c, "download: the answer to the %s is not well formed",
                        x->inse ? "PI service _INSE" : "download request");
        return S7_ERR_PARAM;
    }
    j->result = 0;
    return 0;
}

static int raw(s7_client *c, req_ctx *x) { return s7__run_raw(c, req_enc, req_rep, x); }

/* Serve the CPU's Jobs until it ends the download, fails, or goes quiet. */
static int wait_end(s7_client *c, struct s7__dl *d)
{
    d->last_ms = s7_now_ms();
    for (int turns = 0; turns < 1000000 && d->state == 0; turns++) {
        int rc = s7_client_step(c, 0);
        if (rc < 0 || c->fd < 0)
            return rc < 0 ? rc : S7_ERR_NOTCONN;
        int64_t left = d->last_ms + c->o.request_timeout_ms - s7_now_ms();
        if (left <= 0) {
            s7__set_problem(c, "download of %s%u: the CPU asked for no part for %d ms",
                            s7_block_type_name(d->id.type), d->id.number, c->o.request_timeout_ms);
            return S7_ERR_TIMEOUT;
        }
        struct pollfd pfd = {c->fd, s7_client_events(c), 0};
        int r = poll(&pfd, 1, (int)left);
        s7_client_step(c, r > 0 ? pfd.revents : 0);
    }
    return d->state < 0 ? d->state : 0;
}

int s7_client_download(s7_client *c, const uint8_t *image, size_t len, int number)
{
    if (!c || !image || len < 72 || len > 65536 || number > 65535 || image[0] != 0x70 ||
        image[1] != 0x70 || !download_type(image[5]))
        return S7_ERR_INVAL;
    uint32_t load =
        (uint32_t)image[8] << 24 | (uint32_t)image[9] << 16 | (uint32_t)image[10] << 8 | image[11];
    uint32_t mc7 = (uint32_t)(image[34] << 8 | image[35]);
    if (load != len || mc7 + 72 > len)
        return S7_ERR_INVAL;
    uint8_t *copy = malloc(len);
    if (!copy)
        return S7_ERR_NOMEM;
    memcpy(copy, image, len);
    if (number >= 0) { /* download as: the number in the header too */
        copy[6] = (uint8_t)(number >> 8);
        copy[7] = (uint8_t)number;
    }
    struct s7__dl d;
    memset(&d, 0, sizeof d);
    d.img = copy;
    d.len = len;
    d.id.type = download_type(copy[5]);
    d.id.number = (uint16_t)(copy[6] << 8 | copy[7]);
    d.id.fs = 'P';
    c->dl = &d;
    req_ctx x = {&d, mc7, 0};
    int rc = raw(c, &x);
    if (rc == 0)
        rc = wait_end(c, &d);
    c->dl = NULL;
    if (rc == 0) {
        x.inse = 1;
        rc = raw(c, &x);
    }
    free(copy);
    return rc;
}
