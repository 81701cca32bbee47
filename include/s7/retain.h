/* s7kit retentive store: DBs flagged S7_DB_RETAIN survive a restart of the emulator.
 *
 * On disk (FILE is the state file the application names):
 *   FILE          snapshot: every retentive DB's number, size and bytes, with a CRC32 over
 *                 the body; replaced atomically (FILE.tmp, fsync, rename, fsync of the
 *                 directory), so it is either the old or the new snapshot, never a mix.
 *   FILE.journal  append-only journal of writes since the snapshot: each record holds the
 *                 DB, offset, the bytes as they are in memory after the write, and a CRC32.
 *   FILE.tmp      a snapshot being written (a leftover is removed at open).
 *
 * Durability: S7_RETAIN_SYNC appends the record and fdatasync()s the journal inside the
 * CPU's write event, i.e. before the server sends the acknowledgement, so an acknowledged
 * write survives kill -9 and power loss.  With a group commit (s7_retain_set_group, what
 * `s7 server` uses) the server holds the acknowledgements of every write job served in a
 * turn of its loop and one fdatasync covers them all before any of them is sent.  S7_RETAIN_ASYNC appends with write() (the bytes
 * are in the kernel before the acknowledgement: they survive kill -9 of the server, not a
 * power cut) and fdatasync()s from s7_retain_tick() every flush_ms and at close.
 *
 * Open: the snapshot is loaded (a torn or corrupt snapshot is refused with a message that
 * names the file and the damage; nothing is loaded), the journal is replayed record by
 * record in order, then the store is compacted at once so every run starts from a clean
 * snapshot and an empty journal.  Compaction also runs at s7_retain_close() and when the
 * journal passes compact_bytes.
 *
 * The journal's end: a torn tail (the last record cut short, or zeros, with no valid
 * record after it) is what a crash during an append leaves; it is dropped and logged.  In
 * SYNC mode it is a write that was never acknowledged.  Anything else that is not a valid
 * record (a record failing its checksum with valid records after it, a complete last
 * record failing its checksum, bytes that are no record at all) is damage: the open is
 * refused (S7_ERR_STATE) with a message naming the file, the byte offset and record
 * number, what is wrong, how many valid records follow and what a repair would keep and
 * lose; no file is changed.  A damaged file is never compacted away.
 *
 * Repair (s7_retain_open_ex with S7_RETAIN_OPEN_REPAIR, `s7 server --repair`): the damaged
 * snapshot and journal are first copied aside as FILE.damaged-YYYYMMDD-HHMMSS and
 * FILE.journal.damaged-YYYYMMDD-HHMMSS (UTC; -2, -3 ... appended rather than overwrite an
 * earlier set), then the store starts with what can be trusted: after journal damage the
 * snapshot and every record that carries a valid checksum, before and after the damage,
 * in order (only the damaged records' writes are lost); after snapshot damage (or a
 * missing snapshot) the retentive DBs' initial values (its journal holds changes to a
 * snapshot that cannot be verified, so it is not replayed); after a journal whose header
 * is damaged or that belongs to another snapshot generation, the snapshot alone.
 * Refusals that are not damage (a DB size changed, another version, the lock, a snapshot
 * that is not an s7kit state file at all) are not repaired.
 *
 * Files: the snapshot and its journal must be regular files (a FIFO, device, socket or
 * directory is refused without blocking) and distinct (also through symbolic and hard
 * links); s7_retain_check_files keeps the application's other files (an audit log) apart.
 *
 * A DB whose size differs from the snapshot's is refused (S7_RETAIN_RESIZE_REFUSE,
 * default) or loaded as far as it fits (S7_RETAIN_RESIZE_FIT: the rest of a larger DB
 * keeps its initial values, the tail of a smaller one is dropped).  Retentive DBs missing
 * from the snapshot keep their initial values; DBs in the snapshot that are no longer
 * retentive DBs of the CPU are logged and dropped at the next compaction.
 *
 * The journal file is locked (flock) while the store is open: a second server on the
 * same state file is refused.  No threads, no global state: one store is used by one
 * thread at a time (the server's loop). */
#ifndef S7_RETAIN_H
#define S7_RETAIN_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "err.h"
#include "log.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_retain s7_retain;

enum { S7_RETAIN_SYNC = 0, S7_RETAIN_ASYNC = 1 };
enum { S7_RETAIN_RESIZE_REFUSE = 0, S7_RETAIN_RESIZE_FIT = 1 };

typedef struct s7_retain_opts {
    int mode;               /* S7_RETAIN_SYNC (default) or S7_RETAIN_ASYNC */
    int resize;             /* S7_RETAIN_RESIZE_REFUSE (default) or _FIT */
    uint64_t compact_bytes; /* compact when the journal grows past this; default 4 MiB */
    int flush_ms;           /* ASYNC: fdatasync at most this long after a write; default 1000 */
    /* informational messages (what was loaded, dropped, compacted); level S7_LOG_* */
    s7_log_fn log;
    void *log_ctx;
} s7_retain_opts;

typedef struct s7_retain_stats {
    uint32_t dbs;           /* retentive DBs of the CPU */
    int snapshot_loaded;    /* 1 when a snapshot was found and loaded */
    uint64_t generation;    /* of the current snapshot (1 for a new store) */
    uint64_t replayed;      /* journal records replayed at open */
    uint64_t dropped_bytes; /* journal bytes dropped at open (torn / corrupt tail) */
    uint64_t records;       /* records appended since open */
    uint64_t journal_bytes; /* journal size now */
    uint64_t syncs;         /* fdatasync calls on the journal since open */
    uint32_t compactions;   /* since open (the one at open included) */
} s7_retain_stats;

S7_API void s7_retain_opts_init(s7_retain_opts *o);

/* Opens the store at path for the retentive DBs of cpu (which must already hold its DBs
 * with their initial values): loads, replays, compacts.  On success *out is the store and
 * 0 is returned.  On failure returns S7_ERR_STATE (damaged snapshot, DB size changed,
 * state file in use), S7_ERR_IO (file system error), S7_ERR_NOMEM or S7_ERR_INVAL, writes a
 * message naming the file and what is wrong into err, and leaves the CPU's memory as it
 * was (nothing is loaded partly). */
S7_API int s7_retain_open(s7_retain **out, s7_cpu *cpu, const char *path, const s7_retain_opts *o,
                          char *err, size_t errcap);

/* s7_retain_open_ex flags. */
enum {
    /* Repair damaged files instead of refusing them: keep them aside, start with what can
     * be trusted (see above).  Intact files are opened as without it. */
    S7_RETAIN_OPEN_REPAIR = 1
};

/* s7_retain_open with flags (0 behaves as s7_retain_open).  With S7_RETAIN_OPEN_REPAIR a
 * damaged state is repaired (s7_retain_repair_report says how) instead of refused;
 * copying the damaged files aside must succeed first (S7_ERR_IO otherwise, nothing
 * changed). */
S7_API int s7_retain_open_ex(s7_retain **out, s7_cpu *cpu, const char *path,
                             const s7_retain_opts *o, unsigned flags, char *err, size_t errcap);

/* What the repair at open did: the damage, what was kept and lost, where the damaged files
 * were kept aside.  "" when the open repaired nothing.  Lives as long as the store. */
S7_API const char *s7_retain_repair_report(const s7_retain *r);

/* Checks, before anything is opened, that the files of the store at state (FILE,
 * FILE.journal and FILE.tmp; state may be NULL) and the n other files paths[i] (an audit
 * log, a configuration file; NULL entries are skipped) are regular files where they exist
 * and all distinct: the same device and inode, or the same name with symbolic links
 * resolved for a file not there yet, is a collision.  state_name and names[i] are how the
 * message names them (e.g. "--state", "--audit").  Returns 0, S7_ERR_INVAL with a message
 * naming both files, their options and the file they share (or the kind of a file that is
 * not regular), or S7_ERR_NOMEM. */
S7_API int s7_retain_check_files(const char *state, const char *state_name,
                                 const char *const *paths, const char *const *names, size_t n,
                                 char *err, size_t errcap);

/* Journals bytes [off, off+len) of DB db as they are in the CPU's memory now (a write has
 * just landed there).  Does nothing (returns 0) for a DB that is not retentive.  In SYNC
 * mode the record is on disk when this returns 0.  Returns 0 or S7_ERR_IO / S7_ERR_NOMEM
 * (s7_retain_error says why); after an error the store refuses further records until it
 * is compacted successfully. */
S7_API int s7_retain_record(s7_retain *r, uint16_t db, uint32_t off, uint32_t len);

/* Convenience for an s7_cpu_event hook: journals successful S7_EV_WRITE events that hit a
 * retentive DB, a partner's Write Var and the CPU's own writes (s7_cpu_write, sess NULL:
 * a GET job's RD areas, a BRCV's block, job outputs) alike; ignores every other event.
 * SYNC mode: a Write Var's items are made durable together at its S7_EV_DONE, a write of
 * the CPU's own before this returns.  Returns as s7_retain_record; with a group commit
 * (s7_retain_set_group) 1 at the S7_EV_DONE of a job that appended records (not synced
 * yet: the caller holds the job's reply until s7_retain_sync). */
S7_API int s7_retain_event(s7_retain *r, const s7_cpu_event *ev);

/* Group commit (SYNC mode): with on != 0 a Write Var's S7_EV_DONE no longer fdatasyncs
 * the journal; s7_retain_event returns 1 there instead when that job appended records,
 * which are on disk only after the next s7_retain_sync.  The application must hold that
 * job's reply until then (s7 server: s7_server_hold_replies, then one s7_retain_sync for
 * all the replies held in a turn of the loop, from s7_server_on_commit's hook), or call
 * s7_retain_sync at once when it cannot hold it.  A write of the CPU's own (no session) is
 * still synced before s7_retain_event returns.  ASYNC mode is not affected.  Returns 0 or
 * S7_ERR_INVAL. */
S7_API int s7_retain_set_group(s7_retain *r, int on);

/* ASYNC: fdatasync()s the journal when a record is older than flush_ms.  Call it from the
 * loop (at least every flush_ms); cheap when nothing is pending.  Returns 0 or S7_ERR_IO. */
S7_API int s7_retain_tick(s7_retain *r);

/* Flushes the journal to disk now (both modes; the commit of a group, s7_retain_set_group).
 * Returns 0 or S7_ERR_IO (the store then refuses further records, as after a failed
 * append). */
S7_API int s7_retain_sync(s7_retain *r);

/* Writes a new snapshot of every retentive DB (FILE.tmp, fsync, rename over FILE, fsync of
 * the directory) and empties the journal.  Returns 0 or S7_ERR_IO (the previous snapshot
 * and journal stay valid). */
S7_API int s7_retain_compact(s7_retain *r);

/* Compacts and frees the store (NULL is a no-op).  Returns the compaction's result. */
S7_API int s7_retain_close(s7_retain *r);

/* Frees the store without compacting (the journal stays valid; NULL is a no-op). */
S7_API void s7_retain_free(s7_retain *r);

S7_API void s7_retain_stats_get(const s7_retain *r, s7_retain_stats *st);

/* The message of the last failure (empty when none); lives as long as the store. */
S7_API const char *s7_retain_error(const s7_retain *r);

/* CRC-32 (IEEE 802.3, the zlib / PNG polynomial) of len bytes, continued from crc
 * (start with 0). */
S7_API uint32_t s7_crc32(uint32_t crc, const void *data, size_t len);

#ifdef __cplusplus
}
#endif
#endif
