#include "runtime/workerd_js.hpp"

#include <string>

namespace tenantctl::runtime {

// The marker (k_rpc_mark) in the JavaScript below: one spelling.
#define TENANTCTL_RPC_MARK "tenantctl:rpc-method "

// How a record leaves the runtime, shared by its tail worker and the shim of an upload's tail consumer: the
// headers the runtime passes limits, dispatch contexts and outbound parameters in are its own, not the
// caller's, and an RPC call that reached the tenant as __tenantctl_call (see the tenant entry, which logs the
// method's name with the marker first) names its method, without that line. `o` is the caller's copy.
const std::string clean_record_js = R"JS(
const internal = ["x-tenantctl-limits", "x-tenantctl-outbound", "x-tenantctl-params"];
const MARK = ")JS" TENANTCTL_RPC_MARK R"JS(";
function cleanRecord(o) {
  if (o.event?.rpcMethod === "__tenantctl_call" && Array.isArray(o.logs)) {
    const i = o.logs.findIndex((l) => typeof l.message?.[0] === "string" && l.message[0].startsWith(MARK));
    if (i >= 0) {
      o.event = Object.assign({}, o.event, { rpcMethod: o.logs[i].message[0].slice(MARK.length) });
      o.logs = o.logs.filter((_, j) => j !== i);
    }
  }
  const h = o.event?.request?.headers;
  if (h && internal.some((k) => k in h)) {
    const headers = Object.assign({}, h);
    for (const k of internal) delete headers[k];
    o.event = Object.assign({}, o.event, { request: Object.assign({}, o.event.request, { headers }) });
  }
  return o;
}
)JS";

const char* const k_rpc_mark = TENANTCTL_RPC_MARK;

// The dispatch namespace binding: `env.NS.get(name, args, options)` returns the script's service (fetch and
// JS RPC both work). fetch() carries the limits to the tenant's process, and a failure the runtime caused (the
// process was stopped for exceeding its CPU limit) is reported as production words it. An unknown name
// returns a stub whose every call rejects with "Worker not found.", as production does. In a namespace that
// has outbound workers (`__key` set), fetch() also carries the invocation's dispatch context: the script, this
// binding's outbound worker (`__outbound`, none when it has none) and the values of its parameters taken from
// get()'s `options.outbound`, signed with `__key`, which only the tenant's egress worker also holds.
const char* const k_dispatch_js = R"JS(
const notFound = () => Promise.reject(new Error("Worker not found."));
const STUB_OWN = new Set(["then", "connect", "dup", "fetch"]);
const missing = new Proxy({}, {
  get(_, prop) {
    if (prop === "then") return undefined;
    return notFound;
  },
});
async function explain(env, name, err) {
  try {
    const r = await env.__control.fetch("http://control/why?script=" + encodeURIComponent(env.__namespace + "/" + name));
    if (r.status === 200) return new Error(await r.text());
  } catch {}
  return err;
}
// A script with static assets: the asset service answers first (an asset, a redirect, a 404 of an assets-only
// script), unless it says the worker runs ("x-tenantctl-assets: worker").
async function fromAssets(assets, req) {
  if (!assets) return null;
  const r = await assets.fetch(new Request(req.url, { method: req.method, headers: req.headers, redirect: "manual" }));
  return r.headers.get("x-tenantctl-assets") === "worker" ? null : r;
}
let signingKey;
async function sign(env, body) {
  signingKey ??= crypto.subtle.importKey("raw", new TextEncoder().encode(env.__key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await signingKey, new TextEncoder().encode(body)));
  return Array.from(mac, (b) => b.toString(16).padStart(2, "0")).join("") + "." + body;
}
function context(env, name, options) {
  if (!env.__key) return null;
  const out = env.__outbound;
  const given = (options && options.outbound) || {};
  const params = {};
  if (out) for (const p of out.params) if (Object.hasOwn(given, p)) params[p] = given[p];
  return encodeURIComponent(JSON.stringify({ s: "n:" + env.__namespace + ":" + name, o: out ? out.service : "", p: params }));
}
export default function makeDispatchNamespace(env) {
  return {
    get(name, args, options) {
      if (typeof name !== "string" || name === "") throw new TypeError("get() needs a script name");
      const stub = env["s:" + name];
      const assets = env["a:" + name];
      if (!stub && !assets) return missing;
      const limits = (options && options.limits) || {};
      const tag = JSON.stringify({ cpuMs: limits.cpuMs, subRequests: limits.subRequests });
      const ctx = context(env, name, options);
      return new Proxy(stub || missing, {
        get(target, prop) {
          if (prop !== "fetch") {
            // An RPC method: called through the tenant's entry (__tenantctl_call), which runs it with this
            // invocation's limits and dispatch context, as fetch() is run, and answers { v } or { e } (what the
            // method returned or threw: only a failed call is explained). Awaited without a call, it is the
            // property itself. Nothing to carry (no subrequest limit, no outbound workers), the stub's own
            // methods, and a property path (stub.a.b()) are the stub's.
            if (!stub || typeof prop !== "string" || STUB_OWN.has(prop) || (typeof limits.subRequests !== "number" && ctx === null))
              return target[prop];
            const call = async (...args) => {
              const signed = ctx === null ? null : await sign(env, ctx);
              let r;
              try {
                r = await target.__tenantctl_call({ name: prop, args, tag, ctx: signed });
              } catch (err) {
                throw await explain(env, name, err);
              }
              if (r && Object.hasOwn(r, "e")) throw r.e;
              return r?.v;
            };
            return new Proxy(call, {
              get(_, sub) {
                if (sub === "then") return (resolve, reject) => Promise.resolve(target[prop]).then(resolve, reject);
                return target[prop][sub];
              },
            });
          }
          return async (input, init) => {
            const req = new Request(input, init);
            const served = await fromAssets(assets, req);
            if (served) return served;
            if (!stub) return notFound();
            const headers = new Headers(req.headers);
            headers.set("x-tenantctl-limits", tag);
            if (ctx === null) headers.delete("x-tenantctl-outbound");
            else headers.set("x-tenantctl-outbound", await sign(env, ctx));
            try {
              return await target.fetch(new Request(req, { headers }));
            } catch (err) {
              throw await explain(env, name, err);
            }
          };
        },
      });
    },
  };
}
)JS";

// Picks the account worker for a request: `<name>.localhost`, then the workers' route patterns.
const char* const k_entry_js = R"JS(
function matches(pattern, host, path) {
  let slash = pattern.indexOf("/");
  let ph = slash < 0 ? pattern : pattern.slice(0, slash);
  let pp = slash < 0 ? "/*" : pattern.slice(slash);
  ph = ph.toLowerCase();
  if (ph.startsWith("*")) { if (!host.endsWith(ph.slice(1))) return false; }
  else if (ph !== host) return false;
  if (pp.endsWith("*")) return path.startsWith(pp.slice(0, -1));
  return path === pp;
}
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const host = (request.headers.get("host") || url.host).replace(/:\d+$/, "").toLowerCase();
    let name = host.endsWith(".localhost") ? host.slice(0, -".localhost".length) : "";
    if (!name || !(env["w:" + name] || env["a:" + name])) {
      name = "";
      for (const r of env.ROUTES) if (matches(r.pattern, host, url.pathname)) { name = r.script; break; }
    }
    // A deployment split between versions: one of them per request, by the deployment's percentages.
    let key = "w:" + name;
    const split = name && env.SPLITS[name];
    if (split) {
      let r = Math.random() * 100;
      for (const [k, p] of split) { key = k; if ((r -= p) < 0) break; }
    }
    // Static assets first (an asset, a redirect, an assets-only worker's 404), unless the worker runs.
    const assets = name && env["a:" + name];
    if (assets) {
      const r = await assets.fetch(new Request(request.url, { method: request.method, headers: request.headers, redirect: "manual" }));
      if (r.headers.get("x-tenantctl-assets") !== "worker") return r;
    }
    const worker = name && env[key];
    if (!worker)
      return new Response(`no worker answers for host "${host}"\nhint: call an account worker as http://NAME.localhost:PORT/ or through one of its routes\n`, { status: 404, headers: { "content-type": "text/plain" } });
    return worker.fetch(request);
  },
};
)JS";

// The entry of a tenant's process: reads (and removes) the limits the dispatcher passed, and fails the
// fetch() over the subrequest limit of that invocation as production does. Named exports pass through. When
// the tenant's fetch() calls go to the egress worker (its namespace has outbound workers: `__EGRESS__` is
// true), each carries the invocation's signed dispatch context, and an error of the egress worker's own
// (`x-tenantctl-egress-error`) rejects the fetch() with its text. Each fetch() counts once, whatever the
// outbound worker then does.
const char* const k_tenant_shim_js = R"JS(
import * as user from "__USER_MAIN__";
import { AsyncLocalStorage } from "node:async_hooks";
const als = new AsyncLocalStorage();
const realFetch = globalThis.fetch;
const egress = __EGRESS__;
async function viaEgress(s, args) {
  const req = new Request(...args);
  const headers = new Headers(req.headers);
  headers.delete("x-tenantctl-outbound");
  if (s && s.ctx) headers.set("x-tenantctl-outbound", s.ctx);
  const r = await realFetch(new Request(req, { headers }));
  if (r.headers.get("x-tenantctl-egress-error") !== null) throw new Error(await r.text());
  return r;
}
globalThis.fetch = function (...args) {
  const s = als.getStore();
  if (s && s.limit >= 0 && ++s.count > s.limit)
    return Promise.reject(new Error("Too many subrequests."));
  return egress ? viaEgress(s, args) : realFetch.apply(this, args);
};
function invocation(tag, ctx) {
  const state = { count: 0, limit: -1, ctx };
  try {
    const l = JSON.parse(tag);
    if (typeof l.subRequests === "number") state.limit = l.subRequests;
  } catch {}
  return state;
}
function take(request) {
  const tag = request.headers.get("x-tenantctl-limits");
  const state = invocation(tag, request.headers.get("x-tenantctl-outbound"));
  if (tag === null && state.ctx === null) return [request, state];
  const headers = new Headers(request.headers);
  headers.delete("x-tenantctl-limits");
  headers.delete("x-tenantctl-outbound");
  return [new Request(request, { headers }), state];
}
const inner = user.default;
let entry = inner;
// An RPC method called through a dispatch namespace binding arrives as __tenantctl_call with that invocation's
// limits and dispatch context, runs with them, and its result or error goes back as { v } or { e }. What workerd
// refuses to call over RPC is refused with its words; the method's name is logged with a marker (the tail worker
// puts it back as the record's rpcMethod, and tenantctl drops the line from workers.log).
const MARK = ")JS" TENANTCTL_RPC_MARK R"JS(";
const RESERVED = ["alarm", "webSocketMessage", "webSocketClose", "webSocketError", "dup", "fetch", "connect", "constructor"];
function rpcTarget(name, receiver, callable) {
  if (typeof name !== "string" || name.startsWith("__tenantctl") || !callable)
    return new TypeError(`The RPC receiver does not implement the method "${name}".`);
  if (RESERVED.includes(name)) return new TypeError(`'${name}' is a reserved method and cannot be called over RPC.`);
  const f = receiver[name];
  if (f === undefined || f === Object.prototype[name]) return new TypeError(`The RPC receiver does not implement the method "${name}".`);
  if (typeof f !== "function") return new TypeError(`"${name}" is not a function.`);
  return f;
}
// `callable(name)`: whether the receiver exposes that name over RPC; `invoke(f, args)` calls the method.
async function called({ name, args, tag, ctx }, receiver, callable, invoke) {
  console.log(MARK + name);
  const f = rpcTarget(name, receiver, typeof name === "string" && callable(name));
  if (typeof f !== "function") return { e: f };
  try {
    return { v: await als.run(invocation(tag, ctx), () => invoke(f, args)) };
  } catch (e) {
    return { e };
  }
}
if (typeof inner === "function" && inner.prototype) {
  entry = class extends inner {
    // Methods of the class (not instance properties, as workerd allows).
    __tenantctl_call(call) {
      return called(call, this, (name) => !Object.hasOwn(this, name), (f, args) => f.apply(this, args));
    }
  };
  if (typeof inner.prototype.fetch === "function")
    entry.prototype.fetch = function (request) {
      const [req, state] = take(request);
      return als.run(state, () => inner.prototype.fetch.apply(this, [req]));
    };
} else if (inner && typeof inner === "object") {
  entry = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
    // Own properties of the object, called as workerd calls them: (arg, env, ctx), the one argument from the
    // caller. workerd calls this one so, too.
    __tenantctl_call(call, env, exctx) {
      return called(call, inner, (name) => Object.hasOwn(inner, name), (f, args) => {
        if (f.length !== 3 || args.length > 1)
          throw new TypeError(`Cannot call handler function "${call.name}" over RPC because it has the wrong number of arguments. A simple function handler can only be called over RPC if it has exactly the arguments (arg, env, ctx), where only the first argument comes from the client. To support multi-argument RPC functions, use class-based syntax (extending WorkerEntrypoint) instead.`);
        return f.apply(inner, [args[0], env, exctx]);
      });
    },
  });
  if (typeof inner.fetch === "function")
    entry.fetch = function (request, env, ctx) {
      const [req, state] = take(request);
      return als.run(state, () => inner.fetch(req, env, ctx));
    };
}
export default entry;
export * from "__USER_MAIN__";
)JS";

// Every worker's tail consumer: hands the invocation records (logs, exceptions, outcome, the request) to the
// platform, with the script's name and namespace that workerd leaves out (ctx.props).
const std::string tail_js = clean_record_js + R"JS(
// Records go out in batches: the first invocation after a post waits 10 ms (in its waitUntil) and then posts
// what every invocation added meanwhile, plain text, so one post carries the records of many invocations.
let batch = [];
let pending = 0;  // when the post that will carry the batch was scheduled (0: none)
async function post(env) {
  await new Promise((resolve) => setTimeout(resolve, 10));
  const body = "[" + batch.join(",") + "]";
  batch = [];
  pending = 0;
  try {
    await env.SINK.fetch("http://tail/", { method: "POST", body });
  } catch {}
}
export default {
  tail(events, env, ctx) {
    const p = ctx.props || {};
    const out = events.map((e) => cleanRecord(Object.assign({}, e, { scriptName: p.script ?? e.scriptName ?? null }, p.ns ? { dispatchNamespace: p.ns } : {})));
    const text = JSON.stringify(out);
    if (text.length > 2) batch.push(text.slice(1, -1));
    // (A post scheduled more than a second ago was cancelled with its invocation: another one is.)
    if (!pending || Date.now() - pending > 1000) {
      pending = Date.now() || 1;
      ctx.waitUntil(post(env));
    }
  },
};
)JS";
const char* const k_tail_js = tail_js.c_str();

// The entry of a worker that is a tail consumer: workerd leaves a record's scriptName (and dispatchNamespace)
// empty, so the producer's tails entry passes them as ctx.props and this fills them in before the worker's
// own tail() sees the records, as production's are. Everything else passes through.
const std::string consumer_shim_js = clean_record_js + R"JS(
import * as user from "__USER_MAIN__";
function named(events, props) {
  const p = props || {};
  if (!p.script || !Array.isArray(events)) return events;
  return events.map((e) => cleanRecord(Object.assign({}, e, { scriptName: p.script }, p.ns ? { dispatchNamespace: p.ns } : {})));
}
const inner = user.default;
let entry = inner;
if (typeof inner === "function" && typeof inner.prototype?.tail === "function") {
  entry = class extends inner {
    tail(events) { return super.tail(named(events, this.ctx?.props)); }
  };
} else if (inner && typeof inner === "object" && typeof inner.tail === "function") {
  entry = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
    tail(events, env, ctx) { return inner.tail(named(events, ctx?.props), env, ctx); },
  });
}
export default entry;
export * from "__USER_MAIN__";
)JS";
const char* const k_consumer_shim_js = consumer_shim_js.c_str();

// The socket "hold": its answer waits for the end of the request's body, which the supervisor sends when the
// process may exit; until then a draining workerd keeps running (and posting its last invocations' records).
const char* const k_hold_js = R"JS(
export default {
  async fetch(request) {
    try { await request.arrayBuffer(); } catch {}
    return new Response(null, { status: 204 });
  },
};
)JS";

// Stands in for a script that could not start, or a service binding to a worker that does not exist.
const char* const k_stub_js = R"JS(
export default {
  fetch(request, env) {
    return new Response(env.MESSAGE + "\n", { status: env.STATUS, headers: { "content-type": "text/plain" } });
  },
  // An RPC call through a dispatch namespace binding with limits (see the tenant entry): the same words.
  __tenantctl_call(call, env, ctx) {
    return { e: new Error(env.MESSAGE) };
  },
};
)JS";

// A tenant's globalOutbound when its namespace has outbound workers: every request the tenant's worker sends
// out (fetch() with or without the shim, connect() has no handler here and fails) arrives here. It checks the
// dispatch context's signature (`KEY`, shared with the dispatch binding alone) and that it names this tenant
// (`TENANT`), then sends the request to the context's outbound worker, a copy running in this process (`o:NAME`)
// with the parameters in `x-tenantctl-params`, which only this worker can set, or, for a binding without an
// outbound worker, out as today. A request without a valid context is refused.
const char* const k_egress_js = R"JS(
const enc = new TextEncoder();
let verifyKey;
async function open(env, tag) {
  if (!tag || !/^[0-9a-f]{64}\./.test(tag)) return null;
  const mac = new Uint8Array(32);
  for (let i = 0; i < 32; i++) mac[i] = parseInt(tag.substr(2 * i, 2), 16);
  const body = tag.slice(65);
  verifyKey ??= crypto.subtle.importKey("raw", enc.encode(env.KEY), { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
  if (!(await crypto.subtle.verify("HMAC", await verifyKey, mac, enc.encode(body)))) return null;
  try {
    const ctx = JSON.parse(decodeURIComponent(body));
    return ctx && ctx.s === env.TENANT ? ctx : null;
  } catch {
    return null;
  }
}
function refuse(message) {
  return new Response(message, { status: 502, headers: { "x-tenantctl-egress-error": "1", "content-type": "text/plain" } });
}
function clean(r) {
  if (!r.headers.has("x-tenantctl-egress-error")) return r;
  const out = new Response(r.body, r);
  out.headers.delete("x-tenantctl-egress-error");
  return out;
}
export default {
  async fetch(request, env) {
    const ctx = await open(env, request.headers.get("x-tenantctl-outbound"));
    const headers = new Headers(request.headers);
    headers.delete("x-tenantctl-outbound");
    headers.delete("x-tenantctl-params");
    if (!ctx)
      return refuse("fetch() refused: this request carries no dispatch context (only fetch() calls made while handling a request dispatched through a dispatch namespace binding go out, through the binding's outbound worker)");
    if (!ctx.o) return clean(await fetch(new Request(request, { headers })));
    const out = env["o:" + ctx.o];
    if (!out) return refuse(`fetch() refused: the outbound worker "${ctx.o}" of this dispatch namespace binding does not exist on this platform`);
    headers.set("x-tenantctl-params", encodeURIComponent(JSON.stringify(ctx.p || {})));
    return clean(await out.fetch(new Request(request, { headers })));
  },
};
)JS";

// The entry of an outbound worker's copy in a tenant's process: the parameters of the dispatcher's get() (from
// the egress worker, the only caller) become `env` values, as production passes them. Named exports pass
// through.
const char* const k_outbound_shim_js = R"JS(
import * as user from "__USER_MAIN__";
function take(request) {
  let params = {};
  try {
    const p = JSON.parse(decodeURIComponent(request.headers.get("x-tenantctl-params") || "%7B%7D"));
    if (p && typeof p === "object") params = p;
  } catch {}
  const headers = new Headers(request.headers);
  headers.delete("x-tenantctl-params");
  return [new Request(request, { headers }), params];
}
const inner = user.default;
let entry = inner;
if (typeof inner === "function" && typeof inner.prototype?.fetch === "function") {
  entry = class extends inner {
    fetch(request) {
      const [req, params] = take(request);
      this.env = Object.assign({}, this.env, params);
      return super.fetch(req);
    }
  };
} else if (inner && typeof inner === "object" && typeof inner.fetch === "function") {
  entry = Object.assign(Object.create(Object.getPrototypeOf(inner)), inner, {
    fetch(request, env, ctx) {
      const [req, params] = take(request);
      return inner.fetch(req, Object.assign({}, env, params), ctx);
    },
  });
}
export default entry;
export * from "__USER_MAIN__";
)JS";

}  // namespace tenantctl::runtime
