#!/usr/bin/env bash
# Benchmark of `tenantctl tenants apply` against a local `tenantctl dev`: 1,000 tenants (script upload, 3 tags of
# their own + tenantctl's 3, 1 secret each) at concurrency 1 (the baseline) and 16, then the no-op re-apply of
# the unchanged file. Prints wall times, ratios and the writes the server logged. Asserts nothing.
# Targets (issue #7): <= 10 s at 16, >= 8x faster than at 1, no-op <= 2 s.
# The client's rate limiter is switched off (TENANTCTL_RATE_LIMIT=off): its default is Cloudflare's
# 1,200 requests / 5 minutes, which would make this a benchmark of the limiter.
# usage: tests/bench/tenants.sh [BUILD_DIR] [N]   (needs tenantctl and tenants_plan_bench built there)
set -euo pipefail
build=${1:-${TENANTCTL_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build-tenants}}
n=${2:-1000}
tc=${TENANTCTL:-$build/cli/tenantctl}
work=$(mktemp -d)
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
mkdir -p "$HOME"
unset CLOUDFLARE_API_TOKEN CLOUDFLARE_API_KEY CLOUDFLARE_EMAIL CLOUDFLARE_ACCOUNT_ID CLOUDFLARE_API_BASE_URL TENANTCTL_PROFILE
export TENANTCTL_RATE_LIMIT=off BENCH_SECRET=bench-secret-value-0001
# 32 server threads: the simulated latency below sleeps in a server thread, and 4 (the default) would cap it.
"$tc" dev --listen 127.0.0.1:0 --state-dir "$work/state" --test-hooks --no-containers --threads 32 2>"$work/dev.log" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 200); do [ -s "$work/state/dev.json" ] && break; sleep 0.05; done
log=$work/state/requests.log
printf 'export default { fetch(req, env) { return new Response("tenant " + env.TENANT) } }\n' >"$work/tenant.mjs"
gen() {  # gen NAMESPACE: a tenants file with $n tenants
  {
    printf 'namespace: %s\nscript: ./tenant.mjs\ncompatibility_date: "2026-01-01"\n' "$1"
    printf 'plans:\n  free: { cpu_ms: 10, subrequests: 5 }\n'
    printf 'defaults: { plan: free, tags: [fleet, bench], secrets: { API_KEY: { env: BENCH_SECRET } } }\ntenants:\n'
    for i in $(seq 1 "$n"); do printf '  - { id: t-%s, tags: [c%s], vars: { TENANT: t-%s } }\n' "$i" "$i" "$i"; done
  } >"$work/$1.yaml"
}
for ns in bench-c1 bench-c16 rtt-c1 rtt-c16; do
  "$tc" --local dispatch-namespace create "$ns" >/dev/null
  gen "$ns"
done
writes() { jq -s '[.[] | select(.method != "GET")] | length' "$log"; }
now() { date +%s.%N; }
apply() {  # apply NS CONCURRENCY -> "seconds created unchanged failed writes"
  local w0 t0 t1 out
  w0=$(writes); t0=$(now)
  out=$("$tc" --local tenants apply -f "$work/$1.yaml" --concurrency "$2" --json 2>/dev/null) || true
  t1=$(now)
  printf '%s %s %s\n' "$(echo "$t1 - $t0" | bc)" "$(jq -r '"\(.created) \(.unchanged) \(.failed)"' <<<"$out")" "$(($(writes) - w0))"
}
read -r s1 c1 u1 f1 w1 <<<"$(apply bench-c1 1)"
read -r s16 c16 u16 f16 w16 <<<"$(apply bench-c16 16)"
read -r s0 c0 u0 f0 w0 <<<"$(apply bench-c16 16)"
printf 'tenants apply, %s tenants (upload + 3 own tags + 1 secret each; one write per tenant):\n' "$n"
printf '  concurrency 1 : %6.2f s  created %s failed %s writes %s\n' "$s1" "$c1" "$f1" "$w1"
printf '  concurrency 16: %6.2f s  created %s failed %s writes %s   (target <= 10 s)\n' "$s16" "$c16" "$f16" "$w16"
printf '  speed-up 16 vs 1: %.2fx   (target >= 8x)\n' "$(echo "$s1 / $s16" | bc -l)"
printf '  no-op re-apply: %6.2f s  unchanged %s writes %s   (target <= 2 s, 0 writes)\n' "$s0" "$u0" "$w0"
printf '  machine: %s CPU(s); the server and the client share them\n' "$(nproc)"

# The same with a simulated network round trip: every upload waits ${rtt_ms} ms at the server (the dev server's
# test hook), as a request to a remote control plane would. This is what the concurrency is for; on loopback
# without it each upload takes about a millisecond of CPU and two shared cores bound the speed-up.
rtt_ms=${TENANTS_BENCH_RTT_MS:-20}
port=$(jq -r .port "$work/state/dev.json")
curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' \
  -H "Authorization: Bearer $(jq -r .api_token "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")" \
  --data "{\"method\":\"PUT\",\"path_regex\":\"/namespaces/rtt-c[0-9]+/scripts/\",\"status\":0,\"delay_ms\":$rtt_ms,\"count\":100000}" \
  "http://127.0.0.1:$port/__dev/faults"
read -r r1 rc1 ru1 rf1 rw1 <<<"$(apply rtt-c1 1)"
read -r r16 rc16 ru16 rf16 rw16 <<<"$(apply rtt-c16 16)"
printf 'with %s ms simulated latency per upload:\n' "$rtt_ms"
printf '  concurrency 1 : %6.2f s  created %s failed %s\n' "$r1" "$rc1" "$rf1"
printf '  concurrency 16: %6.2f s  created %s failed %s   (target <= 10 s)\n' "$r16" "$rc16" "$rf16"
printf '  speed-up 16 vs 1: %.2fx   (target >= 8x)\n' "$(echo "$r1 / $r16" | bc -l)"

# Client-side cost without the network (parse + plan + upload metadata for 10,000 tenants).
if [ -x "$build/tests/tenants_plan_bench" ]; then "$build/tests/tenants_plan_bench" 10000; fi
