#!/usr/bin/env bash
# s7 inventory report: index.html, report.md and cells.svg.  The SVG is parsed back as XML
# (python3 xml.etree): one box per partner inside its cell, one arrow per connection from
# the active to the passive partner, labelled with its exchanges; text from the file is
# escaped.  With --check (the JSON of a real `inventory check` against an emulator and a
# closed port) the results are in the tables and on the arrows; they count only for the
# inventory they were made of, PUT ranges only when written (--allow-write); a firewall
# verification only when of this inventory.  Descriptions cut for the diagram stay valid
# UTF-8.  The example of docs/ renders too.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_s7_server
need_cmd python3

start_s7server --profile s7-1500 --put-get on --db 10:64 --db 11:16
P_OK=$S7SRV_PORT
P_CLOSED=$(free_port) || die "no free port"

INV="$S7_TEST_TMP/plant.yaml"
cat >"$INV" <<EOF
plant: Report <test> & "plant"
revision: r7
cells:
  - {name: line, subnet: 127.0.0.0/8, description: line <1>}
  - {name: machines}
partners:
  - {name: hmi, address: 127.0.0.20, cell: line, kind: hmi, type: op, description: 'panel <A&B>'}
  - {name: plc-line, address: 127.0.0.1, port: $P_OK, cell: line, kind: plc, profile: s7-1500}
  - {name: plc-filler, address: 127.0.0.1, port: $P_CLOSED, cell: machines, kind: plc}
  - {name: es, address: 127.0.0.30, cell: machines, kind: engineering}
connections:
  - name: hmi-line
    active: hmi
    passive: plc-line
    description: 'overview & commands'
    exchanges:
      - {direction: GET, range: DB10.DBB0..DBB63, cycle: 500}
      - {direction: PUT, range: DB11.DBB0..DBB15, cycle: event}
  - name: line-filler
    active: plc-line
    passive: plc-filler
    type: basic
    exchanges:
      - {get: DB20.DBB0..DBB31, cycle: 100}
      - {put: {db: 21, offset: 0, length: 8}, cycle: 100}
  - name: es-line
    active: es
    passive: plc-line
    exchanges:
      - {get: [DB10.DBB0..DBB63, MB0..MB15], cycle: 1s}
EOF

# svg_facts FILE: what the diagram holds, one fact per line
svg_facts() {
    python3 - "$1" <<'EOF'
import sys
import xml.etree.ElementTree as ET
ns = {"s": "http://www.w3.org/2000/svg"}
root = ET.parse(sys.argv[1]).getroot()
def groups(cls):
    return [g for g in root.iter("{http://www.w3.org/2000/svg}g") if cls in (g.get("class") or "").split()]
cells = {g.get("data-name"): g.find("s:rect", ns) for g in groups("cell")}
print("cells", len(cells))
for g in groups("partner"):
    r = g.find("s:rect", ns)
    c = cells[g.get("data-cell")]
    x, y, w, h = (float(r.get(k)) for k in ("x", "y", "width", "height"))
    cx, cy, cw, ch = (float(c.get(k)) for k in ("x", "y", "width", "height"))
    inside = cx <= x and x + w <= cx + cw and cy <= y and y + h <= cy + ch
    texts = [t.text for t in g.findall("s:text", ns)]
    print("partner", g.get("data-name"), g.get("data-cell"), "inside" if inside else "OUTSIDE", texts[0])
print("partners", len(groups("partner")))
for g in groups("connection"):
    arrows = [p for p in g.findall("s:path", ns) if p.get("class") == "arrow"]
    ok = all(p.get("marker-end", "").startswith("url(#arrowhead") for p in arrows)
    print("connection", g.get("data-name"), g.get("data-active"), "->", g.get("data-passive"),
          "arrows=%d" % len(arrows), "marker" if ok else "NOMARKER", g.get("data-check") or "-")
print("connections", len(groups("connection")))
for g in groups("label"):
    lines = [t.text for t in g.iter("{http://www.w3.org/2000/svg}tspan")]
    print("label", g.get("data-connection"), "|", " | ".join(lines))
print("title", root.find("s:title", ns).text)
EOF
}

# ---------------------------------------------------------------- without check results
OUTD="$S7_TEST_TMP/report"
check_ok "report writes the directory" "$S7_BIN" inventory report "$INV" -o "$OUTD"
for f in index.html report.md report.txt cells.svg; do
    [ -s "$OUTD/$f" ] && pass "report: $f written" || fail "report: $f missing or empty"
done
F="$(svg_facts "$OUTD/cells.svg" 2>&1)"
check_contains "$F" "cells 2" "svg parses as XML; 2 cells"
check_contains "$F" "partners 4" "svg: one box per partner"
check_contains "$F" "partner hmi line inside hmi" "svg: hmi's box is inside cell line"
check_contains "$F" "partner plc-line line inside plc-line" "svg: plc-line's box is inside cell line"
check_contains "$F" "partner plc-filler machines inside plc-filler" "svg: plc-filler's box is inside cell machines"
check_contains "$F" "partner es machines inside es" "svg: es's box is inside cell machines"
check_contains "$F" "connections 3" "svg: one arrow group per connection"
check_contains "$F" "connection hmi-line hmi -> plc-line arrows=1 marker -" "svg: hmi-line points from hmi to plc-line"
check_contains "$F" "connection line-filler plc-line -> plc-filler arrows=1 marker -" "svg: line-filler points from plc-line to plc-filler"
check_contains "$F" "connection es-line es -> plc-line arrows=1 marker -" "svg: es-line points from es to plc-line"
check_contains "$F" "label hmi-line | hmi-line (op) | GET DB10.DBB0..DBB63 every 500 ms | PUT DB11.DBB0..DBB15 on event" "svg: hmi-line's label"
check_contains "$F" "label line-filler | line-filler (basic) | GET DB20.DBB0..DBB31 every 100 ms | PUT DB21.DBB0..DBB7 every 100 ms" "svg: line-filler's label"
check_contains "$F" "label es-line | es-line (pg) | GET DB10.DBB0..DBB63, MB0..MB15 every 1 s" "svg: es-line's label"
check_contains "$F" 'title S7 connections: Report <test> & "plant"' "svg: text from the file is escaped (and reads back)"
H="$(cat "$OUTD/index.html")"
check_contains "$H" "Report &lt;test&gt; &amp; &quot;plant&quot;" "html: text from the file is escaped"
check_contains "$H" "panel &lt;A&amp;B&gt;" "html: partner descriptions escaped"
check_contains "$H" "<h2>Partners</h2>" "html: partners table"
check_contains "$H" "<h2>Connections</h2>" "html: connections table"
check_contains "$H" "<h2>Exchanges</h2>" "html: exchanges table"
check_contains "$H" "<td>DB10.DBB0..DBB63, MB0..MB15</td>" "html: the ranges of an exchange"
check_contains "$H" "rack 0 slot 1, TSAPs 0100:0201" "html: rack/slot and TSAPs of a connection"
check_contains "$H" "<h2>Sign-off</h2>" "html: the sign-off block"
check_contains "$H" "<td>Commissioning engineer</td>" "html: the sign-off lines"
check_contains "$H" 'src="cells.svg"' "html: shows the diagram"
check_contains "$H" "Live check</td><td>not included" "html: says the live check is not included"
check_contains "$H" '<div class="banner notready" id="readiness">NOT READY<span>no live check results' "html: NOT READY without check results"
check_contains "$(cat "$OUTD/report.txt")" "hmi-line (hmi 127.0.0.20 -> plc-line 127.0.0.1:$P_OK) was not checked live" "report.txt: nothing claimed without a check"
M="$(cat "$OUTD/report.md")"
check_contains "$M" "| line-filler | plc-line | plc-filler:$P_CLOSED | basic | rack 0 slot 1, TSAPs 0100:0301 | PUT | DB21.DBB0..DBB7 | 100 ms |" "report.md: exchange row"
check_contains "$M" "## Sign-off" "report.md: sign-off"
if command -v xmllint >/dev/null 2>&1; then
    check_ok "xmllint: cells.svg is well-formed XML" xmllint --noout "$OUTD/cells.svg"
else
    fail "xmllint is not installed: cells.svg not checked (scripts/deps.sh installs libxml2-utils as root)"
fi

# ---------------------------------------------------------------- with check results
RC=0
"$S7_BIN" inventory check "$INV" --json --timeout 2000 >"$S7_TEST_TMP/check.json" 2>/dev/null || RC=$?
check_eq "$RC" 1 "the check fails (plc-filler's port is closed)"
OUTC="$S7_TEST_TMP/report-checked"
check_ok "report --check" "$S7_BIN" inventory report "$INV" -o "$OUTC" --check "$S7_TEST_TMP/check.json"
T="$(cat "$OUTC/report.txt")"
check_contains "$T" "NOT READY: 1 of 3 connections passed, 1 failed, 1 unproven (PUT ranges not written: check with --allow-write)" "report.txt --check: NOT READY, 1 failed, the unwritten PUT unproven"
check_contains "$T" "hmi-line (hmi -> plc-line) is UNPROVEN: the PUT range DB11.DBB0..DBB15 was read but not written: the check ran without --allow-write" "report.txt --check: hmi-line's write is not proven, and --allow-write is named"
check_contains "$T" "es-line: es 127.0.0.30 -> plc-line 127.0.0.1 port $P_OK, checked live from es's address 127.0.0.30" "report.txt --check: the proven path and its source"
check_match "$T" "line-filler \(plc-line -> plc-filler\) FAILED \(port_closed\)" "report.txt --check: the failed one"
F="$(svg_facts "$OUTC/cells.svg" 2>&1)"
check_contains "$F" "connection es-line es -> plc-line arrows=1 marker pass" "svg --check: es-line marked pass"
check_contains "$F" "connection hmi-line hmi -> plc-line arrows=1 marker unproven" "svg --check: hmi-line (PUT not written) marked unproven"
check_contains "$F" "connection line-filler plc-line -> plc-filler arrows=1 marker fail" "svg --check: line-filler marked fail"
check_contains "$F" "label line-filler | line-filler (basic) - check: port_closed" "svg --check: the verdict on the label"
H="$(cat "$OUTC/index.html")"
check_contains "$H" "1 of 3 connections pass" "html --check: the summary"
check_match "$H" "<td>line-filler</td>.*<td class=\"fail\">fail</td><td>port_closed</td>" "html --check: line-filler fails with port_closed"
check_match "$H" "<td>es-line</td>.*<td class=\"pass\">pass</td><td>ok</td>" "html --check: es-line passes"
check_contains "$(cat "$OUTC/report.md")" "| skip |" "report.md --check: the unwritten PUT is skip"

# with --allow-write the PUT is written back: hmi-line is proven, and only what was done is said
"$S7_BIN" inventory check "$INV" --json --timeout 2000 --allow-write >"$S7_TEST_TMP/checkw.json" 2>/dev/null
OUTW="$S7_TEST_TMP/report-written"
check_ok "report --check (--allow-write)" "$S7_BIN" inventory report "$INV" -o "$OUTW" --check "$S7_TEST_TMP/checkw.json"
T="$(cat "$OUTW/report.txt")"
check_contains "$T" "NOT READY: 2 of 3 connections passed, 1 failed" "report.txt --check (--allow-write): hmi-line passes"
check_contains "$T" "hmi-line: hmi 127.0.0.20 -> plc-line 127.0.0.1 port $P_OK, checked live from hmi's address 127.0.0.20" "report.txt --check (--allow-write): the proven path and its source"
check_contains "$T" "every GET range read, every PUT range written back and read back" "report.txt --check (--allow-write): GET read and PUT written, said as such"

# ---------------------------------------------------------------- results of another inventory
# the same names, other addresses (the check above ran against 127.0.0.1 and 127.0.0.20):
# matched by name only they would sign a plant that was never checked
INV2="$S7_TEST_TMP/plant-site.yaml"
sed -e "s/address: 127.0.0.1, port: $P_OK/address: 10.34.1.10/" -e 's/address: 127.0.0.20/address: 10.34.0.20/' \
    -e 's|subnet: 127.0.0.0/8|subnet: 10.34.0.0/16|' "$INV" >"$INV2"
OUTF="$S7_TEST_TMP/report-foreign"
OUT="$("$S7_BIN" inventory report "$INV2" -o "$OUTF" --check "$S7_TEST_TMP/checkw.json" 2>&1)"
check_contains "$OUT" "NOT READY: 0 of 3 connections passed, 3 unproven (results of other addresses than the inventory's)" "another inventory's results: NOT READY, none passes"
T="$(cat "$OUTF/report.txt")"
check_contains "$T" "es-line (es -> plc-line) is UNPROVEN: checked plc-line at 127.0.0.1:$P_OK, but the inventory documents plc-line at 10.34.1.10:102" "another inventory's results: both addresses named"
check_lacks "$T" "checked live from" "another inventory's results: nothing said proven"
# only the active partner's address differs: not proven from it
INV3="$S7_TEST_TMP/plant-hmi.yaml"
sed -e 's/address: 127.0.0.20/address: 127.0.0.21/' "$INV" >"$INV3"
"$S7_BIN" inventory report "$INV3" -o "$OUTF" --check "$S7_TEST_TMP/checkw.json" >/dev/null 2>&1
check_contains "$(cat "$OUTF/report.txt")" "hmi-line (hmi -> plc-line) is UNPROVEN: checked from 127.0.0.20 as hmi, but the inventory documents hmi at 127.0.0.21" "results from another address than the active partner's: unproven, both named"

# a firewall verification made as a partner this inventory does not have
cat >"$S7_TEST_TMP/vf_other.json" <<EOF
{"file": "long.yaml", "time": "2026-12-06T04:59:44Z", "host": "vm", "as": "hmi-operator-panel-press-line-four-north", "source": "10.34.0.5", "from_partner": true, "note": null, "rules": {"file": "long.nft", "sha256": "554a74a170509fea4335da22fb1b076911260fbe93e5ff262122a6fbafac3b02"},
 "paths": [
  {"from": "hmi-operator-panel-press-line-four-north", "to": "plc-press-line-four-north-main-cpu-1516f", "address": "10.34.1.10", "port": 102, "expected": "open", "observed": "open", "status": "pass", "rule": "conn-hmi"}
 ],
 "summary": {"paths": 1, "passed": 1, "failed": 0}}
EOF
OUT="$("$S7_BIN" inventory report "$INV" -o "$OUTF" --check "$S7_TEST_TMP/checkw.json" --verify "$S7_TEST_TMP/vf_other.json" 2>&1)"
check_contains "$OUT" "; 1 firewall verification not of this inventory" "--verify of another inventory: NOT READY"
T="$(cat "$OUTF/report.txt")"
check_contains "$T" "is NOT of this inventory, so it is unproven here: it was made as hmi-operator-panel-press-line-four-north, a partner $INV does not document" "--verify of another inventory: said in the sign-off"
check_lacks "$T" "Firewall verified" "--verify of another inventory: no firewall claimed verified"
# the verification of this inventory, made as hmi from its own address, is taken
"$S7_BIN" inventory verify-firewall "$INV" --as hmi --json --timeout 500 >"$S7_TEST_TMP/vf_hmi.json" 2>/dev/null
OUT="$("$S7_BIN" inventory report "$INV" -o "$OUTF" --check "$S7_TEST_TMP/checkw.json" --verify "$S7_TEST_TMP/vf_hmi.json" 2>&1)"
check_lacks "$OUT" "not of this inventory" "--verify of this inventory (verify-firewall --as hmi): taken as this inventory's"
check_contains "$(cat "$OUTF/report.txt")" "Firewall verified as hmi (127.0.0.20)" "--verify of this inventory: in the sign-off"

# ---------------------------------------------------------------- text cut at a character
# a cell description and a router description longer than the diagram shows, with
# characters of two and three bytes where the cut falls: the SVG must stay valid UTF-8 (an
# XML parser refuses the whole file for one broken byte; Chromium then shows nothing)
INVU="$S7_TEST_TMP/utf.yaml"
cat >"$INVU" <<'EOF'
cells:
  - {name: paint, subnet: 10.34.2.0/24, description: "Lackiererei Prüfstand Schweißen"}
  - {name: press, subnet: 10.34.1.0/24}
partners:
  - {name: plc1, address: 10.34.2.10, cell: paint, kind: plc, profile: s7-300}
  - {name: hmi1, address: 10.34.1.20, cell: press, kind: hmi, type: op}
connections:
  - {name: c1, active: hmi1, passive: plc1, exchanges: [{get: DB1.DBB0..DBB9}]}
routers:
  - name: r1
    description: "a→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→"
    interfaces:
      - {name: eth1, address: 10.34.1.1/24, cell: press}
      - {name: eth2, address: 10.34.2.1/24, cell: paint}
EOF
OUTU="$S7_TEST_TMP/report-utf8"
check_ok "report of descriptions with umlauts and arrows" "$S7_BIN" inventory report "$INVU" -o "$OUTU"
check_ok "cells.svg is valid UTF-8 (cut at a character boundary)" python3 -c 'import sys; open(sys.argv[1], "rb").read().decode("utf-8")' "$OUTU/cells.svg"
S="$(cat "$OUTU/cells.svg")"
check_contains "$S" "Lackiererei Prüfstand Schweiße..." "the cell's description: 30 characters and a visible cut"
check_contains "$S" "router: a→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→→..." "the router's description: 60 characters and a visible cut"
if command -v xmllint >/dev/null 2>&1; then
    check_ok "xmllint: cells.svg with cut descriptions is well-formed XML" xmllint --noout "$OUTU/cells.svg"
else
    pass "xmllint is not installed: the UTF-8 check above stands for it"
fi

# ---------------------------------------------------------------- bytes of timers and counters
# the exchanges table's Bytes column counts what moves on the wire: a timer or a counter is
# two bytes (docs/inventory.md), a bit address its byte
INVT="$S7_TEST_TMP/tc.yaml"
cat >"$INVT" <<'EOF'
cells: [{name: line, subnet: 10.34.1.0/24}]
partners:
  - {name: plc1, address: 10.34.1.10, cell: line, kind: plc, profile: s7-300}
  - {name: hmi1, address: 10.34.1.20, cell: line, kind: hmi, type: op}
connections:
  - name: c1
    active: hmi1
    passive: plc1
    exchanges:
      - {get: [DB10.DBB0..DBB63, T0..T15, C0..C7], cycle: 500}
      - {get: Z0..Z3, cycle: 2s}
      - {put: [DB11.DBW4, DB11.DBX2.0], cycle: event}
EOF
OUTT="$S7_TEST_TMP/report-tc"
check_ok "report of timers and counters" "$S7_BIN" inventory report "$INVT" -o "$OUTT"
H="$(cat "$OUTT/index.html")"
check_contains "$H" "<td>DB10.DBB0..DBB63, T0..T15, C0..C7</td><td>112</td>" "html: 64 bytes, 16 timers and 8 counters are 112 bytes"
check_contains "$H" "<td>C0..C3</td><td>8</td>" "html: 4 counters are 8 bytes"
check_contains "$H" "<td>DB11.DBB4..DBB5, DB11.DBB2</td><td>3</td>" "html: a word and a bit are 3 bytes"

# ---------------------------------------------------------------- IPv6 cells and addresses
# a cell's IPv6 subnet is shown (the Cells table, the diagram's cell head), and an IPv6
# address with its port is written [ADDRESS]:PORT: fd00:10:2::10:102 would read as another
# address
INV6="$S7_TEST_TMP/v6.yaml"
cat >"$INV6" <<'EOF'
cells:
  - {name: a, subnet: "fd00:10:1::/64"}
  - {name: b, subnets: [10.34.1.0/24, "fd00:10:2::/64"]}
partners:
  - {name: h1, address: "fd00:10:1::20", cell: a, kind: hmi, type: op}
  - {name: plc1, address: "fd00:10:2::10", cell: b, kind: plc, profile: s7-1500}
connections:
  - {name: c1, active: h1, passive: plc1, exchanges: [{get: DB1.DBB0..DBB9}]}
EOF
OUT6="$S7_TEST_TMP/report-v6"
check_ok "report of an IPv6 plant" "$S7_BIN" inventory report "$INV6" -o "$OUT6"
H="$(cat "$OUT6/index.html")"
check_contains "$H" "<tr><td>a</td><td>fd00:10:1::/64</td>" "html: an IPv6-only cell's subnet"
check_contains "$H" "<tr><td>b</td><td>10.34.1.0/24, fd00:10:2::/64</td>" "html: a cell's IPv4 and IPv6 subnets"
check_contains "$H" "<td>plc1 ([fd00:10:2::10]:102)</td>" "html: the passive partner's IPv6 address and port"
check_contains "$H" "c1 (h1 fd00:10:1::20 -&gt; plc1 [fd00:10:2::10]:102) was not checked live" "html sign-off: [IPv6]:port"
check_contains "$(cat "$OUT6/report.txt")" "not checked c1: h1 fd00:10:1::20 -> plc1 [fd00:10:2::10]:102 (op)" "report.txt: [IPv6]:port"
check_contains "$(cat "$OUT6/report.md")" "c1 (h1 fd00:10:1::20 -> plc1 [fd00:10:2::10]:102) was not checked live" "report.md sign-off: [IPv6]:port"
S="$(cat "$OUT6/cells.svg")"
check_contains "$S" ">fd00:10:1::/64</text>" "svg: an IPv6-only cell's subnet in its head"
check_contains "$S" ">10.34.1.0/24, fd00:10:2::/64</text>" "svg: both subnets in the cell's head"

# ---------------------------------------------------------------- a cell of many partners
# the Cells table lists every partner of a cell: 20 names of 40 characters (840 bytes) are
# more than the 600-byte buffer the list was once gathered in
INVM="$S7_TEST_TMP/many.yaml"
{
    echo "cells: [{name: a, subnet: 10.34.1.0/24}]"
    echo "partners:"
    for i in $(seq 10 29); do
        echo "  - {name: partner-$i-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx, address: 10.34.1.$i, cell: a, kind: plc}"
    done
} >"$INVM"
OUTM="$S7_TEST_TMP/report-many"
check_ok "report of a cell of 20 partners with 40-character names" "$S7_BIN" inventory report "$INVM" -o "$OUTM"
ROW="$(grep -o '<tr><td>a</td>.*</tr>' "$OUTM/index.html")"
check_eq "$(printf '%s' "$ROW" | grep -o 'partner-[0-9]*-x*' | wc -l)" 20 "html: the Cells table lists all 20 partners of the cell"
check_contains "$ROW" "partner-29-xxxxxxxxxxxxxxxxxxxxxxxxxxxxx</td>" "html: the cell's last partner whole"

# ---------------------------------------------------------------- an exchange of 40 ranges
# the tables list every range (they were cut after about 600 bytes, in the middle of one);
# the diagram's label shows whole ranges and how many more there are: a range cut in two
# reads as another address (DB112.DBB10)
INVR="$S7_TEST_TMP/ranges.yaml"
{
    echo "cells: [{name: a, subnet: 10.34.1.0/24}]"
    echo "partners:"
    echo "  - {name: plc1, address: 10.34.1.10, cell: a, kind: plc}"
    echo "  - {name: hmi1, address: 10.34.1.20, cell: a, kind: hmi}"
    echo "connections:"
    printf '  - {name: c1, active: hmi1, passive: plc1, exchanges: [{get: ['
    for i in $(seq 100 139); do printf '%sDB%s.DBB1000..DBB1063' "$([ "$i" = 100 ] || echo ', ')" "$i"; done
    echo ']}]}'
} >"$INVR"
OUTR="$S7_TEST_TMP/report-ranges"
check_ok "report of an exchange of 40 ranges" "$S7_BIN" inventory report "$INVR" -o "$OUTR"
check_contains "$(cat "$OUTR/index.html")" "DB138.DBB1000..DBB1063, DB139.DBB1000..DBB1063</td><td>2560</td>" "html: all 40 ranges (2560 bytes)"
check_contains "$(cat "$OUTR/report.md")" "DB138.DBB1000..DBB1063, DB139.DBB1000..DBB1063 |" "report.md: all 40 ranges"
L="$(python3 - "$OUTR/cells.svg" <<'EOF'
import re, sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
line = [t.text for t in root.iter("{http://www.w3.org/2000/svg}tspan") if (t.text or "").startswith("GET")][0]
m = re.fullmatch(r"GET (.*) and (\d+) more ranges on event", line)
shown = m.group(1).split(", ") if m else []
whole = all(re.fullmatch(r"DB1\d\d\.DBB1000\.\.DBB1063", r) for r in shown)
print("shown", len(shown), "more", m.group(2) if m else "-", "whole" if m and whole else "CUT")
EOF
)"
check_contains "$L" "whole" "svg: the label shows whole ranges only ($L)"
check_ok "svg: the label's ranges and 'N more' add up to 40 ($L)" python3 -c 'import sys; f = sys.argv[1].split(); sys.exit(int(f[1]) + int(f[3]) != 40)' "$L"

# ---------------------------------------------------------------- a connection of 70 exchanges
# a label holds 66 lines: the name, 64 exchanges and "and 6 more exchanges" (the last five
# were dropped without a word)
INVX="$S7_TEST_TMP/ex70.yaml"
{
    echo "cells: [{name: a, subnet: 10.34.1.0/24}]"
    echo "partners:"
    echo "  - {name: plc1, address: 10.34.1.10, cell: a, kind: plc}"
    echo "  - {name: hmi1, address: 10.34.1.20, cell: a, kind: hmi}"
    echo "connections:"
    echo "  - name: c1"
    echo "    active: hmi1"
    echo "    passive: plc1"
    echo "    exchanges:"
    for i in $(seq 1 70); do echo "      - {get: DB$i.DBB0..DBB3, cycle: 1s}"; done
} >"$INVX"
OUTX="$S7_TEST_TMP/report-ex70"
check_ok "report of a connection of 70 exchanges" "$S7_BIN" inventory report "$INVX" -o "$OUTX"
L="$(python3 - "$OUTX/cells.svg" <<'EOF'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
lines = [t.text for t in root.iter("{http://www.w3.org/2000/svg}tspan")]
print(sum(1 for l in lines if l.startswith("GET ")), "exchange lines;", lines[-1])
EOF
)"
check_eq "$L" "64 exchange lines; and 6 more exchanges (index.html lists them)" "svg: a label of 70 exchanges says how many it does not show"

# ---------------------------------------------------------------- a plant of 150 partners
# 150 partners in 8 cells and 300 connections, most of them over lanes between far columns:
# each label is placed against every arrow (0.2 s of CPU, 7.5 s before label places skipped
# the arrow segments they cannot meet; speed is not asserted here, the timeout only stops a
# hang)
INVB="$S7_TEST_TMP/big.yaml"
python3 - "$INVB" <<'EOF'
import sys
L = ["plant: 150 partners", "cells:"]
L += ["  - {name: c%d, subnet: 10.34.%d.0/24}" % (c, c) for c in range(8)]
L.append("partners:")
for i in range(150):
    kind = "hmi" if i % 5 == 0 else "plc"
    L.append("  - {name: p%d, address: 10.34.%d.%d, cell: c%d, kind: %s}" % (i, i % 8, 10 + i // 8, i % 8, kind))
L.append("connections:")
for i in range(300):
    L.append("  - {name: k%d, active: p%d, passive: p%d, exchanges: [{get: [DB%d.DBB0..DBB63, MB0..MB3], cycle: 500}, {put: DB%d.DBW4, cycle: 1s}]}" % (i, i % 150, (i * 7 + 3) % 150, i + 1, i + 1))
open(sys.argv[1], "w").write("\n".join(L) + "\n")
EOF
RC=0
timeout 120 "$S7_BIN" inventory report "$INVB" -o "$S7_TEST_TMP/report-big" >/dev/null 2>&1 || RC=$?
check_eq "$RC" 0 "report of 150 partners and 300 connections"
check_eq "$(grep -o 'class="connection"' "$S7_TEST_TMP/report-big/cells.svg" | wc -l | tr -d ' ')" 300 \
    "150 partners: the diagram has a connection group per connection"
check_ok "150 partners: cells.svg parses as XML" python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$S7_TEST_TMP/report-big/cells.svg"

# ---------------------------------------------------------------- the example, and errors
OUTE="$S7_TEST_TMP/report-example"
check_ok "report of docs/inventory-example.yaml" "$S7_BIN" inventory report "$S7_SOURCE/docs/inventory-example.yaml" -o "$OUTE"
F="$(svg_facts "$OUTE/cells.svg" 2>&1)"
V="$("$S7_BIN" inventory validate "$S7_SOURCE/docs/inventory-example.yaml")"
NP="$(printf '%s' "$V" | sed -n 's/.*valid: \([0-9]*\) partners.*/\1/p')"
NC="$(printf '%s' "$V" | sed -n 's/.*cells, \([0-9]*\) connections.*/\1/p')"
check_contains "$F" "partners $NP" "example svg: one box per partner ($NP)"
check_contains "$F" "connections $NC" "example svg: one arrow per connection ($NC)"
touch "$S7_TEST_TMP/afile"
RC=0
"$S7_BIN" inventory report "$INV" -o "$S7_TEST_TMP/afile" >/dev/null 2>&1 || RC=$?
check_eq "$RC" 2 "-o naming a file, not a directory: exit 2"
out="$("$S7_BIN" inventory report "$INV" -o "$S7_TEST_TMP/afile" 2>&1)"
check_contains "$out" "index.html, report.md, report.txt and cells.svg in it" "-o a file: the message names all four files"
out="$("$S7_BIN" inventory report "$INV" -o "$S7_TEST_TMP/slash/" 2>&1)"
check_contains "$out" "$S7_TEST_TMP/slash/index.html, $S7_TEST_TMP/slash/report.md" "-o DIR/: the files named without a double slash"
RC=0
"$S7_BIN" inventory report "$INV" >/dev/null 2>&1 || RC=$?
check_eq "$RC" 2 "report without -o: exit 2"
echo '{"no": 1}' >"$S7_TEST_TMP/bad.json"
RC=0
"$S7_BIN" inventory report "$INV" -o "$OUTD" --check "$S7_TEST_TMP/bad.json" >/dev/null 2>&1 || RC=$?
check_eq "$RC" 2 "--check with a JSON that is no check output: exit 2"
finish
