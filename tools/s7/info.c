/* s7 info HOST: what a CPU tells about itself: identity (SZL 0x0011 / 0x001C), state
 * (0x0424), the negotiated PDU and AmQ, the TSAPs, protection level and connection capacity
 * and use where the CPU answers them (0x0232, 0x0131, 0x0132), and whether PUT/GET access is
 * permitted (a one-byte read of MB0). */
#include <stdlib.h>
#include <string.h>

#include "common.h"
#include "s7/diag.h"

static const char *state_name(int st)
{
    switch (st) {
    case S7_CPU_RUN: return "RUN";
    case S7_CPU_STOP: return "STOP";
    default: return "unknown";
    }
}

static const char *protection_name(int lvl)
{
    switch (lvl) {
    case 1: return "no protection";
    case 2: return "write protection";
    case 3: return "read/write protection";
    default: return "unknown level";
    }
}

static const char *switch_name(int pos)
{
    switch (pos) {
    case 1: return "RUN";
    case 2: return "RUN-P";
    case 3: return "STOP";
    case 4: return "MRES";
    default: return "not determined";
    }
}

/* What a question the CPU did not answer got instead, into buf, and the error object of the
 * JSON output into w (read right after the call that failed):
 *   "not supported by this CPU: PLC error 0xD402 SZL_NOT_AVAILABLE (...)"  the CPU's own
 *                                          answer that it does not offer the list (D401/D402)
 *   "malformed answer: SZL 0x0011 ..."     an answer that does not conform (peer error)
 *   "PLC error 0x.... NAME (...)" or the library error's text otherwise. */
static void err_text(const cli *c, s7_client *s, int err, char *buf, size_t cap, cli_why *w)
{
    const s7_explain *e = s7_client_last_error(s);
    const char *why = s7_client_peer_problem(s);
    memset(w, 0, sizeof *w);
    w->name = s7_err_name(err);
    snprintf(w->id, sizeof w->id, "%s", s7_err_id(err));
    if (err == S7_ERR_PLC && e && (e->code == 0xD401 || e->code == 0xD402))
        snprintf(buf, cap, "not supported by this CPU: PLC error 0x%04X %s (%s)", e->code, e->name,
                 e->text);
    else if (err == S7_ERR_PLC && e && e->code)
        snprintf(buf, cap, "PLC error 0x%04X %s (%s)", e->code, e->name, e->text);
    else if (err == S7_ERR_ITEM && e && e->code)
        snprintf(buf, cap, "item error 0x%02X %s (%s)", e->code, e->name, e->text);
    else if (why[0])
        snprintf(buf, cap, "malformed answer: %s", why);
    else if (err == S7_ERR_PARAM || err == S7_ERR_PROTO || err == S7_ERR_S7HDR)
        snprintf(buf, cap, "malformed answer: %s", s7_strerror(err));
    else
        snprintf(buf, cap, "%s", s7_strerror(err));
    if ((err == S7_ERR_PLC || err == S7_ERR_ITEM) && e && e->code) {
        w->name = e->name;
        s7_explain_id(e, w->id, sizeof w->id);
        snprintf(w->code, sizeof w->code, err == S7_ERR_ITEM ? "0x%02X" : "0x%04X", e->code);
        snprintf(w->cause, sizeof w->cause, "%s", e->cause);
        snprintf(w->fix, sizeof w->fix, "%s", e->fix);
    } else {
        s7_err_ctx ex = {
            .host = c->host, .port = c->port, .timeout_ms = c->copts.request_timeout_ms};
        s7_err_explain(err, &ex, w->cause, sizeof w->cause, w->fix, sizeof w->fix);
    }
    snprintf(w->what, sizeof w->what, "%s", buf);
}

/* A question not answered, and why: "not supported by this CPU: ..." and "malformed answer:
 * ..." as they are, anything else after "not answered: " ("" just that). */
static void unanswered(char *buf, size_t cap, const char *why)
{
    if (!why[0])
        snprintf(buf, cap, "not answered");
    else if (strncmp(why, "malformed", 9) == 0 || strncmp(why, "not supported", 13) == 0)
        snprintf(buf, cap, "%s", why);
    else
        snprintf(buf, cap, "not answered: %s", why);
}

static void line(const char *key, const char *val)
{
    printf("%-18s %s\n", key, val && *val ? val : "-");
}

static void json_int(const char *key, int val, int valid, int comma)
{
    printf("%s\"%s\": ", comma ? ", " : "", key);
    if (valid)
        printf("%d", val);
    else
        fputs("null", stdout);
}

static void json_err(const char *key, const cli_why *w, int set, int comma)
{
    printf("%s\"%s\": ", comma ? ", " : "", key);
    if (set)
        cli_json_error(stdout, w);
    else
        fputs("null", stdout);
}

int cmd_info(cli *c)
{
    int rc, r_id, r_st, r_caps, r_pg, st = S7_CPU_UNKNOWN, put_get = -1;
    s7_cpu_info ci;
    s7_cpu_caps caps;
    char id_err[480] = "", st_err[480] = "", caps_err[480] = "", pg_err[480] = "";
    char buf[600], tgt[300];
    uint16_t lt = 0, rt = 0;
    uint8_t b;
    cli_why pgw, idw, stw, capw, pgew;
    s7_client *s = cli_connect(c, &rc);
    if (!s)
        return rc;

    memset(&ci, 0, sizeof ci);
    memset(&caps, 0, sizeof caps);
    memset(&pgw, 0, sizeof pgw);
    memset(&idw, 0, sizeof idw);
    memset(&stw, 0, sizeof stw);
    memset(&capw, 0, sizeof capw);
    memset(&pgew, 0, sizeof pgew);
    caps.max_pdu = caps.max_connections = caps.used_connections = -1;
    caps.protection_level = caps.protection_switch = -1;

    r_id = s7_client_cpu_info(s, &ci);
    if (r_id < 0)
        err_text(c, s, r_id, id_err, sizeof id_err, &idw);
    r_st = s7_client_cpu_state(s, &st);
    if (r_st < 0)
        err_text(c, s, r_st, st_err, sizeof st_err, &stw);
    r_caps = s7_client_cpu_caps(s, &caps);
    if (r_caps < 0)
        err_text(c, s, r_caps, caps_err, sizeof caps_err, &capw);
    /* PUT/GET permitted? One byte of MB0: 0x8104 means no; any item answer means yes. */
    r_pg = s7_client_read_area(s, S7_AREA_M, 0, 0, &b, 1);
    if (r_pg >= 0 || r_pg == S7_ERR_ITEM) {
        put_get = 1;
    } else if (r_pg == S7_ERR_PLC && s7_client_last_error(s) &&
               s7_client_last_error(s)->code == 0x8104) {
        put_get = 0;
        cli_why_err(c, s, r_pg, "read", &pgw);
    } else {
        err_text(c, s, r_pg, pg_err, sizeof pg_err, &pgew);
    }
    s7_client_tsaps(s, &lt, &rt);
    if (strchr(c->host, ':'))
        snprintf(tgt, sizeof tgt, "[%s]:%u", c->host, c->port);
    else
        snprintf(tgt, sizeof tgt, "%s:%u", c->host, c->port);

    if (c->json) {
        char *cpu = s7_cpu_info_json(&ci, r_st >= 0 ? st : S7_CPU_UNKNOWN);
        fputs("{\"host\": ", stdout);
        cli_json_str(stdout, c->host);
        snprintf(buf, sizeof buf, "%04X:%04X", lt, rt);
        printf(", \"port\": %u, \"tsap\": \"%s\",\n \"cpu\": %s,\n", c->port, buf,
               cpu ? cpu : "null");
        free(cpu);
        printf(" \"session\": {\"pdu\": %u, \"pdu_requested\": %u, \"amq\": %u},\n",
               s7_client_pdu(s), c->copts.pdu_request, s7_client_amq(s));
        fputs(" \"protection\": {", stdout);
        json_int("level", caps.protection_level, caps.protection_level >= 0, 0);
        json_int("switch", caps.protection_switch, caps.protection_switch >= 0, 1);
        fputs("},\n \"connections\": {", stdout);
        json_int("max", caps.max_connections, caps.max_connections >= 0, 0);
        json_int("used", caps.used_connections, caps.used_connections >= 0, 1);
        json_int("max_pdu", caps.max_pdu, caps.max_pdu >= 0, 1);
        char *imp = s7_cpu_caps_implausible_json(&caps, s7_client_pdu(s));
        printf("},\n \"implausible\": %s", imp ? imp : "[]");
        free(imp);
        printf(",\n \"put_get\": %s,\n \"errors\": {", put_get < 0 ? "null"
                                                       : put_get   ? "true"
                                                                   : "false");
        json_err("identity", &idw, id_err[0] != 0, 0);
        json_err("state", &stw, st_err[0] != 0, 1);
        json_err("caps", &capw, caps_err[0] != 0, 1);
        json_err("put_get", put_get == 0 ? &pgw : &pgew, put_get == 0 || pg_err[0], 1);
        fputs("}}\n", stdout);
    } else {
        line("target", tgt);
        if (r_id < 0 && !ci.order_code[0]) {
            unanswered(buf, sizeof buf, id_err);
            line("identity", buf);
        } else {
            line("order code", ci.order_code);
            line("firmware", ci.version);
            line("module type", ci.module_type);
            line("module name", ci.module_name);
            line("system name", ci.as_name);
            line("plant id", ci.plant_id);
            line("copyright", ci.copyright);
            line("serial number", ci.serial);
        }
        if (r_st >= 0)
            line("cpu state", state_name(st));
        else {
            unanswered(buf, sizeof buf, st_err);
            line("cpu state", buf);
        }
        snprintf(buf, sizeof buf, "%u bytes (requested %u)", s7_client_pdu(s),
                 c->copts.pdu_request);
        line("pdu size", buf);
        snprintf(buf, sizeof buf, "%u", s7_client_amq(s));
        line("jobs in flight", buf);
        snprintf(buf, sizeof buf, "local %04X, remote %04X", lt, rt);
        line("tsaps", buf);
        unsigned bad = s7_cpu_caps_implausible(&caps, s7_client_pdu(s));
        char why[160];
        if (caps.protection_level >= 0) {
            if (bad & S7_CAPS_PROT_LEVEL)
                snprintf(
                    buf, sizeof buf, "%d (implausible: %s)", caps.protection_level,
                    s7_cpu_caps_why(&caps, s7_client_pdu(s), S7_CAPS_PROT_LEVEL, why, sizeof why));
            else
                snprintf(buf, sizeof buf, "%d (%s)", caps.protection_level,
                         protection_name(caps.protection_level));
            line("protection", buf);
        } else {
            unanswered(buf, sizeof buf, caps_err);
            line("protection", buf);
        }
        if (caps.protection_switch >= 0) {
            snprintf(buf, sizeof buf, "%d (%s)", caps.protection_switch,
                     switch_name(caps.protection_switch));
            line("mode switch", buf);
        }
        if (caps.max_connections >= 0 && caps.used_connections >= 0)
            snprintf(buf, sizeof buf, "%d used of %d", caps.used_connections, caps.max_connections);
        else if (caps.max_connections >= 0)
            snprintf(buf, sizeof buf, "at most %d (use not answered)", caps.max_connections);
        else if (caps.used_connections >= 0)
            snprintf(buf, sizeof buf, "%d used (capacity not answered)", caps.used_connections);
        else
            unanswered(buf, sizeof buf, caps_err);
        if (bad & (S7_CAPS_MAX_CONN | S7_CAPS_USED_CONN)) {
            size_t l = strlen(buf);
            snprintf(buf + l, sizeof buf - l, " (implausible: %s)",
                     s7_cpu_caps_why(&caps, s7_client_pdu(s),
                                     bad & S7_CAPS_MAX_CONN ? S7_CAPS_MAX_CONN : S7_CAPS_USED_CONN,
                                     why, sizeof why));
        }
        line("connections", buf);
        if (caps.max_pdu >= 0) {
            snprintf(buf, sizeof buf, "%d bytes", caps.max_pdu);
            line("cpu max pdu", buf);
        }
        if (put_get == 1)
            line("put/get", "permitted");
        else if (put_get == 0)
            line("put/get", "NOT permitted (PLC error 0x8104)");
        else {
            snprintf(buf, sizeof buf, "unknown: %s", pg_err);
            line("put/get", buf);
        }
        fflush(stdout);
        if (put_get == 0) {
            fprintf(stderr, "note: PUT/GET reads and writes will fail on this CPU\n");
            if (pgw.cause[0])
                fprintf(stderr, "  cause: %s\n", pgw.cause);
            if (pgw.fix[0])
                fprintf(stderr, "  fix: %s\n", pgw.fix);
        }
    }
    s7_client_free(s);
    return CLI_OK;
}
