#!/usr/bin/env bash
# The verdicts that need a network of their own, produced for real in two network
# namespaces joined by a veth pair (10.231.1.0/24 exists only inside them):
#   port_filtered  an nftables (or iptables) rule in the CPU's namespace drops TCP 102: the
#                  SYN is never answered, the doctor waits its --timeout and says filtered;
#   no_route       an address the client namespace has no route to: ENETUNREACH at once;
#   port_closed    a port nothing listens on in the CPU's namespace: RST;
#   host_unreachable an address removed a moment ago, its ARP entry still REACHABLE: the
#                  doctor's own ARP requests (root) find nobody; unprivileged: no_answer;
# and s7 scan seeing the same host as answering before the rule and filtered after it; an
# address of the network nobody holds: s7 discover says host_unreachable (the doctor's
# verdict), s7 scan unreachable, s7 read blames no firewall.
# Skipped (exit 77, with the reason) when not root or when namespaces are not available.
# The namespaces are deleted by name and the emulator killed by PID at exit (netns_lib.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"
need_netns
if command -v nft >/dev/null 2>&1; then
    FW=nft
elif command -v iptables >/dev/null 2>&1; then
    FW=iptables
else
    skip "neither nft nor iptables is installed (make deps as root)"
fi

jq() {
    printf '%s' "$JS" | python3 -c '
import json, sys
d = json.load(sys.stdin)
f = next((c for c in d["checks"] if c["status"] == "fail"), None)
r = eval(sys.argv[1])
print(r if not isinstance(r, bool) else ("true" if r else "false"))' "$1" 2>&1
}

# doc ARGS...: s7 doctor inside the client namespace, --json; JS and RC.
doc() {
    RC=0
    JS="$(netns_exec cli "$S7_BIN" doctor "$@" --json 2>/dev/null)" || RC=$?
}

netns_add cli
netns_add plc
netns_link cli 10.231.1.1/24 plc 10.231.1.2/24
netns_bg plc "$S7_TEST_TMP/plc.log" "$S7_BIN" server --listen 10.231.1.2:102 --profile s7-1500 \
    --put-get on --db 1:32 --allow 10.231.1.0/24
PLC_PID=$NETNS_PID
netns_wait_tcp cli 10.231.1.2 102 || { cat "$S7_TEST_TMP/plc.log"; die "the emulator in the namespace did not come up"; }

# ---------------------------------------------------------------- before the rule: ok
doc 10.231.1.2 --db 1:32
check_eq "$(jq 'd["verdict"]')" ok "through the veth the doctor says ok"
check_eq "$RC" 0 "ok: exit 0"
check_eq "$(jq 'd["address"]')" 10.231.1.2 "ok: the address"
out="$(netns_exec cli "$S7_BIN" scan 10.231.1.2 --json 2>/dev/null)"
check_eq "$(printf '%s' "$out" | python3 -c 'import json,sys; h=json.load(sys.stdin)["hosts"]; print(h[0]["state"], h[0]["s7"])')" \
    "answering True" "scan: the host answers before the rule"

# ---------------------------------------------------------------- port_closed (nothing on 103)
doc 10.231.1.2:103
check_eq "$(jq 'd["verdict"]')" port_closed "port_closed in the namespace"
check_contains "$(jq 'f["detail"]')" "RST" "port_closed: RST in the detail"

# ---------------------------------------------------------------- port_filtered
if [ "$FW" = nft ]; then
    netns_exec plc nft add table inet s7t &&
        netns_exec plc nft add chain inet s7t input '{ type filter hook input priority 0; }' &&
        netns_exec plc nft add rule inet s7t input tcp dport 102 drop ||
        die "the nftables drop rule could not be added"
else
    netns_exec plc iptables -A INPUT -p tcp --dport 102 -j DROP || die "the iptables drop rule could not be added"
fi
pass "a $FW rule drops TCP 102 in the CPU's namespace"
t0=$(date +%s%N)
doc 10.231.1.2 --timeout 1000
t1=$(date +%s%N)
check_eq "$(jq 'd["verdict"]')" port_filtered "port_filtered: verdict"
check_eq "$RC" 3 "port_filtered: exit 3"
check_eq "$(jq 'f["id"]')" tcp "port_filtered: the tcp check fails"
check_contains "$(jq 'f["detail"]')" "no answer to the SYN within 1000 ms" "port_filtered: the detail says the SYN went unanswered"
check_eq "$(jq 'f["ms"] >= 990')" true "port_filtered: the check took the timeout"
check_eq "$(( (t1 - t0) / 1000000 < 5000 ))" 1 "port_filtered: the doctor gave up after its timeout"
check_contains "$(jq 'f["fix"]')" "cell firewall rule that passes TCP 102" "port_filtered: the fix asks for the firewall rule"
check_contains "$(jq 'f["fix"]')" "before touching PLC logic" "port_filtered: test reachability first"
check_eq "$(jq '[c["status"] for c in d["checks"]]')" \
    "['pass', 'fail', 'skip', 'skip', 'skip', 'skip', 'skip', 'skip']" "port_filtered: the ladder stops at tcp"
TXT="$(netns_exec cli "$S7_BIN" doctor 10.231.1.2 --timeout 1000 2>&1)"
check_contains "$TXT" "verdict: port_filtered" "port_filtered: the text verdict"
check_contains "$TXT" "✗ tcp" "port_filtered: the ✗ line"
out="$(netns_exec cli "$S7_BIN" scan 10.231.1.2 --timeout 500 --json 2>/dev/null)"
check_eq "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["hosts"], d["summary"]["filtered"])')" \
    "[] 1" "scan: the host is filtered after the rule"

# ---------------------------------------------------------------- no_route
doc 10.232.0.1 --timeout 1000
check_eq "$(jq 'd["verdict"]')" no_route "no_route: verdict"
check_eq "$RC" 3 "no_route: exit 3"
check_eq "$(jq 'f["id"]')" tcp "no_route: the tcp check fails"
check_contains "$(jq 'f["detail"]')" "ENETUNREACH" "no_route: ENETUNREACH in the detail"
check_contains "$(jq 'f["fix"]')" "ip route get 10.232.0.1" "no_route: the fix says how to check the route"

# ---------------------------------------------------------------- a CPU gone a moment ago
# The client's ARP entry of it is still REACHABLE (confirmed before the CPU went): not proof
# it is there.  As root the doctor's own ARP requests find nobody: host_unreachable (it said
# port_filtered, "it answers ARP", sending the network team); unprivileged it cannot ask,
# and says the entry proves nothing: no_answer, never port_filtered.
netns_exec plc ip addr add 10.231.1.5/24 dev "$NETNS_IF_B" || die "a second address in plc failed"
# a connection attempt resolves it (RST: nothing on port 80), then the entry is REACHABLE
netns_exec cli timeout 2 bash -c 'exec 3<>/dev/tcp/10.231.1.5/80' 2>/dev/null
check_contains "$(netns_exec cli ip neigh show 10.231.1.5)" "REACHABLE" "10.231.1.5's ARP entry is REACHABLE"
netns_exec plc ip addr del 10.231.1.5/24 dev "$NETNS_IF_B" || die "removing 10.231.1.5 failed"
sleep 0.3 # as when the CPU went a moment before the check
doc 10.231.1.5 --timeout 1000
check_eq "$(jq 'd["verdict"]')" host_unreachable "gone a moment ago: host_unreachable (root)"
check_contains "$(jq 'f["detail"]')" "our own requests got no answer within 1 s" \
    "gone a moment ago: the doctor's own ARP requests are the evidence"
check_contains "$(jq '[p["saw"] for p in d["network"]["probes"] if p["id"] == "neighbour"]')" \
    "before this check: not proof" "gone a moment ago: the kernel's entry is named as old"
RC=0
JS="$(netns_exec cli setpriv --reuid=65534 --regid=65534 --clear-groups "$S7_BIN" doctor \
    10.231.1.5 --timeout 1000 --json 2>/dev/null)" || RC=$?
check_eq "$(jq 'd["verdict"]')" no_answer "gone a moment ago, unprivileged: no_answer"
check_contains "$(jq 'f["fix"]')" "again as root" "gone a moment ago, unprivileged: the fix says how to tell"
check_contains "$(jq '[p["saw"] for p in d["network"]["probes"] if p["id"] == "arp"]')" \
    "needs root or CAP_NET_RAW" "unprivileged: why the ARP probe did not run"

# ---------------------------------------------------------------- nobody holds the address
# 10.231.1.77 is on the client's own network and no device ever held it: nobody answers ARP.
# s7 discover and s7 scan must not call that a filtered port (they said "a firewall between
# the cells silently drops it" and "filtered"), and s7 read must not blame a firewall.
RC=0
TXT="$(netns_exec cli "$S7_BIN" discover 10.231.1.77 --timeout 1000 2>&1)" || RC=$?
check_eq "$RC" 3 "discover, nobody at the address: exit 3"
check_contains "$TXT" "host_unreachable" "discover, nobody at the address: the doctor's verdict"
check_contains "$TXT" "who acts: " "discover, nobody at the address: who acts"
check_lacks "$TXT" "firewall between the cells silently drops" "discover: no firewall blamed"
out="$(netns_exec cli "$S7_BIN" scan 10.231.1.77 --timeout 500 --json 2>/dev/null)"
check_eq "$(printf '%s' "$out" | python3 -c 'import json,sys; d=json.load(sys.stdin)["summary"]; print(d["unreachable"], d["filtered"])')" \
    "1 0" "scan, nobody at the address: unreachable, not filtered"
TXT="$(netns_exec cli "$S7_BIN" read 10.231.1.77 DB1.DBB0 --timeout 1000 2>&1)"
check_lacks "$TXT" "firewall between the cells silently drops" "read, nobody at the address: no firewall blamed"

netns_kill "$PLC_PID"
finish
