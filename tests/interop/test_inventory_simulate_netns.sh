#!/usr/bin/env bash
# s7 inventory simulate in network namespaces (root): docs/inventory-example.yaml with its
# documented addresses, one namespace per cell and a router applying the inventory's rules;
# a router fault (router:drop:line-filler) injected at the start, then a CPU fault at run
# time; s7 inventory check --as plc-line and s7 doctor from plc-line's namespace report
# each fault's verdict, the paths the firewall forbids stay closed; after SIGTERM (and
# SIGINT, and --for) no namespace and no veth of the simulation is left; the namespaces of
# a run killed with SIGKILL are removed by the next run.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
need_netns nft

EX="$S7_SOURCE/docs/inventory-example.yaml"
SOCK="$S7_TEST_TMP/sim.sock"
LOG="$S7_TEST_TMP/sim.log"

"$S7_BIN" inventory simulate "$EX" --control "$SOCK" --fault router:drop:line-filler \
    --for 120s >"$LOG" 2>&1 &
SIM=$!
_S7_PIDS+=("$SIM")
LINE="s7sim$SIM-line"
# a killed run leaves its namespaces to the next one: remove them here in any case
on_exit "for n in \$(ip netns list | awk '{print \$1}' | grep '^s7sim$SIM-'); do ip netns del \$n; done"
for ((i = 0; i < 100; i++)); do
    grep -q "up in" "$LOG" 2>/dev/null && [ -S "$SOCK" ] && break
    kill -0 "$SIM" 2>/dev/null || break
    sleep 0.1
done
grep -q "up in" "$LOG" || die "simulation not up: $(cat "$LOG")"
check_contains "$(cat "$LOG")" "3 CPUs listening, 5 connections, 8 exchanges, network namespaces" "the plant is up in namespaces"
ns="$(ip netns list | awk '{print $1}' | grep "^s7sim$SIM-" | sort | tr '\n' ' ')"
check_eq "$ns" "s7sim$SIM-control s7sim$SIM-line s7sim$SIM-machines s7sim$SIM-router " "one namespace per cell and the router"
check_contains "$(ip -n "$LINE" -4 addr show dev eth0)" "10.10.1.10/24" "plc-line's documented address in cell line"

out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 1s 2>&1)" && rc=0 || rc=$?
check_eq "$rc" 1 "check --as plc-line fails"
check_contains "$out" "entered network namespace $LINE" "check --as found the cell's namespace"
check_match "$out" "line-filler +plc-line -> plc-filler 10.10.2.10:102 +port_filtered +FAIL" "line-filler: port_filtered (dropped by the router)"
check_match "$out" "line-capper +plc-line -> plc-capper 10.10.2.11:102 +ok +pass" "line-capper passes through the router"
check_match "$out" "hmi-filler +hmi-line -> plc-filler 10.10.2.10:102 +port_filtered +UNPROVEN" "plc-line may not reach plc-filler as the HMI (the rules)"

out="$(ip netns exec "$LINE" "$S7_BIN" inventory monitor "$EX" --as plc-line --count 1 --timeout 1s --connection line-filler --connection line-capper 2>&1)" || true
check_match "$out" "line-filler +fail +port_filtered" "monitor --as plc-line: line-filler port_filtered"
check_match "$out" "line-capper +pass +ok" "monitor --as plc-line: line-capper ok"

# the doctor from the engineering station's cell (es1 -> plc-line is documented)
CONTROL="s7sim$SIM-control"
out="$(ip netns exec "$CONTROL" "$S7_BIN" doctor 10.10.1.10 2>&1)" && rc=0 || rc=$?
check_eq "$rc" 0 "doctor from cell control to plc-line: ok"

# plc-line runs its exchanges as its own GET/PUT jobs, from its address in cell line: the
# router passes line-capper's (STATUS 0, NDR set) and drops line-filler's (1/1); the words
# read from plc-line's DB9000 (docs/simulate.md)
for ((i = 0; i < 100; i++)); do
    f="$(ip netns exec "$CONTROL" "$S7_BIN" read 10.10.1.10 DB9000.DBW0:INT 2>&1)"
    [ "$f" = "DB9000.DBW0:INT = 1" ] && break
    sleep 0.1
done
check_eq "$f" "DB9000.DBW0:INT = 1" "line-filler's GET job on plc-line: STATUS 1 (the router drops it)"
check_eq "$(ip netns exec "$CONTROL" "$S7_BIN" read 10.10.1.10 DB9000.DBW48:INT 2>&1)" "DB9000.DBW48:INT = 0" "line-capper's GET job: STATUS 0"
check_eq "$(ip netns exec "$CONTROL" "$S7_BIN" read 10.10.1.10 DB9000.DBW50:INT 2>&1)" "DB9000.DBW50:INT = 256" "line-capper's GET job: NDR set, ERROR clear"

# run time: the capper stops, plc-line refuses PUT/GET, the router passes line-filler again
check_ok "fault plc-capper:stop" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-capper:stop"
check_ok "fault plc-line:put_get_off" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-line:put_get_off"
check_ok "clear router:drop:line-filler" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear router:drop:line-filler"
out="$(ip netns exec "$CONTROL" "$S7_BIN" doctor 10.10.1.10 2>&1)" && rc=0 || rc=$?
check_contains "$out" "verdict: put_get_disabled" "doctor's verdict: put_get_disabled"
out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 1s 2>&1)" || true
check_match "$out" "line-filler +plc-line -> plc-filler 10.10.2.10:102 +ok +pass" "line-filler passes once the router passes it"
check_match "$out" "line-capper +plc-line -> plc-capper 10.10.2.11:102 +cpu_stopped +FAIL" "line-capper: cpu_stopped"

kill -TERM "$SIM"
for ((i = 0; i < 100; i++)); do
    kill -0 "$SIM" 2>/dev/null || break
    sleep 0.1
done
rc=0
wait "$SIM" || rc=$?
check_eq "$rc" 0 "SIGTERM ends it with exit 0"
check_eq "$(ip netns list | grep -c "^s7sim$SIM-")" 0 "no namespace of the simulation left"
check_eq "$(ip -o link show | grep -c "s7s$((SIM % 1000000))[cr]")" 0 "no veth of the simulation left"
check_contains "$(cat "$LOG")" "namespaces removed" "it says so"

# SIGINT cleans up as SIGTERM does
wait_up() { # LOG PID: 0 once the simulation printed its start line (10 s at most)
    local i
    for ((i = 0; i < 100; i++)); do
        grep -q "up in" "$1" 2>/dev/null && return 0
        kill -0 "$2" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}
"$S7_BIN" inventory simulate "$EX" --for 120s >"$LOG.int" 2>&1 &
P2=$!
_S7_PIDS+=("$P2")
wait_up "$LOG.int" "$P2" || fail "second run not up: $(cat "$LOG.int")"
kill -INT "$P2"
rc=0
wait "$P2" || rc=$?
check_eq "$rc" 0 "SIGINT ends it with exit 0"
check_eq "$(ip netns list | grep -c "^s7sim$P2-")" 0 "no namespace left after SIGINT"

# a run killed with SIGKILL leaves its namespaces; the next run removes them (and its own
# when its --for is over)
"$S7_BIN" inventory simulate "$EX" --for 120s >"$LOG.kill" 2>&1 &
P3=$!
_S7_PIDS+=("$P3")
on_exit "for n in \$(ip netns list | awk '{print \$1}' | grep '^s7sim$P3-'); do ip netns del \$n; done"
wait_up "$LOG.kill" "$P3" || fail "third run not up: $(cat "$LOG.kill")"
kill -KILL "$P3"
wait "$P3" 2>/dev/null || true
check_eq "$(ip netns list | grep -c "^s7sim$P3-")" 4 "SIGKILL leaves the four namespaces"
# a stale one whose PID lives on as another program (PID 1 is no simulator): stale as well
ip netns add s7sim1-stale || fail "ip netns add s7sim1-stale"
on_exit "ip netns del s7sim1-stale 2>/dev/null || true"
out="$("$S7_BIN" inventory simulate "$EX" --for 300ms 2>&1)" && rc=0 || rc=$?
check_eq "$rc" 0 "the next run (--for 300ms) ends by itself with exit 0"
check_contains "$out" "removed 5 namespaces of an earlier run that was killed" "it says it removed the killed run's (and the PID-reused one)"
check_eq "$(ip netns list | grep -c "^s7sim1-stale")" 0 "the namespace of a PID that is no simulator is gone"
check_contains "$out" "namespaces removed" "and its own at the end"
check_eq "$(ip netns list | grep -c "^s7sim$P3-")" 0 "none of the killed run's left"
finish
