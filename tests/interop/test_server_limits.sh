#!/usr/bin/env bash
# `s7 server`'s refusals and cuts as the command reports them (docs/server.md, "Limits"):
# connections cut for a frame they should not have sent (a TPKT of another version, an
# oversized frame before the CR, a malformed frame after the setup) are logged as refusals
# (at most 20 lines a second: a flood of 200 adds no line per connection), audited with
# the peer's address and counted in the statistics printed at the stop; a read of an area
# code the CPU does not know is logged with the code; the summary's connection counts
# include sockets that never sent a CR.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_server
CR='\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01\x00\xc2\x02\x01\x02'
SETUP='\x03\x00\x00\x19\x02\xf0\x80\x32\x01\x00\x00\x00\x01\x00\x08\x00\x00\xf0\x00\x00\x08\x00\x08\x03\xc0'

# send_close BYTES: a connection that sends BYTES (printf format) and closes.
send_close() {
    local fd
    exec {fd}<>"/dev/tcp/127.0.0.1/$S7SRV_PORT" || return 1
    printf "$1" >&"$fd"
    exec {fd}>&-
}

# wait_lines FILE N: until FILE has N lines or more (bounded: 10 s).
wait_lines() {
    local i
    for ((i = 0; i < 200; i++)); do
        [ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
        sleep 0.05
    done
    return 1
}

# ---------------------------------------------------------------- malformed frames: cut like refusals
AUDIT="$S7_TEST_TMP/cut.audit"
S7SRV_SLOT=2
start_s7server --profile s7-300 --db 1:64 --audit "$AUDIT" --max-per-source 0
send_close '\x04\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01\x00\xc2\x02\x01\x02'
send_close '\x03\x00\xff\xff'
send_close "$CR$SETUP"'\x03\x00\x00\x07\x02\xf0\x80'
wait_lines "$AUDIT" 3
audit=$(cat "$AUDIT")
check_match "$audit" '"peer": "127\.0\.0\.1:[0-9]+", "op": "connect", "result": "refused: malformed frame: malformed TPKT header' \
    "audit: a TPKT of another version"
check_match "$audit" '"peer": "127\.0\.0\.1:[0-9]+", "op": "connect", "result": "refused: a 65535-byte frame before the connection request' \
    "audit: an oversized frame before the CR"
check_match "$audit" '"peer": "127\.0\.0\.1:[0-9]+", "op": "connect", "result": "refused: malformed request: an empty data TPDU with the end mark: no S7 PDU in it' \
    "audit: an empty DT with the end mark after the setup, named"
check_match "$(cat "$S7SRV_LOG")" "warning: refused 127\.0\.0\.1:[0-9]+: malformed frame: malformed TPKT header" \
    "log: the cut is a refusal line"
# a flood: 200 connections announcing a 65535-byte frame before their CR
for ((i = 0; i < 200; i++)); do send_close '\x03\x00\xff\xff'; done
wait_lines "$AUDIT" 203 || fail "the audit log has $(wc -l <"$AUDIT") lines, not 203"
check_eq "$(grep -c '65535-byte frame before the connection request' "$AUDIT")" 201 \
    "audit: every cut connection of the flood, with its address"
n=$(grep -c '65535-byte frame' "$S7SRV_LOG")
if [ "$n" -le 60 ]; then
    pass "log: the flood of 200 cut connections took $n lines (at most 20 a second)"
else
    fail "log: the flood of 200 cut connections took $n lines (want at most 20 a second)"
fi
check_eq "$(grep -c 'closed 127.0.0.1:[0-9]*: a 65535-byte frame' "$S7SRV_LOG")" 0 \
    "log: no unlimited 'closed' line per cut connection"
stop_s7server
check_match "$(cat "$S7SRV_LOG")" "closed 0 without a CR in time, 0 without setup, 0 idle, 0 by the memory bound, 203 for malformed frames;" \
    "the statistics count the connections cut for malformed frames"

# ---------------------------------------------------------------- an unknown area code named
start_s7server --profile s7-300 --db 1:64
exec {fd}<>"/dev/tcp/127.0.0.1/$S7SRV_PORT"
# a read of one byte of area 0x00 (no such area)
printf "$CR$SETUP"'\x03\x00\x00\x1f\x02\xf0\x80\x32\x01\x00\x00\x00\x02\x00\x0e\x00\x00\x04\x01\x12\x0a\x10\x02\x00\x01\x00\x01\x00\x00\x00\x00' >&"$fd"
for ((i = 0; i < 100; i++)); do s7srv_log_has "0x0A" && break; sleep 0.05; done
exec {fd}>&-
check_match "$(cat "$S7SRV_LOG")" "refused 127\.0\.0\.1:[0-9]+: 0x0A: this CPU has no area 0x00" \
    "an unknown area code is named (not 'no area area')"
stop_s7server

# ---------------------------------------------------------------- the connection counts
# ten sockets that send nothing (under a low ulimit -n a flood looks like this) and one
# client that reads: the summary counts the sockets, not only the connections set up (no CR
# deadline: on a loaded machine the 5 s default could cut the silent ten before the stop)
start_s7server --profile s7-300 --db 1:64 --cr-timeout 0
fds=()
for ((i = 0; i < 10; i++)); do exec {fd}<>"/dev/tcp/127.0.0.1/$S7SRV_PORT" && fds+=("$fd"); done
check_ok "a read while ten sockets are silent" s7srv_cli read DB1.DBB0
stop_s7server
for fd in "${fds[@]}"; do exec {fd}>&-; done
check_match "$(cat "$S7SRV_LOG")" "s7 server stopped \(SIGTERM\) after [0-9.]+ s: 1[1-9] connections accepted \(at most 11 open at once\), 1 set up, 0 refused or cut;" \
    "the summary: sockets accepted, the most open at once, those set up"

finish
