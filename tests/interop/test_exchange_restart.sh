#!/usr/bin/env bash
# s7 exchange when a CPU restarts (its memory as its start leaves it) while the bridge runs:
#   - an on-change PUT writes again to a destination CPU that came back: what it wrote before
#     is gone, so "unchanged since the last write" no longer holds (the destination stayed
#     0, the job "ok");
#   - a REQ job whose REQ bit lives in a CPU that restarted takes a REQ found set after the
#     restart as a rising edge, as the instruction's reset instance data would (the bridge
#     had seen REQ = 1 before the restart and never saw it fall: no transfer, no NDR, no
#     ERROR, ever).
# Each CPU is killed (SIGKILL) and started again on its port; every wait is bounded.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_s7_server

start_s7server --profile s7-300 --put-get on --db 1:16 --set DB1.DBD0:DINT=4242 --quiet
P_SRC=$S7SRV_PORT
start_s7server --profile s7-300 --put-get on --db 2:16 --quiet
P_DST=$S7SRV_PORT
PID_DST=$S7SRV_PID
start_s7server --profile s7-300 --put-get on --db 3:16 --db 4:16 --quiet
P_REQ=$S7SRV_PORT
PID_REQ=$S7SRV_PID

F="$S7_TEST_TMP/restart.yaml"
cat >"$F" <<EOF2
partners:
  - {name: src, address: 127.0.0.1, port: $P_SRC, profile: s7-300}
  - {name: dst, address: 127.0.0.1, port: $P_DST, profile: s7-300}
  - {name: req, address: 127.0.0.1, port: $P_REQ, profile: s7-300}
jobs:
  - {name: oc, local_cpu: src, job: put dst DB2.DBB0..DBB3 every 100ms from DB1.DBB0, on_change: true}
  - {name: rq, local_cpu: req, job: get src DB1.DBD0 on DB3.DBX0.0 into DB4.DBD0 --ndr DB3.DBX0.1 --error DB3.DBX0.2 --status DB3.DBW2}
EOF2
"$S7_BIN" exchange "$F" --every 200ms --duration 60s --backoff-max 300ms --quiet \
    --json-lines "$S7_TEST_TMP/restart.jsonl" 2>"$S7_TEST_TMP/restart.err" &
BR=$!
on_exit "kill $BR 2>/dev/null; wait $BR 2>/dev/null"

rd() { "$S7_BIN" read "127.0.0.1:$1" --slot 2 "$2" 2>/dev/null | sed 's/.* = //'; }
wr() { "$S7_BIN" write "127.0.0.1:$1" --slot 2 "$2" >/dev/null 2>&1; }
# wait_val PORT ADDR VALUE: up to 8 s
wait_val() {
    local i
    for ((i = 0; i < 80; i++)); do
        [ "$(rd "$1" "$2")" = "$3" ] && return 0
        sleep 0.1
    done
    return 1
}

check_ok "the on-change PUT wrote 4242" wait_val "$P_DST" DB2.DBD0:DINT 4242
wr "$P_REQ" DB3.DBX0.0=1
check_ok "REQ: the GET ran, NDR set" wait_val "$P_REQ" DB3.DBX0.1 true
check_eq "$(rd "$P_REQ" DB4.DBD0:DINT)" 4242 "REQ: the value landed"

# the destination restarts: empty DB2
kill9_s7server "$PID_DST"
start_s7server --listen "127.0.0.1:$P_DST" --profile s7-300 --put-get on --db 2:16 --quiet
check_ok "the on-change PUT writes again to the restarted CPU (unchanged source)" \
    wait_val "$P_DST" DB2.DBD0:DINT 4242

# the CPU with REQ restarts while REQ was set: its memory is 0, the program sets REQ again
kill9_s7server "$PID_REQ"
wr "$P_SRC" DB1.DBD0:DINT=222
start_s7server --listen "127.0.0.1:$P_REQ" --profile s7-300 --put-get on --db 3:16 --db 4:16 --quiet
wr "$P_REQ" DB3.DBX0.0=1
check_ok "REQ set after the restart: the transfer runs, NDR set" wait_val "$P_REQ" DB3.DBX0.1 true
check_eq "$(rd "$P_REQ" DB4.DBD0:DINT)" 222 "REQ after the restart: the new value landed"
kill -0 "$BR" 2>/dev/null && pass "s7 exchange still runs" || fail "s7 exchange died"
finish
