#!/usr/bin/env bash
# s7 inventory monitor on a small inventory of two CPU emulators on loopback: both pass in the
# first rounds; the /metrics endpoint is scraped with curl and checked with promtool (a
# checker s7kit did not write); then one emulator is stopped and the monitor reports the
# change (pass ok -> fail port_closed, with cause and fix: a restart or an address conflict,
# as the port served before; a monitor started after the fault gives the doctor's
# first-contact cause), runs the --on-change hook with
# the change in its environment, writes JSON lines valid against
# docs/schema/s7-inventory-monitor.schema.json and exits 1 (--exit-on-change).  With
# --json-lines - stdout holds JSON only; a JSON-lines file that cannot be written stops the
# monitor (exit 1); --duration holds when rounds take longer than --every; a hook still
# running 10 s after the end is stopped.  Then the usage errors name the option and the
# right form.  Loops are bounded in count.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/fake_lib.sh"

need_s7_bin
need_s7_server
need_cmd curl promtool python3

start_s7server --profile s7-1500 --put-get on --db 10:64
P_A=$S7SRV_PORT
start_s7server --profile s7-1500 --put-get on --db 10:64
P_B=$S7SRV_PORT
PID_B=$S7SRV_PID

INV="$S7_TEST_TMP/monitor.yaml"
cat >"$INV" <<EOF
plant: monitor test
partners:
  - {name: hmi, address: 127.0.0.1, cell: test, kind: hmi, type: op}
  - {name: plc-a, address: 127.0.0.1, port: $P_A, cell: test, profile: s7-1500}
  - {name: plc-b, address: 127.0.0.1, port: $P_B, cell: test, profile: s7-1500}
connections:
  - {name: hmi-a, active: hmi, passive: plc-a, exchanges: [{get: DB10.DBB0..DBB15, cycle: 1s}]}
  - {name: hmi-b, active: hmi, passive: plc-b, exchanges: [{get: DB10.DBB0..DBB15, cycle: 1s}]}
EOF

# ended PID: waits (at most 10 s) for the monitor PID to end; its exit status in RC
ended() {
    RC=0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$1" 2>/dev/null || break
        sleep 0.1
    done
    wait "$1" || RC=$?
}

MPORT=$(free_port) || die "no free port"
JL="$S7_TEST_TMP/monitor.jsonl"
HOOK="$S7_TEST_TMP/hook.txt"
OUT="$S7_TEST_TMP/monitor.out"
"$S7_BIN" inventory monitor "$INV" --every 200ms --count 150 --timeout 5s \
    --json-lines "$JL" --metrics "127.0.0.1:$MPORT" --exit-on-change \
    --on-change "echo \"\$S7_MONITOR_CONNECTION \$S7_MONITOR_PREVIOUS \$S7_MONITOR_STATUS \$S7_MONITOR_VERDICT\" >>'$HOOK'" \
    >"$OUT" 2>"$S7_TEST_TMP/monitor.err" &
MON=$!
on_exit "kill $MON 2>/dev/null || true"

# wait (bounded) until two rounds are in the JSON lines
for ((i = 0; i < 100; i++)); do
    [ "$(cat "$JL" 2>/dev/null | grep -c '"round": 2,')" -ge 2 ] && break
    sleep 0.1
done
check_eq "$(grep -c '"round": 2,' "$JL")" 2 "two connections reported in round 2"

METRICS="$S7_TEST_TMP/metrics.txt"
check_ok "curl scrapes /metrics" curl -sf -o "$METRICS" "http://127.0.0.1:$MPORT/metrics"
out="$(promtool check metrics <"$METRICS" 2>&1)"
check_eq "$?" 0 "promtool check metrics: $out"
check_contains "$(cat "$METRICS")" 's7_inventory_connection_status{connection="hmi-b",status="pass"} 1' \
    "metrics: hmi-b passes"
check_eq "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$MPORT/other")" 404 \
    "another path: 404"

# The change must be seen as port_closed, so the round that sees it must start after plc-b is
# gone: freeze the monitor at a moment it holds no connection to plc-b, stop plc-b, wait until
# its port refuses, then let the monitor go on.  (Stopped in the middle of a round, the monitor
# rightly reports peer_error: the connection was cut under it.)
need_cmd ss
frozen=0
for ((i = 0; i < 100; i++)); do
    kill -STOP "$MON" 2>/dev/null || break
    if [ -z "$(ss -Htn state established state syn-sent "( dport = :$P_B )" 2>/dev/null)" ]; then
        frozen=1
        break
    fi
    kill -CONT "$MON"
    sleep 0.01
done
check_eq "$frozen" 1 "the monitor frozen between two of its connections to plc-b"
stop_s7server "$PID_B"
for ((i = 0; i < 100; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$P_B") 2>/dev/null || break
    sleep 0.05
done
kill -CONT "$MON" 2>/dev/null
ended "$MON"
check_eq "$RC" 1 "monitor exits 1 at the change (--exit-on-change)"
check_match "$(cat "$OUT")" "CHANGE hmi-b: pass ok -> fail port_closed" "the change is printed"
check_contains "$(cat "$OUT")" "fix: " "the change comes with a fix"
# the port closed on a connection that passed a moment ago: its address was right, so the
# cause is not "not the CPU's address" but a restart or an address conflict
check_contains "$(cat "$OUT")" "refused the connection (TCP RST) but served it before: the CPU or its CP is restarting" "a port closed after passing: a restart or an address conflict"
check_lacks "$(cat "$OUT")" "it is not the CPU's (or its CP's) Ethernet interface" "a port closed after passing: not 'not the CPU's interface'"
check_eq "$(grep -c CHANGE "$OUT")" 1 "only hmi-b changed"
check_eq "$(cat "$HOOK" 2>/dev/null)" "hmi-b pass fail port_closed" "--on-change ran with the change"
check_eq "$(grep -c '"event": "change"' "$JL")" 1 "one change in the JSON lines"
if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ]; then
    check_ok "JSON lines valid against s7-inventory-monitor" \
        "$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" \
        s7-inventory-monitor "$JL" --lines
else
    fail "ajv not installed in $NODE_PATH (run make deps)"
fi

# plc-b is down now: a monitor started after the fault reports it as a change from the start
# (it would hide it otherwise), and its hook runs beside the rounds: the rounds and /metrics
# go on while a slow hook (3 s) runs, and the monitor waits for it before it exits
H2="$S7_TEST_TMP/hook2.txt"
OUT2="$S7_TEST_TMP/monitor2.out"
MPORT2=$(free_port) || die "no free port"
"$S7_BIN" inventory monitor "$INV" --every 200ms --count 4 --timeout 2s --connection hmi-b \
    --metrics "127.0.0.1:$MPORT2" \
    --on-change "sleep 3; echo \"\$S7_MONITOR_CONNECTION [\$S7_MONITOR_PREVIOUS] \$S7_MONITOR_STATUS \$S7_MONITOR_VERDICT\" >>'$H2'" \
    >"$OUT2" 2>"$S7_TEST_TMP/monitor2.err" &
MON2=$!
on_exit "kill $MON2 2>/dev/null || true"
for ((i = 0; i < 100; i++)); do
    grep -q -- '-- round 4 ' "$OUT2" 2>/dev/null && break
    sleep 0.05
done
check_contains "$(cat "$OUT2")" "-- round 4 " "four rounds while the hook of round 1 still runs"
check_eq "$(cat "$H2" 2>/dev/null)" "" "... the hook has not ended yet"
t0=$(date +%s%N)
check_ok "/metrics answers while the hook runs" curl -sf -m 2 -o /dev/null "http://127.0.0.1:$MPORT2/metrics"
t1=$(date +%s%N)
if [ $(((t1 - t0) / 1000000)) -lt 1000 ]; then
    pass "/metrics answered in $(((t1 - t0) / 1000000)) ms"
else
    fail "/metrics took $(((t1 - t0) / 1000000)) ms while the hook ran"
fi
ended "$MON2"
check_eq "$RC" 1 "a fault found in the first round exits 1"
check_match "$(cat "$OUT2")" "CHANGE hmi-b: \(start\) -> fail port_closed" "... printed as a change from the start"
check_contains "$(cat "$OUT2")" "nothing listens on TCP port $P_B at that address" "never passed: the doctor's cause for a closed port"
check_lacks "$(cat "$OUT2")" "served it before" "never passed: no 'served it before'"
check_eq "$(cat "$H2" 2>/dev/null)" "hmi-b [] fail port_closed" "the hook ran once, PREVIOUS empty, and was waited for"

# --json-lines -: standard output holds the JSON lines only; the CHANGE lines and the
# hooks' output go to stderr (a reader such as jq broke exactly when something changed)
OUT3="$S7_TEST_TMP/monitor3.out"
ERR3="$S7_TEST_TMP/monitor3.err"
"$S7_BIN" inventory monitor "$INV" --every 200ms --count 2 --timeout 2s --connection hmi-b \
    --json-lines - --on-change "echo hook-out \$S7_MONITOR_CONNECTION" >"$OUT3" 2>"$ERR3"
check_ok "--json-lines -: every line of stdout is JSON" \
    python3 -c 'import json, sys; [json.loads(l) for l in open(sys.argv[1])]' "$OUT3"
check_eq "$(grep -c '"event"' "$OUT3")" 2 "--json-lines -: a line per round on stdout"
check_contains "$(cat "$ERR3")" "CHANGE hmi-b: (start) -> fail port_closed" "--json-lines -: the CHANGE line on stderr"
check_contains "$(cat "$ERR3")" "hook-out hmi-b" "--json-lines -: the hook's output on stderr"

# a JSON-lines file that cannot be written: the monitor stops, exit 1, naming it
RC=0
err="$("$S7_BIN" inventory monitor "$INV" --every 200ms --count 3 --timeout 2s --connection hmi-a \
    --json-lines /dev/full 2>&1 >/dev/null)" || RC=$?
check_eq "$RC" 1 "--json-lines /dev/full: exit 1"
check_contains "$err" "--json-lines /dev/full: cannot write (No space left on device)" \
    "--json-lines /dev/full: the write error named"

# --duration holds when a round takes longer than --every: a CPU that never answers a read
# makes each round last --timeout (1 s); with --duration 1500ms no round starts after 1.5 s
# (two rounds; a third started at 2 s)
start_fake silent
INV2="$S7_TEST_TMP/monitor-slow.yaml"
cat >"$INV2" <<EOF
plant: monitor test
partners:
  - {name: hmi, address: 127.0.0.1, cell: test, kind: hmi, type: op}
  - {name: plc-s, address: 127.0.0.1, port: $FAKE_PORT, cell: test, profile: s7-300}
connections:
  - {name: hmi-s, active: hmi, passive: plc-s, exchanges: [{get: DB1.DBB0..DBB3, cycle: 1s}]}
EOF
JL4="$S7_TEST_TMP/monitor4.jsonl"
"$S7_BIN" inventory monitor "$INV2" --every 200ms --duration 1500ms --timeout 1s \
    --json-lines "$JL4" >/dev/null 2>&1
check_eq "$(grep -c '"round"' "$JL4")" 2 "--duration 1500ms with rounds of 1 s: two rounds, none after the duration"

# hooks still running 10 s after the end are stopped, not left behind
H5="$S7_TEST_TMP/hook5.pid"
RC=0
err="$("$S7_BIN" inventory monitor "$INV" --every 200ms --count 1 --timeout 2s --connection hmi-b \
    --on-change "echo \$\$ >'$H5'; exec sleep 60" 2>&1 >/dev/null)" || RC=$?
check_contains "$err" "1 hook still ran after 10 s; stopped (SIGTERM)" "a hook still running at the end: stopped, said"
HP="$(cat "$H5" 2>/dev/null)"
if [ -n "$HP" ] && ! kill -0 "$HP" 2>/dev/null; then
    pass "the hook's process is gone"
else
    fail "the hook's process ($HP) still runs"
    kill "$HP" 2>/dev/null
fi

# usage errors
RC=0
err="$("$S7_BIN" inventory monitor "$INV" --every 5ms 2>&1)" || RC=$?
check_eq "$RC" 2 "--every 5ms: usage error"
check_contains "$err" "--every 5ms: '5ms' is outside 100 ms..24 h" "--every names the range"
RC=0
err="$("$S7_BIN" inventory monitor "$INV" --metrics nowhere 2>&1)" || RC=$?
check_eq "$RC" 2 "--metrics without port: usage error"
check_contains "$err" "give ADDRESS:PORT" "--metrics names the form"
RC=0
err="$("$S7_BIN" inventory check "$INV" --every 1s 2>&1)" || RC=$?
check_eq "$RC" 2 "--every is no option of check"

finish
