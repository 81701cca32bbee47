#!/bin/bash
# The layering check (scripts/check-layers.py) on a copy of the source tree: the clean
# copy passes; each planted bad include fails with FILE:LINE and the two layers named;
# directories that do not exist yet (plant/, config/, examples/) are checked by rule.
#   test_check_layers.sh SOURCE_DIR
set -u
SRC=${1:?usage: test_check_layers.sh SOURCE_DIR}
CHECK="python3 $SRC/scripts/check-layers.py"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0 fail=0

# A pristine copy of the sources (no build trees, no node_modules, no corpora), and a
# fresh working copy of it for each case.
(cd "$SRC" && find . \( -name 'build*' -o -name node_modules -o -name '.git' -o -name corpus \) -prune \
    -o \( -name '*.c' -o -name '*.h' -o -name '*.cpp' -o -name '*.py' -o -name '*.h.in' \) -print |
    tar -cf - -T -) | (mkdir -p "$TMP/pristine" && tar -C "$TMP/pristine" -xf -)
copy_tree() {
    rm -rf "$1" && cp -a "$TMP/pristine" "$1"
}

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect_fail NAME REGEX: the check on $T must exit 1 and print a line matching REGEX.
expect_fail() {
    local out rc
    out=$($CHECK "$T" 2>&1); rc=$?
    if [ $rc -ne 1 ]; then bad "$1: exit $rc, expected 1"; echo "$out" >&2; return; fi
    if ! grep -Eq "$2" <<<"$out"; then bad "$1: no line matches /$2/"; echo "$out" >&2; return; fi
    ok
}
expect_pass() {
    local out rc
    out=$($CHECK "$T" 2>&1); rc=$?
    if [ $rc -ne 0 ]; then bad "$1: exit $rc, expected 0"; echo "$out" >&2; return; fi
    ok
}
# plant FILE LINE TEXT: insert TEXT as line LINE of FILE (created when missing).
plant() {
    mkdir -p "$(dirname "$T/$1")"
    [ -f "$T/$1" ] || printf '/* planted */\n\n\n\n\n\n\n\n' >"$T/$1"
    sed -i "$2i\\$3" "$T/$1"
}

T=$TMP/tree
copy_tree "$T"
expect_pass "clean tree"

plant wire/cotp.c 3 '#include "s7/client.h"'
expect_fail "wire -> client" '^wire/cotp\.c:3: wire includes include/s7/client\.h of client, a layer above it'

copy_tree "$T"
plant conn/conn.c 3 '#include "s7/net.h"'
expect_fail "conn -> net" '^conn/conn\.c:3: conn includes include/s7/net\.h of net: net/ is used only by the engines'

copy_tree "$T"
plant include/s7/tag.h 3 '#include "conn.h"'
expect_fail "public tag.h -> conn.h" '^include/s7/tag\.h:3: tag includes include/s7/conn\.h of conn, a layer above it'

copy_tree "$T"
plant client/jobs.c 3 '#include "s7/cpu.h"'
expect_fail "client -> server (beside)" '^client/jobs\.c:3: client includes include/s7/cpu\.h of server, a layer beside it'

copy_tree "$T"
plant util/err.c 3 '#include "wire/wire_int.h"'
expect_fail "util -> private wire header" '^util/err\.c:3: util includes wire/wire_int\.h of wire, a layer above it'

# plant/ does not exist in the tree yet: libc and lower layers only, by rule
copy_tree "$T"
plant plant/model.c 3 '#include <string.h>'
plant plant/model.c 4 '#include "s7/tag.h"'
plant plant/model.c 5 '#include "s7/wire.h"'
plant plant/model.c 6 '#include "s7/version.h"'
expect_pass "plant with libc, tag, wire, the generated version.h"
plant plant/model.c 7 '#include <unistd.h>'
expect_fail "plant -> unistd.h" '^plant/model\.c:7: plant includes <unistd\.h>: the plant model uses the C standard library'
copy_tree "$T"
plant plant/plant.c 3 '#include "s7/plant_check.h"'
expect_fail "plant -> diag's plant_check.h" '^plant/plant\.c:3: plant includes include/s7/plant_check\.h of diag, a layer above it'
copy_tree "$T"
plant plant/model.c 3 '#include "s7/conn.h"'
expect_fail "plant -> conn" '^plant/model\.c:3: plant includes include/s7/conn\.h of conn, a layer beside it'

# examples/ and config/ by rule too
copy_tree "$T"
plant examples/read_tags.c 3 '#include "s7/client.h"'
expect_pass "examples -> client"
plant examples/read_tags.c 4 '#include "s7/net.h"'
expect_fail "examples -> net" '^examples/read_tags\.c:4: examples includes include/s7/net\.h of net: net/ is used only by the engines'
copy_tree "$T"
plant config/load.c 3 '#include "tools/s7/common.h"'
expect_fail "config -> tools" '^config/load\.c:3: config includes tools/s7/common\.h of tools, a layer above it'

# a public header nobody mapped
copy_tree "$T"
plant include/s7/mystery.h 1 '/* x */'
expect_fail "unmapped header" '^include/s7/mystery\.h:1: not in any layer'

echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
