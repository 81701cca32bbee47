/* s7kit wire codec: TPKT (RFC 1006), COTP class 0 (ISO 8073), S7comm (protocol id 0x32).
 *
 * Pure functions: no sockets, no clock, no allocation, no global state.
 * Decoders take (buf, len) and return the number of bytes consumed, S7_AGAIN when more
 * bytes are needed (stream decoders only) or a negative S7_ERR_*.  Decoded structs hold
 * views (pointers) into the input buffer, valid as long as that buffer.
 * Encoders write into (buf, cap) and return the number of bytes written or
 * S7_ERR_NOSPACE.  S7 PDU encoders write the S7 PDU only (from the 0x32 byte); the ISO
 * header (TPKT + COTP DT, 7 bytes) is added around it with s7_iso_dt_wrap().
 * All integers on the wire are big-endian. */
#ifndef S7_WIRE_H
#define S7_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- sizes */
#define S7_TPKT_LEN 4      /* TPKT header */
#define S7_DT_HDR_LEN 3    /* COTP DT header: LI=2, 0xF0, EOT|nr */
#define S7_ISO_HDR_LEN 7   /* TPKT + COTP DT header in front of every S7 PDU */
#define S7_FRAME_MAX 65535 /* largest TPKT */
#define S7_TSAP_MAX 32     /* longest TSAP we keep a view of */
#define S7_ITEMS_MAX 255   /* item count is one byte on the wire */

/* ---------------------------------------------------------------- TPKT */

/* Look at the start of a byte stream.  Returns the total length of the first TPKT frame
 * (>= 7, header included) once 4 bytes are there, S7_AGAIN with fewer than 4 bytes, or
 * S7_ERR_TPKT (version != 3, length < 7). */
S7_API int s7_tpkt_peek(const uint8_t *buf, size_t len);

/* Write a TPKT header for a frame of total_len bytes (header included) into buf[0..3]. */
S7_API int s7_tpkt_encode(uint8_t *buf, size_t cap, size_t total_len);

/* ---------------------------------------------------------------- COTP */
enum {
    S7_COTP_CR = 0xE0,
    S7_COTP_CC = 0xD0,
    S7_COTP_DT = 0xF0,
    S7_COTP_DR = 0x80,
    S7_COTP_DC = 0xC0,
    S7_COTP_ER = 0x70
};

/* COTP parameter codes used by S7. */
enum { S7_COTP_P_TPDU_SIZE = 0xC0, S7_COTP_P_CALLING = 0xC1, S7_COTP_P_CALLED = 0xC2 };

/* One COTP TPDU.  Decoders fill every field that the TPDU type carries; unknown CR/CC
 * parameters are skipped.  For encoders the same struct says what to write. */
typedef struct s7_cotp {
    uint8_t code;           /* S7_COTP_* (high nibble; credit nibble dropped) */
    uint16_t dst_ref;       /* CR, CC, DR, DC, ER */
    uint16_t src_ref;       /* CR, CC, DR, DC */
    uint8_t class_opt;      /* CR, CC: class/options byte (0x00 for S7) */
    uint8_t tpdu_size;      /* CR, CC: param 0xC0 value (0x07..0x0D, size = 1 << v); 0 = absent */
    uint8_t calling_len;    /* CR, CC: param 0xC1 length (0 = absent) */
    uint8_t called_len;     /* CR, CC: param 0xC2 length (0 = absent) */
    const uint8_t *calling; /* CR, CC: calling (local) TSAP bytes */
    const uint8_t *called;  /* CR, CC: called (remote) TSAP bytes */
    uint8_t param_order[3]; /* CR, CC: order in which C0/C1/C2 appeared / are written;
                               all zero on encode means C0, C1, C2 */
    uint8_t reason;         /* DR: reason; ER: reject cause */
    uint8_t eot;            /* DT: 1 = last fragment */
    uint8_t nr;             /* DT: TPDU number (bits 0..6) */
    const uint8_t *user;    /* DT: user data (the S7 PDU fragment); CR/CC: user data if any */
    size_t user_len;
} s7_cotp;

/* Decode one whole frame (TPKT + one COTP TPDU) from the start of a byte stream.
 * Returns the frame length consumed, S7_AGAIN if the frame is not complete yet,
 * S7_ERR_TPKT or S7_ERR_COTP.  A DT's payload is a view into buf. */
S7_API int s7_frame_decode(const uint8_t *buf, size_t len, s7_cotp *out);

/* Decode one COTP TPDU that fills exactly tpdu[0..len-1] (the TPKT payload). Returns len
 * or S7_ERR_COTP. */
S7_API int s7_cotp_decode(const uint8_t *tpdu, size_t len, s7_cotp *out);

/* Encode a whole frame (TPKT + TPDU, DT user data copied in) from t.  CR/CC write the
 * parameters that are present (tpdu_size != 0, *_len != 0) in t->param_order. */
S7_API int s7_cotp_encode(uint8_t *buf, size_t cap, const s7_cotp *t);

/* Fill in the 7-byte ISO header (TPKT + DT with EOT=eot, nr 0) in front of an S7 PDU of
 * pdu_len bytes that the caller already wrote at buf + S7_ISO_HDR_LEN.  Returns the frame
 * length (pdu_len + 7) or S7_ERR_NOSPACE if it exceeds S7_FRAME_MAX or cap. */
S7_API int s7_iso_dt_wrap(uint8_t *buf, size_t cap, size_t pdu_len, int eot);

/* TPDU size code <-> bytes: 0x0A <-> 1024.  Code 0 or out of 0x07..0x0D -> 0. */
S7_API uint32_t s7_tpdu_size_bytes(uint8_t code);

/* TSAP helpers: (type << 8) | (rack << 5) | slot. */
S7_API uint16_t s7_tsap_make(uint8_t conn_type, uint8_t rack, uint8_t slot);

/* ---------------------------------------------------------------- S7 header */
enum { S7_PROTO_ID = 0x32 };
enum { S7_JOB = 0x01, S7_ACK = 0x02, S7_ACK_DATA = 0x03, S7_USERDATA = 0x07 };

/* Job function codes (first parameter byte). */
enum {
    S7_FN_READ = 0x04,
    S7_FN_WRITE = 0x05,
    S7_FN_SETUP = 0xF0,
    S7_FN_REQ_DOWNLOAD = 0x1A,
    S7_FN_DOWNLOAD = 0x1B,
    S7_FN_DOWNLOAD_END = 0x1C,
    S7_FN_UPLOAD_START = 0x1D,
    S7_FN_UPLOAD = 0x1E,
    S7_FN_UPLOAD_END = 0x1F,
    S7_FN_PI = 0x28,
    S7_FN_STOP = 0x29
};

typedef struct s7_pdu {
    uint8_t rosctr;      /* S7_JOB, S7_ACK, S7_ACK_DATA, S7_USERDATA */
    uint16_t redundancy; /* reserved, 0 */
    uint16_t ref;        /* PDU reference, echoed by the responder */
    uint16_t param_len;
    uint16_t data_len;
    uint8_t err_class; /* only S7_ACK / S7_ACK_DATA (12-byte header) */
    uint8_t err_code;
    const uint8_t *param; /* view, param_len bytes */
    const uint8_t *data;  /* view, data_len bytes */
} s7_pdu;

/* Header length for a PDU type: 12 for Ack/Ack_Data, 10 otherwise. */
S7_API size_t s7_pdu_header_len(uint8_t rosctr);

/* Decode a whole S7 PDU (reassembled DT payload).  Checks protocol id 0x32, a known
 * ROSCTR and header + param_len + data_len <= len (a trailing remainder is an error too:
 * returns S7_ERR_S7HDR).  Returns len. */
S7_API int s7_pdu_decode(const uint8_t *buf, size_t len, s7_pdu *out);

/* Write the header (10 or 12 bytes) from h (param/data pointers ignored).  Returns the
 * header length. */
S7_API int s7_pdu_encode_header(uint8_t *buf, size_t cap, const s7_pdu *h);

/* A 12-byte Ack with an error class/code and no parameters (e.g. 0x81/0x04 PUT/GET not
 * permitted, 0x85/0x00 PDU size exceeded). */
S7_API int s7_ack_error_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t err_class,
                               uint8_t err_code);

/* ---------------------------------------------------------------- Setup Communication */
typedef struct s7_setup {
    uint16_t amq_calling;
    uint16_t amq_called;
    uint16_t pdu_len;
} s7_setup;

/* Request (Job) or response (Ack_Data, error 0) as a whole S7 PDU. */
S7_API int s7_setup_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_setup *s);
S7_API int s7_setup_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_setup *s);
/* Decode the 8-byte parameter block of either. */
S7_API int s7_setup_decode(const s7_pdu *pdu, s7_setup *out);

/* ---------------------------------------------------------------- Read / Write Var */

/* Memory areas (S7ANY area byte). */
enum {
    S7_AREA_SI200 = 0x03,
    S7_AREA_SM200 = 0x05,
    S7_AREA_AI200 = 0x06,
    S7_AREA_AQ200 = 0x07,
    S7_AREA_C = 0x1C,
    S7_AREA_T = 0x1D,
    S7_AREA_IEC_C200 = 0x1E,
    S7_AREA_IEC_T200 = 0x1F,
    S7_AREA_P = 0x80,
    S7_AREA_I = 0x81,
    S7_AREA_Q = 0x82,
    S7_AREA_M = 0x83,
    S7_AREA_DB = 0x84,
    S7_AREA_DI = 0x85,
    S7_AREA_L = 0x86,
    S7_AREA_V = 0x87
};

/* Request transport sizes (S7ANY element type). */
enum {
    S7_TS_BIT = 0x01,
    S7_TS_BYTE = 0x02,
    S7_TS_CHAR = 0x03,
    S7_TS_WORD = 0x04,
    S7_TS_INT = 0x05,
    S7_TS_DWORD = 0x06,
    S7_TS_DINT = 0x07,
    S7_TS_REAL = 0x08,
    S7_TS_DATE = 0x09,
    S7_TS_TOD = 0x0A,
    S7_TS_TIME = 0x0B,
    S7_TS_S5TIME = 0x0C,
    S7_TS_DATE_AND_TIME = 0x0F,
    S7_TS_COUNTER = 0x1C,
    S7_TS_TIMER = 0x1D,
    S7_TS_IEC_COUNTER = 0x1E,
    S7_TS_IEC_TIMER = 0x1F,
    S7_TS_HS_COUNTER = 0x20
};

/* Data-item transport sizes (in read replies and write requests). */
enum {
    S7_DTS_NULL = 0x00,
    S7_DTS_BIT = 0x03,  /* length in bits */
    S7_DTS_BYTE = 0x04, /* length in bits */
    S7_DTS_INT = 0x05,  /* length in bits */
    S7_DTS_DINT = 0x06, /* length in bytes */
    S7_DTS_REAL = 0x07, /* length in bytes */
    S7_DTS_OCTET = 0x09 /* length in bytes */
};

/* Item return codes. */
enum {
    S7_RC_OK = 0xFF,
    S7_RC_RESERVED = 0x00,
    S7_RC_HW_FAULT = 0x01,
    S7_RC_ACCESS_DENIED = 0x03,
    S7_RC_ADDR_OUT_OF_RANGE = 0x05,
    S7_RC_TYPE_UNSUPPORTED = 0x06,
    S7_RC_TYPE_INCONSISTENT = 0x07,
    S7_RC_NOT_FOUND = 0x0A
};

/* One S7ANY variable specification (12 bytes on the wire). */
typedef struct s7_var_spec {
    uint8_t ts;     /* request transport size S7_TS_* */
    uint16_t count; /* elements of ts */
    uint16_t db;    /* DB number (0 unless area is DB/DI) */
    uint8_t area;   /* S7_AREA_* */
    uint32_t addr;  /* 24-bit address: byte * 8 + bit; element number for T/C */
} s7_var_spec;

/* One data item: a read reply item or a write request item. */
typedef struct s7_data_item {
    uint8_t rc;          /* return code: S7_RC_* in replies, 0x00 in write requests */
    uint8_t ts;          /* data transport size S7_DTS_* */
    uint16_t len_field;  /* the length field as on the wire (bits or bytes per ts) */
    const uint8_t *data; /* view: nbytes of payload (NULL / 0 for an error item) */
    uint32_t nbytes;
} s7_data_item;

/* Bytes per element of a request transport size (BIT 1, WORD 2, REAL 4, DATE_AND_TIME 8,
 * TIMER/COUNTER 2 ...); 0 for an unknown ts. */
S7_API uint32_t s7_ts_elem_size(uint8_t ts);
/* Data transport size used to carry a request transport size (BIT -> BIT, BYTE/WORD/DWORD
 * -> BYTE, INT/DINT -> INT, REAL -> REAL, everything else -> OCTET). */
S7_API uint8_t s7_ts_data_ts(uint8_t ts);
/* Payload bytes for a data ts and its length field (bits rounded up for BIT/BYTE/INT). */
S7_API uint32_t s7_dts_nbytes(uint8_t dts, uint16_t len_field);
/* Length field for a data ts carrying nbytes (x8 for BIT/BYTE/INT, except a single BIT
 * which is 1). */
S7_API uint16_t s7_dts_len_field(uint8_t dts, uint32_t nbytes);

/* Sizes used by planners (P = negotiated PDU length):
 *   read request  = 10 + 2 + 12 n
 *   read reply    = 12 + 2 + sum(4 + bytes_i + fill_i)
 *   write request = 10 + 2 + 12 n + sum(4 + bytes_i + fill_i)
 *   write reply   = 12 + 2 + n
 * fill_i = 1 when bytes_i is odd and item i is not the last. */
#define S7_READ_REQ_SIZE(n) (12u + 12u * (unsigned)(n))
#define S7_ITEM_SPEC_LEN 12u
#define S7_DATA_ITEM_HDR 4u

/* Read Var request (Job) as a whole S7 PDU: param 04, n, n specs; no data. */
S7_API int s7_read_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_var_spec *specs,
                              unsigned n);
/* Write Var request (Job): specs plus one data item per spec (rc 0x00; ts and length
 * field derived from spec ts and data[i].nbytes when data[i].ts is 0). */
S7_API int s7_write_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_var_spec *specs,
                               const s7_data_item *data, unsigned n);

/* Server role: decode the parameter block of a Read Var or Write Var Job.  *fn gets
 * S7_FN_READ / S7_FN_WRITE, *n the item count (<= max, else S7_ERR_NOSPACE).  Only syntax
 * id 0x10 (S7ANY) items are accepted; others give S7_ERR_PARAM. Returns *n. */
S7_API int s7_var_req_decode(const s7_pdu *pdu, uint8_t *fn, s7_var_spec *specs, unsigned max,
                             unsigned *n);

/* DBREAD: a Read Var item with syntax id 0xB0 (what WinCC sends an S7-400): several
 * ranges of DBs in one item, its address block (after 0x12 and the length byte) being
 * B0, the range count, then per range its length in bytes (1), DB number (2) and byte
 * offset (2).  A real CPU answers the item with return code 0xFF, transport size 0x09 and
 * per range a return code followed, when 0xFF, by the range's bytes. */
typedef struct s7_dbread_range {
    uint8_t len;    /* bytes */
    uint16_t db;    /* DB number */
    uint16_t start; /* byte offset */
} s7_dbread_range;
/* Decode a DBREAD address block (addr[0..len), starting with 0xB0) into ranges (at most
 * max).  Returns the range count, S7_ERR_PARAM when it is not a well-formed DBREAD block
 * (no range, a length that disagrees with the count) or S7_ERR_NOSPACE. */
S7_API int s7_dbread_decode(const uint8_t *addr, size_t len, s7_dbread_range *ranges, unsigned max);
/* Client role (wire/dbread.c): a Read Var Job of one DBREAD item of n ranges (1..255).
 * Returns the PDU length, S7_ERR_NOSPACE or S7_ERR_INVAL (n out of range, a range of 0
 * bytes). */
S7_API int s7_dbread_req_encode(uint8_t *buf, size_t cap, uint16_t ref,
                                const s7_dbread_range *ranges, unsigned n);
/* The answer to it: per range its return code into rcs[i] and, when 0xFF, a view of its
 * bytes into data[i] (NULL otherwise).  An item refused as a whole (return code not 0xFF)
 * sets every rcs[i] to its code.  A header error gives S7_ERR_PLC; an answer that is not
 * one item of transport size 0x09 whose ranges fill it exactly, S7_ERR_PARAM.  Returns n. */
S7_API int s7_dbread_resp_decode(const s7_pdu *pdu, const s7_dbread_range *ranges, unsigned n,
                                 uint8_t *rcs, const uint8_t **data);

/* Decode n data items from a data block.  In a read reply (is_write_req = 0) an item with
 * rc != 0xFF has no payload (its 4-byte header only); in a write request every item has a
 * payload.  Fill bytes after odd items are skipped, a trailing fill after the last item is
 * tolerated.  Returns the bytes consumed or S7_ERR_PARAM. */
S7_API int s7_data_items_decode(const uint8_t *data, size_t len, int is_write_req,
                                s7_data_item *items, unsigned n);

/* Server role: Read Var reply (Ack_Data) from n items (rc != 0xFF items are written as
 * rc 00 0000 with no data; OK items get ts/len_field derived from ts and nbytes when
 * len_field is 0; an OK item with ts 0 is sent as BYTE 0x04).  Fill bytes are 0x00, none
 * after the last item. */
S7_API int s7_read_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_data_item *items,
                               unsigned n);
/* Server role: Write Var reply (Ack_Data): param 05 n, data = n return codes. */
S7_API int s7_write_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, const uint8_t *rcs,
                                unsigned n);

/* Client role: check that pdu is an Ack_Data for fn with n items and no header error, and
 * decode the items.  Read: items[] get views of the data.  Write: rcs[] get the codes.
 * A header error gives S7_ERR_PLC (the caller reads pdu->err_class/err_code). */
S7_API int s7_read_resp_decode(const s7_pdu *pdu, s7_data_item *items, unsigned n);
S7_API int s7_write_resp_decode(const s7_pdu *pdu, uint8_t *rcs, unsigned n);

/* Client role: does pdu answer the read of specs[0..n) the way the protocol says, and its
 * items decoded (views into pdu).  A header error gives S7_ERR_PLC.  Conforming: Ack_Data,
 * function 0x04, exactly n items; each item either an error (return code other than 0xFF:
 * its 4-byte header, no data) or 0xFF with a transport size that fits what was asked (0x03
 * BIT with length 1 for a bit; 0x04 or 0x05 with the length in bits, a whole number of
 * bytes, or 0x06, 0x07, 0x09 with the length in bytes, for anything else) whose length is
 * exactly the bytes asked for, the data present, a fill byte after an odd item that is not
 * the last, and nothing after the last item (one trailing fill is tolerated).  Anything else
 * is S7_ERR_PARAM with one sentence in why (cap bytes; may be NULL): the item, what was
 * asked, what came back and where ("read reply, item 1 of 1 (asked: DB1 byte 0, 1 byte): at
 * byte 14 of the S7 PDU return code 0xFF, transport size 0x04 (...), length 40 = 5 bytes for
 * a 1-byte item").  Returns n.  The client decodes every reply through this (so a read
 * either yields exactly the bytes asked for or fails as a whole). */
S7_API int s7_read_resp_check(const s7_pdu *pdu, const s7_var_spec *specs, unsigned n,
                              s7_data_item *items, char *why, size_t cap);
/* The same for a write of n items (specs may be NULL): Ack_Data, function 0x05, n items and
 * a data block of exactly n return codes, copied into rcs. */
S7_API int s7_write_resp_check(const s7_pdu *pdu, const s7_var_spec *specs, unsigned n,
                               uint8_t *rcs, char *why, size_t cap);

/* ---------------------------------------------------------------- Userdata */
enum {
    S7_UD_GRP_MODE = 0x0, /* mode transition (pushed by the CPU) */
    S7_UD_GRP_PROG = 0x1,
    S7_UD_GRP_CYCLIC = 0x2,
    S7_UD_GRP_BLOCK = 0x3,
    S7_UD_GRP_CPU = 0x4,
    S7_UD_GRP_SECURITY = 0x5,
    S7_UD_GRP_TIME = 0x7
};
enum { S7_UD_TYPE_PUSH = 0x0, S7_UD_TYPE_REQ = 0x4, S7_UD_TYPE_RESP = 0x8 };
/* The mode a mode-transition push reports (its subfunction byte). */
enum {
    S7_UD_MODE_STOP = 0x00,
    S7_UD_MODE_WARM_RESTART = 0x01,
    S7_UD_MODE_RUN = 0x02,
    S7_UD_MODE_HOT_RESTART = 0x03,
    S7_UD_MODE_HOLD = 0x04,
    S7_UD_MODE_COLD_RESTART = 0x06,
    S7_UD_MODE_RUN_R = 0x09,
    S7_UD_MODE_LINK_UP = 0x11,
    S7_UD_MODE_UPDATE = 0x12
};
enum { S7_UD_SZL_READ = 0x01, S7_UD_CLOCK_READ = 0x01, S7_UD_CLOCK_SET = 0x02 };

/* A Userdata PDU's parameter (8 bytes when method is 0x11, 12 bytes when 0x12) and its
 * data item. */
typedef struct s7_ud {
    uint8_t method; /* 0x11 request, 0x12 response / continuation request */
    uint8_t type;   /* S7_UD_TYPE_* (high nibble of byte 5) */
    uint8_t group;  /* S7_UD_GRP_* (low nibble of byte 5) */
    uint8_t subfn;
    uint8_t seq;            /* sequence number */
    uint8_t dur;            /* data unit reference (12-byte form only) */
    uint8_t last;           /* last data unit: 0 = last, 1 = more follow (12-byte form only) */
    uint16_t err;           /* error code (12-byte form only) */
    uint8_t rc;             /* data item return code (0xFF ok, 0x0A error/empty) */
    uint8_t dts;            /* data item transport size (0x09 octets, 0x00 on error) */
    const uint8_t *payload; /* view, plen bytes */
    uint16_t plen;
} s7_ud;

/* Decode a Userdata PDU's parameter and its one data item (which must fill the data block;
 * its length is in bytes).  Returns param_len + data_len or S7_ERR_PARAM.  The mode
 * transition a 300/400 pushes after a change of mode (group 0, type push, an 8-byte
 * parameter with its own head, e.g. `01 00 10 10 00 00 00 00` after a STOP, and no data
 * item) decodes with group S7_UD_GRP_MODE, type S7_UD_TYPE_PUSH, subfn the new mode
 * (S7_UD_MODE_*) and plen 0. */
S7_API int s7_ud_decode(const s7_pdu *pdu, s7_ud *out);
/* Whole Userdata PDU: 8-byte param when u->method == 0x11, else 12. Data item
 * rc/dts/payload (an rc other than 0xFF is written as rc 00 0000). */
S7_API int s7_ud_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_ud *u);
/* *r made the head of the answer to request req: every field zero, then method 0x12, type
 * response, req's group, subfunction and sequence number (the caller sets the rest). */
S7_API void s7_ud_resp_init(s7_ud *r, const s7_ud *req);

/* SZL read request (group 4, subfunction 1): first part and continuation. */
S7_API int s7_szl_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint16_t id, uint16_t index);
S7_API int s7_szl_next_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t seq);

/* The header at the start of the first SZL reply payload. */
typedef struct s7_szl_hdr {
    uint16_t id, index;
    uint16_t rec_len;   /* LENTHDR: bytes per record */
    uint16_t rec_count; /* N_DR */
} s7_szl_hdr;
/* Decode the 8-byte SZL header at the start of payload; returns 8. */
S7_API int s7_szl_hdr_decode(const uint8_t *payload, size_t len, s7_szl_hdr *out);
S7_API int s7_szl_hdr_encode(uint8_t *buf, size_t cap, const s7_szl_hdr *h);

/* Date and time (DATE_AND_TIME BCD layout and the clock functions). */
typedef struct s7_datetime {
    uint16_t year; /* 1990..2089 */
    uint8_t month; /* 1..12 */
    uint8_t day;   /* 1..31 */
    uint8_t hour, min, sec;
    uint16_t msec; /* 0..999 */
    uint8_t wday;  /* 1 = Sunday .. 7 = Saturday; 0 = compute from the date */
} s7_datetime;

/* 8-byte BCD DATE_AND_TIME.  decode checks every BCD digit and range (S7_ERR_VALUE). */
S7_API int s7_dt_encode(uint8_t out[8], const s7_datetime *t);
S7_API int s7_dt_decode(const uint8_t in[8], s7_datetime *out);
/* Weekday 1 = Sunday .. 7 = Saturday of a Gregorian date. */
S7_API uint8_t s7_weekday(uint16_t year, uint8_t month, uint8_t day);

/* Clock (group 7): read request, set request; the 10-byte clock payload (reserved,
 * year-high BCD, 8-byte DATE_AND_TIME). */
S7_API int s7_clock_read_req_encode(uint8_t *buf, size_t cap, uint16_t ref);
S7_API int s7_clock_set_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_datetime *t);
S7_API int s7_clock_payload_encode(uint8_t out[10], const s7_datetime *t);
S7_API int s7_clock_payload_decode(const uint8_t *p, size_t len, s7_datetime *out);

/* ---------------------------------------------------------------- cyclic data, alarms */

/* Cyclic data (Userdata group 2) subfunctions. */
enum {
    S7_CYC_TRANSFER = 0x01,    /* push the items at every cycle */
    S7_CYC_UNSUBSCRIBE = 0x04, /* end a job: data FUNCTION JOB */
    S7_CYC_CHANGE = 0x05,      /* push when a value changed (looked at every cycle) */
    S7_CYC_MODIFY = 0x07       /* change the items / cycle of a change-driven job */
};
enum { S7_UD_MSG_SERVICE = 0x02, S7_UD_ALARM_QUERY = 0x13 };

/* A cycle in ms as time base (0 = 100 ms, 1 = 1 s, 2 = 10 s) and factor (1..255): the
 * finest base that can count it, rounded to the nearest step.  Returns the cycle coded
 * (ms), S7_ERR_INVAL for 0, S7_ERR_VALUE past 2550 s. */
S7_API int s7_cyclic_cycle(uint32_t ms, uint8_t *base, uint8_t *factor);
/* Subscribe request (subfn S7_CYC_TRANSFER or S7_CYC_CHANGE; S7_CYC_MODIFY changes job
 * `job`): n S7ANY items, the cycle.  Bytes written or a negative error. */
S7_API int s7_cyclic_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t subfn, uint8_t job,
                                uint32_t cycle_ms, const s7_var_spec *specs, unsigned n);
/* Unsubscribe request for job `job` made by subfunction subfn. */
S7_API int s7_cyclic_unsub_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t subfn,
                                  uint8_t job);
/* The data of a subscribe answer or a push (00 NN, then NN data items as a Read Var answer
 * has them) into items (views into payload).  Returns NN (<= max) or S7_ERR_PARAM. */
S7_API int s7_cyclic_data_decode(const uint8_t *payload, size_t plen, s7_data_item *items,
                                 unsigned max);

/* Alarm types of the alarm query. */
enum { S7_ALARM_8 = 0x02, S7_ALARM_S = 0x04 };
/* One object of an alarm query answer. */
typedef struct s7_alarm {
    uint8_t type;       /* S7_ALARM_8 / S7_ALARM_S */
    uint32_t event_id;  /* the message's event ID */
    uint8_t state;      /* one bit per signal: active now */
    uint8_t ack_going;  /* one bit per signal: its going acknowledged */
    uint8_t ack_coming; /* one bit per signal: its coming acknowledged */
    int has_came;       /* came holds when it came (ALARM_S objects) */
    s7_datetime came;
} s7_alarm;
/* Message service request (group 4 subfunction 0x02), as WinCC registers: the event bits
 * (0x80 alarms, 0x01 mode changes, ...; 0x00 ends), the 8-character user name (blank
 * padded) and, when alarm_type >= 0, the alarm registration type (0x09 ALARM_S, 0x05 ALARM,
 * 0x08 / 0x04 their end). */
S7_API int s7_msg_service_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t events,
                                 const char user[8], int alarm_type);
/* Alarm query request (group 4 subfunction 0x13) for alarms of alarm_type, by alarm type. */
S7_API int s7_alarm_query_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t alarm_type);
/* The objects of an alarm query answer's data (up to max into out; out may be NULL).
 * Returns how many the answer holds (0 for the empty answer) or S7_ERR_PARAM. */
S7_API int s7_alarm_query_decode(const uint8_t *payload, size_t plen, s7_alarm *out, unsigned max);

/* ---------------------------------------------------------------- PLC control */
enum { S7_START_HOT = 0, S7_START_COLD = 1 };

/* PLC Stop (0x29 "P_PROGRAM") and PI start (0x28, hot or cold) Job PDUs. */
S7_API int s7_plc_stop_req_encode(uint8_t *buf, size_t cap, uint16_t ref);
S7_API int s7_plc_start_req_encode(uint8_t *buf, size_t cap, uint16_t ref, int mode);

/* Server role: decode a 0x28/0x29 Job's parameter.  *fn gets 0x28/0x29, *service the PI
 * service name view ("P_PROGRAM"), *mode S7_START_HOT/COLD for 0x28 (cold when the
 * argument block is "C "). */
typedef struct s7_plc_ctrl {
    uint8_t fn;
    int mode;
    const uint8_t *service;
    uint8_t service_len;
    const uint8_t *arg;
    uint16_t arg_len;
} s7_plc_ctrl;
/* Returns the parameter length, or S7_ERR_PARAM (not a Job, data present, lengths wrong). */
S7_API int s7_plc_ctrl_decode(const s7_pdu *pdu, s7_plc_ctrl *out);
/* Reply to a control job: Ack_Data, param = fn (+ status byte when status != 0). */
S7_API int s7_plc_ctrl_resp_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t fn,
                                   uint8_t status);
/* Client role: decode the reply to a control job.  *fn gets 0x28/0x29, *status the status
 * byte (0 when absent; Snap7: stop 0x07 = already stopped, start 0x03 = already running,
 * 0x02 = cannot start).  A header error gives S7_ERR_PLC.  Returns the parameter length. */
S7_API int s7_plc_ctrl_resp_decode(const s7_pdu *pdu, uint8_t *fn, uint8_t *status);

/* ---------------------------------------------------------------- BSEND / USEND (PBC) */
/* The partner services of function group 6 ("PBC", programmed block communication):
 * BSEND/BRCV send a block of up to 65,534 bytes in Userdata segments, each acknowledged by
 * the receiver; USEND/URCV send one unacknowledged PDU.  Layouts: docs/exchange.md. */
enum { S7_UD_GRP_PBC = 0x6 };
#define S7_BSEND_MAX 65534u /* the largest BSEND block (LEN is a WORD, 0xFFFF not used) */
#define S7_BSEND_OVERHEAD \
    34u /* a segment PDU besides its data: header 10, param 12, item 4,
                                 PBC head 8 (12 06 13 00 + R_ID) */
#define S7_USEND_OVERHEAD \
    28u /* a USEND PDU besides its data: header 10, param 10, data
                                 head 4, item head 4 */

/* One BSEND segment (type S7_UD_TYPE_REQ) or its acknowledgement (S7_UD_TYPE_RESP). */
typedef struct s7_bsend {
    uint8_t type;        /* S7_UD_TYPE_REQ or S7_UD_TYPE_RESP */
    uint8_t seq;         /* sequence number: 0 in a first segment, then the receiver's */
    uint8_t dur;         /* data unit reference: 0 when unsegmented, else one per block */
    uint8_t last;        /* 0: last segment, 1: more follow */
    uint16_t err;        /* parameter error code (0 = accepted) */
    uint32_t r_id;       /* segments: the R_ID the block is sent under */
    const uint8_t *data; /* segments: bytes after the PBC head (view; the first segment's
                            start with the block's 2-byte total length) */
    uint16_t dlen;
} s7_bsend;

/* A whole segment PDU: s->seq/dur/last/r_id; data (n bytes) preceded, when first, by the
 * 2-byte total length.  Returns the PDU length or S7_ERR_NOSPACE / S7_ERR_INVAL. */
S7_API int s7_bsend_seg_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_bsend *s, int first,
                               uint16_t total, const uint8_t *data, uint16_t n);
/* A whole acknowledgement PDU (sequence number seq, error err). */
S7_API int s7_bsend_ack_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t seq, uint16_t err);
/* Decode a group-6 Userdata PDU (segment or acknowledgement).  Returns 0 or S7_ERR_PARAM
 * (not group 6, lengths that disagree, a segment without its PBC head). */
S7_API int s7_bsend_decode(const s7_pdu *pdu, s7_bsend *out);
/* The most data bytes one segment carries at PDU length pdu (the first carries 2 fewer);
 * 0 when pdu is too small. */
S7_API uint32_t s7_bsend_seg_max(uint16_t pdu, int first);

/* A whole USEND PDU (R_ID, one data item of n bytes). */
S7_API int s7_usend_encode(uint8_t *buf, size_t cap, uint16_t ref, uint32_t r_id,
                           const uint8_t *data, uint16_t n);
/* Is pdu a USEND (Userdata, syntax id 0x13 in the parameter)? */
S7_API int s7_usend_is(const s7_pdu *pdu);
/* Decode a USEND: its R_ID and the first item's data (view).  0 or S7_ERR_PARAM. */
S7_API int s7_usend_decode(const s7_pdu *pdu, uint32_t *r_id, const uint8_t **data, uint16_t *n);
/* The most data bytes a USEND carries at PDU length pdu. */
S7_API uint32_t s7_usend_max(uint16_t pdu);

/* ---------------------------------------------------------------- block services */
/* Block types: the letter real CPUs put after '0' in block names ("0A00010B" = DB10). */
enum {
    S7_BLOCK_OB = 0x38,
    S7_BLOCK_DB = 0x41,
    S7_BLOCK_SDB = 0x42,
    S7_BLOCK_FC = 0x43,
    S7_BLOCK_SFC = 0x44,
    S7_BLOCK_FB = 0x45,
    S7_BLOCK_SFB = 0x46
};
/* One block as the block services name it: '0', the type letter, five decimal digits and
 * the file system ('A' active, 'P' passive, 'B' both). */
typedef struct s7_block_id {
    uint8_t type;    /* S7_BLOCK_* */
    uint16_t number; /* 0..65535 (five digits on the wire, at most 99999) */
    uint8_t fs;      /* 'A', 'P', 'B' */
} s7_block_id;
/* The 8 name characters into out.  Returns 8 or S7_ERR_INVAL (unknown type). */
S7_API int s7_block_id_encode(uint8_t out[8], const s7_block_id *id);
/* Decode 8 name characters.  Returns 8 or S7_ERR_PARAM (not '0', a type letter, five
 * digits of a number <= 65535). */
S7_API int s7_block_id_decode(const uint8_t *p, size_t len, s7_block_id *out);
/* "DB", "OB", "FC", ... for a type letter, "?" for others. */
S7_API const char *s7_block_type_name(uint8_t type);
/* The sub-block type byte that block images and block info carry for a type letter (0x08 OB,
 * 0x0A DB, 0x0B SDB, 0x0C FC, 0x0D SFC, 0x0E FB, 0x0F SFB), and the type letter of such a
 * byte; 0 for any other. */
S7_API uint8_t s7_block_sub_type(uint8_t type);
S7_API uint8_t s7_block_type_of_sub(uint8_t sub);

/* The Job of an upload (0x1D start, 0x1E upload, 0x1F end) or download (0x1A request,
 * 0x1B download block, 0x1C end: 0x1B and 0x1C are sent by the CPU to the PG). */
typedef struct s7_block_job {
    uint8_t fn;         /* S7_FN_REQ_DOWNLOAD .. S7_FN_UPLOAD_END */
    uint8_t status;     /* function status byte (0 in requests seen) */
    uint32_t upload_id; /* 0x1E / 0x1F: the id the start answered; 0 otherwise */
    int has_name;       /* 0x1A, 0x1B, 0x1C, 0x1D: a file name "_" + block id */
    s7_block_id id;
    uint32_t load_len; /* 0x1A: load memory length (six digits) */
    uint32_t mc7_len;  /* 0x1A: MC7 (code / data) length (six digits) */
} s7_block_job;
/* Encode the Job PDU.  Returns the PDU length or S7_ERR_NOSPACE / S7_ERR_INVAL. */
S7_API int s7_block_job_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_block_job *j);
/* Decode a Job PDU of one of those functions.  Returns the parameter length or
 * S7_ERR_PARAM. */
S7_API int s7_block_job_decode(const s7_pdu *pdu, s7_block_job *out);

/* The Ack_Data answering such a Job. */
typedef struct s7_block_ack {
    uint8_t fn;
    uint8_t status;      /* 0x1B / 0x1E: 1 = more data follows, 0 = last part */
    uint32_t upload_id;  /* 0x1D answer */
    uint32_t block_len;  /* 0x1D answer: the block's length in bytes (decimal string) */
    const uint8_t *data; /* 0x1B / 0x1E answers: the block bytes of this part (view) */
    uint16_t dlen;
} s7_block_ack;
/* Encode: 0x1A, 0x1C, 0x1F: parameter fn only; 0x1D: fn, status, 01 00, id, length string;
 * 0x1B, 0x1E: fn, status and a data block (length, 00 FB, bytes). */
S7_API int s7_block_ack_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_block_ack *a);
/* Decode such an Ack_Data (fn from its parameter).  A header error gives S7_ERR_PLC.
 * Returns the parameter length or S7_ERR_PARAM. */
S7_API int s7_block_ack_decode(const s7_pdu *pdu, s7_block_ack *out);

/* PI services on blocks (0x28 "_INSE" activate, "_DELE" delete): the argument block is a
 * count, 00, then 8 name characters per block.  Encode a request for n ids. */
S7_API int s7_pi_blocks_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const char *service,
                                   const s7_block_id *ids, unsigned n);
/* The ids of a PI argument block (at most max).  Returns the count or S7_ERR_PARAM. */
S7_API int s7_pi_blocks_decode(const uint8_t *arg, size_t len, s7_block_id *ids, unsigned max);

/* Block functions (Userdata group 3): list blocks (subfunction 1), list blocks of a type
 * (2, its continuation through s7_ud_next_req_encode), block info (3). */
S7_API int s7_block_list_req_encode(uint8_t *buf, size_t cap, uint16_t ref);
S7_API int s7_block_list_type_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t type);
S7_API int s7_block_info_req_encode(uint8_t *buf, size_t cap, uint16_t ref, const s7_block_id *id);
/* A continuation request of group/subfunction with the sequence number of the answer. */
S7_API int s7_ud_next_req_encode(uint8_t *buf, size_t cap, uint16_t ref, uint8_t group,
                                 uint8_t subfn, uint8_t seq);

/* The block info answer's payload (78 bytes, the fields clients show). */
typedef struct s7_block_info {
    uint8_t type; /* S7_BLOCK_* (from the sub-block type) */
    uint16_t number;
    uint8_t flags;     /* block flags (bit 0 linked, bit 3 know-how protected) */
    uint8_t lang;      /* 1 STL, 2 LAD, 3 FBD, 4 SCL, 5 DB, 6 GRAPH, 7 SDB ... */
    uint8_t sub_type;  /* 0x08 OB, 0x0A DB, 0x0B SDB, 0x0C FC, 0x0D SFC, 0x0E FB, 0x0F SFB */
    int know_how;      /* flags bit 3 (system blocks are: a 315-2 answers 0x09) */
    uint32_t load_len; /* load memory length */
    uint32_t security;
    uint16_t ssb_len, add_len, local_len, mc7_len;
    char author[9], family[9], name[9]; /* NUL-terminated, trailing NULs / blanks cut */
    uint8_t version;                    /* high nibble major, low minor */
    uint16_t checksum;
    uint8_t code_time[6], intf_time[6]; /* S7 timestamps (ms of day 4, days since 1984 2) */
} s7_block_info;
S7_API int s7_block_info_encode(uint8_t out[78], const s7_block_info *bi);
S7_API int s7_block_info_decode(const uint8_t *p, size_t len, s7_block_info *out);

#ifdef __cplusplus
}
#endif
#endif
