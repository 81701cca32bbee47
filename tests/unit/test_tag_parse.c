/* Tests of s7_tag_parse: every dialect (Step 7/TIA English and German, PLC4X, nodes7,
 * S7-200/LOGO! V memory), type suffixes, limits, and every error with its message. */
#include <stdio.h>
#include <string.h>

#include "s7/tag.h"
#include "t.h"

static int tag_eq(const s7_tag *a, const s7_tag *b)
{
    return a->area == b->area && a->db == b->db && a->byte == b->byte && a->bit == b->bit &&
           a->type == b->type && a->strlen == b->strlen && a->count == b->count &&
           a->array == b->array;
}

/* Parse text and check every field, the canonical form, and parse(format(t)) == t. */
static void ok_(int line, const char *text, uint8_t area, uint16_t db, uint32_t byte, uint8_t bit,
                s7_type type, uint16_t slen, uint32_t count, uint8_t array, const char *canon)
{
    s7_tag t, t2;
    char err[256] = "", buf[128];
    int rc = s7_tag_parse(text, &t, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "line %d: '%s' failed: %d %s\n", line, text, rc, err);
        CHECK_INT(rc, 0);
        return;
    }
    int bad = 0;
    if (t.area != area || t.db != db || t.byte != byte || t.bit != bit || t.type != type ||
        t.strlen != slen || t.count != count || t.array != array)
        bad = 1;
    if (bad)
        fprintf(stderr,
                "line %d: '%s' -> area %02X db %u byte %u bit %u type %s strlen %u count %u "
                "array %u\n",
                line, text, t.area, t.db, t.byte, t.bit, s7_type_name(t.type), t.strlen, t.count,
                t.array);
    CHECK(!bad);
    int n = s7_tag_format(&t, buf, sizeof buf);
    CHECK_INT(n, (long long)strlen(buf));
    if (strcmp(buf, canon) != 0)
        fprintf(stderr, "line %d: '%s' formats as '%s', expected '%s'\n", line, text, buf, canon);
    CHECK_STR(buf, canon);
    rc = s7_tag_parse(buf, &t2, err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc == 0 && !tag_eq(&t, &t2))
        fprintf(stderr, "line %d: round trip of '%s' differs\n", line, buf);
    CHECK(rc == 0 && tag_eq(&t, &t2));
}
#define OK(text, area, db, byte, bit, type, slen, count, array, canon) \
    ok_(__LINE__, text, area, db, byte, bit, type, slen, count, array, canon)

/* Expect an error code and that the message contains each of the key words. */
static void bad_(int line, const char *text, int code, const char *k1, const char *k2)
{
    s7_tag t;
    char err[512] = "";
    int rc = s7_tag_parse(text, &t, err, sizeof err);
    if (rc != code || (k1 && !strstr(err, k1)) || (k2 && !strstr(err, k2)))
        fprintf(stderr, "line %d: '%s' -> %d \"%s\" (wanted %d with '%s' '%s')\n", line, text, rc,
                err, code, k1 ? k1 : "", k2 ? k2 : "");
    CHECK_INT(rc, code);
    if (k1)
        CHECK(strstr(err, k1) != NULL);
    if (k2)
        CHECK(strstr(err, k2) != NULL);
}
#define BAD(text, code, k1, k2) bad_(__LINE__, text, code, k1, k2)

enum {
    DB = S7_AREA_DB,
    DI = S7_AREA_DI,
    I = S7_AREA_I,
    Q = S7_AREA_Q,
    M = S7_AREA_M,
    P = S7_AREA_P,
    T = S7_AREA_T,
    C = S7_AREA_C
};

static void test_step7(void)
{
    OK("DB1.DBX0.0", DB, 1, 0, 0, S7_T_BOOL, 0, 1, 0, "DB1.DBX0.0");
    OK("DB1.DBX7.7", DB, 1, 7, 7, S7_T_BOOL, 0, 1, 0, "DB1.DBX7.7");
    OK("DB1.DBB2", DB, 1, 2, 0, S7_T_BYTE, 0, 1, 0, "DB1.DBB2");
    OK("DB1.DBW4", DB, 1, 4, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW4");
    OK("DB1.DBD8", DB, 1, 8, 0, S7_T_DWORD, 0, 1, 0, "DB1.DBD8");
    OK("DB65535.DBB65535", DB, 65535, 65535, 0, S7_T_BYTE, 0, 1, 0, "DB65535.DBB65535");
    OK("MB10", M, 0, 10, 0, S7_T_BYTE, 0, 1, 0, "MB10");
    OK("MW10", M, 0, 10, 0, S7_T_WORD, 0, 1, 0, "MW10");
    OK("MD10", M, 0, 10, 0, S7_T_DWORD, 0, 1, 0, "MD10");
    OK("M1.2", M, 0, 1, 2, S7_T_BOOL, 0, 1, 0, "M1.2");
    OK("MX1.2", M, 0, 1, 2, S7_T_BOOL, 0, 1, 0, "M1.2");
    OK("IB0", I, 0, 0, 0, S7_T_BYTE, 0, 1, 0, "IB0");
    OK("I0.0", I, 0, 0, 0, S7_T_BOOL, 0, 1, 0, "I0.0");
    OK("IW2", I, 0, 2, 0, S7_T_WORD, 0, 1, 0, "IW2");
    OK("ID4", I, 0, 4, 0, S7_T_DWORD, 0, 1, 0, "ID4");
    OK("QW2", Q, 0, 2, 0, S7_T_WORD, 0, 1, 0, "QW2");
    OK("Q0.1", Q, 0, 0, 1, S7_T_BOOL, 0, 1, 0, "Q0.1");
    OK("QB0", Q, 0, 0, 0, S7_T_BYTE, 0, 1, 0, "QB0");
    OK("T5", T, 0, 5, 0, S7_T_TIMER, 0, 1, 0, "T5");
    OK("C3", C, 0, 3, 0, S7_T_COUNTER, 0, 1, 0, "C3");
    OK("T0", T, 0, 0, 0, S7_T_TIMER, 0, 1, 0, "T0");
    OK("C65535", C, 0, 65535, 0, S7_T_COUNTER, 0, 1, 0, "C65535");
    /* German mnemonics */
    OK("EB0", I, 0, 0, 0, S7_T_BYTE, 0, 1, 0, "IB0");
    OK("E0.0", I, 0, 0, 0, S7_T_BOOL, 0, 1, 0, "I0.0");
    OK("EW4", I, 0, 4, 0, S7_T_WORD, 0, 1, 0, "IW4");
    OK("AB0", Q, 0, 0, 0, S7_T_BYTE, 0, 1, 0, "QB0");
    OK("A0.1", Q, 0, 0, 1, S7_T_BOOL, 0, 1, 0, "Q0.1");
    OK("AW6", Q, 0, 6, 0, S7_T_WORD, 0, 1, 0, "QW6");
    OK("Z3", C, 0, 3, 0, S7_T_COUNTER, 0, 1, 0, "C3");
    /* peripheral */
    OK("PIW256", P, 0, 256, 0, S7_T_WORD, 0, 1, 0, "PIW256");
    OK("PEW256", P, 0, 256, 0, S7_T_WORD, 0, 1, 0, "PIW256");
    OK("PQW256", P, 0, 256, 0, S7_T_WORD, 0, 1, 0, "PIW256");
    OK("PAW256", P, 0, 256, 0, S7_T_WORD, 0, 1, 0, "PIW256");
    OK("PIB3", P, 0, 3, 0, S7_T_BYTE, 0, 1, 0, "PIB3");
    OK("PQD8", P, 0, 8, 0, S7_T_DWORD, 0, 1, 0, "PID8");
    OK("PI1.3", P, 0, 1, 3, S7_T_BOOL, 0, 1, 0, "PI1.3");
    /* instance DBs */
    OK("DI2.DIW0", DI, 2, 0, 0, S7_T_WORD, 0, 1, 0, "DI2.DIW0");
    OK("DI2.DIX0.1", DI, 2, 0, 1, S7_T_BOOL, 0, 1, 0, "DI2.DIX0.1");
    OK("DI2.DIB5", DI, 2, 5, 0, S7_T_BYTE, 0, 1, 0, "DI2.DIB5");
    OK("DI2.DID4:REAL", DI, 2, 4, 0, S7_T_REAL, 0, 1, 0, "DI2.DID4:REAL");
    /* case and blanks */
    OK("  db1.dbw4  ", DB, 1, 4, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW4");
    OK("\tmw10\n", M, 0, 10, 0, S7_T_WORD, 0, 1, 0, "MW10");
    OK("Db1.DbX3.5", DB, 1, 3, 5, S7_T_BOOL, 0, 1, 0, "DB1.DBX3.5");
    OK("db001.dbw004", DB, 1, 4, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW4");
}

static void test_suffix(void)
{
    OK("DB1.DBD8:REAL", DB, 1, 8, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD8:REAL");
    OK("DB1.DBD8:real", DB, 1, 8, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD8:REAL");
    OK("DB1.DBD8:DWORD", DB, 1, 8, 0, S7_T_DWORD, 0, 1, 0, "DB1.DBD8");
    OK("DB1.DBD8:DINT", DB, 1, 8, 0, S7_T_DINT, 0, 1, 0, "DB1.DBD8:DINT");
    OK("DB1.DBD8:UDINT", DB, 1, 8, 0, S7_T_UDINT, 0, 1, 0, "DB1.DBD8:UDINT");
    OK("DB1.DBD8:TIME", DB, 1, 8, 0, S7_T_TIME, 0, 1, 0, "DB1.DBD8:TIME");
    OK("DB1.DBD8:TOD", DB, 1, 8, 0, S7_T_TOD, 0, 1, 0, "DB1.DBD8:TOD");
    OK("DB1.DBD8:TIME_OF_DAY", DB, 1, 8, 0, S7_T_TOD, 0, 1, 0, "DB1.DBD8:TOD");
    OK("DB1.DBW2:INT", DB, 1, 2, 0, S7_T_INT, 0, 1, 0, "DB1.DBW2:INT");
    OK("DB1.DBW2:UINT", DB, 1, 2, 0, S7_T_UINT, 0, 1, 0, "DB1.DBW2:UINT");
    OK("DB1.DBW2:WCHAR", DB, 1, 2, 0, S7_T_WCHAR, 0, 1, 0, "DB1.DBW2:WCHAR");
    OK("DB1.DBW2:DATE", DB, 1, 2, 0, S7_T_DATE, 0, 1, 0, "DB1.DBW2:DATE");
    OK("DB1.DBW2:S5TIME", DB, 1, 2, 0, S7_T_S5TIME, 0, 1, 0, "DB1.DBW2:S5TIME");
    OK("DB1.DBB10:STRING[20]", DB, 1, 10, 0, S7_T_STRING, 20, 1, 0, "DB1.DBB10:STRING[20]");
    OK("DB1.DBB10:STRING", DB, 1, 10, 0, S7_T_STRING, 254, 1, 0, "DB1.DBB10:STRING[254]");
    OK("DB1.DBB10:STRING(10)", DB, 1, 10, 0, S7_T_STRING, 10, 1, 0, "DB1.DBB10:STRING[10]");
    OK("DB1.DBB10:STRING[20][3]", DB, 1, 10, 0, S7_T_STRING, 20, 3, 1, "DB1.DBB10:STRING[20][3]");
    OK("DB1.DBB0:WSTRING[5]", DB, 1, 0, 0, S7_T_WSTRING, 5, 1, 0, "DB1.DBB0:WSTRING[5]");
    OK("DB1.DBB0:WSTRING", DB, 1, 0, 0, S7_T_WSTRING, 254, 1, 0, "DB1.DBB0:WSTRING[254]");
    OK("DB1.DBB0:WSTRING[16382]", DB, 1, 0, 0, S7_T_WSTRING, 16382, 1, 0,
       "DB1.DBB0:WSTRING[16382]");
    OK("DB1.DBB0:LREAL", DB, 1, 0, 0, S7_T_LREAL, 0, 1, 0, "DB1.DBB0:LREAL");
    OK("DB1.DBB0:LINT", DB, 1, 0, 0, S7_T_LINT, 0, 1, 0, "DB1.DBB0:LINT");
    OK("DB1.DBB0:ULINT", DB, 1, 0, 0, S7_T_ULINT, 0, 1, 0, "DB1.DBB0:ULINT");
    OK("DB1.DBB0:LWORD", DB, 1, 0, 0, S7_T_LWORD, 0, 1, 0, "DB1.DBB0:LWORD");
    OK("DB1.DBB0:DATE_AND_TIME", DB, 1, 0, 0, S7_T_DATE_AND_TIME, 0, 1, 0,
       "DB1.DBB0:DATE_AND_TIME");
    OK("DB1.DBB0:DT", DB, 1, 0, 0, S7_T_DATE_AND_TIME, 0, 1, 0, "DB1.DBB0:DATE_AND_TIME");
    OK("DB1.DBB0:DTL", DB, 1, 0, 0, S7_T_DTL, 0, 1, 0, "DB1.DBB0:DTL");
    OK("DB1.DBB0:SINT", DB, 1, 0, 0, S7_T_SINT, 0, 1, 0, "DB1.DBB0:SINT");
    OK("DB1.DBB0:USINT", DB, 1, 0, 0, S7_T_USINT, 0, 1, 0, "DB1.DBB0:USINT");
    OK("DB1.DBB0:CHAR", DB, 1, 0, 0, S7_T_CHAR, 0, 1, 0, "DB1.DBB0:CHAR");
    /* B is the start byte: any type, the canonical width follows the size */
    OK("DB1.DBB4:REAL", DB, 1, 4, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD4:REAL");
    OK("DB1.DBB4:INT", DB, 1, 4, 0, S7_T_INT, 0, 1, 0, "DB1.DBW4:INT");
    OK("DB1.DBB4:WORD", DB, 1, 4, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW4");
    OK("MB4:BOOL", M, 0, 4, 0, S7_T_BOOL, 0, 1, 0, "M4.0");
    OK("MW4:INT[3]", M, 0, 4, 0, S7_T_INT, 0, 3, 1, "MW4:INT[3]");
    OK("MW4:INT[1]", M, 0, 4, 0, S7_T_INT, 0, 1, 1, "MW4:INT[1]");
    OK("MW4:WORD[2]", M, 0, 4, 0, S7_T_WORD, 0, 2, 1, "MW4:WORD[2]");
    OK("DB1.DBX0.0:BOOL[10]", DB, 1, 0, 0, S7_T_BOOL, 0, 10, 1, "DB1.DBX0.0:BOOL[10]");
    OK("DB1.DBX0.0:BOOL", DB, 1, 0, 0, S7_T_BOOL, 0, 1, 0, "DB1.DBX0.0");
    OK("M1.2:BOOL[4]", M, 0, 1, 2, S7_T_BOOL, 0, 4, 1, "M1.2:BOOL[4]");
    OK("T5:TIMER[3]", T, 0, 5, 0, S7_T_TIMER, 0, 3, 1, "T5:TIMER[3]");
    OK("C3:COUNTER", C, 0, 3, 0, S7_T_COUNTER, 0, 1, 0, "C3");
    OK("MD0:REAL[2]", M, 0, 0, 0, S7_T_REAL, 0, 2, 1, "MD0:REAL[2]");
    OK("DB1.DBB0:DTL[2]", DB, 1, 0, 0, S7_T_DTL, 0, 2, 1, "DB1.DBB0:DTL[2]");
    OK("DB1.DBB0:BYTE[65535]", DB, 1, 0, 0, S7_T_BYTE, 0, 65535, 1, "DB1.DBB0:BYTE[65535]");
    OK("DB1.DBB65534:INT", DB, 1, 65534, 0, S7_T_INT, 0, 1, 0, "DB1.DBW65534:INT");
}

static void test_plc4x(void)
{
    OK("%DB1:4:REAL", DB, 1, 4, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD4:REAL");
    OK("%DB1.DBX0.0:BOOL", DB, 1, 0, 0, S7_T_BOOL, 0, 1, 0, "DB1.DBX0.0");
    OK("%DB1.DBW4:INT", DB, 1, 4, 0, S7_T_INT, 0, 1, 0, "DB1.DBW4:INT");
    OK("%DB1.DB4:INT", DB, 1, 4, 0, S7_T_INT, 0, 1, 0, "DB1.DBW4:INT");
    OK("%MW10:INT[4]", M, 0, 10, 0, S7_T_INT, 0, 4, 1, "MW10:INT[4]");
    OK("%I0.0:BOOL", I, 0, 0, 0, S7_T_BOOL, 0, 1, 0, "I0.0");
    OK("%Q0:BYTE", Q, 0, 0, 0, S7_T_BYTE, 0, 1, 0, "QB0");
    OK("%Q2:INT", Q, 0, 2, 0, S7_T_INT, 0, 1, 0, "QW2:INT");
    OK("%DB1:0:STRING(10)", DB, 1, 0, 0, S7_T_STRING, 10, 1, 0, "DB1.DBB0:STRING[10]");
    OK("%DB2:30:STRING(10)[3]", DB, 2, 30, 0, S7_T_STRING, 10, 3, 1, "DB2.DBB30:STRING[10][3]");
    OK("%DB1:2.3:BOOL", DB, 1, 2, 3, S7_T_BOOL, 0, 1, 0, "DB1.DBX2.3");
    OK("%DB1:8:LREAL[2]", DB, 1, 8, 0, S7_T_LREAL, 0, 2, 1, "DB1.DBB8:LREAL[2]");
    OK("%M0:BOOL", M, 0, 0, 0, S7_T_BOOL, 0, 1, 0, "M0.0");
    OK("DB1:4:DINT", DB, 1, 4, 0, S7_T_DINT, 0, 1, 0, "DB1.DBD4:DINT");
    OK("%DB3:0:DTL", DB, 3, 0, 0, S7_T_DTL, 0, 1, 0, "DB3.DBB0:DTL");
}

static void test_nodes7(void)
{
    OK("DB1,REAL4", DB, 1, 4, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD4:REAL");
    OK("DB1,INT2.5", DB, 1, 2, 0, S7_T_INT, 0, 5, 1, "DB1.DBW2:INT[5]");
    OK("DB1,X0.1", DB, 1, 0, 1, S7_T_BOOL, 0, 1, 0, "DB1.DBX0.1");
    OK("DB1,X14.0.8", DB, 1, 14, 0, S7_T_BOOL, 0, 8, 1, "DB1.DBX14.0:BOOL[8]");
    OK("DB1,B0", DB, 1, 0, 0, S7_T_BYTE, 0, 1, 0, "DB1.DBB0");
    OK("DB1,BYTE0.4", DB, 1, 0, 0, S7_T_BYTE, 0, 4, 1, "DB1.DBB0:BYTE[4]");
    OK("DB1,C0", DB, 1, 0, 0, S7_T_CHAR, 0, 1, 0, "DB1.DBB0:CHAR");
    OK("DB1,CHAR22.30", DB, 1, 22, 0, S7_T_CHAR, 0, 30, 1, "DB1.DBB22:CHAR[30]");
    OK("DB1,S10.20", DB, 1, 10, 0, S7_T_STRING, 20, 1, 0, "DB1.DBB10:STRING[20]");
    OK("DB1,S10.20.3", DB, 1, 10, 0, S7_T_STRING, 20, 3, 1, "DB1.DBB10:STRING[20][3]");
    OK("DB1,STRING10", DB, 1, 10, 0, S7_T_STRING, 254, 1, 0, "DB1.DBB10:STRING[254]");
    OK("DB1,DI4", DB, 1, 4, 0, S7_T_DINT, 0, 1, 0, "DB1.DBD4:DINT");
    OK("DB1,DINT4", DB, 1, 4, 0, S7_T_DINT, 0, 1, 0, "DB1.DBD4:DINT");
    OK("DB1,DW4", DB, 1, 4, 0, S7_T_DWORD, 0, 1, 0, "DB1.DBD4");
    OK("DB1,DWORD4", DB, 1, 4, 0, S7_T_DWORD, 0, 1, 0, "DB1.DBD4");
    OK("DB1,I2", DB, 1, 2, 0, S7_T_INT, 0, 1, 0, "DB1.DBW2:INT");
    OK("DB1,INT2", DB, 1, 2, 0, S7_T_INT, 0, 1, 0, "DB1.DBW2:INT");
    OK("DB1,W2", DB, 1, 2, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW2");
    OK("DB1,WORD2", DB, 1, 2, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW2");
    OK("DB1,R4", DB, 1, 4, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD4:REAL");
    OK("DB1,REAL0.20", DB, 1, 0, 0, S7_T_REAL, 0, 20, 1, "DB1.DBD0:REAL[20]");
    OK("DB10,LR32", DB, 10, 32, 0, S7_T_LREAL, 0, 1, 0, "DB10.DBB32:LREAL");
    OK("DB1,LREAL4", DB, 1, 4, 0, S7_T_LREAL, 0, 1, 0, "DB1.DBB4:LREAL");
    OK("DB1,LI8", DB, 1, 8, 0, S7_T_LINT, 0, 1, 0, "DB1.DBB8:LINT");
    OK("DB1,DT0", DB, 1, 0, 0, S7_T_DATE_AND_TIME, 0, 1, 0, "DB1.DBB0:DATE_AND_TIME");
    OK("DB1,DTL12", DB, 1, 12, 0, S7_T_DTL, 0, 1, 0, "DB1.DBB12:DTL");
    OK("db1,real4", DB, 1, 4, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD4:REAL");
    OK("MR4", M, 0, 4, 0, S7_T_REAL, 0, 1, 0, "MD4:REAL");
    OK("MI4", M, 0, 4, 0, S7_T_INT, 0, 1, 0, "MW4:INT");
    OK("MDI4", M, 0, 4, 0, S7_T_DINT, 0, 1, 0, "MD4:DINT");
    OK("MC3", M, 0, 3, 0, S7_T_CHAR, 0, 1, 0, "MB3:CHAR");
    OK("MLR8", M, 0, 8, 0, S7_T_LREAL, 0, 1, 0, "MB8:LREAL");
    OK("IW0", I, 0, 0, 0, S7_T_WORD, 0, 1, 0, "IW0");
    OK("II0", I, 0, 0, 0, S7_T_INT, 0, 1, 0, "IW0:INT");
    OK("QB1", Q, 0, 1, 0, S7_T_BYTE, 0, 1, 0, "QB1");
    OK("QR4", Q, 0, 4, 0, S7_T_REAL, 0, 1, 0, "QD4:REAL");
    OK("PII30", P, 0, 30, 0, S7_T_INT, 0, 1, 0, "PIW30:INT");
    OK("MW4.3", M, 0, 4, 0, S7_T_WORD, 0, 3, 1, "MW4:WORD[3]");
    OK("MR4.2", M, 0, 4, 0, S7_T_REAL, 0, 2, 1, "MD4:REAL[2]");
    OK("M32.2.8", M, 0, 32, 2, S7_T_BOOL, 0, 8, 1, "M32.2:BOOL[8]");
    OK("DB1,S0.10", DB, 1, 0, 0, S7_T_STRING, 10, 1, 0, "DB1.DBB0:STRING[10]");
    OK("DB1,WSTRING0.10", DB, 1, 0, 0, S7_T_WSTRING, 10, 1, 0, "DB1.DBB0:WSTRING[10]");
    OK("DB1,UINT6", DB, 1, 6, 0, S7_T_UINT, 0, 1, 0, "DB1.DBW6:UINT");
}

static void test_v_memory(void)
{
    OK("VB10", DB, 1, 10, 0, S7_T_BYTE, 0, 1, 0, "DB1.DBB10");
    OK("VW10", DB, 1, 10, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW10");
    OK("VD10", DB, 1, 10, 0, S7_T_DWORD, 0, 1, 0, "DB1.DBD10");
    OK("V10.3", DB, 1, 10, 3, S7_T_BOOL, 0, 1, 0, "DB1.DBX10.3");
    OK("VD100:REAL", DB, 1, 100, 0, S7_T_REAL, 0, 1, 0, "DB1.DBD100:REAL");
    OK("vw0", DB, 1, 0, 0, S7_T_WORD, 0, 1, 0, "DB1.DBW0");
}

static void test_errors(void)
{
    BAD("X10", S7_ERR_ADDR, "unknown area 'X' in 'X10'", "DB, I/E, Q/A, M, T, C/Z, P, V");
    /* a non-ASCII area letter is named whole (fullwidth M: 3 bytes), never cut in two */
    BAD("\xEF\xBC\xAD"
        "B0",
        S7_ERR_ADDR, "unknown area '\xEF\xBC\xAD' (U+FF2D, not an ASCII letter)",
        "DB, I/E, Q/A, M, T, C/Z, P, V");
    BAD("\xC3\x84"
        "B0",
        S7_ERR_ADDR, "unknown area '\xC3\x84' (U+00C4",
        "in '\xC3\x84"
        "B0'");
    /* a byte that starts no UTF-8 character is shown as \xNN */
    BAD("\xEF"
        "B0",
        S7_ERR_ADDR, "unknown area '\\xEF' (a byte that is no UTF-8 character)", "DB, I/E");
    BAD("M1.8", S7_ERR_ADDR, "bit number 8 in 'M1.8' must be 0..7", NULL);
    BAD("DB1.DBX0.9", S7_ERR_ADDR, "bit number 9", "0..7");
    BAD("DB1,X0.8", S7_ERR_ADDR, "bit number 8", "0..7");
    BAD("DB1.DBW", S7_ERR_ADDR, "'DB1.DBW' needs a byte offset after DBW", NULL);
    BAD("DB0.DBW0", S7_ERR_ADDR, "'DB0' is not a valid DB number (1..65535)", NULL);
    BAD("DB65536.DBW0", S7_ERR_ADDR, "'DB65536' is not a valid DB number", NULL);
    BAD("DB1.DBD8:REALL", S7_ERR_TYPE, "unknown type 'REALL'", "types: BOOL, BYTE");
    BAD("MW0:REAL", S7_ERR_TYPE, "type REAL is 4 bytes but 'MW0' is a word (W): use MD0:REAL",
        NULL);
    BAD("MD0:INT", S7_ERR_TYPE, "type INT is 2 bytes but 'MD0' is a double word (D)", "MW0:INT");
    BAD("DB1.DBW0:STRING[20]", S7_ERR_TYPE, "STRING[20] is 22 bytes", "DB1.DBB0:STRING[20]");
    BAD("DB1.DBD0:LREAL", S7_ERR_TYPE, "LREAL is 8 bytes", "DB1.DBB0:LREAL");
    BAD("DB1.DBX0.0:INT", S7_ERR_TYPE, "INT does not fit the bit address", "DB1.DBW0:INT");
    BAD("MW0:BOOL", S7_ERR_TYPE, "BOOL is a bit", "M0.0");
    BAD("M1.0:BYTE", S7_ERR_TYPE, "BYTE does not fit the bit address", "MB1");
    BAD("T5:INT", S7_ERR_TYPE, "timers hold TIMER", NULL);
    BAD("C5:WORD", S7_ERR_TYPE, "counters hold COUNTER", NULL);
    BAD("MW0:TIMER", S7_ERR_TYPE, "TIMER belongs to the timer area", "S5TIME");
    BAD("DB1.DBX0", S7_ERR_ADDR, "'DB1.DBX0' needs a bit number: DB1.DBX0.0", NULL);
    BAD("MX1", S7_ERR_ADDR, "needs a bit number", "MX1.0");
    BAD("M10", S7_ERR_ADDR, "'M10' needs a bit number or a width", "M10.0");
    BAD("MB70000", S7_ERR_ADDR, "byte offset 70000 in 'MB70000' must be 0..65535", NULL);
    BAD("DB1.DBB65536", S7_ERR_ADDR, "byte offset 65536", "0..65535");
    BAD("DB1.DBW65535", S7_ERR_ADDR, "ends at byte 65536", "65535");
    BAD("DB1.DBB65500:STRING[100]", S7_ERR_ADDR, "ends at byte", NULL);
    BAD("DB1.DBB0:BYTE[65536]", S7_ERR_ADDR, "65536 bytes", "at most 65535");
    BAD("T65535:TIMER[2]", S7_ERR_ADDR, "runs past timer 65535", NULL);
    BAD("T70000", S7_ERR_ADDR, "timer number 70000", "0..65535");
    BAD("MW4:INT[0]", S7_ERR_ADDR, "array length 0", "at least 1");
    BAD("DB1,INT2.0", S7_ERR_ADDR, "array length 0", NULL);
    BAD("DB1.DBB0:STRING[255]", S7_ERR_ADDR, "string length 255", "1..254");
    BAD("DB1.DBB0:STRING[0]", S7_ERR_ADDR, "string length 0", "1..254");
    BAD("DB1.DBB0:WSTRING[16383]", S7_ERR_ADDR, "string length 16383", "1..16382");
    BAD("DB1", S7_ERR_ADDR, "'DB1' needs an address inside the DB", "DB1.DBW0");
    BAD("DBW4", S7_ERR_ADDR, "needs a DB number in front", "DB1.DBW4");
    BAD("DB.DBW4", S7_ERR_ADDR, "needs a DB number", NULL);
    BAD("DB1.XYZ4", S7_ERR_ADDR, "expected DBX, DBB, DBW or DBD", NULL);
    BAD("DB1.DB4", S7_ERR_ADDR, "'DB1.DB4' needs a width or a type", "DB1.DBW4");
    BAD("DB1.DBQ4", S7_ERR_ADDR, "unknown width 'DBQ'", "DBW");
    BAD("MQ4", S7_ERR_ADDR, "unknown width 'Q' in 'MQ4'", "W word");
    BAD("", S7_ERR_ADDR, "empty address", NULL);
    BAD("   ", S7_ERR_ADDR, "empty address", NULL);
    BAD("MW", S7_ERR_ADDR, "'MW' needs a byte offset after MW", NULL);
    BAD("T", S7_ERR_ADDR, "needs a timer number", "T5");
    BAD("Z", S7_ERR_ADDR, "needs a counter number", NULL);
    BAD("TW4", S7_ERR_ADDR, "addressed by number only", NULL);
    BAD("T5.1", S7_ERR_ADDR, "no bits", NULL);
    BAD("PX4", S7_ERR_ADDR, "unknown area 'PX'", "PIW");
    BAD("MW4:", S7_ERR_ADDR, "needs a type after ':'", NULL);
    BAD("MW4:INT[3", S7_ERR_ADDR, "missing ']'", NULL);
    BAD("MW4:INT(3)", S7_ERR_ADDR, "string length", "[n]");
    BAD("MW4x", S7_ERR_ADDR, "unexpected 'x' after 'MW4'", NULL);
    BAD("MW4:INT[3]x", S7_ERR_ADDR, "unexpected 'x'", NULL);
    /* a blank inside (STL writes U M 10.0): named, with the address without it */
    BAD("MW4 :INT", S7_ERR_ADDR,
        "blank inside 'MW4 :INT': an address is written without blanks, e.g. MW4:INT", NULL);
    BAD("M 10.0", S7_ERR_ADDR, "blank inside 'M 10.0': an address is written without blanks",
        "e.g. M10.0");
    BAD("DB1.DBW 4", S7_ERR_ADDR, "blank inside 'DB1.DBW 4'", "e.g. DB1.DBW4");
    BAD("M 1.8", S7_ERR_ADDR, "needs a byte offset", NULL); /* no address without the blank */
    /* a TIA Portal symbol: named as one, with where the absolute address is found */
    BAD("\"DB1\".x", S7_ERR_ADDR,
        "'\"DB1\".x' is a symbolic name: PUT/GET reaches memory only by absolute address",
        "e.g. DB1.DBX0.0");
    BAD("#temp", S7_ERR_ADDR, "'#temp' is a symbolic name", NULL);
    BAD("DB1.DBW4.2", S7_ERR_ADDR, "unexpected", NULL);
    BAD("M1.2.3.4", S7_ERR_ADDR, "unexpected", NULL);
    BAD("M1.", S7_ERR_ADDR, "needs a number after '.'", NULL);
    BAD("%DB1:4", S7_ERR_ADDR, "needs a type", "%DB1:4:REAL");
    BAD("DB1,", S7_ERR_ADDR, "needs a type and a byte offset", NULL);
    BAD("DB1,FOO4", S7_ERR_ADDR, "unknown type 'FOO'", "nodes7 types");
    BAD("DB1,REAL", S7_ERR_ADDR, "needs a byte offset after REAL", NULL);
    BAD("DB1,X3", S7_ERR_ADDR, "needs a bit number", "DB1,X3.0");
    BAD("DB1,INT2.3.4", S7_ERR_ADDR, "unexpected", NULL);
    BAD("MR4:INT", S7_ERR_TYPE, "already names its type (REAL)", NULL);
    BAD("MW4.2:INT[2]", S7_ERR_ADDR, "array length twice", NULL);
    BAD("DB1.DBW0:INT[3]:REAL", S7_ERR_ADDR, "unexpected", NULL);
    BAD("DB1.DBB0:STRING[20]abc", S7_ERR_ADDR, "unexpected", NULL);
    BAD("DB1;DBW0", S7_ERR_ADDR, "unexpected ';' after 'DB1'", NULL);
    BAD("DB99999999999999999999.DBW0", S7_ERR_ADDR, "not a valid DB number", NULL);
    BAD("MB99999999999999999999", S7_ERR_ADDR, "must be 0..65535", NULL);
    BAD("DB1.DBB0:BYTE[99999999999999]", S7_ERR_ADDR, "at most 65535", NULL);
    {
        char longtext[400];
        memset(longtext, 'M', sizeof longtext - 1);
        longtext[sizeof longtext - 1] = 0;
        BAD(longtext, S7_ERR_ADDR, "too long", NULL);
    }
    /* NULL arguments, NULL or tiny error buffers */
    s7_tag t;
    CHECK_INT(s7_tag_parse(NULL, &t, NULL, 0), S7_ERR_INVAL);
    CHECK_INT(s7_tag_parse("MW0", NULL, NULL, 0), S7_ERR_INVAL);
    CHECK_INT(s7_tag_parse("X10", &t, NULL, 0), S7_ERR_ADDR);
    char tiny[8];
    memset(tiny, 'x', sizeof tiny);
    CHECK_INT(s7_tag_parse("X10", &t, tiny, 5), S7_ERR_ADDR);
    CHECK_INT((long long)strlen(tiny), 4);
    CHECK(tiny[5] == 'x');
    char one[1] = {'x'};
    CHECK_INT(s7_tag_parse("X10", &t, one, 1), S7_ERR_ADDR);
    CHECK(one[0] == '\0');
    /* the error buffer is cleared on success */
    char e2[32] = "stale";
    CHECK_INT(s7_tag_parse("MW0", &t, e2, sizeof e2), 0);
    CHECK_STR(e2, "");
}

static void test_types_api(void)
{
    s7_type ty;
    CHECK_INT(s7_type_from_name("real", 4, &ty), 0);
    CHECK_INT(ty, S7_T_REAL);
    CHECK_INT(s7_type_from_name("Date_And_Time", 13, &ty), 0);
    CHECK_INT(ty, S7_T_DATE_AND_TIME);
    CHECK_INT(s7_type_from_name("dt", 2, &ty), 0);
    CHECK_INT(ty, S7_T_DATE_AND_TIME);
    CHECK_INT(s7_type_from_name("REALX", 4, &ty), 0); /* len limits the name */
    CHECK_INT(s7_type_from_name("REALL", 5, &ty), S7_ERR_TYPE);
    CHECK_INT(s7_type_from_name("", 0, &ty), S7_ERR_TYPE);
    for (int k = 0; k < S7_T__COUNT; k++) {
        const char *nm = s7_type_name((s7_type)k);
        CHECK_INT(s7_type_from_name(nm, strlen(nm), &ty), 0);
        CHECK_INT(ty, k);
    }
    CHECK_STR(s7_type_name(S7_T__COUNT), "?");
    CHECK_INT(s7_type_size(S7_T_STRING, 20), 22);
    CHECK_INT(s7_type_size(S7_T_WSTRING, 10), 24);
    CHECK_INT(s7_type_size(S7_T_DTL, 0), 12);
    CHECK_INT(s7_type_size(S7_T_DATE_AND_TIME, 0), 8);
    CHECK_INT(s7_type_size(S7_T_LREAL, 0), 8);
    CHECK_INT(s7_type_size(S7_T_BOOL, 0), 1);
    CHECK_INT(s7_type_size(S7_T_TIMER, 0), 2);
}

static void spec_(int line, const char *text, uint8_t ts, uint16_t count, uint16_t db, uint8_t area,
                  uint32_t addr, uint32_t wire, uint32_t size)
{
    s7_tag t;
    s7_var_spec sp;
    char err[200];
    int rc = s7_tag_parse(text, &t, err, sizeof err);
    CHECK_INT(rc, 0);
    if (rc)
        return;
    s7_tag_spec(&t, &sp);
    if (sp.ts != ts || sp.count != count || sp.db != db || sp.area != area || sp.addr != addr ||
        s7_tag_wire_size(&t) != wire || s7_tag_size(&t) != size)
        fprintf(stderr, "line %d: %s -> ts %02X count %u db %u area %02X addr %u wire %u size %u\n",
                line, text, sp.ts, sp.count, sp.db, sp.area, sp.addr, s7_tag_wire_size(&t),
                s7_tag_size(&t));
    CHECK_INT(sp.ts, ts);
    CHECK_INT(sp.count, count);
    CHECK_INT(sp.db, db);
    CHECK_INT(sp.area, area);
    CHECK_INT(sp.addr, addr);
    CHECK_INT(s7_tag_wire_size(&t), wire);
    CHECK_INT(s7_tag_size(&t), size);
}
#define SPEC(...) spec_(__LINE__, __VA_ARGS__)

static void test_spec(void)
{
    SPEC("M3.5", S7_TS_BIT, 1, 0, M, 29, 1, 1);
    SPEC("DB1.DBX0.0", S7_TS_BIT, 1, 1, DB, 0, 1, 1);
    SPEC("DB1.DBB10:BYTE[3]", S7_TS_BYTE, 3, 1, DB, 80, 3, 3);
    SPEC("DB1.DBD8:REAL", S7_TS_BYTE, 4, 1, DB, 64, 4, 4);
    SPEC("T0:TIMER[2]", S7_TS_TIMER, 2, 0, T, 0, 4, 4);
    SPEC("C7", S7_TS_COUNTER, 1, 0, C, 7, 2, 2);
    SPEC("DB1.DBB10:STRING[20]", S7_TS_BYTE, 22, 1, DB, 80, 22, 22);
    SPEC("DB1.DBB0:WSTRING[10]", S7_TS_BYTE, 24, 1, DB, 0, 24, 24);
    SPEC("DB1.DBX0.0:BOOL[10]", S7_TS_BYTE, 2, 1, DB, 0, 2, 10);
    SPEC("DB1.DBX0.7:BOOL[2]", S7_TS_BYTE, 2, 1, DB, 0, 2, 2);
    SPEC("DB1.DBX0.0:BOOL[8]", S7_TS_BYTE, 1, 1, DB, 0, 1, 8);
    SPEC("DB1.DBX2.1:BOOL[16]", S7_TS_BYTE, 3, 1, DB, 16, 3, 16);
    SPEC("MW4:INT[3]", S7_TS_BYTE, 6, 0, M, 32, 6, 6);
    SPEC("DI2.DIW0", S7_TS_BYTE, 2, 2, DI, 0, 2, 2);
    SPEC("PIW256", S7_TS_BYTE, 2, 0, P, 2048, 2, 2);
    SPEC("VW10", S7_TS_BYTE, 2, 1, DB, 80, 2, 2);
    SPEC("DB1.DBB0:DTL[2]", S7_TS_BYTE, 24, 1, DB, 0, 24, 24);
    SPEC("M1.2:BOOL[1]", S7_TS_BIT, 1, 0, M, 10, 1, 1);
    SPEC("DB1.DBB65535", S7_TS_BYTE, 1, 1, DB, 65535u * 8, 1, 1);
}

int main(void)
{
    test_step7();
    test_suffix();
    test_plc4x();
    test_nodes7();
    test_v_memory();
    test_errors();
    test_types_api();
    test_spec();
    return t_done();
}
