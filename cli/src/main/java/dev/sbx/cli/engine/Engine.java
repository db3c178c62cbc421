package dev.sbx.cli.engine;

import java.util.Locale;

/** The CPU engines a sandbox can run on (design §3). */
public enum Engine {
  KVM, HVF, WHP, TCG;

  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a user's choice; {@code auto} is not an engine and yields null. */
  public static Engine parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    if (t.equals("auto")) {
      return null;
    }
    for (Engine e : values()) {
      if (e.id().equals(t)) {
        return e;
      }
    }
    throw new IllegalArgumentException("unknown engine '" + text + "'; use auto, kvm, hvf, whp or tcg");
  }
}
