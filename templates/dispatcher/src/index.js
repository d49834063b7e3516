// __project_name__: the binding dispatcher. Each customer has its own worker (same code, its own KV namespace and
// R2 bucket) in the dispatch namespace bound as DISPATCHER; this worker picks it by the X-User-ID header.
//
//   X-User-ID: user1  ->  worker "customer-user1"  ->  customer 1's KV and R2
//   X-User-ID: user2  ->  worker "customer-user2"  ->  customer 2's KV and R2
//
// Platform logic (authentication, rate limits, plans) belongs here; the customer workers only see their own data.
const USER_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

function json(status, body) {
  return new Response(JSON.stringify(body) + "\n", { status, headers: { "content-type": "application/json" } });
}

export default {
  async fetch(request, env) {
    const userId = (request.headers.get("X-User-ID") || "").trim().toLowerCase();
    if (!userId) return json(400, { error: "missing X-User-ID header", hint: "curl -H 'X-User-ID: user1' ..." });
    if (!USER_ID.test(userId)) return json(400, { error: `invalid X-User-ID "${userId.slice(0, 80)}"` });

    const workerName = (env.WORKER_PREFIX ?? "customer-") + userId;
    const limits = { cpuMs: Number(env.CPU_MS || 50), subRequests: Number(env.SUBREQUESTS || 50) };
    let worker;
    try {
      worker = env.DISPATCHER.get(workerName, {}, { limits });
    } catch (err) {
      return json(500, { error: `dispatching to "${workerName}" failed`, detail: String(err) });
    }
    try {
      return await worker.fetch(request);
    } catch (err) {
      if (String(err.message || err).startsWith("Worker not found"))
        return json(404, { error: `no worker for user "${userId}"`, hint: `deploy one named "${workerName}"` });
      return json(502, { error: `the worker of user "${userId}" failed`, detail: String(err) });
    }
  },
};
