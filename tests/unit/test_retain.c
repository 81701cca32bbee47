/* Retentive store (server/retain.c): fresh start, restart after a clean close and after a
 * crash (journal replay in order), torn journal tails dropped, damaged journal records
 * refused (files untouched, the message says what and where) and repaired (valid later
 * records kept, the damaged files kept aside, never overwriting an earlier set), corrupt
 * and torn snapshots refused without touching memory and repaired, DB size changes,
 * compaction (explicit, by size, a stale journal left by a crash mid-compaction), the
 * lock, ASYNC mode, the group commit (s7_retain_set_group), the files' kinds and collisions (s7_retain_check_files; FIFOs refused
 * without blocking); the CPU's own writes (s7_cpu_write) journaled through its event
 * handler. */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "s7/cpu.h"
#include "s7/retain.h"
#include "server/cpu_int.h" /* the diagnostic buffer */
#include "t.h"

static char dir[64];
static char path[128];
static char logbuf[8192];
static s7_cpu_session *g_peer; /* the partner whose Write Var put() stands for */

static void remove_aside(void);

static void logfn(void *ctx, int level, const char *msg)
{
    (void)ctx;
    (void)level;
    size_t n = strlen(logbuf);
    snprintf(logbuf + n, sizeof logbuf - n, "%s\n", msg);
}

static s7_retain_opts opts(void)
{
    s7_retain_opts o;
    s7_retain_opts_init(&o);
    o.log = logfn;
    return o;
}

/* A CPU with DB1 (16 bytes, retentive), DB2 (8 bytes, not retentive), DB5 (4 bytes,
 * retentive, size db5), DB1 starting as 0xAA.. */
static s7_cpu *mk_cpu(uint32_t db5)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    if (!cpu)
        abort();
    CHECK_INT(s7_cpu_add_db(cpu, 1, 16, S7_DB_RETAIN), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 2, 8, 0), 0);
    CHECK_INT(s7_cpu_add_db(cpu, 5, db5, S7_DB_RETAIN), 0);
    memset(s7_cpu_mem(cpu, S7_AREA_DB, 1, NULL), 0xAA, 16);
    return cpu;
}

static uint8_t *db(s7_cpu *cpu, uint16_t n) { return s7_cpu_mem(cpu, S7_AREA_DB, n, NULL); }

/* "Write" bytes into the CPU's memory and journal them, as the write event of a partner's
 * Write Var item does (SYNC: made durable at the job's end, done()). */
static int put(s7_retain *r, s7_cpu *cpu, uint16_t n, uint32_t off, const char *bytes)
{
    size_t k = strlen(bytes);
    memcpy(db(cpu, n) + off, bytes, k);
    s7_cpu_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = S7_EV_WRITE;
    ev.sess = g_peer;
    ev.area = S7_AREA_DB;
    ev.db = n;
    ev.start = off;
    ev.len = (uint32_t)k;
    ev.rc = S7_RC_OK;
    ev.data = (const uint8_t *)bytes;
    return s7_retain_event(r, &ev);
}

/* The end of a write job: SYNC mode makes its records durable here, once. */
static int done(s7_retain *r)
{
    s7_cpu_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = S7_EV_DONE;
    ev.fn = S7_FN_WRITE;
    return s7_retain_event(r, &ev);
}

static long fsize(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 ? (long)sb.st_size : -1;
}

static char *jpath(void)
{
    static char j[160];
    snprintf(j, sizeof j, "%s.journal", path);
    return j;
}

static void flip(const char *p, long at)
{
    int fd = open(p, O_RDWR);
    uint8_t b;
    if (pread(fd, &b, 1, at) != 1)
        abort();
    b ^= 0x40;
    if (pwrite(fd, &b, 1, at) != 1)
        abort();
    close(fd);
}

static void clean(void)
{
    char p[200];
    unlink(path);
    unlink(jpath());
    snprintf(p, sizeof p, "%s.tmp", path);
    unlink(p);
    remove_aside();
    logbuf[0] = 0;
}

static int open_store(s7_retain **r, s7_cpu *cpu, const s7_retain_opts *o, char *err)
{
    return s7_retain_open(r, cpu, path, o, err, 2048);
}

static int repair_store(s7_retain **r, s7_cpu *cpu, const s7_retain_opts *o, char *err)
{
    return s7_retain_open_ex(r, cpu, path, o, S7_RETAIN_OPEN_REPAIR, err, 2048);
}

/* The whole file p into buf (at most cap bytes); its length, or -1. */
static long slurp(const char *p, uint8_t *buf, size_t cap)
{
    int fd = open(p, O_RDONLY);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, cap);
    close(fd);
    return (long)n;
}

/* The damaged sets kept aside: how many files match PATTERN (a suffix of path). */
static size_t aside_count(const char *suffix)
{
    char pat[256];
    snprintf(pat, sizeof pat, "%s%s", path, suffix);
    glob_t g;
    size_t n = glob(pat, 0, NULL, &g) == 0 ? g.gl_pathc : 0;
    globfree(&g);
    return n;
}

/* The first file matching path + suffix into out. */
static int aside_name(const char *suffix, size_t i, char *out, size_t cap)
{
    char pat[256];
    snprintf(pat, sizeof pat, "%s%s", path, suffix);
    glob_t g;
    int ok = glob(pat, 0, NULL, &g) == 0 && i < g.gl_pathc;
    if (ok)
        snprintf(out, cap, "%s", g.gl_pathv[i]);
    globfree(&g);
    return ok;
}

static void remove_aside(void)
{
    char pat[256];
    snprintf(pat, sizeof pat, "%s.*damaged-*", path);
    glob_t g;
    if (glob(pat, 0, NULL, &g) == 0)
        for (size_t i = 0; i < g.gl_pathc; i++)
            unlink(g.gl_pathv[i]);
    globfree(&g);
}

static void test_fresh_and_restart(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK(r != NULL);
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.snapshot_loaded, 0);
    CHECK_INT(st.dbs, 2);
    CHECK(fsize(path) > 0);
    CHECK_INT(fsize(jpath()), 24);
    CHECK(strstr(logbuf, "does not exist yet") != NULL);
    CHECK_INT(db(cpu, 1)[0], 0xAA); /* initial values kept on a fresh start */
    CHECK_INT(put(r, cpu, 1, 2, "hello"), 0);
    CHECK_INT(put(r, cpu, 2, 0, "zz"), 0); /* not retentive */
    CHECK_INT(put(r, cpu, 5, 0, "ab"), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.records, 2);
    uint64_t before = st.syncs;
    CHECK_INT(done(r), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, before + 1); /* SYNC: one fdatasync for the job's records */
    CHECK_INT(done(r), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, before + 1);            /* nothing new to sync */
    CHECK_INT(s7_retain_record(r, 1, 0, 1), 0); /* a record outside a job syncs at once */
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, before + 2);
    CHECK_INT(s7_retain_close(r), 0);
    CHECK_INT(fsize(jpath()), 24); /* compacted at close */
    s7_cpu_free(cpu);

    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.snapshot_loaded, 1);
    CHECK_INT(st.replayed, 0);
    CHECK_MEM(db(cpu, 1) + 2, "hello", 5);
    CHECK_INT(db(cpu, 1)[0], 0xAA);
    CHECK_INT(db(cpu, 1)[7], 0xAA);
    CHECK_MEM(db(cpu, 5), "ab", 2);
    CHECK_INT(db(cpu, 2)[0], 0); /* not retentive: initial value */
    /* the diagnostic buffer records the restore (newest entry) */
    uint8_t e[S7__DIAG_LEN];
    CHECK_INT(s7__diag_get(cpu, e, 1, 0), 1);
    CHECK_INT(e[0] << 8 | e[1], S7__DIAG_RETAIN_RESTORED);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* The CPU's own writes (s7_cpu_write: a GET job's RD areas, a BRCV's block, job outputs)
 * reach the CPU's event handler as a Write Var does, and s7_retain_event journals them there:
 * synced at once in SYNC mode (no job's DONE follows), bits and bytes, retentive DBs only;
 * after a crash (no compaction) the journal brings them back. */
static s7_retain *g_store;
static int g_store_rc;
static void journal_hook(void *ctx, const s7_cpu_event *ev)
{
    (void)ctx;
    g_store_rc = s7_retain_event(g_store, ev);
}

static void test_own_writes(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&g_store, cpu, &o, err), 0);
    s7_cpu_on_event(cpu, journal_hook, NULL);
    s7_retain_stats st;
    s7_retain_stats_get(g_store, &st);
    uint64_t syncs = st.syncs;
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 1, 3, -1, (const uint8_t *)"brcv", 4), 0);
    CHECK_INT(g_store_rc, 0);
    s7_retain_stats_get(g_store, &st);
    CHECK_INT(st.records, 1);
    CHECK_INT(st.syncs, syncs + 1); /* on disk when s7_cpu_write returns */
    const uint8_t one = 1;
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 5, 2, 6, &one, 1), 0); /* an NDR bit */
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 2, 0, -1, (const uint8_t *)"no", 2), 0);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_M, 0, 0, -1, (const uint8_t *)"m", 1), 0);
    s7_retain_stats_get(g_store, &st);
    CHECK_INT(st.records, 2); /* DB2 and M are not retentive */
    CHECK_INT(st.syncs, syncs + 2);
    CHECK_INT(db(cpu, 5)[2], 0x40);
    /* not in the CPU's memory: refused, nothing written, nothing journaled */
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 1, 14, -1, (const uint8_t *)"xyz", 3), S7_ERR_ADDR);
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 9, 0, -1, (const uint8_t *)"x", 1), S7_ERR_ADDR);
    s7_retain_stats_get(g_store, &st);
    CHECK_INT(st.records, 2);
    s7_retain_free(g_store); /* crash: no compaction */
    g_store = NULL;
    s7_cpu_free(cpu);

    cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 2);
    CHECK_MEM(db(cpu, 1) + 3, "brcv", 4);
    CHECK_INT(db(cpu, 1)[2], 0xAA);
    CHECK_INT(db(cpu, 5)[2], 0x40);
    CHECK_INT(db(cpu, 2)[0], 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* A DB image of number with the n bytes of data (header, data, footer). */
static size_t db_image(uint8_t *p, uint16_t number, const char *data, uint16_t n)
{
    size_t len = 36u + n + 36u;
    memset(p, 0, len);
    p[0] = p[1] = 0x70;
    p[2] = 1;
    p[3] = 1;
    p[4] = 5;
    p[5] = 0x0A;
    p[6] = (uint8_t)(number >> 8);
    p[7] = (uint8_t)number;
    p[10] = (uint8_t)(len >> 8);
    p[11] = (uint8_t)len;
    p[34] = (uint8_t)(n >> 8);
    p[35] = (uint8_t)n;
    memcpy(p + 36, data, n);
    return len;
}

/* A DB downloaded over a retentive DB of its size (what _INSE of a PG's download does,
 * s7_cpu_load_block) is journaled like a PUT, synced at once: after a crash the journal
 * brings it back.  One of another size is refused (S7_ERR_STATE), the DB unchanged; a
 * DB that is not retentive is resized and not journaled. */
static void test_download(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    uint8_t img[200];
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&g_store, cpu, &o, err), 0);
    s7_cpu_on_event(cpu, journal_hook, NULL);
    s7_retain_stats st;
    s7_retain_stats_get(g_store, &st);
    uint64_t syncs = st.syncs;
    size_t n = db_image(img, 1, "downloaded-16-by", 16);
    CHECK_INT(s7_cpu_load_block(cpu, img, n), 0);
    CHECK_INT(g_store_rc, 0);
    s7_retain_stats_get(g_store, &st);
    CHECK_INT(st.records, 1);
    CHECK_INT(st.syncs, syncs + 1);
    CHECK_MEM(db(cpu, 1), "downloaded-16-by", 16);
    n = db_image(img, 1, "twenty-bytes-long!!!", 20);
    CHECK_INT(s7_cpu_load_block(cpu, img, n), S7_ERR_STATE);
    uint32_t size = 0;
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 1, &size) != NULL && size == 16);
    CHECK_MEM(db(cpu, 1), "downloaded-16-by", 16);
    n = db_image(img, 2, "twelve bytes", 12);
    CHECK_INT(s7_cpu_load_block(cpu, img, n), 0); /* DB2 (8 bytes, not retentive) resized */
    CHECK(s7_cpu_mem(cpu, S7_AREA_DB, 2, &size) != NULL && size == 12);
    s7_retain_stats_get(g_store, &st);
    CHECK_INT(st.records, 1);
    s7_retain_free(g_store); /* crash: no compaction */
    g_store = NULL;
    s7_cpu_free(cpu);

    cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 1);
    CHECK_MEM(db(cpu, 1), "downloaded-16-by", 16);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* A crash (no close): the journal is replayed in order, the last write wins. */
static void test_replay_order(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "1111"), 0);
    CHECK_INT(put(r, cpu, 1, 2, "22"), 0);
    CHECK_INT(put(r, cpu, 1, 0, "3"), 0);
    CHECK_INT(put(r, cpu, 5, 0, "wxyz"), 0);
    s7_retain_free(r); /* crash: no compaction */
    CHECK_INT(fsize(jpath()), 24 + 4 * 14 + 4 + 2 + 1 + 4);
    s7_cpu_free(cpu);

    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 4);
    CHECK_INT(st.dropped_bytes, 0);
    CHECK_MEM(db(cpu, 1), "3122", 4);
    CHECK_INT(db(cpu, 1)[4], 0xAA);
    CHECK_MEM(db(cpu, 5), "wxyz", 4);
    CHECK_INT(fsize(jpath()), 24); /* open compacts */
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* A torn last record (a write never acknowledged) is dropped, the rest replayed. */
static void test_torn_tail(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "ok"), 0);
    CHECK_INT(put(r, cpu, 1, 4, "torn"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    long full = fsize(jpath());
    CHECK_INT(truncate(jpath(), full - 3), 0);
    logbuf[0] = 0;
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 1);
    CHECK_INT(st.dropped_bytes, 14 + 4 - 3);
    CHECK_MEM(db(cpu, 1), "ok", 2);
    CHECK_INT(db(cpu, 1)[4], 0xAA);
    CHECK(strstr(logbuf, "torn record after record 1 (15 of its 18 bytes are on disk: the write "
                         "to DB1.DBB4..7): 15 bytes dropped") != NULL);
    CHECK(strstr(logbuf, "torn tail") != NULL);
    CHECK(strstr(logbuf, "never acknowledged") != NULL);
    CHECK_STR(s7_retain_repair_report(r), "");
    CHECK_INT(fsize(jpath()), 24); /* a torn tail is no damage: compacted as usual */
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* many records, the last one cut inside its header: every complete write is kept */
    clean();
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    for (int i = 0; i < 16; i++) {
        char v[2] = {(char)('a' + i), 0};
        CHECK_INT(put(r, cpu, 1, (uint32_t)i, v), 0);
    }
    CHECK_INT(put(r, cpu, 5, 0, "last"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    CHECK_INT(truncate(jpath(), fsize(jpath()) - 18 + 5), 0);
    logbuf[0] = 0;
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 16);
    CHECK_INT(st.dropped_bytes, 5);
    CHECK_MEM(db(cpu, 1), "abcdefghijklmnop", 16);
    CHECK(strstr(logbuf, "torn record header after record 16: 5 bytes dropped (a torn tail") !=
          NULL);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* a tail of zeros (a file system extended the file but the data never came) */
    clean();
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "zz"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    int fd = open(jpath(), O_WRONLY | O_APPEND);
    static const uint8_t zeros[20];
    CHECK_INT(write(fd, zeros, sizeof zeros), 20);
    close(fd);
    logbuf[0] = 0;
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 1);
    CHECK_INT(st.dropped_bytes, 20);
    CHECK(strstr(logbuf, "20 zero bytes after record 1") != NULL);
    CHECK(strstr(logbuf, "torn tail") != NULL);
    CHECK_MEM(db(cpu, 1), "zz", 2);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* Three one-byte records "A" "B" "C" at DB1.DBB0, 1, 2 (15 bytes each, at byte offsets 24,
 * 39, 54), left by a crash (no compaction). */
static void three_records(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "A"), 0);
    CHECK_INT(put(r, cpu, 1, 1, "B"), 0);
    CHECK_INT(put(r, cpu, 1, 2, "C"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    CHECK_INT(fsize(jpath()), 24 + 3 * 15);
}

/* A damaged record with a valid one after it: the start is refused, nothing changes, the
 * message says what, where, and what a repair keeps and loses; the repair keeps the later
 * record's write and the damaged files aside. */
static void test_corrupt_record(void)
{
    three_records();
    flip(jpath(), 39 + 10); /* the data byte of the second record */
    uint8_t snap0[512], jnl0[512], snap1[512], jnl1[512];
    long sn0 = slurp(path, snap0, sizeof snap0), jn0 = slurp(jpath(), jnl0, sizeof jnl0);
    s7_retain_opts o = opts();
    char err[2048];
    logbuf[0] = 0;
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(r == NULL);
    if (!strstr(err, "record at byte offset 39 (record 2) fails its checksum"))
        fprintf(stderr, "message: %s\n", err);
    CHECK(strstr(err, jpath()) != NULL);
    CHECK(strstr(err, "is damaged: the record at byte offset 39 (record 2) fails its checksum") !=
          NULL);
    CHECK(strstr(err, "it wrote 1 byte to DB1.DBB1 ") != NULL);
    CHECK(strstr(err, "1 record after it carries a valid checksum, so this is not a torn tail") !=
          NULL);
    CHECK(strstr(err, "Nothing was loaded and no file was changed") != NULL);
    CHECK(strstr(err, "--repair keeps the snapshot") != NULL);
    CHECK(strstr(err, "the 1 record before the damage and the 1 valid record after it") != NULL);
    CHECK(strstr(err, "loses the damaged record's write to DB1.DBB1,") != NULL);
    CHECK(strstr(err, ".journal.damaged-YYYYMMDD-HHMMSS") != NULL);
    CHECK_INT(db(cpu, 1)[0], 0xAA); /* memory untouched */
    /* the files byte for byte as they were; no .tmp, nothing kept aside */
    CHECK_INT(slurp(path, snap1, sizeof snap1), sn0);
    CHECK_INT(slurp(jpath(), jnl1, sizeof jnl1), jn0);
    CHECK_MEM(snap1, snap0, (size_t)sn0);
    CHECK_MEM(jnl1, jnl0, (size_t)jn0);
    CHECK_INT(aside_count(".*damaged-*"), 0);
    /* again: still refused (nothing was compacted away) */
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);

    /* the repair */
    logbuf[0] = 0;
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK(r != NULL);
    CHECK_INT(db(cpu, 1)[0], 'A');
    CHECK_INT(db(cpu, 1)[1], 0xAA); /* the damaged record's write is lost */
    CHECK_INT(db(cpu, 1)[2], 'C');  /* the valid record after it is kept */
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 2);
    CHECK_INT(st.dropped_bytes, 15);
    const char *rep = s7_retain_repair_report(r);
    CHECK(strstr(rep, "the record at byte offset 39 (record 2) failed its checksum") != NULL);
    CHECK(strstr(rep, "2 valid records (1 before the damage, 1 after it)") != NULL);
    CHECK(strstr(rep, "lost the damaged record's write to DB1.DBB1") != NULL);
    CHECK(strstr(rep, "kept aside as ") != NULL);
    CHECK(strstr(logbuf, rep) != NULL); /* and logged */
    CHECK_INT(aside_count(".damaged-*"), 1);
    CHECK_INT(aside_count(".journal.damaged-*"), 1);
    char an[300];
    CHECK(aside_name(".journal.damaged-*", 0, an, sizeof an));
    CHECK(strstr(rep, an) != NULL);
    CHECK_INT(slurp(an, jnl1, sizeof jnl1), jn0);
    CHECK_MEM(jnl1, jnl0, (size_t)jn0);
    CHECK(aside_name(".damaged-*", 0, an, sizeof an));
    CHECK_INT(slurp(an, snap1, sizeof snap1), sn0);
    CHECK_MEM(snap1, snap0, (size_t)sn0);
    CHECK_INT(fsize(jpath()), 24); /* compacted only after the files were kept aside */
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* the repaired state opens cleanly, without --repair */
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1),
              "A\xaa"
              "C",
              3);
    CHECK_INT(put(r, cpu, 1, 3, "D"), 0);
    CHECK_INT(put(r, cpu, 1, 4, "E"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* a second repair in the same second keeps its own set: the first is not overwritten */
    flip(jpath(), 24 + 10);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "record at byte offset 24 (record 1) fails its checksum") != NULL);
    CHECK(strstr(err, "--repair keeps the snapshot") != NULL);
    CHECK(strstr(err, "and the 1 valid record after it") != NULL);
    CHECK(strstr(err, "before the damage") == NULL);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1),
              "A\xaa"
              "C\xaa"
              "E",
              5);
    CHECK_INT(aside_count(".damaged-*"), 2);
    CHECK_INT(aside_count(".journal.damaged-*"), 2);
    CHECK(aside_name(".journal.damaged-*", 0, an, sizeof an));
    CHECK_INT(slurp(an, jnl1, sizeof jnl1), jn0); /* the first set, as it was */
    CHECK_MEM(jnl1, jnl0, (size_t)jn0);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* --repair on an intact state repairs nothing and keeps nothing aside */
    logbuf[0] = 0;
    cpu = mk_cpu(4);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_STR(s7_retain_repair_report(r), "");
    CHECK(strstr(logbuf, "intact: nothing to repair") != NULL);
    CHECK_INT(aside_count(".damaged-*"), 2);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* Damage the record boundaries cannot be read through: a damaged length (the next valid
 * record is found by looking at every byte), an impossible length, a complete last record
 * with a wrong checksum, damage in two places. */
static void test_damaged_lengths(void)
{
    s7_retain_opts o = opts();
    char err[2048];
    s7_retain *r = NULL;

    /* record 2's length 1 -> 257: it would reach past record 3 */
    three_records();
    flip(jpath(), 39 + 1);
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "15 bytes at byte offset 39, after record 1, are no valid record (a record "
                      "length of 16385 bytes reaches past the next valid record)") != NULL);
    CHECK(strstr(err, "1 record after it carries a valid checksum") != NULL);
    CHECK(strstr(err, "whatever the 15 damaged bytes at byte offset 39 wrote") != NULL);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1),
              "A\xaa"
              "C",
              3);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* record 2's length -> 0x40000001: impossible */
    three_records();
    flip(jpath(), 39 + 3);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "(impossible record length 1073741825)") != NULL);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1),
              "A\xaa"
              "C",
              3);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* the last record complete, its checksum wrong: damage, not a torn tail */
    three_records();
    flip(jpath(), 54 + 10);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "record at byte offset 54 (record 3) fails its checksum") != NULL);
    CHECK(strstr(err, "No valid record follows, but this is not a torn tail either") != NULL);
    CHECK(strstr(err, "the 2 records before the damage, loses the damaged record's write to "
                      "DB1.DBB2,") != NULL);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1), "AB\xaa", 3);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* two damaged places; a later record writes the first one's byte again */
    clean();
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "ab"), 0); /* 24: 16 bytes */
    CHECK_INT(put(r, cpu, 1, 2, "c"), 0);  /* 40 */
    CHECK_INT(put(r, cpu, 1, 3, "d"), 0);  /* 55 */
    CHECK_INT(put(r, cpu, 1, 1, "e"), 0);  /* 70 */
    CHECK_INT(put(r, cpu, 1, 4, "f"), 0);  /* 85 */
    s7_retain_free(r);
    s7_cpu_free(cpu);
    flip(jpath(), 24 + 10);
    flip(jpath(), 55 + 10);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "is damaged in several places: the record at byte offset 24 (record 1)") !=
          NULL);
    CHECK(strstr(err, "; the record at byte offset 55 (record 3) fails its checksum") != NULL);
    CHECK(strstr(err, "3 records after the first damage carry a valid checksum") != NULL);
    CHECK(strstr(err, "write to DB1.DBB0..1 (1 of its 2 bytes are written again by later "
                      "records) and the damaged record's write to DB1.DBB3,") != NULL);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1),
              "\xaa"
              "ec\xaa"
              "f",
              5);
    CHECK(strstr(s7_retain_repair_report(r), "2 damaged places; the first: ") != NULL);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* Damaged snapshots are refused with a message naming the file; memory is untouched. */
static void test_bad_snapshot(void)
{
    s7_retain_opts o = opts();
    char err[2048];
    s7_retain *r = NULL;
    struct {
        const char *what;
        int mode; /* 0 flip body byte, 1 truncate, 2 garbage, 3 flip header, 4 append */
        const char *msg;
    } cases[] = {
        {"body flip", 0, "checksum of its"},
        {"truncated", 1, "is torn: "},
        {"garbage", 2, "not an s7kit state file"},
        {"header flip", 3, "header checksum mismatch"},
        {"appended", 4, "is torn: "},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        clean();
        s7_cpu *cpu = mk_cpu(4);
        CHECK_INT(open_store(&r, cpu, &o, err), 0);
        CHECK_INT(put(r, cpu, 1, 0, "saved"), 0);
        CHECK_INT(s7_retain_close(r), 0);
        s7_cpu_free(cpu);
        long sz = fsize(path);
        if (cases[i].mode == 0) {
            flip(path, sz - 3);
        } else if (cases[i].mode == 1) {
            CHECK_INT(truncate(path, sz - 5), 0);
        } else if (cases[i].mode == 2) {
            FILE *f = fopen(path, "w");
            fputs("retain: this is not a snapshot at all, just some text\n", f);
            fclose(f);
        } else if (cases[i].mode == 3) {
            flip(path, 17);
        } else {
            FILE *f = fopen(path, "a");
            fputs("xx", f);
            fclose(f);
        }
        cpu = mk_cpu(4);
        err[0] = 0;
        int rc = open_store(&r, cpu, &o, err);
        CHECK_INT(rc, S7_ERR_STATE);
        CHECK(r == NULL);
        CHECK(strstr(err, path) != NULL);
        if (!strstr(err, cases[i].msg))
            fprintf(stderr, "%s: message '%s' lacks '%s'\n", cases[i].what, err, cases[i].msg);
        CHECK(strstr(err, cases[i].msg) != NULL);
        CHECK(strstr(err, "nothing was loaded") != NULL);
        CHECK(strstr(err, "no file was changed") != NULL);
        /* a file that is no s7kit state file at all is not repaired (a wrong path?) */
        CHECK(strstr(err, cases[i].mode == 2 ? "--repair does not replace"
                                             : "--repair: it keeps") != NULL);
        CHECK_INT(db(cpu, 1)[0], 0xAA); /* untouched */
        s7_cpu_free(cpu);
    }
    /* the file was not rewritten by the failed open */
    char err2[512];
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err2), S7_ERR_STATE);
    s7_cpu_free(cpu);
}

/* A damaged snapshot repaired: kept aside with its journal, the retentive DBs start with
 * their initial values.  A refused open that created the journal removes it again. */
static void test_repair_snapshot(void)
{
    s7_retain_opts o = opts();
    char err[2048];
    s7_retain *r = NULL;
    clean();
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "saved"), 0);
    CHECK_INT(s7_retain_compact(r), 0);
    CHECK_INT(put(r, cpu, 1, 5, "J"), 0); /* a record in the journal too */
    s7_retain_free(r);
    s7_cpu_free(cpu);
    flip(path, fsize(path) - 3);
    uint8_t snap0[512], b[512];
    long sn0 = slurp(path, snap0, sizeof snap0);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "is damaged: the checksum of its") != NULL);
    CHECK(strstr(err, "--repair: it keeps the file and its journal aside") != NULL);
    CHECK(strstr(err, "starts the retentive DBs with their initial values") != NULL);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_INT(db(cpu, 1)[0], 0xAA);
    CHECK_INT(db(cpu, 1)[5], 0xAA); /* the journal is not replayed onto initial values */
    const char *rep = s7_retain_repair_report(r);
    CHECK(strstr(rep, "was damaged: the checksum of its") != NULL);
    CHECK(strstr(rep, "the retentive DBs start with their initial values") != NULL);
    CHECK(strstr(rep, "journal's 15 bytes of records are not replayed") != NULL);
    CHECK_INT(aside_count(".damaged-*"), 1);
    CHECK_INT(aside_count(".journal.damaged-*"), 1);
    char an[300];
    CHECK(aside_name(".damaged-*", 0, an, sizeof an));
    CHECK_INT(slurp(an, b, sizeof b), sn0);
    CHECK_MEM(b, snap0, (size_t)sn0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0); /* a clean state now */
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* a damaged snapshot without a journal: the refused open leaves no journal behind */
    clean();
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(s7_retain_close(r), 0);
    unlink(jpath());
    flip(path, 17);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK_INT(fsize(jpath()), -1);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK(strstr(s7_retain_repair_report(r), "the damaged file is kept aside as ") != NULL);
    CHECK_INT(aside_count(".damaged-*"), 1);
    CHECK_INT(aside_count(".journal.damaged-*"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* The journal without its snapshot, with a damaged header, or of another generation:
 * refused; repaired by keeping it aside and starting from what is left. */
static void test_repair_journal_header(void)
{
    s7_retain_opts o = opts();
    char err[2048];
    s7_retain *r = NULL;

    /* the snapshot is missing */
    clean();
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "j"), 0);
    s7_retain_free(r);
    unlink(path);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "is missing but its journal") != NULL);
    CHECK(strstr(err, "--repair: it keeps the journal aside") != NULL);
    s7_cpu_free(cpu);
    cpu = mk_cpu(4);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_INT(db(cpu, 1)[0], 0xAA);
    CHECK(strstr(s7_retain_repair_report(r), "was missing while its journal") != NULL);
    CHECK(strstr(s7_retain_repair_report(r), "the damaged journal is kept aside as ") != NULL);
    CHECK_INT(aside_count(".journal.damaged-*"), 1);
    CHECK_INT(aside_count(".damaged-*"), 0); /* no snapshot to keep */
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* the journal's header damaged, records after it */
    clean();
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "h"), 0);
    s7_retain_free(r);
    flip(jpath(), 2);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "its header is not a valid s7kit journal header") != NULL);
    CHECK(strstr(err, "no file was changed") != NULL);
    CHECK_INT(repair_store(&r, cpu, &o, err), 0);
    CHECK_INT(db(cpu, 1)[0], 0xAA);
    CHECK(strstr(s7_retain_repair_report(r), "started from the snapshot") != NULL);
    CHECK_INT(aside_count(".journal.damaged-*"), 1);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* The files must be regular and distinct: s7_retain_check_files names both files and their
 * options; the store refuses a FIFO (without blocking), a directory, and a journal that is
 * a link to its snapshot. */
static void test_files(void)
{
    s7_retain_opts o = opts();
    char err[2048], p[200], q[200], qj[240];
    s7_retain *r = NULL;
    clean();
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_free(r);
    const char *names[] = {"--audit", "--config"};

    /* distinct files: fine (an audit log that does not exist yet too) */
    snprintf(p, sizeof p, "%s/audit.jsonl", dir);
    const char *paths[] = {p, NULL};
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err), 0);
    CHECK_INT(s7_retain_check_files(NULL, NULL, paths, names, 2, err, sizeof err), 0);

    /* the audit log is the state file, its journal, its temporary snapshot */
    paths[0] = path;
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "--audit ") != NULL);
    CHECK(strstr(err, "and --state ") != NULL);
    CHECK(strstr(err, "are the same file") != NULL);
    paths[0] = jpath();
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "and the journal of --state") != NULL);
    snprintf(q, sizeof q, "%s.tmp", path);
    paths[0] = q;
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "writes its snapshots to") != NULL);
    /* through a relative spelling, a symbolic link, a hard link */
    char rel[300];
    snprintf(rel, sizeof rel, "%s/../%s/state.bin", dir, strrchr(dir, '/') + 1);
    paths[0] = rel;
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    snprintf(p, sizeof p, "%s/link.jsonl", dir);
    CHECK_INT(symlink(jpath(), p), 0);
    paths[0] = p;
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "is a symbolic link to it") != NULL);
    CHECK(strstr(err, p) != NULL);
    unlink(p);
    snprintf(p, sizeof p, "%s/hard.jsonl", dir);
    CHECK_INT(link(jpath(), p), 0);
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "hard links to one file") != NULL);
    unlink(p);
    /* a dangling link to the journal of a state file that does not exist yet */
    snprintf(q, sizeof q, "%s/new.state", dir);

    snprintf(qj, sizeof qj, "%s.journal", q);
    snprintf(p, sizeof p, "%s/dangling.jsonl", dir);
    CHECK_INT(symlink("new.state.journal", p), 0);
    CHECK_INT(s7_retain_check_files(q, "--state", paths, names, 2, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "the journal of --state") != NULL);
    CHECK_INT(fsize(qj), -1); /* nothing created */
    unlink(p);
    /* the audit log and the configuration file */
    snprintf(p, sizeof p, "%s/cfg.yaml", dir);
    FILE *f = fopen(p, "w");
    fputs("profile: s7-1500\n", f);
    fclose(f);
    paths[0] = p;
    paths[1] = p;
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "--audit ") != NULL);
    CHECK(strstr(err, "--config ") != NULL);
    unlink(p);
    paths[1] = NULL;

    /* a FIFO as the audit log, as the state file: refused at once */
    snprintf(p, sizeof p, "%s/fifo", dir);
    CHECK_INT(mkfifo(p, 0600), 0);
    paths[0] = p;
    CHECK_INT(s7_retain_check_files(path, "--state", paths, names, 2, err, sizeof err),
              S7_ERR_INVAL);
    CHECK(strstr(err, "--audit ") != NULL);
    CHECK(strstr(err, "is a FIFO, not a regular file") != NULL);
    alarm(5); /* a blocking open fails the test */
    CHECK_INT(s7_retain_open(&r, cpu, p, &o, err, sizeof err), S7_ERR_INVAL);
    alarm(0);
    CHECK(strstr(err, "the state file ") != NULL);
    CHECK(strstr(err, "is a FIFO, not a regular file") != NULL);
    snprintf(qj, sizeof qj, "%s.journal", p);
    CHECK_INT(fsize(qj), -1); /* nothing created */
    /* a FIFO as the journal */
    snprintf(q, sizeof q, "%s/f.state", dir);
    snprintf(qj, sizeof qj, "%s.journal", q);
    CHECK_INT(mkfifo(qj, 0600), 0);
    alarm(5);
    CHECK_INT(s7_retain_open(&r, cpu, q, &o, err, sizeof err), S7_ERR_INVAL);
    alarm(0);
    CHECK(strstr(err, "the journal of the state file") != NULL);
    CHECK(strstr(err, "is a FIFO") != NULL);
    unlink(qj);
    unlink(p);
    /* a directory as the state file, as its temporary snapshot */
    CHECK_INT(s7_retain_open(&r, cpu, dir, &o, err, sizeof err), S7_ERR_INVAL);
    CHECK(strstr(err, "is a directory, not a regular file") != NULL);
    snprintf(p, sizeof p, "%s.tmp", path);
    CHECK_INT(mkdir(p, 0700), 0);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_INVAL);
    CHECK(strstr(err, "state.bin.tmp) is a directory, not a regular file: remove it") != NULL);
    rmdir(p);
    /* the journal a link to a file not there yet (on another disk, say): made through it */
    unlink(jpath());
    snprintf(p, sizeof p, "%s/elsewhere.journal", dir);
    CHECK_INT(symlink(p, jpath()), 0);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(fsize(p), 24);
    s7_retain_free(r);
    unlink(p);
    /* the journal a link to the snapshot */
    unlink(jpath());
    CHECK_INT(symlink("state.bin", jpath()), 0);
    uint8_t snap0[512], b[512];
    long sn0 = slurp(path, snap0, sizeof snap0);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_INVAL);
    CHECK(strstr(err, "are the same file") != NULL);
    CHECK_INT(slurp(path, b, sizeof b), sn0);
    CHECK_MEM(b, snap0, (size_t)sn0);
    unlink(jpath());
    s7_cpu_free(cpu);
}

static void test_resize(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 5, 0, "wxyz"), 0);
    CHECK_INT(put(r, cpu, 1, 0, "keep"), 0);
    s7_retain_free(r); /* with a journal to replay too */
    s7_cpu_free(cpu);

    cpu = mk_cpu(6); /* DB5 grew */
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "DB5 is 4 bytes in the state file") != NULL);
    CHECK(strstr(err, "6 bytes now") != NULL);
    CHECK_INT(db(cpu, 1)[0], 0xAA);
    s7_cpu_free(cpu);

    o.resize = S7_RETAIN_RESIZE_FIT;
    cpu = mk_cpu(2); /* DB5 shrank: the first 2 bytes fit */
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 5), "wx", 2);
    CHECK_MEM(db(cpu, 1), "keep", 4);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    cpu = mk_cpu(6); /* and grew again: 2 loaded, the rest initial (0) */
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 5), "wx\0\0\0\0", 6);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* a DB dropped from the configuration is logged, not an error */
    logbuf[0] = 0;
    cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    CHECK_INT(s7_cpu_add_db(cpu, 1, 16, S7_DB_RETAIN), 0);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK(strstr(logbuf, "holds DB5") != NULL);
    CHECK_MEM(db(cpu, 1), "keep", 4);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

static void test_compaction(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    uint64_t g0 = st.generation;
    CHECK_INT(put(r, cpu, 1, 0, "X"), 0);
    /* keep the journal as a crash between rename and reset would leave it */
    uint8_t old[256];
    int fd = open(jpath(), O_RDONLY);
    ssize_t oldn = read(fd, old, sizeof old);
    close(fd);
    CHECK_INT(oldn, 24 + 15);
    CHECK_INT(s7_retain_compact(r), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.generation, g0 + 1);
    CHECK_INT(st.compactions, 1);
    CHECK_INT(fsize(jpath()), 24);
    CHECK_INT(put(r, cpu, 1, 0, "Y"), 0);
    CHECK_INT(s7_retain_compact(r), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    /* the stale journal (generation g0, writes X) is back: it must not be replayed */
    fd = open(jpath(), O_WRONLY | O_TRUNC);
    CHECK_INT(write(fd, old, (size_t)oldn), oldn);
    close(fd);
    /* and an unfinished snapshot lies around */
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    fputs("half a snapshot", f);
    fclose(f);
    logbuf[0] = 0;
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(db(cpu, 1)[0], 'Y');
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 0);
    CHECK(strstr(logbuf, "predates the snapshot") != NULL);
    CHECK(strstr(logbuf, "unfinished") != NULL);
    CHECK_INT(fsize(tmp), -1);
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* a journal newer than its snapshot (an old snapshot restored) is refused */
    clean();
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    uint8_t snap1[512];
    fd = open(path, O_RDONLY);
    ssize_t sn = read(fd, snap1, sizeof snap1);
    close(fd);
    CHECK_INT(s7_retain_compact(r), 0);
    CHECK_INT(put(r, cpu, 1, 0, "Z"), 0);
    s7_retain_free(r);
    fd = open(path, O_WRONLY | O_TRUNC);
    CHECK_INT(write(fd, snap1, (size_t)sn), sn);
    close(fd);
    CHECK_INT(open_store(&r, cpu, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "older snapshot restored") != NULL);
    s7_cpu_free(cpu);

    /* compaction by journal size */
    clean();
    o.compact_bytes = 100;
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    for (int i = 0; i < 20; i++) {
        char v[2] = {(char)('a' + i), 0};
        CHECK_INT(put(r, cpu, 1, (uint32_t)(i % 16), v), 0);
    }
    s7_retain_stats_get(r, &st);
    CHECK(st.compactions >= 2);
    CHECK(st.journal_bytes < 24 + 100 + 15);
    s7_retain_free(r); /* crash */
    s7_cpu_free(cpu);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1), "qrstefghijklmnop", 16);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

static void test_lock_and_missing(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4), *cpu2 = mk_cpu(4);
    s7_retain *r = NULL, *r2 = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(open_store(&r2, cpu2, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "in use by another running server") != NULL);
    CHECK_INT(put(r, cpu, 1, 0, "j"), 0);
    s7_retain_free(r);
    unlink(path); /* the snapshot vanishes, the journal stays */
    CHECK_INT(open_store(&r2, cpu2, &o, err), S7_ERR_STATE);
    CHECK(strstr(err, "is missing but its journal") != NULL);
    s7_cpu_free(cpu);
    s7_cpu_free(cpu2);

    /* a state file in a directory that does not exist */
    cpu = mk_cpu(4);
    CHECK_INT(s7_retain_open(&r, cpu, "/nonexistent-dir/x/state", &o, err, sizeof err), S7_ERR_IO);
    CHECK(strstr(err, "/nonexistent-dir/x/state.journal") != NULL);
    s7_cpu_free(cpu);
}

/* In a child that may not write to the state file's directory (root drops to nobody):
 * s7_retain_open of ro/state.bin; the message into msg (empty when it opened). */
static void open_unwritable(const char *ro, char *msg, size_t cap)
{
    int fd[2];
    msg[0] = 0;
    if (pipe(fd) != 0)
        return;
    pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0))
            _exit(3);
        char p[300], err[2048] = "";
        snprintf(p, sizeof p, "%s/state.bin", ro);
        s7_retain_opts o = opts();
        s7_cpu *cpu = mk_cpu(4);
        s7_retain *r = NULL;
        if (s7_retain_open(&r, cpu, p, &o, err, sizeof err) == 0)
            s7_retain_free(r);
        if (write(fd[1], err, strlen(err)) < 0)
            _exit(2);
        _exit(0);
    }
    close(fd[1]);
    ssize_t n = read(fd[0], msg, cap - 1);
    msg[n > 0 ? n : 0] = 0;
    close(fd[0]);
    waitpid(pid, NULL, 0);
}

/* A directory the server may not write to: the message says whose access would mend it. */
static void test_unwritable_dir(void)
{
    char top[64] = "/tmp/s7retain_ro.XXXXXX", ro[100], p[200], want[200], msg[2048];
    if (!mkdtemp(top))
        return;
    chmod(top, 0755); /* nobody may pass through it */
    snprintf(ro, sizeof ro, "%s/ro", top);
    CHECK_INT(mkdir(ro, 0755), 0);
    snprintf(want, sizeof want, "write access to %s (", ro);
    if (geteuid() != 0)
        chmod(ro, 0555);

    /* nothing there yet: the journal cannot be created */
    open_unwritable(ro, msg, sizeof msg);
    CHECK(strstr(msg, "cannot open the journal") != NULL && strstr(msg, want) != NULL);
    if (!strstr(msg, want))
        fprintf(stderr, "message: '%s'\n", msg);

    /* the files exist and may be written, the directory may not: the new snapshot cannot */
    chmod(ro, 0755);
    snprintf(p, sizeof p, "%s/state.bin", ro);
    s7_retain_opts o = opts();
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    char err[2048];
    CHECK_INT(s7_retain_open(&r, cpu, p, &o, err, sizeof err), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    chmod(p, 0666);
    snprintf(p, sizeof p, "%s/state.bin.journal", ro);
    chmod(p, 0666);
    if (geteuid() != 0)
        chmod(ro, 0555);
    open_unwritable(ro, msg, sizeof msg);
    CHECK(strstr(msg, "state.bin.tmp: Permission denied; give the user this server runs as") !=
              NULL &&
          strstr(msg, want) != NULL);
    if (!strstr(msg, want))
        fprintf(stderr, "message: '%s'\n", msg);

    chmod(ro, 0755);
    unlink(p);
    snprintf(p, sizeof p, "%s/state.bin", ro);
    unlink(p);
    rmdir(ro);
    rmdir(top);
}

static void test_async(void)
{
    clean();
    s7_retain_opts o = opts();
    o.mode = S7_RETAIN_ASYNC;
    o.flush_ms = 1;
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    uint64_t s0 = st.syncs;
    CHECK_INT(put(r, cpu, 1, 0, "as"), 0);
    CHECK_INT(put(r, cpu, 1, 2, "ync"), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, s0); /* no fdatasync per record */
    usleep(3000);
    CHECK_INT(s7_retain_tick(r), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, s0 + 1);
    CHECK_INT(s7_retain_tick(r), 0); /* nothing pending */
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, s0 + 1);
    CHECK_INT(put(r, cpu, 1, 5, "!"), 0);
    s7_retain_free(r); /* killed before the next tick: the record is in the kernel */
    s7_cpu_free(cpu);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1), "async!", 6);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* Group commit (s7_retain_set_group, SYNC): a Write Var's S7_EV_DONE no longer syncs but
 * returns 1 (its reply must wait for s7_retain_sync); a job that appended nothing returns
 * 0 although records of another job await the sync; one s7_retain_sync covers all of
 * them; the CPU's own write is still synced at once; ASYNC ignores the setting; without it
 * every job syncs as before. */
static void test_group(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(s7_retain_set_group(NULL, 1), S7_ERR_INVAL);
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    uint64_t s0 = st.syncs;
    /* without the group: one fdatasync per job */
    CHECK_INT(put(r, cpu, 1, 0, "a"), 0);
    CHECK_INT(done(r), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, s0 + 1);
    CHECK_INT(s7_retain_set_group(r, 1), 0);
    /* three jobs, one of them writing only a DB that is not retentive */
    CHECK_INT(put(r, cpu, 1, 1, "bc"), 0);
    CHECK_INT(done(r), 1);
    CHECK_INT(put(r, cpu, 2, 0, "no"), 0);
    CHECK_INT(done(r), 0); /* nothing of its own to wait for */
    CHECK_INT(put(r, cpu, 1, 3, "d"), 0);
    CHECK_INT(put(r, cpu, 5, 0, "e"), 0);
    CHECK_INT(done(r), 1);
    CHECK_INT(done(r), 0); /* a read job after them */
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.records, 4);
    CHECK_INT(st.syncs, s0 + 1); /* none yet */
    CHECK_INT(s7_retain_sync(r), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, s0 + 2); /* one for the three */
    CHECK_INT(put(r, cpu, 1, 4, "f"), 0);
    CHECK_INT(s7_retain_sync(r), 0);
    CHECK_INT(done(r), 0); /* synced already (by the caller, a compaction): nothing owed */
    /* the CPU's own write: synced before s7_retain_event returns */
    g_store = r;
    s7_cpu_on_event(cpu, journal_hook, NULL);
    s7_retain_stats_get(r, &st);
    uint64_t s1 = st.syncs;
    CHECK_INT(s7_cpu_write(cpu, S7_AREA_DB, 1, 8, -1, (const uint8_t *)"own", 3), 0);
    CHECK_INT(g_store_rc, 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, s1 + 1);
    s7_cpu_on_event(cpu, NULL, NULL);
    g_store = NULL;
    s7_retain_free(r); /* crash: every record is replayed */
    s7_cpu_free(cpu);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1), "abcdf", 5);
    CHECK_MEM(db(cpu, 1) + 8, "own", 3);
    CHECK_INT(db(cpu, 5)[0], 'e');
    s7_retain_free(r);
    s7_cpu_free(cpu);

    /* ASYNC: the group changes nothing (no sync per job, none owed) */
    clean();
    o.mode = S7_RETAIN_ASYNC;
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(s7_retain_set_group(r, 1), 0);
    s7_retain_stats_get(r, &st);
    s0 = st.syncs;
    CHECK_INT(put(r, cpu, 1, 0, "x"), 0);
    CHECK_INT(done(r), 0);
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.syncs, s0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* A journal that cannot grow (a file size limit: as a full disk would): the record fails,
 * the partial record is cut off, further records are refused until a compaction works,
 * and what was journaled before stays replayable. */
static void test_write_failure(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[2048];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "ok"), 0);
    struct rlimit old, lim;
    getrlimit(RLIMIT_FSIZE, &old);
    lim = old;
    lim.rlim_cur = (rlim_t)fsize(jpath()) + 20; /* room for one more 1-byte record, not two */
    signal(SIGXFSZ, SIG_IGN);
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &lim), 0);
    CHECK_INT(put(r, cpu, 1, 2, "A"), 0);
    long good = fsize(jpath());
    CHECK_INT(put(r, cpu, 1, 3, "B"), S7_ERR_IO);
    CHECK(strstr(s7_retain_error(r), "cannot append to the journal") != NULL);
    CHECK_INT(fsize(jpath()), good);              /* no partial record left */
    CHECK_INT(put(r, cpu, 1, 4, "C"), S7_ERR_IO); /* refused until compacted */
    CHECK(strstr(s7_retain_error(r), "failed earlier") != NULL);
    CHECK_INT(s7_retain_record(r, 2, 0, 1), 0); /* not retentive: never an error */
    CHECK_INT(s7_retain_compact(r), S7_ERR_IO); /* the snapshot does not fit either */
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &old), 0);
    CHECK_INT(s7_retain_compact(r), 0);
    CHECK_INT(put(r, cpu, 1, 5, "D"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_MEM(db(cpu, 1),
              "ok"
              "ABCD",
              6); /* B and C were in memory at the compaction */
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

static void test_crc(void)
{
    CHECK_INT(s7_crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_INT(s7_crc32(s7_crc32(0, "1234", 4), "56789", 5), 0xCBF43926u);
    CHECK_INT(s7_crc32(0, "", 0), 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/s7retain.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/state.bin", dir);
    g_peer = s7_cpu_session_new();
    CHECK(g_peer != NULL);
    test_crc();
    test_fresh_and_restart();
    test_replay_order();
    test_torn_tail();
    test_corrupt_record();
    test_damaged_lengths();
    test_bad_snapshot();
    test_repair_snapshot();
    test_repair_journal_header();
    test_files();
    test_resize();
    test_compaction();
    test_lock_and_missing();
    test_unwritable_dir();
    test_async();
    test_group();
    test_write_failure();
    test_own_writes();
    test_download();
    s7_cpu_session_free(g_peer);
    clean();
    rmdir(dir);
    return t_done();
}
