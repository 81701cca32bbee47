/* The path under the session (docs/doctor.md "The path: MTU and loss"): after a request on a
 * live S7 session got no answer, the doctor asks again on a fresh connection with reads of
 * growing size.  Small answers arriving while large ones never do is a path that drops large
 * packets (an MTU black hole: a VPN or tunnel with a smaller MTU and ICMP "fragmentation
 * needed" filtered), not a CPU at fault; a request left unacknowledged or retransmitted by
 * TCP is a lossy path.  Either names the network team, with the sizes and TCP's counts. */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "diag/doctor_int.h"

/* Bytes around n data bytes of a read answer on the wire: TPKT 4, COTP 3, S7 header 12,
 * parameter 2, item header 4; IPv4 20 and TCP 32 (with timestamps). */
#define S7__ANSWER_OVERHEAD 25
#define S7__IP_TCP_OVERHEAD 52

int s7__diag_tcp_state(int fd, unsigned *retrans, unsigned *unacked)
{
    struct tcp_info ti;
    socklen_t til = sizeof ti;
    memset(&ti, 0, sizeof ti);
    *retrans = *unacked = 0;
    if (fd < 0 || getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &til) != 0)
        return -1;
    *retrans = ti.tcpi_total_retrans;
    *unacked = ti.tcpi_unacked;
    return 0;
}

/* The region the size probes read: the first DB target of known length, else the first DB
 * target, else M.  *len the bytes known readable (0: unknown). */
static void probe_region(const s7_diag_report *r, s7_item *it, uint32_t *len)
{
    memset(it, 0, sizeof *it);
    it->area = S7_AREA_M;
    it->ts = S7_TS_BYTE;
    *len = 0;
    int first_db = -1;
    for (size_t i = 0; i < r->ntargets; i++) {
        const s7_diag_target_info *t = &r->targets[i];
        if (t->t.area != S7_AREA_DB)
            continue;
        if (first_db < 0)
            first_db = (int)i;
        if (t->length > 0) {
            it->area = S7_AREA_DB;
            it->db = t->t.db;
            *len = (uint32_t)t->length;
            return;
        }
    }
    if (first_db >= 0) {
        it->area = S7_AREA_DB;
        it->db = r->targets[first_db].t.db;
    }
}

/* One read of n bytes on a fresh connection: 1 answered with data, 0 no answer (timeout or
 * the connection lost), -1 answered without the data (an item code, a refusal: tells
 * nothing about the path), -2 no connection. */
static int fresh_read(const s7_diag_report *r, const s7_client_opts *co, const s7_item *tmpl,
                      uint32_t n)
{
    s7_client *c = s7_client_new(co);
    if (!c)
        return -2;
    if (s7_client_connect(c, r->addr, r->port) != 0) {
        s7_client_free(c);
        return -2;
    }
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        s7_client_free(c);
        return -2;
    }
    s7_item it = *tmpl;
    it.start = 0;
    it.count = n;
    it.buf = buf;
    int rc = s7_client_read(c, &it, 1);
    free(buf);
    s7__close_gracefully(c, 300);
    s7_client_free(c);
    if (rc == 0)
        return 1;
    if (rc == S7_ERR_TIMEOUT || rc == S7_ERR_CLOSED || rc == S7_ERR_IO)
        return 0;
    return -1;
}

int s7__diag_path_after_timeout(const s7_doctor_opts *o, s7_diag_report *r,
                                const s7_client_opts *co, int watch, int large, s7_diag_check *ck)
{
    (void)o;
    unsigned retrans = 0, unacked = 0;
    int have_tcp = s7__diag_tcp_state(watch, &retrans, &unacked) == 0;
    if (!large) {
        if (have_tcp && (retrans || unacked)) {
            s7__cat(ck->detail, sizeof ck->detail,
                    "; TCP on that connection: %u retransmissions, %u segments unacknowledged",
                    retrans, unacked);
            goto loss;
        }
        return -1;
    }
    s7_item it;
    uint32_t len = 0;
    probe_region(r, &it, &len);
    uint32_t full = r->pdu > 18 ? (uint32_t)r->pdu - 18 : 222;
    if (len && len < full)
        full = len;
    char rn[24];
    if (it.area == S7_AREA_DB)
        snprintf(rn, sizeof rn, "DB%u", it.db);
    else
        snprintf(rn, sizeof rn, "M");
    /* probes of their own: a shorter timeout, so a black hole costs seconds, not minutes */
    s7_client_opts po = *co;
    if (po.request_timeout_ms > 1500)
        po.request_timeout_ms = 1500;
    int small = fresh_read(r, &po, &it, 1);
    if (have_tcp && (retrans || unacked))
        s7__cat(ck->detail, sizeof ck->detail,
                "; TCP on that connection: %u retransmissions, %u segments unacknowledged", retrans,
                unacked);
    if (small != 1) {
        s7__cat(ck->detail, sizeof ck->detail, "; on a fresh connection a 1-byte read of %s %s", rn,
                small == 0    ? "got no answer either"
                : small == -2 ? "could not be made (no S7 session)"
                              : "was answered without data");
        if (have_tcp && (retrans || unacked))
            goto loss;
        return -1;
    }
    int big = full > 1 ? fresh_read(r, &po, &it, full) : 1;
    if (big != 0) {
        s7__cat(ck->detail, sizeof ck->detail,
                "; on a fresh connection a 1-byte and a %u-byte read of %s were answered", full,
                rn);
        if (have_tcp && (retrans || unacked))
            goto loss;
        return -1;
    }
    /* small answers arrive, the full-size one does not: bisect the size (bounded) */
    uint32_t lo = 1, hi = full;
    for (int i = 0; i < 4 && hi - lo > 8; i++) {
        uint32_t mid = lo + (hi - lo) / 2;
        int m = fresh_read(r, &po, &it, mid);
        if (m == 1)
            lo = mid;
        else if (m == 0)
            hi = mid;
        else
            break;
    }
    s7__cat(ck->detail, sizeof ck->detail,
            "; on fresh connections reads of %s from byte 0 up to %u bytes were answered (IP "
            "packets of about "
            "%u bytes), reads of %u bytes and more were not (about %u bytes)",
            rn, lo, lo + S7__ANSWER_OVERHEAD + S7__IP_TCP_OVERHEAD, hi,
            hi + S7__ANSWER_OVERHEAD + S7__IP_TCP_OVERHEAD);
    snprintf(ck->cause, sizeof ck->cause,
             "the path to %s drops packets larger than about %u bytes: small answers arrive, an "
             "answer of %u bytes (the negotiated PDU %u allows %u) never does; a link with a "
             "smaller MTU (VPN, tunnel, PPPoE) whose ICMP \"fragmentation needed\" is filtered, "
             "so TCP never learns to send smaller segments (an MTU black hole); the CPU answers",
             r->addr, lo + S7__ANSWER_OVERHEAD + S7__IP_TCP_OVERHEAD, hi, r->pdu, full);
    snprintf(ck->fix, sizeof ck->fix,
             "network team: clamp the TCP MSS on the VPN/router to the path's MTU (nftables: tcp "
             "flags syn tcp option maxseg size set rt mtu), or let ICMP \"fragmentation needed\" "
             "(type 3 code 4) through so path MTU discovery works; test with ping -M do -s 1400 "
             "%s; meanwhile a smaller PDU (--pdu 240) keeps answers small; the PLC is not at "
             "fault",
             r->addr);
    return S7_DIAG_PATH_MTU;
loss:
    snprintf(ck->cause, sizeof ck->cause,
             "the request got no answer while TCP on the connection to %s had to retransmit "
             "(%u retransmissions, %u segments unacknowledged): packets are lost on the path, "
             "the CPU may never have seen the request or its answer was lost",
             r->addr, retrans, unacked);
    s7__diag_loss_fix(ck, r->addr);
    return S7_DIAG_PATH_LOSS;
}

void s7__diag_loss_fix(s7_diag_check *ck, const char *addr)
{
    snprintf(ck->fix, sizeof ck->fix,
             "network team: find the loss on the path to %s (ping -c 100 %s, the interface "
             "error counters of switches and router, duplex mismatch, a bad cable or a "
             "saturated link), then check again; the PLC is not at fault",
             addr, addr);
}
