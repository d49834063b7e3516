// A customer's worker. Every customer runs this same code; what differs is what USER_KV and USER_R2 are bound to
// (their own KV namespace and R2 bucket), so one customer can never read another's data.
//
//   POST   /files            multipart form: key, file    upload to R2
//   GET    /files?key=K      download                     GET /files lists the keys
//   DELETE /files?key=K      delete
//   POST   /data             JSON {key, value}            store in KV
//   GET    /data?key=K       read                         GET /data lists the keys
//   DELETE /data?key=K       delete
//   GET    /stats            counts of files, bytes and data keys
//   GET    /                 health check
function json(status, body) {
  return new Response(JSON.stringify(body) + "\n", { status, headers: { "content-type": "application/json" } });
}

async function files(request, env, url) {
  const key = url.searchParams.get("key");
  switch (request.method) {
    case "POST": {
      const form = await request.formData();
      const name = form.get("key");
      const file = form.get("file");
      if (!name || !file || typeof file === "string") return json(400, { error: "send form fields key and file" });
      await env.USER_R2.put(name, file.stream(), { httpMetadata: { contentType: file.type || "application/octet-stream" } });
      return json(201, { key: name, size: file.size });
    }
    case "GET": {
      if (!key) {
        const list = await env.USER_R2.list();
        return json(200, { files: list.objects.map((o) => ({ key: o.key, size: o.size })) });
      }
      const object = await env.USER_R2.get(key);
      if (!object) return json(404, { error: `no file "${key}"` });
      return new Response(object.body, {
        headers: { "content-type": object.httpMetadata?.contentType || "application/octet-stream" },
      });
    }
    case "DELETE":
      if (!key) return json(400, { error: "name the file: ?key=..." });
      await env.USER_R2.delete(key);
      return json(200, { deleted: key });
  }
  return json(405, { error: "use GET, POST or DELETE" });
}

async function data(request, env, url) {
  const key = url.searchParams.get("key");
  switch (request.method) {
    case "POST": {
      let body;
      try {
        body = await request.json();
      } catch {
        return json(400, { error: "send JSON {\"key\": ..., \"value\": ...}" });
      }
      if (!body || typeof body.key !== "string" || !("value" in body)) return json(400, { error: "send JSON {key, value}" });
      await env.USER_KV.put(body.key, JSON.stringify(body.value));
      return json(201, { key: body.key });
    }
    case "GET": {
      if (!key) {
        const list = await env.USER_KV.list();
        return json(200, { keys: list.keys.map((k) => k.name) });
      }
      const value = await env.USER_KV.get(key, "json");
      if (value === null) return json(404, { error: `no data "${key}"` });
      return json(200, { key, value });
    }
    case "DELETE":
      if (!key) return json(400, { error: "name the key: ?key=..." });
      await env.USER_KV.delete(key);
      return json(200, { deleted: key });
  }
  return json(405, { error: "use GET, POST or DELETE" });
}

async function stats(env) {
  const [objects, keys] = await Promise.all([env.USER_R2.list(), env.USER_KV.list()]);
  return json(200, {
    customer: env.CUSTOMER,
    files: objects.objects.length,
    bytes: objects.objects.reduce((sum, o) => sum + o.size, 0),
    data_keys: keys.keys.length,
  });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/files":
        return files(request, env, url);
      case "/data":
        return data(request, env, url);
      case "/stats":
        return stats(env);
      case "/":
        return json(200, { ok: true, customer: env.CUSTOMER });
    }
    return json(404, { error: `no route ${url.pathname}` });
  },
};
