#!/usr/bin/env bash
# Runs a C interop test (itest_*.c) against the Snap7 server's standard fixture:
#   run_with_snap7.sh EXE [ARGS...]
# Starts the fixture on a free loopback port, exports S7_TEST_HOST=127.0.0.1 and
# S7_TEST_PORT, runs EXE, stops the server and exits with EXE's status (77 = skipped).
# The server runs with --log; its event log is shown when EXE fails.
# Exits 77 when node-snap7 is not installed.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -ge 1 ] || { echo "usage: run_with_snap7.sh EXE [ARGS...]" >&2; exit 2; }
need_snap7
start_snap7 --fixture standard --log
export S7_TEST_HOST=127.0.0.1 S7_TEST_PORT="$SNAP7_PORT"
rc=0
"$@" || rc=$?
if [ "$rc" -ne 0 ] && [ "$rc" -ne 77 ] && [ -s "$SNAP7_LOG" ]; then
    echo "--- snap7 server log (last 40 lines)"
    tail -n 40 "$SNAP7_LOG"
fi
exit "$rc"
