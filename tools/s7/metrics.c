/* The /metrics endpoint (metrics.h) over libmicrohttpd. */
#include "metrics.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

struct metrics {
    struct MHD_Daemon *d;
    pthread_mutex_t mu;
    /* scrapes waiting for mu: the command's loop, which takes mu again right after it let
     * it go, first lets them through (a mutex is not fair: under load a scrape waited 9 s) */
    pthread_mutex_t wmu;
    pthread_cond_t wcv;
    int waiting;
    metrics_render_fn fn;
    void *ctx;
    uint16_t port;
    char url[200]; /* http://HOST:PORT/metrics with the port it listens on */
};

void mbuf_printf(mbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (int pass = 0; pass < 2; pass++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (b->p && b->len + (size_t)n < b->cap) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 4096;
        while (cap <= b->len + (size_t)n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

void mbuf_label(mbuf *b, const char *s)
{
    for (; s && *s; s++) {
        if (*s == '\\')
            mbuf_printf(b, "\\\\");
        else if (*s == '"')
            mbuf_printf(b, "\\\"");
        else if (*s == '\n')
            mbuf_printf(b, "\\n");
        else
            mbuf_printf(b, "%c", *s);
    }
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **con_cls)
{
    metrics *m = cls;
    struct MHD_Response *r;
    enum MHD_Result ret;
    (void)version;
    (void)upload;
    (void)upload_size;
    (void)con_cls;
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        static const char msg[] = "only GET /metrics\n";
        r = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(conn, MHD_HTTP_METHOD_NOT_ALLOWED, r);
        MHD_destroy_response(r);
        return ret;
    }
    if (strcmp(url, "/metrics") != 0) {
        static const char msg[] = "not found: the metrics are at /metrics\n";
        r = MHD_create_response_from_buffer(sizeof msg - 1, (void *)msg, MHD_RESPMEM_PERSISTENT);
        ret = MHD_queue_response(conn, MHD_HTTP_NOT_FOUND, r);
        MHD_destroy_response(r);
        return ret;
    }
    mbuf b = {0};
    pthread_mutex_lock(&m->wmu);
    m->waiting++;
    pthread_mutex_unlock(&m->wmu);
    pthread_mutex_lock(&m->mu);
    m->fn(m->ctx, &b);
    pthread_mutex_unlock(&m->mu);
    pthread_mutex_lock(&m->wmu);
    m->waiting--;
    pthread_cond_broadcast(&m->wcv);
    pthread_mutex_unlock(&m->wmu);
    if (b.oom) {
        free(b.p);
        return MHD_NO;
    }
    r = MHD_create_response_from_buffer(b.len, b.p ? b.p : (void *)"", MHD_RESPMEM_MUST_COPY);
    free(b.p);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

metrics *metrics_start(const char *addr_port, metrics_render_fn fn, void *ctx, int *bad_value,
                       char *err, size_t errcap)
{
    *bad_value = 1;
    char host[128];
    const char *colon = strrchr(addr_port, ':');
    const char *forms = "give ADDRESS:PORT, e.g. 127.0.0.1:9102, [::1]:9102 or :9102";
    if (!colon) {
        snprintf(err, errcap, "--metrics '%s' has no port; %s", addr_port, forms);
        return NULL;
    }
    size_t hl = (size_t)(colon - addr_port);
    if (hl >= sizeof host) {
        snprintf(err, errcap, "--metrics '%s': the address is too long; %s", addr_port, forms);
        return NULL;
    }
    memcpy(host, addr_port, hl);
    host[hl] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (!colon[1] || *end || port < 0 || port > 65535) {
        snprintf(err, errcap, "--metrics '%s': port '%s' is not 0..65535; %s", addr_port, colon + 1,
                 forms);
        return NULL;
    }
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL;
    if (hl >= 2 && host[0] == '[' && host[hl - 1] == ']') {
        struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
        host[hl - 1] = 0;
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host + 1, &a6->sin6_addr) != 1) {
            snprintf(err, errcap, "--metrics '%s': '%s' is no IPv6 address; %s", addr_port,
                     host + 1, forms);
            return NULL;
        }
        flags |= MHD_USE_IPv6;
    } else {
        struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)port);
        a4->sin_addr.s_addr = htonl(INADDR_ANY);
        if (hl && inet_pton(AF_INET, host, &a4->sin_addr) != 1) {
            snprintf(err, errcap, "--metrics '%s': '%s' is no IPv4 address; %s", addr_port, host,
                     forms);
            return NULL;
        }
    }
    *bad_value = 0; /* what fails from here is the machine's, not the value's */
    metrics *m = calloc(1, sizeof *m);
    if (!m) {
        snprintf(err, errcap, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&m->mu, NULL);
    pthread_mutex_init(&m->wmu, NULL);
    pthread_cond_init(&m->wcv, NULL);
    m->fn = fn;
    m->ctx = ctx;
    m->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, handle, m, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&ss, MHD_OPTION_CONNECTION_TIMEOUT, 10u,
                            MHD_OPTION_END);
    if (!m->d) {
        snprintf(err, errcap,
                 "--metrics '%s': cannot listen there (the port is in use or the address is not "
                 "this machine's); choose another port or address",
                 addr_port);
        pthread_mutex_destroy(&m->mu);
        pthread_mutex_destroy(&m->wmu);
        pthread_cond_destroy(&m->wcv);
        free(m);
        return NULL;
    }
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_BIND_PORT);
    m->port = di ? di->port : (uint16_t)port;
    /* host[] holds the address as given ("[::1" with its bracket cut above) */
    if (!hl)
        snprintf(m->url, sizeof m->url, "http://localhost:%u/metrics (every address)", m->port);
    else if (flags & MHD_USE_IPv6)
        snprintf(m->url, sizeof m->url, "http://%s]:%u/metrics", host, m->port);
    else
        snprintf(m->url, sizeof m->url, "http://%s:%u/metrics", host, m->port);
    return m;
}

uint16_t metrics_port(const metrics *m) { return m ? m->port : 0; }
const char *metrics_url(const metrics *m) { return m ? m->url : ""; }

void metrics_lock(metrics *m)
{
    if (m)
        pthread_mutex_lock(&m->mu);
}

void metrics_unlock(metrics *m)
{
    if (!m)
        return;
    pthread_mutex_unlock(&m->mu);
    pthread_mutex_lock(&m->wmu); /* a scrape waiting for mu renders before we take it again */
    while (m->waiting)
        pthread_cond_wait(&m->wcv, &m->wmu);
    pthread_mutex_unlock(&m->wmu);
}

void metrics_stop(metrics *m)
{
    if (!m)
        return;
    MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->mu);
    pthread_mutex_destroy(&m->wmu);
    pthread_cond_destroy(&m->wcv);
    free(m);
}
