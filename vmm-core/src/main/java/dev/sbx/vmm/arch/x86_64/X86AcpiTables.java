package dev.sbx.vmm.arch.x86_64;

import dev.sbx.vmm.acpi.AcpiTableSet;
import dev.sbx.vmm.acpi.Aml;
import dev.sbx.vmm.acpi.Dsdt;
import dev.sbx.vmm.acpi.Fadt;
import dev.sbx.vmm.acpi.Madt;
import dev.sbx.vmm.acpi.ResourceTemplate;
import dev.sbx.vmm.acpi.ResourceTemplate.Polarity;
import dev.sbx.vmm.acpi.ResourceTemplate.Trigger;
import dev.sbx.vmm.acpi.Rsdp;
import dev.sbx.vmm.acpi.VirtioMmioAml;
import dev.sbx.vmm.acpi.Xsdt;
import dev.sbx.vmm.arch.GuestBlob;
import dev.sbx.vmm.arch.MmioSlot;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;

/**
 * The ACPI tables of the x86_64 microVM: RSDP → XSDT → {FADT → DSDT, MADT}. Hardware-reduced ACPI
 * (no PM blocks, no SCI); the MADT lists one local APIC per vCPU and the single I/O APIC; the DSDT
 * describes COM1, the i8042 and every virtio-mmio window. See {@code docs/acpi.md}.
 */
public final class X86AcpiTables {

  /** Each table starts on this boundary inside the table area. */
  static final int TABLE_ALIGN = 16;
  /** xAPIC IDs 0..0xFE, one per vCPU. */
  public static final int MAX_VCPUS = Madt.MAX_APIC_ID + 1;

  private X86AcpiTables() {}

  /**
   * Builds the tables at the standard places: RSDP at {@link X86Layout#RSDP_ADDR}, the rest in
   * [{@link X86Layout#ACPI_TABLES_START}, {@link X86Layout#ACPI_TABLES_END}).
   */
  public static AcpiTableSet build(int vcpuCount, List<MmioSlot> virtioSlots, boolean hasSerial,
      boolean hasI8042) {
    return build(vcpuCount, virtioSlots, hasSerial, hasI8042, X86Layout.RSDP_ADDR,
        X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_END);
  }

  /**
   * Builds the tables.
   *
   * @param vcpuCount vCPUs; vCPU {@code i} has ACPI processor UID and APIC ID {@code i}
   * @param virtioSlots virtio-mmio windows in device order (DSDT {@code _UID} = list index)
   * @param hasSerial describe COM1 at 0x3F8, GSI 4
   * @param hasI8042 describe the i8042 at 0x60/0x64, GSI 1, and set the FADT 8042 flag
   * @param rsdpAddress where the RSDP goes (16-byte aligned; 0xE0000 lets Linux find it by scan)
   * @param tablesStart start of the area the other tables are packed into
   * @param tablesEnd end (exclusive) of that area
   * @throws IllegalArgumentException on bad arguments or when the tables do not fit
   */
  public static AcpiTableSet build(int vcpuCount, List<MmioSlot> virtioSlots, boolean hasSerial,
      boolean hasI8042, long rsdpAddress, long tablesStart, long tablesEnd) {
    if (vcpuCount < 1 || vcpuCount > MAX_VCPUS) {
      throw new IllegalArgumentException(
          "cannot describe " + vcpuCount + " vCPUs in the MADT: use 1 to " + MAX_VCPUS);
    }
    if (tablesStart < 0 || tablesEnd <= tablesStart) {
      throw new IllegalArgumentException("empty ACPI table area [0x" + Long.toHexString(tablesStart)
          + ", 0x" + Long.toHexString(tablesEnd) + ")");
    }
    if (rsdpAddress < 0 || rsdpAddress % 16 != 0
        || (rsdpAddress < tablesEnd && rsdpAddress + Rsdp.LENGTH > tablesStart)) {
      throw new IllegalArgumentException("RSDP address 0x" + Long.toHexString(rsdpAddress)
          + " must be 16-byte aligned and outside the table area [0x"
          + Long.toHexString(tablesStart) + ", 0x" + Long.toHexString(tablesEnd) + ")");
    }
    checkSlots(virtioSlots, hasSerial, hasI8042);

    byte[] dsdt = Dsdt.build(dsdtBody(virtioSlots, hasSerial, hasI8042));
    Madt madtBuilder = new Madt(X86Layout.LAPIC_ADDR, Madt.PCAT_COMPAT)
        .ioApic(0, X86Layout.IOAPIC_ADDR, 0);
    for (int i = 0; i < vcpuCount; i++) {
      madtBuilder.localApic(i, i);
    }
    byte[] madt = madtBuilder.build();

    long dsdtAt = align(tablesStart);
    long fadtAt = align(dsdtAt + dsdt.length);
    long madtAt = align(fadtAt + Fadt.LENGTH);
    long xsdtAt = align(madtAt + madt.length);
    long end = xsdtAt + Xsdt.length(2);
    if (end > tablesEnd) {
      throw new IllegalArgumentException("ACPI tables for " + vcpuCount + " vCPUs and "
          + virtioSlots.size() + " virtio devices need " + (end - tablesStart) + " bytes but [0x"
          + Long.toHexString(tablesStart) + ", 0x" + Long.toHexString(tablesEnd) + ") holds "
          + (tablesEnd - tablesStart) + "; use fewer vCPUs or devices");
    }

    int iapc = Fadt.IAPC_VGA_NOT_PRESENT | Fadt.IAPC_MSI_NOT_PRESENT
        | Fadt.IAPC_PCIE_ASPM_CONTROLS | Fadt.IAPC_CMOS_RTC_NOT_PRESENT;
    if (hasI8042) {
      iapc |= Fadt.IAPC_8042;
    }
    return new AcpiTableSet(rsdpAddress, List.of(
        new GuestBlob(dsdtAt, dsdt),
        new GuestBlob(fadtAt, Fadt.build(dsdtAt, iapc)),
        new GuestBlob(madtAt, madt),
        new GuestBlob(xsdtAt, Xsdt.build(List.of(fadtAt, madtAt))),
        new GuestBlob(rsdpAddress, Rsdp.build(xsdtAt))));
  }

  private static byte[] dsdtBody(List<MmioSlot> slots, boolean hasSerial, boolean hasI8042) {
    ByteArrayOutputStream devices = new ByteArrayOutputStream();
    if (hasSerial) {
      devices.writeBytes(Aml.device("COM1",
          Aml.name("_HID", Aml.eisaId("PNP0501")),
          Aml.name("_UID", Aml.integer(0)),
          Aml.name("_CRS", new ResourceTemplate()
              .io(X86Layout.COM1_PORT, X86Layout.COM1_PORT_COUNT)
              .interrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false, X86Layout.COM1_GSI)
              .toAml())));
    }
    if (hasI8042) {
      devices.writeBytes(Aml.device("PS2_",
          Aml.name("_HID", Aml.eisaId("PNP0303")),
          Aml.name("_STA", Aml.integer(0x0F)),
          Aml.name("_CRS", new ResourceTemplate()
              .io(X86Layout.I8042_DATA_PORT, 1)
              .io(X86Layout.I8042_COMMAND_PORT, 1)
              .interrupt(Trigger.EDGE, Polarity.ACTIVE_HIGH, false, X86Layout.I8042_GSI)
              .toAml())));
    }
    for (int i = 0; i < slots.size(); i++) {
      devices.writeBytes(VirtioMmioAml.device(i, slots.get(i)));
    }
    return Aml.scope("\\_SB_", devices.toByteArray());
  }

  /** Windows must not overlap and each device needs its own I/O APIC pin. */
  private static void checkSlots(List<MmioSlot> slots, boolean hasSerial, boolean hasI8042) {
    if (slots.size() > VirtioMmioAml.MAX_DEVICES) {
      throw new IllegalArgumentException("cannot describe " + slots.size()
          + " virtio-mmio devices: at most " + VirtioMmioAml.MAX_DEVICES);
    }
    BitSet used = new BitSet();
    if (hasSerial) {
      used.set(X86Layout.COM1_GSI);
    }
    if (hasI8042) {
      used.set(X86Layout.I8042_GSI);
    }
    for (MmioSlot s : slots) {
      if (s.gsi() >= X86Layout.IOAPIC_PINS) {
        throw new IllegalArgumentException("virtio-mmio GSI " + s.gsi() + " at 0x"
            + Long.toHexString(s.base()) + " has no I/O APIC pin: use 0-"
            + (X86Layout.IOAPIC_PINS - 1));
      }
      if (used.get(s.gsi())) {
        throw new IllegalArgumentException("virtio-mmio device at 0x" + Long.toHexString(s.base())
            + " reuses GSI " + s.gsi() + ", which another device already has");
      }
      used.set(s.gsi());
    }
    List<MmioSlot> byBase = new ArrayList<>(slots);
    byBase.sort(Comparator.comparingLong(MmioSlot::base));
    for (int i = 1; i < byBase.size(); i++) {
      if (byBase.get(i).base() < byBase.get(i - 1).end()) {
        throw new IllegalArgumentException("virtio-mmio windows overlap at 0x"
            + Long.toHexString(byBase.get(i).base()));
      }
    }
  }

  private static long align(long address) {
    return (address + TABLE_ALIGN - 1) & -TABLE_ALIGN;
  }
}
