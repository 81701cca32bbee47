/* s7kit tags: the address grammar (every common dialect) and typed values.
 *
 * Dialects accepted by s7_tag_parse():
 *   Step 7 / TIA  DB1.DBX0.0  DB1.DBB2  DB1.DBW4  DB1.DBD8  MB10 MW10 MD10 M1.2 IB0 I0.0
 *                 QW2 Q0.1 T5 C3 PIW256 PQW256; German E/A/Z/PE/PA (EB0 E0.0 AB0 A0.1 Z3
 *                 PEW256); DI areas (DI2.DIW0); a type suffix overrides the width's type:
 *                 DB1.DBD8:REAL, DB1.DBB10:STRING[20], MW4:INT[3]
 *   PLC4X         %DB1:4:REAL  %DB1.DBX0.0:BOOL  %MW10:INT[4]  %I0.0:BOOL  %DB1:0:STRING(10)
 *   nodes7        DB1,REAL4  DB1,INT2.5 (5 INTs)  DB1,X0.1  DB1,S10.20  MR4  IW0  QB1
 *   S7-200/LOGO!  VB10 VW10 VD10 V10.3  (V memory = DB1)
 * Every tag prints back in one canonical form with s7_tag_format() (Step 7 style with a
 * type suffix when the type is not the width's default, e.g. "DB1.DBD8:REAL").
 * Default types by width: X/bit -> BOOL, B -> BYTE, W -> WORD, D -> DWORD, T -> TIMER,
 * C/Z -> COUNTER. */
#ifndef S7_TAG_H
#define S7_TAG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "wire.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum s7_type {
    S7_T_BOOL,
    S7_T_BYTE,
    S7_T_WORD,
    S7_T_DWORD,
    S7_T_LWORD,
    S7_T_SINT,
    S7_T_USINT,
    S7_T_INT,
    S7_T_UINT,
    S7_T_DINT,
    S7_T_UDINT,
    S7_T_LINT,
    S7_T_ULINT,
    S7_T_REAL,
    S7_T_LREAL,
    S7_T_CHAR,
    S7_T_WCHAR,
    S7_T_STRING,        /* 2-byte header (max, actual) + max chars */
    S7_T_WSTRING,       /* 4-byte header (max, actual as words) + 2 * max bytes */
    S7_T_DATE,          /* days since 1990-01-01, 2 bytes */
    S7_T_TIME,          /* signed ms, 4 bytes */
    S7_T_TOD,           /* ms since midnight, 4 bytes */
    S7_T_S5TIME,        /* 2 bytes: time base + 3 BCD digits */
    S7_T_DATE_AND_TIME, /* 8 bytes BCD */
    S7_T_DTL,           /* 12 bytes */
    S7_T_TIMER,         /* T area element: S5TIME word */
    S7_T_COUNTER,       /* C area element: BCD count word */
    S7_T__COUNT
} s7_type;

typedef struct s7_tag {
    uint8_t area;  /* S7_AREA_* */
    uint16_t db;   /* DB/DI number, 0 otherwise */
    uint32_t byte; /* byte offset (element number for T/C) */
    uint8_t bit;   /* 0..7, BOOL only */
    s7_type type;
    uint16_t strlen; /* STRING[n] / WSTRING[n]: n (max characters) */
    uint32_t count;  /* array elements, 1 when not an array */
    uint8_t array;   /* 1 when written with [n] (prints back as an array even for n = 1) */
} s7_tag;

/* Parse an address in any dialect above.  On failure returns S7_ERR_ADDR (or S7_ERR_TYPE
 * for a type that does not fit, e.g. "MW0:REAL") and, when err is not NULL, writes a
 * message that names the wrong part and what would be right, e.g.
 *   "bit number 8 in 'M1.8' must be 0..7". */
S7_API int s7_tag_parse(const char *text, s7_tag *out, char *err, size_t errcap);

/* Canonical form; returns the length written (snprintf style, NUL-terminated). */
S7_API int s7_tag_format(const s7_tag *t, char *buf, size_t cap);

/* ANY pointers (tag/anyptr.c): "P#DB30.DBX0.0 BYTE 100", "P#M10.0 BYTE 4", "P#I0.0 BOOL 8",
 * "P#Q4.0 WORD 2", "P#T 5 TIMER 3", "P#C 0 COUNTER 2" (German E/A/Z for I/Q/C; case does
 * not matter).  The start needs its bit (.0 for every type but BOOL); the count is
 * 1..65535 elements of BOOL, BYTE, CHAR, WORD, INT, DWORD, DINT, REAL, DATE, TOD, TIME,
 * S5TIME, DT, TIMER or COUNTER.  The result is an array of count elements of that type
 * (also for a count of 1: "P#DB1.DBX0.5 BOOL 1" is DB1.DBX0.5:BOOL[1]), so s7_tag_parse
 * accepts ANY pointers too.  S7_ERR_ADDR with
 * "ANY pointer 'TEXT': what is wrong; the forms" in err. */
S7_API int s7_anyptr_parse(const char *text, s7_tag *out, char *err, size_t errcap);
/* A tag as an ANY pointer ("P#DB30.DBX0.0 BYTE 100"); snprintf-style length.  A type an
 * ANY pointer does not name (LREAL, STRING[n], DTL, UDINT, ...) is given as the BYTEs it
 * takes ("DB1.DBB10:STRING[20]" -> "P#DB1.DBX10.0 BYTE 22").  S7_ERR_ADDR, buf untouched,
 * for an area the ANY pointers here do not address (the peripheral area PI/PQ, L, V, ...):
 * only DB/DI, I, Q, M, T and C. */
S7_API int s7_anyptr_format(const s7_tag *t, char *buf, size_t cap);
/* 1 when text (after blanks) starts with "P#". */
S7_API int s7_anyptr_is(const char *text);

/* Durations (tag/duration.c) with units: "500ms", "0.5s", "2 s", "1.5 min", "1h"; units
 * ms, s, min, h (case-insensitive, blank optional).  A bare number is in bare_unit_ms
 * milliseconds (1 where a setting is in ms, 1000 where it is in seconds) or refused when
 * bare_unit_ms is 0.  The result is whole milliseconds in min_ms..max_ms (fractions that
 * fall between milliseconds are refused).  0, or S7_ERR_INVAL with "'TEXT': what is
 * wrong; e.g. 500ms, 0.5s, 2 s, 1min" in err. */
S7_API int s7_duration_parse(const char *text, long bare_unit_ms, long min_ms, long max_ms,
                             long *ms, char *err, size_t errcap);
/* "500 ms", "2 s", "1.5 s", "1 min", "2 h" into buf; snprintf-style length. */
S7_API int s7_duration_format(long ms, char *buf, size_t cap);

/* Bytes the tag occupies in PLC memory (element size * count; a BOOL array of n bits
 * counts n bytes as it is read bit by bit element-wise: see s7_tag_spec). */
S7_API uint32_t s7_tag_size(const s7_tag *t);
/* Size of one element of the type (STRING[n] = n + 2, WSTRING[n] = 2n + 4, BOOL = 1). */
S7_API uint32_t s7_type_size(s7_type type, uint16_t strlen);

/* The S7ANY spec that reads / writes the tag: a single BOOL -> TS BIT at byte*8+bit;
 * TIMER -> TS TIMER and COUNTER -> TS COUNTER (addr = element number, count elements);
 * everything else TS BYTE at byte*8 with count = s7_tag_wire_size().  A BOOL array of n
 * is n consecutive bits from byte.bit, transferred as the bytes that cover them. */
S7_API void s7_tag_spec(const s7_tag *t, s7_var_spec *spec);
/* Bytes the spec returned by s7_tag_spec() transfers. */
S7_API uint32_t s7_tag_wire_size(const s7_tag *t);

/* ---------------------------------------------------------------- items */

/* One item to read or write.  start is a byte offset (element number for T/C); bit is
 * used only with ts == S7_TS_BIT.  count elements of ts are transferred; buf holds
 * count * s7_ts_elem_size(ts) bytes (one byte 0/1 for a BIT).  Any count: the planner
 * splits items larger than a PDU and merges nearby ones.  An item must end within the first
 * 64 KB of its area (start + its bytes <= 65536; timers and counters: start + count <= 65536
 * elements), as every address s7_tag_parse takes does; one past that gets status
 * S7_ERR_INVAL and is not sent. */
typedef struct s7_item {
    uint8_t area; /* S7_AREA_* */
    uint16_t db;
    uint8_t ts; /* S7_TS_*: 0 means S7_TS_BYTE */
    uint32_t start;
    uint8_t bit;
    uint32_t count;
    void *buf;
    /* results */
    int status; /* 0 ok; S7_ERR_ITEM (rc says why), S7_ERR_TOOBIG, S7_ERR_INVAL... */
    uint8_t rc; /* PLC item return code of the (first) failing part; 0xFF ok */
} s7_item;

/* Fill an item from a parsed tag; buf must hold s7_tag_wire_size(t) bytes. */
S7_API void s7_item_from_tag(s7_item *it, const s7_tag *t, void *buf);

/* Type names: "REAL", "STRING" ...; s7_type_from_name is case-insensitive, also takes
 * "DT" and "TIME_OF_DAY", and returns 0 or S7_ERR_TYPE. */
S7_API const char *s7_type_name(s7_type type);
S7_API int s7_type_from_name(const char *name, size_t len, s7_type *out);

/* Format the value of t held in wire bytes (s7_tag_wire_size(t) bytes, big-endian as read
 * from the PLC) as text: numbers in decimal, REAL with the shortest round-trip form,
 * BOOL true/false, CHAR/STRING as text, DATE 2026-11-21, TOD 13:45:00.123, TIME
 * T#1d2h3m4s5ms, S5TIME S5T#1s200ms, DATE_AND_TIME / DTL 2026-11-21 13:45:00.123,
 * arrays as [a, b, c].  json != 0 produces JSON: strings quoted and escaped, arrays as
 * JSON arrays, non-finite REAL as null.  Returns the length (snprintf style), or
 * S7_ERR_INVAL when len < s7_tag_wire_size(t).  Bytes that are no valid value of the type
 * (bad BCD, month 13) print as raw hex "16#..." which s7_value_parse reads back. */
S7_API int s7_value_format(const s7_tag *t, const uint8_t *wire, size_t len, int json, char *buf,
                           size_t cap);

/* Parse a text value for t into wire bytes (s7_tag_wire_size(t) bytes into out).  Accepts
 * what s7_value_format prints plus common forms (16#FF, 0xFF, true/false/1/0, T#5s,
 * S5T#2s, quotes around strings optional, arrays as [a, b] or a,b).  A BOOL array or
 * BOOL write replaces only the addressed bits: out must hold the current bytes.  On
 * failure returns S7_ERR_VALUE and writes a message naming what is wrong and what would
 * be right, e.g. "'300' is out of range for BYTE (0..255)".  Returns s7_tag_wire_size(t)
 * on success, S7_ERR_NOSPACE when cap is smaller; after a failure out may be partly
 * written. */
S7_API int s7_value_parse(const s7_tag *t, const char *text, uint8_t *out, size_t cap, char *err,
                          size_t errcap);

/* Big-endian typed access to PLC memory images. */
S7_API uint16_t s7_get_u16(const uint8_t *p);
S7_API uint32_t s7_get_u32(const uint8_t *p);
S7_API uint64_t s7_get_u64(const uint8_t *p);
S7_API float s7_get_real(const uint8_t *p);
S7_API double s7_get_lreal(const uint8_t *p);
S7_API void s7_set_u16(uint8_t *p, uint16_t v);
S7_API void s7_set_u32(uint8_t *p, uint32_t v);
S7_API void s7_set_u64(uint8_t *p, uint64_t v);
S7_API void s7_set_real(uint8_t *p, float v);
S7_API void s7_set_lreal(uint8_t *p, double v);

#ifdef __cplusplus
}
#endif
#endif
