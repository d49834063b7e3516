#!/usr/bin/env bash
# Installs pinned npm packages into a cache folder, once (idempotent, safe for parallel tests: one lock per
# folder), and prints the folder's node_modules path. Used for test oracles and fixture dependencies.
# usage: npm_cache.sh DIR PKG@VERSION...
set -euo pipefail
dir=$1; shift
mkdir -p "$dir"
want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
exec 9>"$dir/.lock"
flock 9
if [ ! -f "$dir/.installed" ] || [ "$(cat "$dir/.installed")" != "$want" ]; then
  [ -f "$dir/package.json" ] || echo '{"name":"tenantctl-test-cache","private":true}' >"$dir/package.json"
  (cd "$dir" && npm install --no-audit --no-fund --loglevel=error --save-exact "$@" >"$dir/npm.log" 2>&1) ||
    { echo "npm install $* failed:" >&2; tail -20 "$dir/npm.log" >&2; exit 1; }
  echo "$want" >"$dir/.installed"
fi
echo "$dir/node_modules"
