#!/usr/bin/env bash
# labels: integration;init;install
# timeout: 180
# `cmake --install` into a temporary prefix: the binary, the templates (with the container-platform binary,
# executable), completions where bash-completion, zsh and fish look, man pages; the installed binary lists and
# instantiates the installed templates, also after the prefix is moved (the lookup is relative to the binary);
# the installed completions work in real bash, zsh and fish, with names from a `tenantctl dev` of the installed
# binary.
source "$(dirname "$0")/platform_common.inc"  # WORK, HOME/XDG dirs, cleanup trap, check, finish
: "${TENANTCTL_BUILD_DIR:?}"
tmp=$WORK
unset TENANTCTL_TEMPLATES_DIR
prefix=$tmp/prefix
if ! cmake --install "$TENANTCTL_BUILD_DIR" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
  cat "$tmp/install.log"; echo "FAIL - cmake --install"; exit 1
fi
bin=$prefix/bin/tenantctl
share=$prefix/share
check "binary installed" [ -x "$bin" ]
for t in container-platform dispatcher tenant-worker; do
  check "template $t installed" [ -f "$share/tenantctl/templates/$t/wrangler.jsonc" ]
done
check "the container-platform binary is installed executable" [ -x "$share/tenantctl/templates/container-platform/example-app/tenant-echo" ]
check "bash completion in bash-completion's directory" [ -s "$share/bash-completion/completions/tenantctl" ]
check "zsh completion in site-functions" [ -s "$share/zsh/site-functions/_tenantctl" ]
check "fish completion in vendor_completions.d" [ -s "$share/fish/vendor_completions.d/tenantctl.fish" ]
check "man pages in man1" test -s "$share/man/man1/tenantctl.1" -a -s "$share/man/man1/tenantctl-config.1"
check "only man pages in man1 (no source directory)" test -z "$(find "$share/man/man1" -mindepth 1 ! -name '*.1')"

out=$("$bin" init --list --json)
check "installed binary lists the installed templates" \
  [ "$(jq -r 'map(.name) | join(",")' <<<"$out")" = "container-platform,dispatcher,tenant-worker" ]
check "... from the prefix, not the build tree" \
  [ "$(jq -r --arg p "$share/tenantctl/templates/" 'map(select(.path | startswith($p))) | length' <<<"$out")" = 3 ]

"$bin" init "$tmp/proj" --template container-platform --name installed-demo >/dev/null 2>"$tmp/err" || { cat "$tmp/err"; }
check "init from the installed container-platform template" [ -f "$tmp/proj/wrangler.jsonc" ]
check "its Dockerfile's binary is there and executable" [ -x "$tmp/proj/example-app/tenant-echo" ]
check "the name is substituted" grep -q '"name": "installed-demo"' "$tmp/proj/wrangler.jsonc"
check "the installed binary validates it" "$bin" --cwd "$tmp/proj" config validate

# Relocatable: move the whole prefix, the binary still finds its templates.
mv "$prefix" "$tmp/moved"
out=$("$tmp/moved/bin/tenantctl" init --list --json)
check "after moving the prefix the templates are found next to the binary" \
  [ "$(jq -r --arg p "$tmp/moved/share/tenantctl/templates/" 'map(select(.path | startswith($p))) | length' <<<"$out")" = 3 ]

# The installed completions, in real bash, zsh and fish, with the installed binary on PATH.
export PATH="$tmp/moved/bin:$PATH"
comp=$tmp/moved/share
COMP_BASH=$comp/bash-completion/completions/tenantctl COMP_ZSH=$comp/zsh/site-functions/_tenantctl
COMP_FISH=$comp/fish/vendor_completions.d/tenantctl.fish
source "$(dirname "$0")/completions_common.inc"
TENANTCTL=$tmp/moved/bin/tenantctl
start_dev  # the installed binary's tenantctl dev
tenantctl --local dispatch-namespace create production >/dev/null
upload_ns_script production acme '["managed"]'
check "tenant worker acme uploaded into production" status_is 200
tenant_positional=0
grep -q "'tenants get|0') echo 'dynamic:tenant'" "$COMP_BASH" && tenant_positional=1
for shell in bash zsh fish; do
  got=$(${shell}_complete "tenantctl ")
  check "installed $shell completion: tenantctl <TAB>" has_all "$got" init deploy tenants dispatch-namespace completions
  got=$(${shell}_complete "tenantctl tenants ")
  check "installed $shell completion: tenantctl tenants <TAB>" has_all "$got" apply get list
  got=$(${shell}_complete "tenantctl deploy --")
  check "installed $shell completion: tenantctl deploy --<TAB>" has_all "$got" --dispatch-namespace --dry-run --json --env --config
  got=$(${shell}_complete "tenantctl --local secret list --dispatch-namespace ")
  check "installed $shell completion: a namespace from tenantctl dev" has_all "$got" production
  if [ $tenant_positional = 1 ]; then
    got=$(${shell}_complete "tenantctl --local tenants get --namespace production ")
    check "installed $shell completion: tenants get <TAB> offers the tenant id from tenantctl dev" has_all "$got" acme
  fi
done
[ $tenant_positional = 1 ] || echo "note - the checked-in completions have no tenant-id positional for 'tenants get' yet" \
  "(scripts/gen-docs.sh regenerates them); completions_dynamic checks it with freshly generated scripts"
finish
