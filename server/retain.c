/* The retentive store (retain.h): a CRC-checked snapshot of every retentive DB plus an
 * append-only journal of the writes since, replayed at open and folded into a new
 * snapshot by compaction.
 *
 * Snapshot FILE (little-endian):
 *   0  magic "S7KITSNP"     8  u32 version (1)   12 u32 number of DBs
 *   16 u64 generation       24 u64 body length   32 u32 CRC32 of the body
 *   36 u32 CRC32 of bytes 0..35
 *   40 body: per DB  u16 number, u16 0, u32 size, size bytes  (ascending numbers)
 * Journal FILE.journal:
 *   0  magic "S7KITJNL"     8  u32 version (1)   12 u64 generation of its snapshot
 *   20 u32 CRC32 of bytes 0..19
 *   24 records: u32 n, u16 db, u32 offset, n bytes, u32 CRC32 of the 10 + n bytes before
 * A journal whose generation is older than the snapshot's was already folded into it (a
 * crash between the rename and the journal reset) and is ignored.
 *
 * Reading the journal: records are checked one by one (a plausible header: 1 <= n <=
 * 65535, DB >= 1, offset + n <= 65535; complete; CRC).  Where one is not valid the next
 * valid record is looked for, first where the bad record's own length says it ends, then
 * at every later byte; the bytes in between are one damaged place.  When no valid record
 * follows, the rest is a torn tail if it is what an interrupted append leaves (a prefix of
 * a record shorter than the record, whose header names a range of a retentive DB the
 * server has, or zeros) and damage otherwise.  Damage refuses the
 * open unless it is a repair (retain.h).  A record's data could itself hold bytes that form
 * a valid record; the search prefers the bad record's own length, so this only matters
 * when the length is damaged too. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "server/cpu_int.h"

#include "s7/log.h"
#include "s7/retain.h"
#include "server/files.h"
#include "util/clock.h"
#include "util/log.h"
#include "util/text.h"

#define SNAP_MAGIC "S7KITSNP"
#define JNL_MAGIC "S7KITJNL"
#define VERSION 1u
#define SNAP_HDR 40u
#define JNL_HDR 24u
#define REC_HDR 10u /* n, db, offset */
#define REC_MAX 65535u

/* One retentive DB: its number and, while opening, the staged image. */
typedef struct rdb {
    uint16_t num;
    uint32_t size;
    uint8_t *stage;
} rdb;

struct s7_retain {
    s7_cpu *cpu;
    s7_retain_opts o;
    char *path, *jpath, *tpath;
    int jfd;
    rdb *dbs;
    size_t ndbs;
    uint64_t generation;
    uint64_t jsize;      /* journal bytes (header included) */
    uint64_t compact_at; /* next size that triggers a compaction */
    int failed;          /* a record could not be made durable: refuse more */
    int pending;         /* ASYNC: records not yet synced */
    int in_request;      /* SYNC: inside a write job; S7_EV_DONE syncs once for all items */
    int unsynced;        /* SYNC: records appended since the last fdatasync */
    int group;           /* SYNC: S7_EV_DONE leaves the sync to s7_retain_sync (group commit) */
    int job_wrote;       /* SYNC: the job in progress appended records */
    int64_t pending_since;
    uint8_t *rec; /* record buffer */
    size_t rec_cap;
    s7_retain_stats st;
    int repair;        /* opened with S7_RETAIN_OPEN_REPAIR */
    int damage;        /* what a refusal at open was about (DMG_*) */
    int need_aside;    /* a repair: the files read are copied aside before the compaction */
    char what[400];    /* the damage in a few words (for the repair report) */
    char report[2048]; /* s7_retain_repair_report */
    char err[2048];
};

/* What made the open refuse: only damage is repaired. */
enum { DMG_NONE, DMG_SNAPSHOT, DMG_NO_SNAPSHOT, DMG_JOURNAL_HDR, DMG_JOURNAL_GEN, DMG_RECORDS };

/* ---------------------------------------------------------------- helpers */

uint32_t s7_crc32(uint32_t crc, const void *data, size_t len)
{
    /* half-byte table of the reflected polynomial 0xEDB88320 */
    static const uint32_t T[16] = {0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu,
                                   0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
                                   0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu,
                                   0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu};
    const uint8_t *p = data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ T[crc & 15u];
        crc = (crc >> 4) ^ T[crc & 15u];
    }
    return ~crc;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
    return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

static void rlog(s7_retain *r, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void rlog(s7_retain *r, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s7__logv(r->o.log, r->o.log_ctx, level, 2048, fmt, ap);
    va_end(ap);
}

/* Sets r->err (printf style) and returns rc. */
static int fail(s7_retain *r, int rc, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static int fail(s7_retain *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return rc;
}

/* write() all of buf, retrying on EINTR and short writes.  0 or -1 (errno set). */
static int write_all(int fd, const uint8_t *buf, size_t len)
{
    while (len) {
        ssize_t w = write(fd, buf, len);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

/* Reads the whole file open on fd, from its start, into a malloc'ed buffer.  0, or -1 with
 * errno. */
static int read_fd(int fd, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    struct stat sb;
    if (fstat(fd, &sb) != 0)
        return -1;
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                errno = ENOMEM;
                return -1;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t got = pread(fd, buf + n, cap - n, (off_t)n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            errno = e;
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    *out = buf;
    *len = n;
    return 0;
}

/* fsync of the directory holding path (makes a rename durable).  0 or -1. */
static int sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static rdb *find_db(const s7_retain *r, uint16_t num)
{
    size_t lo = 0, hi = r->ndbs;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->dbs[mid].num == num)
            return &r->dbs[mid];
        if (r->dbs[mid].num < num)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The bytes of DB d to persist: its staged image while opening, else the CPU's memory. */
static const uint8_t *db_bytes(s7_retain *r, const rdb *d)
{
    if (d->stage)
        return d->stage;
    uint32_t size = 0;
    const uint8_t *m = s7_cpu_mem(r->cpu, S7_AREA_DB, d->num, &size);
    return m && size == d->size ? m : NULL;
}

/* ---------------------------------------------------------------- options */

void s7_retain_opts_init(s7_retain_opts *o)
{
    memset(o, 0, sizeof *o);
    o->mode = S7_RETAIN_SYNC;
    o->resize = S7_RETAIN_RESIZE_REFUSE;
    o->compact_bytes = 4u << 20;
    o->flush_ms = 1000;
}

/* ---------------------------------------------------------------- journal */

/* Empties the journal and writes its header for the current generation, synced. */
static int journal_reset(s7_retain *r)
{
    uint8_t h[JNL_HDR];
    memcpy(h, JNL_MAGIC, 8);
    put32(h + 8, VERSION);
    put64(h + 12, r->generation);
    put32(h + 20, s7_crc32(0, h, 20));
    if (ftruncate(r->jfd, 0) != 0 || write_all(r->jfd, h, sizeof h) != 0 || fdatasync(r->jfd) != 0)
        return fail(r, S7_ERR_IO, "cannot reset the journal %s: %s", r->jpath, strerror(errno));
    r->jsize = JNL_HDR;
    r->compact_at = JNL_HDR + r->o.compact_bytes;
    r->pending = 0;
    r->unsynced = 0; /* every write so far is in the snapshot, which is durable */
    r->st.syncs++;
    return 0;
}

/* ---------------------------------------------------------------- reading the journal */

/* A record header as the writer makes them: 1 <= n <= REC_MAX, a DB number, the bytes
 * within a DB (offset + n <= 65535). */
static int rec_plausible(uint32_t n, uint16_t db, uint32_t off)
{
    return n >= 1 && n <= REC_MAX && db >= 1 && off <= 65535u && off + n <= 65535u;
}

/* The size of the valid record at buf[pos..len), or 0 when there is none. */
static size_t rec_at(const uint8_t *buf, size_t len, size_t pos)
{
    if (pos >= len || len - pos < REC_HDR + 1 + 4)
        return 0;
    uint32_t n = get32(buf + pos);
    if (!rec_plausible(n, get16(buf + pos + 4), get32(buf + pos + 6)))
        return 0;
    if (len - pos < REC_HDR + (size_t)n + 4)
        return 0;
    if (get32(buf + pos + REC_HDR + n) != s7_crc32(0, buf + pos, REC_HDR + n))
        return 0;
    return REC_HDR + (size_t)n + 4;
}

/* Where the next valid record after the bad bytes at pos starts (len when none does):
 * where the bad record's own length says it ends, else the first byte that starts one. */
static size_t next_record(const uint8_t *buf, size_t len, size_t pos)
{
    if (len - pos >= REC_HDR) {
        uint32_t n = get32(buf + pos);
        if (rec_plausible(n, get16(buf + pos + 4), get32(buf + pos + 6))) {
            size_t q = pos + REC_HDR + (size_t)n + 4;
            if (q == len)
                return len;
            if (q < len && rec_at(buf, len, q))
                return q;
        }
    }
    for (size_t q = pos + 1; q < len && len - q >= REC_HDR + 1 + 4; q++)
        if (rec_at(buf, len, q))
            return q;
    return len;
}

/* A damaged place of the journal: bytes [pos, pos + len). */
typedef struct jbad {
    size_t pos, len;
    uint64_t before; /* valid records before it */
    uint64_t ord;    /* its number among the records (the damaged places counted as one) */
    int named;       /* one record whose header leads exactly to what follows: its DB,
                        offset and length are known (as far as a header whose checksum
                        failed can be trusted) */
    uint16_t db;
    uint32_t off, n;
    char why[120];
} jbad;

/* What the journal holds: the valid records and the damaged places, in order. */
typedef struct jscan {
    size_t *vpos; /* positions of the valid records */
    size_t nv, vcap;
    jbad *bad;
    size_t nbad, badcap;
    size_t torn_pos, torn_len; /* a torn tail (torn_len 0: none) */
    char torn_why[300];
} jscan;

static void jscan_free(jscan *js)
{
    free(js->vpos);
    free(js->bad);
}

/* "DB5.DBB4..7" (n >= 2) or "DB5.DBB4". */
static void range_text(char *out, size_t cap, uint16_t db, uint32_t off, uint32_t n)
{
    if (n == 1)
        snprintf(out, cap, "DB%u.DBB%u", db, off);
    else
        snprintf(out, cap, "DB%u.DBB%u..%u", db, off, off + n - 1);
}

/* Describes the bad bytes [pos, end) into b (its position fields set by the caller). */
static void describe_bad(const uint8_t *buf, size_t len, size_t pos, size_t end, jbad *b)
{
    b->named = 0;
    if (len - pos < REC_HDR) {
        snprintf(b->why, sizeof b->why, "a record header cut short");
        return;
    }
    uint32_t n = get32(buf + pos), off = get32(buf + pos + 6);
    uint16_t db = get16(buf + pos + 4);
    if (n == 0 || n > REC_MAX)
        snprintf(b->why, sizeof b->why, "impossible record length %lu", (unsigned long)n);
    else if (!rec_plausible(n, db, off))
        snprintf(b->why, sizeof b->why, "impossible DB%u offset %lu for %lu bytes", db,
                 (unsigned long)off, (unsigned long)n);
    else if (pos + REC_HDR + (size_t)n + 4 == end) {
        b->named = 1;
        b->db = db;
        b->off = off;
        b->n = n;
        snprintf(b->why, sizeof b->why, "fails its checksum");
    } else if (pos + REC_HDR + (size_t)n + 4 > end)
        snprintf(b->why, sizeof b->why, "a record length of %lu bytes reaches past %s",
                 (unsigned long)n, end == len ? "the end of the file" : "the next valid record");
    else
        snprintf(b->why, sizeof b->why, "a record length of %lu bytes ends before %s",
                 (unsigned long)n, end == len ? "the end of the file" : "the next valid record");
}

/* The bytes [pos, len) after the last valid record, none of which starts a valid record:
 * 1 when they are a torn tail (a record cut short by a crash: its length runs past the end
 * of the file, or only part of its header is there; or zeros, a file extended whose data
 * never reached the disk), with the reason in why; 0 when they are damage. */
static int torn_tail(const s7_retain *r, const uint8_t *buf, size_t len, size_t pos, uint64_t after,
                     char *why, size_t cap)
{
    size_t left = len - pos, k = pos;
    while (k < len && buf[k] == 0)
        k++;
    if (k == len) {
        snprintf(why, cap,
                 "%zu zero bytes after record %llu (the file system extended the file but the "
                 "last write never reached the disk)",
                 left, (unsigned long long)after);
        return 1;
    }
    if (left < 4) {
        snprintf(why, cap, "torn record header after record %llu", (unsigned long long)after);
        return 1;
    }
    uint32_t n = get32(buf + pos);
    if (n == 0 || n > REC_MAX)
        return 0;
    if (left < REC_HDR) {
        if (left >= 6 && get16(buf + pos + 4) == 0)
            return 0;
        snprintf(why, cap, "torn record header after record %llu", (unsigned long long)after);
        return 1;
    }
    uint16_t db = get16(buf + pos + 4);
    uint32_t off = get32(buf + pos + 6);
    if (!rec_plausible(n, db, off) || left >= REC_HDR + (size_t)n + 4)
        return 0; /* complete (its checksum failed) or not the start of a record */
    /* the server journals only writes into its retentive DBs: a header naming a range no
     * such DB has (a flipped bit of its length: 4 -> 32772) was never an append of it, so
     * what follows is damage, not a write a crash cut short */
    const rdb *d = find_db(r, db);
    if (!d || off + n > d->size)
        return 0;
    char range[48];
    range_text(range, sizeof range, db, off, n);
    snprintf(why, cap,
             "torn record after record %llu (%zu of its %zu bytes are on disk: the write to %s)",
             (unsigned long long)after, left, REC_HDR + (size_t)n + 4, range);
    return 1;
}

/* Reads the journal's records (buf[JNL_HDR..len)) into js and replays the valid ones onto
 * the staged images, in order.  Returns 0 or S7_ERR_NOMEM. */
static int journal_scan(s7_retain *r, const uint8_t *buf, size_t len, jscan *js, uint64_t *skipped)
{
    size_t pos = JNL_HDR;
    uint64_t ord = 0;
    while (pos < len) {
        size_t k = rec_at(buf, len, pos);
        if (k) {
            if (js->nv == js->vcap) {
                size_t nc = js->vcap ? js->vcap * 2 : 64;
                size_t *v = realloc(js->vpos, nc * sizeof *v);
                if (!v)
                    return S7_ERR_NOMEM;
                js->vpos = v;
                js->vcap = nc;
            }
            js->vpos[js->nv++] = pos;
            ord++;
            uint32_t n = get32(buf + pos), off = get32(buf + pos + 6);
            rdb *d = find_db(r, get16(buf + pos + 4));
            if (d && off < d->size) {
                uint32_t c = d->size - off < n ? d->size - off : n;
                memcpy(d->stage + off, buf + pos + REC_HDR, c);
                if (c < n)
                    (*skipped)++;
            } else {
                (*skipped)++;
            }
            pos += k;
            continue;
        }
        size_t next = next_record(buf, len, pos);
        if (next == len && torn_tail(r, buf, len, pos, js->nv, js->torn_why, sizeof js->torn_why)) {
            js->torn_pos = pos;
            js->torn_len = len - pos;
            break;
        }
        if (js->nbad == js->badcap) {
            size_t nc = js->badcap ? js->badcap * 2 : 8;
            jbad *b = realloc(js->bad, nc * sizeof *b);
            if (!b)
                return S7_ERR_NOMEM;
            js->bad = b;
            js->badcap = nc;
        }
        jbad *b = &js->bad[js->nbad++];
        memset(b, 0, sizeof *b);
        b->pos = pos;
        b->len = next - pos;
        b->before = js->nv;
        describe_bad(buf, len, pos, next, b);
        b->ord = ++ord;
        pos = next;
    }
    return 0;
}

/* How many bytes of the damaged record b later valid records write again. */
static uint32_t rewritten(const uint8_t *buf, const jscan *js, const jbad *b)
{
    uint8_t *map = calloc(b->n, 1);
    if (!map)
        return 0;
    uint32_t count = 0;
    for (size_t i = 0; i < js->nv; i++) {
        size_t p = js->vpos[i];
        if (p < b->pos || get16(buf + p + 4) != b->db)
            continue;
        uint32_t o = get32(buf + p + 6), e = o + get32(buf + p);
        uint32_t lo = o > b->off ? o : b->off, hi = e < b->off + b->n ? e : b->off + b->n;
        for (uint32_t x = lo; x < hi; x++)
            if (!map[x - b->off]) {
                map[x - b->off] = 1;
                count++;
            }
    }
    free(map);
    return count;
}

static const char *plural(uint64_t n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

#define LISTED 3u /* damaged places a message describes one by one */

/* One damaged place in words. */
static void bad_text(s7__jbuf *m, const jbad *b)
{
    if (b->named) {
        char range[48];
        range_text(range, sizeof range, b->db, b->off, b->n);
        s7__jb_printf(
            m,
            "the record at byte offset %zu (record %llu) fails its checksum; its header says it "
            "wrote %lu "
            "byte%s to %s (the header is under the same checksum, so that may be damaged too)",
            b->pos, (unsigned long long)b->ord, (unsigned long)b->n, b->n == 1 ? "" : "s", range);
    } else {
        s7__jb_printf(m,
                      "%zu bytes at byte offset %zu, after record %llu, are no valid record (%s)",
                      b->len, b->pos, (unsigned long long)b->ord - 1, b->why);
    }
}

/* What losing the damaged places costs, in words. */
static void loss_text(s7__jbuf *m, const uint8_t *buf, const jscan *js)
{
    size_t shown = js->nbad < LISTED ? js->nbad : LISTED;
    for (size_t i = 0; i < shown; i++) {
        const jbad *b = &js->bad[i];
        s7__jb_printf(m, "%s", i == 0 ? "" : i + 1 == shown && js->nbad <= LISTED ? " and " : ", ");
        if (b->named) {
            char range[48];
            range_text(range, sizeof range, b->db, b->off, b->n);
            uint32_t again = rewritten(buf, js, b);
            s7__jb_printf(m, "the damaged record's write to %s", range);
            if (again == b->n)
                s7__jb_printf(m, " (every byte of it is written again by a later record)");
            else if (again)
                s7__jb_printf(m, " (%lu of its %lu bytes are written again by later records)",
                              (unsigned long)again, (unsigned long)b->n);
        } else {
            s7__jb_printf(
                m,
                "whatever the %zu damaged bytes at byte offset %zu wrote (which DB bytes cannot "
                "be told)",
                b->len, b->pos);
        }
    }
    if (js->nbad > LISTED)
        s7__jb_printf(m, " and the writes in the other %zu damaged places", js->nbad - LISTED);
}

/* The files a repair keeps aside, for messages. */
static void aside_names(s7__jbuf *m, const s7_retain *r, int snapshot, int journal)
{
    if (snapshot && journal)
        s7__jb_printf(m, "%s.damaged-YYYYMMDD-HHMMSS and %s.damaged-YYYYMMDD-HHMMSS (UTC)", r->path,
                      r->jpath);
    else
        s7__jb_printf(m, "%s.damaged-YYYYMMDD-HHMMSS (UTC)", snapshot ? r->path : r->jpath);
}

/* Replays the journal held in buf onto the staged images.  Returns 0 or S7_ERR_STATE (damage,
 * r->damage says which; a repair returns 0 with r->report and r->need_aside set). */
static int journal_replay(s7_retain *r, const uint8_t *buf, size_t len, int have_snapshot)
{
    if (len == 0)
        return 0;
    s7__jbuf m = {r->err, sizeof r->err, 0};
    s7__jbuf rep = {r->report, sizeof r->report, 0};
    if (!have_snapshot) {
        r->damage = DMG_NO_SNAPSHOT;
        if (r->repair) {
            r->need_aside = 1;
            s7__jb_printf(
                &rep,
                "repair: the state file %s was missing while its journal %s held %zu bytes; the "
                "retentive DBs start with their initial values (the journal only holds changes "
                "to the missing snapshot and is not replayed)",
                r->path, r->jpath, len);
            return 0;
        }
        s7__jb_printf(
            &m,
            "state file %s is missing but its journal %s (%zu bytes) exists: the snapshot was "
            "moved or deleted. Nothing was loaded and no file was changed. Restore the "
            "snapshot, or start with --repair: it keeps the journal aside as ",
            r->path, r->jpath, len);
        aside_names(&m, r, 0, 1);
        s7__jb_printf(&m, " and starts the retentive DBs with their initial values");
        return S7_ERR_STATE;
    }
    if (len < JNL_HDR) {
        rlog(r, S7_LOG_WARN,
             "journal %s: %zu bytes, shorter than its %u-byte header (a reset "
             "interrupted by a crash): nothing to replay, %zu bytes dropped",
             r->jpath, len, JNL_HDR, len);
        r->st.dropped_bytes = len;
        return 0;
    }
    int hdr_ok = memcmp(buf, JNL_MAGIC, 8) == 0 && get32(buf + 20) == s7_crc32(0, buf, 20);
    if (!hdr_ok) {
        if (len == JNL_HDR) {
            rlog(r, S7_LOG_WARN,
                 "journal %s: damaged header and no records (a reset "
                 "interrupted by a crash): ignored",
                 r->jpath);
            r->st.dropped_bytes = len;
            return 0;
        }
        r->damage = DMG_JOURNAL_HDR;
        snprintf(r->what, sizeof r->what,
                 "its header is not a valid s7kit journal header (magic or checksum) and %zu "
                 "bytes of records follow",
                 len - JNL_HDR);
    } else if (get32(buf + 8) != VERSION) {
        return fail(r, S7_ERR_STATE, "journal %s has version %u; this s7kit reads version %u",
                    r->jpath, get32(buf + 8), VERSION);
    } else {
        uint64_t gen = get64(buf + 12);
        if (gen < r->generation) {
            rlog(r, S7_LOG_INFO,
                 "journal %s of generation %llu predates the snapshot (generation "
                 "%llu) that already holds it: ignored",
                 r->jpath, (unsigned long long)gen, (unsigned long long)r->generation);
            return 0;
        }
        if (gen > r->generation) {
            r->damage = DMG_JOURNAL_GEN;
            snprintf(r->what, sizeof r->what,
                     "it belongs to generation %llu but the snapshot %s is generation %llu (an "
                     "older snapshot restored?)",
                     (unsigned long long)gen, r->path, (unsigned long long)r->generation);
        }
    }
    if (r->damage) { /* a header that does not fit the snapshot: none of its records */
        if (r->repair) {
            r->need_aside = 1;
            s7__jb_printf(
                &rep,
                "repair: the journal %s was not usable (%s); started from the snapshot %s alone: "
                "none of the journal's records were replayed",
                r->jpath, r->what, r->path);
            return 0;
        }
        s7__jb_printf(
            &m,
            "journal %s cannot be replayed: %s; refusing to guess which state its records "
            "belong to (replaying them would mix two states). Nothing was loaded and no file "
            "was changed. Restore both files from a backup, or start with --repair: it keeps "
            "both files aside as ",
            r->jpath, r->what);
        aside_names(&m, r, 1, 1);
        s7__jb_printf(&m, " and starts from the snapshot %s alone", r->path);
        return S7_ERR_STATE;
    }

    jscan js;
    memset(&js, 0, sizeof js);
    uint64_t skipped = 0;
    if (journal_scan(r, buf, len, &js, &skipped) < 0) {
        jscan_free(&js);
        return fail(r, S7_ERR_NOMEM, "out of memory reading the journal %s", r->jpath);
    }
    r->st.replayed = js.nv;
    if (js.nbad) {
        const jbad *b0 = &js.bad[0];
        uint64_t after = js.nv - b0->before;
        size_t lost = 0;
        for (size_t i = 0; i < js.nbad; i++)
            lost += js.bad[i].len;
        r->damage = DMG_RECORDS;
        if (r->repair) {
            r->need_aside = 1;
            r->st.dropped_bytes = lost + js.torn_len;
            s7__jbuf w = {r->what, sizeof r->what, 0};
            if (js.nbad > 1)
                s7__jb_printf(&w, "%zu damaged places; the first: ", js.nbad);
            if (b0->named)
                s7__jb_printf(&w, "the record at byte offset %zu (record %llu) failed its checksum",
                              b0->pos, (unsigned long long)b0->ord);
            else
                s7__jb_printf(&w, "%zu bytes at byte offset %zu were no valid record (%s)", b0->len,
                              b0->pos, b0->why);
            s7__jb_printf(
                &rep,
                "repair: the journal %s was damaged (%s); started from the snapshot %s and the "
                "journal's %llu valid record%s (%llu before the damage, %llu after it); lost ",
                r->jpath, r->what, r->path, (unsigned long long)js.nv, plural(js.nv, "", "s"),
                (unsigned long long)b0->before, (unsigned long long)after);
            loss_text(&rep, buf, &js);
            if (js.torn_len)
                s7__jb_printf(&rep, "; and dropped a torn tail of %zu bytes (%s)", js.torn_len,
                              js.torn_why);
        } else {
            s7__jb_printf(&m, "journal %s is damaged%s: ", r->jpath,
                          js.nbad > 1 ? " in several places" : "");
            size_t shown = js.nbad < LISTED ? js.nbad : LISTED;
            for (size_t i = 0; i < shown; i++) {
                s7__jb_printf(&m, "%s", i ? "; " : "");
                bad_text(&m, &js.bad[i]);
            }
            if (js.nbad > LISTED)
                s7__jb_printf(&m, "; and %zu more damaged places", js.nbad - LISTED);
            if (after)
                s7__jb_printf(
                    &m,
                    ". %llu record%s after %s carr%s a valid checksum, so this is not a torn tail "
                    "left by a crash: writes that were acknowledged follow the damage. ",
                    (unsigned long long)after, plural(after, "", "s"),
                    js.nbad > 1 ? "the first damage" : "it", plural(after, "ies", "y"));
            else
                s7__jb_printf(
                    &m, ". No valid record follows, but this is not a torn tail either (a crash "
                        "leaves the last record cut short, not complete with a wrong checksum, nor "
                        "bytes that start no record, nor a header naming bytes no retentive DB of "
                        "this server has). ");
            s7__jb_printf(
                &m, "Nothing was loaded and no file was changed. --repair keeps the snapshot %s",
                r->path);
            if (b0->before)
                s7__jb_printf(&m, ", the %llu record%s before the damage",
                              (unsigned long long)b0->before, plural(b0->before, "", "s"));
            if (after)
                s7__jb_printf(&m, " and the %llu valid record%s after it",
                              (unsigned long long)after, plural(after, "", "s"));
            s7__jb_printf(&m, ", loses ");
            loss_text(&m, buf, &js);
            s7__jb_printf(&m, ", and keeps the damaged files aside as ");
            aside_names(&m, r, 1, 1);
            s7__jb_printf(&m, "; or restore both files from a backup");
            jscan_free(&js);
            return S7_ERR_STATE;
        }
    } else if (js.torn_len) {
        r->st.dropped_bytes = js.torn_len;
        rlog(r, S7_LOG_WARN,
             "journal %s: %s: %zu bytes dropped (a torn tail: an append that a crash cut short "
             "before it was synced; in sync mode that write was never acknowledged)",
             r->jpath, js.torn_why, js.torn_len);
    }
    if (skipped)
        rlog(r, S7_LOG_WARN,
             "journal %s: %llu records name a DB or range that is no longer "
             "retentive here: not replayed (or only as far as they fit)",
             r->jpath, (unsigned long long)skipped);
    if (js.nv)
        rlog(r, S7_LOG_INFO, "journal %s: %llu writes replayed", r->jpath,
             (unsigned long long)js.nv);
    jscan_free(&js);
    return 0;
}

/* ---------------------------------------------------------------- snapshot */

/* Refuses a damaged snapshot: what (printf style) says what is wrong in a few words ("torn:
 * ...", "damaged: ...").  Returns S7_ERR_STATE. */
static int snap_damage(s7_retain *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int snap_damage(s7_retain *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->what, sizeof r->what, fmt, ap);
    va_end(ap);
    r->damage = DMG_SNAPSHOT;
    return fail(r, S7_ERR_STATE,
                "state file %s is %s; nothing was loaded and no file was changed. Restore it "
                "from a backup, or start with --repair: it keeps the file and its journal aside "
                "as %s.damaged-YYYYMMDD-HHMMSS and %s.damaged-YYYYMMDD-HHMMSS (UTC) and starts "
                "the retentive DBs with their initial values (nothing in a damaged snapshot can "
                "be verified, and its journal only holds changes to it)",
                r->path, r->what, r->path, r->jpath);
}

/* Loads the snapshot in buf onto the staged images.  Returns 0 or S7_ERR_STATE with a
 * message naming the damage (r->damage is DMG_SNAPSHOT when a repair may replace it). */
static int snapshot_load(s7_retain *r, const uint8_t *buf, size_t len)
{
    if (memcmp(buf, SNAP_MAGIC, len < 8 ? len : 8) != 0)
        return fail(r, S7_ERR_STATE,
                    "state file %s is not an s7kit state file (no S7KITSNP magic at its start); "
                    "nothing was loaded and no file was changed. Check that this is the file "
                    "meant: if it is, restore it from a backup, or move it (and its .journal) "
                    "away to start with initial values (--repair does not replace a file that "
                    "is not an s7kit state file)",
                    r->path);
    if (len < SNAP_HDR)
        return snap_damage(r, "torn: %zu bytes, shorter than the %u-byte header", len, SNAP_HDR);
    if (get32(buf + 36) != s7_crc32(0, buf, 36))
        return snap_damage(r, "damaged: header checksum mismatch");
    if (get32(buf + 8) != VERSION)
        return fail(r, S7_ERR_STATE, "state file %s has version %u; this s7kit reads version %u",
                    r->path, get32(buf + 8), VERSION);
    uint32_t ndb = get32(buf + 12);
    uint64_t gen = get64(buf + 16), body = get64(buf + 24);
    if (body != len - SNAP_HDR)
        return snap_damage(r, "torn: %zu bytes on disk, its header announces %llu", len,
                           (unsigned long long)(SNAP_HDR + body));
    if (get32(buf + 32) != s7_crc32(0, buf + SNAP_HDR, (size_t)body))
        return snap_damage(r, "damaged: the checksum of its %llu data bytes does not match",
                           (unsigned long long)body);

    /* First pass: structure and sizes, nothing copied yet. */
    size_t pos = SNAP_HDR;
    long prev = -1;
    for (uint32_t i = 0; i < ndb; i++) {
        if (len - pos < 8)
            return snap_damage(r, "malformed: DB entry %u runs past the end", i + 1);
        uint16_t num = get16(buf + pos);
        uint32_t size = get32(buf + pos + 4);
        if (num == 0 || (long)num <= prev || size == 0 || size > 65535u || len - pos - 8 < size)
            return snap_damage(r,
                               "malformed: DB entry %u (DB%u, %u bytes) is out of order or out "
                               "of bounds",
                               i + 1, num, size);
        rdb *d = find_db(r, num);
        if (d && d->size != size && r->o.resize == S7_RETAIN_RESIZE_REFUSE)
            return fail(r, S7_ERR_STATE,
                        "DB%u is %u bytes in the state file %s but %u bytes now: refusing to load "
                        "retentive data into a DB whose layout changed. Set the size back to %u, "
                        "or allow loading what fits (retain_resize: fit), or move the state file "
                        "away to start with initial values",
                        num, size, r->path, d->size, size);
        prev = num;
        pos += 8 + size;
    }
    if (pos != len)
        return snap_damage(r, "malformed: %zu bytes after the last DB", len - pos);

    /* Second pass: copy. */
    pos = SNAP_HDR;
    for (uint32_t i = 0; i < ndb; i++) {
        uint16_t num = get16(buf + pos);
        uint32_t size = get32(buf + pos + 4);
        rdb *d = find_db(r, num);
        if (!d) {
            rlog(r, S7_LOG_WARN,
                 "state file %s holds DB%u (%u bytes), which is not a retentive DB "
                 "of this CPU: not loaded, and dropped at the next compaction",
                 r->path, num, size);
        } else {
            uint32_t k = size < d->size ? size : d->size;
            memcpy(d->stage, buf + pos + 8, k);
            if (size != d->size)
                rlog(r, S7_LOG_WARN,
                     "DB%u: %u bytes in the state file, %u now: loaded the first "
                     "%u (retain_resize: fit)",
                     num, size, d->size, k);
        }
        pos += 8 + size;
    }
    for (size_t i = 0; i < r->ndbs; i++) {
        int found = 0;
        pos = SNAP_HDR;
        for (uint32_t k = 0; k < ndb && !found; k++) {
            found = get16(buf + pos) == r->dbs[i].num;
            pos += 8 + get32(buf + pos + 4);
        }
        if (!found)
            rlog(r, S7_LOG_INFO,
                 "DB%u is not in the state file yet: it starts with its initial "
                 "values",
                 r->dbs[i].num);
    }
    r->generation = gen;
    r->st.snapshot_loaded = 1;
    rlog(r, S7_LOG_INFO, "state file %s: generation %llu, %u DBs loaded", r->path,
         (unsigned long long)gen, ndb);
    return 0;
}

int s7_retain_compact(s7_retain *r)
{
    if (!r)
        return S7_ERR_INVAL;
    uint64_t body = 0;
    for (size_t i = 0; i < r->ndbs; i++)
        body += 8u + r->dbs[i].size;
    uint8_t *buf = malloc((size_t)(SNAP_HDR + body));
    if (!buf)
        return fail(r, S7_ERR_NOMEM, "out of memory for a snapshot of %llu bytes",
                    (unsigned long long)body);
    size_t pos = SNAP_HDR;
    for (size_t i = 0; i < r->ndbs; i++) {
        const rdb *d = &r->dbs[i];
        const uint8_t *m = db_bytes(r, d);
        if (!m) {
            free(buf);
            return fail(r, S7_ERR_STATE, "DB%u is no longer a %u-byte DB of the CPU", d->num,
                        d->size);
        }
        put16(buf + pos, d->num);
        put16(buf + pos + 2, 0);
        put32(buf + pos + 4, d->size);
        memcpy(buf + pos + 8, m, d->size);
        pos += 8u + d->size;
    }
    uint64_t gen = r->generation + 1;
    memcpy(buf, SNAP_MAGIC, 8);
    put32(buf + 8, VERSION);
    put32(buf + 12, (uint32_t)r->ndbs);
    put64(buf + 16, gen);
    put64(buf + 24, body);
    put32(buf + 32, s7_crc32(0, buf + SNAP_HDR, (size_t)body));
    put32(buf + 36, s7_crc32(0, buf, 36));

    char fix[4400];
    int fd = open(r->tpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        int e = errno;
        free(buf);
        return fail(r, S7_ERR_IO, "cannot create %s: %s%s", r->tpath, strerror(e),
                    s7__file_fix(e, r->tpath, 1, fix, sizeof fix));
    }
    if (write_all(fd, buf, pos) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(r->tpath);
        free(buf);
        return fail(r, S7_ERR_IO, "cannot write %s: %s%s", r->tpath, strerror(e),
                    s7__file_fix(e, r->tpath, 1, fix, sizeof fix));
    }
    free(buf);
    if (close(fd) != 0) {
        int e = errno;
        unlink(r->tpath);
        return fail(r, S7_ERR_IO, "cannot write %s: %s%s", r->tpath, strerror(e),
                    s7__file_fix(e, r->tpath, 1, fix, sizeof fix));
    }
    if (rename(r->tpath, r->path) != 0) {
        int e = errno;
        unlink(r->tpath);
        return fail(r, S7_ERR_IO, "cannot rename %s to %s: %s%s", r->tpath, r->path, strerror(e),
                    s7__file_fix(e, r->path, 1, fix, sizeof fix));
    }
    if (sync_dir(r->path) != 0)
        return fail(r, S7_ERR_IO, "cannot sync the directory of %s: %s", r->path, strerror(errno));
    /* The new snapshot is durable: the journal's records are in it. */
    r->generation = gen;
    r->st.generation = gen;
    r->st.compactions++;
    int rc = journal_reset(r);
    if (rc < 0)
        return rc; /* the stale journal is ignored at the next open (older generation) */
    r->failed = 0;
    return 0;
}

/* ---------------------------------------------------------------- open / close */

static void free_store(s7_retain *r)
{
    if (r->jfd >= 0)
        close(r->jfd); /* releases the lock */
    for (size_t i = 0; i < r->ndbs; i++)
        free(r->dbs[i].stage);
    free(r->dbs);
    free(r->path);
    free(r->jpath);
    free(r->tpath);
    free(r->rec);
    free(r);
}

static char *concat(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 1);
    if (s) {
        memcpy(s, a, la);
        memcpy(s + la, b, lb + 1);
    }
    return s;
}

/* Writes len bytes of buf to a new file path (never an existing one), synced.  0, or -1 with
 * errno (EEXIST: the name is taken). */
static int write_new(const char *path, const uint8_t *buf, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0)
        return -1;
    if (write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(path);
        errno = e;
        return -1;
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(path);
        errno = e;
        return -1;
    }
    return 0;
}

/* A repair: the snapshot and the journal as they were read are copied to
 * FILE.damaged-STAMP and FILE.journal.damaged-STAMP (STAMP the UTC time, "-2", "-3" ...
 * added when a set of that name exists), synced, before anything is replaced.  Appends
 * where they went to the report.  0, or S7_ERR_IO / S7_ERR_NOMEM (nothing is repaired). */
static int set_aside(s7_retain *r, const uint8_t *snap, size_t snap_len, int have_snapshot,
                     const uint8_t *jnl, size_t jnl_len)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm))
        snprintf(stamp, sizeof stamp, "%lld", (long long)now);
    size_t cap = strlen(r->path) + 64;
    char *sp = malloc(cap), *jp = malloc(cap);
    if (!sp || !jp) {
        free(sp);
        free(jp);
        return fail(r, S7_ERR_NOMEM, "out of memory");
    }
    int rc = S7_ERR_IO;
    for (unsigned k = 1; k <= 1000; k++) {
        char suffix[48];
        if (k == 1)
            snprintf(suffix, sizeof suffix, "%s", stamp);
        else
            snprintf(suffix, sizeof suffix, "%s-%u", stamp, k);
        snprintf(sp, cap, "%s.damaged-%s", r->path, suffix);
        snprintf(jp, cap, "%s.journal.damaged-%s", r->path, suffix);
        struct stat sb;
        if (lstat(sp, &sb) == 0 || lstat(jp, &sb) == 0)
            continue; /* an earlier set: never overwritten */
        if (have_snapshot && write_new(sp, snap, snap_len) != 0) {
            if (errno == EEXIST)
                continue;
            rc = fail(r, S7_ERR_IO,
                      "cannot keep the damaged state file aside as %s: %s; nothing was repaired "
                      "and no file was changed",
                      sp, strerror(errno));
            break;
        }
        if (jnl_len && write_new(jp, jnl, jnl_len) != 0) {
            int e = errno;
            if (have_snapshot)
                unlink(sp);
            if (e == EEXIST)
                continue;
            rc = fail(r, S7_ERR_IO,
                      "cannot keep the damaged journal aside as %s: %s; nothing was repaired "
                      "and no file was changed",
                      jp, strerror(e));
            break;
        }
        if (sync_dir(r->path) != 0) {
            rc =
                fail(r, S7_ERR_IO, "cannot sync the directory of %s: %s", r->path, strerror(errno));
            break;
        }
        s7__jbuf rep = {r->report, sizeof r->report, strlen(r->report)};
        if (have_snapshot && jnl_len)
            s7__jb_printf(&rep, "; the damaged files are kept aside as %s and %s", sp, jp);
        else
            s7__jb_printf(&rep, "; the damaged %s is kept aside as %s",
                          have_snapshot ? "file" : "journal", have_snapshot ? sp : jp);
        rc = 0;
        break;
    }
    if (rc == S7_ERR_IO && !r->err[0])
        fail(r, S7_ERR_IO, "cannot find a free name for %s.damaged-%s", r->path, stamp);
    free(sp);
    free(jp);
    return rc;
}

int s7_retain_open(s7_retain **out, s7_cpu *cpu, const char *path, const s7_retain_opts *o,
                   char *err, size_t errcap)
{
    return s7_retain_open_ex(out, cpu, path, o, 0, err, errcap);
}

int s7_retain_open_ex(s7_retain **out, s7_cpu *cpu, const char *path, const s7_retain_opts *o,
                      unsigned flags, char *err, size_t errcap)
{
    if (err && errcap)
        err[0] = 0;
    if (!out || !cpu || !path || !*path) {
        if (err && errcap)
            snprintf(err, errcap, "retain: no CPU or no state file name");
        return S7_ERR_INVAL;
    }
    *out = NULL;
    s7_retain *r = calloc(1, sizeof *r);
    if (!r)
        return S7_ERR_NOMEM;
    r->jfd = -1;
    r->cpu = cpu;
    r->repair = (flags & S7_RETAIN_OPEN_REPAIR) != 0;
    if (o)
        r->o = *o;
    else
        s7_retain_opts_init(&r->o);
    if (!r->o.compact_bytes)
        r->o.compact_bytes = 4u << 20;
    if (r->o.flush_ms <= 0)
        r->o.flush_ms = 1000;
    r->path = concat(path, "");
    r->jpath = concat(path, ".journal");
    r->tpath = concat(path, ".tmp");
    int rc = S7_ERR_NOMEM, created = 0;
    uint8_t *snap = NULL, *jnl = NULL;
    size_t snap_len = 0, jnl_len = 0;
    if (!r->path || !r->jpath || !r->tpath)
        goto out;

    /* The retentive DBs of the CPU, ascending, each with a staged copy of its memory. */
    for (uint32_t num = 1; num <= 65535u; num++) {
        if (!(s7_cpu_db_flags(cpu, (uint16_t)num) & S7_DB_RETAIN))
            continue;
        uint32_t size = 0;
        const uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, (uint16_t)num, &size);
        if (!m || !size)
            continue;
        rdb *n = realloc(r->dbs, (r->ndbs + 1) * sizeof *n);
        if (!n)
            goto out;
        r->dbs = n;
        rdb *d = &r->dbs[r->ndbs];
        d->num = (uint16_t)num;
        d->size = size;
        d->stage = malloc(size);
        if (!d->stage)
            goto out;
        memcpy(d->stage, m, size);
        r->ndbs++;
    }
    r->st.dbs = (uint32_t)r->ndbs;

    /* The files: regular files, distinct, before anything is created. */
    if ((rc = s7_retain_check_files(path, "the state file", NULL, NULL, 0, r->err, sizeof r->err)) <
        0)
        goto out;

    /* The journal first: its lock says whether another server uses this state.  Opened
     * without O_CREAT first, so that a refused start can remove a journal it created. */
    r->jfd = s7__open_regular(r->jpath, O_RDWR | O_APPEND, 0, "the journal", r->err, sizeof r->err);
    if (r->jfd < 0 && errno == ENOENT) {
        r->jfd = s7__open_regular(r->jpath, O_RDWR | O_APPEND | O_CREAT | O_EXCL, 0644,
                                  "the journal", r->err, sizeof r->err);
        created = r->jfd >= 0;
        if (r->jfd < 0 && errno == EEXIST) /* a link to a file not there yet: create it */
            r->jfd = s7__open_regular(r->jpath, O_RDWR | O_APPEND | O_CREAT, 0644, "the journal",
                                      r->err, sizeof r->err);
    }
    if (r->jfd < 0) {
        rc = errno == EINVAL ? S7_ERR_INVAL : S7_ERR_IO;
        goto out;
    }
    if (flock(r->jfd, LOCK_EX | LOCK_NB) != 0) {
        created = 0; /* not ours to remove */
        rc = errno == EWOULDBLOCK
                 ? fail(r, S7_ERR_STATE,
                        "state file %s is in use by another running server "
                        "(its journal %s is locked)",
                        r->path, r->jpath)
                 : fail(r, S7_ERR_IO, "cannot lock %s: %s", r->jpath, strerror(errno));
        goto out;
    }
    struct stat sb;
    if (lstat(r->tpath, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) {
            rc = fail(r, S7_ERR_INVAL,
                      "%s is a directory: the store writes each new snapshot there before "
                      "renaming it over %s; remove it",
                      r->tpath, r->path);
            goto out;
        }
        if (unlink(r->tpath) == 0)
            rlog(r, S7_LOG_INFO, "removed %s, a snapshot a crash left unfinished (%s is intact)",
                 r->tpath, r->path);
    }

    int have_snapshot = 1, snap_bad = 0;
    int sfd = s7__open_regular(r->path, O_RDONLY, 0, "the state file", r->err, sizeof r->err);
    if (sfd < 0) {
        if (errno != ENOENT) {
            rc = errno == EINVAL ? S7_ERR_INVAL : S7_ERR_IO;
            goto out;
        }
        r->err[0] = 0;
        have_snapshot = 0;
    } else {
        int got = read_fd(sfd, &snap, &snap_len);
        int e = errno;
        close(sfd);
        if (got != 0) {
            rc = fail(r, S7_ERR_IO, "cannot read the state file %s: %s", r->path, strerror(e));
            goto out;
        }
    }
    if (have_snapshot && (rc = snapshot_load(r, snap, snap_len)) < 0) {
        if (!r->repair || r->damage != DMG_SNAPSHOT)
            goto out;
        snap_bad = 1; /* nothing was copied: the staged images hold the initial values */
    }
    if (read_fd(r->jfd, &jnl, &jnl_len) != 0) {
        rc = fail(r, S7_ERR_IO, "cannot read the journal %s: %s", r->jpath, strerror(errno));
        goto out;
    }
    if (snap_bad) {
        r->need_aside = 1;
        s7__jbuf rep = {r->report, sizeof r->report, 0};
        s7__jb_printf(
            &rep,
            "repair: the state file %s was %s; the retentive DBs start with their initial "
            "values",
            r->path, r->what);
        if (jnl_len > JNL_HDR)
            s7__jb_printf(
                &rep,
                ", and its journal's %zu bytes of records are not replayed (they only hold "
                "changes to the damaged snapshot)",
                jnl_len - JNL_HDR);
    } else if ((rc = journal_replay(r, jnl, jnl_len, have_snapshot)) < 0) {
        goto out;
    }
    if (r->need_aside && (rc = set_aside(r, snap, snap_len, have_snapshot, jnl, jnl_len)) < 0)
        goto out;
    if (!have_snapshot && !r->need_aside)
        rlog(r, S7_LOG_INFO,
             "state file %s does not exist yet: created with the initial values of "
             "%zu retentive DBs",
             r->path, r->ndbs);

    /* A clean start: the staged state becomes the snapshot, the journal is emptied. */
    if ((rc = s7_retain_compact(r)) < 0)
        goto out;
    created = 0;
    if (r->report[0])
        rlog(r, S7_LOG_WARN, "%s", r->report);
    else if (r->repair)
        rlog(r, S7_LOG_INFO,
             "repair: the state file %s and its journal are intact: nothing to "
             "repair",
             r->path);
    r->st.compactions = 0; /* count compactions of the running server */
    for (size_t i = 0; i < r->ndbs; i++) {
        uint32_t size = 0;
        uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, r->dbs[i].num, &size);
        memcpy(m, r->dbs[i].stage, size);
        free(r->dbs[i].stage);
        r->dbs[i].stage = NULL;
    }
    if (have_snapshot && r->ndbs)
        s7__diag_add(cpu, S7__DIAG_RETAIN_RESTORED); /* the diagnostic buffer says so */
    rc = 0;
out:
    free(snap);
    free(jnl);
    if (rc < 0) {
        if (created)
            unlink(r->jpath); /* the empty journal this refused open made */
        if (err && errcap)
            snprintf(err, errcap, "%s", r->err[0] ? r->err : s7_strerror(rc));
        free_store(r);
        return rc;
    }
    r->err[0] = 0;
    *out = r;
    return 0;
}

void s7_retain_free(s7_retain *r)
{
    if (r)
        free_store(r);
}

int s7_retain_close(s7_retain *r)
{
    if (!r)
        return 0;
    int rc = s7_retain_compact(r);
    free_store(r);
    return rc;
}

/* ---------------------------------------------------------------- writes */

int s7_retain_sync(s7_retain *r)
{
    if (!r)
        return S7_ERR_INVAL;
    if (fdatasync(r->jfd) != 0) {
        r->failed = 1;
        return fail(r, S7_ERR_IO, "cannot sync the journal %s: %s", r->jpath, strerror(errno));
    }
    r->st.syncs++;
    r->pending = 0;
    r->unsynced = 0;
    return 0;
}

int s7_retain_set_group(s7_retain *r, int on)
{
    if (!r)
        return S7_ERR_INVAL;
    r->group = on != 0;
    return 0;
}

int s7_retain_tick(s7_retain *r)
{
    if (!r || !r->pending)
        return 0;
    if (s7__mono_ms() - r->pending_since < r->o.flush_ms)
        return 0;
    return s7_retain_sync(r);
}

/* fdatasync the journal (SYNC mode); returns 0 or the error that stops the server. */
static int sync_journal(s7_retain *r)
{
    if (fdatasync(r->jfd) != 0) {
        r->failed = 1;
        return fail(r, S7_ERR_IO, "cannot sync the journal %s: %s", r->jpath, strerror(errno));
    }
    r->unsynced = 0;
    r->st.syncs++;
    return 0;
}

int s7_retain_record(s7_retain *r, uint16_t db, uint32_t off, uint32_t len)
{
    if (!r)
        return S7_ERR_INVAL;
    rdb *d = find_db(r, db);
    if (!d || len == 0)
        return 0;
    if (r->failed)
        return fail(r, S7_ERR_IO, "the journal %s failed earlier; writes to DB%u are not persisted",
                    r->jpath, db);
    const uint8_t *m = db_bytes(r, d);
    if (!m || off >= d->size)
        return 0;
    if (len > d->size - off)
        len = d->size - off;
    size_t need = REC_HDR + (size_t)len + 4;
    if (need > r->rec_cap) {
        uint8_t *b = realloc(r->rec, need);
        if (!b)
            return fail(r, S7_ERR_NOMEM, "out of memory for a journal record");
        r->rec = b;
        r->rec_cap = need;
    }
    put32(r->rec, len);
    put16(r->rec + 4, db);
    put32(r->rec + 6, off);
    memcpy(r->rec + REC_HDR, m + off, len);
    put32(r->rec + REC_HDR + len, s7_crc32(0, r->rec, REC_HDR + len));
    if (write_all(r->jfd, r->rec, need) != 0) {
        int e = errno;
        r->failed = 1;
        /* cut a partial record so the next compaction or open starts clean */
        if (ftruncate(r->jfd, (off_t)r->jsize) != 0) {
        }
        return fail(r, S7_ERR_IO, "cannot append to the journal %s: %s", r->jpath, strerror(e));
    }
    r->jsize += need;
    r->st.records++;
    if (r->o.mode == S7_RETAIN_SYNC) {
        r->unsynced = 1;
        if (!r->in_request) {
            int rc = sync_journal(r);
            if (rc < 0)
                return rc;
        }
    } else if (!r->pending) {
        r->pending = 1;
        r->pending_since = s7__mono_ms();
    }
    if (r->jsize >= r->compact_at) {
        int rc = s7_retain_compact(r);
        if (rc < 0) {
            /* the record itself is in the journal: log, retry after more growth */
            rlog(r, S7_LOG_WARN, "compaction failed: %s (the journal keeps growing)", r->err);
            r->compact_at = r->jsize + r->o.compact_bytes;
            r->err[0] = 0;
        }
    }
    return 0;
}

int s7_retain_event(s7_retain *r, const s7_cpu_event *ev)
{
    if (!r || !ev)
        return 0;
    if (ev->kind == S7_EV_DONE) {
        /* the end of a job, before its reply leaves: one fdatasync for all its items, or,
         * in a group commit, one for all the jobs the caller holds the replies of */
        int wrote = r->job_wrote;
        r->in_request = 0;
        r->job_wrote = 0;
        if (!r->unsynced || r->o.mode != S7_RETAIN_SYNC)
            return 0;
        if (r->group)
            return wrote; /* 1: this job's reply waits for s7_retain_sync */
        return sync_journal(r);
    }
    if (ev->kind != S7_EV_WRITE || ev->rc != S7_RC_OK)
        return 0;
    if (ev->area != S7_AREA_DB && ev->area != S7_AREA_DI)
        return 0;
    /* a Write Var's item waits for its job's S7_EV_DONE to sync; the CPU's own write
     * (s7_cpu_write, no session) has no DONE after it and is synced at once */
    if (ev->sess)
        r->in_request = 1;
    uint64_t before = r->st.records;
    int rc = s7_retain_record(r, ev->db, ev->start, ev->len);
    if (ev->sess && r->st.records != before)
        r->job_wrote = 1;
    return rc;
}

void s7_retain_stats_get(const s7_retain *r, s7_retain_stats *st)
{
    if (!st)
        return;
    if (!r) {
        memset(st, 0, sizeof *st);
        return;
    }
    *st = r->st;
    st->generation = r->generation;
    st->journal_bytes = r->jsize;
}

const char *s7_retain_error(const s7_retain *r) { return r ? r->err : ""; }

const char *s7_retain_repair_report(const s7_retain *r) { return r ? r->report : ""; }
