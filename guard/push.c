/* The guard's routing of the CPU's pushes to the clients of one upstream connection
 * (internal.h, s7__gpush): cyclic data by the job number the CPU gave each client's
 * subscription; alarm and event indications of the message service (Userdata group 4
 * subfunction 0x02 registers for them) to every client registered for them.
 *
 * The CPU keeps one message service registration per connection: the events byte of the
 * last request (0x01 mode changes, 0x02 diagnostics, 0x04 user-defined, 0x80 alarms) and,
 * per alarm type, whether alarms are registered (alarm type 0x09 ALARM_S, 0x05 ALARM,
 * 0x01 SCAN start it; 0x08, 0x04, 0x00 end it: wincc_s300_setup-alarm-read.pcapng,
 * wincc_s400_production.pcapng; each type has its own end, so registering one type leaves
 * the others registered, as the emulator keeps them: docs/guard.md).  A client may hold
 * several alarm types (a set, bits as up_alm).  Several clients on one connection each
 * register as if alone, so the guard
 * - forwards a request with the events of every client of the connection in its events
 *   byte, so one client's request never takes another's events away;
 * - answers itself (as the CPU answers: 02 00, and the alarm type and 01 00 after it) a
 *   request that would change nothing on the CPU: events already registered, an end of an
 *   alarm type other clients still hold (or nobody registered);
 * - when a client goes (or ends the last registration of a type), ends on the CPU what no
 *   client needs any more (an alarm type, events).
 * Which pushes go to which client (Wireshark's names of the group 4 subfunctions):
 *   0x12 ALARM_S, 0x11 ALARM_SQ: clients registered for ALARM_S;
 *   0x05 ALARM_8, 0x06 NOTIFY, 0x16 NOTIFY_8, 0x07 / 0x08 ALARM_8 lock / unlock: ALARM;
 *   0x09 SCAN: SCAN;
 *   0x0C acknowledgement, 0x0D / 0x0E lock / unlock indications: any alarm type;
 *   0x03 diagnostic message: events 0x02; other group 4 pushes: events 0x04;
 *   group 0 (mode transition): events 0x01.
 * The alarm query (0x13) and acknowledgements (0x0B) are requests: their answers go to
 * the client that asked, as every answer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard/internal.h"

#define EV_MODE 0x01
#define EV_DIAG 0x02
#define EV_USER 0x04
#define EV_ALARMS 0x80

void s7__gpush_free(s7__gpush *p)
{
    free(p->msg);
    p->msg = NULL;
    p->nmsg = p->capmsg = 0;
}

int s7__gpush_owns_job(const s7__gpush *p, const void *cli, uint8_t job)
{
    return p->sub_owner[job] == cli;
}

int s7__gpush_holds(const s7__gpush *p, const void *cli)
{
    for (unsigned j = 0; j < 256; j++)
        if (p->sub_owner[j] == cli)
            return 1;
    for (size_t i = 0; i < p->nmsg; i++)
        if (p->msg[i].cli == cli && (p->msg[i].ev || p->msg[i].alm))
            return 1;
    return 0;
}

/* Remember to end the CPU's cyclic job `job` (made by subfunction fn). */
static void owe_unsub(s7__gpush *p, uint8_t job, uint8_t fn)
{
    for (unsigned i = 0; i < p->nunsub; i++)
        if (p->unsub_job[i] == job)
            return;
    if (p->nunsub < 256) {
        p->unsub_job[p->nunsub] = job;
        p->unsub_fn[p->nunsub++] = fn;
    }
}

void s7__gpush_cyc_reply(s7__gpush *p, void *cli, const s7__gplan *pl, const s7_pdu *reply)
{
    s7_ud ud;
    if (!pl->cyc || reply->rosctr != S7_USERDATA || s7_ud_decode(reply, &ud) < 0 ||
        ud.group != S7_UD_GRP_CYCLIC || ud.err || ud.rc != S7_RC_OK)
        return;
    if (pl->cyc == 2) {
        if (p->sub_owner[pl->cyc_job] == cli)
            p->sub_owner[pl->cyc_job] = NULL;
    } else if (ud.seq) {
        if (pl->cyc_subfn != S7_CYC_MODIFY || !p->sub_owner[ud.seq])
            p->sub_fn[ud.seq] = pl->cyc_subfn == S7_CYC_MODIFY ? S7_CYC_CHANGE : pl->cyc_subfn;
        if (cli)
            p->sub_owner[ud.seq] = cli;
        else
            owe_unsub(p, ud.seq, p->sub_fn[ud.seq]); /* its client is gone */
    }
}

/* Alarm type (start or end code) <-> bit of up_alm / owe_alm / s7__gmsg.alm. */
static uint8_t alm_bit(uint8_t type)
{
    switch (type | 1) {
    case 0x01: return 1;
    case 0x05: return 2;
    case 0x09: return 4;
    default: return 0;
    }
}
static uint8_t alm_type(uint8_t bit) { return bit == 1 ? 0x01 : bit == 2 ? 0x05 : 0x09; }

/* What the clients together need: their events, their alarm types (bits). */
static void need(const s7__gpush *p, uint8_t *ev, uint8_t *alm)
{
    *ev = 0;
    *alm = 0;
    for (size_t i = 0; i < p->nmsg; i++) {
        *ev |= p->msg[i].ev;
        *alm |= p->msg[i].alm;
    }
}

static s7__gmsg *msg_of(s7__gpush *p, void *cli, int make)
{
    for (size_t i = 0; i < p->nmsg; i++)
        if (p->msg[i].cli == cli)
            return &p->msg[i];
    if (!make)
        return NULL;
    if (p->nmsg == p->capmsg) {
        size_t nc = p->capmsg ? p->capmsg * 2 : 4;
        s7__gmsg *n = realloc(p->msg, nc * sizeof *n);
        if (!n)
            return NULL;
        p->msg = n;
        p->capmsg = nc;
    }
    s7__gmsg *m = &p->msg[p->nmsg++];
    memset(m, 0, sizeof *m);
    m->cli = cli;
    return m;
}

/* After a client's registration changed or it left: what the CPU holds that nobody needs
 * any more is owed. */
static void settle(s7__gpush *p)
{
    uint8_t ev, alm;
    need(p, &ev, &alm);
    p->owe_alm |= (uint8_t)(p->up_alm & ~alm);
    p->owe_ev = (p->up_ev & ~ev) != 0;
}

void s7__gpush_detach(s7__gpush *p, void *cli)
{
    for (unsigned k = 0; k < 256; k++) {
        if (p->sub_owner[k] == cli) {
            p->sub_owner[k] = NULL;
            owe_unsub(p, (uint8_t)k, p->sub_fn[k]);
        }
    }
    for (size_t i = 0; i < p->nmsg; i++) {
        if (p->msg[i].cli == cli) {
            p->msg[i] = p->msg[--p->nmsg];
            settle(p);
            break;
        }
    }
}

/* A message service request: events ev, with alarm type alm when with_alm. */
static int msg_encode(uint8_t *out, size_t cap, uint16_t ref, const uint8_t user[8], uint8_t ev,
                      int with_alm, uint8_t alm)
{
    return s7_msg_service_encode(out, cap, ref, ev, (const char *)user, with_alm ? alm : -1);
}

int s7__gpush_owes(const s7__gpush *p) { return p->nunsub || p->owe_alm || p->owe_ev; }

int s7__gpush_owed(s7__gpush *p, uint8_t *out, size_t cap, char *what, size_t wcap)
{
    if (p->nunsub) {
        uint8_t job = p->unsub_job[p->nunsub - 1], fn = p->unsub_fn[p->nunsub - 1];
        p->nunsub--;
        snprintf(what, wcap, "unsubscribed cyclic job %u of a client gone", job);
        int n = s7_cyclic_unsub_encode(out, cap, 0, fn, job);
        return n < 0 ? n : n ? n : S7_ERR_PARAM;
    }
    uint8_t ev, alm;
    need(p, &ev, &alm);
    if (p->owe_alm) {
        uint8_t bit = p->owe_alm & (uint8_t)-p->owe_alm; /* the lowest */
        p->owe_alm &= (uint8_t)~bit;
        p->up_alm &= (uint8_t)~bit;
        p->up_ev = ev;
        p->owe_ev = 0;
        snprintf(what, wcap, "ended the alarm registration (type %02X) no client holds any more",
                 alm_type(bit));
        return msg_encode(out, cap, 0, p->user, (uint8_t)(ev | EV_ALARMS), 1,
                          (uint8_t)(alm_type(bit) & 0xFE));
    }
    if (p->owe_ev) {
        p->owe_ev = 0;
        p->up_ev = ev;
        snprintf(what, wcap, "narrowed the message service events to %02X (what the clients hold)",
                 ev);
        return msg_encode(out, cap, 0, p->user, ev, 0, 0);
    }
    return 0;
}

/* The CPU's answer to a message service request, as the captured CPUs answer. */
static int local_answer(const s7_pdu *pdu, const s7_ud *req, uint8_t *out, size_t cap)
{
    uint8_t d[5] = {0x02, 0x00, 0, 0x01, 0x00};
    s7_ud r;
    s7_ud_resp_init(&r, req);
    r.rc = S7_RC_OK;
    r.dts = S7_DTS_OCTET;
    r.payload = d;
    r.plen = 2;
    if (req->plen == 12) {
        d[2] = req->payload[10];
        r.plen = 5;
    }
    return s7_ud_encode(out, cap, pdu->ref, &r);
}

int s7__gpush_msg(s7__gpush *p, void *cli, const uint8_t *pdu, size_t len, uint8_t *out, size_t cap,
                  int *local)
{
    *local = 0;
    s7_pdu q;
    s7_ud u;
    if (s7_pdu_decode(pdu, len, &q) < 0 || s7_ud_decode(&q, &u) < 0)
        return S7_ERR_PARAM;
    if (u.plen != 10 && u.plen != 12) { /* the CPU says what is wrong with it */
        if (len > cap)
            return S7_ERR_NOSPACE;
        memcpy(out, pdu, len);
        return (int)len;
    }
    s7__gmsg *m = msg_of(p, cli, 1);
    if (!m)
        return S7_ERR_NOMEM;
    memcpy(p->user, u.payload + 2, 8);
    m->ev = (uint8_t)(u.payload[0] & ~EV_ALARMS);
    uint8_t type = u.plen == 12 ? u.payload[10] : 0;
    int start = u.plen == 12 && (type & 1) && alm_bit(type);
    int end = u.plen == 12 && !(type & 1) && alm_bit(type);
    if (start)
        m->alm |= alm_bit(type);
    else if (end)
        m->alm &= (uint8_t)~alm_bit(type);
    uint8_t ev, alm;
    need(p, &ev, &alm);
    if (!m->ev && !m->alm) { /* nothing registered: forget it */
        *m = p->msg[--p->nmsg];
        m = NULL;
    }
    int fwd;
    if (start)
        fwd = 1; /* the CPU takes the states it reports from now: ask it each time */
    else if (end)
        fwd = !(alm & alm_bit(type)) && (p->up_alm & alm_bit(type));
    else
        fwd = ev != p->up_ev;
    if (!fwd) {
        *local = 1;
        p->owe_ev = (p->up_ev & ~ev) != 0;
        return local_answer(&q, &u, out, cap);
    }
    if (start)
        p->up_alm |= alm_bit(type);
    if (end)
        p->up_alm &= (uint8_t)~alm_bit(type);
    p->up_ev = ev;
    p->owe_ev = 0;
    p->owe_alm &= (uint8_t)~alm_bit(type);
    uint8_t evb = (uint8_t)(ev | (u.payload[0] & EV_ALARMS));
    return msg_encode(out, cap, q.ref, u.payload + 2, evb, u.plen == 12, type);
}

/* Does client m take a push of group 4 subfunction subfn? */
static int takes(const s7__gmsg *m, uint8_t group, uint8_t subfn)
{
    if (group == S7_UD_GRP_MODE)
        return (m->ev & EV_MODE) != 0;
    switch (subfn) {
    case 0x11:
    case 0x12: return (m->alm & alm_bit(0x09)) != 0;
    case 0x05:
    case 0x06:
    case 0x07:
    case 0x08:
    case 0x16: return (m->alm & alm_bit(0x05)) != 0;
    case 0x09: return (m->alm & alm_bit(0x01)) != 0;
    case 0x0C:
    case 0x0D:
    case 0x0E: return m->alm != 0;
    case 0x03: return (m->ev & EV_DIAG) != 0;
    default: return (m->ev & EV_USER) != 0;
    }
}

size_t s7__gpush_route(const s7__gpush *p, const s7_pdu *push, void **to, size_t max)
{
    s7_ud ud;
    if (s7_ud_decode(push, &ud) < 0)
        return 0;
    if (ud.group == S7_UD_GRP_CYCLIC) {
        if (!p->sub_owner[ud.seq] || max < 1)
            return 0;
        to[0] = p->sub_owner[ud.seq];
        return 1;
    }
    if (ud.group != S7_UD_GRP_CPU && ud.group != S7_UD_GRP_MODE)
        return 0;
    size_t n = 0;
    for (size_t i = 0; i < p->nmsg && n < max; i++)
        if (takes(&p->msg[i], ud.group, ud.subfn))
            to[n++] = p->msg[i].cli;
    return n;
}
