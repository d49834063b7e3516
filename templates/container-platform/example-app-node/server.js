// The app that runs in each tenant's container. It answers every request with JSON that names the instance
// that served it: the same app id always reaches the same instance, a different app id another one.
const http = require("node:http");
const os = require("node:os");
const crypto = require("node:crypto");

const port = Number(process.env.PORT || 8080);
const instanceId =
  process.env.TENANTCTL_INSTANCE_ID || process.env.CLOUDFLARE_DEPLOYMENT_ID || `${os.hostname()}-${crypto.randomUUID().slice(0, 8)}`;
const tenantId = process.env.TENANTCTL_TENANT_ID || process.env.APP_ID || "";
const startedAt = new Date().toISOString();
let requests = 0;

const server = http.createServer((req, res) => {
  requests += 1;
  const body = JSON.stringify({
    instance_id: instanceId,
    tenant_id: tenantId,
    started_at: startedAt,
    requests,
    method: req.method,
    path: req.url,
  });
  res.writeHead(200, { "content-type": "application/json", "x-instance-id": instanceId });
  res.end(body + "\n");
});

server.listen(port, "0.0.0.0", () => {
  console.log(`example app: instance ${instanceId} listening on :${port}`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
