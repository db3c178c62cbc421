package dev.sbx.proxy.net;

import java.net.InetAddress;

/**
 * The class of one address. {@code effective} is the address rules compare with (the embedded
 * IPv4 of a mapped or NAT64 address); {@code range} is the blocked range it fell in (null when
 * public), which an allow CIDR must lie inside to re-open it.
 */
public record Classification(InetAddress address, InetAddress effective, AddressClass addressClass, Cidr range) {

  public boolean blocked() {
    return addressClass.blocked();
  }

  /** e.g. {@code private 10.0.0.5}. */
  public String describe() {
    return addressClass.label() + " " + IpLiterals.format(address);
  }
}
