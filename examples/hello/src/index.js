// Routes each request to the container of its tenant (from the X-Tenant-ID header).
import { DurableObject } from "cloudflare:workers";

export class TenantContainer extends DurableObject {
  async fetch(request) {
    const tenant = request.headers.get("X-Tenant-ID") ?? "unknown";
    return new Response(`${this.env.GREETING}, tenant ${tenant}\n`);
  }
}

export default {
  async fetch(request, env) {
    const tenant = request.headers.get("X-Tenant-ID");
    if (!tenant) return new Response("missing X-Tenant-ID header\n", { status: 400 });
    const stub = env.TENANT_CONTAINER.get(env.TENANT_CONTAINER.idFromName(tenant));
    return stub.fetch(request);
  },
};
