/* s7kit guard policy: what an enforcing proxy in front of one CPU lets through
 * (docs/guard.md).  Part of the plant model (libc only, no I/O).
 *
 * A policy lists the partners allowed to connect to the CPU.  Each partner is matched by
 * its source address (or any address), and optionally by connection type and TSAPs; it
 * carries the byte ranges it may read and the ranges it may write (area, DB, offset,
 * length; timers and counters by number: T0..T15, C0..C7), the services it may use besides Read/Write Var (SZL, clock, CPU control, block
 * functions, ...), a connection limit, a request-rate limit and whether its connections
 * share upstream connections to the CPU.  Every range and partner remembers where it came
 * from (a rule text such as "conn scada-line1 GET DB10.DBB0..63" and a line), which the
 * guard names in its audit log.
 *
 * A policy comes from an inventory (s7_policy_from_plant: the documented connections of
 * one CPU, GET exchanges readable, PUT exchanges writable) or from a rules file (loaded by
 * config/, s7_config_load_guard_rules in config.h) through the builder functions below. */
#ifndef S7_PLANT_POLICY_H
#define S7_PLANT_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "plant.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Services besides Read/Write Var (bits of s7_policy_partner.services). */
enum {
    S7_POL_SZL_IDENTITY = 1u << 0, /* SZL reads of identity and state lists (0x0011, 0x001C,
                                      0x0424, 0x0131, 0x0132, ...): allowed by default */
    S7_POL_SZL = 1u << 1,          /* every other SZL read (diagnostic buffer, ...) */
    S7_POL_CLOCK_READ = 1u << 2,   /* read the CPU clock: allowed by default */
    S7_POL_CLOCK_SET = 1u << 3,    /* set the CPU clock */
    S7_POL_CONTROL = 1u << 4,      /* PLC stop, hot / cold start, other PI services */
    S7_POL_BLOCKS = 1u << 5,       /* block list and block info (Userdata group 3) */
    S7_POL_UPLOAD = 1u << 6,       /* upload (read blocks out of the CPU) */
    S7_POL_DOWNLOAD = 1u << 7,     /* download (write blocks into the CPU) */
    S7_POL_PASSWORD = 1u << 8,     /* the legitimation password (Userdata group 5) */
    S7_POL_PROGRAMMER = 1u << 9,   /* programmer commands (Userdata group 1: forcing, ...) */
    S7_POL_CYCLIC = 1u << 10,      /* cyclic data subscriptions (Userdata group 2) */
    S7_POL_ALARMS = 1u << 11,      /* alarm and message services (group 4 besides SZL) */
    S7_POL__ALL = (1u << 12) - 1,
    S7_POL_DEFAULT = S7_POL_SZL_IDENTITY | S7_POL_CLOCK_READ
};

/* Access bits of a range. */
enum { S7_POL_READ = 1, S7_POL_WRITE = 2 };

typedef struct s7_policy_range {
    uint8_t area; /* S7_AREA_DB, I, Q, M; S7_AREA_T, S7_AREA_C (others never match) */
    uint16_t db;
    uint32_t offset, length; /* bytes; of timers and counters: first number, how many */
    unsigned access;         /* S7_POL_READ and / or S7_POL_WRITE */
    char rule[96];           /* where it comes from, for the audit log */
    int line;
} s7_policy_range;

typedef struct s7_policy_partner {
    char name[48];
    int any_addr; /* 1: any source address matches */
    s7_plant_addr addr;
    int type;                         /* connection type 1 pg, 2 op, 3 basic; 0 any */
    uint16_t local_tsap, remote_tsap; /* 0: any */
    unsigned services;                /* S7_POL_* bits */
    unsigned max_conn;                /* connections at once; 0 unlimited */
    unsigned rate;                    /* requests per second; 0 unlimited */
    int shared;                       /* 1: its connections share upstream connections */
    s7_policy_range *ranges;
    size_t nranges;
    char rule[96]; /* where it comes from */
    int line;
} s7_policy_partner;

typedef struct s7_policy {
    char source[256]; /* "inventory FILE cpu NAME" or "rules FILE" */
    s7_policy_partner *partners;
    size_t npartners;
    unsigned shared_upstreams; /* upstream connections per connection type for shared
                                  partners (default 2) */
} s7_policy;

/* An empty policy; NULL on out of memory.  s7_policy_free(NULL) is a no-op. */
S7_API s7_policy *s7_policy_new(void);
S7_API void s7_policy_free(s7_policy *p);
/* A copy of p that owns its own memory (one load given to several guards, each of which
 * takes its policy over); NULL on out of memory or a NULL p. */
S7_API s7_policy *s7_policy_dup(const s7_policy *p);

/* A new partner named name (any address, any type and TSAPs, S7_POL_DEFAULT services,
 * dedicated upstream); NULL on out of memory.  The pointer lives until the next add. */
S7_API s7_policy_partner *s7_policy_add_partner(s7_policy *p, const char *name);
/* A new range of a partner; NULL on out of memory (or a length of 0). */
S7_API s7_policy_range *s7_policy_add_range(s7_policy_partner *pt, uint8_t area, uint16_t db,
                                            uint32_t offset, uint32_t length, unsigned access);

/* The policy of CPU cpu in a validated plant: one partner per connection whose passive
 * end is cpu (its active partner's address, the connection's type and TSAPs), GET
 * exchanges as readable ranges, PUT exchanges as writable ones.  0 with *out, or
 * S7_ERR_INVAL with a message in err (no such partner, no documented connection to it, an
 * active partner without an address), S7_ERR_NOMEM. */
S7_API int s7_policy_from_plant(const s7_plant *pl, const char *cpu, s7_policy **out, char *err,
                                size_t errcap);

/* The partner a connection request from addr (numeric text, IPv4 or IPv6) with connection
 * type type (the high byte of the called TSAP: 1, 2, 3) and TSAPs matches: the index of the
 * first matching partner, or -1 with the reason in why ("no partner documented for address
 * 10.0.0.9", "partner hmi1 is documented with type op, asked pg"). */
S7_API long s7_policy_match(const s7_policy *p, const char *addr, int type, uint16_t local_tsap,
                            uint16_t remote_tsap, char *why, size_t cap);

/* Is access (S7_POL_READ or S7_POL_WRITE) to nbytes at byte offset of area/db allowed
 * for partner pt (of area S7_AREA_T / S7_AREA_C: nbytes timers / counters from number
 * offset)?  Returns the index of the range that allows it (the whole span inside
 * one range, or inside adjoining ranges: the first one is named), or -1. */
S7_API long s7_policy_check(const s7_policy_partner *pt, uint8_t area, uint16_t db, uint32_t offset,
                            uint32_t nbytes, unsigned access);

/* Service names as in rules files: "szl-identity", "szl", "clock-read", "clock-set",
 * "control", "blocks", "upload", "download", "password", "programmer", "cyclic",
 * "alarms"; "all" for every one.  Returns the bit, or 0 for an unknown name. */
S7_API unsigned s7_policy_service_parse(const char *name);
/* The name of one service bit ("?" when not one). */
S7_API const char *s7_policy_service_name(unsigned bit);
/* Every service name, comma-separated, for messages. */
S7_API const char *s7_policy_service_names(void);

/* 1 when the SZL id is an identity or state list (S7_POL_SZL_IDENTITY). */
S7_API int s7_policy_szl_identity(uint16_t szl_id);

/* ---------------------------------------------------------------- audit against the
 * inventory (`s7 inventory audit`): what an audit record (guard or emulator, docs/schema/
 * s7-audit.schema.json) shows that the plant does not document. */

enum {
    S7_PLANT_AUDIT_DOCUMENTED = 0, /* a documented partner within its documented exchanges */
    S7_PLANT_AUDIT_UNDOC_PARTNER,  /* no partner of the plant has that address */
    S7_PLANT_AUDIT_WRITE_GET_ONLY, /* a write where only GET is documented */
    S7_PLANT_AUDIT_OUTSIDE,        /* a read or write outside every documented range */
    S7_PLANT_AUDIT_UNDOC_SERVICE   /* CPU stop/start, clock set, ... (no exchange documents it) */
};

typedef struct s7_plant_audit_rec {
    const char *addr; /* the partner's address (numeric, without port) */
    const char *op;   /* "read", "write", "connect", "stop", ... */
    int has_range;
    uint8_t area; /* S7_AREA_* */
    uint16_t db;
    uint32_t offset, length;
} s7_plant_audit_rec;

/* Classifies one record against the documented connections of a validated plant (to the
 * CPU named cpu; NULL: any).  Returns S7_PLANT_AUDIT_*; *partner gets the partner the address
 * belongs to (NULL when none).  A "connect" by a documented partner, and reads and
 * "access" records within documented ranges, are documented. */
S7_API int s7_plant_audit_classify(const s7_plant *p, const char *cpu, const s7_plant_audit_rec *r,
                                   const s7_plant_partner **partner);
/* "documented", "undocumented partner", "write where only GET is documented", "outside the
 * documented ranges", "undocumented service". */
S7_API const char *s7_plant_audit_class_name(int cls);

#ifdef __cplusplus
}
#endif
#endif
