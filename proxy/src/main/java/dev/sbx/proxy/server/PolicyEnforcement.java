package dev.sbx.proxy.server;

import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Verdict;
import java.net.InetAddress;
import java.util.List;

/**
 * The one place the proxy asks the policy about a destination (proxy-threats.md §3.3 D2 and D4).
 * Plain forward requests and intercepted requests ({@link ForwardHandler}), CONNECT tunnels and
 * every upstream dial ({@link Gatekeeper}), and the re-check of open connections after a reload
 * ({@link ConnectionTracker}) all call {@link #decide}; the callers only act on the verdict.
 */
final class PolicyEnforcement {
  private PolicyEnforcement() {}

  /**
   * The verdict for {@code d} under {@code snap}: first by name or literal alone (D2, no DNS),
   * then, if that allows and addresses are given, for each address it resolved to (D4).
   * {@code explicit} addresses (a {@code proxy.resolve} entry) skip the address-class check.
   * With no addresses this is the name decision only, as made before any lookup.
   */
  static Verdict decide(PolicyState.Snapshot snap, Destination d, List<InetAddress> addresses, boolean explicit) {
    Verdict v = snap.policy().decide(d);
    if (!v.allowed() || addresses.isEmpty()) {
      return v;
    }
    Verdict block = snap.policy().checkAddresses(d, addresses, explicit, snap.classifier());
    return block != null ? block : v;
  }
}
