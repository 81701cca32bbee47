#!/usr/bin/env bash
# A PG's download into a retentive DB of s7kit's CPU emulator (--retain sync):
# - node-snap7's client (a peer we did not write) downloads DB5's block with changed data
#   (the CPU asks for the parts, _INSE activates it); the server is SIGKILLed and restarted
#   on the same --state: DB5 holds the downloaded bytes (journaled like a PUT);
# - a download that would resize a retentive DB (a 100-byte block as DB7 of 16 bytes) is
#   refused (0xD20E), the log says why, and DB7 keeps its size and values;
# - a DB that is not retentive is replaced by the downloaded one, and starts from its initial
#   values after a restart.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_bin
need_s7_server
need_snap7

S7SRV_SLOT=2
state="$S7_TEST_TMP/cpu.state"
SRV=(--profile s7-300 --db 5:100:retain --db 7:16:retain --db 8:16 --set DB7.DBW0=4660
    --state "$state" --retain sync)
start_s7server "${SRV[@]}"
T="127.0.0.1:$S7SRV_PORT"
S=(--slot 2)

check_ok "upload DB5" "$S7_BIN" upload "$T" DB5 -o "$S7_TEST_TMP/db5.blk" "${S[@]}"
check_eq "$(stat -c %s "$S7_TEST_TMP/db5.blk")" 172 "DB5 block: 172 bytes (100 + 72)"
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[36:40] = b"\xde\xad\xbe\xef"; d[135] = 0x5a
open(sys.argv[2], "wb").write(d)' "$S7_TEST_TMP/db5.blk" "$S7_TEST_TMP/db5new.blk"
check_ok "Snap7 Download of DB5 with new data" s7srv_snap7 download 5 "$S7_TEST_TMP/db5new.blk"
check_eq "$(s7srv_snap7 dbread 5 0 4)" deadbeef "DB5 serves the downloaded data"
# DB8 (not retentive): the 100-byte block replaces it
check_ok "Snap7 Download of the block as DB8 (not retentive)" \
    s7srv_snap7 download 8 "$S7_TEST_TMP/db5new.blk"
check_eq "$(s7srv_snap7 dbread 8 99 1)" 5a "DB8 replaced by the 100-byte block"

# a retentive DB is not resized
check_fails "Snap7 Download of a 100-byte block as retentive DB7 (16 bytes) is refused" \
    s7srv_snap7 download 7 "$S7_TEST_TMP/db5new.blk"
sleep 0.2
check_ok "the log names the refusal" \
    s7srv_log_has "refused .*DB7 offset 0, 100 bytes: error 0xD20E: a download of DB7 with 100 bytes; DB7 is retentive with 16 bytes and is not resized"
check_contains "$("$S7_BIN" blocks info "$T" DB7 "${S[@]}")" "data           16 bytes" \
    "DB7 keeps its 16 bytes"
check_eq "$(s7srv_snap7 dbread 7 0 2)" 1234 "DB7 keeps its values"

# kill -9, restart on the same state file
kill9_s7server "$S7SRV_PID"
start_s7server "${SRV[@]}"
T="127.0.0.1:$S7SRV_PORT"
check_eq "$(s7srv_snap7 dbread 5 0 4)" deadbeef "the downloaded DB5 survived kill -9"
check_eq "$(s7srv_snap7 dbread 5 99 1)" 5a "the downloaded DB5 survived kill -9 (its last byte)"
check_eq "$(s7srv_snap7 dbread 8 0 2)" 0000 "DB8 (not retentive) starts from its initial values"
check_contains "$("$S7_BIN" blocks info "$T" DB8 "${S[@]}")" "data           16 bytes" \
    "DB8 has its configured size again"
s7srv_finish_checks
finish
