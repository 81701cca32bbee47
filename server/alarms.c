/* The CPU's alarms: definitions (s7_cpu_alarm_add, from the server config or a program),
 * raised and cleared at run time by a library call or by a DB bit, and the answer to the
 * alarm query (Userdata group 4 subfunction 0x13) of a 300/400.
 *
 * Layouts, from the captures (tests/vectors/real/wincc_s300_*.pcapng, wincc_s400_production)
 * and the Wireshark s7comm dissector's field names:
 * - Request data: 00 01 12 08 1A 00 QT 34 00 00 00 AT: query type QT (1 by alarm type on
 *   the 300s captured; WinCC on the S7-400 sends 8 and 9), alarm type AT (4 ALARM_S, as
 *   the 300s are asked; 2 ALARM_8, as the S7-400 is).
 * - Answer data: 00 01, then an item: 0A 00 0000 when no alarm is active (what the 300s
 *   captured answer), else FF 09 LLLL and one object per active alarm.
 * - Object of the ALARM_8 form (12 bytes): length 0A, 00 00, alarm type 02, event ID
 *   (4 bytes), 00, event state, acknowledge state going, acknowledge state coming (one
 *   bit per signal; the emulator's alarms have one signal, SIG_1).
 * - Object of the ALARM_S form: the same 12 bytes (alarm type 04, length 0x22), then the
 *   time it came (8-byte DATE_AND_TIME), its associated value (an empty data item
 *   0A 00 0000), the time it went (zero while active) and its associated value.
 * Choices: only alarms active now are listed (a real CPU also lists gone alarms that were
 * not acknowledged; the emulator has no acknowledgement); an active alarm is
 * unacknowledged (acknowledge state coming FE, going FF).  Query types and alarm types
 * are not filtered: every active alarm is answered in the form the request's alarm type
 * asks for (ALARM_8 when AT is 2, else ALARM_S).
 *
 * Indications (pushes) to a connection registered with the message service (group 4
 * subfunction 0x02, userdata.c) for alarms.  A connection holds a registration per alarm
 * type (SCAN, ALARM, ALARM_S), each started and ended by its own code (01/00, 05/04,
 * 09/08): registering one type leaves the others as they are (docs/server.md says why).
 * When an alarm comes or goes, one Userdata push (PDU reference 0, the 8-byte parameter
 * of method 0x11) of group 4 per registration: subfunction 0x12 (ALARM_S indication) to
 * one for ALARM_S (alarm type 09, as a 300 is registered), 0x05 (ALARM_8 indication) to
 * one for ALARM (05, as the S7-400 captured is); a SCAN registration (01) is answered but
 * gets nothing (the emulator has no SCAN messages).  The data, laid out as the S7-400's ALARM_8
 * indications in wincc_s400_production.pcapng: the time (8-byte DATE_AND_TIME, the CPU
 * clock), function identifier 0x40 and one message object, as that CPU sends them, then
 * the object: 12 0A 16, the number of associated values (0: the emulator's alarms carry
 * none), event ID (4 bytes), event state (01: SIG_1 changed), state (SIG_1 now: 01 came,
 * 00 went), acknowledge state going and coming (FF FE when it came: its coming not
 * acknowledged, as the alarm query reports it; FE FE when it went).  The alarms are looked
 * at every 100 ms (a DB bit set and cleared within one look is not seen); the states at
 * a registration count as reported to it (only changes after it are pushed). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/cpu_int.h"
#include "util/hot.h"

struct s7__alarm {
    uint32_t id;
    char name[64];
    uint16_t db; /* DB bit that raises it (db 0: none) */
    uint32_t byte;
    uint8_t bit;
    int raised;      /* by s7_cpu_alarm_raise */
    int was_active;  /* seen active at the last look */
    int64_t came_ms; /* CPU clock when it came */
};

void s7__alarms_free(s7_cpu *cpu)
{
    free(cpu->alarms);
    cpu->alarms = NULL;
    cpu->nalarms = 0;
}

static struct s7__alarm *find(s7_cpu *cpu, uint32_t id)
{
    for (size_t i = 0; i < cpu->nalarms; i++)
        if (cpu->alarms[i].id == id)
            return &cpu->alarms[i];
    return NULL;
}

int s7_cpu_alarm_add(s7_cpu *cpu, uint32_t id, const char *name, uint16_t db, uint32_t byte,
                     int bit)
{
    if (!cpu || id == 0 || bit > 7 || (db && bit < 0) || find(cpu, id))
        return S7_ERR_INVAL;
    if (cpu->nalarms >= 1024)
        return S7_ERR_NOSPACE;
    struct s7__alarm *t = realloc(cpu->alarms, (cpu->nalarms + 1) * sizeof *t);
    if (!t)
        return S7_ERR_NOMEM;
    cpu->alarms = t;
    struct s7__alarm *a = &t[cpu->nalarms++];
    memset(a, 0, sizeof *a);
    a->id = id;
    snprintf(a->name, sizeof a->name, "%s", name ? name : "");
    a->db = db;
    a->byte = byte;
    a->bit = (uint8_t)(bit < 0 ? 0 : bit);
    return 0;
}

/* Whether a is active now (raised, or its DB bit set); notes when it came. */
static int active(s7_cpu *cpu, struct s7__alarm *a)
{
    int on = a->raised;
    if (!on && a->db) {
        const s7__mem *m = s7__cpu_db(cpu, a->db);
        if (m && a->byte < m->size)
            on = (m->mem[a->byte] >> a->bit) & 1;
    }
    if (on && !a->was_active)
        a->came_ms = s7__cpu_now_ms(cpu);
    a->was_active = on;
    return on;
}

static int set_raised(s7_cpu *cpu, uint32_t id, int on)
{
    struct s7__alarm *a = cpu ? find(cpu, id) : NULL;
    if (!a)
        return S7_ERR_INVAL;
    a->raised = on;
    (void)active(cpu, a);
    return 0;
}

int s7_cpu_alarm_raise(s7_cpu *cpu, uint32_t id) { return set_raised(cpu, id, 1); }
int s7_cpu_alarm_clear(s7_cpu *cpu, uint32_t id) { return set_raised(cpu, id, 0); }

int s7_cpu_alarm_active(s7_cpu *cpu, uint32_t id)
{
    struct s7__alarm *a = cpu ? find(cpu, id) : NULL;
    return a ? active(cpu, a) : S7_ERR_INVAL;
}

int s7__alarm_query(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                    size_t lim)
{
    uint8_t seq = s7__ud_seq(sess);
    if (u->plen < 12 || u->payload[2] != 0x12 || u->payload[4] != 0x1A)
        return s7__ud_reply(out, lim, ref, u, seq, 0xD401, 0, NULL, 0);
    int s_form = u->payload[11] != 0x02;
    size_t per = s_form ? 36u : 12u;
    size_t room = lim > 26u + 6u ? lim - 26u - 6u : 0;
    uint8_t *p = malloc(6u + (cpu->nalarms ? cpu->nalarms : 1u) * per);
    if (!p)
        return S7_ERR_NOMEM;
    size_t n = 6;
    for (size_t i = 0; i < cpu->nalarms; i++) {
        struct s7__alarm *a = &cpu->alarms[i];
        if (!active(cpu, a) || n - 6 + per > room)
            continue; /* (what does not fit one PDU is left out) */
        uint8_t *o = p + n;
        memset(o, 0, per);
        o[0] = (uint8_t)(per - 2);
        o[3] = s_form ? 0x04 : 0x02;
        o[4] = (uint8_t)(a->id >> 24);
        o[5] = (uint8_t)(a->id >> 16);
        o[6] = (uint8_t)(a->id >> 8);
        o[7] = (uint8_t)a->id;
        o[9] = 0x01; /* SIG_1 active */
        o[10] = 0xFF;
        o[11] = 0xFE; /* its coming not acknowledged */
        if (s_form) {
            s7_datetime t;
            if (s7__ms_to_dt(a->came_ms, &t) == 0)
                (void)s7_dt_encode(o + 12, &t);
            o[20] = S7_RC_NOT_FOUND; /* no associated value */
            /* o[24..31]: it has not gone */
            o[32] = S7_RC_NOT_FOUND;
        }
        n += per;
    }
    p[0] = 0x00;
    p[1] = 0x01;
    if (n == 6) {
        p[2] = S7_RC_NOT_FOUND;
        p[3] = 0x00;
        p[4] = p[5] = 0x00;
    } else {
        p[2] = S7_RC_OK;
        p[3] = S7_DTS_OCTET;
        p[4] = (uint8_t)((n - 6) >> 8);
        p[5] = (uint8_t)(n - 6);
    }
    int r = s7__ud_reply(out, lim, ref, u, seq, 0, 1, p, (uint16_t)n);
    free(p);
    return r;
}

/* ---------------------------------------------------------------- indications */

#define ALARM_LOOK_MS 100

/* A session's registrations (allocated while it holds one, so an idle session stays
 * small): the alarm types registered for (one bit each, below), the state of each alarm
 * last reported to each registration that is pushed (a bit per type) and when its alarms
 * are looked at next. */
#define REG_SCAN 0x01
#define REG_ALARM 0x02
#define REG_ALARM_S 0x04
struct s7__almreg {
    uint8_t types; /* REG_* */
    uint8_t *seen; /* per alarm: REG_ALARM / REG_ALARM_S set when reported active to it */
    size_t n;
    int64_t due; /* -1: at the next call */
};

/* The bit of an alarm type (its start or its end code); 0 for a code that is none. */
static uint8_t reg_bit(uint8_t almtype)
{
    switch (almtype | 1) {
    case S7__MSG_SCAN_ON: return REG_SCAN;
    case S7__MSG_ALARM_ON: return REG_ALARM;
    case S7__MSG_ALARM_S_ON: return REG_ALARM_S;
    default: return 0;
    }
}

void s7__alarm_release(s7_cpu_session *sess)
{
    if (!sess || !sess->alm)
        return;
    free(sess->alm->seen);
    free(sess->alm);
    sess->alm = NULL;
}

/* Take the states of the alarms the registrations do not know yet (defined since they
 * looked last) as reported.  0 or S7_ERR_NOMEM. */
static int seen_grow(s7_cpu *cpu, struct s7__almreg *r)
{
    if (r->n >= cpu->nalarms)
        return 0;
    uint8_t *t = realloc(r->seen, cpu->nalarms);
    if (!t)
        return S7_ERR_NOMEM;
    for (size_t i = r->n; i < cpu->nalarms; i++)
        t[i] = active(cpu, &cpu->alarms[i]) ? REG_ALARM | REG_ALARM_S : 0;
    r->seen = t;
    r->n = cpu->nalarms;
    return 0;
}

int s7__alarm_register(s7_cpu *cpu, s7_cpu_session *sess, uint8_t almtype)
{
    uint8_t bit = reg_bit(almtype);
    if (!bit)
        return 0;         /* none of the three types: answered, nothing registered */
    if (!(almtype & 1)) { /* an end: of that type only (the others stay) */
        if (sess->alm) {
            sess->alm->types &= (uint8_t)~bit;
            if (!sess->alm->types)
                s7__alarm_release(sess);
        }
        return 0;
    }
    if (!sess->alm) {
        sess->alm = calloc(1, sizeof *sess->alm);
        if (!sess->alm)
            return S7_ERR_NOMEM;
    }
    struct s7__almreg *r = sess->alm;
    if (seen_grow(cpu, r) < 0) {
        if (!r->types)
            s7__alarm_release(sess);
        return S7_ERR_NOMEM;
    }
    r->types |= bit;
    r->due = -1;
    for (size_t i = 0; i < r->n; i++) /* this type's states now count as reported */
        r->seen[i] = (uint8_t)((r->seen[i] & ~bit) | (active(cpu, &cpu->alarms[i]) ? bit : 0));
    return 0;
}

int s7__alarm_registered(const s7_cpu_session *sess)
{
    return sess && sess->alm && sess->alm->types;
}

S7_HOT int64_t s7__alarm_next(const s7_cpu_session *sess)
{
    if (!sess || !sess->alm || !(sess->alm->types & (REG_ALARM | REG_ALARM_S)))
        return -1;
    return sess->alm->due < 0 ? 0 : sess->alm->due;
}

int s7__alarm_push(s7_cpu *cpu, s7_cpu_session *sess, int64_t now_ms, uint8_t *out, size_t lim)
{
    struct s7__almreg *r = sess->alm;
    if (!r || !(r->types & (REG_ALARM | REG_ALARM_S)))
        return 0;
    if (r->due >= 0 && now_ms < r->due)
        return 0;
    if (seen_grow(cpu, r) < 0)
        return S7_ERR_NOMEM;
    for (size_t i = 0; i < r->n; i++) {
        struct s7__alarm *a = &cpu->alarms[i];
        uint8_t on = (uint8_t)active(cpu, a);
        /* the registration (ALARM_S first) that has not been told this state yet */
        uint8_t bit = 0;
        if ((r->types & REG_ALARM_S) && on != !!(r->seen[i] & REG_ALARM_S))
            bit = REG_ALARM_S;
        else if ((r->types & REG_ALARM) && on != !!(r->seen[i] & REG_ALARM))
            bit = REG_ALARM;
        if (!bit)
            continue;
        r->seen[i] = (uint8_t)((r->seen[i] & ~bit) | (on ? bit : 0));
        uint8_t p[8 + 2 + 12];
        memset(p, 0, sizeof p);
        s7_datetime t;
        if (s7__ms_to_dt(s7__cpu_now_ms(cpu), &t) == 0)
            (void)s7_dt_encode(p, &t);
        p[8] = 0x40; /* function identifier, as the S7-400 captured sends it */
        p[9] = 0x01; /* one message object */
        uint8_t *o = p + 10;
        o[0] = 0x12;
        o[1] = 0x0A;
        o[2] = 0x16;
        o[3] = 0x00; /* no associated values */
        o[4] = (uint8_t)(a->id >> 24);
        o[5] = (uint8_t)(a->id >> 16);
        o[6] = (uint8_t)(a->id >> 8);
        o[7] = (uint8_t)a->id;
        o[8] = 0x01; /* SIG_1 changed */
        o[9] = on;
        o[10] = on ? 0xFF : 0xFE;
        o[11] = 0xFE;
        s7_ud u;
        memset(&u, 0, sizeof u);
        u.method = 0x11; /* the short parameter (8 bytes), as the S7-400's indications */
        u.type = S7_UD_TYPE_PUSH;
        u.group = S7_UD_GRP_CPU;
        u.subfn = bit == REG_ALARM ? 0x05 : 0x12;
        u.rc = S7_RC_OK;
        u.dts = S7_DTS_OCTET;
        u.payload = p;
        u.plen = (uint16_t)sizeof p;
        return s7_ud_encode(out, lim, 0, &u);
    }
    r->due = now_ms + ALARM_LOOK_MS;
    return 0;
}
