/* Fuzz target: the retentive store's loader (server/retain.c) on arbitrary state files.
 * A CPU with a few retentive DBs opens a store whose snapshot (FILE) and journal
 * (FILE.journal) come from the input, in a private folder under /tmp that is emptied after
 * each input.  The layouts are in retain.c; the harness can put right the checksums and
 * the lengths the fuzzer cannot guess, so it gets past them to what they guard.
 *
 * Input: byte 0 flags (bit 0 resize: fit, bit 1 fix the checksums, bit 2 fix the snapshot's
 * body length and give the journal the snapshot's generation, bit 3 compact after 64
 * journal bytes, bits 4-5 the CPU's DBs, bit 6 end with a crash (free, no compaction)
 * instead of a close, bit 7 ASYNC); bytes 1-2 the snapshot's length n (little-endian; bit
 * 15 opens with S7_RETAIN_OPEN_REPAIR, the rest is n; 0xFFFF: no snapshot file); n bytes
 * snapshot; the rest the journal (none: no journal file).
 *
 * Whatever the files hold: nothing may crash, leak or hang; a refused open leaves the CPU's
 * memory as it was; a repair that opened says what it did; an open store takes writes, and
 * after a sync and a close (or a crash) the store opens again, without a repair, with
 * exactly the memory the first one ended with.  fsync and
 * fdatasync are no-ops here (-Wl,--wrap): durability is not what is fuzzed. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s7/cpu.h"
#include "s7/retain.h"

int __wrap_fsync(int fd);
int __wrap_fdatasync(int fd);

int __wrap_fsync(int fd) { return fcntl(fd, F_GETFD) < 0 ? -1 : 0; }
int __wrap_fdatasync(int fd) { return fcntl(fd, F_GETFD) < 0 ? -1 : 0; }

static char dir[64], path[128], jpath[160];

/* Empties the folder: the state files and what a repair kept aside. */
static void cleanup(void)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p[sizeof dir + sizeof e->d_name + 1];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    if (d)
        closedir(d);
}

static void remove_dir(void)
{
    cleanup();
    rmdir(dir);
}

static int setup(void)
{
    if (dir[0])
        return 0;
    snprintf(dir, sizeof dir, "/tmp/s7fuzz-retain-XXXXXX");
    if (!mkdtemp(dir)) {
        dir[0] = 0;
        return -1;
    }
    snprintf(path, sizeof path, "%s/state", dir);
    snprintf(jpath, sizeof jpath, "%s.journal", path);
    atexit(remove_dir);
    return 0;
}

static void log_fn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    if (!msg || !*msg)
        abort();
}

/* The CPU of layout k: retentive DBs with recognisable initial values. */
static s7_cpu *mk_cpu(int k)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    if (!cpu)
        return NULL;
    static const struct {
        uint16_t num;
        uint32_t size;
        unsigned flags;
    } dbs[4][3] = {{{1, 16, S7_DB_RETAIN}, {2, 8, 0}, {5, 4, S7_DB_RETAIN}},
                   {{1, 16, S7_DB_RETAIN}, {5, 8, S7_DB_RETAIN}, {0, 0, 0}},
                   {{3, 100, S7_DB_RETAIN}, {0, 0, 0}, {0, 0, 0}},
                   {{2, 8, 0}, {0, 0, 0}, {0, 0, 0}}};
    for (int i = 0; i < 3 && dbs[k][i].num; i++) {
        s7_cpu_add_db(cpu, dbs[k][i].num, dbs[k][i].size, dbs[k][i].flags);
        memset(s7_cpu_mem(cpu, S7_AREA_DB, dbs[k][i].num, NULL), 0xA0 + i, dbs[k][i].size);
    }
    return cpu;
}

/* The bytes of every DB 1..5, concatenated, into a malloc'd buffer of *n bytes. */
static uint8_t *image(s7_cpu *cpu, size_t *n)
{
    uint8_t *b = malloc(5 * 128);
    *n = 0;
    for (uint16_t db = 1; b && db <= 5; db++) {
        uint32_t size = 0;
        const uint8_t *m = s7_cpu_mem(cpu, S7_AREA_DB, db, &size);
        if (m && size <= 128) {
            memcpy(b + *n, m, size);
            *n += size;
        }
    }
    return b;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Puts right what the flags ask for in the snapshot s and the journal j. */
static void fix(uint8_t *s, size_t sn, uint8_t *j, size_t jn, int crcs, int lengths)
{
    if (s && sn >= 40) {
        if (lengths) {
            memset(s + 24, 0, 8);
            put32(s + 24, (uint32_t)(sn - 40));
        }
        if (crcs) {
            if (get32(s + 24) == sn - 40 && !get32(s + 28))
                put32(s + 32, s7_crc32(0, s + 40, sn - 40));
            put32(s + 36, s7_crc32(0, s, 36));
        }
    }
    if (j && jn >= 24) {
        if (lengths && s && sn >= 40)
            memcpy(j + 12, s + 16, 8); /* the snapshot's generation */
        if (crcs) {
            put32(j + 20, s7_crc32(0, j, 20));
            size_t pos = 24;
            while (jn - pos >= 14) {
                uint32_t n = get32(j + pos);
                if (n == 0 || n > 65535 || jn - pos - 14 < n)
                    break;
                put32(j + pos + 10 + n, s7_crc32(0, j + pos, 10 + (size_t)n));
                pos += 14 + n;
            }
        }
    }
}

static int write_file(const char *p, const uint8_t *b, size_t n)
{
    int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int ok = n == 0 || write(fd, b, n) == (ssize_t)n;
    close(fd);
    return ok ? 0 : -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3 || setup() < 0)
        return 0;
    uint8_t flags = data[0];
    size_t sn = (size_t)data[1] | (size_t)data[2] << 8;
    int have_snap = sn != 0xFFFF, repair = have_snap && (sn & 0x8000);
    data += 3;
    size -= 3;
    sn = have_snap ? sn & 0x7FFF : 0;
    if (sn > size)
        sn = size;
    size_t jn = size - sn;
    uint8_t *snap = malloc(sn + 1), *jnl = malloc(jn + 1);
    if (!snap || !jnl) {
        free(snap);
        free(jnl);
        return 0;
    }
    memcpy(snap, data, sn);
    memcpy(jnl, data + sn, jn);
    fix(have_snap ? snap : NULL, sn, jn ? jnl : NULL, jn, flags >> 1 & 1, flags >> 2 & 1);
    cleanup();
    if ((have_snap && write_file(path, snap, sn) < 0) || (jn && write_file(jpath, jnl, jn) < 0)) {
        free(snap);
        free(jnl);
        cleanup();
        return 0;
    }
    free(snap);
    free(jnl);

    int layout = flags >> 4 & 3;
    s7_cpu *cpu = mk_cpu(layout);
    if (!cpu) {
        cleanup();
        return 0;
    }
    s7_retain_opts o;
    s7_retain_opts_init(&o);
    o.resize = flags & 1 ? S7_RETAIN_RESIZE_FIT : S7_RETAIN_RESIZE_REFUSE;
    o.mode = flags & 0x80 ? S7_RETAIN_ASYNC : S7_RETAIN_SYNC;
    o.compact_bytes = flags & 8 ? 64 : 0;
    o.log = log_fn;
    size_t before_n, after_n;
    uint8_t *before = image(cpu, &before_n);
    char err[512];
    s7_retain *r = NULL;
    int rc =
        s7_retain_open_ex(&r, cpu, path, &o, repair ? S7_RETAIN_OPEN_REPAIR : 0, err, sizeof err);
    if (getenv("S7_FUZZ_DEBUG"))
        fprintf(stderr, "open: %d %s\n", rc, rc < 0 ? err : "");
    if (rc < 0) {
        uint8_t *after = image(cpu, &after_n);
        if (!err[0] || r)
            abort(); /* refused without a message, or with a store */
        if (before && after && (before_n != after_n || memcmp(before, after, before_n)))
            abort(); /* a refused open changed the CPU's memory */
        free(after);
    } else {
        const char *rep = s7_retain_repair_report(r);
        if (!rep || (!repair && rep[0]))
            abort(); /* a repair report missing, or one without a repair asked for */
        /* writes: every byte of every retentive DB once, in a few records */
        for (uint16_t db = 1; db <= 5; db++) {
            uint32_t dsize = 0;
            uint8_t *m = s7_cpu_db_flags(cpu, db) & S7_DB_RETAIN
                             ? s7_cpu_mem(cpu, S7_AREA_DB, db, &dsize)
                             : NULL;
            for (uint32_t off = 0; m && off < dsize; off += 7) {
                uint32_t n = dsize - off < 7 ? dsize - off : 7;
                for (uint32_t k = 0; k < n; k++)
                    m[off + k] = (uint8_t)(m[off + k] * 31 + off + k + db);
                if (s7_retain_record(r, db, off, n) < 0)
                    abort(); /* the journal of a store on /tmp failed */
            }
        }
        if (s7_retain_sync(r) < 0)
            abort();
        s7_retain_stats st;
        s7_retain_stats_get(r, &st);
        uint8_t *want = image(cpu, &after_n);
        if (flags & 0x40)
            s7_retain_free(r);
        else if (s7_retain_close(r) < 0)
            abort();
        r = NULL;
        /* a restart: the same layout with its initial values, then the store */
        s7_cpu *cpu2 = mk_cpu(layout);
        s7_retain *r2 = NULL;
        if (cpu2 && s7_retain_open(&r2, cpu2, path, &o, err, sizeof err) < 0)
            abort(); /* the store it wrote itself is refused */
        size_t got_n;
        uint8_t *got = cpu2 ? image(cpu2, &got_n) : NULL;
        if (want && got && (got_n != after_n || memcmp(want, got, got_n)))
            abort(); /* the restart did not bring back the memory */
        free(want);
        free(got);
        s7_retain_free(r2);
        s7_cpu_free(cpu2);
    }
    free(before);
    s7_cpu_free(cpu);
    cleanup();
    return 0;
}
