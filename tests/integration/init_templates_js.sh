#!/usr/bin/env bash
# labels: integration;init
# timeout: 120
# The templates' workers behave as their READMEs say, run under node against in-memory fakes of the Workers
# runtime APIs they use (Durable Object container API and storage, dispatch namespace, KV, R2): routing by
# path/query/subdomain with the prefix stripped, one container per app id, _status/_restart/_metadata, sleep
# after idle, retry while a fresh container starts listening; X-User-ID dispatch with limits and 404 for an
# unknown user; the customer worker's KV and R2 operations; the tenant worker's vars, secret and KV counter.
set -euo pipefail
: "${TENANTCTL:?}"
command -v node >/dev/null || { echo "node is needed (scripts/setup.sh installs nodejs)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tenantctl-init-js.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config
unset TENANTCTL_TEMPLATES_DIR
for t in container-platform dispatcher tenant-worker; do
  "$TENANTCTL" init "$tmp/$t" --template "$t" --name "js-$t" >/dev/null
done
# The runtime's DurableObject base class, for node (the only import the workers have).
sed 's|^import { DurableObject } from "cloudflare:workers";$|class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }|' \
  "$tmp/container-platform/src/index.js" >"$tmp/router.mjs"
grep -q '^class DurableObject' "$tmp/router.mjs" || { echo "FAIL - the router worker's import line changed"; exit 1; }
cp "$tmp/dispatcher/src/index.js" "$tmp/dispatcher.mjs"
cp "$tmp/dispatcher/customer-worker/src/index.js" "$tmp/customer.mjs"
cp "$tmp/tenant-worker/src/index.js" "$tmp/tenant.mjs"

cat >"$tmp/test.mjs" <<'JS'
import assert from "node:assert/strict";
const dir = process.argv[2];
let failures = 0;
async function test(name, fn) {
  try { await fn(); console.log(`ok   - ${name}`); }
  catch (e) { failures++; console.log(`FAIL - ${name}: ${e.message}`); }
}
const body = async (r) => JSON.parse(await r.text());

// ---- container-platform ----
const router = await import(`${dir}/router.mjs`);
const { resolveApp, parseDuration, TenantApp } = router;

class FakeContainer {
  constructor() { this.running = false; this.starts = []; this.destroyed = []; this.failFetches = 0; this.seen = []; }
  start(options) { this.running = true; this.starts.push(options); }
  async destroy(reason) { this.running = false; this.destroyed.push(reason); }
  monitor() { return new Promise(() => {}); }
  getTcpPort(port) {
    return { fetch: async (req) => {
      if (this.failFetches > 0) { this.failFetches--; throw new Error("connection refused"); }
      this.seen.push({ port, tenant: req.headers.get("x-tenant-id"), url: req.url });
      const env = this.starts.at(-1).env;
      return new Response(JSON.stringify({ instance_id: env.TENANTCTL_INSTANCE_ID, tenant_id: env.TENANTCTL_TENANT_ID,
                                           path: new URL(req.url).pathname }));
    } };
  }
}
function fakeCtx() {
  const data = new Map();
  const ctx = { container: new FakeContainer(), alarm: null };
  ctx.storage = { get: async (k) => data.get(k), put: async (k, v) => { data.set(k, structuredClone(v)); },
                  setAlarm: async (t) => { ctx.alarm = t; } };
  return ctx;
}
const objects = new Map();
const env = { APP_PORT: "8080", SLEEP_AFTER: "10m", APP_DOMAIN: "localhost" };
env.TENANT_APP = {
  idFromName: (name) => `id:${name}`,
  get: (id) => { if (!objects.has(id)) objects.set(id, new TenantApp(fakeCtx(), env)); return objects.get(id); },
};
const call = (url, init) => router.default.fetch(new Request(url, init), env);

await test("resolveApp: path, query, subdomain, none, invalid", () => {
  assert.deepEqual(resolveApp(new URL("http://h/app/acme/x/y?z=1"), "localhost"), { id: "acme", path: "/x/y" });
  assert.deepEqual(resolveApp(new URL("http://h/app/acme"), "localhost"), { id: "acme", path: "/" });
  assert.deepEqual(resolveApp(new URL("http://h/p?appId=globex"), "localhost"), { id: "globex", path: "/p" });
  assert.deepEqual(resolveApp(new URL("http://acme.localhost:8787/q"), "localhost"), { id: "acme", path: "/q" });
  assert.deepEqual(resolveApp(new URL("http://a.b.localhost/"), "localhost"), {});
  assert.deepEqual(resolveApp(new URL("http://example.com/"), "localhost"), {});
  assert.ok(resolveApp(new URL("http://h/app/bad%20id/"), "localhost").error);
  assert.ok(resolveApp(new URL("http://h/?appId=a/b"), "localhost").error);
});
await test("parseDuration", () => {
  assert.equal(parseDuration("10m"), 600000);
  assert.equal(parseDuration("30s"), 30000);
  assert.equal(parseDuration("2h"), 7200000);
  assert.equal(parseDuration("15"), 15000);
});
let acme1;
await test("a request starts the tenant's container and reaches it without the /app/{id} prefix", async () => {
  const r = await call("http://h/app/acme/hello?x=1");
  assert.equal(r.status, 200);
  const b = await body(r);
  assert.equal(b.tenant_id, "acme");
  assert.equal(b.path, "/hello");
  acme1 = b.instance_id;
  const c = objects.get("id:acme").ctx.container;
  assert.equal(c.starts.length, 1);
  assert.equal(c.starts[0].env.PORT, "8080");
  assert.equal(c.seen[0].port, 8080);
  assert.equal(c.seen[0].tenant, "acme");
});
await test("same app id (path, query, subdomain) = same container; another id = another container", async () => {
  assert.equal((await body(await call("http://h/app/acme/"))).instance_id, acme1);
  assert.equal((await body(await call("http://h/?appId=acme"))).instance_id, acme1);
  assert.equal((await body(await call("http://acme.localhost/"))).instance_id, acme1);
  assert.equal(objects.get("id:acme").ctx.container.starts.length, 1);
  const g = await body(await call("http://h/app/globex/"));
  assert.equal(g.tenant_id, "globex");
  assert.notEqual(g.instance_id, acme1);
});
await test("no app id: 404 with examples; an invalid one: 400", async () => {
  const r = await call("http://example.com/");
  assert.equal(r.status, 404);
  assert.ok((await body(r)).examples.length > 0);
  assert.equal((await call("http://h/app/b%20d/")).status, 400);
});
await test("_status reports the running container", async () => {
  const s = await body(await call("http://h/app/acme/_status"));
  assert.equal(s.running, true);
  assert.equal(s.instance_id, acme1);
  assert.equal(s.requests, 4);
});
await test("_restart: GET refused, POST stops the container, the next request gets a new instance", async () => {
  const get = await call("http://h/app/acme/_restart");
  assert.equal(get.status, 405);
  assert.equal(get.headers.get("allow"), "POST");
  const r = await call("http://h/app/acme/_restart", { method: "POST" });
  assert.equal(r.status, 202);
  assert.equal((await body(r)).restarted, true);
  assert.equal(objects.get("id:acme").ctx.container.running, false);
  const b = await body(await call("http://h/app/acme/"));
  assert.notEqual(b.instance_id, acme1);
  assert.equal(objects.get("id:acme").ctx.container.starts.length, 2);
});
await test("_metadata: PUT a JSON object, GET it back; anything else refused", async () => {
  assert.deepEqual(await body(await call("http://h/app/acme/_metadata")), {});
  const put = await call("http://h/app/acme/_metadata", { method: "PUT", body: '{"plan":"pro"}' });
  assert.equal(put.status, 200);
  assert.deepEqual(await body(await call("http://h/app/acme/_metadata")), { plan: "pro" });
  assert.equal((await call("http://h/app/acme/_metadata", { method: "PUT", body: "[1]" })).status, 400);
  assert.equal((await call("http://h/app/acme/_metadata", { method: "PUT", body: "nope" })).status, 400);
  assert.equal((await call("http://h/app/acme/_metadata", { method: "DELETE" })).status, 405);
  assert.deepEqual(await body(await call("http://h/app/globex/_metadata")), {});
});
await test("every request pushes the sleep alarm back; the alarm stops an idle container only", async () => {
  const o = objects.get("id:globex");
  const before = Date.now();
  await call("http://h/app/globex/");
  assert.ok(o.ctx.alarm >= before + 600000);
  await o.alarm();
  assert.equal(o.ctx.container.running, true, "not idle yet");
  o.lastRequestAt = Date.now() - 600001;
  await o.alarm();
  assert.equal(o.ctx.container.running, false);
  assert.equal(o.ctx.container.destroyed.length, 1);
});
await test("a fresh container is retried until it listens; a running one that fails answers 503", async () => {
  const o = env.TENANT_APP.get(env.TENANT_APP.idFromName("slow"));
  o.ctx.container.failFetches = 3;
  const r = await call("http://h/app/slow/");
  assert.equal(r.status, 200);
  o.ctx.container.failFetches = 1;
  const r2 = await call("http://h/app/slow/");
  assert.equal(r2.status, 503);
  assert.equal(r2.headers.get("retry-after"), "2");
});

// ---- dispatcher ----
const dispatcher = (await import(`${dir}/dispatcher.mjs`)).default;
const dispatched = [];
const denv = {
  WORKER_PREFIX: "customer-", CPU_MS: 50, SUBREQUESTS: 50,
  DISPATCHER: { get: (name, args, options) => {
    dispatched.push({ name, options });
    return { fetch: async () => {
      if (!["customer-user1", "customer-user2"].includes(name)) throw new Error(`Worker not found: ${name}`);
      return new Response(name);
    } };
  } },
};
const dcall = (headers) => dispatcher.fetch(new Request("http://d/data", { headers }), denv);
await test("dispatcher: X-User-ID picks the customer's worker, with the limits", async () => {
  const r = await dcall({ "X-User-ID": "user1" });
  assert.equal(await r.text(), "customer-user1");
  assert.deepEqual(dispatched.at(-1).options, { limits: { cpuMs: 50, subRequests: 50 } });
  assert.equal(await (await dcall({ "X-User-ID": "User2" })).text(), "customer-user2");
});
await test("dispatcher: missing or invalid X-User-ID is 400, an unknown user 404", async () => {
  assert.equal((await dcall({})).status, 400);
  assert.equal((await dcall({ "X-User-ID": "../x" })).status, 400);
  const r = await dcall({ "X-User-ID": "user3" });
  assert.equal(r.status, 404);
  assert.match((await body(r)).error, /user3/);
});

// ---- customer worker ----
const customer = (await import(`${dir}/customer.mjs`)).default;
function fakeKV() {
  const m = new Map();
  return { put: async (k, v) => { m.set(k, v); }, delete: async (k) => { m.delete(k); },
           get: async (k, type) => (m.has(k) ? (type === "json" ? JSON.parse(m.get(k)) : m.get(k)) : null),
           list: async () => ({ keys: [...m.keys()].map((name) => ({ name })) }) };
}
function fakeR2() {
  const m = new Map();
  return { put: async (k, v, o) => { const data = new Uint8Array(await new Response(v).arrayBuffer()); m.set(k, { data, o }); },
           get: async (k) => (m.has(k) ? { body: m.get(k).data, httpMetadata: m.get(k).o?.httpMetadata } : null),
           delete: async (k) => { m.delete(k); },
           list: async () => ({ objects: [...m.entries()].map(([key, v]) => ({ key, size: v.data.length })) }) };
}
const cenv = { CUSTOMER: "user1", USER_KV: fakeKV(), USER_R2: fakeR2() };
const ccall = (path, init) => customer.fetch(new Request(`http://c${path}`, init), cenv);
await test("customer worker: data in its KV", async () => {
  const post = await ccall("/data", { method: "POST", body: JSON.stringify({ key: "settings", value: { theme: "dark" } }) });
  assert.equal(post.status, 201);
  assert.deepEqual(await body(await ccall("/data?key=settings")), { key: "settings", value: { theme: "dark" } });
  assert.deepEqual(await body(await ccall("/data")), { keys: ["settings"] });
  assert.equal((await ccall("/data?key=nope")).status, 404);
  assert.equal((await ccall("/data", { method: "POST", body: "{}" })).status, 400);
  await ccall("/data?key=settings", { method: "DELETE" });
  assert.equal((await ccall("/data?key=settings")).status, 404);
});
await test("customer worker: files in its R2, stats, health", async () => {
  const form = new FormData();
  form.set("key", "logo.txt");
  form.set("file", new Blob(["hello"], { type: "text/plain" }), "logo.txt");
  const up = await ccall("/files", { method: "POST", body: form });
  assert.equal(up.status, 201);
  const down = await ccall("/files?key=logo.txt");
  assert.equal(await down.text(), "hello");
  assert.equal(down.headers.get("content-type"), "text/plain");
  assert.deepEqual(await body(await ccall("/files")), { files: [{ key: "logo.txt", size: 5 }] });
  assert.deepEqual(await body(await ccall("/stats")), { customer: "user1", files: 1, bytes: 5, data_keys: 0 });
  assert.deepEqual(await body(await ccall("/")), { ok: true, customer: "user1" });
  assert.equal((await ccall("/nope")).status, 404);
});

// ---- tenant worker ----
const tenant = (await import(`${dir}/tenant.mjs`)).default;
await test("tenant worker: vars, secret presence, isolated KV counter, tenant id header", async () => {
  const tenv = { THEME: "dark", API_KEY: "k", TENANT_KV: fakeKV() };
  const b = await body(await tenant.fetch(new Request("http://t/", { headers: { "x-tenant-id": "acme" } }), tenv));
  assert.deepEqual(b, { tenant: "acme", theme: "dark", has_api_key: true, isolated: { kv: true, r2: false }, path: "/" });
  assert.ok(!JSON.stringify(b).includes('"k"'), "the secret value is not shown");
  await tenant.fetch(new Request("http://t/counter"), tenv);
  assert.equal((await body(await tenant.fetch(new Request("http://t/counter"), tenv))).counter, 2);
  const plain = await body(await tenant.fetch(new Request("http://t/"), {}));
  assert.equal(plain.theme, "light");
  assert.equal(plain.has_api_key, false);
});

if (failures) { console.log(`${failures} check(s) failed`); process.exit(1); }
console.log("all checks passed");
JS
node "$tmp/test.mjs" "$tmp"
