#!/usr/bin/env bash
# The control socket of s7 inventory simulate (docs/simulate.md) as operators and careless
# scripts use it: clients that connect and send nothing, or send their line slowly, hold up
# neither the CPUs nor the other clients (the simulation answered nothing for a second per
# such client), and are told when their 5 s are up; NUL and control bytes in a command are
# no part of a known command; a line over 4096 bytes is refused whole; --send gives up after
# 10 s; --control refuses a path that holds a file (it was deleted) or the socket of a
# simulation that still runs (it lost its control); status answers every exchange of a plant
# of 300 (it was cut at 16 KB).  Every wait is bounded.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
need_cmd python3

EX="$S7_SOURCE/docs/inventory-example.yaml"
INV="$S7_TEST_TMP/sim.yaml"
SOCK="$S7_TEST_TMP/sim.sock"
"$S7_BIN" inventory simulate "$EX" --loopback --write-inventory "$INV" --control "$SOCK" \
    --for 60s >"$S7_TEST_TMP/sim.log" 2>&1 &
SIM=$!
_S7_PIDS+=("$SIM")
for ((i = 0; i < 100; i++)); do
    [ -s "$INV" ] && [ -S "$SOCK" ] && break
    kill -0 "$SIM" 2>/dev/null || break
    sleep 0.1
done
[ -S "$SOCK" ] || die "the simulation did not start: $(cat "$S7_TEST_TMP/sim.log")"

# clients on the socket (python3): N that connect and send nothing, printing what they get
# within 8 s; one that sends "sum", then "mary" 1.5 s later
python3 - "$SOCK" >"$S7_TEST_TMP/idle.out" 2>&1 <<'PY' &
import socket, sys, time
cs = []
for i in range(4):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.settimeout(8); cs.append(s)
slow = socket.socket(socket.AF_UNIX); slow.connect(sys.argv[1]); slow.settimeout(8)
slow.sendall(b"sum"); time.sleep(1.5); slow.sendall(b"mary\n")
print("slow:", slow.recv(4096).decode().strip())
for s in cs:
    try: print("idle:", s.recv(4096).decode().strip())
    except Exception as e: print("idle: nothing,", e)
PY
IDLE=$!
sleep 0.5
t0=$(date +%s%N)
out="$(timeout 5 "$S7_BIN" inventory simulate --control "$SOCK" --send summary 2>&1)"
t1=$(date +%s%N)
check_match "$out" "^cpus 3 listening 3 " "a summary while idle clients hold the socket"
if [ $(((t1 - t0) / 1000000)) -lt 2000 ]; then # a liveness bound, not a speed figure
    pass "... answered at once ($(((t1 - t0) / 1000000)) ms; it waited a second per idle client)"
else
    fail "... took $(((t1 - t0) / 1000000)) ms with 4 idle clients"
fi
A="$(sed -n 's/^ *plc-line *\([0-9.]*\):\([0-9]*\).*/\1:\2/p' "$S7_TEST_TMP/sim.log" | head -1)"
check_ok "the CPUs answer while idle clients hold the socket" "$S7_BIN" read "$A" DB10.DBW0 --timeout 1s
wait "$IDLE"
check_contains "$(cat "$S7_TEST_TMP/idle.out")" "slow: cpus 3 listening 3" "a line sent in two parts 1.5 s apart is answered"
check_eq "$(grep -c '^idle: error: no command within 5 s' "$S7_TEST_TMP/idle.out")" 4 \
    "each client that sent nothing is told after 5 s"

# what a command line may hold
out="$(python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"summary\x00junk\x1b[2J\n"); print(s.recv(4096).decode())' "$SOCK")"
check_contains "$out" "error: unknown command 'summary?junk?[2J'" "NUL and ESC are no part of a command, and are not echoed"
out="$(python3 -c 'import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"x"*5000+b"\n"); print(s.recv(4096).decode())' "$SOCK")"
check_contains "$out" "error: the command is longer than 4096 bytes" "a line over 4096 bytes is refused"

# --control over something that is not a stale socket
echo precious >"$S7_TEST_TMP/keep.txt"
check_fails "--control on a file is refused" "$S7_BIN" inventory simulate "$EX" --loopback --control "$S7_TEST_TMP/keep.txt" --for 1s
check_contains "$S7_LAST_OUT" "the path holds a file, which is kept" "... saying what is there"
check_eq "$(cat "$S7_TEST_TMP/keep.txt")" precious "... and the file is kept"
check_fails "--control on a running simulation's socket is refused" "$S7_BIN" inventory simulate "$EX" --loopback --loopback-base 127.77.0.0 --control "$SOCK" --for 1s
check_contains "$S7_LAST_OUT" "a program listens there" "... saying so"
check_ok "the first simulation still answers on it" "$S7_BIN" inventory simulate --control "$SOCK" --send summary

# --send gives up when the simulation does not answer (stopped)
kill -STOP "$SIM"
rc=0
out="$(timeout 30 "$S7_BIN" inventory simulate --control "$SOCK" --send summary 2>&1)" || rc=$?
kill -CONT "$SIM"
check_eq "$rc" 1 "--send to a stopped simulation: exit 1 (not a hang)"
check_contains "$out" "no answer within 10 s" "... saying why"
kill -TERM "$SIM"
wait "$SIM" 2>/dev/null
[ -e "$SOCK" ] && fail "the socket is left behind" || pass "SIGTERM: the socket is removed"

# status of a plant of 300 exchanges: every one
BIG="$S7_TEST_TMP/big.yaml"
{
    echo "plant: three hundred exchanges"
    echo "partners:"
    echo "  - {name: hmi, address: 10.9.0.1, cell: c, kind: hmi, type: op}"
    for i in $(seq 1 60); do echo "  - {name: plc$i, address: 10.9.1.$i, cell: c, profile: s7-1500}"; done
    echo "connections:"
    for i in $(seq 1 60); do
        echo "  - {name: hmi-plc$i, active: hmi, passive: plc$i, exchanges: [{get: DB10.DBB0..DBB7, cycle: 1s}, {get: DB10.DBB8..DBB15, cycle: 1s}, {get: DB10.DBB16..DBB23, cycle: 1s}, {get: DB10.DBB24..DBB31, cycle: 1s}, {get: DB10.DBB32..DBB39, cycle: 1s}]}"
    done
} >"$BIG"
SOCK2="$S7_TEST_TMP/big.sock"
"$S7_BIN" inventory simulate "$BIG" --loopback --loopback-base 127.78.0.0 --control "$SOCK2" \
    --for 60s >"$S7_TEST_TMP/big.log" 2>&1 &
SIM2=$!
_S7_PIDS+=("$SIM2")
for ((i = 0; i < 100; i++)); do
    [ -S "$SOCK2" ] && break
    kill -0 "$SIM2" 2>/dev/null || break
    sleep 0.1
done
out="$("$S7_BIN" inventory simulate --control "$SOCK2" --send status 2>&1)"
check_eq "$(grep -c ' #[0-9] GET ' <<<"$out")" 300 "status: a line for each of the 300 exchanges"
check_match "$(tail -n 1 <<<"$out")" "ok / [0-9]+ err" "... the last one whole"
kill -TERM "$SIM2"
wait "$SIM2" 2>/dev/null
finish
