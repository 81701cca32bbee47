#!/usr/bin/env bash
# Runs the client benchmark (bench/s7bench: s7kit's client vs the Snap7 client on one Snap7
# server, with a TCP ping-pong floor) from a build directory, passing any further arguments.
# Usage: scripts/bench.sh BUILD_DIR [--quick] [--markdown] [--time S] [--cases abcde] ...
# The benchmark is not a test: it prints figures and exits non-zero only when a read failed
# or returned wrong data (1) or it could not set up (2).
set -euo pipefail

if [ $# -lt 1 ]; then
    echo "usage: scripts/bench.sh BUILD_DIR [s7bench options]" >&2
    exit 2
fi
BUILD="$1"
shift
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$BUILD/bench/s7bench"

if [ ! -x "$BIN" ]; then
    cat >&2 <<MSG
bench: $BIN was not built.
bench: s7bench needs Snap7, which the npm package node-snap7 compiles from source into
bench:   tests/node/node_modules/node-snap7/build/Release/snap7.a
bench: To get it:
bench:   scripts/deps.sh      (or: make deps; needs node and npm)
bench:   cmake -S . -B $BUILD (re-run CMake so that it finds Snap7)
bench:   cmake --build $BUILD --target s7bench
bench: (make bench does all three: deps, build, then this script).
bench: or point CMake at another node-snap7 copy: cmake -S . -B $BUILD -DS7_SNAP7_DIR=/path/to/node-snap7
bench: (and the build must have S7_BENCH=ON, the default).
MSG
    if [ ! -f "$ROOT/tests/node/node_modules/node-snap7/build/Release/snap7.a" ]; then
        echo "bench: tests/node/node_modules/node-snap7 is not installed." >&2
    fi
    exit 2
fi

exec "$BIN" "$@"
