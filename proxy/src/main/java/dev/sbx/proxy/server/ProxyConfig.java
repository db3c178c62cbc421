package dev.sbx.proxy.server;

import dev.sbx.proxy.net.Dialer;
import dev.sbx.proxy.net.NameResolver;
import dev.sbx.proxy.net.ResolveOverrides;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Everything one proxy instance needs. The CLI builds it from {@code SbxPaths} and settings;
 * the proxy module never reads either itself.
 *
 * @param sandbox    sandbox name whose scoped rules and secrets apply (null: global only)
 * @param listen     where to listen: a loopback TCP address (standalone {@code sbx proxy}) or a Unix
 *                   socket path (a sandbox's VMM: reachable only through its private 0700 folder)
 * @param configDir  holds policy.json, secrets/, services.json and proxy-ca/
 * @param logFile    the decision log
 * @param overrides  the {@code proxy.resolve} setting
 * @param upstreamCa the {@code proxy.upstream-ca} setting (null: none)
 */
public record ProxyConfig(
    String sandbox,
    SocketAddress listen,
    Path configDir,
    Path logFile,
    ResolveOverrides overrides,
    Path upstreamCa,
    NameResolver resolver,
    Dialer dialer,
    Limits limits) {

  /** Bounds on what one client may hold open or send. */
  public record Limits(
      int maxRequestLine,
      int maxHeaderBytes,
      int maxHeaderFields,
      Duration headerTimeout,
      Duration idleTimeout,
      int maxConnections,
      Duration dnsTimeout,
      Duration connectTimeout,
      Duration tlsHandshakeTimeout,
      Duration reloadInterval,
      long logMaxBytes,
      int logKeep,
      int leafCacheSize) {

    public static Limits defaults() {
      return new Limits(8192, 8192, 100, Duration.ofSeconds(30), Duration.ofMinutes(5), 256,
          Duration.ofSeconds(10), Duration.ofSeconds(15), Duration.ofSeconds(15), Duration.ofSeconds(1),
          10L << 20, 3, 1000);
    }

    public Limits withTimeouts(Duration header, Duration idle) {
      return new Limits(maxRequestLine, maxHeaderBytes, maxHeaderFields, header, idle, maxConnections, dnsTimeout,
          connectTimeout, tlsHandshakeTimeout, reloadInterval, logMaxBytes, logKeep, leafCacheSize);
    }

    public Limits withMaxConnections(int n) {
      return new Limits(maxRequestLine, maxHeaderBytes, maxHeaderFields, headerTimeout, idleTimeout, n, dnsTimeout,
          connectTimeout, tlsHandshakeTimeout, reloadInterval, logMaxBytes, logKeep, leafCacheSize);
    }

    public Limits withConnectTimeout(Duration d) {
      return new Limits(maxRequestLine, maxHeaderBytes, maxHeaderFields, headerTimeout, idleTimeout, maxConnections,
          dnsTimeout, d, tlsHandshakeTimeout, reloadInterval, logMaxBytes, logKeep, leafCacheSize);
    }

    public Limits withLeafCacheSize(int n) {
      return new Limits(maxRequestLine, maxHeaderBytes, maxHeaderFields, headerTimeout, idleTimeout, maxConnections,
          dnsTimeout, connectTimeout, tlsHandshakeTimeout, reloadInterval, logMaxBytes, logKeep, n);
    }

    public Limits withDnsTimeout(Duration d) {
      return new Limits(maxRequestLine, maxHeaderBytes, maxHeaderFields, headerTimeout, idleTimeout, maxConnections,
          d, connectTimeout, tlsHandshakeTimeout, reloadInterval, logMaxBytes, logKeep, leafCacheSize);
    }
  }

  /** Production defaults: system resolver, direct dialing. */
  public static ProxyConfig of(String sandbox, SocketAddress listen, Path configDir, Path logFile,
      ResolveOverrides overrides, Path upstreamCa) {
    return new ProxyConfig(sandbox, listen, configDir, logFile, overrides, upstreamCa, NameResolver.system(),
        Dialer.direct(), Limits.defaults());
  }

  public ProxyConfig withResolver(NameResolver r) {
    return new ProxyConfig(sandbox, listen, configDir, logFile, overrides, upstreamCa, r, dialer, limits);
  }

  public ProxyConfig withDialer(Dialer d) {
    return new ProxyConfig(sandbox, listen, configDir, logFile, overrides, upstreamCa, resolver, d, limits);
  }

  public ProxyConfig withLimits(Limits l) {
    return new ProxyConfig(sandbox, listen, configDir, logFile, overrides, upstreamCa, resolver, dialer, l);
  }

  /** Directory of the interception CA. */
  public Path caDir() {
    return configDir.resolve("proxy-ca");
  }
}
