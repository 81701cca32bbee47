#!/usr/bin/env bash
# make bench-guard: the same emulated CPU (s7 server) reached directly, through HAProxy in
# TCP mode (a byte relay that inspects nothing: the floor for any proxy) and through
# s7 guard (which decodes and checks every item), side by side in one run:
#   4-byte reads one at a time; 8 in flight; 64 connections; a 64 KB DB read;
#   1000 clients on 2 shared upstream connections against 2 direct connections with 8 in
#   flight each; the guard's memory per downstream connection (the RSS growth from 1000 to
#   2000 held clients / 1000: the first clients also pay what the guard spends once).
# Beside the rates, the CPU time each relay spent per read it passed (HAProxy and the guard:
# utime+stime of the process from /proc/PID/stat before and after the run / reads done, in
# microseconds; it depends less on what else runs on the machine than a rate does).
# Goals (issue 12): guard >= 0.9x HAProxy in every case; 1000 shared >= 0.8x 2 direct;
# <= 2 KiB per downstream connection.
#
# Rounds: every case is measured ROUNDS times, the sides interleaved (direct, HAProxy, guard,
# direct, HAProxy, guard, ...), so a busy moment of a shared machine falls on one round of
# each side rather than on one whole side. A figure is the median of its side's rounds (the
# mean of the middle two for an even count), the ratio is the ratio of those medians (the
# goal is judged on it), and beside it the lowest..highest of the ratios within one round.
#
#   bench/guard/run.sh [BUILD_DIR]      (SECONDS_PER_CASE=3: seconds per measurement;
#                                        ROUNDS=5: rounds per case;
#                                        VERBOSE=1: print every round's figures too;
#                                        GUARD_THREADS=N runs the guards with --threads N,
#                                        default: the guard's own, one loop per online CPU)
set -uo pipefail
BUILD="${1:-build}"
S7="$BUILD/bin/s7"
GB="$BUILD/bench/guard_bench"
SECS="${SECONDS_PER_CASE:-3}"
ROUNDS="${ROUNDS:-5}"
VERBOSE="${VERBOSE:-0}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-guard: ROUNDS=$ROUNDS: want a whole number >= 1" >&2; exit 2; }
if ! [[ "$SECS" =~ ^[0-9]*\.?[0-9]+$ ]] || ! awk -v s="$SECS" 'BEGIN { exit !(s > 0) }'; then
    echo "bench-guard: SECONDS_PER_CASE=$SECS: want a number of seconds > 0" >&2
    exit 2
fi
START_WALL=$SECONDS
GT=()
[ -n "${GUARD_THREADS:-}" ] && GT=(--threads "$GUARD_THREADS")
[ -x "$S7" ] && [ -x "$GB" ] || { echo "bench-guard: build first (make build)" >&2; exit 2; }
command -v haproxy >/dev/null || { echo "bench-guard: haproxy not installed (scripts/deps.sh)" >&2; exit 2; }
ulimit -n "$(ulimit -Hn)" 2>/dev/null
TMP="$(mktemp -d /tmp/s7bench-guard.XXXXXX)"
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
wait_port() { for ((i = 0; i < 100; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done; return 1; }

P_CPU=$(port)
"$S7" server --listen "127.0.0.1:$P_CPU" --profile s7-1500 --put-get on --db 1:65535 \
    --max-conn total=4000 --max-conn op=4000 --max-per-source 0 --max-clients 65000 \
    --idle-timeout 0 --quiet >"$TMP/cpu.log" 2>&1 &
PIDS+=($!)
wait_port "$P_CPU" || { cat "$TMP/cpu.log"; exit 1; }

P_HA=$(port)
cat >"$TMP/haproxy.cfg" <<CFG
global
  maxconn 8000
defaults
  mode tcp
  timeout connect 5s
  timeout client 120s
  timeout server 120s
frontend f
  bind 127.0.0.1:$P_HA
  default_backend b
backend b
  server cpu 127.0.0.1:$P_CPU
CFG
haproxy -f "$TMP/haproxy.cfg" -db >"$TMP/haproxy.log" 2>&1 &
HA_PID=$!
PIDS+=("$HA_PID")
wait_port "$P_HA" || { cat "$TMP/haproxy.log"; exit 1; }

cat >"$TMP/dedicated.yaml" <<RULES
partners:
  - name: bench
    address: 127.0.0.1
    read: [DB1.DBB0..65535]
RULES
cat >"$TMP/shared.yaml" <<RULES
shared_upstreams: 2
partners:
  - name: hmis
    address: 127.0.0.1
    upstream: shared
    read: [DB1.DBB0..65535]
RULES
P_G=$(port)
"$S7" guard --listen "127.0.0.1:$P_G" --upstream "127.0.0.1:$P_CPU" --rules "$TMP/dedicated.yaml" \
    --max-per-source 0 --max-clients 8000 "${GT[@]}" --quiet >"$TMP/guard.log" 2>&1 &
G_PID=$!
PIDS+=("$G_PID")
P_GS=$(port)
"$S7" guard --listen "127.0.0.1:$P_GS" --upstream "127.0.0.1:$P_CPU" --rules "$TMP/shared.yaml" \
    --max-per-source 0 --max-clients 8000 "${GT[@]}" --quiet >"$TMP/guards.log" 2>&1 &
GS_PID=$!
PIDS+=("$GS_PID")
wait_port "$P_G" && wait_port "$P_GS" || { cat "$TMP"/guard*.log; exit 1; }

# memory first, on a guard that has served nothing yet (a heap that served clients before
# keeps their freed memory and would hide the growth)
P_GM=$(port)
"$S7" guard --listen "127.0.0.1:$P_GM" --upstream "127.0.0.1:$P_CPU" --rules "$TMP/shared.yaml" \
    --max-per-source 0 --max-clients 8000 "${GT[@]}" --quiet >"$TMP/guardm.log" 2>&1 &
GM_PID=$!
PIDS+=("$GM_PID")
wait_port "$P_GM" || { cat "$TMP/guardm.log"; exit 1; }
rss() { awk '/^VmRSS/ {print $2 * 1024}' "/proc/$1/status"; }
sleep 0.2
# hold 1000 clients, then 1000 more: the second 1000's growth is what a connection costs
# (the first also pays what the guard spends once when it first serves: its buffers)
hold() { # hold OUT: 1000 clients connected and set up, held until killed; its PID in HPID
    "$GB" 127.0.0.1 "$P_GM" 1 1000 1 4 4 hold >"$1" 2>&1 &
    HPID=$!
    for ((i = 0; i < 400; i++)); do grep -qs ready "$1" && break; sleep 0.05; done
    sleep 0.5
}
mem_before=$(rss "$GM_PID")
hold "$TMP/hold.out"
HPID1=$HPID
mem_after=$(rss "$GM_PID")
hold "$TMP/hold2.out"
mem_after2=$(rss "$GM_PID")
kill "$HPID1" "$HPID" 2>/dev/null
wait "$HPID1" "$HPID" 2>/dev/null
kill "$GM_PID" 2>/dev/null

HZ=$(getconf CLK_TCK)
cpu_ticks() { # cpu_ticks PID: utime+stime of the process (all its threads), in clock ticks
    if [ -n "$1" ]; then awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; else echo 0; fi
}
per_read() { # per_read TICKS READS [PID]: microseconds of CPU per read, "-" without PID
    awk -v t="$1" -v r="$2" -v p="${3:-}" -v hz="$HZ" \
        'BEGIN { if (p == "" || r <= 0) print "-"; else printf "%.2f\n", t / hz * 1e6 / r }'
}
rate() { # rate PORT N K BYTES [PID]: "READS/S US" (US: PID's CPU microseconds per read)
    local out b a
    b=$(cpu_ticks "${5:-}")
    out="$("$GB" 127.0.0.1 "$1" 1 "$2" "$3" "$4" "$SECS" 2>&1)"
    a=$(cpu_ticks "${5:-}")
    set -- $(printf '%s\n' "$out" | awk '/^reads/ {sub("/s","",$4); print $4, $2; found=1} END {if (!found) print 0, 0}') "${5:-}"
    echo "$1 $(per_read $((a - b)) "$2" "${3:-}")"
}
rate_par() { # rate_par PORT PROCS N K BYTES [PID]: N clients split over PROCS generator processes
    local i pids=() b a
    b=$(cpu_ticks "${6:-}")
    for ((i = 0; i < $2; i++)); do
        "$GB" 127.0.0.1 "$1" 1 $(($3 / $2)) "$4" "$5" "$SECS" >"$TMP/par.$i" 2>&1 &
        pids+=($!)
    done
    wait "${pids[@]}" 2>/dev/null
    a=$(cpu_ticks "${6:-}")
    set -- $(for ((i = 0; i < $2; i++)); do cat "$TMP/par.$i"; done |
        awk '/^reads/ {sub("/s","",$4); t += $4; n += $2} END {printf "%.0f %d\n", t, n}') "${6:-}"
    echo "$1 $(per_read $((a - b)) "$2" "${3:-}")"
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
median() { # median X...: the middle value (the mean of the middle two for an even count)
    printf '%s\n' "$@" | sort -g | awk -v f="${MEDIAN_FMT:-%.0f}" '{ v[NR] = $1 }
        END { if (NR % 2) printf f "\n", v[(NR + 1) / 2]; else printf f "\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
median2() { MEDIAN_FMT=%.2f median "$@"; } # median2 X...: the median with 2 decimals
spread() { # spread A... -- B...: lowest..highest of A[i]/B[i] (the ratio within round i)
    local a=() b=() x seen=0
    for x in "$@"; do
        if [ "$x" = -- ]; then seen=1; elif ((seen)); then b+=("$x"); else a+=("$x"); fi
    done
    paste -d' ' <(printf '%s\n' "${a[@]}") <(printf '%s\n' "${b[@]}") |
        awk '$2 > 0 { r = $1 / $2; if (!n++ || r < lo) lo = r; if (n == 1 || r > hi) hi = r }
             END { if (n) printf "%.2f..%.2f\n", lo, hi; else print "-" }'
}
verdict() { awk -v r="$1" -v g="$2" 'BEGIN { print (r != "-" && r >= g) ? "met" : "MISSED" }'; }

printf 's7 guard benchmark: %s s per measurement, %s rounds per case (sides interleaved),\n' "$SECS" "$ROUNDS"
printf 'emulated S7-1500 (s7 server) on loopback; figures: median of the rounds, reads per second\n'
printf 'guard threads: %s; %s online CPUs; load average at start: %s\n\n' "${GUARD_THREADS:-default}" \
    "$(getconf _NPROCESSORS_ONLN)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-30s %11s %11s %11s %9s %11s %7s %-6s %s\n' case direct haproxy guard guard/ha "per round" goal result \
    "CPU us/read: haproxy guard"
row() { # row NAME N K BYTES
    local d=() h=() g=() hc=() gc=() i x y md mh mg r
    for ((i = 1; i <= ROUNDS; i++)); do
        read -r x y <<<"$(rate "$P_CPU" "$2" "$3" "$4")"
        d+=("$x")
        read -r x y <<<"$(rate "$P_HA" "$2" "$3" "$4" "$HA_PID")"
        h+=("$x")
        hc+=("$y")
        read -r x y <<<"$(rate "$P_G" "$2" "$3" "$4" "$G_PID")"
        g+=("$x")
        gc+=("$y")
        ((VERBOSE)) && printf '  %-28s round %d: %s / %s / %s = %s (CPU us/read %s / %s)\n' "$1" "$i" "${d[-1]}" \
            "${h[-1]}" "${g[-1]}" "$(ratio "${g[-1]}" "${h[-1]}")" "${hc[-1]}" "${gc[-1]}"
    done
    md=$(median "${d[@]}")
    mh=$(median "${h[@]}")
    mg=$(median "${g[@]}")
    r=$(ratio "$mg" "$mh")
    printf '%-30s %9s/s %9s/s %9s/s %9s %11s %7s %-6s %7s %6s\n' "$1" "$md" "$mh" "$mg" "$r" \
        "$(spread "${g[@]}" -- "${h[@]}")" ">=0.90" "$(verdict "$r" 0.9)" "$(median2 "${hc[@]}")" "$(median2 "${gc[@]}")"
}
row "4-byte reads, one at a time" 1 1 4
row "4-byte reads, 8 in flight" 1 8 4
row "4-byte reads, 64 connections" 64 1 4
row "64 KB DB read" 1 1 65535

# 1000 clients from 4 generator processes (one process driving 1000 connections is itself the
# limit: see the reference row), interleaved with 2 direct connections at 8 in flight and
# with the same 1000 clients connected directly (the reference)
S=() SC=() D2=() D1000=()
for ((i = 1; i <= ROUNDS; i++)); do
    read -r x y <<<"$(rate_par "$P_GS" 4 1000 1 4 "$GS_PID")"
    S+=("$x")
    SC+=("$y")
    read -r x y <<<"$(rate "$P_CPU" 2 8 4)"
    D2+=("$x")
    read -r x y <<<"$(rate_par "$P_CPU" 4 1000 1 4)"
    D1000+=("$x")
    ((VERBOSE)) && printf '  %-28s round %d: %s / %s = %s (1000 direct: %s; guard CPU us/read %s)\n' \
        "1000 shared / 2 direct x8" "$i" "${S[-1]}" "${D2[-1]}" "$(ratio "${S[-1]}" "${D2[-1]}")" "${D1000[-1]}" "${SC[-1]}"
done
s1000=$(median "${S[@]}")
d2=$(median "${D2[@]}")
d1000=$(median "${D1000[@]}")
r=$(ratio "$s1000" "$d2")
printf '\n%-34s %12s %16s %9s %11s %7s %-6s %s\n' "1000 clients on 2 shared upstreams" "2 direct x8" \
    "guard (shared)" ratio "per round" goal result "guard CPU us/read"
printf '%-34s %10s/s %14s/s %9s %11s %7s %-6s %s\n' "" "$d2" "$s1000" "$r" "$(spread "${S[@]}" -- "${D2[@]}")" \
    ">=0.80" "$(verdict "$r" 0.8)" "$(median2 "${SC[@]}")"
printf '%-34s %10s/s   (1000 direct connections, 1 in flight each, same 4 generators)\n' \
    "1000 clients direct (reference)" "$d1000"

per=$(( (mem_after2 - mem_after) / 1000 ))
first=$(( (mem_after - mem_before) / 1000 ))
printf '\n%-34s %12s %12s %12s %12s %8s %s\n' "guard memory (RSS, bytes)" "before" "1000 conn" "2000 conn" \
    "per conn" goal result
printf '%-34s %12s %12s %12s %10s B %8s %s\n' "(idle clients, one run)" "$mem_before" "$mem_after" "$mem_after2" \
    "$per" "<=2048" "$([ "$per" -le 2048 ] && echo met || echo MISSED)"
printf '%-34s the second 1000 clients'"'"' growth / 1000; the first 1000 cost %s B each, with what the\n' "" "$first"
printf '%-34s guard spends once when it first serves\n' ""
printf '\nload average at end: %s; total wall time: %d s\n' "$(cut -d' ' -f1-3 /proc/loadavg)" $((SECONDS - START_WALL))
