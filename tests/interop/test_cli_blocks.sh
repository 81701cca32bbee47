#!/usr/bin/env bash
# Block services end to end: s7 blocks (list, info), s7 upload and s7 dump's sizing against
# s7kit's emulated S7-300 (program blocks from its YAML blocks: and the family's default
# set; s7 download of a changed block as another DB) and S7-1500 (no block functions:
# explained, dump falls back to probing); node-snap7's
# client (a peer we did not write) against the emulator: ListBlocks, ListBlocksOfType,
# GetAgBlockInfo, FullUpload, DBGet and Download (the CPU asks for the block's parts with
# its own Jobs; the block lands as a DB after _INSE); s7kit's client against node-snap7's
# server: block list and info, and its refusals of an upload and a download (protection
# level: a password is needed).  The --json outputs validated against docs/schema/ by ajv.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/server_lib.sh"
need_s7_bin
need_s7_server
need_snap7
[ -f "$NODE_PATH/ajv/package.json" ] || skip "ajv not installed in $NODE_PATH (run make deps)"

valid() { # valid SCHEMA FILE WHAT
    local out rc=0
    out="$("$S7_NODE" "$S7_INTEROP_DIR/validate_json.js" "$S7_SOURCE/docs/schema" "$1" "$2" 2>&1)" || rc=$?
    if [ "$rc" -eq 0 ]; then pass "$3: valid against $1"; else fail "$3: $out: $(head -c 2000 "$2")"; fi
}

# ---------------------------------------------------------------- the emulated S7-300
cat >"$S7_TEST_TMP/cpu.yaml" <<'YAML'
profile: s7-300
dbs:
  - {number: 1, size: 100}
  - {number: 10, size: 256}
values:
  DB10.DBW0: 1234
blocks:
  - {type: FC, number: 5, size: 120, know_how: true}
  - {type: FB, number: 2, size: 300}
YAML
S7SRV_SLOT=2
start_s7server --config "$S7_TEST_TMP/cpu.yaml"
T="127.0.0.1:$S7SRV_PORT"
S=(--slot 2)

out=$("$S7_BIN" blocks "$T" "${S[@]}")
check_eq "$(printf '%s\n' "$out" | awk '{print $1, $2}' | tr '\n' ' ')" \
    "OB 1 FB 1 FC 1 DB 2 SDB 0 SFC 77 SFB 15 " "s7 blocks: counts per type, in a real CPU's order"
check_contains "$out" "DB       2  DB1 DB10" "s7 blocks: the DBs listed"
check_contains "$out" "SFB104" "s7 blocks: the SFB list (a 315-2's)"
"$S7_BIN" blocks "$T" "${S[@]}" --json >"$S7_TEST_TMP/list.json"
valid s7-blocks "$S7_TEST_TMP/list.json" "s7 blocks --json"
check_contains "$(cat "$S7_TEST_TMP/list.json")" '{"type": "FC", "count": 1, "numbers": [5]}' "FC5 from blocks: in the YAML"

out=$("$S7_BIN" blocks info "$T" DB10 "${S[@]}")
check_contains "$out" "data           256 bytes" "info DB10: its size"
check_contains "$out" "load memory    328 bytes" "info DB10: load memory (header + data + footer)"
"$S7_BIN" blocks "$T" fc5 "${S[@]}" --json >"$S7_TEST_TMP/fc5.json"
valid s7-blocks "$S7_TEST_TMP/fc5.json" "s7 blocks FC5 --json"
check_contains "$(cat "$S7_TEST_TMP/fc5.json")" '"mc7_length": 120' "info FC5: MC7 length from the YAML"
check_contains "$(cat "$S7_TEST_TMP/fc5.json")" '"know_how_protected": true' "info FC5: know-how protected"
check_fails "info of a missing block fails" "$S7_BIN" blocks info "$T" DB99 "${S[@]}"
check_contains "$S7_LAST_OUT" "0xD209" "missing block: 0xD209 named"
"$S7_BIN" blocks info "$T" DB99 "${S[@]}" --json >"$S7_TEST_TMP/db99.json" 2>/dev/null
valid s7-blocks "$S7_TEST_TMP/db99.json" "s7 blocks info DB99 --json (error)"
check_fails "a bad block name is a usage error" "$S7_BIN" blocks info "$T" XY3 "${S[@]}"
check_contains "$S7_LAST_OUT" "e.g. DB10" "bad block name: what would be right"

# upload: DB10 carries its current data; refusals explained
check_ok "upload DB10" "$S7_BIN" upload "$T" DB10 -o "$S7_TEST_TMP/db10.blk" "${S[@]}"
check_eq "$(stat -c %s "$S7_TEST_TMP/db10.blk")" 328 "DB10 block: 328 bytes"
check_eq "$(od -An -tx1 -j36 -N2 "$S7_TEST_TMP/db10.blk" | tr -d ' ')" 04d2 "DB10 block: DBW0 = 1234 at the data's start"
"$S7_BIN" upload "$T" DB10 -o "$S7_TEST_TMP/db10b.blk" "${S[@]}" --json >"$S7_TEST_TMP/up.json"
valid s7-upload "$S7_TEST_TMP/up.json" "s7 upload --json"
check_fails "upload of an SFC is refused" "$S7_BIN" upload "$T" SFC1 -o "$S7_TEST_TMP/x.blk" "${S[@]}"
check_contains "$S7_LAST_OUT" "0xD20E" "SFC upload: 0xD20E"
check_contains "$S7_LAST_OUT" "system block" "SFC upload: the cause"
check_fails "upload of a know-how protected FC is refused" "$S7_BIN" upload "$T" FC5 -o "$S7_TEST_TMP/x.blk" "${S[@]}"
"$S7_BIN" upload "$T" OB7 -o "$S7_TEST_TMP/x.blk" "${S[@]}" --json >"$S7_TEST_TMP/up7.json" 2>/dev/null
valid s7-upload "$S7_TEST_TMP/up7.json" "s7 upload --json (refused)"
check_contains "$(cat "$S7_TEST_TMP/up7.json")" '"code": "0xD20C"' "upload of a missing OB: 0xD20C"

# download: DB10's block changed into DB33 (number and first byte), activated, served
python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[7] = 33; d[36] = 0x77
open(sys.argv[2], "wb").write(d)' "$S7_TEST_TMP/db10.blk" "$S7_TEST_TMP/db33.blk"
"$S7_BIN" download "$T" "$S7_TEST_TMP/db33.blk" "${S[@]}" --json >"$S7_TEST_TMP/dl.json"
check_contains "$(cat "$S7_TEST_TMP/dl.json")" '"block": "DB33", "length": 328' "s7 download DB33"
valid s7-download "$S7_TEST_TMP/dl.json" "s7 download --json"
check_eq "$("$S7_BIN" read "$T" DB33.DBB0 DB33.DBB1 "${S[@]}" | tr '\n' ' ')" "DB33.DBB0 = 119 DB33.DBB1 = 210 " \
    "the downloaded DB33 serves the file's data"
check_fails "a file that is not a block" "$S7_BIN" download "$T" "$S7_TEST_TMP/cpu.yaml" "${S[@]}"
check_contains "$S7_LAST_OUT" "is not a block file" "not a block file: said"
# only a regular file is read: a FIFO used to block the download forever (no writer), a
# directory was "Operation not permitted"
mkfifo "$S7_TEST_TMP/blk.fifo"
rc=0; out=$(timeout 10 "$S7_BIN" download "$T" "$S7_TEST_TMP/blk.fifo" "${S[@]}" 2>&1) || rc=$?
check_eq "$rc" 2 "download of a FIFO: refused at once (usage error)"
check_contains "$out" "cannot read the block file $S7_TEST_TMP/blk.fifo: it is a FIFO: only a regular file is read" \
    "download of a FIFO: the file and why named"
rc=0; out=$(timeout 10 "$S7_BIN" download "$T" "$S7_TEST_TMP" "${S[@]}" 2>&1) || rc=$?
check_eq "$rc" 2 "download of a directory: usage error"
check_contains "$out" "it is a directory: only a regular file is read (a FIFO, a device or a directory is refused): give the path of a file" \
    "download of a directory: what is wrong and what would be right"

# dump: sized from the block info
err=$("$S7_BIN" dump "$T" DB 10 "${S[@]}" -o "$S7_TEST_TMP/db10.bin" 2>&1)
check_contains "$err" "DB10: 256 bytes (size from its block info)" "dump: size from the block info, said"

# node-snap7's client against the emulator
check_eq "$(s7srv_snap7 listblocks | tr '\n' ' ')" "OB=1 FB=1 FC=1 SFB=15 SFC=77 DB=3 SDB=0 " \
    "Snap7 ListBlocks (DB33 downloaded)"
check_eq "$(s7srv_snap7 blocksoftype DB | tr '\n' ' ')" "1 10 33 " "Snap7 ListBlocksOfType DB"
check_eq "$(s7srv_snap7 blocksoftype SFC | wc -l)" 77 "Snap7 ListBlocksOfType SFC (two parts)"
info=$(s7srv_snap7 blockinfo DB 10)
check_contains "$info" "MC7Size=256" "Snap7 GetAgBlockInfo DB10: MC7Size"
check_contains "$info" "BlkLang=5" "Snap7 GetAgBlockInfo DB10: language DB"
check_eq "$(s7srv_snap7 fullupload DB 10)" "$(od -An -tx1 -v "$S7_TEST_TMP/db10.blk" | tr -d ' \n')" \
    "Snap7 FullUpload DB10 = s7 upload DB10"
check_eq "$(s7srv_snap7 dbget 10 | cut -c1-8)" 04d20000 "Snap7 DBGet DB10 (sized from its block info)"
check_fails "Snap7 FullUpload of an SFC is refused" s7srv_snap7 fullupload SFC 1
check_ok "Snap7 Download of the DB10 block as DB20" s7srv_snap7 download 20 "$S7_TEST_TMP/db10.blk"
check_contains "$("$S7_BIN" blocks "$T" "${S[@]}")" "DB1 DB10 DB20 DB33" "the DB20 Snap7 downloaded is listed"
check_eq "$("$S7_BIN" read "$T" DB20.DBW0 "${S[@]}")" "DB20.DBW0 = 1234" "DB20 serves the downloaded data"

# ---------------------------------------------------------------- an emulated S7-1500
S7SRV_SLOT=1
start_s7server --profile s7-1500 --put-get on --db 3:40
T15="127.0.0.1:$S7SRV_PORT"
check_fails "S7-1500: s7 blocks is refused" "$S7_BIN" blocks "$T15"
check_contains "$S7_LAST_OUT" "0x8104" "S7-1500: 0x8104 named"
err=$("$S7_BIN" dump "$T15" DB 3 -o "$S7_TEST_TMP/db3.bin" 2>&1)
check_contains "$err" "DB3: 40 bytes (size found by probing reads" "S7-1500: dump falls back to probing, and says so"
check_fails "S7-1500: download refused" "$S7_BIN" download "$T15" "$S7_TEST_TMP/db33.blk"
check_contains "$S7_LAST_OUT" "0x8104" "S7-1500 download: 0x8104 named"
# PUT/GET is on: 0x8104 to an upload or a download is the service the CPU does not offer
check_contains "$S7_LAST_OUT" "FUNCTION_NOT_IMPLEMENTED" "S7-1500 download: the service not implemented"
check_contains "$S7_LAST_OUT" "S7-1200/1500 do not offer this service" "S7-1500 download: the cause"
check_lacks "$S7_LAST_OUT" "PUT/GET access is not permitted" "S7-1500 download: not called a PUT/GET refusal"
check_lacks "$S7_LAST_OUT" "Permit access with PUT/GET" "S7-1500 download: no PUT/GET fix"
check_fails "S7-1500: upload refused" "$S7_BIN" upload "$T15" DB3 -o "$S7_TEST_TMP/db3.blk"
check_contains "$S7_LAST_OUT" "the CPU refused the upload of DB3: PLC error 0x8104 FUNCTION_NOT_IMPLEMENTED" \
    "S7-1500 upload: the service not implemented"
check_contains "$S7_LAST_OUT" "S7-1200/1500 do not offer this service" "S7-1500 upload: the cause"
check_lacks "$S7_LAST_OUT" "PUT/GET access is not permitted" "S7-1500 upload: not called a PUT/GET refusal"
"$S7_BIN" upload "$T15" DB3 -o "$S7_TEST_TMP/db3.blk" --json >"$S7_TEST_TMP/up15.json" 2>/dev/null
check_contains "$(cat "$S7_TEST_TMP/up15.json")" '"name": "function_not_implemented", "code": "0x8104"' \
    "S7-1500 upload --json: function_not_implemented"
valid s7-upload "$S7_TEST_TMP/up15.json" "s7 upload --json (S7-1500)"

# ---------------------------------------------------------------- node-snap7's server
start_snap7 --fixture standard
TS="127.0.0.1:$SNAP7_PORT"
check_contains "$("$S7_BIN" blocks "$TS")" "DB       4  DB1 DB2 DB3 DB10" "Snap7 server: its DBs listed"
check_contains "$("$S7_BIN" blocks info "$TS" DB3)" "data           65535 bytes" "Snap7 server: info DB3"
check_fails "Snap7 server: upload refused" "$S7_BIN" upload "$TS" DB3 -o "$S7_TEST_TMP/s.blk"
check_contains "$S7_LAST_OUT" "0xD241" "Snap7 server upload: protection level (0xD241)"
check_contains "$S7_LAST_OUT" "password" "Snap7 server upload: the fix names the password"
check_fails "Snap7 server: download refused" "$S7_BIN" download "$TS" "$S7_TEST_TMP/db33.blk"
check_contains "$S7_LAST_OUT" "0xD241" "Snap7 server download: protection level (0xD241)"
finish
