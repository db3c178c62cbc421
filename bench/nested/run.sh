#!/usr/bin/env bash
# In ONE nested-KVM L1 (nested-kvm/run: QEMU TCG emulating AMD SVM, a real kvm_amd /dev/kvm),
# side by side and interleaved run by run:
#  1. boot to a userspace marker: the project kernel + a one-file initramfs whose /init prints
#     SBX-BOOT-MARK and reboots, on our VMM (`java -jar sbx.jar vmm run --engine kvm`, the
#     launcher's JVM flags and CDS archive) and on `qemu-system-x86_64 -accel kvm -M microvm`;
#     process start to the marker on the console, and to process exit; plus `java -version`;
#  2. the exit round trip on SVM: bench/vmm's guest (port writes to a no-op device) on our Java
#     vCPU loop and on bench/vmm/kvm_ref.c's minimal C loop, ns per exit.
# Everything is built on this host first (gcc, javac; no Maven), only timed inside L1. Prints one
# table and saves it as bench/out/nested/result.txt (raw figures, consoles and logs beside it).
# usage: bench/nested/run.sh [BOOTS]      (default 5; env: ERT_ROUNDS=8 ERT_SMALL=2000
#        ERT_LARGE=12000 L1_MEMORY=4096 L1_TIMEOUT=600 L1_STALL=240 SBX_KERNEL=path/to/vmlinux)
set -euo pipefail
boots=${1:-5}
rounds=${ERT_ROUNDS:-8}
small=${ERT_SMALL:-2000}
large=${ERT_LARGE:-12000}
root=$(cd "$(dirname "$0")/../.." && pwd)
here="$root/bench/nested"
out="$root/bench/out/nested"
guests="$root/vmm-core/src/test/resources/guests"
die() { echo "bench/nested: $*" >&2; exit 1; }

# ---- the project kernel: the newest image with a manifest.json (or SBX_KERNEL) ------------------
if [ -n "${SBX_KERNEL:-}" ]; then
  kernel=$SBX_KERNEL
else
  images="${XDG_CACHE_HOME:-$HOME/.cache}/sbx/images"
  manifest=$(ls -t "$images"/*/manifest.json 2>/dev/null | head -1) || true
  [ -n "$manifest" ] || die "no project image in $images: build one with './sbx image build'"
  kernel="$(dirname "$manifest")/vmlinux"
  config="$(dirname "$manifest")/kernel.config"
  [ ! -f "$config" ] || grep -q '^CONFIG_BLK_DEV_INITRD=y' "$config" \
    || die "$kernel has no initramfs support (CONFIG_BLK_DEV_INITRD); rebuild the image"
fi
[ -f "$kernel" ] || die "no kernel at $kernel"
[ -f "$root/cli/target/sbx.jar" ] || die "no cli/target/sbx.jar: run ./sbx once to build it"

# NESTED_TABLE_ONLY=1: print the table again from the last run's bench/out/nested/raw.txt.
if [ -z "${NESTED_TABLE_ONLY:-}" ]; then
# ---- build and stage on the host ----------------------------------------------------------------
rm -rf "$out/stage" "$out/logs" "$out/raw.txt" "$out/result.txt"
mkdir -p "$out/stage" "$out/logs"
s="$out/stage"
# The jar and its CDS archive live at the same path in L1 (its tmpfs /tmp; copied there with their
# mtimes, which CDS checks): a snapshot, so a rebuild of cli/target during the run changes nothing.
t="/tmp/sbx-bench-nested.$$"
mkdir -p "$t"
trap 'rm -rf "$t"' EXIT
cp -p "$root/cli/target/sbx.jar" "$t/sbx.jar"
# The launcher's own archive recipe (./sbx): the classes `help vmm run` loads.
java -XX:ArchiveClassesAtExit="$t/sbx.jsa" -Xlog:cds=off -Xlog:cds+dynamic=off \
  -jar "$t/sbx.jar" help vmm run >/dev/null 2>&1 </dev/null || true
[ -f "$t/sbx.jsa" ] || die "could not dump a CDS archive for the jar"
cp -p "$t/sbx.jar" "$t/sbx.jsa" "$kernel" "$s/"
[ "$(basename "$kernel")" = vmlinux ] || mv "$s/$(basename "$kernel")" "$s/vmlinux"
gcc -static -Os -o "$s/init" "$here/mark_init.c"
(cd "$s" && echo init | cpio -o -H newc --quiet >initramfs.cpio) && rm "$s/init"
gcc -O2 -o "$s/marktime" "$here/marktime.c"
gcc -O2 -o "$s/kvm_ref" "$root/bench/vmm/kvm_ref.c"
for g in small:"$small" large:"$large"; do
  gcc -c -I"$guests" -DEXIT_COUNT="${g#*:}" "$guests/exits.S" -o "$t/${g%%:*}.o"
  ld -m elf_x86_64 -nostdlib -static --no-warn-rwx-segments -T "$guests/guest.ld" "$t/${g%%:*}.o" -o "$s/${g%%:*}.elf"
  objcopy -O binary "$s/${g%%:*}.elf" "$s/${g%%:*}.bin"
done
echo "$small $large $(readelf -h "$s/small.elf" | awk '/Entry point/ {print $4}')" >"$s/ert.conf"
mkdir -p "$t/ert"
javac -cp "$t/sbx.jar" -d "$t/ert" "$here/ExitPair.java"
mkdir -p "$s/ert" && cp "$t/ert"/*.class "$s/ert/"
cp "$here/inside.sh" "$s/"

# ---- one L1 ---------------------------------------------------------------------------------------
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "bench/nested: booting L1 (nested-kvm/run, ${L1_MEMORY:-4096} MiB, 2 vCPUs); $boots boots per side..." >&2
t0=$(date +%s)
# In the background, so that a TERM/INT to this script (e.g. an outer `timeout`) stops L1 too:
# nested-kvm/run's own traps stop its QEMU.
l1_timeout=${L1_TIMEOUT:-600}
timeout -k 20 "$((l1_timeout + 30))" "$root/nested-kvm/run" --memory "${L1_MEMORY:-4096}" --cpus 2 \
  --timeout "$l1_timeout" --share "$out" --log "$out/logs/l1-console.log" \
  -- bash "$s/inside.sh" "$out" "$t" "$boots" "$rounds" >"$out/logs/l1-output.txt" 2>&1 &
l1=$!
trap 'kill -TERM "$l1" 2>/dev/null; wait "$l1" 2>/dev/null; rm -rf "$t"; exit 143' TERM INT HUP
# L1 can hang for good (an SVM-emulation issue, nested-kvm/README.md): no new figure for
# L1_STALL seconds (a step takes under a minute) stops it rather than waiting for its timeout.
size=-1 last=$(date +%s)
while kill -0 "$l1" 2>/dev/null; do
  sleep 5
  n=$(stat -c %s "$out/raw.txt" 2>/dev/null || echo 0)
  if [ "$n" != "$size" ]; then
    size=$n last=$(date +%s)
  elif [ $(( $(date +%s) - last )) -ge "${L1_STALL:-240}" ]; then
    echo "bench/nested: no new figure from L1 for ${L1_STALL:-240} s: L1 hung; stopping it" >&2
    kill -TERM "$l1" 2>/dev/null
    break
  fi
done
set +e
wait "$l1"
rc=$?
set -e
trap - TERM INT HUP
[ "$rc" = 0 ] || echo "bench/nested: L1 ended with $rc (124: its ${l1_timeout}s timeout; L1 can hang, see nested-kvm/README.md); the figures so far follow" >&2
elapsed=$(( $(date +%s) - t0 ))
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
printf 'elapsed=%q rc=%q load_before=%q load_after=%q kernel=%q when=%q\n' "$elapsed" "$rc" "$load_before" \
  "$load_after" "$kernel" "$(date -u '+%Y-%m-%d %H:%M UTC')" >"$out/meta.txt"
printf 'small=%q large=%q boots=%q\n' "$small" "$large" "$boots" >>"$out/meta.txt"
fi
[ -s "$out/raw.txt" ] || { tail -20 "$out/logs/l1-output.txt" >&2; die "L1 produced no figures"; }
. "$out/meta.txt"

# ---- the table --------------------------------------------------------------------------------------
stats() { # numbers on stdin -> "median min n" (median of an even count: mean of the middle two)
  sort -g | awk '{v[NR] = $1} END {
    if (NR == 0) { print "- - 0"; exit }
    m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], NR }'
}
raw="$out/raw.txt"
# Records: "boot ours|qemu ROUND key=value...", "jvm version ROUND key=value...", "ert java|c SMALL_NS LARGE_NS".
ok() { awk -v who="$1" '$1 == "boot" && $2 == who && $3 >= 1 && / status=0 / && !/ mark_us=-1 /' "$raw"; }
val() { awk -v k="$1" '{for (i = 4; i <= NF; i++) if (index($i, k "=") == 1) {v = substr($i, length(k) + 2); if (v != "" && v != "-") print v}}'; }
read -r om_med om_min on < <(ok ours | val mark_us | stats)
read -r oe_med oe_min _ < <(ok ours | val exit_us | stats)
read -r qm_med qm_min qn < <(ok qemu | val mark_us | stats)
read -r qe_med qe_min _ < <(ok qemu | val exit_us | stats)
read -r ok_med _ _ < <(ok ours | val kinit_s | stats)
read -r qk_med _ _ < <(ok qemu | val kinit_s | stats)
read -r ovs_med ovs_min _ < <(ok ours | val vmm_start_s | stats)
read -r ovi_med ovi_min _ < <(ok ours | val vmm_to_init_s | stats)
read -r ovb_med ovb_min _ < <(ok ours | val vmm_booting_s | stats)
read -r ovm_med ovm_min _ < <(ok ours | awk '{m = s = ""; for (i = 4; i <= NF; i++) {
    if ($i ~ /^mark_us=/) m = substr($i, 9); if ($i ~ /^vmm_start_s=[0-9]/) s = substr($i, 13)}
    if (m != "" && s != "") print m - s * 1e6}' | stats)
read -r ob_med _ _ < <(ok ours | val bytes | stats)
read -r qb_med _ _ < <(ok qemu | val bytes | stats)
read -r jv_med jv_min jn < <(awk '$1 == "jvm" && $3 >= 1 && / status=0 /' "$raw" | val exit_us | stats)
# Paired per round: ours/QEMU of the same round (both sides ran back to back).
read -r pr_med pr_min prn < <({ ok ours; ok qemu; } | awk '{for (i = 4; i <= NF; i++) if ($i ~ /^mark_us=/) m[$2, $3] = substr($i, 9); r[$3] = 1}
    END {for (k in r) if ((("ours", k) in m) && (("qemu", k) in m)) print m["ours", k] / m["qemu", k]}' | stats)
fails=$(awk '$1 == "boot" && $3 >= 1 && (!/ status=0 / || / mark_us=-1 /)' "$raw")
# Exit round trip: per round (large - small) / (large_exits - small_exits).
n=$((large - small))
read -r ej_med ej_min ejn < <(awk -v n="$n" '$1 == "ert" && $2 == "java" && $4 > 0 {print ($4 - $3) / n}' "$raw" | stats)
read -r ec_med ec_min ecn < <(awk -v n="$n" '$1 == "ert" && $2 == "c" && $4 > 0 {print ($4 - $3) / n}' "$raw" | stats)
ns2() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN {printf "%.2f", v}'; }
sec() { awk '{printf "%.2f", $1 / 1e6}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b}'; }
s2() { [ "$1" = - ] && echo - || echo "$1" | sec; }
ns() { [ "$1" = - ] && echo - || awk -v v="$1" 'BEGIN {printf "%.0f", v}'; }
{
  echo "bench/nested: one nested-KVM L1 ($(sed -n 's/^l1 nproc \([0-9]*\) mem_kib \([0-9]*\) kernel \(.*\)/\1 vCPUs, \2 KiB, L1 kernel \3/p' "$raw")),"
  echo "  QEMU TCG emulating AMD SVM; ${when:-?}; whole run ${elapsed} s; L1 exit $rc"
  echo "  host load average before: $load_before  after: $load_after; L1's own: $(sed -n 's/^l1 loadavg_start \([^ ]* [^ ]* [^ ]*\).*/\1/p' "$raw") -> $(sed -n 's/^l1 loadavg_end \([^ ]* [^ ]* [^ ]*\).*/\1/p' "$raw")"
  echo "  kernel: $kernel; initramfs: one static /init printing SBX-BOOT-MARK, then reboot(RB_AUTOBOOT)"
  echo "  jar: cli/target/sbx.jar of $(date -r "$root/cli/target/sbx.jar" '+%Y-%m-%d %H:%M'), with the launcher's flags and a CDS archive made as ./sbx makes it"
  echo
  echo "1. boot to the userspace marker: L1 wall seconds from process start (runs 1..$boots, interleaved; run 0 warms up)"
  row() { printf '  %-52s %8s %8s %9s %8s\n' "$@"; }
  row "" "marker" "marker" "exit" "exit"
  row "" "median" "min" "median" "min"
  row "ours: java -jar sbx.jar vmm run --engine kvm ($on ok)" "$(s2 "$om_med")" "$(s2 "$om_min")" "$(s2 "$oe_med")" "$(s2 "$oe_min")"
  row "QEMU -accel kvm -M microvm -cpu host ($qn ok)" "$(s2 "$qm_med")" "$(s2 "$qm_min")" "$(s2 "$qe_med")" "$(s2 "$qe_min")"
  row "ratio ours/QEMU" "$(ratio "$om_med" "$qm_med")" "$(ratio "$om_min" "$qm_min")" "$(ratio "$oe_med" "$qe_med")" "$(ratio "$oe_min" "$qe_min")"
  row "ours/QEMU paired within each round: median, min ($prn)" "$(ns2 "$pr_med")" "$(ns2 "$pr_min")" "" ""
  row "JVM start: java -XX:+UseSerialGC -Xshare:auto -version" "" "" "$(s2 "$jv_med")" "$(s2 "$jv_min")"
  row "ours: process start to VMM start (JVM + CLI)" "$ovs_med" "$ovs_min" "" ""
  row "ours: process start to 'booting' (kernel loaded)" "$ovb_med" "$ovb_min" "" ""
  row "ours: VMM start to init's boot-timer write" "$ovi_med" "$ovi_min" "" ""
  row "ratio (ours - JVM start)/QEMU, medians" "$(awk -v a="$om_med" -v j="$jv_med" -v q="$qm_med" 'BEGIN {if (a == "-" || j == "-" || q == "-") print "-"; else printf "%.2f", (a - j) / q}')" "" "" ""
  row "ours: VMM start to the marker" "$(s2 "$ovm_med")" "$(s2 "$ovm_min")" "" ""
  row "ratio (ours: VMM start to the marker)/QEMU" "$(ratio "$ovm_med" "$qm_med")" "$(ratio "$ovm_min" "$qm_min")" "" ""
  echo "  guest time of the kernel's 'Run /init' (median): ours ${ok_med} s, QEMU ${qk_med} s; console bytes: ours $(ns "$ob_med"), QEMU $(ns "$qb_med")"
  [ -z "$fails" ] || { echo "  FAILED runs (who round mark_us exit_us status bytes ...):"; echo "$fails" | sed 's/^/    /'; }
  echo "  ours: --memory 256m --cpus 1, cmdline 'console=ttyS0 reboot=k panic=-1 rdinit=/init i8042.noaux i8042.nomux i8042.dumbkbd'"
  echo "  QEMU: -m 256 -smp 1 -nodefaults -no-user-config -nographic -no-reboot, microvm defaults (hardware-reduced"
  echo "        ACPI, PIC/PIT/RTC, ISA serial; no i8042), cmdline 'console=ttyS0 reboot=t panic=-1 rdinit=/init' (triple"
  echo "        fault + -no-reboot = exit; reboot=k would spin on the absent i8042)"
  echo
  echo "2. exit round trip on SVM: port writes to a no-op device, ns/exit = (time of $large - time of $small exits)/$n;"
  echo "   one JVM, 2 warm-up rounds, then per round the Java pair and the C pair (child process), alternating order"
  printf "  %-52s %8s %8s %6s\n" "" "median" "min" "rounds"
  printf '  %-52s %8s %8s %6s\n' "sbx Java vCPU loop" "$(ns "$ej_med")" "$(ns "$ej_min")" "$ejn"
  printf '  %-52s %8s %8s %6s\n' "minimal C loop (bench/vmm/kvm_ref.c)" "$(ns "$ec_med")" "$(ns "$ec_min")" "$ecn"
  printf '  %-52s %8s %8s\n' "ratio Java/C" "$(ratio "$ej_med" "$ec_med")" "$(ratio "$ej_min" "$ec_min")"
} | tee "$out/result.txt"
if [ -n "$fails" ]; then
  for f in $(echo "$fails" | awk '{print $2 "-" $3}'); do
    echo "--- $f console (last 15 lines):"; tail -15 "$out/logs/$f.console"
    echo "--- $f stderr (last 10 lines):"; tail -10 "$out/logs/$f.stderr"
    [ ! -f "$out/logs/$f.vmm.log" ] || { echo "--- $f VMM log (last 10 lines):"; tail -10 "$out/logs/$f.vmm.log"; }
  done | tee -a "$out/result.txt"
fi
