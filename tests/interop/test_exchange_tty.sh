#!/usr/bin/env bash
# s7 exchange's live table on a terminal (script(1) gives it one, 60 columns by 15 rows):
# every redraw fits the window (no line of 60 or more characters, which would wrap and
# break the redraw; no more rows than fit), keeps its header, puts the jobs in ERROR first
# and counts the jobs it leaves out; it goes back over the table line by line (no erase of
# the whole screen, which tmux keeps in its scrollback at every redraw); the last table,
# printed whole, has every job and the cause and fix of the errors.  Not a terminal (a
# pipe): no escape sequence at all.  Output that cannot be written (a full disk, a closed
# pipe) stops the run with exit 1.  Then the duration options that need their unit, and the
# metrics URL with the port the system chose.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_s7_server
need_cmd script python3 curl

start_s7server --profile s7-1500 --put-get on --db 20:256
P_M=$S7SRV_PORT
start_s7server --profile s7-1500 --put-get on --db 40:256
P_L=$S7SRV_PORT
P_DOWN=$(free_port) || die "no free port"

F="$S7_TEST_TMP/tty.yaml"
{
    echo "partners:"
    echo "  - {name: m1, address: 127.0.0.1, port: $P_M, profile: s7-1500}"
    echo "  - {name: line, address: 127.0.0.1, port: $P_L, profile: s7-1500}"
    echo "  - {name: m2, address: 127.0.0.1, port: $P_DOWN, profile: s7-1500}"
    echo "jobs:"
    for i in $(seq 0 19); do
        p=m1
        [ $((i % 7)) = 3 ] && p=m2 # j3, j10, j17: their CPU is down
        echo "  - {name: j$i, local_cpu: line, job: get $p DB20.DBB$((i * 4))..DBB$((i * 4 + 3)) every 100ms into DB40.DBB$((i * 4))}"
    done
} >"$F"

RAW="$S7_TEST_TMP/tty.raw"
script -qec "stty cols 60 rows 15; '$S7_BIN' exchange '$F' --every 300ms --duration 1700ms" \
    /dev/null >"$RAW" 2>&1
check_ok "s7 exchange ran on a terminal" test -s "$RAW"

# the live redraws (each starts with CR, cursor up) and the last table, taken apart
python3 - "$RAW" >"$S7_TEST_TMP/tty.check" <<'EOF'
import re, sys
raw = open(sys.argv[1], 'rb').read().decode('utf-8', 'replace').replace('\r\n', '\n')
print("fullclear", len(re.findall(r'\x1b\[\d+A\x1b\[J', raw)))
parts = re.split(r'\r\x1b\[\d+A', raw)
print("redraws", len(parts) - 1)
live = parts[1:-1]  # the first table is parts[0], the last (whole) one parts[-1]
worst, bad_rows, order_bad, counted = 0, 0, 0, 0
for p in live:
    lines = [l for l in p.replace('\x1b[J', '').split('\x1b[K\n') if l]
    worst = max([worst] + [len(l) for l in lines])
    if len(lines) > 14 or not re.match(r'\d\d:\d\d:\d\d  20 jobs, 3 CPUs', lines[0]):
        bad_rows += 1
    names = [l.split()[0] for l in lines[1:] if l.startswith('j')]
    if names[:3] != ['j3', 'j10', 'j17']:
        order_bad += 1
    if lines[-1].startswith('+8 more jobs not shown (3 in ERROR'):
        counted += 1
print("widest", worst)
print("bad_rows", bad_rows)
print("order_bad", order_bad)
print("counted", counted, "of", len(live))
last = parts[-1]
print("last_jobs", len(set(re.findall(r'^(j\d+) ', last, re.M))))
print("last_causes", len(re.findall(r'^\s+cause: ', last, re.M)))
EOF
R="$(cat "$S7_TEST_TMP/tty.check")"
echo "$R" | sed 's/^/  /'
field() { sed -n "s/^$1 //p" <<<"$R"; }
check_eq "$(field fullclear)" 0 "no redraw erases the whole screen from its top"
check_match "$(field redraws)" '^[3-9]$' "the table was redrawn in place (every 300 ms for 1.7 s)"
check_eq "$(field widest)" 59 "every live line fits 60 columns (cut to 59, with ~)"
check_eq "$(field bad_rows)" 0 "every redraw fits 15 rows and keeps its header"
check_eq "$(field order_bad)" 0 "the jobs in ERROR come first when not all rows fit"
check_match "$(field counted)" '^([0-9]+) of \1$' "every redraw counts the jobs it leaves out"
check_eq "$(field last_jobs)" 20 "the last table has every job"
check_eq "$(field last_causes)" 3 "the last table has the cause of each error"

# a pipe is no terminal: no escape sequences
out="$("$S7_BIN" exchange "$F" --every 300ms --duration 700ms | cat)"
check_lacks "$out" $'\033' "no escape sequence into a pipe"
check_contains "$out" "cause: " "the piped table has the causes"

# output that cannot be written stops the exchange with exit 1 and says so: a full disk,
# a pipe whose reader is gone (it ran on silently until killed)
RC=0
err="$("$S7_BIN" exchange "$F" --quiet --duration 3s --json-lines /dev/full 2>&1)" || RC=$?
check_eq "$RC" 1 "--json-lines /dev/full: exit 1"
check_contains "$err" "--json-lines /dev/full: cannot write (No space left on device)" "--json-lines /dev/full: named"
RC=0
timeout 20 bash -c "'$S7_BIN' exchange '$F' --every 200ms --duration 15s 2>'$S7_TEST_TMP/pipe.err' | head -n 1 >/dev/null; exit \${PIPESTATUS[0]}" || RC=$?
check_eq "$RC" 1 "a closed pipe on stdout: the exchange stops (exit 1), long before --duration"
check_contains "$(cat "$S7_TEST_TMP/pipe.err")" "standard output: cannot write (Broken pipe)" "a closed pipe: named"

# the options of s7 exchange need a unit: a bare number was 500 s here and 500 ms elsewhere
for o in --every --duration --timeout --backoff-max; do
    RC=0
    err="$("$S7_BIN" exchange "$F" "$o" 500 2>&1)" || RC=$?
    check_eq "$RC" 2 "$o 500 is a usage error"
    check_contains "$err" "error: $o 500: '500' needs a unit (ms, s, min or h)" "$o 500 asks for the unit"
done
RC=0
err="$("$S7_BIN" inventory monitor "$F" --every 10 2>&1)" || RC=$?
check_eq "$RC" 2 "inventory monitor --every 10 is a usage error"
check_contains "$err" "'10' needs a unit" "inventory monitor --every 10 asks for the unit"

# --metrics with port 0: the URL names the port taken; a port in use is exit 1, not usage
out="$("$S7_BIN" exchange "$F" --quiet --duration 300ms --metrics 127.0.0.1:0 2>&1)"
check_match "$out" 'metrics on http://127\.0\.0\.1:[1-9][0-9]*/metrics' "the metrics URL has the real port"
RC=0
err="$("$S7_BIN" exchange "$F" --quiet --duration 300ms --metrics "127.0.0.1:$P_M" 2>&1)" || RC=$?
check_eq "$RC" 1 "a metrics port in use: exit 1 (the machine's refusal, not a usage error)"
check_contains "$err" "cannot listen there" "a metrics port in use is named"
finish
