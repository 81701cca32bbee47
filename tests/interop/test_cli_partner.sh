#!/usr/bin/env bash
# s7 partner on loopback (no root needed): BSEND both ways (65,534 bytes and 1 byte) and a
# USEND between a passive and an active `s7 partner`, files compared byte for byte and the
# job lines checked; then the failures, each with its exit code and a message that names
# what was wrong: usage errors (2), a partner that never links (3), a BRCV that gets
# nothing within the timeout (1).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_s7_bin
T="$S7_TEST_TMP"
head -c 65534 /dev/urandom >"$T/a.bin"
printf 'x' >"$T/one.bin"
head -c 200 /dev/urandom >"$T/u.bin"
head -c 65535 /dev/zero >"$T/big.bin"
PORT=$(free_port) || die "no free port"

wait_listen() {
    local i
    for ((i = 0; i < 50; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

"$S7_BIN" partner --listen "127.0.0.1:$PORT" --brcv "1:$T/ra.bin" --brcv "16#2A:$T/r1.bin" \
    --urcv "7:$T/ru.bin" --bsend "9:$T/a.bin" --timeout 10000 >"$T/passive.out" 2>&1 &
PASSIVE=$!
_S7_PIDS+=("$PASSIVE")
wait_listen "$PORT" || die "s7 partner --listen did not listen"
out="$("$S7_BIN" partner --connect "127.0.0.1:$PORT" --pdu 960 --bsend "1:$T/a.bin" \
    --bsend "42:$T/one.bin" --usend "7:$T/u.bin" --brcv "9:$T/r9.bin" --timeout 10000 2>&1)"
check_eq "$?" 0 "active partner: every job done"
check_contains "$out" "linked, PDU 480" "the passive side grants at most its PDU (480)"
check_match "$out" "BSEND R_ID 1: DONE, 65534 bytes" "BSEND of 65,534 bytes reported DONE"
check_contains "$out" "USEND R_ID 7: DONE, 200 bytes" "USEND reported DONE"
check_contains "$out" "BRCV R_ID 9: NDR, LEN 65534" "BRCV reports NDR and LEN"
wait "$PASSIVE"
check_eq "$?" 0 "passive partner: every job done"
check_contains "$(cat "$T/passive.out")" "BRCV R_ID 42: NDR, LEN 1" "an R_ID in 16#hex, a 1-byte block"
check_ok "R_ID 1 byte for byte" cmp "$T/a.bin" "$T/ra.bin"
check_ok "R_ID 42 byte for byte" cmp "$T/one.bin" "$T/r1.bin"
check_ok "USEND byte for byte" cmp "$T/u.bin" "$T/ru.bin"
check_ok "the other direction byte for byte" cmp "$T/a.bin" "$T/r9.bin"

# a listener without jobs prints what comes, and says when a partner links
"$S7_BIN" partner --listen "127.0.0.1:$PORT" --count 1 >"$T/any.out" 2>&1 &
ANY=$!
_S7_PIDS+=("$ANY")
wait_listen "$PORT" || die "the listener without jobs did not listen"
"$S7_BIN" partner --connect "127.0.0.1:$PORT" --usend "5:$T/u.bin" --usend "6:$T/u.bin" \
    --usend "7:$T/u.bin" --timeout 5000 >/dev/null 2>&1
check_eq "$?" 0 "three USENDs to the listener without jobs"
for ((i = 0; i < 50; i++)); do kill -0 "$ANY" 2>/dev/null || break; sleep 0.1; done
kill "$ANY" 2>/dev/null
wait "$ANY" 2>/dev/null
check_contains "$(cat "$T/any.out")" "linked, PDU 480" "the listener without jobs says when a partner links"
check_eq "$(grep -c '^URCV R_ID' "$T/any.out")" 1 "--count 1: one block taken and printed, not the three that came"

# ... and when and why each link went: two senders one after the other, each said linked
# and lost with the reason; an active receiver says why its link went too
"$S7_BIN" partner --listen "127.0.0.1:$PORT" >"$T/two.out" 2>&1 &
ANY=$!
_S7_PIDS+=("$ANY")
wait_listen "$PORT" || die "the listener without jobs did not listen"
for r in 5 6; do
    "$S7_BIN" partner --connect "127.0.0.1:$PORT" --usend "$r:$T/u.bin" --timeout 5000 >/dev/null 2>&1
    for ((i = 0; i < 30; i++)); do
        [ "$(grep -c '^link lost' "$T/two.out")" -ge $((r - 4)) ] && break
        sleep 0.1
    done
done
kill "$ANY" 2>/dev/null
wait "$ANY" 2>/dev/null
check_eq "$(grep -c '^linked, PDU 480' "$T/two.out")" 2 "two links, each said"
check_eq "$(grep -c '^link lost: the partner closed the connection$' "$T/two.out")" 2 \
    "two losses, each said with its reason"
"$S7_BIN" partner --listen "127.0.0.1:$PORT" >/dev/null 2>&1 &
ANY=$!
_S7_PIDS+=("$ANY")
wait_listen "$PORT" || die "the listener without jobs did not listen"
"$S7_BIN" partner --connect "127.0.0.1:$PORT" --brcv "5:$T/r5.bin" --timeout 3000 >"$T/act.out" 2>&1 &
ACT=$!
for ((i = 0; i < 30; i++)); do grep -q '^linked' "$T/act.out" && break; sleep 0.1; done
kill "$ANY" 2>/dev/null
wait "$ANY" 2>/dev/null
wait "$ACT" 2>/dev/null
check_contains "$(cat "$T/act.out")" "link lost: the partner closed the connection" \
    "an active receiver says why its link went"

# failures
expect_rc() { # WANT WHAT NEEDLE CMD...
    local want="$1" what="$2" needle="$3" rc=0 o
    shift 3
    o="$("$@" 2>&1)" || rc=$?
    check_eq "$rc" "$want" "$what: exit code"
    check_contains "$o" "$needle" "$what: message"
}
expect_rc 2 "no --listen / --connect" "give --listen [ADDR][:PORT] or --connect" "$S7_BIN" partner --bsend "1:$T/a.bin"
expect_rc 2 "bad R_ID" "R_ID 'x1': a number" "$S7_BIN" partner --connect 127.0.0.1 --bsend "x1:$T/a.bin"
expect_rc 2 "R_ID:FILE missing" "give R_ID:FILE" "$S7_BIN" partner --connect 127.0.0.1 --brcv 5
expect_rc 2 "two receivers of one R_ID" "--brcv 1:$T/y1: R_ID 1 has a --brcv already (1:$T/x1): one receiver per R_ID" \
    "$S7_BIN" partner --connect 127.0.0.1 --brcv "1:$T/x1" --brcv "1:$T/y1"
expect_rc 2 "block over 65,534 bytes" "a BSEND block is 1..65534 bytes" "$S7_BIN" partner --connect 127.0.0.1 --bsend "1:$T/big.bin"
: >"$T/empty.bin"
expect_rc 2 "an empty USEND" "empty.bin has no bytes: a USEND block is 1 byte or more" "$S7_BIN" partner --connect 127.0.0.1 --usend "1:$T/empty.bin"
expect_rc 2 "missing file" "cannot read the BSEND block $T/nothere.bin: No such file or directory: give the path of an existing file" \
    "$S7_BIN" partner --connect 127.0.0.1 --bsend "1:$T/nothere.bin"
# only a regular file is read: a FIFO used to block before anything was linked, a
# directory was "has no bytes"
mkfifo "$T/blk.fifo"
expect_rc 2 "a FIFO as the block" "cannot read the BSEND block $T/blk.fifo: it is a FIFO: only a regular file is read" \
    timeout 10 "$S7_BIN" partner --connect 127.0.0.1 --bsend "1:$T/blk.fifo"
expect_rc 2 "a directory as the block" "cannot read the USEND block $T: it is a directory: only a regular file is read" \
    "$S7_BIN" partner --connect 127.0.0.1 --usend "1:$T"
expect_rc 2 "PDU out of range" "--pdu 100: must be 240..960" "$S7_BIN" partner --connect 127.0.0.1 --pdu 100
# a partner address no call dials is refused before anything is dialled, exit 3 (it was tried
# until --timeout, "host name could not be resolved"); --peer and --source take a numeric
# address only (a name or 1.2.3 in --peer matched nobody: the listener waited for no one)
expect_rc 3 "--connect 1.2.3" "--connect 1.2.3: host '1.2.3': not an IPv4 address" \
    timeout 8 "$S7_BIN" partner --connect 1.2.3 --bsend "1:$T/one.bin" --timeout 5000
expect_rc 2 "--peer 1.2.3" "--peer 1.2.3: give a numeric IPv4 or IPv6 address, e.g. 192.168.0.10 or fd00::10" \
    timeout 8 "$S7_BIN" partner --peer 1.2.3 --listen 127.0.0.1:1 --brcv "1:$T/p.bin" --timeout 500
expect_rc 2 "--source plc7" "--source plc7: give a numeric IPv4 or IPv6 address" \
    timeout 8 "$S7_BIN" partner --connect 127.0.0.1 --source plc7 --bsend "1:$T/one.bin" --timeout 500
expect_rc 2 "bad TSAPs" "LOCAL:REMOTE in hex" "$S7_BIN" partner --connect 127.0.0.1 --tsap 1000
DEAD=$(free_port) || die "no free port"
expect_rc 3 "nothing listens" "connection refused" "$S7_BIN" partner --connect "127.0.0.1:$DEAD" --bsend "1:$T/one.bin" --timeout 800
"$S7_BIN" partner --listen "127.0.0.1:$PORT" --bsend "3:$T/one.bin" --timeout 5000 >"$T/p2.out" 2>&1 &
P2=$!
_S7_PIDS+=("$P2")
wait_listen "$PORT" || die "second listener did not start"
expect_rc 1 "a BRCV that gets nothing" "BRCV R_ID 4: ERROR, nothing received within 1500 ms" \
    "$S7_BIN" partner --connect "127.0.0.1:$PORT" --brcv "4:$T/none.bin" --timeout 1500
wait "$P2" 2>/dev/null
finish
