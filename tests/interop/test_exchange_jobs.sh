#!/usr/bin/env bash
# GET/PUT jobs of an emulated CPU (`s7 server --job`, docs/exchange.md) against other
# emulators and against the Snap7 server as partners: values land, and each job's ERROR and
# STATUS words say what the GET/PUT instructions say for success (0/0), PUT/GET off on the
# partner (1/2, its 0x8104), an optimized DB (1/8), a missing DB (1/8), a partner that is
# down (1/1) and comes back (0/0 again, by itself); a PUT on a rising edge of REQ; a job over
# the PDU limit refused at load with the limit named; a Snap7 client reading the status words.
#
# Layout of the job outputs in the active CPU's DB40 (4 bytes per job at 200 + 4 * n):
#   byte +0 bit 0 NDR (GET) / DONE (PUT), bit 1 ERROR; word +2 STATUS.
# The jobs latch their outputs (`latch`: held until the next result) so that `s7 read` polling
# at its own pace sees each outcome; the one-scan pulses of the default are
# test_exchange_jobs_scan.sh's.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_server

# out N: the job outputs of job slot N (ndr/done, error, status) as "D/E/S"
outs() { # N
    local off=$((200 + 4 * $1)) v
    v=$("$S7_BIN" read "$XADDR" --slot 2 "DB40.DBX$off.0" "DB40.DBX$off.1" "DB40.DBW$((off + 2))" \
        2>/dev/null | sed 's/.* = //' | tr '\n' ' ')
    set -- $v
    [ $# -eq 3 ] || { echo "?"; return; }
    echo "$([ "$1" = true ] && echo 1 || echo 0)/$([ "$2" = true ] && echo 1 || echo 0)/$3"
}

# wait_outs N WANT WHAT: polls (up to 12 s) until job slot N shows WANT ("D/E/S").
wait_outs() { # N WANT WHAT
    local i got=""
    for ((i = 0; i < 120; i++)); do
        got=$(outs "$1")
        if [ "$got" = "$2" ]; then
            pass "$3: NDR/ERROR/STATUS $2"
            return 0
        fi
        sleep 0.1
    done
    fail "$3: NDR/ERROR/STATUS $got, expected $2"
}

# ---------------------------------------------------------------- partners
# A: an S7-1500 with PUT/GET permitted, DB20 with values and an optimized DB21
start_s7server --profile s7-1500 --put-get on --db 20:64 --db 21:64:optimized \
    --set DB20.DBW0=4242 --set DB20.DBD4:REAL=2.5 --set DB20.DBB31=7 --quiet
PA=$S7SRV_PORT
# B: an S7-1500 as delivered: PUT/GET not permitted
start_s7server --profile s7-1500 --db 20:64 --quiet
PB=$S7SRV_PORT
# C: started later on a port reserved now (down, then up, killed, up again)
PC=$(free_port) || die "no free port"
# S: the Snap7 server (DB20 counts up: byte i holds i)
SNAP=0
if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/node-snap7/build/Release/node_snap7.node" ]; then
    start_snap7 --db 20:64:pattern
    PS=$SNAP7_PORT
    SNAP=1
else
    [ -n "${CI:-}" ] && die "node-snap7 missing in CI (run make deps)"
    PS=$(free_port)
fi

# ---------------------------------------------------------------- the active CPU
J=(
    --job "get 127.0.0.1:$PA DB20.DBB0..DBB31 every 100ms into DB40.DBB0 --name a-ok
           --ndr DB40.DBX200.0 --error DB40.DBX200.1 --status DB40.DBW202 latch"
    --job "put 127.0.0.1:$PA DB20.DBW40 on M0.0 from DB40.DBW40 --name a-put
           --done DB40.DBX204.0 --error DB40.DBX204.1 --status DB40.DBW206 latch"
    --job "get 127.0.0.1:$PA DB21.DBB0..DBB3 every 100ms into DB40.DBB50 --name a-optimized
           --ndr DB40.DBX208.0 --error DB40.DBX208.1 --status DB40.DBW210 latch"
    --job "get 127.0.0.1:$PA DB99.DBB0..DBB3 every 100ms into DB40.DBB60 --name a-missing
           --ndr DB40.DBX212.0 --error DB40.DBX212.1 --status DB40.DBW214 latch"
    --job "get 127.0.0.1:$PB DB20.DBB0..DBB3 every 100ms into DB40.DBB70 --name b-putget-off
           --ndr DB40.DBX216.0 --error DB40.DBX216.1 --status DB40.DBW218 latch"
    --job "get 127.0.0.1:$PC DB20.DBW0 every 100ms into DB40.DBW80 --name c-down-up
           --ndr DB40.DBX220.0 --error DB40.DBX220.1 --status DB40.DBW222 latch"
    --job "get 127.0.0.1:$PS DB20.DBB0..DBB7 every 100ms into DB40.DBB90 --name s-ok
           --ndr DB40.DBX224.0 --error DB40.DBX224.1 --status DB40.DBW226 latch"
    --job "get 127.0.0.1:$PS DB98.DBB0..DBB3 every 100ms into DB40.DBB100 --name s-missing
           --ndr DB40.DBX228.0 --error DB40.DBX228.1 --status DB40.DBW230 latch"
)
start_s7server --profile s7-300 --db 40:256 --set DB40.DBW40=16#1234 "${J[@]}"
XADDR=$S7SRV_ADDR
XLOG=$S7SRV_LOG
XPID=$S7SRV_PID
for ((i = 0; i < 100; i++)); do grep -q '^Ctrl-C or SIGTERM' "$XLOG" && break; sleep 0.05; done
grep -q "job           get 127.0.0.1:$PA DB20.DBB0..DBB31 every 100ms --id 1 --name a-ok" "$XLOG" &&
    pass "the banner lists the jobs" || fail "the banner lists the jobs: $(grep job "$XLOG")"

wait_outs 0 1/0/0 "GET from an emulator"
check_eq "$("$S7_BIN" read "$XADDR" --slot 2 DB40.DBW0:INT DB40.DBD4:REAL DB40.DBB31 | tr '\n' ' ')" \
    "DB40.DBW0:INT = 4242 DB40.DBD4:REAL = 2.5 DB40.DBB31 = 7 " "GET: the partner's values landed"
wait_outs 2 0/1/8 "GET of an optimized DB"
wait_outs 3 0/1/8 "GET of a missing DB"
wait_outs 4 0/1/2 "GET from a partner with PUT/GET off"
grep -qE "job b-putget-off: ERROR 1/2 negative_ack \(put_get_disabled\)" "$XLOG" &&
    pass "the log names put_get_disabled" || fail "the log names put_get_disabled"
grep -qE "job a-missing: ERROR 1/8 partner_access \(db_missing\)" "$XLOG" &&
    pass "the log names db_missing" || fail "the log names db_missing"
wait_outs 5 0/1/1 "GET from a partner that is down"

# PUT on a rising edge of REQ (M0.0): nothing moves before it
check_eq "$("$S7_BIN" read "127.0.0.1:$PA" DB20.DBW40 | sed 's/.* = //')" 0 "PUT: nothing sent before REQ"
"$S7_BIN" write "$XADDR" --slot 2 M0.0=true >/dev/null || fail "setting REQ"
wait_outs 1 1/0/0 "PUT on REQ"
check_eq "$("$S7_BIN" read "127.0.0.1:$PA" DB20.DBW40 | sed 's/.* = //')" 4660 "PUT: SD_1 landed in the partner"

# C comes up: the job recovers by itself; killed: 1/1; back: 0/0
start_s7server --listen "127.0.0.1:$PC" --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=99 --quiet
PCPID=$S7SRV_PID
wait_outs 5 1/0/0 "the partner came up"
check_eq "$("$S7_BIN" read "$XADDR" --slot 2 DB40.DBW80 | sed 's/.* = //')" 99 "its value landed"
kill9_s7server "$PCPID"
wait_outs 5 0/1/1 "the partner was killed"
start_s7server --listen "127.0.0.1:$PC" --profile s7-1500 --put-get on --db 20:64 --set DB20.DBW0=100 --quiet
wait_outs 5 1/0/0 "the partner is back"
check_eq "$("$S7_BIN" read "$XADDR" --slot 2 DB40.DBW80 | sed 's/.* = //')" 100 "its new value landed"
grep -q "connection 3 to 127.0.0.1 lost" "$XLOG" && pass "the loss is logged" ||
    fail "the loss is logged: $(grep -c connection "$XLOG") connection lines"

# ---------------------------------------------------------------- the Snap7 server as partner
if [ "$SNAP" = 1 ]; then
    wait_outs 6 1/0/0 "GET from the Snap7 server"
    check_eq "$("$S7_BIN" read "$XADDR" --slot 2 DB40.DBB90:BYTE[8] | sed 's/.* = //')" \
        "[0, 1, 2, 3, 4, 5, 6, 7]" "GET: the Snap7 server's bytes landed"
    wait_outs 7 0/1/8 "GET of a DB the Snap7 server lacks"
    stop_snap7
    wait_outs 6 0/1/1 "the Snap7 server stopped"
    start_snap7 --port "$PS" --db 20:64:0a0b0c0d
    wait_outs 6 1/0/0 "the Snap7 server is back"
    check_eq "$("$S7_BIN" read "$XADDR" --slot 2 DB40.DBD90 | sed 's/.* = //')" 168496141 \
        "GET: the restarted server's bytes landed"
    # a Snap7 client reads the job status words of the emulator
    check_eq "$("$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" --slot 2 "$XADDR" dbread 40 200 20)" \
        "0100000001000000020000080200000802000002" "a Snap7 client reads the status words"
else
    skip_note="node-snap7 not installed: the Snap7 partner checks did not run"
    echo "note: $skip_note"
fi

# at SIGTERM each job's counts and last status
stop_s7server "$XPID"
check_match "$(cat "$XLOG")" "job a-ok: [0-9]+ runs, [0-9]+ ok, 0 errors, [0-9]+ triggers while busy; last: ERROR 0 STATUS 0 \(ok\)" \
    "at stop: the GET's counts"
check_match "$(cat "$XLOG")" "job b-putget-off: ([0-9]+) runs, 0 ok, [0-9]+ errors, [0-9]+ triggers while busy; last: ERROR 1 STATUS 2 \(negative_ack, put_get_disabled\)" \
    "at stop: PUT/GET off"

# ---------------------------------------------------------------- a job's results are journalled
# GET results into a retentive DB survive kill -9 as a partner's writes do
start_s7server --profile s7-300 --db 42:16:retain --state "$S7_TEST_TMP/jobs.state" --quiet \
    --job "get 127.0.0.1:$PA DB20.DBW0 every 100ms into DB42.DBW0"
for ((i = 0; i < 100; i++)); do
    [ "$("$S7_BIN" read "$S7SRV_ADDR" --slot 2 DB42.DBW0 2>/dev/null | sed 's/.* = //')" = 4242 ] && break
    sleep 0.1
done
kill9_s7server
start_s7server --profile s7-300 --db 42:16:retain --state "$S7_TEST_TMP/jobs.state" --quiet
check_eq "$("$S7_BIN" read "$S7SRV_ADDR" --slot 2 DB42.DBW0 | sed 's/.* = //')" 4242 \
    "a GET's result in a retentive DB survives kill -9"
stop_s7server

# ---------------------------------------------------------------- connection resources
# The jobs' connections count against the CPU's own budgets: its only PG connection is the
# job's (so a PG client is refused), and a job on an S7 basic connection finds none (1/20).
start_s7server --profile s7-300 --max-conn pg=1 --max-conn basic=0 --db 40:64 --quiet \
    --job "get 127.0.0.1:$PA DB20.DBW0 every 100ms into DB40.DBW0 --error DB40.DBX8.1 --status DB40.DBW10 latch" \
    --job "get 127.0.0.1:$PA DB20.DBW0 every 100ms --type basic into DB40.DBW2 --error DB40.DBX12.1 --status DB40.DBW14 latch"
RADDR=$S7SRV_ADDR
for ((i = 0; i < 100; i++)); do
    got=$("$S7_BIN" read "$RADDR" --slot 2 --type op DB40.DBW0 DB40.DBW10 DB40.DBX12.1 DB40.DBW14 2>&1 |
        sed 's/.* = //' | tr '\n' ' ')
    [ "$got" = "4242 0 true 20 " ] && break
    sleep 0.1
done
check_eq "$got" "4242 0 true 20 " "budgets: the PG job runs, the basic job reports 1/20"
check_fails "budgets: a PG client is refused" "$S7_BIN" read "$RADDR" --slot 2 DB40.DBW0
for ((i = 0; i < 50; i++)); do grep -q "no free PG connection: 1 of 1 in use" "$S7SRV_LOG" && break; sleep 0.1; done
check_contains "$(cat "$S7SRV_LOG")" "no free PG connection: 1 of 1 in use" \
    "budgets: the job holds the only PG connection (a PG client is refused)"

# ---------------------------------------------------------------- refused at load
OUT=$("$S7_BIN" server --listen 127.0.0.1:0 --db 40:512 \
    --job "get 127.0.0.1:$PA DB20.DBB0..DBB299 every 1s into DB40.DBB0" 2>&1)
RC=$?
check_eq "$RC" 2 "a job over the PDU limit: exit 2"
check_contains "$OUT" "error: --job 1: job job1: a GET of 1 area moves 300 bytes, more than fit one PDU of 240 bytes (at most 222 bytes" \
    "a job over the PDU limit: the message names the limit"
OUT=$("$S7_BIN" server --listen 127.0.0.1:0 --db 40:512 \
    --job "get 127.0.0.1:$PA DB20.DBB0..DBB299 every 1s into DB40.DBB0 --pdu 480" --job "fetch x" 2>&1)
check_contains "$OUT" "error: --job 2: 'fetch' is not a job kind" "a bad second job is named"
OUT=$("$S7_BIN" server --listen 127.0.0.1:0 --db 40:16 \
    --job "get 127.0.0.1:$PA DB20.DBB0..DBB31 every 1s into DB40.DBB0" 2>&1)
check_contains "$OUT" "error: --job 1: job job1: RD_1 DB40.DBB0..DBB31 is not in this CPU's memory: DB40 has 16 bytes: make it at least 32" \
    "a local area beyond its DB is refused at load"
OUT=$("$S7_BIN" server --listen 127.0.0.1:0 --db 40:64 \
    --job "get 127.0.0.1:$PA DB20.DBW0 every 1s into DB41.DBW0" 2>&1)
check_contains "$OUT" "RD_1 DB41.DBW0 is not in this CPU's memory: add the DB (--db 41:2, or dbs: - {number: 41, size: 2})" \
    "a local DB that is missing is refused at load"

# Bad configuration files: one message naming FILE:LINE (or the file), what is wrong and the
# fix; exit 2; nothing started (no "listening on", nothing logged).
badcfg() { # NAME WANT (the file is $S7_TEST_TMP/NAME.yaml, or NAME itself when it is a path)
    local f="$S7_TEST_TMP/$1.yaml" rc=0 out
    case "$1" in /*) f=$1 ;; esac
    out=$("$S7_BIN" server --listen 127.0.0.1:0 --config "$f" 2>&1) || rc=$?
    check_eq "$rc" 2 "bad config $1: exit 2"
    check_contains "$out" "error: $2" "bad config $1: the message"
    check_eq "$(grep -c '^error:' <<<"$out")" 1 "bad config $1: one message"
    check_eq "$(grep -c 'listening on' <<<"$out")" 0 "bad config $1: nothing started"
}
H=$'profile: s7-300\ndbs:\n  - {number: 40, size: 100}\n'
printf '%sjobs:\n  - {name: a, kind: brcv, side: unspecified, r_id: 5, local: DB40.DBW0}\n  - {name: b, kind: brcv, side: unspecified, r_id: 5, local: DB40.DBW2}\n' "$H" >"$S7_TEST_TMP/rid.yaml"
badcfg rid "$S7_TEST_TMP/rid.yaml:6: job b: R_ID 5 on connection 1 is already used by job a (brcv, $S7_TEST_TMP/rid.yaml:5)"
printf '%sjobs:\n  - bsend 127.0.0.1 7 every 1s from DB40.DBW0\n  - usend 127.0.0.1 7 every 1s from DB40.DBW2\n' "$H" >"$S7_TEST_TMP/rid2.yaml"
badcfg rid2 "$S7_TEST_TMP/rid2.yaml:6: job usend2: R_ID 7 on connection 1 is already used by job bsend1"
printf '%sjobs:\n  - {name: a, kind: get, host: 10.200.2.300, addr: MW0, local: MW2, every: 1s}\n' "$H" >"$S7_TEST_TMP/host.yaml"
badcfg host "$S7_TEST_TMP/host.yaml:5: connection 1: host '10.200.2.300': not an IPv4 address (four numbers 0..255 separated by dots, e.g. 192.168.0.1) and not a host name: give the partner's address"
printf '%sjobs:\n  - {name: a, kind: brcv, side: unspecified, port: 1202, r_id: 5, local: DB40.DBW0}\n' "$H" >"$S7_TEST_TMP/pport.yaml"
badcfg pport "$S7_TEST_TMP/pport.yaml:5: connection 1: a passive partner connection is served on this CPU's own port"
printf '%smax_connections: {pg: 0}\njobs:\n  - {name: a, kind: brcv, side: unspecified, r_id: 5, local: DB40.DBW0}\n' "$H" >"$S7_TEST_TMP/budget.yaml"
badcfg budget "partner jobs: $S7_TEST_TMP/budget.yaml:6: connection 1: no free PG connection resource for this partner connection"
printf '%sjobs:\n  - {name: a, kind: put, host: 127.0.0.1, addr: DB20.DBB0..DBB212, local: DB40.DBB0, every: 1s}\n' "$H" >"$S7_TEST_TMP/putpdu.yaml"
badcfg putpdu "$S7_TEST_TMP/putpdu.yaml:5: job a: a PUT of 1 area moves 213 bytes, more than fit one PDU of 240 bytes (at most 212 bytes"
printf '%sjobs:\n  - {name: a, kind: get, host: 127.0.0.1, addr: MW0, local: MW2, every: }\n' "$H" >"$S7_TEST_TMP/noval.yaml"
badcfg noval "$S7_TEST_TMP/noval.yaml:5: job a: every: has no value: give one, e.g. every: 100ms"
printf '%sjobs:\n  - {name: a, kind: gett, host: 127.0.0.1, addr: MW0, local: MW2, every: 1s}\n' "$H" >"$S7_TEST_TMP/kind.yaml"
badcfg kind "$S7_TEST_TMP/kind.yaml:5: job a: kind: 'gett' is not a job kind"
printf '%sjobs:\n  - {name: a, kind: get, host: 127.0.0.1, addr: [MB0, MB1, MB2, MB3, MB4], local: MW2, every: 1s}\n' "$H" >"$S7_TEST_TMP/five.yaml"
badcfg five "$S7_TEST_TMP/five.yaml:5: job a: addr: more than four areas"
printf '%sjobs:\n  - name: a\n    kind: get\n    host: 127.0.0.1\n    addr: MW0\n    local: MW2\n    every: 1s\n    status: M10.0\n' "$H" >"$S7_TEST_TMP/statusw.yaml"
badcfg statusw "$S7_TEST_TMP/statusw.yaml:11: job a: STATUS M10.0 is not a WORD"
printf '%sjobs:\n\t- get 127.0.0.1 MW0 every 1s into MW2\n' "$H" >"$S7_TEST_TMP/tab.yaml"
badcfg tab "$S7_TEST_TMP/tab.yaml:5:1: not valid YAML: tab character may not be used as indentation"
: >"$S7_TEST_TMP/empty.yaml"
badcfg empty "$S7_TEST_TMP/empty.yaml: no YAML document in it (empty?)"
mkdir -p "$S7_TEST_TMP/dir.yaml"
badcfg dir "cannot read the config file $S7_TEST_TMP/dir.yaml: not a regular file (a FIFO, device or directory is not read): give the path of a YAML file"
badcfg missing "cannot read the config file $S7_TEST_TMP/missing.yaml: No such file or directory: give the path of an existing YAML file"
# a partner --job next to the file's GET job: one set of job names and connection ids
printf '%sjobs:\n  - {name: a, kind: get, host: 127.0.0.1, addr: MW0, local: MW2, every: 1s}\n' "$H" \
    >"$S7_TEST_TMP/get.yaml"
rc=0
OUT=$("$S7_BIN" server --listen 127.0.0.1:0 --config "$S7_TEST_TMP/get.yaml" \
    --job "bsend 10.0.0.9 5 every 1s from MW10 --name a" 2>&1) || rc=$?
check_eq "$rc" 2 "a partner job named as a GET job: exit 2"
check_contains "$OUT" "error: --job 1: job a: the name is already used at $S7_TEST_TMP/get.yaml:5: give each job its own name" \
    "a partner job named as a GET job: the message"
rc=0
OUT=$("$S7_BIN" server --listen 127.0.0.1:0 --config "$S7_TEST_TMP/get.yaml" \
    --job "bsend 10.0.0.9 5 every 1s from MW10 --id 1" 2>&1) || rc=$?
check_eq "$rc" 2 "a partner job on the GET job's connection id: exit 2"
check_contains "$OUT" "error: --job 1: connection id 1 already names another partner (127.0.0.1 at $S7_TEST_TMP/get.yaml:5): choose another --id or leave it out" \
    "a partner job on the GET job's connection id: the message"
printf '%s' "$H" >"$S7_TEST_TMP/locked.yaml"
chmod 000 "$S7_TEST_TMP/locked.yaml"
if [ "$(id -u)" != 0 ]; then
    badcfg locked "cannot read the config file $S7_TEST_TMP/locked.yaml: Permission denied: make it readable"
elif command -v setpriv >/dev/null && chmod 711 "$S7_TEST_TMP"; then
    rc=0
    OUT=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$S7_BIN" server --listen 127.0.0.1:0 \
        --config "$S7_TEST_TMP/locked.yaml" 2>&1) || rc=$?
    check_eq "$rc" 2 "bad config locked (as nobody): exit 2"
    check_contains "$OUT" "error: cannot read the config file $S7_TEST_TMP/locked.yaml: Permission denied: make it readable for the user this runs as" \
        "bad config locked (as nobody): the message"
else
    echo "note: an unreadable file not tried: root reads it, and setpriv is missing"
fi
chmod 600 "$S7_TEST_TMP/locked.yaml"

finish
