#!/usr/bin/env bash
# s7 guard deployed as in docs/guard.md, in network namespaces (root): a client cell, a
# rogue host, the gateway namespace running the guard, the CPU cell with s7kit's emulator
# reachable only through the gateway (no forwarding there; the emulator allows only the
# gateway's address).
#   the documented partner reads through the guard; an undocumented source address is
#   refused at its CR (no CC; the audit log says why); a client trying the CPU's address
#   directly gets nothing (no bypass); with the guard stopped the client gets no
#   connection at all (fail closed).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_netns
need_s7_bin

netns_add cli
netns_add rogue
netns_add gw
netns_add cpu
netns_link cli 10.71.1.2/24 gw 10.71.1.1/24
netns_link rogue 10.71.3.2/24 gw 10.71.3.1/24
netns_link gw 10.71.2.1/24 cpu 10.71.2.2/24
netns_route cli 10.71.1.1
netns_route rogue 10.71.3.1
netns_route cpu 10.71.2.1
# the gateway does not forward: the CPU cell is reachable only through the guard
netns_exec gw sysctl -qw net.ipv4.ip_forward=0

netns_bg cpu "$S7_TEST_TMP/cpu.log" "$S7_BIN" server --listen 10.71.2.2:102 --profile s7-300 \
    --db 10:64 --set DB10.DBW0=4660 --allow 10.71.2.1/32
netns_wait_tcp gw 10.71.2.2 102 || die "the emulator did not come up"

cat >"$S7_TEST_TMP/rules.yaml" <<EOF
partners:
  - name: scada
    address: 10.71.1.2
    read: [DB10.DBB0..63]
EOF
# --listen ADDR without a port: port 102 (as root), as s7 help guard says (ADDR[:PORT])
netns_bg gw "$S7_TEST_TMP/guard.log" "$S7_BIN" guard --listen 0.0.0.0 --upstream 10.71.2.2 \
    --rules "$S7_TEST_TMP/rules.yaml" --audit "$S7_TEST_TMP/guard.audit"
GPID=$NETNS_PID
netns_wait_tcp cli 10.71.1.1 102 || die "the guard did not come up"
check_ok "--listen 0.0.0.0 (no port): the guard listens on port 102" \
    grep -q "listening on 0.0.0.0:102," "$S7_TEST_TMP/guard.log"

check_eq "$(netns_exec cli "$S7_BIN" read 10.71.1.1 DB10.DBW0 --slot 2 2>&1)" "DB10.DBW0 = 4660" \
    "the documented partner reads through the guard"
out="$(netns_exec rogue "$S7_BIN" read 10.71.3.1 DB10.DBW0 --slot 2 --timeout 2000 2>&1)"
check_eq "$?" 3 "an undocumented source address gets no connection (exit 3)"
check_match "$out" "refused|closed|reset" "the client saw its connection request refused: $out"
check_match "$(cat "$S7_TEST_TMP/guard.audit")" \
    '"peer": "10\.71\.3\.2:[0-9]+", "op": "connect", "result": "refused: no partner documented for address 10\.71\.3\.2"' \
    "audit: the refused CR with its source address and why"
check_fails "no bypass: the CPU's address is not reachable from the client cell" \
    netns_tcp_open cli 10.71.2.2 102 1
check_fails "no bypass from the rogue host either" netns_tcp_open rogue 10.71.2.2 102 1

netns_kill "$GPID"
check_fails "guard stopped: no connection to the guard's address" netns_tcp_open cli 10.71.1.1 102 1
check_fails "guard stopped: no connection to the CPU's address" netns_tcp_open cli 10.71.2.2 102 1
out="$(netns_exec cli "$S7_BIN" read 10.71.1.1 DB10.DBW0 --slot 2 --timeout 1000 2>&1)"
check_eq "$?" 3 "guard stopped: the client's read fails with no connection"
finish
