#!/usr/bin/env bash
# s7 doctor produces every verdict it can on loopback, for real: against s7kit's CPU
# emulator configured with the fault (PUT/GET off, a missing, an optimized or a short DB, an
# area or DB with access none, a read-only DB, a full connection budget, a CPU in another
# slot (S7-300 at slot 2, S7-400 at slot 5, an S7-400H CPU in rack 1), a LOGO! addressed by
# rack/slot, a CPU stopped for a while: late_answer), against a
# closed loopback port, a TCP listener that never answers the CR, a name that does not
# resolve, and fake_plc.js closing the connection after the setup request (the emulator
# always answers the setup: negotiation_failed) or never answering reads (peer_error), and fake_plc.js sending replies that do not conform
# (5 bytes for a 1-byte read, transport size 0x04 counted in bytes, a truncated SZL list:
# peer_error with the evidence, never access_denied or ok) or SZL figures no CPU reports
# (shown as implausible, no verdict drawn from them); an ambiguous host (1.2.3) is refused
# at the resolve step.  Each case asserts the
# verdict (text and --json), the exit code, the failing check's id, the fix text and the
# evidence; the ok case asserts the summary (identity, PDU, capacity, DB lengths).
# port_filtered and no_route need network namespaces: test_doctor_netns.sh (and the other
# network verdicts test_doctor_netns_router.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/fake_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"

# doc ARGS...: s7 doctor ARGS --json; the JSON in JS, the exit code in RC; text run too
# (TXT, TRC) with the same arguments.
doc() {
    RC=0
    JS="$("$S7_BIN" doctor "$@" --json 2>"$S7_TEST_TMP/doc.err")" || RC=$?
    TRC=0
    TXT="$("$S7_BIN" doctor "$@" 2>&1)" || TRC=$?
}

# jq EXPR: evaluate a Python expression over the last JSON (d); prints the result.
jq() {
    printf '%s' "$JS" | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = next((c for c in d["checks"] if c["status"] == "fail"), None)
r = eval(sys.argv[1])
print(r if not isinstance(r, bool) else ("true" if r else "false"))' "$1" 2>&1
}

# expect VERDICT EXIT CHECK FIX_SUBSTRING WHAT: the common assertions of a failing case.
expect() {
    local v="$1" code="$2" id="$3" fixtext="$4" what="$5"
    check_eq "$(jq 'd["verdict"]')" "$v" "$what: verdict $v (json)"
    check_eq "$RC" "$code" "$what: exit $code (json)"
    check_eq "$TRC" "$code" "$what: exit $code (text)"
    check_contains "$TXT" "verdict: $v" "$what: verdict in the text"
    check_eq "$(jq 'f["id"]')" "$id" "$what: failing check $id"
    check_eq "$(jq 'd["failed_check"]')" "$id" "$what: failed_check"
    check_contains "$(jq 'f["fix"]')" "$fixtext" "$what: the fix says '$fixtext'"
    check_contains "$TXT" "  fix: " "$what: fix line in the text"
    check_eq "$(jq 'all(set(c) >= {"id","status","detail","cause","fix"} and c["status"] in ("pass","fail","skip") for c in d["checks"])')" \
        true "$what: every check has id, status, detail, cause, fix"
    check_eq "$(jq 'sum(1 for c in d["checks"] if c["status"] == "fail") >= 1')" true "$what: one check failed"
}

# ---------------------------------------------------------------- ok
start_s7server --profile s7-1500 --put-get on --db 5:64 --db 6:200 --max-conn total=40
doc "$S7SRV_ADDR" --db 5:64 --db 6
check_eq "$(jq 'd["verdict"]')" ok "ok: verdict ok"
check_eq "$RC" 0 "ok: exit 0"
check_eq "$TRC" 0 "ok: exit 0 (text)"
check_eq "$(jq '[c["id"] for c in d["checks"]]')" \
    "['resolve', 'tcp', 'cotp', 'setup', 'identity', 'protection', 'put_get', 'db:5', 'db:6', 'full_pdu']" \
    "ok: the ladder in order"
check_eq "$(jq 'all(c["status"] == "pass" for c in d["checks"])')" true "ok: every check passes"
check_eq "$(jq 'd["cpu"]["order_code"]')" "6ES7 516-3AN02-0AB0" "ok: identity (order code)"
check_eq "$(jq 'd["cpu"]["firmware"]')" "V2.9.4" "ok: identity (firmware)"
check_eq "$(jq 'd["cpu"]["state"]')" run "ok: CPU state"
check_eq "$(jq 'd["session"]["pdu"]')" 960 "ok: PDU"
check_eq "$(jq 'd["session"]["amq"]')" 8 "ok: AmQ"
check_eq "$(jq 'd["connections"]["max"]')" 40 "ok: connection capacity (--max-conn total=40)"
check_eq "$(jq 'd["connections"]["used"]')" 1 "ok: connections in use (the doctor's own)"
check_eq "$(jq 'd["protection"]["level"]')" 1 "ok: protection level"
check_eq "$(jq 'd["put_get"]')" true "ok: PUT/GET permitted"
check_eq "$(jq '[(t["db"], t["length"], t["verdict"]) for t in d["targets"]]')" \
    "[(5, 64, 'ok'), (6, 200, 'ok')]" "ok: each DB's length"
check_match "$TXT" "✓ tcp +[0-9]+ ms" "ok: ✓ lines with timings"
check_match "$TXT" "DB6 +200 bytes" "ok: DB summary in the text"
check_contains "$TXT" "6ES7 516-3AN02-0AB0" "ok: identity in the text"
check_match "$TXT" "connections +1 in use of 40" "ok: capacity and use in the text"
# the emulator logs each close: every connection the doctor opened was closed
sleep 0.2
n_conn=$(grep -c "connected 127.0.0.1" "$S7SRV_LOG" || true)
n_closed=$(grep -cE "closed 127\.0\.0\.1:[0-9]+: closed by the client$" "$S7SRV_LOG" || true)
check_eq "$n_closed" "$n_conn" "ok: every connection the doctor opened is closed ($n_conn)"

# ---------------------------------------------------------------- db_too_short, db_missing, db_optimized
doc "$S7SRV_ADDR" --db 5:100
expect db_too_short 1 db:5 "at least 100 bytes" "db_too_short"
check_eq "$(jq 'd["targets"][0]["length"]')" 64 "db_too_short: the real length 64"
check_contains "$(jq 'f["detail"]')" "DB5 is 64 bytes long" "db_too_short: the real length in the detail"
check_contains "$(jq 'f["detail"]')" "100 bytes required" "db_too_short: the required length in the detail"
check_eq "$(jq 'f["frames"][-1]["hex"][-8:]')" "05000000" "db_too_short: evidence: the answer's item code 0x05"
check_eq "$(jq 'f["frames"][0]["dir"]')" out "db_too_short: evidence starts with the request"

doc "$S7SRV_ADDR" --db 9
expect db_missing 1 db:9 "download DB9" "db_missing"
check_eq "$(jq 'f["frames"][-1]["hex"][-8:]')" "0a000000" "db_missing: evidence: item code 0x0A"

stop_s7server
start_s7server --profile s7-1500 --put-get on --db 1:16 --db 2:64:optimized
doc "$S7SRV_ADDR" --db 1 --db 2
expect db_optimized 1 db:2 "Optimized block access" "db_optimized"
check_eq "$(jq 'f["frames"][-1]["hex"][-8:]')" "05000000" "db_optimized: evidence: item code 0x05 at offset 0"
check_eq "$(jq '[c["status"] for c in d["checks"]][7:9]')" "['pass', 'fail']" "db_optimized: DB1 passes, DB2 fails"

# ---------------------------------------------------------------- put_get_disabled
stop_s7server
start_s7server --profile s7-1500 --put-get off --db 1:16
doc "$S7SRV_ADDR" --db 1
expect put_get_disabled 1 put_get "Permit access with PUT/GET communication from remote partner" "put_get_disabled"
check_contains "$(jq 'f["fix"]')" "download the hardware configuration" "put_get_disabled: fix says download the HW config"
check_eq "$(jq 'f["frames"][-1]["hex"][14:18]')" 3202 "put_get_disabled: evidence: an Ack (ROSCTR 2)"
check_eq "$(jq 'f["frames"][-1]["len"]')" 19 "put_get_disabled: evidence: the 19-byte Ack"
check_eq "$(jq 'f["frames"][-1]["hex"][-4:]')" 8104 "put_get_disabled: evidence: error 81 04"
check_eq "$(jq 'd["put_get"]')" false "put_get_disabled: put_get false"
check_eq "$(jq 'd["cpu"]["order_code"]')" "6ES7 516-3AN02-0AB0" "put_get_disabled: identity still read (SZL is served)"
check_eq "$(jq '[c["status"] for c in d["checks"]]')" \
    "['pass', 'pass', 'pass', 'pass', 'pass', 'pass', 'fail', 'skip', 'skip']" "put_get_disabled: the ladder stops at put_get"

# ---------------------------------------------------------------- access_denied (for real: access none / read-only)
cat >"$S7_TEST_TMP/acc.yaml" <<'EOF'
profile: s7-1500
put_get: true
dbs:
  - {number: 1, size: 16}
  - {number: 8, size: 32, access: none}
  - {number: 9, size: 32, read_only: true}
areas:
  M: {size: 64, access: none}
EOF
stop_s7server
start_s7server --config "$S7_TEST_TMP/acc.yaml"
doc "$S7SRV_ADDR" --db 1 --db 8
expect access_denied 1 db:8 "allow partner access to DB8" "access_denied (DB access none)"
check_eq "$(jq 'f["frames"][-1]["hex"][-8:]')" "03000000" "access_denied: evidence: item code 0x03"
doc "$S7SRV_ADDR" --db 9:32 --allow-write
expect access_denied 1 db:9:write "write protection (or the read-only" "access_denied (write to a read-only DB)"
check_eq "$(jq 'd["targets"][0]["writable"]')" false "access_denied: DB9 not writable"
doc "$S7SRV_ADDR" --db 1:16 --allow-write
check_eq "$(jq 'd["verdict"]')" ok "write check: DB1 accepts the write-back"
check_eq "$(jq 'd["targets"][0]["writable"]')" true "write check: DB1 writable"
doc "$S7SRV_ADDR" --area M:8
expect access_denied 1 area:M "allow partner access to the M area" "access_denied (M area access none)"

# ---------------------------------------------------------------- area_missing, area_too_short
doc "$S7SRV_ADDR" --area T
expect area_missing 1 area:T "read the DB instead" "area_missing (no timers on an S7-1500)"
doc "$S7SRV_ADDR" --area Q:2000
expect area_too_short 1 area:Q "elements 0..1023" "area_too_short (Q is 1024 bytes)"
check_eq "$(jq 'd["targets"][0]["length"]')" 1024 "area_too_short: the real size"

# ---------------------------------------------------------------- cr_rejected: resources exhausted
stop_s7server
start_s7server --profile s7-1500 --put-get on --db 1:16 --max-conn pg=1
# one PG connection held by a client: the PG budget is full
"$S7_BIN" watch "$S7SRV_ADDR" DB1.DBB0 --every 500 >"$S7_TEST_TMP/watch.out" 2>&1 &
WATCH=$!
on_exit "kill $WATCH 2>/dev/null; wait $WATCH 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    grep -q "DB1.DBB0" "$S7_TEST_TMP/watch.out" && break
    sleep 0.05
done
check_contains "$(cat "$S7_TEST_TMP/watch.out")" "DB1.DBB0 = " "resources: a PG connection is held"
doc "$S7SRV_ADDR" --db 1
expect cr_rejected 3 cotp "--type op" "cr_rejected (PG budget full)"
check_eq "$(jq 'd["cr"]["cause"]')" resources_exhausted "resources: cause resources_exhausted"
check_eq "$(jq 'd["cr"]["use"]')" "--rack 0 --slot 1 --type op" "resources: another type works: OP"
check_contains "$(jq 'f["cause"]')" "connection resources exhausted" "resources: the cause says resources exhausted"
check_contains "$(jq 'f["cause"]')" "all its PG connection resources are in use" "resources: names the PG pool"
check_contains "$TXT" "other TSAPs tried (resources_exhausted)" "resources: the alternatives in the text"
check_eq "$(jq 'f["frames"][0]["hex"][10:12]')" e0 "resources: evidence: the CR"
check_eq "$(jq 'f["frames"][-1]["dir"]')" out "resources: evidence: no answer to the CR"
check_ok "resources: the server logged the refusal" s7srv_log_has "no free PG connection"
kill "$WATCH" 2>/dev/null
wait "$WATCH" 2>/dev/null
# the OP connection suggested works
sleep 0.2
doc "$S7SRV_ADDR" --db 1 --type op
check_eq "$(jq 'd["verdict"]')" ok "resources: with --type op the doctor says ok"

# ---------------------------------------------------------------- a CPU that answers late
# The emulator stopped (SIGSTOP: the kernel still accepts TCP, nobody answers the CR) and
# let go 1.8 s after the doctor's connection shows: the CR asked for timed out (1 s), the
# next one (OP, up to 2 s) or the one after it (S7 basic, up to 3 s) was answered once the
# CPU went on (the CONT may come 0.8 s early or 1.2 s late). Not a full PG pool: the doctor
# sends the PG request again, it is accepted, and the verdict says the partner answered late.
stop_s7server
start_s7server --profile s7-1500 --put-get on --db 1:16
HAVE_SS=0
command -v ss >/dev/null 2>&1 && HAVE_SS=1
kill -STOP "$S7SRV_PID"
RC=0
"$S7_BIN" doctor "$S7SRV_ADDR" --db 1 --timeout 1000 --json >"$S7_TEST_TMP/late.json" 2>&1 &
DOC=$!
for ((i = 0; i < 100 && HAVE_SS; i++)); do # the doctor's connection (it dials at once)
    ss -tn state established "( dport = :$S7SRV_PORT )" 2>/dev/null | grep -q "$S7SRV_PORT" && break
    sleep 0.02
done
sleep 1.8
kill -CONT "$S7SRV_PID"
wait "$DOC" || RC=$?
JS="$(cat "$S7_TEST_TMP/late.json")"
check_eq "$(jq 'd["verdict"]')" cr_rejected "late: verdict cr_rejected (the CR asked for went unanswered)"
check_eq "$RC" 3 "late: exit 3"
check_eq "$(jq 'd["cr"]["cause"]')" late_answer "late: cause late_answer, not resources_exhausted"
check_eq "$(jq 'd["cr"]["use"]')" None "late: no other TSAP to use"
check_contains "$(jq 'f["cause"]')" "the partner answers late" "late: the cause says so"
check_contains "$(jq 'f["cause"]')" "TSAP and connection resources are fine" "late: and rules out the pool"
check_contains "$(jq 'f["fix"]')" "run the check again" "late: the fix"

# ---------------------------------------------------------------- cr_rejected: every resource in use
stop_s7server
start_s7server --profile s7-1500 --put-get on --db 1:16 --max-conn total=0 --quiet
doc "$S7SRV_ADDR"
expect cr_rejected 3 cotp "free connections" "cr_rejected (no connection at all)"
check_eq "$(jq 'd["cr"]["cause"]')" all_refused "all refused: cause all_refused"
check_eq "$(jq 'd["cr"]["use"]')" None "all refused: nothing to use"
check_eq "$(jq 'len(d["cr"]["alternatives"]) >= 8')" true "all refused: the alternatives were tried"
check_eq "$(jq 'sorted(set((a["rack"], a["slot"]) for a in d["cr"]["alternatives"] if a["kind"] == "rackslot"))')" \
    "[(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (1, 3), (1, 4), (1, 5)]" \
    "all refused: rack 0 slots 0..5 and rack 1 slots 2..5 tried"
check_contains "$(jq 'f["cause"]')" "rack 0 slots 0 to 5 and rack 1 slots 2 to 5" "all refused: the cause names what was tried"

# ---------------------------------------------------------------- cr_rejected: wrong TSAP
stop_s7server
start_s7server --profile s7-300 --db 1:16
doc "$S7SRV_ADDR" --db 1
expect cr_rejected 3 cotp "--rack 0 --slot 2 --type pg" "cr_rejected (CPU in slot 2)"
check_eq "$(jq 'd["cr"]["cause"]')" wrong_tsap "wrong TSAP: cause wrong_tsap"
check_eq "$(jq 'd["cr"]["use"]')" "--rack 0 --slot 2 --type pg" "wrong TSAP: slot 2 works"
check_contains "$(jq 'f["cause"]')" "wrong rack/slot or TSAP" "wrong TSAP: the cause says wrong rack/slot"
check_contains "$(jq 'f["cause"]')" "sits at rack 0 slot 2" "wrong TSAP: the cause names the slot"
check_eq "$(jq '[a["args"] for a in d["cr"]["alternatives"] if a["result"] == "accepted"]')" \
    "['--rack 0 --slot 2 --type pg']" "wrong TSAP: only slot 2 PG accepted among those tried"
doc "$S7SRV_ADDR" --db 1 --slot 2
check_eq "$(jq 'd["verdict"]')" ok "wrong TSAP: with --slot 2 the doctor says ok"
check_eq "$(jq 'd["session"]["pdu"]')" 240 "wrong TSAP: S7-300 PDU 240"
doc "$S7SRV_ADDR" --no-alternatives
check_eq "$(jq 'd["cr"]["cause"]')" not_probed "--no-alternatives: not probed"
check_eq "$(jq 'len(d["cr"]["alternatives"])')" 0 "--no-alternatives: nothing else tried"
check_contains "$(jq 'f["fix"]')" "s7 discover" "--no-alternatives: the fix points to s7 discover"

# a LOGO! addressed by rack/slot: the doctor finds its TSAP pair
stop_s7server
start_s7server --profile logo8
doc "$S7SRV_ADDR" --slot 3
expect cr_rejected 3 cotp "--tsap 0100:0200" "cr_rejected (LOGO! by rack/slot)"
check_contains "$(jq 'f["cause"]')" "it is a LOGO!" "LOGO!: the cause says LOGO!"
check_eq "$(jq 'd["cpu"]["order_code"][:4]')" 6ED1 "LOGO!: the identity read over the accepted TSAP"
check_contains "$TXT" "the CPU answering there: LOGO!" "LOGO!: the identity in the text"

# an S7-400 whose CPU sits at slot 5 (after a power supply of four slots) and the second CPU
# of an S7-400H in rack 1: the slot is named, not the connection resources
stop_s7server
start_s7server --profile s7-400 --rack 0 --slot 5 --db 1:16
doc "$S7SRV_ADDR" --db 1
expect cr_rejected 3 cotp "--rack 0 --slot 5 --type pg" "cr_rejected (S7-400 CPU in slot 5)"
check_eq "$(jq 'd["cr"]["cause"]')" wrong_tsap "S7-400 slot 5: cause wrong_tsap"
check_contains "$(jq 'f["cause"]')" "sits at rack 0 slot 5" "S7-400 slot 5: the cause names the slot"
check_eq "$(jq 'any(a["rack"] == 1 for a in d["cr"]["alternatives"])')" false "S7-400 slot 5: rack 1 not tried after slot 5 was accepted"
doc "$S7SRV_ADDR" --db 1 --slot 2
check_eq "$(jq 'd["cr"]["use"]')" "--rack 0 --slot 5 --type pg" "S7-400 slot 5, asked slot 2: slot 5 works"
stop_s7server
start_s7server --profile s7-400 --rack 1 --slot 3 --db 1:16
doc "$S7SRV_ADDR" --db 1 --slot 3
expect cr_rejected 3 cotp "--rack 1 --slot 3 --type pg" "cr_rejected (S7-400H CPU in rack 1)"
check_eq "$(jq 'd["cr"]["cause"]')" wrong_tsap "S7-400H rack 1: cause wrong_tsap"
check_contains "$(jq 'f["cause"]')" "sits at rack 1 slot 3" "S7-400H rack 1: the cause names rack and slot"
doc "$S7SRV_ADDR" --db 1 --rack 1 --slot 3
check_eq "$(jq 'd["verdict"]')" ok "S7-400H rack 1: with --rack 1 --slot 3 the doctor says ok"
# the usual layouts cost no more attempts: an S7-300 asked for slot 1 (A: 2, B: 3 + 3 pairs)
stop_s7server
start_s7server --profile s7-300 --db 1:16
doc "$S7SRV_ADDR" --db 1
check_eq "$(jq 'len(d["cr"]["alternatives"])')" 8 "S7-300 asked slot 1: the 8 usual alternatives, not the S7-400 places"

# ---------------------------------------------------------------- port_closed
port=$(free_port) || die "no free port"
doc "127.0.0.1:$port"
expect port_closed 3 tcp "S7 listens on TCP port 102" "port_closed"
check_contains "$(jq 'f["detail"]')" "RST" "port_closed: the detail says RST"
check_eq "$(jq '[c["status"] for c in d["checks"]]')" \
    "['pass', 'fail', 'skip', 'skip', 'skip', 'skip', 'skip', 'skip']" "port_closed: the ladder stops at tcp"

# ---------------------------------------------------------------- fake_plc.js: negotiation_failed, peer_error
if [ -n "$S7_NODE" ]; then
    # the emulator always answers the setup: fake_plc.js closes the connection instead
    start_fake close-after-setup
    doc "127.0.0.1:$FAKE_PORT"
    expect negotiation_failed 3 setup "--pdu 240" "negotiation_failed"
    check_eq "$(jq 'd["checks"][2]["status"]')" pass "negotiation_failed: the CR was accepted"
    check_eq "$(jq 'f["frames"][-1]["hex"][14:16]')" 32 "negotiation_failed: evidence: the setup request"
    # a partner that stops answering after the setup (fake_plc.js never answers reads)
    start_fake silent
    doc "127.0.0.1:$FAKE_PORT" --timeout 500 --db 1
    expect peer_error 3 put_get "--trace" "peer_error (no answer to the read)"
    check_contains "$(jq 'f["detail"]')" "no answer within 500 ms" "peer_error: the detail says no answer"
    check_eq "$(jq 'd["checks"][4]["status"]')" skip "peer_error: identity not answered (skip)"

    # replies that do not conform to what was asked: peer_error with the evidence, never a
    # protection verdict, never ok (the doctor decodes through the client, as s7 read does)
    start_fake wrong-length
    doc "127.0.0.1:$FAKE_PORT" --db 1
    expect peer_error 3 put_get "--trace" "wrong length (5 bytes for a 1-byte read)"
    check_contains "$(jq 'f["detail"]')" "DB1.DBB0: the answer does not conform to the request: read reply, item 1 of 1 (asked: DB1 byte 0, 1 byte): at byte 14 of the S7 PDU return code 0xFF, transport size 0x04" "wrong length: what was asked, where (json)"
    check_contains "$(jq 'f["detail"]')" "length 40 = 5 bytes for a 1-byte item" "wrong length: what came back (json)"
    check_contains "$TXT" "length 40 = 5 bytes for a 1-byte item" "wrong length: the evidence in the text"
    check_eq "$(jq 'f["frames"][-1]["hex"][42:50]')" ff040028 "wrong length: evidence frame: item header FF 04 00 28"
    case "$JS$TXT" in *access_denied*|*"item code 0x00"*) fail "wrong length: no access_denied, no item code 0x00" ;; *) pass "wrong length: no access_denied, no item code 0x00" ;; esac
    check_eq "$(jq 'd["put_get"]')" None "wrong length: PUT/GET not judged from it"
    # the same peer asked for a DB only through the DB check (no DB in the probe's way)
    doc "127.0.0.1:$FAKE_PORT" --area M
    check_eq "$(jq 'd["verdict"]')" peer_error "wrong length, --area M: peer_error"
    check_contains "$(jq 'f["detail"]')" "(asked: M byte 0, 1 byte)" "wrong length, --area M: the probe's evidence"

    start_fake bad-tsize
    doc "127.0.0.1:$FAKE_PORT" --db 1
    expect peer_error 3 put_get "--trace" "transport size 0x04 with the length in bytes"
    check_contains "$(jq 'f["detail"]')" "length 1: the length field holds the byte count where transport size 0x04 counts bits (8 expected)" "bad tsize: the field that is wrong (json)"
    check_contains "$TXT" "counts bits (8 expected)" "bad tsize: the evidence in the text"
    rrc=0
    "$S7_BIN" read "127.0.0.1:$FAKE_PORT" DB1.DBB0 >/dev/null 2>&1 || rrc=$?
    check_ne "$rrc" 0 "bad tsize: s7 read refuses the same reply the doctor refuses"

    # a malformed SZL answer: peer_error at the identity step, with the evidence
    start_fake bad-szl
    doc "127.0.0.1:$FAKE_PORT" --db 1
    expect peer_error 3 identity "--trace" "malformed SZL answer"
    check_contains "$(jq 'f["detail"]')" "SZL 0x0011 index 0x0000: the list header announces 3 records of 28 bytes (84 bytes), the answer carries 10 bytes of records (truncated)" "malformed SZL: the evidence (json)"

    # figures no CPU reports: shown as implausible with the raw value, not read into
    start_fake wild-szl
    doc "127.0.0.1:$FAKE_PORT" --db 1
    check_eq "$(jq 'd["verdict"]')" ok "wild SZL: the reads work, the verdict is not built on the SZL figures"
    check_eq "$(jq 'd["checks"][5]["status"]')" skip "wild SZL: the protection check is not passed on implausible figures"
    check_contains "$(jq 'd["checks"][5]["detail"]')" "not used, the CPU's answer is implausible: protection level 8245 (implausible: a CPU reports protection level 1, 2 or 3)" "wild SZL: the level flagged with its raw value (json)"
    check_contains "$(jq 'd["checks"][5]["detail"]')" "connections: 21303 at most (implausible: more than any CPU offers: the largest offer 384), 32411 in use" "wild SZL: the connection counts flagged (json)"
    case "$(jq 'd["checks"][5]["detail"]')" in *"read/write protection"*|*"no protection"*) fail "wild SZL: no protection wording for 8245" ;; *) pass "wild SZL: no protection wording for 8245" ;; esac
    check_eq "$(jq 'd["protection"]["level"]')" 8245 "wild SZL: the raw level kept"
    check_eq "$(jq '[(i["field"], i["value"]) for i in d["implausible"]]')" \
        "[('protection.level', 8245), ('connections.max', 21303), ('connections.used', 32411)]" "wild SZL: the implausible list (json)"
    check_match "$TXT" "protection +level 8245 \(implausible: a CPU reports protection level 1, 2 or 3\)" "wild SZL: the summary flags the level"
    check_match "$TXT" "connections +32411 in use \(implausible: [^)]*\) of 21303 \(implausible: " "wild SZL: the summary flags the counts"
    check_contains "$TXT" "but the CPU's protection and resource figures are implausible" "wild SZL: the ok verdict says what it does not cover"
else
    fail "negotiation_failed / peer_error: node not found (fake_plc.js)"
fi

# py_listener MODE: a listener on a free port (FAKE_P) in the background (FAKE_PID), up
# when this returns; it ends with this script.  MODE silent: takes connections, never
# answers; gone: closes the first connection that sends bytes (the CR) and stops listening
# (a CPU that restarts); http / echo: answers each connection's first bytes with an HTTP
# error / with the same bytes (another service on the port)
py_listener() {
    FAKE_P=$(free_port) || die "no free port"
    python3 -c '
import os, socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(16); s.settimeout(0.5)
mode, held, ppid = sys.argv[2], [], os.getppid()
while os.getppid() == ppid:
    try:
        c = s.accept()[0]
    except socket.timeout:
        continue
    if mode == "silent":
        held.append(c)
        continue
    c.settimeout(2)
    try:
        d = c.recv(4096)
        if mode in ("http", "echo"):
            c.sendall(d if mode == "echo" else b"HTTP/1.0 400 Bad Request\r\n\r\n")
    except OSError:
        d = b""
    c.close()
    if mode == "gone" and d:
        s.close()
        break
' "$FAKE_P" "$1" &
    FAKE_PID=$!
    on_exit "kill $FAKE_PID 2>/dev/null; wait $FAKE_PID 2>/dev/null"
    for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$FAKE_P") 2>/dev/null && break; sleep 0.05; done
}

# ---------------------------------------------------------------- cr_rejected: a partner that never answers the CR
py_listener silent
sport=$FAKE_P
t0=$(date +%s%N)
doc "127.0.0.1:$sport" --timeout 400
t1=$(date +%s%N)
expect cr_rejected 3 cotp "nothing else" "cr_rejected (no answer to the CR)"
check_contains "$(jq 'f["cause"]')" "never answers a COTP connection request" "silent: the cause says the CR is never answered"
check_eq "$(jq 'len(d["cr"]["alternatives"]) <= 2')" true "silent: stops asking after two unanswered CRs"
check_eq "$(( (t1 - t0) / 1000000 < 6000 ))" 1 "silent: done within a few timeouts (two runs)"

# ---------------------------------------------------------------- cr_rejected: the partner went away
# a partner that takes the connection request's TCP connection, closes it and stops
# listening (a CPU that restarts while the doctor asks): not "every connection request
# refused, all resources in use" but partner_gone (one fake per run: JSON, then text)
py_listener gone
RC=0
JS="$("$S7_BIN" doctor "127.0.0.1:$FAKE_P" --timeout 500 --json 2>"$S7_TEST_TMP/doc.err")" || RC=$?
wait "$FAKE_PID" 2>/dev/null
py_listener gone
TRC=0
TXT="$("$S7_BIN" doctor "127.0.0.1:$FAKE_P" --timeout 500 2>&1)" || TRC=$?
wait "$FAKE_PID" 2>/dev/null
expect cr_rejected 3 cotp "check again in a moment" "cr_rejected (the partner went away after the CR)"
check_eq "$(jq 'd["cr"]["cause"]')" partner_gone "gone: cr.cause partner_gone"
check_contains "$(jq 'f["cause"]')" "the partner went away during the check" "gone: the cause says it went away"
check_lacks "$(jq 'f["cause"]')" "connection resources are in use" "gone: no connection resources blamed"
check_eq "$(jq 'len(d["cr"]["alternatives"]) > 2 and all(a["result"] in ("refused", "connect_timeout") for a in d["cr"]["alternatives"][-2:])')" true "gone: the last alternatives failed at TCP"

# ---------------------------------------------------------------- cr_rejected: not ISO-on-TCP
# another service on the port (one that answers with HTTP, an echo that sends the CR back):
# not an S7 CPU, so no TSAPs are tried and no connection resources blamed
for mode in http echo; do
    py_listener "$mode"
    oport=$FAKE_P
    doc "127.0.0.1:$oport"
    expect cr_rejected 3 cotp "s7 scan finds the S7 CPUs" "cr_rejected ($mode on the port)"
    check_eq "$(jq 'd["cr"]["cause"]')" not_iso_on_tcp "$mode: cr.cause not_iso_on_tcp"
    check_eq "$(jq 'len(d["cr"]["alternatives"])')" 0 "$mode: no TSAPs tried"
    check_lacks "$(jq 'f["cause"]')" "connection resources" "$mode: no connection resources blamed"
    dout="$("$S7_BIN" discover "127.0.0.1:$oport" 2>&1 >/dev/null)"
    check_contains "$dout" "answers, but not with ISO-on-TCP" "$mode: s7 discover says it is not an S7 CPU"
    check_lacks "$dout" "free connections" "$mode: s7 discover does not ask to free connections"
    kill "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
done
check_contains "$(jq 'f["cause"]')" "an echo service listens on port $oport" "echo: named"

# ---------------------------------------------------------------- --trace: every frame on stderr
start_s7server --profile s7-1500 --put-get on --db 1:16
TR="$("$S7_BIN" doctor "$S7SRV_ADDR" --db 1 --trace 2>&1 >/dev/null)"
check_match "$TR" ">> 22: 03 00 00 16 11 e0" "--trace: the CR on stderr"
check_match "$TR" "<< 22: 03 00 00 16 11 d0" "--trace: the CC on stderr"

# ---------------------------------------------------------------- name_unresolved
doc "no-such-host.invalid"
expect name_unresolved 3 resolve "give the PLC's IP address" "name_unresolved (the name does not resolve)"
check_contains "$(jq 'f["fix"]')" "DNS" "name_unresolved: the fix names DNS"
# an ambiguous numeric host is refused at the resolve step, never dialled as 1.2.0.3
doc "1.2.3"
expect name_unresolved 3 resolve "four decimal numbers 0..255 without leading zeros" "1.2.3 refused"
check_contains "$(jq 'f["detail"]')" "host '1.2.3': not an IPv4 address (four numbers 0..255 separated by dots, e.g. 192.168.0.1) and not a host name; the system resolver would have dialled 1.2.0.3" "1.2.3: the message names it"
check_eq "$(jq 'd["address"]')" None "1.2.3: no address resolved"

# ---------------------------------------------------------------- usage
run_rc=0
out="$("$S7_BIN" doctor 127.0.0.1 --db 0 2>&1)" || run_rc=$?
check_eq "$run_rc" 2 "usage: --db 0 is exit 2"
check_contains "$out" "--db 0: expected N or N:LEN" "usage: --db 0 explained"
run_rc=0
out="$("$S7_BIN" doctor 127.0.0.1 --area X 2>&1)" || run_rc=$?
check_eq "$run_rc" 2 "usage: --area X is exit 2"
run_rc=0
out="$("$S7_BIN" doctor 2>&1)" || run_rc=$?
check_eq "$run_rc" 2 "usage: no HOST is exit 2"

finish
