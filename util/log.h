/* The logging step every engine repeats (s7__ helper, not exported): format a message and
 * hand it to the engine's logger hook (include/s7/log.h). */
#ifndef S7_UTIL_LOG_H
#define S7_UTIL_LOG_H

#include <stdarg.h>
#include <stddef.h>

#include "s7/log.h"

/* When fn is set: formats fmt/ap, cut to cap - 1 characters (cap at most 2048), and calls
 * fn(ctx, level, message).  Nothing is formatted when fn is NULL. */
void s7__logv(s7_log_fn fn, void *ctx, int level, size_t cap, const char *fmt, va_list ap)
#if defined(__GNUC__)
    __attribute__((format(printf, 5, 0)))
#endif
    ;

#endif
