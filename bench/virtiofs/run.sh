#!/usr/bin/env bash
# virtio-fs server throughput through the host kernel's FUSE client (/dev/fuse carries the same
# protocol as virtio-fs), next to the same workload on the backing folder directly. Needs root.
# The guest-side comparison against QEMU's 9p is the device benchmark (docs/virtio-fs.md).
# usage: bench/virtiofs/run.sh [MIB FILES]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bench/out/virtiofs"
mkdir -p "$out"
cd "$root"
./mvnw -q -B -o -pl vmm-core compile
./mvnw -q -B -o -pl vmm-core dependency:build-classpath -Dmdep.outputFile="$out/cp.txt" >/dev/null
cp="$root/vmm-core/target/classes:$(cat "$out/cp.txt")"
javac -cp "$cp" -d "$out" "$root/bench/virtiofs/FuseMountBench.java"
java -cp "$out:$cp" FuseMountBench "${1:-256}" "${2:-5000}"
