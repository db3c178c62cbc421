package dev.sbx.proxy.server;

/** Text a peer chose (a reason, an SNI name, an exception message) made safe to log and answer with. */
final class PeerText {
  private PeerText() {}

  /** Visible ASCII and spaces only, at most 512 characters: peer-chosen text in logs, bodies and status lines. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length() && i < 512; i++) {
      char c = s.charAt(i);
      b.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return b.toString();
  }

  /** A failure's message (or its type when it has none), printable. */
  static String reason(Throwable t) {
    if (t == null) {
      return "unknown";
    }
    String m = t.getMessage();
    return printable(m == null ? t.getClass().getSimpleName() : m);
  }
}
