package dev.sbx.proxy.net;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code proxy.resolve} setting: {@code HOST[:PORT]=ADDRESS[:PORT],…}, consulted before DNS
 * like curl's {@code --resolve}. An entry is the user's explicit choice, so its address passes
 * the class check; the name policy still applies to HOST.
 */
public final class ResolveOverrides {

  /** One entry; port 0 on the left matches any port, on the right keeps the request's port. */
  public record Entry(String host, int port, InetAddress address, int targetPort) {}

  private final List<Entry> entries;

  private ResolveOverrides(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  public static ResolveOverrides none() {
    return new ResolveOverrides(List.of());
  }

  /** Parses the setting; the message of the exception names the bad entry. */
  public static ResolveOverrides parse(String text) {
    List<Entry> out = new ArrayList<>();
    if (text == null || text.isBlank()) {
      return none();
    }
    for (String raw : text.split(",")) {
      String item = raw.strip();
      if (item.isEmpty()) {
        continue;
      }
      int eq = item.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("proxy.resolve entry '" + item + "' must look like HOST[:PORT]=ADDRESS[:PORT]");
      }
      String left = item.substring(0, eq);
      String right = item.substring(eq + 1);
      String host = left.toLowerCase(Locale.ROOT);
      int port = 0;
      int c = left.lastIndexOf(':');
      if (c > 0 && left.indexOf(']') < c) {
        host = left.substring(0, c).toLowerCase(Locale.ROOT);
        port = port(item, left.substring(c + 1));
      }
      if (host.endsWith(".")) {
        host = host.substring(0, host.length() - 1);
      }
      if (host.isEmpty()) {
        throw new IllegalArgumentException("proxy.resolve entry '" + item + "' has no host");
      }
      InetAddress address;
      int targetPort = 0;
      String addr = right;
      if (right.startsWith("[")) {
        int close = right.indexOf(']');
        if (close < 0) {
          throw new IllegalArgumentException("proxy.resolve entry '" + item + "': unbalanced '['");
        }
        addr = right.substring(1, close);
        if (close + 1 < right.length()) {
          if (right.charAt(close + 1) != ':') {
            throw new IllegalArgumentException("proxy.resolve entry '" + item + "': text after ']'");
          }
          targetPort = port(item, right.substring(close + 2));
        }
        byte[] b = IpLiterals.parseIpv6(addr);
        if (b == null) {
          throw new IllegalArgumentException("proxy.resolve entry '" + item + "': '" + addr + "' is not an IPv6 address");
        }
        address = IpLiterals.toAddress(b);
      } else {
        int rc = right.indexOf(':');
        if (rc >= 0) {
          addr = right.substring(0, rc);
          targetPort = port(item, right.substring(rc + 1));
        }
        byte[] b = IpLiterals.parseIpv4(addr);
        if (b == null) {
          throw new IllegalArgumentException("proxy.resolve entry '" + item + "': '" + addr
              + "' is not an IP address (dotted quad, or IPv6 in brackets)");
        }
        address = IpLiterals.toAddress(b);
      }
      out.add(new Entry(host, port, address, targetPort));
    }
    return new ResolveOverrides(out);
  }

  private static int port(String item, String p) {
    try {
      int v = Integer.parseInt(p);
      if (v < 1 || v > 65535 || p.startsWith("0") || p.startsWith("+")) {
        throw new NumberFormatException();
      }
      return v;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("proxy.resolve entry '" + item + "': bad port '" + p + "'");
    }
  }

  /** The override for {@code host:port}, or null. A port-specific entry beats a host-wide one. */
  public InetSocketAddress lookup(String host, int port) {
    Entry any = null;
    for (Entry e : entries) {
      if (e.host().equals(host)) {
        if (e.port() == port) {
          return target(e, port);
        }
        if (e.port() == 0 && any == null) {
          any = e;
        }
      }
    }
    return any == null ? null : target(any, port);
  }

  private static InetSocketAddress target(Entry e, int port) {
    return new InetSocketAddress(e.address(), e.targetPort() == 0 ? port : e.targetPort());
  }

  public List<Entry> entries() {
    return entries;
  }
}
