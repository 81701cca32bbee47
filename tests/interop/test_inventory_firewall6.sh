#!/usr/bin/env bash
# s7 inventory firewall with IPv6 and a router of the inventory, applied for real in
# network namespaces: a router r with one interface per cell (lan1: line, lan2: scada,
# lan3: office), the CPU emulator in cell line on its IPv4 and its IPv6 address, a
# documented IPv6 partner ws in scada, an undocumented host rogue in scada and a spoofer
# in office that claims ws's address.  The iptables output (iptables + ip6tables through
# their -restore) is applied on r:
#   - the documented IPv6 path passes, an IPv6 SYN to 102 from anyone else is dropped, and
#     IPv4 102 (no IPv4 partner documented) is dropped;
#   - the rules are bound to the interfaces: the spoofer's SYN with ws's address entering
#     lan3 never reaches the CPU (the anti-spoofing rule counts it), while the same SYN
#     passes rules made from the inventory without its router (nothing binds them).
# Root only (skipped otherwise); the namespaces are removed on exit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"

need_s7_bin
need_netns timeout
command -v ip6tables-restore >/dev/null 2>&1 && command -v iptables-restore >/dev/null 2>&1 ||
    skip "iptables-restore / ip6tables-restore not installed (Debian: iptables)"

PLC4=10.78.1.10 PLC6=fd00:78:1::10 WS6=fd00:78:2::5 ROGUE6=fd00:78:2::66 ROGUE4=10.78.2.66

INV="$S7_TEST_TMP/plant6.yaml"
cat >"$INV" <<EOF
plant: IPv6 firewall test plant
cells:
  - {name: line, subnets: [10.78.1.0/24, 'fd00:78:1::/64']}
  - {name: scada, subnets: [10.78.2.0/24, 'fd00:78:2::/64']}
  - {name: office, subnet6: 'fd00:78:3::/64'}
partners:
  - {name: plc, address: '$PLC6', cell: line, kind: plc, profile: s7-1500}
  - {name: ws, address: '$WS6', cell: scada, roles: [scada, engineering]}
routers:
  - name: r1
    interfaces:
      - {name: lan1, address: [10.78.1.1/24, 'fd00:78:1::1/64'], cell: line}
      - {name: lan2, address: [10.78.2.1/24, 'fd00:78:2::1/64'], cell: scada}
      - {name: lan3, address: 'fd00:78:3::1/64', cell: office}
connections:
  - name: ws-plc
    active: ws
    passive: plc
    exchanges: [{get: 'P#DB1.DBX0.0 BYTE 16', cycle: 0.5s}]
EOF
check_ok "the IPv6 inventory is valid" "$S7_BIN" inventory validate "$INV"
# the same plant without its router: rules that bind no interface
sed '/^routers:/,/^connections:/{/^connections:/!d}' "$INV" >"$S7_TEST_TMP/norouter.yaml"
check_ok "the inventory without routers is valid" "$S7_BIN" inventory validate "$S7_TEST_TMP/norouter.yaml"

netns_add r
netns_forwarding r
netns_exec r sysctl -qw net.ipv6.conf.all.forwarding=1 || skip "IPv6 forwarding cannot be enabled here"
if ! { netns_exec r ip6tables -N S7PROBE &&
    netns_exec r ip6tables -A S7PROBE -m conntrack --ctstate ESTABLISHED -m comment --comment probe -j RETURN &&
    netns_exec r ip6tables -F S7PROBE && netns_exec r ip6tables -X S7PROBE; } >/dev/null 2>&1; then
    skip "ip6tables cannot load rules with conntrack in a namespace here"
fi

# each cell is a bridge lanN in r (rules bind to lanN), each host a veth on it
for c in 1 2 3; do
    netns_bridge r "lan$c"
    netns_exec r ip -6 addr add "fd00:78:$c::1/64" dev "lan$c" nodad
    [ "$c" = 3 ] || netns_exec r ip addr add "10.78.$c.1/24" dev "lan$c"
done
# host NAME CELLNUM ADDR...: a namespace on the bridge of cell CELLNUM
host() {
    local h="$1" c="$2" a
    shift 2
    netns_add "$h"
    netns_attach "$h" - r "lan$c"
    for a in "$@"; do
        case "$a" in
            *:*) netns_exec "$h" ip -6 addr add "$a" dev "$NETNS_IF_A" nodad ;;
            *) netns_exec "$h" ip addr add "$a" dev "$NETNS_IF_A" ;;
        esac
    done
    HOST_IF="$NETNS_IF_A"
}
host plc 1 "$PLC4/24" "$PLC6/64"
netns_exec plc ip route add default via 10.78.1.1
netns_exec plc ip -6 route add default via fd00:78:1::1
host ws 2 "$WS6/64" 10.78.2.5/24
netns_exec ws ip -6 route add default via fd00:78:2::1
netns_exec ws ip route add default via 10.78.2.1
host rogue 2 "$ROGUE6/64" "$ROGUE4/24"
netns_exec rogue ip -6 route add default via fd00:78:2::1
netns_exec rogue ip route add default via 10.78.2.1
# the spoofer sits in office but claims ws's address (its only global address)
host spoof 3 "$WS6/128"
netns_exec spoof ip -6 route add fd00:78:3::/64 dev "$HOST_IF"
netns_exec spoof ip -6 route add default via fd00:78:3::1 dev "$HOST_IF"
# r is not in one ns with both lan2 and lan3 claiming ws: it routes fd00:78:2::5 to lan2

netns_bg plc "$S7_TEST_TMP/srv6.log" "$S7_BIN" server --listen "[$PLC6]:102" --profile s7-1500 \
    --put-get on --db 1:16 --set DB1.DBB0=7 --quiet
netns_bg plc "$S7_TEST_TMP/srv4.log" "$S7_BIN" server --listen "$PLC4:102" --profile s7-1500 \
    --put-get on --db 1:16 --set DB1.DBB0=7 --quiet
netns_wait_tcp plc "$PLC6" 102 || { cat "$S7_TEST_TMP/srv6.log"; die "IPv6 emulator not up"; }
netns_wait_tcp plc "$PLC4" 102 || { cat "$S7_TEST_TMP/srv4.log"; die "IPv4 emulator not up"; }
# neighbour discovery through the router settles before anything is asserted (bounded)
for h in ws rogue; do
    netns_wait_tcp "$h" "$PLC6" 102 || die "$h cannot reach [$PLC6]:102 without rules"
done

# s7path FROM HOST: pass / dropped (connect timed out) / other
s7path() {
    local out rc=0
    out="$(netns_exec "$1" "$S7_BIN" read "$2" DB1.DBB0 --timeout 1s 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo pass
    elif [ "$rc" -eq 3 ] && [[ "$out" == *"timed out"* ]]; then
        echo dropped
    else
        echo "other (exit $rc): ${out%%$'\n'*}"
    fi
}
expect() { check_eq "$(s7path "$2" "$3")" "$1" "$4: $2 -> $3 $1"; }

# the SYNs from ws's address that reach plc (a counting rule in plc's INPUT)
netns_exec plc ip6tables -A INPUT -s "$WS6" -p tcp --dport 102 --syn -m comment --comment wscount
ws_syns() { netns_exec plc ip6tables -L INPUT -v -n -x | awk '/wscount/ {print $1}'; }

expect pass ws "[$PLC6]:102" "no rules yet"
expect pass rogue "[$PLC6]:102" "no rules yet"
expect pass rogue "$PLC4:102" "no rules yet"

# ---------------------------------------------------------------- bound to r1's interfaces
R="$S7_TEST_TMP/r1.sh"
check_ok "iptables script for router r1" "$S7_BIN" inventory firewall "$INV" --format iptables -o "$R"
check_contains "$(cat "$R")" "-i lan2 -o lan1 -s $WS6/128 -d $PLC6/128" "r1.sh: the IPv6 rule binds lan2 -> lan1"
check_ok "the script loads iptables and ip6tables rules on r" netns_exec r sh "$R"
check_contains "$(netns_exec r ip6tables -S S7KIT-FWD)" "ws-plc: ws -> plc:102" "ip6tables holds the documented path"
check_eq "$(netns_exec r ip6tables -S FORWARD | grep -c -- '-j S7KIT-FWD')" 1 "ip6tables: one jump into S7KIT-FWD"
expect pass ws "[$PLC6]:102" "bound rules: the documented IPv6 partner"
expect dropped rogue "[$PLC6]:102" "bound rules: IPv6 SYN to 102 from an undocumented host"
expect dropped rogue "$PLC4:102" "bound rules: IPv4 102 (no IPv4 partner documented)"
expect dropped ws "$PLC4:102" "bound rules: ws over IPv4 (its documented path is IPv6)"
before="$(ws_syns)"
check_eq "$(s7path spoof "[$PLC6]:102")" dropped "bound rules: the spoofer's connect fails"
check_eq "$(ws_syns)" "$before" "bound rules: no SYN with ws's address from lan3 reached plc"
spoofed="$(netns_exec r ip6tables -L S7KIT-FWD -v -n -x | awk '/S7 from lan3 must come from cell office/ && /dpt:102/ {print $1}')"
check_ne "${spoofed:-0}" 0 "bound rules: the anti-spoofing rule of lan3 dropped it"

for t in iptables ip6tables; do
    netns_exec r $t -D FORWARD -j S7KIT-FWD && netns_exec r $t -F S7KIT-FWD && netns_exec r $t -X S7KIT-FWD
done
expect pass rogue "[$PLC6]:102" "rules removed as the header says"

# ---------------------------------------------------------------- the same, unbound
U="$S7_TEST_TMP/unbound.sh"
check_ok "iptables script without a router" "$S7_BIN" inventory firewall "$S7_TEST_TMP/norouter.yaml" --format iptables -o "$U"
check_ok "the unbound script loads on r" netns_exec r sh "$U"
expect dropped rogue "[$PLC6]:102" "unbound rules: IPv6 SYN to 102 still dropped"
before="$(ws_syns)"
s7path spoof "[$PLC6]:102" >/dev/null
after="$(ws_syns)"
check_ne "$after" "$before" "unbound rules: the spoofed SYN passes the router (what binding prevents)"

finish
