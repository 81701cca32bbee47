#!/usr/bin/env bash
# s7 read over several Read Var jobs when the call ends early: the peer (fake_plc.js)
# answers the first jobs, then closes the connection, stays silent (timeout) or refuses the
# next job (0x8500).  An item whose data all arrived is printed with its value (text and
# JSON); an item split over several jobs counts only when every part arrived; the others
# get the error that ended the call, explained once, and a summary line.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake_lib.sh"

need_s7_bin
[ -n "$S7_NODE" ] || skip "node not found"

# At PDU 240 (222 bytes of data per reply): DB1.DBB0:BYTE[250] goes as 222 + 28 bytes,
# MB0:BYTE[200] alone; the jobs: DB1's 222, MB0's 200, then DB1's last 28 (and DB1.DBW0,
# which lies in DB1's range: its data comes with the first job).
args=(MB0:BYTE[200] DB1.DBB0:BYTE[250] DB1.DBW2)

# check_partial MODE NAME CODE ID: the first two jobs answered, the third ended by MODE.
check_partial() {
    local mode=$1 name=$2 code=$3 id=$4 rc out err
    start_fake "$mode"
    rc=0
    "$S7_BIN" read "$FAKE" "${args[@]}" --pdu 240 --timeout 1000 \
        >"$S7_TEST_TMP/r.out" 2>"$S7_TEST_TMP/r.err" || rc=$?
    out=$(cat "$S7_TEST_TMP/r.out")
    err=$(cat "$S7_TEST_TMP/r.err")
    check_eq "$rc" 1 "$mode: exit 1"
    check_contains "$out" "MB0:BYTE[200] = [0, 0," "$mode: the item whose data arrived has its value"
    check_contains "$out" "DB1.DBW2 = 515" "$mode: the item in an answered part of a range has its value"
    check_lacks "$out" "DB1.DBB0:BYTE[250] =" "$mode: the item split over jobs, one unanswered, has none"
    check_contains "$err" "DB1.DBB0:BYTE[250]: not read ($name$code)" "$mode: ... and is named with the reason"
    check_contains "$err" "fix: " "$mode: the failure explained"
    check_contains "$err" "2 of 3 items read, 1 not read" "$mode: summary"
    rc=0
    out=$("$S7_BIN" read "$FAKE" "${args[@]}" --pdu 240 --timeout 1000 --json 2>/dev/null) || rc=$?
    check_eq "$rc" 1 "$mode --json: exit 1"
    check_match "$out" '"address": "MB0:BYTE\[200\]", "type": "BYTE\[200\]", "value": \[0, .*\], "status": "ok", "error": null' \
        "$mode --json: the item whose data arrived ok"
    check_contains "$out" '"address": "DB1.DBW2", "type": "WORD", "value": 515, "status": "ok", "error": null' \
        "$mode --json: the item in an answered part ok"
    check_match "$out" '"address": "DB1\.DBB0:BYTE\[250\]", "type": "BYTE\[250\]", "value": null, "status": "'"$id"'"' \
        "$mode --json: the split item with status $id"
}

check_partial drop-after-2 CLOSED "" closed
check_partial silent-after-2 TIMEOUT "" timeout
check_partial refuse-after-2 PDU_SIZE_EXCEEDED " 0x8500" pdu_size_exceeded

# Nothing answered: one explanation, no item lines (as before).
start_fake silent
rc=0
out=$("$S7_BIN" read "$FAKE" MB0 DB1.DBW0 --timeout 500 2>&1) || rc=$?
check_eq "$rc" 1 "no item answered: exit 1"
check_lacks "$out" "items read" "no item answered: no summary of items"
check_contains "$out" "error: no reply to the read within 500 ms" "no item answered: the failure"
finish
