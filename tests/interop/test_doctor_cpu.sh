#!/usr/bin/env bash
# The doctor's verdicts about the CPU as a whole and the mode commands, against CPU emulators
# (s7 server) on loopback:
#   - s7 stop / s7 start: refused without a terminal and without --yes (nothing sent: the CPU
#     stays in RUN); under a pseudo-terminal (script) the prompt names the CPU and its mode,
#     "no" sends nothing, "yes" stops it; --yes for scripts; --json against its schema;
#     an S7-1500 refuses (0x8104) with a fix that says where to switch it;
#   - cpu_stopped: exit 4, the time of the last mode change from SZL 0x0424, the ladder goes on;
#   - --expect-profile: the family of the order code (profile_mismatch, exit 1), the rack/slot
#     of the profile, and a name it does not know refused with the list;
#   - the fix for exhausted connection resources per connection type (PG, OP/HMI, S7 basic
#     for a CPU-to-CPU link: never "use --type pg" for a CPU);
#   - s7 doctor --inventory FILE --as PARTNER: documented path (and by which connection),
#     undocumented path, HOST given by a partner's name, the documented profile expected.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"
command -v script >/dev/null 2>&1 || skip "script (util-linux) not found: it gives the prompt a terminal"

# doc ARGS...: s7 doctor ARGS --json (JS, RC; the document also in doc.N.json) and as text
# (TXT, TRC).
DOCN=0
doc() {
    DOCN=$((DOCN + 1))
    RC=0
    JS="$("$S7_BIN" doctor "$@" --json 2>"$S7_TEST_TMP/doc.err")" || RC=$?
    printf '%s' "$JS" >"$S7_TEST_TMP/doc.$DOCN.json"
    TRC=0
    TXT="$("$S7_BIN" doctor "$@" 2>&1)" || TRC=$?
}
# q EXPR: R = EXPR over the last document (d; f the failing check), answered by one python3
# that stays up (a python3 per question costs more than the doctor runs).
coproc PYQ {
    python3 -u -c '
import json, sys
for line in sys.stdin:
    name, expr = line.rstrip("\n").split("\t", 1)
    try:
        d = json.load(open(name))
        f = next((c for c in d["checks"] if c["status"] == "fail"), None)
        r = eval(expr)
        r = r if not isinstance(r, bool) else ("true" if r else "false")
    except Exception as e:
        r = "error: %r" % e
    print(str(r).replace("\n", " "), flush=True)' 2>&1
}
# bash unsets PYQ and PYQ_PID once it has reaped the evaluator: keep our own copies
PYQ_IN=${PYQ[1]} PYQ_OUT=${PYQ[0]} PYQ_CHILD=$PYQ_PID
q() {
    R=""
    printf '%s\t%s\n' "$S7_TEST_TMP/doc.$DOCN.json" "$1" >&"$PYQ_IN"
    IFS= read -r -t 10 R <&"$PYQ_OUT" || R="(no answer from the evaluator)"
}
state_of() {
    "$S7_BIN" info "$1" --slot 2 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["cpu"]["state"])' 2>&1
}
valid() {
    [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ] || { fail "$2: node and ajv needed (make deps)"; return; }
    local out
    out="$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" "$1" "$3" 2>&1)" &&
        pass "$2: valid against $1" || fail "$2: not valid against $1: $out"
}

# ---------------------------------------------------------------- s7 stop / start (S7-300)
start_s7server --profile s7-300 --db 1:16
A="$S7SRV_ADDR"
rc=0
out="$("$S7_BIN" stop "$A" --slot 2 </dev/null 2>&1)" || rc=$?
check_eq "$rc" 2 "stop without a terminal and without --yes: exit 2"
check_contains "$out" "stdin is not a terminal: nothing was sent" "stop: the refusal says why"
check_contains "$out" "pass --yes in a script" "stop: the refusal says what would work"
check_eq "$(state_of "$A")" run "stop refused: the CPU is still in RUN"

rc=0
out="$(printf 'no\n' | script -qec "$S7_BIN stop $A --slot 2" /dev/null 2>&1)" || rc=$?
check_contains "$out" "CPU 315-2 PN/DP (6ES7 315-2EH14-0AB0) is in RUN" "prompt: names the CPU and its mode"
check_contains "$out" "Type yes to go on" "prompt: asks"
check_contains "$out" "not confirmed: nothing was sent" "prompt: 'no' sends nothing"
check_eq "$rc" 1 "prompt answered no: exit 1"
check_eq "$(state_of "$A")" run "answered no: still RUN"

rc=0
out="$(printf 'yes\n' | script -qec "$S7_BIN stop $A --slot 2" /dev/null 2>&1)" || rc=$?
check_eq "$rc" 0 "prompt answered yes: exit 0"
check_contains "$out" "was RUN, now STOP" "stop: the mode before and after"
check_eq "$(state_of "$A")" stop "answered yes: the CPU is in STOP"

# ---------------------------------------------------------------- cpu_stopped
doc "$A" --slot 2 --db 1
q 'd["verdict"]'
check_eq "$R" cpu_stopped "cpu_stopped: verdict"
check_eq "$RC" 4 "cpu_stopped: exit 4 (json)"
check_eq "$TRC" 4 "cpu_stopped: exit 4 (text)"
q 'f["id"]'
check_eq "$R" identity "cpu_stopped: the identity check fails"
q 'd["mode_changed"]'
check_match "$R" '^20[0-9][0-9]-[01][0-9]-[0-3][0-9] [0-2][0-9]:[0-5][0-9]:[0-5][0-9]\.[0-9]{3}$' "cpu_stopped: the time of the mode change"
q 'f["detail"]'
check_contains "$R" "in STOP since" "cpu_stopped: the detail says since when"
q 'f["fix"]'
check_contains "$R" "diagnostic buffer" "cpu_stopped: the fix"
check_contains "$R" "s7 start $A --rack 0 --slot 2 --type pg on an S7-300/400" \
    "cpu_stopped: the fix's command dials what the check connected with (slot 2)"
q 'd["network"]["team"]'
check_eq "$R" "PLC operator (the CPU's operating mode)" "cpu_stopped: who acts"
q '[c["status"] for c in d["checks"]]'
check_eq "$R" "['pass', 'pass', 'pass', 'pass', 'fail', 'pass', 'pass', 'pass', 'pass']" \
    "cpu_stopped: the ladder goes on (data still served)"
check_contains "$TXT" "verdict: cpu_stopped" "cpu_stopped: text"
printf '%s' "$JS" >"$S7_TEST_TMP/stopped.json"
valid s7-doctor "cpu_stopped JSON" "$S7_TEST_TMP/stopped.json"

rc=0
"$S7_BIN" start "$A" --slot 2 --yes --json >"$S7_TEST_TMP/start.json" 2>"$S7_TEST_TMP/start.err" || rc=$?
check_eq "$rc" 0 "start --yes: exit 0"
check_eq "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["action"], d["mode"], d["state_before"], d["state_after"], d["done"])' "$S7_TEST_TMP/start.json")" \
    "start hot stop run True" "start --json: before/after"
valid s7-control "start --json" "$S7_TEST_TMP/start.json"
doc "$A" --slot 2 --db 1
q 'd["verdict"]'
check_eq "$R" ok "after start: ok"
q 'd["mode_changed"]'
check_eq "$R" None "in RUN: no mode change reported"
"$S7_BIN" stop "$A" --slot 2 --yes --json >"$S7_TEST_TMP/stop.json" 2>/dev/null
valid s7-control "stop --json" "$S7_TEST_TMP/stop.json"
"$S7_BIN" start "$A" --slot 2 --cold --yes >/dev/null 2>&1
check_eq "$(state_of "$A")" run "start --cold: RUN"

# ---------------------------------------------------------------- --expect-profile
doc "$A" --slot 2 --expect-profile s7-300
q 'd["verdict"]'
check_eq "$R" ok "expect s7-300 on an S7-300: ok"
q 'd["family"]'
check_eq "$R" s7-300 "the family of the order code"
doc "$A" --slot 2 --expect-profile s7-1200
q 'd["verdict"]'
check_eq "$R" profile_mismatch "expect s7-1200 on an S7-300: profile_mismatch"
check_eq "$RC" 1 "profile_mismatch: exit 1"
q 'f["cause"]'
check_contains "$R" "reports order code 6ES7 315-2EH14-0AB0 (s7-300" "profile_mismatch: what the CPU reports"
q 'f["fix"]'
check_contains "$R" "profile: s7-300" "profile_mismatch: the fix names the profile to document"
rc=0
out="$("$S7_BIN" doctor "$A" --expect-profile s7-999 2>&1)" || rc=$?
check_eq "$rc" 2 "unknown profile: exit 2"
check_contains "$out" "s7-300, s7-400, s7-1200, s7-1500" "unknown profile: the list"

# ---------------------------------------------------------------- doctor --inventory --as
cat >"$S7_TEST_TMP/plant.yaml" <<EOF
version: 1
plant: doctor path test
cells:
  - name: loop
    subnet: 127.0.0.0/8
partners:
  - name: scada
    address: 127.0.0.1
    cell: loop
    kind: scada
    type: op
  - name: hmi
    address: 127.0.0.9
    cell: loop
    kind: hmi
    type: op
  - name: capper
    address: 127.0.0.1
    port: $S7SRV_PORT
    cell: loop
    kind: plc
    profile: s7-1200
connections:
  - name: scada-capper
    active: scada
    passive: capper
    exchanges:
      - get: DB1.DBB0..DBB7
        cycle: 1s
EOF
doc capper --inventory "$S7_TEST_TMP/plant.yaml" --as scada --slot 2
q 'd["path"]["documented"]'
check_eq "$R" true "--as scada: the path is documented"
q 'd["path"]["note"]'
check_contains "$R" "connection 'scada-capper'" "--as scada: by which connection"
q 'd["verdict"]'
check_eq "$R" profile_mismatch "--inventory: the documented profile (s7-1200) is compared"
check_contains "$TXT" "path: documented: connection 'scada-capper'" "--as scada: the text names the path"
doc 127.0.0.1:"$S7SRV_PORT" --inventory "$S7_TEST_TMP/plant.yaml" --as hmi --slot 2 --expect-profile s7-300
q 'd["path"]["documented"]'
check_eq "$R" false "--as hmi: not documented"
q 'd["path"]["note"]'
check_contains "$R" "no connection in" "--as hmi: says so"
q 'd["verdict"]'
check_eq "$R" ok "--as hmi: the verdict is still the network's (ok here)"
printf '%s' "$JS" >"$S7_TEST_TMP/path.json"
valid s7-doctor "doctor --inventory JSON" "$S7_TEST_TMP/path.json"
# s7 inventory check passes the documented profile to the doctor, and sees STOP
inv_verdict() {
    "$S7_BIN" inventory check "$S7_TEST_TMP/plant.yaml" --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
c = next(c for c in d["connections"] if c["name"] == "scada-capper")
print(c["status"], c["verdict"])' 2>&1
}
check_eq "$(inv_verdict)" "fail profile_mismatch" "inventory check: an S7-300 documented as s7-1200 is flagged"
doc capper --inventory "$S7_TEST_TMP/plant.yaml" --as scada
q 'd["verdict"]'
check_eq "$R" profile_mismatch "doctor with the documented profile s7-1200 (slot 1 refused): profile_mismatch"
q 'f["id"]'
check_eq "$R" cotp "profile_mismatch after a refused CR: at cotp"
q 'f["fix"]'
check_contains "$R" "profile: s7-300), which dials --rack 0 --slot 2" "profile_mismatch after a refused CR: the profile and TSAP to use"
sed -i 's/profile: s7-1200/profile: s7-300/' "$S7_TEST_TMP/plant.yaml"
"$S7_BIN" stop "$A" --slot 2 --yes >/dev/null 2>&1
check_eq "$(inv_verdict)" "fail cpu_stopped" "inventory check: a CPU in STOP is not ok"
"$S7_BIN" start "$A" --slot 2 --yes >/dev/null 2>&1
check_eq "$(inv_verdict)" "pass ok" "inventory check: documented profile and RUN: pass"
# the doctor checks the documented connection's DBs as inventory check does (no --db given)
doc capper --inventory "$S7_TEST_TMP/plant.yaml" --as scada
q '[(t["area"], t["db"], t["required"]) for t in d["targets"]]'
check_eq "$R" "[('DB', 1, 8)]" "doctor --inventory --as: the documented DB1 (8 bytes) is checked without --db"
sed -i 's/get: DB1.DBB0..DBB7/get: DB1.DBB0..DBB31/' "$S7_TEST_TMP/plant.yaml"
doc capper --inventory "$S7_TEST_TMP/plant.yaml" --as scada
q 'd["verdict"]'
check_eq "$R" db_too_short "doctor --inventory --as: a documented range past DB1's 16 bytes is db_too_short"
doc capper --inventory "$S7_TEST_TMP/plant.yaml" --as scada --db 1
q 'd["verdict"]'
check_eq "$R" ok "doctor --inventory --as --db 1: the command line's DBs instead of the documented"
sed -i 's/get: DB1.DBB0..DBB31/get: DB1.DBB0..DBB7/' "$S7_TEST_TMP/plant.yaml"
rc=0
out="$("$S7_BIN" doctor capper --inventory "$S7_TEST_TMP/plant.yaml" --as nobody 2>&1)" || rc=$?
check_eq "$rc" 2 "--as an unknown partner: exit 2"
check_contains "$out" "partners: scada hmi capper" "--as unknown: lists the partners"
rc=0
out="$("$S7_BIN" doctor capper --as scada 2>&1)" || rc=$?
check_eq "$rc" 2 "--as without --inventory: exit 2"
stop_s7server

# ---------------------------------------------------------------- rack/slot of the profile
start_s7server --profile s7-1500 --put-get on --slot 2
doc "$S7SRV_ADDR" --slot 2 --expect-profile s7-1500
q 'd["verdict"]'
check_eq "$R" profile_mismatch "an S7-1500 at slot 2 with --expect-profile s7-1500: profile_mismatch"
q 'f["detail"]'
check_contains "$R" "rack 0 slot 1 expected, the CPU answers at rack 0 slot 2" "rack/slot mismatch: the detail"
q 'f["fix"]'
check_contains "$R" "document rack 0 slot 2" "rack/slot mismatch: the fix"
stop_s7server
# slot 0 is the same S7-1500 (it takes slot 0 and 1, as the inventory's validation accepts):
# no profile_mismatch whose fix would be to document the slot 0 just asked for
start_s7server --profile s7-1500 --put-get on
doc "$S7SRV_ADDR" --slot 0 --expect-profile s7-1500
q 'd["verdict"]'
check_eq "$R" ok "an S7-1500 asked at slot 0 with --expect-profile s7-1500: ok"
check_contains "$TXT" "slot 0 answered: an s7-1500 at slot 1 takes slot 0 too" "slot 0: the detail says why"
doc "$S7SRV_ADDR" --rack 1 --slot 0 --expect-profile s7-1500 --no-alternatives
q 'd["verdict"]'
check_eq "$R" cr_rejected "an S7-1500 asked at rack 1 slot 0: refused (not the same CPU)"
stop_s7server

# ---------------------------------------------------------------- S7-1500 refuses mode changes
start_s7server --profile s7-1500 --put-get on --db 1:16 --max-conn basic=1 --max-conn op=1
B="$S7SRV_ADDR"
rc=0
out="$("$S7_BIN" stop "$B" --yes 2>&1)" || rc=$?
check_eq "$rc" 1 "stop on an S7-1500: exit 1"
check_contains "$out" "0x8104" "stop on an S7-1500: the code"
check_contains "$out" "switch it in TIA Portal" "stop on an S7-1500: where to switch it"

# ---------------------------------------------------------------- exhausted resources per type
# hold_conn TYPE: one connection of TYPE held by s7 watch (its PID in HELD)
hold_conn() {
    "$S7_BIN" watch "$B" DB1.DBB0 --type "$1" --every 500 >"$S7_TEST_TMP/hold.$1" 2>&1 &
    HELD=$!
    on_exit "kill $HELD 2>/dev/null; wait $HELD 2>/dev/null"
    for ((i = 0; i < 100; i++)); do
        grep -q "DB1.DBB0" "$S7_TEST_TMP/hold.$1" && break
        sleep 0.05
    done
}
hold_conn basic
doc "$B" --type basic --db 1
q 'd["cr"]["cause"]'
check_eq "$R" resources_exhausted "S7 basic budget full: resources_exhausted"
q 'f["fix"]'
check_contains "$R" "CPU-to-CPU PUT/GET links" "S7 basic: the fix speaks of CPU-to-CPU links"
q 'f["fix"]'
check_contains "$R" "a partner CPU cannot switch to another type" "S7 basic: not 'switch to PG' for a CPU"
kill "$HELD" 2>/dev/null
wait "$HELD" 2>/dev/null
hold_conn op
doc "$B" --type op --db 1
q 'd["cr"]["cause"]'
check_eq "$R" resources_exhausted "OP budget full: resources_exhausted"
q 'f["fix"]'
check_contains "$R" "OP connections are the HMIs'" "OP: the fix speaks of HMIs"
q 'f["fix"]'
check_contains "$R" "reserved for HMI/OP communication" "OP: raise the HMI reservation"
kill "$HELD" 2>/dev/null
wait "$HELD" 2>/dev/null
stop_s7server
eval "exec $PYQ_IN>&-"
wait "$PYQ_CHILD" 2>/dev/null
finish
