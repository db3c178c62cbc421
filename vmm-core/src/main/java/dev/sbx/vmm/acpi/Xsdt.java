package dev.sbx.vmm.acpi;

import java.nio.ByteBuffer;
import java.util.List;

/** Extended System Description Table (ACPI 6.5 §5.2.8): 64-bit addresses of the other tables. */
public final class Xsdt {

  private Xsdt() {}

  public static byte[] build(List<Long> tableAddresses) {
    ByteBuffer b = Sdt.body(8 * tableAddresses.size());
    tableAddresses.forEach(b::putLong);
    return Sdt.assemble("XSDT", 1, b.array());
  }

  public static int length(int tableCount) {
    return Sdt.HEADER_SIZE + 8 * tableCount;
  }
}
