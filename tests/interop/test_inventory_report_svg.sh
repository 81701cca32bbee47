#!/usr/bin/env bash
# The report's diagram (cells.svg) as Debian's chromium draws it: svg_measure.js loads it
# in headless chromium over the DevTools protocol (a pipe, no npm package) and measures
# every text with getBBox(), so the widths are the browser's, not the renderer's estimate.
# For three plants (three cells with arrows that must jump over the middle cell, the docs
# example, a cell of long names) with check results of every kind (pass, fail, unproven, not
# checked) and one of 50 partners, nothing may overlap: each partner's texts inside its box, each label's text
# inside its label box, no label on a partner box or on another label, no arrow through a
# partner's box; each arrow drawn in its result's colour (pass green, fail red, unproven and
# not checked grey); the router (routers:) drawn under the cells with a link to each cell
# it joins, its texts inside its box, its links through no box, its interface texts on no
# box or label.  Then the checker itself is shown to see faults: a label box made
# narrower, an arrow moved through a box and a wrong colour are each reported.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
need_cmd python3
[ -n "$S7_NODE" ] || skip "node not found"
CHROME="$(command -v chromium || command -v chromium-browser || true)"
[ -n "$CHROME" ] || skip "chromium not installed (make deps as root installs chromium and fonts-dejavu-core)"
fc-list 2>/dev/null | grep -c "DejaVu Sans" >/dev/null || skip "the DejaVu Sans font is not installed (fonts-dejavu-core)"
MEASURE="$S7_INTEROP_DIR/svg_measure.js"

# measure SVG: the problems, one per line ("none" when there are none), into P; the whole
# JSON into M
measure() {
    M="$("$S7_NODE" "$MEASURE" "$CHROME" "$1" 2>"$S7_TEST_TMP/measure.err")" ||
        fail "svg_measure on $1: $(tail -3 "$S7_TEST_TMP/measure.err")"
    P="$(printf '%s' "$M" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print("\n".join(d["problems"]) if d["problems"] else "none")' 2>&1)"
}
# fact EXPR: EXPR over the last measurement d
fact() { printf '%s' "$M" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1" 2>&1; }

INV="$S7_TEST_TMP/three.yaml"
cat >"$INV" <<'EOF'
plant: Three cells, arrows over the middle one
cells:
  - {name: control, subnet: 10.10.0.0/24, description: control room}
  - {name: line, subnet: 10.10.1.0/24}
  - {name: machines, subnet: 10.10.2.0/24}
routers:
  - name: cell-firewall
    description: between the three cells
    interfaces:
      - {name: eth0, cell: control, address: 10.10.0.1/24}
      - {name: eth1, cell: line, address: 10.10.1.1/24}
      - {name: eth2, cell: machines, address: 10.10.2.1/24}
partners:
  - {name: scada-server-with-a-long-name, address: 10.10.0.5, cell: control, kind: scada}
  - {name: es1, address: 10.10.0.6, cell: control, kind: engineering}
  - {name: hmi, address: 10.10.1.20, cell: line, kind: hmi, type: op}
  - {name: plc-line, address: 10.10.1.10, cell: line, kind: plc, profile: s7-1500}
  - {name: plc-filler, address: 10.10.2.10, cell: machines, kind: plc, profile: s7-1200}
  - {name: plc-capper, address: 10.10.2.11, cell: machines, kind: plc, profile: s7-300}
connections:
  - name: scada-filler
    active: scada-server-with-a-long-name
    passive: plc-filler
    exchanges: [{get: DB20.DBB0..DBB31, cycle: 1s}, {put: DB21.DBB0..DBB7}]
  - name: es-capper
    active: es1
    passive: plc-capper
    exchanges: [{get: DB1.DBB0..DBB9}]
  - name: hmi-line
    active: hmi
    passive: plc-line
    exchanges: [{get: DB10.DBB0..DBB63, cycle: 500ms}, {put: DB11.DBB0..DBB15}]
  - name: line-filler
    active: plc-line
    passive: plc-filler
    type: basic
    exchanges: [{get: DB20.DBB0..DBB31, cycle: 100}, {put: DB21.DBB0..DBB7, cycle: 100}]
  - name: scada-line
    active: scada-server-with-a-long-name
    passive: plc-line
    exchanges: [{get: [DB10.DBB0..DBB63, MB0..MB15], cycle: 1s}]
EOF
# check results of every kind (es-capper is not in them: not checked)
CHK="$S7_TEST_TMP/check.json"
cat >"$CHK" <<'EOF'
{"inventory": "three.yaml", "plant": null, "time": "2026-01-31T10:00:00Z", "from": "t", "as": null, "netns": null,
 "allow_write": true, "passed": 1, "failed": 2, "unproven": 1, "connections": [
  {"name": "hmi-line", "active": "hmi", "passive": "plc-line", "address": "10.10.1.10", "port": 102, "status": "pass", "verdict": "ok", "time": "2026-01-31T10:00:01Z", "host": "t", "source": "10.10.1.20", "from_partner": "hmi", "from_active": true, "exchanges": [{"index": 1, "direction": "get", "status": "pass"}, {"index": 2, "direction": "put", "status": "pass"}]},
  {"name": "line-filler", "active": "plc-line", "passive": "plc-filler", "address": "10.10.2.10", "port": 102, "status": "fail", "verdict": "db_too_short", "detail": "DB20 is 16 bytes long, the range needs 32", "time": "2026-01-31T10:00:02Z", "source": "10.10.1.10", "from_partner": "plc-line", "from_active": true, "exchanges": [{"index": 1, "direction": "get", "status": "skip"}, {"index": 2, "direction": "put", "status": "skip"}]},
  {"name": "scada-filler", "active": "scada-server-with-a-long-name", "passive": "plc-filler", "address": "10.10.2.10", "port": 102, "status": "fail", "verdict": "put_get_disabled", "time": "2026-01-31T10:00:03Z", "source": "10.10.0.5", "from_partner": "scada-server-with-a-long-name", "from_active": true, "exchanges": [{"index": 1, "direction": "get", "status": "skip"}, {"index": 2, "direction": "put", "status": "skip"}]},
  {"name": "scada-line", "active": "scada-server-with-a-long-name", "passive": "plc-line", "address": "10.10.1.10", "port": 102, "status": "unproven", "verdict": "ok", "unproven": "checked from 10.10.9.9", "time": "2026-01-31T10:00:04Z", "source": "10.10.9.9", "from_active": false, "exchanges": [{"index": 1, "direction": "get", "status": "pass"}]}
 ]}
EOF

OUT="$S7_TEST_TMP/three"
check_ok "report of three cells with check results" "$S7_BIN" inventory report "$INV" -o "$OUT" --check "$CHK"
measure "$OUT/cells.svg"
check_eq "$P" none "three cells: nothing overlaps, measured in chromium"
check_contains "$(fact 'd["font"]')" "DejaVu Sans" "three cells: the SVG names DejaVu Sans"
check_eq "$(fact 'd["partners"]')" 6 "three cells: 6 partner boxes measured"
check_eq "$(fact 'd["readiness"]')" "['NOT READY: 1 of 5 connections passed, 2 failed, 1 unproven (not checked from the active partner), 1 not checked']" "three cells: the NOT READY banner, beside the title"
check_eq "$(fact 'd["routers"], d["interfaces"]')" "(1, ['eth0 10.10.0.1/24', 'eth1 10.10.1.1/24', 'eth2 10.10.2.1/24'])" "three cells: the router and its three interfaces are drawn"
check_eq "$(fact 'd["connections"]["hmi-line"]["stroke"]')" "rgb(46, 125, 50)" "three cells: the passing arrow is green"
check_eq "$(fact 'd["connections"]["line-filler"]["stroke"]')" "rgb(198, 40, 40)" "three cells: a failing arrow is red"
check_eq "$(fact 'd["connections"]["scada-line"]["stroke"]')" "rgb(117, 117, 117)" "three cells: the unproven arrow is grey"
check_eq "$(fact 'd["connections"]["es-capper"]["check"], d["connections"]["es-capper"]["stroke"]')" "('unchecked', 'rgb(117, 117, 117)')" "three cells: the arrow not checked is grey"
check_eq "$(fact 'd["connections"]["scada-filler"]["check"]')" fail "three cells: scada-filler (over the middle cell) is measured too"
check_eq "$(fact 'all(l["text"] > 100 for l in d["labels"].values())')" True "three cells: the labels' texts were laid out by chromium"

OUT2="$S7_TEST_TMP/example"
check_ok "report of docs/inventory-example.yaml" "$S7_BIN" inventory report "$S7_SOURCE/docs/inventory-example.yaml" -o "$OUT2"
measure "$OUT2/cells.svg"
check_eq "$P" none "docs example: nothing overlaps, measured in chromium"
check_eq "$(fact 'set(c["stroke"] for c in d["connections"].values())')" "{'rgb(51, 51, 51)'}" "docs example without checks: arrows dark grey"

# the page shows the diagram fitted to its width (1400 px window) down to 70 % of the
# diagram's own size, linked to cells.svg; a plant wider than that scrolls in its box
measure "$OUT2/index.html"
check_eq "$(fact 'd["diagram"] and (d["diagram"]["href"], d["diagram"]["scroll_x"], d["diagram"]["shown"] == d["diagram"]["box"], d["diagram"]["natural"] > d["diagram"]["box"])')" "('cells.svg', False, True, True)" "docs example page: the diagram (wider than the page) is fitted to the page, no sideways scroll, linked to cells.svg"
INVB="$S7_TEST_TMP/big.yaml"
python3 - "$INVB" <<'EOF'
import sys
cells = ["ctrl", "line1", "line2", "line3", "pack"]
out = ["plant: Forty-six connections", "cells:"]
out += ["  - {name: %s, subnet: 10.20.%d.0/24}" % (c, i) for i, c in enumerate(cells)]
out.append("partners:")
names = []
for i, c in enumerate(cells):
    for k in range(10):
        n = "hmi-%d" % k if i == 0 and k < 4 else "plc-%s-%d" % (c, k)
        names.append(n)
        kind = "hmi" if n.startswith("hmi") else "plc"
        out.append("  - {name: %s, address: 10.20.%d.%d, cell: %s, kind: %s}" % (n, i, 10 + k, c, kind))
out.append("connections:")
plcs = [n for n in names if n.startswith("plc")]
for j, p in enumerate(plcs):
    a = names[(j * 7 + 3) % len(names)]
    if a == p:
        a = names[(j * 7 + 4) % len(names)]
    out.append("  - {name: c%d, active: %s, passive: %s, exchanges: [{get: DB%d.DBB0..DBB31, cycle: 500ms}]}" % (j + 1, a, p, j + 1))
open(sys.argv[1], "w").write("\n".join(out) + "\n")
EOF
OUTB="$S7_TEST_TMP/big"
check_ok "report of 50 partners in 5 cells, 46 connections" "$S7_BIN" inventory report "$INVB" -o "$OUTB"
measure "$OUTB/cells.svg"
check_eq "$P" none "50 partners: nothing overlaps, measured in chromium"
measure "$OUTB/index.html"
check_eq "$(fact 'd["diagram"] and (d["diagram"]["scroll_x"], abs(d["diagram"]["shown"] - 0.7 * d["diagram"]["natural"]) <= 1)')" "(True, True)" "50 partners' page: the diagram shown at 70 % of its size ($(fact 'd["diagram"]')), the rest scrolls sideways"

INV3="$S7_TEST_TMP/wide.yaml"
cat >"$INV3" <<'EOF'
plant: WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW
cells:
  - {name: MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM, description: WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW}
partners:
  - {name: WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW, address: 10.1.1.1, cell: MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM, kind: plc, profile: s7-1500}
  - {name: MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMW, address: 10.1.1.2, cell: MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMM, kind: hmi, type: op}
connections:
  - name: WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW
    active: MMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMMW
    passive: WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW
    exchanges: [{get: [DB100.DBB0..DBB63, DB200.DBB0..DBB63, DB300.DBB100..DBB163, MB0..MB99], cycle: 500ms}]
EOF
OUT3="$S7_TEST_TMP/wide"
check_ok "report of the widest names" "$S7_BIN" inventory report "$INV3" -o "$OUT3"
measure "$OUT3/cells.svg"
check_eq "$P" none "widest names (40 W and M): every text inside its box, measured in chromium"

# ---------------------------------------------------------------- the checker sees faults
BAD="$S7_TEST_TMP/bad.svg"
python3 - "$OUT/cells.svg" "$BAD" <<'EOF'
import re, sys
s = open(sys.argv[1]).read()
# 1. hmi-line's label box 40 px narrower than its text needs
s = re.sub(r'(<g class="label" data-connection="hmi-line">\s*(?:<line[^>]*>\s*)?<rect x="[^"]*" y="[^"]*" width=")([0-9.]+)',
           lambda m: m.group(1) + "%.1f" % (float(m.group(2)) - 40), s, count=1)
# 2. plc-capper's box moved onto es-capper's path: 300 px left, into the middle column
def move(m):
    return m.group(1) + "%.1f" % (float(m.group(2)) - 700)
s = re.sub(r'(<g class="partner" id="partner-plc-capper"[^>]*>\s*<rect x=")([0-9.]+)', move, s, count=1)
# 3. the passing arrow in black
s = re.sub(r'(<g class="connection pass"[^>]*>\s*<title>[^<]*</title>\s*<path class="arrow" d="[^"]*" fill="none" stroke=")#2e7d32', r'\g<1>#000000', s, count=1)
open(sys.argv[2], "w").write(s)
EOF
measure "$BAD"
check_contains "$P" "label hmi-line: text" "checker: a label box narrower than its text is reported"
check_match "$P" "connection [a-z-]+: its arrow runs through the box of plc-capper" "checker: an arrow through a partner's box is reported"
check_contains "$P" "connection hmi-line: pass drawn in rgb(0, 0, 0)" "checker: a passing arrow not in green is reported"
finish
