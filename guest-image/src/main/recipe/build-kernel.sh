#!/usr/bin/env bash
# Builds the sbx guest kernel: Debian's linux-source tarball + kernel/sbx.config on top of
# allnoconfig, output an uncompressed vmlinux (ELF with the PVH entry note).
#   build-kernel.sh <work-dir> <output-vmlinux>
# Needs: linux-source-6.1 build-essential bc flex bison libelf-dev libssl-dev (see prerequisites.txt).
set -euo pipefail
recipe=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
work=${1:?work dir}
out=${2:?output vmlinux path}
src_tar=${SBX_KERNEL_SOURCE:-$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null || true)}
[ -n "$src_tar" ] && [ -f "$src_tar" ] || {
  echo "ERROR: /usr/src/linux-source-6.1.tar.xz is missing; install it with: apt-get install linux-source-6.1" >&2
  exit 1
}
fragment="$recipe/kernel/sbx.config"
jobs=${SBX_BUILD_JOBS:-$(nproc)}

mkdir -p "$work"
tree="$work/linux"
if [ ! -f "$tree/.sbx-extracted" ]; then
  echo "sbx-build: step kernel-extract"
  rm -rf "$tree" && mkdir -p "$tree"
  tar -xJf "$src_tar" -C "$tree" --strip-components=1
  touch "$tree/.sbx-extracted"
fi

echo "sbx-build: step kernel-config"
cd "$tree"
make -s ARCH=x86_64 KCONFIG_ALLCONFIG="$fragment" allnoconfig
# Every option the fragment asks for must have survived Kconfig; a silent drop (an unmet
# dependency) would give a kernel that boots but lacks what the guest needs.
dropped=()
while IFS= read -r line; do
  case "$line" in CONFIG_*=*) ;; *) continue ;; esac
  grep -qxF "$line" .config || dropped+=("$line")
done < "$fragment"
if [ ${#dropped[@]} -gt 0 ]; then
  echo "ERROR: kernel options dropped by Kconfig (fix kernel/sbx.config): ${dropped[*]}" >&2
  exit 1
fi
grep -q '^CONFIG_MODULES=y' .config && { echo "ERROR: CONFIG_MODULES must be off" >&2; exit 1; }

echo "sbx-build: step kernel-compile"
make -s ARCH=x86_64 -j"$jobs" KBUILD_BUILD_USER=sbx KBUILD_BUILD_HOST=sbx \
  KBUILD_BUILD_TIMESTAMP="$(date -u -d @"${SOURCE_DATE_EPOCH:-0}")" vmlinux
mkdir -p "$(dirname "$out")"
cp vmlinux "$out.tmp"
cp .config "$(dirname "$out")/kernel.config"
mv "$out.tmp" "$out"
echo "sbx-build: kernel done $(stat -c %s "$out") bytes"
