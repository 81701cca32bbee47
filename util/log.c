/* Log level names (include/s7/log.h). */
#include "s7/log.h"

const char *s7_log_level_name(int level)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    return level >= 0 && level < 4 ? names[level] : "?";
}
