#!/usr/bin/env bash
# labels: integration;startup
# timeout: 60
# libcurl and libgit2 are loaded on first use (lib/dynlibs): commands that need neither do not load them,
# and commands that do need them still work through the forwarding shims.
set -euo pipefail
fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config
printf 'name = "w"\nmain = "./i.js"\ncompatibility_date = "2025-06-01"\n' >"$tmp/wrangler.toml"
loaded() { LD_DEBUG=libs "$@" 2>&1 >/dev/null | grep -oE 'calling init: [^ ]*lib(curl|git2)[^ ]*' | sed 's/calling init: //' | sort -u | tr '\n' ' ' || true; }
for cmd in "--version" "--help" "--cwd $tmp config validate" "completions bash"; do
  # shellcheck disable=SC2086
  l=$(loaded "$TENANTCTL" $cmd)
  [ -z "$l" ] && pass "tenantctl $cmd loads neither libcurl nor libgit2" || bad "tenantctl $cmd loads $l"
done
# A request loads libcurl and goes through the shim: a refused connection is a clean network error.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rc=0; out=$(CLOUDFLARE_API_TOKEN=t CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef \
  "$TENANTCTL" --api-url "http://127.0.0.1:$port/client/v4" dispatch-namespace list 2>&1) || rc=$?
[ $rc = 1 ] && grep -qi 'connect\|refused\|reach' <<<"$out" && pass "an API call uses libcurl through the shim (connection refused: exit 1)" || bad "api call: rc=$rc $out"
l=$(CLOUDFLARE_API_TOKEN=t CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef loaded "$TENANTCTL" --api-url "http://127.0.0.1:$port/client/v4" dispatch-namespace list)
[[ $l == *libcurl* ]] && pass "and that loads libcurl ($l)" || bad "libcurl not loaded by an API call: '$l'"
exit $fail
