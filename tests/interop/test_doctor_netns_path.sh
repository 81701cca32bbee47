#!/usr/bin/env bash
# The path under a working S7 session, produced for real: client, router and CPU namespaces
# (10.228.x exists only inside them), an emulated S7-1500 with DB5 of 4096 bytes behind the
# router, nftables rules on the router:
#   ip length > 600 drop    -> path_mtu at full_pdu: every 1-byte read passes, the read of a
#                              whole PDU's answer never arrives (old doctors said ok);
#   ip length > 200 drop    -> path_mtu at identity: the SZL answers are already too large
#                              (old doctors said peer_error, "PLC owner");
#   the CPU's setup answer dropped (IP length 79) -> path_loss at setup: TCP retransmitted
#                              (old doctors said negotiation_failed, "try --pdu 240");
#   the first connection's CR lost       -> path_loss at cotp: a CR on a fresh
#                              connection is accepted (old doctors said port_filtered, "a
#                              firewall that filters S7 by content");
#   no rule                 -> ok, full_pdu passed.
# Each asserts the verdict, exit code, failing check, team, the sizes in the evidence, the fix,
# and the JSON against docs/schema/s7-doctor.schema.json.  Skipped (exit 77) unless root.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"
need_netns nft

P=10.228
netns_add pa-cli
netns_add pa-r
netns_add pa-cpu
netns_link pa-cli $P.1.2/24 pa-r $P.1.1/24
netns_link pa-r $P.2.1/24 pa-cpu $P.2.2/24
netns_route pa-cli $P.1.1
netns_route pa-cpu $P.2.1
netns_forwarding pa-r
netns_bg pa-cpu "$S7_TEST_TMP/plc.log" "$S7_BIN" server --listen 0.0.0.0:102 --profile s7-1500 --put-get on --db 5:4096
netns_wait_tcp pa-cli $P.2.2 102 || { cat "$S7_TEST_TMP/plc.log"; die "the emulator behind the router did not come up"; }
netns_exec pa-r nft add table ip pa || die "nft table"
netns_exec pa-r nft add chain ip pa pafw '{ type filter hook forward priority 0; }' || die "nft chain"

# rule RULE...: the router's only rule (none without arguments)
rule() {
    netns_exec pa-r nft flush chain ip pa pafw
    [ $# -eq 0 ] || netns_exec pa-r nft add rule ip pa pafw "$@" || die "nft rule $*"
}

# doc NAME ARGS...: s7 doctor in the client namespace, --json into NAME.json; RC
doc() {
    local name="$1"
    shift
    RC=0
    netns_exec pa-cli "$S7_BIN" doctor $P.2.2 --timeout 1000 "$@" --json >"$S7_TEST_TMP/$name.json" 2>"$S7_TEST_TMP/$name.err" || RC=$?
}

# q NAME EXPR: EXPR over the JSON (d the document, f the failing check) into R
q() {
    R="$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
f = next((c for c in d["checks"] if c["status"] == "fail"), None)
c = {k["id"]: k for k in d["checks"]}
r = eval(sys.argv[2])
print(r if not isinstance(r, bool) else ("true" if r else "false"))' "$S7_TEST_TMP/$1.json" "$2" 2>&1)"
}

rule
doc ok --db 5:2000
check_eq "$RC" 0 "no rule: exit 0"
q ok 'd["verdict"]'
check_eq "$R" ok "no rule: ok"
q ok 'c["full_pdu"]["status"]'
check_eq "$R" pass "no rule: full_pdu passed"
q ok 'c["full_pdu"]["detail"]'
check_contains "$R" "a 1884-byte read of DB5.DBB0 (2 answers of up to 942 bytes" "no rule: two whole PDU answers read"

rule ip length gt 600 drop
t0=$(date +%s%N)
doc mtu600 --db 5:2000
ms=$((($(date +%s%N) - t0) / 1000000))
check_eq "$RC" 3 "600-byte black hole: exit 3"
q mtu600 'd["verdict"]'
check_eq "$R" path_mtu "600-byte black hole: path_mtu, not ok"
q mtu600 'f["id"]'
check_eq "$R" full_pdu "600-byte black hole: the full_pdu check fails"
q mtu600 'c["db:5"]["status"]'
check_eq "$R" pass "600-byte black hole: the 1-byte reads of db:5 pass"
q mtu600 'd["network"]["team"]'
check_contains "$R" "network team" "600-byte black hole: the network team acts"
q mtu600 'f["detail"]'
check_match "$R" "reads of DB5 from byte 0 up to [0-9]+ bytes were answered .*reads of [0-9]+ bytes and more were not" "600-byte black hole: the sizes that pass and fail"
# the limit lies between what passed and what did not (answer overhead 77 bytes with IP/TCP)
lo=$(printf '%s' "$R" | sed -n 's/.*up to \([0-9]*\) bytes were answered.*/\1/p')
hi=$(printf '%s' "$R" | sed -n 's/.*reads of \([0-9]*\) bytes and more.*/\1/p')
[ -n "$lo" ] && [ -n "$hi" ] && [ $((lo + 77)) -le 600 ] && [ $((hi + 77)) -gt 600 ] &&
    pass "600-byte black hole: the bounds found ($lo, $hi) enclose the router's limit" ||
    fail "600-byte black hole: bounds $lo / $hi do not enclose 600 - 77"
q mtu600 'f["fix"]'
check_contains "$R" "clamp the TCP MSS" "600-byte black hole: the fix names MSS clamping"
check_contains "$R" "the PLC is not at fault" "600-byte black hole: the fix clears the PLC"
[ "$ms" -lt 15000 ] && pass "600-byte black hole: decided in $ms ms (bounded)" || fail "600-byte black hole: took $ms ms"
netns_exec pa-cli "$S7_BIN" doctor $P.2.2 --timeout 1000 --db 5:2000 >"$S7_TEST_TMP/mtu600.txt" 2>&1
check_contains "$(cat "$S7_TEST_TMP/mtu600.txt")" "verdict: path_mtu" "600-byte black hole: the text says path_mtu"

rule ip length gt 200 drop
doc mtu200 --db 5:2000
check_eq "$RC" 3 "200-byte black hole: exit 3"
q mtu200 'd["verdict"]'
check_eq "$R" path_mtu "200-byte black hole: path_mtu, not peer_error"
q mtu200 'f["id"]'
check_eq "$R" identity "200-byte black hole: the SZL answers are the first too large"
q mtu200 'f["cause"]'
check_contains "$R" "drops packets larger than about" "200-byte black hole: the cause names the size"

# the CPU's answer to the setup (IP length 20 + 32 + 27) lost every time: TCP retransmits
rule ip saddr $P.2.2 tcp sport 102 ip length 79 drop
doc loss
check_eq "$RC" 3 "setup answer lost: exit 3"
q loss 'd["verdict"]'
check_eq "$R" path_loss "setup answer lost: path_loss, not negotiation_failed"
q loss 'f["detail"]'
check_match "$R" "TCP on the connection: [1-9][0-9]* retransmissions" "setup answer lost: TCP's retransmissions in the evidence"
q loss 'f["fix"]'
check_lacks "$R" "--pdu 240" "setup answer lost: no advice to change the PDU"
check_contains "$R" "network team" "setup answer lost: the network team acts"
# every transmission of the first connection's CR lost (its SYN, the first to port 102, marks
# the connection; the CR's IP length is 74), the CR of a fresh connection passes: a lossy
# path, not a filter by content (that drops every CR)
rule ip daddr $P.2.2 tcp dport 102 tcp flags syn quota until 60 bytes ct mark set 1
netns_exec pa-r nft add rule ip pa pafw ct mark 1 ip daddr $P.2.2 tcp dport 102 ip length 74 drop || die "nft rule (ct mark)"
doc crloss
check_eq "$RC" 3 "first CR lost: exit 3"
q crloss 'd["verdict"]'
check_eq "$R" path_loss "first CR lost: path_loss, not port_filtered"
q crloss 'f["id"]'
check_eq "$R" cotp "first CR lost: at cotp"
q crloss 'f["detail"]'
check_contains "$R" "a CR on a fresh connection was answered with a CC" "first CR lost: the second CR's answer in the evidence"
q crloss 'len(f["frames"]) >= 1 and f["frames"][0]["hex"][:8] == "03000016"'
check_eq "$R" true "first CR lost: the evidence is the first CR"
rule

if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ]; then
    python3 -c '
import json, sys
for f in sys.argv[1:]:
    print(json.dumps(json.load(open(f))))' "$S7_TEST_TMP"/{ok,mtu600,mtu200,loss,crloss}.json >"$S7_TEST_TMP/all.jsonl" || fail "the documents could not be read"
    out="$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-doctor "$S7_TEST_TMP/all.jsonl" --lines 2>&1)" &&
        pass "5 documents valid against s7-doctor" || fail "not valid against s7-doctor: $out"
else
    fail "node and ajv are needed to validate the JSON (make deps)"
fi
finish
