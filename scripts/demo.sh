#!/usr/bin/env bash
# make demo: the s7kit CPU emulator's embedded default CPU, and the s7 client against it:
# identity, typed reads and writes, 1,000 addresses in one call, a DB dump, the errors a
# user meets (missing DB, optimized DB, read-only DB), and the refusal from a second CPU
# that has PUT/GET disabled (the S7-1200/1500 default).
set -euo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
S7="$ROOT/$BUILD/bin/s7"
[ -x "$S7" ] || { echo "demo: $S7 is missing: run make build" >&2; exit 1; }

TMP=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT

# start NAME ARGS...: an s7 server on a free port; sets PORT from its banner
start() {
    local name=$1; shift
    # the files exist before the server starts (the shell opens them in the background job,
    # maybe after the first look below)
    : >"$TMP/$name.out"
    : >"$TMP/$name.err"
    "$S7" server --listen 127.0.0.1:0 "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    pids+=($!)
    for _ in $(seq 100); do
        PORT=$(sed -n 's/^  listening on  127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TMP/$name.out")
        [ -n "$PORT" ] && return 0
        sleep 0.05
    done
    echo "demo: the $name server did not start:" >&2; cat "$TMP/$name.out" "$TMP/$name.err" >&2; exit 1
}
run() { printf '\n\033[1m$ s7 %s\033[0m\n' "$*"; "$S7" "$@" || printf '(exit %d)\n' "$?"; }

start cpu
CPU=127.0.0.1:$PORT
start locked --profile s7-1500 --db 1:64 --quiet
LOCKED=127.0.0.1:$PORT

echo "s7kit demo: the embedded CPU of 's7 server' (an S7-1500 with PUT/GET permitted):"
cat "$TMP/cpu.out"
echo
echo "and a second S7-1500 with PUT/GET left at its default (off) on $LOCKED."

run info "$CPU"
run read "$CPU" DB1.DBW0:INT DB1.DBD4:REAL DB1.DBX8.0 'DB1.DBB10:STRING[20]' %DB1:32:DINT "DB1,BYTE64.4" MW10:INT
run write "$CPU" DB10.DBD0:REAL=2.5 DB10.DBW4:INT=-42 DB10.DBX6.1=true 'DB10.DBB8:STRING[12]=written'
run read "$CPU" DB10.DBD0:REAL DB10.DBW4:INT DB10.DBX6.1 'DB10.DBB8:STRING[12]' --json
addrs=(); for i in $(seq 0 999); do addrs+=("DB1.DBB$(( 64 + i % 192 ))" ); done
printf '\n\033[1m$ s7 read %s DB1.DBB64 DB1.DBB65 ... (1,000 addresses in one call; first and last two)\033[0m\n' "$CPU"
"$S7" read "$CPU" "${addrs[@]}" | sed -n '1,2p;999,1000p'
run dump "$CPU" DB 3
run read "$CPU" DB99.DBW0 DB2.DBW0 DB3.DBW0
run write "$CPU" DB3.DBW0:INT=8
run read "$LOCKED" DB1.DBW0
echo
echo "demo done; the end of the CPU's log:"
tail -n 4 "$TMP/cpu.err" | sed "s/^/  /"
