/* Unit tests for util/text.c's UTF-8 helpers: which byte sequences are well-formed UTF-8
 * (s7__utf8_seq: ASCII, 2/3/4-byte forms, and the ill-formed ones an XML parser refuses:
 * stray continuation bytes, overlong forms, surrogates, beyond U+10FFFF, cut short), and a
 * cut after N characters that never splits a sequence (s7__utf8_prefix). */
#include <string.h>

#include "t.h"
#include "util/text.h"

static void test_seq(void)
{
    CHECK_INT((int)s7__utf8_seq("a"), 1);
    CHECK_INT((int)s7__utf8_seq("\xC3\xBC"), 2);         /* ü */
    CHECK_INT((int)s7__utf8_seq("\xE2\x86\x92"), 3);     /* → */
    CHECK_INT((int)s7__utf8_seq("\xF0\x9F\x94\xA7"), 4); /* U+1F527 */
    CHECK_INT((int)s7__utf8_seq("\xC3."), 0);            /* cut: the evaluator's 0xC3 0x2E */
    CHECK_INT((int)s7__utf8_seq("\xC3"), 0);             /* cut by the end */
    CHECK_INT((int)s7__utf8_seq("\xBC"), 0);             /* a stray continuation byte */
    CHECK_INT((int)s7__utf8_seq("\xC0\xAF"), 0);         /* overlong '/' */
    CHECK_INT((int)s7__utf8_seq("\xE0\x80\xAF"), 0);     /* overlong, 3 bytes */
    CHECK_INT((int)s7__utf8_seq("\xED\xA0\x80"), 0);     /* a surrogate, U+D800 */
    CHECK_INT((int)s7__utf8_seq("\xF4\x90\x80\x80"), 0); /* U+110000 */
    CHECK_INT((int)s7__utf8_seq("\xE2\x86"), 0);         /* 3-byte form cut short */
}

static void test_prefix(void)
{
    const char *s = "Lackiererei Pr\xC3\xBC"
                    "fstand Schwei\xC3\x9F"
                    "en"; /* 31 characters */
    size_t n = s7__utf8_prefix(s, 30);
    CHECK_INT((int)n, 32); /* 30 characters, two of them of two bytes */
    CHECK(strncmp(s,
                  "Lackiererei Pr\xC3\xBC"
                  "fstand Schwei\xC3\x9F"
                  "e",
                  n) == 0);
    CHECK_INT((int)s7__utf8_prefix(s, 100), (int)strlen(s));
    CHECK_INT((int)s7__utf8_prefix(s, 0), 0);
    CHECK_INT((int)s7__utf8_prefix("\xE2\x86\x92\xE2\x86\x92", 1), 3);
    CHECK_INT((int)s7__utf8_prefix("\xC3.x", 2), 2); /* an ill-formed byte counts as one */
}

int main(void)
{
    test_seq();
    test_prefix();
    return t_done();
}
