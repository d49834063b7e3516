#!/usr/bin/env bash
# Follows the README's two commands on a minimal Debian 12, as a newcomer would, and reports how it went.
#
#   sudo scripts/fresh-check.sh [--keep-ccache] [--image-only]
#
# 1. image: `debootstrap --variant=minbase bookworm` (no git, curl, python3, g++, cmake, jq, node, docker), with
#    this machine's apt sources, imported as fresh-debian:bookworm. Cached in $FRESH_DIR/image (a tarball; delete
#    it, or FRESH_REBUILD_IMAGE=1, to build anew).
# 2. a docker daemon of its own (socket, data root, exec root and pidfile under $FRESH_DIR/docker; vfs storage, no
#    bridge, no iptables), with an OCI runtime wrapper `fresh-nocap` that removes CAP_SYS_RESOURCE — which these
#    machines cannot grant — from privileged containers, leaving everything else privileged. Stopped at the end
#    (only the daemon this script started).
# 3. the project: `git clone` of the checkout this script is run from, at its HEAD commit (uncommitted and
#    untracked files stay out), into $FRESH_DIR/run/tenantctl, with a copy of ../shared beside it.
# 4. in a container (--privileged --network host --init, runtime fresh-nocap) as root:
#    `bash scripts/quickstart.sh`, then `bash scripts/test.sh`. The harness (not the project) copies this
#    machine's CA bundle in and points NODE_EXTRA_CA_CERTS / npm's cafile at it: registry traffic here passes
#    an intercepting CA that a fresh container does not trust.
# Prints each phase's time (the `== …` headers of both scripts) and ctest's summary; exit status non-zero when
# either command failed. The whole log is $FRESH_DIR/logs/run-<time>.log.
#
# --keep-ccache: keep the container's ccache in $FRESH_DIR/ccache across runs (a rerun builds in minutes; the
#                first run, or any run without the flag, builds from nothing as a newcomer would).
# Environment: FRESH_DIR (default /var/tmp/tenantctl-fresh), FRESH_MIRROR (default: the host's first Debian
# mirror), FRESH_REBUILD_IMAGE=1. Needs root, debootstrap, dockerd, docker, runc, git and python3 on the host.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
dir=${FRESH_DIR:-/var/tmp/tenantctl-fresh}
image=fresh-debian:bookworm
keep_ccache=0
image_only=0
for a in "$@"; do
  case "$a" in
    --keep-ccache) keep_ccache=1 ;;
    --image-only) image_only=1 ;;
    *) echo "usage: scripts/fresh-check.sh [--keep-ccache] [--image-only]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: needs root (debootstrap, dockerd)" >&2; exit 1; }
for c in debootstrap dockerd docker runc git python3; do
  command -v "$c" >/dev/null || { echo "fresh-check: $c not found on this machine" >&2; exit 1; }
done
mkdir -p "$dir/image" "$dir/logs"
log=$dir/logs/run-$(date -u +%Y%m%dT%H%M%SZ).log
say() { printf '[fresh-check %s] %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$log" >&2; }
t0=$(date +%s)

# --- 1. the image (cached)
tarball=$dir/image/bookworm-minbase.tar
if [ "${FRESH_REBUILD_IMAGE:-0}" = 1 ] || [ ! -s "$tarball" ]; then
  mirror=${FRESH_MIRROR:-$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v security | head -1)}
  mirror=${mirror:-http://deb.debian.org/debian}
  say "debootstrap --variant=minbase bookworm from $mirror"
  rootfs=$dir/image/rootfs
  rm -rf "$rootfs" "$tarball"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$dir/image/debootstrap.log" 2>&1 ||
    { tail -20 "$dir/image/debootstrap.log" >&2; exit 1; }
  # apt inside reaches the same mirror as this machine: its sources, and its apt settings about them
  rm -f "$rootfs/etc/apt/sources.list"
  cp -a /etc/apt/sources.list "$rootfs/etc/apt/" 2>/dev/null || true
  for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && cp -a "$f" "$rootfs/etc/apt/sources.list.d/"
  done
  for f in /etc/apt/apt.conf.d/*; do
    grep -qE '^[^/]*Acquire::(https?::)?(Proxy|Check-Valid-Until|Check-Date)' "$f" 2>/dev/null && cp -a "$f" "$rootfs/etc/apt/apt.conf.d/"
  done
  apt-get clean -o RootDir="$rootfs" 2>/dev/null || rm -rf "$rootfs/var/cache/apt/archives/"*.deb
  tar -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  rm -rf "$rootfs"
  say "image tarball: $(du -h "$tarball" | cut -f1)"
fi

# --- 2. a docker daemon of our own
dd=$dir/docker
mkdir -p "$dd/root" "$dd/exec"
wrapper=$dir/fresh-nocap-runtime
cat >"$wrapper" <<'EOF'
#!/bin/bash
# OCI runtime wrapper: removes CAP_SYS_RESOURCE from the container's (config.json) or exec'd process's
# (--process FILE) capability sets, then runs runc. Written by tenantctl's scripts/fresh-check.sh.
strip() {
  python3 - "$1" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
for proc in (d.get("process"), d):
    if isinstance(proc, dict) and isinstance(proc.get("capabilities"), dict):
        for k, v in proc["capabilities"].items():
            if isinstance(v, list):
                proc["capabilities"][k] = [c for c in v if c != "CAP_SYS_RESOURCE"]
json.dump(d, open(p, "w"))
PY
}
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --bundle | -b) [ -f "${args[i + 1]}/config.json" ] && strip "${args[i + 1]}/config.json" ;;
    --bundle=*) [ -f "${args[i]#--bundle=}/config.json" ] && strip "${args[i]#--bundle=}/config.json" ;;
    --process | -p) [ -f "${args[i + 1]}" ] && strip "${args[i + 1]}" ;;
    --process=*) [ -f "${args[i]#--process=}" ] && strip "${args[i]#--process=}" ;;
  esac
done
exec runc "$@"
EOF
chmod +x "$wrapper"
export DOCKER_HOST=unix://$dd/docker.sock
dockerd_pid=""
container=tenantctl-fresh-$$
cleanup() {
  set +e
  if [ -n "$dockerd_pid" ]; then
    timeout 60 docker rm -f "$container" >/dev/null 2>&1
    kill "$dockerd_pid" 2>/dev/null
    for _ in $(seq 1 150); do kill -0 "$dockerd_pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$dockerd_pid" 2>/dev/null
    # what dockerd leaves mounted under its roots (netns bind mounts), deepest first
    awk -v d="$dd/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r | while read -r m; do
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
    done
  fi
}
trap cleanup EXIT
if [ -S "$dd/docker.sock" ] && timeout 5 docker info >/dev/null 2>&1; then
  echo "fresh-check: a docker daemon already answers on $dd/docker.sock (another fresh-check running?)" >&2
  exit 1
fi
setsid dockerd --iptables=false --ip6tables=false --bridge=none --storage-driver=vfs \
  --host "$DOCKER_HOST" --data-root "$dd/root" --exec-root "$dd/exec" --pidfile "$dd/dockerd.pid" \
  --add-runtime "fresh-nocap=$wrapper" >"$dd/dockerd.log" 2>&1 </dev/null &
dockerd_pid=$!
for _ in $(seq 1 120); do timeout 5 docker info >/dev/null 2>&1 && break; sleep 0.5; done
timeout 5 docker info >/dev/null 2>&1 || { tail -20 "$dd/dockerd.log" >&2; exit 1; }
if [ "${FRESH_REBUILD_IMAGE:-0}" = 1 ] || ! docker image inspect "$image" >/dev/null 2>&1 ||
  [ "$tarball" -nt "$dd/imported.stamp" ]; then
  say "docker import $tarball as $image"
  docker import - "$image" <"$tarball" >/dev/null
  touch "$dd/imported.stamp"
fi
t_image=$(date +%s)
[ "$image_only" = 0 ] || { say "image ready ($(( $(date +%s) - t0 ))s)"; exit 0; }

# --- 3. the project as a user gets it
run=$dir/run
commit=$(git -C "$src" rev-parse HEAD)
branch=$(git -C "$src" rev-parse --abbrev-ref HEAD)
if [ -n "$(git -C "$src" status --porcelain --untracked-files=no)" ]; then
  say "note: $src has uncommitted changes; they are not part of the check (HEAD $commit is)"
fi
rm -rf "$run"
mkdir -p "$run"
git clone -q --no-checkout "$src" "$run/tenantctl"
git -C "$run/tenantctl" checkout -q -B "${branch/HEAD/fresh-check}" "$commit"
shared=${TENANTCTL_SHARED_DIR:-$src/../shared}
cp -a "$shared" "$run/shared"
cp /etc/ssl/certs/ca-certificates.crt "$run/harness-ca.crt"
ccache_mount=()
if [ "$keep_ccache" = 1 ]; then
  mkdir -p "$dir/ccache"
  ccache_mount=(-v "$dir/ccache:/root/.cache/ccache")
fi
say "project: $commit ($branch) cloned from $src"
t_image=$(date +%s)

# --- 4. the README's two commands in a fresh container
home=/home/newcomer
# Each line is prefixed with the seconds since the start; `== name` lines (the scripts' own phase headers) and
# the harness's `@@ phase` lines mark phases.
inner='set -uo pipefail
cd '$home'/tenantctl
ts() { while IFS= read -r l; do printf "[%5ds] %s\n" "$SECONDS" "$l"; done; }
{
  echo "@@ quickstart.sh"
  bash scripts/quickstart.sh; q=$?
  echo "@@ quickstart.sh exit $q"
  echo "@@ test.sh"
  bash scripts/test.sh; t=$?
  echo "@@ test.sh exit $t"
  echo "@@ end"
  [ $q = 0 ] && [ $t = 0 ]
} 2>&1 | ts'
say "docker run $image: quickstart.sh, then test.sh (log: $log)"
set +e
docker run --name "$container" --rm --init --runtime fresh-nocap --privileged --network host \
  -v "$run:$home" "${ccache_mount[@]}" -w "$home/tenantctl" \
  -e NODE_EXTRA_CA_CERTS=$home/harness-ca.crt -e npm_config_cafile=$home/harness-ca.crt \
  -e TERM=dumb "$image" bash -c "$inner" >>"$log" 2>&1
rc=$?
set -e
t_end=$(date +%s)

# --- report
python3 - "$log" "$((t_image - t0))" "$((t_end - t_image))" "$rc" <<'PY'
import re, sys
log, t_image, t_run, rc = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
phases, summary, total, exits = [], [], None, []
for line in open(log, errors="replace"):
    m = re.match(r"\[\s*(\d+)s\] (.*)", line.rstrip("\n"))
    if not m:
        continue
    t, text = int(m.group(1)), re.sub(r"\x1b?\[[0-9;]*m", "", m.group(2))
    if text.startswith("@@ ") and " exit " in text:
        exits.append(text[3:])
    elif text.startswith("@@ ") or text.startswith("== "):
        phases.append((t, text[3:]))
    if re.search(r"tests passed, \d+ tests failed out of", text) or text.startswith("Total Test time"):
        summary.append(text)
    if re.match(r"\s*\d+ - \S+ \(.*\)$", text):
        summary.append("  failed: " + text.strip())
print("\n== fresh-check phases")
print(f"  {'image, docker daemon, clone':58s} {t_image:6d} s")
for i, (t, name) in enumerate(phases):
    if name == "end":
        break
    nxt = phases[i + 1][0] if i + 1 < len(phases) else t
    if name in ("quickstart.sh", "test.sh"):
        start = t
        ends = [p[0] for p in phases[i + 1:] if p[1] in ("test.sh", "end")]
        print(f"{name + ' (total)':60s} {(ends[0] if ends else nxt) - t:6d} s")
        continue
    print(f"  {name[:56]:56s}   {nxt - t:6d} s")
main = [t for t, n in phases if n.startswith("tenantctl ")]
qend = [t for t, n in phases if n in ("test.sh", "end")]
if main and qend:
    print(f"  {'the quickstart main job (from the first tenantctl step)':58s} {qend[0] - main[0]:6d} s")
print(f"  {'container run (both commands)':58s} {t_run:6d} s")
for e in exits:
    print("  " + e)
print("== ctest summary")
for s in summary:
    print("  " + s)
print(f"== docker run exit status {rc}")
PY
say "log: $log"
exit $rc
