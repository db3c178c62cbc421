package dev.sbx.proxy.policy;

import dev.sbx.proxy.net.IpLiterals;

/**
 * Parses request targets into {@link Destination}s (proxy-threats.md §3.1 N1–N8). Any failure
 * is an {@link InvalidTargetException}, which the proxy answers with 400.
 */
public final class Destinations {
  private Destinations() {}

  /** An absolute-form {@code http://} target split into destination and origin-form rest. */
  public record HttpTarget(Destination destination, String originForm) {}

  /** {@code CONNECT host:port} / {@code [v6]:port}; no default port. */
  public static Destination parseAuthority(String authority) throws InvalidTargetException {
    checkAuthorityChars(authority);
    int colon = authority.lastIndexOf(':');
    if (colon < 0 || (authority.startsWith("[") && colon < authority.indexOf(']'))) {
      throw new InvalidTargetException("CONNECT target '" + authority + "' has no port");
    }
    return parseHostPort(authority.substring(0, colon), parsePort(authority.substring(colon + 1)));
  }

  /** Absolute-form {@code http://authority/path}; {@code https://} needs CONNECT. */
  public static HttpTarget parseHttpTarget(String uri) throws InvalidTargetException {
    String lower = uri.length() >= 8 ? uri.substring(0, 8).toLowerCase(java.util.Locale.ROOT) : uri;
    if (lower.startsWith("https://")) {
      throw new InvalidTargetException("https:// URLs must use CONNECT");
    }
    if (!lower.startsWith("http://")) {
      throw new InvalidTargetException("request target must be an absolute http:// URL");
    }
    for (int i = 0; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c <= 0x20 || c >= 0x7f || c == '#' || c == '\\') {
        throw new InvalidTargetException("character '" + HostNames.printable(c) + "' not allowed in request target");
      }
    }
    String rest = uri.substring(7);
    int end = rest.length();
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '/' || c == '?') {
        end = i;
        break;
      }
    }
    String authority = rest.substring(0, end);
    String path = rest.substring(end);
    if (path.isEmpty()) {
      path = "/";
    } else if (path.charAt(0) == '?') {
      path = "/" + path;
    }
    checkAuthorityChars(authority);
    int colon = authority.lastIndexOf(':');
    Destination d;
    if (colon >= 0 && !(authority.startsWith("[") && colon < authority.indexOf(']'))) {
      d = parseHostPort(authority.substring(0, colon), parsePort(authority.substring(colon + 1)));
    } else {
      d = parseHostPort(authority, 80);
    }
    return new HttpTarget(d, path);
  }

  private static void checkAuthorityChars(String authority) throws InvalidTargetException {
    if (authority.isEmpty()) {
      throw new InvalidTargetException("empty host");
    }
    for (int i = 0; i < authority.length(); i++) {
      char c = authority.charAt(i);
      if (c >= 0x7f || c <= 0x20) {
        throw new InvalidTargetException("character '" + HostNames.printable(c) + "' not allowed in host");
      }
      if (c == '@' || c == '%' || c == '/' || c == '\\' || c == '?' || c == '#') {
        throw new InvalidTargetException("character '" + c + "' not allowed in host");
      }
    }
  }

  /** N2: 1–5 digits, no sign, no leading zero, 1–65535. */
  public static int parsePort(String s) throws InvalidTargetException {
    if (s.isEmpty() || s.length() > 5 || s.charAt(0) == '0') {
      throw new InvalidTargetException("invalid port '" + s + "' (use 1-65535)");
    }
    int v = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new InvalidTargetException("invalid port '" + s + "' (use 1-65535)");
      }
      v = v * 10 + (c - '0');
    }
    if (v > 65535) {
      throw new InvalidTargetException("invalid port '" + s + "' (use 1-65535)");
    }
    return v;
  }

  /** Host part of an authority (already free of userinfo etc.) plus its port. */
  static Destination parseHostPort(String host, int port) throws InvalidTargetException {
    if (host.startsWith("[")) {
      if (!host.endsWith("]")) {
        throw new InvalidTargetException("unbalanced '[' in host");
      }
      byte[] v6 = IpLiterals.parseIpv6(host.substring(1, host.length() - 1));
      if (v6 == null) {
        throw new InvalidTargetException("brackets must hold an IPv6 address: " + host);
      }
      return Destination.ip(IpLiterals.toAddress(v6), port);
    }
    if (host.indexOf(':') >= 0 || host.indexOf('[') >= 0 || host.indexOf(']') >= 0) {
      throw new InvalidTargetException("IPv6 addresses need brackets: " + host);
    }
    String h = host.toLowerCase(java.util.Locale.ROOT);
    if (h.endsWith(".")) {
      h = h.substring(0, h.length() - 1);
    }
    if (h.isEmpty()) {
      throw new InvalidTargetException("empty host");
    }
    if (HostNames.looksNumeric(h)) {
      byte[] v4 = IpLiterals.parseIpv4(h);
      if (v4 == null) {
        throw new InvalidTargetException("numeric host '" + host + "' is not a dotted-quad IPv4 address");
      }
      return Destination.ip(IpLiterals.toAddress(v4), port);
    }
    HostNames.checkName(h);
    if (h.equals("localhost") || h.endsWith(".localhost") || h.equals("host.docker.internal")) {
      return new Destination(Destination.Kind.LOOPBACK, h, null, port);
    }
    return Destination.name(h, port);
  }
}
