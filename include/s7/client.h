/* s7kit client: blocking and asynchronous S7 PUT/GET over ISO-on-TCP.
 *
 * One protocol path: the blocking calls submit a job to the same engine the async API
 * uses and run its loop until the job is done (curl easy over multi).  A handle is used by
 * one thread at a time.  Errors: see err.h; errors the PLC reports are data: after
 * S7_ERR_PLC, s7_client_last_error() names the code, the likely cause and the fix; after
 * S7_ERR_ITEM each item's status says what failed. */
#ifndef S7_CLIENT_H
#define S7_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "explain.h"
#include "log.h"
#include "tag.h"
#include "wire.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct s7_client s7_client;

/* Connection types: the high byte of the called TSAP, and the CPU's resource pool. */
typedef enum s7_conn_type { S7_CONN_PG = 1, S7_CONN_OP = 2, S7_CONN_BASIC = 3 } s7_conn_type;

typedef struct s7_client_opts {
    uint8_t rack;           /* default 0 */
    uint8_t slot;           /* default 1 */
    s7_conn_type type;      /* default S7_CONN_PG */
    uint16_t local_tsap;    /* used when remote_tsap != 0; default 0x0100 */
    uint16_t remote_tsap;   /* explicit called TSAP (LOGO!, S7-200); 0 = rack/slot/type */
    uint8_t tpdu_size;      /* CR TPDU size code, default 0x0A (1024) */
    uint16_t pdu_request;   /* requested PDU length, default 960 */
    uint16_t amq_request;   /* requested jobs in flight, default 8 */
    int connect_timeout_ms; /* TCP connect + CR/CC + setup, default 3000 */
    int request_timeout_ms; /* one request, default 3000 */
    uint16_t merge_gap;     /* planner: merge reads of one area closer than this, default 16 */
    uint16_t max_items;     /* items per PDU, 0 = as many as fit (lowered by itself when a
                                  peer answers fewer items than asked, as the Snap7 server) */
    s7_log_fn log;          /* optional */
    s7_tap_fn tap;          /* optional */
    void *log_ctx;
    char source_addr[48]; /* connect from this address of the machine (numeric IPv4/IPv6, the
                           * socket is bound to it); "" = the kernel chooses (default).  A
                           * source the machine does not hold fails the connect with
                           * S7_ERR_SOURCE. */
} s7_client_opts;

S7_API void s7_client_opts_init(s7_client_opts *o);

/* A new handle (copies opts; NULL = defaults).  NULL on out of memory. */
S7_API s7_client *s7_client_new(const s7_client_opts *opts);
/* Closes and frees; NULL is a no-op. */
S7_API void s7_client_free(s7_client *c);

/* Connect to host (name or IPv4/IPv6 literal) on port (0 = 102): TCP, COTP CR/CC, Setup
 * Communication.  A connected handle is closed first.  Returns 0 or S7_ERR_RESOLVE (also
 * for an ambiguous numeric host: s7_host_check), S7_ERR_UNREACH, S7_ERR_REFUSED,
 * S7_ERR_CONNECT_TIMEOUT (no answer to the TCP SYN in connect_timeout_ms), S7_ERR_TIMEOUT
 * (TCP connected, but the CR or the setup got no answer in what was left of
 * connect_timeout_ms), S7_ERR_CR_REJECTED, S7_ERR_NEGOTIATION, S7_ERR_CLOSED, S7_ERR_IO,
 * S7_ERR_SOURCE (opts.source_addr), or S7_ERR_TPKT / _COTP / _S7HDR / _PARAM / _PROTO for a
 * malformed answer. */
S7_API int s7_client_connect(s7_client *c, const char *host, uint16_t port);
/* Is host a form every s7kit call dials as written?  0 for a host name, an IPv6 address or
 * a dotted quad of decimal numbers 0..255 without leading zeros.  A host made only of
 * numbers and dots (or 0x hex numbers) that is not such a quad ("1.2.3", "1.2", "010.1.1.1",
 * "0x7f.1", "1.2.3.4.5", a bare number) is refused: the system resolver would read it as
 * something else (inet_aton makes 1.2.0.3 of "1.2.3"), so s7_client_connect and the
 * diagnostics never dial it.  Returns S7_ERR_RESOLVE with a sentence in msg (cap bytes; may
 * be NULL) that names the host and what would be right, or S7_ERR_INVAL for an empty host. */
S7_API int s7_host_check(const char *host, char *msg, size_t cap);
/* Run the COTP and S7 handshake over an already connected stream socket (a socketpair,
 * a tunnel); the handle owns fd from then on.  Returns as s7_client_connect. */
S7_API int s7_client_connect_fd(s7_client *c, int fd);
/* Close the socket (old one first) and connect again to the last host, up to attempts
 * times with a growing back-off.  Returns as s7_client_connect. */
S7_API int s7_client_reconnect(s7_client *c, int attempts);
/* Close the connection; the handle can connect again. */
S7_API void s7_client_close(s7_client *c);
S7_API int s7_client_connected(const s7_client *c);

/* Negotiated values (0 before the connection). */
S7_API uint16_t s7_client_pdu(const s7_client *c);
S7_API uint16_t s7_client_amq(const s7_client *c); /* min(amq_calling, amq_called) */
/* TSAPs used, for messages. */
S7_API void s7_client_tsaps(const s7_client *c, uint16_t *local, uint16_t *remote);

/* Why the partner's last answer was refused as not conforming to its request (a call that
 * returned S7_ERR_PARAM: a read reply with another length, transport size coding or item
 * count than asked, a truncated reply, an SZL answer for another list or with records that
 * do not add up): one sentence with what was asked, what came back and which field or byte
 * is wrong.  "" when the last call had no such problem.  Lives until the next call on c. */
S7_API const char *s7_client_peer_problem(const s7_client *c);

/* The last error the PLC reported on this handle (header error, userdata error or, after
 * S7_ERR_ITEM, the first failing item's code), with its explanation.  code 0 when none. */
S7_API const s7_explain *s7_client_last_error(const s7_client *c);

/* ---------------------------------------------------------------- items */

/* s7_item (one item to read or write) and s7_item_from_tag are declared in tag.h. */

/* Read / write n items with as few PDUs as fit, up to the negotiated AmQ in flight.
 * Returns 0 when every item succeeded, S7_ERR_ITEM when some failed (see status), or a
 * connection / PLC error that ended the call (S7_ERR_PLC: a header error such as 0x8104
 * PUT/GET not permitted, see s7_client_last_error; S7_ERR_TIMEOUT, S7_ERR_CLOSED ...).
 * After such an error too, an item with status 0 was answered: every request it was
 * part of got its reply before the failure (read: its data is in buf; write: the CPU
 * confirmed it).  The items of the refused or unanswered requests get the error as
 * status (a write sent but not answered may or may not have landed). */
S7_API int s7_client_read(s7_client *c, s7_item *items, size_t n);
S7_API int s7_client_write(s7_client *c, s7_item *items, size_t n);

/* Read DB byte ranges with DBREAD items (syntax id 0xB0: many ranges in one Read Var item,
 * what WinCC uses on an S7-400; client/dbread.c): each item names area S7_AREA_DB, a DB,
 * a byte offset start <= 65535 and count 1..255 bytes (ts S7_TS_BYTE or 0); as many
 * ranges go in one request as its request and answer fit in the PDU.  Items that do not
 * fit the form get status S7_ERR_INVAL and are not sent.  Returns as s7_client_read. */
S7_API int s7_client_read_dbread(s7_client *c, s7_item *items, size_t n);

/* Whole-area access of any size (byte offsets), pipelined. */
S7_API int s7_client_read_area(s7_client *c, uint8_t area, uint16_t db, uint32_t start, void *buf,
                               uint32_t len);
S7_API int s7_client_write_area(s7_client *c, uint8_t area, uint16_t db, uint32_t start,
                                const void *buf, uint32_t len);
S7_API int s7_client_db_read(s7_client *c, uint16_t db, uint32_t start, void *buf, uint32_t len);
S7_API int s7_client_db_write(s7_client *c, uint16_t db, uint32_t start, const void *buf,
                              uint32_t len);

/* Length of a DB as the CPU answers it (binary search with one-byte reads), or a negative
 * error: S7_ERR_ITEM with last_error code 0x0A (missing) or 0x05 at offset 0 (optimized or
 * empty). */
S7_API int s7_client_db_length(s7_client *c, uint16_t db, uint32_t *len);

/* The bytes of a DB from offset 0 that reads may access: as s7_client_db_length, but a byte
 * refused with 0x03 (access denied) ends them too, as a reply past the DB's end does.  Behind
 * s7 guard (or any proxy that refuses by range) this is the part the policy lets this client
 * read; the DB itself may be longer.  Byte 0 must be readable. */
S7_API int s7_client_db_readable(s7_client *c, uint16_t db, uint32_t *len);

/* ---------------------------------------------------------------- SZL and CPU */

/* Read a whole SZL (all continuation parts).  Copies the record stream (records only,
 * after the 8-byte SZL header) into buf (cap bytes); hdr gets the header.  Returns the
 * record bytes copied, S7_ERR_NOSPACE if cap is too small, S7_ERR_PLC for a userdata
 * error (e.g. 0xD401/0xD402: the CPU does not offer that list), or S7_ERR_PARAM for an
 * answer that does not conform (not a well-formed Userdata answer, the header of another
 * list, records that do not add up to the count and length the header announces:
 * s7_client_peer_problem says which). */
S7_API int s7_client_read_szl(s7_client *c, uint16_t id, uint16_t index, s7_szl_hdr *hdr,
                              uint8_t *buf, size_t cap);

typedef struct s7_cpu_info {
    char order_code[24];  /* SZL 0x0011 index 1 */
    char version[16];     /* firmware "V4.5.2" (0x0011 index 7), or hardware version */
    char as_name[34];     /* SZL 0x001C index 1 */
    char module_name[34]; /* index 2 */
    char plant_id[34];    /* index 3 */
    char copyright[34];   /* index 4 */
    char serial[34];      /* index 5 */
    char module_type[34]; /* index 7 */
} s7_cpu_info;

/* Identity from SZL 0x0011 and 0x001C; fields the CPU does not answer stay empty.  Returns
 * 0 when at least the order code was read; S7_ERR_PLC when the CPU does not offer SZL
 * 0x0011 (s7_client_last_error: 0xD401 / 0xD402); S7_ERR_PARAM for a malformed answer
 * (records shorter than the list's, no record with the order number:
 * s7_client_peer_problem). */
S7_API int s7_client_cpu_info(s7_client *c, s7_cpu_info *out);

/* Operating states (the mode nibble of SZL 0x0424: 3/4 STOP, 5..7 STARTUP, 8 RUN, 0x0A HOLD,
 * 0x0D DEFECT). */
enum {
    S7_CPU_UNKNOWN = 0,
    S7_CPU_STOP = 4,
    S7_CPU_STARTUP = 5,
    S7_CPU_RUN = 8,
    S7_CPU_HOLD = 10,
    S7_CPU_DEFECT = 13
};
/* CPU state from SZL 0x0424 (S7_CPU_RUN, S7_CPU_STOP, ... or S7_CPU_UNKNOWN).  Errors as
 * s7_client_cpu_info. */
S7_API int s7_client_cpu_state(s7_client *c, int *state);
/* The state's identifier of the JSON vocabulary (docs/json.md): "run", "stop", "startup",
 * "hold", "defect" or "unknown" (static string). */
S7_API const char *s7_cpu_state_name(int state);

typedef struct s7_cpu_caps {
    int max_pdu;           /* SZL 0x0131 index 1, -1 when not answered */
    int max_connections;   /* SZL 0x0131 index 1 (anz), -1 when not answered */
    int used_connections;  /* SZL 0x0132 index 1 / 0x0132 records, -1 when not answered */
    int protection_level;  /* SZL 0x0232 index 4 (sch_schal 1..3), -1 when not answered */
    int protection_switch; /* bart_sch / mode switch position, -1 when not answered */
} s7_cpu_caps;
/* What the CPU answers of capacity and protection (each -1 when not answered: a list the
 * CPU does not offer).  S7_ERR_PARAM for a malformed answer (s7_client_peer_problem). */
S7_API int s7_client_cpu_caps(s7_client *c, s7_cpu_caps *out);

/* Figures of s7_cpu_caps no CPU reports, one bit per field: */
enum {
    S7_CAPS_MAX_PDU = 1 << 0,    /* 0, or below the PDU this session negotiated */
    S7_CAPS_MAX_CONN = 1 << 1,   /* 0, or above S7_CAPS_CONN_LIMIT */
    S7_CAPS_USED_CONN = 1 << 2,  /* above S7_CAPS_CONN_LIMIT, or above max_connections */
    S7_CAPS_PROT_LEVEL = 1 << 3, /* not 1, 2 or 3 */
    S7_CAPS_PROT_SWITCH = 1 << 4 /* not 0..4 (undefined, RUN, RUN-P, STOP, MRES) */
};
/* The most connection resources any CPU offers (S7-1500 CPU 1518-4 PN/DP: 384; s7kit's
 * largest emulated profile, the CPU 1516-3 PN/DP, 256). */
#define S7_CAPS_CONN_LIMIT 384
/* Which answered figures of k are implausible (S7_CAPS_* bits; 0 none).  pdu: the PDU size
 * negotiated on the connection the figures came over (0: unknown). */
S7_API unsigned s7_cpu_caps_implausible(const s7_cpu_caps *k, unsigned pdu);
/* Why one field (an S7_CAPS_* bit) is implausible, one phrase into buf ("a CPU reports
 * protection level 1, 2 or 3"); "" when it is not.  Returns buf. */
S7_API const char *s7_cpu_caps_why(const s7_cpu_caps *k, unsigned pdu, unsigned field, char *buf,
                                   size_t cap);

S7_API int s7_client_get_clock(s7_client *c, s7_datetime *t);
S7_API int s7_client_set_clock(s7_client *c, const s7_datetime *t);

S7_API int s7_client_plc_stop(s7_client *c);
S7_API int s7_client_plc_start(s7_client *c, int mode); /* S7_START_HOT / S7_START_COLD */

/* ---------------------------------------------------------------- alarms, diagnostics */

/* Alarm query (S7-300/400): the CPU's alarms of alarm_type (S7_ALARM_S, as 300s are asked;
 * S7_ALARM_8, as S7-400s are) into out (up to max).  Returns how many the CPU listed (may
 * exceed max) or an error (S7_ERR_PLC: the CPU refused, e.g. userdata error 0x8104). */
S7_API int s7_client_alarms(s7_client *c, uint8_t alarm_type, s7_alarm *out, size_t max);

/* One diagnostic buffer entry (SZL 0x00A0, 20 bytes). */
typedef struct s7_diag_entry {
    uint16_t event_id;
    uint8_t prio;    /* priority class (0xFF: none) */
    uint8_t ob;      /* OB number */
    uint16_t dat_id; /* data ID */
    uint16_t info1;  /* additional information */
    uint32_t info2;
    int has_time; /* time holds a valid date */
    s7_datetime time;
} s7_diag_entry;
/* Decode one 20-byte entry.  0 or S7_ERR_INVAL. */
S7_API int s7_diag_entry_decode(const uint8_t in[20], s7_diag_entry *e);
/* What an event ID means (a short English phrase), NULL for IDs s7kit does not know. */
S7_API const char *s7_diag_event_text(uint16_t event_id);
/* Read the diagnostic buffer, newest entry first, up to max entries.  Returns the number
 * copied or an error (S7_ERR_PLC: the CPU does not answer SZL 0x00A0). */
S7_API int s7_client_diag_buffer(s7_client *c, s7_diag_entry *out, size_t max);

/* ---------------------------------------------------------------- cyclic data */

/* A push of a subscription's values: items are the subscribed ones with their buffers,
 * status and rc filled as a read fills them. */
typedef void (*s7_push_fn)(s7_client *c, int job, s7_item *items, size_t n, void *ud);
/* Subscribe to n items (each read whole: they must fit one PDU, with the answer) at a
 * cycle of cycle_ms (coded as the CPU counts it: 100 ms steps up to 25.5 s, then 1 s, then
 * 10 s), mode S7_CYC_TRANSFER (a push every cycle) or S7_CYC_CHANGE (a push when a value
 * changed).  Blocking: the items get their current values from the answer.  Then every
 * push calls cb from whatever drives the handle (a blocking call, s7_client_step,
 * s7_multi_poll, s7_client_wait); items are kept by reference until unsubscribed or
 * disconnected.  Returns the CPU's job number (1..255) or an error: S7_ERR_PLC when the
 * CPU refuses (s7_client_last_error: e.g. userdata error 0x8104, the CPU does not serve
 * cyclic data), S7_ERR_TOOBIG, S7_ERR_INVAL. */
S7_API int s7_client_subscribe(s7_client *c, s7_item *items, size_t n, uint32_t cycle_ms, int mode,
                               s7_push_fn cb, void *ud);
/* End a subscription (its pushes stop being delivered at once).  0 or an error. */
S7_API int s7_client_unsubscribe(s7_client *c, int job);
/* Subscriptions held now. */
S7_API size_t s7_client_subscriptions(const s7_client *c);
/* Drive the handle for timeout_ms (pushes are delivered meanwhile).  Returns the pushes
 * delivered or a negative error (the connection lost). */
S7_API int s7_client_wait(s7_client *c, int timeout_ms);

/* ---------------------------------------------------------------- blocks */

/* How many blocks of one type the CPU holds (list blocks, Userdata group 3/1). */
typedef struct s7_block_count {
    uint8_t type; /* S7_BLOCK_* */
    uint16_t count;
} s7_block_count;
/* The CPU's block counts per type (as many as it lists, at most max; real CPUs list 7: OB,
 * FB, FC, DB, SDB, SFC, SFB).  Returns the number of types.  A CPU without block
 * functions (S7-1200/1500) answers 0x8104: S7_ERR_PLC, s7_client_last_error says why. */
S7_API int s7_client_list_blocks(s7_client *c, s7_block_count *out, size_t max);
/* The numbers of the blocks of one type (all continuation parts; at most max stored).
 * Returns the number the CPU listed (S7_ERR_NOSPACE when more than max). */
S7_API int s7_client_list_blocks_of_type(s7_client *c, uint8_t type, uint16_t *numbers, size_t max);
/* A block's info (lengths, language, author, family, name, version).  A block the CPU does
 * not have: S7_ERR_PLC with 0xD209. */
S7_API int s7_client_block_info(s7_client *c, uint8_t type, uint16_t number, s7_block_info *out);
/* Upload a whole block (the MC7 block: header, code or data, interface, footer) into
 * buf[0..cap).  Returns its length, S7_ERR_NOSPACE when it does not fit (nothing more is
 * asked; the upload is ended), S7_ERR_PLC when refused (0xD241: the protection level needs
 * a password; 0xD20C: no such block; 0xD20E: a system or know-how protected block). */
S7_API int s7_client_upload(s7_client *c, uint8_t type, uint16_t number, uint8_t *buf, size_t cap);
/* Download a block image (as s7_client_upload gives it, len bytes) to an S7-300/400 and
 * activate it (PI _INSE): the request, then the CPU asks for the parts with Jobs of its
 * own, which this answers, then ends.  number >= 0 downloads it under that number ("download
 * as"), -1 keeps the image's.  Returns 0; S7_ERR_INVAL for bytes that are not a block
 * image; S7_ERR_PLC when refused (0xD241: the protection level needs the password; 0x8104:
 * S7-1200/1500); S7_ERR_TIMEOUT when the CPU stops asking. */
S7_API int s7_client_download(s7_client *c, const uint8_t *image, size_t len, int number);
/* The size of a DB from its block info (MC7 length).  S7_ERR_PLC when the CPU does not
 * answer block info for it. */
S7_API int s7_client_db_size(s7_client *c, uint16_t db, uint32_t *size);

/* ---------------------------------------------------------------- async */

/* Completion: result as the blocking call would have returned it. */
typedef void (*s7_done_fn)(s7_client *c, int result, void *ud);

/* Start connecting without blocking; s7_multi (or s7_client_step) drives it.  cb gets the
 * result (may be NULL). */
S7_API int s7_client_connect_async(s7_client *c, const char *host, uint16_t port, s7_done_fn cb,
                                   void *ud);
/* Queue a read / write of items (kept by reference until cb).  Returns 0 or an error when
 * the job cannot be queued (S7_ERR_NOTCONN, S7_ERR_NOMEM). */
S7_API int s7_client_read_async(s7_client *c, s7_item *items, size_t n, s7_done_fn cb, void *ud);
S7_API int s7_client_write_async(s7_client *c, s7_item *items, size_t n, s7_done_fn cb, void *ud);
/* s7_client_subscribe without blocking: done gets the job number (or the error) from the loop that
 * drives the handle; the items are kept by reference from the call on.  Returns 0 (queued)
 * or an error. */
S7_API int s7_client_subscribe_async(s7_client *c, s7_item *items, size_t n, uint32_t cycle_ms,
                                     int mode, s7_push_fn cb, void *ud, s7_done_fn done,
                                     void *done_ud);

/* For an application's own loop: the socket, the poll events it waits for (POLLIN /
 * POLLOUT) and the milliseconds until its next timeout (-1 none). */
S7_API int s7_client_fd(const s7_client *c);
S7_API short s7_client_events(const s7_client *c);
S7_API int s7_client_timeout_ms(const s7_client *c);
/* The same timeout as a time on s7_now_ms()'s clock (0: step at once, -1 none), without
 * reading the clock: for a loop that keeps many handles' deadlines. */
S7_API int64_t s7_client_deadline_ms(const s7_client *c);
/* Process readiness revents (0 for a timer tick): sends, receives, completes jobs and
 * calls their callbacks.  Returns 0 or a fatal error (already reported to the jobs). */
S7_API int s7_client_step(s7_client *c, short revents);
/* Receive into buf (cap bytes, at least 4096) rather than the connection's own buffer:
 * handles driven from one thread may share one, which then stays in the cache however many
 * connections there are (whole frames are handled where they arrived; a partial one is
 * kept by the connection).  buf must outlive c or be replaced; NULL: the connection's own
 * buffer again. */
S7_API void s7_client_set_rx_buffer(s7_client *c, uint8_t *buf, size_t cap);
/* Encode and send requests from buf (cap bytes, at least 4096) rather than the connection's
 * own buffer, likewise: handles driven from one thread may share one (what the socket does
 * not take at once stays with the connection).  NULL: the own buffer again. */
S7_API void s7_client_set_tx_buffer(s7_client *c, uint8_t *buf, size_t cap);
/* Whole requests (on != 0): a reply that answers fewer items than its request asked fails
 * the request (S7_ERR_PARAM, the reason in s7_client_peer_problem) instead of lowering the items
 * per PDU and asking again for the rest, as the client does by default (some servers answer
 * at most so many items).  For the GET / PUT jobs of the exchange engines: a job's areas are
 * one request, read or written at one moment, or the job fails (STATUS 1/4). */
S7_API void s7_client_set_whole_requests(s7_client *c, int on);
/* Jobs queued or in flight. */
S7_API size_t s7_client_pending(const s7_client *c);

/* Many handles on one thread. */
typedef struct s7_multi s7_multi;
S7_API s7_multi *s7_multi_new(void);
S7_API void s7_multi_free(s7_multi *m); /* does not free the handles */
S7_API int s7_multi_add(s7_multi *m, s7_client *c);
S7_API int s7_multi_remove(s7_multi *m, s7_client *c);
/* One poll over every handle (waits up to timeout_ms, -1 forever) and processes what is
 * ready.  Returns the number of handles with jobs still pending. */
S7_API int s7_multi_poll(s7_multi *m, int timeout_ms);
/* Poll until no handle has pending jobs or timeout_ms passed. Returns what remains. */
S7_API int s7_multi_run(s7_multi *m, int timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
