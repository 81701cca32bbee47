/* `s7 guard --metrics ADDR:PORT`: the guard's counters (s7_guard_metrics, Prometheus text)
 * served over HTTP at /metrics by libmicrohttpd on its own thread.  The guard's loop
 * renders the text once a second into a buffer this file hands out under a mutex, so the
 * engine itself stays single-threaded. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard_metrics.h"

#ifdef S7_HAVE_MHD
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>

static pthread_mutex_t g_mu = PTHREAD_MUTEX_INITIALIZER;
static char *g_text;
static size_t g_len;
static struct MHD_Daemon *g_d;

#if MHD_VERSION >= 0x00097002
typedef enum MHD_Result mhd_ret;
#else
typedef int mhd_ret;
#endif

static mhd_ret answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                      const char *version, const char *upload, size_t *upload_size, void **ptr)
{
    (void)cls;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)ptr;
    if (strcmp(method, "GET") != 0)
        return MHD_NO;
    int found = strcmp(url, "/metrics") == 0;
    pthread_mutex_lock(&g_mu);
    const char *body = found ? (g_text ? g_text : "") : "not found: the counters are at /metrics\n";
    size_t len = found ? g_len : strlen(body);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    pthread_mutex_unlock(&g_mu);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
    mhd_ret ret = MHD_queue_response(c, found ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, r);
    MHD_destroy_response(r);
    return ret;
}

int guard_metrics_start(const char *spec, char *err, size_t cap)
{
    char host[64];
    const char *colon = strrchr(spec, ':');
    if (!colon || colon == spec) {
        snprintf(err, cap, "--metrics '%s': expected ADDR:PORT, e.g. 127.0.0.1:9102", spec);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - spec), spec);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    int port = atoi(colon + 1);
    if (port <= 0 || port > 65535 || inet_pton(AF_INET, host, &sa.sin_addr) != 1) {
        snprintf(err, cap, "--metrics '%s': expected an IPv4 ADDR:PORT, e.g. 127.0.0.1:9102", spec);
        return -1;
    }
    sa.sin_port = htons((uint16_t)port);
    g_d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, (uint16_t)port,
                           NULL, NULL, answer, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                           MHD_OPTION_CONNECTION_LIMIT, 16u, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                           MHD_OPTION_END);
    if (!g_d) {
        snprintf(err, cap,
                 "--metrics %s: cannot listen there (in use, or not an address of this "
                 "machine)",
                 spec);
        return -1;
    }
    return 0;
}

void guard_metrics_update(char *text, size_t len)
{
    pthread_mutex_lock(&g_mu);
    free(g_text);
    g_text = text;
    g_len = len;
    pthread_mutex_unlock(&g_mu);
}

void guard_metrics_stop(void)
{
    if (g_d)
        MHD_stop_daemon(g_d);
    g_d = NULL;
    pthread_mutex_lock(&g_mu);
    free(g_text);
    g_text = NULL;
    pthread_mutex_unlock(&g_mu);
}
#else
int guard_metrics_start(const char *spec, char *err, size_t cap)
{
    snprintf(err, cap,
             "--metrics %s: this s7 was built without libmicrohttpd "
             "(install libmicrohttpd-dev and rebuild)",
             spec);
    return -1;
}
void guard_metrics_update(char *text, size_t len)
{
    (void)len;
    free(text);
}
void guard_metrics_stop(void) {}
#endif
