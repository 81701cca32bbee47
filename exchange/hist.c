/* Fixed-bucket latency histogram (s7_hist, exchange_bridge.h): 8 sub-buckets per power of two
 * of microseconds.  Values below 8 us have a bucket each; above, a bucket spans 1/8 of its
 * power of two, so the upper bound a quantile reports is within 12.5% of the sample. */
#include "s7/exchange_bridge.h"
#include "util/hot.h"

static unsigned msb(uint32_t v)
{
    unsigned m = 0;
    while (v >>= 1)
        m++;
    return m;
}

static unsigned bucket_of(uint32_t us)
{
    if (us < 8)
        return us;
    unsigned m = msb(us); /* 3..31 */
    return (m - 2) * 8 + ((us >> (m - 3)) & 7);
}

static uint32_t bucket_upper(unsigned i)
{
    if (i < 8)
        return i;
    unsigned m = i / 8 + 2, sub = i % 8;
    uint64_t lo = (uint64_t)(8 + sub) << (m - 3);
    uint64_t hi = lo + ((uint64_t)1 << (m - 3)) - 1;
    return hi > UINT32_MAX ? UINT32_MAX : (uint32_t)hi;
}

S7_HOT void s7_hist_add(s7_hist *h, uint32_t us)
{
    h->n[bucket_of(us)]++;
    h->count++;
    h->sum_us += us;
    if (us > h->max_us)
        h->max_us = us;
}

uint32_t s7_hist_quantile(const s7_hist *h, double q)
{
    if (!h->count)
        return 0;
    if (q <= 0)
        q = 0;
    if (q > 1)
        q = 1;
    /* the rank of the sample: ceil(q * count), at least 1 */
    uint64_t rank = (uint64_t)(q * (double)h->count);
    if ((double)rank < q * (double)h->count)
        rank++;
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (unsigned i = 0; i < S7_HIST_BUCKETS; i++) {
        seen += h->n[i];
        if (seen >= rank) {
            uint32_t up = bucket_upper(i);
            return up > h->max_us ? h->max_us : up;
        }
    }
    return h->max_us;
}
