#!/usr/bin/env bash
# s7 watch --push, s7 alarms and s7 diag-buffer against s7kit's CPU emulator (s7 server) and
# the Snap7 server (a peer we did not write): on an emulated S7-300 the watch subscribes (says
# so), prints the first values and then the changes the CPU pushes after writes (counted:
# --count ends it, no timing asserted), its --json lines validate against the schema, a
# subscribed watch is not closed by the server's idle timeout and says it was waiting for
# pushes when the server goes; on an
# S7-1500 and on the Snap7 server (which do not serve cyclic data) it says it polls and does;
# s7 alarms lists an alarm raised by its DB bit and none once cleared; s7 diag-buffer shows a
# STOP and the restart after it, newest first.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_s7_server
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}'

# ---------------------------------------------------------------- pushes from an S7-300
S7SRV_SLOT=2
start_s7server --profile s7-300 --db 1:16 --db 5:4 --alarm 0x1001:DB5.DBX1.3:tank_high --set DB1.DBW0=5
T="127.0.0.1:$S7SRV_PORT"
"$S7_BIN" watch "$T" DB1.DBW0 DB1.DBX2.0 --slot 2 --push --every 100 --count 3 \
    >"$S7_TEST_TMP/p.out" 2>"$S7_TEST_TMP/p.err" &
wpid=$!
on_exit "kill $wpid 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q subscribed "$S7_TEST_TMP/p.err" 2>/dev/null && break; sleep 0.05; done
check_ok "write DB1.DBW0=6 while subscribed" "$S7_BIN" write "$T" DB1.DBW0=6 --slot 2
for ((i = 0; i < 100; i++)); do grep -q 'DBW0 = 6' "$S7_TEST_TMP/p.out" 2>/dev/null && break; sleep 0.05; done
check_ok "write DB1.DBX2.0=1" "$S7_BIN" write "$T" DB1.DBX2.0=1 --slot 2
rc=0
for ((i = 0; i < 200; i++)); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
kill "$wpid" 2>/dev/null
wait "$wpid" || rc=$?
check_eq "$rc" 0 "watch --push --count 3 ends by itself after the first values and two pushes"
out=$(cat "$S7_TEST_TMP/p.out")
check_match "$(cat "$S7_TEST_TMP/p.err")" "^$TS subscribed: the CPU pushes changes \(cyclic data, job 1, looked at every 100 ms\)$" "says it subscribed"
check_match "$(sed -n 1p <<<"$out")" "^$TS DB1\.DBW0 = 5$" "first value from the subscription's answer"
check_match "$(sed -n 2p <<<"$out")" "^$TS DB1\.DBX2\.0 = false$" "first value of the bit"
check_match "$(sed -n 3p <<<"$out")" "^$TS DB1\.DBW0 = 6$" "the write came as a push"
check_match "$(sed -n 4p <<<"$out")" "^$TS DB1\.DBX2\.0 = true$" "the bit's change came as a push"

# --json: a push event line, then value lines
"$S7_BIN" watch "$T" DB1.DBW0 --slot 2 --push --every 100 --count 1 --json >"$S7_TEST_TMP/pj.json" 2>/dev/null
check_eq "$(head -n 1 "$S7_TEST_TMP/pj.json" | grep -c '"event": "push"')" 1 "--json says push"
check_eq "$(grep -c '"address": "DB1.DBW0"' "$S7_TEST_TMP/pj.json")" 1 "--json value line"
if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ]; then
    check_ok "watch --push --json lines valid against s7-watch.schema.json" \
        "$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-watch "$S7_TEST_TMP/pj.json" --lines
fi

# ---------------------------------------------------------------- a subscribed client is not idle
# A change-driven job whose value does not change: the client sends nothing and gets
# nothing, and the idle timeout (500 ms here) must leave it alone; when the server goes,
# the watch says it was waiting for pushes (it sent no read).
stop_s7server
start_s7server --profile s7-300 --db 1:16 --idle-timeout 500ms
T="127.0.0.1:$S7SRV_PORT"
"$S7_BIN" watch "$T" DB1.DBW0 --slot 2 --push --every 100 >"$S7_TEST_TMP/i.out" 2>"$S7_TEST_TMP/i.err" &
wpid=$!
on_exit "kill $wpid 2>/dev/null"
for ((i = 0; i < 100; i++)); do grep -q subscribed "$S7_TEST_TMP/i.err" 2>/dev/null && break; sleep 0.05; done
sleep 2 # four idle timeouts
if s7srv_log_has "idle timeout"; then
    fail "--idle-timeout 500ms: a subscribed connection was closed ($(grep -m1 'idle timeout' "$S7SRV_LOG"))"
else
    pass "--idle-timeout 500ms: a subscribed connection stays open"
fi
check_eq "$(grep -c 'connection lost' "$S7_TEST_TMP/i.err")" 0 "the watch did not lose its connection"
stop_s7server
for ((i = 0; i < 100; i++)); do grep -q 'connection lost' "$S7_TEST_TMP/i.err" 2>/dev/null && break; sleep 0.05; done
kill "$wpid" 2>/dev/null
wait "$wpid" 2>/dev/null
check_match "$(cat "$S7_TEST_TMP/i.err")" "connection lost: the connection was closed by 127\.0\.0\.1 during the wait for pushes; reconnecting" \
    "the watch says it was waiting for pushes when the connection closed"
start_s7server --profile s7-300 --db 1:16 --db 5:4 --alarm 0x1001:DB5.DBX1.3:tank_high --set DB1.DBW0=5
T="127.0.0.1:$S7SRV_PORT"

# ---------------------------------------------------------------- alarms and the diagnostic buffer
out=$("$S7_BIN" alarms "$T" --slot 2)
check_eq "$out" "0 alarms active" "no alarm while DB5.DBX1.3 is clear"
check_ok "raise the alarm by its bit" "$S7_BIN" write "$T" DB5.DBX1.3=1 --slot 2
out=$("$S7_BIN" alarms "$T" --slot 2)
check_match "$out" "event 0x00001001  ALARM_S  signals 0x01  not acknowledged  came $TS" "the alarm is listed with when it came"
out=$("$S7_BIN" alarms "$T" --slot 2 --alarm8 --json)
check_contains "$out" '"event_id": 4097, "type": "alarm_8"' "--alarm8 --json"
check_ok "clear the alarm" "$S7_BIN" write "$T" DB5.DBX1.3=0 --slot 2
check_eq "$("$S7_BIN" alarms "$T" --slot 2)" "0 alarms active" "cleared"
check_ok "STOP" "$S7_BIN" stop "$T" --slot 2 --yes
check_ok "start" "$S7_BIN" start "$T" --slot 2 --yes
out=$("$S7_BIN" diag-buffer "$T" --slot 2)
check_match "$(sed -n 2p <<<"$out")" "^  $TS  0x4302  mode change from STARTUP to RUN$" "newest entry: STARTUP -> RUN"
check_contains "$out" "0x4304  STOP by a stop command" "the STOP is recorded"
stop_s7server

# ---------------------------------------------------------------- no cyclic data: polls, says so
S7SRV_SLOT=1
start_s7server --profile s7-1500 --put-get on --db 1:16 --set DB1.DBW0=9
out=$("$S7_BIN" watch "127.0.0.1:$S7SRV_PORT" DB1.DBW0 --push --every 50 --count 2 2>&1)
check_eq "$?" 0 "S7-1500: watch --push exits 0 (it polls)"
check_match "$out" "the CPU does not push these values \(the CPU refused the subscription: .*0x8104.*\): polling every 50 ms" "S7-1500: says it polls and why"
check_match "$out" "$TS DB1\.DBW0 = 9" "S7-1500: values by polling"
out=$("$S7_BIN" alarms "127.0.0.1:$S7SRV_PORT" 2>&1)
check_eq "$?" 1 "S7-1500: s7 alarms exits 1"
check_contains "$out" "0x8104" "S7-1500: the alarm query refused with 0x8104"
stop_s7server

if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/node-snap7/package.json" ]; then
    start_snap7 --fixture standard
    out=$(timeout 20 "$S7_BIN" watch "127.0.0.1:$SNAP7_PORT" DB1.DBB0 --push --every 50 --count 2 --timeout 2000 2>&1)
    check_eq "$?" 0 "Snap7 server: watch --push exits 0 (it polls)"
    check_contains "$out" "the CPU does not push these values" "Snap7 server: says it polls"
    check_match "$out" "$TS DB1\.DBB0 = [0-9]+" "Snap7 server: values by polling"
    # the alarm query refused with 0xD402: worded by the service, not as an SZL
    out=$("$S7_BIN" alarms "127.0.0.1:$SNAP7_PORT" 2>&1)
    check_eq "$?" 1 "Snap7 server: s7 alarms exits 1"
    check_contains "$out" "the CPU refused the alarm query: PLC error 0xD402" "Snap7 server: the alarm query refused with 0xD402"
    check_contains "$out" "cause: this device does not answer the alarm query of the message service" \
        "Snap7 server: the cause names the alarm query"
    check_lacks "$out" "system status list" "Snap7 server: not worded as an SZL"
    check_lacks "$out" "s7 info shows" "Snap7 server: the fix does not point to s7 info"
else
    pass "Snap7 server part skipped: node-snap7 not installed (CI installs it)"
fi
finish
