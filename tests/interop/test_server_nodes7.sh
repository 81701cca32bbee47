#!/usr/bin/env bash
# nodes7 (a pure-JS S7 client we did not write: many items per PDU, AmQ 8, jobs in flight)
# against s7kit's CPU emulator: reads and writes of several types (INT, DINT, REAL, LREAL,
# BOOL, BYTE arrays, STRING, CHAR, M and Q bytes and bits), each checked byte-exact with
# Snap7's client, values written by Snap7 read back by nodes7, and 60 scattered items in
# one call at PDU 240 (several PDUs in flight).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_nodes7
need_snap7

nodes7() { # nodes7 [--slot S] CMD ARGS...: nodes7_client.js against the last server
    "$S7_NODE" "$S7_INTEROP_DIR/nodes7_client.js" --slot "$S7SRV_SLOT" "$S7SRV_ADDR" "$@"
}

# ---------------------------------------------------------------- S7-1500, PDU 960
S7SRV_SLOT=1
start_s7server --profile s7-1500 --put-get on --db 1:512 --db 2:64 \
    --set DB1.DBD4:REAL=3.5 --set DB1.DBW0:INT=-2 --set DB1.DBB8=171

out="$(nodes7 read DB1,INT0 DB1,REAL4 DB1,BYTE8 2>&1)"
check_eq "$out" "$(printf 'DB1,INT0=-2\nDB1,REAL4=3.5\nDB1,BYTE8=171')" "nodes7 reads the initial values (INT, REAL, BYTE)"

check_ok "nodes7 writes 12 items of 9 types in one call" nodes7 write \
    'DB1,INT10=-1234' 'DB1,DINT12=123456789' 'DB1,REAL16=-0.125' 'DB1,X24.3=true' \
    'DB1,BYTE26.4=[1,2,3,4]' 'DB1,S30.10="hello"' 'DB1,C50.4="abcd"' 'DB1,LR72=1.5' \
    'DB1,WORD80=65534' 'MB16=200' 'M20.1=true' 'QB0=9'
check_eq "$(s7srv_snap7 dbread 1 10 2)" fb2e "INT -1234 on the wire (Snap7 reads)"
check_eq "$(s7srv_snap7 dbread 1 12 4)" 075bcd15 "DINT 123456789"
check_eq "$(s7srv_snap7 dbread 1 16 4)" be000000 "REAL -0.125"
check_eq "$(s7srv_snap7 dbread 1 24 1)" 08 "BOOL DB1.DBX24.3 (bit write leaves the other bits)"
check_eq "$(s7srv_snap7 dbread 1 26 4)" 01020304 "BYTE[4]"
check_eq "$(s7srv_snap7 dbread 1 30 12)" 0a0568656c6c6f2020202020 "STRING[10] 'hello' (max 10, length 5; nodes7 pads with spaces)"
check_eq "$(s7srv_snap7 dbread 1 50 4)" 61626364 "CHAR[4] 'abcd'"
check_eq "$(s7srv_snap7 dbread 1 72 8)" 3ff8000000000000 "LREAL 1.5"
check_eq "$(s7srv_snap7 dbread 1 80 2)" fffe "WORD 65534"
check_eq "$(s7srv_snap7 read MK 0 16 1)" c8 "MB16 = 200"
check_eq "$(s7srv_snap7 read MK 0 20 1)" 02 "M20.1 = true"
check_eq "$(s7srv_snap7 read PA 0 0 1)" 09 "QB0 = 9"

out="$(nodes7 read DB1,INT10 DB1,DINT12 DB1,REAL16 DB1,X24.3 DB1,X24.2 DB1,BYTE26.4 DB1,S30.10 \
    DB1,C50.4 DB1,LR72 DB1,WORD80 MB16 M20.1 QB0 2>&1)"
check_eq "$out" "$(printf '%s\n' 'DB1,INT10=-1234' 'DB1,DINT12=123456789' 'DB1,REAL16=-0.125' \
    'DB1,X24.3=true' 'DB1,X24.2=false' 'DB1,BYTE26.4=[1,2,3,4]' 'DB1,S30.10="hello"' \
    'DB1,C50.4="abcd"' 'DB1,LR72=1.5' 'DB1,WORD80=65534' 'MB16=200' 'M20.1=true' 'QB0=9' | sed '$d';
    printf 'QB0=9')" "nodes7 reads back every value it wrote"

check_ok "Snap7 writes DB2 and MB100" s7srv_snap7 dbwrite 2 0 0102fffe40490fdb
check_ok "Snap7 writes MB100" s7srv_snap7 write MK 0 100 7f
out="$(nodes7 read DB2,WORD0 DB2,INT2 DB2,REAL4 MB100 2>&1)"
check_eq "$(printf '%s\n' "$out" | sed -n 1,2p | tr '\n' ' ')" "DB2,WORD0=258 DB2,INT2=-2 " "nodes7 reads what Snap7 wrote (WORD, INT)"
check_match "$(printf '%s\n' "$out" | sed -n 3p)" '^DB2,REAL4=3\.14159' "nodes7 reads Snap7's REAL pi"
check_eq "$(printf '%s\n' "$out" | sed -n 4p)" "MB100=127" "nodes7 reads Snap7's MB100"

check_fails "nodes7 read of a missing DB fails" nodes7 read DB9,INT0
check_contains "$S7_LAST_OUT" 'DB9,INT0="BAD' "nodes7 marks the missing DB's item BAD"
out="$(nodes7 read DB1,INT0 DB9,INT0 2>&1)"
check_contains "$out" "DB1,INT0=-2" "a good item next to a missing DB is still served"

# ---------------------------------------------------------------- S7-1500, PUT/GET off
start_s7server --profile s7-1500 --db 1:16
t0=$(date +%s)
check_fails "nodes7 read from a PUT/GET-off CPU fails" nodes7 read DB1,INT0
check_match "$S7_LAST_OUT" 'BAD|error' "nodes7 reports the refusal (81 04 Ack) as a failure"
if [ $(($(date +%s) - t0)) -le 8 ]; then pass "nodes7 did not hang on the 81 04 Ack"; else fail "nodes7 took $(($(date +%s) - t0)) s"; fi

# ---------------------------------------------------------------- S7-300, PDU 240
S7SRV_SLOT=2
start_s7server --profile s7-300 --db 3:1024
vals=()
for ((i = 0; i < 60; i++)); do vals+=("DB3,INT$((i * 16))=$((i * 100 - 3000))"); done
check_ok "nodes7 writes 60 scattered INTs at PDU 240" nodes7 write "${vals[@]}"
addrs=()
want=""
for ((i = 0; i < 60; i++)); do
    addrs+=("DB3,INT$((i * 16))")
    want+="DB3,INT$((i * 16))=$((i * 100 - 3000))"$'\n'
done
out="$(nodes7 read "${addrs[@]}" 2>&1)"
check_eq "$out" "${want%$'\n'}" "nodes7 reads the 60 INTs back (several PDUs, jobs in flight)"
check_eq "$(s7srv_snap7 dbread 3 944 2)" "$(printf '%04x' $((59 * 100 - 3000)))" "Snap7 sees the last INT (DB3.DBW944 = 2900)"
check_eq "$(s7srv_snap7 dbread 3 0 2)" "$(printf '%04x' $(((-3000) & 0xFFFF)))" "Snap7 sees the first INT (DB3.DBW0 = -3000)"
check_ok "nodes7 writes a 200-byte array (more than one PDU of 240)" nodes7 write \
    "DB3,BYTE800.200=[$(seq -s, 1 200)]"
check_eq "$(s7srv_snap7 dbread 3 800 4)$(s7srv_snap7 dbread 3 996 4)" 01020304c5c6c7c8 \
    "the 200-byte array landed whole"

finish
