#!/usr/bin/env bash
# labels: integration;platform;api
# timeout: 120
# Every control-plane command of the CLI, run against a real `tenantctl dev` (ephemeral port, temp state),
# behaves as against the real API: results, errors and exit codes.
set -euo pipefail
tmp=$(mktemp -d)
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config XDG_DATA_HOME=$tmp/data
unset CLOUDFLARE_API_TOKEN CLOUDFLARE_API_KEY CLOUDFLARE_EMAIL CLOUDFLARE_ACCOUNT_ID CLOUDFLARE_API_BASE_URL
"$TENANTCTL" dev --no-containers --listen 127.0.0.1:0 --state-dir "$tmp/state" >"$tmp/dev.log" 2>&1 &
dev=$!
trap 'kill $dev 2>/dev/null; wait $dev 2>/dev/null; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do [ -s "$tmp/state/dev.json" ] && break; sleep 0.1; done
[ -s "$tmp/state/dev.json" ] || { cat "$tmp/dev.log"; exit 1; }

fail=0
t() { "$TENANTCTL" --local "$@"; }
check() {  # description, then a command that must succeed
  local what=$1; shift
  if "$@" >"$tmp/out" 2>"$tmp/err"; then echo "ok   $what"; else echo "FAIL $what"; cat "$tmp/out" "$tmp/err"; fail=1; fi
}
has() { grep -q -- "$1" "$tmp/out" || { echo "FAIL: output lacks $1"; cat "$tmp/out"; fail=1; }; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/out" "$1"; }

profile=$XDG_CONFIG_HOME/tenantctl/profiles/local.json
token=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_token"])' "$profile")
account=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["account_id"])' "$profile")
api=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["api_url"])' "$profile")
upload() {  # path: a worker upload as wrangler sends it
  curl -sf -X PUT -H @<(printf 'Authorization: Bearer %s\n' "$token") \
    -F 'metadata={"main_module":"index.js","compatibility_date":"2026-01-01","keep_bindings":["secret_text"]};type=application/json' \
    -F 'index.js=@-;type=application/javascript+module;filename=index.js' "$api$1" <<<'export default {}' >/dev/null
}

# identity
check "whoami" t whoami --json; has "$account"
# dispatch namespaces
check "dispatch-namespace create" t dispatch-namespace create prod --json
check "dispatch-namespace list" t dispatch-namespace list --json; has '"prod"'
check "dispatch-namespace get" t dispatch-namespace get prod --json; has '"prod"'
check "dispatch-namespace rename" t dispatch-namespace rename prod production --yes
check "dispatch-namespace get renamed" t dispatch-namespace get production
if t dispatch-namespace get prod >/dev/null 2>&1; then echo "FAIL: old namespace name still answers"; fail=1; fi
# tenant worker secrets (--dispatch-namespace)
upload "/accounts/$account/workers/dispatch/namespaces/production/scripts/acme"
check "secret put (tenant)" sh -c "printf 'tenant-secret' | \"$TENANTCTL\" --local secret put API_KEY --dispatch-namespace production --name acme"
check "secret bulk (tenant)" sh -c "printf '{\"A\":\"1\",\"B\":\"2\"}' | \"$TENANTCTL\" --local secret bulk --dispatch-namespace production --name acme"
check "secret list (tenant)" t secret list --dispatch-namespace production --name acme --json; has API_KEY; has '"B"'
if grep -q tenant-secret "$tmp/out"; then echo "FAIL: secret value returned"; fail=1; fi
check "secret delete (tenant)" t secret delete B --dispatch-namespace production --name acme --yes
check "secret list after delete" t secret list --dispatch-namespace production --name acme --json
if grep -q '"B"' "$tmp/out"; then echo "FAIL: deleted secret still listed"; fail=1; fi
check "bulk null deletes" sh -c "printf '{\"A\":null}' | \"$TENANTCTL\" --local secret bulk --dispatch-namespace production --name acme"
# account worker secrets
upload "/accounts/$account/workers/scripts/api-worker"
check "secret put (account worker)" sh -c "printf 'v' | \"$TENANTCTL\" --local secret put TOKEN --name api-worker"
check "secret list (account worker)" t secret list --name api-worker --json; has TOKEN
if t secret list --name no-such-worker >/dev/null 2>"$tmp/err"; then echo "FAIL: missing worker listed"; fail=1; fi
# KV
check "kv namespace create" t kv namespace create settings --json
ns=$(field 'd.get("result", d).get("id") if isinstance(d.get("result", d), dict) else ""')
[ -n "$ns" ] || { echo "FAIL: no namespace id in $(cat "$tmp/out")"; fail=1; }
check "kv namespace list" t kv namespace list --json; has settings
check "kv namespace rename" t kv namespace rename "$ns" settings2
check "kv namespace list renamed" t kv namespace list --json; has settings2
check "kv key put" sh -c "printf 'dark' | \"$TENANTCTL\" --local kv key put theme --namespace-id $ns"
check "kv key get" t kv key get theme --namespace-id "$ns"; grep -qx dark "$tmp/out" || { echo "FAIL: value"; fail=1; }
check "kv key list" t kv key list --namespace-id "$ns" --json; has theme
check "kv key delete" t kv key delete theme --namespace-id "$ns" --yes
if t kv key get theme --namespace-id "$ns" >/dev/null 2>&1; then echo "FAIL: deleted key readable"; fail=1; fi
check "kv namespace delete" t kv namespace delete "$ns" --yes
# R2
check "r2 bucket create" t r2 bucket create tenant-assets
check "r2 bucket list" t r2 bucket list --json; has tenant-assets
check "r2 bucket delete" t r2 bucket delete tenant-assets --yes
# errors: a missing namespace is exit 1 with a hint; a conflict is exit 1
if t dispatch-namespace get nope 2>"$tmp/err"; then echo "FAIL: missing namespace"; fail=1; else grep -q "error:" "$tmp/err" || fail=1; fi
if t dispatch-namespace create production 2>/dev/null; then echo "FAIL: duplicate namespace created"; fail=1; fi
check "dispatch-namespace delete" t dispatch-namespace delete production --yes
exit $fail
