/* The system resolver as a plant resolver (include/s7/diag_plant.h
 * s7_diag_plant_resolver): getaddrinfo through the numeric-form check every engine uses
 * (net/host.c), each address turned into the plant model's s7_plant_addr. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "net/host.h"
#include "s7/diag_plant.h"

int s7_diag_plant_resolver(void *ctx, const char *host, s7_plant_addr *out, size_t cap, char *err,
                           size_t errcap)
{
    struct addrinfo hints, *res = NULL;
    char msg[300] = "";
    size_t n = 0;
    (void)ctx;
    if (errcap)
        err[0] = 0;
    if (s7__host_check(host, msg, sizeof msg) < 0) {
        snprintf(err, errcap, "%s", msg[0] ? msg : "empty host name");
        return S7_ERR_RESOLVE;
    }
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, NULL, &hints, &res);
    if (g != 0 || !res) {
        snprintf(err, errcap, "%s", g ? gai_strerror(g) : "no address");
        if (res)
            freeaddrinfo(res);
        return S7_ERR_RESOLVE;
    }
    for (const struct addrinfo *ai = res; ai && n < cap; ai = ai->ai_next) {
        char text[INET6_ADDRSTRLEN] = "";
        if (ai->ai_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ai->ai_addr)->sin_addr,
                      text, sizeof text);
        else if (ai->ai_family == AF_INET6)
            inet_ntop(AF_INET6,
                      &((const struct sockaddr_in6 *)(const void *)ai->ai_addr)->sin6_addr, text,
                      sizeof text);
        else
            continue;
        s7_plant_addr a;
        if (s7_plant_parse_addr(text, &a) != 0)
            continue;
        int dup = 0; /* getaddrinfo lists an address once per socket type at times */
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(out[k].text, a.text) == 0;
        if (!dup)
            out[n++] = a;
    }
    freeaddrinfo(res);
    if (!n) {
        snprintf(err, errcap, "no IPv4 or IPv6 address");
        return S7_ERR_RESOLVE;
    }
    return (int)n;
}
