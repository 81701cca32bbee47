#!/usr/bin/env bash
# BSEND/BRCV between s7kit's partner and Snap7's (tests/interop/partner_snap7.cpp, linked
# with node-snap7's snap7.a): case A (s7kit passive, Snap7 active) on loopback; case B
# (s7kit active, Snap7 passive: Snap7 listens on port 102 only) inside a network namespace
# this test creates, so its port 102 is nobody else's; case D (faults, s7kit passive): a
# block of an R_ID s7kit has no BRCV for, Snap7 stopped in the middle of a 65,534-byte BSEND
# each way.  B needs root: without it, A and D run and the test is skipped (77).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
BIN="$S7_BUILD/tests/interop/partner_snap7"
[ -x "$BIN" ] || skip "partner_snap7 not built: node-snap7's snap7.a missing (run make deps, then cmake)"
# Snap7 leaves members uninitialized that ASan's fill of new memory would set (see the
# program's comment): no fill for this test
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_malloc_fill_size=0"

check_ok "A: s7kit passive, Snap7 active, six blocks each way byte for byte" "$BIN" a
check_ok "D: faults: an R_ID nobody receives, Snap7 gone in the middle of a BSEND either way" \
    "$BIN" d
if [ "$(id -u)" -ne 0 ]; then
    printf 'A and D: %d passed\n' "$_S7_PASS"
    [ "$_S7_FAIL" -eq 0 ] || finish
    skip "case B: Snap7's passive partner listens on port 102 (needs root for a namespace)"
fi
. "$(dirname "$0")/netns_lib.sh"
need_netns
netns_add p
check_ok "B: s7kit active, Snap7 passive (in a namespace), six blocks each way byte for byte" \
    netns_exec p "$BIN" b
finish
