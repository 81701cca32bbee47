#!/usr/bin/env bash
# lint.check_symbols: the libraries a program links define global names in s7kit's own
# namespace only (docs/abi.md, Symbols): libs7.a and libs7config.a only s7_ and s7__ names
# (a static library cannot hide its internal ones, but they must not take a name another
# library uses: a `yaml_strdup` in libs7config.a made a program that also links libyaml
# statically fail with "multiple definition"), libs7.so exports s7_ names only (no s7__).
#   test_check_symbols.sh LIBS7_A LIBS7CONFIG_A [LIBS7_SO]
set -uo pipefail
A="${1:?usage: test_check_symbols.sh LIBS7_A LIBS7CONFIG_A [LIBS7_SO]}"
CFG="${2:?usage: test_check_symbols.sh LIBS7_A LIBS7CONFIG_A [LIBS7_SO]}"
SO="${3:-}"
pass=0 failn=0
ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$*"; }
bad() { failn=$((failn + 1)); printf 'FAIL: %s\n' "$*"; }
command -v nm >/dev/null || { echo "nm not installed (binutils)"; exit 77; }

# the global names an archive defines (text, data, bss, read-only), one per line
defined() { nm -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDBRVWGS]$/ { print $3 }' | sort -u; }

for lib in "$A" "$CFG"; do
    [ -f "$lib" ] || { bad "$lib does not exist"; continue; }
    names="$(defined "$lib")"
    n="$(printf '%s\n' "$names" | grep -c . || true)"
    [ "$n" -gt 0 ] || { bad "$(basename "$lib") defines no global names (nm failed?)"; continue; }
    foreign="$(printf '%s\n' "$names" | grep -v '^s7_' || true)"
    if [ -z "$foreign" ]; then
        ok "$(basename "$lib"): $n global names, all s7_ or s7__"
    else
        bad "$(basename "$lib") defines global names outside s7_ (rename them s7__NAME, or make them static): $(echo $foreign | head -c 400)"
    fi
done

if [ -n "$SO" ]; then
    exported="$(nm -D --defined-only "$SO" | awk 'NF == 3 { print $3 }')"
    foreign="$(printf '%s\n' "$exported" | grep -v '^s7_' || true)"
    internal="$(printf '%s\n' "$exported" | grep '^s7__' || true)"
    [ -z "$foreign" ] && [ -z "$internal" ] && ok "$(basename "$SO") exports s7_ names only, no s7__" \
        || bad "$(basename "$SO") exports $(echo $foreign $internal | head -c 400)"
fi

# the check itself can fail: an archive with a planted foreign name is reported
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
printf 'int yaml_planted(void) { return 1; }\nint s7_planted(void) { return 2; }\n' >"$TMP/p.c"
if cc -c "$TMP/p.c" -o "$TMP/p.o" 2>/dev/null && ar rcs "$TMP/libplanted.a" "$TMP/p.o"; then
    out="$(defined "$TMP/libplanted.a" | grep -v '^s7_' || true)"
    [ "$out" = "yaml_planted" ] && ok "a planted archive with yaml_planted is caught" \
        || bad "the planted name yaml_planted was not caught: '$out'"
fi
echo "$pass passed, $failn failed"
[ $failn = 0 ]
