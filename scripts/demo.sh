#!/usr/bin/env bash
# make demo: the s7 client on an embedded default.  Until the s7kit CPU emulator lands,
# the CPU is the Snap7 server of node-snap7 with a fixed fixture (DB1 = bytes 0,1,2,...),
# plus a scripted peer that answers like an S7-1500 with PUT/GET disabled.
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S7="$ROOT/$BUILD/bin/s7"
export NODE_PATH="$ROOT/tests/node/node_modules"
[ -x "$S7" ] || { echo "demo: $S7 is missing: run make build" >&2; exit 1; }
[ -d "$NODE_PATH/node-snap7" ] || { echo "demo: node-snap7 is missing: run make deps" >&2; exit 1; }

pick_port() { node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

start() { # start NAME CMD... ; waits for READY
    local log="$TMP/$1.out"; shift
    "$@" >"$log" 2>&1 &
    pids+=($!)
    for _ in $(seq 100); do grep -q READY "$log" 2>/dev/null && return 0; sleep 0.1; done
    echo "demo: $1 did not start:" >&2; cat "$log" >&2; exit 1
}
TMP=$(mktemp -d); trap 'cleanup; rm -rf "$TMP"' EXIT

CPU_PORT=$(pick_port)
start cpu node "$ROOT/tests/interop/snap7_server.js" --port "$CPU_PORT" --fixture standard --watch-pid $$
LOCKED_PORT=$(pick_port)
start locked node "$ROOT/tests/interop/fake_plc.js" "$LOCKED_PORT" --mode put-get-off --watch-pid $$
CPU=127.0.0.1:$CPU_PORT
LOCKED=127.0.0.1:$LOCKED_PORT

run() { printf '\n\033[1m$ s7 %s\033[0m\n' "$*"; "$S7" "$@" || printf '(exit %d)\n' "$?"; }

echo "s7kit demo: a CPU on $CPU (Snap7 server, DB1 holds bytes 0,1,2,...) and"
echo "an S7-1500 look-alike with PUT/GET disabled on $LOCKED"
run info "$CPU"
run read "$CPU" DB1.DBW0 DB1.DBD4:REAL MB10 I0.3 DB1.DBB8:STRING[4] %DB1:12:DINT "DB1,INT16.3"
run write "$CPU" DB10.DBD0:REAL=3.5 DB10.DBW4:INT=-42 DB10.DBX6.1=true
run read "$CPU" DB10.DBD0:REAL DB10.DBW4:INT DB10.DBX6.1 --json
addrs=(); for i in $(seq 0 999); do addrs+=("DB3.DBD$(( (i * 64) % 65532 ))"); done
printf '\n\033[1m$ s7 read %s DB3.DBD0 DB3.DBD64 ... (1,000 addresses in one call)\033[0m\n' "$CPU"
"$S7" read "$CPU" "${addrs[@]}" | sed -n '1,3p;998,1000p'
run dump "$CPU" DB 2
run read "$CPU" DB99.DBW0 DB2.DBD4
run read "$LOCKED" DB1.DBW0
echo
echo "demo done."
