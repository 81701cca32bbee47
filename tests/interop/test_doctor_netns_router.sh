#!/usr/bin/env bash
# The network verdicts of s7 doctor produced for real, each naming the team to call, in
# three network namespaces: cli (10.241.1.2) | router (10.241.1.1, bridge 10.241.2.1) |
# cell (an emulated S7-300 on 0.0.0.0:102, addresses .2 .4 .5 .6 .7) and idle (.3, nothing
# on 102).  Rules on the router's forward chain:
#   .2  nft tcp dport 102 drop                         -> port_filtered (ping proves it up)
#   .4  nft reject with tcp reset                      -> port_rejected (RST TTL 64 where the
#                                                         CPU's answers arrive with 63)
#   .5  iptables -j REJECT (ICMP port unreachable)     -> port_rejected (sender: the router)
#   .6  nft reject with icmp admin-prohibited          -> port_rejected
#   fd00:241:2::6 (IPv6) reject with icmpv6 admin-prohibited -> port_rejected
#   .7  nft drop of everything to it                   -> no_answer (nothing proves it up or down)
#   .8  nft reject with icmp host-unreachable          -> port_rejected (ping and ports answer)
#   .9  nft reset of all TCP, ICMP dropped             -> port_rejected (every RST zero hops away)
#   .10 nft drop of TCP 102 segments with data (PSH) -> port_filtered at cotp (the CR never
#                                                         reaches the CPU's TCP)
#   10.241.3.5 via a gateway nobody holds (10.241.1.77) -> no_route (this machine's routing)
#   .97 (nobody) nft drop of its 102 and of the echo   -> host_unreachable (the router reports
#                                                         it for the SYNs to the other ports)
# and without rules: .3 (a live host, nothing on 102)  -> port_closed, the RST's sender verified;
# 10.241.2.99 (nobody: a powered-off CPU behind the router) -> host_unreachable (the router
# reports it); 10.241.1.99 (nobody, on the client's own segment) -> host_unreachable (ARP);
# .4 again as an unprivileged user -> port_closed, saying the RST's sender could not be
# verified; .2 as that user -> port_filtered from an unprivileged ping socket's reply; and with --inventory --as: the drop of an undocumented path is "by design", the
# reject of a documented one a missing rule.  The slow cases (ARP gives up after about 3 s) run in parallel.
# Skipped (exit 77, with the reason) when not root or namespaces are not available.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"
need_netns nft iptables

P=10.241
netns_add cli
netns_add r
netns_add cell
netns_add idle
netns_link cli $P.1.2/24 r $P.1.1/24
CLI_IF="$NETNS_IF_A" R_IF="$NETNS_IF_B"
netns_route cli $P.1.1
# ping sockets for the unprivileged user only (gid 65534): root's runs use a raw ICMP socket,
# the unprivileged ones an unprivileged ping socket, so both ways are exercised
netns_exec cli sysctl -qw net.ipv4.ping_group_range="65534 65534" || die "ping_group_range in cli failed"
netns_bridge r br0 $P.2.1/24
netns_attach cell $P.2.2/24 r br0
CELL_IF="$NETNS_IF_A"
for a in 4 5 6 7 8 9 10; do netns_exec cell ip addr add $P.2.$a/24 dev "$CELL_IF"; done
netns_route cell $P.2.1
netns_attach idle $P.2.3/24 r br0
netns_route idle $P.2.1
netns_forwarding r
# IPv6 beside IPv4: cli fd00:241:1::2 | router ::1 / fd00:241:2::1 | cell fd00:241:2::6
V6=fd00:241
netns_exec cli ip -6 addr add $V6:1::2/64 dev "$CLI_IF" nodad
netns_exec r ip -6 addr add $V6:1::1/64 dev "$R_IF" nodad
netns_exec r ip -6 addr add $V6:2::1/64 dev br0 nodad
netns_exec cell ip -6 addr add $V6:2::6/64 dev "$CELL_IF" nodad
netns_exec cli ip -6 route add default via $V6:1::1 || die "IPv6 route of cli failed"
netns_exec cell ip -6 route add default via $V6:2::1 || die "IPv6 route of cell failed"
netns_exec r sysctl -qw net.ipv6.conf.all.forwarding=1 || die "IPv6 forwarding on the router failed"
# The cases run at once and all ICMP errors of the router go to the one client: its per-
# destination ICMP rate limit (1/s after a burst of 6) would drop some of them, and a
# dropped "host unreachable" turns a dead host into no_answer (honestly: nothing proved it
# down).  A router under test answers every packet.
netns_exec r sysctl -qw net.ipv4.icmp_ratelimit=0 || die "icmp_ratelimit on the router failed"
netns_bg cell "$S7_TEST_TMP/plc.log" "$S7_BIN" server --listen 0.0.0.0:102 --profile s7-300 --db 1:32
netns_wait_tcp cli $P.2.2 102 || { cat "$S7_TEST_TMP/plc.log"; die "the emulator behind the router did not come up"; }
# pings in the fresh namespaces: the router's and the cell's ARP entries are warm
netns_exec cli ping -c1 -W1 $P.2.3 >/dev/null 2>&1 || true

netns_exec r nft -f - <<EOF || die "the nftables rules could not be loaded"
table inet s7t {
  chain s7fwd {
    type filter hook forward priority 0;
    ip daddr $P.2.2 tcp dport 102 drop
    ip daddr $P.2.4 tcp dport 102 reject with tcp reset
    ip daddr $P.2.6 tcp dport 102 reject with icmp type admin-prohibited
    ip daddr $P.2.7 drop
    ip daddr $P.2.8 tcp dport 102 reject with icmp type host-unreachable
    ip daddr $P.2.9 meta l4proto tcp reject with tcp reset
    ip daddr $P.2.9 meta l4proto icmp drop
    ip daddr $P.2.10 tcp dport 102 tcp flags & psh == psh drop
    ip daddr $P.2.97 tcp dport 102 drop
    ip daddr $P.2.97 icmp type echo-request drop
    ip6 daddr $V6:2::6 tcp dport 102 reject with icmpv6 type admin-prohibited
  }
}
EOF
netns_exec r iptables -A FORWARD -d $P.2.5 -p tcp --dport 102 -j REJECT ||
    die "the iptables REJECT rule could not be added"
pass "router rules: drop, reset, REJECT, admin-prohibited, drop-all"

# case NAME ARGS...: s7 doctor in cli, --json into $S7_TEST_TMP/NAME.json, exit code into
# NAME.rc, and (TEXT=1) the text output into NAME.txt; run in the background (waited for
# below).  The text runs are a few: each run is a process, and the cases share two cores.
case_bg() {
    local name="$1" text="${TEXT:-0}"
    shift
    (
        rc=0
        netns_exec cli "$S7_BIN" doctor "$@" --json >"$S7_TEST_TMP/$name.json" 2>"$S7_TEST_TMP/$name.err" || rc=$?
        echo "$rc" >"$S7_TEST_TMP/$name.rc"
    ) &
    BG+=($!)
    if [ "$text" = 1 ]; then
        netns_exec cli "$S7_BIN" doctor "$@" >"$S7_TEST_TMP/$name.txt" 2>&1 &
        BG+=($!)
    fi
}
# the plant as documented: SCADA (the client) reads plc5; nothing is documented to plc2
cat >"$S7_TEST_TMP/plant.yaml" <<EOF
version: 1
plant: router test
cells:
  - {name: control, subnet: $P.1.0/24}
  - {name: cell, subnet: $P.2.0/24}
partners:
  - {name: scada, address: $P.1.2, cell: control, kind: scada, type: op}
  - {name: plc2, address: $P.2.2, cell: cell, kind: plc, profile: s7-300}
  - {name: plc5, address: $P.2.5, cell: cell, kind: plc, profile: s7-300}
  - {name: hmi9, address: $P.1.9, cell: control, kind: hmi, type: op}
connections:
  - name: scada-plc5
    active: scada
    passive: plc5
    exchanges:
      - {get: DB1.DBB0..DBB7, cycle: 1s}
  - name: hmi9-plc5
    active: hmi9
    passive: plc5
    exchanges:
      - {get: DB1.DBB0..DBB7, cycle: 1s}
EOF

BG=()
t0=$(date +%s%N)
case_bg drop_undoc plc2 --timeout 1000 --inventory "$S7_TEST_TMP/plant.yaml" --as scada
case_bg reject_doc plc5 --inventory "$S7_TEST_TMP/plant.yaml" --as scada
case_bg reject_elsewhere plc5 --inventory "$S7_TEST_TMP/plant.yaml" --as hmi9
TEXT=1 case_bg drop $P.2.2 --timeout 1000
TEXT=1 case_bg reset $P.2.4
TEXT=1 case_bg icmp_port $P.2.5
case_bg admin $P.2.6
case_bg admin6 $V6:2::6
case_bg dropall $P.2.7 --timeout 1000
case_bg closed $P.2.3
case_bg off_router $P.2.99
case_bg off_router_other $P.2.97 --timeout 1000
TEXT=1 case_bg off_segment $P.1.99
case_bg unreach_filter $P.2.8
case_bg reset_all $P.2.9
case_bg halfopen $P.2.10 --timeout 1000
# a route of this machine through a gateway nobody holds
netns_exec cli ip route add $P.3.0/24 via $P.1.77 || die "the route via a dead gateway failed"
case_bg dead_gw $P.3.5
# user_bg NAME ARGS...: s7 doctor as the unprivileged user 65534, --json into NAME.json
user_bg() {
    local name="$1"
    shift
    (
        rc=0
        netns_exec cli setpriv --reuid=65534 --regid=65534 --clear-groups "$S7_BIN" doctor "$@" --json \
            >"$S7_TEST_TMP/$name.json" 2>"$S7_TEST_TMP/$name.err" || rc=$?
        echo "$rc" >"$S7_TEST_TMP/$name.rc"
    ) &
    BG+=($!)
}
user_bg reset_user $P.2.4
user_bg drop_user $P.2.2 --timeout 1000
user_bg off_user $P.2.98
for p in "${BG[@]}"; do wait "$p"; done
t1=$(date +%s%N)
pass "21 doctor runs in parallel took $(( (t1 - t0) / 1000000 )) ms"

# q NAME EXPR: R = EXPR evaluated over NAME.json (d: the document, f: the failing check,
# p: the probes by id), by one python3 that stays up for every question (a python3 per
# question made this part of the test take longer than the doctor runs).
coproc PYQ {
    python3 -u -c '
import json, sys
cache = {}
for line in sys.stdin:
    name, expr = line.rstrip("\n").split("\t", 1)
    try:
        if name not in cache:
            d = json.load(open(sys.argv[1] + "/" + name + ".json"))
            f = next((c for c in d["checks"] if c["status"] == "fail"), None)
            p = {x["id"]: x for x in d["network"]["probes"]}
            cache[name] = (d, f, p)
        d, f, p = cache[name]
        r = eval(expr)
        r = r if not isinstance(r, bool) else ("true" if r else "false")
    except Exception as e:
        r = "error: %r" % e
    print(str(r).replace("\n", " "), flush=True)' "$S7_TEST_TMP" 2>&1
}
# bash unsets PYQ and PYQ_PID once it has reaped the evaluator: keep our own copies
PYQ_IN=${PYQ[1]} PYQ_OUT=${PYQ[0]} PYQ_CHILD=$PYQ_PID
q() {
    R=""
    printf '%s\t%s\n' "$1" "$2" >&"$PYQ_IN"
    IFS= read -r -t 10 R <&"$PYQ_OUT" || R="(no answer from the evaluator)"
}

# expect NAME VERDICT TEAM DETAIL FIX: verdict, exit code, team, the failing check and texts.
expect() {
    local n="$1" v="$2" team="$3" detail="$4" fix="$5"
    q "$n" 'd["verdict"]'
    check_eq "$R" "$v" "$n: verdict $v"
    check_eq "$(cat "$S7_TEST_TMP/$n.rc")" 3 "$n: exit 3"
    q "$n" 'd["network"]["team"]'
    check_eq "$R" "$team" "$n: the team to call"
    q "$n" 'f["id"]'
    check_eq "$R" tcp "$n: the tcp check fails"
    q "$n" 'f["detail"]'
    check_contains "$R" "$detail" "$n: the detail names the evidence"
    q "$n" 'f["fix"]'
    check_contains "$R" "$fix" "$n: the fix"
    [ ! -f "$S7_TEST_TMP/$n.txt" ] || check_contains "$(cat "$S7_TEST_TMP/$n.txt")" "verdict: $v" "$n: the text verdict"
}

expect drop port_filtered "network team (firewall)" "it answers ICMP echo" "cell firewall rule that passes TCP 102"
q drop 'p["echo"]["saw"]'
check_contains "$R" "reply from $P.2.2" "drop: the echo probe saw the reply"
q drop 'p["route"]["saw"]'
check_contains "$R" "behind the gateway $P.1.1" "drop: the route probe"
q drop 'f["ms"] < 3000'
check_eq "$R" true "drop: decided at the 1000 ms deadline (the host proven up)"

expect reset port_rejected "network team (firewall)" "TTL 64, where the target's own answers arrive with TTL 63" "passes TCP 102"
q reset 'p["ttl"]["saw"]'
check_contains "$R" "TTL 64" "reset: the raw socket saw the RST's TTL"
q reset 'f["ms"] < 2500'
check_eq "$R" true "reset: decided without waiting for a timer"

expect icmp_port port_rejected "network team (firewall)" "ICMP port unreachable (type 3 code 3) from $P.1.1, not from the target" "on $P.1.1"
q icmp_port 'p["syn"]["saw"]'
check_contains "$R" "from $P.1.1 (not the target)" "icmp_port: the offender address"
check_contains "$(cat "$S7_TEST_TMP/icmp_port.txt")" "who acts: network team (firewall)" "icmp_port: the text names who acts"
check_contains "$(cat "$S7_TEST_TMP/icmp_port.txt")" "✓ syn        ECONNREFUSED" "icmp_port: the text lists the probes"

expect admin port_rejected "network team (firewall)" "administratively prohibited (type 3 code 13) from $P.1.1" "the PLC and its cabling are not at fault"

expect admin6 port_rejected "network team (firewall)" "ICMPv6 administratively prohibited from $V6:1::1, not from the target" "on $V6:1::1"
q admin6 'p["route"]["saw"]'
check_contains "$R" "IPv4 only" "admin6: the probes beyond the SYN say they are IPv4 only"

expect dropall no_answer "network team and CPU owner (the evidence tells neither)" "no probe could prove the host alive or down" "to tell the two apart"
q dropall 'p["echo"]["saw"]'
check_contains "$R" "no reply" "dropall: ping dropped"

expect closed port_closed "PLC owner (the CPU's IP address)" "by the target itself: TTL 63, as its other answers (sender verified)" "S7 listens on TCP port 102"

# the router's report may reach the SYN or a probe first (both are the same evidence)
expect off_router host_unreachable "cabling, power and IP of the CPU" "$P.1.1" "a firewall is not the cause"
q off_router 'f["cause"]'
check_contains "$R" "a router reports it unreachable" "off_router: the cause"

# nobody at .97, its port 102 and the echo dropped on the router: only the SYNs to the other
# ports reach the router's ARP, and its report for them is the evidence
expect off_router_other host_unreachable "cabling, power and IP of the CPU" "$P.1.1 reports $P.2.97 unreachable" "a firewall is not the cause"
q off_router_other 'p["tcp:22"]["saw"]'
check_contains "$R" "ICMP type 3 code 1 from $P.1.1" "off_router_other: the report came for another port"

# a firewall that rejects TCP 102 with "host unreachable" while the host answers ping and
# its other ports: the message is the filter's
expect unreach_filter port_rejected "network team (firewall)" "while $P.2.8 is up" "on $P.1.1"
# every TCP port reset by the router, ICMP dropped: the RSTs come zero hops away, the target
# is behind the router; the other ports' RSTs are the router's too
expect reset_all port_rejected "network team (firewall)" "a sender zero hops away" "passes TCP 102"
# the handshake passes, the data after it is dropped: the CR never reaches the CPU's TCP
q halfopen 'd["verdict"]'
check_eq "$R" port_filtered "halfopen: verdict port_filtered (the path, not the device)"
q halfopen 'f["id"]'
check_eq "$R" cotp "halfopen: the cotp check fails"
q halfopen 'd["network"]["team"]'
check_eq "$R" "network team (firewall)" "halfopen: the team to call"
q halfopen 'f["detail"]'
check_contains "$R" "never acknowledged the CR's bytes" "halfopen: the detail says the CR never arrived"
# the gateway of this machine's route answers no ARP: this machine's routing, not the CPU
expect dead_gw no_route "routing of this machine" "behind the gateway $P.1.77, and no device answers ARP for $P.1.77" "its gateway $P.1.77"

expect off_segment host_unreachable "cabling, power and IP of the CPU" "no device answers ARP for $P.1.99" "check that it is powered"
q off_segment 'p["neighbour"]["saw"]'
# the entry is seen FAILED, or still INCOMPLETE after the wait when a SYN retransmission
# restarted ARP within the 10 ms between two looks: either way nobody answered
check_match "$R" "FAILED|INCOMPLETE" "off_segment: the ARP entry failed (or never resolved)"
q off_segment 'f["ms"] >= 2500'
check_eq "$R" true "off_segment: ARP was waited for (not cut by the 3000 ms timer)"

# --inventory --as: an undocumented path dropped is by design; a documented one rejected is not
expect drop_undoc port_filtered "nobody if the partner does not need the path (blocked by design); else the inventory's author, then the network team" "path not documented: no connection in" "nothing to fix if this partner does not need the path"
q drop_undoc 'f["cause"]'
check_contains "$R" "by design, not a fault" "undocumented path: by design"
q drop_undoc 'd["path"]["documented"]'
check_eq "$R" false "undocumented path: documented false"
expect reject_doc port_rejected "network team (firewall)" "path documented: connection 'scada-plc5'" "passes TCP 102"
q reject_doc 'f["cause"]'
check_contains "$R" "the path is documented, so the firewall should pass it" "documented path rejected: a rule is missing"
q reject_doc 'd["path"]["documented"]'
check_eq "$R" true "documented path: documented true"
# probed from another address than the documented partner's (cli does not hold hmi9's): the
# probe does not test the documented path, so no missing rule is claimed
expect reject_elsewhere port_rejected "network team (firewall)" "which does not hold hmi9's address $P.1.9" "passes TCP 102"
q reject_elsewhere 'f["cause"]'
check_lacks "$R" "a rule is missing" "documented path, probed from elsewhere: no missing rule claimed"
q reject_elsewhere 'd["path"]["documented"]'
check_eq "$R" None "documented path, probed from elsewhere: documented null"

q reset_user 'd["verdict"]'
check_eq "$R" port_closed "unprivileged reset: port_closed (the RST cannot be told apart)"
q reset_user 'f["detail"]'
check_contains "$R" "the sender could not be verified" "unprivileged reset: says the sender is not verified"
q reset_user 'p["ttl"]["saw"]'
check_contains "$R" "needs root or CAP_NET_RAW" "unprivileged reset: why the TTL probe did not run"
q reset_user 'f["fix"]'
check_contains "$R" "whether a firewall rejects the port with a reset" "unprivileged reset: the fix mentions the firewall"
q drop_user 'd["verdict"]'
check_eq "$R" port_filtered "unprivileged drop: port_filtered"
q drop_user 'p["echo"]["saw"]'
check_contains "$R" "ping socket: reply from $P.2.2" "unprivileged drop: the unprivileged ping socket proved the host up"
q drop_user 'p["ttl"]["ran"]'
check_eq "$R" false "unprivileged drop: no raw socket"
q off_user 'd["verdict"]'
check_eq "$R" host_unreachable "unprivileged, nobody behind the router: host_unreachable"
q off_user 'p["echo"]["saw"]'
check_contains "$R" "ping socket: $P.1.1 reports $P.2.98 unreachable" "unprivileged: the ping socket's error queue names the router"

# s7 read through the same rules: its one-line error does not claim a TCP reset for the
# router's ICMP port unreachable, nor "no route" (this machine's routing) for its ICMP
# admin-prohibited: both are what the kernel reports (ECONNREFUSED, EHOSTUNREACH), and the
# doctor tells which
out="$(netns_exec cli "$S7_BIN" read $P.2.5 DB1.DBB0 --slot 2 2>&1)"
check_contains "$out" "error: connection to $P.2.5 port 102 refused (TCP reset or ICMP port unreachable)" "s7 read, iptables REJECT: refused, the ICMP port unreachable named"
out="$(netns_exec cli "$S7_BIN" read $P.2.6 DB1.DBB0 --slot 2 2>&1)"
check_contains "$out" "error: $P.2.6 port 102 unreachable: no route from this machine, or an ICMP unreachable (host down, or a firewall's administratively prohibited) answered the connection" "s7 read, admin-prohibited: not 'no route' alone"

# every document against the doctor's schema (ajv, docs/schema/s7-doctor.schema.json)
if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ]; then
    # one document per line, one validator run
    python3 -c '
import json, sys
for f in sys.argv[1:]:
    print(json.dumps(json.load(open(f))))' "$S7_TEST_TMP"/{drop,reset,icmp_port,admin,dropall,closed,off_router,off_segment,reset_user,drop_user,off_user,drop_undoc,reject_doc,reject_elsewhere,admin6,unreach_filter,reset_all,dead_gw,halfopen}.json \
        >"$S7_TEST_TMP/all.jsonl" || fail "the documents could not be read"
    out="$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-doctor "$S7_TEST_TMP/all.jsonl" --lines 2>&1)" &&
        pass "19 documents valid against s7-doctor" || fail "not valid against s7-doctor: $out"
else
    fail "node and ajv are needed to validate the JSON (make deps)"
fi

# the evaluator ends when its input closes
eval "exec $PYQ_IN>&-"
wait "$PYQ_CHILD" 2>/dev/null
finish
