// __project_name__: the router worker. Every tenant (app id) gets its own container; the same app id always
// reaches the same container, a different app id a different one.
//
// The app id comes from, in this order:
//   the path        /app/{id}/...        (the /app/{id} prefix is removed before the request reaches the app)
//   the query       /...?appId={id}
//   the subdomain   {id}.{APP_DOMAIN}    (APP_DOMAIN is a var, "localhost" by default: acme.localhost)
// Management endpoints of one tenant (also with ?appId= or the subdomain):
//   GET      /app/{id}/_status     is the container running, since when, how many requests
//   POST     /app/{id}/_restart    stop the container now; the next request starts a fresh one
//   GET/PUT  /app/{id}/_metadata   the tenant's metadata, a JSON object kept next to its container
//
// No npm packages and no bundling: the container class uses the Durable Object container API directly
// (ctx.container.start / running / getTcpPort / destroy / monitor), so `tenantctl deploy` uploads this file as is.
import { DurableObject } from "cloudflare:workers";

const APP_ID = /^[A-Za-z0-9_-]{1,63}$/;
const EXAMPLES = ["/app/my-app/", "/?appId=my-app", "my-app.localhost"];

function json(status, body, headers = {}) {
  return new Response(JSON.stringify(body, null, 2) + "\n", {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

// "10m" -> 600000; plain numbers are seconds.
export function parseDuration(text) {
  const m = /^(\d+)\s*(ms|s|m|h)?$/.exec(String(text).trim());
  if (!m) return 10 * 60 * 1000;
  const n = Number(m[1]);
  return n * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] || "s"]);
}

// Which app a request is for: { id, path } (path as the app sees it), { error } for a malformed id, or {} for none.
export function resolveApp(url, appDomain) {
  const path = url.pathname.match(/^\/app\/([^/]+)(\/.*)?$/);
  if (path) {
    const id = decodeURIComponent(path[1]);
    if (!APP_ID.test(id)) return { error: `invalid app id "${id.slice(0, 80)}" in the path` };
    return { id, path: path[2] || "/" };
  }
  const query = url.searchParams.get("appId");
  if (query !== null) {
    if (!APP_ID.test(query)) return { error: `invalid app id "${query.slice(0, 80)}" in ?appId=` };
    return { id: query, path: url.pathname };
  }
  const domain = (appDomain || "").toLowerCase();
  const host = url.hostname.toLowerCase();
  if (domain && host.endsWith("." + domain)) {
    const label = host.slice(0, -(domain.length + 1));
    if (!label.includes(".")) {
      if (!APP_ID.test(label)) return { error: `invalid app id "${label}" in the host name` };
      return { id: label, path: url.pathname };
    }
  }
  return {};
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const route = resolveApp(url, env.APP_DOMAIN ?? "localhost");
    if (route.error) return json(400, { error: route.error, hint: "app ids match [A-Za-z0-9_-]{1,63}" });
    if (!route.id) return json(404, { error: "no app id in the request", examples: EXAMPLES });

    const app = env.TENANT_APP.get(env.TENANT_APP.idFromName(route.id));
    switch (route.path) {
      case "/_status":
        return json(200, await app.status(route.id));
      case "/_restart":
        if (request.method !== "POST") return json(405, { error: "use POST for _restart" }, { allow: "POST" });
        return json(202, await app.restart(route.id));
      case "/_metadata":
        if (request.method === "GET") return json(200, await app.getMetadata());
        if (request.method === "PUT") {
          let body;
          try {
            body = await request.json();
          } catch {
            return json(400, { error: "metadata must be a JSON object" });
          }
          if (body === null || typeof body !== "object" || Array.isArray(body))
            return json(400, { error: "metadata must be a JSON object" });
          await app.putMetadata(body);
          return json(200, body);
        }
        return json(405, { error: "use GET or PUT for _metadata" }, { allow: "GET, PUT" });
    }

    // Forward to the tenant's container, without the /app/{id} prefix.
    const target = new URL(url);
    target.pathname = route.path;
    const forwarded = new Request(target, request);
    forwarded.headers.set("x-tenant-id", route.id);
    return app.fetch(forwarded);
  },
};

// One instance of this class per app id; it owns that tenant's container.
export class TenantApp extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.port = Number(env.APP_PORT || 8080);
    this.sleepAfterMs = parseDuration(env.SLEEP_AFTER || "10m");
    this.instanceId = null;
    this.lastRequestAt = 0;
    this.requests = 0;
  }

  async fetch(request) {
    const appId = request.headers.get("x-tenant-id") || "";
    const started = this.ensureStarted(appId);
    await this.touch();
    const port = this.ctx.container.getTcpPort(this.port);
    // A container that was just started may need a moment before it listens.
    const attempts = started ? 50 : 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await port.fetch(attempt < attempts ? request.clone() : request);
      } catch (err) {
        if (attempt >= attempts)
          return json(503, { error: `the app of "${appId}" does not answer on port ${this.port}`, detail: String(err) },
                      { "retry-after": "2" });
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  ensureStarted(appId) {
    if (this.ctx.container.running) return false;
    this.instanceId = `${appId}-${crypto.randomUUID().slice(0, 8)}`;
    this.ctx.container.start({
      env: { PORT: String(this.port), TENANTCTL_TENANT_ID: appId, TENANTCTL_INSTANCE_ID: this.instanceId },
      enableInternet: false,
    });
    this.startedAt = Date.now();
    this.requests = 0;
    this.ctx.container
      .monitor()
      .then(() => console.log(`app ${appId}: container ${this.instanceId} exited`))
      .catch((err) => console.error(`app ${appId}: container ${this.instanceId} failed:`, err));
    return true;
  }

  // Every request pushes the sleep alarm back.
  async touch() {
    this.lastRequestAt = Date.now();
    this.requests += 1;
    await this.ctx.storage.setAlarm(this.lastRequestAt + this.sleepAfterMs);
  }

  async alarm() {
    if (!this.ctx.container.running) return;
    const idle = Date.now() - this.lastRequestAt;
    if (idle >= this.sleepAfterMs) {
      await this.ctx.container.destroy("idle: sleep after " + this.sleepAfterMs + " ms");
    } else {
      await this.ctx.storage.setAlarm(this.lastRequestAt + this.sleepAfterMs);
    }
  }

  async status(appId) {
    const running = this.ctx.container.running;
    return {
      app_id: appId,
      running,
      instance_id: running ? this.instanceId : null,
      started_at: running && this.startedAt ? new Date(this.startedAt).toISOString() : null,
      last_request_at: this.lastRequestAt ? new Date(this.lastRequestAt).toISOString() : null,
      requests: this.requests,
      sleep_after_ms: this.sleepAfterMs,
    };
  }

  async restart(appId) {
    const wasRunning = this.ctx.container.running;
    if (wasRunning) await this.ctx.container.destroy("restart requested");
    return { app_id: appId, restarted: wasRunning, note: "the next request starts a fresh container" };
  }

  async getMetadata() {
    return (await this.ctx.storage.get("metadata")) ?? {};
  }

  async putMetadata(metadata) {
    await this.ctx.storage.put("metadata", metadata);
  }
}
