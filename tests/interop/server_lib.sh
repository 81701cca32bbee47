# Helpers for the tests of s7kit's CPU emulator (`s7 server`).  Source it after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/server_lib.sh"
#   start_s7server --profile s7-300 --db 1:256     # exports S7SRV_PORT, S7SRV_PID, S7SRV_LOG
#   check_eq "$(s7srv_snap7 dbread 1 0 2)" 0000 "DB1 zeroed"
#   finish
#
# start_s7server ARGS...   runs "$S7_BIN server --listen 127.0.0.1:PORT ARGS..." on a free
#                          port (or the --listen ADDR:PORT given in ARGS, used as is), waits
#                          up to 10 s until it accepts a TCP connection, exports
#                          S7SRV_PORT, S7SRV_PID, S7SRV_LOG (stdout+stderr of the server) and
#                          S7SRV_ADDR (HOST:PORT); the server is killed (by PID) when the
#                          test exits, even when the test shell is SIGKILLed (a watchdog).
#                          May be called several times; the variables describe the last one.
#                          Dies when the server does not come up (its log is shown); with
#                          S7SRV_SKIP_IF_BUSY=1 a fixed --listen port in use skips instead.
# stop_s7server [PID]      SIGTERM, wait up to 5 s, then SIGKILL (default: the last server)
# kill9_s7server [PID]     SIGKILL and reap
# s7srv_snap7 [OPTS] CMD.. snap7_client.js against the last server (slot from S7SRV_SLOT,
#                          default 1; OPTS such as --type op go before CMD)
# s7srv_cli CMD ARGS...    the s7 CLI against the last server: s7 CMD 127.0.0.1:PORT ARGS
#                          --slot $S7SRV_SLOT
# s7srv_log_has ERE        0 when the server log has a line matching ERE
# S7SRV_HELPERS            directory of the C helpers (server_protect, server_write_burst)

: "${S7SRV_HELPERS:=$S7_BUILD/tests/interop}"
export S7SRV_HELPERS
S7SRV_SLOT=1
_S7SRV_N=0
_S7SRV_LIVE=() # "PID LOG" of servers started and not stopped by the test

# need_s7_server: fail (not skip) when the s7 CLI has no `server` command: the emulator is
# part of this project, so its absence is a defect, not a missing peer.
need_s7_server() {
    need_s7_bin
    local out rc=0
    out="$("$S7_BIN" help server 2>&1)" || rc=$?
    if [ "$rc" -ne 0 ] && printf '%s' "$out" | grep -qi "unknown command"; then
        die "s7 server is not available in $S7_BIN: $out"
    fi
}

# need_s7srv_helper NAME: the C helper built from tests/interop/NAME.c.
need_s7srv_helper() {
    [ -x "$S7SRV_HELPERS/$1" ] || die "helper $S7SRV_HELPERS/$1 not built (cmake --build $S7_BUILD)"
}

# _s7srv_accepts HOST PORT: 0 when HOST:PORT accepts a TCP connection now.
_s7srv_accepts() { # HOST PORT
    (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

start_s7server() {
    need_s7_server
    local fixed="" a prev="" attempt host port log pid i listen quiet=""
    for a in "$@"; do
        [ "$prev" = --listen ] && fixed="$a"
        [ "$a" = --quiet ] && quiet=1
        prev="$a"
    done
    for ((attempt = 1; attempt <= 6; attempt++)); do
        if [ -n "$fixed" ]; then
            listen=()
            port="${fixed##*:}"
            host="${fixed%:*}"
            host="${host#[}" host="${host%]}"
            [ -n "$host" ] && [ "$host" != 0.0.0.0 ] || host=127.0.0.1
        else
            free_port >/dev/null || die "start_s7server: no free port"
            port="$S7_FREE_PORT"
            host=127.0.0.1
            listen=(--listen "$host:$port")
        fi
        _S7SRV_N=$((_S7SRV_N + 1))
        log="$S7_TEST_TMP/s7srv.$_S7SRV_N.log"
        printf '+ s7 server %s %s\n' "${listen[*]}" "$*" >"$log"
        "$S7_BIN" server "${listen[@]}" "$@" </dev/null >>"$log" 2>&1 &
        pid=$!
        for ((i = 0; i < 200; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            # ours, not another process on that port: our server said it listens (unless
            # --quiet), is still alive, and the port accepts
            if { [ -n "$quiet" ] || grep -q "listening on .*:$port\b" "$log"; } &&
                _s7srv_accepts "$host" "$port" && kill -0 "$pid" 2>/dev/null; then
                _S7_PIDS+=("$pid")
                _S7SRV_LIVE+=("$pid $log")
                _s7srv_watchdog "$pid"
                export S7SRV_PORT="$port" S7SRV_PID="$pid" S7SRV_LOG="$log" S7SRV_ADDR="$host:$port"
                return 0
            fi
            sleep 0.05
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            cat "$log" >&2
            die "start_s7server $*: not accepting connections on port $port after 10 s"
        fi
        wait "$pid" 2>/dev/null
        if [ -z "$fixed" ] && grep -qiE "in use|another server holds" "$log"; then
            continue # lost a race for the port: another one
        fi
        if [ -n "$fixed" ] && [ -n "${S7SRV_SKIP_IF_BUSY:-}" ] && grep -qiE "in use|another server holds" "$log"; then
            skip "$fixed is in use (another server took it)"
        fi
        cat "$log" >&2
        die "start_s7server $*: the server exited before accepting connections"
    done
    die "start_s7server $*: no port could be bound"
}

# A background watchdog: kills the server (by PID) when this test shell is gone.
_s7srv_watchdog() {
    local srv="$1" me=$$
    (
        trap - EXIT INT TERM HUP
        while kill -0 "$me" 2>/dev/null && kill -0 "$srv" 2>/dev/null; do sleep 1; done
        kill -KILL "$srv" 2>/dev/null
    ) </dev/null >/dev/null 2>&1 &
    _S7_PIDS+=("$!")
}

_s7srv_forget() {
    local e keep=()
    for e in "${_S7SRV_LIVE[@]}"; do [ "${e%% *}" = "$1" ] || keep+=("$e"); done
    _S7SRV_LIVE=("${keep[@]}")
}

stop_s7server() {
    local pid="${1:-${S7SRV_PID:-}}"
    [ -n "$pid" ] || return 0
    _s7srv_forget "$pid"
    _s7_stop_pid "$pid"
}

kill9_s7server() {
    local pid="${1:-${S7SRV_PID:-}}"
    [ -n "$pid" ] || return 0
    _s7srv_forget "$pid"
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Run by finish: every server still listed must be alive (no crash during the test) and
# exit 0 on SIGTERM (docs: "0 stopped by SIGINT/SIGTERM"); no server log may hold a
# sanitizer report (ASan / UBSan / LSan builds).
s7srv_finish_checks() {
    local e pid log rc i f
    for e in "${_S7SRV_LIVE[@]}"; do
        pid="${e%% *}"
        log="${e#* }"
        if ! kill -0 "$pid" 2>/dev/null; then
            rc=0
            wait "$pid" 2>/dev/null || rc=$?
            fail "server $pid ($(basename "$log")) died during the test (exit $rc)"
            continue
        fi
        kill -TERM "$pid" 2>/dev/null
        for ((i = 0; i < 100; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            fail "server $pid ($(basename "$log")) did not exit within 5 s of SIGTERM"
            continue
        fi
        rc=0
        wait "$pid" 2>/dev/null || rc=$?
        if [ "$rc" -eq 0 ]; then
            pass "server $pid ($(basename "$log")) exits 0 on SIGTERM"
        else
            fail "server $pid ($(basename "$log")) exit $rc on SIGTERM"
        fi
    done
    _S7SRV_LIVE=()
    for f in "$S7_TEST_TMP"/s7srv.*.log; do
        [ -f "$f" ] || continue
        if grep -qE "AddressSanitizer|LeakSanitizer|runtime error:" "$f"; then
            fail "sanitizer report in $(basename "$f"): $(grep -m1 -E "AddressSanitizer|LeakSanitizer|runtime error:" "$f")"
        fi
    done
}

s7srv_snap7() {
    local opts=()
    while [ $# -gt 0 ] && [ "${1#--}" != "$1" ]; do
        opts+=("$1" "$2")
        shift 2
    done
    "$S7_NODE" "$S7_INTEROP_DIR/snap7_client.js" --slot "$S7SRV_SLOT" "${opts[@]}" \
        "127.0.0.1:$S7SRV_PORT" "$@"
}

s7srv_cli() {
    local cmd="$1"
    shift
    "$S7_BIN" "$cmd" "127.0.0.1:$S7SRV_PORT" "$@" --slot "$S7SRV_SLOT"
}

s7srv_log_has() {
    grep -qE -- "$1" "${S7SRV_LOG:?}"
}

# Server logs are shown by finish on failure, next to lib.sh's Snap7 logs.
_s7srv_dump_logs() {
    local f
    for f in "$S7_TEST_TMP"/s7srv.*.log; do
        [ -s "$f" ] || continue
        printf -- '--- %s (last 40 lines)\n' "$(basename "$f")"
        tail -n 40 "$f"
    done
}
eval "_s7_lib_dump_logs() $(declare -f _s7_dump_logs | sed 1d)"
eval "_s7_lib_finish() $(declare -f finish | sed 1d)"
finish() {
    s7srv_finish_checks
    _s7_lib_finish
}
_s7_dump_logs() {
    _s7_lib_dump_logs
    _s7srv_dump_logs
}

# srv_banner OUT ERR ARGS...: s7 server ARGS on a free port, its standard output in OUT and
# error in ERR, back once its banner is out (the docs' tests compare it); SRV_PID, SRV_ADDR,
# SRV_PORT.  Killed when the test ends.
srv_banner() {
    local port out="$1" err="$2" i
    shift 2
    port=$(free_port) || die "no free port"
    "$S7_BIN" server --listen "127.0.0.1:$port" "$@" </dev/null >"$out" 2>"$err" &
    local pid=$!
    on_exit "kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null"
    for ((i = 0; i < 200; i++)); do
        grep -q '^Ctrl-C or SIGTERM stops the server' "$out" 2>/dev/null && break
        sleep 0.05
    done
    SRV_PID=$pid
    SRV_ADDR="127.0.0.1:$port"
    SRV_PORT=$port
}
