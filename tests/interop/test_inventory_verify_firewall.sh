#!/usr/bin/env bash
# s7 inventory verify-firewall on a plant in network namespaces: a router r between cell
# line (plc1, plc2) and cell scada (ws, plc3), the CPU emulator on every CPU, nftables
# rules from the inventory on r (router scope) and on plc3 (host scope: ws's cell).  From
# ws's namespace as ws (its documented address bound): with the rules as generated every
# row is as documented; with the accept rule of ws-plc1 deliberately removed that path
# shows blocked; with the final drops removed the undocumented paths show open.  From
# another host the run says it is not from the partner; with plc1's emulator stopped its
# documented path is refused by plc1's own TCP: unproven, not a firewall fault.  The JSON is
# checked against
# docs/schema/s7-inventory-verify-firewall.schema.json (ajv) and the rule file's SHA-256
# against sha256sum.  Root only (skipped otherwise); the namespaces are removed on exit.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"

need_s7_bin
need_netns timeout
command -v nft >/dev/null 2>&1 || skip "nft not installed (Debian: nftables)"

declare -A IP=([plc1]=10.79.1.10 [plc2]=10.79.1.11 [ws]=10.79.2.5 [plc3]=10.79.2.10 [rogue]=10.79.2.66)
declare -A CELL=([plc1]=1 [plc2]=1 [ws]=2 [plc3]=2 [rogue]=2)
INV="$S7_TEST_TMP/plant.yaml"
cat >"$INV" <<EOF
plant: verify-firewall test plant
cells:
  - {name: line, subnet: 10.79.1.0/24}
  - {name: scada, subnet: 10.79.2.0/24}
partners:
  - {name: plc1, address: ${IP[plc1]}, cell: line, kind: plc, profile: s7-1500}
  - {name: plc2, address: ${IP[plc2]}, cell: line, kind: plc, profile: s7-1500}
  - {name: plc3, address: ${IP[plc3]}, cell: scada, kind: plc, profile: s7-1500}
  - {name: ws, address: ${IP[ws]}, cell: scada, roles: [scada, engineering]}
routers:
  - name: r1
    interfaces:
      - {name: lan1, address: 10.79.1.1/24, cell: line}
      - {name: lan2, address: 10.79.2.1/24, cell: scada}
connections:
  - {name: ws-plc1, active: ws, passive: plc1, exchanges: [{get: DB1.DBB0..DBB15, cycle: 1s}]}
  - {name: plc1-plc2, active: plc1, passive: plc2, type: basic, exchanges: [{put: 'P#DB1.DBX0.0 BYTE 8'}]}
  - {name: plc1-plc3, active: plc1, passive: plc3, type: basic, exchanges: [{get: DB1.DBB0..DBB7}]}
EOF
check_ok "the inventory is valid" "$S7_BIN" inventory validate "$INV"

netns_add r
netns_forwarding r
if ! { netns_exec r nft add table inet s7probe &&
    netns_exec r nft add chain inet s7probe c '{ type filter hook forward priority 0; }' &&
    netns_exec r nft add rule inet s7probe c ct state established accept &&
    netns_exec r nft delete table inet s7probe; } >/dev/null 2>&1; then
    skip "nft cannot load rules with conntrack in a namespace here"
fi
for c in 1 2; do netns_bridge r "lan$c" "10.79.$c.1/24"; done
for h in plc1 plc2 ws plc3 rogue; do
    netns_add "$h"
    netns_attach "$h" "${IP[$h]}/24" r "lan${CELL[$h]}"
    netns_route "$h" "10.79.${CELL[$h]}.1"
done
declare -A SRV
for h in plc1 plc2 plc3; do
    netns_bg "$h" "$S7_TEST_TMP/srv-$h.log" "$S7_BIN" server --listen "${IP[$h]}:102" \
        --profile s7-1500 --put-get on --db 1:16 --quiet
    SRV[$h]=$NETNS_PID
done
for h in plc1 plc2 plc3; do
    netns_wait_tcp ws "${IP[$h]}" 102 || { cat "$S7_TEST_TMP/srv-$h.log"; die "emulator of $h not reachable from ws"; }
done

R="$S7_TEST_TMP/router.nft"
H="$S7_TEST_TMP/plc3.nft"
check_ok "router rules" "$S7_BIN" inventory firewall "$INV" --format nftables -o "$R"
check_ok "host rules of plc3" "$S7_BIN" inventory firewall "$INV" --format nftables --host plc3 -o "$H"
check_ok "router rules applied on r" netns_exec r nft -f "$R"
check_ok "host rules applied on plc3" netns_exec plc3 nft -f "$H"

# verify NAME NS RULES [ARGS]: runs verify-firewall as ws from NS; text in OUT, exit in RC, JSON in J
verify() {
    local name="$1" ns="$2" rules="$3"
    shift 3
    RC=0
    OUT="$(netns_exec "$ns" "$S7_BIN" inventory verify-firewall "$INV" --as ws --rules "$rules" \
        --timeout 700ms "$@" 2>&1)" || RC=$?
    J="$S7_TEST_TMP/$name.json"
    netns_exec "$ns" "$S7_BIN" inventory verify-firewall "$INV" --as ws --rules "$rules" \
        --timeout 700ms --json >"$J" 2>/dev/null
}
# row TARGET: the matrix line of that target
row() { printf '%s\n' "$OUT" | awk -v t="$1" '$1 == t' | sed 's/^ *//'; }
schema_ok() {
    [ -n "${S7_NODE:-}" ] && [ -f "${NODE_PATH:-}/ajv/package.json" ] || return 0
    check_ok "$1: JSON valid against s7-inventory-verify-firewall" "$S7_NODE" \
        "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-inventory-verify-firewall "$J"
}

# ---------------------------------------------------------------- as generated
verify full ws "$R"
check_eq "$RC" 0 "as generated: exit 0 (every row as documented)"
check_contains "$OUT" "source: ${IP[ws]} (the partner's documented address, bound by every probe)" "as generated: from the partner"
check_contains "$OUT" "rules: $R  sha256 $(sha256sum "$R" | cut -d' ' -f1)" "as generated: the rule file's SHA-256"
check_match "$(row plc1)" "^plc1 +${IP[plc1]}:102 +open +open +pass +ws-plc1: ws -> plc1:102$" "as generated: ws -> plc1 documented, open, its rule"
check_match "$(row plc2)" "^plc2 +${IP[plc2]}:102 +dropped +dropped +pass +S7 connection not in the inventory$" "as generated: ws -> plc2 (other cell) dropped by the router"
check_match "$(row plc3)" "^plc3 +${IP[plc3]}:102 +dropped +dropped +pass +S7 connection not in the inventory$" "as generated: ws -> plc3 (its own cell) dropped by plc3's host rules"
check_contains "$OUT" "3 paths: 3 as documented, 0 not" "as generated: the summary"
schema_ok "as generated"
check_contains "$(cat "$J")" "\"sha256\": \"$(sha256sum "$R" | cut -d' ' -f1)\"" "as generated: JSON carries the SHA-256"
check_contains "$(cat "$J")" "\"from_partner\": true" "as generated: JSON from the partner"

# ---------------------------------------------------------------- an accept rule missing
A="$S7_TEST_TMP/router-noaccept.nft"
grep -v 'ws-plc1: ws -> plc1:102' "$R" >"$A"
check_eq "$(grep -c 'ws-plc1: ws -> plc1' "$A")" 0 "the broken file lacks ws-plc1's accept rule"
check_ok "broken rules (no accept for ws-plc1) applied" netns_exec r nft -f "$A"
verify noaccept ws "$A"
check_eq "$RC" 1 "accept removed: exit 1"
check_match "$(row plc1)" "^plc1 +${IP[plc1]}:102 +open +dropped +fail +ws-plc1: ws -> plc1:102 \\(not in router-noaccept.nft\\)$" "accept removed: the documented path shows blocked"
check_match "$(row plc2)" " pass " "accept removed: plc2 still dropped"
schema_ok "accept removed"
check_contains "$(cat "$J")" '"status": "fail"' "accept removed: JSON has the failing row"

# ---------------------------------------------------------------- the final drop missing
D="$S7_TEST_TMP/router-nodrop.nft"
grep -v 'not in the inventory' "$R" >"$D"
check_ok "broken rules (no final drop) applied" netns_exec r nft -f "$D"
verify nodrop ws "$D"
check_eq "$RC" 1 "drop removed: exit 1"
check_match "$(row plc2)" "^plc2 +${IP[plc2]}:102 +dropped +open +fail +S7 connection not in the inventory \\(not in router-nodrop.nft\\)$" "drop removed: the undocumented path shows open"
check_match "$(row plc1)" " open +open +pass " "drop removed: the documented path still passes"
check_match "$(row plc3)" " dropped +dropped +pass " "drop removed: plc3's own rules still drop ws"
schema_ok "drop removed"

# ---------------------------------------------------------------- not from the partner
check_ok "router rules restored" netns_exec r nft -f "$R"
verify elsewhere rogue "$R"
check_contains "$OUT" "NOT FROM THE PARTNER: not from ws: its address ${IP[ws]} is not on this host" "from another host: says the run is not from ws"
check_contains "$(cat "$J")" '"from_partner": false' "from another host: JSON from_partner false"
check_contains "$(cat "$J")" '"source": null' "from another host: JSON source null"
schema_ok "from another host"

# ---------------------------------------------------------------- the CPU's port closed
# plc1's emulator stopped: its own TCP answers the documented path with a RST.  That is not
# the firewall's fault (it passed the SYN): the row is unproven, the run says why and who
# tells the sender (it said "rejected fail ... is a firewall fault").
netns_kill "${SRV[plc1]}"
verify closed ws "$R"
check_eq "$RC" 1 "plc1's port closed: exit 1 (not everything proven)"
check_match "$(row plc1)" "^plc1 +${IP[plc1]}:102 +open +refused +unproven +ws-plc1: ws -> plc1:102$" \
    "plc1's port closed: the documented path refused with a RST, unproven"
check_contains "$OUT" "3 paths: 2 as documented, 0 not" "plc1's port closed: no firewall fault counted"
check_lacks "$OUT" "is a firewall fault" "plc1's port closed: the firewall not blamed"
check_contains "$OUT" "1 documented path is unproven: refused with a TCP RST" "plc1's port closed: says what the RST means"
check_contains "$OUT" "s7 doctor --inventory" "plc1's port closed: names the doctor"
check_contains "$(cat "$J")" '"unproven": 1' "plc1's port closed: JSON counts it unproven"
schema_ok "plc1's port closed"

# ---------------------------------------------------------------- usage
RC=0
OUT="$("$S7_BIN" inventory verify-firewall "$INV" 2>&1)" || RC=$?
check_eq "$RC" 2 "no --as: usage error"
check_contains "$OUT" "needs --as PARTNER" "no --as: says what is missing"
RC=0
OUT="$("$S7_BIN" inventory verify-firewall "$INV" --as nobody 2>&1)" || RC=$?
check_eq "$RC" 2 "--as nobody: usage error"
RC=0
OUT="$(netns_exec ws "$S7_BIN" inventory verify-firewall "$INV" --as ws --rules "$S7_TEST_TMP/none.nft" 2>&1)" || RC=$?
check_eq "$RC" 2 "--rules missing file: usage error"
check_contains "$OUT" "cannot read it" "--rules missing file: says so"

finish
