#!/usr/bin/env bash
# labels: integration;contract;deploy
# timeout: 900
# `deploy --dispatch-namespace`, an account deploy with a registry-image container, an account deploy with routes,
# crons, workers.dev and preview URLs (and the route conflict check's zone reads), deploys with static assets
# (account, dispatch namespace, assets-only), and the containers commands
# against Prism's validating mock of the Cloudflare API subset: zero request violations.
set -uo pipefail
source "$(dirname "$0")/contract_common.inc"

p=$work/project
mkdir -p "$p/src"
echo 'export default { async fetch() { return new Response("tenant"); } };' >"$p/src/index.js"
cat >"$p/wrangler.toml" <<'TOML'
name = "tenant-worker"
main = "./src/index.js"
compatibility_date = "2025-06-01"
[vars]
THEME = "dark"
TOML
printf 'API_KEY=contract-secret-value\n' >"$work/secrets.env"
T --cwd "$p" deploy --dispatch-namespace my-dispatch-namespace --name tenant-1
T --cwd "$p" deploy --dispatch-namespace my-dispatch-namespace --name tenant-1 --secrets-file "$work/secrets.env" --message "contract run"

# an account worker with a container that runs a registry image (no docker needed)
q=$work/platform
mkdir -p "$q/src"
echo 'export class Web {}; export default { async fetch() { return new Response("router"); } };' >"$q/src/index.js"
cat >"$q/wrangler.toml" <<'TOML'
name = "platform"
main = "./src/index.js"
compatibility_date = "2025-06-01"
[[containers]]
class_name = "Web"
image = "registry.cloudflare.com/tenant-app:v1"
max_instances = 4
[[durable_objects.bindings]]
name = "WEB"
class_name = "Web"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["Web"]
TOML
T --cwd "$q" deploy
T --cwd "$q" deploy --containers-rollout immediate --force

# an account worker with routes, cron triggers, workers.dev and preview URLs (schedules, subdomain and routes
# are read, then set; the operations are in tests/contract/additions.openapi.json)
r=$work/triggers
mkdir -p "$r/src"
echo 'export default { async fetch() { return new Response("t"); }, async scheduled() {} };' >"$r/src/index.ts"
cat >"$r/wrangler.toml" <<'TOML'
name = "triggers"
main = "./src/index.ts"
compatibility_date = "2025-06-01"
workers_dev = true
preview_urls = true
routes = [ { pattern = "shop.example.com/*", zone_name = "example.com" }, "api.example.com/v1/*" ]
[triggers]
crons = ["*/5 * * * *", "0 3 * * 1"]
TOML
T --cwd "$r" deploy

# Workers static assets: an account worker with assets and a binding, the same into a dispatch namespace, and
# an assets-only worker: the upload session (manifest), the bucket upload (session token, base64 parts; the
# mock's session example asks for public/index.html's hash) and the upload with metadata.assets.
a=$work/site
mkdir -p "$a/src" "$a/public/css"
echo 'export default { async fetch(req, env) { return env.ASSETS.fetch(req); } };' >"$a/src/index.js"
printf '<h1>contract</h1>\n' >"$a/public/index.html"
printf 'h1 { color: red; }\n' >"$a/public/css/site.css"
printf '\x00\x01binary\xff' >"$a/public/logo.bin"
cat >"$a/wrangler.toml" <<'TOML'
name = "site"
main = "./src/index.js"
compatibility_date = "2025-06-01"
workers_dev = true
routes = [ { pattern = "site.example.com/*", zone_name = "example.com" } ]
[triggers]
crons = ["0 * * * *"]
[assets]
directory = "./public"
binding = "ASSETS"
html_handling = "force-trailing-slash"
not_found_handling = "404-page"
run_worker_first = true
TOML
T --cwd "$a" deploy
T --cwd "$a" deploy --dispatch-namespace my-dispatch-namespace --name tenant-2
sed -i -e '/^main/d' -e '/^binding/d' -e '/^run_worker_first/d' "$a/wrangler.toml"
T --cwd "$a" deploy --name docs

# containers commands, on the ids Prism's examples give
T containers list
app=$("$TENANTCTL" --api-url "$url" --json containers list 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["id"] if d else "")')
if [ -n "$app" ]; then
    T containers info "$app"
    T containers instances "$app"
    inst=$("$TENANTCTL" --api-url "$url" --json containers instances "$app" 2>/dev/null | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d[0]["id"] if d else "")')
    [ -n "$inst" ] && T containers restart "$app" --instance "$inst"
    T containers restart "$app"
    T containers delete "$app" --yes
else
    echo "FAIL: Prism's application list gave no id"; exit 1
fi
T containers registries list
T containers registries configure docker.io --public
T containers registries delete docker.io --yes
T --json containers registries credentials --push

# The deploys and the containers commands must have succeeded against the contract, not just been valid.
[ ${#failed_cmds[@]} -eq 0 ] || { echo "FAIL: commands exited non-zero: ${failed_cmds[*]}"; exit 1; }
check_contract 25
