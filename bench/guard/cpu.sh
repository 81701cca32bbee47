#!/usr/bin/env bash
# The guard's CPU time per forwarded read, of one build or of two builds side by side (to
# see what a change to the guard did), against one emulated S7-1500 (s7 server):
#   shared  1000 clients, 1 read in flight each, from 4 guard_bench processes, on 2 shared
#           upstream connections (the 1000-shared row of run.sh);
#   idle    8 active clients (one guard_bench) beside 1000 idle ones on the same guard;
#   dedicated  64 clients, 1 in flight each, from 4 processes, a CPU connection each.
# CPU time = utime+stime of the guard process (all its threads, /proc/PID/stat) over the
# run, divided by the reads done; the generators' own CPU per read (cutime+cstime of the
# shell that waited for them) is printed beside it.  CPU per read depends less on what else
# runs on the machine than a rate does; the rounds alternate which build goes first.
#
#   bench/guard/cpu.sh BUILD [BUILD_B]   (ROUNDS=5 rounds, SECONDS_PER_CASE=3 seconds;
#                                        GEN=multi: the generators drive their clients by
#                                        s7_multi, poll over all of them, instead of epoll)
#
# Each line: case, then per build "CPU us/read (reads, generators us/read)"; at the end the
# median of each build's CPU us/read per case.
set -uo pipefail
A="${1:-build}"
B="${2:-}"
SECS="${SECONDS_PER_CASE:-3}"
ROUNDS="${ROUNDS:-5}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "cpu.sh: ROUNDS=$ROUNDS: want a whole number >= 1" >&2; exit 2; }
[[ "$SECS" =~ ^[1-9][0-9]*$ ]] || { echo "cpu.sh: SECONDS_PER_CASE=$SECS: want whole seconds >= 1" >&2; exit 2; }
[[ "${GEN:-}" =~ ^(multi)?$ ]] || { echo "cpu.sh: GEN=$GEN: want multi or nothing" >&2; exit 2; }
GB="$A/bench/guard_bench"
for b in "$A" ${B:+"$B"}; do
    [ -x "$b/bin/s7" ] || { echo "cpu.sh: $b/bin/s7: build first (make build)" >&2; exit 2; }
done
[ -x "$GB" ] || { echo "cpu.sh: $GB: build first (make build)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null
TMP="$(mktemp -d /tmp/s7bench-gcpu.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }
HZ=$(getconf CLK_TCK)

P_CPU=$(port)
"$A/bin/s7" server --listen "127.0.0.1:$P_CPU" --profile s7-1500 --put-get on --db 1:65535 \
    --max-conn total=4000 --max-conn op=4000 --max-per-source 0 --max-clients 65000 \
    --idle-timeout 0 --quiet >"$TMP/cpu.log" 2>&1 &
PIDS+=($!)
wait_port "$P_CPU" || { cat "$TMP/cpu.log"; exit 1; }
printf 'partners:\n  - name: bench\n    address: 127.0.0.1\n    read: [DB1.DBB0..65535]\n' >"$TMP/dedicated.yaml"
printf 'shared_upstreams: 2\npartners:\n  - name: hmis\n    address: 127.0.0.1\n    upstream: shared\n    read: [DB1.DBB0..65535]\n' >"$TMP/shared.yaml"
declare -A GPID GPORT
SIDES=(a)
[ -n "$B" ] && SIDES+=(b)
for s in "${SIDES[@]}"; do
    bin="$A/bin/s7"
    [ "$s" = b ] && bin="$B/bin/s7"
    for k in shared dedicated; do
        p=$(port)
        "$bin" guard --listen "127.0.0.1:$p" --upstream "127.0.0.1:$P_CPU" --rules "$TMP/$k.yaml" \
            --max-per-source 0 --max-clients 8000 --quiet >"$TMP/guard.$s.$k.log" 2>&1 &
        GPID[$s$k]=$!
        GPORT[$s$k]=$p
        PIDS+=($!)
        wait_port "$p" || { cat "$TMP/guard.$s.$k.log"; exit 1; }
    done
done

ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
measure() { # measure PID PORT PROCS N: "US_PER_READ READS GEN_US_PER_READ"
    local b a
    b=$(ticks "$1")
    (
        for ((i = 0; i < $3; i++)); do
            "$GB" 127.0.0.1 "$2" 1 $(($4 / $3)) 1 4 "$SECS" ${GEN:+"$GEN"} >"$TMP/gen.$i" 2>&1 &
        done
        wait
        awk '{ print $16 + $17 }' "/proc/$BASHPID/stat" >"$TMP/gen.ticks"
    )
    a=$(ticks "$1")
    cat "$TMP"/gen.[0-9]* | awk -v t=$((a - b)) -v g="$(cat "$TMP/gen.ticks")" -v hz="$HZ" \
        '/^reads/ { r += $2 } END { if (r > 0) printf "%.2f %d %.2f\n", t / hz * 1e6 / r, r, g / hz * 1e6 / r; else print "- 0 -" }'
    rm -f "$TMP"/gen.[0-9]*
}
median() { printf '%s\n' "$@" | grep -v '^-$' | sort -g | awk '{ v[NR] = $1 } END {
    if (!NR) print "-"; else if (NR % 2) printf "%.2f\n", v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf 'guard CPU us per read: %s%s; %s rounds of %s s; generators: %s; load average at start: %s\n' "$A" \
    "${B:+ (a) and $B (b)}" "$ROUNDS" "$SECS" "${GEN:-epoll}" "$(cut -d' ' -f1-3 /proc/loadavg)"
declare -A ALL
for ((r = 1; r <= ROUNDS; r++)); do
    for c in shared idle dedicated; do
        line=$(printf 'round %d %-10s' "$r" "$c")
        order=("${SIDES[@]}")
        ((r % 2 == 0 && ${#SIDES[@]} == 2)) && order=(b a)
        for s in "${order[@]}"; do
            k=$c
            [ "$c" = idle ] && k=shared
            hp=""
            if [ "$c" = idle ]; then
                "$GB" 127.0.0.1 "${GPORT[$s$k]}" 1 1000 1 4 600 hold >"$TMP/hold.out" 2>&1 &
                hp=$!
                for ((i = 0; i < 400; i++)); do grep -qs ready "$TMP/hold.out" && break; sleep 0.05; done
                read -r us n gus <<<"$(measure "${GPID[$s$k]}" "${GPORT[$s$k]}" 1 8)"
            elif [ "$c" = shared ]; then
                read -r us n gus <<<"$(measure "${GPID[$s$k]}" "${GPORT[$s$k]}" 4 1000)"
            else
                read -r us n gus <<<"$(measure "${GPID[$s$k]}" "${GPORT[$s$k]}" 4 64)"
            fi
            [ -n "$hp" ] && { kill "$hp" 2>/dev/null; wait "$hp" 2>/dev/null; }
            ALL[$s$c]+="$us "
            line+=$(printf '  %s: %6s (%d reads, generators %s)' "$s" "$us" "$n" "$gus")
        done
        echo "$line"
    done
done
for c in shared idle dedicated; do
    line=$(printf 'median   %-10s' "$c")
    for s in "${SIDES[@]}"; do
        # shellcheck disable=SC2086
        line+=$(printf '  %s: %6s' "$s" "$(median ${ALL[$s$c]})")
    done
    echo "$line"
done
printf 'load average at end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
