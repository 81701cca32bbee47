/* Tests of s7_tag_format: the canonical form of constructed tags, snprintf-style
 * truncation, and parse(format(t)) == t over a generated set of every area, type, string
 * length, array shape and edge offset. */
#include <stdio.h>
#include <string.h>

#include "s7/tag.h"
#include "t.h"

static s7_tag mk(uint8_t area, uint16_t db, uint32_t byte, uint8_t bit, s7_type type, uint16_t slen,
                 uint32_t count, uint8_t array)
{
    s7_tag t;
    memset(&t, 0, sizeof t);
    t.area = area, t.db = db, t.byte = byte, t.bit = bit, t.type = type, t.strlen = slen;
    t.count = count, t.array = array;
    return t;
}

static void fmt_(int line, s7_tag t, const char *want)
{
    char buf[128];
    int n = s7_tag_format(&t, buf, sizeof buf);
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "line %d: got '%s' want '%s'\n", line, buf, want);
    CHECK_STR(buf, want);
    CHECK_INT(n, (long long)strlen(want));
}
#define FMT(t, want) fmt_(__LINE__, t, want)

static void test_canonical(void)
{
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_BOOL, 0, 1, 0), "DB1.DBX0.0");
    FMT(mk(S7_AREA_DB, 1, 2, 0, S7_T_BYTE, 0, 1, 0), "DB1.DBB2");
    FMT(mk(S7_AREA_DB, 1, 4, 0, S7_T_WORD, 0, 1, 0), "DB1.DBW4");
    FMT(mk(S7_AREA_DB, 1, 8, 0, S7_T_DWORD, 0, 1, 0), "DB1.DBD8");
    FMT(mk(S7_AREA_DB, 1, 8, 0, S7_T_REAL, 0, 1, 0), "DB1.DBD8:REAL");
    FMT(mk(S7_AREA_DB, 1, 10, 0, S7_T_STRING, 20, 1, 0), "DB1.DBB10:STRING[20]");
    FMT(mk(S7_AREA_DB, 1, 10, 0, S7_T_STRING, 20, 3, 1), "DB1.DBB10:STRING[20][3]");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_WSTRING, 7, 1, 0), "DB1.DBB0:WSTRING[7]");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_LREAL, 0, 1, 0), "DB1.DBB0:LREAL");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_DTL, 0, 1, 0), "DB1.DBB0:DTL");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_DATE_AND_TIME, 0, 1, 0), "DB1.DBB0:DATE_AND_TIME");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_CHAR, 0, 1, 0), "DB1.DBB0:CHAR");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_DATE, 0, 1, 0), "DB1.DBW0:DATE");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_TOD, 0, 1, 0), "DB1.DBD0:TOD");
    FMT(mk(S7_AREA_DB, 1, 0, 0, S7_T_S5TIME, 0, 1, 0), "DB1.DBW0:S5TIME");
    FMT(mk(S7_AREA_DB, 1, 0, 3, S7_T_BOOL, 0, 10, 1), "DB1.DBX0.3:BOOL[10]");
    FMT(mk(S7_AREA_M, 0, 10, 0, S7_T_BYTE, 0, 1, 0), "MB10");
    FMT(mk(S7_AREA_M, 0, 1, 2, S7_T_BOOL, 0, 1, 0), "M1.2");
    FMT(mk(S7_AREA_M, 0, 4, 0, S7_T_INT, 0, 3, 1), "MW4:INT[3]");
    FMT(mk(S7_AREA_M, 0, 4, 0, S7_T_INT, 0, 1, 1), "MW4:INT[1]");
    FMT(mk(S7_AREA_M, 0, 4, 0, S7_T_WORD, 0, 2, 1), "MW4:WORD[2]");
    FMT(mk(S7_AREA_I, 0, 0, 0, S7_T_BYTE, 0, 1, 0), "IB0");
    FMT(mk(S7_AREA_I, 0, 0, 0, S7_T_BOOL, 0, 1, 0), "I0.0");
    FMT(mk(S7_AREA_Q, 0, 2, 0, S7_T_WORD, 0, 1, 0), "QW2");
    FMT(mk(S7_AREA_Q, 0, 0, 1, S7_T_BOOL, 0, 1, 0), "Q0.1");
    FMT(mk(S7_AREA_T, 0, 5, 0, S7_T_TIMER, 0, 1, 0), "T5");
    FMT(mk(S7_AREA_T, 0, 5, 0, S7_T_TIMER, 0, 4, 1), "T5:TIMER[4]");
    FMT(mk(S7_AREA_C, 0, 3, 0, S7_T_COUNTER, 0, 1, 0), "C3");
    FMT(mk(S7_AREA_P, 0, 256, 0, S7_T_WORD, 0, 1, 0), "PIW256");
    FMT(mk(S7_AREA_P, 0, 256, 0, S7_T_INT, 0, 1, 0), "PIW256:INT");
    FMT(mk(S7_AREA_DI, 2, 0, 0, S7_T_WORD, 0, 1, 0), "DI2.DIW0");
    FMT(mk(S7_AREA_DI, 2, 0, 1, S7_T_BOOL, 0, 1, 0), "DI2.DIX0.1");
    /* an area the grammar does not produce still prints something readable */
    FMT(mk(S7_AREA_L, 0, 4, 0, S7_T_WORD, 0, 1, 0), "AREA16#86.W4");
}

static void test_truncation(void)
{
    s7_tag t = mk(S7_AREA_DB, 1, 10, 0, S7_T_STRING, 20, 1, 0);
    char buf[8];
    memset(buf, 'x', sizeof buf);
    CHECK_INT(s7_tag_format(&t, buf, 6), 20);
    CHECK_STR(buf, "DB1.D");
    CHECK(buf[6] == 'x');
    CHECK_INT(s7_tag_format(&t, NULL, 0), 20);
    CHECK_INT(s7_tag_format(&t, buf, 0), 20);
    char one[1] = {'x'};
    CHECK_INT(s7_tag_format(&t, one, 1), 20);
    CHECK(one[0] == '\0');
    CHECK_INT(s7_tag_format(NULL, buf, sizeof buf), 0);
}

static int tag_eq(const s7_tag *a, const s7_tag *b)
{
    return a->area == b->area && a->db == b->db && a->byte == b->byte && a->bit == b->bit &&
           a->type == b->type && a->strlen == b->strlen && a->count == b->count &&
           a->array == b->array;
}

static int checked;

static void roundtrip(const s7_tag *t)
{
    char buf[128], err[256] = "";
    s7_tag back;
    s7_tag_format(t, buf, sizeof buf);
    int rc = s7_tag_parse(buf, &back, err, sizeof err);
    int same = rc == 0 && tag_eq(t, &back);
    if (!same)
        fprintf(stderr, "round trip of '%s' failed: %d %s\n", buf, rc, err);
    CHECK(same);
    checked++;
}

/* Every area x type x shape that the grammar allows, at low, middle and top offsets. */
static void test_generated(void)
{
    static const struct {
        uint8_t area;
        uint16_t db;
    } areas[] = {{S7_AREA_DB, 1}, {S7_AREA_DB, 65535}, {S7_AREA_DI, 2}, {S7_AREA_I, 0},
                 {S7_AREA_Q, 0},  {S7_AREA_M, 0},      {S7_AREA_P, 0}};
    static const struct {
        uint32_t count;
        uint8_t array;
    } shapes[] = {{1, 0}, {1, 1}, {2, 1}, {17, 1}};
    for (size_t a = 0; a < sizeof areas / sizeof areas[0]; a++) {
        for (int ty = 0; ty < S7_T__COUNT; ty++) {
            if (ty == S7_T_TIMER || ty == S7_T_COUNTER)
                continue;
            uint16_t slens[3] = {0, 0, 0};
            int nslen = 1;
            if (ty == S7_T_STRING)
                slens[0] = 1, slens[1] = 20, slens[2] = 254, nslen = 3;
            if (ty == S7_T_WSTRING)
                slens[0] = 1, slens[1] = 254, slens[2] = 16382, nslen = 3;
            for (int k = 0; k < nslen; k++) {
                for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
                    for (int bit = 0; bit < (ty == S7_T_BOOL ? 8 : 1); bit += 7) {
                        s7_tag t = mk(areas[a].area, areas[a].db, 0, (uint8_t)bit, (s7_type)ty,
                                      slens[k], shapes[s].count, shapes[s].array);
                        uint32_t ws = s7_tag_wire_size(&t);
                        if (ws > 65535)
                            continue;
                        uint32_t offs[3] = {0, 1234, 65536 - ws};
                        for (int o = 0; o < 3; o++) {
                            t.byte = offs[o];
                            roundtrip(&t);
                        }
                    }
                }
            }
        }
    }
    for (uint32_t n = 0; n < 65536; n += 4099) {
        roundtrip(&(s7_tag){S7_AREA_T, 0, n, 0, S7_T_TIMER, 0, 1, 0});
        roundtrip(&(s7_tag){S7_AREA_C, 0, n, 0, S7_T_COUNTER, 0, 1, 0});
        roundtrip(&(s7_tag){S7_AREA_T, 0, n, 0, S7_T_TIMER, 0, 1, 1});
        /* to the last counter, at most 32767 (a tag is at most 65535 bytes, 2 a counter) */
        roundtrip(&(s7_tag){S7_AREA_C, 0, n, 0, S7_T_COUNTER, 0,
                            65536 - n < 32767 ? 65536 - n : 32767, 1});
    }
    CHECK(checked > 1000);
}

/* Every dialect spelling prints as the canonical one, and that parses back the same. */
static void test_dialect_canon(void)
{
    static const char *const same[][2] = {
        {"DB1,REAL4", "DB1.DBD4:REAL"},
        {"%DB1:4:REAL", "DB1.DBD4:REAL"},
        {"DB1.DBD4:REAL", "DB1.DBD4:REAL"},
        {"DB1.DBB4:REAL", "DB1.DBD4:REAL"},
        {"VD4:REAL", "DB1.DBD4:REAL"},
        {"EW2", "IW2"},
        {"%IW2:WORD", "IW2"},
        {"A0.1", "Q0.1"},
        {"%Q0.1:BOOL", "Q0.1"},
        {"Z3", "C3"},
        {"DB1,X0.1", "DB1.DBX0.1"},
        {"V0.1", "DB1.DBX0.1"},
        {"PEW256", "PIW256"},
        {"MI4", "MW4:INT"},
        {"%MW4:INT", "MW4:INT"},
        {"DB1,S10.20", "DB1.DBB10:STRING[20]"},
        {"%DB1:10:STRING(20)", "DB1.DBB10:STRING[20]"},
    };
    for (size_t k = 0; k < sizeof same / sizeof same[0]; k++) {
        s7_tag t;
        char buf[64], err[200];
        int rc = s7_tag_parse(same[k][0], &t, err, sizeof err);
        CHECK_INT(rc, 0);
        s7_tag_format(&t, buf, sizeof buf);
        if (strcmp(buf, same[k][1]) != 0)
            fprintf(stderr, "%s -> %s, want %s\n", same[k][0], buf, same[k][1]);
        CHECK_STR(buf, same[k][1]);
    }
}

int main(void)
{
    test_canonical();
    test_truncation();
    test_generated();
    test_dialect_canon();
    return t_done();
}
