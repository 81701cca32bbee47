/* s7kit explanations of errors reported by a PLC: what the code means, the likely cause
 * and the fix (docs/errors.md lists them).  PLC errors are data, not library errors. */
#ifndef S7_EXPLAIN_H
#define S7_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum s7_explain_kind {
    S7_EX_NONE = 0,
    S7_EX_HEADER,  /* S7 header error class/code of an Ack / Ack_Data (e.g. 0x8104) */
    S7_EX_ITEM,    /* item return code (e.g. 0x0A) */
    S7_EX_USERDATA /* Userdata parameter error code (e.g. 0xD402) */
} s7_explain_kind;

typedef struct s7_explain {
    s7_explain_kind kind;
    uint16_t code;     /* class << 8 | code, or the item return code */
    const char *name;  /* short symbolic name, e.g. "PUT_GET_NOT_PERMITTED" */
    const char *text;  /* what the code means */
    const char *cause; /* the likely cause in the field ("" when unknown) */
    const char *fix;   /* what to do ("" when unknown) */
    /* context the client fills in (area/db/offset of the failing request) */
    uint8_t area;
    uint16_t db;
    uint32_t start;
} s7_explain;

/* Static explanation of a code (never NULL; unknown codes get a generic text). */
S7_API const s7_explain *s7_explain_code(s7_explain_kind kind, uint16_t code);
/* The explanation of a header error code answering a request other than Read/Write Var
 * (block upload and download, PI services, stop, block functions): 0x8104 there is
 * FUNCTION_NOT_IMPLEMENTED (S7-1200/1500 do not offer these services), not
 * PUT_GET_NOT_PERMITTED, which s7_explain_code(S7_EX_HEADER, 0x8104) gives for a Read/Write
 * Var job; other codes as s7_explain_code(S7_EX_HEADER, code).  Never NULL, static. */
S7_API const s7_explain *s7_explain_service(uint16_t code);

/* Wireshark-style names for header / userdata codes (static string). */
S7_API const char *s7_plc_strerror(uint16_t code);
/* Names of item return codes (static string). */
S7_API const char *s7_item_strerror(uint8_t rc);

/* Identifiers of the JSON vocabulary (docs/json.md), written into the caller's buf (cap
 * bytes, 48 are enough) and returned:
 *   s7_explain_id       e's name in lowercase: "object_not_found", "put_get_not_permitted"
 *   s7_item_status_id   an item's status: "ok" (status 0), the item return code's id
 *                       (status S7_ERR_ITEM, rc), otherwise s7_err_id(status): "timeout" */
S7_API const char *s7_explain_id(const s7_explain *e, char *buf, size_t cap);
S7_API const char *s7_item_status_id(int status, uint8_t rc, char *buf, size_t cap);

/* ---------------------------------------------------------------- library errors */

/* What is known around a library error (S7_ERR_*), for its explanation.  Every field may be
 * left 0 / NULL. */
typedef struct s7_err_ctx {
    const char *host; /* the partner as the user named it (or its address) */
    uint16_t port;    /* TCP port; 0 means 102 */
    int timeout_ms;   /* the timeout that ran out (S7_ERR_CONNECT_TIMEOUT, S7_ERR_TIMEOUT) */
    int sys_errno;    /* the errno behind a connect failure, when known (EPERM/EACCES: this
                           machine's own packet filter refused the SYN) */
} s7_err_ctx;

/* The likely cause in the field and what to do about a library error, the one wording the
 * command line, the doctor and any other caller share: connection errors (S7_ERR_RESOLVE,
 * _UNREACH, _REFUSED, _CONNECT_TIMEOUT, _CR_REJECTED, _NEGOTIATION), a request that got no
 * answer or lost its connection (_TIMEOUT, _CLOSED, _IO) and malformed replies (_TPKT, _COTP,
 * _S7HDR, _PARAM, _PDUREF, _PROTO).  Writes NUL-terminated texts into cause and fix (either
 * may be NULL); returns 1 when the error has an explanation, 0 otherwise ("" written). */
S7_API int s7_err_explain(int err, const s7_err_ctx *ctx, char *cause, size_t cause_cap, char *fix,
                          size_t fix_cap);

/* The same for a connection error of a partner that served this address, port and TSAPs
 * before (a bridge's CPU that was connected, a monitored connection that passed): its address
 * was right then, so the cause is what changed: S7_ERR_REFUSED a restart of the CPU or its CP,
 * or an address conflict; _CONNECT_TIMEOUT power, link or a new firewall rule; _UNREACH power,
 * link or a route; _CR_REJECTED connection resources taken by other partners or a changed
 * configuration.  Returns 1 for those four, 0 for any other error ("" written: use
 * s7_err_explain). */
S7_API int s7_err_explain_served(int err, const s7_err_ctx *ctx, char *cause, size_t cause_cap,
                                 char *fix, size_t fix_cap);

/* The cause and the fix of an item return code for an item of area (S7_AREA_*) and db, the
 * one wording the command line and the doctor share: 0x0A for a DB (the DB does not exist) or
 * an area (not on this CPU; T and C not on S7-1200/1500), 0x05 for a DB at offset 0 when the
 * caller has found that even offset 0 fails (optimized block access: pass
 * S7_ITEM_EX_OFFSET0), and the generic text of s7_explain_code() for the rest.  Writes
 * NUL-terminated texts (either buffer may be NULL); returns 1 when something specific to the
 * area was said, 0 when the generic text was used. */
enum { S7_ITEM_EX_OFFSET0 = 1 };
/* An area in words, for messages: "the timer (T) area", "the memory (M) area", ... (static). */
S7_API const char *s7_area_text(uint8_t area);
S7_API int s7_item_explain(uint8_t rc, uint8_t area, uint16_t db, unsigned flags, char *cause,
                           size_t cause_cap, char *fix, size_t fix_cap);

#ifdef __cplusplus
}
#endif
#endif
