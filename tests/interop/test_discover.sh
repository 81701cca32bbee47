#!/usr/bin/env bash
# s7 discover against s7kit's CPU emulator: an S7-300 (CPU in slot 2) is found at rack 0
# slot 2, an S7-400 at slot 5 and an S7-400H's CPU at rack 1 slot 3 where they sit, a LOGO! 8
# gets its TSAP pair 0100:0200, an S7-1500 whose PG budget is full gets an
# OP connection, a CPU that refuses every connection request exits 3, and a closed port
# exits 3 with the port's explanation.  Against fake_plc.js: candidates whose S7 setup fails
# (or whose test read gets a malformed reply) are listed as failed with the reason and never
# recommended; with none left discover exits 3, with one good candidate that one is used.  No attempt leaves a connection open: the emulator
# (--max-conn total=1) would refuse the next attempt if one did.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
. "$(dirname "$0")/fake_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"

# disc ARGS...: s7 discover; OUT (stdout+stderr), RC; JSON in JS.
disc() {
    RC=0
    OUT="$("$S7_BIN" discover "$@" 2>&1)" || RC=$?
    JS="$("$S7_BIN" discover "$@" --json 2>/dev/null)"
}

jq() {
    printf '%s' "$JS" | python3 -c '
import json, sys
d = json.load(sys.stdin)
r = eval(sys.argv[1])
print(r if not isinstance(r, bool) else ("true" if r else "false"))' "$1" 2>&1
}

# ---------------------------------------------------------------- S7-300 in slot 2
# total=1: a second connection at a time would be refused, so every attempt must be closed
# (and seen closed by the CPU) before the next one for the search to find anything after
# its first hit.
start_s7server --profile s7-300 --db 1:16 --max-conn total=1
disc "$S7SRV_ADDR"
check_eq "$RC" 0 "s7-300: exit 0"
check_eq "$(printf '%s\n' "$OUT" | tail -1)" "use: --rack 0 --slot 2 --type pg" "s7-300: use rack 0 slot 2 PG"
check_contains "$OUT" "CPU 315-2 PN/DP" "s7-300: the identity"
check_eq "$(jq '[a["args"] for a in d["working"]]')" \
    "['--rack 0 --slot 2 --type pg', '--rack 0 --slot 2 --type op', '--rack 0 --slot 2 --type basic']" \
    "s7-300: slot 2 works with PG, OP and basic, nothing else (one connection at a time)"
check_eq "$(jq 'd["best"]["slot"]')" 2 "s7-300: best slot 2 (json)"
check_eq "$(jq 'd["use"]')" "--rack 0 --slot 2 --type pg" "s7-300: use (json)"
check_eq "$(jq 'len(d["tries"])')" 14 "s7-300: every usual candidate tried, the S7-400/400H places not (a CR was accepted)"
check_eq "$(jq 'd["cpu"]["order_code"]')" "6ES7 315-2EH14-0AB0" "s7-300: order code (json)"
# the pair printed works with the other commands
check_ok "s7-300: s7 read with the pair found" "$S7_BIN" read "$S7SRV_ADDR" DB1.DBB0 --rack 0 --slot 2 --type pg

# ---------------------------------------------------------------- LOGO! 8
stop_s7server
start_s7server --profile logo8
disc "$S7SRV_ADDR"
check_eq "$RC" 0 "logo8: exit 0"
check_eq "$(printf '%s\n' "$OUT" | tail -1)" "use: --tsap 0100:0200" "logo8: use the LOGO! pair 0100:0200"
check_contains "$OUT" "LOGO!" "logo8: the identity says LOGO!"
check_eq "$(jq 'd["best"]["kind"]')" logo "logo8: best is a LOGO! pair (json)"
check_eq "$(jq '"0100:0200" in [a["tsap"] for a in d["working"]]')" true "logo8: 0100:0200 works"
check_eq "$(jq '"1000:2000" in [a["tsap"] for a in d["working"]]')" true "logo8: 1000:2000 works"
check_eq "$(jq '"0100:0101" in [a["tsap"] for a in d["working"]]')" false "logo8: rack 0 slot 1 PG does not"
check_ok "logo8: s7 read V memory with the pair found" "$S7_BIN" read "$S7SRV_ADDR" VB0 --tsap 0100:0200

# ---------------------------------------------------------------- S7-200 SMART
stop_s7server
start_s7server --profile s7-200smart
disc "$S7SRV_ADDR"
check_eq "$(printf '%s\n' "$OUT" | tail -1)" "use: --rack 0 --slot 1 --type pg" "s7-200smart: rack 0 slot 1 PG"
check_eq "$(jq '"1000:1001" in [a["tsap"] for a in d["working"]]')" true "s7-200smart: the CP243-1 pair 1000:1001 works too"

# ---------------------------------------------------------------- PG budget full: OP first
stop_s7server
start_s7server --profile s7-1500 --put-get on --db 1:16 --max-conn pg=0
disc "$S7SRV_ADDR"
check_eq "$(printf '%s\n' "$OUT" | tail -1)" "use: --rack 0 --slot 1 --type op" "no PG budget: OP at rack 0 slot 1"

# ---------------------------------------------------------------- S7-400 at slot 5, S7-400H's rack 1
# an S7-400 CPU sits after its power supply (slot 2..5: a PS 407 of 1, 2 or 3 slots, or a
# redundant pair), the second CPU of an S7-400H in rack 1: found, and the usual layouts
# cost no more attempts (the S7-300 above: the 14 usual ones)
stop_s7server
start_s7server --profile s7-400 --rack 0 --slot 5 --max-conn total=1
disc "$S7SRV_ADDR"
check_eq "$RC" 0 "s7-400 slot 5: exit 0"
check_eq "$(printf '%s\n' "$OUT" | tail -1)" "use: --rack 0 --slot 5 --type pg" "s7-400 slot 5: use rack 0 slot 5 PG"
check_eq "$(jq '[a["args"] for a in d["working"]]')" \
    "['--rack 0 --slot 5 --type pg', '--rack 0 --slot 5 --type op', '--rack 0 --slot 5 --type basic']" \
    "s7-400 slot 5: slot 5 works with PG, OP and basic, nothing else"
check_eq "$(jq 'any(t["rack"] == 1 for t in d["tries"])')" false "s7-400 slot 5: rack 1 not tried after slot 5 worked"
stop_s7server
start_s7server --profile s7-400 --rack 1 --slot 3
disc "$S7SRV_ADDR"
check_eq "$RC" 0 "s7-400H rack 1 slot 3: exit 0"
check_eq "$(printf '%s\n' "$OUT" | tail -1)" "use: --rack 1 --slot 3 --type pg" "s7-400H rack 1 slot 3: use rack 1 slot 3 PG"
check_ok "s7-400H rack 1 slot 3: s7 read with the pair found" "$S7_BIN" read "$S7SRV_ADDR" MB0 --rack 1 --slot 3

# ---------------------------------------------------------------- nothing accepted
stop_s7server
start_s7server --profile s7-1500 --max-conn total=0 --quiet
disc "$S7SRV_ADDR"
check_eq "$RC" 3 "all refused: exit 3"
check_contains "$OUT" "refused every connection request" "all refused: says so"
check_contains "$OUT" "fix: " "all refused: a fix"
check_eq "$(jq 'd["use"]')" None "all refused: use null (json)"
check_eq "$(jq 'sorted(set((t["rack"], t["slot"]) for t in d["tries"] if t["kind"] == "rackslot"))')" \
    "[(0, 0), (0, 1), (0, 2), (0, 3), (0, 4), (0, 5), (1, 2), (1, 3), (1, 4), (1, 5)]" \
    "all refused: rack 0 slots 0..5 and rack 1 slots 2..5 tried"

# ---------------------------------------------------------------- fake_plc.js: candidates that fail after the CR
if [ -n "$S7_NODE" ]; then
    # every CR accepted, every S7 setup refused: nothing recommended, exit 3
    start_fake setup-fails
    disc "127.0.0.1:$FAKE_PORT"
    check_eq "$RC" 3 "setup fails everywhere: exit 3"
    check_eq "$(jq 'd["use"]')" None "setup fails everywhere: use null (json)"
    check_eq "$(jq 'd["best"]')" None "setup fails everywhere: best null (json)"
    check_eq "$(jq 'd["working"]')" "[]" "setup fails everywhere: nothing working (json)"
    check_eq "$(jq 'len(d["tries"]) >= 12 and all(t["result"] == "negotiation" and not t["setup"] for t in d["tries"])')" \
        true "setup fails everywhere: every try listed as failed with the reason (json)"
    check_contains "$OUT" "0 work" "setup fails everywhere: none counted as working"
    check_contains "$OUT" "failed: accepted (CC), the S7 setup failed" "setup fails everywhere: the reason per try"
    if printf '%s\n' "$OUT" | grep -q '^use: '; then fail "setup fails everywhere: no use line"; else pass "setup fails everywhere: no use line"; fi
    check_contains "$OUT" "failed the S7 setup" "setup fails everywhere: the error says why"
    # one candidate works (rack 0 slot 2, S7 basic): only that one is recommended
    start_fake setup-fails --good-tsap 0302
    disc "127.0.0.1:$FAKE_PORT"
    check_eq "$RC" 0 "one good candidate: exit 0"
    check_eq "$(printf '%s\n' "$OUT" | tail -1)" "use: --rack 0 --slot 2 --type basic" "one good candidate: recommended"
    check_eq "$(jq '[a["tsap"] for a in d["working"]]')" "['0100:0302']" "one good candidate: the only one working (json)"
    check_eq "$(jq 'd["best"]["result"]')" accepted "one good candidate: best accepted (json)"
    check_eq "$(jq 'sum(1 for t in d["tries"] if t["result"] == "negotiation")')" "$(jq 'len(d["tries"]) - 1')" \
        "one good candidate: the others listed as failed (json)"
    check_match "$OUT" "✓ rack 0 slot 2 S7 basic TSAPs 0100:0302 +[0-9]+ ms  works" "one good candidate: marked as working"
    # the setup works but the test read gets a malformed reply: not recommended either
    start_fake wrong-length
    disc "127.0.0.1:$FAKE_PORT"
    check_eq "$RC" 3 "test read malformed everywhere: exit 3"
    check_eq "$(jq 'all(t["setup"] and t["result"] == "param" for t in d["tries"])')" true \
        "test read malformed: setup true, result param for every try (json)"
    check_contains "$OUT" "the test read failed" "test read malformed: the reason per try"
    check_eq "$(jq 'd["use"]')" None "test read malformed: nothing recommended (json)"
else
    fail "discover against failing candidates: node not found (fake_plc.js)"
fi

# ---------------------------------------------------------------- closed port
port=$(free_port) || die "no free port"
disc "127.0.0.1:$port"
check_eq "$RC" 3 "closed port: exit 3"
check_contains "$OUT" "port_closed (TCP port refused (RST): nothing listens there)" "closed port: explained (the doctor's verdict)"
check_contains "$OUT" "who acts: PLC owner" "closed port: who acts"
check_eq "$(jq 'd["tcp"]')" refused "closed port: tcp refused (json)"

# ---------------------------------------------------------------- usage
rc=0
out="$("$S7_BIN" discover 127.0.0.1 --slot 2 2>&1)" || rc=$?
check_eq "$rc" 2 "usage: --slot with discover is exit 2"
check_contains "$out" "tries every rack/slot" "usage: explained"

finish
