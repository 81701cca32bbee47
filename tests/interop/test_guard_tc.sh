#!/usr/bin/env bash
# s7 guard with a policy that names timers and counters (issue 12: WinCC reads T0 and C0):
# the s7 CLI and Snap7's client (a peer we did not write) read T0 / C0 through the guard
# from s7kit's CPU emulator when the rules name T0..T15 / C0..C7 and get 0x03 for T16 / C8;
# a counter write inside the writable C0..C3 reaches the CPU, a timer write (T only
# readable) does not; the guard's audit names the timer or counter by number (area T / C,
# offset = its number); the same from an inventory whose exchanges name T0..T15 / C0..C7,
# and `s7 inventory audit` of that guard's log finds the T16 read and the C0 write only;
# a rules file with a bad timer range is refused with FILE:LINE and the accepted forms; the
# audit lines are valid against docs/schema/s7-audit.schema.json.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

G_PORT=""
G_PID=""
_G_N=0
start_guard() { # start_guard ARGS...: s7 guard in front of the emulator
    local i
    if [ -z "$G_PORT" ]; then
        free_port >/dev/null || die "start_guard: no free port"
        G_PORT="$S7_FREE_PORT"
    fi
    _G_N=$((_G_N + 1))
    G_LOG="$S7_TEST_TMP/guard.$_G_N.log"
    "$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$S7SRV_PORT" "$@" \
        </dev/null >"$G_LOG" 2>&1 &
    G_PID=$!
    on_exit "kill $G_PID 2>/dev/null"
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on 127.0.0.1:$G_PORT" "$G_LOG" 2>/dev/null && return 0
        kill -0 "$G_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$G_LOG" >&2
    die "s7 guard did not start"
}
stop_guard() {
    local rc=0
    kill "$G_PID" 2>/dev/null
    wait "$G_PID" 2>/dev/null || rc=$?
    check_eq "$rc" 0 "guard $_G_N stops with exit 0 on SIGTERM"
    if grep -q "Sanitizer" "$G_LOG"; then
        fail "guard $_G_N: sanitizer report: $(grep -A12 Sanitizer "$G_LOG" | head -20)"
    fi
}
gcli() {
    local cmd="$1"
    shift
    "$S7_BIN" "$cmd" "127.0.0.1:$G_PORT" "$@" --slot 2 --timeout 5000
}
gsnap7() { "$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" --slot 2 "127.0.0.1:$G_PORT" "$@"; }
have_snap7() { [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/node-snap7/build/Release/node_snap7.node" ]; }

S7SRV_SLOT=2
start_s7server --profile s7-300 --db 10:64
check_ok "the CPU's T0 and C0 set directly" s7srv_cli write 'T0=S5T#2s' 'C0=C#42' 'T16=S5T#9s' \
    'C8=C#8'

# ---- a rules file naming timers and counters
RULES="$S7_TEST_TMP/rules.yaml"
cat >"$RULES" <<EOF
partners:
  - name: wincc
    address: 127.0.0.1
    read: [DB10.DBB0..63, T0..T15, C0..C7]
    write: [C0..C3]
EOF
AUDIT="$S7_TEST_TMP/guard.audit"
start_guard --rules "$RULES" --audit "$AUDIT"

check_eq "$(gcli read T0 C0 2>&1)" $'T0 = S5T#2s\nC0 = 42' "s7 CLI: T0 and C0 read through the guard"
out=$(gcli read T16 2>&1)
check_eq "$?" 1 "s7 CLI: T16 (not in T0..T15) refused"
check_contains "$out" "T16: accessing the object not allowed (item return code 0x03" \
    "s7 CLI: T16 gets 0x03"
out=$(gcli read T0 C8 2>&1)
check_contains "$out" "T0 = S5T#2s" "s7 CLI: a mixed read gets T0"
check_contains "$out" "C8: accessing the object not allowed (item return code 0x03" \
    "s7 CLI: a mixed read gets 0x03 for C8"
check_ok "s7 CLI: a counter write inside C0..C3" gcli write 'C1=C#7'
check_eq "$(s7srv_cli read C1 2>&1)" "C1 = 7" "the counter write reached the CPU"
check_fails "s7 CLI: a timer write (T0..T15 only readable) refused" gcli write 'T0=S5T#5s'
check_fails "s7 CLI: a counter write outside C0..C3 refused" gcli write 'C4=C#1'
check_eq "$(s7srv_cli read T0 C4 2>&1)" $'T0 = S5T#2s\nC4 = 0' "the refused writes never reached the CPU"

if have_snap7; then
    direct=$(s7srv_snap7 read TM 0 0 1 2>&1)
    check_eq "$(gsnap7 read TM 0 0 1 2>&1)" "$direct" "Snap7 client: T0 through the guard as directly ($direct)"
    check_eq "$(gsnap7 read CT 0 0 2 2>&1)" "$(s7srv_snap7 read CT 0 0 2 2>&1)" \
        "Snap7 client: C0..C1 through the guard as directly"
    check_fails "Snap7 client: T15..T16 refused (T16 not named)" gsnap7 read TM 0 15 2
else
    echo "SKIP: Snap7 client checks (node-snap7 not installed)"
fi

check_ok "audit: the T0 read allowed by its rule" \
    grep -q '"op": "read", "area": "T", "db": 0, "offset": 0, "length": 1, "result": "ok".*"rule": "rules.yaml:4 wincc read T0..T15"' "$AUDIT"
check_ok "audit: T16 refused, named by number" \
    grep -q '"op": "read", "area": "T", "db": 0, "offset": 16, "length": 1, "result": "0x03 access denied"' "$AUDIT"
check_ok "audit: the C1 write allowed by the write rule" \
    grep -q '"op": "write", "area": "C", "db": 0, "offset": 1, "length": 1, "result": "ok".*"rule": "rules.yaml:5 wincc write C0..C3"' "$AUDIT"
if [ -n "$S7_NODE" ]; then
    out="$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-audit "$AUDIT" --lines 2>&1)"
    check_eq "$?" 0 "the guard's audit lines with T and C items valid against s7-audit.schema.json ${out:+($out)}"
fi
stop_guard

# ---- the same from an inventory's exchanges
INV="$S7_TEST_TMP/plant.yaml"
cat >"$INV" <<EOF
plant: timers and counters
partners:
  - name: plc1
    address: 127.0.0.2
    cell: line1
    rack: 0
    slot: 2
  - name: wincc
    address: 127.0.0.1
    cell: line1
connections:
  - name: wincc-plc1
    active: wincc
    passive: plc1
    exchanges:
      - direction: GET
        range: T0..T15
        cycle: 500
      - direction: GET
        range: Z0..Z7
        cycle: 500
EOF
INV_AUDIT="$S7_TEST_TMP/inv.audit"
start_guard --inventory "$INV" --cpu plc1 --audit "$INV_AUDIT"
check_eq "$(gcli read T0 C0 2>&1)" $'T0 = S5T#2s\nC0 = 42' "inventory policy: the documented T0 and C0 read"
check_fails "inventory policy: T16 refused" gcli read T16
check_fails "inventory policy: a C0 write (GET only) refused" gcli write 'C0=C#1'
check_eq "$(s7srv_cli read C0 2>&1)" "C0 = 42" "inventory policy: C0 unchanged in the CPU"
check_ok "inventory policy: the audit names the exchange that allowed T0" \
    grep -q '"area": "T", "db": 0, "offset": 0, "length": 1, "result": "ok".*"rule": "conn wincc-plc1 GET T0..T15"' "$INV_AUDIT"
stop_guard
# the guard's log against the inventory: T0 and C0 documented, T16 and the C0 write not
out=$("$S7_BIN" inventory audit "$INV" --log "$INV_AUDIT" --cpu plc1 2>&1)
check_match "$out" "outside the documented ranges +wincc \(127\.0\.0\.1\) +read T16\.\.T16 " \
    "inventory audit: the T16 read outside the documented ranges, named by number"
check_match "$out" "write where only GET is documented +wincc \(127\.0\.0\.1\) +write C0\.\.C0 " \
    "inventory audit: the C0 write where only GET is documented"
check_eq "$(grep -cE 'read (T0\.\.T0|C0\.\.C0) ' <<<"$out")" 0 \
    "inventory audit: the documented T0 and C0 reads are not findings"

# ---- a bad timer range: FILE:LINE, what is wrong, the accepted forms
cat >"$RULES" <<EOF
partners:
  - name: wincc
    read: [T0..C7]
EOF
out=$("$S7_BIN" guard --listen 127.0.0.1:0 --upstream "127.0.0.1:$S7SRV_PORT" --rules "$RULES" 2>&1)
check_eq "$?" 2 "a rules file with T0..C7 is refused (exit 2)"
check_contains "$out" "rules.yaml:3: read: 'T0..C7': both ends must be in the same area, e.g. T0..T15" \
    "the error names the line and the mistake"
check_contains "$out" "timers T0..T15 (T5, 'T0:TIMER[16]', 'P#T 0 TIMER 16') and counters C0..C7" \
    "the error names the accepted forms"
finish
