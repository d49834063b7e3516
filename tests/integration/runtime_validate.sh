#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# `tenantctl dev` checks an upload's code in workerd before it stores it, as production does: a module with a
# syntax error and a worker that throws at start-up are refused by `tenantctl deploy` (the API's 400 / 10021
# with workerd's message naming file:line, exit code 1) and the version deployed before keeps answering; a
# start-up that loops is refused after a bounded time, leaving no process behind; a dispatch-namespace upload
# with a syntax error is refused while the other tenants keep answering; a service worker's error names its
# script and never its secrets or the state directory; a good re-upload works. A service binding to a worker
# that does not exist is refused at upload (10143, as production does); a worker whose bound worker is deleted
# later answers 500 naming it, and the others keep answering. The same code uploaded again is not checked again.
# An upload's answer lists the handlers its code exports, read from the started code. A refusal quoting a
# binding value is not reused for an upload with another value.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev_workers
tc() { "$TENANTCTL" --local "$@"; }
until_status() {  # CODE TIMEOUT_S HOST PATH [curl args…]
  local code=$1 end=$((SECONDS + $2)) host=$3 path=$4; shift 4
  while [ $SECONDS -lt $end ]; do wcall "$host" "$@" "$W$path"; [ "$STATUS" = "$code" ] && return 0; sleep 0.2; done
  return 1
}
# project DIR NAME [EXTRA_JSON]: a wrangler.json uploading src/index.js as it is (no bundling: the runtime, not
# esbuild, is to see the code).
project() {
  mkdir -p "$1/src"
  printf '{"name":"%s","main":"src/index.js","compatibility_date":"2025-01-01","no_bundle":true%s}\n' "$2" "${3:-}" >"$1/wrangler.json"
}
deploy_in() {  # deploy_in DIR [args…]: RC, and the output in $WORK/deploy.out
  local d=$1; shift
  RC=0; (cd "$d" && tc deploy "$@") >"$WORK/deploy.out" 2>&1 || RC=$?
}

# --- an account worker ---------------------------------------------------------------------------------------
p=$WORK/shop
project "$p" shop
printf 'export default {\n  fetch() { return new Response("v1") }\n};\n' >"$p/src/index.js"
deploy_in "$p"
check "a good upload deploys" test "$RC" = 0
check "and answers" until_ok 60 shop.localhost / v1

printf 'export default {\n  fetch() { return new Response("v2") }\n  oops here\n};\n' >"$p/src/index.js"
deploy_in "$p"
check "a module with a syntax error: deploy fails with exit code 1" test "$RC" = 1
check "naming the SyntaxError and its file:line, with the API's code" \
  bash -c 'grep -q "Uncaught SyntaxError: Unexpected identifier .oops. at index.js:3:" "$0" && grep -q "10021" "$0"' "$WORK/deploy.out"
wcall shop.localhost "$W/"
check "the version deployed before keeps answering" bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = v1 ]'

printf 'const ready = 1;\nthrow new Error("boom at start-up");\nexport default { fetch() { return new Response("v2") } };\n' >"$p/src/index.js"
deploy_in "$p"
check "a worker throwing at the top level: deploy fails with exit code 1" test "$RC" = 1
cp "$WORK/deploy.out" "$WORK/refused.out"
check "naming the exception and where it was thrown" \
  bash -c 'grep -q "Uncaught Error: boom at start-up" "$0" && grep -q "at index.js:2:" "$0"' "$WORK/deploy.out"
check "the message names no path of the state directory" bash -c '! grep -qF "$1" "$0"' "$WORK/deploy.out" "$STATE"
wcall shop.localhost "$W/"
check "the version deployed before still answers" bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = v1 ]'
api GET "/accounts/$ACCT/workers/scripts/shop/versions"
check "no version was recorded for the refused uploads" jq_is '.result.items | length' 1

printf 'let n = 0;\nwhile (true) { n++; }\nexport default { fetch() { return new Response("never") } };\n' >"$p/src/index.js"
t0=$SECONDS
deploy_in "$p"
took=$((SECONDS - t0))
check "a start-up that loops is refused" bash -c '[ "$1" = 1 ] && grep -q "Script startup exceeded CPU time limit" "$0"' "$WORK/deploy.out" "$RC"
check "after a bounded time (${took}s)" test "$took" -lt 30
left=0
for q in /proc/[0-9]*; do case "$(readlink "$q/cwd" 2>/dev/null)" in "$STATE/runtime/validate"*) left=$((left+1)) ;; esac; done
check "no check process is left behind ($left)" test "$left" = 0
check "and no check's files" bash -c '[ -z "$(ls -A "$0" 2>/dev/null)" ]' "$STATE/runtime/validate"

printf 'export default {\n  fetch() { return new Response("v3") }\n};\n' >"$p/src/index.js"
deploy_in "$p"
check "a good re-upload deploys" test "$RC" = 0
check "and is served" until_ok 60 shop.localhost / v3

# --- dispatch-namespace scripts ------------------------------------------------------------------------------
tc dispatch-namespace create customers >/dev/null
d=$WORK/disp
project "$d" disp ',"dispatch_namespaces":[{"binding":"NS","namespace":"customers"}]'
printf 'export default {\n  async fetch(req, env) {\n    try { return await env.NS.get(new URL(req.url).pathname.slice(1)).fetch(req); }\n    catch (e) { return new Response(String(e), { status: 502 }); }\n  }\n};\n' >"$d/src/index.js"
deploy_in "$d"
check "the dispatcher deploys" test "$RC" = 0
upload_ns_script customers t1 '[]'
check "tenant t1 uploads" status_is 200
check "and answers through the dispatcher" until_ok 60 disp.localhost /t1 t1
printf '{"main_module":"index.js","compatibility_date":"2025-01-01"}' >"$WORK/meta.json"
printf 'export default {\n  fetch() { return new Response("t2") }\n' >"$WORK/index.js"
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t2" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "a namespace script with a syntax error is refused (400, 10021, file:line)" \
  bash -c '[ "$STATUS" = 400 ] && jq -e ".errors[0].code == 10021 and (.errors[0].message | test(\"^Uncaught SyntaxError: .* at index.js:[0-9]+\"))" <<<"$OUT" >/dev/null'
api GET "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t2"
check "and not stored" status_is 404
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t2" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "the same upload again is refused the same way" \
  bash -c '[ "$STATUS" = 400 ] && jq -e ".errors[0].code == 10021" <<<"$OUT" >/dev/null'
check "from the cached verdict: workerd checked it once" \
  bash -c '[ "$(grep -c "checked the upload of customers/t2 " "$0")" = 1 ]' "$STATE/workers.log"
p2=$WORK/t1
project "$p2" t1
printf 'export default {\n  fetch() { return new Response("t1 again") }\n  ;;; ]\n};\n' >"$p2/src/index.js"
deploy_in "$p2" --dispatch-namespace customers
check "tenantctl deploy --dispatch-namespace of a broken t1 fails" \
  bash -c '[ "$1" = 1 ] && grep -q "Uncaught SyntaxError" "$0"' "$WORK/deploy.out" "$RC"
wcall disp.localhost "$W/t1"
check "t1 keeps answering with its previous upload" bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = t1 ]'
wcall shop.localhost "$W/"
check "other workers keep answering" bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = v3 ]'

# The upload's answer lists what the code exports, as production does: the default export's handlers and each
# named export's (a Durable Object class, a WorkerEntrypoint), read from the started code.
printf '{"main_module":"index.js","compatibility_date":"2025-01-01"}' >"$WORK/meta.json"
cat >"$WORK/index.js" <<'JS'
import { DurableObject, WorkerEntrypoint } from "cloudflare:workers";
export class Counter extends DurableObject { fetch() { return new Response("c"); } alarm() {} }
export class Api extends WorkerEntrypoint { fetch() { return new Response("api"); } lookup() { return 1; } }
export default { fetch() { return new Response("t4"); }, scheduled() {}, other: 1 };
JS
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t4" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "an upload's answer lists the default export's handlers" \
  bash -c '[ "$STATUS" = 200 ] && jq -e ".result.handlers == [\"fetch\",\"scheduled\"]" <<<"$OUT" >/dev/null'
check "and each named export's" \
  bash -c 'jq -e ".result.named_handlers == [{\"name\":\"Api\",\"handlers\":[\"fetch\"]},{\"name\":\"Counter\",\"handlers\":[\"alarm\",\"fetch\"]}]" <<<"$OUT" >/dev/null'
t4_startup=$(jq -r '.result.startup_time_ms' <<<"$OUT" 2>/dev/null || echo none)
api GET "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t4"
check "and the script's read-back keeps them" \
  bash -c 'jq -e ".result.script.handlers == [\"fetch\",\"scheduled\"] and (.result.script.named_handlers | length) == 2" <<<"$OUT" >/dev/null'
check "the code still runs as written" until_ok 60 disp.localhost /t4 t4

# startup_time_ms: the CPU time the top level took, measured in workerd's main thread against a minimal worker.
printf '{"main_module":"index.js","compatibility_date":"2025-01-01"}' >"$WORK/meta.json"
cat >"$WORK/index.js" <<'JS'
let x = 0;
for (let i = 0; i < 3e7; i++) x = (x * 31 + i) % 1000003;  // a start-up that computes for a while
export default { fetch() { return new Response("slow start " + x); } };
JS
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t7" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "a start-up that computes reports its CPU time in startup_time_ms (at least 20 ms)" \
  bash -c '[ "$STATUS" = 200 ] && jq -e ".result.startup_time_ms >= 20" <<<"$OUT" >/dev/null'
slow_startup=$(jq -r '.result.startup_time_ms' <<<"$OUT" 2>/dev/null || echo 0)
check "a start-up that only defines handlers reports less than half of that ($t4_startup vs $slow_startup ms)" \
  bash -c '[ "$0" -ge 0 ] && [ $(($0 * 2)) -lt "$1" ]' "$t4_startup" "$slow_startup"

# The probe keeps the code's own default export: one workerd refuses is refused.
printf '{"main_module":"index.js","compatibility_date":"2025-01-01"}' >"$WORK/meta.json"
printf 'export default 42;\n' >"$WORK/index.js"
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t6" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "a default export that is no handler is refused (10021, naming 'default')" \
  bash -c '[ "$STATUS" = 400 ] && jq -e ".errors[0].code == 10021 and (.errors[0].message | contains(\"default\"))" <<<"$OUT" >/dev/null'
# A content-only upload (PUT …/content) updates the handlers too.
cat >"$WORK/index.js" <<'JS'
export default { fetch() { return new Response("t4 v2"); }, queue() {} };
JS
printf '{"main_module":"index.js"}' >"$WORK/meta.json"
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t4/content" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
check "PUT …/content answers the new code's handlers" \
  bash -c '[ "$STATUS" = 200 ] && jq -e ".result.handlers == [\"fetch\",\"queue\"] and .result.named_handlers == []" <<<"$OUT" >/dev/null'

# A refusal computed from binding values (a var upper-cased, a secret in base64) is never served from the cache
# to an upload with other values.
cat >"$WORK/index.js" <<'JS'
import { env } from "cloudflare:workers";
throw new Error("no plan called " + env.PLAN.toUpperCase() + " (" + btoa(env.KEY) + ")");
export default { fetch() { return new Response("never"); } };
JS
for plan in gold-plan silver-plan; do
  printf '{"main_module":"index.js","compatibility_date":"2025-06-01","bindings":[{"type":"plain_text","name":"PLAN","text":"%s"},{"type":"secret_text","name":"KEY","text":"sk-%s"}]}' "$plan" "$plan" >"$WORK/meta.json"
  api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t5-$plan" \
    -F "metadata=@$WORK/meta.json;type=application/json" \
    -F "index.js=@$WORK/index.js;filename=index.js;type=application/javascript+module"
  want="Uncaught Error: no plan called ${plan^^} ($(printf 'sk-%s' "$plan" | base64))"
  check "a refusal computed from a var and a secret names this upload's values ($plan)" \
    bash -c '[ "$STATUS" = 400 ] && jq -e --arg w "$0" ".errors[0].message | startswith(\$w)" <<<"$OUT" >/dev/null' "$want"
done

# A service worker throwing with a secret in its message: located in its script, the secret hidden.
printf '{"body_part":"worker.js","compatibility_date":"2025-01-01","bindings":[{"type":"secret_text","name":"API_KEY","text":"sk-very-secret-4711"}]}' >"$WORK/meta.json"
printf 'addEventListener("fetch", (e) => e.respondWith(new Response("sw")));\nthrow new Error("bad key " + API_KEY);\n' >"$WORK/worker.js"
api PUT "/accounts/$ACCT/workers/dispatch/namespaces/customers/scripts/t3" \
  -F "metadata=@$WORK/meta.json;type=application/json" \
  -F "worker.js=@$WORK/worker.js;filename=worker.js;type=application/javascript"
check "a service worker's start-up exception is refused, located in worker.js" \
  bash -c '[ "$STATUS" = 400 ] && jq -e ".errors[0].code == 10021 and (.errors[0].message | startswith(\"Uncaught Error: bad key \") and contains(\"\\n  at worker.js:2:\"))" <<<"$OUT" >/dev/null'
check "without the secret's value" bash -c '! grep -q "sk-very-secret-4711" <<<"$OUT" && grep -q "REDACTED" <<<"$OUT"'

# --- service bindings ------------------------------------------------------------------------------------------
c=$WORK/caller
project "$c" caller ',"services":[{"binding":"AUTH","service":"auth"}]'
printf 'export default {\n  async fetch(req, env) { const r = await env.AUTH.fetch(req); return new Response("auth said " + await r.text(), { status: r.status }); }\n};\n' >"$c/src/index.js"
deploy_in "$c"
check "a service binding to a worker that does not exist is refused at upload, as production does (10143)" \
  bash -c '[ "$1" = 1 ] && grep -q "Service binding .AUTH. references Worker .auth. which was not found" "$0" && grep -q 10143 "$0"' "$WORK/deploy.out" "$RC"
a=$WORK/auth
project "$a" auth
printf 'export default { fetch() { return new Response("yes") } };\n' >"$a/src/index.js"
deploy_in "$a"
deploy_in "$c"
check "once the bound worker exists, the caller deploys" test "$RC" = 0
check "and reaches it" until_ok 60 caller.localhost / "auth said yes"
api DELETE "/accounts/$ACCT/workers/scripts/auth?force=true"
check "the bound worker is deleted" status_is 200
until_status 500 60 caller.localhost /
check "then the caller answers 500 naming the missing worker" \
  bash -c '[ "$STATUS" = 500 ] && grep -q "service binding AUTH refers to the worker \"auth\", which does not exist" <<<"$OUT"'
wcall shop.localhost "$W/"
check "while the others keep answering" bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = v3 ]'
wcall disp.localhost "$W/t1"
check "tenants too" bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = t1 ]'

if [ "$FAILS" -ne 0 ]; then echo "--- a refused deploy"; cat "$WORK/refused.out"; echo "--- workers.log"; tail -n 40 "$STATE/workers.log"; echo "--- deploy.out"; cat "$WORK/deploy.out"; fi
finish
