/* The CPU's blocks: the program blocks it holds (configured, a default set per family,
 * downloaded), the block images of its DBs, and the services on them: list blocks, list
 * of a type, block info (Userdata group 3, answered from userdata.c), upload (0x1D..0x1F),
 * download (0x1A, then the CPU's own 0x1B / 0x1C Jobs to the PG) and the PI services
 * _INSE (activate a downloaded block) and _DELE (delete blocks).
 *
 * Choices (as the captures of a 315-2 and an IM151-8 show, tests/vectors/real/):
 * - A block image is the MC7 block: a 36-byte header (70 70, version, flags, language,
 *   sub-block type, number, load length, security, two timestamps, interface length,
 *   segment length, local data, MC7 length), the MC7 part (a DB's data), the interface,
 *   a 36-byte footer (author, family, name, version, 00, checksum, 8 reserved).  A DB
 *   the emulator serves is imaged with its current data and no interface (load length =
 *   size + 72); a configured program block with mc7_len zero bytes.
 * - Upload: the start answers upload id 7 (what the 315-2 answered every time) and the
 *   load length; each upload Job answers up to PDU - 18 bytes, status 1 while more
 *   follows.  Know-how protected blocks (SFCs, SFBs, configured ones) are refused with
 *   0xD20E; a block that does not exist with 0xD20C (a 315-2 asked for OB0); protection level 3 with 0xD241.
 * - Download (S7-300/400 only, 0x8104 elsewhere; 0xD241 at protection level 2 or 3): the
 *   request is answered `1a`, then the CPU asks for the block (Job 0x1B with the file name)
 *   until the PG answers status 0 (last part), then sends 0x1C; the block is then held
 *   passive until _INSE activates it (a DB becomes served memory with the downloaded data).
 *   A DB of the size it has lands in its memory as the CPU's own write (S7_EV_WRITE, no
 *   session), so a retentive store journals it like a PUT; a retentive DB is not resized
 *   (the store holds it at its configured size): a download of another size is refused
 *   with 0xD20E at the request and at _INSE, reported as a refused access to the DB.
 *   A request whose lengths are impossible (load < MC7 + 72, more than 64 KiB) gets 0xD20E.
 * - _DELE deletes every named block that exists (a DB's memory too, system blocks stay);
 *   _INSE of a block that is neither downloaded nor active: 0xD209, of an active one:
 *   nothing to do.  Both answer Ack_Data `28`. */
#include <stdlib.h>
#include <string.h>

#include "server/cpu_int.h"
#include "util/be.h"
#include "util/hot.h"

#define HDR 36u
#define FTR 36u
#define UPLOAD_ID 7u
#define XFER_MAX 65536u

/* The type letters in the order real CPUs list them. */
static const uint8_t ORDER[7] = {S7_BLOCK_OB,  S7_BLOCK_FB,  S7_BLOCK_FC, S7_BLOCK_DB,
                                 S7_BLOCK_SDB, S7_BLOCK_SFC, S7_BLOCK_SFB};

static int system_block(uint8_t type) { return type == S7_BLOCK_SFC || type == S7_BLOCK_SFB; }

/* ---------------------------------------------------------------- the store */

static s7__block *find(const s7_cpu *cpu, uint8_t type, uint16_t number, int passive)
{
    for (size_t i = 0; i < cpu->nblocks; i++) {
        s7__block *b = &cpu->blocks[i];
        if (b->type == type && b->number == number && b->passive == passive)
            return b;
    }
    return NULL;
}

static void drop(s7_cpu *cpu, s7__block *b)
{
    free(b->image);
    size_t i = (size_t)(b - cpu->blocks);
    memmove(b, b + 1, (cpu->nblocks - i - 1) * sizeof *b);
    cpu->nblocks--;
}

/* A slot for (type, number, passive), kept sorted; NULL when out of memory. */
static s7__block *slot(s7_cpu *cpu, uint8_t type, uint16_t number, int passive)
{
    s7__block *b = find(cpu, type, number, passive);
    if (b) {
        free(b->image);
        memset(b, 0, sizeof *b);
    } else {
        if (cpu->nblocks == cpu->blockcap) {
            size_t cap = cpu->blockcap ? 2 * cpu->blockcap : 32;
            s7__block *nb = realloc(cpu->blocks, cap * sizeof *nb);
            if (!nb)
                return NULL;
            cpu->blocks = nb;
            cpu->blockcap = cap;
        }
        size_t i = 0;
        while (i < cpu->nblocks && (cpu->blocks[i].type < type || (cpu->blocks[i].type == type &&
                                                                   cpu->blocks[i].number < number)))
            i++;
        memmove(cpu->blocks + i + 1, cpu->blocks + i, (cpu->nblocks - i) * sizeof *b);
        cpu->nblocks++;
        b = &cpu->blocks[i];
        memset(b, 0, sizeof *b);
    }
    b->type = type;
    b->number = number;
    b->passive = passive;
    return b;
}

int s7_cpu_add_block(s7_cpu *cpu, uint8_t type, uint16_t number, uint16_t mc7_len, int know_how)
{
    if (!cpu || type == S7_BLOCK_DB || !s7_block_sub_type(type))
        return S7_ERR_INVAL;
    s7__block *b = slot(cpu, type, number, 0);
    if (!b)
        return S7_ERR_NOMEM;
    b->mc7_len = mc7_len;
    b->flags = (uint8_t)(0x01 | (know_how || system_block(type) ? 0x08 : 0));
    b->lang = system_block(type) ? 0x01 : type == S7_BLOCK_SDB ? 0x07 : 0x01;
    return 0;
}

size_t s7_cpu_block_count(const s7_cpu *cpu) { return cpu ? cpu->nblocks : 0; }

void s7__blocks_free(s7_cpu *cpu)
{
    for (size_t i = 0; i < cpu->nblocks; i++)
        free(cpu->blocks[i].image);
    free(cpu->blocks);
    cpu->blocks = NULL;
    cpu->nblocks = cpu->blockcap = 0;
}

void s7__blocks_session_end(s7_cpu_session *s)
{
    if (!s)
        return;
    if (s->xfer)
        free(s->xfer->buf);
    free(s->xfer);
    s->xfer = NULL;
}

/* A new transfer of kind for sess (what ran before is dropped); NULL when out of memory. */
static s7__xfer *xfer_new(s7_cpu_session *sess, uint8_t kind)
{
    s7__blocks_session_end(sess);
    sess->xfer = calloc(1, sizeof *sess->xfer);
    if (sess->xfer)
        sess->xfer->kind = kind;
    return sess->xfer;
}

/* Check an image's header against its length: 0 or S7_ERR_INVAL. */
static int image_ok(const uint8_t *p, size_t len)
{
    if (len < HDR + FTR || len > XFER_MAX || p[0] != 0x70 || p[1] != 0x70 ||
        !s7_block_type_of_sub(p[5]))
        return S7_ERR_INVAL;
    uint32_t load = s7__be32(p + 8);
    uint32_t mc7 = (uint32_t)(p[34] << 8 | p[35]);
    if (load != len || mc7 + HDR + FTR > len)
        return S7_ERR_INVAL;
    return 0;
}

/* The bytes DB m holds (one shown shorter holds more than it shows). */
static uint32_t db_held(const s7__mem *m) { return m->full > m->size ? m->full : m->size; }

/* A download of DB number with mc7 bytes into a retentive DB of another size: the
 * retentive store keeps the DB at the size it was opened with, so the download is refused
 * (reported as a refused access to the DB, err 0xD20E, for the log). */
static int resize_refused(s7_cpu *cpu, const s7_cpu_session *sess, uint16_t number, uint32_t mc7)
{
    const s7__mem *m = s7__cpu_db(cpu, number);
    if (!m || !(m->flags & S7_DB_RETAIN) || db_held(m) == mc7)
        return 0;
    if (cpu->ev) {
        s7_cpu_event ev = s7__cpu_event(S7_EV_REFUSED, sess);
        ev.area = S7_AREA_DB;
        ev.db = number;
        ev.len = mc7;
        ev.err = 0xD20E;
        ev.rc = 0xD2;
        s7__cpu_emit(cpu, &ev);
    }
    return 1;
}

/* Activate an image: a DB becomes served memory, another block an active block.  A DB
 * downloaded over one of the same size lands in it as the CPU's own write (s7_cpu_write's
 * S7_EV_WRITE, no session: a retentive store journals it, keeps it synced); one of another
 * size replaces it, except a retentive DB (S7_ERR_STATE). */
static int activate(s7_cpu *cpu, const uint8_t *p, size_t len)
{
    uint8_t type = s7_block_type_of_sub(p[5]);
    uint16_t number = (uint16_t)(p[6] << 8 | p[7]);
    uint32_t mc7 = (uint32_t)(p[34] << 8 | p[35]);
    if (type == S7_BLOCK_DB) {
        if (number == 0 || mc7 == 0)
            return S7_ERR_INVAL;
        s7__mem *m = s7__cpu_db(cpu, number);
        if (m && !m->app && db_held(m) == mc7) {
            m->hidden = 0; /* downloaded: it exists again, whole */
            m->size = mc7;
            m->full = 0;
            s7__cpu_land(m, 0, -1, p + HDR, mc7);
            if (cpu->ev) {
                s7_cpu_event ev = s7__cpu_event(S7_EV_WRITE, NULL);
                ev.area = S7_AREA_DB;
                ev.db = number;
                ev.len = mc7;
                ev.rc = S7_RC_OK;
                ev.data = p + HDR;
                ev.ts = S7_TS_BYTE;
                s7__cpu_emit(cpu, &ev);
            }
            return 0;
        }
        if (m && !m->app && (m->flags & S7_DB_RETAIN))
            return S7_ERR_STATE;
        if (!m || m->size != mc7 || m->app) {
            if (m && !m->app) {
                /* replaced by the downloaded one: drop the old memory first */
                size_t i = (size_t)(m - cpu->dbs);
                free(m->mem);
                free(m->init);
                memmove(m, m + 1, (cpu->ndbs - i - 1) * sizeof *m);
                cpu->ndbs--;
            } else if (m) {
                return S7_ERR_INVAL; /* application memory is not replaced */
            }
            int r = s7_cpu_add_db(cpu, number, mc7, 0);
            if (r < 0)
                return r;
            m = s7__cpu_db(cpu, number);
        }
        m->hidden = 0; /* downloaded: it exists again */
        memcpy(m->mem, p + HDR, mc7);
        return 0;
    }
    s7__block *b = slot(cpu, type, number, 0);
    if (!b)
        return S7_ERR_NOMEM;
    b->image = malloc(len);
    if (!b->image) {
        drop(cpu, b);
        return S7_ERR_NOMEM;
    }
    memcpy(b->image, p, len);
    b->image_len = (uint32_t)len;
    b->mc7_len = (uint16_t)mc7;
    b->flags = p[3];
    b->lang = p[4];
    return 0;
}

int s7_cpu_load_block(s7_cpu *cpu, const uint8_t *image, size_t len)
{
    if (!cpu || !image || image_ok(image, len) < 0)
        return S7_ERR_INVAL;
    return activate(cpu, image, len);
}

/* SFC / SFB numbers a CPU 315-2 PN/DP lists (step7_s300_download.pcapng). */
static const uint8_t SFCS[] = {
    0,  1,  2,  3,   4,  5,   6,   7,   11,  12,  13,  14,  15,  17,  18,  19,  20, 21, 22, 23,
    24, 28, 29, 30,  31, 32,  33,  34,  36,  37,  38,  39,  40,  41,  42,  43,  44, 46, 47, 49,
    50, 51, 52, 102, 55, 56,  57,  58,  59,  64,  65,  66,  67,  68,  69,  70,  71, 72, 73, 74,
    81, 82, 83, 84,  99, 101, 103, 105, 106, 107, 108, 109, 112, 113, 114, 126, 127};
static const uint8_t SFBS[] = {0, 1, 2, 3, 4, 5, 32, 52, 53, 54, 73, 74, 75, 81, 104};

int s7_cpu_add_default_blocks(s7_cpu *cpu)
{
    if (!cpu || cpu->ext->family != S7__FAM_CLASSIC)
        return 0;
    int n = 0;
    if (s7_cpu_add_block(cpu, S7_BLOCK_OB, 1, 38, 0) < 0)
        return S7_ERR_NOMEM;
    n++;
    for (size_t i = 0; i < sizeof SFCS; i++, n++)
        if (s7_cpu_add_block(cpu, S7_BLOCK_SFC, SFCS[i], 2, 1) < 0)
            return S7_ERR_NOMEM;
    for (size_t i = 0; i < sizeof SFBS; i++, n++)
        if (s7_cpu_add_block(cpu, S7_BLOCK_SFB, SFBS[i], 2, 1) < 0)
            return S7_ERR_NOMEM;
    return n;
}

/* ---------------------------------------------------------------- images and info */

/* Interface / additional lengths of a generated block: a system block has the 12 + 4
 * bytes a 315-2's SFC info shows; others none. */
static uint16_t ssb_len(const s7__block *b) { return system_block(b->type) ? 12 : 0; }
static uint16_t add_len(const s7__block *b) { return system_block(b->type) ? 4 : 0; }

static uint32_t load_len(const s7__block *b)
{
    if (b->image)
        return b->image_len;
    return HDR + b->mc7_len + ssb_len(b) + add_len(b) + FTR;
}

/* Write the header and footer of a generated image of `len` bytes. */
static void frame_image(uint8_t *p, uint32_t len, uint8_t flags, uint8_t lang, uint8_t sub,
                        uint16_t number, uint16_t ssb, uint16_t mc7, const char *name)
{
    memset(p, 0, HDR);
    p[0] = 0x70;
    p[1] = 0x70;
    p[2] = 0x01;
    p[3] = flags;
    p[4] = lang;
    p[5] = sub;
    s7__put_be16(p + 6, number);
    s7__put_be32(p + 8, len);
    s7__put_be16(p + 28, ssb);
    s7__put_be16(p + 34, mc7);
    uint8_t *f = p + len - FTR;
    memset(f, 0, FTR);
    memcpy(f, "S7KIT", 5);
    memcpy(f + 8, "EMULATE", 7);
    memcpy(f + 16, name, strlen(name) < 8 ? strlen(name) : 8);
    f[24] = 0x10;
}

/* The image of a block (malloc'd into *out, *len bytes): a DB with its current data, a
 * program block as loaded or generated.  0, S7_ERR_ADDR (no such block), S7_ERR_NOMEM. */
static int image_of(const s7_cpu *cpu, uint8_t type, uint16_t number, uint8_t **out, uint32_t *len)
{
    if (type == S7_BLOCK_DB) {
        const s7__mem *m = s7__cpu_db_shown(cpu, number);
        if (!m || m->size > XFER_MAX - HDR - FTR)
            return S7_ERR_ADDR;
        uint32_t n = m->size + HDR + FTR;
        uint8_t *p = malloc(n);
        if (!p)
            return S7_ERR_NOMEM;
        frame_image(p, n, 0x01, 0x05, 0x0A, number, 0, (uint16_t)m->size, "DB");
        if (m->lock)
            m->lock(m->ctx);
        memcpy(p + HDR, m->mem, m->size);
        if (m->unlock)
            m->unlock(m->ctx);
        *out = p;
        *len = n;
        return 0;
    }
    const s7__block *b = find(cpu, type, number, 0);
    if (!b)
        return S7_ERR_ADDR;
    uint32_t n = load_len(b);
    uint8_t *p = calloc(1, n);
    if (!p)
        return S7_ERR_NOMEM;
    if (b->image)
        memcpy(p, b->image, n);
    else
        frame_image(p, n, b->flags, b->lang, s7_block_sub_type(type), number, ssb_len(b),
                    b->mc7_len, s7_block_type_name(type));
    *out = p;
    *len = n;
    return 0;
}

/* The DBs a partner sees: one hidden by s7_cpu_set_db_shown(..., 0) (the simulation's
 * db_missing) is absent from the block list and its counts, as on a CPU without it. */
static size_t dbs_shown(const s7_cpu *cpu)
{
    size_t n = 0;
    for (size_t i = 0; i < cpu->ndbs; i++)
        n += !cpu->dbs[i].hidden;
    return n;
}

void s7__blocks_counts(const s7_cpu *cpu, uint8_t out[28])
{
    for (int i = 0; i < 7; i++) {
        uint32_t n = 0;
        if (ORDER[i] == S7_BLOCK_DB)
            n = (uint32_t)dbs_shown(cpu);
        else
            for (size_t k = 0; k < cpu->nblocks; k++)
                n += cpu->blocks[k].type == ORDER[i] && !cpu->blocks[k].passive;
        out[4 * i] = '0';
        out[4 * i + 1] = ORDER[i];
        s7__put_be16(out + 4 * i + 2, n);
    }
}

int s7__blocks_of_type(const s7_cpu *cpu, uint8_t type, uint8_t **out, uint32_t *len)
{
    size_t n = 0;
    if (type == S7_BLOCK_DB)
        n = dbs_shown(cpu);
    else
        for (size_t k = 0; k < cpu->nblocks; k++)
            n += cpu->blocks[k].type == type && !cpu->blocks[k].passive;
    uint8_t *p = malloc(n ? 4 * n : 1);
    if (!p)
        return S7_ERR_NOMEM;
    size_t w = 0;
    if (type == S7_BLOCK_DB) {
        for (size_t i = 0; i < cpu->ndbs; i++) {
            if (cpu->dbs[i].hidden)
                continue;
            s7__put_be16(p + w, cpu->dbs[i].db);
            p[w + 2] = 0x22;
            p[w + 3] = 0x05;
            w += 4;
        }
    } else {
        for (size_t k = 0; k < cpu->nblocks; k++) {
            const s7__block *b = &cpu->blocks[k];
            if (b->type != type || b->passive)
                continue;
            s7__put_be16(p + w, b->number);
            p[w + 2] = system_block(type) ? 0x42 : 0x22;
            p[w + 3] = b->lang;
            w += 4;
        }
    }
    *out = p;
    *len = (uint32_t)w;
    return 0;
}

int s7__blocks_info(const s7_cpu *cpu, const s7_block_id *id, uint8_t out[78])
{
    s7_block_info bi;
    memset(&bi, 0, sizeof bi);
    bi.type = id->type;
    bi.number = id->number;
    bi.version = 0x10;
    if (id->type == S7_BLOCK_DB) {
        const s7__mem *m = s7__cpu_db_shown(cpu, id->number);
        if (!m || m->size > 0xFFFF)
            return S7_ERR_ADDR;
        bi.flags = 0x01;
        bi.lang = 0x05;
        bi.mc7_len = (uint16_t)m->size;
        bi.load_len = m->size + HDR + FTR;
        memcpy(bi.author, "S7KIT", 6);
        memcpy(bi.family, "EMULATE", 8);
        memcpy(bi.name, "DB", 3);
        return s7_block_info_encode(out, &bi) < 0 ? S7_ERR_ADDR : 0;
    }
    const s7__block *b = find(cpu, id->type, id->number, 0);
    if (!b)
        return S7_ERR_ADDR;
    bi.flags = b->flags;
    bi.know_how = (b->flags & 0x08) != 0;
    bi.lang = b->lang;
    bi.mc7_len = b->mc7_len;
    bi.load_len = load_len(b);
    bi.ssb_len = b->image ? (uint16_t)(b->image[28] << 8 | b->image[29]) : ssb_len(b);
    bi.add_len = b->image ? 0 : add_len(b);
    if (b->image) {
        const uint8_t *f = b->image + b->image_len - FTR;
        memcpy(bi.author, f, 8);
        memcpy(bi.family, f + 8, 8);
        memcpy(bi.name, f + 16, 8);
        bi.version = f[24];
        bi.checksum = (uint16_t)(f[26] << 8 | f[27]);
        memcpy(bi.code_time, b->image + 16, 6);
        memcpy(bi.intf_time, b->image + 22, 6);
    } else if (system_block(b->type)) {
        memcpy(bi.author, "SIMATIC", 8);
        memcpy(bi.family, "EMULATE", 8);
    } else {
        memcpy(bi.author, "S7KIT", 6);
        memcpy(bi.family, "EMULATE", 8);
        memcpy(bi.name, s7_block_type_name(b->type), 3);
    }
    return s7_block_info_encode(out, &bi) < 0 ? S7_ERR_ADDR : 0;
}

/* ---------------------------------------------------------------- jobs */

static int ack(uint8_t *out, size_t cap, uint16_t ref, uint16_t err)
{
    return s7_ack_error_encode(out, cap, ref, (uint8_t)(err >> 8), (uint8_t)err);
}

static int protection(const s7_cpu *cpu) { return cpu->prof.protection_level; }

/* Upload: start (the block's image taken now), parts, end. */
static int upload(s7_cpu *cpu, s7_cpu_session *sess, const s7_block_job *j, uint16_t ref,
                  uint8_t *out, size_t lim)
{
    s7_block_ack a;
    memset(&a, 0, sizeof a);
    a.fn = j->fn;
    if (j->fn == S7_FN_UPLOAD_START) {
        s7__blocks_session_end(sess);
        if (protection(cpu) >= 3)
            return ack(out, lim, ref, 0xD241);
        const s7__block *b =
            j->id.type == S7_BLOCK_DB ? NULL : find(cpu, j->id.type, j->id.number, 0);
        if (b && (b->flags & 0x08) && !b->image)
            return ack(out, lim, ref, 0xD20E);
        uint8_t *img;
        uint32_t len;
        int r = image_of(cpu, j->id.type, j->id.number, &img, &len);
        if (r == S7_ERR_ADDR)
            return ack(out, lim, ref, 0xD20C);
        if (r < 0)
            return r;
        s7__xfer *x = xfer_new(sess, S7_FN_UPLOAD_START);
        if (!x) {
            free(img);
            return S7_ERR_NOMEM;
        }
        x->buf = img;
        x->len = len;
        a.upload_id = UPLOAD_ID;
        a.block_len = len;
        return s7_block_ack_encode(out, lim, ref, &a);
    }
    s7__xfer *x = sess->xfer;
    if (!x || x->kind != S7_FN_UPLOAD_START || j->upload_id != UPLOAD_ID)
        return ack(out, lim, ref, 0xD209);
    if (j->fn == S7_FN_UPLOAD_END) {
        s7__blocks_session_end(sess);
        return s7_block_ack_encode(out, lim, ref, &a);
    }
    size_t room = lim > 18 ? lim - 18 : 0;
    uint32_t left = x->len - x->off;
    uint32_t n = left < room ? left : (uint32_t)room;
    a.data = x->buf + x->off;
    a.dlen = (uint16_t)n;
    a.status = n < left ? 1 : 0;
    x->off += n;
    return s7_block_ack_encode(out, lim, ref, &a);
}

int s7__blocks_job(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, uint8_t *out, size_t lim)
{
    s7_block_job j;
    if (s7_block_job_decode(pdu, &j) < 0)
        return S7_ERR_PARAM;
    if (cpu->ext->family != S7__FAM_CLASSIC)
        return ack(out, lim, pdu->ref, 0x8104);
    if (j.fn >= S7_FN_UPLOAD_START)
        return upload(cpu, sess, &j, pdu->ref, out, lim);
    if (j.fn != S7_FN_REQ_DOWNLOAD)
        return ack(out, lim, pdu->ref, 0x8104); /* 0x1B / 0x1C are the CPU's to send */
    s7__blocks_session_end(sess);
    if (protection(cpu) >= 2)
        return ack(out, lim, pdu->ref, 0xD241);
    if (j.load_len > XFER_MAX || j.load_len < j.mc7_len + HDR + FTR || system_block(j.id.type))
        return ack(out, lim, pdu->ref, 0xD20E);
    if (j.id.type == S7_BLOCK_DB && resize_refused(cpu, sess, j.id.number, j.mc7_len))
        return ack(out, lim, pdu->ref, 0xD20E); /* before any byte is transferred */
    s7__xfer *x = xfer_new(sess, S7_FN_REQ_DOWNLOAD);
    if (!x || !(x->buf = malloc(j.load_len))) {
        s7__blocks_session_end(sess);
        return S7_ERR_NOMEM;
    }
    x->cap = j.load_len;
    x->id = j.id;
    x->job = S7_FN_DOWNLOAD;
    s7_block_ack a;
    memset(&a, 0, sizeof a);
    a.fn = S7_FN_REQ_DOWNLOAD;
    return s7_block_ack_encode(out, lim, pdu->ref, &a);
}

S7_HOT int s7_cpu_next_job(s7_cpu *cpu, s7_cpu_session *sess, uint8_t *out, size_t cap)
{
    if (!cpu || !sess || !out)
        return S7_ERR_INVAL;
    s7__xfer *x = sess->xfer;
    if (!x || !x->job)
        return 0;
    s7_block_job j;
    memset(&j, 0, sizeof j);
    j.fn = x->job;
    j.id = x->id;
    j.id.fs = 'P';
    x->job_ref = (uint16_t)(x->job_ref + 1);
    int r = s7_block_job_encode(out, cap, x->job_ref, &j);
    if (r >= 0)
        x->job = 0; /* sent: the PG's Ack_Data brings the next step */
    return r;
}

int s7__blocks_ack(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu)
{
    s7__xfer *x = sess->xfer;
    if (!x || x->kind != S7_FN_REQ_DOWNLOAD) /* an Ack_Data to no Job of the CPU */
        return S7_ERR_PROTO;
    s7_block_ack a;
    if (s7_block_ack_decode(pdu, &a) < 0 || (a.fn == S7_FN_DOWNLOAD && a.dlen > x->cap - x->len) ||
        (a.fn != S7_FN_DOWNLOAD && a.fn != S7_FN_DOWNLOAD_END)) {
        /* the PG refused, or sent what does not fit: the download is abandoned */
        s7__blocks_session_end(sess);
        return 0;
    }
    if (a.fn == S7_FN_DOWNLOAD) {
        memcpy(x->buf + x->len, a.data, a.dlen);
        x->len += a.dlen;
        x->job = a.status ? S7_FN_DOWNLOAD : S7_FN_DOWNLOAD_END;
        return 0;
    }
    /* the end acknowledged: the block is loaded, passive until _INSE */
    if (image_ok(x->buf, x->len) == 0 && s7_block_type_of_sub(x->buf[5]) == x->id.type) {
        s7__block *b = slot(cpu, x->id.type, x->id.number, 1);
        if (b) {
            b->image = x->buf;
            b->image_len = x->len;
            b->mc7_len = (uint16_t)(x->buf[34] << 8 | x->buf[35]);
            b->flags = x->buf[3];
            b->lang = x->buf[4];
            x->buf = NULL;
        }
    }
    s7__blocks_session_end(sess);
    return 0;
}

int s7__blocks_pi(s7_cpu *cpu, s7_cpu_session *sess, const s7_plc_ctrl *c, uint16_t ref,
                  uint8_t *out, size_t lim)
{
    s7_block_id ids[32];
    int n = s7_pi_blocks_decode(c->arg, c->arg_len, ids, 32);
    if (n < 0)
        return S7_ERR_PARAM;
    if (cpu->ext->family != S7__FAM_CLASSIC)
        return ack(out, lim, ref, 0x8104);
    if (protection(cpu) >= 2)
        return ack(out, lim, ref, 0xD241);
    int inse = memcmp(c->service, "_INSE", 5) == 0;
    for (int i = 0; i < n; i++) {
        const s7_block_id *id = &ids[i];
        if (inse) {
            s7__block *b = find(cpu, id->type, id->number, 1);
            if (!b && (find(cpu, id->type, id->number, 0) ||
                       (id->type == S7_BLOCK_DB && s7__cpu_db_shown(cpu, id->number))))
                continue; /* active already (a second _INSE, as TIA sends after a refusal) */
            if (!b)
                return ack(out, lim, ref, 0xD209);
            uint8_t *img = b->image;
            uint32_t len = b->image_len;
            if (id->type == S7_BLOCK_DB && resize_refused(cpu, sess, id->number, b->mc7_len))
                return ack(out, lim, ref, 0xD20E); /* kept passive; the DB as it was */
            b->image = NULL;
            drop(cpu, b);
            int r = activate(cpu, img, len);
            free(img);
            if (r == S7_ERR_NOMEM)
                return r;
            if (r < 0)
                return ack(out, lim, ref, 0xD20E);
        } else if (id->type == S7_BLOCK_DB) {
            s7__mem *m = s7__cpu_db(cpu, id->number);
            if (m && !m->app) {
                size_t k = (size_t)(m - cpu->dbs);
                free(m->mem);
                free(m->init);
                memmove(m, m + 1, (cpu->ndbs - k - 1) * sizeof *m);
                cpu->ndbs--;
            }
        } else {
            s7__block *b = find(cpu, id->type, id->number, 0);
            if (b && !system_block(b->type))
                drop(cpu, b);
        }
    }
    return s7_plc_ctrl_resp_encode(out, lim, ref, S7_FN_PI, 0);
}
