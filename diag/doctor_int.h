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

/* "DB", "I", "Q", "M", "T", "C". */
const char *s7__diag_area_name(uint8_t area);

#endif
