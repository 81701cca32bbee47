#!/usr/bin/env bash
# lint.check_symbols: the libraries a program links define global names in s7kit's own
# namespace only (docs/abi.md, Symbols): libs7.a and libs7config.a only s7_ and s7__ names
# (a static library cannot hide its internal ones, but they must not take a name another
# library uses: a `yaml_strdup` in libs7config.a made a program that also links libyaml
# statically fail with "multiple definition"), libs7.so exports s7_ names only (no s7__);
# and every s7_ name the public headers' comments point the reader to exists (a function of
# either library, or a type, field, enumerator or macro of the headers: plant_policy.h sent
# the reader to an s7_guard_rules_load that never existed).
#   test_check_symbols.sh SOURCE_DIR LIBS7_A LIBS7CONFIG_A [LIBS7_SO]
set -uo pipefail
USAGE="usage: test_check_symbols.sh SOURCE_DIR LIBS7_A LIBS7CONFIG_A [LIBS7_SO]"
SRC="${1:?$USAGE}"
A="${2:?$USAGE}"
CFG="${3:?$USAGE}"
SO="${4:-}"
pass=0 failn=0
ok() { pass=$((pass + 1)); printf 'ok - %s\n' "$*"; }
bad() { failn=$((failn + 1)); printf 'FAIL: %s\n' "$*"; }
command -v nm >/dev/null || { echo "nm not installed (binutils)"; exit 77; }

# the names a sanitizer build adds (ASan's one-definition-rule markers __odr_asan.NAME,
# its and UBSan's own entry points): the compiler's, not the library's
sanitizer_names() { grep -v -E '^(__odr_asan[._]|__asan_|__ubsan_|__sanitizer_|__sancov_)' || true; }
# the global names an archive defines (text, data, bss, read-only), one per line
defined() { nm -g --defined-only "$1" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[TDBRVWGS]$/ { print $3 }' | sanitizer_names | sort -u; }

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
    exported="$(nm -D --defined-only "$SO" | awk 'NF == 3 { print $3 }' | sanitizer_names)"
    foreign="$(printf '%s\n' "$exported" | grep -v '^s7_' || true)"
    internal="$(printf '%s\n' "$exported" | grep '^s7__' || true)"
    [ -z "$foreign" ] && [ -z "$internal" ] && ok "$(basename "$SO") exports s7_ names only, no s7__" \
        || bad "$(basename "$SO") exports $(echo $foreign $internal | head -c 400)"
fi

TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

# the names the headers' comments mention: each a name of the code (headers or libraries);
# "s7_bsend_*" and "s7_diag_*" name families, not one name
hdr_check() { # INCLUDE_DIR LIB...: prints "NAME: HEADER..." per dangling name
    python3 - "$@" <<'PY'
import re, subprocess, sys, glob
inc, libs = sys.argv[1], sys.argv[2:]
code, said = set(), {}
for h in sorted(glob.glob(inc + "/s7/*.h") + glob.glob(inc + "/s7/*.h.in")):
    s = open(h, encoding="utf-8").read()
    comment = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
    code |= set(re.findall(r"\bs7_\w+", comment.sub(" ", s)))
    for c in comment.findall(s):
        for m in re.finditer(r"\b(s7_\w+)(\*?)", c):
            if not m.group(2) and not m.group(1).endswith("_"):
                said.setdefault(m.group(1), set()).add(h.rsplit("/", 1)[1])
for lib in libs:
    out = subprocess.run(["nm", "-g", "--defined-only", lib], capture_output=True, text=True).stdout
    code |= {f[2] for f in (l.split() for l in out.splitlines()) if len(f) == 3}
for n in sorted(set(said) - code):
    print(n + ": " + " ".join(sorted(said[n])))
PY
}
if command -v python3 >/dev/null; then
    dangling="$(hdr_check "$SRC/include" "$A" "$CFG")"
    [ -z "$dangling" ] && ok "every s7_ name the headers' comments mention exists" \
        || bad "the headers' comments mention names that do not exist (name the function that does): $dangling"
    mkdir -p "$TMP/inc/s7"
    printf '/* see s7_planted_nothing() and s7_tag_parse */\nint s7_tag_parse(void);\n' >"$TMP/inc/s7/p.h"
    out="$(hdr_check "$TMP/inc" "$A")"
    [ "$out" = "s7_planted_nothing: p.h" ] && ok "a planted header naming s7_planted_nothing is caught" \
        || bad "the planted dangling name was not caught: '$out'"
fi

# the check itself can fail: an archive with a planted foreign name is reported
printf 'int yaml_planted(void) { return 1; }\nint s7_planted(void) { return 2; }\n' >"$TMP/p.c"
if cc -c "$TMP/p.c" -o "$TMP/p.o" 2>/dev/null && ar rcs "$TMP/libplanted.a" "$TMP/p.o"; then
    out="$(defined "$TMP/libplanted.a" | grep -v '^s7_' || true)"
    [ "$out" = "yaml_planted" ] && ok "a planted archive with yaml_planted is caught" \
        || bad "the planted name yaml_planted was not caught: '$out'"
fi
echo "$pass passed, $failn failed"
[ $failn = 0 ]
