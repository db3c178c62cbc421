package dev.sbx.proxy.net;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Classifies destination addresses against the IANA special-purpose tables (proxy-threats.md
 * §2). Embedded IPv4 (mapped, NAT64 well-known prefix) is unwrapped and classified as IPv4.
 */
public final class AddressClassifier {

  private record Range(Cidr cidr, AddressClass cls) {}

  // Order matters: the first match wins, so exact entries come before their ranges.
  private static final List<Range> V4 = List.of(
      r("169.254.169.254/32", AddressClass.METADATA),
      r("169.254.170.2/32", AddressClass.METADATA),
      r("100.100.100.200/32", AddressClass.METADATA),
      r("255.255.255.255/32", AddressClass.BROADCAST),
      r("0.0.0.0/8", AddressClass.THIS_NETWORK),
      r("10.0.0.0/8", AddressClass.PRIVATE),
      r("100.64.0.0/10", AddressClass.SHARED_CGNAT),
      r("127.0.0.0/8", AddressClass.LOOPBACK),
      r("169.254.0.0/16", AddressClass.LINK_LOCAL),
      r("172.16.0.0/12", AddressClass.PRIVATE),
      r("192.0.0.0/24", AddressClass.IETF_PROTOCOL),
      r("192.0.2.0/24", AddressClass.DOCUMENTATION),
      r("192.88.99.0/24", AddressClass.RELAY_6TO4),
      r("192.168.0.0/16", AddressClass.PRIVATE),
      r("198.18.0.0/15", AddressClass.BENCHMARKING),
      r("198.51.100.0/24", AddressClass.DOCUMENTATION),
      r("203.0.113.0/24", AddressClass.DOCUMENTATION),
      r("224.0.0.0/4", AddressClass.MULTICAST),
      r("240.0.0.0/4", AddressClass.RESERVED));

  private static final Cidr NAT64 = Cidr.of("64:ff9b::/96");

  private static final List<Range> V6 = List.of(
      r("::/128", AddressClass.UNSPECIFIED),
      r("::1/128", AddressClass.LOOPBACK),
      r("fd00:ec2::254/128", AddressClass.METADATA),
      r("::/96", AddressClass.IPV4_COMPATIBLE),
      r("64:ff9b:1::/48", AddressClass.NAT64_LOCAL),
      r("100::/64", AddressClass.DISCARD),
      r("2001:db8::/32", AddressClass.DOCUMENTATION),
      r("2001::/23", AddressClass.IETF_PROTOCOL),
      r("2002::/16", AddressClass.SIX_TO_FOUR),
      r("3fff::/20", AddressClass.DOCUMENTATION),
      r("fc00::/7", AddressClass.UNIQUE_LOCAL),
      r("fe80::/10", AddressClass.LINK_LOCAL),
      r("fec0::/10", AddressClass.SITE_LOCAL),
      r("ff00::/8", AddressClass.MULTICAST));

  private static final Cidr GLOBAL_UNICAST = Cidr.of("2000::/3");

  private final Set<InetAddress> hostAddresses;

  /** @param hostAddresses this host's own interface addresses (blocked like private space) */
  public AddressClassifier(Set<InetAddress> hostAddresses) {
    this.hostAddresses = Set.copyOf(hostAddresses);
  }

  /** Enumerates the host's interfaces now; call again on reload to pick up changes. */
  public static AddressClassifier forThisHost() {
    List<InetAddress> all = new ArrayList<>();
    try {
      for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          // Drop the scope ID so comparisons with parsed destinations work.
          all.add(IpLiterals.toAddress(a.getAddress()));
        }
      }
    } catch (SocketException e) {
      // Without an interface list only the static tables apply; they cover loopback and LANs.
    }
    return new AddressClassifier(all.stream().collect(Collectors.toSet()));
  }

  private static Range r(String cidr, AddressClass cls) {
    return new Range(Cidr.of(cidr), cls);
  }

  public Classification classify(InetAddress address) {
    InetAddress plain = IpLiterals.toAddress(address.getAddress()); // mapped → IPv4, no scope
    byte[] b = plain.getAddress();
    InetAddress effective = plain;
    if (b.length == 16 && NAT64.contains(b)) {
      effective = IpLiterals.toAddress(new byte[] {b[12], b[13], b[14], b[15]});
    }
    Classification c = classifyPlain(address, effective);
    if (!c.blocked() && (hostAddresses.contains(plain) || hostAddresses.contains(effective))) {
      return new Classification(address, effective, AddressClass.HOST_INTERFACE,
          new Cidr(effective.getAddress(), effective.getAddress().length * 8));
    }
    return c;
  }

  private static Classification classifyPlain(InetAddress original, InetAddress effective) {
    byte[] e = effective.getAddress();
    for (Range range : e.length == 4 ? V4 : V6) {
      if (range.cidr().contains(e)) {
        return new Classification(original, effective, range.cls(), range.cidr());
      }
    }
    if (effective instanceof Inet6Address && !GLOBAL_UNICAST.contains(e)) {
      return new Classification(original, effective, AddressClass.NOT_GLOBAL_UNICAST, new Cidr(new byte[16], 0));
    }
    return new Classification(original, effective, AddressClass.PUBLIC, null);
  }
}
