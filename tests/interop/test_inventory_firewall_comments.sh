#!/usr/bin/env bash
# s7 inventory firewall: rule comments of partners and connections with 40-character names
# stay within nft's limit, show where a name was cut ("...") and keep the port, in every
# format; short names are never cut.  As root with nft (iptables-restore), the rules are
# accepted by `nft --check` (`iptables-restore --test`) in a scratch network namespace.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin

INV="$S7_TEST_TMP/long.yaml"
cat >"$INV" <<'YAML'
cells:
  - {name: c0, subnet: 10.34.0.0/24}
  - {name: c1, subnet: 10.34.1.0/24}
partners:
  - {name: hmi-operator-panel-press-line-four-north, address: 10.34.0.5, cell: c0, kind: hmi, type: op}
  - {name: plc-press-line-four-north-main-cpu-1516f, address: 10.34.1.10, cell: c1, kind: plc, profile: s7-1500}
  - {name: plc2, address: 10.34.1.11, cell: c1, kind: plc, port: 1102}
connections:
  - {name: conn-hmi-operator-panel-press-line-4-nrt, active: hmi-operator-panel-press-line-four-north, passive: plc-press-line-four-north-main-cpu-1516f, exchanges: [{get: DB1.DBB0..DBB3}]}
  - {name: hmi-plc2, active: hmi-operator-panel-press-line-four-north, passive: plc2, exchanges: [{get: DB1.DBB0..DBB3}]}
YAML

# comments FILE: every rule comment, one a line
comments() { grep -o 'comment "[^"]*"' "$1" | sed 's/^comment "//; s/"$//'; }

for fmt in nftables iptables-restore; do
    R="$S7_TEST_TMP/rules.$fmt"
    check_ok "firewall --format $fmt of 40-character names" sh -c "\"\$0\" inventory firewall \"\$1\" --format $fmt >\"\$2\"" "$S7_BIN" "$INV" "$R"
    C="$(comments "$R")"
    LONGEST="$(printf '%s\n' "$C" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')"
    check_eq "$([ "$LONGEST" -le 120 ] && echo yes || echo "no: $LONGEST")" yes "$fmt: no comment longer than 120 characters"
    FWD="$(printf '%s\n' "$C" | grep '^conn-hmi-operator.* -> ' | head -1)"
    BACK="$(printf '%s\n' "$C" | grep '^conn-hmi-operator.* replies to ' | head -1)"
    check_match "$FWD" '^conn-hmi-operator-panel-press.*\.\.\.: hmi-operator-panel-press-line-.*\.\.\. -> plc-press-line-four-north-.*\.\.\.:102$' "$fmt: the cut names show '...', the port stays"
    check_match "$BACK" '^conn-hmi-operator-panel-press.*:102 replies to hmi-operator-panel-press.*\.\.\.$' "$fmt: the reply rule's comment keeps the port and shows its cut"
    check_contains "$C" "hmi-plc2: hmi-operator-panel-press-line-four-north -> plc2:1102" "$fmt: a comment that fits is not cut"
done

if [ "$(id -u)" = 0 ] && command -v nft >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1; then
    check_ok "nft --check accepts the rules (scratch namespace)" unshare -n nft -c -f "$S7_TEST_TMP/rules.nftables"
else
    pass "nft --check skipped: needs root, nft and unshare"
fi
if [ "$(id -u)" = 0 ] && command -v iptables-restore >/dev/null 2>&1 && command -v unshare >/dev/null 2>&1; then
    check_ok "iptables-restore --test accepts the rules (scratch namespace)" unshare -n iptables-restore --test "$S7_TEST_TMP/rules.iptables-restore"
else
    pass "iptables-restore --test skipped: needs root and iptables"
fi
finish
