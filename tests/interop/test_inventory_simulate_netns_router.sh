#!/usr/bin/env bash
# s7 inventory simulate's router faults change the router's fault chain in one nft
# transaction: injecting or clearing one connection's router fault never lifts another
# connection's for a moment (root; docs/simulate.md "Faults").  With router:drop:line-filler
# held, a prober in the line cell sends a SYN from plc-line's address to plc-filler's port
# about every millisecond while router:reject:hmi-filler is injected and cleared 10 times;
# no connection may be set up.  (The chain was flushed and refilled one nft run a rule: in
# those gaps the SYN and SYN-ACK passed and connections were set up, and the doctor and the
# monitor saw negotiation_failed, not port_filtered, for a connection whose fault never
# changed.)  The fault still holds afterwards: check --as plc-line gives port_filtered.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
need_netns nft python3

EX="$S7_SOURCE/docs/inventory-example.yaml"
SOCK="$S7_TEST_TMP/sim.sock"
LOG="$S7_TEST_TMP/sim.log"
T="$S7_TEST_TMP"

"$S7_BIN" inventory simulate "$EX" --control "$SOCK" --fault router:drop:line-filler \
    --for 60s >"$LOG" 2>&1 &
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
send() { "$S7_BIN" inventory simulate --control "$SOCK" --send "$1"; }

cat >"$T/probe.py" <<'PY'
import select, socket, sys, time
end = time.time() + float(sys.argv[1])
up = 0
p = select.poll()
open_ = {}
while time.time() < end:
    s = socket.socket()
    s.setblocking(False)
    s.bind(("10.10.1.10", 0))
    s.connect_ex(("10.10.2.10", 102))
    open_[s.fileno()] = (s, time.time())
    p.register(s, select.POLLOUT)
    for fd, ev in p.poll(1):
        s, _ = open_.pop(fd)
        p.unregister(fd)
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            up += 1
        s.close()
    now = time.time()
    for fd, (s, t) in list(open_.items()):
        if now - t > 0.3:
            p.unregister(fd)
            s.close()
            del open_[fd]
print(up)
PY
ip netns exec "$LINE" python3 "$T/probe.py" 6 >"$T/probe.out" 2>&1 &
PROBE=$!
_S7_PIDS+=("$PROBE")
sleep 0.5
n=0
for ((i = 0; i < 10; i++)); do
    send "fault router:reject:hmi-filler" >/dev/null && n=$((n + 1))
    send "clear router:reject:hmi-filler" >/dev/null && n=$((n + 1))
done
wait "$PROBE" || true
check_eq "$n" 20 "router:reject:hmi-filler injected and cleared 10 times"
check_eq "$(cat "$T/probe.out")" 0 "no SYN of line-filler passed the router while other router faults changed"
out="$("$S7_BIN" inventory check "$EX" --as plc-line --timeout 1s --connection line-filler 2>&1)" || true
check_match "$out" "line-filler +plc-line -> plc-filler 10.10.2.10:102 +port_filtered +FAIL" "router:drop:line-filler still holds: port_filtered"
kill -TERM "$SIM" 2>/dev/null
wait "$SIM" 2>/dev/null
check_eq "$(ip netns list | grep -c "^s7sim$SIM-")" 0 "no namespace left after SIGTERM"
finish
