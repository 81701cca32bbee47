/* Unit tests for util/bucket.c: a bucket starts full (burst takes at once, the next one
 * refused), refills at its rate with fractions kept (10/s: one token per 100 ms; 3/s: three
 * per second, not two), never above burst after a long quiet spell, an earlier time refills
 * nothing, next_ms says exactly when a take succeeds again (a take 1 ms earlier fails),
 * rate 0 and burst below 1 give -1, a changed rate and burst take effect at the next take
 * with the tokens held kept; over 10 s of takes every millisecond the count is burst plus
 * what the rate brings. */
#include "t.h"
#include "util/bucket.h"

static void test_start_and_refill(void)
{
    s7__bucket b;
    s7__bucket_init(&b, 10, 5);
    CHECK(s7__bucket_next_ms(&b, 1000) == 1000); /* full before the first take */
    for (int i = 0; i < 5; i++)
        CHECK_INT(s7__bucket_take(&b, 1000), 1);
    CHECK_INT(s7__bucket_take(&b, 1000), 0);
    CHECK(s7__bucket_next_ms(&b, 1000) == 1100);
    CHECK_INT(s7__bucket_take(&b, 1099), 0);
    CHECK_INT(s7__bucket_take(&b, 1100), 1);
    CHECK_INT(s7__bucket_take(&b, 1100), 0);
    /* 250 ms: two and a half tokens; the half is kept */
    CHECK_INT(s7__bucket_take(&b, 1350), 1);
    CHECK_INT(s7__bucket_take(&b, 1350), 1);
    CHECK_INT(s7__bucket_take(&b, 1350), 0);
    CHECK(s7__bucket_next_ms(&b, 1350) == 1400);
    CHECK_INT(s7__bucket_take(&b, 1400), 1);
    /* an hour of quiet: burst, not more */
    int n = 0;
    for (int i = 0; i < 100; i++)
        n += s7__bucket_take(&b, 3601400);
    CHECK_INT(n, 5);
    /* an earlier time refills nothing and does not move the refill time back */
    CHECK_INT(s7__bucket_take(&b, 1000), 0);
    CHECK_INT(s7__bucket_take(&b, 3601499), 0);
    CHECK_INT(s7__bucket_take(&b, 3601500), 1);
}

static void test_fractions(void)
{
    /* 3 per second, burst 2: one take every 333.3 ms (at 334, 667, 1000 or 1001 as the
     * thirds add up), so 3 in the 1001 ms after emptying it, and the fourth at 1334 */
    s7__bucket b;
    s7__bucket_init(&b, 3, 2);
    CHECK_INT(s7__bucket_take(&b, 0), 1);
    CHECK_INT(s7__bucket_take(&b, 0), 1);
    int n = 0;
    for (int64_t t = 1; t <= 1001; t++)
        n += s7__bucket_take(&b, t);
    CHECK_INT(n, 3);
    CHECK_INT(s7__bucket_take(&b, 1333), 0);
    CHECK_INT(s7__bucket_take(&b, 1334), 1);
    /* burst 1: what comes while the bucket is full is lost (334, 668, 1002: no carry) */
    s7__bucket_init(&b, 3, 1);
    CHECK_INT(s7__bucket_take(&b, 0), 1);
    n = 0;
    for (int64_t t = 1; t <= 1001; t++)
        n += s7__bucket_take(&b, t);
    CHECK_INT(n, 2);
    CHECK_INT(s7__bucket_take(&b, 1002), 1);
    /* next_ms is exact: a take there succeeds, one millisecond before it fails */
    static const double rates[] = {1, 3, 7, 10, 33, 100, 999, 1000, 1500};
    for (size_t k = 0; k < sizeof rates / sizeof rates[0]; k++) {
        s7__bucket_init(&b, rates[k], 2);
        int64_t now = 5;
        for (int i = 0; i < 50; i++) {
            int64_t at = s7__bucket_next_ms(&b, now);
            CHECK(at >= now);
            if (at > now) {
                s7__bucket c = b;
                CHECK_INT(s7__bucket_take(&c, at - 1), 0);
            }
            CHECK_INT(s7__bucket_take(&b, at), 1);
            now = at + (i % 3); /* now and then a little later than asked */
        }
    }
}

static void test_never_and_changes(void)
{
    s7__bucket b;
    s7__bucket_init(&b, 0, 2);
    CHECK_INT(s7__bucket_take(&b, 10), 1);
    CHECK_INT(s7__bucket_take(&b, 10), 1);
    CHECK_INT(s7__bucket_take(&b, 1000000), 0);
    CHECK(s7__bucket_next_ms(&b, 10) == -1);
    s7__bucket_init(&b, 100, 0.5);
    CHECK_INT(s7__bucket_take(&b, 10), 0);
    CHECK(s7__bucket_next_ms(&b, 10) == -1);
    s7__bucket_init(&b, -5, -1); /* negatives are 0 */
    CHECK_INT(s7__bucket_take(&b, 10), 0);
    CHECK(s7__bucket_next_ms(&b, 10) == -1);

    /* a reloaded limit: 2/s burst 2 emptied, then 20/s burst 20: the new rate refills */
    s7__bucket_init(&b, 2, 2);
    CHECK_INT(s7__bucket_take(&b, 0), 1);
    CHECK_INT(s7__bucket_take(&b, 0), 1);
    b.rate = b.burst = 20;
    CHECK(s7__bucket_next_ms(&b, 0) == 50);
    CHECK_INT(s7__bucket_take(&b, 100), 1);
    CHECK_INT(s7__bucket_take(&b, 100), 1);
    CHECK_INT(s7__bucket_take(&b, 100), 0);
    /* and down again: the tokens held are capped at the new burst at the next take */
    int n = 0;
    for (int i = 0; i < 30; i++)
        n += s7__bucket_take(&b, 10000);
    CHECK_INT(n, 20);
    b.rate = b.burst = 1;
    n = 0;
    for (int i = 0; i < 30; i++)
        n += s7__bucket_take(&b, 20000);
    CHECK_INT(n, 1);
}

static void test_long_run(void)
{
    /* a take every millisecond for 10 s at 50/s, burst 8: the 8 at once, then what 9.999 s
     * bring (499.95 tokens: 499 whole, 0.95 left); 20 ms later one more */
    s7__bucket b;
    s7__bucket_init(&b, 50, 8);
    int n = 0;
    for (int64_t t = 0; t < 10000; t++)
        n += s7__bucket_take(&b, t);
    CHECK_INT(n, 8 + 499);
    CHECK_INT(s7__bucket_take(&b, 10019), 1);
    CHECK_INT(s7__bucket_take(&b, 10019), 0);
}

int main(void)
{
    test_start_and_refill();
    test_fractions();
    test_never_and_changes();
    test_long_run();
    return t_done();
}
