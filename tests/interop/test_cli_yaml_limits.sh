#!/usr/bin/env bash
# The YAML files of the s7 command (server --config, inventory, exchange, guard --rules)
# under a memory limit: a 'billion laughs' file (nine levels of ten aliases, 600 bytes) and
# 8 MB of "[[[[" are refused at once with FILE:LINE and why, within 400 MB of address space
# (they took gigabytes before); a file libfyaml runs out of memory on says so (not
# "empty?"); a file with anchors, aliases and merges still loads.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin
cd "$S7_TEST_TMP" || die "no scratch dir"

# the limit, unless the binary cannot start under it (AddressSanitizer reserves terabytes)
LIMIT="ulimit -v 400000"
if ! (eval "$LIMIT" && "$S7_BIN" --version) >/dev/null 2>&1; then
    LIMIT=":"
    printf 'note: %s does not start under ulimit -v: run without it\n' "$S7_BIN"
fi

# run CMD...: OUT = stdout+stderr, RC = exit code, under the limit and at most 20 s.
run() {
    RC=0
    OUT=$(eval "$LIMIT" && timeout -s KILL 20 "$@" 2>&1) || RC=$?
}

# ---------------------------------------------------------------- aliases
{
    printf 'x0: &a0 [lol,lol,lol,lol,lol,lol,lol,lol,lol,lol]\n'
    for k in 1 2 3 4 5 6 7 8 9; do
        j=$((k - 1))
        printf 'x%d: &a%d [*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d,*a%d]\n' "$k" "$k" \
            "$j" "$j" "$j" "$j" "$j" "$j" "$j" "$j" "$j" "$j"
    done
} >bomb.yaml
WANT="bomb.yaml:5: aliases expand to more than 100000 nodes (a 'billion laughs' file?)"

run "$S7_BIN" server --config bomb.yaml
check_eq "$RC" 2 "server --config bomb: exit 2"
check_contains "$OUT" "$WANT" "server --config bomb: the alias line and why"
run "$S7_BIN" inventory validate bomb.yaml
check_eq "$RC" 2 "inventory validate bomb: exit 2"
check_contains "$OUT" "$WANT" "inventory validate bomb: the alias line and why"
run "$S7_BIN" exchange bomb.yaml
check_contains "$OUT" "$WANT" "exchange bomb: the alias line and why"
run "$S7_BIN" guard --upstream 127.0.0.1:1 --rules bomb.yaml
check_contains "$OUT" "$WANT" "guard --rules bomb: the alias line and why"

# ---------------------------------------------------------------- nesting
{
    printf 'listen: 127.0.0.1:1102\nallow: '
    head -c 8000000 /dev/zero | tr '\0' '['
    printf '\n'
} >deep.yaml
run "$S7_BIN" server --config deep.yaml
check_eq "$RC" 2 "server --config 8 MB of [: exit 2"
check_contains "$OUT" "deep.yaml:2: lists and mappings nest deeper than 63 levels" \
    "server --config 8 MB of [: the line and why"
run "$S7_BIN" inventory validate deep.yaml
check_contains "$OUT" "deep.yaml:2: lists and mappings nest deeper than 63 levels" \
    "inventory validate 8 MB of [: the line and why"

# ---------------------------------------------------------------- out of memory
if [ "$LIMIT" != ":" ]; then
    # 1.5 million list items: libfyaml needs some 500 MB for them
    { printf 'allow:\n'; yes -- '- 1' | head -n 1500000; } >big.yaml
    RC=0
    OUT=$(ulimit -v 200000 && timeout -s KILL 20 "$S7_BIN" server --config big.yaml 2>&1) || RC=$?
    check_eq "$RC" 2 "server --config, out of memory: exit 2"
    check_contains "$OUT" "big.yaml: out of memory while parsing it" \
        "server --config, out of memory: says so"
    check_lacks "$OUT" "empty?" "server --config, out of memory: not called empty"
fi

# ---------------------------------------------------------------- anchors still work
cat >anchors.yaml <<'EOF'
plant: Line 1
cells:
  - name: line1
    subnet: 10.10.1.0/24
  - scada
partners:
  - &plc
    name: plc1
    address: 10.10.1.10
    cell: line1
    profile: s7-300
  - <<: *plc
    name: plc2
    address: 10.10.1.11
  - name: hmi1
    address: 10.20.0.5
    cell: scada
connections:
  - name: hmi1-plc1
    active: hmi1
    passive: plc1
    exchanges:
      - &ex
        get: DB10.DBB0..DBB63
        cycle: 2s
  - name: hmi1-plc2
    active: hmi1
    passive: plc2
    exchanges: [*ex]
EOF
run "$S7_BIN" inventory validate anchors.yaml
check_eq "$RC" 0 "inventory validate with anchors and a merge: valid ($OUT)"

finish
