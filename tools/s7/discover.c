/* s7 discover HOST: which rack/slot, connection type or TSAP pair the CPU accepts (libs7's
 * s7_discover: one connection at a time, each closed before the next), and the options to
 * use with every other s7 command. */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "s7/diag.h"

const char discover_help[] =
    "Tries rack 0 with slots 1, 2, 3 and 0 and the connection types PG, OP and S7 basic, then\n"
    "the LOGO! TSAP pairs (0100:0200, 1000:2000) and the S7-200 CP243-1 pair (1000:1001), one\n"
    "connection at a time, each closed (and its close seen by the CPU) before the next, so a\n"
    "CPU with few free connections is not exhausted.  Prints every attempt, the CPU's identity\n"
    "and, on the last line, the options to use:\n"
    "  use: --rack 0 --slot 2 --type pg        or        use: --tsap 0100:0200\n"
    "A pair works when the CPU accepts the connection request (CC), the S7 setup succeeds\n"
    "and a test read of MB0 is answered as the protocol has it (data, an item error or a\n"
    "refusal such as 0x8104 PUT/GET off); a pair whose setup fails, or whose test read gets a\n"
    "malformed reply or none, is listed as failed with the reason and never recommended.\n"
    "The pair to use first: a LOGO! pair when the CPU says it is a LOGO!, else the first\n"
    "rack/slot that works (slots in the order 1, 2, 3, 0; PG before OP before S7 basic).\n"
    "--json prints {tcp, use, best, cpu, working, tries, ms} (docs/json.md).\n"
    "Exit codes: 0 a pair works; 2 usage error; 3 no pair works (every CR refused, every S7\n"
    "setup or test read failed), or the TCP port is closed or filtered.\n"
    "--rack, --slot, --type and --tsap do not apply (discover tries them all).\n"
    "Options:\n"
    "  --timeout MS  per attempt (default 3000); --json; --trace (every frame on stderr)\n\n"
    "Example:\n"
    "  s7 discover 192.168.0.1\n\n";

/* What became of an attempt, in words (buf). */
static const char *result_text(const s7_diag_alt *a, char *buf, size_t cap)
{
    if (a->result == 0)
        snprintf(buf, cap, "works: accepted, S7 setup and a test read answered, PDU %u", a->pdu);
    else if (a->setup_ok)
        snprintf(buf, cap, "failed: accepted, S7 setup done (PDU %u), the test read failed: %s",
                 a->pdu, s7_strerror(a->result));
    else if (a->result == S7_ERR_NEGOTIATION)
        snprintf(buf, cap, "failed: accepted (CC), the S7 setup failed");
    else if (a->result == S7_ERR_CR_REJECTED)
        snprintf(buf, cap, "refused");
    else
        snprintf(buf, cap, "failed: %s", s7_strerror(a->result));
    return buf;
}

int cmd_discover(cli *c)
{
    s7_client_opts def;
    s7_discover_result r;
    char args[64];
    s7_client_opts_init(&def);
    if (c->copts.rack != def.rack || c->copts.slot != def.slot || c->copts.type != def.type ||
        c->copts.remote_tsap) {
        return cli_usage_error(c->cmd,
                               "s7 discover tries every rack/slot, type and TSAP pair itself: "
                               "leave out --rack, --slot, --type and --tsap");
    }
    s7_diag_report rep;
    int n = s7_discover_net(c->host, c->port, c->copts.connect_timeout_ms, &r, &rep);
    if (n < 0) {
        fprintf(stderr, "error: discover could not run: %s\n", s7_strerror(n));
        return CLI_FAIL;
    }
    if (c->json) {
        char *j = s7_discover_json(&r);
        if (!j) {
            fprintf(stderr, "error: out of memory\n");
            s7_diag_report_free(&rep);
            return CLI_FAIL;
        }
        printf("%s\n", j);
        free(j);
    }
    /* who acts on an unanswered or refused SYN is the doctor's call (a host that is off is
     * not a firewall's fault, nor a firewall's reset the PLC's): the first connection was its
     * network step, with its probes alongside the one SYN */
    const s7_diag_check *f = r.tcp ? s7_diag_report_failed(&rep) : NULL;
    if (f && strcmp(f->id, "tcp") == 0) {
        fprintf(stderr,
                "error: no TCP connection to %s port %u, so no TSAP could be tried: %s (%s)\n"
                "  cause: %s\n  fix: %s\n  who acts: %s\n",
                c->host, c->port, s7_diag_verdict_name(rep.verdict),
                s7_diag_verdict_text(rep.verdict), f->cause, f->fix, s7_diag_report_team(&rep));
        s7_diag_report_free(&rep);
        return CLI_NOCONN;
    }
    s7_diag_report_free(&rep);
    if (r.tcp) {
        cli_why w;
        cli_why_err(c, NULL, r.tcp, "connection", &w);
        cli_report(&w);
        return CLI_NOCONN;
    }
    if (!c->json) {
        printf("s7 discover %s port %u: %zu attempts in %d ms, %d work%s\n", c->host, c->port,
               r.ntries, r.total_ms, n, n == 1 ? "s" : "");
        for (size_t i = 0; i < r.ntries; i++) {
            const s7_diag_alt *a = &r.tries[i];
            char what[48];
            if (a->kind == S7_DIAG_ALT_RACKSLOT)
                snprintf(what, sizeof what, "rack %u slot %u %-8s", a->rack, a->slot,
                         a->type == 1   ? "PG"
                         : a->type == 2 ? "OP"
                                        : "S7 basic");
            else
                snprintf(what, sizeof what, "%-22s",
                         a->kind == S7_DIAG_ALT_LOGO ? "LOGO! pair" : "S7-200 pair");
            char res[160];
            printf("  %s %s TSAPs %04X:%04X  %4d ms  %s\n",
                   a->result == 0 ? "\xE2\x9C\x93" : "\xE2\x9C\x97", what, a->local_tsap,
                   a->remote_tsap, a->ms, result_text(a, res, sizeof res));
        }
        if (r.have_identity)
            printf("CPU: %s (%s, firmware %s)\n",
                   r.identity.module_type[0] ? r.identity.module_type : r.identity.module_name,
                   r.identity.order_code, r.identity.version[0] ? r.identity.version : "?");
        if (r.best >= 0)
            printf("use: %s\n", s7_diag_alt_args(&r.tries[r.best], args, sizeof args));
    }
    if (r.best < 0) {
        int cc = 0, setup = 0;
        const s7_diag_alt *first_cc = NULL;
        for (size_t i = 0; i < r.ntries; i++) {
            const s7_diag_alt *a = &r.tries[i];
            if (a->setup_ok) {
                setup++;
                first_cc = first_cc ? first_cc : a;
            } else if (a->result == S7_ERR_NEGOTIATION) {
                cc++;
                first_cc = first_cc ? first_cc : a;
            }
        }
        size_t foreign = 0, silent = 0;
        for (size_t i = 0; i < r.ntries; i++) {
            foreign += r.tries[i].result == S7_ERR_TPKT || r.tries[i].result == S7_ERR_COTP;
            silent += r.tries[i].result == S7_ERR_TIMEOUT;
        }
        if (!cc && !setup && r.ntries && foreign == r.ntries) {
            fprintf(stderr,
                    "error: %s port %u answers, but not with ISO-on-TCP (%s): it is not an S7 "
                    "CPU\n"
                    "  cause: another service listens on port %u (a web server, an echo, a port "
                    "forwarder to something else)\n"
                    "  fix: check that %s is the CPU's (or its CP's) address; s7 scan finds the "
                    "S7 CPUs of a subnet\n",
                    c->host, c->port, s7_strerror(r.tries[0].result), c->port, c->host);
            return CLI_NOCONN;
        }
        if (!cc && !setup && r.ntries && silent == r.ntries) {
            fprintf(stderr,
                    "error: %s accepts TCP on port %u but answered none of the connection "
                    "requests tried\n"
                    "  cause: not an S7 CPU (another service on the port), a hung device, or a "
                    "path that passes the TCP handshake but drops the data after it (a firewall "
                    "filtering by content)\n"
                    "  fix: s7 doctor %s tells the device from the path (it sees whether the "
                    "request reached the partner's TCP)\n",
                    c->host, c->port, c->target);
            return CLI_NOCONN;
        }
        if (!cc && !setup) {
            fprintf(stderr,
                    "error: %s accepts TCP on port %u but refused every connection request "
                    "tried\n"
                    "  cause: all its connection resources are in use, this partner is not "
                    "allowed, or it is not an S7 CPU\n"
                    "  fix: free connections (stop clients that leak them) and run s7 discover "
                    "again; s7 doctor %s explains more\n",
                    c->host, c->port, c->target);
            return CLI_NOCONN;
        }
        fprintf(stderr,
                "error: no TSAP pair works with %s port %u: %d accepted the connection request "
                "but failed the S7 setup, %d failed the test read after the setup; nothing is "
                "recommended\n"
                "  cause: the partner accepts ISO connections but does not hold an S7 session as "
                "the protocol has it (not an S7 CPU, or a device whose answers s7kit does not "
                "accept)\n"
                "  fix: check that the address is the CPU's; s7 doctor %s %s shows the exchange "
                "of one of them with the evidence\n",
                c->host, c->port, cc, setup, c->target,
                s7_diag_alt_args(first_cc, args, sizeof args));
        return CLI_NOCONN;
    }
    return CLI_OK;
}
