#!/usr/bin/env bash
# Checks that every C++ source is clang-formatted (--fix rewrites them instead).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files -co --exclude-standard -- \
  'src/*.h' 'src/*.cc' 'apps/*.cc' 'apps/*.h' 'tests/*.h' 'tests/*.cc' 'bench/*.cc' 'bench/*.h')
if [ "${1:-}" = "--fix" ]; then
  clang-format -i "${files[@]}"
  echo "format: rewrote ${#files[@]} files"
  exit 0
fi
if ! clang-format --dry-run -Werror "${files[@]}" 2>/tmp/machina-format.log; then
  grep -E '^[^ ].*: (error|warning)' /tmp/machina-format.log | cut -d: -f1 | sort -u | sed 's/^/not formatted: /'
  echo "format: run ./build.sh format"
  exit 1
fi
echo "format: ${#files[@]} files clean"
