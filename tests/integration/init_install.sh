#!/usr/bin/env bash
# labels: integration;init;install
# timeout: 180
# `cmake --install` into a temporary prefix: the binary, the templates (with the container-platform binary,
# executable), completions where bash-completion, zsh and fish look, man pages; the installed binary lists and
# instantiates the installed templates, also after the prefix is moved (the lookup is relative to the binary).
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

# The installed bash completion loads and completes with the installed binary.
got=$(PATH="$tmp/moved/bin:$PATH" bash --norc --noprofile -c '
  source "$1"; COMP_WORDS=(tenantctl ""); COMP_CWORD=1; _tenantctl; printf "%s\n" "${COMPREPLY[@]}"' _ \
  "$tmp/moved/share/bash-completion/completions/tenantctl")
check "installed bash completion offers init and deploy" bash -c 'grep -qx init <<<"$1" && grep -qx deploy <<<"$1"' _ "$got"

finish
