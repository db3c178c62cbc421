#!/usr/bin/env bash
# Egress proxy benchmark: direct vs sbx proxy vs Squid (tunnels) and mitmproxy (interception),
# all on 127.0.0.1 with local HTTPS origins. Prints figures and ratios; asserts nothing.
#
#   bench/proxy/run.sh [BIG_MIB] [CONNECTIONS] [REQUESTS]     defaults: 1024 500 5000
#
# Needs: Java 17, curl; for the baselines the Debian packages squid and mitmproxy
#   (sudo apt-get install -y squid mitmproxy). A missing baseline is skipped with a note.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)
big_mib=${1:-1024}
conns=${2:-500}
requests=${3:-5000}

work=$(mktemp -d /tmp/sbx-proxy-bench.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  sleep 1
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "building the proxy module..." >&2
(cd "$root" && ./mvnw -B -q -pl proxy -am compile dependency:build-classpath \
    -Dmdep.outputFile="$work/cp.txt" -Dmdep.includeScope=runtime >/dev/null)
cp="$root/proxy/target/classes:$(cat "$work/cp.txt")"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

squid_port=0
if command -v squid >/dev/null 2>&1; then
  squid_port=$(free_port)
  mkdir -p "$work/squid" && chmod 777 "$work/squid"
  cat > "$work/squid/squid.conf" <<CONF
http_port 127.0.0.1:$squid_port
http_access allow all
cache deny all
access_log none
cache_log $work/squid/cache.log
pid_filename none
coredump_dir $work/squid
shutdown_lifetime 1 seconds
CONF
  squid -N -f "$work/squid/squid.conf" </dev/null >/dev/null 2>&1 &
  pids+=($!)
else
  echo "note: squid not installed; skipping the Squid baseline (apt-get install squid)" >&2
fi

mitm_port=0
if command -v mitmdump >/dev/null 2>&1; then
  mitm_port=$(free_port)
  mkdir -p "$work/mitm"
  # The bench origin's CA is private, so upstream verification is off for mitmproxy only.
  mitmdump -q --listen-host 127.0.0.1 -p "$mitm_port" --set confdir="$work/mitm" --set ssl_insecure=true \
    </dev/null >/dev/null 2>&1 &
  pids+=($!)
else
  echo "note: mitmproxy not installed; skipping the mitmproxy baseline (apt-get install mitmproxy)" >&2
fi

# Wait for the baselines to listen (mitmproxy also writes its CA on first start).
for _ in $(seq 100); do
  ok=1
  [ "$squid_port" = 0 ] || (exec 3<>/dev/tcp/127.0.0.1/"$squid_port") 2>/dev/null || ok=0
  [ "$mitm_port" = 0 ] || [ -f "$work/mitm/mitmproxy-ca-cert.pem" ] || ok=0
  [ "$ok" = 1 ] && break
  sleep 0.1
done

cat > "$work/logback.xml" <<'XML'
<configuration>
  <appender name="E" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
    <encoder><pattern>%level %logger{20} %msg%n</pattern></encoder></appender>
  <root level="WARN"><appender-ref ref="E"/></root>
</configuration>
XML
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
java -Xmx512m -Dlogback.configurationFile="$work/logback.xml" -cp "$cp" "$root/bench/proxy/ProxyBench.java" "$work" $((big_mib << 20)) "$conns" "$requests" \
  "$squid_port" "$mitm_port"
