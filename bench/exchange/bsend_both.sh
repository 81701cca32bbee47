#!/usr/bin/env bash
# How long Snap7's partner takes to BSEND 65,534 bytes to an emulated CPU that runs both
# kinds of jobs: `s7 server` on 127.0.0.1:102 with a passive BRCV job (R_ID 5) and a GET job
# (every 100 ms from a second emulated CPU on port 1103), the way
# tests/interop/test_server_partner_snap7.sh runs it, inside a network namespace this script
# creates and removes (Snap7's partner connects to port 102 only).  Runs
# tests/interop/partner_snap7 case C RUNS times (default 5) and prints each "BSEND of 65534
# bytes done in about N ms" line.  Root only.
#   bench/exchange/bsend_both.sh S7_BIN PARTNER_SNAP7 [RUNS]
#   e.g. bench/exchange/bsend_both.sh build/bin/s7 build/tests/interop/partner_snap7 5
set -uo pipefail
S7=${1:?S7_BIN}
P7=${2:?PARTNER_SNAP7}
RUNS=${3:-5}
[ "$(id -u)" = 0 ] || { echo "root only (a network namespace)" >&2; exit 77; }
NS="s7b$$"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
    ip netns del "$NS" 2>/dev/null
}
trap cleanup EXIT
ip netns add "$NS" || exit 1
ip -n "$NS" link set lo up
T=$(mktemp -d)
ip netns exec "$NS" "$S7" server --listen 127.0.0.1:1103 --profile s7-1500 --put-get on \
    --db 20:64 >"$T/src.log" 2>&1 &
PIDS+=("$!")
ip netns exec "$NS" "$S7" server --listen 127.0.0.1:102 --profile s7-1500 --put-get on \
    --db 20:65534 --db 40:64 \
    --job 'brcv any 5 into P#DB20.DBX0.0 BYTE 65534 --ndr M0.1 --status MW2' \
    --job 'get 127.0.0.1:1103 DB20.DBB0..DBB31 every 100ms into DB40.DBB0' \
    >"$T/cpu.log" 2>&1 &
PIDS+=("$!")
for ((i = 0; i < 50; i++)); do
    ip netns exec "$NS" bash -c 'exec 3<>/dev/tcp/127.0.0.1/102' 2>/dev/null && break
    sleep 0.1
done
for ((r = 1; r <= RUNS; r++)); do
    ip netns exec "$NS" "$P7" c 2>&1 | grep -o 'BSEND of 65534 bytes done in about [0-9]* ms'
done
rm -rf "$T"
