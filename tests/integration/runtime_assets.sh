#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# Static assets served by `tenantctl dev` (workerd + the runtime's asset service), deployed with `tenantctl
# deploy` as wrangler deploys them: a worker with an assets directory and a main that uses env.ASSETS; an
# asset byte for byte with its content type, /about -> about.html (html_handling), a path that falls through to
# the worker, run_worker_first patterns, env.ASSETS.fetch from the worker, ETag and 304, an assets-only worker
# with single-page-application, and a dispatch-namespace script's own assets reached through a dispatcher
# (each tenant its own assets, an assets-only tenant too).
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev_workers
tc() { "$TENANTCTL" --local "$@"; }
# get HOST PATH [curl args…]: body to $WORK/got, headers to $WORK/hdr, STATUS.
get() {
  local host=$1 path=$2; shift 2
  rm -f "$WORK/got"
  STATUS=$(curl -sS -o "$WORK/got" -D "$WORK/hdr" -w '%{http_code}' -H "Host: $host" "$@" "$W$path") || STATUS=000
  touch "$WORK/got"
  OUT=$(head -c 2000 "$WORK/got" | tr -d '\0'); export STATUS OUT
}
hdr() { grep -i "^$1:" "$WORK/hdr" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }

# --- an account worker with assets and a main using env.ASSETS ------------------------------------------------
p=$WORK/site
mkdir -p "$p/src" "$p/public/css" "$p/public/img" "$p/public/blog" "$p/public/api/docs"
cat >"$p/src/index.js" <<'JS'
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/via-binding") {
      const r = await env.ASSETS.fetch(new Request(new URL("/css/site.css", url), request));
      return new Response("binding:" + r.status + ":" + (await r.text()), { headers: { "x-type": r.headers.get("content-type") } });
    }
    if (url.pathname === "/binding-spa") return env.ASSETS.fetch(new Request(new URL("/no/such/page", url)));
    return new Response("worker:" + request.method + " " + url.pathname);
  },
};
JS
cat >"$p/wrangler.toml" <<'TOML'
name = "site"
main = "./src/index.js"
compatibility_date = "2026-01-01"
[assets]
directory = "./public"
binding = "ASSETS"
not_found_handling = "single-page-application"
run_worker_first = ["/api/*", "!/api/docs/*"]
TOML
printf '<!doctype html><title>home</title>\n' >"$p/public/index.html"
printf '<!doctype html><title>about</title>\n' >"$p/public/about.html"
printf '<!doctype html><title>blog</title>\n' >"$p/public/blog/index.html"
printf '<!doctype html><title>api docs</title>\n' >"$p/public/api/docs/index.html"
printf 'body { color: #333; }\n' >"$p/public/css/site.css"
head -c 100000 /dev/urandom >"$p/public/img/logo.png"
printf '\x00\x01\x02\xff' >>"$p/public/img/logo.png"
(cd "$p" && tc deploy) >"$WORK/d1.out" 2>&1 || { cat "$WORK/d1.out"; exit 1; }

check "the worker answers once deployed" until_ok 60 site.localhost /css/site.css 'color'
get site.localhost /img/logo.png
check "an asset byte for byte" bash -c '[ "$STATUS" = 200 ] && cmp -s "$0" "$1"' "$p/public/img/logo.png" "$WORK/got"
check "… with its content type from the extension (image/png)" test "$(hdr content-type)" = image/png
get site.localhost /css/site.css
check "text assets carry a charset (text/css; charset=utf-8)" test "$(hdr content-type)" = "text/css; charset=utf-8"
etag=$(hdr etag)
check "an asset has an ETag (its content hash, quoted)" bash -c '[[ "$0" =~ ^\"[0-9a-f]{32}\"$ ]]' "$etag"
get site.localhost /css/site.css -H "If-None-Match: $etag"
check "If-None-Match with the ETag: 304, no body" bash -c '[ "$STATUS" = 304 ] && [ ! -s "$0" ]' "$WORK/got"
get site.localhost /css/site.css -H "If-None-Match: W/$etag"
check "… the weak form too" status_is 304
get site.localhost /css/site.css -H 'If-None-Match: "other"'
check "another ETag: 200 with the content" bash -c '[ "$STATUS" = 200 ] && grep -q color "$0"' "$WORK/got"
get site.localhost /about
check "/about serves about.html (html_handling auto-trailing-slash)" \
  bash -c '[ "$STATUS" = 200 ] && cmp -s "$0" "$1"' "$p/public/about.html" "$WORK/got"
get site.localhost /about.html
check "/about.html redirects to /about (307)" bash -c '[ "$STATUS" = 307 ] && [ "$0" = /about ]' "$(hdr location)"
get site.localhost /blog
check "/blog redirects to /blog/ (307), which serves blog/index.html" \
  bash -c '[ "$STATUS" = 307 ] && [ "$0" = /blog/ ]' "$(hdr location)"
get site.localhost /blog/
check "… /blog/ serves blog/index.html" bash -c '[ "$STATUS" = 200 ] && grep -q "<title>blog" "$0"' "$WORK/got"
get site.localhost /
check "/ serves index.html" bash -c '[ "$STATUS" = 200 ] && grep -q "<title>home" "$0"' "$WORK/got"
get site.localhost /dynamic/thing
check "a path no asset matches falls through to the worker (not the SPA index: the worker is there)" \
  bash -c '[ "$STATUS" = 200 ] && [ "$OUT" = "worker:GET /dynamic/thing" ]'
get site.localhost /dynamic/thing -H 'Sec-Fetch-Mode: navigate'
check "… but a browser's page load gets the SPA index (navigations prefer assets from 2025-04-01)" \
  bash -c '[ "$STATUS" = 200 ] && grep -q "<title>home" "$0"' "$WORK/got"
get site.localhost /api/users -H 'Sec-Fetch-Mode: navigate'
check "… unless run_worker_first sends the path to the worker" test "$OUT" = "worker:GET /api/users"
get site.localhost /api/users
check "run_worker_first [\"/api/*\"]: the worker answers /api/*" test "$OUT" = "worker:GET /api/users"
get site.localhost /api/docs/
check "… but not \"!/api/docs/*\": the asset answers" bash -c '[ "$STATUS" = 200 ] && grep -q "api docs" "$0"' "$WORK/got"
get site.localhost /dynamic -X POST -d x=1
check "a POST no asset matches reaches the worker" test "$OUT" = "worker:POST /dynamic"
get site.localhost /about -X POST -d x=1
check "a POST to an asset's path: 405, as production" status_is 405
get site.localhost /via-binding
check "env.ASSETS.fetch from the worker serves the asset, with its content type" \
  bash -c '[ "$OUT" = "binding:200:body { color: #333; }" ] && [ "$0" = "text/css; charset=utf-8" ]' "$(hdr x-type)"
get site.localhost /binding-spa
check "env.ASSETS.fetch applies not_found_handling (single-page-application: index.html, 200)" \
  bash -c '[ "$STATUS" = 200 ] && grep -q "<title>home" "$0"' "$WORK/got"
get site.localhost /img/logo.png -I
check "HEAD of an asset: 200 with its ETag" bash -c '[ "$STATUS" = 200 ] && [ -n "$0" ]' "$(hdr etag)"

# --- a changed asset is served without a restart; its ETag changes ------------------------------------------
printf 'body { color: #000; }\n' >"$p/public/css/site.css"
(cd "$p" && tc deploy) >"$WORK/d2.out" 2>&1 || { cat "$WORK/d2.out"; exit 1; }
check "a redeployed asset is served" until_ok 30 site.localhost /css/site.css '#000'
get site.localhost /css/site.css -H "If-None-Match: $etag"
check "… the old ETag no longer matches (200)" status_is 200

# --- an assets-only worker, single-page-application ----------------------------------------------------------
s=$WORK/spa
mkdir -p "$s/dist/assets"
printf '<!doctype html><title>spa</title>\n' >"$s/dist/index.html"
printf 'console.log("app")\n' >"$s/dist/assets/app.js"
cat >"$s/wrangler.jsonc" <<'JSON'
{ "name": "spa", "compatibility_date": "2026-01-01",
  "assets": { "directory": "./dist", "not_found_handling": "single-page-application" } }
JSON
printf '# moved pages\n/old-app /assets/app.js 301\n/docs/* https://docs.example.com/:splat\n/team/:name /index.html 200\n' \
  >"$s/dist/_redirects"
printf '/assets/*\n  Cache-Control: public, max-age=31536000, immutable\n  X-Asset: :splat\n/*\n  X-Frame-Options: DENY\n  ! ETag\n' \
  >"$s/dist/_headers"
(cd "$s" && tc deploy) >"$WORK/d3.out" 2>&1 || { cat "$WORK/d3.out"; exit 1; }
check "an assets-only worker answers" until_ok 60 spa.localhost /assets/app.js 'console.log'
get spa.localhost /assets/app.js
check "… its asset with its content type" \
  bash -c '[ "$0" = "text/javascript; charset=utf-8" ] || [ "$0" = "application/javascript; charset=utf-8" ]' "$(hdr content-type)"
get spa.localhost /settings/profile
check "… a client-side route gets index.html with 200 (single-page-application)" \
  bash -c '[ "$STATUS" = 200 ] && grep -q "<title>spa" "$0"' "$WORK/got"
get spa.localhost '/old-app?v=2'
check "_redirects: a static rule (301), the request's query kept" \
  bash -c '[ "$STATUS" = 301 ] && [ "$0" = "/assets/app.js?v=2" ]' "$(hdr location)"
get spa.localhost /docs/guide/start
check "_redirects: a splat rule to another host (302 by default)" \
  bash -c '[ "$STATUS" = 302 ] && [ "$0" = "https://docs.example.com/guide/start" ]' "$(hdr location)"
get spa.localhost /team/ada
check "_redirects: a 200 rule serves its destination's asset at the request's URL" \
  bash -c '[ "$STATUS" = 200 ] && grep -q "<title>spa" "$0"' "$WORK/got"
get spa.localhost /assets/app.js
check "_headers: a matching rule replaces Cache-Control and fills :splat" \
  bash -c '[ "$0" = "public, max-age=31536000, immutable" ] && [ "$1" = app.js ]' "$(hdr cache-control)" "$(hdr x-asset)"
check "_headers: every matching rule applies (/*), and \"! ETag\" removes the ETag" \
  bash -c '[ "$0" = DENY ] && [ -z "$1" ]' "$(hdr x-frame-options)" "$(hdr etag)"

# --- dispatch-namespace scripts with their own assets, through a dispatcher --------------------------------
tc dispatch-namespace create customers >/dev/null
for t in acme globex; do
  d=$WORK/$t
  mkdir -p "$d/public"
  printf 'export default { fetch(req, env) { const u = new URL(req.url); return u.pathname === "/own" ? env.ASSETS.fetch(new Request(new URL("/brand.txt", u))) : new Response("tenant %s worker " + u.pathname); } };\n' "$t" >"$d/index.js"
  printf '{ "name": "%s", "main": "index.js", "compatibility_date": "2026-01-01", "assets": { "directory": "./public", "binding": "ASSETS" } }\n' "$t" >"$d/wrangler.json"
  printf '%s brand\n' "$t" >"$d/public/brand.txt"
  printf '<!doctype html><title>%s about</title>\n' "$t" >"$d/public/about.html"
  (cd "$d" && tc deploy --dispatch-namespace customers) >"$WORK/t-$t.out" 2>&1 || { cat "$WORK/t-$t.out"; exit 1; }
done
o=$WORK/only
mkdir -p "$o/public"
printf '<!doctype html><title>initech home</title>\n' >"$o/public/index.html"
printf '{ "name": "initech", "compatibility_date": "2026-01-01", "assets": { "directory": "./public", "not_found_handling": "single-page-application" } }\n' >"$o/wrangler.json"
(cd "$o" && tc deploy --dispatch-namespace customers) >"$WORK/t-initech.out" 2>&1 || { cat "$WORK/t-initech.out"; exit 1; }
f=$WORK/front
mkdir -p "$f"
cat >"$f/index.js" <<'JS'
export default {
  async fetch(req, env) {
    const who = req.headers.get("x-user-id") || "";
    try { return await env.NS.get(who).fetch(req); }
    catch (e) { return new Response("dispatch error: " + e.message, { status: 502 }); }
  },
};
JS
printf 'name = "front"\nmain = "index.js"\ncompatibility_date = "2026-01-01"\n[[dispatch_namespaces]]\nbinding = "NS"\nnamespace = "customers"\n' >"$f/wrangler.toml"
(cd "$f" && tc deploy) >"$WORK/f.out" 2>&1 || { cat "$WORK/f.out"; exit 1; }
check "the dispatcher answers" until_ok 60 front.localhost /brand.txt 'acme brand' -H 'X-User-ID: acme'
get front.localhost /brand.txt -H 'X-User-ID: globex'
check "each tenant's request gets its own script's asset (globex)" \
  bash -c '[ "$STATUS" = 200 ] && cmp -s "$0" "$1" && [ "$2" = "text/plain; charset=utf-8" ]' "$WORK/globex/public/brand.txt" "$WORK/got" "$(hdr content-type)"
get front.localhost /about -H 'X-User-ID: acme'
check "a tenant's /about serves its about.html" bash -c '[ "$STATUS" = 200 ] && grep -q "acme about" "$0"' "$WORK/got"
get front.localhost /other -H 'X-User-ID: acme'
check "a path no asset of the tenant matches runs the tenant's worker" test "$OUT" = "tenant acme worker /other"
get front.localhost /own -H 'X-User-ID: globex'
check "a tenant's env.ASSETS.fetch serves its own assets" test "$OUT" = "globex brand"
get front.localhost /settings -H 'X-User-ID: initech'
check "an assets-only tenant (single-page-application) answers through the dispatcher" \
  bash -c '[ "$STATUS" = 200 ] && grep -q "initech home" "$0"' "$WORK/got"
get front.localhost /brand.txt -H 'X-User-ID: nobody'
check "an unknown tenant: still \"Worker not found.\"" bash -c '[ "$STATUS" = 502 ] && grep -q "Worker not found." <<<"$OUT"'

# --- isolation: the asset service accepts only a script's own token ------------------------------------------
cfg=$(ls -t "$STATE"/runtime/front-*.capnp | head -n1)
aport=$(grep -o 'assets-route:w:site", external = (address = "127.0.0.1:[0-9]*' "$cfg" | grep -o '[0-9]*$' | head -n1)
check "the front's config names the asset service" test -n "$aport"
acme_tok=$(grep -o 'x-tenantctl-assets", value = "n:customers:acme"), (name = "x-tenantctl-token", value = "[0-9a-f]*' "$cfg" | grep -o '[0-9a-f]*$' | head -n1)
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'x-tenantctl-assets: n:customers:globex' -H "x-tenantctl-token: $acme_tok" "http://127.0.0.1:$aport/brand.txt" || true)
check "acme's token does not open globex's assets (401)" bash -c '[ -n "$0" ] && [ "$1" = 401 ]' "$acme_tok" "$code"
code=$(curl -sS -o /dev/null -w '%{http_code}' -H 'x-tenantctl-assets: n:customers:acme' -H "x-tenantctl-token: $acme_tok" "http://127.0.0.1:$aport/brand.txt" || true)
check "… it opens acme's own (200)" test "$code" = 200
finish
