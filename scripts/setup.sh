#!/usr/bin/env bash
# Installs everything sketchcast needs on a Debian 12 box, idempotently and quickly when already
# done: Debian packages, Node.js 20, the mediasoup worker, npm dependencies, the native addon and
# the build. Every step that fails says which step it was, its last output lines and what to do.
#   scripts/setup.sh          what serving needs
#   scripts/setup.sh --test   plus what the test suite needs (Chromium, Python + PyTorch for models/)
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_apt=(ffmpeg libopencv-video-dev pkg-config g++ make python3 libsrtp2-1 libusrsctp2 libuv1 libssl3
  xz-utils ca-certificates)
test_apt=(chromium fonts-dejavu-core python3-torch python3-opencv python3-numpy python3-pil python3-scipy
  python3-onnx)

# step NAME HINT CMD...: runs CMD quietly; on failure prints NAME, the last lines of its output and
# HINT, and exits 1. The last line CMD printed is left in $step_last.
step_last=
step() {
  local name=$1 hint=$2 log
  shift 2
  echo "setup: $name"
  log=$(mktemp)
  if ! "$@" >"$log" 2>&1; then
    echo "setup: FAILED: $name" >&2
    tail -n 25 "$log" | sed 's/^/  | /' >&2
    echo "setup: $hint" >&2
    rm -f "$log"
    exit 1
  fi
  step_last=$(tail -n 1 "$log")
  rm -f "$log"
}
need_root() { [ "$(id -u)" = 0 ] || { echo "setup: run as root to $1" >&2; exit 1; }; }
apt_install() { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$@"; }
apt_hint="check the network and the apt sources (apt-get update must work), then rerun setup"

apt_pkgs=("${runtime_apt[@]}")
[ "${1:-}" = "--test" ] && apt_pkgs+=("${test_apt[@]}")

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ ${#missing[@]} -gt 0 ] || [ "$(node_major)" -lt 20 ]; then
  need_root "install Debian packages and Node.js 20 (missing: ${missing[*]:-none}, node $(node_major))"
  step "updating the apt package lists" "$apt_hint" apt-get update -q
fi
[ ${#missing[@]} -eq 0 ] || step "installing Debian packages: ${missing[*]}" "$apt_hint" apt_install "${missing[@]}"

# Node.js 20+: Debian 12's own nodejs is 18 (and nodejs.org is not reachable from every box), so
# Debian's npm installs Node 20 and npm 10 into /usr/local from the npm registry (the `node`
# package ships the official binary and its headers).
if [ "$(node_major)" -lt 20 ]; then
  node_hint="this box could not get Node.js 20 from the npm registry: install Node.js 20 yourself \
(e.g. apt-get install -y curl && curl -fsSL https://deb.nodesource.com/setup_20.x | bash - && apt-get install -y nodejs) and rerun setup"
  command -v npm >/dev/null || step "installing Debian's nodejs and npm" "$node_hint" apt_install nodejs npm
  step "installing Node.js 20 from the npm registry" "$node_hint" \
    npm install -g --no-audit --no-fund --loglevel=error node@20 npm@10
  hash -r
  [ "$(node_major)" -ge 20 ] || { echo "setup: $node_hint" >&2; exit 1; }
fi

# node-gyp downloads Node's headers unless told where the running Node's are: use the installed
# ones (a .deb or tarball's <prefix>/include/node, or the npm `node` package's) so offline works.
nodedir=$(node scripts/node-headers.mjs)
[ -z "$nodedir" ] || export npm_config_nodedir="$nodedir"

step "fetching the mediasoup worker" "it comes from Debian experimental on the system's apt mirror: \
check that the mirror is reachable, then rerun setup" bash scripts/fetch-mediasoup-worker.sh
MEDIASOUP_WORKER_BIN=$step_last
export MEDIASOUP_WORKER_BIN

# onnxruntime-node's install script would download the CUDA provider; skip it unless asked for
# (ONNXRUNTIME_NODE_INSTALL=cuda12, see the README's GPU section).
export ONNXRUNTIME_NODE_INSTALL="${ONNXRUNTIME_NODE_INSTALL:-skip}"
stamp=node_modules/.sketchcast-lock-sha
lock_sha=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sha" ]; then
  step "installing npm dependencies" "check that the npm registry is reachable (npm ping), then rerun setup" \
    npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sha" > "$stamp"
fi

build_hint="the build's error is above; rerun that part alone to see all of it"
step "building the native flow addon" "$build_hint (npm run build:native; it needs g++, make, python3, \
pkg-config and libopencv-video-dev)" npm run build:native
step "building the server" "$build_hint (npm run build:server)" npm run build:server
step "building the client" "$build_hint (npm run build:client)" npm run build:client
echo "setup: done"
