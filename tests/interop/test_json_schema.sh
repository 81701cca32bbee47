#!/usr/bin/env bash
# Every command's --json output against its JSON Schema (docs/schema/, docs/json.md), checked
# by ajv (a validator s7kit did not write, from tests/node): read, write, info, watch, dump,
# blocks, upload, download, stop, start,
# doctor, discover, scan (with --inventory), inventory check and verify-firewall, exchange and
# inventory monitor (JSON lines), each on success and on failure (a missing DB,
# PUT/GET disabled, a closed port, a refused connection request), against CPU emulators
# (s7 server) on loopback, and against fake_plc.js for replies that do not conform, malformed
# and implausible SZL answers and failed S7 setups.  Then documents that break the vocabulary (an uppercase state, an
# extra key, an old status spelling, an empty string, a missing key) must be rejected, and
# the schema's enums must name every error and verdict the library can print.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/fake_lib.sh"

need_s7_bin
need_s7_server
[ -n "$S7_NODE" ] || skip "node not found"
[ -f "$NODE_PATH/ajv/package.json" ] || skip "ajv not installed in $NODE_PATH (run make deps)"

SCHEMAS="$S7_SOURCE/docs/schema"
VALIDATE="$S7_INTEROP_DIR/validate_json.js"
N=0

# js NAME CMD ARGS...: runs the s7 command CMD ARGS --json; its stdout into $S7_TEST_TMP/NAME.json
# (the path in F), its exit code in RC.
js() {
    local name="$1"
    shift
    F="$S7_TEST_TMP/$name.json"
    RC=0
    "$S7_BIN" "$@" --json >"$F" 2>"$S7_TEST_TMP/$name.err" || RC=$?
}

# valid SCHEMA WHAT [--lines]: the last output (F) is valid against docs/schema/SCHEMA.schema.json.
valid() {
    local out rc=0
    N=$((N + 1))
    out="$("$S7_NODE" "$VALIDATE" "$SCHEMAS" "$1" "$F" ${3:-} 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ]; then
        pass "$2: valid against $1"
    else
        fail "$2: $1 (exit $rc): $out
--- the document: $(head -c 3000 "$F")"
    fi
}

# invalid SCHEMA WHAT FILE: the validator rejects FILE (exit 1, not a usage error).
invalid() {
    local out rc=0
    out="$("$S7_NODE" "$VALIDATE" "$SCHEMAS" "$1" "$3" 2>&1)" || rc=$?
    if [ "$rc" -eq 1 ]; then
        pass "$2: rejected ($(printf '%s' "$out" | head -n 1))"
    else
        fail "$2: the validator exited $rc, want 1: $out"
    fi
}

start_s7server --profile s7-1500 --put-get on --db 1:64 --db 2:16 --set DB1.DBW0=7 --max-conn total=40
P_OK=$S7SRV_PORT
start_s7server --profile s7-1500 --put-get off --db 1:64
P_PGOFF=$S7SRV_PORT
start_s7server --profile s7-300 --put-get on --db 1:16
P_300=$S7SRV_PORT
P_CLOSED=$(free_port) || die "no free port"
OK="127.0.0.1:$P_OK"
PGOFF="127.0.0.1:$P_PGOFF"
S300="127.0.0.1:$P_300"
CLOSED="127.0.0.1:$P_CLOSED"

# ---------------------------------------------------------------- read
js read_ok read "$OK" DB1.DBW0 DB1.DBD4:REAL MB0 M0.1 DB1.DBB0:BYTE[3] DB1.DBB10:STRING[4]
check_eq "$RC" 0 "read: exit 0"
valid s7-read "read: values"
js read_items read "$OK" DB1.DBW0 DB9.DBW0 DB1.DBW100
check_eq "$RC" 1 "read of a missing DB and past a DB's end: exit 1"
check_contains "$(cat "$F")" '"status": "object_not_found"' "read: DB9 object_not_found"
valid s7-read "read: item errors"
js read_pgoff read "$PGOFF" DB1.DBW0 MB0
valid s7-read "read: PUT/GET disabled (every item)"
js read_closed read "$CLOSED" DB1.DBW0
check_eq "$RC" 3 "read of a closed port: exit 3"
valid s7-read "read: closed port (the failure document)"

# ---------------------------------------------------------------- write
js write_ok write "$OK" DB2.DBW0=5 DB2.DBX2.1=true DB2.DBD4:REAL=1.5
check_eq "$RC" 0 "write: exit 0"
valid s7-write "write: written"
js write_items write "$OK" DB2.DBW0=1 DB99.DBW0=1 DB2.DBW20=1
check_eq "$RC" 1 "write to a missing DB: exit 1"
valid s7-write "write: item errors"
js write_pgoff write "$PGOFF" DB1.DBW0=1
valid s7-write "write: PUT/GET disabled"
js write_closed write "$CLOSED" DB1.DBW0=1
valid s7-write "write: closed port"

# ---------------------------------------------------------------- info
js info_ok info "$OK"
check_eq "$RC" 0 "info: exit 0"
valid s7-info "info"
js info_pgoff info "$PGOFF"
check_contains "$(cat "$F")" '"put_get": false' "info on a PUT/GET-disabled CPU: put_get false"
check_contains "$(cat "$F")" '"name": "put_get_not_permitted", "code": "0x8104"' "info: errors.put_get names 0x8104"
valid s7-info "info: PUT/GET disabled"
js info_closed info "$CLOSED"
valid s7-info "info: closed port"

# ---------------------------------------------------------------- watch
js watch_ok watch "$OK" DB1.DBW0 DB9.DBB0 --every 20 --count 2
check_eq "$(wc -l <"$F")" 2 "watch: a line per item (values do not change)"
valid s7-watch "watch: value and item error lines" --lines
js watch_pgoff watch "$PGOFF" MB0 --every 20 --count 2
check_contains "$(cat "$F")" '"event": "error"' "watch on a PUT/GET-disabled CPU: an error event"
valid s7-watch "watch: error event" --lines
js watch_closed watch "$CLOSED" MB0 --count 1
valid s7-watch "watch: closed port" --lines

# ---------------------------------------------------------------- watch --push, alarms, diag-buffer
start_s7server --profile s7-300 --put-get on --db 5:4 --alarm 0x1001:DB5.DBX0.0 --set DB5.DBX0.0=true
ALARMS="127.0.0.1:$S7SRV_PORT"
js watch_push watch "$ALARMS" DB5.DBB0 --slot 2 --push --every 100 --count 1
check_contains "$(head -n 1 "$F")" '"event": "push"' "watch --push: a push event first"
valid s7-watch "watch --push: push event and values" --lines
js watch_poll watch "$OK" DB1.DBW0 --push --every 20 --count 1
check_contains "$(head -n 1 "$F")" '"event": "poll"' "watch --push on an S7-1500: a poll event"
valid s7-watch "watch --push: poll event (refused, with its error)" --lines
js alarms_one alarms "$ALARMS" --slot 2
check_contains "$(cat "$F")" '"count": 1' "alarms: one active"
valid s7-alarms "alarms: one ALARM_S with its time"
js alarms_8 alarms "$ALARMS" --slot 2 --alarm8
valid s7-alarms "alarms: ALARM_8 (no time)"
js alarms_refused alarms "$OK"
check_eq "$RC" 1 "alarms on an S7-1500: exit 1"
valid s7-alarms "alarms: refused (0x8104)"
js alarms_closed alarms "$CLOSED"
valid s7-alarms "alarms: closed port"
js diag_ok diag-buffer "$ALARMS" --slot 2
valid s7-diag-buffer "diag-buffer: entries"
js diag_closed diag-buffer "$CLOSED"
valid s7-diag-buffer "diag-buffer: closed port"

# ---------------------------------------------------------------- dump
js dump_ok dump "$OK" DB 2
check_eq "$RC" 0 "dump: exit 0"
valid s7-dump "dump: hex"
js dump_file dump "$OK" DB 1 -o "$S7_TEST_TMP/db1.bin"
valid s7-dump "dump: -o FILE"
js dump_missing dump "$OK" DB 9
check_eq "$RC" 1 "dump of a missing DB: exit 1"
valid s7-dump "dump: missing DB"
js dump_pgoff dump "$PGOFF" DB 1
valid s7-dump "dump: PUT/GET disabled"
js dump_closed dump "$CLOSED" DB 1
valid s7-dump "dump: closed port"

# ---------------------------------------------------------------- blocks, upload, download
js blocks_ok blocks "$S300" --slot 2
check_eq "$RC" 0 "blocks: exit 0"
valid s7-blocks "blocks: the list"
js blocks_info blocks "$S300" DB1 --slot 2
valid s7-blocks "blocks: info DB1"
js blocks_missing blocks "$S300" DB9 --slot 2
check_eq "$RC" 1 "blocks: info of a missing DB: exit 1"
valid s7-blocks "blocks: missing block"
js blocks_1500 blocks "$OK"
valid s7-blocks "blocks: refused by an S7-1500"
js blocks_closed blocks "$CLOSED"
valid s7-blocks "blocks: closed port"
js upload_ok upload "$S300" DB1 -o "$S7_TEST_TMP/db1.blk" --slot 2
valid s7-upload "upload: written"
js upload_refused upload "$S300" SFC1 -o "$S7_TEST_TMP/sfc1.blk" --slot 2
valid s7-upload "upload: refused"
js download_ok download "$S300" "$S7_TEST_TMP/db1.blk" --slot 2
valid s7-download "download: done"
js download_1500 download "$OK" "$S7_TEST_TMP/db1.blk"
valid s7-download "download: refused by an S7-1500"

# ---------------------------------------------------------------- stop, start (s7-control)
js stop_ok stop "$S300" --slot 2 --yes
check_eq "$RC" 0 "stop: exit 0"
valid s7-control "stop: done"
js start_ok start "$S300" --slot 2 --yes --cold
check_contains "$(cat "$F")" '"mode": "cold"' "start --cold: mode cold"
valid s7-control "start --cold: done"
js stop_1500 stop "$OK" --yes
check_eq "$RC" 1 "stop on an S7-1500: exit 1 (refused)"
valid s7-control "stop: refused by an S7-1500 (0x8104)"
js stop_closed stop "$CLOSED" --yes
check_eq "$RC" 3 "stop on a closed port: exit 3"
valid s7-control "stop: closed port (the failure document)"
js start_closed start "$CLOSED" --yes
valid s7-control "start: closed port (the failure document)"

# ---------------------------------------------------------------- doctor
js doctor_ok doctor "$OK" --db 1:64 --db 2 --area M:16 --allow-write
check_eq "$RC" 0 "doctor: exit 0"
valid s7-doctor "doctor: ok"
js doctor_db doctor "$OK" --db 1:100 --db 9
valid s7-doctor "doctor: db_too_short and db_missing"
js doctor_pgoff doctor "$PGOFF" --db 1
check_contains "$(cat "$F")" '"verdict": "put_get_disabled"' "doctor: put_get_disabled"
valid s7-doctor "doctor: put_get_disabled"
js doctor_cr doctor "$S300"
check_contains "$(cat "$F")" '"verdict": "cr_rejected"' "doctor on an S7-300 at slot 1: cr_rejected"
valid s7-doctor "doctor: cr_rejected with alternatives"
js doctor_closed doctor "$CLOSED"
check_eq "$RC" 3 "doctor on a closed port: exit 3"
valid s7-doctor "doctor: port_closed"

# ---------------------------------------------------------------- discover
js discover_ok discover "$S300"
check_eq "$RC" 0 "discover: exit 0"
valid s7-discover "discover: slot 2"
js discover_closed discover "$CLOSED"
check_eq "$RC" 3 "discover on a closed port: exit 3"
valid s7-discover "discover: closed port"

# ---------------------------------------------------------------- replies that do not conform (fake_plc.js)
start_fake wrong-length
js read_wrong read "$FAKE" DB1.DBB0
check_contains "$(cat "$F")" '"status": "param"' "read of a non-conforming reply: status param"
valid s7-read "read: a reply that does not conform"
js doctor_wrong doctor "$FAKE" --db 1
check_contains "$(cat "$F")" '"verdict": "peer_error"' "doctor on a non-conforming reply: peer_error"
valid s7-doctor "doctor: peer_error with the evidence"
js discover_wrong discover "$FAKE"
valid s7-discover "discover: every test read malformed"
start_fake bad-szl
js info_badszl info "$FAKE"
check_contains "$(cat "$F")" '"message": "malformed answer: SZL 0x0011' "info: a malformed SZL answer named"
valid s7-info "info: malformed SZL answers"
start_fake wild-szl
js info_wild info "$FAKE"
check_contains "$(cat "$F")" '"implausible": [{"field": "protection.level", "value": 8245' "info: implausible figures listed"
valid s7-info "info: implausible SZL figures"
js doctor_wild doctor "$FAKE" --db 1
check_contains "$(cat "$F")" '{"field": "connections.used", "value": 32411' "doctor: implausible figures listed"
valid s7-doctor "doctor: implausible SZL figures"
start_fake setup-fails --good-tsap 0302
js discover_setup discover "$FAKE"
check_contains "$(cat "$F")" '"result": "negotiation", "setup": false' "discover: a failed setup listed as failed"
valid s7-discover "discover: failed setups and one good pair"

# ---------------------------------------------------------------- scan
js scan_all scan 127.0.0.1-3 --port "$P_OK" --timeout 500 --all
check_eq "$RC" 0 "scan: exit 0"
valid s7-scan "scan: a range with --all"
js scan_none scan 127.0.0.1 --port "$P_CLOSED" --timeout 500 --all
check_eq "$RC" 1 "scan of a closed port: exit 1"
valid s7-scan "scan: nothing answers"
js scan_noid scan 127.0.0.1 --port "$P_OK" --no-identify
valid s7-scan "scan: --no-identify"

# ---------------------------------------------------------------- inventory check
INV="$S7_TEST_TMP/plant.yaml"
cat >"$INV" <<YAML
plant: json schema test
partners:
  - {name: hmi, address: 127.0.0.10, cell: test, kind: hmi, type: op}
  - {name: plc-ok, address: 127.0.0.1, port: $P_OK, cell: test, profile: s7-1500}
  - {name: plc-pgoff, address: 127.0.0.1, port: $P_PGOFF, cell: test, profile: s7-1500}
  - {name: plc-gone, address: 127.0.0.1, port: $P_CLOSED, cell: test}
connections:
  - name: ok
    active: hmi
    passive: plc-ok
    exchanges:
      - {get: DB1.DBB0..DBB63, cycle: 500}
      - {put: DB2.DBB0..DBB7, cycle: event}
      - {get: DB9.DBB0..DBB3, cycle: 1s}
  - {name: pgoff, active: hmi, passive: plc-pgoff, exchanges: [{get: DB1.DBB0..DBB7, cycle: 1s}]}
  - {name: gone, active: hmi, passive: plc-gone, exchanges: [{get: DB1.DBB0..DBB7, cycle: 1s}]}
YAML
js inv inventory check "$INV" --timeout 2000
check_eq "$RC" 1 "inventory check: exit 1 (connections fail)"
valid s7-inventory-check "inventory check: pass, put_get_disabled, port_closed"
check_contains "$(cat "$F")" '"ranges": ["DB2.DBB0..DBB7"], "cycle_ms": null' \
    "inventory check: an exchange on event has no period (cycle_ms null, not 0)"
js inv_ok inventory check "$INV" --connection ok --allow-write --timeout 2000
valid s7-inventory-check "inventory check --allow-write"

# ---------------------------------------------------------------- verify-firewall, scan --inventory
# hmi's 127.0.0.10 is on this host (loopback): the probes bind it; no firewall: plc-gone's
# closed port answers with a reset (rejected), so the documented path gone fails
js verify inventory verify-firewall "$INV" --as hmi --timeout 500ms
check_eq "$RC" 1 "verify-firewall: exit 1 (a documented path rejected)"
valid s7-inventory-verify-firewall "verify-firewall: open and rejected rows, from the partner"
js scan_inv scan 127.0.0.1 --port "$P_OK" --timeout 500 --inventory "$INV"
valid s7-scan "scan --inventory"

# ---------------------------------------------------------------- s7 exchange, inventory monitor (JSON lines)
XF="$S7_TEST_TMP/bridge.yaml"
cat >"$XF" <<YAML
partners:
  - {name: plc-ok, address: 127.0.0.1, port: $P_OK, profile: s7-1500}
  - {name: plc-pgoff, address: 127.0.0.1, port: $P_PGOFF, profile: s7-1500}
  - {name: plc-gone, address: 127.0.0.1, port: $P_CLOSED}
jobs:
  - {name: ok, local_cpu: plc-ok, job: get plc-ok DB1.DBW0 every 100ms into DB2.DBW0}
  - {name: pgoff, local_cpu: plc-ok, job: get plc-pgoff DB1.DBW0 every 100ms into DB2.DBW2}
  - {name: gone, local_cpu: plc-ok, job: get plc-gone DB1.DBW0 every 100ms into DB2.DBW4}
  - {name: nodb, local_cpu: plc-ok, job: get plc-ok DB9.DBW0 every 100ms into DB2.DBW6}
YAML
F="$S7_TEST_TMP/exchange.jsonl"
RC=0
"$S7_BIN" exchange "$XF" --count 3 --every 100ms --quiet --json-lines "$F" 2>/dev/null || RC=$?
check_eq "$RC" 1 "exchange: exit 1 (jobs fail)"
valid s7-exchange "exchange: ok, put_get_disabled, refused, a missing DB" --lines
check_match "$(grep '"job": "pgoff"' "$F" | tail -n 1)" '"p50_ms": null, "p99_ms": null' \
    "exchange: no latency measured for a job that never succeeded (null, not 0)"
check_match "$(grep '"job": "ok"' "$F" | tail -n 1)" '"p50_ms": [0-9.]+, "p99_ms": [0-9.]+' \
    "exchange: the latency of a job that succeeded"
F="$S7_TEST_TMP/monitor.jsonl"
RC=0
"$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2000 --json-lines "$F" >/dev/null 2>&1 || RC=$?
check_eq "$RC" 1 "inventory monitor: exit 1 (connections failing in the first round are changes from the start)"
valid s7-inventory-monitor "inventory monitor: pass, put_get_disabled, port_closed" --lines
check_match "$(grep '"event": "change"' "$F" | head -1)" '"round": 1,.*"previous": null' \
    "a change in the first round has no previous state"
check_contains "$(head -n 1 "$F")" '{"index": 1, "direction": "get"' \
    "inventory monitor: an exchange's direction in lowercase, as inventory check writes it"

# ---------------------------------------------------------------- audit logs (s7 guard, s7 server)
# one schema for both: the emulator's log of a refused write, the guard's log of its decisions
start_s7server --profile s7-300 --db 1:64 --db 3:8:ro --audit "$S7_TEST_TMP/cpu_audit.jsonl"
P_AUD=$S7SRV_PORT
printf 'partners:\n  - name: t\n    address: 127.0.0.1\n    read: [DB1.DBB0..63]\n    write: [DB3.DBB0..7]\n' \
    >"$S7_TEST_TMP/guard_rules.yaml"
free_port >/dev/null
P_G=$S7_FREE_PORT
"$S7_BIN" guard --listen "127.0.0.1:$P_G" --upstream "127.0.0.1:$P_AUD" --rules "$S7_TEST_TMP/guard_rules.yaml" \
    --audit "$S7_TEST_TMP/guard_audit.jsonl" >"$S7_TEST_TMP/guard.log" 2>&1 &
G_PID=$!
on_exit "kill $G_PID 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q "listening on" "$S7_TEST_TMP/guard.log" && break; sleep 0.05; done
"$S7_BIN" read "127.0.0.1:$P_G" DB1.DBW0 MW0 --slot 2 >/dev/null 2>&1
"$S7_BIN" write "127.0.0.1:$P_G" DB1.DBW0=1 --slot 2 >/dev/null 2>&1
"$S7_BIN" write "127.0.0.1:$P_G" DB3.DBW0=1 --slot 2 >/dev/null 2>&1 # the CPU refuses: read-only
"$S7_BIN" stop "127.0.0.1:$P_G" --yes --slot 2 >/dev/null 2>&1
kill "$G_PID" 2>/dev/null
F="$S7_TEST_TMP/guard_audit.jsonl"
valid s7-audit "s7 guard --audit (connect, read, write, stop)" --lines
F="$S7_TEST_TMP/cpu_audit.jsonl"
valid s7-audit "s7 server --audit (a refused write)" --lines
grep '"op": "write"' "$S7_TEST_TMP/guard_audit.jsonl" | head -n 1 >"$S7_TEST_TMP/audit_line.json"

# ---------------------------------------------------------------- wrong documents are rejected
# mutate NAME SCHEMA WHAT PYTHON: a copy of the valid document of NAME changed by PYTHON (d is
# the document) must be rejected.
mutate() {
    local bad="$S7_TEST_TMP/bad.$1.$N.json"
    N=$((N + 1))
    python3 - "$S7_TEST_TMP/$1.json" "$bad" "$4" <<'PY' || { fail "$3: could not build the document"; return; }
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(d, open(sys.argv[2], "w"))
PY
    invalid "$2" "$3" "$bad"
}
need_cmd python3
mutate info_ok s7-info 'info: state "RUN" (uppercase)' 'd["cpu"]["state"] = "RUN"'
mutate info_ok s7-info 'info: the old flat "cpu_state" key' 'd["cpu_state"] = "run"'
mutate info_ok s7-info 'info: plant_id "" (empty string instead of null)' 'd["cpu"]["plant_id"] = ""'
mutate info_ok s7-info 'info: TSAP as two keys' 'd["local_tsap"] = "0100"; d["remote_tsap"] = "0101"; del d["tsap"]'
mutate read_items s7-read 'read: status "OBJECT_NOT_FOUND" (old spelling)' 'd[1]["status"] = "OBJECT_NOT_FOUND"'
mutate read_items s7-read 'read: an extra key in an item' 'd[0]["code"] = "0x0A"'
mutate read_items s7-read 'read: status ok with an error' 'd[1]["status"] = "ok"'
mutate read_closed s7-read 'read: the old flat error ("status": "S7_ERR_REFUSED")' 'd = {"status": "S7_ERR_REFUSED", "error": d["error"]["message"]}'
mutate doctor_ok s7-doctor 'doctor: "total_ms" instead of "ms"' 'd["total_ms"] = d.pop("ms")'
mutate doctor_ok s7-doctor 'doctor: a verdict not in the list' 'd["verdict"] = "fine"'
mutate doctor_closed s7-doctor 'doctor: a missing key (checks)' 'del d["checks"]'
mutate scan_all s7-scan 'scan: a fractional duration' 'd["ms"] = 1.5'
mutate verify s7-inventory-verify-firewall 'verify-firewall: observed "closed"' 'd["paths"][0]["observed"] = "closed"'
mutate verify s7-inventory-verify-firewall 'verify-firewall: a short sha256' 'd["rules"] = {"file": "r.nft", "sha256": "abc"}'
mutate scan_inv s7-scan 'scan --inventory: a row without state' 'del d["inventory"]["found"][0]["state"]'
mutate discover_closed s7-discover 'discover: tcp "S7_ERR_REFUSED"' 'd["tcp"] = "S7_ERR_REFUSED"'
mutate doctor_wild s7-doctor 'doctor: an implausible field not in the list' 'd["implausible"][0]["field"] = "level"'
mutate doctor_wild s7-doctor 'doctor: implausible without its raw value' 'del d["implausible"][0]["value"]'
mutate info_wild s7-info 'info: no implausible key' 'del d["implausible"]'
mutate inv s7-inventory-check 'inventory check: verdict "" (empty string)' 'd["connections"][0]["verdict"] = ""'
mutate alarms_one s7-alarms 'alarms: type "ALARM_S" (uppercase)' 'd["alarms"][0]["type"] = "ALARM_S"'
mutate diag_ok s7-diag-buffer 'diag-buffer: event in lowercase hex' 'd["entries"][0]["event"] = "0x43a2"'
mutate audit_line s7-audit 'audit: action "deny"' 'd["action"] = "deny"'
mutate audit_line s7-audit 'audit: an unknown key' 'd["verdict"] = "ok"'
mutate audit_line s7-audit 'audit: no result' 'del d["result"]'
head -n 1 "$S7_TEST_TMP/watch_ok.json" >"$S7_TEST_TMP/watch_line.json"
mutate watch_line s7-watch 'watch: a time without its UTC offset' 'd["time"] = d["time"][:23]'

# ---------------------------------------------------------------- the enums name what the library prints
out="$(python3 - "$S7_SOURCE" "$SCHEMAS/s7-common.schema.json" <<'PY'
import json, re, sys
src, schema = sys.argv[1], json.load(open(sys.argv[2]))
defs = schema["$defs"]
names = set(defs["error_name"]["enum"])
ex = open(src + "/client/explain.c").read()
want = {n.lower() for n in re.findall(r'"([A-Z][A-Z0-9_]*)"', ex)} - {"ok"}
want |= {n.lower() for n in re.findall(r"X\(([A-Z0-9_]+), -\d+", open(src + "/include/s7/err.h").read())}
verdicts = re.findall(r'X\([A-Z_]+, "([a-z_]+)", \d', open(src + "/include/s7/diag.h").read())
miss = sorted(want - names)
print("missing:", " ".join(miss) if miss else "none")
print("verdicts:", "same" if verdicts == defs["verdict"]["enum"] else "differ: %s" % verdicts)
PY
)"
check_contains "$out" "missing: none" "schema: error_name lists every library error and PLC code name"
check_contains "$out" "verdicts: same" "schema: verdict lists the doctor's verdicts"

finish
