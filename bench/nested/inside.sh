#!/usr/bin/env bash
# Runs inside the nested-KVM L1 (started by bench/nested/run.sh): times our VMM and QEMU -accel kvm
# booting the same kernel + initramfs to a userspace marker, JVM start-up, and the exit round trip,
# interleaved run by run. Writes raw figures to OUT/raw.txt (the host side prints the table).
# usage: inside.sh OUT STAGE_PATH BOOTS ERT_ROUNDS
set -uo pipefail
out=$1 t=$2 boots=$3 rounds=$4
raw="$out/raw.txt" logs="$out/logs"
mkdir -p "$t" "$logs" && cp -pr "$out"/stage/. "$t"/ || { echo "cannot stage into $t" >&2; exit 1; }
: >"$raw"
rec() { echo "$*" >>"$raw"; }
say() { echo "nested bench: [L1 $(cut -d' ' -f1 /proc/uptime) s, load $(cut -d' ' -f1 /proc/loadavg)] $*" >&2; }
rec "l1 nproc $(nproc) mem_kib $(sed -n 's/^MemTotal: *\([0-9]*\).*/\1/p' /proc/meminfo) kernel $(uname -r)"
rec "l1 loadavg_start $(cut -d' ' -f1-3 /proc/loadavg) uptime_s $(cut -d' ' -f1 /proc/uptime)"

mark=SBX-BOOT-MARK
ours_cmdline="console=ttyS0 reboot=k panic=-1 rdinit=/init i8042.noaux i8042.nomux i8042.dumbkbd"
qemu_cmdline="console=ttyS0 reboot=t panic=-1 rdinit=/init"
# The launcher's JVM flags (./sbx): serial GC, CDS on, its dynamic archive of the CLI's classes.
jvm=(java -XX:+UseSerialGC -Xshare:auto -XX:SharedArchiveFile="$t/sbx.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off)

init_time() { # the guest kernel's printk time of "Run /init" (guest seconds since its clock began)
  sed -n 's/^\[ *\([0-9.]*\)\] Run \/init as init process.*/\1/p' "$1" | head -1
}
fields() { # marktime's "MARK EXIT STATUS BYTES START_EPOCH" -> key=value
  echo "$1" | awk '{printf "mark_us=%s exit_us=%s status=%s bytes=%s start_us=%s", $1, $2, $3, $4, $5}'
}
ours() { # i
  local c="$logs/ours-$1.console" e="$logs/ours-$1.stderr" r g b h start
  rm -rf "$t/data"
  r=$(XDG_DATA_HOME="$t/data" "$t/marktime" "$mark" "$c" -- timeout -k 5 150 "${jvm[@]}" -jar "$t/sbx.jar" \
      vmm run --engine kvm --kernel "$t/vmlinux" --initrd "$t/initramfs.cpio" --cmdline "$ours_cmdline" \
      --memory 256m --cpus 1 --serial stdout --timeout 120s 2>"$e")
  cp "$t"/data/sbx/logs/*.log "$logs/ours-$1.vmm.log" 2>/dev/null
  for h in /tmp/hs_err_pid*.log; do [ -f "$h" ] && mv "$h" "$logs/ours-$1.$(basename "$h")"; done
  # From our VMM's log: "Guest-boot-time = X us since VMM start (epoch E us)", logged when init
  # wrote the boot-timer port; E - X is the VMM's start (Machine.create, after the JVM and the CLI).
  # "booting ... via" is logged once the kernel is loaded, just before the vCPUs start.
  start=$(echo "$r" | awk '{print $5}')
  g=$(sed -n 's/.*Guest-boot-time = \([0-9]*\) us since VMM start (epoch \([0-9]*\) us).*/\1 \2/p' \
      "$logs/ours-$1.vmm.log" 2>/dev/null | head -1)
  g=$(echo "$g" | awk -v s="$start" 'NF == 2 {printf "vmm_start_s=%.3f vmm_to_init_s=%.3f", ($2 - $1 - s) / 1e6, $1 / 1e6; next}
      {printf "vmm_start_s=- vmm_to_init_s=-"}')
  b=$(sed -n 's/^\([0-9-]* [0-9:]*\),\([0-9]*\) .*Machine - booting .* via .*/\1.\2/p' "$logs/ours-$1.vmm.log" 2>/dev/null | head -1)
  [ -n "$b" ] && b=$(date -d "$b" +%s%6N) && b=$(awk -v b="$b" -v s="$start" 'BEGIN {printf "%.3f", (b - s) / 1e6}') || b=-
  rec "boot ours $1 $(fields "$r") $g vmm_booting_s=$b kinit_s=$(init_time "$c")"
}
qemu() { # i
  local c="$logs/qemu-$1.console" e="$logs/qemu-$1.stderr" r
  r=$("$t/marktime" "$mark" "$c" -- timeout -k 5 150 qemu-system-x86_64 -accel kvm -M microvm -cpu host \
      -m 256 -smp 1 -nodefaults -no-user-config -nographic -no-reboot -monitor none -serial stdio \
      -kernel "$t/vmlinux" -initrd "$t/initramfs.cpio" -append "$qemu_cmdline" </dev/null 2>"$e")
  rec "boot qemu $1 $(fields "$r") kinit_s=$(init_time "$c")"
}
jvmstart() { # i: the launcher's JVM flags, nothing run
  local r
  r=$("$t/marktime" "$mark" /dev/null -- java -XX:+UseSerialGC -Xshare:auto -version 2>/dev/null)
  rec "jvm version $1 $(fields "$r")"
}

# Round 0 warms L1's page cache (the JDK, QEMU and the jar come over 9p) and is not counted.
say "staged; boot rounds 0..$boots"
for i in $(seq 0 "$boots"); do
  case $((i % 3)) in
    0) ours "$i"; qemu "$i"; jvmstart "$i" ;;
    1) qemu "$i"; jvmstart "$i"; ours "$i" ;;
    2) jvmstart "$i"; ours "$i"; qemu "$i" ;;
  esac
  say "boot round $i/$boots done"
done

# Exit round trip (bench/vmm's guest: N port writes to a no-op device): one JVM runs both guest
# sizes round by round after two warm-up pairs, and between its rounds, in alternating order, the
# minimal C loop (kvm_ref, a child process) on the same two guests.
read -r small large entry <"$t/ert.conf"
say "exit round trip: $rounds rounds"
timeout 120 "$t/kvm_ref" "$t/small.bin" "$entry" "$small" >/dev/null 2>>"$logs/ert.stderr"   # warm-up
timeout -k 5 400 java -cp "$t/ert:$t/sbx.jar" ExitPair "$t/small.elf" "$t/large.elf" 2 "$rounds" \
    "$t/kvm_ref" "$t/small.bin" "$t/large.bin" "$entry" "$small" "$large" 2>>"$logs/ert.stderr" \
  | sed -u -n 's/^RESULT /ert /p' >>"$raw"
say "exit round trip done"
rec "l1 loadavg_end $(cut -d' ' -f1-3 /proc/loadavg) uptime_s $(cut -d' ' -f1 /proc/uptime)"
