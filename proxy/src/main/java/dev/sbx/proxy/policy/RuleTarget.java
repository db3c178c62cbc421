package dev.sbx.proxy.policy;

import dev.sbx.proxy.net.Cidr;
import dev.sbx.proxy.net.IpLiterals;
import java.net.InetAddress;
import java.util.Arrays;

/**
 * What one rule matches (proxy-threats.md §3.2–3.3). {@code port} 0 means any port.
 * {@link #canonical()} is the normalised text stored and shown.
 */
public sealed interface RuleTarget {

  String canonical();

  /** True if the rule matches the destination by name or literal (step D2). */
  boolean matchesDestination(Destination d);

  private static String withPort(String host, int port) {
    return port == 0 ? host : host + ":" + port;
  }

  private static boolean portOk(int rulePort, int port) {
    return rulePort == 0 || rulePort == port;
  }

  /** Exact name, {@code *.suffix} (one label) or {@code **.suffix} (one or more labels). */
  record Name(Kind kind, String name, int port) implements RuleTarget {
    public enum Kind { EXACT, ONE_LABEL, ANY_DEPTH }

    @Override
    public String canonical() {
      String prefix = switch (kind) {
        case EXACT -> "";
        case ONE_LABEL -> "*.";
        case ANY_DEPTH -> "**.";
      };
      return withPort(prefix + name, port);
    }

    @Override
    public boolean matchesDestination(Destination d) {
      if (d.kind() != Destination.Kind.NAME || !portOk(port, d.port())) {
        return false;
      }
      String h = d.host();
      return switch (kind) {
        case EXACT -> h.equals(name);
        case ANY_DEPTH -> h.length() > name.length() + 1 && h.endsWith("." + name);
        case ONE_LABEL -> {
          if (!(h.length() > name.length() + 1 && h.endsWith("." + name))) {
            yield false;
          }
          String label = h.substring(0, h.length() - name.length() - 1);
          yield label.indexOf('.') < 0;
        }
      };
    }
  }

  /** {@code **}: every name and every IP literal; never re-opens a blocked class. */
  record Everything(int port) implements RuleTarget {
    @Override
    public String canonical() {
      return withPort("**", port);
    }

    @Override
    public boolean matchesDestination(Destination d) {
      return portOk(port, d.port());
    }
  }

  /** One IP address. */
  record Ip(byte[] address, int port) implements RuleTarget {
    public Ip {
      address = address.clone();
    }

    public InetAddress inetAddress() {
      return IpLiterals.toAddress(address);
    }

    @Override
    public String canonical() {
      return withPort(IpLiterals.formatHost(inetAddress()), port);
    }

    @Override
    public boolean matchesDestination(Destination d) {
      return d.kind() == Destination.Kind.IP && matchesAddress(d.address(), d.port());
    }

    public boolean matchesAddress(InetAddress a, int p) {
      return portOk(port, p) && Arrays.equals(inetAddress().getAddress(), a.getAddress());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Ip i && i.port == port && Arrays.equals(i.address, address);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(address) * 31 + port;
    }

    @Override
    public String toString() {
      return canonical();
    }
  }

  /** An address range, any port. */
  record Range(Cidr cidr) implements RuleTarget {
    @Override
    public String canonical() {
      return cidr.toString();
    }

    @Override
    public boolean matchesDestination(Destination d) {
      return d.kind() == Destination.Kind.IP && cidr.contains(d.address());
    }
  }

  /** {@code localhost:PORT}: the host's loopback on one port. */
  record Localhost(int port) implements RuleTarget {
    @Override
    public String canonical() {
      return "localhost:" + port;
    }

    @Override
    public boolean matchesDestination(Destination d) {
      if (d.port() != port) {
        return false;
      }
      return d.kind() == Destination.Kind.LOOPBACK
          || (d.kind() == Destination.Kind.IP && d.address().isLoopbackAddress()
              && (IpLiterals.format(d.address()).equals("127.0.0.1") || IpLiterals.format(d.address()).equals("::1")));
    }
  }
}
