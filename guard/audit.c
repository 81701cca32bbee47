/* The guard's audit line (guard.h s7_guard_audit_format): the emulator's audit record
 * (audit.h: time, peer, op, area, db, offset, bit, length, result) plus what the guard
 * knows of the decision, with the names Zeek's ICSNPP S7comm log uses for the protocol
 * fields (uid, rosctr_code / rosctr_name, pdu_reference, function_code / function_name,
 * subfunction_code).  One schema covers both: docs/schema/s7-audit.schema.json. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "guard/internal.h"
#include "server/audit_int.h"
#include "util/text.h"

static const char *fn_name(const s7_guard_decision *d)
{
    if (d->rosctr == S7_JOB) {
        switch (d->fn) {
        case S7_FN_READ: return "READ_VAR";
        case S7_FN_WRITE: return "WRITE_VAR";
        case S7_FN_SETUP: return "SETUP_COMMUNICATION";
        case S7_FN_REQ_DOWNLOAD: return "REQUEST_DOWNLOAD";
        case S7_FN_DOWNLOAD: return "DOWNLOAD_BLOCK";
        case S7_FN_DOWNLOAD_END: return "DOWNLOAD_ENDED";
        case S7_FN_UPLOAD_START: return "START_UPLOAD";
        case S7_FN_UPLOAD: return "UPLOAD";
        case S7_FN_UPLOAD_END: return "END_UPLOAD";
        case S7_FN_PI: return "PI_SERVICE";
        case S7_FN_STOP: return "PLC_STOP";
        default: return "UNKNOWN";
        }
    }
    switch (d->fn) { /* Userdata: the function group */
    case S7_UD_GRP_MODE: return "MODE_TRANSITION";
    case S7_UD_GRP_PROG: return "PROGRAMMER_COMMANDS";
    case S7_UD_GRP_CYCLIC: return "CYCLIC_DATA";
    case S7_UD_GRP_BLOCK: return "BLOCK_FUNCTIONS";
    case S7_UD_GRP_CPU: return "CPU_FUNCTIONS";
    case S7_UD_GRP_SECURITY: return "SECURITY";
    case S7_UD_GRP_TIME: return "TIME_FUNCTIONS";
    default: return "UNKNOWN";
    }
}

const char *s7__guard_rc_text(uint8_t rc, char *tmp, size_t cap)
{
    switch (rc) { /* server/audit.c's texts */
    case S7_RC_OK: return "ok";
    case S7_RC_HW_FAULT: return "0x01 hardware fault";
    case S7_RC_ACCESS_DENIED: return "0x03 access denied";
    case S7_RC_ADDR_OUT_OF_RANGE: return "0x05 address out of range";
    case S7_RC_TYPE_UNSUPPORTED: return "0x06 type not supported";
    case S7_RC_TYPE_INCONSISTENT: return "0x07 type inconsistent";
    case S7_RC_NOT_FOUND: return "0x0A object does not exist";
    default: snprintf(tmp, cap, "0x%02X", rc); return tmp;
    }
}

static const char *action_name(int a)
{
    return a == S7_GUARD_ALLOW ? "allowed" : a == S7_GUARD_REFUSE ? "refused" : "would-refuse";
}

int s7_guard_audit_format(const s7_guard_decision *d, char *buf, size_t cap)
{
    s7__jbuf b = {buf, cap, 0};
    if (cap)
        buf[0] = 0;
    time_t t = (time_t)(d->time_ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        memset(&tm, 0, sizeof tm);
    s7__jb_printf(
        &b, "{\"time\": \"%04d-%02d-%02dT%02d:%02d:%02d.%03dZ\", \"peer\": ", tm.tm_year + 1900,
        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(d->time_ms % 1000));
    s7__jb_json_str(&b, d->peer);
    s7__jb_printf(&b, ", \"op\": ");
    s7__jb_json_str(&b, d->op);
    if (d->has_range) {
        char tmp[8];
        s7__jb_printf(&b, ", \"area\": \"%s\", \"db\": %u, \"offset\": %lu",
                      s7__audit_area_name(d->area, tmp, sizeof tmp), (unsigned)d->db,
                      (unsigned long)d->offset);
        if (d->bit >= 0)
            s7__jb_printf(&b, ", \"bit\": %d", d->bit);
        s7__jb_printf(&b, ", \"length\": %lu", (unsigned long)d->length);
    }
    s7__jb_printf(&b, ", \"result\": ");
    s7__jb_json_str(&b, d->result);
    s7__jb_printf(&b, ", \"source\": \"guard\", \"uid\": \"G%llu\", \"partner\": ",
                  (unsigned long long)d->conn);
    s7__jb_json_str(&b, d->partner);
    if (d->rosctr) {
        s7__jb_printf(&b, ", \"rosctr_code\": %u, \"rosctr_name\": \"%s\", \"pdu_reference\": %u",
                      d->rosctr, d->rosctr == S7_JOB ? "JOB" : "USER_DATA", d->pdu_ref);
        s7__jb_printf(&b, ", \"function_code\": %u, \"function_name\": \"%s\"", d->fn, fn_name(d));
        if (d->rosctr == S7_USERDATA)
            s7__jb_printf(&b, ", \"subfunction_code\": %u", d->subfn);
    }
    if (d->szl_id >= 0)
        s7__jb_printf(&b, ", \"szl_id\": \"0x%04X\"", (unsigned)d->szl_id);
    s7__jb_printf(&b, ", \"action\": \"%s\", \"rule\": ", action_name(d->action));
    s7__jb_json_str(&b, d->rule);
    s7__jb_printf(&b, "}\n");
    return (int)b.len;
}
