#!/usr/bin/env bash
# s7 scan stopped with Ctrl-C (SIGINT): a scan of 200 loopback addresses at 20 connections a
# second (10 s) is interrupted after 1.5 s.  It must print what it found so far (the
# emulated CPU on 127.0.0.2, found in the first 0.1 s), say that it was interrupted and how
# many of the hosts it scanned, and exit 130, in text and in --json (valid against
# docs/schema/s7-scan.schema.json, "interrupted": true).  Before, the first Ctrl-C ended it
# with nothing printed: a user scanning a /22 lost everything.  A scan that runs to its end
# says "interrupted": false and scanned every host.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_server
need_cmd timeout
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"

PORT=$(free_port) || die "no free port"
start_s7server --listen 127.0.0.2:"$PORT" --profile s7-300 --db 1:16

# timeout sends SIGINT as a terminal's Ctrl-C does (to a process that does not ignore it);
# --preserve-status: the command's own exit status
interrupt() { # interrupt SECONDS args...: s7 scan, SIGINT after SECONDS
    local s="$1"
    shift
    timeout --preserve-status -s INT "$s" "$S7_BIN" scan "$@"
}

# ---------------------------------------------------------------- text
RC=0
T0=$(date +%s%N)
interrupt 1.5 127.0.0.1-200 --port "$PORT" --rate 20 --timeout 500 >"$S7_TEST_TMP/out" 2>"$S7_TEST_TMP/err" || RC=$?
MS=$((($(date +%s%N) - T0) / 1000000))
OUT="$(cat "$S7_TEST_TMP/out")"
ERR="$(cat "$S7_TEST_TMP/err")"
check_eq "$RC" 130 "text: exit 130 after Ctrl-C"
check_match "$OUT" "127\.0\.0\.2:$PORT +answering .*6ES7 315-2EH14-0AB0" "text: the CPU found before Ctrl-C is printed"
check_match "$OUT" "interrupted \(Ctrl-C\) after [0-9.]+ s: scanned [0-9]+ of 200 hosts on port $PORT: 1 answering" "text: the summary says it was interrupted, and how far it came"
check_match "$OUT" "the other [0-9]+ were not scanned" "text: says how many were not scanned"
check_lacks "$OUT" "scanned 200 hosts" "text: no summary of a complete scan"
check_contains "$ERR" "interrupted" "text: stderr says the list is incomplete"
[ "$MS" -lt 4000 ] && pass "text: ended at the Ctrl-C ($MS ms), not after the 10 s scan" ||
    fail "text: took $MS ms after a Ctrl-C at 1.5 s"

# ---------------------------------------------------------------- JSON
RC=0
interrupt 1.5 127.0.0.1-200 --port "$PORT" --rate 20 --timeout 500 --json >"$S7_TEST_TMP/j" 2>"$S7_TEST_TMP/err" || RC=$?
check_eq "$RC" 130 "json: exit 130 after Ctrl-C"
JQ='import json, sys
d = json.load(open(sys.argv[1]))
s = d["summary"]
print(d["interrupted"], s["hosts"], 0 < s["scanned"] < 200, [h["host"] for h in d["hosts"]])'
check_eq "$(python3 -c "$JQ" "$S7_TEST_TMP/j" 2>&1)" "True 200 True ['127.0.0.2']" \
    "json: interrupted true, scanned between 0 and 200 of 200, the CPU listed"

# ---------------------------------------------------------------- a scan that ends
RC=0
"$S7_BIN" scan 127.0.0.1-4 --port "$PORT" --json >"$S7_TEST_TMP/full" 2>/dev/null || RC=$?
check_eq "$RC" 0 "complete scan: exit 0"
check_eq "$(python3 -c "$JQ" "$S7_TEST_TMP/full" 2>&1 | cut -d' ' -f1-2)" "False 4" "complete scan: interrupted false"
check_contains "$(cat "$S7_TEST_TMP/full")" '"scanned": 4' "complete scan: every host scanned"

if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ]; then
    for f in j full; do
        rc=0
        v="$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-scan "$S7_TEST_TMP/$f" 2>&1)" || rc=$?
        check_eq "$rc" 0 "json ($f): valid against s7-scan.schema.json: $v"
    done
else
    echo "note: ajv not installed in $NODE_PATH: the schema check is left out"
fi

finish
