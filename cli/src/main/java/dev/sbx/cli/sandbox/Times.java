package dev.sbx.cli.sandbox;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** RFC 3339 UTC text to whole seconds, the form of every time in the store and in {@code --json}. */
public final class Times {
  private Times() {}

  public static String text(Instant t) {
    return t == null ? null : t.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  public static Instant parse(String text) {
    return text == null ? null : Instant.parse(text);
  }
}
