/* Names of the diagnostic verdicts, statuses and CR causes (the stable identifiers of
 * docs/doctor.md), the command-line form of an alternative, releasing a report, and the
 * text helpers of diag/. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/internal.h"

const char *s7_diag_verdict_name(int v)
{
    switch (v) {
#define S7__DIAG_V_NAME(e, name, cls, text) \
    case S7_DIAG_##e: return name;
        S7_DIAG_VERDICT_MAP(S7__DIAG_V_NAME)
#undef S7__DIAG_V_NAME
    default: return "unknown";
    }
}

const char *s7_diag_verdict_text(int v)
{
    switch (v) {
#define S7__DIAG_V_TEXT(e, name, cls, text) \
    case S7_DIAG_##e: return text;
        S7_DIAG_VERDICT_MAP(S7__DIAG_V_TEXT)
#undef S7__DIAG_V_TEXT
    default: return "unknown verdict";
    }
}

int s7_diag_verdict_class(int v)
{
    switch (v) {
#define S7__DIAG_V_CLASS(e, name, cls, text) \
    case S7_DIAG_##e: return cls;
        S7_DIAG_VERDICT_MAP(S7__DIAG_V_CLASS)
#undef S7__DIAG_V_CLASS
    default: return 1;
    }
}

const char *s7_diag_verdict_team(int v)
{
    switch (v) {
    case S7_DIAG_OK: return "none";
    case S7_DIAG_NO_ROUTE: return "routing of this machine";
    case S7_DIAG_PORT_CLOSED: return "PLC owner (the CPU's IP address)";
    case S7_DIAG_PORT_FILTERED:
    case S7_DIAG_PORT_REJECTED: return "network team (firewall)";
    case S7_DIAG_PATH_MTU: return "network team (MTU / MSS on the path: VPN, router, tunnel)";
    case S7_DIAG_PATH_LOSS: return "network team (packet loss on the path)";
    case S7_DIAG_HOST_UNREACHABLE: return "cabling, power and IP of the CPU";
    case S7_DIAG_NAME_UNRESOLVED: return "DNS (or the host name as written)";
    case S7_DIAG_NO_ANSWER: return "network team and CPU owner (the evidence tells neither)";
    case S7_DIAG_CR_REJECTED:
    case S7_DIAG_NEGOTIATION_FAILED: return "PLC owner (TSAP, connection resources)";
    case S7_DIAG_CPU_STOPPED: return "PLC operator (the CPU's operating mode)";
    case S7_DIAG_PROFILE_MISMATCH: return "PLC owner and the inventory's author";
    case S7_DIAG_PEER_ERROR: return "PLC owner (capture the exchange with --trace)";
    case S7_DIAG_PUT_GET_DISABLED:
    case S7_DIAG_DB_MISSING:
    case S7_DIAG_DB_OPTIMIZED:
    case S7_DIAG_DB_TOO_SHORT:
    case S7_DIAG_ACCESS_DENIED:
    case S7_DIAG_AREA_MISSING:
    case S7_DIAG_AREA_TOO_SHORT: return "PLC programmer (the TIA Portal / STEP 7 project)";
    default: return "unknown";
    }
}

const char *s7_diag_report_team(const s7_diag_report *r)
{
    if (!r)
        return "unknown";
    if (s7__diag_blocked(r->verdict) && r->path_documented == 0)
        return "nobody if the partner does not need the path (blocked by design); else the "
               "inventory's author, then the network team";
    return s7_diag_verdict_team(r->verdict);
}

const char *s7_diag_family_of_order_code(const char *oc)
{
    if (!oc)
        return NULL;
    if (strncmp(oc, "6ED1", 4) == 0)
        return "logo8";
    if (strncmp(oc, "6ES7", 4) != 0)
        return NULL;
    const char *d = oc + 4;
    while (*d == ' ')
        d++;
    if (strncmp(d, "288", 3) == 0)
        return "s7-200smart";
    if (d[0] == '3' && d[1] == '1')
        return "s7-300";
    if (d[0] == '4' && d[1] == '1')
        return "s7-400";
    if (d[0] == '2' && d[1] == '1')
        return "s7-1200";
    if (d[0] == '5' && d[1] == '1')
        return "s7-1500";
    return NULL;
}

int s7_diag_verdict_parse(const char *name)
{
    if (!name)
        return -1;
    for (int v = 0; v < S7_DIAG_VERDICT_COUNT; v++)
        if (strcmp(name, s7_diag_verdict_name(v)) == 0)
            return v;
    return -1;
}

const char *s7_diag_status_name(int st)
{
    switch (st) {
    case S7_DIAG_PASS: return "pass";
    case S7_DIAG_FAIL: return "fail";
    case S7_DIAG_SKIP: return "skip";
    default: return "unknown";
    }
}

const char *s7_diag_cr_cause_name(int cause)
{
    switch (cause) {
    case S7_DIAG_CR_NONE: return "none";
    case S7_DIAG_CR_RESOURCES_EXHAUSTED: return "resources_exhausted";
    case S7_DIAG_CR_WRONG_TSAP: return "wrong_tsap";
    case S7_DIAG_CR_ALL_REFUSED: return "all_refused";
    case S7_DIAG_CR_NOT_PROBED: return "not_probed";
    case S7_DIAG_CR_LATE_ANSWER: return "late_answer";
    case S7_DIAG_CR_NOT_ISO: return "not_iso_on_tcp";
    case S7_DIAG_CR_PARTNER_GONE: return "partner_gone";
    default: return "unknown";
    }
}

const char *s7_scan_state_name(int state)
{
    switch (state) {
    case S7_SCAN_CLOSED: return "closed";
    case S7_SCAN_FILTERED: return "filtered";
    case S7_SCAN_UNREACH: return "unreachable";
    case S7_SCAN_ANSWERING: return "answering";
    default: return "unknown";
    }
}

int s7__type_of_tsap(uint16_t remote)
{
    unsigned hi = remote >> 8;
    if (hi == 1 || hi == 2)
        return (int)hi;
    return hi >= 3 && hi <= 0x10 ? 3 : 0;
}

const char *s7__type_name(int type)
{
    switch (type) {
    case 1: return "PG";
    case 2: return "OP";
    case 3: return "S7 basic";
    default: return "?";
    }
}

const uint8_t s7__addr_candidates[S7__ADDR_ALL] = {
    0x01, 0x02, 0x03, 0x00,  /* the usual: S7-1200/1500 (0 or 1), S7-300 (2), S7-400 (2, 3) */
    0x04, 0x05,              /* S7-400 behind a wider or a redundant power supply */
    0x22, 0x23, 0x24, 0x25}; /* rack 1: the second CPU of an S7-400H */

const s7__pair s7__pairs[3] = {
    {S7_DIAG_ALT_LOGO, 0x0100, 0x0200},  /* LOGO! 0BA7/0BA8 server connection (nmap's 2nd try) */
    {S7_DIAG_ALT_LOGO, 0x1000, 0x2000},  /* LOGO! as python-snap7's logo.py connects */
    {S7_DIAG_ALT_S7200, 0x1000, 0x1001}, /* S7-200 with CP243-1 */
};

void s7__alt_set(s7_diag_alt *a, s7_diag_alt_kind kind, uint16_t local, uint16_t remote)
{
    memset(a, 0, sizeof *a);
    a->kind = kind;
    a->local_tsap = local;
    a->remote_tsap = remote;
    a->rack = (uint8_t)((remote & 0xFF) >> 5);
    a->slot = (uint8_t)(remote & 0x1F);
    a->type = (s7_conn_type)s7__type_of_tsap(remote);
    a->result = S7_ERR_NOTCONN;
}

const char *s7_diag_alt_args(const s7_diag_alt *a, char *buf, size_t cap)
{
    static const char *const tn[] = {"?", "pg", "op", "basic"};
    if (!buf || !cap)
        return buf;
    if (a->kind == S7_DIAG_ALT_RACKSLOT && a->type >= 1 && a->type <= 3 &&
        a->local_tsap == 0x0100 &&
        s7_tsap_make((uint8_t)a->type, a->rack, a->slot) == a->remote_tsap)
        snprintf(buf, cap, "--rack %u --slot %u --type %s", a->rack, a->slot, tn[a->type]);
    else
        snprintf(buf, cap, "--tsap %04X:%04X", a->local_tsap, a->remote_tsap);
    return buf;
}

void s7_diag_report_free(s7_diag_report *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->nchecks; i++)
        free(r->checks[i].frames);
    free(r->checks);
    free(r->targets);
    free(r->alts);
    r->checks = NULL;
    r->targets = NULL;
    r->alts = NULL;
    r->nchecks = r->ntargets = r->nalts = 0;
}

const s7_diag_check *s7_diag_report_failed(const s7_diag_report *r)
{
    if (!r || r->failed < 0 || (size_t)r->failed >= r->nchecks)
        return NULL;
    return &r->checks[r->failed];
}

/* ---------------------------------------------------------------- text helpers */

void s7__cat(char *dst, size_t cap, const char *fmt, ...)
{
    size_t l = strnlen(dst, cap);
    if (l + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(dst + l, cap - l, fmt, ap);
    va_end(ap);
}

/* Room for n more bytes (and a NUL). */
static int buf_grow(s7__buf *b, size_t n)
{
    if (b->oom)
        return -1;
    if (b->len + n + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 1024;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->oom = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void s7__buf_printf(s7__buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[256];
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0 || buf_grow(b, (size_t)n) < 0)
        return;
    if ((size_t)n < sizeof small) {
        memcpy(b->p + b->len, small, (size_t)n + 1);
    } else {
        va_start(ap, fmt);
        vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    b->len += (size_t)n;
}

void s7__buf_json_str(s7__buf *b, const char *s)
{
    s7__buf_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
        switch (*p) {
        case '"': s7__buf_printf(b, "\\\""); break;
        case '\\': s7__buf_printf(b, "\\\\"); break;
        case '\n': s7__buf_printf(b, "\\n"); break;
        case '\r': s7__buf_printf(b, "\\r"); break;
        case '\t': s7__buf_printf(b, "\\t"); break;
        default:
            if (*p < 0x20)
                s7__buf_printf(b, "\\u%04x", *p);
            else
                s7__buf_printf(b, "%c", *p);
        }
    }
    s7__buf_printf(b, "\"");
}

void s7__buf_hex(s7__buf *b, const uint8_t *p, size_t n)
{
    static const char hx[] = "0123456789abcdef";
    if (buf_grow(b, 2 * n) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        b->p[b->len++] = hx[p[i] >> 4];
        b->p[b->len++] = hx[p[i] & 15];
    }
    b->p[b->len] = 0;
}
