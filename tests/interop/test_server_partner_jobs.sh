#!/usr/bin/env bash
# Two emulated CPUs (s7 server) exchange a DB by BSEND/BRCV jobs (--job 'bsend ...' / a
# kind: brcv job in the receiver's server file), the BSEND connecting to the receiver's own port (the one `s7 read`
# uses too: the CR's TSAPs tell the partner connection from PUT/GET clients), and `s7 read`
# sees what a program would: the block in the receiver's DB, NDR / DONE and STATUS in each
# CPU's memory (latched, `outputs: latch` and the bare word `latch`: a one-scan pulse is too
# short for `s7 read` polling every 100 ms).  A malformed partner job, and a passive one given a port of its own, are
# refused at start naming the job, what is wrong and the fix (exit 2).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
need_s7_bin
T="$S7_TEST_TMP"
PB=$(free_port) || die "no free port"
PA=$(free_port) || die "no free port"

wait_listen() {
    local i
    for ((i = 0; i < 50; i++)); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

# the receiver's BRCV in the YAML spelling of its server file, the sender's as --job
cat >"$T/b.yaml" <<'EOF'
profile: s7-300                    # takes s7 stop / s7 start (an S7-1500 refuses them)
slot: 1
dbs:
  - {number: 20, size: 1000}
jobs:
  - name: rx
    kind: brcv
    side: unspecified
    r_id: 3
    local: DB20.DBB0..DBB999
    ndr: M0.1
    error: M0.2
    status: MW2
    outputs: latch                 # held: s7 read polls every 100 ms
EOF
"$S7_BIN" server --listen "127.0.0.1:$PB" --put-get on --config "$T/b.yaml" \
    >"$T/b.log" 2>&1 &
BPID=$!
_S7_PIDS+=("$BPID")
wait_listen "$PB" || die "receiving CPU did not start: $(cat "$T/b.log")"
"$S7_BIN" server --listen "127.0.0.1:$PA" --put-get on --db 10:1000 --set DB10.DBW0=4660 \
    --set DB10.DBW998=7 \
    --job "bsend 127.0.0.1:$PB 3 every 100ms from P#DB10.DBX0.0 BYTE 1000 --done M0.1 --status MW2 latch" \
    --job "usend 127.0.0.1:$PB 44 every 100ms from DB10.DBB0..DBB3" \
    >"$T/a.log" 2>&1 &
_S7_PIDS+=("$!")
wait_listen "$PA" || die "sending CPU did not start: $(cat "$T/a.log")"
out=""
for ((i = 0; i < 50; i++)); do
    out="$("$S7_BIN" read "127.0.0.1:$PB" DB20.DBW0 DB20.DBW998 M0.1 M0.2 MW2 2>&1)"
    case "$out" in *"M0.1 = true"*) break ;; esac
    sleep 0.1
done
check_contains "$out" "DB20.DBW0 = 4660" "the block landed in the receiver's DB (first word)"
check_contains "$out" "DB20.DBW998 = 7" "the block landed whole (last word)"
check_contains "$out" "M0.1 = true" "BRCV NDR in the receiver's memory"
check_contains "$out" "M0.2 = false" "BRCV ERROR clear"
check_contains "$out" "MW2 = 0" "BRCV STATUS 0"
for ((i = 0; i < 50; i++)); do
    grep -q "R_ID 44" "$T/b.log" && break
    sleep 0.1
done
check_contains "$(cat "$T/b.log")" "warning: a USEND block of R_ID 44 (4 bytes) came, but no urcv job of this CPU has that R_ID: dropped" \
    "a block of an R_ID no job receives: logged by the receiver"
check_eq "$(grep -c "R_ID 44" "$T/b.log")" 1 "the R_ID nobody receives is logged once"
check_contains "$(cat "$T/b.log")" "over: partner connection 1 (TSAP 1000, unspecified partner)" \
    "the receiver handed the BSEND's CR on its own port to the BRCV's connection"
# the sender learns of the block's arrival from the receiver's acknowledgement and shows it
# at its next scan: poll it too (a first BSEND before the connection was up latches
# ERROR with STATUS 1 until a run completes)
for ((i = 0; i < 50; i++)); do
    out="$("$S7_BIN" read "127.0.0.1:$PA" M0.1 MW2 2>&1)"
    case "$out" in *"M0.1 = true"*) break ;; esac
    sleep 0.1
done
check_contains "$out" "M0.1 = true" "BSEND DONE in the sender's memory"
check_contains "$out" "MW2 = 0" "BSEND STATUS 0"

# the receiver in STOP (its BRCV not called: the receiver not ready): the blocks are still
# acknowledged (the sender's BSEND DONE, STATUS 0) but nothing is written; back in RUN the
# last block that came lands in the first scans
"$S7_BIN" stop "127.0.0.1:$PB" --yes >/dev/null 2>&1 || fail "s7 stop of the receiver"
"$S7_BIN" write "127.0.0.1:$PA" DB10.DBW0=1111 >/dev/null || fail "a new value at the sender"
sleep 0.5
check_contains "$("$S7_BIN" read "127.0.0.1:$PB" DB20.DBW0 2>&1)" "DB20.DBW0 = 4660" \
    "receiver in STOP: no block written"
out="$("$S7_BIN" read "127.0.0.1:$PA" M0.1 M0.2 MW2 2>&1)"
check_contains "$out" "M0.2 = false" "receiver in STOP: the sender's BSEND shows no ERROR"
check_contains "$out" "MW2 = 0" "receiver in STOP: the sender's BSEND STATUS 0 (acknowledged)"
"$S7_BIN" start "127.0.0.1:$PB" --yes >/dev/null 2>&1 || fail "s7 start of the receiver"
for ((i = 0; i < 50; i++)); do
    out="$("$S7_BIN" read "127.0.0.1:$PB" DB20.DBW0 2>&1)"
    case "$out" in *"= 1111"*) break ;; esac
    sleep 0.1
done
check_contains "$out" "DB20.DBW0 = 1111" "receiver back in RUN: the last block landed"
check_contains "$(cat "$T/b.log")" "  job           brcv any R_ID 3 into DB20.DBB0..DBB999 (connection 1, unspecified) --name rx" \
    "the banner lists the partner job"
kill -INT "$BPID"
rc=0
wait "$BPID" || rc=$?
check_eq "$rc" 0 "SIGINT: the receiver exits 0"
check_match "$(cat "$T/b.log")" "job rx: [1-9][0-9]* ok, 0 errors; last: ERROR 0 STATUS 0" \
    "SIGINT: the partner job's final counts"
# the sender logs its partner connection linked, and lost with the reason once the
# receiver is gone
check_contains "$(cat "$T/a.log")" "partner connection 1 to 127.0.0.1 linked (PDU" \
    "the sender logs its partner connection linked"
for ((i = 0; i < 50; i++)); do
    grep -q "partner connection 1 to 127.0.0.1 lost: " "$T/a.log" && break
    sleep 0.1
done
check_contains "$(cat "$T/a.log")" "warning: partner connection 1 to 127.0.0.1 lost: the partner closed the connection" \
    "the sender logs the loss with its reason"

rc=0
msg="$("$S7_BIN" server --listen "127.0.0.1:$(free_port)" --db 10:10 \
    --job "bsend 127.0.0.1 3 every 100ms from DB10.DBW0 --done MW4" 2>&1)" || rc=$?
check_eq "$rc" 2 "a malformed partner job: exit 2"
check_contains "$msg" "--job 1: --done MW4 must be a BOOL" "the message names the job, the option and the fix"
P2=$(free_port) || die "no free port"
rc=0
msg="$("$S7_BIN" server --listen "127.0.0.1:$P2" --db 20:10 \
    --job "brcv any 3 into DB20.DBB0..DBB9 --port 1202" 2>&1)" || rc=$?
check_eq "$rc" 2 "a passive partner job on a port of its own: exit 2"
check_contains "$msg" "--job 1: connection 1: a passive partner connection is served on this CPU's own port ($P2, --listen), as on a real CPU, not on port 1202: drop its port" \
    "the message names the job, the port and the fix"
printf 'jobs:\n  - {name: rx, kind: brcv, side: unspecified, local: MW0}\n' >"$T/bad.yaml"
rc=0
msg="$("$S7_BIN" server --listen "127.0.0.1:$P2" --config "$T/bad.yaml" 2>&1)" || rc=$?
check_eq "$rc" 2 "a partner job without r_id in the server file: exit 2"
check_contains "$msg" "$T/bad.yaml:2: job rx: no r_id: give r_id: N, the R_ID the partner's BSEND uses too" \
    "FILE:LINE, the job and the fix"
finish
