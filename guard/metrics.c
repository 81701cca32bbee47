/* The guard's counters in the Prometheus text exposition format (s7_guard_metrics):
 * engine totals, per partner (connections, decisions) and per rule (items allowed). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/internal.h"

typedef struct mbuf {
    char *p;
    size_t len, cap;
    int oom;
} mbuf;

static void mb(mbuf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
static void mb(mbuf *b, const char *fmt, ...)
{
    for (int tries = 0; tries < 2 && !b->oom; tries++) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t nc = (b->cap + (size_t)n + 1) * 2;
        char *q = realloc(b->p, nc);
        if (!q) {
            b->oom = 1;
            return;
        }
        b->p = q;
        b->cap = nc;
    }
}

/* A label value: backslash, quote and newline escaped. */
static void label(char *out, size_t cap, const char *s)
{
    size_t o = 0;
    for (; s && *s && o + 3 < cap; s++) {
        if (*s == '\\' || *s == '"') {
            out[o++] = '\\';
            out[o++] = *s;
        } else if (*s == '\n') {
            out[o++] = '\\';
            out[o++] = 'n';
        } else {
            out[o++] = *s;
        }
    }
    out[o] = 0;
}

int s7__guard_metrics_text(const s7_guard_stats *st, uint64_t batches, uint64_t batched,
                           const s7_policy *pol, const s7__guard_part *parts, char **out)
{
    mbuf b = {malloc(4096), 0, 4096, 0};
    if (!b.p)
        return S7_ERR_NOMEM;
    b.p[0] = 0;
    struct {
        const char *name, *help;
        uint64_t v;
        int gauge;
    } tot[] = {
        {"s7guard_accepted_total", "TCP connections accepted", st->accepted, 0},
        {"s7guard_refused_connections_total", "connections refused at accept or CR", st->refused_cr,
         0},
        {"s7guard_closed_protocol_total", "clients closed for a malformed frame",
         st->closed_protocol, 0},
        {"s7guard_closed_timeout_total", "clients closed by a deadline", st->closed_timeout, 0},
        {"s7guard_closed_memory_total", "clients closed by the memory bound", st->closed_memory, 0},
        {"s7guard_forwarded_total", "requests forwarded to the CPU", st->forwarded, 0},
        {"s7guard_coalesced_requests_total",
         "requests to the CPU that carried several clients' reads together", batches, 0},
        {"s7guard_coalesced_reads_total", "client reads that went to the CPU in such a request",
         batched, 0},
        {"s7guard_answered_locally_total", "requests the guard answered itself",
         st->answered_locally, 0},
        {"s7guard_pushes_total", "CPU pushes (cyclic data, alarms) passed on to a client",
         st->pushes, 0},
        {"s7guard_items_allowed_total", "Read/Write Var items allowed", st->items_allowed, 0},
        {"s7guard_items_refused_total", "Read/Write Var items refused", st->items_refused, 0},
        {"s7guard_services_refused_total", "other requests refused", st->services_refused, 0},
        {"s7guard_clients", "client connections open", st->clients, 1},
        {"s7guard_upstreams", "connections to the CPU open", st->upstreams, 1},
        {"s7guard_held_bytes", "bytes held for clients", st->held, 1},
    };
    for (size_t i = 0; i < sizeof tot / sizeof tot[0]; i++)
        mb(&b, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", tot[i].name, tot[i].help, tot[i].name,
           tot[i].gauge ? "gauge" : "counter", tot[i].name, (unsigned long long)tot[i].v);
    mb(&b, "# HELP s7guard_partner_connections client connections open per partner\n"
           "# TYPE s7guard_partner_connections gauge\n");
    char l1[160], l2[200];
    for (size_t i = 0; i < pol->npartners; i++) {
        label(l1, sizeof l1, pol->partners[i].name);
        mb(&b, "s7guard_partner_connections{partner=\"%s\"} %u\n", l1, parts[i].conns);
    }
    mb(&b, "# HELP s7guard_partner_decisions_total decisions per partner\n"
           "# TYPE s7guard_partner_decisions_total counter\n");
    for (size_t i = 0; i < pol->npartners; i++) {
        label(l1, sizeof l1, pol->partners[i].name);
        mb(&b, "s7guard_partner_decisions_total{partner=\"%s\",action=\"allowed\"} %llu\n", l1,
           (unsigned long long)parts[i].allowed);
        mb(&b, "s7guard_partner_decisions_total{partner=\"%s\",action=\"refused\"} %llu\n", l1,
           (unsigned long long)parts[i].refused);
    }
    mb(&b, "# HELP s7guard_partner_rate_delayed_total requests held back by the partner's rate "
           "limit (each counted once)\n"
           "# TYPE s7guard_partner_rate_delayed_total counter\n");
    for (size_t i = 0; i < pol->npartners; i++) {
        label(l1, sizeof l1, pol->partners[i].name);
        mb(&b, "s7guard_partner_rate_delayed_total{partner=\"%s\"} %llu\n", l1,
           (unsigned long long)parts[i].rate_delayed);
    }
    mb(&b, "# HELP s7guard_rule_items_total items allowed per rule\n"
           "# TYPE s7guard_rule_items_total counter\n");
    for (size_t i = 0; i < pol->npartners; i++) {
        label(l1, sizeof l1, pol->partners[i].name);
        for (size_t r = 0; r < pol->partners[i].nranges; r++) {
            label(l2, sizeof l2, pol->partners[i].ranges[r].rule);
            mb(&b, "s7guard_rule_items_total{partner=\"%s\",rule=\"%s\"} %llu\n", l1, l2,
               (unsigned long long)parts[i].range_hits[r]);
        }
    }
    if (b.oom) {
        free(b.p);
        return S7_ERR_NOMEM;
    }
    *out = b.p;
    return (int)b.len;
}
