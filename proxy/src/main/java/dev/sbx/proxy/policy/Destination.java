package dev.sbx.proxy.policy;

import dev.sbx.proxy.net.IpLiterals;
import java.net.InetAddress;

/**
 * A normalised destination (proxy-threats.md §3.1): every later step — policy, SNI check, leaf
 * name, upstream SNI and Host, credential binding, log — uses this and nothing the client sent.
 *
 * @param kind    what the host is
 * @param host    lowercase ASCII name without trailing dot, or canonical IP text (no brackets)
 * @param address the literal for {@link Kind#IP}, otherwise null
 * @param port    1–65535
 */
public record Destination(Kind kind, String host, InetAddress address, int port) {

  public enum Kind {
    /** A DNS name. */
    NAME,
    /** An IP literal. */
    IP,
    /** {@code localhost}, {@code *.localhost} or {@code host.docker.internal}: the host's loopback, no DNS. */
    LOOPBACK
  }

  public static Destination name(String host, int port) {
    return new Destination(Kind.NAME, host, null, port);
  }

  public static Destination ip(InetAddress address, int port) {
    return new Destination(Kind.IP, IpLiterals.format(address), address, port);
  }

  /** Host for an authority or Host header: IPv6 in brackets. */
  public String authorityHost() {
    return kind == Kind.IP ? IpLiterals.formatHost(address) : host;
  }

  /** {@code host:port}, as in log lines and 403 texts. */
  public String hostPort() {
    return authorityHost() + ":" + port;
  }

  /** Host header value: the port only when it is not the scheme's default. */
  public String hostHeader(int defaultPort) {
    return port == defaultPort ? authorityHost() : hostPort();
  }
}
