#!/usr/bin/env bash
# Installs everything sketchcast needs on a Debian 12 box, idempotently and quickly when already
# done: Debian packages, the mediasoup worker, npm dependencies, the native addon and the build.
#   scripts/setup.sh          what serving needs
#   scripts/setup.sh --test   plus what the test suite needs (Chromium, Python + PyTorch for models/)
set -euo pipefail
cd "$(dirname "$0")/.."

runtime_apt=(ffmpeg libopencv-video-dev pkg-config g++ make python3 libsrtp2-1 libusrsctp2 libuv1 libssl3
  xz-utils ca-certificates)
test_apt=(chromium fonts-dejavu-core python3-torch python3-opencv python3-numpy python3-pil python3-scipy
  python3-onnx)

apt_pkgs=("${runtime_apt[@]}")
[ "${1:-}" = "--test" ] && apt_pkgs+=("${test_apt[@]}")

missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] || ! command -v node >/dev/null; then
  [ "$(id -u)" = 0 ] || { echo "setup: run as root to install Debian packages: ${missing[*]}" >&2; exit 1; }
  apt-get update -qq
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Node.js 20+: Debian 12's own nodejs is 18, so on a box without a newer one install Debian's
# nodejs + npm and let the `n` version manager put the current Node 20 release in /usr/local.
node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(node_major)" -lt 20 ]; then
  [ "$(id -u)" = 0 ] || { echo "setup: Node.js 20 or newer is required (found: $(node_major))" >&2; exit 1; }
  echo "setup: installing Node.js 20"
  command -v npm >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  npx --yes n@10 20 >/dev/null
  hash -r
  [ "$(node_major)" -ge 20 ] || { echo "setup: could not install Node.js 20 (found: $(node_major))" >&2; exit 1; }
fi

MEDIASOUP_WORKER_BIN=$(bash scripts/fetch-mediasoup-worker.sh)
export MEDIASOUP_WORKER_BIN

stamp=node_modules/.sketchcast-lock-sha
lock_sha=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sha" ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sha" > "$stamp"
fi

echo "setup: building"
npm run --silent build
echo "setup: done"
