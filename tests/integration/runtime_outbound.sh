#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# Outbound workers in `tenantctl dev`: a dispatcher whose dispatch namespace binding names an outbound worker
# (`outbound = { service = "egress", parameters = ["customer_context"] }`) and passes each tenant its own
# value through get(); every fetch() of a tenant it dispatches is answered by the outbound worker, which sees
# the dispatcher's value for that tenant in env and can block a host (the tenant gets its 403) or pass the
# request on to a server on 127.0.0.1. A tenant cannot forge the parameters, reach the outbound worker's
# bindings, or send a request around it; connect() is refused. A binding to the same namespace without an
# outbound worker, and a namespace without one, keep fetch() as it was (workerd's internet: no loopback); a
# binding naming an outbound worker that does not exist fails the tenant's fetch() with an error naming it.
# fetch() calls in an RPC method the dispatcher calls on get()'s stub go through the outbound worker as well.
# The subrequest limit still counts each fetch() of the tenant once; the outbound worker's own fetches are
# not the tenant's. No request leaves 127.0.0.0/8: the outbound worker answers the hosts it is asked for.
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev_workers
tc() { "$TENANTCTL" --local "$@"; }

# A server on 127.0.0.1 for the outbound worker to pass requests on to.
mkdir -p "$WORK/www"
echo "upstream file" >"$WORK/www/hello.txt"
python3 -u -m http.server 0 --bind 127.0.0.1 --directory "$WORK/www" >"$WORK/upstream.log" 2>&1 &
UP_PID=$!
trap 'kill "$UP_PID" 2>/dev/null || true; cleanup' EXIT
for _ in $(seq 1 100); do grep -q "port" "$WORK/upstream.log" && break; sleep 0.05; done
UP_PORT=$(grep -o 'port [0-9]*' "$WORK/upstream.log" | head -n1 | grep -o '[0-9]*')
check "the upstream server listens" test -n "$UP_PORT"

tc dispatch-namespace create production >/dev/null
tc dispatch-namespace create plain >/dev/null

# The outbound worker: an account worker with a variable the tenants must not see.
e=$WORK/egress
mkdir -p "$e"
cat >"$e/index.js" <<'JS'
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.hostname === "blocked.example") return new Response(`blocked for ${env.customer_context}`, { status: 403 });
    if (url.hostname === "upstream.test") return fetch(`http://127.0.0.1:${env.UPSTREAM_PORT}${url.pathname}`);
    return Response.json({ url: request.url, customer_context: env.customer_context ?? null, from: request.headers.get("x-from"),
      params: request.headers.get("x-tenantctl-params"), token: env.EGRESS_TOKEN });
  },
};
JS
cat >"$e/wrangler.toml" <<TOML
name = "egress"
main = "index.js"
compatibility_date = "2026-01-01"
[vars]
UPSTREAM_PORT = "$UP_PORT"
EGRESS_TOKEN = "egress-only"
TOML
(cd "$e" && tc deploy) >"$WORK/e.out" 2>&1 || { cat "$WORK/e.out"; exit 1; }

# The dispatcher: /out/NAME/… through the binding with the outbound worker (limits: 3 subrequests), /raw/NAME/…
# through a binding to the same namespace without one, /plain/NAME/… to another namespace, /ghost/NAME/…
# through a binding naming an outbound worker that does not exist.
d=$WORK/dispatch
mkdir -p "$d"
cat >"$d/index.js" <<'JS'
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const [, via, name, ...rest] = url.pathname.split("/");
    const inner = new Request(new URL("/" + rest.join("/") + url.search, url), request);
    const opts = { outbound: { customer_context: `ctx-${name}`, not_a_parameter: "dropped" }, limits: { subRequests: 3 } };
    const binding = { out: env.DISPATCHER, raw: env.RAW, plain: env.PLAIN, ghost: env.GHOST, rpc: env.DISPATCHER, rpcraw: env.RAW }[via];
    if (!binding) return new Response("no such binding", { status: 404 });
    if (via.startsWith("rpc")) {  // JS RPC on the stub get() returns: a method that fetches, a property, a missing method
      const stub = binding.get(name, {}, opts);
      const missing = await stub.nope().then(() => "called", (e) => e.message);
      const reserved = await stub.alarm().then(() => "called", (e) => e.message);
      const boom = await stub.boom().then(() => "no error", (e) => e.message);
      const plan = await Promise.resolve(stub.plan).catch((e) => "error: " + e.message);
      const nested = await Promise.resolve().then(() => stub.nested.hello()).catch((e) => "error: " + e.message);
      return Response.json({ many: await stub.many(url.searchParams.get("u")), plan, nested, missing, reserved, boom });
    }
    try {
      return await binding.get(name, {}, opts).fetch(inner);
    } catch (err) {
      return new Response(`dispatch failed: ${err.message}`, { status: 502 });
    }
  },
};
JS
cat >"$d/wrangler.toml" <<'TOML'
name = "disp"
main = "index.js"
compatibility_date = "2026-01-01"
[[dispatch_namespaces]]
binding = "DISPATCHER"
namespace = "production"
outbound = { service = "egress", parameters = ["customer_context"] }
[[dispatch_namespaces]]
binding = "RAW"
namespace = "production"
[[dispatch_namespaces]]
binding = "PLAIN"
namespace = "plain"
[[dispatch_namespaces]]
binding = "GHOST"
namespace = "production"
outbound = { service = "ghost", parameters = ["customer_context"] }
TOML
(cd "$d" && tc deploy) >"$WORK/d.out" 2>&1 || { cat "$WORK/d.out"; exit 1; }

# The tenants: /?u=URL fetches URL and answers with what came back (or the error); /many?u=URL fetches it five
# times; /forge sends the runtime's own headers with made-up values; /early uses the fetch() it kept from
# before the runtime's shim; /connect opens a TCP socket; /env lists its bindings.
t=$WORK/tenant
mkdir -p "$t"
cat >"$t/index.js" <<'JS'
import { connect } from "cloudflare:sockets";
const early = globalThis.fetch;
async function get(f, target, init) {
  try {
    const r = await f(target, init);
    return { status: r.status, body: await r.text() };
  } catch (e) {
    return { error: e.message };
  }
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const target = url.searchParams.get("u");
    const init = { headers: { "x-from": env.NAME } };
    if (url.pathname === "/env") return Response.json(Object.keys(env));
    if (url.pathname === "/many") {
      const out = [];
      for (let i = 0; i < 5; i++) out.push(await get(fetch, target, init));
      return Response.json(out);
    }
    if (url.pathname === "/forge")
      return Response.json(await get(fetch, target, { headers: { "x-from": env.NAME,
        "x-tenantctl-params": encodeURIComponent(JSON.stringify({ customer_context: "forged" })),
        "x-tenantctl-outbound": "0".repeat(64) + "." + encodeURIComponent(JSON.stringify({ s: "n:production:" + env.NAME, o: "", p: {} })) } }));
    if (url.pathname === "/early") return Response.json(await get(early, target, init));
    if (url.pathname === "/connect") {
      try {
        const s = connect("example.com:80");
        await s.opened;
        return Response.json({ connected: true });
      } catch (e) {
        return Response.json({ error: e.message });
      }
    }
    return Response.json(await get(fetch, target, init));
  },
};
JS
deploy_tenant() {  # NAMESPACE NAME
  printf '{"name":"%s","main":"index.js","compatibility_date":"2026-01-01","vars":{"NAME":"%s"}}' "$2" "$2" >"$t/wrangler.json"
  (cd "$t" && tc deploy --dispatch-namespace "$1") >"$WORK/t.out" 2>&1 || { cat "$WORK/t.out"; exit 1; }
}
deploy_tenant production acme
deploy_tenant production globex
deploy_tenant plain solo
# A tenant whose RPC method fetch()es: those calls go out through the outbound worker too, with the limits.
r=$WORK/rpc-tenant
mkdir -p "$r"
cat >"$r/index.js" <<'JS'
import { RpcTarget, WorkerEntrypoint } from "cloudflare:workers";
class Nested extends RpcTarget {
  hello() { return "hello from nested"; }
}
export default class extends WorkerEntrypoint {
  fetch() { return new Response("initech"); }
  get plan() { return "gold"; }
  get nested() { return new Nested(); }
  async boom() { throw new RangeError(`boom from ${this.env.NAME}`); }
  async many(u) {
    const out = [];
    for (let i = 0; i < 5; i++) {
      try {
        const res = await fetch(u, { headers: { "x-from": this.env.NAME } });
        out.push({ status: res.status, body: await res.text() });
      } catch (e) {
        out.push({ error: e.message });
      }
    }
    return out;
  }
}
JS
printf '{"name":"initech","main":"index.js","compatibility_date":"2026-01-01","vars":{"NAME":"initech"}}' >"$r/wrangler.json"
(cd "$r" && tc deploy --dispatch-namespace production) >"$WORK/r.out" 2>&1 || { cat "$WORK/r.out"; exit 1; }
# The same method in an object-style tenant (workerd passes env and ctx after the arguments).
o=$WORK/rpc-object
mkdir -p "$o"
cat >"$o/index.js" <<'JS'
export default {
  fetch() { return new Response("hooli"); },
  async boom(arg, env, ctx) { throw new RangeError(`boom from ${env.NAME}`); },
  async many(u, env, ctx) {
    const out = [];
    for (let i = 0; i < 5; i++) {
      try {
        const res = await fetch(u, { headers: { "x-from": env.NAME } });
        out.push({ status: res.status, body: await res.text() });
      } catch (e) {
        out.push({ error: e.message });
      }
    }
    return out;
  },
};
JS
printf '{"name":"hooli","main":"index.js","compatibility_date":"2026-01-01","vars":{"NAME":"hooli"}}' >"$o/wrangler.json"
(cd "$o" && tc deploy --dispatch-namespace production) >"$WORK/o.out" 2>&1 || { cat "$WORK/o.out"; exit 1; }

q() { jq -rn --arg v "$1" '$v|@uri'; }
jqe() { jq -e "$1" <<<"$OUT" >/dev/null; }
check "the dispatcher answers once deployed" until_ok 60 disp.localhost "/out/acme/?u=$(q http://example.com/x)" '"status":200'
check "tenant A's fetch(\"http://example.com/x\") is answered by the outbound worker, with A's customer_context" \
  jqe '.status == 200 and (.body | fromjson | .url == "http://example.com/x" and .customer_context == "ctx-acme" and .from == "acme" and .params == null)'
wcall disp.localhost "$W/out/globex/?u=$(q https://api.example.com/v1?q=1)"
check "tenant B's fetch() sees B's customer_context (and its https URL as it was)" \
  jqe '.body | fromjson | .url == "https://api.example.com/v1?q=1" and .customer_context == "ctx-globex" and .from == "globex"'
wcall disp.localhost "$W/out/acme/?u=$(q http://blocked.example/)"
check "the outbound worker blocks a host: the tenant gets its 403" \
  jqe '.status == 403 and .body == "blocked for ctx-acme"'
wcall disp.localhost "$W/out/globex/?u=$(q http://upstream.test/hello.txt)"
check "the outbound worker passes a request on to a server on 127.0.0.1" \
  jqe '.status == 200 and .body == "upstream file\n"'

wcall disp.localhost "$W/out/acme/forge?u=$(q http://example.com/f)"
check "a tenant cannot forge the parameters or the dispatch context (its made-up headers are replaced)" \
  jqe '.status == 200 and (.body | fromjson | .customer_context == "ctx-acme" and .params == null)'
wcall disp.localhost "$W/out/acme/env"
check "the tenant's env holds its own bindings only (not the outbound worker's)" jqe '. == ["NAME"]'
wcall disp.localhost "$W/out/acme/early?u=$(q http://example.com/e)"
check "a fetch() kept from before the runtime's shim does not go around the outbound worker: refused" \
  jqe '.status == 502 and (.body | contains("carries no dispatch context"))'
wcall disp.localhost "$W/out/acme/connect"
check "connect() is refused to a tenant with an outbound worker" jqe '.connected != true and (.error | length > 0)'

wcall disp.localhost "$W/out/acme/many?u=$(q http://example.com/n)"
check "subRequests 3: three fetch() calls reach the outbound worker, the fourth rejects with \"Too many subrequests.\"" \
  jqe '(.[0:3] | all(.status == 200)) and (.[3:] | all(.error == "Too many subrequests."))'
wcall disp.localhost "$W/out/globex/many?u=$(q http://upstream.test/hello.txt)"
check "the outbound worker's own fetch() calls are not the tenant's: three pass-throughs, three answers" \
  jqe '(.[0:3] | all(.status == 200 and .body == "upstream file\n")) and (.[3:] | all(.error == "Too many subrequests."))'

wcall disp.localhost "$W/rpc/initech/?u=$(q http://example.com/r)"
check "an RPC method's fetch() calls go to the outbound worker with the tenant's customer_context; the fourth rejects (subRequests 3)" \
  jqe '(.many[0:3] | all(.status == 200 and (.body | fromjson | .customer_context == "ctx-initech" and .from == "initech"))) and (.many[3:] | all(.error == "Too many subrequests."))'
check "a property of the stub is read as before, a method at a property path is called, and a missing method is refused" \
  jqe '.plan == "gold" and .nested == "hello from nested" and (.missing | contains("does not implement the method \"nope\""))'
check "a reserved method is refused in workerd's words; an error the method throws reaches the caller as thrown" \
  jqe '(.reserved | contains("reserved method")) and .boom == "boom from initech"'
wcall disp.localhost "$W/rpc/hooli/?u=$(q http://example.com/o)"
check "an object-style tenant's RPC method: env after its arguments, its fetch() calls through the outbound worker, limits counted" \
  jqe '(.many[0:3] | all(.status == 200 and (.body | fromjson | .customer_context == "ctx-hooli" and .from == "hooli"))) and (.many[3:] | all(.error == "Too many subrequests.")) and .boom == "boom from hooli"'
until_in() {  # FILE TEXT SECONDS
  local end=$((SECONDS + $3))
  while [ $SECONDS -lt $end ]; do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done
  return 1
}
tc tenants tail initech --namespace production --format json >"$WORK/rpc-tail.out" 2>"$WORK/rpc-tail.err" &
TAIL_PID=$!
sleep 1
for _ in $(seq 1 20); do
  wcall disp.localhost "$W/rpc/initech/?u=$(q http://example.com/t)"
  until_in "$WORK/rpc-tail.out" '"rpcMethod":"many"' 1 && break
done
kill "$TAIL_PID" 2>/dev/null || true
wait "$TAIL_PID" 2>/dev/null || true
check "the tail record of such a call names the method, as production's does (and not the runtime's own marker)" \
  bash -c 'grep -q "\"rpcMethod\":\"many\"" "$0" && ! grep -q "rpc-method\|__tenantctl_call" "$0"' "$WORK/rpc-tail.out"
[ "$FAILS" = 0 ] || head -c 3000 "$WORK/rpc-tail.out"
check "the runtime's marker line is not in workers.log" bash -c '! grep -q "tenantctl:rpc-method" "$0"' "$STATE/workers.log"
wcall disp.localhost "$W/rpcraw/initech/?u=$(q "http://127.0.0.1:$UP_PORT/hello.txt")"
check "through a binding without an outbound worker, an RPC method's fetch() calls count against the limits too" \
  jqe '(.many[0:3] | all(.error != "Too many subrequests.")) and (.many[3:] | all(.error == "Too many subrequests."))'

wcall disp.localhost "$W/raw/acme/?u=$(q "http://127.0.0.1:$UP_PORT/hello.txt")"
check "a binding without an outbound worker: fetch() goes out as before, not to the outbound worker (no loopback)" \
  jqe 'has("error") and (.body == null)'
wcall disp.localhost "$W/plain/solo/?u=$(q "http://127.0.0.1:$UP_PORT/hello.txt")"
check "a namespace without outbound workers: fetch() as before (workerd's internet refuses loopback)" \
  jqe 'has("error") and (.body == null)'
plain_block=$(grep -h '(name = "n:plain:solo", worker' "$STATE"/runtime/tenants-*.capnp 2>/dev/null | head -n1 || true)
check "…and its tenant's worker has no egress worker" bash -c '[ -n "$0" ] && ! grep -q "globalOutbound" <<<"$0"' "$plain_block"
wcall disp.localhost "$W/ghost/acme/?u=$(q http://example.com/g)"
check "an outbound worker that does not exist: the tenant's fetch() fails naming it" \
  jqe '.error == "fetch() refused: the outbound worker \"ghost\" of this dispatch namespace binding does not exist on this platform"'
check "tenantctl dev warns about it" grep -q 'names the outbound worker ghost, which does not exist' "$WORK/dev.stderr" "$STATE/workers.log"

# A new version of the outbound worker is what the tenants' fetch() calls reach next.
sed -i 's/blocked for/now blocked for/' "$e/index.js"
(cd "$e" && tc deploy) >"$WORK/e2.out" 2>&1 || { cat "$WORK/e2.out"; exit 1; }
check "a re-deployed outbound worker answers the next fetch()" \
  until_ok 60 disp.localhost "/out/acme/?u=$(q http://blocked.example/)" 'now blocked for ctx-acme'
if [ "$FAILS" -ne 0 ]; then echo "--- workers.log"; tail -n 40 "$STATE/workers.log" 2>/dev/null || true; tail -n 40 "$WORK/dev.stderr"; fi
finish
