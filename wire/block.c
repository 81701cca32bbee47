/* Block services on the wire: block names ("0A00010B"), the upload (0x1D..0x1F) and
 * download (0x1A..0x1C) Jobs and their Ack_Data, the PI argument naming blocks (_INSE,
 * _DELE), the block function requests of Userdata group 3 and the 78-byte block info.
 * Layouts as the captures of a 315-2 and an IM151-8 show them
 * (tests/vectors/real/s7comm_downloading_block_db1.pcap, snap7_s300_everything.pcapng). */
#include <string.h>

#include "wire/wire_int.h"
#include "util/be.h"

static int known_type(uint8_t t)
{
    return t == S7_BLOCK_OB || t == S7_BLOCK_DB || t == S7_BLOCK_SDB || t == S7_BLOCK_FC ||
           t == S7_BLOCK_SFC || t == S7_BLOCK_FB || t == S7_BLOCK_SFB;
}

const char *s7_block_type_name(uint8_t type)
{
    switch (type) {
    case S7_BLOCK_OB: return "OB";
    case S7_BLOCK_DB: return "DB";
    case S7_BLOCK_SDB: return "SDB";
    case S7_BLOCK_FC: return "FC";
    case S7_BLOCK_SFC: return "SFC";
    case S7_BLOCK_FB: return "FB";
    case S7_BLOCK_SFB: return "SFB";
    default: return "?";
    }
}

int s7_block_id_encode(uint8_t out[8], const s7_block_id *id)
{
    if (!known_type(id->type))
        return S7_ERR_INVAL;
    out[0] = '0';
    out[1] = id->type;
    uint32_t n = id->number;
    for (int i = 6; i >= 2; i--) {
        out[i] = (uint8_t)('0' + n % 10);
        n /= 10;
    }
    out[7] = id->fs ? id->fs : 'A';
    return 8;
}

int s7_block_id_decode(const uint8_t *p, size_t len, s7_block_id *out)
{
    if (len < 8 || p[0] != '0' || !known_type(p[1]))
        return S7_ERR_PARAM;
    uint32_t n = 0;
    for (int i = 2; i < 7; i++) {
        if (p[i] < '0' || p[i] > '9')
            return S7_ERR_PARAM;
        n = n * 10 + (uint32_t)(p[i] - '0');
    }
    if (n > 0xFFFF)
        return S7_ERR_PARAM;
    out->type = p[1];
    out->number = (uint16_t)n;
    out->fs = p[7];
    return 8;
}

/* n as exactly `digits` decimal characters. */
static void wdec(s7__wcur *w, uint32_t n, int digits)
{
    uint8_t b[10];
    for (int i = digits - 1; i >= 0; i--) {
        b[i] = (uint8_t)('0' + n % 10);
        n /= 10;
    }
    s7__wbytes(w, b, (size_t)digits);
}

/* A decimal string of len characters; -1 when one is not a digit. */
static long rdec(const uint8_t *p, size_t len)
{
    long n = 0;
    if (!p || len == 0 || len > 9)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (p[i] < '0' || p[i] > '9')
            return -1;
        n = n * 10 + (p[i] - '0');
    }
    return n;
}

int s7_block_job_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_block_job *j)
{
    if (j->fn < S7_FN_REQ_DOWNLOAD || j->fn > S7_FN_UPLOAD_END)
        return S7_ERR_INVAL;
    int named = j->fn != S7_FN_UPLOAD && j->fn != S7_FN_UPLOAD_END;
    uint8_t name[8];
    if (named && s7_block_id_encode(name, &j->id) < 0)
        return S7_ERR_INVAL;
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_JOB, ref);
    s7__w8(&w, j->fn);
    s7__w8(&w, j->status);
    s7__w16(&w, j->fn == S7_FN_REQ_DOWNLOAD ? 0x0100 : 0);
    s7__w16(&w, (uint16_t)(j->upload_id >> 16));
    s7__w16(&w, (uint16_t)j->upload_id);
    if (named) {
        s7__w8(&w, 9);
        s7__w8(&w, '_');
        s7__wbytes(&w, name, 8);
    }
    if (j->fn == S7_FN_REQ_DOWNLOAD) {
        if (j->load_len > 999999 || j->mc7_len > 999999)
            return S7_ERR_INVAL;
        s7__w8(&w, 13);
        s7__w8(&w, '1');
        wdec(&w, j->load_len, 6);
        wdec(&w, j->mc7_len, 6);
    }
    return s7__pdu_finish(&w, S7_JOB, w.pos);
}

int s7_block_job_decode(const s7_pdu *pdu, s7_block_job *out)
{
    memset(out, 0, sizeof *out);
    if (pdu->rosctr != S7_JOB || !pdu->param || pdu->data_len != 0)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    out->fn = s7__r8(&c);
    if (out->fn < S7_FN_REQ_DOWNLOAD || out->fn > S7_FN_UPLOAD_END)
        return S7_ERR_PARAM;
    out->status = s7__r8(&c);
    (void)s7__r16(&c);
    out->upload_id = (uint32_t)s7__r16(&c) << 16;
    out->upload_id |= s7__r16(&c);
    if (out->fn != S7_FN_UPLOAD && out->fn != S7_FN_UPLOAD_END) {
        uint8_t nl = s7__r8(&c);
        const uint8_t *name = s7__rview(&c, nl);
        if (c.bad || nl != 9 || name[0] != '_' || s7_block_id_decode(name + 1, 8, &out->id) < 0)
            return S7_ERR_PARAM;
        out->has_name = 1;
    }
    if (out->fn == S7_FN_REQ_DOWNLOAD) {
        uint8_t ll = s7__r8(&c);
        const uint8_t *lens = s7__rview(&c, ll);
        long a, b;
        if (c.bad || ll != 13 || (a = rdec(lens + 1, 6)) < 0 || (b = rdec(lens + 7, 6)) < 0)
            return S7_ERR_PARAM;
        out->load_len = (uint32_t)a;
        out->mc7_len = (uint32_t)b;
    }
    if (c.bad || s7__rleft(&c) != 0)
        return S7_ERR_PARAM;
    return (int)pdu->param_len;
}

int s7_block_ack_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_block_ack *a)
{
    s7__wcur w = s7__wcur_make(buf, cap);
    s7__pdu_begin(&w, S7_ACK_DATA, ref);
    s7__w8(&w, a->fn);
    size_t data_off;
    switch (a->fn) {
    case S7_FN_UPLOAD_START: {
        char len[12];
        int n = 0;
        uint32_t v = a->block_len;
        do {
            len[n++] = (char)('0' + v % 10);
            v /= 10;
        } while (v && n < 11);
        while (n < 7)
            len[n++] = '0';
        s7__w8(&w, a->status);
        s7__w16(&w, 0x0100);
        s7__w16(&w, (uint16_t)(a->upload_id >> 16));
        s7__w16(&w, (uint16_t)a->upload_id);
        s7__w8(&w, (uint8_t)n);
        for (int i = n - 1; i >= 0; i--)
            s7__w8(&w, (uint8_t)len[i]);
        data_off = w.pos;
        break;
    }
    case S7_FN_DOWNLOAD:
    case S7_FN_UPLOAD:
        s7__w8(&w, a->status);
        data_off = w.pos;
        s7__w16(&w, a->dlen);
        s7__w16(&w, 0x00FB);
        s7__wbytes(&w, a->data, a->dlen);
        break;
    case S7_FN_REQ_DOWNLOAD:
    case S7_FN_DOWNLOAD_END:
    case S7_FN_UPLOAD_END: data_off = w.pos; break;
    default: return S7_ERR_INVAL;
    }
    return s7__pdu_finish(&w, S7_ACK_DATA, data_off);
}

int s7_block_ack_decode(const s7_pdu *pdu, s7_block_ack *out)
{
    memset(out, 0, sizeof *out);
    if ((pdu->rosctr == S7_ACK || pdu->rosctr == S7_ACK_DATA) && (pdu->err_class || pdu->err_code))
        return S7_ERR_PLC;
    if (pdu->rosctr != S7_ACK_DATA || !pdu->param || pdu->param_len < 1)
        return S7_ERR_PARAM;
    s7__rcur c = s7__rcur_make(pdu->param, pdu->param_len);
    out->fn = s7__r8(&c);
    switch (out->fn) {
    case S7_FN_UPLOAD_START: {
        out->status = s7__r8(&c);
        (void)s7__r16(&c);
        out->upload_id = (uint32_t)s7__r16(&c) << 16;
        out->upload_id |= s7__r16(&c);
        uint8_t n = s7__r8(&c);
        long v = rdec(s7__rview(&c, n), n);
        if (c.bad || v < 0 || pdu->data_len)
            return S7_ERR_PARAM;
        out->block_len = (uint32_t)v;
        break;
    }
    case S7_FN_DOWNLOAD:
    case S7_FN_UPLOAD: {
        out->status = s7__r8(&c);
        s7__rcur d = s7__rcur_make(pdu->data, pdu->data_len);
        out->dlen = s7__r16(&d);
        (void)s7__r16(&d);
        out->data = s7__rview(&d, out->dlen);
        if (c.bad || d.bad || s7__rleft(&d) != 0)
            return S7_ERR_PARAM;
        break;
    }
    case S7_FN_REQ_DOWNLOAD:
    case S7_FN_DOWNLOAD_END:
    case S7_FN_UPLOAD_END:
        if (pdu->data_len)
            return S7_ERR_PARAM;
        break;
    default: return S7_ERR_PARAM;
    }
    if (s7__rleft(&c) != 0)
        return S7_ERR_PARAM;
    return (int)pdu->param_len;
}

int s7_pi_blocks_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const char *service,
                            const s7_block_id *ids, unsigned n)
{
    size_t sl = service ? strlen(service) : 0;
    if (!sl || sl > 32 || n == 0 || n > 32)
        return S7_ERR_INVAL;
    uint8_t arg[2 + 8 * 32]; /* the count, 0, the block names */
    arg[0] = (uint8_t)n;
    arg[1] = 0;
    for (unsigned i = 0; i < n; i++)
        if (s7_block_id_encode(arg + 2 + 8 * i, &ids[i]) < 0)
            return S7_ERR_INVAL;
    return s7__pi_req(buf, cap, ref, arg, (uint16_t)(2 + 8 * n), service, (uint8_t)sl);
}

int s7_pi_blocks_decode(const uint8_t *arg, size_t len, s7_block_id *ids, unsigned max)
{
    if (!arg || len < 2 || arg[1] != 0 || len != 2 + 8u * arg[0] || arg[0] == 0)
        return S7_ERR_PARAM;
    unsigned n = arg[0];
    if (n > max)
        return S7_ERR_PARAM;
    for (unsigned i = 0; i < n; i++)
        if (s7_block_id_decode(arg + 2 + 8 * i, 8, &ids[i]) < 0)
            return S7_ERR_PARAM;
    return (int)n;
}

int s7_block_list_req_encode(uint8_t *buf, size_t cap, uint16_t ref)
{
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_BLOCK, 1, 0, NULL, 0);
}

int s7_block_list_type_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t type)
{
    if (!known_type(type))
        return S7_ERR_INVAL;
    uint8_t p[2] = {'0', type};
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_BLOCK, 2, 0, p, 2);
}

int s7_block_info_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_block_id *id)
{
    uint8_t p[8];
    s7_block_id x = *id;
    if (!x.fs)
        x.fs = 'A';
    if (s7_block_id_encode(p, &x) < 0)
        return S7_ERR_INVAL;
    return s7__ud_req(buf, cap, ref, S7_UD_GRP_BLOCK, 3, 0, p, 8);
}

uint8_t s7_block_sub_type(uint8_t type)
{
    switch (type) {
    case S7_BLOCK_OB: return 0x08;
    case S7_BLOCK_DB: return 0x0A;
    case S7_BLOCK_SDB: return 0x0B;
    case S7_BLOCK_FC: return 0x0C;
    case S7_BLOCK_SFC: return 0x0D;
    case S7_BLOCK_FB: return 0x0E;
    case S7_BLOCK_SFB: return 0x0F;
    default: return 0;
    }
}

uint8_t s7_block_type_of_sub(uint8_t sub)
{
    switch (sub) {
    case 0x08: return S7_BLOCK_OB;
    case 0x0A: return S7_BLOCK_DB;
    case 0x0B: return S7_BLOCK_SDB;
    case 0x0C: return S7_BLOCK_FC;
    case 0x0D: return S7_BLOCK_SFC;
    case 0x0E: return S7_BLOCK_FB;
    case 0x0F: return S7_BLOCK_SFB;
    default: return 0;
    }
}

static void put_str8(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    memset(p, 0, 8);
    memcpy(p, s, n < 8 ? n : 8);
}

static void get_str8(char out[9], const uint8_t *p)
{
    memcpy(out, p, 8);
    out[8] = 0;
    for (int i = 7; i >= 0 && (out[i] == 0 || out[i] == ' '); i--)
        out[i] = 0;
}

int s7_block_info_encode(uint8_t out[78], const s7_block_info *bi)
{
    uint8_t st = s7_block_sub_type(bi->type);
    if (!st)
        return S7_ERR_INVAL;
    memset(out, 0, 78);
    out[0] = 0x01;
    out[3] = 74; /* the length of what follows */
    out[4] = bi->know_how ? 0x42 : 0x22;
    out[5] = bi->know_how ? 0x30 : 0x00;
    out[6] = 'p';
    out[7] = 'p';
    out[8] = 0x01;
    out[9] = (uint8_t)(bi->flags | (bi->know_how ? 0x08 : 0));
    out[10] = bi->lang;
    out[11] = st;
    out[12] = (uint8_t)(bi->number >> 8);
    out[13] = (uint8_t)bi->number;
    s7__put_be32(out + 14, bi->load_len);
    s7__put_be32(out + 18, bi->security);
    memcpy(out + 22, bi->code_time, 6);
    memcpy(out + 28, bi->intf_time, 6);
    out[34] = (uint8_t)(bi->ssb_len >> 8);
    out[35] = (uint8_t)bi->ssb_len;
    out[36] = (uint8_t)(bi->add_len >> 8);
    out[37] = (uint8_t)bi->add_len;
    out[38] = (uint8_t)(bi->local_len >> 8);
    out[39] = (uint8_t)bi->local_len;
    out[40] = (uint8_t)(bi->mc7_len >> 8);
    out[41] = (uint8_t)bi->mc7_len;
    put_str8(out + 42, bi->author);
    put_str8(out + 50, bi->family);
    put_str8(out + 58, bi->name);
    out[66] = bi->version;
    out[68] = (uint8_t)(bi->checksum >> 8);
    out[69] = (uint8_t)bi->checksum;
    return 78;
}

int s7_block_info_decode(const uint8_t *p, size_t len, s7_block_info *out)
{
    memset(out, 0, sizeof *out);
    if (len < 70 || p[6] != 'p' || p[7] != 'p')
        return S7_ERR_PARAM;
    out->type = s7_block_type_of_sub(p[11]);
    if (!out->type)
        return S7_ERR_PARAM;
    out->know_how = (p[9] & 0x08) != 0;
    out->flags = p[9];
    out->lang = p[10];
    out->sub_type = p[11];
    out->number = (uint16_t)(p[12] << 8 | p[13]);
    out->load_len = s7__be32(p + 14);
    out->security = s7__be32(p + 18);
    memcpy(out->code_time, p + 22, 6);
    memcpy(out->intf_time, p + 28, 6);
    out->ssb_len = (uint16_t)(p[34] << 8 | p[35]);
    out->add_len = (uint16_t)(p[36] << 8 | p[37]);
    out->local_len = (uint16_t)(p[38] << 8 | p[39]);
    out->mc7_len = (uint16_t)(p[40] << 8 | p[41]);
    get_str8(out->author, p + 42);
    get_str8(out->family, p + 50);
    get_str8(out->name, p + 58);
    out->version = p[66];
    out->checksum = (uint16_t)(p[68] << 8 | p[69]);
    return (int)len;
}
