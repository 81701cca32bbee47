#!/usr/bin/env bash
# s7 guard in front of a CPU whose connection resources are used up: the client's CR gets
# what the CPU gives (no CC), not a CC from the guard and then a closed connection at the
# setup.  The emulator as an S7-300 with one PG connection; a first client holds it through
# the guard; `s7 doctor` through the guard must then say what it says talking to the CPU
# directly (cr_rejected, "no free connection resource"), not negotiation_failed (which
# sends the engineer to check the address and the PDU).  When the first client goes, the
# next one through the guard is served.  Also: the guard answers the CR only once the CPU
# accepted (a CPU that is down: the client's CR is closed without a CC).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

command -v python3 >/dev/null 2>&1 || { skip "python3 not installed"; exit 77; }

S7SRV_SLOT=2
start_s7server --profile s7-300 --max-conn pg=1 --db 1:64
CPU_PORT="$S7SRV_PORT"

RULES="$S7_TEST_TMP/rules.yaml"
cat >"$RULES" <<'YAML'
partners:
  - name: eng
    address: 127.0.0.1
    type: pg
    read: [DB1.DBB0..63]
YAML

free_port >/dev/null || die "no free port"
G_PORT="$S7_FREE_PORT"
G_LOG="$S7_TEST_TMP/guard.log"
start_guard() { # start_guard UPSTREAM_PORT
    "$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$1" --rules "$RULES" \
        </dev/null >"$G_LOG" 2>&1 &
    G_PID=$!
    on_exit "kill $G_PID 2>/dev/null"
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on" "$G_LOG" 2>/dev/null && break
        sleep 0.05
    done
}
start_guard "$CPU_PORT"

# a client that sends its CR (and after a CC its setup) through the guard, says what came,
# and holds the connection for $2 seconds
cat >"$S7_TEST_TMP/hold.py" <<'PY'
import socket, struct, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
cr = bytes([0x11, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2])
c.sendall(struct.pack(">BBH", 3, 0, 4 + len(cr)) + cr)
try:
    h = c.recv(64)
except OSError as e:
    h = b""
if len(h) > 5 and h[5] == 0xD0:  # and the setup, as every client does next
    su = bytes([2, 0xF0, 0x80, 0x32, 1, 0, 0, 0, 1, 0, 8, 0, 0, 0xF0, 0, 0, 1, 0, 1, 0, 240])
    c.sendall(struct.pack(">BBH", 3, 0, 4 + len(su)) + su)
    a = c.recv(64)
    print("CC, setup " + ("answered" if len(a) > 8 and a[8] == 3 else "not answered"), flush=True)
else:
    print("closed without a CC" if not h else h.hex(), flush=True)
time.sleep(float(sys.argv[2]))
PY

HOLD_OUT="$S7_TEST_TMP/hold.out"
python3 "$S7_TEST_TMP/hold.py" "$G_PORT" 4 >"$HOLD_OUT" 2>&1 &
H_PID=$!
on_exit "kill $H_PID 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    [ -s "$HOLD_OUT" ] && break
    sleep 0.05
done
check_eq "$(cat "$HOLD_OUT")" "CC, setup answered" "the first client is set up (the CPU accepted the guard's connection)"

direct="$(timeout 20 "$S7_BIN" doctor "127.0.0.1:$CPU_PORT" --slot 2 --no-alternatives --json 2>&1)"
via="$(timeout 20 "$S7_BIN" doctor "127.0.0.1:$G_PORT" --slot 2 --no-alternatives --json 2>&1)"
check_match "$direct" '"verdict": *"cr_rejected"' "the CPU's PG resource used up, directly: cr_rejected"
check_match "$via" '"verdict": *"cr_rejected"' "the same through the guard: cr_rejected"
check_lacks "$via" "negotiation_failed" "through the guard: not negotiation_failed"
check_contains "$(cat "$G_LOG")" "no CC: the CPU did not accept the connection" \
    "the guard's log says why the CR got no CC"

wait "$H_PID" 2>/dev/null
out="$(timeout 20 "$S7_BIN" read "127.0.0.1:$G_PORT" DB1.DBB0 --slot 2 2>&1)"
check_eq "$?" 0 "once the first client went, the next one through the guard reads ($out)"

# the CPU down: the client's CR is closed without a CC, as a relay would show it
kill "$G_PID" 2>/dev/null
wait "$G_PID" 2>/dev/null
free_port >/dev/null || die "no free port"
start_guard "$S7_FREE_PORT"
check_eq "$(timeout 10 python3 "$S7_TEST_TMP/hold.py" "$G_PORT" 0 2>&1)" "closed without a CC" \
    "the CPU down: the client's CR closed without a CC"
finish
