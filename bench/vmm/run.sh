#!/usr/bin/env bash
# VMM benchmarks on this host's /dev/kvm:
#  1. exit round trip: a guest doing N port writes to a no-op device; ns per exit for our Java
#     vCPU loop and for a minimal C loop, same guest, same run. Two guest sizes are timed and
#     subtracted so fixed costs (entry, reset) cancel.
#  2. `sbx vmm run` process start to first guest instruction, and the VMM's RSS.
# usage: bench/vmm/run.sh [N_SMALL N_LARGE]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bench/out/vmm"
mkdir -p "$out"
small=${1:-20000}
large=${2:-120000}
guests="$root/vmm-core/src/test/resources/guests"

cd "$root"
[ -f cli/target/sbx.jar ] || ./mvnw -q -B -DskipTests install
./mvnw -q -B -o -pl vmm-kvm dependency:build-classpath -Dmdep.outputFile="$out/cp.txt" >/dev/null
cp="$root/vmm-core/target/classes:$root/vmm-kvm/target/classes:$(cat "$out/cp.txt")"

build() { # name count
  gcc -c -I"$guests" -DEXIT_COUNT="$2" "$guests/exits.S" -o "$out/$1.o"
  ld -m elf_x86_64 -nostdlib -static --no-warn-rwx-segments -T "$guests/guest.ld" "$out/$1.o" -o "$out/$1.elf"
  objcopy -O binary "$out/$1.elf" "$out/$1.bin"
}
build small "$small"
build large "$large"
entry=$(readelf -h "$out/small.elf" | awk '/Entry point/ {print $4}')
gcc -O2 -o "$out/kvm_ref" "$root/bench/vmm/kvm_ref.c"
javac -cp "$cp" -d "$out" "$root/bench/vmm/ExitRoundTrip.java"

java_small=$(java -cp "$out:$cp" ExitRoundTrip "$out/small.elf" 2 2>/dev/null | sed -n "s/^RESULT //p")
java_large=$(java -cp "$out:$cp" ExitRoundTrip "$out/large.elf" 2 2>/dev/null | sed -n "s/^RESULT //p")
c_small=$("$out/kvm_ref" "$out/small.bin" "$entry" "$small")
c_large=$("$out/kvm_ref" "$out/large.bin" "$entry" "$large")
n=$((large - small))
echo "exit round trip (port write to a no-op device, $n exits):"
awk -v a="$java_small" -v b="$java_large" -v n="$n" 'BEGIN {printf "  sbx Java vCPU loop: %8.0f ns/exit\n", (b-a)/n}'
awk -v a="$c_small" -v b="$c_large" -v n="$n" 'BEGIN {printf "  minimal C loop:     %8.0f ns/exit\n", (b-a)/n}'
awk -v a="$java_small" -v b="$java_large" -v c="$c_small" -v d="$c_large" 'BEGIN {printf "  ratio Java/C:       %8.2f\n", (b-a)/(d-c)}'

# Process start to first guest instruction: the guest's first instruction writes the boot timer.
gcc -c -I"$guests" "$guests/bootmark.S" -o "$out/bootmark.o"
ld -m elf_x86_64 -nostdlib -static --no-warn-rwx-segments -T "$guests/guest.ld" "$out/bootmark.o" -o "$out/bootmark.elf"
echo "sbx vmm run, process start to first guest instruction (5 runs):"
for i in 1 2 3 4 5; do
  t0=$(date +%s%6N)
  log=$(SBX_JAVA_OPTS= ./sbx -D vmm run --kernel "$out/bootmark.elf" --memory 128m 2>&1 >/dev/null)
  t1=$(echo "$log" | sed -n 's/.*Guest-boot-time = \([0-9]*\) us since VMM start (epoch \([0-9]*\) us).*/\2/p')
  vmm=$(echo "$log" | sed -n 's/.*Guest-boot-time = \([0-9]*\) us since VMM start.*/\1/p')
  rss=$(echo "$log" | sed -n 's/.*memory: \(.*\)/\1/p')
  echo "  run $i: $(( (t1 - t0) / 1000 )) ms from exec (VMM set-up to first instruction: $((vmm / 1000)) ms); $rss"
done
