/* The cause and fix of a connection that fails after the partner served it
 * (include/s7/explain.h s7_err_explain_served).  Its address, port and TSAPs were right then,
 * so the first-contact wording of s7_err_explain ("wrong IP address", "not accepted by its
 * connection table") would send a user to the wrong place: what changed is the partner or the
 * way to it. */
#include "s7/explain.h"
#include "s7/wire.h"
#include "util/text.h"

int s7_err_explain_served(int err, const s7_err_ctx *ctx, char *cause, size_t cause_cap, char *fix,
                          size_t fix_cap)
{
    static const s7_err_ctx none;
    if (!ctx)
        ctx = &none;
    const char *host = ctx->host && ctx->host[0] ? ctx->host : "the partner";
    unsigned port = ctx->port ? ctx->port : 102;
    s7__errf(cause, cause_cap, "%s", "");
    s7__errf(fix, fix_cap, "%s", "");
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
                 host);
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
                 host);
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
                 host);
        return 1;
    default: return 0;
    }
}
