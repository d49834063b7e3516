#!/usr/bin/env bash
# labels: lint
# timeout: 120
# The house rules that a reader of ARCHITECTURE.md relies on, checked on the tree:
# - ARCHITECTURE.md's module graph is the one the build enforces (scripts/module-graph.sh);
# - cli/ files stay small (≤ 250 lines: options, one library call, rendering), lib/ files ≤ 800 lines;
# - no Cloudflare API path is written outside lib/api (`call(Method::…)`);
# - lib/ never prints, exits, includes CLI11 or reads the environment (core/env is the one reader).
set -euo pipefail
src="${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"
cd "$src"
fails=0
fail() { echo "house_rules: $*" >&2; fails=$((fails + 1)); }

graph=$(bash scripts/module-graph.sh)
doc=$(sed -n '/^<!-- module-graph:begin -->$/,/^<!-- module-graph:end -->$/p' ARCHITECTURE.md | grep -- ' -> ' || true)
[ -n "$doc" ] || fail "ARCHITECTURE.md has no module graph between <!-- module-graph:begin/end --> markers"
if [ -n "$doc" ] && [ "$graph" != "$doc" ]; then
  fail "ARCHITECTURE.md's module graph differs from the build's (scripts/module-graph.sh):"
  diff <(echo "$doc") <(echo "$graph") >&2 || true
fi

while read -r n f; do
  [ "$f" = total ] && continue
  case "$f" in
    cli/*) [ "$n" -le 250 ] || fail "$f has $n lines (cli/ files: at most 250)" ;;
    lib/*) [ "$n" -le 800 ] || fail "$f has $n lines (lib/ files: at most 800)" ;;
  esac
done < <(find cli lib -name '*.cpp' -o -name '*.hpp' | sort | xargs wc -l)

# Request paths are built only in lib/api: everywhere else calls its typed functions, never the raw
# call/call_raw/list_all.
raw=$(grep -rnE '(->|\.)(call|call_raw|list_all)\(' --include='*.cpp' --include='*.hpp' cli lib | grep -v '^lib/api/' || true)
[ -z "$raw" ] || fail "API request paths outside lib/api (add a typed call to lib/api): $raw"

hits=$(grep -rnE 'std::(cout|cerr|clog)|[^_a-z:]exit\(|std::exit|CLI/CLI|getenv' --include='*.cpp' --include='*.hpp' lib |
  grep -v '^lib/core/env\.' || true)
[ -z "$hits" ] || fail "lib/ prints, exits, uses CLI11 or reads the environment: $hits"

[ "$fails" -eq 0 ] || exit 1
echo "house_rules: ok"
