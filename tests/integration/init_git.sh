#!/usr/bin/env bash
# labels: integration;init
# timeout: 120
# tenantctl init from git repositories through libgit2: a repository made with the git CLI (when installed;
# otherwise the test says so and stops), cloned by file:// URL, local path and bare repository, with #subdir,
# with the git CLI hidden from tenantctl's PATH; only committed files arrive, executable bits survive;
# failed clones leave nothing behind and credentials in URLs never reach the output.
source "$(dirname "$0")/platform_common.inc"  # WORK, HOME/XDG dirs, cleanup trap, check, finish
: "${TENANTCTL:?}"
tmp=$WORK
run() {  # runs tenantctl with no git program reachable
  rc=0
  env PATH=/nonexistent "$TENANTCTL" "$@" >"$tmp/out" 2>"$tmp/err" || rc=$?
  out=$(cat "$tmp/out"); err=$(cat "$tmp/err")
}
if ! command -v git >/dev/null; then
  echo "the git CLI is needed to build the test repository (tenantctl itself uses libgit2); install git"
  exit 1
fi

# A repository with two templates under templates/, one with an executable file and a symlink
repo=$tmp/repo
mkdir -p "$repo/templates/web/bin" "$repo/templates/jobs"
printf '# __project_name__\n\nA web template from git.\n' >"$repo/templates/web/README.md"
printf '{ "name": "__project_name__", "main": "src/index.js", "compatibility_date": "2026-01-01" }\n' >"$repo/templates/web/wrangler.jsonc"
mkdir -p "$repo/templates/web/src"; echo 'export default { fetch() { return new Response("ok") } }' >"$repo/templates/web/src/index.js"
printf '#!/bin/sh\necho __project_name__\n' >"$repo/templates/web/bin/run"; chmod 755 "$repo/templates/web/bin/run"
ln -s bin/run "$repo/templates/web/run-link"
printf 'name = "__project_name__"\n' >"$repo/templates/jobs/wrangler.toml"
printf 'root readme\n' >"$repo/README.md"
git -C "$repo" init -q
git -C "$repo" -c user.name=t -c user.email=t@example.com add -A
git -C "$repo" -c user.name=t -c user.email=t@example.com commit -q -m templates
echo "not committed" >"$repo/templates/web/uncommitted.txt"
git clone -q --bare "$repo" "$tmp/bare.git"

run init "$tmp/p1" --template "file://$repo#templates/web"
check "file:// URL with #subdir: exit 0 ($err)" [ "$rc" = 0 ]
check "name substituted from the directory" grep -q '"name": "p1"' "$tmp/p1/wrangler.jsonc"
check "the executable stays executable" [ -x "$tmp/p1/bin/run" ]
check "its placeholder is substituted too (text file)" grep -qx 'echo p1' "$tmp/p1/bin/run"
check "the symlink is a symlink" test -L "$tmp/p1/run-link" -a "$(readlink "$tmp/p1/run-link")" = bin/run
check "only committed files" [ ! -e "$tmp/p1/uncommitted.txt" ]
check "no .git directory" [ ! -e "$tmp/p1/.git" ]
check "nothing from outside the subdir (the subdir's README, not the root one)" bash -c '! grep -q "root readme" "$1"' _ "$tmp/p1/README.md"
check "config validate passes in the new project" "$TENANTCTL" --cwd "$tmp/p1" config validate

run init "$tmp/p2" --template "$repo#templates/jobs" --name batch --json
check "local path with #subdir and --name: exit 0" [ "$rc" = 0 ]
check "--json says source git and lists the file" [ "$(jq -r '"\(.source) \(.name) \(.files | join(","))"' <<<"$out")" = "git batch wrangler.toml" ]
check "toml substituted" grep -qx 'name = "batch"' "$tmp/p2/wrangler.toml"

cd "$tmp"; run init p3 --template ./bare.git#templates/web; cd - >/dev/null
check "relative path to a bare repository: exit 0" test "$rc" = 0 -a -x "$tmp/p3/bin/run"

run init "$tmp/p4" --template "file://$repo"
check "whole repository without #subdir" test "$rc" = 0 -a -f "$tmp/p4/templates/jobs/wrangler.toml"

# Failures leave nothing behind
run init "$tmp/f1" --template "file://$repo#templates/nope"
check "missing subdir: exit 1, names the subdir" bash -c '[ "$1" = 1 ] && grep -q "has no directory \"templates/nope\"" <<<"$2"' _ "$rc" "$err"
run init "$tmp/f2" --template "file://$tmp/no-such-repo"
check "missing repository: exit 1, names it" bash -c '[ "$1" = 1 ] && grep -q "no-such-repo" <<<"$2"' _ "$rc" "$err"
mkdir -p "$tmp/empty-repo"; git -C "$tmp/empty-repo" init -q
run init "$tmp/f3" --template "$tmp/empty-repo"
check "a repository without commits: exit 1, the template has no files" bash -c '[ "$1" = 1 ] && grep -q "has no files" <<<"$2" && grep -q "at least one commit" <<<"$2"' _ "$rc" "$err"
run init "$tmp/f4" --template "https://user:s3cr3t-t0ken@127.0.0.1:1/owner/repo.git#x"
check "unreachable URL: exit 1" [ "$rc" = 1 ]
check "credentials in the URL are not printed" bash -c '! grep -q s3cr3t <<<"$1$2"' _ "$out" "$err"
check "no staging or clone directory left" [ -z "$(find "$tmp" -maxdepth 1 -name '.*tenantctl-*')" ]
check "no target directories created by failures" test ! -e "$tmp/f1" -a ! -e "$tmp/f2" -a ! -e "$tmp/f3" -a ! -e "$tmp/f4"

finish
