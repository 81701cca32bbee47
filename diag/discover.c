/* s7_discover: which rack/slot, connection type or TSAP pair a CPU accepts.  One connection
 * at a time, each closed (and its close seen by the partner) before the next, so a CPU with
 * few connection resources is never exhausted by the search. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag/internal.h"
#include "diag/net_int.h"
#include "net/host.h"
#include "s7/net.h"

/* Numeric address of host into buf (through the one resolver every engine dials with: an
 * ambiguous numeric host is refused); 0 or S7_ERR_RESOLVE. */
static int resolve(const char *host, char *buf, size_t cap)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    if (s7__resolve(host, 102, &ss, &len, NULL) < 0)
        return S7_ERR_RESOLVE;
    if (ss.ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)&ss)->sin_addr, buf, (socklen_t)cap);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)&ss)->sin6_addr, buf, (socklen_t)cap);
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

/* The test read over a candidate's session: one byte of MB0.  Data, an item error (0x0A: no
 * M area) or a whole-request refusal by the CPU (0x8104: PUT/GET off) are answers as the
 * protocol has them: the session works.  A reply that does not conform, a timeout or a
 * dropped connection is the candidate's failure: returned. */
static int test_read(s7_client *c)
{
    uint8_t b = 0;
    s7_item it;
    memset(&it, 0, sizeof it);
    it.area = S7_AREA_M;
    it.ts = S7_TS_BYTE;
    it.count = 1;
    it.buf = &b;
    int rc = s7_client_read(c, &it, 1);
    return rc == 0 || rc == S7_ERR_ITEM || rc == S7_ERR_PLC ? 0 : rc;
}

/* Try one entry: the CR, the S7 setup and a test read; returns -1 when the search must stop
 * (TCP failure, or a partner that keeps not answering), else 0. */
static int probe(const char *addr, uint16_t port, const s7_client_opts *co, s7_discover_result *r,
                 s7_diag_alt_kind kind, uint16_t local, uint16_t remote, int *silent, int *fd)
{
    if (r->ntries >= S7_DISCOVER_MAX)
        return 0;
    s7_diag_alt *a = &r->tries[r->ntries];
    s7__alt_set(a, kind, local, remote);
    s7_client *keep = NULL;
    s7__rec rec; /* outlives the kept handle */
    /* the first attempt over the network step's socket (taken over), the others dial */
    s7__attempt_on(*fd, addr, port, co, local, remote, &rec, a, &keep);
    *fd = -1;
    if (tcp_failure(a->result)) {
        if (r->ntries == 0) {
            struct in_addr ip;
            r->tcp = a->result;
            /* nobody answers ARP for an address of this machine's own network: the host is
             * not there (the kernel says EHOSTUNREACH itself once its ARP requests run out,
             * often after the timeout), not a filtered port */
            if (r->tcp == S7_ERR_CONNECT_TIMEOUT && inet_pton(AF_INET, addr, &ip) == 1 &&
                s7__net_nobody_home(ip))
                r->tcp = S7_ERR_UNREACH;
            return -1;
        }
        /* the port went away in the middle of the search: keep what was found */
        r->ntries++;
        return -1;
    }
    r->ntries++;
    if (a->result == 0 && !a->setup_ok)
        a->result = S7_ERR_NEGOTIATION; /* CC received, the S7 setup failed */
    if (keep) {
        int64_t t0 = s7_now_ms();
        a->result = test_read(keep);
        a->ms += (int)(s7_now_ms() - t0);
        if (a->result == 0 && !r->have_identity && s7_client_cpu_info(keep, &r->identity) == 0)
            r->have_identity = 1;
        else if (!r->have_identity)
            memset(&r->identity, 0, sizeof r->identity);
        s7__close_gracefully(keep, co->connect_timeout_ms < 500 ? co->connect_timeout_ms : 500);
        s7_client_free(keep);
    }
    *silent = a->result == S7_ERR_TIMEOUT ? *silent + 1 : 0;
    return *silent >= 2 ? -1 : 0; /* a partner that ignores requests */
}

/* The connection error a failed network step stands for (discover's tcp). */
static int net_error(int verdict)
{
    switch (verdict) {
    case S7_DIAG_NAME_UNRESOLVED: return S7_ERR_RESOLVE;
    case S7_DIAG_NO_ROUTE:
    case S7_DIAG_HOST_UNREACHABLE: return S7_ERR_UNREACH;
    case S7_DIAG_PORT_CLOSED:
    case S7_DIAG_PORT_REJECTED: return S7_ERR_REFUSED;
    case S7_DIAG_PORT_FILTERED:
    case S7_DIAG_NO_ANSWER: return S7_ERR_CONNECT_TIMEOUT;
    default: return S7_ERR_IO;
    }
}

int s7_discover(const char *host, uint16_t port, int timeout_ms, s7_discover_result *r)
{
    return s7_discover_net(host, port, timeout_ms, r, NULL);
}

int s7_discover_net(const char *host, uint16_t port, int timeout_ms, s7_discover_result *r,
                    s7_diag_report *net)
{
    if (net)
        memset(net, 0, sizeof *net);
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

    /* the first TCP connection is the doctor's network step: one SYN, with the probes that
     * tell who acts alongside; a failure there ends the search with the doctor's verdict */
    int fd = -1;
    if (net) {
        s7_doctor_opts o;
        s7_doctor_opts_init(&o);
        o.host = addr;
        o.port = port;
        o.client.connect_timeout_ms = co.connect_timeout_ms;
        o.no_alternatives = 1;
        int rc = s7__doctor_net(&o, net, &fd);
        if (rc < -1)
            return rc; /* out of memory */
        if (rc < 0) {
            r->tcp = net_error(net->verdict);
            r->total_ms = (int)(s7_now_ms() - t0);
            return 0;
        }
    }

    int silent = 0, stop = 0;
    for (size_t i = 0; i < S7__ADDR_USUAL && !stop; i++) {
        for (int t = 1; t <= 3 && !stop; t++) {
            uint16_t remote = (uint16_t)(t << 8 | s7__addr_candidates[i]);
            if (is_pair(0x0100, remote))
                continue; /* tried below as the TSAP pair it also is */
            stop =
                probe(addr, port, &co, r, S7_DIAG_ALT_RACKSLOT, 0x0100, remote, &silent, &fd) < 0;
        }
    }
    for (size_t i = 0; i < sizeof s7__pairs / sizeof s7__pairs[0] && !stop; i++)
        stop = probe(addr, port, &co, r, s7__pairs[i].kind, s7__pairs[i].local, s7__pairs[i].remote,
                     &silent, &fd) < 0;
    /* every request refused: the further places of real CPUs (an S7-400 CPU at slot 4 or 5,
     * the second CPU of an S7-400H in rack 1), up to the first address that works; not
     * after any accepted CR, so the common layouts cost no more attempts */
    int refused = 1;
    for (size_t i = 0; i < r->ntries; i++)
        refused &= r->tries[i].result == S7_ERR_CR_REJECTED;
    for (size_t i = S7__ADDR_USUAL; i < S7__ADDR_ALL && !stop && refused; i++) {
        size_t from = r->ntries;
        for (int t = 1; t <= 3 && !stop; t++)
            stop = probe(addr, port, &co, r, S7_DIAG_ALT_RACKSLOT, 0x0100,
                         (uint16_t)(t << 8 | s7__addr_candidates[i]), &silent, &fd) < 0;
        for (size_t j = from; j < r->ntries; j++)
            refused &= r->tries[j].result != 0;
    }

    /* the pair to use first: only one that works end to end */
    int works = 0, first_rs = -1, first_logo = -1, first_any = -1;
    for (size_t i = 0; i < r->ntries; i++) {
        const s7_diag_alt *a = &r->tries[i];
        if (a->result != 0)
            continue;
        works++;
        if (first_any < 0)
            first_any = (int)i;
        if (a->kind == S7_DIAG_ALT_RACKSLOT && first_rs < 0)
            first_rs = (int)i;
        if (a->kind == S7_DIAG_ALT_LOGO && first_logo < 0)
            first_logo = (int)i;
    }
    int logo = r->have_identity && strncmp(r->identity.order_code, "6ED1", 4) == 0;
    if (logo && first_logo >= 0)
        r->best = first_logo;
    else if (first_rs >= 0)
        r->best = first_rs;
    else
        r->best = first_any;
    if (fd >= 0)
        close(fd); /* no attempt was made (none can be: not reached) */
    r->total_ms = (int)(s7_now_ms() - t0);
    return works;
}
