/* The address grammar (s7_tag_parse): Step 7 / TIA (English and German mnemonics),
 * PLC4X (%DB1:4:REAL), nodes7 (DB1,REAL4) and S7-200/LOGO! V memory, with an optional
 * ":TYPE" suffix.  Every error names the wrong part and what would be right.
 * docs/addresses.md describes the grammar. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "s7/tag.h"
#include "tag/internal.h"

#define ADDR_MAX 200

/* Parser state: the trimmed input as typed (for messages) and an upper-case copy. */
typedef struct pst {
    const char *orig;
    size_t olen;
    char u[ADDR_MAX + 1];
    size_t n;
    size_t i;
    size_t start; /* after a leading '%' */
    char *err;
    size_t errcap;
} pst;

/* What the address part said, before the type is resolved. */
typedef struct addr {
    uint8_t area;
    uint16_t db;
    int vmem; /* V memory (DB1) */
    uint32_t byte;
    int has_bit;
    uint32_t bit;
    char width; /* 0, 'X', 'B', 'W', 'D' */
    int typed;  /* a nodes7 letter or word named the type */
    s7_type type;
    int has_strlen;
    uint32_t strlen_;
    int has_count;
    uint32_t count;
    int plc4x_short; /* %DB1:4:TYPE: the type is required */
    size_t addr_end; /* end of the address part (before ':TYPE') */
    /* suffix */
    int has_suffix;
    s7_type stype;
    int s_has_strlen;
    uint32_t s_strlen;
    int s_has_count;
    uint32_t s_count;
} addr;

#define QA(p) (int)(p)->olen, (p)->orig

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
perr(pst *p, int rc, const char *fmt, ...)
{
    if (p->err && p->errcap) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errcap, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static int is_alpha(char c) { return c >= 'A' && c <= 'Z'; }

static char cur(const pst *p) { return p->i < p->n ? p->u[p->i] : '\0'; }

static char at(const pst *p, size_t k) { return k < p->n ? p->u[k] : '\0'; }

/* Read a run of decimal digits; saturates at 0xFFFFFFFF.  Returns the digit count and
 * the start of the run in *from. */
static size_t read_num(pst *p, uint32_t *v, size_t *from)
{
    uint64_t acc = 0;
    size_t s = p->i;
    while (is_digit(cur(p))) {
        acc = acc * 10 + (uint64_t)(cur(p) - '0');
        if (acc > 0xFFFFFFFFu)
            acc = 0xFFFFFFFFu;
        p->i++;
    }
    *v = (uint32_t)acc;
    if (from)
        *from = s;
    return p->i - s;
}

/* A run of letters at the cursor; returns its length. */
static size_t read_letters(pst *p)
{
    size_t s = p->i;
    while (is_alpha(cur(p)))
        p->i++;
    return p->i - s;
}

static const char type_list[] =
    "BOOL, BYTE, WORD, DWORD, LWORD, SINT, USINT, INT, UINT, DINT, UDINT, LINT, ULINT, "
    "REAL, LREAL, CHAR, WCHAR, STRING[n], WSTRING[n], DATE, TIME, TOD, S5TIME, "
    "DATE_AND_TIME, DTL";

/* nodes7 type words after "DB1," (full type names are accepted too). */
static int nodes7_type(const char *w, size_t n, s7_type *t, int *is_bit)
{
    static const struct {
        const char *w;
        s7_type t;
    } map[] = {
        {"X", S7_T_BOOL},           {"B", S7_T_BYTE},   {"C", S7_T_CHAR},
        {"W", S7_T_WORD},           {"I", S7_T_INT},    {"DW", S7_T_DWORD},
        {"DI", S7_T_DINT},          {"R", S7_T_REAL},   {"LR", S7_T_LREAL},
        {"LI", S7_T_LINT},          {"S", S7_T_STRING}, {"WS", S7_T_WSTRING},
        {"DT", S7_T_DATE_AND_TIME},
    };
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        if (strlen(map[k].w) == n && memcmp(map[k].w, w, n) == 0) {
            *t = map[k].t;
            *is_bit = map[k].t == S7_T_BOOL;
            return 0;
        }
    }
    if (s7_type_from_name(w, n, t) == 0) {
        *is_bit = *t == S7_T_BOOL;
        return 0;
    }
    return -1;
}

/* Optional ".N" parts after the byte offset: up to max numbers into v[]. */
static int read_dots(pst *p, uint32_t *v, size_t *vfrom, size_t *vlen, int max, int *nd)
{
    *nd = 0;
    while (cur(p) == '.') {
        p->i++;
        if (!is_digit(cur(p)))
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a number after '.'", QA(p));
        if (*nd >= max) {
            size_t s = p->i - 1;
            while (is_digit(cur(p)))
                p->i++;
            return perr(p, S7_ERR_ADDR, "unexpected '%.*s' in '%.*s'", (int)(p->i - s), p->orig + s,
                        QA(p));
        }
        vlen[*nd] = read_num(p, &v[*nd], &vfrom[*nd]);
        (*nd)++;
    }
    return 0;
}

static int check_bit(pst *p, uint32_t bit, size_t from, size_t len)
{
    if (bit > 7)
        return perr(p, S7_ERR_ADDR, "bit number %.*s in '%.*s' must be 0..7", (int)len,
                    p->orig + from, QA(p));
    return 0;
}

/* The byte offset just read (olen digits at ofrom) into a->byte: 0..65535. */
static int set_byte(pst *p, addr *a, uint32_t off, size_t ofrom, size_t olen)
{
    if (off > 65535)
        return perr(p, S7_ERR_ADDR, "byte offset %.*s in '%.*s' must be 0..65535", (int)olen,
                    p->orig + ofrom, QA(p));
    a->byte = off;
    return 0;
}

/* The bit number after the '.' just passed (0..7) into a->bit. */
static int read_bit(pst *p, addr *a)
{
    uint32_t bit;
    size_t bfrom, blen = read_num(p, &bit, &bfrom);
    if (blen == 0)
        return perr(p, S7_ERR_ADDR, "'%.*s' needs a bit number after '.' (0..7)", QA(p));
    int rc = check_bit(p, bit, bfrom, blen);
    if (rc)
        return rc;
    a->has_bit = 1;
    a->bit = bit;
    return 0;
}

/* The numbers after the byte offset that read_dots read (nd >= 1): the bit number (0..7)
 * and, when there is a second, the count. */
static int set_bit_dots(pst *p, addr *a, const uint32_t *v, const size_t *vf, const size_t *vl,
                        int nd)
{
    int rc = check_bit(p, v[0], vf[0], vl[0]);
    if (rc)
        return rc;
    a->has_bit = 1;
    a->bit = v[0];
    if (nd > 1)
        a->has_count = 1, a->count = v[1];
    return 0;
}

/* DB<n> / DI<n> forms: Step 7 "DB1.DBX0.0", nodes7 "DB1,REAL4", PLC4X "DB1:4:REAL". */
static int parse_db(pst *p, addr *a)
{
    size_t s = p->i;
    a->area = at(p, s + 1) == 'I' ? S7_AREA_DI : S7_AREA_DB;
    p->i += 2;
    uint32_t db;
    size_t dfrom, dlen = read_num(p, &db, &dfrom);
    if (db < 1 || db > 65535 || dlen > 5)
        return perr(p, S7_ERR_ADDR, "'%.*s' is not a valid DB number (1..65535)", (int)(p->i - s),
                    p->orig + s);
    a->db = (uint16_t)db;
    size_t dbend = p->i;
    char c = cur(p);
    if (c == '.') {
        p->i++;
        size_t ws = p->i;
        if (!((cur(p) == 'D' && (at(p, p->i + 1) == 'B' || at(p, p->i + 1) == 'I'))))
            return perr(p, S7_ERR_ADDR,
                        "after '%.*s.' expected DBX, DBB, DBW or DBD (e.g. %.*s.DBW0) in '%.*s'",
                        (int)(dbend - p->start), p->orig + p->start, (int)(dbend - p->start),
                        p->orig + p->start, QA(p));
        p->i += 2;
        size_t nl = read_letters(p);
        if (nl > 1 || (nl == 1 && !strchr("XBWD", p->u[p->i - 1])))
            return perr(p, S7_ERR_ADDR,
                        "unknown width '%.*s' in '%.*s' (use DBX bit, DBB byte, DBW word, DBD "
                        "double word)",
                        (int)(p->i - ws), p->orig + ws, QA(p));
        a->width = nl ? p->u[p->i - 1] : 0;
        uint32_t off;
        size_t ofrom, olen = read_num(p, &off, &ofrom);
        if (olen == 0)
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a byte offset after %.*s",
                        (int)(p->i - p->start), p->orig + p->start, (int)(p->i - ws), p->orig + ws);
        int rc = set_byte(p, a, off, ofrom, olen);
        if (rc)
            return rc;
        if (cur(p) == '.' && (a->width == 'X' || a->width == 0)) {
            p->i++;
            rc = read_bit(p, a);
            if (rc)
                return rc;
        } else if (a->width == 'X') {
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a bit number: %.*s.0", (int)(p->i - p->start),
                        p->orig + p->start, (int)(p->i - p->start), p->orig + p->start);
        } else if (a->width == 0 && cur(p) != ':') {
            int dl = (int)(dbend - p->start), ol = (int)olen;
            const char *dp = p->orig + p->start, *op = p->orig + ofrom;
            return perr(p, S7_ERR_ADDR,
                        "'%.*s' needs a width or a type: %.*s.DBB%.*s, %.*s.DBW%.*s, "
                        "%.*s.DBD%.*s, %.*s.DBX%.*s.0 or %.*s:INT",
                        QA(p), dl, dp, ol, op, dl, dp, ol, op, dl, dp, ol, op, dl, dp, ol, op,
                        QA(p));
        }
        return 0;
    }
    if (c == ',') {
        p->i++;
        size_t ts = p->i;
        size_t nl = read_letters(p);
        if (nl == 0)
            return perr(p, S7_ERR_ADDR,
                        "'%.*s' needs a type and a byte offset after ',' "
                        "(e.g. DB1,INT4 or DB1,X0.1)",
                        QA(p));
        int is_bit = 0;
        if (nodes7_type(p->u + ts, nl, &a->type, &is_bit) != 0)
            return perr(p, S7_ERR_ADDR,
                        "unknown type '%.*s' in '%.*s' (nodes7 types: X, B/BYTE, C/CHAR, "
                        "W/WORD, I/INT, DW/DWORD, DI/DINT, R/REAL, LR/LREAL, LI/LINT, "
                        "S/STRING, DT, DTL or any of %s)",
                        (int)nl, p->orig + ts, QA(p), type_list);
        a->typed = !is_bit;
        a->width = is_bit ? 'X' : 0;
        uint32_t off;
        size_t ofrom, olen = read_num(p, &off, &ofrom);
        if (olen == 0)
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a byte offset after %.*s",
                        (int)(p->i - p->start), p->orig + p->start, (int)nl, p->orig + ts);
        int rc = set_byte(p, a, off, ofrom, olen);
        if (rc)
            return rc;
        uint32_t v[2];
        size_t vf[2], vl[2];
        int nd;
        rc = read_dots(p, v, vf, vl, 2, &nd);
        if (rc)
            return rc;
        if (is_bit) {
            if (nd == 0)
                return perr(p, S7_ERR_ADDR, "'%.*s' needs a bit number: %.*s.0",
                            (int)(p->i - p->start), p->orig + p->start, (int)(p->i - p->start),
                            p->orig + p->start);
            if ((rc = set_bit_dots(p, a, v, vf, vl, nd)) != 0)
                return rc;
        } else if (a->type == S7_T_STRING || a->type == S7_T_WSTRING) {
            if (nd > 0)
                a->has_strlen = 1, a->strlen_ = v[0];
            if (nd > 1)
                a->has_count = 1, a->count = v[1];
        } else {
            if (nd > 1)
                return perr(p, S7_ERR_ADDR,
                            "unexpected '.%.*s' in '%.*s' (nodes7 arrays: "
                            "DB1,INT2.5 is 5 INTs from byte 2)",
                            (int)vl[1], p->orig + vf[1], QA(p));
            if (nd > 0)
                a->has_count = 1, a->count = v[0];
        }
        return 0;
    }
    if (c == ':' && is_digit(at(p, p->i + 1))) {
        p->i++;
        a->plc4x_short = 1;
        uint32_t off;
        size_t ofrom, olen = read_num(p, &off, &ofrom);
        int rc = set_byte(p, a, off, ofrom, olen);
        if (rc)
            return rc;
        if (cur(p) == '.') {
            p->i++;
            rc = read_bit(p, a);
            if (rc)
                return rc;
        }
        if (cur(p) != ':')
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a type, e.g. %.*s:REAL", QA(p), QA(p));
        return 0;
    }
    if (c == '\0' || c == ':')
        return perr(p, S7_ERR_ADDR,
                    "'%.*s' needs an address inside the DB, e.g. %.*s.DBW0, %.*s.DBX0.0 or "
                    "%.*s,INT0",
                    QA(p), (int)(dbend - p->start), p->orig + p->start, (int)(dbend - p->start),
                    p->orig + p->start, (int)(dbend - p->start), p->orig + p->start);
    return perr(p, S7_ERR_ADDR, "unexpected '%c' after '%.*s' in '%.*s'", p->orig[p->i],
                (int)(dbend - p->start), p->orig + p->start, QA(p));
}

/* I/E, Q/A, M, P(I/E/Q/A), V areas with a width or nodes7 type letter; T and C/Z. */
static int parse_area(pst *p, addr *a)
{
    size_t s = p->i;
    char c = cur(p);
    switch (c) {
    case 'P': {
        char d = at(p, p->i + 1);
        if (d != 'I' && d != 'E' && d != 'Q' && d != 'A') {
            p->i++;
            read_letters(p);
            return perr(p, S7_ERR_ADDR,
                        "unknown area '%.*s' in '%.*s' (peripheral I/O is PIB/PIW/PID "
                        "(German PEB/PEW/PED) or PQB/PQW/PQD (PAB/PAW/PAD))",
                        (int)(p->i - s), p->orig + s, QA(p));
        }
        a->area = S7_AREA_P;
        p->i += 2;
        break;
    }
    case 'I':
    case 'E':
        a->area = S7_AREA_I;
        p->i++;
        break;
    case 'Q':
    case 'A':
        a->area = S7_AREA_Q;
        p->i++;
        break;
    case 'M':
        a->area = S7_AREA_M;
        p->i++;
        break;
    case 'V':
        a->area = S7_AREA_DB;
        a->db = 1;
        a->vmem = 1;
        p->i++;
        break;
    case 'T':
    case 'C':
    case 'Z': {
        a->area = c == 'T' ? S7_AREA_T : S7_AREA_C;
        const char *what = c == 'T' ? "timer" : "counter";
        p->i++;
        uint32_t num;
        size_t nfrom, nlen = read_num(p, &num, &nfrom);
        if (nlen == 0) {
            if (is_alpha(cur(p)))
                return perr(p, S7_ERR_ADDR,
                            "'%.*s': %ss are addressed by number only, e.g. %c5 (other areas: "
                            "DB, I/E, Q/A, M, T, C/Z, P, V)",
                            QA(p), what, c);
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a %s number, e.g. %c5", QA(p), what, c);
        }
        if (num > 65535)
            return perr(p, S7_ERR_ADDR, "%s number %.*s in '%.*s' must be 0..65535", what,
                        (int)nlen, p->orig + nfrom, QA(p));
        a->byte = num;
        if (cur(p) == '.')
            return perr(p, S7_ERR_ADDR, "'%.*s': %ss have no bits or byte parts; write %c%u", QA(p),
                        what, c, (unsigned)num);
        return 0;
    }
    default: {
        if (c == '\0')
            return perr(p, S7_ERR_ADDR, "'%.*s' needs an area after '%%' (e.g. %%MW10:INT)", QA(p));
        read_letters(p);
        size_t e = p->i > s ? p->i : s + 1;
        char bad[16];
        if (e == s + 1 && (unsigned char)p->orig[s] >= 0x80) {
            /* not an ASCII letter: the whole character (a fullwidth 'Ｍ' is 3 bytes), or
             * the byte as \xNN when it starts no valid UTF-8 sequence */
            size_t k = s;
            uint32_t cp;
            if (s7__utf8_next(p->orig, p->olen, &k, &cp) == 0)
                e = k;
            else
                return perr(p, S7_ERR_ADDR,
                            "unknown area '\\x%02X' (a byte that is no UTF-8 character) at "
                            "byte %u of the address (use DB, I/E, Q/A, M, T, C/Z, P, V)",
                            (unsigned char)p->orig[s], (unsigned)s);
            snprintf(bad, sizeof bad, "U+%04X", (unsigned)cp);
            return perr(p, S7_ERR_ADDR,
                        "unknown area '%.*s' (%s, not an ASCII letter) in '%.*s' (use DB, I/E, "
                        "Q/A, M, T, C/Z, P, V)",
                        (int)(e - s), p->orig + s, bad, QA(p));
        }
        if (p->orig[s] == '"' || p->orig[s] == '#')
            /* a TIA Portal symbol ("Data".speed, "Motor_on") or a local (#temp) */
            return perr(p, S7_ERR_ADDR,
                        "'%.*s' is a symbolic name: PUT/GET reaches memory only by absolute "
                        "address: give the tag's address from the PLC tag table or the DB's "
                        "offset column (e.g. DB1.DBX0.0, MW10; a DB with optimized block access "
                        "has none)",
                        QA(p));
        return perr(p, S7_ERR_ADDR,
                    "unknown area '%.*s' in '%.*s' (use DB, I/E, Q/A, M, T, C/Z, P, V)",
                    (int)(e - s), p->orig + s, QA(p));
    }
    }
    /* width or nodes7 type letters */
    size_t ls = p->i;
    size_t nl = read_letters(p);
    const char *l = p->u + ls;
    if (nl == 0) {
        a->width = 0;
    } else if (nl == 1 && strchr("XBWD", l[0])) {
        a->width = l[0];
    } else if (nl == 2 && memcmp(l, "DW", 2) == 0) {
        a->width = 'D';
    } else {
        static const struct {
            const char *w;
            s7_type t;
        } n7[] = {{"C", S7_T_CHAR}, {"I", S7_T_INT},    {"DI", S7_T_DINT},
                  {"R", S7_T_REAL}, {"LR", S7_T_LREAL}, {"LI", S7_T_LINT}};
        size_t k;
        for (k = 0; k < sizeof n7 / sizeof n7[0]; k++)
            if (strlen(n7[k].w) == nl && memcmp(n7[k].w, l, nl) == 0)
                break;
        if (k == sizeof n7 / sizeof n7[0])
            return perr(p, S7_ERR_ADDR,
                        "unknown width '%.*s' in '%.*s' (use X bit, B byte, W word, D double "
                        "word, e.g. %.*sW0)",
                        (int)nl, p->orig + ls, QA(p), (int)(ls - s), p->orig + s);
        a->typed = 1;
        a->type = n7[k].t;
    }
    uint32_t off;
    size_t ofrom, olen = read_num(p, &off, &ofrom);
    if (olen == 0) {
        if (nl == 0)
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a byte offset, e.g. %.*sB0 or %.*s0.0", QA(p),
                        (int)(p->i - s), p->orig + s, (int)(p->i - s), p->orig + s);
        return perr(p, S7_ERR_ADDR, "'%.*s' needs a byte offset after %.*s", QA(p), (int)(p->i - s),
                    p->orig + s);
    }
    int rc = set_byte(p, a, off, ofrom, olen);
    if (rc)
        return rc;
    uint32_t v[2];
    size_t vf[2], vl[2];
    int nd;
    int bitform = a->width == 'X' || (a->width == 0 && !a->typed);
    rc = read_dots(p, v, vf, vl, bitform ? 2 : 1, &nd);
    if (rc)
        return rc;
    if (bitform) {
        if (nd == 0) {
            if (a->width == 'X')
                return perr(p, S7_ERR_ADDR, "'%.*s' needs a bit number: %.*s.0", QA(p),
                            (int)(p->i - s), p->orig + s);
            if (cur(p) != ':') {
                int al = (int)(ls - s), ol = (int)olen;
                const char *ap = p->orig + s, *op = p->orig + ofrom;
                return perr(p, S7_ERR_ADDR,
                            "'%.*s' needs a bit number or a width: %.*s%.*s.0, %.*sB%.*s, "
                            "%.*sW%.*s or %.*sD%.*s",
                            QA(p), al, ap, ol, op, al, ap, ol, op, al, ap, ol, op, al, ap, ol, op);
            }
        } else {
            if ((rc = set_bit_dots(p, a, v, vf, vl, nd)) != 0)
                return rc;
        }
    } else if (nd > 0) {
        a->has_count = 1;
        a->count = v[0];
    }
    return 0;
}

/* ":TYPE", ":TYPE[n]", ":STRING[n]", ":STRING(n)", ":STRING[n][m]". */
static int parse_suffix(pst *p, addr *a)
{
    p->i++; /* ':' */
    size_t ts = p->i;
    while (is_alpha(cur(p)) || is_digit(cur(p)) || cur(p) == '_')
        p->i++;
    size_t tl = p->i - ts;
    if (tl == 0)
        return perr(p, S7_ERR_ADDR, "'%.*s' needs a type after ':', e.g. %.*s:INT", QA(p),
                    (int)(a->addr_end), p->orig);
    if (s7_type_from_name(p->u + ts, tl, &a->stype) != 0)
        return perr(p, S7_ERR_TYPE, "unknown type '%.*s' (types: %s)", (int)tl, p->orig + ts,
                    type_list);
    a->has_suffix = 1;
    int is_str = a->stype == S7_T_STRING || a->stype == S7_T_WSTRING;
    for (int k = 0; k < 2; k++) {
        char open = cur(p);
        if (open != '[' && open != '(')
            break;
        char close = open == '[' ? ']' : ')';
        size_t bs = p->i;
        p->i++;
        uint32_t v;
        size_t vf, vl = read_num(p, &v, &vf);
        if (vl == 0)
            return perr(p, S7_ERR_ADDR, "'%.*s' needs a number after '%c'", QA(p), open);
        if (cur(p) != close)
            return perr(p, S7_ERR_ADDR, "missing '%c' after '%.*s' in '%.*s'", close,
                        (int)(p->i - bs), p->orig + bs, QA(p));
        p->i++;
        if (k == 0 && is_str) {
            a->s_has_strlen = 1;
            a->s_strlen = v;
        } else if (open == '(') {
            return perr(p, S7_ERR_ADDR,
                        "'(n)' in '%.*s' is a string length and goes only with STRING or "
                        "WSTRING; arrays are written [n], e.g. MW4:INT[3]",
                        QA(p));
        } else {
            a->s_has_count = 1;
            a->s_count = v;
            break;
        }
    }
    return 0;
}

/* The canonical spelling of a tag for suggestions in messages. */
static const char *canon(const s7_tag *t, char *buf, size_t cap)
{
    s7_tag_format(t, buf, cap);
    return buf;
}

int s7_tag_parse(const char *text, s7_tag *out, char *err, size_t errcap)
{
    pst p;
    addr a;
    memset(&p, 0, sizeof p);
    memset(&a, 0, sizeof a);
    p.err = err;
    p.errcap = err ? errcap : 0;
    if (p.errcap)
        err[0] = '\0';
    if (!text || !out)
        return perr(&p, S7_ERR_INVAL, "no address given");
    if (s7_anyptr_is(text)) /* P#DB30.DBX0.0 BYTE 100 */
        return s7_anyptr_parse(text, out, err, errcap);
    const char *s = text, *e = text + strlen(text);
    while (s < e &&
           (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' || *s == '\v' || *s == '\f'))
        s++;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' || e[-1] == '\r' ||
                     e[-1] == '\v' || e[-1] == '\f'))
        e--;
    p.orig = s;
    p.olen = (size_t)(e - s);
    if (p.olen == 0)
        return perr(&p, S7_ERR_ADDR, "empty address (e.g. DB1.DBW4, MW10, I0.0, DB1,REAL4)");
    if (p.olen > ADDR_MAX)
        return perr(&p, S7_ERR_ADDR, "address '%.40s...' is too long (%zu characters)", p.orig,
                    p.olen);
    /* a blank inside, as STL writes operands (U M 10.0, L DB1.DBW 4): said so, with the
     * address without it when that is one ("needs a byte offset" named no blank) */
    if (memchr(s, ' ', p.olen) || memchr(s, '\t', p.olen)) {
        char joined[ADDR_MAX + 1];
        size_t j = 0;
        for (size_t k = 0; k < p.olen; k++)
            if (s[k] != ' ' && s[k] != '\t')
                joined[j++] = s[k];
        joined[j] = '\0';
        s7_tag tj;
        if (s7_tag_parse(joined, &tj, NULL, 0) == 0)
            return perr(&p, S7_ERR_ADDR,
                        "blank inside '%.*s': an address is written without blanks, e.g. %s",
                        QA(&p), joined);
    }
    for (size_t k = 0; k < p.olen; k++) {
        char c = s[k];
        p.u[k] = (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
    }
    p.n = p.olen;
    p.u[p.n] = '\0';
    if (p.u[0] == '%')
        p.i = 1;
    p.start = p.i;

    int rc;
    if ((cur(&p) == 'D') && (at(&p, p.i + 1) == 'B' || at(&p, p.i + 1) == 'I')) {
        if (!is_digit(at(&p, p.i + 2))) {
            size_t ws = p.i + 2;
            if (strchr("XBWD", at(&p, ws)) && at(&p, ws) && is_digit(at(&p, ws + 1)))
                return perr(&p, S7_ERR_ADDR, "'%.*s' needs a DB number in front, e.g. DB1.%.*s",
                            QA(&p), (int)(p.olen - p.start), p.orig + p.start);
            return perr(&p, S7_ERR_ADDR, "'%.*s' needs a DB number after %.2s, e.g. %.2s1.%.2sW0",
                        QA(&p), p.orig + p.i, p.orig + p.i, p.orig + p.i);
        }
        rc = parse_db(&p, &a);
    } else {
        rc = parse_area(&p, &a);
    }
    if (rc)
        return rc;
    a.addr_end = p.i;
    if (cur(&p) == ':') {
        if ((rc = parse_suffix(&p, &a)) != 0)
            return rc;
    }
    if (p.i < p.n)
        return perr(&p, S7_ERR_ADDR, "unexpected '%.*s' after '%.*s' in '%.*s'", (int)(p.n - p.i),
                    p.orig + p.i, (int)p.i, p.orig, QA(&p));

    /* ---- resolve the type */
    int qlen = (int)a.addr_end; /* the address part as typed, for messages */
    s7_tag t;
    memset(&t, 0, sizeof t);
    t.area = a.area;
    t.db = (a.area == S7_AREA_DB || a.area == S7_AREA_DI) ? a.db : 0;
    t.byte = a.byte;
    if (a.has_suffix) {
        if (a.typed)
            return perr(&p, S7_ERR_TYPE,
                        "'%.*s' already names its type (%s); drop ':%s' or write the width "
                        "instead (B, W, D)",
                        qlen, p.orig, s7_type_name(a.type), s7_type_name(a.stype));
        t.type = a.stype;
    } else if (a.typed) {
        t.type = a.type;
    } else if (a.plc4x_short) {
        return perr(&p, S7_ERR_ADDR, "'%.*s' needs a type, e.g. %.*s:REAL", QA(&p), QA(&p));
    } else if (a.area == S7_AREA_T) {
        t.type = S7_T_TIMER;
    } else if (a.area == S7_AREA_C) {
        t.type = S7_T_COUNTER;
    } else {
        switch (a.width) {
        case 'B': t.type = S7_T_BYTE; break;
        case 'W': t.type = S7_T_WORD; break;
        case 'D': t.type = S7_T_DWORD; break;
        default:
            t.type = S7_T_BOOL; /* X, or a bit address */
            break;
        }
    }

    /* string length */
    int is_str = t.type == S7_T_STRING || t.type == S7_T_WSTRING;
    uint32_t maxlen = t.type == S7_T_STRING ? 254 : 16382;
    if (is_str) {
        uint32_t n = 254;
        if (a.has_strlen)
            n = a.strlen_;
        if (a.s_has_strlen)
            n = a.s_strlen;
        if (n < 1 || n > maxlen)
            return perr(&p, S7_ERR_ADDR, "string length %u in '%.*s' must be 1..%u", (unsigned)n,
                        QA(&p), (unsigned)maxlen);
        t.strlen = (uint16_t)n;
    } else if (a.has_strlen) {
        return perr(&p, S7_ERR_ADDR, "'%.*s': a string length goes only with STRING", QA(&p));
    }

    /* count */
    t.count = 1;
    if (a.has_count && a.s_has_count)
        return perr(&p, S7_ERR_ADDR, "'%.*s' gives the array length twice", QA(&p));
    if (a.has_count || a.s_has_count) {
        uint32_t n = a.has_count ? a.count : a.s_count;
        if (n < 1)
            return perr(&p, S7_ERR_ADDR, "array length 0 in '%.*s' must be at least 1", QA(&p));
        t.count = n;
        t.array = 1;
    }

    char sug[96];
    /* area and type pairing */
    if (a.area == S7_AREA_T && t.type != S7_T_TIMER)
        return perr(&p, S7_ERR_TYPE, "type %s does not fit timer '%.*s': timers hold TIMER",
                    s7_type_name(t.type), qlen, p.orig);
    if (a.area == S7_AREA_C && t.type != S7_T_COUNTER)
        return perr(&p, S7_ERR_TYPE, "type %s does not fit counter '%.*s': counters hold COUNTER",
                    s7_type_name(t.type), qlen, p.orig);
    if ((t.type == S7_T_TIMER || t.type == S7_T_COUNTER) && a.area != S7_AREA_T &&
        a.area != S7_AREA_C)
        return perr(&p, S7_ERR_TYPE,
                    "type %s belongs to the %s area (e.g. %s); for a time value in '%.*s' "
                    "use S5TIME",
                    s7_type_name(t.type), t.type == S7_T_TIMER ? "timer" : "counter",
                    t.type == S7_T_TIMER ? "T5" : "C3", qlen, p.orig);

    /* width compatibility */
    if (t.type == S7_T_BOOL) {
        if (a.width == 'W' || a.width == 'D') {
            t.bit = 0;
            return perr(&p, S7_ERR_TYPE, "type BOOL is a bit but '%.*s' is a %s (%c): use %s", qlen,
                        p.orig, a.width == 'W' ? "word" : "double word", a.width,
                        canon(&t, sug, sizeof sug));
        }
        t.bit = (uint8_t)(a.has_bit ? a.bit : 0);
    } else {
        uint32_t es = s7_type_size(t.type, t.strlen);
        if (a.width == 'X' || a.has_bit) {
            return perr(&p, S7_ERR_TYPE,
                        "type %s does not fit the bit address '%.*s' (only BOOL does): use %s",
                        s7_type_name(t.type), qlen, p.orig, canon(&t, sug, sizeof sug));
        }
        if ((a.width == 'W' && es != 2) || (a.width == 'D' && es != 4)) {
            char tn[40];
            if (is_str)
                snprintf(tn, sizeof tn, "%s[%u]", s7_type_name(t.type), (unsigned)t.strlen);
            else
                snprintf(tn, sizeof tn, "%s", s7_type_name(t.type));
            return perr(&p, S7_ERR_TYPE, "type %s is %u byte%s but '%.*s' is a %s (%c): use %s", tn,
                        (unsigned)es, es == 1 ? "" : "s", qlen, p.orig,
                        a.width == 'W' ? "word" : "double word", a.width,
                        canon(&t, sug, sizeof sug));
        }
    }

    /* size limits */
    if (t.type == S7_T_TIMER || t.type == S7_T_COUNTER) {
        if ((uint64_t)t.byte + t.count > 65536)
            return perr(&p, S7_ERR_ADDR, "'%.*s' runs past %s 65535", QA(&p),
                        t.type == S7_T_TIMER ? "timer" : "counter");
        if ((uint64_t)t.count * 2 > 65535)
            return perr(&p, S7_ERR_ADDR,
                        "'%.*s' is %llu bytes (2 a %s); one tag holds at most 65535: at most "
                        "32767 elements",
                        QA(&p), (unsigned long long)t.count * 2,
                        t.type == S7_T_TIMER ? "timer" : "counter");
    } else {
        uint64_t ws;
        if (t.type == S7_T_BOOL)
            ws = t.count <= 1 ? 1 : ((uint64_t)t.bit + t.count + 7) / 8;
        else
            ws = (uint64_t)s7_type_size(t.type, t.strlen) * t.count;
        if (ws > 65535)
            return perr(&p, S7_ERR_ADDR, "'%.*s' is %llu bytes; one tag holds at most 65535",
                        QA(&p), (unsigned long long)ws);
        if ((uint64_t)t.byte + ws > 65536)
            return perr(&p, S7_ERR_ADDR,
                        "'%.*s' ends at byte %llu, past the last addressable byte 65535", QA(&p),
                        (unsigned long long)(t.byte + ws - 1));
    }
    *out = t;
    return 0;
}
