/* The metrics endpoint of `s7 guard` (guard_metrics.c). */
#ifndef S7_TOOLS_GUARD_METRICS_H
#define S7_TOOLS_GUARD_METRICS_H

#include <stddef.h>

/* Serve /metrics on spec (IPv4 ADDR:PORT) on a thread of libmicrohttpd.  0, or -1 with the
 * message in err. */
int guard_metrics_start(const char *spec, char *err, size_t cap);
/* The text to serve from now on (malloc'd; taken over). */
void guard_metrics_update(char *text, size_t len);
void guard_metrics_stop(void);

#endif
