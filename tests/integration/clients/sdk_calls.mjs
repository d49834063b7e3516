// The official `cloudflare` TypeScript SDK against `tenantctl dev` (run by clients_compat.sh).
// usage: node sdk_calls.mjs PATH/TO/cloudflare/index.js
// Env: CLOUDFLARE_API_BASE_URL (the SDK's base URL: Prism in front of the platform), CLOUDFLARE_API_TOKEN,
// CLOUDFLARE_ACCOUNT_ID, SDK_READBACK (the platform's own API URL, for reading results back), SDK_LABEL.
// Prints one line per row: "ok LABEL", "FAIL LABEL: why" or "known LABEL (reason)", then "done".
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const sdk = require(process.argv[2]);
const Cloudflare = sdk.Cloudflare ?? sdk.default ?? sdk;
const { toFile } = sdk;
const version = require(process.argv[2].replace(/index\.js$/, "version.js")).VERSION;
const major = Number(version.split(".")[0]);

const account_id = process.env.CLOUDFLARE_ACCOUNT_ID;
const token = process.env.CLOUDFLARE_API_TOKEN;
const readback = process.env.SDK_READBACK;
const cf = new Cloudflare({ apiToken: token, baseURL: process.env.CLOUDFLARE_API_BASE_URL, maxRetries: 0 });
const tag = `v${major}`;
// The subset declares the WfP script content 200 with the media type "string", on which Prism 5.14.2 crashes
// (TypeError: invalid media type; see platform_contract.sh): that one call goes to the platform directly.
const cfDirect = new Cloudflare({ apiToken: token, baseURL: readback, maxRetries: 0 });

// GET from the platform directly: {status, json | text}.
async function back(path) {
  const r = await fetch(readback + path, { headers: { Authorization: `Bearer ${token}` } });
  const text = await r.text();
  let json = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: r.status, text, json, headers: r.headers };
}
function expect(cond, what) {
  if (!cond) throw new Error(what);
}
async function row(label, fn) {
  try {
    await fn();
    console.log(`ok ${label}`);
  } catch (e) {
    const detail = e?.errors ? ` ${JSON.stringify(e.errors)}` : "";
    console.log(`FAIL ${label}: ${e?.message ?? e}${detail}`.split("\n").slice(0, 4).join(" | "));
  }
}
async function knownRow(label, reason, fn) {
  try {
    await fn();
    console.log(`FAIL ${label} passes now: drop it from README's list of rows that cannot pass`);
  } catch {
    console.log(`known ${label} (${reason})`);
  }
}
const A = `/accounts/${account_id}`;
const module = (text) => `export default { fetch() { return new Response(${JSON.stringify(text)}) } }`;
// Arguments of a sub-resource call: SDK 6.x takes the parent ids first (ns, script, …, params), SDK 7.x the
// innermost id first and the parents in params ({dispatch_namespace, script_name, namespace_id}).
const at = (parents, id, params) =>
  major >= 7 ? [id, { ...params, ...Object.fromEntries(parents) }] : [...parents.map(([, v]) => v), id, params];
const file = (text, name, type = "application/javascript+module") => toFile(Buffer.from(text), name, { type });

// --- identity ---------------------------------------------------------------------------------------------
await row("user.tokens.verify", async () => {
  const v = await cf.user.tokens.verify();
  expect(v.status === "active", `status ${v.status}`);
});
await row("accounts.list", async () => {
  const ids = [];
  for await (const a of cf.accounts.list()) ids.push(a.id);
  expect(ids.includes(account_id), `accounts ${ids}`);
});

// --- dispatch namespaces and their scripts ----------------------------------------------------------------
const ns = `sdk-${tag}`;
const NS = `${A}/workers/dispatch/namespaces/${ns}`;
await row("dispatch namespaces create", async () => {
  await cf.workersForPlatforms.dispatch.namespaces.create({ account_id, name: ns });
  expect((await back(NS)).json?.result?.namespace_name === ns, "not created");
});
await row("dispatch namespaces list", async () => {
  const names = [];
  for await (const n of cf.workersForPlatforms.dispatch.namespaces.list({ account_id })) names.push(n.namespace_name);
  expect(names.includes(ns), `namespaces ${names}`);
});
await row("dispatch namespaces get", async () => {
  const n = await cf.workersForPlatforms.dispatch.namespaces.get(ns, { account_id });
  expect(n.namespace_name === ns, JSON.stringify(n));
});

const scripts = cf.workersForPlatforms.dispatch.namespaces.scripts;
const metadata = { main_module: "worker.js", compatibility_date: "2025-01-01", tags: ["customer-1"] };
if (major >= 7) {
  // SDK 7.x sends its multipart form (bracket-named metadata[...] fields) under Content-Type
  // application/javascript; Cloudflare answers 400 code 10021 and so must the platform.
  for (const [label, call, path] of [
    ["WfP script upload (SDK 7.x format) refused with 10021 as in production",
      async () => scripts.update(...at([["dispatch_namespace", ns]], "t7", { account_id, metadata, files: [await file(module("t7"), "worker.js")] })), `${NS}/scripts/t7`],
    ["account script upload (SDK 7.x format) refused with 10021 as in production",
      async () => cf.workers.scripts.update("sdk-w7", { account_id, metadata, files: [await file(module("w7"), "worker.js")] }), `${A}/workers/scripts/sdk-w7/settings`],
  ])
    await row(label, async () => {
      let error = null;
      try {
        await call();
      } catch (e) {
        error = e;
      }
      expect(error && error.status === 400, `expected a 400, got ${error?.status ?? "success"}`);
      expect(error.errors?.[0]?.code === 10021, `code ${JSON.stringify(error.errors)}`);
      expect((await back(path)).status === 404, "a script was stored anyway");
    });
  // The same SDK with the Content-Type a multipart body needs: the form's fields are bracket-named.
  await knownRow("script upload (SDK 7.x) with a multipart Content-Type", "metadata sent as metadata[...] form fields, not one JSON part", async () => {
    const body = await file(module("t7b"), "worker.js");
    await scripts.update(...at([["dispatch_namespace", ns]], "t7b", { account_id, metadata, files: [body] }), { headers: { "Content-Type": null } });
    expect((await back(`${NS}/scripts/t7b`)).status === 200, "not stored");
  });
} else {
  // SDK 6.x: one JSON metadata part, every module in a part named `files` (the file name is the module name).
  await row("WfP script upload (SDK 6.x `files` parts)", async () => {
    await scripts.update(...at([["dispatch_namespace", ns]], "t6", { account_id, metadata, files: [await file(module("hello t6"), "worker.js")] }));
    const c = await back(`${NS}/scripts/t6/content`);
    expect(c.text.includes("hello t6"), `content ${c.status} ${c.text.slice(0, 80)}`);
  });
  await row("account script upload (SDK 6.x `files` parts)", async () => {
    await cf.workers.scripts.update("sdk-w6", { account_id, metadata, files: [await file(module("hello w6"), "worker.js")] });
    const c = await back(`${A}/workers/scripts/sdk-w6/content/v2`);
    expect(c.text.includes("hello w6"), `content ${c.status}`);
  });
}

// The Workers for Platforms template's upload: a JSON metadata file part and one part named `script` whose
// file name is the module name.
const wfpScript = `t-${tag}`;
await row("WfP script upload (Workers for Platforms template format)", async () => {
  const form = new FormData();
  const md = { main_module: `${wfpScript}.mjs`, compatibility_date: "2025-01-01", tags: ["customer-1"],
    bindings: [{ type: "plain_text", name: "GREETING", text: "hi" }] };
  form.append("metadata", new File([JSON.stringify(md)], "metadata.json", { type: "application/json" }));
  form.append("script", new File([module(`hello ${wfpScript}`)], `${wfpScript}.mjs`, { type: "application/javascript+module" }));
  const r = await fetch(`${process.env.CLOUDFLARE_API_BASE_URL}${NS}/scripts/${wfpScript}`,
    { method: "PUT", headers: { Authorization: `Bearer ${token}` }, body: form });
  expect(r.ok, `status ${r.status} ${await r.text()}`);
  const c = await back(`${NS}/scripts/${wfpScript}/content`);
  expect(c.text.includes(`hello ${wfpScript}`), `content ${c.status}`);
});
await row("WfP scripts get", async () => {
  const s = await scripts.get(...at([["dispatch_namespace", ns]], wfpScript, { account_id }));
  expect(s.script?.id === wfpScript, JSON.stringify(s));
});
await row("WfP scripts content get", async () => {
  const r = await cfDirect.workersForPlatforms.dispatch.namespaces.scripts.content.get(...at([["dispatch_namespace", ns]], wfpScript, { account_id }));
  const text = typeof r === "string" ? r : await r.text();
  expect(text.includes(`hello ${wfpScript}`), text.slice(0, 80));
});
await (major >= 7 ? (l, f) => knownRow(l, "settings sent as settings[...] form fields, not one JSON part", f) : row)("WfP script settings get/edit", async () => {
  await scripts.settings.edit(...at([["dispatch_namespace", ns]], wfpScript, { account_id, settings: { logpush: false, compatibility_date: "2025-06-01" } }));
  const s = await scripts.settings.get(...at([["dispatch_namespace", ns]], wfpScript, { account_id }));
  expect(s.compatibility_date === "2025-06-01", JSON.stringify(s));
  expect((await back(`${NS}/scripts/${wfpScript}/settings`)).json.result.compatibility_date === "2025-06-01", "read back");
});
await row("WfP script bindings get", async () => {
  const b = await scripts.bindings.get(...at([["dispatch_namespace", ns]], wfpScript, { account_id }));
  const list = Array.isArray(b) ? b : b.result ?? [];
  expect(list.some((x) => x.name === "GREETING"), JSON.stringify(b));
});
await row("WfP script tags update/list/delete", async () => {
  await scripts.tags.update(...at([["dispatch_namespace", ns]], wfpScript, { account_id, body: ["plan-pro", "customer-1"] }));
  const tags = [];
  for await (const t of scripts.tags.list(...at([["dispatch_namespace", ns]], wfpScript, { account_id }))) tags.push(t);
  expect(tags.includes("plan-pro"), `tags ${tags}`);
  await scripts.tags.delete(...at([["dispatch_namespace", ns], ["script_name", wfpScript]], "plan-pro", { account_id }));
  const now = (await back(`${NS}/scripts/${wfpScript}/tags`)).json.result;
  expect(!now.includes("plan-pro") && now.includes("customer-1"), `read back ${now}`);
});
await row("WfP script secrets update/list/get/delete", async () => {
  await scripts.secrets.update(...at([["dispatch_namespace", ns]], wfpScript, { account_id, name: "API_KEY", text: "sdk-secret", type: "secret_text" }));
  const names = [];
  for await (const s of scripts.secrets.list(...at([["dispatch_namespace", ns]], wfpScript, { account_id }))) names.push(s.name);
  expect(names.includes("API_KEY"), `secrets ${names}`);
  const one = await scripts.secrets.get(...at([["dispatch_namespace", ns], ["script_name", wfpScript]], "API_KEY", { account_id }));
  expect(one.name === "API_KEY" && !("text" in one), JSON.stringify(one));
  await scripts.secrets.delete(...at([["dispatch_namespace", ns], ["script_name", wfpScript]], "API_KEY", { account_id }));
  expect((await back(`${NS}/scripts/${wfpScript}/secrets`)).json.result.length === 0, "not deleted");
});
await row("WfP scripts delete", async () => {
  await scripts.delete(...at([["dispatch_namespace", ns]], wfpScript, { account_id, force: true }));
  expect((await back(`${NS}/scripts/${wfpScript}`)).status === 404, "still there");
});

// --- account workers: upload (raw service worker), versions, deployments, secrets ------------------------
const w = `sdk-acct-${tag}`;
await row("account worker: create (PUT content, service-worker body)", async () => {
  const r = await fetch(`${process.env.CLOUDFLARE_API_BASE_URL}${A}/workers/scripts/${w}`, {
    method: "PUT", headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/javascript" },
    body: `addEventListener("fetch", (e) => e.respondWith(new Response("sw ${w}")))`,
  });
  expect(r.ok, `status ${r.status}`);
  expect((await back(`${A}/workers/scripts/${w}/content/v2`)).text.includes(`sw ${w}`), "content");
});
await row("workers.scripts.list", async () => {
  const ids = [];
  for await (const s of cf.workers.scripts.list({ account_id })) ids.push(s.id);
  expect(ids.includes(w), `scripts ${ids}`);
});
await row("workers.scripts.get (download)", async () => {
  const r = await cf.workers.scripts.get(w, { account_id });
  const text = typeof r === "string" ? r : await r.text();
  expect(text.includes(`sw ${w}`), text.slice(0, 80));
});
if (cf.workers.scripts.secrets)
  await row("workers.scripts.secrets update/list/delete", async () => {
    await cf.workers.scripts.secrets.update(w, { account_id, name: "TOKEN", text: "t", type: "secret_text" });
    const names = [];
    for await (const s of cf.workers.scripts.secrets.list(w, { account_id })) names.push(s.name);
    expect(names.includes("TOKEN"), `secrets ${names}`);
    await cf.workers.scripts.secrets.delete(...at([["script_name", w]], "TOKEN", { account_id }));
    expect((await back(`${A}/workers/scripts/${w}/secrets`)).json.result.length === 0, "not deleted");
  });
const versionUpload = async () => cf.workers.scripts.versions.create(w, {
  account_id, metadata: { main_module: "v.js", compatibility_date: "2025-01-01", annotations: { "workers/message": "sdk" } },
  files: [await file(module(`version of ${w}`), "v.js")],
});
let versionId = null;
if (major >= 7) {
  await knownRow("workers.scripts.versions.create (SDK 7.x)", "metadata sent as metadata[...] form fields, not one JSON part", async () => {
    versionId = (await versionUpload()).id;
  });
} else {
  await row("workers.scripts.versions.create", async () => {
    const v = await versionUpload();
    versionId = v.id;
    expect((await back(`${A}/workers/scripts/${w}/versions/${v.id}`)).json?.result?.id === v.id, "read back");
  });
}
if (!versionId) {
  // A version by another route (an upload), so that versions and deployments can be read.
  const r = await back(`${A}/workers/scripts/${w}/versions`);
  versionId = r.json?.result?.items?.[0]?.id ?? null;
}
await row("workers.scripts.versions.list/get", async () => {
  const ids = [];
  for await (const v of cf.workers.scripts.versions.list(w, { account_id })) ids.push(v.id);
  expect(ids.includes(versionId), `versions ${ids}`);
  const v = await cf.workers.scripts.versions.get(...at([["script_name", w]], versionId, { account_id }));
  expect(v.id === versionId, JSON.stringify(v).slice(0, 200));
});
await row("workers.scripts.deployments.create/list", async () => {
  const d = await cf.workers.scripts.deployments.create(w, {
    account_id, strategy: "percentage", versions: [{ version_id: versionId, percentage: 100 }],
  });
  const list = await cf.workers.scripts.deployments.list(w, { account_id });
  // 7.x pages over result.items, which this list does not have: its deployments are in the page's result.
  const deps = list.deployments ?? list.result?.deployments;
  expect(deps[0].id === d.id, JSON.stringify(list).slice(0, 200));
  const rb = (await back(`${A}/workers/scripts/${w}/deployments`)).json.result.deployments[0];
  expect(rb.versions[0].version_id === versionId, "read back");
});
await row("workers.scripts.delete", async () => {
  await cf.workers.scripts.delete(w, { account_id, force: true });
  expect((await back(`${A}/workers/scripts/${w}/settings`)).status === 404, "still there");
});

// --- KV ---------------------------------------------------------------------------------------------------
let kv = null;
await row("kv namespaces create", async () => {
  kv = (await cf.kv.namespaces.create({ account_id, title: `sdk-kv-${tag}` })).id;
  expect((await back(`${A}/storage/kv/namespaces/${kv}`)).json.result.title === `sdk-kv-${tag}`, "read back");
});
await row("kv namespaces create: a duplicate title is 400 code 10014", async () => {
  let error = null;
  try {
    await cf.kv.namespaces.create({ account_id, title: `sdk-kv-${tag}` });
  } catch (e) {
    error = e;
  }
  expect(error?.status === 400 && error.errors?.[0]?.code === 10014, `got ${error?.status} ${JSON.stringify(error?.errors)}`);
});
await row("kv namespaces list (per_page 1000, all pages)", async () => {
  const titles = [];
  for await (const n of cf.kv.namespaces.list({ account_id, per_page: 1000 })) titles.push(n.title);
  expect(titles.includes(`sdk-kv-${tag}`), `titles ${titles}`);
});
await row("kv namespaces update (rename)", async () => {
  await cf.kv.namespaces.update(kv, { account_id, title: `sdk-kv-${tag}-2` });
  expect((await back(`${A}/storage/kv/namespaces/${kv}`)).json.result.title === `sdk-kv-${tag}-2`, "read back");
});
await row("kv values update (with metadata) / get", async () => {
  await cf.kv.namespaces.values.update(...at([["namespace_id", kv]], "greeting", { account_id, value: "hello", metadata: JSON.stringify({ lang: "en" }) }));
  const r = await cf.kv.namespaces.values.get(...at([["namespace_id", kv]], "greeting", { account_id }));
  const text = typeof r === "string" ? r : await r.text();
  expect(text === "hello", text);
  expect((await back(`${A}/storage/kv/namespaces/${kv}/values/greeting`)).text === "hello", "read back");
});
await row("kv metadata get", async () => {
  const m = await cf.kv.namespaces.metadata.get(...at([["namespace_id", kv]], "greeting", { account_id }));
  expect(m?.lang === "en", JSON.stringify(m));
});
await row("kv keys list", async () => {
  const names = [];
  for await (const k of cf.kv.namespaces.keys.list(kv, { account_id })) names.push(k.name);
  expect(names.includes("greeting"), `keys ${names}`);
});
await row("kv bulkUpdate", async () => {
  await cf.kv.namespaces.bulkUpdate(kv, { account_id, body: [{ key: "b1", value: "one" }, { key: "b2", value: "dHdv", base64: true }] });
  expect((await back(`${A}/storage/kv/namespaces/${kv}/values/b2`)).text === "two", "read back");
});
await row("kv bulkGet", async () => {
  const r = await cf.kv.namespaces.bulkGet(kv, { account_id, keys: ["b1", "missing"] });
  expect(r.values?.b1 === "one" && r.values?.missing === null, JSON.stringify(r));
});
await row("kv bulkDelete", async () => {
  await cf.kv.namespaces.bulkDelete(kv, { account_id, body: ["b1", "b2"] });
  expect((await back(`${A}/storage/kv/namespaces/${kv}/values/b1`)).status === 404, "still there");
});
await row("kv values delete", async () => {
  await cf.kv.namespaces.values.delete(...at([["namespace_id", kv]], "greeting", { account_id }));
  expect((await back(`${A}/storage/kv/namespaces/${kv}/values/greeting`)).status === 404, "still there");
});
await row("kv namespaces delete", async () => {
  await cf.kv.namespaces.delete(kv, { account_id });
  expect((await back(`${A}/storage/kv/namespaces/${kv}`)).status === 404, "still there");
});

// --- R2 ---------------------------------------------------------------------------------------------------
const bucket = `sdk-bucket-${tag}`;
await row("r2 buckets create/get/list/delete", async () => {
  await cf.r2.buckets.create({ account_id, name: bucket });
  expect((await back(`${A}/r2/buckets/${bucket}`)).json.result.name === bucket, "read back");
  const b = await cf.r2.buckets.get(bucket, { account_id });
  expect(b.name === bucket, JSON.stringify(b));
  const list = await cf.r2.buckets.list({ account_id });
  expect((list.buckets ?? []).some((x) => x.name === bucket), JSON.stringify(list));
  await cf.r2.buckets.delete(bucket, { account_id });
  expect((await back(`${A}/r2/buckets/${bucket}`)).status === 404, "not deleted");
});

// --- D1 ---------------------------------------------------------------------------------------------------
let db = null;
await row("d1 database create/list/get", async () => {
  db = (await cf.d1.database.create({ account_id, name: `sdk-db-${tag}` })).uuid;
  const names = [];
  for await (const d of cf.d1.database.list({ account_id })) names.push(d.name);
  expect(names.includes(`sdk-db-${tag}`), `databases ${names}`);
  expect((await cf.d1.database.get(db, { account_id })).uuid === db, "get");
});
await row("d1 database query", async () => {
  await cf.d1.database.query(db, { account_id, sql: "CREATE TABLE t(id INTEGER PRIMARY KEY, v TEXT)" });
  await cf.d1.database.query(db, { account_id, sql: "INSERT INTO t(v) VALUES (?1)", params: ["x"] });
  const rows = [];
  for await (const r of cf.d1.database.query(db, { account_id, sql: "SELECT v FROM t" })) rows.push(r);
  expect(rows[0]?.results?.[0]?.v === "x", JSON.stringify(rows));
});
await row("d1 database raw", async () => {
  const rows = [];
  for await (const r of cf.d1.database.raw(db, { account_id, sql: "SELECT id, v FROM t" })) rows.push(r);
  expect(JSON.stringify(rows[0]?.results?.rows) === '[[1,"x"]]', JSON.stringify(rows));
});
await row("d1 database query: bad SQL is an error envelope", async () => {
  let error = null;
  try {
    for await (const _ of cf.d1.database.query(db, { account_id, sql: "SELECT * FROM missing" }));
  } catch (e) {
    error = e;
  }
  expect(error?.status === 400 && error.errors?.[0]?.code === 7500, `got ${error?.status} ${JSON.stringify(error?.errors)}`);
});
await row("d1 database delete", async () => {
  await cf.d1.database.delete(db, { account_id });
  expect((await back(`${A}/d1/database/${db}`)).status === 404, "still there");
});

await row("dispatch namespaces delete", async () => {
  await cf.workersForPlatforms.dispatch.namespaces.delete(ns, { account_id });
  expect((await back(NS)).status === 404, "still there");
});
console.log("done");
