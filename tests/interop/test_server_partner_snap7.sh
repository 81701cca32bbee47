#!/usr/bin/env bash
# Partner jobs on the emulated CPU's own port 102, as on a real CPU: `s7 server` on
# 127.0.0.1:102 with a passive BRCV job (any partner, TSAP 10.00) inside a network namespace
# this test creates; Snap7's active partner (TSnap7Partner, which connects to port 102 only)
# BSENDs 65,534 bytes to it while Snap7's client reads the CPU through the same port
# (tests/interop/partner_snap7.cpp, case C: the block byte for byte, NDR, STATUS, and a CR
# with a TSAP no partner connection has served as a PUT/GET client); then the s7 CLI on the
# same port reads the job's outputs (latched: a client polling every 10 ms could miss a
# one-scan NDR), and its log names the connection handed over.  Root only
# (the namespace); skipped (77) otherwise.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_s7_bin
BIN="$S7_BUILD/tests/interop/partner_snap7"
[ -x "$BIN" ] || skip "partner_snap7 not built: node-snap7's snap7.a missing (run make deps, then cmake)"
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_malloc_fill_size=0" # see test_partner_snap7.sh
. "$(dirname "$0")/netns_lib.sh"
need_netns
netns_add p
T="$S7_TEST_TMP"
netns_bg p "$T/cpu.log" "$S7_BIN" server --listen 127.0.0.1:102 --profile s7-1500 --put-get on \
    --db 20:65534 \
    --job 'brcv any 5 into P#DB20.DBX0.0 BYTE 65534 --ndr M0.1 --error M0.2 --status MW2 --outputs latch'
netns_wait_tcp p 127.0.0.1 102 || die "the emulated CPU did not start: $(cat "$T/cpu.log")"
check_ok "C: Snap7's partner BSENDs 65,534 bytes to port 102 while Snap7's client reads there" \
    netns_exec p "$BIN" c
out="$(netns_exec p "$S7_BIN" read 127.0.0.1 M0.1 M0.2 MW2 2>&1)"
check_contains "$out" "M0.1 = true" "s7 read on port 102: NDR"
check_contains "$out" "M0.2 = false" "s7 read on port 102: ERROR clear"
check_contains "$out" "MW2 = 0" "s7 read on port 102: STATUS 0"
check_contains "$(cat "$T/cpu.log")" "partner connection 1 (TSAP 1000, unspecified partner)" \
    "the CPU's log names the partner connection the CR was handed to"
finish
