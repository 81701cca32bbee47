#!/usr/bin/env bash
# s7 info against the Snap7 server: the identity it prints is what Snap7's own client reads
# (GetCpuInfo / GetOrderCode), the CPU state follows the server, the negotiated PDU and the
# TSAPs follow the options, and --json carries the same facts.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
need_snap7
start_snap7 --fixture standard
T="127.0.0.1:$SNAP7_PORT"

out=$("$S7_BIN" info "$T" 2>&1)
rc=$?
check_eq "$rc" 0 "info exits 0"

# What Snap7's client reads, key=value lines.
ci=$(snap7_local cpuinfo)
oc=$(snap7_local ordercode)
val() { printf '%s\n' "$1" | sed -n "s/^$2=//p"; }
check_match "$out" "order code +$(val "$oc" code)" "order code as Snap7 reads it"
check_match "$out" "module type +$(val "$ci" ModuleTypeName)" "module type as Snap7 reads it"
check_match "$out" "system name +$(val "$ci" ASName)" "system (AS) name as Snap7 reads it"
check_match "$out" "module name +$(val "$ci" ModuleName)" "module name as Snap7 reads it"
check_match "$out" "copyright +$(val "$ci" Copyright)" "copyright as Snap7 reads it"
check_match "$out" "serial number +$(val "$ci" SerialNumber)" "serial as Snap7 reads it"
# Firmware from SZL 0x0011 index 7 (what nmap's s7-info prints as 3.2.6).
check_match "$out" "firmware +V3\.2\.6" "firmware V3.2.6"
check_match "$out" "cpu state +RUN" "CPU state RUN"
check_match "$out" "pdu size +960 bytes \(requested 960\)" "negotiated PDU 960"
check_match "$out" "tsaps +local 0100, remote 0101" "TSAPs of rack 0 slot 1 PG"
check_match "$out" "protection +1 \(no protection\)" "protection level from SZL 0x0232"
check_match "$out" "connections +[0-9]+ used of 1024" "connections: use of Snap7's 1024"
check_match "$out" "put/get +permitted" "PUT/GET permitted"

# Options change what is negotiated and which TSAPs go out.
out=$("$S7_BIN" info "$T" --pdu 480 --slot 2 --type op 2>&1)
check_match "$out" "pdu size +480 bytes \(requested 480\)" "--pdu 480 negotiated"
check_match "$out" "tsaps +local 0100, remote 0202" "--slot 2 --type op: remote TSAP 0202"
out=$("$S7_BIN" info "$T" --tsap 1000:1001 2>&1)
check_match "$out" "tsaps +local 1000, remote 1001" "--tsap 1000:1001 used as given"

# --json
out=$("$S7_BIN" info "$T" --json)
rc=$?
check_eq "$rc" 0 "info --json exits 0"
check_contains "$out" "\"order_code\": \"$(val "$oc" code)\"" "json order_code"
check_contains "$out" "\"as_name\": \"SNAP7-SERVER\"" "json as_name"
check_contains "$out" "\"serial\": \"$(val "$ci" SerialNumber)\"" "json serial"
check_contains "$out" '"state": "run"' "json cpu state"
check_contains "$out" '"pdu": 960' "json pdu"
check_contains "$out" '"tsap": "0100:0101"' "json tsap"
check_contains "$out" '"put_get": true' "json put_get"
check_eq "$(printf '%s' "$out" | "$S7_NODE" -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const o=JSON.parse(s);console.log(o.cpu.firmware+" "+o.connections.max)})')" \
    "V3.2.6 1024" "json parses; cpu.firmware and connections.max"

# A stopped CPU says STOP.
start_snap7 --fixture standard --cpu-status stop
out=$("$S7_BIN" info "127.0.0.1:$SNAP7_PORT" 2>&1)
check_match "$out" "cpu state +STOP" "CPU state STOP"

finish
