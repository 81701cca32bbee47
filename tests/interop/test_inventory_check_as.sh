#!/usr/bin/env bash
# s7 inventory check --as PARTNER, for real in network namespaces: a cell segment (a bridge
# in namespace "sw") with the CPU emulator (plc, 10.237.1.10) and the HMI (hmi, 10.237.1.20)
# each in a namespace of its own; nobody holds the SCADA host's address (10.237.1.30).
#   - from the root namespace, --as hmi finds the namespace that holds hmi's address, enters
#     it (setns) and checks from there: hmi-plc passes, with source 10.237.1.20, the
#     namespace and the time recorded; scada-plc, checked from hmi's address, is unproven;
#   - the same as an unprivileged user (setpriv): it cannot look inside, says how to run the
#     check there (ip netns exec) and hmi-plc is unproven;
#   - the same check run inside the PLC's namespace (ip netns exec, no --as) binds no
#     partner's address it does not hold: hmi-plc is unproven (never pass), with the reason;
#   - --as scada: no namespace holds the address: the note says so, both unproven, exit 1;
#   - the report merges both JSONs (in either order): hmi-plc takes the check made from
#     hmi, scada-plc stays unproven, the documents say NOT READY and the sign-off names the
#     proven path with its host, address, namespace and time, and the unproven one.
# Root only: skipped (exit 77) with the reason otherwise.  The namespaces are deleted and the
# emulator killed by PID at exit (netns_lib.sh).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/netns_lib.sh"
need_s7_bin
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output)"
need_netns

netns_add sw
netns_add plc
netns_add hmi
netns_bridge sw br0
netns_attach plc 10.237.1.10/24 sw br0
netns_attach hmi 10.237.1.20/24 sw br0
netns_bg plc "$S7_TEST_TMP/plc.log" "$S7_BIN" server --listen 10.237.1.10:102 --profile s7-1500 \
    --put-get on --db 10:64 --allow 10.237.1.0/24
netns_wait_tcp hmi 10.237.1.10 102 || { cat "$S7_TEST_TMP/plc.log"; die "the emulator in the namespace did not come up"; }
NS_HMI="$(netns_name hmi)"

INV="$S7_TEST_TMP/cell.yaml"
cat >"$INV" <<'EOF'
plant: --as in namespaces
cells:
  - {name: cell1, subnet: 10.237.1.0/24}
partners:
  - {name: plc, address: 10.237.1.10, cell: cell1, kind: plc, profile: s7-1500}
  - {name: hmi, address: 10.237.1.20, cell: cell1, kind: hmi, type: op}
  - {name: scada, address: 10.237.1.30, cell: cell1, kind: scada}
connections:
  - name: hmi-plc
    active: hmi
    passive: plc
    exchanges: [{get: DB10.DBB0..DBB63, cycle: 500}]
  - name: scada-plc
    active: scada
    passive: plc
    exchanges: [{get: DB10.DBB0..DBB15, cycle: 1s}]
EOF

# jq FILE EXPR: EXPR over the JSON d of FILE, c the connection by name (c["hmi-plc"]).
jq() {
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
c = {x["name"]: x for x in d["connections"]}
r = eval(sys.argv[2])
print(r if not isinstance(r, bool) else ("true" if r else "false"))' "$1" "$2" 2>&1
}

# ---------------------------------------------------------------- --as hmi from the root namespace
A="$S7_TEST_TMP/as-hmi.json"
RC=0
"$S7_BIN" inventory check "$INV" --as hmi --json --timeout 1500 >"$A" 2>"$S7_TEST_TMP/as-hmi.err" || RC=$?
ERR="$(cat "$S7_TEST_TMP/as-hmi.err")"
check_eq "$RC" 1 "--as hmi: exit 1 (scada-plc is unproven)"
check_contains "$ERR" "entered network namespace $NS_HMI, which holds 10.237.1.20" "--as hmi: says which namespace it entered"
check_eq "$(jq "$A" 'd["netns"]')" "$NS_HMI" "--as hmi: the JSON names the namespace"
check_eq "$(jq "$A" 'c["hmi-plc"]["status"]')" pass "--as hmi: hmi-plc passes (checked from its active partner)"
check_eq "$(jq "$A" 'c["hmi-plc"]["source"]')" 10.237.1.20 "--as hmi: the source address is hmi's"
check_eq "$(jq "$A" 'c["hmi-plc"]["source_partner"]')" hmi "--as hmi: source_partner hmi"
check_eq "$(jq "$A" 'c["hmi-plc"]["from_active"]')" true "--as hmi: from_active"
check_eq "$(jq "$A" 'c["hmi-plc"]["netns"]')" "$NS_HMI" "--as hmi: the result records the namespace"
check_match "$(jq "$A" 'c["hmi-plc"]["time"]')" '^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]Z$' "--as hmi: the result records its time (UTC)"
check_eq "$(jq "$A" 'c["hmi-plc"]["cpu"]["state"]')" run "--as hmi: the CPU's operating state is recorded"
check_eq "$(jq "$A" 'sorted(c["hmi-plc"]["cpu"])')" \
    "['as_name', 'copyright', 'firmware', 'module_name', 'module_type', 'order_code', 'plant_id', 'serial', 'state']" \
    "--as hmi: the cpu object is every command's (json.md), firmware as its name"
check_eq "$(jq "$A" 'c["hmi-plc"]["put_get"]')" true "--as hmi: PUT/GET permitted is recorded"
check_eq "$(jq "$A" 'c["scada-plc"]["status"]')" unproven "--as hmi: scada-plc, whose active partner is scada, is unproven"
check_eq "$(jq "$A" 'c["scada-plc"]["verdict"]')" ok "--as hmi: scada-plc's CPU side was fine (verdict ok) but it is not a pass"
check_contains "$(jq "$A" 'c["scada-plc"]["unproven"]')" "not from the active partner scada (10.237.1.30)" "--as hmi: why scada-plc is unproven"
check_eq "$(jq "$A" '(d["passed"], d["failed"], d["unproven"])')" "(1, 0, 1)" "--as hmi: 1 passed, 0 failed, 1 unproven"
# the table says the same
OUT="$("$S7_BIN" inventory check "$INV" --as hmi --connection hmi-plc --timeout 1500 2>&1)"
check_contains "$OUT" "from 10.237.1.20 (hmi, the active partner)" "--as hmi table: where each check came from"

# ---------------------------------------------------------------- --as hmi without root
# (setpriv, util-linux): s7 cannot look into the namespaces; it says how to run it there
command -v setpriv >/dev/null 2>&1 || fail "setpriv (util-linux) is missing: the unprivileged --as is not checked"
chmod 755 "$S7_TEST_TMP"
chmod 644 "$INV"
RC=0
OUT="$(setpriv --reuid=65534 --regid=65534 --clear-groups "$S7_BIN" inventory check "$INV" --as hmi \
    --connection hmi-plc --timeout 1500 2>&1)" || RC=$?
check_eq "$RC" 1 "--as hmi as nobody: exit 1"
check_contains "$OUT" "this machine does not hold 10.237.1.20, and the network namespaces here" "--as hmi as nobody: says it does not hold the address"
check_contains "$OUT" "can be looked into only as root" "--as hmi as nobody: says root is needed to look inside"
check_contains "$OUT" "ip netns exec NS s7 inventory check $INV --as hmi" "--as hmi as nobody: says how to run it inside the namespace"
check_match "$OUT" "hmi-plc .* UNPROVEN" "--as hmi as nobody: hmi-plc unproven"

# ---------------------------------------------------------------- inside the PLC's namespace: unproven
B="$S7_TEST_TMP/in-plc.json"
RC=0
netns_exec plc "$S7_BIN" inventory check "$INV" --json --timeout 1500 >"$B" 2>/dev/null || RC=$?
check_eq "$RC" 1 "from the PLC's namespace: exit 1"
check_eq "$(jq "$B" 'c["hmi-plc"]["status"]')" unproven "from elsewhere: hmi-plc is unproven, never pass"
check_eq "$(jq "$B" 'c["hmi-plc"]["verdict"]')" ok "from elsewhere: the CPU answered (verdict ok)"
check_eq "$(jq "$B" 'c["hmi-plc"]["from_active"]')" false "from elsewhere: from_active false"
check_contains "$(jq "$B" 'c["hmi-plc"]["unproven"]')" "not from the active partner hmi (10.237.1.20)" "from elsewhere: the reason names the active partner"
check_eq "$(jq "$B" '(d["passed"], d["unproven"])')" "(0, 2)" "from elsewhere: nothing passes"

# ---------------------------------------------------------------- --as scada: nobody holds its address
RC=0
OUT="$("$S7_BIN" inventory check "$INV" --as scada --timeout 1500 2>&1)" || RC=$?
check_eq "$RC" 1 "--as scada: exit 1"
check_contains "$OUT" "neither this machine nor a network namespace here" "--as scada: says no namespace holds 10.237.1.30"
check_contains "$OUT" "the checks below are not from scada (unproven)" "--as scada: says the checks are not from scada"
check_match "$OUT" "scada-plc .*UNPROVEN" "--as scada: scada-plc unproven"

# ---------------------------------------------------------------- both JSONs against the schema
if [ -n "$S7_NODE" ] && [ -f "$NODE_PATH/ajv/package.json" ]; then
    for f in "$A" "$B"; do
        check_ok "$(basename "$f"): valid against docs/schema/s7-inventory-check.schema.json" \
            "$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-inventory-check "$f"
    done
else
    fail "node or ajv missing (make deps): the JSON of --as is not checked against its schema"
fi

# ---------------------------------------------------------------- the report merges both checks
for order in "$A $B" "$B $A"; do
    set -- $order
    R="$S7_TEST_TMP/report-$(basename "$1" .json)"
    check_ok "report --check $(basename "$1") --check $(basename "$2")" "$S7_BIN" inventory report "$INV" -o "$R" --check "$1" --check "$2"
    T="$(cat "$R/report.txt")"
    H="$(cat "$R/index.html")"
    check_contains "$T" "NOT READY: 1 of 2 connections passed, 1 unproven" "merged ($(basename "$1") first): NOT READY, 1 unproven"
    check_match "$T" "pass +hmi-plc: hmi 10.237.1.20 -> plc 10.237.1.10:102" "merged ($(basename "$1") first): hmi-plc takes the check from hmi"
    check_contains "$T" "hmi-plc: hmi 10.237.1.20 -> plc 10.237.1.10 port 102, checked live from hmi's address 10.237.1.20 on host" "merged: the sign-off names the proven path and its source"
    check_contains "$T" "(network namespace $NS_HMI)" "merged: the sign-off names the namespace"
    check_match "$T" "in RUN, PUT/GET permitted" "merged: the sign-off says the CPU is in RUN with PUT/GET permitted"
    check_contains "$T" "scada-plc (scada -> plc) is UNPROVEN" "merged: the sign-off lists scada-plc as unproven"
    check_contains "$T" "The firewalls were not verified" "merged: no firewall claim without a verification"
    check_contains "$H" '<div class="banner notready" id="readiness">NOT READY' "merged html: the NOT READY banner"
    check_match "$H" '<td>hmi-plc</td>.*<td class="pass">pass</td>' "merged html: hmi-plc pass"
done

# ---------------------------------------------------------------- with verify-firewall's JSON
# from the HMI's namespace (from the partner) and from the root namespace (not from it)
V1="$S7_TEST_TMP/verify-hmi.json"
V2="$S7_TEST_TMP/verify-root.json"
netns_exec hmi "$S7_BIN" inventory verify-firewall "$INV" --as hmi --json --timeout 1000 >"$V1" 2>/dev/null
"$S7_BIN" inventory verify-firewall "$INV" --as hmi --json --timeout 1000 >"$V2" 2>/dev/null
R="$S7_TEST_TMP/report-verify"
check_ok "report --verify (from hmi's namespace)" "$S7_BIN" inventory report "$INV" -o "$R" --check "$A" --verify "$V1"
T="$(cat "$R/report.txt")"
check_contains "$T" "Firewall verification as hmi: rule file (not named)" "report --verify: the matrix is in the report"
check_match "$T" "pass +hmi -> plc 10.237.1.10:102 must be open, observed open" "report --verify: the documented path probed open"
check_match "$T" "Firewall verified as hmi \(10.237.1.20\) on host" "report --verify: the sign-off names the verification and its source"
check_ok "report --verify (from the root namespace)" "$S7_BIN" inventory report "$INV" -o "$R" --check "$A" --verify "$V2"
T="$(cat "$R/report.txt")"
check_contains "$T" "1 firewall verification not from its partner" "report --verify from elsewhere: NOT READY says so"
check_contains "$T" "but NOT from hmi's address" "report --verify from elsewhere: the sign-off says it proves nothing"
finish
