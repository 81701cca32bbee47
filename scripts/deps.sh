#!/usr/bin/env bash
# Installs the peers and tools s7kit's tests need that we did not write:
#   - Debian packages (only when root): tshark, nmap, libfyaml-dev, clang, libclang-rt-14-dev,
#     iproute2, nftables, iptables, python3 (only if no python3 is on PATH);
#   - npm packages pinned in tests/node/package.json (node-snap7, nodes7) into
#     tests/node/node_modules; node-snap7 compiles Snap7 from source.
# Idempotent and fast when everything is present: apt-get update runs only when a package is
# missing, npm install only when node_modules is missing or package.json changed (stamp file).
# Not root: prints what is missing and goes on; the tests that need it skip with a message.
# One line per step on stdout.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
NODE_DIR="$ROOT/tests/node"
MODS="$NODE_DIR/node_modules"
STAMP="$MODS/.s7kit-stamp"

say() { printf 'deps: %s\n' "$*"; }
die() { printf 'deps: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- Debian packages
APT_PKGS=(tshark nmap libfyaml-dev clang libclang-rt-14-dev iproute2 nftables iptables)

pkg_installed() {
    [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = "installed" ]
}

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
    for p in "${APT_PKGS[@]}"; do
        pkg_installed "$p" || missing+=("$p")
    done
    if ! command -v python3 >/dev/null 2>&1 && ! pkg_installed python3; then
        missing+=(python3)
    fi
else
    say "apt: no dpkg on this system, skipping Debian packages"
fi

if [ ${#missing[@]} -eq 0 ]; then
    say "apt: all packages present"
elif [ "$(id -u)" -ne 0 ]; then
    say "apt: not root; missing: ${missing[*]} (tests that need them will skip)"
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
    for p in "${missing[@]}"; do
        if [ "$p" = python3 ]; then command -v python3 >/dev/null 2>&1 || still+=("$p"); continue; fi
        pkg_installed "$p" || still+=("$p")
    done
    [ ${#still[@]} -eq 0 ] || die "apt: still missing after install: ${still[*]}"
    say "apt: installed ${missing[*]}"
fi

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
