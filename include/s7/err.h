/* s7kit error codes: one table generates the enum, s7_strerror() and s7_err_name().
 *
 * Every fallible s7kit function returns int: >= 0 success (often a count or a length),
 * < 0 one of the S7_ERR_* codes below.  Errors reported by the PLC itself (header error
 * class/code, item return codes) are data, not library errors: see s7_explain_code() and s7_item_explain() (explain.h). */
#ifndef S7_ERR_H
#define S7_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(S7_BUILDING) && defined(__GNUC__)
#define S7_API __attribute__((visibility("default")))
#else
#define S7_API
#endif

/* X(NAME, value, fatal-for-the-connection, message) */
#define S7_ERR_MAP(X)                                                                      \
    X(AGAIN, -1, 0, "more bytes needed / operation would block")                           \
    X(NOSPACE, -2, 0, "output buffer too small")                                           \
    X(INVAL, -3, 0, "invalid argument")                                                    \
    X(NOMEM, -4, 0, "out of memory")                                                       \
    X(TPKT, -5, 1, "malformed TPKT header (version or length)")                            \
    X(COTP, -6, 1, "malformed COTP TPDU")                                                  \
    X(S7HDR, -7, 1, "malformed S7 header (protocol id, PDU type or lengths)")              \
    X(PARAM, -8, 1, "malformed S7 parameter or data block")                                \
    X(PDUREF, -9, 1, "reply matches no job in flight (PDU reference mismatch)")            \
    X(RESOLVE, -10, 1, "host name could not be resolved")                                  \
    X(UNREACH, -11, 1, "no route to host")                                                 \
    X(REFUSED, -12, 1,                                                                     \
      "connection refused: nothing listens on that port, or a firewall rejects it")        \
    X(CONNECT_TIMEOUT, -13, 1, "TCP connect timed out: port filtered or host down")        \
    X(CR_REJECTED, -14, 1, "peer closed the connection after the COTP connection request") \
    X(NEGOTIATION, -15, 1, "S7 setup communication failed")                                \
    X(TIMEOUT, -16, 1, "request timed out")                                                \
    X(CLOSED, -17, 1, "connection closed by peer")                                         \
    X(IO, -18, 1, "socket error")                                                          \
    X(NOTCONN, -19, 0, "not connected")                                                    \
    X(PLC, -20, 0, "the PLC answered with an error (see the last PLC error)")              \
    X(ITEM, -21, 0, "one or more items failed (see each item's status)")                   \
    X(TOOBIG, -22, 0, "request does not fit the negotiated PDU")                           \
    X(BUSY, -23, 0, "too many jobs in flight")                                             \
    X(ADDR, -24, 0, "invalid address")                                                     \
    X(VALUE, -25, 0, "invalid value")                                                      \
    X(TYPE, -26, 0, "type does not fit the address")                                       \
    X(UNSUPPORTED, -27, 0, "not supported")                                                \
    X(STATE, -28, 0, "operation not valid in the current state")                           \
    X(PROTO, -29, 1, "protocol violation by peer")                                         \
    X(SOURCE, -30, 1, "the source address to connect from is not an address of this machine")

typedef enum {
    S7_OK = 0,
#define S7__ERR_ENUM(name, val, fatal, msg) S7_ERR_##name = (val),
    S7_ERR_MAP(S7__ERR_ENUM)
#undef S7__ERR_ENUM
} s7_err;

/* S7_AGAIN is the decoder's "need more bytes" answer. */
#define S7_AGAIN S7_ERR_AGAIN

/* Human text for an S7_ERR_* code (static string; "unknown error" for others). */
S7_API const char *s7_strerror(int err);
/* Symbolic name, e.g. "S7_ERR_TIMEOUT" (static string). */
S7_API const char *s7_err_name(int err);
/* The identifier of the JSON vocabulary (docs/json.md): the name in lowercase without
 * "S7_ERR_", e.g. "timeout", "cr_rejected"; "ok" for 0, "unknown" for others (static). */
S7_API const char *s7_err_id(int err);
/* Non-zero when the connection that produced err must be dropped. */
S7_API int s7_err_is_fatal(int err);

#ifdef __cplusplus
}
#endif
#endif
