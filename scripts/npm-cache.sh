#!/usr/bin/env bash
# npm packages at exact versions in a cache directory of their own — for test oracles such as wrangler that
# tests run but tenantctl does not ship (the tools tenantctl itself uses are in scripts/tools, see setup.sh).
#
#   bin=$(bash scripts/npm-cache.sh install DIR PKG@VERSION...)   # e.g. DIR=$TENANTCTL_BUILD_DIR/wrangler-cache
#   "$bin/wrangler" --version
#
# Installs the packages with `npm install --no-audit --no-fund` into DIR (DIR/node_modules) unless DIR already
# holds exactly these specs (a stamp, DIR/.npm-cache-specs), and prints DIR/node_modules/.bin. Idempotent and
# safe to call from tests running in parallel (a lock on DIR/.npm-cache-lock). Exit status 1 when npm failed
# (its output is then on stderr); nothing is printed on stdout then.
set -euo pipefail
usage() { echo "usage: scripts/npm-cache.sh install DIR PKG@VERSION..." >&2; exit 2; }
if [ "${1:-}" != install ] || [ $# -lt 3 ]; then usage; fi
dir=$2
shift 2
for spec in "$@"; do
  # exact pins only: name@1.2.3 or @scope/name@1.2.3
  [[ "$spec" =~ ^(@[a-z0-9._-]+/)?[a-z0-9._-]+@[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] ||
    { echo "npm-cache: $spec is not NAME@EXACT_VERSION" >&2; exit 2; }
done
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
want=$(printf '%s\n' "$@" | sort)
exec 9>"$dir/.npm-cache-lock"
flock 9
if [ "$(cat "$dir/.npm-cache-specs" 2>/dev/null)" != "$want" ] || [ ! -d "$dir/node_modules" ]; then
  rm -f "$dir/.npm-cache-specs"
  [ -f "$dir/package.json" ] || echo '{ "private": true }' >"$dir/package.json"
  if ! log=$(cd "$dir" && npm install --no-audit --no-fund --save-exact --loglevel=error "$@" 2>&1); then
    printf 'npm-cache: npm install %s failed in %s:\n%s\n' "$*" "$dir" "$log" >&2
    exit 1
  fi
  echo "$want" >"$dir/.npm-cache-specs"
fi
echo "$dir/node_modules/.bin"
