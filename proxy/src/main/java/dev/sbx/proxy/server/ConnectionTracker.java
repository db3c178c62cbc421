package dev.sbx.proxy.server;

import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Verdict;
import io.netty.channel.Channel;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;

/**
 * Open upstream connections with what was checked for them, so a policy swap can re-check each
 * one and close those no longer allowed (L23), leaving the rest untouched.
 */
final class ConnectionTracker {

  private record Tracked(Channel client, Channel upstream, Destination destination, InetAddress address,
      boolean explicit, String mode) {}

  private final Map<Channel, Tracked> open = new ConcurrentHashMap<>();
  private final Map<Channel, AtomicLong[]> counters = new ConcurrentHashMap<>();

  /** Registers an upstream of {@code client}; returns the client's byte counters (up, down). */
  AtomicLong[] track(Channel client, Channel upstream, Destination d, Admission a, String mode) {
    InetAddress addr = upstream.remoteAddress() instanceof InetSocketAddress isa ? isa.getAddress() : null;
    // The checked address (not where a test dialer routed it) is what the policy judged.
    if (!a.targets().isEmpty()) {
      addr = a.targets().get(0).getAddress();
      for (InetSocketAddress t : a.targets()) {
        if (upstream.remoteAddress() instanceof InetSocketAddress isa && isa.getAddress().equals(t.getAddress())) {
          addr = t.getAddress();
        }
      }
    }
    open.put(upstream, new Tracked(client, upstream, d, addr, a.explicit(), mode));
    upstream.closeFuture().addListener(f -> open.remove(upstream));
    AtomicLong[] c = counters(client);
    client.closeFuture().addListener(f -> counters.remove(client));
    return c;
  }

  AtomicLong[] counters(Channel client) {
    return counters.computeIfAbsent(client, k -> new AtomicLong[] {new AtomicLong(), new AtomicLong()});
  }

  int size() {
    return open.size();
  }

  /** Closes every tracked connection the snapshot no longer allows; reports each closure. */
  void recheck(PolicyState.Snapshot snap, BiConsumer<Destination, Verdict> onClosed) {
    for (Tracked t : List.copyOf(open.values())) {
      Verdict v = PolicyEnforcement.decide(snap, t.destination(),
          t.address() == null ? List.of() : List.of(t.address()), t.explicit());
      if (!v.allowed()) {
        t.upstream().close();
        t.client().close();
        onClosed.accept(t.destination(), v);
      }
    }
  }
}
