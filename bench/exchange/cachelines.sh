#!/usr/bin/env bash
# bench/exchange/cachelines.sh [BUILD]: what one CPU's cycle of case a costs the exchange
# engine in user space, counted rather than timed: instructions, and the cache lines it reads
# or writes that are not in a small cache.  The engine (s7xbench --engine-only, 100 CPUs,
# 100 tags each, one cycle a second so that valgrind keeps up) runs under callgrind's cache
# simulation with a 256 KiB last level: the 100 CPUs' state is far larger, so by a CPU's next
# cycle its lines are gone, as they are after 100 ms in the real run, where the kernel and
# the other CPUs' traffic pass through the caches in between.  Only s7_bridge_run and what it
# calls is counted; the figures are the difference of a 3 s and a 9 s run divided by the
# runs between them, so connecting and the first cycles (planning) drop out.  A figure
# changes only when the code does: use it to compare two builds of the same machine;
# s7xbench tells the time.  A second pair of runs counts pages instead of lines: the same
# simulation with 4 KiB "lines" and a last level of 512 of them (a TLB's reach, less what
# the kernel's work between two requests takes of it): the pages of records a CPU's cycle
# touches that a page walk must find again (huge pages, as util/hotmem.c asks for, are not
# modelled: it counts how far apart the records lie).  Needs valgrind.
set -euo pipefail
BUILD="${1:-build}"
X="$BUILD/bench/exchange/s7xbench"
[ -x "$X" ] || { echo "cachelines: $X not built (make build)" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "cachelines: valgrind is not installed" >&2; exit 1; }
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
run() { # seconds [D1 LL] -> "runs Ir DLmr DLmw" of the engine
    local out
    out="$(valgrind --tool=callgrind --cache-sim=yes --I1=32768,8,64 --D1="${2:-32768,8,64}" \
        --LL="${3:-262144,8,64}" --toggle-collect=s7_bridge_run --callgrind-out-file="$T/cg.$1.%p" \
        "$X" --cases a --engine-only --cycle 1000 --rounds 1 --time "$1" 2>/dev/null)"
    local runs
    runs="$(sed -n 's/.*runs since its start \([0-9]*\).*/\1/p' <<<"$out")"
    [ -n "$runs" ] || { echo "cachelines: the engine did not run: $out" >&2; exit 1; }
    # the engine's process is the one whose counts are not zero (the CPUs' child never runs
    # s7_bridge_run)
    for f in "$T"/cg."$1".*; do
        [ -e "$f" ] || continue
        awk -v runs="$runs" '
            /^events:/ { for (i = 2; i <= NF; i++) ev[i] = $i }
            /^summary:/ { for (i = 2; i <= NF; i++) v[ev[i]] = $i }
            END { if (v["Ir"] > 0) print runs, v["Ir"], v["DLmr"], v["DLmw"] }' "$f"
    done
}
report() { # what: "lines" or "pages"; then the two runs' figures
    awk -v what="$1" -v r0="$2" -v i0="$3" -v m0="$4" -v w0="$5" \
        -v r1="$6" -v i1="$7" -v m1="$8" -v w1="$9" 'BEGIN {
        n = r1 - r0
        if (n <= 0) { print "cachelines: no runs between the two measurements"; exit 1 }
        if (what == "lines")
            printf "case a, the engine per CPU and cycle (%d cycles measured): %.0f instructions, " \
                   "%.1f cache lines missed (%.1f read, %.1f written)\n",
                   n, (i1 - i0) / n, (m1 - m0 + w1 - w0) / n, (m1 - m0) / n, (w1 - w0) / n
        else
            printf "case a, the engine per CPU and cycle (%d cycles measured): %.1f pages missed " \
                   "in 512 (%.1f read, %.1f written)\n",
                   n, (m1 - m0 + w1 - w0) / n, (m1 - m0) / n, (w1 - w0) / n }'
}
a=($(run 3))
b=($(run 9))
report lines "${a[@]}" "${b[@]}"
rm -f "$T"/cg.*
a=($(run 3 262144,64,4096 2097152,8,4096))
b=($(run 9 262144,64,4096 2097152,8,4096))
report pages "${a[@]}" "${b[@]}"
