package dev.sbx.vmm.acpi;

import dev.sbx.vmm.arch.ByteChecksum;
import java.nio.ByteBuffer;

/**
 * Root System Description Pointer, revision 2 (ACPI 6.5 §5.2.5.3): 36 bytes pointing at the XSDT.
 * The RSDT address stays 0; a revision-2 RSDP with an XSDT is all a 64-bit OS reads.
 */
public final class Rsdp {

  public static final int LENGTH = 36;
  /** Checksum over the ACPI 1.0 part, bytes [0, 20). */
  public static final int CHECKSUM_OFFSET = 8;
  /** Checksum over all 36 bytes. */
  public static final int EXTENDED_CHECKSUM_OFFSET = 32;

  private Rsdp() {}

  public static byte[] build(long xsdtAddress) {
    ByteBuffer b = Sdt.body(LENGTH);
    b.put(Sdt.ascii("RSD PTR ", 8));
    b.put((byte) 0); // checksum
    b.put(Sdt.ascii(Sdt.OEM_ID, 6));
    b.put((byte) 2); // revision: ACPI 2.0+ layout
    b.putInt(0); // RSDT address: none
    b.putInt(LENGTH);
    b.putLong(xsdtAddress);
    // extended checksum and 3 reserved bytes stay 0 until filled
    byte[] out = b.array();
    ByteChecksum.fill(out, 0, 20, CHECKSUM_OFFSET);
    ByteChecksum.fill(out, 0, LENGTH, EXTENDED_CHECKSUM_OFFSET);
    return out;
  }
}
