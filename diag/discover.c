/* s7_discover: which rack/slot, connection type or TSAP pair a CPU accepts.  One connection
 * at a time, each closed (and its close seen by the partner) before the next, so a CPU with
 * few connection resources is never exhausted by the search. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/internal.h"
#include "s7/net.h"

/* Numeric address of host into buf; 0 or S7_ERR_RESOLVE. */
static int resolve(const char *host, char *buf, size_t cap)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, NULL, &hints, &res) != 0 || !res)
        return S7_ERR_RESOLVE;
    if (res->ai_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)res->ai_addr)->sin_addr, buf,
                  (socklen_t)cap);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)res->ai_addr)->sin6_addr, buf,
                  (socklen_t)cap);
    freeaddrinfo(res);
    return 0;
}

/* A TCP-level failure: nothing more to try. */
static int tcp_failure(int rc)
{
    return rc == S7_ERR_RESOLVE || rc == S7_ERR_UNREACH || rc == S7_ERR_REFUSED ||
           rc == S7_ERR_CONNECT_TIMEOUT || rc == S7_ERR_IO || rc == S7_ERR_NOMEM;
}

/* Is remote:local one of the TSAP pairs (probed as such, not as a rack/slot)? */
static int is_pair(uint16_t local, uint16_t remote)
{
    for (size_t i = 0; i < sizeof s7__pairs / sizeof s7__pairs[0]; i++)
        if (s7__pairs[i].local == local && s7__pairs[i].remote == remote)
            return 1;
    return 0;
}

/* Try one entry; returns -1 when the search must stop (TCP failure), else 0. */
static int probe(const char *addr, uint16_t port, const s7_client_opts *co, s7_discover_result *r,
                 s7_diag_alt_kind kind, uint16_t local, uint16_t remote, int *silent)
{
    if (r->ntries >= S7_DISCOVER_MAX)
        return 0;
    s7_diag_alt *a = &r->tries[r->ntries];
    s7__alt_set(a, kind, local, remote);
    s7_client *keep = NULL;
    s7__rec rec; /* outlives the kept handle */
    s7__attempt(addr, port, co, local, remote, &rec, a, r->have_identity ? NULL : &keep);
    if (tcp_failure(a->result)) {
        if (r->ntries == 0) {
            r->tcp = a->result;
            return -1;
        }
        /* the port went away in the middle of the search: keep what was found */
        r->ntries++;
        return -1;
    }
    r->ntries++;
    if (keep) {
        if (s7_client_cpu_info(keep, &r->identity) == 0)
            r->have_identity = 1;
        s7__close_gracefully(keep, co->connect_timeout_ms < 500 ? co->connect_timeout_ms : 500);
        s7_client_free(keep);
    }
    *silent = a->result == S7_ERR_TIMEOUT ? *silent + 1 : 0;
    return *silent >= 2 ? -1 : 0; /* a partner that ignores connection requests */
}

int s7_discover(const char *host, uint16_t port, int timeout_ms, s7_discover_result *r)
{
    if (!r)
        return S7_ERR_INVAL;
    memset(r, 0, sizeof *r);
    r->best = -1;
    if (!host || !*host)
        return S7_ERR_INVAL;
    int64_t t0 = s7_now_ms();
    char addr[64];
    if (resolve(host, addr, sizeof addr) < 0) {
        r->tcp = S7_ERR_RESOLVE;
        return 0;
    }
    s7_client_opts co;
    s7_client_opts_init(&co);
    co.connect_timeout_ms = co.request_timeout_ms = timeout_ms > 0 ? timeout_ms : 3000;
    port = port ? port : 102;

    int silent = 0, stop = 0;
    for (size_t i = 0; i < sizeof s7__addr_candidates && !stop; i++) {
        for (int t = 1; t <= 3 && !stop; t++) {
            uint16_t remote = (uint16_t)(t << 8 | s7__addr_candidates[i]);
            if (is_pair(0x0100, remote))
                continue; /* tried below as the TSAP pair it also is */
            stop = probe(addr, port, &co, r, S7_DIAG_ALT_RACKSLOT, 0x0100, remote, &silent) < 0;
        }
    }
    for (size_t i = 0; i < sizeof s7__pairs / sizeof s7__pairs[0] && !stop; i++)
        stop = probe(addr, port, &co, r, s7__pairs[i].kind, s7__pairs[i].local, s7__pairs[i].remote,
                     &silent) < 0;

    /* the pair to use first */
    int works = 0, first_rs = -1, first_logo = -1, first_any = -1;
    for (size_t i = 0; i < r->ntries; i++) {
        const s7_diag_alt *a = &r->tries[i];
        if (a->result != 0)
            continue;
        works++;
        int good = a->setup_ok;
        if (first_any < 0 || (good && !r->tries[first_any].setup_ok))
            first_any = (int)i;
        if (a->kind == S7_DIAG_ALT_RACKSLOT && good && first_rs < 0)
            first_rs = (int)i;
        if (a->kind == S7_DIAG_ALT_LOGO && good && first_logo < 0)
            first_logo = (int)i;
    }
    int logo = r->have_identity && strncmp(r->identity.order_code, "6ED1", 4) == 0;
    if (logo && first_logo >= 0)
        r->best = first_logo;
    else if (first_rs >= 0)
        r->best = first_rs;
    else
        r->best = first_any;
    r->total_ms = (int)(s7_now_ms() - t0);
    return works;
}
