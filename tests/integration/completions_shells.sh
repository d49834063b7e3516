#!/usr/bin/env bash
# labels: integration;completions
# timeout: 120
# Real bash, zsh and fish load the generated completion scripts and offer the right candidates.
set -euo pipefail
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/bin" "$tmp/comp"
ln -s "$TENANTCTL" "$tmp/bin/tenantctl"
export PATH="$tmp/bin:$PATH" HOME="$tmp" XDG_CONFIG_HOME="$tmp/config"
tenantctl completions --write-dir "$tmp/comp"

fail=0
expect() {  # name, candidates (newline separated), words that must be there...
  local name=$1 got=$2; shift 2
  for w in "$@"; do
    if ! grep -qx -- "$w" <<<"$got"; then
      echo "FAIL $name: '$w' not offered; got: $(tr '\n' ' ' <<<"$got")" >&2
      fail=1
    fi
  done
}
refuse() {
  local name=$1 got=$2; shift 2
  for w in "$@"; do
    if grep -qx -- "$w" <<<"$got"; then echo "FAIL $name: '$w' offered" >&2; fail=1; fi
  done
}

bash_complete() {  # the command line (ending in a space completes a new word)
  bash --norc --noprofile -c '
    source "$1"
    read -r -a COMP_WORDS <<<"$2"
    [[ $2 == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
    _tenantctl
    printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/comp/tenantctl.bash" "$1"
}
zsh_complete() {
  # compadd and _files are completion-system builtins; here they print their candidates.
  zsh -f -c '
    compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; print -l -- "$@"; }
    _files() { print -l -- FILES; }
    compdef() { :; }
    source "$1"
    words=(${=2})
    [[ $2 == *" " ]] && words+=("")
    CURRENT=${#words}
    _tenantctl' _ "$tmp/comp/_tenantctl" "$1"
}
fish_complete() {
  fish --no-config -c "source $tmp/comp/tenantctl.fish; complete -C '$1'" | cut -f1
}

for shell in bash zsh fish; do
  out=$(${shell}_complete "tenantctl ")
  expect "$shell: tenantctl <TAB>" "$out" config dev deploy tenants containers secret kv r2 completions
  refuse "$shell: tenantctl <TAB>" "$out" __complete
  out=$(${shell}_complete "tenantctl tenants ")
  expect "$shell: tenantctl tenants <TAB>" "$out" create list get tag restart delete secret apply
  out=$(${shell}_complete "tenantctl config ")
  expect "$shell: tenantctl config <TAB>" "$out" validate show
  out=$(${shell}_complete "tenantctl config show --")
  expect "$shell: tenantctl config show --<TAB>" "$out" --json --env --config --output
  out=$(${shell}_complete "tenantctl deploy --")
  expect "$shell: tenantctl deploy --<TAB>" "$out" --dispatch-namespace --dry-run --containers-rollout --json --env --config
  out=$(${shell}_complete "tenantctl --output ")
  expect "$shell: tenantctl --output <TAB>" "$out" table json yaml
  refuse "$shell: tenantctl --output <TAB>" "$out" config
done
# One shell completes twice: the command path of the first completion must not carry over to the second.
out=$(bash --norc --noprofile -c '
  source "$1"
  COMP_WORDS=(tenantctl tenants ""); COMP_CWORD=2; _tenantctl
  COMP_WORDS=(tenantctl ""); COMP_CWORD=1; _tenantctl
  printf "%s\n" "${COMPREPLY[@]}"' _ "$tmp/comp/tenantctl.bash")
expect "bash: tenantctl <TAB> after tenantctl tenants <TAB>" "$out" config deploy tenants
refuse "bash: tenantctl <TAB> after tenantctl tenants <TAB>" "$out" create apply
zsh -n "$tmp/comp/_tenantctl" || { echo "FAIL: zsh syntax" >&2; fail=1; }
bash -n "$tmp/comp/tenantctl.bash" || { echo "FAIL: bash syntax" >&2; fail=1; }

[ $fail = 0 ] && echo "completions: all candidates offered"
exit $fail
