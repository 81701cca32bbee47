#!/usr/bin/env bash
# The top-level Makefile's targets run `cmake --build`, which runs make again under them.
# GNU make turns on "Entering/Leaving directory" in every sub-make, so `make demo` and
# `make build` printed over 100 such lines around the build.  The Makefile turns it off
# (--no-print-directory in MAKEFLAGS); this test runs a make started as cmake starts it
# (a plain `make` from a recipe of the project's Makefile) and looks for those lines.
# Needs only make; nothing is built.
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

need_cmd make
MK="$S7_SOURCE/Makefile"
[ -f "$MK" ] || die "no $MK"

cat >"$S7_TEST_TMP/inner.mk" <<'EOF'
inner:
	@echo inner-ran
EOF
cat >"$S7_TEST_TMP/probe.mk" <<EOF
include $MK
probe:
	@cd "$S7_TEST_TMP" && make -f inner.mk inner
EOF
# (run clean of the make this test may run under: `make test` passes its MAKEFLAGS, with
# --no-print-directory in them, through ctest to every make started here)
out=$(cd "$S7_SOURCE" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -f "$S7_TEST_TMP/probe.mk" probe 2>&1)
check_contains "$out" "inner-ran" "a make under the project's Makefile runs"
check_lacks "$out" "Entering directory" "no 'Entering directory' line from it"

# without the setting the same probe prints them (the check above can fail)
grep -v -- '--no-print-directory' "$MK" >"$S7_TEST_TMP/Makefile.old"
sed "s|include $MK|include $S7_TEST_TMP/Makefile.old|" "$S7_TEST_TMP/probe.mk" >"$S7_TEST_TMP/probe-old.mk"
out=$(cd "$S7_SOURCE" && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -f "$S7_TEST_TMP/probe-old.mk" probe 2>&1)
check_contains "$out" "Entering directory" "the Makefile without --no-print-directory prints them"

finish
