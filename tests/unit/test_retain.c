/* Retentive store (server/retain.c): fresh start, restart after a clean close and after a
 * crash (journal replay in order), torn and corrupt journal tails, corrupt and torn
 * snapshots refused without touching memory, DB size changes, compaction (explicit, by
 * size, a stale journal left by a crash mid-compaction), the lock, ASYNC mode. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "s7/cpu.h"
#include "s7/retain.h"
#include "t.h"

static char dir[64];
static char path[128];
static char logbuf[8192];

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

/* "Write" bytes into the CPU's memory and journal them, as the write event does. */
static int put(s7_retain *r, s7_cpu *cpu, uint16_t n, uint32_t off, const char *bytes)
{
    size_t k = strlen(bytes);
    memcpy(db(cpu, n) + off, bytes, k);
    s7_cpu_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = S7_EV_WRITE;
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
    logbuf[0] = 0;
}

static int open_store(s7_retain **r, s7_cpu *cpu, const s7_retain_opts *o, char *err)
{
    return s7_retain_open(r, cpu, path, o, err, 512);
}

static void test_fresh_and_restart(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[512];
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
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* A crash (no close): the journal is replayed in order, the last write wins. */
static void test_replay_order(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[512];
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
    char err[512];
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
    CHECK(strstr(logbuf, "15 bytes dropped") != NULL);
    CHECK(strstr(logbuf, "torn tail") != NULL);
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
    CHECK(strstr(logbuf, "torn tail") != NULL);
    CHECK_MEM(db(cpu, 1), "zz", 2);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* A corrupt record in the middle stops the replay there; the message says it is damage. */
static void test_corrupt_record(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[512];
    s7_cpu *cpu = mk_cpu(4);
    s7_retain *r = NULL;
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    CHECK_INT(put(r, cpu, 1, 0, "A"), 0);
    CHECK_INT(put(r, cpu, 1, 1, "B"), 0);
    CHECK_INT(put(r, cpu, 1, 2, "C"), 0);
    s7_retain_free(r);
    s7_cpu_free(cpu);
    flip(jpath(), 24 + 15 + 10); /* the data byte of the second record */
    logbuf[0] = 0;
    cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err), 0);
    s7_retain_stats st;
    s7_retain_stats_get(r, &st);
    CHECK_INT(st.replayed, 1);
    CHECK_INT(st.dropped_bytes, 30);
    CHECK_INT(db(cpu, 1)[0], 'A');
    CHECK_INT(db(cpu, 1)[1], 0xAA);
    CHECK_INT(db(cpu, 1)[2], 0xAA);
    CHECK(strstr(logbuf, "record checksum mismatch after record 1: 30 bytes dropped") != NULL);
    CHECK(strstr(logbuf, "damaged") != NULL);
    s7_retain_free(r);
    s7_cpu_free(cpu);
}

/* Damaged snapshots are refused with a message naming the file; memory is untouched. */
static void test_bad_snapshot(void)
{
    s7_retain_opts o = opts();
    char err[512];
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
        CHECK_INT(db(cpu, 1)[0], 0xAA); /* untouched */
        s7_cpu_free(cpu);
    }
    /* the file was not rewritten by the failed open */
    char err2[512];
    s7_cpu *cpu = mk_cpu(4);
    CHECK_INT(open_store(&r, cpu, &o, err2), S7_ERR_STATE);
    s7_cpu_free(cpu);
}

static void test_resize(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[512];
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
    char err[512];
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
    char err[512];
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

static void test_async(void)
{
    clean();
    s7_retain_opts o = opts();
    o.mode = S7_RETAIN_ASYNC;
    o.flush_ms = 1;
    char err[512];
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

/* A journal that cannot grow (a file size limit: as a full disk would): the record fails,
 * the partial record is cut off, further records are refused until a compaction works,
 * and what was journaled before stays replayable. */
static void test_write_failure(void)
{
    clean();
    s7_retain_opts o = opts();
    char err[512];
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
    test_crc();
    test_fresh_and_restart();
    test_replay_order();
    test_torn_tail();
    test_corrupt_record();
    test_bad_snapshot();
    test_resize();
    test_compaction();
    test_lock_and_missing();
    test_async();
    test_write_failure();
    clean();
    rmdir(dir);
    return t_done();
}
