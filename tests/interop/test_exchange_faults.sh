#!/usr/bin/env bash
# Runtime faults of the exchange engines (docs/exchange.md): partners that set up the
# connection and then answer a wrong PDU reference, a COTP DT that is no S7 PDU, bytes that
# are no TPKT, or nothing at all (fake_plc.js), next to a healthy partner (an emulator).
#   s7 server --job: each faulty connection is closed with its reason logged, set up again
#   after a pause that doubles (250, 500, 1000 ms ...), its job reports 1/1; the process
#   stays up, the healthy job keeps running without an error; SIGINT: exit 0 and the final
#   counts of every job.
#   s7 exchange: the same partners; /metrics answers 100 scrapes in a row while the faults
#   go on, each with the job counters; SIGTERM: the final table, exit 1 (jobs failed).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/fake_lib.sh"

need_s7_server
[ -n "$S7_NODE" ] || die "node is needed for fake_plc.js (run make deps)"
need_cmd curl


# wait_log FILE REGEX WHAT: polls FILE (up to 15 s) until a line matches REGEX.
wait_log() { # FILE REGEX WHAT
    local i
    for ((i = 0; i < 150; i++)); do
        grep -qE -- "$2" "$1" && { pass "$3"; return 0; }
        sleep 0.1
    done
    fail "$3: no line matching '$2' in $1"
    sed -n '1,30p' "$1" | sed 's/^/  | /' >&2 # its start (the excerpt at the end shows its last lines)
}

start_s7server --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=4242 --quiet
PG=$S7SRV_PORT
start_fake wrong-ref
PREF=$FAKE_PORT
start_fake garbage
PGARB=$FAKE_PORT
start_fake garbage-tpkt
PTPKT=$FAKE_PORT
start_fake silent
PSIL=$FAKE_PORT

# ---------------------------------------------------------------- s7 server --job
J=(
    --job "get 127.0.0.1:$PG DB20.DBW0 every 100ms into DB40.DBW0 --name good
           --ndr DB40.DBX100.0 --error DB40.DBX100.1 --status DB40.DBW102 latch"
    --job "get 127.0.0.1:$PREF DB1.DBW0 every 100ms into DB40.DBW10 --name ref
           --error DB40.DBX104.1 --status DB40.DBW106 latch"
    --job "get 127.0.0.1:$PGARB DB1.DBW0 every 100ms into DB40.DBW20 --name garb
           --error DB40.DBX108.1 --status DB40.DBW110 latch"
    --job "get 127.0.0.1:$PTPKT DB1.DBW0 every 100ms into DB40.DBW30 --name tpkt
           --error DB40.DBX112.1 --status DB40.DBW114 latch"
    --job "get 127.0.0.1:$PSIL DB1.DBW0 every 100ms into DB40.DBW40 --name silent
           --error DB40.DBX116.1 --status DB40.DBW118 latch"
)
start_s7server --profile s7-300 --db 40:128 "${J[@]}"
XPID=$S7SRV_PID
XLOG=$S7SRV_LOG
XADDR=$S7SRV_ADDR

wait_log "$XLOG" "connection 2 to 127.0.0.1 lost: reply matches no job in flight \(PDU reference mismatch\)" \
    "a wrong PDU reference closes that connection with its reason"
wait_log "$XLOG" "connection 3 to 127.0.0.1 lost: malformed S7 header" \
    "a DT that is no S7 PDU closes that connection with its reason"
wait_log "$XLOG" "connection 4 to 127.0.0.1 lost: malformed TPKT header" \
    "bytes that are no TPKT close that connection with its reason"
wait_log "$XLOG" "connection 3 to 127.0.0.1 lost: .* setting it up again in 1000 ms" \
    "the partner that answers garbage after each set-up is retried with a doubling pause"
# (the pause is 250 ms after a first loss; a set-up that failed first under a loaded
# sanitizer build doubles it, which the garbage partner's check above covers)
wait_log "$XLOG" "connection 5 to 127.0.0.1 lost: request timed out; setting it up again in [0-9]+ ms" \
    "a partner that never answers: the request times out, the connection is set up again"
wait_log "$XLOG" "job garb: ERROR 1/1 connection" "the garbage partner's job reports 1/1"
kill -0 "$XPID" 2>/dev/null && pass "s7 server is still up" || fail "s7 server died"
OUT=$("$S7_BIN" read "$XADDR" --slot 2 DB40.DBW0 DB40.DBX100.1 DB40.DBW102 DB40.DBW110 \
    DB40.DBW114 2>&1 | sed 's/.* = //' | tr '\n' ' ')
check_eq "$OUT" "4242 false 0 1 1 " \
    "the healthy job's value and STATUS 0 landed; the garbage and TPKT jobs show STATUS 1"
grep -qE "job good: ERROR" "$XLOG" && fail "the healthy job reported an error" ||
    pass "the healthy job never reported an error"

_s7srv_forget "$XPID"
kill -INT "$XPID"
rc=0
wait "$XPID" || rc=$?
check_eq "$rc" 0 "SIGINT: s7 server exits 0"
check_match "$(cat "$XLOG")" "job good: ([1-9][0-9]*) runs, \\1 ok, 0 errors" \
    "SIGINT: the final counts; the healthy job kept running without an error"
check_match "$(cat "$XLOG")" "job garb: [0-9]+ runs, 0 ok, [1-9][0-9]* errors.*last: ERROR 1 STATUS 1" \
    "SIGINT: the final counts of the garbage partner's job"
check_contains "$(cat "$XLOG")" "job silent:" "SIGINT: the silent partner's job is in the final counts"

# ---------------------------------------------------------------- s7 exchange
start_s7server --profile s7-1500 --put-get on --db 2:64 --quiet
PL=$S7SRV_PORT
cat >"$S7_TEST_TMP/bridge.yaml" <<EOF
partners:
  - {name: good, address: 127.0.0.1, port: $PG}
  - {name: ref, address: 127.0.0.1, port: $PREF}
  - {name: garb, address: 127.0.0.1, port: $PGARB}
  - {name: silent, address: 127.0.0.1, port: $PSIL}
  - {name: local, address: 127.0.0.1, port: $PL}
jobs:
  - {local_cpu: local, name: j-good, job: get good DB20.DBW0 every 100ms into DB2.DBW0}
  - {local_cpu: local, name: j-ref, job: get ref DB1.DBW0 every 100ms into DB2.DBW2}
  - {local_cpu: local, name: j-garb-put, job: put garb DB1.DBW10 every 500ms from DB2.DBW20}
  - {local_cpu: local, name: j-garb, job: get garb DB1.DBW0 every 100ms into DB2.DBW4}
  - {local_cpu: local, name: j-silent, job: get silent DB1.DBW0 every 100ms into DB2.DBW6}
EOF
"$S7_BIN" exchange "$S7_TEST_TMP/bridge.yaml" --metrics 127.0.0.1:0 --every 1s \
    --json-lines "$S7_TEST_TMP/bridge.jsonl" \
    >"$S7_TEST_TMP/bridge.out" 2>"$S7_TEST_TMP/bridge.err" &
BPID=$!
on_exit "kill $BPID 2>/dev/null; wait $BPID 2>/dev/null"
MP=""
for ((i = 0; i < 100; i++)); do
    MP=$(sed -n 's|^metrics on http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$S7_TEST_TMP/bridge.err" | head -1)
    [ -n "$MP" ] && break
    sleep 0.05
done
[ -n "$MP" ] || die "s7 exchange did not say its metrics port: $(cat "$S7_TEST_TMP/bridge.err")"
okn=0
for ((i = 0; i < 100; i++)); do
    body=$(curl -s -m 10 "http://127.0.0.1:$MP/metrics") &&
        grep -q 's7_exchange_runs_total{job="j-garb",result="error"}' <<<"$body" && okn=$((okn + 1))
done
check_eq "$okn" 100 "/metrics: 100 scrapes in a row answered, each with the job counters"
wait_log "$S7_TEST_TMP/bridge.out" "j-silent .*ERROR since" "s7 exchange: the silent partner's job fails"
kill -0 "$BPID" 2>/dev/null && pass "s7 exchange is still up" || fail "s7 exchange died"
body=$(curl -s -m 10 "http://127.0.0.1:$MP/metrics")
check_match "$body" 's7_exchange_partner_losses_total\{partner="garb"\} [1-9]' \
    "/metrics: the garbage partner's losses are counted"
check_match "$body" 's7_exchange_runs_total\{job="j-good",result="error"\} 0' \
    "/metrics: the healthy job has no error"
kill -TERM "$BPID"
rc=0
wait "$BPID" || rc=$?
check_eq "$rc" 1 "SIGTERM: s7 exchange exits 1 (jobs failed)"
TAB=$(tail -n 20 "$S7_TEST_TMP/bridge.out")
check_match "$TAB" "j-good +GET good -> local +[1-9][0-9]* ok / 0 err" "SIGTERM: the final table, the healthy job"
check_match "$TAB" "j-garb +GET garb -> local +ERROR since" "SIGTERM: the final table, the garbage partner's job"
if [ -f "$NODE_PATH/ajv/package.json" ]; then
    check_ok "JSON lines with the faults' errors valid against s7-exchange" \
        "$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-exchange \
        "$S7_TEST_TMP/bridge.jsonl" --lines
else
    fail "ajv not installed in $NODE_PATH (run make deps)"
fi
check_match "$(grep '"j-garb"' "$S7_TEST_TMP/bridge.jsonl" | tail -n 1)" '"status": "1/1"' \
    "JSON lines: the garbage partner's job with STATUS 1/1"
# a PUT on the garbage partner, which the GET's replies take down 5 times as often: while it
# is down the PUT shows the connection's error, not the GET's ("garb read: ...")
PUTS="$(grep '"j-garb-put"' "$S7_TEST_TMP/bridge.jsonl")"
check_lacks "$PUTS" '"message": "garb read:' "the PUT never shows another job's read as its error"
check_contains "$PUTS" '"message": "garb connection (lost on a read):' \
    "the PUT shows the partner's lost connection while it is down"

# a partner whose setup answer comes after --timeout: a timeout, not a rejection
start_fake ok --setup-delay 1500
cat >"$S7_TEST_TMP/slow.yaml" <<EOF
partners:
  - {name: slow, address: 127.0.0.1, port: $FAKE_PORT}
  - {name: local, address: 127.0.0.1, port: $PL}
jobs:
  - {local_cpu: local, name: j-slow, job: get slow DB1.DBW0 every 100ms into DB2.DBW0}
EOF
"$S7_BIN" exchange "$S7_TEST_TMP/slow.yaml" --timeout 1s --duration 2500ms --quiet \
    --json-lines "$S7_TEST_TMP/slow.jsonl" 2>/dev/null
L="$(tail -n 1 "$S7_TEST_TMP/slow.jsonl")"
check_match "$L" '"status": "1/1", .*"error": \{"name": "timeout"' "a setup answered after --timeout: 1/1, a timeout"
check_lacks "$L" "setup communication failed" "a late setup answer is not reported as a rejection"
finish
