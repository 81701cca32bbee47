#!/usr/bin/env bash
# A job's areas are one request, taken whole (docs/exchange.md): a partner that answers
# fewer items than a request asked (fake_plc.js --mode fewer-items leaves out the last
# item of a reply to two or more, and answers a one-item request in full) fails the job
# with STATUS 1/4, in s7 exchange and in the emulator's jobs, where the client asked again
# for the rest in a second request and reported bytes of two moments as one good run.  And
# s7 exchange sets the connection up again at once after a reply that fails it (--mode
# no-items: no item answered): the new socket, which often gets the old one's number, is
# watched (it was not: the connect hung until --timeout and was reported as the network's).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/fake_lib.sh"

need_s7_bin
need_s7_server
[ -n "$S7_NODE" ] || die "node is needed for fake_plc.js (run make deps)"
need_cmd python3

start_fake fewer-items
PF=$FAKE_PORT
start_fake no-items
PN=$FAKE_PORT

start_s7server --profile s7-1500 --put-get on --db 40:64 --quiet
PL=$S7SRV_PORT

# ---------------------------------------------------------------- s7 exchange
F="$S7_TEST_TMP/whole.yaml"
cat >"$F" <<EOF2
partners:
  - {name: fewer, address: 127.0.0.1, port: $PF}
  - {name: none, address: 127.0.0.1, port: $PN}
  - {name: local, address: 127.0.0.1, port: $PL}
jobs:
  - {name: j-one, local_cpu: local, job: get none DB1.DBW0 every 100ms into DB40.DBW0}
  - {name: j-two, local_cpu: local, job: "get fewer DB1.DBW0, MW10 every 100ms into DB40.DBW2, DB40.DBW4"}
  - {name: j-put, local_cpu: local, job: "put fewer DB1.DBW20, DB1.DBW24 every 100ms from DB40.DBW10, DB40.DBW12"}
EOF2
JL="$S7_TEST_TMP/whole.jsonl"
RC=0
"$S7_BIN" exchange "$F" --every 250ms --duration 3500ms --timeout 2s --backoff-max 400ms \
    --json-lines "$JL" --quiet 2>"$S7_TEST_TMP/whole.err" || RC=$?
check_eq "$RC" 1 "s7 exchange: exit 1 (the jobs failed)"
R="$(python3 - "$JL" <<'PY'
import json, sys
last, seen_timeout, ok = {}, set(), {}
for l in open(sys.argv[1]):
    o = json.loads(l)
    last[o['job']] = o
    e = o.get('error') or {}
    if o['cause'] in ('timeout',) or 'timed out' in (e.get('message') or ''):
        seen_timeout.add(o['job'])
for j in ('j-one', 'j-two', 'j-put'):
    o = last[j]
    e = o.get('error') or {}
    print(j, o['ok'], o['status'], o['cause'], 'timeout' if j in seen_timeout else 'no-timeout',
          '|', e.get('message', ''))
PY
)"
echo "$R" | sed 's/^/  /'
check_match "$(grep '^j-two ' <<<"$R")" '^j-two 0 1/4 length_mismatch no-timeout \| .*answers 1 of the request.s 2 items' \
    "a GET of two areas answered with one item: 1/4, never a good run (no second request for the rest)"
check_match "$(grep '^j-put ' <<<"$R")" '^j-put 0 1/4 length_mismatch no-timeout' \
    "a PUT of two areas acknowledged for one: 1/4, never a good run"
check_match "$(grep '^j-one ' <<<"$R")" '^j-one 0 1/4 [a-z_]+ no-timeout' \
    "a GET answered with no item: 1/4, and the connection set up again at once (no connect timeout)"

# ---------------------------------------------------------------- the emulator's jobs
start_s7server --profile s7-300 --db 40:64 \
    --job "get 127.0.0.1:$PF DB1.DBW0, DB1.DBW8 every 100ms into DB40.DBW2, DB40.DBW4 --name two --status DB40.DBW20 latch" \
    --job "put 127.0.0.1:$PF DB1.DBW20, DB1.DBW24 every 100ms from DB40.DBW10, DB40.DBW12 --name put2"
XPID=$S7SRV_PID
XLOG=$S7SRV_LOG
for ((i = 0; i < 100; i++)); do
    grep -q "job two: ERROR 1/4" "$XLOG" && grep -q "job put2: ERROR 1/4" "$XLOG" && break
    sleep 0.1
done
check_match "$(cat "$XLOG")" "job two: ERROR 1/4" "s7 server --job: the GET of two areas reports 1/4"
check_match "$(cat "$XLOG")" "job put2: ERROR 1/4" "s7 server --job: the PUT of two areas reports 1/4"
sleep 0.5
_s7srv_forget "$XPID"
kill -INT "$XPID"
wait "$XPID" 2>/dev/null
check_match "$(cat "$XLOG")" "job two: [1-9][0-9]* runs, 0 ok" "s7 server --job: the GET never had a good run"
check_match "$(cat "$XLOG")" "job put2: [1-9][0-9]* runs, 0 ok" "s7 server --job: the PUT never had a good run"
finish
