#!/usr/bin/env bash
# docs/server.md's examples against `s7 server` as it runs:
#   - the Quick start banner of the demo CPU, line for line (the port aside);
#   - the audit log examples of a refused write (read-only DB) and of a read refused for
#     PUT/GET, field for field (time and peer aside);
#   - the log examples of a refused read of an optimized DB and a refused write of a
#     read-only DB (time and peer aside).
# A copy of the page with an old line in it makes the comparison fail (the last checks).
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/interop/server_lib.sh
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
DOC="$S7_SOURCE/docs/server.md"
[ -f "$DOC" ] || die "no $DOC"

# doc_banner FILE: the lines of the block that starts with "$ s7 server" alone, up to ```.
doc_banner() {
    awk '/^\$ s7 server$/ { f = 1; next } f && /^```/ { exit } f' "$1"
}


# strip: time stamps and peers out of log and audit lines.
strip() {
    sed -E 's/^[0-9T:.-]+Z //; s/"time": "[^"]*", //; s/"peer": "[^"]*", //;
            s/refused [0-9.]+:[0-9]+:/refused PEER:/'
}

# --- the demo banner
srv_banner "$S7_TEST_TMP/demo.out" "$S7_TEST_TMP/demo.err"
DEMO_PID=$SRV_PID
DEMO_ADDR=$SRV_ADDR
want=$(doc_banner "$DOC")
check_ne "$want" "" "server.md has the demo banner"
got=$(sed "s/127\.0\.0\.1:$SRV_PORT/127.0.0.1:1102/g" "$S7_TEST_TMP/demo.out")
check_eq "$got" "$want" "server.md: the demo banner is what s7 server prints"

# --- the log lines of a refused read (optimized DB2) and write (read-only DB3)
"$S7_BIN" read "$DEMO_ADDR" DB2.DBB0 >/dev/null 2>&1
"$S7_BIN" write "$DEMO_ADDR" DB3.DBW0=1 >/dev/null 2>&1
sleep 0.2
log=$(strip <"$S7_TEST_TMP/demo.err")
for what in "DB2 has optimized block access" "DB3 is read-only"; do
    line=$(grep -F "$what" "$DOC" | grep -E '^[0-9T:.-]+Z warning: refused' | head -1 | strip)
    check_ne "$line" "" "server.md has a log line for '$what'"
    check_contains "$log" "$line" "server.md: the log line for '$what' is what s7 server logs"
done
kill -TERM "$DEMO_PID" 2>/dev/null

# --- the audit records: a write refused by a read-only DB6, a read refused for PUT/GET
srv_banner "$S7_TEST_TMP/a.out" "$S7_TEST_TMP/a.err" --put-get on --db 6:16:ro --audit "$S7_TEST_TMP/a.jsonl"
"$S7_BIN" write "$SRV_ADDR" DB6.DBB0=1 >/dev/null 2>&1
kill -TERM "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null
srv_banner "$S7_TEST_TMP/b.out" "$S7_TEST_TMP/b.err" --profile s7-1500 --db 1:16 --audit "$S7_TEST_TMP/b.jsonl"
"$S7_BIN" read "$SRV_ADDR" DB1.DBD0 >/dev/null 2>&1
kill -TERM "$SRV_PID" 2>/dev/null; wait "$SRV_PID" 2>/dev/null
sleep 0.2
audit=$(cat "$S7_TEST_TMP/a.jsonl" "$S7_TEST_TMP/b.jsonl" 2>/dev/null | strip)
for what in '"db": 6, "offset": 0, "length": 1, "result": "0x03 access denied"' \
    '"db": 1, "offset": 0, "length": 4, "result": "refused: PUT/GET not permitted"'; do
    line=$(grep -F "$what" "$DOC" | grep '^{"time"' | head -1 | strip)
    check_ne "$line" "" "server.md has the audit record '$what'"
    check_contains "$audit" "$line" "server.md: the audit record '$what' is what s7 server writes"
done

# --- the comparison fails on a page with an old line (the audit record's old "op")
sed 's/"op": "write", "area": "DB", "db": 6/"op": "access", "area": "DB", "db": 6/' "$DOC" \
    >"$S7_TEST_TMP/old.md"
line=$(grep -F '"result": "0x03 access denied"' "$S7_TEST_TMP/old.md" | grep '^{"time"' | head -1 | strip)
check_lacks "$audit" "$line" "a page with an old audit record does not pass"

finish
