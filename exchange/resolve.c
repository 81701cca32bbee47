/* Partner host names resolved once, when the configuration loads (exchange.h
 * s7_exchange_resolve): the engines then dial the numeric address, so a name whose lookup
 * hangs (a dead DNS server) delays the load, never the other connections' set-up in the
 * engine thread. */
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/host.h"
#include "exchange/resolve.h"
#include "s7/exchange.h"
#include "util/text.h"

int s7__xhost_resolve(const char *host, char *addr, size_t cap, char *err, size_t errcap)
{
    struct sockaddr_storage ss;
    socklen_t len = 0;
    int gai = 0;
    if (!host || !*host || !addr || !cap) {
        s7__errf(err, errcap, "no host: give the partner's address (e.g. 10.200.2.10)");
        return S7_ERR_INVAL;
    }
    addr[0] = 0;
    int rc = s7__resolve(host, 102, &ss, &len, &gai);
    if (rc == 0 && getnameinfo((struct sockaddr *)&ss, len, addr, (socklen_t)cap, NULL, 0,
                               NI_NUMERICHOST) != 0) {
        addr[0] = 0;
        rc = S7_ERR_RESOLVE;
    }
    if (rc == 0)
        return 0;
    if (gai == 0 && s7__host_check(host, err, errcap) < 0)
        return S7_ERR_RESOLVE; /* the check's own sentence (a shorthand number) */
    s7__errf(err, errcap,
             "host '%s' does not resolve (%s): give the partner's address (e.g. 10.200.2.10) "
             "or a name the system resolver knows (/etc/hosts, DNS)",
             host, gai ? gai_strerror(gai) : "no address");
    return S7_ERR_RESOLVE;
}

int s7_exchange_resolve(s7_exchange *x, char *err, size_t errcap)
{
    for (size_t i = 0; i < x->nconns; i++) {
        s7_xconn *c = &x->conns[i];
        c->addr[0] = 0;
        if (!c->host[0] || c->side == S7_XCONN_UNSPECIFIED)
            continue;
        char msg[400];
        int rc = s7__xhost_resolve(c->host, c->addr, sizeof c->addr, msg, sizeof msg);
        if (rc < 0) {
            s7__errf(err, errcap, "%s: connection %u: %s", c->where[0] ? c->where : "connection",
                     c->id, msg);
            return rc;
        }
    }
    return 0;
}
