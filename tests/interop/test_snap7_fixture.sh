#!/usr/bin/env bash
# Self-test of the interop harness: the Snap7 server's standard fixture answers node-snap7's
# client as README.md documents (pattern, write/read back, missing DB), so a failure in
# other interop tests is about s7kit, not about the harness.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_snap7
start_snap7 --fixture standard --log
check_match "$SNAP7_PORT" '^[0-9]+$' "server READY on port $SNAP7_PORT"

check_eq "$(snap7_local dbread 1 0 16)" 000102030405060708090a0b0c0d0e0f "DB1.0..15 is the pattern"
check_eq "$(snap7_local dbread 1 250 8)" fafbfcfdfeff0001 "DB1.250..257 wraps at 256"
check_eq "$(snap7_local dbread 3 65531 4)" fbfcfdfe "DB3 (65535 bytes) end of pattern"
check_eq "$(snap7_local dbread 2 0 5)" 0000000000 "DB2 is 5 zero bytes"
check_eq "$(snap7_local read MK 0 16 4)" 10111213 "MB16..19 is the pattern"
check_eq "$(snap7_local read PE 0 0 2)" 0001 "IB0..1 is the pattern"
check_eq "$(snap7_local read PA 0 0 2)" 0000 "QB0..1 zero"

check_ok "dbwrite DB10.4" snap7_local dbwrite 10 4 deadbeefcafe
check_eq "$(snap7_local dbread 10 0 12)" 00000000deadbeefcafe0000 "DB10 read back"
check_ok "write MB200" snap7_local write MK 0 200 a5
check_eq "$(snap7_local read MK 0 199 3)" c7a5c9 "MB200 read back"
check_ok "write C0" snap7_local write CT 0 0 0042
check_eq "$(snap7_local read CT 0 0 1)" 0042 "C0 read back (counter word length)"

check_fails "DB99 read fails" snap7_local dbread 99 0 4
check_contains "$S7_LAST_OUT" "Item not available" "DB99: Snap7 says Item not available"
check_fails "DB2 read past its end fails" snap7_local dbread 2 4 2
check_contains "$S7_LAST_OUT" "Address out of range" "DB2 past end: Address out of range"

check_eq "$(snap7_local plcstatus)" run "CPU status run"
check_contains "$(snap7_local cpuinfo)" "ASName=SNAP7-SERVER" "cpuinfo names the Snap7 server"
check_fails "unknown command is a usage error" snap7_local frobnicate

# nodes7 (the other third-party client) against the same server.
if [ -f "$NODE_PATH/nodes7/package.json" ]; then
    check_eq "$("$S7_NODE" "$S7_INTEROP_DIR/nodes7_client.js" "127.0.0.1:$SNAP7_PORT" read DB1,INT2 MB16)" \
        "$(printf 'DB1,INT2=515\nMB16=16')" "nodes7 reads DB1,INT2 and MB16"
    check_ok "nodes7 writes DB10,INT8" "$S7_NODE" "$S7_INTEROP_DIR/nodes7_client.js" \
        "127.0.0.1:$SNAP7_PORT" write DB10,INT8=4660
    check_eq "$(snap7_local dbread 10 8 2)" 1234 "nodes7 write read back by Snap7"
else
    printf 'note: nodes7 not installed, its checks skipped\n'
fi

# A second server beside the first, with an explicit layout and CPU in STOP.
first_port=$SNAP7_PORT
first_log=$SNAP7_LOG
start_snap7 --db 7:4:0a0b --area MK:8 --cpu-status stop
check_ne "$SNAP7_PORT" "$first_port" "second server on another port"
check_eq "$(snap7_local dbread 7 0 4)" 0a0b0000 "hex fill"
check_eq "$(snap7_local plcstatus)" stop "--cpu-status stop"
stop_snap7
check_fails "stopped server refuses connections" snap7_local dbread 7 0 1
check_eq "$(snap7_client "127.0.0.1:$first_port" dbread 10 4 4)" deadbeef "first server still up"

check_contains "$(cat "$first_log")" "Write request, Area : DB10" "--log shows the DB10 write"

finish
