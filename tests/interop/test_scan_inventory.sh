#!/usr/bin/env bash
# s7 scan --inventory over loopback addresses only (127.0.0.0/8 is all loopback on Linux):
# CPU emulators on 127.0.0.10 (documented plc1), 127.0.0.11 (documented, but as an HMI) and
# 127.0.0.13 (in no inventory entry); plc2 documented at 127.0.0.12 where nothing listens;
# plc9 documented outside the targets.  The scan of 127.0.0.10-13 lists plc1 as found, plc2
# as missing, 127.0.0.11 and 127.0.0.13 as undocumented, plc9 as not scanned, exits 1, and
# its --json (valid against docs/schema/s7-scan.schema.json when ajv is there) says the same;
# with only the documented CPU answering in range it exits 0.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_server

PORT=$(free_port) || die "no free port"

start_s7server --listen 127.0.0.10:"$PORT" --profile s7-1500 --put-get on --db 1:16
start_s7server --listen 127.0.0.11:"$PORT" --profile s7-1200 --db 1:16
start_s7server --listen 127.0.0.13:"$PORT" --profile s7-300 --db 1:16

INV="$S7_TEST_TMP/plant.yaml"
cat >"$INV" <<EOF
plant: scan test plant
partners:
  - {name: plc1, address: 127.0.0.10, port: $PORT, cell: line, kind: plc, profile: s7-1500}
  - {name: plc2, address: 127.0.0.12, port: $PORT, cell: line, kind: plc, profile: s7-1200}
  - {name: plc9, address: 10.99.0.9, port: $PORT, cell: far, kind: plc}
  - {name: hmi1, address: 127.0.0.11, cell: line, kind: hmi}
connections:
  - {name: hmi1-plc1, active: hmi1, passive: plc1, exchanges: [{get: DB1.DBB0..DBB3, cycle: 1s}]}
  - {name: hmi1-plc2, active: hmi1, passive: plc2, exchanges: [{get: DB1.DBB0..DBB3, cycle: 1s}]}
EOF

RC=0
OUT="$("$S7_BIN" scan 127.0.0.10-13 --port "$PORT" --timeout 1000 --inventory "$INV" 2>&1)" || RC=$?
check_eq "$RC" 1 "a missing and undocumented CPUs: exit 1"
section() { printf '%s\n' "$OUT" | awk -v h="$1" 'index($0, h) == 3 {on = 1; next} /^  [a-z]/ {on = 0} on'; }
check_contains "$OUT" "inventory $INV (port $PORT):" "the comparison is headed with the file and port"
check_contains "$(section "documented and found: 1")" "plc1 127.0.0.10" "plc1 found"
check_contains "$(section "documented but missing: 1")" "plc2 127.0.0.12: closed" "plc2 missing (closed)"
# a scan's TCP state does not say who acts (a firewall's reject is 'closed' too): it sends to
# the check and the doctor, which do (field notes 1b)
check_contains "$(section "documented but missing: 1")" "(the state is what one TCP attempt saw, not who acts: a firewall that rejects shows as closed" "missing: the state is not the verdict"
check_contains "$(section "documented but missing: 1")" "s7 inventory check $INV, or s7 doctor HOST, tells which and names the team)" "missing: the check and the doctor named"
check_contains "$(section "undocumented (answering): 2")" "hmi1 127.0.0.11: partner hmi1 (hmi) serves port $PORT but is not documented as a CPU" "127.0.0.11 undocumented: documented as an HMI"
check_contains "$(section "undocumented (answering): 2")" "127.0.0.13: in no inventory entry (speaks S7)" "127.0.0.13 undocumented"
check_contains "$(section "documented, not scanned: 1")" "plc9 10.99.0.9: not in TARGETS" "plc9 not scanned"
check_contains "$OUT" "127.0.0.10:$PORT" "the host list is still printed"

RC=0
JS="$("$S7_BIN" scan 127.0.0.10-13 --port "$PORT" --timeout 1000 --inventory "$INV" --json 2>/dev/null)" || RC=$?
check_eq "$RC" 1 "--json: exit 1"
F="$S7_TEST_TMP/scan.json"
printf '%s' "$JS" >"$F"
check_contains "$JS" '"found": [{"partner": "plc1", "address": "127.0.0.10", "state": "answering"}]' "--json: found"
check_contains "$JS" '"missing": [{"partner": "plc2", "address": "127.0.0.12", "state": "closed"}]' "--json: missing"
check_contains "$JS" '{"partner": null, "address": "127.0.0.13", "state": "answering"}' "--json: undocumented"
check_contains "$JS" '"not_scanned": [{"partner": "plc9", "address": "10.99.0.9", "state": null}]' "--json: not scanned"
if [ -n "${S7_NODE:-}" ] && [ -f "${NODE_PATH:-}/ajv/package.json" ]; then
    check_ok "--json: valid against s7-scan" "$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" \
        "$S7_SOURCE/docs/schema" s7-scan "$F"
fi

# only the documented CPU in range: as documented
RC=0
OUT="$("$S7_BIN" scan 127.0.0.10 --port "$PORT" --timeout 1000 --inventory "$INV" 2>&1)" || RC=$?
check_eq "$RC" 0 "only plc1 in range: exit 0"
check_contains "$OUT" "documented but missing: 0" "only plc1 in range: nothing missing"

# a bad inventory is a usage error naming FILE:LINE
printf 'partners:\n  - {name: plc1, address: 127.0.0.300, cell: x}\n' >"$S7_TEST_TMP/bad.yaml"
RC=0
OUT="$("$S7_BIN" scan 127.0.0.10 --port "$PORT" --inventory "$S7_TEST_TMP/bad.yaml" 2>&1)" || RC=$?
check_eq "$RC" 2 "bad inventory: usage error"
check_contains "$OUT" "bad.yaml:2: partners[0].address: '127.0.0.300' is not an IPv4 address" "bad inventory: FILE:LINE and the fix"
finish
