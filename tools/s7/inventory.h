/* s7 inventory: the connection inventory of a plant (docs/inventory.md) and the commands
 * built on it.  A YAML file documents every S7 connection: the partners (name, IPv4
 * address, cell, rack/slot or TSAPs, connection type, profile) and for each connection
 * which partner is active (the client that connects), which is passive (the CPU serving
 * port 102), and what it exchanges (GET: the active side reads, PUT: it writes; DB/area
 * byte ranges; cycle).
 *
 *   inventory_yaml.c      loading and validating the file (libfyaml; errors FILE:LINE)
 *   inventory.c           `s7 inventory SUBCOMMAND`: options, validate, dispatch
 *   inventory_check.c     `s7 inventory check`: each connection live, with the doctor
 *   inventory_firewall.c  `s7 inventory firewall`: nftables / iptables rules
 *   inventory_report.c    `s7 inventory report`: index.html, report.md, cells.svg
 *
 * Only the s7 tool uses this (YAML stays out of libs7). */
#ifndef S7_TOOLS_INVENTORY_H
#define S7_TOOLS_INVENTORY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exchange direction, seen from the active partner. */
enum { INV_GET = 0, INV_PUT = 1 };

/* Partner kinds (a label for the report; "plc" partners may be passive). */
enum { INV_KIND_PLC, INV_KIND_HMI, INV_KIND_SCADA, INV_KIND_ENGINEERING, INV_KIND_GATEWAY,
       INV_KIND_PC, INV_KIND_OTHER, INV_KIND__COUNT };

/* A byte range of one area: DB (db 1..65535), I, Q or M (db 0). */
typedef struct inv_range {
    uint8_t area; /* S7_AREA_DB, S7_AREA_I, S7_AREA_Q, S7_AREA_M */
    uint16_t db;
    uint32_t offset;
    uint32_t length; /* >= 1; offset + length <= 65536 */
    int line;
} inv_range;

typedef struct inv_exchange {
    int dir; /* INV_GET / INV_PUT */
    inv_range *ranges;
    size_t nranges;
    long cycle_ms; /* 0: not cyclic (on event / on demand) */
    char *description;
    int line;
} inv_exchange;

typedef struct inv_cell {
    char *name;
    char *description;
    int has_subnet;
    uint32_t net; /* host order */
    int prefix;   /* 0..32 */
    int line;
} inv_cell;

typedef struct inv_partner {
    char *name;
    char address[16]; /* dotted IPv4 as written (normalised) */
    uint32_t ip;      /* host order */
    uint16_t port;    /* default 102 */
    size_t cell;      /* index into cells */
    int kind;         /* INV_KIND_* */
    char *profile;    /* NULL when not given */
    int rack, slot;   /* -1 when not given */
    int type;         /* connection type it uses when active: 1 pg, 2 op, 3 basic; 0 unset */
    uint16_t local_tsap, remote_tsap; /* remote_tsap != 0: TSAPs to reach it when passive */
    char *description;
    int line;
} inv_partner;

typedef struct inv_conn {
    char *name;
    size_t active, passive; /* indices into partners */
    int type;               /* resolved: 1 pg, 2 op, 3 basic */
    int rack, slot;         /* resolved (-1 when explicit TSAPs are used) */
    uint16_t local_tsap, remote_tsap; /* resolved TSAPs of the connection request */
    int explicit_tsap;      /* the TSAPs come from the file, not from rack/slot/type */
    char *description;
    inv_exchange *ex;
    size_t nex;
    int line;
} inv_conn;

typedef struct inv_plant {
    char *file;
    char *plant;       /* title; defaults to the file name */
    char *description; /* may be NULL */
    char *revision;    /* may be NULL */
    inv_cell *cells;
    size_t ncells;
    inv_partner *partners;
    size_t npartners;
    inv_conn *conns;
    size_t nconns;
} inv_plant;

/* Load and validate an inventory.  Returns 0, or -1 with "FILE:LINE: what is wrong and
 * what would be right" in err (the plant is then freed).  inv_free releases it. */
int inv_load(inv_plant *p, const char *path, char *err, size_t errcap);
void inv_free(inv_plant *p);

/* Partner / connection by name; NULL when unknown. */
const inv_partner *inv_find_partner(const inv_plant *p, const char *name);
const inv_conn *inv_find_conn(const inv_plant *p, const char *name);

/* "DB10.DBB0..DBB63", "DB10.DBB4" (one byte), "MB0..MB15" into buf; returns buf. */
const char *inv_range_text(const inv_range *r, char *buf, size_t cap);

const char *inv_dir_name(int dir);        /* "GET" / "PUT" */
const char *inv_type_name(int type);      /* "pg" / "op" / "basic" */
const char *inv_kind_name(int kind);      /* "plc", "hmi", ... */
/* "500 ms", "2 s", "on event" into buf; returns buf. */
const char *inv_cycle_text(long ms, char *buf, size_t cap);
/* "0100:0301" into buf; returns buf. */
const char *inv_tsap_text(uint16_t local, uint16_t remote, char *buf, size_t cap);

/* The commands (inventory.c dispatches; each returns an exit code CLI_*). */
typedef struct inv_opts {
    const char *file;
    int json;
    int allow_write;
    long timeout_ms;     /* check: per step; 0 = default */
    const char *as;      /* check: label of the partner the checks stand in for */
    const char **only;   /* check: connection names (--connection), NULL-terminated */
    size_t nonly;
    const char *format;  /* firewall: nftables | iptables | iptables-restore */
    const char *host;    /* firewall: --host PARTNER */
    const char *out;     /* firewall: -o FILE; report: -o DIR */
    const char *check;   /* report: --check FILE.json */
} inv_opts;

int inv_cmd_check(const inv_plant *p, const inv_opts *o);
int inv_cmd_firewall(const inv_plant *p, const inv_opts *o);
int inv_cmd_report(const inv_plant *p, const inv_opts *o);

/* Text escaping for the generators. */
void inv_xml_str(FILE *f, const char *s); /* &lt; &amp; &quot; ... */

#endif
