/* Internal helpers shared by the files of diag/ only: the frame recorder that feeds the
 * evidence of a check, TCP connects with the raw errno, connection attempts with given
 * TSAPs (closed gracefully), the candidate TSAP lists, and a growing text buffer. */
#ifndef S7_DIAG_INTERNAL_H
#define S7_DIAG_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "s7/client.h"
#include "s7/diag.h"

/* ---------------------------------------------------------------- frame recorder */

#define S7__REC_KEEP 8 /* frames kept per step: the last ones */

/* Sits between the client's tap and log and the user's: records the frames of the current
 * step (a ring of the last S7__REC_KEEP) and passes everything on. */
typedef struct s7__rec {
    s7_diag_frame ring[S7__REC_KEEP];
    size_t seen;        /* frames since the last reset */
    int64_t t0;         /* reset time */
    int cc_seen;        /* a COTP CC arrived since the reset */
    int dr_seen;        /* a COTP DR arrived since the reset */
    int in_seen;        /* any frame arrived since the reset */
    int64_t t_first_in; /* time of the first frame received since the reset (ms), -1 */
    int timed_out;      /* the doctor's failing step ended with no answer (S7_ERR_TIMEOUT) */
    /* the user's hooks */
    void (*user_tap)(void *ctx, int outgoing, const uint8_t *frame, size_t len);
    void (*user_log)(void *ctx, int level, const char *msg);
    void *user_ctx;
} s7__rec;

/* Take the user's tap/log from o and put the recorder's in their place. */
void s7__rec_attach(s7__rec *r, s7_client_opts *o);
void s7__rec_reset(s7__rec *r);
/* Copy the frames kept since the last reset into a check (allocated; 0 or S7_ERR_NOMEM). */
int s7__rec_to_check(const s7__rec *r, s7_diag_check *c);

/* ---------------------------------------------------------------- TCP */

/* A non-blocking connect to sa with a timeout.  Returns 0 (connected, *fd set), or a
 * negative S7_ERR_* with *err_no the raw errno (ETIMEDOUT for our own timeout).  *ms gets
 * the time it took. */
int s7__tcp_connect(const struct sockaddr *sa, socklen_t salen, int timeout_ms, int *fd,
                    int *err_no, int *ms);
/* As s7__tcp_connect, from source (numeric address of this machine; NULL or "": the kernel
 * chooses).  S7_ERR_SOURCE (*err_no EADDRNOTAVAIL or EINVAL) when it cannot be bound. */
int s7__tcp_connect_from(const struct sockaddr *sa, socklen_t salen, const char *source,
                         int timeout_ms, int *fd, int *err_no, int *ms);
/* Symbolic name of an errno value ("ECONNREFUSED"), or "errno N" in buf. */
const char *s7__errno_name(int e, char *buf, size_t cap);

/* Close a connected handle gracefully: send FIN and wait (up to wait_ms) for the partner's
 * FIN, so a CPU has released the connection resource before the next attempt; then close. */
void s7__close_gracefully(s7_client *c, int wait_ms);

/* ---------------------------------------------------------------- attempts */

/* Connect to host:port with the TSAPs local:remote, base's other options (PDU, timeouts,
 * taps, passed on); fill a (result 0 when a CC came back, setup_ok, pdu, ms).  With keep
 * non-NULL and the setup done, the connected handle is left in *keep (the caller closes it);
 * otherwise the connection is closed gracefully.  rec is the storage of the attempt's
 * recorder, which the handle points to: it must outlive a kept handle (NULL: internal, only
 * without keep).  Returns a->result. */
/* The doctor's first two steps alone (doctor.c; discover.c runs them for its first
 * connection): the report set up, the host resolved, the SYN sent with the network step's
 * probes alongside.  0 with *fd the connected socket (the caller's); -1 when a step failed
 * (r holds the verdict, cause, fix and probes, the later checks skipped); S7_ERR_INVAL or
 * S7_ERR_NOMEM (nothing to free). */
int s7__doctor_net(const s7_doctor_opts *o, s7_diag_report *r, int *fd);

int s7__attempt(const char *host, uint16_t port, const s7_client_opts *base, uint16_t local,
                uint16_t remote, s7__rec *rec, s7_diag_alt *a, s7_client **keep);
/* The same over fd, a socket already connected to the partner (taken over: closed with the
 * handle); fd -1: connect to host:port. */
int s7__attempt_on(int fd, const char *host, uint16_t port, const s7_client_opts *base,
                   uint16_t local, uint16_t remote, s7__rec *rec, s7_diag_alt *a, s7_client **keep);

/* Fill an alternative from a TSAP pair (kind from the pair, rack/slot/type from the TSAP). */
/* The verdicts of a path the network blocks (filtered, rejected, nothing answers): a path
 * the inventory does not document is blocked by design. */
static inline int s7__diag_blocked(int verdict)
{
    return verdict == S7_DIAG_PORT_FILTERED || verdict == S7_DIAG_PORT_REJECTED ||
           verdict == S7_DIAG_NO_ANSWER;
}

void s7__alt_set(s7_diag_alt *a, s7_diag_alt_kind kind, uint16_t local, uint16_t remote);

/* The rack/slot addresses (low byte of the called TSAP) tried, in order: first the usual
 * ones (S7__ADDR_USUAL of them: 0/1, 0/2, 0/3, 0/0), then, only when no connection request
 * was accepted at those nor at the TSAP pairs, the other places of real CPUs: an S7-400 CPU
 * after a power supply of up to four slots (0/4, 0/5) and the second CPU of an S7-400H in
 * rack 1 (1/2, 1/3, 1/4, 1/5). */
#define S7__ADDR_USUAL 4
#define S7__ADDR_ALL 10
extern const uint8_t s7__addr_candidates[S7__ADDR_ALL];
/* The TSAP pairs of LOGO! and S7-200 tried (s7-protocol.md 1.5). */
typedef struct s7__pair {
    s7_diag_alt_kind kind;
    uint16_t local, remote;
} s7__pair;
extern const s7__pair s7__pairs[3];

/* Connection type named by a called TSAP's high byte (1 PG, 2 OP, 3..0x10 basic), 0 none. */
int s7__type_of_tsap(uint16_t remote);
/* "PG" "OP" "S7 basic" */
const char *s7__type_name(int type);

/* ---------------------------------------------------------------- text */

typedef struct s7__buf {
    char *p;
    size_t len, cap;
    int oom;
} s7__buf;
void s7__buf_printf(s7__buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void s7__buf_json_str(s7__buf *b, const char *s);
void s7__buf_hex(s7__buf *b, const uint8_t *p, size_t n);

/* snprintf into a fixed field, appending (for details built in parts). */
void s7__cat(char *dst, size_t cap, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* JSON pieces shared by the report, discover and scan printers (json.c). */
void s7__alt_json(s7__buf *b, const s7_diag_alt *a);
void s7__identity_json(s7__buf *b, const s7_cpu_info *id, int state);
/* The error object of docs/json.md: {name, code, message, cause, fix}; code, cause and fix
 * are null when NULL or empty. */
void s7__error_json(s7__buf *b, const char *id, const char *code, const char *message,
                    const char *cause, const char *fix);

#endif
