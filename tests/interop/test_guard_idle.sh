#!/usr/bin/env bash
# s7 guard's idle timeout and dead clients: with --idle-timeout 1000, a client that only
# waits for the CPU's cyclic pushes (s7 watch --push) is not closed as idle (it was, after
# 1 s: "closed ...: idle timeout", and its subscription ended), on a dedicated and on a
# shared upstream, and gets the change made 2.5 s later; a client with nothing subscribed
# and nothing asked is closed after the second.  Every client socket of the guard has TCP
# keepalive on (ss shows its timer), so a client that vanishes without a FIN gives its
# place back (it held it until the CPU's own idle timeout closed the upstream).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

command -v python3 >/dev/null 2>&1 || { skip "python3 not installed"; exit 77; }
command -v ss >/dev/null 2>&1 || { skip "ss (iproute2) not installed"; exit 77; }

S7SRV_SLOT=2
start_s7server --profile s7-300 --db 1:64
CPU_PORT="$S7SRV_PORT"

RULES="$S7_TEST_TMP/rules.yaml"
cat >"$RULES" <<'YAML'
partners:
  - name: eng
    address: 127.0.0.1
    type: pg
    read: [DB1.DBB0..63]
    services: [szl-identity, cyclic]
  - name: hmis
    address: 127.0.0.1
    type: op
    upstream: shared
    read: [DB1.DBB0..63]
    services: [szl-identity, cyclic]
YAML

free_port >/dev/null || die "no free port"
G_PORT="$S7_FREE_PORT"
G_LOG="$S7_TEST_TMP/guard.log"
"$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$CPU_PORT" --rules "$RULES" \
    --idle-timeout 1000 </dev/null >"$G_LOG" 2>&1 &
G_PID=$!
on_exit "kill $G_PID 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    grep -q "listening on" "$G_LOG" 2>/dev/null && break
    sleep 0.05
done

# two watchers by push through the guard (PG: dedicated; OP: shared), a third client that
# sets up and then asks nothing
W1="$S7_TEST_TMP/w1.out"
W2="$S7_TEST_TMP/w2.out"
timeout 20 "$S7_BIN" watch "127.0.0.1:$G_PORT" DB1.DBW0 --push --every 100 --count 2 --slot 2 \
    >"$W1" 2>&1 &
P1=$!
timeout 20 "$S7_BIN" watch "127.0.0.1:$G_PORT" DB1.DBW0 --push --every 100 --count 2 --slot 2 \
    --type op >"$W2" 2>&1 &
P2=$!
on_exit "kill $P1 $P2 2>/dev/null"
cat >"$S7_TEST_TMP/idle.py" <<'PY'
import socket, struct, sys, time
c = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
cr = bytes([0x11, 0xE0, 0, 0, 0, 1, 0, 0xC0, 1, 0x0A, 0xC1, 2, 1, 0, 0xC2, 2, 1, 2])
c.sendall(struct.pack(">BBH", 3, 0, 4 + len(cr)) + cr)
c.recv(64)
su = bytes([2, 0xF0, 0x80, 0x32, 1, 0, 0, 0, 1, 0, 8, 0, 0, 0xF0, 0, 0, 1, 0, 1, 0, 240])
c.sendall(struct.pack(">BBH", 3, 0, 4 + len(su)) + su)
c.recv(64)
t0 = time.time()
c.settimeout(10)
try:
    d = c.recv(64)
except OSError:
    d = None
print("closed after %.1f s" % (time.time() - t0) if d == b"" else "not closed")
PY
IDLE_OUT="$(python3 "$S7_TEST_TMP/idle.py" "$G_PORT" 2>&1)"
check_match "$IDLE_OUT" "^closed after (1|2)\.[0-9] s$" "a client with nothing subscribed and nothing asked: closed as idle"

# both watchers subscribed before the sockets are counted and the value changes (a watcher
# that a loaded machine starts late would take the change as its first value and wait for
# a second one until its timeout)
for ((i = 0; i < 200; i++)); do
    grep -q "subscribed" "$W1" 2>/dev/null && grep -q "subscribed" "$W2" 2>/dev/null && break
    sleep 0.05
done
# every client socket of the guard (its listening port) has keepalive on
# (a socket with a reply not yet acknowledged shows its retransmission timer instead, as
# one does just after its subscription was answered: looked at again, at most 2 s)
for ((i = 0; i < 20; i++)); do
    socks="$(ss -tnoH state established "( sport = :$G_PORT )" 2>/dev/null)"
    [ "$(printf '%s\n' "$socks" | grep -c 'timer:(keepalive')" = 2 ] && break
    sleep 0.1
done
check_eq "$(printf '%s\n' "$socks" | grep -c .)" 2 "two clients connected to the guard (the watchers)"
check_eq "$(printf '%s\n' "$socks" | grep -c 'timer:(keepalive')" 2 \
    "every client socket of the guard has TCP keepalive on"

sleep 1.5 # past the idle timeout twice over
"$S7_BIN" write "127.0.0.1:$CPU_PORT" DB1.DBW0=4711 --slot 2 >/dev/null 2>&1 ||
    fail "the write to the CPU directly failed"
wait "$P1"
RC1=$?
wait "$P2"
RC2=$?
check_eq "$RC1" 0 "a push watcher (dedicated upstream) ran to its end (exit 0)"
check_eq "$RC2" 0 "a push watcher (shared upstream) ran to its end (exit 0)"
check_contains "$(cat "$W1")" "DB1.DBW0 = 4711" "the dedicated watcher got the change made after the idle timeout"
check_contains "$(cat "$W2")" "DB1.DBW0 = 4711" "the shared watcher got the change made after the idle timeout"
check_lacks "$(cat "$W1" "$W2")" "connection lost" "no watcher lost its connection"
check_eq "$(grep -c 'idle timeout' "$G_LOG")" 1 "the guard closed one client as idle (the one with nothing subscribed)"
kill "$G_PID" 2>/dev/null
wait "$G_PID" 2>/dev/null
finish
