package dev.sbx.proxy.policy;

/**
 * The outcome of a policy check. {@code rule} is the deciding rule (null for default deny and
 * for class blocks); {@code detail} describes a blocked address (e.g. {@code private 10.0.0.5}).
 */
public record Verdict(boolean allowed, Reason reason, Rule rule, String detail) {

  public enum Reason {
    RULE("rule"), DEFAULT_DENY("default-deny"), ADDRESS_CLASS("address-class");

    private final String text;

    Reason(String text) {
      this.text = text;
    }

    /** Value of the decision log's {@code reason} field. */
    public String text() {
      return text;
    }
  }

  public static Verdict allow(Rule rule) {
    return new Verdict(true, Reason.RULE, rule, null);
  }

  public static Verdict denyByRule(Rule rule) {
    return new Verdict(false, Reason.RULE, rule, null);
  }

  public static Verdict defaultDeny() {
    return new Verdict(false, Reason.DEFAULT_DENY, null, null);
  }

  public static Verdict blockedAddress(String detail) {
    return new Verdict(false, Reason.ADDRESS_CLASS, null, detail);
  }

  /** The parenthesised part of a block message. */
  public String explanation() {
    return switch (reason) {
      case RULE -> "rule: " + rule.shortId() + " " + rule.decision().text() + " " + rule.resource();
      case DEFAULT_DENY -> "rule: default deny";
      case ADDRESS_CLASS -> "blocked address class: " + detail;
    };
  }

  /** One-line 403 body (sbx-cli.md §3.5). */
  public String blockMessage(Destination d) {
    return "Blocked by network policy: " + d.hostPort() + " (" + explanation() + ")";
  }
}
