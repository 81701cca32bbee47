/* s7 info HOST: what a CPU tells about itself: identity (SZL 0x0011 / 0x001C), state
 * (0x0424), the negotiated PDU and AmQ, the TSAPs, protection level and connection capacity
 * and use where the CPU answers them (0x0232, 0x0131, 0x0132), and whether PUT/GET access is
 * permitted (a one-byte read of MB0). */
#include <string.h>

#include "common.h"

static const char *state_name(int st)
{
    switch (st) {
    case S7_CPU_RUN:
        return "RUN";
    case S7_CPU_STOP:
        return "STOP";
    default:
        return "unknown";
    }
}

static const char *protection_name(int lvl)
{
    switch (lvl) {
    case 1:
        return "no protection";
    case 2:
        return "write protection";
    case 3:
        return "read/write protection";
    default:
        return "unknown level";
    }
}

static const char *switch_name(int pos)
{
    switch (pos) {
    case 1:
        return "RUN";
    case 2:
        return "RUN-P";
    case 3:
        return "STOP";
    case 4:
        return "MRES";
    default:
        return "not determined";
    }
}

/* "PLC error 0xD402 SZL_NOT_AVAILABLE" or the library error text. */
static void err_text(s7_client *s, int err, char *buf, size_t cap)
{
    const s7_explain *e = s7_client_last_error(s);
    if (err == S7_ERR_PLC && e && e->code)
        snprintf(buf, cap, "PLC error 0x%04X %s (%s)", e->code, e->name, e->text);
    else if (err == S7_ERR_ITEM && e && e->code)
        snprintf(buf, cap, "item error 0x%02X %s (%s)", e->code, e->name, e->text);
    else
        snprintf(buf, cap, "%s", s7_strerror(err));
}

static void line(const char *key, const char *val)
{
    printf("%-18s %s\n", key, val && *val ? val : "-");
}

static void json_kv_str(const char *key, const char *val, int *first)
{
    printf("%s\n  ", *first ? "" : ",");
    *first = 0;
    cli_json_str(stdout, key);
    fputs(": ", stdout);
    if (val)
        cli_json_str(stdout, val);
    else
        fputs("null", stdout);
}

static void json_kv_int(const char *key, int val, int valid, int *first)
{
    printf("%s\n  ", *first ? "" : ",");
    *first = 0;
    cli_json_str(stdout, key);
    if (valid)
        printf(": %d", val);
    else
        fputs(": null", stdout);
}

int cmd_info(cli *c)
{
    int rc, r_id, r_st, r_caps, r_pg, st = S7_CPU_UNKNOWN, put_get = -1;
    s7_cpu_info ci;
    s7_cpu_caps caps;
    char id_err[200] = "", st_err[200] = "", caps_err[200] = "", pg_err[200] = "";
    char buf[400], tgt[300];
    uint16_t lt = 0,rt = 0;
    uint8_t b;
    cli_why pgw;
    s7_client *s = cli_connect(c, &rc);
    if (!s)
        return rc;

    memset(&ci, 0, sizeof ci);
    memset(&caps, 0, sizeof caps);
    memset(&pgw, 0, sizeof pgw);
    caps.max_pdu = caps.max_connections = caps.used_connections = -1;
    caps.protection_level = caps.protection_switch = -1;

    r_id = s7_client_cpu_info(s, &ci);
    if (r_id < 0)
        err_text(s, r_id, id_err, sizeof id_err);
    r_st = s7_client_cpu_state(s, &st);
    if (r_st < 0)
        err_text(s, r_st, st_err, sizeof st_err);
    r_caps = s7_client_cpu_caps(s, &caps);
    if (r_caps < 0)
        err_text(s, r_caps, caps_err, sizeof caps_err);
    /* PUT/GET permitted? One byte of MB0: 0x8104 means no; any item answer means yes. */
    r_pg = s7_client_read_area(s, S7_AREA_M, 0, 0, &b, 1);
    if (r_pg >= 0 || r_pg == S7_ERR_ITEM) {
        put_get = 1;
    } else if (r_pg == S7_ERR_PLC && s7_client_last_error(s) &&
               s7_client_last_error(s)->code == 0x8104) {
        put_get = 0;
        cli_why_err(c, s, r_pg, "read", &pgw);
    } else {
        err_text(s, r_pg, pg_err, sizeof pg_err);
    }
    s7_client_tsaps(s, &lt, &rt);
    if (strchr(c->host, ':'))
        snprintf(tgt, sizeof tgt, "[%s]:%u", c->host, c->port);
    else
        snprintf(tgt, sizeof tgt, "%s:%u", c->host, c->port);

    if (c->json) {
        int first = 1;
        fputs("{", stdout);
        json_kv_str("target", tgt, &first);
        json_kv_str("order_code", r_id >= 0 || ci.order_code[0] ? ci.order_code : NULL, &first);
        json_kv_str("firmware", ci.version[0] ? ci.version : NULL, &first);
        json_kv_str("module_type", ci.module_type[0] ? ci.module_type : NULL, &first);
        json_kv_str("module_name", ci.module_name[0] ? ci.module_name : NULL, &first);
        json_kv_str("as_name", ci.as_name[0] ? ci.as_name : NULL, &first);
        json_kv_str("plant_id", ci.plant_id[0] ? ci.plant_id : NULL, &first);
        json_kv_str("copyright", ci.copyright[0] ? ci.copyright : NULL, &first);
        json_kv_str("serial", ci.serial[0] ? ci.serial : NULL, &first);
        if (id_err[0])
            json_kv_str("identity_error", id_err, &first);
        json_kv_str("cpu_state", r_st >= 0 ? state_name(st) : NULL, &first);
        if (st_err[0])
            json_kv_str("cpu_state_error", st_err, &first);
        json_kv_int("pdu", s7_client_pdu(s), 1, &first);
        json_kv_int("pdu_requested", c->copts.pdu_request, 1, &first);
        json_kv_int("amq", s7_client_amq(s), 1, &first);
        snprintf(buf, sizeof buf, "%04X", lt);
        json_kv_str("local_tsap", buf, &first);
        snprintf(buf, sizeof buf, "%04X", rt);
        json_kv_str("remote_tsap", buf, &first);
        json_kv_int("protection_level", caps.protection_level, caps.protection_level >= 0, &first);
        json_kv_int("mode_switch", caps.protection_switch, caps.protection_switch >= 0, &first);
        json_kv_int("max_connections", caps.max_connections, caps.max_connections >= 0, &first);
        json_kv_int("used_connections", caps.used_connections, caps.used_connections >= 0, &first);
        json_kv_int("cpu_max_pdu", caps.max_pdu, caps.max_pdu >= 0, &first);
        if (caps_err[0])
            json_kv_str("caps_error", caps_err, &first);
        printf(",\n  \"put_get\": %s", put_get < 0 ? "null" : put_get ? "true" : "false");
        if (put_get == 0) {
            fputs(",\n  \"put_get_error\": {", stdout);
            cli_json_why(stdout, &pgw);
            fputs("}", stdout);
        } else if (pg_err[0]) {
            json_kv_str("put_get_error", pg_err, &first);
        }
        fputs("\n}\n", stdout);
    } else {
        line("target", tgt);
        if (r_id < 0 && !ci.order_code[0]) {
            snprintf(buf, sizeof buf, "not answered: %s", id_err);
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
            snprintf(buf, sizeof buf, "not answered: %s", st_err);
            line("cpu state", buf);
        }
        snprintf(buf, sizeof buf, "%u bytes (requested %u)", s7_client_pdu(s), c->copts.pdu_request);
        line("pdu size", buf);
        snprintf(buf, sizeof buf, "%u", s7_client_amq(s));
        line("jobs in flight", buf);
        snprintf(buf, sizeof buf, "local %04X, remote %04X", lt, rt);
        line("tsaps", buf);
        if (caps.protection_level >= 0) {
            snprintf(buf, sizeof buf, "%d (%s)", caps.protection_level,
                     protection_name(caps.protection_level));
            line("protection", buf);
        } else {
            line("protection", "not answered");
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
            snprintf(buf, sizeof buf, "not answered");
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
