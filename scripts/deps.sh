#!/usr/bin/env bash
# Installs every Debian package that s7kit's build, tests and demo need, and the npm peers the
# interop tests talk to.
#   scripts/deps.sh          everything `make test` needs (build + tests + npm peers)
#   scripts/deps.sh --demo   only what `make demo` needs (the build)
# The Debian packages are one list below, each with the group that needs it and why. A package
# counts as present when dpkg says it is installed, or when the command named beside it is on
# PATH (so a nodejs from another source, or a python3 from pyenv, is not replaced).
# The npm packages pinned in tests/node/package.json (node-snap7, nodes7) go into
# tests/node/node_modules; node-snap7 compiles Snap7 from source.
# Idempotent and fast when everything is present: apt-get update runs only when a package is
# missing, npm install only when node_modules is missing or package.json changed (stamp file).
# Not root: prints what is missing and goes on; the tests that need it skip with a message.
# One line per step on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_DIR="$ROOT/tests/node"
MODS="$NODE_DIR/node_modules"
STAMP="$MODS/.s7kit-stamp"

MODE=test
case "${1:-}" in
    "") ;;
    --demo) MODE=demo ;;
    --list) MODE=list ;;
    *) printf 'deps: unknown option %s (use --demo, --list or nothing)\n' "$1" >&2; exit 2 ;;
esac

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- Debian packages
# package       group  command (satisfies it when on PATH; - for none)  what needs it
DEB_TABLE='
build-essential build  -        gcc, g++ and make: the library, the s7 tool, tests and benchmarks
cmake           build  cmake    the build system (CMakeLists.txt)
pkg-config      build  -        CMake finds libfyaml through pkg-config (FindPkgConfig)
libfyaml-dev    build  -        YAML reading in the s7 tool (server config, inventory)
libmicrohttpd-dev build -        the /metrics endpoint of s7 exchange and s7 inventory monitor (tools/s7/metrics.c)
curl            test   curl     scrapes the /metrics endpoint (test_exchange_bridge, test_inventory_monitor)
prometheus      test   promtool promtool check metrics on the scraped endpoint (test_exchange_bridge)
python3         test   python3  tests parse --json output; node-gyp builds node-snap7
nodejs          test   node     runs the Snap7 and nodes7 peers (tests/node)
npm             test   npm      installs node-snap7 and nodes7 into tests/node
tshark          test   -        Wireshark s7comm dissector reads captures of our traffic
nmap            test   -        nmap s7-info script against s7 server
clang           test   -        libFuzzer targets (make fuzz) and the fuzz corpus replay build
libclang-rt-14-dev test -       libFuzzer and sanitizer runtimes for clang
iproute2        test   -        ip netns and veth pairs for the multi-host tests
nftables        test   -        firewall rules in network namespaces (inventory, doctor)
iptables        test   -        iptables variant of the generated firewall rules
procps          test   -        sysctl: IP forwarding on the namespace router
libxml2-utils   test   -        xmllint checks that the report SVG is well-formed XML
chromium        test   chromium headless chromium lays out the report SVG and measures its texts (test_inventory_report_svg)
fonts-dejavu-core test -        DejaVu Sans, the font the report SVG names and is sized for (test_inventory_report_svg)
clang-format    test   -        the format check of the C sources against .clang-format
haproxy         test   -        make bench-guard: the byte-relay proxy the guard is measured against
bsdutils        test   script   script(1) gives s7 dump a terminal to show its progress
util-linux      test   setpriv  setpriv runs s7 doctor unprivileged (test_doctor_netns_router); script(1) answers the s7 stop/start prompt (test_doctor_cpu)
mandoc          test   mandoc   mandoc -T lint checks the man page docs/s7.1 (test_cli_docs)
groff-base      test   groff    groff -man -ww renders the man page docs/s7.1 (test_cli_docs)
'

if [ "$MODE" = list ]; then
    printf '%s\n' "$DEB_TABLE" | sed '/^$/d'
    exit 0
fi

pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}
# present PKG CMD: installed, or its command is on PATH
present() {
    pkg_installed "$1" && return 0
    [ "$2" != - ] && command -v "$2" >/dev/null 2>&1
}

wanted=() missing=()
while read -r pkg group cmd _why; do
    [ -n "$pkg" ] || continue
    [ "$MODE" = test ] || [ "$group" = build ] || continue
    wanted+=("$pkg")
    if command -v dpkg-query >/dev/null 2>&1; then
        present "$pkg" "$cmd" || missing+=("$pkg")
    else
        [ "$cmd" != - ] && command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
    fi
done <<<"$DEB_TABLE"

if [ ${#missing[@]} -eq 0 ]; then
    say "apt: all ${#wanted[@]} packages present ($MODE)"
elif ! command -v apt-get >/dev/null 2>&1; then
    say "apt: no apt-get on this system; install by hand: ${missing[*]}"
elif [ "$(id -u)" -ne 0 ]; then
    say "apt: not root; missing: ${missing[*]} (install them, or the tests that need them skip)"
else
    export DEBIAN_FRONTEND=noninteractive
    say "apt: installing ${missing[*]}"
    echo 'wireshark-common wireshark-common/install-setuid boolean false' | debconf-set-selections
    aptlog="$(mktemp)"
    if ! apt-get update -qq </dev/null >"$aptlog" 2>&1; then
        tail -n 30 "$aptlog" >&2
        die "apt-get update failed"
    fi
    if ! apt-get install -y -qq --no-install-recommends \
            -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
            "${missing[@]}" </dev/null >"$aptlog" 2>&1; then
        tail -n 30 "$aptlog" >&2
        die "apt-get install ${missing[*]} failed"
    fi
    rm -f "$aptlog"
    still=()
    while read -r pkg group cmd _why; do
        [ -n "$pkg" ] || continue
        for m in "${missing[@]}"; do
            [ "$m" = "$pkg" ] && { present "$pkg" "$cmd" || still+=("$pkg"); }
        done
    done <<<"$DEB_TABLE"
    [ ${#still[@]} -eq 0 ] || die "apt: still missing after install: ${still[*]}"
    say "apt: installed ${missing[*]}"
fi

[ "$MODE" = test ] || exit 0

# ---------------------------------------------------------------- npm peers
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    say "npm: node/npm not found; skipping node-snap7 and nodes7 (interop tests will skip)"
    exit 0
fi

# node-gyp compiles Snap7 against the system's node headers (no download of headers).
if [ -d /usr/include/node ] && [ -z "${npm_config_nodedir:-}" ]; then
    export npm_config_nodedir=/usr
fi

want_sum="$(sha256sum "$NODE_DIR/package.json" | cut -d' ' -f1) node=$(node --version)"
have_sum=""
[ -f "$STAMP" ] && have_sum="$(cat "$STAMP")"

SNAP7_A="$MODS/node-snap7/build/Release/snap7.a"
SNAP7_NODE="$MODS/node-snap7/build/Release/node_snap7.node"

if [ -d "$MODS" ] && [ "$have_sum" = "$want_sum" ] && [ -f "$SNAP7_A" ] && [ -f "$SNAP7_NODE" ]; then
    say "npm: tests/node/node_modules up to date"
else
    say "npm: installing tests/node (node-snap7 compiles Snap7 from source)"
    rm -f "$STAMP"
    log="$(mktemp)"
    # build_from_source: skip prebuild-install's download attempt (only the npm registry is
    # reachable); it then falls back to node-gyp rebuild.
    if ! npm_config_build_from_source=true npm install --prefix "$NODE_DIR" --no-audit --no-fund \
            --no-package-lock </dev/null >"$log" 2>&1; then
        tail -n 60 "$log" >&2
        rm -f "$log"
        die "npm install in tests/node failed"
    fi
    rm -f "$log"
    say "npm: installed"
fi

# ---------------------------------------------------------------- verify
[ -f "$SNAP7_A" ] || die "missing $SNAP7_A (node-snap7 did not compile Snap7)"
[ -f "$SNAP7_NODE" ] || die "missing $SNAP7_NODE (node-snap7 addon not built)"
[ -f "$MODS/nodes7/package.json" ] || die "missing nodes7 in $MODS"
NODE_PATH="$MODS" node -e 'const s=require("node-snap7"); new s.S7Server(); new s.S7Client(); require("nodes7");' \
    </dev/null || die "node-snap7 / nodes7 do not load"
[ "$have_sum" = "$want_sum" ] || printf '%s\n' "$want_sum" >"$STAMP"
say "npm: node-snap7 and nodes7 load (snap7.a and node_snap7.node present)"
