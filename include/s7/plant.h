/* s7kit plant model: the connection inventory of a plant as data (docs/plant.md).
 *
 * A plant documents every S7 connection: the partners (name, IPv4 or IPv6 address or host
 * name, cell, roles, rack/slot or TSAPs, connection type, profile), the cells (network
 * segments) they sit in, the routers between the cells with their interfaces, and per
 * connection which partner is active (the client that connects), which is passive (the CPU
 * serving port 102) and what it exchanges (GET: the active side reads, PUT: it writes;
 * DB/area byte ranges; cycle).
 *
 * This module is libc only and does no I/O of its own: a loader (s7config reads YAML, see
 * config.h) or a program fills a plant through the builder functions, s7_plant_validate()
 * checks it and resolves names and TSAPs, and the renderers (firewall rules, report) write
 * to a FILE * the caller opened.  The live check of a plant is an engine in diag/
 * (plant_check.h).
 *
 * Ownership: the plant owns every string and array in it (malloc'd copies).  Scalar fields
 * of the structs may be set directly; strings go through the *_set_* functions.  A pointer
 * returned by an *_add_* function stays valid until the next *_add_* of the same kind on
 * the same parent.  Line numbers (`line` fields) are where a loader found the entry; 0 when
 * unknown: messages then name the entry only. */
#ifndef S7_PLANT_H
#define S7_PLANT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "wire.h" /* S7_AREA_*, the areas of an exchange */

#ifdef __cplusplus
extern "C" {
#endif

/* Exchange direction, seen from the active partner. */
enum { S7_PLANT_GET = 0, S7_PLANT_PUT = 1 };

/* Partner kinds (a label for the report; "plc" partners may be passive). */
enum {
    S7_PLANT_KIND_PLC,
    S7_PLANT_KIND_HMI,
    S7_PLANT_KIND_SCADA,
    S7_PLANT_KIND_ENGINEERING,
    S7_PLANT_KIND_GATEWAY,
    S7_PLANT_KIND_PC,
    S7_PLANT_KIND_OTHER,
    S7_PLANT_KIND__COUNT
};

/* A byte range of one area: DB (db 1..65535), I, Q or M (db 0). */
typedef struct s7_plant_range {
    uint8_t area; /* S7_AREA_DB, S7_AREA_I, S7_AREA_Q, S7_AREA_M */
    uint16_t db;
    uint32_t offset;
    uint32_t length; /* >= 1; offset + length <= 65536 */
    int line;
} s7_plant_range;

typedef struct s7_plant_exchange {
    int dir; /* S7_PLANT_GET / S7_PLANT_PUT */
    s7_plant_range *ranges;
    size_t nranges;
    long cycle_ms; /* 0: not cyclic (on event / on demand) */
    char *description;
    int line;
} s7_plant_exchange;

/* Address families of the plant model (not the socket API's AF_*: plant/ is libc only). */
enum { S7_PLANT_AF_NONE = 0, S7_PLANT_AF_INET = 4, S7_PLANT_AF_INET6 = 6 };

/* One IP address: IPv4 (host order in ip) or IPv6 (network order in ip6), and its normalised
 * text (dotted IPv4, or IPv6 in the RFC 5952 form: lower case, longest zero run as "::"). */
typedef struct s7_plant_addr {
    int family; /* S7_PLANT_AF_* */
    uint32_t ip;
    uint8_t ip6[16];
    char text[48];
} s7_plant_addr;

typedef struct s7_plant_cell {
    char *name;
    char *description;
    int has_subnet;
    uint32_t net; /* host order */
    int prefix;   /* 0..32 */
    int has_subnet6;
    uint8_t net6[16]; /* the cell's IPv6 subnet (network order) */
    int prefix6;      /* 0..128 */
    int line;
} s7_plant_cell;

/* How a CPU takes the called TSAP of a connection request (s7_plant_cpu_limits.tsap_rule). */
enum {
    S7_PLANT_TSAP_RACKSLOT = 0, /* S7-300/400/1200/1500: high byte the type, low rack*32+slot */
    S7_PLANT_TSAP_LOGO = 1,     /* LOGO!: its own TSAPs (02.00 ...) */
    S7_PLANT_TSAP_S7200 = 2     /* S7-200 SMART: its own TSAPs besides the rack/slot rule */
};

/* What a partner's CPU profile offers, as far as validation checks an inventory against it:
 * connection budgets, areas, the DB of a V-memory CPU, the TSAP rule.  The plant model knows
 * no profiles: the loader fills this from the CPU model's profile (cpu.h s7_profile_find,
 * the figures the emulator serves with); known 0 (a partner without a profile, or a plant
 * built by a program that does not fill it): the partner is not checked against a profile. */
typedef struct s7_plant_cpu_limits {
    int known;       /* 1: the fields below hold */
    int max_conn[4]; /* connections it serves: [0] in all, [1] PG, [2] OP, [3] S7 basic */
    int has_timers;  /* timers and counters are served over PUT/GET (not on S7-1200/1500) */
    uint32_t vmem;   /* > 0: its only DB is DB1, V memory of this many bytes (LOGO!, S7-200) */
    int tsap_rule;   /* S7_PLANT_TSAP_* */
    int slot0_too;   /* sitting at slot 1, it takes a called TSAP naming slot 0 too */
} s7_plant_cpu_limits;

typedef struct s7_plant_partner {
    char *name;
    /* The partner's IP address: dotted IPv4 or IPv6 text (normalised, s7_plant_addr); ""
     * when not given (a partner known by its host name only, until s7_plant_resolve_hosts). */
    char address[48];
    int family;        /* S7_PLANT_AF_INET / S7_PLANT_AF_INET6; S7_PLANT_AF_NONE: no address */
    uint32_t ip;       /* IPv4, host order (0 for IPv6) */
    uint8_t ip6[16];   /* IPv6, network order */
    char *host;        /* the host name as given (NULL: none); shown with the address */
    int host_resolved; /* the address was filled from host by s7_plant_resolve_hosts */
    uint16_t port;     /* default 102 */
    char *cell_name;   /* the cell it sits in, as given (NULL: not given) */
    int cell_line;
    size_t cell;    /* index into cells (s7_plant_validate resolves it) */
    int kind;       /* S7_PLANT_KIND_*: its first role */
    unsigned roles; /* every role: bit (1u << S7_PLANT_KIND_*); 0 means just kind */
    char *profile;  /* the CPU profile's name as given (a label), NULL when not given */
    int profile_rack, profile_slot; /* the profile's rack/slot (-1: no profile) */
    int profile_logo_tsap;          /* the profile is a LOGO!: served on TSAP 02.00 */
    int rack, slot;                 /* -1 when not given */
    int type; /* connection type it uses when active: 1 pg, 2 op, 3 basic; 0 unset */
    uint16_t local_tsap, remote_tsap; /* remote_tsap != 0: TSAPs to reach it when passive */
    char *description;
    int line;
    int tsap_line;              /* where remote_tsap was given (0: unknown) */
    s7_plant_cpu_limits limits; /* what its profile offers (set by the loader; known 0: none) */
} s7_plant_partner;

typedef struct s7_plant_conn {
    char *name;
    char *active_name, *passive_name; /* as given; resolved into active / passive */
    int active_line, passive_line;
    size_t active, passive; /* indices into partners (s7_plant_validate) */
    int type;       /* 0 unset: the active partner's, else pg; resolved 1 pg, 2 op, 3 basic */
    int rack, slot; /* resolved (-1 when explicit TSAPs are used) */
    uint16_t local_tsap, remote_tsap; /* resolved TSAPs of the connection request */
    int explicit_tsap; /* the TSAPs were given (set both with s7_plant_conn_set_tsap) */
    char *description;
    s7_plant_exchange *ex;
    size_t nex;
    int line;
    int tsap_line, type_line; /* where tsap and type were given (0: unknown) */
} s7_plant_conn;

/* A router (or firewall) between cells: one interface per cell it joins.  An interface has
 * an IPv4 address/prefix, an IPv6 one, or both (has_v4, has_v6). */
typedef struct s7_plant_router_if {
    char *name; /* the interface as the router's OS names it, e.g. "eth1" (rules bind to it) */
    int has_v4;
    uint32_t ip; /* host order */
    int prefix;  /* 0..32 */
    char address[48];
    int has_v6;
    uint8_t ip6[16];
    int prefix6; /* 0..128 */
    char address6[48];
    char *cell_name; /* as given */
    int cell_line;
    size_t cell; /* index into cells (s7_plant_validate resolves it) */
    int line;
} s7_plant_router_if;

typedef struct s7_plant_router {
    char *name;
    char *description;
    s7_plant_router_if *ifs;
    size_t nifs;
    int line;
} s7_plant_router;

typedef struct s7_plant {
    char *file;        /* where it was loaded from (messages start with it); may be NULL */
    char *title;       /* defaults to the file name */
    char *description; /* may be NULL */
    char *revision;    /* may be NULL */
    s7_plant_cell *cells;
    size_t ncells;
    int cells_declared; /* cells were listed: a partner's cell must be one of them (else the
                         * cells come from the partners); s7_plant_add_cell sets it */
    s7_plant_partner *partners;
    size_t npartners;
    s7_plant_conn *conns;
    size_t nconns;
    s7_plant_router *routers;
    size_t nrouters;
} s7_plant;

/* ---------------------------------------------------------------- building */

/* An empty plant; NULL on out of memory.  s7_plant_free(NULL) is a no-op. */
S7_API s7_plant *s7_plant_new(void);
S7_API void s7_plant_free(s7_plant *p);

/* Replace a string of the plant with a copy of s (NULL clears).  0 or S7_ERR_NOMEM. */
S7_API int s7_plant_set_file(s7_plant *p, const char *s);
S7_API int s7_plant_set_title(s7_plant *p, const char *s);
S7_API int s7_plant_set_description(s7_plant *p, const char *s);
S7_API int s7_plant_set_revision(s7_plant *p, const char *s);

/* A new cell (name may be NULL: validation then asks for one); NULL on out of memory.
 * Sets p->cells_declared. */
S7_API s7_plant_cell *s7_plant_add_cell(s7_plant *p, const char *name);
S7_API int s7_plant_cell_set_name(s7_plant_cell *c, const char *s);
S7_API int s7_plant_cell_set_description(s7_plant_cell *c, const char *s);
/* The cell's subnet NET/PREFIX (validation refuses host bits). */
S7_API void s7_plant_cell_set_subnet(s7_plant_cell *c, uint32_t net, int prefix);
/* The cell's IPv6 subnet (16 bytes, network order) / PREFIX 0..128. */
S7_API void s7_plant_cell_set_subnet6(s7_plant_cell *c, const uint8_t net6[16], int prefix6);

/* A new partner with port 102, kind other, rack/slot unset; NULL on out of memory. */
S7_API s7_plant_partner *s7_plant_add_partner(s7_plant *p, const char *name);
S7_API int s7_plant_partner_set_name(s7_plant_partner *pt, const char *s);
/* The address: dotted IPv4 (s7_plant_parse_ipv4) or IPv6 (s7_plant_parse_ipv6), stored
 * normalised.  0, S7_ERR_INVAL (not an IP address: nothing changed) or S7_ERR_NOMEM. */
S7_API int s7_plant_partner_set_address(s7_plant_partner *pt, const char *ip);
/* The host name (s7_plant_host_name_ok): the partner's address when no address is given
 * (resolved by s7_plant_resolve_hosts), else a label shown with it.  NULL clears.  0,
 * S7_ERR_INVAL (not a host name: nothing changed) or S7_ERR_NOMEM. */
S7_API int s7_plant_partner_set_host(s7_plant_partner *pt, const char *name);
/* Adds a role (S7_PLANT_KIND_*); the first role added is also pt->kind.  0 or S7_ERR_INVAL. */
S7_API int s7_plant_partner_add_role(s7_plant_partner *pt, int kind);
/* 1 when the partner has that role (its kind, or one of its roles). */
S7_API int s7_plant_partner_has_role(const s7_plant_partner *pt, int kind);
/* "plc", or "scada+engineering" for several roles, into buf; returns buf. */
S7_API const char *s7_plant_partner_roles_text(const s7_plant_partner *pt, char *buf, size_t cap);
/* How the partner is shown: "10.0.0.5", "scada1.plant.local (10.0.0.5)", or
 * "scada1.plant.local (not resolved)"; returns buf. */
S7_API const char *s7_plant_partner_addr_text(const s7_plant_partner *pt, char *buf, size_t cap);
S7_API int s7_plant_partner_set_cell(s7_plant_partner *pt, const char *cell);
/* The partner's CPU profile: its name (a label) and the facts TSAP resolution needs: where
 * the CPU sits (rack, slot) and whether it is a LOGO! (reached on TSAP 0100:0200 unless a
 * rack or slot is given).  The plant model knows no profiles itself: a loader takes these
 * from the CPU model's profiles (cpu.h s7_profile_find: rack, slot, tsap_mode). */
S7_API int s7_plant_partner_set_profile(s7_plant_partner *pt, const char *profile, int rack,
                                        int slot, int logo_tsap);
S7_API int s7_plant_partner_set_description(s7_plant_partner *pt, const char *s);
/* The TSAPs the partner is reached with when passive. */
S7_API void s7_plant_partner_set_tsap(s7_plant_partner *pt, uint16_t local, uint16_t remote);

/* A new connection from active to passive (partner names; either may be NULL for now);
 * NULL on out of memory. */
S7_API s7_plant_conn *s7_plant_add_conn(s7_plant *p, const char *name, const char *active,
                                        const char *passive);
S7_API int s7_plant_conn_set_name(s7_plant_conn *c, const char *s);
S7_API int s7_plant_conn_set_active(s7_plant_conn *c, const char *partner);
S7_API int s7_plant_conn_set_passive(s7_plant_conn *c, const char *partner);
S7_API int s7_plant_conn_set_description(s7_plant_conn *c, const char *s);
S7_API void s7_plant_conn_set_tsap(s7_plant_conn *c, uint16_t local, uint16_t remote);

/* A new router (name may be NULL: validation then asks for one); NULL on out of memory. */
S7_API s7_plant_router *s7_plant_add_router(s7_plant *p, const char *name);
S7_API int s7_plant_router_set_description(s7_plant_router *r, const char *s);
/* A new interface of a router: its OS name and the cell it joins (either may be NULL for
 * now); NULL on out of memory. */
S7_API s7_plant_router_if *s7_plant_router_add_if(s7_plant_router *r, const char *name,
                                                  const char *cell);
/* An address of the interface as "ADDRESS/PREFIX" (IPv4 or IPv6; one of each family).
 * 0, S7_ERR_INVAL (not ADDRESS/PREFIX, or host bits only: nothing changed) or S7_ERR_NOMEM. */
S7_API int s7_plant_router_if_set_address(s7_plant_router_if *ri, const char *cidr);

/* A new exchange of a connection; NULL on out of memory. */
S7_API s7_plant_exchange *s7_plant_conn_add_exchange(s7_plant_conn *c, int dir, long cycle_ms);
S7_API int s7_plant_exchange_set_description(s7_plant_exchange *e, const char *s);
/* A new range of an exchange; NULL on out of memory. */
S7_API s7_plant_range *s7_plant_exchange_add_range(s7_plant_exchange *e, uint8_t area, uint16_t db,
                                                   uint32_t offset, uint32_t length);

/* ---------------------------------------------------------------- validation */

/* Checks the plant and resolves it: cell and partner references become indices (cells come
 * from the partners when none were declared), and each connection gets its type and TSAPs
 * (explicit TSAPs of the connection, else the passive partner's, else LOGO!'s 0100:0200 for
 * a LOGO! profile without rack/slot, else rack/slot from the partner or its profile with
 * s7_tsap_make).  A partner whose limits are known (s7_plant_cpu_limits) is also checked
 * against them: its documented connections per type and in all against its budgets, the
 * ranges read or written on it (T/C, the V memory DB of a LOGO!/S7-200), and called TSAPs
 * against the documented type and rack/slot; and no partner or router interface may have
 * its cell's network or broadcast address.
 *
 * Returns 0, or S7_ERR_INVAL with the first problem in err as "FILE:LINE: ENTRY: what is
 * wrong and what would be right" (FILE:LINE when the plant has a file and the entry a line;
 * the entry alone otherwise); S7_ERR_NOMEM when out of memory. */
S7_API int s7_plant_validate(s7_plant *p, char *err, size_t errcap);

/* Like s7_plant_validate, but calls fn with every problem found (the message as above);
 * fn returns non-zero to stop.  Returns the number of problems (0: valid) or
 * S7_ERR_NOMEM.  The plant is resolved only when there was no problem. */
S7_API int s7_plant_validate_each(s7_plant *p, int (*fn)(void *ctx, const char *msg), void *ctx);

/* Resolves a host name into at most cap addresses (out); returns how many (>= 1), or < 0
 * with a sentence in err ("no such host", the resolver's words).  diag.h has one over the
 * system resolver (s7_diag_plant_resolver); tests pass their own. */
typedef int (*s7_plant_resolver)(void *ctx, const char *host, s7_plant_addr *out, size_t cap,
                                 char *err, size_t errcap);

/* For each partner known by host name only (no address), asks fn and takes the first
 * address it gives of the family of the partner's cell subnet (when the cell has one of a
 * single family) and of its connection peers' addresses (preferred); checks
 * it against the cell's subnet and the other partners' addresses as validation does.  Call
 * on a validated plant when the addresses are needed (rule generation, live checks).
 * Returns 0, or S7_ERR_RESOLVE with "FILE:LINE: partner NAME: host 'H' does not resolve
 * (...); give its address: address: 10.0.0.5" in err (first problem), S7_ERR_INVAL (the
 * resolved address breaks a rule), S7_ERR_NOMEM. */
S7_API int s7_plant_resolve_hosts(s7_plant *p, s7_plant_resolver fn, void *ctx, char *err,
                                  size_t errcap);
/* 1 when some partner still has no address (a host name not resolved yet). */
S7_API int s7_plant_has_unresolved(const s7_plant *p);

/* ---------------------------------------------------------------- queries and texts */

/* Partner / connection by name; NULL when unknown. */
S7_API const s7_plant_partner *s7_plant_find_partner(const s7_plant *p, const char *name);
S7_API const s7_plant_conn *s7_plant_find_conn(const s7_plant *p, const char *name);
/* The partner at the active / passive end of a resolved connection. */
S7_API const s7_plant_partner *s7_plant_conn_active(const s7_plant *p, const s7_plant_conn *c);
S7_API const s7_plant_partner *s7_plant_conn_passive(const s7_plant *p, const s7_plant_conn *c);
/* 1 when some connection has pt as its passive partner. */
S7_API int s7_plant_is_passive(const s7_plant *p, const s7_plant_partner *pt);
/* The names of the partners connections go to (s7_plant_is_passive), ", "-separated, into
 * buf (cap bytes; cut to fit): what to offer when a CPU name is not found. */
S7_API void s7_plant_passive_names(const s7_plant *p, char *buf, size_t cap);

/* The bytes range r moves on the wire: its length, but two bytes a timer or counter (read
 * with transport size TIMER / COUNTER). */
S7_API size_t s7_plant_range_bytes(const s7_plant_range *r);
/* "DB10.DBB0..DBB63", "DB10.DBB4" (one byte), "MB0..MB15" into buf; returns buf. */
S7_API const char *s7_plant_range_text(const s7_plant_range *r, char *buf, size_t cap);
S7_API const char *s7_plant_dir_name(int dir);   /* "GET" / "PUT" */
S7_API const char *s7_plant_type_name(int type); /* "pg" / "op" / "basic" */
S7_API const char *s7_plant_kind_name(int kind); /* "plc", "hmi", ... */
/* "500 ms", "2 s", "1 min", "on event" into buf; returns buf. */
S7_API const char *s7_plant_cycle_text(long ms, char *buf, size_t cap);
/* "0100:0301" into buf; returns buf. */
S7_API const char *s7_plant_tsap_text(uint16_t local, uint16_t remote, char *buf, size_t cap);
/* Where a partner is reached when passive: "TSAPs 0100:0200" or "rack 0 slot 1" (from the
 * partner or its profile); "" for a partner that only connects.  Returns buf. */
S7_API const char *s7_plant_partner_where(const s7_plant *p, const s7_plant_partner *pt, char *buf,
                                          size_t cap);

/* ---------------------------------------------------------------- value parsers
 * For loaders and forms: each returns 0, or -1 without touching the output. */

/* A usable name: 1..40 letters, digits, '_', '-' or '.', starting with a letter (names
 * appear in firewall comments, SVG ids and file names).  1 or 0. */
S7_API int s7_plant_name_ok(const char *s);
/* Dotted IPv4, four numbers 0..255 without leading zeros; host order. */
S7_API int s7_plant_parse_ipv4(const char *s, uint32_t *ip);
/* IPv6 text (RFC 4291 forms: "fd00:10::5", "::1", "::ffff:10.0.0.1"; no zone, no brackets)
 * into 16 bytes, network order. */
S7_API int s7_plant_parse_ipv6(const char *s, uint8_t ip6[16]);
/* IPv6 as RFC 5952 text (lower case, the longest run of two or more zero groups as "::",
 * IPv4-mapped as ::ffff:a.b.c.d) into buf (>= 46 bytes); returns buf. */
S7_API const char *s7_plant_ipv6_text(const uint8_t ip6[16], char *buf, size_t cap);
/* An IPv4 or IPv6 address into *a (family, value and normalised text). */
S7_API int s7_plant_parse_addr(const char *s, s7_plant_addr *a);
/* "ADDRESS/PREFIX" (IPv4 /0..32 or IPv6 /0..128) into *a and *prefix; host bits allowed
 * (an interface address); s7_plant_addr_in tells a network apart. */
S7_API int s7_plant_parse_cidr(const char *s, s7_plant_addr *a, int *prefix);
/* 1 when a is inside the network net/prefix of the same family. */
S7_API int s7_plant_addr_in(const s7_plant_addr *a, const s7_plant_addr *net, int prefix);
/* 1 when s is a host name: dot-separated labels of 1..63 letters, digits and '-' (not at a
 * label's ends), 1..253 characters, the last label not all digits (so "10.0.0.256" is a bad
 * address, not a name). */
S7_API int s7_plant_host_name_ok(const char *s);
/* "LOCAL:REMOTE", each 1..4 hex digits. */
S7_API int s7_plant_parse_tsap(const char *s, uint16_t *local, uint16_t *remote);
/* pg | op (hmi) | basic (s7, s7-basic), case-insensitive: 1, 2, 3. */
S7_API int s7_plant_parse_type(const char *s, int *type);
/* plc, hmi, scada, engineering, gateway, pc, other. */
S7_API int s7_plant_parse_kind(const char *s, int *kind);
/* 1 when s is an interface name a router's OS accepts: 1..15 characters, no '/', ':' or
 * white space (Linux IFNAMSIZ). */
S7_API int s7_plant_ifname_ok(const char *s);
/* DB, I (E, inputs), Q (A, outputs), M (flags, markers): S7_AREA_*. */
S7_API int s7_plant_parse_area(const char *s, uint8_t *area);
/* A cycle: milliseconds ("500") or a duration with its unit ("500ms", "0.5s", "2 s", "1min";
 * s7_duration_parse, 1 ms..24 h), or "event",
 * "on-event", "on event", "on-demand", "acyclic" (0). */
S7_API int s7_plant_parse_cycle(const char *s, long *ms);
/* A range as text: "DB10.DBB0..DBB63", "DB10.DBB0..63", "DB10.DBW4", "MB0..MB15",
 * "DB10.DBB0:BYTE[64]".  0, or -1 with "WHAT: 'TEXT' ...; the forms" in err (what names
 * the value, e.g. its key). */
S7_API int s7_plant_parse_range(const char *s, const char *what, s7_plant_range *r, char *err,
                                size_t errcap);
/* The forms s7_plant_parse_range accepts, for messages. */
S7_API const char *s7_plant_range_forms(void);

/* ---------------------------------------------------------------- check results
 * What the live check (plant_check.h) found, per connection and exchange; also what a
 * report reads back from the check's JSON.
 *
 * A connection passes only when it was checked from its documented active partner (the
 * check bound that partner's address): checked from anywhere else, what the CPU answered is
 * still true, but the path the real traffic takes (through the firewalls) was not tried,
 * so a result that would pass is S7_PLANT_UNPROVEN (and so is a network failure, which may
 * be the firewall dropping a host it should drop). */

enum { S7_PLANT_PASS = 0, S7_PLANT_FAIL = 1, S7_PLANT_SKIP = 2, S7_PLANT_UNPROVEN = 3 };
/* "pass", "fail", "skip", "unproven". */
S7_API const char *s7_plant_status_name(int status);
/* The status named s ("pass", ...); anything else is S7_PLANT_FAIL. */
S7_API int s7_plant_status_parse(const char *s);

typedef struct s7_plant_check_ex {
    int status;       /* S7_PLANT_PASS / FAIL / SKIP */
    char verdict[32]; /* a doctor verdict name, or "" */
    char detail[600];
    /* what was exchanged, as the results say ("" when not said; read back from the JSON):
     * s7_plant_check_merge compares them with the inventory's exchange */
    char dir[8];      /* "get", "put" */
    char ranges[300]; /* "DB10.DBB0..DBB63, MB0..MB15" */
} s7_plant_check_ex;

typedef struct s7_plant_check_conn {
    char name[48];             /* the connection's name */
    const s7_plant_conn *conn; /* the connection checked (NULL when read back from a file) */
    int status;                /* S7_PLANT_PASS / FAIL / UNPROVEN */
    char verdict[32];
    char detail[700], cause[700], fix[700];
    char *doctor_json; /* the doctor's report as JSON (s7_diag_report_json), may be NULL */
    s7_plant_check_ex *ex;
    size_t nex;
    /* where and when it was checked */
    char time[40];         /* UTC, "2026-01-31T12:00:00Z" */
    char host[128];        /* the machine's host name ("" unknown) */
    char netns[64];        /* the network namespace it ran in ("" none named) */
    char source[64];       /* the source address of the check ("" unknown) */
    char from_partner[48]; /* the partner whose address source is ("" none) */
    int from_active;       /* 1: source is the active partner's address (bound) */
    char unproven[600];    /* why the status is unproven ("" when it is not) */
    /* what the CPU reported (when an S7 session was set up) */
    char cpu_order[24], cpu_module[34], cpu_serial[34], cpu_version[16];
    char cpu_state[16];      /* "RUN", "STOP", ... ("" not read) */
    int put_get;             /* 1 permitted, 0 refused, -1 not checked */
    int conn_used, conn_max; /* connection resources in use / offered, -1 unknown */
    /* what was checked, as the results name it ("" / 0 when not said; read back from the
     * JSON): s7_plant_check_merge compares it with the inventory */
    char active[48], passive[48]; /* partner names */
    char address[64];             /* the address checked */
    uint16_t port;
    char tsap[16]; /* "0100:0201" */
    /* 1: the result is of other addresses, partners, TSAPs or exchanges than the
     * inventory's connection of that name (s7_plant_check_merge made it unproven; unproven
     * says what differs) */
    int foreign;
} s7_plant_check_conn;

typedef struct s7_plant_check_report {
    char time[40];  /* when ("2026-01-31T12:00:00Z"), "" unknown: filled by the caller */
    char from[128]; /* the host the checks ran from, "" unknown */
    char as[48];    /* the partner the checks stood in for, "" none */
    int allow_write;
    size_t passed, failed;
    s7_plant_check_conn *conns;
    size_t nconns;
    size_t unproven; /* connections unproven (counted in neither passed nor failed) */
} s7_plant_check_report;

/* An empty report with room for nconns connections (nconns set, each zeroed, put_get and
 * conn_used/conn_max -1); NULL on out of memory. */
S7_API s7_plant_check_report *s7_plant_check_report_new(size_t nconns);
/* Room for nex exchange results in connection result cc.  0 or S7_ERR_NOMEM. */
S7_API int s7_plant_check_conn_alloc_ex(s7_plant_check_conn *cc, size_t nex);
/* The result for the connection of that name, NULL when none. */
S7_API const s7_plant_check_conn *s7_plant_check_report_find(const s7_plant_check_report *r,
                                                             const char *name);
S7_API void s7_plant_check_report_free(s7_plant_check_report *r);
/* Copies src (exchanges and doctor JSON too) over dst, whose contents are freed first.  0 or
 * S7_ERR_NOMEM (dst then empty). */
S7_API int s7_plant_check_conn_copy(s7_plant_check_conn *dst, const s7_plant_check_conn *src);

/* Several check results (from several hosts) as one: per connection of the plant, the
 * result of a check made from its active partner (from_active; the latest when several),
 * else the latest other result (unproven or failed), else none.  Results for connections
 * the plant does not have are dropped.  A result is matched by the connection's name, then
 * compared with the inventory: one whose partners, address, port, TSAPs, source (when it
 * claims to come from the active partner) or exchanges differ from p's, or that does not
 * name the address and port it checked, is of another plant (or of older addresses): it
 * becomes S7_PLANT_UNPROVEN with foreign set and unproven naming both sides (a matching
 * result is preferred to it).  A passing result whose PUT exchanges were read but not
 * written (a check without allow_write) becomes S7_PLANT_UNPROVEN too: the writes are
 * not proven.  Results of a live check of p itself (conn pointing into p) are not
 * compared.  The merged report's time is the latest input's,
 * from and as list the inputs' (comma-separated); passed, failed and unproven are
 * recounted.  0 with *out, or
 * S7_ERR_NOMEM. */
S7_API int s7_plant_check_merge(const s7_plant *p, const s7_plant_check_report *const *in, size_t n,
                                s7_plant_check_report **out);

/* What `s7 inventory verify-firewall --json` found: from which host, as which partner, with
 * which rule file, each probed path and whether it behaved as the inventory says. */
typedef struct s7_plant_fw_path {
    char from[48], to[48]; /* partner names ("" when not a partner) */
    char address[64];      /* probed address */
    uint16_t port;
    int expect_open;   /* 1 documented (must connect), 0 undocumented (must be dropped) */
    int open;          /* 1 it connected, 0 it did not */
    int status;        /* S7_PLANT_PASS when open == expect_open; UNPROVEN for a documented
                          path refused with a RST (the target's port closed, or a firewall
                          resetting: a connect cannot tell); else FAIL */
    char observed[48]; /* what the probe saw: "open", "dropped" (no answer), "refused" (a
                          RST), "rejected" (ICMP unreachable or prohibited), "no_route",
                          "error" */
    char rule[160];    /* the rule comment behind the row ("" none) */
} s7_plant_fw_path;

typedef struct s7_plant_fw_verify {
    char time[40], host[128], as[48], source[64];
    char rules_file[256], rules_sha256[72]; /* "" when no rule file was named */
    s7_plant_fw_path *paths;
    size_t npaths;
    size_t passed, failed; /* failed: every row that is not PASS (FAIL or UNPROVEN) */
    /* 1: the probes came from the partner's own address (source); 0: not (the matrix then
     * proves nothing about that partner's paths: the report counts it unproven) */
    int from_partner;
    char note[300]; /* why it is not from the partner, and other remarks ("" none) */
} s7_plant_fw_verify;

/* 0 when verification v is of plant p: made as one of p's partners, from that partner's
 * documented address (when v names its source), its rows p's partners at their
 * documented addresses and ports, expected open exactly where p documents a connection
 * from that partner, and every row verify-firewall would probe for p present.  1 when not,
 * with why (one sentence naming both sides) in why (may be NULL): the report then counts
 * it unproven and says it proves nothing about p's firewall. */
S7_API int s7_plant_fw_verify_mismatch(const s7_plant *p, const s7_plant_fw_verify *v, char *why,
                                       size_t cap);

/* An empty verification with room for npaths rows (npaths set); NULL on out of memory. */
S7_API s7_plant_fw_verify *s7_plant_fw_verify_new(size_t npaths);
S7_API void s7_plant_fw_verify_free(s7_plant_fw_verify *v);

/* ---------------------------------------------------------------- firewall rules
 * Which TCP flows pass: per connection, new connections from the active partner to the
 * passive one's port and the replies of the established connection.  Two scopes: a router
 * between the cells (FORWARD: only connections between two cells cross it; with a router
 * of the inventory, each rule binds the interfaces of the two cells, and packets of the
 * S7 ports entering an interface from outside its cell's network are dropped), or one
 * partner's own INPUT/OUTPUT (host: all its connections, inside its cell too).  Every
 * rule has a family: IPv4 rules go to iptables, IPv6 ones to ip6tables (the S7 ports are
 * dropped in both), nftables' inet table takes both. */

enum { S7_FW_INPUT = 0, S7_FW_OUTPUT = 1, S7_FW_FORWARD = 2 };
enum { S7_FW_NEW_ESTABLISHED = 0, S7_FW_ESTABLISHED = 1 };
enum {
    S7_FW_NFTABLES = 0,
    S7_FW_IPTABLES = 1,         /* sh script: iptables and ip6tables */
    S7_FW_IPTABLES_RESTORE = 2, /* the bare IPv4 file */
    S7_FW_IP6TABLES_RESTORE = 3 /* the bare IPv6 file */
};

typedef struct s7_fw_rule {
    int chain;                 /* S7_FW_INPUT / OUTPUT / FORWARD */
    const char *saddr, *daddr; /* IPv4 or IPv6 text (point into the plant) */
    uint16_t dport, sport;     /* one of them is set */
    int state;                 /* S7_FW_NEW_ESTABLISHED / S7_FW_ESTABLISHED */
    size_t conn;               /* index of the connection in the plant */
    char comment[128];         /* printable ASCII, no quotes or backslashes */
    int family;                /* S7_PLANT_AF_INET / S7_PLANT_AF_INET6 */
    const char *iif, *oif;     /* router scope: the interfaces it binds (NULL: any) */
} s7_fw_rule;

/* Router scope with interfaces: packets of the S7 ports that enter iif with a source
 * outside net/prefix (the interface's cell) are dropped before any rule lets them pass. */
typedef struct s7_fw_guard {
    int family;
    const char *iif;
    char net[64]; /* "10.10.1.0/24", "fd00:10:1::/64" */
    char comment[128];
} s7_fw_guard;

typedef struct s7_fw {
    const s7_plant *plant;         /* not owned: must outlive the rules */
    const s7_plant_partner *host;  /* host scope; NULL: router scope */
    const s7_plant_router *router; /* router scope bound to this router's interfaces, or NULL */
    s7_fw_rule *rules;
    size_t nrules;
    s7_fw_guard *guards;
    size_t nguards;
    size_t *local; /* router scope: connections inside one cell (not through the router) */
    size_t nlocal;
    int has_v6;         /* some rule is IPv6: a documented partner has an IPv6 address */
    uint16_t ports[64]; /* every S7 port of the plant, sorted (102 first) */
    size_t nports;
} s7_fw;

/* The rules of a validated plant whose partners all have addresses (resolve host names
 * first: s7_plant_resolve_hosts) for a scope: name is a partner (host scope), a router of
 * the inventory (router scope bound to its interfaces), or NULL (router scope: bound to the
 * inventory's router when it documents exactly one, else to no interface).  0 with *out
 * (s7_fw_free), S7_ERR_INVAL (name is neither; several routers and name NULL is fine),
 * S7_ERR_RESOLVE (a partner has no address yet) or S7_ERR_NOMEM. */
S7_API int s7_fw_build(const s7_plant *p, const char *name, s7_fw **out);
S7_API void s7_fw_free(s7_fw *f);

/* The rule a flow from saddr to daddr:dport (TCP SYN) meets first in the FORWARD chain of
 * router scope or the INPUT/OUTPUT chains of host scope, as the renderers order them:
 * the index of the accept rule, or -1 when the flow falls to the final drop.  Addresses
 * as text of one family. */
S7_API long s7_fw_match(const s7_fw *f, const char *saddr, const char *daddr, uint16_t dport);

/* Format name "nftables" (or "nft"), "iptables", "iptables-restore", "ip6tables-restore":
 * S7_FW_*; -1 unknown. */
S7_API int s7_fw_format_parse(const char *name);
S7_API const char *s7_fw_format_name(int format);

typedef struct s7_fw_render_opts {
    const char *generator; /* shown as "# generated by GENERATOR", e.g. "s7 1.0: s7 inventory
                            * firewall --format nftables"; NULL: "s7kit" */
} s7_fw_render_opts;

/* Writes the rules in format (S7_FW_*) to out: a commented nft -f script (table inet
 * s7kit), a sh script around iptables-restore and ip6tables-restore --noflush (chains
 * S7KIT-*), or the bare iptables-restore / ip6tables-restore file.  0, S7_ERR_INVAL (bad
 * format) or S7_ERR_IO (ferror on out). */
S7_API int s7_fw_render(const s7_fw *f, int format, const s7_fw_render_opts *o, FILE *out);

/* ---------------------------------------------------------------- report */

typedef struct s7_plant_report_opts {
    const char *generator; /* "s7 1.0": who made the report; NULL: "s7kit" */
    const char *today;     /* the report's date, e.g. "2026-01-31" (caller's clock) */
    const char *svg_name;  /* how the HTML refers to the diagram; NULL: "cells.svg" */
    /* firewall verifications (s7 inventory verify-firewall --json) to show and sign; may be
     * NULL / 0 */
    const s7_plant_fw_verify *const *verify;
    size_t nverify;
} s7_plant_report_opts;

/* The commissioning document of a validated plant, with the check results chk when given
 * (may be NULL): index.html, report.md, report.txt and the cells diagram (SVG).  Each
 * writes to out (which the caller opened) and returns 0, S7_ERR_NOMEM or S7_ERR_IO (ferror
 * on out).  The documents open with "NOT READY" while a connection failed, is unproven or
 * was not checked, or a firewall verification failed (s7_plant_report_ready), and their
 * sign-off statement names only what the results prove: which paths were checked from
 * which host and partner address, when; which CPUs answered with which identity, PUT/GET,
 * RUN/STOP and connection use; which rule file (by SHA-256) was verified. */
S7_API int s7_plant_report_html(const s7_plant *p, const s7_plant_check_report *chk,
                                const s7_plant_report_opts *o, FILE *out);
S7_API int s7_plant_report_md(const s7_plant *p, const s7_plant_check_report *chk,
                              const s7_plant_report_opts *o, FILE *out);
S7_API int s7_plant_report_svg(const s7_plant *p, const s7_plant_check_report *chk,
                               const s7_plant_report_opts *o, FILE *out);
S7_API int s7_plant_report_text(const s7_plant *p, const s7_plant_check_report *chk,
                                const s7_plant_report_opts *o, FILE *out);
/* 1 when every connection of p passed (checked from its active partner) and every firewall
 * verification in o passed; 0 otherwise (why: one line into why, may be NULL). */
S7_API int s7_plant_report_ready(const s7_plant *p, const s7_plant_check_report *chk,
                                 const s7_plant_report_opts *o, char *why, size_t cap);

/* Writes s with XML/HTML escaping (&lt; &gt; &amp; &quot; &#39;; control characters other
 * than tab and newline become spaces; a byte that is not part of well-formed UTF-8 becomes
 * U+FFFD). */
S7_API void s7_plant_xml_str(FILE *out, const char *s);

#ifdef __cplusplus
}
#endif

#endif
