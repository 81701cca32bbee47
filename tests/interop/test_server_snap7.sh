#!/usr/bin/env bash
# node-snap7's Snap7 client (a peer we did not write) against s7kit's CPU emulator:
# every area (DB, I/PE, Q/PA, M/MK, T, C) read and written on an S7-300, T/C refused on an
# S7-1500, ReadMultiVars / WriteMultiVars, GetCpuInfo, GetOrderCode, GetCpInfo,
# GetProtection, GetPlcStatus, ReadSZL (incl. a list longer than the PDU: continuation),
# ReadSZLList, clock get/set, PlcStop / PlcHotStart / PlcColdStart; PUT/GET off as Snap7
# users see it (refused reads and writes, SZL served).  Values written by
# Snap7 are also read back with s7kit's own CLI, and the other way round.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_snap7
export TZ=UTC # Snap7's clock calls go through the local time of the node process

hexrep() { # hexrep BYTEHEX COUNT
    local s="" i
    for ((i = 0; i < $2; i++)); do s+="$1"; done
    printf '%s' "$s"
}

# ---------------------------------------------------------------- S7-300
S7SRV_SLOT=2
start_s7server --profile s7-300 --db 1:256 --db 2:1024 --db 7:16:ro \
    --set DB1.DBW0=4660 --set DB1.DBD4:REAL=3.5 --set MB10=7 --set IB2=85 --set QW4=258

check_eq "$(s7srv_snap7 pdu)" 240 "S7-300: negotiated PDU 240 (Snap7 asked 480)"
check_eq "$(s7srv_snap7 dbread 1 0 8)" 1234000040600000 "initial values by address (--set DB1.DBW0, DB1.DBD4:REAL)"
check_eq "$(s7srv_snap7 read MK 0 10 1)" 07 "initial value MB10=7"
check_eq "$(s7srv_snap7 read PE 0 2 1)" 55 "initial value IB2=85"
check_eq "$(s7srv_snap7 read PA 0 4 2)" 0102 "initial value QW4=258"

# DB: small write / read, and 1,000 bytes (Snap7 splits into PDU-sized requests)
check_ok "DBWrite DB1.100 deadbeef" s7srv_snap7 dbwrite 1 100 deadbeef
check_eq "$(s7srv_snap7 dbread 1 100 4)" deadbeef "DBRead DB1.100 after DBWrite"
check_eq "$(s7srv_snap7 dbread 1 98 8)" 0000deadbeef0000 "DBRead around the written bytes"
big=""
for ((i = 0; i < 1000; i++)); do big+=$(printf '%02x' $(((i * 7 + 3) & 255))); done
check_ok "DBWrite 1000 bytes into DB2 (5 requests at PDU 240)" s7srv_snap7 dbwrite 2 10 "$big"
check_eq "$(s7srv_snap7 dbread 2 10 1000)" "$big" "DBRead 1000 bytes of DB2 (5 requests) gives them back"
check_eq "$(s7srv_snap7 dbread 2 1010 14)" "$(hexrep 00 14)" "DB2 untouched after the written range"
check_fails "DBRead past the end of DB1 (256 bytes)" s7srv_snap7 dbread 1 250 8
check_contains "$S7_LAST_OUT" "Address out of range" "past the end: Snap7 says Address out of range (item 0x05)"
check_fails "DBRead of a missing DB" s7srv_snap7 dbread 99 0 2
check_contains "$S7_LAST_OUT" "Item not available" "missing DB: Snap7 says Item not available (item 0x0A)"
check_fails "DBWrite to the read-only DB7" s7srv_snap7 dbwrite 7 0 01
check_eq "$(s7srv_snap7 dbread 7 0 2)" 0000 "read-only DB7 readable and unchanged"

# I (PE), Q (PA), M (MK): Snap7 writes, Snap7 and s7kit's CLI read back
check_ok "WriteArea PE (inputs) 3 bytes at 20" s7srv_snap7 write PE 0 20 a1a2a3
check_eq "$(s7srv_snap7 read PE 0 20 3)" a1a2a3 "ReadArea PE after write"
check_ok "WriteArea PA (outputs) 2 bytes at 30" s7srv_snap7 write PA 0 30 b1b2
check_eq "$(s7srv_snap7 read PA 0 30 2)" b1b2 "ReadArea PA after write"
check_ok "WriteArea MK (flags) 4 bytes at 40" s7srv_snap7 write MK 0 40 c1c2c3c4
check_eq "$(s7srv_snap7 read MK 0 40 4)" c1c2c3c4 "ReadArea MK after write"
check_eq "$(s7srv_cli read IB20 QW30 MD40 DB1.DBD100 2>&1)" \
    "$(printf 'IB20 = 161\nQW30 = 45490\nMD40 = 3250766788\nDB1.DBD100 = 3735928559')" \
    "s7kit's CLI reads what Snap7 wrote (I, Q, M, DB)"
check_ok "s7kit CLI writes MW50 and DB1.DBW200" s7srv_cli write MW50=4660 DB1.DBW200=43981
check_eq "$(s7srv_snap7 read MK 0 50 2)$(s7srv_snap7 dbread 1 200 2)" 1234abcd "Snap7 reads what s7kit wrote"
check_fails "ReadArea past the end of M (1024 bytes)" s7srv_snap7 read MK 0 1022 4
check_contains "$S7_LAST_OUT" "Address out of range" "M past the end: Address out of range"

# Timers and counters: 2-byte elements, element N addressed as N
check_ok "WriteArea TM (timers) T5,T6" s7srv_snap7 write TM 0 5 01230456
check_eq "$(s7srv_snap7 read TM 0 4 4)" 0000012304560000 "ReadArea TM T4..T7"
check_ok "WriteArea CT (counters) C3" s7srv_snap7 write CT 0 3 0042
check_eq "$(s7srv_snap7 read CT 0 2 3)" 000000420000 "ReadArea CT C2..C4"
check_eq "$(s7srv_snap7 read TM 0 3 1)$(s7srv_snap7 read CT 0 5 1)" 00000000 "T3 and C5 untouched (no N>>1 mapping as in Snap7's server)"
check_fails "ReadArea CT past the last counter (256)" s7srv_snap7 read CT 0 255 2

# ReadMultiVars / WriteMultiVars
out="$(s7srv_snap7 multiread '[{"area":"DB","db":1,"start":0,"len":2},{"area":"MK","start":10,"len":1},
    {"area":"PE","start":2,"len":1},{"area":"PA","start":4,"len":2},{"area":"DB","db":99,"start":0,"len":2},
    {"area":"TM","start":5,"len":2},{"area":"CT","start":3,"len":1},{"area":"DB","db":1,"start":255,"len":2}]' 2>&1)"
check_eq "$out" "$(printf '1234\n07\n55\n0102\nerror: CPU : Item not available\n01230456\n0042\nerror: CPU : Address out of range')" \
    "ReadMultiVars over 8 items of every area (missing DB and past-the-end items fail alone)"
out="$(s7srv_snap7 multiwrite '[{"area":"DB","db":1,"start":210,"hex":"a1a2"},{"area":"MK","start":60,"hex":"b1"},
    {"area":"PA","start":70,"hex":"c1c2c3"},{"area":"CT","start":7,"hex":"0099"},{"area":"DB","db":99,"start":0,"hex":"01"},
    {"area":"TM","start":9,"hex":"1111"},{"area":"DB","db":7,"start":0,"hex":"ff"},{"area":"PE","start":80,"hex":"d1d2"}]' 2>&1)"
check_eq "$(printf '%s\n' "$out" | sed -n '1,4p;6p;8p' | tr '\n' ' ')" "ok ok ok ok ok ok " \
    "WriteMultiVars: the 6 valid items of 8 succeed"
check_eq "$(printf '%s\n' "$out" | sed -n 5p)" "error: CPU : Item not available" "WriteMultiVars: item to DB99 fails with 0x0A"
check_match "$(printf '%s\n' "$out" | sed -n 7p)" "^error: " "WriteMultiVars: item to read-only DB7 fails"
out="$(s7srv_snap7 multiread '[{"area":"DB","db":1,"start":210,"len":2},{"area":"MK","start":60,"len":1},
    {"area":"PA","start":70,"len":3},{"area":"CT","start":7,"len":1},{"area":"TM","start":9,"len":1},
    {"area":"PE","start":80,"len":2},{"area":"DB","db":7,"start":0,"len":1}]' 2>&1)"
check_eq "$out" "$(printf 'a1a2\nb1\nc1c2c3\n0099\n1111\nd1d2\n00')" "ReadMultiVars reads back what WriteMultiVars wrote"

# Identity and capabilities (the S7-300 profile)
out="$(s7srv_snap7 cpuinfo 2>&1)"
check_contains "$out" "ModuleTypeName=CPU 315-2 PN/DP" "GetCpuInfo ModuleTypeName"
check_contains "$out" "SerialNumber=S C-H4T327152015" "GetCpuInfo SerialNumber"
check_contains "$out" "ASName=SIMATIC 300(1)" "GetCpuInfo ASName"
check_contains "$out" "Copyright=Original Siemens Equipment" "GetCpuInfo Copyright"
check_contains "$out" "ModuleName=CPU 315-2 PN/DP" "GetCpuInfo ModuleName"
# Snap7 takes the version from the last 3 bytes of SZL 0x0011: on a 300 the last record is
# the boot loader's (index 0x0081), so it prints 32.9.9, as against a real 315-2
# (tests/vectors/real/snap7_s300_everything.pcapng), not the firmware V3.2.6
check_eq "$(s7srv_snap7 ordercode 2>&1)" "$(printf 'code=6ES7 315-2EH14-0AB0\nversion=32.9.9')" \
    "GetOrderCode: order code, and the boot loader's version as on a real 315-2"
out="$(s7srv_snap7 cpinfo 2>&1)"
check_contains "$out" "MaxPduLength=240" "GetCpInfo MaxPduLength (SZL 0x0131 index 1)"
check_contains "$out" "MaxConnections=16" "GetCpInfo MaxConnections"
check_contains "$(s7srv_snap7 protection 2>&1)" "sch_schal=1" "GetProtection: protection level 1 (SZL 0x0232)"

# ReadSZL: raw records as Snap7 assembles them
szl="$(s7srv_snap7 szl 0011 0000 2>&1)"
check_eq "${szl:0:8}" 001c0004 "SZL 0x0011: LENTHDR 28, 4 records as a real 315-2 (nmap's offsets kept)"
check_eq "${szl:8:4}/${szl:64:4}/${szl:120:4}/${szl:176:4}" 0001/0006/0007/0081 \
    "SZL 0x0011: records index 1, 6, 7 and the boot loader 0x0081 in that order"
check_eq "${szl:12:40}" "$(printf '6ES7 315-2EH14-0AB0 ' | od -An -tx1 | tr -d ' \n')" "SZL 0x0011 record 1: order code"
check_eq "${szl:168:8}" 56030206 "SZL 0x0011 record 7: 'V' 3.2.6"
check_eq "${#szl}" $(((4 + 4 * 28) * 2)) "SZL 0x0011: exactly 4 records"
szl="$(s7srv_snap7 szl 001c 0000 2>&1)"
check_eq "${szl:0:4}" 0022 "SZL 0x001C: LENTHDR 34"
n=$((16#${szl:4:4}))
check_eq "${#szl}" $(((4 + n * 34) * 2)) "SZL 0x001C: $n records all received"
if [ "$n" -ge 7 ]; then
    pass "SZL 0x001C: $n records ($((8 + n * 34)) bytes, more than a 240-byte PDU: continuation worked)"
else
    fail "SZL 0x001C: only $n records (want >= 7: indexes 1..5, 7 and more)"
fi
check_eq "${szl:8:4}/${szl:76:4}/${szl:144:4}/${szl:212:4}/${szl:280:4}" 0001/0002/0003/0004/0005 \
    "SZL 0x001C: records 1..5 first (positions Snap7 and nmap read)"
check_eq "$(s7srv_snap7 szl 0111 0001 2>&1 | cut -c1-52)" \
    "001c00010001$(printf '6ES7 315-2EH14-0AB0 ' | od -An -tx1 | tr -d ' \n')" "SZL 0x0111 index 1: one record, the order code"
check_eq "$(s7srv_snap7 szl 0111 0007 2>&1 | cut -c1-12)/$(s7srv_snap7 szl 0111 0007 2>&1 | cut -c53-)" \
    "001c00010007/00c056030206" "SZL 0x0111 index 7: one record, firmware V3.2.6"
check_eq "$(s7srv_snap7 szl 011c 0005 2>&1 | cut -c1-44)" \
    "002200010005$(printf 'S C-H4T327152015' | od -An -tx1 | tr -d ' \n')" "SZL 0x011C index 5: one record, the serial number"
check_eq "$(s7srv_snap7 szl 0f11 0000 2>&1)/$(s7srv_snap7 szl 0f1c 0000 2>&1)" "001c0004/0022$(printf '%04x' "$n")" \
    "SZL 0x0F11 / 0x0F1C: header only, counts as in 0x0011 / 0x001C"
check_fails "SZL 0x0111 of an index that does not exist (0x0099)" s7srv_snap7 szl 0111 0099
check_match "$(s7srv_snap7 szl 0424 0000 2>&1)" "^0014[0-9a-f]{4}[0-9a-f]{4}ff08" "SZL 0x0424: RUN (bzu-id 0x?8)"
check_match "$(s7srv_snap7 szl 0131 0001 2>&1)" "^0028[0-9a-f]{4}000100f00010" "SZL 0x0131 index 1: pdu 240, 16 connections"
check_ok "SZL 0x0132 index 1 (connections in use) answered" s7srv_snap7 szl 0132 0001
list="$(s7srv_snap7 szllist 2>&1 | tr '\n' ' ')"
for id in 0011 001c 0424 0131 0132 0232; do
    check_contains "$list" "$id" "ReadSZLList names 0x$id"
done
check_fails "ReadSZL of an unknown SZL 0x0999" s7srv_snap7 szl 0999 0000

# Clock
check_match "$(s7srv_snap7 clock 2>&1)" "^$(date -u +%Y-%m-%d)T" "GetPlcDateTime: today (the host clock)"
check_ok "SetPlcDateTime 2031-05-17T10:20:30" s7srv_snap7 setdate 2031-05-17T10:20:30
check_match "$(s7srv_snap7 clock 2>&1)" "^2031-05-17T10:20:3[0-3]$" "GetPlcDateTime after SetPlcDateTime"

# CPU state: stop, hot start (data kept), stop, cold start (DBs back to initial values)
check_eq "$(s7srv_snap7 plcstatus 2>&1)" run "GetPlcStatus: run"
check_ok "PlcStop" s7srv_snap7 stop
check_eq "$(s7srv_snap7 plcstatus 2>&1)" stop "GetPlcStatus after PlcStop: stop"
check_match "$(s7srv_snap7 szl 0424 0000 2>&1)" "^0014[0-9a-f]{4}[0-9a-f]{4}ff.4" "SZL 0x0424 in STOP: mode 4"
check_eq "$(s7srv_snap7 dbread 1 100 4)" deadbeef "DB readable in STOP"
check_ok "PlcHotStart" s7srv_snap7 start
check_eq "$(s7srv_snap7 plcstatus 2>&1)" run "GetPlcStatus after PlcHotStart: run"
check_eq "$(s7srv_snap7 dbread 1 100 4)" deadbeef "hot start keeps DB data"
s7srv_snap7 start >/dev/null 2>&1 # in RUN already: answered `28 03` (Snap7 reports an error
                                  # only when the header error is set as well)
check_eq "$(s7srv_snap7 plcstatus 2>&1)" run "PlcHotStart while in RUN leaves the CPU in RUN"
check_ok "PlcStop (2)" s7srv_snap7 stop
check_eq "$(s7srv_snap7 plcstatus 2>&1)" stop "GetPlcStatus: stop again"
check_ok "PlcColdStart" s7srv_snap7 coldstart
check_eq "$(s7srv_snap7 plcstatus 2>&1)" run "GetPlcStatus after PlcColdStart: run"
check_eq "$(s7srv_snap7 dbread 1 0 8)$(s7srv_snap7 dbread 1 100 4)" 123400004060000000000000 \
    "cold start: DB1 back to its initial values"

# Connection types
check_eq "$(s7srv_snap7 --type op dbread 1 0 2)" 1234 "OP connection served"
check_eq "$(s7srv_snap7 --type basic dbread 1 0 2)" 1234 "S7 basic connection served"
check_fails "slot 1 refused on an S7-300 (CPU in slot 2)" \
    "$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" --slot 1 --timeout 2000 "$S7SRV_ADDR" dbread 1 0 2

# ---------------------------------------------------------------- S7-1500
S7SRV_SLOT=1
start_s7server --profile s7-1500 --put-get on --db 1:64 --set DB1.DBW2=513
check_eq "$(s7srv_snap7 pdu)" 480 "S7-1500: PDU 480 (what Snap7 asks; the CPU allows 960)"
check_eq "$(s7srv_snap7 dbread 1 0 4)" 00000201 "S7-1500 DB read"
check_ok "S7-1500 MK write" s7srv_snap7 write MK 0 0 0102
check_eq "$(s7srv_snap7 read MK 0 0 2)" 0102 "S7-1500 MK read back"
check_fails "S7-1500: timers not served (ReadArea TM)" s7srv_snap7 read TM 0 0 1
check_match "$S7_LAST_OUT" "Item not available|Address out of range" "S7-1500 TM refused by item code"
check_fails "S7-1500: counters not served (ReadArea CT)" s7srv_snap7 read CT 0 0 1
check_fails "S7-1500: counters not writable (WriteArea CT)" s7srv_snap7 write CT 0 0 0001
out="$(s7srv_snap7 multiread '[{"area":"DB","db":1,"start":2,"len":2},{"area":"TM","start":0,"len":1}]' 2>&1)"
check_eq "$(printf '%s\n' "$out" | head -1)" 0201 "S7-1500 multi-read: DB item served next to a refused timer"
check_match "$(printf '%s\n' "$out" | sed -n 2p)" "^error: " "S7-1500 multi-read: timer item refused"
out="$(s7srv_snap7 cpuinfo 2>&1)"
check_contains "$out" "ModuleTypeName=CPU 1516-3 PN/DP" "S7-1500 GetCpuInfo ModuleTypeName"
check_eq "$(s7srv_snap7 ordercode 2>&1 | head -1)" "code=6ES7 516-3AN02-0AB0" "S7-1500 GetOrderCode"

# ---------------------------------------------------------------- S7-1500, PUT/GET off (default)
start_s7server --profile s7-1500 --db 1:64
# what Snap7 users see from a real CPU (s7-protocol.md 2.3 / 5): DBRead ignores the header
# error and reports the stale item byte, the multi-var and write calls decode 0x8104
check_fails "PUT/GET off: DBRead refused" s7srv_snap7 dbread 1 0 2
check_contains "$S7_LAST_OUT" "function refused by CPU" "PUT/GET off: Snap7 DBRead says 'function refused by CPU'"
check_fails "PUT/GET off: DBWrite refused" s7srv_snap7 dbwrite 1 0 01
check_contains "$S7_LAST_OUT" "Function not available" "PUT/GET off: Snap7 DBWrite says 'Function not available' (0x8104)"
check_fails "PUT/GET off: ReadMultiVars refused" s7srv_snap7 multiread '[{"area":"DB","db":1,"start":0,"len":2}]'
check_contains "$S7_LAST_OUT" "Function not available" "PUT/GET off: Snap7 ReadMultiVars says 'Function not available'"
check_eq "$(s7srv_snap7 ordercode 2>&1 | head -1)" "code=6ES7 516-3AN02-0AB0" "PUT/GET off: GetOrderCode (SZL) still served"
check_eq "$(s7srv_snap7 plcstatus 2>&1)" run "PUT/GET off: GetPlcStatus (SZL) still served"

finish
