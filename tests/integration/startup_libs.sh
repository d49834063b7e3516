#!/usr/bin/env bash
# labels: integration;startup
# timeout: 60
# libcurl and libgit2 are loaded on first use (lib/dynlibs): commands that need neither do not load them,
# and commands that do need them still work through the forwarding shims. A fast-start build (the default,
# TENANTCTL_FAST_START) needs only libc and libm from the loader, and a command builds only its own group of the
# command tree, however the global options before it are spelled.
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
# The fast-start link: a position-dependent executable, OpenSSL, SQLite, yaml-cpp, toml++ and libstdc++ inside.
# TENANTCTL_FAST_START (1/0) is the build's setting, passed by ctest; unset: told by the binary itself.
fast=${TENANTCTL_FAST_START:-}
[ -n "$fast" ] || { file -L "$TENANTCTL" | grep -q 'LSB executable' && fast=1 || fast=0; }
if [ "$fast" = 1 ]; then
  file -L "$TENANTCTL" | grep -q 'LSB executable' && pass "fast-start build: a position-dependent executable" ||
    bad "fast-start build but a PIE: $(file -L "$TENANTCTL")"
  shared=$(ldd "$TENANTCTL" | grep -oE 'lib(ssl|crypto|sqlite3|yaml-cpp|tomlplusplus|stdc\+\+)[^ ]*' | tr '\n' ' ' || true)
  [ -z "$shared" ] && pass "fast-start build: no shared OpenSSL, SQLite, yaml-cpp, toml++ or libstdc++" ||
    bad "fast-start build still loads $shared"
else
  echo "skip fast-start link checks: TENANTCTL_FAST_START=OFF (sanitizers, or chosen)"
fi
# Global options before the command, with values that are command names themselves: still that command.
for pre in "--cwd $tmp" "--profile kv --cwd $tmp" "-o json --cwd=$tmp" "-c $tmp/wrangler.toml -e deploy" "-v --account-id tail --cwd $tmp"; do
  # shellcheck disable=SC2086
  out=$("$TENANTCTL" $pre config validate 2>&1) && pass "tenantctl $pre config validate" || bad "tenantctl $pre config validate: $out"
done
# Words the partial tree cannot parse get the whole tree's answer (help, suggestions, errors).
rc=0; out=$("$TENANTCTL" config nosuchverb 2>&1) || rc=$?
[ $rc = 2 ] && grep -q 'unknown command "nosuchverb" for "tenantctl config"' <<<"$out" && grep -q 'validate, show' <<<"$out" &&
  pass "an unknown verb is a usage error naming it and the group's commands (exit 2)" || bad "unknown verb: rc=$rc $out"
rc=0; out=$("$TENANTCTL" --json kv namespace lst 2>/dev/null) || rc=$?
[ $rc = 2 ] && [ "$(jq -r .error.hint <<<"$out")" = 'did you mean `tenantctl kv namespace list`?' ] &&
  pass "a misspelt verb gets a did-you-mean (--json, exit 2)" || bad "misspelt verb: rc=$rc $out"
rc=0; out=$("$TENANTCTL" tenants 2>&1) || rc=$?
[ $rc = 2 ] && grep -q '`tenantctl tenants` needs a command: create, list' <<<"$out" &&
  pass "a group without a verb lists its commands (exit 2)" || bad "group alone: rc=$rc $out"
out=$("$TENANTCTL" --help 2>&1) && grep -q 'dispatch-namespace' <<<"$out" && grep -q 'completions' <<<"$out" &&
  pass "--help lists every command group" || bad "--help: $out"
# A request loads libcurl and goes through the shim: a refused connection is a clean network error.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
rc=0; out=$(CLOUDFLARE_API_TOKEN=t CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef \
  "$TENANTCTL" --api-url "http://127.0.0.1:$port/client/v4" dispatch-namespace list 2>&1) || rc=$?
[ $rc = 1 ] && grep -qi 'connect\|refused\|reach' <<<"$out" && pass "an API call uses libcurl through the shim (connection refused: exit 1)" || bad "api call: rc=$rc $out"
l=$(CLOUDFLARE_API_TOKEN=t CLOUDFLARE_ACCOUNT_ID=0123456789abcdef0123456789abcdef loaded "$TENANTCTL" --api-url "http://127.0.0.1:$port/client/v4" dispatch-namespace list)
[[ $l == *libcurl* ]] && pass "and that loads libcurl ($l)" || bad "libcurl not loaded by an API call: '$l'"
exit $fail
