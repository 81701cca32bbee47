#!/usr/bin/env bash
# Wireshark's s7comm dissector (tshark, a decoder we did not write) reads a capture of two
# `s7 partner` processes exchanging BSEND blocks both ways (65,534 bytes in 147 segments,
# and 1,000 bytes) and a USEND, with zero malformed packets and zero expert errors, and
# finds the fields as docs/exchange.md documents them: function group 6, one
# acknowledgement (type 8) per segment, R_ID and the block's LEN, the reassembled block,
# the last-data-unit flag; the USEND's parameter (syntax id 0x13, R_ID) byte for byte
# (Wireshark 4.0 has no USEND decoder and shows it as a Push: the bytes are checked).
# Root only (capture on lo); skipped otherwise.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || skip "capturing on lo needs root (run as root after make deps)"
need_cmd tshark dumpcap
need_s7_bin

T="$S7_TEST_TMP"
head -c 65534 /dev/urandom >"$T/a.bin"
head -c 1000 /dev/urandom >"$T/b.bin"
head -c 100 /dev/urandom >"$T/u.bin"
PORT=$(free_port) || die "no free port"

cap="$T/partner.pcapng"
dumpcap -q -i lo -f "tcp port $PORT" -w "$cap" >"$T/dumpcap.log" 2>&1 &
DUMPCAP_PID=$!
_S7_PIDS+=("$DUMPCAP_PID")
for ((i = 0; i < 100; i++)); do
    grep -q "^File: " "$T/dumpcap.log" 2>/dev/null && break
    kill -0 "$DUMPCAP_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q "^File: " "$T/dumpcap.log" || { cat "$T/dumpcap.log" >&2; die "dumpcap did not start"; }
sleep 0.5

"$S7_BIN" partner --listen "127.0.0.1:$PORT" --brcv "1:$T/ra.bin" --urcv "7:$T/ru.bin" \
    --bsend "9:$T/b.bin" --timeout 10000 >"$T/passive.out" 2>&1 &
PASSIVE=$!
_S7_PIDS+=("$PASSIVE")
for ((i = 0; i < 50; i++)); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
    sleep 0.1
done
check_ok "s7 partner --connect: BSEND 65,534 and USEND, BRCV 1,000" \
    "$S7_BIN" partner --connect "127.0.0.1:$PORT" --bsend "1:$T/a.bin" --usend "7:$T/u.bin" \
    --brcv "9:$T/r9.bin" --timeout 10000
wait "$PASSIVE"
check_eq "$?" 0 "s7 partner --listen ended with every job done ($(tr '\n' ';' <"$T/passive.out"))"
check_ok "BSEND block arrived byte for byte" cmp "$T/a.bin" "$T/ra.bin"
check_ok "USEND arrived byte for byte" cmp "$T/u.bin" "$T/ru.bin"
check_ok "BSEND the other way arrived byte for byte" cmp "$T/b.bin" "$T/r9.bin"

sleep 0.5
kill -INT "$DUMPCAP_PID" 2>/dev/null
wait "$DUMPCAP_PID" 2>/dev/null
[ -s "$cap" ] || die "no capture written"

TS=(tshark -n -r "$cap" -d "tcp.port==$PORT,tpkt")
bad="$("${TS[@]}" -Y "_ws.malformed || _ws.expert.severity >= 0x00800000" 2>"$T/tshark.err")"
check_eq "$?" 0 "tshark ran the malformed / expert-error filter ($(grep -v WARNING "$T/tshark.err" | head -3))"
check_eq "$(printf '%s' "$bad" | head -20)" "" "no malformed packet and no expert error in the capture"
# one pass over the capture: the fields of every s7comm frame (a frame may carry several
# PDUs: tshark then lists each field's values comma-separated)
"${TS[@]}" -Y s7comm -T fields -E separator=/t -e s7comm.param.userdata.type \
    -e s7comm.param.userdata.funcgroup -e s7comm.param.userdata.lastdataunit \
    -e s7comm.pbc.req.bsend.r_id -e s7comm.pbc.req.bsend.len -e s7comm.reassembled.length \
    -e tcp.payload >"$T/fields.tsv" 2>/dev/null
# col N: how many PDUs have value V in column N
pdus() { cut -f"$1" "$T/fields.tsv" | tr ',' '\n' | grep -cxE "$2"; }
rows() { awk -F'\t' "$1" "$T/fields.tsv" | wc -l; }
seg=$(pdus 1 4)
ack=$(pdus 1 8)
# 65,534 bytes at PDU 480: 444 + 145 x 446 + 420 = 147 segments; 1,000 bytes: 3
check_eq "$seg" 150 "BSEND segments (group 6, type request): 147 + 3"
check_eq "$ack" "$seg" "one acknowledgement (type response) per segment"
check_eq "$(pdus 2 6)" $((seg + ack)) "all of them in function group 6 (PBC)"
check_eq "$(rows '$4 == "0x00000001" && $5 == "65534"')" 1 \
    "the last segment of R_ID 1 completes a block of LEN 65534"
check_eq "$(rows '$6 == "65536"')" 1 "the reassembled block: LEN (2 bytes) + 65,534 data bytes"
check_eq "$(rows '$4 ~ /0x00000009/ && $5 == "1000"')" 1 "the BSEND the other way (R_ID 9, LEN 1000)"
check_eq "$(pdus 3 0x01)" $((147 - 1 + 3 - 1)) \
    "every segment but each block's last says more data units follow"
check_eq "$(grep -c "000112061300"00000007 "$T/fields.tsv")" 1 \
    "the USEND parameter: 00 01 12, length 6, syntax id 0x13, 00, R_ID 7"
check_eq "$(grep -c "ff000001ff040320" "$T/fields.tsv")" 1 \
    "the USEND data: return code 0xFF, one item of transport size 0x04, 800 bits"
finish
