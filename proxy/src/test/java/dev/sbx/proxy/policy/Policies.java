package dev.sbx.proxy.policy;

import java.util.ArrayList;
import java.util.List;

/** Builds policy documents from lines like {@code "allow example.com"} or {@code "deny@sb 1.2.3.0/24"}. */
public final class Policies {
  private Policies() {}

  public static PolicyDocument doc(String... lines) {
    List<Rule> rules = new ArrayList<>();
    int n = 0;
    for (String line : lines) {
      String[] p = line.split(" ", 2);
      String sandbox = null;
      String word = p[0];
      if (word.contains("@")) {
        sandbox = word.substring(word.indexOf('@') + 1);
        word = word.substring(0, word.indexOf('@'));
      }
      Rule.Decision decision = word.equals("deny") ? Rule.Decision.DENY : Rule.Decision.ALLOW;
      String canonical;
      try {
        canonical = RuleParser.parse(p[1]).canonical();
      } catch (InvalidTargetException e) {
        throw new IllegalArgumentException(e);
      }
      rules.add(new Rule(String.format("%08x-test", n++), sandbox, decision, canonical, "user", "2026-01-01T00:00:00Z"));
    }
    return new PolicyDocument(PolicyDocument.VERSION, "deny-all", rules);
  }

  public static CompiledPolicy compile(String... lines) {
    return CompiledPolicy.compile(doc(lines), null);
  }
}
