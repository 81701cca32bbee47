#!/usr/bin/env bash
# scripts/fresh-debian.sh: runs the README's two set-up commands on a minimal Debian 12, the
# way a new user's machine is, to catch a package that our own machines carry and theirs do not.
#
#   scripts/fresh-debian.sh [--keep] [--reuse] [DIR]
#
# Builds a Debian 12 root with `debootstrap --variant=minbase bookworm` in DIR (default
# build-fresh/root in the project), installs only build-essential cmake git python3 nodejs npm
# ca-certificates into it, mounts /proc, /sys, /dev and a fresh /run inside it, clones this
# working copy's committed HEAD into it (uncommitted changes are not part of the test) and runs
# `make demo` and then `make test` there as root. Prints the result of each, the ctest summary
# lines and every skipped test: a skip on the fresh root counts as a failure.
#   --reuse  keep an existing root from an earlier run (only the clone is made anew); without
#            it the root is built from scratch
#   --keep   leave the root in place afterwards (2.2 GB after make test here)
# Needs root and the network access apt and npm have on this machine (the mirror is read from
# this machine's apt sources). Not part of `make test`: a new root took 11 minutes here
# (debootstrap and the base packages about 5, make demo 26 s, make test 323 s).
# Exit status: 0 when both commands passed with no test skipped, 1 otherwise, 2 for usage.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
KEEP=0 REUSE=0 DIR=""
for a in "$@"; do
    case "$a" in
        --keep) KEEP=1 ;;
        --reuse) REUSE=1 KEEP=1 ;;
        -h|--help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fresh-debian: unknown option $a (use --keep, --reuse or a directory)" >&2; exit 2 ;;
        *) DIR="$a" ;;
    esac
done
DIR="${DIR:-$ROOT/build-fresh/root}"
LOG="$(dirname "$DIR")/logs"
say() { printf 'fresh-debian: %s\n' "$*"; }
die() { printf 'fresh-debian: ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot and mounts)"
git -C "$ROOT" rev-parse --verify HEAD >/dev/null 2>&1 || die "$ROOT is not a git work tree with a commit"
HEAD_SHA="$(git -C "$ROOT" rev-parse HEAD)"

# The Debian mirror this machine's apt uses (deb822 sources first, then one-line sources).
mirror() {
    local f u
    for f in /etc/apt/sources.list.d/*.sources; do
        [ -f "$f" ] || continue
        u="$(awk '/^URIs:/{uri=$2} /^Suites:/{ if ($0 ~ /bookworm( |$)/ && uri !~ /security/) { print uri; exit } }' "$f")"
        [ -n "$u" ] && { echo "$u"; return; }
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [ -f "$f" ] || continue
        u="$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' "$f")"
        [ -n "$u" ] && { echo "$u"; return; }
    done
}
MIRROR="$(mirror)"
[ -n "$MIRROR" ] || die "no bookworm mirror found in /etc/apt/sources.list*"

MOUNTS=()
cleanup() {
    local i
    for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
        umount -l "${MOUNTS[$i]}" 2>/dev/null || true
    done
    if [ "$KEEP" = 0 ] && [ -d "$DIR" ]; then
        # only after every mount is gone, never across one
        if ! grep -q " $DIR" /proc/mounts; then rm -rf "$DIR"; fi
    fi
}
trap cleanup EXIT
mnt() { mount "$@"; MOUNTS+=("${!#}"); }

mkdir -p "$LOG"
if [ "$REUSE" = 1 ] && [ -x "$DIR/usr/bin/make" ] && [ -x "$DIR/usr/bin/git" ]; then
    say "reusing the root in $DIR"
else
    if grep -q " $DIR" /proc/mounts; then die "something is mounted under $DIR: unmount it first"; fi
    rm -rf "$DIR"
    mkdir -p "$DIR"
    if ! command -v debootstrap >/dev/null 2>&1; then
        say "installing debootstrap"
        apt-get update -qq </dev/null >"$LOG/apt-host.log" 2>&1 || true
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap </dev/null >>"$LOG/apt-host.log" 2>&1 \
            || { tail -n 20 "$LOG/apt-host.log" >&2; die "apt-get install debootstrap failed"; }
    fi
    say "debootstrap --variant=minbase bookworm from $MIRROR into $DIR (log: $LOG/debootstrap.log)"
    debootstrap --variant=minbase bookworm "$DIR" "$MIRROR" >"$LOG/debootstrap.log" 2>&1 \
        || { tail -n 20 "$LOG/debootstrap.log" >&2; die "debootstrap failed"; }
fi

# ip netns exec bind-mounts over / inside the root: the root must be a mount point.
mnt --bind "$DIR" "$DIR"
mnt -t proc proc "$DIR/proc"
mnt --rbind /sys "$DIR/sys"
mount --make-rslave "$DIR/sys"
mnt --rbind /dev "$DIR/dev"
mount --make-rslave "$DIR/dev"
mnt -t tmpfs -o mode=755 tmpfs "$DIR/run"
# name resolution and the host's trusted certificates (a network matter, not a package)
cp -L /etc/resolv.conf "$DIR/etc/resolv.conf"

in_root() { chroot "$DIR" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
                PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@"; }

BASE_PKGS="build-essential cmake git python3 nodejs npm ca-certificates"
if ! in_root dpkg-query -W git cmake npm >/dev/null 2>&1; then
    say "installing only: $BASE_PKGS (log: $LOG/apt-root.log)"
    in_root sh -c "export DEBIAN_FRONTEND=noninteractive; apt-get update -qq && \
        apt-get install -y -qq $BASE_PKGS" </dev/null >"$LOG/apt-root.log" 2>&1 \
        || { tail -n 20 "$LOG/apt-root.log" >&2; die "installing the base packages failed"; }
fi
# The machine may reach the npm registry through a TLS inspection proxy whose certificate is in
# its bundle; the user's own network is their matter, so take the host's bundle for the run.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
    cp /etc/ssl/certs/ca-certificates.crt "$DIR/etc/ssl/certs/ca-certificates.crt"
fi

SRC=/root/s7kit
rm -rf "$DIR$SRC"
git clone -q --no-hardlinks "$ROOT" "$DIR$SRC"
git -C "$DIR$SRC" checkout -q "$HEAD_SHA"
say "cloned HEAD $HEAD_SHA into $DIR$SRC"

status=0
run_cmd() {
    local name="$1" log="$LOG/$1.log" t0 rc
    t0=$(date +%s)
    say "running make $name in the root (log: $log)"
    set +e
    in_root bash -c "cd $SRC && make $name" </dev/null >"$log" 2>&1
    rc=$?
    set -e
    printf 'fresh-debian: make %s: %s (exit %d, %d s)\n' "$name" \
        "$([ $rc = 0 ] && echo passed || echo FAILED)" "$rc" "$(( $(date +%s) - t0 ))"
    if [ $rc != 0 ]; then tail -n 40 "$log" | sed 's/^/  | /'; status=1; fi
    return 0
}

run_cmd demo
grep -q '^demo done' "$LOG/demo.log" || { say "make demo did not reach its end ('demo done')"; status=1; }
run_cmd test

# what ctest said, both builds (normal and ASan+UBSan)
grep -E 'tests passed|tests failed' "$LOG/test.log" | sed 's/^/  ctest: /' || true
skipped="$(grep -E '\*\*\*Skipped|Not Run' "$LOG/test.log" || true)"
if [ -n "$skipped" ]; then
    say "skipped tests (a skip on a fresh root is a failure):"
    printf '%s\n' "$skipped" | sed 's/^/  /'
    status=1
else
    say "no test skipped"
fi
[ "$(grep -cE 'tests passed' "$LOG/test.log")" -ge 2 ] || { say "expected two ctest runs (normal and ASan+UBSan)"; status=1; }
say "$([ $status = 0 ] && echo "PASS: make demo and make test on a minimal Debian 12" || echo "FAIL")"
exit $status
