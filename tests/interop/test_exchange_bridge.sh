#!/usr/bin/env bash
# s7 exchange (the PC bridge) between CPU emulators (s7 server) on loopback: three machine
# CPUs and a line CPU; GET jobs copy each machine's status into the line CPU, a PUT job (on
# change) copies the line CPU's recipe into a machine, a REQ job copies on a rising edge and
# writes NDR and STATUS back.  One machine CPU is killed mid-run: its job turns to ERROR with
# STATUS 1/1 partner_down, the others keep their cycle (they reach as many runs as the
# failing one, with no error); it is started again on its port and its job recovers.  The
# /metrics endpoint is scraped with curl and checked with promtool; the JSON lines are valid
# against docs/schema/s7-exchange.schema.json; the values landed (s7 read).  Then FILE errors
# name FILE:LINE.  Every wait is bounded in count.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_s7_server
need_cmd curl promtool

start_s7server --profile s7-300 --put-get on --db 20:64 --db 40:16 --set DB20.DBW0=1111 --set DB20.DBW2=1
P_M1=$S7SRV_PORT
start_s7server --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=2222
P_M2=$S7SRV_PORT
PID_M2=$S7SRV_PID
start_s7server --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=3333
P_M3=$S7SRV_PORT
start_s7server --profile s7-1500 --put-get on --db 40:128 --set DB40.DBW100=4711
P_LINE=$S7SRV_PORT

F="$S7_TEST_TMP/bridge.yaml"
cat >"$F" <<EOF
bridge: test bridge
partners:
  - {name: line-m1, address: 127.0.0.1, port: $P_M1, profile: s7-300}
  - {name: line-m2, address: 127.0.0.1, port: $P_M2, profile: s7-1500}
  - {name: line-m3, address: 127.0.0.1, port: $P_M3, profile: s7-1500}
  - {name: plc-line, address: 127.0.0.1, port: $P_LINE, profile: s7-1500, type: basic}
jobs:
  - {name: m1-status, local_cpu: plc-line, job: get line-m1 DB20.DBB0..DBB7 every 50ms into DB40.DBB0}
  - {name: m2-status, local_cpu: plc-line, job: get line-m2 DB20.DBB0..DBB7 every 50ms into DB40.DBB8}
  - local_cpu: plc-line             # the YAML spelling of the job model
    job: {name: m3-status, kind: get, connection: line-m3, addr: DB20.DBB0..DBB7, local: DB40.DBB16, every: 50ms}
  - name: m1-recipe
    local_cpu: plc-line
    job: put line-m1 DB40.DBW0 every 50ms from DB40.DBW100
    on_change: true
  - name: m3-req
    local_cpu: plc-line
    job: get line-m3 DB20.DBD0 on DB40.DBX110.0 into DB40.DBD112 --ndr DB40.DBX110.1 --error DB40.DBX110.2 --status DB40.DBW116
EOF

MPORT=$(free_port) || die "no free port"
JL="$S7_TEST_TMP/bridge.jsonl"
OUT="$S7_TEST_TMP/bridge.out"
"$S7_BIN" exchange "$F" --every 200ms --duration 60s --backoff-max 500ms --json-lines "$JL" \
    --metrics "127.0.0.1:$MPORT" >"$OUT" 2>"$S7_TEST_TMP/bridge.err" &
BR=$!
on_exit "kill $BR 2>/dev/null || true"

# last JOB FIELD: the field of the job's last JSON line (python3 reads the JSON)
last() {
    python3 - "$JL" "$1" "$2" <<'PY' 2>/dev/null
import json, sys
val = None
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d["job"] == sys.argv[2]:
        val = d[sys.argv[3]]
print(val if not isinstance(val, dict) else json.dumps(val))
PY
}
# pair JOB1 FIELD1 JOB2 FIELD2: both fields from the same (the last complete) snapshot
pair() {
    python3 - "$JL" "$@" <<'PY' 2>/dev/null
import json, sys
snaps = {}
order = []
for line in open(sys.argv[1]):
    try:
        d = json.loads(line)
    except ValueError:
        continue
    if d["time"] not in snaps:
        snaps[d["time"]] = {}
        order.append(d["time"])
    snaps[d["time"]][d["job"]] = d
for t in reversed(order):
    s = snaps[t]
    if sys.argv[2] in s and sys.argv[4] in s:
        print(s[sys.argv[2]][sys.argv[3]], s[sys.argv[4]][sys.argv[5]])
        break
PY
}
# wait_for COND: bounded (150 x 0.1 s) wait until the shell condition holds
wait_for() {
    local i
    for ((i = 0; i < 150; i++)); do
        eval "$1" && return 0
        sleep 0.1
    done
    return 1
}

wait_for '[ "$(last m2-status ok)" -ge 10 ] 2>/dev/null' || fail "m2-status did not reach 10 runs"
check_eq "$(last m1-status state)" ok "m1-status runs"
check_eq "$("$S7_BIN" read "127.0.0.1:$P_LINE" DB40.DBW0 DB40.DBW8 DB40.DBW16 2>&1 | tr '\n' ' ')" \
    "DB40.DBW0 = 1111 DB40.DBW8 = 2222 DB40.DBW16 = 3333 " "the machines' status landed in the line CPU"
check_eq "$("$S7_BIN" read "127.0.0.1:$P_M1" --slot 2 DB40.DBW0 2>&1)" "DB40.DBW0 = 4711" \
    "the recipe landed in line-m1 (PUT)"
check_eq "$(last m1-recipe writes)" 1 "on change: the unchanged recipe was written once"
check_eq "$(last m3-req triggers)" 0 "no REQ edge yet"

# the REQ edge: NDR set, STATUS 0, the value copied
"$S7_BIN" write "127.0.0.1:$P_LINE" DB40.DBW116=99 DB40.DBX110.0=true >/dev/null
wait_for '[ "$("$S7_BIN" read "127.0.0.1:$P_LINE" DB40.DBX110.1 2>&1)" = "DB40.DBX110.1 = true" ]' ||
    fail "NDR not set after the REQ edge"
check_eq "$("$S7_BIN" read "127.0.0.1:$P_LINE" DB40.DBW112 DB40.DBW116 2>&1 | tr '\n' ' ')" \
    "DB40.DBW112 = 3333 DB40.DBW116 = 0 " "REQ: value copied, STATUS 0"

# metrics, checked by promtool
METRICS="$S7_TEST_TMP/metrics.txt"
check_ok "curl scrapes /metrics" curl -sf -o "$METRICS" "http://127.0.0.1:$MPORT/metrics"
out="$(promtool check metrics <"$METRICS" 2>&1)"
check_eq "$?" 0 "promtool check metrics: $out"
check_match "$(cat "$METRICS")" 's7_exchange_runs_total\{job="m2-status",result="ok"\} [1-9]' \
    "metrics: m2-status runs"
check_contains "$(cat "$METRICS")" 's7_exchange_partner_up{partner="line-m2"} 1' "metrics: line-m2 up"

# line-m2 killed: its job fails with 1/1, the others keep their cycle
kill9_s7server "$PID_M2"
wait_for '[ "$(last m2-status state)" = error ]' || fail "m2-status did not turn to error"
read -r ok1 err2 <<<"$(pair m1-status ok m2-status err)"
wait_for '[ "$(last m2-status err)" -ge $((err2 + 20)) ] 2>/dev/null' ||
    fail "m2-status did not keep failing every cycle"
check_eq "$(last m2-status status)" 1/1 "m2-status: STATUS 1/1"
check_eq "$(last m2-status cause)" partner_down "m2-status: partner_down"
check_match "$(last m2-status error)" '"name": "(refused|closed|io)"' "m2-status: the error is named"
# a partner that served before and now refuses: not "wrong IP address" (its address was
# right a moment ago) but a restart or an address conflict
wait_for '[[ "$(last m2-status error)" == *'"'"'"name": "refused"'"'"'* ]]' ||
    fail "m2-status: no refused reconnect attempt: $(last m2-status error)"
E="$(last m2-status error)"
check_contains "$E" "served it before: the CPU or its CP is restarting" "m2-status: refused after it served: a restart or an address conflict, said so"
check_lacks "$E" "wrong IP address" "m2-status: refused after it served: not 'wrong IP address'"
read -r ok1b err2b <<<"$(pair m1-status ok m2-status err)"
# the same cycle: m1 made as many runs as m2 failed meanwhile (within a few cycles), no errors
check_match "$((ok1b - ok1))" '^[0-9]+$' "m1 counted"
# (both count one per 50 ms cycle; a run completes a moment after its cycle starts)
if [ $((ok1b - ok1)) -ge $(((err2b - err2) * 9 / 10 - 2)) ]; then
    pass "m1-status kept its cycle: $((ok1b - ok1)) runs while m2 failed $((err2b - err2))"
else
    fail "m1-status slowed down: $((ok1b - ok1)) runs while m2 failed $((err2b - err2))"
fi
check_eq "$(last m1-status err)" 0 "m1-status: no error"
check_eq "$(last m3-status err)" 0 "m3-status: no error"
curl -sf -o "$METRICS" "http://127.0.0.1:$MPORT/metrics"
check_contains "$(cat "$METRICS")" 's7_exchange_partner_up{partner="line-m2"} 0' "metrics: line-m2 down"
check_contains "$(cat "$METRICS")" 's7_exchange_job_status{job="m2-status",cause="partner_down"} 1' \
    "metrics: m2-status STATUS 1"

# line-m2 back on its port: the job recovers by itself
"$S7_BIN" write "127.0.0.1:$P_LINE" DB40.DBW8=0 >/dev/null
start_s7server --listen "127.0.0.1:$P_M2" --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=2223
wait_for '[ "$(last m2-status state)" = ok ]' || fail "m2-status did not recover"
wait_for '[ "$("$S7_BIN" read "127.0.0.1:$P_LINE" DB40.DBW8 2>&1)" = "DB40.DBW8 = 2223" ]' ||
    fail "m2's new value did not land"
check_eq "$(last m2-status status)" 0/0 "m2-status: STATUS 0/0 again"

kill -HUP "$BR" # the terminal closed: as SIGTERM (test_exchange_faults.sh), the last table
RC=0
wait "$BR" || RC=$?
check_eq "$RC" 0 "s7 exchange exits 0 on SIGHUP with every job ok"
check_match "$(cat "$OUT")" "m2-status GET line-m2 -> plc-line  ERROR since [0-9:]+ partner_down \(STATUS 1/1\)" \
    "the table showed m2-status's error"
check_match "$(tail -n 8 "$OUT")" "m1-status GET line-m1 -> plc-line  [0-9]+ ok / 0 err, p50 .* ms, p99 .* ms" \
    "the last table shows m1-status's counts and latency"
if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ]; then
    check_ok "JSON lines valid against s7-exchange" \
        "$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-exchange "$JL" --lines
else
    fail "ajv not installed in $NODE_PATH (run make deps)"
fi

# a REQ job whose CPU (the one with the REQ bit) is down cannot poll its bit: it shows the
# error, but nothing ran, so it counts no error run (docs: while the bit does not rise it
# only polls it); then that CPU comes up and the job is fine without an edge
DEADP=$(free_port) || die "no free port"
F2="$S7_TEST_TMP/reqdown.yaml"
cat >"$F2" <<EOF
partners:
  - {name: line-m1, address: 127.0.0.1, port: $P_M1, profile: s7-300}
  - {name: dead, address: 127.0.0.1, port: $DEADP, profile: s7-1500}
jobs:
  - {name: req-dead, local_cpu: dead, job: get line-m1 DB20.DBD0 on M0.0 into MD4}
EOF
JL2="$S7_TEST_TMP/reqdown.jsonl"
"$S7_BIN" exchange "$F2" --every 100ms --duration 20s --backoff-max 200ms --json-lines "$JL2" \
    --quiet >/dev/null 2>&1 &
BR2=$!
on_exit "kill $BR2 2>/dev/null || true"
last2() { JL="$JL2" last "$@"; }
wait_for '[ "$(last2 req-dead state)" = error ]' || fail "req-dead did not show its CPU's error"
sleep 1 # ten more polls of a CPU that is down
check_eq "$(last2 req-dead err)" 0 "a REQ job whose CPU is down counts no error run"
check_eq "$(last2 req-dead triggers)" 0 "... and no edge"
check_eq "$(last2 req-dead cause)" partner_down "... and shows partner_down"
start_s7server --listen "127.0.0.1:$DEADP" --profile s7-1500 --put-get on
wait_for '[ "$(last2 req-dead state)" = ok ]' || fail "req-dead did not come back once its CPU was up"
check_eq "$(last2 req-dead err)" 0 "no error run counted on the way"
kill "$BR2" 2>/dev/null
wait "$BR2" 2>/dev/null

# --timeout: a CPU that takes the TCP connection but never answers fails the job with
# timeout after TIME (the default 3 s would not fail a run within the 2 s here)
MUTEP=$(free_port) || die "no free port"
python3 -c 'import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64); time.sleep(15)' "$MUTEP" &
MUTE=$!
on_exit "kill $MUTE 2>/dev/null || true"
wait_for '(exec 3<>"/dev/tcp/127.0.0.1/$MUTEP") 2>/dev/null' || fail "the silent listener did not start"
F3="$S7_TEST_TMP/mute.yaml"
cat >"$F3" <<EOF
partners:
  - {name: mute, address: 127.0.0.1, port: $MUTEP}
  - {name: plc-line, address: 127.0.0.1, port: $P_LINE, profile: s7-1500}
jobs:
  - {name: from-mute, local_cpu: plc-line, job: get mute MW0 every 100ms into DB40.DBW120}
EOF
for t in default 300ms; do
    JL="$S7_TEST_TMP/mute-$t.jsonl"
    opt=()
    [ "$t" = default ] || opt=(--timeout "$t")
    "$S7_BIN" exchange "$F3" --duration 2s --json-lines "$JL" --quiet "${opt[@]}" >/dev/null 2>&1
    eval "err_$t=\$(last from-mute err)"
done
check_eq "$err_default" 0 "a silent CPU: no run failed within 2 s at the default timeout (3 s)"
if [ "${err_300ms:-0}" -ge 2 ] 2>/dev/null; then
    pass "--timeout 300ms: $err_300ms runs failed within 2 s"
else
    fail "--timeout 300ms: ${err_300ms:-?} runs failed within 2 s, expected 2 or more"
fi
check_match "$(last from-mute error)" '"name": "timeout"' "--timeout: the error is a timeout"
JL="$S7_TEST_TMP/bridge.jsonl"
rc=0
out="$("$S7_BIN" exchange "$F3" --timeout 50ms 2>&1)" || rc=$?
check_eq "$rc" 2 "--timeout 50ms is refused"
check_contains "$out" "--timeout 50ms: '50ms' is outside 100 ms..1 min" "... naming the range"

# a partner that negotiates a smaller PDU than its pdu: says: a job of the model fails with
# 1/4 pdu_exceeded, as the instruction does, instead of being split over several requests
F4="$S7_TEST_TMP/pdu.yaml"
cat >"$F4" <<EOF
partners:
  - {name: line-m1, address: 127.0.0.1, port: $P_M1, profile: s7-300, pdu: 960}
  - {name: plc-line, address: 127.0.0.1, port: $P_LINE, profile: s7-1500, type: basic, pdu: 960}
  - {name: line-m1-local, address: 127.0.0.1, port: $P_M1, profile: s7-300, pdu: 960}
jobs:
  - {name: too-big, local_cpu: plc-line, job: get line-m1 DB20.DBB0..DBB299 every 100ms into DB40.DBB0}
  - {name: local-too-big, local_cpu: line-m1-local, job: put plc-line DB40.DBB0..DBB299 every 100ms from DB20.DBB0}
EOF
JL="$S7_TEST_TMP/pdu.jsonl"
"$S7_BIN" exchange "$F4" --duration 1s --json-lines "$JL" --quiet >/dev/null 2>&1
check_eq "$(last too-big status)" 1/4 "a GET over the negotiated PDU: STATUS 1/4"
check_eq "$(last too-big cause)" pdu_exceeded "... pdu_exceeded"
check_match "$(last too-big error)" "line-m1 negotiated a PDU of 240 bytes; the job needs 318 in one request" \
    "... naming the PDU and the need"
check_eq "$(last too-big ok)" 0 "... and never split into two reads"
# the local CPU's side is one request too: a PUT whose local CPU negotiates less than the
# job's Read Var of its SD areas needs fails the same way (it was read in two requests)
check_eq "$(last local-too-big status)" 1/4 "a PUT whose local CPU negotiates a smaller PDU: STATUS 1/4"
check_match "$(last local-too-big error)" "line-m1-local negotiated a PDU of 240 bytes; the job needs 318 in one request" \
    "... naming the local CPU's PDU and the need"
check_eq "$(last local-too-big ok)" 0 "... and never split into two reads"

# --count N: each job runs N times, a faster one not again while a slower one finishes
F5="$S7_TEST_TMP/count.yaml"
cat >"$F5" <<EOF
partners:
  - {name: line-m1, address: 127.0.0.1, port: $P_M1, profile: s7-300}
  - {name: plc-line, address: 127.0.0.1, port: $P_LINE, profile: s7-1500, type: basic}
jobs:
  - {name: fast, local_cpu: plc-line, job: get line-m1 DB20.DBB0 every 20ms into DB40.DBB60}
  - {name: slow, local_cpu: plc-line, job: get line-m1 DB20.DBB1 every 300ms into DB40.DBB61}
EOF
JL="$S7_TEST_TMP/count.jsonl"
rc=0
timeout 20 "$S7_BIN" exchange "$F5" --count 3 --json-lines "$JL" --quiet >/dev/null 2>&1 || rc=$?
check_eq "$rc" 0 "--count 3: exit 0"
check_eq "$(last fast ok)" 3 "--count 3: the 20 ms job ran 3 times"
check_eq "$(last slow ok)" 3 "--count 3: the 300 ms job ran 3 times"
JL="$S7_TEST_TMP/bridge.jsonl"

# FILE errors: FILE:LINE, the job, the fix
bad() { # NAME YAML-JOBS WANT [A-FIELDS]: A-FIELDS added to partner a (", pdu: 960")
    printf 'partners:\n  - {name: a, address: 127.0.0.1%s}\n  - {name: b, address: 127.0.0.1}\njobs:\n%s\n' \
        "${4:-}" "$2" >"$S7_TEST_TMP/$1.yaml"
    local rc=0 err
    err="$("$S7_BIN" exchange "$S7_TEST_TMP/$1.yaml" --count 1 2>&1)" || rc=$?
    check_eq "$rc" 2 "$1: usage error"
    check_contains "$err" "$3" "$1: the message"
}
bad nolocal '  - {job: get a DB1.DBW0 every 1s into DB2.DBW0}' "$S7_TEST_TMP/nolocal.yaml:5: jobs[0]: no local_cpu:"
bad who '  - {local_cpu: b, job: get c DB1.DBW0 every 1s into DB2.DBW0}' \
    "$S7_TEST_TMP/who.yaml:5: jobs[0]: job job1: the partner: 'c' is no partner of this file (partners: a, b): name one of them"
bad whocpu $'  - local_cpu: c\n    name: m1\n    job: get a DB1.DBW0 every 1s into DB2.DBW0' \
    "$S7_TEST_TMP/whocpu.yaml:5: jobs[0]: job m1: local_cpu: 'c' is no partner of this file (partners: a, b)"
bad yamlstatus $'  - local_cpu: b\n    job:\n      name: j1\n      kind: get\n      connection: a\n      addr: DB1.DBW0\n      local: DB2.DBW0\n      every: 1s\n      status: DB2.DBX10.0' \
    "$S7_TEST_TMP/yamlstatus.yaml:13: job j1: STATUS DB2.DBX10.0 is not a WORD"
bad yamlnoval '  - {local_cpu: b, job: {name: j2, kind: get, connection: a, addr: DB1.DBW0, local: DB2.DBW0, every: }}' \
    "$S7_TEST_TMP/yamlnoval.yaml:5: job j2: every: has no value"
bad nolocalcpu '  - {local_cpu: x, job: get a DB1.DBW0 every 1s into DB2.DBW0}' "local_cpu: 'x' is no partner"
bad toobig '  - {local_cpu: b, job: get a DB1.DBB0..DBB299 every 1s into DB2.DBB0}' "$S7_TEST_TMP/toobig.yaml:5:"
bad onchange $'  - local_cpu: b\n    job: get a DB1.DBW0 on DB2.DBX0.0 into DB2.DBW2\n    on_change: true' \
    "$S7_TEST_TMP/onchange.yaml:6: job job1: on change needs a cyclic job"
bad key '  - {local_cpu: b, jobb: x}' "unknown key 'jobb'"
bad yamlkind '  - {local_cpu: b, job: {kind: got, connection: a, addr: DB1.DBW0, local: DB2.DBW0, every: 1s}}' \
    "kind: 'got' is not a job kind"
bad partnerjob '  - {local_cpu: b, job: {name: tx, kind: bsend, connection: a, r_id: 5, local: DB2.DBW0, every: 1s}}' \
    "$S7_TEST_TMP/partnerjob.yaml:5: jobs[0]: job tx: a bsend job is a CPU's partner job (BSEND/BRCV, USEND/URCV): s7 exchange moves data with GET and PUT"
bad partnerline '  - {local_cpu: b, job: bsend a 5 every 1s from DB2.DBW0}' \
    "$S7_TEST_TMP/partnerline.yaml:5: jobs[0]: a bsend job is a CPU's partner job (BSEND/BRCV, USEND/URCV): s7 exchange moves data with GET and PUT; give it to the CPU that runs it"
bad yamlconn '  - {local_cpu: b, job: {kind: get, connection: zz, addr: DB1.DBW0, local: DB2.DBW0, every: 1s}}' \
    "$S7_TEST_TMP/yamlconn.yaml:5:"
bad emptyjob $'  - local_cpu: b\n    job:' "$S7_TEST_TMP/emptyjob.yaml:6: jobs[0]: no job: give the job"
bad emptymap $'  - local_cpu: b\n    job: {}' "$S7_TEST_TMP/emptymap.yaml:5: job: no name:"
bad emptylist $'  - local_cpu: b\n    job: {name: s, kind: get, connection: a,\n          addr: [], local: DB2.DBW0, every: 1s}' \
    "$S7_TEST_TMP/emptylist.yaml:7: job s: addr: the list is empty"
bad blankname '  - {name: "  ", local_cpu: b, job: get a DB1.DBW0 every 1s into DB2.DBW0}' \
    "$S7_TEST_TMP/blankname.yaml:5: jobs[0].name: '  ' is no job name: use 1..63 letters, digits and - _ . #"
bad yamlname $'  - local_cpu: b\n    job: {name: "a b", kind: get, connection: a, addr: DB1.DBW0, local: DB2.DBW0, every: 1s}' \
    "$S7_TEST_TMP/yamlname.yaml:6: name: 'a b' is no job name"
bad twonames '  - {name: x, local_cpu: b, job: get a DB1.DBW0 every 1s into DB2.DBW0 --name y}' \
    "$S7_TEST_TMP/twonames.yaml:5: jobs[0]: the job has two names ('x' here and 'y' in job:): keep one"
# the local CPU takes the areas in one request too: b has no pdu: (240), a has 960
bad localpdu '  - {name: jx, local_cpu: b, job: get a DB1.DBB0..DBB212 every 1s into DB2.DBB0}' \
    "$S7_TEST_TMP/localpdu.yaml:5: jobs[0]: job jx: a GET writes its 1 area into b (local_cpu) in one Write Var request of 241 bytes, more than b's PDU of 240 bytes (at most 212 bytes of data)" \
    ", pdu: 960"
bad localpdu2 '  - {name: jp, local_cpu: b, job: put a DB1.DBB0..DBB222 every 1s from DB2.DBB0}' \
    "job jp: a PUT reads its 1 area from b (local_cpu) in one Read Var request of 241 bytes" ", pdu: 960"
# a cyclic job's --ndr / --status are a REQ job's handshake in the bridge: refused, not ignored
bad cycstatus '  - {name: cyc, local_cpu: b, job: get a DB1.DBW0 every 1s into DB2.DBW0 --status DB2.DBW20}' \
    "job cyc: --status is the handshake of a REQ job (on BIT) in the bridge"
# an error found in the one-line job names the entry's name (it said job1)
bad jobname '  - {name: jn, local_cpu: b, job: get a DB1.DBW0 every 1s into DB2.DBD0}' "job jn:"
# ... also what the one-line parser finds before the job is whole (an option, an address,
# a duration): the entry's name, the line's --name, or job1, job2 ... by its place
bad jobnameaddr '  - {name: jn, local_cpu: b, job: get a DB1.DBW0:INT every 1s into DB2.DBW0:DINT}' \
    "$S7_TEST_TMP/jobnameaddr.yaml:5: jobs[0]: job jn: local area 1: address 'DB2.DBW0:DINT'"
bad jobnameopt '  - {local_cpu: b, job: get a DB1.DBW0 every 1s into DB2.DBW0 --bogus 1}' \
    "$S7_TEST_TMP/jobnameopt.yaml:5: jobs[0]: job job1: unknown option --bogus"
bad jobnameline '  - {local_cpu: b, job: get a DB1.DBW0 every 100 into DB2.DBW0 --name ln}' \
    "$S7_TEST_TMP/jobnameline.yaml:5: jobs[0]: job ln: every '100' needs a unit"
bad connopt '  - {local_cpu: b, job: get a DB1.DBW0 every 1s into DB2.DBW0 --slot 5}' \
    "$S7_TEST_TMP/connopt.yaml:5: jobs[0]: job job1: --slot: a is the connection of $S7_TEST_TMP/connopt.yaml:2: its port, rack, slot, type, TSAPs, PDU and id are set there"
bad partnerport '  - {local_cpu: b, job: get a:1102 DB1.DBW0 every 1s into DB2.DBW0}' \
    "partner 'a:1102': a is the connection of $S7_TEST_TMP/partnerport.yaml:2, whose port is set there: write the partner as a"
# a one-line job is checked against its partner's pdu: (462 bytes fit 480, 463 do not)
pdu480() { # NAME LAST-BYTE
    printf 'partners:\n  - {name: a, address: 127.0.0.1, port: 1, pdu: 480}\n  - {name: b, address: 127.0.0.1, port: 1, pdu: 960}\njobs:\n  - {local_cpu: b, job: get a DB1.DBB0..DBB%s every 1s into DB2.DBB0}\n' \
        "$2" >"$S7_TEST_TMP/$1.yaml"
    local rc=0
    S7_LAST_OUT="$("$S7_BIN" exchange "$S7_TEST_TMP/$1.yaml" --duration 100ms --quiet 2>&1)" || rc=$?
    return "$rc"
}
rc=0
pdu480 pdufits 461 || rc=$?
check_eq "$rc" 1 "a GET of 462 bytes from a partner with pdu: 480 loads (and fails to connect)"
rc=0
pdu480 pduover 462 || rc=$?
check_eq "$rc" 2 "a GET of 463 bytes from a partner with pdu: 480 is refused"
check_contains "$S7_LAST_OUT" "more than fit one PDU of 480 bytes (at most 462 bytes" "pdu: 480 named"
check_contains "$S7_LAST_OUT" "raise the PDU (the pdu: of a at $S7_TEST_TMP/pduover.yaml:2, up to 960)" \
    "the fix names the partner's pdu:"
# the local CPU takes the areas in one request too: a GET of 213 bytes into a local CPU
# without pdu: (240: a Write Var of 212 bytes at most) is refused naming it; a PUT's read
# of its SD areas likewise
# empty lists are refused at their key's line
printf 'partners:\n  - {name: a, address: 127.0.0.1}\njobs: []\n' >"$S7_TEST_TMP/nojobs.yaml"
rc=0
out="$("$S7_BIN" exchange "$S7_TEST_TMP/nojobs.yaml" --duration 100ms 2>&1)" || rc=$?
check_eq "$rc" 2 "jobs: [] is refused"
check_contains "$out" "$S7_TEST_TMP/nojobs.yaml:3: jobs: the list is empty" "... at its line"
printf 'partners: []\njobs:\n  - {local_cpu: b, job: get a MW0 every 1s into MW0}\n' >"$S7_TEST_TMP/nopartners.yaml"
rc=0
out="$("$S7_BIN" exchange "$S7_TEST_TMP/nopartners.yaml" --duration 100ms 2>&1)" || rc=$?
check_eq "$rc" 2 "partners: [] is refused"
check_contains "$out" "$S7_TEST_TMP/nopartners.yaml:1: partners: the list is empty" "... at its line"

# host: takes an address or a name; address: and host: together are refused
printf 'partners:\n  - {name: a, host: 127.0.0.1, port: 1}\n  - {name: b, address: 127.0.0.1, port: 1}\njobs:\n  - {local_cpu: b, job: get a DB1.DBW0 every 1s into DB2.DBW0}\n' >"$S7_TEST_TMP/host.yaml"
rc=0
out="$("$S7_BIN" exchange "$S7_TEST_TMP/host.yaml" --duration 100ms --quiet 2>&1)" || rc=$?
check_eq "$rc" 1 "host: 127.0.0.1 loads (and fails to connect): $out"
sed -i 's/host: 127.0.0.1/host: localhost, address: 127.0.0.5/' "$S7_TEST_TMP/host.yaml"
rc=0
out="$("$S7_BIN" exchange "$S7_TEST_TMP/host.yaml" --duration 100ms --quiet 2>&1)" || rc=$?
check_eq "$rc" 2 "host: and address: together are refused"
check_contains "$out" "$S7_TEST_TMP/host.yaml:2: partners[0]: both address: and host: are given: keep one" \
    "the message names the entry"


# a job that never ran well has no latency: its summary's quantiles are NaN in /metrics (the
# JSON lines say null), not 0 s
printf 'partners:\n  - {name: a, address: 127.0.0.1, port: 1}\n  - {name: b, address: 127.0.0.1, port: 1}\njobs:\n  - {name: never, local_cpu: b, job: get a DB1.DBW0 every 100ms into DB2.DBW0}\n' \
    >"$S7_TEST_TMP/never.yaml"
MPORT2=$(free_port) || die "no free port"
"$S7_BIN" exchange "$S7_TEST_TMP/never.yaml" --duration 3s --quiet --metrics "127.0.0.1:$MPORT2" \
    >/dev/null 2>&1 &
NV=$!
on_exit "kill $NV 2>/dev/null || true"
wait_for 'curl -sf -o "$S7_TEST_TMP/never.txt" "http://127.0.0.1:$MPORT2/metrics" &&
    grep -q "runs_total{job=\"never\",result=\"error\"} [1-9]" "$S7_TEST_TMP/never.txt"' ||
    fail "no scrape of the job that never ran well"
check_contains "$(cat "$S7_TEST_TMP/never.txt")" 's7_exchange_latency_seconds{job="never",quantile="0.5"} NaN' \
    "metrics: no latency yet: quantile 0.5 NaN"
check_contains "$(cat "$S7_TEST_TMP/never.txt")" 's7_exchange_latency_seconds{job="never",quantile="0.99"} NaN' \
    "metrics: no latency yet: quantile 0.99 NaN"
check_contains "$(cat "$S7_TEST_TMP/never.txt")" 's7_exchange_latency_seconds_count{job="never"} 0' \
    "metrics: no latency yet: count 0"
out="$(promtool check metrics <"$S7_TEST_TMP/never.txt" 2>&1)"
check_eq "$?" 0 "promtool check metrics with NaN quantiles: $out"
kill "$NV" 2>/dev/null || true
wait "$NV" 2>/dev/null || true

finish
