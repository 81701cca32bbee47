/* The cause and the fix of library errors (S7_ERR_*), in one wording for every caller: the
 * command line's error messages and the doctor's checks, and for a partner that served before
 * (s7 exchange, inventory monitor) (include/s7/explain.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/host.h"
#include "s7/explain.h"
#include "s7/wire.h"
#include "util/text.h"

/* Both texts emptied; the context (an empty one for NULL), its host ("the partner" when
 * none) and port (102 when 0). */
static const s7_err_ctx *begin(const s7_err_ctx *ctx, const char **host, unsigned *port,
                               char *cause, size_t cause_cap, char *fix, size_t fix_cap)
{
    static const s7_err_ctx none;
    if (!ctx)
        ctx = &none;
    *host = ctx->host && ctx->host[0] ? ctx->host : "the partner";
    *port = ctx->port ? ctx->port : 102;
    s7__errf(cause, cause_cap, "%s", "");
    s7__errf(fix, fix_cap, "%s", "");
    return ctx;
}

/* The target as s7 doctor / s7 discover take it on their command line: the host alone for
 * port 102, else HOST:PORT ([ADDR]:PORT for an IPv6 address), so the command a fix names
 * checks the port that failed. */
static const char *cmd_target(const s7_err_ctx *ctx, const char *host, unsigned port, char *buf,
                              size_t cap)
{
    if (port == 102 || !ctx->host || !ctx->host[0])
        return host;
    if (strchr(host, ':'))
        snprintf(buf, cap, "[%s]:%u", host, port);
    else
        snprintf(buf, cap, "%s:%u", host, port);
    return buf;
}

int s7_err_explain(int err, const s7_err_ctx *ctx, char *cause, size_t cause_cap, char *fix,
                   size_t fix_cap)
{
    const char *host;
    unsigned port;
    char tbuf[320];
    ctx = begin(ctx, &host, &port, cause, cause_cap, fix, fix_cap);
    const char *tgt = cmd_target(ctx, host, port, tbuf, sizeof tbuf);

    switch (err) {
    case S7_ERR_RESOLVE:
        if (ctx->host && s7__host_check(ctx->host, NULL, 0) == S7_ERR_RESOLVE) {
            s7__errf(cause, cause_cap,
                     "'%s' is made of numbers and dots but is not four decimal numbers 0..255: "
                     "the system resolver reads such forms as other addresses (1.2.3 as 1.2.0.3, "
                     "a leading 0 as octal, 0x as hex) or looks them up as names, so s7kit does "
                     "not dial it",
                     ctx->host);
            s7__errf(fix, fix_cap,
                     "write the PLC's IPv4 address as four decimal numbers 0..255 without leading "
                     "zeros, e.g. 192.168.0.1, or give its host name");
            return 1;
        }
        s7__errf(cause, cause_cap,
                 "the host name is not known to DNS or /etc/hosts on this machine");
        s7__errf(fix, fix_cap, "check the spelling, or give the PLC's IP address");
        return 1;
    case S7_ERR_UNREACH:
        s7__errf(
            cause, cause_cap,
            "there is no route from this machine to %s: the address is on a network this machine "
            "cannot reach (routing, subnet mask, gateway, cable), or a router answered host "
            "unreachable, or a firewall rejected the connection with ICMP administratively "
            "prohibited (reported the same way)",
            host);
        s7__errf(fix, fix_cap,
                 "check the IP address and this machine's route to it (ip route get %s); check the "
                 "cable and the subnet of both ends; s7 doctor %s names who answered and how "
                 "(router, firewall or nobody)",
                 host, tgt);
        return 1;
    case S7_ERR_REFUSED:
        s7__errf(cause, cause_cap,
                 "port %u was refused by %s: nothing listens on that port there (wrong IP "
                 "address, or the address is not the one of the CPU's or CP's Ethernet "
                 "interface), or a firewall on the path rejects the port (its TCP reset or ICMP "
                 "port unreachable looks the same from here)",
                 port, host);
        s7__errf(fix, fix_cap,
                 "s7 doctor %s tells which and names who acts; where nothing listens, check the "
                 "PLC's IP address in its hardware configuration and that this address belongs "
                 "to the CPU's or CP's Ethernet interface; S7 listens on TCP port 102",
                 tgt);
        return 1;
    case S7_ERR_CONNECT_TIMEOUT:
        if (ctx->sys_errno == EPERM || ctx->sys_errno == EACCES)
            s7__errf(cause, cause_cap,
                     "port %u is filtered on this host: a local packet filter (nftables/iptables "
                     "OUTPUT) rejects connections to %s",
                     port, host);
        else
            s7__errf(cause, cause_cap,
                     "no answer to the TCP connection request to port %u: the host is off or not "
                     "on this network, or a firewall on the path silently drops the port (the "
                     "timeout alone cannot tell which)",
                     port);
        s7__errf(fix, fix_cap,
                 "s7 doctor %s tells which (it asks ARP, pings and tries other ports) and names "
                 "who acts; a firewall needs the cell rule that passes TCP %u from this host to "
                 "%s (test with nc -vz %s %u from the client segment) before anyone touches PLC "
                 "logic",
                 tgt, port, host, host, port);
        return 1;
    case S7_ERR_CR_REJECTED:
        s7__errf(cause, cause_cap,
                 "wrong rack/slot or TSAP, or no free connection resource of this type (PG/OP/S7 "
                 "basic): stale clients hold connections until TCP keepalive ends them; or an "
                 "access policy in front of the CPU (s7 guard, a CP's access list) does not "
                 "admit this client");
        s7__errf(
            fix, fix_cap,
            "s7 discover %s finds the rack/slot, connection type or TSAP pair the CPU accepts, "
            "and s7 doctor %s tells a wrong rack/slot from used-up connections; by hand: try "
            "--rack 0 --slot 1 for S7-1200/1500, --slot 2 for S7-300; LOGO!/S7-200 need their "
            "TSAP pair, e.g. --tsap 0100:0200 (LOGO!) or --tsap 1000:1001 (S7-200 CP243-1); try "
            "another connection type (--type op or --type basic); close leaked connections",
            tgt, tgt);
        return 1;
    case S7_ERR_NEGOTIATION:
        s7__errf(
            cause, cause_cap,
            "the partner accepted the ISO connection but not the S7 setup: it may not be an S7 "
            "CPU, "
            "or it rejects the requested PDU size");
        s7__errf(fix, fix_cap, "check that the target is an S7 CPU; try --pdu 240");
        return 1;
    case S7_ERR_TIMEOUT:
        s7__errf(
            cause, cause_cap,
            "the partner accepted the TCP connection but did not answer in time (the connection "
            "request, the S7 setup or a request): an overloaded CPU, a slow or lossy network, or "
            "a device that ignores the request");
        s7__errf(
            fix, fix_cap,
            "retry with a larger timeout (--timeout in the s7 tool)%s; check the network path for "
            "packet loss; if it repeats, capture the exchange with --trace and report it",
            ctx->timeout_ms > 0 ? " than the one that ran out" : "");
        return 1;
    case S7_ERR_CLOSED:
        s7__errf(
            cause, cause_cap,
            "the partner dropped the connection: a CPU restart, a cable, another client taking the "
            "resource, or a frame it did not accept (S7-1500 drops replies larger than the TPDU "
            "size)");
        s7__errf(fix, fix_cap, "run the command again; if it repeats, try --pdu 240");
        return 1;
    case S7_ERR_IO:
        s7__errf(cause, cause_cap, "the operating system reported a network error");
        s7__errf(fix, fix_cap, "check the network interface and retry");
        return 1;
    case S7_ERR_SOURCE:
        s7__errf(cause, cause_cap,
                 "the source address to connect from is not an address of this machine (or "
                 "not of the target's address family)");
        s7__errf(fix, fix_cap,
                 "run from the machine (or network namespace) that holds it, e.g. ip netns exec "
                 "NS ..., or connect without a source address");
        return 1;
    case S7_ERR_TPKT:
    case S7_ERR_COTP:
    case S7_ERR_S7HDR:
    case S7_ERR_PARAM:
    case S7_ERR_PDUREF:
    case S7_ERR_PROTO:
        s7__errf(
            cause, cause_cap,
            "the partner is not an S7 CPU, or its firmware sends frames s7kit does not accept");
        s7__errf(fix, fix_cap, "capture the exchange with --trace and report it");
        return 1;
    default: return 0;
    }
}

const char *s7_area_text(uint8_t area)
{
    switch (area) {
    case S7_AREA_I: return "the input (I) area";
    case S7_AREA_Q: return "the output (Q) area";
    case S7_AREA_M: return "the memory (M) area";
    case S7_AREA_T: return "the timer (T) area";
    case S7_AREA_C: return "the counter (C) area";
    case S7_AREA_P: return "the peripheral (P) area";
    case S7_AREA_DI: return "the instance DB (DI) area";
    default: return "this area";
    }
}

int s7_item_explain(uint8_t rc, uint8_t area, uint16_t db, unsigned flags, char *cause,
                    size_t cause_cap, char *fix, size_t fix_cap)
{
    int is_db = area == S7_AREA_DB || area == S7_AREA_DI;
    if (rc == S7_RC_NOT_FOUND && is_db) {
        s7__errf(cause, cause_cap, "DB%u does not exist on the CPU", db);
        s7__errf(fix, fix_cap,
                 "check the DB number against the CPU's program, or download DB%u to the CPU", db);
        return 1;
    }
    if (rc == S7_RC_NOT_FOUND && (area == S7_AREA_T || area == S7_AREA_C)) {
        s7__errf(cause, cause_cap,
                 "%s is not available on this CPU (S7-1200/1500 have no T/C areas over PUT/GET)",
                 s7_area_text(area));
        s7__errf(
            fix, fix_cap,
            "copy the timer/counter values into a DB in the PLC program and read the DB instead");
        return 1;
    }
    if (rc == S7_RC_NOT_FOUND) {
        s7__errf(cause, cause_cap, "%s is not available on this CPU", s7_area_text(area));
        s7__errf(fix, fix_cap, "use an area the CPU offers (DB, I, Q, M)");
        return 1;
    }
    if (rc == S7_RC_ADDR_OUT_OF_RANGE && is_db && (flags & S7_ITEM_EX_OFFSET0)) {
        s7__errf(
            cause, cause_cap,
            "DB%u exists but even offset 0 is out of range: it has optimized block access (or is "
            "empty)",
            db);
        s7__errf(fix, fix_cap,
                 "untick \"Optimized block access\" in DB%u's properties (TIA Portal: Attributes), "
                 "compile and download the DB; or read a DB that is not optimized",
                 db);
        return 1;
    }
    const s7_explain *e = s7_explain_code(S7_EX_ITEM, rc);
    s7__errf(cause, cause_cap, "%s", e->cause[0] ? e->cause : e->text);
    s7__errf(fix, fix_cap, "%s", e->fix[0] ? e->fix : "check the address against the CPU");
    return 0;
}

/* A partner that served this address, port and TSAPs before: its address was right then, so
 * the first-contact wording above ("wrong IP address", "not accepted by its connection
 * table") would send a user to the wrong place; what changed is the partner or the way to
 * it. */
int s7_err_explain_served(int err, const s7_err_ctx *ctx, char *cause, size_t cause_cap, char *fix,
                          size_t fix_cap)
{
    const char *host;
    unsigned port;
    char tbuf[320];
    ctx = begin(ctx, &host, &port, cause, cause_cap, fix, fix_cap);
    const char *tgt = cmd_target(ctx, host, port, tbuf, sizeof tbuf);
    switch (err) {
    case S7_ERR_REFUSED:
        s7__errf(cause, cause_cap,
                 "%s port %u refused the connection (TCP RST) but served it before: the CPU or "
                 "its CP is restarting (hardware download, power cycle, firmware update), or "
                 "another device took its IP address (an address conflict)",
                 host, port);
        s7__errf(fix, fix_cap,
                 "wait: the connection is tried again by itself; if it lasts, look at the CPU's "
                 "display or web server and for a second device on the address (arping -D %s)",
                 host);
        return 1;
    case S7_ERR_CONNECT_TIMEOUT:
        s7__errf(cause, cause_cap,
                 "no answer to the connection attempt, but %s served it before: the CPU is off "
                 "or restarting, its cable or switch port is down, or a firewall now drops TCP "
                 "port %u",
                 host, port);
        s7__errf(fix, fix_cap,
                 "check the CPU's power and link and the switch port on the way; when the CPU "
                 "is up, s7 doctor %s tells a firewall from the device",
                 tgt);
        return 1;
    case S7_ERR_UNREACH:
        s7__errf(cause, cause_cap,
                 "%s cannot be reached (no route, or no answer to ARP), but it was reached "
                 "before: the CPU is off or its link is down, or a router on the way lost its "
                 "route",
                 host);
        s7__errf(fix, fix_cap,
                 "check the CPU's power and link; if it is up, s7 doctor %s shows where the "
                 "path ends",
                 tgt);
        return 1;
    case S7_ERR_CR_REJECTED:
        s7__errf(cause, cause_cap,
                 "%s refused the connection request it accepted before: its connection "
                 "resources are used up by other partners now, or its configuration changed "
                 "(rack/slot, TSAPs, the connection table)",
                 host);
        s7__errf(fix, fix_cap,
                 "s7 doctor %s shows the CPU's free connection resources; free one (an HMI or a "
                 "PG connected too) or raise the CPU's budget",
                 tgt);
        return 1;
    default: return 0;
    }
}
