/* The JSON vocabulary of docs/json.md as the library writes it: the doctor's report (shared
 * by `s7 doctor --json` and any application that runs the checks: the inventory check, an
 * HMI, a gateway), the discover and scan results, and the cpu and error objects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/doctor_int.h"

static void kv_str(s7__buf *b, const char *k, const char *v, int comma)
{
    s7__buf_printf(b, "%s\"%s\": ", comma ? ", " : "", k);
    s7__buf_json_str(b, v);
}

/* A string, or null when v is NULL or empty (the vocabulary has no empty strings). */
static void kv_strn(s7__buf *b, const char *k, const char *v, int comma)
{
    if (v && *v)
        kv_str(b, k, v, comma);
    else
        s7__buf_printf(b, "%s\"%s\": null", comma ? ", " : "", k);
}

static void kv_int(s7__buf *b, const char *k, long v, int comma)
{
    if (v < 0)
        s7__buf_printf(b, "%s\"%s\": null", comma ? ", " : "", k);
    else
        s7__buf_printf(b, "%s\"%s\": %ld", comma ? ", " : "", k, v);
}

/* "LLLL:RRRR", or null without a remote TSAP. */
static void kv_tsap(s7__buf *b, const char *k, uint16_t local, uint16_t remote, int comma)
{
    char t[16];
    snprintf(t, sizeof t, "%04X:%04X", local, remote);
    kv_strn(b, k, remote ? t : NULL, comma);
}

void s7__error_json(s7__buf *b, const char *id, const char *code, const char *message,
                    const char *cause, const char *fix)
{
    s7__buf_printf(b, "{");
    kv_str(b, "name", id, 0);
    kv_strn(b, "code", code, 1);
    kv_str(b, "message", message, 1);
    kv_strn(b, "cause", cause, 1);
    kv_strn(b, "fix", fix, 1);
    s7__buf_printf(b, "}");
}

static void frames_json(s7__buf *b, const s7_diag_check *c)
{
    s7__buf_printf(b, ", \"frames\": [");
    for (size_t i = 0; i < c->nframes; i++) {
        const s7_diag_frame *f = &c->frames[i];
        size_t n = f->len < S7_DIAG_FRAME_CAP ? f->len : S7_DIAG_FRAME_CAP;
        s7__buf_printf(b, "%s{\"dir\": \"%s\", \"t_ms\": %d, \"len\": %u, \"hex\": \"",
                       i ? ", " : "", f->outgoing ? "out" : "in", f->t_ms, f->len);
        s7__buf_hex(b, f->bytes, n);
        s7__buf_printf(b, "\", \"truncated\": %s}", n < f->len ? "true" : "false");
    }
    s7__buf_printf(b, "]");
}

static const char *kind_name(int k)
{
    switch (k) {
    case S7_DIAG_ALT_RACKSLOT: return "rackslot";
    case S7_DIAG_ALT_LOGO: return "logo";
    case S7_DIAG_ALT_S7200: return "s7-200";
    default: return "tsap";
    }
}

static const char *type_id(int t)
{
    return t == 1 ? "pg" : t == 2 ? "op" : t == 3 ? "basic" : "other";
}

/* One alternative / discover entry as a JSON object. */
void s7__alt_json(s7__buf *b, const s7_diag_alt *a)
{
    char args[64];
    int rs = a->kind == S7_DIAG_ALT_RACKSLOT;
    s7__buf_printf(b, "{");
    kv_tsap(b, "tsap", a->local_tsap, a->remote_tsap, 0);
    kv_str(b, "kind", kind_name(a->kind), 1);
    kv_int(b, "rack", rs ? a->rack : -1, 1);
    kv_int(b, "slot", rs ? a->slot : -1, 1);
    kv_str(b, "type", type_id(a->type), 1);
    kv_str(b, "result", a->result == 0 ? "accepted" : s7_err_id(a->result), 1);
    s7__buf_printf(b, ", \"setup\": %s", a->setup_ok ? "true" : "false");
    kv_int(b, "pdu", a->setup_ok ? a->pdu : -1, 1);
    kv_int(b, "ms", a->ms, 1);
    kv_str(b, "args", s7_diag_alt_args(a, args, sizeof args), 1);
    s7__buf_printf(b, "}");
}

void s7__identity_json(s7__buf *b, const s7_cpu_info *id, int state)
{
    s7__buf_printf(b, "{");
    kv_strn(b, "order_code", id->order_code, 0);
    kv_strn(b, "firmware", id->version, 1);
    kv_strn(b, "module_type", id->module_type, 1);
    kv_strn(b, "module_name", id->module_name, 1);
    kv_strn(b, "as_name", id->as_name, 1);
    kv_strn(b, "plant_id", id->plant_id, 1);
    kv_strn(b, "serial", id->serial, 1);
    kv_strn(b, "copyright", id->copyright, 1);
    kv_str(b, "state", s7_cpu_state_name(state), 1);
    s7__buf_printf(b, "}");
}

static char *buf_done(s7__buf *b)
{
    if (b->oom) {
        free(b->p);
        return NULL;
    }
    return b->p;
}

char *s7_cpu_info_json(const s7_cpu_info *id, int state)
{
    s7__buf b = {NULL, 0, 0, 0};
    s7__identity_json(&b, id, state);
    return buf_done(&b);
}

char *s7_error_json(const char *id, const char *code, const char *message, const char *cause,
                    const char *fix)
{
    s7__buf b = {NULL, 0, 0, 0};
    s7__error_json(&b, id, code, message, cause, fix);
    return buf_done(&b);
}

/* The implausible figures of caps as the array of docs/json.md:
 * [{"field": "protection.level", "value": 8245, "reason": "..."}]. */
static void implausible_json(s7__buf *b, const s7_cpu_caps *k, unsigned pdu)
{
    static const struct {
        unsigned bit;
        const char *field;
    } F[] = {{S7_CAPS_PROT_LEVEL, "protection.level"},
             {S7_CAPS_PROT_SWITCH, "protection.switch"},
             {S7_CAPS_MAX_CONN, "connections.max"},
             {S7_CAPS_USED_CONN, "connections.used"},
             {S7_CAPS_MAX_PDU, "connections.max_pdu"}};
    unsigned bad = s7_cpu_caps_implausible(k, pdu);
    int n = 0;
    char why[160];
    s7__buf_printf(b, "[");
    for (size_t i = 0; i < sizeof F / sizeof F[0]; i++) {
        if (!(bad & F[i].bit))
            continue;
        int v = F[i].bit == S7_CAPS_PROT_LEVEL    ? k->protection_level
                : F[i].bit == S7_CAPS_PROT_SWITCH ? k->protection_switch
                : F[i].bit == S7_CAPS_MAX_CONN    ? k->max_connections
                : F[i].bit == S7_CAPS_USED_CONN   ? k->used_connections
                                                  : k->max_pdu;
        s7__buf_printf(b, "%s{", n++ ? ", " : "");
        kv_str(b, "field", F[i].field, 0);
        s7__buf_printf(b, ", \"value\": %d", v);
        kv_str(b, "reason", s7_cpu_caps_why(k, pdu, F[i].bit, why, sizeof why), 1);
        s7__buf_printf(b, "}");
    }
    s7__buf_printf(b, "]");
}

char *s7_cpu_caps_implausible_json(const s7_cpu_caps *k, unsigned pdu)
{
    s7__buf b = {NULL, 0, 0, 0};
    implausible_json(&b, k, pdu);
    return buf_done(&b);
}

char *s7_diag_report_json(const s7_diag_report *r)
{
    s7__buf b = {NULL, 0, 0, 0};
    char t[32];
    const s7_diag_check *f = s7_diag_report_failed(r);
    s7__buf_printf(&b, "{");
    kv_str(&b, "verdict", s7_diag_verdict_name(r->verdict), 0);
    kv_str(&b, "verdict_text", s7_diag_verdict_text(r->verdict), 1);
    kv_strn(&b, "failed_check", f ? f->id : NULL, 1);
    kv_strn(&b, "cause", f ? f->cause : NULL, 1);
    kv_strn(&b, "fix", f ? f->fix : NULL, 1);
    kv_strn(&b, "host", r->host, 1);
    kv_strn(&b, "address", r->addr, 1);
    kv_int(&b, "port", r->port, 1);
    kv_tsap(&b, "tsap", r->local_tsap, r->remote_tsap, 1);
    kv_int(&b, "ms", r->total_ms, 1);

    s7__buf_printf(&b, ", \"checks\": [");
    for (size_t i = 0; i < r->nchecks; i++) {
        const s7_diag_check *c = &r->checks[i];
        s7__buf_printf(&b, "%s\n  {", i ? "," : "");
        kv_str(&b, "id", c->id, 0);
        kv_str(&b, "status", s7_diag_status_name(c->status), 1);
        kv_int(&b, "ms", c->status == S7_DIAG_SKIP && !c->ms ? -1 : c->ms, 1);
        kv_strn(&b, "detail", c->detail, 1);
        kv_strn(&b, "cause", c->cause, 1);
        kv_strn(&b, "fix", c->fix, 1);
        frames_json(&b, c);
        s7__buf_printf(&b, "}");
    }
    s7__buf_printf(&b, "]");

    if (r->connected)
        s7__buf_printf(&b, ", \"session\": {\"pdu\": %u, \"amq\": %u}", r->pdu, r->amq);
    else
        s7__buf_printf(&b, ", \"session\": null");
    s7__buf_printf(&b, ", \"cpu\": ");
    if (r->have_identity)
        s7__identity_json(&b, &r->identity, r->cpu_state);
    else
        s7__buf_printf(&b, "null");
    s7__buf_printf(&b, ", \"protection\": {");
    kv_int(&b, "level", r->caps.protection_level, 0);
    kv_int(&b, "switch", r->caps.protection_switch, 1);
    s7__buf_printf(&b, "}, \"connections\": {");
    kv_int(&b, "max", r->caps.max_connections, 0);
    kv_int(&b, "used", r->caps.used_connections, 1);
    kv_int(&b, "max_pdu", r->caps.max_pdu, 1);
    s7__buf_printf(&b, "}, \"implausible\": ");
    implausible_json(&b, &r->caps, r->pdu);
    s7__buf_printf(&b, ", \"put_get\": %s",
                   r->put_get < 0 ? "null"
                   : r->put_get   ? "true"
                                  : "false");

    s7__buf_printf(&b, ", \"targets\": [");
    for (size_t i = 0; i < r->ntargets; i++) {
        const s7_diag_target_info *ti = &r->targets[i];
        s7__buf_printf(&b, "%s{", i ? ", " : "");
        kv_str(&b, "area", s7__diag_area_name(ti->t.area), 0);
        kv_int(&b, "db", ti->t.area == S7_AREA_DB ? (long)ti->t.db : -1, 1);
        kv_int(&b, "start", ti->t.start, 1);
        kv_int(&b, "required", (long)ti->t.start + ti->t.length, 1);
        kv_int(&b, "length", ti->length, 1);
        kv_strn(&b, "verdict", ti->verdict < 0 ? NULL : s7_diag_verdict_name(ti->verdict), 1);
        snprintf(t, sizeof t, "0x%02X", ti->rc);
        kv_strn(&b, "rc", ti->rc != 0xFF ? t : NULL, 1);
        s7__buf_printf(&b, ", \"writable\": %s",
                       ti->writable < 0 ? "null"
                       : ti->writable   ? "true"
                                        : "false");
        s7__buf_printf(&b, "}");
    }
    s7__buf_printf(&b, "]");

    if (r->cr_cause != S7_DIAG_CR_NONE) {
        s7__buf_printf(&b, ", \"cr\": {");
        kv_str(&b, "cause", s7_diag_cr_cause_name(r->cr_cause), 0);
        if (r->alt_best >= 0) {
            char args[64];
            kv_str(&b, "use", s7_diag_alt_args(&r->alts[r->alt_best], args, sizeof args), 1);
        } else {
            s7__buf_printf(&b, ", \"use\": null");
        }
        s7__buf_printf(&b, ", \"alternatives\": [");
        for (size_t i = 0; i < r->nalts; i++) {
            s7__buf_printf(&b, "%s", i ? ", " : "");
            s7__alt_json(&b, &r->alts[i]);
        }
        s7__buf_printf(&b, "]}");
    } else {
        s7__buf_printf(&b, ", \"cr\": null");
    }

    /* who acts, the network probes, the CPU's mode change and family, the documented path */
    s7__buf_printf(&b, ", \"network\": {");
    kv_str(&b, "team", s7_diag_report_team(r), 0);
    s7__buf_printf(&b, ", \"probes\": [");
    for (size_t i = 0; i < r->nprobes; i++) {
        s7__buf_printf(&b, "%s{", i ? ", " : "");
        kv_str(&b, "id", r->probes[i].id, 0);
        s7__buf_printf(&b, ", \"ran\": %s", r->probes[i].ran ? "true" : "false");
        kv_str(&b, "saw", r->probes[i].saw, 1);
        s7__buf_printf(&b, "}");
    }
    s7__buf_printf(&b, "]}");
    kv_strn(&b, "mode_changed", r->mode_changed, 1);
    kv_strn(&b, "family", r->family, 1);
    if (r->path_note[0]) {
        s7__buf_printf(&b, ", \"path\": {\"documented\": %s",
                       r->path_documented < 0    ? "null"
                       : r->path_documented == 1 ? "true"
                                                 : "false");
        kv_str(&b, "note", r->path_note, 1);
        s7__buf_printf(&b, "}");
    } else {
        s7__buf_printf(&b, ", \"path\": null");
    }
    s7__buf_printf(&b, "}");
    return buf_done(&b);
}

char *s7_discover_json(const s7_discover_result *r)
{
    s7__buf b = {NULL, 0, 0, 0};
    char args[64];
    s7__buf_printf(&b, "{");
    kv_str(&b, "tcp", r->tcp == 0 ? "open" : s7_err_id(r->tcp), 0);
    if (r->best >= 0) {
        kv_str(&b, "use", s7_diag_alt_args(&r->tries[r->best], args, sizeof args), 1);
        s7__buf_printf(&b, ", \"best\": ");
        s7__alt_json(&b, &r->tries[r->best]);
    } else {
        s7__buf_printf(&b, ", \"use\": null, \"best\": null");
    }
    s7__buf_printf(&b, ", \"cpu\": ");
    if (r->have_identity)
        s7__identity_json(&b, &r->identity, S7_CPU_UNKNOWN);
    else
        s7__buf_printf(&b, "null");
    s7__buf_printf(&b, ", \"working\": [");
    int k = 0;
    for (size_t i = 0; i < r->ntries; i++) {
        if (r->tries[i].result != 0)
            continue;
        s7__buf_printf(&b, "%s", k++ ? ", " : "");
        s7__alt_json(&b, &r->tries[i]);
    }
    s7__buf_printf(&b, "], \"tries\": [");
    for (size_t i = 0; i < r->ntries; i++) {
        s7__buf_printf(&b, "%s", i ? ", " : "");
        s7__alt_json(&b, &r->tries[i]);
    }
    s7__buf_printf(&b, "]");
    kv_int(&b, "ms", r->total_ms, 1);
    s7__buf_printf(&b, "}");
    return buf_done(&b);
}

char *s7_scan_host_json(const s7_scan_host *h)
{
    s7__buf b = {NULL, 0, 0, 0};
    s7__buf_printf(&b, "{");
    kv_str(&b, "host", h->addr, 0);
    kv_str(&b, "state", s7_scan_state_name(h->state), 1);
    kv_int(&b, "tcp_ms", h->tcp_ms, 1);
    s7__buf_printf(&b, ", \"s7\": %s", h->s7 ? "true" : "false");
    kv_tsap(&b, "tsap", h->local_tsap, h->s7 ? h->remote_tsap : 0, 1);
    kv_int(&b, "pdu", h->s7 ? h->pdu : -1, 1);
    s7__buf_printf(&b, ", \"error\": ");
    if (!h->s7 && h->s7_error && (h->state == S7_SCAN_ANSWERING || h->state == S7_SCAN_UNREACH))
        s7__error_json(&b, s7_err_id(h->s7_error), NULL, s7_strerror(h->s7_error), NULL, NULL);
    else
        s7__buf_printf(&b, "null");
    s7__buf_printf(&b, ", \"cpu\": ");
    if (h->have_identity)
        s7__identity_json(&b, &h->identity, h->cpu_state);
    else
        s7__buf_printf(&b, "null");
    s7__buf_printf(&b, "}");
    return buf_done(&b);
}
