/* Minimal unit-test harness: CHECK macros count passes and failures; t_done() prints the
 * closing line "N passed, N failed" and returns the exit status. */
#ifndef S7_TEST_T_H
#define S7_TEST_T_H

#include <stdio.h>
#include <string.h>

static int t_pass, t_fail;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (cond) {                                                                  \
            t_pass++;                                                                \
        } else {                                                                     \
            t_fail++;                                                                \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                            \
    } while (0)

#define CHECK_INT(a, b)                                                                         \
    do {                                                                                        \
        long long t_a = (long long)(a), t_b = (long long)(b);                                   \
        if (t_a == t_b) {                                                                       \
            t_pass++;                                                                           \
        } else {                                                                                \
            t_fail++;                                                                           \
            fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", __FILE__, __LINE__, #a, \
                    t_a, #b, t_b);                                                              \
        }                                                                                       \
    } while (0)

#define CHECK_STR(a, b)                                                                       \
    do {                                                                                      \
        const char *t_a = (a), *t_b = (b);                                                    \
        if (t_a && t_b && strcmp(t_a, t_b) == 0) {                                            \
            t_pass++;                                                                         \
        } else {                                                                              \
            t_fail++;                                                                         \
            fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", __FILE__, __LINE__, #a, \
                    t_a ? t_a : "(null)", t_b ? t_b : "(null)");                              \
        }                                                                                     \
    } while (0)

#define CHECK_MEM(a, b, n)                                                                     \
    do {                                                                                       \
        if (memcmp((a), (b), (n)) == 0) {                                                      \
            t_pass++;                                                                          \
        } else {                                                                               \
            t_fail++;                                                                          \
            fprintf(stderr, "%s:%d: memory %s differs from %s\n", __FILE__, __LINE__, #a, #b); \
        }                                                                                      \
    } while (0)

/* Parse a hex string ("03 00 00 16 ...", spaces and '|' ignored) into out; returns bytes. */
static inline size_t t_hex(const char *s, unsigned char *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (; *s; s++) {
        int v;
        if (*s >= '0' && *s <= '9')
            v = *s - '0';
        else if (*s >= 'a' && *s <= 'f')
            v = *s - 'a' + 10;
        else if (*s >= 'A' && *s <= 'F')
            v = *s - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            if (n < cap)
                out[n] = (unsigned char)(hi << 4 | v);
            n++;
            hi = -1;
        }
    }
    return n;
}

/* expr encodes into (ob, oc); the result must equal want[0..wlen-1] and every smaller
 * capacity must give S7_ERR_NOSPACE.  The test file provides uint8_t encbuf[]. */
#define CHECK_ENC(want, wlen, expr)             \
    do {                                        \
        uint8_t *ob = encbuf;                   \
        size_t oc = sizeof encbuf;              \
        int r_ = (expr);                        \
        CHECK_INT(r_, (wlen));                  \
        if (r_ == (int)(wlen))                  \
            CHECK_MEM(ob, (want), (wlen));      \
        int ns_ = 0;                            \
        for (oc = 0; oc < (size_t)(wlen); oc++) \
            ns_ += (expr) == S7_ERR_NOSPACE;    \
        CHECK_INT(ns_, (wlen));                 \
    } while (0)

static inline int t_done(void)
{
    printf("%d passed, %d failed\n", t_pass, t_fail);
    return t_fail ? 1 : 0;
}

#endif
