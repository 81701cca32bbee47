#!/usr/bin/env bash
# The scan of an emulated CPU's GET/PUT jobs (docs/exchange.md, "How the emulator runs jobs"):
#   - pulse (the default): a Snap7 client polling the active CPU's DB back to back sees NDR
#     go true and false again, once per result, while a latched job's NDR stays true; the job
#     counts at SIGTERM hold at least as many results as the pulses seen;
#   - STOP (`s7 stop` on the active CPU): its jobs are not called: the data a GET copies and
#     the data a PUT writes into the partner stand still, NDR pulses no more, the log says so;
#     after `s7 start` both go on by themselves;
#   - 0/25: a REQ GET whose partner does not answer (SIGSTOP) shows STATUS 25 to a Snap7
#     client while its request is out, and 0 again once the reply has come.
# Partner and active CPU are `s7 server` emulators on loopback; loops are bounded in count.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_server
[ -n "$S7_NODE" ] && [ -f "$NODE_PATH/node-snap7/build/Release/node_snap7.node" ] ||
    die "node-snap7 missing (run make deps)"

# poll N MS: the Snap7 client reads DB40.DBB10..DBB11 back to back; one hex line per read
poll() { "$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" --slot 2 "$XADDR" dbpoll 40 10 2 "$1" "$2"; }
# rises BYTE: how often bit 0 of byte BYTE (0 or 1) went from 0 to 1 in the poll on stdin
rises() { awk -v b="$1" '{ v = substr($0, 2 * b + 2, 1) % 2; if (NR > 1 && v && !p) n++; p = v } END { print n + 0 }'; }
falls() { awk -v b="$1" '{ v = substr($0, 2 * b + 2, 1) % 2; if (NR > 1 && !v && p) n++; p = v } END { print n + 0 }'; }
val() { "$S7_BIN" read "$@" 2>/dev/null | sed 's/.* = //'; }

# A: the partner, an S7-1500 with PUT/GET permitted
start_s7server --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=100 --quiet
PA=$S7SRV_PORT
# X: the active CPU (an S7-300, which `s7 stop` may stop), scan 20 ms
start_s7server --profile s7-300 --db 40:64 --set MW20=1 --scan 20ms \
    --job "get 127.0.0.1:$PA DB20.DBW0 every 100ms into DB40.DBW0 --ndr DB40.DBX10.0 --name pulsed" \
    --job "get 127.0.0.1:$PA DB20.DBW0 every 100ms into DB40.DBW2 --ndr DB40.DBX11.0 --name held latch" \
    --job "put 127.0.0.1:$PA DB20.DBW10 every 100ms from MW20 --done DB40.DBX12.0 --name put"
XADDR=$S7SRV_ADDR
XLOG=$S7SRV_LOG
XPID=$S7SRV_PID
for ((i = 0; i < 100; i++)); do grep -q '^Ctrl-C or SIGTERM' "$XLOG" && break; sleep 0.05; done
check_contains "$(cat "$XLOG")" "scan          20 ms: the jobs are called once per scan" "the banner names the scan"
check_contains "$(cat "$XLOG")" "--name held into DB40.DBW2 --ndr DB40.DBX11.0 --outputs latch" \
    "the banner prints the latched job back with --outputs latch"

for ((i = 0; i < 100; i++)); do
    [ "$(val "$XADDR" --slot 2 DB40.DBW0)" = 100 ] && [ "$(val "127.0.0.1:$PA" DB20.DBW10)" = 1 ] && break
    sleep 0.1
done
check_eq "$(val "$XADDR" --slot 2 DB40.DBW0)" 100 "RUN: the GET's value landed"
check_eq "$(val "127.0.0.1:$PA" DB20.DBW10)" 1 "RUN: the PUT's value landed in the partner"

# ---------------------------------------------------------------- pulse and latch
P="$S7_TEST_TMP/poll.run"
poll 100000 1500 >"$P" || fail "the Snap7 client polls"
n=$(wc -l <"$P")
up=$(rises 0 <"$P")
down=$(falls 0 <"$P")
echo "note: $n reads in 1.5 s; pulsed NDR rose $up times, fell $down times"
check_ok "the Snap7 client read many times ($n)" test "$n" -ge 50
check_ok "pulse: NDR went true several times ($up)" test "$up" -ge 5
check_ok "pulse: NDR went false again after each ($down falls, $up rises)" test "$down" -ge $((up - 1))
check_eq "$(awk '{ v = substr($0, 4, 1) % 2; z += !v } END { print z + 0 }' "$P")" 0 \
    "latch: the held job's NDR was true in every read"

# ---------------------------------------------------------------- STOP
out="$("$S7_BIN" stop "$XADDR" --slot 2 --yes 2>&1)"
check_contains "$out" "now STOP" "s7 stop: the active CPU is in STOP"
for ((i = 0; i < 100; i++)); do grep -q "CPU in STOP: its 3 jobs are not called" "$XLOG" && break; sleep 0.05; done
check_contains "$(cat "$XLOG")" "CPU in STOP: its 3 jobs are not called" "the log says the jobs stopped"
"$S7_BIN" write "127.0.0.1:$PA" DB20.DBW0=777 >/dev/null || fail "writing the partner's DB20.DBW0"
"$S7_BIN" write "$XADDR" --slot 2 MW20=5 >/dev/null || fail "writing the stopped CPU's MW20"
poll 100000 600 >"$P" || fail "the Snap7 client polls in STOP"
check_eq "$(rises 0 <"$P")" 0 "STOP: NDR does not pulse"
check_eq "$(sort -u "$P" | wc -l)" 1 "STOP: the outputs do not change at all"
check_eq "$(val "$XADDR" --slot 2 DB40.DBW0)" 100 "STOP: the GET copies no more (the partner's 777 did not land)"
check_eq "$(val "127.0.0.1:$PA" DB20.DBW10)" 1 "STOP: the partner's data stops changing (the PUT sends no more)"
check_eq "$(val "$XADDR" --slot 2 MW20)" 5 "STOP: the CPU still serves a client's write"

# ---------------------------------------------------------------- RUN again
out="$("$S7_BIN" start "$XADDR" --slot 2 --yes 2>&1)"
check_contains "$out" "now RUN" "s7 start: the active CPU is in RUN"
for ((i = 0; i < 100; i++)); do
    [ "$(val "$XADDR" --slot 2 DB40.DBW0)" = 777 ] && [ "$(val "127.0.0.1:$PA" DB20.DBW10)" = 5 ] && break
    sleep 0.1
done
check_eq "$(val "$XADDR" --slot 2 DB40.DBW0)" 777 "RUN again: the GET goes on"
check_eq "$(val "127.0.0.1:$PA" DB20.DBW10)" 5 "RUN again: the PUT goes on"
check_contains "$(cat "$XLOG")" "CPU in RUN: its jobs are called again" "the log says the jobs go on"
poll 100000 600 >"$P" || fail "the Snap7 client polls in RUN"
check_ok "RUN again: NDR pulses again" test "$(rises 0 <"$P")" -ge 1

# the job counts at SIGTERM: at least the pulses seen; the latched job as many runs
stop_s7server "$XPID"
ok=$(sed -n 's/^job pulsed: [0-9]* runs, \([0-9]*\) ok, 0 errors.*/\1/p' "$XLOG")
check_ok "the counter of results grew with the pulses ($ok ok, $up pulses seen in 1.5 s)" test "${ok:-0}" -ge "$up"

# ---------------------------------------------------------------- 0/25 while the request is out
# B answers no more (SIGSTOP) once Y's connection to it is set up; a REQ edge starts Y's GET,
# whose request then stays out (the request timeout is 3 s): the Snap7 client reads STATUS 25
# with NDR and ERROR false; B goes on (SIGCONT), the reply comes, STATUS is 0 again.
start_s7server --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=321 --quiet
PB=$S7SRV_PORT
BPID=$S7SRV_PID
start_s7server --profile s7-300 --db 40:64 \
    --job "get 127.0.0.1:$PB DB20.DBW0 on DB40.DBX30.0 into DB40.DBW32 --ndr DB40.DBX30.1 --error DB40.DBX30.2 --status DB40.DBW34 --name req"
YADDR=$S7SRV_ADDR
YLOG=$S7SRV_LOG
for ((i = 0; i < 100; i++)); do grep -q "connection 1 to 127.0.0.1 set up" "$YLOG" && break; sleep 0.05; done
check_contains "$(cat "$YLOG")" "connection 1 to 127.0.0.1 set up" "Y's connection to B is set up"
kill -STOP "$BPID"
"$S7_BIN" write "$YADDR" --slot 2 DB40.DBX30.0=true >/dev/null || fail "writing Y's REQ bit"
"$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" --slot 2 "$YADDR" dbpoll 40 30 6 100000 300 >"$P" ||
    fail "the Snap7 client polls Y"
last=$(tail -n 1 "$P")
kill -CONT "$BPID"
check_eq "${last:0:2}" 01 "request out: NDR and ERROR false (DB40.DBB30 = REQ only)"
check_eq "${last:8:4}" 0019 "request out: STATUS 25 (0/25, communication started)"
for ((i = 0; i < 100; i++)); do
    [ "$(val "$YADDR" --slot 2 DB40.DBW34)" = 0 ] && [ "$(val "$YADDR" --slot 2 DB40.DBW32)" = 321 ] && break
    sleep 0.05
done
check_eq "$(val "$YADDR" --slot 2 DB40.DBW32)" 321 "B went on: the reply landed"
check_eq "$(val "$YADDR" --slot 2 DB40.DBW34)" 0 "B went on: STATUS 0 again after the result"
finish
