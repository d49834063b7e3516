#!/usr/bin/env bash
# labels: integration;init
# timeout: 120
# tenantctl init from the bundled templates (build tree): --list, every template instantiated with its name
# substituted and its configs valid, the container-platform binary present and executable, refusal of a
# non-empty directory, --force, and clear errors.
source "$(dirname "$0")/platform_common.inc"  # WORK, HOME/XDG dirs, cleanup trap, check, finish
: "${TENANTCTL:?}" "${TENANTCTL_SOURCE_DIR:?}"
tmp=$WORK
unset TENANTCTL_TEMPLATES_DIR
run() {  # run CMD…: sets rc, out, err
  rc=0
  "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}
templates=(container-platform dispatcher tenant-worker)

# --list, as a table and as one JSON document
run "$TENANTCTL" init --list
check "init --list exits 0" [ "$rc" = 0 ]
for t in "${templates[@]}"; do
  check "init --list shows $t with a description" grep -Eq "^$t +[A-Z]" <<<"$out"
done
run "$TENANTCTL" init --list --json
check "init --list --json is one JSON array of 3 templates" \
  [ "$(jq -r 'map(.name) | join(",")' <<<"$out")" = "container-platform,dispatcher,tenant-worker" ]
check "init --list --json has descriptions" [ "$(jq -r 'map(select(.description | length > 10)) | length' <<<"$out")" = 3 ]

# The templates as they are in the source tree validate too (the placeholder is a valid worker name).
for cfg in "$TENANTCTL_SOURCE_DIR"/templates/*/wrangler.jsonc "$TENANTCTL_SOURCE_DIR"/templates/*/*/wrangler.jsonc; do
  run "$TENANTCTL" config validate -c "$cfg"
  check "source template config $cfg validates" [ "$rc" = 0 ]
done

# Every template, instantiated
for t in "${templates[@]}"; do
  dir=$tmp/projects/my-$t
  run "$TENANTCTL" init "$dir" --template "$t"
  check "init --template $t exits 0" [ "$rc" = 0 ]
  check "$t: a README and a wrangler config" test -f "$dir/README.md" -a -f "$dir/wrangler.jsonc"
  check "$t: no placeholder left" bash -c "! grep -rIl __project_name__ '$dir'"
  check "$t: the project name is in the config" grep -q "\"name\": \"my-$t\"" "$dir/wrangler.jsonc"
  check "$t: the project name is the README title" grep -qx "# my-$t" "$dir/README.md"
  run "$TENANTCTL" --cwd "$dir" config validate
  check "$t: config validate passes (rc $rc: $err)" [ "$rc" = 0 ]
  if command -v node >/dev/null; then
    while IFS= read -r js; do
      check "$t: $(basename "$js") parses as a JavaScript module" \
        node --experimental-default-type=module --check "$js"
    done < <(find "$dir" -name '*.js' -not -path '*/example-app-node/*')
    while IFS= read -r js; do
      check "$t: $(basename "$js") parses as CommonJS" node --check "$js"
    done < <(find "$dir" -path '*/example-app-node/*.js')
  fi
done
d=$tmp/projects/my-dispatcher/customer-worker
for e in user1 user2; do
  run "$TENANTCTL" --cwd "$d" config validate --env "$e"
  check "dispatcher: customer-worker validates with --env $e" [ "$rc" = 0 ]
  run "$TENANTCTL" --cwd "$d" config show --env "$e" --json
  check "dispatcher: env $e names the worker customer-$e with its own KV and R2" \
    [ "$(jq -r '"\(.config.name) \(.config.kv_namespaces[0].binding) \(.config.r2_buckets[0].bucket_name)"' <<<"$out")" = "customer-$e USER_KV customer-$e-files" ]
done
cp=$tmp/projects/my-container-platform
check "container-platform: example-app/tenant-echo is present and executable" [ -x "$cp/example-app/tenant-echo" ]
check "container-platform: the binary is static (runs with no libc in the image)" \
  bash -c "file -b '$cp/example-app/tenant-echo' 2>/dev/null | grep -q 'statically linked' || ! command -v file >/dev/null"
for df in Dockerfile Dockerfile.node; do
  while read -r src; do
    check "container-platform: $df COPY source $src exists" [ -e "$cp/$src" ]
  done < <(awk '$1 == "COPY" { for (i = 2; i < NF; i++) print $i }' "$cp/$df")
done
check "container-platform: Dockerfile is FROM scratch" grep -qx 'FROM scratch' "$cp/Dockerfile"
check "container-platform: dotfiles are copied (.dockerignore keeps src out of the image)" grep -qx src "$cp/.dockerignore"
run "$TENANTCTL" --cwd "$cp" config show --json
check "container-platform: one container class TenantApp with a DO binding and sqlite migration" \
  [ "$(jq -r '"\(.config.containers[0].class_name) \(.config.durable_objects.bindings[0].class_name) \(.config.migrations[0].new_sqlite_classes[0])"' <<<"$out")" = "TenantApp TenantApp TenantApp" ]
tw=$tmp/projects/my-tenant-worker
expected_yaml='namespace: production
script: ./src/index.js
compatibility_date: "2026-01-01"
plans:
  free:
    cpu_ms: 10
    subrequests: 5
  pro:
    cpu_ms: 50
    subrequests: 50
defaults:
  plan: free
  tags: [managed]
tenants:
  - id: acme
    plan: pro
    tags: [customer-acme]
    vars:
      THEME: dark
    secrets:
      API_KEY:
        env: ACME_API_KEY
    isolate: [kv, r2]'
# comments and blank lines removed, the file is exactly the documented shape
got_yaml=$(sed -e 's/\(^\|[[:space:]]\)#.*$//' -e 's/[[:space:]]*$//' "$tw/tenants.yaml" | grep -v '^$')
check "tenant-worker: tenants.yaml in the documented shape" [ "$got_yaml" = "$expected_yaml" ]

# --name, default directory (the current one), JSON result
mkdir -p "$tmp/here/Empty Dir"
run env -C "$tmp/here/Empty Dir" "$TENANTCTL" init --template tenant-worker --json
check "init into the (empty) current directory exits 0" [ "$rc" = 0 ]
check "the name comes from the directory: empty-dir" [ "$(jq -r .name <<<"$out")" = empty-dir ]
check "--json lists the files" [ "$(jq -r '.files | index("tenants.yaml") != null' <<<"$out")" = true ]
run "$TENANTCTL" init "$tmp/named" --template dispatcher --name acme-edge
check "--name is substituted" grep -q '"name": "acme-edge"' "$tmp/named/wrangler.jsonc"

# A non-empty directory is refused, nothing changes; --force writes over it and keeps other files
mkdir -p "$tmp/busy"; echo mine >"$tmp/busy/notes.txt"; echo old >"$tmp/busy/README.md"
run "$TENANTCTL" init "$tmp/busy" --template tenant-worker
check "non-empty directory refused with exit 1" [ "$rc" = 1 ]
check "the error names the directory and hints at --force" bash -c "grep -q 'busy\" is not empty' <<<\"\$1\" && grep -q -- --force <<<\"\$1\"" _ "$err"
check "nothing was written" [ "$(ls "$tmp/busy" | tr '\n' ' ')" = "README.md notes.txt " ]
check "no staging directory left behind" [ -z "$(find "$tmp" -maxdepth 1 -name '.*tenantctl-*')" ]
run "$TENANTCTL" init "$tmp/busy" --template tenant-worker --force
check "--force exits 0" [ "$rc" = 0 ]
check "--force keeps other files" grep -qx mine "$tmp/busy/notes.txt"
check "--force replaces the template's files" grep -qx '# busy' "$tmp/busy/README.md"

# Errors: unknown template (with the list and a hint), bad name (usage), JSON error document
run "$TENANTCTL" init "$tmp/x" --template no-such-template
check "unknown template: exit 1" [ "$rc" = 1 ]
check "unknown template: the error names it and lists the templates" grep -q '"no-such-template" (templates: container-platform, dispatcher, tenant-worker)' <<<"$err"
check "unknown template: hint tenantctl init --list" grep -q 'tenantctl init --list' <<<"$err"
check "unknown template: nothing created" [ ! -e "$tmp/x" ]
run "$TENANTCTL" init "$tmp/y" --name 'Bad Name'
check "invalid --name: exit 2 with a suggestion" bash -c '[ "$1" = 2 ] && grep -q "try --name bad-name" <<<"$2"' _ "$rc" "$err"
run "$TENANTCTL" init "$tmp/busy" --json
check "--json error: one document with ok=false and kind conflict on stdout" \
  [ "$(jq -r '"\(.ok) \(.error.kind)"' <<<"$out")" = "false conflict" ]
run env TENANTCTL_TEMPLATES_DIR="$tmp/nowhere" "$TENANTCTL" init --list
check "TENANTCTL_TEMPLATES_DIR pointing nowhere: exit 1, named in the error" \
  bash -c '[ "$1" = 1 ] && grep -q "TENANTCTL_TEMPLATES_DIR" <<<"$2"' _ "$rc" "$err"
mkdir -p "$tmp/alt/only-one"; printf '# x\n\nThe only template.\n' >"$tmp/alt/only-one/README.md"
run env TENANTCTL_TEMPLATES_DIR="$tmp/alt" "$TENANTCTL" init --list --json
check "TENANTCTL_TEMPLATES_DIR overrides the bundled templates" [ "$(jq -r '.[0].name + ":" + .[0].description' <<<"$out")" = "only-one:The only template" ]

finish
