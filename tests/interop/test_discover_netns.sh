#!/usr/bin/env bash
# s7 discover through a router that filters port 102, in three network namespaces:
# cli (10.243.1.2) | router (10.243.1.1 / 10.243.2.1) | cell (an emulated S7-300 on
# 0.0.0.0:102, addresses .2 .4 .5).  discover's first TCP connection is the doctor's
# network step (one SYN, the probes alongside), so:
#   .2  nft drop of TCP 102, --timeout 900  -> port_filtered, network team, after ONE
#        SYN to port 102 (counted on the router) in about 0.9 s (before: a SYN of its own,
#        then the doctor's second SYN and a second timeout: two SYNs, twice the time)
#   .4  nft reject with tcp reset                   -> port_rejected, network team (before:
#        "refused (TCP reset) ... nothing listens, check the PLC's IP": the PLC owner)
#   .5  nft reject with icmp port-unreachable (what iptables -j REJECT answers)
#                                                    -> port_rejected, network team (before:
#        the same "TCP reset ... nothing listens": it was no reset at all)
#   .2 from the cell itself (no rule on the path)    -> --rack 0 --slot 2 --type pg, the first
#        attempt over the network step's socket (14 attempts, as on loopback)
# Skipped (exit 77, with the reason) when not root or namespaces are not available.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"
need_netns nft

P=10.243
netns_add cli
netns_add r
netns_add cell
netns_link cli $P.1.2/24 r $P.1.1/24
netns_route cli $P.1.1
netns_link cell $P.2.2/24 r $P.2.1/24
CELL_IF="$NETNS_IF_A"
for a in 4 5; do netns_exec cell ip addr add $P.2.$a/24 dev "$CELL_IF"; done
netns_route cell $P.2.1
netns_forwarding r
netns_exec r sysctl -qw net.ipv4.icmp_ratelimit=0 || die "icmp_ratelimit on the router failed"
netns_bg cell "$S7_TEST_TMP/plc.log" "$S7_BIN" server --listen 0.0.0.0:102 --profile s7-300 --db 1:32
netns_wait_tcp cli $P.2.2 102 || { cat "$S7_TEST_TMP/plc.log"; die "the emulator behind the router did not come up"; }

netns_exec r nft -f - <<EOF || die "the nftables rules could not be loaded"
table inet s7d {
  chain f {
    type filter hook forward priority 0;
    ip daddr $P.2.2 tcp dport 102 tcp flags & (syn | ack) == syn counter drop
    ip daddr $P.2.4 tcp dport 102 reject with tcp reset
    ip daddr $P.2.5 tcp dport 102 reject with icmp type port-unreachable
  }
}
EOF

tcp_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["tcp"])' "$1" 2>&1; }

# ---------------------------------------------------------------- dropped: one SYN
RC=0
T0=$(date +%s%N)
OUT="$(netns_exec cli "$S7_BIN" discover $P.2.2 --timeout 900 2>&1)" || RC=$?
MS=$((($(date +%s%N) - T0) / 1000000))
SYNS="$(netns_exec r nft list chain inet s7d f | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -1)"
check_eq "$RC" 3 "drop: exit 3"
check_contains "$OUT" "port_filtered" "drop: the doctor's verdict port_filtered"
check_contains "$OUT" "who acts: network team (firewall)" "drop: the network team acts"
check_eq "$SYNS" 1 "drop: one SYN to port 102 left the client (not a second one for the doctor)"
[ "$MS" -lt 1700 ] && pass "drop: decided in $MS ms with --timeout 900 (one timeout, not two)" ||
    fail "drop: took $MS ms with --timeout 900 (two timeouts in a row?)"

# ---------------------------------------------------------------- rejected by the router
for a in 4 5; do
    what=$([ $a = 4 ] && echo "tcp reset" || echo "icmp port-unreachable")
    RC=0
    OUT="$(netns_exec cli "$S7_BIN" discover $P.2.$a 2>&1)" || RC=$?
    check_eq "$RC" 3 "reject ($what): exit 3"
    check_contains "$OUT" "port_rejected" "reject ($what): the doctor's verdict port_rejected"
    check_contains "$OUT" "who acts: network team (firewall)" "reject ($what): the network team acts"
    check_lacks "$OUT" "nothing listens" "reject ($what): the PLC is not blamed"
    RC=0
    netns_exec cli "$S7_BIN" discover $P.2.$a --json >"$S7_TEST_TMP/d$a.json" 2>/dev/null || RC=$?
    check_eq "$RC" 3 "reject ($what), --json: exit 3"
    check_eq "$(tcp_of "$S7_TEST_TMP/d$a.json")" refused "reject ($what), --json: tcp refused"
done

# ---------------------------------------------------------------- no rule: the pair to use
RC=0
OUT="$(netns_exec cell "$S7_BIN" discover $P.2.2 2>&1)" || RC=$?
check_eq "$RC" 0 "open: exit 0"
check_contains "$OUT" "14 attempts" "open: the 14 usual attempts, the first over the network step's socket"
check_contains "$OUT" "use: --rack 0 --slot 2 --type pg" "open: the S7-300's pair"

finish
