#!/usr/bin/env bash
# Builds the whole guest image into <out-dir>: vmlinux, rootfs.ext4, kernel.config, packages.txt.
#   build-image.sh <out-dir> <work-dir>
# The kernel (CPU-bound) and the root filesystem (mostly downloads and dpkg) build in parallel.
# The caller (dev.sbx.image.ImageBuilder) hashes the outputs and writes the manifest last.
set -euo pipefail
recipe=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
out=${1:?out dir}
work=${2:?work dir}
mkdir -p "$out" "$work"

start=$SECONDS
( kstart=$SECONDS
  "$recipe/build-kernel.sh" "$work/kernel" "$out/vmlinux"
  echo "sbx-build: time kernel $((SECONDS - kstart))" ) &
kernel_pid=$!

rstart=$SECONDS
rootfs_rc=0
"$recipe/build-rootfs.sh" "$work/rootfs" "$out/rootfs.ext4" || rootfs_rc=$?
echo "sbx-build: time rootfs $((SECONDS - rstart))"
kernel_rc=0
wait "$kernel_pid" || kernel_rc=$?
[ "$kernel_rc" = 0 ] || { echo "ERROR: kernel build failed (exit $kernel_rc)" >&2; exit 1; }
[ "$rootfs_rc" = 0 ] || { echo "ERROR: root filesystem build failed (exit $rootfs_rc)" >&2; exit 1; }
echo "sbx-build: time total $((SECONDS - start))"
