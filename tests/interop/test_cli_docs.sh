#!/usr/bin/env bash
# The man page docs/s7.1 and the bash completion tools/completion/s7.bash against the tool:
#   - every command `s7 help` lists has a .SS section in the man page, and the page has no
#     command that `s7 help` does not list;
#   - every option `s7 help COMMAND` prints is in that command's section or among the common
#     options (.SH OPTIONS), and every common option of `s7 help` is in .SH OPTIONS;
#   - the .TH version is `s7 --version`'s;
#   - the page renders without warnings (groff -ww, mandoc -T lint -W warning);
#   - the completion, driven through COMP_WORDS/COMP_CWORD, offers every command, the
#     inventory subcommands, every option of every command's help, the values of --type and
#     --profile, file names after options that take a file, and command names after `help`;
#   - both comparisons report a broken copy (a section removed, a command added, an option
#     left out), so they can fail.
# No PLC needed.
set -uo pipefail
# shellcheck source=tests/interop/lib.sh
. "$(dirname "$0")/lib.sh"

need_s7_bin

MAN="$S7_SOURCE/docs/s7.1"
COMP="$S7_SOURCE/tools/completion/s7.bash"
[ -f "$MAN" ] || die "no man page $MAN"
[ -f "$COMP" ] || die "no completion file $COMP"

# ---------------------------------------------------------------- what the tool says

# The commands of `s7 help`: the first word of each line of its "Commands:" block.
help_commands() {
    "$S7_BIN" help | awk '/^Commands:/ { f = 1; next } f && /^$/ { exit } f { print $1 }'
}

# The common options of `s7 help`: the options on the lines of its "Common options" block.
help_common_options() {
    "$S7_BIN" help | awk '/^Common options/ { f = 1; next } f && !/^ +-/ { exit } f' |
        option_tokens
}

# option_tokens: every option token (--long or -x) in the text on stdin, one per line, sorted.
option_tokens() {
    grep -oE '(^|[][[:space:],;(/|])--?[A-Za-z][A-Za-z0-9-]*' | sed -E 's/^[^-]+//' | sort -u
}

# help_text CMD: `s7 help CMD`; `help` itself has no help of its own (s7 help help is a
# usage error) and no options.
help_text() {
    [ "$1" = help ] && return 0
    "$S7_BIN" help "$1"
}

# help_all_options CMD: every option mentioned anywhere in `s7 help CMD`.
help_all_options() {
    help_text "$1" | option_tokens
}

# help_offered_options CMD: the options the command takes, as its help lists them: the usage
# line and the option lines (first non-blank character '-').  Not the prose: `s7 help
# discover` names --rack etc. only to say that they do not apply.
help_offered_options() {
    help_text "$1" | grep -E '^usage:|^[[:space:]]+-' | option_tokens
}

# help_inventory_options SUB: the options listed under "  SUB FILE" in `s7 help inventory`
# (the first option of each option line below it, up to the next subcommand).
help_inventory_options() {
    "$S7_BIN" help inventory | awk -v sub_="$1" '
        /^  [a-z][a-z-]+ FILE/ { f = ($1 == sub_); next }
        /^[^ ]/ { f = 0 }
        f && /^      +-/ { print $1 }' | sort -u
}

VERSION="$("$S7_BIN" --version | awk '{ print $NF }')"
COMMANDS="$(help_commands)"
COMMON="$(help_common_options)"
check_ne "$COMMANDS" "" "s7 help lists commands"
check_ne "$COMMON" "" "s7 help lists common options"
for c in read write info dump watch server doctor discover scan inventory help; do
    case " $(tr '\n' ' ' <<<"$COMMANDS")" in
        *" $c "*) ;;
        *) fail "s7 help does not list $c (the parser of this test is out of date?)" ;;
    esac
done

# ---------------------------------------------------------------- the man page, as text

# man_plain FILE: the page's source as plain text, one input line per line: comments
# dropped, the macro name of a request line dropped, quotes and font escapes removed,
# \- as -.
man_plain() {
    sed -E \
        -e '/^\.\\"/d' \
        -e 's/^\.[A-Za-z]+[[:space:]]*//' \
        -e 's/\\f(\[[^]]*\]|\(..|.)//g' \
        -e 's/\\-/-/g' -e 's/\\\(aq/'"'"'/g' -e 's/\\\(dq/"/g' -e 's/\\&//g' -e 's/\\c$//' \
        -e 's/\\e/\\/g' -e 's/"//g' "$1"
}

# man_commands FILE: the command of each .SS heading ("s7 read HOST ..." -> read).
man_commands() {
    grep -E '^\.SS' "$1" | man_plain /dev/stdin | awk '{ print ($1 == "s7" ? $2 : $1) }'
}

# man_section FILE CMD: the plain text of CMD's .SS section (up to the next .SS or .SH).
man_section() {
    awk -v cmd="$2" '
        /^\.S[SH]/ { h = $0; gsub(/"/, "", h); split(h, w, /[ \t]+/)
                     f = ($1 == ".SS" && (w[2] == "s7" ? w[3] : w[2]) == cmd) }
        f' "$1" | man_plain /dev/stdin
}

# man_sh FILE NAME: the plain text of the .SH NAME section.
man_sh() {
    awk -v name="$2" '/^\.SH/ { h = $0; sub(/^\.SH[ \t]+/, "", h); gsub(/"/, "", h); f = (h == name) } f' "$1" |
        man_plain /dev/stdin
}

# has_option TEXT OPT: OPT appears in TEXT as a whole token.
has_option() {
    grep -qE -- "(^|[^A-Za-z0-9-])$2([^A-Za-z0-9-]|\$)" <<<"$1"
}

# compare_man FILE: one line per difference between the man page FILE and `s7 help`.
compare_man() {
    local file="$1" c o section common mancmds
    common="$(man_sh "$file" OPTIONS)"
    mancmds="$(man_commands "$file")"
    for o in $COMMON; do
        has_option "$common" "$o" || echo "common option $o is not in .SH OPTIONS"
    done
    for c in $COMMANDS; do
        if ! grep -qxF -- "$c" <<<"$mancmds"; then
            echo "command $c has no .SS section"
            continue
        fi
        section="$(man_section "$file" "$c")"
        for o in $(help_all_options "$c"); do
            has_option "$section" "$o" || has_option "$common" "$o" ||
                echo "$c: option $o (s7 help $c) is not in its section nor in .SH OPTIONS"
        done
    done
    for c in $mancmds; do
        grep -qxF -- "$c" <<<"$COMMANDS" ||
            echo "command $c has a .SS section but s7 help does not list it"
    done
}

# ---------------------------------------------------------------- man page checks

out="$(compare_man "$MAN")"
check_eq "$out" "" "man page: every command and option of s7 help, nothing else"
for c in $COMMANDS; do
    [ "$c" = help ] && continue
    "$S7_BIN" help "$c" >/dev/null 2>&1 || fail "s7 help $c fails: its options are not compared"
done

MAN_VERSION="$(sed -nE 's/^\.TH .*"s7kit ([^"]*)".*/\1/p' "$MAN")"
check_eq "$MAN_VERSION" "$VERSION" ".TH version is s7 --version's"
CMAKE_VERSION="$(sed -nE 's/^project\(s7kit VERSION ([0-9.]+).*/\1/p' "$S7_SOURCE/CMakeLists.txt")"
check_eq "$MAN_VERSION" "$CMAKE_VERSION" ".TH version is project(VERSION) of CMakeLists.txt"

if command -v groff >/dev/null 2>&1; then
    out="$(groff -man -ww -z "$MAN" 2>&1)"
    check_eq "$out" "" "groff -man -ww: no warnings"
else
    fail "groff is not installed: the page is not rendered (scripts/deps.sh installs groff-base as root)"
fi
if command -v mandoc >/dev/null 2>&1; then
    rc=0
    out="$(mandoc -T lint -W warning "$MAN" 2>&1)" || rc=$?
    check_eq "$rc:$out" "0:" "mandoc -T lint -W warning: no warnings"
else
    fail "mandoc is not installed: the page is not linted (scripts/deps.sh installs it as root)"
fi

# The comparison can fail: a copy without the watch section, one with a command s7 does not
# have, one without --idle-timeout in the server section, one without --pdu in OPTIONS.
awk '/^\.S[SH]/ { skip = ($0 ~ /^\.SS "?s7 watch/) } !skip' "$MAN" >"$S7_TEST_TMP/no-watch.1"
out="$(compare_man "$S7_TEST_TMP/no-watch.1")"
check_eq "$out" "command watch has no .SS section" "negative: a page without the watch section is reported"
sed 's/^\.SH OPTIONS$/.SS "s7 frobnicate \\fIHOST\\fR"\nMade up.\n&/' "$MAN" >"$S7_TEST_TMP/extra.1"
out="$(compare_man "$S7_TEST_TMP/extra.1")"
check_eq "$out" "command frobnicate has a .SS section but s7 help does not list it" \
    "negative: a command s7 help does not list is reported"
sed '0,/\\-\\-idle\\-timeout/s//\\-\\-idle/' "$MAN" >"$S7_TEST_TMP/no-idle.1" # the server section's (the first)
out="$(compare_man "$S7_TEST_TMP/no-idle.1")"
check_eq "$out" "server: option --idle-timeout (s7 help server) is not in its section nor in .SH OPTIONS" \
    "negative: an option missing from the page is reported"
sed 's/^\.BI \\-\\-pdu " N"$/.BI \\-\\-pud " N"/' "$MAN" >"$S7_TEST_TMP/no-pdu.1"
out="$(compare_man "$S7_TEST_TMP/no-pdu.1")"
check_contains "$out" "common option --pdu is not in .SH OPTIONS" "negative: a common option missing from OPTIONS is reported"

# ---------------------------------------------------------------- bash completion

# complete_words FILE WORD...: source FILE in a clean bash, complete the last WORD of the
# command line "WORD..." (as readline would split it) and print COMPREPLY, one per line,
# sorted.
complete_words() {
    local file="$1"
    shift
    bash --norc --noprofile -c '
        file=$1; shift
        . "$file" || exit 1
        fn=$(complete -p s7 2>/dev/null | sed -nE "s/.*-F ([^ ]+).*/\1/p")
        [ -n "$fn" ] || { echo "no completion function for s7" >&2; exit 1; }
        COMP_WORDS=("$@")
        COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
        COMP_LINE="$*"
        COMP_POINT=${#COMP_LINE}
        "$fn" s7 "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
        printf "%s\n" "${COMPREPLY[@]}"' _ "$file" "$@" | sed '/^$/d' | sort
}

# complete_line WORD...: complete_words with the real completion file, as one line.
complete_line() {
    complete_words "$COMP" "$@" | tr '\n' ' ' | sed 's/ $//'
}

sorted_line() { tr ' ' '\n' | sed '/^$/d' | sort | tr '\n' ' ' | sed 's/ $//'; }

# compare_completion FILE: one line per option of `s7 help CMD` that FILE does not offer
# after `s7 CMD -`, per command and per inventory subcommand, and per command of `s7 help`
# that `s7 <TAB>` does not offer.
compare_completion() {
    local file="$1" c o s offered
    offered="$(complete_words "$file" s7 "")"
    for c in $COMMANDS; do
        grep -qxF -- "$c" <<<"$offered" || echo "s7 <TAB> does not offer $c"
    done
    for c in $COMMANDS; do
        [ "$c" = help ] && continue
        if [ "$c" = inventory ]; then
            for s in $("$S7_BIN" help inventory | awk '/^Subcommands:/ { f = 1; next } f && /^  [a-z][a-z-]+ FILE/ { print $1 }'); do
                offered="$(complete_words "$file" s7 inventory "$s" plant.yaml -)"
                for o in $(help_inventory_options "$s"); do
                    grep -qxF -- "$o" <<<"$offered" ||
                        echo "s7 inventory $s -<TAB> does not offer $o"
                done
            done
            continue
        fi
        offered="$(complete_words "$file" s7 "$c" -)"
        for o in $(help_offered_options "$c"); do
            grep -qxF -- "$o" <<<"$offered" || echo "s7 $c -<TAB> does not offer $o"
        done
    done
}

out="$(compare_completion "$COMP")"
check_eq "$out" "" "completion: every command and every option of s7 help COMMAND"

check_eq "$(complete_line s7 "")" "$(tr '\n' ' ' <<<"$COMMANDS" | sorted_line)" "s7 <TAB>: the commands of s7 help"
check_eq "$(complete_line s7 inventory "")" "audit check firewall monitor report simulate validate verify-firewall" "s7 inventory <TAB>"
check_eq "$(complete_line s7 read --ty)" "--type" "s7 read --ty<TAB>"
check_eq "$(complete_line s7 read x --type "")" "basic op pg" "s7 read x --type <TAB>"
check_eq "$(complete_line s7 read x --type = "")" "basic op pg" "s7 read x --type=<TAB> (split at =)"
check_eq "$(complete_line s7 read x --type=o)" "--type=op" "s7 read x --type=o<TAB> (one word)"
check_eq "$(complete_line s7 server --profile s7-1)" "s7-1200 s7-1500" "s7 server --profile s7-1<TAB>"
check_eq "$(complete_line s7 server --profile "")" \
    "$(echo logo8 s7-1200 s7-1500 s7-200smart s7-300 s7-400 | sorted_line)" "s7 server --profile <TAB>: every profile"
check_eq "$(complete_line s7 server --put-get "")" "off on" "s7 server --put-get <TAB>"
check_eq "$(complete_line s7 inventory firewall p.yaml --format "")" "ip6tables-restore iptables iptables-restore nftables" \
    "s7 inventory firewall --format <TAB>"
check_eq "$(complete_line s7 help "")" "$(tr '\n' ' ' <<<"$COMMANDS" | sorted_line)" "s7 help <TAB>: the commands"
check_eq "$(complete_line s7 help wa)" "watch" "s7 help wa<TAB>"
check_eq "$(complete_line s7 read x --rack "")" "" "s7 read x --rack <TAB>: nothing to guess"
check_eq "$(complete_line s7 scan 10.0.0.0/24 --r)" "--rate" "s7 scan --r<TAB>: no --rack (scan does not take it)"
check_eq "$(complete_line s7 inventory report p.yaml --c)" "--check" "s7 inventory report --c<TAB>"
check_eq "$(complete_line s7 inventory check p.yaml --c)" "--connection" "s7 inventory check --c<TAB>"

# The profiles are the server's: s7 server --help names them, server/profiles.c has them.
for p in $("$S7_BIN" help server | sed -nE 's/^ +--profile NAME +//p' | tr ',' ' '); do
    case " $(complete_line s7 server --profile "") " in
        *" $p "*) pass "--profile $p is completed" ;;
        *) fail "--profile $p (s7 help server) is not completed" ;;
    esac
done

# File names after the options that take a file, and for the inventory FILE.
mkdir -p "$S7_TEST_TMP/files/reports"
: >"$S7_TEST_TMP/files/plant.yaml"
: >"$S7_TEST_TMP/files/plc.state"
cd "$S7_TEST_TMP/files" || die "cd"
check_eq "$(complete_line s7 inventory validate pla)" "plant.yaml" "s7 inventory validate pla<TAB>: a file"
check_eq "$(complete_line s7 inventory check plant.yaml --json pla)" "plant.yaml" "s7 inventory check ... pla<TAB>: a file"
check_eq "$(complete_line s7 server --config pla)" "plant.yaml" "s7 server --config pla<TAB>"
check_eq "$(complete_line s7 server --state plc)" "plc.state" "s7 server --state plc<TAB>"
check_eq "$(complete_line s7 server --audit pl)" "plant.yaml plc.state" "s7 server --audit pl<TAB>"
check_eq "$(complete_line s7 dump h DB 1 -o pl)" "plant.yaml plc.state" "s7 dump -o pl<TAB>"
check_eq "$(complete_line s7 inventory firewall plant.yaml --output pla)" "plant.yaml" "s7 inventory firewall --output pla<TAB>"
check_eq "$(complete_line s7 inventory report plant.yaml -o "")" "reports" "s7 inventory report -o <TAB>: directories"
check_eq "$(complete_line s7 inventory report plant.yaml --check pla)" "plant.yaml" "s7 inventory report --check pla<TAB>"
cd - >/dev/null || true

# The comparison can fail: a completion file without --no-identify.
sed 's/ --no-identify//' "$COMP" >"$S7_TEST_TMP/no-identify.bash"
out="$(compare_completion "$S7_TEST_TMP/no-identify.bash")"
check_eq "$out" "s7 scan -<TAB> does not offer --no-identify" "negative: an option missing from the completion is reported"
sed 's/ --as --help/ --help/' "$COMP" >"$S7_TEST_TMP/no-as.bash"
out="$(compare_completion "$S7_TEST_TMP/no-as.bash")"
check_eq "$out" "s7 inventory check -<TAB> does not offer --as" "negative: an inventory option missing from the completion is reported"

finish
