#!/usr/bin/env bash
# s7 inventory simulate's network faults in namespaces (root), and faults made from outside
# the simulator as an evaluator would make them; s7 inventory check --as, the monitor and
# s7 doctor must name each from its evidence (docs/doctor.md "Network verdicts: who to call" and "Verdicts"):
#   router:reject:line-filler (ICMP admin-prohibited from the router)  -> port_rejected
#   router:reset:hmi-filler (a TCP reset with the router's TTL)         -> port_rejected
#   plc-capper:down (its address gone: ARP fails)                       -> host_unreachable
#   router:drop_replies:line-filler (SYN passes, nothing comes back)    -> port_filtered
#   plc-capper:port_closed (RST with the target's TTL)                  -> port_closed
#   an nft drop / reject rule added in the router namespace             -> port_filtered / port_rejected
#   102 dropped and every other echo request (a lossy path)             -> port_filtered, the loss named
#   the CPUs' cell link set down                                        -> host_unreachable
#   the simulation killed (SIGKILL: namespaces stay, nothing listens)   -> port_closed
# and the monitor, running across a fault made and removed, shows it and recovers; the
# doctor run as plc-line (--inventory --as) from plc-line's address with line-capper's TSAPs.  The
# slow probes (ARP gives up after ~3 s) run side by side; every wait is bounded.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
need_netns nft

EX="$S7_SOURCE/docs/inventory-example.yaml"
SOCK="$S7_TEST_TMP/sim.sock"
LOG="$S7_TEST_TMP/sim.log"
T="$S7_TEST_TMP"

"$S7_BIN" inventory simulate "$EX" --control "$SOCK" --fault router:reject:line-filler \
    --fault router:reset:hmi-filler --fault plc-capper:down --for 120s >"$LOG" 2>&1 &
SIM=$!
_S7_PIDS+=("$SIM")
on_exit "for n in \$(ip netns list | awk '{print \$1}' | grep '^s7sim$SIM-'); do ip netns del \$n; done"
for ((i = 0; i < 100; i++)); do
    grep -q "up in" "$LOG" 2>/dev/null && [ -S "$SOCK" ] && break
    kill -0 "$SIM" 2>/dev/null || break
    sleep 0.1
done
grep -q "up in" "$LOG" || die "simulation not up: $(cat "$LOG")"
LINE="s7sim$SIM-line"
MACH="s7sim$SIM-machines"
ROUTER="s7sim$SIM-router"
send() { "$S7_BIN" inventory simulate --control "$SOCK" --send "$1"; }
check_eq "$(ip -n "$MACH" -4 -o addr show dev eth0 | grep -c '10.10.2.11/')" 0 "plc-capper:down: its address is off the cell's interface"
check_eq "$(ip -n "$MACH" -4 -o addr show dev eth0 | grep -c '10.10.2.10/')" 1 "plc-filler, in the same cell, keeps its address"

# --- the simulation's faults, the slow probes side by side
"$S7_BIN" inventory check "$EX" --as plc-line --timeout 2s --connection line-filler --connection line-capper >"$T/a1" 2>&1 &
c1=$!
"$S7_BIN" inventory check "$EX" --as hmi-line --timeout 2s --connection hmi-filler >"$T/a2" 2>&1 &
c2=$!
ip netns exec "$MACH" "$S7_BIN" doctor 10.10.2.11 --slot 2 >"$T/a3" 2>&1 &
c3=$!
ip netns exec "$LINE" "$S7_BIN" inventory monitor "$EX" --as plc-line --count 1 --timeout 2s --connection line-filler --connection line-capper >"$T/a4" 2>&1 &
c4=$!
wait "$c1" "$c2" "$c3" "$c4" || true
# should the router's report be missing, show what the router did: its neighbour entry for
# plc-capper and its ICMP counters (rate limits included)
if ! grep -q 'line-capper .*host_unreachable' "$T/a1" "$T/a4"; then
    echo "# router $ROUTER: $(ip -n "$ROUTER" neigh show 10.10.2.11)"
    ip netns exec "$ROUTER" nstat -az 2>/dev/null | grep -E '^Icmp(Out|Msg)' | sed 's/^/# router: /'
fi
out="$(cat "$T/a1")"
check_match "$out" "line-filler +plc-line -> plc-filler 10.10.2.10:102 +port_rejected +FAIL" "router:reject: line-filler port_rejected"
check_contains "$out" "ICMP communication administratively prohibited (type 3 code 13) from 10.10.1.254, not from the target" "router:reject: the router named as the sender"
check_match "$out" "line-capper +plc-line -> plc-capper 10.10.2.11:102 +host_unreachable +FAIL" "CPU:down behind the router: host_unreachable"
check_match "$out" "ICMP host unreachable \(type 3 code 1\) from 10.10.1.254|10.10.1.254 reports 10.10.2.11 unreachable" "CPU:down: the router's ICMP is the evidence"
out="$(cat "$T/a2")"
check_match "$out" "hmi-filler +hmi-line -> plc-filler 10.10.2.10:102 +port_rejected +FAIL" "router:reset: hmi-filler port_rejected"
check_contains "$out" "the RST came from a device on the path" "router:reset: the RST's TTL is not the target's"
out="$(cat "$T/a3")"
check_contains "$out" "verdict: host_unreachable" "doctor on plc-capper's segment: host_unreachable"
check_contains "$out" "no device answers ARP for 10.10.2.11" "doctor: ARP failed is the evidence"
out="$(cat "$T/a4")"
check_match "$out" "line-filler +fail +port_rejected" "monitor: line-filler port_rejected"
check_match "$out" "line-capper +fail +host_unreachable" "monitor: line-capper host_unreachable"
out="$(ip netns exec "$LINE" "$S7_BIN" doctor plc-filler --inventory "$EX" --as plc-line 2>&1)" || true
check_contains "$out" "verdict: port_rejected" "doctor --as plc-line: port_rejected by the router"
check_contains "$out" "the path is documented, so the firewall should pass it" "doctor: a documented path rejected: a rule is missing"

# --- cleared; the other two faults
check_ok "clear router:reject:line-filler" send "clear router:reject:line-filler"
check_ok "clear router:reset:hmi-filler" send "clear router:reset:hmi-filler"
check_ok "clear plc-capper:down" send "clear plc-capper:down"
check_fails "clearing CPU:down again" send "clear plc-capper:down"
check_contains "$S7_LAST_OUT" "error: plc-capper is not down" "the refusal says why (not the ip command's error)"
check_fails "clearing a router fault not injected" send "clear router:drop:line-filler"
check_contains "$S7_LAST_OUT" "connection line-filler has no such router fault" "the refusal says why"
check_ok "fault router:drop_replies:line-filler" send "fault router:drop_replies:line-filler"
# one router fault a connection: a second one is refused naming the first (it took the
# first's place without a word), and so is the same one again
check_fails "a second router fault on a connection is refused" send "fault router:drop:line-filler"
check_contains "$S7_LAST_OUT" "error: connection line-filler holds the fault router:drop_replies:line-filler: one router fault a connection; clear it first (clear router:drop_replies:line-filler)" "the fault held and the fix named"
check_fails "the same router fault again is refused" send "fault router:drop_replies:line-filler"
check_contains "$S7_LAST_OUT" "holds router:drop_replies:line-filler already" "why named"
check_fails "clearing another router fault than the one held" send "clear router:reject:line-filler"
check_contains "$S7_LAST_OUT" "it holds router:drop_replies:line-filler (clear router:drop_replies:line-filler)" "the fault held named"
check_eq "$(ip netns exec "$ROUTER" nft list chain inet s7sim forward | grep -c 'fault router:drop_replies:line-filler')" 1 "the router keeps the first fault's one rule"
# the same at the start: refused as a usage error before anything is made (exit 2)
rc=0
out=$(timeout 20 "$S7_BIN" inventory simulate "$EX" --for 1s --fault router:drop:line-filler --fault router:reject:line-filler 2>&1) || rc=$?
check_eq "$rc" 2 "two router faults on one connection at the start: exit 2"
check_contains "$out" "error: --fault router:reject:line-filler: connection line-filler holds the fault router:drop:line-filler: one router fault a connection" "the first one named"
check_ok "fault plc-capper:port_closed" send "fault plc-capper:port_closed"
out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 1s --connection line-filler --connection line-capper 2>&1)" || true
check_match "$out" "line-filler +plc-line -> plc-filler 10.10.2.10:102 +port_filtered +FAIL" "router:drop_replies: port_filtered"
check_contains "$out" "while the host is up" "drop_replies: the host proven up"
check_match "$out" "line-capper +plc-line -> plc-capper 10.10.2.11:102 +port_closed +FAIL" "CPU:port_closed through the router: port_closed"
check_contains "$out" "sender verified" "port_closed: the RST's TTL is the target's"
# the doctor from the right partner: plc-line's address (bound: the kernel's choice in the
# cell would be hmi-line's, which the router's rules drop) and line-capper's TSAPs
check_ok "clear plc-capper:port_closed" send "clear plc-capper:port_closed"
check_ok "fault plc-capper:slot:3" send "fault plc-capper:slot:3"
out="$(ip netns exec "$LINE" "$S7_BIN" doctor plc-capper --inventory "$EX" --as plc-line 2>&1)" || true
check_contains "$out" "verdict: cr_rejected" "doctor --as plc-line: cr_rejected at the documented slot"
check_contains "$out" "CR (TSAPs 0100:0302)" "doctor --as plc-line: the documented connection's TSAPs"
check_contains "$out" "use --rack 0 --slot 3 --type basic" "doctor --as plc-line: the slot that works, the documented type"
check_contains "$out" "probed from plc-line's address 10.10.1.10" "doctor --as plc-line: from plc-line's address"
check_ok "clear plc-capper:slot:3" send "clear plc-capper:slot:3"
check_ok "clear router:drop_replies:line-filler" send "clear router:drop_replies:line-filler"
out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 2s --connection line-filler --connection line-capper 2>&1)" || true
check_contains "$out" "2 of 2 connections pass" "every fault cleared: both pass"

# --- faults made from outside: rules in the router namespace, the monitor running across
ip netns exec "$LINE" "$S7_BIN" inventory monitor "$EX" --as plc-line --count 4 --every 1s --timeout 1s \
    --connection line-capper >"$T/mon" 2>&1 &
MON=$!
_S7_PIDS+=("$MON")
wait_round() { # N: until the monitor printed round N's lines (10 s at most)
    local i
    for ((i = 0; i < 100; i++)); do
        [ "$(grep -c '^line-capper' "$T/mon")" -ge "$1" ] && return 0
        sleep 0.1
    done
    return 1
}
wait_round 1 || fail "monitor: no first round: $(cat "$T/mon")"
ip netns exec "$ROUTER" nft add table inet evaluator
ip netns exec "$ROUTER" nft add chain inet evaluator f '{ type filter hook forward priority -20; }'
ip netns exec "$ROUTER" nft add rule inet evaluator f ip daddr 10.10.2.11 tcp dport 102 drop
wait_round 2 || fail "monitor: no second round: $(cat "$T/mon")"
ip netns exec "$ROUTER" nft flush chain inet evaluator f
wait "$MON" || true
out="$(cat "$T/mon")"
check_match "$(grep '^line-capper' "$T/mon" | sed -n 1p)" "line-capper +pass +ok" "monitor round 1: ok"
check_match "$(grep '^line-capper' "$T/mon" | sed -n 2p)" "line-capper +fail +port_filtered" "monitor round 2: an nft drop on the router: port_filtered"
# (round 3 may have begun before the rule went)
check_match "$(grep '^line-capper' "$T/mon" | sed -n 4p)" "line-capper +pass +ok" "monitor round 4: recovered once the rule is gone"
ip netns exec "$ROUTER" nft add rule inet evaluator f ip daddr 10.10.2.11 tcp dport 102 reject
out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 1s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +plc-line -> plc-capper 10.10.2.11:102 +port_rejected +FAIL" "an nft reject (ICMP port unreachable) on the router: port_rejected"
# a lossy path made deterministic: every other echo request dropped, and 102 as well: the
# doctor names the loss (the echo requests after the first reply), not a firewall alone
ip netns exec "$ROUTER" nft flush chain inet evaluator f
ip netns exec "$ROUTER" nft add rule inet evaluator f ip daddr 10.10.2.11 tcp dport 102 drop
ip netns exec "$ROUTER" nft add rule inet evaluator f ip daddr 10.10.2.11 icmp type echo-request numgen inc mod 2 == 0 drop
# (--timeout 4s: the echo requests come 1 s apart until one is answered; on a loaded machine
# 2 s left room for one answered request at most, and the loss went unseen in a full run)
out="$(ip netns exec "$LINE" "$S7_BIN" doctor 10.10.2.11 --slot 2 --timeout 4s 2>&1)" || true
check_contains "$out" "verdict: port_filtered" "lossy path: no answer to the SYN"
check_match "$out" "the path to 10.10.2.11 loses packets \([1-9][0-9]* of [0-9]+ echo requests unanswered\)" "lossy path: the loss named in the cause"
check_contains "$out" "find the packet loss first" "lossy path: the fix starts with the loss"
ip netns exec "$ROUTER" nft delete table inet evaluator

# the CPUs' cell link down: the router, as a real one, drops the route over a link that is
# down and answers ICMP net unreachable (its ICMP errors are not rate limited in the simulation)
ip -n "$MACH" link set eth0 down
out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 2s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +plc-line -> plc-capper 10.10.2.11:102 +host_unreachable +FAIL" "link down: host_unreachable (the router has no route over a link that is down)"
ip -n "$MACH" link set eth0 up
ip -n "$MACH" route replace default via 10.10.2.254
for ((i = 0; i < 30; i++)); do
    out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 1s --connection line-capper 2>&1)" || true
    [[ "$out" == *"1 of 1 connection pass"* ]] && break
    sleep 0.2
done
check_contains "$out" "1 of 1 connection pass" "link up again: line-capper passes"

# the simulation killed: its namespaces stay, nothing listens any more
kill -KILL "$SIM"
wait "$SIM" 2>/dev/null || true
out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 1s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +plc-line -> plc-capper 10.10.2.11:102 +port_closed +FAIL" "simulation killed: port_closed (the host's namespace answers with RST)"
for n in $(ip netns list | awk '{print $1}' | grep "^s7sim$SIM-"); do ip netns del "$n"; done
check_eq "$(ip netns list | grep -c "^s7sim$SIM-")" 0 "the killed run's namespaces removed"
finish
