package dev.sbx.vmm.acpi;

import static dev.sbx.vmm.testing.LittleEndian.ascii;
import static dev.sbx.vmm.testing.LittleEndian.checksum;
import static dev.sbx.vmm.testing.LittleEndian.u16;
import static dev.sbx.vmm.testing.LittleEndian.u32;
import static dev.sbx.vmm.testing.LittleEndian.u64;
import static dev.sbx.vmm.testing.LittleEndian.u8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Each table against its layout in ACPI 6.5 chapter 5. */
class SdtTablesTest {

  /** §5.2.6: the header fields every table shares. */
  private static void assertHeader(byte[] t, String signature, int revision) {
    assertEquals(signature, ascii(t, 0, 4));
    assertEquals(t.length, u32(t, 4));
    assertEquals(revision, u8(t, 8));
    assertEquals(0, checksum(t, 0, t.length), "table checksum");
    assertEquals("SBX   ", ascii(t, 10, 6));
    assertEquals("SBXV" + signature, ascii(t, 16, 8));
    assertEquals(1, u32(t, 24));
    assertEquals("SBX ", ascii(t, 28, 4));
    assertEquals(1, u32(t, 32));
  }

  @Test
  void rsdpRevision2() {
    byte[] r = Rsdp.build(0x000A_0123_4567_89A0L);
    assertEquals(36, r.length);
    assertEquals("RSD PTR ", ascii(r, 0, 8));
    assertEquals(0, checksum(r, 0, 20), "ACPI 1.0 checksum over the first 20 bytes");
    assertEquals(0, checksum(r, 0, 36), "extended checksum over all 36 bytes");
    assertEquals("SBX   ", ascii(r, 9, 6));
    assertEquals(2, u8(r, 15));
    assertEquals(0, u32(r, 16), "no RSDT");
    assertEquals(36, u32(r, 20));
    assertEquals(0x000A_0123_4567_89A0L, u64(r, 24));
    assertArrayEquals(new byte[3], Arrays.copyOfRange(r, 33, 36));
  }

  @Test
  void xsdtListsTableAddresses() {
    byte[] x = Xsdt.build(List.of(0xA0100L, 0x1_0000_0000L));
    assertHeader(x, "XSDT", 1);
    assertEquals(36 + 16, x.length);
    assertEquals(Xsdt.length(2), x.length);
    assertEquals(0xA0100L, u64(x, 36));
    assertEquals(0x1_0000_0000L, u64(x, 44));
  }

  @Test
  void fadtIsHardwareReducedRevision6() {
    byte[] f = Fadt.build(0xA0000L, Fadt.IAPC_VGA_NOT_PRESENT | Fadt.IAPC_8042);
    assertHeader(f, "FACP", 6);
    assertEquals(276, f.length);
    assertEquals(0, u32(f, 36), "FIRMWARE_CTRL: no FACS");
    assertEquals(0, u32(f, 40), "DSDT: 0 when X_DSDT is used");
    assertEquals(0, u16(f, 46), "SCI_INT: none on HW-reduced");
    for (int off = 56; off < 88; off += 4) {
      assertEquals(0, u32(f, off), "PM/GPE block at " + off);
    }
    assertEquals(0x06, u16(f, 109), "IAPC_BOOT_ARCH: 8042 (bit 1), no VGA (bit 2)");
    long flags = u32(f, 112);
    assertEquals((1 << 20) | (1 << 4) | (1 << 5), flags,
        "HW_REDUCED_ACPI, PWR_BUTTON and SLP_BUTTON only");
    assertArrayEquals(new byte[12], Arrays.copyOfRange(f, 116, 128), "no RESET_REG");
    assertEquals(5, u8(f, 131), "minor revision");
    assertEquals(0, u64(f, 132), "X_FIRMWARE_CTRL");
    assertEquals(0xA0000L, u64(f, 140), "X_DSDT");
    assertArrayEquals(new byte[268 - 148], Arrays.copyOfRange(f, 148, 268),
        "X_ blocks and sleep registers");
    assertEquals("SBXVMM  ", ascii(f, 268, 8), "hypervisor vendor identity");
  }

  @Test
  void madtEntries() {
    byte[] m = new Madt(0xFEE00000L, Madt.PCAT_COMPAT)
        .ioApic(0, 0xFEC00000L, 0)
        .localApic(0, 0)
        .localApic(1, 1)
        .localApic(2, 2)
        .build();
    assertHeader(m, "APIC", 5);
    assertEquals(44 + 12 + 8 * 3, m.length);
    assertEquals(0xFEE00000L, u32(m, 36));
    assertEquals(1, u32(m, 40));
    // I/O APIC: type 1, length 12, id 0, reserved, address, GSI base
    assertEquals(1, u8(m, 44));
    assertEquals(12, u8(m, 45));
    assertEquals(0, u8(m, 46));
    assertEquals(0, u8(m, 47));
    assertEquals(0xFEC00000L, u32(m, 48));
    assertEquals(0, u32(m, 52));
    for (int i = 0; i < 3; i++) {
      int off = 56 + 8 * i;
      assertEquals(0, u8(m, off), "type: processor local APIC");
      assertEquals(8, u8(m, off + 1));
      assertEquals(i, u8(m, off + 2), "ACPI processor UID");
      assertEquals(i, u8(m, off + 3), "APIC ID");
      assertEquals(1, u32(m, off + 4), "enabled");
    }
  }

  @Test
  void madtRejectsIdsOutsideXapicRange() {
    Madt m = new Madt(0xFEE00000L, 0);
    assertThrows(IllegalArgumentException.class, () -> m.localApic(0, 0xFF));
    assertThrows(IllegalArgumentException.class, () -> m.localApic(256, 1));
    assertThrows(IllegalArgumentException.class, () -> m.ioApic(256, 0xFEC00000L, 0));
    assertThrows(IllegalArgumentException.class, () -> m.ioApic(0, 0x1_0000_0000L, 0));
    assertThrows(IllegalArgumentException.class, () -> new Madt(-1, 0));
  }

  @Test
  void dsdtWrapsTheTermList() {
    byte[] body = Aml.scope("\\_SB_");
    byte[] d = Dsdt.build(body);
    assertHeader(d, "DSDT", 2);
    assertArrayEquals(body, Arrays.copyOfRange(d, 36, d.length));
  }

  @Test
  void sdtRejectsBadSignature() {
    assertThrows(IllegalArgumentException.class, () -> Sdt.assemble("APIC2", 1, new byte[0]));
  }
}
