#!/usr/bin/env bash
# s7 write against the Snap7 server: every value lands where Snap7's own client reads it,
# typed by the address (big-endian integers, IEEE REAL, S7 STRING header, BCD counters), a
# BOOL writes only its bit, all areas (DB, M, Q, T, C), per-item reports and exit codes.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
need_snap7
start_snap7 --fixture standard
T="127.0.0.1:$SNAP7_PORT"

# ---------------------------------------------------------------- typed values in DB10
out=$("$S7_BIN" write "$T" DB10.DBW0=4660 DB10.DBD2:DINT=-2 DB10.DBD6:REAL=3.5 \
    DB10.DBB10:INT[3]=[1,-2,3] 'DB10.DBB16:STRING[10]=hello' DB10.DBB30:LREAL=-0.25 \
    DB10.DBB38=16#7F DB10.DBB39:CHAR=Z DB10.DBD40:TIME=T#1s500ms DB10.DBW44:DATE=2026-11-21 2>&1)
rc=$?
check_eq "$rc" 0 "write of ten typed values exits 0"
check_contains "$out" "DB10.DBW0 = 4660 (written)" "report: DB10.DBW0"
check_contains "$out" "DB10.DBD6:REAL = 3.5 (written)" "report: REAL"
check_contains "$out" "DB10.DBB16:STRING[10] = hello (written)" "report: STRING"
check_eq "$(snap7_local dbread 10 0 2)" 1234 "WORD 4660 is 12 34"
check_eq "$(snap7_local dbread 10 2 4)" fffffffe "DINT -2"
check_eq "$(snap7_local dbread 10 6 4)" 40600000 "REAL 3.5 is 40 60 00 00"
check_eq "$(snap7_local dbread 10 10 6)" 0001fffe0003 "INT[3] [1,-2,3]"
check_eq "$(snap7_local dbread 10 16 12)" 0a0568656c6c6f0000000000 "STRING[10] 'hello': max 10, len 5, text"
check_eq "$(snap7_local dbread 10 30 8)" bfd0000000000000 "LREAL -0.25"
check_eq "$(snap7_local dbread 10 38 2)" 7f5a "BYTE 16#7F and CHAR Z"
check_eq "$(snap7_local dbread 10 40 4)" 000005dc "TIME T#1s500ms is 1500 ms"
check_eq "$(snap7_local dbread 10 44 2)" "$(printf '%04x' $(( ( $(date -u -d 2026-11-21 +%s) - $(date -u -d 1990-01-01 +%s) ) / 86400 )))" "DATE 2026-11-21 in days since 1990"

# Read back through s7 itself.
out=$("$S7_BIN" read "$T" DB10.DBW0 DB10.DBD6:REAL 'DB10.DBB16:STRING[10]' DB10.DBW44:DATE)
check_eq "$out" "DB10.DBW0 = 4660
DB10.DBD6:REAL = 3.5
DB10.DBB16:STRING[10] = hello
DB10.DBW44:DATE = 2026-11-21" "s7 read reads back what s7 wrote"

# ---------------------------------------------------------------- text, date and time types
out=$("$S7_BIN" write "$T" 'DB10.DBB100:WSTRING[5]=aΩc' 'DB10.DBB120:DTL=2026-11-21 13:45:00.123' \
    DB10.DBW140:WCHAR=Ω 'DB10.DBB142:DATE_AND_TIME=2026-11-21 13:45:00.123' \
    DB10.DBD150:TOD=13:45:00.123 DB10.DBW154:S5TIME=S5T#1s200ms \
    'DB10.DBB156:DATE_AND_TIME[2]=[2026-11-21 13:45:00.123, 1999-01-01 00:00:00]' 2>&1)
rc=$?
check_eq "$rc" 0 "write of WSTRING, DTL, WCHAR, DATE_AND_TIME, TOD, S5TIME exits 0"
check_eq "$(snap7_local dbread 10 100 14)" 00050003006103a9006300000000 "WSTRING[5] 'aΩc': max 5, len 3, UTF-16BE"
check_eq "$(snap7_local dbread 10 120 12)" 07ea0b15070d2d000754d4c0 "DTL 2026-11-21 (Saturday = 7) 13:45:00.123"
check_eq "$(snap7_local dbread 10 140 2)" 03a9 "WCHAR Ω"
check_eq "$(snap7_local dbread 10 142 8)" 2611211345001237 "DATE_AND_TIME in BCD, weekday 7"
check_eq "$(snap7_local dbread 10 150 4)" 02f34fdb "TOD 13:45:00.123 = 49500123 ms"
check_eq "$(snap7_local dbread 10 154 2)" 0120 "S5TIME 1s200ms = 120 x 10 ms"
check_eq "$(snap7_local dbread 10 156 16)" 26112113450012379901010000000006 "DATE_AND_TIME[2], 1999-01-01 a Friday (6)"
out=$("$S7_BIN" read "$T" 'DB10.DBB100:WSTRING[5]' DB10.DBB120:DTL DB10.DBW140:WCHAR \
    DB10.DBB142:DATE_AND_TIME DB10.DBD150:TOD DB10.DBW154:S5TIME)
check_eq "$out" "DB10.DBB100:WSTRING[5] = aΩc
DB10.DBB120:DTL = 2026-11-21 13:45:00.123000000
DB10.DBW140:WCHAR = Ω
DB10.DBB142:DATE_AND_TIME = 2026-11-21 13:45:00.123
DB10.DBD150:TOD = 13:45:00.123
DB10.DBW154:S5TIME = S5T#1s200ms" "s7 read reads the text, date and time types back"

# ---------------------------------------------------------------- BOOL writes only the bit
check_ok "Snap7 client sets DB10.DBB50 to f0" snap7_local dbwrite 10 50 f0f0
check_ok "write DB10.DBX50.0=true" "$S7_BIN" write "$T" DB10.DBX50.0=true
check_eq "$(snap7_local dbread 10 50 1)" f1 "bit 0 set, bits 4..7 untouched"
check_ok "write DB10.DBX50.7=false" "$S7_BIN" write "$T" DB10.DBX50.7=0
check_eq "$(snap7_local dbread 10 50 1)" 71 "bit 7 cleared, others untouched"
check_ok "write DB10.DBX51.2:BOOL[3]" "$S7_BIN" write "$T" 'DB10.DBX51.2:BOOL[3]=[false,true,true]'
check_eq "$(snap7_local dbread 10 51 1)" $(printf '%02x' $(( (0xf0 & ~0x1c) | 0x18 ))) "BOOL[3] from bit 2: only bits 2..4 change"
# two BOOL arrays, or a bit and a BOOL array, in one byte in one call: each keeps the
# other's bits (the arrays go out as the bytes read before)
check_ok "Snap7 client sets DB10.DBB52 to 80" snap7_local dbwrite 10 52 80
check_ok "two BOOL arrays in one byte" "$S7_BIN" write "$T" 'DB10.DBX52.0:BOOL[2]=[1,1]' \
    'DB10.DBX52.4:BOOL[2]=[1,1]'
check_eq "$(snap7_local dbread 10 52 1)" b3 "both arrays' bits set, bit 7 kept"
check_ok "a bit and a BOOL array in one byte" "$S7_BIN" write "$T" DB10.DBX52.7=0 \
    'DB10.DBX52.0:BOOL[2]=[0,1]'
check_eq "$(snap7_local dbread 10 52 1)" 32 "bit 7 cleared, bits 0..1 as the array says"
check_fails "one bit twice" "$S7_BIN" write "$T" DB10.DBX52.1=0 'DB10.DBX52.0:BOOL[2]=[1,1]'
check_contains "$S7_LAST_OUT" "DB10.DBX52.1 and DB10.DBX52.0:BOOL[2] both write bit 52.1: give each bit once" \
    "one bit twice: named"
check_fails "a BOOL array and a byte in one call" "$S7_BIN" write "$T" DB10.DBB52=1 \
    'DB10.DBX52.0:BOOL[2]=[1,1]'
check_contains "$S7_LAST_OUT" "write the same bytes, and a BOOL array is written as the whole bytes" \
    "a BOOL array and a byte: named"
check_eq "$(snap7_local dbread 10 52 1)" 32 "nothing written after a refused call"
# any other byte (timer, counter) written by two items: which value lands depended on the
# order the CPU took them (MB0=1 MB0=2 reported both written)
check_fails "one byte twice" "$S7_BIN" write "$T" DB10.DBB52=1 DB10.DBB52=2
check_contains "$S7_LAST_OUT" "DB10.DBB52 and DB10.DBB52 both write byte 52: give each byte once" \
    "one byte twice: named"
check_fails "a word and a byte inside it" "$S7_BIN" write "$T" DB10.DBW52=1 DB10.DBB53=2
check_contains "$S7_LAST_OUT" "DB10.DBW52 and DB10.DBB53 both write byte 53" "a word and a byte inside it: named"
check_fails "a bit and its byte" "$S7_BIN" write "$T" DB10.DBX52.0=1 DB10.DBB52=2
check_contains "$S7_LAST_OUT" "DB10.DBX52.0 and DB10.DBB52 both write byte 52" "a bit and its byte: named"
check_fails "one timer twice" "$S7_BIN" write "$T" T5=S5T#1s 'T4:TIMER[3]=[S5T#1s, S5T#1s, S5T#1s]'
check_contains "$S7_LAST_OUT" "T5 and T4:TIMER[3] both write T5: give each timer once" "one timer twice: named"
check_eq "$(snap7_local dbread 10 52 1)" 32 "nothing written after the refused calls"

# ---------------------------------------------------------------- other areas
check_ok "write M, Q, T, C" "$S7_BIN" write "$T" MB200=165 MW202:INT=-1 M210.3=1 QW4=258 Q6.1=true \
    T2=S5T#2s C4=42
check_eq "$(snap7_local read MK 0 200 1)" a5 "MB200 = 165"
check_eq "$(snap7_local read MK 0 202 2)" ffff "MW202 written"
check_eq "$(snap7_local read MK 0 210 1)" "$(printf '%02x' $((210 | 8)))" "M210.3 only (MB210 held the pattern 210)"
check_eq "$(snap7_local read PA 0 4 2)" 0102 "QW4 = 258"
check_eq "$(snap7_local read PA 0 6 1)" 02 "Q6.1 only"
# S5TIME 2s: the finest time base that holds it, 10 ms x 200 -> base 0, BCD 200.
check_eq "$(snap7_local read TM 0 2 1)" 0200 "T2 = S5T#2s (time base 10 ms, BCD 200)"
check_eq "$(snap7_local read CT 0 4 1)" 0042 "C4 = 42 (BCD)"

# ---------------------------------------------------------------- --json and failures
out=$("$S7_BIN" write "$T" DB10.DBW60=7 DB99.DBW0=1 DB2.DBW4=1 --json 2>/dev/null)
rc=$?
check_eq "$rc" 1 "a failed item makes the exit code 1"
check_contains "$out" '{"address": "DB10.DBW60", "type": "WORD", "value": 7, "status": "ok", "error": null}' "json: written item ok"
check_contains "$out" '"address": "DB99.DBW0", "type": "WORD", "value": null, "status": "object_not_found"' "json: DB99 object_not_found"
check_contains "$out" '"status": "address_out_of_range"' "json: DB2 past its end"
check_eq "$(snap7_local dbread 10 60 2)" 0007 "the good item was written although others failed"

check_fails "value out of range" "$S7_BIN" write "$T" MB0=300
check_contains "$S7_LAST_OUT" "'300' is out of range for BYTE (0..255)" "names the bad value and the range"
check_eq "$(snap7_local read MK 0 0 1)" 00 "nothing written after a bad value"
rc=0; "$S7_BIN" write "$T" MB0=300 >/dev/null 2>&1 || rc=$?
check_eq "$rc" 2 "bad value: exit 2"
rc=0; "$S7_BIN" write "$T" DB1.DBW0 >/dev/null 2>&1 || rc=$?
check_eq "$rc" 2 "missing =VALUE: exit 2"
check_fails "missing =VALUE" "$S7_BIN" write "$T" DB1.DBW0
check_contains "$S7_LAST_OUT" "expected ADDRESS=VALUE" "says ADDRESS=VALUE"

finish
