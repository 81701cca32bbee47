/* The guard's push routing (guard/push.c): message service registrations of several
 * clients on one upstream (the first forwarded, a second of the same type forwarded too,
 * an end another client still needs answered by the guard as the CPU answers, the last
 * client's leaving owed to the CPU as an end; events merged into the forwarded request);
 * the pushes routed by group and subfunction to the clients registered for them only;
 * a client holding a set of alarm types (ALARM_S and SCAN, another client ALARM: each
 * push to the holders of its type, ending one type keeps the others, each type ended on
 * the CPU when its last holder ends it or goes); cyclic jobs by the CPU's job number,
 * owed unsubscribes for a client gone. */
#include <string.h>

#include "guard/internal.h"
#include "s7/wire.h"
#include "t.h"

static uint8_t req[512], out[512];

/* A message service request of events ev with alarm type alm (plen 12) or without. */
static size_t msg_req(uint8_t ev, int with_alm, uint8_t alm)
{
    int n = s7_msg_service_encode(req, sizeof req, 7, ev, "HmiRtm  ", with_alm ? alm : -1);
    return n > 0 ? (size_t)n : 0;
}

/* The Userdata in out[0..n). */
static int ud_of(const uint8_t *b, int n, s7_pdu *p, s7_ud *u)
{
    if (n <= 0 || s7_pdu_decode(b, (size_t)n, p) < 0 || s7_ud_decode(p, u) < 0)
        return -1;
    return 0;
}

/* A push of group / subfunction (the CPU's). */
static size_t push_pdu(uint8_t group, uint8_t subfn, uint8_t seq)
{
    uint8_t d[4] = {0, 1, 2, 3};
    s7_ud u;
    memset(&u, 0, sizeof u);
    u.method = 0x11;
    u.type = S7_UD_TYPE_PUSH;
    u.group = group;
    u.subfn = subfn;
    u.seq = seq;
    u.rc = S7_RC_OK;
    u.dts = S7_DTS_OCTET;
    u.payload = d;
    u.plen = 4;
    int n = s7_ud_encode(req, sizeof req, 0, &u);
    return n > 0 ? (size_t)n : 0;
}

static size_t route(const s7__gpush *p, uint8_t group, uint8_t subfn, uint8_t seq, void **to)
{
    size_t n = push_pdu(group, subfn, seq);
    s7_pdu q;
    if (s7_pdu_decode(req, n, &q) < 0)
        return 99;
    return s7__gpush_route(p, &q, to, 8);
}

int main(void)
{
    s7__gpush P;
    memset(&P, 0, sizeof P);
    int A = 1, B = 2, C = 3; /* the clients (only their addresses matter) */
    int local;
    s7_pdu p;
    s7_ud u;
    void *to[8];

    /* A registers for mode changes and ALARM_S: forwarded as asked */
    size_t n = msg_req(0x81, 1, 0x09);
    int k = s7__gpush_msg(&P, &A, req, n, out, sizeof out, &local);
    CHECK_INT(local, 0);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(p.ref, 7);
    CHECK_INT(u.plen, 12);
    CHECK_INT(u.payload[0], 0x81);
    CHECK_INT(u.payload[10], 0x09);
    /* B registers for ALARM_S and diagnostics: forwarded with A's mode changes added */
    n = msg_req(0x82, 1, 0x09);
    k = s7__gpush_msg(&P, &B, req, n, out, sizeof out, &local);
    CHECK_INT(local, 0);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.payload[0], 0x83);
    /* C registers for mode changes only (10 bytes): already registered, answered here */
    n = msg_req(0x01, 0, 0);
    k = s7__gpush_msg(&P, &C, req, n, out, sizeof out, &local);
    CHECK_INT(local, 1);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.type, S7_UD_TYPE_RESP);
    CHECK_INT(u.subfn, 0x02);
    CHECK_INT(u.err, 0);
    CHECK_INT(u.plen, 2);
    CHECK_INT(u.payload[0], 0x02);

    /* pushes: ALARM_S to A and B, ALARM_8 to nobody, a mode change to A and C, a
     * diagnostic message to B */
    CHECK_INT(route(&P, S7_UD_GRP_CPU, 0x12, 0, to), 2);
    CHECK(to[0] != (void *)&C && to[1] != (void *)&C);
    CHECK_INT(route(&P, S7_UD_GRP_CPU, 0x05, 0, to), 0);
    CHECK_INT(route(&P, S7_UD_GRP_MODE, 0x08, 0, to), 2);
    CHECK(to[0] != (void *)&B && to[1] != (void *)&B);
    CHECK_INT(route(&P, S7_UD_GRP_CPU, 0x03, 0, to), 1);
    CHECK(to[0] == (void *)&B);
    CHECK_INT(route(&P, S7_UD_GRP_CPU, 0x0C, 0, to), 2); /* an acknowledgement: A and B */

    /* A ends its ALARM_S registration: B still holds it, answered here as the CPU does */
    n = msg_req(0x80, 1, 0x08);
    k = s7__gpush_msg(&P, &A, req, n, out, sizeof out, &local);
    CHECK_INT(local, 1);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    static const uint8_t ans[5] = {0x02, 0x00, 0x08, 0x01, 0x00};
    CHECK_INT(u.plen, 5);
    CHECK_MEM(u.payload, ans, 5);
    CHECK_INT(route(&P, S7_UD_GRP_CPU, 0x12, 0, to), 1);
    CHECK(to[0] == (void *)&B);
    char what[120];
    CHECK_INT(s7__gpush_owed(&P, out, sizeof out, what, sizeof what), 0); /* nothing owed */

    /* B goes: no client holds ALARM_S any more, nor diagnostics: an end is owed, with the
     * events still held (A's and C's mode changes) */
    s7__gpush_detach(&P, &B);
    k = s7__gpush_owed(&P, out, sizeof out, what, sizeof what);
    CHECK(k > 0);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.type, S7_UD_TYPE_REQ);
    CHECK_INT(u.subfn, 0x02);
    CHECK_INT(u.plen, 12);
    CHECK_INT(u.payload[0], 0x81);
    CHECK_INT(u.payload[10], 0x08);
    CHECK(strstr(what, "ended the alarm registration (type 09)") != NULL);
    CHECK_INT(s7__gpush_owed(&P, out, sizeof out, what, sizeof what), 0);
    CHECK_INT(route(&P, S7_UD_GRP_CPU, 0x12, 0, to), 0);
    /* A and C go: the mode changes are narrowed to none */
    s7__gpush_detach(&P, &A);
    s7__gpush_detach(&P, &C);
    k = s7__gpush_owed(&P, out, sizeof out, what, sizeof what);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.plen, 10);
    CHECK_INT(u.payload[0], 0x00);
    CHECK_INT(s7__gpush_owed(&P, out, sizeof out, what, sizeof what), 0);

    /* alarm type sets: A registers ALARM_S then SCAN, B ALARM (each start forwarded) */
    s7__gpush Q;
    memset(&Q, 0, sizeof Q);
    static const uint8_t starts[3] = {0x09, 0x01, 0x05};
    for (int i = 0; i < 3; i++) {
        n = msg_req(0x80, 1, starts[i]);
        k = s7__gpush_msg(&Q, i < 2 ? (void *)&A : (void *)&B, req, n, out, sizeof out, &local);
        CHECK_INT(local, 0);
        CHECK_INT(ud_of(out, k, &p, &u), 0);
        CHECK_INT(u.payload[10], starts[i]);
    }
    CHECK_INT(Q.up_alm, 0x07);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x12, 0, to), 1); /* ALARM_S: A */
    CHECK(to[0] == (void *)&A);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x11, 0, to), 1); /* ALARM_SQ: A */
    CHECK(to[0] == (void *)&A);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x09, 0, to), 1); /* SCAN: A */
    CHECK(to[0] == (void *)&A);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x05, 0, to), 1); /* ALARM_8: B */
    CHECK(to[0] == (void *)&B);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x0C, 0, to), 2); /* an acknowledgement: both */
    /* A ends SCAN: nobody else holds it, forwarded; A keeps ALARM_S */
    n = msg_req(0x80, 1, 0x00);
    k = s7__gpush_msg(&Q, &A, req, n, out, sizeof out, &local);
    CHECK_INT(local, 0);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.payload[10], 0x00);
    CHECK_INT(Q.up_alm, 0x06);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x09, 0, to), 0);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x12, 0, to), 1);
    CHECK(to[0] == (void *)&A);
    /* A ends ALARM, which only B holds: answered here, B keeps its indications */
    n = msg_req(0x80, 1, 0x04);
    k = s7__gpush_msg(&Q, &A, req, n, out, sizeof out, &local);
    CHECK_INT(local, 1);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.payload[2], 0x04);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x05, 0, to), 1);
    CHECK(to[0] == (void *)&B);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x12, 0, to), 1);
    CHECK_INT(s7__gpush_owed(&Q, out, sizeof out, what, sizeof what), 0);
    /* B goes: ALARM is owed to the CPU as an end (04), ALARM_S not */
    s7__gpush_detach(&Q, &B);
    k = s7__gpush_owed(&Q, out, sizeof out, what, sizeof what);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.payload[10], 0x04);
    CHECK(strstr(what, "(type 05)") != NULL);
    CHECK_INT(s7__gpush_owed(&Q, out, sizeof out, what, sizeof what), 0);
    CHECK_INT(Q.up_alm, 0x04);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x12, 0, to), 1);
    /* A ends ALARM_S, its last: forwarded, nothing left on the CPU */
    n = msg_req(0x80, 1, 0x08);
    k = s7__gpush_msg(&Q, &A, req, n, out, sizeof out, &local);
    CHECK_INT(local, 0);
    CHECK_INT(Q.up_alm, 0x00);
    CHECK_INT(Q.nmsg, 0);
    CHECK_INT(route(&Q, S7_UD_GRP_CPU, 0x12, 0, to), 0);
    s7__gpush_free(&Q);

    /* cyclic: job 3 made by A's subscription goes to A only; A gone: unsubscribe owed */
    s7__gplan pl;
    memset(&pl, 0, sizeof pl);
    pl.cyc = 1;
    pl.cyc_subfn = S7_CYC_CHANGE;
    s7_ud r;
    memset(&r, 0, sizeof r);
    r.method = 0x12;
    r.type = S7_UD_TYPE_RESP;
    r.group = S7_UD_GRP_CYCLIC;
    r.subfn = S7_CYC_CHANGE;
    r.seq = 3;
    r.rc = S7_RC_OK;
    r.dts = S7_DTS_OCTET;
    uint8_t d2[2] = {0, 0};
    r.payload = d2;
    r.plen = 2;
    k = s7_ud_encode(out, sizeof out, 1, &r);
    CHECK(k > 0);
    CHECK(s7_pdu_decode(out, (size_t)k, &p) >= 0);
    s7__gpush_cyc_reply(&P, &A, &pl, &p);
    CHECK_INT(s7__gpush_owns_job(&P, &A, 3), 1);
    CHECK_INT(s7__gpush_owns_job(&P, &B, 3), 0);
    CHECK_INT(route(&P, S7_UD_GRP_CYCLIC, S7_CYC_CHANGE, 3, to), 1);
    CHECK(to[0] == (void *)&A);
    CHECK_INT(route(&P, S7_UD_GRP_CYCLIC, S7_CYC_CHANGE, 4, to), 0);
    s7__gpush_detach(&P, &A);
    k = s7__gpush_owed(&P, out, sizeof out, what, sizeof what);
    CHECK_INT(ud_of(out, k, &p, &u), 0);
    CHECK_INT(u.group, S7_UD_GRP_CYCLIC);
    CHECK_INT(u.subfn, 0x04);
    CHECK_INT(u.payload[1], 3);
    CHECK(strstr(what, "unsubscribed cyclic job 3 of a client gone") != NULL);
    s7__gpush_free(&P);
    return t_done();
}
