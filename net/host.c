/* Host names for dialling (net/host.h): the resolver's shorthand forms (inet_aton reads
 * "1.2.3" as 1.2.0.3, "010.1.1.1" as 8.1.1.1, "0x7f.1" as 127.0.0.1, a bare number as a
 * 32-bit address) are refused before anything is dialled, and every engine resolves through
 * the one function here. */
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "net/host.h"
#include "s7/err.h"

#define MAX_LABELS 8

typedef struct label {
    const char *p;
    size_t n;
} label;

/* Split s at dots into at most MAX_LABELS labels; returns the count, or MAX_LABELS + 1 when
 * there are more. */
static size_t split(const char *s, label *l)
{
    size_t k = 0;
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == '.' || *p == 0) {
            if (k == MAX_LABELS)
                return MAX_LABELS + 1;
            l[k].p = start;
            l[k].n = (size_t)(p - start);
            k++;
            if (*p == 0)
                break;
            start = p + 1;
        }
    }
    return k;
}

static int is_dec(char c) { return c >= '0' && c <= '9'; }
static int is_hex(char c) { return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
static int is_hex_prefix(const label *l)
{
    return l->n >= 2 && l->p[0] == '0' && (l->p[1] == 'x' || l->p[1] == 'X');
}

/* A label the resolver may read as a number: decimal/octal digits, or 0x and hex digits
 * (empty labels count too: "1..2", "1.2.3.4."). */
static int numeric_label(const label *l)
{
    size_t i = is_hex_prefix(l) ? 2 : 0;
    for (; i < l->n; i++)
        if (is_hex_prefix(l) ? !is_hex(l->p[i]) : !is_dec(l->p[i]))
            return 0;
    return 1;
}

/* A label of a canonical dotted quad: 0..255 in decimal, no leading zero. */
static int quad_label(const label *l)
{
    if (l->n < 1 || l->n > 3 || (l->n > 1 && l->p[0] == '0'))
        return 0;
    unsigned v = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (!is_dec(l->p[i]))
            return 0;
        v = v * 10 + (unsigned)(l->p[i] - '0');
    }
    return v <= 255;
}

/* A label as inet_aton reads it (0x hex, leading 0 octal, else decimal); -1 when it does not
 * accept it (or the value exceeds 32 bits). */
static long long aton_label(const label *l)
{
    unsigned base = 10;
    size_t i = 0;
    if (l->n == 0)
        return -1;
    if (is_hex_prefix(l)) {
        base = 16;
        i = 2;
    } else if (l->p[0] == '0') {
        base = 8;
    }
    unsigned long long v = 0;
    for (; i < l->n; i++) {
        char c = l->p[i];
        unsigned d = is_dec(c) ? (unsigned)(c - '0') : (unsigned)((c | 0x20) - 'a' + 10);
        if (d >= base)
            return -1;
        v = v * base + d;
        if (v > 0xFFFFFFFFull)
            return -1;
    }
    return (long long)v;
}

/* The address inet_aton makes of labels l[0..n) (1 to 4 parts: a, a.b with a 24-bit b,
 * a.b.c with a 16-bit c, a.b.c.d); 0 with *ip set, -1 when it refuses them. */
static int aton(const label *l, size_t n, unsigned long *ip)
{
    long long v[4];
    if (n < 1 || n > 4)
        return -1;
    for (size_t i = 0; i < n; i++)
        if ((v[i] = aton_label(&l[i])) < 0)
            return -1;
    for (size_t i = 0; i + 1 < n; i++)
        if (v[i] > 255)
            return -1;
    static const unsigned long long last_max[4] = {0xFFFFFFFFull, 0xFFFFFFull, 0xFFFFull, 0xFFull};
    if ((unsigned long long)v[n - 1] > last_max[n - 1])
        return -1;
    unsigned long a = 0;
    for (size_t i = 0; i + 1 < n; i++)
        a |= (unsigned long)v[i] << (24 - 8 * i);
    *ip = a | (unsigned long)v[n - 1];
    return 0;
}

int s7__host_check(const char *host, char *msg, size_t cap)
{
    label l[MAX_LABELS];
    if (msg && cap)
        msg[0] = 0;
    if (!host || !*host)
        return S7_ERR_INVAL;
    if (strchr(host, ':'))
        return 0; /* IPv6 (or whatever getaddrinfo makes of it): not a shorthand IPv4 */
    size_t n = split(host, l);
    int any = 0;
    for (size_t i = 0; i < n && i < MAX_LABELS; i++) {
        if (!numeric_label(&l[i]))
            return 0; /* a host name: one label is a word ("plc-1", "1e100", "beef") */
        any |= l[i].n > 0;
    }
    if (!any)
        return 0; /* only dots: not a number either; the resolver refuses it */
    if (n == 4 && quad_label(&l[0]) && quad_label(&l[1]) && quad_label(&l[2]) && quad_label(&l[3]))
        return 0;
    if (!msg || !cap)
        return S7_ERR_RESOLVE;
    int w = snprintf(msg, cap,
                     "host '%s': not an IPv4 address (four numbers 0..255 separated by dots, e.g. "
                     "192.168.0.1) and not a host name",
                     host);
    size_t used = w < 0 ? 0 : (size_t)w < cap ? (size_t)w : cap - 1;
    /* the decimal reading when only leading zeros are wrong: "010.1.1.1" -> 10.1.1.1 */
    int zeros = n == 4;
    unsigned q[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < 4 && zeros; i++) {
        if (l[i].n < 1 || l[i].n > 3 || is_hex_prefix(&l[i])) {
            zeros = 0;
            break;
        }
        for (size_t k = 0; k < l[i].n; k++)
            q[i] = q[i] * 10 + (unsigned)(l[i].p[k] - '0');
        zeros = q[i] <= 255;
    }
    if (zeros && used < cap)
        used += (size_t)snprintf(msg + used, cap - used,
                                 "; leading zeros are not allowed: write %u.%u.%u.%u if that "
                                 "address is meant",
                                 q[0], q[1], q[2], q[3]);
    unsigned long ip;
    if (used < cap && n <= 4 && aton(l, n, &ip) == 0)
        snprintf(msg + used, cap - used,
                 "; the system resolver would have dialled %lu.%lu.%lu.%lu (inet_aton's "
                 "shorthand)",
                 (ip >> 24) & 0xFF, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
    return S7_ERR_RESOLVE;
}

int s7__resolve(const char *host, uint16_t port, struct sockaddr_storage *ss, socklen_t *len,
                int *gai)
{
    struct addrinfo hints, *res = NULL;
    if (gai)
        *gai = 0;
    int rc = s7__host_check(host, NULL, 0);
    if (rc < 0)
        return rc;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    int g = getaddrinfo(host, NULL, &hints, &res);
    if (g != 0 || !res || res->ai_addrlen > sizeof *ss) {
        if (gai)
            *gai = g ? g : EAI_FAIL;
        if (res)
            freeaddrinfo(res);
        return S7_ERR_RESOLVE;
    }
    /* an IPv4 address of the name first: S7 partners are IPv4 hosts, and a name with both
     * (Debian's /etc/hosts gives "localhost" 127.0.0.1 and ::1, ::1 sorted first) must dial
     * the CPU where it listens */
    const struct addrinfo *pick = res;
    for (const struct addrinfo *a = res; a; a = a->ai_next)
        if (a->ai_family == AF_INET && a->ai_addrlen <= sizeof *ss) {
            pick = a;
            break;
        }
    memset(ss, 0, sizeof *ss);
    memcpy(ss, pick->ai_addr, pick->ai_addrlen);
    *len = (socklen_t)pick->ai_addrlen;
    freeaddrinfo(res);
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)ss)->sin_port = htons(port);
    else if (ss->ss_family == AF_INET6)
        ((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(port);
    return 0;
}
