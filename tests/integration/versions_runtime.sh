#!/usr/bin/env bash
# labels: integration;runtime
# timeout: 600
# Versions and deployments of an account worker on `tenantctl dev`, running in workerd: deploy (version one),
# `versions upload` two more (not deployed: one still answers), `versions deploy ONE@50% TWO@50` (200 requests:
# both versions answer, each at least 20%), `deployments list|status --json`, bad input (an unknown version,
# percentages not adding up to 100, a third version, no --yes off a terminal: clear errors, exit 2 for usage and
# 1 for the rest, the deployment unchanged), then `rollback` (only the rolled-back version answers).
set -euo pipefail
source "$(dirname "$0")/platform_common.inc"
start_dev_workers
p=$WORK/project
mkdir -p "$p"
tc() { (cd "$p" && "$TENANTCTL" --local "$@"); }
answer() {  # ANSWER: the worker's code
  printf 'export default { async fetch() { return new Response("%s"); } };\n' "$1" >"$p/index.js"
}
wcall() {
  OUT=$(curl -sS --max-time 10 -H "Host: splitter.localhost" "$W/" 2>>"$WORK/curl.err") || OUT="(no answer)"
}
# count N: N requests; sets ONE, TWO, THREE, OTHER.
count() {
  ONE=0 TWO=0 THREE=0 OTHER=0
  for _ in $(seq 1 "$1"); do
    wcall
    case "$OUT" in one) ONE=$((ONE + 1)) ;; two) TWO=$((TWO + 1)) ;; three) THREE=$((THREE + 1)) ;; *) OTHER=$((OTHER + 1)) ;; esac
  done
  echo "    $1 requests: one=$ONE two=$TWO three=$THREE other=$OTHER"
}
# until_answer TEXT TIMEOUT_S: until the worker answers TEXT (the front swaps its process after a change).
until_answer() {
  local end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do wcall; [ "$OUT" = "$1" ] && return 0; sleep 0.1; done
  return 1
}
# until_only TEXT N TIMEOUT_S: until N answers in a row are TEXT.
until_only() {
  local end=$((SECONDS + $3)) run=0
  while [ $SECONDS -lt $end ]; do
    wcall
    if [ "$OUT" = "$1" ]; then run=$((run + 1)); [ $run -ge "$2" ] && return 0; else run=0; fi
  done
  return 1
}

jqf() { jq -e "$@" >/dev/null; }
at_least() { [ "$ONE" -ge "$1" ] && [ "$TWO" -ge "$1" ] && [ "$OTHER" = 0 ]; }
current_deployment() { tc --json deployments status | jq -r .deployment.id; }
deployment_count() { tc --json deployments list | jq '.deployments | length'; }

cat >"$p/wrangler.toml" <<'TOML'
name = "splitter"
main = "index.js"
compatibility_date = "2026-01-01"
TOML
answer one
tc deploy >"$WORK/deploy.out" 2>&1 || { cat "$WORK/deploy.out"; exit 1; }
until_answer one 60 || true
check "the deployed worker answers \"one\"" test "$OUT" = one

answer two
tc --json versions upload --message "second" --tag v2 >"$WORK/up2.json" 2>"$WORK/up2.err" || cat "$WORK/up2.err"
V2=$(jq -r .version_id "$WORK/up2.json")
check "versions upload --json gives the new version's id, not deployed" \
  bash -c '[ -n "$0" ] && [ "$0" != null ] && jq -e ".ok and (.deployed == false) and .tag == \"v2\"" "$1" >/dev/null' "$V2" "$WORK/up2.json"
answer three
V3=$(tc --json versions upload --message "third" | jq -r .version_id)
count 20
check "uploaded versions are not deployed: only \"one\" answers" test "$ONE" = 20

tc --json versions list >"$WORK/list.json"
V1=$(jq -r '.versions[] | select(.number == 1) | .id' "$WORK/list.json")
check "versions list --json: three versions, newest first" \
  jqf --arg v3 "$V3" '(.versions | length) == 3 and .versions[0].id == $v3 and .versions[0].message == "third"' "$WORK/list.json"
tc --json versions view "$V2" >"$WORK/view.json"
check "versions view --json shows the version" jqf --arg v "$V2" '.version.id == $v and .version.annotations["workers/message"] == "second"' "$WORK/view.json"

tc --json versions deploy "$V1@50%" "$V2@50" --yes --message "half and half" >"$WORK/dep.json" 2>"$WORK/dep.err" || cat "$WORK/dep.err"
check "versions deploy ONE@50% TWO@50 --json" \
  jqf --arg a "$V1" --arg b "$V2" '.ok and ([.deployment.versions[] | [.version_id, .percentage]] == [[$a, 50], [$b, 50]])' "$WORK/dep.json"
until_answer two 60 || true
count 200
check "after a 50/50 deployment both versions answer, each at least 20% of 200 requests" at_least 40

tc --json deployments status >"$WORK/status.json"
check "deployments status --json: the current deployment, both versions at 50% with their numbers" \
  jqf --arg a "$V1" --arg b "$V2" '([.versions[] | [.version_id, .percentage, .number]] == [[$a, 50, 1], [$b, 50, 2]]) and .deployment.message == "half and half"' "$WORK/status.json"
tc --json deployments list >"$WORK/deps.json"
check "deployments list --json: newest first, the split then the first deploy" \
  jqf --arg a "$V1" '(.deployments | length) == 2 and (.deployments[0].versions | length) == 2 and .deployments[1].versions == [{"version_id": $a, "percentage": 100}]' "$WORK/deps.json"
DEP=$(jq -r .deployment.id "$WORK/status.json")

# bad input: clear errors, exit codes, nothing changed
rc=0; tc versions deploy "no-such-version" --yes >"$WORK/bad1.out" 2>&1 || rc=$?
check "an unknown version: exit 1, the error names it" bash -c '[ "$0" = 1 ] && grep -q "version \"no-such-version\" of worker \"splitter\" not found" "$1"' "$rc" "$WORK/bad1.out"
rc=0; tc versions deploy "$V1@60" "$V2@60" --yes >"$WORK/bad2.out" 2>&1 || rc=$?
check "percentages adding up to 120: exit 2, the error says so" bash -c '[ "$0" = 2 ] && grep -q "must add up to 100" "$1" && grep -q "120%" "$1"' "$rc" "$WORK/bad2.out"
rc=0; tc versions deploy "$V1@30" "$V2@30" "$V3@40" --yes >"$WORK/bad3.out" 2>&1 || rc=$?
check "a third version: exit 2, at most 2 versions" bash -c '[ "$0" = 2 ] && grep -q "at most 2 versions" "$1"' "$rc" "$WORK/bad3.out"
rc=0; tc versions deploy "$V1@abc" --yes >"$WORK/bad4.out" 2>&1 || rc=$?
check "a percentage that is not a number: exit 2, the error names it" bash -c '[ "$0" = 2 ] && grep -q "\"abc\" is not a percentage" "$1"' "$rc" "$WORK/bad4.out"
rc=0; tc rollback </dev/null >"$WORK/bad5.out" 2>&1 || rc=$?
check "rollback off a terminal without --yes: refused (exit 1)" bash -c '[ "$0" = 1 ] && grep -q "pass --yes" "$1"' "$rc" "$WORK/bad5.out"
rc=0; tc versions deploy "$V3" </dev/null >"$WORK/bad6.out" 2>&1 || rc=$?
check "versions deploy off a terminal without --yes: refused (exit 1)" bash -c '[ "$0" = 1 ] && grep -q "pass --yes" "$1"' "$rc" "$WORK/bad6.out"
rc=0; tc --json versions deploy "$V1@60" "$V2@60" --yes >"$WORK/bad7.json" 2>/dev/null || rc=$?
check "--json errors are one document on stdout" bash -c '[ "$0" = 2 ] && jq -e ".ok == false and (.error.message | test(\"add up to 100\"))" "$1" >/dev/null' "$rc" "$WORK/bad7.json"
check "after the refusals the deployment is unchanged" test "$(current_deployment) $(deployment_count)" = "$DEP 2"
count 40
check "and both versions still answer" at_least 1

# rollback without an id: the version of the previous (single-version) deployment, at 100%
tc --json rollback --yes -m "back to one" >"$WORK/rb.json" 2>"$WORK/rb.err" || cat "$WORK/rb.err"
check "rollback --json: version one at 100%, the split as the previous deployment" \
  jqf --arg a "$V1" '.ok and .deployment.versions == [{"version_id": $a, "percentage": 100}] and (.previous.versions | length) == 2 and .deployment.message == "back to one"' "$WORK/rb.json"
until_only one 30 60 || true
count 100
check "after rollback only the rolled-back version answers (100 of 100)" test "$ONE" = 100

# rollback to a named version
tc rollback "$V3" --yes >/dev/null 2>&1
until_answer three 60 || true
count 20
check "rollback VERSION_ID: that version answers every request" test "$THREE" = 20
tc --json deployments status >"$WORK/status2.json"
check "deployments status after it: one version at 100%" jqf --arg c "$V3" '[.versions[] | [.version_id, .percentage, .number]] == [[$c, 100, 3]]' "$WORK/status2.json"

if [ "$FAILS" -ne 0 ]; then echo "--- workers.log"; tail -n 40 "$STATE/workers.log" 2>/dev/null || true; fi
finish
