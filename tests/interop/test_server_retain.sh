#!/usr/bin/env bash
# Retentive data of s7kit's CPU emulator:
# - kill -9 during a write burst loses no acknowledged retentive write (--retain sync):
#   two writers (server_write_burst, s7kit's client) record every value the server
#   acknowledged; the server is SIGKILLed mid-burst, restarted on the same --state, and
#   every slot of DB5 must hold the last acknowledged value (or the one write that was in
#   flight at the kill, which may have landed);
# - a non-retentive DB starts from its initial values after the restart;
# - --retain async: values written before SIGTERM are there after the restart (flush on exit);
# - a damaged state file (truncated, or one byte flipped) is detected at start, never
#   silently loaded: the server refuses to start and says why;
# - a damaged journal record with valid records after it refuses the start (exit 1), the
#   message says what, where and what --repair keeps and loses, and the files stay byte for
#   byte; --repair then keeps the later records' writes and the damaged files aside;
# - a torn last record (an append a crash cut short) is dropped with a log line: the start
#   goes on and every acknowledged write is there;
# - the audit log naming the state file or its journal (also through a symbolic or a hard
#   link) and a FIFO as state file, journal or audit log are refused at once (exit 2).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_server
need_s7srv_helper server_write_burst

S7SRV_SLOT=1
state="$S7_TEST_TMP/cpu.state"
SRV=(--profile s7-1500 --put-get on --db 5:1024:retain --db 6:16 --set DB6.DBW0=4660
    --state "$state" --retain sync)

# dump_db DB: the DB's bytes as lowercase hex (s7kit's CLI; Snap7 cross-checks below).
dump_db() {
    local f="$S7_TEST_TMP/db$1.bin"
    rm -f "$f"
    "$S7_BIN" dump "$S7SRV_ADDR" DB "$1" -o "$f" --slot "$S7SRV_SLOT" >/dev/null 2>&1 || return 1
    od -An -v -tx1 "$f" | tr -d ' \n'
}

# verify DBHEX RECORD...: every slot holds its last acknowledged value or the in-flight one.
verify() {
    local hex="$1"
    shift
    awk -v hex="$hex" '
        FNR == 1 { if (wr != "") flush(); wr = FILENAME; inflight_off = -1 }
        $1 == "S" { inflight_off = $2; inflight_val = $3 }
        $1 == "A" { last[$2] = $3; seen[$2] = 1; inflight_off = -1; acked++ }
        function flush() { if (inflight_off >= 0) { maybe[inflight_off] = inflight_val; nmaybe++ } }
        END {
            flush()
            bad = 0
            for (off = 0; off < 1024; off += 4) {
                got = 0
                for (i = 0; i < 8; i++) got = got * 16 + index("0123456789abcdef", substr(hex, off * 2 + i + 1, 1)) - 1
                want = (off in seen) ? last[off] : 0
                if (got == want) continue
                if ((off in maybe) && got == maybe[off]) { landed++; continue }
                if (bad < 10) printf "slot at byte %d: DB holds %d (0x%08x), last acknowledged %d (0x%08x)%s\n", off, got, got, want, want, (off in maybe) ? sprintf(", in flight %d", maybe[off]) : ""
                bad++
            }
            printf "acknowledged writes: %d, in flight at the kill: %d (landed: %d), bad slots: %d\n", acked, nmaybe, landed + 0, bad
            exit bad ? 1 : 0
        }' "$@"
}

# ---------------------------------------------------------------- kill -9 mid-burst
start_s7server "${SRV[@]}"
rec0="$S7_TEST_TMP/burst0.rec" rec1="$S7_TEST_TMP/burst1.rec"
"$S7SRV_HELPERS/server_write_burst" "$S7SRV_PORT" 1 5 "$rec0" 0 2 >"$S7_TEST_TMP/burst0.out" 2>&1 &
w0=$!
"$S7SRV_HELPERS/server_write_burst" "$S7SRV_PORT" 1 5 "$rec1" 1 2 >"$S7_TEST_TMP/burst1.out" 2>&1 &
w1=$!
on_exit "kill -KILL $w0 $w1 2>/dev/null"
# let each writer get a good number of acknowledged writes (at most 10 s)
for ((i = 0; i < 200; i++)); do
    a0=$(grep -c '^A ' "$rec0" 2>/dev/null)
    a1=$(grep -c '^A ' "$rec1" 2>/dev/null)
    [ "${a0:-0}" -ge 300 ] && [ "${a1:-0}" -ge 300 ] && break
    kill -0 "$S7SRV_PID" 2>/dev/null || break
    sleep 0.05
done
kill9_s7server "$S7SRV_PID"
rc0=0 rc1=0
for ((i = 0; i < 100; i++)); do
    kill -0 "$w0" 2>/dev/null || kill -0 "$w1" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$w0" 2>/dev/null || kill -0 "$w1" 2>/dev/null; then
    fail "a writer did not notice the server's death within 10 s"
    kill -KILL "$w0" "$w1" 2>/dev/null
fi
wait "$w0" || rc0=$?
wait "$w1" || rc1=$?
check_eq "$rc0/$rc1" 0/0 "both writers had writes acknowledged and stopped on the lost connection"
a0=$(grep -c '^A ' "$rec0")
a1=$(grep -c '^A ' "$rec1")
if [ "$a0" -ge 100 ] && [ "$a1" -ge 100 ]; then
    pass "burst: $a0 + $a1 writes acknowledged before the kill"
else
    fail "burst too short to mean anything: $a0 + $a1 writes acknowledged"
fi
check_match "$(tail -n 1 "$rec0")$(tail -n 1 "$rec1")" "^E .*E " "both writers ended on an error (killed mid-burst, not finished)"

start_s7server "${SRV[@]}"
hex="$(dump_db 5)" || fail "DB5 could not be read after the restart"
check_eq "${#hex}" 2048 "DB5 is 1024 bytes after the restart"
report="$(verify "$hex" "$rec0" "$rec1")"
vrc=$?
printf '%s\n' "$report"
check_eq "$vrc" 0 "every acknowledged retentive write survived kill -9 ($(tail -n 1 <<<"$report"))"
if [ -f "$NODE_PATH/node-snap7/build/Release/node_snap7.node" ] && [ -n "$S7_NODE" ]; then
    check_eq "$(s7srv_snap7 dbread 5 0 1024 2>&1)" "$hex" "Snap7 reads the same DB5"
fi
check_eq "$(dump_db 6 | cut -c1-8)" 12340000 "non-retentive DB6 restarted from its initial values"

# a second kill -9 right after more writes: the recovered state is itself durable
check_ok "write DB5.DBD0 after the restart" "$S7_BIN" write "$S7SRV_ADDR" DB5.DBD0=3735928559 --slot 1
kill9_s7server "$S7SRV_PID"
start_s7server "${SRV[@]}"
hex2="$(dump_db 5)"
check_eq "${hex2:0:8}" deadbeef "a write acknowledged after the first recovery survives a second kill -9"
check_eq "${hex2:8}" "${hex:8}" "the rest of DB5 unchanged by the second recovery"

# ---------------------------------------------------------------- SIGTERM with retain async
stop_s7server "$S7SRV_PID"
start_s7server "${SRV[@]:0:${#SRV[@]}-1}" async
check_ok "write DB5 with --retain async" "$S7_BIN" write "$S7SRV_ADDR" DB5.DBD100=16909060 DB5.DBW200=4660 --slot 1
_s7srv_forget "$S7SRV_PID"
kill -TERM "$S7SRV_PID"
rc=0
wait "$S7SRV_PID" || rc=$?
check_eq "$rc" 0 "--retain async: the server exits 0 on SIGTERM"
start_s7server "${SRV[@]}"
hex3="$(dump_db 5)"
check_eq "${hex3:200:8}/${hex3:400:4}" 01020304/1234 "--retain async: writes before SIGTERM are kept (flushed on exit)"
stop_s7server "$S7SRV_PID"

# ---------------------------------------------------------------- damaged state files
# start_fails WHAT: the server must exit non-zero by itself (not serve) and say why.
start_fails() {
    local what="$1" port log pid i rc=0
    port=$(free_port)
    log="$S7_TEST_TMP/s7srv.damaged.$RANDOM.log"
    "$S7_BIN" server --listen "127.0.0.1:$port" "${SRV[@]}" </dev/null >"$log" 2>&1 &
    pid=$!
    for ((i = 0; i < 100; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    if kill -0 "$pid" 2>/dev/null; then
        fail "$what: the server started anyway ($(_s7srv_accepts "$port" && echo serving))"
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        return 0
    fi
    wait "$pid" || rc=$?
    check_ne "$rc" 0 "$what: the server refuses to start"
    check_match "$(tr '\n' ' ' <"$log")" "[Ss]tate|retain|CRC|damaged|torn|corrupt" "$what: it says why ($(head -c 200 "$log" | tr '\n' ' '))"
}
ls -l "$state"* >/dev/null 2>&1 || fail "no state file written at $state"
cp "$state" "$S7_TEST_TMP/good.state"
size=$(stat -c %s "$state")
truncate -s $((size / 2)) "$state"
start_fails "state file truncated to half"
cp "$S7_TEST_TMP/good.state" "$state"
printf '\x5a' | dd of="$state" bs=1 seek=$((size - 100)) conv=notrunc status=none
cmp -s "$state" "$S7_TEST_TMP/good.state" && printf '\xa5' | dd of="$state" bs=1 seek=$((size - 100)) conv=notrunc status=none
start_fails "state file with one byte changed in its data"
cp "$S7_TEST_TMP/good.state" "$state"
start_s7server "${SRV[@]}"
check_eq "$(dump_db 5 | cut -c1-8)" deadbeef "the intact state file loads again"
stop_s7server "$S7SRV_PID"

# ---------------------------------------------------------------- journal damage
# refused WHAT RC ARGS...: `s7 server ARGS` exits RC by itself within 5 s (a FIFO must not
# block it); its output is left in REFUSED_OUT.
refused() {
    local what="$1" want="$2" rc=0 t0 t1
    shift 2
    t0=$(date +%s%N)
    REFUSED_OUT="$(timeout -s KILL 5 "$S7_BIN" server --listen 127.0.0.1:0 "$@" </dev/null 2>&1)" || rc=$?
    t1=$(date +%s%N)
    check_eq "$rc" "$want" "$what: exits $want by itself ($(((t1 - t0) / 1000000)) ms)"
}
# same_files A B WHAT: the files are identical.
same_files() {
    if cmp -s "$1" "$2"; then pass "$3"; else fail "$3: $1 differs from $2"; fi
}

jst="$S7_TEST_TMP/j.state"
JSRV=(--profile s7-1500 --put-get on --db 7:64:retain --state "$jst" --retain sync)
start_s7server "${JSRV[@]}"
for v in 1 2 3 4; do
    "$S7_BIN" write "$S7SRV_ADDR" "DB7.DBD$(((v - 1) * 4)):DINT=$((v * 1111))" --slot 1 >/dev/null 2>&1 ||
        fail "write $v to DB7 was not acknowledged"
done
kill9_s7server "$S7SRV_PID"
# four records of 18 bytes (10 header, 4 data, 4 CRC) at byte offsets 24, 42, 60, 78
check_eq "$(stat -c %s "$jst.journal")" $((24 + 4 * 18)) "four acknowledged writes journaled before kill -9"
printf '\xff' | dd of="$jst.journal" bs=1 seek=$((42 + 10 + 1)) conv=notrunc status=none
cp "$jst" "$S7_TEST_TMP/j.state.orig"
cp "$jst.journal" "$S7_TEST_TMP/j.journal.orig"
refused "record 2 of 4 damaged" 1 "${JSRV[@]}"
msg="$(tr '\n' ' ' <<<"$REFUSED_OUT")"
printf '%s\n' "$REFUSED_OUT" | grep 'cannot start'
check_contains "$msg" "journal $jst.journal is damaged: the record at byte offset 42 (record 2) fails its checksum; its header says it wrote 4 bytes to DB7.DBB4..7" "the message names the file, the offset, the record and its write"
check_contains "$msg" "2 records after it carry a valid checksum, so this is not a torn tail" "the message says valid records follow (damage, not a crash)"
check_contains "$msg" "Nothing was loaded and no file was changed" "the message says nothing changed"
check_contains "$msg" "--repair keeps the snapshot $jst, the 1 record before the damage and the 2 valid records after it, loses the damaged record's write to DB7.DBB4..7, and keeps the damaged files aside as $jst.damaged-YYYYMMDD-HHMMSS and $jst.journal.damaged-YYYYMMDD-HHMMSS" "the message says what --repair keeps and loses"
same_files "$jst" "$S7_TEST_TMP/j.state.orig" "refused: the state file is unchanged byte for byte"
same_files "$jst.journal" "$S7_TEST_TMP/j.journal.orig" "refused: the journal is unchanged byte for byte (not compacted away)"
refused "record 2 of 4 damaged, second try" 1 "${JSRV[@]}"
same_files "$jst.journal" "$S7_TEST_TMP/j.journal.orig" "refused twice: the journal is still unchanged"
check_eq "$(ls "$S7_TEST_TMP" | grep -c "damaged-")" 0 "refused: nothing kept aside without --repair"

start_s7server "${JSRV[@]}" --repair
check_eq "$(dump_db 7 | cut -c1-32)" 0000045700000000""00000d050000115c "--repair: the writes before and after the damaged record are kept, the damaged one is lost"
log="$(tr '\n' ' ' <"$S7SRV_LOG")"
check_contains "$log" "repair: the journal $jst.journal was damaged (the record at byte offset 42 (record 2) failed its checksum); started from the snapshot $jst and the journal's 3 valid records (1 before the damage, 2 after it); lost the damaged record's write to DB7.DBB4..7; the damaged files are kept aside as $jst.damaged-" "--repair: the log says what was kept, lost and where the files went"
aside_s=$(ls "$jst".damaged-* 2>/dev/null | head -n 1)
aside_j=$(ls "$jst".journal.damaged-* 2>/dev/null | head -n 1)
check_match "$aside_j" "\.journal\.damaged-[0-9]{8}-[0-9]{6}$" "--repair: the journal is kept aside with the UTC time in its name"
check_contains "$log" "$aside_j" "--repair: the log names the kept journal"
same_files "$aside_j" "$S7_TEST_TMP/j.journal.orig" "--repair: the damaged journal is kept byte for byte"
same_files "$aside_s" "$S7_TEST_TMP/j.state.orig" "--repair: its snapshot is kept byte for byte"
stop_s7server "$S7SRV_PID"
start_s7server "${JSRV[@]}"
check_eq "$(dump_db 7 | cut -c1-32)" 0000045700000000""00000d050000115c "after the repair the state starts without --repair"

# ---------------------------------------------------------------- a torn last record
check_ok "write two values in one job" "$S7_BIN" write "$S7SRV_ADDR" DB7.DBD8:DINT=5555 DB7.DBD12:DINT=6666 --slot 1
kill9_s7server "$S7SRV_PID"
# what a crash in the middle of the next append leaves: 12 of the 18 bytes of a record
# (length 4, DB7, offset 16, two data bytes, no checksum)
printf '\x04\x00\x00\x00\x07\x00\x10\x00\x00\x00\xab\xcd' >>"$jst.journal"
start_s7server "${JSRV[@]}"
check_eq "$(dump_db 7 | cut -c1-40)" 0000045700000000""000015b3""00001a0a""00000000 "torn last record: every acknowledged write is kept, the torn one is not"
check_match "$(tr '\n' ' ' <"$S7SRV_LOG")" "journal $jst\.journal: torn record after record 2 \(12 of its 18 bytes are on disk: the write to DB7\.DBB16\.\.19\): 12 bytes dropped \(a torn tail" "torn last record: dropped with a log line"
check_eq "$(ls "$S7_TEST_TMP" | grep -c 'damaged-')" 2 "torn last record: nothing kept aside (no damage)"

# a bit flipped in the length of the last record (4 -> 0x8004): the header names DB7 bytes
# 20..32791, a range DB7 (64 bytes) does not have, so no append of this server left it:
# damage, refused (it was dropped as a torn tail, and with it an acknowledged write)
check_ok "write one more value" "$S7_BIN" write "$S7SRV_ADDR" DB7.DBD20:DINT=7777 --slot 1
kill9_s7server "$S7SRV_PID"
jsize=$(stat -c %s "$jst.journal")
printf '\x80' | dd of="$jst.journal" bs=1 seek=$((jsize - 18 + 1)) conv=notrunc status=none
cp "$jst.journal" "$S7_TEST_TMP/flip.journal.orig"
refused "a flipped bit in the last record's length" 1 "${JSRV[@]}"
check_contains "$REFUSED_OUT" "damaged" "a flipped length: refused as damage"
check_contains "$REFUSED_OUT" "nor a header naming bytes no retentive DB of this server has" "a flipped length: says why it is no torn tail"
check_lacks "$REFUSED_OUT" "dropped (a torn tail" "a flipped length: not dropped as a torn tail"
same_files "$jst.journal" "$S7_TEST_TMP/flip.journal.orig" "a flipped length: the journal is left as it was"
printf '\x00' | dd of="$jst.journal" bs=1 seek=$((jsize - 18 + 1)) conv=notrunc status=none
start_s7server "${JSRV[@]}"
check_eq "$(dump_db 7 | cut -c41-48)" 00001e61 "the bit put back: the acknowledged write is there"
stop_s7server "$S7SRV_PID"

# ---------------------------------------------------------------- files that collide
cp "$jst" "$S7_TEST_TMP/j.state.orig"
cp "$jst.journal" "$S7_TEST_TMP/j.journal.orig"
refused "--audit is the state file" 2 "${JSRV[@]}" --audit "$jst"
check_contains "$REFUSED_OUT" "--audit $jst and --state $jst are the same file" "--audit = --state: the message names both options and the file"
refused "--audit is the journal" 2 "${JSRV[@]}" --audit "$jst.journal"
check_contains "$REFUSED_OUT" "--audit $jst.journal and the journal of --state $jst ($jst.journal) are the same file" "--audit = the journal: the message names both"
ln -s "$jst" "$S7_TEST_TMP/audit-symlink.jsonl"
refused "--audit is a symbolic link to the state file" 2 "${JSRV[@]}" --audit "$S7_TEST_TMP/audit-symlink.jsonl"
check_contains "$REFUSED_OUT" "($S7_TEST_TMP/audit-symlink.jsonl is a symbolic link to it)" "--audit via a symbolic link: refused and said so"
ln "$jst.journal" "$S7_TEST_TMP/audit-hardlink.jsonl"
refused "--audit is a hard link to the journal" 2 "${JSRV[@]}" --audit "$S7_TEST_TMP/audit-hardlink.jsonl"
check_contains "$REFUSED_OUT" "and the journal of --state $jst ($jst.journal) are the same file" "--audit via a hard link: refused"
check_contains "$REFUSED_OUT" "hard links to one file" "--audit via a hard link: said so"
same_files "$jst" "$S7_TEST_TMP/j.state.orig" "collisions refused: the state file is unchanged"
same_files "$jst.journal" "$S7_TEST_TMP/j.journal.orig" "collisions refused: the journal is unchanged"

mkfifo "$S7_TEST_TMP/fifo.state" "$S7_TEST_TMP/fifo.jsonl" "$S7_TEST_TMP/f2.state.journal"
refused "a FIFO as the state file" 2 --db 7:64:retain --state "$S7_TEST_TMP/fifo.state"
check_contains "$REFUSED_OUT" "--state $S7_TEST_TMP/fifo.state is a FIFO, not a regular file" "a FIFO as the state file: said so"
refused "a FIFO as the journal" 2 --db 7:64:retain --state "$S7_TEST_TMP/f2.state"
check_contains "$REFUSED_OUT" "the journal of --state $S7_TEST_TMP/f2.state ($S7_TEST_TMP/f2.state.journal) is a FIFO" "a FIFO as the journal: said so"
refused "a FIFO as the audit log" 2 "${JSRV[@]}" --audit "$S7_TEST_TMP/fifo.jsonl"
check_contains "$REFUSED_OUT" "--audit $S7_TEST_TMP/fifo.jsonl is a FIFO, not a regular file" "a FIFO as the audit log: said so"
refused "--repair without a state file" 2 --db 7:64:retain --repair
check_contains "$REFUSED_OUT" "--repair: there is no state file to repair" "--repair without a state file: said so"

finish
