#!/usr/bin/env bash
# s7 dump against the Snap7 server: the DB's length is found by the CPU's answers, the whole
# DB lands in the file byte for byte (DB3: 65,535 bytes of the pattern), the hex dump on stdout
# has offset / 16 bytes / ASCII lines, a progress bar appears only on a terminal, and a
# missing DB is explained; an optimized DB on an emulated S7-300 (sized by its block info,
# then every read answered 0x05) is explained, in text and JSON.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"

need_s7_bin
need_snap7
need_cmd python3 cmp
start_snap7 --fixture standard
T="127.0.0.1:$SNAP7_PORT"

python3 -c 'import sys; sys.stdout.buffer.write(bytes(i & 0xFF for i in range(65535)))' >"$S7_TEST_TMP/db3.want"

# ---------------------------------------------------------------- DB3 to a file
err=$("$S7_BIN" dump "$T" DB 3 -o "$S7_TEST_TMP/db3.bin" 2>&1 >/dev/null)
rc=$?
check_eq "$rc" 0 "dump DB 3 -o FILE exits 0"
check_eq "$(stat -c %s "$S7_TEST_TMP/db3.bin" 2>/dev/null)" 65535 "DB3 file is 65535 bytes"
if cmp -s "$S7_TEST_TMP/db3.bin" "$S7_TEST_TMP/db3.want"; then
    pass "DB3 file equals the pattern"
else
    fail "DB3 file differs from the pattern: $(cmp "$S7_TEST_TMP/db3.bin" "$S7_TEST_TMP/db3.want" 2>&1 | head -1)"
fi
check_eq "$err" "DB3: 65535 bytes (size from its block info)
DB3: 65535 bytes written to $S7_TEST_TMP/db3.bin" "no progress bar when stderr is not a terminal; the size's source said"

# DB3 at PDU 240: more, smaller requests, same bytes.
check_ok "dump DB3 at --pdu 240" "$S7_BIN" dump "$T" DB3 --pdu 240 -o "$S7_TEST_TMP/db3.240"
cmp -s "$S7_TEST_TMP/db3.240" "$S7_TEST_TMP/db3.want" && pass "DB3 at PDU 240 equals the pattern" ||
    fail "DB3 at PDU 240 differs"

# ---------------------------------------------------------------- hex dump on stdout
out=$("$S7_BIN" dump "$T" DB 1)
check_eq "$(printf '%s\n' "$out" | wc -l | tr -d ' ')" 64 "DB1 (1024 bytes): 64 lines"
check_eq "$(printf '%s\n' "$out" | sed -n 1p)" \
    "00000000  00 01 02 03 04 05 06 07  08 09 0a 0b 0c 0d 0e 0f  |................|" "first line"
check_eq "$(printf '%s\n' "$out" | sed -n 5p)" \
    "00000040  40 41 42 43 44 45 46 47  48 49 4a 4b 4c 4d 4e 4f  |@ABCDEFGHIJKLMNO|" "ASCII column"
check_eq "$(printf '%s\n' "$out" | sed -n 64p)" \
    "000003f0  f0 f1 f2 f3 f4 f5 f6 f7  f8 f9 fa fb fc fd fe ff  |................|" "last line"
out=$("$S7_BIN" dump "$T" DB 2)
check_eq "$out" "00000000  00 00 00 00 00                                    |.....|" "DB2: one short line of 5 bytes"

out=$("$S7_BIN" dump "$T" DB 2 --json)
check_eq "$out" '{"db": 2, "length": 5, "sized_by": "block_info", "file": null, "hex": "0000000000", "error": null}' "--json of DB2"

# ---------------------------------------------------------------- progress on a terminal
if command -v script >/dev/null 2>&1; then
    out=$(script -qec "'$S7_BIN' dump '$T' DB 3 -o '$S7_TEST_TMP/db3.tty'" /dev/null 2>&1)
    check_contains "$out" "100% 65535/65535 bytes" "progress bar on a terminal reaches 100%"
    check_contains "$out" "DB3 [####" "progress bar drawn"
else
    fail "script(1) is not installed: terminal progress not checked (scripts/deps.sh installs bsdutils as root)"
fi

# ---------------------------------------------------------------- errors
check_fails "dump of a missing DB fails" "$S7_BIN" dump "$T" DB 99
check_contains "$S7_LAST_OUT" "object does not exist (item return code 0x0A OBJECT_NOT_FOUND)" "missing DB: 0x0A named"
check_contains "$S7_LAST_OUT" "cause: DB99 does not exist on the CPU" "missing DB: cause"
rc=0; "$S7_BIN" dump "$T" DB 99 >/dev/null 2>&1 || rc=$?
check_eq "$rc" 1 "missing DB: exit 1"
rc=0; "$S7_BIN" dump "$T" MB 3 >/dev/null 2>&1 || rc=$?
check_eq "$rc" 2 "dump of a non-DB: usage error"
check_fails "unwritable output" "$S7_BIN" dump "$T" DB 2 -o /nonexistent-dir/x.bin
check_contains "$S7_LAST_OUT" "cannot create '/nonexistent-dir/x.bin'" "unwritable output named"

# ---------------------------------------------------------------- an optimized DB (S7-300)
# The block info gives DB5's size; the reads then answer 0x05 even at byte 0.
start_s7server --profile s7-300 --db 5:100:optimized
T3="127.0.0.1:$S7SRV_PORT"
check_fails "dump of an optimized DB fails" "$S7_BIN" dump "$T3" DB 5 --slot 2
check_contains "$S7_LAST_OUT" "error: read of DB5 at byte 0 failed: invalid address (address out of range) (item return code 0x05 ADDRESS_OUT_OF_RANGE)" \
    "optimized DB: the item's code named"
check_contains "$S7_LAST_OUT" "cause: DB5 exists but even offset 0 is out of range: it has optimized block access" \
    "optimized DB: the cause"
check_contains "$S7_LAST_OUT" "fix: untick \"Optimized block access\" in DB5's properties" "optimized DB: the fix"
# -o FILE is written only once the whole DB was read: a dump that fails leaves a FILE of an
# earlier run as it was (it used to be emptied before the first read)
printf 'an earlier dump\n' >"$S7_TEST_TMP/db5.bin"
check_fails "dump of an optimized DB to an existing file fails" "$S7_BIN" dump "$T3" DB 5 --slot 2 -o "$S7_TEST_TMP/db5.bin"
check_eq "$(cat "$S7_TEST_TMP/db5.bin")" "an earlier dump" "a failed dump leaves the existing -o FILE as it was"
rc=0
out=$("$S7_BIN" dump "$T3" DB 5 --slot 2 --json 2>/dev/null) || rc=$?
check_eq "$rc" 1 "optimized DB --json: exit 1"
check_contains "$out" '"error": {"name": "address_out_of_range", "code": "0x05", "message": "read of DB5 at byte 0 failed: ' \
    "optimized DB --json: the item's code"
check_contains "$out" '"fix": "untick \"Optimized block access\" in DB5' "optimized DB --json: the fix"
if [ -f "$NODE_PATH/ajv/package.json" ]; then
    printf '%s\n' "$out" >"$S7_TEST_TMP/opt.json"
    rc=0
    v=$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" s7-dump "$S7_TEST_TMP/opt.json" 2>&1) || rc=$?
    check_eq "$rc" 0 "optimized DB --json: valid against s7-dump ($v)"
fi

finish
