/* Log level names (include/s7/log.h) and the engines' logging step (util/log.h). */
#include "util/log.h"

#include <stdio.h>

const char *s7_log_level_name(int level)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    return level >= 0 && level < 4 ? names[level] : "?";
}

void s7__logv(s7_log_fn fn, void *ctx, int level, size_t cap, const char *fmt, va_list ap)
{
    if (!fn)
        return;
    char msg[2048];
    vsnprintf(msg, cap && cap < sizeof msg ? cap : sizeof msg, fmt, ap);
    fn(ctx, level, msg);
}
