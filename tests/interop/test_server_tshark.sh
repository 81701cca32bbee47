#!/usr/bin/env bash
# Wireshark's s7comm dissector (tshark, a decoder we did not write) reads a capture of full
# sessions against s7kit's CPU emulator with zero malformed packets and zero expert errors:
# s7kit's CLI (info: every identity/state/capacity SZL incl. a continuation; typed reads;
# writes; 200 items; item errors), Snap7's client (areas, multi-var, SZL with continuation,
# clock get/set, stop / hot start / cold start, errors), block services (s7 blocks / upload /
# download, Snap7's FullUpload and Download), a PUT/GET-off CPU (81 04), and raw
# well-formed requests answered with errors (85 00 both ways, unknown SZL / function /
# userdata), STEP 7's programmer commands (modify, VarTab) and the pushes of their results,
# s7 watch --push (a cyclic-data subscription and its pushes), s7 alarms, s7 diag-buffer.
# Also: every request was answered, and the kinds of frames are all there.
# Root only (capture on lo); skipped otherwise.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root (run as root after make deps)"
need_cmd tshark dumpcap
need_snap7
need_s7srv_helper server_protect
export TZ=UTC

S7SRV_SLOT=2
start_s7server --profile s7-300 --db 1:256 --db 2:1024 --set DB1.DBW0=4660 --set DB1.DBD4:REAL=3.5
A_PORT=$S7SRV_PORT A_ADDR=$S7SRV_ADDR A_LOG=$S7SRV_LOG
S7SRV_SLOT=1
start_s7server --profile s7-1500 --db 1:64
B_PORT=$S7SRV_PORT B_ADDR=$S7SRV_ADDR

cap="$S7_TEST_TMP/session.pcapng"
dumpcap -q -i lo -f "tcp port $A_PORT or tcp port $B_PORT" -w "$cap" >"$S7_TEST_TMP/dumpcap.log" 2>&1 &
DUMPCAP_PID=$!
_S7_PIDS+=("$DUMPCAP_PID")
for ((i = 0; i < 100; i++)); do
    grep -q "^File: " "$S7_TEST_TMP/dumpcap.log" 2>/dev/null && break
    kill -0 "$DUMPCAP_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q "^File: " "$S7_TEST_TMP/dumpcap.log" || { cat "$S7_TEST_TMP/dumpcap.log" >&2; die "dumpcap did not start"; }
sleep 0.5

# ---------------------------------------------------------------- the session
S7SRV_PORT=$A_PORT S7SRV_SLOT=2
check_ok "s7 info (SZL 0x0011, 0x001C in parts, 0x0424, 0x0131, 0x0132, 0x0232)" s7srv_cli info
check_ok "s7 read of typed values" s7srv_cli read DB1.DBW0 DB1.DBD4:REAL MB0 I1.0 QW2 DB1.DBX3.1
check_ok "s7 write" s7srv_cli write DB1.DBW10=5 MW20=7 DB1.DBX12.3=true QB1=9
addrs=()
for ((i = 0; i < 200; i++)); do addrs+=("DB2.DBB$((i * 5))"); done
check_ok "s7 read of 200 items" s7srv_cli read "${addrs[@]}"
check_fails "s7 read of a missing DB" s7srv_cli read DB99.DBW0
check_fails "s7 read past the end" s7srv_cli read DB1.DBW300
check_ok "Snap7 dbwrite" s7srv_snap7 dbwrite 2 0 "$(printf '%02x' $(seq 0 255) | tr -d '\n')"
check_ok "Snap7 dbread 600 bytes (3 PDUs)" s7srv_snap7 dbread 2 0 600
check_ok "Snap7 area writes" s7srv_snap7 multiwrite '[{"area":"MK","start":0,"hex":"0102"},{"area":"PA","start":3,"hex":"03"},{"area":"TM","start":2,"hex":"0010"},{"area":"CT","start":1,"hex":"0020"}]'
check_ok "Snap7 multiread" s7srv_snap7 multiread '[{"area":"DB","db":1,"start":0,"len":3},{"area":"PE","start":0,"len":2},{"area":"TM","start":2,"len":1},{"area":"CT","start":1,"len":1}]'
check_fails "Snap7 multiread with a missing DB" s7srv_snap7 multiread '[{"area":"DB","db":1,"start":0,"len":3},{"area":"DB","db":98,"start":0,"len":2}]'
check_ok "Snap7 SZL 0x001C (continuation at PDU 240)" s7srv_snap7 szl 001c 0000
check_ok "Snap7 GetOrderCode" s7srv_snap7 ordercode
check_ok "Snap7 GetCpuInfo" s7srv_snap7 cpuinfo
check_fails "Snap7 unknown SZL" s7srv_snap7 szl 0999 0000
check_ok "Snap7 set clock 2031-05-17T10:20:30 (a Saturday)" s7srv_snap7 setdate 2031-05-17T10:20:30
check_ok "Snap7 read clock" s7srv_snap7 clock
check_ok "Snap7 PlcStop" s7srv_snap7 stop
check_ok "Snap7 GetPlcStatus" s7srv_snap7 plcstatus
check_ok "Snap7 PlcHotStart" s7srv_snap7 start
check_ok "Snap7 PlcStop" s7srv_snap7 stop
check_ok "Snap7 PlcColdStart" s7srv_snap7 coldstart
# cyclic data: a subscription, a push after a write, the unsubscribe at exit; an alarm
# query; the diagnostic buffer
"$S7_BIN" watch "127.0.0.1:$A_PORT" DB1.DBW40 MB5 --slot 2 --push --every 100 --count 2 \
    >"$S7_TEST_TMP/push.out" 2>&1 &
wpid=$!
for ((i = 0; i < 100; i++)); do grep -q subscribed "$S7_TEST_TMP/push.out" 2>/dev/null && break; sleep 0.05; done
check_ok "s7 write while s7 watch --push is subscribed" s7srv_cli write DB1.DBW40=77
for ((i = 0; i < 100; i++)); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.05; done
kill "$wpid" 2>/dev/null
check_contains "$(cat "$S7_TEST_TMP/push.out")" "DB1.DBW40 = 77" "the write came as a push"
check_ok "s7 alarms (alarm query)" s7srv_cli alarms
check_ok "s7 diag-buffer (SZL 0x00A0)" s7srv_cli diag-buffer
check_ok "s7 blocks (list, lists of types in parts)" s7srv_cli blocks
check_ok "s7 blocks DB1 (block info)" s7srv_cli blocks DB1
check_ok "s7 upload DB1" s7srv_cli upload DB1 -o "$S7_TEST_TMP/db1.blk"
check_fails "s7 upload of an SFC (refused)" s7srv_cli upload SFC1 -o "$S7_TEST_TMP/sfc1.blk"
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[7] = 5
open(sys.argv[2], "wb").write(d)' "$S7_TEST_TMP/db1.blk" "$S7_TEST_TMP/db5.blk"
check_ok "s7 download (the CPU's own Jobs for the parts, _INSE)" s7srv_cli download "$S7_TEST_TMP/db5.blk"
check_ok "Snap7 FullUpload DB2" s7srv_snap7 fullupload DB 2
check_ok "Snap7 Download as DB6" s7srv_snap7 download 6 "$S7_TEST_TMP/db1.blk"
check_ok "raw error answers (85 00, unknown SZL / function / userdata)" \
    "$S7SRV_HELPERS/server_protect" wire "$A_PORT" 2 "$A_LOG"
check_ok "programmer commands (modify, VarTab, their pushes, job list, flash LED)" \
    "$S7SRV_HELPERS/server_protect" prog "$A_PORT" 2 "$A_LOG"
S7SRV_PORT=$B_PORT S7SRV_SLOT=1
check_fails "s7 read from a PUT/GET-off CPU" s7srv_cli read DB1.DBW0
check_fails "Snap7 multiread from a PUT/GET-off CPU" s7srv_snap7 multiread '[{"area":"DB","db":1,"start":0,"len":2}]'
check_ok "s7 info from a PUT/GET-off CPU" s7srv_cli info

sleep 1
kill -INT "$DUMPCAP_PID" 2>/dev/null
wait "$DUMPCAP_PID" 2>/dev/null
[ -s "$cap" ] || die "no capture written"

# ---------------------------------------------------------------- decode
TS=(tshark -n -r "$cap" -d "tcp.port==$A_PORT,tpkt" -d "tcp.port==$B_PORT,tpkt")
count() { "${TS[@]}" -Y "$1" 2>/dev/null | wc -l; }
bad="$("${TS[@]}" -Y "_ws.malformed || _ws.expert.severity >= 0x00800000" 2>"$S7_TEST_TMP/tshark.err")"
rc=$?
check_eq "$rc" 0 "tshark ran the malformed / expert-error filter ($(grep -v WARNING "$S7_TEST_TMP/tshark.err" | head -3))"
check_eq "$(printf '%s' "$bad" | head -20)" "" "no malformed packet and no expert error in the whole capture"
if [ -n "$bad" ]; then
    "${TS[@]}" -V -Y "_ws.malformed || _ws.expert.severity >= 0x00800000" 2>/dev/null | grep -E "Expert Info|Malformed|^Frame" | head -20
fi
total=$(count s7comm)
if [ "$total" -ge 150 ]; then pass "s7comm frames decoded: $total"; else fail "only $total s7comm frames decoded (want >= 150)"; fi
cr=$(count "cotp.type == 0x0e")
cc=$(count "cotp.type == 0x0d")
check_eq "$cc" "$cr" "every CR got a CC ($cr connections)"
# PDUs, not frames: pipelined requests and batched replies share TCP segments
pdus() { "${TS[@]}" -Y s7comm -T fields -e "$1" 2>/dev/null | tr ',' '\n' | grep -cxE "$2"; }
jobs=$(pdus s7comm.header.rosctr 1)
acks=$(pdus s7comm.header.rosctr '2|3')
check_eq "$acks" "$jobs" "every Job PDU answered ($jobs jobs)"
udreq=$(pdus s7comm.param.userdata.type 4)
udres=$(pdus s7comm.param.userdata.type 8)
check_eq "$udres" "$udreq" "every Userdata request answered ($udreq requests)"
for f in "s7comm.header.errcls == 0x81 && s7comm.header.errcod == 0x04:Ack 81 04 (PUT/GET off)" \
    "s7comm.header.errcls == 0x85 && s7comm.header.errcod == 0x00:Ack 85 00 (PDU exceeded)" \
    "s7comm.data.returncode == 0x0a:item 0x0A (object does not exist)" \
    "s7comm.data.returncode == 0x05:item 0x05 (address out of range)" \
    "s7comm.param.userdata.lastdataunit == 1:Userdata reply with more data units to follow (continuation)" \
    "s7comm.param.userdata.type == 8 && s7comm.param.userdata.seq_num > 0 && s7comm.param.userdata.lastdataunit == 0:last part of a continuation" \
    "s7comm.param.errcod == 0xd401 || s7comm.param.errcod == 0xd402:Userdata error D401/D402 (unknown SZL)" \
    "s7comm.header.rosctr == 3 && s7comm.param.func == 0x29:PLC stop answered" \
    "s7comm.header.rosctr == 3 && s7comm.param.func == 0x28:PLC start answered" \
    "s7comm.header.rosctr == 3 && s7comm.param.func == 0xf0:Setup Communication answered" \
    "s7comm.param.userdata.funcgroup == 7 && s7comm.param.userdata.type == 8:clock answered" \
    "s7comm.param.userdata.funcgroup == 1 && s7comm.param.userdata.type == 0:programmer command result pushed" \
    "s7comm.param.userdata.funcgroup == 2 && s7comm.param.userdata.type == 8 && s7comm.param.userdata.subfunc == 5:cyclic-data subscription answered" \
    "s7comm.param.userdata.funcgroup == 2 && s7comm.param.userdata.type == 0:cyclic-data push" \
    "s7comm.param.userdata.funcgroup == 4 && s7comm.param.userdata.subfunc == 0x13 && s7comm.param.userdata.type == 8:alarm query answered" \
    "s7comm.param.userdata.funcgroup == 3 && s7comm.param.userdata.subfunc == 2 && s7comm.param.userdata.lastdataunit == 1:list of blocks in parts" \
    "s7comm.header.rosctr == 3 && s7comm.param.func == 0x1e:upload part answered" \
    "s7comm.header.rosctr == 1 && s7comm.param.func == 0x1b:the CPU asks for a download part" \
    "s7comm.header.rosctr == 3 && s7comm.param.func == 0x1c:the PG acknowledges the download end"; do
    n=$(count "${f%%:*}")
    if [ "$n" -ge 1 ]; then pass "${f#*:}: $n"; else fail "${f#*:}: none in the capture"; fi
done
# the clock set to 2031-05-17 (Saturday) is read back with weekday 7 (1 = Sunday)
wd="$("${TS[@]}" -Y "s7comm.param.userdata.funcgroup == 7 && s7comm.param.userdata.subfunc == 1 && s7comm.param.userdata.type == 8 && s7comm.data.ts_year2 == 31" \
    -T fields -e s7comm.data.ts_day -e s7comm.data.ts_weekday 2>/dev/null | head -1)"
check_eq "$wd" "$(printf '17\t7')" "clock read back as day 17, weekday 7 (Saturday; 1 = Sunday)"
check_eq "$("${TS[@]}" -Y "s7comm.header.rosctr == 3 && s7comm.param.func == 0xf0" -T fields -e tcp.len 2>/dev/null | sort -u)" 27 \
    "every Setup Communication reply is a 27-byte frame"
check_eq "$("${TS[@]}" -Y "cotp.type == 0x0d" -T fields -e tcp.len 2>/dev/null | sort -u)" 22 "every CC is a 22-byte frame"

finish
