/* Internal interface of the doctor's network step: the evidence the probes gather while the
 * SYN to port 102 is out (netprobe.c), and the rule that turns that evidence into a verdict
 * naming the team to call (netclass.c, a pure function, unit-tested in
 * tests/unit/test_diag_netclass.c).  Rules and wording: docs/doctor.md "Network verdicts". */
#ifndef S7_DIAG_NET_INT_H
#define S7_DIAG_NET_INT_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "s7/diag.h"

/* How the SYN ended. */
enum {
    S7__SYN_CONNECTED = 0, /* SYN-ACK */
    S7__SYN_RST,           /* ECONNREFUSED without an ICMP error: a TCP RST */
    S7__SYN_ICMP,          /* an ICMP error arrived for it (icmp_type/code, offender) */
    S7__SYN_TIMEOUT,       /* nothing by the deadline (and the settle time) */
    S7__SYN_NOROUTE,       /* this machine has no route (ENETUNREACH at once, no ICMP) */
    S7__SYN_LOCAL_FW,      /* EPERM / EACCES: this machine's own packet filter */
    S7__SYN_OTHER          /* another local error (syn_errno) */
};

/* The kernel's neighbour entry (of the target when on the segment, else of the gateway). */
enum {
    S7__NEIGH_UNKNOWN = 0, /* not looked up (not IPv4, netlink failed) */
    S7__NEIGH_NONE,        /* no entry */
    S7__NEIGH_VALID,       /* REACHABLE, STALE, DELAY, PROBE, PERMANENT: a device answered ARP
                            * (confirmed during this run, or of unknown age) */
    S7__NEIGH_INCOMPLETE,  /* ARP still asking */
    S7__NEIGH_FAILED,      /* ARP got no answer */
    S7__NEIGH_OLD          /* valid, but last confirmed before this run began: a device that
                            * went a moment ago still has such an entry (not proof) */
};

/* A liveness probe's outcome (echo, other TCP ports). */
enum {
    S7__LIVE_NOT_RUN = 0, /* could not run (why: in the probe's text) */
    S7__LIVE_NONE,        /* no answer */
    S7__LIVE_ANSWER,      /* the target answered (echo reply; SYN-ACK or RST of another port) */
    S7__LIVE_UNREACH      /* an ICMP unreachable came back instead (offender in live_from) */
};

typedef struct s7__net_ev {
    char target[64]; /* the address dialled */
    unsigned port;   /* the port dialled (102) */
    int syn;         /* S7__SYN_* */
    int syn_errno;
    int syn_ms;
    int timeout_ms;           /* the deadline the SYN had */
    int icmp_type, icmp_code; /* the ICMP error of the SYN (-1 none; ICMPv6 mapped to its
                                 ICMP peer, v6 set) */
    int v6;                   /* the target is an IPv6 address */
    char offender[64];        /* its sender ("" unknown) */
    int offender_is_target;   /* 1 the target, 0 another device, -1 unknown */
    int offender_is_local;    /* 1 this machine (its own ARP failed), 0 no, -1 unknown */
    int on_link;              /* 1 target on a connected segment, 0 via a gateway, -1 unknown */
    char gateway[64];         /* the gateway when on_link is 0 */
    int neigh;                /* S7__NEIGH_* (target when on_link, else gateway) */
    int neigh_age_ms;         /* S7__NEIGH_OLD: how long ago it was last confirmed */
    int arp;                  /* S7__LIVE_*: our own ARP requests for the target (on the
                               * segment, root): answered, none answered within a second */
    int echo;                 /* S7__LIVE_* */
    int echo_ttl;             /* TTL of the echo reply, -1 unknown */
    int other;                /* S7__LIVE_*: the best outcome of the other TCP ports */
    int other_port;           /* the port that answered (0 none) */
    int other_ttl;            /* TTL of that answer (raw socket), -1 unknown */
    char live_from[64];       /* the sender of an ICMP unreachable to a liveness probe */
    int raw;                  /* 1 a raw socket read the answers' TTLs, 0 not possible */
    int rst_ttl;              /* TTL of the RST to the SYN (raw), -1 unknown */
    char source[64];          /* the source address asked for ("" the kernel's choice) */
    /* loss: once the host answered an echo, more requests (every 200 ms while the SYN is
     * unanswered); of those up to the last one answered, how many got no reply */
    int echo_upto; /* the highest request answered (0 none) */
    int echo_gaps; /* requests below it without a reply */
} s7__net_ev;

/* The doctor's own ARP requests for an address on this machine's segment (arpprobe.c):
 * up to 3, 250 ms apart, broadcast from the route's interface and source; no reply within
 * 1 s of the first is the evidence that nobody holds the address now. */
typedef struct s7__arp {
    int fd, ifindex, sent, state; /* state: S7__LIVE_NOT_RUN (why), NONE (so far), ANSWER */
    struct in_addr src, dst;
    uint8_t mac[6];
    int64_t first, next;
    int ms;        /* ANSWER: after how long */
    char from[24]; /* ANSWER: the MAC address that answered */
    char ifname[IF_NAMESIZE];
    char why[160]; /* NOT_RUN */
} s7__arp;

void s7__arp_init(s7__arp *a);
/* 0, or -1 with why set (no packet socket: not root; no Ethernet interface). */
int s7__arp_open(s7__arp *a, int ifindex, struct in_addr src, struct in_addr dst);
int s7__arp_due(const s7__arp *a, int64_t now); /* a request is due */
int64_t s7__arp_next(const s7__arp *a);         /* when something is due (INT64_MAX none) */
void s7__arp_send(s7__arp *a, int64_t now);
void s7__arp_read(s7__arp *a, int64_t now);         /* take the replies in */
int s7__arp_pending(const s7__arp *a, int64_t now); /* still waiting for an answer */
void s7__arp_close(s7__arp *a);

/* Evidence with nothing known (every field "unknown" / -1). */
void s7__net_ev_init(s7__net_ev *ev);

/* The rule: evidence -> verdict (S7_DIAG_PORT_FILTERED, PORT_REJECTED, PORT_CLOSED,
 * HOST_UNREACHABLE, NO_ROUTE, NO_ANSWER), with the one-line finding (what the evidence
 * shows, for the check's detail), the cause and the fix (naming the team).  ev->syn must
 * not be S7__SYN_CONNECTED (returns S7_DIAG_OK then, texts empty). */
int s7__net_classify(const s7__net_ev *ev, char *finding, size_t fcap, char *cause, size_t ccap,
                     char *fix, size_t xcap);

/* After a TCP connect to dst went unanswered: 1 when dst is on a network of this machine
 * (the kernel's route to it has no gateway) and its ARP entry is still incomplete or failed
 * (nobody answered the kernel's ARP requests: no device holds the address, or it is off;
 * the kernel itself reports EHOSTUNREACH once its requests run out), else 0 (a gateway in
 * between, a device answered ARP, not IPv4 or not known). */
int s7__net_nobody_home(struct in_addr dst);

/* Connect to sa (port set) with the SYN probes alongside: fills ev and the report's probes.
 * Returns 0 with *fd the connected socket (blocking mode as s7__tcp_connect leaves it), or
 * -1 (ev says how it ended).  timeout_ms: the SYN's deadline.  source: the address of this
 * machine the SYN and the other TCP probes are sent from (NULL or "": the kernel chooses). */
int s7__net_probe(const struct sockaddr *sa, socklen_t salen, const char *source, int timeout_ms,
                  int *fd, s7__net_ev *ev, s7_diag_report *r);

#endif
