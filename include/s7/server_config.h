/* s7kit server configuration: the model of one emulated CPU's configuration (profile, DBs,
 * initial values, areas and access rules, limits, identity, allow-list, retain and audit
 * settings), the parsers that command-line flags and configuration files share, and
 * building the CPU model (cpu.h) from it.  No I/O: a loader (s7config reads YAML, see
 * config.h) or a program fills it; the server engine and the CLI use it.
 *
 * Every field starts "unset" (-1 / NULL) so that one configuration (flags) can override
 * exactly what it names in another (a file); see docs/server.md. */
#ifndef S7_SERVER_CONFIG_H
#define S7_SERVER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "cpu.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A DB to create. */
typedef struct s7_server_db {
    uint16_t num;
    uint32_t size;
    unsigned flags; /* S7_DB_* */
    int access;     /* S7_ACCESS_*, -1 unset */
    char from[96];  /* where it was defined ("FILE:LINE"), for messages; "" unknown */
} s7_server_db;

/* A program block to hold (block functions, upload; docs/server.md). */
typedef struct s7_server_block {
    uint8_t type; /* S7_BLOCK_OB, FC, FB, SDB, SFC, SFB */
    uint16_t number;
    uint16_t size; /* MC7 length in bytes */
    int know_how;  /* know-how protected: listed and described, not uploaded */
    char from[96]; /* where it was defined ("FILE:LINE"), for messages; "" unknown */
} s7_server_block;

/* An access rule: area (S7_AREA_*), db (0 = the whole area / every DB), S7_ACCESS_*. */
typedef struct s7_server_access {
    uint8_t area;
    uint16_t db;
    int access;
    char from[96]; /* where it was defined ("FILE:LINE"), for messages; "" unknown */
} s7_server_access;

/* Indices of area_size[]. */
enum {
    S7_SERVER_AREA_I = 0,
    S7_SERVER_AREA_Q,
    S7_SERVER_AREA_M,
    S7_SERVER_AREA_T,
    S7_SERVER_AREA_C,
    S7_SERVER_NAREAS
};

/* Identity strings that override the profile's (NULL = the profile's). */
typedef struct s7_server_identity {
    char *order_code, *module_type, *as_name, *module_name, *plant_id, *copyright, *serial;
    int fw[3]; /* -1 unset */
} s7_server_identity;

/* An alarm (S7-300/400: answered to the alarm query): its event ID, a name, the DB bit that
 * raises it while set (db 0: none; s7_cpu_alarm_raise then does). */
typedef struct s7_server_alarm {
    uint32_t id;
    char name[64];
    uint16_t db;
    uint32_t byte;
    int bit;
    char from[96]; /* where it was defined ("FILE:LINE", "--alarm"), for messages */
} s7_server_alarm;

typedef struct s7_server_config {
    char *listen; /* "ADDR:PORT" */
    char *profile;
    int rack, slot;  /* -1 unset */
    int put_get;     /* -1 unset, 0 off, 1 on */
    int max_conn[4]; /* total, PG, OP, basic; -1 unset */
    int pdu, amq;    /* profile overrides, -1 unset */
    int cpu_state;   /* S7_CPU_STATE_RUN / _STOP, -1 unset */
    char **allow;
    size_t nallow;
    int allow_set; /* an allow list was given (even empty) */
    s7_server_db *dbs;
    size_t ndbs;
    char **values;     /* "ADDRESS=VALUE", applied in order */
    char **value_from; /* where each came from ("--set", "FILE:LINE"), same count */
    size_t nvalues;
    s7_server_access *access;
    size_t naccess;
    long area_size[S7_SERVER_NAREAS];     /* I/Q/M bytes, T/C elements; -1 unset */
    char area_from[S7_SERVER_NAREAS][96]; /* where each size was set ("FILE:LINE"); "" unknown */
    s7_server_identity id;
    char *audit;
    int audit_reads; /* -1 unset */
    char *state;
    int retain;           /* S7_RETAIN_SYNC / _ASYNC, -1 unset */
    int retain_resize;    /* S7_RETAIN_RESIZE_*, -1 unset */
    long compact_bytes;   /* -1 unset */
    long idle_timeout_ms; /* -1 unset */
    long max_clients;     /* -1 unset */
    int quiet;            /* -1 unset */
    /* the engine's limits (s7_server_set_limit; docs/server.md), -1 unset */
    long cr_timeout_ms, setup_timeout_ms, max_per_source, max_held, max_held_conn, sock_buf;
    /* alarms (added with the alarm query) */
    s7_server_alarm *alarms;
    size_t nalarms;
    /* program blocks: the family's default set (S7-300/400: OB1, a 315-2's SFCs and SFBs)
     * unless default_blocks is 0, then these (a block of the same type and number replaces) */
    int default_blocks; /* -1 unset (on), 0 off, 1 on */
    s7_server_block *blocks;
    size_t nblocks;
} s7_server_config;

/* Every field unset.  s7_server_config_free releases what it holds (the struct itself is
 * the caller's) and leaves it zeroed; NULL is a no-op. */
S7_API void s7_server_config_init(s7_server_config *c);
S7_API void s7_server_config_free(s7_server_config *c);

/* Adds d, replacing a DB of the same number.  0 or S7_ERR_NOMEM. */
S7_API int s7_server_config_put_db(s7_server_config *c, const s7_server_db *d);
/* Appends a copy of s to the allow-list (and sets allow_set).  0, S7_ERR_INVAL when s is not
 * an IPv4 or IPv6 address with an optional /PREFIX (nothing added; s7_server_allow_hint()
 * says what would be right), or S7_ERR_NOMEM. */
S7_API int s7_server_config_add_allow(s7_server_config *c, const char *s);
/* "expected an IPv4 or IPv6 address with an optional /PREFIX, e.g. ..." (static text). */
S7_API const char *s7_server_allow_hint(void);
/* Appends an initial value "ADDRESS=VALUE" and where it came from.  0 or S7_ERR_NOMEM. */
S7_API int s7_server_config_add_value(s7_server_config *c, const char *assign, const char *from);
/* Appends a program block.  0 or S7_ERR_NOMEM. */
S7_API int s7_server_config_add_block(s7_server_config *c, const s7_server_block *b);
/* Appends an access rule.  0 or S7_ERR_NOMEM. */
S7_API int s7_server_config_add_access(s7_server_config *c, uint8_t area, uint16_t db, int access);

/* Parsers shared by flags and files; each returns 0, or -1 (with a message in err that names
 * what is wrong and what would be right, where there is an err). */
S7_API int s7_server_parse_db(const char *spec, s7_server_db *out, char *err,
                              size_t errcap); /* N:SIZE[:flags] */
S7_API int s7_server_parse_access(const char *s, int *out, char *err,
                                  size_t errcap);         /* read-write ... */
S7_API int s7_server_parse_bool(const char *s, int *out); /* on/off/true... */
/* "ADDR:PORT", "[IPv6]:PORT" or a bare PORT (127.0.0.1:PORT) checked and written into out as
 * ADDR:PORT with the port as a plain number (cap bytes; 64 hold any); -1 also when that does
 * not fit cap (out ""). */
S7_API int s7_server_parse_listen(const char *s, char *out, size_t cap, char *err, size_t errcap);
S7_API int s7_server_parse_conn_type(const char *s, int *out); /* pg op basic total */
/* An alarm "ID:DBn.DBXb.i[:NAME]" (ID decimal or 0x hex, not 0; the DB bit that raises
 * it; a name for logs) into out. */
S7_API int s7_server_parse_alarm(const char *spec, s7_server_alarm *out, char *err, size_t errcap);
/* Adds a copy of a, replacing an alarm of the same ID.  0 or S7_ERR_NOMEM. */
S7_API int s7_server_config_add_alarm(s7_server_config *c, const s7_server_alarm *a);
/* A number as flags write it: decimal, or hex with 0x, in [min, max] (no sign, no blanks). */
S7_API int s7_server_parse_num(const char *s, long min, long max, long *out);
/* Area letter/name ("I", "E", "Q", "A", "M", "T", "C", "Z", "DB") to S7_AREA_*; -1 unknown. */
S7_API int s7_server_area_code(const char *s);
/* "I", "Q", "M", "T", "C", "P", "DB", "DI"; "area" for others. */
S7_API const char *s7_server_area_text(uint8_t area);

/* A new CPU model from c: the profile (s7-1500 when none) with c's identity, PDU/AmQ and
 * rack/slot overrides, then area sizes, DBs (c->dbs is sorted by number first), access
 * rules, initial values, PUT/GET, connection limits and state.  Returns 0 with *out (s7_cpu_free), or
 * S7_ERR_INVAL with "what is wrong and what would be right" in err (e.g. "DB2: a logo8 has
 * V memory (DB1) and no other DBs; use DB1 (VB0 = DB1.DBB0)"), S7_ERR_NOMEM. */
S7_API int s7_server_config_build_cpu(s7_server_config *c, s7_cpu **out, char *err, size_t errcap);

#ifdef __cplusplus
}
#endif

#endif
