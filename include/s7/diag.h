/* s7kit diagnostics: the doctor (the diagnostic ladder of docs/doctor.md, one verdict with
 * evidence, cause and fix), discovery of the rack/slot, connection type or TSAP pair a CPU
 * accepts, and a scan of hosts answering on TCP port 102.
 *
 * An engine built on the client (client.h) and the TCP helpers (net.h): it owns its sockets,
 * opens at most one connection at a time to a CPU (the scan one per host, bounded) and
 * closes every connection it opened before it returns.  No global state, no threads: the
 * calls block the calling thread (the scan runs its own poll loop).
 *
 * Verdicts are stable identifiers (the names below appear in `s7 doctor --json`, in the
 * inventory check and in docs/doctor.md); new ones may be added at the end, never
 * renumbered or renamed. */
#ifndef S7_DIAG_H
#define S7_DIAG_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "client.h"
#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- verdicts */

/* X(ENUM, "name", class, "what it means")
 * class: 0 ok, 3 no S7 connection (the `s7` exit code 3), 1 connected but the CPU refuses
 * what was asked or is not the CPU expected (exit code 1), 4 connected to a CPU in STOP
 * (exit code 4: its data is served but no longer produced). */
#define S7_DIAG_VERDICT_MAP(X)                                                               \
    X(OK, "ok", 0, "every check passed")                                                     \
    X(NO_ROUTE, "no_route", 3, "this machine has no route to the address")                   \
    X(PORT_CLOSED, "port_closed", 3, "TCP port refused (RST): nothing listens there")        \
    X(PORT_FILTERED, "port_filtered", 3, "no answer to the TCP SYN within the timeout")      \
    X(CR_REJECTED, "cr_rejected", 3, "TCP accepted, the COTP connection request refused")    \
    X(NEGOTIATION_FAILED, "negotiation_failed", 3,                                           \
      "COTP connected, S7 setup communication failed")                                       \
    X(PUT_GET_DISABLED, "put_get_disabled", 1, "the CPU refuses PUT/GET (0x8104)")           \
    X(DB_MISSING, "db_missing", 1, "a DB does not exist (item 0x0A)")                        \
    X(DB_OPTIMIZED, "db_optimized", 1, "a DB refuses absolute access (0x05 at offset 0)")    \
    X(DB_TOO_SHORT, "db_too_short", 1, "a DB is shorter than required")                      \
    X(ACCESS_DENIED, "access_denied", 1, "the CPU denies access to an area or DB (0x03)")    \
    X(AREA_MISSING, "area_missing", 1, "an area (I, Q, M, T, C) does not exist on this CPU") \
    X(AREA_TOO_SHORT, "area_too_short", 1, "an area is smaller than required")               \
    X(PEER_ERROR, "peer_error", 3,                                                           \
      "after the setup the partner closed, went silent or sent malformed frames")            \
    X(HOST_UNREACHABLE, "host_unreachable", 3,                                               \
      "no device answers at the address (ARP fails, or a router reports it unreachable)")    \
    X(PORT_REJECTED, "port_rejected", 3,                                                     \
      "a device on the path, not the target, refused the SYN: a firewall rejects the port")  \
    X(NAME_UNRESOLVED, "name_unresolved", 3, "the host name does not resolve")               \
    X(NO_ANSWER, "no_answer", 3,                                                             \
      "no answer to the SYN and no probe could prove the host alive or down")                \
    X(CPU_STOPPED, "cpu_stopped", 4, "the CPU is in STOP: its data is served, not produced") \
    X(PROFILE_MISMATCH, "profile_mismatch", 1,                                               \
      "the CPU is not the one expected (family, rack/slot or identity)")                     \
    X(PATH_MTU, "path_mtu", 3,                                                               \
      "small answers arrive, full-size ones do not: the path drops large packets")           \
    X(PATH_LOSS, "path_loss", 3,                                                             \
      "a request got no answer while TCP retransmitted: the path loses packets")

typedef enum s7_diag_verdict {
#define S7__DIAG_V_ENUM(e, name, cls, text) S7_DIAG_##e,
    S7_DIAG_VERDICT_MAP(S7__DIAG_V_ENUM)
#undef S7__DIAG_V_ENUM
        S7_DIAG_VERDICT_COUNT
} s7_diag_verdict;

/* "ok", "port_filtered" ... (static; "unknown" out of range). */
S7_API const char *s7_diag_verdict_name(int verdict);
/* One line: what the verdict means (static). */
S7_API const char *s7_diag_verdict_text(int verdict);
/* 0 ok, 1 the CPU refuses what was asked (or is not the one expected), 3 no S7 connection,
 * 4 the CPU is in STOP (the CLI's exit codes). */
S7_API int s7_diag_verdict_class(int verdict);
/* Who acts on the verdict (static, one short phrase): "none" for ok, "network team
 * (firewall)" for port_filtered / port_rejected, "PLC owner (the CPU's address)" for
 * port_closed, "cabling, power and IP of the CPU" for host_unreachable, "routing of this
 * machine" for no_route, "DNS (or the inventory's host name)" for name_unresolved, ... */
S7_API const char *s7_diag_verdict_team(int verdict);
/* The verdict named name, or -1. */
S7_API int s7_diag_verdict_parse(const char *name);

/* ---------------------------------------------------------------- checks */

typedef enum s7_diag_status {
    S7_DIAG_PASS = 0,
    S7_DIAG_FAIL = 1,
    S7_DIAG_SKIP = 2 /* not run (an earlier step failed), or informational and not answered */
} s7_diag_status;
S7_API const char *s7_diag_status_name(int status); /* "pass" "fail" "skip" */

/* A frame of the evidence: the bytes as they went over TCP (TPKT included). */
#define S7_DIAG_FRAME_CAP 256
typedef struct s7_diag_frame {
    int outgoing; /* 1 sent by us, 0 received */
    int t_ms;     /* milliseconds since the check started */
    uint32_t len; /* the frame's length (bytes holds at most S7_DIAG_FRAME_CAP) */
    uint8_t bytes[S7_DIAG_FRAME_CAP];
} s7_diag_frame;

/* One rung of the ladder.  Ids are stable: "resolve", "tcp", "cotp", "setup", "identity",
 * "protection", "put_get", "db:N", "area:M" (I, Q, M, T, C), and "db:N:write" /
 * "area:M:write" when writes are checked. */
typedef struct s7_diag_check {
    char id[24];
    s7_diag_status status;
    int ms;                /* how long the check took */
    char detail[640];      /* what was sent, what came back, timings */
    char cause[640];       /* failing checks: the likely cause ("" otherwise) */
    char fix[640];         /* failing checks: what to do ("" otherwise) */
    s7_diag_frame *frames; /* failing checks: the frames of the failing exchange */
    size_t nframes;
} s7_diag_check;

/* ---------------------------------------------------------------- doctor */

/* A DB or area to check.  area S7_AREA_DB (0 means DB too), S7_AREA_I/Q/M/T/C.  The check
 * passes when the DB exists, is not optimized and is at least start + length bytes long
 * (T and C: elements); length 0 = exists and answers at offset 0.  With write checks on,
 * the byte at start + length - 1 (or start) is read and the same value written back. */
typedef struct s7_diag_target {
    uint8_t area;
    uint16_t db;
    uint32_t start;
    uint32_t length;
} s7_diag_target;

/* What the doctor found out about one target. */
typedef struct s7_diag_target_info {
    s7_diag_target t;
    int verdict;  /* S7_DIAG_OK or the target's own failing verdict; -1 not checked */
    int length;   /* real length in bytes (elements for T/C), -1 unknown */
    uint8_t rc;   /* item return code of the failing read/write, 0xFF when none */
    int writable; /* write checks: 1 yes, 0 refused, -1 not checked */
} s7_diag_target_info;

/* Why a CR was refused, from the alternatives the doctor tried (docs/doctor.md):
 *   RESOURCES_EXHAUSTED: the same rack/slot (the low byte of the called TSAP) is accepted
 *                        with another connection type: the address is right and the pool
 *                        of the type asked for is full.
 *   WRONG_TSAP:          another rack/slot or TSAP pair is accepted (with the same type,
 *                        or, when no other type works at the address asked for, with any).
 *   ALL_REFUSED:         TCP is accepted and every CR refused: every resource in use, the
 *                        partner not allowed (access list), or not an S7 CPU.
 *   NOT_PROBED:          no alternatives were tried (opts.no_alternatives).
 *   LATE_ANSWER:         the CR asked for got no answer in time, another was accepted, and
 *                        the one asked for, sent once more, was accepted too: the partner
 *                        answers late (busy or stopped for a while), its TSAP and pool are
 *                        fine. */
typedef enum s7_diag_cr_cause {
    S7_DIAG_CR_NONE = 0,
    S7_DIAG_CR_RESOURCES_EXHAUSTED,
    S7_DIAG_CR_WRONG_TSAP,
    S7_DIAG_CR_ALL_REFUSED,
    S7_DIAG_CR_NOT_PROBED,
    S7_DIAG_CR_LATE_ANSWER,
    S7_DIAG_CR_NOT_ISO, /* the answer to the CR is not ISO-on-TCP: another service on the port */
    S7_DIAG_CR_PARTNER_GONE /* the CR was refused, then every alternative found the port
                             * closed or silent at TCP: the partner went away during the check
                             * (a restart, a power cut), no TSAP or pool conclusion holds */
} s7_diag_cr_cause;
/* "none" "resources_exhausted" "wrong_tsap" "all_refused" "not_probed" "late_answer"
 * "not_iso_on_tcp" "partner_gone" */
S7_API const char *s7_diag_cr_cause_name(int cause);

/* One connection attempt with other TSAPs (doctor alternatives and discover). */
typedef enum s7_diag_alt_kind {
    S7_DIAG_ALT_RACKSLOT = 0, /* rack/slot and connection type */
    S7_DIAG_ALT_LOGO = 1,     /* a LOGO! TSAP pair */
    S7_DIAG_ALT_S7200 = 2,    /* an S7-200 (CP243-1) TSAP pair */
    S7_DIAG_ALT_TSAP = 3      /* an explicit pair given by the user */
} s7_diag_alt_kind;

typedef struct s7_diag_alt {
    s7_diag_alt_kind kind;
    uint16_t local_tsap, remote_tsap;
    uint8_t rack, slot; /* RACKSLOT */
    s7_conn_type type;  /* RACKSLOT: the pool; pairs: from the TSAP's high byte */
    int result;         /* doctor alternatives: 0 CR accepted (CC received), else S7_ERR_*
                           of the attempt.  discover: 0 only when the pair works end to end
                           (CC, S7 setup and a test read answered as the protocol has it),
                           else the S7_ERR_* of the step that failed: the CR's
                           (S7_ERR_CR_REJECTED ...), S7_ERR_NEGOTIATION for a CC whose setup
                           failed, the test read's (S7_ERR_PARAM, S7_ERR_TIMEOUT ...) with
                           setup_ok 1 */
    int setup_ok;       /* 1 when the S7 setup also succeeded */
    uint16_t pdu;       /* negotiated PDU when setup_ok */
    int ms;
} s7_diag_alt;

/* The options to pass on the command line for an alternative: "--rack 0 --slot 2 --type op"
 * or "--tsap 0100:0200".  Returns buf. */
S7_API const char *s7_diag_alt_args(const s7_diag_alt *a, char *buf, size_t cap);

/* One probe of the network step (check "tcp"): the SYN itself and the liveness probes that
 * ran alongside it.  ids: "syn" (connect's errno and the ICMP error queued by IP_RECVERR,
 * with the sender), "route" (the kernel's route: on the segment or via a gateway),
 * "neighbour" (the kernel's ARP entry of the target or the gateway), "echo" (ICMP echo:
 * an unprivileged ping socket, or a raw socket as root), "tcp:N" (a connect to another
 * port), "ttl" (a raw socket reading the TTL of the RST and of the target's other answers:
 * root or CAP_NET_RAW). */
#define S7_DIAG_PROBE_MAX 10
typedef struct s7_diag_probe {
    char id[16];
    int ran;       /* 1 it ran, 0 it could not (saw says why) */
    char saw[240]; /* what it saw, or why it could not run */
} s7_diag_probe;

typedef struct s7_doctor_opts {
    const char *host;      /* name or address */
    uint16_t port;         /* 0 = 102 */
    s7_client_opts client; /* rack/slot/type or TSAPs, PDU, timeouts (connect_timeout_ms is
                               also the TCP timeout that tells filtered from slow), and an
                               optional tap/log that see every frame as well */
    const s7_diag_target *targets;
    size_t ntargets;
    int check_write;     /* also verify writes (reads a byte and writes it back) */
    int no_alternatives; /* on cr_rejected do not try other TSAPs */
    /* What the CPU must be (NULL / -1: not checked): a profile name of the plant model and
     * the emulator ("s7-300", "s7-400", "s7-1200", "s7-1500", "logo8", "s7-200smart"),
     * compared with the family of the order code the CPU reports; the rack/slot compared
     * with the connection's.  A difference is profile_mismatch. */
    const char *expect_profile;
    int expect_rack, expect_slot;
    /* The path's place in a plant model (s7 doctor --inventory FILE --as PARTNER), or NULL:
     * one line the doctor adds to the evidence of a network verdict and to the JSON
     * ("documented: connection 'x' (...)" or "not documented: ..."), and whether the path
     * is documented (1), not documented (0: a drop is by design) or unknown (-1). */
    const char *path_note;
    int path_documented;
} s7_doctor_opts;

/* Defaults: port 102, client defaults (rack 0 slot 1 PG, 3000 ms), no targets, nothing
 * expected (expect_rack / expect_slot -1), no path note (path_documented -1). */
S7_API void s7_doctor_opts_init(s7_doctor_opts *o);

typedef struct s7_diag_report {
    int verdict;           /* S7_DIAG_* */
    int failed;            /* index in checks of the failing check, -1 when ok */
    s7_diag_check *checks; /* the ladder in order, every step present (skip after a fail) */
    size_t nchecks;
    int total_ms;

    /* the target */
    char host[256];
    char addr[64]; /* the resolved address ("" when it did not resolve) */
    uint16_t port;
    uint16_t local_tsap, remote_tsap;

    /* what the CPU told (when connected) */
    int connected; /* the S7 session was established */
    uint16_t pdu, amq;
    int have_identity;
    s7_cpu_info identity;
    int cpu_state;    /* S7_CPU_RUN / S7_CPU_STOP / S7_CPU_UNKNOWN */
    s7_cpu_caps caps; /* -1 fields: not answered */
    int put_get;      /* 1 permitted, 0 refused, -1 not checked */
    s7_diag_target_info *targets;
    size_t ntargets;

    /* cr_rejected: the alternatives tried and what they tell */
    s7_diag_cr_cause cr_cause;
    s7_diag_alt *alts;
    size_t nalts;
    int alt_best; /* index in alts of the one to use, -1 none */

    /* the network step: the probes run alongside the SYN (when it was not answered with a
     * SYN-ACK), and who acts on the verdict */
    s7_diag_probe probes[S7_DIAG_PROBE_MAX];
    size_t nprobes;
    /* cpu_stopped: the time of the last mode change from SZL 0x0424 ("" when not reported),
     * as "YYYY-MM-DD HH:MM:SS.mmm" in the CPU's clock */
    char mode_changed[32];
    /* profile_mismatch and --expect-profile: the family the order code names ("" unknown) */
    char family[16];
    /* the path note and flag of the options (s7 doctor --inventory --as) */
    char path_note[320];
    int path_documented;
} s7_diag_report;

/* Who acts on this report: s7_diag_verdict_team of its verdict, except for a path blocked by
 * design (--inventory --as: not documented, filtered, rejected or unanswered), where nobody
 * needs to unless the partner needs the path (static). */
S7_API const char *s7_diag_report_team(const s7_diag_report *r);

/* Run the ladder.  Returns the verdict (>= 0) with report filled, or S7_ERR_INVAL /
 * S7_ERR_NOMEM (report empty).  Free the report with s7_diag_report_free. */
S7_API int s7_doctor(const s7_doctor_opts *opts, s7_diag_report *report);
/* Releases what a report holds; NULL and a zeroed report are fine. */
S7_API void s7_diag_report_free(s7_diag_report *report);
/* The failing check (NULL when ok). */
S7_API const s7_diag_check *s7_diag_report_failed(const s7_diag_report *report);
/* The report as one JSON object (the schema of docs/doctor.md: verdict, checks, the success
 * data, alternatives).  Returns a malloc'ed string (free()), NULL on out of memory. */
S7_API char *s7_diag_report_json(const s7_diag_report *report);

/* Pieces of the JSON vocabulary (docs/json.md) for programs that print their own documents;
 * each returns a malloc'ed string (free()), NULL on out of memory.
 *   s7_cpu_info_json  the "cpu" object: order_code, firmware, module_type, module_name,
 *                     as_name, plant_id, serial, copyright (null when not answered) and
 *                     state (s7_cpu_state_name)
 *   s7_error_json     the "error" object: {name, code, message, cause, fix}; code (the
 *                     PLC's code, "0x8104"), cause and fix are null when NULL or empty */
S7_API char *s7_cpu_info_json(const s7_cpu_info *id, int state);
/*   s7_cpu_caps_implausible_json  the "implausible" array: one {field, value, reason} per
 *                     figure of k no CPU reports (s7_cpu_caps_implausible; pdu the session's
 *                     PDU, 0 unknown): field "protection.level", "protection.switch",
 *                     "connections.max", "connections.used" or "connections.max_pdu", value
 *                     the raw figure; [] when every answered figure is plausible */
S7_API char *s7_cpu_caps_implausible_json(const s7_cpu_caps *k, unsigned pdu);
S7_API char *s7_error_json(const char *id, const char *code, const char *message, const char *cause,
                           const char *fix);

/* The CPU family an order code names: "s7-300" (6ES7 31x), "s7-400" (6ES7 41x), "s7-1200"
 * (6ES7 21x), "s7-1500" (6ES7 51x, ET 200SP / ET 200pro CPUs 6ES7 51x too), "s7-200smart"
 * (6ES7 288), "logo8" (6ED1), or NULL when it names none of them. */
S7_API const char *s7_diag_family_of_order_code(const char *order_code);

/* ---------------------------------------------------------------- discover */

#define S7_DISCOVER_MAX 32
typedef struct s7_discover_result {
    int tcp;                            /* 0 port open, else S7_ERR_RESOLVE / UNREACH / REFUSED /
                               CONNECT_TIMEOUT (nothing else was tried) */
    s7_diag_alt tries[S7_DISCOVER_MAX]; /* every attempt, in the order made */
    size_t ntries;
    int best; /* index in tries of the pair to use first, -1 none works */
    int have_identity;
    s7_cpu_info identity; /* read over the first working connection */
    int total_ms;
} s7_discover_result;

/* Try rack 0 with slots 1, 2, 3, 0 and the types PG, OP, S7 basic, then the LOGO! pairs
 * (0100:0200, 1000:2000) and the S7-200 CP243-1 pair (1000:1001); when every one of them
 * was refused, rack 0 slots 4, 5 (S7-400) and rack 1 slots 2..5 (S7-400H) with the three
 * types, up to the first address that works; one connection at a time,
 * each closed (and its close seen by the partner) before the next.  A pair works when the
 * CPU accepts the CR, the S7 setup succeeds and a test read (one byte of MB0) is answered as
 * the protocol has it (data, an item error or a refusal such as 0x8104 all count: the
 * session works; a malformed reply, a timeout or a dropped connection do not).  best: only
 * a pair that works: a LOGO! pair when the identity says LOGO!, else the first rack/slot
 * that works (PG before OP before basic), else the first pair that works; -1 when none
 * does.  Returns the number of working entries (>= 0), or S7_ERR_INVAL; r->tcp says why
 * nothing was tried (S7_ERR_RESOLVE also for an ambiguous numeric host, s7_host_check). */
S7_API int s7_discover(const char *host, uint16_t port, int timeout_ms, s7_discover_result *r);

/* s7_discover whose first TCP connection is the doctor's network step (s7_doctor's tcp
 * check): one SYN, with the probes that tell a firewall from a host that is off alongside
 * it (docs/doctor.md "Network verdicts"); its socket carries the first attempt.  When that
 * SYN fails, nothing else is tried: r->tcp says how, and *net is the doctor's report of it
 * (verdict, the tcp check's cause and fix, s7_diag_report_team, the probes); free it with
 * s7_diag_report_free in every case (zeroed when the host did not resolve).  Returns as
 * s7_discover, or S7_ERR_NOMEM. */
S7_API int s7_discover_net(const char *host, uint16_t port, int timeout_ms, s7_discover_result *r,
                           s7_diag_report *net);

/* The result as one JSON object (docs/doctor.md): tcp, tries, best, identity.  Returns a
 * malloc'ed string (free()), NULL on out of memory. */
S7_API char *s7_discover_json(const s7_discover_result *r);

/* ---------------------------------------------------------------- scan */

/* Targets: IPv4 only, comma-separated items, each "10.0.0.0/24" (CIDR; the network and
 * broadcast addresses are left out for prefixes up to /30), "10.0.0.1-10.0.0.40",
 * "10.0.0.1-40" or one address.  Counts the hosts into *n (duplicates counted).  Returns 0
 * or S7_ERR_INVAL with a message in err. */
S7_API int s7_scan_count(const char *targets, uint32_t *n, char *err, size_t errcap);

enum {
    S7_SCAN_CLOSED = 0,   /* RST: nothing listens */
    S7_SCAN_FILTERED = 1, /* no answer within the timeout */
    S7_SCAN_UNREACH = 2,  /* no route / host unreachable (ICMP) */
    S7_SCAN_ANSWERING = 3 /* TCP accepted */
};
/* "closed" "filtered" "unreachable" "answering" */
S7_API const char *s7_scan_state_name(int state);

typedef struct s7_scan_host {
    char addr[16];                    /* dotted IPv4 */
    uint32_t ip;                      /* host order */
    int state;                        /* S7_SCAN_* */
    int tcp_ms;                       /* time to the TCP answer (connected or RST), -1 filtered */
    int s7;                           /* 1 an S7 session was established (CC + setup) */
    int s7_error;                     /* when answering and s7 == 0: the last attempt's S7_ERR_* */
    uint16_t local_tsap, remote_tsap; /* the TSAPs that worked */
    uint16_t pdu;
    int have_identity;
    s7_cpu_info identity;
    int cpu_state;
} s7_scan_host;

typedef struct s7_scan_opts {
    uint16_t port;      /* default 102 */
    int concurrency;    /* hosts in progress at once, default 32 (1..1024) */
    int rate;           /* new TCP connections per second at most, default 100 */
    int timeout_ms;     /* per connection attempt, default 1000 */
    int identify;       /* default 1: on an answering host, set up S7 and read the SZL */
    uint32_t max_hosts; /* refuse larger target lists, default 65536 */
} s7_scan_opts;
S7_API void s7_scan_opts_init(s7_scan_opts *o);

/* Called once per host when it is done (in completion order, not address order), with the
 * number of hosts done so far and the total. */
typedef void (*s7_scan_fn)(void *ud, const s7_scan_host *host, uint32_t done, uint32_t total);

/* One host as a JSON object (malloc'ed, free()); NULL on out of memory. */
S7_API char *s7_scan_host_json(const s7_scan_host *h);

/* Scan targets.  Returns the number of hosts answering on the port (>= 0), S7_ERR_INVAL
 * (bad targets, or more than max_hosts; err says which), or S7_ERR_NOMEM. */
S7_API int s7_scan(const char *targets, const s7_scan_opts *opts, s7_scan_fn cb, void *ud,
                   char *err, size_t errcap);

/* s7_scan that ends early once *stop is non-zero (a flag a SIGINT handler sets; checked
 * before every poll round, and poll returns at once when a signal interrupts it): the hosts
 * in progress are closed without being reported, those not yet started are not tried.  The
 * callback has seen every host done before it stopped; the caller tells a stopped scan by
 * its flag.  stop NULL: the same as s7_scan.  Returns as s7_scan. */
S7_API int s7_scan_until(const char *targets, const s7_scan_opts *opts, s7_scan_fn cb, void *ud,
                         const volatile sig_atomic_t *stop, char *err, size_t errcap);

#ifdef __cplusplus
}
#endif
#endif
