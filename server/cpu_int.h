/* Internals of the CPU model shared by server/cpu.c (memory, access, state, sessions,
 * TSAP rules), server/profiles.c (built-in families), server/dispatch.c (Job PDUs:
 * setup, read/write, control), server/szl.c (system status lists) and
 * server/userdata.c (Userdata groups, continuation).  Not part of the public API. */
#ifndef S7_SERVER_CPU_INT_H
#define S7_SERVER_CPU_INT_H

#include <stddef.h>
#include <stdint.h>

#include "s7/cpu.h"
#include "util/cur.h"

/* CPU families: what differs beyond the s7_profile fields (error codes, block functions,
 * which DBs exist).  A custom profile is classic unless its name says otherwise. */
enum {
    S7__FAM_CLASSIC = 0, /* S7-300 / S7-400: block functions, control, T/C */
    S7__FAM_PLUS = 1,    /* S7-1200 / S7-1500: classic services answer 0x8104 */
    S7__FAM_LOGO = 2,    /* LOGO! 8: V memory = DB1 only */
    S7__FAM_S7200 = 3    /* S7-200 SMART: V memory = DB1 only */
};

/* What a family needs beyond the public profile (profiles.c). */
typedef struct s7__profile_ext {
    int family;
    uint16_t res_pg, res_os; /* connections reserved for PG / OP (SZL 0x0132) */
    uint32_t mpi_bps;        /* SZL 0x0131 index 1 mpi_bps (0 when the family has no MPI) */
    uint32_t kbus_bps;       /* SZL 0x0131 index 1 kbus_bps */
    uint32_t eth_bps;        /* SZL 0x0131 index 1 record bytes 14..17 (a PN CPU's 100 Mbit/s) */
    int szl_400;             /* SZL 0x0131 records of the captured S7-400 where it showed them */
    uint16_t hw_version;     /* SZL 0x0011 index 1/6 Ausbg */
    uint32_t vmem_size;      /* V memory (DB1) created with the CPU, 0 none */
    const char *mc_serial;   /* SZL 0x001C index 8 */
    uint32_t boot_loader;    /* SZL 0x0011 index 0x0081 (boot loader) Ausbg/Ausbe, 0 = no
                                such record */
} s7__profile_ext;

/* The extension of a profile, found by its name (a default for unknown names). */
const s7__profile_ext *s7__profile_ext_of(const s7_profile *p);
/* 1 when a CPU of the profile has V memory (DB1) and no other DBs (the LOGO! and S7-200
 * families), else 0. */
int s7__profile_vmem_only(const s7_profile *p);

/* One memory region: an area (I, Q, M, T, C) or a DB. */
typedef struct s7__mem {
    uint8_t area;   /* S7_AREA_I/Q/M/T/C, or S7_AREA_DB for DBs */
    uint16_t db;    /* DB number (0 for areas) */
    uint8_t *mem;   /* bytes (owned unless app) */
    uint32_t size;  /* bytes (T/C: 2 per element) */
    uint8_t *init;  /* initial image for a cold restart (owned), NULL when none */
    unsigned flags; /* S7_DB_* */
    int access;     /* S7_ACCESS_* */
    int app;        /* mem belongs to the application (s7_cpu_register_area) */
    int auto_v;     /* V memory the CPU created itself (LOGO!/S7-200): replaceable */
    uint32_t full;  /* DBs shown shorter (s7_cpu_set_db_shown): the bytes held, else 0 */
    int hidden;     /* DBs shown as absent (s7_cpu_set_db_shown with 0) */
    void (*lock)(void *ctx);
    void (*unlock)(void *ctx);
    void *ctx;
} s7__mem;

enum { S7__A_I = 0, S7__A_Q, S7__A_M, S7__A_T, S7__A_C, S7__A_COUNT };

#define S7__DIAG_MAX 100 /* diagnostic buffer entries kept (a 315-2 keeps 100 by default) */
#define S7__DIAG_LEN 20  /* bytes per entry */

/* A program block (server/blocks.c).  DBs are s7__mem regions; a downloaded block keeps
 * its image until activated (_INSE). */
typedef struct s7__block {
    uint8_t type; /* S7_BLOCK_* */
    uint16_t number;
    uint16_t mc7_len;
    uint8_t flags, lang;
    uint8_t *image; /* the whole block when loaded from an image (owned), else NULL */
    uint32_t image_len;
    int passive; /* downloaded, not activated yet */
} s7__block;

struct s7_cpu {
    s7_profile prof; /* strings point into strs */
    char *strs;      /* owned copies of the profile's strings */
    const s7__profile_ext *ext;
    s7__mem areas[S7__A_COUNT];
    int db_access; /* access for every DB (set with area DB, db 0) */
    s7__mem *dbs;  /* sorted by number */
    size_t ndbs, dbcap;
    int put_get;
    int state;            /* S7_CPU_STATE_* */
    int64_t state_ms;     /* CPU clock (ms since 1970) at the last mode change */
    int64_t clock_off_ms; /* CPU clock minus the host's clock */
    uint16_t conn_use[4];
    int started; /* first request seen: initial images taken */
    s7_cpu_event_fn ev;
    void *ev_ctx;
    char reason[192]; /* the last s7_cpu_accept refusal */
    /* the diagnostic buffer (diagbuf.c): a ring of entries, diag_head the next to write */
    uint8_t diag[S7__DIAG_MAX][S7__DIAG_LEN];
    int ndiag, diag_head;
    int cyc_total;            /* cyclic-data subscriptions of every session (cyclic.c) */
    struct s7__alarm *alarms; /* alarms defined (alarms.c) */
    size_t nalarms;
    s7__block *blocks; /* program blocks, sorted by type then number */
    size_t nblocks, blockcap;
};

/* ---------------------------------------------------------------- diagbuf.c */

/* Events the emulator records that a real CPU has no ID for, from the user range
 * (0xA000..0xBFFF, what SFC 52 WR_USMSG writes): a connection request refused (one entry
 * for a run of refusals, so a flood cannot push the history out), retentive DBs restored
 * from the state file. */
#define S7__DIAG_CR_REFUSED 0xA0F1
#define S7__DIAG_RETAIN_RESTORED 0xA0F2

/* Record an event (0x4302 STARTUP -> RUN ...) with the CPU's time. */
void s7__diag_add(s7_cpu *cpu, uint16_t event);
/* Copy up to max entries, newest first, into out (20 bytes each); mode_only: only mode
 * changes (event class 0x43).  Returns the number copied. */
size_t s7__diag_get(const s7_cpu *cpu, uint8_t *out, size_t max, int mode_only);

/* What the CPU knows of one connection (the opaque s7_cpu_session of cpu.h). */
struct s7_cpu_session {
    uint8_t conn_type; /* 1 PG, 2 OP, 3 basic (from the called TSAP) */
    uint16_t pdu;      /* negotiated PDU (0 before setup) */
    uint16_t amq;
    struct s7__prog *prog; /* programmer-command jobs and pushes (ud_prog.c), NULL when none */
    char peer[64];         /* "ip:port" for logs and audit */
    uint32_t peer_ip;      /* IPv4 host order, 0 if other */
    /* Userdata continuation of a long answer (allocated by the CPU while one is pending,
     * so an idle connection stays small) */
    uint8_t *ud_pending;
    uint32_t ud_len, ud_off;
    uint8_t ud_seq;    /* sequence number of the pending answer's parts */
    uint8_t ud_dur;    /* data unit reference of the pending answer */
    uint8_t ud_no;     /* the last Userdata reply's sequence number (counts 1..255) */
    uint8_t ud_dur_no; /* the last data unit reference given (counts 1..255) */
    uint8_t ud_group, ud_subfn;
    uint8_t cur_fn;         /* the Read/Write job being answered (for events) */
    struct s7__cyc *cyc;    /* cyclic-data subscriptions (cyclic.c), NULL when none */
    struct s7__xfer *xfer;  /* a block upload / download in progress (blocks.c), or NULL */
    struct s7__almreg *alm; /* the message service's alarm registrations (alarms.c), or NULL */
};

/* A block transfer of one session (allocated while one runs). */
typedef struct s7__xfer {
    uint8_t kind; /* S7_FN_UPLOAD_START or S7_FN_REQ_DOWNLOAD */
    uint8_t job;  /* the Job the CPU owes the PG next (0x1B, 0x1C), 0 none */
    uint16_t job_ref;
    uint8_t *buf; /* the block's bytes (owned) */
    uint32_t len, off, cap;
    s7_block_id id; /* the block being transferred */
} s7__xfer;

/* For tests and engines inside s7kit that hold a session by value: zero it / release
 * what it holds (the struct itself is the caller's). */
void s7__cpu_session_init(s7_cpu_session *s);
void s7__cpu_session_release(s7_cpu_session *s);
/* Drop a pending Userdata continuation only (a new request, a renegotiation). */
void s7__ud_pending_drop(s7_cpu_session *s);

/* ---------------------------------------------------------------- cpu.c */

/* The region an area code names for a read (write = 0) or a write (P maps to I for
 * reads and to Q for writes, DI to DB), or NULL when the area / DB does not exist on
 * this CPU. */
s7__mem *s7__cpu_region(s7_cpu *cpu, uint8_t area, uint16_t db, int write);
/* Access in force for a region (the stricter of its own and the DB-wide one). */
int s7__cpu_access(const s7_cpu *cpu, const s7__mem *m);
/* DB by number (NULL when absent). */
s7__mem *s7__cpu_db(const s7_cpu *cpu, uint16_t db);
/* Lands n bytes of data at byte off of m under the application's lock (range checked by
 * the caller); bit 0..7 sets or clears only that bit of byte off from data[0] & 1.  The one
 * place where writes land: a partner's Write Var (dispatch.c) and the CPU's own writes
 * (s7_cpu_write) both come through here. */
void s7__cpu_land(s7__mem *m, uint32_t off, int bit, const uint8_t *data, uint32_t n);
/* The DB as the CPU shows it to its partners: NULL also when hidden (a fault injected). */
s7__mem *s7__cpu_db_shown(const s7_cpu *cpu, uint16_t db);

/* Report an event to the callback (no-op without one). */
void s7__cpu_emit(s7_cpu *cpu, const s7_cpu_event *ev);
/* An event of kind from session sess, every other field zero (the caller fills them). */
s7_cpu_event s7__cpu_event(int kind, const s7_cpu_session *sess);

/* CPU clock in ms since 1970-01-01 (UTC, host clock plus the offset). */
int64_t s7__cpu_now_ms(const s7_cpu *cpu);
/* ms since 1970 <-> broken-down date (UTC, weekday 1 = Sunday).  ms_to_dt returns
 * S7_ERR_VALUE outside 1990..2089. */
int s7__ms_to_dt(int64_t ms, s7_datetime *out);
int64_t s7__dt_to_ms(const s7_datetime *t);

/* Change state (records the time of the transition). */
void s7__cpu_set_state(s7_cpu *cpu, int state);
/* Into RUN by a PG's start request: the diagnostic buffer records a manual warm restart
 * (0x1381, OB100) or, when cold, a manual cold restart (0x1385, OB102). */
void s7__cpu_start(s7_cpu *cpu, int cold);
/* Cold restart: DBs that are not retentive get their initial image back. */
void s7__cpu_cold_restore(s7_cpu *cpu);
/* Take the initial images once (first request). */
void s7__cpu_first_request(s7_cpu *cpu);

/* ---------------------------------------------------------------- dispatch.c */

/* Reply limit for a session: the negotiated PDU, bounded by the output capacity. */
size_t s7__reply_limit(const s7_cpu_session *sess, size_t cap);

/* A Job PDU (already decoded).  Returns the reply length or a negative error. */
int s7__job(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, size_t req_len, uint8_t *out,
            size_t cap);

/* ---------------------------------------------------------------- ud_prog.c */

/* Userdata group 1 (programmer commands: VarTab, modify, job list, flash LED ...) request
 * u of a 300/400.  Returns the reply length or a negative error. */
int s7__ud_prog(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                size_t lim);
/* The next push a programmer job queued (a whole Userdata PDU) into out: its length, 0 when
 * none waits, S7_ERR_NOSPACE when cap is too small.  s7__prog_pending: non-zero while one
 * waits. */
int s7__prog_push(s7_cpu_session *sess, uint8_t *out, size_t cap);
int s7__prog_pending(const s7_cpu_session *sess);
/* Drop the session's jobs and pushes. */
void s7__prog_release(s7_cpu_session *sess);

/* ---------------------------------------------------------------- userdata.c */

/* A Userdata PDU (already decoded).  Returns the reply length or a negative error. */
int s7__userdata(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, uint8_t *out, size_t cap);

/* Read n variable specifications spec[0..len) (as a cyclic-data request holds them: a
 * fill byte after an odd-length one but the last) and write the data items answering them
 * at w (as Read Var: return code, transport size, length, bytes, fill).  w NULL: only
 * check that the specifications parse.  Returns 0, S7_ERR_PARAM (malformed) or
 * S7_ERR_NOSPACE (the answer does not fit w). */
int s7__read_specs(s7_cpu *cpu, s7_cpu_session *sess, const uint8_t *spec, size_t len, unsigned n,
                   s7__wcur *w);

/* A Userdata reply: parameter of 12 bytes with seq, error err; a data item with payload
 * (has_data and err 0) or the empty item 0A 00 0000. */
int s7__ud_reply(uint8_t *out, size_t lim, uint16_t ref, const s7_ud *req, uint8_t seq,
                 uint16_t err, int has_data, const uint8_t *payload, uint16_t plen);
/* The next reply sequence number of the session (counts 1..255). */
uint8_t s7__ud_seq(s7_cpu_session *sess);
/* An unsolicited Userdata push (type 0x0 of group, PDU reference 0): seq, rc 0xFF and the
 * octet-string payload. */
int s7__ud_push(uint8_t *out, size_t lim, uint8_t group, uint8_t subfn, uint8_t seq,
                const uint8_t *payload, uint16_t plen);

/* ---------------------------------------------------------------- cyclic.c */

#define S7__CYC_PER_CONN 8 /* subscriptions one connection may hold */
/* Subscriptions of all connections together: the "anz" (maximum number of cyclic read
 * jobs) the CPU reports in SZL 0x0131 index 3 (szl.c), 16 on a 315-2, 32 on the S7-400. */
int s7__cyc_per_cpu(const s7_cpu *cpu);

/* Userdata group 2 (cyclic data) request u.  Returns the reply length or an error. */
int s7__cyclic(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
               size_t lim);
/* Drop every subscription of the session. */
void s7__cyclic_release(s7_cpu_session *sess);
/* Subscriptions the session holds. */
unsigned s7__cyclic_count(const s7_cpu_session *sess);

/* ---------------------------------------------------------------- alarms.c */

/* Group 4 subfunction 0x13 (alarm query) request u.  Returns the reply length. */
int s7__alarm_query(s7_cpu *cpu, s7_cpu_session *sess, const s7_ud *u, uint16_t ref, uint8_t *out,
                    size_t lim);
/* Free the alarm definitions. */
void s7__alarms_free(s7_cpu *cpu);

/* Alarm types of a message service registration (the byte after the user name): odd
 * starts, even ends the registration of that type (wincc_s300_setup-alarm-read.pcapng:
 * 09 and 08; wincc_s400_production.pcapng: 05). */
enum {
    S7__MSG_SCAN_OFF = 0x00,
    S7__MSG_SCAN_ON = 0x01,
    S7__MSG_ALARM_OFF = 0x04,
    S7__MSG_ALARM_ON = 0x05,
    S7__MSG_ALARM_S_OFF = 0x08,
    S7__MSG_ALARM_S_ON = 0x09
};
/* A registration of the message service (group 4 subfunction 0x02) for alarm type
 * almtype: starts (the alarms' states now are taken as reported to it) or ends the
 * session's registration of that alarm type; the session's registrations of the other
 * types stay.  0 or S7_ERR_NOMEM. */
int s7__alarm_register(s7_cpu *cpu, s7_cpu_session *sess, uint8_t almtype);
/* The next alarm indication due for the session at now_ms (an alarm that came or went
 * since it was last reported) into out (lim bytes): its length, 0 when none. */
int s7__alarm_push(s7_cpu *cpu, s7_cpu_session *sess, int64_t now_ms, uint8_t *out, size_t lim);
/* When the session's alarms are looked at next (-1: not registered). */
int64_t s7__alarm_next(const s7_cpu_session *sess);
/* 1 when the session holds a registration of any alarm type (SCAN, ALARM, ALARM_S). */
int s7__alarm_registered(const s7_cpu_session *sess);
/* Drop the session's registrations. */
void s7__alarm_release(s7_cpu_session *sess);

/* ---------------------------------------------------------------- blocks.c */

/* The 28-byte list blocks answer (count per type). */
void s7__blocks_counts(const s7_cpu *cpu, uint8_t out[28]);
/* The list of a type (4 bytes per block) into a malloc'd *out of *len bytes.  0 or
 * S7_ERR_NOMEM. */
int s7__blocks_of_type(const s7_cpu *cpu, uint8_t type, uint8_t **out, uint32_t *len);
/* The 78-byte info of a block; S7_ERR_ADDR when the CPU has no such block. */
int s7__blocks_info(const s7_cpu *cpu, const s7_block_id *id, uint8_t out[78]);
/* Jobs 0x1A, 0x1D, 0x1E, 0x1F; the PG's Ack_Data to the CPU's 0x1B / 0x1C (returns 0: no
 * answer); PI _INSE / _DELE.  Return the reply length or a negative error. */
int s7__blocks_job(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu, uint8_t *out, size_t lim);
int s7__blocks_ack(s7_cpu *cpu, s7_cpu_session *sess, const s7_pdu *pdu);
int s7__blocks_pi(s7_cpu *cpu, s7_cpu_session *sess, const s7_plc_ctrl *c, uint16_t ref,
                  uint8_t *out, size_t lim);
/* Free what a session's transfer holds; free every block of the CPU. */
void s7__blocks_session_end(s7_cpu_session *s);
void s7__blocks_free(s7_cpu *cpu);

/* ---------------------------------------------------------------- szl.c */

/* Build the whole answer to SZL id/index (8-byte header + records) into a malloc'd
 * buffer (*out, owned by the caller) of *len bytes.  Returns 0, S7_ERR_NOMEM,
 * S7_ERR_UNSUPPORTED when the CPU has no such list (param error 0xD401) or S7_ERR_ADDR when
 * it has the list but not that index (0xD402). */
int s7__szl_build(s7_cpu *cpu, uint16_t id, uint16_t index, uint8_t **out, uint32_t *len);

/* An allow-list entry "ADDR[/PREFIX]" (IPv4 or IPv6) into family (AF_INET / AF_INET6), addr
 * (16 bytes) and prefix.  0 or S7_ERR_INVAL (server.c). */
int s7__allow_parse(const char *cidr, int *family, uint8_t addr[16], int *prefix);

#endif
