/* A token bucket: at most `rate` events per second on average, with bursts of up to `burst`
 * events after a quiet spell.  It starts full; tokens come back continuously (rate per
 * second, fractions kept) up to burst; an event takes one whole token.  Times are
 * milliseconds of one monotonic clock, never earlier than the last one given (an earlier
 * time refills nothing).  rate and burst may be changed between calls (a reloaded policy):
 * the tokens held are kept, capped at the new burst at the next take.  No clock, no lock,
 * no allocation: the caller owns the struct and serialises its use.  Used by the guard's
 * per-partner rate limit (guard/guard.c) and by `s7 guard`'s limit shared over engines
 * (tools/s7/guard.c).  Not installed; symbols are s7__. */
#ifndef S7_UTIL_BUCKET_H
#define S7_UTIL_BUCKET_H

#include <stdint.h>

typedef struct s7__bucket {
    double rate;   /* tokens per second */
    double burst;  /* tokens kept at most */
    double tokens; /* held after the last refill */
    int64_t at_ms; /* time of the last refill */
    int started;   /* a take has set at_ms */
} s7__bucket;

/* A full bucket of burst tokens refilled at rate per second (both >= 0). */
void s7__bucket_init(s7__bucket *b, double rate, double burst);
/* Refills up to now_ms, then takes one token: 1 when there was one, 0 when not (nothing
 * taken). */
int s7__bucket_take(s7__bucket *b, int64_t now_ms);
/* The earliest time (>= now_ms) at which a take finds a token: now_ms when one is there,
 * -1 when none ever comes (rate 0 with less than one token, or burst below 1). */
int64_t s7__bucket_next_ms(const s7__bucket *b, int64_t now_ms);

#endif
