/* Unit tests for tag/anyptr.c: ANY pointers as written in GET/PUT blocks parsed into tags
 * (area, DB, start, type, count), formatted back, accepted by s7_tag_parse, and refused
 * with a message that names what is wrong and the forms. */
#include <stdio.h>
#include <string.h>

#include "s7/tag.h"
#include "s7/wire.h"
#include "t.h"

static void good(int line, const char *text, uint8_t area, uint16_t db, uint32_t byte, uint8_t bit,
                 s7_type type, uint32_t count, uint32_t size, const char *canon)
{
    s7_tag t;
    char err[300] = "", buf[80];
    int rc = s7_anyptr_parse(text, &t, err, sizeof err);
    if (rc)
        fprintf(stderr, "line %d: '%s' refused: %s\n", line, text, err);
    CHECK_INT(rc, 0);
    if (rc)
        return;
    CHECK_INT(t.area, area);
    CHECK_INT(t.db, db);
    CHECK_INT(t.byte, byte);
    CHECK_INT(t.bit, bit);
    CHECK_INT(t.type, type);
    CHECK_INT(t.count, count);
    CHECK_INT(s7_tag_size(&t), size);
    CHECK_INT(s7_anyptr_format(&t, buf, sizeof buf), (long long)strlen(canon));
    CHECK_STR(buf, canon);
    /* the address grammar takes it too, and the canonical text parses to the same tag */
    s7_tag u, v;
    CHECK_INT(s7_tag_parse(text, &u, err, sizeof err), 0);
    CHECK_INT(s7_anyptr_parse(canon, &v, err, sizeof err), 0);
    CHECK(memcmp(&u, &t, sizeof t) == 0);
    CHECK(memcmp(&v, &t, sizeof t) == 0);
}
#define GOOD(...) good(__LINE__, __VA_ARGS__)

static void bad(int line, const char *text, const char *phrase)
{
    s7_tag t;
    char err[400] = "";
    memset(&t, 0x5A, sizeof t);
    s7_tag before = t;
    int rc = s7_anyptr_parse(text, &t, err, sizeof err);
    int ok = rc == S7_ERR_ADDR && strstr(err, phrase) != NULL &&
             strstr(err, "P#DB30.DBX0.0 BYTE 100") != NULL &&
             strncmp(err, "ANY pointer '", 13) == 0;
    if (!ok)
        fprintf(stderr, "line %d: '%s': rc %d, err '%s', want '%s'\n", line, text, rc, err, phrase);
    CHECK(ok);
    CHECK(memcmp(&t, &before, sizeof t) == 0); /* untouched */
    /* s7_tag_parse says the same */
    char err2[400] = "";
    CHECK_INT(s7_tag_parse(text, &t, err2, sizeof err2), S7_ERR_ADDR);
    CHECK_STR(err2, err);
}
#define BAD(text, phrase) bad(__LINE__, text, phrase)

int main(void)
{
    GOOD("P#DB30.DBX0.0 BYTE 100", S7_AREA_DB, 30, 0, 0, S7_T_BYTE, 100, 100,
         "P#DB30.DBX0.0 BYTE 100");
    GOOD("  p#db30.dbx4.0   word 2 ", S7_AREA_DB, 30, 4, 0, S7_T_WORD, 2, 4,
         "P#DB30.DBX4.0 WORD 2");
    GOOD("P#M10.0 BYTE 4", S7_AREA_M, 0, 10, 0, S7_T_BYTE, 4, 4, "P#M10.0 BYTE 4");
    GOOD("P#I0.0 BOOL 8", S7_AREA_I, 0, 0, 0, S7_T_BOOL, 8, 8, "P#I0.0 BOOL 8");
    GOOD("P#E1.3 BOOL 1", S7_AREA_I, 0, 1, 3, S7_T_BOOL, 1, 1, "P#I1.3 BOOL 1");
    GOOD("P#A4.0 DINT 3", S7_AREA_Q, 0, 4, 0, S7_T_DINT, 3, 12, "P#Q4.0 DINT 3");
    GOOD("P#Q4.0 REAL 1", S7_AREA_Q, 0, 4, 0, S7_T_REAL, 1, 4, "P#Q4.0 REAL 1");
    GOOD("P#T 5 TIMER 3", S7_AREA_T, 0, 5, 0, S7_T_TIMER, 3, 6, "P#T 5 TIMER 3");
    GOOD("P#Z0 COUNTER 2", S7_AREA_C, 0, 0, 0, S7_T_COUNTER, 2, 4, "P#C 0 COUNTER 2");
    GOOD("P#DB1.DBX65534.0 BYTE 2", S7_AREA_DB, 1, 65534, 0, S7_T_BYTE, 2, 2,
         "P#DB1.DBX65534.0 BYTE 2");
    GOOD("P#DB2.DBX0.0 DT 1", S7_AREA_DB, 2, 0, 0, S7_T_DATE_AND_TIME, 1, 8,
         "P#DB2.DBX0.0 DATE_AND_TIME 1");

    /* an ANY pointer is a range: an array, also of one element (docs/addresses.md) */
    {
        s7_tag t;
        char err[300] = "", buf[80];
        const char *ones[] = {"P#DB1.DBX0.5 BOOL 1", "P#M10.0 BYTE 1", "P#Q4.0 REAL 1",
                              "P#T 5 TIMER 1"};
        const char *canon[] = {"DB1.DBX0.5:BOOL[1]", "MB10:BYTE[1]", "QD4:REAL[1]", "T5:TIMER[1]"};
        for (int k = 0; k < 4; k++) {
            CHECK_INT(s7_anyptr_parse(ones[k], &t, err, sizeof err), 0);
            CHECK_INT(t.array, 1);
            CHECK_INT(t.count, 1);
            s7_tag_format(&t, buf, sizeof buf);
            CHECK_STR(buf, canon[k]);
        }
        s7_tag_parse("P#DB1.DBX0.0 BYTE 100", &t, err, sizeof err);
        CHECK_INT(t.array, 1);
    }
    BAD("P#DB30.DBX0.3 BYTE 100", "a BYTE range starts on a byte: the bit must be .0");
    BAD("P#DB30.DBB0 BYTE 100", "the start as .DBX<byte>.<bit>, e.g. P#DB30.DBX0.0");
    BAD("P#DB0.DBX0.0 BYTE 1", "the DB number must be 1..65535");
    BAD("P#M10 BYTE 4", "the start needs its bit: write P#M10.0");
    BAD("P#M10.8 BOOL 1", "the bit must be 0..7");
    BAD("P#M10.0 BYTES 4", "'BYTES' is no element type");
    BAD("P#M10.0 BYTE", "the element type is followed by the count");
    BAD("P#M10.0 BYTE 0", "the count must be 1..65535");
    BAD("P#M10.0 BYTE 4 x", "unexpected 'x' after the count");
    BAD("P#M10.0BYTE 4", "followed by a space, the element type and the count");
    BAD("P#X1.0 BYTE 4", "unknown area 'X1.0 BYT'");
    /* a non-ASCII area: whole characters only (U+FF2D is 3 bytes: two fit in 8) */
    BAD("P#\xEF\xBC\xAD\xEF\xBC\xAD\xEF\xBC\xAD"
        "0.0 BYTE 1",
        "unknown area '\xEF\xBC\xAD\xEF\xBC\xAD': DB, M");
    BAD("P#T 5 BYTE 3", "timers are counted as TIMER");
    BAD("P#M0.0 TIMER 1", "TIMER and COUNTER elements start at P#T or P#C");
    BAD("P#DB1.DBX65535.0 WORD 1", "it ends beyond byte 65535");
    BAD("P#", "unknown area");

    /* not an ANY pointer at all */
    s7_tag t;
    char err[300];
    CHECK(!s7_anyptr_is("DB1.DBW0"));
    CHECK(s7_anyptr_is("  p#M0.0 BYTE 1"));
    CHECK_INT(s7_anyptr_parse("DB1.DBW0", &t, err, sizeof err), S7_ERR_ADDR);
    CHECK(strstr(err, "it starts with P#") != NULL);
    /* types an ANY pointer does not name go out as their bytes; areas it cannot address
     * are refused */
    static const struct {
        const char *tag, *any;
    } asbytes[] = {
        {"DB1.DBB0:LREAL", "P#DB1.DBX0.0 BYTE 8"},
        {"DB1.DBB10:STRING[20]", "P#DB1.DBX10.0 BYTE 22"},
        {"DB1.DBB0:DTL", "P#DB1.DBX0.0 BYTE 12"},
        {"DB1.DBD4:UDINT", "P#DB1.DBX4.0 BYTE 4"},
        {"MB0:LREAL[2]", "P#M0.0 BYTE 16"},
        {"DB1.DBW0:UINT", "P#DB1.DBX0.0 BYTE 2"},
    };
    for (size_t k = 0; k < sizeof asbytes / sizeof asbytes[0]; k++) {
        char buf[80];
        s7_tag u, v;
        CHECK_INT(s7_tag_parse(asbytes[k].tag, &u, err, sizeof err), 0);
        CHECK_INT(s7_anyptr_format(&u, buf, sizeof buf), (long long)strlen(asbytes[k].any));
        CHECK_STR(buf, asbytes[k].any);
        CHECK_INT(s7_anyptr_parse(buf, &v, err, sizeof err), 0);
        CHECK_INT(s7_tag_size(&v), s7_tag_wire_size(&u)); /* the same bytes */
    }
    char keep[16] = "keep";
    CHECK_INT(s7_tag_parse("PIW256", &t, err, sizeof err), 0);
    CHECK_INT(s7_anyptr_format(&t, keep, sizeof keep), S7_ERR_ADDR);
    CHECK_STR(keep, "keep");
    /* over 65535 bytes: refused by both grammars (the canonical form included) */
    BAD("P#DB5.DBX0.0 DWORD 16384",
        "it is 65536 bytes; one tag holds at most 65535 (at most 16383 DWORD)");
    BAD("P#T 0 TIMER 40000", "it is 80000 bytes");
    CHECK_INT(s7_tag_parse("T0:TIMER[40000]", &t, err, sizeof err), S7_ERR_ADDR);
    CHECK(strstr(err, "one tag holds at most 65535: at most 32767 elements") != NULL);
    GOOD("P#DB5.DBX0.0 DWORD 16383", S7_AREA_DB, 5, 0, 0, S7_T_DWORD, 16383, 65532,
         "P#DB5.DBX0.0 DWORD 16383");
    /* snprintf-style length when the buffer is short */
    char small[8];
    CHECK_INT(s7_anyptr_parse("P#DB30.DBX0.0 BYTE 100", &t, err, sizeof err), 0);
    CHECK_INT(s7_anyptr_format(&t, small, sizeof small), 22);
    CHECK_STR(small, "P#DB30.");
    return t_done();
}
