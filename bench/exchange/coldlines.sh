#!/usr/bin/env bash
# bench/exchange/coldlines.sh [BUILD]: what answering one read touches in s7kit's server,
# counted rather than timed.  s7coldprobe (its two answering sides: the emulated CPU's
# server and an echo of the recorded reply) runs under valgrind's lackey, which lists every
# instruction and every data access; per request, from epoll_wait's return to the reply's
# send, this counts the instructions, the distinct 64-byte lines of code and of data, and
# the distinct 4 KiB pages of code and of data.  A request arrives after the process slept
# (one every 10 ms), so each of those lines and pages is, as likely as not, a miss in a
# cache or a TLB: the fewer, the shorter the cold path that s7coldprobe times.  A figure
# changes only when the code (or the compiler, or libc) does: use it to compare two builds
# on one machine.  Needs valgrind, nm and objdump.
#   bench/exchange/coldlines.sh [BUILD] --list: besides, the pages of one request (the 30th)
#   of each side, code (I) and data (D), each with the mapping that holds it (the answering
#   process's /proc/self/maps under valgrind, written by s7coldprobe --maps).
set -euo pipefail
BUILD="${1:-build}"
LIST=0
[ "${2:-}" = "--list" ] && LIST=1
P="$BUILD/bench/s7coldprobe"
[ -x "$P" ] || { echo "coldlines: $P not built (make build)" >&2; exit 1; }
for t in valgrind nm objdump; do
    command -v "$t" >/dev/null || { echo "coldlines: $t is not installed" >&2; exit 1; }
done
sym() { nm "$P" | awk -v s="$1" '$3 == s && !a { a = $1 } END { print a }'; }
W="$(sym __wrap_epoll_wait)" S="$(sym __wrap_send)" R="$(sym s7_server_run_once)"
[ -n "$W" ] && [ -n "$S" ] && [ -n "$R" ] || { echo "coldlines: symbols not found in $P" >&2; exit 1; }
# the instruction after __wrap_epoll_wait's call of the real epoll_wait: the wake-up
C="$(objdump -d --no-show-raw-insn "$P" --start-address=0x"$W" --stop-address=$((0x$W + 64)) |
    awk '/call/ && !c { sub(":", "", $1); c = $1 } END { print c }')"
# valgrind loads a position-independent executable at 0x108000; lackey prints 8 digits at least
hexadd() { printf '%08x' $((0x$1 + 0x108000 + $2)); }
WAKE="$(hexadd "$C" 5)" SEND="$(hexadd "$S" 0)" RUN="$(hexadd "$R" 0)"
# an awk function both programs below use: a hex string's value
HEX='
        function hex(s,   i, c, v) {
            v = 0
            for (i = 1; i <= length(s); i++) {
                c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
                v = v * 16 + c
            }
            return v
        }'
T="$(mktemp -d)"
trap 'rm -rf "$T"' EXIT
valgrind --tool=lackey --trace-mem=yes --trace-children=yes --log-file="$T/lk.%p" \
    "$P" --count 40 --rounds 1 --maps "$T" >/dev/null 2>&1 ||
    { echo "coldlines: s7coldprobe failed under valgrind" >&2; exit 1; }
for f in "$T"/lk.*; do
    awk -v wake="$WAKE" -v send="$SEND" -v run="$RUN" -v list="$LIST" -v pages="$f.pages" "$HEX"'
        /^==/ { next }
        {
            split(substr($0, 4), f, ",")
            a = f[1]; n = f[2] + 0
            ins = substr($0, 1, 1) == "I"
            if (ins && a == run) server = 1
            if (ins && a == wake) { on = 1; split("", il); split("", dl); split("", ip); split("", dp); ni = 0; next }
            if (ins && a == send && on) {
                on = 0; reqs++
                if (list && reqs == 30) {
                    for (x in ip) printf "I %d\n", x > pages
                    for (x in dp) printf "D %d\n", x > pages
                    printf "side %s\n", server ? "server" : "echo" > pages
                }
                if (reqs > 20) { # the first 20 are the probe'"'"'s warm-up
                    k = 0; for (x in il) k++; sil += k
                    k = 0; for (x in dl) k++; sdl += k
                    k = 0; for (x in ip) k++; sip += k
                    k = 0; for (x in dp) k++; sdp += k
                    sni += ni; m++
                }
                next
            }
            if (!on) next
            v = hex(a)
            if (ins) {
                ni++
                il[int(v / 64)]; il[int((v + n - 1) / 64)]; ip[int(v / 4096)]
            } else {
                dl[int(v / 64)]; dl[int((v + n - 1) / 64)]; dp[int(v / 4096)]
            }
        }
        END {
            if (m)
                printf "%-6s per request (%d measured): %.0f instructions, %.0f lines of code and " \
                       "%.0f of data, %.0f pages of code and %.0f of data\n",
                       server ? "server" : "echo", m, sni / m, sil / m, sdl / m, sip / m, sdp / m
        }' "$f"
done | sort -r
[ "$LIST" = 1 ] || exit 0
# each listed page with the mapping that holds it
for f in "$T"/lk.*.pages; do
    pid="${f%.pages}"
    pid="${pid##*.}"
    [ -f "$T/maps.$pid" ] || continue
    awk "$HEX"'
        FNR == NR {
            split($1, r, "-"); lo[NR] = hex(r[1]); hi[NR] = hex(r[2]); perm[NR] = $2
            name[NR] = $6 == "" ? "[anonymous]" : $6; n = NR; next
        }
        $1 == "side" { side = $2; next }
        {
            a = $2 * 4096; what = "(unmapped)"
            for (i = 1; i <= n; i++)
                if (a >= lo[i] && a < hi[i]) { what = perm[i] " " name[i]; break }
            line[++m] = $1 " " what
        }
        END {
            for (i = 1; i <= m; i++) count[line[i]]++
            printf "%s: the pages of one request (I code, D data) by mapping\n", side
            for (l in count) printf "  %3d  %s\n", count[l], l
        }' "$T/maps.$pid" "$f"
done
