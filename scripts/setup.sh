#!/usr/bin/env bash
# Installs everything tenantctl needs to build and test, from Debian's packages. Idempotent and quiet
# when everything is already there. Usage: scripts/setup.sh [--runtime-only]
set -euo pipefail

build_pkgs=(g++ cmake make pkg-config ccache
  libcli11-dev libcurl4-openssl-dev nlohmann-json3-dev libtomlplusplus-dev libyaml-cpp-dev
  libgit2-dev doctest-dev libfmt-dev libsqlite3-dev libboost1.81-dev)
# The local platform's registry and containers, and the tools the tests drive.
runtime_pkgs=(docker.io docker-registry apache2-utils curl python3 sqlite3 git ca-certificates)
test_pkgs=(clang clang-format libclang-rt-14-dev wrk nginx-light zsh fish bash-completion groff-base man-db nodejs npm)

pkgs=("${build_pkgs[@]}" "${runtime_pkgs[@]}")
[ "${1:-}" = "--runtime-only" ] || pkgs+=("${test_pkgs[@]}")

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere on a developer machine; only ask apt for them when absent.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
