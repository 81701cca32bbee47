/* The doctor's network step: the SYN to port 102 and, alongside it, the probes that tell a
 * firewall from a dead host (shared field-notes section 1b), all in one poll loop:
 *   - the SYN socket with IP_RECVERR: an ICMP error for it is queued with its sender
 *     (SO_EE_OFFENDER), so a router's "port unreachable" is not taken for the target's RST;
 *   - the kernel's route and neighbour table (rtnetlink): on the segment or via a gateway,
 *     and whether ARP for the target resolved, is still asking or failed;
 *   - ICMP echo: an unprivileged ping socket when net.ipv4.ping_group_range allows it, else a
 *     raw ICMP socket (root / CAP_NET_RAW), else not run (and why);
 *   - a connect to other TCP ports (80, 443, 22): a SYN-ACK or RST proves the host up;
 *   - with root, a raw TCP socket reading the TTL of the RST and of the target's other
 *     answers: a RST that arrives with another TTL than the host's own answers was sent by a
 *     device on the path.
 * No verdict depends on which timer fires first: when the SYN's deadline passes and no probe
 * has proven the host alive or down, the loop keeps listening (bounded) until the kernel's
 * (or a router's) ARP resolution has settled.  IPv4 only for the probes beyond the SYN. */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/errqueue.h>
#include <linux/filter.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/ip_icmp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "diag/internal.h"
#include "diag/net_int.h"
#include "s7/net.h"

/* ARP resolution (the kernel's and a router's) gives up after 3 probes 1 s apart: about
 * 3 s.  Evidence that is still missing at the SYN's deadline is awaited until this long
 * after the SYN, and an ARP entry still INCOMPLETE then for up to NEIGH_EXTRA_MS more. */
#define SETTLE_MS 3500
#define NEIGH_EXTRA_MS 3000
#define LOSS_EVERY_MS 200 /* echo requests once the host answered, to see loss */
#define NOTHER 3

static const uint16_t OTHER_PORTS[NOTHER] = {80, 443, 22};

/* ---------------------------------------------------------------- rtnetlink */

/* One request, answers into buf; returns the bytes read or -1. */
static int nl_talk(void *req, size_t len, uint8_t *buf, size_t cap, int dump,
                   int (*each)(struct nlmsghdr *h, void *ud), void *ud)
{
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0)
        return -1;
    struct timeval tv = {1, 0};
    setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_nl k;
    memset(&k, 0, sizeof k);
    k.nl_family = AF_NETLINK;
    int rc = -1;
    if (sendto(s, req, len, 0, (struct sockaddr *)&k, sizeof k) < 0)
        goto out;
    for (int rounds = 0; rounds < 64; rounds++) {
        ssize_t n = recv(s, buf, cap, 0);
        if (n <= 0)
            goto out;
        for (struct nlmsghdr *h = (struct nlmsghdr *)(void *)buf; NLMSG_OK(h, (size_t)n);
             h = NLMSG_NEXT(h, n)) {
            if (h->nlmsg_type == NLMSG_DONE) {
                rc = 0;
                goto out;
            }
            if (h->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(h);
                rc = e->error == 0 && !dump ? 0 : -1;
                if (e->error)
                    errno = -e->error;
                goto out;
            }
            if (each(h, ud) && !dump) {
                rc = 0;
                goto out;
            }
        }
    }
out:
    close(s);
    return rc;
}

typedef struct route_info {
    int found;
    int has_gw;
    struct in_addr gw, src;
    int has_src;
    int oif; /* the interface (0 unknown) */
} route_info;

static int route_each(struct nlmsghdr *h, void *ud)
{
    route_info *ri = ud;
    if (h->nlmsg_type != RTM_NEWROUTE)
        return 0;
    struct rtmsg *m = NLMSG_DATA(h);
    int len = (int)RTM_PAYLOAD(h);
    ri->found = 1;
    for (struct rtattr *a = RTM_RTA(m); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == RTA_GATEWAY && RTA_PAYLOAD(a) >= 4) {
            memcpy(&ri->gw, RTA_DATA(a), 4);
            ri->has_gw = 1;
        } else if (a->rta_type == RTA_PREFSRC && RTA_PAYLOAD(a) >= 4) {
            memcpy(&ri->src, RTA_DATA(a), 4);
            ri->has_src = 1;
        } else if (a->rta_type == RTA_OIF && RTA_PAYLOAD(a) >= 4) {
            memcpy(&ri->oif, RTA_DATA(a), 4);
        }
    }
    return 1;
}

/* The route the kernel would take to dst: 0 (ri filled), -1 none (errno). */
static int route_get(struct in_addr dst, route_info *ri)
{
    struct {
        struct nlmsghdr h;
        struct rtmsg m;
        char attrs[32];
    } req;
    uint8_t buf[8192];
    memset(&req, 0, sizeof req);
    memset(ri, 0, sizeof *ri);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    req.h.nlmsg_type = RTM_GETROUTE;
    req.h.nlmsg_flags = NLM_F_REQUEST;
    req.m.rtm_family = AF_INET;
    req.m.rtm_dst_len = 32;
    struct rtattr *a = (struct rtattr *)(void *)((char *)&req + NLMSG_ALIGN(req.h.nlmsg_len));
    a->rta_type = RTA_DST;
    a->rta_len = RTA_LENGTH(4);
    memcpy(RTA_DATA(a), &dst, 4);
    req.h.nlmsg_len = NLMSG_ALIGN(req.h.nlmsg_len) + RTA_ALIGN(a->rta_len);
    if (nl_talk(&req, req.h.nlmsg_len, buf, sizeof buf, 0, route_each, ri) < 0 || !ri->found)
        return -1;
    return 0;
}

typedef struct neigh_info {
    struct in_addr dst;
    int state;        /* NUD_* of the entry, -1 none */
    long confirmed_t; /* ticks (USER_HZ) since its last confirmation, -1 unknown */
} neigh_info;

static int neigh_each(struct nlmsghdr *h, void *ud)
{
    neigh_info *ni = ud;
    if (h->nlmsg_type != RTM_NEWNEIGH)
        return 0;
    struct ndmsg *m = NLMSG_DATA(h);
    if (m->ndm_family != AF_INET)
        return 0;
    int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *m));
    int mine = 0;
    long conf = -1;
    for (struct rtattr *a = (struct rtattr *)(void *)((char *)m + NLMSG_ALIGN(sizeof *m));
         RTA_OK(a, len); a = RTA_NEXT(a, len)) {
        if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) >= 4 && memcmp(RTA_DATA(a), &ni->dst, 4) == 0)
            mine = 1;
        else if (a->rta_type == NDA_CACHEINFO && RTA_PAYLOAD(a) >= sizeof(struct nda_cacheinfo))
            conf = (long)((const struct nda_cacheinfo *)RTA_DATA(a))->ndm_confirmed;
    }
    if (mine) {
        ni->state = m->ndm_state;
        ni->confirmed_t = conf;
    }
    return 0;
}

/* The neighbour entry of dst: S7__NEIGH_* (VALID of any age; the caller judges the age by
 * *age_ms, the milliseconds since its last confirmation, -1 unknown). */
static int neigh_get(struct in_addr dst, int *raw_state, long *age_ms)
{
    struct {
        struct nlmsghdr h;
        struct ndmsg m;
    } req;
    uint8_t buf[16384];
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ndmsg));
    req.h.nlmsg_type = RTM_GETNEIGH;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.m.ndm_family = AF_INET;
    neigh_info ni = {dst, -1, -1};
    *raw_state = -1;
    *age_ms = -1;
    if (nl_talk(&req, req.h.nlmsg_len, buf, sizeof buf, 1, neigh_each, &ni) < 0)
        return S7__NEIGH_UNKNOWN;
    *raw_state = ni.state;
    long hz = sysconf(_SC_CLK_TCK);
    if (ni.confirmed_t >= 0 && hz > 0)
        *age_ms = ni.confirmed_t * 1000 / hz;
    if (ni.state < 0)
        return S7__NEIGH_NONE;
    if (ni.state & NUD_FAILED)
        return S7__NEIGH_FAILED;
    if (ni.state & NUD_INCOMPLETE)
        return S7__NEIGH_INCOMPLETE;
    if (ni.state & (NUD_REACHABLE | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_PERMANENT))
        return S7__NEIGH_VALID;
    return S7__NEIGH_NONE;
}

int s7__net_nobody_home(struct in_addr dst)
{
    route_info ri;
    if (route_get(dst, &ri) < 0 || ri.has_gw)
        return 0;
    int raw;
    long age;
    int st = neigh_get(dst, &raw, &age);
    return st == S7__NEIGH_INCOMPLETE || st == S7__NEIGH_FAILED;
}

static const char *nud_name(int st)
{
    if (st < 0)
        return "no entry";
    if (st & NUD_FAILED)
        return "FAILED";
    if (st & NUD_INCOMPLETE)
        return "INCOMPLETE";
    if (st & NUD_REACHABLE)
        return "REACHABLE";
    if (st & NUD_STALE)
        return "STALE";
    if (st & NUD_DELAY)
        return "DELAY";
    if (st & NUD_PROBE)
        return "PROBE";
    if (st & NUD_PERMANENT)
        return "PERMANENT";
    if (st & NUD_NOARP)
        return "NOARP";
    return "NONE";
}

/* ---------------------------------------------------------------- error queue */

typedef struct icmp_err {
    int have;
    int origin, type, code, err; /* ICMPv6 errors: type and code as their ICMP (v4) peer */
    struct in_addr from;
    int has_from;
    struct in6_addr from6; /* an ICMPv6 error's sender */
    int has_from6;
} icmp_err;

/* An ICMPv6 destination unreachable (type 1) as the ICMP type 3 code the rule knows: no route
 * -> net unreachable, administratively prohibited / source policy / reject route ->
 * communication administratively prohibited, address unreachable -> host unreachable, port
 * unreachable -> port unreachable. */
static void icmp6_as_v4(int type6, int code6, int *type, int *code)
{
    *type = 3;
    if (type6 != 1) {
        *code = 1;
        return;
    }
    switch (code6) {
    case 0: *code = 0; break;
    case 1:
    case 5:
    case 6: *code = 13; break;
    case 4: *code = 3; break;
    default: *code = 1; break;
    }
}

/* Read the first queued ICMP error of fd into e (have 0 when none). */
static void read_errqueue(int fd, icmp_err *e)
{
    uint8_t data[256], ctl[512];
    for (int i = 0; i < 8; i++) {
        struct sockaddr_storage name;
        struct iovec iov = {data, sizeof data};
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_name = &name;
        m.msg_namelen = sizeof name;
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = ctl;
        m.msg_controllen = sizeof ctl;
        if (recvmsg(fd, &m, MSG_ERRQUEUE | MSG_DONTWAIT) < 0)
            return;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
            int v6 = c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR;
            if (!v6 && (c->cmsg_level != SOL_IP || c->cmsg_type != IP_RECVERR))
                continue;
            struct sock_extended_err ee;
            memcpy(&ee, CMSG_DATA(c), sizeof ee);
            if (e->have)
                continue;
            e->have = 1;
            e->origin = ee.ee_origin;
            e->type = ee.ee_type;
            e->code = ee.ee_code;
            e->err = (int)ee.ee_errno;
            const struct sockaddr *off =
                (const struct sockaddr
                     *)(const void *)((const struct sock_extended_err *)(const void *)CMSG_DATA(c) +
                                      1);
            if (v6) {
                struct sockaddr_in6 s6;
                memcpy(&s6, off, sizeof s6);
                if (e->origin == SO_EE_ORIGIN_ICMP6) {
                    icmp6_as_v4(e->type, e->code, &e->type, &e->code);
                    e->origin = SO_EE_ORIGIN_ICMP;
                }
                if (s6.sin6_family == AF_INET6) {
                    e->from6 = s6.sin6_addr;
                    e->has_from6 = 1;
                }
                continue;
            }
            struct sockaddr_in sin;
            memcpy(&sin, off, sizeof sin);
            if (sin.sin_family == AF_INET) {
                e->from = sin.sin_addr;
                e->has_from = 1;
            }
        }
    }
}

/* ---------------------------------------------------------------- the run */

typedef struct probe_run {
    struct in_addr dst;
    int v4;
    route_info ri;
    int have_route;
    struct in_addr neigh_addr; /* target when on the segment, else the gateway */
    int neigh_raw;
    int neigh_failed; /* the entry was seen FAILED (a later packet may restart resolution) */
    int64_t neigh_next;
    int64_t t0;  /* the run's start */
    s7__arp arp; /* our own ARP requests (target on the segment, root) */
    /* SYN */
    int syn_fd;
    uint16_t syn_lport;
    int syn_done;
    icmp_err syn_icmp;
    /* echo */
    int echo_fd, echo_raw; /* echo_raw: a raw ICMP socket (IP header in front) */
    uint16_t echo_id;
    int echo_sent, echo_done;
    int64_t echo_next;
    uint64_t echo_seen; /* bit n-1: request n answered (n 1..64) */
    char echo_why[160];
    /* other ports */
    int oth_fd[NOTHER];
    uint16_t oth_lport[NOTHER];
    int oth_state[NOTHER]; /* S7__LIVE_* */
    int oth_rst[NOTHER];   /* answered with RST (else SYN-ACK) */
    char oth_note[NOTHER][96];
    char oth_from[NOTHER][64]; /* the router that reported the port's host unreachable */
    /* raw TCP */
    int raw_fd;
    char raw_why[160];
    int oth_ttl[NOTHER];
} probe_run;

/* Read the neighbour entry into ev->neigh (and x->neigh_raw), remembering a FAILED one.  A
 * valid entry last confirmed before the run began is OLD: a CPU switched off a second ago
 * has a REACHABLE one for up to 45 s (PERMANENT entries are configured: never old). */
static void neigh_read(probe_run *x, s7__net_ev *ev)
{
    long age;
    ev->neigh = neigh_get(x->neigh_addr, &x->neigh_raw, &age);
    if (ev->neigh == S7__NEIGH_FAILED)
        x->neigh_failed = 1;
    if (ev->neigh == S7__NEIGH_VALID && !(x->neigh_raw & NUD_PERMANENT) && age >= 0 &&
        age > s7_now_ms() - x->t0 + 20) {
        ev->neigh = S7__NEIGH_OLD;
        ev->neigh_age_ms = (int)(age > INT32_MAX ? INT32_MAX : age);
    }
}

static void addr_str(struct in_addr a, char *buf, size_t cap)
{
    inet_ntop(AF_INET, &a, buf, (socklen_t)cap);
}

static uint16_t local_port(int fd)
{
    struct sockaddr_in sin;
    socklen_t l = sizeof sin;
    memset(&sin, 0, sizeof sin);
    if (getsockname(fd, (struct sockaddr *)&sin, &l) != 0 || sin.sin_family != AF_INET)
        return 0;
    return ntohs(sin.sin_port);
}

/* source: the address of this machine to send from (NULL or "": the kernel chooses). */
static int tcp_start(const struct sockaddr *sa, socklen_t salen, const char *source, int *fd)
{
    int s = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s < 0)
        return -errno;
    if (source && *source && s7_tcp_bind_source(s, sa->sa_family, source) < 0) {
        int e = errno ? errno : EADDRNOTAVAIL;
        close(s);
        return -e;
    }
    int one = 1;
    if (sa->sa_family == AF_INET)
        setsockopt(s, SOL_IP, IP_RECVERR, &one, sizeof one);
    else
        setsockopt(s, SOL_IPV6, IPV6_RECVERR, &one, sizeof one);
    s7_tcp_configure(s);
    if (connect(s, sa, salen) != 0 && errno != EINPROGRESS) {
        int e = errno;
        *fd = s; /* kept: its error queue may hold the ICMP */
        return -e;
    }
    *fd = s;
    return 0;
}

static uint16_t icmp_sum(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)(p[n - 1] << 8);
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)~s;
}

/* A raw socket sees every packet of its protocol on this machine: a filter in the kernel
 * keeps those from the target (and, with icmp_errors, every ICMP destination unreachable,
 * which routers send), then what queued before it is dropped.  A busy machine's traffic
 * never reaches the poll loop. */
static void raw_filter(int fd, struct in_addr dst, int icmp_errors)
{
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 12), /* IPv4 source */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(dst.s_addr), 3, 0),
        BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0), /* X = header length */
        BPF_STMT(BPF_LD | BPF_B | BPF_IND, 0),  /* ICMP type */
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, icmp_errors ? 3 : 0x100, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0xFFFF),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    struct sock_fprog prog = {(unsigned short)(sizeof code / sizeof code[0]), code};
    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
    uint8_t sink[256];
    for (int i = 0; i < 4096 && recv(fd, sink, sizeof sink, MSG_DONTWAIT) >= 0; i++)
        ;
}

static void echo_open(probe_run *x)
{
    x->echo_fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (x->echo_fd >= 0) {
        int one = 1;
        setsockopt(x->echo_fd, SOL_IP, IP_RECVERR, &one, sizeof one);
        setsockopt(x->echo_fd, SOL_IP, IP_RECVTTL, &one, sizeof one);
        return;
    }
    int e1 = errno;
    x->echo_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_ICMP);
    if (x->echo_fd >= 0) {
        x->echo_raw = 1;
        raw_filter(x->echo_fd, x->dst, 1);
        return;
    }
    int e2 = errno;
    char b1[24], b2[24];
    snprintf(x->echo_why, sizeof x->echo_why,
             "not run: no ping socket (%s: net.ipv4.ping_group_range does not include this "
             "group) and no raw socket (%s: needs root or CAP_NET_RAW)",
             s7__errno_name(e1, b1, sizeof b1), s7__errno_name(e2, b2, sizeof b2));
}

static void echo_send(probe_run *x, int64_t now)
{
    uint8_t p[16];
    memset(p, 0, sizeof p);
    p[0] = 8; /* echo request */
    p[4] = (uint8_t)(x->echo_id >> 8);
    p[5] = (uint8_t)x->echo_id;
    p[7] = (uint8_t)(x->echo_sent + 1);
    memcpy(p + 8, "s7doctor", 8);
    uint16_t cs = icmp_sum(p, sizeof p);
    p[2] = (uint8_t)(cs >> 8);
    p[3] = (uint8_t)cs;
    struct sockaddr_in sin;
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_addr = x->dst;
    if (sendto(x->echo_fd, p, sizeof p, 0, (struct sockaddr *)&sin, sizeof sin) >= 0)
        x->echo_sent++;
    else
        x->echo_sent = x->echo_done ? 64 : 3; /* e.g. no route: the errors say it */
    /* answered once: more requests, closer together, to see whether the path loses some */
    x->echo_next = now + (x->echo_done ? LOSS_EVERY_MS : 1000);
}

/* Read what came to the echo socket. */
static void echo_read(probe_run *x, s7__net_ev *ev)
{
    if (!x->echo_raw) {
        /* a ping socket's ICMP errors wait in its error queue (POLLERR until read) */
        icmp_err e = {0};
        read_errqueue(x->echo_fd, &e);
        if (e.have && e.has_from && e.origin == SO_EE_ORIGIN_ICMP &&
            e.from.s_addr != x->dst.s_addr && ev->echo != S7__LIVE_ANSWER &&
            (e.code == 0 || e.code == 1)) {
            ev->echo = S7__LIVE_UNREACH;
            addr_str(e.from, ev->live_from, sizeof ev->live_from);
        }
    }
    for (int i = 0; i < 16; i++) {
        uint8_t b[1500], ctl[256];
        struct sockaddr_in from;
        struct iovec iov = {b, sizeof b};
        struct msghdr m;
        memset(&m, 0, sizeof m);
        m.msg_name = &from;
        m.msg_namelen = sizeof from;
        m.msg_iov = &iov;
        m.msg_iovlen = 1;
        m.msg_control = ctl;
        m.msg_controllen = sizeof ctl;
        ssize_t n = recvmsg(x->echo_fd, &m, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || (!x->echo_raw && errno != EAGAIN && errno != EWOULDBLOCK))
                continue; /* the pending error was taken: read on */
            return;
        }
        const uint8_t *ic = b;
        size_t len = (size_t)n;
        int ttl = -1;
        if (x->echo_raw) {
            if (len < 20)
                continue;
            size_t ihl = (size_t)(b[0] & 0x0F) * 4;
            if (len < ihl + 8)
                continue;
            ttl = b[8];
            ic = b + ihl;
            len -= ihl;
            if (ic[0] == 3 && len >= 8 + 20 + 8) {
                /* an unreachable about our echo: inner IP to dst, inner ICMP echo with our id */
                const uint8_t *in = ic + 8;
                size_t iihl = (size_t)(in[0] & 0x0F) * 4;
                if (len < 8 + iihl + 8 || memcmp(in + 16, &x->dst, 4) != 0 || in[9] != 1)
                    continue;
                const uint8_t *ie = in + iihl;
                if (ie[0] != 8 || (uint16_t)(ie[4] << 8 | ie[5]) != x->echo_id)
                    continue;
                if (from.sin_addr.s_addr != x->dst.s_addr && ev->echo != S7__LIVE_ANSWER &&
                    (ic[1] == 0 || ic[1] == 1)) {
                    ev->echo = S7__LIVE_UNREACH;
                    addr_str(from.sin_addr, ev->live_from, sizeof ev->live_from);
                }
                continue;
            }
            if (ic[0] != 0 || (uint16_t)(ic[4] << 8 | ic[5]) != x->echo_id)
                continue;
        } else {
            if (len < 8 || ic[0] != 0)
                continue;
            for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
                if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL) {
                    int t;
                    memcpy(&t, CMSG_DATA(c), sizeof t);
                    ttl = t;
                }
        }
        if (from.sin_addr.s_addr != x->dst.s_addr)
            continue;
        if (len >= 8 && ic[7] >= 1 && ic[7] <= 64 && ic[6] == 0)
            x->echo_seen |= (uint64_t)1 << (ic[7] - 1);
        ev->echo = S7__LIVE_ANSWER;
        ev->echo_ttl = ttl;
        x->echo_done = 1;
    }
}

/* Read the raw TCP socket: the TTL of the RST to the SYN and of the other ports' answers. */
static void raw_read(probe_run *x, s7__net_ev *ev, uint16_t port)
{
    for (int i = 0; i < 64; i++) {
        uint8_t b[256];
        ssize_t n = recv(x->raw_fd, b, sizeof b, MSG_DONTWAIT);
        if (n < 0)
            return;
        size_t len = (size_t)n;
        if (len < 20)
            continue;
        size_t ihl = (size_t)(b[0] & 0x0F) * 4;
        if (len < ihl + 14 || b[9] != IPPROTO_TCP || memcmp(b + 12, &x->dst, 4) != 0)
            continue;
        const uint8_t *t = b + ihl;
        uint16_t sport = (uint16_t)(t[0] << 8 | t[1]), dport = (uint16_t)(t[2] << 8 | t[3]);
        uint8_t flags = t[13];
        int ttl = b[8];
        if (sport == port && dport == x->syn_lport && (flags & 0x04))
            ev->rst_ttl = ttl;
        /* by the local port, also after the socket was closed: poll may see the other
         * port's connect done before this copy of its answer */
        for (int k = 0; k < NOTHER; k++)
            if (x->oth_lport[k] && sport == OTHER_PORTS[k] && dport == x->oth_lport[k] &&
                (flags & (0x04 | 0x12)))
                x->oth_ttl[k] = ttl;
    }
}

/* The state of another port's connect (once it is done). */
static void other_done(probe_run *x, int k)
{
    int e = 0;
    socklen_t l = sizeof e;
    getsockopt(x->oth_fd[k], SOL_SOCKET, SO_ERROR, &e, &l);
    icmp_err ie = {0};
    char en[24], a[64];
    if (e)
        read_errqueue(x->oth_fd[k], &ie);
    if (e == 0) {
        x->oth_state[k] = S7__LIVE_ANSWER;
        snprintf(x->oth_note[k], sizeof x->oth_note[k], "SYN-ACK (the port is open)");
    } else if (e == ECONNREFUSED && !ie.have) {
        x->oth_state[k] = S7__LIVE_ANSWER;
        x->oth_rst[k] = 1;
        snprintf(x->oth_note[k], sizeof x->oth_note[k], "RST (closed, but the host answers)");
    } else if (ie.have && ie.has_from && ie.from.s_addr != x->dst.s_addr) {
        addr_str(ie.from, a, sizeof a);
        x->oth_state[k] =
            (ie.type == 3 && (ie.code == 0 || ie.code == 1)) ? S7__LIVE_UNREACH : S7__LIVE_NONE;
        if (x->oth_state[k] == S7__LIVE_UNREACH)
            snprintf(x->oth_from[k], sizeof x->oth_from[k], "%s", a);
        snprintf(x->oth_note[k], sizeof x->oth_note[k], "ICMP type %d code %d from %s", ie.type,
                 ie.code, a);
    } else {
        x->oth_state[k] = S7__LIVE_NONE;
        snprintf(x->oth_note[k], sizeof x->oth_note[k], "%s", s7__errno_name(e, en, sizeof en));
    }
    close(x->oth_fd[k]);
    x->oth_fd[k] = -2; /* done */
}

static void add_probe(s7_diag_report *r, const char *id, int ran, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
static void add_probe(s7_diag_report *r, const char *id, int ran, const char *fmt, ...)
{
    if (r->nprobes >= S7_DIAG_PROBE_MAX)
        return;
    s7_diag_probe *p = &r->probes[r->nprobes++];
    snprintf(p->id, sizeof p->id, "%s", id);
    p->ran = ran;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(p->saw, sizeof p->saw, fmt, ap);
    va_end(ap);
}

/* The liveness evidence so far: 1 alive, -1 down, 0 neither. */
static int live_state(const probe_run *x, const s7__net_ev *ev)
{
    /* our own ARP requests (root) tell of this moment: before the kernel's entry */
    int arp_none = x->arp.state == S7__LIVE_NONE && !s7__arp_pending(&x->arp, s7_now_ms());
    if (x->arp.state == S7__LIVE_ANSWER)
        return 1;
    if (ev->on_link == 1 && ev->neigh == S7__NEIGH_VALID && !arp_none)
        return 1;
    if (ev->echo == S7__LIVE_ANSWER)
        return 1;
    for (int k = 0; k < NOTHER; k++)
        if (x->oth_state[k] == S7__LIVE_ANSWER)
            return 1;
    if (ev->on_link == 1 && ev->neigh == S7__NEIGH_FAILED)
        return -1;
    if (arp_none)
        return -1;
    if (ev->live_from[0])
        return -1;
    for (int k = 0; k < NOTHER; k++)
        if (x->oth_state[k] == S7__LIVE_UNREACH)
            return -1;
    return 0;
}

/* A TTL of the target's own answers is known (raw socket), or can no longer come. */
static int have_reference(const probe_run *x, const s7__net_ev *ev)
{
    if (ev->echo == S7__LIVE_ANSWER && ev->echo_ttl >= 0)
        return 1;
    for (int k = 0; k < NOTHER; k++)
        if (x->oth_ttl[k] >= 0)
            return 1;
    return 0;
}

/* Another echo request is due: up to 3 (1 s apart) until one is answered; then, while the
 * SYN is unanswered and before its deadline, one every LOSS_EVERY_MS (64 in all at most). */
static int echo_due(const probe_run *x, int64_t now, int64_t deadline)
{
    if (x->echo_fd < 0)
        return 0;
    if (!x->echo_done)
        return x->echo_sent < 3;
    return !x->syn_done && now < deadline && x->echo_sent < 64;
}

static int others_pending(const probe_run *x)
{
    for (int k = 0; k < NOTHER; k++)
        if (x->oth_fd[k] >= 0)
            return 1;
    return x->echo_fd >= 0 && !x->echo_done;
}

int s7__net_probe(const struct sockaddr *sa, socklen_t salen, const char *source, int timeout_ms,
                  int *fd, s7__net_ev *ev, s7_diag_report *r)
{
    probe_run x;
    memset(&x, 0, sizeof x);
    x.syn_fd = x.echo_fd = x.raw_fd = -1;
    s7__arp_init(&x.arp);
    for (int k = 0; k < NOTHER; k++) {
        x.oth_fd[k] = -1;
        x.oth_ttl[k] = -1;
    }
    *fd = -1;
    s7__net_ev_init(ev);
    ev->timeout_ms = timeout_ms;
    r->nprobes = 0;
    uint16_t port = 0;
    x.v4 = sa->sa_family == AF_INET;
    if (x.v4) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)(const void *)sa;
        x.dst = sin->sin_addr;
        port = ntohs(sin->sin_port);
        addr_str(x.dst, ev->target, sizeof ev->target);
        ev->port = port;
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)(const void *)sa;
        port = ntohs(s6->sin6_port);
        inet_ntop(AF_INET6, &s6->sin6_addr, ev->target, sizeof ev->target);
        ev->port = port;
        ev->v6 = 1;
    }
    int64_t t0 = s7_now_ms();
    x.t0 = t0;
    char gw[64] = "";

    /* the route and the neighbour before anything is sent */
    if (x.v4) {
        if (route_get(x.dst, &x.ri) == 0) {
            x.have_route = 1;
            ev->on_link = !x.ri.has_gw;
            if (x.ri.has_gw) {
                addr_str(x.ri.gw, gw, sizeof gw);
                snprintf(ev->gateway, sizeof ev->gateway, "%s", gw);
            }
            x.neigh_addr = x.ri.has_gw ? x.ri.gw : x.dst;
        }
        /* the raw TCP socket (root): opened before the SYN so its answer is seen */
        x.raw_fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
        if (x.raw_fd >= 0)
            raw_filter(x.raw_fd, x.dst, 0);
        if (x.raw_fd < 0) {
            char en[24];
            snprintf(x.raw_why, sizeof x.raw_why,
                     "not run: a raw socket needs root or CAP_NET_RAW (%s), so the sender of a "
                     "RST cannot be verified",
                     s7__errno_name(errno, en, sizeof en));
        }
        ev->raw = x.raw_fd >= 0;
    }

    /* the SYN */
    snprintf(ev->source, sizeof ev->source, "%s", source ? source : "");
    int e0 = tcp_start(sa, salen, source, &x.syn_fd);
    if (x.syn_fd < 0) {
        ev->syn = S7__SYN_OTHER;
        ev->syn_errno = -e0;
        goto finish;
    }
    x.syn_lport = local_port(x.syn_fd);
    if (e0 < 0) {
        /* failed at once: no route, this machine's firewall, ... */
        x.syn_done = 1;
        ev->syn_errno = -e0;
    }

    /* the liveness probes, alongside */
    if (x.v4 && !x.syn_done) {
        /* on the segment: our own ARP requests tell whether a device holds it now */
        if (x.have_route && !x.ri.has_gw && s7__arp_open(&x.arp, x.ri.oif, x.ri.src, x.dst) == 0)
            s7__arp_send(&x.arp, t0);
        echo_open(&x);
        x.echo_id = (uint16_t)(getpid() ^ (int)(t0 & 0xFFFF));
        if (x.echo_fd >= 0)
            echo_send(&x, t0);
        for (int k = 0; k < NOTHER; k++) {
            if (OTHER_PORTS[k] == port) {
                x.oth_fd[k] = -3; /* the port asked for itself */
                continue;
            }
            struct sockaddr_in o;
            memcpy(&o, sa, sizeof o);
            o.sin_port = htons(OTHER_PORTS[k]);
            int s = -1;
            int e = tcp_start((struct sockaddr *)&o, sizeof o, source, &s);
            x.oth_fd[k] = s;
            if (s >= 0) {
                x.oth_lport[k] = local_port(s);
                if (e < 0) {
                    /* failed at once */
                    other_done(&x, k);
                }
            }
        }
    }

    int64_t deadline = t0 + timeout_ms;
    int64_t settle = t0 + (timeout_ms > SETTLE_MS ? timeout_ms : SETTLE_MS);
    int64_t neigh_limit = settle + NEIGH_EXTRA_MS;
    for (int iter = 0; iter < 100000; iter++) {
        int64_t now = s7_now_ms();
        /* the neighbour entry, every 100 ms while it matters, every 10 ms while ARP is under
         * way: a FAILED entry lasts only until the next packet to it (a SYN retransmission,
         * a ping) starts resolution again */
        if (x.have_route && now >= x.neigh_next) {
            neigh_read(&x, ev);
            x.neigh_next = now + (ev->neigh == S7__NEIGH_INCOMPLETE ? 10 : 100);
        }
        if (echo_due(&x, now, deadline) && now >= x.echo_next)
            echo_send(&x, now);
        if (s7__arp_due(&x.arp, now))
            s7__arp_send(&x.arp, now);

        /* done? */
        if (x.syn_done) {
            /* a router's host or net unreachable for the SYN: wait (up to the deadline)
             * for what the other probes say, as the host answering them proves the message
             * a filter's (port_rejected, not host_unreachable) */
            int router_unreach =
                x.syn_icmp.have && x.syn_icmp.origin == SO_EE_ORIGIN_ICMP && x.syn_icmp.type == 3 &&
                (x.syn_icmp.code == 0 || x.syn_icmp.code == 1) &&
                !(x.ri.has_src && x.syn_icmp.has_from && x.syn_icmp.from.s_addr == x.ri.src.s_addr);
            if (router_unreach && live_state(&x, ev) == 0 && others_pending(&x) && now < deadline)
                goto wait;
            if (ev->syn_errno == 0 || ev->syn_errno != ECONNREFUSED || x.syn_icmp.have)
                break;
            /* a RST: wait (up to the deadline) for a TTL of the target's own to compare */
            if (!ev->raw || have_reference(&x, ev) || !others_pending(&x) || now >= deadline)
                break;
        } else if (now >= deadline) {
            int live = live_state(&x, ev);
            if (live != 0)
                break;
            if (now >= settle) {
                if (!(ev->on_link == 1 && ev->neigh == S7__NEIGH_INCOMPLETE) || now >= neigh_limit)
                    break;
            }
        }

    wait:;
        struct pollfd p[2 + NOTHER + 2];
        int np = 0, isyn = -1, iecho = -1, iraw = -1, iarp = -1, ioth[NOTHER];
        if (!x.syn_done) {
            isyn = np;
            p[np++] = (struct pollfd){x.syn_fd, POLLOUT, 0};
        }
        if (x.echo_fd >= 0 && (!x.echo_done || !x.syn_done)) {
            iecho = np;
            p[np++] = (struct pollfd){x.echo_fd, POLLIN, 0};
        }
        if (x.raw_fd >= 0) {
            iraw = np;
            p[np++] = (struct pollfd){x.raw_fd, POLLIN, 0};
        }
        if (x.arp.fd >= 0 && x.arp.state == S7__LIVE_NONE) {
            iarp = np;
            p[np++] = (struct pollfd){x.arp.fd, POLLIN, 0};
        }
        for (int k = 0; k < NOTHER; k++) {
            ioth[k] = -1;
            if (x.oth_fd[k] >= 0) {
                ioth[k] = np;
                p[np++] = (struct pollfd){x.oth_fd[k], POLLOUT, 0};
            }
        }
        int64_t until = x.syn_done || now < deadline ? deadline : settle;
        if (now >= until)
            until = now + 100;
        if (x.have_route && until > x.neigh_next)
            until = x.neigh_next;
        if (echo_due(&x, now, deadline) && until > x.echo_next)
            until = x.echo_next;
        if (until > s7__arp_next(&x.arp))
            until = s7__arp_next(&x.arp);
        int wait = (int)(until - now);
        if (wait < 1)
            wait = 1;
        if (wait > 100)
            wait = 100;
        int n = poll(p, (nfds_t)np, wait);
        if (n < 0 && errno != EINTR)
            break;
        if (n <= 0)
            continue;
        if (iraw >= 0 && p[iraw].revents)
            raw_read(&x, ev, port);
        if (iarp >= 0 && p[iarp].revents)
            s7__arp_read(&x.arp, s7_now_ms());
        if (isyn >= 0 && p[isyn].revents) {
            int e = 0;
            socklen_t l = sizeof e;
            if (getsockopt(x.syn_fd, SOL_SOCKET, SO_ERROR, &e, &l) != 0)
                e = errno;
            x.syn_done = 1;
            ev->syn_errno = e;
            ev->syn_ms = (int)(s7_now_ms() - t0);
            if (e)
                read_errqueue(x.syn_fd, &x.syn_icmp);
            if (e && x.have_route) /* the entry now, before another packet restarts ARP */
                neigh_read(&x, ev);
            if (x.raw_fd >= 0)
                raw_read(&x, ev, port);
        }
        if (iecho >= 0 && p[iecho].revents)
            echo_read(&x, ev);
        for (int k = 0; k < NOTHER; k++)
            if (ioth[k] >= 0 && p[ioth[k]].revents)
                other_done(&x, k);
    }
    if (x.raw_fd >= 0)
        raw_read(&x, ev, port);
    if (x.echo_fd >= 0)
        echo_read(&x, ev);
    /* the loss seen by the echo requests: the gaps below the last one answered */
    for (int k = 64; k >= 1 && !ev->echo_upto; k--)
        if (x.echo_seen & ((uint64_t)1 << (k - 1)))
            ev->echo_upto = k;
    for (int k = 1; k < ev->echo_upto; k++)
        ev->echo_gaps += !(x.echo_seen & ((uint64_t)1 << (k - 1)));
    /* the other ports whose answer is in by now (their error came with the SYN's) */
    for (int k = 0; k < NOTHER; k++) {
        if (x.oth_fd[k] < 0)
            continue;
        struct pollfd op = {x.oth_fd[k], POLLOUT, 0};
        if (poll(&op, 1, 0) == 1 && op.revents)
            other_done(&x, k);
    }
    if (x.raw_fd >= 0)
        raw_read(&x, ev, port);
    if (x.have_route) { /* the entry as it ended (a failed ARP is marked as the SYN fails) */
        neigh_read(&x, ev);
        /* a packet sent after the failure (a SYN retransmission, a probe) puts a FAILED
         * entry back to INCOMPLETE: the failure seen is the evidence */
        if (x.neigh_failed && ev->neigh == S7__NEIGH_INCOMPLETE) {
            ev->neigh = S7__NEIGH_FAILED;
            x.neigh_raw = NUD_FAILED;
        }
    }

finish:;
    int64_t tend = s7_now_ms();
    s7__arp_read(&x.arp, tend);
    ev->arp = x.arp.state == S7__LIVE_NONE && s7__arp_pending(&x.arp, tend) ? S7__LIVE_NOT_RUN
                                                                            : x.arp.state;
    if (!ev->syn_ms)
        ev->syn_ms = (int)(tend - t0);
    char en[24], a[64];
    /* how the SYN ended */
    if (x.syn_done && ev->syn_errno == 0) {
        ev->syn = S7__SYN_CONNECTED;
    } else if (x.syn_done) {
        int e = ev->syn_errno;
        if (!x.syn_icmp.have)
            read_errqueue(x.syn_fd, &x.syn_icmp);
        if (x.syn_icmp.have && x.syn_icmp.origin == SO_EE_ORIGIN_ICMP) {
            ev->syn = S7__SYN_ICMP;
            ev->icmp_type = x.syn_icmp.type;
            ev->icmp_code = x.syn_icmp.code;
            if (x.syn_icmp.has_from) {
                addr_str(x.syn_icmp.from, ev->offender, sizeof ev->offender);
                ev->offender_is_target = x.syn_icmp.from.s_addr == x.dst.s_addr;
                ev->offender_is_local =
                    x.ri.has_src ? x.syn_icmp.from.s_addr == x.ri.src.s_addr : -1;
            } else if (x.syn_icmp.has_from6) {
                const struct sockaddr_in6 *t6 = (const struct sockaddr_in6 *)(const void *)sa;
                inet_ntop(AF_INET6, &x.syn_icmp.from6, ev->offender, sizeof ev->offender);
                ev->offender_is_target =
                    memcmp(&x.syn_icmp.from6, &t6->sin6_addr, sizeof t6->sin6_addr) == 0;
            }
        } else if (e == ECONNREFUSED) {
            ev->syn = S7__SYN_RST;
        } else if (e == ENETUNREACH && !x.syn_icmp.have) {
            ev->syn = S7__SYN_NOROUTE;
        } else if (e == EPERM || e == EACCES) {
            ev->syn = S7__SYN_LOCAL_FW;
        } else if (e == EHOSTUNREACH || e == EHOSTDOWN) {
            /* no ICMP queued: this machine's own ARP gave up */
            ev->syn = S7__SYN_ICMP;
            ev->icmp_type = 3;
            ev->icmp_code = 1;
            ev->offender_is_local = 1;
            ev->offender_is_target = 0;
        } else {
            ev->syn = S7__SYN_OTHER;
        }
    } else {
        ev->syn = S7__SYN_TIMEOUT;
    }
    /* the other ports: the best answer */
    for (int k = 0; k < NOTHER; k++) {
        if (x.oth_state[k] == S7__LIVE_ANSWER && ev->other != S7__LIVE_ANSWER) {
            ev->other = S7__LIVE_ANSWER;
            ev->other_port = OTHER_PORTS[k];
            ev->other_ttl = x.oth_ttl[k];
        } else if (x.oth_state[k] == S7__LIVE_UNREACH && ev->other != S7__LIVE_ANSWER) {
            ev->other = S7__LIVE_UNREACH;
        } else if (x.oth_fd[k] != -1 && x.oth_fd[k] != -3 && ev->other == S7__LIVE_NOT_RUN) {
            ev->other = S7__LIVE_NONE;
        }
    }
    /* a router's report for another port's SYN is as good as one for the echo request: the
     * first of its reports that came (routers rate-limit them) names the host down */
    for (int k = 0; k < NOTHER && !ev->live_from[0]; k++)
        if (x.oth_state[k] == S7__LIVE_UNREACH && ev->other != S7__LIVE_ANSWER &&
            ev->echo != S7__LIVE_ANSWER)
            snprintf(ev->live_from, sizeof ev->live_from, "%s", x.oth_from[k]);

    /* the probes' record */
    switch (ev->syn) {
    case S7__SYN_CONNECTED: add_probe(r, "syn", 1, "SYN-ACK after %d ms", ev->syn_ms); break;
    case S7__SYN_TIMEOUT:
        add_probe(r, "syn", 1, "no answer (neither SYN-ACK, RST nor ICMP) within %d ms",
                  (int)(tend - t0));
        break;
    case S7__SYN_ICMP:
        if (ev->offender[0])
            add_probe(r, "syn", 1, "%s after %d ms: %s type %d code %d from %s%s",
                      s7__errno_name(ev->syn_errno, en, sizeof en), ev->syn_ms,
                      ev->v6 ? "an ICMPv6 error read as ICMP" : "ICMP", ev->icmp_type,
                      ev->icmp_code, ev->offender,
                      ev->offender_is_target == 1  ? " (the target)"
                      : ev->offender_is_local == 1 ? " (this machine: its ARP got no answer)"
                                                   : " (not the target)");
        else
            add_probe(r, "syn", 1, "%s after %d ms (this machine's ARP got no answer)",
                      s7__errno_name(ev->syn_errno, en, sizeof en), ev->syn_ms);
        break;
    default:
        add_probe(r, "syn", 1, "%s after %d ms%s", s7__errno_name(ev->syn_errno, en, sizeof en),
                  ev->syn_ms,
                  ev->syn == S7__SYN_RST ? ": a TCP RST (no ICMP error queued for the SYN)" : "");
        break;
    }
    if (ev->syn != S7__SYN_CONNECTED) {
        if (!x.v4)
            add_probe(r, "route", 0, "not run: the probes beyond the SYN are IPv4 only");
        else if (x.have_route && x.ri.has_gw)
            add_probe(r, "route", 1, "%s is behind the gateway %s", ev->target, gw);
        else if (x.have_route)
            add_probe(r, "route", 1, "%s is on a segment of this machine (no gateway)", ev->target);
        else
            add_probe(r, "route", 1, "no route to %s", ev->target);
        if (x.have_route) {
            addr_str(x.neigh_addr, a, sizeof a);
            if (ev->neigh == S7__NEIGH_OLD)
                add_probe(r, "neighbour", 1,
                          "%s %s: %s, last confirmed %d.%d s ago, before this check: not proof "
                          "that a device holds it now",
                          x.ri.has_gw ? "ARP entry of the gateway" : "ARP entry of", a,
                          nud_name(x.neigh_raw), ev->neigh_age_ms / 1000,
                          ev->neigh_age_ms % 1000 / 100);
            else
                add_probe(r, "neighbour", ev->neigh != S7__NEIGH_UNKNOWN, "%s %s: %s%s",
                          x.ri.has_gw ? "ARP entry of the gateway" : "ARP entry of", a,
                          nud_name(x.neigh_raw),
                          ev->neigh == S7__NEIGH_UNKNOWN ? " (rtnetlink not answered)" : "");
        }
        if (x.have_route && !x.ri.has_gw) {
            if (ev->arp == S7__LIVE_ANSWER)
                add_probe(r, "arp", 1, "packet socket on %s: %s answered after %d ms", x.arp.ifname,
                          x.arp.from, x.arp.ms);
            else if (ev->arp == S7__LIVE_NONE)
                add_probe(r, "arp", 1,
                          "packet socket on %s: %d ARP requests for %s, no answer within 1 s",
                          x.arp.ifname, x.arp.sent, ev->target);
            else if (x.arp.fd >= 0)
                add_probe(r, "arp", 1, "packet socket on %s: no answer yet when the check ended",
                          x.arp.ifname);
            else
                add_probe(r, "arp", 0, "%s", x.arp.why[0] ? x.arp.why : "not run");
        }
        if (x.v4 && x.syn_done && x.echo_fd < 0 && !x.echo_why[0] && ev->syn != S7__SYN_TIMEOUT &&
            !x.echo_sent)
            snprintf(x.echo_why, sizeof x.echo_why, "not run: the SYN failed at once");
        if (x.echo_why[0])
            add_probe(r, "echo", 0, "%s", x.echo_why);
        else if (x.v4 && ev->echo == S7__LIVE_ANSWER && ev->echo_gaps > 0)
            add_probe(r, "echo", 1,
                      "%s: reply from %s%s%d; %d of the first %d requests got no "
                      "reply (packet loss)",
                      x.echo_raw ? "raw socket" : "ping socket", ev->target,
                      ev->echo_ttl >= 0 ? ", TTL " : "", ev->echo_ttl >= 0 ? ev->echo_ttl : 0,
                      ev->echo_gaps, ev->echo_upto);
        else if (x.v4 && ev->echo == S7__LIVE_ANSWER)
            add_probe(r, "echo", 1, "%s: reply from %s%s%d",
                      x.echo_raw ? "raw socket" : "ping socket", ev->target,
                      ev->echo_ttl >= 0 ? ", TTL " : "", ev->echo_ttl >= 0 ? ev->echo_ttl : 0);
        else if (x.v4 && ev->echo == S7__LIVE_UNREACH)
            add_probe(r, "echo", 1, "%s: %s reports %s unreachable",
                      x.echo_raw ? "raw socket" : "ping socket", ev->live_from, ev->target);
        else if (x.v4)
            add_probe(r, "echo", 1, "%s: %d echo requests, no reply",
                      x.echo_raw ? "raw socket" : "ping socket", x.echo_sent);
        for (int k = 0; k < NOTHER && x.v4; k++) {
            char id[16];
            snprintf(id, sizeof id, "tcp:%u", OTHER_PORTS[k]);
            if (x.oth_fd[k] == -3)
                continue;
            if (x.oth_fd[k] == -1) {
                add_probe(r, id, 0, "not run: the SYN failed at once");
                continue;
            }
            if (x.oth_fd[k] >= 0)
                add_probe(r, id, 1, "no answer");
            else if (x.oth_ttl[k] >= 0)
                add_probe(r, id, 1, "%s, TTL %d", x.oth_note[k], x.oth_ttl[k]);
            else
                add_probe(r, id, 1, "%s", x.oth_note[k]);
        }
        if (x.v4 && x.raw_fd < 0)
            add_probe(r, "ttl", 0, "%s", x.raw_why);
        else if (x.v4 && ev->syn == S7__SYN_RST)
            add_probe(r, "ttl", 1, "raw socket: RST from %s:%u with TTL %d", ev->target, port,
                      ev->rst_ttl);
        else if (x.v4)
            add_probe(r, "ttl", 1, "raw socket: no RST to the SYN");
    }

    for (int k = 0; k < NOTHER; k++)
        if (x.oth_fd[k] >= 0)
            close(x.oth_fd[k]);
    if (x.echo_fd >= 0)
        close(x.echo_fd);
    if (x.raw_fd >= 0)
        close(x.raw_fd);
    s7__arp_close(&x.arp);
    if (ev->syn == S7__SYN_CONNECTED) {
        *fd = x.syn_fd;
        return 0;
    }
    if (x.syn_fd >= 0)
        close(x.syn_fd);
    return -1;
}
