#!/usr/bin/env bash
# What s7 says when things go wrong: each fault of the field notes gets what happened, the
# likely cause and the fix, on stderr, with the documented exit code.  Faults a Snap7 server
# cannot show (PUT/GET disabled, optimized DBs, refused CR, replies that do not conform to the
# request, malformed or implausible SZL answers ...) come from fake_plc.js; ambiguous numeric
# hosts ("1.2.3") are refused by every command.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/fake_lib.sh"

need_s7_bin
[ -n "$S7_NODE" ] || skip "node not found"


# run CMD...: runs CMD, leaves stdout+stderr in OUT and the exit code in RC.
run() {
    RC=0
    OUT=$("$@" 2>&1) || RC=$?
}

# ---------------------------------------------------------------- PUT/GET not permitted
start_fake put-get-off
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0
check_eq "$RC" 1 "81 04: exit 1"
check_contains "$OUT" "error: the CPU refused the read: PUT/GET access is not permitted (PLC error 0x8104 PUT_GET_NOT_PERMITTED" "81 04: says PUT/GET is not permitted"
check_contains "$OUT" "  cause: PUT/GET communication is not permitted on the partner CPU" "81 04: cause"
check_contains "$OUT" "  fix: enable \"Permit access with PUT/GET communication from remote partner\"" "81 04: fix names the setting"
check_contains "$OUT" "AND download the hardware configuration" "81 04: fix says download"
case "$OUT" in *"function refused"*|*"Unknown error"*) fail "81 04: no 'function refused' wording" ;; *) pass "81 04: not Snap7's 'function refused'" ;; esac
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0 MB0 --json
check_contains "$OUT" '"address": "DB1.DBW0", "type": "WORD", "value": null, "status": "put_get_not_permitted", "error": {"name": "put_get_not_permitted", "code": "0x8104"' "81 04 --json: item status"
check_contains "$OUT" '"address": "MB0", "type": "BYTE", "value": null, "status": "put_get_not_permitted"' "81 04 --json: every item"
check_contains "$OUT" '"fix": "enable \"Permit access with PUT/GET' "81 04 --json: fix"
run "$S7_BIN" write "127.0.0.1:$FAKE_PORT" DB1.DBW0=1
check_eq "$RC" 1 "81 04 on write: exit 1"
check_contains "$OUT" "the CPU refused the write: PUT/GET access is not permitted" "81 04 on write"
run "$S7_BIN" info "127.0.0.1:$FAKE_PORT"
check_eq "$RC" 0 "info on a CPU without PUT/GET: exit 0"
check_match "$OUT" "put/get +NOT permitted \(PLC error 0x8104\)" "info: PUT/GET NOT permitted"
check_match "$OUT" "identity +not supported by this CPU: PLC error 0xD402 SZL_NOT_AVAILABLE" "info: an SZL the CPU does not offer (0xD402) is 'not supported'"
case "$OUT" in *"malformed"*) fail "info: 0xD402 is not called malformed" ;; *) pass "info: 0xD402 is not called malformed" ;; esac

# ---------------------------------------------------------------- item errors (fake CPU)
start_fake optimized
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0
check_eq "$RC" 1 "optimized DB: exit 1"
check_contains "$OUT" "error: DB1.DBW0: invalid address (address out of range) (item return code 0x05 ADDRESS_OUT_OF_RANGE)" "optimized DB: 0x05 named"
check_contains "$OUT" "cause: DB1 exists but even offset 0 is out of range: it has optimized block access" "optimized DB: cause"
check_contains "$OUT" "fix: untick \"Optimized block access\" in DB1's properties" "optimized DB: fix"

start_fake missing-db
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB7.DBW0 MB0
check_eq "$RC" 1 "missing DB on the fake: exit 1"
check_contains "$OUT" "error: DB7.DBW0: object does not exist (item return code 0x0A OBJECT_NOT_FOUND)" "missing DB: 0x0A named"
check_contains "$OUT" "cause: DB7 does not exist on the CPU" "missing DB: cause"
check_contains "$OUT" "MB0 = 0" "the other item is still printed"

start_fake protected
run "$S7_BIN" write "127.0.0.1:$FAKE_PORT" MB0=1
check_eq "$RC" 1 "protected: exit 1"
check_contains "$OUT" "MB0: accessing the object not allowed (item return code 0x03 ACCESS_DENIED)" "0x03 named"
check_contains "$OUT" "cause: the CPU's protection forbids this access, or the object is read-only" "0x03 cause"

start_fake ok
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBD300 T0
check_contains "$OUT" "cause: DB1 is shorter than requested: it is 256 bytes long, DB1.DBD300 needs bytes 300..303" "past the end: DB length hint"
check_contains "$OUT" "fix: address DB1.DBB0..DBB255 only" "past the end: fix"
check_contains "$OUT" "cause: the timer (T) area is not available on this CPU (S7-1200/1500 have no T/C areas over PUT/GET)" "T area missing: cause"

start_fake pdu-exceeded
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0
check_eq "$RC" 1 "0x8500: exit 1"
check_contains "$OUT" "larger than the negotiated PDU size (PLC error 0x8500 PDU_SIZE_EXCEEDED" "0x8500 named"
check_contains "$OUT" "a library bug" "0x8500: says it is our bug"

start_fake silent
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0 --timeout 300
check_eq "$RC" 1 "no answer: exit 1"
check_contains "$OUT" "error: no reply to the read within 300 ms" "no answer: timeout named"
run "$S7_BIN" write "127.0.0.1:$FAKE_PORT" DB1.DBW0=1 --timeout 300
check_contains "$OUT" "DB1.DBW0: not written (TIMEOUT)" "no answer to a write: the item names it as the CPU's errors are named"

# ---------------------------------------------------------------- replies that do not conform
# 5 bytes for a 1-byte read (item code 0xFF, consistently coded): refused with the evidence
start_fake wrong-length
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBB0
check_eq "$RC" 1 "wrong length: exit 1"
check_contains "$OUT" "error: 127.0.0.1 answered the read with a reply that does not conform to the request: read reply, item 1 of 1 (asked: DB1 byte 0, 1 byte): at byte 14 of the S7 PDU return code 0xFF, transport size 0x04" "wrong length: what was asked and where"
check_contains "$OUT" "length 40 = 5 bytes for a 1-byte item" "wrong length: what came back"
case "$OUT" in *"DB1.DBB0 = "*) fail "wrong length: no value printed" ;; *) pass "wrong length: no value printed" ;; esac
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBB0 --json
check_contains "$OUT" '"status": "param", "error": {"name": "param", "code": null, "message": "127.0.0.1 answered the read with a reply that does not conform' "wrong length --json: status param with the evidence"
# transport size 0x04 with the length in bytes
start_fake bad-tsize
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" MB0
check_eq "$RC" 1 "0x04 in bytes: exit 1"
check_contains "$OUT" "(asked: M byte 0, 1 byte): at byte 14 of the S7 PDU return code 0xFF, transport size 0x04 (BYTE/WORD/DWORD, length in bits), length 1: the length field holds the byte count where transport size 0x04 counts bits (8 expected)" "0x04 in bytes: named"
# a malformed SZL answer is not "not supported"
start_fake bad-szl
run "$S7_BIN" info "127.0.0.1:$FAKE_PORT"
check_eq "$RC" 0 "malformed SZL: info exits 0 (it reports what it got)"
check_match "$OUT" "identity +malformed answer: SZL 0x0011 index 0x0000: the list header announces 3 records of 28 bytes \(84 bytes\), the answer carries 10 bytes of records \(truncated\)" "malformed SZL: identity says malformed, with the evidence"
check_match "$OUT" "cpu state +malformed answer: SZL 0x0424" "malformed SZL: the state too"
case "$OUT" in *"not supported"*) fail "malformed SZL: not called 'not supported'" ;; *) pass "malformed SZL: not called 'not supported'" ;; esac
run "$S7_BIN" info "127.0.0.1:$FAKE_PORT" --json
check_contains "$OUT" '"identity": {"name": "param", "code": null, "message": "malformed answer: SZL 0x0011 index 0x0000: the list header announces 3 records' "malformed SZL --json: errors.identity"
# figures no CPU reports
start_fake wild-szl
run "$S7_BIN" info "127.0.0.1:$FAKE_PORT"
check_match "$OUT" "protection +8245 \(implausible: a CPU reports protection level 1, 2 or 3\)" "wild SZL: info flags the protection level"
check_match "$OUT" "connections +32411 used of 21303 \(implausible: more than any CPU offers" "wild SZL: info flags the connection counts"

# ---------------------------------------------------------------- connection errors
start_fake close-after-cr
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0
check_eq "$RC" 3 "CR refused: exit 3"
check_contains "$OUT" "error: the CPU refused the connection request (TCP accepted, closed after the COTP CR; rack 0 slot 1, type PG, TSAPs 0100:0101)" "CR refused: what and which TSAPs"
check_contains "$OUT" "cause: wrong rack/slot or TSAP, or no free connection resource of this type" "CR refused: cause"
check_contains "$OUT" "try --rack 0 --slot 1 for S7-1200/1500, --slot 2 for S7-300" "CR refused: rack/slot hint"
check_contains "$OUT" "--type op or --type basic" "CR refused: connection type hint"
# the field notes' answer to a refused CR: s7 discover finds the working pair (with the port
# that was dialled, as the doctor's target)
check_contains "$OUT" "fix: s7 discover 127.0.0.1:$FAKE_PORT finds the rack/slot, connection type or TSAP pair the CPU accepts, and s7 doctor 127.0.0.1:$FAKE_PORT tells a wrong rack/slot from used-up connections" "CR refused: s7 discover and s7 doctor named, with the port"
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0 --tsap 0100:0200
check_contains "$OUT" "closed after the COTP CR; TSAPs 0100:0200)" "CR refused with --tsap: names the TSAPs"

start_fake close-after-setup
run "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBW0
check_eq "$RC" 3 "setup refused: exit 3"
check_match "$OUT" "error: (S7 setup communication with 127\.0\.0\.1 failed|the connection was closed by 127\.0\.0\.1)" "setup refused: explained"

port=$(free_port)
run "$S7_BIN" read "127.0.0.1:$port" DB1.DBW0
check_eq "$RC" 3 "closed port: exit 3"
check_contains "$OUT" "error: connection to 127.0.0.1 port $port refused (TCP reset or ICMP port unreachable)" "closed port: what (an ICMP port unreachable, iptables REJECT's answer, is refused too)"
check_contains "$OUT" "cause: port $port was refused by 127.0.0.1: nothing listens on that port there (wrong IP address, or the address is not the one of the CPU's or CP's Ethernet interface), or a firewall on the path rejects the port" "closed port: cause (a firewall's reject looks the same: both named)"
check_contains "$OUT" "fix: s7 doctor 127.0.0.1:$port tells which and names who acts" "closed port: the doctor tells which (at the port that was refused, not 102)"
run "$S7_BIN" read "127.0.0.1:$port" DB1.DBW0 --json
check_contains "$OUT" '{"error": {"name": "refused", "code": null, "message": "connection to 127.0.0.1 port' "closed port --json: the error object"
run "$S7_BIN" info "[::1]:$port"
check_eq "$RC" 3 "IPv6 literal target parsed (closed port)"
check_match "$OUT" "error: (connection to ::1 port $port refused|::1 port $port unreachable|socket error)" "IPv6: explained"

run "$S7_BIN" read no-such-host.invalid DB1.DBW0 --timeout 2000
check_eq "$RC" 3 "unknown host: exit 3"
check_contains "$OUT" "cannot resolve host 'no-such-host.invalid'" "unknown host: what"

# ambiguous numeric hosts are refused before anything is dialled (inet_aton reads 1.2.3 as
# 1.2.0.3): by every command, with what would be right
for cmd in read info doctor; do
    args=()
    [ "$cmd" = read ] && args=(MB0)
    run "$S7_BIN" "$cmd" 1.2.3 "${args[@]}"
    check_eq "$RC" 3 "1.2.3: $cmd exits 3"
    check_contains "$OUT" "host '1.2.3': not an IPv4 address (four numbers 0..255 separated by dots, e.g. 192.168.0.1) and not a host name" "1.2.3: $cmd refuses it"
    check_contains "$OUT" "would have dialled 1.2.0.3" "1.2.3: $cmd says what would have been dialled"
done
run "$S7_BIN" read 010.1.1.1 MB0
check_contains "$OUT" "write 10.1.1.1 if that address is meant" "010.1.1.1: leading zeros named"
run "$S7_BIN" info 0x7f.1 --json
check_contains "$OUT" '{"error": {"name": "resolve", "code": null, "message": "host '"'"'0x7f.1'"'"': not an IPv4 address' "0x7f.1 --json: the error object"
run "$S7_BIN" read 1.2.3.4.5 MB0
check_contains "$OUT" "host '1.2.3.4.5': not an IPv4 address" "1.2.3.4.5 refused"
run "$S7_BIN" discover 1.2
check_eq "$RC" 3 "1.2: discover exits 3"
check_contains "$OUT" "host '1.2': not an IPv4 address" "1.2: discover refuses it"

# ---------------------------------------------------------------- the Snap7 server
if [ -f "$NODE_PATH/node-snap7/build/Release/node_snap7.node" ]; then
    start_snap7 --fixture standard
    T="127.0.0.1:$SNAP7_PORT"
    run "$S7_BIN" read "$T" DB99.DBW0
    check_eq "$RC" 1 "Snap7 DB99: exit 1"
    check_contains "$OUT" "error: DB99.DBW0: object does not exist (item return code 0x0A OBJECT_NOT_FOUND)" "Snap7 DB99: 0x0A"
    check_contains "$OUT" "cause: DB99 does not exist on the CPU" "Snap7 DB99: cause"
    run "$S7_BIN" read "$T" DB2.DBW4
    check_eq "$RC" 1 "Snap7 DB2 past its end: exit 1"
    check_contains "$OUT" "(item return code 0x05 ADDRESS_OUT_OF_RANGE)" "Snap7 DB2: 0x05"
    check_contains "$OUT" "cause: DB2 is shorter than requested: it is 5 bytes long, DB2.DBW4 needs bytes 4..5" "Snap7 DB2: the DB's length"
    run "$S7_BIN" read "$T" PIW0
    check_contains "$OUT" "cause: the peripheral (P) area is not available on this CPU" "Snap7 P area: not available"
else
    pass "node-snap7 not installed: Snap7 error cases skipped"
fi

# ---------------------------------------------------------------- bad addresses
run "$S7_BIN" read 127.0.0.1 M1.8
check_eq "$RC" 2 "bad address: exit 2"
check_contains "$OUT" "error: bad address 'M1.8': bit number 8 in 'M1.8' must be 0..7" "bad bit names the wrong part"
run "$S7_BIN" read 127.0.0.1 DB1.DBW
check_contains "$OUT" "error: bad address 'DB1.DBW': " "missing offset named"
run "$S7_BIN" read 127.0.0.1 MW0:REAL
check_eq "$RC" 2 "type that does not fit: exit 2"
check_contains "$OUT" "error: bad address 'MW0:REAL': " "type mismatch named"
run "$S7_BIN" read 127.0.0.1 MB0 XB3 DB1.DBW0
check_eq "$RC" 2 "one bad address among good ones: exit 2"
check_contains "$OUT" "bad address 'XB3'" "the bad one is named"

# ---------------------------------------------------------------- a write that lands in part
# 30 words at PDU 240 go out in three Write Var jobs; the peer refuses the second (0x8500):
# every item is reported, written or not, and a summary says how many landed.
start_fake refuse-second-write
args=()
for ((i = 0; i < 60; i += 2)); do args+=("DB1.DBW$i=$i"); done
rc=0
"$S7_BIN" write "127.0.0.1:$FAKE_PORT" "${args[@]}" --pdu 240 >"$S7_TEST_TMP/w.out" 2>"$S7_TEST_TMP/w.err" || rc=$?
check_eq "$rc" 1 "partly refused write: exit 1"
check_eq "$(grep -c ' (written)$' "$S7_TEST_TMP/w.out")" 18 "partly refused write: the 18 items of the answered jobs written"
check_eq "$(grep -c ': not written (PDU_SIZE_EXCEEDED 0x8500)$' "$S7_TEST_TMP/w.out")" 12 \
    "partly refused write: the 12 items of the refused job named, with the code"
check_contains "$(cat "$S7_TEST_TMP/w.err")" "18 of 30 items written, 12 not written" "partly refused write: summary"
check_contains "$(cat "$S7_TEST_TMP/w.err")" "fix: " "partly refused write: the refusal's fix"
out=$("$S7_BIN" write "127.0.0.1:$FAKE_PORT" "${args[@]}" --pdu 240 --json 2>/dev/null)
check_eq "$(printf '%s\n' "$out" | grep -c '"status": "ok"')" 18 "partly refused write --json: 18 items ok"
check_eq "$(printf '%s\n' "$out" | grep -c '"code": "0x8500"')" 12 "partly refused write --json: 12 items with the refusal"

finish
