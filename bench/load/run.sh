#!/usr/bin/env bash
# The server benchmark (issue 3) in one run: starts s7kit's server (`s7 server`, or
# s7srvhost with --ours host), the Snap7 server (snap7srv) and the floor's echo server
# (s7echo), each its own process on a free 127.0.0.1 port, runs s7load against the three,
# prints one table, and stops every process it started (by PID).
#
# Usage: bench/load/run.sh BUILD_DIR [--ours tool|host] [s7load options]
#   e.g. bench/load/run.sh build-load
#        bench/load/run.sh build-load --markdown
#        bench/load/run.sh build-load --time 3 --rounds 5 --verbose
#        bench/load/run.sh build-load --cases a --idle 0     (one case, no memory rows)
#        bench/load/run.sh build-load --cases g --idle 0     (greedy clients only)
# s7load options: --time S, --rounds N, --warm S, --cases LETTERS, --idle N1,N2,
# --greedy N, --greedy-reqs N, --greedy-time S, --markdown, --verbose
# (build-load/bench/load/s7load --help).  Build first:
#   cmake -S . -B build-load && cmake --build build-load -j2 --target s7load s7echo snap7srv s7srvhost s7-cli
# Not a test: it prints figures; exit status 1 when a reply was wrong or missing, 2 when
# something could not be set up.
set -euo pipefail

usage() {
    echo "usage: bench/load/run.sh BUILD_DIR [--ours tool|host] [s7load options]" >&2
    exit 2
}
[ $# -ge 1 ] || usage
COMMAND="bench/load/run.sh $*"
BUILD="$1"
shift
OURS=tool
ARGS=()
while [ $# -gt 0 ]; do
    case "$1" in
    --ours)
        [ $# -ge 2 ] || usage
        OURS="$2"
        shift 2
        ;;
    -h | --help)
        sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'
        exit 0
        ;;
    *)
        ARGS+=("$1")
        shift
        ;;
    esac
done
case "$OURS" in tool | host) ;; *) usage ;; esac

LOAD="$BUILD/bench/load"
for b in s7load s7echo snap7srv; do
    if [ ! -x "$LOAD/$b" ]; then
        echo "run.sh: $LOAD/$b is not built." >&2
        echo "run.sh: it needs Snap7 from node-snap7 (scripts/deps.sh), then:" >&2
        echo "run.sh:   cmake -S . -B $BUILD && cmake --build $BUILD -j2 --target s7load s7echo snap7srv s7srvhost s7-cli" >&2
        exit 2
    fi
done
if [ "$OURS" = tool ] && [ ! -x "$BUILD/bin/s7" ]; then
    echo "run.sh: $BUILD/bin/s7 is not built; using s7srvhost for s7kit's server" >&2
    OURS=host
fi
if [ "$OURS" = host ] && [ ! -x "$LOAD/s7srvhost" ]; then
    echo "run.sh: $LOAD/s7srvhost is not built" >&2
    exit 2
fi

# 10,000 idle connections: the generator and our server each need ~10,100 descriptors.
NOFILE_WANT=16384
hard=$(ulimit -Hn)
if [ "$hard" != unlimited ] && [ "$hard" -lt "$NOFILE_WANT" ]; then
    ulimit -Hn "$NOFILE_WANT" 2>/dev/null ||
        echo "run.sh: warning: hard open-file limit $hard (raising it needs root): fewer than 10,000 connections" >&2
fi
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# CPU placement: the generator on one CPU, every server process on another (as if the
# client and the PLC were two machines); a ping-pong pair left to the scheduler lands on
# one CPU in some runs and on two in others, and the figures jump between runs.
PIN_GEN=()
PIN_SRV=()
PLACEMENT="not pinned (one CPU, or no taskset)"
if command -v taskset >/dev/null 2>&1; then
    cpus=()
    list=$(taskset -pc $$ | sed 's/.*: //')
    IFS=',' read -ra parts <<<"$list"
    for p in "${parts[@]}"; do
        if [[ "$p" == *-* ]]; then
            for ((i = ${p%-*}; i <= ${p#*-}; i++)); do cpus+=("$i"); done
        else
            cpus+=("$p")
        fi
    done
    if [ "${#cpus[@]}" -ge 2 ]; then
        PIN_GEN=(taskset -c "${cpus[0]}")
        PIN_SRV=(taskset -c "${cpus[1]}")
        PLACEMENT="generator on CPU ${cpus[0]}, each server process (all its threads) on CPU ${cpus[1]}, one at a time; ${#cpus[@]} CPUs usable"
    fi
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/s7load.XXXXXX")
PIDS=()
cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
        [ $alive = 0 ] && break
        sleep 0.1
    done
    for pid in "${PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start NAME PATTERN CMD...: runs CMD in the background (its stdout in $TMP/NAME.out) and
# waits until a line matching PATTERN (a sed -n expression printing the port) shows up.
# Sets PORT and PID.
start() {
    local name="$1" pat="$2"
    shift 2
    "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" &
    PID=$!
    PIDS+=("$PID")
    PORT=""
    for _ in $(seq 100); do
        PORT=$(sed -n "$pat" "$TMP/$name.out" | head -1)
        [ -n "$PORT" ] && return 0
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "run.sh: $name did not start:" >&2
    cat "$TMP/$name.err" >&2
    exit 2
}

if [ "$OURS" = tool ]; then
    OURS_ARGS=(server --listen 127.0.0.1:0 --profile s7-1500 --db 1:65535 --put-get on
        --max-conn total=20000 --max-conn pg=20000 --max-per-source 0 --quiet)
    start ours 's/^ *listening on *[0-9.]*:\([0-9][0-9]*\).*/\1/p' "${PIN_SRV[@]}" "$BUILD/bin/s7" "${OURS_ARGS[@]}"
    OURS_LABEL="s7 ${OURS_ARGS[*]}"
else
    start ours 's/^port \([0-9][0-9]*\)$/\1/p' "${PIN_SRV[@]}" "$LOAD/s7srvhost"
    OURS_LABEL="s7srvhost (libs7 s7_server_run, s7-1500, PUT/GET on, budgets 20000)"
fi
OURS_AT="127.0.0.1:$PORT,$PID"
start snap7 's/^port \([0-9][0-9]*\)$/\1/p' "${PIN_SRV[@]}" "$LOAD/snap7srv"
SNAP7_AT="127.0.0.1:$PORT,$PID"
for _ in $(seq 20); do
    SNAP7_MAX=$(sed -n 's/^max-clients \([0-9]*\)$/\1/p' "$TMP/snap7.out")
    [ -n "$SNAP7_MAX" ] && break
    sleep 0.05
done
SNAP7_VER=$(sed -n 's/.*"version": *"\([^"]*\)".*/\1/p' "$(dirname "$0")/../../tests/node/node_modules/node-snap7/package.json" 2>/dev/null | head -1)
SNAP7_LABEL="snap7srv (TSnap7Server of node-snap7 ${SNAP7_VER:-?}, MaxClients ${SNAP7_MAX:-?}: client sockets must stay below FD_SETSIZE 1024)"
start floor 's/^port \([0-9][0-9]*\)$/\1/p' "${PIN_SRV[@]}" "$LOAD/s7echo"
FLOOR_AT="127.0.0.1:$PORT,$PID"

set +e
"${PIN_GEN[@]}" "$LOAD/s7load" --ours "$OURS_AT" --snap7 "$SNAP7_AT" --floor "$FLOOR_AT" \
    --label-ours "$OURS_LABEL" --label-snap7 "$SNAP7_LABEL" --placement "$PLACEMENT" \
    --command "$COMMAND" "${ARGS[@]}"
rc=$?
set -e
for name in ours snap7 floor; do
    if [ -s "$TMP/$name.err" ]; then
        echo "run.sh: $name's stderr:" >&2
        tail -5 "$TMP/$name.err" >&2
    fi
done
exit $rc
