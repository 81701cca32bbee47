/* Unit tests for util/date.c: day numbers of known dates (the epoch, the day before it,
 * 2000-03-01 after a leap day of a 400-year, 1900-03-01 after a February without one, the
 * S7 DATE epoch 1990-01-01, 2089-12-31), every day from 1600 to 2400 back and forth and one
 * after the other, and the month lengths. */
#include "t.h"
#include "util/date.h"

static void known(int64_t y, unsigned m, unsigned d, int64_t days)
{
    CHECK(s7__days_from_civil(y, m, d) == days);
    int64_t yy;
    unsigned mm, dd;
    s7__civil_from_days(days, &yy, &mm, &dd);
    CHECK(yy == y && mm == m && dd == d);
}

int main(void)
{
    known(1970, 1, 1, 0);
    known(1969, 12, 31, -1);
    known(2000, 2, 29, 11016);
    known(2000, 3, 1, 11017);
    known(1900, 3, 1, -25508);
    known(1990, 1, 1, 7305);
    known(2089, 12, 31, 43829);

    int64_t first = s7__days_from_civil(1600, 1, 1), last = s7__days_from_civil(2400, 12, 31);
    int bad = 0;
    for (int64_t z = first; z <= last && bad < 5; z++) {
        int64_t y;
        unsigned m, d;
        s7__civil_from_days(z, &y, &m, &d);
        if (s7__days_from_civil(y, m, d) != z || d < 1 || d > s7__days_in_month(y, m))
            bad++;
        if (z > first) { /* the next day of the day before */
            int64_t py;
            unsigned pm, pd;
            s7__civil_from_days(z - 1, &py, &pm, &pd);
            int next_ok =
                (pd < s7__days_in_month(py, pm))
                    ? (y == py && m == pm && d == pd + 1)
                    : (d == 1 && (pm == 12 ? (m == 1 && y == py + 1) : (m == pm + 1 && y == py)));
            if (!next_ok)
                bad++;
        }
    }
    CHECK_INT(bad, 0);

    CHECK_INT((int)s7__days_in_month(2024, 2), 29);
    CHECK_INT((int)s7__days_in_month(2023, 2), 28);
    CHECK_INT((int)s7__days_in_month(1900, 2), 28);
    CHECK_INT((int)s7__days_in_month(2000, 2), 29);
    CHECK_INT((int)s7__days_in_month(2023, 4), 30);
    CHECK_INT((int)s7__days_in_month(2023, 12), 31);
    CHECK_INT((int)s7__days_in_month(2023, 0), 0);
    CHECK_INT((int)s7__days_in_month(2023, 13), 0);
    return t_done();
}
