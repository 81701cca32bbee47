#!/usr/bin/env bash
# `s7 server`, the command: the no-argument demo CPU (when its port is free), flags that
# describe a CPU (read back with s7 read / s7 info), the example YAML, bad flags and bad
# config (exit 2 with the message), the audit log, SIGTERM (exit 0, compaction, summary),
# kill -9 during a burst of writes (no acknowledged retentive write lost, sync and async),
# and a torn or damaged state file refused at start.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
"$S7_BIN" help server >/dev/null 2>&1 || die "$S7_BIN has no server command"
EXAMPLE="$S7_SOURCE/docs/server-example.yaml"

SRV_N=0
SRV_LOGS=()

# srv_exec ARGS...: s7 server ARGS exactly, waits for the banner; sets SRV_PID, SRV_PORT,
# SRV_ADDR, SRV_OUT (stdout), SRV_ERR (stderr).  Dies when it does not start.  SRV_PRE is a
# command run in the server's shell first (e.g. a ulimit).
srv_exec() {
    local i
    SRV_N=$((SRV_N + 1))
    SRV_OUT="$S7_TEST_TMP/srv.$SRV_N.out"
    SRV_ERR="$S7_TEST_TMP/srv.$SRV_N.err"
    SRV_LOGS+=("$SRV_OUT" "$SRV_ERR")
    (cd "$S7_TEST_TMP" && eval "${SRV_PRE:-:}" && exec "$S7_BIN" server "$@") </dev/null >"$SRV_OUT" 2>"$SRV_ERR" &
    SRV_PID=$!
    on_exit "kill -KILL $SRV_PID 2>/dev/null; wait $SRV_PID 2>/dev/null"
    for ((i = 0; i < 200; i++)); do
        if grep -q '^Ctrl-C or SIGTERM stops the server' "$SRV_OUT" 2>/dev/null; then
            SRV_PORT=$(sed -n 's/^  listening on  .*:\([0-9]*\)$/\1/p' "$SRV_OUT")
            SRV_ADDR="127.0.0.1:$SRV_PORT"
            return 0
        fi
        kill -0 "$SRV_PID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$SRV_OUT" "$SRV_ERR" >&2
    die "s7 server $* did not start"
}

# srv_start ARGS...: the same on a free port of this test (--listen 127.0.0.1:PORT first).
srv_start() {
    local port
    port=$(free_port) || die "no free port"
    srv_exec --listen "127.0.0.1:$port" "$@"
}

# srv_stop [SIG]: signals the last server (default TERM), waits; SRV_RC = its exit code.
srv_stop() {
    SRV_RC=0
    kill "-${1:-TERM}" "$SRV_PID" 2>/dev/null
    wait "$SRV_PID" 2>/dev/null || SRV_RC=$?
}

# run CMD...: OUT = stdout+stderr, RC = exit code.
run() {
    RC=0
    OUT=$("$@" 2>&1) || RC=$?
}

# val ADDRESS... [options]: the values s7 read prints for the last server, one per line.
val() {
    "$S7_BIN" read "$SRV_ADDR" "$@" 2>&1 | sed 's/^[^=]* = //'
}

done_test() {
    local f
    if [ "$_S7_FAIL" -gt 0 ]; then
        for f in "${SRV_LOGS[@]}"; do
            [ -s "$f" ] || continue
            printf -- '--- %s (last 30 lines)\n' "$(basename "$f")"
            tail -n 30 "$f"
        done
    fi
    finish
}

# ---------------------------------------------------------------- no arguments: the demo CPU
if [ "$(id -u)" = 0 ]; then default_port=102; else default_port=1102; fi
if _s7_reserve_port "$default_port" 2>/dev/null && _s7_port_bindable "$default_port"; then
    srv_exec
    check_eq "$SRV_PORT" "$default_port" "no arguments: listens on 127.0.0.1:$default_port"
    banner=$(cat "$SRV_OUT")
    check_contains "$banner" "s7 server: demo s7-1500" "banner names the demo S7-1500"
    check_contains "$banner" "listening on  127.0.0.1:$default_port" "banner: listen address"
    check_contains "$banner" "rack/slot     0/1" "banner: rack/slot"
    check_contains "$banner" "PUT/GET       permitted" "banner: PUT/GET enabled"
    check_contains "$banner" "DB2           64 bytes, optimized" "banner: DB2 optimized"
    check_contains "$banner" "DB3           32 bytes, read-only" "banner: DB3 read-only"
    check_contains "$banner" "s7 info 127.0.0.1:$default_port" "banner: how to connect"
    run "$S7_BIN" info "$SRV_ADDR"
    check_eq "$RC" 0 "s7 info against the demo CPU"
    check_match "$OUT" "order code +6ES7 516-3AN02-0AB0" "s7 info: S7-1500 order code"
    check_match "$OUT" "put/get +permitted" "s7 info: PUT/GET permitted"
    check_eq "$(val DB1.DBW0:INT DB1.DBD4:REAL 'DB1.DBB10:STRING[20]' DB1.DBB100 MW10:INT | tr '\n' '|')" \
        "42|3.14159|hello from s7kit|100|100|" "s7 read: the demo's recognisable values"
    srv_stop INT
    check_eq "$SRV_RC" 0 "demo: SIGINT exits 0"
    check_contains "$(cat "$SRV_OUT")" "s7 server stopped (SIGINT)" "demo: summary printed"
else
    printf 'note: 127.0.0.1:%s is in use: the no-argument start is not checked here\n' "$default_port"
fi

# ---------------------------------------------------------------- flags describe the CPU
srv_start --profile s7-300 --db 5:100 --db 6:10:ro --db 7:20:optimized --db 8:16:retain \
    --set DB5.DBW0:INT=-5 --set 'DB5.DBD2:REAL=2.5' --set 'DB5.DBB10:STRING[8]=abc' --set MW4:INT=77 \
    --set C3=42 --max-conn pg=1 --audit "$S7_TEST_TMP/audit.jsonl"
b=$(cat "$SRV_OUT")
check_contains "$b" "s7 server: s7-300 (CPU 315-2 PN/DP" "flags: profile s7-300 in the banner"
check_contains "$b" "rack/slot     0/2" "flags: S7-300 at slot 2"
check_contains "$b" "PUT/GET       permitted" "flags: S7-300 permits PUT/GET by default"
check_contains "$b" "1 PG" "flags: --max-conn pg=1 in the banner"
check_contains "$b" "DB8           16 bytes, retentive" "flags: retentive DB listed"
check_contains "$b" "state file    none" "flags: no state file said"
check_eq "$(val DB5.DBW0:INT DB5.DBD2:REAL 'DB5.DBB10:STRING[8]' MW4:INT C3 --slot 2 | tr '\n' '|')" \
    "-5|2.5|abc|77|42|" "flags: --set values read back (DB, M, C)"
run "$S7_BIN" info "$SRV_ADDR" --slot 2
check_match "$OUT" "order code +6ES7 315-2EH14-0AB0" "flags: s7 info shows the S7-300 identity"
run "$S7_BIN" read "$SRV_ADDR" DB5.DBB0
check_eq "$RC" 3 "flags: a client at slot 1 is refused (the CPU sits at slot 2)"
check_match "$(cat "$SRV_ERR")" "refused 127\.0\.0\.1:[0-9]+: (connection request refused: )?called TSAP 0101 names rack 0 slot 1; this CPU is at rack 0 slot 2" \
    "flags: the refused CR is logged with the reason"
run "$S7_BIN" write "$SRV_ADDR" DB6.DBB0=1 --slot 2
check_eq "$RC" 1 "flags: :ro DB refuses a write"
check_contains "$OUT" "0x03" "flags: :ro DB answers 0x03"
run "$S7_BIN" read "$SRV_ADDR" DB7.DBB0 --slot 2
check_contains "$OUT" "0x05" "flags: :optimized DB answers 0x05 at offset 0"
run "$S7_BIN" read "$SRV_ADDR" DB5.DBB99 DB5.DBW99 --slot 2
check_contains "$OUT" "DB5.DBB99 = 0" "flags: DB5 is 100 bytes (last byte readable)"
check_contains "$OUT" "0x05" "flags: past the end of DB5 answers 0x05"
check_match "$(cat "$SRV_ERR")" "warning: refused 127\.0\.0\.1:[0-9]+: write DB6 offset 0, 1 byte: 0x03: DB6 is read-only" \
    "flags: the refused write is logged with its reason"
# --max-conn pg=1: a second PG connection is closed after its CR
"$S7_BIN" watch "$SRV_ADDR" DB5.DBB0 --slot 2 --every 200 >/dev/null 2>&1 &
watcher=$!
on_exit "kill $watcher 2>/dev/null"
sleep 0.5
run "$S7_BIN" read "$SRV_ADDR" DB5.DBB0 --slot 2
check_eq "$RC" 3 "--max-conn pg=1: a second PG connection is refused"
run "$S7_BIN" read "$SRV_ADDR" DB5.DBB0 --slot 2 --type op
check_eq "$RC" 0 "--max-conn pg=1: an OP connection still gets in"
kill "$watcher" 2>/dev/null
wait "$watcher" 2>/dev/null
check_match "$(cat "$SRV_ERR")" "refused 127\.0\.0\.1:[0-9]+: (connection request refused: )?no free PG connection: 1 of 1 in use" \
    "--max-conn: the refusal is logged"
audit=$(cat "$S7_TEST_TMP/audit.jsonl")
check_match "$audit" '"op": "write", "area": "DB", "db": 6, "offset": 0, "length": 1, "result": "0x03 access denied"' \
    "audit: the refused write to DB6"
check_match "$audit" '"db": 7, "offset": 0, "length": 1, "result": "0x05 address out of range"' \
    "audit: the refused read of optimized DB7"
check_match "$audit" '"op": "connect", "result": "refused: no free PG connection: 1 of 1 in use"' \
    "audit: the refused connection"
check_match "$audit" '^\{"time": "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z", "peer": "127\.0\.0\.1:[0-9]+", ' \
    "audit: ISO-8601 UTC time with ms, peer"
srv_stop TERM
check_eq "$SRV_RC" 0 "SIGTERM exits 0"

# --put-get off, --rack/--slot, --allow, --idle-timeout
srv_start --profile s7-1500 --db 1:16 --put-get off --rack 0 --slot 3 --idle-timeout 300 --quiet
check_contains "$(cat "$SRV_OUT")" "PUT/GET       NOT permitted" "--put-get off in the banner"
run "$S7_BIN" read "$SRV_ADDR" DB1.DBB0 --slot 3
check_eq "$RC" 1 "--put-get off: the read is refused"
check_contains "$OUT" "0x8104" "--put-get off: 81 04"
run "$S7_BIN" info "$SRV_ADDR" --slot 3
check_match "$OUT" "put/get +NOT permitted" "--put-get off: s7 info says so"
check_eq "$(grep -c 'connected 127' "$SRV_ERR")" 0 "--quiet: no line per connection"
check_match "$(cat "$SRV_ERR")" "warning: refused 127\.0\.0\.1:[0-9]+: read DB1 offset 0, 1 byte: PUT/GET is not permitted" \
    "--quiet still logs refusals"
srv_stop
srv_start --profile s7-1500 --db 1:16 --put-get on --allow 10.0.0.0/8 --allow 192.168.1.7
run "$S7_BIN" read "$SRV_ADDR" DB1.DBB0
check_eq "$RC" 3 "--allow 10.0.0.0/8: a loopback client is refused"
check_match "$(cat "$SRV_ERR")" "refused 127\.0\.0\.1:[0-9]+: not in the allow-list \(closed at accept\)" "--allow: refusal logged"
check_contains "$(cat "$SRV_OUT")" "partners      only 10.0.0.0/8, 192.168.1.7" "--allow in the banner"
srv_stop

# LOGO! 8 and S7-200 SMART serve V memory as DB1 without any --db: the banner shows it and
# a read that works (it said "DBs none (add --db N:SIZE)", and another DB is refused there)
srv_start --profile logo8
b=$(cat "$SRV_OUT")
check_contains "$b" "DB1           851 bytes, V memory (VB0 = DB1.DBB0" "logo8: the banner shows V memory"
check_lacks "$b" "DBs           none" "logo8: the banner does not say it has no DB"
check_contains "$b" "s7 read $SRV_ADDR --tsap 0100:0200 DB1.DBB0" "logo8: the banner's read to try"
run "$S7_BIN" read "$SRV_ADDR" --tsap 0100:0200 VB850
check_eq "$RC:$OUT" "0:DB1.DBB850 = 0" "logo8: the last byte of V memory is read"
srv_stop
srv_start --profile s7-200smart
check_contains "$(cat "$SRV_OUT")" "DB1           8192 bytes, V memory" "s7-200smart: the banner shows V memory"
srv_stop
srv_start --profile s7-1500 --db 1:16 --put-get on --allow 127.0.0.0/8 --idle-timeout 200 \
    --cr-timeout 0.3s --setup-timeout 300ms
check_eq "$(val DB1.DBB0)" 0 "--allow 127.0.0.0/8: a loopback client gets in"
check_contains "$(cat "$SRV_OUT")" "limits        idle 200 ms, CR within 300 ms, setup within 300 ms;" \
    "the limits in the banner"
# a connection that sends its CR and Setup Communication, then nothing: the idle timeout
exec 7<>"/dev/tcp/127.0.0.1/$SRV_PORT"
printf '\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01\x00\xc2\x02\x01\x01' >&7
printf '\x03\x00\x00\x19\x02\xf0\x80\x32\x01\x00\x00\x00\x01\x00\x08\x00\x00\xf0\x00\x00\x08\x00\x08\x03\xc0' >&7
# one that sends nothing (the CR deadline), one that stops after its CC (the setup deadline)
exec 8<>"/dev/tcp/127.0.0.1/$SRV_PORT"
exec 9<>"/dev/tcp/127.0.0.1/$SRV_PORT"
printf '\x03\x00\x00\x16\x11\xe0\x00\x00\x00\x01\x00\xc0\x01\x0a\xc1\x02\x01\x00\xc2\x02\x01\x01' >&9
sleep 1.5
exec 7>&- 8>&- 9>&-
err="$(cat "$SRV_ERR")"
check_match "$err" "closed 127\.0\.0\.1:[0-9]+: idle timeout" "--idle-timeout closes an idle connection"
check_match "$err" "refused 127\.0\.0\.1:[0-9]+: no connection request within 300 ms of connecting" \
    "--cr-timeout closes a silent socket"
check_match "$err" "refused 127\.0\.0\.1:[0-9]+: no Setup Communication within 300 ms of the connection confirm" \
    "--setup-timeout closes a connection that stops after its CC"
srv_stop
# out of descriptors: the listener keeps accepting on its reserve descriptor, closing and
# logging, and serves again once connections close
SRV_PRE="ulimit -n 32" srv_start --profile s7-1500 --db 1:16 --put-get on --quiet
fds=()
for ((i = 0; i < 40; i++)); do
    exec {fd}<>"/dev/tcp/127.0.0.1/$SRV_PORT" && fds+=("$fd")
done
sleep 0.5
err="$(cat "$SRV_ERR")"
check_match "$err" "refused 127\.0\.0\.1:[0-9]+: out of file descriptors at [0-9]+ connections \(raise ulimit -n" \
    "ulimit -n 32: peers beyond the descriptors are accepted, closed and logged"
for fd in "${fds[@]}"; do exec {fd}>&-; done
sleep 0.3
check_eq "$(val DB1.DBB0)" 0 "ulimit -n 32: served again once the connections closed"
srv_stop
check_match "$(cat "$SRV_OUT")" "refused at accept \(allow-list 0, per address 0, in all 0, out of descriptors [1-9][0-9]*\)" \
    "the summary counts the refusals for descriptors"
# the start's estimate is what the server then served at once, and every socket it took,
# those refused for descriptors too, is in "connections accepted" (40 and the read)
most=$(sed -n 's/.*: at most \([0-9]*\) clients can connect at once (the limit less the .*/\1/p' "$SRV_ERR")
sum=$(sed -n 's/.*: \([0-9]*\) connections accepted (at most \([0-9]*\) open at once).*/\1 \2/p' "$SRV_OUT")
check_eq "${sum#* }" "$most" "ulimit -n 32: the log's 'at most $most clients can connect' is what connected"
check_eq "${sum% *}" 41 "ulimit -n 32: 'connections accepted' counts those refused for descriptors"
unset SRV_PRE

run "$S7_BIN" server --max-held 12Q
check_eq "$RC" 2 "--max-held 12Q: a usage error"
check_contains "$OUT" "--max-held 12Q: must be a byte count 0..1024G, with an optional K, M or G" "--max-held: the message"
# a byte count of the right form but past the most: the message names the range (it said
# "expected a byte count with an optional K, M or G", as if the form were wrong)
run "$S7_BIN" server --max-held 1025G
check_eq "$RC" 2 "--max-held 1025G: a usage error"
check_contains "$OUT" "--max-held 1025G: must be a byte count 0..1024G" "--max-held 1025G: the range"
run "$S7_BIN" server --max-held-conn 2G
check_contains "$OUT" "--max-held-conn 2G: must be a byte count 0..1G" "--max-held-conn 2G: the range"
run "$S7_BIN" server --sock-buf 2G
check_contains "$OUT" "--sock-buf 2G: must be a byte count 0..1G" "--sock-buf 2G: the range"
run "$S7_BIN" server --max-per-source -1
check_contains "$OUT" "--max-per-source -1: must be 0..1000000" "--max-per-source: the message"

# ---------------------------------------------------------------- the example YAML
cp "$EXAMPLE" "$S7_TEST_TMP/example.yaml"
srv_start --config "$S7_TEST_TMP/example.yaml" --state "$S7_TEST_TMP/ex.state" --audit "$S7_TEST_TMP/ex.audit"
b=$(cat "$SRV_OUT")
check_contains "$b" "s7 server: s7-1500" "example YAML: loads"
check_contains "$b" "names         module PLC_LINE3, station Line 3 station" "example YAML: identity overrides"
check_contains "$b" "connections   32 in all: 8 PG, 16 OP, 16 S7 basic" "example YAML: budgets"
check_contains "$b" "state file    $S7_TEST_TMP/ex.state (sync" "example YAML: --state overrides state_file"
check_eq "$(val DB1.DBW0:INT DB1.DBD4:REAL 'DB1.DBW40:INT[3]' MW10:INT QB0 DB10.DBW0:INT | tr '\n' '|')" \
    "42|3.14159|[1, 2, 3]|100|15|1|" "example YAML: initial values read back"
run "$S7_BIN" write "$SRV_ADDR" IB0=1
check_contains "$OUT" "0x03" "example YAML: inputs read-only"
run "$S7_BIN" read "$SRV_ADDR" DB11.DBB0
check_contains "$OUT" "0x03" "example YAML: DB11 access none"
run "$S7_BIN" info "$SRV_ADDR"
check_match "$OUT" "module name +PLC_LINE3" "example YAML: s7 info shows the configured module name"
check_match "$OUT" "serial number +S V-L3TEST00001" "example YAML: s7 info shows the configured serial"
srv_stop
check_eq "$SRV_RC" 0 "example YAML: SIGTERM exits 0"
[ -e "$S7_TEST_TMP/s7kit-example.state" ] && fail "example YAML: --state did not override state_file" || pass "example YAML: state_file overridden by --state"
# flags override the file
srv_start --config "$S7_TEST_TMP/example.yaml" --state "$S7_TEST_TMP/ex.state" --put-get off --slot 2 \
    --db 1:300 --set DB1.DBB0=9 --max-conn pg=2 --allow 127.0.0.1
b=$(cat "$SRV_OUT")
check_contains "$b" "PUT/GET       NOT permitted" "flags override the file: --put-get off"
check_contains "$b" "rack/slot     0/2" "flags override the file: --slot 2"
check_contains "$b" "DB1           300 bytes" "flags override the file: --db 1:300 replaces DB1"
check_contains "$b" "2 PG" "flags override the file: --max-conn pg=2"
check_contains "$b" "partners      only 127.0.0.1"$'\n' "flags override the file: --allow replaces the list"
srv_stop

# ---------------------------------------------------------------- bad flags and config: exit 2
bad() { # bad WHAT EXPECTED ARGS...
    local what="$1" want="$2"
    shift 2
    run timeout 20 "$S7_BIN" server "$@"
    check_eq "$RC" 2 "$what: exit 2"
    check_contains "$OUT" "$want" "$what: message"
}
bad "--db size" "error: --db '1:70000': size '70000' must be 1..65535 bytes, e.g. 1:256" --db 1:70000
bad "--db flag" "unknown DB flag 'fast' (flags: optimized, ro, retain)" --db 1:10:fast
bad "--db form" "expected N:SIZE[:optimized][:ro][:retain]" --db 12
bad "--profile" "--profile s7-999: unknown profile (profiles: s7-300, s7-400, s7-1200, s7-1500, logo8, s7-200smart)" --profile s7-999
bad "--put-get" "--put-get maybe: expected on or off" --put-get maybe
bad "--max-conn" "--max-conn xx=1: unknown type 'xx' (pg, op, basic or total)" --max-conn xx=1
bad "--listen" "is not a numeric IPv4 address" --listen localhost:1102
bad "--listen port" "port '99999' must be 0..65535" --listen 127.0.0.1:99999
bad "--rack" "--rack 9: rack must be 0..7" --rack 9
bad "--retain" "--retain later: expected sync" --retain later
bad "unknown option" "unknown option '--frobnicate'" --frobnicate
bad "positional" "unexpected argument 'extra': s7 server takes only options" extra
bad "missing value" "--db needs a value, e.g. --db 1:256" --db
bad "--set missing DB" "error: --set: initial value 'DB9.DBW0=1': DB9.DBW0: DB9 does not exist on this CPU" --profile s7-1500 --db 1:4 --set DB9.DBW0=1
bad "--set bad value" "error: --set: initial value 'DB1.DBB0=300'" --profile s7-1500 --db 1:4 --set DB1.DBB0=300
bad "--allow" "error: --allow '10.0.0.0/33'" --allow 10.0.0.0/33
bad "DB on LOGO!" "a logo8 has V memory (DB1) and no other DBs" --profile logo8 --db 5:10
bad "--config missing" "cannot read the config file $S7_TEST_TMP/nope.yaml" --config "$S7_TEST_TMP/nope.yaml"
printf 'profile: s7-1500\ndbs:\n  - number: 1\n    size: 10\n    colour: red\n' >"$S7_TEST_TMP/bad1.yaml"
bad "config unknown DB key" "bad1.yaml:5: dbs[0]: unknown key 'colour'" --config "$S7_TEST_TMP/bad1.yaml"
printf 'profile: s7-1500\nput_gett: true\n' >"$S7_TEST_TMP/bad2.yaml"
bad "config misspelt key" "bad2.yaml:2: unknown key 'put_gett'" --config "$S7_TEST_TMP/bad2.yaml"
printf 'profile: s7-1500\ndbs:\n  - number: 1\n    size: 0\n' >"$S7_TEST_TMP/bad3.yaml"
bad "config DB size" "bad3.yaml:4: dbs[0].size: '0' must be a number 1..65535" --config "$S7_TEST_TMP/bad3.yaml"
printf 'profile: [s7-1500\n' >"$S7_TEST_TMP/bad4.yaml"
bad "config not YAML" "bad4.yaml:" --config "$S7_TEST_TMP/bad4.yaml"
check_contains "$OUT" "not valid YAML" "config not YAML: says so"
printf 'profile: s7-1500\nput_get: maybe\n' >"$S7_TEST_TMP/bad5.yaml"
bad "config bool" "bad5.yaml:2: put_get: 'maybe' is not a yes/no value: use true or false" --config "$S7_TEST_TMP/bad5.yaml"
printf 'profile: s7-1500\nareas:\n  T:\n    size: 10\n' >"$S7_TEST_TMP/bad6.yaml"
bad "config T on S7-1500" "areas.T: an s7-1500 has no timers and counters" --config "$S7_TEST_TMP/bad6.yaml"
printf 'profile: s7-1500\ndbs:\n  - number: 1\n    size: 4\n    values:\n      DBW2:INT: 7\n      DBW4: 1\n' >"$S7_TEST_TMP/bad7.yaml"
bad "config value past the end" "bad7.yaml:7: initial value 'DB1.DBW4=1'" --config "$S7_TEST_TMP/bad7.yaml"
check_contains "$OUT" "past the end" "config value past the end: says so"

# ---------------------------------------------------------------- retain: SIGTERM compacts
ST="$S7_TEST_TMP/plc.state"
srv_start --profile s7-1500 --put-get on --db 10:64:retain --db 11:8 --state "$ST" --set DB10.DBW8:INT=5
check_ok "retain: write DB10 and DB11" "$S7_BIN" write "$SRV_ADDR" DB10.DBD0:DINT=123456 DB11.DBB0=9
check_eq "$(stat -c %s "$ST.journal")" $((24 + 14 + 4)) "retain: the write is in the journal before SIGTERM (DB10 only)"
srv_stop TERM
check_eq "$SRV_RC" 0 "retain: SIGTERM exits 0"
check_eq "$(stat -c %s "$ST.journal")" 24 "retain: SIGTERM compacted (journal emptied)"
check_contains "$(cat "$SRV_OUT")" "state file $ST: compacted (generation" "retain: the summary says compacted"
srv_start --profile s7-1500 --put-get on --db 10:64:retain --db 11:8 --state "$ST" --set DB10.DBW8:INT=5
check_eq "$(val DB10.DBD0:DINT DB10.DBW8:INT DB11.DBB0 | tr '\n' '|')" "123456|5|0|" \
    "retain: DB10 kept across a restart, DB11 (not retentive) back to its initial value"
check_ok "retain: change the initial value's bytes" "$S7_BIN" write "$SRV_ADDR" DB10.DBW8:INT=6
srv_stop
srv_start --profile s7-1500 --put-get on --db 10:64:retain --state "$ST" --set DB10.DBW8:INT=5
check_eq "$(val DB10.DBW8:INT)" 6 "retain: the kept value wins over the initial value"
srv_stop
# a DB whose size changed
run timeout 20 "$S7_BIN" server --listen 127.0.0.1:0 --profile s7-1500 --db 10:80:retain --state "$ST"
check_eq "$RC" 1 "retain: a resized retentive DB is refused at start (exit 1)"
check_contains "$OUT" "DB10 is 64 bytes in the state file $ST but 80 bytes now" "retain: resize refusal names the DB and sizes"

# ---------------------------------------------------------------- kill -9 during a write burst
burst() { # burst MODE
    local mode="$1" st="$S7_TEST_TMP/burst-$1.state" acked="$S7_TEST_TMP/acked-$1" writer last v1 v2
    srv_start --profile s7-1500 --put-get on --db 20:64:retain --state "$st" --retain "$mode" --quiet
    echo 0 >"$acked"
    (
        for ((i = 1; i < 1000000; i++)); do
            "$S7_BIN" write "$SRV_ADDR" "DB20.DBD0:DINT=$i" "DB20.DBD60:DINT=$i" --timeout 2000 >/dev/null 2>&1 || break
            echo "$i" >"$acked"
        done
    ) &
    writer=$!
    # kill mid-burst once a few dozen writes were acknowledged (at most ~15 s on a slow run)
    for ((i = 0; i < 150; i++)); do
        [ "$(cat "$acked" 2>/dev/null || echo 0)" -ge 40 ] && break
        sleep 0.1
    done
    sleep 0.$((RANDOM % 5))
    srv_stop KILL
    wait "$writer" 2>/dev/null
    last=$(cat "$acked")
    check_ne "$SRV_RC" 0 "kill -9 ($mode): the server was killed"
    [ "$last" -ge 10 ] && pass "kill -9 ($mode): $last writes acknowledged before the kill" ||
        fail "kill -9 ($mode): only $last writes acknowledged"
    srv_start --profile s7-1500 --put-get on --db 20:64:retain --state "$st" --retain "$mode"
    v1=$(val DB20.DBD0:DINT)
    v2=$(val DB20.DBD60:DINT)
    if [ "$v1" = "$last" ] || [ "$v1" = "$((last + 1))" ]; then
        pass "kill -9 ($mode): DB20.DBD0 = $v1 after restart (last acknowledged $last)"
    else
        fail "kill -9 ($mode): DB20.DBD0 = $v1 after restart, last acknowledged $last"
    fi
    if [ "$v2" = "$last" ] || [ "$v2" = "$((last + 1))" ]; then
        pass "kill -9 ($mode): DB20.DBD60 = $v2 (second item of the same writes)"
    else
        fail "kill -9 ($mode): DB20.DBD60 = $v2 after restart, last acknowledged $last"
    fi
    check_match "$(cat "$SRV_ERR")" "retain: journal .*: [0-9]+ writes replayed" "kill -9 ($mode): the journal was replayed"
    srv_stop
}
burst sync
burst async

# ---------------------------------------------------------------- a write that cannot be kept
# A file size limit stands for a full disk: the journal stops growing after ~55 records.
# The server must exit before acknowledging the write it could not journal.
st="$S7_TEST_TMP/full.state"
SRV_PRE="ulimit -f 1" srv_start --profile s7-1500 --put-get on --db 30:64:retain --state "$st" --quiet
last=0
for ((i = 1; i <= 400; i++)); do
    "$S7_BIN" write "$SRV_ADDR" "DB30.DBD0:DINT=$i" >/dev/null 2>&1 || break
    last=$i
done
wait "$SRV_PID" 2>/dev/null
rc=$?
check_eq "$rc" 1 "journal cannot grow: the server exits 1"
[ "$last" -gt 10 ] && [ "$last" -lt 400 ] && pass "journal cannot grow: $last writes acknowledged, then none" ||
    fail "journal cannot grow: $last writes acknowledged"
check_contains "$(cat "$SRV_ERR")" "cannot append to the journal $st.journal" "journal cannot grow: the reason is logged"
check_contains "$(cat "$SRV_ERR")" "before this write is acknowledged" "journal cannot grow: says the write was not acknowledged"
srv_start --profile s7-1500 --put-get on --db 30:64:retain --state "$st"
check_eq "$(val DB30.DBD0:DINT)" "$last" "journal cannot grow: after a restart the last acknowledged write is there, the refused one is not"
srv_stop

# ---------------------------------------------------------------- a torn or damaged state file
truncate -s -7 "$ST"
run timeout 20 "$S7_BIN" server --listen 127.0.0.1:0 --profile s7-1500 --db 10:64:retain --state "$ST"
check_eq "$RC" 1 "torn state file: refused at start (exit 1)"
check_contains "$OUT" "error: cannot start: state file $ST is torn:" "torn state file: the message names the file and the damage"
check_contains "$OUT" "nothing was loaded" "torn state file: says nothing was loaded"
truncate -s +7 "$ST"
printf 'Z' | dd of="$ST" bs=1 seek=60 conv=notrunc 2>/dev/null
run timeout 20 "$S7_BIN" server --listen 127.0.0.1:0 --profile s7-1500 --db 10:64:retain --state "$ST"
check_eq "$RC" 1 "damaged state file: refused at start (exit 1)"
check_contains "$OUT" "state file $ST is damaged: the checksum of its" "damaged state file: checksum named"
printf 'not a state file\n' >"$ST"
run timeout 20 "$S7_BIN" server --listen 127.0.0.1:0 --profile s7-1500 --db 10:64:retain --state "$ST"
check_contains "$OUT" "is not an s7kit state file" "a foreign file: refused"

done_test
