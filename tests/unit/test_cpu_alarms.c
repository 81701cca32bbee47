/* CPU model, alarms (server/alarms.c): definitions, raise / clear by call and by a DB bit,
 * and the alarm query answered in the 300 form (ALARM_S, as the 315-2 captured is asked:
 * the empty answer byte for byte when none is active) and the S7-400 form (ALARM_8, the
 * request WinCC sends in wincc_s400_production.pcapng); the alarm indications pushed to a
 * session registered with the message service (ALARM_S as WinCC registers with a 300,
 * ALARM as with the S7-400), nothing to one that is not or has ended its registration; a
 * session holding several alarm types at once (one registration per type: registering
 * one keeps the others, ending one ends only it, each pushed type gets its indication). */
#include <string.h>

#include "s7/cpu.h"
#include "server/cpu_int.h" /* the session by value */
#include "t.h"

static uint8_t out[70000];
static uint8_t req[4096];

static int query(s7_cpu *cpu, s7_cpu_session *s, const char *hex, s7_ud *u)
{
    size_t n = t_hex(hex, req, sizeof req);
    int r = s7_cpu_handle(cpu, s, req, n, out, sizeof out);
    s7_pdu p;
    if (r <= 0 || s7_pdu_decode(out, (size_t)r, &p) < 0)
        return -1;
    return s7_ud_decode(&p, u) < 0 ? -1 : r;
}

/* The requests as WinCC sends them (tests/vectors/real/wincc_s300_setup-alarm-read.pcapng
 * frame 12, wincc_s400_production.pcapng frame 17), without TPKT / COTP. */
static const char *Q300 = "32 07 00 00 02 00 00 08 00 10 00 01 12 04 11 44 13 00 "
                          "ff 09 00 0c 00 01 12 08 1a 00 01 34 00 00 00 04";
static const char *Q400 = "32 07 00 00 0a 00 00 08 00 10 00 01 12 04 11 44 13 00 "
                          "ff 09 00 0c 00 01 12 08 1a 00 09 34 00 00 00 02";

/* Register session s for alarm type alm (start or end code) as WinCC does (events 0x81 or
 * 0x80); the answer's alarm type, or -1. */
static int reg(s7_cpu *cpu, s7_cpu_session *s, uint8_t alm)
{
    int n = s7_msg_service_encode(req, sizeof req, 0x21, (alm & 1) ? 0x81 : 0x80, "HmiRtm  ", alm);
    int r = n > 0 ? s7_cpu_handle(cpu, s, req, (size_t)n, out, sizeof out) : -1;
    s7_pdu p;
    s7_ud u;
    if (r <= 0 || s7_pdu_decode(out, (size_t)r, &p) < 0 || s7_ud_decode(&p, &u) < 0 || u.err ||
        u.plen != 5 || u.payload[0] != 0x02)
        return -1;
    return u.payload[2];
}

/* The subfunction of the push due for s at now (0: none; -1: not a group 4 Userdata). */
static int push_subfn(s7_cpu *cpu, s7_cpu_session *s, int64_t now)
{
    int k = s7_cpu_session_push(cpu, s, now, out, sizeof out);
    if (k == 0)
        return 0;
    s7_pdu p;
    s7_ud u;
    if (k < 0 || s7_pdu_decode(out, (size_t)k, &p) < 0 || s7_ud_decode(&p, &u) < 0 ||
        u.group != S7_UD_GRP_CPU || u.type != S7_UD_TYPE_PUSH)
        return -1;
    return u.subfn;
}

int main(void)
{
    s7_cpu *cpu = s7_cpu_new(s7_profile_find("s7-300"));
    s7_cpu_add_db(cpu, 5, 4, 0);
    s7_cpu_session s;
    s7__cpu_session_init(&s);
    s7_setup su = {1, 1, 240};
    int n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out), 20);

    CHECK_INT(s7_cpu_alarm_add(cpu, 0x2F, "pump", 0, 0, -1), 0);
    CHECK_INT(s7_cpu_alarm_add(cpu, 0xAF, "level", 5, 1, 3), 0);
    CHECK_INT(s7_cpu_alarm_add(cpu, 0xAF, "again", 0, 0, -1), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_alarm_add(cpu, 0, "zero", 0, 0, -1), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_alarm_add(cpu, 0xB0, "bit 8", 5, 0, 8), S7_ERR_INVAL);
    CHECK_INT(s7_cpu_alarm_raise(cpu, 0x99), S7_ERR_INVAL);

    /* none active: 00 01 0A 00 0000, as the 315-2 answers */
    s7_ud u;
    CHECK_INT(query(cpu, &s, Q300, &u), 10 + 12 + 4 + 6);
    CHECK_INT(u.subfn, 0x13);
    CHECK_INT(u.err, 0);
    CHECK_INT(u.plen, 6);
    CHECK_INT(s7_alarm_query_decode(u.payload, u.plen, NULL, 0), 0);
    static const uint8_t none[6] = {0x00, 0x01, 0x0A, 0x00, 0x00, 0x00};
    CHECK_MEM(u.payload, none, 6);

    /* one raised by call, one by its DB bit (DB5.DBX1.3) */
    CHECK_INT(s7_cpu_alarm_raise(cpu, 0x2F), 0);
    uint32_t sz;
    s7_cpu_mem(cpu, S7_AREA_DB, 5, &sz)[1] = 0x08;
    CHECK_INT(s7_cpu_alarm_active(cpu, 0xAF), 1);
    CHECK(query(cpu, &s, Q400, &u) > 0);
    s7_alarm a[4];
    CHECK_INT(u.plen, 6 + 2 * 12);
    CHECK_INT(s7_alarm_query_decode(u.payload, u.plen, a, 4), 2);
    CHECK_INT(a[0].type, S7_ALARM_8);
    CHECK_INT(a[0].event_id, 0x2F);
    CHECK_INT(a[0].state, 0x01);
    CHECK_INT(a[1].event_id, 0xAF);
    CHECK_INT(u.payload[6], 0x0A); /* object length byte, as the S7-400's */

    /* the 300 form carries when it came */
    CHECK(query(cpu, &s, Q300, &u) > 0);
    CHECK_INT(s7_alarm_query_decode(u.payload, u.plen, a, 4), 2);
    CHECK_INT(a[0].type, S7_ALARM_S);
    CHECK_INT(a[0].has_came, 1);
    CHECK(a[0].came.year >= 2020);

    /* cleared: the bit and the call */
    s7_cpu_mem(cpu, S7_AREA_DB, 5, &sz)[1] = 0x00;
    CHECK_INT(s7_cpu_alarm_clear(cpu, 0x2F), 0);
    CHECK_INT(s7_cpu_alarm_active(cpu, 0x2F), 0);
    CHECK(query(cpu, &s, Q400, &u) > 0);
    CHECK_INT(s7_alarm_query_decode(u.payload, u.plen, a, 4), 0);

    /* indications: one session registered for ALARM_S (wincc_s300_setup-alarm-read.pcapng
     * frame 6), one for ALARM (wincc_s400_production.pcapng frame 15), one not at all */
    s7_cpu_session r8, none_s;
    s7__cpu_session_init(&r8);
    s7__cpu_session_init(&none_s);
    n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, &r8, req, (size_t)n, out, sizeof out), 20);
    n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, &none_s, req, (size_t)n, out, sizeof out), 20);
    CHECK(query(cpu, &s,
                "32 07 00 00 01 00 00 08 00 10 00 01 12 04 11 44 02 00 ff 09 00 0c "
                "81 00 48 6d 69 52 74 6d 20 20 09 00",
                &u) > 0);
    static const uint8_t reg_s[5] = {0x02, 0x00, 0x09, 0x01, 0x00}; /* frame 9 */
    CHECK_INT(u.plen, 5);
    CHECK_MEM(u.payload, reg_s, 5);
    CHECK(query(cpu, &r8,
                "32 07 00 00 09 00 00 08 00 10 00 01 12 04 11 44 02 00 ff 09 00 0c "
                "81 00 53 37 43 48 4e 5f 30 32 05 00",
                &u) > 0);
    CHECK_INT(u.err, 0);
    CHECK_INT(s7_cpu_session_next_push(&none_s), -1);
    CHECK_INT(s7_cpu_session_next_push(&s), 0);
    CHECK_INT(s7_cpu_session_push(cpu, &s, 1000, out, sizeof out), 0); /* nothing changed */
    CHECK_INT(s7_cpu_session_next_push(&s), 1100);                     /* the next look */
    CHECK_INT(s7_cpu_session_push(cpu, &s, 1050, out, sizeof out), 0);
    s7_cpu_mem(cpu, S7_AREA_DB, 5, &sz)[1] = 0x08;                     /* 0xAF comes */
    CHECK_INT(s7_cpu_session_push(cpu, &s, 1050, out, sizeof out), 0); /* not looked at yet */
    int k = s7_cpu_session_push(cpu, &s, 1100, out, sizeof out);
    CHECK_INT(k, 10 + 8 + 4 + 22); /* the short parameter, as the S7-400's */
    s7_pdu pp;
    CHECK(s7_pdu_decode(out, (size_t)k, &pp) >= 0);
    CHECK(s7_ud_decode(&pp, &u) >= 0);
    CHECK_INT(pp.ref, 0);
    CHECK_INT(u.type, S7_UD_TYPE_PUSH);
    CHECK_INT(u.group, S7_UD_GRP_CPU);
    CHECK_INT(u.subfn, 0x12); /* ALARM_S indication */
    CHECK_INT(u.plen, 22);
    static const uint8_t came[14] = {0x40, 0x01, 0x12, 0x0A, 0x16, 0x00, 0x00,
                                     0x00, 0x00, 0xAF, 0x01, 0x01, 0xFF, 0xFE};
    CHECK_MEM(u.payload + 8, came, 14);
    CHECK_INT(s7_cpu_session_push(cpu, &s, 1100, out, sizeof out), 0); /* once only */
    k = s7_cpu_session_push(cpu, &r8, 1100, out, sizeof out);
    CHECK(k > 0);
    CHECK(s7_pdu_decode(out, (size_t)k, &pp) >= 0);
    CHECK(s7_ud_decode(&pp, &u) >= 0);
    CHECK_INT(u.subfn, 0x05); /* ALARM_8 indication */
    CHECK_INT(s7_cpu_session_push(cpu, &none_s, 1100, out, sizeof out), 0);
    /* it goes; then the ALARM_S registration ends (frame 127: alarm type 08) */
    s7_cpu_mem(cpu, S7_AREA_DB, 5, &sz)[1] = 0x00;
    k = s7_cpu_session_push(cpu, &s, 1300, out, sizeof out);
    CHECK(k > 0);
    CHECK(s7_pdu_decode(out, (size_t)k, &pp) >= 0);
    CHECK(s7_ud_decode(&pp, &u) >= 0);
    CHECK_INT(u.payload[8 + 2 + 9], 0x00); /* state: SIG_1 went */
    CHECK(query(cpu, &s,
                "32 07 00 00 01 00 00 08 00 10 00 01 12 04 11 44 02 00 ff 09 00 0c "
                "80 00 48 6d 69 52 74 6d 20 20 08 00",
                &u) > 0);
    CHECK_INT(u.err, 0);
    CHECK_INT(s7_cpu_session_next_push(&s), -1);
    CHECK_INT(s7_cpu_alarm_raise(cpu, 0x2F), 0);
    CHECK_INT(s7_cpu_session_push(cpu, &s, 2000, out, sizeof out), 0);
    CHECK(s7_cpu_session_push(cpu, &r8, 2000, out, sizeof out) > 0); /* still registered */
    /* r8 ends ALARM_S (08), which it never registered: its ALARM registration stays */
    CHECK(query(cpu, &r8,
                "32 07 00 00 0a 00 00 08 00 10 00 01 12 04 11 44 02 00 ff 09 00 0c "
                "81 00 53 37 43 48 4e 5f 30 32 08 00",
                &u) > 0);
    CHECK_INT(u.err, 0);
    CHECK_INT(s7_cpu_session_next_push(&r8), 0);
    CHECK_INT(s7_cpu_alarm_clear(cpu, 0x2F), 0);
    k = s7_cpu_session_push(cpu, &r8, 2200, out, sizeof out); /* 0x2F went: indicated */
    CHECK(k > 0);
    CHECK(s7_pdu_decode(out, (size_t)k, &pp) >= 0);
    CHECK(s7_ud_decode(&pp, &u) >= 0);
    CHECK_INT(u.subfn, 0x05);

    /* one session holding ALARM_S, SCAN and ALARM: a registration of another type keeps
     * the ones before it; an alarm coming gives one indication per pushed type */
    s7_cpu_session m;
    s7__cpu_session_init(&m);
    n = s7_setup_req_encode(req, sizeof req, 0, &su);
    CHECK_INT(s7_cpu_handle(cpu, &m, req, (size_t)n, out, sizeof out), 20);
    CHECK_INT(reg(cpu, &m, 0x09), 0x09);
    CHECK_INT(reg(cpu, &m, 0x01), 0x01);
    CHECK_INT(reg(cpu, &m, 0x05), 0x05);
    CHECK_INT(push_subfn(cpu, &m, 3000), 0); /* nothing changed since */
    CHECK_INT(s7_cpu_alarm_raise(cpu, 0x2F), 0);
    int first = push_subfn(cpu, &m, 3100), second = push_subfn(cpu, &m, 3100);
    CHECK(first == 0x12 || first == 0x05);
    CHECK_INT(first + second, 0x12 + 0x05); /* ALARM_S and ALARM_8, each once */
    CHECK_INT(push_subfn(cpu, &m, 3100), 0);
    /* SCAN ended: both others stay */
    CHECK_INT(reg(cpu, &m, 0x00), 0x00);
    CHECK_INT(s7_cpu_alarm_clear(cpu, 0x2F), 0);
    first = push_subfn(cpu, &m, 3200);
    second = push_subfn(cpu, &m, 3200);
    CHECK_INT(first + second, 0x12 + 0x05);
    CHECK_INT(push_subfn(cpu, &m, 3200), 0);
    /* ALARM_S ended: only ALARM_8 indications */
    CHECK_INT(reg(cpu, &m, 0x08), 0x08);
    CHECK_INT(s7_cpu_alarm_raise(cpu, 0x2F), 0);
    CHECK_INT(push_subfn(cpu, &m, 3300), 0x05);
    CHECK_INT(push_subfn(cpu, &m, 3400), 0);
    /* ALARM_S again: the states now count as reported to it (0x2F active: nothing) */
    CHECK_INT(reg(cpu, &m, 0x09), 0x09);
    CHECK_INT(push_subfn(cpu, &m, 3500), 0);
    /* ALARM ended: ALARM_S alone gets 0x2F going */
    CHECK_INT(reg(cpu, &m, 0x04), 0x04);
    CHECK_INT(s7_cpu_alarm_clear(cpu, 0x2F), 0);
    CHECK_INT(push_subfn(cpu, &m, 3600), 0x12);
    CHECK_INT(push_subfn(cpu, &m, 3700), 0);
    /* the last type ended: no registration left */
    CHECK(m.alm != NULL);
    CHECK_INT(reg(cpu, &m, 0x08), 0x08);
    CHECK(m.alm == NULL);
    CHECK_INT(s7_cpu_session_next_push(&m), -1);
    s7__cpu_session_release(&m);
    s7__cpu_session_release(&r8);
    s7__cpu_session_release(&none_s);

    /* a malformed query: D401, the connection kept */
    CHECK(query(cpu, &s,
                "32 07 00 00 0b 00 00 08 00 08 00 01 12 04 11 44 13 00 ff 09 00 04 00 01 12 08",
                &u) > 0);
    CHECK_INT(u.err, 0xD401);
    s7__cpu_session_release(&s);
    s7_cpu_free(cpu);

    /* an S7-1500 does not answer the alarm query */
    cpu = s7_cpu_new(s7_profile_find("s7-1500"));
    s7__cpu_session_init(&s);
    n = s7_setup_req_encode(req, sizeof req, 0, &su);
    s7_cpu_handle(cpu, &s, req, (size_t)n, out, sizeof out);
    CHECK(query(cpu, &s, Q400, &u) > 0);
    CHECK_INT(u.err, 0x8104);
    s7__cpu_session_release(&s);
    s7_cpu_free(cpu);
    return t_done();
}
