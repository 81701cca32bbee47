/* The one-line spelling of the partner jobs (include/s7/exchange_partner.h,
 * s7_exchange_parse_partner_job): BSEND/USEND/BRCV/URCV jobs and their connection added to
 * an s7_exchange for s7_xpartner. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "s7/exchange_partner.h"
#include "s7/wire.h"

#define PJ_FORMS                                                                             \
    "bsend|usend PARTNER R_ID every TIME|on BIT from LOCAL, or brcv|urcv PARTNER|any "       \
    "R_ID into LOCAL; options --passive --port N --tsap LOCAL:REMOTE --pdu N --id N --name " \
    "NAME --req BIT --done|--ndr BIT --error BIT --status WORD --outputs pulse|latch"

static int errf(char *err, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, cap, fmt, ap);
    va_end(ap);
    return S7_ERR_INVAL;
}

static int parse_u32(const char *s, uint32_t *out)
{
    char *end;
    unsigned long long v;
    if (!*s || *s == '-')
        return -1;
    if (strncmp(s, "16#", 3) == 0)
        v = strtoull(s + 3, &end, 16);
    else
        v = strtoull(s, &end, 10);
    if (*end || end == s || v > 0xFFFFFFFFull)
        return -1;
    *out = (uint32_t)v;
    return 0;
}

/* HOST, HOST:PORT or [V6]:PORT into host / port (0 when absent). */
static int split_partner(const char *s, char *host, size_t cap, uint16_t *port)
{
    const char *colon = NULL;
    size_t hl;
    *port = 0;
    if (*s == '[') {
        const char *rb = strchr(s, ']');
        if (!rb)
            return -1;
        hl = (size_t)(rb - s - 1);
        if (hl == 0 || hl >= cap)
            return -1;
        memcpy(host, s + 1, hl);
        host[hl] = 0;
        colon = rb[1] == ':' ? rb + 1 : NULL;
        if (rb[1] && !colon)
            return -1;
    } else {
        colon = strchr(s, ':');
        if (colon && strchr(colon + 1, ':'))
            colon = NULL; /* a bare IPv6 address */
        hl = colon ? (size_t)(colon - s) : strlen(s);
        if (hl == 0 || hl >= cap)
            return -1;
        memcpy(host, s, hl);
        host[hl] = 0;
    }
    if (colon) {
        uint32_t p;
        if (parse_u32(colon + 1, &p) || p == 0 || p > 65535)
            return -1;
        *port = (uint16_t)p;
    }
    return 0;
}

int s7_exchange_partner_job_kind(const char *line)
{
    static const s7_xjob_kind KINDS[] = {S7_XJOB_BSEND, S7_XJOB_USEND, S7_XJOB_BRCV, S7_XJOB_URCV};
    const char *w = line + strspn(line, " \t");
    size_t wl = strcspn(w, " \t");
    for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++) {
        const char *name = s7_xjob_kind_name(KINDS[k]);
        if (wl == strlen(name) && strncasecmp(w, name, wl) == 0)
            return (int)KINDS[k];
    }
    return -1;
}

int s7_exchange_parse_partner_job(s7_exchange *x, const char *line, const char *where, char *err,
                                  size_t errcap)
{
    char buf[1024];
    char *tok[64];
    size_t n = 0;
    if (strlen(line) >= sizeof buf)
        return errf(err, errcap, "%s: the job is longer than %zu characters", where,
                    sizeof buf - 1);
    strcpy(buf, line);
    for (char *p = strtok(buf, " \t,"); p && n < 64; p = strtok(NULL, " \t,"))
        tok[n++] = p;
    if (n < 3)
        return errf(err, errcap, "%s: too short; a partner job is %s", where, PJ_FORMS);
    s7_xjob j;
    s7_xjob_init(&j);
    s7_xconn c;
    s7_xconn_init(&c);
    c.pdu = 480;
    c.local_tsap = 0x1000;
    c.remote_tsap = 0x1000;
    int kind = s7_exchange_partner_job_kind(tok[0]);
    if (kind < 0)
        return errf(err, errcap, "%s: '%s' is not a partner job kind: %s", where, tok[0], PJ_FORMS);
    j.kind = (s7_xjob_kind)kind;
    int sender = j.kind == S7_XJOB_BSEND || j.kind == S7_XJOB_USEND;
    const char *jk = s7_xjob_kind_name(j.kind); /* "bsend" ... whatever the case given */
    if (strcasecmp(tok[1], "any") == 0) {
        c.side = S7_XCONN_UNSPECIFIED;
    } else if (split_partner(tok[1], c.host, sizeof c.host, &c.port) < 0) {
        return errf(err, errcap,
                    "%s: partner '%s': give HOST, HOST:PORT, [IPv6]:PORT, or any (passive, any "
                    "partner)",
                    where, tok[1]);
    }
    if (parse_u32(tok[2], &j.r_id))
        return errf(err, errcap, "%s: R_ID '%s': a number 0..4294967295 or 16#hex, e.g. 5", where,
                    tok[2]);
    int have_local = 0, passive = 0, ntrig = 0;
    uint32_t port_opt = 0, id = 0;
    /* the words of VALUED below given so far, by their place (a second one silently replaced
     * the first); the triggers (the first three) are counted by ntrig, and the outputs' mode
     * (--outputs, latch, pulse) is the last one given, as in the GET/PUT spelling */
    static const char *const VALUED[] = {"every",  "on",     "--req", "from",    "into",
                                         "--port", "--tsap", "--pdu", "--id",    "--outputs",
                                         "--name", "--done", "--ndr", "--error", "--status"};
    enum { NTRIG = 3, OUTPUTS = 9 };
    unsigned seen = 0;
    for (size_t i = 3; i < n; i++) {
        const char *t = tok[i];
        const char *v = i + 1 < n ? tok[i + 1] : NULL;
        char e2[300];
        if (strcasecmp(t, "--passive") == 0) {
            passive = 1;
            continue;
        }
        if (strcasecmp(t, "latch") == 0 ||
            strcasecmp(t, "pulse") == 0) { /* = --outputs latch|pulse */
            j.latch = t[0] == 'l' || t[0] == 'L';
            continue;
        }
        size_t known = 0;
        while (known < sizeof VALUED / sizeof VALUED[0] && strcasecmp(t, VALUED[known]) != 0)
            known++;
        if (known == sizeof VALUED / sizeof VALUED[0])
            return errf(err, errcap, "%s: unexpected '%s'; a partner job is %s", where, t,
                        PJ_FORMS);
        if (!v)
            return errf(err, errcap, "%s: '%s' needs a value (%s)", where, t, PJ_FORMS);
        if (known >= NTRIG && known != OUTPUTS && seen & 1u << known)
            return errf(err, errcap, "%s: '%s' given twice: give it once", where, t);
        seen |= 1u << known;
        i++;
        char anyp[128];
        if (strncmp(v, "P#", 2) == 0 && i + 2 < n) {
            /* an ANY pointer is three words: P#DB10.DBX0.0 BYTE 100 */
            snprintf(anyp, sizeof anyp, "%s %s %s", v, tok[i + 1], tok[i + 2]);
            v = anyp;
            i += 2;
        }
        if ((strcasecmp(t, "every") == 0 || strcasecmp(t, "on") == 0 ||
             strcasecmp(t, "--req") == 0) &&
            sender && ++ntrig > 1)
            return errf(err, errcap,
                        "%s: more than one trigger: give either every DURATION (cyclic) or on "
                        "BIT (rising edge of REQ)",
                        where);
        if (strcasecmp(t, "every") == 0) {
            if (!sender)
                return errf(err, errcap, "%s: a %s job takes what comes: no 'every'", where, jk);
            if (s7_duration_parse(v, 1, 1, 86400000L, &j.cycle_ms, e2, sizeof e2) < 0)
                return errf(err, errcap, "%s: every %s", where, e2);
            j.trigger = S7_XTRIG_CYCLIC;
        } else if (strcasecmp(t, "on") == 0 || strcasecmp(t, "--req") == 0) {
            if (!sender)
                return errf(err, errcap, "%s: a %s job takes what comes: no REQ bit", where, jk);
            if (s7_xjob_parse_addr(v, &j.req, e2, sizeof e2) < 0 || j.req.type != S7_T_BOOL)
                return errf(err, errcap, "%s: REQ '%s' must be a local BOOL, e.g. M0.0", where, v);
            j.trigger = S7_XTRIG_REQ;
        } else if (strcasecmp(t, sender ? "from" : "into") == 0) {
            if (s7_xjob_parse_addr(v, &j.areas[0].local, e2, sizeof e2) < 0)
                return errf(err, errcap, "%s: %s %s", where, sender ? "SD_1" : "RD_1", e2);
            j.nareas = 1;
            have_local = 1;
        } else if (strcasecmp(t, "--port") == 0) {
            if (parse_u32(v, &port_opt) || port_opt == 0 || port_opt > 65535)
                return errf(err, errcap, "%s: --port %s: 1..65535", where, v);
        } else if (strcasecmp(t, "--tsap") == 0) {
            unsigned l, r;
            char tail;
            if (sscanf(v, "%x:%x%c", &l, &r, &tail) != 2 || l > 0xFFFF || r > 0xFFFF)
                return errf(err, errcap, "%s: --tsap %s: LOCAL:REMOTE in hex, e.g. 1000:1000",
                            where, v);
            c.local_tsap = (uint16_t)l;
            c.remote_tsap = (uint16_t)r;
        } else if (strcasecmp(t, "--pdu") == 0) {
            uint32_t p;
            if (parse_u32(v, &p) || p < 240 || p > 960)
                return errf(err, errcap, "%s: --pdu %s: 240..960", where, v);
            c.pdu = (uint16_t)p;
        } else if (strcasecmp(t, "--id") == 0) {
            if (parse_u32(v, &id) || id == 0 || id > 0x0FFF)
                return errf(err, errcap, "%s: --id %s: the connection's local ID, 1..4095", where,
                            v);
        } else if (strcasecmp(t, "--outputs") == 0) {
            if (strcasecmp(v, "pulse") != 0 && strcasecmp(v, "latch") != 0)
                return errf(err, errcap,
                            "%s: --outputs '%s': pulse (DONE/NDR, ERROR and STATUS for one scan, "
                            "as the instructions) or latch (held until the next result)",
                            where, v);
            j.latch = v[0] == 'l' || v[0] == 'L';
        } else if (strcasecmp(t, "--name") == 0) {
            snprintf(j.name, sizeof j.name, "%.63s", v);
        } else if (strcasecmp(t, sender ? "--done" : "--ndr") == 0 ||
                   strcasecmp(t, "--error") == 0 || strcasecmp(t, "--status") == 0) {
            s7_tag *dst = t[2] == 'e' ? &j.error : t[2] == 's' ? &j.status : &j.done;
            if (s7_xjob_parse_addr(v, dst, e2, sizeof e2) < 0)
                return errf(err, errcap, "%s: %s %s", where, t, e2);
            int is_status = t[2] == 's';
            if (is_status ? s7_tag_size(dst) != 2 || dst->type == S7_T_BOOL
                          : dst->type != S7_T_BOOL)
                return errf(err, errcap, "%s: %s %s must be a %s", where, t, v,
                            is_status ? "WORD (e.g. MW2)" : "BOOL (e.g. M0.1)");
            if (t[2] == 'e')
                j.has_error = 1;
            else if (is_status)
                j.has_status = 1;
            else
                j.has_done = 1;
        } else {
            return errf(err, errcap, "%s: unexpected '%s'; a partner job is %s", where, t,
                        PJ_FORMS);
        }
    }
    if (!have_local)
        return errf(err, errcap, "%s: a %s job needs %s LOCAL, e.g. %s P#DB10.DBX0.0 BYTE 100",
                    where, jk, sender ? "from" : "into", sender ? "from" : "into");
    uint32_t len = s7_tag_size(&j.areas[0].local);
    uint32_t max =
        j.kind == S7_XJOB_USEND || j.kind == S7_XJOB_URCV ? s7_usend_max(c.pdu) : S7_BSEND_MAX;
    if (len == 0 || len > max)
        return errf(err, errcap, "%s: the local area has %u bytes: a %s moves 1..%u bytes%s", where,
                    len, jk, max,
                    j.kind == S7_XJOB_USEND || j.kind == S7_XJOB_URCV ? " at this PDU" : "");
    if (sender && !ntrig) /* as the GET/PUT and the YAML spellings: no cycle is assumed */
        return errf(err, errcap,
                    "%s: no trigger: add every DURATION (e.g. every 1s) or on BIT (a local REQ "
                    "bit, e.g. on M10.0)",
                    where);
    if (c.side == S7_XCONN_UNSPECIFIED || passive) {
        if (c.side != S7_XCONN_UNSPECIFIED)
            c.side = S7_XCONN_PASSIVE;
        c.port = (uint16_t)port_opt; /* 0: the default (102; with s7 server its own port) */
    } else {
        c.side = S7_XCONN_ACTIVE;
        if (port_opt)
            c.port = (uint16_t)port_opt;
    }
    c.id = (uint16_t)id;
    snprintf(c.where, sizeof c.where, "%s", where);
    /* the same partner and side: the same connection */
    size_t nconns0 = x->nconns;
    const s7_xconn *use = NULL;
    for (size_t i = 0; i < x->nconns && !use; i++) {
        const s7_xconn *o = &x->conns[i];
        if (strcmp(o->host, c.host) == 0 && o->port == c.port && o->side == c.side &&
            o->local_tsap == c.local_tsap && o->remote_tsap == c.remote_tsap && o->pdu == c.pdu &&
            (!id || o->id == id))
            use = o;
    }
    const s7_xconn *taken = !use && id ? s7_exchange_conn(x, (uint16_t)id) : NULL;
    if (taken)
        return errf(err, errcap,
                    "%s: connection id %u already names another partner (%s%s%s): choose "
                    "another --id or leave it out",
                    where, id, taken->host[0] ? taken->host : "any partner",
                    taken->where[0] ? " at " : "", taken->where);
    if (!use && !(use = s7_exchange_add_conn(x, &c)))
        return errf(err, errcap, "%s: out of memory", where);
    j.conn_id = use->id;
    if (!j.name[0])
        snprintf(j.name, sizeof j.name, "%s%zu", jk, x->njobs + 1);
    snprintf(j.where, sizeof j.where, "%s", where);
    const s7_xjob *same = s7_exchange_job(x, j.name);
    if (same) {
        x->nconns = nconns0;
        return errf(err, errcap,
                    "%s: job %s: the name is already used%s%s: give each job its own name "
                    "(--name NAME, name:)",
                    where, j.name, same->where[0] ? " at " : "", same->where);
    }
    if (s7_xjob_validate(x, &j, err, errcap)) { /* the one job model's checks */
        x->nconns = nconns0;
        return S7_ERR_INVAL;
    }
    if (!s7_exchange_add_job(x, &j))
        return errf(err, errcap, "%s: out of memory", where);
    return 0;
}
