/* Tests of s7_value_format / s7_value_parse: every type with edge values, text and JSON
 * modes, arrays, BOOL bit merging, strings with odd headers, and the error messages. */
#include <stdio.h>
#include <string.h>

#include "s7/tag.h"
#include "t.h"

static s7_tag tag(const char *addr)
{
    s7_tag t;
    char err[256];
    memset(&t, 0, sizeof t);
    if (s7_tag_parse(addr, &t, err, sizeof err) != 0) {
        fprintf(stderr, "bad test address %s: %s\n", addr, err);
        t_fail++;
    }
    return t;
}

/* Format wire bytes (hex) of addr and compare with want. */
static void vf_(int line, const char *addr, const char *hex, int json, const char *want)
{
    s7_tag t = tag(addr);
    unsigned char wire[4096];
    size_t n = t_hex(hex, wire, sizeof wire);
    char out[4096];
    int rc = s7_value_format(&t, wire, n, json, out, sizeof out);
    if (rc < 0 || strcmp(out, want) != 0)
        fprintf(stderr, "line %d: %s %s json=%d -> %d '%s', want '%s'\n", line, addr, hex, json, rc,
                out, want);
    CHECK_INT(rc, (long long)strlen(want));
    CHECK_STR(out, want);
}
#define VF(addr, hex, want) vf_(__LINE__, addr, hex, 0, want)
#define VJ(addr, hex, want) vf_(__LINE__, addr, hex, 1, want)

/* Parse text for addr into a buffer that starts as init (hex) and compare with want. */
static void vp_(int line, const char *addr, const char *init, const char *text, const char *want)
{
    s7_tag t = tag(addr);
    unsigned char out[4096], exp[4096];
    memset(out, 0xEE, sizeof out);
    t_hex(init, out, sizeof out);
    size_t n = t_hex(want, exp, sizeof exp);
    char err[256] = "";
    int rc = s7_value_parse(&t, text, out, sizeof out, err, sizeof err);
    int same = rc >= 0 && memcmp(out, exp, n) == 0;
    if (rc != (int)n || !same) {
        fprintf(stderr, "line %d: %s '%s' -> %d %s:", line, addr, text, rc, err);
        for (size_t k = 0; k < n; k++)
            fprintf(stderr, " %02X", out[k]);
        fprintf(stderr, " (want %s)\n", want);
    }
    CHECK_INT(rc, (long long)n);
    CHECK(same);
}
#define VP(addr, text, want) vp_(__LINE__, addr, "", text, want)
#define VPI(addr, init, text, want) vp_(__LINE__, addr, init, text, want)

static void vbad_(int line, const char *addr, const char *text, const char *k1, const char *k2)
{
    s7_tag t = tag(addr);
    unsigned char out[4096];
    char err[512] = "";
    int rc = s7_value_parse(&t, text, out, sizeof out, err, sizeof err);
    if (rc != S7_ERR_VALUE || (k1 && !strstr(err, k1)) || (k2 && !strstr(err, k2)))
        fprintf(stderr, "line %d: %s '%s' -> %d '%s' (want '%s' '%s')\n", line, addr, text, rc, err,
                k1 ? k1 : "", k2 ? k2 : "");
    CHECK_INT(rc, S7_ERR_VALUE);
    if (k1)
        CHECK(strstr(err, k1) != NULL);
    if (k2)
        CHECK(strstr(err, k2) != NULL);
}
#define VBAD(addr, text, k1, k2) vbad_(__LINE__, addr, text, k1, k2)

/* text -> bytes -> text gives the same text (text mode). */
static void rt_(int line, const char *addr, const char *text)
{
    s7_tag t = tag(addr);
    unsigned char w[4096];
    memset(w, 0, sizeof w);
    char err[256] = "", out[4096] = "";
    int rc = s7_value_parse(&t, text, w, sizeof w, err, sizeof err);
    CHECK(rc > 0);
    s7_value_format(&t, w, (size_t)(rc > 0 ? rc : 0), 0, out, sizeof out);
    if (rc <= 0 || strcmp(out, text) != 0)
        fprintf(stderr, "line %d: %s '%s' -> %d %s '%s'\n", line, addr, text, rc, err, out);
    CHECK_STR(out, text);
}
#define RT(addr, text) rt_(__LINE__, addr, text)

static void test_bool(void)
{
    VF("M1.2", "01", "true");
    VF("M1.2", "00", "false");
    VF("M1.2", "FF", "true");
    VJ("M1.2", "01", "true");
    VP("M1.2", "true", "01");
    VP("M1.2", "TRUE", "01");
    VP("M1.2", "1", "01");
    VP("M1.2", "on", "01");
    VP("M1.2", " off ", "00");
    VP("M1.2", "false", "00");
    VP("M1.2", "0", "00");
    VBAD("M1.2", "maybe", "'maybe' is not a BOOL", "true/false");
    VBAD("M1.2", "", "is not a BOOL", NULL);
    /* arrays: bits 6, 7 of byte 0 and 0, 1 of byte 1 */
    VF("DB1.DBX0.6:BOOL[4]", "40 02", "[true, false, false, true]");
    VJ("DB1.DBX0.6:BOOL[4]", "40 02", "[true, false, false, true]");
    VPI("DB1.DBX0.6:BOOL[4]", "FF 00", "[false, true, true, false]", "BF 01");
    VPI("DB1.DBX0.6:BOOL[4]", "00 FF", "1,0,0,1", "40 FE");
    VPI("DB1.DBX0.0:BOOL[10]", "00 00", "[1,1,1,1,1,1,1,1,1,1]", "FF 03");
    VPI("DB1.DBX0.0:BOOL[10]", "FF FF", "[0,0,0,0,0,0,0,0,0,0]", "00 FC");
    VF("M1.2:BOOL[1]", "01", "[true]");
    VP("M1.2:BOOL[1]", "[on]", "01");
    VBAD("DB1.DBX0.0:BOOL[3]", "[1, 0]", "BOOL[3] needs 3 values, got 2", NULL);
}

static void test_ints(void)
{
    VF("MB0", "FF", "255");
    VF("MB0", "00", "0");
    VP("MB0", "255", "FF");
    VP("MB0", "16#FF", "FF");
    VP("MB0", "0xff", "FF");
    VP("MB0", "2#1010", "0A");
    VP("MB0", "8#17", "0F");
    VP("MB0", "B#16#1F", "1F");
    VP("MB0", "+7", "07");
    VP("MB0", "-0", "00");
    VBAD("MB0", "300", "'300' is out of range for BYTE (0..255)", NULL);
    VBAD("MB0", "-1", "out of range for BYTE", NULL);
    VBAD("MB0", "abc", "'abc' is not a BYTE", "16#FF");
    VBAD("MB0", "16#", "is not a BYTE", NULL);
    VBAD("MB0", "2#102", "is not a BYTE", NULL);
    VBAD("MB0", "1.5", "is not a BYTE", NULL);
    VF("MW0", "FFFF", "65535");
    VP("MW0", "W#16#FFFF", "FFFF");
    VP("MW0", "16#FF_FF", "FFFF");
    VP("MW0", "65_535", "FFFF");
    VBAD("MW0", "65536", "out of range for WORD (0..65535)", NULL);
    VF("MD0", "DEADBEEF", "3735928559");
    VP("MD0", "DW#16#DEADBEEF", "DEADBEEF");
    VBAD("MD0", "4294967296", "out of range for DWORD", NULL);
    VF("DB1.DBB0:LWORD", "FFFFFFFFFFFFFFFF", "18446744073709551615");
    VP("DB1.DBB0:LWORD", "18446744073709551615", "FFFFFFFFFFFFFFFF");
    VBAD("DB1.DBB0:LWORD", "18446744073709551616", "out of range for LWORD", NULL);
    VBAD("DB1.DBB0:LWORD", "99999999999999999999999", "out of range", NULL);
    VF("MB0:SINT", "80", "-128");
    VF("MB0:SINT", "7F", "127");
    VP("MB0:SINT", "-128", "80");
    VBAD("MB0:SINT", "128", "out of range for SINT (-128..127)", NULL);
    VBAD("MB0:SINT", "-129", "out of range for SINT", NULL);
    VF("MB0:USINT", "FF", "255");
    VF("MW0:INT", "8000", "-32768");
    VF("MW0:INT", "7FFF", "32767");
    VF("MW0:INT", "FFFF", "-1");
    VP("MW0:INT", "-32768", "8000");
    VP("MW0:INT", "INT#-5", "FFFB");
    VBAD("MW0:INT", "-32769", "'-32769' is out of range for INT (-32768..32767)", NULL);
    VBAD("MW0:INT", "32768", "out of range for INT", NULL);
    VBAD("MW0:INT", "abc", "'abc' is not an INT", NULL);
    VF("MW0:UINT", "FFFF", "65535");
    VF("MD0:DINT", "80000000", "-2147483648");
    VP("MD0:DINT", "-2147483648", "80000000");
    VP("MD0:DINT", "L#100000", "000186A0");
    VBAD("MD0:DINT", "2147483648", "out of range for DINT", NULL);
    VF("MD0:UDINT", "FFFFFFFF", "4294967295");
    VF("DB1.DBB0:LINT", "8000000000000000", "-9223372036854775808");
    VP("DB1.DBB0:LINT", "-9223372036854775808", "8000000000000000");
    VP("DB1.DBB0:LINT", "9223372036854775807", "7FFFFFFFFFFFFFFF");
    VBAD("DB1.DBB0:LINT", "9223372036854775808", "out of range for LINT", NULL);
    VF("DB1.DBB0:ULINT", "FFFFFFFFFFFFFFFF", "18446744073709551615");
    RT("MW0:INT", "-32768");
    RT("MD0:DINT", "123456789");
}

static void test_reals(void)
{
    VF("MD0:REAL", "40600000", "3.5");
    VF("MD0:REAL", "00000001", "1e-45");
    VF("MD0:REAL", "3DCCCCCD", "0.1");
    VF("MD0:REAL", "47C35000", "100000");
    VF("MD0:REAL", "4B800000", "16777216");
    VF("MD0:REAL", "7F7FFFFF", "3.4028235e38");
    VF("MD0:REAL", "00800000", "1.1754944e-38");
    VF("MD0:REAL", "80000000", "-0");
    VF("MD0:REAL", "00000000", "0");
    VF("MD0:REAL", "BF800000", "-1");
    VF("MD0:REAL", "7FC00000", "nan");
    VF("MD0:REAL", "7F800000", "inf");
    VF("MD0:REAL", "FF800000", "-inf");
    VJ("MD0:REAL", "7FC00000", "null");
    VJ("MD0:REAL", "FF800000", "null");
    VJ("MD0:REAL", "40600000", "3.5");
    VP("MD0:REAL", "3.5", "40600000");
    VP("MD0:REAL", "1e-45", "00000001");
    VP("MD0:REAL", "-1e3", "C47A0000");
    VP("MD0:REAL", "inf", "7F800000");
    VP("MD0:REAL", "-inf", "FF800000");
    VP("MD0:REAL", "3.4028235e38", "7F7FFFFF");
    VBAD("MD0:REAL", "abc", "'abc' is not a REAL (e.g. 3.5, -1e3)", NULL);
    VBAD("MD0:REAL", "1e39", "out of range for REAL", NULL);
    /* too small to be anything but 0: refused, not written as 0 */
    VBAD("MD0:REAL", "1e-46",
         "'1e-46' is too small for REAL: it would be 0 (the smallest is 1.4e-45)", NULL);
    VBAD("DB1.DBB0:LREAL", "1e-400", "is too small for LREAL", NULL);
    VBAD("MD0:REAL", "3.5x", "is not a REAL", NULL);
    VBAD("MD0:REAL", "", "is not a REAL", NULL);
    VBAD("MD0:REAL", "1 2", "is not a REAL", NULL);
    {
        s7_tag t = tag("MD0:REAL");
        unsigned char w[4];
        char err[100];
        CHECK_INT(s7_value_parse(&t, "nan", w, sizeof w, err, sizeof err), 4);
        CHECK(s7_get_real(w) != s7_get_real(w));
    }
    VF("DB1.DBB0:LREAL", "3FB999999999999A", "0.1");
    VF("DB1.DBB0:LREAL", "3FD5555555555555", "0.3333333333333333");
    VF("DB1.DBB0:LREAL", "0000000000000001", "5e-324");
    VF("DB1.DBB0:LREAL", "7FEFFFFFFFFFFFFF", "1.7976931348623157e308");
    VF("DB1.DBB0:LREAL", "3E45798EE2308C3A", "1e-8");
    VF("DB1.DBB0:LREAL", "3E8421F5F40D8376", "1.5e-7");
    VF("DB1.DBB0:LREAL", "3EB0C6F7A0B5ED8D", "0.000001");
    VF("DB1.DBB0:LREAL", "3E7AD7F29ABCAF48", "1e-7");
    VF("DB1.DBB0:LREAL", "4415AF1D78B58C40", "100000000000000000000");
    VF("DB1.DBB0:LREAL", "444B1AE4D6E2EF50", "1e21");
    VJ("DB1.DBB0:LREAL", "7FF8000000000000", "null");
    VP("DB1.DBB0:LREAL", "0.1", "3FB999999999999A");
    VBAD("DB1.DBB0:LREAL", "1e309", "out of range for LREAL", NULL);
    RT("MD0:REAL", "3.5");
    RT("MD0:REAL", "-0.15625");
    RT("MD0:REAL", "123456.79");
    RT("DB1.DBB0:LREAL", "2.718281828459045");
    RT("DB1.DBB0:LREAL", "-1.5e-300");
}

static void test_text(void)
{
    VF("MB0:CHAR", "41", "A");
    VJ("MB0:CHAR", "41", "\"A\"");
    VF("MB0:CHAR", "22", "\"\\\"\"");
    VF("MB0:CHAR", "20", "\" \"");
    VF("MB0:CHAR", "0A", "\"\\n\"");
    VF("MB0:CHAR", "E9", "\xC3\xA9");
    VJ("MB0:CHAR", "00", "\"\\u0000\"");
    VP("MB0:CHAR", "A", "41");
    VP("MB0:CHAR", "'A'", "41");
    VP("MB0:CHAR", "\"\\\"\"", "22");
    VP("MB0:CHAR", "'", "27");
    VP("MB0:CHAR", "\xC3\xA9", "E9");
    VP("MB0:CHAR", "\"\\x7f\"", "7F");
    VBAD("MB0:CHAR", "AB", "'AB' is not a CHAR", "one character");
    VBAD("MB0:CHAR", "", "is not a CHAR", NULL);
    VBAD("MB0:CHAR", "\xE2\x82\xAC", "beyond Latin-1", "WCHAR");
    VBAD("MB0:CHAR", "\xFF", "not valid UTF-8", NULL);
    VF("MW0:WCHAR", "20AC", "\xE2\x82\xAC");
    VP("MW0:WCHAR", "\xE2\x82\xAC", "20AC");
    VP("MW0:WCHAR", "\"\\u20ac\"", "20AC");
    VBAD("MW0:WCHAR", "\xF0\x9F\x98\x80", "does not fit a WCHAR", "WSTRING");
    /* STRING[n]: max, actual, chars */
    VF("DB1.DBB0:STRING[10]", "0A 05 68656C6C6F 0000000000", "hello");
    VJ("DB1.DBB0:STRING[10]", "0A 05 68656C6C6F 0000000000", "\"hello\"");
    VF("DB1.DBB0:STRING[10]", "0A 00 00000000000000000000", "");
    VJ("DB1.DBB0:STRING[10]", "0A 00 00000000000000000000", "\"\"");
    VF("DB1.DBB0:STRING[10]", "04 08 6162636465666768 0000", "abcd"); /* actual > max */
    VF("DB1.DBB0:STRING[4]", "FE 08 61626364", "abcd");               /* actual > n */
    VF("DB1.DBB0:STRING[4]", "FE FF 61626364", "abcd");
    VF("DB1.DBB0:STRING[4]", "04 02 2078 0000", "\" x\"");
    VF("DB1.DBB0:STRING[12]", "0C 0A 610A62225C630964 01 65 0000",
       "\"a\\nb\\\"\\\\c\\td\\u0001e\"");
    VJ("DB1.DBB0:STRING[12]", "0C 0A 610A62225C630964 01 65 0000",
       "\"a\\nb\\\"\\\\c\\td\\u0001e\"");
    VF("DB1.DBB0:STRING[4]", "04 02 E9FC 0000", "\xC3\xA9\xC3\xBC");
    VP("DB1.DBB0:STRING[4]", "hi", "04 02 6869 0000");
    VP("DB1.DBB0:STRING[4]", "\"a\\\"b\"", "04 03 612262 00");
    VP("DB1.DBB0:STRING[4]", "'a,b'", "04 03 612C62 00");
    VP("DB1.DBB0:STRING[4]", "a,b", "04 03 612C62 00");
    VP("DB1.DBB0:STRING[4]", "", "04 00 00000000");
    VP("DB1.DBB0:STRING[4]", "\"\"", "04 00 00000000");
    VP("DB1.DBB0:STRING[4]", "\"  \"", "04 02 2020 0000");
    VP("DB1.DBB0:STRING[4]", "\xC3\xA9", "04 01 E9 000000");
    VBAD("DB1.DBB0:STRING[4]", "hello", "'hello' is 5 characters but STRING[4] holds at most 4",
         NULL);
    /* a WSTRING counts UTF-16 units: two emoji are 2 characters in 4 units (the message
     * said "4 characters") */
    VBAD("DB1.DBB0:WSTRING[2]", "\xF0\x9F\x98\x80\xF0\x9F\x98\x80",
         "is 2 characters in 4 UTF-16 units (one past U+FFFF takes two) but WSTRING[2] holds at "
         "most 2 units",
         NULL);
    VBAD("DB1.DBB0:STRING[4]", "\"a\\q\"", "bad escape", NULL);
    VBAD("DB1.DBB0:STRING[4]", "\"ab", "starts with a quote but does not end with it", NULL);
    VBAD("DB1.DBB0:STRING[4]", "'ab", "starts with a quote but does not end with it", NULL);
    VBAD("DB1.DBB0:STRING[4]", "\xE2\x82\xAC", "beyond Latin-1", "WSTRING");
    RT("DB1.DBB0:STRING[20]", "hello, world");
    RT("DB1.DBB0:STRING[20]", "\" lead\"");
    RT("DB1.DBB0:STRING[20]", "\"tab\\there\"");
    RT("DB1.DBB0:STRING[20]", "\"\\\"q\"");
    /* WSTRING[n]: u16 max, u16 actual, UTF-16BE */
    VF("DB1.DBB0:WSTRING[4]", "0004 0002 0048 0069 0000 0000", "Hi");
    VJ("DB1.DBB0:WSTRING[4]", "0004 0002 0048 0069 0000 0000", "\"Hi\"");
    VF("DB1.DBB0:WSTRING[4]", "0004 0002 D83D DE00 0000 0000", "\xF0\x9F\x98\x80");
    VF("DB1.DBB0:WSTRING[4]", "0004 0001 D800 0000 0000 0000", "\xEF\xBF\xBD");
    VF("DB1.DBB0:WSTRING[4]", "0002 0009 0041 0042 0043 0044", "AB");
    VP("DB1.DBB0:WSTRING[4]", "\xF0\x9F\x98\x80", "0004 0002 D83D DE00 0000 0000");
    VP("DB1.DBB0:WSTRING[4]", "\"\\ud83d\\ude00!\"", "0004 0003 D83D DE00 0021 0000");
    VP("DB1.DBB0:WSTRING[4]", "\xE2\x82\xAC", "0004 0001 20AC 0000 0000 0000");
    VBAD("DB1.DBB0:WSTRING[4]", "abcde", "5 characters but WSTRING[4]", NULL);
    VBAD("DB1.DBB0:WSTRING[4]", "\"\\ud83d\"", "bad escape", NULL);
    RT("DB1.DBB0:WSTRING[10]", "\xE6\x97\xA5\xE6\x9C\xAC");
    /* arrays of strings and chars */
    VF("DB1.DBB0:STRING[2][2]", "02 01 61 00 02 02 6263", "[\"a\", \"bc\"]");
    VJ("DB1.DBB0:STRING[2][2]", "02 01 61 00 02 02 6263", "[\"a\", \"bc\"]");
    VP("DB1.DBB0:STRING[3][2]", "[\"a,b\", 'c']", "03 03 612C62 03 01 63 0000");
    VP("DB1.DBB0:STRING[3][2]", "x, y", "03 01 78 0000 03 01 79 0000");
    VF("DB1,C0.3", "41 2C 43", "[\"A\", \",\", \"C\"]");
    VP("DB1,C0.3", "[\"A\", \",\", \"C\"]", "41 2C 43");
    VP("DB1,C0.3", "A,B,C", "41 42 43");
}

static void test_dates(void)
{
    VF("MW0:DATE", "34A1", "2026-11-21");
    VF("MW0:DATE", "0000", "1990-01-01");
    VF("MW0:DATE", "FFFF", "2169-06-06");
    VJ("MW0:DATE", "34A1", "\"2026-11-21\"");
    VP("MW0:DATE", "2026-11-21", "34A1");
    VP("MW0:DATE", "D#2026-11-21", "34A1");
    VP("MW0:DATE", "date#1990-01-01", "0000");
    VP("MW0:DATE", "2169-06-06", "FFFF");
    VP("MW0:DATE", "2000-2-29", "0E7F");
    VBAD("MW0:DATE", "2169-06-07", "out of range for DATE", "1990-01-01..2169-06-06");
    VBAD("MW0:DATE", "1989-12-31", "out of range for DATE", NULL);
    VBAD("MW0:DATE", "2026-02-30", "is not a DATE", "2026-11-21");
    VBAD("MW0:DATE", "2026-11-21x", "is not a DATE", NULL);
    VBAD("MW0:DATE", "21.11.2026", "is not a DATE", NULL);
    /* TIME: signed ms */
    VF("MD0:TIME", "059707C5", "T#1d2h3m4s5ms");
    VF("MD0:TIME", "FA68F83B", "T#-1d2h3m4s5ms");
    VF("MD0:TIME", "00000000", "T#0ms");
    VF("MD0:TIME", "000003E8", "T#1s");
    VF("MD0:TIME", "80000000", "T#-24d20h31m23s648ms");
    VF("MD0:TIME", "7FFFFFFF", "T#24d20h31m23s647ms");
    VJ("MD0:TIME", "000003E8", "\"T#1s\"");
    VP("MD0:TIME", "T#1d2h3m4s5ms", "059707C5");
    VP("MD0:TIME", "T#-1d2h3m4s5ms", "FA68F83B");
    VP("MD0:TIME", "T#5s", "00001388");
    VP("MD0:TIME", "time#5S", "00001388");
    VP("MD0:TIME", "5s", "00001388");
    VP("MD0:TIME", "1500", "000005DC");
    VP("MD0:TIME", "T#1.5s", "000005DC");
    VP("MD0:TIME", "T#1d_2h", "05943900");
    VP("MD0:TIME", "T#-24d20h31m23s648ms", "80000000");
    VP("MD0:TIME", "T#0ms", "00000000");
    VBAD("MD0:TIME", "T#25d", "out of range for TIME", NULL);
    VBAD("MD0:TIME", "T#0.5ms", "out of range for TIME", "whole milliseconds");
    VBAD("MD0:TIME", "T#abc", "is not a TIME", "T#1d2h3m4s5ms");
    VBAD("MD0:TIME", "T#5x", "is not a TIME", NULL);
    VBAD("MD0:TIME", "", "is not a TIME", NULL);
    RT("MD0:TIME", "T#2h30m");
    /* TOD */
    VF("MD0:TOD", "02F34FDB", "13:45:00.123");
    VF("MD0:TOD", "00000000", "00:00:00.000");
    VF("MD0:TOD", "05265BFF", "23:59:59.999");
    VJ("MD0:TOD", "02F34FDB", "\"13:45:00.123\"");
    VP("MD0:TOD", "13:45:00.123", "02F34FDB");
    VP("MD0:TOD", "TOD#13:45:00.123", "02F34FDB");
    VP("MD0:TOD", "TIME_OF_DAY#13:45", "02F34F60");
    VP("MD0:TOD", "13:45:00.1", "02F34FC4");
    VF("MD0:TOD", "05265C00", "16#05265C00"); /* 24:00:00.000 is not a time of day */
    VP("MD0:TOD", "16#05265C00", "05265C00");
    VBAD("MD0:TOD", "24:00", "is not a TOD", "13:45:00.123");
    VBAD("MD0:TOD", "12:60", "is not a TOD", NULL);
    VBAD("MD0:TOD", "12:00:00.1234", "is not a TOD", NULL);
    /* S5TIME: every time base */
    VF("MW0:S5TIME", "0250", "S5T#2s500ms");
    VF("MW0:S5TIME", "0000", "S5T#0ms");
    VF("MW0:S5TIME", "0999", "S5T#9s990ms");
    VF("MW0:S5TIME", "1999", "S5T#1m39s900ms");
    VF("MW0:S5TIME", "2999", "S5T#16m39s");
    VF("MW0:S5TIME", "3999", "S5T#2h46m30s");
    VF("MW0:S5TIME", "3001", "S5T#10s");
    VF("MW0:S5TIME", "00AB", "16#00AB");
    VJ("MW0:S5TIME", "0250", "\"S5T#2s500ms\"");
    VJ("MW0:S5TIME", "00AB", "\"16#00AB\"");
    VP("MW0:S5TIME", "S5T#2s500ms", "0250");
    VP("MW0:S5TIME", "S5T#2s", "0200");
    VP("MW0:S5TIME", "S5T#10s", "1100");
    VP("MW0:S5TIME", "S5T#9s990ms", "0999");
    VP("MW0:S5TIME", "S5T#1m39s900ms", "1999");
    VP("MW0:S5TIME", "S5T#16m39s", "2999");
    VP("MW0:S5TIME", "T#2h46m30s", "3999");
    VP("MW0:S5TIME", "S5TIME#0ms", "0000");
    VP("MW0:S5TIME", "16#00AB", "00AB");
    VBAD("MW0:S5TIME", "S5T#1234ms", "cannot be stored as S5TIME", "10ms steps");
    VBAD("MW0:S5TIME", "S5T#3h", "cannot be stored", NULL);
    VBAD("MW0:S5TIME", "S5T#-1s", "negative", NULL);
    VBAD("MW0:S5TIME", "S5T#x", "is not a S5TIME", NULL);
    /* TIMER: S5TIME word, status bits 14-15 ignored */
    VF("T5", "2123", "S5T#2m3s");
    VF("T5", "E123", "S5T#2m3s");
    VP("T5", "S5T#2m3s", "2123");
    VF("T0:TIMER[2]", "0010 1001", "[S5T#100ms, S5T#100ms]");
    VJ("T0:TIMER[2]", "0010 1001", "[\"S5T#100ms\", \"S5T#100ms\"]");
    /* COUNTER: 3 BCD digits */
    VF("C3", "0123", "123");
    VF("C3", "0999", "999");
    VF("C3", "0000", "0");
    VF("C3", "00AB", "16#00AB");
    VJ("C3", "0042", "42");
    VP("C3", "123", "0123");
    VP("C3", "C#42", "0042");
    VP("C3", "16#00AB", "00AB");
    VP("C3", "16#FF", "0255");
    VBAD("C3", "1000", "out of range for COUNTER (0..999)", NULL);
    VBAD("C3", "-1", "out of range for COUNTER", NULL);
    VBAD("C3", "x", "is not a COUNTER", NULL);
    /* DATE_AND_TIME */
    VF("DB1.DBB0:DT", "26 11 21 13 45 00 12 37", "2026-11-21 13:45:00.123");
    VF("DB1.DBB0:DT", "99 12 31 23 59 59 99 96", "1999-12-31 23:59:59.999");
    VF("DB1.DBB0:DT", "89 12 31 23 59 59 99 97", "2089-12-31 23:59:59.999");
    VF("DB1.DBB0:DT", "90 01 01 00 00 00 00 02", "1990-01-01 00:00:00.000");
    VF("DB1.DBB0:DT", "26 13 21 13 45 00 12 37", "16#2613211345001237");
    VJ("DB1.DBB0:DT", "26 11 21 13 45 00 12 37", "\"2026-11-21 13:45:00.123\"");
    VP("DB1.DBB0:DT", "2026-11-21 13:45:00.123", "26 11 21 13 45 00 12 37");
    VP("DB1.DBB0:DT", "DT#2026-11-21-13:45:00.123", "26 11 21 13 45 00 12 37");
    VP("DB1.DBB0:DT", "DATE_AND_TIME#2026-11-21-13:45:00.123", "26 11 21 13 45 00 12 37");
    VP("DB1.DBB0:DT", "2026-11-21T13:45:00.123", "26 11 21 13 45 00 12 37");
    VP("DB1.DBB0:DT", "1999-12-31 23:59:59.999", "99 12 31 23 59 59 99 96");
    VP("DB1.DBB0:DT", "2089-12-31 23:59:59.999", "89 12 31 23 59 59 99 97");
    VP("DB1.DBB0:DT", "2026-11-21", "26 11 21 00 00 00 00 07");
    VP("DB1.DBB0:DT", "16#2613211345001237", "26 13 21 13 45 00 12 37");
    VBAD("DB1.DBB0:DT", "2090-01-01 00:00", "out of range for DATE_AND_TIME", NULL);
    VBAD("DB1.DBB0:DT", "1989-12-31 00:00", "out of range for DATE_AND_TIME", NULL);
    VBAD("DB1.DBB0:DT", "2026-11-21 25:00", "is not a DATE_AND_TIME", NULL);
    VBAD("DB1.DBB0:DT", "2026-11-21 13:45:00.1234", "is not a DATE_AND_TIME", NULL);
    /* DTL */
    VF("DB1.DBB0:DTL", "07EA 0B 15 07 0D 2D 00 075BCD15", "2026-11-21 13:45:00.123456789");
    VF("DB1.DBB0:DTL", "07B2 01 01 05 00 00 00 00000000", "1970-01-01 00:00:00.000000000");
    VF("DB1.DBB0:DTL", "07EA 0D 15 07 0D 2D 00 075BCD15", "16#07EA0D15070D2D00075BCD15");
    VJ("DB1.DBB0:DTL", "07EA 0B 15 07 0D 2D 00 075BCD15", "\"2026-11-21 13:45:00.123456789\"");
    VF("DB1.DBB0:DTL", "07B1 0C 1F 05 00 00 00 00000000", "16#07B10C1F0500000000000000");
    VF("DB1.DBB0:DTL", "07EA 0B 15 07 0D 2D 00 3B9ACA00", "16#07EA0B15070D2D003B9ACA00");
    VP("DB1.DBB0:DTL", "16#07B10C1F0500000000000000", "07B1 0C 1F 05 00 00 00 00000000");
    VP("DB1.DBB0:DTL", "2026-11-21 13:45:00.123456789", "07EA 0B 15 07 0D 2D 00 075BCD15");
    VP("DB1.DBB0:DTL", "DTL#2026-11-21-13:45:00.123456789", "07EA 0B 15 07 0D 2D 00 075BCD15");
    VP("DB1.DBB0:DTL", "2026-11-21 13:45:00.5", "07EA 0B 15 07 0D 2D 00 1DCD6500");
    VP("DB1.DBB0:DTL", "2262-04-11 23:47:16", "08D6 04 0B 06 17 2F 10 00000000");
    VBAD("DB1.DBB0:DTL", "2262-04-12", "out of range for DTL", NULL);
    VBAD("DB1.DBB0:DTL", "1969-12-31", "out of range for DTL", NULL);
    VBAD("DB1.DBB0:DTL", "yesterday", "is not a DTL", NULL);
    RT("DB1.DBB0:DTL", "2000-02-29 12:00:00.000000001");
    RT("DB1.DBB0:DT", "2000-02-29 12:00:00.000");
}

static void test_arrays_and_api(void)
{
    VF("MW4:INT[3]", "0001 FFFF 8000", "[1, -1, -32768]");
    VJ("MW4:INT[3]", "0001 FFFF 8000", "[1, -1, -32768]");
    VF("MW4:INT[1]", "0001", "[1]");
    VJ("MD0:REAL[2]", "3FC00000 7FC00000", "[1.5, null]");
    VF("MD0:REAL[2]", "3FC00000 7FC00000", "[1.5, nan]");
    VP("MW4:INT[3]", "[1, -1, -32768]", "0001 FFFF 8000");
    VP("MW4:INT[3]", "1,2,3", "0001 0002 0003");
    VP("MW4:INT[3]", "  [ 1 ,2, 3 ]  ", "0001 0002 0003");
    VP("MW4:INT[1]", "[7]", "0007");
    VP("MW4:INT[1]", "7", "0007");
    VBAD("MW4:INT[3]", "[1, 2]", "INT[3] needs 3 values, got 2", NULL);
    VBAD("MW4:INT[3]", "[1, 2, 3, 4]", "needs 3 values, got 4", NULL);
    VBAD("MW4:INT[3]", "[]", "got 0", NULL);
    VBAD("MW4:INT[3]", "[1, 2, 3", "closing ']'", NULL);
    VBAD("MW4:INT[3]", "[1, x, 3]", "'x' is not an INT", NULL);
    VBAD("MW4:INT[2]", "1,", "'' is not an INT", NULL);
    VBAD("MW0:INT", "[5]", "is not an INT", NULL);
    VBAD("DB1.DBB0:STRING[2][2]", "[\"a\"]", "STRING[2][2] needs 2 values, got 1", NULL);
    VF("DB1.DBB0:DATE[2]", "0000 34A1", "[1990-01-01, 2026-11-21]");
    VJ("DB1.DBB0:DATE[2]", "0000 34A1", "[\"1990-01-01\", \"2026-11-21\"]");
    RT("MW4:INT[3]", "[1, -1, -32768]");
    /* JSON output parses back too */
    VP("DB1.DBB0:DATE[2]", "[\"1990-01-01\", \"2026-11-21\"]", "0000 34A1");
    VP("MD0:REAL[2]", "[1.5, null]", "3FC00000 7FC00000");
    VP("MW0:INT", "\"42\"", "002A");
    VP("M1.2", "\"true\"", "01");
    VP("DB1.DBB0:DT", "\"2026-11-21 13:45:00.123\"", "26 11 21 13 45 00 12 37");
    RT("DB1.DBB0:TIME[2]", "[T#1s, T#-2m]");

    /* snprintf-style truncation and argument checks */
    s7_tag t = tag("DB1.DBB0:STRING[10]");
    unsigned char w[12];
    t_hex("0A 05 68656C6C6F 0000000000", w, sizeof w);
    char small[4];
    memset(small, 'x', sizeof small);
    CHECK_INT(s7_value_format(&t, w, sizeof w, 0, small, sizeof small), 5);
    CHECK_STR(small, "hel");
    CHECK_INT(s7_value_format(&t, w, sizeof w, 0, NULL, 0), 5);
    CHECK_INT(s7_value_format(&t, w, 11, 0, small, sizeof small), S7_ERR_INVAL);
    CHECK_INT(s7_value_format(NULL, w, 12, 0, small, sizeof small), S7_ERR_INVAL);
    char err[128];
    CHECK_INT(s7_value_parse(&t, "hi", w, 11, err, sizeof err), S7_ERR_NOSPACE);
    CHECK(strstr(err, "12 bytes") != NULL);
    CHECK_INT(s7_value_parse(&t, NULL, w, 12, err, sizeof err), S7_ERR_INVAL);
    CHECK_INT(s7_value_parse(&t, "hi", w, 12, NULL, 0), 12);
    CHECK_INT(s7_value_parse(&t, "hello world", w, 12, NULL, 0), S7_ERR_VALUE);
    char tiny[6];
    CHECK_INT(s7_value_parse(&t, "hello world", w, 12, tiny, sizeof tiny), S7_ERR_VALUE);
    CHECK_INT((long long)strlen(tiny), 5);
}

static void test_access(void)
{
    uint8_t b[8];
    s7_set_u16(b, 0x1234);
    CHECK(b[0] == 0x12 && b[1] == 0x34);
    CHECK_INT(s7_get_u16(b), 0x1234);
    s7_set_u32(b, 0xDEADBEEF);
    CHECK(b[0] == 0xDE && b[3] == 0xEF);
    CHECK_INT(s7_get_u32(b), 0xDEADBEEF);
    s7_set_u64(b, 0x0102030405060708ull);
    CHECK(b[0] == 1 && b[7] == 8);
    CHECK(s7_get_u64(b) == 0x0102030405060708ull);
    s7_set_real(b, 3.5f);
    CHECK_INT(s7_get_u32(b), 0x40600000);
    CHECK(s7_get_real(b) == 3.5f);
    s7_set_lreal(b, 0.1);
    CHECK(s7_get_u64(b) == 0x3FB999999999999Aull);
    CHECK(s7_get_lreal(b) == 0.1);
}

int main(void)
{
    test_bool();
    test_ints();
    test_reals();
    test_text();
    test_dates();
    test_arrays_and_api();
    test_access();
    return t_done();
}
