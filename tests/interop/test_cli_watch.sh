#!/usr/bin/env bash
# s7 watch against fake_plc.js (a small CPU in "ok" mode, one that drops every connection
# after a few jobs, one without PUT/GET): first values and changes only, timestamped;
# --count bounds the polls; a dropped connection is reported and re-established; a reconnect
# that fails says why (an emulated CPU stopped: refused; back without connection resources:
# the CR refused), once per reason, with the cause for a CPU that served before.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake_lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
[ -n "$S7_NODE" ] || skip "node not found"


TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'

# ---------------------------------------------------------------- first values and changes
start_fake ok
T="127.0.0.1:$FAKE_PORT"
"$S7_BIN" watch "$T" MW0 DB1.DBW0 --every 50 --count 40 >"$S7_TEST_TMP/w.out" 2>"$S7_TEST_TMP/w.err" &
wpid=$!
on_exit "kill $wpid 2>/dev/null"
sleep 0.5
check_ok "write MW0=5 while watching" "$S7_BIN" write "$T" MW0=5
sleep 0.4
check_ok "write MW0=7 while watching" "$S7_BIN" write "$T" MW0=7
rc=0
wait "$wpid" || rc=$?
check_eq "$rc" 0 "watch --count 40 ends by itself, exit 0"
out=$(cat "$S7_TEST_TMP/w.out")
check_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 4 "four lines: two first values, two changes"
check_match "$(sed -n 1p <<<"$out")" "^$TS MW0 = 0$" "first value of MW0, timestamped"
check_match "$(sed -n 2p <<<"$out")" "^$TS DB1\.DBW0 = 1$" "first value of DB1.DBW0"
check_match "$(sed -n 3p <<<"$out")" "^$TS MW0 = 5$" "change to 5"
check_match "$(sed -n 4p <<<"$out")" "^$TS MW0 = 7$" "change to 7"
check_eq "$(cat "$S7_TEST_TMP/w.err")" "" "nothing on stderr"

# --count bounds the polls: 5 polls every 100 ms take about half a second.
start=$(date +%s%N)
check_ok "watch --count 5" "$S7_BIN" watch "$T" MW0 --every 100 --count 5
ms=$(( ($(date +%s%N) - start) / 1000000 ))
if [ "$ms" -ge 350 ] && [ "$ms" -lt 3000 ]; then pass "5 polls at 100 ms took ${ms} ms"; else fail "5 polls at 100 ms took ${ms} ms"; fi

# Ctrl-C (SIGINT) ends an unbounded watch cleanly with exit 0.
"$S7_BIN" watch "$T" MW0 --every 50 >"$S7_TEST_TMP/i.out" 2>&1 &
ipid=$!
on_exit "kill $ipid 2>/dev/null"
sleep 0.6
kill -INT "$ipid"
for ((i = 0; i < 40; i++)); do kill -0 "$ipid" 2>/dev/null || break; sleep 0.05; done
if kill -0 "$ipid" 2>/dev/null; then
    fail "watch still running 2 s after SIGINT"
    kill -TERM "$ipid"
fi
rc=0
wait "$ipid" || rc=$?
check_eq "$rc" 0 "watch ends with exit 0 on SIGINT"
check_match "$(cat "$S7_TEST_TMP/i.out")" "^$TS MW0 = 7$" "it had printed the value"

# --json: one object per line.
out=$("$S7_BIN" watch "$T" MW0 DB1.DBB3 --every 20 --count 3 --json)
check_eq "$(printf '%s\n' "$out" | "$S7_NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{console.log(s.trim().split("\n").map(l=>{const o=JSON.parse(l);return o.address+"="+o.value}).join(" "))})')" \
    "MW0=7 DB1.DBB3=3" "--json lines parse, first values"

# ---------------------------------------------------------------- reconnect
start_fake drop-after-3
T="127.0.0.1:$FAKE_PORT"
"$S7_BIN" watch "$T" DB1.DBW0 --every 50 --count 10 >"$S7_TEST_TMP/r.out" 2>"$S7_TEST_TMP/r.err"
rc=$?
check_eq "$rc" 0 "watch across two connection drops: exit 0 (last poll read)"
check_eq "$(grep -c 'DB1.DBW0 = 1' "$S7_TEST_TMP/r.out")" 1 "unchanged value printed once across reconnects"
err=$(cat "$S7_TEST_TMP/r.err")
check_match "$err" "$TS connection lost: the connection was closed by 127\.0\.0\.1 during the read; reconnecting" "connection loss reported"
check_match "$err" "$TS reconnected to 127\.0\.0\.1:$FAKE_PORT" "reconnect reported"
check_eq "$(grep -c 'reconnected' <<<"$err")" 2 "reconnected twice (the fake drops every 4th job)"

# ---------------------------------------------------------------- a reconnect that fails
# The CPU goes away (refused), then comes back on its port with no connection resource (the
# CR refused, as when the old connection still holds it): each reason is said once, in the
# words for a CPU that served before, and as an "error" event under --json.
need_s7_server
start_s7server --profile s7-300 --db 1:16 --set DB1.DBW0=5
P=$S7SRV_PORT
"$S7_BIN" watch "127.0.0.1:$P" DB1.DBW0 --slot 2 --every 100 --count 100 --json \
    >"$S7_TEST_TMP/f.out" 2>"$S7_TEST_TMP/f.err" &
fpid=$!
on_exit "kill $fpid 2>/dev/null"
for ((i = 0; i < 50; i++)); do grep -q '"value": 5' "$S7_TEST_TMP/f.out" && break; sleep 0.1; done
stop_s7server
for ((i = 0; i < 50; i++)); do grep -q 'reconnect failed' "$S7_TEST_TMP/f.err" && break; sleep 0.1; done
sleep 0.6 # a few more failed attempts: still said once
start_s7server --listen "127.0.0.1:$P" --profile s7-300 --db 1:16 --max-conn total=0
for ((i = 0; i < 80; i++)); do grep -q 'refused the connection request' "$S7_TEST_TMP/f.err" && break; sleep 0.1; done
kill "$fpid" 2>/dev/null
wait "$fpid" 2>/dev/null
err=$(cat "$S7_TEST_TMP/f.err")
check_match "$err" "$TS(\+[0-9:]+)? reconnect failed, trying again: connection to 127\.0\.0\.1 port $P refused \(TCP reset or ICMP port unreachable\)" "failed reconnect: refused, said"
check_contains "$err" "cause: 127.0.0.1 port $P refused the connection (TCP RST) but served it before: the CPU or its CP is restarting" "failed reconnect: the cause for a CPU that served before"
check_eq "$(grep -c 'reconnect failed, trying again: connection to' <<<"$err")" 1 "failed reconnect: each reason once, not every poll"
check_match "$err" "$TS(\+[0-9:]+)? reconnect failed, trying again: the CPU refused the connection request \(TCP accepted, closed after the COTP CR; rack 0 slot 2" "failed reconnect: the refused CR said"
check_contains "$err" "its connection resources are used up by other partners now" "failed reconnect: resources used up"
check_contains "$err" "fix: s7 doctor 127.0.0.1:$P shows the CPU's free connection resources" "failed reconnect: the fix"
check_contains "$(cat "$S7_TEST_TMP/f.out")" '"event": "error", "error": {"name": "refused"' "failed reconnect --json: an error event"

# ---------------------------------------------------------------- a whole-request PLC error
start_fake put-get-off
out=$("$S7_BIN" watch "127.0.0.1:$FAKE_PORT" DB1.DBW0 --every 20 --count 5 2>&1)
rc=$?
check_eq "$rc" 1 "watch on a CPU without PUT/GET: exit 1"
check_eq "$(grep -c 'PUT/GET access is not permitted' <<<"$out")" 1 "the 81 04 error is said once, not per poll"
check_contains "$out" "fix: enable \"Permit access with PUT/GET communication from remote partner\"" "with its fix"

finish
