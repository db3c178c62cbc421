package dev.sbx.vmm.acpi;

/**
 * AML PkgLength encoding (ACPI 6.5 §20.2.4). The encoded value counts the PkgLength bytes
 * themselves plus the package body, so the encoding's own size feeds back into the value: one byte
 * holds totals up to 63, two up to 2^12 - 1, three up to 2^20 - 1, four up to 2^28 - 1.
 */
public final class PkgLength {

  /** Largest body that still fits the four-byte form. */
  public static final int MAX_BODY = (1 << 28) - 1 - 4;

  private PkgLength() {}

  /** Encodes the PkgLength that precedes a package body of {@code bodyLength} bytes. */
  public static byte[] encode(int bodyLength) {
    if (bodyLength < 0 || bodyLength > MAX_BODY) {
      throw new IllegalArgumentException(
          "AML package body of " + bodyLength + " bytes: must be 0.." + MAX_BODY);
    }
    if (bodyLength + 1 <= 0x3F) {
      return new byte[] {(byte) (bodyLength + 1)};
    }
    // Multi-byte form: bits 7-6 of the lead byte count the follow bytes, bits 3-0 hold the low
    // nibble of the total and each follow byte the next 8 bits.
    for (int size = 2; ; size++) {
      int total = bodyLength + size;
      if (total < 1 << (4 + 8 * (size - 1))) {
        byte[] out = new byte[size];
        out[0] = (byte) (((size - 1) << 6) | (total & 0x0F));
        for (int i = 1; i < size; i++) {
          out[i] = (byte) (total >>> (4 + 8 * (i - 1)));
        }
        return out;
      }
    }
  }
}
