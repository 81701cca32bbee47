#!/usr/bin/env bash
# s7 write over several Write Var jobs when the call ends early: the peer (fake_plc.js)
# confirms the first job, then closes the connection, stays silent (timeout) or refuses
# the next job (0x8500).  The item the CPU confirmed is reported written, in the text and
# in the JSON output; the others "not written" with the error that ended the call.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake_lib.sh"

need_s7_bin
[ -n "$S7_NODE" ] || skip "node not found"

# DB1 and MB: 200 bytes each, one Write Var job per item at PDU 240.
v=$(printf '1%.0s,' {1..199})1
args=("DB1.DBB0:BYTE[200]=$v" "MB0:BYTE[200]=$v")

# check_partial MODE NAME CODE: the first job confirmed, the second ended by MODE.
check_partial() {
    local mode=$1 name=$2 code=$3 rc out err
    start_fake "$mode"
    rc=0
    "$S7_BIN" write "$FAKE" "${args[@]}" --pdu 240 --timeout 1000 \
        >"$S7_TEST_TMP/w.out" 2>"$S7_TEST_TMP/w.err" || rc=$?
    out=$(cat "$S7_TEST_TMP/w.out")
    err=$(cat "$S7_TEST_TMP/w.err")
    check_eq "$rc" 1 "$mode: exit 1"
    check_contains "$out" "DB1.DBB0:BYTE[200] = [1, 1," "$mode: the confirmed item is reported"
    check_match "$out" 'DB1\.DBB0:BYTE\[200\] = \[.*\] \(written\)' "$mode: ... as written"
    check_contains "$out" "MB0:BYTE[200]: not written ($name$code)" "$mode: the other is not written, with the reason"
    check_lacks "$out" "DB1.DBB0:BYTE[200]: not written" "$mode: the confirmed item is not called unwritten"
    check_contains "$err" "1 of 2 items written, 1 not written" "$mode: summary"
    rc=0
    out=$("$S7_BIN" write "$FAKE" "${args[@]}" --pdu 240 --timeout 1000 --json 2>/dev/null) || rc=$?
    check_eq "$rc" 1 "$mode --json: exit 1"
    check_match "$out" '"address": "DB1\.DBB0:BYTE\[200\]", "type": "BYTE\[200\]", "value": \[1, .*\], "status": "ok", "error": null' \
        "$mode --json: the confirmed item ok"
    check_eq "$(printf '%s\n' "$out" | grep -c '"status": "ok"')" 1 "$mode --json: one item ok"
    check_match "$out" '"address": "MB0:BYTE\[200\]", "type": "BYTE\[200\]", "value": null, "status": "'"$4"'"' \
        "$mode --json: the other with status $4"
}

check_partial drop-after-1 CLOSED "" closed
check_partial silent-after-1 TIMEOUT "" timeout
check_partial refuse-after-1 PDU_SIZE_EXCEEDED " 0x8500" pdu_size_exceeded

finish
