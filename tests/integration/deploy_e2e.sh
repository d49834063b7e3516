#!/usr/bin/env bash
# labels: integration;docker;deploy
# timeout: 600
# `tenantctl deploy` end to end against `tenantctl dev --containers` with a real dockerd and registry:
# build + push of a FROM-scratch image with API credentials, worker upload, application create, the tenant
# answering through the router; a second deploy with nothing changed sends only GETs (asserted from the
# platform's request log) and builds/pushes nothing; a changed image rolls out and the tenant gets the new
# instance; dispatch-namespace deploys; the containers commands (list, info, instances, restart, images).
set -euo pipefail
source "$(dirname "$0")/containers_common.inc"
[ -x "$echo_bin" ] || { echo "missing $echo_bin (build the tenant-echo target)" >&2; exit 1; }
start_containers_dev --test-hooks
log=$tmp/state/requests.log

tc() { "$TENANTCTL" --local "$@"; }
# writes since line N of the request log (anything but GET/HEAD)
writes_since() { tail -n +"$(( $1 + 1 ))" "$log" | python3 -c '
import json,sys
w=[l for l in (json.loads(x) for x in sys.stdin if x.strip()) if l["method"] not in ("GET","HEAD")]
print(len(w)); [print("  ", x["method"], x["path"], file=sys.stderr) for x in w]'; }
lines() { wc -l <"$log"; }

# The project: a worker with a Durable Object container class and a FROM-scratch image of tenant-echo.
p=$tmp/project
mkdir -p "$p/src" "$p/app"
cp "$echo_bin" "$p/app/tenant-echo"
cat >"$p/src/index.js" <<'JS'
export class AppContainer {}
export default { async fetch(req, env) { return new Response("router worker"); } };
JS
cat >"$p/app/Dockerfile" <<'DF'
FROM scratch
COPY tenant-echo /tenant-echo
ENV GREETING=v1
ENTRYPOINT ["/tenant-echo"]
DF
printf 'notes.txt\n' >"$p/app/.dockerignore"
echo "ignored" >"$p/app/notes.txt"
cat >"$p/wrangler.toml" <<'TOML'
name = "platform"
main = "./src/index.js"
compatibility_date = "2025-06-01"

[[containers]]
class_name = "AppContainer"
image = "./app/Dockerfile"
max_instances = 3

[[durable_objects.bindings]]
name = "APP"
class_name = "AppContainer"

[[migrations]]
tag = "v1"
new_sqlite_classes = ["AppContainer"]
TOML

# 1. first deploy: build, push, upload, create
n0=$(lines)
if out=$(tc --cwd "$p" deploy --json 2>"$tmp/deploy1.err"); then
  pass "first deploy exits 0"
else
  bad "first deploy failed: $(cat "$tmp/deploy1.err")"; echo "$out"; exit 1
fi
[ "$(j 'd["worker"]["uploaded"]' <<<"$out")" = True ] && pass "the worker was uploaded" || bad "worker not uploaded: $out"
[ "$(j 'd["containers"][0]["action"]+" "+str(d["containers"][0]["built"])+" "+str(d["containers"][0]["pushed"])' <<<"$out")" = "created True True" ] &&
  pass "the image was built and pushed, the application created" || bad "container outcome: $out"
image=$(j 'd["containers"][0]["image"]' <<<"$out")
[[ $image == 127.0.0.1:*/*/platform-appcontainer@sha256:* ]] && pass "the application runs the digest-pinned image $image" || bad "image ref: $image"
grep -q '"PUT","path":"/client/v4/accounts/[^"]*/workers/scripts/platform"' "$log" && pass "the request log has the worker upload" || bad "no upload in the log"

# 2. the tenant answers through the router, from the deployed image
a1=$(curl -s "$router/app/acme/" | j 'd["tenant_id"]+" "+d["instance_id"]' 2>/dev/null || true)
[[ $a1 == "acme "* ]] && pass "tenant acme answers through the router" || bad "tenant acme: $a1 ($(tail -3 "$tmp/state/containers.log"))"
g1=$(curl -s "$router/app/acme/" | j 'd.get("env",{}).get("GREETING","")' 2>/dev/null || true)

# 3. nothing changed: no build, no push, only reads
n1=$(lines)
out2=$(tc --cwd "$p" deploy --json 2>"$tmp/deploy2.err") || bad "second deploy failed: $(cat "$tmp/deploy2.err")"
[ "$(j 'str(d["worker"]["uploaded"])+" "+d["containers"][0]["action"]+" "+str(d["containers"][0]["built"])+" "+str(d["containers"][0]["pushed"])' <<<"$out2")" = "False unchanged False False" ] &&
  pass "second deploy: nothing uploaded, built or pushed" || bad "second deploy: $out2"
w=$(writes_since "$n1")
[ "$w" = 0 ] && pass "second deploy sent no write to the API (request log)" || bad "second deploy wrote $w times"
grep -q 'docker build\|Step 1' "$tmp/deploy2.err" && bad "second deploy ran docker build" || pass "second deploy ran no docker build"
# a file the .dockerignore excludes does not count as a change
echo "still ignored" >>"$p/app/notes.txt"
n1=$(lines)
out2b=$(tc --cwd "$p" deploy --json 2>/dev/null) || true
[ "$(writes_since "$n1")" = 0 ] && pass "a change to a .dockerignore'd file changes nothing" || bad "dockerignored change triggered writes: $out2b"

# 4. a changed image: built, pushed, application modified, rollout; the tenant gets a new instance
sed -i 's/GREETING=v1/GREETING=v2/' "$p/app/Dockerfile"
out3=$(tc --cwd "$p" deploy --json 2>"$tmp/deploy3.err") || bad "third deploy failed: $(cat "$tmp/deploy3.err")"
[ "$(j 'd["containers"][0]["action"]+" "+str(d["containers"][0]["built"])+" "+str(d["worker"]["uploaded"])' <<<"$out3")" = "modified True False" ] &&
  pass "changed Dockerfile: rebuilt, application modified, worker left alone" || bad "third deploy: $out3"
j '[c["field"] for c in d["containers"][0]["changes"]]' <<<"$out3" | grep -q 'configuration.image' &&
  pass "the diff names configuration.image" || bad "diff: $out3"
[ -n "$(j 'd["containers"][0].get("rollout_id","")' <<<"$out3")" ] && pass "a rollout was started" || bad "no rollout: $out3"
a2=$(curl -s "$router/app/acme/" | j 'd["tenant_id"]+" "+d["instance_id"]+" "+d.get("env",{}).get("GREETING","")' 2>/dev/null || true)
[[ $a2 == "acme "* && ${a2% *} != "$a1" ]] && pass "after the rollout tenant acme runs a new instance ($a2)" || bad "after rollout: $a1 -> $a2"
napps=$(tc containers list --json | j 'len([a for a in d if a["name"]=="platform-appcontainer"])')
[ "$napps" = 1 ] && pass "exactly one application" || bad "$napps applications"

# 4b. a new migration is sent relative to the deployed script's migration tag
printf '\n[[migrations]]\ntag = "v2"\nnew_sqlite_classes = ["Other"]\n' >>"$p/wrangler.toml"
tc --cwd "$p" deploy --outdir "$tmp/mig" --json >/dev/null 2>"$tmp/deploy-mig.err" || bad "deploy with a new migration failed: $(cat "$tmp/deploy-mig.err")"
m=$(j 'd["migrations"]' <"$tmp/mig/metadata.json" 2>/dev/null || true)
[ "$m" = "{'new_tag': 'v2', 'old_tag': 'v1', 'steps': [{'new_sqlite_classes': ['Other']}]}" ] &&
  pass "the upload migrates v1 -> v2 only" || bad "migrations sent: $m"

# 5. dispatch namespace: the tenant worker lands in the namespace; a rerun writes nothing
tc dispatch-namespace create tenants >/dev/null
out4=$(tc --cwd "$p" deploy --dispatch-namespace tenants --name acme --containers-rollout none --json 2>"$tmp/deploy4.err") ||
  bad "namespace deploy failed: $(cat "$tmp/deploy4.err")"
[ "$(j 'd["worker"]["dispatch_namespace"]+" "+str(d["worker"]["uploaded"])' <<<"$out4")" = "tenants True" ] &&
  pass "deploy --dispatch-namespace uploads the tenant worker" || bad "namespace deploy: $out4"
tc dispatch-namespace get tenants --json | j 'd["script_count"]' | grep -qx 1 && pass "the namespace holds one script" || bad "script count"
n1=$(lines)
tc --cwd "$p" deploy --dispatch-namespace tenants --name acme --containers-rollout none --json >/dev/null 2>&1 || bad "namespace rerun failed"
[ "$(writes_since "$n1")" = 0 ] && pass "namespace rerun sent no write" || bad "namespace rerun wrote"

# 6. dry run: no API call at all, the exact upload in --outdir
n1=$(lines)
tc --cwd "$p" deploy --dry-run --outdir "$tmp/out" --json >/dev/null 2>&1 || bad "dry run failed"
[ "$(lines)" = "$n1" ] && pass "--dry-run sends no request" || bad "--dry-run sent requests"
[ -s "$tmp/out/upload.multipart" ] && grep -q '"main_module": "index.js"' "$tmp/out/metadata.json" && pass "--outdir has the upload" || bad "--outdir contents"

# 7. containers commands
app_id=$(j 'd["containers"][0]["application_id"]' <<<"$out3")
tc containers info platform-appcontainer --json | j 'd["id"]' | grep -qx "$app_id" && pass "containers info by name" || bad "containers info"
inst=$(tc containers instances "$app_id" --json | j '[i["id"] for i in d if i["status"]["state"]=="running"][0]' 2>/dev/null || true)
[ -n "$inst" ] && pass "containers instances lists the running instance" || bad "containers instances"
tc containers restart "$app_id" --instance "$inst" --json >/dev/null && pass "containers restart --instance" || bad "restart --instance"
a3=$(curl -s "$router/app/acme/" | j 'd["instance_id"]' 2>/dev/null || true)
[ -n "$a3" ] && [[ $a2 != *" $a3 "* ]] && pass "the tenant runs a new instance after restart" || bad "after restart: $a3"
tc containers restart platform-appcontainer --json | j 'd["rollout_id"]' >/dev/null && pass "containers restart (all, rollout)" || bad "restart all"
imgs=$(tc containers images list --json)
j '[t for i in d if i["name"]=="platform-appcontainer" for t in i["tags"]]' <<<"$imgs" | grep -q "'" && pass "images list shows the repository's tags" || bad "images list: $imgs"
tc containers registries list --json | j 'd[0]["domain"]' | grep -q '^127.0.0.1:' && pass "registries list" || bad "registries list"
cr=$(tc containers registries credentials --push --json)
grep -q password <<<"$cr" && bad "credentials --json shows the password" || pass "credentials --json has no password"
tc containers delete platform-appcontainer 2>/dev/null && bad "delete without --yes in a non-TTY run" || pass "delete refuses without --yes"
tc containers delete platform-appcontainer --yes >/dev/null && pass "containers delete --yes" || bad "containers delete"
[ "$(tc containers list --json | j 'len(d)')" = 0 ] && pass "no application left" || bad "application left"

# 8. the platform restarts with its state: the registry keeps its port, so the deployed image still pulls
out5=$(tc --cwd "$p" deploy --json 2>/dev/null) || bad "redeploy after delete failed"
[ "$(j 'd["containers"][0]["action"]+" "+str(d["containers"][0]["built"])' <<<"$out5")" = "created False" ] &&
  pass "redeploy after delete: the registry's image is reused, no build" || bad "redeploy: $out5"
reg1=$(tc containers registries list --json | j 'd[0]["domain"]')
kill "$dev"; wait "$dev" 2>/dev/null || true
"$TENANTCTL" dev --containers --network host --listen 127.0.0.1:0 --router-listen "127.0.0.1:$rport" \
  --state-dir "$tmp/state" >>"$tmp/dev.log" 2>&1 &
dev=$!
for _ in $(seq 1 200); do [ -s "$tmp/state/dev.json" ] && break; sleep 0.1; done
reg2=$(tc containers registries list --json | j 'd[0]["domain"]')
[ "$reg1" = "$reg2" ] && pass "the registry keeps its address across a restart ($reg2)" || bad "registry moved: $reg1 -> $reg2"
a4=$(curl -s "$router/app/acme/" | j 'd["tenant_id"]' 2>/dev/null || true)
[ "$a4" = acme ] && pass "after the restart the tenant answers from the deployed image" || bad "after restart: $a4 ($(tail -2 "$tmp/state/containers.log"))"

# 9. images delete through the registry's v2 API: the first build's tag (no longer in use) goes away
old_tag=$(j 'd["containers"][0]["context_digest"][7:23]' <<<"$out")
tc containers images delete "platform-appcontainer:$old_tag" --yes --json | j 'd["digest"]' | grep -q '^sha256:' &&
  pass "containers images delete removes a tag" || bad "images delete"
tags=$(tc containers images list --json | j '[t for i in d if i["name"]=="platform-appcontainer" for t in i["tags"]]')
[[ $tags != *"$old_tag"* && $tags == *"'"* ]] && pass "the deleted tag is gone, the one in use stays ($tags)" || bad "tags after delete: $tags"
rc=0; tc containers images delete "platform-appcontainer:$old_tag" --yes 2>"$tmp/e" || rc=$?
[ $rc = 1 ] && grep -q 'not in the registry' "$tmp/e" && pass "deleting it again: a clear not-found error" || bad "second delete: rc=$rc $(cat "$tmp/e")"
exit $fail
