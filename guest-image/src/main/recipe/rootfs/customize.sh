#!/usr/bin/env bash
# mmdebstrap customize hook: the project's files, Node.js and the agent CLIs, the agent user.
#   customize.sh <rootfs-dir>     (SBX_RECIPE = the recipe directory)
set -euo pipefail
root=${1:?rootfs dir}
recipe=${SBX_RECIPE:?}
# shellcheck source=../versions.env
. "$recipe/versions.env"

mounted=()
cleanup() { for m in "${mounted[@]}"; do umount -l "$m" || true; done; }
trap cleanup EXIT
if ! mountpoint -q "$root/proc"; then mount -t proc proc "$root/proc"; mounted=("$root/proc"); fi
if ! mountpoint -q "$root/sys"; then mount -t sysfs sysfs "$root/sys"; mounted=("$root/sys" "${mounted[@]}"); fi
if [ ! -e "$root/dev/null" ]; then mount --rbind /dev "$root/dev"; mounted=("$root/dev" "${mounted[@]}"); fi
in_root() { chroot "$root" env -i PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin HOME=/root "$@"; }

# Fetches an npm registry tarball and checks it against its pinned integrity (sha512, base64).
fetch_npm() { # name version integrity dest
  local url="https://registry.npmjs.org/$1/-/${1##*/}-$2.tgz"
  curl -sSfL --retry 3 -o "$4" "$url"
  local got="sha512-$(openssl dgst -sha512 -binary "$4" | base64 -w0)"
  [ "$got" = "$3" ] || { echo "ERROR: $url: integrity $got, expected $3" >&2; exit 1; }
}

echo "sbx-build: step rootfs-node"
tmp=$(mktemp -d)
fetch_npm "$NODE_PACKAGE" "$NODE_VERSION" "$NODE_INTEGRITY" "$tmp/node.tgz"
fetch_npm npm "$NPM_VERSION" "$NPM_INTEGRITY" "$tmp/npm.tgz"
install -m 0755 -D <(tar -xzOf "$tmp/node.tgz" package/bin/node) "$root/usr/local/bin/node"
install -m 0644 -D <(tar -xzOf "$tmp/node.tgz" package/LICENSE) "$root/usr/local/share/node/LICENSE"
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$tmp/npm.tgz" -C "$root/usr/local/lib/node_modules/npm" --strip-components=1 --no-same-owner
ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
rm -rf "$tmp"
in_root node --version

echo "sbx-build: step rootfs-agents"
# The agent CLIs and every package they pull in are pinned, with integrity hashes, by
# agents/package-lock.json; `npm ci` installs exactly that into /usr/local/lib/sbx-agents.
# npm runs inside the chroot but on the host's network, so it trusts what the host trusts (a
# TLS-intercepting egress proxy's CA, for one); the copy is deleted afterwards.
agents=/usr/local/lib/sbx-agents
install -m 0644 -D "$recipe/agents/package.json" "$root$agents/package.json"
install -m 0644 -D "$recipe/agents/package-lock.json" "$root$agents/package-lock.json"
host_ca=${NODE_EXTRA_CA_CERTS:-/etc/ssl/certs/ca-certificates.crt}
build_ca=
if [ -s "$host_ca" ]; then
  build_ca=/tmp/sbx-build-ca.crt
  cp "$host_ca" "$root$build_ca"
fi
in_root ${build_ca:+NODE_EXTRA_CA_CERTS=$build_ca} npm ci --prefix "$agents" --omit=dev --no-audit \
  --no-fund --no-update-notifier
[ -z "$build_ca" ] || rm -f "$root$build_ca"
for cli in claude codex gemini opencode copilot; do
  ln -sf "../lib/sbx-agents/node_modules/.bin/$cli" "$root/usr/local/bin/$cli"
  [ -x "$root/usr/local/bin/$cli" ] || { echo "ERROR: agent CLI $cli missing after npm ci" >&2; exit 1; }
done
in_root npm cache clean --force
rm -rf "$root/root/.npm" "$root/root/.cache" "$root/tmp/"* "$root/usr/local/lib/node_modules/npm/docs" \
  "$root/usr/local/lib/node_modules/npm/man"

echo "sbx-build: step rootfs-config"
# The agent user: uid 1000, passwordless sudo, docker group, no password (login by SSH key only;
# '*' rather than '!' so sshd's locked-account check does not refuse key logins).
in_root useradd --create-home --uid 1000 --user-group --groups sudo,docker --shell /bin/bash agent
in_root usermod -p '*' agent
printf 'agent ALL=(ALL) NOPASSWD: ALL\n' > "$root/etc/sudoers.d/agent"
chmod 0440 "$root/etc/sudoers.d/agent"
in_root visudo -cq

# Guest init, its helper and its fixed mount points; poweroff & co. signal init.
install -m 0755 "$recipe/rootfs/sbx-init" "$root/sbin/sbx-init"
cp "$recipe/rootfs/sbx-guestctl.c" "$root/tmp/sbx-guestctl.c"
in_root gcc -O2 -static -s -o /usr/local/sbin/sbx-guestctl /tmp/sbx-guestctl.c
rm -f "$root/tmp/sbx-guestctl.c"
for cmd in poweroff reboot halt shutdown; do
  install -m 0755 "$recipe/rootfs/power" "$root/usr/local/sbin/$cmd"
done
mkdir -p "$root/sbx/data" "$root/sbx/lower" "$root/sbx/root" "$root/sbx/oldroot"

# sshd: started per connection by socat on vsock port 22 (inetd style), key login only; host key
# and authorized keys come from the sandbox's config disk at boot. Package-made host keys go.
rm -f "$root"/etc/ssh/ssh_host_*
# Debian's sshd_config includes sshd_config.d first, and the first value set wins.
install -m 0644 "$recipe/rootfs/sshd_config" "$root/etc/ssh/sshd_config.d/sbx.conf"

# Docker: fixed bridge address (the egress forwarder listens there for containers), overlay2
# on the data disk (init bind-mounts /var/lib/docker there).
mkdir -p "$root/etc/docker"
install -m 0644 "$recipe/rootfs/daemon.json" "$root/etc/docker/daemon.json"

# Shells: lines users append to /etc/sandbox-persistent.sh are sourced by every Bash shell.
cat >> "$root/etc/bash.bashrc" <<'RC'

# sbx: per-sandbox environment (proxy, CA) and the user's persistent additions.
[ -r /etc/profile.d/sbx.sh ] && . /etc/profile.d/sbx.sh
[ -r /etc/sandbox-persistent.sh ] && . /etc/sandbox-persistent.sh
RC
touch "$root/etc/sandbox-persistent.sh"
chmod 0644 "$root/etc/sandbox-persistent.sh"

# No systemd: nothing may try to talk to it. An empty machine-id is filled at first boot.
: > "$root/etc/machine-id"
rm -f "$root/etc/hostname" "$root/etc/resolv.conf"
printf '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"

# No caches or docs beyond what dpkg already skipped.
rm -rf "$root/var/cache/apt/"*.bin "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* \
  "$root/var/cache/debconf/"*-old "$root/var/log/"*.log "$root/usr/local/include" \
  "$root/usr/local/share/doc" "$root/usr/local/share/man"
find "$root/usr/lib/python3"* -name __pycache__ -type d -prune -exec rm -rf {} + 2>/dev/null || true
