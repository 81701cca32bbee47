/* Unit tests for tag/duration.c: durations with units (what engineers write in cycles and
 * timeouts), bare numbers in the caller's unit, bounds, and the messages. */
#include <stdio.h>
#include <string.h>

#include "s7/err.h"
#include "s7/tag.h"
#include "t.h"

static void good(int line, const char *text, long bare, long want)
{
    long ms = -1;
    char err[200] = "";
    int rc = s7_duration_parse(text, bare, 1, 86400000, &ms, err, sizeof err);
    if (rc || ms != want)
        fprintf(stderr, "line %d: '%s': rc %d ms %ld err '%s'\n", line, text, rc, ms, err);
    CHECK_INT(rc, 0);
    CHECK_INT(ms, want);
}
#define GOOD(text, bare, want) good(__LINE__, text, bare, want)

static void bad(int line, const char *text, long bare, const char *want)
{
    long ms = 77;
    char err[200] = "";
    int rc = s7_duration_parse(text, bare, 1, 86400000, &ms, err, sizeof err);
    if (rc != S7_ERR_INVAL || strcmp(err, want) != 0)
        fprintf(stderr, "line %d: '%s': rc %d err '%s'\n  want '%s'\n", line, text, rc, err, want);
    CHECK_INT(rc, S7_ERR_INVAL);
    CHECK_STR(err, want);
    CHECK_INT(ms, 77); /* untouched */
}
#define BAD(text, bare, want) bad(__LINE__, text, bare, want)

int main(void)
{
    GOOD("500ms", 1, 500);
    GOOD("500 ms", 0, 500);
    GOOD("0.5s", 1, 500);
    GOOD("2 s", 1, 2000);
    GOOD("2S", 1, 2000);
    GOOD("1min", 1, 60000);
    GOOD("1.5 min", 1, 90000);
    GOOD("1h", 1, 3600000);
    GOOD("0.001s", 1, 1);
    GOOD(" 3000 ", 1, 3000); /* a bare number in the caller's unit: ms */
    GOOD("3", 1000, 3000);   /* or seconds */
    GOOD(".25s", 1, 250);
    GOOD("24h", 1, 86400000);

    BAD("", 1, "empty duration: give a time with its unit, e.g. 500ms, 0.5s, 2 s, 1min");
    BAD("fast", 1, "'fast' is not a duration: a number with its unit, e.g. 500ms, 0.5s, 2 s, 1min");
    BAD("-5s", 1,
        "'-5s' is not a duration: a number with its unit, e.g. 500ms, 0.5s, 2 s, 1min (no "
        "negative times)");
    BAD("500", 0, "'500' needs a unit (ms, s, min or h), e.g. 500ms, 0.5s, 2 s, 1min");
    BAD("5 sek", 1,
        "'5 sek': unknown unit 'sek' (units: ms, s, min, h), e.g. 500ms, 0.5s, 2 s, "
        "1min");
    BAD("0.5ms", 1, "'0.5ms' is not a whole number of milliseconds (the finest step is 1 ms)");
    BAD("0s", 1, "'0s' is outside 1 ms..24 h");
    BAD("25h", 1, "'25h' is outside 1 ms..24 h");
    BAD("2.", 1, "'2.' is not a duration: a number with its unit, e.g. 500ms, 0.5s, 2 s, 1min");
    BAD("1234567890123s", 1,
        "'1234567890123s' has too many digits for a duration; e.g. 500ms, "
        "0.5s, 2 s, 1min");

    char b[32];
    CHECK_INT(s7_duration_format(500, b, sizeof b), 6);
    CHECK_STR(b, "500 ms");
    s7_duration_format(2000, b, sizeof b);
    CHECK_STR(b, "2 s");
    s7_duration_format(1500, b, sizeof b);
    CHECK_STR(b, "1.5 s");
    s7_duration_format(120000, b, sizeof b);
    CHECK_STR(b, "2 min");
    s7_duration_format(7200000, b, sizeof b);
    CHECK_STR(b, "2 h");
    s7_duration_format(1234, b, sizeof b);
    CHECK_STR(b, "1234 ms");
    return t_done();
}
