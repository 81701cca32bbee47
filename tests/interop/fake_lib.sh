# Sourced by interop tests after lib.sh: the scripted S7 peer fake_plc.js (node).
#   start_fake MODE [ARGS...]   fake_plc.js --mode MODE [ARGS...] on a free loopback port,
#                               stopped when the test ends; sets FAKE_PORT and FAKE
#                               ("127.0.0.1:PORT").  Dies, with the fake's log, when it
#                               does not say READY within 10 s.
start_fake() {
    local port out pid i
    [ -n "$S7_NODE" ] || die "node is needed for fake_plc.js (run make deps)"
    port=$(free_port) || die "no free port"
    out="$S7_TEST_TMP/fake.$port.out"
    "$S7_NODE" "$S7_INTEROP_DIR/fake_plc.js" "$port" --mode "$@" --watch-pid $$ \
        </dev/null >"$out" 2>"$S7_TEST_TMP/fake.$port.log" &
    pid=$!
    on_exit "kill $pid 2>/dev/null; wait $pid 2>/dev/null"
    for ((i = 0; i < 200; i++)); do
        if grep -qx "READY $port" "$out" 2>/dev/null; then
            FAKE_PORT=$port
            FAKE="127.0.0.1:$port"
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.05
    done
    cat "$S7_TEST_TMP/fake.$port.log" >&2
    die "fake_plc.js --mode $1 did not start"
}
