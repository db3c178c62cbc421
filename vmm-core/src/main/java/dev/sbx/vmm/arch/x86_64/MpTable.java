package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.arch.ByteChecksum;
import dev.sbx.vmm.arch.GuestBlob;
import dev.sbx.vmm.arch.MmioSlot;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.TreeSet;

/**
 * Intel MultiProcessor Specification 1.4 table: a 16-byte floating pointer ({@code _MP_})
 * followed directly by the configuration table ({@code PCMP}) it points at. Linux uses it only
 * when it does not use ACPI's MADT, and only with {@code CONFIG_X86_MPPARSE}; sbx writes it so such
 * kernels still bring up every vCPU and route interrupts through the I/O APIC.
 *
 * <p>Entries: one processor per vCPU (APIC ID = vCPU index, vCPU 0 the bootstrap processor), bus 0
 * "ISA", the I/O APIC, an I/O interrupt entry for ISA IRQs 0-15 and for each virtio GSI above 15
 * (ISA bus, pin = IRQ, polarity and trigger "conform to bus", i.e. edge and active-high), and the
 * virtual-wire local interrupts ExtINT → LINT0 and NMI → LINT1 on every local APIC.
 */
public final class MpTable {

  public static final int FLOATING_POINTER_LENGTH = 16;
  public static final int HEADER_LENGTH = 44;
  public static final int PROCESSOR_ENTRY_LENGTH = 20;
  /** Bus, I/O APIC, I/O interrupt and local interrupt entries are all 8 bytes. */
  public static final int SHORT_ENTRY_LENGTH = 8;
  static final int POINTER_CHECKSUM_OFFSET = 10;
  static final int TABLE_CHECKSUM_OFFSET = 7;

  static final int ENTRY_PROCESSOR = 0;
  static final int ENTRY_BUS = 1;
  static final int ENTRY_IOAPIC = 2;
  static final int ENTRY_IO_INTERRUPT = 3;
  static final int ENTRY_LOCAL_INTERRUPT = 4;
  static final int INT_TYPE_INT = 0;
  static final int INT_TYPE_NMI = 1;
  static final int INT_TYPE_EXTINT = 3;

  /** Local APIC version KVM reports (integrated APIC, 0x14), as Firecracker writes it. */
  public static final int LAPIC_VERSION = 0x14;
  /** Version register of KVM's in-kernel I/O APIC (82093AA, 0x11). */
  public static final int IOAPIC_VERSION = 0x11;
  /** MP specification revision 1.4. */
  static final int SPEC_REV = 4;
  static final int ISA_BUS_ID = 0;
  static final int ISA_IRQS = 16;
  /** Processor signature: family 6; feature flags: FPU (bit 0) and APIC (bit 9). */
  static final int CPU_SIGNATURE = 0x600;
  static final int CPU_FEATURES = 0x201;

  private MpTable() {}

  /** Bytes the table takes for this many vCPUs and virtio GSIs above the ISA range. */
  public static int size(int vcpuCount, int extraGsis) {
    return FLOATING_POINTER_LENGTH + HEADER_LENGTH + PROCESSOR_ENTRY_LENGTH * vcpuCount
        + SHORT_ENTRY_LENGTH * (1 + 1 + ISA_IRQS + extraGsis + 2);
  }

  /**
   * Whether {@link #build} accepts this configuration: 1 KiB holds about 40 vCPUs. A VMM can skip
   * the MP table beyond that; kernels with ACPI use the MADT anyway.
   */
  public static boolean fits(int vcpuCount, List<MmioSlot> slots) {
    return problem(vcpuCount, slots) == null;
  }

  /** Why this configuration cannot be described, or null. */
  private static String problem(int vcpuCount, List<MmioSlot> slots) {
    if (vcpuCount < 1 || vcpuCount > 0xFE) {
      return "cannot describe " + vcpuCount + " vCPUs in the MP table: use 1 to 254";
    }
    for (MmioSlot s : slots) {
      if (s.gsi() >= X86Layout.IOAPIC_PINS) {
        return "virtio-mmio GSI " + s.gsi() + " has no I/O APIC pin: use 0-"
            + (X86Layout.IOAPIC_PINS - 1);
      }
    }
    int size = size(vcpuCount, gsisAboveIsa(slots).size());
    if (size > X86Layout.MPTABLE_MAX_SIZE) {
      return "MP table for " + vcpuCount + " vCPUs needs " + size + " bytes, more than the "
          + X86Layout.MPTABLE_MAX_SIZE
          + " reserved for it; use fewer vCPUs or boot without it (ACPI's MADT has no such limit)";
    }
    return null;
  }

  /** Virtio GSIs that the 16 ISA IRQ entries do not already route, ascending, each once. */
  private static TreeSet<Integer> gsisAboveIsa(List<MmioSlot> slots) {
    TreeSet<Integer> gsis = new TreeSet<>();
    for (MmioSlot s : slots) {
      if (s.gsi() >= ISA_IRQS) {
        gsis.add(s.gsi());
      }
    }
    return gsis;
  }

  /**
   * Builds the table to sit at {@code address} (floating pointer first, the configuration table
   * right after it).
   *
   * @throws IllegalArgumentException if a GSI has no I/O APIC pin, the table would exceed
   *     {@link X86Layout#MPTABLE_MAX_SIZE} (see {@link #fits}) or the address is unusable
   */
  public static GuestBlob build(int vcpuCount, List<MmioSlot> slots, long address) {
    String problem = problem(vcpuCount, slots);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    TreeSet<Integer> extraGsis = gsisAboveIsa(slots);
    int size = size(vcpuCount, extraGsis.size());
    // Linux looks for the floating pointer on 16-byte boundaries; the pointer field is 32-bit.
    if (address < 0 || address % 16 != 0 || address + size > 0x1_0000_0000L) {
      throw new IllegalArgumentException("MP table at 0x" + Long.toHexString(address)
          + " must be 16-byte aligned and lie below 4 GiB");
    }
    // The I/O APIC takes the first APIC ID after the processors': MP 1.4 wants IDs unique across
    // local and I/O APICs (Firecracker likewise uses an ID above the processors').
    int ioApicId = vcpuCount;
    long tableAddress = address + FLOATING_POINTER_LENGTH;

    ByteBuffer b = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
    // Floating pointer structure.
    b.put(ascii("_MP_"));
    b.putInt((int) tableAddress);
    b.put((byte) 1); // length in 16-byte paragraphs
    b.put((byte) SPEC_REV);
    b.put((byte) 0); // checksum
    b.put((byte) 0); // feature 1: 0 = a configuration table is present
    b.put((byte) 0); // feature 2: IMCRP clear, virtual wire mode
    b.put(new byte[3]);

    // Configuration table header; length, entry count and checksum are known up front.
    int entryCount = vcpuCount + 1 + 1 + ISA_IRQS + extraGsis.size() + 2;
    b.put(ascii("PCMP"));
    b.putShort((short) (size - FLOATING_POINTER_LENGTH));
    b.put((byte) SPEC_REV);
    b.put((byte) 0); // checksum
    b.put(ascii("SBX     ")); // OEM ID, 8 bytes
    b.put(ascii("SBX MICROVM ")); // product ID, 12 bytes
    b.putInt(0); // OEM table pointer
    b.putShort((short) 0); // OEM table size
    b.putShort((short) entryCount);
    b.putInt((int) X86Layout.LAPIC_ADDR);
    b.putShort((short) 0); // extended table length
    b.put((byte) 0); // extended table checksum
    b.put((byte) 0);

    for (int cpu = 0; cpu < vcpuCount; cpu++) {
      b.put((byte) ENTRY_PROCESSOR);
      b.put((byte) cpu); // local APIC ID
      b.put((byte) LAPIC_VERSION);
      b.put((byte) (cpu == 0 ? 0x03 : 0x01)); // EN, plus BP on the bootstrap processor
      b.putInt(CPU_SIGNATURE);
      b.putInt(CPU_FEATURES);
      b.putLong(0);
    }
    b.put((byte) ENTRY_BUS).put((byte) ISA_BUS_ID).put(ascii("ISA   "));
    b.put((byte) ENTRY_IOAPIC).put((byte) ioApicId).put((byte) IOAPIC_VERSION).put((byte) 1);
    b.putInt((int) X86Layout.IOAPIC_ADDR);
    for (int irq = 0; irq < ISA_IRQS; irq++) {
      ioInterrupt(b, irq, ioApicId);
    }
    for (int gsi : extraGsis) {
      ioInterrupt(b, gsi, ioApicId);
    }
    localInterrupt(b, INT_TYPE_EXTINT, 0);
    localInterrupt(b, INT_TYPE_NMI, 1);

    byte[] out = b.array();
    ByteChecksum.fill(out, FLOATING_POINTER_LENGTH, out.length,
        FLOATING_POINTER_LENGTH + TABLE_CHECKSUM_OFFSET);
    ByteChecksum.fill(out, 0, FLOATING_POINTER_LENGTH, POINTER_CHECKSUM_OFFSET);
    return new GuestBlob(address, out);
  }

  private static void ioInterrupt(ByteBuffer b, int irq, int ioApicId) {
    b.put((byte) ENTRY_IO_INTERRUPT).put((byte) INT_TYPE_INT);
    b.putShort((short) 0); // polarity and trigger conform to the bus
    b.put((byte) ISA_BUS_ID).put((byte) irq).put((byte) ioApicId).put((byte) irq);
  }

  private static void localInterrupt(ByteBuffer b, int type, int lint) {
    b.put((byte) ENTRY_LOCAL_INTERRUPT).put((byte) type);
    b.putShort((short) 0);
    b.put((byte) ISA_BUS_ID).put((byte) 0);
    b.put((byte) 0xFF); // every local APIC
    b.put((byte) lint);
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
