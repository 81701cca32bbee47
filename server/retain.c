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
 * crash between the rename and the journal reset) and is ignored. */
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

#include "s7/log.h"
#include "s7/retain.h"

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
    int64_t pending_since;
    uint8_t *rec; /* record buffer */
    size_t rec_cap;
    s7_retain_stats st;
    char err[512];
};

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

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void rlog(s7_retain *r, int level, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

static void rlog(s7_retain *r, int level, const char *fmt, ...)
{
    if (!r->o.log)
        return;
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    r->o.log(r->o.log_ctx, level, msg);
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

/* Reads a whole file into a malloc'ed buffer.  0, or -1 with errno (ENOENT when absent). */
static int read_file(const char *path, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    size_t cap = (size_t)sb.st_size + 1, n = 0;
    uint8_t *buf = malloc(cap);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (n == cap) {
            uint8_t *b = realloc(buf, cap * 2);
            if (!b) {
                free(buf);
                close(fd);
                errno = ENOMEM;
                return -1;
            }
            buf = b;
            cap *= 2;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return -1;
        }
        if (got == 0)
            break;
        n += (size_t)got;
    }
    close(fd);
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
    r->st.syncs++;
    return 0;
}

/* Replays the journal held in buf onto the staged images.  Returns 0 or S7_ERR_STATE. */
static int journal_replay(s7_retain *r, const uint8_t *buf, size_t len, int have_snapshot)
{
    if (len == 0)
        return 0;
    if (!have_snapshot)
        return fail(r, S7_ERR_STATE,
                    "state file %s is missing but its journal %s (%zu bytes) exists: the snapshot "
                    "was moved or deleted; restore it, or move the journal away to start with "
                    "initial values",
                    r->path, r->jpath, len);
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
        return fail(r, S7_ERR_STATE,
                    "journal %s is damaged: its header is not a valid s7kit journal header "
                    "(magic or checksum) and %zu bytes of records follow; refusing to guess. Move "
                    "it away to start from the snapshot %s alone",
                    r->jpath, len - JNL_HDR, r->path);
    }
    if (get32(buf + 8) != VERSION)
        return fail(r, S7_ERR_STATE, "journal %s has version %u; this s7kit reads version %u",
                    r->jpath, get32(buf + 8), VERSION);
    uint64_t gen = get64(buf + 12);
    if (gen < r->generation) {
        rlog(r, S7_LOG_INFO,
             "journal %s of generation %llu predates the snapshot (generation "
             "%llu) that already holds it: ignored",
             r->jpath, (unsigned long long)gen, (unsigned long long)r->generation);
        return 0;
    }
    if (gen > r->generation)
        return fail(r, S7_ERR_STATE,
                    "journal %s belongs to generation %llu but the snapshot %s is generation %llu "
                    "(an older snapshot restored?): replaying it would mix two states. Move the "
                    "journal away to start from the snapshot alone",
                    r->jpath, (unsigned long long)gen, r->path, (unsigned long long)r->generation);

    size_t pos = JNL_HDR;
    uint64_t n_ok = 0, skipped = 0;
    const char *why = NULL;
    int torn = 1; /* the bad record reaches the end of the file (or is zeros up to it) */
    while (pos < len) {
        size_t left = len - pos;
        if (left < REC_HDR + 4) {
            why = "torn record header";
            break;
        }
        uint32_t n = get32(buf + pos);
        if (n == 0 || n > REC_MAX) {
            why = "impossible record length";
            for (size_t k = pos; k < len && torn; k++)
                torn = buf[k] == 0;
            break;
        }
        if (left < REC_HDR + (size_t)n + 4) {
            why = "torn record";
            break;
        }
        if (get32(buf + pos + REC_HDR + n) != s7_crc32(0, buf + pos, REC_HDR + n)) {
            why = "record checksum mismatch";
            torn = left == REC_HDR + (size_t)n + 4;
            break;
        }
        uint16_t db = get16(buf + pos + 4);
        uint32_t off = get32(buf + pos + 6);
        rdb *d = find_db(r, db);
        if (d && off < d->size) {
            uint32_t k = d->size - off < n ? d->size - off : n;
            memcpy(d->stage + off, buf + pos + REC_HDR, k);
            if (k < n)
                skipped++;
        } else {
            skipped++;
        }
        n_ok++;
        pos += REC_HDR + n + 4;
    }
    r->st.replayed = n_ok;
    if (pos < len) {
        size_t dropped = len - pos;
        r->st.dropped_bytes = dropped;
        rlog(r, S7_LOG_WARN, "journal %s: %s after record %llu: %zu bytes dropped (%s)", r->jpath,
             why, (unsigned long long)n_ok, dropped,
             torn ? "a torn tail: a write that was never acknowledged"
                  : "the journal is damaged; acknowledged writes after this point may be lost");
    }
    if (skipped)
        rlog(r, S7_LOG_WARN,
             "journal %s: %llu records name a DB or range that is no longer "
             "retentive here: not replayed (or only as far as they fit)",
             r->jpath, (unsigned long long)skipped);
    if (n_ok)
        rlog(r, S7_LOG_INFO, "journal %s: %llu writes replayed", r->jpath,
             (unsigned long long)n_ok);
    return 0;
}

/* ---------------------------------------------------------------- snapshot */

/* Loads the snapshot in buf onto the staged images.  Returns 0 or S7_ERR_STATE with a
 * message naming the damage. */
static int snapshot_load(s7_retain *r, const uint8_t *buf, size_t len)
{
    const char *refuse = "nothing was loaded; restore the file from a backup, or move it "
                         "(and its .journal) away to start with initial values";
    if (memcmp(buf, SNAP_MAGIC, len < 8 ? len : 8) != 0)
        return fail(r, S7_ERR_STATE,
                    "state file %s is not an s7kit state file (no S7KITSNP magic "
                    "at its start); %s",
                    r->path, refuse);
    if (len < SNAP_HDR)
        return fail(r, S7_ERR_STATE,
                    "state file %s is torn: %zu bytes, shorter than the %u-byte "
                    "header; %s",
                    r->path, len, SNAP_HDR, refuse);
    if (get32(buf + 36) != s7_crc32(0, buf, 36))
        return fail(r, S7_ERR_STATE, "state file %s is damaged: header checksum mismatch; %s",
                    r->path, refuse);
    if (get32(buf + 8) != VERSION)
        return fail(r, S7_ERR_STATE, "state file %s has version %u; this s7kit reads version %u",
                    r->path, get32(buf + 8), VERSION);
    uint32_t ndb = get32(buf + 12);
    uint64_t gen = get64(buf + 16), body = get64(buf + 24);
    if (body != len - SNAP_HDR)
        return fail(r, S7_ERR_STATE,
                    "state file %s is torn: %zu bytes on disk, its header "
                    "announces %llu; %s",
                    r->path, len, (unsigned long long)(SNAP_HDR + body), refuse);
    if (get32(buf + 32) != s7_crc32(0, buf + SNAP_HDR, (size_t)body))
        return fail(r, S7_ERR_STATE,
                    "state file %s is damaged: the checksum of its %llu data "
                    "bytes does not match; %s",
                    r->path, (unsigned long long)body, refuse);

    /* First pass: structure and sizes, nothing copied yet. */
    size_t pos = SNAP_HDR;
    long prev = -1;
    for (uint32_t i = 0; i < ndb; i++) {
        if (len - pos < 8)
            return fail(r, S7_ERR_STATE,
                        "state file %s is malformed: DB entry %u runs past the "
                        "end; %s",
                        r->path, i + 1, refuse);
        uint16_t num = get16(buf + pos);
        uint32_t size = get32(buf + pos + 4);
        if (num == 0 || (long)num <= prev || size == 0 || size > 65535u || len - pos - 8 < size)
            return fail(r, S7_ERR_STATE,
                        "state file %s is malformed: DB entry %u (DB%u, %u bytes) "
                        "is out of order or out of bounds; %s",
                        r->path, i + 1, num, size, refuse);
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
        return fail(r, S7_ERR_STATE, "state file %s is malformed: %zu bytes after the last DB; %s",
                    r->path, len - pos, refuse);

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

    int fd = open(r->tpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        free(buf);
        return fail(r, S7_ERR_IO, "cannot create %s: %s", r->tpath, strerror(errno));
    }
    if (write_all(fd, buf, pos) != 0 || fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(r->tpath);
        free(buf);
        return fail(r, S7_ERR_IO, "cannot write %s: %s", r->tpath, strerror(e));
    }
    free(buf);
    if (close(fd) != 0) {
        int e = errno;
        unlink(r->tpath);
        return fail(r, S7_ERR_IO, "cannot write %s: %s", r->tpath, strerror(e));
    }
    if (rename(r->tpath, r->path) != 0) {
        int e = errno;
        unlink(r->tpath);
        return fail(r, S7_ERR_IO, "cannot rename %s to %s: %s", r->tpath, r->path, strerror(e));
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

int s7_retain_open(s7_retain **out, s7_cpu *cpu, const char *path, const s7_retain_opts *o,
                   char *err, size_t errcap)
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
    int rc = S7_ERR_NOMEM;
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

    /* The journal first: its lock says whether another server uses this state. */
    r->jfd = open(r->jpath, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (r->jfd < 0) {
        rc = fail(r, S7_ERR_IO, "cannot open the journal %s: %s", r->jpath, strerror(errno));
        goto out;
    }
    if (flock(r->jfd, LOCK_EX | LOCK_NB) != 0) {
        rc = errno == EWOULDBLOCK
                 ? fail(r, S7_ERR_STATE,
                        "state file %s is in use by another running server "
                        "(its journal %s is locked)",
                        r->path, r->jpath)
                 : fail(r, S7_ERR_IO, "cannot lock %s: %s", r->jpath, strerror(errno));
        goto out;
    }
    if (unlink(r->tpath) == 0)
        rlog(r, S7_LOG_INFO, "removed %s, a snapshot a crash left unfinished (%s is intact)",
             r->tpath, r->path);

    int have_snapshot = 1;
    if (read_file(r->path, &snap, &snap_len) != 0) {
        if (errno != ENOENT) {
            rc = fail(r, S7_ERR_IO, "cannot read the state file %s: %s", r->path, strerror(errno));
            goto out;
        }
        have_snapshot = 0;
    }
    if (have_snapshot && (rc = snapshot_load(r, snap, snap_len)) < 0)
        goto out;
    if (read_file(r->jpath, &jnl, &jnl_len) != 0) {
        rc = fail(r, S7_ERR_IO, "cannot read the journal %s: %s", r->jpath, strerror(errno));
        goto out;
    }
    if ((rc = journal_replay(r, jnl, jnl_len, have_snapshot)) < 0)
        goto out;
    if (!have_snapshot)
        rlog(r, S7_LOG_INFO,
             "state file %s does not exist yet: created with the initial values of "
             "%zu retentive DBs",
             r->path, r->ndbs);

    /* A clean start: the staged state becomes the snapshot, the journal is emptied. */
    if ((rc = s7_retain_compact(r)) < 0)
        goto out;
    r->st.compactions = 0; /* count compactions of the running server */
    for (size_t i = 0; i < r->ndbs; i++) {
        uint32_t size = 0;
        uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, r->dbs[i].num, &size);
        memcpy(m, r->dbs[i].stage, size);
        free(r->dbs[i].stage);
        r->dbs[i].stage = NULL;
    }
    rc = 0;
out:
    free(snap);
    free(jnl);
    if (rc < 0) {
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
    return 0;
}

int s7_retain_tick(s7_retain *r)
{
    if (!r || !r->pending)
        return 0;
    if (mono_ms() - r->pending_since < r->o.flush_ms)
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
        r->pending_since = mono_ms();
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
        /* the end of a job, before its reply leaves: one fdatasync for all its items */
        r->in_request = 0;
        return r->unsynced && r->o.mode == S7_RETAIN_SYNC ? sync_journal(r) : 0;
    }
    if (ev->kind != S7_EV_WRITE || ev->rc != S7_RC_OK)
        return 0;
    if (ev->area != S7_AREA_DB && ev->area != S7_AREA_DI)
        return 0;
    r->in_request = 1;
    return s7_retain_record(r, ev->db, ev->start, ev->len);
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
