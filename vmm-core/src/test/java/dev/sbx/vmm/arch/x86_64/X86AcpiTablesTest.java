package dev.sbx.vmm.arch.x86_64;

import static dev.sbx.vmm.testing.LittleEndian.ascii;
import static dev.sbx.vmm.testing.LittleEndian.checksum;
import static dev.sbx.vmm.testing.LittleEndian.u16;
import static dev.sbx.vmm.testing.LittleEndian.u32;
import static dev.sbx.vmm.testing.LittleEndian.u64;
import static dev.sbx.vmm.testing.LittleEndian.u8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.sbx.vmm.acpi.AcpiTableSet;
import dev.sbx.vmm.arch.GuestBlob;
import dev.sbx.vmm.arch.MmioSlot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class X86AcpiTablesTest {

  static List<MmioSlot> slots(int n) {
    List<MmioSlot> s = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      s.add(new MmioSlot(X86Layout.MMIO_32_START + 0x1000L * i, 0x1000, 5 + i));
    }
    return s;
  }

  static AcpiTableSet standard(int vcpus, List<MmioSlot> slots) {
    return X86AcpiTables.build(vcpus, slots, true, true);
  }

  @Test
  void defaultPlacesAreTheStandardLayout() {
    assertEquals(X86AcpiTables.build(3, slots(2), true, false, X86Layout.RSDP_ADDR,
            X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_END),
        X86AcpiTables.build(3, slots(2), true, false));
    assertEquals(0xE0000L, X86Layout.RSDP_ADDR);
    assertEquals(0x9FC00L + 0x400, X86Layout.ACPI_TABLES_START);
    assertEquals(0xE0000L, X86Layout.ACPI_TABLES_END);
  }

  /** The table a guest finds at {@code address}, by looking through the blobs like memory. */
  static byte[] tableAt(AcpiTableSet set, long address) {
    for (GuestBlob b : set.blobs()) {
      if (b.address() == address) {
        return b.bytes();
      }
    }
    throw new AssertionError("no table at 0x" + Long.toHexString(address));
  }

  @Test
  void guestWalkFromRsdpReachesEveryTable() {
    AcpiTableSet set = standard(4, slots(3));
    assertEquals(X86Layout.RSDP_ADDR, set.rsdpAddress());
    byte[] rsdp = tableAt(set, set.rsdpAddress());
    assertEquals("RSD PTR ", ascii(rsdp, 0, 8));
    byte[] xsdt = tableAt(set, u64(rsdp, 24));
    assertEquals("XSDT", ascii(xsdt, 0, 4));
    assertEquals(2, (xsdt.length - 36) / 8);
    byte[] fadt = tableAt(set, u64(xsdt, 36));
    byte[] madt = tableAt(set, u64(xsdt, 44));
    assertEquals("FACP", ascii(fadt, 0, 4));
    assertEquals("APIC", ascii(madt, 0, 4));
    byte[] dsdt = tableAt(set, u64(fadt, 140));
    assertEquals("DSDT", ascii(dsdt, 0, 4));
    assertEquals(5, set.blobs().size());
    for (GuestBlob b : set.blobs()) {
      if (b.address() != set.rsdpAddress()) {
        assertEquals(0, checksum(b.bytes(), 0, b.bytes().length));
        assertEquals(b.bytes().length, u32(b.bytes(), 4));
      }
    }
  }

  @Test
  void tablesArePackedAlignedAndInsideTheArea() {
    AcpiTableSet set = standard(2, slots(4));
    List<GuestBlob> tables = new ArrayList<>(set.blobs());
    tables.removeIf(b -> b.address() == set.rsdpAddress());
    tables.sort((a, b) -> Long.compare(a.address(), b.address()));
    assertEquals(X86Layout.ACPI_TABLES_START, tables.get(0).address());
    for (int i = 0; i < tables.size(); i++) {
      GuestBlob b = tables.get(i);
      assertEquals(0, b.address() % 16, "16-byte aligned");
      assertTrue(b.end() <= X86Layout.ACPI_TABLES_END);
      if (i > 0) {
        long prevEnd = tables.get(i - 1).end();
        assertTrue(b.address() >= prevEnd, "no overlap");
        assertTrue(b.address() - prevEnd < 16, "packed");
      }
    }
  }

  @Test
  void madtHasOneLocalApicPerVcpuAndTheIoApic() {
    AcpiTableSet set = standard(8, List.of());
    byte[] rsdp = tableAt(set, set.rsdpAddress());
    byte[] madt = tableAt(set, u64(tableAt(set, u64(rsdp, 24)), 44));
    assertEquals(44 + 12 + 8 * 8, madt.length);
    assertEquals(X86Layout.LAPIC_ADDR, u32(madt, 36));
    int lapics = 0;
    int ioapics = 0;
    for (int off = 44; off < madt.length; off += u8(madt, off + 1)) {
      switch (u8(madt, off)) {
        case 0 -> {
          assertEquals(lapics, u8(madt, off + 3));
          assertEquals(1, u32(madt, off + 4));
          lapics++;
        }
        case 1 -> {
          assertEquals(0, u8(madt, off + 2));
          assertEquals(X86Layout.IOAPIC_ADDR, u32(madt, off + 4));
          assertEquals(0, u32(madt, off + 8));
          ioapics++;
        }
        default -> throw new AssertionError("unexpected MADT entry type " + u8(madt, off));
      }
    }
    assertEquals(8, lapics);
    assertEquals(1, ioapics);
  }

  @Test
  void fadtFlagsFollowTheDevices() {
    byte[] with = fadt(X86AcpiTables.build(1, List.of(), true, true, X86Layout.RSDP_ADDR,
        X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_END));
    byte[] without = fadt(X86AcpiTables.build(1, List.of(), true, false, X86Layout.RSDP_ADDR,
        X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_END));
    assertEquals(0x3E, u16(with, 109), "8042, no VGA, no MSI, no ASPM, no CMOS RTC");
    assertEquals(0x3C, u16(without, 109));
    assertEquals(1 << 20 | 1 << 5 | 1 << 4, u32(with, 112));
  }

  private static byte[] fadt(AcpiTableSet set) {
    return tableAt(set, u64(tableAt(set, u64(tableAt(set, set.rsdpAddress()), 24)), 36));
  }

  @Test
  void dsdtListsOnlyTheDevicesAsked() {
    String none = dsdtText(X86AcpiTables.build(1, List.of(), false, false, X86Layout.RSDP_ADDR,
        X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_END));
    assertFalse(none.contains("COM1"));
    assertFalse(none.contains("PS2_"));
    assertFalse(none.contains("LNRO"));
    String all = dsdtText(standard(1, slots(2)));
    assertTrue(all.contains("COM1"));
    assertTrue(all.contains("PS2_"));
    assertTrue(all.contains("V000") && all.contains("V001") && !all.contains("V002"));
  }

  private static String dsdtText(AcpiTableSet set) {
    byte[] dsdt = tableAt(set, u64(fadt(set), 140));
    return new String(dsdt, StandardCharsets.ISO_8859_1);
  }

  @Test
  void serialAndI8042ResourcesByHand() {
    String dsdt = HexFormat.of().formatHex(tableAt(standard(1, List.of()),
        u64(fadt(standard(1, List.of())), 140))).toUpperCase();
    // COM1: IO(Decode16, 0x3F8, 0x3F8, 1, 8) + Interrupt(Consumer, Edge, High, Exclusive) {4}
    assertTrue(dsdt.contains("4701F803F8030108" + "890600030104000000"), dsdt);
    // i8042: IO 0x60 and 0x64, one port each, + Interrupt {1}
    assertTrue(dsdt.contains("4701600060000101" + "4701640064000101" + "890600030101000000"),
        dsdt);
    // _HID EisaId("PNP0501") and EisaId("PNP0303")
    assertTrue(dsdt.contains("085F4849440C41D00501"));
    assertTrue(dsdt.contains("085F4849440C41D00303"));
  }

  @Test
  void rejectsTablesThatDoNotFit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> X86AcpiTables.build(255, slots(19), true, true, X86Layout.RSDP_ADDR,
            X86Layout.ACPI_TABLES_START, X86Layout.ACPI_TABLES_START + 1024));
    assertTrue(e.getMessage().contains("use fewer vCPUs or devices"), e.getMessage());
  }

  @Test
  void largestConfigurationFitsTheDefaultArea() {
    List<MmioSlot> many = new ArrayList<>();
    for (int i = 0; i < 19; i++) {
      many.add(new MmioSlot(X86Layout.MMIO_32_START + 0x1000L * i, 0x1000, 5 + i));
    }
    AcpiTableSet set = standard(X86AcpiTables.MAX_VCPUS, many);
    assertNotNull(set);
  }

  @Test
  void rejectsBadArguments() {
    long s = X86Layout.ACPI_TABLES_START;
    long e = X86Layout.ACPI_TABLES_END;
    long r = X86Layout.RSDP_ADDR;
    assertRejected(0, List.of(), true, true, r, s, e);
    assertRejected(256, List.of(), true, true, r, s, e);
    assertRejected(1, List.of(), true, true, r, e, s); // empty area
    assertRejected(1, List.of(), true, true, r + 8, s, e); // RSDP not 16-byte aligned
    assertRejected(1, List.of(), true, true, s + 16, s, e); // RSDP inside the area
    assertRejected(1, List.of(), true, true, s - 16, s, e); // RSDP overlapping its start
  }

  private static void assertRejected(int vcpus, List<MmioSlot> slots, boolean serial,
      boolean i8042, long rsdp, long start, long end) {
    assertThrows(IllegalArgumentException.class,
        () -> X86AcpiTables.build(vcpus, slots, serial, i8042, rsdp, start, end));
  }

  @Test
  void rejectsConflictingVirtioSlots() {
    long s = X86Layout.ACPI_TABLES_START;
    long e = X86Layout.ACPI_TABLES_END;
    long r = X86Layout.RSDP_ADDR;
    long base = X86Layout.MMIO_32_START;
    // GSI beyond the I/O APIC's 24 pins
    assertRejected(1, List.of(new MmioSlot(base, 0x1000, 24)), true, true, r, s, e);
    // two devices on one GSI
    assertRejected(1, List.of(new MmioSlot(base, 0x1000, 5),
        new MmioSlot(base + 0x1000, 0x1000, 5)), true, true, r, s, e);
    // GSI of COM1, or of the i8042, only when that device is there
    assertRejected(1, List.of(new MmioSlot(base, 0x1000, 4)), true, false, r, s, e);
    assertRejected(1, List.of(new MmioSlot(base, 0x1000, 1)), false, true, r, s, e);
    X86AcpiTables.build(1, List.of(new MmioSlot(base, 0x1000, 4)), false, true, r, s, e);
    // overlapping windows, in either order
    assertRejected(1, List.of(new MmioSlot(base + 0x800, 0x1000, 6),
        new MmioSlot(base, 0x1000, 5)), true, true, r, s, e);
    // a window above 4 GiB cannot be a Memory32Fixed
    assertRejected(1, List.of(new MmioSlot(0x1_0000_0000L, 0x1000, 5)), true, true, r, s, e);
  }
}
