#!/usr/bin/env bash
# s7 scan over loopback addresses only (127.0.0.0/8 is all loopback on Linux): emulators of
# three CPU families on 127.0.0.2, 127.0.0.5 and 127.0.0.6 and a silent TCP listener (not S7)
# on 127.0.0.7, all on one port; the scan of 127.0.0.1-8 (and of the CIDR 127.0.0.0/29)
# finds exactly those four hosts answering, the three CPUs with their identities and the
# TSAPs they took, the others closed.  Also: the rate bound (8 hosts at 20/s take >= 350 ms),
# --concurrency 1, the refusal of more than 65,536 hosts (before any traffic), bad targets.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_server
command -v python3 >/dev/null 2>&1 || skip "python3 not found (parses the --json output and listens)"

PORT=$(free_port) || die "no free port"


start_s7server --listen 127.0.0.2:"$PORT" --profile s7-1500 --put-get on --db 1:16
start_s7server --listen 127.0.0.5:"$PORT" --profile s7-300 --db 1:16
start_s7server --listen 127.0.0.6:"$PORT" --profile logo8
# a TCP service that accepts and never answers (not an S7 CPU)
python3 - "$PORT" <<'EOF' &
import socket, sys, time, os
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.7", int(sys.argv[1]))); s.listen(16)
held = []
ppid = os.getppid()
s.settimeout(0.5)
while os.getppid() == ppid:
    try:
        c, _ = s.accept(); held.append(c)
    except socket.timeout:
        pass
EOF
SILENT=$!
on_exit "kill $SILENT 2>/dev/null; wait $SILENT 2>/dev/null"
for ((i = 0; i < 100; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.7/$PORT") 2>/dev/null && break
    sleep 0.05
done

jq() {
    printf '%s' "$JS" | python3 -c '
import json, sys
d = json.load(sys.stdin)
h = {x["host"]: x for x in d["hosts"]}
r = eval(sys.argv[1])
print(r if not isinstance(r, bool) else ("true" if r else "false"))' "$1" 2>&1
}

# ---------------------------------------------------------------- the range
RC=0
OUT="$("$S7_BIN" scan 127.0.0.1-8 --port "$PORT" --timeout 500 2>&1)" || RC=$?
check_eq "$RC" 0 "range: exit 0 (hosts answer)"
check_eq "$(printf '%s\n' "$OUT" | grep -cE ":$PORT +answering ")" 4 "range: four hosts answer"
check_match "$OUT" "127\.0\.0\.2:$PORT +answering .*S7 \(TSAPs 0100:0101, PDU 960\).*6ES7 516-3AN02-0AB0" "range: the S7-1500 on .2"
check_match "$OUT" "127\.0\.0\.5:$PORT +answering .*S7 \(TSAPs 0100:0102, PDU 240\).*6ES7 315-2EH14-0AB0" "range: the S7-300 on .5 (slot 2)"
check_match "$OUT" "127\.0\.0\.6:$PORT +answering .*6ED1052-1MD08-0BA1" "range: the LOGO! on .6"
check_match "$OUT" "127\.0\.0\.7:$PORT +answering .*no S7 session" "range: the silent listener on .7 is no S7"
check_contains "$OUT" "scanned 8 hosts on port $PORT" "range: 8 hosts"
check_contains "$OUT" "4 answering (3 speak S7), 4 closed, 0 filtered, 0 unreachable" "range: the summary"

RC=0
JS="$("$S7_BIN" scan 127.0.0.0/29 --port "$PORT" --timeout 500 --json --all 2>/dev/null)" || RC=$?
check_eq "$RC" 0 "cidr: exit 0"
check_eq "$(jq 'sorted(h)')" \
    "['127.0.0.1', '127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5', '127.0.0.6']" \
    "cidr: /29 without network and broadcast addresses"
check_eq "$(jq 'sorted(k for k, v in h.items() if v["state"] == "answering")')" \
    "['127.0.0.2', '127.0.0.5', '127.0.0.6']" "cidr: exactly the emulators answer"
check_eq "$(jq 'sorted(k for k, v in h.items() if v["state"] == "closed")')" \
    "['127.0.0.1', '127.0.0.3', '127.0.0.4']" "cidr: the others are closed"
check_eq "$(jq 'h["127.0.0.2"]["cpu"]["order_code"]')" "6ES7 516-3AN02-0AB0" "cidr: .2 identity"
check_eq "$(jq 'h["127.0.0.2"]["cpu"]["state"]')" run "cidr: .2 state"
check_eq "$(jq 'h["127.0.0.5"]["cpu"]["module_type"]')" "CPU 315-2 PN/DP" "cidr: .5 identity"
check_eq "$(jq 'h["127.0.0.5"]["tsap"]')" "0100:0102" "cidr: .5 took slot 2"
check_eq "$(jq 'h["127.0.0.6"]["cpu"]["order_code"]')" "6ED1052-1MD08-0BA1" "cidr: .6 identity (LOGO!)"
check_eq "$(jq 'd["summary"]')" \
    "{'hosts': 6, 'scanned': 6, 'answering': 3, 's7': 3, 'closed': 3, 'filtered': 0, 'unreachable': 0}" "cidr: summary"

RC=0
JS="$("$S7_BIN" scan 127.0.0.7 --port "$PORT" --timeout 300 --json 2>/dev/null)" || RC=$?
check_eq "$(jq 'h["127.0.0.7"]["s7"]')" false "silent listener: answering but no S7"
check_eq "$(jq 'h["127.0.0.7"]["error"]["name"]')" timeout "silent listener: the CR was never answered"

# ---------------------------------------------------------------- bounds: rate and concurrency
t0=$(date +%s%N)
RC=0
JS="$("$S7_BIN" scan 127.0.0.1-8 --port "$PORT" --timeout 500 --rate 20/s --json 2>/dev/null)" || RC=$?
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check_eq "$(( ms >= 350 ))" 1 "rate 20/s: 8 hosts take at least 350 ms (took $ms ms)"
check_eq "$(jq 'd["summary"]["answering"]')" 4 "rate 20/s: same result"
RC=0
JS="$("$S7_BIN" scan 127.0.0.1-8 --port "$PORT" --timeout 500 --concurrency 1 --json 2>/dev/null)" || RC=$?
check_eq "$(jq 'd["summary"]["answering"]')" 4 "concurrency 1: same result"
RC=0
JS="$("$S7_BIN" scan 127.0.0.2 --port "$PORT" --no-identify --json 2>/dev/null)" || RC=$?
check_eq "$(jq 'h["127.0.0.2"]["cpu"]')" None "--no-identify: no SZL read"
check_eq "$(jq 'h["127.0.0.2"]["s7"]')" true "--no-identify: the S7 session was still set up"

# ---------------------------------------------------------------- nothing answering
free2=$(free_port) || die "no free port"
RC=0
OUT="$("$S7_BIN" scan 127.0.0.1-3 --port "$free2" 2>&1)" || RC=$?
check_eq "$RC" 1 "nothing answering: exit 1"
check_contains "$OUT" "0 answering" "nothing answering: summary"

# ---------------------------------------------------------------- refusals (no traffic sent)
RC=0
OUT="$("$S7_BIN" scan 10.0.0.0/8 2>&1)" || RC=$?
check_eq "$RC" 2 "10.0.0.0/8: refused (exit 2)"
check_contains "$OUT" "more than the limit of 65536" "10.0.0.0/8: says the limit"
RC=0
OUT="$("$S7_BIN" scan 127.0.0.0/15 2>&1)" || RC=$?
check_eq "$RC" 2 "127.0.0.0/15 (131,070 hosts): refused"
for bad in 127.0.0.300 127.0.0.9-3 127.0.0.1/33 "127.0.0.1-x" host.example; do
    RC=0
    OUT="$("$S7_BIN" scan "$bad" 2>&1)" || RC=$?
    check_eq "$RC" 2 "bad target '$bad': exit 2"
done
RC=0
OUT="$("$S7_BIN" scan 2>&1)" || RC=$?
check_eq "$RC" 2 "no targets: exit 2"
check_contains "$OUT" "missing targets" "no targets: explained"
RC=0
OUT="$("$S7_BIN" scan 127.0.0.1 --concurrency 0 2>&1)" || RC=$?
check_eq "$RC" 2 "--concurrency 0: exit 2"

finish
