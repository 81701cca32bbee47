#!/usr/bin/env bash
# s7 guard --threads 2 (issue 12, performance): two event loops in two threads on one
# port, in front of s7kit's CPU emulator as an S7-1500 (PDU 960):
#   64 clients on the shared upstreams read their own data with pipelining (no
#   cross-talk) and the CPU sees one shared connection per thread (2 shared upstreams
#   split 1 + 1); the metrics endpoint sums both loops; the per-source limit holds over
#   both loops; SIGHUP reloads the policy in both (a write refused before is allowed after,
#   on every one of several new connections, a connection still allowed keeps going); a
#   client that asked a PDU of 240 on the 960 shared connection gets a long SZL in parts
#   of its PDU, the same records as directly from the CPU.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

HELPERS="$S7_BUILD/tests/interop"
[ -x "$HELPERS/guard_clients" ] || die "helper $HELPERS/guard_clients not built"

S7SRV_SLOT=1
start_s7server --profile s7-1500 --put-get on --db 1:4096

RULES="$S7_TEST_TMP/rules.yaml"
write_rules() { # write_rules WRITABLE: the OP partner on 2 shared upstreams
    cat >"$RULES" <<RULESEOF
shared_upstreams: 2
partners:
  - name: hmis
    address: 127.0.0.1
    type: op
    upstream: shared
    services: [szl-identity]
    read: [DB1.DBB0..4095]
    write: [DB1.DBB$1]
RULESEOF
}
write_rules "0..4095"

free_port >/dev/null || die "no free port"
G_PORT="$S7_FREE_PORT"
free_port >/dev/null || die "no free port"
MPORT="$S7_FREE_PORT"
G_LOG="$S7_TEST_TMP/guard.log"
"$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$S7SRV_PORT" --threads 2 \
    --rules "$RULES" --max-per-source 0 --metrics "127.0.0.1:$MPORT" </dev/null >"$G_LOG" 2>&1 &
G_PID=$!
on_exit "kill $G_PID 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c "listening on 127.0.0.1:$G_PORT" "$G_LOG" 2>/dev/null)" = 2 ] && break
    kill -0 "$G_PID" 2>/dev/null || break
    sleep 0.05
done
check_eq "$(grep -c "listening on 127.0.0.1:$G_PORT" "$G_LOG")" 2 "two event loops listen on one port"
tasks=$(ls "/proc/$G_PID/task" | wc -l)
check_eq "$((tasks >= 3))" 1 "the guard runs two loops' threads and the metrics endpoint's ($tasks)"
# a second guard on the same port would join the first's SO_REUSEPORT group (same user)
# and get half its clients, under a policy of its own: it must refuse to start instead
out="$(timeout 10 "$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$S7SRV_PORT" \
    --threads 2 --rules "$RULES" </dev/null 2>&1)"
check_eq "$?" 1 "a second guard on the port of a running one exits 1"
check_match "$out" "cannot listen on 127\.0\.0\.1:$G_PORT: another process listens there already" \
    "a second guard on the port: the reason, and what to do"
out="$(timeout 10 "$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$S7SRV_PORT" \
    --rules "$RULES" --audit "$S7_TEST_TMP/no/such/dir/audit.jsonl" </dev/null 2>&1)"
check_eq "$?" 1 "an audit log that cannot be opened: exit 1"
check_match "$out" "error: --audit .*/no/such/dir/audit\.jsonl: cannot open it for appending: No such file or directory; create its directory" \
    "an audit log that cannot be opened: the option, the cause and the fix"
# --max-held takes the K/M/G of its default (64M), as s7 server's does
free_port >/dev/null || die "no free port"
"$S7_BIN" guard --listen "127.0.0.1:$S7_FREE_PORT" --upstream "127.0.0.1:$S7SRV_PORT" --rules "$RULES" \
    --max-held 64M </dev/null >"$S7_TEST_TMP/held.log" 2>&1 &
HPID=$!
for ((i = 0; i < 100; i++)); do
    grep -q "listening on 127.0.0.1:$S7_FREE_PORT" "$S7_TEST_TMP/held.log" && break
    kill -0 "$HPID" 2>/dev/null || break
    sleep 0.05
done
check_ok "--max-held 64M accepted (the guard listens)" grep -q "listening on 127.0.0.1:$S7_FREE_PORT" \
    "$S7_TEST_TMP/held.log"
kill "$HPID" 2>/dev/null
wait "$HPID" 2>/dev/null
out="$("$S7_BIN" guard --upstream "127.0.0.1:$S7SRV_PORT" --rules "$RULES" --max-held 64Q 2>&1)"
check_eq "$?" 2 "--max-held 64Q: usage error"
check_match "$out" "--max-held '64Q': must be a byte count 0\\.\\.1024G, with an optional K, M or G" "--max-held 64Q: what is accepted"
out="$("$S7_BIN" guard --upstream "127.0.0.1:$S7SRV_PORT" --rules "$RULES" --max-held 2000G 2>&1)"
check_match "$out" "--max-held '2000G': must be a byte count 0\\.\\.1024G" "--max-held 2000G: the range is named"

# the metrics port taken: exit 1, the option named once, what would be right
free_port >/dev/null || die "no free port"
out="$(timeout 10 "$S7_BIN" guard --listen "127.0.0.1:$S7_FREE_PORT" --upstream "127.0.0.1:$S7SRV_PORT" \
    --rules "$RULES" --metrics "127.0.0.1:$MPORT" </dev/null 2>&1)"
check_eq "$?" 1 "a guard whose metrics port is taken exits 1"
check_match "$out" "error: --metrics '127\.0\.0\.1:$MPORT': cannot listen there .*; choose another port" \
    "the metrics port taken: the option (once), the cause and the fix"
metrics() {
    (exec 3<>"/dev/tcp/127.0.0.1/$MPORT" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null
}

# ---- 64 clients on the shared upstreams, 4 reads in flight each, no cross-talk
before=$(grep -c "connected 127.0.0.1" "$S7SRV_LOG")
out="$("$HELPERS/guard_clients" 127.0.0.1 "$G_PORT" 1 64 3 1 2>&1)"
check_eq "$?" 0 "64 clients through two loops: $out"
check_eq "$out" "64 clients, 3 rounds: 768 reads checked, 0 errors" "every client read its own data"
after=$(grep -c "connected 127.0.0.1" "$S7SRV_LOG")
check_eq "$((after - before))" 2 "the CPU saw 2 connections for the 64 clients (one per loop)"
check_eq "$(grep -c "ready (PDU 960, AmQ [0-9]*) (shared)" "$G_LOG")" 2 \
    "each loop's shared upstream carries the CPU's largest PDU (960)"

# ---- the metrics endpoint sums the loops (each renders its counters once a second)
m=""
for ((i = 0; i < 50; i++)); do
    m="$(metrics)"
    grep -q '^s7guard_accepted_total 64$' <<<"$m" && break
    sleep 0.1
done
check_match "$m" $'\ns7guard_accepted_total 64\r?\n' "metrics: 64 connections accepted over both loops"
check_match "$m" $'\ns7guard_upstreams 2\r?\n' "metrics: 2 upstream connections over both loops"
check_match "$m" $'\ns7guard_partner_decisions_total\\{partner="hmis",action="allowed"\\} [0-9]{3,}' \
    "metrics: per-partner decisions summed"

# ---- a long SZL (0x001C, 10 records of 34 bytes) to a client that asked a PDU of 240: in
# parts of 240 (the guard answers the continuations), the same records as from the CPU
direct="$("$HELPERS/guard_clients" szl 127.0.0.1 "$S7SRV_PORT" 1 240 001c 0 2>&1)"
guarded="$("$HELPERS/guard_clients" szl 127.0.0.1 "$G_PORT" 1 240 001c 0 2>&1)"
check_match "$direct" "^szl 001c: 10 records of 34 bytes, PDU 240" "SZL 0x001C directly"
check_eq "$guarded" "$direct" "SZL 0x001C through the guard, PDU 240 on a 960 connection"

# ---- SIGHUP: both loops reload.  A client held open across the reload keeps going.
"$HELPERS/guard_clients" hold 127.0.0.1 "$G_PORT" 1 4 "$S7_TEST_TMP/go" >"$S7_TEST_TMP/hold.out" 2>&1 &
HOLD=$!
for ((i = 0; i < 100; i++)); do grep -q ready "$S7_TEST_TMP/hold.out" && break; sleep 0.05; done
gw() { "$S7_BIN" write "127.0.0.1:$G_PORT" "DB1.DBB100=$1" --slot 1 --type op --timeout 5000 2>&1; }
write_rules "0..15"
kill -HUP "$G_PID"
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c "policy reloaded: rules" "$G_LOG")" -ge 2 ] && break
    sleep 0.05
done
check_eq "$(grep -c "policy reloaded: rules" "$G_LOG")" 2 "SIGHUP: both loops reloaded the policy"
refused=0
for k in 1 2 3 4 5 6; do
    gw "$k" >>"$S7_TEST_TMP/gw.refused" || refused=$((refused + 1))
done
check_eq "$refused" 6 "after the reload DB1.DBB100 is no longer writable: 6 writes of 6 refused"
check_eq "$(grep -c "0x03\|access denied" "$S7_TEST_TMP/gw.refused")" 6 "each refused with access denied (0x03)"
write_rules "0..4095"
kill -HUP "$G_PID"
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c "policy reloaded: rules" "$G_LOG")" -ge 4 ] && break
    sleep 0.05
done
ok=0
for k in 1 2 3 4 5 6; do
    gw "$k" >>"$S7_TEST_TMP/gw.out" && ok=$((ok + 1))
done
check_eq "$ok" 6 "after a second reload it is writable again: 6 writes of 6 through both loops ($(tail -2 "$S7_TEST_TMP/gw.out" 2>/dev/null))"
touch "$S7_TEST_TMP/go"
rc=0
wait "$HOLD" || rc=$?
check_eq "$rc" 0 "4 clients held open across both reloads: $(tail -1 "$S7_TEST_TMP/hold.out")"
check_eq "$(grep -c "no longer allowed after the reload" "$G_LOG")" 0 "the reloads closed no connection"

kill "$G_PID"
rc=0
wait "$G_PID" || rc=$?
check_eq "$rc" 0 "guard stops with exit 0 on SIGTERM"
if grep -q "Sanitizer" "$G_LOG"; then
    fail "sanitizer report: $(grep -A12 Sanitizer "$G_LOG" | head -20)"
fi

# ---- the per-source limit holds over both loops: 5 clients from one address, limit 3
"$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$S7SRV_PORT" --threads 2 \
    --rules "$RULES" --max-per-source 3 </dev/null >"$G_LOG.2" 2>&1 &
G_PID=$!
on_exit "kill $G_PID 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    [ "$(grep -c "listening on" "$G_LOG.2" 2>/dev/null)" = 2 ] && break
    sleep 0.05
done
out="$("$HELPERS/guard_clients" 127.0.0.1 "$G_PORT" 1 5 1 1 2>&1)"
check_match "$out" "^client 3: connect" "the 4th client from one address is refused (limit 3 over both loops)"
check_eq "$(grep -c "refused 127.0.0.1:[0-9]* (no partner): connect: refused: .*per-source" "$G_LOG.2")" 1 \
    "one connection refused at accept"
kill "$G_PID"
wait "$G_PID" 2>/dev/null

finish
