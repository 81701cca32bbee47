# Network namespace helpers for interop tests (bash, root only).  Source after lib.sh:
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/netns_lib.sh"
#   need_netns nft                     # skip (exit 77) unless root and namespaces work
#   netns_add r; netns_add a; netns_add b
#   netns_link a 10.70.1.2/24 r 10.70.1.1/24
#   netns_route a 10.70.1.1            # default route of a via the router
#   netns_forwarding r
#   netns_bg b "$S7_TEST_TMP/srv.log" "$S7_BIN" server --listen 10.70.2.2:102
#   netns_wait_tcp a 10.70.2.2 102 || die "server not up"
#   netns_exec a "$S7_BIN" read 10.70.2.2 DB1.DBW0
#   finish
#
# Every namespace is named s7n<PID>-<NAME> (PID: the test shell's), so parallel tests never
# collide; the addresses (10.x, 192.168.x) exist only inside them.  At exit the processes
# started with netns_bg are killed by PID and every namespace created here is deleted by
# name (its veth ends and bridges go with it).  A watchdog does the same when the test
# shell is SIGKILLed; namespaces left by a test that died otherwise (its PID gone) are
# removed by the next test that calls need_netns.
#
# need_netns [CMD...]          skip unless root, `ip netns` works and each CMD exists
# netns_name NAME              the full namespace name
# netns_add NAME               create it, loopback up
# netns_exec NAME CMD...       run CMD inside (ip netns exec)
# netns_link A ADDR_A B ADDR_B a veth pair between namespaces A and B, addresses in CIDR
#                              form (either may be "-" for none), both ends up
# netns_bridge NAME BR [ADDR]  a bridge BR inside NAME (a cell's switch), up, optional address
# netns_attach HOST ADDR NAME BR  a veth from HOST (address ADDR) into bridge BR of NAME
# netns_route NAME VIA         default route of NAME via VIA
# netns_forwarding NAME        IPv4 forwarding on (a router); bridged traffic is not passed
#                              to iptables/nftables (no br_netfilter in this namespace)
# netns_bg NAME LOG CMD...     run CMD inside NAME in the background (stdout+stderr to LOG);
#                              NETNS_PID is its PID, killed at exit
# netns_kill PID               SIGTERM, then SIGKILL after 3 s, by PID
# netns_wait_tcp NAME ADDR PORT [SECONDS]  0 once ADDR:PORT accepts a TCP connection from
#                              inside NAME (default 10 s)
# netns_tcp_open NAME ADDR PORT [SECONDS]  0 when a TCP connection from NAME to ADDR:PORT
#                              is accepted within SECONDS (default 2); 1 otherwise

_NETNS_CREATED=()
_NETNS_PIDS=()
_NETNS_IFN=0

need_netns() {
    local c
    [ "$(id -u)" = 0 ] || skip "network namespaces need root (run as root to test this)"
    command -v ip >/dev/null 2>&1 || skip "ip (iproute2) is not installed"
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || skip "$c is not installed"
    done
    local probe="s7n$$-probe"
    ip netns add "$probe" 2>/dev/null || skip "cannot create a network namespace (ip netns add failed: no CAP_SYS_ADMIN in this container?)"
    ip netns del "$probe" 2>/dev/null
    _netns_stale
}

# Namespaces of earlier tests that died without cleaning up (their PID is gone).
_netns_stale() {
    local n pid
    for n in $(ip netns list 2>/dev/null | awk '{print $1}'); do
        [[ "$n" =~ ^s7n([0-9]+)- ]] || continue
        pid="${BASH_REMATCH[1]}"
        [ "$pid" = "$$" ] && continue
        kill -0 "$pid" 2>/dev/null && continue
        ip netns pids "$n" 2>/dev/null | while read -r p; do kill -KILL "$p" 2>/dev/null; done
        ip netns del "$n" 2>/dev/null || true
    done
}

netns_name() {
    printf 's7n%s-%s' "$$" "$1"
}

# A background watchdog (one per test): when the test shell is gone, even by SIGKILL, the
# processes in its namespaces are killed and the namespaces deleted.
_netns_watchdog() {
    local me=$$
    (
        trap - EXIT INT TERM HUP
        while kill -0 "$me" 2>/dev/null; do sleep 1; done
        for n in $(ip netns list 2>/dev/null | awk '{print $1}'); do
            case "$n" in
            "s7n$me-"*)
                for p in $(ip netns pids "$n" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
                ip netns del "$n" 2>/dev/null
                ;;
            esac
        done
    ) </dev/null >/dev/null 2>&1 &
    _NETNS_WATCHDOG=$!
}

netns_add() {
    local n
    n="$(netns_name "$1")"
    [ -n "${_NETNS_WATCHDOG:-}" ] || _netns_watchdog
    ip netns add "$n" || die "ip netns add $n failed"
    _NETNS_CREATED+=("$n")
    ip netns exec "$n" ip link set lo up
}

netns_exec() {
    local n
    n="$(netns_name "$1")"
    shift
    ip netns exec "$n" "$@"
}

# A short interface name (at most 15 characters), unique in this test, into _NETNS_IF
# (not printed: a $(...) subshell would not count).
_netns_ifname() {
    _NETNS_IFN=$((_NETNS_IFN + 1))
    _NETNS_IF="v$(($$ % 100000))$1$_NETNS_IFN"
}

netns_link() {
    local a="$1" addr_a="$2" b="$3" addr_b="$4" ia ib
    _netns_ifname a
    ia="$_NETNS_IF"
    _netns_ifname b
    ib="$_NETNS_IF"
    ip link add "$ia" type veth peer name "$ib" || die "ip link add $ia veth failed"
    ip link set "$ia" netns "$(netns_name "$a")" || die "moving $ia into $a failed"
    ip link set "$ib" netns "$(netns_name "$b")" || die "moving $ib into $b failed"
    [ "$addr_a" = - ] || netns_exec "$a" ip addr add "$addr_a" dev "$ia"
    [ "$addr_b" = - ] || netns_exec "$b" ip addr add "$addr_b" dev "$ib"
    netns_exec "$a" ip link set "$ia" up
    netns_exec "$b" ip link set "$ib" up
    NETNS_IF_A="$ia" NETNS_IF_B="$ib"
}

netns_bridge() {
    local ns="$1" br="$2" addr="${3:-}"
    netns_exec "$ns" ip link add "$br" type bridge || die "bridge $br in $ns failed"
    netns_exec "$ns" ip link set "$br" up
    [ -z "$addr" ] || netns_exec "$ns" ip addr add "$addr" dev "$br"
}

netns_attach() {
    local host="$1" addr="$2" ns="$3" br="$4"
    netns_link "$host" "$addr" "$ns" -
    netns_exec "$ns" ip link set "$NETNS_IF_B" master "$br" || die "attaching to $br failed"
}

netns_route() {
    netns_exec "$1" ip route add default via "$2" || die "default route of $1 via $2 failed"
}

netns_forwarding() {
    local f
    netns_exec "$1" sysctl -qw net.ipv4.ip_forward=1 || die "ip_forward in $1 failed"
    for f in bridge-nf-call-iptables bridge-nf-call-ip6tables bridge-nf-call-arptables; do
        netns_exec "$1" sh -c "[ ! -w /proc/sys/net/bridge/$f ] || echo 0 > /proc/sys/net/bridge/$f"
    done
}

netns_bg() {
    local ns="$1" log="$2"
    shift 2
    ip netns exec "$(netns_name "$ns")" "$@" </dev/null >"$log" 2>&1 &
    NETNS_PID=$!
    _NETNS_PIDS+=("$NETNS_PID")
}

netns_kill() {
    local pid="$1" i
    kill -0 "$pid" 2>/dev/null || { wait "$pid" 2>/dev/null; return 0; }
    kill -TERM "$pid" 2>/dev/null
    for ((i = 0; i < 30; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    return 0
}

netns_tcp_open() {
    local ns="$1" addr="$2" port="$3" secs="${4:-2}"
    netns_exec "$ns" timeout "$secs" bash -c "exec 3<>/dev/tcp/$addr/$port" 2>/dev/null
}

netns_wait_tcp() {
    local ns="$1" addr="$2" port="$3" secs="${4:-10}" i
    for ((i = 0; i < secs * 10; i++)); do
        netns_tcp_open "$ns" "$addr" "$port" 1 && return 0
        sleep 0.1
    done
    return 1
}

_netns_cleanup() {
    local p n
    for p in "${_NETNS_PIDS[@]}"; do
        netns_kill "$p"
    done
    _NETNS_PIDS=()
    for n in "${_NETNS_CREATED[@]}"; do
        ip netns del "$n" 2>/dev/null || true
    done
    _NETNS_CREATED=()
    if [ -n "${_NETNS_WATCHDOG:-}" ]; then
        kill -TERM "$_NETNS_WATCHDOG" 2>/dev/null
        wait "$_NETNS_WATCHDOG" 2>/dev/null
        _NETNS_WATCHDOG=""
    fi
}
on_exit _netns_cleanup
