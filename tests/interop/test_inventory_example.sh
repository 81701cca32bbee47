#!/usr/bin/env bash
# The inventory of docs/ (docs/inventory-example.yaml) loads and validates, so it stays
# valid; its firewall rules are generated in every format (and, as root with nft, accepted
# by `nft --check` in a scratch namespace); and broken variants of it are refused with
# FILE:LINE, what is wrong and what would be right (exit 2).
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
EX="$S7_SOURCE/docs/inventory-example.yaml"
[ -f "$EX" ] || die "$EX is missing"

# ---------------------------------------------------------------- the example
RC=0
OUT="$("$S7_BIN" inventory validate "$EX" 2>&1)" || RC=$?
check_eq "$RC" 0 "the example validates"
check_contains "$OUT" "valid: 5 partners in 3 cells, 5 connections, 8 exchanges" "the example: what it documents"
check_contains "$OUT" "line-capper: plc-line (10.10.1.10) -> plc-capper (10.10.2.11:102), type basic, TSAPs 0100:0302" \
    "the example: an S7-300 partner is reached at rack 0 slot 2 (its profile)"
check_contains "$OUT" "PUT DB21.DBB0..DBB7 (100 ms)" "the example: {db, offset, length} ranges"
check_contains "$OUT" "GET DB10.DBB0..DBB63, MB0..MB15 (1 s)" "the example: a list of ranges"
for fmt in nftables iptables iptables-restore; do
    for host in "" plc-line; do
        RC=0
        R="$("$S7_BIN" inventory firewall "$EX" --format "$fmt" ${host:+--host "$host"} 2>&1)" || RC=$?
        check_eq "$RC" 0 "the example: firewall --format $fmt ${host:+--host $host}"
        for c in hmi-line line-filler line-capper hmi-filler es-line; do
            if [ -n "$host" ] && [ "$c" != hmi-filler ]; then
                check_contains "$R" "connection $c:" "the example: $fmt ${host:+--host $host }header names $c"
            elif [ -z "$host" ]; then
                # the router's file lists a connection inside one cell apart (no rule)
                check_contains "$R" "$c" "the example: $fmt header names $c"
            fi
        done
    done
done
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 && command -v ip >/dev/null 2>&1; then
    NS="s7n$$-nftcheck"
    if ip netns add "$NS" 2>/dev/null; then
        on_exit "ip netns del $NS 2>/dev/null"
        "$S7_BIN" inventory firewall "$EX" --format nftables -o "$S7_TEST_TMP/r.nft" 2>/dev/null
        "$S7_BIN" inventory firewall "$EX" --format nftables --host plc-line -o "$S7_TEST_TMP/h.nft" 2>/dev/null
        check_ok "nft --check accepts the router rules" ip netns exec "$NS" nft --check -f "$S7_TEST_TMP/r.nft"
        check_ok "nft --check accepts the host rules" ip netns exec "$NS" nft --check -f "$S7_TEST_TMP/h.nft"
    fi
fi

# ---------------------------------------------------------------- broken variants
# bad LINE_PATTERN REPLACEMENT EXPECTED_LINE MESSAGE...: the example with the first line
# matching LINE_PATTERN replaced (sed) is refused at EXPECTED_LINE with each MESSAGE.
N=0
bad() {
    local pat="$1" rep="$2" want_line="$3" f out rc=0 m
    shift 3
    N=$((N + 1))
    f="$S7_TEST_TMP/bad$N.yaml"
    sed "0,/$pat/s//$rep/" "$EX" >"$f"
    if cmp -s "$f" "$EX"; then
        fail "variant $N: the pattern '$pat' is not in the example any more"
        return
    fi
    out="$("$S7_BIN" inventory validate "$f" 2>&1)" || rc=$?
    check_eq "$rc" 2 "variant $N ($rep): exit 2"
    check_contains "$out" "error: $f:$want_line: " "variant $N: FILE:LINE"
    for m in "$@"; do
        check_contains "$out" "$m" "variant $N: says '$m'"
    done
}
line_of() { grep -n -m1 -- "$1" "$EX" | cut -d: -f1; }

L=$(line_of "address: 10.10.1.20")
bad "address: 10.10.1.20" "address: 10.10.1.256" "$L" "is not an IPv4 address" "e.g. 192.168.0.10"
bad "address: 10.10.1.20" "adress: 10.10.1.20" "$L" "unknown key 'adress'" "keys: name, address"
bad "address: 10.10.1.20" "address: 10.10.9.20" "$(line_of "name: hmi-line")" "not in cell line's subnet 10.10.1.0/24"
L=$(line_of "passive: plc-filler")
bad "passive: plc-filler" "passive: plc-fillr" "$L" "passive partner 'plc-fillr' is not in partners"
L=$(line_of "range: DB10.DBB0..DBB63")
bad "range: DB10.DBB0..DBB63" "range: DB10.DBB63..DBB0" "$L" "ends (byte 0) before it starts (byte 63)"
bad "range: DB10.DBB0..DBB63" "range: DB10.DBB0..DB11.DBB63" "$L" "both ends must be in the same DB"
bad "range: DB10.DBB0..DBB63" "range: PIW256" "$L" "not in a DB, the I, Q or M area, the timers or the counters"
L=$(line_of "direction: GET")
bad "direction: GET" "direction: READ" "$L" "must be GET (the active partner reads) or PUT"
bad "direction: GET" "direction: BSEND" "$L" "BSEND/BRCV and USEND/URCV are jobs of the emulated CPUs (docs/exchange.md"
L=$(line_of "cycle: 500")
bad "cycle: 500" "cycle: often" "$L" "must be a time of 1 ms..24 h"
L=$(line_of "- name: plc-filler")
bad "- name: plc-filler" "- name: plc-line" "$L" "the name is used twice (first at line"
L=$(line_of "profile: s7-1200")
bad "profile: s7-1200" "profile: s7-1600" "$L" "unknown profile 's7-1600'"
L=$(line_of "cell: machines")
bad "cell: machines" "cell: machine" "$L" "cell 'machine' is not in cells (cells: control, line, machines)"
L=$(line_of "subnet: 10.10.2.0/24")
bad "subnet: 10.10.2.0\/24" "subnet: 10.10.2.1\/24" "$L" "has host bits set: the network is 10.10.2.0/24"
L=$(line_of "slot: 1")
bad "slot: 1" "slot: 32" "$L" "slot: '32' must be a number 0..31"
L=$(line_of "^version: 1")
bad "^version: 1" "version: 2" "$L" "this s7 reads inventory version 1"
RC=0
OUT="$(printf 'partners: [\n' >"$S7_TEST_TMP/syntax.yaml"; "$S7_BIN" inventory validate "$S7_TEST_TMP/syntax.yaml" 2>&1)" || RC=$?
check_eq "$RC" 2 "a YAML syntax error: exit 2"
check_match "$OUT" "syntax.yaml:[0-9]+:[0-9]+: not valid YAML" "a YAML syntax error: FILE:LINE:COLUMN"
check_contains "$OUT" "docs/inventory.md describes the file" "an error points to the documentation"
finish
