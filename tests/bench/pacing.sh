#!/usr/bin/env bash
# Benchmark of the client's pacing by the API's rate-limit headers, against a local `tenantctl dev`. Asserts nothing.
#
# 1. Full speed when the platform allows it: `tenants apply` creating N tenants (default 1,000) at concurrency 16
#    with no environment variable set (pacing on: the local platform advertises a quota of 10^9 per 300 s),
#    against the same apply with pacing off (TENANTCTL_RATE_LIMIT=off), in this invocation. Target (issue #20):
#    <= 2 s, and a ratio close to 1.
# 2. Cloudflare-like limits: the platform restarted with `--rate-limit Q/W` and 50 ms of latency on every request
#    (the test hook), then U tenant updates at concurrency 16. Prints the requests answered 429 (target 0) and the
#    time against the minimum the limit allows (target <= 1.1x). The platform opens a window of Q requests with
#    the first request after the previous window ended, so R requests need ceil(R/Q) windows: the minimum is
#    (ceil(R/Q) - 1) x W plus the latency of the last window's requests at concurrency 16.
#    Defaults: Q/W = 200/30 and U = 400 (about a minute); PACING_BENCH_FULL=1 runs the issue's figures, 1200/300
#    with 2,000 updates (about 10 minutes). PACING_BENCH_LIMIT, PACING_BENCH_UPDATES override. The updates run
#    with --no-record (one request per tenant); PACING_BENCH_RECORD=1 records the replaced uploads as a default
#    apply does (two more reads per tenant, so about three times the requests).
# usage: tests/bench/pacing.sh [BUILD_DIR] [N]
set -euo pipefail
build=${1:-${TENANTCTL_BUILD_DIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}}
n=${2:-1000}
tc=${TENANTCTL:-$build/cli/tenantctl}
if [ "${PACING_BENCH_FULL:-0}" = 1 ]; then limit=1200/300 updates=2000; else limit=200/30 updates=400; fi
limit=${PACING_BENCH_LIMIT:-$limit}
updates=${PACING_BENCH_UPDATES:-$updates}
latency_ms=50
conc=16
work=$(mktemp -d)
export HOME=$work/home XDG_CONFIG_HOME=$work/config XDG_DATA_HOME=$work/data XDG_CACHE_HOME=$work/cache
mkdir -p "$HOME"
unset CLOUDFLARE_API_TOKEN CLOUDFLARE_API_KEY CLOUDFLARE_EMAIL CLOUDFLARE_ACCOUNT_ID CLOUDFLARE_API_BASE_URL TENANTCTL_PROFILE
unset TENANTCTL_RATE_LIMIT
pid=""
start() {  # start [dev args…]
  rm -f "$work/state/dev.json"
  "$tc" dev --listen 127.0.0.1:0 --state-dir "$work/state" --test-hooks --no-containers --no-workers --threads 32 "$@" \
    2>>"$work/dev.log" &
  pid=$!
  for _ in $(seq 1 200); do [ -s "$work/state/dev.json" ] && break; sleep 0.05; done
}
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }
trap 'stop; rm -rf "$work"' EXIT
log=$work/state/requests.log
now() { date +%s.%N; }
printf 'export default { fetch(req, env) { return new Response("v1 " + env.TENANT) } }\n' >"$work/tenant.mjs"
gen() {  # gen NAMESPACE COUNT
  {
    printf 'namespace: %s\nscript: ./tenant.mjs\ncompatibility_date: "2026-01-01"\n' "$1"
    printf 'defaults: { plan: free, tags: [fleet] }\ntenants:\n'
    for i in $(seq 1 "$2"); do printf '  - { id: t-%s, tags: [c%s], vars: { TENANT: t-%s } }\n' "$i" "$i" "$i"; done
  } >"$work/$1.yaml"
}
apply() {  # apply NS [args…] -> "seconds created updated failed"
  local ns=$1 t0 t1 out
  shift
  t0=$(now)
  out=$("$tc" --local tenants apply -f "$work/$ns.yaml" --concurrency $conc --json "$@" 2>>"$work/apply.err") || true
  t1=$(now)
  printf '%s %s\n' "$(echo "$t1 - $t0" | bc)" "$(jq -r '"\(.created) \(.updated) \(.failed)"' <<<"$out")"
}

# ---- 1. full speed against the unlimited local platform -------------------------------------------------
start
for ns in paced unpaced limited; do "$tc" --local dispatch-namespace create "$ns" >/dev/null; done
gen paced "$n"
gen unpaced "$n"
read -r s_off c_off _ f_off <<<"$(TENANTCTL_RATE_LIMIT=off apply unpaced)"
read -r s_on c_on _ f_on <<<"$(apply paced)"
printf 'tenants apply, %s tenants created at concurrency %s against tenantctl dev (no --rate-limit):\n' "$n" "$conc"
printf '  pacing off (TENANTCTL_RATE_LIMIT=off): %6.2f s  created %s failed %s\n' "$s_off" "$c_off" "$f_off"
printf '  pacing on (no variable set)          : %6.2f s  created %s failed %s   (target <= 2 s)\n' "$s_on" "$c_on" "$f_on"
printf '  ratio on/off: %.2f\n' "$(echo "$s_on / $s_off" | bc -l)"

# ---- 2. Cloudflare-like limits ----------------------------------------------------------------------------
gen limited "$updates"
apply limited >/dev/null  # created at full speed
stop
start --rate-limit "$limit"
port=$(jq -r .port "$work/state/dev.json")
token=$(jq -r .api_token "$XDG_CONFIG_HOME/tenantctl/profiles/local.json")
curl -sS -o /dev/null -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer $token" \
  --data "{\"path_regex\":\"/client/v4/\",\"status\":0,\"delay_ms\":$latency_ms,\"count\":100000000}" \
  "http://127.0.0.1:$port/__dev/faults"
sed -i 's/v1 /v2 /' "$work/tenant.mjs"
record=(--no-record)
[ "${PACING_BENCH_RECORD:-0}" = 1 ] && record=()
l0=$(wc -l <"$log")
read -r s_lim _ u_lim f_lim <<<"$(apply limited "${record[@]}")"
stats=$(tail -n +"$((l0 + 1))" "$log" | jq -s '"\(length) \([.[] | select(.status == 429)] | length)"' -r)
read -r requests refused <<<"$stats"
q=${limit%/*}
w=${limit#*/}
windows=$(((requests + q - 1) / q))
last=$((requests - (windows - 1) * q))
min=$(echo "($windows - 1) * $w + (($last + $conc - 1) / $conc) * $latency_ms / 1000" | bc -l)
printf 'tenants apply, %s updates at concurrency %s against tenantctl dev --rate-limit %s, %s ms per request:\n' \
  "$updates" "$conc" "$limit" "$latency_ms"
printf '  %8.2f s  updated %s failed %s; %s requests, %s answered 429   (target 0)\n' "$s_lim" "$u_lim" "$f_lim" \
  "$requests" "$refused"
printf '  minimum the limit allows: %.2f s (%s windows of %s s, the last with %s requests)\n' "$min" "$windows" "$w" "$last"
printf '  ratio to the minimum: %.3f   (target <= 1.1)\n' "$(echo "$s_lim / $min" | bc -l)"
printf '  machine: %s CPU(s); the server and the client share them\n' "$(nproc)"
