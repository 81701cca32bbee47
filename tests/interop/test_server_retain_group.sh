#!/usr/bin/env bash
# The group commit of s7kit's CPU emulator in `--retain sync` (server/server.c
# s7_server_hold_replies / s7_server_on_commit, server/retain.c s7_retain_set_group):
# - 40 connections keeping 8 writes each in flight to a retentive DB do not hold up a
#   client reading a non-retentive DB: its connection and each of its 200 reads are
#   answered within 500 ms while the writers run (before the group commit, every write
#   cost an fdatasync of its own before the loop went on, and the reader waited seconds);
# - the writes of a turn share one fdatasync: the stop summary counts far fewer syncs than
#   writes journaled (before: one sync per write);
# - and still no acknowledged write is lost: the server is killed (-9) while the 320
#   writes are in flight, restarted on the same state file, and every slot holds the last
#   value the server acknowledged for it (or the one write in flight, which may have
#   landed).
# Bounded: the writers stop after at most 20 s, the reader after 15 s.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_server
need_s7srv_helper server_write_flood

S7SRV_SLOT=1
CONNS=40 INFLIGHT=8
FLOOD="$S7SRV_HELPERS/server_write_flood"
state="$S7_TEST_TMP/cpu.state"
SRV=(--profile s7-1500 --put-get on --db 5:2048:retain --db 6:16 --set DB6.DBW0=4660
    --state "$state" --retain sync)

# start_writers RUN: the flood in the background (WPID, WOUT, WREC); waits for "ready".
start_writers() {
    WOUT="$S7_TEST_TMP/writers$1.out" WREC="$S7_TEST_TMP/writers$1.rec"
    "$FLOOD" write "$S7SRV_PORT" "$S7SRV_SLOT" 5 "$CONNS" "$INFLIGHT" 20 "$1" "$WREC" \
        >"$WOUT" 2>&1 &
    WPID=$!
    on_exit "kill -KILL $WPID 2>/dev/null"
    local i
    for ((i = 0; i < 200; i++)); do
        grep -q '^ready' "$WOUT" 2>/dev/null && return 0
        kill -0 "$WPID" 2>/dev/null || break
        sleep 0.05
    done
    cat "$WOUT" >&2
    die "the $CONNS writers did not get going within 10 s"
}

# wait_writers: the writers' exit (at most 10 s), their summary line in WSUM.
wait_writers() {
    local i rc=0
    for ((i = 0; i < 100; i++)); do
        kill -0 "$WPID" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$WPID" 2>/dev/null; then
        fail "the writers did not stop within 10 s"
        kill -KILL "$WPID" 2>/dev/null
    fi
    wait "$WPID" || rc=$?
    WSUM="$(tail -n 1 "$WOUT")"
    return "$rc"
}

# ---------------------------------------------------------------- a reader next to the flood
start_s7server "${SRV[@]}"
start_writers 1
sleep 0.5 # the flood under way
read_out="$("$FLOOD" read "$S7SRV_PORT" "$S7SRV_SLOT" 6 200 500 15 2>&1)"
printf 'reader: %s\n' "$read_out"
kill -0 "$WPID" 2>/dev/null || fail "the writers stopped before the reader finished (the measure means nothing)"
conn_ms="$(sed -n 's/^connect \([0-9]*\) ms.*/\1/p' <<<"$read_out")"
if [ -n "$conn_ms" ] && [ "$conn_ms" -le 500 ]; then
    pass "a reader of a non-retentive DB connects within 500 ms while $CONNS writers x $INFLIGHT in flight run ($conn_ms ms)"
else
    fail "a reader of a non-retentive DB connects within 500 ms while $CONNS writers x $INFLIGHT in flight run (${conn_ms:-no connection} ms)"
fi
check_match "$read_out" "reads answered 200 of 200, within 500 ms: 200," \
    "every one of its 200 reads is answered within 500 ms"

# ---------------------------------------------------------------- kill -9 in the middle of the flood
sleep 0.5
kill -0 "$WPID" 2>/dev/null || fail "the writers stopped before the kill"
kill9_s7server "$S7SRV_PID"
wait_writers || fail "the writers failed ($(cat "$WOUT"))"
printf 'writers: %s\n' "$WSUM"
acked="$(sed -n 's/^writes acknowledged \([0-9]*\),.*/\1/p' <<<"$WSUM")"
if [ "${acked:-0}" -ge 1000 ]; then
    pass "$acked writes acknowledged before the kill"
else
    fail "too few writes acknowledged before the kill to mean anything (${acked:-none})"
fi
check_match "$WSUM" "connections lost $CONNS\$" "every writer lost its connection to the kill (killed mid-flood)"

start_s7server "${SRV[@]}"
dbf="$S7_TEST_TMP/db5.bin"
"$S7_BIN" dump "$S7SRV_ADDR" DB 5 -o "$dbf" --slot "$S7SRV_SLOT" >/dev/null 2>&1 ||
    fail "DB5 could not be read after the restart"
hex="$(od -An -v -tx1 "$dbf" | tr -d ' \n')"
check_eq "${#hex}" 4096 "DB5 is 2048 bytes after the restart"
report="$(awk -v hex="$hex" '
    {
        off = $1; acked = $2; sent = $3
        got = 0
        for (i = 0; i < 8; i++) got = got * 16 + index("0123456789abcdef", substr(hex, off * 2 + i + 1, 1)) - 1
        n++
        if (got == acked) { ok++; next }
        if (got == sent) { landed++; next }
        if (bad < 10) printf "slot at byte %d: DB holds %d, last acknowledged %d, last sent %d\n", off, got, acked, sent
        bad++
    }
    END {
        printf "slots %d: last acknowledged value %d, the write in flight landed %d, lost %d\n", n, ok, landed, bad
        exit bad || n == 0 ? 1 : 0
    }' "$WREC")"
vrc=$?
printf '%s\n' "$report"
check_eq "$vrc" 0 "no acknowledged write lost to kill -9 during the flood ($(tail -n 1 <<<"$report"))"
rm -f "$S7_TEST_TMP/db6.bin"
"$S7_BIN" dump "$S7SRV_ADDR" DB 6 -o "$S7_TEST_TMP/db6.bin" --slot "$S7SRV_SLOT" >/dev/null 2>&1
check_eq "$(od -An -v -tx1 -N2 "$S7_TEST_TMP/db6.bin" 2>/dev/null | tr -d ' \n')" 1234 \
    "non-retentive DB6 restarted from its initial values"

# ---------------------------------------------------------------- one fdatasync for many writes
start_writers 2
sleep 2
kill -TERM "$WPID"
wait_writers || fail "the writers failed ($(cat "$WOUT"))"
printf 'writers: %s\n' "$WSUM"
_s7srv_forget "$S7SRV_PID"
kill -TERM "$S7SRV_PID"
rc=0
wait "$S7SRV_PID" || rc=$?
check_eq "$rc" 0 "the server exits 0 on SIGTERM"
line="$(grep -m1 'writes journaled' "$S7SRV_LOG")"
printf '%s\n' "$line"
writes="$(sed -n 's/.*; \([0-9]*\) writes journaled, \([0-9]*\) syncs.*/\1/p' <<<"$line")"
syncs="$(sed -n 's/.*; \([0-9]*\) writes journaled, \([0-9]*\) syncs.*/\2/p' <<<"$line")"
if [ -n "$writes" ] && [ -n "$syncs" ] && [ "$writes" -ge 1000 ] && [ $((syncs * 8)) -le "$writes" ]; then
    pass "group commit: $syncs fdatasyncs for $writes writes (at most one for 8)"
else
    fail "group commit: ${syncs:-?} fdatasyncs for ${writes:-?} writes (want at least 1000 writes, at most one sync for 8)"
fi

finish
