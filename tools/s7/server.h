/* s7 server: the configuration of one emulated CPU, shared by server.c (flags, building the
 * CPU, running the loop) and server_config.c (the YAML file).  Every field starts "unset"
 * (-1 / NULL) so that flags can override exactly what they name; see docs/server.md. */
#ifndef S7_TOOLS_SERVER_H
#define S7_TOOLS_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "s7/cpu.h"

/* A DB to create. */
typedef struct srv_db {
    uint16_t num;
    uint32_t size;
    unsigned flags; /* S7_DB_* */
    int access;     /* S7_ACCESS_*, -1 unset */
} srv_db;

/* An access rule: area (S7_AREA_*), db (0 = the whole area / every DB), S7_ACCESS_*. */
typedef struct srv_access {
    uint8_t area;
    uint16_t db;
    int access;
} srv_access;

enum { SRV_I = 0, SRV_Q, SRV_M, SRV_T, SRV_C, SRV_NAREAS };

/* Identity strings that override the profile's (NULL = the profile's). */
typedef struct srv_identity {
    char *order_code, *module_type, *as_name, *module_name, *plant_id, *copyright, *serial;
    int fw[3]; /* -1 unset */
} srv_identity;

typedef struct srv_config {
    char *listen;           /* "ADDR:PORT" */
    char *profile;
    int rack, slot;         /* -1 unset */
    int put_get;            /* -1 unset, 0 off, 1 on */
    int max_conn[4];        /* total, PG, OP, basic; -1 unset */
    int pdu, amq;           /* profile overrides, -1 unset */
    int cpu_state;          /* S7_CPU_STATE_RUN / _STOP, -1 unset */
    char **allow;
    size_t nallow;
    int allow_set;          /* an allow list was given (even empty) */
    srv_db *dbs;
    size_t ndbs;
    char **values;          /* "ADDRESS=VALUE", applied in order */
    char **value_from;      /* where each came from ("--set", "FILE:LINE"), same count */
    size_t nvalues;
    srv_access *access;
    size_t naccess;
    long area_size[SRV_NAREAS]; /* I/Q/M bytes, T/C elements; -1 unset */
    srv_identity id;
    char *audit;
    int audit_reads;        /* -1 unset */
    char *state;
    int retain;             /* S7_RETAIN_SYNC / _ASYNC, -1 unset */
    int retain_resize;      /* S7_RETAIN_RESIZE_*, -1 unset */
    long compact_bytes;     /* -1 unset */
    long idle_timeout_ms;   /* -1 unset */
    long max_clients;       /* -1 unset */
    int quiet;              /* -1 unset */
} srv_config;

void srv_config_init(srv_config *c);
void srv_config_free(srv_config *c);

/* Loads a YAML file into c.  Returns 0, or -1 with "FILE:LINE: what is wrong and what would
 * be right" in err. */
int srv_config_load(srv_config *c, const char *path, char *err, size_t errcap);

/* Adds d, replacing a DB of the same number.  0 or -1 (out of memory). */
int srv_config_put_db(srv_config *c, const srv_db *d);
/* Appends a copy of s to a string list.  0 or -1. */
int srv_config_push(char ***list, size_t *n, const char *s);
/* Appends an initial value "ADDRESS=VALUE" and where it came from.  0 or -1. */
int srv_config_add_value(srv_config *c, const char *assign, const char *from);
/* Appends an access rule.  0 or -1. */
int srv_config_push_access(srv_config *c, uint8_t area, uint16_t db, int access);

/* Parsers shared by flags and the file; each returns 0, or -1 with a message in err that
 * names what is wrong and what would be right. */
int srv_parse_db(const char *spec, srv_db *out, char *err, size_t errcap);     /* N:SIZE[:flags] */
int srv_parse_access(const char *s, int *out, char *err, size_t errcap);       /* read-write ... */
int srv_parse_bool(const char *s, int *out);                                    /* on/off/true... */
int srv_parse_listen(const char *s, char *out, size_t cap, char *err, size_t errcap);
int srv_parse_conn_type(const char *s, int *out);                              /* pg op basic total */
/* Area letter/name ("I", "E", "Q", "A", "M", "T", "C", "Z", "DB") to S7_AREA_*; -1 unknown. */
int srv_area_code(const char *s);

#endif
