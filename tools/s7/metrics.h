/* The Prometheus /metrics endpoint of `s7 exchange` and `s7 inventory monitor`: an HTTP
 * server from libmicrohttpd (its own thread) that answers GET /metrics with the text the
 * command renders.  The command's loop and the endpoint's thread take turns through
 * metrics_lock()/metrics_unlock(): the command holds the lock while it changes what the
 * render callback reads, the handler holds it while rendering; metrics_unlock() lets a
 * scrape that waits for the lock render before it returns, so a loop that takes the lock
 * again at once cannot starve the endpoint. */
#ifndef S7_TOOLS_METRICS_H
#define S7_TOOLS_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* A growable text buffer the render callback appends to. */
typedef struct mbuf {
    char *p;
    size_t len, cap;
    int oom;
} mbuf;
void mbuf_printf(mbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* A label value with \\, \" and \n escaped as the exposition format asks. */
void mbuf_label(mbuf *b, const char *s);

typedef void (*metrics_render_fn)(void *ctx, mbuf *out);

typedef struct metrics metrics;

/* Listen on ADDR:PORT ("127.0.0.1:9102", "[::1]:9102", ":9102" for every address; port 0
 * takes a free one).  Returns the endpoint, or NULL with a sentence in err that names what
 * was wrong and what would be right, *bad_value 1 when the value itself is (a usage error)
 * and 0 when it is well formed but the machine refused it (the port in use, ...). */
metrics *metrics_start(const char *addr_port, metrics_render_fn fn, void *ctx, int *bad_value,
                       char *err, size_t errcap);
/* The port it listens on, and the address to scrape ("http://127.0.0.1:9102/metrics"). */
uint16_t metrics_port(const metrics *m);
const char *metrics_url(const metrics *m);
void metrics_lock(metrics *m);   /* NULL: no-op */
void metrics_unlock(metrics *m); /* NULL: no-op */
/* Stops the thread and frees; NULL is a no-op. */
void metrics_stop(metrics *m);

#endif
