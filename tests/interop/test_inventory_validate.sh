#!/usr/bin/env bash
# s7 inventory validate against what the partners' CPU profiles offer (the emulator's
# figures, server/profiles.c): connection budgets per type and in all, the LOGO!'s one DB
# and its length, timers/counters on an S7-1200, called TSAPs that contradict the documented
# type or rack/slot, a cell's network or broadcast address as a partner's or a router
# interface's.  Each is refused with FILE:LINE, what is wrong and what would be right (exit
# 2), every independent problem of a file in one run; the simulation takes what validates.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin

# base FILE: two cells, an S7-1200, a LOGO!, an HMI and a SCADA; one connection each
base() {
    cat >"$1" <<'YAML'
version: 1
plant: validate
cells:
  - {name: control, subnet: 10.34.0.0/24}
  - {name: paint, subnet: 10.34.2.0/24}
partners:
  - {name: scada, address: 10.34.0.5, cell: control, kind: scada, type: op}
  - {name: plc-paint, address: 10.34.2.10, cell: paint, kind: plc, profile: s7-1200}
  - {name: logo-fan, address: 10.34.2.30, cell: paint, kind: plc, profile: logo8}
connections:
  - name: scada-paint
    active: scada
    passive: plc-paint
    exchanges:
      - get: DB10.DBB0..DBB31
  - name: scada-logo
    active: scada
    passive: logo-fan
    exchanges:
      - get: DB1.DBB0..DBB3
YAML
}
# conns FILE N PASSIVE TYPE RANGE: N more connections scada -> PASSIVE
conns() {
    local i
    for ((i = 0; i < $2; i++)); do
        printf '  - name: extra-%s\n    active: scada\n    passive: %s\n    type: %s\n    exchanges:\n      - get: %s\n' \
            "$i" "$3" "$4" "$5" >>"$1"
    done
}
# refused FILE LINE MESSAGE...: validate exits 2 with "error: FILE:LINE: " and each MESSAGE
refused() {
    local f="$1" line="$2" out rc=0 m
    shift 2
    out="$("$S7_BIN" inventory validate "$f" 2>&1)" || rc=$?
    check_eq "$rc" 2 "$(basename "$f"): refused (exit 2)"
    check_contains "$out" "error: $f:$line: " "$(basename "$f"): FILE:LINE"
    for m in "$@"; do
        check_contains "$out" "$m" "$(basename "$f"): says '$m'"
    done
}
lineof() { grep -n -- "$2" "$1" | sed -n "${3:-1}p" | cut -d: -f1; }
T="$S7_TEST_TMP"

base "$T/ok.yaml"
conns "$T/ok.yaml" 7 plc-paint basic DB11.DBB0..DBB3
conns "$T/ok.yaml" 0 logo-fan op DB1.DBB0..DBB3
check_ok "the base with 7 basic connections to the S7-1200 validates" "$S7_BIN" inventory validate "$T/ok.yaml"

# 1. budgets: 9 basic connections to an S7-1200 (8), 9 connections to a LOGO! (8 in all)
base "$T/b1200.yaml"
conns "$T/b1200.yaml" 9 plc-paint basic DB11.DBB0..DBB3
refused "$T/b1200.yaml" "$(lineof "$T/b1200.yaml" "name: extra-8")" \
    "connection extra-8: it is plc-paint's 9th S7 basic connection (9 documented: 9 with it as the passive partner, 0 as the active one), but its profile s7-1200 serves 8 (4 PG, 12 OP, 8 S7 basic, 16 in all)" \
    "type: pg, op or basic"
base "$T/blogo.yaml"
conns "$T/blogo.yaml" 8 logo-fan op DB1.DBB0..DBB3
refused "$T/blogo.yaml" "$(lineof "$T/blogo.yaml" "name: extra-7")" \
    "connection extra-7: it is logo-fan's 9th connection" "its profile logo8 serves 8 (8 PG, 8 OP, 8 S7 basic, 8 in all)"

# 2. ranges the profile does not serve
base "$T/db2.yaml"
sed -i 's/get: DB1.DBB0..DBB3/get: DB2.DBB0..DBB3/' "$T/db2.yaml"
refused "$T/db2.yaml" "$(lineof "$T/db2.yaml" "get: DB2")" \
    "DB2 on logo-fan: its profile logo8 has one DB, DB1 (its V memory, 851 bytes: DB1.DBB0..DBB850)"
base "$T/db900.yaml"
sed -i 's/get: DB1.DBB0..DBB3/get: DB1.DBB900..DBB903/' "$T/db900.yaml"
refused "$T/db900.yaml" "$(lineof "$T/db900.yaml" "get: DB1.DBB900")" \
    "DB1 bytes 900..903 on logo-fan: its profile logo8 has 851 bytes of V memory (DB1.DBB0..DBB850)"
base "$T/timers.yaml"
sed -i 's/get: DB10.DBB0..DBB31/get: T0..T7/' "$T/timers.yaml"
refused "$T/timers.yaml" "$(lineof "$T/timers.yaml" "get: T0")" \
    "timers T0..T7 on plc-paint: its profile s7-1200 serves no timers or counters over PUT/GET" \
    "copy them into a DB"

# 3. TSAPs against the type and the rack/slot (S7-1200: rack 0 slot 1)
base "$T/slot.yaml"
sed -i 's/^  - name: scada-paint$/&\n    tsap: "0100:0202"/' "$T/slot.yaml"
refused "$T/slot.yaml" "$(lineof "$T/slot.yaml" 'tsap: "0100:0202"')" \
    "connection scada-paint: tsap 0100:0202 names rack 0 slot 2, but plc-paint sits at rack 0 slot 1 (its profile s7-1200): give tsap 0100:0201"
base "$T/type.yaml"
sed -i 's/^  - name: scada-paint$/&\n    type: op\n    tsap: "0100:0301"/' "$T/type.yaml"
refused "$T/type.yaml" "$(lineof "$T/type.yaml" 'tsap: "0100:0301"')" \
    "tsap 0100:0301 calls connection type basic (03), but the type is op (02): make them agree (tsap 0100:0201, or type: basic)"
base "$T/type2.yaml"
sed -i 's/^  - name: scada-paint$/&\n    type: basic\n    tsap: "0100:0101"/' "$T/type2.yaml"
refused "$T/type2.yaml" "$(lineof "$T/type2.yaml" 'tsap: "0100:0101"')" \
    "tsap 0100:0101 calls connection type pg (01), but the type is basic (03)"
base "$T/tsapok.yaml"
sed -i 's/^  - name: scada-paint$/&\n    type: basic\n    tsap: "0100:0301"/' "$T/tsapok.yaml"
check_ok "a TSAP that agrees with type and slot validates" "$S7_BIN" inventory validate "$T/tsapok.yaml"

# 4. a cell's network and broadcast addresses
for a in 10.34.2.0:network 10.34.2.255:broadcast; do
    base "$T/addr.yaml"
    sed -i "s/address: 10.34.2.10,/address: ${a%%:*},/" "$T/addr.yaml"
    refused "$T/addr.yaml" "$(lineof "$T/addr.yaml" "name: plc-paint")" \
        "partner plc-paint: address ${a%%:*} is cell paint's ${a##*:} address (10.34.2.0/24): no host can have it; give an address of 10.34.2.1..10.34.2.254"
done
base "$T/router.yaml"
printf 'routers:\n  - name: r1\n    interfaces:\n      - {name: eth0, address: 10.34.0.254/24, cell: control}\n      - {name: eth1, address: 10.34.2.0/24, cell: paint}\n' >>"$T/router.yaml"
refused "$T/router.yaml" "$(lineof "$T/router.yaml" "name: eth1")" \
    "router r1 interface eth1: address 10.34.2.0 is cell paint's network address (10.34.2.0/24)" \
    "give an address of 10.34.2.1..10.34.2.254"

# 5. every independent problem of a file in one run, each with FILE:LINE
base "$T/multi.yaml"
conns "$T/multi.yaml" 9 plc-paint basic DB11.DBB0..DBB3
sed -i 's/address: 10.34.2.30,/address: 10.34.2.255,/; s/get: DB1.DBB0..DBB3$/get: DB3.DBB0..DBB3/; s/passive: plc-paint$/passive: plc-paint/' "$T/multi.yaml"
sed -i '0,/active: scada$/s//active: scada-x/' "$T/multi.yaml"
out="$("$S7_BIN" inventory validate "$T/multi.yaml" 2>&1)" && rc=0 || rc=$?
check_eq "$rc" 2 "four problems: exit 2"
check_contains "$out" "error: $T/multi.yaml:$(lineof "$T/multi.yaml" "name: logo-fan"): partner logo-fan: address 10.34.2.255 is cell paint's broadcast address" "four problems: the address"
check_contains "$out" "error: $T/multi.yaml:$(lineof "$T/multi.yaml" "active: scada-x"): connection scada-paint: active partner 'scada-x' is not in partners" "four problems: the partner"
check_contains "$out" "error: $T/multi.yaml:$(lineof "$T/multi.yaml" "get: DB3"): connection scada-logo exchanges[0].range[0]: DB3 on logo-fan" "four problems: the DB"
check_contains "$out" "error: $T/multi.yaml:$(lineof "$T/multi.yaml" "name: extra-8"): connection extra-8: it is plc-paint's 9th S7 basic connection" "four problems: the budget"
check_contains "$out" "$T/multi.yaml: 4 problems" "four problems: counted"
check_eq "$(grep -c '^error: ' <<<"$out")" 4 "four problems: four error lines"

# the simulation takes the base plant that validates (its budgets are the same figures)
out="$("$S7_BIN" inventory simulate "$T/ok.yaml" --loopback --for 1s 2>&1)" && rc=0 || rc=$?
check_eq "$rc" 0 "simulate runs the plant that validates"
check_contains "$out" "2 CPUs listening, 9 connections" "simulate: every documented connection"
finish
