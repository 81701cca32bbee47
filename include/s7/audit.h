/* s7kit audit log: one JSON object per line for every write and every refused access of
 * an emulated CPU (and, on request, every read), appended to a file and flushed per line.
 *
 *   {"time": "2026-03-01T12:00:00.123Z", "peer": "127.0.0.1:40512", "op": "write",
 *    "area": "DB", "db": 1, "offset": 4, "length": 4, "result": "ok"}
 *
 * time     UTC, ISO-8601 with milliseconds
 * peer     "ip:port" of the partner ("" when unknown)
 * op       "read", "write", "access" (a refused read/write item: the CPU's event does not
 *          say which), "connect" (a connection refused), or a control operation: "stop",
 *          "hot-start", "cold-start", "clock-set", "control"
 * area     "DB", "I", "Q", "M", "T", "C" (others as "16#xx"); absent for connect/control
 * db       the DB number (0 for other areas)
 * offset   byte offset (T and C: element number); a bit item adds "bit": 0..7
 * length   bytes (T and C: elements)
 * result   "ok", "refused: PUT/GET not permitted" (0x8104), "refused: request larger than
 *          the PDU" (0x8500), "refused: 0xXXXX" (other header errors), or the item return
 *          code: "0x03 access denied", "0x05 address out of range", "0x0A object does not
 *          exist", "0x06 type not supported", "0x07 type inconsistent"; for connect the
 *          reason the connection was closed after its CR
 *
 * The file is opened with O_APPEND, so several writers and logrotate's copytruncate keep
 * whole lines; s7_audit_reopen() follows a rename (logrotate's create mode, SIGHUP). */
#ifndef S7_AUDIT_H
#define S7_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_audit s7_audit;

/* What is logged (s7_audit_open's mask). */
enum {
    S7_AUDIT_WRITES = 1,  /* every write item, successful or not */
    S7_AUDIT_REFUSED = 2, /* every refused item / job, refused connections */
    S7_AUDIT_CONTROL = 4, /* stop, start, clock set */
    S7_AUDIT_READS = 8,   /* every read item (verbose) */
    S7_AUDIT_DEFAULT = S7_AUDIT_WRITES | S7_AUDIT_REFUSED | S7_AUDIT_CONTROL
};

/* Opens (creates, mode 0644) path for appending.  path must be a regular file: a FIFO, a
 * device, a socket or a directory is refused at once (a FIFO never blocks the open).
 * Returns 0 with *out set, or S7_ERR_IO with a message naming the file and the reason in
 * err.  An audit log must not share a file with a state file or its journal: check with
 * s7_retain_check_files (retain.h) before opening either. */
S7_API int s7_audit_open(s7_audit **out, const char *path, unsigned mask, char *err, size_t errcap);

/* Closes the file and opens path again (after a log rotation).  0, or S7_ERR_IO when path
 * cannot be opened or is no longer a regular file (the log keeps its old file). */
S7_API int s7_audit_reopen(s7_audit *a);

/* Logs ev when the mask selects it.  Returns 1 when a line was written, 0 when the event
 * is not selected, S7_ERR_IO when the write failed (the line is lost; later ones are tried
 * again). */
S7_API int s7_audit_event(s7_audit *a, const s7_cpu_event *ev);

/* Logs a refused connection (op "connect", result = reason).  Returns as s7_audit_event. */
S7_API int s7_audit_connect(s7_audit *a, const char *peer, const char *reason);

/* Lines written and lines lost since open. */
S7_API uint64_t s7_audit_lines(const s7_audit *a, uint64_t *failed);

/* Closes the log (NULL is a no-op). */
S7_API void s7_audit_close(s7_audit *a);

/* The line for ev at time_ms (ms since 1970, UTC) into buf, with the closing newline.
 * Returns its length (snprintf style: >= cap means truncated), or 0 when the event is not
 * one the log describes. */
S7_API int s7_audit_format(const s7_cpu_event *ev, int64_t time_ms, char *buf, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
