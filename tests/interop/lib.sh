# Helpers for interop tests (bash).  Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#   need_snap7                       # skip (exit 77) when node-snap7 is not installed
#   start_snap7 --fixture standard   # exports SNAP7_PORT, SNAP7_PID; killed on exit
#   check_eq "$(snap7_local dbread 1 0 4)" 00010203 "DB1 pattern"
#   finish                           # "N passed, N failed"; exit 1 on failures
#
# Environment (set by ctest; defaults work when a test is run by hand from the source tree):
#   S7_SOURCE  source tree root        S7_BUILD  build dir     S7_BIN  the s7 CLI
#   NODE_PATH  tests/node/node_modules
# Other helpers: free_port, stop_snap7, snap7_client, skip, fail, pass, die, check_*,
# need_cmd, need_s7_bin, on_exit, S7_TEST_TMP (a per-test scratch dir, removed on exit).
# Use on_exit CMD instead of `trap ... EXIT`, which would replace lib.sh's clean-up.
# See README.md in this directory.

S7_INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
: "${S7_SOURCE:=$(cd "$S7_INTEROP_DIR/../.." && pwd)}"
: "${S7_BUILD:=$S7_SOURCE/build}"
: "${S7_BIN:=$S7_BUILD/bin/s7}"
: "${NODE_PATH:=$S7_SOURCE/tests/node/node_modules}"
export S7_SOURCE S7_BUILD S7_BIN NODE_PATH
if [ -d /usr/include/node ] && [ -z "${npm_config_nodedir:-}" ]; then
    export npm_config_nodedir=/usr
fi

S7_TEST_NAME="$(basename "${0%.sh}")"
S7_NODE="$(command -v node 2>/dev/null || true)"

_S7_PASS=0
_S7_FAIL=0
_S7_PIDS=()        # servers to stop on exit
_S7_ON_EXIT=()     # commands registered with on_exit
_S7_PORT_LOCKS="${TMPDIR:-/tmp}/s7kit-ports"
S7_TEST_TMP="$(mktemp -d "${TMPDIR:-/tmp}/s7kit-${S7_TEST_NAME}.XXXXXX")"
export S7_TEST_TMP

# ---------------------------------------------------------------- results

# pass MSG: count a passed check.
pass() {
    _S7_PASS=$((_S7_PASS + 1))
    printf 'ok - %s\n' "$*"
}

# fail MSG: count a failed check and go on.
fail() {
    _S7_FAIL=$((_S7_FAIL + 1))
    printf 'FAIL: %s\n' "$*"
}

# die MSG: a failure that ends the test now (exit 1).
die() {
    fail "$*"
    finish
}

# skip MSG: the test cannot run here (exit 77, ctest shows it as skipped).
skip() {
    printf 'SKIP: %s\n' "$*"
    exit 77
}

# check_eq GOT WANT WHAT
check_eq() {
    if [ "$1" = "$2" ]; then
        pass "$3"
    else
        fail "$3: got '$1', want '$2'"
    fi
    return 0
}

# check_ne GOT NOT_WANTED WHAT
check_ne() {
    if [ "$1" != "$2" ]; then pass "$3"; else fail "$3: got '$1'"; fi
    return 0
}

# check_contains HAYSTACK NEEDLE WHAT: NEEDLE is a fixed string.
check_contains() {
    case "$1" in
        *"$2"*) pass "$3" ;;
        *) fail "$3: '$2' not in '$1'" ;;
    esac
    return 0
}

# check_lacks HAYSTACK NEEDLE WHAT: NEEDLE (a fixed string) is not in HAYSTACK.
check_lacks() {
    case "$1" in
        *"$2"*) fail "$3: '$2' in '$1'" ;;
        *) pass "$3" ;;
    esac
    return 0
}

# check_match STRING ERE WHAT: STRING matches the extended regular expression.
check_match() {
    if [[ "$1" =~ $2 ]]; then pass "$3"; else fail "$3: '$1' does not match /$2/"; fi
    return 0
}

# check_ok WHAT CMD ARGS...: CMD exits 0 (its output is shown only on failure).
check_ok() {
    local what="$1" out rc=0
    shift
    out="$("$@" 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ]; then pass "$what"; else fail "$what: exit $rc: $out"; fi
    return 0
}

# check_fails WHAT CMD ARGS...: CMD exits non-zero.  Its output is left in S7_LAST_OUT.
check_fails() {
    local what="$1" rc=0
    shift
    S7_LAST_OUT="$("$@" 2>&1)" || rc=$?
    if [ "$rc" -ne 0 ]; then pass "$what"; else fail "$what: succeeded: $S7_LAST_OUT"; fi
    return 0
}

# finish: prints "N passed, N failed" and exits 1 when anything failed (or nothing ran).
finish() {
    printf '%d passed, %d failed\n' "$_S7_PASS" "$_S7_FAIL"
    if [ "$_S7_FAIL" -gt 0 ]; then
        _s7_dump_logs
        exit 1
    fi
    if [ "$_S7_PASS" -eq 0 ]; then
        printf 'FAIL: no checks ran\n'
        exit 1
    fi
    exit 0
}

# ---------------------------------------------------------------- requirements

# need_cmd CMD...: skip unless every CMD is on PATH.
need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "$c not installed (run make deps as root)"
    done
}

# need_snap7: skip unless node and node-snap7 are installed.
need_snap7() {
    [ -n "$S7_NODE" ] || skip "node not found"
    [ -f "$NODE_PATH/node-snap7/build/Release/node_snap7.node" ] ||
        skip "node-snap7 not installed in $NODE_PATH (run make deps)"
}

# need_nodes7: skip unless nodes7 is installed.
need_nodes7() {
    [ -n "$S7_NODE" ] || skip "node not found"
    [ -f "$NODE_PATH/nodes7/package.json" ] || skip "nodes7 not installed in $NODE_PATH (run make deps)"
}

# need_s7_bin: skip unless the s7 CLI was built ($S7_BIN).
need_s7_bin() {
    [ -x "$S7_BIN" ] || skip "s7 CLI not built ($S7_BIN)"
}

# ---------------------------------------------------------------- clean-up

# on_exit CMD...: run CMD (one string, eval'd) when the test exits, before servers stop.
on_exit() {
    _S7_ON_EXIT+=("$*")
}

_s7_cleanup() {
    local rc=$? c p
    trap - EXIT INT TERM HUP
    for c in "${_S7_ON_EXIT[@]}"; do
        eval "$c" || true
    done
    for p in "${_S7_PIDS[@]}"; do
        _s7_stop_pid "$p"
    done
    # Port reservations of this test (also those taken in $(free_port) subshells).
    for p in "$_S7_PORT_LOCKS"/*/pid; do
        [ "$(cat "$p" 2>/dev/null)" = "$$" ] && rm -rf "$(dirname "$p")" 2>/dev/null
    done
    if [ -z "${S7_KEEP_TMP:-}" ]; then rm -rf "$S7_TEST_TMP"; fi
    exit "$rc"
}
trap _s7_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Prints the tail of each server log: called by finish on failure.
_s7_dump_logs() {
    local f
    for f in "$S7_TEST_TMP"/snap7.*.log; do
        [ -s "$f" ] || continue
        printf -- '--- %s (last 40 lines)\n' "$(basename "$f")"
        tail -n 40 "$f"
    done
}

# ---------------------------------------------------------------- ports

# Bind-tests 127.0.0.1:PORT; 0 when a listener could bind it now.
_s7_port_bindable() {
    local port="$1"
    if command -v python3 >/dev/null 2>&1; then
        python3 - "$port" <<'EOF' 2>/dev/null
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
    s.listen(1)
except OSError:
    sys.exit(1)
EOF
    elif [ -n "$S7_NODE" ]; then
        "$S7_NODE" -e 'const s=require("net").createServer();s.once("error",()=>process.exit(1));
            s.listen(+process.argv[1],"127.0.0.1",()=>s.close(()=>process.exit(0)))' "$port" 2>/dev/null
    else
        # No listener answers a connect: good enough.
        ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null
    fi
}

# Takes the reservation of PORT for this test (atomic mkdir; stale ones of dead tests are
# taken over).  0 on success.
_s7_reserve_port() {
    local port="$1" d="$_S7_PORT_LOCKS/$1" owner
    mkdir -p "$_S7_PORT_LOCKS" 2>/dev/null || true
    if ! mkdir "$d" 2>/dev/null; then
        owner="$(cat "$d/pid" 2>/dev/null || true)"
        if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then return 1; fi
        # Stale (or being created right now: give it a moment before taking it over).
        [ -n "$owner" ] || { sleep 0.2; owner="$(cat "$d/pid" 2>/dev/null || true)"; }
        if [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null; then return 1; fi
        rm -rf "$d" 2>/dev/null || true
        mkdir "$d" 2>/dev/null || return 1
    fi
    echo $$ >"$d/pid"
    return 0
}

# free_port: prints an unused loopback TCP port in 20000..31999 (below Linux's ephemeral
# range), reserved for this test until it exits so parallel tests never get the same one.
# Use port=$(free_port), or call it without a subshell and read $S7_FREE_PORT.
free_port() {
    local lo=20000 span=12000 seed k port
    seed=$(printf '%s' "$S7_TEST_NAME" | cksum | cut -d' ' -f1)
    # Per-test offset from the name, plus the pid and the time to spread repeats.
    seed=$(( (seed % 120) * 100 + ($$ % 97) + $(date +%N | sed 's/^0*//;s/^$/0/') % 53 ))
    for ((k = 0; k < 400; k++)); do
        port=$(( lo + (seed + k * 37) % span ))
        _s7_reserve_port "$port" || continue
        if _s7_port_bindable "$port"; then
            S7_FREE_PORT=$port
            echo "$port"
            return 0
        fi
        rm -rf "${_S7_PORT_LOCKS:?}/$port"
    done
    echo "free_port: no free port found" >&2
    return 1
}

# ---------------------------------------------------------------- Snap7 server

_s7_stop_pid() {
    local pid="$1" i
    kill -0 "$pid" 2>/dev/null || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

# start_snap7 ARGS...: starts snap7_server.js with ARGS (e.g. --fixture standard, --db 5:100,
# --log) on a free port (or the --port given), waits up to 10 s for READY, exports
# SNAP7_PORT, SNAP7_PID and SNAP7_LOG (its stderr), and stops it when the test exits.
# Several servers may run at once; the variables describe the last one.
# Dies (exit 1) when it cannot start.
start_snap7() {
    need_snap7
    local fixed="" a attempt port n out log pid rc i args
    for a in "$@"; do
        if [ "$fixed" = next ]; then fixed="$a"; break; fi
        [ "$a" = --port ] && fixed=next
    done
    [ "$fixed" != next ] || die "start_snap7: --port needs a value"
    for ((attempt = 1; attempt <= 6; attempt++)); do
        if [ -n "$fixed" ]; then
            port="$fixed"
        else
            free_port >/dev/null || die "start_snap7: no free port"
            port="$S7_FREE_PORT"
        fi
        n=${#_S7_PIDS[@]}
        out="$S7_TEST_TMP/snap7.$n.$attempt.out"
        log="$S7_TEST_TMP/snap7.$n.$attempt.log"
        args=("$@")
        [ -n "$fixed" ] || args+=(--port "$port")
        # --watch-pid: the server stops by itself if this test dies, even by SIGKILL.
        "$S7_NODE" "$S7_INTEROP_DIR/snap7_server.js" "${args[@]}" --watch-pid $$ \
            </dev/null >"$out" 2>"$log" &
        pid=$!
        for ((i = 0; i < 200; i++)); do
            if grep -qx "READY $port" "$out" 2>/dev/null; then
                _S7_PIDS+=("$pid")
                export SNAP7_PORT="$port" SNAP7_PID="$pid" SNAP7_LOG="$log"
                return 0
            fi
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        rc=0
        if kill -0 "$pid" 2>/dev/null; then
            _s7_stop_pid "$pid"
            rc=124
        else
            wait "$pid" 2>/dev/null || rc=$?
        fi
        if [ "$rc" -eq 3 ] && [ -z "$fixed" ]; then
            continue # port taken between free_port and bind: try another
        fi
        cat "$log" >&2
        die "start_snap7 $*: server did not become ready (exit $rc)"
    done
    die "start_snap7 $*: no port could be bound"
}

# stop_snap7 [PID]: stops a server started by start_snap7 (default: the last one).
stop_snap7() {
    local pid="${1:-${SNAP7_PID:-}}"
    [ -n "$pid" ] || return 0
    _s7_stop_pid "$pid"
}

# snap7_client ARGS...: node snap7_client.js ARGS (see snap7_client.js for commands).
snap7_client() {
    "$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" "$@"
}

# snap7_local CMD ARGS...: snap7_client against the last started server.
snap7_local() {
    "$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" "127.0.0.1:$SNAP7_PORT" "$@"
}
