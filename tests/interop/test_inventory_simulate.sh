#!/usr/bin/env bash
# s7 inventory simulate on loopback addresses (any user): docs/inventory-example.yaml brought
# up with plc-filler's PUT/GET off; the written inventory taken by s7 inventory check and
# s7 doctor, which report the fault's verdict; faults injected and cleared at run time over
# --control; the active CPU of an exchange stopped (its GET job copies nothing, the simulation,
# the monitor and the check say cpu_stopped) and back in RUN; bad fault specs refused with the
# forms; the field faults (db_missing, db_short, slot, port_closed) injected and cleared, with
# check, monitor and doctor naming each (a CPU moved to slot 5, an S7-400 place, too); SIGTERM ends it and removes the socket.  A CPU's GET
# larger than the PDU its partner negotiates is refused at load (validate, simulate, monitor).
. "$(dirname "$0")/lib.sh"
need_s7_bin

EX="$S7_SOURCE/docs/inventory-example.yaml"
INV="$S7_TEST_TMP/sim.yaml"
SOCK="$S7_TEST_TMP/sim.sock"
LOG="$S7_TEST_TMP/sim.log"

# usage errors name what was wrong and the forms
check_fails "unknown fault kind refused" "$S7_BIN" inventory simulate "$EX" --loopback --fault plc-filler:melt
check_contains "$S7_LAST_OUT" "unknown fault 'melt'" "the unknown kind named"
check_contains "$S7_LAST_OUT" "CPU:optimized:DBn" "the forms listed"
check_fails "unknown partner refused" "$S7_BIN" inventory simulate "$EX" --loopback --fault plc-x:stop
check_contains "$S7_LAST_OUT" "no partner named 'plc-x'" "the partner named"
check_contains "$S7_LAST_OUT" "(partners: es1, hmi-line, plc-line, plc-filler, plc-capper;" "the partners listed"
check_fails "router fault refused on loopback" "$S7_BIN" inventory simulate "$EX" --loopback --fault router:drop:line-filler
check_contains "$S7_LAST_OUT" "needs the namespaces" "why: no router on loopback"
check_fails "a connection inside one cell has no router" "$S7_BIN" inventory simulate "$EX" --fault router:drop:hmi-line
check_contains "$S7_LAST_OUT" "stays inside cell line" "the cell named"
# a --loopback-base that is no 127.B.C.0 network is a usage error naming the option (it was
# found only once the engine started: exit 1, "loopback base ...")
rc=0; out=$("$S7_BIN" inventory simulate "$EX" --loopback --loopback-base 10.0.0.0 --for 1s 2>&1) || rc=$?
check_eq "$rc" 2 "--loopback-base 10.0.0.0: usage error"
check_contains "$out" "--loopback-base '10.0.0.0': expected a loopback network 127.B.C.0 (B and C 0..255), e.g. 127.77.0.0" \
    "--loopback-base: the option, the form and an example"
# partners known by host name only: each named with FILE:LINE and the fix (it said only
# "partners known by host name only", neither which nor where)
sed -e 's/^    address: 10.10.0.5$/    address: es1.plant.invalid/' -e 's/^    address: 10.10.2.11$/    address: capper.plant.invalid/' "$EX" >"$S7_TEST_TMP/hosts.yaml"
check_fails "partners known by host name only are refused" "$S7_BIN" inventory simulate "$S7_TEST_TMP/hosts.yaml" --loopback --for 1s
hl=$(grep -n 'name: es1$' "$S7_TEST_TMP/hosts.yaml" | cut -d: -f1)
check_contains "$S7_LAST_OUT" "error: $S7_TEST_TMP/hosts.yaml:$hl: partner es1 is known by its host name only (es1.plant.invalid), which the simulation does not look up: give its address too (host: es1.plant.invalid plus address: 10.0.0.5)" "the first one named with FILE:LINE and the fix"
check_contains "$S7_LAST_OUT" "partner plc-capper is known by its host name only (capper.plant.invalid)" "the second one named too"

# a CPU's GET is one request, never split: plc-line's GET of 300 bytes from plc-filler (an
# S7-1200: PDU 240) would fail every time it runs, so the inventory is refused at load (by
# validate, simulate, check and monitor alike) with FILE:LINE, the PDU and the limit; the
# same 300 bytes polled by the HMI (which splits its reads) are fine
BIG="$S7_TEST_TMP/big.yaml"
sed 's/get: DB20.DBB0..DBB31\(.*\)$/get: DB20.DBB0..DBB299\1/' "$EX" >"$BIG"
bl=$(grep -n 'DBB299' "$BIG" | head -1 | cut -d: -f1)
check_fails "a CPU's GET larger than the PDU its partner negotiates is refused" "$S7_BIN" inventory validate "$BIG"
check_contains "$S7_LAST_OUT" "$BIG:$bl: connection line-filler, exchange 1 (GET DB20.DBB0..DBB299): plc-line runs it as a GET job" "FILE:LINE, the connection and exchange named"
check_contains "$S7_LAST_OUT" "needs a PDU of 318 bytes" "what it needs"
check_contains "$S7_LAST_OUT" "plc-line (s7-1500: up to 960) and plc-filler (s7-1200: up to 240) negotiate at most 240" "what the profiles negotiate"
check_contains "$S7_LAST_OUT" "split it into exchanges of at most 222 bytes each" "the fix, with the job model's limit"
check_fails "simulate refuses it (no job that fails for ever)" timeout 20 "$S7_BIN" inventory simulate "$BIG" --loopback --for 2s
check_contains "$S7_LAST_OUT" "$BIG:$bl: connection line-filler" "simulate names it"
check_fails "monitor refuses it" "$S7_BIN" inventory monitor "$BIG" --count 1 --timeout 1s
check_contains "$S7_LAST_OUT" "$BIG:$bl: connection line-filler" "monitor names it"
sed 's/range: DB10.DBB0..DBB63$/range: DB10.DBB0..DBB299/' "$EX" >"$S7_TEST_TMP/bighmi.yaml"
check_ok "an HMI's 300-byte GET (a polling client) is not limited" "$S7_BIN" inventory validate "$S7_TEST_TMP/bighmi.yaml"
check_contains "$(cat "$S7_TEST_TMP/bighmi.yaml")" "DB10.DBB0..DBB299" "(the HMI's range was made 300 bytes)"

# timers and counters (two bytes each on the wire): the written inventory spells them as
# text (the mapping form has none: it wrote {area: DB, ...}, which the loader refuses), the
# simulation's polling client and s7 inventory check read them into buffers of two bytes a
# timer (both had one byte a timer: check aborted with "free(): invalid pointer")
cat >"$S7_TEST_TMP/tc.yaml" <<'EOF'
version: 1
partners:
  - {name: hmi, address: 10.20.1.5, cell: a, kind: hmi, type: op}
  - {name: plc-a, address: 10.20.1.10, cell: a, kind: plc, profile: s7-1500, type: basic}
  - {name: plc-b, address: 10.20.1.11, cell: a, kind: plc, profile: s7-300}
connections:
  - name: a-b
    active: plc-a
    passive: plc-b
    exchanges:
      - get: [DB1.DBB0..DBB9, T0..T3, C0..C1, T7]
        cycle: 200ms
  - name: h-b
    active: hmi
    passive: plc-b
    exchanges:
      - get: [T0..T15, C0..C7, MB0..MB3]
        cycle: 500ms
EOF
TCINV="$S7_TEST_TMP/tc-sim.yaml"
"$S7_BIN" inventory simulate "$S7_TEST_TMP/tc.yaml" --loopback --write-inventory "$TCINV" --for 30s >"$S7_TEST_TMP/tc.log" 2>&1 &
TCSIM=$!
_S7_PIDS+=("$TCSIM")
for ((i = 0; i < 50; i++)); do
    [ -s "$TCINV" ] && break
    kill -0 "$TCSIM" 2>/dev/null || break
    sleep 0.1
done
check_ok "the written inventory with timers and counters is valid" "$S7_BIN" inventory validate "$TCINV"
check_contains "$(cat "$TCINV")" '- "T0..T3"' "a timer range written as text"
check_contains "$(cat "$TCINV")" '- "C0..C7"' "a counter range written as text"
rc=0
out="$("$S7_BIN" inventory check "$TCINV" --timeout 2s 2>&1)" || rc=$?
check_eq "$rc" 0 "check of timer and counter ranges passes (no abort)"
check_contains "$out" "2 of 2 connections pass" "both connections pass"
kill "$TCSIM" 2>/dev/null
wait "$TCSIM" 2>/dev/null
check_contains "$(cat "$S7_TEST_TMP/tc.log")" "h-b #1 GET T0..T15, C0..C7, MB0..MB3 (500 ms): ok" "the simulation's polling client read them"

# a title with quotes and a backslash: the written inventory stays YAML (the title was
# written between quotes as it was, and its first quote ended the scalar)
cat >"$S7_TEST_TMP/quote.yaml" <<'EOF'
plant: 'Line "3" \ press'
partners:
  - {name: plc-q, address: 10.20.2.7, cell: a, kind: plc, profile: s7-1200}
  - {name: hmi-q, address: 10.20.2.8, cell: a, kind: hmi}
connections:
  - {name: h-q, active: hmi-q, passive: plc-q, exchanges: [{get: DB1.DBB0..DBB3, cycle: 1s}]}
EOF
QINV="$S7_TEST_TMP/quote-sim.yaml"
"$S7_BIN" inventory simulate "$S7_TEST_TMP/quote.yaml" --loopback --write-inventory "$QINV" --for 30s >"$S7_TEST_TMP/quote.log" 2>&1 &
QSIM=$!
_S7_PIDS+=("$QSIM")
for ((i = 0; i < 50; i++)); do
    [ -s "$QINV" ] && break
    kill -0 "$QSIM" 2>/dev/null || break
    sleep 0.1
done
kill "$QSIM" 2>/dev/null
wait "$QSIM" 2>/dev/null
check_ok "the written inventory of a title with quotes is valid" "$S7_BIN" inventory validate "$QINV"
check_ok "its report" "$S7_BIN" inventory report "$QINV" -o "$S7_TEST_TMP/quote-report"
check_contains "$(head -1 "$S7_TEST_TMP/quote-report/report.txt")" 'S7 connection inventory: Line "3" \ press (simulated)' "the title reads back whole"

# a partner of several roles keeps them in the written inventory (it wrote the first one
# only: a gateway that is also a plc lost its plc role, and check said its connection
# passed while it was in STOP, where the simulation said cpu_stopped)
cat >"$S7_TEST_TMP/roles.yaml" <<'EOF'
version: 1
partners:
  - {name: scada, address: 10.20.1.5, cell: a, roles: [scada, engineering], type: op}
  - {name: gw, address: 10.20.1.6, cell: a, roles: [gateway, plc], profile: s7-1500}
  - {name: plc-b, address: 10.20.1.7, cell: a, kind: plc, profile: s7-1200}
connections:
  - name: s-gw
    active: scada
    passive: gw
    exchanges:
      - get: DB1.DBB0..DBB3
        cycle: 1s
  - name: gw-b
    active: gw
    passive: plc-b
    exchanges:
      - get: DB2.DBB0..DBB9
        cycle: 1s
EOF
RINV="$S7_TEST_TMP/roles-sim.yaml"
"$S7_BIN" inventory simulate "$S7_TEST_TMP/roles.yaml" --loopback --fault gw:stop --write-inventory "$RINV" --for 30s >"$S7_TEST_TMP/roles.log" 2>&1 &
RSIM=$!
_S7_PIDS+=("$RSIM")
for ((i = 0; i < 50; i++)); do
    [ -s "$RINV" ] && break
    kill -0 "$RSIM" 2>/dev/null || break
    sleep 0.1
done
check_contains "$(cat "$RINV")" "roles: [gateway, plc]" "the written inventory keeps every role"
check_contains "$(cat "$RINV")" "roles: [scada, engineering]" "of each partner"
out="$("$S7_BIN" inventory check "$RINV" --timeout 2s 2>&1)" || true
check_match "$out" "gw-b +gw -> plc-b [0-9.:]+ +cpu_stopped +FAIL" "check: the connection of the stopped gateway+plc fails with cpu_stopped"
kill "$RSIM" 2>/dev/null
wait "$RSIM" 2>/dev/null

# an override from a side file (an s7 server configuration)
printf 'profile: s7-300\nvalues:\n  DB20.DBW0:INT: 1234\n' >"$S7_TEST_TMP/capper.yaml"
check_fails "--cpu of a partner that is no CPU" "$S7_BIN" inventory simulate "$EX" --loopback --cpu hmi-line="$S7_TEST_TMP/capper.yaml"
check_contains "$S7_LAST_OUT" "hmi-line is not an emulated CPU" "why named"
check_fails "--cpu without a file" "$S7_BIN" inventory simulate "$EX" --loopback --cpu plc-capper
check_contains "$S7_LAST_OUT" "expected PARTNER=FILE" "the form named"

# an override of another PDU: a CPU's job asks the PDU of the CPU that runs it (the side
# file's profile or pdu:, not the inventory's), and one that no longer fits is refused
cat >"$S7_TEST_TMP/pdu.yaml" <<'EOF'
version: 1
partners:
  - {name: plc-a, address: 10.20.1.10, cell: a, kind: plc, profile: s7-1500}
  - {name: plc-b, address: 10.20.1.11, cell: a, kind: plc, profile: s7-1500}
connections:
  - name: a-b
    active: plc-a
    passive: plc-b
    exchanges:
      - get: DB20.DBB0..DBB299
        cycle: 100ms
EOF
printf 'profile: s7-300\n' >"$S7_TEST_TMP/a300.yaml"
printf 'profile: s7-1500\npdu: 480\n' >"$S7_TEST_TMP/a480.yaml"
check_fails "--cpu with a PDU the documented job does not fit is refused" timeout 20 "$S7_BIN" inventory simulate "$S7_TEST_TMP/pdu.yaml" --loopback --for 2s --cpu plc-a="$S7_TEST_TMP/a300.yaml"
check_contains "$S7_LAST_OUT" "plc-a: this CPU (s7-300) negotiates a PDU of at most 240" "the PDU of the side file's CPU named"
check_contains "$S7_LAST_OUT" "exchange 1 (GET DB20.DBB0..DBB299, $S7_TEST_TMP/pdu.yaml:10)" "the exchange with FILE:LINE"
check_contains "$S7_LAST_OUT" "needs 318" "what it needs"
out=$(timeout 20 "$S7_BIN" inventory simulate "$S7_TEST_TMP/pdu.yaml" --loopback --for 2s -v --cpu plc-a="$S7_TEST_TMP/a480.yaml" 2>&1)
check_contains "$out" "--pdu 480 " "the job of a CPU with pdu: 480 asks 480"
check_contains "$out" "set up (PDU 480)" "and its connection negotiates 480, not the documented profile's 960"

"$S7_BIN" inventory simulate "$EX" --loopback --write-inventory "$INV" --control "$SOCK" \
    --fault plc-filler:put_get_off --cpu plc-capper="$S7_TEST_TMP/capper.yaml" \
    --for 120s >"$LOG" 2>&1 &
SIM=$!
_S7_PIDS+=("$SIM")
for ((i = 0; i < 100; i++)); do
    [ -s "$INV" ] && [ -S "$SOCK" ] && break
    kill -0 "$SIM" 2>/dev/null || break
    sleep 0.1
done
[ -s "$INV" ] || die "no inventory written: $(cat "$LOG")"
check_contains "$(cat "$LOG")" "3 CPUs listening, 5 connections, 8 exchanges" "the plant is up"
check_ok "the written inventory is valid" "$S7_BIN" inventory validate "$INV"
check_eq "$(stat -c %a "$SOCK")" 600 "the control socket is the user's only"

# every connection checked from its active partner's (loopback) address
out="$("$S7_BIN" inventory check "$INV" --timeout 2s 2>&1)" && rc=0 || rc=$?
check_eq "$rc" 1 "check fails while plc-filler refuses PUT/GET"
check_match "$out" "line-filler +plc-line -> plc-filler [0-9.:]+ +put_get_disabled +FAIL" "line-filler: put_get_disabled"
check_match "$out" "hmi-filler +hmi-line -> plc-filler [0-9.:]+ +put_get_disabled +FAIL" "hmi-filler: put_get_disabled"
check_match "$out" "line-capper +plc-line -> plc-capper [0-9.:]+ +ok +pass" "line-capper passes"
check_contains "$out" "3 of 5 connections pass, 2 fail." "the others pass, none unproven"

# the monitor takes the written inventory too
out="$("$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2s 2>&1)" || true
check_match "$out" "line-filler +fail +put_get_disabled" "monitor: line-filler put_get_disabled"
check_match "$out" "line-capper +pass +ok" "monitor: line-capper ok"

port="$(awk '/name: plc-filler/{f=1} f&&/port:/{print $2; exit}' "$INV")"
addr="$(awk '/name: plc-filler/{f=1} f&&/address:/{gsub(/"/,"",$2); print $2; exit}' "$INV")"
out="$("$S7_BIN" doctor "$addr:$port" 2>&1)" && rc=0 || rc=$?
check_eq "$rc" 1 "doctor fails"
check_contains "$out" "verdict: put_get_disabled" "doctor's verdict: put_get_disabled"
out="$("$S7_BIN" doctor plc-filler --inventory "$INV" --as plc-line 2>&1)" || true
check_contains "$out" "verdict: put_get_disabled" "doctor by partner name through the written inventory"
check_contains "$out" "documented: connection 'line-filler'" "the doctor finds the path documented"

port="$(awk '/name: plc-capper/{f=1} f&&/port:/{print $2; exit}' "$INV")"
check_eq "$("$S7_BIN" read "127.77.0.5:$port" DB20.DBW0:INT --slot 2 2>&1)" "DB20.DBW0:INT = 1234" "the override's value served (DB20 sized by the inventory)"

# the engine's own exchanges see it too (their first turns may still be on the way)
for ((i = 0; i < 50; i++)); do
    out="$("$S7_BIN" inventory simulate --control "$SOCK" --send status)"
    [[ "$out" =~ "(100 ms): up, 0 ok / "[1-9] ]] && [[ "$out" =~ capper" #1 GET DB20.DBB0..DBB31 (100 ms): up, "[1-9] ]] && break
    sleep 0.1
done
check_match "$out" "line-filler #1 GET DB20.DBB0..DBB31 \(100 ms\): up, 0 ok / [1-9][0-9]* err, last error 1/2 put_get_disabled: PUT_GET_NOT_PERMITTED \(0x8104\)" "status: line-filler's GET refused"
check_match "$out" "line-capper #1 GET DB20.DBB0..DBB31 \(100 ms\): up, [1-9][0-9]* ok / 0 err" "status: line-capper's GET done"

# plc-line runs line-filler and line-capper as its own GET/PUT jobs: their STATUS words in
# its DB9000 (docs/simulate.md): line-filler#1 at DBW0, #2 at DBW36, line-capper#1 at DBW48
lport="$(awk '/name: plc-line/{f=1} f&&/port:/{print $2; exit}' "$INV")"
laddr="$(awk '/name: plc-line/{f=1} f&&/address:/{gsub(/"/,"",$2); print $2; exit}' "$INV")"
cport="$(awk '/name: plc-capper/{f=1} f&&/port:/{print $2; exit}' "$INV")"
caddr="$(awk '/name: plc-capper/{f=1} f&&/address:/{gsub(/"/,"",$2); print $2; exit}' "$INV")"
check_eq "$("$S7_BIN" read "$laddr:$lport" DB9000.DBW0:INT 2>&1)" "DB9000.DBW0:INT = 2" "line-filler's GET job: STATUS 2 (1/2, PUT/GET off)"
check_eq "$("$S7_BIN" read "$laddr:$lport" DB9000.DBW36:INT 2>&1)" "DB9000.DBW36:INT = 2" "line-filler's PUT job: STATUS 2"
check_eq "$("$S7_BIN" read "$laddr:$lport" DB9000.DBW48:INT 2>&1)" "DB9000.DBW48:INT = 0" "line-capper's GET job: STATUS 0"
check_eq "$("$S7_BIN" read "$laddr:$lport" DB9000.DBW52:INT 2>&1)" "DB9000.DBW52:INT = 1234" "line-capper's GET job: RD_1 holds plc-capper's DB20"

# run time: clear it, stop the capper, make DB10 optimized, exhaust a budget
check_ok "clear over the control socket" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-filler:put_get_off"
for ((i = 0; i < 50; i++)); do
    out="$("$S7_BIN" read "$laddr:$lport" DB9000.DBW0:INT 2>&1)"
    [ "$out" = "DB9000.DBW0:INT = 0" ] && break
    sleep 0.1
done
check_eq "$out" "DB9000.DBW0:INT = 0" "line-filler's GET job: STATUS 0 once PUT/GET is back"
check_ok "stop plc-capper" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-capper:stop"
check_ok "DB10 optimized" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-line:optimized:DB10"
check_fails "an unknown DB refused" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-line:optimized:DB99"
check_contains "$S7_LAST_OUT" "plc-line has no DB99" "the DB named"
check_fails "an unknown kind refused over the socket" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-line:melt"
check_contains "$S7_LAST_OUT" "or router:drop_replies:CONNECTION" "the socket's answer lists every form, to the end"
out="$("$S7_BIN" inventory check "$INV" --timeout 2s 2>&1)" || true
check_match "$out" "line-filler +plc-line -> plc-filler [0-9.:]+ +ok +pass" "line-filler passes once cleared"
check_match "$out" "line-capper +plc-line -> plc-capper [0-9.:]+ +cpu_stopped +FAIL" "line-capper: cpu_stopped"
mon="$("$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2s --connection line-capper 2>&1)" || true
check_match "$mon" "#1 +GET DB20.DBB0..DBB31 +fail +cpu_stopped" \
    "monitor: the exchange read from the stopped capper fails with cpu_stopped (values frozen)"
check_match "$out" "es-line +es1 -> plc-line [0-9.:]+ +db_optimized +FAIL" "es-line: db_optimized"
check_ok "budget of plc-filler" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-filler:budget"
out="$("$S7_BIN" inventory check "$INV" --timeout 2s --connection hmi-filler 2>&1)" || true
check_match "$out" "hmi-filler +hmi-line -> plc-filler [0-9.:]+ +cr_rejected +FAIL" "hmi-filler: cr_rejected"
check_contains "$(cat "$LOG")" "fault plc-filler:budget injected" "the log names each fault"
mon="$("$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2s --connection hmi-filler --connection es-line 2>&1)" || true
check_match "$mon" "hmi-filler +fail +cr_rejected" "monitor: hmi-filler cr_rejected (budget)"
check_match "$mon" "es-line +fail +db_optimized" "monitor: es-line db_optimized"

# the ACTIVE CPU stopped: plc-line runs line-capper's GET as its job; in STOP its program does
# not call it: the data it copies stands still, the simulation and the monitor say cpu_stopped
check_ok "capper back to RUN" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-capper:stop"
out="$("$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +pass +ok" "monitor: line-capper passes with both CPUs in RUN"
check_ok "stop plc-line" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-line:stop"
check_ok "capper's value changes" "$S7_BIN" write "$caddr:$cport" --slot 2 DB20.DBW0=4321
sleep 0.5 # line-capper's GET runs every 100 ms: the value would land within 0.5 s if it ran
check_eq "$("$S7_BIN" read "$laddr:$lport" DB9000.DBW52:INT 2>&1)" "DB9000.DBW52:INT = 1234" \
    "plc-line in STOP: its GET job copies no more (capper's 4321 did not land)"
out="$("$S7_BIN" inventory simulate --control "$SOCK" --send status 2>&1)"
check_match "$out" "line-capper #1 GET [^
]*cpu_stopped: plc-line is in STOP" "simulation status: line-capper's exchange fails with cpu_stopped"
out="$("$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +fail +cpu_stopped" \
    "monitor: line-capper fails with cpu_stopped (its active CPU is stopped)"
check_contains "$out" "plc-line, the CPU that runs this connection's GET/PUT, is in STOP" "monitor: the cause names the active CPU"
out="$("$S7_BIN" inventory check "$INV" --timeout 2s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +plc-line -> plc-capper [0-9.:]+ +cpu_stopped +FAIL" "check: line-capper cpu_stopped"
# a fault on the passive CPU beside it: that fault leads, the STOP is still said, and the
# exchange the fault does not touch is not run either
check_ok "capper's DB20 short" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-capper:db_short:DB20:16"
out="$("$S7_BIN" inventory check "$INV" --timeout 2s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +plc-line -> plc-capper [0-9.:]+ +db_too_short +FAIL" "check: the passive CPU's fault leads"
check_contains "$out" "besides, the active partner plc-line" "check: the active CPU's STOP is said too"
check_match "$out" "#2 +PUT DB21.DBB0..DBB1 [^
]*cpu_stopped +FAIL" "check: the PUT is not run (cpu_stopped), not skipped"
check_ok "capper's DB20 back" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-capper:db_short:DB20:16"
check_ok "plc-line back to RUN" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-line:stop"
for ((i = 0; i < 50; i++)); do
    out="$("$S7_BIN" read "$laddr:$lport" DB9000.DBW52:INT 2>&1)"
    [ "$out" = "DB9000.DBW52:INT = 4321" ] && break
    sleep 0.1
done
check_eq "$out" "DB9000.DBW52:INT = 4321" "plc-line in RUN again: its GET job goes on"

# the field faults (docs/simulate.md "Faults"): a DB deleted (0x0A), a DB
# downloaded shorter (0x05 past its length), the CPU at another slot (CR closed without a CC,
# the doctor names the slot that works), nothing listening on its port (RST); each cleared
check_ok "plc-filler's budget back" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-filler:budget"
# one connection type's resources taken: the CPU link (basic) refused, the HMI (op) served
check_ok "fault plc-filler:budget:basic" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-filler:budget:basic"
out="$("$S7_BIN" inventory check "$INV" --timeout 2s --connection line-filler --connection hmi-filler 2>&1)" || true
check_match "$out" "line-filler +plc-line -> plc-filler [0-9.:]+ +cr_rejected +FAIL" "budget:basic: line-filler cr_rejected"
check_contains "$out" "all its S7 basic connection resources are in use" "budget:basic: resources exhausted, of that type"
check_match "$out" "hmi-filler +hmi-line -> plc-filler [0-9.:]+ +ok +pass" "budget:basic: the HMI's OP connection still served"
check_ok "clear plc-filler:budget:basic" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-filler:budget:basic"
check_ok "DB10 not optimized again" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-line:optimized:DB10"
check_ok "fault plc-filler:db_missing:DB22" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-filler:db_missing:DB22"
check_ok "fault plc-line:db_short:DB10:16" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-line:db_short:DB10:16"
check_ok "fault plc-capper:slot:3" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-capper:slot:3"
check_fails "db_short as long as the DB refused" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-line:db_short:DB10:64"
check_contains "$S7_LAST_OUT" "DB10 is 64 bytes long: a shorter DB is 1..63 bytes" "the DB's length named"
check_fails "CPU:down refused on loopback" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-capper:down"
check_contains "$S7_LAST_OUT" "needs the namespaces" "why: a loopback address always answers"
out="$("$S7_BIN" inventory check "$INV" --timeout 2s 2>&1)" || true
check_match "$out" "hmi-filler +hmi-line -> plc-filler [0-9.:]+ +db_missing +FAIL" "hmi-filler: db_missing (DB22 deleted)"
check_contains "$out" "DB22 does not exist on the CPU" "check: the missing DB named"
check_match "$out" "hmi-line +hmi-line -> plc-line [0-9.:]+ +db_too_short +FAIL" "hmi-line: db_too_short"
check_contains "$out" "DB10 is shorter than required: it is 16 bytes long, 64 bytes are needed" "check: the real length"
check_match "$out" "line-capper +plc-line -> plc-capper [0-9.:]+ +cr_rejected +FAIL" "line-capper: cr_rejected"
check_contains "$out" "the CPU sits at rack 0 slot 3" "check: the slot that works"
check_contains "$out" "write rack: 0 and slot: 3 in partner plc-capper's entry" "check: the fix names the slot"
check_match "$out" "line-filler +plc-line -> plc-filler [0-9.:]+ +ok +pass" "line-filler: DB20/21 untouched"
out="$("$S7_BIN" doctor plc-capper --inventory "$INV" --as plc-line 2>&1)" || true
check_contains "$out" "verdict: cr_rejected" "doctor: cr_rejected at the documented slot"
check_contains "$out" "--slot 3" "doctor: suggests slot 3"
check_ok "fault plc-filler:port_closed" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-filler:port_closed"
# the polling client (hmi-line) tries again once a second: its failed job names the error in
# words, as a CPU's job does, never by its C name (S7_ERR_REFUSED)
for ((i = 0; i < 40; i++)); do
    grep -q "hmi-filler #1 .*ERROR 1/1 partner_down: connect:" "$LOG" && break
    sleep 0.1
done
check_match "$(grep "hmi-filler #1 .*partner_down: connect:" "$LOG" | head -1)" \
    "ERROR 1/1 partner_down: connect: connection refused: nothing listens on that port, or a firewall rejects it$" \
    "the log: hmi-filler refused while plc-filler's port is closed, in words"
out="$("$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2s 2>&1)" || true
check_match "$out" "line-filler +fail +port_closed" "monitor: line-filler port_closed (RST)"
check_match "$out" "hmi-filler +fail +port_closed" "monitor: hmi-filler port_closed"
check_match "$out" "hmi-line +fail +db_too_short" "monitor: hmi-line db_too_short"
check_match "$out" "line-capper +fail +cr_rejected" "monitor: line-capper cr_rejected"
out="$("$S7_BIN" doctor plc-filler --inventory "$INV" --as plc-line 2>&1)" || true
check_contains "$out" "verdict: port_closed" "doctor: port_closed"
check_contains "$out" "sender verified" "doctor: the RST is the target's"
for f in plc-filler:port_closed plc-filler:db_missing:DB22 plc-line:db_short:DB10:16 plc-capper:slot:3; do
    check_ok "clear $f" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear $f"
done
# a CPU moved to slot 5 (an S7-400's place behind a wider power supply): the slot is named,
# not the connection resources
check_ok "fault plc-capper:slot:5" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-capper:slot:5"
out="$("$S7_BIN" inventory check "$INV" --timeout 2s --connection line-capper 2>&1)" || true
check_match "$out" "line-capper +plc-line -> plc-capper [0-9.:]+ +cr_rejected +FAIL" "slot 5: line-capper cr_rejected"
check_contains "$out" "the CPU sits at rack 0 slot 5" "slot 5: check names the slot that works"
check_contains "$out" "write rack: 0 and slot: 5 in partner plc-capper's entry" "slot 5: the fix names the slot"
out="$("$S7_BIN" doctor plc-capper --inventory "$INV" --as plc-line 2>&1)" || true
check_contains "$out" "--slot 5" "slot 5: the doctor suggests slot 5"
check_ok "clear plc-capper:slot:5" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear plc-capper:slot:5"
out="$("$S7_BIN" inventory monitor "$INV" --count 1 --timeout 2s 2>&1)" || true
check_contains "$out" "5 of 5 connections pass" "monitor: every connection passes once the faults are cleared"
check_eq "$(grep -c "fault plc-filler:port_closed \(injected\|cleared\)" "$LOG")" 2 "the log names the fault both times"
check_eq "$(grep -c 'S7_ERR_' "$LOG")" 0 "the log names no C error name (S7_ERR_...)"

# only an exchange changes while the connection's verdict stays: the CHANGE line and the hook
# name the exchange, and the connection's "since" stays
check_ok "DB21 missing" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-filler:db_missing:DB21"
"$S7_BIN" inventory monitor "$INV" --every 300ms --count 12 --timeout 2s --connection line-filler \
    --on-change "echo \"[\$S7_MONITOR_EXCHANGE]\" >>'$S7_TEST_TMP/exch.txt'" >"$S7_TEST_TMP/exch.out" 2>&1 &
XMON=$!
on_exit "kill $XMON 2>/dev/null || true"
for ((i = 0; i < 50; i++)); do
    grep -q -- '-- round 2 ' "$S7_TEST_TMP/exch.out" 2>/dev/null && break
    sleep 0.1
done
check_ok "DB20 missing too" "$S7_BIN" inventory simulate --control "$SOCK" --send "fault plc-filler:db_missing:DB20"
wait "$XMON" || true
out="$(cat "$S7_TEST_TMP/exch.out")"
check_match "$out" "CHANGE line-filler: fail db_missing -> fail db_missing \(exchange #1 pass ok -> fail db_missing\)" \
    "an exchange-only change names the exchange"
check_contains "$(cat "$S7_TEST_TMP/exch.txt")" "[#1 pass ok -> fail db_missing]" "... and so does the hook's S7_MONITOR_EXCHANGE"
since1="$(grep -m1 '^line-filler ' "$S7_TEST_TMP/exch.out" | grep -o 'since [0-9:]*')"
sincen="$(grep '^line-filler ' "$S7_TEST_TMP/exch.out" | tail -1 | grep -o 'since [0-9:]*')"
check_eq "$sincen" "$since1" "the connection's since stays (its verdict did not change)"
for f in plc-filler:db_missing:DB21 plc-filler:db_missing:DB20; do
    check_ok "clear $f" "$S7_BIN" inventory simulate --control "$SOCK" --send "clear $f"
done

kill -TERM "$SIM"
for ((i = 0; i < 50; i++)); do
    kill -0 "$SIM" 2>/dev/null || break
    sleep 0.1
done
rc=0
wait "$SIM" || rc=$?
check_eq "$rc" 0 "SIGTERM ends it with exit 0"
check_eq "$([ -e "$SOCK" ] && echo left || echo gone)" gone "the control socket removed"
finish
