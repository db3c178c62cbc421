#!/usr/bin/env bash
# Image build time (cold and warm) and sizes.
#   bench/image/build-time.sh          cold (--force) build, then a warm (cached) run
# Cold: everything rebuilt (kernel compile, mmdebstrap, npm); Debian/npm downloads are not cached
# by sbx. Warm: the image of this version is present, so `sbx image build` only checks it.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
./sbx version >/dev/null   # build the CLI first so it is not timed
t0=$(date +%s.%N); ./sbx image build --force; t1=$(date +%s.%N)
./sbx image build; t2=$(date +%s.%N)
cache=${SBX_HOME:+$SBX_HOME/cache}
cache=${cache:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}
dir=$(dirname "$(ls -td "$cache"/images/*/manifest.json | head -1)")
echo "cold build: $(echo "$t1 - $t0" | bc) s"
echo "warm build: $(echo "$t2 - $t1" | bc) s"
echo "steps (s): $(tr -d '\n ' <"$dir/manifest.json" | grep -o '"buildSeconds":{[^}]*}')"
ls -l "$dir"/vmlinux "$dir"/rootfs.ext4 | awk '{ printf "%s %s bytes (%.1f MiB)\n", $9, $5, $5 / 1048576 }'
echo "rootfs.ext4 allocated: $(du -h "$dir/rootfs.ext4" | cut -f1)"
