// __project_name__: a tenant worker. `tenantctl tenants apply` uploads this same script once per tenant into the
// dispatch namespace; what differs per tenant is its vars, secrets, tags and isolated bindings (tenants.yaml).
//   TENANT_ID   the tenant's id (set by tenants apply)
//   THEME       a per-tenant var (vars: in tenants.yaml)
//   API_KEY     a per-tenant secret (secrets: in tenants.yaml), never printed
//   KV, R2      the tenant's own KV namespace and R2 bucket, when it has `isolate: [kv, r2]`
function json(status, body) {
  return new Response(JSON.stringify(body) + "\n", { status, headers: { "content-type": "application/json" } });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const tenant = env.TENANT_ID || "unknown";

    if (url.pathname === "/counter" && env.KV) {
      const n = Number((await env.KV.get("counter")) || 0) + 1;
      await env.KV.put("counter", String(n));
      return json(200, { tenant, counter: n });
    }
    if (url.pathname.startsWith("/files/") && env.R2) {
      const key = url.pathname.slice("/files/".length);
      if (request.method === "PUT") {
        await env.R2.put(key, request.body);
        return json(201, { tenant, stored: key });
      }
      const object = await env.R2.get(key);
      return object ? new Response(object.body) : json(404, { tenant, error: `no file "${key}"` });
    }
    return json(200, {
      tenant,
      theme: env.THEME || "light",
      has_api_key: typeof env.API_KEY === "string" && env.API_KEY.length > 0,
      isolated: { kv: Boolean(env.KV), r2: Boolean(env.R2) },
      path: url.pathname,
    });
  },
};
