/* Internal interface between the doctor's ladder (doctor.c) and its alternatives on a
 * refused connection request (alternatives.c). */
#ifndef S7_DIAG_DOCTOR_INT_H
#define S7_DIAG_DOCTOR_INT_H

#include "diag/internal.h"

/* Index of the "cotp" check in a report. */
#define S7__CHECK_COTP 2

/* Set a check's status and detail (printf). */
void s7__diag_set(s7_diag_check *c, int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* After a refused CR (err: how the attempt ended): try other connection types, rack/slots
 * and TSAP pairs against r->addr, fill r->alts, r->cr_cause, r->alt_best and the cause and
 * fix of the cotp check. */
void s7__diag_alternatives(const s7_doctor_opts *o, s7_diag_report *r, const s7_client_opts *co,
                           int err);

/* The rule of docs/doctor.md over the alternatives tried after the CR for the called TSAP
 * remote was refused (id: the CPU's identity when one alternative let us read it, else
 * NULL):
 *   accepted at the same rack/slot with another type        -> RESOURCES_EXHAUSTED
 *   else accepted with the same type elsewhere, or a TSAP pair -> WRONG_TSAP (a LOGO! pair
 *                                                               first when id says LOGO!)
 *   else accepted with another type elsewhere                -> WRONG_TSAP
 *   else ALL_REFUSED (NOT_PROBED when n is 0).
 * *best gets the index of the alternative to use (-1 none). */
s7_diag_cr_cause s7__diag_cr_classify(uint16_t remote, const s7_diag_alt *alts, size_t n,
                                      const s7_cpu_info *id, int *best);

/* At the identity step (doctor_cpu.c): the family of the CPU's order code into r->family;
 * profile_mismatch when it is not o->expect_profile's or the CPU answers at another
 * rack/slot than o->expect_rack / expect_slot; cpu_stopped (with r->mode_changed from SZL
 * 0x0424) when r->cpu_state is STOP.  Appends to ck's detail; on a verdict sets its cause
 * and fix.  Returns the verdict or S7_DIAG_OK. */
int s7__diag_cpu_verdict(const s7_doctor_opts *o, s7_diag_report *r, s7_client *c,
                         s7_diag_check *ck);

/* After a refused CR: when an alternative let the doctor read the identity and its family
 * is not o->expect_profile's, the verdict becomes profile_mismatch (the documented profile
 * named the wrong rack/slot), the cotp check's cause and fix say so. */
void s7__diag_cpu_after_cr(const s7_doctor_opts *o, s7_diag_report *r);

/* TCP's delivery state of fd (TCP_INFO): retransmissions so far and segments sent but not
 * acknowledged.  0, or -1 (both 0) when fd tells nothing. */
int s7__diag_tcp_state(int fd, unsigned *retrans, unsigned *unacked);
/* The fix of a path_loss verdict: the network team finds the loss on the path to addr. */
void s7__diag_loss_fix(s7_diag_check *ck, const char *addr);

/* After a step past the setup failed with no answer (doctor_path.c): watch is a handle on the
 * failed session's socket; large: the answer lost may have been large (SZL, the full read),
 * else (a 1-byte read's answer) only TCP's counts are read.  Reads on fresh connections (1 byte, then a whole PDU's answer,
 * then bisected sizes) and TCP's counts tell whether the path is at fault: S7_DIAG_PATH_MTU
 * (small answers arrive, large ones do not) or S7_DIAG_PATH_LOSS (TCP retransmitted), with
 * ck's cause and fix set; -1 when nothing points at the path (the detail says what the fresh
 * connection saw). */
int s7__diag_path_after_timeout(const s7_doctor_opts *o, s7_diag_report *r,
                                const s7_client_opts *co, int watch, int large, s7_diag_check *ck);

/* "DB", "I", "Q", "M", "T", "C". */
const char *s7__diag_area_name(uint8_t area);

#endif
