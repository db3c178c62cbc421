package dev.sbx.proxy.server;

import dev.sbx.proxy.net.IpLiterals;
import dev.sbx.proxy.net.NameResolver;
import dev.sbx.proxy.net.ResolveOverrides;
import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.Verdict;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Steps D2–D4 of proxy-threats.md §3.3 for one destination: decide by name (no DNS), find the
 * addresses (literal, loopback, {@code proxy.resolve}, or one lookup with a timeout), then
 * classify every address. Only addresses returned here are ever dialled. The decisions
 * themselves are {@link PolicyEnforcement#decide}'s.
 */
final class Gatekeeper {
  private static final InetAddress V4_LOOPBACK = IpLiterals.toAddress(new byte[] {127, 0, 0, 1});
  private static final InetAddress V6_LOOPBACK = IpLiterals.toAddress(IpLiterals.parseIpv6("::1"));

  private final Supplier<PolicyState.Snapshot> state;
  private final ResolveOverrides overrides;
  private final NameResolver resolver;
  private final ExecutorService dns;
  private final Duration dnsTimeout;
  private final Supplier<InetSocketAddress> self;

  Gatekeeper(Supplier<PolicyState.Snapshot> state, ResolveOverrides overrides, NameResolver resolver,
      ExecutorService dns, Duration dnsTimeout, Supplier<InetSocketAddress> self) {
    this.state = state;
    this.overrides = overrides;
    this.resolver = resolver;
    this.dns = dns;
    this.dnsTimeout = dnsTimeout;
    this.self = self;
  }

  CompletableFuture<Admission> admit(Destination d) {
    PolicyState.Snapshot snap = state.get();
    Verdict v;
    try {
      v = PolicyEnforcement.decide(snap, d, List.of(), false);
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Admission.failed(Verdict.defaultDeny(), 403, "policy error"));
    }
    if (!v.allowed()) {
      return CompletableFuture.completedFuture(Admission.denied(v));
    }
    switch (d.kind()) {
      case IP:
        return CompletableFuture.completedFuture(check(snap, v, d, List.of(d.address()), d.port(), false));
      case LOOPBACK:
        return CompletableFuture.completedFuture(check(snap, v, d, List.of(V4_LOOPBACK, V6_LOOPBACK), d.port(), false));
      default:
        break;
    }
    InetSocketAddress override = overrides.lookup(d.host(), d.port());
    if (override != null) {
      return CompletableFuture.completedFuture(check(snap, v, d, List.of(override.getAddress()), override.getPort(), true));
    }
    CompletableFuture<List<InetAddress>> lookup = CompletableFuture.supplyAsync(() -> {
      try {
        return resolver.resolve(d.host());
      } catch (UnknownHostException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, dns);
    return lookup.orTimeout(dnsTimeout.toMillis(), TimeUnit.MILLISECONDS).handle((addresses, err) -> {
      if (err != null) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        if (cause instanceof TimeoutException) {
          return Admission.failed(v, 504, "DNS lookup for " + d.host() + " timed out");
        }
        return Admission.failed(v, 502, "DNS lookup for " + d.host() + " failed");
      }
      if (addresses == null || addresses.isEmpty()) {
        return Admission.failed(v, 502, "DNS lookup for " + d.host() + " returned no address");
      }
      return check(state.get(), v, d, addresses, d.port(), false);
    });
  }

  private Admission check(PolicyState.Snapshot snap, Verdict allow, Destination d, List<InetAddress> addresses,
      int port, boolean explicit) {
    InetSocketAddress me = self.get();
    List<InetSocketAddress> targets = new ArrayList<>();
    for (InetAddress a : addresses) {
      InetAddress plain = IpLiterals.toAddress(a.getAddress());
      if (me != null && port == me.getPort() && (plain.isLoopbackAddress() || plain.isAnyLocalAddress()
          || plain.equals(me.getAddress()) || me.getAddress().isAnyLocalAddress())) {
        // Never re-openable: a connection back into the proxy itself.
        return Admission.denied(Verdict.blockedAddress("proxy listener " + IpLiterals.format(plain)));
      }
      targets.add(new InetSocketAddress(plain, port));
    }
    // Decided again on the snapshot the addresses are checked with: a reload during the DNS
    // lookup may have removed the rule that allowed the name, and the re-check of open
    // connections has then already run.
    Verdict v = PolicyEnforcement.decide(snap, d, addresses, explicit);
    if (!v.allowed()) {
      return Admission.denied(v);
    }
    return Admission.allowed(allow, targets, explicit);
  }
}
