package dev.sbx.proxy.cred;

import dev.sbx.proxy.policy.Destination;
import dev.sbx.proxy.policy.InvalidTargetException;
import dev.sbx.proxy.policy.RuleParser;
import dev.sbx.proxy.policy.RuleTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A service whose API key the proxy injects: the hosts it is bound to (rule syntax; port 443
 * unless given), the header it uses and, for {@code Authorization}, the scheme words after
 * which the placeholder may stand ({@code Basic} means the decoded password).
 */
public record Service(String name, List<String> hosts, String header, List<String> schemes) {

  public Service {
    hosts = List.copyOf(hosts);
    schemes = List.copyOf(schemes);
    header = header.toLowerCase(Locale.ROOT);
  }

  /** Host patterns compiled with the policy matcher; a port-less pattern binds port 443. */
  public List<RuleTarget> targets() {
    List<RuleTarget> out = new ArrayList<>();
    for (String h : hosts) {
      try {
        RuleTarget t = RuleParser.parse(h);
        if (t instanceof RuleTarget.Name n && n.port() == 0) {
          t = new RuleTarget.Name(n.kind(), n.name(), 443);
        }
        out.add(t);
      } catch (InvalidTargetException e) {
        throw new IllegalArgumentException("service " + name + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  public boolean binds(Destination d) {
    for (RuleTarget t : targets()) {
      if (t instanceof RuleTarget.Name && t.matchesDestination(d)) {
        return true;
      }
    }
    return false;
  }
}
