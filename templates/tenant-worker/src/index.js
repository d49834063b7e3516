// __project_name__: a tenant worker. `tenantctl tenants apply` uploads this same script once per tenant into the
// dispatch namespace (the script name is the tenant id); what differs per tenant is its vars, secrets, tags,
// plan limits and isolated bindings (tenants.yaml).
//   THEME                   a per-tenant var (vars: in tenants.yaml)
//   API_KEY                 a per-tenant secret (secrets: in tenants.yaml), never printed
//   TENANT_KV, TENANT_R2    the tenant's own KV namespace and R2 bucket, when it has `isolate: [kv, r2]`
//   TENANT_ID               optional: a var naming the tenant; otherwise the X-Tenant-ID header a dispatcher sets
function json(status, body) {
  return new Response(JSON.stringify(body) + "\n", { status, headers: { "content-type": "application/json" } });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const tenant = env.TENANT_ID || request.headers.get("x-tenant-id") || "unknown";

    if (url.pathname === "/counter" && env.TENANT_KV) {
      const n = Number((await env.TENANT_KV.get("counter")) || 0) + 1;
      await env.TENANT_KV.put("counter", String(n));
      return json(200, { tenant, counter: n });
    }
    if (url.pathname.startsWith("/files/") && env.TENANT_R2) {
      const key = url.pathname.slice("/files/".length);
      if (request.method === "PUT") {
        await env.TENANT_R2.put(key, request.body);
        return json(201, { tenant, stored: key });
      }
      const object = await env.TENANT_R2.get(key);
      return object ? new Response(object.body) : json(404, { tenant, error: `no file "${key}"` });
    }
    return json(200, {
      tenant,
      theme: env.THEME || "light",
      has_api_key: typeof env.API_KEY === "string" && env.API_KEY.length > 0,
      isolated: { kv: Boolean(env.TENANT_KV), r2: Boolean(env.TENANT_R2) },
      path: url.pathname,
    });
  },
};
