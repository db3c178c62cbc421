#!/usr/bin/env bash
# Baseline figures of the sandbox VMM on an engine (default tcg): sbx-vmm start to guest ready,
# RSS of sbx-vmm and QEMU, graceful stop, vsock round trip through the control socket.
# usage: bench/engine/run.sh [ENGINE BOOTS TRIPS]      (default: tcg 3 2000)
# Uses a throwaway SBX_HOME that shares the built guest image from the user cache.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out="$root/bench/out/engine"
mkdir -p "$out"
cd "$root"
./mvnw -q -B -o -pl cli -am compile
./mvnw -q -B -o -pl cli dependency:build-classpath -Dmdep.outputFile="$out/cp.txt" >/dev/null
# Sibling modules from this checkout, not from the local repository.
cp=$(tr ':' '\n' <"$out/cp.txt" | grep -v '/dev/sbx/' | paste -sd:)
for m in vmm-core vmm-kvm vmm-hvf vmm-whp vmm-tcg guest-image proxy cli; do cp="$root/$m/target/classes:$cp"; done
javac -cp "$cp" -d "$out/classes" "$root/bench/engine/EngineBench.java"
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
cache=${XDG_CACHE_HOME:-$HOME/.cache}/sbx
mkdir -p "$home/cache"
ln -s "$cache/images" "$home/cache/images"
SBX_HOME="$home" java -cp "$out/classes:$cp" dev.sbx.cli.runtime.EngineBench "${1:-tcg}" "${2:-3}" "${3:-2000}"
