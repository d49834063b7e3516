#!/usr/bin/env bash
# labels: integration;config
# timeout: 120
# `tenantctl config validate|show`: exit codes, the --json document's shape, stdout/stderr separation, --strict,
# --dispatch-namespace, --env / CLOUDFLARE_ENV, --cwd discovery, and the bundled example project.
set -euo pipefail
: "${TENANTCTL:?set TENANTCTL to the tenantctl binary}"
src="${TENANTCTL_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HOME="$work/home" XDG_CONFIG_HOME="$work/xdg-config" XDG_DATA_HOME="$work/xdg-data" XDG_CACHE_HOME="$work/xdg-cache"
export NO_COLOR=1
unset CLOUDFLARE_ENV || true
mkdir -p "$HOME"

fails=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# run <dir> <args…>: sets rc, out, err
run() {
  local dir=$1; shift
  set +e
  (cd "$dir" && "$TENANTCTL" "$@" </dev/null >"$work/out" 2>"$work/err")
  rc=$?
  set -e
  out=$(cat "$work/out"); err=$(cat "$work/err")
}
expect_rc() { [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1 (stderr: $(head -c 300 "$work/err"))"; }
# json_check <python expression over d> <what>
json_check() {
  python3 - "$work/out" "$1" <<'PY' || fail "$2"
import json, sys
text = open(sys.argv[1]).read()
d = json.loads(text)  # exactly one document, or this raises
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
}

# ---- a valid project
good="$work/good"
mkdir -p "$good/src" "$good/sub/dir"
echo 'export default {}' > "$good/src/index.js"
cat > "$good/wrangler.toml" <<'EOF'
name = "good-app"
main = "src/index.js"
compatibility_date = "2025-06-01"
[vars]
MODE = "top"
[env.staging]
[env.staging.vars]
MODE = "staging"
EOF

run "$good" config validate
expect_rc 0 "validate on a valid config"
[ -z "$out" ] || fail "validate printed on stdout: $out"
grep -q "wrangler.toml: ok" <<<"$err" || fail "validate summary missing on stderr: $err"

run "$good" config show --json
expect_rc 0 "show --json on a valid config"
json_check 'set(d) == {"ok","config","warnings","errors"} and d["ok"] is True and d["config"]["name"] == "good-app" and d["config"]["main"] == "./src/index.js" and d["warnings"] == [] and d["errors"] == []' "show --json shape for a valid config"
[ -z "$err" ] || fail "show --json wrote to stderr for a clean config: $err"

run "$good" config show --json --env staging
json_check 'd["config"]["name"] == "good-app-staging" and d["config"]["vars"] == {"MODE": "staging"} and d["config"]["targetEnvironment"] == "staging"' "--env staging"

set +e
(cd "$good" && CLOUDFLARE_ENV=staging "$TENANTCTL" config show --json >"$work/out" 2>/dev/null)
set -e
json_check 'd["config"]["name"] == "good-app-staging"' "CLOUDFLARE_ENV selects the environment"

run "$good" config show --json --env ""
json_check 'd["config"]["name"] == "good-app" and d["config"]["targetEnvironment"] == ""' '--env "" selects the top level'

run "$good/sub/dir" config show --json
json_check 'd["ok"] and d["config"]["name"] == "good-app"' "discovery walks up from a subdirectory"
run "$work" --cwd "$good/sub" config show --json
json_check 'd["ok"] and d["config"]["name"] == "good-app"' "--cwd is where discovery starts"

run "$good" config show
expect_rc 0 "human show"
grep -q "good-app" <<<"$out" || fail "human show lacks the name: $out"
grep -q "MODE" <<<"$out" || fail "human show lacks the vars binding: $out"

run "$good" config show -o yaml
expect_rc 0 "show -o yaml"
grep -q "^ok: true" <<<"$out" || fail "yaml output lacks ok: true: $out"

# ---- errors: all of them, with positions; stdout only the document
bad="$work/bad"
mkdir -p "$bad"
cat > "$bad/wrangler.toml" <<'EOF'
name = "Bad Name"
compatibility_date = "2025-13-01"
[[containers]]
class_name = "X"
image = "nonexistent"
max_instances = -1
EOF
run "$bad" config validate
expect_rc 1 "validate on an invalid config"
[ -z "$out" ] || fail "validate printed on stdout for errors: $out"
grep -q '^wrangler.toml:1:8: error: Expected "name"' <<<"$err" || fail "name error not rendered with position: $err"
grep -q '^wrangler.toml:6:17: error: "containers.max_instances"' <<<"$err" || fail "max_instances error not rendered: $err"
grep -q '^  6 | max_instances = -1' <<<"$err" || fail "source line missing: $err"

run "$bad" config show --json
expect_rc 1 "show --json on an invalid config"
json_check 'd["ok"] is False and d["config"] is None and len(d["errors"]) == 4 and all(set(e) >= {"message","file","line","column","path"} for e in d["errors"])' "errors carry message/file/line/column/path"
json_check 'any(e["path"] == "containers[0].max_instances" and e["line"] == 6 and e["column"] == 17 for e in d["errors"])' "max_instances error position and path"
json_check 'd["error"]["kind"] == "config" and d["error"]["message"] == "wrangler.toml has 4 errors" and [(x["line"], x["column"], x["severity"]) for x in d["error"]["diagnostics"]] == [(e["line"], e["column"], "error") for e in d["errors"]]' "the one error object: kind, message, the same diagnostics"
run "$bad" config validate --json
expect_rc 1 "validate --json on an invalid config"
json_check 'd["ok"] is False and d["error"]["kind"] == "config" and len(d["error"]["diagnostics"]) == 4' "validate --json carries the error object"

# deploy reports the same diagnostics with their source lines (no second read of the file)
run "$bad" deploy --dry-run
expect_rc 1 "deploy on an invalid config"
grep -q '^  6 | max_instances = -1' <<<"$err" || fail "deploy's diagnostics lack the source line: $err"
grep -q "error:" <<<"$err" || fail "human diagnostics missing on stderr with --json"

# ---- syntax errors
mkdir -p "$work/syntax"
printf '{\n  "name": "x"\n  "main": "y"\n}\n' > "$work/syntax/wrangler.jsonc"
run "$work/syntax" config show --json
expect_rc 1 "syntax error"
json_check 'd["errors"][0]["message"].startswith("CommaExpected") and d["errors"][0]["line"] == 3 and d["errors"][0]["column"] == 3' "JSONC syntax error position"

# ---- warnings and --strict
warn="$work/warn"
mkdir -p "$warn"
printf 'name = "w"\ncompatibilty_date = "2025-06-01"\n' > "$warn/wrangler.toml"
run "$warn" config show --json
expect_rc 0 "warnings do not fail"
json_check 'd["ok"] and len(d["warnings"]) == 1 and d["warnings"][0]["hint"] == "did you mean \"compatibility_date\"?" and d["warnings"][0]["line"] == 2' "unknown field warning with hint"
grep -q "warning:" <<<"$err" || fail "warning not shown on stderr: $err"
run "$warn" config validate --strict
expect_rc 1 "--strict turns warnings into errors"
run "$warn" config show --json --strict
json_check 'd["ok"] is False and len(d["errors"]) == 1 and d["warnings"] == []' "--strict in the JSON document"

# ---- dispatch namespace relaxes the name rule
mkdir -p "$work/wfp"
printf 'name = "Tenant_ABC 1"\n' > "$work/wfp/wrangler.toml"
run "$work/wfp" config validate
expect_rc 1 "free-form name without --dispatch-namespace"
run "$work/wfp" config show --json --dispatch-namespace prod
expect_rc 0 "free-form name with --dispatch-namespace"

# ---- --config
run "$good" config show --json --config missing.toml
expect_rc 1 "missing --config file"
json_check 'd["errors"][0]["message"].startswith("Could not read file: missing.toml")' "missing file message"

# ---- no config at all
mkdir -p "$work/none"
run "$work/none" config validate
expect_rc 1 "validate without any config file"

# ---- help works
run "$good" config --help
expect_rc 0 "config --help"
run "$good" config show --help
expect_rc 0 "config show --help"
grep -q -- "--dispatch-namespace" <<<"$out" || fail "show --help lacks --dispatch-namespace"

# ---- wrangler's checks found with real-world configs (issue #14): exact texts and positions (continuation lines
# of a message are indented by two spaces on a terminal)
real="$work/real"
mkdir -p "$real"
cat > "$real/wrangler.toml" <<'EOF'
name = "real"
unsafe.bindings = [{ name = "U", type = "xyz" }]
[vars]
WHEN = 2025-12-19
[[kv_namespaces]]
binding = "KV"
id = ""
[[kv_namespaces]]
binding = "KV2"
id = "k2"
[[containers]]
class_name = "A"
ssh = { enabled = true }
[containers.configuration]
image = "registry.example.com/a:1"
bogus = 1
[env.staging]
vars = { WHEN = "2025-12-19" }
kv_namespaces = [{ binding = "KV", id = "k1" }]
unsafe.bindings = [{ name = "U2", type = "xyz" }]
EOF
run "$real" config validate
expect_rc 1 "empty KV id and a TOML date are errors"
grep -qxF 'wrangler.toml:4:8: error: The field "vars.WHEN" is a TOML date, which is not supported. Please use a string instead, e.g. WHEN = "2025-12-19".' <<<"$err" || fail "TOML date in vars: $err"
grep -qxF 'wrangler.toml:7:6: error: "kv_namespaces[0]" bindings should have a string "id" field but got {"binding":"KV","id":""}.' <<<"$err" || fail "empty KV id: $err"
grep -qxF 'wrangler.toml:14:13: warning: "containers.configuration" is deprecated. Use top level "containers" fields instead. "configuration.image" should be "image", limits should be set via "instance_type".' <<<"$err" || fail "containers.configuration deprecation: $err"
grep -qxF 'wrangler.toml:16:1: warning: Unexpected fields found in containers.configuration field: "bogus"' <<<"$err" || fail "unexpected field in containers.configuration: $err"
sed -i -e 's/^WHEN = 2025-12-19$/WHEN = "2025-12-19"/' -e 's/^id = ""$/id = "k1"/' "$real/wrangler.toml"
run "$real" config show --json --env staging
expect_rc 0 "the fixed config"
json_check 'd["config"].get("containers") is None and d["config"]["kv_namespaces"] == [{"binding": "KV", "id": "k1"}]' "env staging: its own bindings only"
run "$real" config show --json
json_check 'd["config"]["containers"][0]["wrangler_ssh"] == {"enabled": True} and "ssh" not in d["config"]["containers"][0] and d["config"]["containers"][0]["image"] == "registry.example.com/a:1"' "ssh is normalized to wrangler_ssh, configuration.image to image"
run "$real" config validate --env staging
expect_rc 0 "validate --env staging"
grep -qxF 'wrangler.toml:19:17: warning: There is a kv_namespaces binding with name "KV2" at the top level, but not on "env.staging".' <<<"$err" || fail "per-binding not-inherited warning: $err"
grep -qxF '  Please add a binding for "KV2" to "env.staging.kv_namespaces.bindings".' <<<"$err" || fail "per-binding not-inherited warning, last line: $err"
grep -qxF '  This is not what you probably want, since "unsafe" configuration is not inherited by environments.' <<<"$err" || fail "unsafe.bindings not-inherited warning: $err"
grep -qxF '  Please add a binding for each to "env.staging.unsafe.bindings":' <<<"$err" || fail "unsafe.bindings not-inherited warning, list: $err"
grep -qxF -- '  - U' <<<"$err" || fail "unsafe.bindings not-inherited warning, name: $err"
grep -qxF 'wrangler.toml:17:6: warning: "containers" exists at the top level, but not on "env.staging".' <<<"$err" || fail "whole-field not-inherited warning kept: $err"

# ---- the bundled example
run "$src/examples/hello" config validate
expect_rc 0 "examples/hello validates"
run "$src/examples/hello" config show --json --env staging --strict
expect_rc 0 "examples/hello staging is clean under --strict"
json_check 'd["config"]["containers"][0]["image"] == "./container/Dockerfile" and d["config"]["containers"][0]["name"] == "hello-tenants-staging-tenantcontainer-staging"' "example container"

if [ "$fails" -ne 0 ]; then
  echo "config_cli: $fails check(s) failed" >&2
  exit 1
fi
echo "config_cli: all checks passed"
