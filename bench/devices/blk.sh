#!/usr/bin/env bash
# Sequential throughput, same TCG guest, one boot: sbx's virtio-blk served over vhost-user
# (sbx vmm vhost-user) against QEMU's built-in virtio-blk-device. Prints MB/s and the ratio.
#   bench/devices/blk.sh [MiB]     (default 64)
# Needs: the device tests' cached kernel (run ./mvnw -pl vmm-core verify once), qemu-system-x86,
# busybox-static, cpio. The figures are TCG figures: they compare the two backends, not hardware.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
mib=${1:-64}
kdir=$(ls -d "${XDG_CACHE_HOME:-$HOME/.cache}"/sbx/test-kernel/*/ 2>/dev/null | head -1)
[ -n "$kdir" ] || { echo "ERROR: no cached test kernel; run ./mvnw -pl vmm-core -am verify once" >&2; exit 1; }
work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/root/bin" "$work/root/proc" "$work/root/sys" "$work/root/dev" "$work/root/lib"
cp /bin/busybox "$work/root/bin/"
cp "$kdir"/modules/*.ko "$work/root/lib/"
cat > "$work/root/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
# Two passes: module dependencies differ between kernel releases.
for pass in 1 2; do for m in virtio_ring virtio virtio_mmio virtio_blk; do insmod /lib/\$m.ko 2>/dev/null; done; done
t() { cut -d' ' -f1 /proc/uptime; }
for d in /sys/block/vd*; do
  n=\$(cat \$d/serial); dev=/dev/\${d##*/}
  a=\$(t); dd if=/dev/zero of=\$dev bs=1M count=$mib oflag=direct conv=fsync 2>/dev/null; b=\$(t)
  dd if=\$dev of=/dev/null bs=1M count=$mib iflag=direct 2>/dev/null; c=\$(t)
  echo "BENCH \$n \$a \$b \$c"
done
reboot -f
INIT
chmod +x "$work/root/init"
(cd "$work/root" && find . | cpio -o -H newc --quiet > "$work/initrd")
truncate -s $((mib + 16))M "$work/sbx.img" "$work/builtin.img"

java -jar "$root/cli/target/sbx.jar" vmm vhost-user --socket "$work/blk.sock" --device blk --disk "$work/sbx.img" &
pid=$!
for _ in $(seq 100); do [ -S "$work/blk.sock" ] && break; sleep 0.1; done
khz=$(awk -F: '/cpu MHz/ {printf "%d", $2 * 1000; exit}' /proc/cpuinfo)
qemu-system-x86_64 -M microvm,memory-backend=mem -accel tcg -m 256M \
  -object memory-backend-memfd,id=mem,size=256M,share=on \
  -kernel "$kdir/vmlinuz" -initrd "$work/initrd" -append "console=ttyS0 panic=-1 reboot=t quiet tsc_early_khz=$khz" \
  -display none -monitor none -serial stdio -no-reboot \
  -chardev socket,id=c0,path="$work/blk.sock" -device vhost-user-blk,chardev=c0 \
  -drive file="$work/builtin.img",if=none,id=d1,format=raw -device virtio-blk-device,drive=d1,serial=builtin \
  | tr -d '\r' | grep '^BENCH' > "$work/out" || true
awk -v mib="$mib" '
  { w[$2] = mib / ($4 - $3); r[$2] = mib / ($5 - $4)
    printf "%-8s write %7.1f MB/s   read %7.1f MB/s\n", ($2 == "sbx.img" ? "sbx" : $2), w[$2], r[$2] }
  END { if (("sbx.img" in w) && ("builtin" in w))
          printf "ratio sbx/builtin: write %.2f  read %.2f\n", w["sbx.img"] / w["builtin"], r["sbx.img"] / r["builtin"]
        else { print "ERROR: the guest did not report both devices" > "/dev/stderr"; exit 1 } }' "$work/out"
