#!/usr/bin/env python3
"""Prints the C table of plant/report_font.c: the advance widths of the printable ASCII
characters (32..126) of DejaVu Sans and DejaVu Sans Bold, in font units (units per em in
the table), read from the TrueType files' cmap and hmtx tables.  The report's SVG names
DejaVu Sans and sizes its boxes with these widths.

    scripts/gen-font-metrics.py [REGULAR.ttf BOLD.ttf]
    (default: /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf and DejaVuSans-Bold.ttf,
    Debian's fonts-dejavu-core)"""
import struct
import sys


def tables(data):
    n = struct.unpack(">H", data[4:6])[0]
    t = {}
    for i in range(n):
        tag, _cs, off, ln = struct.unpack(">4sIII", data[12 + 16 * i:28 + 16 * i])
        t[tag.decode("latin-1")] = (off, ln)
    return t


def cmap4(data, off):
    n = struct.unpack(">H", data[off + 2:off + 4])[0]
    for i in range(n):
        pid, eid, so = struct.unpack(">HHI", data[off + 4 + 8 * i:off + 12 + 8 * i])
        sub = off + so
        if struct.unpack(">H", data[sub:sub + 2])[0] == 4 and pid in (0, 3):
            seg2 = struct.unpack(">H", data[sub + 6:sub + 8])[0]
            segs = seg2 // 2
            ends = struct.unpack(">%dH" % segs, data[sub + 14:sub + 14 + seg2])
            st = sub + 16 + seg2
            starts = struct.unpack(">%dH" % segs, data[st:st + seg2])
            deltas = struct.unpack(">%dh" % segs, data[st + seg2:st + 2 * seg2])
            ro_at = st + 2 * seg2
            ros = struct.unpack(">%dH" % segs, data[ro_at:ro_at + seg2])

            def glyph(c):
                for k in range(segs):
                    if starts[k] <= c <= ends[k]:
                        if ros[k] == 0:
                            return (c + deltas[k]) & 0xFFFF
                        a = ro_at + 2 * k + ros[k] + 2 * (c - starts[k])
                        g = struct.unpack(">H", data[a:a + 2])[0]
                        return (g + deltas[k]) & 0xFFFF if g else 0
                return 0
            return glyph
    raise SystemExit("no cmap format 4 subtable")


def widths(path):
    data = open(path, "rb").read()
    t = tables(data)
    upem = struct.unpack(">H", data[t["head"][0] + 18:t["head"][0] + 20])[0]
    nh = struct.unpack(">H", data[t["hhea"][0] + 34:t["hhea"][0] + 36])[0]
    glyph = cmap4(data, t["cmap"][0])
    hm = t["hmtx"][0]
    out = []
    for c in range(32, 127):
        g = glyph(c)
        g = min(g, nh - 1)
        out.append(struct.unpack(">H", data[hm + 4 * g:hm + 4 * g + 2])[0])
    return upem, out


def main():
    d = "/usr/share/fonts/truetype/dejavu/"
    reg, bold = (sys.argv[1], sys.argv[2]) if len(sys.argv) == 3 else (d + "DejaVuSans.ttf", d + "DejaVuSans-Bold.ttf")
    for name, path in (("DEJAVU_SANS", reg), ("DEJAVU_SANS_BOLD", bold)):
        upem, w = widths(path)
        print("/* %s: %s, %d units per em */" % (name, path.split("/")[-1], upem))
        print("static const uint16_t %s[95] = {" % name)
        for i in range(0, 95, 12):
            print("    " + ", ".join(str(x) for x in w[i:i + 12]) + ",")
        print("};")


main()
