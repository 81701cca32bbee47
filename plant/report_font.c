/* s7kit plant report: text widths for the SVG's layout (report_int.h s7__text_width).  The
 * diagram names DejaVu Sans; its boxes are sized with that font's advance widths (the
 * table below: printable ASCII of DejaVuSans.ttf and DejaVuSans-Bold.ttf as Debian's
 * fonts-dejavu-core ships them, printed by scripts/gen-font-metrics.py).  Kerning only
 * narrows a run; any other character counts as one
 * em, wider than any DejaVu Sans glyph of the scripts a name is written in.  The sum gets 5%
 * on top for renderers that round advances to pixels at small sizes. */
#include <stddef.h>
#include <stdint.h>

#include "plant/report_int.h"

/* DEJAVU_SANS: DejaVuSans.ttf, 2048 units per em */
static const uint16_t DEJAVU_SANS[95] = {
    651,  821,  942,  1716, 1303, 1946, 1597, 563,  799,  799,  1024, 1716, 651,  739,  651,  690,
    1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 1303, 690,  690,  1716, 1716, 1716, 1087,
    2048, 1401, 1405, 1430, 1577, 1294, 1178, 1587, 1540, 604,  604,  1343, 1141, 1767, 1532, 1612,
    1235, 1612, 1423, 1300, 1251, 1499, 1401, 2025, 1403, 1251, 1403, 799,  690,  799,  1716, 1024,
    1024, 1255, 1300, 1126, 1300, 1260, 721,  1300, 1298, 569,  569,  1186, 569,  1995, 1298, 1253,
    1300, 1300, 842,  1067, 803,  1298, 1212, 1675, 1212, 1212, 1075, 1303, 690,  1303, 1716,
};
/* DEJAVU_SANS_BOLD: DejaVuSans-Bold.ttf, 2048 units per em */
static const uint16_t DEJAVU_SANS_BOLD[95] = {
    713,  934,  1067, 1716, 1425, 2052, 1786, 627,  936,  936,  1071, 1716, 778,  850,  778,  748,
    1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 1425, 819,  819,  1716, 1716, 1716, 1188,
    2048, 1585, 1561, 1503, 1700, 1399, 1399, 1681, 1714, 762,  762,  1587, 1305, 2038, 1714, 1741,
    1501, 1741, 1577, 1475, 1397, 1663, 1585, 2259, 1579, 1483, 1485, 936,  748,  936,  1716, 1024,
    1024, 1382, 1466, 1214, 1466, 1389, 891,  1466, 1458, 702,  702,  1362, 702,  2134, 1458, 1407,
    1466, 1466, 1010, 1219, 979,  1458, 1335, 1892, 1321, 1335, 1192, 1458, 748,  1458, 1716,
};

double s7__text_width(const char *s, double size, int bold)
{
    const uint16_t *w = bold ? DEJAVU_SANS_BOLD : DEJAVU_SANS;
    double units = 0;
    for (const unsigned char *c = (const unsigned char *)s; c && *c; c++) {
        if (*c >= 32 && *c <= 126)
            units += w[*c - 32];
        else if (*c >= 0xC0 || *c < 0x80) /* a code point's first byte (or a control) */
            units += 2048;
        /* UTF-8 continuation bytes add nothing */
    }
    /* renderers that hint at small sizes round advances: Chromium sets an 11 px line up to
     * 2% wider than the font's advances add up to; 5% more keeps every box around its text */
    return units * size / 2048.0 * 1.05;
}
