package dev.sbx.vmm.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * AML NameString encoding (ACPI 6.5 §20.2.2): an optional root ({@code \}) or parent ({@code ^})
 * prefix, then dot-separated 4-character NameSegs. Segments shorter than four characters are
 * padded with {@code _}, as ASL does ({@code "PS2"} becomes {@code PS2_}).
 */
public final class AmlName {

  private static final int ROOT_CHAR = 0x5C;
  private static final int PARENT_PREFIX = 0x5E;
  private static final int DUAL_NAME_PREFIX = 0x2E;
  private static final int MULTI_NAME_PREFIX = 0x2F;
  private static final int NULL_NAME = 0x00;

  private AmlName() {}

  /** Encodes a path such as {@code "_HID"}, {@code "\\_SB_"} or {@code "^^_SB_.COM1"}. */
  public static byte[] encode(String path) {
    if (path.isEmpty()) {
      throw new IllegalArgumentException("empty AML name");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    if (path.startsWith("\\")) {
      out.write(ROOT_CHAR);
      i = 1;
    } else {
      while (i < path.length() && path.charAt(i) == '^') {
        out.write(PARENT_PREFIX);
        i++;
      }
    }
    String rest = path.substring(i);
    if (rest.isEmpty()) {
      out.write(NULL_NAME);
      return out.toByteArray();
    }
    String[] segs = rest.split("\\.", -1);
    if (segs.length > 255) {
      throw new IllegalArgumentException("AML name '" + path + "' has more than 255 segments");
    }
    if (segs.length == 2) {
      out.write(DUAL_NAME_PREFIX);
    } else if (segs.length > 2) {
      out.write(MULTI_NAME_PREFIX);
      out.write(segs.length);
    }
    for (String seg : segs) {
      out.writeBytes(nameSeg(seg, path));
    }
    return out.toByteArray();
  }

  private static byte[] nameSeg(String seg, String path) {
    if (seg.isEmpty() || seg.length() > 4) {
      throw new IllegalArgumentException(
          "AML name '" + path + "': segment '" + seg + "' must be 1 to 4 characters");
    }
    for (int i = 0; i < seg.length(); i++) {
      char c = seg.charAt(i);
      boolean lead = (c >= 'A' && c <= 'Z') || c == '_';
      if (!lead && !(i > 0 && c >= '0' && c <= '9')) {
        throw new IllegalArgumentException("AML name '" + path + "': segment '" + seg
            + "' may hold only A-Z, _ and (after the first character) 0-9");
      }
    }
    return (seg + "___".substring(0, 4 - seg.length())).getBytes(StandardCharsets.US_ASCII);
  }
}
