#!/usr/bin/env bash
# labels: integration;deploy
# timeout: 300
# Nothing in the config is silently dropped: an account worker with routes, cron triggers, workers_dev and
# preview_urls deployed to `tenantctl dev` has them set (read back through the API); an unchanged redeploy
# sends no write; a changed cron list rewrites only the schedules; a custom-domain route stops the deploy before
# anything is sent, naming the field; a route another worker holds stops the deploy before anything is written;
# a dispatch-namespace deploy says the triggers are skipped.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev
log=$STATE/requests.log
tc() { "$TENANTCTL" --local "$@"; }
lines() { [ -f "$log" ] && wc -l <"$log" || echo 0; }
writes_since() { tail -n +"$(( $1 + 1 ))" "$log" | jq -r 'select(.method != "GET" and .method != "HEAD") | .method + " " + .path'; }

p=$WORK/project
mkdir -p "$p/src"
echo 'export default { async fetch() { return new Response("t"); }, async scheduled() {} };' >"$p/src/index.ts"
cat >"$p/wrangler.toml" <<'TOML'
name = "triggers"
main = "./src/index.ts"
compatibility_date = "2026-01-01"
preview_urls = true
routes = [ { pattern = "shop.example.com/*", zone_name = "example.com" }, "api.example.com/v1/*" ]
[triggers]
crons = ["*/5 * * * *", "0 3 * * 1"]
TOML
tc --cwd "$p" deploy >"$WORK/d1.out" 2>&1 || { cat "$WORK/d1.out"; exit 1; }
W=$A/workers/scripts/triggers
api GET "$W/schedules"
check "crons are set" bash -c '[ "$(printf "%s" "$0" | jq -c "[.result.schedules[].cron] | sort")" = "[\"*/5 * * * *\",\"0 3 * * 1\"]" ]' "$OUT"
api GET "$W/routes"
check "routes are set, with their zone" bash -c '[ "$(printf "%s" "$0" | jq -c "[.result[] | [.pattern, (.zone_name // \"\")]] | sort")" = "[[\"api.example.com/v1/*\",\"\"],[\"shop.example.com/*\",\"example.com\"]]" ]' "$OUT"
api GET "$W/subdomain"
check "routes given and workers_dev absent: workers.dev off, preview URLs on (as wrangler defaults)" \
  bash -c '[ "$(printf "%s" "$0" | jq -c "[.result.enabled, .result.previews_enabled]")" = "[false,true]" ]' "$OUT"
check "the deploy lists its triggers" grep -q "schedule: \*/5 \* \* \* \*" "$WORK/d1.out"

n=$(lines)
tc --cwd "$p" deploy >"$WORK/d2.out" 2>&1
check "an unchanged redeploy sends no write" bash -c '[ -z "$0" ]' "$(writes_since "$n")"

sed -i 's|crons = .*|crons = ["0 4 * * *"]|' "$p/wrangler.toml"
printf 'workers_dev = true\n' | cat - "$p/wrangler.toml" >"$p/w.tmp" && mv "$p/w.tmp" "$p/wrangler.toml"
n=$(lines)
tc --cwd "$p" deploy >"$WORK/d3.out" 2>&1
w=$(writes_since "$n")
check "a changed cron list and workers_dev: schedules and the subdomain toggle are written, nothing else" \
  bash -c '[ "$(printf "%s\n" "$0" | sort | tr "\n" " ")" = "POST /client/v4/accounts/$1/workers/scripts/triggers/subdomain PUT /client/v4/accounts/$1/workers/scripts/triggers/schedules " ]' "$w" "$ACCT"
check "the workers.dev URL is reported" grep -q "triggers.local.workers.dev" "$WORK/d3.out"

sed -i 's|crons = .*|crons = []|' "$p/wrangler.toml"
tc --cwd "$p" deploy >/dev/null 2>&1
api GET "$W/schedules"
check "crons = [] removes every schedule" bash -c '[ "$(printf "%s" "$0" | jq -c ".result.schedules")" = "[]" ]' "$OUT"

refused() {  # NAME REGEX: deploy exits 1 naming the field, and sends nothing
  local n rc; n=$(lines)
  set +e; tc --cwd "$p" deploy >"$WORK/r.out" 2>&1; rc=$?; set -e
  check "$1: exit 1, the field named, nothing sent" bash -c '[ "$0" = 1 ] && grep -qE "$1" "$2" && [ -z "$3" ]' "$rc" "$2" "$WORK/r.out" "$(writes_since "$n")"
}
cp "$p/wrangler.toml" "$WORK/saved.toml"
sed -i 's|^routes = .*|routes = [ { pattern = "shop.example.com", custom_domain = true } ]|' "$p/wrangler.toml"
refused "a custom domain" 'routes\[0\] "shop.example.com": custom domains .* are not implemented'
cp "$WORK/saved.toml" "$p/wrangler.toml"

# A route another worker holds: refused before anything is built or written, naming that worker (wrangler reads
# the zone's routes the same way: GET /zones?name=…, GET /zones/{zone}/workers/routes).
o=$WORK/other
mkdir -p "$o/src" && cp "$p/src/index.ts" "$o/src/"
printf 'name = "other"\nmain = "./src/index.ts"\ncompatibility_date = "2026-01-01"\nroutes = [ "blog.example.com/*", "api.example.com/v1/*" ]\n' >"$o/wrangler.toml"
n=$(lines)
set +e; tc --cwd "$o" deploy >"$WORK/c.out" 2>&1; rc=$?; set -e
check "a route assigned to another worker: exit 1, that worker and route named, nothing written" \
  bash -c '[ "$0" = 1 ] && grep -q "already assigned" "$1" && grep -q "\"triggers\" is already assigned to \"api.example.com/v1/\*\"" "$1" && [ -z "$2" ]' "$rc" "$WORK/c.out" "$(writes_since "$n")"
check "... the zones were read as wrangler reads them" \
  bash -c 'tail -n +"$(( $1 + 1 ))" "$0" | jq -r .path | grep -q "^/client/v4/zones/[0-9a-f]*/workers/routes$"' "$log" "$n"
api GET "$A/workers/scripts"
check "... and the other worker was not created" bash -c '[ -z "$(printf "%s" "$OUT" | jq -r ".result[] | select(.id == \"other\") | .id")" ]'
api PUT "$A/workers/scripts/triggers/routes" -H 'Content-Type: application/json' --data '[{"pattern":"api.example.com/v1/*"}]'
check "the platform keeps a route to its worker: the same worker may set it again" status_is 200
printf 'name = "other"\nmain = "./src/index.ts"\ncompatibility_date = "2026-01-01"\nroutes = [ "blog.example.com/*" ]\n' >"$o/wrangler.toml"
tc --cwd "$o" deploy >/dev/null 2>&1
api PUT "$A/workers/scripts/other/routes" -H 'Content-Type: application/json' --data '[{"pattern":"api.example.com/v1/*"}]'
check "the platform refuses a route held by another worker (409)" status_is 409

cp "$WORK/saved.toml" "$p/wrangler.toml"
tc dispatch-namespace create ns1 >/dev/null
tc --cwd "$p" deploy --dispatch-namespace ns1 --name t1 >"$WORK/ns.out" 2>&1
check "a dispatch-namespace deploy says the routes are not deployed there" \
  grep -q "routes: not deployed for a dispatch-namespace worker" "$WORK/ns.out"
finish
