#!/usr/bin/env bash
# labels: lint
# timeout: 300
# Every C++ source and header follows .clang-format (clang-format 14, installed by scripts/setup.sh).
# Fix with: git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
src="${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
command -v clang-format >/dev/null || { echo "format_check: clang-format not found (scripts/setup.sh installs it)" >&2; exit 1; }
cd "$src"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.hpp')
else
  mapfile -t files < <(find cli lib tests -name '*.cpp' -o -name '*.hpp' | sort)
fi
[ "${#files[@]}" -gt 50 ] || { echo "format_check: only ${#files[@]} files found in $src" >&2; exit 1; }
bad=()
for f in "${files[@]}"; do
  clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ "${#bad[@]}" -gt 0 ]; then
  echo "format_check: ${#bad[@]} of ${#files[@]} files differ from .clang-format:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "  fix: clang-format -i <files>" >&2
  exit 1
fi
echo "format_check: ${#files[@]} files follow .clang-format"
