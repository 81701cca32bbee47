/* s7kit CPU model: what an emulated S7 CPU holds and how it answers requests.
 *
 * No I/O: the server engine (server.h) owns sockets and hands each connection's requests
 * to s7_cpu_handle(), which writes the reply.  The model holds memory areas (DBs, I, Q, M,
 * timers, counters), a profile (limits, identity, TSAP rules, supported areas),
 * protection (PUT/GET permission, optimized DBs, read-only areas, per-area access), the
 * CPU state and clock. */
#ifndef S7_CPU_H
#define S7_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "wire.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_cpu s7_cpu;

enum { S7_TSAP_RACKSLOT = 0, S7_TSAP_LOGO = 1, S7_TSAP_S7200 = 2 };

/* A CPU family: limits, identity and rules (copied into the CPU). */
typedef struct s7_profile {
    const char *name;         /* "s7-300", "s7-400", "s7-1200", "s7-1500", "logo8", "s7-200smart" */
    uint16_t max_pdu;         /* largest PDU it negotiates */
    uint16_t max_amq;         /* jobs in flight it allows */
    uint16_t max_conn[4];     /* [0] total, [1] PG, [2] OP, [3] S7 basic */
    uint8_t rack, slot;       /* where the CPU sits (called TSAP must name it) */
    uint8_t tsap_mode;        /* S7_TSAP_* */
    uint8_t has_timers;       /* T and C areas served (not on 1200/1500) */
    uint8_t put_get;          /* PUT/GET permitted by default (off on 1200/1500) */
    uint8_t protection_level; /* 1..3 */
    const char *order_code;   /* SZL 0x0011 index 1 */
    uint8_t fw[3];            /* firmware V a.b.c (SZL 0x0011 index 7) */
    const char *module_type;  /* SZL 0x001C index 7 */
    const char *as_name;      /* index 1 */
    const char *module_name;  /* index 2 */
    const char *plant_id;     /* index 3 */
    const char *copyright;    /* index 4 */
    const char *serial;       /* index 5 */
} s7_profile;

/* Built-in profiles by name (NULL if unknown); s7_profile_names lists them. */
S7_API const s7_profile *s7_profile_find(const char *name);
S7_API const char *const *s7_profile_names(void);
/* The size of the V memory a LOGO! or S7-200 SMART profile serves as DB1, its only DB (851
 * and 8192 bytes); 0 for a profile that serves any DB. */
S7_API uint32_t s7_profile_vmem_size(const s7_profile *p);
/* 1 when a CPU of that profile sitting at slot 1 takes a called TSAP naming slot 0 too
 * (S7-1200, S7-1500); 0 otherwise. */
S7_API int s7_profile_slot0_too(const s7_profile *p);

/* DB flags */
enum { S7_DB_OPTIMIZED = 1, S7_DB_READONLY = 2, S7_DB_RETAIN = 4 };
/* Access levels for areas / DBs beyond what real CPUs have */
enum { S7_ACCESS_RW = 0, S7_ACCESS_RO = 1, S7_ACCESS_NONE = 2 };

/* A new CPU of a profile (copied); I, Q, M get 1024 bytes, T and C 256 elements each when
 * the profile has them.  NULL on out of memory. */
S7_API s7_cpu *s7_cpu_new(const s7_profile *p);
S7_API void s7_cpu_free(s7_cpu *cpu);
S7_API const s7_profile *s7_cpu_profile(const s7_cpu *cpu);

/* Add a DB of size bytes (1..65535), zeroed.  S7_ERR_INVAL for a bad number/size, exists. */
S7_API int s7_cpu_add_db(s7_cpu *cpu, uint16_t num, uint32_t size, unsigned flags);
/* Resize I/Q/M (bytes) or T/C (elements). */
S7_API int s7_cpu_set_area_size(s7_cpu *cpu, uint8_t area, uint32_t size);
/* Memory of an area or DB (NULL when absent); *size gets its length in bytes. */
S7_API uint8_t *s7_cpu_mem(s7_cpu *cpu, uint8_t area, uint16_t db, uint32_t *size);
S7_API unsigned s7_cpu_db_flags(const s7_cpu *cpu, uint16_t db);
/* Change S7_DB_OPTIMIZED and S7_DB_READONLY of an existing DB while serving (a DB made
 * optimized, as a changed download would); S7_DB_RETAIN stays as it is.  0, or
 * S7_ERR_INVAL (no such DB, another flag). */
S7_API int s7_cpu_set_db_flags(s7_cpu *cpu, uint16_t db, unsigned flags);
/* Shows DB db to the partners as len bytes long while serving, its memory kept: a DB
 * downloaded shorter (item 0x05 past len), or with len 0 one deleted (item 0x0A; a program
 * block upload, its info, the block list and its counts find none).  A len of its
 * size or more shows it whole again.
 * For fault injection (s7 inventory simulate).  0, or S7_ERR_INVAL (no such DB, application
 * memory). */
S7_API int s7_cpu_set_db_shown(s7_cpu *cpu, uint16_t db, uint32_t len);
/* Initial value by address: "DB1.DBD4:REAL=3.5", "MW10=7".  On failure writes a message. */
S7_API int s7_cpu_set_value(s7_cpu *cpu, const char *assignment, char *err, size_t errcap);

/* A write by the CPU itself, not by a partner's request: what its program's jobs land in its
 * memory (a GET's RD areas, a BRCV's or URCV's block, NDR/DONE/ERROR/STATUS).  It takes the
 * path of a partner's Write Var: the bytes land under the application memory's lock
 * (s7_cpu_register_area) and are reported as one S7_EV_WRITE event with sess NULL (rc
 * S7_RC_OK, data the bytes), so the handler that journals a PUT into a retentive DB
 * (s7_retain_event) journals this write too.  area S7_AREA_DB or DI (db its number), I, Q,
 * M, T or C; start and len in bytes of the area's memory (T/C: 2 bytes per element).  bit
 * -1 writes len bytes; bit 0..7 (len 1) sets or clears only that bit of byte start from
 * data[0] & 1 (the event then has ts S7_TS_BIT and .bit).  Returns 0, S7_ERR_ADDR when the
 * range is not all in the CPU's memory, or S7_ERR_INVAL (bad arguments, area P); nothing is
 * written or reported then. */
S7_API int s7_cpu_write(s7_cpu *cpu, uint8_t area, uint16_t db, uint32_t start, int bit,
                        const uint8_t *data, uint32_t len);

/* Application memory: the CPU serves (and writes) mem directly, calling lock/unlock around
 * every access so the application sees consistent data. */
S7_API int s7_cpu_register_area(s7_cpu *cpu, uint8_t area, uint16_t db, uint8_t *mem, uint32_t size,
                                void (*lock)(void *ctx), void (*unlock)(void *ctx), void *ctx);

S7_API void s7_cpu_set_put_get(s7_cpu *cpu, int permitted);
S7_API int s7_cpu_put_get(const s7_cpu *cpu);
/* Extra access control per area (db 0) or per DB. */
S7_API int s7_cpu_set_access(s7_cpu *cpu, uint8_t area, uint16_t db, int access);
S7_API void s7_cpu_set_location(s7_cpu *cpu, uint8_t rack, uint8_t slot);
S7_API void s7_cpu_set_max_conn(s7_cpu *cpu, int type,
                                uint16_t n); /* type 0 total, 1 PG, 2 OP, 3 basic */

enum { S7_CPU_STATE_STOP = 4, S7_CPU_STATE_RUN = 8 };
S7_API int s7_cpu_state(const s7_cpu *cpu);
S7_API void s7_cpu_set_state(s7_cpu *cpu, int state);

/* ---------------------------------------------------------------- sessions */

/* What the CPU knows of one connection (connection type, negotiated PDU and AmQ, the
 * peer's name, a pending Userdata continuation).  Opaque: the engine creates one per
 * connection and passes it to s7_cpu_accept / s7_cpu_handle. */
typedef struct s7_cpu_session s7_cpu_session;

/* A new, empty session; NULL on out of memory. */
S7_API s7_cpu_session *s7_cpu_session_new(void);
/* Releases the session and what it holds (a pending continuation, its cyclic-data
 * subscriptions); NULL is a no-op.  Free a session before the CPU it was served by. */
S7_API void s7_cpu_session_free(s7_cpu_session *s);
/* Back to the state of a new session (keeps nothing, the peer included). */
S7_API void s7_cpu_session_reset(s7_cpu_session *s);

/* The peer's name for logs and audit ("ip:port", truncated to 63 bytes; NULL = "") and
 * its IPv4 address in host order (0 if other). */
S7_API void s7_cpu_session_set_peer(s7_cpu_session *s, const char *peer, uint32_t ip4);
S7_API const char *s7_cpu_session_peer(const s7_cpu_session *s);
S7_API uint32_t s7_cpu_session_peer_ip(const s7_cpu_session *s);
/* The connection type from the called TSAP after s7_cpu_accept: 1 PG, 2 OP, 3 basic (0
 * before). */
S7_API int s7_cpu_session_conn_type(const s7_cpu_session *s);
/* Negotiated PDU length and jobs in flight (0 before Setup Communication). */
S7_API uint16_t s7_cpu_session_pdu(const s7_cpu_session *s);
S7_API uint16_t s7_cpu_session_amq(const s7_cpu_session *s);

/* Decide on a COTP CR: 0 accept (sess->conn_type set), S7_ERR_CR_REJECTED when the called
 * TSAP names another rack/slot or connection resources of that type are exhausted
 * (*reason gets a text for the log, owned by the CPU, valid until its next
 * s7_cpu_accept).  in_use[t] = connections of type t now. */
S7_API int s7_cpu_accept(s7_cpu *cpu, s7_cpu_session *sess, const s7_cotp *cr,
                         const uint16_t in_use[4], const char **reason);

/* Events the CPU reports while answering (read, write, refused access, control), from
 * inside s7_cpu_handle (a write is reported after it is done and before the reply
 * leaves).  One event per item: area is the memory touched (P reads -> I, P writes ->
 * Q, DI -> DB), start / len the byte range in it (T/C: 2 bytes per element at 2N; a
 * BIT: its byte, len 1, bit in .bit).  REFUSED covers the whole-job refusals (rc =
 * error class, err = 0x8104 PUT/GET, 0x8500 size; one event per item) and the items
 * refused with 0x03, 0x0A and 0x05 for an optimized DB; other failing items come as
 * READ / WRITE with their rc.  The CPU's own writes (s7_cpu_write) come as WRITE events
 * with sess NULL, outside s7_cpu_handle and with no S7_EV_DONE after them. */
typedef struct s7_cpu_event {
    int kind; /* S7_EV_READ, S7_EV_WRITE, S7_EV_REFUSED */
    /* the partner's session; NULL for a write by the CPU itself (s7_cpu_write) */
    const s7_cpu_session *sess;
    uint8_t area;
    uint16_t db;
    uint32_t start, len;
    uint8_t rc;          /* item return code (0xFF ok) or header error class */
    uint16_t err;        /* header error (0x8104 ...) when refused as a whole */
    const uint8_t *data; /* written bytes (S7_EV_WRITE) */
    /* added with the CPU model: */
    uint8_t ts;   /* request transport size of the item (S7_TS_*), 0 if none */
    uint8_t bit;  /* bit number of a BIT item (start is then its byte) */
    uint8_t ctrl; /* S7_EV_CONTROL (or a refused control): S7_CTRL_* */
    uint8_t fn;   /* the job an item event belongs to: S7_FN_READ / S7_FN_WRITE
                                 (so a refused item says which it was); 0 otherwise */
} s7_cpu_event;
/* S7_EV_DONE comes once at the end of every Read/Write Var job (fn says which), after its
 * item events and before the reply is sent: the moment to make a batch of writes durable. */
enum { S7_EV_READ = 1, S7_EV_WRITE = 2, S7_EV_REFUSED = 3, S7_EV_CONTROL = 4, S7_EV_DONE = 5 };
/* What a control event did (rc holds the reply's status byte: 0, 0x07 already in STOP,
 * 0x03 already in RUN). */
enum {
    S7_CTRL_STOP = 1,
    S7_CTRL_HOT_START = 2,
    S7_CTRL_COLD_START = 3,
    S7_CTRL_CLOCK_SET = 4,
    S7_CTRL_OTHER = 5,    /* PI services other than P_PROGRAM, upload/download */
    S7_CTRL_FLASH_LED = 6 /* a programmer's "flash LED" (node flash test) request */
};
typedef void (*s7_cpu_event_fn)(void *ctx, const s7_cpu_event *ev);
/* One handler per CPU.  A CPU served by an s7_server with an on_event hook takes the
 * server's handler: give yours to the server instead (s7_server_opts.hooks.on_event), which
 * passes every event on.  Without a handler the CPU builds no events. */
S7_API void s7_cpu_on_event(s7_cpu *cpu, s7_cpu_event_fn fn, void *ctx);

/* Answer one request PDU (a whole, reassembled S7 PDU) of a session whose setup is done.
 * Writes the reply PDU into out (cap >= the negotiated PDU) and returns its length, 0 when
 * nothing is to be answered, or a negative error when the request is malformed (the engine
 * closes that connection and logs why).  Setup Communication is answered here too:
 * negotiates min(asked, profile) and sets sess->pdu / amq. */
S7_API int s7_cpu_handle(s7_cpu *cpu, s7_cpu_session *sess, const uint8_t *pdu, size_t len,
                         uint8_t *out, size_t cap);

/* Cyclic data (Userdata group 2, S7-300/400 profiles): the subscriptions a session's
 * requests made push their items' values unsolicited; so do the programmer commands
 * (group 1: a variable table's values, a modify's results) once their job ran, right after
 * the answer that ran it (next_push 0).  s7_cpu_session_push writes the
 * next push that is due at now_ms (any monotonic ms clock, the same at every call) into
 * out (cap >= the negotiated PDU) and returns its length, 0 when none is due, or a
 * negative error; call it until it returns 0.  A subscription's first push is one cycle
 * after the first call that sees it.  s7_cpu_session_next_push: when (on that clock) the
 * next push may be due, 0 for "at the next call", -1 when the session has no
 * subscriptions. */
S7_API int s7_cpu_session_push(s7_cpu *cpu, s7_cpu_session *sess, int64_t now_ms, uint8_t *out,
                               size_t cap);
S7_API int64_t s7_cpu_session_next_push(const s7_cpu_session *sess);
/* 1 when the session holds a cyclic-data job or a registration with the message service
 * (alarms, SCAN): its client waits for pushes that come only when something changes, so
 * its silence is not idleness (the server's idle timeout leaves it alone); 0 otherwise. */
S7_API int s7_cpu_session_subscribed(const s7_cpu_session *sess);

/* Alarms (S7-300/400 profiles: answered to the alarm query, Userdata group 4 subfunction
 * 0x13).  s7_cpu_alarm_add defines alarm id (its event ID, not 0) named name (copied,
 * for logs); db > 0: the bit `bit` of byte `byte` of that DB raises it while set (bit
 * 0..7), db 0 and bit -1: only the calls below do.  0, S7_ERR_INVAL (id 0 or taken, a
 * bad bit) or S7_ERR_NOMEM.  raise / clear: 0 or S7_ERR_INVAL.  active: 1 when the
 * alarm is active now (raised, or its bit set), 0 when not, S7_ERR_INVAL. */
S7_API int s7_cpu_alarm_add(s7_cpu *cpu, uint32_t id, const char *name, uint16_t db, uint32_t byte,
                            int bit);
S7_API int s7_cpu_alarm_raise(s7_cpu *cpu, uint32_t id);
S7_API int s7_cpu_alarm_clear(s7_cpu *cpu, uint32_t id);
S7_API int s7_cpu_alarm_active(s7_cpu *cpu, uint32_t id);

/* Connections in use, as SZL 0x0132 reports them (the engine keeps these current). */
S7_API void s7_cpu_set_conn_use(s7_cpu *cpu, const uint16_t in_use[4]);

/* ---- program blocks (block functions, upload, download; server/blocks.c) */
/* Add (or replace) a program block the CPU lists, describes and uploads: type S7_BLOCK_OB,
 * FC, FB, SDB, SFC or SFB (DBs are the memory of s7_cpu_add_db), MC7 length, know-how
 * protected or not.  The block's image is generated (header, mc7_len zero bytes, footer).
 * S7_ERR_INVAL for a DB or an unknown type. */
S7_API int s7_cpu_add_block(s7_cpu *cpu, uint8_t type, uint16_t number, uint16_t mc7_len,
                            int know_how);
/* Load a whole block image (the MC7 block as uploaded or downloaded: 36-byte header,
 * code or data, interface, 36-byte footer) as an active block; a DB image becomes a DB
 * served with its data (into a DB of that size: reported as the CPU's own S7_EV_WRITE of
 * the whole DB, so a retentive store journals it).  Returns 0, S7_ERR_INVAL (not a block
 * image, or its lengths disagree with len) or S7_ERR_STATE (a retentive DB of another
 * size: it is not resized). */
S7_API int s7_cpu_load_block(s7_cpu *cpu, const uint8_t *image, size_t len);
/* Add the program blocks a CPU of the profile's family lists out of the box (S7-300/400:
 * OB1, and the SFCs and SFBs a CPU 315-2 PN/DP lists); nothing on other families.
 * Returns the count added or S7_ERR_NOMEM. */
S7_API int s7_cpu_add_default_blocks(s7_cpu *cpu);
/* The number of program blocks (not DBs) the CPU holds. */
S7_API size_t s7_cpu_block_count(const s7_cpu *cpu);
/* A Job the CPU sends to the PG of sess (during a download it asks for the block's parts,
 * 0x1B, then ends with 0x1C): after every s7_cpu_handle the engine calls this and sends
 * what it returns.  Writes the PDU into out, returns its length, 0 when there is none,
 * or S7_ERR_NOSPACE. */
S7_API int s7_cpu_next_job(s7_cpu *cpu, s7_cpu_session *sess, uint8_t *out, size_t cap);

#ifdef __cplusplus
}
#endif
#endif
