#!/usr/bin/env bash
# What an emulated CPU's own jobs write into its retentive DBs survives a kill -9 as a
# partner's PUT does (issue 11 item 1): CPU B (`s7 server --state`) receives a BSEND from
# CPU A (a second emulator) into a retentive DB by its BRCV job, and reads A's DB by a GET
# job into another retentive DB; the jobs' NDR bits and STATUS words sit in that DB too
# (latched, so they are set at the kill).  B is killed with SIGKILL (no compaction at exit:
# only the journal can bring the data back), A is stopped, B starts again on the same state
# file without jobs, and `s7 read` finds the block, the GET's value and the outputs there;
# a non-retentive DB the same GET job also filled starts from zero.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_server
T="$S7_TEST_TMP"
PA=$(free_port) || die "no free port"
DBS=(--put-get on --db 20:1000:retain --db 42:16:retain --db 43:4 --state "$T/b.state"
    --retain sync)

# B: BRCV R_ID 3 into DB20 (NDR DB42.DBX10.0, STATUS DB42.DBW12); GET of A's DB11.DBW0 into
# DB42.DBW0 (NDR DB42.DBX10.1, STATUS DB42.DBW14) and of the same word into DB43.DBW0.
start_s7server "${DBS[@]}" \
    --job "brcv any 3 into DB20.DBB0..DBB999 --ndr DB42.DBX10.0 --status DB42.DBW12 latch" \
    --job "get 127.0.0.1:$PA DB11.DBW0 every 100ms into DB42.DBW0 --ndr DB42.DBX10.1 --status DB42.DBW14 --outputs latch" \
    --job "get 127.0.0.1:$PA DB11.DBW0 every 100ms into DB43.DBW0"
B_PID=$S7SRV_PID B_ADDR=$S7SRV_ADDR B_PORT=$S7SRV_PORT
# A: the sender of the block and the GETs' partner
start_s7server --listen "127.0.0.1:$PA" --put-get on --db 10:1000 --db 11:2 \
    --set DB10.DBW0=4660 --set DB10.DBW500=65534 --set DB10.DBW998=7 --set DB11.DBW0=4242 \
    --job "bsend 127.0.0.1:$B_PORT 3 every 100ms from P#DB10.DBX0.0 BYTE 1000"
A_PID=$S7SRV_PID

WANT=(DB20.DBW0 DB20.DBW500 DB20.DBW998 DB42.DBW0 DB42.DBX10.0 DB42.DBX10.1 DB42.DBW12
    DB42.DBW14)
out=""
for ((i = 0; i < 100; i++)); do
    out="$("$S7_BIN" read "$B_ADDR" "${WANT[@]}" DB43.DBW0 2>&1)"
    case "$out" in *"DB42.DBX10.0 = true"*"DB42.DBX10.1 = true"*"DB43.DBW0 = 4242"*) break ;; esac
    sleep 0.1
done
check_contains "$out" "DB20.DBW998 = 7" "before the kill: the BRCV's block is in B's DB20"
check_contains "$out" "DB42.DBW0 = 4242" "before the kill: the GET's value is in B's DB42"
check_contains "$out" "DB43.DBW0 = 4242" "before the kill: the GET's value is in B's DB43"

kill9_s7server "$B_PID"
stop_s7server "$A_PID" # nothing may deliver the data again after B's restart
start_s7server "${DBS[@]}"
out="$("$S7_BIN" read "$S7SRV_ADDR" "${WANT[@]}" DB43.DBW0 2>&1)"
check_contains "$out" "DB20.DBW0 = 4660" "after kill -9 and restart: the BRCV's block (first word)"
check_contains "$out" "DB20.DBW500 = 65534" "after kill -9 and restart: the BRCV's block (middle)"
check_contains "$out" "DB20.DBW998 = 7" "after kill -9 and restart: the BRCV's block (last word)"
check_contains "$out" "DB42.DBW0 = 4242" "after kill -9 and restart: the GET job's result"
check_contains "$out" "DB42.DBX10.0 = true" "after kill -9 and restart: the BRCV's NDR"
check_contains "$out" "DB42.DBX10.1 = true" "after kill -9 and restart: the GET's NDR"
check_contains "$out" "DB42.DBW12 = 0" "after kill -9 and restart: the BRCV's STATUS"
check_contains "$out" "DB42.DBW14 = 0" "after kill -9 and restart: the GET's STATUS"
check_contains "$out" "DB43.DBW0 = 0" "a DB that is not retentive starts from zero"
check_ok "the restart replayed the journal" s7srv_log_has "journal .*: [1-9][0-9]* writes replayed"
finish
