#!/usr/bin/env bash
# nmap's s7-info script (a peer we did not write: fixed-offset parsing of SZL 0x0011 and
# 0x001C, shared/docs/s7-protocol.md 6.4) against s7kit's CPU emulator on 127.0.0.1:102,
# with an identity that is not any profile's default, set in a --config file: every line
# nmap prints must be what we configured.  Also checks that nmap's connection was an
# orderly one (the server logged its connect and close, no refusal).
# Root only (port 102); skipped when not root or when 102 is taken.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
[ "$(id -u)" -eq 0 ] || skip "nmap's s7-info only probes port 102, which needs root"
need_cmd nmap
need_s7_server
if _s7srv_accepts 102; then skip "port 102 is in use on 127.0.0.1 (another server runs there)"; fi
if ! _s7_port_bindable 102; then skip "port 102 cannot be bound on 127.0.0.1"; fi

conf="$S7_TEST_TMP/nmap-cpu.yaml"
cat >"$conf" <<'EOF'
# identity nobody ships: every value below must come back through nmap
profile: s7-300
identity:
  order_code: "6ES7 317-2EK14-0AB0"
  firmware: "3.3.12"
  module_type: "CPU 317-2 PN/DP (s7kit)"
  as_name: "S7KIT-NMAP-STATION"
  module_name: "PLC_NMAP_TEST"
  plant_id: "Hall 9 line 4"
  copyright: "s7kit test copyright"
  serial: "S C-NMAP00042T"
dbs:
  - number: 1
    size: 16
EOF

S7SRV_SLOT=2
S7SRV_SKIP_IF_BUSY=1 start_s7server --config "$conf" --listen 127.0.0.1:102

out="$(nmap -n -Pn -p 102 --script s7-info 127.0.0.1 2>&1)"
printf '%s\n' "$out" | sed 's/^/  nmap| /'
check_match "$out" "102/tcp +open" "nmap sees 102/tcp open"
check_contains "$out" "s7-info:" "s7-info produced a table"
field() { printf '%s\n' "$out" | sed -n "s/^|[_ ] *$1: //p" | head -1 | sed 's/[[:space:]]*$//'; }
check_eq "$(field Module)" "6ES7 317-2EK14-0AB0" "Module: the configured order code (SZL 0x0011 record 1)"
check_eq "$(field 'Basic Hardware')" "6ES7 317-2EK14-0AB0" "Basic Hardware: the order code (SZL 0x0011 index 6)"
check_eq "$(field Version)" "3.3.12" "Version: the configured firmware (SZL 0x0011 index 7)"
check_eq "$(field 'System Name')" "S7KIT-NMAP-STATION" "System Name: as_name (SZL 0x001C index 1)"
check_eq "$(field 'Module Type')" "PLC_NMAP_TEST" "Module Type: module name (SZL 0x001C index 2, where nmap reads it)"
check_eq "$(field 'Plant Identification')" "Hall 9 line 4" "Plant Identification: plant_id (SZL 0x001C index 3)"
check_eq "$(field Copyright)" "s7kit test copyright" "Copyright (SZL 0x001C index 4)"
check_eq "$(field 'Serial Number')" "S C-NMAP00042T" "Serial Number (SZL 0x001C index 5)"
check_match "$out" "Service Info: Device: specialized" "nmap files the host as a specialized device"

# the same identity through Snap7's and s7kit's clients (index 7 = module type)
if [ -f "$NODE_PATH/node-snap7/build/Release/node_snap7.node" ]; then
    ci="$(s7srv_snap7 cpuinfo 2>&1)"
    check_contains "$ci" "ModuleTypeName=CPU 317-2 PN/DP (s7kit)" "Snap7 GetCpuInfo ModuleTypeName = module_type (index 7)"
    check_contains "$ci" "ModuleName=PLC_NMAP_TEST" "Snap7 GetCpuInfo ModuleName"
    # Snap7 takes the version from the last record of SZL 0x0011: on a 300 that is the boot
    # loader's (index 0x0081), so it prints V32.9.9 here as against a real 315-2
    # (tests/vectors/real/snap7_s300_everything.pcapng), not the firmware nmap shows
    check_eq "$(s7srv_snap7 ordercode 2>&1)" "$(printf 'code=6ES7 317-2EK14-0AB0\nversion=32.9.9')" "Snap7 GetOrderCode (the boot loader's version, as on a real 300)"
fi

# nmap's connection was accepted (its first CR names rack 0 slot 2, where this CPU sits)
check_ok "server logged nmap's connection" s7srv_log_has "connected 127\.0\.0\.1:[0-9]+"
if s7srv_log_has "refused"; then fail "the server refused something during the scan: $(grep refused "$S7SRV_LOG" | head -3)"; else pass "no refusal logged"; fi

# an emulated S7-1500 (slot 1): nmap asks 0x0102 (slot 2, refused as by a real 1500), then
# 0x0200 (rack 0 slot 0), which a 1200 / 1500 accepts as well as slot 1, so it identifies it
stop_s7server
S7SRV_SLOT=1
S7SRV_SKIP_IF_BUSY=1 start_s7server --profile s7-1500 --listen 127.0.0.1:102
out="$(nmap -n -Pn -p 102 --script s7-info 127.0.0.1 2>&1)"
printf '%s\n' "$out" | sed 's/^/  nmap 1500| /'
check_eq "$(field Module)" "6ES7 516-3AN02-0AB0" "S7-1500: nmap's s7-info identifies it (through rack 0 slot 0)"
check_ok "S7-1500: the server logged a connection" s7srv_log_has "connected 127\.0\.0\.1:[0-9]+"

finish
