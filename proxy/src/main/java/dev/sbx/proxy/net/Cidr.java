package dev.sbx.proxy.net;

import java.net.InetAddress;
import java.util.Arrays;

/** An address range {@code network/prefix}; IPv4 and IPv6 never contain each other. */
public record Cidr(byte[] network, int prefix) {

  public Cidr {
    network = network.clone();
    if (prefix < 0 || prefix > network.length * 8) {
      throw new IllegalArgumentException("prefix " + prefix + " out of range");
    }
  }

  @Override
  public byte[] network() {
    return network.clone();
  }

  /** Parses trusted table text such as {@code 10.0.0.0/8} or {@code fc00::/7}. */
  public static Cidr of(String text) {
    int slash = text.indexOf('/');
    String host = text.substring(0, slash);
    byte[] b = host.contains(":") ? IpLiterals.parseIpv6(host) : IpLiterals.parseIpv4(host);
    if (b == null) {
      throw new IllegalArgumentException("bad CIDR " + text);
    }
    return new Cidr(b, Integer.parseInt(text.substring(slash + 1)));
  }

  public boolean contains(byte[] addr) {
    if (addr.length != network.length) {
      return false;
    }
    int full = prefix / 8;
    for (int i = 0; i < full; i++) {
      if (addr[i] != network[i]) {
        return false;
      }
    }
    int rem = prefix % 8;
    if (rem == 0) {
      return true;
    }
    int mask = (0xff << (8 - rem)) & 0xff;
    return (addr[full] & mask) == (network[full] & mask);
  }

  public boolean contains(InetAddress a) {
    return contains(a.getAddress());
  }

  /** True if every address of {@code other} lies in this range. */
  public boolean covers(Cidr other) {
    return other.network.length == network.length && other.prefix >= prefix && contains(other.network);
  }

  /** True if host bits below the prefix are zero. */
  public boolean hostBitsZero() {
    return Arrays.equals(network, masked(network, prefix));
  }

  private static byte[] masked(byte[] a, int prefix) {
    byte[] m = a.clone();
    for (int bit = prefix; bit < m.length * 8; bit++) {
      m[bit / 8] &= (byte) ~(0x80 >>> (bit % 8));
    }
    return m;
  }

  @Override
  public String toString() {
    return IpLiterals.format(network) + "/" + prefix;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.network, network);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(network) * 31 + prefix;
  }
}
