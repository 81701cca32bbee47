#!/usr/bin/env bash
# The server on its poll() fallback (S7_USE_POLL=1) serves like the epoll one: many clients
# at once, pipelined reads, a malformed frame closing only its own connection.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_bin

export S7_USE_POLL=1
# budgets for the 20 clients at once (an S7-300 has fewer PG slots: under load they overlap)
start_s7server --profile s7-300 --db 1:1024 --set DB1.DBW2:INT=1234 --set DB1.DBD4:REAL=2.5 \
    --max-conn total=32 --max-conn pg=32
check_match "$(cat "$S7SRV_LOG")" "listening on .*\(poll\)" "the server says it runs on poll"
unset S7_USE_POLL

out=$("$S7_BIN" read "$S7SRV_ADDR" DB1.DBW2:INT DB1.DBD4:REAL --slot 2 2>&1)
check_eq "$out" $'DB1.DBW2:INT = 1234\nDB1.DBD4:REAL = 2.5' "a read on the poll backend"

# 20 clients at once, each with 200 addresses (several pipelined PDUs at PDU 240)
addrs=(); for i in $(seq 0 199); do addrs+=("DB1.DBB$((i * 5))"); done
pids=()
for k in $(seq 1 20); do
    "$S7_BIN" read "$S7SRV_ADDR" "${addrs[@]}" --slot 2 >"$S7_TEST_TMP/r$k.out" 2>&1 &
    pids+=($!)
done
ok=0
for k in "${!pids[@]}"; do
    wait "${pids[$k]}" && ok=$((ok + 1))
done
check_eq "$ok" 20 "20 concurrent clients all read 200 addresses"
check_eq "$(grep -c ' = ' "$S7_TEST_TMP/r1.out")" 200 "200 values in one client's output"

# a malformed frame closes only that connection
exec 5<>"/dev/tcp/127.0.0.1/$S7SRV_PORT"
printf '\x04\x00\x00\x16garbage-garbage-garb' >&5
sleep 0.3
out=$("$S7_BIN" read "$S7SRV_ADDR" DB1.DBW2:INT --slot 2 2>&1)
check_eq "$out" "DB1.DBW2:INT = 1234" "the server still serves after a malformed frame"
exec 5>&-
check_match "$(cat "$S7SRV_LOG")" "refused 127\.0\.0\.1:[0-9]+: malformed frame" "the malformed frame's cut is logged with a reason (as a refusal)"
finish
