package dev.sbx.vmm.testing;

import java.nio.charset.StandardCharsets;

/** Reads little-endian fields out of table bytes, independently of the code under test. */
public final class LittleEndian {

  private LittleEndian() {}

  public static int u8(byte[] b, int off) {
    return b[off] & 0xFF;
  }

  public static int u16(byte[] b, int off) {
    return u8(b, off) | u8(b, off + 1) << 8;
  }

  public static long u32(byte[] b, int off) {
    return (u16(b, off) | (long) u16(b, off + 2) << 16) & 0xFFFF_FFFFL;
  }

  public static long u64(byte[] b, int off) {
    return u32(b, off) | u32(b, off + 4) << 32;
  }

  public static String ascii(byte[] b, int off, int len) {
    return new String(b, off, len, StandardCharsets.US_ASCII);
  }

  /** Sum of {@code b[off, off + len)} modulo 256: 0 for a valid ACPI or MP checksum. */
  public static int checksum(byte[] b, int off, int len) {
    int s = 0;
    for (int i = off; i < off + len; i++) {
      s += b[i];
    }
    return s & 0xFF;
  }
}
