#!/usr/bin/env bash
# scripts/test-package.sh: s7kit as a package others build on (part of `make test`).
#
#   1. Release builds with gcc and with clang (-Werror), each installed into a temporary prefix.
#   2. The installed package: pkg-config --modversion, `s7 --version` and s7_version() agree;
#      libs7.so carries its SONAME and exports only s7_ symbols (none starting s7__).
#   3. examples/ built against the gcc prefix through find_package and through pkg-config,
#      and against the clang prefix through find_package; then run: embed_cpu serves its
#      host's memory, read_tags / poll_cpus / doctor (both builds) read it, the installed s7
#      tool writes to it and embed_cpu reports the write; failures are checked too.
#   4. The library alone, with libfyaml hidden from pkg-config and no C++ compiler, built by a
#      consumer project through add_subdirectory (with the examples linked in-tree).
# Prints one line per check ("ok ..." / "FAIL ..."); exit 1 on the first failure.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
JOBS="${JOBS:-2}"
TMP="$(mktemp -d /tmp/s7kit-package.XXXXXX)"
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
[ -n "${KEEP_TMP:-}" ] && trap - EXIT

npass=0
ok() { npass=$((npass + 1)); printf 'ok   %s\n' "$*"; }
fail() { printf 'FAIL %s\n' "$*" >&2; exit 1; }
# run LOG CMD...: run quietly, show the log's end on failure
run() {
    local log="$1"; shift
    if ! "$@" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        fail "$* (log above)"
    fi
}

# ------------------------------------------------------------------ 1. Release builds
build_install() { # NAME CC CXX
    local name="$1" cc="$2" cxx="$3"
    command -v "$cc" >/dev/null || fail "$cc not installed (make deps)"
    run "$TMP/$name-cfg.log" env CC="$cc" CXX="$cxx" cmake -S "$ROOT" -B "$TMP/build-$name" \
        -DCMAKE_BUILD_TYPE=Release -DS7_WERROR=ON -DS7_BUILD_TESTS=OFF -DS7_BENCH=OFF \
        -DCMAKE_INSTALL_PREFIX="$TMP/prefix-$name"
    run "$TMP/$name-build.log" cmake --build "$TMP/build-$name" -j"$JOBS"
    run "$TMP/$name-install.log" cmake --install "$TMP/build-$name"
    ok "Release build with $cc (-Werror), installed into a temporary prefix"
}
build_install gcc gcc g++
build_install clang clang clang++

P="$TMP/prefix-gcc"
LIBDIR="$(dirname "$(find "$P" -name 'libs7.so.*' -type f | head -n 1)")"
[ -d "$LIBDIR" ] || fail "no libs7.so installed under $P"
for f in include/s7/client.h include/s7/version.h bin/s7; do
    [ -e "$P/$f" ] || fail "$f is not installed"
done
[ -f "$LIBDIR/libs7.a" ] || fail "libs7.a is not installed"
[ -f "$LIBDIR/cmake/s7kit/s7kitConfig.cmake" ] || fail "s7kitConfig.cmake is not installed"
[ -f "$LIBDIR/cmake/s7kit/s7kitConfigVersion.cmake" ] || fail "s7kitConfigVersion.cmake is not installed"
[ -f "$LIBDIR/pkgconfig/s7kit.pc" ] || fail "s7kit.pc is not installed"
ok "installed: headers, libs7.so and libs7.a, the s7 tool, CMake package and s7kit.pc"

# ------------------------------------------------------------------ 2. the installed package
export PKG_CONFIG_PATH="$LIBDIR/pkgconfig"
pcver="$(pkg-config --modversion s7kit)"
cliver="$("$P/bin/s7" --version | awk '{print $NF}')"
want="$(sed -n 's/^project(s7kit VERSION \([0-9.]*\).*/\1/p' "$ROOT/CMakeLists.txt")"
[ -n "$want" ] || fail "cannot read project(VERSION) from CMakeLists.txt"
[ "$pcver" = "$want" ] || fail "pkg-config --modversion says $pcver, project(VERSION) $want"
[ "$cliver" = "$want" ] || fail "s7 --version says $cliver, project(VERSION) $want"
soname="$(readelf -d "$LIBDIR/libs7.so" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')"
[ "$soname" = "libs7.so.${want%%.*}" ] || fail "SONAME is '$soname', want libs7.so.${want%%.*}"
syms="$(nm -D --defined-only "$LIBDIR/libs7.so" | awk '{print $3}')"
nsyms="$(printf '%s\n' "$syms" | grep -c . || true)"
[ "$nsyms" -gt 100 ] || fail "libs7.so exports only $nsyms symbols"
bad="$(printf '%s\n' "$syms" | grep -v '^s7_' || true)"
[ -z "$bad" ] || fail "libs7.so exports symbols outside s7_: $(echo $bad | head -c 300)"
internal="$(printf '%s\n' "$syms" | grep '^s7__' || true)"
[ -z "$internal" ] || fail "libs7.so exports internal s7__ symbols: $(echo $internal | head -c 300)"
ok "pkg-config, s7 --version and project(VERSION) agree ($want); SONAME $soname; $nsyms exported symbols, all s7_, none s7__"
# the relocatable .pc: copy the prefix elsewhere and ask again
cp -a "$P" "$TMP/moved"
mlib="$TMP/moved/${LIBDIR#"$P"/}"
mvinc="$(PKG_CONFIG_PATH="$mlib/pkgconfig" pkg-config --cflags s7kit | sed 's/^-I//; s/ *$//')"
[ "$(realpath -m "$mvinc")" = "$TMP/moved/include" ] && [ -f "$mvinc/s7/client.h" ] \
    || fail "s7kit.pc is not relocatable: --cflags '-I$mvinc' after moving the prefix"
rm -rf "$TMP/moved"
ok "s7kit.pc is relocatable (a moved prefix gives its own include path)"

# ------------------------------------------------------------------ 3. examples
EX="$ROOT/examples"
run "$TMP/ex-cmake.log" cmake -S "$EX" -B "$TMP/ex-cmake" -DCMAKE_PREFIX_PATH="$P" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror -Wno-unused-parameter"
run "$TMP/ex-cmake-build.log" cmake --build "$TMP/ex-cmake" -j"$JOBS"
ok "examples built against the installed package with find_package(s7kit)"
run "$TMP/ex-nopc.log" cmake -S "$EX" -B "$TMP/ex-nopc" -DCMAKE_PREFIX_PATH="$P" \
    -DCMAKE_DISABLE_FIND_PACKAGE_PkgConfig=TRUE
ok "find_package(s7kit) for s7kit::s7 needs no pkg-config (only s7kit::config does)"
run "$TMP/ex-clang.log" env CC=clang cmake -S "$EX" -B "$TMP/ex-clang" -DCMAKE_PREFIX_PATH="$TMP/prefix-clang" \
    -DCMAKE_C_FLAGS="-Wall -Wextra -Werror -Wno-unused-parameter"
run "$TMP/ex-clang-build.log" cmake --build "$TMP/ex-clang" -j"$JOBS"
ok "examples built with clang against the clang-built package with find_package(s7kit)"
mkdir -p "$TMP/ex-pc"
for ex in read_tags poll_cpus embed_cpu doctor; do
    # shellcheck disable=SC2046
    run "$TMP/ex-pc-$ex.log" cc -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wno-unused-parameter \
        "$EX/$ex.c" $(pkg-config --cflags --libs s7kit) -o "$TMP/ex-pc/$ex"
done
ok "examples built against the installed package with pkg-config"

# the C snippets of the library's docs compile against the installed headers, each doc's
# with the headers it names (the YAML loader's block aside: it is s7kit::config's)
snips() { # DOC HEADER...: the doc's C blocks in one main(), after the headers
    local doc="$1" h
    shift
    for h in "$@"; do printf '#include <%s>\n' "$h"; done
    printf '#include <stdio.h>\n#include <stdlib.h>\nint main(void)\n{\n'
    awk '/^```c$/ { on = 1; b = ""; next }
         /^```/ && on { on = 0; if (b !~ /s7_config_load/) printf "%s", b; next }
         on { b = b $0 "\n" }' "$ROOT/docs/$doc"
    printf '    return 0;\n}\n'
}
snips plant.md s7/plant.h s7/plant_check.h >"$TMP/snip-plant.c"
snips doctor.md s7/diag.h >"$TMP/snip-doctor.c"
for f in plant doctor; do
    # shellcheck disable=SC2046
    run "$TMP/snip-$f.log" cc -std=c11 -Wall -Wextra -Werror -Wno-unused-variable -c "$TMP/snip-$f.c" \
        $(pkg-config --cflags s7kit) -o "$TMP/snip-$f.o"
done
ok "the C snippets of docs/plant.md and docs/doctor.md compile with the headers they name"

# usage line: the version the program runs with (s7_version())
rtver="$(LD_LIBRARY_PATH="$LIBDIR" "$TMP/ex-pc/read_tags" 2>&1 || true)"
case "$rtver" in *"libs7 $want)"*) ok "s7_version() says $want";; *) fail "s7_version(): '$rtver'";; esac
deps="$(LD_LIBRARY_PATH="$LIBDIR" ldd "$TMP/ex-pc/read_tags")"
case "$deps" in *"libs7.so.${want%%.*} => $LIBDIR/"*) ;; *) fail "read_tags (pkg-config) does not load the installed libs7.so: $deps";; esac

# embed_cpu from the pkg-config build, clients from the find_package builds
: >"$TMP/embed.out" # exists before the first look below (the background job opens it)
LD_LIBRARY_PATH="$LIBDIR" "$TMP/ex-pc/embed_cpu" 127.0.0.1:0 30 >"$TMP/embed.out" 2>&1 &
epid=$!
pids+=("$epid")
port=""
for _ in $(seq 100); do
    port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$TMP/embed.out")"
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$TMP/embed.out" >&2; fail "embed_cpu did not say where it listens"; }
T="127.0.0.1:$port"
ok "embed_cpu serves its host's memory on $T"

out="$("$TMP/ex-cmake/read_tags" "$T" DB1.DBD0:UDINT DB1.DBW4:INT MW0 2>&1)" || fail "read_tags: $out"
c1="$(printf '%s\n' "$out" | awk '$1 == "DB1.DBD0:UDINT" {print $2}')"
[ -n "$c1" ] && [ "$c1" -gt 0 ] || fail "read_tags: DB1.DBD0 should be the host's counter (> 0): $out"
sleep 0.3
c2="$("$TMP/ex-cmake/read_tags" "$T" DB1.DBD0:UDINT | awk '$1 == "DB1.DBD0:UDINT" {print $2}')"
[ "$c2" -gt "$c1" ] || fail "read_tags: the host's counter did not move ($c1 then $c2)"
ok "read_tags reads the host's live data (DB1.DBD0 $c1, then $c2)"
set +e
out="$("$TMP/ex-cmake/read_tags" "$T" DB1.DBW0 DB99.DBW0 2>&1)"; rc=$?
set -e
[ $rc = 1 ] || fail "read_tags with a missing DB: exit $rc, want 1: $out"
printf '%s\n' "$out" | grep -q "^DB99.DBW0 .*error: .*0x0A" || fail "read_tags: no error line for DB99: $out"
ok "read_tags: a missing DB fails that tag (item return code 0x0A), exit 1"

out="$("$TMP/ex-cmake/poll_cpus" 3 100 "$T" "$T" 2>&1)" || fail "poll_cpus: $out"
[ "$(printf '%s\n' "$out" | grep -c '3 of 3 rounds read')" = 2 ] || fail "poll_cpus: $out"
[ "$(printf '%s\n' "$out" | grep -c 'MW0=')" = 6 ] || fail "poll_cpus: want 6 answers: $out"
ok "poll_cpus: two connections on one thread, 3 rounds each"
set +e
out="$("$TMP/ex-cmake/poll_cpus" 1 10 "$T" 127.0.0.1:1 2>&1)"; rc=$?
set -e
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "127.0.0.1:1 .*connect failed" \
    && printf '%s\n' "$out" | grep -q "$T .*1 of 1 rounds read" || fail "poll_cpus with one CPU down (exit $rc): $out"
ok "poll_cpus: a CPU that is down is reported, the other is still read"

out="$("$TMP/ex-clang/doctor" "$T" 1 2>&1)" || fail "doctor: $out"
printf '%s\n' "$out" | grep -q "^verdict: ok" || fail "doctor: $out"
set +e
out="$("$TMP/ex-cmake/doctor" "$T" 7 2>&1)"; rc=$?
set -e
[ $rc = 1 ] && printf '%s\n' "$out" | grep -q "^verdict: db_missing" && printf '%s\n' "$out" | grep -q "^fix: " \
    || fail "doctor on a missing DB (exit $rc): $out"
ok "doctor: ok on DB1, db_missing with a fix on DB7"

"$P/bin/s7" write "$T" MB0=7 DB1.DBB10=16#2A >/dev/null || fail "s7 write to embed_cpu failed"
sleep 0.2
grep -q "client wrote M bytes 0..0: 07" "$TMP/embed.out" || { cat "$TMP/embed.out" >&2; fail "embed_cpu was not told of the write to MB0"; }
grep -q "client wrote DB1 bytes 10..10: 2A" "$TMP/embed.out" || { cat "$TMP/embed.out" >&2; fail "embed_cpu was not told of the write to DB1.DBB10"; }
"$P/bin/s7" write "$T" MB15=16#FF >/dev/null || fail "s7 write MB15 failed"
set +e
wait "$epid"; rc=$?
set -e
pids=()
[ $rc = 0 ] || fail "embed_cpu exit $rc"
grep -q "stopping: a client asked" "$TMP/embed.out" || { cat "$TMP/embed.out" >&2; fail "embed_cpu did not stop on MB15"; }
ok "embed_cpu was told of each client write (MB0, DB1.DBB10) and stopped when asked"

# s7kit::config (the YAML loaders) from the installed package: load the documented inventory
mkdir -p "$TMP/cfg-consumer"
cat >"$TMP/cfg-consumer/CMakeLists.txt" <<'EOF'
cmake_minimum_required(VERSION 3.20)
project(cfg_consumer LANGUAGES C)
find_package(s7kit REQUIRED COMPONENTS config)
add_executable(load_plant load_plant.c)
target_link_libraries(load_plant PRIVATE s7kit::config)
EOF
cat >"$TMP/cfg-consumer/load_plant.c" <<'EOF'
#include <stdio.h>
#include <s7/config.h>
int main(int argc, char **argv)
{
    char err[512];
    s7_plant *p = NULL;
    if (argc < 2 || s7_config_load_plant(argv[1], &p, err, sizeof err) < 0) {
        printf("error: %s\n", argc < 2 ? "usage: load_plant FILE" : err);
        return 1;
    }
    printf("connections: %zu\n", p->nconns);
    s7_plant_free(p);
    return 0;
}
EOF
run "$TMP/cfg-consumer.log" cmake -S "$TMP/cfg-consumer" -B "$TMP/cfg-consumer/build" -DCMAKE_PREFIX_PATH="$P"
run "$TMP/cfg-consumer-build.log" cmake --build "$TMP/cfg-consumer/build"
out="$("$TMP/cfg-consumer/build/load_plant" "$ROOT/docs/inventory-example.yaml" 2>&1)" || fail "load_plant: $out"
want_n="$("$P/bin/s7" inventory validate "$ROOT/docs/inventory-example.yaml" | sed -n 's/.* \([0-9][0-9]*\) connections.*/\1/p')"
[ -n "$want_n" ] && [ "$out" = "connections: $want_n" ] || fail "load_plant says '$out', s7 inventory validate: $want_n connections"
printf 'partners: [\n' >"$TMP/bad.yaml"
set +e
out="$("$TMP/cfg-consumer/build/load_plant" "$TMP/bad.yaml" 2>&1)"; rc=$?
set -e
[ $rc = 1 ] && case "$out" in "error: $TMP/bad.yaml:"[0-9]*) true;; *) false;; esac || fail "load_plant on a broken file (exit $rc): $out"
ok "s7kit::config from the installed package loads the documented inventory ($want_n connections) and names FILE:LINE of a broken one"
# without CMake, as docs/plant.md says: libs7config.a with the static libs7.a and libfyaml
pclib="$(pkg-config --variable=libdir s7kit)"
# shellcheck disable=SC2046
run "$TMP/cfg-pc.log" cc -std=c11 -Wall -Wextra -Werror "$TMP/cfg-consumer/load_plant.c" $(pkg-config --cflags s7kit) \
    -L"$pclib" -ls7config "$pclib/libs7.a" $(pkg-config --libs libfyaml) -o "$TMP/cfg-consumer/load_plant_pc"
out="$("$TMP/cfg-consumer/load_plant_pc" "$ROOT/docs/inventory-example.yaml" 2>&1)" || fail "load_plant (pkg-config): $out"
[ "$out" = "connections: $want_n" ] || fail "load_plant (pkg-config) says '$out', want $want_n connections"
ok "libs7config.a links without CMake as docs/plant.md says (with libs7.a and libfyaml)"

# ------------------------------------------------------------------ 4. library alone, add_subdirectory
mkdir -p "$TMP/consumer" "$TMP/no-pkgconfig"
cat >"$TMP/consumer/CMakeLists.txt" <<EOF
cmake_minimum_required(VERSION 3.20)
project(consumer LANGUAGES C)
add_subdirectory("$ROOT" s7kit)
add_subdirectory("$ROOT/examples" examples)
EOF
run "$TMP/consumer-cfg.log" env CXX=/nonexistent/c++ PKG_CONFIG=/nonexistent/pkg-config \
    PKG_CONFIG_PATH= PKG_CONFIG_LIBDIR="$TMP/no-pkgconfig" \
    cmake -S "$TMP/consumer" -B "$TMP/consumer/build" -DS7_WERROR=ON -DCMAKE_BUILD_TYPE=Release
grep -qi "fyaml\|CXX compiler" "$TMP/consumer-cfg.log" && { cat "$TMP/consumer-cfg.log" >&2; fail "the library-only configure looked for libfyaml or C++"; }
run "$TMP/consumer-build.log" cmake --build "$TMP/consumer/build" -j"$JOBS"
[ -x "$TMP/consumer/build/examples/read_tags" ] || fail "the consumer's examples were not built"
[ ! -e "$TMP/consumer/build/s7kit/bin/s7" ] || fail "add_subdirectory built the s7 tool (tools should be off)"
out="$("$TMP/consumer/build/examples/read_tags" 2>&1 || true)"
case "$out" in *"libs7 $want)"*) ;; *) fail "consumer read_tags does not run: $out";; esac
ok "library alone through add_subdirectory: no libfyaml, no C++ compiler, no tools or tests; examples linked in-tree"

echo "test-package: $npass passed, 0 failed"
