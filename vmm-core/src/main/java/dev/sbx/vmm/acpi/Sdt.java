package dev.sbx.vmm.acpi;

import dev.sbx.vmm.arch.ByteChecksum;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * The 36-byte System Description Table header (ACPI 6.5 §5.2.6) that every table but the RSDP
 * starts with, and the identity sbx writes into it.
 */
public final class Sdt {

  public static final int HEADER_SIZE = 36;
  /** Offset of the header's checksum byte. */
  public static final int CHECKSUM_OFFSET = 9;

  /** OEM ID (6 bytes), in every table and the RSDP. */
  public static final String OEM_ID = "SBX   ";
  /** Prefix of each table's 8-byte OEM table ID; the 4-byte signature completes it. */
  public static final String OEM_TABLE_ID_PREFIX = "SBXV";
  public static final int OEM_REVISION = 1;
  /** "ASL compiler" vendor: sbx encodes its AML itself. */
  public static final String CREATOR_ID = "SBX ";
  public static final int CREATOR_REVISION = 1;

  private Sdt() {}

  /** Header plus {@code body}, with length and checksum filled in. */
  public static byte[] assemble(String signature, int revision, byte[] body) {
    if (signature.length() != 4) {
      throw new IllegalArgumentException("ACPI signature '" + signature + "' must be 4 characters");
    }
    byte[] table = new byte[HEADER_SIZE + body.length];
    ByteBuffer b = ByteBuffer.wrap(table).order(ByteOrder.LITTLE_ENDIAN);
    b.put(ascii(signature, 4));
    b.putInt(table.length);
    b.put((byte) revision);
    b.put((byte) 0); // checksum, filled below
    b.put(ascii(OEM_ID, 6));
    b.put(ascii(OEM_TABLE_ID_PREFIX + signature, 8));
    b.putInt(OEM_REVISION);
    b.put(ascii(CREATOR_ID, 4));
    b.putInt(CREATOR_REVISION);
    b.put(body);
    ByteChecksum.fill(table, 0, table.length, CHECKSUM_OFFSET);
    return table;
  }

  /** A little-endian buffer for a table body of {@code size} bytes. */
  static ByteBuffer body(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  static byte[] ascii(String s, int length) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    if (b.length != length) {
      throw new IllegalArgumentException("'" + s + "' must be " + length + " ASCII characters");
    }
    return b;
  }
}
