#!/usr/bin/env bash
# Fetches Debian experimental's mediasoup-worker binary into .deps/mediasoup/ without touching the
# system's apt sources: a private apt config with its own sources list, lists dir and cache.
# npm's mediasoup@3.8.4 would otherwise try to build the worker (needs python2 + internet).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/.deps/mediasoup"
bin="$dest/usr/lib/x86_64-linux-gnu/mediasoup/mediasoup-worker"
version="3.8.4"

stamp="$dest/.version"
if [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
  echo "$bin"; exit 0
fi

apt_dir="$root/.deps/apt-experimental"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$dest"
# Use the same Debian mirror the system already uses.
mirror=$( (cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null || true) \
  | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n1 | tr -d ' ')
[ -n "$mirror" ] || { echo "no Debian mirror found in the system's apt sources" >&2; exit 1; }
echo "deb ${mirror%/} experimental main" > "$apt_dir/sources.list"
opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=-"
      -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
      -o "APT::Get::List-Cleanup=0" -o "Debug::NoLocking=1")
apt-get "${opts[@]}" update -qq >&2
pkgver=$(apt-cache "${opts[@]}" madison mediasoup-worker | awk -v v="$version" '$3 ~ "^"v {print $3; exit}')
[ -n "$pkgver" ] || { echo "mediasoup-worker $version not found in Debian experimental" >&2; exit 1; }
(cd "$apt_dir" && apt-get "${opts[@]}" download "mediasoup-worker=$pkgver" >&2)
dpkg -x "$apt_dir"/mediasoup-worker_*.deb "$dest"
chmod +x "$bin"
echo "$version" > "$stamp"
echo "$bin"
