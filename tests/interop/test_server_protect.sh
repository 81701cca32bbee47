#!/usr/bin/env bash
# s7kit's client, and hand-built frames, against s7kit's CPU emulator for every protection
# case, each asserting exact bytes or codes (the C helper server_protect.c does the talking):
#   PUT/GET off (12-byte Ack 81 04 to every read and write, SZL still served), optimized DB
#   (item 0x05 at every offset), missing DB (0x0A), past the end (0x05), read-only DB (0x03
#   on write), requests / replies larger than the PDU (Ack 85 00), unknown functions and
#   userdata groups (an error, never silence), the connection budget (--max-conn op=2: the
#   third OP connection closed after its CR without a CC, PG and basic still served), a CR
#   naming another rack/slot (closed without a CC), the allow-list, and 29 malformed frames
#   that close only their own connection while a second client keeps being served, each
#   closure logged with a reason.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7srv_helper server_protect

# run_case CASE: server_protect against the last server; its checks join this test's count.
run_case() {
    local out rc=0 line p f
    out="$("$S7SRV_HELPERS/server_protect" "$1" "$S7SRV_PORT" "$S7SRV_SLOT" "$S7SRV_LOG" 2>&1)" || rc=$?
    printf '%s\n' "$out" | sed "s/^/[$1] /"
    line="$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed$' | tail -1)"
    if [ -z "$line" ]; then
        fail "case $1: server_protect ended without its closing line (exit $rc)"
        return 0
    fi
    p="${line%% passed*}"
    f="${line#*passed, }"
    f="${f%% failed}"
    _S7_PASS=$((_S7_PASS + p))
    _S7_FAIL=$((_S7_FAIL + f))
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then fail "case $1: exit $rc without a failed check"; fi
    printf '== case %s: %s passed, %s failed\n' "$1" "$p" "$f"
}

S7SRV_SLOT=1
start_s7server --profile s7-1500 --db 1:64 --db 2:16:optimized
run_case putget
S7SRV_SLOT=2
start_s7server --profile s7-300 --put-get off --db 1:64
run_case putget300

S7SRV_SLOT=1
start_s7server --profile s7-1500 --put-get on --db 1:100 --db 2:64:optimized --db 3:32:ro \
    --db 4:1024 --set DB1.DBW0=4660
run_case items
run_case pdu

S7SRV_SLOT=2
for prof in s7-1200:1 s7-300:2 s7-400:3 s7-1500:1; do
    S7SRV_SLOT=${prof#*:}
    start_s7server --profile "${prof%:*}"
    run_case "setup-${prof%:*}"
done

S7SRV_SLOT=2
start_s7server --profile s7-300 --db 1:64 --set DB1.DBW0=4660 --set DB1.DBD4:REAL=3.5 --set MB3=32
run_case types

start_s7server --profile s7-300 --db 1:64 --max-conn op=2
run_case budget
check_match "$(s7srv_snap7 --type op dbread 1 0 2 2>&1)" "^0000$" \
    "Snap7's OP connection served again once the budget is free"

start_s7server --profile s7-300 --db 1:64
run_case tsap
start_s7server --profile s7-300 --db 1:64 --rack 1 --slot 4
run_case tsap14

start_s7server --profile s7-300 --db 1:64 --allow 10.0.0.0/8
run_case deny
start_s7server --profile s7-300 --db 1:64 --allow 127.0.0.0/8
run_case allow

start_s7server --profile s7-300 --db 1:64 --set DB1.DBW0=4660
run_case malformed
check_ok "server still running after the malformed frames" kill -0 "$S7SRV_PID"

finish
