/* Internals shared by the tag/ files: a bounded text builder (snprintf-style length
 * counting) and UTF-8 helpers (calendar arithmetic: util/date.h).  Not installed; symbols are s7__. */
#ifndef S7_TAG_INTERNAL_H
#define S7_TAG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "s7/tag.h"
#include "util/date.h"

/* A text builder over (buf, cap): writes what fits, always NUL-terminates when cap > 0,
 * and counts the full length in len as snprintf does. */
typedef struct s7__sb {
    char *buf;
    size_t cap;
    size_t len;
} s7__sb;

void s7__sb_init(s7__sb *b, char *buf, size_t cap);
void s7__sb_putc(s7__sb *b, char c);
void s7__sb_putn(s7__sb *b, const char *s, size_t n);
void s7__sb_puts(s7__sb *b, const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void s7__sb_printf(s7__sb *b, const char *fmt, ...);
/* Returns the full length (as int, capped at INT_MAX). */
int s7__sb_done(s7__sb *b);

/* Append code point cp as UTF-8 (invalid code points become U+FFFD). */
void s7__utf8_put(s7__sb *b, uint32_t cp);
/* Decode one UTF-8 sequence at s[*i] (n bytes in s).  Returns 0 and advances *i, or -1
 * for an invalid, overlong or truncated sequence or a surrogate. */
int s7__utf8_next(const char *s, size_t n, size_t *i, uint32_t *cp);

/* Days between 1970-01-01 and 1990-01-01 (S7 DATE epoch). */
#define S7__DATE_EPOCH 7305

#endif
