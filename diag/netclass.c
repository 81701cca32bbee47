/* The network verdicts from the evidence of the probes (shared field-notes section 1b): who
 * answered the SYN to port 102, or what else proved the host alive or down, decides which
 * team the engineer calls.  A pure function of the evidence: no I/O, no timers. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "diag/net_int.h"

void s7__net_ev_init(s7__net_ev *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->syn = S7__SYN_TIMEOUT;
    ev->icmp_type = ev->icmp_code = -1;
    ev->offender_is_target = ev->offender_is_local = -1;
    ev->on_link = -1;
    ev->neigh = S7__NEIGH_UNKNOWN;
    ev->echo = ev->other = ev->arp = S7__LIVE_NOT_RUN;
    ev->echo_ttl = ev->other_ttl = ev->rst_ttl = -1;
}

/* "administratively prohibited" and friends: ICMP type 3 codes 9, 10, 13 (a filter said no). */
static int icmp_prohibited(int type, int code)
{
    return type == 3 && (code == 9 || code == 10 || code == 13);
}

static const char *icmp_name(int type, int code)
{
    if (type != 3)
        return "an ICMP error";
    switch (code) {
    case 0: return "ICMP net unreachable";
    case 1: return "ICMP host unreachable";
    case 2: return "ICMP protocol unreachable";
    case 3: return "ICMP port unreachable";
    case 9: return "ICMP net administratively prohibited";
    case 10: return "ICMP host administratively prohibited";
    case 13: return "ICMP communication administratively prohibited";
    default: return "ICMP destination unreachable";
    }
}

/* The same for an IPv6 target (its ICMPv6 error as mapped by the probe). */
static const char *icmp6_name(int code)
{
    switch (code) {
    case 0: return "ICMPv6 no route to destination";
    case 3: return "ICMPv6 port unreachable";
    case 13: return "ICMPv6 administratively prohibited";
    default: return "ICMPv6 address unreachable";
    }
}

/* "ICMP port unreachable (type 3 code 3)" or "ICMPv6 port unreachable" into buf. */
static const char *icmp_desc(const s7__net_ev *ev, char *buf, size_t cap)
{
    if (ev->v6)
        snprintf(buf, cap, "%s", icmp6_name(ev->icmp_code));
    else
        snprintf(buf, cap, "%s (type %d code %d)", icmp_name(ev->icmp_type, ev->icmp_code),
                 ev->icmp_type, ev->icmp_code);
    return buf;
}

/* The TTL the target's own answers arrive with (-1 none known). */
static int target_ttl(const s7__net_ev *ev)
{
    if (ev->other == S7__LIVE_ANSWER && ev->other_ttl >= 0)
        return ev->other_ttl;
    if (ev->echo == S7__LIVE_ANSWER && ev->echo_ttl >= 0)
        return ev->echo_ttl;
    return -1;
}

/* What proves the host alive ("" nothing). */
static void alive_evidence(const s7__net_ev *ev, char *buf, size_t cap)
{
    buf[0] = 0;
    if (ev->on_link == 1 && ev->arp == S7__LIVE_ANSWER)
        snprintf(buf, cap, "it answers ARP on this segment now");
    else if (ev->on_link == 1 && ev->neigh == S7__NEIGH_VALID && ev->arp != S7__LIVE_NONE)
        snprintf(buf, cap, "it answers ARP on this segment");
    else if (ev->echo == S7__LIVE_ANSWER)
        snprintf(buf, cap, "it answers ICMP echo (ping)");
    else if (ev->other == S7__LIVE_ANSWER)
        snprintf(buf, cap, "its TCP port %d answers", ev->other_port);
}

/* What proves the host down ("" nothing). */
static void down_evidence(const s7__net_ev *ev, char *buf, size_t cap)
{
    buf[0] = 0;
    if (ev->on_link == 1 && ev->neigh == S7__NEIGH_FAILED)
        snprintf(buf, cap, "no device answers ARP for %s on this segment (its entry FAILED)",
                 ev->target);
    else if (ev->on_link == 1 && ev->arp == S7__LIVE_NONE)
        snprintf(buf, cap,
                 "no device answers ARP for %s on this segment (our own requests got no "
                 "answer within 1 s%s)",
                 ev->target,
                 ev->neigh == S7__NEIGH_OLD || ev->neigh == S7__NEIGH_VALID
                     ? "; the kernel's entry of it is from before: it went a moment ago"
                     : "");
    else if (ev->live_from[0])
        snprintf(buf, cap, "%s reports %s unreachable", ev->live_from, ev->target);
}

int s7__net_classify(const s7__net_ev *ev, char *finding, size_t fcap, char *cause, size_t ccap,
                     char *fix, size_t xcap)
{
    const char *t = ev->target;
    char alive[96], down[320], idesc[80];
    finding[0] = cause[0] = fix[0] = 0;
    alive_evidence(ev, alive, sizeof alive);
    down_evidence(ev, down, sizeof down);

    /* behind a gateway that does not answer ARP: this machine's route is at fault, whatever
     * the CPU does (the SYN never left the segment) */
    if (ev->on_link == 0 && ev->syn != S7__SYN_CONNECTED &&
        (ev->neigh == S7__NEIGH_FAILED ||
         (ev->syn == S7__SYN_ICMP && ev->offender_is_local == 1))) {
        const char *gw = ev->gateway[0] ? ev->gateway : "(unknown)";
        snprintf(finding, fcap,
                 "%s is behind the gateway %s, and no device answers ARP for %s on this "
                 "machine's segment (its entry FAILED): the SYN never left this segment",
                 t, gw, gw);
        snprintf(cause, ccap,
                 "this machine's gateway %s to %s does not answer: its address in this "
                 "machine's route is wrong, or the router is down or not on this segment; "
                 "nothing is known of %s itself",
                 gw, t, t);
        snprintf(fix, xcap,
                 "routing of this machine: check the route (ip route get %s) and its gateway "
                 "%s: the right address for this segment, the router powered and reachable "
                 "(ping %s), this machine's cable, switch port and VLAN",
                 t, gw, gw);
        return S7_DIAG_NO_ROUTE;
    }

    switch (ev->syn) {
    case S7__SYN_CONNECTED: return S7_DIAG_OK;

    case S7__SYN_NOROUTE:
        snprintf(finding, fcap,
                 "this machine has no route to %s (connect: ENETUNREACH at once, "
                 "no router answered)",
                 t);
        snprintf(cause, ccap,
                 "this machine has no route to %s: no interface in its subnet and no gateway "
                 "for it (wrong subnet mask or default gateway on this machine)",
                 t);
        snprintf(fix, xcap,
                 "routing of this machine: check the route (ip route get %s), the subnet mask "
                 "and the default gateway of this machine; then its cable and link",
                 t);
        return S7_DIAG_NO_ROUTE;

    case S7__SYN_LOCAL_FW:
        snprintf(finding, fcap,
                 "this machine's own packet filter refused the SYN (EPERM): it "
                 "never left");
        snprintf(cause, ccap,
                 "port 102 is filtered on this machine: its own firewall (nftables, iptables, a "
                 "desktop firewall) refuses outgoing TCP 102 to %s",
                 t);
        snprintf(fix, xcap,
                 "whoever runs this machine: allow outgoing TCP 102 to %s in its firewall "
                 "(nft list ruleset / iptables -S OUTPUT show the rule); the cell firewall "
                 "rule that passes TCP 102 may be needed as well",
                 t);
        return S7_DIAG_PORT_FILTERED;

    case S7__SYN_ICMP:
        if (icmp_prohibited(ev->icmp_type, ev->icmp_code) ||
            (ev->icmp_type == 3 && ev->icmp_code == 3)) {
            int from_target = ev->offender_is_target == 1;
            snprintf(finding, fcap, "the SYN was answered with %s from %s%s",
                     icmp_desc(ev, idesc, sizeof idesc),
                     ev->offender[0] ? ev->offender : "an unknown sender",
                     from_target ? " (the target itself)" : ", not from the target");
            if (from_target)
                snprintf(cause, ccap,
                         "a packet filter on %s itself rejects TCP 102 (a TCP stack answers a "
                         "closed port with RST, never with %s): the host is up, its own "
                         "firewall refuses the port",
                         t, icmp_name(ev->icmp_type, ev->icmp_code));
            else
                snprintf(cause, ccap,
                         "a firewall on the path (%s) rejects TCP 102 to %s: %s answered the SYN "
                         "in the target's place%s",
                         ev->offender[0] ? ev->offender : "its sender unknown", t,
                         ev->offender[0] ? ev->offender : "a device",
                         ev->icmp_code == 3 ? " (iptables REJECT answers so by default)" : "");
            snprintf(fix, xcap,
                     "network team (firewall): ask for the rule that passes TCP 102 from this "
                     "host to %s on %s; the PLC and its cabling are not at fault",
                     t, from_target ? t : (ev->offender[0] ? ev->offender : "the firewall"));
            return S7_DIAG_PORT_REJECTED;
        }
        if (alive[0] && ev->offender_is_local != 1 && ev->offender_is_target != 1) {
            /* the host answers other packets: a device that says it is unreachable for TCP
             * 102 alone is a filter answering in the target's place (iptables
             * --reject-with icmp-host-unreachable, nft reject with icmp type
             * host-unreachable) */
            snprintf(finding, fcap,
                     "the SYN was answered with %s from %s, while %s is up (%s): the message "
                     "is a filter's, not the network's",
                     icmp_desc(ev, idesc, sizeof idesc),
                     ev->offender[0] ? ev->offender : "an unknown sender", t, alive);
            snprintf(cause, ccap,
                     "a firewall on the path (%s) rejects TCP 102 to %s with an ICMP "
                     "unreachable message (iptables --reject-with icmp-host-unreachable, nft "
                     "reject with icmp type host-unreachable): %s itself is up",
                     ev->offender[0] ? ev->offender : "its sender unknown", t, t);
            snprintf(fix, xcap,
                     "network team (firewall): ask for the rule that passes TCP 102 from this "
                     "host to %s on %s; the PLC and its cabling are not at fault",
                     t, ev->offender[0] ? ev->offender : "the firewall");
            return S7_DIAG_PORT_REJECTED;
        }
        if (ev->offender_is_local == 1) {
            snprintf(finding, fcap,
                     "no device answers ARP for %s on this segment: the kernel gave up resolving "
                     "it (EHOSTUNREACH after %d ms)",
                     t, ev->syn_ms);
        } else {
            snprintf(finding, fcap, "%s from %s for the SYN", icmp_desc(ev, idesc, sizeof idesc),
                     ev->offender[0] ? ev->offender : "an unknown sender");
        }
        goto host_down;

    case S7__SYN_RST: {
        int tt = target_ttl(ev);
        if (ev->raw && ev->rst_ttl >= 0 && tt >= 0 && ev->rst_ttl != tt) {
            snprintf(finding, fcap,
                     "the SYN was answered with RST, TTL %d, where the target's own answers "
                     "arrive with TTL %d: the RST came from a device on the path",
                     ev->rst_ttl, tt);
            snprintf(cause, ccap,
                     "a firewall on the path rejects TCP 102 to %s with a TCP reset (nftables "
                     "\"reject with tcp reset\", iptables REJECT --reject-with tcp-reset): the "
                     "reset is not the target's",
                     t);
            snprintf(fix, xcap,
                     "network team (firewall): ask for the rule that passes TCP 102 from this "
                     "host to %s; the PLC is not at fault",
                     t);
            return S7_DIAG_PORT_REJECTED;
        }
        if (ev->raw && ev->rst_ttl >= 0 && ev->on_link == 0 &&
            (ev->rst_ttl == 64 || ev->rst_ttl == 128 || ev->rst_ttl == 255)) {
            /* a packet from behind a router arrives with its TTL lowered: one with a TTL
             * as sent came from the gateway or before it, and so did "other answers" with
             * the same TTL (a filter that answers every port) */
            snprintf(finding, fcap,
                     "the SYN was answered with RST, TTL %d: a sender zero hops away, while %s "
                     "is behind the gateway %s: the RST came from the gateway or a device "
                     "before it%s",
                     ev->rst_ttl, t, ev->gateway[0] ? ev->gateway : "(unknown)",
                     tt == ev->rst_ttl ? " (so did the other answers, with the same TTL)" : "");
            snprintf(cause, ccap,
                     "a firewall on the path rejects TCP 102 to %s with a TCP reset: the reset "
                     "did not cross the router in front of the target",
                     t);
            snprintf(fix, xcap,
                     "network team (firewall): ask for the rule that passes TCP 102 from this "
                     "host to %s; the PLC is not at fault",
                     t);
            return S7_DIAG_PORT_REJECTED;
        }
        if (ev->raw && ev->rst_ttl >= 0 && tt >= 0)
            snprintf(finding, fcap,
                     "the SYN was answered with RST (ECONNREFUSED) by the target itself: TTL %d, "
                     "as its other answers (sender verified)",
                     ev->rst_ttl);
        else if (ev->raw && ev->rst_ttl >= 0)
            snprintf(finding, fcap,
                     "the SYN was answered with RST (ECONNREFUSED), TTL %d; the sender could not "
                     "be verified: the target gave no other answer to compare the TTL with",
                     ev->rst_ttl);
        else
            snprintf(finding, fcap,
                     "the SYN was answered with RST (ECONNREFUSED); the sender could not be "
                     "verified (reading the RST's TTL needs a raw socket: root or CAP_NET_RAW), "
                     "so a firewall that rejects with a TCP reset would look the same");
        snprintf(cause, ccap,
                 "%s answers, but nothing listens on TCP port %u at that address: it is not "
                 "the CPU's (or its CP's) Ethernet interface, or the CPU's interface is another "
                 "one",
                 t, ev->port);
        snprintf(fix, xcap,
                 "PLC owner: check the PLC's IP address and that it belongs to the CPU's (or "
                 "CP's) Ethernet interface; S7 listens on TCP port 102 (s7 scan finds the CPUs "
                 "of a subnet)%s",
                 ev->raw && ev->rst_ttl >= 0 && tt >= 0
                     ? ""
                     : "; if the address is right, ask the network team whether a firewall "
                       "rejects the port with a reset");
        return S7_DIAG_PORT_CLOSED;
    }

    case S7__SYN_TIMEOUT:
        if (down[0]) {
            snprintf(finding, fcap, "no answer to the SYN within %d ms, and %s", ev->timeout_ms,
                     down);
            goto host_down;
        }
        if (alive[0] && ev->echo_gaps > 0) {
            /* the host answers, but not every time: a lossy path loses SYNs as well */
            snprintf(finding, fcap,
                     "no answer to the SYN within %d ms (neither SYN-ACK nor RST); the host is "
                     "up (%s) but %d of the first %d echo requests sent to it got no reply: the "
                     "path loses packets",
                     ev->timeout_ms, alive, ev->echo_gaps, ev->echo_upto);
            snprintf(cause, ccap,
                     "the path to %s loses packets (%d of %d echo requests unanswered): the SYN "
                     "to TCP %u and its retransmissions may have been lost the same way; a "
                     "firewall that drops port %u cannot be told apart until the loss is gone",
                     t, ev->echo_gaps, ev->echo_upto, ev->port, ev->port);
            snprintf(fix, xcap,
                     "network team: find the packet loss first (ping -c 50 %s from this segment "
                     "gives the loss figure; then the links' error counters, duplex, cabling, a "
                     "saturated uplink), then run s7 doctor again; only if TCP %u still gets no "
                     "answer without loss ask for the cell firewall rule",
                     t, ev->port);
            return S7_DIAG_PORT_FILTERED;
        }
        if (alive[0]) {
            snprintf(finding, fcap,
                     "no answer to the SYN within %d ms (neither SYN-ACK nor RST), while the "
                     "host is up: %s",
                     ev->timeout_ms, alive);
            snprintf(cause, ccap,
                     "port %u is filtered on the path: %s is up (%s) but its TCP %u does not "
                     "answer: a firewall between the cells silently drops it",
                     ev->port, t, alive, ev->port);
            snprintf(fix, xcap,
                     "network team (firewall): ask for the cell firewall rule that passes TCP %u "
                     "from this host to %s; test reachability of port %u from the client segment "
                     "(nc -vz %s %u) before touching PLC logic",
                     ev->port, t, ev->port, t, ev->port);
            return S7_DIAG_PORT_FILTERED;
        }
        if (ev->on_link == 1 && ev->neigh == S7__NEIGH_OLD) {
            /* on the segment, an ARP entry from before the check, no ARP of our own */
            snprintf(finding, fcap,
                     "no answer to the SYN within %d ms (neither SYN-ACK nor RST); this "
                     "machine's ARP entry of %s was last confirmed %d s before the check, which "
                     "proves nothing of now, and no other probe proved it alive or down",
                     ev->timeout_ms, t, ev->neigh_age_ms / 1000);
            snprintf(cause, ccap,
                     "the device at %s went off or away a moment ago (its ARP entry here "
                     "outlives it by up to a minute), or a filter on it drops everything; the "
                     "evidence tells neither",
                     t);
            snprintf(fix, xcap,
                     "run the check again as root (its own ARP requests tell whether a device "
                     "holds %s now) or after a minute (the old entry gone); then whoever owns "
                     "the CPU: is it powered and at that address",
                     t);
            return S7_DIAG_NO_ANSWER;
        }
        snprintf(finding, fcap,
                 "no answer to the SYN within %d ms (neither SYN-ACK nor RST), and no probe "
                 "could prove the host alive or down (no echo reply, no other port answered, no "
                 "router reported it unreachable%s)",
                 ev->timeout_ms,
                 ev->on_link == 1 ? "" : "; it is behind a gateway, so ARP cannot be seen");
        snprintf(cause, ccap,
                 "either a firewall drops everything to %s (TCP 102, ping and the other ports "
                 "alike) or the host is down behind a router that does not report it: the "
                 "evidence tells neither",
                 t);
        snprintf(fix, xcap,
                 "ask the network team whether a firewall drops traffic to %s (and for the rule "
                 "that passes TCP 102 from this host), and whoever owns the CPU whether it is "
                 "powered and at that address; test from the CPU's own segment (ping, "
                 "nc -vz %s 102) to tell the two apart",
                 t, t);
        return S7_DIAG_NO_ANSWER;

    default: break;
    }
    if (ev->source[0] && (ev->syn_errno == EADDRNOTAVAIL || ev->syn_errno == EINVAL)) {
        snprintf(finding, fcap,
                 "this machine does not hold the source address %s the check was to be sent "
                 "from (EADDRNOTAVAIL): no SYN was sent",
                 ev->source);
        snprintf(cause, ccap,
                 "the check was asked to run from %s, an address this machine (or this network "
                 "namespace) does not have",
                 ev->source);
        snprintf(fix, xcap,
                 "run it on the machine that holds %s, or inside the network namespace that "
                 "does (ip netns exec NS ...), or without naming a source",
                 ev->source);
        return S7_DIAG_NO_ROUTE;
    }
    snprintf(finding, fcap, "connect failed with errno %d", ev->syn_errno);
    snprintf(cause, ccap, "this machine could not send the SYN to %s", t);
    snprintf(fix, xcap, "check this machine's network configuration (ip addr, ip route)");
    return S7_DIAG_NO_ROUTE;

host_down:
    snprintf(cause, ccap,
             "no device answers at %s%s: the CPU is powered off, its IP address is another one, "
             "or its cable, switch port or VLAN does not reach this segment",
             t,
             ev->offender_is_local == 1 || (ev->on_link == 1 && (ev->neigh == S7__NEIGH_FAILED ||
                                                                 ev->arp == S7__LIVE_NONE))
                 ? " (ARP on this segment got no answer)"
                 : " (a router reports it unreachable)");
    snprintf(fix, xcap,
             "cabling, power and IP of the CPU: check that it is powered and in RUN, its IP "
             "address (display or TIA Portal: accessible devices), its cable and link LED, the "
             "switch port and VLAN; a firewall is not the cause");
    return S7_DIAG_HOST_UNREACHABLE;
}
