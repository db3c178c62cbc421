#!/usr/bin/env bash
# Boot-to-ready of the sbx guest image under QEMU TCG (-M microvm, QEMU's virtio-mmio devices).
#   bench/image/boot-to-ready.sh [image-dir] [boots]      (default: newest built image, 3 boots)
# Boot 1 uses a blank data disk (init formats it), later boots reuse it. Prints per boot: wall
# time from QEMU start to the ready marker, the guest's uptime at the marker, and the kernel's own
# time to starting init (its "Run /sbin/sbx-init" timestamp).
set -euo pipefail
cache=${SBX_HOME:+$SBX_HOME/cache}
cache=${cache:-${XDG_CACHE_HOME:-$HOME/.cache}/sbx}
img=${1:-$(dirname "$(ls -td "$cache"/images/*/manifest.json | head -1)")}
boots=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/cfg"
cat >"$work/cfg/test-hook" <<'HOOK'
#!/bin/sh
echo "@@init $(dmesg | grep -m1 'Run /sbin/sbx-init' | sed 's/^\[ *\([0-9.]*\)\].*/\1/')"
poweroff
HOOK
chmod +x "$work/cfg/test-hook"
: >"$work/cfg/workspaces"
tar -cf "$work/config.img" -C "$work/cfg" . && truncate -s 64K "$work/config.img"
truncate -s 8G "$work/data.img"
khz=$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)

echo "image: $img"
echo "boot  disk   ready_wall_s  ready_uptime_s  kernel_to_init_s  total_wall_s"
for i in $(seq 1 "$boots"); do
  disk=$([ "$i" = 1 ] && echo blank || echo reused)
  start=$(date +%s.%N)
  ready_wall='' ready_up='' init=''
  while IFS= read -r line; do
    line=${line%$'\r'}
    case "$line" in
      SBX-GUEST-READY*) ready_wall=$(echo "$(date +%s.%N) - $start" | bc); ready_up=${line##*uptime=} ;;
      @@init*) init=${line#@@init } ;;
    esac
  done < <(qemu-system-x86_64 -M microvm -accel tcg,thread=multi -cpu max -smp 2 -m 2048 \
      -nodefaults -no-user-config -display none -no-reboot -serial stdio -monitor none \
      -kernel "$img/vmlinux" \
      -append "console=ttyS0 root=/dev/vda ro rootfstype=ext4 init=/sbin/sbx-init reboot=t panic=-1 quiet tsc_early_khz=$khz sbx.name=bench sbx.time=$(date +%s) sbx.test=1" \
      -drive "id=base,file=$img/rootfs.ext4,format=raw,if=none,readonly=on" -device virtio-blk-device,drive=base \
      -drive "id=data,file=$work/data.img,format=raw,if=none" -device virtio-blk-device,drive=data \
      -drive "id=cfg,file=$work/config.img,format=raw,if=none,readonly=on" -device virtio-blk-device,drive=cfg \
      -device virtio-rng-device 2>&1)
  total=$(echo "$(date +%s.%N) - $start" | bc)
  printf '%-5s %-6s %-13.2f %-15s %-17s %.2f\n' "$i" "$disk" "${ready_wall:-0}" "${ready_up:-none}" "${init:-none}" "$total"
done
