/* s7_doctor: the diagnostic ladder of docs/doctor.md (shared field-notes section 2).  Each
 * step is a check with what was sent, what came back and how long it took; the first
 * failing step gives the one verdict, its cause and its fix, and the bytes of the failing
 * exchange.  On a refused connection request the doctor tries other connection types and
 * rack/slots (alternatives.c) to tell a wrong TSAP from exhausted connection resources. */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "diag/doctor_int.h"
#include "diag/net_int.h"
#include "net/host.h"
#include "s7/net.h"

void s7_doctor_opts_init(s7_doctor_opts *o)
{
    memset(o, 0, sizeof *o);
    o->port = 102;
    s7_client_opts_init(&o->client);
    o->expect_rack = o->expect_slot = -1;
    o->path_documented = -1;
}

/* ---------------------------------------------------------------- report building */

enum {
    C_RESOLVE = 0,
    C_TCP,
    C_COTP,
    C_SETUP,
    C_IDENTITY,
    C_PROTECTION,
    C_PUTGET,
    C_TARGETS /* then one per target (and one more per target with write checks) */
};

static const char *area_letter(uint8_t area)
{
    switch (area) {
    case S7_AREA_I: return "I";
    case S7_AREA_Q: return "Q";
    case S7_AREA_M: return "M";
    case S7_AREA_T: return "T";
    case S7_AREA_C: return "C";
    case S7_AREA_DB:
    case 0: return "DB";
    default: return "?";
    }
}

const char *s7__diag_area_name(uint8_t area) { return area_letter(area); }

static int is_db(uint8_t area) { return area == 0 || area == S7_AREA_DB; }

/* "DB5" or "M" (the area's name in messages). */
static void target_name(const s7_diag_target *t, char *buf, size_t cap)
{
    if (is_db(t->area))
        snprintf(buf, cap, "DB%u", t->db);
    else
        snprintf(buf, cap, "the %s area", area_letter(t->area));
}

static int setup_report(const s7_doctor_opts *o, s7_diag_report *r)
{
    size_t per = o->check_write ? 2 : 1;
    r->nchecks = C_TARGETS + o->ntargets * per + 1; /* the last: full_pdu */
    r->checks = calloc(r->nchecks, sizeof *r->checks);
    r->ntargets = o->ntargets;
    r->targets = o->ntargets ? calloc(o->ntargets, sizeof *r->targets) : NULL;
    if (!r->checks || (o->ntargets && !r->targets))
        return S7_ERR_NOMEM;
    static const char *const ids[C_TARGETS] = {"resolve",  "tcp",        "cotp",   "setup",
                                               "identity", "protection", "put_get"};
    for (size_t i = 0; i < C_TARGETS; i++)
        snprintf(r->checks[i].id, sizeof r->checks[i].id, "%s", ids[i]);
    for (size_t i = 0; i < o->ntargets; i++) {
        const s7_diag_target *t = &o->targets[i];
        s7_diag_check *c = &r->checks[C_TARGETS + i * per];
        if (is_db(t->area))
            snprintf(c->id, sizeof c->id, "db:%u", t->db);
        else
            snprintf(c->id, sizeof c->id, "area:%.2s", area_letter(t->area));
        if (per == 2 && is_db(t->area))
            snprintf(c[1].id, sizeof c[1].id, "db:%u:write", t->db);
        else if (per == 2)
            snprintf(c[1].id, sizeof c[1].id, "area:%.2s:write", area_letter(t->area));
        r->targets[i].t = *t;
        if (r->targets[i].t.area == 0)
            r->targets[i].t.area = S7_AREA_DB;
        r->targets[i].verdict = -1;
        r->targets[i].length = -1;
        r->targets[i].rc = 0xFF;
        r->targets[i].writable = -1;
    }
    snprintf(r->checks[r->nchecks - 1].id, sizeof r->checks[0].id, "full_pdu");
    for (size_t i = 0; i < r->nchecks; i++)
        r->checks[i].status = S7_DIAG_SKIP;
    r->failed = -1;
    r->verdict = S7_DIAG_OK;
    r->alt_best = -1;
    r->cpu_state = S7_CPU_UNKNOWN;
    r->put_get = -1;
    r->caps.max_pdu = r->caps.max_connections = r->caps.used_connections = -1;
    r->caps.protection_level = r->caps.protection_switch = -1;
    return 0;
}

void s7__diag_set(s7_diag_check *c, int status, const char *fmt, ...)
{
    va_list ap;
    c->status = status;
    va_start(ap, fmt);
    vsnprintf(c->detail, sizeof c->detail, fmt, ap);
    va_end(ap);
}

/* The first failure decides the verdict; later ones (other targets) only fail their check. */
static void fail(s7_diag_report *r, size_t idx, int verdict, s7__rec *rec)
{
    r->checks[idx].status = S7_DIAG_FAIL;
    if (rec)
        s7__rec_to_check(rec, &r->checks[idx]);
    if (r->failed < 0) {
        r->failed = (int)idx;
        r->verdict = verdict;
    }
}

static void set_cause(s7_diag_check *c, const char *cause, const char *fix)
{
    snprintf(c->cause, sizeof c->cause, "%s", cause);
    snprintf(c->fix, sizeof c->fix, "%s", fix);
}

/* Skipped checks after a failure say why. */
static void mark_skipped(s7_diag_report *r)
{
    if (r->failed < 0)
        return;
    for (size_t i = 0; i < r->nchecks; i++)
        if (r->checks[i].status == S7_DIAG_SKIP && !r->checks[i].detail[0])
            snprintf(r->checks[i].detail, sizeof r->checks[i].detail, "not run: %s failed",
                     r->checks[r->failed].id);
}

/* The last frame the recorder holds in direction out (NULL none); *age gets how many frames
 * came after it. */
static const s7_diag_frame *last_frame_age(const s7__rec *rec, int out, size_t *age)
{
    size_t n = rec->seen < S7__REC_KEEP ? rec->seen : S7__REC_KEEP;
    for (size_t i = 0; i < n; i++) {
        const s7_diag_frame *f = &rec->ring[(rec->seen - 1 - i) % S7__REC_KEEP];
        if (f->outgoing == out) {
            if (age)
                *age = i;
            return f;
        }
    }
    return NULL;
}

static const s7_diag_frame *last_frame(const s7__rec *rec, int out)
{
    return last_frame_age(rec, out, NULL);
}

/* Append what the last exchange was ("; request 31 bytes, answer 25 bytes after 2 ms") to a
 * detail; the bytes themselves are the check's frames. */
static void cat_exchange(s7_diag_check *c, const s7__rec *rec)
{
    size_t ao = 0, ai = 0;
    const s7_diag_frame *o = last_frame_age(rec, 1, &ao), *i = last_frame_age(rec, 0, &ai);
    if (o)
        s7__cat(c->detail, sizeof c->detail, "; sent %u bytes", o->len);
    if (i && (!o || ai < ao))
        s7__cat(c->detail, sizeof c->detail, ", answer %u bytes after %d ms", i->len,
                o ? i->t_ms - o->t_ms : i->t_ms);
}

/* A failure after the session was up: the connection went away or the partner misbehaved
 * (cl: the client whose call failed, for why an answer did not conform; may be NULL). */
static void peer_error(s7_diag_report *r, size_t idx, int err, const char *what, int timeout_ms,
                       s7__rec *rec, const s7_client *cl)
{
    s7_diag_check *c = &r->checks[idx];
    const char *why = cl ? s7_client_peer_problem(cl) : "";
    if (r->failed < 0 && err == S7_ERR_TIMEOUT)
        rec->timed_out = 1;
    if (err == S7_ERR_TIMEOUT)
        s7__cat(c->detail, sizeof c->detail, "%s: no answer within %d ms", what, timeout_ms);
    else if (why[0])
        s7__cat(c->detail, sizeof c->detail, "%s: the answer does not conform to the request: %s",
                what, why);
    else
        s7__cat(c->detail, sizeof c->detail, "%s: %s (%s)", what, s7_strerror(err),
                s7_err_name(err));
    cat_exchange(c, rec);
    c->status = S7_DIAG_FAIL;
    s7_err_ctx ex = {
        .host = r->addr[0] ? r->addr : r->host, .port = r->port, .timeout_ms = timeout_ms};
    if (!s7_err_explain(err, &ex, c->cause, sizeof c->cause, c->fix, sizeof c->fix))
        s7_err_explain(S7_ERR_PROTO, &ex, c->cause, sizeof c->cause, c->fix, sizeof c->fix);
    fail(r, idx, S7_DIAG_PEER_ERROR, rec);
}

/* ---------------------------------------------------------------- steps 1 and 2 */

static int step_resolve(const s7_doctor_opts *o, s7_diag_report *r, struct sockaddr_storage *ss,
                        socklen_t *sslen)
{
    s7_diag_check *c = &r->checks[C_RESOLVE];
    s7_err_ctx ex = {.host = o->host, .port = r->port};
    char msg[400];
    int64_t t0 = s7_now_ms();
    int numeric = 0;
    {
        unsigned char tmp[16];
        numeric = inet_pton(AF_INET, o->host, tmp) == 1 || inet_pton(AF_INET6, o->host, tmp) == 1;
    }
    if (s7__host_check(o->host, msg, sizeof msg) < 0) {
        /* an ambiguous numeric form: never dialled as the system resolver would read it */
        s7__diag_set(c, S7_DIAG_FAIL, "%s", msg);
        s7_err_explain(S7_ERR_RESOLVE, &ex, c->cause, sizeof c->cause, c->fix, sizeof c->fix);
        fail(r, C_RESOLVE, S7_DIAG_NAME_UNRESOLVED, NULL);
        return -1;
    }
    int g = 0;
    int rc = s7__resolve(o->host, r->port, ss, sslen, &g);
    c->ms = (int)(s7_now_ms() - t0);
    if (rc < 0) {
        s7__diag_set(c, S7_DIAG_FAIL, "getaddrinfo(\"%s\") failed after %d ms: %s", o->host, c->ms,
                     g ? gai_strerror(g) : s7_strerror(rc));
        s7_err_explain(S7_ERR_RESOLVE, &ex, c->cause, sizeof c->cause, c->fix, sizeof c->fix);
        s7__cat(c->fix, sizeof c->fix,
                " (DNS: ask whoever runs the name service, or write the "
                "address in place of the name)");
        fail(r, C_RESOLVE, S7_DIAG_NAME_UNRESOLVED, NULL);
        return -1;
    }
    if (ss->ss_family == AF_INET)
        inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ss)->sin_addr, r->addr, sizeof r->addr);
    else
        inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)ss)->sin6_addr, r->addr,
                  sizeof r->addr);
    if (numeric)
        s7__diag_set(c, S7_DIAG_PASS, "%s is a numeric address (nothing to resolve)", r->addr);
    else
        s7__diag_set(c, S7_DIAG_PASS, "%s resolves to %s (%d ms)", o->host, r->addr, c->ms);
    return 0;
}

static int step_tcp(const s7_doctor_opts *o, s7_diag_report *r, struct sockaddr_storage *ss,
                    socklen_t sslen, int *fd)
{
    s7_diag_check *c = &r->checks[C_TCP];
    int tmo = o->client.connect_timeout_ms > 0 ? o->client.connect_timeout_ms : 3000;
    if (ss->ss_family == AF_INET)
        ((struct sockaddr_in *)(void *)ss)->sin_port = htons(r->port);
    else
        ((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons(r->port);
    s7__net_ev ev;
    int64_t t0 = s7_now_ms();
    int rc = s7__net_probe((struct sockaddr *)ss, sslen, o->client.source_addr, tmo, fd, &ev, r);
    int ms = (int)(s7_now_ms() - t0);
    c->ms = ev.syn == S7__SYN_CONNECTED ? ev.syn_ms : ms;
    if (rc == 0) {
        s7__diag_set(c, S7_DIAG_PASS, "TCP connect to %s port %u: SYN answered, connected in %d ms",
                     r->addr, r->port, ev.syn_ms);
        return 0;
    }
    char finding[400];
    int v = s7__net_classify(&ev, finding, sizeof finding, c->cause, sizeof c->cause, c->fix,
                             sizeof c->fix);
    if (ev.syn == S7__SYN_TIMEOUT)
        s7__diag_set(c, S7_DIAG_FAIL, "TCP connect to %s port %u: %s (probes ended after %d ms)",
                     r->addr, r->port, finding, ms);
    else
        s7__diag_set(c, S7_DIAG_FAIL, "TCP connect to %s port %u: %s (%d ms)", r->addr, r->port,
                     finding, ms);
    fail(r, C_TCP, v, NULL);
    return -1;
}

/* ---------------------------------------------------------------- steps 3 and 4 */

static void tsap_desc(const s7_client_opts *co, uint16_t l, uint16_t rt, char *buf, size_t cap)
{
    if (co->remote_tsap)
        snprintf(buf, cap, "TSAPs %04X:%04X", l, rt);
    else
        snprintf(buf, cap, "TSAPs %04X:%04X = rack %u slot %u, %s connection", l, rt, co->rack,
                 co->slot, s7__type_name(co->type));
}

static int step_handshake(const s7_doctor_opts *o, s7_diag_report *r, s7_client_opts *co,
                          s7__rec *rec, int fd, s7_client **out, int *watch_out)
{
    s7_diag_check *cc = &r->checks[C_COTP], *cs = &r->checks[C_SETUP];
    int tmo = co->connect_timeout_ms;
    char td[128];
    s7_client *c = s7_client_new(co);
    if (!c) {
        close(fd);
        return S7_ERR_NOMEM;
    }
    s7_client_tsaps(c, &r->local_tsap, &r->remote_tsap);
    tsap_desc(co, r->local_tsap, r->remote_tsap, td, sizeof td);
    s7__rec_reset(rec);
    /* a second handle on the socket: after a CR that got no answer, TCP tells whether the
     * partner's stack received it at all (the client closes its handle on failure) */
    int watch = dup(fd);
    int64_t t0 = s7_now_ms();
    int rc = s7_client_connect_fd(c, fd);
    int total = (int)(s7_now_ms() - t0);
    /* TCP's view of the session when it failed: retransmissions, data not acknowledged */
    unsigned retrans = 0, unacked_now = 0;
    if (rc != 0)
        s7__diag_tcp_state(watch, &retrans, &unacked_now);
    int unacked = rc == S7_ERR_TIMEOUT && !rec->cc_seen && !rec->dr_seen && unacked_now > 0;
    /* where did the CR end: find the CC's time among the frames */
    int t_cc = -1;
    size_t n = rec->seen < S7__REC_KEEP ? rec->seen : S7__REC_KEEP;
    for (size_t i = 0; i < n; i++) {
        const s7_diag_frame *f = &rec->ring[(rec->seen - n + i) % S7__REC_KEEP];
        if (!f->outgoing && f->len >= 6 && (f->bytes[5] & 0xF0) == S7_COTP_CC)
            t_cc = f->t_ms;
    }
    if (rc == 0 || rec->cc_seen) {
        cc->ms = t_cc >= 0 ? t_cc : total;
        s7__diag_set(cc, S7_DIAG_PASS,
                     "CR (%s, TPDU size code 0x%02X) sent, CC received after %d ms", td,
                     co->tpdu_size, cc->ms);
    }
    if (rc == 0) {
        cs->ms = total - (t_cc >= 0 ? t_cc : 0);
        r->connected = 1;
        r->pdu = s7_client_pdu(c);
        r->amq = s7_client_amq(c);
        s7__diag_set(cs, S7_DIAG_PASS,
                     "setup communication: asked PDU %u and %u jobs in flight, granted PDU %u and "
                     "AmQ %u (%d ms)",
                     co->pdu_request, co->amq_request, r->pdu, r->amq, cs->ms);
        *out = c;
        *watch_out = watch; /* the session's socket, for TCP's view when a later step fails */
        return 0;
    }
    if (watch >= 0)
        close(watch);
    if (rec->cc_seen) {
        /* the setup failed */
        cs->ms = total - (t_cc >= 0 ? t_cc : 0);
        s7__diag_set(cs, S7_DIAG_FAIL, "setup communication (PDU %u, AmQ %u) sent", co->pdu_request,
                     co->amq_request);
        const s7_diag_frame *last = last_frame(rec, 0);
        int answered = last && !(last->len >= 6 && (last->bytes[5] & 0xF0) == S7_COTP_CC);
        if (!answered && cs->ms >= tmo - 5)
            s7__cat(cs->detail, sizeof cs->detail, "; no answer within %d ms", tmo);
        else if (!answered)
            s7__cat(cs->detail, sizeof cs->detail,
                    "; the partner closed the connection after %d ms without answering", cs->ms);
        else
            s7__cat(cs->detail, sizeof cs->detail, "; the answer was not accepted: %s",
                    s7_strerror(rc));
        cat_exchange(cs, rec);
        if (!answered && rc == S7_ERR_TIMEOUT && (retrans || unacked_now)) {
            /* no answer while TCP had to retransmit: the path lost packets (docs/doctor.md
             * "The path: MTU and loss"), not a partner that refuses the setup */
            s7__cat(cs->detail, sizeof cs->detail,
                    "; TCP on the connection: %u retransmissions, %u segments unacknowledged",
                    retrans, unacked_now);
            snprintf(cs->cause, sizeof cs->cause,
                     "the setup got no answer while TCP on the connection to %s had to "
                     "retransmit: packets are lost on the path (the CC came, so the partner "
                     "speaks ISO-on-TCP)",
                     r->addr);
            s7__diag_loss_fix(cs, r->addr);
            fail(r, C_SETUP, S7_DIAG_PATH_LOSS, rec);
            s7_client_free(c);
            return -1;
        }
        set_cause(
            cs,
            "the partner accepted the ISO connection (CC) but not the S7 setup: it is not an S7 "
            "CPU (another ISO-on-TCP service on port 102), or it rejects the PDU size or jobs "
            "in flight asked for",
            "check that the address is the CPU's; try a smaller PDU (--pdu 240); capture the "
            "exchange with --trace");
        fail(r, C_SETUP, S7_DIAG_NEGOTIATION_FAILED, rec);
        s7_client_free(c);
        return -1;
    }
    /* no CC */
    cc->ms = total;
    s7__diag_set(cc, S7_DIAG_FAIL, "CR (%s) sent", td);
    if (rec->dr_seen)
        s7__cat(cc->detail, sizeof cc->detail,
                "; the partner answered with a COTP DR (disconnect request) after %d ms",
                (int)rec->t_first_in);
    else if (rc == S7_ERR_TIMEOUT)
        s7__cat(cc->detail, sizeof cc->detail,
                "; no answer within %d ms (no CC, connection left open)", tmo);
    else if (rc == S7_ERR_CR_REJECTED || rc == S7_ERR_CLOSED)
        s7__cat(cc->detail, sizeof cc->detail,
                "; the partner closed the TCP connection after %d ms without a CC", total);
    else
        s7__cat(cc->detail, sizeof cc->detail, "; the answer is not a COTP CC: %s (%s)",
                s7_strerror(rc), s7_err_name(rc));
    cat_exchange(cc, rec);
    if (unacked) {
        /* the SYN passed, the data after it did not: the partner's TCP never acknowledged the
         * CR (a hung device's kernel still would) */
        s7__cat(cc->detail, sizeof cc->detail,
                "; the partner's TCP never acknowledged the CR's bytes (%u retransmissions): "
                "they did not reach it",
                retrans);
        set_cause(cc,
                  "the path passes the TCP handshake to port 102 but drops the data after it: a "
                  "firewall or intrusion prevention system that filters S7 traffic by content, "
                  "or a link that loses larger packets (an MTU problem); the CPU never saw the "
                  "request",
                  "network team (firewall): ask for the rule that passes S7 (TCP 102, COTP/S7 "
                  "payload) from this host to the PLC, not only the port; check the path's MTU "
                  "(ping -M do -s 1400 PLC); the PLC is not at fault");
        /* a filter by content drops every CR; a lossy path lost this one: ask once more on a
         * fresh connection (docs/doctor.md "The path under the session") */
        s7_diag_alt again;
        memset(&again, 0, sizeof again);
        s7__rec_to_check(rec, cc); /* the evidence: the first CR, before the frames of the next */
        if (s7__attempt(r->addr, r->port, co, r->local_tsap, r->remote_tsap, NULL, &again, NULL) ==
            0) {
            s7__cat(cc->detail, sizeof cc->detail,
                    "; a CR on a fresh connection was answered with a CC after %d ms: the path "
                    "lost the first one",
                    again.ms);
            snprintf(cc->cause, sizeof cc->cause,
                     "packets are lost on the path to %s: the first CR was never acknowledged "
                     "by the partner's TCP (%u retransmissions), the same CR on a fresh "
                     "connection was accepted (a filter by content would drop it again)",
                     r->addr, retrans);
            s7__diag_loss_fix(cc, r->addr);
            fail(r, C_COTP, S7_DIAG_PATH_LOSS, NULL);
            s7_client_free(c);
            return -1;
        }
        fail(r, C_COTP, S7_DIAG_PORT_FILTERED, NULL);
        s7_client_free(c);
        return -1;
    }
    if (rc == S7_ERR_TPKT || rc == S7_ERR_COTP) {
        /* an answer, but not ISO-on-TCP: another service holds port 102 here */
        const s7_diag_frame *in = last_frame(rec, 0);
        int echo = in && in->len >= 6 && (in->bytes[5] & 0xF0) == S7_COTP_CR;
        r->cr_cause = S7_DIAG_CR_NOT_ISO;
        if (echo)
            snprintf(cc->cause, sizeof cc->cause,
                     "the partner sent the COTP connection request back unchanged: an echo "
                     "service listens on port %u, not an S7 CPU",
                     r->port);
        else
            snprintf(cc->cause, sizeof cc->cause,
                     "the partner answered the COTP connection request with bytes that are not "
                     "ISO-on-TCP (TPKT, COTP): another service listens on port %u (a web "
                     "server, a gateway's console, a port forwarder to something else), not an "
                     "S7 CPU",
                     r->port);
        snprintf(cc->fix, sizeof cc->fix,
                 "PLC owner: check that %s is the CPU's (or its CP's) address: another device "
                 "holds it, or its port %u leads elsewhere; s7 scan finds the S7 CPUs of a "
                 "subnet",
                 r->addr, r->port);
        fail(r, C_COTP, S7_DIAG_CR_REJECTED, rec);
        s7_client_free(c);
        return -1;
    }
    fail(r, C_COTP, S7_DIAG_CR_REJECTED, rec);
    s7_client_free(c);
    /* cause, fix and alternatives: alternatives.c */
    s7__diag_alternatives(o, r, co, rc);
    return -1;
}

/* ---------------------------------------------------------------- steps 5 to 7 */

static const char *state_name(int st)
{
    return st == S7_CPU_RUN ? "RUN" : st == S7_CPU_STOP ? "STOP" : "unknown";
}

static int step_identity(const s7_doctor_opts *o, s7_diag_report *r, s7_client *c, s7__rec *rec)
{
    s7_diag_check *ck = &r->checks[C_IDENTITY];
    int tmo = o->client.request_timeout_ms > 0 ? o->client.request_timeout_ms : 3000;
    s7__rec_reset(rec);
    int64_t t0 = s7_now_ms();
    int rc = s7_client_cpu_info(c, &r->identity);
    if (rc < 0 && s7_err_is_fatal(rc)) {
        ck->ms = (int)(s7_now_ms() - t0);
        peer_error(r, C_IDENTITY, rc, "SZL 0x0011 / 0x001C", tmo, rec, c);
        return -1;
    }
    r->have_identity = rc == 0;
    int st = S7_CPU_UNKNOWN;
    int rs = s7_client_cpu_state(c, &st);
    if (rs < 0 && s7_err_is_fatal(rs)) {
        ck->ms = (int)(s7_now_ms() - t0);
        peer_error(r, C_IDENTITY, rs, "SZL 0x0424", tmo, rec, c);
        return -1;
    }
    r->cpu_state = st;
    ck->ms = (int)(s7_now_ms() - t0);
    if (r->have_identity) {
        const s7_cpu_info *id = &r->identity;
        s7__diag_set(ck, S7_DIAG_PASS, "order code %s, firmware %s", id->order_code,
                     id->version[0] ? id->version : "?");
        if (id->module_type[0])
            s7__cat(ck->detail, sizeof ck->detail, ", module type '%s'", id->module_type);
        if (id->module_name[0])
            s7__cat(ck->detail, sizeof ck->detail, ", module '%s'", id->module_name);
        if (id->as_name[0])
            s7__cat(ck->detail, sizeof ck->detail, ", station '%s'", id->as_name);
        if (id->serial[0])
            s7__cat(ck->detail, sizeof ck->detail, ", serial %s", id->serial);
        s7__cat(ck->detail, sizeof ck->detail, "; CPU state %s (SZL 0x0011, 0x001C, 0x0424; %d ms)",
                state_name(st), ck->ms);
    } else {
        const s7_explain *e = s7_client_last_error(c);
        s7__diag_set(ck, S7_DIAG_SKIP, "the CPU does not answer its identity (SZL 0x0011: %s",
                     rc == S7_ERR_PLC && e->code ? e->name : s7_strerror(rc));
        if (rc == S7_ERR_PLC && e->code)
            s7__cat(ck->detail, sizeof ck->detail, " 0x%04X", e->code);
        s7__cat(ck->detail, sizeof ck->detail, "); CPU state %s; %d ms", state_name(st), ck->ms);
    }
    /* the CPU expected, and STOP: a verdict of their own, the ladder goes on */
    int cv = s7__diag_cpu_verdict(o, r, c, ck);
    if (cv != S7_DIAG_OK)
        fail(r, C_IDENTITY, cv, NULL);
    return 0;
}

static int step_protection(const s7_doctor_opts *o, s7_diag_report *r, s7_client *c, s7__rec *rec)
{
    s7_diag_check *ck = &r->checks[C_PROTECTION];
    int tmo = o->client.request_timeout_ms > 0 ? o->client.request_timeout_ms : 3000;
    s7__rec_reset(rec);
    int64_t t0 = s7_now_ms();
    int rc = s7_client_cpu_caps(c, &r->caps);
    ck->ms = (int)(s7_now_ms() - t0);
    if (rc < 0 && s7_err_is_fatal(rc)) {
        peer_error(r, C_PROTECTION, rc, "SZL 0x0131 / 0x0132 / 0x0232", tmo, rec, c);
        return -1;
    }
    const s7_cpu_caps *k = &r->caps;
    if (k->protection_level < 0 && k->max_connections < 0 && k->used_connections < 0) {
        s7__diag_set(ck, S7_DIAG_SKIP,
                     "the CPU does not answer SZL 0x0232 (protection), 0x0131 and 0x0132 "
                     "(connections); %d ms",
                     ck->ms);
        return 0;
    }
    /* figures no CPU reports are shown with their raw value and "implausible", and nothing
     * is read into them (no protection wording, the check is not passed on them) */
    unsigned bad = s7_cpu_caps_implausible(k, r->pdu);
    char why[160];
#define IMPLAUSIBLE(f)                                           \
    s7__cat(ck->detail, sizeof ck->detail, " (implausible: %s)", \
            s7_cpu_caps_why(k, r->pdu, (f), why, sizeof why))
    ck->status = bad ? S7_DIAG_SKIP : S7_DIAG_PASS;
    ck->detail[0] = 0;
    if (bad)
        s7__cat(ck->detail, sizeof ck->detail, "not used, the CPU's answer is implausible: ");
    if (k->protection_level >= 0 && (bad & S7_CAPS_PROT_LEVEL)) {
        s7__cat(ck->detail, sizeof ck->detail, "protection level %d", k->protection_level);
        IMPLAUSIBLE(S7_CAPS_PROT_LEVEL);
    } else if (k->protection_level >= 0) {
        s7__cat(ck->detail, sizeof ck->detail, "protection level %d%s", k->protection_level,
                k->protection_level == 1   ? " (no protection)"
                : k->protection_level == 2 ? " (write protection)"
                                           : " (read/write protection)");
    } else {
        s7__cat(ck->detail, sizeof ck->detail, "protection level not answered");
    }
    if (k->protection_switch >= 0 && (bad & S7_CAPS_PROT_SWITCH)) {
        s7__cat(ck->detail, sizeof ck->detail, ", mode switch %d", k->protection_switch);
        IMPLAUSIBLE(S7_CAPS_PROT_SWITCH);
    }
    if (k->max_connections >= 0) {
        s7__cat(ck->detail, sizeof ck->detail, "; connections: %d at most", k->max_connections);
        if (bad & S7_CAPS_MAX_CONN)
            IMPLAUSIBLE(S7_CAPS_MAX_CONN);
    }
    if (k->used_connections >= 0) {
        s7__cat(ck->detail, sizeof ck->detail, "%s%d in use (this one included)",
                k->max_connections >= 0 ? ", " : "; connections: ", k->used_connections);
        if (bad & S7_CAPS_USED_CONN)
            IMPLAUSIBLE(S7_CAPS_USED_CONN);
    }
    if (k->max_pdu >= 0) {
        s7__cat(ck->detail, sizeof ck->detail, "; largest PDU %d", k->max_pdu);
        if (bad & S7_CAPS_MAX_PDU)
            IMPLAUSIBLE(S7_CAPS_MAX_PDU);
    }
#undef IMPLAUSIBLE
    s7__cat(ck->detail, sizeof ck->detail, " (SZL 0x0232, 0x0131, 0x0132; %d ms)", ck->ms);
    return 0;
}

/* Header / userdata codes that say the CPU refuses access to the object (access error
 * 0x8703, "not permitted in the current protection level" 0xD0A1 / 0xD241).  Others (0x8500
 * on a 1-byte read, resource errors, unknown codes) say nothing about protection. */
static int plc_denies_access(uint16_t code)
{
    return code == 0x8703 || code == 0xD0A1 || code == 0xD241;
}

/* The cause and fix of a whole-request refusal the doctor draws no verdict from. */
static void plc_no_verdict(s7_diag_check *ck, const s7_explain *e, const char *what)
{
    snprintf(ck->cause, sizeof ck->cause,
             "the partner refused %s as a whole with 0x%04X (%s), a code that says nothing about "
             "PUT/GET or access rights%s%s",
             what, e->code, e->text, e->cause[0] ? "; its usual cause: " : "", e->cause);
    snprintf(ck->fix, sizeof ck->fix, "%s%scapture the exchange with --trace and report it",
             e->fix[0] ? e->fix : "", e->fix[0] ? "; if that does not help, " : "");
}

/* The address of the PUT/GET probe: byte 0 of the first DB asked for, else MB0. */
static void probe_item(const s7_doctor_opts *o, s7_item *it, uint8_t *b, char *name, size_t cap)
{
    memset(it, 0, sizeof *it);
    it->ts = S7_TS_BYTE;
    it->count = 1;
    it->buf = b;
    for (size_t i = 0; i < o->ntargets; i++) {
        if (is_db(o->targets[i].area)) {
            it->area = S7_AREA_DB;
            it->db = o->targets[i].db;
            snprintf(name, cap, "DB%u.DBB0", it->db);
            return;
        }
    }
    it->area = S7_AREA_M;
    snprintf(name, cap, "MB0");
}

static int step_putget(const s7_doctor_opts *o, s7_diag_report *r, s7_client *c, s7__rec *rec)
{
    s7_diag_check *ck = &r->checks[C_PUTGET];
    int tmo = o->client.request_timeout_ms > 0 ? o->client.request_timeout_ms : 3000;
    s7_item it;
    uint8_t b = 0;
    char name[32];
    probe_item(o, &it, &b, name, sizeof name);
    s7__rec_reset(rec);
    int64_t t0 = s7_now_ms();
    int rc = s7_client_read(c, &it, 1);
    ck->ms = (int)(s7_now_ms() - t0);
    if (rc == 0 || rc == S7_ERR_ITEM) {
        r->put_get = 1;
        if (rc == 0)
            s7__diag_set(ck, S7_DIAG_PASS,
                         "a 1-byte read of %s was answered with data (0x%02X) in %d ms: PUT/GET is "
                         "permitted",
                         name, b, ck->ms);
        else
            s7__diag_set(
                ck, S7_DIAG_PASS,
                "a 1-byte read of %s was answered with item code 0x%02X (%s) in %d ms, not "
                "refused as a whole: PUT/GET is permitted",
                name, it.rc, s7_item_strerror(it.rc), ck->ms);
        return 0;
    }
    if (rc == S7_ERR_PLC) {
        const s7_explain *e = s7_client_last_error(c);
        s7__diag_set(ck, S7_DIAG_FAIL,
                     "a 1-byte read of %s was refused as a whole: error class 0x%02X code 0x%02X "
                     "(%s: %s), %d ms",
                     name, e->code >> 8, e->code & 0xFF, e->name, e->text, ck->ms);
        cat_exchange(ck, rec);
        if (e->kind == S7_EX_HEADER && e->code == 0x8104) {
            r->put_get = 0;
            set_cause(
                ck,
                "PUT/GET communication is not permitted on this CPU (the S7-1200/1500 default), "
                "or the setting was changed but the hardware configuration not downloaded",
                "in TIA Portal open the CPU's properties, Protection & Security > Connection "
                "mechanisms, tick \"Permit access with PUT/GET communication from remote "
                "partner\", then compile and download the hardware configuration to the CPU");
            fail(r, C_PUTGET, S7_DIAG_PUT_GET_DISABLED, rec);
        } else if (plc_denies_access(e->code)) {
            set_cause(ck, e->cause[0] ? e->cause : "the CPU refuses this access",
                      e->fix[0]
                          ? e->fix
                          : "check the CPU's protection and access settings for remote partners");
            fail(r, C_PUTGET, S7_DIAG_ACCESS_DENIED, rec);
        } else {
            plc_no_verdict(ck, e, "a 1-byte read");
            fail(r, C_PUTGET, S7_DIAG_PEER_ERROR, rec);
        }
        return -1;
    }
    ck->detail[0] = 0;
    peer_error(r, C_PUTGET, rc, name, tmo, rec, c);
    return -1;
}

/* ---------------------------------------------------------------- step 8 */

/* Read one element of area at off into b; returns the client's result, *rc the item code. */
static int read_one(s7_client *c, uint8_t area, uint16_t db, uint32_t off, uint8_t *b, uint8_t *rc)
{
    s7_item it;
    memset(&it, 0, sizeof it);
    it.area = area;
    it.db = db;
    it.ts = area == S7_AREA_T ? S7_TS_TIMER : area == S7_AREA_C ? S7_TS_COUNTER : S7_TS_BYTE;
    it.start = off;
    it.count = 1;
    it.buf = b;
    int r = s7_client_read(c, &it, 1);
    *rc = r == S7_ERR_ITEM ? it.rc : 0xFF;
    return r == S7_ERR_ITEM && it.status != S7_ERR_ITEM ? it.status : r;
}

/* Explain a failed target read: sets the verdict of the target.  Returns -1 when the session
 * is gone (peer error reported). */
static int target_failed(const s7_doctor_opts *o, s7_diag_report *r, size_t idx, size_t ti,
                         s7_client *c, int err, uint8_t rc, uint32_t off, s7__rec *rec)
{
    s7_diag_check *ck = &r->checks[idx];
    s7_diag_target_info *inf = &r->targets[ti];
    const s7_diag_target *t = &inf->t;
    char tn[32], cause[640], fix[640];
    int tmo = o->client.request_timeout_ms > 0 ? o->client.request_timeout_ms : 3000;
    target_name(t, tn, sizeof tn);
    if (err == S7_ERR_PLC) {
        const s7_explain *e = s7_client_last_error(c);
        s7__cat(ck->detail, sizeof ck->detail, "%s: refused as a whole with 0x%04X (%s: %s)", tn,
                e->code, e->name, e->text);
        cat_exchange(ck, rec);
        if (e->kind == S7_EX_HEADER && e->code == 0x8104) {
            set_cause(
                ck, "PUT/GET communication is not permitted on this CPU for this access",
                "tick \"Permit access with PUT/GET communication from remote partner\" in the "
                "CPU's protection settings and download the hardware configuration");
            inf->verdict = S7_DIAG_PUT_GET_DISABLED;
        } else if (plc_denies_access(e->code)) {
            set_cause(ck, e->cause[0] ? e->cause : "the CPU refuses this access",
                      e->fix[0] ? e->fix : "check the CPU's access settings for remote partners");
            inf->verdict = S7_DIAG_ACCESS_DENIED;
        } else {
            plc_no_verdict(ck, e, tn);
            inf->verdict = S7_DIAG_PEER_ERROR;
        }
        fail(r, idx, inf->verdict, rec);
        return 0;
    }
    if (err != S7_ERR_ITEM) {
        if (s7_err_is_fatal(err) || err == S7_ERR_PROTO) {
            if (err == S7_ERR_PROTO)
                s7__cat(ck->detail, sizeof ck->detail,
                        is_db(t->area)
                            ? "%s: bytes past an unreadable offset are readable: not a plain DB; "
                            : "%s: the item codes contradict each other while its size is "
                              "measured; ",
                        tn);
            peer_error(r, idx, err, tn, tmo, rec, c);
            inf->verdict = S7_DIAG_PEER_ERROR;
            return s7_err_is_fatal(err) ? -1 : 0;
        }
        s7__cat(ck->detail, sizeof ck->detail, "%s: %s", tn, s7_strerror(err));
        set_cause(ck, "the request could not be made", "");
        inf->verdict = S7_DIAG_PEER_ERROR;
        fail(r, idx, inf->verdict, rec);
        return 0;
    }
    inf->rc = rc;
    s7__cat(ck->detail, sizeof ck->detail,
            "a 1-%s read of %s at offset %u answered item code 0x%02X (%s)",
            is_db(t->area) || (t->area != S7_AREA_T && t->area != S7_AREA_C) ? "byte" : "element",
            tn, off, rc, s7_item_strerror(rc));
    cat_exchange(ck, rec);
    if (rc == S7_RC_NOT_FOUND) {
        s7_item_explain(rc, t->area, t->db, 0, cause, sizeof cause, fix, sizeof fix);
        inf->verdict = is_db(t->area) ? S7_DIAG_DB_MISSING : S7_DIAG_AREA_MISSING;
    } else if (rc == S7_RC_ADDR_OUT_OF_RANGE && is_db(t->area)) {
        s7_item_explain(rc, t->area, t->db, S7_ITEM_EX_OFFSET0, cause, sizeof cause, fix,
                        sizeof fix);
        inf->verdict = S7_DIAG_DB_OPTIMIZED;
    } else if (rc == S7_RC_ACCESS_DENIED) {
        snprintf(cause, sizeof cause,
                 "the CPU denies access to %s (item code 0x03): it is protected against access by "
                 "partners (an access rule, a know-how or write protection, or a read-only block)",
                 tn);
        snprintf(fix, sizeof fix,
                 "allow partner access to %s in the CPU's configuration, or exchange the data "
                 "through a DB the partner may access",
                 tn);
        inf->verdict = S7_DIAG_ACCESS_DENIED;
    } else {
        /* a well-formed answer that tells nothing about the DB or area: no verdict about its
         * protection or layout is drawn from it */
        const s7_explain *e = s7_explain_code(S7_EX_ITEM, rc);
        snprintf(cause, sizeof cause,
                 "item code 0x%02X (%s) is not an answer that tells what is wrong with %s (0x0A "
                 "missing, 0x05 out of range or optimized, 0x03 access denied): the partner "
                 "answers a plain 1-%s read in a way the doctor draws no verdict from%s%s",
                 rc, e->text, tn,
                 is_db(t->area) || (t->area != S7_AREA_T && t->area != S7_AREA_C) ? "byte"
                                                                                  : "element",
                 e->cause[0] ? "; the code's usual cause: " : "", e->cause);
        snprintf(fix, sizeof fix, "capture the exchange with --trace and report it; %s",
                 e->fix[0] ? e->fix : "check the partner's firmware");
        inf->verdict = S7_DIAG_PEER_ERROR;
    }
    set_cause(ck, cause, fix);
    fail(r, idx, inf->verdict, rec);
    return 0;
}

/* Largest n <= hi such that element n-1 of a non-DB area is readable, by bisection with
 * one-element reads (element 0 known readable; element hi-1 known not).  A failed read's
 * error (a reply that does not conform, a lost connection), or S7_ERR_PROTO for an item code
 * that contradicts the others. */
static int area_length(s7_client *c, uint8_t area, uint32_t hi)
{
    uint32_t lo = 1;
    uint8_t b[2], rc;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        int e = read_one(c, area, 0, mid - 1, b, &rc);
        if (e == 0)
            lo = mid;
        else if (e == S7_ERR_ITEM && rc == S7_RC_ADDR_OUT_OF_RANGE)
            hi = mid;
        else
            return e == S7_ERR_ITEM ? S7_ERR_PROTO : e;
    }
    return (int)lo;
}

static int step_target(const s7_doctor_opts *o, s7_diag_report *r, size_t ti, s7_client *c,
                       s7__rec *rec)
{
    size_t per = o->check_write ? 2 : 1;
    size_t idx = C_TARGETS + ti * per;
    s7_diag_check *ck = &r->checks[idx];
    s7_diag_target_info *inf = &r->targets[ti];
    const s7_diag_target *t = &inf->t;
    uint32_t need = t->start + t->length;
    int tmo = o->client.request_timeout_ms > 0 ? o->client.request_timeout_ms : 3000;
    char tn[32];
    uint8_t b[2] = {0, 0}, rc = 0xFF;
    target_name(t, tn, sizeof tn);
    s7__rec_reset(rec);
    int64_t t0 = s7_now_ms();
    ck->status = S7_DIAG_PASS;
    ck->detail[0] = 0;
    if (is_db(t->area)) {
        uint32_t len = 0;
        int e = s7_client_db_length(c, t->db, &len);
        ck->ms = (int)(s7_now_ms() - t0);
        if (e < 0) {
            const s7_explain *x = s7_client_last_error(c);
            uint8_t code = e == S7_ERR_ITEM ? (uint8_t)x->code : 0xFF;
            if (target_failed(o, r, idx, ti, c, e, code, 0, rec) < 0)
                return -1;
            return 0;
        }
        inf->length = (int)len;
        if (need > len) {
            /* the evidence: a read of the last byte required */
            s7__rec_reset(rec);
            int e2 = read_one(c, S7_AREA_DB, t->db, need - 1, b, &rc);
            if (e2 < 0 && s7_err_is_fatal(e2)) {
                peer_error(r, idx, e2, tn, tmo, rec, c);
                inf->verdict = S7_DIAG_PEER_ERROR;
                return -1;
            }
            if (e2 != S7_ERR_ITEM || rc != S7_RC_ADDR_OUT_OF_RANGE) {
                /* the evidence contradicts the length found: no db_too_short from it */
                char got[96];
                if (e2 == 0)
                    snprintf(got, sizeof got, "with data");
                else if (e2 == S7_ERR_ITEM)
                    snprintf(got, sizeof got, "item code 0x%02X (%s)", rc, s7_item_strerror(rc));
                else
                    snprintf(got, sizeof got, "%s", s7_strerror(e2));
                s7__diag_set(ck, S7_DIAG_FAIL,
                             "DB%u measured %u bytes long (binary search with 1-byte reads, %d "
                             "ms), but a read of DBB%u answered %s: the answers contradict each "
                             "other",
                             t->db, len, ck->ms, need - 1, got);
                cat_exchange(ck, rec);
                s7_err_ctx ex = {.host = r->addr, .port = r->port, .timeout_ms = tmo};
                s7_err_explain(S7_ERR_PROTO, &ex, ck->cause, sizeof ck->cause, ck->fix,
                               sizeof ck->fix);
                inf->verdict = S7_DIAG_PEER_ERROR;
                inf->length = -1;
                fail(r, idx, S7_DIAG_PEER_ERROR, rec);
                return 0;
            }
            s7__diag_set(ck, S7_DIAG_FAIL,
                         "DB%u is %u bytes long (binary search with 1-byte reads, %d ms); %u bytes "
                         "required (DBB%u..DBB%u): a read of DBB%u answered item code 0x%02X (%s)",
                         t->db, len, ck->ms, need, t->start, need - 1, need - 1, rc,
                         rc == 0xFF ? "data" : s7_item_strerror(rc));
            cat_exchange(ck, rec);
            char cause[640], fix[640];
            snprintf(cause, sizeof cause,
                     "DB%u is shorter than required: it is %u bytes long, %u bytes are needed",
                     t->db, len, need);
            snprintf(
                fix, sizeof fix,
                "make DB%u at least %u bytes long in the PLC project and download it, or address "
                "only DBB0..DBB%u",
                t->db, need, len ? len - 1 : 0);
            set_cause(ck, cause, fix);
            inf->verdict = S7_DIAG_DB_TOO_SHORT;
            inf->rc = rc;
            fail(r, idx, S7_DIAG_DB_TOO_SHORT, rec);
            return 0;
        }
        s7__diag_set(
            ck, S7_DIAG_PASS,
            "DB%u exists, is not optimized and is %u bytes long (binary search with 1-byte "
            "reads, %d ms)",
            t->db, len, ck->ms);
        if (need)
            s7__cat(ck->detail, sizeof ck->detail, "; %u bytes required", need);
        inf->verdict = S7_DIAG_OK;
    } else {
        uint32_t off = need ? need - 1 : t->start;
        int e = read_one(c, t->area, 0, off, b, &rc);
        ck->ms = (int)(s7_now_ms() - t0);
        if (e == S7_ERR_ITEM && rc == S7_RC_ADDR_OUT_OF_RANGE) {
            /* how large is it? */
            uint8_t rc0 = 0xFF;
            int e0 = off ? read_one(c, t->area, 0, 0, b, &rc0) : S7_ERR_ITEM;
            int len = e0 == 0 ? area_length(c, t->area, off + 1) : 0;
            if (e0 == S7_ERR_ITEM && rc0 == S7_RC_NOT_FOUND) {
                /* no such area after all */
                if (target_failed(o, r, idx, ti, c, S7_ERR_ITEM, S7_RC_NOT_FOUND, 0, rec) < 0)
                    return -1;
                return 0;
            }
            if ((e0 < 0 && e0 != S7_ERR_ITEM) || len < 0) {
                /* the size cannot be told from these answers: no area_too_short */
                if (target_failed(o, r, idx, ti, c, len < 0 ? len : e0, 0xFF, 0, rec) < 0)
                    return -1;
                return 0;
            }
            inf->length = len;
            inf->rc = rc;
            s7__rec_reset(rec);
            read_one(c, t->area, 0, off, b, &rc);
            ck->ms = (int)(s7_now_ms() - t0);
            s7__diag_set(
                ck, S7_DIAG_FAIL,
                "%s: element %u answered item code 0x%02X (address out of range); the area "
                "is %d %s long, %u required (%d ms)",
                tn, off, rc, len,
                t->area == S7_AREA_T || t->area == S7_AREA_C ? "elements" : "bytes", need, ck->ms);
            cat_exchange(ck, rec);
            char cause[640], fix[640];
            snprintf(cause, sizeof cause,
                     "%s of this CPU is smaller than required: %d long, %u needed", tn, len, need);
            snprintf(fix, sizeof fix,
                     "address only elements 0..%d of %s, or exchange the data through a DB",
                     len - 1, tn);
            set_cause(ck, cause, fix);
            inf->verdict = S7_DIAG_AREA_TOO_SHORT;
            fail(r, idx, S7_DIAG_AREA_TOO_SHORT, rec);
            return 0;
        }
        if (e < 0) {
            if (target_failed(o, r, idx, ti, c, e, rc, off, rec) < 0)
                return -1;
            return 0;
        }
        s7__diag_set(ck, S7_DIAG_PASS, "%s: element %u is readable (%d ms)", tn, off, ck->ms);
        inf->verdict = S7_DIAG_OK;
    }
    if (!o->check_write)
        return 0;

    /* write check: read a byte and write the same value back */
    s7_diag_check *wk = &r->checks[idx + 1];
    uint32_t off = need ? need - 1 : t->start;
    uint8_t area = is_db(t->area) ? S7_AREA_DB : t->area;
    s7__rec_reset(rec);
    t0 = s7_now_ms();
    int e = read_one(c, area, t->db, off, b, &rc);
    if (e < 0) {
        wk->detail[0] = 0;
        if (target_failed(o, r, idx + 1, ti, c, e, rc, off, rec) < 0)
            return -1;
        return 0;
    }
    s7_item it;
    memset(&it, 0, sizeof it);
    it.area = area;
    it.db = t->db;
    it.ts = area == S7_AREA_T ? S7_TS_TIMER : area == S7_AREA_C ? S7_TS_COUNTER : S7_TS_BYTE;
    it.start = off;
    it.count = 1;
    it.buf = b;
    s7__rec_reset(rec);
    e = s7_client_write(c, &it, 1);
    wk->ms = (int)(s7_now_ms() - t0);
    if (e == 0) {
        inf->writable = 1;
        s7__diag_set(wk, S7_DIAG_PASS,
                     "%s offset %u: read 0x%02X and wrote the same value back: writable (%d ms)",
                     tn, off, b[0], wk->ms);
        return 0;
    }
    inf->writable = 0;
    wk->detail[0] = 0;
    s7__cat(wk->detail, sizeof wk->detail, "writing back the value read at offset %u: ", off);
    if (e == S7_ERR_ITEM && it.rc == S7_RC_ACCESS_DENIED) {
        s7__cat(wk->detail, sizeof wk->detail, "item code 0x03 (%s)", s7_item_strerror(it.rc));
        cat_exchange(wk, rec);
        char cause[640], fix[640];
        snprintf(cause, sizeof cause,
                 "%s is readable but not writable by partners: a read-only block or area, or write "
                 "protection",
                 tn);
        snprintf(fix, sizeof fix,
                 "if this partner must write %s, remove its write protection (or the read-only "
                 "attribute) and download; otherwise document the exchange as GET only",
                 tn);
        set_cause(wk, cause, fix);
        inf->verdict = S7_DIAG_ACCESS_DENIED;
        fail(r, idx + 1, S7_DIAG_ACCESS_DENIED, rec);
        return 0;
    }
    if (target_failed(o, r, idx + 1, ti, c, e, e == S7_ERR_ITEM ? it.rc : 0xFF, off, rec) < 0)
        return -1;
    return 0;
}

/* ---------------------------------------------------------------- step 9: a full answer */

/* Every read so far was answered in one small packet.  Read what the negotiated PDU allows in
 * one answer (PDU - 18 bytes; two of them pipelined when AmQ allows, so a TCP stack that
 * coalesces answers fills whole segments), from the first DB found long enough, else from M:
 * a path that drops large packets shows here, not in the application's first large read. */
static int step_full_pdu(const s7_doctor_opts *o, s7_diag_report *r, s7_client *c, s7__rec *rec)
{
    size_t idx = r->nchecks - 1;
    s7_diag_check *ck = &r->checks[idx];
    int tmo = o->client.request_timeout_ms > 0 ? o->client.request_timeout_ms : 3000;
    uint32_t one = r->pdu > 18 ? (uint32_t)r->pdu - 18 : 0;
    uint32_t want = r->amq >= 2 ? 2 * one : one;
    s7_item it;
    memset(&it, 0, sizeof it);
    it.area = S7_AREA_M;
    it.ts = S7_TS_BYTE;
    char name[32] = "MB0";
    for (size_t i = 0; i < r->ntargets; i++) {
        const s7_diag_target_info *t = &r->targets[i];
        if (t->t.area == S7_AREA_DB && t->verdict == S7_DIAG_OK && t->length > 0) {
            it.area = S7_AREA_DB;
            it.db = t->t.db;
            if ((uint32_t)t->length < want)
                want = (uint32_t)t->length;
            snprintf(name, sizeof name, "DB%u.DBB0", it.db);
            break;
        }
    }
    if (!one) {
        s7__diag_set(ck, S7_DIAG_SKIP, "not run: no PDU size negotiated");
        return 0;
    }
    uint8_t *buf = malloc(want);
    if (!buf)
        return S7_ERR_NOMEM;
    it.count = want;
    it.buf = buf;
    s7__rec_reset(rec);
    int64_t t0 = s7_now_ms();
    int rc = s7_client_read(c, &it, 1);
    ck->ms = (int)(s7_now_ms() - t0);
    free(buf);
    if (rc == 0) {
        s7__diag_set(ck, S7_DIAG_PASS,
                     "a %u-byte read of %s (%u answer%s of up to %u bytes, the largest PDU %u "
                     "allows) arrived in %d ms: the path carries full-size answers",
                     want, name, (want + one - 1) / one, want > one ? "s" : "", one, r->pdu,
                     ck->ms);
        if (want < one)
            s7__cat(ck->detail, sizeof ck->detail,
                    " (%s is only %u bytes long: larger answers were not tried)", name, want);
        return 0;
    }
    if (rc == S7_ERR_ITEM || rc == S7_ERR_PLC) {
        /* M smaller than the read, or not readable: nothing is known of large answers */
        s7__diag_set(ck, S7_DIAG_SKIP,
                     "a %u-byte read of %s was answered without data (%s): the path's carrying "
                     "of full-size answers is not known; give a DB of at least %u bytes with "
                     "--db",
                     want, name, s7_strerror(rc), one);
        return 0;
    }
    ck->detail[0] = 0;
    peer_error(r, idx, rc, name, tmo, rec, c);
    s7__cat(ck->detail, sizeof ck->detail, " (a %u-byte read; every smaller read passed)", want);
    return -1;
}

/* ---------------------------------------------------------------- the path */

/* s7 doctor --inventory --as: the path's place in the plant model.  A drop or reject of a
 * path nobody documented is the firewall doing its job: said in the cause and the fix (the
 * verdict and its exit code stay what the network shows). */
static void apply_path_note(const s7_doctor_opts *o, s7_diag_report *r)
{
    r->path_documented = o->path_documented;
    if (!o->path_note || !*o->path_note)
        return;
    snprintf(r->path_note, sizeof r->path_note, "%s", o->path_note);
    if (r->failed < 0)
        return;
    s7_diag_check *f = &r->checks[r->failed];
    int blocked = s7__diag_blocked(r->verdict);
    s7__cat(f->detail, sizeof f->detail, "; path %s", o->path_note);
    if (blocked && o->path_documented == 0) {
        char cause[640], fix[640];
        snprintf(cause, sizeof cause,
                 "by design, not a fault: this path is not documented in the inventory, and the "
                 "firewall generated from it blocks every path it does not list; what the network "
                 "shows: %.420s",
                 f->cause);
        snprintf(fix, sizeof fix,
                 "nothing to fix if this partner does not need the path; if it does, document the "
                 "connection in the inventory, generate the firewall rules again (s7 inventory "
                 "firewall) and have the network team apply them");
        snprintf(f->cause, sizeof f->cause, "%s", cause);
        snprintf(f->fix, sizeof f->fix, "%s", fix);
    } else if (blocked && o->path_documented == 1) {
        s7__cat(f->cause, sizeof f->cause,
                "; the path is documented, so the firewall should pass it: a rule is missing or "
                "wrong");
    }
}

/* ---------------------------------------------------------------- the ladder */

int s7__doctor_net(const s7_doctor_opts *o, s7_diag_report *r, int *fd)
{
    int64_t t0 = s7_now_ms();
    *fd = -1;
    if (!r)
        return S7_ERR_INVAL;
    memset(r, 0, sizeof *r);
    if (!o || !o->host || !*o->host || (o->ntargets && !o->targets))
        return S7_ERR_INVAL;
    if (setup_report(o, r) < 0) {
        s7_diag_report_free(r);
        return S7_ERR_NOMEM;
    }
    snprintf(r->host, sizeof r->host, "%s", o->host);
    r->port = o->port ? o->port : 102;
    r->path_documented = o->path_documented; /* -1 unless --inventory: who acts is the verdict's */
    struct sockaddr_storage ss;
    socklen_t sslen = 0;
    if (step_resolve(o, r, &ss, &sslen) == 0 && step_tcp(o, r, &ss, sslen, fd) == 0)
        return 0;
    mark_skipped(r);
    r->total_ms = (int)(s7_now_ms() - t0);
    return -1;
}

int s7_doctor(const s7_doctor_opts *o, s7_diag_report *r)
{
    int64_t t0 = s7_now_ms();
    int fd = -1;
    int net = s7__doctor_net(o, r, &fd);
    if (net == S7_ERR_INVAL || net == S7_ERR_NOMEM)
        return net;

    s7_client_opts co = o->client;
    if (co.connect_timeout_ms <= 0)
        co.connect_timeout_ms = 3000;
    if (co.request_timeout_ms <= 0)
        co.request_timeout_ms = 3000;
    if (!co.pdu_request)
        co.pdu_request = 960;
    if (!co.amq_request)
        co.amq_request = 8;
    if (!co.tpdu_size)
        co.tpdu_size = 0x0A;
    if (co.remote_tsap && !co.local_tsap)
        co.local_tsap = 0x0100;
    s7__rec rec;
    s7__rec_attach(&rec, &co);

    s7_client *c = NULL;
    int watch = -1;
    if (net == 0) {
        int h = step_handshake(o, r, &co, &rec, fd, &c, &watch);
        if (h == S7_ERR_NOMEM) {
            s7_diag_report_free(r);
            return S7_ERR_NOMEM;
        }
    }
    if (c && step_identity(o, r, c, &rec) == 0 && step_protection(o, r, c, &rec) == 0 &&
        step_putget(o, r, c, &rec) == 0) {
        size_t i = 0;
        for (; i < o->ntargets; i++)
            if (step_target(o, r, i, c, &rec) < 0)
                break;
        if (i == o->ntargets && step_full_pdu(o, r, c, &rec) == S7_ERR_NOMEM) {
            s7_client_free(c);
            if (watch >= 0)
                close(watch);
            s7_diag_report_free(r);
            return S7_ERR_NOMEM;
        }
    }
    if (c) {
        s7__close_gracefully(c, co.connect_timeout_ms < 500 ? co.connect_timeout_ms : 500);
        s7_client_free(c);
    }
    if (r->verdict == S7_DIAG_PEER_ERROR && rec.timed_out && r->failed >= C_IDENTITY) {
        /* no answer after the setup: the path or the CPU? (doctor_path.c) */
        /* the size probes only where the answer lost may have been large (SZL answers, the
         * full read); a 1-byte read's answer crosses any path: TCP's counts alone there */
        size_t fi = (size_t)r->failed;
        int large = fi == C_IDENTITY || fi == C_PROTECTION || fi == r->nchecks - 1;
        int v = s7__diag_path_after_timeout(o, r, &co, watch, large, &r->checks[r->failed]);
        if (v >= 0)
            r->verdict = v;
    }
    if (watch >= 0)
        close(watch);
    s7__diag_cpu_after_cr(o, r);
    mark_skipped(r);
    apply_path_note(o, r);
    r->total_ms = (int)(s7_now_ms() - t0);
    return r->verdict;
}
