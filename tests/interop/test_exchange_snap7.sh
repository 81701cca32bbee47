#!/usr/bin/env bash
# s7 exchange with one end a CPU we did not write: Snap7's server (snap7_server.js) is the
# partner, an emulated CPU (s7 server) the local CPU.  GET jobs copy Snap7's timers and
# counters, written as ranges (T0..T3, C0..C3) and as ANY pointers (P#T 0 TIMER 4), alone
# and as the third and fourth area of a four-area job, into the emulator's DB, every byte
# compared with what Snap7's own client reads; a PUT copies the emulator's DB into Snap7's
# DB10.  Every run is bounded (--count).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_snap7
need_s7_server

# Snap7's timer and counter areas: two bytes per element from byte 0 (a read of element 0,
# count 4 gets bytes 0..7, snap7_server.js's README section)
start_snap7 --db 1:64:pattern --db 10:32 --area MK:16:pattern --area PE:16:pattern \
    --area TM:16:00110022003300440055 --area CT:16:01020304050607080910
P_SNAP=$SNAP7_PORT
start_s7server --profile s7-1500 --put-get on --db 40:256 --set DB40.DBD200=168496141
P_EMU=$S7SRV_PORT

F="$S7_TEST_TMP/snap.yaml"
cat >"$F" <<EOF
partners:
  - {name: snap, address: 127.0.0.1, port: $P_SNAP, profile: s7-300, pdu: 480}
  - {name: emu, address: 127.0.0.1, port: $P_EMU, profile: s7-1500, pdu: 480}
jobs:
  - {name: timers, local_cpu: emu, job: get snap T0..T3 every 50ms into DB40.DBB0}
  - {name: counters, local_cpu: emu, job: get snap C0..C3 every 50ms into DB40.DBB10}
  - {name: any-t, local_cpu: emu, job: get snap P#T 0 TIMER 4 every 50ms into DB40.DBB20}
  - name: four
    local_cpu: emu
    job: get snap MB0..MB9 IB0..IB9 T0..T3 C0..C3 every 50ms into DB40.DBB100 DB40.DBB110 DB40.DBB120 DB40.DBB130
  - {name: put-db, local_cpu: emu, job: put snap DB10.DBB0..DBB3 every 50ms from DB40.DBB200}
EOF
OUT="$S7_TEST_TMP/exchange.out"
check_ok "s7 exchange runs five jobs against Snap7's server three times each" \
    timeout 30 "$S7_BIN" exchange "$F" --count 3 --every 1s --quiet
"$S7_BIN" exchange "$F" --count 1 --quiet >"$OUT" 2>&1 || true

T=$(snap7_local read TM 0 0 4)
C=$(snap7_local read CT 0 0 4)
check_eq "$T" 0011002200330044 "Snap7's client reads its four timers"
check_eq "$C" 0102030405060708 "Snap7's client reads its four counters"
emu_hex() { # emu_hex OFFSET LEN: the emulator's DB40 bytes as hex, read by Snap7's client
    node "$S7_INTEROP_DIR/snap7_client.js" "127.0.0.1:$P_EMU" dbread 40 "$1" "$2"
}
check_eq "$(emu_hex 0 8)" "$T" "GET T0..T3 copies all four timers (8 bytes), not the first 4 bytes"
check_eq "$(emu_hex 10 8)" "$C" "GET C0..C3 copies all four counters (8 bytes)"
check_eq "$(emu_hex 20 8)" "$T" "GET P#T 0 TIMER 4 copies the same 8 bytes as T0..T3"
check_eq "$(emu_hex 100 20)" 0001020304050607080900010203040506070809 \
    "four areas: MB0..MB9 and IB0..IB9 land in RD_1 and RD_2"
check_eq "$(emu_hex 120 8)" "$T" "four areas: T0..T3 lands whole in RD_3"
check_eq "$(emu_hex 130 8)" "$C" "four areas: C0..C3 lands whole in RD_4"
check_eq "$(emu_hex 128 2)" 0000 "four areas: nothing written between RD_3 and RD_4"
check_eq "$(snap7_local dbread 10 0 4)" 0a0b0c0d "PUT DB10.DBB0..DBB3 reached Snap7's DB10"
finish
