#!/usr/bin/env bash
# lint.check_format: the tree matches .clang-format (scripts/check-format.sh), and the check
# fails on a planted badly formatted file (so it can fail at all).
set -uo pipefail
SRC="${1:?usage: test_check_format.sh SOURCE_DIR}"
pass=0 failn=0
ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$*"; }
bad() { failn=$((failn + 1)); printf 'FAIL: %s\n' "$*"; }

out="$("$SRC/scripts/check-format.sh" 2>&1)"; rc=$?
if [ $rc = 0 ]; then ok "the tree matches .clang-format ($(printf '%s\n' "$out" | tail -n 1))"
else bad "the tree differs from .clang-format (make format rewrites it):"; printf '%s\n' "$out" | tail -n 40; fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
mkdir -p "$TMP/scripts" "$TMP/wire"
cp "$SRC/scripts/check-format.sh" "$TMP/scripts/"
cp "$SRC/.clang-format" "$TMP/"
printf '/* planted */\nint s7_planted(int a) { return a + 1; }\n' >"$TMP/wire/good.c"
out="$("$TMP/scripts/check-format.sh" 2>&1)"; rc=$?
[ $rc = 0 ] && ok "a well-formatted file passes" || bad "a well-formatted file fails: $out"
printf '/* planted */\nint s7_planted2(int a){ if(a) {return a+1;}\n  return 0; }\n' >"$TMP/wire/bad.c"
out="$("$TMP/scripts/check-format.sh" 2>&1)"; rc=$?
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q '^wire/bad.c: differs' && ok "a badly formatted file fails, named" \
    || bad "a badly formatted file was not reported (exit $rc): $out"
"$TMP/scripts/check-format.sh" --fix >/dev/null 2>&1
out="$("$TMP/scripts/check-format.sh" 2>&1)"; rc=$?
[ $rc = 0 ] && ok "--fix rewrites it to pass" || bad "--fix did not fix it: $out"
echo "$pass passed, $failn failed"
[ $failn = 0 ]
