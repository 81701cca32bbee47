/* Small text helpers the library's parsers share (s7__ symbols, not exported). */
#ifndef S7_UTIL_TEXT_H
#define S7_UTIL_TEXT_H

#include <stddef.h>

/* Formats a message into err (cap bytes; nothing when err is NULL or cap 0).  Returns -1, so
 * a parser can `return s7__errf(err, cap, "...", ...);`. */
#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
int s7__errf(char *err, size_t cap, const char *fmt, ...);

/* A decimal number in [min, max]: digits only (no sign, no spaces, no base prefix).  Returns
 * 0 with *out set, or -1 without touching *out. */
int s7__parse_dec(const char *s, long min, long max, long *out);

/* Text appended into a fixed buffer: what does not fit is counted in len but not written
 * (len >= cap afterwards tells the caller it was cut). */
typedef struct s7__jbuf {
    char *p;
    size_t cap, len;
} s7__jbuf;
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void s7__jb_printf(s7__jbuf *b, const char *fmt, ...);
/* s as a JSON string literal, quotes included (NULL as ""). */
void s7__jb_json_str(s7__jbuf *b, const char *s);

/* The length in bytes of the well-formed UTF-8 sequence at s (1..4; 1 for ASCII), or 0
 * when s does not start one (a stray continuation byte, an overlong form, a surrogate, a
 * code point above U+10FFFF, a sequence cut short or by the terminating NUL). */
size_t s7__utf8_seq(const char *s);
/* The length in bytes of the first max characters of s (the whole of s when shorter): a cut
 * there never splits a UTF-8 sequence.  A byte that starts no well-formed sequence counts
 * as one character. */
size_t s7__utf8_prefix(const char *s, size_t max);

/* A malloc'ed copy of s (not NULL), or NULL when out of memory (strdup is not C11). */
char *s7__strdup(const char *s);

#endif
