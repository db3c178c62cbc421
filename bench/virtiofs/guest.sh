#!/usr/bin/env bash
# Device benchmark, one TCG guest, one boot: sbx's virtio-fs (sbx vmm vhost-user --device fs)
# against QEMU's built-in 9p (virtio-9p-device, -fsdev local), and sbx's vhost-user block against
# QEMU's built-in virtio-blk-device. Prints seconds / MB/s per backend and the ratios; asserts
# nothing.
#   bench/virtiofs/guest.sh [MIB] [COPIES]    defaults: 64 MiB sequential, 4 copies of the tree
# Workloads: untar COPIES copies of this repository's source tree (git archive HEAD), drop the
# guest's caches, `find` + `ls -lR` (a stat of every entry), `rm -rf`; then dd MIB MiB sequential
# write (conv=fsync) and, after dropping caches, read. Block: dd with O_DIRECT both ways.
# Needs: qemu-system-x86, busybox-static, cpio, apt access the first time (Debian's generic
# linux-image-*-amd64-unsigned: the cloud kernel the device tests use has no 9p), Java 17.
# The figures are TCG figures: they compare the backends with the same guest, not hardware.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
mib=${1:-64}
copies=${2:-4}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/sbx/bench-kernel"

# The generic Debian kernel of the same release as the device tests' cloud kernel, cached.
tk=$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/sbx/test-kernel/linux-image-*-cloud-amd64 2>/dev/null | head -1 || true)
if [ -n "$tk" ]; then
  pkg=$(basename "$tk" | sed 's/-cloud-amd64$/-amd64-unsigned/')
else
  pkg=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2 "-unsigned"; exit}')
fi
[ -n "$pkg" ] || { echo "ERROR: cannot tell which kernel package to use; run the device tests once (./mvnw -pl vmm-core -am verify)" >&2; exit 1; }
kdir="$cache/$pkg"
if [ ! -f "$kdir/complete" ]; then
  echo "fetching $pkg (once)..." >&2
  tmp=$(mktemp -d "$cache.XXXXXX")
  (cd "$tmp" && apt-get download "$pkg" >/dev/null 2>&1) \
    || { rm -rf "$tmp"; echo "ERROR: apt-get download $pkg failed; run apt-get update and retry" >&2; exit 1; }
  dpkg-deb -x "$tmp"/*.deb "$tmp/x"
  mkdir -p "$tmp/out/modules"
  cp "$tmp"/x/boot/vmlinuz-* "$tmp/out/vmlinuz"
  kmods=$(ls -d "$tmp"/x/lib/modules/*/kernel)
  for m in drivers/virtio/virtio_ring drivers/virtio/virtio drivers/virtio/virtio_mmio drivers/block/virtio_blk \
      fs/fuse/fuse fs/fuse/virtiofs fs/netfs/netfs fs/fscache/fscache net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p; do
    cp "$kmods/$m.ko" "$tmp/out/modules/"
  done
  touch "$tmp/out/complete"
  mkdir -p "$cache"
  rm -rf "$kdir"
  mv "$tmp/out" "$kdir"
  rm -rf "$tmp"
fi

echo "building the CLI..." >&2
(cd "$root" && ./mvnw -B -q -o -pl cli -am package -DskipTests >/dev/null)
jar="$root/cli/target/sbx.jar"

work=$(mktemp -d /var/tmp/sbx-fs-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev" "$work/root/lib" "$work/root/mnt" \
  "$work/sbxfs" "$work/9p"
cp /bin/busybox "$work/root/bin/"
cp "$kdir"/modules/*.ko "$work/root/lib/"
git -C "$root" archive --format=tar HEAD > "$work/root/src.tar"
entries=$(tar -tf "$work/root/src.tar" | wc -l)
cat > "$work/root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in virtio_ring virtio virtio_mmio virtio_blk fuse virtiofs netfs fscache 9pnet 9pnet_virtio 9p; do
  insmod /lib/\$m.ko || echo "insmod \$m failed"
done
t() { cut -d' ' -f1 /proc/uptime; }
fsbench() {
  name=\$1; dir=\$2
  mkdir -p \$dir/t
  a=\$(t); i=0
  while [ \$i -lt $copies ]; do mkdir \$dir/t/\$i; tar -xf /src.tar -C \$dir/t/\$i; i=\$((i + 1)); done; sync
  b=\$(t)
  echo 3 > /proc/sys/vm/drop_caches
  n=\$(find \$dir/t | wc -l); ls -lR \$dir/t > /dev/null
  c=\$(t)
  rm -rf \$dir/t
  d=\$(t)
  dd if=/dev/zero of=\$dir/big bs=1M count=$mib conv=fsync 2>/dev/null
  e=\$(t)
  echo 3 > /proc/sys/vm/drop_caches
  dd if=\$dir/big of=/dev/null bs=1M 2>/dev/null
  f=\$(t)
  rm \$dir/big
  echo "BENCH fs \$name \$n \$a \$b \$c \$d \$e \$f"
}
mkdir -p /mnt/sbx /mnt/9p
mount -t virtiofs sbxfs /mnt/sbx && fsbench virtiofs /mnt/sbx
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 host9p /mnt/9p && fsbench 9p /mnt/9p
for d in /sys/block/vd*; do
  n=\$(cat \$d/serial); dev=/dev/\${d##*/}
  a=\$(t); dd if=/dev/zero of=\$dev bs=1M count=$mib oflag=direct conv=fsync 2>/dev/null; b=\$(t)
  dd if=\$dev of=/dev/null bs=1M count=$mib iflag=direct 2>/dev/null; c=\$(t)
  echo "BENCH blk \$n \$a \$b \$c"
done
reboot -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet > "$work/initrd")
truncate -s $((mib + 16))M "$work/sbx.img" "$work/builtin.img"

java -jar "$jar" vmm vhost-user --socket "$work/fs.sock" --device fs --share "sbxfs=$work/sbxfs" 2>"$work/fs.log" &
pids+=($!)
java -jar "$jar" vmm vhost-user --socket "$work/blk.sock" --device blk --disk "$work/sbx.img" 2>"$work/blk.log" &
pids+=($!)
for _ in $(seq 300); do [ -S "$work/fs.sock" ] && [ -S "$work/blk.sock" ] && break; sleep 0.1; done
khz=$(awk -F: '/cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
echo "booting the guest (TCG)..." >&2
qemu-system-x86_64 -M microvm,memory-backend=mem -accel tcg -m 512M \
  -object memory-backend-memfd,id=mem,size=512M,share=on \
  -kernel "$kdir/vmlinuz" -initrd "$work/initrd" -append "console=ttyS0 panic=-1 reboot=t quiet tsc_early_khz=$khz" \
  -display none -monitor none -serial stdio -no-reboot \
  -global virtio-mmio.force-legacy=false \
  -chardev socket,id=fs,path="$work/fs.sock" -device vhost-user-fs-device,chardev=fs,tag=sbxfs \
  -fsdev local,id=f9,path="$work/9p",security_model=none -device virtio-9p-device,fsdev=f9,mount_tag=host9p \
  -chardev socket,id=blk,path="$work/blk.sock" -device vhost-user-blk,chardev=blk \
  -drive file="$work/builtin.img",if=none,id=d1,format=raw -device virtio-blk-device,drive=d1,serial=builtin \
  | tr -d '\r' > "$work/console" || true
grep '^BENCH' "$work/console" > "$work/out" || true
echo "TCG guest, $(nproc) host CPUs, load $(cut -d' ' -f1-3 /proc/loadavg); tree: $copies x $entries entries; sequential: $mib MiB"
awk -v mib="$mib" '
  $2 == "fs" { k = $3; n[k] = $4; untar[k] = $6 - $5; stat[k] = $7 - $6; rm[k] = $8 - $7
               w[k] = mib / ($9 - $8); r[k] = mib / ($10 - $9)
               printf "%-8s untar %6.2f s  find+stat %6.2f s (%d entries)  rm -rf %6.2f s  write %7.1f MB/s  read %7.1f MB/s\n",
                 k, untar[k], stat[k], n[k], rm[k], w[k], r[k] }
  $2 == "blk" { k = ($3 == "sbx.img" ? "sbx-blk" : $3 "-blk"); bw[k] = mib / ($5 - $4); br[k] = mib / ($6 - $5)
               printf "%-11s write %7.1f MB/s  read %7.1f MB/s\n", k, bw[k], br[k] }
  END {
    if (!("virtiofs" in w) || !("9p" in w) || !("sbx-blk" in bw) || !("builtin-blk" in bw)) {
      print "ERROR: the guest did not report every backend; see the console above" > "/dev/stderr"; exit 1 }
    printf "ratio virtio-fs/9p (time, <1 = faster): untar %.2f  find+stat %.2f  rm -rf %.2f\n",
      untar["virtiofs"] / untar["9p"], stat["virtiofs"] / stat["9p"], rm["virtiofs"] / rm["9p"]
    printf "ratio virtio-fs/9p (throughput, >1 = faster): write %.2f  read %.2f\n", w["virtiofs"] / w["9p"], r["virtiofs"] / r["9p"]
    printf "ratio sbx-blk/builtin (throughput): write %.2f  read %.2f\n", bw["sbx-blk"] / bw["builtin-blk"], br["sbx-blk"] / br["builtin-blk"]
  }' "$work/out" || { cat "$work/console" >&2; exit 1; }
