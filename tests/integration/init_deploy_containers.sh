#!/usr/bin/env bash
# labels: integration;init;deploy;docker
# timeout: 600
# The container-platform template end to end: `tenantctl init` makes the project (with the static example app
# the build put into the template), `tenantctl deploy` against `tenantctl dev --containers` builds its
# FROM-scratch image, pushes it and creates the application, and tenants answer through the router, each from
# its own container (path, query and subdomain routing, _status, _restart, _metadata).
set -euo pipefail
: "${TENANTCTL:?}" "${TENANTCTL_SOURCE_DIR:?}"
source "$(dirname "$0")/containers_common.inc"
unset TENANTCTL_TEMPLATES_DIR
fails=0
check() {
  local what=$1; shift
  if "$@"; then echo "ok   - $what"; else echo "FAIL - $what"; fails=$((fails + 1)); fi
}

"$TENANTCTL" init "$tmp/platform" --template container-platform --name acme-platform >/dev/null
check "the project has the example app's binary" test -x "$tmp/platform/example-app/tenant-echo"

start_containers_dev

out=$("$TENANTCTL" --local --cwd "$tmp/platform" deploy --json 2>"$tmp/deploy.err") || { cat "$tmp/deploy.err"; echo "FAIL - deploy"; exit 1; }
check "deploy uploads the router worker" test "$(jq -r .worker.uploaded <<<"$out")" = true
check "deploy builds and pushes the image and creates the application" \
  test "$(jq -r '.containers[0] | "\(.action) \(.built) \(.pushed)"' <<<"$out")" = "created true true"
check "the application is acme-platform-tenantapp" test "$(jq -r '.containers[0].name' <<<"$out")" = acme-platform-tenantapp

get() { curl -s --max-time 30 "$@"; }
a1=$(get "$router/app/acme/" | jq -r '.tenant_id + " " + .instance_id')
check "tenant acme answers from its container ($a1)" test "${a1%% *}" = acme
a2=$(get "$router/app/acme/some/path" | jq -r '.tenant_id + " " + .instance_id + " " + .path')
check "the same app id reaches the same instance, prefix stripped ($a2)" test "$a2" = "$a1 /some/path"
g1=$(get "$router/app/globex/" | jq -r '.tenant_id + " " + .instance_id')
check "another app id gets another container ($g1)" test "${g1%% *}" = globex -a "${g1#* }" != "${a1#* }"
q=$(get "$router/?appId=acme" | jq -r '.tenant_id + " " + .instance_id')
check "?appId=acme reaches acme's instance" test "$q" = "$a1"
h=$(get -H "Host: acme.localhost:$rport" "$router/" | jq -r '.tenant_id + " " + .instance_id')
check "the subdomain acme.localhost reaches acme's instance" test "$h" = "$a1"
check "_status says running" test "$(get "$router/app/acme/_status" | jq -r .running)" = true
get -X PUT -H 'content-type: application/json' --data '{"plan":"pro"}' "$router/app/acme/_metadata" >/dev/null
check "_metadata keeps what was PUT" test "$(get "$router/app/acme/_metadata" | jq -r .plan)" = pro
get -X POST "$router/app/acme/_restart" >/dev/null
a3=$(get "$router/app/acme/" | jq -r '.tenant_id + " " + .instance_id')
check "_restart gives acme a new instance ($a3)" test "${a3%% *}" = acme -a "$a3" != "$a1"

# Editing the router worker re-uploads it but neither rebuilds the image nor rolls out (.dockerignore)
echo "// edited" >>"$tmp/platform/src/index.js"
out=$("$TENANTCTL" --local --cwd "$tmp/platform" deploy --json 2>"$tmp/deploy2.err") || cat "$tmp/deploy2.err"
check "after editing src/index.js: worker uploaded, application unchanged, nothing built" \
  test "$(jq -r '"\(.worker.uploaded) \(.containers[0].action) \(.containers[0].built)"' <<<"$out")" = "true unchanged false"

if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; tail -20 "$tmp/dev.log"; exit 1; fi
echo "all checks passed"
