package dev.sbx.proxy.net;

/**
 * Classes of destination addresses (proxy-threats.md §2). {@code never} classes cannot be
 * re-opened by any rule.
 */
public enum AddressClass {
  PUBLIC("public", false, false),
  UNSPECIFIED("unspecified", true, true),
  THIS_NETWORK("this-network", true, true),
  LOOPBACK("loopback", true, false),
  PRIVATE("private", true, false),
  SHARED_CGNAT("shared/CGNAT", true, false),
  LINK_LOCAL("link-local", true, false),
  /** Cloud metadata endpoints: only an exact /32 or /128 allow rule re-opens them. */
  METADATA("metadata", true, false),
  IETF_PROTOCOL("IETF protocol assignment", true, false),
  DOCUMENTATION("documentation", true, false),
  RELAY_6TO4("6to4 relay", true, false),
  BENCHMARKING("benchmarking", true, false),
  MULTICAST("multicast", true, true),
  RESERVED("reserved", true, true),
  BROADCAST("broadcast", true, true),
  IPV4_COMPATIBLE("IPv4-compatible", true, false),
  NAT64_LOCAL("local-use NAT64", true, false),
  DISCARD("discard-only", true, false),
  UNIQUE_LOCAL("unique-local", true, false),
  SITE_LOCAL("site-local", true, false),
  SIX_TO_FOUR("6to4", true, false),
  NOT_GLOBAL_UNICAST("not global unicast", true, false),
  /** An address of one of this host's own interfaces. */
  HOST_INTERFACE("host interface", true, false),
  /** The proxy's own listener. */
  PROXY_SELF("proxy listener", true, true);

  private final String label;
  private final boolean blocked;
  private final boolean never;

  AddressClass(String label, boolean blocked, boolean never) {
    this.label = label;
    this.blocked = blocked;
    this.never = never;
  }

  public String label() {
    return label;
  }

  public boolean blocked() {
    return blocked;
  }

  /** True if no rule can re-open the class. */
  public boolean never() {
    return never;
  }
}
