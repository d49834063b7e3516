#!/usr/bin/env bash
# The contract the tests check: the shared Cloudflare API subset plus tests/contract/additions.openapi.json.
#   prism.sh spec            — writes the merged spec into $TENANTCTL_BUILD_DIR/contract and prints its path
#   prism.sh start|stop PORT — a Prism mock of the merged spec on 127.0.0.1:PORT (log: $PRISM_CACHE/prism-PORT.log)
# Prism itself comes from the shared prism.sh (`bin`), pinned there.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
shared=${TENANTCTL_SHARED_DIR:-$src/../shared}
build=${TENANTCTL_BUILD_DIR:-$src/build}
cache=${PRISM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tenantctl-prism}
export PRISM_CACHE=$cache
spec() {
  mkdir -p "$build/contract"
  local out=$build/contract/cloudflare-api.openapi.json
  python3 "$here/contract_spec.py" "$shared/contract/cloudflare-api-subset.openapi.json" \
    "$src/tests/contract/additions.openapi.json" "$out.tmp.$$"
  mv "$out.tmp.$$" "$out"
  echo "$out"
}
cmd=${1:-}; port=${2:-4010}
case "$cmd" in
  spec) spec ;;
  start)
    s=$(spec)
    prism=$(bash "$shared/contract/prism.sh" bin)
    "$prism" mock -h 127.0.0.1 -p "$port" "$s" >"$cache/prism-$port.log" 2>&1 &
    echo $! >"$cache/prism-$port.pid"
    for _ in $(seq 1 150); do
      if curl -s -o /dev/null -H "Authorization: Bearer readiness-probe" "http://127.0.0.1:$port/user/tokens/verify"; then echo "prism on 127.0.0.1:$port"; exit 0; fi
      sleep 0.2
    done
    echo "prism did not start; see $cache/prism-$port.log" >&2; exit 1 ;;
  stop)
    [ -f "$cache/prism-$port.pid" ] && kill "$(cat "$cache/prism-$port.pid")" 2>/dev/null || true
    rm -f "$cache/prism-$port.pid" ;;
  *) echo "usage: prism.sh spec | start|stop PORT" >&2; exit 2 ;;
esac
