/* Records that start on a cache line: a record many handles keep one of (a client, a cached
 * plan, a bridge job), read from far caches once a cycle, then costs the lines its hot
 * fields span and no more.  Freed with free(). */
#ifndef S7_UTIL_LINES_H
#define S7_UTIL_LINES_H

#include <stdlib.h>
#include <string.h>

#define S7_LINE 64

/* n zeroed bytes on a cache line boundary; NULL on out of memory. */
static inline void *s7__zalloc_lines(size_t n)
{
    size_t r = (n + S7_LINE - 1) / S7_LINE * S7_LINE;
    void *p = aligned_alloc(S7_LINE, r ? r : S7_LINE);
    if (p)
        memset(p, 0, r ? r : S7_LINE);
    return p;
}

#endif
