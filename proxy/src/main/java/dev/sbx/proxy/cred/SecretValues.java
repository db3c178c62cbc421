package dev.sbx.proxy.cred;

/** Checks on secret values before they are stored or sent. */
public final class SecretValues {
  private SecretValues() {}

  /** Null if the value is usable, else why not (never quoting the value). */
  public static String problem(String value) {
    if (value == null || value.isEmpty()) {
      return "the secret is empty";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\r' || c == '\n' || c == 0) {
        return "the secret contains a CR, LF or NUL character";
      }
      if (c < 0x20 && c != '\t' || c == 0x7f) {
        return "the secret contains a control character";
      }
    }
    if (value.equals(PlaceholderInjector.PLACEHOLDER)) {
      return "the secret is the placeholder itself";
    }
    return null;
  }

  /** {@code ****}, or the first and last four characters for values of 16 or more. */
  public static String mask(String value) {
    if (value.length() < 16) {
      return "****";
    }
    return value.substring(0, 4) + "****…****" + value.substring(value.length() - 4);
  }
}
