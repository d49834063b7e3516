#!/usr/bin/env bash
# labels: integration;docker;deploy
# timeout: 600
# deploy under faults, against `tenantctl dev --containers --test-hooks`: docker missing, a failing build
# (its last lines shown), a registry that refuses the push, and API 5xx in the middle of a deploy. Each is a
# clear error with exit 1 that uploads nothing it should not, and a rerun completes without duplicates.
set -euo pipefail
src=$TENANTCTL_SOURCE_DIR
echo_bin=$TENANTCTL_BUILD_DIR/tests/apps/tenant-echo
[ -x "$echo_bin" ] || { echo "missing $echo_bin" >&2; exit 1; }
tmp=$(mktemp -d)
export HOME=$tmp XDG_CONFIG_HOME=$tmp/config DOCKER_CONFIG=$tmp/docker-config
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  bash "$src/tests/support/docker_env.sh" stop "$tmp/docker" >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
eval "$(bash "$src/tests/support/docker_env.sh" start "$tmp/docker")"

fail=0
pass() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
j() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"; }
tc() { "$TENANTCTL" --local "$@"; }

start_dev() {  # start_dev STATE [args…]
  local state=$1; shift
  rm -f "$state/dev.json"
  "$TENANTCTL" dev --listen 127.0.0.1:0 --state-dir "$state" --test-hooks "$@" >>"$tmp/dev.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 200); do [ -s "$state/dev.json" ] && break; sleep 0.1; done
  [ -s "$state/dev.json" ] || { cat "$tmp/dev.log" >&2; exit 1; }
  api=$(j 'd["api_url"]' <"$state/dev.json")
}
devtoken() { python3 -c 'import json,os; print(json.load(open(os.environ["XDG_CONFIG_HOME"]+"/tenantctl/profiles/local.json"))["api_token"])'; }
fault() { curl -sf -X POST -H "Authorization: Bearer $(devtoken)" "${api%/client/v4}/__dev/faults" -d "$1" >/dev/null; }
count() { grep -c "$1" "$log" || true; }

p=$tmp/project
mkdir -p "$p/src" "$p/app"
cp "$echo_bin" "$p/app/tenant-echo"
echo 'export default { async fetch() { return new Response("ok"); } };' >"$p/src/index.js"
printf 'FROM scratch\nCOPY tenant-echo /tenant-echo\nENTRYPOINT ["/tenant-echo"]\n' >"$p/app/Dockerfile"
cat >"$p/wrangler.toml" <<'TOML'
name = "faulty"
main = "./src/index.js"
compatibility_date = "2025-06-01"
[[containers]]
class_name = "App"
image = "./app/Dockerfile"
max_instances = 2
TOML

# --- a registry that refuses the push (the platform hands out credentials for it) ---
python3 "$src/tests/support/refusing_registry.py" "$tmp/regport" & pids+=($!)
for _ in $(seq 1 50); do [ -s "$tmp/regport" ] && break; sleep 0.1; done
start_dev "$tmp/state-refuse" --no-containers --registry "127.0.0.1:$(cat "$tmp/regport")"
log=$tmp/state-refuse/requests.log
rc=0; tc --cwd "$p" deploy >"$tmp/o" 2>"$tmp/e" || rc=$?
[ $rc = 1 ] && pass "registry refusing the push: exit 1" || bad "refused push exit $rc"
grep -q 'refused\|denied' "$tmp/e" && pass "the error says the push was refused" || bad "error text: $(cat "$tmp/e")"
[ "$(count '"PUT","path":"[^"]*/workers/scripts/faulty"')" = 0 ] && [ "$(count '"POST","path":"[^"]*/containers/applications"')" = 0 ] &&
  pass "nothing was uploaded or created" || bad "writes after a refused push"
grep -q 'password' "$tmp/e" && bad "a password in the error output" || true
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# --- the real platform from here on ---
start_dev "$tmp/state" --containers --network host --router-listen 127.0.0.1:0
log=$tmp/state/requests.log

# docker missing
rc=0; TENANTCTL_DOCKER=$tmp/no-such-docker tc --cwd "$p" deploy >"$tmp/o" 2>"$tmp/e" || rc=$?
[ $rc = 1 ] && pass "docker missing: exit 1" || bad "docker missing exit $rc"
grep -q 'could not be launched' "$tmp/e" && grep -q 'hint:' "$tmp/e" && pass "docker missing: one clear error with a hint" || bad "docker missing text: $(cat "$tmp/e")"
[ "$(count '"PUT","path":"[^"]*/workers/scripts/faulty"')" = 0 ] && pass "docker missing: the worker was not uploaded" || bad "uploaded without docker"

# a failing build shows its last lines
cp "$p/app/Dockerfile" "$tmp/Dockerfile.good"
printf 'FROM scratch\nCOPY no-such-file /x\n' >"$p/app/Dockerfile"
rc=0; tc --cwd "$p" deploy >"$tmp/o" 2>"$tmp/e" || rc=$?
[ $rc = 1 ] && pass "build failure: exit 1" || bad "build failure exit $rc"
grep -q 'docker build of .* failed' "$tmp/e" && grep -q 'no-such-file' "$tmp/e" && pass "build failure: docker's last lines are shown" || bad "build failure text: $(cat "$tmp/e")"
[ "$(count '"PUT","path":"[^"]*/workers/scripts/faulty"')" = 0 ] && pass "build failure: nothing uploaded" || bad "uploaded after a failed build"
cp "$tmp/Dockerfile.good" "$p/app/Dockerfile"

# API 5xx in the middle: the application create fails after the push and the upload
fault '{"method":"POST","path_regex":"/containers/applications$","status":500,"count":1}'
rc=0; tc --cwd "$p" deploy --json >"$tmp/o" 2>"$tmp/e" || rc=$?
[ $rc = 1 ] && pass "5xx on application create: exit 1" || bad "5xx exit $rc"
j 'd["error"]["status"]' <"$tmp/o" | grep -q 5 && pass "the --json error carries the status" || bad "json error: $(cat "$tmp/o")"
rc=0; out=$(tc --cwd "$p" deploy --json 2>"$tmp/e") || rc=$?
[ $rc = 0 ] && pass "the rerun completes" || bad "rerun failed: $(cat "$tmp/e")"
[ "$(j 'str(d["containers"][0]["built"])+" "+d["containers"][0]["action"]+" "+str(d["worker"]["uploaded"])' <<<"$out")" = "False created False" ] &&
  pass "rerun: the image is reused from the registry, the worker is not re-uploaded, the application is created" || bad "rerun: $out"
[ "$(tc containers list --json | j 'len([a for a in d if a["name"]=="faulty-app"])')" = 1 ] && pass "exactly one application" || bad "duplicate applications"

# API 5xx on the worker upload (more than the retries): nothing half-done, the rerun uploads
echo '// v2' >>"$p/src/index.js"
fault '{"method":"PUT","path_regex":"/workers/scripts/faulty$","status":503,"count":10}'
rc=0; tc --cwd "$p" deploy >"$tmp/o" 2>"$tmp/e" || rc=$?
[ $rc = 1 ] && grep -q '503' "$tmp/e" && pass "503 on upload: exit 1 after the retries" || bad "503 upload: rc=$rc $(cat "$tmp/e")"
curl -sf -X DELETE -H "Authorization: Bearer $(devtoken)" "${api%/client/v4}/__dev/faults" >/dev/null
out=$(tc --cwd "$p" deploy --json 2>/dev/null) || bad "rerun after 503 failed"
[ "$(j 'str(d["worker"]["uploaded"])+" "+d["containers"][0]["action"]' <<<"$out")" = "True unchanged" ] &&
  pass "rerun uploads the worker, the application is unchanged" || bad "rerun after 503: $out"
[ "$(tc containers list --json | j 'len(d)')" = 1 ] && pass "still exactly one application" || bad "applications after reruns"
exit $fail
