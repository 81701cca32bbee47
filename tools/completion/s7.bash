# bash completion for s7, the command line of s7kit                  -*- shell-script -*-
#
# Installed as share/bash-completion/completions/s7 (bash-completion loads it on the first
# `s7 <TAB>`); to try it from the source tree: `. tools/completion/s7.bash`.
# Completes the commands, the inventory subcommands, each command's options (as `s7 help
# COMMAND` prints them), the values of --type, --profile, --put-get, --retain,
# --retain-resize, --max-conn and --format, and file names after the options that take a
# file.  tests/interop/test_cli_docs.sh drives it and fails when an option of `s7 help
# COMMAND` is not offered here.

_s7_commands='read write info dump watch alarms diag-buffer server doctor stop start discover scan inventory exchange partner blocks upload download guard help'
_s7_inventory_subcommands='validate check firewall report verify-firewall monitor simulate audit'
_s7_common_options='--rack --slot --type --tsap --pdu --timeout --json --trace --help -h'
_s7_profiles='s7-300 s7-400 s7-1200 s7-1500 logo8 s7-200smart'

# The options of COMMAND (and inventory SUBCOMMAND).
_s7_options()
{
    case $1 in
        read | write | info) printf '%s' "$_s7_common_options" ;;
        dump | upload) printf '%s' "$_s7_common_options -o --output" ;;
        blocks | download) printf '%s' "$_s7_common_options" ;;
        watch) printf '%s' "$_s7_common_options --every --count --push" ;;
        alarms) printf '%s' "$_s7_common_options --alarm8" ;;
        diag-buffer) printf '%s' "$_s7_common_options" ;;
        doctor)
            printf '%s' "$_s7_common_options --db --area --allow-write --no-alternatives" \
                ' --expect-profile --inventory --as'
            ;;
        stop) printf '%s' "$_s7_common_options --yes" ;;
        start) printf '%s' "$_s7_common_options --yes --cold" ;;
        discover) printf '%s' '--timeout --json --trace --help -h' ;;
        scan) printf '%s' '--port --rate --concurrency --timeout --no-identify --all --inventory --json --help -h' ;;
        server)
            printf '%s' '--config --listen --profile --db --alarm --set --put-get --max-conn --rack --slot' \
                ' --allow --audit --audit-reads --state --retain --retain-resize --repair' \
                ' --idle-timeout --cr-timeout --setup-timeout --max-per-source --max-clients' \
                ' --max-held --max-held-conn --sock-buf --quiet -q --help -h' \
                ' --job --scan'
            ;;
        exchange)
            printf '%s' '--every --duration --count --json-lines --metrics --timeout --backoff-max --quiet' \
                ' --help -h'
            ;;
        partner)
            printf '%s' '--listen --connect --peer --source --tsap --pdu --bsend --usend --brcv' \
                ' --urcv --count --timeout --help -h'
            ;;
        guard)
            printf '%s' '--listen --upstream --inventory --cpu --rules --allow --dry-run --no-coalesce --audit --metrics' \
                ' --upstream-tsap --idle-timeout --cr-timeout --setup-timeout --request-timeout --max-per-source' \
                ' --max-clients --max-held --threads --quiet --help -h'
            ;;
        inventory)
            case $2 in
                validate) printf '%s' '--help -h' ;;
                check) printf '%s' '--allow-write --json --timeout --connection --as --help -h' ;;
                firewall) printf '%s' '--format --host --router -o --output --help -h' ;;
                report) printf '%s' '-o --output --check --verify --help -h' ;;
                verify-firewall) printf '%s' '--as --rules --timeout --json --help -h' ;;
                monitor)
                    printf '%s' '--every --count --duration --json-lines --on-change --exit-on-change' \
                        ' --metrics --as --timeout --connection --help -h'
                    ;;
                simulate) printf '%s' '--loopback --loopback-base --port --write-inventory --fault --cpu --control --send --for -v --verbose --help -h' ;;
                audit) printf '%s' '--log --cpu --help -h' ;;
                *) printf '%s' '--help -h' ;;
            esac
            ;;
    esac
}

# Options that take a value (the next word, or after '=').
_s7_takes_value()
{
    case $1 in
        --rack | --slot | --type | --tsap | --pdu | --timeout | --every | --count | -o | --output | \
            --config | --listen | --profile | --db | --set | --put-get | --max-conn | --allow | \
            --audit | --state | --retain | --retain-resize | --idle-timeout | --cr-timeout | \
            --setup-timeout | --request-timeout | --max-per-source | --max-clients | --max-held | --max-held-conn | --sock-buf | \
            --area | --port | --expect-profile | --inventory | \
            --rate | --concurrency | --connection | --as | --format | --host | --router | --rules | --check | --verify | \
            --job | --scan | --duration | --json-lines | --on-change | --metrics | --backoff-max | --connect | --peer | --source | --bsend | --usend | --brcv | --urcv | \
            --loopback-base | --write-inventory | --fault | --cpu | --control | --send | --for | \
            --upstream | --upstream-tsap | --log | --threads)
            return 0
            ;;
    esac
    return 1
}

# COMPREPLY: the words of $1 that start with $2.
_s7_words()
{
    mapfile -t COMPREPLY < <(compgen -W "$1" -- "$2")
}

# COMPREPLY: file (with -d: directory) names that start with $1.
_s7_files()
{
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen "${2:--f}" -- "$1")
}

_s7()
{
    local cur prev cmd sub prefix='' i
    COMPREPLY=()
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}

    # --opt=VALUE: readline splits the word at '=' when COMP_WORDBREAKS holds it (the
    # default), else the word holds the '=' itself.
    if [[ $cur == = ]]; then
        cur=
    elif [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev=${COMP_WORDS[COMP_CWORD - 2]}
    elif [[ $cur == -*=* ]]; then
        prev=${cur%%=*}
        cur=${cur#*=}
        prefix=$prev=
    fi

    if ((COMP_CWORD == 1)); then
        if [[ $cur == -* ]]; then
            _s7_words '--help -h --version -V' "$cur"
        else
            _s7_words "$_s7_commands" "$cur"
        fi
        return 0
    fi

    cmd=${COMP_WORDS[1]}
    case $cmd in
        help)
            ((COMP_CWORD == 2)) && _s7_words "$_s7_commands" "$cur"
            return 0
            ;;
        inventory)
            if ((COMP_CWORD == 2)); then
                if [[ $cur == -* ]]; then
                    _s7_words '--help -h' "$cur"
                else
                    _s7_words "$_s7_inventory_subcommands" "$cur"
                fi
                return 0
            fi
            sub=${COMP_WORDS[2]}
            ;;
        read | write | info | dump | watch | server | doctor | stop | start | discover | scan | exchange | partner) ;;
        alarms | diag-buffer) ;;
        blocks | upload | download) ;;
        guard) ;;
        *) return 0 ;;
    esac

    # The value of an option.
    if _s7_takes_value "$prev"; then
        case $prev in
            --type) _s7_words 'pg op basic' "$cur" ;;
            --profile | --expect-profile) _s7_words "$_s7_profiles" "$cur" ;;
            --put-get) _s7_words 'on off' "$cur" ;;
            --retain) _s7_words 'sync async' "$cur" ;;
            --retain-resize) _s7_words 'refuse fit' "$cur" ;;
            --format) _s7_words 'nftables iptables iptables-restore ip6tables-restore' "$cur" ;;
            --max-conn)
                _s7_words 'pg= op= basic= total=' "$cur"
                compopt -o nospace 2>/dev/null
                ;;
            -o | --output)
                if [[ $cmd == inventory && $sub == report ]]; then
                    _s7_files "$cur" -d
                else
                    _s7_files "$cur"
                fi
                ;;
            --config | --audit | --state | --check | --inventory | --verify | --json-lines | --rules | --log) _s7_files "$cur" ;;
        esac
        if [[ -n $prefix ]]; then
            for i in "${!COMPREPLY[@]}"; do
                COMPREPLY[i]=$prefix${COMPREPLY[i]}
            done
        fi
        return 0
    fi

    if [[ $cur == -* ]]; then
        _s7_words "$(_s7_options "$cmd" "$sub")" "$cur"
        return 0
    fi

    # Positional arguments: the inventory FILE; hosts and addresses are not guessed.
    if [[ $cmd == inventory || $cmd == exchange ]]; then
        _s7_files "$cur"
    fi
    return 0
}

complete -F _s7 s7
