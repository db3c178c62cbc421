package dev.sbx.vmm.acpi;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/**
 * Multiple APIC Description Table (ACPI 6.5 §5.2.12): the local APIC address, then one entry per
 * interrupt controller. Only the xAPIC entry types are built: Processor Local APIC (type 0) and
 * I/O APIC (type 1).
 */
public final class Madt {

  public static final int REVISION = 5;
  /** Header plus local APIC address and flags. */
  public static final int FIXED_LENGTH = 44;
  public static final int LOCAL_APIC_LENGTH = 8;
  public static final int IO_APIC_LENGTH = 12;
  /** Flags bit 0: the system also has dual 8259 PICs (must be masked when using the APICs). */
  public static final int PCAT_COMPAT = 1;
  /** Largest xAPIC ID; 0xFF is the broadcast ID. */
  public static final int MAX_APIC_ID = 0xFE;

  private final long localApicAddress;
  private final int flags;
  private final ByteArrayOutputStream entries = new ByteArrayOutputStream();

  public Madt(long localApicAddress, int flags) {
    this.localApicAddress = u32("local APIC address", localApicAddress);
    this.flags = flags;
  }

  /** A Processor Local APIC entry, enabled. */
  public Madt localApic(int processorUid, int apicId) {
    if (processorUid < 0 || processorUid > 0xFF || apicId < 0 || apicId > MAX_APIC_ID) {
      throw new IllegalArgumentException("local APIC UID " + processorUid + " / ID " + apicId
          + " out of range: UID 0-255, ID 0-" + MAX_APIC_ID);
    }
    ByteBuffer e = Sdt.body(LOCAL_APIC_LENGTH);
    e.put((byte) 0).put((byte) LOCAL_APIC_LENGTH).put((byte) processorUid).put((byte) apicId);
    e.putInt(1); // flags: enabled
    entries.writeBytes(e.array());
    return this;
  }

  /** An I/O APIC entry. */
  public Madt ioApic(int id, long address, long gsiBase) {
    if (id < 0 || id > 0xFF) {
      throw new IllegalArgumentException("I/O APIC ID " + id + " must be 0-255");
    }
    ByteBuffer e = Sdt.body(IO_APIC_LENGTH);
    e.put((byte) 1).put((byte) IO_APIC_LENGTH).put((byte) id).put((byte) 0);
    e.putInt((int) u32("I/O APIC address", address));
    e.putInt((int) u32("I/O APIC GSI base", gsiBase));
    entries.writeBytes(e.array());
    return this;
  }

  public byte[] build() {
    byte[] list = entries.toByteArray();
    ByteBuffer b = Sdt.body(FIXED_LENGTH - Sdt.HEADER_SIZE + list.length);
    b.putInt((int) localApicAddress).putInt(flags).put(list);
    return Sdt.assemble("APIC", REVISION, b.array());
  }

  private static long u32(String what, long v) {
    if (v < 0 || v > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException(
          what + " 0x" + Long.toHexString(v) + " must fit in 32 bits");
    }
    return v;
  }
}
