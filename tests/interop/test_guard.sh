#!/usr/bin/env bash
# s7 guard (issue 12) between clients we did not write (Snap7's client, nodes7) and ours
# (the s7 CLI, libs7's async client) and s7kit's CPU emulator:
#   documented reads and writes pass with the right data; a write where only reading is
#   documented gets 0x03 and never reaches the CPU (the emulator's audit log has no line for
#   it); a mixed request gets the allowed item's data and 0x03 for the other; CPU stop and
#   clock set refused with 0xD241 (the CPU stays in RUN); 64 clients sharing one upstream
#   connection read their own data with four reads in flight each (no cross-talk; the CPU
#   sees one connection; their reads coalesced, several in one request, also with the Snap7
#   server as the CPU); SIGHUP reload (a write allowed after it; a connection the new
#   policy no longer allows is closed); the inventory as the policy (--inventory --cpu);
#   --dry-run (a client the policy would refuse at its CR connected, logged would-refuse); every audit line valid against docs/schema/s7-audit.schema.json; cyclic
#   data through the guard (pushes routed to the subscriber, a subscription outside the
#   readable ranges refused, a client gone unsubscribed); alarms through the shared
#   upstream (three clients registered for ALARM_S each get an alarm raised in the CPU
#   exactly once, a fourth not registered gets nothing, the alarm query is answered to the
#   client that asked; the registration ends on the CPU when the last one goes; a client
#   holding ALARM_S and SCAN and another ALARM each get the alarm in their form once, ending
#   SCAN keeps ALARM_S, nothing stays registered after both go; the alarm
#   service refused to a partner that may not use it); DBREAD items allowed and refused
#   range by range; max_conn (a second connection refused, a new one accepted once the
#   first is gone); the per-partner rate limit (a burst beyond it is held, not refused, and
#   counted; another partner is not held); turns on a shared upstream (a client held by its
#   partner's rate limit does not hold up another partner's client on the same connection).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

HELPERS="$S7_BUILD/tests/interop"
[ -x "$HELPERS/guard_clients" ] || die "helper $HELPERS/guard_clients not built"

# start_guard ARGS...: s7 guard --listen 127.0.0.1:PORT --upstream the emulator ARGS...;
# exports G_PORT, G_PID, G_LOG; killed when the test exits.
_G_N=0
start_guard() {
    local i
    if [ -z "${G_PORT:-}" ]; then # one port for every guard of the test (each one is
        free_port >/dev/null || die "start_guard: no free port" # stopped before the next)
        G_PORT="$S7_FREE_PORT"
    fi
    _G_N=$((_G_N + 1))
    G_LOG="$S7_TEST_TMP/guard.$_G_N.log"
    # the default number of loops: the checks count the CPU's connections, which the cap of
    # the loops at shared_upstreams keeps at what the policy says (test_guard_threads.sh
    # runs --threads 2)
    "$S7_BIN" guard --listen "127.0.0.1:$G_PORT" --upstream "127.0.0.1:$S7SRV_PORT" "$@" \
        </dev/null >"$G_LOG" 2>&1 &
    G_PID=$!
    on_exit "kill $G_PID 2>/dev/null"
    for ((i = 0; i < 100; i++)); do
        grep -q "listening on 127.0.0.1:$G_PORT" "$G_LOG" 2>/dev/null && return 0
        kill -0 "$G_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$G_LOG" >&2
    die "s7 guard did not start"
}
stop_guard() { # SIGTERM: exit 0 and no sanitizer report (ASan builds check leaks at exit)
    local rc=0
    kill "$G_PID" 2>/dev/null
    wait "$G_PID" 2>/dev/null || rc=$?
    check_eq "$rc" 0 "guard $_G_N stops with exit 0 on SIGTERM"
    if grep -q "Sanitizer" "$G_LOG"; then
        fail "guard $_G_N: sanitizer report: $(grep -A12 Sanitizer "$G_LOG" | head -20)"
    fi
}
gcli() { # gcli CMD ARGS...: the s7 CLI through the guard
    local cmd="$1"
    shift
    "$S7_BIN" "$cmd" "127.0.0.1:$G_PORT" "$@" --slot 2 --timeout 5000
}
gsnap7() { "$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" --slot 2 "127.0.0.1:$G_PORT" "$@"; }
gnodes7() { "$S7_NODE" "$S7_INTEROP_DIR/nodes7_client.js" --slot 2 "127.0.0.1:$G_PORT" "$@"; }

S7SRV_SLOT=2
CPU_AUDIT="$S7_TEST_TMP/cpu.audit"
GUARD_AUDIT="$S7_TEST_TMP/guard.audit"
start_s7server --profile s7-300 --db 1:4096 --db 10:64 --db 11:16 --set DB10.DBW0=4660 \
    --set DB10.DBD4:REAL=2.5 --audit "$CPU_AUDIT" --alarm 175:DB11.DBX15.0:level

RULES="$S7_TEST_TMP/rules.yaml"
write_rules() { # the rules file: an OP partner on a shared upstream, and a SCADA host
    cat >"$RULES" <<EOF
shared_upstreams: 1
partners:
  - name: hmis
    address: 127.0.0.1
    type: op
    upstream: shared
    read: [DB1.DBB0..4095]
    write: [DB1.DBB0..4095]
    services: [szl-identity, clock-read, alarms]
  - name: scada
    address: 127.0.0.1
    type: pg
    read: [DB10.DBB0..63]
    write: [DB11.DBB0..15]
  - name: basic1
    address: 127.0.0.1
    type: basic
    max_conn: 1
    read: [DB10.DBB0..63]
EOF
}
write_rules
free_port >/dev/null || die "no free port"
MPORT="$S7_FREE_PORT"
start_guard --rules "$RULES" --audit "$GUARD_AUDIT" --metrics "127.0.0.1:$MPORT"
# metrics: GET /metrics (plain HTTP over bash's /dev/tcp)
metrics() {
    (exec 3<>"/dev/tcp/127.0.0.1/$MPORT" && printf 'GET /metrics HTTP/1.0\r\n\r\n' >&3 && cat <&3) 2>/dev/null
}

# ---- documented reads and writes, with the right data
check_eq "$(gcli read DB10.DBW0 2>&1)" "DB10.DBW0 = 4660" "s7 CLI: documented read through the guard"
check_eq "$(gcli read DB10.DBD4:REAL 2>&1)" "DB10.DBD4:REAL = 2.5" "s7 CLI: documented REAL read"
check_ok "s7 CLI: documented write (DB11 is PUT)" gcli write DB11.DBW2=77
check_eq "$(s7srv_cli read DB11.DBW2 2>&1)" "DB11.DBW2 = 77" "the documented write reached the CPU"
check_eq "$(gsnap7 dbread 10 0 2 2>&1)" "1234" "Snap7 client: documented read"
check_ok "Snap7 client: documented write" gsnap7 dbwrite 11 4 abcd

# ---- s7 dump through the guard: block info is refused and a read past the documented range
# gets 0x03, which ends the part this client may read (the DB's own end would be 0x05)
out=$(gcli dump DB 10 2>"$S7_TEST_TMP/dump.err")
check_eq "$?" 0 "s7 dump DB 10 through the guard exits 0"
check_contains "$(cat "$S7_TEST_TMP/dump.err")" \
    "DB10: 64 bytes readable (found by probing reads; reads from byte 64 on are refused with access denied (0x03)" \
    "s7 dump says the length is the readable part, found where the guard refused"
check_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 4 "s7 dump through the guard: 64 bytes, 4 hex lines"
check_contains "$(printf '%s\n' "$out" | sed -n 1p)" "00000000  12 34 00 00 40 20 00 00" "s7 dump through the guard: DB10's bytes"
check_contains "$(gcli dump DB 10 --json 2>/dev/null)" '"length": 64, "sized_by": "readable"' \
    "s7 dump --json through the guard: sized_by readable"
check_eq "$(s7srv_cli read DB11.DBW4 2>&1)" "DB11.DBW4 = 43981" "Snap7's write reached the CPU"
if [ -n "$S7_NODE" ] && (cd "$S7_INTEROP_DIR" && "$S7_NODE" -e 'require("nodes7")') 2>/dev/null; then
    check_eq "$(gnodes7 read DB10,INT0 2>&1)" "DB10,INT0=4660" "nodes7: documented read"
    check_fails "nodes7: write to GET-only DB10 fails" gnodes7 write DB10,INT0=5
else
    fail "nodes7 not installed (scripts/deps.sh installs it)"
fi

# ---- a write where only GET is documented: 0x03, never reaches the CPU
out="$(gcli write DB10.DBW0=5 2>&1)"
rc=$?
check_eq "$rc" 1 "s7 CLI: write to GET-only DB10 fails (exit 1)"
check_contains "$out" "0x03" "s7 CLI: the item was refused with 0x03"
out="$(gsnap7 dbwrite 10 0 0005 2>&1)"
check_match "$out" "^error: " "Snap7 client: write to DB10 refused"
check_eq "$(s7srv_cli read DB10.DBW0 2>&1)" "DB10.DBW0 = 4660" "DB10 unchanged in the CPU"
if grep -q '"db": 10' "$CPU_AUDIT" 2>/dev/null; then
    fail "the CPU's audit log names DB10: a refused write reached it: $(grep '"db": 10' "$CPU_AUDIT")"
else
    pass "the CPU's audit log has nothing for DB10 (the refused writes never reached it)"
fi
check_match "$(cat "$GUARD_AUDIT")" \
    '"op": "write", "area": "DB", "db": 10, "offset": 0, "length": 2, "result": "0x03 access denied", "source": "guard", "uid": "G[0-9]+", "partner": "scada".*"action": "refused", "rule": ""' \
    "the guard's audit log has the refused write"
check_match "$(cat "$G_LOG")" "refused 127.0.0.1:[0-9]+ scada: write DB10 offset 0, 2 bytes: 0x03 access denied" \
    "the guard's log names what was refused, where and why"
check_match "$(cat "$GUARD_AUDIT")" '"op": "write", "area": "DB", "db": 11, "offset": 2, "length": 2, "result": "ok".*"rule": "rules.yaml:[0-9]+ scada write DB11.DBB0..15"' \
    "the allowed write names its rule (file:line)"

# ---- a mixed request: the allowed item's data, 0x03 for the other
out="$(gcli read DB10.DBW0 DB11.DBW2 DB10.DBD4:REAL 2>&1)"
check_contains "$out" "DB10.DBW0 = 4660" "mixed read: the allowed item has its data"
check_contains "$out" "DB10.DBD4:REAL = 2.5" "mixed read: the third item too, in order"
check_match "$out" "DB11.DBW2.*0x03" "mixed read: the DB11 item gets 0x03"
out="$(gsnap7 multiread '[{"area":"DB","db":10,"start":0,"len":2},{"area":"DB","db":11,"start":0,"len":2},{"area":"DB","db":10,"start":4,"len":4}]' 2>&1)"
check_eq "$(printf '%s\n' "$out" | sed -n 1p)" "1234" "Snap7 multiread: item 1 data"
check_match "$(printf '%s\n' "$out" | sed -n 2p)" "^error: " "Snap7 multiread: item 2 refused"
check_eq "$(printf '%s\n' "$out" | sed -n 3p)" "40200000" "Snap7 multiread: item 3 data"

# ---- refused services: stop, clock set; the CPU stays in RUN
out="$(gcli stop --yes 2>&1)"
check_eq "$?" 1 "s7 stop through the guard fails"
check_contains "$out" "0xD241" "s7 stop: refused with 0xD241 (protection level)"
check_fails "Snap7 client: PlcStop refused" gsnap7 stop
check_fails "Snap7 client: set clock refused" gsnap7 setclock 2026-01-02T03:04:05
check_eq "$(s7srv_cli info 2>&1 | grep '^cpu state' | awk '{print $NF}')" "RUN" "the CPU is still in RUN"
check_match "$(gcli info 2>&1)" "CPU 315" "identity SZLs pass (s7 info through the guard)"
check_match "$(cat "$GUARD_AUDIT")" '"op": "stop", "result": "refused: 0xD241' "audit: the refused stop"

# ---- limits and malformed frames
"$S7_BIN" watch "127.0.0.1:$G_PORT" DB10.DBW0 --slot 2 --type basic --every 100 --count 600 \
    >"$S7_TEST_TMP/watch1.out" 2>&1 &
W1=$!
on_exit "kill $W1 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    grep -q "DB10.DBW0" "$S7_TEST_TMP/watch1.out" && break
    sleep 0.05
done
out="$(gcli read DB10.DBW0 --type basic 2>&1)"
check_eq "$?" 3 "max_conn 1: a second connection of the partner is refused at its CR"
check_match "$(cat "$GUARD_AUDIT")" '"result": "refused: partner basic1 already holds its 1 connections"' \
    "audit: the refused CR names the limit"
kill "$W1" 2>/dev/null
for ((i = 0; i < 100; i++)); do grep -q "closed .* partner basic1" "$G_LOG" && break; sleep 0.05; done
check_eq "$(gcli read DB10.DBW0 --type basic 2>&1)" "DB10.DBW0 = 4660" \
    "max_conn 1: once the first connection is gone a new one of the partner is accepted"
# a frame that is not ISO-on-TCP, and a TPKT whose COTP is garbage: only that client closes
exec 5<>"/dev/tcp/127.0.0.1/$G_PORT"
printf 'GET / HTTP/1.0\r\n\r\n' >&5
exec 6<>"/dev/tcp/127.0.0.1/$G_PORT"
printf '\x03\x00\x00\x0b\x06\xe0\xff\xff\xff\xff\xff' >&6
check_eq "$(gcli read DB10.DBW0 2>&1)" "DB10.DBW0 = 4660" "after two malformed clients the guard still serves"
exec 5>&- 6>&-
check_ok "the guard is still running after malformed frames" kill -0 "$G_PID"

# ---- the Prometheus endpoint: counters per partner and per rule
for ((i = 0; i < 40; i++)); do
    m="$(metrics)"
    printf '%s' "$m" | grep -q '^s7guard_items_refused_total [1-9]' && break
    sleep 0.1
done
check_match "$m" "HTTP/1.[01] 200" "metrics: /metrics answers 200"
check_match "$m" $'\ns7guard_items_refused_total [1-9]' "metrics: refused items counted"
check_match "$m" 's7guard_partner_decisions_total\{partner="scada",action="refused"\} [1-9]' \
    "metrics: decisions per partner"
check_match "$m" 's7guard_rule_items_total\{partner="scada",rule="rules.yaml:[0-9]+ scada read DB10.DBB0..63"\} [1-9]' \
    "metrics: items per rule"

# ---- 64 clients on one shared upstream connection, pipelined, no cross-talk
before=$(grep -c "connected 127.0.0.1" "$S7SRV_LOG")
out="$("$HELPERS/guard_clients" 127.0.0.1 "$G_PORT" 2 64 3 1 2>&1)"
check_eq "$?" 0 "64 clients through the guard: $out"
check_eq "$out" "64 clients, 3 rounds: 768 reads checked, 0 errors" "every client read its own data"
after=$(grep -c "connected 127.0.0.1" "$S7SRV_LOG")
check_eq "$((after - before))" 1 "the CPU saw one connection for the 64 clients"
for ((i = 0; i < 60; i++)); do metrics | grep -q "^s7guard_coalesced_reads_total [1-9]" && break; sleep 0.1; done # updated every second
check_match "$(metrics)" $'\ns7guard_coalesced_reads_total [1-9]' \
    "the 64 clients' reads went to the CPU together, several in one request (each checked above)"

# Userdata continuations on the shared connection (its PDU is 240: SZL 0x001C comes in
# parts): four s7 info at once, each must get its own whole answer
for k in 1 2 3 4; do
    "$S7_BIN" info "127.0.0.1:$G_PORT" --slot 2 --type op >"$S7_TEST_TMP/info.$k" 2>&1 &
    IPIDS[$k]=$!
done
for k in 1 2 3 4; do
    rc=0
    wait "${IPIDS[$k]}" || rc=$?
    check_eq "$rc" 0 "s7 info $k of 4 at once over the shared connection"
    check_match "$(cat "$S7_TEST_TMP/info.$k")" "module type +CPU 315-2 PN/DP" "s7 info $k: the identity, whole"
    check_match "$(cat "$S7_TEST_TMP/info.$k")" "pdu size +240 bytes" "s7 info $k: held to the shared PDU (240)"
done

# ---- cyclic data through the guard (the OP partner, on the shared upstream): the CPU's
# pushes reach the client whose subscription made the job; a subscription with an item
# outside the readable ranges is refused; a client gone without unsubscribing is
# unsubscribed by the guard
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'
check_ok "OP: DB1.DBW100=5 through the guard" gcli write DB1.DBW100=5 --type op
"$S7_BIN" watch "127.0.0.1:$G_PORT" DB1.DBW100 --slot 2 --type op --push --every 100 --count 2 \
    --timeout 5000 >"$S7_TEST_TMP/push.out" 2>"$S7_TEST_TMP/push.err" &
wpid=$!
on_exit "kill $wpid 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q subscribed "$S7_TEST_TMP/push.err" 2>/dev/null && break; sleep 0.05; done
check_ok "OP: write DB1.DBW100=6 while subscribed" gcli write DB1.DBW100=6 --type op
rc=0
for ((i = 0; i < 200; i++)); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
kill "$wpid" 2>/dev/null
wait "$wpid" || rc=$?
check_eq "$rc" 0 "watch --push --count 2 through the guard ends by itself (first value and a push)"
check_match "$(cat "$S7_TEST_TMP/push.err")" "subscribed: the CPU pushes changes \(cyclic data, job [0-9]+" \
    "watch --push through the guard: subscribed (not polling)"
out=$(cat "$S7_TEST_TMP/push.out")
check_match "$(sed -n 1p <<<"$out")" "^$TS DB1\.DBW100 = 5$" "through the guard: the first value from the subscription's answer"
check_match "$(sed -n 2p <<<"$out")" "^$TS DB1\.DBW100 = 6$" "through the guard: the write came as a push"
for ((i = 0; i < 60; i++)); do metrics | grep -q "^s7guard_pushes_total [1-9]" && break; sleep 0.1; done # updated every second
check_match "$(metrics)" $'\ns7guard_pushes_total [1-9]' "metrics: pushes passed on"
# an item outside the readable ranges (scada reads DB10 only): the subscription refused
out=$("$S7_BIN" watch "127.0.0.1:$G_PORT" DB10.DBW0 DB11.DBW0 --slot 2 --push --every 100 --count 1 \
    --timeout 5000 2>&1)
check_match "$out" "the CPU refused the subscription: .*0xD241" "subscription with a DB11 item refused (0xD241)"
check_match "$(cat "$GUARD_AUDIT")" '"op": "cyclic", "area": "DB", "db": 11, .*"result": "0x03 access denied"' \
    "audit: the refused subscription item"
# a client killed while subscribed: the guard ends its job on the shared connection
"$S7_BIN" watch "127.0.0.1:$G_PORT" DB1.DBW100 --slot 2 --type op --push --every 100 --count 100 \
    --timeout 5000 >/dev/null 2>"$S7_TEST_TMP/push2.err" &
wpid=$!
for ((i = 0; i < 100; i++)); do grep -q subscribed "$S7_TEST_TMP/push2.err" 2>/dev/null && break; sleep 0.05; done
kill -9 "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
for ((i = 0; i < 100; i++)); do grep -q "unsubscribed cyclic job" "$G_LOG" && break; sleep 0.05; done
check_match "$(cat "$G_LOG")" "unsubscribed cyclic job [0-9]+ of a client gone" \
    "a client gone while subscribed: the guard unsubscribes its job"

# ---- alarms through the shared upstream (the OP partner may use the alarm services): 3
# clients registered for ALARM_S and 1 not, on the one shared CPU connection; the alarm
# raised in the CPU (DB11.DBX15.0 is alarm 175 = 0xAF) reaches each registered client
# once and the other not at all; the first one's alarm query is answered to it only
AL="$S7_TEST_TMP/alarms.out"
"$HELPERS/guard_clients" alarms 127.0.0.1 "$G_PORT" 2 3 1 1 8000 >"$AL" 2>&1 &
apid=$!
on_exit "kill $apid 2>/dev/null"
for ((i = 0; i < 160; i++)); do grep -q '^ready' "$AL" && break; kill -0 "$apid" 2>/dev/null || break; sleep 0.05; done
check_ok "alarms: 3 clients registered through the guard" grep -q '^ready' "$AL"
check_ok "alarms: raise alarm 0xAF in the CPU" s7srv_cli write DB11.DBX15.0=1
rc=0
wait "$apid" || rc=$?
check_eq "$rc" 0 "alarms: the helper's counts are right ($(tr '\n' ';' <"$AL"))"
check_eq "$(grep -c '^client [0-2] subscribed: 1 indications, event IDs 0xAF$' "$AL")" 3 \
    "alarms: each of the 3 registered clients got the ALARM_S indication exactly once"
check_eq "$(grep '^client 3' "$AL")" "client 3 plain: 0 indications, event IDs" \
    "alarms: the client on the same upstream that did not register got nothing"
check_contains "$(cat "$AL")" "query: answered to client 0 only" "alarms: the alarm query's answer went to the client that asked only"
for ((i = 0; i < 100; i++)); do grep -q "ended the alarm registration" "$G_LOG" && break; sleep 0.05; done
check_eq "$(grep -c "ended the alarm registration (type 09) no client holds any more" "$G_LOG")" 1 \
    "alarms: the registration ended on the CPU once, when the last client went (the others' ends answered by the guard)"
# registered again: the CPU takes it (the alarm going reaches the new client)
"$HELPERS/guard_clients" alarms 127.0.0.1 "$G_PORT" 2 1 0 1 8000 >"$AL" 2>&1 &
apid=$!
for ((i = 0; i < 160; i++)); do grep -q '^ready' "$AL" && break; kill -0 "$apid" 2>/dev/null || break; sleep 0.05; done
check_ok "alarms: clear alarm 0xAF in the CPU" s7srv_cli write DB11.DBX15.0=0
rc=0
wait "$apid" || rc=$?
check_eq "$rc:$(grep '^client 0' "$AL")" "0:client 0 subscribed: 1 indications, event IDs 0xAF" \
    "alarms: after the end a new registration gets the alarm going"
for ((i = 0; i < 100; i++)); do [ "$(grep -c "ended the alarm registration" "$G_LOG")" = 2 ] && break; sleep 0.05; done
check_eq "$(grep -c "ended the alarm registration" "$G_LOG")" 2 "alarms: and is ended when it goes"
# several alarm types on the shared upstream: A registers ALARM_S and SCAN, B ALARM; the
# alarm coming reaches A as ALARM_S and B as ALARM_8, each once (the CPU keeps a
# registration per alarm type, the guard a set of types per client); A ends SCAN and still
# gets the alarm going; B goes without ending ALARM: the guard ends it on the CPU
AT="$S7_TEST_TMP/almtypes.out"
"$HELPERS/guard_clients" almtypes 127.0.0.1 "$G_PORT" 2 8000 >"$AT" 2>&1 &
apid=$!
on_exit "kill $apid 2>/dev/null"
for ((i = 0; i < 160; i++)); do grep -q '^ready$' "$AT" && break; kill -0 "$apid" 2>/dev/null || break; sleep 0.05; done
check_ok "alarm types: A registered ALARM_S and SCAN, B ALARM, through the guard" grep -q '^ready$' "$AT"
check_ok "alarm types: raise alarm 0xAF in the CPU" s7srv_cli write DB11.DBX15.0=1
for ((i = 0; i < 200; i++)); do grep -q '^ready2$' "$AT" && break; kill -0 "$apid" 2>/dev/null || break; sleep 0.05; done
check_eq "$(grep '^phase 1' "$AT")" "phase 1: A ALARM_S 1 ALARM_8 0 other 0; B ALARM_S 0 ALARM_8 1 other 0" \
    "alarm types: the alarm coming reached A once as ALARM_S and B once as ALARM_8"
check_ok "alarm types: A ended SCAN" grep -q '^ready2$' "$AT"
check_ok "alarm types: clear alarm 0xAF in the CPU" s7srv_cli write DB11.DBX15.0=0
rc=0
wait "$apid" || rc=$?
check_eq "$(grep '^phase 2' "$AT")" "phase 2: A ALARM_S 2 ALARM_8 0 other 0; B ALARM_S 0 ALARM_8 2 other 0" \
    "alarm types: A, SCAN ended, still got the alarm going as ALARM_S; B as ALARM_8"
check_eq "$rc" 0 "alarm types: every registration answered for its type ($(tr '\n' ';' <"$AT"))"
for ((i = 0; i < 100; i++)); do grep -q "ended the alarm registration (type 05)" "$G_LOG" && break; sleep 0.05; done
check_eq "$(grep -c "ended the alarm registration (type 05) no client holds any more" "$G_LOG")" 1 \
    "alarm types: B gone, its ALARM registration ended on the CPU by the guard"
check_eq "$(grep -c "ended the alarm registration" "$G_LOG")" 3 \
    "alarm types: nothing else owed (A ended SCAN and ALARM_S itself)"
# the CPU's connection has no registration left: an alarm coming and going now is pushed
# to nobody (the guard would log each push it drops); the emulator looks every 100 ms
drops0="$(grep -c "no client takes: dropped" "$G_LOG")"
check_ok "alarm types: raise alarm 0xAF with nobody registered" s7srv_cli write DB11.DBX15.0=1
sleep 0.5
check_ok "alarm types: clear it" s7srv_cli write DB11.DBX15.0=0
sleep 0.5
check_eq "$(grep -c "no client takes: dropped" "$G_LOG")" "$drops0" \
    "alarm types: after both left the CPU pushes no indication (no registration left)"
# the alarm services refused to a partner the policy does not give them (scada)
out="$(gcli alarms 2>&1)"
check_eq "$?" 1 "s7 alarms as scada (no alarm service): refused (exit 1)"
check_contains "$out" "0xD241" "s7 alarms as scada: 0xD241"
check_ok "s7 alarms as the OP partner (alarm service allowed): answered" gcli alarms --type op

# ---- DBREAD items (syntax id 0xB0, what WinCC sends an S7-400): ranges checked one by one
# (libs7 puts as many ranges in one item as fit: a request per case)
out=$("$HELPERS/guard_clients" dbread 127.0.0.1 "$G_PORT" 2 10:0:2 10:4:4 2>&1)
check_eq "$out" $'ok 1234\nok 40200000' "DBREAD of DB10 ranges through the guard: the CPU's bytes"
out=$("$HELPERS/guard_clients" dbread 127.0.0.1 "$G_PORT" 2 10:0:2 11:0:2 2>&1)
check_eq "$out" $'rc 03\nrc 03' "DBREAD item with a DB11 range (not readable): 0x03"
check_match "$(cat "$GUARD_AUDIT")" '"op": "read", "area": "DB", "db": 11, "offset": 0, "length": 2, "result": "0x03 access denied \(DBREAD range\)"' \
    "audit: the refused DBREAD range"

# ---- SIGHUP: DB10 becomes writable; a connection the new policy refuses is closed
"$S7_BIN" watch "127.0.0.1:$G_PORT" DB1.DBW0 --slot 2 --type op --every 100 --count 600 \
    >"$S7_TEST_TMP/watch.out" 2>&1 &
WPID=$!
on_exit "kill $WPID 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    grep -q "DB1.DBW0" "$S7_TEST_TMP/watch.out" && break
    sleep 0.05
done
# and a PG connection the new policy still allows: it must keep going through the reload
"$S7_BIN" watch "127.0.0.1:$G_PORT" DB10.DBW0 --slot 2 --every 100 --count 600 \
    >"$S7_TEST_TMP/watch_pg.out" 2>&1 &
WPG=$!
on_exit "kill $WPG 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    grep -q "DB10.DBW0 = 4660" "$S7_TEST_TMP/watch_pg.out" && break
    sleep 0.05
done
cat >"$RULES" <<EOF
partners:
  - name: scada
    address: 127.0.0.1
    type: pg
    read: [DB10.DBB0..63]
    write: [DB11.DBB0..15, DB10.DBB0..1]
EOF
# the partner's counters before the reload (a counter never goes back while the process runs)
pre="$(metrics | sed -n 's/^s7guard_partner_decisions_total{partner="scada",action="allowed"} //p' | tr -d '\r')"
kill -HUP "$G_PID"
for ((i = 0; i < 100; i++)); do
    grep -q "policy reloaded" "$G_LOG" && break
    sleep 0.05
done
check_ok "SIGHUP: the guard reloaded its policy" grep -q "policy reloaded" "$G_LOG"
sleep 1.2 # the metrics text is made once a second
post="$(metrics | sed -n 's/^s7guard_partner_decisions_total{partner="scada",action="allowed"} //p' | tr -d '\r')"
check_eq "$(( ${post:-0} >= ${pre:-1} && ${pre:-0} > 0 ))" 1 \
    "SIGHUP: scada's decisions counter goes on ($pre before, $post after)"
check_ok "after the reload DB10.DBW0 may be written" gcli write DB10.DBW0=4661
check_eq "$(s7srv_cli read DB10.DBW0 2>&1)" "DB10.DBW0 = 4661" "the write reached the CPU"
check_ok "the OP connection the reloaded policy no longer allows was closed" \
    grep -qE "closed 127.0.0.1:[0-9]+: no longer allowed after the reload: partner scada is documented with connection type pg, asked op" "$G_LOG"
kill "$WPID" 2>/dev/null
for ((i = 0; i < 100; i++)); do
    grep -q "DB10.DBW0 = 4661" "$S7_TEST_TMP/watch_pg.out" && break
    sleep 0.05
done
kill "$WPG" 2>/dev/null
check_match "$(cat "$S7_TEST_TMP/watch_pg.out")" "DB10.DBW0 = 4661" \
    "the PG connection still allowed saw the write made after the reload"
check_eq "$(grep -v "DB10.DBW0 = 466[01]" "$S7_TEST_TMP/watch_pg.out")" "" \
    "and never dropped (no other line in its output)"
check_eq "$(grep -cE "closed 127.0.0.1:[0-9]+: no longer allowed after the reload" "$G_LOG")" 1 \
    "the reload closed exactly one connection"
check_match "$(cat "$GUARD_AUDIT")" '"op": "connect", "result": "refused: no longer allowed after the reload' \
    "audit: the connection closed by the reload"
check_fails "a new OP connection is refused at its CR" "$S7_BIN" read "127.0.0.1:$G_PORT" DB1.DBW0 \
    --slot 2 --type op --timeout 3000
check_ok "the guard is still running" kill -0 "$G_PID"
stop_guard

# ---- the inventory as the policy; --dry-run
INV="$S7_TEST_TMP/plant.yaml"
cat >"$INV" <<EOF
plant: guard test
partners:
  - name: plc1
    address: 127.0.0.2
    cell: line1
    rack: 0
    slot: 2
  - name: scada
    address: 127.0.0.1
    cell: line1
connections:
  - name: scada-plc1
    active: scada
    passive: plc1
    exchanges:
      - direction: GET
        range: DB10.DBB0..63
        cycle: 1000
EOF
start_guard --inventory "$INV" --cpu plc1 --audit "$S7_TEST_TMP/inv.audit" --cr-timeout 300 \
    --setup-timeout 300
# the listener's deadlines: a connection that sends no CR, one that sends no setup
exec 7<>"/dev/tcp/127.0.0.1/$G_PORT"
exec 8<>"/dev/tcp/127.0.0.1/$G_PORT"
printf '\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01\x00\xc2\x02\x01\x02' >&8
timeout 10 cat <&7 >/dev/null
timeout 10 cat <&8 >/dev/null
exec 7>&- 8>&-
check_ok "a connection without a CR is closed by the guard (--cr-timeout)" \
    grep -q "no connection request within 300 ms" "$G_LOG"
check_ok "a connection without a setup after its CC is closed (--setup-timeout)" \
    grep -q "no Setup Communication within 300 ms" "$G_LOG"
# the clients below get the default deadlines: 300 ms would close one that a loaded machine
# holds that long between its connect and its CR, or its CC and its setup
stop_guard
start_guard --inventory "$INV" --cpu plc1 --audit "$S7_TEST_TMP/inv.audit"
check_eq "$(gcli read DB10.DBW0 2>&1)" "DB10.DBW0 = 4661" "inventory policy: the documented GET passes"
check_fails "inventory policy: a write where only GET is documented fails" gcli write DB10.DBW0=1
check_fails "inventory policy: an undocumented DB read fails" gcli read DB11.DBW0
check_fails "inventory policy: an OP connection (documented: PG) is refused" "$S7_BIN" read \
    "127.0.0.1:$G_PORT" DB10.DBW0 --slot 2 --type op --timeout 3000
out="$(gcli alarms 2>&1)"
check_eq "$?:$(grep -o 0xD241 <<<"$out" | head -1)" "1:0xD241" "inventory policy: the alarm services refused by default (0xD241)"
out="$(gcli diag-buffer 2>&1)"
check_eq "$?:$(grep -o 0xD241 <<<"$out" | head -1)" "1:0xD241" "inventory policy: an SZL read other than the identity lists (diagnostic buffer) refused (0xD241)"
check_match "$(cat "$S7_TEST_TMP/inv.audit")" '"rule": "conn scada-plc1 GET DB10.DBB0..DBB63"' \
    "inventory policy: the audit names the documented exchange"
check_match "$(cat "$S7_TEST_TMP/inv.audit")" '"op": "connect", "result": "refused: partner scada is documented with connection type pg, asked op"' \
    "inventory policy: the refused CR and why"
# the guard's audit log against the inventory
out="$("$S7_BIN" inventory audit "$INV" --log "$S7_TEST_TMP/inv.audit" --cpu plc1 2>&1)"
check_eq "$?" 1 "inventory audit: something undocumented (exit 1)"
check_match "$out" "write where only GET is documented +scada \(127\.0\.0\.1\) +write DB10 byte 0\.\.1 +1 +20" \
    "inventory audit: the write where only GET is documented, counted, with its first time"
check_match "$out" "outside the documented ranges +scada \(127\.0\.0\.1\) +read DB11 byte 0\.\.1 +1 " \
    "inventory audit: the read outside the documented ranges"
check_match "$out" "undocumented service +scada \(127\.0\.0\.1\) +alarms +1 " \
    "inventory audit: the refused alarm service (what --allow would add)"
check_match "$out" "undocumented service +scada \(127\.0\.0\.1\) +szl 0x00A0 +1 " \
    "inventory audit: the refused diagnostic buffer read (SZL 0x00A0, not an identity list)"
check_match "$out" "undocumented partner +scada \(127\.0\.0\.1\) +connect: partner scada is documented with connection type pg, asked op +1 " \
    "inventory audit: the OP connection the guard refused (a documented address, another connection type)"
check_match "$out" "records, [0-9]+ documented, 5 finding" "inventory audit: exactly five findings"
out="$("$S7_BIN" inventory audit "$INV" --log "$S7_TEST_TMP/inv.audit" --cpu plc9 2>&1)"
check_eq "$?" 2 "inventory audit --cpu of no partner: usage error (exit 2)"
check_match "$out" "--cpu plc9: no such partner in .*plant\.yaml; the CPUs its connections go to: plc1" \
    "inventory audit --cpu of no partner: names the CPUs there are"
check_match "$("$S7_BIN" inventory audit --help)" "usage: s7 inventory audit FILE --log LOG" \
    "inventory audit --help: the usage (it was refused as an unexpected argument)"
check_fails "inventory audit --log without its value: usage error" "$S7_BIN" inventory audit "$INV" --log
printf '{"time": "2026-01-01T00:00:00.000Z", "peer": "10.9.9.9:1234", "op": "connect", "result": "ok"}\n' \
    >>"$S7_TEST_TMP/inv.audit"
out="$("$S7_BIN" inventory audit "$INV" --log "$S7_TEST_TMP/inv.audit" 2>&1)"
check_match "$out" "undocumented partner +10\.9\.9\.9 +connect +1 " "inventory audit: an undocumented partner"
stop_guard
start_guard --inventory "$INV" --cpu plc1 --allow scada:alarms,szl
check_ok "inventory policy with --allow scada:alarms: s7 alarms answered" gcli alarms
check_fails "--allow adds only what it names: a write where only GET is documented still fails" \
    gcli write DB10.DBW0=1
stop_guard
start_guard --inventory "$INV" --cpu plc1 --dry-run --audit "$S7_TEST_TMP/dry.audit"
check_ok "dry run: the undocumented write is forwarded" gcli write DB10.DBW0=4662
check_eq "$(s7srv_cli read DB10.DBW0 2>&1)" "DB10.DBW0 = 4662" "dry run: it reached the CPU"
check_match "$(cat "$S7_TEST_TMP/dry.audit")" '"op": "write".*"db": 10.*"action": "would-refuse"' \
    "dry run: logged as would-refuse"
# a CR the policy refuses (an OP connection, documented: PG) is connected in a dry run,
# logged as would-refuse, and so is what it asks for
check_eq "$("$S7_BIN" read "127.0.0.1:$G_PORT" DB10.DBW0 --slot 2 --type op --timeout 3000 2>&1)" \
    "DB10.DBW0 = 4662" "dry run: a connection the policy refuses at its CR is forwarded"
check_match "$(cat "$S7_TEST_TMP/dry.audit")" '"op": "connect", "result": "refused: partner scada is documented with connection type pg, asked op".*"action": "would-refuse"' \
    "dry run: its connection logged as would-refuse, with the reason"
check_match "$(grep '"op": "read"' "$S7_TEST_TMP/dry.audit" | grep '"partner": ""')" '"action": "would-refuse"' \
    "dry run: its read logged as would-refuse (no partner)"
check_match "$("$S7_BIN" inventory audit "$INV" --log "$S7_TEST_TMP/dry.audit" --cpu plc1 2>&1)" \
    "undocumented partner +scada \(127\.0\.0\.1\) +connect: partner scada is documented with connection type pg, asked op +1 " \
    "dry run: inventory audit lists the connection the policy would refuse"
stop_guard

# ---- the per-partner rate limit: 4 clients of a partner limited to 10 requests/s write
# once and read 4 times in flight each (20 requests at once): the requests beyond its 10
# tokens are held in the guard's queue and answered later with the right data (never
# refused), each counted once in s7guard_partner_rate_delayed_total; a partner without a
# limit, reading at the same time, is never held
cat >"$S7_TEST_TMP/rate.yaml" <<EOF
partners:
  - name: limited
    address: 127.0.0.1
    type: op
    rate: 10
    read: [DB1.DBB0..4095]
    write: [DB1.DBB0..4095]
  - name: free
    address: 127.0.0.1
    type: pg
    read: [DB10.DBB0..63]
EOF
start_guard --rules "$S7_TEST_TMP/rate.yaml" --metrics "127.0.0.1:$MPORT"
"$HELPERS/guard_clients" 127.0.0.1 "$G_PORT" 2 4 1 1 >"$S7_TEST_TMP/rate.out" 2>&1 &
rpid=$!
for k in 1 2 3; do
    check_eq "$(gcli read DB10.DBW0 2>&1)" "DB10.DBW0 = 4662" "rate: the partner without a limit reads meanwhile ($k)"
done
rc=0
wait "$rpid" || rc=$?
check_eq "$rc:$(cat "$S7_TEST_TMP/rate.out")" "0:4 clients, 1 rounds: 16 reads checked, 0 errors" \
    "rate: every request of the limited partner answered with its own data (held, not refused)"
# each of the guard's two loops renders its counters once a second, on its own clock, and
# counts a client's held requests as they reach it: the sum may hold a text rendered while
# the burst was coming in, so a count below 8 is looked at again until the bound, never
# taken as the end (the check took the first text with any)
for ((i = 0; i < 40; i++)); do
    m="$(metrics)"
    held=$(printf '%s\n' "$m" | sed -n 's/^s7guard_partner_rate_delayed_total{partner="limited"} //p' | tr -d '\r')
    [ "${held:-0}" -ge 8 ] && break
    sleep 0.1
done
check_ok "rate: 8 to 10 of the 20 requests held (10 over the limit; a token or two may refill meanwhile): ${held:-none}" \
    test "${held:-0}" -ge 8 -a "${held:-0}" -le 10
check_match "$m" 's7guard_partner_rate_delayed_total\{partner="free"\} 0' "rate: the other partner was never held"
check_match "$m" 's7guard_partner_decisions_total\{partner="limited",action="refused"\} 0' "rate: nothing of the limited partner refused"
stop_guard

# ---- the Snap7 server as the CPU (a peer we did not write)
if [ -d "$NODE_PATH/node-snap7" ]; then
    start_snap7 --db 5:64:2a2b --db 6:1024
    cat >"$S7_TEST_TMP/snap7.yaml" <<EOF
shared_upstreams: 1
partners:
  - name: scada
    address: 127.0.0.1
    type: pg
    read: [DB5.DBB0..31]
    write: [DB5.DBB8..15]
  - name: hmis
    address: 127.0.0.1
    type: op
    upstream: shared
    read: [DB6.DBB0..1023]
    write: [DB6.DBB0..1023]
EOF
    S7SRV_PORT_SAVED=$S7SRV_PORT
    S7SRV_PORT=$SNAP7_PORT # start_guard's upstream
    start_guard --rules "$S7_TEST_TMP/snap7.yaml" --metrics "127.0.0.1:$MPORT"
    S7SRV_PORT=$S7SRV_PORT_SAVED
    check_eq "$(gcli read DB5.DBW0 2>&1)" "DB5.DBW0 = 10795" "Snap7 server as CPU: documented read (2a2b)"
    check_ok "Snap7 server as CPU: documented write" gcli write DB5.DBW8=4660
    check_eq "$(gcli read DB5.DBW8 2>&1)" "DB5.DBW8 = 4660" "Snap7 server as CPU: the write is there"
    out="$(gcli write DB5.DBW0=1 2>&1)"
    check_contains "$out" "0x03" "Snap7 server as CPU: a write where only reading is allowed gets 0x03"
    check_eq "$(gcli read DB5.DBW0 2>&1)" "DB5.DBW0 = 10795" "Snap7 server as CPU: and never reached it"
    # 32 OP clients on one shared connection to the Snap7 server, 4 reads in flight each:
    # their reads go to it together (several clients' items in one request, at most 20)
    # and each client gets exactly its own bytes
    out="$("$HELPERS/guard_clients" 127.0.0.1 "$G_PORT" 2 32 3 6 2>&1)"
    check_eq "$out" "32 clients, 3 rounds: 384 reads checked, 0 errors" \
        "Snap7 server as CPU: 32 clients' coalesced reads on a shared connection, each its own data"
    check_match "$(grep -c 'upstream connection .* ready .*(shared)' "$G_LOG")" "^1$" \
        "Snap7 server as CPU: the 32 clients on one shared connection"
    for ((i = 0; i < 60; i++)); do metrics | grep -q "^s7guard_coalesced_reads_total [1-9]" && break; sleep 0.1; done
    check_match "$(metrics)" $'\ns7guard_coalesced_reads_total [1-9]' \
        "Snap7 server as CPU: several clients' reads went to it in one request"
    stop_guard
else
    fail "node-snap7 not installed (scripts/deps.sh installs it)"
fi

# ---- turns on a shared upstream: a client whose partner's rate limit holds its requests
# waits at the end of the turn, the other clients of the upstream go on. Two OP partners
# told apart by the client's TSAP on the one shared connection: "slow" (rate 1: 1 write
# and 4 reads, held about 4 s) and "quick"; one read of quick is answered while slow's
# requests are still held
cat >"$S7_TEST_TMP/turns.yaml" <<EOF
shared_upstreams: 1
partners:
  - name: slow
    address: 127.0.0.1
    type: op
    tsap: "0100:0202"
    upstream: shared
    rate: 1
    read: [DB1.DBB0..4095]
    write: [DB1.DBB0..4095]
  - name: quick
    address: 127.0.0.1
    type: op
    tsap: "0200:0202"
    upstream: shared
    read: [DB10.DBB0..63]
EOF
start_guard --rules "$S7_TEST_TMP/turns.yaml"
"$HELPERS/guard_clients" 127.0.0.1 "$G_PORT" 2 1 1 1 >"$S7_TEST_TMP/turns.out" 2>&1 &
tpid=$!
for ((i = 0; i < 100; i++)); do # until the CPU connection is up (slow's setup was answered)
    grep -q "upstream connection .* ready" "$G_LOG" && break
    sleep 0.05
done
sleep 0.3
out="$("$S7_BIN" read "127.0.0.1:$G_PORT" DB10.DBW0 --tsap 0200:0202 --timeout 5000 2>&1)"
check_match "$out" "^DB10.DBW0 = [0-9]+$" "turns: the quick partner's read answered on the shared upstream"
check_ok "turns: ... while the slow partner's requests were still held by its limit" kill -0 "$tpid"
rc=0
wait "$tpid" || rc=$?
check_eq "$rc:$(cat "$S7_TEST_TMP/turns.out")" "0:1 clients, 1 rounds: 4 reads checked, 0 errors" \
    "turns: then every request of the slow partner answered with its own data"
check_eq "$(grep -c "upstream connection .* ready" "$G_LOG")" 1 "turns: both partners on one upstream connection"
stop_guard

# ---- bad policies: a clear message, exit 2
out="$("$S7_BIN" guard --upstream 127.0.0.1:1 --inventory "$INV" --cpu nope 2>&1)"
check_eq "$?" 2 "an unknown --cpu: exit 2"
check_contains "$out" "no partner named 'nope'" "an unknown --cpu: named"
printf 'partners:\n  - name: a\n    address: 127.0.0.1\n    raed: [DB1.DBB0..3]\n' >"$S7_TEST_TMP/bad.yaml"
out="$("$S7_BIN" guard --upstream 127.0.0.1:1 --rules "$S7_TEST_TMP/bad.yaml" 2>&1)"
check_eq "$?" 2 "a misspelt key: exit 2"
check_contains "$out" "bad.yaml:4: unknown key 'raed'" "a misspelt key: FILE:LINE and the key"

out="$("$S7_BIN" guard --upstream 127.0.0.1:1 --inventory "$INV" --cpu plc1 --allow hmi9:alarms 2>&1)"
check_eq "$?" 2 "--allow of a partner the policy does not have: exit 2"
check_contains "$out" "--allow 'hmi9:alarms': the policy (inventory" "--allow: names the option"
check_contains "$out" "has no partner 'hmi9' (it has: scada)" "--allow: names the partners there are"
out="$("$S7_BIN" guard --upstream 127.0.0.1:1 --inventory "$INV" --cpu plc1 --allow scada:alrms 2>&1)"
check_eq "$?" 2 "--allow of an unknown service: exit 2"
check_contains "$out" "unknown service 'alrms' (known: " "--allow: an unknown service named, with the known ones"

# ---- ports out of range: exit 2 naming the option, the value and the range (as s7 server
# does), never wrapped to 16 bits (99999 listened on 34463, 70000 connected to 4464)
for bad in "--listen 127.0.0.1:99999|--listen '127.0.0.1:99999': port '99999' must be 0..65535" \
    "--listen [::1]:65536|--listen '[::1]:65536': port '65536' must be 0..65535" \
    "--upstream 127.0.0.1:70000|--upstream '127.0.0.1:70000': port '70000' in '127.0.0.1:70000' must be a number 1..65535" \
    "--upstream 127.0.0.1:0|--upstream '127.0.0.1:0': port '0' in '127.0.0.1:0' must be a number 1..65535" \
    "--upstream 1.2.3|--upstream '1.2.3': host '1.2.3': not an IPv4 address (four numbers 0..255 separated by dots"; do
    args="${bad%%|*}"
    # shellcheck disable=SC2086 # the option and its value
    out="$(timeout 10 "$S7_BIN" guard --listen 127.0.0.1:0 --upstream 127.0.0.1:1 $args --rules "$RULES" 2>&1 </dev/null)"
    check_eq "$?" 2 "$args: exit 2"
    check_contains "$out" "${bad#*|}" "$args: the option, the value and the range named (got: $out)"
done

# ---- every audit line of the guard and of the emulator against the one schema
if [ -n "$S7_NODE" ]; then
    # one node start for all four logs (each start costs a second on a loaded machine)
    cat "$GUARD_AUDIT" "$S7_TEST_TMP/inv.audit" "$S7_TEST_TMP/dry.audit" "$CPU_AUDIT" >"$S7_TEST_TMP/all.audit"
    out="$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-audit "$S7_TEST_TMP/all.audit" --lines 2>&1)"
    check_eq "$?" 0 "the guard's and the emulator's audit lines ($(wc -l <"$S7_TEST_TMP/all.audit")) valid against s7-audit.schema.json ${out:+($out)}"
fi
finish
