package dev.sbx.proxy.policy;

import com.ibm.icu.text.IDNA;

/**
 * Host name rules shared by destinations and policy rules (proxy-threats.md N5–N7, §3.2).
 * Rules go through UTS 46 (ICU4J, non-transitional); destinations must already be ASCII,
 * because clients send A-labels and mapping client input would hide lookalikes.
 */
final class HostNames {
  private static final IDNA UTS46 = IDNA.getUTS46Instance(
      IDNA.NONTRANSITIONAL_TO_ASCII | IDNA.NONTRANSITIONAL_TO_UNICODE | IDNA.CHECK_BIDI | IDNA.CHECK_CONTEXTJ);

  private HostNames() {}

  /** True if N6 makes the host numeric: last label all digits or starting with {@code 0x}. */
  static boolean looksNumeric(String host) {
    String last = host.substring(host.lastIndexOf('.') + 1);
    if (last.startsWith("0x")) {
      return true;
    }
    if (last.isEmpty()) {
      return false;
    }
    for (int i = 0; i < last.length(); i++) {
      if (last.charAt(i) < '0' || last.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  /**
   * Validates a lowercase ASCII name without trailing dot (N5, N7); returns it.
   *
   * @throws InvalidTargetException naming the bad label
   */
  static String checkName(String name) throws InvalidTargetException {
    if (name.isEmpty()) {
      throw new InvalidTargetException("empty host name");
    }
    if (name.length() > 253) {
      throw new InvalidTargetException("host name longer than 253 characters");
    }
    int start = 0;
    for (int i = 0; i <= name.length(); i++) {
      if (i == name.length() || name.charAt(i) == '.') {
        checkLabel(name, name.substring(start, i));
        start = i + 1;
      }
    }
    return name;
  }

  private static void checkLabel(String name, String label) throws InvalidTargetException {
    if (label.isEmpty()) {
      throw new InvalidTargetException("empty label in host name '" + name + "'");
    }
    if (label.length() > 63) {
      throw new InvalidTargetException("label longer than 63 characters in '" + name + "'");
    }
    if (label.startsWith("-") || label.endsWith("-")) {
      throw new InvalidTargetException("label '" + label + "' starts or ends with '-'");
    }
    for (int i = 0; i < label.length(); i++) {
      char c = label.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
      if (!ok) {
        throw new InvalidTargetException("character '" + printable(c) + "' not allowed in host name '" + name + "'");
      }
    }
    if (label.startsWith("xn--")) {
      IDNA.Info info = new IDNA.Info();
      UTS46.labelToUnicode(label, new StringBuilder(), info);
      if (info.hasErrors()) {
        throw new InvalidTargetException("invalid A-label '" + label + "' (" + info.getErrors() + ")");
      }
    }
  }

  /** UTS 46 ToASCII for rule text; the caller re-checks the result with {@link #checkName}. */
  static String toAscii(String text) throws InvalidTargetException {
    IDNA.Info info = new IDNA.Info();
    StringBuilder out = UTS46.nameToASCII(text, new StringBuilder(), info);
    if (info.hasErrors()) {
      throw new InvalidTargetException("'" + text + "' is not a valid internationalised name (" + info.getErrors() + ")");
    }
    return out.toString();
  }

  static String printable(char c) {
    return c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c);
  }
}
