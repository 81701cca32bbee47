/* Token bucket (util/bucket.h). */
#include "util/bucket.h"

void s7__bucket_init(s7__bucket *b, double rate, double burst)
{
    b->rate = rate > 0 ? rate : 0;
    b->burst = burst > 0 ? burst : 0;
    b->tokens = b->burst;
    b->at_ms = 0;
    b->started = 0;
}

/* The tokens held at now_ms (not stored). */
static double level(const s7__bucket *b, int64_t now_ms)
{
    double t = b->tokens;
    if (b->started && now_ms > b->at_ms)
        t += b->rate * (double)(now_ms - b->at_ms) / 1000.0;
    return t > b->burst ? b->burst : t;
}

int s7__bucket_take(s7__bucket *b, int64_t now_ms)
{
    b->tokens = level(b, now_ms);
    if (!b->started || now_ms > b->at_ms)
        b->at_ms = now_ms;
    b->started = 1;
    if (b->tokens < 1.0)
        return 0;
    b->tokens -= 1.0;
    return 1;
}

int64_t s7__bucket_next_ms(const s7__bucket *b, int64_t now_ms)
{
    double t = level(b, now_ms);
    if (t >= 1.0)
        return now_ms;
    if (b->rate <= 0 || b->burst < 1.0)
        return -1;
    double wait = (1.0 - t) * 1000.0 / b->rate;
    if (wait > 1e15) /* beyond any clock: never */
        return -1;
    int64_t at = now_ms + (int64_t)wait;
    /* the fraction of a millisecond cut off above, and the rounding of level() */
    for (int k = 0; k < 4 && level(b, at) < 1.0; k++)
        at++;
    return at;
}
