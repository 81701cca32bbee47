/* Calendar arithmetic on the proleptic Gregorian calendar: day numbers since 1970-01-01
 * (negative before it) and back, and the length of a month.  Used by tag/ (DATE, DT, DTL
 * values) and the emulator's clock (server/cpu.c).  Not installed; symbols are s7__. */
#ifndef S7_UTIL_DATE_H
#define S7_UTIL_DATE_H

#include <stdint.h>

/* Days since 1970-01-01 of a date (month 1..12, day 1..31), and back. */
int64_t s7__days_from_civil(int64_t y, unsigned m, unsigned d);
void s7__civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
/* Days in a month (0 for a month outside 1..12). */
unsigned s7__days_in_month(int64_t y, unsigned m);

#endif
