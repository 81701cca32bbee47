#!/usr/bin/env bash
# s7 inventory audit reads the audit log whole or refuses it: a directory, a FIFO or a
# device given as the log, and a file none of whose lines is an audit record (the inventory
# given twice, say), are usage errors (exit 2) that name the log and what would be right,
# never "0 records, 0 finding(s)" with exit 0 (a directory used to be read as an empty log).
# An empty log is a log in which nothing happened (exit 0); a documented read counts as
# documented.  (The findings themselves: test_guard.sh, on a guard's real log.)
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
need_cmd mkfifo timeout

INV="$S7_SOURCE/docs/inventory-example.yaml"
T="$S7_TEST_TMP"
# a documented read: hmi-line (10.10.1.20) GETs DB10.DBB0..DBB63 of plc-line
printf '%s\n' '{"time": "2026-12-06T07:00:00.000Z", "peer": "10.10.1.20:40000", "op": "read", "area": "DB", "db": 10, "offset": 0, "length": 4, "result": "ok"}' >"$T/good.jsonl"

audit() { # WANT_RC WHAT NEEDLE LOG
    local rc=0 out
    out=$(timeout 10 "$S7_BIN" inventory audit "$INV" --cpu plc-line --log "$4" 2>&1) || rc=$?
    check_eq "$rc" "$1" "$2: exit code"
    check_contains "$out" "$3" "$2: message"
}

audit 0 "a documented read" "1 records, 1 documented, 0 finding(s)" "$T/good.jsonl"
: >"$T/empty.jsonl"
audit 0 "an empty log" "0 records, 0 documented, 0 finding(s)" "$T/empty.jsonl"
mkdir "$T/logdir"
audit 2 "a directory as the log" \
    "cannot read the audit log $T/logdir: it is a directory: only a regular file is read (a FIFO, a device or a directory is refused): give the path of the audit log" \
    "$T/logdir"
mkfifo "$T/log.fifo"
audit 2 "a FIFO as the log" "cannot read the audit log $T/log.fifo: it is a FIFO" "$T/log.fifo"
audit 2 "a missing log" "cannot read the audit log $T/nothere: No such file or directory: give the path of the audit log" \
    "$T/nothere"
audit 2 "the inventory given as the log" \
    "$INV is not an audit log: none of its" "$INV"
audit 2 "the inventory given as the log, what would be right" \
    "docs/schema/s7-audit.schema.json): give the log s7 guard --audit or s7 server --audit writes" "$INV"

finish
