/* s7kit logging: the levels and the hook type every engine takes (util/ layer).
 *
 * The library is silent by default.  An application that wants messages passes a logger
 * hook (context pointer, level, formatted message) in an engine's options; a separate
 * frame tap (direction, bytes) sees every frame for hex dumps, pcap traces and corpora. */
#ifndef S7_LOG_H
#define S7_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { S7_LOG_ERROR = 0, S7_LOG_WARN = 1, S7_LOG_INFO = 2, S7_LOG_DEBUG = 3 };

/* A logger hook: msg is one line without a newline, valid only during the call. */
typedef void (*s7_log_fn)(void *ctx, int level, const char *msg);

/* A frame tap: outgoing 1 for frames sent, 0 for frames received; frame is one whole
 * TPKT frame, valid only during the call. */
typedef void (*s7_tap_fn)(void *ctx, int outgoing, const uint8_t *frame, size_t len);

/* "error", "warn", "info", "debug" ("?" for other values; a static string). */
S7_API const char *s7_log_level_name(int level);

#ifdef __cplusplus
}
#endif
#endif
