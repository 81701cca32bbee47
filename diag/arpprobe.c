/* The doctor's own ARP requests (net_int.h, s7__arp_*): whether a device holds the target's
 * address on this machine's segment now.  The kernel's neighbour entry cannot say so: a
 * REACHABLE entry stays so for 15 to 45 s after its last confirmation, so a CPU switched off
 * a moment ago still "answers ARP" there, and a filter on the path would be blamed for its
 * silence.  An ARP request of our own, answered or not within a second, is evidence of
 * this moment.  It needs a packet socket: root or CAP_NET_RAW; without them the doctor
 * judges the kernel's entry by the time of its last confirmation (netprobe.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag/internal.h"
#include "diag/net_int.h"

#define ARP_TRIES 3
#define ARP_EVERY_MS 250 /* a device on the segment answers within microseconds */
#define ARP_WAIT_MS 1000 /* from the first request: no answer by then is the evidence */

/* An Ethernet ARP packet (RFC 826) after the link header. */
typedef struct arp_pkt {
    uint16_t htype, ptype;
    uint8_t hlen, plen;
    uint16_t op;
    uint8_t sha[6], spa[4], tha[6], tpa[4];
} __attribute__((packed)) arp_pkt;

void s7__arp_init(s7__arp *a)
{
    memset(a, 0, sizeof *a);
    a->fd = -1;
    a->state = S7__LIVE_NOT_RUN;
}

int s7__arp_open(s7__arp *a, int ifindex, struct in_addr src, struct in_addr dst)
{
    char en[24];
    s7__arp_init(a);
    a->src = src;
    a->dst = dst;
    a->ifindex = ifindex;
    if (ifindex <= 0 || !src.s_addr) {
        snprintf(a->why, sizeof a->why, "not run: the route names no interface and source");
        return -1;
    }
    a->fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ARP));
    if (a->fd < 0) {
        snprintf(a->why, sizeof a->why,
                 "not run: a packet socket needs root or CAP_NET_RAW (%s); the kernel's ARP "
                 "entry is judged by its last confirmation instead",
                 s7__errno_name(errno, en, sizeof en));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    struct sockaddr_ll ll;
    memset(&ll, 0, sizeof ll);
    ll.sll_family = AF_PACKET;
    ll.sll_protocol = htons(ETH_P_ARP);
    ll.sll_ifindex = ifindex;
    if (!if_indextoname((unsigned)ifindex, ifr.ifr_name) || ioctl(a->fd, SIOCGIFHWADDR, &ifr) < 0 ||
        ifr.ifr_hwaddr.sa_family != ARPHRD_ETHER ||
        bind(a->fd, (struct sockaddr *)&ll, sizeof ll) < 0) {
        snprintf(a->why, sizeof a->why, "not run: interface %d is not an Ethernet interface",
                 ifindex);
        close(a->fd);
        a->fd = -1;
        return -1;
    }
    memcpy(a->mac, ifr.ifr_hwaddr.sa_data, 6);
    snprintf(a->ifname, sizeof a->ifname, "%s", ifr.ifr_name);
    a->state = S7__LIVE_NONE;
    return 0;
}

int s7__arp_due(const s7__arp *a, int64_t now)
{
    return a->fd >= 0 && a->state == S7__LIVE_NONE && a->sent < ARP_TRIES && now >= a->next;
}

int64_t s7__arp_next(const s7__arp *a)
{
    if (a->fd < 0 || a->state != S7__LIVE_NONE)
        return INT64_MAX;
    return a->sent < ARP_TRIES ? a->next : a->first + ARP_WAIT_MS;
}

void s7__arp_send(s7__arp *a, int64_t now)
{
    arp_pkt p;
    memset(&p, 0, sizeof p);
    p.htype = htons(ARPHRD_ETHER);
    p.ptype = htons(ETH_P_IP);
    p.hlen = 6;
    p.plen = 4;
    p.op = htons(ARPOP_REQUEST);
    memcpy(p.sha, a->mac, 6);
    memcpy(p.spa, &a->src, 4);
    memcpy(p.tpa, &a->dst, 4);
    struct sockaddr_ll to;
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_protocol = htons(ETH_P_ARP);
    to.sll_ifindex = a->ifindex;
    to.sll_halen = 6;
    memset(to.sll_addr, 0xFF, 6); /* broadcast */
    if (!a->sent)
        a->first = now;
    a->sent++;
    a->next = now + ARP_EVERY_MS;
    (void)sendto(a->fd, &p, sizeof p, 0, (struct sockaddr *)&to, sizeof to);
}

void s7__arp_read(s7__arp *a, int64_t now)
{
    arp_pkt p;
    for (int i = 0; a->fd >= 0 && i < 256; i++) {
        ssize_t n = recv(a->fd, &p, sizeof p, 0);
        if (n < 0)
            break;
        if ((size_t)n < sizeof p || ntohs(p.op) != ARPOP_REPLY || ntohs(p.ptype) != ETH_P_IP ||
            memcmp(p.spa, &a->dst, 4) != 0)
            continue;
        if (a->state != S7__LIVE_ANSWER) {
            a->state = S7__LIVE_ANSWER;
            a->ms = (int)(now - a->first);
            snprintf(a->from, sizeof a->from, "%02x:%02x:%02x:%02x:%02x:%02x", p.sha[0], p.sha[1],
                     p.sha[2], p.sha[3], p.sha[4], p.sha[5]);
        }
    }
}

int s7__arp_pending(const s7__arp *a, int64_t now)
{
    return a->fd >= 0 && a->state == S7__LIVE_NONE && (!a->sent || now < a->first + ARP_WAIT_MS);
}

void s7__arp_close(s7__arp *a)
{
    if (a->fd >= 0)
        close(a->fd);
    a->fd = -1;
}
