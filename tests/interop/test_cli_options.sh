#!/usr/bin/env bash
# s7's command line itself (no PLC needed): help, --version, and every option value checked
# before connecting, with a message that says what was wrong and what would be right, and
# exit code 2.
set -uo pipefail
. "$(dirname "$0")/lib.sh"

need_s7_bin

# usage_error WANT_TEXT ARGS...: s7 ARGS exits 2 and its stderr contains WANT_TEXT.
usage_error() {
    local want="$1" rc=0 out
    shift
    out=$("$S7_BIN" "$@" 2>&1 >/dev/null) || rc=$?
    check_eq "$rc" 2 "exit 2: s7 $*"
    check_contains "$out" "$want" "message: s7 $*"
}

# ---------------------------------------------------------------- help and version
out=$("$S7_BIN" --version)
check_match "$out" '^s7 \(s7kit\) [0-9]+\.[0-9]+\.[0-9]+$' "--version"
out=$("$S7_BIN" help)
rc=$?
check_eq "$rc" 0 "s7 help exits 0"
for c in read write info dump watch; do
    check_match "$out" "  $c " "s7 help lists $c"
    out2=$("$S7_BIN" help "$c")
    check_contains "$out2" "usage: s7 $c HOST" "s7 help $c: usage line"
    out3=$("$S7_BIN" "$c" --help)
    check_contains "$out3" "s7 $c HOST" "s7 $c --help"
done
check_contains "$out" "--tsap LOCAL:REMOTE" "help lists the common options"
check_contains "$out" "Exit codes: 0 success" "help lists the exit codes"
usage_error "unknown command 'frob'" frob
usage_error "unknown command 'frob'" help frob
rc=0; "$S7_BIN" >/dev/null 2>&1 || rc=$?
check_eq "$rc" 2 "no command: exit 2"

# ---------------------------------------------------------------- option values
usage_error "--slot 40: slot must be 0..31" read 127.0.0.1 MB0 --slot 40
usage_error "--slot -1: slot must be 0..31" read 127.0.0.1 MB0 --slot -1
usage_error "--rack 8: rack must be 0..7" read 127.0.0.1 MB0 --rack 8
usage_error "--rack x: rack must be 0..7" read --rack x 127.0.0.1 MB0
usage_error "--type plc: expected pg, op or basic" read 127.0.0.1 MB0 --type plc
usage_error "--tsap 0100-0102: expected LOCAL:REMOTE in hex, e.g. 0100:0102" read 127.0.0.1 MB0 --tsap 0100-0102
usage_error "--tsap 01000:0102: expected LOCAL:REMOTE in hex" read 127.0.0.1 MB0 --tsap 01000:0102
usage_error "--tsap 0100:zz02: expected LOCAL:REMOTE in hex" read 127.0.0.1 MB0 --tsap=0100:zz02
usage_error "the remote TSAP must not be 0000" read 127.0.0.1 MB0 --tsap 0100:0000
usage_error "--tsap and --rack/--slot/--type both given" read 127.0.0.1 MB0 --tsap 0100:0102 --slot 2
usage_error "--pdu 100: PDU size must be 240..960" read 127.0.0.1 MB0 --pdu 100
usage_error "--pdu 2000: PDU size must be 240..960" read 127.0.0.1 MB0 --pdu=2000
usage_error "--timeout 0: '0' is outside 1 ms..10 min (a bare number is milliseconds)" read 127.0.0.1 MB0 --timeout 0
usage_error "--timeout 5 sek: '5 sek': unknown unit 'sek'" read 127.0.0.1 MB0 --timeout "5 sek"
usage_error "--timeout 11min: '11min' is outside 1 ms..10 min" read 127.0.0.1 MB0 --timeout 11min
usage_error "--every 5: '5' is outside 10 ms..24 h" watch 127.0.0.1 MB0 --every 5
usage_error "--count 0: count must be 1.." watch 127.0.0.1 MB0 --count 0
usage_error "--every is an option of s7 watch, not of s7 read" read 127.0.0.1 MB0 --every 100
usage_error "--output is an option of s7 dump, not of s7 read" read 127.0.0.1 MB0 -o x
usage_error "--rack needs a value, e.g. --rack 0" read 127.0.0.1 MB0 --rack
usage_error "--json takes no value" read 127.0.0.1 MB0 --json=yes
usage_error "unknown option '--bogus'" read 127.0.0.1 MB0 --bogus
# s7 inventory names all its subcommands (monitor, audit and simulate were left out)
usage_error "unknown subcommand 'bogus' (subcommands: validate, check, monitor, firewall, report, verify-firewall, audit or simulate)" \
    inventory bogus plant.yaml
usage_error "s7 inventory needs a subcommand: validate, check, monitor, firewall, report, verify-firewall, audit or simulate" \
    inventory
usage_error "unknown option '--bogus'" read 127.0.0.1 MB0 --bogus=1

# ---------------------------------------------------------------- targets and arguments
usage_error "missing HOST" read
usage_error "s7 read needs HOST ADDRESS..." read 127.0.0.1
usage_error "port 'abc' in '127.0.0.1:abc' must be a number 1..65535" read 127.0.0.1:abc MB0
usage_error "port '70000' in '127.0.0.1:70000' must be a number 1..65535" read 127.0.0.1:70000 MB0
usage_error "the host is empty" read :102 MB0
usage_error "missing ']' after the IPv6 address" read '[::1:102' MB0
usage_error "unexpected argument 'extra'" info 127.0.0.1 extra
usage_error "expected DB N after the host" dump 127.0.0.1 MB 3
usage_error "DB number '0' must be 1..65535" dump 127.0.0.1 DB 0
usage_error "DB number 'x' must be 1..65535" dump 127.0.0.1 DBx
usage_error "expected ADDRESS=VALUE, e.g. DB1.DBW0=42" write 127.0.0.1 DB1.DBW0
usage_error "'300' is out of range for BYTE (0..255)" write 127.0.0.1 MB0=300
usage_error "bad address 'M1.8': bit number 8 in 'M1.8' must be 0..7" watch 127.0.0.1 M1.8

# Options anywhere on the line.
usage_error "--slot 40: slot must be 0..31" read --slot 40 127.0.0.1 MB0

finish
