#!/usr/bin/env bash
# scripts/check-format.sh [--fix]: the C sources against .clang-format (clang-format 14).
#   without --fix: lists every file that differs, with the first lines of the difference, and
#                  exits 1 when one does (a ctest case and `make check-format`)
#   --fix:         rewrites the files in place (`make format`)
# Files: every tracked *.c, *.h and *.cpp, and the *.h.in templates; nothing under tests/node.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CF="${CLANG_FORMAT:-}"
if [ -z "$CF" ]; then
    for c in clang-format-14 clang-format; do
        command -v "$c" >/dev/null 2>&1 && { CF="$c"; break; }
    done
fi
[ -n "$CF" ] || { echo "check-format: clang-format is not installed (scripts/deps.sh installs it as root)" >&2; exit 1; }

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    mapfile -t files < <(git ls-files -co --exclude-standard '*.c' '*.h' '*.cpp' | grep -v '^tests/node/' | while read -r f; do [ -f "$f" ] && echo "$f"; done)
else
    mapfile -t files < <(find . -path ./tests/node -prune -o -path './build*' -prune -o \( -name '*.c' -o -name '*.h' -o -name '*.cpp' \) -type f -print | sed 's|^\./||')
fi
[ ${#files[@]} -gt 0 ] || { echo "check-format: no source files found" >&2; exit 1; }

if [ "${1:-}" = --fix ]; then
    "$CF" -i --style=file "${files[@]}"
    echo "check-format: formatted ${#files[@]} files"
    exit 0
fi
bad=0
for f in "${files[@]}"; do
    if ! d="$("$CF" --style=file "$f" | diff -u "$f" - )"; then
        bad=$((bad + 1))
        echo "$f: differs from .clang-format (make format rewrites it):"
        printf '%s\n' "$d" | sed -n '3,12p' | sed 's/^/    /'
    fi
done
echo "check-format: ${#files[@]} files, $bad differ"
[ $bad = 0 ]
