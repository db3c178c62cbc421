package dev.sbx.proxy.policy;

import dev.sbx.proxy.net.AddressClass;
import dev.sbx.proxy.net.AddressClassifier;
import dev.sbx.proxy.net.Classification;
import dev.sbx.proxy.net.IpLiterals;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An immutable snapshot of the rules in force for one sandbox (global ∪ its own), with the
 * decision order of proxy-threats.md §3.3: deny wins in every scope, default deny, IP rules
 * never allow a name, {@code **} never re-opens a blocked address class.
 */
public final class CompiledPolicy {

  private record Entry(Rule rule, RuleTarget target) {}

  private final String preset;
  private final List<Entry> allows;
  private final List<Entry> denies;

  private CompiledPolicy(String preset, List<Entry> allows, List<Entry> denies) {
    this.preset = preset;
    this.allows = List.copyOf(allows);
    this.denies = List.copyOf(denies);
  }

  /** Rules of {@code doc} that apply to {@code sandbox} (null: global rules only). */
  public static CompiledPolicy compile(PolicyDocument doc, String sandbox) {
    List<Entry> allows = new ArrayList<>();
    List<Entry> denies = new ArrayList<>();
    for (Rule r : doc.rules()) {
      if (r.sandbox() != null && !r.sandbox().equals(sandbox)) {
        continue;
      }
      RuleTarget t;
      try {
        t = r.target();
      } catch (InvalidTargetException e) {
        // PolicyStore.load refuses such files; a rule that cannot be read never allows anything.
        continue;
      }
      (r.decision() == Rule.Decision.DENY ? denies : allows).add(new Entry(r, t));
    }
    return new CompiledPolicy(doc.preset(), allows, denies);
  }

  /** Denies everything (no policy yet, or an unreadable one at start). */
  public static CompiledPolicy denyAll() {
    return new CompiledPolicy(null, List.of(), List.of());
  }

  public String preset() {
    return preset;
  }

  /** Step D2: decide on the name or literal alone, before any DNS. */
  public Verdict decide(Destination d) {
    for (Entry e : denies) {
      if (isNameOrLiteralRule(e.target(), d) && e.target().matchesDestination(d)) {
        return Verdict.denyByRule(e.rule());
      }
    }
    for (Entry e : allows) {
      if (isNameOrLiteralRule(e.target(), d) && e.target().matchesDestination(d)) {
        return Verdict.allow(e.rule());
      }
    }
    return Verdict.defaultDeny();
  }

  // Names are decided by name rules, literals by IP rules; ** and localhost:PORT by both.
  private static boolean isNameOrLiteralRule(RuleTarget t, Destination d) {
    return switch (d.kind()) {
      case NAME -> t instanceof RuleTarget.Name || t instanceof RuleTarget.Everything;
      case LOOPBACK -> t instanceof RuleTarget.Localhost || t instanceof RuleTarget.Everything;
      case IP -> !(t instanceof RuleTarget.Name);
    };
  }

  /**
   * Step D4: checks every address a destination resolved to. {@code explicit} addresses (a
   * {@code proxy.resolve} entry) skip the class check; deny rules still apply.
   *
   * @return null if every address passes, else the verdict for the first blocked one
   */
  public Verdict checkAddresses(Destination d, List<InetAddress> addresses, boolean explicit,
      AddressClassifier classifier) {
    for (InetAddress a : addresses) {
      Classification c = classifier.classify(a);
      for (Entry e : denies) {
        if (matchesAddress(e.target(), c, d.port())) {
          return Verdict.denyByRule(e.rule());
        }
      }
      if (explicit || !c.blocked()) {
        continue;
      }
      if (c.addressClass().never() || !reopened(c, d.port())) {
        return Verdict.blockedAddress(c.describe());
      }
    }
    return null;
  }

  private static boolean matchesAddress(RuleTarget t, Classification c, int port) {
    if (t instanceof RuleTarget.Ip ip) {
      return ip.matchesAddress(c.effective(), port) || ip.matchesAddress(c.address(), port);
    }
    if (t instanceof RuleTarget.Range r) {
      return r.cidr().contains(c.effective()) || r.cidr().contains(c.address());
    }
    return false;
  }

  private boolean reopened(Classification c, int port) {
    for (Entry e : allows) {
      RuleTarget t = e.target();
      if (t instanceof RuleTarget.Ip ip && (ip.matchesAddress(c.effective(), port) || ip.matchesAddress(c.address(), port))) {
        return true;
      }
      if (t instanceof RuleTarget.Range r && r.cidr().prefix() > 0 && c.addressClass() != AddressClass.METADATA
          && c.range() != null && c.range().covers(r.cidr()) && r.cidr().contains(c.effective())) {
        return true;
      }
      if (t instanceof RuleTarget.Localhost l && l.port() == port && c.addressClass() == AddressClass.LOOPBACK) {
        String text = IpLiterals.format(c.effective());
        if (text.equals("127.0.0.1") || text.equals("::1")) {
          return true;
        }
      }
    }
    return false;
  }
}
