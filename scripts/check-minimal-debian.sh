#!/usr/bin/env bash
# Checks the README's two set-up commands on a minimal Debian 12 (debootstrap minbase with only git
# and ca-certificates) in a chroot, from a clone of this repository's committed HEAD. Run as root:
#   bash scripts/check-minimal-debian.sh [DIR]    (DIR default /var/tmp/sketchcast-bookworm, kept for reruns)
# 1. no Node.js 20 and no npm registry: setup must fail, its last line saying what to do;
# 2. bash scripts/setup.sh && npm start: /healthz answers, SIGTERM to npm stops the server;
# 3. bash scripts/setup.sh --test, then a browser, a live (mediasoup) and a model test file.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${1:-/var/tmp/sketchcast-bookworm}
port=18080 # not the default 8080, which a server on the host may hold (same network)

[ -x "$root/usr/bin/git" ] || debootstrap --variant=minbase --include=git,ca-certificates bookworm "$root"
cleanup() { for m in dev sys proc; do umount -R "$root/$m" 2>/dev/null || true; done; }
trap cleanup EXIT
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# minbase has no /etc/hosts, so "localhost" (which the tests' servers and Chromium use) would not resolve;
# a real Debian 12 install always writes one.
[ -e "$root/etc/hosts" ] || printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' > "$root/etc/hosts"
# The host's own CAs (e.g. a TLS-inspecting proxy's), which Node is told about as on the host.
cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
chroot "$root" update-ca-certificates >/dev/null 2>&1
# The host's apt network settings too (a proxy; a mirror whose Release files are past Valid-Until).
apt-config dump | grep -E '^Acquire::(Check-Valid-Until|https?::Proxy) ' > "$root/etc/apt/apt.conf.d/99host" || true
clone="$root/root/sketchcast"
if [ -d "$clone/.git" ]; then
  git -C "$clone" fetch -q "$repo" HEAD && git -C "$clone" reset -q --hard FETCH_HEAD
else
  git clone -q "$repo" "$clone"
fi
in_chroot() {
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb PATH="${path:-/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin}" \
    NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt bash -c "cd /root/sketchcast && $1"
}

# Phase 1 hides a Node 20 that an earlier run put into /usr/local (Debian's own 18 may be there).
echo "== 1. no Node.js 20, npm registry unreachable: setup must say what to do"
if path=/usr/bin:/bin:/usr/sbin:/sbin in_chroot 'npm_config_registry=http://127.0.0.1:9/ bash scripts/setup.sh' \
  2>&1 | tee "$root/tmp/phase1.log"; then
  echo "check: setup passed without a way to get Node.js 20" >&2; exit 1
fi
tail -n 1 "$root/tmp/phase1.log" | grep -q 'install Node.js 20 yourself' \
  || { echo "check: setup's last line does not say what to do" >&2; exit 1; }

echo "== 2. bash scripts/setup.sh && npm start"
in_chroot "bash scripts/setup.sh || exit 1
  SKETCHCAST_PORT=$port npm start & npm=\$!
  for i in \$(seq 60); do
    node -e 'fetch(\"http://127.0.0.1:$port/healthz\").then(async (r) => { console.log(await r.text()); process.exit(r.ok ? 0 : 1); }, () => process.exit(1))' && break
    sleep 1; [ \$i -lt 60 ] || { echo 'check: /healthz never answered' >&2; exit 1; }
  done
  server=\$(cat /proc/\$npm/task/*/children)
  kill -TERM \$npm; wait \$npm || true
  ! kill -0 \$server 2>/dev/null || { echo \"check: server \$server still running after SIGTERM to npm\" >&2; exit 1; }
  echo 'npm start: stopped by SIGTERM'"

echo "== 3. bash scripts/setup.sh --test, then three test files"
in_chroot "bash scripts/setup.sh --test && npx vitest run test/client/convert-page.test.ts \
  test/live/signaling-validation.test.ts test/models/scripts.test.ts test/install/npm-start.test.ts"
echo "check: passed"
