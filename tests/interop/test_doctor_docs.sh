#!/usr/bin/env bash
# The doctor's examples in README.md and docs/doctor.md against `s7 doctor` as it runs:
#   - PUT/GET disabled on an S7-1500 (`s7 server --profile s7-1500 --db 1:64`,
#     `s7 doctor HOST --db 1`): the whole output, line for line, in both pages;
#   - a full PG budget (`s7 server --max-conn pg=1` with one PG client connected): every
#     line of docs/doctor.md's excerpt, in its order.
# Host, port and times (N ms) are set aside; everything else must be what the tool prints.
# A copy of the page with an old line in it makes the comparison fail (the last check).
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/interop/server_lib.sh
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
README="$S7_SOURCE/README.md"
DOC="$S7_SOURCE/docs/doctor.md"

# block FILE FIRST: the lines from the one matching FIRST (ERE) up to the closing ```.
block() {
    awk -v re="$2" '!f && $0 ~ re { f = 1 } f && /^```/ { exit } f' "$1"
}

# norm HOST PORT: the host and port as the pages write them, times as N ms.
norm() {
    sed -E "s/$1:$2/HOST/g; s/$1 port $2/HOST port 102/g; s/$1/HOST/g;
            s/[0-9]+ ms/N ms/g; s/ +/ /g"
}


# --- PUT/GET disabled: the whole output
srv_banner "$S7_TEST_TMP/srv.$RANDOM.out" /dev/null --profile s7-1500 --db 1:64
got=$(NO_COLOR=1 "$S7_BIN" doctor "$SRV_ADDR" --db 1 2>&1 | norm 127.0.0.1 "$SRV_PORT")
want=$(block "$README" '^\$ s7 doctor 127\.0\.0\.1:[0-9]+ --db 1$' | tail -n +2 |
    norm 127.0.0.1 "$(block "$README" '^\$ s7 doctor 127\.0\.0\.1:[0-9]+ --db 1$' | head -1 |
        sed -E 's/.*:([0-9]+) .*/\1/')")
check_ne "$want" "" "README.md has the PUT/GET example"
check_eq "$got" "$want" "README.md: the doctor's PUT/GET example is what it prints"
want=$(block "$DOC" '^\$ s7 doctor 192\.168\.0\.10 --db 1$' | tail -n +2 | norm 192.168.0.10 102)
check_ne "$want" "" "doctor.md has the PUT/GET example"
check_eq "$got" "$want" "doctor.md: the doctor's PUT/GET example is what it prints"

# --- a full PG budget: the excerpt's lines, in order
srv_banner "$S7_TEST_TMP/srv.$RANDOM.out" /dev/null --max-conn pg=1
"$S7_BIN" watch "$SRV_ADDR" MB0 --every 100 --count 300 >"$S7_TEST_TMP/watch.out" 2>&1 &
WPID=$!
on_exit "kill $WPID 2>/dev/null; wait $WPID 2>/dev/null"
# the PG client holds its connection once it printed its first value
for ((i = 0; i < 200; i++)); do
    grep -q 'MB0 = ' "$S7_TEST_TMP/watch.out" 2>/dev/null && break
    sleep 0.05
done
check_contains "$(cat "$S7_TEST_TMP/watch.out")" "MB0 = " "a PG client holds the one PG connection"
got=$("$S7_BIN" doctor "$SRV_ADDR" 2>&1 | norm 127.0.0.1 "$SRV_PORT")
check_contains "$got" "verdict: cr_rejected" "a full PG budget: cr_rejected"
excerpt=$(block "$DOC" '^verdict: cr_rejected' | norm 192.168.0.10 102)
check_ne "$excerpt" "" "doctor.md has the full PG budget example"
# in_order TEXT LINES: every line of LINES is a line of TEXT, in LINES' order
in_order() {
    awk 'NR == FNR { want[n++] = $0; next } i < n && $0 == want[i] { i++ }
         END { if (i < n) { print "missing or out of order: " want[i]; exit 1 } }' \
        <(printf '%s\n' "$2") <(printf '%s\n' "$1")
}
run_out=$(in_order "$got" "$excerpt")
check_eq "$?:$run_out" "0:" "doctor.md: the full PG budget example is what the doctor prints"

# --- the comparison fails on a page with an old line
old=$(printf '%s\n' "$excerpt" | sed 's/^ fix: .*/ fix: another connection type works: use --rack 0 --slot 1 --type op/')
run_out=$(in_order "$got" "$old")
check_ne "$?" 0 "a page with an old fix line does not pass"

finish
