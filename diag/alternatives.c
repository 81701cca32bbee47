/* What the doctor does after the CPU refused its connection request: a refused CR looks the
 * same on the wire for a wrong TSAP and for exhausted connection resources (the CPU closes
 * the TCP connection without a CC), so the doctor asks the CPU other questions, one
 * connection at a time, each closed before the next:
 *
 *   A. the same rack/slot (low byte of the called TSAP) with the other connection types;
 *      one accepted -> RESOURCES_EXHAUSTED: the address is right, the pool of the type asked
 *      for is full;
 *   B. the same type at the usual other rack/slots (0/1, 0/2, 0/3, 0/0) and the LOGO! and
 *      S7-200 TSAP pairs, and only when none of them is accepted at the further places of
 *      real CPUs, up to the first accepted (S7-400: 0/4, 0/5; S7-400H's rack 1: 1/2 to
 *      1/5); one accepted ->
 *      WRONG_TSAP (the first accepted, but a LOGO! pair when the CPU's identity, read over
 *      the first accepted connection, says LOGO!);
 *   C. (only when A and B found nothing) the other types at the other addresses; the first
 *      accepted -> WRONG_TSAP, and the type asked for is refused at the right address too;
 *   nothing accepted -> ALL_REFUSED: every resource in use, this partner not allowed, or not
 *   an S7 CPU; but when every attempt failed at TCP already (refused, silent, unreachable),
 *   PARTNER_GONE: the port that took the first connection went away during the check.
 * When the CR asked for went unanswered (a timeout, not a close) and one of A to C was
 * accepted, the CR asked for is sent once more: accepted -> LATE_ANSWER (the partner was
 * slow, not full or wrongly addressed).
 * docs/doctor.md states the rule. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag/doctor_int.h"

#define MAX_ALTS 40 /* A 2, B 9 + 3 pairs, C 2 x 9 (or 3 x 10 after --tsap) */

typedef struct alt_run {
    const char *addr;
    uint16_t port;
    s7_client_opts co;
    s7_diag_report *r;
    int silent; /* attempts in a row the partner did not answer */
} alt_run;

/* Try one pair unless already tried; returns 1 when the CPU accepted it. */
static int try_pair(alt_run *x, s7_diag_alt_kind kind, uint16_t local, uint16_t remote)
{
    s7_diag_report *r = x->r;
    if (remote == r->remote_tsap && local == r->local_tsap)
        return 0;
    for (size_t i = 0; i < r->nalts; i++)
        if (r->alts[i].remote_tsap == remote && r->alts[i].local_tsap == local)
            return r->alts[i].result == 0;
    if (r->nalts >= MAX_ALTS || x->silent >= 2)
        return 0; /* a partner that never answers a CR: stop asking */
    s7_diag_alt *a = &r->alts[r->nalts++];
    s7__alt_set(a, kind, local, remote);
    s7_client *keep = NULL;
    s7__rec rec; /* outlives the kept handle */
    s7__attempt(x->addr, x->port, &x->co, local, remote, &rec, a, r->have_identity ? NULL : &keep);
    x->silent = a->result == S7_ERR_TIMEOUT ? x->silent + 1 : 0;
    if (keep) {
        /* who answers there: tells a LOGO! (to be addressed by its TSAP pair) */
        if (s7_client_cpu_info(keep, &r->identity) == 0)
            r->have_identity = 1;
        else
            memset(&r->identity, 0, sizeof r->identity);
        s7__close_gracefully(keep, x->co.connect_timeout_ms < 500 ? x->co.connect_timeout_ms : 500);
        s7_client_free(keep);
    }
    return a->result == 0;
}

/* The pair asked for, sent once more (not listed among the alternatives); 1 when the CPU
 * accepted it this time. */
static int asked_again(alt_run *x)
{
    s7_diag_alt a;
    memset(&a, 0, sizeof a);
    s7__attempt(x->addr, x->port, &x->co, x->r->local_tsap, x->r->remote_tsap, NULL, &a, NULL);
    return a.result == 0;
}

/* "rack 0 slot 2 (PG, TSAP 0102)" or "the LOGO! pair 0100:0200". */
static void alt_desc(const s7_diag_alt *a, char *buf, size_t cap)
{
    if (a->kind == S7_DIAG_ALT_LOGO)
        snprintf(buf, cap, "the LOGO! TSAP pair %04X:%04X", a->local_tsap, a->remote_tsap);
    else if (a->kind == S7_DIAG_ALT_S7200)
        snprintf(buf, cap, "the S7-200 (CP243-1) TSAP pair %04X:%04X", a->local_tsap,
                 a->remote_tsap);
    else
        snprintf(buf, cap, "rack %u slot %u with a%s %s connection (called TSAP %04X)", a->rack,
                 a->slot, a->type == 2 ? "n" : "", s7__type_name(a->type), a->remote_tsap);
}

/* Which set of the rule an alternative belongs to, for the called TSAP asked for (R). */
enum { SET_A = 1, SET_B = 2, SET_C = 3 };
static int alt_set(uint16_t R, const s7_diag_alt *a)
{
    int T = s7__type_of_tsap(R);
    if (a->kind != S7_DIAG_ALT_RACKSLOT)
        return SET_B;
    int same_addr = T && (a->remote_tsap & 0xFF) == (R & 0xFF);
    int same_pool = T && s7__type_of_tsap(a->remote_tsap) == T; /* 03..10 are one pool */
    if (a->remote_tsap == R)
        return 0;
    if (same_addr)
        return same_pool ? SET_B : SET_A; /* same pool, other TSAP: the TSAP is wrong */
    return same_pool ? SET_B : SET_C;
}

s7_diag_cr_cause s7__diag_cr_classify(uint16_t remote, const s7_diag_alt *alts, size_t n,
                                      const s7_cpu_info *id, int *best)
{
    int first[4] = {-1, -1, -1, -1}, logo = -1;
    *best = -1;
    if (!n)
        return S7_DIAG_CR_NOT_PROBED;
    for (size_t i = 0; i < n; i++) {
        if (alts[i].result != 0)
            continue;
        int set = alt_set(remote, &alts[i]);
        if (set && first[set] < 0)
            first[set] = (int)i;
        if (set == SET_B && alts[i].kind == S7_DIAG_ALT_LOGO && logo < 0)
            logo = (int)i;
    }
    if (first[SET_A] >= 0) {
        *best = first[SET_A];
        return S7_DIAG_CR_RESOURCES_EXHAUSTED;
    }
    if (first[SET_B] >= 0) {
        /* a LOGO! (as its identity says) is addressed by its TSAP pair, even when it also
         * takes a rack/slot TSAP */
        *best = logo >= 0 && id && strncmp(id->order_code, "6ED1", 4) == 0 ? logo : first[SET_B];
        return S7_DIAG_CR_WRONG_TSAP;
    }
    if (first[SET_C] >= 0) {
        *best = first[SET_C];
        return S7_DIAG_CR_WRONG_TSAP;
    }
    return S7_DIAG_CR_ALL_REFUSED;
}

void s7__diag_alternatives(const s7_doctor_opts *o, s7_diag_report *r, const s7_client_opts *co,
                           int err)
{
    s7_diag_check *ck = &r->checks[S7__CHECK_COTP];
    uint16_t R = r->remote_tsap;
    int T = s7__type_of_tsap(R);
    uint8_t A = (uint8_t)(R & 0xFF);
    char asked[96], use[64], d[128];
    if (co->remote_tsap)
        snprintf(asked, sizeof asked, "called TSAP %04X", R);
    else
        snprintf(asked, sizeof asked, "rack %u slot %u with a%s %s connection (called TSAP %04X)",
                 co->rack, co->slot, T == 2 ? "n" : "", s7__type_name(T), R);

    if (o->no_alternatives) {
        r->cr_cause = S7_DIAG_CR_NOT_PROBED;
        snprintf(ck->cause, sizeof ck->cause,
                 "the CPU refused the connection request for %s: a wrong rack/slot or TSAP, or no "
                 "free connection resource of this type (stale clients hold them until TCP "
                 "keepalive ends them)",
                 asked);
        snprintf(ck->fix, sizeof ck->fix,
                 "try --rack 0 --slot 1 (S7-1200/1500), --slot 2 (S7-300), the CPU's slot on an "
                 "S7-400 (--slot 2 to 5; --rack 1 for the second CPU of an S7-400H), the "
                 "LOGO!/S7-200 TSAP pairs (--tsap 0100:0200, --tsap 1000:1001), another connection "
                 "type (--type op, "
                 "--type basic); s7 discover finds the working pair");
        return;
    }
    r->alts = calloc(MAX_ALTS, sizeof *r->alts);
    if (!r->alts)
        return;
    alt_run x;
    x.addr = r->addr;
    x.port = r->port;
    x.co = *co;
    x.r = r;
    x.silent = err == S7_ERR_TIMEOUT;
    if (err == S7_ERR_TIMEOUT && x.co.connect_timeout_ms > 1000)
        x.co.connect_timeout_ms = 1000; /* a partner that ignores CRs: do not wait long each time */

    /* A: the same address with the other types */
    if (T)
        for (int t = 1; t <= 3; t++)
            if (t != T)
                try_pair(&x, S7_DIAG_ALT_RACKSLOT, 0x0100, (uint16_t)(t << 8 | A));
    int found = -1;
    const s7_cpu_info *id = NULL;
    r->cr_cause = s7__diag_cr_classify(R, r->alts, r->nalts, NULL, &found);
    /* B: the same type at the usual other addresses, then the TSAP pairs; only when none
     * of them is accepted, at the S7-400's further slots and in rack 1 (S7-400H) */
    if (found < 0) {
        if (T)
            for (size_t i = 0; i < S7__ADDR_USUAL; i++)
                if (s7__addr_candidates[i] != A)
                    try_pair(&x, S7_DIAG_ALT_RACKSLOT, 0x0100,
                             (uint16_t)((R & 0xFF00) | s7__addr_candidates[i]));
        for (size_t i = 0; i < sizeof s7__pairs / sizeof s7__pairs[0]; i++)
            try_pair(&x, s7__pairs[i].kind, s7__pairs[i].local, s7__pairs[i].remote);
        id = r->have_identity ? &r->identity : NULL;
        r->cr_cause = s7__diag_cr_classify(R, r->alts, r->nalts, id, &found);
    }
    if (found < 0 && T) {
        for (size_t i = S7__ADDR_USUAL; i < S7__ADDR_ALL; i++)
            if (s7__addr_candidates[i] != A &&
                try_pair(&x, S7_DIAG_ALT_RACKSLOT, 0x0100,
                         (uint16_t)((R & 0xFF00) | s7__addr_candidates[i])))
                break; /* the first accepted: the place of this CPU */
        id = r->have_identity ? &r->identity : NULL;
        r->cr_cause = s7__diag_cr_classify(R, r->alts, r->nalts, id, &found);
    }
    /* C: other types at other addresses (the usual ones first), up to the first that works */
    if (found < 0 && err != S7_ERR_TIMEOUT) {
        for (size_t i = 0; i < S7__ADDR_ALL && found < 0; i++) {
            uint8_t a = s7__addr_candidates[i];
            if (T && a == A)
                continue;
            for (int t = 1; t <= 3 && found < 0; t++)
                if (t != T && try_pair(&x, S7_DIAG_ALT_RACKSLOT, 0x0100, (uint16_t)(t << 8 | a)))
                    found = 0;
        }
        id = r->have_identity ? &r->identity : NULL;
        r->cr_cause = s7__diag_cr_classify(R, r->alts, r->nalts, id, &found);
    }
    r->alt_best = found;

    /* the detail: what was tried */
    size_t ok = 0;
    for (size_t i = 0; i < r->nalts; i++)
        ok += r->alts[i].result == 0;
    s7__cat(ck->detail, sizeof ck->detail, "; then tried %zu other TSAPs, %zu accepted", r->nalts,
            ok);

    /* The CR asked for went unanswered, and another was accepted after it: before that is
     * read as a wrong TSAP or a full pool, the one asked for is sent once more.  Accepted
     * now, the partner was only late (busy, or stopped for a while): neither conclusion
     * holds. */
    if (found >= 0 && err == S7_ERR_TIMEOUT && asked_again(&x)) {
        r->cr_cause = S7_DIAG_CR_LATE_ANSWER;
        r->alt_best = -1;
        alt_desc(&r->alts[found], d, sizeof d);
        snprintf(ck->cause, sizeof ck->cause,
                 "the partner answers late: %s got no answer within %d ms, then %s was "
                 "accepted, and the request asked for, sent again, too: TSAP and connection "
                 "resources are fine, but it did not answer for a while (a CPU or CP busy with "
                 "communication or a long scan cycle, a device that hung or was stopped, a "
                 "network that held packets back)",
                 asked, co->connect_timeout_ms, d);
        snprintf(ck->fix, sizeof ck->fix,
                 "run the check again; when it recurs, look at the CPU's cycle time and "
                 "communication load (its diagnostics buffer, the share of the cycle for "
                 "communication) and at what else talks to it, and give the connection more "
                 "time (--timeout)");
        s7__cat(ck->detail, sizeof ck->detail, "; the request asked for, sent again, accepted");
        return;
    }
    /* gone: the attempts from the first that found no TCP connection on, when every one of
     * them found none (the port went away and stayed away; the attempts before it may
     * still have reached a dying listener) */
    size_t silent = 0, gone = 0, first_gone = r->nalts;
    for (size_t i = 0; i < r->nalts; i++) {
        int e = r->alts[i].result;
        int tcp = e == S7_ERR_REFUSED || e == S7_ERR_CONNECT_TIMEOUT || e == S7_ERR_UNREACH;
        silent += e == S7_ERR_TIMEOUT;
        if (tcp && first_gone == r->nalts)
            first_gone = i;
        gone += tcp && first_gone < r->nalts;
    }
    if (found < 0 && first_gone < r->nalts && gone == r->nalts - first_gone && gone >= 2) {
        r->cr_cause = S7_DIAG_CR_PARTNER_GONE;
        snprintf(ck->cause, sizeof ck->cause,
                 "the partner went away during the check: it accepted TCP on port %u and then "
                 "closed the connection for %s, and the last %zu of %zu other attempts got no "
                 "TCP connection at all (refused or no answer): the CPU (or its CP) restarted, "
                 "was switched off or lost its link while it was asked; nothing here says the "
                 "TSAP or its connection resources are wrong",
                 r->port, asked, gone, r->nalts);
        snprintf(ck->fix, sizeof ck->fix,
                 "check again in a moment (the TCP check then tells whether the port stays "
                 "closed); look at the CPU's state and diagnostics buffer for a restart");
        s7__cat(ck->detail, sizeof ck->detail, ", none of them got a TCP connection");
        return;
    }
    if (found < 0 && err == S7_ERR_TIMEOUT && silent == r->nalts) {
        snprintf(ck->cause, sizeof ck->cause,
                 "the partner accepts TCP on port %u but never answers a COTP connection request "
                 "(neither CC nor a close, for %s nor for %zu other TSAPs): it is not an S7 CPU "
                 "(another service listens on port %u), or the device hangs",
                 r->port, asked, r->nalts, r->port);
        snprintf(ck->fix, sizeof ck->fix,
                 "check that the address is the CPU's (or its CP's) and that nothing else (a "
                 "gateway, a port forwarder, another ISO-on-TCP service) answers on port %u; "
                 "power-cycle a device that stopped answering",
                 r->port);
        return;
    }
    if (found < 0) {
        snprintf(ck->cause, sizeof ck->cause,
                 "the partner accepts TCP on port %u but refused every connection request: %s and "
                 "%zu other TSAPs (rack 0 slots 0 to 5 and rack 1 slots 2 to 5 with PG, OP and S7 "
                 "basic connections, the LOGO! and S7-200 pairs); all its connection resources are "
                 "in use (leaked "
                 "connections of crashed clients stay allocated until TCP keepalive ends them), "
                 "it does not accept this partner (access list or connection table), or it is not "
                 "an S7 CPU",
                 r->port, asked, r->nalts);
        snprintf(ck->fix, sizeof ck->fix,
                 "look at the CPU's connection diagnostics (web server or TIA Portal online: "
                 "connection resources) and free connections: stop the client that leaks them, or "
                 "wait for keepalive; check the partner access rules; s7 discover lists what the "
                 "CPU accepts once resources are free");
        return;
    }
    const s7_diag_alt *b = &r->alts[found];
    s7_diag_alt_args(b, use, sizeof use);
    alt_desc(b, d, sizeof d);
    if (r->cr_cause == S7_DIAG_CR_RESOURCES_EXHAUSTED) {
        snprintf(ck->cause, sizeof ck->cause,
                 "connection resources exhausted: the CPU accepts the same rack/slot as %s, but "
                 "refuses %s: all its %s connection resources are in use (STEP 7/TIA online, HMIs, "
                 "other clients, or leaked connections of crashed clients, which stay allocated "
                 "until TCP keepalive ends them)",
                 d, asked, s7__type_name(T));
        if (T == 1)
            snprintf(ck->fix, sizeof ck->fix,
                     "PG connections are the programming device's: close TIA Portal / STEP 7 "
                     "online sessions and leaked PG clients (s7 info shows the connections in "
                     "use against the capacity); a diagnostic or SCADA client may use %s instead",
                     use);
        else if (T == 2)
            snprintf(ck->fix, sizeof ck->fix,
                     "OP connections are the HMIs' (panels, SCADA): close the HMI or SCADA "
                     "connections not needed and leaked clients, or raise the connection "
                     "resources reserved for HMI/OP communication in the CPU's properties and "
                     "download; a diagnostic client may use %s meanwhile",
                     use);
        else
            snprintf(ck->fix, sizeof ck->fix,
                     "S7 basic connections are what CPU-to-CPU PUT/GET links (and PC "
                     "applications) use, and a partner CPU cannot switch to another type: free "
                     "S7 connection resources on this CPU (remove configured S7 connections or "
                     "partners that are no longer needed, stop leaked clients: s7 info shows the "
                     "use against the capacity) or raise the S7 basic reservation in its "
                     "properties and download; only a PC client, not a CPU link, may use %s",
                     use);
    } else if (b->kind == S7_DIAG_ALT_LOGO || b->kind == S7_DIAG_ALT_S7200) {
        snprintf(
            ck->cause, sizeof ck->cause,
            "wrong rack/slot or TSAP: the CPU refuses %s but accepts %s: it is a %s, addressed "
            "by TSAPs, not by rack/slot",
            asked, d, b->kind == S7_DIAG_ALT_LOGO ? "LOGO!" : "S7-200 with a CP243-1");
        snprintf(ck->fix, sizeof ck->fix, "use %s (s7 discover lists every pair that works)", use);
    } else if (!T || (int)b->type == T) {
        snprintf(ck->cause, sizeof ck->cause,
                 "wrong rack/slot or TSAP: the CPU refuses %s but accepts %s: the CPU sits at rack "
                 "%u slot %u (S7-1200/1500: slot 1, S7-300: slot 2, S7-400: the CPU's slot, "
                 "after the power supply; the second CPU of an S7-400H: rack 1)",
                 asked, d, b->rack, b->slot);
        snprintf(ck->fix, sizeof ck->fix, "use %s (s7 discover lists every pair that works)", use);
    } else {
        snprintf(
            ck->cause, sizeof ck->cause,
            "wrong rack/slot or TSAP, and no free %s connection: the CPU refuses %s and accepts "
            "only %s; at that address the %s connections are refused too (all in use)",
            s7__type_name(T), asked, d, s7__type_name(T));
        snprintf(ck->fix, sizeof ck->fix,
                 "use %s; to use %s connections again close leaked clients (s7 info shows the "
                 "connections in use)",
                 use, s7__type_name(T));
    }
}
