#!/usr/bin/env bash
# Builds the sbx guest root filesystem: Debian bookworm via mmdebstrap into a directory, the
# project's files and the agent CLIs on top (rootfs/customize.sh), then a read-only ext4 image
# made without mounting anything (mkfs.ext4 -d).
#   build-rootfs.sh <work-dir> <output-rootfs.ext4>
# Runs as root (mmdebstrap --mode=root, chroot for npm); needs network to the Debian mirror and
# the npm registry.
set -euo pipefail
recipe=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
work=${1:?work dir}
out=${2:?output image path}
mirror=${SBX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
security=${SBX_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
[ "$(id -u)" = 0 ] || { echo "ERROR: the root filesystem build needs root (mmdebstrap --mode=root)" >&2; exit 1; }

# Debian packages of the image. Recommends are off: every package the guest uses is named.
packages=(
  # init and its tools
  util-linux mount e2fsprogs iproute2 procps kmod psmisc
  # container engine (Docker 20.10 from bookworm), its compose, iptables through nftables
  docker.io containerd runc tini docker-compose iptables
  # sessions and egress plumbing
  openssh-server openssh-client socat sudo
  # development machine
  git curl ca-certificates build-essential python3 python3-venv less vim-tiny xz-utils unzip
  bash-completion
)
include=$(IFS=,; echo "${packages[*]}")

rootfs="$work/rootfs"
# A build killed inside the chroot can leave /proc, /sys or /dev mounted there: unmount them and
# never let rm cross into another file system.
if [ -d "$rootfs" ]; then
  awk -v r="$rootfs/" 'index($2, r) == 1 { print $2 }' /proc/mounts | sort -r | while read -r m; do
    umount -l "$m"
  done
  rm -rf --one-file-system "$rootfs"
fi
mkdir -p "$work" "$(dirname "$out")"

echo "sbx-build: step rootfs-debootstrap"
SBX_RECIPE="$recipe" mmdebstrap --mode=root --variant=minbase --format=directory \
  --aptopt='APT::Install-Recommends "false"' \
  --aptopt='APT::Install-Suggests "false"' \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --include="$include" \
  --customize-hook='"$SBX_RECIPE/rootfs/customize.sh" "$1"' \
  bookworm "$rootfs" \
  "deb $mirror bookworm main" \
  "deb $mirror bookworm-updates main" \
  "deb $security bookworm-security main"

echo "sbx-build: step rootfs-image"
# Size: content plus 15% and 64 MiB of slack for ext4 metadata; the base disk is read-only in
# the guest, so free space in it is waste.
bytes=$(du -s --block-size=1 --apparent-size "$rootfs" | cut -f1)
inodes=$(find "$rootfs" -xdev | wc -l)
size_mib=$(( bytes * 115 / 100 / 1048576 + 64 ))
rm -f "$out.tmp"
mkfs.ext4 -q -F -d "$rootfs" -L sbx-base -m 0 -O ^has_journal \
  -N $(( inodes + inodes / 10 + 1024 )) -E root_owner=0:0 "$out.tmp" "${size_mib}M"
e2fsck -fn "$out.tmp" >/dev/null
chroot "$rootfs" dpkg-query -W -f='${Package} ${Version}\n' > "$(dirname "$out")/packages.txt"
chroot "$rootfs" /usr/local/bin/npm ls -g --depth=0 >> "$(dirname "$out")/packages.txt" 2>/dev/null || true
chroot "$rootfs" /usr/local/bin/npm ls --prefix /usr/local/lib/sbx-agents --all \
  >> "$(dirname "$out")/packages.txt" 2>/dev/null || true
mv "$out.tmp" "$out"
echo "sbx-build: rootfs done $(stat -c %s "$out") bytes"
