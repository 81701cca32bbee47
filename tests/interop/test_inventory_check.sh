#!/usr/bin/env bash
# s7 inventory check against CPU emulators on loopback: one connection passes, the others
# fail with the doctor's verdicts put_get_disabled, db_missing, db_too_short and
# port_closed; the table and the --json verdicts per connection and exchange; PUT exchanges
# are written only with --allow-write, and then with the bytes just read (the emulator's
# audit log shows the write, the data is unchanged); a read-only DB fails a PUT with
# access_denied; a partner whose replies do not conform (fake_plc.js) fails with peer_error and
# the evidence; --connection, --as and the usage errors.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_s7_server
need_cmd python3

AUDIT="$S7_TEST_TMP/ok.audit.jsonl"
start_s7server --profile s7-1500 --put-get on --db 10:64 --db 11:16 --set DB11.DBW0=1234 \
    --set DB11.DBB15=9 --audit "$AUDIT"
P_OK=$S7SRV_PORT
start_s7server --profile s7-1500 --put-get off --db 10:64
P_PGOFF=$S7SRV_PORT
start_s7server --profile s7-1500 --put-get on --db 21:8
P_NODB=$S7SRV_PORT
start_s7server --profile s7-300 --put-get on --db 30:16 --db 31:8:ro
P_SHORT=$S7SRV_PORT
P_CLOSED=$(free_port) || die "no free port"

INV="$S7_TEST_TMP/check.yaml"
cat >"$INV" <<EOF
plant: inventory check test
partners:
  - {name: hmi, address: 127.0.0.10, cell: test, kind: hmi, type: op}
  - {name: plc-ok, address: 127.0.0.1, port: $P_OK, cell: test, profile: s7-1500}
  - {name: plc-pgoff, address: 127.0.0.1, port: $P_PGOFF, cell: test, profile: s7-1500}
  - {name: plc-nodb, address: 127.0.0.1, port: $P_NODB, cell: test, profile: s7-1500}
  - {name: plc-short, address: 127.0.0.1, port: $P_SHORT, cell: test, profile: s7-300}
  - {name: plc-gone, address: 127.0.0.1, port: $P_CLOSED, cell: test}
connections:
  - name: ok
    active: hmi
    passive: plc-ok
    exchanges:
      - {direction: GET, range: DB10.DBB0..DBB63, cycle: 500}
      - {direction: PUT, range: DB11.DBB0..DBB15, cycle: event}
  - name: pgoff
    active: hmi
    passive: plc-pgoff
    exchanges: [{get: DB10.DBB0..DBB63, cycle: 1s}]
  - name: nodb
    active: hmi
    passive: plc-nodb
    exchanges:
      - {get: DB20.DBB0..DBB7, cycle: 1s}
      - {put: DB21.DBB0..DBB7}
  - name: short
    active: hmi
    passive: plc-short
    exchanges:
      - {get: DB30.DBB0..DBB63, cycle: 1s}
      - {put: DB31.DBB0..DBB3}
  - name: gone
    active: hmi
    passive: plc-gone
    exchanges: [{get: DB1.DBB0}]
EOF

# run ARGS...: OUT (stdout), ERR (stderr), RC
run() {
    RC=0
    OUT="$("$@" 2>"$S7_TEST_TMP/err")" || RC=$?
    ERR="$(cat "$S7_TEST_TMP/err")"
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" "$S7_TEST_TMP/err"; then
        fail "sanitizer report from $*: $(grep -m1 -E "AddressSanitizer|LeakSanitizer|runtime error:" "$S7_TEST_TMP/err")"
    fi
}

# row NAME: the table line of connection NAME
row() { printf '%s\n' "$OUT" | grep -E "^$1 "; }
db11() { "$S7_BIN" read "127.0.0.1:$P_OK" 'DB11.DBB0:BYTE[16]' 2>&1; }

BEFORE="$(db11)"
check_contains "$BEFORE" "[4, 210," "DB11 holds its initial values (DBW0 = 1234)"

# ---------------------------------------------------------------- the table
run "$S7_BIN" inventory check "$INV" --timeout 2000
check_eq "$RC" 1 "check exits 1 when a connection fails"
check_match "$(row ok)" "hmi -> plc-ok 127\.0\.0\.1:$P_OK +ok +pass$" "table: ok passes"
check_match "$(row pgoff)" "put_get_disabled +FAIL$" "table: pgoff fails with put_get_disabled"
check_match "$(row nodb)" "db_missing +FAIL$" "table: nodb fails with db_missing"
check_match "$(row short)" "db_too_short +FAIL$" "table: short fails with db_too_short"
check_match "$(row gone)" "port_closed +FAIL$" "table: gone fails with port_closed"
check_contains "$OUT" "GET DB10.DBB0..DBB63 (500 ms)" "table: the exchanges are listed"
check_match "$OUT" "#2  PUT DB11.DBB0..DBB15 \(on event\) +- +skip" "table: a PUT is skipped without --allow-write"
check_contains "$OUT" "16 bytes readable; not written" "table: says why the PUT was not checked"
check_contains "$OUT" "DB30 is 16 bytes long" "table: db_too_short names the real length"
check_contains "$OUT" "fix: " "table: the doctor's fix is shown for a failure"
check_contains "$OUT" "1 of 5 connections pass, 4 fail." "table: the summary"
check_contains "$OUT" "PUT exchanges were not written" "table: the summary says PUTs were not written"
check_eq "$(grep -c '"op": "write"' "$AUDIT" 2>/dev/null)" 0 "without --allow-write nothing is written"

# ---------------------------------------------------------------- --json
run "$S7_BIN" inventory check "$INV" --json --timeout 2000 --as hmi
check_eq "$RC" 1 "check --json exits 1 when a connection fails"
printf '%s\n' "$OUT" >"$S7_TEST_TMP/check.json"
JS="$(python3 - "$S7_TEST_TMP/check.json" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
print("summary", d["passed"], d["failed"], d["as"], d["allow_write"])
for c in d["connections"]:
    ex = " ".join("%s:%s" % (e["status"], e["verdict"] or "-") for e in c["exchanges"])
    print("conn", c["name"], c["status"], c["verdict"], c["doctor"]["verdict"] if c["doctor"] else "none", ex)
    print("where", c["name"], c["source"], c["source_partner"], c["from_active"], c["time"][:2], c["unproven"])
EOF
)"
check_contains "$JS" "where ok 127.0.0.10 hmi True 20 None" "json: checked from hmi's address 127.0.0.10 (this machine holds it), from the active partner, with its time"
check_contains "$JS" "where gone 127.0.0.10 hmi True" "json: a failure from the active partner is a failure (port_closed), not unproven"
check_contains "$JS" "summary 1 4 hmi False" "json: passed 1, failed 4, as, allow_write"
check_contains "$JS" "conn ok pass ok ok pass:ok skip:-" "json: ok and its exchanges"
check_contains "$JS" "conn pgoff fail put_get_disabled put_get_disabled fail:put_get_disabled" "json: pgoff"
check_contains "$JS" "conn nodb fail db_missing db_missing fail:db_missing skip:-" "json: nodb (DB21 there, DB20 missing)"
check_contains "$JS" "conn short fail db_too_short db_too_short fail:db_too_short skip:-" "json: short"
check_contains "$JS" "conn gone fail port_closed port_closed skip:port_closed" "json: gone (not checked further)"

# ---------------------------------------------------------------- --allow-write
# without --allow-write a PUT skipped does not fail its connection: exit 0, the last line
# names the PUT not written (docs/inventory.md, exit codes)
run "$S7_BIN" inventory check "$INV" --connection ok --timeout 2000
check_eq "$RC" 0 "--connection ok without --allow-write: exit 0 (the PUT skipped fails nothing)"
check_contains "$OUT" "1 PUT exchange was not written: --allow-write verifies them" "without --allow-write: the PUT not written is named"
run "$S7_BIN" inventory check "$INV" --allow-write --connection ok --timeout 2000
check_eq "$RC" 0 "--connection ok --allow-write: exit 0 (all checked connections pass)"
check_match "$OUT" "#2  PUT DB11.DBB0..DBB15 \(on event\) +ok +pass" "--allow-write: the PUT exchange passes"
check_contains "$OUT" "16 bytes read, the same bytes written back and read back unchanged" "--allow-write: says what it wrote"
check_contains "$OUT" "1 of 1 connection pass." "--allow-write: the summary"
check_eq "$(grep -c '"op": "write", "area": "DB", "db": 11, "offset": 0, "length": 16, "result": "ok"' "$AUDIT")" 1 \
    "--allow-write: the emulator saw exactly one 16-byte write of DB11"
check_eq "$(db11)" "$BEFORE" "--allow-write: DB11 is unchanged"

run "$S7_BIN" inventory check "$INV" --allow-write --connection short --timeout 2000
check_eq "$RC" 1 "--allow-write on a read-only DB: exit 1"
check_match "$OUT" "#2  PUT DB31.DBB0..DBB3 \(on event\) +access_denied +FAIL" "--allow-write: read-only DB31 fails with access_denied"

# ---------------------------------------------------------------- a partner whose replies do not conform
# fake_plc.js answers a 1-byte read with 5 bytes (item code 0xFF): peer_error with the
# evidence, never access_denied from an "item code 0x00" that was never sent
if [ -n "$S7_NODE" ]; then
    FPORT=$(free_port) || die "no free port"
    "$S7_NODE" "$S7_INTEROP_DIR/fake_plc.js" "$FPORT" --mode wrong-length --watch-pid $$ \
        </dev/null >"$S7_TEST_TMP/fake.out" 2>"$S7_TEST_TMP/fake.log" &
    FPID=$!
    on_exit "kill $FPID 2>/dev/null; wait $FPID 2>/dev/null"
    for ((i = 0; i < 200; i++)); do
        grep -qx "READY $FPORT" "$S7_TEST_TMP/fake.out" 2>/dev/null && break
        sleep 0.05
    done
    BAD="$S7_TEST_TMP/bad.yaml"
    cat >"$BAD" <<YAML
plant: non-conforming partner
partners:
  - {name: hmi, address: 127.0.0.10, cell: test, kind: hmi, type: op}
  - {name: plc-bad, address: 127.0.0.1, port: $FPORT, cell: test, profile: s7-1500}
connections:
  - name: bad
    active: hmi
    passive: plc-bad
    exchanges: [{get: DB1.DBB0..DBB7, cycle: 1s}]
YAML
    run "$S7_BIN" inventory check "$BAD" --timeout 2000
    check_eq "$RC" 1 "non-conforming partner: exit 1"
    check_match "$(row bad)" "peer_error +FAIL$" "non-conforming partner: peer_error in the table"
    check_contains "$OUT" "the answer does not conform to the request: read reply, item 1 of 1 (asked: DB1 byte 0, 1 byte)" "non-conforming partner: the evidence in the table"
    case "$OUT" in *access_denied*|*"item code 0x00"*) fail "non-conforming partner: no access_denied, no item code 0x00" ;; *) pass "non-conforming partner: no access_denied, no item code 0x00" ;; esac
    run "$S7_BIN" inventory check "$BAD" --timeout 2000 --json
    printf '%s\n' "$OUT" >"$S7_TEST_TMP/bad.json"
    JS="$(python3 - "$S7_TEST_TMP/bad.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["connections"][0]
print(c["verdict"], c["doctor"]["verdict"], c["doctor"]["failed_check"])
print(c["detail"])
PY
)"
    check_contains "$JS" "peer_error peer_error put_get" "non-conforming partner --json: verdict peer_error at put_get"
    check_contains "$JS" "length 40 = 5 bytes for a 1-byte item" "non-conforming partner --json: the evidence in the detail"
else
    fail "non-conforming partner: node not found (fake_plc.js)"
fi

# ---------------------------------------------------------------- a wrong documented rack/slot
# The inventory documents the S7-300 at slot 1 (line 4);
# the CPU accepts rack 0 slot 2 only.  The fix names the inventory's keys and line, not the
# command-line options the doctor would (s7 inventory check takes no --slot), with the port.
WRONG="$S7_TEST_TMP/wrong-slot.yaml"
cat >"$WRONG" <<YAML
plant: wrong slot
partners:
  - {name: hmi, address: 127.0.0.10, cell: test, kind: hmi, type: pg}
  - {name: plc-300, address: 127.0.0.1, port: $P_SHORT, cell: test, slot: 1}
connections:
  - name: wrong
    active: hmi
    passive: plc-300
    exchanges: [{get: DB30.DBB0..DBB7, cycle: 1s}]
YAML
run "$S7_BIN" inventory check "$WRONG"
check_eq "$RC" 1 "wrong documented slot: exit 1"
check_match "$(row wrong)" "cr_rejected +FAIL$" "wrong documented slot: cr_rejected"
check_contains "$OUT" "fix: the inventory documents rack 0 slot 1 for plc-300, which the CPU refuses; write rack: 0 and slot: 2 in partner plc-300's entry ($WRONG:4) (and in the connection configuration of the partners that dial it) and check again; s7 discover 127.0.0.1:$P_SHORT lists every pair that works" "wrong documented slot: the fix names the inventory's keys, line and the port"
check_lacks "$OUT" "use --rack" "wrong documented slot: no command-line option that inventory check refuses"
run "$S7_BIN" inventory check "$WRONG" --json
check_contains "$OUT" "write rack: 0 and slot: 2 in partner plc-300's entry" "wrong documented slot --json: the same fix"

# ---------------------------------------------------------------- usage
run "$S7_BIN" inventory check "$INV" --connection nosuch
check_eq "$RC" 2 "--connection with an unknown name: exit 2"
check_contains "$ERR" "no such connection" "--connection nosuch: says so"
run "$S7_BIN" inventory check "$INV" --as nobody
check_eq "$RC" 2 "--as with an unknown partner: exit 2"
run "$S7_BIN" inventory check "$INV" --format nftables
check_eq "$RC" 2 "--format is no option of check: exit 2"
run "$S7_BIN" inventory check "$S7_TEST_TMP/missing.yaml"
check_eq "$RC" 2 "a missing inventory: exit 2"
check_contains "$ERR" "cannot read the inventory" "a missing inventory: says so"
run "$S7_BIN" inventory check "$INV" --timeout 0
check_eq "$RC" 2 "--timeout 0: exit 2"
finish
