#!/usr/bin/env bash
# s7 inventory firewall, applied for real: network namespaces make a small plant (three
# cells, each a bridge in a router namespace; six hosts, each running the CPU emulator on
# its own address, port 102), the rules generated from an inventory are applied, and S7
# reads (`s7 read` from one host's namespace to another's emulator) show that documented
# paths pass and undocumented ones are dropped (a TCP connect that times out), while the
# rest of the traffic (ping, another TCP port, loopback) is untouched and the system's
# own rules stay.  Both scopes: the router between the cells (FORWARD) and every host on
# its own (--host, INPUT/OUTPUT); both formats when the tools are there (nftables and
# iptables).  Root only (skipped otherwise); the namespaces are removed on exit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"

need_s7_bin
need_netns timeout
HAVE_PING=""
command -v ping >/dev/null 2>&1 && HAVE_PING=1
HAVE_NFT=""
HAVE_IPT=""
command -v nft >/dev/null 2>&1 && HAVE_NFT=1
command -v iptables >/dev/null 2>&1 && command -v iptables-restore >/dev/null 2>&1 && HAVE_IPT=1
[ -n "$HAVE_NFT$HAVE_IPT" ] || skip "neither nft nor iptables is installed"

# ---------------------------------------------------------------- the plant
# cell line 10.77.1.0/24: hmi, plcline; cell machines 10.77.2.0/24: filler, capper;
# cell control 10.77.3.0/24: es and rogue (rogue is in no inventory: an intruder's laptop)
declare -A IP=([hmi]=10.77.1.20 [plcline]=10.77.1.10 [filler]=10.77.2.10 [capper]=10.77.2.11
    [es]=10.77.3.5 [rogue]=10.77.3.66)
declare -A CELL=([hmi]=1 [plcline]=1 [filler]=2 [capper]=2 [es]=3 [rogue]=3)
HOSTS=(hmi plcline filler capper es rogue)
DOCUMENTED=(hmi plcline filler capper es)

INV="$S7_TEST_TMP/plant.yaml"
cat >"$INV" <<EOF
plant: firewall test plant
cells:
  - {name: line, subnet: 10.77.1.0/24}
  - {name: machines, subnet: 10.77.2.0/24}
  - {name: control, subnet: 10.77.3.0/24}
partners:
  - {name: hmi, address: ${IP[hmi]}, cell: line, kind: hmi, type: op}
  - {name: plcline, address: ${IP[plcline]}, cell: line, kind: plc, profile: s7-1500}
  - {name: filler, address: ${IP[filler]}, cell: machines, kind: plc, profile: s7-1500}
  - {name: capper, address: ${IP[capper]}, cell: machines, kind: plc, profile: s7-1500}
  - {name: es, address: ${IP[es]}, cell: control, kind: engineering}
connections:
  - name: hmi-line
    active: hmi
    passive: plcline
    exchanges: [{direction: GET, range: DB1.DBB0..DBB15, cycle: 500}]
  - name: line-filler
    active: plcline
    passive: filler
    type: basic
    exchanges:
      - {get: DB1.DBB0..DBB7, cycle: 100}
      - {put: DB1.DBB8..DBB15, cycle: 100}
  - name: hmi-capper
    active: hmi
    passive: capper
    exchanges: [{get: DB1.DBB0..DBB15, cycle: 1s}]
  - name: es-line
    active: es
    passive: plcline
    exchanges: [{get: DB1.DBB0..DBB15, cycle: event}]
EOF
check_ok "the test inventory is valid" "$S7_BIN" inventory validate "$INV"

netns_add r
netns_forwarding r
# the tools may be installed while the kernel lacks what they need (a container): probe
if [ -n "$HAVE_NFT" ] && ! { netns_exec r nft add table inet s7probe &&
    netns_exec r nft add chain inet s7probe c '{ type filter hook forward priority 0; }' &&
    netns_exec r nft add rule inet s7probe c ct state established accept &&
    netns_exec r nft delete table inet s7probe; } >/dev/null 2>&1; then
    echo "note: nft cannot load rules with conntrack here: the nftables format is not tested"
    HAVE_NFT=""
fi
if [ -n "$HAVE_IPT" ] && ! { netns_exec r iptables -N S7PROBE &&
    netns_exec r iptables -A S7PROBE -m conntrack --ctstate ESTABLISHED -m comment --comment probe -j RETURN &&
    netns_exec r iptables -F S7PROBE && netns_exec r iptables -X S7PROBE; } >/dev/null 2>&1; then
    echo "note: iptables cannot load rules with conntrack here: the iptables format is not tested"
    HAVE_IPT=""
fi
[ -n "$HAVE_NFT$HAVE_IPT" ] || skip "neither nft nor iptables can load rules in a namespace here"
for c in 1 2 3; do netns_bridge r "br$c" "10.77.$c.1/24"; done
for h in "${HOSTS[@]}"; do
    netns_add "$h"
    netns_attach "$h" "${IP[$h]}/24" r "br${CELL[$h]}"
    netns_route "$h" "10.77.${CELL[$h]}.1"
done
# every host serves S7 on its own address (so a reverse path would work if not dropped);
# plcline also on 1102: another TCP service that the rules must leave alone
for h in "${HOSTS[@]}"; do
    netns_bg "$h" "$S7_TEST_TMP/srv-$h.log" "$S7_BIN" server --listen "${IP[$h]}:102" \
        --profile s7-1500 --put-get on --db 1:16 --set DB1.DBB0=7 --quiet
done
netns_bg plcline "$S7_TEST_TMP/srv-plcline-1102.log" "$S7_BIN" server --listen "${IP[plcline]}:1102" \
    --profile s7-1500 --put-get on --db 1:16 --set DB1.DBB0=9 --quiet
for h in "${HOSTS[@]}"; do
    netns_wait_tcp "$h" "${IP[$h]}" 102 || { cat "$S7_TEST_TMP/srv-$h.log"; die "emulator of $h not up"; }
done
netns_wait_tcp plcline "${IP[plcline]}" 1102 || die "emulator of plcline on 1102 not up"

# s7path FROM TO [PORT]: pass (s7 read from FROM's namespace got DB1.DBB0), dropped (the TCP
# connect timed out: a firewall drops it), or what else happened.
s7path() {
    local from="$1" to="$2" port="${3:-102}" out rc=0
    out="$(netns_exec "$from" "$S7_BIN" read "${IP[$to]}:$port" DB1.DBB0 --timeout 1000 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ]; then
        echo pass
    elif [ "$rc" -eq 3 ] && [[ "$out" == *"timed out"* ]]; then
        echo dropped
    else
        echo "other (exit $rc): ${out%%$'\n'*}"
    fi
}

# expect WANT FROM TO [PORT] WHY
expect() {
    local want="$1" from="$2" to="$3" port="$4" why="$5"
    check_eq "$(s7path "$from" "$to" "$port")" "$want" "$why: $from -> $to:$port $want"
}

# ping_ok FROM TO WHY: ICMP passes (when ping is installed)
ping_ok() {
    [ -n "$HAVE_PING" ] || return 0
    if netns_exec "$1" ping -c 1 -W 2 "${IP[$2]}" >/dev/null 2>&1; then
        pass "$3"
    else
        fail "$3: ping $1 -> $2 lost"
    fi
}

# ---------------------------------------------------------------- without rules
for p in "hmi plcline" "es plcline" "plcline filler" "hmi capper" "filler plcline" "rogue plcline" \
    "es filler" "capper filler" "plcline es"; do
    set -- $p
    expect pass "$1" "$2" 102 "no rules yet"
done

# ---------------------------------------------------------------- checks per scope

# The router between the cells.
router_checks() {
    local fmt="$1"
    expect pass es plcline 102 "$fmt router: documented es-line (control -> line)"
    expect pass plcline filler 102 "$fmt router: documented line-filler (line -> machines)"
    expect pass hmi capper 102 "$fmt router: documented hmi-capper (line -> machines)"
    expect pass hmi plcline 102 "$fmt router: documented hmi-line (inside cell line)"
    expect dropped filler plcline 102 "$fmt router: the reverse of line-filler"
    expect dropped plcline es 102 "$fmt router: the reverse of es-line"
    expect dropped es filler 102 "$fmt router: a documented host to a partner it has no connection with"
    expect dropped rogue plcline 102 "$fmt router: a host that is not in the inventory"
    expect dropped rogue capper 102 "$fmt router: a host that is not in the inventory"
    expect pass rogue plcline 1102 "$fmt router: another TCP port is untouched"
    ping_ok rogue plcline "$fmt router: ping through the router is untouched"
    # a switch port is not a router port: intra-cell traffic never meets the router's rules
    expect pass capper filler 102 "$fmt router: inside a cell the router sees nothing (per-host rules restrict it)"
}

# Every documented host with its own rules (rogue has none: it is not ours).
host_checks() {
    local fmt="$1"
    expect pass hmi plcline 102 "$fmt hosts: documented hmi-line (inside cell line)"
    expect pass es plcline 102 "$fmt hosts: documented es-line"
    expect pass plcline filler 102 "$fmt hosts: documented line-filler"
    expect pass hmi capper 102 "$fmt hosts: documented hmi-capper"
    expect dropped capper filler 102 "$fmt hosts: undocumented, inside cell machines"
    expect dropped filler plcline 102 "$fmt hosts: the reverse of line-filler"
    expect dropped plcline hmi 102 "$fmt hosts: the reverse of hmi-line"
    expect dropped hmi filler 102 "$fmt hosts: a documented host to a partner it has no connection with"
    expect dropped rogue plcline 102 "$fmt hosts: a host that is not in the inventory"
    expect dropped rogue es 102 "$fmt hosts: a host that is not in the inventory, to a client"
    expect pass rogue plcline 1102 "$fmt hosts: another TCP port is untouched"
    ping_ok rogue plcline "$fmt hosts: ping is untouched"
    expect pass plcline plcline 102 "$fmt hosts: a host reaching its own emulator (loopback) is untouched"
}

# rules_mention FILE: the comments name every connection the file serves.
rules_mention() {
    local file="$1" what="$2" c
    shift 2
    for c in "$@"; do
        check_contains "$(cat "$file")" "$c:" "$what names connection $c"
    done
}

# ---------------------------------------------------------------- nftables
if [ -n "$HAVE_NFT" ]; then
    R="$S7_TEST_TMP/router.nft"
    check_ok "nftables rules for the router" "$S7_BIN" inventory firewall "$INV" --format nftables -o "$R"
    rules_mention "$R" "router.nft" line-filler hmi-capper es-line
    check_contains "$(cat "$R")" "(they never cross the router: put them in the hosts' own" "router.nft: inside-cell connections listed apart"
    check_eq "$(grep -c 'hmi-line:' "$R")" 0 "router.nft: no rule for hmi-line (inside cell line)"
    # the system's own rules (a table of its own) must survive
    netns_exec r nft add table inet canary
    netns_exec r nft add chain inet canary c '{ type filter hook forward priority 10; }'
    netns_exec r nft add rule inet canary c udp dport 9 counter comment '"canary"'
    check_ok "nft -f applies the router rules" netns_exec r nft -f "$R"
    check_ok "nft -f applies them again (replaces its own table)" netns_exec r nft -f "$R"
    check_eq "$(netns_exec r nft list tables | grep -c 's7kit')" 1 "nft: one table s7kit after two runs"
    check_contains "$(netns_exec r nft list table inet canary 2>&1)" canary "nft: the system's other table is untouched"
    router_checks nftables
    check_ok "nft: the rules are removed as the header says" netns_exec r nft delete table inet s7kit
    expect pass filler plcline 102 "nftables removed"
    netns_exec r nft delete table inet canary

    for h in "${DOCUMENTED[@]}"; do
        check_ok "nftables rules for host $h" "$S7_BIN" inventory firewall "$INV" --format nftables \
            --host "$h" -o "$S7_TEST_TMP/$h.nft"
        check_ok "nft -f applies the rules of $h in its namespace" netns_exec "$h" nft -f "$S7_TEST_TMP/$h.nft"
    done
    rules_mention "$S7_TEST_TMP/plcline.nft" "plcline.nft" hmi-line line-filler es-line
    check_eq "$(grep -c 'hmi-capper' "$S7_TEST_TMP/plcline.nft")" 0 "plcline.nft: no rule for a connection plcline is not in"
    host_checks nftables
    for h in "${DOCUMENTED[@]}"; do netns_exec "$h" nft delete table inet s7kit; done
    expect pass capper filler 102 "nftables host rules removed"
fi

# ---------------------------------------------------------------- iptables
if [ -n "$HAVE_IPT" ]; then
    R="$S7_TEST_TMP/router.sh"
    check_ok "iptables script for the router" "$S7_BIN" inventory firewall "$INV" --format iptables -o "$R"
    rules_mention "$R" "router.sh" line-filler hmi-capper es-line
    check_contains "$(cat "$R")" "(they never cross the router: put them in the hosts' own" "router.sh: inside-cell connections listed apart"
    check_eq "$(grep -c 'hmi-line:' "$R")" 0 "router.sh: no rule for hmi-line (inside cell line)"
    netns_exec r iptables -A FORWARD -p udp --dport 9 -m comment --comment canary -j ACCEPT
    check_ok "the iptables script applies the router rules" netns_exec r sh "$R"
    check_ok "the iptables script applies them again" netns_exec r sh "$R"
    check_eq "$(netns_exec r iptables -S FORWARD | grep -c -- '-j S7KIT-FWD')" 1 "iptables: one jump into S7KIT-FWD after two runs"
    check_contains "$(netns_exec r iptables -S FORWARD)" canary "iptables: the system's own rule is untouched"
    router_checks iptables
    check_ok "iptables: the rules are removed as the header says" netns_exec r sh -c \
        'iptables -D FORWARD -j S7KIT-FWD && iptables -F S7KIT-FWD && iptables -X S7KIT-FWD'
    expect pass filler plcline 102 "iptables removed"

    # the bare iptables-restore file (with --noflush) does the same for the chain itself
    check_ok "iptables-restore file for the router" "$S7_BIN" inventory firewall "$INV" --format iptables-restore -o "$S7_TEST_TMP/router.rules"
    check_ok "iptables-restore --noflush loads it" netns_exec r iptables-restore --noflush "$S7_TEST_TMP/router.rules"
    check_contains "$(netns_exec r iptables -S S7KIT-FWD)" "line-filler: plcline -> filler:102" "iptables-restore: chain S7KIT-FWD filled"
    check_contains "$(netns_exec r iptables -S FORWARD)" canary "iptables-restore --noflush: the system's own rule is untouched"
    netns_exec r sh -c 'iptables -F S7KIT-FWD && iptables -X S7KIT-FWD'

    for h in "${DOCUMENTED[@]}"; do
        check_ok "iptables script for host $h" "$S7_BIN" inventory firewall "$INV" --format iptables \
            --host "$h" -o "$S7_TEST_TMP/$h.sh"
        check_ok "the iptables script of $h applies in its namespace" netns_exec "$h" sh "$S7_TEST_TMP/$h.sh"
    done
    host_checks iptables
    for h in "${DOCUMENTED[@]}"; do
        netns_exec "$h" sh -c 'iptables -D INPUT -j S7KIT-IN; iptables -D OUTPUT -j S7KIT-OUT;
            iptables -F S7KIT-IN; iptables -F S7KIT-OUT; iptables -X S7KIT-IN; iptables -X S7KIT-OUT'
    done
    expect pass capper filler 102 "iptables host rules removed"
fi

# every emulator still running (none crashed on a half-open connection), and stopped
# cleanly with no sanitizer report (ASan/UBSan builds)
for p in "${_NETNS_PIDS[@]}"; do
    kill -0 "$p" 2>/dev/null || fail "emulator $p died during the test"
    netns_kill "$p"
done
for f in "$S7_TEST_TMP"/srv-*.log; do
    if grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" "$f"; then
        fail "sanitizer report in $(basename "$f"): $(grep -m1 -E "AddressSanitizer|LeakSanitizer|runtime error:" "$f")"
    fi
done
finish
