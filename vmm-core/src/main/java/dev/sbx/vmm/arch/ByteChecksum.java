package dev.sbx.vmm.arch;

/**
 * The 8-bit checksum that ACPI tables, ACPI resource templates and Intel MP structures share: all
 * bytes of the structure, checksum byte included, must add up to 0 modulo 256.
 */
public final class ByteChecksum {

  private ByteChecksum() {}

  /** Sum of {@code bytes[from, to)} modulo 256. */
  public static int sum(byte[] bytes, int from, int to) {
    int sum = 0;
    for (int i = from; i < to; i++) {
      sum += bytes[i];
    }
    return sum & 0xFF;
  }

  /**
   * Stores in {@code bytes[at]} the value that makes {@code bytes[from, to)} sum to 0; {@code at}
   * must lie inside the range.
   */
  public static void fill(byte[] bytes, int from, int to, int at) {
    if (at < from || at >= to) {
      throw new IllegalArgumentException(
          "checksum byte " + at + " outside [" + from + ", " + to + ")");
    }
    bytes[at] = 0;
    bytes[at] = (byte) -sum(bytes, from, to);
  }
}
