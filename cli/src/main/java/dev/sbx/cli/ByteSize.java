package dev.sbx.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Sizes in binary units as users type them: {@code 512m}, {@code 8g}, {@code 8GiB}, {@code 1048576}. */
public final class ByteSize {
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

  private ByteSize() {}

  /** Parses a size; a bare number is bytes. Throws {@link IllegalArgumentException} with a hint. */
  public static long parse(String text) {
    Matcher m = SIZE.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("invalid size '" + text + "'; use a number with k, m, g or t, e.g. 512m or 8g");
    }
    int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "k" -> 10;
      case "m" -> 20;
      case "g" -> 30;
      case "t" -> 40;
      default -> 0;
    };
    long value;
    try {
      value = Long.parseLong(m.group(1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("size '" + text + "' is too large");
    }
    if (value > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("size '" + text + "' is too large");
    }
    return value << shift;
  }
}
