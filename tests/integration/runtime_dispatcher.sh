#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# `tenantctl dev` runs what is deployed to it, in workerd. The `dispatcher` template end to end, with the
# same commands its README gives: a dispatcher and two customer workers deployed with `tenantctl deploy`;
# X-User-ID picks the worker; each customer's KV and R2 data is its own; what the worker writes is read back
# with `tenantctl kv key get`, what the CLI puts is read by the worker; a user without a worker gets the
# production error ("Worker not found."). Then: a dispatcher calling JS RPC methods on a dispatched
# WorkerEntrypoint; storage ids copied from a Cloudflare account (none of them exist locally) deploy and run;
# a re-upload is served without a restart and with no failed request of a loop running through 10
# re-uploads; a module with a syntax error and a worker that throws at start-up are refused at upload, naming
# the error, while every other tenant keeps answering (runtime_validate tests the refusals in depth).
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
repo=$(cd "$(dirname "$0")/../.." && pwd)
start_dev
W=$(jq -r '.workers_url // empty' "$STATE/dev.json")
check "dev.json names the workers' URL (workerd found and running)" test -n "$W"
[ -n "$W" ] || { cat "$WORK/dev.stderr"; finish; }
tc() { "$TENANTCTL" --local "$@"; }


# --- the dispatcher template, as its README deploys it ---------------------------------------------------
p=$WORK/disp
cp -r "$repo/templates/dispatcher" "$p"
find "$p" -type f -exec sed -i 's/__project_name__/disp/g' {} +
tc dispatch-namespace create customers >/dev/null
id1=$(tc --json kv namespace create customer-user1-kv | jq -r '.result.id // .id')
tc r2 bucket create customer-user1-files >/dev/null
# user2 keeps the template's ids, as a project copied from a Cloudflare account would: nothing exists locally.
sed -i "s/00000000000000000000000000000001/$id1/" "$p/customer-worker/wrangler.jsonc"
id2=00000000000000000000000000000002
(cd "$p/customer-worker" && tc deploy --env user1 --dispatch-namespace customers) >"$WORK/d1.out" 2>&1 ||
  { cat "$WORK/d1.out"; exit 1; }
(cd "$p/customer-worker" && tc deploy --env user2 --dispatch-namespace customers) >"$WORK/d2.out" 2>&1 ||
  { cat "$WORK/d2.out"; exit 1; }
(cd "$p" && tc deploy) >"$WORK/d3.out" 2>&1 || { cat "$WORK/d3.out"; exit 1; }

check "the deploy of user2 says which storage it created (its ids came from a Cloudflare account)" \
  bash -c 'grep -q "created KV namespace 00000000000000000000000000000002" "$0" && grep -q "created R2 bucket customer-user2-files" "$0"' "$WORK/d2.out"
check "the dispatcher answers at disp.localhost once deployed" until_ok 60 disp.localhost / '"customer":"user1"' -H 'X-User-ID: user1'
wcall disp.localhost -H 'X-User-ID: user2' "$W/"
check "X-User-ID: user2 reaches customer-user2" bash -c '[ "$STATUS" = 200 ] && jq -e ".customer == \"user2\"" <<<"$OUT" >/dev/null'
wcall disp.localhost -X POST -H 'X-User-ID: user2' -H 'content-type: application/json' \
  -d '{"key":"settings","value":{"theme":"dark"}}' "$W/data"
check "user2 stores data through its worker (201)" status_is 201
wcall disp.localhost -H 'X-User-ID: user2' "$W/data?key=settings"
check "user2 reads it back" bash -c '[ "$STATUS" = 200 ] && jq -e ".value.theme == \"dark\"" <<<"$OUT" >/dev/null'
wcall disp.localhost -H 'X-User-ID: user1' "$W/data?key=settings"
check "user1 does not see user2's data (404 from its own, empty KV)" status_is 404
check "what the worker wrote is read by \`tenantctl kv key get\` (user2's id was created on first use)" \
  bash -c '[ "$("$0" --local kv key get --namespace-id "$1" settings)" = "{\"theme\":\"dark\"}" ]' "$TENANTCTL" "$id2"
echo -n '"from the cli"' | tc kv key put --namespace-id "$id1" cli-key >/dev/null
wcall disp.localhost -H 'X-User-ID: user1' "$W/data?key=cli-key"
check "what the CLI put is read by user1's worker" bash -c '[ "$STATUS" = 200 ] && jq -e ".value == \"from the cli\"" <<<"$OUT" >/dev/null'
head -c 3000 /dev/urandom >"$WORK/logo.png"
wcall disp.localhost -X POST -H 'X-User-ID: user1' -F key=logo.png -F "file=@$WORK/logo.png;type=image/png" "$W/files"
check "user1 uploads a file to its R2 bucket" status_is 201
curl -sS -o "$WORK/got.png" -H "Host: disp.localhost" -H "X-User-ID: user1" "$W/files?key=logo.png" || true
check "and downloads the same bytes" cmp -s "$WORK/logo.png" "$WORK/got.png"
wcall disp.localhost -H 'X-User-ID: user2' "$W/files?key=logo.png"
check "user2's bucket does not have it" status_is 404
wcall disp.localhost -H 'X-User-ID: user1' "$W/stats"
check "user1's stats count its own file and keys" \
  bash -c '[ "$STATUS" = 200 ] && jq -e ".files == 1 and .bytes == 3000 and .data_keys == 1" <<<"$OUT" >/dev/null'
api GET "/accounts/$ACCT/r2/buckets/customer-user2-files"
check "the R2 bucket user2's binding named was created on first use" status_is 200
wcall disp.localhost -H 'X-User-ID: user3' "$W/"
check "a user without a worker gets the template's 404 (the binding rejected with \"Worker not found.\")" \
  bash -c '[ "$STATUS" = 404 ] && grep -q "customer-user3" <<<"$OUT"'
wcall nobody.localhost "$W/"
check "a host no worker answers for: 404 naming the host" bash -c '[ "$STATUS" = 404 ] && grep -q nobody.localhost <<<"$OUT"'

# --- JS RPC on a dispatched WorkerEntrypoint -----------------------------------------------------------------
r=$WORK/rpc
mkdir -p "$r/tenant" "$r/front"
cat >"$r/tenant/index.js" <<'JS'
import { WorkerEntrypoint } from "cloudflare:workers";
export default class extends WorkerEntrypoint {
  async fetch() { return new Response("tenant fetch " + this.env.WHO); }
  async setData(k, v) { await this.env.KV.put(k, v); return { ok: true, who: this.env.WHO, k }; }
  async getData(k) { return this.env.KV.get(k); }
  async myPlan() { return this.env.PLANS.limitsFor(this.env.WHO); }
}
JS
# An account worker the tenant calls by JS RPC through a service binding (its named entrypoint).
mkdir -p "$r/plans"
cat >"$r/plans/index.js" <<'JS'
import { WorkerEntrypoint } from "cloudflare:workers";
export class Plans extends WorkerEntrypoint {
  async limitsFor(who) { return { who, plan: (await this.env.PLAN_KV.get("plan:" + who)) ?? "free", cpuMs: 50 }; }
}
export default { fetch() { return new Response("plans"); } };
JS
cat >"$r/plans/wrangler.json" <<'JSON'
{ "name": "rpc-plans", "main": "index.js", "compatibility_date": "2026-01-01",
  "kv_namespaces": [{ "binding": "PLAN_KV", "id": "0000000000000000000000000000bbbb" }] }
JSON
cat >"$r/tenant/wrangler.json" <<'JSON'
{ "name": "rpc-a", "main": "index.js", "compatibility_date": "2026-01-01", "vars": { "WHO": "a" },
  "kv_namespaces": [{ "binding": "KV", "id": "0000000000000000000000000000aaaa" }],
  "services": [{ "binding": "PLANS", "service": "rpc-plans", "entrypoint": "Plans" }] }
JSON
cat >"$r/front/index.ts" <<'TS'
interface Env { NS: { get(name: string): any } }
export default {
  async fetch(req: Request, env: Env): Promise<Response> {
    const u = new URL(req.url);
    const t = env.NS.get(u.searchParams.get("t") ?? "rpc-a");
    if (u.pathname === "/set") return Response.json(await t.setData(u.searchParams.get("k"), u.searchParams.get("v")));
    if (u.pathname === "/get") return Response.json({ v: await t.getData(u.searchParams.get("k")) });
    if (u.pathname === "/plan") return Response.json(await t.myPlan());
    try { return await t.fetch(req); } catch (e: any) { return new Response("error: " + e.message, { status: 502 }); }
  },
};
TS
cat >"$r/front/wrangler.toml" <<'TOML'
name = "rpc-front"
main = "index.ts"
compatibility_date = "2026-01-01"
[[dispatch_namespaces]]
binding = "NS"
namespace = "customers"
TOML
(cd "$r/plans" && tc deploy) >"$WORK/p.out" 2>&1 || { cat "$WORK/p.out"; exit 1; }
printf pro | "$TENANTCTL" --local kv key put --namespace-id 0000000000000000000000000000bbbb plan:a >/dev/null
(cd "$r/tenant" && tc deploy --dispatch-namespace customers) >/dev/null 2>&1
(cd "$r/front" && tc deploy) >"$WORK/f.out" 2>&1 || { cat "$WORK/f.out"; exit 1; }
check "a TypeScript dispatcher answers (bundled on deploy)" until_ok 60 rpc-front.localhost /x 'tenant fetch a'
wcall rpc-front.localhost "$W/set?k=color&v=blue"
check "an RPC method on the stub get() returns runs in the tenant and returns its value" \
  bash -c '[ "$STATUS" = 200 ] && jq -e ".ok == true and .who == \"a\" and .k == \"color\"" <<<"$OUT" >/dev/null'
check "the tenant's KV holds what the RPC call wrote" \
  bash -c '[ "$("$0" --local kv key get --namespace-id 0000000000000000000000000000aaaa color)" = blue ]' "$TENANTCTL"
wcall rpc-front.localhost "$W/get?k=color"
check "a second RPC method reads it back" jq_is .v blue
wcall rpc-front.localhost "$W/plan"
check "the tenant calls an account worker's entrypoint by JS RPC (its service binding), which reads its own KV" \
  bash -c '[ "$STATUS" = 200 ] && jq -e ".who == \"a\" and .plan == \"pro\" and .cpuMs == 50" <<<"$OUT" >/dev/null'
wcall rpc-front.localhost "$W/x?t=missing"
check "an unknown script: fetch() rejects with \"Worker not found.\"" \
  bash -c '[ "$STATUS" = 502 ] && grep -q "Worker not found." <<<"$OUT"'

# --- re-uploads while under load -----------------------------------------------------------------------------
( fails=0; n=0
  while [ ! -f "$WORK/stop-load" ] && [ $n -lt 3000 ]; do
    s=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: rpc-front.localhost' "$W/x") || s=000
    [ "$s" = 200 ] || fails=$((fails+1)); n=$((n+1))
  done; echo "$n $fails" >"$WORK/load.out" ) &
load=$!
for i in $(seq 1 10); do
  sed -i "s/\"WHO\": \"[^\"]*\"/\"WHO\": \"a$i\"/" "$r/tenant/wrangler.json"
  (cd "$r/tenant" && tc deploy --dispatch-namespace customers) >/dev/null 2>&1
done
check "the 10th re-upload is served without a restart" until_ok 60 rpc-front.localhost /x 'tenant fetch a10'
touch "$WORK/stop-load"; wait "$load"
read -r n fails <"$WORK/load.out"
echo "     load during re-uploads: $n requests, $fails failed"
check "no request failed while the tenant was re-uploaded 10 times ($n requests)" bash -c '[ "$0" -gt 0 ] && [ "$1" = 0 ]' "$n" "$fails"

# --- bad uploads do not take the others down ---------------------------------------------------------------
printf '{"main_module":"index.js","compatibility_date":"2025-01-01"}' >"$WORK/meta.json"
printf 'export default { fetch() { return new Response("x") }' >"$WORK/index.js"
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/customer-user4" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "a module with a syntax error is refused at upload, naming the SyntaxError" \
  bash -c '[ "$STATUS" = 400 ] && jq -e ".errors[0].code == 10021" <<<"$OUT" >/dev/null && grep -q "SyntaxError" <<<"$OUT"'
printf 'throw new Error("boom at start-up"); export default { fetch() { return new Response("y") } }' >"$WORK/index.js"
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/customer-user5" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "a worker that throws at start-up is refused at upload, naming the exception" \
  bash -c '[ "$STATUS" = 400 ] && grep -q "boom at start-up" <<<"$OUT"'
wcall disp.localhost -H 'X-User-ID: user4' "$W/"
check "a refused upload is not deployed: its user gets the template's 404 for a missing worker" \
  bash -c '[ "$STATUS" = 404 ] && grep -q "customer-user4" <<<"$OUT"'
wcall disp.localhost -H 'X-User-ID: user1' "$W/data?key=cli-key"
check "every other tenant keeps answering" status_is 200
# No workerd process holds a descriptor of tenantctl dev's own: not the API's listening socket.
api_inode=$(awk -v p="$(printf ':%04X' "$PORT")" '$4 == "0A" && substr($2, length($2) - 4) == p { print $10; exit }' /proc/net/tcp)
held=0 workerds=0
for p in /proc/[0-9]*; do
  [ "$(readlink "$p/cwd" 2>/dev/null)" = "$STATE/runtime" ] || continue
  workerds=$((workerds + 1))
  for f in "$p"/fd/*; do [ "$(readlink "$f" 2>/dev/null)" = "socket:[$api_inode]" ] && held=$((held + 1)); done
done
check "no workerd process ($workerds running) holds the API's listening socket ($held do)" \
  bash -c '[ -n "$0" ] && [ "$1" -gt 1 ] && [ "$2" = 0 ]' "$api_inode" "$workerds" "$held"
# workerd processes end with their supervisor, even when it is SIGKILLed.
kill -9 "$DEV_PID"; wait "$DEV_PID" 2>/dev/null || true; DEV_PID=""
left=1
for _ in $(seq 1 50); do
  left=0
  for p in /proc/[0-9]*; do [ "$(readlink "$p/cwd" 2>/dev/null)" = "$STATE/runtime" ] && left=$((left+1)); done
  [ "$left" = 0 ] && break; sleep 0.1
done
check "a SIGKILLed tenantctl dev leaves no workerd process behind ($left left)" test "$left" = 0
if [ "$FAILS" -ne 0 ] || [ -s "$WORK/curl.err" ]; then
  echo "--- curl errors"; cat "$WORK/curl.err" 2>/dev/null || true
  echo "--- workers.log"; tail -n 80 "$STATE/workers.log"; echo "--- dev stderr"; tail -n 20 "$WORK/dev.stderr"
fi
finish
